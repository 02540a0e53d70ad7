/* Does sshd answer with its key exchange (see probe.h).
 *
 * Must never: count a banner alone, silence, or a connection that ends before
 * key exchange as an answer. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "probe.h"
#include "proc.h"

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
