/* Tests for change.c's transaction, without root: a change over a temporary
 * root (the --root option) with four planned files (sshd_config, a secret
 * file with a backup, a new file, a late file) is committed whole, journaled
 * while it is made; a failure at each step of the commit puts every file
 * back byte for byte, in reverse order, with no temp file or journal left;
 * signals that come meanwhile are held until the outcome is fixed; the
 * journal of a killed run is undone by the next run, that of a live run
 * left alone, that of a run killed once its change was whole (done) only
 * rid of the links to the originals.
 *
 * Each scenario runs in a child process of its own (the signal mask, a
 * signal that ends the process, and a run killed on purpose stay there).
 * The journal and the files a recovery undoes must be root's: not root, the
 * child enters a user namespace of its own in which the test user is uid 0
 * (unprivileged; no other privilege is used). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "change.h"
#include "check_suites.h"
#include "cleanup.h"
#include "journal.h"
#include "log.h"
#include "options.h"
#include "util.h"

/* The planned files, in commit order. */
enum { F_CONFIG, F_SHADOW, F_ADDED, F_LATE, NFILES };

#define JOURNAL_NAME "/etc/.podpass-journal"
#define BACKUP_NAME "/etc/shadow-"

/* One scenario: a temporary root and what its files hold before and after. */
struct scene {
	char *dir;		/* the test's temp dir: root/ and the log */
	char *root;		/* the change's root */
	char *log;		/* the child's standard error */
	const char *name[NFILES];	/* each file as the change names it */
	char *path[NFILES];	/* its real path */
	const char *old[NFILES];	/* its text before, or NULL: none */
	const char *new[NFILES];	/* its planned text */
	ino_t ino[NFILES];	/* its inode before */
	mode_t mode[NFILES];	/* its mode before (or planned for a new file) */
	/* filled in the child */
	struct options o;
	struct change c;
	struct planned_file shadow, added, late;
	/* the change's plan_late: set the late text, then what the test injects */
	int (*inject)(struct scene *s, char **cause);
	int late_calls;
};

/* Where a child reports a failed assertion: the parent fails the test with it. */
static int fail_fd = -1;

static void t_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));

/* In a child: report "file:line: message" to the parent and end. */
static void t_fail(const char *file, int line, const char *fmt, ...)
{
	char msg[2048];
	int n;
	va_list ap;

	n = snprintf(msg, sizeof(msg), "%s:%d: ", file, line);
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	n = (int)strlen(msg);
	if ((size_t)n + 1 < sizeof(msg))
		msg[n++] = '\n';
	if (write(fail_fd, msg, (size_t)n) < 0)
		_exit(2);
	_exit(1);
}

#define T_ASSERT(cond, ...) \
	do { \
		if (!(cond)) \
			t_fail(__FILE__, __LINE__, __VA_ARGS__); \
	} while (0)

/* Write a whole file; 0 or -1. */
static int put_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int rc;

	if (fd < 0)
		return -1;
	rc = write(fd, text, strlen(text)) == (ssize_t)strlen(text) ? 0 : -1;
	return close(fd) == 0 ? rc : -1;
}

/* Not root: become uid 0 in a user namespace of this process's own (the
 * test user's files are then uid 0's). NULL, or what failed. */
static char *enter_userns(void)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	char map[64];

	if (uid == 0)
		return NULL;
	if (unshare(CLONE_NEWUSER) != 0)
		return xasprintf("not root, and no user namespace for a uid 0 of its "
		    "own (unshare(CLONE_NEWUSER): %s): this suite needs one or the "
		    "other", strerror(errno));
	snprintf(map, sizeof(map), "0 %lu 1\n", (unsigned long)uid);
	if (put_file("/proc/self/setgroups", "deny") != 0 ||
	    put_file("/proc/self/uid_map", map) != 0)
		return xasprintf("uid_map: %s", strerror(errno));
	snprintf(map, sizeof(map), "0 %lu 1\n", (unsigned long)gid);
	if (put_file("/proc/self/gid_map", map) != 0)
		return xasprintf("gid_map: %s", strerror(errno));
	return NULL;
}

/* A path inside the scene's root (malloc'd). */
static char *in_root(const struct scene *s, const char *name)
{
	return xasprintf("%s%s", s->root, name);
}

/* Make a directory inside the root. */
static void make_dir(const struct scene *s, const char *name)
{
	char *p = in_root(s, name);

	ck_assert_msg(mkdir(p, 0755) == 0, "mkdir %s: %s", p, strerror(errno));
	free(p);
}

/* Set up a scene: the root, its files, what the change plans for them. A
 * late_name other than /etc/late is a new file in a directory of its own. */
