/* /etc/passwd and /etc/group lookup, /etc/shadow entry editing, and the
 * shadow-utils lock.
 *
 * Threat model. This file must never:
 *  - change, drop, duplicate or reorder any byte outside the one user's
 *    hash and lastchg fields (other users, comments, line endings, a missing
 *    final newline);
 *  - guess which line to edit: a user listed twice, or a line for the user
 *    that is not 9 fields, is refused, never "fixed";
 *  - write an empty hash (an open account) or a field with ':', a line
 *    break or a control character;
 *  - write lastchg 0 (it forces a password change at the next login);
 *  - put a hash into a message;
 *  - edit /etc/shadow while passwd, chpasswd or usermod hold their lock.
 * The parsers and the editor work on memory only. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "shadow.h"
#include "util.h"

#define USER_NAME_MAX 256
#define SHADOW_FIELDS 9
#define PASSWD_FIELDS 7
#define GROUP_FIELDS 4
#define MAX_FIELDS 10
#define LOCK_RETRY_MS 20

/* One line of a file in memory, without its line ending. */
struct line {
	const char *p;
	size_t len;
	int lineno;
};

/* One ':'-separated field of a line. */
struct field {
	const char *p;
	size_t len;
};

/* A cursor over the lines of a text. */
struct lines {
	const char *text;
	size_t len;
	size_t pos;
	int lineno;
};

/* Next line of it into *l (a CR before the LF is not part of the line); 0 at the end. */
static int lines_next(struct lines *it, struct line *l)
{
	const char *start, *nl;
	size_t rest;

	if (it->pos >= it->len)
		return 0;
	start = it->text + it->pos;
	rest = it->len - it->pos;
	nl = memchr(start, '\n', rest);
	l->p = start;
	l->len = nl != NULL ? (size_t)(nl - start) : rest;
	it->pos += l->len + (nl != NULL);
	if (nl != NULL && l->len > 0 && start[l->len - 1] == '\r')
		l->len--;
	l->lineno = ++it->lineno;
	return 1;
}

/* Split l at ':' into f (at most max fields kept); returns the real number of fields. */
static size_t split_fields(const struct line *l, struct field *f, size_t max)
{
	const char *p = l->p, *end = l->p + l->len, *colon;
	size_t n = 0;

	for (;;) {
		colon = memchr(p, ':', (size_t)(end - p));
		if (n < max) {
			f[n].p = p;
			f[n].len = colon != NULL ? (size_t)(colon - p) : (size_t)(end - p);
		}
		n++;
		if (colon == NULL)
			return n;
		p = colon + 1;
	}
}

/* 1 when field f is exactly s. */
static int field_is(const struct field *f, const char *s)
{
	return strlen(s) == f->len && memcmp(f->p, s, f->len) == 0;
}

/* Parse f as a plain decimal number (digits only, <= max); 0 or -1. */
static int field_number(const struct field *f, unsigned long long max, unsigned long long *out)
{
	unsigned long long v = 0;
	size_t i;

	if (f->len == 0 || f->len > 20)
		return -1;
	for (i = 0; i < f->len; i++) {
		if (f->p[i] < '0' || f->p[i] > '9')
			return -1;
		if (v > (max - (unsigned long long)(f->p[i] - '0')) / 10)
			return -1;
		v = v * 10 + (unsigned long long)(f->p[i] - '0');
	}
	*out = v;
	return 0;
}

/* Parse an id (uid or gid) strictly; -1 for junk, a sign, overflow or the reserved -1. */
static int field_id(const struct field *f, unsigned long long *out)
{
	return field_number(f, (unsigned long long)UINT32_MAX - 1, out);
}

/* 1 when f holds a NUL byte (it could not become a C string). */
static int field_has_nul(const struct field *f)
{
	return memchr(f->p, '\0', f->len) != NULL;
}

/* Refuse a user name that could not be a safe passwd/shadow key. */
int user_name_check(const char *user, char **cause)
{
	const unsigned char *p;

	if (user == NULL || *user == '\0') {
		set_cause(cause, "the user name is empty");
		return EX_DATAERR;
	}
	if (strlen(user) > USER_NAME_MAX) {
		set_cause(cause, "the user name is longer than %d bytes", USER_NAME_MAX);
		return EX_DATAERR;
	}
	if (*user == '-') {
		set_cause(cause, "the user name starts with '-'");
		return EX_DATAERR;
	}
	for (p = (const unsigned char *)user; *p != '\0'; p++) {
		if (*p == ':' || *p <= ' ' || *p == 0x7f) {
			set_cause(cause, "the user name contains ':', whitespace or a control character");
			return EX_DATAERR;
		}
	}
	return 0;
}

