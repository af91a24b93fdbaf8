/* The state store: a fresh directory is made 0700 and reports "no keys"
 * (-ENOENT); saved keys come back; every corrupt, empty, truncated, foreign
 * or exposed keys file is refused with a message naming the file (never
 * -ENOENT, so the caller cannot mistake it for a fresh node); the keys
 * parser refuses every truncation of a valid file; stray temporary files
 * are cleaned; and a saver SIGKILLed at random points always leaves a
 * loadable file. */
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
#include <unistd.h>
#include <cmocka.h>

#include "ipn/store.h"
#include "util/atomicfile.h"

static char tmpdir[64];
static char statedir[128];
static char keyspath[160];

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	return remove(path);
}

static int setup(void **state)
{
	strcpy(tmpdir, "/tmp/tn-store-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(statedir, sizeof(statedir), "%s/var/lib/tailnetd", tmpdir);
	snprintf(keyspath, sizeof(keyspath), "%s/keys", statedir);
	return 0;
}

static int teardown(void **state)
{
	return nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void sample_keys(struct tn_store_keys *k, uint8_t seed, bool old)
{
	memset(k, 0, sizeof(*k));
	for (int i = 0; i < TN_KEY_LEN; i++) {
		k->machine[i] = (uint8_t)(seed + i);
		k->node[i] = (uint8_t)(seed * 3 + i + 1);
		if (old)
			k->old_node[i] = (uint8_t)(seed * 5 + i + 2);
	}
	k->has_old_node = old;
}

static struct tn_store *open_store(void)
{
	struct tn_store *s;
	char err[TN_STORE_ERROR_MAX];

	if (tn_store_open(&s, statedir, err, sizeof(err)))
		fail_msg("open: %s", err);
	return s;
}

/* Writes raw bytes as the keys file, mode 0600. */
static void put_keys_file(const char *text, size_t len)
{
	int fd = open(keyspath, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, 0600), 0);
	close(fd);
}

static void fresh_then_saved(void **state)
{
	struct tn_store *s = open_store();
	struct tn_store_keys k, got;
	char err[TN_STORE_ERROR_MAX];
	struct stat st;

	assert_string_equal(tn_store_dir(s), statedir);
	assert_int_equal(stat(statedir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(tn_store_load_keys(s, &got, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, keyspath));

	sample_keys(&k, 1, false);
	assert_int_equal(tn_store_save_keys(s, &k, err, sizeof(err)), 0);
	assert_int_equal(stat(keyspath, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(tn_store_load_keys(s, &got, err, sizeof(err)), 0);
	assert_memory_equal(&got, &k, sizeof(k));

	/* Rotation: the old node key too, then without it again. */
	sample_keys(&k, 2, true);
	assert_int_equal(tn_store_save_keys(s, &k, err, sizeof(err)), 0);
	assert_int_equal(tn_store_load_keys(s, &got, err, sizeof(err)), 0);
	assert_true(got.has_old_node);
	assert_memory_equal(&got, &k, sizeof(k));
	k.has_old_node = false;
	memset(k.old_node, 0, sizeof(k.old_node));
	assert_int_equal(tn_store_save_keys(s, &k, err, sizeof(err)), 0);
	assert_int_equal(tn_store_load_keys(s, &got, err, sizeof(err)), 0);
	assert_memory_equal(&got, &k, sizeof(k));
	tn_store_keys_wipe(&got);
	assert_true(tn_key_is_zero(got.machine) && tn_key_is_zero(got.node));

	/* A zero key would not load again: refused. */
	memset(k.node, 0, sizeof(k.node));
	assert_int_equal(tn_store_save_keys(s, &k, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "all zeros"));
	tn_store_free(s);
}

static void file_format(void **state)
{
	struct tn_store_keys k, got;
	char text[TN_STORE_KEYS_TEXT_MAX], err[128];
	int n;

	sample_keys(&k, 0xa0, true);
	n = tn_store_keys_format(text, sizeof(text), &k);
	assert_string_equal(text,
		"tailnetd-keys 1\n"
		"machine privkey:a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf\n"
		"node privkey:e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff00\n"
		"oldnode privkey:22232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f4041\n"
		"end\n");
	assert_int_equal(n, (int)strlen(text));
	assert_int_equal(tn_store_keys_parse(&got, text, (size_t)n, err, sizeof(err)), 0);
	assert_memory_equal(&got, &k, sizeof(k));
	/* Too small a buffer, at any size: -ENOSPC, never a short file. */
	for (int i = 0; i < n + 1; i++)
		assert_int_equal(tn_store_keys_format(text, (size_t)i, &k), -ENOSPC);
}

/* Every proper prefix of a valid file is refused: truncation at any byte
 * is detected. */
static void every_truncation_refused(void **state)
{
	struct tn_store_keys k, got;
	char text[TN_STORE_KEYS_TEXT_MAX], err[128];

	for (int old = 0; old <= 1; old++) {
		int n;

		sample_keys(&k, 7, old);
		n = tn_store_keys_format(text, sizeof(text), &k);
		assert_true(n > 0);
		for (int i = 0; i < n; i++) {
			memset(&got, 0x55, sizeof(got));
			if (tn_store_keys_parse(&got, text, (size_t)i, err,
						sizeof(err)) != -EBADMSG)
				fail_msg("prefix of %d bytes accepted", i);
			assert_true(tn_key_is_zero(got.machine));
			assert_true(tn_key_is_zero(got.node));
			assert_false(got.has_old_node);
		}
	}
}

#define K1 "privkey:0101010101010101010101010101010101010101010101010101010101010101"
#define K2 "privkey:0202020202020202020202020202020202020202020202020202020202020202"
#define KZ "privkey:0000000000000000000000000000000000000000000000000000000000000000"
#define HDR "tailnetd-keys 1\n"

static const struct {
	const char *text;
	const char *msg;
} bad_files[] = {
	{ "", "empty file" },
	{ "\n", "line 1: not a tailnetd keys file" },
	{ "{\"_machinekey\":\"cHJpdmtleTo=\"}\n", "line 1: not a tailnetd keys file" },
	{ "{\"_machinekey\":\"cHJpdmtleTo=\"}", "line 1: not a tailnetd keys file" },
	{ "tailnetd-ke", "line 1: truncated" },
	{ "tailnetd-keys 1", "line 1: truncated" },
	{ "tailnetd-keys 1\n", "truncated (no end line)" },
	{ "tailnetd-keys 2\nmachine " K1 "\nnode " K2 "\nend\n", "line 1: unsupported" },
	{ "tailnetd-keys 1 \nmachine " K1 "\nnode " K2 "\nend\n", "line 1: unsupported" },
	{ "tailnetd-keys 1\r\nmachine " K1 "\nnode " K2 "\nend\n", "line 1: carriage return" },
	{ HDR "machine " K1 "\r\nnode " K2 "\nend\n", "line 2: carriage return" },
	{ HDR "machine " K1 "\nnode " K2 "\nend", "line 4: truncated" },
	{ HDR "machine " K1 "\nnode " K2 "\n", "truncated (no end line)" },
	{ HDR "machine " K1 "\nnode " K2 "\nend\n\n", "line 5: data after the end line" },
	{ HDR "machine " K1 "\nnode " K2 "\nend\nmachine " K1 "\n", "line 5: data after" },
	{ HDR "machine " K1 "\nend\n", "no node key" },
	{ HDR "node " K1 "\nend\n", "no machine key" },
	{ HDR "oldnode " K1 "\nnode " K2 "\nend\n", "no machine key" },
	{ HDR "machine " K1 "\nmachine " K2 "\nnode " K2 "\nend\n", "line 3: second machine key" },
	{ HDR "machine " K1 "\nnode " K2 "\nnode " K2 "\nend\n", "line 4: second node key" },
	{ HDR "machine " K1 "\n\nnode " K2 "\nend\n", "line 3: unknown line" },
	{ HDR "# comment\nmachine " K1 "\nnode " K2 "\nend\n", "line 2: unknown line" },
	{ HDR "Machine " K1 "\nnode " K2 "\nend\n", "line 2: unknown line" },
	{ HDR " machine " K1 "\nnode " K2 "\nend\n", "line 2: unknown line" },
	{ HDR "machine\t" K1 "\nnode " K2 "\nend\n", "line 2: unknown line" },
	{ HDR "disco " K1 "\nnode " K2 "\nend\n", "line 2: unknown line" },
	{ HDR "machine  " K1 "\nnode " K2 "\nend\n", "line 2: the machine key is not" },
	{ HDR "machine " K1 " \nnode " K2 "\nend\n", "line 2: the machine key is not" },
	{ HDR "machine " K1 "0\nnode " K2 "\nend\n", "line 2: the machine key is not" },
	{ HDR "machine " "nodekey:0101010101010101010101010101010101010101010101010101010101010101" "\nnode " K2 "\nend\n", "line 2: the machine key is not" },
	{ HDR "machine " K1 "\nnode privkey:01\nend\n", "line 3: the node key is not" },
	{ HDR "machine " K1 "\nnode privkey:zz02020202020202020202020202020202020202020202020202020202020202\nend\n", "line 3: the node key is not" },
	{ HDR "machine " K1 "\nnode " KZ "\nend\n", "line 3: the node key is all zeros" },
	{ HDR "machine " K1 "\nnode " K2 "\noldnode " KZ "\nend\n", "line 4: the oldnode key is all zeros" },
	{ HDR "machine " K1 "\nnode " K2 "\nEND\n", "line 4: unknown line" },
	{ HDR "machine " K1 "\nnode " K2 "\nend \n", "line 4: unknown line" },
};

static void bad_files_refused(void **state)
{
	struct tn_store_keys got;
	char err[128];

	for (size_t i = 0; i < sizeof(bad_files) / sizeof(bad_files[0]); i++) {
		const char *t = bad_files[i].text;

		memset(&got, 0x55, sizeof(got));
		if (tn_store_keys_parse(&got, t, strlen(t), err, sizeof(err)) != -EBADMSG ||
		    !strstr(err, bad_files[i].msg))
			fail_msg("case %zu: \"%s\", want \"%s\"", i, err,
				 bad_files[i].msg);
		assert_true(tn_key_is_zero(got.machine) && tn_key_is_zero(got.node) &&
			    tn_key_is_zero(got.old_node) && !got.has_old_node);
		/* The message never carries key material. */
		assert_null(strstr(err, "0101"));
		assert_null(strstr(err, "0202"));
	}
	/* A NUL inside a line. */
	{
		const char nul[] = HDR "machine " K1 "\nno\0de " K2 "\nend\n";

		assert_int_equal(tn_store_keys_parse(&got, nul, sizeof(nul) - 1,
						     err, sizeof(err)), -EBADMSG);
		assert_non_null(strstr(err, "line 3: NUL"));
	}
	/* Accepted variants: any order, uppercase hex. */
	{
		const char ok[] = HDR "node " K2 "\noldnode privkey:0A0B0C0D0E0F"
				  "0A0B0C0D0E0F0A0B0C0D0E0F0A0B0C0D0E0F0A0B0C0D0E0F0A0B\n"
				  "machine " K1 "\nend\n";

		assert_int_equal(tn_store_keys_parse(&got, ok, sizeof(ok) - 1, err,
						     sizeof(err)), 0);
		assert_true(got.has_old_node);
		assert_int_equal(got.old_node[0], 0x0a);
		assert_int_equal(got.machine[0], 0x01);
		assert_int_equal(got.node[31], 0x02);
	}
}

/* Damaged files on disk: -EBADMSG or -EPERM (never -ENOENT), with the
 * file named in the message and the keys zeroed. */
static void damaged_state_refused(void **state)
{
	struct tn_store *s = open_store();
	struct tn_store_keys k, got;
	char err[TN_STORE_ERROR_MAX];
	char *big = malloc(TN_STORE_KEYS_FILE_MAX + 1);
	char text[TN_STORE_KEYS_TEXT_MAX];
	int n;

	assert_non_null(big);
	sample_keys(&k, 3, true);
	n = tn_store_keys_format(text, sizeof(text), &k);

	struct {
		const char *what;
		const char *data;
		size_t len;
		int err;
		const char *msg;
	} cases[] = {
		{ "empty", "", 0, -EBADMSG, "corrupt: empty file" },
		{ "truncated", text, (size_t)n - 4, -EBADMSG, "corrupt: truncated (no end line)" },
		{ "cut mid-line", text, (size_t)n - 5, -EBADMSG, "corrupt: line 4: truncated" },
		{ "garbage", "\x7f" "ELF\x02\x01", 6, -EBADMSG, "corrupt: line 1" },
		{ "too large", big, TN_STORE_KEYS_FILE_MAX + 1, -EBADMSG, "larger than 4096" },
	};
	memset(big, 'k', TN_STORE_KEYS_FILE_MAX + 1);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		put_keys_file(cases[i].data, cases[i].len);
		memset(&got, 0x55, sizeof(got));
		err[0] = '\0';
		if (tn_store_load_keys(s, &got, err, sizeof(err)) != cases[i].err ||
		    !strstr(err, cases[i].msg) || !strstr(err, keyspath))
			fail_msg("%s: \"%s\"", cases[i].what, err);
		assert_true(tn_key_is_zero(got.machine) && tn_key_is_zero(got.node));
	}

	/* Readable by others: the keys may have leaked. */
	put_keys_file(text, (size_t)n);
	assert_int_equal(chmod(keyspath, 0644), 0);
	assert_int_equal(tn_store_load_keys(s, &got, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, keyspath));
	assert_non_null(strstr(err, "mode 0644"));
	assert_int_equal(chmod(keyspath, 0640), 0);
	assert_int_equal(tn_store_load_keys(s, &got, err, sizeof(err)), -EPERM);
	assert_int_equal(chmod(keyspath, 0600), 0);
	assert_int_equal(tn_store_load_keys(s, &got, err, sizeof(err)), 0);
	assert_memory_equal(&got, &k, sizeof(k));

	/* Owned by someone else. */
	if (geteuid() == 0) {
		assert_int_equal(chown(keyspath, 65534, 65534), 0);
		assert_int_equal(tn_store_load_keys(s, &got, err, sizeof(err)), -EPERM);
		assert_non_null(strstr(err, "owned by uid 65534"));
		assert_non_null(strstr(err, keyspath));
	}

	/* Not a regular file. */
	assert_int_equal(unlink(keyspath), 0);
	assert_int_equal(mkdir(keyspath, 0700), 0);
	assert_int_equal(tn_store_load_keys(s, &got, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "not a regular file"));
	assert_int_equal(rmdir(keyspath), 0);
	assert_int_equal(tn_store_load_keys(s, &got, err, sizeof(err)), -ENOENT);

	free(big);
	tn_store_free(s);
}

static void directory_checks(void **state)
{
	struct tn_store *s;
	char err[TN_STORE_ERROR_MAX];
	struct stat st;

	/* An administrator's 0755 directory is tightened. */
	assert_int_equal(tn_atomicfile_ensure_dir(statedir, NULL, 0), 0);
	assert_int_equal(chmod(statedir, 0755), 0);
	assert_int_equal(tn_store_open(&s, statedir, err, sizeof(err)), 0);
	assert_int_equal(stat(statedir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	tn_store_free(s);

	/* Another user's directory is refused and named. */
	if (geteuid() == 0) {
		assert_int_equal(chmod(statedir, 0755), 0);
		assert_int_equal(chown(statedir, 65534, 65534), 0);
		assert_int_equal(tn_store_open(&s, statedir, err, sizeof(err)), -EPERM);
		assert_null(s);
		assert_non_null(strstr(err, statedir));
		assert_non_null(strstr(err, "owned by uid 65534"));
		assert_int_equal(stat(statedir, &st), 0);
		assert_int_equal(st.st_mode & 07777, 0755);
	} else {
		assert_int_equal(tn_store_open(&s, "/", err, sizeof(err)), -EPERM);
	}
	/* A file where the directory should be. */
	{
		char file[128];

		snprintf(file, sizeof(file), "%s/file", tmpdir);
		assert_int_equal(tn_atomicfile_write(file, "x", 1), 0);
		assert_int_equal(tn_store_open(&s, file, err, sizeof(err)), -ENOTDIR);
		assert_non_null(strstr(err, file));
	}
}

static void stray_temp_files_cleaned(void **state)
{
	struct tn_store *s = open_store();
	struct tn_store_keys k, got;
	char err[TN_STORE_ERROR_MAX], tmp[256];
	int fd;

	sample_keys(&k, 9, false);
	assert_int_equal(tn_store_save_keys(s, &k, err, sizeof(err)), 0);
	tn_store_free(s);
	/* What a crash between create and rename leaves behind. */
	snprintf(tmp, sizeof(tmp), "%s/.keys" TN_ATOMICFILE_TEMP_MARK "Ab12Cd",
		 statedir);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "tailnetd-keys 1\nmach", 20), 20);
	close(fd);
	s = open_store();
	assert_int_equal(access(tmp, F_OK), -1);
	assert_int_equal(tn_store_load_keys(s, &got, err, sizeof(err)), 0);
	assert_memory_equal(&got, &k, sizeof(k));
	tn_store_free(s);
}

static void killed_saver_always_loads(void **state)
{
	struct tn_store *s = open_store();
	struct tn_store_keys a, b, got;
	char err[TN_STORE_ERROR_MAX];
	unsigned seed = 0xc0ffee;
	int as = 0, bs = 0;

	sample_keys(&a, 0x11, true);
	sample_keys(&b, 0x22, false);
	assert_int_equal(tn_store_save_keys(s, &a, err, sizeof(err)), 0);
	for (int round = 0; round < 100; round++) {
		pid_t pid = fork();
		int status, r;

		assert_true(pid >= 0);
		if (pid == 0) {
			for (unsigned i = 0;; i++)
				if (tn_store_save_keys(s, i & 1 ? &a : &b, NULL, 0))
					_exit(1);
		}
		usleep((useconds_t)(rand_r(&seed) % 2000));
		assert_int_equal(kill(pid, SIGKILL), 0);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status));
		/* As the daemon would after the crash: open, load. */
		tn_store_free(s);
		s = open_store();
		r = tn_store_load_keys(s, &got, err, sizeof(err));
		if (r)
			fail_msg("round %d: %s", round, err);
		if (!memcmp(&got, &a, sizeof(got)))
			as++;
		else if (!memcmp(&got, &b, sizeof(got)))
			bs++;
		else
			fail_msg("round %d: keys are neither set", round);
	}
	print_message("killed saver: 100 rounds, %d ended with set A, %d with B\n",
		      as, bs);
	tn_store_free(s);
}

static void generic_files(void **state)
{
	struct tn_store *s = open_store();
	char err[TN_STORE_ERROR_MAX], path[256], *out;
	const char prefs[] = "{\"WantRunning\":true}";
	const char *bad[] = { "", ".prefs", "a/b", "..", "../keys", "a b",
			      "x\n", /* 65 characters: */
			      ("0123456789012345678901234567890123456789"
			       "0123456789012345678901234") };
	size_t len;
	struct stat st;

	assert_int_equal(tn_store_read(s, "prefs.json", 1024, &out, &len, err,
				       sizeof(err)), -ENOENT);
	assert_null(out);
	assert_int_equal(tn_store_write(s, "prefs.json", prefs, strlen(prefs), err,
					sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/prefs.json", statedir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(tn_store_read(s, "prefs.json", 1024, &out, &len, err,
				       sizeof(err)), 0);
	assert_int_equal(len, strlen(prefs));
	assert_string_equal(out, prefs);
	free(out);
	assert_int_equal(tn_store_read(s, "prefs.json", 5, &out, &len, err,
				       sizeof(err)), -EFBIG);
	assert_non_null(strstr(err, path));
	assert_int_equal(chmod(path, 0604), 0);
	assert_int_equal(tn_store_read(s, "prefs.json", 1024, &out, &len, err,
				       sizeof(err)), -EPERM);
	assert_null(out);
	assert_non_null(strstr(err, path));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(tn_store_write(s, bad[i], "x", 1, err, sizeof(err)),
				 -EINVAL);
		assert_int_equal(tn_store_read(s, bad[i], 10, &out, &len, err,
					       sizeof(err)), -EINVAL);
	}
	/* 64 characters is the longest name. */
	assert_int_equal(tn_store_write(s, "0123456789012345678901234567890123456789"
					"012345678901234567890123", "x", 1, err,
					sizeof(err)), 0);
	tn_store_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(fresh_then_saved, setup, teardown),
		cmocka_unit_test(file_format),
		cmocka_unit_test(every_truncation_refused),
		cmocka_unit_test(bad_files_refused),
		cmocka_unit_test_setup_teardown(damaged_state_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(directory_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(stray_temp_files_cleaned, setup, teardown),
		cmocka_unit_test_setup_teardown(killed_saver_always_loads, setup, teardown),
		cmocka_unit_test_setup_teardown(generic_files, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
