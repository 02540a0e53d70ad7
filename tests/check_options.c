/* Tests for options.c: argv parsing (and the wiping of anything that looks
 * like a password), the config file (trust checks, FILE:LINE errors), the
 * environment, and the precedence defaults < file < environment < argv. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "check_suites.h"
#include "options.h"
#include "util.h"

static const char *const env_names[] = {
	"PODPASS_USER", "PODPASS_MODE", "PODPASS_RESTART", "PODPASS_SSHD_CONFIG",
	"PODPASS_MIN_LENGTH", "PODPASS_METHOD", "PODPASS_SSHD", "PODPASS_IMPORT_KEYS",
};
#define N_ENV (sizeof(env_names) / sizeof(env_names[0]))

static char *tmp;
static char *saved_env[N_ENV];

/* Forget getopt's state from an earlier parse (matters with CK_FORK=no):
 * optind = 0 makes glibc start afresh. */
static void reset_getopt(void)
{
	static const struct option none[] = { { NULL, 0, NULL, 0 } };
	static char prog[] = "x";
	char *argv[] = { prog, NULL };

	optind = 0;
	opterr = 0;
	(void)getopt_long(1, argv, "+", none, NULL);
}

static void setup(void)
{
	const char *v;
	size_t i;

	tmp = test_tmpdir();
	for (i = 0; i < N_ENV; i++) {
		v = getenv(env_names[i]);
		saved_env[i] = v != NULL ? xstrdup(v) : NULL;
		unsetenv(env_names[i]);
	}
	reset_getopt();
}

static void teardown(void)
{
	size_t i;

	for (i = 0; i < N_ENV; i++) {
		if (saved_env[i] != NULL)
			setenv(env_names[i], saved_env[i], 1);
		else
			unsetenv(env_names[i]);
		free(saved_env[i]);
		saved_env[i] = NULL;
	}
	test_rmtree(tmp);
	free(tmp);
	tmp = NULL;
}

/* A writable, NULL-terminated copy of a NULL-terminated list of strings. */
static char **make_argv(const char *const *src, int *argc)
{
	char **v;
	int n;

	for (n = 0; src[n] != NULL; n++)
		;
	v = xcalloc((size_t)n + 1, sizeof(*v));
	for (*argc = 0; *argc < n; (*argc)++)
		v[*argc] = xstrdup(src[*argc]);
	return v;
}

static void free_argv(char **v, int argc)
{
	strv_free(v, (size_t)argc);
}

#define ARGV(...) ((const char *const[]){ "podpass", __VA_ARGS__, NULL })

/* Parse a fresh options from src; returns the code, *cause as left. */
static int parse(struct options *o, const char *const *src, char **cause)
{
	char **argv;
	int argc, rc;

	options_init(o);
	argv = make_argv(src, &argc);
	reset_getopt();
	rc = options_parse_argv(o, argc, argv, cause);
	free_argv(argv, argc);
	return rc;
}

/* Assert that parsing src fails with EX_USAGE and a cause holding want. */
static void assert_usage(const char *const *src, const char *want)
{
	struct options o;
	char *cause = NULL;

	ck_assert_int_eq(parse(&o, src, &cause), EX_USAGE);
	ck_assert_ptr_nonnull(cause);
	if (want != NULL)
		ck_assert_msg(strstr(cause, want) != NULL, "'%s' not in '%s'", want, cause);
	free(cause);
	options_free(&o);
}

/* 1 when the first n bytes at p are all zero. */
static int all_zero(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != '\0')
			return 0;
	return 1;
}

START_TEST(test_argv_enable_contract)
{
	struct options o;
	char *cause = NULL;

	ck_assert_int_eq(parse(&o, ARGV("enable", "-u", "alice", "--password-file", "F",
	    "--mode", "both", "--restart", "none", "--dry-run", "--sshd-config", "/x",
	    "--root", "/r", "-c", "/c", "-q", "-v", "--method", "sha512",
	    "--min-length", "12", "--sshd", "/s"), &cause), 0);
	ck_assert_ptr_null(cause);
	ck_assert_int_eq(o.command, CMD_ENABLE);
	ck_assert_str_eq(o.user, "alice");
	ck_assert_int_eq(o.source, PW_FILE);
	ck_assert_str_eq(o.password_file, "F");
	ck_assert_int_eq(o.mode, MODE_BOTH);
	ck_assert_int_eq(o.restart, RESTART_NONE);
	ck_assert_int_eq(o.dry_run, 1);
	ck_assert_str_eq(o.sshd_config, "/x");
	ck_assert_str_eq(o.root, "/r");
	ck_assert_str_eq(o.config_file, "/c");
	ck_assert_int_eq(o.verbosity, 2);	/* -q then -v: verbose wins */
	ck_assert_str_eq(o.method, "sha512");
	ck_assert_int_eq(o.min_length, 12);
	ck_assert_str_eq(o.sshd_path, "/s");
	/* What was not given stays unset, for the merge. */
	ck_assert_int_eq(o.encrypted, -1);
	ck_assert_int_eq(o.lock_password, -1);
	ck_assert_int_eq(o.json, -1);
	options_free(&o);
}
END_TEST

START_TEST(test_argv_long_and_short)
{
	struct options o;
	char *cause = NULL;

	ck_assert_int_eq(parse(&o, ARGV("enable", "--user", "bob", "--config", "/etc/p.conf",
	    "--quiet", "--mode", "either", "--restart", "reload", "--min-length=1"), &cause), 0);
	ck_assert_str_eq(o.user, "bob");
	ck_assert_str_eq(o.config_file, "/etc/p.conf");
	ck_assert_int_eq(o.verbosity, 0);
	ck_assert_int_eq(o.mode, MODE_EITHER);
	ck_assert_int_eq(o.restart, RESTART_RELOAD);
	ck_assert_int_eq(o.min_length, 1);
	ck_assert_int_eq(o.dry_run, -1);
	options_free(&o);
	ck_assert_int_eq(parse(&o, ARGV("enable", "-ualice", "-vv", "--restart=start",
	    "--min-length", "4096"), &cause), 0);
	ck_assert_str_eq(o.user, "alice");
	ck_assert_int_eq(o.verbosity, 3);
	ck_assert_int_eq(o.restart, RESTART_START);
	ck_assert_int_eq(o.min_length, 4096);
	options_free(&o);
	ck_assert_int_eq(parse(&o, ARGV("enable", "--verbose", "--restart", "auto"), &cause), 0);
	ck_assert_int_eq(o.verbosity, 2);
	ck_assert_int_eq(o.restart, RESTART_AUTO);
	options_free(&o);
	ck_assert_ptr_null(cause);
}
END_TEST

