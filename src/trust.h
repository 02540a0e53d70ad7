/* Whether a path is root's to decide: the file podpass is about to run as
 * root or take root's password from, and every directory and symbolic link
 * on the way to it.
 *
 * Must never: accept a path that a user other than root (or the one owner
 * the caller allows) could re-point or rewrite, or be made to wait on a FIFO. */
#ifndef PODPASS_TRUST_H
#define PODPASS_TRUST_H

#include <sys/types.h>

#define TRUST_ROOT_ONLY ((uid_t)0)

/* Walk the absolute path component by component without following a link
 * by name: each directory must be owned by root and not writable by group or
 * others (a root-owned sticky directory such as /tmp, or a Kubernetes secret
 * volume, passes: nobody else can rename or replace root's entries there);
 * each symbolic link must be owned by root and is followed from where it
 * stands; the final object must be a regular file owned by root or by
 * owner, not writable by group or others. owner may own the directories
 * too (a password file in its own home: it decides only its own password).
 * Returns 0, or EX_NOPERM with *cause naming the path that fails and why
 * (EX_NOINPUT when something on the way is missing or the end is not a
 * regular file). With fd not NULL the
 * file is opened for reading (O_NONBLOCK cleared) and *fd set. */
int trust_path(const char *path, uid_t owner, int *fd, char **cause);

#endif
