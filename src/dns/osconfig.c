/* The host's DNS settings: resolv.conf written directly, or
 * systemd-resolved through resolvectl (see osconfig.h). */
#include "dns/osconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/log.h"

#define RESOLVED_STUB "127.0.0.53"
#define RESOLVED_RUN_DIR "/run/systemd/resolve/"

struct tn_dns_os {
	char *ifname;
	char *resolv, *backup, *mountinfo, *resolvectl;
	struct tn_dns_os_ops ops;
	bool resolved;             /* else direct */
	bool rename_broken;        /* fall back to writing in place */
	bool mounted;              /* resolv.conf is a mount point: backup in memory */
	char *mem_backup;          /* that backup */
	size_t mem_backup_len;
	bool have_mem_backup;
	bool link_set;             /* resolved has our link settings */
};

/* --- running resolvectl ------------------------------------------------ */

static int sys_rename(void *ctx, const char *from, const char *to)
{
	return rename(from, to) ? -errno : 0;
}

static int sys_run(void *ctx, const char *const argv[])
{
	posix_spawnattr_t attr;
	posix_spawn_file_actions_t fa;
	sigset_t none;
	struct timespec step = { 0, 10 * 1000 * 1000 };
	int status, r;
	pid_t pid;

	/* The daemon blocks the signals its loop reads; the child must not
	 * inherit that mask. */
	sigemptyset(&none);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	r = posix_spawnp(&pid, argv[0], &fa, &attr, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (r)
		return -r;
	for (int waited = 0;; waited += 10) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			return -errno;
		if (waited >= TN_DNS_OS_RUN_TIMEOUT_MS) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -ETIMEDOUT;
		}
		nanosleep(&step, NULL);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -ECHILD;
}

static int run(struct tn_dns_os *os, const char *const argv[])
{
	int r = os->ops.run(os->ops.ctx, argv);

	if (r)
		tn_log_warn("dns", "%s %s %s: %s", argv[0], argv[1], argv[2] ? argv[2] : "",
			    r < 0 ? strerror(-r) : "failed");
	return r ? (r < 0 ? r : -EIO) : 0;
}

/* --- files ------------------------------------------------------------- */

/* The whole file into a new buffer; -ENOENT when absent. */
static int read_file(const char *path, char **out, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), r = 0;
	char *buf = NULL;
	size_t n = 0;

	if (fd < 0)
		return -errno;
	if (!(buf = malloc(TN_DNS_RESOLV_MAX + 1))) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		ssize_t k = read(fd, buf + n, TN_DNS_RESOLV_MAX + 1 - n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			r = -errno;
			break;
		}
		if (!k)
			break;
		n += (size_t)k;
		if (n > TN_DNS_RESOLV_MAX) {
			r = -EFBIG;
			break;
		}
	}
	close(fd);
	if (r) {
		free(buf);
		return r;
	}
	*out = buf;
	*len = n;
	return 0;
}

/* Writes data into path itself (same inode: works on a bind mount). */
static int write_in_place(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), r = 0;

	if (fd < 0)
		return -errno;
	for (size_t o = 0; o < len;) {
		ssize_t k = write(fd, data + o, len - o);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			r = -errno;
			break;
		}
		o += (size_t)k;
	}
	if (close(fd) && !r)
		r = -errno;
	return r;
}

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* resolv.conf is a regular file carrying our mark. */
static bool owned(struct tn_dns_os *os)
{
	struct stat st;
	char *buf;
	size_t n;
	bool mine;

	if (stat(os->resolv, &st) || !S_ISREG(st.st_mode) || read_file(os->resolv, &buf, &n))
		return false;
	mine = memmem(buf, n, TN_DNS_RESOLV_MARK, strlen(TN_DNS_RESOLV_MARK)) != NULL;
	free(buf);
	return mine;
}

/* Go's directManager.rename: rename(2), else copy and remove (truncate
 * when the old file cannot be removed either). */
static int move(struct tn_dns_os *os, const char *from, const char *to)
{
	char *buf;
	size_t n;
	int r;

	if (!os->rename_broken) {
		if (!(r = os->ops.rename(os->ops.ctx, from, to)))
			return 0;
		tn_log_info("dns", "renaming %s to %s: %s; writing in place from now on", from, to,
			    strerror(-r));
		os->rename_broken = true;
	}
	if ((r = read_file(from, &buf, &n)))
		return r;
	r = write_in_place(to, buf, n);
	free(buf);
	if (r)
		return r;
	if (unlink(from) && truncate(from, 0))
		return -errno;
	return 0;
}

/* A path's line in mountinfo has it as the mount point (field 5, with
 * octal escapes for white space and backslashes). */
