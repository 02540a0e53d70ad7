/* /etc/passwd and /etc/group lookup, /etc/shadow entry editing, and the
 * shadow-utils lock. The parsers and the editor work on memory only; the
 * caller reads and writes the files (through atomic.h).
 *
 * Must never: change any byte of any other line, drop or duplicate a line,
 * write a field that contains ':' or a newline, or log a hash. */
#ifndef PODPASS_SHADOW_H
#define PODPASS_SHADOW_H

#include <stddef.h>
#include <sys/types.h>

struct passwd_entry {
	char *name;
	char *passwd;		/* the second field: "x" when the hash is in /etc/shadow */
	int line;		/* 1-based line in /etc/passwd */
	uid_t uid;
	gid_t gid;
	char *home;
	char *shell;
};

struct shadow_entry {
	char *hash;		/* the second field, as is */
	long lastchg;		/* days since the epoch; -1 when empty */
	long min, max, warn, inactive, expire;	/* -1 when empty */
};

/* Refuse a user name that could not be a safe passwd/shadow key: empty,
 * longer than 256 bytes, or containing ':', a newline, a control character
 * or whitespace, or starting with '-'. Returns 0 or EX_DATAERR with *cause. */
int user_name_check(const char *user, char **cause);

/* Find user in the text of /etc/passwd (lines "name:x:uid:gid:gecos:home:shell").
 * Returns 0 and fills *out, EX_NOUSER when absent, EX_DATAERR when the
 * user's own line is malformed (cause names the line number). Other
 * malformed lines and "+"/"-" NIS lines are skipped. */
int passwd_find(const char *text, size_t len, const char *user,
    struct passwd_entry *out, char **cause);
void passwd_entry_free(struct passwd_entry *e);

/* Names of the groups user belongs to, from the text of /etc/group: the
 * group whose gid is primary, and every group that lists user as a member.
 * Returns a malloc'd array of malloc'd strings (free with strv_free); when
 * gids is not NULL, *gids gets a malloc'd array of their *n group ids (NULL
 * when none). */
char **group_names_for_user(const char *text, size_t len, const char *user,
    gid_t primary, size_t *n, gid_t **gids);

/* Find user's entry in the text of /etc/shadow. Returns 0 and fills *out
 * (and *lineno, 1-based, when not NULL), EX_NOUSER when there is no line for
 * the user, EX_DATAERR when that line is malformed (not 9 fields, or a
 * numeric field that is not a number). */
int shadow_find(const char *text, size_t len, const char *user,
    struct shadow_entry *out, int *lineno, char **cause);
void shadow_entry_free(struct shadow_entry *e);

/* Produce the new /etc/shadow text: user's line gets hash as field 2 and
 * lastchg (days, > 0) as field 3; every other byte of the input, including
 * the other lines, the line ending style and a missing final newline, is
 * kept. Returns 0 and a malloc'd *out (*outlen bytes, NUL-terminated), or
 * EX_NOUSER / EX_DATAERR with *cause. The hash must already be validated;
 * this refuses one with ':' or a newline all the same. */
int shadow_set_hash(const char *text, size_t len, const char *user,
    const char *hash, long lastchg, char **out, size_t *outlen, char **cause);

/* Today in days since the epoch for the lastchg field: from
 * source_date_epoch (the SOURCE_DATE_EPOCH variable, seconds) when not NULL,
 * else from now. Never 0 (0 forces a password change): returns at least 1.
 * Returns -1 with *cause when source_date_epoch is not a valid number. */
long shadow_days(const char *source_date_epoch, long now, char **cause);

/* Take the lock that shadow-utils' lckpwdf(3) takes: an fcntl write lock
 * on lockpath (normally /etc/.pwd.lock, created 0600 when missing),
 * waiting up to timeout_ms. Returns 0 and *fd, or EX_TEMPFAIL when it is
 * still held, EX_CANTCREAT when the file cannot be opened. */
int shadow_lock(const char *lockpath, int timeout_ms, int *fd, char **cause);
void shadow_unlock(int fd);

#endif
