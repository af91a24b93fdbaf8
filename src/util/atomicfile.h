/* Crash-safe small files and private directories, for the state store.
 *
 * A write never leaves the target half-written: the bytes go to a new
 * temporary file in the same directory (".<name>.tmp-XXXXXX", created
 * with O_EXCL and mode 0600), which is written in full, fsynced, renamed
 * over the target, and then the directory is fsynced so the rename itself
 * survives a power cut.  A crash leaves either the old or the new content
 * at the target, plus at worst a stray temporary file, which readers never
 * look at and tn_atomicfile_clean_temps removes.
 *
 * Private directories are mode 0700 and owned by the process's effective
 * user: tn_atomicfile_ensure_dir creates a missing one (and its missing
 * parents) with 0700, refuses one that belongs to another user, and
 * tightens any other mode to 0700 with a warning in the log rather than
 * failing (what tailscaled creates is 0700; an administrator's mkdir with
 * the default umask gives 0755, which exposes only file names since the
 * files themselves are 0600).  It refuses a world-writable directory
 * (/tmp) and the root directory instead of tightening them: those are
 * shared, others may already have placed files there, and chmod'ing them
 * as root would break the system.
 *
 * Plain system calls on paths; no global state; any thread, but two
 * writers of the same target must not race (the last rename wins).
 */
#ifndef TN_UTIL_ATOMICFILE_H
#define TN_UTIL_ATOMICFILE_H

#include <stddef.h>
#include <sys/stat.h>

#define TN_ATOMICFILE_FILE_MODE 0600
#define TN_ATOMICFILE_DIR_MODE 0700
/* What marks a temporary file: "." + target name + this + 6 characters. */
#define TN_ATOMICFILE_TEMP_MARK ".tmp-"

/* Replaces path with data[0..len) atomically, as described above; the new
 * file has mode 0600 whatever the umask.  Returns 0 or a negative errno:
 * the target is then untouched and the temporary file removed, except
 * when only the final directory fsync failed (the new content is in place
 * but may not survive a power cut). */
int tn_atomicfile_write(const char *path, const void *data, size_t len);

/* Reads the whole regular file path into buf[0..cap).  If st is not NULL
 * it receives the file's fstat (for owner and mode checks).  Returns the
 * length, or -ENOENT, -EFBIG (longer than cap), -EISDIR, -EINVAL (not a
 * regular file: never blocks on a FIFO), or another negative errno from
 * open/read.  On error buf[0..cap) is zeroed (it may hold secrets). */
long tn_atomicfile_read(const char *path, void *buf, size_t cap,
			struct stat *st);

/* The same into a new buffer of len + 1 bytes, NUL-terminated, which the
 * caller frees (after wiping it if it holds secrets).  max bounds len.
 * Returns 0 or the errors of tn_atomicfile_read (-ENOMEM too). */
int tn_atomicfile_read_alloc(const char *path, size_t max, char **out,
			     size_t *len, struct stat *st);

/* Makes sure path is a directory owned by the effective user with mode
 * 0700, as described above.  Returns 0, or -ENOTDIR, -EPERM (another
 * user's, world-writable or "/"), or the errno of mkdir/open/chmod; err[0..errlen) (may be NULL)
 * then says what is wrong, naming the directory. */
int tn_atomicfile_ensure_dir(const char *path, char *err, size_t errlen);

/* Removes the temporary files an interrupted write left in dir (regular
 * files named like ours: ".<name>.tmp-XXXXXX").  Only call it while no
 * write into dir is in progress.  Returns how many were removed or a
 * negative errno. */
int tn_atomicfile_clean_temps(const char *dir);

#endif
