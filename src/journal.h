/* What a podpass run that was killed (SIGKILL: nothing can catch it) left
 * behind, and how the next run undoes it.
 *
 * From its first write to its last, a change keeps a journal in the root's
 * /etc: which files it writes, where their originals are kept (the
 * *.podpass-orig hard links), and how to reach sshd. A run that finds a
 * journal whose writer is dead undoes that change before anything else:
 * every original back, a file that was not there removed, sshd reloaded when
 * a file went back; and it removes work directories (podpass.XXXXXX) whose
 * run is gone (nobody holds their lock). Each is said.
 *
 * Once the change is whole (or undone), the journal is renamed to its "done"
 * name before the links to the originals are removed, and removed last: a
 * run killed meanwhile leaves a done journal, and the next run removes only
 * the links it lists (a user's with the user's rights), never undoing.
 *
 * Must never: undo the change of a run that is still alive, follow a link
 * or remove a path it did not write itself, or leave the journal behind a
 * change that completed or was undone. */
#ifndef PODPASS_JOURNAL_H
#define PODPASS_JOURNAL_H

#include <sys/types.h>

#include "sshd.h"

#define JOURNAL_PATH "/etc/.podpass-journal"
#define JOURNAL_DONE_PATH "/etc/.podpass-journal-done"
#define JOURNAL_MAX_FILES 8

/* One file the change writes. */
struct journal_file {
	char *path;		/* real path */
	int existed;		/* there was a file before: its original is path.podpass-orig */
	char *user;		/* a file in this user's home, undone with the user's
				   rights (journal_userfile_undo), or NULL: root's */
};

struct journal {
	char *path;		/* real path of the journal */
	char *done_path;	/* real path of it once the change is whole or undone */
	pid_t pid;		/* the run that wrote it */
	struct journal_file files[JOURNAL_MAX_FILES];
	size_t nfiles;
	char *pidfile;		/* sshd's, as the change found it */
	pid_t listener;		/* the listener the change may signal, or 0 */
	struct sshd_listen listen;
};

/* A journal for a change in root, written by this process. */
void journal_init(struct journal *j, const char *root);
void journal_free(struct journal *j);
/* Add a file (real path) the change writes. user: NULL, or the user whose
 * home holds it. */
void journal_add(struct journal *j, const char *path, int existed, const char *user);
/* Write it (atomically, mode 0600) before the change's first write. */
int journal_write(struct journal *j, char **cause);
/* The change is whole or undone: rename the journal to its done name (no
 * data written, so this works on a full disk), before the links to the
 * originals are removed; when it cannot be renamed, remove it. */
void journal_mark_done(struct journal *j);
/* Remove it (under either name): the links to the originals are gone. */
void journal_remove(struct journal *j);

/* For a file in a user's home, as that user (key_import.c): undo it, or,
 * when done (the change was whole or undone), only remove the link to its
 * original. 0 or an exit code with *cause; arg is journal_recover's. */
typedef int (*journal_userfile_undo)(void *arg, const char *user, const char *path,
    int existed, int done, char **cause);

/* Before anything else: undo what a killed run left in root (its journal's
 * change, its temporary files, its work directories; for a done journal,
 * the links to the originals). Returns 0 (nothing
 * there, or undone and said), or an exit code with *cause when the journal is
 * not understood. ctx tells how to reach sshd (reloaded when a file went
 * back); locked: the caller holds the lock every change takes, so no other
 * run can be writing a journal. */
int journal_recover(const char *root, const struct sshd_ctx *ctx, int locked,
    journal_userfile_undo undo_user, void *arg, char **cause);

/* Make a private work directory under base, "BASE/podpass.XXXXXX" (mode
 * 0700), and hold an flock on it for as long as *fd stays open (close it
 * after removing the directory): a later run removes such a directory only
 * when it can take that lock, that is when its maker is gone, whatever pid
 * namespace either runs in. Malloc'd path, or NULL with errno set. */
char *journal_make_workdir(const char *base, int *fd);

#endif
