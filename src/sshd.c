/* sshd and ssh-keygen as processes: validate, read effective settings,
 * prepare the runtime, find, reload or start the listener, wait for it.
 *
 * Must never: give a child the password or any of podpass's environment,
 * signal a process that is not the sshd listener, or call sshd ready
 * before its listener answers with an SSH banner. */
#include "config.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "atomic.h"
#include "log.h"
#include "sshd.h"
#include "sshd_config.h"
#include "trust.h"
#include "util.h"

#define CHILD_OUTPUT_MAX (4 * 1024 * 1024)
/* Between two looks at a restarting sshd: its sockets come from the kernel's socket
 * diagnostics, a few microseconds each, so a short step costs nothing. */
#define POLL_STEP_MS 2

char *const sshd_child_env[] = {
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	NULL
};

static int holds_listen_socket(pid_t pid, int port);
static size_t count_owned_by(pid_t pid, const unsigned long *v, size_t n);

/* Milliseconds on the monotonic clock. */
static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleep for ms milliseconds. */
static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* In the child: every signal back to its default action and none blocked. A
 * child forked while podpass blocks SIGHUP and SIGTERM for its commit would keep
 * them blocked across exec: an sshd started so would ignore reloads (OpenSSH 8.4
 * never unblocks SIGHUP itself) and SIGTERM; one started from a shell that ignores
 * SIGINT and SIGQUIT would inherit that too. */
static void child_reset_signals(void)
{
	sigset_t none;
	int sig;

	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* In the child: stdio onto the pipes, chroot, exec. Never returns. */
static void child_exec(const char *root, char *const argv[], int outfd, int errfd)
{
	int devnull = open("/dev/null", O_RDWR);

	if (devnull < 0 || dup2(devnull, 0) < 0 ||
	    dup2(outfd >= 0 ? outfd : devnull, 1) < 0 ||
	    dup2(errfd >= 0 ? errfd : devnull, 2) < 0)
		_exit(126);
	if (strcmp(root, "/") != 0 && (chroot(root) != 0 || chdir("/") != 0))
		_exit(126);
	child_reset_signals();
	umask(022);
	execve(argv[0], argv, sshd_child_env);
	_exit(127);
}

/* Start argv with stdin on /dev/null and stdout/stderr on outfd/errfd (/dev/null
 * when -1), in root. Without a chroot this is posix_spawn: no copy of podpass's
 * address space, so nothing slows down the hashing threads that may be running
 * (after a fork every page they write is copied until the child has exec'd:
 * with yescrypt's 16 MiB that doubled the time sshd -T took). The child gets
 * the same as child_exec gives: every signal at its default, none blocked,
 * umask 022, the fixed environment. */
static int spawn_child(const char *root, char *const argv[], int outfd, int errfd,
    pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t def, none;
	mode_t mask;
	int sig, rc;

	if (strcmp(root, "/") != 0) {
		if ((*pid = fork()) < 0)
			return -1;
		if (*pid == 0)
			child_exec(root, argv, outfd, errfd);
		return 0;
	}
	sigemptyset(&def);
	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaddset(&def, sig);	/* refuses libc's own, which is right */
	sigemptyset(&none);
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&at);
	rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDWR, 0);
	if (rc == 0)
		rc = outfd >= 0 ? posix_spawn_file_actions_adddup2(&fa, outfd, 1) :
		    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_RDWR, 0);
	if (rc == 0)
		rc = errfd >= 0 ? posix_spawn_file_actions_adddup2(&fa, errfd, 2) :
		    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_RDWR, 0);
	if (rc == 0)
		rc = posix_spawnattr_setsigdefault(&at, &def);
	if (rc == 0)
		rc = posix_spawnattr_setsigmask(&at, &none);
	if (rc == 0)
		rc = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
	if (rc == 0) {
		mask = umask(022);	/* process-wide, but no other thread makes files */
		rc = posix_spawn(pid, argv[0], &fa, &at, argv, sshd_child_env);
		umask(mask);
	}
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (rc != 0) {
		errno = rc;
		return -1;
	}
	return 0;
}

/* Read both pipes to their ends, keeping at most CHILD_OUTPUT_MAX of each. */
static void drain_pipes(int outfd, int errfd, struct buf *out, struct buf *err)
{
	struct pollfd fds[2] = { { outfd, POLLIN, 0 }, { errfd, POLLIN, 0 } };
	struct buf *bufs[2] = { out, err };
	char chunk[8192];
	int open_fds = 2, i;
	ssize_t r;

	while (open_fds > 0) {
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 0; i < 2; i++) {
			if (fds[i].fd < 0 || fds[i].revents == 0)
				continue;
			r = read(fds[i].fd, chunk, sizeof(chunk));
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				close(fds[i].fd);
				fds[i].fd = -1;
				open_fds--;
			} else if (bufs[i]->len < CHILD_OUTPUT_MAX)
				buf_add(bufs[i], chunk, (size_t)r);
		}
	}
	for (i = 0; i < 2; i++)
		if (fds[i].fd >= 0)
			close(fds[i].fd);	/* poll failed: no more to read */
}