START_TEST(test_argv_flags)
{
	struct options o;
	char *cause = NULL;

	ck_assert_int_eq(parse(&o, ARGV("enable", "--password-stdin", "--encrypted"),
	    &cause), 0);
	ck_assert_int_eq(o.source, PW_STDIN);
	ck_assert_int_eq(o.encrypted, 1);
	options_free(&o);
	ck_assert_int_eq(parse(&o, ARGV("enable", "--generate"), &cause), 0);
	ck_assert_int_eq(o.source, PW_GENERATE);
	ck_assert_int_eq(o.encrypted, -1);
	options_free(&o);
	ck_assert_int_eq(parse(&o, ARGV("disable", "--lock-password"), &cause), 0);
	ck_assert_int_eq(o.command, CMD_DISABLE);
	ck_assert_int_eq(o.lock_password, 1);
	options_free(&o);
	ck_assert_int_eq(parse(&o, ARGV("status", "--json", "-u", "root"), &cause), 0);
	ck_assert_int_eq(o.command, CMD_STATUS);
	ck_assert_int_eq(o.json, 1);
	ck_assert_str_eq(o.user, "root");
	options_free(&o);
	/* The same source twice is not a conflict. */
	ck_assert_int_eq(parse(&o, ARGV("enable", "--generate", "--generate"), &cause), 0);
	ck_assert_int_eq(o.source, PW_GENERATE);
	options_free(&o);
	ck_assert_ptr_null(cause);
}
END_TEST

START_TEST(test_argv_commands)
{
	static const char *const none[] = { "podpass", NULL };
	struct options o;
	char *cause = NULL;

	ck_assert_int_eq(parse(&o, ARGV("enable"), &cause), 0);
	ck_assert_int_eq(o.command, CMD_ENABLE);
	options_free(&o);
	ck_assert_int_eq(parse(&o, ARGV("disable"), &cause), 0);
	ck_assert_int_eq(o.command, CMD_DISABLE);
	options_free(&o);
	ck_assert_int_eq(parse(&o, ARGV("status"), &cause), 0);
	ck_assert_int_eq(o.command, CMD_STATUS);
	options_free(&o);
	ck_assert_int_eq(parse(&o, none, &cause), 0);
	ck_assert_int_eq(o.command, CMD_NONE);
	options_free(&o);
	ck_assert_ptr_null(cause);
	assert_usage(ARGV("frobnicate"), "unknown command");
	/* An unknown command could be a mistyped password: it is not echoed. */
	ck_assert_int_eq(parse(&o, ARGV("frobnicate"), &cause), EX_USAGE);
	ck_assert_ptr_null(strstr(cause, "frobnicate"));
	free(cause);
	cause = NULL;
	options_free(&o);
	assert_usage(ARGV("Enable"), "unknown command");
	assert_usage(ARGV("enable", "status"), "unexpected argument");
}
END_TEST

START_TEST(test_argv_help_version)
{
	struct options o;
	char *cause = NULL;

	ck_assert_int_eq(parse(&o, ARGV("--help"), &cause), 0);
	ck_assert_int_eq(o.command, CMD_HELP);
	options_free(&o);
	ck_assert_int_eq(parse(&o, ARGV("--version"), &cause), 0);
	ck_assert_int_eq(o.command, CMD_VERSION);
	options_free(&o);
	ck_assert_int_eq(parse(&o, ARGV("enable", "--help"), &cause), 0);
	ck_assert_int_eq(o.command, CMD_HELP);
	options_free(&o);
	ck_assert_ptr_null(cause);
	{
		char *usage = options_usage();

		ck_assert_ptr_nonnull(strstr(usage, "--password-stdin"));
		free(usage);
	}
}
END_TEST

/* ---- the command table: which command takes which option ---- */

static const struct { const char *name; enum pp_command command; } commands[] = {
	{ "enable", CMD_ENABLE }, { "disable", CMD_DISABLE }, { "status", CMD_STATUS },
};

/* A value the option accepts, when it takes one. */
static const char *value_for(const char *name)
{
	if (strcmp(name, "mode") == 0)
		return "both";
	if (strcmp(name, "restart") == 0)
		return "none";
	if (strcmp(name, "min-length") == 0)
		return "12";
	return "/opt/value";
}

/* Parse "podpass COMMAND --NAME [VALUE]" as the table says it must go:
 * accepted, or refused with a message naming the option and the command. */
static void check_one_option(size_t ci, const struct option *opt)
{
	const char *argv_src[5] = { "podpass", commands[ci].name, NULL, NULL, NULL };
	char *flag = xasprintf("--%s", opt->name), *want, *cause = NULL;
	struct options o;
	int rc;

	argv_src[2] = flag;
	if (opt->has_arg == required_argument)
		argv_src[3] = value_for(opt->name);
	rc = parse(&o, argv_src, &cause);
	if (options_command_takes(commands[ci].command, opt->name)) {
		ck_assert_msg(rc == 0, "%s %s refused: %s", commands[ci].name, flag,
		    cause ? cause : "");
	} else {
		want = xasprintf("%s does not take %s (see podpass --help)",
		    commands[ci].name, flag);
		ck_assert_msg(rc == EX_USAGE && cause != NULL && strcmp(cause, want) == 0,
		    "%s %s: rc %d, '%s'", commands[ci].name, flag, rc, cause ? cause : "");
		free(want);
	}
	free(cause);
	free(flag);
	options_free(&o);
}

/* Every command against every option podpass knows, as the table says. */
START_TEST(test_table_every_option)
{
	const struct option *opt = options_long_options();
	size_t ci, i, takes[3] = { 0 }, refuses[3] = { 0 };

	for (ci = 0; ci < sizeof(commands) / sizeof(commands[0]); ci++)
		for (i = 0; opt[i].name != NULL; i++) {
			check_one_option(ci, &opt[i]);
			if (options_command_takes(commands[ci].command, opt[i].name))
				takes[ci]++;
			else
				refuses[ci]++;
		}
	/* Each command takes some options and refuses others: the loop above
	 * exercised both branches for each. */
	for (ci = 0; ci < 3; ci++) {
		ck_assert_uint_gt(takes[ci], 2);	/* more than --help, --version */
		ck_assert_uint_gt(refuses[ci], 0);
	}
}
END_TEST

