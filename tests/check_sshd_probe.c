/* sshd_probe against a real listening socket on loopback, served by a forked
 * child that answers as a given sshd would (or not at all) and closes; sshd_reload
 * and sshd_find_listener against a child that stands in for an sshd listener;
 * sockets_diag_parse on netlink replies made here. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sockios.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "check_suites.h"
#include "listener.h"
#include "probe.h"
#include "sockets.h"
#include "sshd.h"

struct server {
	pid_t pid;
	int port;
};

/* A listening socket on addr (IPv4), port (0: a free one); *port is set to it. */
static int listen_tcp4(const char *addr, int *port)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)*port);
	ck_assert_int_eq(inet_pton(AF_INET, addr, &sin.sin_addr), 1);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(fd, 16), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

/* Whether serve_once_at's child keeps the connection open, once it has written,
 * until it is killed (server_end). */
static int hold_open;

/* The receive queue of the TCP socket on 127.0.0.x port lport connected to port
 * rport, from /proc/net/tcp; -1 when there is none (closed). */
static long rx_queue(unsigned int lport, unsigned int rport)
{
	FILE *f = fopen("/proc/net/tcp", "r");
	char line[512];
	unsigned int lp, rp;
	unsigned long txq, rxq;
	long found = -1;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, " %*d: %*x:%x %*x:%x %*x %lx:%lx", &lp, &rp, &txq, &rxq) == 4 &&
		    lp == lport && rp == rport)
			found = (long)rxq;
	fclose(f);
	return found;
}

/* In a server child: wait until the client of connection c has read all that was
 * written to it (nothing left unacknowledged on c, nothing in the client's receive
 * queue), so that what is written next comes to it as a piece of its own. At most
 * 30 s; the server gives up then. */
static void wait_read_by_client(int c)
{
	struct sockaddr_in me, peer;
	socklen_t len = sizeof(me), plen = sizeof(peer);
	int i, outq;
	long rxq;

	if (getsockname(c, (struct sockaddr *)&me, &len) != 0 ||
	    getpeername(c, (struct sockaddr *)&peer, &plen) != 0)
		_exit(1);
	for (i = 0; i < 30000; i++) {
		rxq = rx_queue(ntohs(peer.sin_port), ntohs(me.sin_port));
		if (ioctl(c, SIOCOUTQ, &outq) == 0 && outq == 0 && rxq <= 0)
			return;
		usleep(1000);
	}
	fprintf(stderr, "test server: the client did not read the first piece in 30 s\n");
	_exit(1);
}

/* Listen on addr, port (0: a free one); a child accepts one connection, writes first
 * (in two halves, the second once the client has read the first, to test answers
 * that come in pieces), then, when after is not NULL, reads the client's version
 * line and writes after's n bytes; then closes (or holds, hold_open). */
static struct server serve_once_at(const char *addr, int port, const char *first,
    const char *after, size_t n)
{
	struct server s;
	int fd, c;
	size_t half = strlen(first) / 2;
	char ch;

	s.port = port;
	fd = listen_tcp4(addr, &s.port);
	s.pid = fork();
	ck_assert_int_ge(s.pid, 0);
	if (s.pid == 0) {
		if ((c = accept(fd, NULL, NULL)) < 0)
			_exit(1);
		if (half > 0 && write(c, first, half) != (ssize_t)half)
			_exit(1);
		if (half > 0)
			wait_read_by_client(c);
		if (write(c, first + half, strlen(first) - half) < 0)
			_exit(1);
		if (after != NULL) {
			do {
				if (read(c, &ch, 1) != 1)
					_exit(1);
			} while (ch != '\n');
			if (write(c, after, n) != (ssize_t)n)
				_exit(1);
		}
		while (hold_open)
			pause();
		close(c);
		_exit(0);
	}
	close(fd);
	return s;
}

/* serve_once_at on 127.0.0.1, a free port. */
static struct server serve_once(const char *first, const char *after, size_t n)
{
	return serve_once_at("127.0.0.1", 0, first, after, n);
}

/* Stop a server of serve_once_at and reap it. */
static void server_end(struct server s)
{
	int status;

	kill(s.pid, SIGKILL);
	waitpid(s.pid, &status, 0);
}

static const char *last_drop;

/* sshd_probe of 127.0.0.1 served by serve_once; its drop message in last_drop. */
static enum sshd_probe_result probe_with(const char *first, const char *after, size_t n)
{
	struct sshd_listen l;
	struct server s = serve_once(first, after, n);
	enum sshd_probe_result rc;

