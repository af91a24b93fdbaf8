#include "util/atomicfile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/log.h"


/* dir <- the directory part of path ("." if none); returns the base name
 * or NULL if path has none or is too long. */
static const char *split_path(const char *path, char dir[PATH_MAX])
{
	const char *slash = strrchr(path, '/');

	if (!slash) {
		strcpy(dir, ".");
		return *path ? path : NULL;
	}
	if (slash == path) {
		strcpy(dir, "/");
	} else {
		if ((size_t)(slash - path) >= PATH_MAX)
			return NULL;
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = '\0';
	}
	return slash[1] ? slash + 1 : NULL;
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int err = 0;

	if (fd < 0)
		return -errno;
	/* Some file systems cannot sync a directory; the rename is then as
	 * durable as they make it. */
	if (fsync(fd) && errno != EINVAL && errno != ENOTSUP)
		err = -errno;
	close(fd);
	return err;
}

int tn_atomicfile_write(const char *path, const void *data, size_t len)
{
	char dir[PATH_MAX], tmp[PATH_MAX];
	const char *base = split_path(path, dir);
	int fd, err, n;

	if (!base)
		return -EINVAL;
	n = snprintf(tmp, sizeof(tmp), "%.*s.%s" TN_ATOMICFILE_TEMP_MARK "XXXXXX",
		     (int)(base - path), path, base);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return -ENAMETOOLONG;
	/* mkostemp: O_CREAT | O_EXCL, mode 0600 (less under a strict umask,
	 * hence the fchmod). */
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, TN_ATOMICFILE_FILE_MODE))
		err = -errno;
	else if (!(err = write_all(fd, data, len)) && fsync(fd))
		err = -errno;
	if (err) {
		close(fd);
		goto fail;
	}
	if (close(fd) || rename(tmp, path)) {
		err = -errno;
		goto fail;
	}
	return fsync_dir(dir);
fail:
	unlink(tmp);
	return err;
}

static long read_fd(int fd, uint8_t *buf, size_t cap, size_t *got)
{
	while (*got < cap) {
		ssize_t n = read(fd, buf + *got, cap - *got);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return 0;
		*got += (size_t)n;
	}
	return 1; /* full: there may be more */
}

/* 1 if fd has more bytes, 0 at EOF, or a negative errno. */
static int has_more(int fd)
{
	uint8_t c;

	for (;;) {
		ssize_t n = read(fd, &c, 1);

		if (n >= 0)
			return n > 0;
		if (errno != EINTR)
			return -errno;
	}
}

static int open_regular(const char *path, struct stat *st)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0)
		return -errno;
	if (fstat(fd, st)) {
		int err = -errno;

		close(fd);
		return err;
	}
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		return S_ISDIR(st->st_mode) ? -EISDIR : -EINVAL;
	}
	return fd;
}

long tn_atomicfile_read(const char *path, void *buf, size_t cap,
			struct stat *st)
{
	struct stat local;
	size_t got = 0;
	long r;
	int fd = open_regular(path, st ? st : &local);

	if (fd < 0) {
		r = fd;
		goto out;
	}
	r = read_fd(fd, buf, cap, &got);
	if (r == 1) {
		int more = has_more(fd);

		r = more < 0 ? more : more ? -EFBIG : 0;
	}
	close(fd);
	if (r == 0)
		return (long)got;
out:
	explicit_bzero(buf, cap);
	return r < 0 ? r : -EIO;
}

int tn_atomicfile_read_alloc(const char *path, size_t max, char **out,
			     size_t *len, struct stat *st)
{
	struct stat local;
	struct stat *s = st ? st : &local;
	size_t cap, got = 0, bufsize = 0;
	char *buf = NULL;
	long r;
	int fd = open_regular(path, s);

	*out = NULL;
	*len = 0;
	if (fd < 0)
		return fd;
	if (max > SIZE_MAX / 2)
		max = SIZE_MAX / 2; /* cap + 1 must not wrap */
	/* Start from the size fstat saw; if the file is longer now (or fstat
	 * knows no size, as in procfs), read it again into a bigger buffer. */
	cap = (uint64_t)s->st_size < max ? (size_t)s->st_size : max;
	for (;;) {
		if (buf) {
			explicit_bzero(buf, bufsize);
			free(buf);
		}
		if (!(buf = malloc(cap + 1))) {
			r = -ENOMEM;
			break;
		}
		bufsize = cap + 1;
		got = 0;
		if ((r = read_fd(fd, (uint8_t *)buf, cap, &got)) != 1 ||
		    (r = has_more(fd)) != 1)
			break;
		if (cap == max) {
			r = -EFBIG;
			break;
		}
		if (lseek(fd, 0, SEEK_SET) < 0) {
			r = -errno;
			break;
		}
		cap = max > 64 && cap < (max - 64) / 2 ? cap * 2 + 64 : max;
	}
	close(fd);
	if (r < 0) {
		if (buf) {
			explicit_bzero(buf, bufsize);
			free(buf);
		}
		return (int)r;
	}
	buf[got] = '\0';
	*out = buf;
	*len = got;
	return 0;
}

