/* A change applied all or nothing: plan, check, commit, reload, verify,
 * roll back.
 *
 * Must never: write before every check has passed, leave one file changed
 * when another could not be, leave sshd stopped that was running, or call
 * the change done before sshd answers with the new settings. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "atomic.h"
#include "change.h"
#include "cleanup.h"
#include "journal.h"
#include "listener.h"
#include "log.h"
#include "sockets.h"
#include "sshd.h"
#include "userfile.h"
#include "util.h"

void change_init(struct change *c, const struct options *o)
{
	memset(c, 0, sizeof(*c));
	c->o = o;
	inspect_init(&c->sshd, o);
}

int change_fail(struct change *c, int rc)
{
	if (rc != 0 && c->cause != NULL)
		log_error("%s", c->cause);
	free(c->cause);
	c->cause = NULL;
	return rc;
}

/* A path inside the root as a real path (malloc'd). */
static char *change_real_path(const struct change *c, const char *path)
{
	return path_under_root(c->o->root, path);
}

void change_add_file(struct change *c, struct planned_file *f)
{
	if (c->nfiles >= CHANGE_MAX_FILES)
		fatal("too many files in one change");
	c->files[c->nfiles++] = f;
}

int change_read_config(struct change *c)
{
	return inspect_read_config(&c->sshd, &c->cause);
}

/* The cause of a current config that sshd refuses: reported, not made worse. */
static void blame_current(struct change *c)
{
	char *msg = c->cause;

	c->cause = xasprintf("the current sshd configuration is already invalid, so "
	    "nothing was changed; fix it first: %s", msg);
	free(msg);
}

/* Let sshd judge the current config and the candidate, both runs at once (on
 * two cores, in about the time of one). The current config must be valid: a
 * rollback puts it back and reloads sshd into it, so one sshd refuses would
 * take the running sshd down (the block could hide such a config from the
 * candidate's check). Its refusal is the one reported when both fail. */
static int check_current_and_candidate(struct change *c, const char *spec)
{
	struct proc_child cur;
	char *cur_cause = NULL;
	int rc, rc_cur;

	free(c->old_dump);
	c->old_dump = NULL;
	if (!planned_file_changes(&c->sshd.config)) {
		/* nothing to change in the file (enable's second run, disable with no
		 * block): the candidate is the current config, and one run judges both */
		rc = sshd_effective(&c->sshd.ctx, c->o->sshd_config, c->sshd.hostkey, NULL, 0,
		    spec, &c->old_dump, &c->cause);
		if (rc == EX_CONFIG)
			blame_current(c);
		free(c->sshd.dump);
		c->sshd.dump = rc == 0 ? xstrdup(c->old_dump) : NULL;
		return rc;
	}
	rc = sshd_effective_start(&c->sshd.ctx, c->o->sshd_config, c->sshd.hostkey, NULL, 0,
	    spec, &cur, &c->cause);
	if (rc != 0)
		return rc;
	rc = inspect_judge(&c->sshd, spec, &c->cause);	/* while sshd judges the current config */
	rc_cur = sshd_effective_finish(&cur, &c->old_dump, &cur_cause);
	if (rc_cur == 0)
		return rc;
	free(c->cause);
	c->cause = cur_cause;
	if (rc_cur == EX_CONFIG)
		blame_current(c);
	return rc_cur;
}

/* Find the running listener and decide, before any write, whether the
 * restart mode can be honoured. Another program on sshd's port (a process
 * that only looks like sshd, even one named so) is refused by
 * sshd_find_listener, named: it is never signalled, and sshd could not start
 * there. */
