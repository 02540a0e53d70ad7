/* A file in a user's ~/.ssh, worked on with the user's own rights (root: through
 * root-owned components only), in a child process podpass waits for with a
 * deadline.
 *
 * Must never: act on a file in a user's home with root's rights, follow a
 * link the target user does not own (root: that root does not own), read or
 * write anything but a regular file with one link owned by the user, block
 * podpass, or re-resolve a path name between a check and its use. In the
 * child: no stdio, no logging, no lock another thread of podpass may hold. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "atomic.h"
#include "userfile.h"
#include "util.h"

#define ORIG_SUFFIX ".podpass-orig"
#define MAX_LINK_HOPS 40

/* What a child is to do. */
enum job_op { OP_READ, OP_WRITE, OP_RESTORE, OP_DROP, OP_UNDO };

/* One job for a child, set up before the fork. */
struct job {
	const struct userfile *u;
	enum job_op op;
	const char *data;	/* write: the new text; restore: the old one */
	size_t len;
	int keep_orig;		/* write: keep NAME.podpass-orig first */
	int existed;		/* restore: the file was there before */
};

/* The child's answer: this header (with the directories it opened first,
 * as SCM_RIGHTS), then the cause, then the data read. */
struct reply {
	int rc;
	int exists;
	int made_dir;
	int kept_orig;
	int sent_parent;	/* the directory holding ~/.ssh comes with it */
	int sent_dir;		/* ~/.ssh (the file's directory) comes with it */
	char dirname[NAME_MAX + 1];	/* ~/.ssh's name in the parent */
	char name[NAME_MAX + 1];	/* the file's name in its directory */
	char shown[PATH_MAX];	/* the directory's path, for messages */
	size_t causelen;
	size_t datalen;
};

/* The child's state. */
struct child {
	const struct job *j;
	struct reply r;
	char cause[1024];
	int root;		/* the root directory (root's walk) */
	int parent;		/* the directory holding ~/.ssh (or the walk's last one) */
	int dir;		/* ~/.ssh, or -1 when it is missing */
	int held;		/* parent (and dir, when set) came from podpass */
	char *data;
	size_t len;
};

void userfile_init(struct userfile *u, const char *root, const char *home, uid_t uid,
    gid_t gid, const gid_t *groups, size_t ngroups, const char *file)
{
	const char *h = strcmp(home, "/") == 0 ? "" : home;

	memset(u, 0, sizeof(*u));
	u->root = path_under_root(root, "/");
	u->home = xstrdup(home);
	u->file = file;
	u->shown = xasprintf("%s/.ssh/%s", h, file);
	u->uid = uid;
	u->gid = gid;
	if (ngroups > 0) {
		u->groups = xcalloc(ngroups, sizeof(*groups));
		memcpy(u->groups, groups, ngroups * sizeof(*groups));
	}
	u->ngroups = ngroups;
	u->parent_fd = u->dir_fd = -1;
}

void userfile_free(struct userfile *u)
{
	if (u->parent_fd >= 0)
		close(u->parent_fd);
	if (u->dir_fd >= 0)
		close(u->dir_fd);
	free(u->dirname);
	free(u->name);
	free(u->shown_dir);
	free(u->root);
	free(u->home);
	free(u->home_real);
	free(u->shown);
	free(u->groups);
	memset(u, 0, sizeof(*u));
}

/* ------------------------------------------------------------ in the child */

/* Set the child's cause and return rc. */
__attribute__((format(printf, 3, 4)))
static int child_fail(struct child *ch, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ch->cause, sizeof(ch->cause), fmt, ap);
	va_end(ap);
	return rc;
}

/* Keep the socket as fd 3 and the directories podpass holds as 4 and 5
 * (ch->parent, ch->dir); close every other descriptor but 0-2. */