/* mkdir -p with mode 0700 for every directory it creates. */
static int mkdir_parents(const char *path)
{
	char p[PATH_MAX];
	size_t n = strlen(path);

	if (n >= sizeof(p))
		return -ENAMETOOLONG;
	memcpy(p, path, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		if (p[i - 1] == '/')
			continue;
		p[i] = '\0';
		if (mkdir(p, TN_ATOMICFILE_DIR_MODE) && errno != EEXIST)
			return -errno;
		if (i < n)
			p[i] = '/';
	}
	return 0;
}

static bool is_root_dir(const struct stat *st)
{
	struct stat root;

	return stat("/", &root) == 0 && root.st_dev == st->st_dev &&
	       root.st_ino == st->st_ino;
}

int tn_atomicfile_ensure_dir(const char *path, char *err, size_t errlen)
{
	struct stat st;
	bool created = false;
	int fd, r;

	if (!path || !*path) {
		tn_set_error(err, errlen, "empty directory name");
		return -EINVAL;
	}
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		if ((r = mkdir_parents(path))) {
			tn_set_error(err, errlen, "cannot create directory %s: %s",
				path, strerror(-r));
			return r;
		}
		created = true;
		fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (fd < 0) {
		r = -errno;
		tn_set_error(err, errlen, r == -ENOTDIR
			? "%s exists and is not a directory"
			: "cannot open directory %s: %s", path, strerror(-r));
		return r;
	}
	if (fstat(fd, &st)) {
		r = -errno;
		tn_set_error(err, errlen, "cannot stat directory %s: %s", path,
			strerror(-r));
		goto out;
	}
	if (st.st_uid != geteuid()) {
		r = -EPERM;
		tn_set_error(err, errlen,
			"directory %s is owned by uid %u, not by this process "
			"(uid %u); refusing to keep private files there",
			path, (unsigned)st.st_uid, (unsigned)geteuid());
		goto out;
	}
	/* Never take over a shared directory: others may already have put
	 * files (or symlinks) there, and as root this would lock everyone
	 * out of /tmp or /. */
	if ((st.st_mode & S_IWOTH) || is_root_dir(&st)) {
		r = -EPERM;
		tn_set_error(err, errlen,
			"directory %s is shared (mode %04o)%s; use a directory "
			"of its own for private files", path,
			(unsigned)(st.st_mode & 07777),
			is_root_dir(&st) ? " and the root directory" : "");
		goto out;
	}
	r = 0;
	if ((st.st_mode & 07777) != TN_ATOMICFILE_DIR_MODE) {
		if (fchmod(fd, TN_ATOMICFILE_DIR_MODE)) {
			r = -errno;
			tn_set_error(err, errlen, "cannot chmod directory %s to 0700: %s",
				path, strerror(-r));
			goto out;
		}
		/* A mode we just set under the umask is no news. */
		if (!created)
			tn_log_warn("atomicfile", "directory %s had mode %04o; "
				    "changed it to 0700", path,
				    (unsigned)(st.st_mode & 07777));
	}
out:
	close(fd);
	return r;
}

static bool is_temp_name(const char *name)
{
	size_t n = strlen(name), m = strlen(TN_ATOMICFILE_TEMP_MARK);

	/* "." + at least one character + mark + 6 characters */
	return name[0] == '.' && n >= 1 + 1 + m + 6 &&
	       !memcmp(name + n - 6 - m, TN_ATOMICFILE_TEMP_MARK, m);
}

int tn_atomicfile_clean_temps(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int removed = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		struct stat st;

		if (!is_temp_name(e->d_name) ||
		    fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) ||
		    !S_ISREG(st.st_mode))
			continue;
		if (unlinkat(dirfd(d), e->d_name, 0) == 0)
			removed++;
	}
	closedir(d);
	return removed;
}
