/* Listening TCP sockets on a port: netlink sock_diag, /proc/net/tcp as the
 * fallback (see sockets.h). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "log.h"
#include "sockets.h"

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

int sockets_diag_parse(const void *buf, size_t len, int port, unsigned long *inodes,
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
		done = sockets_diag_parse(buf.bytes, (size_t)len, port, inodes, n, max,
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

size_t sockets_listen_inodes(pid_t pid, int port, unsigned long *inodes, size_t max)
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
