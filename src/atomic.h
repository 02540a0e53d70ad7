/* Whole-file reads and atomic, reversible replacement.
 *
 * Must never: leave a half-written file or a temp file behind, change a
 * file's owner, group or mode, or replace a symlink with a regular file. */
#ifndef PODPASS_ATOMIC_H
#define PODPASS_ATOMIC_H

#include <stddef.h>
#include <sys/stat.h>

/* Files larger than this are refused when read. */
#define ATOMIC_MAX_FILE ((size_t)64 * 1024 * 1024)

/* Read all of fd, opened as path (for messages), into a new buffer: a regular
 * file of at most max bytes, else EX_DATAERR. st may be NULL. */
int atomic_read_fd(int fd, const char *path, size_t max, char **data, size_t *len,
    struct stat *st, char **cause);
/* Read a whole regular file (following symlinks) of at most max bytes.
 * Returns 0 with malloc'd, NUL-terminated *data and *len (and *st when not
 * NULL), or EX_NOINPUT (missing or unreadable), EX_DATAERR (not a regular
 * file, too large), EX_IOERR. */
int atomic_read(const char *path, size_t max, char **data, size_t *len,
    struct stat *st, char **cause);
/* The same, but a symlink is refused (O_NOFOLLOW) and *st comes from the
 * descriptor that was read. */
int atomic_read_nofollow(const char *path, size_t max, char **data, size_t *len,
    struct stat *st, char **cause);

/* Resolve path (a real path under root, as path_under_root gives it) the
 * way the kernel would if root were "/": symlinks are followed one component
 * at a time, absolute link targets and ".." stay under root. Returns a
 * malloc'd real path of the final file (it need not exist) or NULL with
 * *cause. */
char *atomic_resolve(const char *root, const char *path, char **cause);

/* Replace the file at path (already resolved: not a symlink) with data:
 * a temp file in the same directory gets like's mode, owner and group, is
 * written and fsync'd, renamed over path, and the directory is fsync'd.
 * When path is a mount point (rename gives EBUSY: a bind-mounted file) the
 * file is rewritten in place instead. Returns 0, or EX_CANTCREAT / EX_IOERR
 * with *cause; on failure nothing is left behind and path is unchanged
 * (except for an in-place rewrite, which the caller undoes from its copy). */
int atomic_replace(const char *path, const char *data, size_t len,
    const struct stat *like, char **cause);

/* Write all of data (len bytes) to fd, retrying after EINTR; 0 or -1 with
 * errno. */
int atomic_write_all(int fd, const char *data, size_t len);

/* fsync the directory that holds path; 0 or -1. */
int atomic_fsync_dir(const char *path);

#endif
