/* Whole-file reads and atomic replacement.
 *
 * Must never: leave a half-written file or a temp file behind, change a
 * file's owner, group or mode, or replace a symlink with a regular file. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "atomic.h"
#include "log.h"
#include "util.h"

/* Read all of fd (a regular file of at most max bytes) into a new buffer. */
static int read_fd(int fd, const char *path, size_t max, char **data, size_t *len,
    struct stat *st, char **cause)
{
	struct stat sb;
	struct buf b = { NULL, 0, 0 };
	char chunk[65536];
	ssize_t r;

	if (fstat(fd, &sb) != 0) {
		set_cause(cause, "%s: %s", path, strerror(errno));
		return EX_IOERR;
	}
	if (!S_ISREG(sb.st_mode)) {
		set_cause(cause, "%s: not a regular file", path);
		return EX_DATAERR;
	}
	for (;;) {
		r = read(fd, chunk, sizeof(chunk));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			set_cause(cause, "%s: read: %s", path, strerror(errno));
			buf_free(&b);
			return EX_IOERR;
		}
		if (r == 0)
			break;
		if (b.len + (size_t)r > max) {
			set_cause(cause, "%s: larger than %zu bytes", path, max);
			buf_free(&b);
			return EX_DATAERR;
		}
		buf_add(&b, chunk, (size_t)r);
	}
	explicit_bzero(chunk, sizeof(chunk));
	*data = buf_take(&b, len);
	if (st != NULL)
		*st = sb;
	return 0;
}

/* Open path with extra flags and read it whole. */
static int read_with_flags(const char *path, int flags, size_t max, char **data,
    size_t *len, struct stat *st, char **cause)
{
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | flags);
	if (fd < 0) {
		if (errno == ELOOP && (flags & O_NOFOLLOW)) {
			set_cause(cause, "%s: refused: it is a symbolic link", path);
			return EX_DATAERR;
		}
		set_cause(cause, "%s: %s", path, strerror(errno));
		return errno == ENOENT || errno == EACCES || errno == ENOTDIR ?
		    EX_NOINPUT : EX_IOERR;
	}
	rc = read_fd(fd, path, max, data, len, st, cause);
	close(fd);
	return rc;
}

int atomic_read(const char *path, size_t max, char **data, size_t *len,
    struct stat *st, char **cause)
{
	return read_with_flags(path, 0, max, data, len, st, cause);
}

int atomic_read_nofollow(const char *path, size_t max, char **data, size_t *len,
    struct stat *st, char **cause)
{
	return read_with_flags(path, O_NOFOLLOW, max, data, len, st, cause);
}

/* Join a symlink target to the directory of the link (or root for an
 * absolute target). */
static char *link_target_path(const char *root, const char *link, const char *target)
{
	char *dir, *copy, *p;

	if (target[0] == '/')
		return path_under_root(root, target);
	copy = xstrdup(link);
	dir = dirname(copy);
	p = xasprintf("%s/%s", dir, target);
	free(copy);
	return p;
}

char *atomic_resolve(const char *root, const char *path, char **cause)
{
	char *cur = xstrdup(path), *next, target[PATH_MAX];
	ssize_t n;
	int hops;

	for (hops = 0; hops < 40; hops++) {
		n = readlink(cur, target, sizeof(target) - 1);
		if (n < 0) {
			if (errno == EINVAL || errno == ENOENT)
				return cur;
			set_cause(cause, "%s: %s", cur, strerror(errno));
			free(cur);
			return NULL;
		}
		target[n] = '\0';
		next = link_target_path(root, cur, target);
		free(cur);
		cur = next;
	}
	set_cause(cause, "%s: too many levels of symbolic links", path);
	free(cur);
	return NULL;
}

/* Write all of data to fd. */
static int write_all(int fd, const char *data, size_t len)
{
	ssize_t w;

	while (len > 0) {
		w = write(fd, data, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			return -1;
		}
		data += w;
		len -= (size_t)w;
	}
	return 0;
}

/* fsync the directory that holds path. */
static int fsync_dir_of(const char *path)
{
	char *copy = xstrdup(path);
	int fd, rc = -1;

	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		rc = fsync(fd);
		close(fd);
	}
	free(copy);
	return rc;
}

/* Give a new file the owner, group and mode of the file it replaces. */
static int copy_attrs(int fd, const struct stat *like)
{
	if (fchown(fd, like->st_uid, like->st_gid) != 0)
		return -1;
	return fchmod(fd, like->st_mode & 07777);
}

/* Rewrite path in place (for a bind-mounted file that cannot be renamed over). */
static int replace_in_place(const char *path, const char *data, size_t len, char **cause)
{
	int fd, rc = EX_IOERR;

	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0) {
		set_cause(cause, "%s: %s", path, strerror(errno));
		return EX_CANTCREAT;
	}
	if (write_all(fd, data, len) != 0 || ftruncate(fd, (off_t)len) != 0 ||
	    fsync(fd) != 0) {
		set_cause(cause, "%s: rewriting in place: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (close(fd) != 0 && rc == 0) {
		set_cause(cause, "%s: close: %s", path, strerror(errno));
		rc = EX_IOERR;
	}
	return rc;
}

/* Create, fill and sync the temp file that will replace path. */
static int write_temp(const char *tmp_template, char **tmp, const char *data,
    size_t len, const struct stat *like, char **cause)
{
	int fd, rc = EX_IOERR;

	*tmp = xstrdup(tmp_template);
	fd = mkostemp(*tmp, O_CLOEXEC);
	if (fd < 0) {
		set_cause(cause, "cannot create a temp file beside it (%s): %s", *tmp,
		    strerror(errno));
		free(*tmp);
		*tmp = NULL;
		return EX_CANTCREAT;
	}
	if (copy_attrs(fd, like) != 0 || write_all(fd, data, len) != 0 || fsync(fd) != 0) {
		set_cause(cause, "%s: %s", *tmp, strerror(errno));
		close(fd);
		goto fail;
	}
	if (close(fd) != 0) {
		set_cause(cause, "%s: close: %s", *tmp, strerror(errno));
		goto fail;
	}
	return 0;
fail:
	unlink(*tmp);
	free(*tmp);
	*tmp = NULL;
	return rc;
}

int atomic_replace(const char *path, const char *data, size_t len,
    const struct stat *like, char **cause)
{
	char *template = xasprintf("%s.podpass-XXXXXX", path), *tmp = NULL;
	int rc;

	rc = write_temp(template, &tmp, data, len, like, cause);
	free(template);
	if (rc != 0)
		return rc;
	if (rename(tmp, path) != 0) {
		int err = errno;

		unlink(tmp);
		free(tmp);
		if (err == EBUSY || err == EXDEV) {
			log_verbose("%s is a mount point; rewriting it in place", path);
			return replace_in_place(path, data, len, cause);
		}
		set_cause(cause, "%s: rename: %s", path, strerror(err));
		return EX_CANTCREAT;
	}
	free(tmp);
	if (fsync_dir_of(path) != 0) {
		set_cause(cause, "%s: fsync of its directory: %s", path, strerror(errno));
		return EX_IOERR;
	}
	return 0;
}
