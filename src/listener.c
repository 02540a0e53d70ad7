/* Which process is the sshd listener, from /proc (see listener.h).
 *
 * Must never: take for podpass's sshd a process that is not an sshd listener,
 * does not run as root or runs another binary than ctx's (podpass signals
 * what these checks accept), or let a listener that reads another config pass
 * unnoticed. */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "atomic.h"
#include "listener.h"
#include "log.h"
#include "sockets.h"
#include "util.h"

/* Read a small /proc file into buf (NUL-terminated); returns bytes or -1. */
static ssize_t read_proc(pid_t pid, const char *what, char *buf, size_t size)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/%s", (long)pid, what);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

/* The parent pid and whether comm is "sshd", from /proc/PID/stat. */
static int proc_stat(pid_t pid, pid_t *ppid, int *is_sshd)
{
	char buf[512], *close_paren, *open_paren;
	char state;
	long pp;

	if (read_proc(pid, "stat", buf, sizeof(buf)) < 0)
		return -1;
	open_paren = strchr(buf, '(');
	close_paren = strrchr(buf, ')');
	if (open_paren == NULL || close_paren == NULL ||
	    sscanf(close_paren + 1, " %c %ld", &state, &pp) != 2)
		return -1;
	*is_sshd = (size_t)(close_paren - open_paren - 1) == 4 &&
	    strncmp(open_paren + 1, "sshd", 4) == 0 && state != 'Z';
	*ppid = (pid_t)pp;
	return 0;
}

/* 1 when pid is an sshd listener: comm "sshd" and a parent that is not sshd. */
int sshd_is_listener(pid_t pid)
{
	pid_t ppid, gp;
	int is_sshd, parent_sshd;

	if (pid <= 0 || proc_stat(pid, &ppid, &is_sshd) != 0 || !is_sshd)
		return 0;
	if (proc_stat(ppid, &gp, &parent_sshd) != 0)
		return 1;
	return !parent_sshd;
}

/* sshd sets its process title over its argv: "sshd: /usr/sbin/sshd -f X
 * [listener] 0 of 10-100 startups". Turn such a title back into
 * NUL-separated words (an argument with a space in it cannot be told
 * apart); a real argv is left as it is. Returns the new length. */
static ssize_t untitle_cmdline(char *buf, ssize_t n)
{
	char *end, *p;

	if (n < 6 || strncmp(buf, "sshd: ", 6) != 0)
		return n;
	buf[n - 1] = '\0';
	if ((end = strstr(buf, " [listener]")) != NULL)
		*end = '\0';
	n = (ssize_t)strlen(buf + 6) + 1;
	memmove(buf, buf + 6, (size_t)n);
	for (p = buf; *p != '\0'; p++)
		if (*p == ' ')
			*p = '\0';
	return n;
}

/* The file sshd reads when its command line has no -f. */
#define SSHD_DEFAULT_CONFIG "/etc/ssh/sshd_config"

/* The listener's command line: the config file it reads (malloc'd: its -f
 * argument, else sshd's default), and the -o and -p options that override
 * sshd_config (appended to *extra). NULL when the command line cannot be read. */
static char *listener_args(pid_t pid, char ***extra, size_t *nextra)
{
	char *buf = NULL, *p, *end, *next, *farg = NULL, *path;
	size_t len = 0;
	ssize_t n;

	*extra = NULL;
	*nextra = 0;
	/* the whole command line, however long: an option dropped here would
	 * have the listener judged with a config other than the one it runs */
	path = xasprintf("/proc/%ld/cmdline", (long)pid);
	n = atomic_read(path, ATOMIC_MAX_FILE, &buf, &len, NULL, NULL) == 0 ?
	    (ssize_t)len : -1;
	free(path);
	if (n <= 0) {
		free(buf);
		return NULL;
	}
	n = untitle_cmdline(buf, n);
	end = buf + n;
	for (p = buf; p < end; p = next) {
		next = p + strlen(p) + 1;
		if (p[0] != '-' || strchr("fop", p[1]) == NULL || p[1] == '\0')
			continue;
		if (p[2] == '\0' && next >= end)
			break;
		if (p[1] == 'f') {
			free(farg);
			farg = xstrdup(p[2] ? p + 2 : next);
		} else {
			*extra = xrealloc(*extra, (*nextra + 2) * sizeof(**extra));
			(*extra)[(*nextra)++] = xasprintf("-%c", p[1]);
			(*extra)[(*nextra)++] = xstrdup(p[2] ? p + 2 : next);
		}
		if (p[2] == '\0')
			next += strlen(next) + 1;
	}
	free(buf);
	return farg != NULL ? farg : xstrdup(SSHD_DEFAULT_CONFIG);
}

