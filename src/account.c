/* The user's account: passwd and group lookup, the /etc/shadow entry read
 * under the shadow-utils lock, and the planned new shadow text.
 *
 * Must never: read /etc/shadow without holding the lock, or let a hash
 * reach a message. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sysexits.h>
#include <time.h>

#include "account.h"
#include "atomic.h"
#include "util.h"

void account_init(struct account *a, const char *user)
{
	memset(a, 0, sizeof(*a));
	a->user = user;
	a->lock_fd = -1;
}

void account_free(struct account *a)
{
	passwd_entry_free(&a->pw);
	strv_free(a->groups, a->ngroups);
	free(a->gids);
	planned_file_free(&a->shadow);
	shadow_entry_free(&a->entry);
	if (a->lock_fd >= 0)
		shadow_unlock(a->lock_fd);
	a->lock_fd = -1;
}

/* Read a whole file inside root. */
static int read_in_root(const char *root, const char *logical, char **text, size_t *len,
    char **cause)
{
	char *path = path_under_root(root, logical);
	int rc = atomic_read(path, ATOMIC_MAX_FILE, text, len, NULL, cause);

	free(path);
	return rc;
}

/* sshd refuses a user whose shell is missing, and PAM ignores /etc/shadow
 * unless the passwd field is "x": either way no password login could work. */
static int check_login_fields(const char *root, struct account *a, char **cause)
{
	const char *shell = *a->pw.shell ? a->pw.shell : "/bin/sh";
	char *real;
	int ok;

	if (strcmp(a->pw.passwd, "x") != 0) {
		set_cause(cause, "/etc/passwd line %d: the password field of '%s' is not 'x', "
		    "so PAM does not look in /etc/shadow (run pwconv)", a->pw.line, a->user);
		return EX_DATAERR;
	}
	real = path_under_root(root, shell);
	ok = shell[0] == '/' && access(real, X_OK) == 0;
	free(real);
	if (!ok) {
		set_cause(cause, "/etc/passwd line %d: the shell of '%s' (%s) is not an "
		    "executable file, so sshd refuses every login of that user (usermod -s)",
		    a->pw.line, a->user, shell);
		return EX_DATAERR;
	}
	return 0;
}

int account_lookup(const char *root, struct account *a, char **cause)
{
	char *text = NULL;
	size_t len;
	int rc;

	if ((rc = read_in_root(root, "/etc/passwd", &text, &len, cause)) != 0)
		return rc;
	rc = passwd_find(text, len, a->user, &a->pw, cause);
	free(text);
	if (rc == EX_NOUSER)
		set_cause(cause, "no such user '%s' in /etc/passwd", a->user);
	if (rc != 0)
		return rc;
	if ((rc = check_login_fields(root, a, cause)) != 0)
		return rc;
	if (read_in_root(root, "/etc/group", &text, &len, NULL) == 0) {
		a->groups = group_names_for_user(text, len, a->user, a->pw.gid, &a->ngroups,
		    &a->gids);
		free(text);
	}
	return 0;
}

int account_read_shadow(const char *root, struct account *a, char **cause)
{
	char *lock = path_under_root(root, "/etc/.pwd.lock");
	int rc;

	rc = shadow_lock(lock, FILE_LOCK_TIMEOUT_MS, &a->lock_fd, cause);
	free(lock);
	if (rc != 0)
		return rc;
	a->shadow.secret = 1;
	a->shadow.backup = "/etc/shadow-";
	if ((rc = planned_file_read(root, &a->shadow, "/etc/shadow", 0, cause)) != 0)
		return rc;
	if (memchr(a->shadow.old, '\r', a->shadow.oldlen) != NULL) {
		set_cause(cause, "/etc/shadow has CRLF line endings, which the C library "
		    "cannot read: no password in it would work; convert it to LF first");
		return EX_DATAERR;
	}
	rc = shadow_find(a->shadow.old, a->shadow.oldlen, a->user, &a->entry, &a->line, cause);
	if (rc == EX_NOUSER)
		set_cause(cause, "/etc/shadow has no entry for '%s' (run pwconv?)", a->user);
	return rc;
}

long account_today(char **cause)
{
	return shadow_days(getenv("SOURCE_DATE_EPOCH"), (long)time(NULL), cause);
}

int account_plan_hash(struct account *a, const char *hash, long today, char **cause)
{
	return shadow_set_hash(a->shadow.old, a->shadow.oldlen, a->user, hash, today,
	    &a->shadow.new, &a->shadow.newlen, cause);
}
