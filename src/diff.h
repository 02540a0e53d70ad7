/* --dry-run's report: what a change would write and which effective settings
 * it would change.
 *
 * Must never: print a hash. */
#ifndef PODPASS_DIFF_H
#define PODPASS_DIFF_H

#include <stddef.h>

#include "planned_file.h"

/* A unified diff of each of the n planned files (lines of a secret file that
 * change show their hash masked) on standard output; "NAME: unchanged" for
 * a file the plan leaves as it is. */
void diff_print(struct planned_file *const *files, size_t n);

/* Each of the named settings (as sshd_config spells them) whose effective
 * value for the user differs between old_dump and dump (sshd -T outputs,
 * either NULL), before and after. */
void diff_print_settings(const char *old_dump, const char *dump, const char *const *names,
    size_t n);

#endif
