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
#include "cleanup.h"
#include "log.h"
#include "util.h"

int atomic_read_fd(int fd, const char *path, size_t max, char **data, size_t *len,
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
			explicit_bzero(chunk, sizeof(chunk));
			buf_free(&b);
			return EX_IOERR;
		}
		if (r == 0)
			break;
		if (b.len + (size_t)r > max) {
			set_cause(cause, "%s: larger than %zu bytes", path, max);
			explicit_bzero(chunk, sizeof(chunk));
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

	/* O_NONBLOCK: a FIFO or a device in a file's place is refused below, never
	 * waited on (a regular file reads the same with it) */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | flags);
	if (fd < 0) {
		if (errno == ELOOP && (flags & O_NOFOLLOW)) {
			set_cause(cause, "%s: refused: it is a symbolic link", path);
			return EX_DATAERR;
		}
		set_cause(cause, "%s: %s", path, strerror(errno));
		return errno == ENOENT || errno == EACCES || errno == ENOTDIR ?
		    EX_NOINPUT : EX_IOERR;
	}
	rc = atomic_read_fd(fd, path, max, data, len, st, cause);
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

/* Split the first component off *rest (skipping slashes); NULL at the end. */
static char *next_component(char **rest)
{
	char *p = *rest, *slash, *comp, *tail;

	while (*p == '/')
		p++;
	if (*p == '\0')
		return NULL;
	slash = strchr(p, '/');
	comp = slash ? xstrndup(p, (size_t)(slash - p)) : xstrdup(p);
	tail = xstrdup(slash ? slash : "");
	free(*rest);
	*rest = tail;
	return comp;
}

/* Drop the last component of cur, never above the root prefix of length bl. */
static void step_up(char *cur, size_t bl)
{
	char *q = strrchr(cur, '/');

	if (q != NULL && (size_t)(q - cur) >= bl)
		*q = '\0';
}

char *atomic_resolve(const char *root, const char *path, char **cause)
{
	char *base = path_under_root(root, "/"), *rest, *cur, *comp, *next;
	char target[PATH_MAX];
	size_t bl = strlen(base);
	int hops = 0;
	ssize_t n;

	while (bl > 0 && base[bl - 1] == '/')
		base[--bl] = '\0';
	rest = xstrdup(bl > 0 && strncmp(path, base, bl) == 0 ? path + bl : path);
	cur = base;
	while ((comp = next_component(&rest)) != NULL) {
		if (strcmp(comp, ".") == 0 || strcmp(comp, "..") == 0) {
			if (comp[1] == '.')
				step_up(cur, bl);
			free(comp);
			continue;
		}
		next = xasprintf("%s/%s", cur, comp);
		free(comp);
		n = readlink(next, target, sizeof(target) - 1);
		if (n < 0) {
			free(cur);
			cur = next;
			continue;
		}
		free(next);
		if (++hops > 40) {
			set_cause(cause, "%s: too many levels of symbolic links", path);
			free(cur);
			free(rest);
			return NULL;
		}
		target[n] = '\0';
		next = xasprintf("%s/%s", target, rest);
		free(rest);
		rest = next;
		if (target[0] == '/')
			cur[bl] = '\0';
	}
	free(rest);
	if (*cur == '\0') {
		free(cur);
		cur = xstrdup("/");
	}
	return cur;
}

int atomic_write_all(int fd, const char *data, size_t len)
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

int atomic_fsync_dir(const char *path)
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
	if (atomic_write_all(fd, data, len) != 0 || ftruncate(fd, (off_t)len) != 0 ||
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

	sigset_t old;

	*tmp = xstrdup(tmp_template);
	cleanup_block(&old);
	fd = mkostemp(*tmp, O_CLOEXEC);
	if (fd >= 0)
		cleanup_add(*tmp, 0);	/* a signal before the rename removes it */
	cleanup_unblock(&old);
	if (fd < 0) {
		set_cause(cause, "cannot create a temp file beside it (%s): %s", *tmp,
		    strerror(errno));
		free(*tmp);
		*tmp = NULL;
		return EX_CANTCREAT;
	}
	if (copy_attrs(fd, like) != 0 || atomic_write_all(fd, data, len) != 0 || fsync(fd) != 0) {
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
	cleanup_forget(*tmp);
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
		cleanup_forget(tmp);
		free(tmp);
		if (err == EBUSY || err == EXDEV) {
			log_verbose("%s is a mount point; rewriting it in place", path);
			return replace_in_place(path, data, len, cause);
		}
		set_cause(cause, "%s: rename: %s", path, strerror(err));
		return EX_CANTCREAT;
	}
	cleanup_forget(tmp);
	free(tmp);
	if (atomic_fsync_dir(path) != 0) {
		set_cause(cause, "%s: fsync of its directory: %s", path, strerror(errno));
		return EX_IOERR;
	}
	return 0;
}
