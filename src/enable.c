/* podpass enable: set the user's password and make sshd accept it, next to
 * keys; plan, check, commit, reload, verify, all or nothing (change.c).
 *
 * Must never: let the password or its hash reach a message, a child or any
 * file but /etc/shadow, or report success when a password login for the
 * user would still be refused. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "atomic.h"
#include "change.h"
#include "commands.h"
#include "hash.h"
#include "log.h"
#include "login_check.h"
#include "secret.h"
#include "shadow.h"
#include "util.h"

/* Everything one run of enable knows besides the change itself. */
struct enable_run {
	const struct options *o;
	struct change ch;
	struct secret secret;
	char *hash;
	struct passwd_entry pw;
	char **groups;
	size_t ngroups;
	struct planned_file shadow;
	int lock_fd;
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
		return secret_read_file(o->password_file, &run->secret, &run->cause);
	case PW_GENERATE:
		secret_scrub_env();
		if (o->encrypted) {
			set_cause(&run->cause, "--generate and --encrypted exclude each other");
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
	    "FILE, --generate or the environment variable %s (or run on a terminal to "
	    "be asked)", SECRET_ENV);
	return EX_USAGE;
}

/* Turn the secret into the hash that goes into /etc/shadow. */
static int make_hash(struct enable_run *run)
{
	int rc;

	if (run->o->encrypted) {
		if ((rc = hash_validate(run->secret.buf, &run->cause)) != 0)
			return rc;
		run->hash = xstrdup(run->secret.buf);
		return 0;
	}
	if ((rc = secret_check_password(&run->secret, run->o->min_length, &run->cause)) != 0)
		return rc;
	return hash_password(run->secret.buf, run->o->method, &run->hash, &run->cause);
}

/* Look the user up in passwd and group; refuse an unknown user. */
static int plan_user(struct enable_run *run)
{
	char *text = NULL, *path = change_real_path(&run->ch, "/etc/passwd");
	size_t len;
	int rc;

	rc = atomic_read(path, ATOMIC_MAX_FILE, &text, &len, NULL, &run->cause);
	free(path);
	if (rc != 0)
		return rc;
	rc = passwd_find(text, len, run->o->user, &run->pw, &run->cause);
	free(text);
	if (rc == EX_NOUSER)
		set_cause(&run->cause, "no such user '%s' in /etc/passwd", run->o->user);
	if (rc != 0)
		return rc;
	path = change_real_path(&run->ch, "/etc/group");
	if (atomic_read(path, ATOMIC_MAX_FILE, &text, &len, NULL, NULL) == 0) {
		run->groups = group_names_for_user(text, len, run->o->user, run->pw.gid,
		    &run->ngroups);
		free(text);
	}
	free(path);
	return 0;
}

/* Plan the new /etc/shadow text, under the lock shadow-utils takes. */
static int plan_shadow(struct enable_run *run, long today)
{
	struct shadow_entry e;
	char *lock = change_real_path(&run->ch, "/etc/.pwd.lock");
	int rc, line;

	rc = shadow_lock(lock, CHANGE_LOCK_TIMEOUT_MS, &run->lock_fd, &run->cause);
	free(lock);
	if (rc != 0)
		return rc;
	run->shadow.secret = 1;
	run->shadow.backup = "/etc/shadow-";
	if ((rc = change_read_file(&run->ch, &run->shadow, "/etc/shadow", 0)) != 0) {
		run->cause = run->ch.cause;
		run->ch.cause = NULL;
		return rc;
	}
	rc = shadow_find(run->shadow.old, run->shadow.oldlen, run->o->user, &e, &line,
	    &run->cause);
	if (rc == EX_NOUSER)
		set_cause(&run->cause, "/etc/shadow has no entry for '%s' (run pwconv?)",
		    run->o->user);
	if (rc != 0)
		return rc;
	if (e.expire >= 0 && e.expire <= today) {
		set_cause(&run->cause, "/etc/shadow line %d: the account '%s' has expired, "
		    "so no login would work (chage -E -1 %s)", line, run->o->user, run->o->user);
		rc = EX_CONFIG;
	}
	shadow_entry_free(&e);
	if (rc != 0)
		return rc;
	return shadow_set_hash(run->shadow.old, run->shadow.oldlen, run->o->user, run->hash,
	    today, &run->shadow.new, &run->shadow.newlen, &run->cause);
}

