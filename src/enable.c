/* podpass enable: set the user's password and make sshd accept it, next to
 * keys; plan, check, commit, reload, verify, all or nothing (change.c).
 *
 * Must never: let the password or its hash reach a message, a child or any
 * file but /etc/shadow, or report success when a password login for the
 * user would still be refused. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sysexits.h>
#include <unistd.h>

#include "account.h"
#include "change.h"
#include "commands.h"
#include "connect_hint.h"
#include "crypt_target.h"
#include "diff.h"
#include "hash.h"
#include "key_import.h"
#include "log.h"
#include "login_check.h"
#include "secret.h"
#include "shadow.h"
#include "sshd_files.h"
#include "util.h"

/* The password's hashing, on a thread of its own: with yescrypt it takes tens of
 * milliseconds (with the twin that checks it, hash.c), as long as the sshd runs
 * that check the config, so the two go on side by side; when /etc/shadow may come
 * last (shadow_may_come_last), also beside the commit and sshd's reload. */
struct hash_job {
	pthread_t thread;
	int running;		/* the thread was started and not yet joined */
	const char *password;	/* run->secret.buf: neither freed nor wiped while running */
	char *setting;		/* hash_new_setting's, made before the thread starts */
	char *hash;
	char *cause;
	int rc;
};

/* The hashing thread's nice value: the sshd runs and the reload that podpass
 * waits on come first, the hash takes the CPU time they leave (and what it is
 * given is inherited by the twin thread hash.c starts). */
#define HASH_NICE 10

/* Everything one run of enable knows besides the change itself. */
struct enable_run {
	const struct options *o;
	struct change ch;
	struct secret secret;
	struct hash_job job;
	struct crypt_target target;	/* what checks the password the hash is for */
	char *hash;
	struct account acct;
	long today;		/* for the lastchg field */
	struct planned_file keys;	/* ~/.ssh/authorized_keys */
	size_t keys_added;
	size_t keys_skipped;	/* lines that are not keys, keys that could not go in */
	char *cause;
};

/* Get the secret from the first source given: option, environment, prompt. */
static int read_secret(struct enable_run *run)
{
	const struct options *o = run->o;
	int rc;

	switch (o->source) {
	case PW_STDIN:
		secret_scrub_env();
		return secret_read_fd(0, &run->secret, &run->cause);
	case PW_FILE:
		secret_scrub_env();
		return secret_read_file(o->password_file, run->acct.pw.uid, &run->secret,
		    &run->cause);
	case PW_GENERATE:
		secret_scrub_env();
		if (o->encrypted) {
			set_cause(&run->cause, "--generate and --encrypted (or PODPASS_ENCRYPTED=yes) "
			    "exclude each other");
			return EX_USAGE;
		}
		return secret_generate(&run->secret, SECRET_GENERATED_LEN, &run->cause);
	case PW_UNSET:
		break;
	}
	if ((rc = secret_take_env(SECRET_ENV, &run->secret, &run->cause)) != 0 ||
	    run->secret.buf != NULL)
		return rc;
	if (isatty(0))
		return secret_prompt(&run->secret, &run->cause);
	set_cause(&run->cause, "no password given: use --password-stdin, --password-file "
	    "FILE, --generate or the environment variable PODPASS_PASSWORD_FILE or %s "
	    "(or run on a terminal to be asked)", SECRET_ENV);
	return EX_USAGE;
}

/* This thread's nice value HASH_NICE above the process's (at most 19). */
static void lower_priority(void)
{
	id_t tid = (id_t)syscall(SYS_gettid);
	int now;

	errno = 0;
	now = getpriority(PRIO_PROCESS, tid);
	if (now == -1 && errno != 0)
		return;
	setpriority(PRIO_PROCESS, tid, now + HASH_NICE > 19 ? 19 : now + HASH_NICE);
}

static void hash_job_run(struct hash_job *j)
{
	j->rc = hash_with_setting(j->password, j->setting, &j->hash, &j->cause);
}

/* The hashing thread: at HASH_NICE, beside the sshd runs. */
static void *hash_job_main(void *arg)
{
	lower_priority();
	hash_job_run(arg);
	return NULL;
}

/* The hash method: one the target's password checker verifies (crypt_target.c),
 * said with -v. */
static int choose_method(struct enable_run *run, const char **method)
{
	char *why;
	int rc;

	rc = crypt_target_choose(&run->target, run->o->method, method, &run->cause);
	if (rc != 0)
		return rc;
	why = crypt_target_describe(&run->target);
	log_verbose("hash method: %s (%s)", *method != NULL ? *method :
	    hash_preferred_method(), why);
	free(why);
	return 0;
}

/* Start turning the secret into the hash that goes into /etc/shadow; take it
 * with finish_hash. Every error of the input (length, method) comes from here,
 * before the thread starts: the thread can only fail where libxcrypt does. A
 * ready hash (--encrypted) is only validated, and must be of a method the
 * target verifies. */
