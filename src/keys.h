/* Key import for enable: public keys that pods pass in PUBLIC_KEY (RunPod)
 * and SSH_PUBLIC_KEY (vast.ai) planned into the user's
 * ~/.ssh/authorized_keys as a file of the change. */
#ifndef PODPASS_KEYS_H
#define PODPASS_KEYS_H

#include <stddef.h>

#include "account.h"
#include "change.h"

/* Plan ~/.ssh/authorized_keys of a->user with every key from the
 * environment that it lacks. Sets *added (0: nothing to do, f is not to be
 * committed). Returns 0, EX_DATAERR for a malformed key (naming the
 * variable and line), or EX_CANTCREAT when ~/.ssh or the file is a symlink
 * or not a directory/regular file. */
int keys_plan(struct change *c, const struct account *a, struct planned_file *f,
    size_t *added, char **cause);

/* How many valid keys the user's ~/.ssh/authorized_keys holds: in planned
 * (when it was planned with new contents), else on disk. */
int keys_count_for_user(struct change *c, const struct account *a,
    const struct planned_file *planned);

#endif