/* Fill a passwd entry from the 7 fields of the user's line. */
static int passwd_fill(const struct line *l, const struct field *f, size_t n,
    struct passwd_entry *out, char **cause)
{
	unsigned long long uid, gid;

	if (n != PASSWD_FIELDS) {
		set_cause(cause, "passwd line %d: the entry for %.*s has %zu fields, not %d",
		    l->lineno, (int)f[0].len, f[0].p, n, PASSWD_FIELDS);
		return EX_DATAERR;
	}
	if (field_id(&f[2], &uid) != 0 || field_id(&f[3], &gid) != 0) {
		set_cause(cause, "passwd line %d: the entry for %.*s has a bad uid or gid",
		    l->lineno, (int)f[0].len, f[0].p);
		return EX_DATAERR;
	}
	if (field_has_nul(&f[5]) || field_has_nul(&f[6])) {
		set_cause(cause, "passwd line %d: the entry for %.*s contains a NUL byte",
		    l->lineno, (int)f[0].len, f[0].p);
		return EX_DATAERR;
	}
	out->name = xstrndup(f[0].p, f[0].len);
	out->passwd = xstrndup(f[1].p, f[1].len);
	out->line = l->lineno;
	out->uid = (uid_t)uid;
	out->gid = (gid_t)gid;
	out->home = xstrndup(f[5].p, f[5].len);
	out->shell = xstrndup(f[6].p, f[6].len);
	return 0;
}

/* Find user in the text of /etc/passwd; the first line for the user wins, as with getpwnam. */
int passwd_find(const char *text, size_t len, const char *user,
    struct passwd_entry *out, char **cause)
{
	struct lines it = { text, len, 0, 0 };
	struct field f[MAX_FIELDS];
	struct line l;
	size_t n;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = user_name_check(user, cause)) != 0)
		return rc;
	while (lines_next(&it, &l)) {
		if (l.len > 0 && (l.p[0] == '+' || l.p[0] == '-'))
			continue;
		n = split_fields(&l, f, MAX_FIELDS);
		if (field_is(&f[0], user))
			return passwd_fill(&l, f, n, out, cause);
	}
	set_cause(cause, "no user %s in passwd", user);
	return EX_NOUSER;
}

/* Free what passwd_find filled in; e may be reused afterwards. */
void passwd_entry_free(struct passwd_entry *e)
{
	if (e == NULL)
		return;
	free(e->name);
	strfreezero(e->passwd);
	free(e->home);
	free(e->shell);
	memset(e, 0, sizeof(*e));
}