static void scene_init(struct scene *s, const char *late_name)
{
	struct stat st;
	size_t i;

	memset(s, 0, sizeof(*s));
	s->dir = test_tmpdir();
	s->root = xasprintf("%s/root", s->dir);
	s->log = xasprintf("%s/log", s->dir);
	ck_assert_int_eq(mkdir(s->root, 0755), 0);
	make_dir(s, "/etc");
	make_dir(s, "/etc/ssh");
	make_dir(s, "/tmp");
	make_dir(s, "/run");
	make_dir(s, "/etc/podpass.d");
	s->name[F_CONFIG] = "/etc/ssh/sshd_config";
	s->old[F_CONFIG] = "Port 22\nPasswordAuthentication no\n";
	s->new[F_CONFIG] = "Port 22\nPasswordAuthentication yes\n";
	s->name[F_SHADOW] = "/etc/shadow";
	s->old[F_SHADOW] = "root:*:19000:0:99999:7:::\n";
	s->new[F_SHADOW] = "root:$y$j9T$salt$hash:19000:0:99999:7:::\n";
	s->name[F_ADDED] = "/etc/podpass.d/added";
	s->new[F_ADDED] = "a file that was not there\n";
	s->mode[F_ADDED] = 0644;
	s->name[F_LATE] = late_name;
	s->old[F_LATE] = strcmp(late_name, "/etc/late") == 0 ? "late, before\n" : NULL;
	s->new[F_LATE] = "late, planned after the restart step\n";
	s->mode[F_LATE] = 0600;
	if (s->old[F_LATE] == NULL)
		make_dir(s, "/etc/late.d");
	for (i = 0; i < NFILES; i++) {
		s->path[i] = in_root(s, s->name[i]);
		if (s->old[i] == NULL)
			continue;
		test_write(s->path[i], s->old[i], strlen(s->old[i]));
		ck_assert_int_eq(chmod(s->path[i], i == F_SHADOW ? 0640 : 0644), 0);
		ck_assert_int_eq(stat(s->path[i], &st), 0);
		s->ino[i] = st.st_ino;
		s->mode[i] = st.st_mode & 07777;
	}
}

/* Remove the scene's files. */
static void scene_free(struct scene *s)
{
	size_t i;

	test_rmtree(s->dir);
	for (i = 0; i < NFILES; i++)
		free(s->path[i]);
	free(s->dir);
	free(s->root);
	free(s->log);
}

/* Read a file whole, or NULL (malloc'd). */
static char *slurp(const char *path)
{
	struct buf b = { NULL, 0, 0 };
	char chunk[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		buf_add(&b, chunk, (size_t)n);
	close(fd);
	buf_add(&b, "", 1);
	return b.data;
}

/* NULL when file i holds text (and mode); else what it holds (malloc'd). */
static char *file_is(const struct scene *s, size_t i, const char *text, mode_t mode)
{
	char *now = slurp(s->path[i]);
	struct stat st;
	char *why = NULL;

	if (text == NULL && now != NULL)
		why = xasprintf("%s is there, and should not be", s->name[i]);
	else if (text != NULL && now == NULL)
		why = xasprintf("%s is missing", s->name[i]);
	else if (text != NULL && strcmp(now, text) != 0)
		why = xasprintf("%s holds \"%s\", not \"%s\"", s->name[i], now, text);
	else if (text != NULL && (stat(s->path[i], &st) != 0 || (st.st_mode & 07777) != mode))
		why = xasprintf("%s: mode %o, not %o", s->name[i], st.st_mode & 07777, mode);
	free(now);
	return why;
}

/* NULL when every file is as it was before, byte for byte, the same inode
 * (the original put back, not a copy) and mode; else what is not. */
static char *all_old(const struct scene *s)
{
	struct stat st;
	char *why;
	size_t i;

	for (i = 0; i < NFILES; i++) {
		if ((why = file_is(s, i, s->old[i], s->mode[i])) != NULL)
			return why;
		if (s->old[i] != NULL && (stat(s->path[i], &st) != 0 || st.st_ino != s->ino[i]))
			return xasprintf("%s is not its original inode", s->name[i]);
	}
	return NULL;
}

/* NULL when every file holds its planned text; else what does not. */
static char *all_new(const struct scene *s)
{
	char *why;
	size_t i;

	for (i = 0; i < NFILES; i++)
		if ((why = file_is(s, i, s->new[i], s->mode[i])) != NULL)
			return why;
	return NULL;
}

/* NULL when no file with ".podpass-" in its name (a temp file, an
 * original's link, the journal) is left in dir (inside the root); else the
 * first one. A directory so named is the test's own. */
static char *leftover_in(const struct scene *s, const char *dir)
{
	char *p = in_root(s, dir), *found = NULL;
	struct stat st;
	struct dirent *e;
	DIR *d = opendir(p);

	if (d == NULL) {
		free(p);
		return NULL;
	}
	while (found == NULL && (e = readdir(d)) != NULL)
		if (strstr(e->d_name, ".podpass-") != NULL &&
		    (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISDIR(st.st_mode)))
			found = xasprintf("%s/%s is left", p, e->d_name);
	closedir(d);
	free(p);
	return found;
}

/* NULL when nothing of the change is left but its files; else what is. */
static char *no_leftovers(const struct scene *s)
{
	static const char *const dirs[] = { "/etc", "/etc/ssh", "/etc/podpass.d",
	    "/etc/late.d" };
	char *why = NULL;
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]) && why == NULL; i++)
		why = leftover_in(s, dirs[i]);
	return why;
}

