/* DNS messages (RFC 1035 section 4): reading untrusted bytes and writing
 * the few responses MagicDNS gives.  A pure codec: no sockets, no state.
 *
 * Reading.  Every reader takes (msg, len), never reads past len and
 * returns 0 or -EBADMSG.  Names may be compressed (RFC 1035 4.1.4); a
 * compression pointer must point strictly below the previous pointer's
 * target (below the name's own start for the first), so a chain of
 * pointers always ends and loops are impossible; at most
 * TN_DNS_MAX_POINTERS hops, at most TN_DNS_NAME_MAX bytes once expanded,
 * and the reserved label types 0x40/0x80 are refused.  Names come out
 * expanded, in wire form, case kept.
 *
 * tn_dns_msg_parse walks a whole message (header, every question and
 * record) and reports the first question and the EDNS OPT record; the
 * resolver answers from the header and first question alone, as Go's
 * (x/net/dns/dnsmessage Parser.Start + Question) does, so a query whose
 * later sections do not parse is still answered.
 *
 * Text.  Names become lower-case-able text in presentation form: labels
 * joined by '.', a trailing '.', '.' and '\' inside a label escaped with
 * '\', bytes outside '!'..'~' as "\DDD".  Our own names (from the netmap)
 * go the other way without escapes.
 *
 * Writing.  tn_dns_builder appends a header, the question and answer
 * records into a caller's buffer; answer owner names are a compression
 * pointer to the question name.
 *
 * Any thread; no allocation.
 */
#ifndef TN_DNS_MESSAGE_H
#define TN_DNS_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TN_DNS_HEADER_LEN 12
/* RFC 1035 2.3.4: 255 bytes of wire name, labels of at most 63. */
#define TN_DNS_NAME_MAX 255
#define TN_DNS_LABEL_MAX 63
/* Escaped text of the longest name: "\DDD" per byte, plus ".", plus NUL. */
#define TN_DNS_TEXT_MAX (4 * TN_DNS_NAME_MAX + 2)
/* A pointer chain longer than this is hostile (a name has at most 127
 * labels, each worth at most one pointer). */
#define TN_DNS_MAX_POINTERS 127

/* Header flag bits (RFC 1035 4.1.1, RFC 4035 3.1.6 for AD/CD). */
enum {
	TN_DNS_QR = 0x8000,
	TN_DNS_AA = 0x0400,
	TN_DNS_TC = 0x0200,
	TN_DNS_RD = 0x0100,
	TN_DNS_RA = 0x0080,
	TN_DNS_AD = 0x0020,
	TN_DNS_CD = 0x0010,
};
#define TN_DNS_OPCODE(flags) (((flags) >> 11) & 0xf)
#define TN_DNS_RCODE(flags) ((flags) & 0xf)

enum tn_dns_rcode {
	TN_DNS_NOERROR = 0,
	TN_DNS_FORMERR = 1,
	TN_DNS_SERVFAIL = 2,
	TN_DNS_NXDOMAIN = 3,
	TN_DNS_NOTIMP = 4,
	TN_DNS_REFUSED = 5,
};

enum tn_dns_type {
	TN_DNS_TYPE_A = 1,
	TN_DNS_TYPE_NS = 2,
	TN_DNS_TYPE_CNAME = 5,
	TN_DNS_TYPE_SOA = 6,
	TN_DNS_TYPE_PTR = 12,
	TN_DNS_TYPE_HINFO = 13,
	TN_DNS_TYPE_MX = 15,
	TN_DNS_TYPE_TXT = 16,
	TN_DNS_TYPE_AAAA = 28,
	TN_DNS_TYPE_SRV = 33,
	TN_DNS_TYPE_OPT = 41,
	TN_DNS_TYPE_AXFR = 252,
	TN_DNS_TYPE_ALL = 255,
};
#define TN_DNS_CLASS_IN 1

struct tn_dns_header {
	uint16_t id, flags, qdcount, ancount, nscount, arcount;
};

/* A name in uncompressed wire form, root label included. */
struct tn_dns_name {
	uint8_t wire[TN_DNS_NAME_MAX];
	size_t len;
};

struct tn_dns_question {
	struct tn_dns_name name;
	uint16_t type, qclass;
};

struct tn_dns_rr {
	struct tn_dns_name name;
	uint16_t type, rclass;
	uint32_t ttl;
	size_t class_off;            /* offset of the class field in msg */
	size_t rdata_off, rdata_len;
};

/* What tn_dns_msg_parse found. */
struct tn_dns_msg {
	struct tn_dns_header h;
	bool has_question;
	struct tn_dns_question q;    /* the first question */
	bool has_opt;                /* an EDNS(0) OPT record (RFC 6891) */
	uint16_t udp_size;           /* its requested payload size */
	uint8_t edns_version;
	size_t opt_class_off;        /* where that size sits in msg */
	size_t end;                  /* bytes the sections took */
};

int tn_dns_header_read(struct tn_dns_header *h, const uint8_t *msg, size_t len);
/* Reads the name at *off and moves *off past it (past its first pointer). */
int tn_dns_name_read(struct tn_dns_name *out, const uint8_t *msg, size_t len, size_t *off);
int tn_dns_question_read(struct tn_dns_question *q, const uint8_t *msg, size_t len,
			 size_t *off);
int tn_dns_rr_read(struct tn_dns_rr *rr, const uint8_t *msg, size_t len, size_t *off);
/* The whole message: -EBADMSG unless every counted question and record
 * is there and well formed.  Bytes after the last record are allowed. */
int tn_dns_msg_parse(struct tn_dns_msg *m, const uint8_t *msg, size_t len);

/* Name text (see above) into out[0..cap): returns its length, or -ENOSPC.
 * lower folds A-Z only, as Go's rawNameToLower does. */
int tn_dns_name_to_text(const struct tn_dns_name *n, char *out, size_t cap, bool lower);
/* A plain dotted name ("a.b", "a.b.", "" or "." for the root) to wire
 * form.  -EINVAL for empty labels, labels over 63 bytes or names over 255. */
int tn_dns_name_from_text(struct tn_dns_name *out, const char *text);
/* Wire names equal ignoring ASCII case. */
bool tn_dns_name_equal_nocase(const struct tn_dns_name *a, const struct tn_dns_name *b);

/* Response writing.  Errors stick: after one, later calls do nothing and
 * finish returns it (-EMSGSIZE when the buffer is full). */
struct tn_dns_builder {
	uint8_t *buf;
	size_t cap, len;
	size_t question_off;         /* 0 until a question is written */
	uint16_t qd, an;
	int err;
};

void tn_dns_builder_init(struct tn_dns_builder *b, uint8_t *buf, size_t cap,
			 uint16_t id, uint16_t flags);
void tn_dns_builder_question(struct tn_dns_builder *b, const struct tn_dns_question *q);
/* One answer record owned by the question's name (which must be written
 * first). */
void tn_dns_builder_answer(struct tn_dns_builder *b, uint16_t type, uint32_t ttl,
			   const uint8_t *rdata, size_t rdlen);
/* Fills in the counts; returns the message length or the sticky error. */
int tn_dns_builder_finish(struct tn_dns_builder *b);

static inline uint16_t tn_dns_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void tn_dns_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

#endif
