/* A library that tests/e2e/redaemonize.sh preloads into sshd: daemon() as musl
 * has it, forking twice (fork, setsid, fork), so that the daemon is not its
 * session's leader. OpenSSH's sshd then does not see itself as a daemon after
 * the re-execution that SIGHUP makes (daemonized(): getsid(0) != getpid()),
 * detaches again, and listens under a new pid, which it writes to its PidFile:
 * what an sshd built with musl (Alpine's) does on every reload. The library
 * stays across that re-execution, which keeps the environment. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

/* daemon(3), forking twice. */
int daemon(int nochdir, int noclose)
{
	pid_t pid;
	int fd;

	if ((pid = fork()) < 0)
		return -1;
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		return -1;
	if ((pid = fork()) < 0)
		return -1;
	if (pid > 0)
		_exit(0);
	if (!nochdir && chdir("/") != 0)
		return -1;
	if (!noclose && (fd = open("/dev/null", O_RDWR)) >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	return 0;
}