/* sshd_run in two halves, so that children can run side by side: start argv
 * as sshd_run does (0, or EX_OSERR with *cause and nothing to finish), then
 * (run_finish) read its output to the end and reap it. Each started child
 * must be finished; its pipes are close-on-exec, so one child never holds
 * another's. */
static int run_start(const char *root, char *const argv[], struct sshd_child *ch,
    char **cause)
{
	int op[2], ep[2], saved;

	ch->pid = 0;
	ch->outfd = ch->errfd = -1;
	if (pipe2(op, O_CLOEXEC) != 0)
		goto fail;
	if (pipe2(ep, O_CLOEXEC) != 0) {
		saved = errno;
		close(op[0]);
		close(op[1]);
		errno = saved;
		goto fail;
	}
	log_debug("running %s", argv[0]);
	if (spawn_child(root, argv, op[1], ep[1], &ch->pid) != 0) {
		saved = errno;
		close(op[0]); close(op[1]); close(ep[0]); close(ep[1]);
		errno = saved;
		goto fail;
	}
	close(op[1]);
	close(ep[1]);
	ch->outfd = op[0];
	ch->errfd = ep[0];
	return 0;
fail:
	set_cause(cause, "cannot run %s: %s", argv[0], strerror(errno));
	return EX_OSERR;
}

static void run_finish(struct sshd_child *ch, char **out, char **err, int *status)
{
	struct buf ob = { NULL, 0, 0 }, eb = { NULL, 0, 0 };
	int ws = 0, got;

	drain_pipes(ch->outfd, ch->errfd, &ob, &eb);
	while ((got = waitpid(ch->pid, &ws, 0)) < 0 && errno == EINTR)
		;
	if (got < 0)
		*status = 128;	/* not reaped: no status to trust */
	else
		*status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	if (out != NULL)
		*out = buf_take(&ob, NULL);
	if (err != NULL)
		*err = buf_take(&eb, NULL);
	buf_free(&ob);
	buf_free(&eb);
	ch->pid = 0;
	ch->outfd = ch->errfd = -1;
}

int sshd_run(const char *root, char *const argv[], char **out, char **err,
    int *status, char **cause)
{
	struct sshd_child ch;
	int rc = run_start(root, argv, &ch, cause);

	if (rc == 0)
		run_finish(&ch, out, err, status);
	return rc;
}

int sshd_check_installed(const struct sshd_ctx *ctx, char **cause)
{
	char *path = path_under_root(ctx->root, ctx->sshd_path), *why = NULL;
	int rc = 0;

	if (access(path, X_OK) != 0) {
		set_cause(cause, "sshd not found at %s (install openssh-server, or "
		    "give its path with --sshd)", path);
		rc = EX_UNAVAILABLE;
	} else if (trust_path(path, TRUST_ROOT_ONLY, NULL, &why) != 0) {
		/* podpass runs it as root: only root may decide what it is */
		set_cause(cause, "sshd %s refused: %s (it must be owned by root, in "
		    "directories only root can change)", path, why);
		rc = EX_NOPERM;
	}
	free(why);
	free(path);
	return rc;
}

/* Trim trailing white space (sshd's messages end in a newline). */
static void rtrim(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
		s[--n] = '\0';
}

#define MESSAGE_LINES 5

/* sshd's error output made fit for one message: carriage returns dropped,
 * at most MESSAGE_LINES lines, and how many more there were. */
static void shorten_message(char *s)
{
	char *r, *w, *cut = NULL;
	int lines = 0, more = 0;

	for (r = w = s; *r != '\0'; r++) {
		if (*r == '\r')
			continue;
		if (*r == '\n' && ++lines == MESSAGE_LINES && cut == NULL)
			cut = w;
		if (*r == '\n' && lines > MESSAGE_LINES)
			more++;
		*w++ = *r;
	}
	*w = '\0';
	rtrim(s);
	if (cut != NULL && (size_t)(cut - s) < strlen(s)) {
		more += 1;
		snprintf(cut, (size_t)(w - cut) + 1 > 40 ? 40 : (size_t)(w - cut) + 1,
		    "\n(%d more lines)", more);
	}
}

int sshd_effective_start(const struct sshd_ctx *ctx, const char *config,
    const char *hostkey, char *const *extra, size_t nextra, const char *spec,
    struct sshd_child *ch, char **cause)
{
	/* sized from the input: every one of the listener's options is passed on,
	 * however many (dropping one would judge a config other than the running one) */
	char **argv = xcalloc(nextra + 9, sizeof(*argv));
	size_t i, n = 0;
	int rc;

	argv[n++] = (char *)ctx->sshd_path;
	argv[n++] = "-T";
	argv[n++] = "-f";
	argv[n++] = (char *)config;
	if (hostkey != NULL) {
		argv[n++] = "-h";
		argv[n++] = (char *)hostkey;
	}
	for (i = 0; i < nextra; i++)
		argv[n++] = extra[i];
	argv[n++] = "-C";
	argv[n++] = (char *)spec;
	argv[n] = NULL;
	rc = run_start(ctx->root, argv, ch, cause);
	free(argv);
	return rc;
}

