/* A change applied all or nothing: plan, check, commit, reload, verify,
 * roll back.
 *
 * Must never: write before every check has passed, leave one file changed
 * when another could not be, leave sshd stopped that was running, or call
 * the change done before sshd answers with the new settings. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <sys/file.h>
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
#include "sshd_config.h"
#include "sshd_files.h"
#include "util.h"

#define CHECK_ADDR "203.0.113.1"	/* a documentation address: "some client out there" */

void change_init(struct change *c, const struct options *o)
{
	memset(c, 0, sizeof(*c));
	c->o = o;
	c->dir_lock = -1;
	c->workdir_lock = -1;
	c->ctx.root = o->root;
	c->ctx.sshd_path = o->sshd_path;
	c->ctx.config_path = o->sshd_config;
}

int change_fail(struct change *c, int rc)
{
	if (rc != 0 && c->cause != NULL)
		log_error("%s", c->cause);
	free(c->cause);
	c->cause = NULL;
	return rc;
}

char *change_real_path(const struct change *c, const char *path)
{
	return path_under_root(c->o->root, path);
}

void planned_file_free(struct planned_file *f)
{
	if (f->secret) {
		freezero(f->old, f->oldlen);
		freezero(f->new, f->newlen);
	} else {
		free(f->old);
		free(f->new);
	}
	free(f->path);
	free(f->name);
	if (f->uf != NULL)
		userfile_free(f->uf);
	free(f->uf);
	if (f->orig_link != NULL)
		unlink(f->orig_link);
	free(f->orig_link);
	memset(f, 0, sizeof(*f));
}

int planned_file_changes(const struct planned_file *f)
{
	return f->new != NULL && (!f->exists || f->oldlen != f->newlen ||
	    memcmp(f->old, f->new, f->oldlen) != 0);
}

int change_read_file(struct change *c, struct planned_file *f, const char *logical,
    int may_be_missing)
{
	char *full = change_real_path(c, logical);
	int rc;

	f->name = xstrdup(logical);
	f->path = atomic_resolve(c->o->root, full, &c->cause);
	free(full);
	if (f->path == NULL)
		return EX_IOERR;
	rc = atomic_read(f->path, ATOMIC_MAX_FILE, &f->old, &f->oldlen, &f->st, &c->cause);
	if (rc == EX_NOINPUT && may_be_missing && access(f->path, F_OK) != 0) {
		free(c->cause);
		c->cause = NULL;
		f->old = xstrdup("");
		f->oldlen = 0;
		return 0;
	}
	if (rc == 0)
		f->exists = 1;
	return rc;
}

void change_add_file(struct change *c, struct planned_file *f)
{
	if (c->nfiles >= CHANGE_MAX_FILES)
		fatal("too many files in one change");
	c->files[c->nfiles++] = f;
}

/* Serialize podpass runs that change sshd_config: an flock on the directory
 * that holds it (not on the file, which a commit replaces), waiting up to
 * wait_ms. */
static int lock_config_dir(struct change *c, int wait_ms)
{
	char *full = change_real_path(c, c->o->sshd_config), *slash;
	int rc = 0, waited;

	slash = strrchr(full, '/');
	if (slash != NULL)
		slash[slash == full ? 1 : 0] = '\0';
	c->dir_lock = open(full, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->dir_lock < 0) {
		set_cause(&c->cause, "%s: %s", full, strerror(errno));
		free(full);
		return EX_NOINPUT;
	}
	for (waited = 0; flock(c->dir_lock, LOCK_EX | LOCK_NB) != 0; waited += 50) {
		if (errno != EWOULDBLOCK || waited >= wait_ms) {
			set_cause(&c->cause, "%s is locked by another podpass run for more than "
			    "%d s; nothing was changed", full, CHANGE_LOCK_TIMEOUT_MS / 1000);
			rc = EX_TEMPFAIL;
			break;
		}
		if (waited == 0)
			log_info("waiting for another podpass run to finish");
		usleep(50 * 1000);
	}
	free(full);
	return rc;
}