/* The cases the table was made for, and the short options' spelling. */
START_TEST(test_table_examples)
{
	assert_usage(ARGV("status", "--generate", "--lock-password"),
	    "status does not take --generate");
	assert_usage(ARGV("status", "--lock-password", "--generate"),
	    "status does not take --lock-password");
	assert_usage(ARGV("disable", "--password-stdin", "--json"),
	    "disable does not take --password-stdin");
	assert_usage(ARGV("disable", "--json"), "disable does not take --json");
	assert_usage(ARGV("enable", "--lock-password"), "enable does not take --lock-password");
	/* An abbreviation getopt accepts is named in full. */
	assert_usage(ARGV("status", "--gen"), "status does not take --generate");
	assert_usage(ARGV("status", "--dry-run=x"), "--dry-run");
	/* --help after a refused option does not rescue it. */
	assert_usage(ARGV("status", "--generate", "--help"), "status does not take --generate");
	assert_usage(ARGV("status", "--help", "--generate"), "status does not take --generate");
	ck_assert_int_eq(options_command_takes(CMD_STATUS, "gen"), 0);
	ck_assert_int_eq(options_command_takes(CMD_STATUS, "sshd"), 1);
	ck_assert_int_eq(options_command_takes(CMD_STATUS, "sshd-config"), 1);
	ck_assert_int_eq(options_command_takes(CMD_DISABLE, "password"), 0);
}
END_TEST

/* --help and --version go with every command, and without one. */
START_TEST(test_table_help_version)
{
	struct options o;
	char *cause = NULL;
	size_t ci;

	for (ci = 0; ci < sizeof(commands) / sizeof(commands[0]); ci++) {
		ck_assert_int_eq(parse(&o, ARGV(commands[ci].name, "-q", "--help"), &cause), 0);
		ck_assert_int_eq(o.command, CMD_HELP);
		options_free(&o);
		ck_assert_int_eq(parse(&o, ARGV(commands[ci].name, "--version"), &cause), 0);
		ck_assert_int_eq(o.command, CMD_VERSION);
		options_free(&o);
	}
	ck_assert_ptr_null(cause);
}
END_TEST

/* The --help synopsis is the table: each command's row names what it takes. */
START_TEST(test_table_usage)
{
	char *usage = options_usage();
	const char *status_row = strstr(usage, "podpass status "), *line;
	size_t len;

	ck_assert_ptr_nonnull(status_row);
	ck_assert_ptr_nonnull(strstr(status_row, "[--json]"));
	ck_assert_ptr_nonnull(strstr(status_row, "[--mode either|both]"));
	ck_assert_ptr_null(strstr(status_row, "--lock-password"));
	ck_assert_ptr_nonnull(strstr(usage,
	    "[--password-stdin | --password-file FILE | --generate]"));
	/* No line wider than 80 columns. */
	for (line = usage; *line != '\0'; line += len + (line[len] != '\0')) {
		len = strcspn(line, "\n");
		ck_assert_msg(len <= 80, "usage line too wide: %.*s", (int)len, line);
	}
	free(usage);
}
END_TEST

START_TEST(test_argv_exclusive_sources)
{
	assert_usage(ARGV("enable", "--password-stdin", "--generate"), "exclude");
	assert_usage(ARGV("enable", "--password-file", "F", "--password-stdin"), "exclude");
	assert_usage(ARGV("enable", "--generate", "--password-file", "F"), "exclude");
}
END_TEST

START_TEST(test_argv_positional_wiped)
{
	static const char *const cases[][6] = {
		{ "podpass", "enable", "-u", "alice", "hunter2pw", NULL },
		{ "podpass", "enable", "--", "hunter2pw", NULL },
		{ "podpass", "status", "hunter2pw", "-q", NULL },
	};
	struct options o;
	char **argv, *cause = NULL;
	int argc, i, j;

	for (i = 0; i < 3; i++) {
		options_init(&o);
		argv = make_argv(cases[i], &argc);
		reset_getopt();
		ck_assert_int_eq(options_parse_argv(&o, argc, argv, &cause), EX_USAGE);
		ck_assert_ptr_nonnull(cause);
		ck_assert_ptr_null(strstr(cause, "hunter2pw"));
		for (j = 0; j < argc; j++) {
			if (strcmp(cases[i][j], "hunter2pw") == 0)
				ck_assert_msg(all_zero(argv[j], strlen(cases[i][j])),
				    "case %d: argument %d not wiped", i, j);
		}
		ck_assert_str_eq(argv[1], cases[i][1]);	/* the command stays */
		free(cause);
		cause = NULL;
		free_argv(argv, argc);
		options_free(&o);
	}
}
END_TEST

START_TEST(test_argv_password_option)
{
	static const char *const tries[] = {
		"--password=secret", "--pass=secret", "--passwd=secret",
	};
	struct options o;
	char **argv, *cause = NULL;
	int argc;
	size_t i;

	for (i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
		options_init(&o);
		argv = make_argv(ARGV("enable", tries[i]), &argc);
		reset_getopt();
		ck_assert_int_eq(options_parse_argv(&o, argc, argv, &cause), EX_USAGE);
		ck_assert_ptr_nonnull(cause);
		ck_assert_msg(strstr(cause, "--password-stdin") != NULL, "%s", cause);
		ck_assert_ptr_null(strstr(cause, "secret"));
		ck_assert_msg(all_zero(argv[2], strlen(tries[i])), "%s not wiped", tries[i]);
		free(cause);
		cause = NULL;
		free_argv(argv, argc);
		options_free(&o);
	}
}
END_TEST

/* "--password VALUE": the option and the value after it are both wiped. */
START_TEST(test_argv_password_value_wiped)
{
	struct options o;
	char **argv, *cause = NULL;
	int argc;

	options_init(&o);
	argv = make_argv(ARGV("enable", "--password", "hunter2pw"), &argc);
	reset_getopt();
	ck_assert_int_eq(options_parse_argv(&o, argc, argv, &cause), EX_USAGE);
	ck_assert_ptr_nonnull(strstr(cause, "--password-stdin"));
	ck_assert_msg(all_zero(argv[2], strlen("--password")), "--password not wiped");
	ck_assert_msg(all_zero(argv[3], strlen("hunter2pw")), "the password was not wiped");
	free(cause);
	free_argv(argv, argc);
	options_free(&o);
}
END_TEST

/* "-pSECRET" is recognised as a password attempt and wiped. */
START_TEST(test_argv_short_p_wiped)
{
	struct options o;
	char **argv, *cause = NULL;
	int argc;

	options_init(&o);
	argv = make_argv(ARGV("enable", "-psecret"), &argc);
	reset_getopt();
	ck_assert_int_eq(options_parse_argv(&o, argc, argv, &cause), EX_USAGE);
	ck_assert_msg(strstr(cause, "--password-stdin") != NULL, "%s", cause);
	ck_assert_msg(all_zero(argv[2], strlen("-psecret")), "-psecret not wiped");
	ck_assert_str_eq(argv[1], "enable");
	free(cause);
	free_argv(argv, argc);
	options_free(&o);
}
END_TEST

