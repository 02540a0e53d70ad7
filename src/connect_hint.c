/* How to connect: the ssh command line for the pod's public address where the
 * cloud says it in the environment (RunPod, vast.ai), else this host's first
 * non-loopback IPv4 address and sshd's port. */
#include "config.h"

#include <ifaddrs.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "connect_hint.h"
#include "util.h"

/* This machine's first non-loopback IPv4 address, or NULL. */
static char *local_address(void)
{
	struct ifaddrs *ifs, *i;
	char host[NI_MAXHOST];
	char *found = NULL;

	if (getifaddrs(&ifs) != 0)
		return NULL;
	for (i = ifs; i != NULL && found == NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET ||
		    strncmp(i->ifa_name, "lo", 2) == 0)
			continue;
		if (getnameinfo(i->ifa_addr, sizeof(struct sockaddr_in), host, sizeof(host),
		    NULL, 0, NI_NUMERICHOST) == 0)
			found = xstrdup(host);
	}
	freeifaddrs(ifs);
	return found;
}

/* The cloud's public address and port when both are set, else this host's. */
char *connect_hint(const char *user, int port)
{
	static const char *const pairs[][2] = {
		{ "RUNPOD_PUBLIC_IP", "RUNPOD_TCP_PORT_22" },
		{ "PUBLIC_IPADDR", "VAST_TCP_PORT_22" },
	};
	const char *ip, *p;
	char *local, *hint;
	size_t i;

	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		ip = getenv(pairs[i][0]);
		p = getenv(pairs[i][1]);
		if (ip != NULL && *ip != '\0' && p != NULL && *p != '\0')
			return xasprintf("ssh %s@%s -p %s", user, ip, p);
	}
	local = local_address();
	hint = xasprintf("ssh %s@%s -p %d", user, local ? local : "<this host>", port);
	free(local);
	return hint;
}