/* 1 when f's resolved path is the path it was asked for. */
static int is_same_path(const struct change *c, const struct planned_file *f)
{
	char *full = change_real_path(c, f->name);
	int same = strcmp(full, f->path) == 0;

	free(full);
	return same;
}

int change_read_config(struct change *c)
{
	int rc;

	if (c->o->command != CMD_STATUS && (rc = lock_config_dir(c, CHANGE_LOCK_TIMEOUT_MS)) != 0)
		return rc;
	/* status takes the lock only when it is free, and only for this */
	if (c->o->command == CMD_STATUS && lock_config_dir(c, 0) != 0) {
		free(c->cause);
		c->cause = NULL;
	}
	/* before anything else: what a killed run left is undone */
	rc = journal_recover(c->o->root, &c->ctx, c->dir_lock >= 0, c->undo_user_file, c,
	    &c->cause);
	if (c->o->command == CMD_STATUS && c->dir_lock >= 0) {
		close(c->dir_lock);
		c->dir_lock = -1;
	}
	if (rc != 0)
		return rc;
	rc = change_read_file(c, &c->config, c->o->sshd_config, 0);

	if (rc == EX_NOINPUT && c->config.path != NULL && !is_same_path(c, &c->config))
		set_cause(&c->cause, "%s: a symbolic link to %s, which is missing",
		    c->o->sshd_config, c->config.path);
	else if (rc == EX_NOINPUT)
		set_cause(&c->cause, "%s: missing (is openssh-server installed?)",
		    c->o->sshd_config);
	return rc;
}

/* The files the work directory may hold, removed before it. */
static const char *const workdir_files[] = {
	"sshd_config", "throwaway_host_key", "throwaway_host_key.pub",
};
#define NWORKDIR_FILES (sizeof(workdir_files) / sizeof(workdir_files[0]))

/* A work directory under base (journal.c: locked while podpass runs),
 * registered for removal with the files it may hold, so that a signal that
 * ends podpass leaves none of them (cleanup.c). 0, or -1 with errno set. */
static int make_registered_dir(struct change *c, const char *base)
{
	sigset_t old;
	char *p;
	size_t i;

	cleanup_block(&old);
	c->workdir = journal_make_workdir(base, &c->workdir_lock);
	if (c->workdir != NULL) {
		cleanup_add(c->workdir, 1);
		for (i = 0; i < NWORKDIR_FILES; i++) {
			p = xasprintf("%s/%s", c->workdir, workdir_files[i]);
			cleanup_add(p, 0);
			free(p);
		}
	}
	cleanup_unblock(&old);
	return c->workdir != NULL ? 0 : -1;
}

/* Make the private work directory (for the candidate config and a
 * throwaway host key) inside the target root, so chrooted children see it. */
static int make_workdir(struct change *c)
{
	static const char *const bases[] = { "/tmp", "/run", "/var/tmp" };
	size_t i, rootlen;
	char *t;

	for (i = 0; i < sizeof(bases) / sizeof(bases[0]) && c->workdir == NULL; i++) {
		t = path_under_root(c->o->root, bases[i]);
		make_registered_dir(c, t);
		free(t);
	}
	if (c->workdir == NULL) {
		set_cause(&c->cause, "cannot create a private temp directory in /tmp or "
		    "/run: %s", strerror(errno));
		return EX_CANTCREAT;
	}
	t = path_under_root(c->o->root, "/");
	rootlen = strcmp(c->o->root, "/") == 0 ? 0 : strlen(t) - 1;
	c->candidate = xasprintf("%s/sshd_config", c->workdir + rootlen);
	free(t);
	return 0;
}

/* Remove the work directory and what is in it. */
static void remove_workdir(struct change *c)
{
	char *p;
	size_t i;

	if (c->workdir == NULL)
		return;
	for (i = 0; i < NWORKDIR_FILES; i++) {
		p = xasprintf("%s/%s", c->workdir, workdir_files[i]);
		unlink(p);
		cleanup_forget(p);
		free(p);
	}
	if (rmdir(c->workdir) != 0)
		log_warn("cannot remove %s: %s", c->workdir, strerror(errno));
	cleanup_forget(c->workdir);
	if (c->workdir_lock >= 0)
		close(c->workdir_lock);
	c->workdir_lock = -1;
}

