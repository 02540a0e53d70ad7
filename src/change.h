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
#include <sys/stat.h>
#include <sys/types.h>

#include "journal.h"
#include "listener.h"
#include "options.h"
#include "sshd.h"
#include "sshd_config.h"
#include "userfile.h"

#define CHANGE_LOCK_TIMEOUT_MS 15000
#define CHANGE_SSHD_TIMEOUT_MS 10000
#define CHANGE_MAX_FILES 4

/* One file the change may write. */
struct planned_file {
	char *path;		/* real path, symlinks resolved */
	char *name;		/* as the user knows it (inside the root) */
	char *old, *new;
	size_t oldlen, newlen;
	struct stat st;
	int exists;		/* there was a file before */
	int secret;		/* holds hashes: wiped when freed, masked in diffs */
	const char *backup;	/* keep the old contents there first (inside root), or NULL */
	int touched;		/* a write was attempted: restore on rollback */
	int make_parent;	/* create the missing parent directory (0700, owned by st) */
	int made_parent;	/* it was created: remove it on rollback */
	char *orig_link;	/* a hard link to the file as it was, from the commit on */
	int late;		/* planned by change.plan_late, written after sshd's reload */
	/* A file in a user's ~/.ssh: read, written, checked and restored only
	 * through userfile.h (the user's rights), never by path here; freed
	 * with the planned file. */
	struct userfile *uf;
	const char *user;	/* with uf: the user whose home holds it */
	int optional;		/* a failed write is a warning: the file is skipped */
	int skipped;		/* it was, and is left as it was */
};

struct change {
	const struct options *o;
	struct sshd_ctx ctx;
	char *workdir;		/* real path of a private temp dir inside the root */
	int workdir_lock;	/* fd holding its flock (journal_make_workdir), or -1 */
	char *candidate;	/* the candidate sshd_config, path inside the root */
	char *hostkey;		/* a throwaway host key, path inside the root, or NULL */
	struct planned_file config;	/* the main sshd_config */
	struct planned_file *files[CHANGE_MAX_FILES];	/* every file, in commit order */
	size_t nfiles;
	struct sshd_config parsed;	/* the candidate tree */
	char *dump;		/* sshd -T of the candidate for the user */
	char *old_dump;		/* sshd -T of the current config for the user */
	char *pidfile;
	struct sshd_listen listen;
	pid_t listener;		/* the running listener found before the change, or 0 */
	int was_running;	/* there was one when change_commit began */
	struct sshd_listener running;	/* it, with its command-line options */
	int rundir_created;
	int need_host_keys;
	int sshd_touched;	/* the reload or start began: a rollback must undo it */
	int committed;
	int no_start;		/* a stopped sshd stays stopped (disable) */
	int dir_lock;		/* fd holding the flock on sshd_config's directory, or -1 */
	struct journal journal;	/* from change_commit's first write to its last */
	/* How a file in a user's home that a killed run left half made is undone
	 * (keys.c, set by the command before change_read_config), or NULL. */
	journal_userfile_undo undo_user_file;
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

/* A path inside the root as a real path (malloc'd). */
char *change_real_path(const struct change *c, const char *path);

/* Read the file at logical (a path inside the root) into f: symlinks are
 * resolved (the target is what gets written), the old contents and stat are
 * kept. A missing file is EX_NOINPUT unless may_be_missing. */
int change_read_file(struct change *c, struct planned_file *f, const char *logical,
    int may_be_missing);
/* Add a planned file to the commit list (c->config is added by
 * change_check_sshd). */
void change_add_file(struct change *c, struct planned_file *f);
void planned_file_free(struct planned_file *f);
/* 1 when the planned contents differ from the old ones. */
int planned_file_changes(const struct planned_file *f);

/* Plan the main sshd_config: read it into c->config (new text to be set by
 * the caller before change_check_sshd). enable and disable first take an
 * flock on its directory, held until change_free, so that podpass runs
 * never interleave. */
int change_read_config(struct change *c);

/* With c->config.new set: make the work dir, parse the candidate tree,
 * make /run/sshd and pick a throwaway host key when there is none, check
 * that the current config is valid, have sshd judge the candidate for user
 * (c->dump), and find the running sshd for the restart mode. */
int change_check_sshd(struct change *c, const char *user);

/* For status: with c->config read, have sshd report the effective settings
 * of the current config for user (c->dump) and find the listener. */
int change_inspect(struct change *c, const char *user);

/* Commit every planned file, reload or start sshd, verify; on failure roll
 * everything back. Files marked late are planned (plan_late) and written after
 * the reload. Signals that would stop podpass are held from here on until
 * change_free (call it last): one that comes meanwhile ends podpass only once
 * the change is whole, or undone, and cleaned up after. */
int change_commit(struct change *c);

/* --dry-run: a unified diff of every planned file (lines of a secret file
 * that change show their hash masked) on standard output. */
void change_print_diff(const struct change *c);

/* --dry-run: each of the named settings (as sshd_config spells them) whose
 * effective value for the user changes, before and after. */
void change_print_settings(const struct change *c, const char *const *names, size_t n);

/* How to connect as user (malloc'd): the pod's public address where the
 * cloud says it (RunPod, vast.ai), else this host's address and sshd's port. */
char *change_connect_hint(const char *user, int port);

#endif