	memset(&l, 0, sizeof(l));
	snprintf(l.addr[0], sizeof(l.addr[0]), "127.0.0.1");
	l.naddr = 1;
	l.port = s.port;
	rc = sshd_probe(&l, 30000, &last_drop);
	server_end(s);
	return rc;
}

static enum sshd_probe_result probe(const char *first)
{
	return probe_with(first, NULL, 0);
}

#define BANNER "SSH-2.0-OpenSSH_10.0p2 Debian-7+deb13u4\r\n"
/* The start of a binary packet: length 12, padding 4, SSH_MSG_KEXINIT (20). */
static const char kexinit[] = { 0, 0, 0, 12, 4, 20, 1, 2, 3, 4, 5, 6 };
/* The same with SSH_MSG_DISCONNECT (1). */
static const char disconnect[] = { 0, 0, 0, 12, 4, 1, 1, 2, 3, 4, 5, 6 };

START_TEST(banner_and_kexinit_answer)
{
	ck_assert_int_eq(probe_with(BANNER, kexinit, sizeof(kexinit)), SSHD_PROBE_KEX);
	ck_assert_ptr_null(last_drop);
}
END_TEST

/* OpenSSH 10 with a config too large to hand to sshd-auth: the banner comes, then
 * the connection ends before any key exchange, and so does every login. */
START_TEST(banner_alone_is_no_answer)
{
	ck_assert_int_eq(probe(BANNER), SSHD_PROBE_NO_KEX);
	ck_assert_int_eq(probe_with(BANNER, disconnect, sizeof(disconnect)), SSHD_PROBE_NO_KEX);
	ck_assert_int_eq(probe_with(BANNER, kexinit, 5), SSHD_PROBE_NO_KEX);
}
END_TEST

/* OpenSSH 9.8 and later, past MaxStartups or PerSourcePenalties. */
START_TEST(not_allowed_answers)
{
	ck_assert_int_eq(probe("Not allowed at this time\r\n"), SSHD_PROBE_DROPPED);
	ck_assert_str_eq(last_drop, "Not allowed at this time");
}
END_TEST

/* OpenSSH 8.x past MaxStartups. */
START_TEST(exceeded_maxstartups_answers)
{
	ck_assert_int_eq(probe("Exceeded MaxStartups\r\n"), SSHD_PROBE_DROPPED);
	ck_assert_str_eq(last_drop, "Exceeded MaxStartups");
}
END_TEST

/* A connection closed without a word: a session process that dies at once. It
 * connected, which nothing listening is not. */
/* A connection still open with no key exchange when the probe's time is up is a
 * stall, not a session that ended: slow (a busy machine), not known to be dead, so
 * it must not make a later drop message count for nothing. */
START_TEST(stall_is_not_a_dead_session)
{
	static const char *const firsts[] = { "", "SSH-2.0-Open", BANNER };
	struct sshd_listen l;
	struct server s;
	size_t i;

	for (i = 0; i < sizeof(firsts) / sizeof(firsts[0]); i++) {
		hold_open = 1;
		s = serve_once(firsts[i], NULL, 0);
		hold_open = 0;
		memset(&l, 0, sizeof(l));
		snprintf(l.addr[0], sizeof(l.addr[0]), "127.0.0.1");
		l.naddr = 1;
		l.port = s.port;
		ck_assert_msg(sshd_probe(&l, 300, &last_drop) == SSHD_PROBE_STALLED,
		    "server writing \"%s\", then holding the connection: not a stall", firsts[i]);
		server_end(s);
	}
}
END_TEST

START_TEST(silence_is_no_answer)
{
	ck_assert_int_eq(probe(""), SSHD_PROBE_NO_KEX);
	ck_assert_ptr_null(last_drop);
}
END_TEST

START_TEST(other_text_is_no_answer)
{
	ck_assert_int_eq(probe("HTTP/1.1 400 Bad Request\r\n"), SSHD_PROBE_NO_KEX);
	ck_assert_int_eq(probe_with("SSH-1.5-old\r\n", kexinit, sizeof(kexinit)),
	    SSHD_PROBE_NO_KEX);
	ck_assert_int_eq(probe("Not allowed\r\n"), SSHD_PROBE_NO_KEX);
	ck_assert_int_eq(probe("SSH-2.0"), SSHD_PROBE_NO_KEX);
}
END_TEST

