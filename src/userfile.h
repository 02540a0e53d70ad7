/* A file in a user's ~/.ssh (authorized_keys), worked on so that the user
 * cannot turn podpass's rights against root: for a user other than root,
 * every read, write, keep-the-original link, restore and removal runs in a
 * short-lived child process that has taken the user's uid, gid and groups,
 * so the kernel refuses what the user could not do herself; for root, the
 * path is walked through root-owned components only. The parent waits for
 * the child with a deadline and kills it after.
 *
 * Must never: act on a file in a user's home with root's rights, follow a
 * link the target user does not own (root: that root does not own), read or
 * write anything but a regular file with one link owned by the user, block
 * podpass, or re-resolve a path name between a check and its use. */
#ifndef PODPASS_USERFILE_H
#define PODPASS_USERFILE_H

#include <stddef.h>
#include <sys/types.h>

/* How long a child may work on the file before it is killed. */
#define USERFILE_TIMEOUT_MS 10000
/* The largest file read. */
#define USERFILE_MAX ((size_t)4 * 1024 * 1024)

/* One file, NAME in the user's ~/.ssh. */
struct userfile {
	char *root;		/* real path of the root podpass works in */
	char *home;		/* the home directory: as the user knows it (root: walked) */
	char *home_real;	/* for a user other than root: its real path */
	const char *file;	/* the file's name in ~/.ssh */
	char *shown;		/* ~/.ssh/NAME as the user knows it, for messages */
	uid_t uid;
	gid_t gid;
	gid_t *groups;
	size_t ngroups;
	int made_dir;		/* ~/.ssh was created by userfile_write */
	int kept_orig;		/* NAME.podpass-orig holds the file as it was */
	/* The directories as the first child opened them (and checked): every
	 * later child works relative to these, never to a path again. */
	int parent_fd;		/* the directory holding ~/.ssh, or -1 */
	int dir_fd;		/* ~/.ssh (the file's directory), or -1 */
	char *dirname;		/* ~/.ssh's name in parent_fd */
	char *name;		/* the file's name in dir_fd */
	char *shown_dir;	/* dir_fd's path, for messages */
};

/* Set up u for file in the ~/.ssh of a user (uid, gid, supplementary
 * groups, home as in /etc/passwd), inside root. */
void userfile_init(struct userfile *u, const char *root, const char *home, uid_t uid,
    gid_t gid, const gid_t *groups, size_t ngroups, const char *file);
void userfile_free(struct userfile *u);

/* Read the file: 0 with malloc'd *data (*len bytes, NUL-terminated) and
 * *exists 1, or 0 with *exists 0 and *data "" when it (or ~/.ssh) is
 * missing; else EX_NOPERM when it may not be worked on safely (a symlink, not
 * a regular file, a hard link, a wrong owner, ~/.ssh open to others),
 * EX_TEMPFAIL when the child timed out, EX_IOERR, EX_OSERR, with *cause
 * naming the path and the reason. */
int userfile_read(struct userfile *u, char **data, size_t *len, int *exists, char **cause);

/* Replace the file with data (mode 0600): ~/.ssh is created (0700) when
 * missing; when the file exists and keep_orig, a hard link
 * NAME.podpass-orig to it is kept first (for userfile_restore). A temp file
 * beside it is written, synced and renamed over it; the directory is
 * synced. Returns 0 or an exit code with *cause; u->made_dir and
 * u->kept_orig say what was left for a restore even on failure. */
int userfile_write(struct userfile *u, const char *data, size_t len, int keep_orig,
    char **cause);

/* Put the file back as it was: existed with old (oldlen bytes) — from the
 * kept link when it is still there, else by rewriting old — or removed
 * (and ~/.ssh too when userfile_write made it). 0 or an exit code with
 * *cause. */
int userfile_restore(struct userfile *u, int existed, const char *old, size_t oldlen,
    char **cause);

/* For a run that was killed in its change (journal.c): put the file back
 * from NAME.podpass-orig when that link is there (existed), or remove it
 * (not existed); remove that run's temp files beside it. Nothing is written.
 * 0 or an exit code with *cause. */
int userfile_undo_killed(struct userfile *u, int existed, char **cause);

/* Remove the NAME.podpass-orig link, if one was kept. */
void userfile_drop_orig(struct userfile *u);

#endif
