/* Key import for enable: PUBLIC_KEY and SSH_PUBLIC_KEY into the user's
 * ~/.ssh/authorized_keys.
 *
 * Must never: follow a symlink in the user's ~/.ssh (a user could point it
 * at /etc/shadow), add a key that is not a valid public key, duplicate a
 * key, or leave the file or ~/.ssh owned by root or open to others. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>

#include "atomic.h"
#include "authorized_keys.h"
#include "keys.h"
#include "log.h"
#include "util.h"

static const char *const key_vars[] = { "PUBLIC_KEY", "SSH_PUBLIC_KEY" };

/* Every key from the environment, validated. */
static int collect_keys(char ***keys, size_t *n, char **cause)
{
	char **one;
	size_t i, j, m;
	int rc;

	*keys = NULL;
	*n = 0;
	for (i = 0; i < sizeof(key_vars) / sizeof(key_vars[0]); i++) {
		const char *v = getenv(key_vars[i]);

		if (v == NULL)
			continue;
		if ((rc = authorized_keys_parse_env(v, key_vars[i], &one, &m, cause)) != 0) {
			strv_free(*keys, *n);
			*keys = NULL;
			*n = 0;
			return rc;
		}
		*keys = xrealloc(*keys, (*n + m + 1) * sizeof(**keys));
		for (j = 0; j < m; j++)
			(*keys)[(*n)++] = one[j];
		free(one);
	}
	return 0;
}

/* Refuse a path in the user's ~/.ssh that is a symlink or of the wrong type. */
static int check_no_link(const char *path, int want_dir, char **cause)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : (set_cause(cause, "%s: %s", path,
		    strerror(errno)), EX_CANTCREAT);
	if (S_ISLNK(st.st_mode) || (want_dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))) {
		set_cause(cause, "%s is %s; podpass does not add keys through it", path,
		    S_ISLNK(st.st_mode) ? "a symbolic link" : "not a regular file or directory");
		return EX_CANTCREAT;
	}
	return 0;
}

/* Read the current file (or nothing) and fix the owner and mode it gets. */
static int read_current(struct change *c, const struct account *a,
    struct planned_file *f, const char *logical, char **cause)
{
	char *real = change_real_path(c, logical), *dir = NULL;
	int rc;

	dir = xstrndup(real, (size_t)(strrchr(real, '/') - real));
	if ((rc = check_no_link(dir, 1, cause)) == 0)
		rc = check_no_link(real, 0, cause);
	free(dir);
	free(real);
	if (rc != 0)
		return rc;
	if ((rc = change_read_file(c, f, logical, 1)) != 0) {
		set_cause(cause, "%s", c->cause);
		return rc;
	}
	f->st.st_uid = a->pw.uid;
	f->st.st_gid = a->pw.gid;
	f->st.st_mode = S_IFREG | 0600;
	f->make_parent = 1;
	return 0;
}

/* 1 when the user's home directory exists (inside the root). */
static int home_exists(struct change *c, const struct account *a)
{
	char *real = change_real_path(c, a->pw.home);
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

int keys_count_for_user(struct change *c, const struct account *a,
    const struct planned_file *planned)
{
	char *logical, *real, *text = NULL;
	size_t len, n;

	if (planned != NULL && planned->new != NULL)
		return (int)count_keys(planned->new, planned->newlen);
	logical = xasprintf("%s/.ssh/authorized_keys",
	    strcmp(a->pw.home, "/") == 0 ? "" : a->pw.home);
	real = change_real_path(c, logical);
	free(logical);
	if (atomic_read(real, ATOMIC_MAX_FILE, &text, &len, NULL, NULL) != 0) {
		free(real);
		return 0;
	}
	n = count_keys(text, len);
	free(text);
	free(real);
	return (int)n;
}

int keys_plan(struct change *c, const struct account *a, struct planned_file *f,
    size_t *added, char **cause)
{
	char **keys, *logical;
	size_t n;
	int rc;

	*added = 0;
	if ((rc = collect_keys(&keys, &n, cause)) != 0)
		return rc;
	if (n == 0) {	/* a variable with no key (PUBLIC_KEY=null) still got an array */
		free(keys);
		return 0;
	}
	if (!home_exists(c, a)) {
		log_warn("'%s' has no home directory (%s): the key(s) from the environment "
		    "are not added", a->user, a->pw.home);
		strv_free(keys, n);
		return 0;
	}
	logical = xasprintf("%s/.ssh/authorized_keys",
	    strcmp(a->pw.home, "/") == 0 ? "" : a->pw.home);
	rc = read_current(c, a, f, logical, cause);
	free(logical);
	if (rc == 0)
		rc = authorized_keys_merge(f->old, f->oldlen, keys, n, &f->new, &f->newlen,
		    added, cause);
	strv_free(keys, n);
	if (rc == 0 && *added > 0)
		log_verbose("adding %zu key(s) from the environment to %s", *added, f->name);
	return rc;
}
