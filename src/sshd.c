/* sshd and ssh-keygen as programs: validate a config and read its effective
 * settings, create host keys and the run directory, parse the listen
 * addresses, start, reload or stop the listener and wait until it answers.
 *
 * Must never: signal a process that is not the sshd listener, or call sshd
 * ready before its listener answers with a key exchange. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "listener.h"
#include "log.h"
#include "probe.h"
#include "proc.h"
#include "sockets.h"
#include "sshd.h"
#include "sshd_config.h"
#include "trust.h"
#include "util.h"

/* Between two looks at a restarting sshd: its sockets come from the kernel's socket
 * diagnostics, a few microseconds each, so a short step costs nothing. */
#define POLL_STEP_MS 2

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
    struct proc_child *ch, char **cause)
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
	rc = proc_run_start(ctx->root, argv, ch, cause);
	free(argv);
	return rc;
}

int sshd_effective_finish(struct proc_child *ch, char **dump, char **cause)
{
	char *out = NULL, *err = NULL;
	int status;

	proc_run_finish(ch, &out, &err, &status);
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
	struct proc_child ch;
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

int sshd_make_host_keys(const struct sshd_ctx *ctx, char **cause)
{
	char *argv[] = { PODPASS_SSH_KEYGEN_PATH, "-A", NULL };

	log_info("creating sshd's missing host keys (ssh-keygen -A)");
	return proc_run_checked(ctx->root, argv, "ssh-keygen -A", cause);
}

int sshd_make_throwaway_key(const char *workdir, char **keypath, char **cause)
{
	char *path = xasprintf("%s/throwaway_host_key", workdir);
	char *argv[] = { PODPASS_SSH_KEYGEN_PATH, "-q", "-t", "ed25519", "-N", "",
	    "-C", "podpass-check", "-f", path, NULL };
	int rc;

	rc = proc_run_checked("/", argv, "ssh-keygen (throwaway key)", cause);
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

/* EX_UNAVAILABLE with *cause saying that sshd pid exited. */
static int exited_cause(pid_t pid, char **cause)
{
	set_cause(cause, "sshd (pid %ld) exited; see its log (journal, /var/log/auth.log, "
	    "or run sshd -t)", (long)pid);
	return EX_UNAVAILABLE;
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

/* How long a listener that went away may take to come back under another pid. */
#define SUCCESSOR_GRACE_MS 5000

/* Which listener to wait for, and how to find the one that takes its place. */
struct follow {
	const struct sshd_ctx *ctx;	/* NULL: only pid itself */
	const char *pidfile;		/* inside the root, or NULL */
	pid_t pid;			/* the listener now */
	long long gone_ms;		/* when pid went away, or 0 */
};

/* The listener that took pid's place: sshd restarted by SIGHUP re-executes
 * itself; where it does not then see itself as a daemon (musl's daemon() forks
 * twice, so the listener is not its session's leader and OpenSSH's daemonized()
 * says no), it detaches again and listens under a new pid, which it writes to
 * its PidFile. That pid, or the holder of the port's listening sockets, when it
 * is podpass's sshd (sshd_is_our_listener); 0 while there is none. */
static pid_t successor(const struct follow *f, int port)
{
	struct sshd_listener l;
	pid_t p = 0;

	if (f->pidfile != NULL) {
		p = sshd_pidfile_pid(f->ctx, f->pidfile);
		return p != f->pid && sshd_is_our_listener(f->ctx, p) ? p : 0;
	}
	if (sshd_find_listener(f->ctx, NULL, port, &l, NULL) == 0 && l.pid != f->pid)
		p = l.pid;
	sshd_listener_free(&l);
	return p;
}

/* 1 while f's listener runs, or another has taken its place (f->pid then names
 * it); 0 when it is gone and, after SUCCESSOR_GRACE_MS, none came instead. */
static int still_there(struct follow *f, int port)
{
	pid_t next;

	if (kill(f->pid, 0) == 0 && sshd_is_listener(f->pid))
		return 1;
	if (f->ctx == NULL)
		return 0;
	if ((next = successor(f, port)) > 0) {
		log_verbose("sshd (pid %ld) went on as pid %ld (it detached again after "
		    "re-executing)", (long)f->pid, (long)next);
		f->pid = next;
		f->gone_ms = 0;
		return 1;
	}
	if (f->gone_ms == 0)
		f->gone_ms = now_ms();
	return now_ms() - f->gone_ms < SUCCESSOR_GRACE_MS;
}

/* Wait until f's listener listens on l->port on sockets not in old, no other
 * program listens on that port, and the listener answers (probe_answered). */
static int wait_listening(struct follow *f, const struct sshd_listen *l,
    const unsigned long *old, size_t nold, int timeout_ms, char **cause)
{
	long long deadline = now_ms() + timeout_ms, left;
	struct probe_track t = { 0, NULL, 0 };
	enum sshd_probe_result r;
	unsigned long cur[16];
	const char *drop;
	pid_t first = f->pid;
	size_t ncur;
	int foreign = 0, step;

	while ((left = deadline - now_ms()) > 0) {
		if (!still_there(f, l->port))
			return exited_cause(first, cause);
		ncur = f->gone_ms != 0 ? 0 : sockets_listen_inodes(f->pid, l->port, cur, 16);
		foreign = ncur > 0 && !sshd_holds_all(f->pid, cur, ncur);
		if (ncur > 0 && !foreign && all_new(cur, ncur, old, nold)) {
			r = sshd_probe(l, left < 1000 ? (int)left : 1000, &drop);
			if (probe_answered(&t, r, drop, l->port))
				return 0;
		}
		step = t.no_kex ? t.backoff_ms : POLL_STEP_MS;
		if ((left = deadline - now_ms()) > 0)
			sleep_ms(step < left ? step : (int)left);
	}
	wait_cause(f->pid, l, foreign, &t, timeout_ms, cause);
	return EX_UNAVAILABLE;
}

int sshd_wait_listener(const struct sshd_ctx *ctx, pid_t pid, int port, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;

	while (pid > 0 && now_ms() < deadline) {
		if (kill(pid, 0) != 0 || !sshd_is_our_listener(ctx, pid))
			return -1;
		if (sshd_holds_listen_socket(pid, port))
			return 0;
		sleep_ms(POLL_STEP_MS);
	}
	return -1;
}

/* Wait until pid catches SIGHUP (sshd_catches_hup), until deadline. A SIGHUP
 * that is pending as well needs no wait: the handler gets it, and the restart it
 * makes reads sshd_config after podpass wrote it, as one podpass sends would. */
static int wait_catches_hup(pid_t pid, long long deadline, int timeout_ms, char **cause)
{
	while (!sshd_catches_hup(pid)) {
		if (kill(pid, 0) != 0 || !sshd_is_listener(pid))
			return exited_cause(pid, cause);
		if (now_ms() >= deadline) {
			set_cause(cause, "sshd (pid %ld) did not catch SIGHUP within %d ms (a "
			    "restarting sshd ignores it until it listens again), so it was not "
			    "signalled: it would have lost the signal", (long)pid, timeout_ms);
			return EX_UNAVAILABLE;
		}
		sleep_ms(POLL_STEP_MS);
	}
	return 0;
}

int sshd_reload(const struct sshd_ctx *ctx, const char *pidfile, pid_t *pid,
    const struct sshd_listen *l, int timeout_ms, char **cause)
{
	long long deadline = now_ms() + timeout_ms, left;
	struct follow f = { ctx, pidfile, *pid, 0 };
	unsigned long old[16];
	size_t nold;
	int rc;

	if ((rc = wait_catches_hup(*pid, deadline, timeout_ms, cause)) != 0)
		return rc;
	nold = sockets_listen_inodes(*pid, l->port, old, 16);
	if (kill(*pid, SIGHUP) != 0) {
		set_cause(cause, "cannot signal sshd (pid %ld): %s", (long)*pid, strerror(errno));
		return EX_OSERR;
	}
	left = deadline - now_ms();
	rc = wait_listening(&f, l, old, nold, left > 1 ? (int)left : 1, cause);
	if (rc == 0)
		*pid = f.pid;
	return rc;
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
	if (proc_run_checked("/", argv, "systemctl start ssh.service", cause) == 0)
		return 0;
	argv[2] = "sshd.service";
	return proc_run_checked("/", argv, "systemctl start sshd.service", cause) == 0 ? 0 :
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
	return proc_run_checked(ctx->root, argv, "starting sshd", cause) == 0 ? 0 :
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
		if (pid > 0 && sshd_is_listener(pid)) {
			struct follow f = { ctx, pidfile, pid, 0 };

			return wait_listening(&f, l, NULL, 0, (int)(deadline - now_ms()),
			    cause);
		}
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
		if (!sshd_is_listener(pid))
			return 0;
		sleep_ms(POLL_STEP_MS);
	}
	set_cause(cause, "sshd (pid %ld) did not stop within %d ms", (long)pid, timeout_ms);
	return EX_UNAVAILABLE;
}