START_TEST(nothing_listening_is_no_answer)
{
	struct sshd_listen l;
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	/* A port that was free a moment ago and has no listener now. */
	ck_assert_int_ge(fd, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	memset(&l, 0, sizeof(l));
	snprintf(l.addr[0], sizeof(l.addr[0]), "127.0.0.1");
	l.naddr = 1;
	l.port = ntohs(sin.sin_port);
	ck_assert_int_eq(sshd_probe(&l, 500, NULL), SSHD_PROBE_NO_CONNECT);
	close(fd);
}
END_TEST

/* Several listen addresses (127.0.0.1 and 127.0.0.2 on one port): a key exchange on
 * any of them is the answer; else the most telling one, a session that ended before
 * key exchange before a drop, with the drop message still given. */
static enum sshd_probe_result probe_two(const char *first1, const char *first2,
    const char *after2, size_t n2)
{
	struct sshd_listen l;
	struct server s1 = serve_once(first1, NULL, 0);
	struct server s2 = serve_once_at("127.0.0.2", s1.port, first2, after2, n2);
	enum sshd_probe_result rc;

	memset(&l, 0, sizeof(l));
	snprintf(l.addr[0], sizeof(l.addr[0]), "127.0.0.1");
	snprintf(l.addr[1], sizeof(l.addr[1]), "127.0.0.2");
	l.naddr = 2;
	l.port = s1.port;
	rc = sshd_probe(&l, 30000, &last_drop);
	server_end(s1);
	server_end(s2);
	return rc;
}

START_TEST(several_addresses_most_telling)
{
	ck_assert_int_eq(probe_two("", BANNER, kexinit, sizeof(kexinit)), SSHD_PROBE_KEX);
	ck_assert_int_eq(probe_two("Not allowed at this time\r\n", "", NULL, 0),
	    SSHD_PROBE_NO_KEX);
	ck_assert_str_eq(last_drop, "Not allowed at this time");
	ck_assert_int_eq(probe_two("", "Exceeded MaxStartups\r\n", NULL, 0),
	    SSHD_PROBE_NO_KEX);
	ck_assert_str_eq(last_drop, "Exceeded MaxStartups");
}
END_TEST

/* A stand-in for an sshd listener: a child named "sshd" (so podpass takes it for
 * one) that listens on 127.0.0.1 and, on SIGHUP, closes that socket and listens on a
 * new one on the same port, as sshd re-executing itself does. It answers the
 * connections that come then, the ith as script[i] says (its last letter for all
 * later ones): 'k' a banner and, after the client's version line, SSH_MSG_KEXINIT;
 * 'c' a close without a word (a session process that dies); 'b' a banner, then a
 * close; 'd' "Not allowed at this time". It writes a byte to notes (the parent's end)
 * for each connection. */
struct fake_sshd {
	pid_t pid;
	int port;
	int notes;
};

/* In the fake's child: answer one connection c as kind says. */
static void fake_answer(int c, char kind)
{
	static const char drop[] = "Not allowed at this time\r\n";
	char ch;

	if (kind == 'd' && write(c, drop, sizeof(drop) - 1) < 0)
		_exit(1);
	if (kind != 'k' && kind != 'b')
		return;
	if (write(c, BANNER, strlen(BANNER)) < 0)
		_exit(1);
	if (kind == 'b')
		return;
	do {
		if (read(c, &ch, 1) != 1)
			return;
	} while (ch != '\n');
	if (write(c, kexinit, sizeof(kexinit)) < 0)
		_exit(1);
}

/* A SIGHUP handler that does nothing: the signal is taken with sigwaitinfo. */
static void on_hup(int sig)
{
	(void)sig;
}

/* The fake's child: named sshd, catching SIGHUP as sshd does (blocked, so that it
 * waits for it) and serving after it. */
static void fake_serve(int lfd, int port, const char *script, int ready, int notes)
{
	sigset_t hup;
	size_t i = 0;
	int c;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_NAME, "sshd");
	signal(SIGHUP, on_hup);
	sigemptyset(&hup);
	sigaddset(&hup, SIGHUP);
	if (write(ready, "r", 1) != 1)
		_exit(1);
	while (sigwaitinfo(&hup, NULL) < 0)
		;
	close(lfd);
	lfd = listen_tcp4("127.0.0.1", &port);
	for (;;) {
		if ((c = accept(lfd, NULL, NULL)) < 0)
			continue;
		if (write(notes, &script[i], 1) != 1)
			_exit(1);
		fake_answer(c, script[i]);
		close(c);
		if (script[i + 1] != '\0')
			i++;
	}
}

/* Start a fake that will serve script; it listens, named sshd, when this returns. */
static struct fake_sshd fake_start(const char *script)
{
	struct fake_sshd f;
	sigset_t hup, old;
	int ready[2], notes[2], lfd;
	char ch;