static bool is_mount_point(const char *mountinfo, const char *path)
{
	FILE *f = fopen(mountinfo, "re");
	char line[4096];
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *p = line, mp[4096];
		size_t o = 0;

		for (int field = 0; field < 4 && p; field++)
			if ((p = strchr(p, ' ')))
				p++;
		if (!p)
			continue;
		for (; *p && *p != ' ' && *p != '\n' && o + 1 < sizeof(mp); p++) {
			if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' &&
			    p[3] >= '0' && p[3] <= '7') {
				mp[o++] = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
				p += 3;
			} else {
				mp[o++] = *p;
			}
		}
		mp[o] = '\0';
		found = !strcmp(mp, path);
	}
	fclose(f);
	return found;
}

/* --- direct ------------------------------------------------------------ */

static void drop_mem_backup(struct tn_dns_os *os)
{
	free(os->mem_backup);
	os->mem_backup = NULL;
	os->mem_backup_len = 0;
	os->have_mem_backup = false;
}

/* Go's backupConfig: the original aside, unless the file is ours
 * already (a backup from before is then still the original). */
static int backup(struct tn_dns_os *os)
{
	int r;

	if (!exists(os->resolv)) {
		/* Nothing to keep; an old backup must not come back later.
		 * (Beside a mount point the backup file is not ours.) */
		if (!os->mounted)
			unlink(os->backup);
		drop_mem_backup(os);
		return 0;
	}
	if (owned(os))
		return 0;
	if (os->mounted) {
		drop_mem_backup(os);
		if ((r = read_file(os->resolv, &os->mem_backup, &os->mem_backup_len)))
			return r;
		os->have_mem_backup = true;
		return 0;
	}
	return move(os, os->resolv, os->backup);
}

static int write_resolv(struct tn_dns_os *os, const char *data, size_t len)
{
	char *tmp;
	int fd, r;

	if (os->mounted || os->rename_broken)
		return write_in_place(os->resolv, data, len);
	if (asprintf(&tmp, "%s.tmp-XXXXXX", os->resolv) < 0)
		return -ENOMEM;
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		r = -errno;
		free(tmp);
		return r;
	}
	r = 0;
	for (size_t o = 0; o < len && !r;) {
		ssize_t k = write(fd, data + o, len - o);

		if (k < 0 && errno != EINTR)
			r = -errno;
		else if (k > 0)
			o += (size_t)k;
	}
	if (!r && fchmod(fd, 0644))
		r = -errno;
	close(fd);
	if (!r)
		r = move(os, tmp, os->resolv);
	unlink(tmp);
	free(tmp);
	return r;
}

static int direct_restore(struct tn_dns_os *os)
{
	bool mine = owned(os);
	int r;

	if (os->mounted) {
		if (!os->have_mem_backup)
			return 0;
		if (exists(os->resolv) && !mine) {
			drop_mem_backup(os);
			return 0;
		}
		r = write_in_place(os->resolv, os->mem_backup, os->mem_backup_len);
		if (!r) {
			drop_mem_backup(os);
			tn_log_info("dns", "%s restored", os->resolv);
		}
		return r;
	}
	if (!exists(os->backup))
		return 0;
	if (exists(os->resolv) && !mine) {
		/* Someone else wrote resolv.conf since: theirs stays. */
		unlink(os->backup);
		return 0;
	}
	if (!(r = move(os, os->backup, os->resolv)))
		tn_log_info("dns", "%s restored", os->resolv);
	return r;
}

static int direct_set(struct tn_dns_os *os, const struct tn_dns_os_config *c)
{
	size_t len = tn_dns_resolv_conf_format(c, NULL, 0);
	char *text = malloc(len + 1);
	int r;

	if (!text)
		return -ENOMEM;
	tn_dns_resolv_conf_format(c, text, len + 1);
	if (!(r = backup(os)))
		r = write_resolv(os, text, len);
	free(text);
	return r;
}

/* --- systemd-resolved -------------------------------------------------- */

#define MAX_ARGS 512