/* Plan the new main sshd_config: the managed block at the top. */
static int plan_config(struct enable_run *run)
{
	struct sshd_block_settings bs;
	struct planned_file *f = &run->ch.config;
	char *block;
	int rc;

	if ((rc = change_read_config(&run->ch)) != 0)
		return rc;
	bs.permit_root_login = run->pw.uid == 0;
	bs.require_both = run->o->mode == MODE_BOTH;
	block = sshd_config_block_text(&bs);
	rc = sshd_config_apply_block(f->old, f->oldlen, block, &f->new, &f->newlen,
	    &run->ch.cause);
	free(block);
	if (rc != 0) {
		char *c = run->ch.cause;

		run->ch.cause = xasprintf("%s: %s", run->o->sshd_config, c);
		free(c);
	}
	return rc;
}

/* The effective settings for the user must let a password login through. */
static int check_login(struct enable_run *run)
{
	struct login_subject s = {
		run->o->user, run->pw.uid, run->groups, run->ngroups, run->o->mode,
		run->ch.dump, &run->ch.parsed
	};

	return login_check(&s, &run->ch.cause);
}

/* Today in days for the lastchg field. */
static long today_days(struct enable_run *run)
{
	return shadow_days(getenv("SOURCE_DATE_EPOCH"), (long)time(NULL), &run->cause);
}

/* Steps 1 and 2: plan every new file in memory and check everything. The
 * shadow file is planned last, under the lock, so that it is read fresh. */
static int plan_and_check(struct enable_run *run)
{
	long today;
	int rc;

	if ((rc = read_secret(run)) != 0 || (rc = make_hash(run)) != 0 ||
	    (rc = plan_user(run)) != 0)
		return rc;
	if ((today = today_days(run)) < 0)
		return EX_USAGE;
	if ((rc = plan_config(run)) != 0 ||
	    (rc = change_check_sshd(&run->ch, run->o->user)) != 0 ||
	    (rc = check_login(run)) != 0)
		return rc;
	if ((rc = plan_shadow(run, today)) != 0)
		return rc;
	change_add_file(&run->ch, &run->shadow);
	return 0;
}

/* The generated password, alone on standard output's first line; written
 * directly so that no stdio buffer keeps a copy. */
static void print_generated(const struct secret *s)
{
	ssize_t w;

	fflush(stdout);
	w = write(STDOUT_FILENO, s->buf, s->len);
	if (w != (ssize_t)s->len || write(STDOUT_FILENO, "\n", 1) != 1)
		log_error("could not write the generated password to standard output: %s",
		    strerror(errno));
}

/* --dry-run: what would change, without the hash. */
static void print_plan(const struct enable_run *run)
{
	static const char *const settings[] = {
		"PasswordAuthentication", "PubkeyAuthentication", "PermitRootLogin",
		"AuthenticationMethods",
	};

	change_print_diff(&run->ch);
	change_print_settings(&run->ch, settings, sizeof(settings) / sizeof(settings[0]));
	printf("sshd would be %s\n", run->o->restart == RESTART_NONE ? "left alone" :
	    run->ch.listener != 0 ? "reloaded" : "started");
}

/* The closing message of a successful run. */
static void report_success(const struct enable_run *run)
{
	char *hint;

	if (run->o->restart == RESTART_NONE) {
		log_info("password login for '%s' is set up; sshd was not reloaded "
		    "(--restart none): it takes the new settings when it next starts",
		    run->o->user);
		return;
	}
	log_info("password login for '%s' is on (key login too%s)", run->o->user,
	    run->o->mode == MODE_BOTH ? "; both are required together" : "");
	hint = change_connect_hint(run->o->user, run->ch.listen.port);
	log_info("connect: %s", hint);
	free(hint);
}

/* Release everything the run holds; wipe what is secret. */
static void run_free(struct enable_run *run)
{
	change_free(&run->ch);
	if (run->lock_fd >= 0)
		shadow_unlock(run->lock_fd);
	secret_free(&run->secret);
	strfreezero(run->hash);
	planned_file_free(&run->shadow);
	passwd_entry_free(&run->pw);
	strv_free(run->groups, run->ngroups);
	free(run->cause);
}

int cmd_enable(const struct options *o)
{
	struct enable_run run;
	int rc;

	memset(&run, 0, sizeof(run));
	run.o = o;
	run.lock_fd = -1;
	change_init(&run.ch, o);
	rc = plan_and_check(&run);
	if (rc == 0 && o->dry_run)
		print_plan(&run);
	else if (rc == 0) {
		rc = change_commit(&run.ch);
		if (rc == 0 && o->source == PW_GENERATE)
			print_generated(&run.secret);
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
