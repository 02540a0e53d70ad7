/* How to connect: the ssh command line for the pod's public address where the
 * cloud says it in the environment (RunPod, vast.ai), a warning instead where
 * the environment shows such a pod with no direct port to sshd, else this
 * host's first non-loopback IPv4 address and sshd's port. */
#include "config.h"

#include <ifaddrs.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "connect_hint.h"
#include "util.h"

/* A cloud: the variables that show its pods, the pair that gives the public
 * address of port 22, and what to do when that pair is missing. */
struct cloud {
	const char *shown_by;		/* set: a pod of this cloud */
	const char *ip, *port;
	const char *no_port;		/* the warning without a direct port */
};

static const struct cloud clouds[] = {
	{ "RUNPOD_POD_ID", "RUNPOD_PUBLIC_IP", "RUNPOD_TCP_PORT_22",
	  "this RunPod pod has no TCP port 22 exposed (RUNPOD_TCP_PORT_22 is not set): "
	  "RunPod's SSH proxy (ssh.runpod.io) takes keys only, so the password cannot be "
	  "used through it; expose TCP port 22 in the template or the pod's settings, "
	  "restart the pod, then connect to its public IP on the port mapped to 22" },
	{ "VAST_CONTAINERLABEL", "PUBLIC_IPADDR", "VAST_TCP_PORT_22",
	  "this vast.ai instance has no direct port for sshd (VAST_TCP_PORT_22 is not "
	  "set), so its public address does not reach the password login; add -p 22:22 "
	  "to the template's Docker options (on a machine with open ports), recreate the "
	  "instance, then connect to its public IP on the port mapped to 22" },
};

/* The value of an environment variable, NULL when unset or empty. */
static const char *env_value(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

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

/* The cloud whose public pair is set (*ip, *port), else the first one whose
 * variables show this is its pod (*ip NULL), else NULL. */
static const struct cloud *find_cloud(const char **ip, const char **port)
{
	const struct cloud *shown = NULL;
	size_t i, n = sizeof(clouds) / sizeof(clouds[0]);

	for (i = 0; i < n; i++) {
		*ip = env_value(clouds[i].ip);
		*port = env_value(clouds[i].port);
		if (*ip != NULL && *port != NULL)
			return &clouds[i];
		if (shown == NULL && env_value(clouds[i].shown_by) != NULL)
			shown = &clouds[i];
	}
	*ip = *port = NULL;
	return shown;
}

void connect_hint(const char *user, int port, struct connect_hint *h)
{
	const struct cloud *c;
	const char *ip, *p;
	char *local;

	h->line = h->warning = NULL;
	c = find_cloud(&ip, &p);
	if (c != NULL && ip != NULL) {
		h->line = xasprintf("ssh %s@%s -p %s", user, ip, p);
		return;
	}
	if (c != NULL) {
		h->warning = xasprintf("%s (ssh %s@%s -p %s, as podpass then prints)",
		    c->no_port, user, c->ip, c->port);
		return;
	}
	local = local_address();
	h->line = xasprintf("ssh %s@%s -p %d", user, local ? local : "<this host>", port);
	free(local);
}

void connect_hint_free(struct connect_hint *h)
{
	free(h->line);
	free(h->warning);
	h->line = h->warning = NULL;
}