static int plan_restart(struct change *c)
{
	unsigned long inode;
	int rc;

	if ((rc = inspect_where_listens(&c->sshd, &c->cause)) != 0)
		return rc;
	if (c->o->restart == RESTART_NONE)
		return 0;
	rc = sshd_find_listener(&c->sshd.ctx, c->sshd.pidfile, c->sshd.listen.port,
	    &c->sshd.running, &c->cause);
	c->sshd.listener = c->sshd.running.pid;
	if (rc != 0 || (c->sshd.listener == 0 && c->no_start))
		return rc;
	if (c->sshd.listener == 0 &&
	    sockets_listen_inodes(getpid(), c->sshd.listen.port, &inode, 1)) {
		set_cause(&c->cause, "another program listens on port %d, so sshd could "
		    "not start there; nothing was changed", c->sshd.listen.port);
		return EX_UNAVAILABLE;	/* a second look, after one that may have failed */
	}
	if (c->o->restart == RESTART_RELOAD && c->sshd.listener == 0) {
		set_cause(&c->cause, "sshd is not running, and --restart reload only "
		    "reloads a running one; nothing was changed (use --restart auto)");
		return EX_UNAVAILABLE;
	}
	return 0;
}

/* The running sshd has -o/-p options on its command line, which override
 * sshd_config: judge the candidate again with them. A restart would drop
 * them, so --restart start is refused. */
static int check_listener_options(struct change *c, const char *spec)
{
	if (c->o->restart == RESTART_START && c->sshd.listener != 1) {
		set_cause(&c->cause, "the running sshd (pid %ld) was started with options on "
		    "its command line, which --restart start would drop; nothing was "
		    "changed (use --restart auto)", (long)c->sshd.listener);
		return EX_CONFIG;
	}
	log_verbose("checking again with the running sshd's command-line options");
	return inspect_judge(&c->sshd, spec, &c->cause);
}

int change_check_sshd(struct change *c, const char *user)
{
	char *spec;
	int rc;

	change_add_file(c, &c->sshd.config);
	if ((rc = inspect_prepare(&c->sshd, &c->cause)) != 0)
		return rc;
	spec = inspect_check_spec(&c->sshd, user);
	rc = check_current_and_candidate(c, spec);
	if (rc == 0)
		rc = plan_restart(c);
	if (rc == 0 && c->sshd.running.nextra > 0)
		rc = check_listener_options(c, spec);
	free(spec);
	return rc;
}

/* Create the directory a new file goes into (such as ~/.ssh), owned like
 * the file, mode 0700. */
static int make_parent_dir(struct change *c, struct planned_file *f)
{
	char *dir = xstrdup(f->path), *slash = strrchr(dir, '/');
	int rc = 0;

	if (slash != NULL)
		*slash = '\0';
	if (mkdir(dir, 0700) == 0) {
		f->made_parent = 1;
		if (chown(dir, f->st.st_uid, f->st.st_gid) != 0) {
			set_cause(&c->cause, "%s: chown: %s", dir, strerror(errno));
			rc = EX_CANTCREAT;
		}
	} else if (errno != EEXIST) {
		set_cause(&c->cause, "cannot create %s: %s", dir, strerror(errno));
		rc = EX_CANTCREAT;
	}
	free(dir);
	return rc;
}

/* Write a file of a user's ~/.ssh with the user's rights (userfile.h); an
 * optional one that cannot be written is skipped with a warning. */
static int commit_user_file(struct change *c, struct planned_file *f)
{
	char *cause = NULL;
	int rc;

	f->touched = 1;
	log_verbose("writing %s", f->name);
	rc = userfile_write(f->uf, f->new, f->newlen, f->exists, &c->cause);
	if (rc == 0 || !f->optional)
		return rc;
	log_warn("%s; it is left as it was", c->cause);
	free(c->cause);
	c->cause = NULL;
	if (userfile_restore(f->uf, f->exists, f->old, f->oldlen, &cause) != 0)
		log_warn("%s", cause);
	userfile_drop_orig(f->uf);
	free(cause);
	f->touched = 0;
	f->skipped = 1;
	return 0;
}