/* Short clusters: a value glued to -u or -c may hold a 'p'; an unknown
 * letter is named alone and what is glued to it is wiped. */
START_TEST(test_argv_short_clusters)
{
	struct options o;
	char **argv, *cause = NULL;
	int argc;

	ck_assert_int_eq(parse(&o, ARGV("enable", "-upostgres", "-c/etc/pp.conf"), &cause), 0);
	ck_assert_str_eq(o.user, "postgres");
	ck_assert_str_eq(o.config_file, "/etc/pp.conf");
	options_free(&o);
	ck_assert_int_eq(parse(&o, ARGV("enable", "-qvupeter"), &cause), 0);
	ck_assert_str_eq(o.user, "peter");
	options_free(&o);
	options_init(&o);
	argv = make_argv(ARGV("enable", "-zSecret99"), &argc);
	reset_getopt();
	ck_assert_int_eq(options_parse_argv(&o, argc, argv, &cause), EX_USAGE);
	ck_assert_msg(strstr(cause, "unknown option '-z'") != NULL, "%s", cause);
	ck_assert_ptr_null(strstr(cause, "Secret99"));
	ck_assert_msg(all_zero(argv[2] + 2, strlen("Secret99")), "-zSecret99 not wiped");
	free(cause);
	free_argv(argv, argc);
	options_free(&o);
}
END_TEST

START_TEST(test_argv_bad_values)
{
	assert_usage(ARGV("enable", "--mode", "sometimes"), "--mode");
	assert_usage(ARGV("enable", "--mode", "Both"), "--mode");
	assert_usage(ARGV("enable", "--restart", "later"), "--restart");
	assert_usage(ARGV("enable", "--min-length", "0"), "--min-length");
	assert_usage(ARGV("enable", "--min-length", "4097"), "--min-length");
	assert_usage(ARGV("enable", "--min-length", "abc"), "--min-length");
	assert_usage(ARGV("enable", "--min-length", "12x"), "--min-length");
	assert_usage(ARGV("enable", "--min-length", "-5"), "--min-length");
	assert_usage(ARGV("enable", "--min-length", " 12"), "--min-length");
	assert_usage(ARGV("enable", "--min-length", ""), "--min-length");
	assert_usage(ARGV("enable", "--mode"), "needs a value");
	assert_usage(ARGV("enable", "-u"), "needs a value");
	assert_usage(ARGV("enable", "--frobnicate"), "unknown option '--frobnicate'");
	assert_usage(ARGV("enable", "-x"), "unknown option");
}
END_TEST

START_TEST(test_value_parsers)
{
	enum auth_mode m = MODE_UNSET;
	enum restart_mode r = RESTART_UNSET;
	long n = -1;

	ck_assert_int_eq(options_parse_mode("both", &m), 0);
	ck_assert_int_eq(m, MODE_BOTH);
	ck_assert_int_eq(options_parse_mode("either", &m), 0);
	ck_assert_int_eq(m, MODE_EITHER);
	ck_assert_int_eq(options_parse_mode("", &m), -1);
	ck_assert_int_eq(options_parse_restart("none", &r), 0);
	ck_assert_int_eq(r, RESTART_NONE);
	ck_assert_int_eq(options_parse_restart("NONE", &r), -1);
	ck_assert_int_eq(options_parse_min_length("99", &n), 0);
	ck_assert_int_eq(n, 99);
	ck_assert_int_eq(options_parse_min_length("99999999999999999999", &n), -1);
	ck_assert_int_eq(n, 99);
}
END_TEST

/* ---- the config file ---- */

/* Write text to tmp/rel (creating directories) with the given mode; returns
 * the path, malloc'd. */
static char *write_conf(const char *rel, const char *text, mode_t mode)
{
	char *p = xasprintf("%s/%s", tmp, rel), *s;

	for (s = p + strlen(tmp) + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		ck_assert_msg(mkdir(p, 0755) == 0 || errno == EEXIST, "mkdir %s", p);
		*s = '/';
	}
	test_write(p, text, strlen(text));
	ck_assert_int_eq(chmod(p, mode), 0);
	return p;
}

/* 1 when / and the directory that holds tmp are root's: podpass walks from /
 * (trust.c) to a config file that must be root's, which only root can make. */
static int dirs_are_roots(void)
{
	char *up = xasprintf("%s/..", tmp);
	struct stat a, b;
	int ok = stat("/", &a) == 0 && stat(up, &b) == 0 && a.st_uid == 0 && b.st_uid == 0;

	free(up);
	return ok;
}

/* The tests that read a config file run only as root (tcase_add_root_test):
 * assert that the files they write can count as root's. */
static void assert_files_are_roots(void)
{
	ck_assert_msg(geteuid() == 0 && dirs_are_roots(),
	    "/ or %s/.. is not root's: podpass would refuse any config file there", tmp);
}

/* A cli options with root = tmp and config_file as given (may be NULL). */
static void cli_for(struct options *cli, const char *config_file)
{
	options_init(cli);
	cli->root = xstrdup(tmp);
	if (config_file != NULL)
		cli->config_file = xstrdup(config_file);
}

START_TEST(test_file_keys)
{
	struct options cli, file;
	char *cause = NULL, *p;

	p = write_conf("etc/podpass.conf",
	    "# podpass settings\n"
	    "[podpass]\n"
	    "user = alice\n"
	    "mode = both\n"
	    "\n"
	    "; another comment\n"
	    "restart=none\n"
	    "sshd_config = /etc/ssh/custom_config\n"
	    "min_length = 14\n"
	    "method = sha512\n"
	    "import_keys = no\n"
	    "sshd = /opt/sbin/sshd\n", 0644);
	cli_for(&cli, NULL);
	assert_files_are_roots();
	options_init(&file);
	ck_assert_int_eq(options_read_file(&cli, &file, &cause), 0);
	ck_assert_ptr_null(cause);
	ck_assert_str_eq(file.user, "alice");
	ck_assert_int_eq(file.mode, MODE_BOTH);
	ck_assert_int_eq(file.restart, RESTART_NONE);
	ck_assert_str_eq(file.sshd_config, "/etc/ssh/custom_config");
	ck_assert_int_eq(file.min_length, 14);
	ck_assert_str_eq(file.method, "sha512");
	ck_assert_str_eq(file.sshd_path, "/opt/sbin/sshd");
	ck_assert_int_eq(file.import_keys, 0);
	/* Not settable from the file. */
	ck_assert_int_eq(file.command, CMD_NONE);
	ck_assert_ptr_null(file.root);
	ck_assert_int_eq(file.source, PW_UNSET);
	options_free(&file);
	options_free(&cli);
	free(p);
}
END_TEST

