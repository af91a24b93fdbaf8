/* DNS message reading and writing (see message.h). */
#include "dns/message.h"

#include <errno.h>
#include <string.h>

int tn_dns_header_read(struct tn_dns_header *h, const uint8_t *msg, size_t len)
{
	if (len < TN_DNS_HEADER_LEN)
		return -EBADMSG;
	h->id = tn_dns_get16(msg);
	h->flags = tn_dns_get16(msg + 2);
	h->qdcount = tn_dns_get16(msg + 4);
	h->ancount = tn_dns_get16(msg + 6);
	h->nscount = tn_dns_get16(msg + 8);
	h->arcount = tn_dns_get16(msg + 10);
	return 0;
}

int tn_dns_name_read(struct tn_dns_name *out, const uint8_t *msg, size_t len, size_t *off)
{
	size_t pos = *off, floor = *off, end = 0, n = 0;
	unsigned hops = 0;

	for (;;) {
		uint8_t c;

		if (pos >= len)
			return -EBADMSG;
		c = msg[pos];
		if ((c & 0xc0) == 0xc0) {
			size_t target;

			if (pos + 2 > len || ++hops > TN_DNS_MAX_POINTERS)
				return -EBADMSG;
			target = (size_t)(c & 0x3f) << 8 | msg[pos + 1];
			/* Strictly below everything this name has visited:
			 * the chain cannot come back to itself. */
			if (target >= floor)
				return -EBADMSG;
			if (!end)
				end = pos + 2;
			floor = pos = target;
			continue;
		}
		if (c & 0xc0)   /* 0x40 extended and 0x80 reserved label types */
			return -EBADMSG;
		/* The label and, at least, the root after it must fit. */
		if (pos + 1 + c > len || n + 1 + c + (c ? 1 : 0) > TN_DNS_NAME_MAX)
			return -EBADMSG;
		memcpy(out->wire + n, msg + pos, 1 + (size_t)c);
		n += 1 + (size_t)c;
		pos += 1 + (size_t)c;
		if (!c)
			break;
	}
	out->len = n;
	*off = end ? end : pos;
	return 0;
}

int tn_dns_question_read(struct tn_dns_question *q, const uint8_t *msg, size_t len,
			 size_t *off)
{
	size_t o = *off;

	if (tn_dns_name_read(&q->name, msg, len, &o) || o + 4 > len)
		return -EBADMSG;
	q->type = tn_dns_get16(msg + o);
	q->qclass = tn_dns_get16(msg + o + 2);
	*off = o + 4;
	return 0;
}

int tn_dns_rr_read(struct tn_dns_rr *rr, const uint8_t *msg, size_t len, size_t *off)
{
	size_t o = *off, rdlen;

	if (tn_dns_name_read(&rr->name, msg, len, &o) || o + 10 > len)
		return -EBADMSG;
	rr->type = tn_dns_get16(msg + o);
	rr->rclass = tn_dns_get16(msg + o + 2);
	rr->class_off = o + 2;
	rr->ttl = (uint32_t)tn_dns_get16(msg + o + 4) << 16 | tn_dns_get16(msg + o + 6);
	rdlen = tn_dns_get16(msg + o + 8);
	o += 10;
	if (o + rdlen > len)
		return -EBADMSG;
	rr->rdata_off = o;
	rr->rdata_len = rdlen;
	*off = o + rdlen;
	return 0;
}

int tn_dns_msg_parse(struct tn_dns_msg *m, const uint8_t *msg, size_t len)
{
	size_t off = TN_DNS_HEADER_LEN;
	unsigned records;

	memset(m, 0, sizeof(*m));
	if (tn_dns_header_read(&m->h, msg, len))
		return -EBADMSG;
	for (unsigned i = 0; i < m->h.qdcount; i++) {
		struct tn_dns_question q;

		if (tn_dns_question_read(&q, msg, len, &off))
			return -EBADMSG;
		if (!i) {
			m->q = q;
			m->has_question = true;
		}
	}
	records = (unsigned)m->h.ancount + m->h.nscount + m->h.arcount;
	for (unsigned i = 0; i < records; i++) {
		struct tn_dns_rr rr;

		if (tn_dns_rr_read(&rr, msg, len, &off))
			return -EBADMSG;
		/* RFC 6891 6.1.1: one OPT, owned by the root, in the
		 * additional section; a second one makes the message
		 * malformed. */
		if (rr.type == TN_DNS_TYPE_OPT) {
			if (i < (unsigned)m->h.ancount + m->h.nscount || rr.name.len != 1 ||
			    m->has_opt)
				return -EBADMSG;
			m->has_opt = true;
			m->udp_size = rr.rclass;
			m->edns_version = (uint8_t)(rr.ttl >> 16);
			m->opt_class_off = rr.class_off;
		}
	}
	m->end = off;
	return 0;
}