/* Write one planned file (after keeping a backup of it where asked). */
static int commit_file(struct change *c, struct planned_file *f)
{
	char *b;
	int rc;

	if (!planned_file_changes(f)) {
		log_verbose("%s: unchanged", f->name);
		return 0;
	}
	if (f->uf != NULL)
		return commit_user_file(c, f);
	if (f->backup != NULL && f->exists) {
		b = change_real_path(c, f->backup);
		rc = atomic_replace(b, f->old, f->oldlen, &f->st, &c->cause);
		free(b);
		if (rc != 0)
			return rc;
	}
	if (f->make_parent && !f->exists && (rc = make_parent_dir(c, f)) != 0)
		return rc;
	if (f->exists && f->orig_link == NULL) {
		f->orig_link = xasprintf("%s.podpass-orig", f->path);
		unlink(f->orig_link);
		if (link(f->path, f->orig_link) != 0) {
			free(f->orig_link);
			f->orig_link = NULL;
		}
	}
	f->touched = 1;
	log_verbose("writing %s", f->name);
	return atomic_replace(f->path, f->new, f->newlen, &f->st, &c->cause);
}

/* Put the original file back under its name from the hard link made at
 * the commit: no data is written, so this works on a full disk. 0 on
 * success; -1 when there is no such link or it is the same inode (the file
 * was rewritten in place: a bind mount). */
static int relink_original(struct planned_file *f)
{
	struct stat now, orig;

	if (f->orig_link == NULL || stat(f->orig_link, &orig) != 0)
		return -1;
	if (stat(f->path, &now) == 0 && now.st_ino == orig.st_ino && now.st_dev == orig.st_dev)
		return -1;
	if (rename(f->orig_link, f->path) != 0)
		return -1;
	atomic_fsync_dir(f->path);
	free(f->orig_link);
	f->orig_link = NULL;
	return 0;
}

/* Remove the directory make_parent_dir created. */
static void remove_parent_dir(struct planned_file *f)
{
	char *dir = xstrdup(f->path), *slash = strrchr(dir, '/');

	if (slash != NULL)
		*slash = '\0';
	if (rmdir(dir) != 0)
		log_error("could not remove %s: %s", dir, strerror(errno));
	else
		f->made_parent = 0;
	free(dir);
}

/* Put a file of a user's ~/.ssh back with the user's rights. A failure is
 * reported, not returned: the file holds no setting of sshd, so the rollback
 * of sshd goes on. */
static int restore_user_file(struct planned_file *f)
{
	char *cause = NULL;

	if (userfile_restore(f->uf, f->exists, f->old, f->oldlen, &cause) != 0)
		log_error("could not restore %s: %s", f->name, cause);
	else
		log_info("restored %s", f->name);
	userfile_drop_orig(f->uf);
	free(cause);
	f->touched = 0;
	return 0;
}

/* Put one file back as it was (remove it if it was not there); errors are
 * reported, not returned. */
static int restore_file(struct planned_file *f)
{
	char *cause = NULL;

	if (!f->touched && !f->made_parent)
		return 0;
	if (f->uf != NULL)
		return restore_user_file(f);
	if (!f->exists) {
		if (unlink(f->path) != 0 && errno != ENOENT)
			log_error("could not remove %s: %s", f->name, strerror(errno));
		if (f->made_parent)
			remove_parent_dir(f);
	} else if (relink_original(f) != 0 &&
	    atomic_replace(f->path, f->old, f->oldlen, &f->st, &cause) != 0) {
		log_error("could not restore %s: %s", f->name, cause);
		free(cause);
		return -1;
	}
	f->touched = 0;
	log_info("restored %s", f->name);
	return 0;
}

/* Reload or start sshd as the restart mode asks. */
static int apply_restart(struct change *c)
{
	int rc;

	c->sshd_touched = 1;

	if (c->o->restart == RESTART_START && c->sshd.listener == 1)
		log_warn("sshd is the container's first process: reloading it instead of "
		    "restarting it, which would end the container");
	else if (c->o->restart == RESTART_START && c->sshd.listener != 0) {
		log_info("stopping sshd (pid %ld) to start it again; open sessions stay",
		    (long)c->sshd.listener);
		if ((rc = sshd_stop(c->sshd.listener, CHANGE_SSHD_TIMEOUT_MS, &c->cause)) != 0)
			return rc;
		c->sshd.listener = 0;
		return sshd_start(&c->sshd.ctx, c->sshd.pidfile, &c->sshd.listen,
		    CHANGE_SSHD_TIMEOUT_MS, &c->cause);
	}
	if (c->sshd.listener != 0) {
		log_info("reloading sshd (pid %ld); open sessions stay", (long)c->sshd.listener);
		return sshd_reload(&c->sshd.ctx, c->sshd.pidfile, &c->sshd.listener,
		    &c->sshd.listen, CHANGE_SSHD_TIMEOUT_MS, &c->cause);
	}
	log_info("starting sshd");
	return sshd_start(&c->sshd.ctx, c->sshd.pidfile, &c->sshd.listen, CHANGE_SSHD_TIMEOUT_MS,
	    &c->cause);
}