static int arrange_fds(struct child *ch, int sock)
{
	const struct userfile *u = ch->j->u;
	int want[3] = { sock, u->parent_fd, u->dir_fd }, tmp[3], i, fd, max = 65536;
	struct rlimit rl;

	for (i = 0; i < 3; i++)
		if ((tmp[i] = want[i] < 0 ? -1 : fcntl(want[i], F_DUPFD, 10)) < 0 && want[i] >= 0)
			return -1;
	for (i = 0; i < 3; i++) {
		if (tmp[i] >= 0 ? dup2(tmp[i], 3 + i) != 3 + i : (close(3 + i), 0))
			return -1;
	}
	ch->parent = want[1] >= 0 ? 4 : -1;
	ch->dir = want[2] >= 0 ? 5 : -1;
	ch->held = ch->parent >= 0;
#ifdef SYS_close_range
	if (syscall(SYS_close_range, 6U, ~0U, 0U) == 0)
		return 3;
#endif
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)max)
		max = (int)rl.rlim_cur;
	for (fd = 6; fd < max; fd++)
		close(fd);
	return 3;
}

/* Take the user's uid, gid and groups for good, and check that they stuck. */
static int drop_to_user(struct child *ch)
{
	const struct userfile *u = ch->j->u;
	uid_t r, e, s;
	gid_t gr, ge, gs;

	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0 || setgroups(u->ngroups, u->groups) != 0 ||
	    setresgid(u->gid, u->gid, u->gid) != 0 || setresuid(u->uid, u->uid, u->uid) != 0)
		return child_fail(ch, EX_OSERR, "cannot take the rights of uid %u: %s",
		    (unsigned)u->uid, strerror(errno));
	if (getresuid(&r, &e, &s) != 0 || r != u->uid || e != u->uid || s != u->uid ||
	    getresgid(&gr, &ge, &gs) != 0 || gr != u->gid || ge != u->gid || gs != u->gid ||
	    getgroups(0, NULL) != (int)u->ngroups || setuid(0) == 0)
		return child_fail(ch, EX_OSERR, "the rights of uid %u did not stick",
		    (unsigned)u->uid);
	return 0;
}

/* Check a directory podpass works in: owned by owner, not writable by
 * group or others. */
static int check_dir(struct child *ch, int fd, uid_t owner, const char *shown)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return child_fail(ch, EX_IOERR, "%s: %s", shown, strerror(errno));
	if (st.st_uid != owner)
		return child_fail(ch, EX_NOPERM, "%s is owned by uid %u, not by uid %u", shown,
		    (unsigned)st.st_uid, (unsigned)owner);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return child_fail(ch, EX_NOPERM, "%s is writable by its group or others", shown);
	return 0;
}

/* Open ch->r.dirname in ch->parent, never through a link, creating it (0700)
 * for a write when missing; it must belong to owner. ch->dir stays -1 when
 * it is missing. */
