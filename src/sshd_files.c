/* Reading the files an sshd_config includes, from disk (see sshd_files.h). */
#include "config.h"

#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "atomic.h"
#include "sshd_config.h"
#include "sshd_files.h"
#include "util.h"

int sshd_files_loader(void *ctx, const char *pattern, struct sshd_source **files,
    size_t *n, char **cause)
{
	const char *root = ctx;
	char *full = path_under_root(root, pattern);
	size_t i, skip = strcmp(root, "/") == 0 ? 0 : strlen(full) - strlen(pattern);
	struct sshd_source *v;
	glob_t g;
	int rc = 0, gr;

	*files = NULL;
	*n = 0;
	gr = glob(full, 0, NULL, &g);
	free(full);
	if (gr == GLOB_NOMATCH)
		return 0;
	if (gr != 0) {
		set_cause(cause, "Include %s: cannot expand the pattern", pattern);
		return EX_IOERR;
	}
	v = xcalloc(g.gl_pathc, sizeof(*v));
	for (i = 0; i < g.gl_pathc && rc == 0; i++) {
		v[i].path = xstrdup(g.gl_pathv[i] + skip);
		rc = atomic_read(g.gl_pathv[i], ATOMIC_MAX_FILE, &v[i].data, &v[i].len,
		    NULL, cause);
	}
	if (rc != 0) {
		sshd_sources_free(v, g.gl_pathc);
		v = NULL;
	}
	*files = v;
	*n = rc == 0 ? g.gl_pathc : 0;
	globfree(&g);
	return rc;
}
