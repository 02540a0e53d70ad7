/* The user's account as a command sees it: the passwd and group entries,
 * and the /etc/shadow entry, read under the lock shadow-utils takes and
 * planned as a file of a change.
 *
 * Must never: read /etc/shadow without holding the lock, or let a hash
 * reach a message. */
#ifndef PODPASS_ACCOUNT_H
#define PODPASS_ACCOUNT_H

#include <sys/types.h>

#include "planned_file.h"
#include "shadow.h"

struct account {
	const char *user;
	struct passwd_entry pw;
	char **groups;
	gid_t *gids;		/* the ids of groups (ngroups of them) */
	size_t ngroups;
	struct planned_file shadow;	/* /etc/shadow, planned with the new hash */
	struct shadow_entry entry;	/* the user's entry as it is now */
	int line;		/* its line in /etc/shadow */
	int lock_fd;
};

void account_init(struct account *a, const char *user);
void account_free(struct account *a);

/* Find the user in root's /etc/passwd (EX_NOUSER when absent) and its groups. */
int account_lookup(const char *root, struct account *a, char **cause);

/* Take the shadow lock and read the user's /etc/shadow entry (EX_NOUSER
 * when there is none). */
int account_read_shadow(const char *root, struct account *a, char **cause);

/* Today in days for the lastchg field: from SOURCE_DATE_EPOCH when set
 * (reproducible image builds), else the clock; never 0. -1 with *cause when
 * SOURCE_DATE_EPOCH is not a number. */
long account_today(char **cause);

/* Plan /etc/shadow with hash and lastchg today for the user (after
 * account_read_shadow), backed up to /etc/shadow- when committed. */
int account_plan_hash(struct account *a, const char *hash, long today, char **cause);

#endif