/* 1 when the log holds text. */
static int log_has(const struct scene *s, const char *text)
{
	char *log = slurp(s->log);
	int found = log != NULL && strstr(log, text) != NULL;

	free(log);
	return found;
}

/* NULL when the log says "restored NAME" for the files of want (n of them),
 * each once and in that order, and for no other; else what it says. */
static char *restored_in_order(const struct scene *s, const int *want, size_t n)
{
	char *log = slurp(s->log), *line, *why = NULL;
	const char *after = log;
	size_t i, k;

	for (k = 0; k < NFILES && why == NULL; k++) {
		line = xasprintf("podpass: restored %s\n", s->name[k]);
		for (i = 0; i < n && want[i] != (int)k; i++)
			;
		if (i == n && strstr(log, line) != NULL)
			why = xasprintf("%s was restored, though never written", s->name[k]);
		free(line);
	}
	for (i = 0; i < n && why == NULL; i++) {
		line = xasprintf("podpass: restored %s\n", s->name[want[i]]);
		after = strstr(after, line);
		if (after == NULL)
			why = xasprintf("%s is not restored in place %zu", s->name[want[i]], i + 1);
		else
			after += strlen(line);
		free(line);
	}
	if (why != NULL) {
		line = xasprintf("%s; the log:\n%s", why, log);
		free(why);
		why = line;
	}
	free(log);
	return why;
}

#define T_NONE(expr) \
	do { \
		char *why_ = (expr); \
		T_ASSERT(why_ == NULL, "%s", why_); \
	} while (0)

/* change.plan_late: the late file's text is planned now, as enable plans
 * the hash; then what the test injects. */
static int plan_late(void *arg, char **cause)
{
	struct scene *s = arg;

	s->late_calls++;
	s->late.new = xstrdup(s->new[F_LATE]);
	s->late.newlen = strlen(s->new[F_LATE]);
	return s->inject != NULL ? s->inject(s, cause) : 0;
}

/* Read one planned file into f (as the command does). */
static void plan_file(struct scene *s, struct planned_file *f, size_t i)
{
	int rc = planned_file_read(s->c.o->root, f, s->name[i], s->old[i] == NULL, &s->c.cause);

	T_ASSERT(rc == 0, "reading %s: %d %s", s->name[i], rc, s->c.cause);
	T_ASSERT(strcmp(f->path, s->path[i]) == 0, "%s resolves to %s", s->name[i], f->path);
	T_ASSERT(f->exists == (s->old[i] != NULL), "%s: exists %d", s->name[i], f->exists);
	if (!f->exists) {
		f->st.st_uid = geteuid();
		f->st.st_gid = getegid();
		f->st.st_mode = S_IFREG | s->mode[i];
	}
	if (i != F_LATE) {
		f->new = xstrdup(s->new[i]);
		f->newlen = strlen(s->new[i]);
	}
	change_add_file(&s->c, f);
}

/* Plan the change as a command does: the config read under its lock (a
 * killed run's journal undone first), the other files after it, the late
 * one last. */
static void plan(struct scene *s, enum pp_command cmd, enum restart_mode restart)
{
	int rc;

	options_init(&s->o);
	s->o.command = cmd;
	s->o.root = s->root;
	s->o.sshd_config = (char *)s->name[F_CONFIG];
	s->o.sshd_path = (char *)"/usr/sbin/sshd";	/* not in the root: cannot start */
	s->o.restart = restart;
	s->o.dry_run = 0;
	change_init(&s->c, &s->o);
	rc = change_read_config(&s->c);
	T_ASSERT(rc == 0, "change_read_config: %d %s", rc, s->c.cause);
	T_ASSERT(strcmp(s->c.sshd.config.path, s->path[F_CONFIG]) == 0, "config at %s",
	    s->c.sshd.config.path);
	s->c.sshd.config.new = xstrdup(s->new[F_CONFIG]);
	s->c.sshd.config.newlen = strlen(s->new[F_CONFIG]);
	change_add_file(&s->c, &s->c.sshd.config);
	plan_file(s, &s->shadow, F_SHADOW);
	s->shadow.secret = 1;
	s->shadow.backup = BACKUP_NAME;
	plan_file(s, &s->added, F_ADDED);
	plan_file(s, &s->late, F_LATE);
	s->late.late = 1;
	s->c.plan_late = plan_late;
	s->c.plan_late_arg = s;
}

/* Release the change and its planned files (change_free last, as the
 * commands do: it lets held signals through). */