/* 1 when the comma-separated member list f names user exactly. */
static int members_include(const struct field *f, const char *user)
{
	const char *p = f->p, *end = f->p + f->len, *comma;
	struct field m;

	while (p < end) {
		comma = memchr(p, ',', (size_t)(end - p));
		m.p = p;
		m.len = comma != NULL ? (size_t)(comma - p) : (size_t)(end - p);
		if (m.len > 0 && field_is(&m, user))
			return 1;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	return 0;
}

/* 1 when name is already one of the n strings in v. */
static int strv_has(char **v, size_t n, const struct field *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (field_is(name, v[i]))
			return 1;
	return 0;
}

/* Names of the groups user belongs to (primary and supplementary), NULL-terminated. */
char **group_names_for_user(const char *text, size_t len, const char *user,
    gid_t primary, size_t *n, gid_t **gids)
{
	struct lines it = { text, len, 0, 0 };
	struct field f[MAX_FIELDS];
	unsigned long long gid;
	struct line l;
	char **v = xcalloc(1, sizeof(*v));

	*n = 0;
	if (gids != NULL)
		*gids = NULL;
	while (lines_next(&it, &l)) {
		if (l.len == 0 || l.p[0] == '+' || l.p[0] == '-')
			continue;
		if (split_fields(&l, f, MAX_FIELDS) != GROUP_FIELDS || f[0].len == 0 ||
		    field_has_nul(&f[0]) || field_id(&f[2], &gid) != 0)
			continue;
		if ((gid_t)gid != primary && !members_include(&f[3], user))
			continue;
		if (strv_has(v, *n, &f[0]))
			continue;
		v = xrealloc(v, (*n + 2) * sizeof(*v));
		if (gids != NULL) {
			*gids = xrealloc(*gids, (*n + 1) * sizeof(**gids));
			(*gids)[*n] = (gid_t)gid;
		}
		v[(*n)++] = xstrndup(f[0].p, f[0].len);
		v[*n] = NULL;
	}
	return v;
}

/* Locate user's one line in the text of /etc/shadow and split it into 9
 * fields; NIS "+"/"-" lines are never a user's own entry. */
static int shadow_locate(const char *text, size_t len, const char *user,
    struct line *found, struct field *f, char **cause)
{
	struct lines it = { text, len, 0, 0 };
	struct field tmp[MAX_FIELDS];
	struct line l;
	size_t n, nfound = 0;
	int rc;

	if ((rc = user_name_check(user, cause)) != 0)
		return rc;
	while (lines_next(&it, &l)) {
		if (l.len > 0 && (l.p[0] == '+' || l.p[0] == '-'))
			continue;
		n = split_fields(&l, tmp, MAX_FIELDS);
		if (!field_is(&tmp[0], user))
			continue;
		if (nfound++ > 0) {
			set_cause(cause, "shadow lines %d and %d both hold user %s; refusing to guess",
			    found->lineno, l.lineno, user);
			return EX_DATAERR;
		}
		*found = l;
		if (n != SHADOW_FIELDS) {
			set_cause(cause, "shadow line %d: the entry for %s has %zu fields, not %d",
			    l.lineno, user, n, SHADOW_FIELDS);
			rc = EX_DATAERR;
		} else
			memcpy(f, tmp, sizeof(*f) * SHADOW_FIELDS);
	}
	if (nfound == 0) {
		set_cause(cause, "no user %s in shadow", user);
		return EX_NOUSER;
	}
	return rc;
}

/* Parse a numeric shadow field: empty is -1. */
static int shadow_number(const struct field *f, long *out)
{
	unsigned long long v;

	if (f->len == 0) {
		*out = -1;
		return 0;
	}
	if (field_number(f, LONG_MAX, &v) != 0)
		return -1;
	*out = (long)v;
	return 0;
}

/* Find user's entry in the text of /etc/shadow. */
int shadow_find(const char *text, size_t len, const char *user,
    struct shadow_entry *out, int *lineno, char **cause)
{
	struct field f[SHADOW_FIELDS];
	long *nums[6];
	struct line l;
	int i, rc;

	memset(out, 0, sizeof(*out));
	if ((rc = shadow_locate(text, len, user, &l, f, cause)) != 0)
		return rc;
	nums[0] = &out->lastchg;
	nums[1] = &out->min;
	nums[2] = &out->max;
	nums[3] = &out->warn;
	nums[4] = &out->inactive;
	nums[5] = &out->expire;
	for (i = 0; i < 6; i++) {
		if (shadow_number(&f[2 + i], nums[i]) != 0) {
			set_cause(cause, "shadow line %d: field %d of the entry for %s is not a number",
			    l.lineno, 3 + i, user);
			return EX_DATAERR;
		}
	}
	if (field_has_nul(&f[1])) {
		set_cause(cause, "shadow line %d: the entry for %s contains a NUL byte", l.lineno, user);
		return EX_DATAERR;
	}
	out->hash = xstrndup(f[1].p, f[1].len);
	if (lineno != NULL)
		*lineno = l.lineno;
	return 0;
}

/* Wipe and free what shadow_find filled in. */
void shadow_entry_free(struct shadow_entry *e)
{
	if (e == NULL)
		return;
	strfreezero(e->hash);
	memset(e, 0, sizeof(*e));
}

/* Refuse a hash field that would be empty or break the line. */
static int shadow_field_check(const char *hash, char **cause)
{
	const unsigned char *p;

	if (hash == NULL || *hash == '\0') {
		set_cause(cause, "refusing to write an empty password field");
		return EX_DATAERR;
	}
	for (p = (const unsigned char *)hash; *p != '\0'; p++) {
		if (*p == ':' || *p < ' ' || *p == 0x7f) {
			set_cause(cause, "refusing to write a password field with ':', a line break or a control character");
			return EX_DATAERR;
		}
	}
	return 0;
}

/* The new /etc/shadow text with user's hash and lastchg replaced. */
int shadow_set_hash(const char *text, size_t len, const char *user,
    const char *hash, long lastchg, char **out, size_t *outlen, char **cause)
{
	struct field f[SHADOW_FIELDS];
	struct buf b = { NULL, 0, 0 };
	struct line l;
	size_t head, tail;
	int rc;

	*out = NULL;
	*outlen = 0;
	if ((rc = shadow_field_check(hash, cause)) != 0)
		return rc;
	if (lastchg <= 0) {
		set_cause(cause, "the last password change day must be positive");
		return EX_DATAERR;
	}
	if ((rc = shadow_locate(text, len, user, &l, f, cause)) != 0)
		return rc;
	head = (size_t)(f[1].p - text);
	tail = (size_t)(f[3].p - text);
	buf_add(&b, text, head);
	buf_printf(&b, "%s:%ld:", hash, lastchg);
	buf_add(&b, text + tail, len - tail);
	*out = buf_take(&b, outlen);
	return 0;
}

/* Parse SOURCE_DATE_EPOCH: plain non-negative decimal seconds. */
static int parse_epoch(const char *s, long *out)
{
	struct field f = { s, strlen(s) };
	unsigned long long v;

	if (field_number(&f, LONG_MAX, &v) != 0)
		return -1;
	*out = (long)v;
	return 0;
}

/* Today in days since the epoch for lastchg; at least 1. */
long shadow_days(const char *source_date_epoch, long now, char **cause)
{
	long secs = now, days;

	if (source_date_epoch != NULL && parse_epoch(source_date_epoch, &secs) != 0) {
		set_cause(cause, "SOURCE_DATE_EPOCH is not a non-negative whole number of seconds");
		return -1;
	}
	days = secs / 86400;
	return days > 0 ? days : 1;
}

/* Milliseconds on the monotonic clock. */
static long long monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleep for ms milliseconds. */
static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Try the write lock on fd until it is ours or timeout_ms has passed. */
static int lock_wait(int fd, const char *lockpath, int timeout_ms, char **cause)
{
	struct flock fl;
	long long deadline = monotonic_ms() + (timeout_ms > 0 ? timeout_ms : 0);

	for (;;) {
		memset(&fl, 0, sizeof(fl));
		fl.l_type = F_WRLCK;
		fl.l_whence = SEEK_SET;
		if (fcntl(fd, F_SETLK, &fl) == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno != EACCES && errno != EAGAIN) {
			set_cause(cause, "cannot lock %s: %s", lockpath, strerror(errno));
			return EX_IOERR;
		}
		if (monotonic_ms() >= deadline)
			break;
		sleep_ms(LOCK_RETRY_MS);
	}
	if (timeout_ms >= 1000)
		set_cause(cause, "%s is locked by another program (passwd, chpasswd, usermod?) for more than %d s",
		    lockpath, timeout_ms / 1000);
	else
		set_cause(cause, "%s is locked by another program (passwd, chpasswd, usermod?) for more than %d ms",
		    lockpath, timeout_ms > 0 ? timeout_ms : 0);
	return EX_TEMPFAIL;
}

/* Take the lock lckpwdf(3) takes: an fcntl write lock on lockpath. */
int shadow_lock(const char *lockpath, int timeout_ms, int *fd, char **cause)
{
	struct stat st;
	int lfd, rc;

	*fd = -1;
	lfd = open(lockpath, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
	if (lfd == -1) {
		set_cause(cause, "cannot open %s: %s", lockpath, strerror(errno));
		return EX_CANTCREAT;
	}
	if (fstat(lfd, &st) != 0 || !S_ISREG(st.st_mode)) {
		set_cause(cause, "cannot use %s as a lock: not a regular file", lockpath);
		close(lfd);
		return EX_CANTCREAT;
	}
	if ((rc = lock_wait(lfd, lockpath, timeout_ms, cause)) != 0) {
		close(lfd);
		return rc;
	}
	*fd = lfd;
	return 0;
}

/* Release the lock: closing the descriptor drops it. */
void shadow_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}
