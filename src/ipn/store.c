#include "ipn/store.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "util/atomicfile.h"
#include "util/log.h"

#define KEYS_MAGIC "tailnetd-keys 1"
#define KEYS_MAGIC_PREFIX "tailnetd-keys "
#define KEYS_END "end"

struct tn_store {
	char *dir;
};


int tn_store_open(struct tn_store **out, const char *dir, char *err,
		  size_t errlen)
{
	char why[TN_STORE_ERROR_MAX];
	struct tn_store *s;
	int r;

	*out = NULL;
	if ((r = tn_atomicfile_ensure_dir(dir, why, sizeof(why)))) {
		tn_set_error(err, errlen, "state directory: %s", why);
		return r;
	}
	r = tn_atomicfile_clean_temps(dir);
	if (r < 0) {
		tn_set_error(err, errlen, "state directory %s: cannot list it: %s",
			dir, strerror(-r));
		return r;
	}
	if (r > 0)
		tn_log_info("store", "%s: removed %d temporary file(s) left by "
			    "an interrupted write", dir, r);
	if (!(s = calloc(1, sizeof(*s))) || !(s->dir = strdup(dir))) {
		free(s);
		tn_set_error(err, errlen, "out of memory");
		return -ENOMEM;
	}
	*out = s;
	return 0;
}

void tn_store_free(struct tn_store *s)
{
	if (!s)
		return;
	free(s->dir);
	free(s);
}

const char *tn_store_dir(const struct tn_store *s)
{
	return s->dir;
}

void tn_store_keys_wipe(struct tn_store_keys *k)
{
	tn_crypto_wipe(k, sizeof(*k));
}

/* ---- the keys file ---- */

enum { F_MACHINE, F_NODE, F_OLDNODE, F_COUNT };
static const char *const field_names[F_COUNT] = { "machine", "node", "oldnode" };

static uint8_t *field_key(struct tn_store_keys *k, int f)
{
	return f == F_MACHINE ? k->machine : f == F_NODE ? k->node : k->old_node;
}

static int parse_fail(struct tn_store_keys *k)
{
	tn_store_keys_wipe(k);
	return -EBADMSG;
}

int tn_store_keys_parse(struct tn_store_keys *k, const char *text, size_t len,
			char *err, size_t errlen)
{
	bool seen[F_COUNT] = { false };
	bool ended = false;
	size_t pos = 0;
	unsigned lineno = 0;

	memset(k, 0, sizeof(*k));
	if (len == 0) {
		tn_set_error(err, errlen, "empty file");
		return parse_fail(k);
	}
	while (pos < len) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		const char *sp;
		size_t n;
		int f;

		lineno++;
		n = nl ? (size_t)(nl - line) : len - pos;
		pos += n + 1;
		if (lineno == 1) {
			size_t m = strlen(KEYS_MAGIC);
			size_t pm = strlen(KEYS_MAGIC_PREFIX);

			if (nl && n == m && !memcmp(line, KEYS_MAGIC, m))
				continue;
			if (nl && n == m + 1 && line[m] == '\r' &&
			    !memcmp(line, KEYS_MAGIC, m))
				tn_set_error(err, errlen, "line 1: carriage return "
					"(lines must end in LF only)");
			else if (!nl && n <= m && !memcmp(line, KEYS_MAGIC, n))
				tn_set_error(err, errlen, "line 1: truncated (no "
					"newline at the end of the file)");
			else if (n > pm && !memcmp(line, KEYS_MAGIC_PREFIX, pm))
				tn_set_error(err, errlen, "line 1: unsupported keys "
					"file version (this reads version 1)");
			else
				tn_set_error(err, errlen, "line 1: not a tailnetd "
					"keys file (no \"%s\" header)",
					KEYS_MAGIC);
			return parse_fail(k);
		}
		if (!nl) {
			tn_set_error(err, errlen, "line %u: truncated (no newline at "
				"the end of the file)", lineno);
			return parse_fail(k);
		}
		if (memchr(line, '\r', n)) {
			tn_set_error(err, errlen, "line %u: carriage return (lines "
				"must end in LF only)", lineno);
			return parse_fail(k);
		}
		if (memchr(line, '\0', n)) {
			tn_set_error(err, errlen, "line %u: NUL byte", lineno);
			return parse_fail(k);
		}
		if (ended) {
			tn_set_error(err, errlen, "line %u: data after the end line",
				lineno);
			return parse_fail(k);
		}
		if (n == strlen(KEYS_END) && !memcmp(line, KEYS_END, n)) {
			ended = true;
			continue;
		}
		sp = memchr(line, ' ', n);
		for (f = 0; sp && f < F_COUNT; f++)
			if ((size_t)(sp - line) == strlen(field_names[f]) &&
			    !memcmp(line, field_names[f], (size_t)(sp - line)))
				break;
		if (!sp || f == F_COUNT) {
			tn_set_error(err, errlen, "line %u: unknown line (expected "
				"machine, node, oldnode or end)", lineno);
			return parse_fail(k);
		}
		if (seen[f]) {
			tn_set_error(err, errlen, "line %u: second %s key", lineno,
				field_names[f]);
			return parse_fail(k);
		}
		seen[f] = true;
		if (tn_key_from_text(field_key(k, f), TN_KEY_PRIVATE, sp + 1,
				     n - (size_t)(sp + 1 - line))) {
			tn_set_error(err, errlen, "line %u: the %s key is not "
				"\"privkey:\" and 64 hex digits", lineno,
				field_names[f]);
			return parse_fail(k);
		}
		if (tn_key_is_zero(field_key(k, f))) {
			tn_set_error(err, errlen, "line %u: the %s key is all zeros",
				lineno, field_names[f]);
			return parse_fail(k);
		}
	}
	if (!ended) {
		tn_set_error(err, errlen, "truncated (no end line)");
		return parse_fail(k);
	}
	for (int f = 0; f < F_OLDNODE; f++) {
		if (!seen[f]) {
			tn_set_error(err, errlen, "no %s key", field_names[f]);
			return parse_fail(k);
		}
	}
	k->has_old_node = seen[F_OLDNODE];
	return 0;
}