START_TEST(test_file_explicit_path)
{
	struct options cli, file;
	char *cause = NULL, *p;

	p = write_conf("conf/pp.conf", "[podpass]\nuser = carol\n", 0600);
	/* A default file that must not be read when -c is given. */
	free(write_conf("etc/podpass.conf", "[podpass]\nuser = dave\n", 0600));
	cli_for(&cli, "/conf/pp.conf");
	assert_files_are_roots();
	options_init(&file);
	ck_assert_int_eq(options_read_file(&cli, &file, &cause), 0);
	ck_assert_str_eq(file.user, "carol");
	options_free(&file);
	options_free(&cli);
	free(p);
}
END_TEST

/* Read text as the config file; assert EX_CONFIG and that the cause holds
 * "PATH:LINE:" and want. */
static void assert_file_error(const char *text, int line, const char *want)
{
	struct options cli, file;
	char *cause = NULL, *p, *where;

	p = write_conf("etc/podpass.conf", text, 0644);
	cli_for(&cli, NULL);
	assert_files_are_roots();
	options_init(&file);
	ck_assert_int_eq(options_read_file(&cli, &file, &cause), EX_CONFIG);
	ck_assert_ptr_nonnull(cause);
	where = xasprintf("%s:%d:", p, line);
	ck_assert_msg(strstr(cause, where) != NULL, "'%s' not in '%s'", where, cause);
	ck_assert_msg(strstr(cause, want) != NULL, "'%s' not in '%s'", want, cause);
	free(where);
	free(cause);
	options_free(&file);
	options_free(&cli);
	free(p);
}

START_TEST(test_file_unknown_key)
{
	assert_file_error("[podpass]\nuser = alice\n# comment\n\nbogus = 1\nmode = both\n",
	    5, "unknown key 'bogus'");
	assert_file_error("[podpass]\npassword = hunter2\n", 2, "unknown key 'password'");
}
END_TEST

START_TEST(test_file_unknown_section)
{
	assert_file_error("[podpass]\nuser = alice\n[other]\nuser = bob\n", 4,
	    "unknown section [other]");
	/* A key before any section is in no section, so refused too. */
	assert_file_error("user = alice\n[podpass]\n", 1, "unknown section");
}
END_TEST

START_TEST(test_file_bad_value)
{
	assert_file_error("[podpass]\n\nmode = sometimes\n", 3, "bad value 'sometimes'");
	assert_file_error("[podpass]\nrestart = later\n", 2, "'restart'");
	assert_file_error("[podpass]\nuser = a\nmin_length = 0\n", 3, "'min_length'");
	assert_file_error("[podpass]\nthis is not ini\n", 2, "not a valid line");
}
END_TEST

/* Write a config file with mode and assert it is refused as untrusted. */
static void assert_mode_refused(mode_t mode)
{
	struct options cli, file;
	char *cause = NULL, *p;

	p = write_conf("etc/podpass.conf", "[podpass]\nuser = alice\n", mode);
	cli_for(&cli, NULL);
	options_init(&file);
	ck_assert_int_eq(options_read_file(&cli, &file, &cause), EX_CONFIG);
	ck_assert_ptr_nonnull(cause);
	ck_assert_ptr_nonnull(strstr(cause, "writable"));
	ck_assert_ptr_null(file.user);
	free(cause);
	options_free(&file);
	options_free(&cli);
	free(p);
}

START_TEST(test_file_writable_by_others)
{
	struct options cli, file;
	char *cause = NULL, *p;

	/* Without root-owned files every mode is refused: nothing to learn. */
	p = write_conf("etc/podpass.conf", "[podpass]\nuser = alice\n", 0644);
	cli_for(&cli, NULL);
	assert_files_are_roots();
	assert_mode_refused(0664);
	assert_mode_refused(0646);
	assert_mode_refused(0666);
	assert_mode_refused(0620);
	/* and the same file, not writable by others, is read */
	ck_assert_int_eq(chmod(p, 0644), 0);
	options_init(&file);
	ck_assert_int_eq(options_read_file(&cli, &file, &cause), 0);
	ck_assert_str_eq(file.user, "alice");
	options_free(&file);
	options_free(&cli);
	free(p);
}
END_TEST

/* A link to the config file is followed only when root owns it. */
START_TEST(test_file_symlink)
{
	struct options cli, file;
	char *cause = NULL, *real, *link;

	real = write_conf("etc/real.conf", "[podpass]\nuser = alice\n", 0600);
	link = xasprintf("%s/etc/podpass.conf", tmp);
	ck_assert_int_eq(symlink("real.conf", link), 0);
	cli_for(&cli, NULL);
	assert_files_are_roots();
	options_init(&file);	/* root's link: followed */
	ck_assert_int_eq(options_read_file(&cli, &file, &cause), 0);
	ck_assert_str_eq(file.user, "alice");
	options_free(&file);
	ck_assert_int_eq(lchown(link, 65534, 65534), 0);
	options_init(&file);	/* another user's link: refused */
	ck_assert_int_eq(options_read_file(&cli, &file, &cause), EX_CONFIG);
	ck_assert_ptr_nonnull(cause);
	ck_assert_ptr_nonnull(strstr(cause, "symbolic link owned by another user"));
	ck_assert_ptr_null(file.user);
	free(cause);
	options_free(&file);
	options_free(&cli);
	free(real);
	free(link);
}
END_TEST

START_TEST(test_file_not_roots)
{
	struct options cli, file;
	char *cause = NULL, *p;

	p = write_conf("etc/podpass.conf", "[podpass]\nuser = alice\n", 0644);
	/* Given away in a tree that is root's: refused for the file's owner alone. */
	assert_files_are_roots();
	ck_assert_int_eq(chown(p, 65534, 65534), 0);
	cli_for(&cli, NULL);
	options_init(&file);
	ck_assert_int_eq(options_read_file(&cli, &file, &cause), EX_CONFIG);
	ck_assert_ptr_nonnull(cause);
	ck_assert_ptr_nonnull(strstr(cause, "owned by root"));
	ck_assert_ptr_null(file.user);
	free(cause);
	options_free(&file);
	options_free(&cli);
	free(p);
}
END_TEST