static void unplan(struct scene *s)
{
	planned_file_free(&s->shadow);
	planned_file_free(&s->added);
	planned_file_free(&s->late);
	change_free(&s->c);
}

/* Plan and commit; the commit's exit code. */
static int plan_and_commit(struct scene *s, enum restart_mode restart)
{
	plan(s, CMD_ENABLE, restart);
	return change_commit(&s->c);
}

/* The child's start: its own uid 0, standard error into the log, podpass's
 * handlers for the signals that end it (as main.c sets them), no core. */
static void child_start(struct scene *s)
{
	struct rlimit no_core = { 0, 0 };
	char *why = enter_userns();
	int fd;

	T_ASSERT(why == NULL, "%s", why);
	fd = open(s->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	T_ASSERT(fd >= 0 && dup2(fd, 2) == 2, "%s: %s", s->log, strerror(errno));
	close(fd);
	setrlimit(RLIMIT_CORE, &no_core);
	log_set_level(LOG_LEVEL_INFO);
	cleanup_catch_signals();
}

/* Run fn in a child and wait for it: a failed assertion there fails the
 * test; it must end by signal want_signal, or exit 0 when that is 0. */
static void run_child(struct scene *s, void (*fn)(struct scene *), int want_signal)
{
	char msg[4096], *log;
	ssize_t n, got = 0;
	int fds[2], status;
	pid_t pid;

	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(fds[0]);
		fail_fd = fds[1];
		child_start(s);
		fn(s);
		_exit(0);
	}
	close(fds[1]);
	while ((n = read(fds[0], msg + got, sizeof(msg) - 1 - (size_t)got)) > 0)
		got += n;
	msg[got] = '\0';
	close(fds[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	log = slurp(s->log);
	ck_assert_msg(got == 0, "%s\n(the child's log:\n%s)", msg, log ? log : "");
	if (want_signal != 0)
		ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == want_signal,
		    "the child should end by signal %d; status %#x; log:\n%s", want_signal,
		    status, log ? log : "");
	else
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "the child ended with status %#x; log:\n%s", status, log ? log : "");
	free(log);
}

/* A scene with its late file at late_name, fn run in a child that must
 * end by want_signal (0: exit 0), then after(s) in the test, if any. */
static void scenario(const char *late_name, void (*fn)(struct scene *), int want_signal,
    void (*after)(struct scene *s))
{
	struct scene s;

	scene_init(&s, late_name);
	run_child(&s, fn, want_signal);
	if (after != NULL)
		after(&s);
	scene_free(&s);
}

/* The journal's text, or NULL. */
static char *journal_text(const struct scene *s)
{
	char *p = in_root(s, JOURNAL_NAME), *text = slurp(p);

	free(p);
	return text;
}

/* 1 when the journal lists the file "existed path". */
static int journal_lists(const char *journal, int existed, const char *path)
{
	char *line = xasprintf("\nfile %d %s\n", existed, path);
	int found = journal != NULL && strstr(journal, line) != NULL;

	free(line);
	return found;
}

/* plan_late of a whole commit: while the change is made, every earlier file
 * is written, the late one is not yet, the journal lists them all, and each
 * original is kept as a hard link beside its file. */
static int inject_check_midway(struct scene *s, char **cause)
{
	char *journal = journal_text(s), *orig, *backup = in_root(s, BACKUP_NAME);
	struct stat st;
	size_t i;

	(void)cause;
	T_NONE(file_is(s, F_CONFIG, s->new[F_CONFIG], s->mode[F_CONFIG]));
	T_NONE(file_is(s, F_SHADOW, s->new[F_SHADOW], s->mode[F_SHADOW]));
	T_NONE(file_is(s, F_ADDED, s->new[F_ADDED], s->mode[F_ADDED]));
	T_NONE(file_is(s, F_LATE, s->old[F_LATE], s->mode[F_LATE]));
	T_ASSERT(journal != NULL, "no journal while the change is made");
	for (i = 0; i < NFILES; i++)
		T_ASSERT(journal_lists(journal, s->old[i] != NULL, s->path[i]),
		    "the journal does not list %s:\n%s", s->path[i], journal);
	T_ASSERT(journal_lists(journal, 1, backup), "no backup in the journal:\n%s", journal);
	for (i = 0; i < F_ADDED; i++) {
		orig = xasprintf("%s.podpass-orig", s->path[i]);
		T_ASSERT(stat(orig, &st) == 0 && st.st_ino == s->ino[i],
		    "%s is not the original", orig);
		free(orig);
	}
	free(journal);
	free(backup);
	return 0;
}

