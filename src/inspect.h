/* What sshd would do now: sshd_config read (after what a killed run left is
 * undone), sshd -T of a config text for one user, and the listener that
 * runs. status reads the effective state through it; a change (change.h)
 * has its candidate judged through it.
 *
 * Must never: write outside its private work directory and /run/sshd, or
 * signal any process. */
#ifndef PODPASS_INSPECT_H
#define PODPASS_INSPECT_H

#include <sys/types.h>

#include "journal.h"
#include "options.h"
#include "planned_file.h"
#include "listener.h"
#include "sshd.h"
#include "sshd_config.h"

/* sshd_config, and what sshd makes of a config text (config.new) for one user. */
struct inspect {
	const struct options *o;
	struct sshd_ctx ctx;
	int dir_lock;		/* fd holding the flock on sshd_config's directory, or -1 */
	/* How a file in a user's home that a killed run left half made is undone
	 * (key_import.c, set by the command before inspect_read_config; its arg is
	 * the root), or NULL. */
	journal_userfile_undo undo_user_file;
	struct planned_file config;	/* the main sshd_config */
	char *workdir;		/* real path of a private temp dir inside the root */
	int workdir_lock;	/* fd holding its flock (journal_make_workdir), or -1 */
	char *candidate;	/* config.new as judged, path inside the root */
	char *hostkey;		/* a throwaway host key, path inside the root, or NULL */
	int rundir_created;	/* /run/sshd was made for the checks */
	int need_host_keys;	/* there are none, and they may be made */
	struct sshd_config parsed;	/* the current tree */
	char *dump;		/* sshd -T of config.new for the user */
	char *pidfile;
	struct sshd_listen listen;
	struct sshd_listener running;	/* the running listener, with its command-line options */
	pid_t listener;		/* its pid, or 0 */
};

void inspect_init(struct inspect *in, const struct options *o);
/* Release everything; /run/sshd made for the checks goes too when
 * remove_rundir (no sshd started runs from it). */
void inspect_free(struct inspect *in, int remove_rundir);

/* Read the main sshd_config into in->config, after what a killed run left is
 * undone (journal_recover). enable and disable first take an flock on its
 * directory, held until inspect_free, so that podpass runs never interleave;
 * status takes it only when it is free, and only for the undoing. */
int inspect_read_config(struct inspect *in, char **cause);

/* Make the work dir, parse the current tree, make /run/sshd and pick a
 * throwaway host key when there is none. */
int inspect_prepare(struct inspect *in, char **cause);

/* The connection sshd -T -C evaluates Match blocks for (malloc'd). */
char *inspect_check_spec(const struct inspect *in, const char *user);

/* Write config.new into the work dir and let sshd judge it for spec, with the
 * running sshd's command-line options (in->dump). */
int inspect_judge(struct inspect *in, const char *spec, char **cause);

/* From in->dump: sshd's PidFile and where it listens. */
int inspect_where_listens(struct inspect *in, char **cause);

/* For status: with in->config read, have sshd report the effective settings
 * of the current config for user (in->dump) and find the listener. */
int inspect_now(struct inspect *in, const char *user, char **cause);

#endif