static int resolved_set(struct tn_dns_os *os, const struct tn_dns_os_config *c)
{
	const char *argv[MAX_ARGS + 4];
	char ips[16][TN_TAILCFG_ADDRPORT_MAX], **owned_args = NULL;
	size_t n = 0, k = 0, no = 0;
	int r;

	argv[n++] = os->resolvectl;
	argv[n++] = "dns";
	argv[n++] = os->ifname;
	for (size_t i = 0; i < c->n_nameservers && k < 16; i++, k++) {
		tn_tailcfg_ip_format(ips[k], &c->nameservers[i]);
		argv[n++] = ips[k];
	}
	if (!c->n_nameservers)
		argv[n++] = "";
	argv[n] = NULL;
	if ((r = run(os, argv)))
		return r;
	os->link_set = true;

	/* Search domains, then routing-only "~" ones; "~." takes all names
	 * when there are nameservers and no match domains. */
	if (!(owned_args = calloc(c->n_match + 1, sizeof(*owned_args))))
		return -ENOMEM;
	n = 0;
	argv[n++] = os->resolvectl;
	argv[n++] = "domain";
	argv[n++] = os->ifname;
	for (size_t i = 0; i < c->n_search && n < MAX_ARGS; i++)
		argv[n++] = c->search[i];
	for (size_t i = 0; i < c->n_match && n < MAX_ARGS; i++) {
		bool dup = false;

		for (size_t j = 0; j < c->n_search; j++)
			dup |= !strcmp(c->search[j], c->match[i]);
		if (dup)
			continue;
		if (asprintf(&owned_args[no], "~%s", c->match[i]) < 0) {
			r = -ENOMEM;
			goto out;
		}
		argv[n++] = owned_args[no++];
	}
	if (!c->n_match && c->n_nameservers)
		argv[n++] = "~.";
	if (n == 3)
		argv[n++] = "";
	argv[n] = NULL;
	if ((r = run(os, argv)))
		goto out;
	argv[1] = "default-route";
	argv[3] = !c->n_match && c->n_nameservers ? "yes" : "no";
	argv[4] = NULL;
	if ((r = run(os, argv)))
		goto out;
	/* Best effort, as Go: no multicast name services, DNSSEC or DoT on
	 * our link (our split answers would fail validation). */
	argv[3] = "no";
	argv[1] = "llmnr";
	run(os, argv);
	argv[1] = "mdns";
	run(os, argv);
	argv[1] = "dnssec";
	run(os, argv);
	argv[1] = "dnsovertls";
	run(os, argv);
	argv[1] = "flush-caches";
	argv[2] = NULL;
	run(os, argv);
out:
	for (size_t i = 0; i < no; i++)
		free(owned_args[i]);
	free(owned_args);
	return r;
}

static int resolved_revert(struct tn_dns_os *os)
{
	const char *argv[] = { os->resolvectl, "revert", os->ifname, NULL };
	int r;

	if (!os->link_set)
		return 0;
	if (!(r = run(os, argv))) {
		os->link_set = false;
		tn_log_info("dns", "systemd-resolved settings of %s reverted", os->ifname);
	}
	return r;
}

/* --- detection --------------------------------------------------------- */

static bool same_netns_as_init(void)
{
	struct stat a, b;

	return !stat("/proc/self/ns/net", &a) && !stat("/proc/1/ns/net", &b) &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* Go's resolvOwner: comments before the first other line name the
 * program that wrote the file. */
static bool written_by_resolved(const char *text, size_t len)
{
	size_t pos = 0;

	while (pos < len) {
		const char *line = text + pos, *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;

		pos += n + 1;
		while (n && (line[0] == ' ' || line[0] == '\t')) {
			line++;
			n--;
		}
		if (!n)
			continue;
		if (line[0] != '#')
			return false;
		if (memmem(line, n, "systemd-resolved", 16))
			return true;
	}
	return false;
}

static bool in_path(const char *prog, char **out)
{
	const char *path = getenv("PATH");
	char buf[4096];

	if (strchr(prog, '/')) {
		*out = strdup(prog);
		return *out && !access(prog, X_OK);
	}
	if (!path)
		path = "/usr/sbin:/usr/bin:/sbin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, path, prog);
		if (n && !access(buf, X_OK))
			return (*out = strdup(buf)) != NULL;
		path += n + (path[n] == ':');
	}
	return false;
}

static bool detect_resolved(struct tn_dns_os *os)
{
	struct tn_dns_os_config c;
	char target[256], *text;
	ssize_t tl;
	size_t n;
	bool stub_only, theirs;

	if (!os->resolvectl || !same_netns_as_init() || read_file(os->resolv, &text, &n))
		return false;
	tl = readlink(os->resolv, target, sizeof(target) - 1);
	if (tl > 0)
		target[tl] = '\0';
	theirs = (tl > 0 && strstr(target, RESOLVED_RUN_DIR)) || written_by_resolved(text, n);
	stub_only = !tn_dns_resolv_conf_parse(text, n, &c) && c.n_nameservers;
	for (size_t i = 0; stub_only && i < c.n_nameservers; i++) {
		char ip[TN_TAILCFG_ADDRPORT_MAX];

		tn_tailcfg_ip_format(ip, &c.nameservers[i]);
		stub_only = !strcmp(ip, RESOLVED_STUB);
	}
	tn_dns_os_config_clear(&c);
	free(text);
	return theirs && stub_only;
}

/* --- the interface ------------------------------------------------------ */

