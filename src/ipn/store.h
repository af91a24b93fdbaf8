/* The daemon's state store: a private directory of small files.
 *
 * The directory (e.g. /var/lib/tailnetd) is mode 0700 and owned by the
 * daemon's user; every file in it is 0600 and replaced atomically
 * (util/atomicfile.h), so a crash or power cut leaves the old or the new
 * content, never a mix.  Temporary files an interrupted write left behind
 * are removed when the store is opened.
 *
 * The keys file, "keys", holds the machine private key, the node private
 * key and, while a node key rotation is in progress, the old node private
 * key.  It is text, every line ending in LF (no CR):
 *
 *     tailnetd-keys 1
 *     machine privkey:<64 hex digits>
 *     node privkey:<64 hex digits>
 *     oldnode privkey:<64 hex digits>      (only during rotation)
 *     end
 *
 * The first line names the format and its version; the key lines may come
 * in any order, each at most once, with the key in its Go text form
 * (protocol.md section 1; hex of either case is read, lowercase written);
 * machine and node are required, all-zero keys are refused; "end" closes
 * the file and nothing may follow it.  The header and end lines make a
 * truncated file (at any byte) detectable, never mistaken for a valid one
 * with fewer keys.
 *
 * Loading distinguishes three outcomes, and the caller must keep them
 * apart: -ENOENT (no keys file: a fresh node; generate keys and save
 * them), 0 (valid keys), anything else (the state exists but is corrupt,
 * empty, truncated, unreadable, not ours or readable by others).  In that
 * last case the caller stops with the message: making a new identity
 * would silently turn the node into a different machine.
 *
 * Other state (prefs, later) goes through tn_store_read/tn_store_write
 * under plain names ([A-Za-z0-9_-], and '.' after the first character).
 *
 * Ownership: tn_store_open returns a store the caller frees with
 * tn_store_free.  Key structs belong to the caller, who wipes them with
 * tn_store_keys_wipe; file contents holding keys are wiped here after
 * parsing.  Errors: functions take err[0..errlen) (may be NULL) and write
 * there one line naming the file and what is wrong; it never contains key
 * material.  One thread at a time per store (the event loop's).
 */
#ifndef TN_IPN_STORE_H
#define TN_IPN_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/keys.h"

#define TN_STORE_KEYS_NAME "keys"
/* A keys file is under 300 bytes; anything much larger is not one. */
#define TN_STORE_KEYS_FILE_MAX 4096
/* The formatted keys file with all three keys, plus a NUL. */
#define TN_STORE_KEYS_TEXT_MAX 320
/* Longest name for tn_store_read/tn_store_write. */
#define TN_STORE_NAME_MAX 64
/* Room for an error message: it includes the state directory's path. */
#define TN_STORE_ERROR_MAX 512

struct tn_store;

struct tn_store_keys {
	uint8_t machine[TN_KEY_LEN];   /* secret */
	uint8_t node[TN_KEY_LEN];      /* secret */
	bool has_old_node;
	uint8_t old_node[TN_KEY_LEN];  /* secret; zero unless has_old_node */
};

/* Opens the state directory dir: creates it (and missing parents) with
 * mode 0700, refuses one owned by another user or shared (world-writable,
 * "/"), tightens a looser mode to 0700 with a warning, and removes stray
 * temporary files.  Returns 0 with *out set, or a negative errno with err
 * filled. */
int tn_store_open(struct tn_store **out, const char *dir, char *err,
		  size_t errlen);
void tn_store_free(struct tn_store *s);

/* The directory given to tn_store_open (borrowed). */
const char *tn_store_dir(const struct tn_store *s);

/* Loads the keys file into *k.  Returns 0; -ENOENT if there is no keys
 * file yet; -EBADMSG if it is not a valid keys file (empty, truncated,
 * garbage, too large, not a regular file); -EPERM if it is owned by
 * another user or its mode lets group or others read it (the keys may have
 * leaked: an administrator must look, then chmod 600); or another negative
 * errno if it cannot be read.  k is zeroed on any error. */
int tn_store_load_keys(struct tn_store *s, struct tn_store_keys *k,
		       char *err, size_t errlen);

/* Writes *k as the keys file, atomically.  Returns 0, -EINVAL for an
 * all-zero key (it could not be loaded again), or the write's errno. */
int tn_store_save_keys(struct tn_store *s, const struct tn_store_keys *k,
		       char *err, size_t errlen);

/* The keys file's parser and formatter, for tests and fuzzing.  Parse
 * reads untrusted text[0..len) and never past it; it returns 0 or -EBADMSG
 * with k zeroed and err saying "line N: what is wrong" or what is missing.
 * Format writes the text and a NUL into out (TN_STORE_KEYS_TEXT_MAX
 * suffices) and returns its length, -EINVAL for an all-zero key or -ENOSPC;
 * the text is as secret as the keys: wipe it. */
int tn_store_keys_parse(struct tn_store_keys *k, const char *text, size_t len,
			char *err, size_t errlen);
int tn_store_keys_format(char *out, size_t outlen,
			 const struct tn_store_keys *k);

/* Wipes all keys in *k. */
void tn_store_keys_wipe(struct tn_store_keys *k);

/* Reads the file name (at most max bytes) into a new NUL-terminated
 * buffer the caller frees.  Returns 0, -EINVAL for a bad name, -ENOENT,
 * -EFBIG, -EPERM (another user's, or readable by group/others), or
 * another negative errno. */
int tn_store_read(struct tn_store *s, const char *name, size_t max,
		  char **out, size_t *len, char *err, size_t errlen);

/* Replaces the file name with data[0..len), atomically, mode 0600.
 * Returns 0, -EINVAL for a bad name, or the write's errno. */
int tn_store_write(struct tn_store *s, const char *name, const void *data,
		   size_t len, char *err, size_t errlen);

#endif