/* A whole commit. */
static void child_commit_whole(struct scene *s)
{
	char *backup, *kept;
	int rc;

	s->inject = inject_check_midway;
	rc = plan_and_commit(s, RESTART_NONE);
	T_ASSERT(rc == 0, "change_commit: %d", rc);
	T_ASSERT(s->c.committed, "not committed");
	T_ASSERT(s->late_calls == 1, "plan_late called %d times", s->late_calls);
	T_NONE(all_new(s));
	T_NONE(no_leftovers(s));
	backup = in_root(s, BACKUP_NAME);
	T_NONE(file_is(s, F_SHADOW, s->new[F_SHADOW], s->mode[F_SHADOW]));
	kept = slurp(backup);
	T_ASSERT(kept != NULL && strcmp(kept, s->old[F_SHADOW]) == 0,
	    "the backup is not the old shadow: %s", kept);
	free(kept);
	free(backup);
	T_ASSERT(!log_has(s, "rolling back"), "rolled back");
	unplan(s);
	T_NONE(all_new(s));
}

/* In the test: why is NULL, else fail with it. */
static void ck_none(char *why)
{
	ck_assert_msg(why == NULL, "%s", why);
}

/* In the test, once the child is gone: the change stays whole. */
static void stays_new(struct scene *s)
{
	ck_none(all_new(s));
	ck_none(no_leftovers(s));
}

START_TEST(test_commit_whole)
{
	scenario("/etc/late", child_commit_whole, 0, stays_new);
}
END_TEST

/* One failure injected into the commit, and what must follow. */
struct failure {
	void (*before)(struct scene *s);	/* after the plan, before the commit */
	int (*inject)(struct scene *s, char **cause);	/* in plan_late, or NULL */
	enum restart_mode restart;
	int rc;			/* change_commit's exit code */
	int want[NFILES];	/* the files restored, in this order */
	size_t nwant;
	int late_calls;		/* how often plan_late ran */
	const char *said;	/* in the log, or NULL */
};

/* After a failed commit: every file as it was, the files written restored
 * in reverse order (want), nothing left, the late file planned only when
 * late_calls. */
static void expect_undone(struct scene *s, int rc, const int *want, size_t n, int late_calls)
{
	T_ASSERT(rc != 0, "the commit should fail");
	T_ASSERT(!s->c.committed, "committed");
	T_ASSERT(s->late_calls == late_calls, "plan_late called %d times", s->late_calls);
	T_NONE(all_old(s));
	T_NONE(no_leftovers(s));
	T_NONE(restored_in_order(s, want, n));
}

/* The failure the scenario names. */
static const struct failure *failure;

/* Plan, inject the failure, commit, and see it undone. */
static void child_commit_fails(struct scene *s)
{
	int rc;

	plan(s, CMD_ENABLE, failure->restart);
	if (failure->before != NULL)
		failure->before(s);
	s->inject = failure->inject;
	rc = change_commit(&s->c);
	T_ASSERT(rc == failure->rc, "change_commit: %d, not %d", rc, failure->rc);
	T_ASSERT(failure->said == NULL || log_has(s, failure->said),
	    "the log does not say \"%s\"", failure->said);
	expect_undone(s, rc, failure->want, failure->nwant, failure->late_calls);
	unplan(s);
}

/* Run one failure's scenario. */
static void fail_with(const struct failure *f, const char *late_name)
{
	failure = f;
	scenario(late_name, child_commit_fails, 0, NULL);
}

/* A directory where the journal goes (made after the plan, or the
 * recovery would refuse it): the journal cannot be written. */
static void journal_is_dir(struct scene *s)
{
	char *journal = in_root(s, JOURNAL_NAME);

	T_ASSERT(mkdir(journal, 0700) == 0, "mkdir %s: %s", journal, strerror(errno));
	free(journal);
}

START_TEST(test_fail_journal)
{
	static const struct failure f = { journal_is_dir, NULL, RESTART_NONE, EX_CANTCREAT,
	    { 0 }, 0, 0, NULL };

	fail_with(&f, "/etc/late");
}
END_TEST

/* sshd's host keys are to be made, and cannot be (no ssh-keygen in the root). */
static void needs_host_keys(struct scene *s)
{
	s->c.sshd.need_host_keys = 1;
}

START_TEST(test_fail_host_keys)
{
	static const struct failure f = { needs_host_keys, NULL, RESTART_NONE, EX_OSERR,
	    { 0 }, 0, 0, "creating sshd's missing host keys" };

	fail_with(&f, "/etc/late");
}
END_TEST

/* The secret file's backup cannot be written (a directory in its place). */
static void backup_is_dir(struct scene *s)
{
	char *backup = in_root(s, BACKUP_NAME);

	T_ASSERT(mkdir(backup, 0700) == 0, "mkdir %s: %s", backup, strerror(errno));
	free(backup);
}

/* sshd_config, written before the backup, goes back. */
START_TEST(test_fail_backup)
{
	static const struct failure f = { backup_is_dir, NULL, RESTART_NONE, EX_CANTCREAT,
	    { F_CONFIG }, 1, 0, NULL };

	fail_with(&f, "/etc/late");
}
END_TEST

/* The new file's directory is gone: it cannot be written. */
static void added_dir_gone(struct scene *s)
{
	char *dir = in_root(s, "/etc/podpass.d");

	T_ASSERT(rmdir(dir) == 0, "rmdir %s: %s", dir, strerror(errno));
	free(dir);
}

