/* Key import for enable: PUBLIC_KEY and SSH_PUBLIC_KEY into the user's
 * ~/.ssh/authorized_keys.
 *
 * Must never: touch the user's ~/.ssh but through userfile.h (the user's
 * own rights; for root, root-owned components only), add a key that is not
 * a valid public key, duplicate a key, leave the file or ~/.ssh owned by
 * root or open to others, or let a bad key or an unsafe key file stop the
 * password from being turned on. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>

#include "authorized_keys.h"
#include "key_import.h"
#include "log.h"
#include "userfile.h"
#include "util.h"

static const char *const key_vars[] = { "PUBLIC_KEY", "SSH_PUBLIC_KEY" };

/* Every key from the environment; lines that are not keys are skipped with
 * a warning each and counted in *skipped. */
static void collect_keys(char ***keys, size_t *n, size_t *skipped)
{
	char **one, **bad;
	size_t i, j, m, nbad;

	*keys = NULL;
	*n = 0;
	*skipped = 0;
	for (i = 0; i < sizeof(key_vars) / sizeof(key_vars[0]); i++) {
		authorized_keys_parse_env(getenv(key_vars[i]), key_vars[i], &one, &m, &bad, &nbad);
		for (j = 0; j < nbad; j++)
			log_warn("%s: not a public key, skipped", bad[j]);
		strv_free(bad, nbad);
		*skipped += nbad;
		*keys = xrealloc(*keys, (*n + m + 1) * sizeof(**keys));
		for (j = 0; j < m; j++)
			(*keys)[(*n)++] = one[j];
		free(one);
	}
}

/* The user's ~/.ssh/authorized_keys as a userfile (malloc'd). */
static struct userfile *keys_file(const char *root, const struct account *a)
{
	struct userfile *u = xmalloc(sizeof(*u));

	userfile_init(u, root, a->pw.home, a->pw.uid, a->pw.gid, a->gids, a->ngroups,
	    "authorized_keys");
	return u;
}

/* Read the current file (or nothing) with the user's rights into f. */
static int read_current(const char *root, const struct account *a,
    struct planned_file *f, char **cause)
{
	f->uf = keys_file(root, a);
	f->user = a->user;
	f->name = xstrdup(f->uf->shown);
	return userfile_read(f->uf, &f->old, &f->oldlen, &f->exists, cause);
}

/* 1 when the user's home directory exists (inside the root). */
static int home_exists(const char *root, const struct account *a)
{
	char *real = path_under_root(root, a->pw.home);
	struct stat st;
	int ok = a->pw.home[0] == '/' && stat(real, &st) == 0 && S_ISDIR(st.st_mode);

	free(real);
	return ok;
}

/* Count the valid key lines in text. */
static size_t count_keys(const char *text, size_t len)
{
	const char *p = text, *end = text + len, *nl, *why;
	size_t n = 0;
	char *line;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		line = xstrndup(p, (size_t)((nl ? nl : end) - p));
		if (line[0] != '\0' && line[strlen(line) - 1] == '\r')
			line[strlen(line) - 1] = '\0';
		n += authorized_keys_line_valid(line, &why) == 1;
		free(line);
		p = nl ? nl + 1 : end;
	}
	return n;
}

int key_import_count_for_user(const char *root, const struct account *a,
    const struct planned_file *planned)
{
	struct userfile *u;
	char *text = NULL, *cause = NULL;
	size_t len, n = 0;
	int exists;

	if (planned != NULL && planned->new != NULL && !planned->skipped)
		return (int)count_keys(planned->new, planned->newlen);
	u = keys_file(root, a);
	if (userfile_read(u, &text, &len, &exists, &cause) == 0)
		n = count_keys(text, len);
	else
		log_warn("%s: its keys are not counted", cause);
	free(text);
	free(cause);
	userfile_free(u);
	free(u);
	return (int)n;
}

int key_import_plan(const char *root, const struct account *a, struct planned_file *f,
    size_t *added, size_t *skipped)
{
	char **keys, *cause = NULL;
	size_t n;
	int rc;

	*added = 0;
	collect_keys(&keys, &n, skipped);
	if (n == 0) {
		free(keys);
		return 0;
	}
	if (!home_exists(root, a)) {
		log_warn("'%s' has no home directory (%s): the key(s) from the environment "
		    "are not added", a->user, a->pw.home);
		strv_free(keys, n);
		*skipped += n;
		return 0;
	}
	rc = read_current(root, a, f, &cause);
	if (rc == 0)
		rc = authorized_keys_merge(f->old, f->oldlen, keys, n, &f->new, &f->newlen,
		    added, &cause);
	strv_free(keys, n);
	if (rc != 0) {
		log_warn("%s: the key(s) from the environment are not added", cause);
		*skipped += n;
		*added = 0;
	} else if (*added > 0)
		log_verbose("adding %zu key(s) from the environment to %s", *added, f->name);
	free(cause);
	return 0;
}

int key_import_undo_killed(void *arg, const char *user, const char *path, int existed,
    int done, char **cause)
{
	const char *root = arg;
	struct account a;
	struct userfile *u;
	int rc;

	account_init(&a, user);
	if ((rc = account_lookup(root, &a, cause)) == 0) {
		u = keys_file(root, &a);
		if (done) {
			u->kept_orig = 1;	/* maybe: a link that is not there is let be */
			userfile_drop_orig(u);
		} else if ((rc = userfile_undo_killed(u, existed, cause)) == 0)
			log_verbose("%s: put back as it was", path);
		userfile_free(u);
		free(u);
	}
	account_free(&a);
	return rc;
}
