/* Which TCP sockets listen on a port: from the kernel's socket diagnostics
 * (NETLINK_SOCK_DIAG) in podpass's own network namespace, else from
 * /proc/PID/net/tcp and tcp6. Reads only; knows nothing of sshd. */
#ifndef PODPASS_SOCKETS_H
#define PODPASS_SOCKETS_H

#include <stddef.h>
#include <sys/types.h>

/* The inodes of the listening TCP sockets on port in pid's network
 * namespace (IPv4 and IPv6). Returns how many were found, at most max. */
size_t sockets_listen_inodes(pid_t pid, int port, unsigned long *inodes, size_t max);

/* Read one reply of the kernel's socket diagnostics (NETLINK_SOCK_DIAG, len
 * bytes of netlink messages in buf) to a dump of listening TCP sockets: add the
 * inodes of the ones on port to inodes (*n so far, at most max), and set
 * *interrupted when a message carries NLM_F_DUMP_INTR (the dump is not
 * consistent). Returns 0 when more is to come, 1 at the end of the dump
 * (NLMSG_DONE), -1 when the kernel reports an error (NLMSG_ERROR, or a
 * NLMSG_DONE that carries a negative error). sockets_listen_inodes's reader. */
int sockets_diag_parse(const void *buf, size_t len, int port, unsigned long *inodes,
    size_t *n, size_t max, int *interrupted);

#endif
