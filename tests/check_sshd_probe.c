/* sshd_probe_banner against a real listening socket on loopback, served by a
 * forked child that answers as a given sshd would (or not at all) and closes. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_suites.h"
#include "sshd.h"

struct server {
	pid_t pid;
	int port;
};

/* Listen on 127.0.0.1 (a free port); a child accepts one connection, writes first
 * (in two halves, to test answers that come in pieces), then, when after is not
 * NULL, reads the client's version line and writes after's n bytes; then closes. */
static struct server serve_once(const char *first, const char *after, size_t n)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	struct server s;
	int fd, c;
	size_t half = strlen(first) / 2;
	char ch;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(fd, 4), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	s.port = ntohs(sin.sin_port);
	s.pid = fork();
	ck_assert_int_ge(s.pid, 0);
	if (s.pid == 0) {
		if ((c = accept(fd, NULL, NULL)) < 0)
			_exit(1);
		if (half > 0 && write(c, first, half) != (ssize_t)half)
			_exit(1);
		usleep(20000);
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
		close(c);
		_exit(0);
	}
	close(fd);
	return s;
}

static int probe_with(const char *first, const char *after, size_t n)
{
	struct sshd_listen l;
	struct server s = serve_once(first, after, n);
	int rc, status;

	memset(&l, 0, sizeof(l));
	snprintf(l.addr[0], sizeof(l.addr[0]), "127.0.0.1");
	l.naddr = 1;
	l.port = s.port;
	rc = sshd_probe_banner(&l, 2000);
	kill(s.pid, SIGKILL);
	waitpid(s.pid, &status, 0);
	return rc;
}

static int probe(const char *first)
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
	ck_assert_int_eq(probe_with(BANNER, kexinit, sizeof(kexinit)), 0);
}
END_TEST

/* OpenSSH 10 with a config too large to hand to sshd-auth: the banner comes, then
 * the connection ends before any key exchange, and so does every login. */
START_TEST(banner_alone_is_no_answer)
{
	ck_assert_int_eq(probe(BANNER), -1);
	ck_assert_int_eq(probe_with(BANNER, disconnect, sizeof(disconnect)), -1);
	ck_assert_int_eq(probe_with(BANNER, kexinit, 5), -1);
}
END_TEST

/* OpenSSH 9.8 and later, past MaxStartups or PerSourcePenalties. */
START_TEST(not_allowed_answers)
{
	ck_assert_int_eq(probe("Not allowed at this time\r\n"), 0);
}
END_TEST

/* OpenSSH 8.x past MaxStartups. */
START_TEST(exceeded_maxstartups_answers)
{
	ck_assert_int_eq(probe("Exceeded MaxStartups\r\n"), 0);
}
END_TEST

/* A connection closed without a word: a session process that dies at once. */
START_TEST(silence_is_no_answer)
{
	ck_assert_int_eq(probe(""), -1);
}
END_TEST

START_TEST(other_text_is_no_answer)
{
	ck_assert_int_eq(probe("HTTP/1.1 400 Bad Request\r\n"), -1);
	ck_assert_int_eq(probe_with("SSH-1.5-old\r\n", kexinit, sizeof(kexinit)), -1);
	ck_assert_int_eq(probe("Not allowed\r\n"), -1);
	ck_assert_int_eq(probe("SSH-2.0"), -1);
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
	ck_assert_int_eq(sshd_probe_banner(&l, 500), -1);
	close(fd);
}
END_TEST

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
	if (bind(fd, (struct sockaddr *)&ss, len) != 0) {
		close(fd);
		return -1;	/* no IPv6 on this machine */
	}
	ck_assert_int_eq(listen(fd, 1), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	*port = ntohs(family == AF_INET ? s4->sin_port : s6->sin6_port);
	ck_assert_int_eq(fstat(fd, &st), 0);
	*inode = (unsigned long)st.st_ino;
	return fd;
}

/* sshd_listen_inodes finds exactly the listening sockets on a port (IPv4 and
 * IPv6), not a connected one, and nothing on a port nobody listens on. */
START_TEST(listen_inodes_found)
{
	unsigned long v[8], inode4, inode6;
	int port, port6, fd4, fd6, c;
	size_t n;

	fd4 = listen_on(AF_INET, &port, &inode4);
	ck_assert_int_ge(fd4, 0);
	n = sshd_listen_inodes(getpid(), port, v, 8);
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
	ck_assert_uint_eq(sshd_listen_inodes(getpid(), port, v, 8), 1);
	close(c);

	fd6 = listen_on(AF_INET6, &port6, &inode6);
	if (fd6 >= 0) {
		n = sshd_listen_inodes(getpid(), port6, v, 8);
		ck_assert_uint_eq(n, 1);
		ck_assert_uint_eq(v[0], inode6);
		close(fd6);
	}
	close(fd4);
	ck_assert_uint_eq(sshd_listen_inodes(getpid(), port, v, 8), 0);
}
END_TEST

Suite *sshd_probe_suite(void)
{
	Suite *s = suite_create("sshd_probe");
	TCase *tc = tcase_create("probe");

	tcase_add_test(tc, banner_and_kexinit_answer);
	tcase_add_test(tc, banner_alone_is_no_answer);
	tcase_add_test(tc, not_allowed_answers);
	tcase_add_test(tc, exceeded_maxstartups_answers);
	tcase_add_test(tc, silence_is_no_answer);
	tcase_add_test(tc, other_text_is_no_answer);
	tcase_add_test(tc, nothing_listening_is_no_answer);
	tcase_add_test(tc, listen_inodes_found);
	suite_add_tcase(s, tc);
	return s;
}
