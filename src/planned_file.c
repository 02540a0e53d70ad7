/* One file a change may write: read inside the root with its old contents,
 * compared with the planned ones, freed (a secret one wiped). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "atomic.h"
#include "planned_file.h"
#include "userfile.h"
#include "util.h"

void planned_file_free(struct planned_file *f)
{
	if (f->secret) {
		freezero(f->old, f->oldlen);
		freezero(f->new, f->newlen);
	} else {
		free(f->old);
		free(f->new);
	}
	free(f->path);
	free(f->name);
	if (f->uf != NULL)
		userfile_free(f->uf);
	free(f->uf);
	if (f->orig_link != NULL)
		unlink(f->orig_link);
	free(f->orig_link);
	memset(f, 0, sizeof(*f));
}

int planned_file_changes(const struct planned_file *f)
{
	return f->new != NULL && (!f->exists || f->oldlen != f->newlen ||
	    memcmp(f->old, f->new, f->oldlen) != 0);
}

int planned_file_read(const char *root, struct planned_file *f, const char *logical,
    int may_be_missing, char **cause)
{
	char *full = path_under_root(root, logical);
	int rc;

	f->name = xstrdup(logical);
	f->path = atomic_resolve(root, full, cause);
	free(full);
	if (f->path == NULL)
		return EX_IOERR;
	rc = atomic_read(f->path, ATOMIC_MAX_FILE, &f->old, &f->oldlen, &f->st, cause);
	if (rc == EX_NOINPUT && may_be_missing && access(f->path, F_OK) != 0) {
		free(*cause);
		*cause = NULL;
		f->old = xstrdup("");
		f->oldlen = 0;
		return 0;
	}
	if (rc == 0)
		f->exists = 1;
	return rc;
}
