/* Reading the files an sshd_config includes, from disk: the loader that
 * gives the pure parser (sshd_config.c) the text of each Include. */
#ifndef PODPASS_SSHD_FILES_H
#define PODPASS_SSHD_FILES_H

#include <stddef.h>

#include "sshd_config.h"

/* An sshd_config_loader (sshd_config.h) that reads Include files from disk
 * under the root given as ctx (a const char *). */
int sshd_files_loader(void *ctx, const char *pattern, struct sshd_source **files,
    size_t *n, char **cause);

#endif
