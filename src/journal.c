/* The journal of a change, and the undoing of what a killed run left.
 *
 * Must never: undo the change of a run that is still alive, follow a link
 * or remove a path it did not write itself (every removal is of a name
 * podpass makes, checked to be root's and of the expected type, relative to
 * a directory descriptor), or leave the journal behind a change that
 * completed or was undone. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "atomic.h"
#include "journal.h"
#include "listener.h"
#include "log.h"
#include "util.h"

#define JOURNAL_MAGIC "podpass journal 1"
#define JOURNAL_TEXT_MAX ((size_t)64 * 1024)

void journal_init(struct journal *j, const char *root)
{
	memset(j, 0, sizeof(*j));
	j->path = path_under_root(root, JOURNAL_PATH);
	j->done_path = path_under_root(root, JOURNAL_DONE_PATH);
	j->pid = getpid();
}

void journal_free(struct journal *j)
{
	size_t i;

	for (i = 0; i < j->nfiles; i++) {
		free(j->files[i].path);
		free(j->files[i].user);
	}
	free(j->path);
	free(j->done_path);
	free(j->pidfile);
	memset(j, 0, sizeof(*j));
}

void journal_add(struct journal *j, const char *path, int existed, const char *user)
{
	struct journal_file *f;

	if (j->nfiles >= JOURNAL_MAX_FILES)
		fatal("too many files in one journal");
	f = &j->files[j->nfiles++];
	f->path = xstrdup(path);
	f->existed = existed;
	f->user = user != NULL ? xstrdup(user) : NULL;
}

/* 1 when s can stand on one journal line. */
static int one_line(const char *s)
{
	return s != NULL && strchr(s, '\n') == NULL;
}

int journal_write(struct journal *j, char **cause)
{
	struct buf b = { NULL, 0, 0 };
	struct stat like = { 0 };
	size_t i;
	int rc = 0;

	buf_printf(&b, "%s\npid %ld\nport %d\n", JOURNAL_MAGIC, (long)j->pid, j->listen.port);
	if (j->pidfile != NULL && one_line(j->pidfile))
		buf_printf(&b, "pidfile %s\n", j->pidfile);
	if (j->listener > 0)
		buf_printf(&b, "listener %ld\n", (long)j->listener);
	for (i = 0; i < j->listen.naddr; i++)
		buf_printf(&b, "listen %s\n", j->listen.addr[i]);
	for (i = 0; i < j->nfiles && rc == 0; i++) {
		const struct journal_file *f = &j->files[i];

		if (!one_line(f->path) || (f->user != NULL && (!one_line(f->user) ||
		    strchr(f->user, ' ') != NULL))) {
			set_cause(cause, "%s: a path with a line break cannot be journaled",
			    f->path);
			rc = EX_DATAERR;
		} else if (f->user != NULL)
			buf_printf(&b, "userfile %d %s %s\n", f->existed, f->user, f->path);
		else
			buf_printf(&b, "file %d %s\n", f->existed, f->path);
	}
	like.st_mode = S_IFREG | 0600;
	if (rc == 0)
		rc = atomic_replace(j->path, b.data, b.len, &like, cause);
	buf_free(&b);
	return rc;
}

void journal_mark_done(struct journal *j)
{
	if (rename(j->path, j->done_path) == 0)
		atomic_fsync_dir(j->path);
	else if (errno != ENOENT) {
		log_error("cannot rename %s: %s", j->path, strerror(errno));
		journal_remove(j);
	}
}

void journal_remove(struct journal *j)
{
	const char *paths[2] = { j->path, j->done_path };
	size_t i;

	for (i = 0; i < 2; i++) {
		if (unlink(paths[i]) == 0)
			atomic_fsync_dir(paths[i]);
		else if (errno != ENOENT)
			log_error("cannot remove %s: %s", paths[i], strerror(errno));
	}
}