/* Parse the current tree (the main file as it is, plus what it includes):
 * its line numbers are the ones the user sees, for messages that name what
 * blocks. The candidate itself is judged by sshd. */
static int parse_candidate(struct change *c)
{
	return sshd_config_parse(c->o->sshd_config, c->config.old, c->config.oldlen,
	    sshd_files_loader, (void *)c->o->root, &c->parsed, &c->cause);
}

/* The host key paths sshd will load: HostKey lines, else its defaults. */
static size_t host_key_paths(const struct change *c, char **paths, size_t max)
{
	static char *const defaults[] = { "/etc/ssh/ssh_host_rsa_key",
	    "/etc/ssh/ssh_host_ecdsa_key", "/etc/ssh/ssh_host_ed25519_key" };
	const struct sshd_config *t = &c->parsed;
	size_t i, n = 0;

	for (i = 0; i < t->n && n < max; i++)
		if (t->directives[i].match < 0 && t->directives[i].nargs > 0 &&
		    strcmp(t->directives[i].keyword, "hostkey") == 0)
			paths[n++] = t->directives[i].args[0];
	for (i = 0; n == 0 && i < 3; i++)
		paths[i] = defaults[i];
	return n == 0 ? 3 : n;
}

/* /run/sshd (sshd refuses to start without it), registered for removal until
 * the change is whole (keep_rundir: sshd runs from it) or change_free removes
 * it. */
static int make_rundir(struct change *c)
{
	sigset_t old;
	char *rundir;
	int rc;

	cleanup_block(&old);
	rc = sshd_make_rundir(&c->ctx, &c->rundir_created, &c->cause);
	if (c->rundir_created) {
		rundir = path_under_root(c->o->root, "/run/sshd");
		cleanup_add(rundir, 1);
		free(rundir);
	}
	cleanup_unblock(&old);
	return rc;
}

/* See what sshd needs to run; validate with a throwaway key when there is
 * no host key yet (or when none may be made: an image build). */
static int plan_runtime(struct change *c)
{
	char *paths[32], *key;
	size_t n = host_key_paths(c, paths, 32), rootlen;
	int rc, may_create = c->o->restart != RESTART_NONE && !c->o->dry_run;

	if ((rc = make_rundir(c)) != 0)
		return rc;
	if (sshd_count_host_keys(&c->ctx, paths, n) > 0)
		return 0;
	c->need_host_keys = may_create;
	if ((rc = sshd_make_throwaway_key(c->workdir, &key, &c->cause)) != 0)
		return rc;
	rootlen = strcmp(c->o->root, "/") == 0 ? 0 : strlen(c->o->root);
	while (rootlen > 1 && c->o->root[rootlen - 1] == '/')
		rootlen--;
	c->hostkey = xstrdup(key + rootlen);
	free(key);
	log_verbose("no host key yet: validating with a throwaway key%s",
	    may_create ? "" : " (none is created in an image build)");
	return 0;
}

/* The connection sshd -T -C evaluates Match blocks for. */
static char *check_spec(const struct change *c, const char *user)
{
	const struct sshd_directive *d = sshd_config_first_global(&c->parsed, "port");
	const char *port = d != NULL && d->nargs > 0 ? d->args[0] : "22";

	return xasprintf("user=%s,host=client.invalid,addr=%s,laddr=127.0.0.1,lport=%s",
	    user, CHECK_ADDR, port);
}

/* The cause of a current config that sshd refuses: reported, not made worse. */
static void blame_current(struct change *c)
{
	char *msg = c->cause;

	c->cause = xasprintf("the current sshd configuration is already invalid, so "
	    "nothing was changed; fix it first: %s", msg);
	free(msg);
}

/* The cause of a candidate that sshd refuses. */
static void blame_candidate(struct change *c)
{
	char *msg = c->cause;

	c->cause = xasprintf("with the managed block added, %s", msg);
	free(msg);
}

