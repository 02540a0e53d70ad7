/* podpass disable: take the user's managed block out of sshd_config, so
 * that the file is byte for byte what it was, optionally lock the password,
 * and reload sshd the same careful way enable does (change.c).
 *
 * Must never: touch a byte of sshd_config outside the user's managed block
 * (0.1.0's global block aside, which it converts), touch another user's
 * block, lock with a '!' prefix (with UsePAM no, sshd then refuses keys
 * too), or leave sshd stopped that was running. */
#include "config.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "account.h"
#include "change.h"
#include "commands.h"
#include "diff.h"
#include "key_import.h"
#include "log.h"
#include "shadow.h"
#include "sshd_config.h"
#include "util.h"

/* The hash that locks the password but keeps key login working. */
#define LOCKED_HASH "*"

struct disable_run {
	const struct options *o;
	struct change ch;
	struct account acct;
	struct sshd_block_edit ed;	/* what taking the block out did */
	char *cause;
};

/* Plan sshd_config without the user's managed block. */
static int plan_config(struct disable_run *run)
{
	struct planned_file *f = &run->ch.sshd.config;
	int rc;

	if ((rc = sshd_config_user_check(run->o->user, &run->cause)) != 0 ||
	    (rc = change_read_config(&run->ch)) != 0)
		return rc;
	rc = sshd_config_remove_block(f->old, f->oldlen, run->o->user, &f->new, &f->newlen,
	    &run->ed, &run->ch.cause);
	if (rc != 0) {
		char *msg = run->ch.cause;

		run->ch.cause = xasprintf("%s: %s", run->o->sshd_config, msg);
		free(msg);
	}
	if (rc == 0)
		sshd_config_log_conversion(run->o->sshd_config, &run->ed);
	return rc;
}

/* With --lock-password: plan '*' as the user's hash. */
static int plan_lock(struct disable_run *run)
{
	long today;
	int rc;

	if ((rc = account_lookup(run->o->root, &run->acct, &run->cause)) != 0)
		return rc;
	today = account_today(&run->cause);
	if (today < 0)
		return EX_USAGE;
	if ((rc = account_read_shadow(run->o->root, &run->acct, &run->cause)) != 0)
		return rc;
	return account_plan_hash(&run->acct, LOCKED_HASH, today, &run->cause);
}

/* Key login must still work for the user once the block is gone. */
static void warn_about_keys(const struct disable_run *run)
{
	char *v = run->ch.sshd.dump ? sshd_dump_get(run->ch.sshd.dump, "pubkeyauthentication") :
	    NULL;

	if (v != NULL && strcmp(v, "yes") != 0)
		log_warn("without podpass's block, key login is off for '%s' too "
		    "(PubkeyAuthentication %s)", run->o->user, v);
	free(v);
}

/* Plan and check everything; 1 in *nothing when there is nothing to do. */
static int plan_and_check(struct disable_run *run, int *nothing)
{
	int rc;

	if ((rc = plan_config(run)) != 0)
		return rc;
	if (run->o->lock_password && (rc = plan_lock(run)) != 0)
		return rc;
	*nothing = run->ed.removed == 0 && run->ed.old_removed == 0 &&
	    !run->o->lock_password;
	if (*nothing)
		return 0;
	if ((rc = change_check_sshd(&run->ch, run->o->user)) != 0)
		return rc;
	if (run->o->lock_password)
		change_add_file(&run->ch, &run->acct.shadow);
	warn_about_keys(run);
	return 0;
}

/* The closing message of a successful run. */
static void report_success(const struct disable_run *run)
{
	if (run->ed.removed > 0)
		log_info("removed podpass's block for '%s' from %s", run->o->user,
		    run->o->sshd_config);
	if (run->o->lock_password)
		log_info("the password of '%s' is locked ('*'); key login is not affected",
		    run->o->user);
	if (run->o->restart == RESTART_NONE || run->ch.sshd.listener == 0)
		log_info("sshd was not reloaded (%s): it takes the change when it next "
		    "starts", run->ch.sshd.listener == 0 ? "it is not running" :
		    "--restart none");
	else
		log_info("sshd was reloaded with the change");
}

int cmd_disable(const struct options *o)
{
	struct disable_run run;
	int rc, nothing = 0;

	memset(&run, 0, sizeof(run));
	run.o = o;
	change_init(&run.ch, o);
	run.ch.sshd.undo_user_file = key_import_undo_killed;
	run.ch.no_start = 1;
	account_init(&run.acct, o->user);
	rc = plan_and_check(&run, &nothing);
	if (rc == 0 && nothing)
		log_info("%s has no podpass block for '%s': nothing to do", o->sshd_config,
		    o->user);
	else if (rc == 0 && o->dry_run) {
		diff_print(run.ch.files, run.ch.nfiles);
		printf("sshd would be %s\n", o->restart != RESTART_NONE &&
		    run.ch.sshd.listener != 0 ? "reloaded" : "left alone");
	} else if (rc == 0 && (rc = change_commit(&run.ch)) == 0)
		report_success(&run);
	if (rc != 0 && run.cause == NULL) {
		run.cause = run.ch.cause;
		run.ch.cause = NULL;
	}
	if (rc != 0 && run.cause != NULL)
		log_error("%s", run.cause);
	change_free(&run.ch);
	account_free(&run.acct);
	free(run.cause);
	return rc;
}
