/* Run one command and record what it cost: wall time on the monotonic
 * clock (from just before fork to the return of wait4, so exec and the
 * dynamic loader count), peak resident set size and CPU times from wait4's
 * rusage. For podpass's benchmarks (bench/overhead.sh, bench/scaling.sh);
 * not part of the installed build.
 *
 *     measure -o FILE [-l LABEL] -- COMMAND [ARG...]
 *
 * appends one line to FILE:
 *
 *     LABEL WALL_US MAXRSS_KIB EXIT USER_US SYS_US
 *
 * and exits with the command's status (128+N for a signal N). The command
 * inherits standard input, output and error.
 *
 * ru_maxrss from wait4 is the peak of the process and of the children it
 * waited for (the kernel keeps the maximum): for podpass that is podpass
 * itself as long as its children (a small static fake sshd) are smaller. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Microseconds between a and b. */
static long long elapsed_us(const struct timespec *a, const struct timespec *b)
{
	return (long long)(b->tv_sec - a->tv_sec) * 1000000LL +
	    (b->tv_nsec - a->tv_nsec) / 1000;
}

/* Microseconds in a timeval. */
static long long tv_us(const struct timeval *tv)
{
	return (long long)tv->tv_sec * 1000000LL + tv->tv_usec;
}

static void usage(void)
{
	fputs("usage: measure -o FILE [-l LABEL] -- COMMAND [ARG...]\n", stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *out = NULL, *label = "-";
	struct timespec t0, t1;
	struct rusage ru;
	FILE *f;
	pid_t pid;
	int opt, ws, code;

	while ((opt = getopt(argc, argv, "+o:l:")) != -1) {
		if (opt == 'o')
			out = optarg;
		else if (opt == 'l')
			label = optarg;
		else
			usage();
	}
	if (out == NULL || optind >= argc)
		usage();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid < 0) {
		perror("measure: fork");
		return 125;
	}
	if (pid == 0) {
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "measure: %s: %s\n", argv[optind], strerror(errno));
		_exit(127);
	}
	while (wait4(pid, &ws, 0, &ru) < 0) {
		if (errno != EINTR) {
			perror("measure: wait4");
			return 125;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	code = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	if ((f = fopen(out, "a")) == NULL) {
		fprintf(stderr, "measure: %s: %s\n", out, strerror(errno));
		return 125;
	}
	fprintf(f, "%s %lld %ld %d %lld %lld\n", label, elapsed_us(&t0, &t1), ru.ru_maxrss,
	    code, tv_us(&ru.ru_utime), tv_us(&ru.ru_stime));
	if (fclose(f) != 0) {
		fprintf(stderr, "measure: %s: %s\n", out, strerror(errno));
		return 125;
	}
	return code;
}