int sshd_effective_finish(struct sshd_child *ch, char **dump, char **cause)
{
	char *out = NULL, *err = NULL;
	int status;

	run_finish(ch, &out, &err, &status);
	if (status != 0) {
		shorten_message(err);
		set_cause(cause, "sshd rejects the configuration: %s", *err ? err :
		    "(no message)");
		free(out);
		free(err);
		return EX_CONFIG;
	}
	free(err);
	*dump = out;
	return 0;
}

int sshd_effective(const struct sshd_ctx *ctx, const char *config, const char *hostkey,
    char *const *extra, size_t nextra, const char *spec, char **dump, char **cause)
{
	struct sshd_child ch;
	int rc = sshd_effective_start(ctx, config, hostkey, extra, nextra, spec, &ch, cause);

	return rc != 0 ? rc : sshd_effective_finish(&ch, dump, cause);
}

size_t sshd_count_host_keys(const struct sshd_ctx *ctx, char *const *paths, size_t n)
{
	size_t i, found = 0;
	char *p;

	for (i = 0; i < n; i++) {
		p = path_under_root(ctx->root, paths[i]);
		if (access(p, R_OK) == 0)
			found++;
		free(p);
	}
	return found;
}

/* Run a child and turn a non-zero exit into an error naming what. */
static int run_checked(const char *root, char *const argv[], const char *what,
    char **cause)
{
	char *err = NULL;
	int status, rc;

	if ((rc = sshd_run(root, argv, NULL, &err, &status, cause)) != 0)
		return rc;
	if (status != 0) {
		rtrim(err);
		set_cause(cause, "%s failed (exit %d): %s", what, status, err);
		rc = EX_OSERR;
	}
	free(err);
	return rc;
}

int sshd_make_host_keys(const struct sshd_ctx *ctx, char **cause)
{
	char *argv[] = { PODPASS_SSH_KEYGEN_PATH, "-A", NULL };

	log_info("creating sshd's missing host keys (ssh-keygen -A)");
	return run_checked(ctx->root, argv, "ssh-keygen -A", cause);
}

int sshd_make_throwaway_key(const char *workdir, char **keypath, char **cause)
{
	char *path = xasprintf("%s/throwaway_host_key", workdir);
	char *argv[] = { PODPASS_SSH_KEYGEN_PATH, "-q", "-t", "ed25519", "-N", "",
	    "-C", "podpass-check", "-f", path, NULL };
	int rc;

	rc = run_checked("/", argv, "ssh-keygen (throwaway key)", cause);
	if (rc != 0) {
		free(path);
		return rc;
	}
	*keypath = path;
	return 0;
}

int sshd_make_rundir(const struct sshd_ctx *ctx, int *created, char **cause)
{
	char *p = path_under_root(ctx->root, "/run/sshd");
	int rc = 0;

	*created = 0;
	if (mkdir(p, 0755) == 0)
		*created = 1;
	else if (errno != EEXIST) {
		set_cause(cause, "cannot create %s: %s", p, strerror(errno));
		rc = EX_CANTCREAT;
	}
	free(p);
	return rc;
}

void sshd_remove_rundir(const struct sshd_ctx *ctx)
{
	char *p = path_under_root(ctx->root, "/run/sshd");

	if (rmdir(p) != 0)
		log_debug("rmdir %s: %s", p, strerror(errno));
	free(p);
}

/* Split "host:port" or "[host]:port" into addr and *port. */
static int parse_listen_value(const char *v, char *addr, size_t size, int *port)
{
	const char *colon;
	size_t hl;

	if (*v == '[') {
		colon = strstr(v, "]:");
		if (colon == NULL)
			return -1;
		hl = (size_t)(colon - v - 1);
		v++;
		colon++;
	} else {
		colon = strrchr(v, ':');
		if (colon == NULL)
			return -1;
		hl = (size_t)(colon - v);
	}
	if (hl == 0 || hl >= size)
		return -1;
	memcpy(addr, v, hl);
	addr[hl] = '\0';
	*port = atoi(colon + 1);
	if (*port <= 0 || *port > 65535)
		return -1;
	if (strcmp(addr, "0.0.0.0") == 0)
		snprintf(addr, size, "127.0.0.1");
	else if (strcmp(addr, "::") == 0)
		snprintf(addr, size, "::1");
	return 0;
}

int sshd_listen_from_dump(const char *dump, struct sshd_listen *l, char **cause)
{
	size_t n, i;
	char **v = sshd_dump_get_all(dump, "listenaddress", &n);
	int port, rc = 0;

	memset(l, 0, sizeof(*l));
	for (i = 0; i < n && l->naddr < SSHD_LISTEN_MAX && rc == 0; i++) {
		if (parse_listen_value(v[i], l->addr[l->naddr], sizeof(l->addr[0]), &port) != 0) {
			set_cause(cause, "cannot understand sshd's listen address '%s'", v[i]);
			rc = EX_SOFTWARE;
		} else if (l->naddr++ == 0)
			l->port = port;
	}
	strv_free(v, n);
	if (rc == 0 && l->naddr == 0) {
		char *p = sshd_dump_get(dump, "port");

		snprintf(l->addr[0], sizeof(l->addr[0]), "127.0.0.1");
		l->naddr = 1;
		l->port = p ? atoi(p) : 22;
		free(p);
	}
	return rc;
}

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
static int is_listener(pid_t pid)
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

