/* Running a child process with a clean environment and signals, and collecting
 * its output (see proc.h).
 *
 * Must never: give a child the password or any of podpass's environment, or
 * the signal dispositions and mask podpass holds for its commit. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "proc.h"
#include "util.h"

#define CHILD_OUTPUT_MAX (4 * 1024 * 1024)

char *const proc_child_env[] = {
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	NULL
};

/* Milliseconds on the monotonic clock. */
long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleep for ms milliseconds. */
void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* In the child: every signal back to its default action and none blocked. A
 * child forked while podpass blocks SIGHUP and SIGTERM for its commit would keep
 * them blocked across exec: an sshd started so would ignore reloads (OpenSSH 8.4
 * never unblocks SIGHUP itself) and SIGTERM; one started from a shell that ignores
 * SIGINT and SIGQUIT would inherit that too. */
static void child_reset_signals(void)
{
	sigset_t none;
	int sig;

	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* In the child: stdio onto the pipes, chroot, exec. Never returns. */
static void child_exec(const char *root, char *const argv[], int outfd, int errfd)
{
	int devnull = open("/dev/null", O_RDWR);

	if (devnull < 0 || dup2(devnull, 0) < 0 ||
	    dup2(outfd >= 0 ? outfd : devnull, 1) < 0 ||
	    dup2(errfd >= 0 ? errfd : devnull, 2) < 0)
		_exit(126);
	if (strcmp(root, "/") != 0 && (chroot(root) != 0 || chdir("/") != 0))
		_exit(126);
	child_reset_signals();
	umask(022);
	execve(argv[0], argv, proc_child_env);
	_exit(127);
}

/* Start argv with stdin on /dev/null and stdout/stderr on outfd/errfd (/dev/null
 * when -1), in root. Without a chroot this is posix_spawn: no copy of podpass's
 * address space, so nothing slows down the hashing threads that may be running
 * (after a fork every page they write is copied until the child has exec'd:
 * with yescrypt's 16 MiB that doubled the time sshd -T took). The child gets
 * the same as child_exec gives: every signal at its default, none blocked,
 * umask 022, the fixed environment. */
static int spawn_child(const char *root, char *const argv[], int outfd, int errfd,
    pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t def, none;
	mode_t mask;
	int sig, rc;

	if (strcmp(root, "/") != 0) {
		if ((*pid = fork()) < 0)
			return -1;
		if (*pid == 0)
			child_exec(root, argv, outfd, errfd);
		return 0;
	}
	sigemptyset(&def);
	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaddset(&def, sig);	/* refuses libc's own, which is right */
	sigemptyset(&none);
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&at);
	rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDWR, 0);
	if (rc == 0)
		rc = outfd >= 0 ? posix_spawn_file_actions_adddup2(&fa, outfd, 1) :
		    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_RDWR, 0);
	if (rc == 0)
		rc = errfd >= 0 ? posix_spawn_file_actions_adddup2(&fa, errfd, 2) :
		    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_RDWR, 0);
	if (rc == 0)
		rc = posix_spawnattr_setsigdefault(&at, &def);
	if (rc == 0)
		rc = posix_spawnattr_setsigmask(&at, &none);
	if (rc == 0)
		rc = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
	if (rc == 0) {
		mask = umask(022);	/* process-wide, but no other thread makes files */
		rc = posix_spawn(pid, argv[0], &fa, &at, argv, proc_child_env);
		umask(mask);
	}
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (rc != 0) {
		errno = rc;
		return -1;
	}
	return 0;
}

/* Read both pipes to their ends, keeping at most CHILD_OUTPUT_MAX of each. */
static void drain_pipes(int outfd, int errfd, struct buf *out, struct buf *err)
{
	struct pollfd fds[2] = { { outfd, POLLIN, 0 }, { errfd, POLLIN, 0 } };
	struct buf *bufs[2] = { out, err };
	char chunk[8192];
	int open_fds = 2, i;
	ssize_t r;

	while (open_fds > 0) {
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 0; i < 2; i++) {
			if (fds[i].fd < 0 || fds[i].revents == 0)
				continue;
			r = read(fds[i].fd, chunk, sizeof(chunk));
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				close(fds[i].fd);
				fds[i].fd = -1;
				open_fds--;
			} else if (bufs[i]->len < CHILD_OUTPUT_MAX)
				buf_add(bufs[i], chunk, (size_t)r);
		}
	}
	for (i = 0; i < 2; i++)
		if (fds[i].fd >= 0)
			close(fds[i].fd);	/* poll failed: no more to read */
}

/* proc_run in two halves, so that children can run side by side: start argv
 * as proc_run does (0, or EX_OSERR with *cause and nothing to finish), then
 * (proc_run_finish) read its output to the end and reap it. Each started child
 * must be finished; its pipes are close-on-exec, so one child never holds
 * another's. */
int proc_run_start(const char *root, char *const argv[], struct proc_child *ch,
    char **cause)
{
	int op[2], ep[2], saved;

	ch->pid = 0;
	ch->outfd = ch->errfd = -1;
	if (pipe2(op, O_CLOEXEC) != 0)
		goto fail;
	if (pipe2(ep, O_CLOEXEC) != 0) {
		saved = errno;
		close(op[0]);
		close(op[1]);
		errno = saved;
		goto fail;
	}
	log_debug("running %s", argv[0]);
	if (spawn_child(root, argv, op[1], ep[1], &ch->pid) != 0) {
		saved = errno;
		close(op[0]); close(op[1]); close(ep[0]); close(ep[1]);
		errno = saved;
		goto fail;
	}
	close(op[1]);
	close(ep[1]);
	ch->outfd = op[0];
	ch->errfd = ep[0];
	return 0;
fail:
	set_cause(cause, "cannot run %s: %s", argv[0], strerror(errno));
	return EX_OSERR;
}

void proc_run_finish(struct proc_child *ch, char **out, char **err, int *status)
{
	struct buf ob = { NULL, 0, 0 }, eb = { NULL, 0, 0 };
	int ws = 0, got;

	drain_pipes(ch->outfd, ch->errfd, &ob, &eb);
	while ((got = waitpid(ch->pid, &ws, 0)) < 0 && errno == EINTR)
		;
	if (got < 0)
		*status = 128;	/* not reaped: no status to trust */
	else
		*status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	if (out != NULL)
		*out = buf_take(&ob, NULL);
	if (err != NULL)
		*err = buf_take(&eb, NULL);
	buf_free(&ob);
	buf_free(&eb);
	ch->pid = 0;
	ch->outfd = ch->errfd = -1;
}

int proc_run(const char *root, char *const argv[], char **out, char **err,
    int *status, char **cause)
{
	struct proc_child ch;
	int rc = proc_run_start(root, argv, &ch, cause);

	if (rc == 0)
		proc_run_finish(&ch, out, err, status);
	return rc;
}

/* Run a child and turn a non-zero exit into an error naming what. */
int proc_run_checked(const char *root, char *const argv[], const char *what,
    char **cause)
{
	char *err = NULL;
	int status, rc;

	if ((rc = proc_run(root, argv, NULL, &err, &status, cause)) != 0)
		return rc;
	if (status != 0) {
		rtrim(err);
		set_cause(cause, "%s failed (exit %d): %s", what, status, err);
		rc = EX_OSERR;
	}
	free(err);
	return rc;
}