/* What sshd would do now: sshd_config read (after what a killed run left is
 * undone), sshd -T of a config text for one user, and the listener that runs.
 * status reads the state through it; a change (change.c) checks its candidate
 * through it.
 *
 * Must never: write outside its private work directory and /run/sshd, or
 * signal any process. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "atomic.h"
#include "cleanup.h"
#include "inspect.h"
#include "journal.h"
#include "log.h"
#include "sshd.h"
#include "sshd_config.h"
#include "sshd_files.h"
#include "util.h"

#define CHECK_ADDR "203.0.113.1"	/* a documentation address: "some client out there" */

void inspect_init(struct inspect *in, const struct options *o)
{
	memset(in, 0, sizeof(*in));
	in->o = o;
	in->dir_lock = -1;
	in->workdir_lock = -1;
	in->ctx.root = o->root;
	in->ctx.sshd_path = o->sshd_path;
	in->ctx.config_path = o->sshd_config;
}

/* Serialize podpass runs that change sshd_config: an flock on the directory
 * that holds it (not on the file, which a commit replaces), waiting up to
 * wait_ms. */
static int lock_config_dir(struct inspect *in, int wait_ms, char **cause)
{
	char *full = path_under_root(in->o->root, in->o->sshd_config), *slash;
	int rc = 0, waited;

	slash = strrchr(full, '/');
	if (slash != NULL)
		slash[slash == full ? 1 : 0] = '\0';
	in->dir_lock = open(full, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (in->dir_lock < 0) {
		set_cause(cause, "%s: %s", full, strerror(errno));
		free(full);
		return EX_NOINPUT;
	}
	for (waited = 0; flock(in->dir_lock, LOCK_EX | LOCK_NB) != 0; waited += 50) {
		if (errno != EWOULDBLOCK || waited >= wait_ms) {
			set_cause(cause, "%s is locked by another podpass run for more than "
			    "%d s; nothing was changed", full, FILE_LOCK_TIMEOUT_MS / 1000);
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
static int is_same_path(const struct inspect *in, const struct planned_file *f)
{
	char *full = path_under_root(in->o->root, f->name);
	int same = strcmp(full, f->path) == 0;

	free(full);
	return same;
}

int inspect_read_config(struct inspect *in, char **cause)
{
	int rc;

	if (in->o->command != CMD_STATUS && (rc = lock_config_dir(in, FILE_LOCK_TIMEOUT_MS,
	    cause)) != 0)
		return rc;
	/* status takes the lock only when it is free, and only for this */
	if (in->o->command == CMD_STATUS && lock_config_dir(in, 0, cause) != 0) {
		free(*cause);
		*cause = NULL;
	}
	/* before anything else: what a killed run left is undone */
	rc = journal_recover(in->o->root, &in->ctx, in->dir_lock >= 0, in->undo_user_file,
	    (void *)in->o->root, cause);
	if (in->o->command == CMD_STATUS && in->dir_lock >= 0) {
		close(in->dir_lock);
		in->dir_lock = -1;
	}
	if (rc != 0)
		return rc;
	rc = planned_file_read(in->o->root, &in->config, in->o->sshd_config, 0, cause);

	if (rc == EX_NOINPUT && in->config.path != NULL && !is_same_path(in, &in->config))
		set_cause(cause, "%s: a symbolic link to %s, which is missing",
		    in->o->sshd_config, in->config.path);
	else if (rc == EX_NOINPUT)
		set_cause(cause, "%s: missing (is openssh-server installed?)",
		    in->o->sshd_config);
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
static int make_registered_dir(struct inspect *in, const char *base)
{
	sigset_t old;
	char *p;
	size_t i;

	cleanup_block(&old);
	in->workdir = journal_make_workdir(base, &in->workdir_lock);
	if (in->workdir != NULL) {
		cleanup_add(in->workdir, 1);
		for (i = 0; i < NWORKDIR_FILES; i++) {
			p = xasprintf("%s/%s", in->workdir, workdir_files[i]);
			cleanup_add(p, 0);
			free(p);
		}
	}
	cleanup_unblock(&old);
	return in->workdir != NULL ? 0 : -1;
}

/* Make the private work directory (for the candidate config and a
 * throwaway host key) inside the target root, so chrooted children see it. */
static int make_workdir(struct inspect *in, char **cause)
{
	static const char *const bases[] = { "/tmp", "/run", "/var/tmp" };
	size_t i, rootlen;
	char *t;

	for (i = 0; i < sizeof(bases) / sizeof(bases[0]) && in->workdir == NULL; i++) {
		t = path_under_root(in->o->root, bases[i]);
		make_registered_dir(in, t);
		free(t);
	}
	if (in->workdir == NULL) {
		set_cause(cause, "cannot create a private temp directory in /tmp or "
		    "/run: %s", strerror(errno));
		return EX_CANTCREAT;
	}
	t = path_under_root(in->o->root, "/");
	rootlen = strcmp(in->o->root, "/") == 0 ? 0 : strlen(t) - 1;
	in->candidate = xasprintf("%s/sshd_config", in->workdir + rootlen);
	free(t);
	return 0;
}

/* Remove the work directory and what is in it. */
static void remove_workdir(struct inspect *in)
{
	char *p;
	size_t i;

	if (in->workdir == NULL)
		return;
	for (i = 0; i < NWORKDIR_FILES; i++) {
		p = xasprintf("%s/%s", in->workdir, workdir_files[i]);
		unlink(p);
		cleanup_forget(p);
		free(p);
	}
	if (rmdir(in->workdir) != 0)
		log_warn("cannot remove %s: %s", in->workdir, strerror(errno));
	cleanup_forget(in->workdir);
	if (in->workdir_lock >= 0)
		close(in->workdir_lock);
	in->workdir_lock = -1;
}

/* Parse the current tree (the main file as it is, plus what it includes):
 * its line numbers are the ones the user sees, for messages that name what
 * blocks. The candidate itself is judged by sshd. */
static int parse_candidate(struct inspect *in, char **cause)
{
	return sshd_config_parse(in->o->sshd_config, in->config.old, in->config.oldlen,
	    sshd_files_loader, (void *)in->o->root, &in->parsed, cause);
}

/* The host key paths sshd will load: HostKey lines, else its defaults. */
static size_t host_key_paths(const struct inspect *in, char **paths, size_t max)
{
	static char *const defaults[] = { "/etc/ssh/ssh_host_rsa_key",
	    "/etc/ssh/ssh_host_ecdsa_key", "/etc/ssh/ssh_host_ed25519_key" };
	const struct sshd_config *t = &in->parsed;
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
 * the change is whole (keep_rundir: sshd runs from it) or inspect_free removes
 * it. */
static int make_rundir(struct inspect *in, char **cause)
{
	sigset_t old;
	char *rundir;
	int rc;

	cleanup_block(&old);
	rc = sshd_make_rundir(&in->ctx, &in->rundir_created, cause);
	if (in->rundir_created) {
		rundir = path_under_root(in->o->root, "/run/sshd");
		cleanup_add(rundir, 1);
		free(rundir);
	}
	cleanup_unblock(&old);
	return rc;
}

/* See what sshd needs to run; validate with a throwaway key when there is
 * no host key yet (or when none may be made: an image build). */
static int plan_runtime(struct inspect *in, char **cause)
{
	char *paths[32], *key;
	size_t n = host_key_paths(in, paths, 32), rootlen;
	int rc, may_create = in->o->restart != RESTART_NONE && !in->o->dry_run;

	if ((rc = make_rundir(in, cause)) != 0)
		return rc;
	if (sshd_count_host_keys(&in->ctx, paths, n) > 0)
		return 0;
	in->need_host_keys = may_create;
	if ((rc = sshd_make_throwaway_key(in->workdir, &key, cause)) != 0)
		return rc;
	rootlen = strcmp(in->o->root, "/") == 0 ? 0 : strlen(in->o->root);
	while (rootlen > 1 && in->o->root[rootlen - 1] == '/')
		rootlen--;
	in->hostkey = xstrdup(key + rootlen);
	free(key);
	log_verbose("no host key yet: validating with a throwaway key%s",
	    may_create ? "" : " (none is created in an image build)");
	return 0;
}

int inspect_prepare(struct inspect *in, char **cause)
{
	int rc;

	if ((rc = sshd_check_installed(&in->ctx, cause)) != 0 ||
	    (rc = make_workdir(in, cause)) != 0 || (rc = parse_candidate(in, cause)) != 0 ||
	    (rc = plan_runtime(in, cause)) != 0)
		return rc;
	return 0;
}

/* The connection sshd -T -C evaluates Match blocks for. */
char *inspect_check_spec(const struct inspect *in, const char *user)
{
	const struct sshd_directive *d = sshd_config_first_global(&in->parsed, "port");
	const char *port = d != NULL && d->nargs > 0 ? d->args[0] : "22";

	return xasprintf("user=%s,host=client.invalid,addr=%s,laddr=127.0.0.1,lport=%s",
	    user, CHECK_ADDR, port);
}

/* The cause of a candidate that sshd refuses. */
static void blame_candidate(char **cause)
{
	char *msg = *cause;

	*cause = xasprintf("with the managed block added, %s", msg);
	free(msg);
}

/* Write the candidate config into the work dir. */
static int write_candidate(struct inspect *in, char **cause)
{
	struct stat like = { 0 };
	char *real = xasprintf("%s/sshd_config", in->workdir);
	int rc;

	like.st_uid = 0;
	like.st_gid = 0;
	like.st_mode = 0600;
	rc = atomic_replace(real, in->config.new, in->config.newlen, &like, cause);
	free(real);
	return rc;
}

/* Write the candidate config into the work dir and let sshd judge it. */
int inspect_judge(struct inspect *in, const char *spec, char **cause)
{
	int rc;

	if ((rc = write_candidate(in, cause)) != 0)
		return rc;
	free(in->dump);
	in->dump = NULL;
	rc = sshd_effective(&in->ctx, in->candidate, in->hostkey, in->running.extra,
	    in->running.nextra, spec, &in->dump, cause);
	if (rc == EX_CONFIG)
		blame_candidate(cause);
	return rc;
}

/* From sshd's effective settings (in->dump): its PidFile and where it listens. */
int inspect_where_listens(struct inspect *in, char **cause)
{
	free(in->pidfile);
	in->pidfile = sshd_dump_get(in->dump, "pidfile");
	if (in->pidfile == NULL)
		in->pidfile = xstrdup("/run/sshd.pid");
	return sshd_listen_from_dump(in->dump, &in->listen, cause);
}

int inspect_now(struct inspect *in, const char *user, char **cause)
{
	char *spec;
	int rc;

	in->config.new = xstrndup(in->config.old, in->config.oldlen);
	in->config.newlen = in->config.oldlen;
	if ((rc = inspect_prepare(in, cause)) != 0)
		return rc;
	spec = inspect_check_spec(in, user);
	rc = inspect_judge(in, spec, cause);
	if (rc == 0)
		rc = inspect_where_listens(in, cause);
	if (rc == 0) {
		rc = sshd_find_listener(&in->ctx, in->pidfile, in->listen.port, &in->running,
		    cause);
		in->listener = in->running.pid;
	}
	/* the running sshd's -o/-p options override the file: judge with them */
	if (rc == 0 && in->running.nextra > 0)
		rc = inspect_judge(in, spec, cause);
	free(spec);
	return rc;
}

void inspect_free(struct inspect *in, int remove_rundir)
{
	if (in->rundir_created) {
		char *rundir = path_under_root(in->o->root, "/run/sshd");

		if (remove_rundir)
			sshd_remove_rundir(&in->ctx);	/* no sshd started runs from it */
		cleanup_forget(rundir);
		free(rundir);
	}
	remove_workdir(in);
	planned_file_free(&in->config);
	sshd_config_free(&in->parsed);
	free(in->dump);
	free(in->pidfile);
	sshd_listener_free(&in->running);
	if (in->dir_lock >= 0)
		close(in->dir_lock);
	free(in->workdir);
	free(in->candidate);
	free(in->hostkey);
	memset(in, 0, sizeof(*in));
}