static int start_hash(struct enable_run *run)
{
	struct hash_job *j = &run->job;
	const char *method;
	sigset_t all, old;
	int rc, started;

	crypt_target_probe(run->o->root, run->o->sshd_path, &run->target);
	if (run->o->encrypted) {
		if ((rc = hash_validate(run->secret.buf, &run->cause)) != 0)
			return rc;
		if ((rc = crypt_target_check_hash(&run->target, run->secret.buf, &run->cause)) != 0)
			return rc;
		run->hash = xstrdup(run->secret.buf);
		return 0;
	}
	if ((rc = secret_check_password(&run->secret, run->o->min_length, &run->cause)) != 0 ||
	    (rc = choose_method(run, &method)) != 0)
		return rc;
	rc = hash_new_setting(run->secret.buf, method, &j->setting, &run->cause);
	if (rc != 0)
		return rc;
	j->password = run->secret.buf;
	/* The thread (and the twin it starts) blocks every signal: they go to the main
	 * thread, which holds them during the commit (change.c), so that a Ctrl-C or
	 * SIGTERM while the hash finishes beside the reload waits for the end of the
	 * change instead of ending the process half way. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	started = pthread_create(&j->thread, NULL, hash_job_main, j) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (started) {
		j->running = 1;
		return 0;
	}
	log_debug("no thread for hashing: hashing first");
	hash_job_run(j);
	return 0;
}

/* Wait for the hash; its error, if any, becomes the run's. */
static int finish_hash(struct enable_run *run)
{
	struct hash_job *j = &run->job;

	if (j->running) {
		pthread_join(j->thread, NULL);
		j->running = 0;
	}
	if (run->hash != NULL || j->password == NULL)
		return 0;
	if (j->rc != 0) {
		free(run->cause);
		run->cause = j->cause;
		j->cause = NULL;
		return j->rc;
	}
	run->hash = j->hash;
	j->hash = NULL;
	return 0;
}

/* Read the user's /etc/shadow entry (under the lock); an expired account is
 * refused, as no login could work. */
static int read_shadow(struct enable_run *run)
{
	struct account *a = &run->acct;
	int rc;

	if ((rc = account_read_shadow(run->o->root, a, &run->cause)) != 0)
		return rc;
	if (a->entry.expire >= 0 && a->entry.expire <= run->today) {
		set_cause(&run->cause, "/etc/shadow line %d: the account '%s' has expired, "
		    "so no login would work (chage -E -1 %s)", a->line, a->user, a->user);
		return EX_DATAERR;
	}
	return 0;
}

/* Plan /etc/shadow with hash (any earlier plan is dropped). */
static int plan_shadow_with(struct enable_run *run, const char *hash)
{
	struct planned_file *f = &run->acct.shadow;

	freezero(f->new, f->newlen);
	f->new = NULL;
	f->newlen = 0;
	return account_plan_hash(&run->acct, hash, run->today, &run->cause);
}

/* Plan /etc/shadow with the new hash, once it is there. */
static int plan_shadow(struct enable_run *run)
{
	int rc;

	if ((rc = finish_hash(run)) != 0)
		return rc;
	return plan_shadow_with(run, run->hash);
}

/* change.plan_late: the hash, finished while sshd reloaded, goes into the plan. */
static int plan_shadow_late(void *arg, char **cause)
{
	struct enable_run *run = arg;
	int rc = plan_shadow(run);

	if (rc != 0) {
		free(*cause);
		*cause = run->cause;
		run->cause = NULL;
	}
	return rc;
}

/* 1 when /etc/shadow may be written after sshd's reload, so that the hashing
 * goes on while sshd reloads: only when the user's current password field can
 * match no password ('*', or locked with '!'), so that sshd, taking passwords
 * from the reload on, takes none but the new one. */
static int shadow_may_come_last(const struct enable_run *run)
{
	const char *h = run->acct.entry.hash;

	return run->job.running && !run->o->dry_run && run->o->restart != RESTART_NONE &&
	    h != NULL && (h[0] == '*' || h[0] == '!');
}

/* Plan the new main sshd_config: the user's managed block in it. */
static int plan_config(struct enable_run *run)
{
	struct sshd_block_settings bs;
	struct sshd_block_edit ed;
	struct planned_file *f = &run->ch.sshd.config;
	int rc;

	if ((rc = change_read_config(&run->ch)) != 0)
		return rc;
	bs.user = run->o->user;
	bs.permit_root_login = run->acct.pw.uid == 0;
	bs.require_both = run->o->mode == MODE_BOTH;
	rc = sshd_config_apply_block(f->old, f->oldlen, &bs, &f->new, &f->newlen, &ed,
	    &run->ch.cause);
	if (rc != 0) {
		char *c = run->ch.cause;

		run->ch.cause = xasprintf("%s: %s", run->o->sshd_config, c);
		free(c);
	}
	if (rc == 0)
		sshd_config_log_conversion(run->o->sshd_config, &ed);
	return rc;
}

/* Warn of Match sections that depend on the client and refuse the login
 * (login_client_warnings), named by their lines in sshd_config as it will be. */
static void warn_client_matches(const struct enable_run *run, struct login_subject *s)
{
	const struct planned_file *f = &run->ch.sshd.config;
	const struct sshd_config *now = s->tree;
	struct sshd_config after;
	char **warn = NULL, *cause = NULL;
	size_t i, nwarn = 0;

	if (sshd_config_parse(run->o->sshd_config, f->new, f->newlen, sshd_files_loader,
	    (void *)run->o->root, &after, &cause) == 0) {
		s->tree = &after;
		login_client_warnings(s, &warn, &nwarn);
		sshd_config_free(&after);
		s->tree = now;
	} else
		login_client_warnings(s, &warn, &nwarn);	/* lines as they are now */
	for (i = 0; i < nwarn; i++)
		log_warn("%s", warn[i]);
	strv_free(warn, nwarn);
	free(cause);
}

/* The effective settings for the user must let a password login through. */
static int check_login(struct enable_run *run)
{
	struct login_subject s = {
		run->o->user, run->acct.pw.uid, run->acct.groups, run->acct.ngroups, run->o->mode,
		run->ch.sshd.dump, &run->ch.sshd.parsed, run->ch.sshd.running.extra,
		run->ch.sshd.running.nextra, (long)run->ch.sshd.listener
	};

	char *msg;
	int rc = login_check(&s, &run->ch.cause);

	if (rc == 0)
		warn_client_matches(run, &s);
	if (rc != 0) {	/* the cause names the setting: a file's line, or sshd's -o */
		msg = run->ch.cause;
		run->ch.cause = xasprintf("%s; nothing was changed (change that setting, "
		    "then run podpass again)", msg);
		free(msg);
	}
	return rc;
}

/* --mode both requires a key as well as the password: refuse to set it up
 * for a user who has no key, who could then not log in at all. sshd may
 * also take keys from elsewhere (AuthorizedKeysCommand, another
 * AuthorizedKeysFile); then podpass cannot tell, and trusts the setup. */
static int check_key_for_both(struct enable_run *run)
{
	char *files, *command;
	int elsewhere;

	if (run->o->mode != MODE_BOTH)
		return 0;
	files = sshd_dump_get(run->ch.sshd.dump, "authorizedkeysfile");
	command = sshd_dump_get(run->ch.sshd.dump, "authorizedkeyscommand");
	elsewhere = (command != NULL && strcmp(command, "none") != 0) ||
	    (files != NULL && strncmp(files, ".ssh/authorized_keys", 20) != 0);
	free(files);
	free(command);
	if (elsewhere || key_import_count_for_user(run->o->root, &run->acct,
	    run->keys_added > 0 ? &run->keys : NULL) > 0)
		return 0;
	set_cause(&run->cause, "--mode both requires a key AND the password, but '%s' has "
	    "no public key in ~/.ssh/authorized_keys (nor in PUBLIC_KEY or "
	    "SSH_PUBLIC_KEY): nobody could log in; nothing was changed", run->o->user);
	return EX_CONFIG;
}

/* Steps 1 and 2: plan every new file in memory and check everything. The
 * shadow file is read last, under the lock, so that it is read fresh; its new
 * text is planned when the hash is there: now, or after sshd's reload
 * (shadow_may_come_last). */
static int plan_and_check(struct enable_run *run)
{
	int rc;

	/* the account first: a password file may be the user's own */
	if ((rc = sshd_config_user_check(run->o->user, &run->cause)) != 0 ||
	    (rc = account_lookup(run->o->root, &run->acct, &run->cause)) != 0 ||
	    (rc = read_secret(run)) != 0 || (rc = start_hash(run)) != 0)
		return rc;
	if ((run->today = account_today(&run->cause)) < 0)
		return EX_USAGE;
	if ((rc = plan_config(run)) != 0 ||
	    (rc = change_check_sshd(&run->ch, run->o->user)) != 0 ||
	    (rc = check_login(run)) != 0)
		return rc;
	if (run->o->import_keys && (rc = key_import_plan(run->o->root, &run->acct,
	    &run->keys, &run->keys_added, &run->keys_skipped)) != 0)
		return rc;
	/* A key file that cannot be written is skipped, unless the keys are
	 * what --mode both needs. */
	run->keys.optional = run->o->mode != MODE_BOTH;
	if (run->keys_added > 0)
		change_add_file(&run->ch, &run->keys);
	if ((rc = check_key_for_both(run)) != 0 || (rc = read_shadow(run)) != 0)
		return rc;
	change_add_file(&run->ch, &run->acct.shadow);
	if (!shadow_may_come_last(run))
		return plan_shadow(run);
	/* Planned now with the setting in the hash's place, so that whatever in
	 * /etc/shadow could refuse the edit does so before any write. */
	if ((rc = plan_shadow_with(run, run->job.setting)) != 0)
		return rc;
	run->acct.shadow.late = 1;
	run->ch.plan_late = plan_shadow_late;
	run->ch.plan_late_arg = run;
	return 0;
}

/* The generated password, alone on standard output's first line; written
 * directly so that no stdio buffer keeps a copy. It is written before the
 * commit: a password nobody could read must never be set. */
static int print_generated(struct enable_run *run)
{
	const struct secret *s = &run->secret;
	ssize_t w;

	fflush(stdout);
	w = write(STDOUT_FILENO, s->buf, s->len);
	if (w == (ssize_t)s->len && write(STDOUT_FILENO, "\n", 1) == 1)
		return 0;
	set_cause(&run->cause, "cannot write the generated password to standard output "
	    "(%s); nothing was changed", w < 0 ? strerror(errno) : "short write");
	return EX_IOERR;
}

/* --dry-run: what would change, without the hash. */
static void print_plan(const struct enable_run *run)
{
	static const char *const settings[] = {
		"PasswordAuthentication", "PubkeyAuthentication", "PermitRootLogin",
		"AuthenticationMethods",
	};

	diff_print(run->ch.files, run->ch.nfiles);
	diff_print_settings(run->ch.old_dump, run->ch.sshd.dump, settings,
	    sizeof(settings) / sizeof(settings[0]));
	printf("sshd would be %s\n", run->o->restart == RESTART_NONE ? "left alone" :
	    run->ch.sshd.listener != 0 ? "reloaded" : "started");
}

/* The closing message of a successful run. */
static void report_success(const struct enable_run *run)
{
	size_t added = run->keys.skipped ? 0 : run->keys_added;
	size_t skipped = run->keys_skipped + (run->keys.skipped ? run->keys_added : 0);
	struct connect_hint hint;

	if (added > 0)
		log_info("added %zu key(s) from the environment to %s", added, run->keys.name);
	if (skipped > 0)
		log_warn("%zu key line(s) from the environment skipped (see above); the "
		    "password is set all the same", skipped);
	if (run->o->restart == RESTART_NONE) {
		log_info("password login for '%s' is set up; sshd was not reloaded "
		    "(--restart none): it takes the new settings when it next starts",
		    run->o->user);
		return;
	}
	log_info("password login for '%s' is on (key login too%s)", run->o->user,
	    run->o->mode == MODE_BOTH ? "; both are required together" : "");
	connect_hint(run->o->user, run->ch.sshd.listen.port, &hint);
	if (hint.line != NULL) {
		log_info("connect: %s", hint.line);
		log_info("  (\"Too many authentication failures\"? add %s)",
		    CONNECT_PASSWORD_ONLY);
	}
	if (hint.warning != NULL)
		log_warn("%s", hint.warning);
	connect_hint_free(&hint);
}

/* Release everything the run holds; wipe what is secret. */
static void run_free(struct enable_run *run)
{
	struct hash_job *j = &run->job;

	if (j->running)
		pthread_join(j->thread, NULL);	/* it reads the secret: wait first */
	strfreezero(j->hash);
	strfreezero(j->setting);
	free(j->cause);
	crypt_target_free(&run->target);
	account_free(&run->acct);
	planned_file_free(&run->keys);
	secret_free(&run->secret);
	strfreezero(run->hash);
	free(run->cause);
	change_free(&run->ch);	/* last: it lets the signals held since the commit through */
}

int cmd_enable(const struct options *o)
{
	struct enable_run run;
	int rc;

	memset(&run, 0, sizeof(run));
	run.o = o;
	change_init(&run.ch, o);
	run.ch.sshd.undo_user_file = key_import_undo_killed;
	account_init(&run.acct, o->user);
	rc = plan_and_check(&run);
	if (rc == 0 && o->dry_run)
		print_plan(&run);
	else if (rc == 0) {
		if (o->source == PW_GENERATE)
			rc = print_generated(&run);
		if (rc == 0 && (rc = change_commit(&run.ch)) != 0 && o->source == PW_GENERATE)
			log_error("the password printed above was NOT set");
		if (rc == 0)
			report_success(&run);
	}
	if (rc != 0 && run.cause == NULL && run.ch.cause != NULL) {
		run.cause = run.ch.cause;
		run.ch.cause = NULL;
	}
	if (rc != 0 && run.cause != NULL)
		log_error("%s", run.cause);
	run_free(&run);
	return rc;
}