	f.port = 0;
	lfd = listen_tcp4("127.0.0.1", &f.port);
	ck_assert_int_eq(pipe(ready), 0);
	ck_assert_int_eq(pipe(notes), 0);
	sigemptyset(&hup);
	sigaddset(&hup, SIGHUP);
	sigprocmask(SIG_BLOCK, &hup, &old);
	f.pid = fork();
	ck_assert_int_ge(f.pid, 0);
	if (f.pid == 0) {
		close(ready[0]);
		close(notes[0]);
		fake_serve(lfd, f.port, script, ready[1], notes[1]);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(lfd);
	close(ready[1]);
	close(notes[1]);
	ck_assert_int_eq(read(ready[0], &ch, 1), 1);
	close(ready[0]);
	f.notes = notes[0];
	ck_assert_int_eq(fcntl(f.notes, F_SETFL, O_NONBLOCK), 0);
	return f;
}

/* End the fake; how many connections it got. */
static int fake_end(struct fake_sshd f)
{
	char buf[4096];
	ssize_t r;
	int n = 0, status;

	kill(f.pid, SIGKILL);
	waitpid(f.pid, &status, 0);
	while ((r = read(f.notes, buf, sizeof(buf))) > 0)
		n += (int)r;
	close(f.notes);
	return n;
}

/* sshd_reload of a fake serving script, within timeout_ms: its result, its cause
 * in *cause (malloc'd or NULL), the connections in *conns. */
static int reload_fake(const char *script, int timeout_ms, char **cause, int *conns)
{
	struct fake_sshd f = fake_start(script);
	struct sshd_listen l;
	int rc;

	memset(&l, 0, sizeof(l));
	snprintf(l.addr[0], sizeof(l.addr[0]), "127.0.0.1");
	l.naddr = 1;
	l.port = f.port;
	*cause = NULL;
	rc = sshd_reload(NULL, NULL, &f.pid, &l, timeout_ms, cause);
	*conns = fake_end(f);
	return rc;
}

/* A key exchange is an answer; so is a busy sshd's drop message, but only until a
 * probe of the new listener connected and got no key exchange: from OpenSSH 9.8 on,
 * a session process that dies so earns the address a penalty, and every later
 * connection from it gets "Not allowed at this time" (PerSourcePenalties). A key
 * exchange still is an answer then. */
START_TEST(reload_drop_answers_until_a_session_died)
{
	char *cause;
	int conns;

	ck_assert_int_eq(reload_fake("k", 60000, &cause, &conns), 0);
	ck_assert_int_eq(conns, 1);
	free(cause);
	ck_assert_int_eq(reload_fake("d", 60000, &cause, &conns), 0);
	ck_assert_int_eq(conns, 1);
	free(cause);

	ck_assert_int_eq(reload_fake("cd", 1500, &cause, &conns), EX_UNAVAILABLE);
	ck_assert_ptr_nonnull(cause);
	ck_assert_ptr_nonnull(strstr(cause, "session processes ended before key exchange"));
	ck_assert_ptr_nonnull(strstr(cause, "then it refused further connections"));
	ck_assert_ptr_nonnull(strstr(cause, "Not allowed at this time"));
	free(cause);
	ck_assert_int_eq(reload_fake("bd", 1500, &cause, &conns), EX_UNAVAILABLE);
	ck_assert_ptr_nonnull(strstr(cause, "ended before key exchange, then it refused"));
	free(cause);

	ck_assert_int_eq(reload_fake("cdk", 60000, &cause, &conns), 0);
	ck_assert_int_eq(conns, 3);
	free(cause);
}
END_TEST

/* After a probe that connected and got no key exchange, the next ones come at a
 * growing delay (10 ms doubling to 250 ms), not every few milliseconds: each costs
 * sshd a session process and, from OpenSSH 9.8 on, the address a penalty. Within
 * 1.5 s that is at most about 10 connections (fewer on a slow machine); every 2 ms
 * it would be hundreds. The probing goes on after dead sessions: a key exchange
 * after six of them is still the answer. How long it all takes is measured in
 * bench/, not here. */
START_TEST(reload_backs_off_after_dead_session)
{
	char *cause;
	int conns;

	ck_assert_int_eq(reload_fake("cccccck", 60000, &cause, &conns), 0);
	ck_assert_int_eq(conns, 7);
	free(cause);

	ck_assert_int_eq(reload_fake("c", 1500, &cause, &conns), EX_UNAVAILABLE);
	ck_assert_int_ge(conns, 1);
	ck_assert_int_le(conns, 16);
	ck_assert_ptr_nonnull(cause);
	ck_assert_ptr_nonnull(strstr(cause, "session processes ended before key exchange, so "
	    "no login would work"));
	free(cause);
}
END_TEST

/* sleep(1) by a link named sshd (a process name taken for sshd's), in a
 * directory of its own: made once, removed at exit. */
static char sleep_dir[] = "/tmp/check-hup.XXXXXX";
static char sleep_sshd[sizeof(sleep_dir) + 8];

static void remove_sleep_sshd(void)
{
	unlink(sleep_sshd);
	rmdir(sleep_dir);
}

static const char *sleep_as_sshd(void)
{
	if (sleep_sshd[0] == '\0') {
		ck_assert_ptr_nonnull(mkdtemp(sleep_dir));
		snprintf(sleep_sshd, sizeof(sleep_sshd), "%s/sshd", sleep_dir);
		ck_assert_int_eq(symlink("/bin/sleep", sleep_sshd), 0);
		atexit(remove_sleep_sshd);
	}
	return sleep_sshd;
}

/* A child named sshd with SIGHUP set to handler, held until it is killed; when
 * this returns, the disposition is set. Ignored or at its default, the child
 * execs sleep(1) (which keeps it): so the disposition is the kernel's, also
 * under valgrind, whose own handlers would otherwise show every signal caught. */
static pid_t hup_child(void (*handler)(int))
{
	int ready[2], plain = handler == SIG_IGN || handler == SIG_DFL;
	pid_t pid;
	char ch;

	const char *sleeper = plain ? sleep_as_sshd() : NULL;

	ck_assert_int_eq(pipe2(ready, O_CLOEXEC), 0);
	ck_assert_int_ge(pid = fork(), 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		prctl(PR_SET_NAME, "sshd");
		signal(SIGHUP, handler);
		if (plain) {
			execl(sleeper, "sshd", "1000", (char *)NULL);
			_exit(127);
		}
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(ready[1]);
	/* exec'd: the pipe closes without a byte; else the child's byte */
	ck_assert_int_eq(read(ready[0], &ch, 1), plain ? 0 : 1);
	close(ready[0]);
	return pid;
}

/* End a hup_child: 1 when it was still running (no signal ended it before). */
static int hup_child_end(pid_t pid)
{
	int status;

	kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
}

/* A process catches SIGHUP only with a handler: not when it ignores SIGHUP, as a
 * restarting sshd does until it listens again, nor with SIGHUP at its default. */
START_TEST(catches_hup_only_with_handler)
{
	pid_t ign = hup_child(SIG_IGN), dfl = hup_child(SIG_DFL), caught = hup_child(on_hup);

	ck_assert_int_eq(sshd_catches_hup(ign), 0);
	ck_assert_int_eq(sshd_catches_hup(dfl), 0);
	ck_assert_int_eq(sshd_catches_hup(caught), 1);
	ck_assert_int_eq(sshd_catches_hup(0), 0);
	ck_assert_int_eq(hup_child_end(ign), 1);
	ck_assert_int_eq(hup_child_end(dfl), 1);
	ck_assert_int_eq(hup_child_end(caught), 1);
}
END_TEST

/* sshd_reload does not signal a listener that ignores SIGHUP, where the signal
 * would be lost: when it never catches it, it fails naming its pid. */
START_TEST(reload_waits_for_hup_caught)
{
	pid_t ign = hup_child(SIG_IGN), dfl = hup_child(SIG_DFL);
	struct sshd_listen l;
	char *cause = NULL, want[64];

	memset(&l, 0, sizeof(l));
	snprintf(l.addr[0], sizeof(l.addr[0]), "127.0.0.1");
	l.naddr = 1;
	l.port = 22;
	ck_assert_int_eq(sshd_reload(NULL, NULL, &dfl, &l, 200, &cause), EX_UNAVAILABLE);
	ck_assert_ptr_nonnull(cause);
	snprintf(want, sizeof(want), "sshd (pid %ld) did not catch SIGHUP", (long)dfl);
	ck_assert_msg(strstr(cause, want) != NULL, "cause: %s", cause);
	free(cause);
	cause = NULL;
	ck_assert_int_eq(sshd_reload(NULL, NULL, &ign, &l, 200, &cause), EX_UNAVAILABLE);
	snprintf(want, sizeof(want), "sshd (pid %ld) did not catch SIGHUP", (long)ign);
	ck_assert_ptr_nonnull(strstr(cause, want));
	free(cause);
	ck_assert_int_eq(hup_child_end(dfl), 1);
	ck_assert_int_eq(hup_child_end(ign), 1);
}
END_TEST

/* A listener started without -f reads sshd's default file: podpass working on another
 * file must refuse (EX_CONFIG) as for a differing -f. The fake runs this test
 * program, named as the sshd binary here (/proc/self/exe), as root. */
START_TEST(find_listener_default_config)
{
	struct fake_sshd f = fake_start("k");
	struct sshd_ctx ctx = { "/", "/proc/self/exe", "/etc/ssh/sshd_config" };
	struct sshd_listener l;
	char *dir = test_tmpdir(), *pidfile = xasprintf("%s/sshd.pid", dir);
	char *other = xasprintf("%s/sshd_config", dir), *cause = NULL, pid[32];

	snprintf(pid, sizeof(pid), "%ld\n", (long)f.pid);
	test_write(pidfile, pid, strlen(pid));
	ck_assert_int_eq(sshd_find_listener(&ctx, pidfile, f.port, &l, &cause), 0);
	ck_assert_int_eq(l.pid, f.pid);
	sshd_listener_free(&l);

	ctx.config_path = other;
	ck_assert_int_eq(sshd_find_listener(&ctx, pidfile, f.port, &l, &cause), EX_CONFIG);
	ck_assert_int_eq(l.pid, 0);
	ck_assert_ptr_nonnull(cause);
	ck_assert_ptr_nonnull(strstr(cause, "reads /etc/ssh/sshd_config, not "));
	ck_assert_ptr_nonnull(strstr(cause, other));
	free(cause);
	fake_end(f);
	test_rmtree(dir);
	free(dir);
	free(pidfile);
	free(other);
}
END_TEST

/* A listener named sshd that runs another binary than the sshd podpass uses is not
 * sshd: refused (EX_UNAVAILABLE), named by pid, user and name, whether the pid file
 * names it or not, and never taken for the listener. */
START_TEST(find_listener_refuses_other_binary)
{
	struct fake_sshd f = fake_start("k");
	struct sshd_ctx ctx = { "/", "/bin/sh", "/etc/ssh/sshd_config" };
	struct sshd_listener l;
	char *dir = test_tmpdir(), *pidfile = xasprintf("%s/sshd.pid", dir);
	char *cause = NULL, pid[32], *want = xasprintf("pid %ld (user ", (long)f.pid);
	int i;

	snprintf(pid, sizeof(pid), "%ld\n", (long)f.pid);
	test_write(pidfile, pid, strlen(pid));
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(sshd_find_listener(&ctx, i == 0 ? pidfile : NULL, f.port, &l,
		    &cause), EX_UNAVAILABLE);
		ck_assert_int_eq(l.pid, 0);
		ck_assert_ptr_nonnull(cause);
		ck_assert_ptr_nonnull(strstr(cause, want));
		ck_assert_ptr_nonnull(strstr(cause, ", process sshd, running "));
		ck_assert_ptr_nonnull(strstr(cause, "nothing was changed"));
		free(cause);
		cause = NULL;
	}
	ck_assert_int_eq(sshd_wait_listener(&ctx, f.pid, f.port, 200), -1);
	fake_end(f);
	test_rmtree(dir);
	free(dir);
	free(pidfile);
	free(want);
}
END_TEST

/* When --sshd is a script (a wrapper), the binary it runs is unknown: a listener
 * named sshd run as root is taken. */
START_TEST(find_listener_wrapper_takes_root)
{
	static const char wrapper[] = "#!/bin/sh\nexec /usr/sbin/sshd \"$@\"\n";
	struct fake_sshd f = fake_start("k");
	struct sshd_ctx ctx = { "/", NULL, "/etc/ssh/sshd_config" };
	struct sshd_listener l;
	char *dir = test_tmpdir(), *pidfile = xasprintf("%s/sshd.pid", dir);
	char *script = xasprintf("%s/sshd-wrapper", dir), *cause = NULL, pid[32];

	snprintf(pid, sizeof(pid), "%ld\n", (long)f.pid);
	test_write(pidfile, pid, strlen(pid));
	test_write(script, wrapper, strlen(wrapper));
	ctx.sshd_path = script;
	ck_assert_int_eq(sshd_find_listener(&ctx, pidfile, f.port, &l, &cause), 0);
	ck_assert_int_eq(l.pid, f.pid);
	sshd_listener_free(&l);
	free(cause);
	fake_end(f);
	test_rmtree(dir);
	free(dir);
	free(pidfile);
	free(script);
}
END_TEST

/* Netlink messages for sockets_diag_parse. */
struct diag_reply {
	union {
		struct nlmsghdr h;
		char bytes[4096];
	} buf;
	size_t len;
};

/* Append a message of type and flags with n bytes of data to r. */
static void diag_add(struct diag_reply *r, int type, int flags, const void *data,
    size_t n)
{
	struct nlmsghdr *h = (struct nlmsghdr *)(r->buf.bytes + r->len);

	ck_assert_uint_le(r->len + NLMSG_SPACE(n), sizeof(r->buf.bytes));
	memset(h, 0, NLMSG_SPACE(n));
	h->nlmsg_len = NLMSG_LENGTH(n);
	h->nlmsg_type = (unsigned short)type;
	h->nlmsg_flags = (unsigned short)flags;
	memcpy(NLMSG_DATA(h), data, n);
	r->len += NLMSG_SPACE(n);
}

/* Append a listening IPv4 socket on port with inode to r. */
static void diag_add_socket(struct diag_reply *r, int flags, int port, unsigned int inode)
{
	struct inet_diag_msg d;

	memset(&d, 0, sizeof(d));
	d.idiag_family = AF_INET;
	d.idiag_state = 10;
	d.id.idiag_sport = htons((uint16_t)port);
	d.idiag_inode = inode;
	diag_add(r, SOCK_DIAG_BY_FAMILY, flags, &d, sizeof(d));
}

/* A dump comes in pieces: the sockets on the port, then NLMSG_DONE with 0. A
 * NLMSG_DONE that carries a negative error ends it in failure, as NLMSG_ERROR does:
 * the sockets read so far need not be all there are. */
START_TEST(diag_parse_done_ends_dump)
{
	struct diag_reply r;
	unsigned long v[8];
	size_t n = 0;
	int intr = 0, zero = 0, err = -EINTR;
	struct nlmsgerr e;

	memset(&r, 0, sizeof(r));
	diag_add_socket(&r, NLM_F_MULTI, 22, 111);
	diag_add_socket(&r, NLM_F_MULTI, 2222, 222);
	diag_add_socket(&r, NLM_F_MULTI, 22, 333);
	ck_assert_int_eq(sockets_diag_parse(r.buf.bytes, r.len, 22, v, &n, 8, &intr), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(v[0], 111);
	ck_assert_uint_eq(v[1], 333);
	memset(&r, 0, sizeof(r));
	diag_add(&r, NLMSG_DONE, NLM_F_MULTI, &zero, sizeof(zero));
	ck_assert_int_eq(sockets_diag_parse(r.buf.bytes, r.len, 22, v, &n, 8, &intr), 1);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(intr, 0);

	memset(&r, 0, sizeof(r));
	diag_add_socket(&r, NLM_F_MULTI, 22, 111);
	diag_add(&r, NLMSG_DONE, NLM_F_MULTI, &err, sizeof(err));
	ck_assert_int_eq(sockets_diag_parse(r.buf.bytes, r.len, 22, v, &n, 8, &intr), -1);

	memset(&r, 0, sizeof(r));
	memset(&e, 0, sizeof(e));
	e.error = -ENOENT;
	diag_add(&r, NLMSG_ERROR, 0, &e, sizeof(e));
	ck_assert_int_eq(sockets_diag_parse(r.buf.bytes, r.len, 22, v, &n, 8, &intr), -1);
}
END_TEST

/* NLM_F_DUMP_INTR on any message (here on one socket, then on NLMSG_DONE alone)
 * marks the dump inconsistent. */
START_TEST(diag_parse_interrupted)
{
	struct diag_reply r;
	unsigned long v[8];
	size_t n = 0;
	int intr = 0, zero = 0;

	memset(&r, 0, sizeof(r));
	diag_add_socket(&r, NLM_F_MULTI, 22, 111);
	diag_add_socket(&r, NLM_F_MULTI | NLM_F_DUMP_INTR, 22, 222);
	diag_add(&r, NLMSG_DONE, NLM_F_MULTI, &zero, sizeof(zero));
	ck_assert_int_eq(sockets_diag_parse(r.buf.bytes, r.len, 22, v, &n, 8, &intr), 1);
	ck_assert_int_eq(intr, 1);

	memset(&r, 0, sizeof(r));
	intr = 0;
	diag_add(&r, NLMSG_DONE, NLM_F_MULTI | NLM_F_DUMP_INTR, &zero, sizeof(zero));
	ck_assert_int_eq(sockets_diag_parse(r.buf.bytes, r.len, 22, v, &n, 8, &intr), 1);
	ck_assert_int_eq(intr, 1);
}
END_TEST

/* 1 when a socket can be bound to ::1 here (a build chroot may have no IPv6). */
static int have_ipv6_loopback(void)
{
	struct sockaddr_in6 s6;
	int fd = socket(AF_INET6, SOCK_STREAM, 0), ok;

	if (fd < 0)
		return 0;
	memset(&s6, 0, sizeof(s6));
	s6.sin6_family = AF_INET6;
	s6.sin6_addr = in6addr_loopback;
	ok = bind(fd, (struct sockaddr *)&s6, sizeof(s6)) == 0;
	close(fd);
	return ok;
}

/* A listening socket of family on loopback: its port and inode. */
static int listen_on(int family, int *port, unsigned long *inode)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	socklen_t len = family == AF_INET ? sizeof(*s4) : sizeof(*s6);
	struct stat st;
	int fd = socket(family, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	} else {
		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_loopback;
	}
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&ss, len), 0);
	ck_assert_int_eq(listen(fd, 1), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	*port = ntohs(family == AF_INET ? s4->sin_port : s6->sin6_port);
	ck_assert_int_eq(fstat(fd, &st), 0);
	*inode = (unsigned long)st.st_ino;
	return fd;
}