/* 1 when pid is a podpass process that is alive. */
static int podpass_alive(pid_t pid)
{
	char path[64], comm[32];
	ssize_t n;
	int fd;

	if (pid <= 0 || pid == getpid() || kill(pid, 0) != 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/comm", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 1;	/* cannot tell: count it as alive, touch nothing */
	n = read(fd, comm, sizeof(comm) - 1);
	close(fd);
	comm[n > 0 ? n : 0] = '\0';
	return strcmp(comm, "podpass\n") == 0;
}

/* Parse one journal line into j. 0, or -1 when it is not understood. */
static int parse_line(struct journal *j, char *line)
{
	char *rest, *user;
	int existed;

	if (strncmp(line, "pid ", 4) == 0)
		j->pid = (pid_t)strtol(line + 4, NULL, 10);
	else if (strncmp(line, "listener ", 9) == 0)
		j->listener = (pid_t)strtol(line + 9, NULL, 10);
	else if (strncmp(line, "port ", 5) == 0)
		j->listen.port = (int)strtol(line + 5, NULL, 10);
	else if (strncmp(line, "pidfile ", 8) == 0) {
		free(j->pidfile);
		j->pidfile = xstrdup(line + 8);
	} else if (strncmp(line, "listen ", 7) == 0 && j->listen.naddr < SSHD_LISTEN_MAX)
		snprintf(j->listen.addr[j->listen.naddr++], sizeof(j->listen.addr[0]), "%s",
		    line + 7);
	else if (strncmp(line, "file ", 5) == 0 && (line[5] == '0' || line[5] == '1') &&
	    line[6] == ' ' && line[7] == '/')
		journal_add(j, line + 7, line[5] == '1', NULL);
	else if (strncmp(line, "userfile ", 9) == 0 && (line[9] == '0' || line[9] == '1') &&
	    line[10] == ' ' && (rest = strchr(line + 11, ' ')) != NULL && rest[1] == '/') {
		existed = line[9] == '1';
		user = xstrndup(line + 11, (size_t)(rest - line - 11));
		journal_add(j, rest + 1, existed, user);
		free(user);
	} else
		return -1;
	return 0;
}

/* Read the journal at path (root's, a regular file) into j: 1 when there is
 * one, 0 when not, -1 with *cause when it is not podpass's or not understood. */
static int read_journal(struct journal *j, const char *path, char **cause)
{
	char *text = NULL, *line, *save = NULL;
	struct stat st;
	size_t len;
	int rc;

	rc = atomic_read_nofollow(path, JOURNAL_TEXT_MAX, &text, &len, &st, cause);
	if (rc == EX_NOINPUT && access(path, F_OK) != 0) {
		free(*cause);
		*cause = NULL;
		return 0;
	}
	if (rc != 0)
		return -1;
	j->pid = 0;
	rc = st.st_uid == 0 && strncmp(text, JOURNAL_MAGIC "\n", strlen(JOURNAL_MAGIC) + 1) == 0;
	for (line = strtok_r(text + strlen(JOURNAL_MAGIC), "\n", &save); rc && line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		rc = parse_line(j, line) == 0;
	free(text);
	if (!rc) {
		set_cause(cause, "%s is not a journal podpass wrote (or is damaged); look at "
		    "it, then remove it", path);
		return -1;
	}
	return 1;
}

/* Undo one of root's files: its original back from PATH.podpass-orig, or,
 * when there was none before, the file removed. 1 when something changed. */
static int undo_root_file(const struct journal_file *f)
{
	char *orig = xasprintf("%s.podpass-orig", f->path);
	struct stat st;
	int changed = 0;

	if (lstat(orig, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == 0) {
		if (rename(orig, f->path) == 0)
			changed = 1;
		else
			log_error("cannot put %s back: %s", f->path, strerror(errno));
		unlink(orig);	/* still there when it was the same file as path */
		atomic_fsync_dir(f->path);
	} else if (!f->existed && lstat(f->path, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_uid == 0 && unlink(f->path) == 0) {
		changed = 1;
		atomic_fsync_dir(f->path);
	}
	free(orig);
	return changed;
}

/* Remove the temporary files atomic_replace makes beside path
 * ("NAME.podpass-XXXXXX", root's, regular) that a killed run left. */
static void remove_temps_of(const char *path)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/'), *base;
	struct dirent *e;
	struct stat st;
	size_t blen;
	DIR *d;

	if (slash == NULL || (d = opendir(slash == dir ? "/" : (*slash = '\0', dir))) == NULL) {
		free(dir);
		return;
	}
	base = xasprintf("%s.podpass-", strrchr(path, '/') + 1);
	blen = strlen(base);
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, base, blen) != 0 || strlen(e->d_name) != blen + 6 ||
		    strcmp(e->d_name + blen, "orig") == 0 ||
		    fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISREG(st.st_mode) || st.st_uid != 0)
			continue;
		if (unlinkat(dirfd(d), e->d_name, 0) == 0)
			log_warn("removed %s/%s, left by a podpass run that was killed", dir,
			    e->d_name);
	}
	closedir(d);
	free(base);
	free(dir);
}