/* Write the candidate config into the work dir. */
static int write_candidate(struct change *c)
{
	struct stat like = { 0 };
	char *real = xasprintf("%s/sshd_config", c->workdir);
	int rc;

	like.st_uid = 0;
	like.st_gid = 0;
	like.st_mode = 0600;
	rc = atomic_replace(real, c->config.new, c->config.newlen, &like, &c->cause);
	free(real);
	return rc;
}

/* Write the candidate config into the work dir and let sshd judge it. */
static int check_candidate(struct change *c, const char *spec)
{
	int rc;

	if ((rc = write_candidate(c)) != 0)
		return rc;
	free(c->dump);
	c->dump = NULL;
	rc = sshd_effective(&c->ctx, c->candidate, c->hostkey, c->running.extra,
	    c->running.nextra, spec, &c->dump, &c->cause);
	if (rc == EX_CONFIG)
		blame_candidate(c);
	return rc;
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
	if (!planned_file_changes(&c->config)) {
		/* nothing to change in the file (enable's second run, disable with no
		 * block): the candidate is the current config, and one run judges both */
		rc = sshd_effective(&c->ctx, c->o->sshd_config, c->hostkey, NULL, 0, spec,
		    &c->old_dump, &c->cause);
		if (rc == EX_CONFIG)
			blame_current(c);
		free(c->dump);
		c->dump = rc == 0 ? xstrdup(c->old_dump) : NULL;
		return rc;
	}
	rc = sshd_effective_start(&c->ctx, c->o->sshd_config, c->hostkey, NULL, 0, spec, &cur,
	    &c->cause);
	if (rc != 0)
		return rc;
	rc = check_candidate(c, spec);	/* while sshd judges the current config */
	rc_cur = sshd_effective_finish(&cur, &c->old_dump, &cur_cause);
	if (rc_cur == 0)
		return rc;
	free(c->cause);
	c->cause = cur_cause;
	if (rc_cur == EX_CONFIG)
		blame_current(c);
	return rc_cur;
}