/* sockets_listen_inodes finds exactly the listening sockets on a port, not a
 * connected one, and nothing on a port nobody listens on. */
START_TEST(listen_inodes_found)
{
	unsigned long v[8], inode4;
	int port, fd4, c;
	size_t n;

	fd4 = listen_on(AF_INET, &port, &inode4);
	ck_assert_int_ge(fd4, 0);
	n = sockets_listen_inodes(getpid(), port, v, 8);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(v[0], inode4);

	/* A connection to it adds an established socket, not a listening one. */
	c = socket(AF_INET, SOCK_STREAM, 0);
	{
		struct sockaddr_in sin;

		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons((uint16_t)port);
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		ck_assert_int_eq(connect(c, (struct sockaddr *)&sin, sizeof(sin)), 0);
	}
	ck_assert_uint_eq(sockets_listen_inodes(getpid(), port, v, 8), 1);
	close(c);
	close(fd4);
	ck_assert_uint_eq(sockets_listen_inodes(getpid(), port, v, 8), 0);
}
END_TEST

/* The same for an IPv6 listening socket. */
START_TEST(listen_inodes_found_ipv6)
{
	unsigned long v[8], inode6;
	int port6, fd6 = listen_on(AF_INET6, &port6, &inode6);

	ck_assert_uint_eq(sockets_listen_inodes(getpid(), port6, v, 8), 1);
	ck_assert_uint_eq(v[0], inode6);
	close(fd6);
	ck_assert_uint_eq(sockets_listen_inodes(getpid(), port6, v, 8), 0);
}
END_TEST