/* 1 when pid runs the sshd binary podpass uses: /proc/PID/exe is the same
 * file (device and inode) as ctx->sshd_path inside the root, or that path's
 * former file, since replaced on disk (an upgrade that did not restart sshd).
 * A script there (a wrapper) runs a binary podpass cannot know: then any. */
static int runs_our_sshd(const struct sshd_ctx *ctx, pid_t pid)
{
	char exe[64], target[PATH_MAX + 16], *path = path_under_root(ctx->root, ctx->sshd_path);
	char *real = realpath(path, NULL);
	struct stat want, got;
	ssize_t n;
	int same;

	snprintf(exe, sizeof(exe), "/proc/%ld/exe", (long)pid);
	same = stat(path, &want) == 0 && stat(exe, &got) == 0 &&
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
	free(real);
	free(path);
	return same;
}

/* 1 when pid is the sshd podpass may signal: an sshd listener (is_listener)
 * that runs as root and runs podpass's sshd binary. */
static int is_our_listener(const struct sshd_ctx *ctx, pid_t pid)
{
	return is_listener(pid) && runs_as_root(pid) && runs_our_sshd(ctx, pid);
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
		if (our ? is_our_listener(ctx, pid) && count_owned_by(pid, v, n) > 0 :
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
	if ((n = sshd_listen_inodes(getpid(), port, v, 16)) == 0)
		return 0;
	p = pidfile ? sshd_pidfile_pid(ctx, pidfile) : 0;
	if (!is_our_listener(ctx, p) || count_owned_by(p, v, n) == 0)
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

/* Collect listening sockets on port from one /proc/PID/net/tcp* table. */
static size_t scan_tcp_table(pid_t pid, const char *table, int port,
    unsigned long *inodes, size_t n, size_t max)
{
	char path[64], line[512];
	unsigned int lport, state;
	unsigned long inode;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/net/%s", (long)pid, table);
	if ((f = fopen(path, "re")) == NULL)
		return n;
	while (n < max && fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, " %*d: %*[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x %*s %*s %*s %*s %*s %lu",
		    &lport, &state, &inode) != 3)
			continue;
		if ((int)lport == port && state == 0x0A && inode != 0)
			inodes[n++] = inode;
	}
	fclose(f);
	return n;
}

/* 1 when pid lives in podpass's own network namespace. */
static int same_netns(pid_t pid)
{
	char path[64];
	struct stat a, b;

	snprintf(path, sizeof(path), "/proc/%ld/ns/net", (long)pid);
	return stat(path, &a) == 0 && stat("/proc/self/ns/net", &b) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int sshd_diag_parse(const void *buf, size_t len, int port, unsigned long *inodes,
    size_t *n, size_t max, int *interrupted)
{
	const struct nlmsghdr *h = buf;
	const struct inet_diag_msg *d;
	int left = (int)len, err;

	for (; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
		if (h->nlmsg_flags & NLM_F_DUMP_INTR)
			*interrupted = 1;
		if (h->nlmsg_type == NLMSG_DONE) {
			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(err)))
				return 1;
			memcpy(&err, NLMSG_DATA(h), sizeof(err));
			return err < 0 ? -1 : 1;
		}
		if (h->nlmsg_type == NLMSG_ERROR)
			return -1;
		if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
		    h->nlmsg_len < NLMSG_LENGTH(sizeof(*d)))
			continue;
		d = NLMSG_DATA(h);
		if (ntohs(d->id.idiag_sport) == port && d->idiag_inode != 0 && *n < max)
			inodes[(*n)++] = d->idiag_inode;
	}
	return 0;
}

/* One dump of the listening TCP sockets of family into inodes, as for
 * diag_listen_inodes: 0 when it is whole, 1 when the kernel marked it
 * inconsistent (NLM_F_DUMP_INTR: sockets came or went while it was made), -1
 * when the kernel did not answer so, within a second for each read. */
static int diag_dump(int family, int port, unsigned long *inodes, size_t *n, size_t max)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 req;
	} msg;
	struct sockaddr_nl kernel;
	struct timeval tv = { 1, 0 };
	union {
		struct nlmsghdr h;
		char bytes[16384];
	} buf;
	int fd, len, rc = -1, done = 0, interrupted = 0;

	if ((fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG)) < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0)
		goto out;
	memset(&kernel, 0, sizeof(kernel));
	kernel.nl_family = AF_NETLINK;
	memset(&msg, 0, sizeof(msg));
	msg.nlh.nlmsg_len = sizeof(msg);
	msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	msg.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	msg.req.sdiag_family = (unsigned char)family;
	msg.req.sdiag_protocol = IPPROTO_TCP;
	msg.req.idiag_states = 1U << 10;	/* TCP_LISTEN */
	if (sendto(fd, &msg, sizeof(msg), 0, (struct sockaddr *)&kernel, sizeof(kernel)) !=
	    (ssize_t)sizeof(msg))
		goto out;
	while (done == 0) {
		len = (int)recv(fd, buf.bytes, sizeof(buf.bytes), 0);
		if (len < 0 && errno == EINTR)
			continue;
		if (len <= 0)
			goto out;
		done = sshd_diag_parse(buf.bytes, (size_t)len, port, inodes, n, max,
		    &interrupted);
	}
	if (done > 0)
		rc = interrupted;
