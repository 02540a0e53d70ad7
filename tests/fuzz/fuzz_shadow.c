/* libFuzzer target for the passwd/group/shadow parsers and the shadow line
 * editor. The input is the text of /etc/shadow (and, the same bytes, of
 * /etc/passwd and /etc/group); the users tried are the first fields of its
 * first lines, plus "root". Besides "no crash, no leak", it aborts when:
 *  - shadow_set_hash changes a byte outside the user's hash and lastchg
 *    fields: every other line byte-identical, the same number of lines,
 *    the rest of the user's line kept;
 *  - its output does not hold exactly one line for the user, with the new
 *    hash and lastchg (read back with shadow_find when the input's line
 *    was readable);
 *  - it accepts an empty hash, one with ':' or a control character, or a
 *    lastchg <= 0, or disagrees with shadow_find on whether the user is
 *    there;
 *  - passwd_find returns another user, or group_names_for_user a duplicate
 *    or a name that is empty or holds ':' or a line break. */
#include "config.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "log.h"
#include "shadow.h"
#include "util.h"

#define USERS_MAX 8		/* lines whose first field is tried as a user */
#define NAME_MAX_TRY 300	/* longer first fields are cut here */

/* Abort with the failed property's name; libFuzzer saves the input. */
#define PROPERTY(cond) do { \
	if (!(cond)) \
		fatal("property failed at %s:%d: %s", __FILE__, __LINE__, #cond); \
} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Hashes to write, good and bad; set_hash must refuse the bad ones. */
static const char *const hashes[] = {
	"$y$j9T$abcdefghijklmnop$0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabc",
	"*",
	"$6$salt$x",
	"",
	"a:b",
	"two\nlines",
	"cr\r",
	"tab\there",
	"\x7f",
	"!",
};

static const long lastchgs[] = { 19000, 1, LONG_MAX, 0, -3 };

/* One '\n'-separated piece of a text: full bytes before the '\n', len of
 * them without a CR before the '\n' (the line as shadow.c reads it). */
struct seg {
	const char *p;
	size_t len;
	size_t full;
};

/* Split text into its lines as shadow.c counts them: a last piece after the
 * final '\n' is a line when not empty. Returns a malloc'd array, *n lines. */
static struct seg *split_lines(const char *text, size_t len, size_t *n)
{
	struct seg *v = NULL;
	const char *p = text, *end = text + len, *nl;

	*n = 0;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		v = xrealloc(v, (*n + 1) * sizeof(*v));
		v[*n].p = p;
		v[*n].full = v[*n].len = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		if (nl != NULL && v[*n].len > 0 && p[v[*n].len - 1] == '\r')
			v[*n].len--;
		(*n)++;
		p = nl != NULL ? nl + 1 : end;
	}
	return v;
}

/* Length of the first n ':'-separated fields of a line and their colons,
 * or (size_t)-1 when it has fewer. */
static size_t fields_prefix(const struct seg *l, int n)
{
	size_t i;

	for (i = 0; i < l->len; i++)
		if (l->p[i] == ':' && --n == 0)
			return i + 1;
	return (size_t)-1;
}

/* 1 when line l is an entry for user (its first field is user, not NIS). */
static int line_is_user(const struct seg *l, const char *user)
{
	size_t ulen = strlen(user);

	if (l->len > 0 && (l->p[0] == '+' || l->p[0] == '-'))
		return 0;
	return l->len >= ulen && memcmp(l->p, user, ulen) == 0 &&
	    (l->len == ulen || l->p[ulen] == ':');
}

/* 1 when hash may be written as a shadow field. */
static int hash_writable(const char *hash)
{
	const unsigned char *p;

	if (*hash == '\0')
		return 0;
	for (p = (const unsigned char *)hash; *p != '\0'; p++)
		if (*p == ':' || *p < ' ' || *p == 0x7f)
			return 0;
	return 1;
}

/* The edit touched only user's line, and only its fields 2 and 3. */
static void check_edit(const char *text, size_t len, const char *out, size_t outlen,
    const char *user, const char *hash, long lastchg)
{
	struct seg *a, *b;
	size_t na, nb, i, pa, pb, users = 0;
	char *head;

	a = split_lines(text, len, &na);
	b = split_lines(out, outlen, &nb);
	PROPERTY(na == nb);
	/* the line ending and a missing final newline are kept */
	PROPERTY((len > 0 && text[len - 1] == '\n') == (outlen > 0 && out[outlen - 1] == '\n'));
	head = xasprintf("%s:%s:%ld:", user, hash, lastchg);
	for (i = 0; i < na; i++) {
		if (!line_is_user(&b[i], user)) {
			PROPERTY(a[i].full == b[i].full && memcmp(a[i].p, b[i].p, a[i].full) == 0);
			continue;
		}
		users++;
		PROPERTY(line_is_user(&a[i], user));
		pa = fields_prefix(&a[i], 3);
		pb = fields_prefix(&b[i], 3);
		PROPERTY(pa != (size_t)-1 && pb == strlen(head) &&
		    memcmp(b[i].p, head, pb) == 0);
		PROPERTY(a[i].full - pa == b[i].full - pb &&
		    memcmp(a[i].p + pa, b[i].p + pb, a[i].full - pa) == 0);
	}
	PROPERTY(users == 1);
	free(head);
	free(a);
	free(b);
}