Suite *sshd_probe_suite(void)
{
	Suite *s = suite_create("sshd_probe");
	TCase *tc = tcase_create("probe");

	tcase_set_timeout(tc, 120);	/* an upper bound for a slow machine, not a budget */
	tcase_add_test(tc, banner_and_kexinit_answer);
	tcase_add_test(tc, banner_alone_is_no_answer);
	tcase_add_test(tc, not_allowed_answers);
	tcase_add_test(tc, exceeded_maxstartups_answers);
	tcase_add_test(tc, silence_is_no_answer);
	tcase_add_test(tc, stall_is_not_a_dead_session);
	tcase_add_test(tc, other_text_is_no_answer);
	tcase_add_test(tc, nothing_listening_is_no_answer);
	tcase_add_test(tc, several_addresses_most_telling);
	tcase_add_test(tc, reload_drop_answers_until_a_session_died);
	tcase_add_test(tc, reload_backs_off_after_dead_session);
	tcase_add_test(tc, catches_hup_only_with_handler);
	tcase_add_test(tc, reload_waits_for_hup_caught);
	tcase_add_root_test(tc, find_listener_default_config);
	tcase_add_test(tc, find_listener_refuses_other_binary);
	tcase_add_root_test(tc, find_listener_wrapper_takes_root);
	tcase_add_test(tc, listen_inodes_found);
	tcase_add_test_if(tc, listen_inodes_found_ipv6, have_ipv6_loopback(),
	    "no IPv6 loopback here");
	tcase_add_test(tc, diag_parse_done_ends_dump);
	tcase_add_test(tc, diag_parse_interrupted);
	suite_add_tcase(s, tc);
	return s;
}