static int open_ssh_dir(struct child *ch, uid_t owner)
{
	ch->dir = openat(ch->parent, ch->r.dirname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (ch->dir < 0 && errno == ENOENT && ch->j->op == OP_WRITE) {
		if (mkdirat(ch->parent, ch->r.dirname, 0700) != 0)
			return child_fail(ch, EX_CANTCREAT, "cannot create %s: %s", ch->r.shown,
			    strerror(errno));
		ch->r.made_dir = 1;
		ch->dir = openat(ch->parent, ch->r.dirname,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (ch->dir < 0 && errno == ENOENT)
		return 0;
	if (ch->dir < 0 && (errno == ELOOP || errno == ENOTDIR))
		return child_fail(ch, EX_NOPERM, "%s is %s", ch->r.shown, errno == ELOOP ?
		    "a symbolic link" : "not a directory");
	if (ch->dir < 0)
		return child_fail(ch, EX_IOERR, "%s: %s", ch->r.shown, strerror(errno));
	return check_dir(ch, ch->dir, owner, ch->r.shown);
}

/* A user other than root: the home as the user opens it, then ~/.ssh. */
static int open_user_dir(struct child *ch)
{
	const struct userfile *u = ch->j->u;

	snprintf(ch->r.shown, sizeof(ch->r.shown), "%s/.ssh", strcmp(u->home, "/") == 0 ? "" :
	    u->home);
	snprintf(ch->r.dirname, sizeof(ch->r.dirname), ".ssh");
	snprintf(ch->r.name, sizeof(ch->r.name), "%s", u->file);
	ch->parent = open(u->home_real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ch->parent < 0)
		return child_fail(ch, EX_NOPERM, "%s (the home directory): %s", u->home,
		    strerror(errno));
	return open_ssh_dir(ch, u->uid);
}

/* Split the first component of rest off into comp; 0 when there is none. */
static int next_comp(char *rest, char *comp, size_t max)
{
	char *p = rest, *e;
	size_t n;

	while (*p == '/')
		p++;
	if (*p == '\0')
		return 0;
	e = strchrnul(p, '/');
	n = (size_t)(e - p) < max - 1 ? (size_t)(e - p) : max - 1;
	memcpy(comp, p, n);
	comp[n] = '\0';
	memmove(rest, e, strlen(e) + 1);
	return 1;
}

/* 1 when nothing but slashes is left. */
static int at_end(const char *rest)
{
	return rest[strspn(rest, "/")] == '\0';
}

/* Root's walk: a root-owned symlink at comp replaces it in rest by its target. */
static int follow_link(struct child *ch, int *cur, char *rest, size_t max, const char *comp,
    int *hops)
{
	char target[PATH_MAX], *joined;
	ssize_t n = readlinkat(*cur, comp, target, sizeof(target) - 1);

	if (n < 0)
		return child_fail(ch, EX_IOERR, "%s/%s: %s", ch->r.shown, comp, strerror(errno));
	if (++*hops > MAX_LINK_HOPS)
		return child_fail(ch, EX_NOPERM, "%s/%s: too many symbolic links", ch->r.shown, comp);
	target[n] = '\0';
	joined = xasprintf("%s/%s", target, rest);
	if (strlen(joined) >= max) {
		free(joined);
		return child_fail(ch, EX_NOPERM, "%s/%s: the path is too long", ch->r.shown, comp);
	}
	memcpy(rest, joined, strlen(joined) + 1);
	free(joined);
	if (target[0] == '/') {
		close(*cur);
		*cur = dup(ch->root);
		ch->r.shown[0] = '\0';
	}
	return *cur < 0 ? child_fail(ch, EX_OSERR, "dup: %s", strerror(errno)) : 0;
}

/* Root's walk: step into the directory comp of *cur (created for a write when
 * it is the file's directory and missing), which must be root's alone. */
static int step_into(struct child *ch, int *cur, const char *comp, int is_file_dir)
{
	size_t len = strlen(ch->r.shown);
	int fd, rc;

	snprintf(ch->r.shown + len, sizeof(ch->r.shown) - len, "/%s", comp);
	if (ch->parent >= 0)
		close(ch->parent);
	ch->parent = *cur;
	snprintf(ch->r.dirname, sizeof(ch->r.dirname), "%s", comp);
	*cur = -1;
	if (is_file_dir) {
		rc = open_ssh_dir(ch, 0);
		*cur = ch->dir;
		ch->dir = -1;
		return rc;
	}
	fd = openat(ch->parent, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return child_fail(ch, EX_NOPERM, "%s: %s", ch->r.shown, strerror(errno));
	*cur = fd;
	return check_dir(ch, fd, 0, ch->r.shown);
}

/* Root's walk: stat comp in cur; a missing one counts as the file (at the
 * end) or a directory (open_ssh_dir decides about it). */
static int stat_comp(struct child *ch, int cur, const char *comp, const char *rest,
    struct stat *st)
{
	if (fstatat(cur, comp, st, AT_SYMLINK_NOFOLLOW) == 0)
		return 0;
	if (errno != ENOENT)
		return child_fail(ch, EX_IOERR, "%s/%s: %s", ch->r.shown, comp, strerror(errno));
	memset(st, 0, sizeof(*st));
	st->st_mode = at_end(rest) ? S_IFREG : S_IFDIR;
	return 0;
}

/* Root's walk of ~/.ssh/NAME from the root, following a symlink only when root
 * owns it and every directory passed is root's alone: ch->dir is the directory
 * that holds the file (-1: missing) and ch->r.name the file's name in it. */
static int open_root_dir(struct child *ch)
{
	const struct userfile *u = ch->j->u;
	char rest[2 * PATH_MAX], comp[NAME_MAX + 1];
	struct stat st, rs;
	int cur, hops = 0, rc = 0;

	snprintf(rest, sizeof(rest), "%s/.ssh/%s", u->home, u->file);
	if ((ch->root = open(u->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return child_fail(ch, EX_IOERR, "%s: %s", u->root, strerror(errno));
	if ((rc = check_dir(ch, ch->root, 0, "/")) != 0)
		return rc;
	if ((cur = dup(ch->root)) < 0 || fstat(ch->root, &rs) != 0)
		return child_fail(ch, EX_OSERR, "dup: %s", strerror(errno));
	while (rc == 0 && cur >= 0 && next_comp(rest, comp, sizeof(comp))) {
		if (strcmp(comp, ".") == 0 || (strcmp(comp, "..") == 0 && fstat(cur, &st) == 0 &&
		    st.st_dev == rs.st_dev && st.st_ino == rs.st_ino))
			continue;
		if ((rc = stat_comp(ch, cur, comp, rest, &st)) != 0)
			break;
		if (S_ISLNK(st.st_mode) && st.st_uid != 0)
			rc = child_fail(ch, EX_NOPERM, "%s/%s is a symbolic link owned by uid %u, "
			    "not by root", ch->r.shown, comp, (unsigned)st.st_uid);
		else if (S_ISLNK(st.st_mode))
			rc = follow_link(ch, &cur, rest, sizeof(rest), comp, &hops);
		else if (at_end(rest)) {
			snprintf(ch->r.name, sizeof(ch->r.name), "%s", comp);
			ch->dir = cur;
			return 0;
		} else
			rc = step_into(ch, &cur, comp, strchr(rest + strspn(rest, "/"), '/') == NULL);
	}
	if (cur >= 0)
		close(cur);
	if (rc == 0 && cur >= 0)
		rc = child_fail(ch, EX_NOPERM, "%s: not a file", u->shown);
	if (rc == 0)	/* cur < 0: the file's directory is missing; rest is the file */
		next_comp(rest, ch->r.name, sizeof(ch->r.name));
	return rc;
}

/* The directories an earlier child opened: checked again, ~/.ssh created
 * in the held parent for a write when it is still missing. */
static int use_held(struct child *ch)
{
	const struct userfile *u = ch->j->u;

	snprintf(ch->r.dirname, sizeof(ch->r.dirname), "%s", u->dirname);
	snprintf(ch->r.name, sizeof(ch->r.name), "%s", u->name);
	snprintf(ch->r.shown, sizeof(ch->r.shown), "%s", u->shown_dir);
	if (ch->dir >= 0)
		return check_dir(ch, ch->dir, u->uid, ch->r.shown);
	return open_ssh_dir(ch, u->uid);
}

/* Open the directory of the file as the job's user may. */
static int open_dir(struct child *ch)
{
	if (ch->held)
		return use_held(ch);
	if (ch->j->u->uid != 0)
		return open_user_dir(ch);
	return open_root_dir(ch);
}

/* Read the file in ch->dir: a regular file with one link, the user's. */
static int read_file(struct child *ch)
{
	const struct userfile *u = ch->j->u;
	struct buf b = { NULL, 0, 0 };
	struct stat st;
	char chunk[16384];
	ssize_t r;
	int fd;

	fd = openat(ch->dir, ch->r.name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0)
		return child_fail(ch, errno == ELOOP ? EX_NOPERM : EX_IOERR, "%s/%s: %s",
		    ch->r.shown, ch->r.name, errno == ELOOP ? "a symbolic link" : strerror(errno));
	ch->r.exists = 1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1 ||
	    st.st_uid != u->uid) {
		close(fd);
		return child_fail(ch, EX_NOPERM, "%s/%s is %s", ch->r.shown, ch->r.name,
		    !S_ISREG(st.st_mode) ? "not a regular file" : st.st_nlink != 1 ?
		    "a hard link (it has more than one name)" : "not owned by the user");
	}
	while ((r = read(fd, chunk, sizeof(chunk))) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || b.len + (size_t)r > USERFILE_MAX) {
			close(fd);
			buf_free(&b);
			return child_fail(ch, r < 0 ? EX_IOERR : EX_NOPERM, "%s/%s: %s", ch->r.shown,
			    ch->r.name, r < 0 ? strerror(errno) : "too large");
		}
		buf_add(&b, chunk, (size_t)r);
	}
	close(fd);
	buf_add(&b, "", 1);
	ch->data = b.data;
	ch->len = b.len - 1;
	return 0;
}

/* Write data to a new temp file in ch->dir and rename it over the file. */
static int replace_file(struct child *ch, const char *data, size_t len)
{
	char tmp[NAME_MAX + 64];
	int fd = -1, i;

	for (i = 0; i < 100 && fd < 0; i++) {
		snprintf(tmp, sizeof(tmp), "%s.podpass-%ld-%d", ch->r.name, (long)getpid(), i);
		fd = openat(ch->dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		    0600);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0)
		return child_fail(ch, EX_CANTCREAT, "cannot create a temp file in %s: %s",
		    ch->r.shown, strerror(errno));
	if (fchmod(fd, 0600) != 0 || atomic_write_all(fd, data, len) != 0 || fsync(fd) != 0 ||
	    close(fd) != 0 || renameat(ch->dir, tmp, ch->dir, ch->r.name) != 0) {
		int err = errno;

		close(fd);
		unlinkat(ch->dir, tmp, 0);
		return child_fail(ch, EX_CANTCREAT, "%s/%s: %s", ch->r.shown, ch->r.name,
		    strerror(err));
	}
	if (fsync(ch->dir) != 0)
		return child_fail(ch, EX_IOERR, "%s: fsync: %s", ch->r.shown, strerror(errno));
	return 0;
}

/* The name of the link that keeps the original, in orig. */
static void orig_name(const struct child *ch, char *orig, size_t max)
{
	snprintf(orig, max, "%s" ORIG_SUFFIX, ch->r.name);
}

/* Keep a hard link to the file as it is (when it is a regular file). */
static int keep_orig(struct child *ch)
{
	char orig[NAME_MAX + 64];
	struct stat st;

	if (fstatat(ch->dir, ch->r.name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
		return 0;
	orig_name(ch, orig, sizeof(orig));
	if (unlinkat(ch->dir, orig, 0) != 0 && errno != ENOENT)
		return child_fail(ch, EX_CANTCREAT, "%s/%s: %s", ch->r.shown, orig, strerror(errno));
	if (linkat(ch->dir, ch->r.name, ch->dir, orig, 0) == 0)
		ch->r.kept_orig = 1;
	return 0;
}

/* The write job: ~/.ssh made when missing, the original kept, the file replaced. */
static int do_write(struct child *ch)
{
	int rc;

	if (ch->dir < 0)
		return child_fail(ch, EX_CANTCREAT, "%s: missing", ch->r.shown);
	if (ch->j->keep_orig && (rc = keep_orig(ch)) != 0)
		return rc;
	return replace_file(ch, ch->j->data, ch->j->len);
}

/* The restore job: the kept original renamed back, else the old text written
 * again; a file that was not there removed, with the ~/.ssh made for it. */
static int do_restore(struct child *ch)
{
	const struct userfile *u = ch->j->u;
	char orig[NAME_MAX + 64];
	struct stat now, was;

	if (ch->dir < 0)
		return ch->j->existed ? child_fail(ch, EX_NOINPUT, "%s: missing", ch->r.shown) : 0;
	orig_name(ch, orig, sizeof(orig));
	if (!ch->j->existed) {
		if (unlinkat(ch->dir, ch->r.name, 0) != 0 && errno != ENOENT)
			return child_fail(ch, EX_IOERR, "cannot remove %s/%s: %s", ch->r.shown,
			    ch->r.name, strerror(errno));
		if (u->made_dir && unlinkat(ch->parent, ch->r.dirname, AT_REMOVEDIR) != 0)
			return child_fail(ch, EX_IOERR, "cannot remove %s: %s", ch->r.shown,
			    strerror(errno));
		ch->r.made_dir = 0;
		return 0;
	}
	if (u->kept_orig && fstatat(ch->dir, orig, &was, AT_SYMLINK_NOFOLLOW) == 0) {
		if (fstatat(ch->dir, ch->r.name, &now, AT_SYMLINK_NOFOLLOW) == 0 &&
		    now.st_dev == was.st_dev && now.st_ino == was.st_ino)
			return unlinkat(ch->dir, orig, 0) == 0 ? 0 :
			    child_fail(ch, EX_IOERR, "%s/%s: %s", ch->r.shown, orig, strerror(errno));
		if (renameat(ch->dir, orig, ch->dir, ch->r.name) == 0) {
			/* a rename onto another link of the same file leaves both */
			unlinkat(ch->dir, orig, 0);
			fsync(ch->dir);
			return 0;
		}
	}
	return replace_file(ch, ch->j->data, ch->j->len);
}

/* 1 for NAME.podpass-PID-N, a temp file replace_file makes for NAME. */
static int is_temp_of(const char *entry, const char *name)
{
	size_t n = strlen(name);

	return strncmp(entry, name, n) == 0 && strncmp(entry + n, ".podpass-", 9) == 0 &&
	    entry[n + 9] >= '0' && entry[n + 9] <= '9';
}

/* The undo job, for a run that was killed (journal.c): the kept original
 * renamed back, or, when there was no file before, the file removed; the
 * dead run's temp files removed. Only what the kept link holds is put back:
 * nothing is written. */
static int do_undo(struct child *ch)
{
	char orig[NAME_MAX + 64];
	struct stat now, was;
	struct dirent *e;
	DIR *d;
	int fd;

	if (ch->dir < 0)
		return 0;
	if ((fd = dup(ch->dir)) >= 0 && (d = fdopendir(fd)) != NULL) {
		while ((e = readdir(d)) != NULL)
			if (is_temp_of(e->d_name, ch->r.name))
				unlinkat(ch->dir, e->d_name, 0);
		closedir(d);
	} else if (fd >= 0)
		close(fd);
	orig_name(ch, orig, sizeof(orig));
	if (!ch->j->existed)
		return unlinkat(ch->dir, ch->r.name, 0) == 0 || errno == ENOENT ? 0 :
		    child_fail(ch, EX_IOERR, "cannot remove %s/%s: %s", ch->r.shown,
		    ch->r.name, strerror(errno));
	if (fstatat(ch->dir, orig, &was, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(was.st_mode))
		return 0;	/* killed before the file was replaced */
	if (fstatat(ch->dir, ch->r.name, &now, AT_SYMLINK_NOFOLLOW) != 0 ||
	    now.st_dev != was.st_dev || now.st_ino != was.st_ino) {
		if (renameat(ch->dir, orig, ch->dir, ch->r.name) != 0)
			return child_fail(ch, EX_IOERR, "cannot put %s/%s back: %s", ch->r.shown,
			    ch->r.name, strerror(errno));
	}
	unlinkat(ch->dir, orig, 0);	/* a rename onto another link of it leaves both */
	fsync(ch->dir);
	return 0;
}

/* Send the header with the directories this child opened first. */
static int send_header(struct child *ch, int fd)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(2 * sizeof(int))];
	} ctl;
	struct iovec iov = { &ch->r, sizeof(ch->r) };
	struct msghdr m = { NULL, 0, &iov, 1, NULL, 0, 0 };
	struct cmsghdr *c;
	int fds[2], n = 0;
	ssize_t w;

	if (ch->parent >= 0 && ch->j->u->parent_fd < 0)
		fds[n++] = ch->parent;
	ch->r.sent_parent = n > 0;
	if (ch->dir >= 0 && ch->j->u->dir_fd < 0)
		fds[n++] = ch->dir;
	ch->r.sent_dir = n > ch->r.sent_parent;
	if (n > 0) {
		memset(&ctl, 0, sizeof(ctl));
		m.msg_control = ctl.buf;
		m.msg_controllen = CMSG_SPACE((size_t)n * sizeof(int));
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN((size_t)n * sizeof(int));
		memcpy(CMSG_DATA(c), fds, (size_t)n * sizeof(int));
	}
	while ((w = sendmsg(fd, &m, MSG_NOSIGNAL)) < 0 && errno == EINTR)
		;
	if (w < 0)
		return -1;
	return atomic_write_all(fd, (const char *)&ch->r + w, sizeof(ch->r) - (size_t)w);
}

/* Send the reply (and the data read) to the parent. */
static void child_reply(struct child *ch, int fd)
{
	ch->r.causelen = strlen(ch->cause);
	ch->r.datalen = ch->data != NULL ? ch->len : 0;
	if (send_header(ch, fd) == 0 &&
	    atomic_write_all(fd, ch->cause, ch->r.causelen) == 0 && ch->data != NULL)
		atomic_write_all(fd, ch->data, ch->len);
}

/* The child: drop to the user (not for root), open the directory, do the job. */
static void child_main(const struct job *j, int fd)
{
	struct child ch;
	char orig[NAME_MAX + 64];

	memset(&ch, 0, sizeof(ch));
	ch.j = j;
	ch.root = ch.parent = ch.dir = -1;
	ch.r.made_dir = j->u->made_dir;
	ch.r.kept_orig = j->u->kept_orig;
	umask(077);
	fd = arrange_fds(&ch, fd);
	if (fd < 0)
		_exit(EX_OSERR);
	if (j->u->uid != 0)
		ch.r.rc = drop_to_user(&ch);
	if (ch.r.rc == 0)
		ch.r.rc = open_dir(&ch);
	if (ch.r.rc == 0 && j->op == OP_READ && ch.dir >= 0)
		ch.r.rc = read_file(&ch);
	else if (ch.r.rc == 0 && j->op == OP_WRITE)
		ch.r.rc = do_write(&ch);
	else if (ch.r.rc == 0 && j->op == OP_RESTORE)
		ch.r.rc = do_restore(&ch);
	else if (ch.r.rc == 0 && j->op == OP_UNDO)
		ch.r.rc = do_undo(&ch);
	else if (ch.r.rc == 0 && j->op == OP_DROP && ch.dir >= 0) {
		orig_name(&ch, orig, sizeof(orig));
		if (unlinkat(ch.dir, orig, 0) == 0 || errno == ENOENT)
			ch.r.kept_orig = 0;
	}
	if ((j->op == OP_RESTORE || j->op == OP_UNDO) && ch.r.rc == 0)
		ch.r.kept_orig = 0;
	child_reply(&ch, fd);
	_exit(0);
}

/* ------------------------------------------------------------ in podpass */

/* Milliseconds on the monotonic clock. */
static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Keep the descriptors that came with a message (at most 2). */
static void take_fds(struct msghdr *m, int *fds, int *nfds)
{
	struct cmsghdr *c;
	size_t i, n;
	int fd;

	for (c = CMSG_FIRSTHDR(m); c != NULL; c = CMSG_NXTHDR(m, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (*nfds < 2)
				fds[(*nfds)++] = fd;
			else
				close(fd);
		}
	}
}

/* Read everything the child sends (and the descriptors that come with it)
 * until it closes the socket or the deadline; 0, or -1 at the deadline. */
static int read_reply(int fd, struct buf *b, int *fds, int *nfds)
{
	long long deadline = now_ms() + USERFILE_TIMEOUT_MS, left;
	struct pollfd p = { fd, POLLIN, 0 };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(2 * sizeof(int))];
	} ctl;
	char chunk[16384];
	struct iovec iov = { chunk, sizeof(chunk) };
	struct msghdr m;
	ssize_t r;

	for (;;) {
		left = deadline - now_ms();
		if (left <= 0)
			return -1;
		if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
			return -1;
		memset(&m, 0, sizeof(m));
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		m.msg_control = ctl.buf;
		m.msg_controllen = sizeof(ctl.buf);
		r = recvmsg(fd, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (r == 0)
			return 0;
		if (r < 0 && errno != EINTR && errno != EAGAIN)
			return -1;
		if (r > 0) {
			take_fds(&m, fds, nfds);
			buf_add(b, chunk, (size_t)r);
		}
	}
}

/* Close the descriptors not kept (-1: kept). */
static void close_fds(const int *fds, int nfds)
{
	int i;

	for (i = 0; i < nfds; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/* Wait for the child (killed first when it took too long). */
static void reap(pid_t pid, int kill_it)
{
	int status;

	if (kill_it)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
}

/* Hold the directories a child opened first, with their names. */
static void keep_dirs(struct userfile *u, const struct reply *r, int *fds, int nfds)
{
	int i = 0;

	if (r->sent_parent && i < nfds && u->parent_fd < 0) {
		u->parent_fd = fds[i];
		fds[i++] = -1;
	}
	if (r->sent_dir && i < nfds && u->dir_fd < 0) {
		u->dir_fd = fds[i];
		fds[i++] = -1;
	}
	if (u->name == NULL && u->parent_fd >= 0) {
		u->dirname = xstrndup(r->dirname, sizeof(r->dirname));
		u->name = xstrndup(r->name, sizeof(r->name));
		u->shown_dir = xstrndup(r->shown, sizeof(r->shown));
	}
}

/* Take the reply in b apart: u's state, *data, and the rc. */
static int take_reply(struct userfile *u, struct buf *b, struct reply *r, char **data,
    int *fds, int nfds, char **cause)
{
	if (b->len < sizeof(*r)) {
		set_cause(cause, "%s: the process that worked on it ended without an answer",
		    u->shown);
		return EX_OSERR;
	}
	memcpy(r, b->data, sizeof(*r));
	if (r->causelen > b->len - sizeof(*r) ||
	    r->datalen != b->len - sizeof(*r) - r->causelen) {
		set_cause(cause, "%s: a garbled answer from the process that worked on it",
		    u->shown);
		return EX_OSERR;
	}
	u->made_dir = r->made_dir;
	u->kept_orig = r->kept_orig;
	keep_dirs(u, r, fds, nfds);
	if (r->rc != 0)
		set_cause(cause, "%.*s", (int)r->causelen, b->data + sizeof(*r));
	if (r->rc == 0 && data != NULL)
		*data = xstrndup(b->data + sizeof(*r) + r->causelen, r->datalen);
	return r->rc;
}

/* The real path of the home of a user other than root (inside the root): the
 * child opens it with the user's rights. */
static int resolve_home(struct userfile *u, char **cause)
{
	char *full = path_under_root(u->root, u->home);

	u->home_real = atomic_resolve(u->root, full, cause);
	free(full);
	return u->home_real == NULL ? EX_IOERR : 0;
}

/* Run job j in a child and wait for its answer, USERFILE_TIMEOUT_MS at most. */
static int run_job(struct job *j, struct reply *r, char **data, char **cause)
{
	struct userfile *u = (struct userfile *)j->u;
	struct buf b = { NULL, 0, 0 };
	int p[2], fds[2] = { -1, -1 }, nfds = 0, late, rc;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	if (u->uid != 0 && u->home_real == NULL && (rc = resolve_home(u, cause)) != 0)
		return rc;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) != 0 || (pid = fork()) < 0) {
		set_cause(cause, "%s: cannot start a process to work on it: %s", u->shown,
		    strerror(errno));
		return EX_OSERR;
	}
	if (pid == 0) {
		close(p[0]);
		child_main(j, p[1]);
	}
	close(p[1]);
	late = read_reply(p[0], &b, fds, &nfds) != 0;
	close(p[0]);
	reap(pid, late);
	if (j->op == OP_WRITE && j->keep_orig)
		u->kept_orig = 1;	/* maybe, when no answer comes: a restore checks */
	if (late) {
		close_fds(fds, nfds);
		buf_free(&b);
		set_cause(cause, "%s: no answer within %d s from the process working on it, "
		    "which was stopped", u->shown, USERFILE_TIMEOUT_MS / 1000);
		return EX_TEMPFAIL;
	}
	rc = take_reply(u, &b, r, data, fds, nfds, cause);
	close_fds(fds, nfds);
	buf_free(&b);
	return rc;
}

int userfile_read(struct userfile *u, char **data, size_t *len, int *exists, char **cause)
{
	struct job j = { u, OP_READ, NULL, 0, 0, 0 };
	struct reply r;
	int rc;

	*data = NULL;
	*len = 0;
	*exists = 0;
	if ((rc = run_job(&j, &r, data, cause)) != 0)
		return rc;
	*exists = r.exists;
	*len = r.datalen;
	return 0;
}

int userfile_write(struct userfile *u, const char *data, size_t len, int keep_orig,
    char **cause)
{
	struct job j = { u, OP_WRITE, data, len, keep_orig, 0 };
	struct reply r;

	return run_job(&j, &r, NULL, cause);
}

int userfile_restore(struct userfile *u, int existed, const char *old, size_t oldlen,
    char **cause)
{
	struct job j = { u, OP_RESTORE, old, oldlen, 0, existed };
	struct reply r;

	return run_job(&j, &r, NULL, cause);
}

int userfile_undo_killed(struct userfile *u, int existed, char **cause)
{
	struct job j = { u, OP_UNDO, NULL, 0, 0, existed };
	struct reply r;

	return run_job(&j, &r, NULL, cause);
}

void userfile_drop_orig(struct userfile *u)
{
	struct job j = { u, OP_DROP, NULL, 0, 0, 0 };
	struct reply r;
	char *cause = NULL;

	if (u->kept_orig)
		run_job(&j, &r, NULL, &cause);
	free(cause);
}