out:
	close(fd);
	return rc;
}

/* Add the listening TCP sockets on port of one address family to inodes (*n
 * so far, at most max), from the kernel's socket diagnostics (NETLINK_SOCK_DIAG)
 * of podpass's network namespace: what /proc/net/tcp shows, without the walk
 * over the whole TCP hash table that every read of it costs (milliseconds, and
 * more on a machine with more memory). A dump the kernel marks inconsistent is
 * made again, once. -1, with *n as it was, when the kernel does not answer so. */
static int diag_listen_inodes(int family, int port, unsigned long *inodes, size_t *n,
    size_t max)
{
	size_t start = *n;
	int rc, tries;

	for (tries = 0; tries < 2; tries++) {
		*n = start;
		if ((rc = diag_dump(family, port, inodes, n, max)) != 1)
			break;
		log_debug("socket diagnostics: an inconsistent dump (sockets changed)");
	}
	if (rc != 0)
		*n = start;
	return rc == 0 ? 0 : -1;
}

size_t sshd_listen_inodes(pid_t pid, int port, unsigned long *inodes, size_t max)
{
	size_t n = 0;

	if (same_netns(pid) && diag_listen_inodes(AF_INET, port, inodes, &n, max) == 0) {
		if (diag_listen_inodes(AF_INET6, port, inodes, &n, max) != 0)
			n = scan_tcp_table(pid, "tcp6", port, inodes, n, max);
		return n;
	}
	n = scan_tcp_table(pid, "tcp", port, inodes, 0, max);
	return scan_tcp_table(pid, "tcp6", port, inodes, n, max);
}

/* Connect to addr:port, non-blocking with a deadline; returns the socket or -1. */
static int connect_with_deadline(const char *addr, int port, int timeout_ms)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	struct pollfd pfd;
	socklen_t slen;
	int fd, err = 0;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		slen = sizeof(*s4);
	} else if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		slen = sizeof(*s6);
	} else
		return -1;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&ss, slen) == 0)
		return fd;
	pfd.fd = fd;
	pfd.events = POLLOUT;
	slen = sizeof(err);
	if (errno != EINPROGRESS || poll(&pfd, 1, timeout_ms) != 1 ||
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &slen) != 0 || err != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* What sshd writes, instead of its banner, to a connection it accepts and drops at
 * once: past MaxStartups (a pod on a public address under a stream of bots'
 * connections) "Exceeded MaxStartups" up to OpenSSH 8.x, and from 9.8 on "Not
 * allowed at this time", also for a source address that PerSourcePenalties refuses
 * for a while. It comes from the listener itself, so a busy sshd's drop counts as an
 * answer: taking it for silence would roll back a working change for as long as the
 * load lasts. But not after a session process of the same listener ended before key
 * exchange (a config that breaks sessions): from 9.8 on that earns podpass's address
 * a penalty (90 s for a crash), and every later connection gets the same message,
 * so then only a key exchange counts (wait_listening). (A bare close without a word,
 * as OpenSSH 9.0 to 9.7 drop, is no answer: a session process that dies at once,
 * sshd's own /run/sshd missing say, looks the same.) */
static const char *const sshd_drop_messages[] = {
	"Not allowed at this time", "Exceeded MaxStartups",
};

/* The drop message buf (got bytes) begins with, or -1 when none; -2 while buf is
 * still a proper prefix of one. */
static int drop_message(const char *buf, size_t got)
{
	size_t i, n;
	int partial = 0;

	for (i = 0; i < sizeof(sshd_drop_messages) / sizeof(sshd_drop_messages[0]); i++) {
		n = strlen(sshd_drop_messages[i]);
		if (got >= n && memcmp(buf, sshd_drop_messages[i], n) == 0)
			return (int)i;
		if (got < n && memcmp(buf, sshd_drop_messages[i], got) == 0)
			partial = 1;
	}
	return partial ? -2 : -1;
}

/* Read from fd into buf (cap bytes, *got so far) until done(buf, *got) says so,
 * the peer closes, or the deadline passes. 1 when it ended because the peer
 * closed (or the read failed), else 0. */
static int probe_read(int fd, char *buf, size_t cap, size_t *got, long long deadline,
    int (*done)(const char *, size_t))
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t r;

	while (*got < cap && !done(buf, *got) && now_ms() < deadline) {
		if (poll(&pfd, 1, (int)(deadline - now_ms())) != 1)
			return 0;
		r = read(fd, buf + *got, cap - *got);
		if (r <= 0)
			return 1;
		*got += (size_t)r;
	}
	return 0;
}