/* Undo every write, then bring sshd back to the old settings. */
static void rollback(struct change *c, int was_running)
{
	struct sshd_listener now;
	char *cause = NULL;
	pid_t pid = 0;
	size_t i;
	int failed = 0;

	log_error("rolling back: every file goes back as it was");
	for (i = c->nfiles; i-- > 0; )
		failed |= restore_file(c->files[i]) != 0;
	if (!c->sshd_touched)
		return;	/* sshd was not signalled: it never read the new files */
	if (failed) {
		log_error("sshd is left as it is: a file could not be restored, so a reload "
		    "could give it settings nobody asked for; fix the error above, then "
		    "run podpass again");
		return;
	}
	if (was_running && sshd_wait_listener(&c->sshd.ctx, c->sshd.listener,
	    c->sshd.listen.port, CHANGE_SSHD_TIMEOUT_MS) == 0)
		pid = c->sshd.listener;	/* the same listener, maybe still restarting */
	else if (sshd_find_listener(&c->sshd.ctx, c->sshd.pidfile, c->sshd.listen.port, &now,
	    &cause) == 0) {
		pid = now.pid;
		sshd_listener_free(&now);
	}
	if (!was_running) {
		if (pid != 0 && sshd_stop(pid, CHANGE_SSHD_TIMEOUT_MS, &cause) == 0)
			log_info("the sshd podpass started is stopped again, as it was before");
	} else if (pid != 0) {
		if (sshd_reload(&c->sshd.ctx, c->sshd.pidfile, &pid, &c->sshd.listen,
		    CHANGE_SSHD_TIMEOUT_MS, &cause) == 0)
			log_info("sshd runs with the old settings again");
	} else if (sshd_start(&c->sshd.ctx, c->sshd.pidfile, &c->sshd.listen,
	    CHANGE_SSHD_TIMEOUT_MS, &cause) == 0)
		log_info("sshd was started again with the old settings");
	if (cause != NULL)
		log_error("%s", cause);
	free(cause);
}

static int leaves_sshd_alone(const struct change *c);

/* Read a committed file back for the check. A user's file that cannot be read
 * safely any more (a missing one reads as "") was changed under podpass. */
static int read_back(struct planned_file *f, char **data, size_t *len, char **cause)
{
	char *why = NULL;
	int exists;

	if (f->uf == NULL)
		return atomic_read(f->path, ATOMIC_MAX_FILE, data, len, NULL, cause);
	if (userfile_read(f->uf, data, len, &exists, &why) == 0)
		return 0;
	set_cause(cause, "%s changed under podpass while it worked: %s", f->name, why);
	free(why);
	return EX_TEMPFAIL;
}