/* The pid written in pidfile (a path inside root), or 0. */
pid_t sshd_pidfile_pid(const struct sshd_ctx *ctx, const char *pidfile)
{
	char *path = path_under_root(ctx->root, pidfile), buf[32];
	long v = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	free(path);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	v = strtol(buf, NULL, 10);
	return v > 0 ? (pid_t)v : 0;
}

/* pid's real and effective uid, from /proc/PID/status: 0, or -1 when unknown. */
static int proc_uids(pid_t pid, unsigned long *ruid, unsigned long *euid)
{
	char buf[4096], *uid;

	if (read_proc(pid, "status", buf, sizeof(buf)) < 0 ||
	    (uid = strstr(buf, "\nUid:")) == NULL ||
	    sscanf(uid + 5, "%lu %lu", ruid, euid) != 2)
		return -1;
	return 0;
}

/* 1 when pid runs as root: real and effective uid 0. */
static int runs_as_root(pid_t pid)
{
	unsigned long ruid, euid;

	return proc_uids(pid, &ruid, &euid) == 0 && ruid == 0 && euid == 0;
}

/* 1 when the file at path is a script ("#!"): a wrapper that runs some sshd. */
static int is_script(const char *path)
{
	char head[2];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK), script;

	if (fd < 0)
		return 0;
	script = read(fd, head, 2) == 2 && head[0] == '#' && head[1] == '!';
	close(fd);
	return script;
}

/* The file the kernel runs as pid, /proc/PID/exe, reached from a directory fd:
 * an emulator (qemu-user) answers the paths "/proc/self/..." and "/proc/PID/..."
 * of its own process with the emulated program, never a relative one. */
static int kernel_exe(pid_t pid, struct stat *st)
{
	char rel[32];
	int dir = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	if (dir < 0)
		return -1;
	snprintf(rel, sizeof(rel), "%ld/exe", (long)pid);
	rc = fstatat(dir, rel, st, 0);
	close(dir);
	return rc;
}

/* 1 when podpass itself is emulated (binfmt_misc starting qemu-user for another
 * architecture's programs): the file the kernel runs, *emu, is not the program
 * that /proc/self/exe names to podpass. Natively they are one file: always 0.
 * Judged once: neither changes while podpass runs. */
static int podpass_emulated(struct stat *emu)
{
	static int known, emulated;
	static struct stat kernel;
	char self[PATH_MAX];
	struct stat prog;
	ssize_t n;

	if (!known) {
		known = 1;
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n > 0 && kernel_exe(getpid(), &kernel) == 0) {
			self[n] = '\0';
			emulated = stat(self, &prog) == 0 &&
			    (prog.st_dev != kernel.st_dev || prog.st_ino != kernel.st_ino);
		}
	}
	*emu = kernel;
	return emulated;
}

/* 1 when pid's memory maps the file at path real (absolute, no symlink) with
 * inode want->st_ino from its first byte: how an emulator holds the program it
 * loaded and runs. The kernel names the mapped file by its path and inode; the
 * device is not compared, as overlayfs shows its own there but a layer's to stat. */
static int maps_file_start(pid_t pid, const char *real, const struct stat *want)
{
	char path[64], line[PATH_MAX + 256];
	unsigned long long offset;
	unsigned long ino;
	size_t len;
	int found = 0, at;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/maps", (long)pid);
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		len = strlen(line);
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		at = 0;
		found = sscanf(line, "%*x-%*x %*s %llx %*x:%*x %lu %n", &offset, &ino, &at) == 2 &&
		    at > 0 && offset == 0 && ino == (unsigned long)want->st_ino &&
		    strcmp(line + at, real) == 0;
	}
	fclose(f);
	return found;
}

/* 1 when podpass and pid are emulated alike and pid emulates the file at real:
 * under qemu-user /proc/PID/exe names the emulator, not sshd, so pid counts as
 * running that file only when the kernel runs it as the very emulator that runs
 * podpass and that emulator has loaded the file. Never on a native podpass. */
static int emulates(pid_t pid, const char *real, const struct stat *want)
{
	struct stat emu, got;

	return podpass_emulated(&emu) && kernel_exe(pid, &got) == 0 &&
	    got.st_dev == emu.st_dev && got.st_ino == emu.st_ino &&
	    maps_file_start(pid, real, want);
}