/* From sshd's effective settings (c->dump): its PidFile and where it listens. */
static int where_sshd_listens(struct change *c)
{
	free(c->pidfile);
	c->pidfile = sshd_dump_get(c->dump, "pidfile");
	if (c->pidfile == NULL)
		c->pidfile = xstrdup("/run/sshd.pid");
	return sshd_listen_from_dump(c->dump, &c->listen, &c->cause);
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

	if ((rc = where_sshd_listens(c)) != 0)
		return rc;
	if (c->o->restart == RESTART_NONE)
		return 0;
	rc = sshd_find_listener(&c->ctx, c->pidfile, c->listen.port, &c->running, &c->cause);
	c->listener = c->running.pid;
	if (rc != 0 || (c->listener == 0 && c->no_start))
		return rc;
	if (c->listener == 0 && sockets_listen_inodes(getpid(), c->listen.port, &inode, 1)) {
		set_cause(&c->cause, "another program listens on port %d, so sshd could "
		    "not start there; nothing was changed", c->listen.port);
		return EX_UNAVAILABLE;	/* a second look, after one that may have failed */
	}
	if (c->o->restart == RESTART_RELOAD && c->listener == 0) {
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
	if (c->o->restart == RESTART_START && c->listener != 1) {
		set_cause(&c->cause, "the running sshd (pid %ld) was started with options on "
		    "its command line, which --restart start would drop; nothing was "
		    "changed (use --restart auto)", (long)c->listener);
		return EX_CONFIG;
	}
	log_verbose("checking again with the running sshd's command-line options");
	return check_candidate(c, spec);
}

int change_check_sshd(struct change *c, const char *user)
{
	char *spec;
	int rc;

	change_add_file(c, &c->config);
	if ((rc = sshd_check_installed(&c->ctx, &c->cause)) != 0 ||
	    (rc = make_workdir(c)) != 0 || (rc = parse_candidate(c)) != 0 ||
	    (rc = plan_runtime(c)) != 0)
		return rc;
	spec = check_spec(c, user);
	rc = check_current_and_candidate(c, spec);
	if (rc == 0)
		rc = plan_restart(c);
	if (rc == 0 && c->running.nextra > 0)
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

	if (c->o->restart == RESTART_START && c->listener == 1)
		log_warn("sshd is the container's first process: reloading it instead of "
		    "restarting it, which would end the container");
	else if (c->o->restart == RESTART_START && c->listener != 0) {
		log_info("stopping sshd (pid %ld) to start it again; open sessions stay",
		    (long)c->listener);
		if ((rc = sshd_stop(c->listener, CHANGE_SSHD_TIMEOUT_MS, &c->cause)) != 0)
			return rc;
		c->listener = 0;
		return sshd_start(&c->ctx, c->pidfile, &c->listen, CHANGE_SSHD_TIMEOUT_MS,
		    &c->cause);
	}
	if (c->listener != 0) {
		log_info("reloading sshd (pid %ld); open sessions stay", (long)c->listener);
		return sshd_reload(c->listener, &c->listen, CHANGE_SSHD_TIMEOUT_MS, &c->cause);
	}
	log_info("starting sshd");
	return sshd_start(&c->ctx, c->pidfile, &c->listen, CHANGE_SSHD_TIMEOUT_MS, &c->cause);
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
	if (was_running && sshd_wait_listener(&c->ctx, c->listener, c->listen.port,
	    CHANGE_SSHD_TIMEOUT_MS) == 0)
		pid = c->listener;	/* the same listener, maybe still restarting */
	else if (sshd_find_listener(&c->ctx, c->pidfile, c->listen.port, &now, &cause) == 0) {
		pid = now.pid;
		sshd_listener_free(&now);
	}
	if (!was_running) {
		if (pid != 0 && sshd_stop(pid, CHANGE_SSHD_TIMEOUT_MS, &cause) == 0)
			log_info("the sshd podpass started is stopped again, as it was before");
	} else if (pid != 0) {
		if (sshd_reload(pid, &c->listen, CHANGE_SSHD_TIMEOUT_MS, &cause) == 0)
			log_info("sshd runs with the old settings again");
	} else if (sshd_start(&c->ctx, c->pidfile, &c->listen, CHANGE_SSHD_TIMEOUT_MS,
	    &cause) == 0)
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
		rc = sshd_find_listener(&c->ctx, c->pidfile, c->listen.port, &now, &c->cause);
		pid = now.pid;
		sshd_listener_free(&now);
		if (rc != 0)
			return rc;
		if (pid == 0) {
			set_cause(&c->cause, "sshd stopped listening on port %d", c->listen.port);
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

int change_inspect(struct change *c, const char *user)
{
	char *spec;
	int rc;

	c->config.new = xstrndup(c->config.old, c->config.oldlen);
	c->config.newlen = c->config.oldlen;
	if ((rc = sshd_check_installed(&c->ctx, &c->cause)) != 0 ||
	    (rc = make_workdir(c)) != 0 || (rc = parse_candidate(c)) != 0 ||
	    (rc = plan_runtime(c)) != 0)
		return rc;
	spec = check_spec(c, user);
	rc = check_candidate(c, spec);
	if (rc == 0)
		rc = where_sshd_listens(c);
	if (rc == 0) {
		rc = sshd_find_listener(&c->ctx, c->pidfile, c->listen.port, &c->running,
		    &c->cause);
		c->listener = c->running.pid;
	}
	/* the running sshd's -o/-p options override the file: judge with them */
	if (rc == 0 && c->running.nextra > 0)
		rc = check_candidate(c, spec);
	free(spec);
	return rc;
}

/* 1 when this change leaves sshd alone: --restart none, or a stopped sshd
 * that the command does not start. */
static int leaves_sshd_alone(const struct change *c)
{
	return c->o->restart == RESTART_NONE || (c->listener == 0 && c->no_start);
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
	c->journal.pidfile = c->pidfile != NULL ? xstrdup(c->pidfile) : NULL;
	c->journal.listener = c->listener;
	c->journal.listen = c->listen;
	if ((rc = journal_write(&c->journal, &c->cause)) != 0)
		journal_remove(&c->journal);
	return rc;
}

/* The change is whole: an sshd it started runs from the /run/sshd podpass
 * made, which no exit may remove from now on (a fatal() while reporting). */
static void keep_rundir(struct change *c)
{
	char *rundir;

	if (!c->rundir_created || c->o->restart == RESTART_NONE)
		return;
	rundir = path_under_root(c->o->root, "/run/sshd");
	cleanup_forget(rundir);
	free(rundir);
	c->rundir_created = 0;	/* not podpass's to remove any more */
}

/* fatal() during the commit (cleanup.c): undo what was done, as a failure
 * would; podpass then aborts (134: nothing changed). */
static int rollback_on_fatal(void *arg)
{
	struct change *c = arg;

	rollback(c, c->was_running);
	journal_remove(&c->journal);
	drop_orig_links(c);
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

	c->was_running = c->listener != 0;
	block_signals(&c->held_from);
	c->holding = 1;
	if ((rc = write_journal(c)) != 0)
		return change_fail(c, rc);	/* nothing written yet */
	cleanup_set_fatal_hook(rollback_on_fatal, c);
	if (c->need_host_keys && (rc = sshd_make_host_keys(&c->ctx, &c->cause)) != 0)
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
	journal_remove(&c->journal);	/* first: the links are the undo's material */
	drop_orig_links(c);
	cleanup_set_fatal_hook(c->committed ? kept_on_fatal : NULL, NULL);
	return rc;
}

/* This machine's first non-loopback IPv4 address, or NULL. */
static char *local_address(void)
{
	struct ifaddrs *ifs, *i;
	char host[NI_MAXHOST];
	char *found = NULL;

	if (getifaddrs(&ifs) != 0)
		return NULL;
	for (i = ifs; i != NULL && found == NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET ||
		    strncmp(i->ifa_name, "lo", 2) == 0)
			continue;
		if (getnameinfo(i->ifa_addr, sizeof(struct sockaddr_in), host, sizeof(host),
		    NULL, 0, NI_NUMERICHOST) == 0)
			found = xstrdup(host);
	}
	freeifaddrs(ifs);
	return found;
}

char *change_connect_hint(const char *user, int port)
{
	static const char *const pairs[][2] = {
		{ "RUNPOD_PUBLIC_IP", "RUNPOD_TCP_PORT_22" },
		{ "PUBLIC_IPADDR", "VAST_TCP_PORT_22" },
	};
	const char *ip, *p;
	char *local, *hint;
	size_t i;

	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		ip = getenv(pairs[i][0]);
		p = getenv(pairs[i][1]);
		if (ip != NULL && *ip != '\0' && p != NULL && *p != '\0')
			return xasprintf("ssh %s@%s -p %s", user, ip, p);
	}
	local = local_address();
	hint = xasprintf("ssh %s@%s -p %d", user, local ? local : "<this host>", port);
	free(local);
	return hint;
}

void change_free(struct change *c)
{
	if (c->rundir_created) {
		char *rundir = path_under_root(c->o->root, "/run/sshd");

		if (c->o->restart == RESTART_NONE || c->o->dry_run || !c->committed)
			sshd_remove_rundir(&c->ctx);	/* no sshd started runs from it */
		cleanup_forget(rundir);
		free(rundir);
	}
	remove_workdir(c);
	journal_free(&c->journal);
	planned_file_free(&c->config);
	sshd_config_free(&c->parsed);
	free(c->dump);
	free(c->old_dump);
	free(c->pidfile);
	sshd_listener_free(&c->running);
	if (c->dir_lock >= 0)
		close(c->dir_lock);
	free(c->workdir);
	free(c->candidate);
	free(c->hostkey);
	free(c->cause);
	release_signals(c);
	memset(c, 0, sizeof(*c));
}

/* One line of a file being diffed. */
struct diff_line {
	const char *p;
	size_t len;
};

/* Split text into lines (without their "\n"); malloc'd array. */
static struct diff_line *split_lines(const char *text, size_t len, size_t *n)
{
	struct diff_line *v = NULL;
	size_t cap = 0, i = 0, start;

	*n = 0;
	while (i < len) {
		start = i;
		while (i < len && text[i] != '\n')
			i++;
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[*n].p = text + start;
		v[(*n)++].len = i - start;
		if (i < len)
			i++;
	}
	return v;
}

/* 1 when a password field (len bytes at p) holds only '!' and '*' (or nothing):
 * a lock or "no password" mark, no hash. */
static int is_mark_only(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != '!' && p[i] != '*')
			return 0;
	return 1;
}

