/* sshd's own floor, for bench/login-ready.sh: how long sshd takes from a
 * reload signal, or from being started, until a new connection gets its key
 * exchange (SSH_MSG_KEXINIT), the same readiness podpass waits for. No tool
 * that reloads or starts sshd can be ready sooner. Not part of the installed
 * build.
 *
 *     kex-probe hup PIDFILE     SIGHUP the pid in PIDFILE, then probe
 *     kex-probe start SSHD      run SSHD (it detaches), then probe
 *
 * The probe connects to 127.0.0.1 port 22 again and again (1 ms apart; a
 * connect not done within 20 ms is given up and tried again), reads the
 * banner, sends its own version line and waits for sshd's first binary
 * packet; it prints the microseconds from just before the signal or the
 * fork to the arrival of a KEXINIT, and exits 0 (1 after 10 s). After a
 * SIGHUP the old listener closes its sockets and re-executes itself: a
 * connection that reached the old sockets is reset and the probe tries
 * again, so the answer comes from the new listener. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEADLINE_US (10LL * 1000000)
#define CONNECT_MS 20

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

/* Read into buf until done() says so, the peer closes, or 2 s pass. */
static size_t read_until(int fd, char *buf, size_t cap, size_t got,
    int (*done)(const char *, size_t))
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t r;

	while (got < cap && !done(buf, got)) {
		if (poll(&p, 1, 2000) != 1)
			break;
		r = read(fd, buf + got, cap - got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	return got;
}

static int have_line(const char *buf, size_t got)
{
	return memchr(buf, '\n', got) != NULL;
}

/* The banner line and the first 6 bytes of the packet after it. */
static int have_packet_head(const char *buf, size_t got)
{
	const char *eol = memchr(buf, '\n', got);

	return eol != NULL && (size_t)(eol + 1 - buf) + 6 <= got;
}

/* A non-blocking connect in progress: 1 when it completes within
 * CONNECT_MS. A SYN that reaches the old listener's socket as it closes on
 * SIGHUP can be lost, and the kernel would send it again only after its
 * 1 s timeout: that second would be the probe's, not sshd's. */
static int connected(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	socklen_t len = sizeof(int);
	int err = 0;

	return errno == EINPROGRESS && poll(&p, 1, CONNECT_MS) == 1 &&
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0;
}

/* 0 when 127.0.0.1:22 answers with a banner and a KEXINIT. */
static int probe(void)
{
	static const char ident[] = "SSH-2.0-podpass_bench_probe\r\n";
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(22) };
	char buf[2048];
	size_t got, off;
	int fd, ok = -1;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 && !connected(fd))
		goto out;
	got = read_until(fd, buf, sizeof(buf), 0, have_line);
	if (got < 8 || memcmp(buf, "SSH-2.0-", 8) != 0 || !have_line(buf, got))
		goto out;
	if (send(fd, ident, sizeof(ident) - 1, MSG_NOSIGNAL) != (ssize_t)sizeof(ident) - 1)
		goto out;
	got = read_until(fd, buf, sizeof(buf), got, have_packet_head);
	if (!have_packet_head(buf, got))
		goto out;
	off = (size_t)((char *)memchr(buf, '\n', got) + 1 - buf);
	if ((unsigned char)buf[off + 5] == 20)
		ok = 0;
out:
	close(fd);
	return ok;
}

static int usage(void)
{
	fputs("usage: kex-probe hup PIDFILE | kex-probe start SSHD\n", stderr);
	return 2;
}

int main(int argc, char **argv)
{
	long long t0;
	pid_t child = -1;
	FILE *f;
	long pid;

	if (argc != 3)
		return usage();
	if (strcmp(argv[1], "hup") == 0) {
		if ((f = fopen(argv[2], "r")) == NULL || fscanf(f, "%ld", &pid) != 1 || pid <= 1) {
			fprintf(stderr, "kex-probe: no pid in %s\n", argv[2]);
			return 1;
		}
		fclose(f);
		t0 = now_us();
		if (kill((pid_t)pid, SIGHUP) != 0) {
			perror("kex-probe: kill");
			return 1;
		}
	} else if (strcmp(argv[1], "start") == 0) {
		t0 = now_us();
		if ((child = fork()) == 0) {
			execl(argv[2], argv[2], (char *)NULL);
			_exit(127);
		}
		if (child < 0) {
			perror("kex-probe: fork");
			return 1;
		}
	} else
		return usage();
	while (probe() != 0) {
		if (now_us() - t0 > DEADLINE_US) {
			fputs("kex-probe: no key exchange within 10 s\n", stderr);
			return 1;
		}
		usleep(1000);
	}
	printf("%lld\n", now_us() - t0);
	if (child > 0)
		waitpid(child, NULL, 0);
	return 0;
}