int tn_store_keys_format(char *out, size_t outlen,
			 const struct tn_store_keys *k)
{
	const uint8_t *keys[F_COUNT] = { k->machine, k->node, k->old_node };
	int count = k->has_old_node ? F_COUNT : F_OLDNODE;
	size_t len = 0;
	int n, r = 0;

	if (outlen)
		out[0] = '\0';
	for (int f = 0; f < count; f++)
		if (tn_key_is_zero(keys[f]))
			return -EINVAL;
	n = snprintf(out, outlen, "%s\n", KEYS_MAGIC);
	if (n < 0 || (size_t)n >= outlen)
		return -ENOSPC;
	len = (size_t)n;
	for (int f = 0; f < count; f++) {
		char text[TN_KEY_TEXT_MAX];

		n = tn_key_to_text(text, sizeof(text), TN_KEY_PRIVATE, keys[f]);
		if (n >= 0)
			n = snprintf(out + len, outlen - len, "%s %s\n",
				     field_names[f], text);
		tn_crypto_wipe(text, sizeof(text));
		if (n < 0 || (size_t)n >= outlen - len) {
			r = n < 0 ? n : -ENOSPC;
			goto fail;
		}
		len += (size_t)n;
	}
	n = snprintf(out + len, outlen - len, "%s\n", KEYS_END);
	if (n < 0 || (size_t)n >= outlen - len) {
		r = -ENOSPC;
		goto fail;
	}
	return (int)(len + (size_t)n);
fail:
	tn_crypto_wipe(out, outlen);
	return r;
}

/* ---- files ---- */

static int file_path(const struct tn_store *s, const char *name,
		     char path[PATH_MAX])
{
	int n = snprintf(path, PATH_MAX, "%s/%s", s->dir, name);

	return n < 0 || n >= PATH_MAX ? -ENAMETOOLONG : 0;
}