/* A whole first line, or a drop message, or text that can become neither. */
static int first_line_done(const char *buf, size_t got)
{
	if (got > 0 && memchr(buf, '\n', got) != NULL)
		return 1;
	if (memcmp(buf, "SSH-2.0-", got < 8 ? got : 8) == 0)
		return 0;
	return drop_message(buf, got) != -2;
}

/* The first 6 bytes of sshd's first binary packet, after its banner line:
 * uint32 length, byte padding length, byte message number. */
static int first_packet_done(const char *buf, size_t got)
{
	const char *eol = memchr(buf, '\n', got);

	return eol != NULL && (size_t)(eol + 1 - buf) + 6 <= got;
}

/* How addr:port answers within timeout_ms: SSHD_PROBE_KEX as a working sshd does,
 * SSHD_PROBE_DROPPED with a drop message (*drop, then), SSHD_PROBE_NO_KEX for a
 * connection that ends or says something else before a key exchange,
 * SSHD_PROBE_STALLED for one still open with no key exchange when the time is up
 * (slow, not known to be dead), SSHD_PROBE_NO_CONNECT when it cannot be reached.
 * A banner is not enough: OpenSSH 10 sends it from the session process and only
 * then starts sshd-auth for the key exchange, which can still fail (a config too
 * large to hand over is one way), and then every login fails. So the probe sends
 * its own version line and waits for sshd's first key exchange packet
 * (SSH_MSG_KEXINIT, 20), then hangs up. */
static enum sshd_probe_result probe_one(const char *addr, int port, int timeout_ms,
    const char **drop)
{
	static const char ident[] = "SSH-2.0-podpass_probe\r\n";
	char buf[1024];
	size_t got = 0, off;
	long long deadline = now_ms() + timeout_ms;
	int fd = connect_with_deadline(addr, port, timeout_ms), d;
	enum sshd_probe_result rc = SSHD_PROBE_NO_KEX;
	const char *eol;
	int closed;

	if (fd < 0)
		return SSHD_PROBE_NO_CONNECT;
	closed = probe_read(fd, buf, sizeof(buf), &got, deadline, first_line_done);
	if ((d = drop_message(buf, got)) >= 0) {
		log_debug("sshd on %s port %d dropped the connection: \"%s\"", addr, port,
		    sshd_drop_messages[d]);
		*drop = sshd_drop_messages[d];
		rc = SSHD_PROBE_DROPPED;
	} else if (got >= 8 && memcmp(buf, "SSH-2.0-", 8) == 0 &&
	    memchr(buf, '\n', got) != NULL &&
	    send(fd, ident, sizeof(ident) - 1, MSG_NOSIGNAL) == (ssize_t)sizeof(ident) - 1) {
		closed = probe_read(fd, buf, sizeof(buf), &got, deadline, first_packet_done);
		eol = memchr(buf, '\n', got);
		off = (size_t)(eol + 1 - buf);
		if (first_packet_done(buf, got) && (unsigned char)buf[off + 5] == 20)
			rc = SSHD_PROBE_KEX;
		else if (!closed && !first_packet_done(buf, got))
			rc = SSHD_PROBE_STALLED;
		else
			log_debug("sshd on %s port %d sent its banner but no key exchange",
			    addr, port);
	} else if (!closed && got < sizeof(buf) && first_line_done(buf, got) == 0)
		rc = SSHD_PROBE_STALLED;	/* nothing, or part of a banner, so far */
	else
		log_debug("sshd on %s port %d accepted a connection but sent no banner "
		    "(%zu bytes)", addr, port, got);
	if (rc == SSHD_PROBE_STALLED)
		log_debug("sshd on %s port %d: no key exchange within %d ms, the connection "
		    "still open", addr, port, timeout_ms);
	close(fd);
	return rc;
}

