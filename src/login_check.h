/* Would sshd let a password login for the user through? Judged from sshd's
 * own effective settings (sshd -T -C user=...) and, to name the file and
 * line that blocks, the parsed configuration tree. Memory only. */
#ifndef PODPASS_LOGIN_CHECK_H
#define PODPASS_LOGIN_CHECK_H

#include <stddef.h>
#include <sys/types.h>

#include "options.h"
#include "sshd_config.h"

struct login_subject {
	const char *user;
	uid_t uid;
	char *const *groups;	/* the user's groups (names) */
	size_t ngroups;
	enum auth_mode mode;	/* MODE_EITHER: password alone; MODE_BOTH: key and password */
	const char *dump;	/* sshd -T -C output for the user */
	const struct sshd_config *tree;	/* the configuration that dump came from */
	char *const *cmdline;	/* the running sshd's options ("-o", "Key=value", ...), */
	size_t ncmdline;	/* which override the file's global lines, */
	long pid;		/* and its pid; none: NULL, 0, 0 */
};

/* 0 when PasswordAuthentication, PermitRootLogin (for uid 0),
 * AuthenticationMethods, PubkeyAuthentication (mode both), DenyUsers,
 * AllowUsers, DenyGroups and AllowGroups let the login through; else
 * EX_CONFIG with *cause naming the setting, its file and line. */
int login_check(const struct login_subject *s, char **cause);

/* podpass judges sshd's settings for one client. A Match section whose
 * criteria depend on the client (Address, Host, LocalAddress, LocalPort,
 * RDomain), that may apply to the user, and that refuses the password or the
 * user (PasswordAuthentication, PermitRootLogin for root, AuthenticationMethods
 * for the mode, PubkeyAuthentication for mode both, Allow/Deny Users/Groups)
 * gets a warning naming the file and line of the setting and of its Match
 * line: malloc'd strings appended to *v (realloc'd), *n of them. Match sections
 * with User, Group and All criteria only never do. Uses s->tree, not s->dump. */
void login_client_warnings(const struct login_subject *s, char ***v, size_t *n);

#endif
