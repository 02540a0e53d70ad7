/* How to connect: the ssh command line for the pod, from the cloud's
 * environment variables (RunPod, vast.ai) or this host's address, or a
 * warning where the cloud gives the pod no direct port to sshd. */
#ifndef PODPASS_CONNECT_HINT_H
#define PODPASS_CONNECT_HINT_H

/* When a client holds many keys, ssh offers each before the password and sshd
 * stops it at MaxAuthTries ("Too many authentication failures"). */
#define CONNECT_PASSWORD_ONLY "-o PreferredAuthentications=password"

struct connect_hint {
	char *line;	/* "ssh USER@HOST -p PORT", or NULL when no address reaches sshd */
	char *warning;	/* why not and what to do, or NULL */
};

/* How to connect as user (both fields malloc'd): the pod's public address
 * where the cloud says it (RunPod, vast.ai); a warning and no line where the
 * cloud's variables show its pod but no direct port to 22; else this host's
 * address and sshd's port. */
void connect_hint(const char *user, int port, struct connect_hint *h);
/* Release what h holds. */
void connect_hint_free(struct connect_hint *h);

#endif