/* After the reload: the files hold what was planned and sshd answers. */
static int verify(struct change *c)
{
	struct planned_file *f;
	char *data = NULL;
	size_t len, i;
	int rc;

	for (i = 0; i < c->nfiles; i++) {
		f = c->files[i];
		if (!planned_file_changes(f) || f->skipped)
			continue;
		rc = read_back(f, &data, &len, &c->cause);
		if (rc != 0)
			return rc;
		rc = len != f->newlen || memcmp(data, f->new, len) != 0;
		freezero(data, len);
		if (rc) {
			set_cause(&c->cause, "%s changed under podpass while it worked", f->name);
			return EX_TEMPFAIL;
		}
	}
	/* The restart step ended with sshd answering a connection through to its key
	 * exchange (or, busy, dropping it with its own message); now only that a
	 * listener still holds the port (no second connection: each costs sshd a
	 * session process). */
	if (!leaves_sshd_alone(c)) {
		struct sshd_listener now;
		pid_t pid;

		memset(&now, 0, sizeof(now));
		rc = sshd_find_listener(&c->sshd.ctx, c->sshd.pidfile, c->sshd.listen.port, &now,
		    &c->cause);
		pid = now.pid;
		sshd_listener_free(&now);
		if (rc != 0)
			return rc;
		if (pid == 0) {
			set_cause(&c->cause, "sshd stopped listening on port %d",
			    c->sshd.listen.port);
			return EX_UNAVAILABLE;
		}
	}
	return 0;
}

/* The signals that would stop podpass, held between its first write and its
 * last, so that a Ctrl-C cannot leave half a change (the hashing threads block
 * every signal from their start, enable.c). */
static const struct {
	int signo;
	const char *name;
} held_signals[] = {
	{ SIGINT, "SIGINT" }, { SIGTERM, "SIGTERM" }, { SIGHUP, "SIGHUP" },
	{ SIGQUIT, "SIGQUIT" }, { SIGTSTP, "SIGTSTP" },
};
#define NHELD_SIGNALS (sizeof(held_signals) / sizeof(held_signals[0]))

/* Hold them; old gets the mask before. */
static void block_signals(sigset_t *old)
{
	sigset_t set;
	size_t i;

	sigemptyset(&set);
	for (i = 0; i < NHELD_SIGNALS; i++)
		sigaddset(&set, held_signals[i].signo);
	pthread_sigmask(SIG_BLOCK, &set, old);
}

/* 1 when this change leaves sshd alone: --restart none, or a stopped sshd
 * that the command does not start. */
static int leaves_sshd_alone(const struct change *c)
{
	return c->o->restart == RESTART_NONE || (c->sshd.listener == 0 && c->no_start);
}

/* Remove the hard links to the files as they were: the change is whole or undone. */
static void drop_orig_links(struct change *c)
{
	size_t i;

	for (i = 0; i < c->nfiles; i++) {
		if (c->files[i]->uf != NULL)
			userfile_drop_orig(c->files[i]->uf);
		if (c->files[i]->orig_link == NULL)
			continue;
		unlink(c->files[i]->orig_link);
		free(c->files[i]->orig_link);
		c->files[i]->orig_link = NULL;
	}
}

/* The end of the time change_commit held the signals. A signal that came
 * meanwhile leaves one of two outcomes, and says which: the change was made
 * whole, so podpass takes the signal as come too late, stays at exit 0 and keeps
 * the signals held until it exits; or the change was undone, and the signal
 * then ends podpass (128+N). */
static void release_signals(struct change *c)
{
	const struct timespec now = { 0, 0 };
	sigset_t pending, one;
	size_t i;

	if (!c->holding)
		return;
	sigpending(&pending);
	for (i = 0; i < NHELD_SIGNALS; i++) {
		if (!sigismember(&pending, held_signals[i].signo))
			continue;
		if (!c->committed) {
			log_error("stopped by %s: the change was undone; nothing was "
			    "changed", held_signals[i].name);
			break;
		}
		sigemptyset(&one);
		sigaddset(&one, held_signals[i].signo);
		sigtimedwait(&one, NULL, &now);
		log_warn("%s came while the change was being made; the change was "
		    "made whole all the same (never half way), so podpass ends with "
		    "success", held_signals[i].name);
	}
	if (c->committed)
		return;	/* held until podpass exits: the outcome is fixed */
	c->holding = 0;
	pthread_sigmask(SIG_SETMASK, &c->held_from, NULL);
}

/* Journal the change before its first write: what a SIGKILL would leave
 * half made, the next run undoes from it (journal.h). */