/* The new file cannot be written: it and the two before it go back, last
 * written first; the late file is never planned. */
START_TEST(test_fail_write)
{
	static const struct failure f = { added_dir_gone, NULL, RESTART_NONE, EX_CANTCREAT,
	    { F_ADDED, F_SHADOW, F_CONFIG }, 3, 0, NULL };

	fail_with(&f, "/etc/late");
}
END_TEST

/* The restart step fails (sshd cannot start: there is none in the root):
 * the files written go back, the late one is never planned nor written. */
START_TEST(test_fail_restart)
{
	static const struct failure f = { NULL, NULL, RESTART_AUTO, EX_UNAVAILABLE,
	    { F_ADDED, F_SHADOW, F_CONFIG }, 3, 0, "podpass: starting sshd\n" };

	fail_with(&f, "/etc/late");
}
END_TEST

/* plan_late fails. */
static int inject_plan_fails(struct scene *s, char **cause)
{
	(void)s;
	set_cause(cause, "the hash could not be made");
	return EX_SOFTWARE;
}

/* The plan of the late files fails: every file written goes back, the late
 * one was not written. */
START_TEST(test_fail_plan_late)
{
	static const struct failure f = { NULL, inject_plan_fails, RESTART_NONE, EX_SOFTWARE,
	    { F_ADDED, F_SHADOW, F_CONFIG }, 3, 1, "the hash could not be made" };

	fail_with(&f, "/etc/late");
}
END_TEST

/* The late file's directory goes while its text is planned: its write fails. */
static int inject_late_dir_gone(struct scene *s, char **cause)
{
	char *dir = in_root(s, "/etc/late.d");
	int rc = rmdir(dir);

	(void)cause;
	T_ASSERT(rc == 0, "rmdir %s: %s", dir, strerror(errno));
	free(dir);
	return 0;
}

/* A late file cannot be written: all four go back, in reverse order. */
START_TEST(test_fail_late_write)
{
	static const struct failure f = { NULL, inject_late_dir_gone, RESTART_NONE,
	    EX_CANTCREAT, { F_LATE, F_ADDED, F_SHADOW, F_CONFIG }, 4, 1, NULL };

	fail_with(&f, "/etc/late.d/late");
}
END_TEST

/* Something else rewrites sshd_config in place while podpass works. */
static int inject_config_changed(struct scene *s, char **cause)
{
	int fd = open(s->path[F_CONFIG], O_WRONLY | O_APPEND | O_CLOEXEC);

	(void)cause;
	T_ASSERT(fd >= 0 && write(fd, "Port 2222\n", 10) == 10 && close(fd) == 0,
	    "appending to %s: %s", s->path[F_CONFIG], strerror(errno));
	return 0;
}

/* The check after the writes fails: all four go back, in reverse order,
 * sshd_config as its original inode. */
START_TEST(test_fail_verify)
{
	static const struct failure f = { NULL, inject_config_changed, RESTART_NONE,
	    EX_TEMPFAIL, { F_LATE, F_ADDED, F_SHADOW, F_CONFIG }, 4, 1,
	    "changed under podpass while it worked" };

	fail_with(&f, "/etc/late");
}
END_TEST

/* SIGTERM (and SIGINT) come in the middle of the commit. */
static int inject_signal(struct scene *s, char **cause)
{
	(void)s;
	(void)cause;
	T_ASSERT(raise(SIGTERM) == 0 && raise(SIGINT) == 0, "raise");
	return 0;
}

/* SIGTERM alone, then the late plan fails. */
static int inject_signal_then_fail(struct scene *s, char **cause)
{
	T_ASSERT(raise(SIGTERM) == 0, "raise");
	return inject_plan_fails(s, cause);
}

/* 1 when signo is blocked in this thread. */
static int is_blocked(int signo)
{
	sigset_t now;

	pthread_sigmask(SIG_BLOCK, NULL, &now);
	return sigismember(&now, signo);
}

/* A signal that comes while the change is made, and the change is whole:
 * it is taken as come too late, the change stays and podpass goes on
 * (exit 0), the signals held until it exits. */
static void child_signal_whole(struct scene *s)
{
	sigset_t pending;
	int rc;

	s->inject = inject_signal;
	rc = plan_and_commit(s, RESTART_NONE);
	T_ASSERT(rc == 0, "change_commit: %d", rc);
	T_NONE(all_new(s));
	unplan(s);	/* alive after it: the signals came too late */
	T_ASSERT(log_has(s, "SIGTERM came while the change was being made; the change "
	    "was made whole"), "no note for SIGTERM");
	T_ASSERT(log_has(s, "SIGINT came while"), "no note for SIGINT");
	sigpending(&pending);
	T_ASSERT(!sigismember(&pending, SIGTERM) && !sigismember(&pending, SIGINT),
	    "a signal is still pending");
	T_ASSERT(is_blocked(SIGTERM) && is_blocked(SIGHUP), "the signals are let through");
	T_NONE(all_new(s));
	T_NONE(no_leftovers(s));
}

