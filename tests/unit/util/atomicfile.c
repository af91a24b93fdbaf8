/* Atomic file writes, bounded reads and private directories: modes
 * verified with stat (whatever the umask), failures leave no temporary
 * file, stray temporary files are cleaned, and a writer SIGKILLed at
 * random points never leaves (or shows a concurrent reader) anything but
 * the old or the new content. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <cmocka.h>

#include "util/atomicfile.h"
#include "util/clock.h"

static char tmpdir[64];

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	return remove(path);
}

static int setup(void **state)
{
	strcpy(tmpdir, "/tmp/tn-atomicfile-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	return nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void path_of(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", tmpdir, name);
}

/* Names in tmpdir other than "." and "..". */
static int count_entries(void)
{
	DIR *d = opendir(tmpdir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

static void write_read_modes(void **state)
{
	char path[128], buf[16];
	struct stat st;
	mode_t old;

	path_of(path, sizeof(path), "f");
	/* Mode 0600 under a permissive and under a strict umask. */
	old = umask(0);
	assert_int_equal(tn_atomicfile_write(path, "hello", 5), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	umask(0277);
	assert_int_equal(tn_atomicfile_write(path, "world!", 6), 0);
	umask(old);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_uid, geteuid());
	/* Exactly cap bytes is fine, one more is -EFBIG (buffer zeroed). */
	assert_int_equal(tn_atomicfile_read(path, buf, 6, &st), 6);
	assert_memory_equal(buf, "world!", 6);
	assert_int_equal(st.st_size, 6);
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(tn_atomicfile_read(path, buf, 5, NULL), -EFBIG);
	for (int i = 0; i < 5; i++)
		assert_int_equal(buf[i], 0);
	/* Empty content. */
	assert_int_equal(tn_atomicfile_write(path, "", 0), 0);
	assert_int_equal(tn_atomicfile_read(path, buf, sizeof(buf), NULL), 0);
	/* Only the target is left: no temporary files. */
	assert_int_equal(count_entries(), 1);
}

static void read_errors(void **state)
{
	char path[128], buf[16];

	path_of(path, sizeof(path), "missing");
	assert_int_equal(tn_atomicfile_read(path, buf, sizeof(buf), NULL), -ENOENT);
	assert_int_equal(tn_atomicfile_read(tmpdir, buf, sizeof(buf), NULL), -EISDIR);
	/* A FIFO is refused without blocking on it. */
	path_of(path, sizeof(path), "fifo");
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(tn_atomicfile_read(path, buf, sizeof(buf), NULL), -EINVAL);
}

static void read_alloc(void **state)
{
	char path[128], *out;
	size_t len;
	struct stat st;
	char big[5000];

	memset(big, 'b', sizeof(big));
	path_of(path, sizeof(path), "big");
	assert_int_equal(tn_atomicfile_write(path, big, sizeof(big)), 0);
	assert_int_equal(tn_atomicfile_read_alloc(path, 5000, &out, &len, &st), 0);
	assert_int_equal(len, 5000);
	assert_int_equal(out[5000], '\0');
	assert_memory_equal(out, big, 5000);
	free(out);
	assert_int_equal(tn_atomicfile_read_alloc(path, 4999, &out, &len, NULL),
			 -EFBIG);
	assert_null(out);
	assert_int_equal(len, 0);
	assert_int_equal(tn_atomicfile_write(path, "", 0), 0);
	assert_int_equal(tn_atomicfile_read_alloc(path, 10, &out, &len, NULL), 0);
	assert_int_equal(len, 0);
	assert_string_equal(out, "");
	free(out);
	path_of(path, sizeof(path), "none");
	assert_int_equal(tn_atomicfile_read_alloc(path, 10, &out, &len, NULL),
			 -ENOENT);
	/* A file whose size fstat does not know (procfs) is still read. */
	assert_int_equal(tn_atomicfile_read_alloc("/proc/self/status", 1 << 20,
						  &out, &len, NULL), 0);
	assert_true(len > 0 && strlen(out) == len);
	assert_non_null(strstr(out, "Pid:"));
	free(out);
	/* ... and its limit holds there too, however small. */
	for (size_t max = 0; max < 200; max += 7)
		assert_int_equal(tn_atomicfile_read_alloc("/proc/self/status", max,
							  &out, &len, NULL), -EFBIG);
}

static void write_failures_leave_nothing(void **state)
{
	char path[128];

	path_of(path, sizeof(path), "nodir/f");
	assert_int_equal(tn_atomicfile_write(path, "x", 1), -ENOENT);
	/* The target is a directory: rename fails, the temp file goes. */
	path_of(path, sizeof(path), "d");
	assert_int_equal(mkdir(path, 0700), 0);
	assert_true(tn_atomicfile_write(path, "x", 1) < 0);
	assert_int_equal(count_entries(), 1);
	path_of(path, sizeof(path), "d/");
	assert_int_equal(tn_atomicfile_write(path, "x", 1), -EINVAL);
	assert_int_equal(tn_atomicfile_write("", "x", 1), -EINVAL);
}

static void ensure_dir_creates_0700(void **state)
{
	char path[128], err[256];
	struct stat st;
	mode_t old = umask(0022);

	path_of(path, sizeof(path), "a/b/c");
	assert_int_equal(tn_atomicfile_ensure_dir(path, err, sizeof(err)), 0);
	umask(old);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0700);
	path_of(path, sizeof(path), "a");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	/* Again: nothing to do. */
	path_of(path, sizeof(path), "a/b/c/");
	assert_int_equal(tn_atomicfile_ensure_dir(path, NULL, 0), 0);
}

static void ensure_dir_tightens_and_refuses(void **state)
{
	char path[128], err[256];
	struct stat st;

	/* An administrator's mkdir (0755): tightened with a warning. */
	path_of(path, sizeof(path), "loose");
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(chmod(path, 0755), 0);
	assert_int_equal(tn_atomicfile_ensure_dir(path, err, sizeof(err)), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	/* Too tight for us to use (0500): fixed too. */
	assert_int_equal(chmod(path, 0500), 0);
	assert_int_equal(tn_atomicfile_ensure_dir(path, err, sizeof(err)), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);

	/* World-writable: shared, refused, left alone. */
	path_of(path, sizeof(path), "shared");
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(chmod(path, 01777), 0);
	assert_int_equal(tn_atomicfile_ensure_dir(path, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "shared"));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 01777);

	/* A file in the way. */
	path_of(path, sizeof(path), "file");
	assert_int_equal(tn_atomicfile_write(path, "x", 1), 0);
	assert_int_equal(tn_atomicfile_ensure_dir(path, err, sizeof(err)), -ENOTDIR);
	assert_non_null(strstr(err, "not a directory"));
	path_of(path, sizeof(path), "file/sub");
	assert_true(tn_atomicfile_ensure_dir(path, err, sizeof(err)) < 0);

	/* Another user's directory: refused, mode untouched. */
	if (geteuid() == 0) {
		path_of(path, sizeof(path), "theirs");
		assert_int_equal(mkdir(path, 0755), 0);
		assert_int_equal(chmod(path, 0755), 0);
		assert_int_equal(chown(path, 65534, 65534), 0);
	} else {
		strcpy(path, "/");
	}
	assert_int_equal(tn_atomicfile_ensure_dir(path, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "owned by uid"));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	assert_int_equal(tn_atomicfile_ensure_dir("", err, sizeof(err)), -EINVAL);
}

static void clean_temps(void **state)
{
	char path[128], buf[8];
	const char *temps[] = { ".keys.tmp-abc123", ".prefs.json.tmp-XXXXXX" };
	const char *keep[] = { "keys", ".hidden", ".tmp-abcdef", ".x.tmp-12345",
			       "x.tmp-123456" };

	for (size_t i = 0; i < 2; i++) {
		path_of(path, sizeof(path), temps[i]);
		assert_int_equal(tn_atomicfile_write(path, "half", 4), 0);
	}
	for (size_t i = 0; i < 5; i++) {
		path_of(path, sizeof(path), keep[i]);
		assert_int_equal(tn_atomicfile_write(path, "keep", 4), 0);
	}
	/* A directory with a temporary-looking name is not ours to remove. */
	path_of(path, sizeof(path), ".d.tmp-123456");
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(tn_atomicfile_clean_temps(tmpdir), 2);
	assert_int_equal(count_entries(), 6);
	path_of(path, sizeof(path), "keys");
	assert_int_equal(tn_atomicfile_read(path, buf, sizeof(buf), NULL), 4);
	assert_int_equal(tn_atomicfile_clean_temps(tmpdir), 0);
	path_of(path, sizeof(path), "none");
	assert_int_equal(tn_atomicfile_clean_temps(path), -ENOENT);
}

/* Content i: a size that crosses several write calls for odd i, every
 * byte derived from i, so a mix of two versions is detected. */
static size_t content(uint8_t *buf, unsigned i)
{
	size_t len = (i & 1) ? 200000 + i : 10 + i % 7;

	for (size_t j = 0; j < len; j++)
		buf[j] = (uint8_t)(i * 31 + j * 7);
	return len;
}

static bool is_content(const uint8_t *buf, size_t len, unsigned *which)
{
	static uint8_t want[300000];

	for (unsigned i = 0; i < 64; i++) {
		size_t n;

		/* i * 31 is distinct mod 256 for i < 64: only one candidate
		 * is compared in full. */
		if (len == 0 || buf[0] != (uint8_t)(i * 31))
			continue;
		n = content(want, i);
		if (n == len && !memcmp(want, buf, len)) {
			*which = i;
			return true;
		}
	}
	return false;
}

static void killed_writer_never_tears(void **state)
{
	static uint8_t buf[300000], rd[300001];
	char path[128];
	unsigned seed = 0x5eed, leftovers = 0, which;
	long n;

	path_of(path, sizeof(path), "state");
	assert_int_equal(tn_atomicfile_write(path, buf, content(buf, 0)), 0);
	for (int round = 0; round < 100; round++) {
		uint64_t until;
		pid_t pid = fork();
		int status, r;

		assert_true(pid >= 0);
		if (pid == 0) {
			for (unsigned i = 1;; i = (i + 1) % 64)
				if (tn_atomicfile_write(path, buf, content(buf, i)))
					_exit(1);
		}
		/* Read concurrently for a random while, then kill. */
		until = tn_clock_now() + (uint64_t)(rand_r(&seed) % 3000) * 1000;
		do {
			n = tn_atomicfile_read(path, rd, sizeof(rd), NULL);
			assert_true(n >= 0);
			if (!is_content(rd, (size_t)n, &which))
				fail_msg("round %d: torn read of %ld bytes", round, n);
		} while (tn_clock_now() < until);
		assert_int_equal(kill(pid, SIGKILL), 0);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status));
		n = tn_atomicfile_read(path, rd, sizeof(rd), NULL);
		assert_true(n >= 0);
		if (!is_content(rd, (size_t)n, &which))
			fail_msg("round %d: torn file of %ld bytes", round, n);
		r = tn_atomicfile_clean_temps(tmpdir);
		assert_true(r >= 0);
		leftovers += (unsigned)r;
		assert_int_equal(count_entries(), 1);
		/* The cleaning never touches the committed content. */
		assert_int_equal(tn_atomicfile_read(path, rd, sizeof(rd), NULL), n);
	}
	print_message("killed writer: 100 rounds, %u stray temp files cleaned\n",
		      leftovers);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(write_read_modes, setup, teardown),
		cmocka_unit_test_setup_teardown(read_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(read_alloc, setup, teardown),
		cmocka_unit_test_setup_teardown(write_failures_leave_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(ensure_dir_creates_0700, setup, teardown),
		cmocka_unit_test_setup_teardown(ensure_dir_tightens_and_refuses, setup, teardown),
		cmocka_unit_test_setup_teardown(clean_temps, setup, teardown),
		cmocka_unit_test_setup_teardown(killed_writer_never_tears, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