/* shadow_set_hash on text for user, checked against shadow_find. */
static void try_set_hash(const char *text, size_t len, const char *user, size_t pick)
{
	const char *hash = hashes[pick % (sizeof(hashes) / sizeof(hashes[0]))];
	long lastchg = lastchgs[pick % (sizeof(lastchgs) / sizeof(lastchgs[0]))];
	struct shadow_entry before, after;
	char *out = NULL, *cause = NULL;
	int rc, found, lineno = -1, lineno2 = -1;
	size_t outlen = 1;

	found = shadow_find(text, len, user, &before, &lineno, &cause);
	PROPERTY((found == 0) == (cause == NULL));
	PROPERTY(found == 0 || found == EX_NOUSER || found == EX_DATAERR);
	PROPERTY(found != 0 || (before.hash != NULL && lineno >= 1));
	free(cause);
	cause = NULL;
	rc = shadow_set_hash(text, len, user, hash, lastchg, &out, &outlen, &cause);
	PROPERTY((rc == 0) == (cause == NULL) && (rc == 0) == (out != NULL));
	if (rc != 0) {
		PROPERTY(outlen == 0);
		PROPERTY(rc == EX_NOUSER || rc == EX_DATAERR);
		PROPERTY(!(found == EX_NOUSER && hash_writable(hash) && lastchg > 0) ||
		    rc == EX_NOUSER);
		PROPERTY(!(found == 0 && hash_writable(hash) && lastchg > 0));
		goto out;
	}
	PROPERTY(hash_writable(hash) && lastchg > 0 && found != EX_NOUSER);
	PROPERTY(out[outlen] == '\0');
	check_edit(text, len, out, outlen, user, hash, lastchg);
	if (found == 0) {
		PROPERTY(shadow_find(out, outlen, user, &after, &lineno2, NULL) == 0);
		PROPERTY(strcmp(after.hash, hash) == 0 && after.lastchg == lastchg);
		PROPERTY(lineno2 == lineno && after.min == before.min &&
		    after.max == before.max && after.warn == before.warn &&
		    after.inactive == before.inactive && after.expire == before.expire);
		shadow_entry_free(&after);
	}
out:
	if (found == 0)
		shadow_entry_free(&before);
	free(out);
	free(cause);
}

/* passwd_find and group_names_for_user on text for user. */
static void try_lookups(const char *text, size_t len, const char *user)
{
	struct passwd_entry pe;
	char *cause = NULL, **groups;
	size_t n, i, j;
	gid_t primary = 0;
	int rc;

	rc = passwd_find(text, len, user, &pe, &cause);
	PROPERTY((rc == 0) == (cause == NULL));
	PROPERTY(rc == 0 || rc == EX_NOUSER || rc == EX_DATAERR);
	if (rc == 0) {
		PROPERTY(strcmp(pe.name, user) == 0 && pe.line >= 1);
		PROPERTY(pe.uid != (uid_t)-1 && pe.gid != (gid_t)-1);
		primary = pe.gid;
		passwd_entry_free(&pe);
	}
	free(cause);
	groups = group_names_for_user(text, len, user, primary, &n, NULL);
	PROPERTY(groups != NULL && groups[n] == NULL);
	for (i = 0; i < n; i++) {
		PROPERTY(groups[i][0] != '\0' && strpbrk(groups[i], ":\n") == NULL);
		for (j = 0; j < i; j++)
			PROPERTY(strcmp(groups[i], groups[j]) != 0);
	}
	strv_free(groups, n);
}

/* Every check for one user name. */
static void try_user(const char *text, size_t len, const char *user, size_t pick)
{
	char *cause = NULL;
	int ok = user_name_check(user, &cause) == 0;

	PROPERTY(ok == (cause == NULL));
	free(cause);
	try_lookups(text, len, user);
	try_set_hash(text, len, user, pick);
}

/* SOURCE_DATE_EPOCH parsing on the first line of the input. */
static void try_days(const char *text, size_t len)
{
	char *first = xstrndup(text, len), *cause = NULL;
	long d;

	first[strcspn(first, "\n")] = '\0';
	d = shadow_days(first, 1000, &cause);
	PROPERTY((d == -1 && cause != NULL) || (d >= 1 && cause == NULL));
	free(cause);
	free(first);
}

/* Feed the input as /etc/shadow, /etc/passwd and /etc/group. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct seg *lines;
	size_t n, i, flen;
	char *user;

	log_set_level(LOG_LEVEL_ERROR);
	try_days(text, size);
	lines = split_lines(text, size, &n);
	for (i = 0; i < n && i < USERS_MAX; i++) {
		flen = 0;
		while (flen < lines[i].len && flen < NAME_MAX_TRY && lines[i].p[flen] != ':')
			flen++;
		user = xstrndup(lines[i].p, flen);
		try_user(text, size, user, i + (size_t)lines[i].len);
		free(user);
	}
	try_user(text, size, "root", size);
	free(lines);
	return 0;
}