enum sshd_probe_result sshd_probe(const struct sshd_listen *l, int timeout_ms,
    const char **drop)
{
	enum sshd_probe_result best = SSHD_PROBE_NO_CONNECT, r;
	const char *said = NULL;
	size_t i;

	for (i = 0; i < l->naddr && best != SSHD_PROBE_KEX; i++) {
		r = probe_one(l->addr[i], l->port, timeout_ms, &said);
		if (r > best)
			best = r;
	}
	if (drop != NULL)
		*drop = said;
	return best;
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
static int all_owned_by(pid_t pid, const unsigned long *v, size_t n)
{
	return count_owned_by(pid, v, n) == n;
}

/* 1 when pid holds a listening socket on port: the listener, not a session
 * whose listener went away. */
static int holds_listen_socket(pid_t pid, int port)
{
	unsigned long v[16];
	size_t n = sshd_listen_inodes(pid, port, v, 16);

	return n > 0 && count_owned_by(pid, v, n) > 0;
}

/* 1 when none of cur's inodes is among old's. */
static int all_new(const unsigned long *cur, size_t ncur, const unsigned long *old,
    size_t nold)
{
	size_t i, j;

	for (i = 0; i < ncur; i++)
		for (j = 0; j < nold; j++)
			if (cur[i] == old[j])
				return 0;
	return 1;
}

/* The delay between probes once a probe of the new listener connected and got no
 * key exchange: from PROBE_BACKOFF_MIN_MS, doubling up to PROBE_BACKOFF_MAX_MS.
 * Each such connection costs sshd a session process and, from OpenSSH 9.8 on,
 * podpass's address a penalty, so it is not repeated every POLL_STEP_MS. */
#define PROBE_BACKOFF_MIN_MS 10
#define PROBE_BACKOFF_MAX_MS 250

/* What the probes of one new listener found so far. */
struct probe_track {
	int no_kex;		/* one connected and got no key exchange */
	const char *dropped;	/* the drop message one got after that, or NULL */
	int backoff_ms;		/* the delay before the next probe, once no_kex */
};

/* 1 when probe result r (with drop message drop) counts as sshd answering. A drop
 * message counts only until a probe of this listener connects and gets no key
 * exchange: from OpenSSH 9.8 on, a session process that dies so earns the address a
 * penalty, and every later connection gets "Not allowed at this time", which must
 * not pass for a working sshd. */
static int probe_answered(struct probe_track *t, enum sshd_probe_result r,
    const char *drop, int port)
{
	if (r == SSHD_PROBE_KEX)
		return 1;
	if (r == SSHD_PROBE_DROPPED && !t->no_kex) {
		log_warn("sshd on port %d is busy: it accepts new connections and drops "
		    "them (\"%s\": MaxStartups, or PerSourcePenalties for this address); "
		    "logins may have to wait until the load passes", port, drop);
		return 1;
	}
	if (t->no_kex)
		t->backoff_ms = t->backoff_ms * 2 < PROBE_BACKOFF_MAX_MS ?
		    t->backoff_ms * 2 : PROBE_BACKOFF_MAX_MS;
	else if (r == SSHD_PROBE_NO_KEX) {
		t->no_kex = 1;
		t->backoff_ms = PROBE_BACKOFF_MIN_MS;
	}
	if (t->no_kex && drop != NULL)
		t->dropped = drop;
	return 0;
}

/* Why wait_listening gave up on pid. */
static void wait_cause(pid_t pid, const struct sshd_listen *l, int foreign,
    const struct probe_track *t, int timeout_ms, char **cause)
{
	if (foreign)
		set_cause(cause, "another program listens on port %d, so sshd (pid %ld) "
		    "cannot serve it", l->port, (long)pid);
	else if (t->no_kex && t->dropped != NULL)
		set_cause(cause, "sshd (pid %ld) accepted connections on port %d, but its "
		    "session processes ended before key exchange, then it refused further "
		    "connections (\"%s\"), so no login would work; see its log (journal, "
		    "/var/log/auth.log)", (long)pid, l->port, t->dropped);
	else if (t->no_kex)
		set_cause(cause, "sshd (pid %ld) accepted connections on port %d, but its "
		    "session processes ended before key exchange, so no login would work; "
		    "see its log (journal, /var/log/auth.log)", (long)pid, l->port);
	else
		set_cause(cause, "sshd (pid %ld) did not answer on port %d within %d ms",
		    (long)pid, l->port, timeout_ms);
}

/* Wait until pid listens on l->port on sockets not in old, no other program
 * listens on that port, and the listener answers (probe_answered). */
static int wait_listening(pid_t pid, const struct sshd_listen *l,
    const unsigned long *old, size_t nold, int timeout_ms, char **cause)
{
	long long deadline = now_ms() + timeout_ms, left;
	struct probe_track t = { 0, NULL, 0 };
	enum sshd_probe_result r;
	unsigned long cur[16];
	const char *drop;
	size_t ncur;
	int foreign = 0, step;

	while ((left = deadline - now_ms()) > 0) {
		if (kill(pid, 0) != 0 || !is_listener(pid)) {
			set_cause(cause, "sshd (pid %ld) exited; see its log "
			    "(journal, /var/log/auth.log, or run sshd -t)", (long)pid);
			return EX_UNAVAILABLE;
		}
		ncur = sshd_listen_inodes(pid, l->port, cur, 16);
		foreign = ncur > 0 && !all_owned_by(pid, cur, ncur);
		if (ncur > 0 && !foreign && all_new(cur, ncur, old, nold)) {
			r = sshd_probe(l, left < 1000 ? (int)left : 1000, &drop);
			if (probe_answered(&t, r, drop, l->port))
				return 0;
		}
		step = t.no_kex ? t.backoff_ms : POLL_STEP_MS;
		if ((left = deadline - now_ms()) > 0)
			sleep_ms(step < left ? step : (int)left);
	}
	wait_cause(pid, l, foreign, &t, timeout_ms, cause);
	return EX_UNAVAILABLE;
}

int sshd_wait_listener(const struct sshd_ctx *ctx, pid_t pid, int port, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;

	while (pid > 0 && now_ms() < deadline) {
		if (kill(pid, 0) != 0 || !is_our_listener(ctx, pid))
			return -1;
		if (holds_listen_socket(pid, port))
			return 0;
		sleep_ms(POLL_STEP_MS);
	}
	return -1;
}

int sshd_reload(pid_t pid, const struct sshd_listen *l, int timeout_ms, char **cause)
{
	unsigned long old[16];
	size_t nold = sshd_listen_inodes(pid, l->port, old, 16);

	if (kill(pid, SIGHUP) != 0) {
		set_cause(cause, "cannot signal sshd (pid %ld): %s", (long)pid, strerror(errno));
		return EX_OSERR;
	}
	return wait_listening(pid, l, old, nold, timeout_ms, cause);
}

/* 1 when systemd manages this system (and so should start sshd). */
static int systemd_runs(const struct sshd_ctx *ctx)
{
	struct stat st;

	return strcmp(ctx->root, "/") == 0 && stat("/run/systemd/system", &st) == 0 &&
	    S_ISDIR(st.st_mode) && access("/bin/systemctl", X_OK) == 0;
}

/* Start sshd through systemd: the unit is "ssh" on Debian/Ubuntu, else "sshd". */
static int start_with_systemd(char **cause)
{
	char *argv[] = { "/bin/systemctl", "start", "ssh.service", NULL };

	log_verbose("starting sshd with systemctl");
	if (run_checked("/", argv, "systemctl start ssh.service", cause) == 0)
		return 0;
	argv[2] = "sshd.service";
	return run_checked("/", argv, "systemctl start sshd.service", cause) == 0 ? 0 :
	    EX_UNAVAILABLE;
}

/* Start the sshd binary itself; it detaches on its own. */
static int start_binary(const struct sshd_ctx *ctx, char **cause)
{
	char *argv[4] = { (char *)ctx->sshd_path, NULL, NULL, NULL };

	if (strcmp(ctx->config_path, "/etc/ssh/sshd_config") != 0) {
		argv[1] = "-f";
		argv[2] = (char *)ctx->config_path;
	}
	log_verbose("starting %s", ctx->sshd_path);
	return run_checked(ctx->root, argv, "starting sshd", cause) == 0 ? 0 :
	    EX_UNAVAILABLE;
}

int sshd_start(const struct sshd_ctx *ctx, const char *pidfile, const struct sshd_listen *l,
    int timeout_ms, char **cause)
{
	long long deadline = now_ms() + timeout_ms;
	int rc;
	pid_t pid;

	rc = systemd_runs(ctx) ? start_with_systemd(cause) : start_binary(ctx, cause);
	if (rc != 0)
		return rc;
	while (now_ms() < deadline) {
		pid = sshd_pidfile_pid(ctx, pidfile);
		if (pid > 0 && is_listener(pid))
			return wait_listening(pid, l, NULL, 0, (int)(deadline - now_ms()),
			    cause);
		sleep_ms(POLL_STEP_MS);
	}
	set_cause(cause, "sshd did not start within %d ms (no listener in %s)", timeout_ms,
	    pidfile);
	return EX_UNAVAILABLE;
}

int sshd_stop(pid_t pid, int timeout_ms, char **cause)
{
	long long deadline = now_ms() + timeout_ms;

	if (pid == 1) {
		set_cause(cause, "sshd is the container's first process (pid 1): stopping it "
		    "would end the container");
		return EX_UNAVAILABLE;
	}
	if (kill(pid, SIGTERM) != 0) {
		set_cause(cause, "cannot stop sshd (pid %ld): %s", (long)pid, strerror(errno));
		return EX_OSERR;
	}
	while (now_ms() < deadline) {
		if (!is_listener(pid))
			return 0;
		sleep_ms(POLL_STEP_MS);
	}
	set_cause(cause, "sshd (pid %ld) did not stop within %d ms", (long)pid, timeout_ms);
	return EX_UNAVAILABLE;
}

int sshd_files_loader(void *ctx, const char *pattern, struct sshd_source **files,
    size_t *n, char **cause)
{
	const char *root = ctx;
	char *full = path_under_root(root, pattern);
	size_t i, skip = strcmp(root, "/") == 0 ? 0 : strlen(full) - strlen(pattern);
	struct sshd_source *v;
	glob_t g;
	int rc = 0, gr;

	*files = NULL;
	*n = 0;
	gr = glob(full, 0, NULL, &g);
	free(full);
	if (gr == GLOB_NOMATCH)
		return 0;
	if (gr != 0) {
		set_cause(cause, "Include %s: cannot expand the pattern", pattern);
		return EX_IOERR;
	}
	v = xcalloc(g.gl_pathc, sizeof(*v));
	for (i = 0; i < g.gl_pathc && rc == 0; i++) {
		v[i].path = xstrdup(g.gl_pathv[i] + skip);
		rc = atomic_read(g.gl_pathv[i], ATOMIC_MAX_FILE, &v[i].data, &v[i].len,
		    NULL, cause);
	}
	if (rc != 0) {
		sshd_sources_free(v, g.gl_pathc);
		v = NULL;
	}
	*files = v;
	*n = rc == 0 ? g.gl_pathc : 0;
	globfree(&g);
	return rc;
}