/* 1 when pid runs the sshd binary podpass uses: /proc/PID/exe is the same
 * file (device and inode) as ctx->sshd_path inside the root, or that path's
 * former file, since replaced on disk (an upgrade that did not restart sshd),
 * or, where podpass is emulated, pid emulates that file (emulates).
 * A script there (a wrapper) runs a binary podpass cannot know: then any. */
static int runs_our_sshd(const struct sshd_ctx *ctx, pid_t pid)
{
	char exe[64], target[PATH_MAX + 16], *path = path_under_root(ctx->root, ctx->sshd_path);
	char *real = realpath(path, NULL);
	struct stat want, got;
	ssize_t n;
	int same, have;

	snprintf(exe, sizeof(exe), "/proc/%ld/exe", (long)pid);
	have = stat(path, &want) == 0;
	same = have && stat(exe, &got) == 0 &&
	    want.st_dev == got.st_dev && want.st_ino == got.st_ino;
	if (!same && is_script(path)) {
		log_debug("%s is a script: pid %ld taken for the sshd it runs", path, (long)pid);
		same = 1;
	}
	if (!same && real != NULL && (n = readlink(exe, target, sizeof(target) - 1)) > 0) {
		target[n] = '\0';
		same = strncmp(target, real, strlen(real)) == 0 &&
		    strcmp(target + strlen(real), " (deleted)") == 0;
	}
	if (!same && real != NULL && have && emulates(pid, real, &want)) {
		log_debug("pid %ld is emulated, as podpass is, and runs %s", (long)pid, path);
		same = 1;
	}
	free(real);
	free(path);
	return same;
}

/* 1 when pid is the sshd podpass may signal: an sshd listener (sshd_is_listener)
 * that runs as root and runs podpass's sshd binary. */
int sshd_is_our_listener(const struct sshd_ctx *ctx, pid_t pid)
{
	return sshd_is_listener(pid) && runs_as_root(pid) && runs_our_sshd(ctx, pid);
}

/* How many of the inodes in v are sockets that pid holds open. */
static size_t count_owned_by(pid_t pid, const unsigned long *v, size_t n)
{
	char dir[64], link[128], target[64];
	unsigned long inode;
	size_t i, owned = 0;
	struct dirent *e;
	ssize_t len;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%ld/fd", (long)pid);
	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL && owned < n) {
		snprintf(link, sizeof(link), "%s/%.20s", dir, e->d_name);
		len = readlink(link, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = '\0';
		if (sscanf(target, "socket:[%lu]", &inode) != 1)
			continue;
		for (i = 0; i < n; i++)
			if (v[i] == inode)
				owned++;
	}
	closedir(d);
	return owned;
}

/* 1 when every inode in v is a socket that pid holds open. */
int sshd_holds_all(pid_t pid, const unsigned long *v, size_t n)
{
	return count_owned_by(pid, v, n) == n;
}

/* 1 when pid holds a listening socket on port: the listener, not a session
 * whose listener went away. */
int sshd_holds_listen_socket(pid_t pid, int port)
{
	unsigned long v[16];
	size_t n = sockets_listen_inodes(pid, port, v, 16);

	return n > 0 && count_owned_by(pid, v, n) > 0;
}

/* 1 when pid has a handler for SIGHUP: bit SIGHUP - 1 of SigCgt, the mask
 * of caught signals in /proc/PID/status. */
int sshd_catches_hup(pid_t pid)
{
	char buf[8192], *cgt;
	unsigned long long mask;

	if (pid <= 0 || read_proc(pid, "status", buf, sizeof(buf)) < 0 ||
	    (cgt = strstr(buf, "\nSigCgt:")) == NULL || sscanf(cgt + 8, "%llx", &mask) != 1)
		return 0;
	return (int)((mask >> (SIGHUP - 1)) & 1);
}

/* 1 when pid holds the socket inode open. */
static int holds_inode(pid_t pid, unsigned long inode)
{
	return pid > 0 && count_owned_by(pid, &inode, 1) > 0;
}

/* The first pid in /proc that is our listener (our != 0) holding one of the
 * n socket inodes in v, or (our == 0) any process holding v[0]; 0 if none. */
static pid_t scan_holders(const struct sshd_ctx *ctx, const unsigned long *v, size_t n,
    int our)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	pid_t found = 0, pid;

	if (d == NULL)
		return 0;
	while (found == 0 && (e = readdir(d)) != NULL) {
		pid = (pid_t)strtol(e->d_name, NULL, 10);
		if (pid <= 0)
			continue;
		if (our ? sshd_is_our_listener(ctx, pid) && count_owned_by(pid, v, n) > 0 :
		    holds_inode(pid, v[0]))
			found = pid;
	}
	closedir(d);
	return found;
}

