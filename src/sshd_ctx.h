/* Which sshd podpass works with (its root, binary and config) and where it
 * listens: the two descriptions that sshd.c, listener.c and probe.c share.
 * Types only. */
#ifndef PODPASS_SSHD_CTX_H
#define PODPASS_SSHD_CTX_H

#include <stddef.h>

struct sshd_ctx {
	const char *root;	/* "/" or a directory that children are chrooted into */
	const char *sshd_path;	/* the sshd binary, inside root */
	const char *config_path;	/* the main sshd_config, inside root */
};

#define SSHD_LISTEN_MAX 8

/* Where the listener is: from sshd -T output. */
struct sshd_listen {
	char addr[SSHD_LISTEN_MAX][64];	/* numeric addresses to connect to (wildcards become loopback) */
	size_t naddr;
	int port;		/* the first listen address's port */
};

#endif