START_TEST(test_signal_after_whole)
{
	scenario("/etc/late", child_signal_whole, 0, stays_new);
}
END_TEST

/* A signal that comes while the change is made, and the change is undone:
 * held until the rollback is over, then it ends the process (128+N to a
 * shell). */
static void child_signal_undone(struct scene *s)
{
	static const int want[] = { F_ADDED, F_SHADOW, F_CONFIG };
	int rc;

	s->inject = inject_signal_then_fail;
	rc = plan_and_commit(s, RESTART_NONE);
	expect_undone(s, rc, want, 3, 1);
	T_ASSERT(!log_has(s, "stopped by"), "the signal came through before the end");
	unplan(s);	/* lets the signal through: never returns */
	T_ASSERT(0, "alive after a SIGTERM let through");
}

/* In the test, once the child is gone: every file as it was, the first
 * three restored last written first. */
static void stays_old(struct scene *s)
{
	static const int want[] = { F_ADDED, F_SHADOW, F_CONFIG };

	ck_none(all_old(s));
	ck_none(no_leftovers(s));
	ck_none(restored_in_order(s, want, 3));
}

/* The same, and the signal said. */
static void stays_old_signal_said(struct scene *s)
{
	stays_old(s);
	ck_assert_msg(log_has(s, "stopped by SIGTERM: the change was undone; nothing was "
	    "changed"), "no note for the signal");
}

START_TEST(test_signal_after_rollback)
{
	scenario("/etc/late", child_signal_undone, SIGTERM, stays_old_signal_said);
}
END_TEST

/* A fatal() in the middle of the commit: the change is undone before
 * podpass aborts. */
static int inject_fatal(struct scene *s, char **cause)
{
	(void)s;
	(void)cause;
	fatal("an impossible error in the middle of the commit");
}

/* The commit that ends in fatal(). */
static void child_fatal(struct scene *s)
{
	s->inject = inject_fatal;
	plan_and_commit(s, RESTART_NONE);
	T_ASSERT(0, "alive after fatal()");
}

START_TEST(test_fatal_rolls_back)
{
	scenario("/etc/late", child_fatal, SIGABRT, stays_old);
}
END_TEST

/* The killed run: SIGKILL after the first three files are written. */
static int inject_kill(struct scene *s, char **cause)
{
	(void)s;
	(void)cause;
	raise(SIGKILL);
	return 0;
}

/* A run killed in the middle of its change leaves its journal and the
 * originals' links; the next run's change_read_config undoes it. */
static void child_killed_run(struct scene *s)
{
	char *journal;
	int status;
	pid_t pid = fork();

	T_ASSERT(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		s->inject = inject_kill;
		plan_and_commit(s, RESTART_NONE);
		T_ASSERT(0, "alive after SIGKILL");
	}
	T_ASSERT(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) &&
	    WTERMSIG(status) == SIGKILL, "the run was not killed: %#x", status);
	journal = journal_text(s);
	T_ASSERT(journal != NULL, "the killed run left no journal");
	free(journal);
	T_NONE(file_is(s, F_CONFIG, s->new[F_CONFIG], s->mode[F_CONFIG]));
	T_NONE(file_is(s, F_ADDED, s->new[F_ADDED], s->mode[F_ADDED]));
	plan(s, CMD_ENABLE, RESTART_NONE);	/* change_read_config undoes it */
	T_ASSERT(log_has(s, "was killed in the middle of its change: it was undone"),
	    "the recovery is not said");
	T_NONE(all_old(s));
	T_NONE(no_leftovers(s));
	unplan(s);
}

START_TEST(test_killed_run_undone)
{
	scenario("/etc/late", child_killed_run, 0, NULL);
}
END_TEST

/* A run killed once its change was whole, while it removed the links to
 * the originals, leaves its journal under the done name and those links
 * (written here as journal_mark_done leaves them, by this process, which a
 * recovery counts as gone); the next run removes the links and the journal,
 * and undoes nothing: the new file stays. */