/* Reload the running sshd so that it reads the files put back. The killed
 * run may have sent its SIGHUP: while the listener it signalled (or the
 * pidfile's sshd) lives but does not listen yet (it is restarting itself,
 * and may yet read the changed files), wait for it, up to 10 s. */
static void reload_after_undo(const struct journal *j, const struct sshd_ctx *ctx)
{
	struct sshd_listener l;
	char *cause = NULL;
	pid_t pid;
	int tries, rc;

	if (j->listen.naddr == 0 || j->listen.port <= 0)
		return;
	if (j->listener > 0)
		sshd_wait_listener(ctx, j->listener, j->listen.port, 10000);
	for (tries = 0; ; tries++) {
		rc = sshd_find_listener(ctx, j->pidfile, j->listen.port, &l, &cause);
		pid = j->pidfile != NULL ? sshd_pidfile_pid(ctx, j->pidfile) : 0;
		if (rc != 0 || l.pid != 0 || pid <= 0 || kill(pid, 0) != 0 || tries >= 500)
			break;
		sshd_listener_free(&l);
		usleep(20 * 1000);
	}
	if (rc == 0 && l.pid == 0)
		log_info("no sshd listens: it reads the files put back when it starts");
	if (rc == 0 && l.pid != 0 &&
	    sshd_reload(ctx, j->pidfile, &l.pid, &j->listen, 10000, &cause) == 0)
		log_info("sshd (pid %ld) was reloaded with the files put back", (long)l.pid);
	if (cause != NULL)
		log_error("%s", cause);
	free(cause);
	sshd_listener_free(&l);
}

/* Say *cause, when set, as an error, and clear it. */
static void log_cause(char **cause)
{
	if (*cause == NULL)
		return;
	log_error("%s", *cause);
	free(*cause);
	*cause = NULL;
}

/* Undo the journal's change; the number of files that went back. */
static size_t undo(const struct journal *j, journal_userfile_undo undo_user, void *arg,
    char **cause)
{
	size_t i, n = 0;

	for (i = 0; i < j->nfiles; i++) {
		const struct journal_file *f = &j->files[i];

		if (f->user == NULL) {
			n += (size_t)undo_root_file(f);
			remove_temps_of(f->path);
		}
		else if (undo_user != NULL &&
		    undo_user(arg, f->user, f->path, f->existed, 0, cause) == 0)
			n++;
		else
			log_cause(cause);
	}
	return n;
}

/* Remove PATH.podpass-orig, the link to one of root's files as it was (root's,
 * regular), left by a change that was whole or undone: relative to its
 * directory, which only root may write, so the name checked is the name
 * removed. */