START_TEST(test_file_missing)
{
	struct options cli, file;
	char *cause = NULL;

	/* The default file may be missing ... (a stale cause is left behind:
	 * see test_file_missing_no_cause) */
	cli_for(&cli, NULL);
	options_init(&file);
	ck_assert_int_eq(options_read_file(&cli, &file, &cause), 0);
	free(cause);
	cause = NULL;
	ck_assert_ptr_null(file.user);
	ck_assert_int_eq(file.mode, MODE_UNSET);
	options_free(&file);
	options_free(&cli);
	/* ... one named with -c may not. */
	cli_for(&cli, "/etc/nope.conf");
	options_init(&file);
	ck_assert_int_eq(options_read_file(&cli, &file, &cause), EX_NOINPUT);
	ck_assert_ptr_nonnull(cause);
	ck_assert_ptr_nonnull(strstr(cause, "nope.conf"));
	free(cause);
	options_free(&file);
	options_free(&cli);
}
END_TEST

/* A missing default config file is no error and leaves no cause behind. */
START_TEST(test_file_missing_no_cause)
{
	struct options cli, file, o;
	char *cause = NULL, **argv;
	int argc;

	cli_for(&cli, NULL);
	options_init(&file);
	ck_assert_int_eq(options_read_file(&cli, &file, &cause), 0);
	ck_assert_ptr_null(cause);
	options_free(&file);
	options_free(&cli);
	options_init(&o);
	argv = make_argv(ARGV("status", "--root", tmp), &argc);
	reset_getopt();
	ck_assert_int_eq(options_load(&o, argc, argv, &cause), 0);
	ck_assert_ptr_null(cause);
	free_argv(argv, argc);
	options_free(&o);
}
END_TEST

START_TEST(test_file_nul_byte)
{
	struct options cli, file;
	char *cause = NULL, *p = xasprintf("%s/etc/podpass.conf", tmp), *d;

	d = xasprintf("%s/etc", tmp);
	ck_assert_int_eq(mkdir(d, 0755), 0);
	test_write(p, "[podpass]\nuser = al\0ice\n", 24);
	ck_assert_int_eq(chmod(p, 0600), 0);
	cli_for(&cli, NULL);
	assert_files_are_roots();
	options_init(&file);
	ck_assert_int_eq(options_read_file(&cli, &file, &cause), EX_CONFIG);
	ck_assert_ptr_nonnull(strstr(cause, "NUL"));
	free(cause);
	options_free(&file);
	options_free(&cli);
	free(p);
	free(d);
}
END_TEST

/* ---- the environment ---- */

START_TEST(test_env_applied)
{
	struct options env;
	char *cause = NULL;

	setenv("PODPASS_USER", "bob", 1);
	setenv("PODPASS_MODE", "both", 1);
	setenv("PODPASS_RESTART", "reload", 1);
	setenv("PODPASS_SSHD_CONFIG", "/e/sshd_config", 1);
	setenv("PODPASS_MIN_LENGTH", "20", 1);
	setenv("PODPASS_METHOD", "sha256", 1);
	options_init(&env);
	ck_assert_int_eq(options_read_env(&env, &cause), 0);
	ck_assert_ptr_null(cause);
	ck_assert_str_eq(env.user, "bob");
	ck_assert_int_eq(env.mode, MODE_BOTH);
	ck_assert_int_eq(env.restart, RESTART_RELOAD);
	ck_assert_str_eq(env.sshd_config, "/e/sshd_config");
	ck_assert_int_eq(env.min_length, 20);
	ck_assert_str_eq(env.method, "sha256");
	options_free(&env);
}
END_TEST

/* import_keys: on by default; file "no", PODPASS_IMPORT_KEYS and
 * --no-import-keys each turn it off, in the usual precedence. */
START_TEST(test_import_keys_layers)
{
	struct options o, env;
	char *cause = NULL;
	int v = -1;

	ck_assert_int_eq(options_parse_bool("yes", &v), 0);
	ck_assert_int_eq(v, 1);
	ck_assert_int_eq(options_parse_bool("No", &v), 0);
	ck_assert_int_eq(v, 0);
	ck_assert_int_eq(options_parse_bool("maybe", &v), -1);
	ck_assert_int_eq(parse(&o, ARGV("enable"), &cause), 0);
	ck_assert_int_eq(o.import_keys, -1);
	options_fill_defaults(&o);
	ck_assert_int_eq(o.import_keys, 1);
	options_free(&o);
	ck_assert_int_eq(parse(&o, ARGV("enable", "--no-import-keys"), &cause), 0);
	ck_assert_int_eq(o.import_keys, 0);
	options_free(&o);
	setenv("PODPASS_IMPORT_KEYS", "no", 1);
	options_init(&env);
	ck_assert_int_eq(options_read_env(&env, &cause), 0);
	ck_assert_int_eq(env.import_keys, 0);
	options_free(&env);
	setenv("PODPASS_IMPORT_KEYS", "perhaps", 1);
	options_init(&env);
	ck_assert_int_eq(options_read_env(&env, &cause), EX_USAGE);
	ck_assert_ptr_nonnull(strstr(cause, "PODPASS_IMPORT_KEYS"));
	free(cause);
	options_free(&env);
	unsetenv("PODPASS_IMPORT_KEYS");
}
END_TEST

START_TEST(test_env_unset_and_empty)
{
	struct options env;
	char *cause = NULL;

	options_init(&env);
	ck_assert_int_eq(options_read_env(&env, &cause), 0);
	ck_assert_ptr_null(env.user);
	ck_assert_int_eq(env.mode, MODE_UNSET);
	ck_assert_int_eq(env.min_length, -1);
	setenv("PODPASS_USER", "", 1);
	setenv("PODPASS_MODE", "", 1);
	ck_assert_int_eq(options_read_env(&env, &cause), 0);
	ck_assert_ptr_null(env.user);
	ck_assert_int_eq(env.mode, MODE_UNSET);
	ck_assert_ptr_null(cause);
	options_free(&env);
}
END_TEST

START_TEST(test_env_bad)
{
	struct options env;
	char *cause = NULL;

	setenv("PODPASS_MODE", "sometimes", 1);
	options_init(&env);
	ck_assert_int_eq(options_read_env(&env, &cause), EX_USAGE);
	ck_assert_ptr_nonnull(cause);
	ck_assert_ptr_nonnull(strstr(cause, "PODPASS_MODE"));
	free(cause);
	cause = NULL;
	unsetenv("PODPASS_MODE");
	setenv("PODPASS_MIN_LENGTH", "lots", 1);
	ck_assert_int_eq(options_read_env(&env, &cause), EX_USAGE);
	ck_assert_ptr_nonnull(strstr(cause, "PODPASS_MIN_LENGTH"));
	free(cause);
	options_free(&env);
}
END_TEST

