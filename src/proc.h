/* Running a child process: a fixed environment, every signal at its default
 * and none blocked, standard input on /dev/null, chrooted into a root when one
 * is given, and its output collected. Also the monotonic clock that the waits
 * for children and listeners use.
 *
 * Must never: give a child the password or any of podpass's environment, or
 * the signal dispositions and mask podpass holds for its commit. */
#ifndef PODPASS_PROC_H
#define PODPASS_PROC_H

#include <sys/types.h>

/* The environment every child gets: a fixed PATH and nothing else. */
extern char *const proc_child_env[];

/* Run argv (argv[0] absolute, inside root) with proc_child_env, chrooted
 * into root when it is not "/". Captures standard output into *out and
 * standard error into *err (either may be NULL to discard). *status is the
 * exit status, or 128 + signal. Returns 0 when the child ran, else EX_OSERR. */
int proc_run(const char *root, char *const argv[], char **out, char **err,
    int *status, char **cause);

/* A child started by proc_run_start: its pid and the read ends of the pipes
 * on its standard output and error. */
struct proc_child {
	pid_t pid;
	int outfd, errfd;
};

/* proc_run in two halves, so that children can run side by side: start argv
 * (0, or EX_OSERR with *cause and nothing to finish), then read its output to
 * the end and reap it (proc_run_finish, which every started child needs). */
int proc_run_start(const char *root, char *const argv[], struct proc_child *ch,
    char **cause);
void proc_run_finish(struct proc_child *ch, char **out, char **err, int *status);

/* proc_run, with a non-zero exit turned into EX_OSERR and a *cause naming what
 * failed (with the child's error output). */
int proc_run_checked(const char *root, char *const argv[], const char *what,
    char **cause);

/* Milliseconds on the monotonic clock. */
long long now_ms(void);
/* Sleep for ms milliseconds. */
void sleep_ms(int ms);

#endif
