/* Whether a path is root's to decide: walked one component at a time from
 * directory descriptors, each checked with fstat on what was opened.
 *
 * Must never: resolve a name twice (a component is opened once, O_PATH and
 * O_NOFOLLOW, and everything after goes through that descriptor), follow a
 * symbolic link that someone other than root owns, or open the final file
 * in a way that blocks (FIFO, device). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "trust.h"
#include "util.h"

#define TRUST_MAX_LINKS 40

/* One walk: the directory reached so far (fd and name), the rest to go. */
struct walk {
	int dir;
	char *at;		/* the path walked so far, for messages ("" at /) */
	char *rest;		/* malloc'd: what is left of the path */
	size_t links;
	uid_t owner;
	const char *path;	/* as asked, for "missing" messages */
};

/* 1 when st (a directory) is root's or owner's and nobody else can change
 * what it holds: not writable by group or others, or sticky and root's. */
static int dir_trusted(const struct stat *st, uid_t owner)
{
	if (st->st_uid != 0 && st->st_uid != owner)
		return 0;
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) == 0)
		return 1;
	return st->st_uid == 0 && (st->st_mode & S_ISVTX) != 0;
}

/* Why st fails, or NULL when it is trusted as a directory. */
static const char *dir_problem(const struct stat *st, uid_t owner)
{
	if (!S_ISDIR(st->st_mode))
		return "not a directory";
	if (st->st_uid != 0 && st->st_uid != owner)
		return "a directory owned by another user";
	return dir_trusted(st, owner) ? NULL : "a directory that group or others can write";
}

/* Start again at "/" (the walk's start, or an absolute link target). */
static int walk_from_root(struct walk *w)
{
	if (w->dir >= 0)
		close(w->dir);
	free(w->at);
	w->at = xstrdup("");
	w->dir = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	return w->dir < 0 ? -1 : 0;
}

/* Take the next component off w->rest (malloc'd), or NULL at the end; what
 * is left starts at the next component, "" when there is none. */
static char *next_name(struct walk *w)
{
	char *p = w->rest, *q, *name;

	while (*p == '/')
		p++;
	if (*p == '\0')
		return NULL;
	for (q = p; *q != '\0' && *q != '/'; q++)
		;
	name = xstrndup(p, (size_t)(q - p));
	while (*q == '/')
		q++;
	memmove(w->rest, q, strlen(q) + 1);
	return name;
}

/* Put a link's target in front of what is left to walk. */
static void splice_link(struct walk *w, const char *target)
{
	char *joined = xasprintf("%s/%s", target, w->rest);

	free(w->rest);
	w->rest = joined;
}

/* Follow the symbolic link opened as fd (already checked to be root's). */
static int follow_link(struct walk *w, int fd, const char *name, char **cause)
{
	char target[PATH_MAX];
	ssize_t n = readlinkat(fd, "", target, sizeof(target) - 1);

	if (n < 0 || ++w->links > TRUST_MAX_LINKS) {
		set_cause(cause, "%s/%s: %s", w->at, name,
		    n < 0 ? strerror(errno) : "too many levels of symbolic links");
		return EX_NOPERM;
	}
	target[n] = '\0';
	splice_link(w, target);
	if (target[0] == '/' && walk_from_root(w) != 0) {
		set_cause(cause, "/: %s", strerror(errno));
		return EX_NOPERM;
	}
	return 0;
}

/* Check the final file, opened for reading from its trusted directory
 * (O_NOFOLLOW: the entry was just seen not to be a link; nobody else can
 * change it). Returns the descriptor, or -1 with *rc and *cause. */
static int open_file(struct walk *w, const char *name, int *rc, char **cause)
{
	struct stat st;
	int fd = openat(w->dir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC |
	    O_NOCTTY);

	*rc = EX_NOINPUT;
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		set_cause(cause, "%s/%s: %s", w->at, name, fd < 0 ? strerror(errno) :
		    "not a regular file");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*rc = EX_NOPERM;
	if (st.st_uid != 0 && st.st_uid != w->owner)
		set_cause(cause, "%s/%s: owned by another user", w->at, name);
	else if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
		set_cause(cause, "%s/%s: writable by group or others", w->at, name);
	else {
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
		*rc = 0;
		return fd;
	}
	close(fd);
	return -1;
}

/* Step into name from w->dir: a trusted directory or a root-owned link (1:
 * go on), or, at the end, the file itself (0, *fd set). */
static int step(struct walk *w, const char *name, int *fd, int *rc, char **cause)
{
	struct stat st;
	const char *why;
	char *p;
	int pfd = openat(w->dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);

	if (pfd < 0 || fstat(pfd, &st) != 0) {
		*rc = errno == ENOENT ? EX_NOINPUT : EX_NOPERM;
		if (errno == ENOENT)	/* the path as asked: what the user knows */
			set_cause(cause, "%s: %s", w->path, strerror(errno));
		else
			set_cause(cause, "%s/%s: %s", w->at, name, strerror(errno));
		if (pfd >= 0)
			close(pfd);
		return -1;
	}
	if (S_ISLNK(st.st_mode)) {
		*rc = EX_NOPERM;
		if (st.st_uid != 0)
			set_cause(cause, "%s/%s: a symbolic link owned by another user",
			    w->at, name);
		else
			*rc = follow_link(w, pfd, name, cause);
		close(pfd);
		return *rc == 0 ? 1 : -1;
	}
	if (*w->rest == '\0' && !S_ISDIR(st.st_mode)) {
		close(pfd);
		*fd = open_file(w, name, rc, cause);
		return *fd < 0 ? -1 : 0;
	}
	if ((why = dir_problem(&st, w->owner)) != NULL) {
		*rc = EX_NOPERM;
		set_cause(cause, "%s/%s: %s", w->at, name, why);
		close(pfd);
		return -1;
	}
	close(w->dir);
	w->dir = pfd;
	p = xasprintf("%s/%s", w->at, name);
	free(w->at);
	w->at = p;
	return 1;
}

int trust_path(const char *path, uid_t owner, int *fd, char **cause)
{
	struct walk w = { -1, NULL, NULL, 0, owner, path };
	struct stat st;
	char *name;
	int rc = EX_NOPERM, got = -1, r = 1;

	if (path[0] != '/') {
		set_cause(cause, "%s: not an absolute path", path);
		return EX_USAGE;
	}
	w.rest = xstrdup(path);
	if (walk_from_root(&w) != 0 || fstat(w.dir, &st) != 0 ||
	    dir_problem(&st, TRUST_ROOT_ONLY) != NULL) {
		set_cause(cause, "/: not a directory that only root can change");
		r = -1;
	}
	while (r == 1 && (name = next_name(&w)) != NULL) {
		r = step(&w, name, &got, &rc, cause);
		free(name);
	}
	if (r == 1) {	/* the path ends in a directory */
		set_cause(cause, "%s: not a regular file", path);
		rc = EX_NOINPUT;
		r = -1;
	}
	if (w.dir >= 0)
		close(w.dir);
	free(w.at);
	free(w.rest);
	if (r != 0)
		return rc;
	if (fd != NULL)
		*fd = got;
	else
		close(got);
	return 0;
}