/* Print one diff line. In a secret file the password field (the second colon
 * field) of every line is masked, context lines included, whatever its form
 * (a hash, a locked hash, a DES hash, anything unknown); only a field of '!'
 * and '*' marks alone, or an empty one, is shown. A line with no colon is
 * hidden whole. */
static void print_diff_line(char mark, const struct diff_line *l, int secret)
{
	const char *end = l->p + l->len, *c1, *c2;

	c1 = secret ? memchr(l->p, ':', l->len) : NULL;
	if (secret && c1 == NULL && l->len > 0) {
		printf("%c<line hidden>\n", mark);
		return;
	}
	c2 = c1 ? memchr(c1 + 1, ':', (size_t)(end - c1 - 1)) : NULL;
	if (c1 != NULL && c2 == NULL)
		c2 = end;
	if (c1 != NULL && !is_mark_only(c1 + 1, (size_t)(c2 - c1 - 1))) {
		printf("%c%.*s<hash hidden>%.*s\n", mark, (int)(c1 + 1 - l->p), l->p,
		    (int)(end - c2), c2);
		return;
	}
	printf("%c%.*s\n", mark, (int)l->len, l->p);
}

/* 1 when two lines are equal. */
static int line_eq(const struct diff_line *a, const struct diff_line *b)
{
	return a->len == b->len && memcmp(a->p, b->p, a->len) == 0;
}