/* ---- options_load: everything, in order ---- */

/* Run options_load on src (argv[0] included); returns the code. */
static int load(struct options *o, const char *const *src, char **cause)
{
	char **argv;
	int argc, rc;

	options_init(o);
	argv = make_argv(src, &argc);
	reset_getopt();
	rc = options_load(o, argc, argv, cause);
	free_argv(argv, argc);
	if (rc == 0) {
		ck_assert_ptr_null(*cause);
	}
	return rc;
}

START_TEST(test_load_defaults)
{
	struct options o;
	char *cause = NULL;

	ck_assert_int_eq(load(&o, ARGV("status", "--root", tmp), &cause), 0);
	ck_assert_ptr_null(cause);
	ck_assert_int_eq(o.command, CMD_STATUS);
	ck_assert_str_eq(o.user, "root");
	ck_assert_int_eq(o.mode, MODE_EITHER);
	ck_assert_int_eq(o.restart, RESTART_AUTO);
	ck_assert_str_eq(o.sshd_config, OPTIONS_DEFAULT_SSHD_CONFIG);
	ck_assert_str_eq(o.sshd_path, PODPASS_SSHD_PATH);
	ck_assert_str_eq(o.root, tmp);
	ck_assert_int_eq(o.min_length, OPTIONS_DEFAULT_MIN_LENGTH);
	ck_assert_int_eq(o.verbosity, 1);
	ck_assert_int_eq(o.dry_run, 0);
	ck_assert_int_eq(o.encrypted, 0);
	ck_assert_int_eq(o.lock_password, 0);
	ck_assert_int_eq(o.json, 0);
	ck_assert_int_eq(o.source, PW_UNSET);
	ck_assert_ptr_null(o.method);
	options_free(&o);
}
END_TEST

START_TEST(test_load_env_and_argv)
{
	struct options o;
	char *cause = NULL;

	/* argv[0] is only the program's name, whatever it is. */
	static const char *const named[] = { "/usr/local/sbin/podpass", "status", NULL };

	setenv("PODPASS_USER", "bob", 1);
	setenv("PODPASS_MODE", "both", 1);
	ck_assert_int_eq(load(&o, ARGV("status", "--root", tmp), &cause), 0);
	ck_assert_str_eq(o.user, "bob");
	ck_assert_int_eq(o.mode, MODE_BOTH);
	options_free(&o);
	ck_assert_int_eq(load(&o, ARGV("status", "--root", tmp, "-u", "carol",
	    "--mode", "either"), &cause), 0);
	ck_assert_str_eq(o.user, "carol");
	ck_assert_int_eq(o.mode, MODE_EITHER);
	options_free(&o);
	ck_assert_ptr_null(cause);
	/* Without --root the real /etc/podpass.conf would be read: only check
	 * the name is not taken for a command when that file is absent. */
	if (access("/etc/podpass.conf", F_OK) != 0) {
		ck_assert_int_eq(load(&o, named, &cause), 0);
		ck_assert_int_eq(o.command, CMD_STATUS);
		options_free(&o);
	}
}
END_TEST

START_TEST(test_load_precedence)
{
	struct options o;
	char *cause = NULL, *p, *root_arg;

	p = write_conf("etc/podpass.conf",
	    "[podpass]\nuser = alice\nmode = both\nrestart = none\nmin_length = 10\n"
	    "method = sha512\nsshd_config = /file/sshd_config\n", 0644);
	root_arg = xstrdup(tmp);
	assert_files_are_roots();
	/* file alone over the defaults */
	ck_assert_int_eq(load(&o, ARGV("enable", "--root", root_arg), &cause), 0);
	ck_assert_str_eq(o.user, "alice");
	ck_assert_int_eq(o.mode, MODE_BOTH);
	ck_assert_int_eq(o.restart, RESTART_NONE);	/* so --root is allowed */
	ck_assert_int_eq(o.min_length, 10);
	ck_assert_str_eq(o.method, "sha512");
	ck_assert_str_eq(o.sshd_config, "/file/sshd_config");
	ck_assert_str_eq(o.sshd_path, PODPASS_SSHD_PATH);	/* default */
	options_free(&o);
	/* environment over the file */
	setenv("PODPASS_MODE", "either", 1);
	setenv("PODPASS_USER", "bob", 1);
	setenv("PODPASS_MIN_LENGTH", "12", 1);
	ck_assert_int_eq(load(&o, ARGV("enable", "--root", root_arg), &cause), 0);
	ck_assert_str_eq(o.user, "bob");
	ck_assert_int_eq(o.mode, MODE_EITHER);
	ck_assert_int_eq(o.min_length, 12);
	ck_assert_int_eq(o.restart, RESTART_NONE);	/* from the file still */
	options_free(&o);
	/* argv over the environment */
	ck_assert_int_eq(load(&o, ARGV("enable", "--root", root_arg, "--mode", "both",
	    "--min-length", "14", "--sshd-config", "/argv/sshd_config"), &cause), 0);
	ck_assert_int_eq(o.mode, MODE_BOTH);
	ck_assert_int_eq(o.min_length, 14);
	ck_assert_str_eq(o.user, "bob");
	ck_assert_str_eq(o.sshd_config, "/argv/sshd_config");
	options_free(&o);
	ck_assert_ptr_null(cause);
	/* a bad file stops the load */
	free(write_conf("etc/podpass.conf", "[podpass]\nmode = sometimes\n", 0644));
	ck_assert_int_eq(load(&o, ARGV("enable", "--root", root_arg), &cause), EX_CONFIG);
	ck_assert_ptr_nonnull(cause);
	free(cause);
	options_free(&o);
	free(root_arg);
	free(p);
}
END_TEST