/* Owner and mode of a file we are about to trust. */
static int check_private(const char *path, const struct stat *st, char *err,
			 size_t errlen)
{
	if (st->st_uid != geteuid()) {
		tn_set_error(err, errlen, "state file %s is owned by uid %u, not by "
			"this process (uid %u)", path, (unsigned)st->st_uid,
			(unsigned)geteuid());
		return -EPERM;
	}
	if (st->st_mode & 077) {
		tn_set_error(err, errlen, "state file %s has mode %04o: group or "
			"others can read it, so its secrets may have leaked; "
			"check, then chmod 600 it", path,
			(unsigned)(st->st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

static void read_err(const char *path, long r, size_t max, char *err,
		     size_t errlen)
{
	if (r == -ENOENT)
		tn_set_error(err, errlen, "state file %s does not exist", path);
	else if (r == -EFBIG)
		tn_set_error(err, errlen, "state file %s is larger than %zu bytes",
			path, max);
	else if (r == -EISDIR || r == -EINVAL)
		tn_set_error(err, errlen, "state file %s is not a regular file", path);
	else
		tn_set_error(err, errlen, "cannot read state file %s: %s", path,
			strerror((int)-r));
}

int tn_store_load_keys(struct tn_store *s, struct tn_store_keys *k,
		       char *err, size_t errlen)
{
	char path[PATH_MAX], buf[TN_STORE_KEYS_FILE_MAX];
	char why[TN_STORE_ERROR_MAX];
	struct stat st;
	long n;
	int r;

	memset(k, 0, sizeof(*k));
	if ((r = file_path(s, TN_STORE_KEYS_NAME, path))) {
		tn_set_error(err, errlen, "state directory name too long");
		return r;
	}
	n = tn_atomicfile_read(path, buf, sizeof(buf), &st);
	if (n < 0) {
		read_err(path, n, sizeof(buf), err, errlen);
		/* Present but not a readable keys file is corruption, not
		 * absence. */
		return n == -EFBIG || n == -EISDIR || n == -EINVAL ? -EBADMSG
								  : (int)n;
	}
	if ((r = check_private(path, &st, err, errlen)) == 0 &&
	    (r = tn_store_keys_parse(k, buf, (size_t)n, why, sizeof(why))))
		tn_set_error(err, errlen, "state file %s is corrupt: %s", path, why);
	tn_crypto_wipe(buf, sizeof(buf));
	return r;
}

int tn_store_save_keys(struct tn_store *s, const struct tn_store_keys *k,
		       char *err, size_t errlen)
{
	char path[PATH_MAX], text[TN_STORE_KEYS_TEXT_MAX];
	int n, r;

	if ((r = file_path(s, TN_STORE_KEYS_NAME, path))) {
		tn_set_error(err, errlen, "state directory name too long");
		return r;
	}
	n = tn_store_keys_format(text, sizeof(text), k);
	if (n < 0) {
		tn_set_error(err, errlen, "cannot save %s: %s", path,
			n == -EINVAL ? "a key is all zeros" : strerror(-n));
		return n;
	}
	r = tn_atomicfile_write(path, text, (size_t)n);
	tn_crypto_wipe(text, sizeof(text));
	if (r)
		tn_set_error(err, errlen, "cannot write state file %s: %s", path,
			strerror(-r));
	return r;
}

/* Plain names only: no path separators, no ".." and no leading '.', which
 * also keeps them apart from the temporary files. */
static bool valid_name(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > TN_STORE_NAME_MAX || name[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
			return false;
	}
	return true;
}

int tn_store_read(struct tn_store *s, const char *name, size_t max,
		  char **out, size_t *len, char *err, size_t errlen)
{
	char path[PATH_MAX];
	struct stat st;
	int r;

	*out = NULL;
	*len = 0;
	if (!valid_name(name)) {
		tn_set_error(err, errlen, "bad state file name");
		return -EINVAL;
	}
	if ((r = file_path(s, name, path))) {
		tn_set_error(err, errlen, "state directory name too long");
		return r;
	}
	if ((r = tn_atomicfile_read_alloc(path, max, out, len, &st))) {
		read_err(path, r, max, err, errlen);
		return r;
	}
	if ((r = check_private(path, &st, err, errlen))) {
		tn_crypto_wipe(*out, *len);
		free(*out);
		*out = NULL;
		*len = 0;
	}
	return r;
}

int tn_store_write(struct tn_store *s, const char *name, const void *data,
		   size_t len, char *err, size_t errlen)
{
	char path[PATH_MAX];
	int r;

	if (!valid_name(name)) {
		tn_set_error(err, errlen, "bad state file name");
		return -EINVAL;
	}
	if ((r = file_path(s, name, path))) {
		tn_set_error(err, errlen, "state directory name too long");
		return r;
	}
	if ((r = tn_atomicfile_write(path, data, len)))
		tn_set_error(err, errlen, "cannot write state file %s: %s", path,
			strerror(-r));
	return r;
}