static int write_journal(struct change *c)
{
	size_t i;
	int rc;

	journal_init(&c->journal, c->o->root);
	for (i = 0; i < c->nfiles; i++) {
		struct planned_file *f = c->files[i];
		char *backup;

		if (!planned_file_changes(f) && !f->late)
			continue;
		if (f->uf != NULL) {	/* undone with the user's rights, never by path */
			journal_add(&c->journal, f->name, f->exists, f->user);
			continue;
		}
		journal_add(&c->journal, f->path, f->exists, NULL);
		if (f->backup != NULL) {	/* kept as it comes: only its temp file goes */
			backup = change_real_path(c, f->backup);
			journal_add(&c->journal, backup, 1, NULL);
			free(backup);
		}
	}
	c->journal.pidfile = c->sshd.pidfile != NULL ? xstrdup(c->sshd.pidfile) : NULL;
	c->journal.listener = c->sshd.listener;
	c->journal.listen = c->sshd.listen;
	if ((rc = journal_write(&c->journal, &c->cause)) != 0)
		journal_remove(&c->journal);
	return rc;
}

/* The change is whole: an sshd it started runs from the /run/sshd podpass
 * made, which no exit may remove from now on (a fatal() while reporting). */
static void keep_rundir(struct change *c)
{
	char *rundir;

	if (!c->sshd.rundir_created || c->o->restart == RESTART_NONE)
		return;
	rundir = path_under_root(c->o->root, "/run/sshd");
	cleanup_forget(rundir);
	free(rundir);
	c->sshd.rundir_created = 0;	/* not podpass's to remove any more */
}

/* fatal() during the commit (cleanup.c): undo what was done, as a failure
 * would; podpass then aborts (134: nothing changed). */
static int rollback_on_fatal(void *arg)
{
	struct change *c = arg;

	rollback(c, c->was_running);
	journal_mark_done(&c->journal);	/* before the links, the undo's material, go */
	drop_orig_links(c);
	journal_remove(&c->journal);
	return -1;
}

/* fatal() once the change is whole (reporting it, freeing): the outcome is
 * fixed, so podpass says so and exits 0, as for a signal that came too late. */
static int kept_on_fatal(void *arg)
{
	(void)arg;
	log_warn("the change was whole before this error, and it stays");
	return 0;
}

int change_commit(struct change *c)
{
	size_t i;
	int rc;

	c->was_running = c->sshd.listener != 0;
	block_signals(&c->held_from);
	c->holding = 1;
	if ((rc = write_journal(c)) != 0)
		return change_fail(c, rc);	/* nothing written yet */
	cleanup_set_fatal_hook(rollback_on_fatal, c);
	if (c->sshd.need_host_keys && (rc = sshd_make_host_keys(&c->sshd.ctx, &c->cause)) != 0)
		goto out;
	for (i = 0; i < c->nfiles; i++)
		if (!c->files[i]->late && (rc = commit_file(c, c->files[i])) != 0)
			goto failed;
	if (!leaves_sshd_alone(c) && (rc = apply_restart(c)) != 0)
		goto failed;
	if (c->plan_late != NULL && (rc = c->plan_late(c->plan_late_arg, &c->cause)) != 0)
		goto failed;
	for (i = 0; i < c->nfiles; i++)
		if (c->files[i]->late && (rc = commit_file(c, c->files[i])) != 0)
			goto failed;
	if ((rc = verify(c)) != 0)
		goto failed;
	keep_rundir(c);
	c->committed = 1;
	goto out;
failed:
	change_fail(c, rc);
	rollback(c, c->was_running);
out:
	journal_mark_done(&c->journal);	/* before the links, the undo's material, go */
	drop_orig_links(c);
	journal_remove(&c->journal);
	cleanup_set_fatal_hook(c->committed ? kept_on_fatal : NULL, NULL);
	return rc;
}

void change_free(struct change *c)
{
	inspect_free(&c->sshd, c->o->restart == RESTART_NONE || c->o->dry_run ||
	    !c->committed);
	journal_free(&c->journal);
	free(c->old_dump);
	free(c->cause);
	release_signals(c);
	memset(c, 0, sizeof(*c));
}
