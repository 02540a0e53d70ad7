/* What podpass removes on every exit it can see: temporary files and
 * directories, on a signal and on fatal().
 *
 * Must never: run anything in a signal handler that is not async-signal-safe
 * (the handler only unlinks, rmdirs and re-raises; the list is changed with the
 * signals blocked), or remove a path that was not registered. */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "util.h"

#define CLEANUP_MAX 16

static const int caught[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
#define NCAUGHT (sizeof(caught) / sizeof(caught[0]))

/* The registered paths; a slot with path NULL is free. */
static struct {
	char *path;
	int is_dir;
} entries[CLEANUP_MAX];

static int (*fatal_hook)(void *);
static void *fatal_hook_arg;

/* Remove every registered path, last registered first (async-signal-safe). */
static void remove_all(void)
{
	size_t i;

	for (i = CLEANUP_MAX; i-- > 0; ) {
		if (entries[i].path == NULL)
			continue;
		if (entries[i].is_dir)
			rmdir(entries[i].path);
		else
			unlink(entries[i].path);
	}
}

/* A caught signal: clean up, then end as that signal ends a process. */
static void on_signal(int signo)
{
	remove_all();
	signal(signo, SIG_DFL);
	raise(signo);
}

/* fatal(): roll back a change under way, then clean up (log.c runs this
 * once: a fatal() inside it aborts at once). The hook's exit code, or -1:
 * abort. */
static int on_fatal(void)
{
	int code = -1;

	if (fatal_hook != NULL)
		code = fatal_hook(fatal_hook_arg);
	remove_all();
	return code;
}

void cleanup_catch_signals(void)
{
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sigfillset(&sa.sa_mask);	/* no second handler while one cleans up */
	sa.sa_handler = on_signal;
	for (i = 0; i < NCAUGHT; i++)
		sigaction(caught[i], &sa, NULL);
	log_set_fatal_hook(on_fatal);
}

void cleanup_block(sigset_t *old)
{
	sigset_t set;
	size_t i;

	sigemptyset(&set);
	for (i = 0; i < NCAUGHT; i++)
		sigaddset(&set, caught[i]);
	pthread_sigmask(SIG_BLOCK, &set, old);
}

void cleanup_unblock(const sigset_t *old)
{
	pthread_sigmask(SIG_SETMASK, old, NULL);
}

void cleanup_add(const char *path, int is_dir)
{
	char *copy = xstrdup(path);
	sigset_t old;
	size_t i;

	cleanup_block(&old);
	for (i = 0; i < CLEANUP_MAX && entries[i].path != NULL; i++)
		;
	if (i == CLEANUP_MAX)
		fatal("too many temporary paths to clean up");
	entries[i].is_dir = is_dir;
	entries[i].path = copy;
	cleanup_unblock(&old);
}

void cleanup_forget(const char *path)
{
	char *gone = NULL;
	sigset_t old;
	size_t i;

	cleanup_block(&old);
	for (i = CLEANUP_MAX; i-- > 0 && gone == NULL; ) {
		if (entries[i].path != NULL && strcmp(entries[i].path, path) == 0) {
			gone = entries[i].path;
			entries[i].path = NULL;
		}
	}
	cleanup_unblock(&old);
	free(gone);
}

void cleanup_set_fatal_hook(int (*fn)(void *), void *arg)
{
	sigset_t old;

	cleanup_block(&old);
	fatal_hook = fn;
	fatal_hook_arg = arg;
	cleanup_unblock(&old);
}