struct tn_dns_os *tn_dns_os_new(const char *ifname, const struct tn_dns_os_options *opts)
{
	static const struct tn_dns_os_ops sys = { sys_rename, sys_run, NULL };
	struct tn_dns_os_options none = { 0 };
	struct tn_dns_os *os = calloc(1, sizeof(*os));

	if (!opts)
		opts = &none;
	if (!os)
		return NULL;
	os->ops = opts->ops ? *opts->ops : sys;
	os->ifname = strdup(ifname ? ifname : "");
	os->resolv = strdup(opts->resolv_conf ? opts->resolv_conf : TN_DNS_RESOLV_CONF);
	os->backup = strdup(opts->backup ? opts->backup : TN_DNS_RESOLV_BACKUP);
	os->mountinfo = strdup(opts->mountinfo ? opts->mountinfo : "/proc/self/mountinfo");
	if (!os->ifname || !os->resolv || !os->backup || !os->mountinfo) {
		tn_dns_os_free(os);
		return NULL;
	}
	in_path(opts->resolvectl ? opts->resolvectl : "resolvectl", &os->resolvectl);
	if (opts->mode == TN_DNS_OS_MODE_RESOLVED)
		os->resolved = os->resolvectl != NULL;
	else if (opts->mode == TN_DNS_OS_MODE_DETECT)
		os->resolved = detect_resolved(os);
	os->mounted = !os->resolved && is_mount_point(os->mountinfo, os->resolv);
	if (os->mounted)
		os->rename_broken = true;
	tn_log_info("dns", "OS DNS through %s%s", os->resolved ? "systemd-resolved on " : os->resolv,
		    os->resolved ? os->ifname : (os->mounted ? " (a mount point: written in place)" : ""));
	return os;
}

void tn_dns_os_free(struct tn_dns_os *os)
{
	if (!os)
		return;
	if (os->resolv)
		tn_dns_os_restore(os);
	free(os->ifname);
	free(os->resolv);
	free(os->backup);
	free(os->mountinfo);
	free(os->resolvectl);
	drop_mem_backup(os);
	free(os);
}

bool tn_dns_os_split(const struct tn_dns_os *os)
{
	return os->resolved;
}

int tn_dns_os_base(struct tn_dns_os *os, struct tn_dns_os_config *out)
{
	struct tn_tailcfg_ip s4, s6;
	char *text = NULL;
	size_t n = 0, k = 0;
	int r;

	memset(out, 0, sizeof(*out));
	if (os->resolved)
		return -EOPNOTSUPP;
	if (!owned(os))
		r = read_file(os->resolv, &text, &n);
	else if (os->mounted)
		r = os->have_mem_backup ? 0 : -ENOENT;
	else
		r = read_file(os->backup, &text, &n);
	if (r)
		return r;
	r = text ? tn_dns_resolv_conf_parse(text, n, out)
		 : tn_dns_resolv_conf_parse(os->mem_backup, os->mem_backup_len, out);
	free(text);
	if (r)
		return r;
	/* Never forward to ourselves (Go issue 7816). */
	tn_tailcfg_ip_parse(&s4, "100.100.100.100", 15);
	tn_tailcfg_ip_parse(&s6, "fd7a:115c:a1e0::53", 18);
	for (size_t i = 0; i < out->n_nameservers; i++) {
		const struct tn_tailcfg_ip *ip = &out->nameservers[i];

		if ((ip->family == AF_INET && !memcmp(ip->addr, s4.addr, 4)) ||
		    (ip->family == AF_INET6 && !memcmp(ip->addr, s6.addr, 16)))
			continue;
		out->nameservers[k++] = *ip;
	}
	out->n_nameservers = k;
	return 0;
}

int tn_dns_os_set(struct tn_dns_os *os, const struct tn_dns_os_config *c)
{
	int r;

	if (tn_dns_os_config_is_zero(c))
		return tn_dns_os_restore(os);
	if (os->resolved) {
		if (!(r = resolved_set(os, c)))
			return 0;
		/* resolved is not really there: do what Go's detection would
		 * have chosen then. */
		tn_log_warn("dns", "systemd-resolved did not take the settings; writing %s", os->resolv);
		resolved_revert(os);
		os->resolved = false;
		os->mounted = is_mount_point(os->mountinfo, os->resolv);
		os->rename_broken = os->mounted;
	}
	if ((r = direct_set(os, c)))
		tn_log_warn("dns", "writing %s: %s", os->resolv, strerror(-r));
	return r;
}

int tn_dns_os_restore(struct tn_dns_os *os)
{
	int r = os->resolved ? resolved_revert(os) : direct_restore(os);

	if (r)
		tn_log_warn("dns", "restoring the DNS settings: %s", strerror(-r));
	return r;
}