static void child_killed_when_done(struct scene *s)
{
	struct options o;
	struct change next;
	struct journal j;
	char *cause = NULL, *orig, *why;
	size_t i;
	int rc;

	T_ASSERT(plan_and_commit(s, RESTART_NONE) == 0, "the commit failed");
	unplan(s);
	journal_init(&j, s->root);
	for (i = 0; i < NFILES; i++) {
		journal_add(&j, s->path[i], s->old[i] != NULL, NULL);
		orig = xasprintf("%s.podpass-orig", s->path[i]);
		T_ASSERT(s->old[i] == NULL || link(s->path[i], orig) == 0, "link %s: %s", orig,
		    strerror(errno));
		free(orig);
	}
	T_ASSERT(journal_write(&j, &cause) == 0, "journal_write: %s", cause);
	journal_mark_done(&j);
	journal_free(&j);
	why = no_leftovers(s);
	T_ASSERT(why != NULL, "no link or journal to recover from");
	free(why);
	options_init(&o);
	o.command = CMD_ENABLE;
	o.root = s->root;
	o.sshd_config = (char *)s->name[F_CONFIG];
	change_init(&next, &o);
	rc = change_read_config(&next);	/* the next run: it removes them first */
	T_ASSERT(rc == 0, "change_read_config: %d %s", rc, next.cause);
	change_free(&next);
	T_ASSERT(log_has(s, "was killed once its change was whole or undone"),
	    "the recovery is not said");
	T_ASSERT(!log_has(s, "rolling back") && !log_has(s, "was undone"), "undone");
	T_NONE(all_new(s));
	T_NONE(no_leftovers(s));
}

START_TEST(test_killed_when_done)
{
	scenario("/etc/late", child_killed_when_done, 0, stays_new);
}
END_TEST

/* Pipes between a run held in the middle of its change and the test. */
static int midway[2], resume[2];

/* Say "midway", then wait until told to go on. */
static int inject_wait(struct scene *s, char **cause)
{
	char byte;

	(void)s;
	(void)cause;
	T_ASSERT(write(midway[1], "m", 1) == 1, "write: %s", strerror(errno));
	T_ASSERT(read(resume[0], &byte, 1) == 1, "read: %s", strerror(errno));
	return 0;
}

/* The journal of a podpass run that is alive is left alone: another run
 * (status, which never waits for the lock) reads the config and touches
 * nothing; the change then completes. */
static void child_live_run(struct scene *s)
{
	struct options o;
	struct change other;
	char byte, *journal;
	int status, rc;
	pid_t pid;

	T_ASSERT(pipe(midway) == 0 && pipe(resume) == 0, "pipe: %s", strerror(errno));
	if ((pid = fork()) == 0) {
		close(midway[0]);	/* the test's ends: its exit ends the wait */
		close(resume[1]);
		prctl(PR_SET_NAME, "podpass", 0, 0, 0);
		s->inject = inject_wait;
		T_ASSERT(plan_and_commit(s, RESTART_NONE) == 0, "the live run failed");
		unplan(s);
		_exit(0);
	}
	close(midway[1]);
	close(resume[0]);
	T_ASSERT(pid > 0 && read(midway[0], &byte, 1) == 1, "the run did not start");
	options_init(&o);
	o.command = CMD_STATUS;
	o.root = s->root;
	o.sshd_config = (char *)s->name[F_CONFIG];
	change_init(&other, &o);
	rc = change_read_config(&other);
	T_ASSERT(rc == 0, "change_read_config: %d %s", rc, other.cause);
	journal = journal_text(s);
	T_ASSERT(journal != NULL, "the live run's journal was removed");
	T_ASSERT(!log_has(s, "was killed"), "a live run taken for a killed one");
	T_NONE(file_is(s, F_CONFIG, s->new[F_CONFIG], s->mode[F_CONFIG]));
	T_ASSERT(strcmp(other.sshd.config.old, s->new[F_CONFIG]) == 0, "status read %s",
	    other.sshd.config.old);
	change_free(&other);
	T_ASSERT(write(resume[1], "r", 1) == 1, "write: %s", strerror(errno));
	T_ASSERT(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0, "the live run ended with %#x", status);
	T_NONE(all_new(s));
	T_NONE(no_leftovers(s));
	free(journal);
}

START_TEST(test_live_run_left_alone)
{
	scenario("/etc/late", child_live_run, 0, NULL);
}
END_TEST

Suite *change_suite(void)
{
	Suite *s = suite_create("change");
	TCase *tc = tcase_create("commit");

	tcase_add_test(tc, test_commit_whole);
	suite_add_tcase(s, tc);

	tc = tcase_create("rollback");
	tcase_add_test(tc, test_fail_journal);
	tcase_add_test(tc, test_fail_host_keys);
	tcase_add_test(tc, test_fail_backup);
	tcase_add_test(tc, test_fail_write);
	tcase_add_test(tc, test_fail_restart);
	tcase_add_test(tc, test_fail_plan_late);
	tcase_add_test(tc, test_fail_late_write);
	tcase_add_test(tc, test_fail_verify);
	tcase_add_test(tc, test_fatal_rolls_back);
	suite_add_tcase(s, tc);

	tc = tcase_create("signals");
	tcase_add_test(tc, test_signal_after_whole);
	tcase_add_test(tc, test_signal_after_rollback);
	suite_add_tcase(s, tc);

	tc = tcase_create("journal");
	tcase_add_test(tc, test_killed_run_undone);
	tcase_add_test(tc, test_killed_when_done);
	tcase_add_test(tc, test_live_run_left_alone);
	suite_add_tcase(s, tc);
	return s;
}
