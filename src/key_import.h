/* Key import for enable: public keys that pods pass in PUBLIC_KEY (RunPod)
 * and SSH_PUBLIC_KEY (vast.ai) planned into the user's
 * ~/.ssh/authorized_keys as a file of the change. */
#ifndef PODPASS_KEY_IMPORT_H
#define PODPASS_KEY_IMPORT_H

#include <stddef.h>

#include "account.h"
#include "planned_file.h"

/* Plan ~/.ssh/authorized_keys of a->user with every key from the
 * environment that it lacks, read with the user's rights (userfile.h). Sets
 * *added (0: nothing to do, f is not to be committed) and *skipped (lines
 * that are not keys, and every key when the file cannot be worked on
 * safely: a symlink out of reach, not a regular file, a hard link, a wrong
 * owner), each with a warning. Returns 0: key import never stops the
 * password. */
int key_import_plan(const char *root, const struct account *a, struct planned_file *f,
    size_t *added, size_t *skipped);

/* How many valid keys the user's ~/.ssh/authorized_keys holds: in planned
 * (when it was planned with new contents and not skipped), else on disk,
 * read with the user's rights (0, with a warning, when it cannot be read
 * safely). */
int key_import_count_for_user(const char *root, const struct account *a,
    const struct planned_file *planned);

/* journal_userfile_undo, arg the root (inspect.c): the user's
 * ~/.ssh/authorized_keys that a killed run left half made, put back with the
 * user's rights (userfile_undo_killed); done: only the link to its original
 * removed, with the user's rights (userfile_drop_orig). */
int key_import_undo_killed(void *arg, const char *user, const char *path, int existed,
    int done, char **cause);

#endif
