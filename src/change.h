/* A change to the system's files that is applied all or nothing: planned in
 * memory, checked by sshd itself, committed atomically, followed by a reload
 * or start of sshd, verified, and rolled back on any failure after the first
 * write. enable and disable are both such a change.
 *
 * Must never: write before every check has passed, leave one file changed
 * when another could not be, leave sshd stopped that was running, or call
 * the change done before sshd answers with the new settings. */
#ifndef PODPASS_CHANGE_H
#define PODPASS_CHANGE_H

#include <signal.h>
#include <stddef.h>

#include "inspect.h"
#include "journal.h"
#include "listener.h"
#include "options.h"
#include "planned_file.h"

#define CHANGE_SSHD_TIMEOUT_MS 10000
#define CHANGE_MAX_FILES 4

struct change {
	const struct options *o;
	/* sshd_config as it is and as planned (sshd.config), what sshd makes of
	 * the candidate (sshd.dump), the running listener (sshd.running) */
	struct inspect sshd;
	struct planned_file *files[CHANGE_MAX_FILES];	/* every file, in commit order */
	size_t nfiles;
	char *old_dump;		/* sshd -T of the current config for the user */
	int was_running;	/* there was one when change_commit began */
	int sshd_touched;	/* the reload or start began: a rollback must undo it */
	int committed;
	int no_start;		/* a stopped sshd stays stopped (disable) */
	struct journal journal;	/* from change_commit's first write to its last */
	/* When set, change_commit calls it after the reload or start of sshd (or
	 * where sshd is left alone, after the other files), and only then writes the
	 * files marked late: their new text may be what it plans (0, or an exit code
	 * with *cause, which rolls everything back). */
	int (*plan_late)(void *arg, char **cause);
	void *plan_late_arg;
	sigset_t held_from;	/* the signal mask before change_commit held signals */
	int holding;		/* change_commit held them, and they are still held (to
				   exit once the change is whole, release_signals) */
	char *cause;
};

void change_init(struct change *c, const struct options *o);
/* Release everything; a private /run/sshd made only for the checks goes too.
 * Signals still held since change_commit are let through at the end. */
void change_free(struct change *c);
/* Print c->cause as an error (once) and return rc. */
int change_fail(struct change *c, int rc);

/* Add a planned file to the commit list (c->sshd.config is added by
 * change_check_sshd). */
void change_add_file(struct change *c, struct planned_file *f);

/* Plan the main sshd_config: read it into c->sshd.config (new text to be set
 * by the caller before change_check_sshd), after what a killed run left is
 * undone (inspect_read_config). enable and disable first take an flock on
 * its directory, held until change_free, so that podpass runs never
 * interleave. */
int change_read_config(struct change *c);

/* With c->sshd.config.new set: make the work dir, parse the candidate tree,
 * make /run/sshd and pick a throwaway host key when there is none, check
 * that the current config is valid, have sshd judge the candidate for user
 * (c->sshd.dump), and find the running sshd for the restart mode. */
int change_check_sshd(struct change *c, const char *user);

/* Commit every planned file, reload or start sshd, verify; on failure roll
 * everything back. Files marked late are planned (plan_late) and written after
 * the reload. Signals that would stop podpass are held from here on until
 * change_free (call it last): one that comes meanwhile ends podpass only once
 * the change is whole, or undone, and cleaned up after. */
int change_commit(struct change *c);

#endif
