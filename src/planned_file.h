/* One file a change may write: its path inside the root, its contents as
 * they are and as the change would leave them. Read here; written and
 * restored by the change (change.c).
 *
 * Must never: keep a secret file's contents in memory unwiped once freed. */
#ifndef PODPASS_PLANNED_FILE_H
#define PODPASS_PLANNED_FILE_H

#include <stddef.h>
#include <sys/stat.h>

/* How long a run waits for a lock that another podpass run holds on a file
 * it plans (sshd_config's directory, /etc/shadow). */
#define FILE_LOCK_TIMEOUT_MS 15000

struct userfile;

/* One file the change may write. */
struct planned_file {
	char *path;		/* real path, symlinks resolved */
	char *name;		/* as the user knows it (inside the root) */
	char *old, *new;
	size_t oldlen, newlen;
	struct stat st;
	int exists;		/* there was a file before */
	int secret;		/* holds hashes: wiped when freed, masked in diffs */
	const char *backup;	/* keep the old contents there first (inside root), or NULL */
	int touched;		/* a write was attempted: restore on rollback */
	int make_parent;	/* create the missing parent directory (0700, owned by st) */
	int made_parent;	/* it was created: remove it on rollback */
	char *orig_link;	/* a hard link to the file as it was, from the commit on */
	int late;		/* planned by change.plan_late, written after sshd's reload */
	/* A file in a user's ~/.ssh: read, written, checked and restored only
	 * through userfile.h (the user's rights), never by path here; freed
	 * with the planned file. */
	struct userfile *uf;
	const char *user;	/* with uf: the user whose home holds it */
	int optional;		/* a failed write is a warning: the file is skipped */
	int skipped;		/* it was, and is left as it was */
};

/* Read the file at logical (a path inside root) into f: symlinks are
 * resolved (the target is what gets written), the old contents and stat are
 * kept. A missing file is EX_NOINPUT unless may_be_missing. */
int planned_file_read(const char *root, struct planned_file *f, const char *logical,
    int may_be_missing, char **cause);
void planned_file_free(struct planned_file *f);
/* 1 when the planned contents differ from the old ones. */
int planned_file_changes(const struct planned_file *f);

#endif