/* Print a unified diff of one planned file: one hunk around the lines
 * between the common head and tail, three lines of context. */
static void print_file_diff(const struct planned_file *f)
{
	struct diff_line *a, *b;
	size_t na, nb, head = 0, tail = 0, from, to_a, to_b, i;

	a = split_lines(f->old, f->oldlen, &na);
	b = split_lines(f->new, f->newlen, &nb);
	while (head < na && head < nb && line_eq(&a[head], &b[head]))
		head++;
	while (tail < na - head && tail < nb - head &&
	    line_eq(&a[na - 1 - tail], &b[nb - 1 - tail]))
		tail++;
	from = head > 3 ? head - 3 : 0;
	to_a = na - tail + (tail > 3 ? 3 : tail);
	to_b = nb - tail + (tail > 3 ? 3 : tail);
	printf("--- %s\n+++ %s (after podpass)\n", f->name, f->name);
	printf("@@ -%zu,%zu +%zu,%zu @@\n", to_a > from ? from + 1 : from, to_a - from,
	    to_b > from ? from + 1 : from, to_b - from);
	for (i = from; i < head; i++)
		print_diff_line(' ', &a[i], f->secret);
	for (i = head; i < na - tail; i++)
		print_diff_line('-', &a[i], f->secret);
	for (i = head; i < nb - tail; i++)
		print_diff_line('+', &b[i], f->secret);
	for (i = na - tail; i < to_a; i++)
		print_diff_line(' ', &a[i], f->secret);
	free(a);
	free(b);
}

void change_print_diff(const struct change *c)
{
	size_t i;

	for (i = 0; i < c->nfiles; i++) {
		if (planned_file_changes(c->files[i]))
			print_file_diff(c->files[i]);
		else
			printf("%s: unchanged\n", c->files[i]->name);
	}
}

/* The effective value of keyword before and after, as sshd reports them. */
void change_print_settings(const struct change *c, const char *const *names, size_t n)
{
	char *before, *after, *lower;
	size_t i, j;

	for (i = 0; i < n; i++) {
		lower = xstrdup(names[i]);
		for (j = 0; lower[j] != '\0'; j++)
			lower[j] = (char)tolower((unsigned char)lower[j]);
		before = c->old_dump ? sshd_dump_get(c->old_dump, lower) : NULL;
		after = c->dump ? sshd_dump_get(c->dump, lower) : NULL;
		if (before != NULL && after != NULL && strcmp(before, after) != 0)
			printf("setting %s: %s -> %s\n", names[i], before, after);
		free(before);
		free(after);
		free(lower);
	}
}
