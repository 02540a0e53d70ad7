/* How to connect: the ssh command line for the pod, from the cloud's
 * environment variables (RunPod, vast.ai) or this host's address. */
#ifndef PODPASS_CONNECT_HINT_H
#define PODPASS_CONNECT_HINT_H

/* How to connect as user (malloc'd): the pod's public address where the
 * cloud says it (RunPod, vast.ai), else this host's address and sshd's port. */
char *connect_hint(const char *user, int port);

#endif