int tn_dns_name_to_text(const struct tn_dns_name *n, char *out, size_t cap, bool lower)
{
	size_t o = 0, i = 0;

	if (n->len <= 1) {
		if (cap < 2)
			return -ENOSPC;
		memcpy(out, ".", 2);
		return 1;
	}
	while (i < n->len && n->wire[i]) {
		size_t l = n->wire[i++];

		for (size_t k = 0; k < l; k++, i++) {
			uint8_t c = n->wire[i];

			if (o + 5 > cap)
				return -ENOSPC;
			if (c == '.' || c == '\\') {
				out[o++] = '\\';
				out[o++] = (char)c;
			} else if (c < '!' || c > '~') {
				out[o++] = '\\';
				out[o++] = (char)('0' + c / 100);
				out[o++] = (char)('0' + c / 10 % 10);
				out[o++] = (char)('0' + c % 10);
			} else {
				out[o++] = (char)(lower && c >= 'A' && c <= 'Z' ? c + 32 : c);
			}
		}
		if (o + 2 > cap)
			return -ENOSPC;
		out[o++] = '.';
	}
	out[o] = '\0';
	return (int)o;
}

int tn_dns_name_from_text(struct tn_dns_name *out, const char *text)
{
	size_t len = strlen(text), n = 0, start = 0;

	if (len && text[len - 1] == '.')
		len--;
	if (len == 0) {
		if (text[0] && strcmp(text, "."))
			return -EINVAL;
		out->wire[0] = 0;
		out->len = 1;
		return 0;
	}
	for (size_t i = 0; i <= len; i++) {
		size_t l;

		if (i < len && text[i] != '.')
			continue;
		l = i - start;
		if (l == 0 || l > TN_DNS_LABEL_MAX || n + 1 + l + 1 > TN_DNS_NAME_MAX)
			return -EINVAL;
		out->wire[n++] = (uint8_t)l;
		memcpy(out->wire + n, text + start, l);
		n += l;
		start = i + 1;
	}
	out->wire[n++] = 0;
	out->len = n;
	return 0;
}

static uint8_t fold(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

bool tn_dns_name_equal_nocase(const struct tn_dns_name *a, const struct tn_dns_name *b)
{
	if (a->len != b->len)
		return false;
	/* Length bytes are below 64, so folding them changes nothing. */
	for (size_t i = 0; i < a->len; i++)
		if (fold(a->wire[i]) != fold(b->wire[i]))
			return false;
	return true;
}

void tn_dns_builder_init(struct tn_dns_builder *b, uint8_t *buf, size_t cap,
			 uint16_t id, uint16_t flags)
{
	memset(b, 0, sizeof(*b));
	b->buf = buf;
	b->cap = cap;
	if (cap < TN_DNS_HEADER_LEN) {
		b->err = -EMSGSIZE;
		return;
	}
	memset(buf, 0, TN_DNS_HEADER_LEN);
	tn_dns_put16(buf, id);
	tn_dns_put16(buf + 2, flags);
	b->len = TN_DNS_HEADER_LEN;
}

static uint8_t *room(struct tn_dns_builder *b, size_t n)
{
	uint8_t *p;

	if (b->err)
		return NULL;
	if (b->cap - b->len < n) {
		b->err = -EMSGSIZE;
		return NULL;
	}
	p = b->buf + b->len;
	b->len += n;
	return p;
}

void tn_dns_builder_question(struct tn_dns_builder *b, const struct tn_dns_question *q)
{
	size_t off = b->len;
	uint8_t *p = room(b, q->name.len + 4);

	if (!p)
		return;
	memcpy(p, q->name.wire, q->name.len);
	tn_dns_put16(p + q->name.len, q->type);
	tn_dns_put16(p + q->name.len + 2, q->qclass);
	if (!b->qd)
		b->question_off = off;
	b->qd++;
}

void tn_dns_builder_answer(struct tn_dns_builder *b, uint16_t type, uint32_t ttl,
			   const uint8_t *rdata, size_t rdlen)
{
	uint8_t *p;

	if (!b->err && (!b->qd || b->question_off > 0x3fff || rdlen > 0xffff))
		b->err = -EINVAL;
	if (!(p = room(b, 12 + rdlen)))
		return;
	tn_dns_put16(p, (uint16_t)(0xc000 | b->question_off));
	tn_dns_put16(p + 2, type);
	tn_dns_put16(p + 4, TN_DNS_CLASS_IN);
	tn_dns_put16(p + 6, (uint16_t)(ttl >> 16));
	tn_dns_put16(p + 8, (uint16_t)ttl);
	tn_dns_put16(p + 10, (uint16_t)rdlen);
	if (rdlen)
		memcpy(p + 12, rdata, rdlen);
	b->an++;
}

int tn_dns_builder_finish(struct tn_dns_builder *b)
{
	if (b->err)
		return b->err;
	tn_dns_put16(b->buf + 4, b->qd);
	tn_dns_put16(b->buf + 6, b->an);
	return (int)b->len;
}
