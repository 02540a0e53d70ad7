/* What podpass removes on every exit it can see: its temporary files and
 * directories (registered here while they exist), on a normal return, on a
 * signal that ends it, and on fatal(), where a change under way is first
 * rolled back.
 *
 * Must never: run anything in a signal handler that is not async-signal-safe,
 * or remove a path that was not registered. */
#ifndef PODPASS_CLEANUP_H
#define PODPASS_CLEANUP_H

#include <signal.h>

/* Catch SIGINT, SIGTERM, SIGHUP and SIGQUIT: remove every registered path,
 * then end as the signal would have (128+N to a shell). Also makes fatal()
 * run the rollback hook and remove the registered paths. */
void cleanup_catch_signals(void);

/* Register path (copied) to be removed: a file (unlink) or, with is_dir, an
 * empty directory (rmdir; remove its files first by registering them after
 * it). Paths are removed last registered first. */
void cleanup_add(const char *path, int is_dir);
/* The path is gone or is kept after all: no longer remove it. */
void cleanup_forget(const char *path);

/* Hold the caught signals (old gets the mask before) and let them through
 * again: around making a temporary path and registering it, so that no
 * signal comes between the two. */
void cleanup_block(sigset_t *old);
void cleanup_unblock(const sigset_t *old);

/* On fatal(), before the registered paths go: fn(arg), or nothing (NULL).
 * fn returns the code podpass then exits with, or -1 to abort. */
void cleanup_set_fatal_hook(int (*fn)(void *), void *arg);

#endif