/* The name of uid in /etc/passwd into buf, else the number. */
static void user_name(uid_t uid, char *buf, size_t size)
{
	char line[1024], name[256];
	unsigned long u;
	FILE *f = fopen("/etc/passwd", "re");

	snprintf(buf, size, "uid %lu", (unsigned long)uid);
	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "%255[^:]:%*[^:]:%lu:", name, &u) == 2 && u == uid) {
			snprintf(buf, size, "%s", name);
			break;
		}
	if (f != NULL)
		fclose(f);
}

/* "pid N (user U, process NAME, running EXE)" for the holder of a socket, malloc'd. */
static char *describe_holder(pid_t pid)
{
	char comm[64] = "?", user[300] = "?", exe[64], target[PATH_MAX] = "?";
	unsigned long ruid, euid;
	ssize_t n;

	if ((n = read_proc(pid, "comm", comm, sizeof(comm))) > 0 && comm[n - 1] == '\n')
		comm[n - 1] = '\0';
	if (proc_uids(pid, &ruid, &euid) == 0)
		user_name((uid_t)ruid, user, sizeof(user));
	snprintf(exe, sizeof(exe), "/proc/%ld/exe", (long)pid);
	if ((n = readlink(exe, target, sizeof(target) - 1)) > 0)
		target[n] = '\0';
	return xasprintf("pid %ld (user %s, process %s, running %s)", (long)pid, user, comm,
	    target);
}

/* EX_UNAVAILABLE with *cause when a listening socket among the n in v is not
 * held by the listener p (0: none runs): another program holds the port. */
static int refuse_other_holders(const struct sshd_ctx *ctx, pid_t p, int port,
    const unsigned long *v, size_t n, char **cause)
{
	size_t i;
	pid_t other;
	char *who;

	for (i = 0; i < n && holds_inode(p, v[i]); i++)
		;
	if (i == n)
		return 0;
	other = scan_holders(ctx, &v[i], 1, 0);
	who = other > 0 ? describe_holder(other) : xstrdup("a process podpass cannot see");
	set_cause(cause, "port %d is held by %s, which is not the sshd podpass runs (%s, as "
	    "root); podpass signals no other program, so nothing was changed: stop it, give "
	    "sshd another Port, or, if it is the sshd to use, name its binary with --sshd",
	    port, who, ctx->sshd_path);
	free(who);
	return EX_UNAVAILABLE;
}

int sshd_find_listener(const struct sshd_ctx *ctx, const char *pidfile, int port,
    struct sshd_listener *l, char **cause)
{
	unsigned long v[16];
	size_t n;
	char *farg;
	pid_t p;
	int rc;

	memset(l, 0, sizeof(*l));
	if (strcmp(ctx->root, "/") != 0)
		return 0;
	if ((n = sockets_listen_inodes(getpid(), port, v, 16)) == 0)
		return 0;
	p = pidfile ? sshd_pidfile_pid(ctx, pidfile) : 0;
	if (!sshd_is_our_listener(ctx, p) || count_owned_by(p, v, n) == 0)
		p = scan_holders(ctx, v, n, 1);
	if ((rc = refuse_other_holders(ctx, p, port, v, n, cause)) != 0 || p == 0)
		return rc;
	if ((farg = listener_args(p, &l->extra, &l->nextra)) == NULL && kill(p, 0) != 0)
		return 0;	/* gone since it was found */
	if (farg == NULL) {
		set_cause(cause, "cannot read the command line of sshd (pid %ld)", (long)p);
		return EX_OSERR;
	}
	if (strcmp(farg, ctx->config_path) != 0) {
		set_cause(cause, "the running sshd (pid %ld) reads %s, not %s; run podpass "
		    "with --sshd-config %s", (long)p, farg, ctx->config_path, farg);
		free(farg);
		sshd_listener_free(l);
		return EX_CONFIG;
	}
	free(farg);
	log_verbose("sshd listener runs as pid %ld%s", (long)p,
	    l->nextra ? " (with options on its command line)" : "");
	l->pid = p;
	return 0;
}

void sshd_listener_free(struct sshd_listener *l)
{
	strv_free(l->extra, l->nextra);
	memset(l, 0, sizeof(*l));
}
