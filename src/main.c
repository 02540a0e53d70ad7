/* podpass: turn on SSH password login next to key login, inside a container.
 * This file parses the command line, picks the command and maps errors to
 * exit codes; it is the only place that exits. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "cleanup.h"
#include "commands.h"
#include "log.h"
#include "options.h"
#include "secret.h"

/* Make the process hard to read from outside: no core dumps, no ptrace
 * by other users, private files by default. */
static void harden_process(void)
{
	struct rlimit no_core = { 0, 0 };

	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	setrlimit(RLIMIT_CORE, &no_core);
	umask(077);
	signal(SIGPIPE, SIG_IGN);	/* a closed reader is an error to report, not death */
}

/* Make sure descriptors 0, 1 and 2 are open, so that no file podpass opens
 * (such as /etc/.pwd.lock) can become "standard output". */
static void sanitise_stdfd(void)
{
	int fd;

	while ((fd = open("/dev/null", O_RDWR | O_CLOEXEC)) >= 0 && fd <= 2)
		fcntl(fd, F_SETFD, 0);
	if (fd > 2)
		close(fd);
}

/* Standard output that never reached its reader (a full disk, a closed pipe:
 * SIGPIPE is ignored) is an error, not a success: exit 74. */
static int flush_stdout(int rc)
{
	int err = fflush(stdout) != 0 ? errno : 0;

	if (err == 0 && !ferror(stdout))
		return rc;
	log_error("cannot write to standard output%s%s", err != 0 ? ": " : "",
	    err != 0 ? strerror(err) : "");
	return rc == 0 ? EX_IOERR : rc;
}

/* Print the usage on fp. */
static void print_usage(FILE *fp)
{
	char *usage = options_usage();

	fputs(usage, fp);
	free(usage);
}

/* Run the chosen command. */
static int dispatch(const struct options *o)
{
	switch (o->command) {
	case CMD_HELP:
		print_usage(stdout);
		return 0;
	case CMD_VERSION:
		printf("podpass %s\n", PACKAGE_VERSION);
		return 0;
	case CMD_ENABLE:
	case CMD_DISABLE:
	case CMD_STATUS:
		break;
	case CMD_NONE:
		print_usage(stderr);
		return EX_USAGE;
	}
	if (geteuid() != 0) {
		log_error("must run as root (it edits /etc/shadow and sshd_config)");
		return EX_NOPERM;
	}
	cleanup_catch_signals();	/* temp files go on every exit podpass sees */
	if (o->command == CMD_DISABLE)
		return cmd_disable(o);
	if (o->command == CMD_STATUS)
		return cmd_status(o);
	return cmd_enable(o);
}

int main(int argc, char **argv)
{
	struct options o;
	char *cause = NULL;
	int rc;

	sanitise_stdfd();
	harden_process();
	options_init(&o);
	rc = options_load(&o, argc, argv, &cause);
	if (rc != 0) {
		secret_scrub_env();
		log_error("%s", cause ? cause : "bad options");
		free(cause);
		options_free(&o);
		return rc;
	}
	if (o.verbosity >= 0)
		log_set_level(o.verbosity);
	rc = flush_stdout(dispatch(&o));
	secret_scrub_env();
	options_free(&o);
	return rc;
}