START_TEST(test_load_root_needs_restart_none)
{
	struct options o;
	char *cause = NULL;

	ck_assert_int_eq(load(&o, ARGV("enable", "--root", tmp), &cause), EX_USAGE);
	ck_assert_ptr_nonnull(cause);
	ck_assert_ptr_nonnull(strstr(cause, "--restart none"));
	free(cause);
	cause = NULL;
	options_free(&o);
	ck_assert_int_eq(load(&o, ARGV("enable", "--root", tmp, "--restart", "reload"),
	    &cause), EX_USAGE);
	free(cause);
	cause = NULL;
	options_free(&o);
	ck_assert_int_eq(load(&o, ARGV("enable", "--root", tmp, "--restart", "none"),
	    &cause), 0);
	ck_assert_int_eq(o.restart, RESTART_NONE);
	options_free(&o);
	ck_assert_int_eq(load(&o, ARGV("enable", "--root", tmp, "--dry-run"), &cause), 0);
	options_free(&o);
	/* The restart may come from the environment too. */
	setenv("PODPASS_RESTART", "none", 1);
	ck_assert_int_eq(load(&o, ARGV("enable", "--root", tmp), &cause), 0);
	options_free(&o);
	unsetenv("PODPASS_RESTART");
	/* Other commands do not restart anything with --root. */
	ck_assert_int_eq(load(&o, ARGV("disable", "--root", tmp, "--dry-run"), &cause), 0);
	options_free(&o);
	ck_assert_int_eq(load(&o, ARGV("status", "--root", tmp), &cause), 0);
	options_free(&o);
	ck_assert_ptr_null(cause);
}
END_TEST

/* Settings from the environment that a command does not use are ignored,
 * not refused: a pod's environment serves every command. */
START_TEST(test_table_env_ignored)
{
	static const char *const unused[][2] = {
		{ "PODPASS_RESTART", "none" }, { "PODPASS_METHOD", "sha512" },
		{ "PODPASS_MIN_LENGTH", "12" }, { "PODPASS_IMPORT_KEYS", "no" },
	};
	struct options o;
	char *cause = NULL;
	size_t i;

	for (i = 0; i < sizeof(unused) / sizeof(unused[0]); i++)
		setenv(unused[i][0], unused[i][1], 1);
	ck_assert_int_eq(load(&o, ARGV("status", "--root", tmp), &cause), 0);
	ck_assert_int_eq(o.command, CMD_STATUS);
	options_free(&o);
	setenv("PODPASS_MODE", "both", 1);
	ck_assert_int_eq(load(&o, ARGV("disable", "--root", tmp), &cause), 0);
	ck_assert_int_eq(o.command, CMD_DISABLE);
	options_free(&o);
	ck_assert_ptr_null(cause);
}
END_TEST

START_TEST(test_load_checks)
{
	struct options o;
	char *cause = NULL;

	ck_assert_int_eq(load(&o, ARGV("status", "--root", tmp, "-u", "-x"), &cause),
	    EX_USAGE);
	free(cause);
	cause = NULL;
	options_free(&o);
	ck_assert_int_eq(load(&o, ARGV("status", "--root", tmp, "-u", "a:b"), &cause),
	    EX_USAGE);
	free(cause);
	cause = NULL;
	options_free(&o);
	ck_assert_int_eq(load(&o, ARGV("status", "--root", tmp, "--sshd-config",
	    "relative/sshd_config"), &cause), EX_USAGE);
	ck_assert_ptr_nonnull(strstr(cause, "absolute"));
	free(cause);
	cause = NULL;
	options_free(&o);
	ck_assert_int_eq(load(&o, ARGV("status", "--root", "relative"), &cause), EX_USAGE);
	free(cause);
	cause = NULL;
	options_free(&o);
	ck_assert_int_eq(load(&o, ARGV("enable", "--root", tmp, "--restart", "none",
	    "--method", "md5"), &cause), EX_USAGE);
	free(cause);
	cause = NULL;
	options_free(&o);
	setenv("PODPASS_MODE", "sometimes", 1);
	ck_assert_int_eq(load(&o, ARGV("status", "--root", tmp), &cause), EX_USAGE);
	free(cause);
	cause = NULL;
	options_free(&o);
	/* --help neither reads the environment nor the file. */
	ck_assert_int_eq(load(&o, ARGV("--help", "--root", tmp), &cause), 0);
	ck_assert_int_eq(o.command, CMD_HELP);
	ck_assert_ptr_null(cause);
	options_free(&o);
	/* A usage error comes back from options_load as is. */
	ck_assert_int_eq(load(&o, ARGV("enable", "--password=x"), &cause), EX_USAGE);
	free(cause);
	options_free(&o);
}
END_TEST

Suite *options_suite(void)
{
	Suite *s = suite_create("options");
	TCase *tc = tcase_create("argv");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_argv_enable_contract);
	tcase_add_test(tc, test_argv_long_and_short);
	tcase_add_test(tc, test_argv_flags);
	tcase_add_test(tc, test_argv_commands);
	tcase_add_test(tc, test_argv_help_version);
	tcase_add_test(tc, test_argv_exclusive_sources);
	tcase_add_test(tc, test_argv_positional_wiped);
	tcase_add_test(tc, test_argv_password_option);
	tcase_add_test(tc, test_argv_bad_values);
	tcase_add_test(tc, test_value_parsers);
	tcase_add_test(tc, test_argv_password_value_wiped);
	tcase_add_test(tc, test_argv_short_p_wiped);
	tcase_add_test(tc, test_argv_short_clusters);
	tcase_add_test(tc, test_table_every_option);
	tcase_add_test(tc, test_table_examples);
	tcase_add_test(tc, test_table_help_version);
	tcase_add_test(tc, test_table_usage);
	suite_add_tcase(s, tc);

	tc = tcase_create("file");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_root_test(tc, test_file_keys);
	tcase_add_root_test(tc, test_file_explicit_path);
	tcase_add_root_test(tc, test_file_unknown_key);
	tcase_add_root_test(tc, test_file_unknown_section);
	tcase_add_root_test(tc, test_file_bad_value);
	tcase_add_root_test(tc, test_file_writable_by_others);
	tcase_add_root_test(tc, test_file_symlink);
	tcase_add_root_test(tc, test_file_not_roots);
	tcase_add_test(tc, test_file_missing);
	tcase_add_root_test(tc, test_file_nul_byte);
	tcase_add_test(tc, test_file_missing_no_cause);
	suite_add_tcase(s, tc);

	tc = tcase_create("env");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_env_applied);
	tcase_add_test(tc, test_env_unset_and_empty);
	tcase_add_test(tc, test_env_bad);
	tcase_add_test(tc, test_import_keys_layers);
	suite_add_tcase(s, tc);

	tc = tcase_create("load");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_load_defaults);
	tcase_add_test(tc, test_load_env_and_argv);
	tcase_add_root_test(tc, test_load_precedence);
	tcase_add_test(tc, test_load_root_needs_restart_none);
	tcase_add_test(tc, test_load_checks);
	tcase_add_test(tc, test_table_env_ignored);
	suite_add_tcase(s, tc);
	return s;
}