static void drop_root_link(const char *path)
{
	char *orig = xasprintf("%s.podpass-orig", path), *slash = strrchr(orig, '/');
	struct stat st;
	int dfd;

	*slash = '\0';
	dfd = open(slash == orig ? "/" : orig, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	*slash = '/';
	if (dfd >= 0 && fstat(dfd, &st) == 0 && st.st_uid == 0 && (st.st_mode & 022) == 0 &&
	    fstatat(dfd, slash + 1, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
	    st.st_uid == 0 && unlinkat(dfd, slash + 1, 0) == 0) {
		fsync(dfd);
		log_warn("removed %s, left by a podpass run that was killed once its change "
		    "was whole or undone", orig);
	}
	if (dfd >= 0)
		close(dfd);
	free(orig);
}

/* What a run killed after journal_mark_done left (its journal under the
 * done name): the change is whole or undone and stays so; only the links to
 * the originals it lists are removed (a user's with the user's rights), then
 * the journal. 0, or EX_CONFIG with *cause when it is not understood. */
static int recover_done(const char *root, journal_userfile_undo undo_user, void *arg,
    char **cause)
{
	struct journal j;
	size_t i;
	int rc;

	journal_init(&j, root);
	rc = read_journal(&j, j.done_path, cause);
	if (rc == 1 && podpass_alive(j.pid))
		log_verbose("a podpass run (pid %ld) is ending its change", (long)j.pid);
	else if (rc == 1) {
		for (i = 0; i < j.nfiles; i++) {
			if (j.files[i].user == NULL)
				drop_root_link(j.files[i].path);
			else if (undo_user != NULL && undo_user(arg, j.files[i].user,
			    j.files[i].path, j.files[i].existed, 1, cause) != 0)
				log_cause(cause);
		}
		journal_remove(&j);
		log_warn("a podpass run (pid %ld) was killed once its change was whole or "
		    "undone: it stays so, and the links to the originals are removed",
		    (long)j.pid);
	}
	journal_free(&j);
	return rc < 0 ? EX_CONFIG : 0;
}

/* 1 for a work directory's name, "podpass.XXXXXX". */
static int is_workdir_name(const char *name)
{
	return strncmp(name, "podpass.", 8) == 0 && strlen(name) == 14;
}

/* Remove a dead run's work directory name in dirfd: root's, not a link, its
 * lock free (its maker is gone); only the files podpass puts there. */
static void remove_workdir_at(int dirfd, const char *base, const char *name)
{
	struct dirent *e;
	struct stat st;
	DIR *d;
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) != 0 || st.st_uid != 0 ||
	    flock(fd, LOCK_EX | LOCK_NB) != 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, "sshd_config") == 0 ||
		    strncmp(e->d_name, "sshd_config.podpass-", 20) == 0 ||
		    strncmp(e->d_name, "throwaway_host_key", 18) == 0)
			unlinkat(fd, e->d_name, 0);
	closedir(d);
	if (unlinkat(dirfd, name, AT_REMOVEDIR) == 0)
		log_warn("removed %s/%s, left by a podpass run that was killed", base, name);
}

/* Remove the work directories of runs that are gone, in /tmp, /run, /var/tmp. */
static void remove_dead_workdirs(const char *root)
{
	static const char *const bases[] = { "/tmp", "/run", "/var/tmp" };
	struct dirent *e;
	size_t i;
	char *real;
	DIR *d;

	for (i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
		real = path_under_root(root, bases[i]);
		if ((d = opendir(real)) != NULL) {
			while ((e = readdir(d)) != NULL)
				if (is_workdir_name(e->d_name))
					remove_workdir_at(dirfd(d), real, e->d_name);
			closedir(d);
		}
		free(real);
	}
}

int journal_recover(const char *root, const struct sshd_ctx *ctx, int locked,
    journal_userfile_undo undo_user, void *arg, char **cause)
{
	struct journal j;
	size_t n;
	int rc;

	remove_dead_workdirs(root);
	journal_init(&j, root);
	rc = read_journal(&j, j.path, cause);
	if ((rc == 0 && locked) || (rc == 1 && !podpass_alive(j.pid)))
		remove_temps_of(j.path);	/* killed while it wrote the journal */
	if (rc <= 0) {
		journal_free(&j);
		return rc == 0 ? recover_done(root, undo_user, arg, cause) : EX_CONFIG;
	}
	if (podpass_alive(j.pid)) {
		log_verbose("a podpass run (pid %ld) is making a change", (long)j.pid);
		journal_free(&j);
		return 0;
	}
	n = undo(&j, undo_user, arg, cause);
	if (n > 0)
		reload_after_undo(&j, ctx);
	journal_remove(&j);
	log_warn("a podpass run (pid %ld) was killed in the middle of its change: %s",
	    (long)j.pid, n > 0 ? "it was undone, every file it wrote is as it was before" :
	    "none of its files was left changed");
	journal_free(&j);
	return 0;
}

char *journal_make_workdir(const char *base, int *fd)
{
	char *dir = NULL;
	struct stat st;
	int tries;

	*fd = -1;
	for (tries = 0; tries < 16 && *fd < 0; tries++) {
		free(dir);
		dir = xasprintf("%s/podpass.XXXXXX", base);
		if (mkdtemp(dir) == NULL)
			break;
		*fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (*fd >= 0 && (flock(*fd, LOCK_EX) != 0 || fstat(*fd, &st) != 0 ||
		    st.st_nlink == 0)) {	/* a cleaner took it before the lock: again */
			close(*fd);
			*fd = -1;
		}
	}
	if (*fd < 0) {
		free(dir);
		return NULL;
	}
	return dir;
}
