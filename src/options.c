/* Settings, from lowest to highest precedence: built-in defaults,
 * /etc/podpass.conf, PODPASS_* environment, argv.
 *
 * Must never: take a password from argv, or trust a config file that
 * someone other than root could have written. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ctype.h>
#include <getopt.h>
#include <ini.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "atomic.h"
#include "hash.h"
#include "options.h"
#include "shadow.h"
#include "trust.h"
#include "util.h"

#define CONFIG_FILE_MAX (64 * 1024)

enum long_only {
	OPT_PASSWORD_STDIN = 256, OPT_PASSWORD_FILE, OPT_GENERATE, OPT_ENCRYPTED,
	OPT_MODE, OPT_RESTART, OPT_DRY_RUN, OPT_SSHD_CONFIG, OPT_ROOT, OPT_METHOD,
	OPT_MIN_LENGTH, OPT_SSHD, OPT_LOCK_PASSWORD, OPT_JSON, OPT_HELP, OPT_VERSION,
	OPT_NO_IMPORT_KEYS
};

static const struct option long_options[] = {
	{ "user", required_argument, NULL, 'u' },
	{ "password-stdin", no_argument, NULL, OPT_PASSWORD_STDIN },
	{ "password-file", required_argument, NULL, OPT_PASSWORD_FILE },
	{ "generate", no_argument, NULL, OPT_GENERATE },
	{ "encrypted", no_argument, NULL, OPT_ENCRYPTED },
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "restart", required_argument, NULL, OPT_RESTART },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "sshd-config", required_argument, NULL, OPT_SSHD_CONFIG },
	{ "root", required_argument, NULL, OPT_ROOT },
	{ "config", required_argument, NULL, 'c' },
	{ "method", required_argument, NULL, OPT_METHOD },
	{ "min-length", required_argument, NULL, OPT_MIN_LENGTH },
	{ "sshd", required_argument, NULL, OPT_SSHD },
	{ "lock-password", no_argument, NULL, OPT_LOCK_PASSWORD },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "no-import-keys", no_argument, NULL, OPT_NO_IMPORT_KEYS },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 }
};

/* Which command takes which option, one row per command (as tmux's
 * cmd_entry): long option names in synopsis order, alternatives joined by
 * '|'. --help and --version go with every command. An option a command does
 * not take is a usage error; --help prints its synopsis from this table. */
static const struct cmd_entry {
	const char *name;
	enum pp_command command;
	const char *options;
} cmd_table[] = {
	{ "enable", CMD_ENABLE, "user password-stdin|password-file|generate encrypted mode "
	    "restart method min-length no-import-keys dry-run sshd-config sshd root config "
	    "quiet verbose" },
	{ "disable", CMD_DISABLE, "user lock-password restart dry-run sshd-config sshd root "
	    "config quiet verbose" },
	{ "status", CMD_STATUS, "user json mode sshd-config sshd root config quiet verbose" },
};
#define CMD_TABLE_SIZE (sizeof(cmd_table) / sizeof(cmd_table[0]))

/* How the synopsis writes an option other than as a bare --NAME. */
static const struct { const char *name; const char *shown; } option_shown[] = {
	{ "user", "-u USER" }, { "config", "-c FILE" }, { "quiet", "-q" }, { "verbose", "-v" },
	{ "password-file", "--password-file FILE" }, { "mode", "--mode either|both" },
	{ "restart", "--restart auto|reload|start|none" }, { "method", "--method METHOD" },
	{ "min-length", "--min-length N" }, { "sshd-config", "--sshd-config PATH" },
	{ "sshd", "--sshd PATH" }, { "root", "--root DIR" },
};

#define USAGE_WIDTH 80		/* columns, newline excluded */
#define USAGE_INDENT "       "	/* as wide as "usage: " */
#define USAGE_NAME_WIDTH 7	/* the longest command name, "disable" */

static const char usage_tail[] =
"       podpass --help | --version\n"
"\n"
"The password is never taken from the command line. It comes from, first match\n"
"wins: --password-stdin (one line), --password-file FILE, --generate (printed\n"
"alone on standard output), PODPASS_PASSWORD_FILE (a file, as --password-file),\n"
"PODPASS_PASSWORD (the secret itself), or a prompt on a terminal.\n"
"With --encrypted (or PODPASS_ENCRYPTED=yes) the secret is a ready crypt(5) hash.\n";

/* The row of a command, or NULL (no command, --help, --version). */
static const struct cmd_entry *cmd_find(enum pp_command command)
{
	size_t i;

	for (i = 0; i < CMD_TABLE_SIZE; i++)
		if (cmd_table[i].command == command)
			return &cmd_table[i];
	return NULL;
}

/* 1 when the option list holds name as a whole word. */
static int list_has(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p;

	for (p = list; (p = strstr(p, name)) != NULL; p += n)
		if ((p == list || p[-1] == ' ' || p[-1] == '|') &&
		    (p[n] == '\0' || p[n] == ' ' || p[n] == '|'))
			return 1;
	return 0;
}

int options_command_takes(enum pp_command command, const char *name)
{
	const struct cmd_entry *e = cmd_find(command);

	if (strcmp(name, "help") == 0 || strcmp(name, "version") == 0)
		return 1;
	return e != NULL && list_has(e->options, name);
}

/* Add one option, as the synopsis writes it, to b. */
static void usage_add_option(struct buf *b, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(option_shown) / sizeof(option_shown[0]); i++)
		if (strlen(option_shown[i].name) == len &&
		    strncmp(option_shown[i].name, name, len) == 0) {
			buf_addstr(b, option_shown[i].shown);
			return;
		}
	buf_printf(b, "--%.*s", (int)len, name);
}

/* One item of a row ("mode", "a|b|c") as "[--mode either|both]" or "[a | b | c]". */
static char *usage_item(const char *item, size_t len)
{
	const char *end = item + len, *bar;
	struct buf b = { 0 };

	buf_addstr(&b, "[");
	while (item < end) {
		if ((bar = memchr(item, '|', (size_t)(end - item))) == NULL)
			bar = end;
		usage_add_option(&b, item, (size_t)(bar - item));
		if (bar < end)
			buf_addstr(&b, " | ");
		item = bar < end ? bar + 1 : end;
	}
	buf_addstr(&b, "]");
	return buf_take(&b, NULL);
}

/* One command's synopsis, wrapped under its first option. */
static void usage_command(struct buf *b, const char *lead, const struct cmd_entry *e)
{
	const char *p = e->options;
	size_t col, indent, n;
	char *item;

	buf_printf(b, "%spodpass %-*s", lead, USAGE_NAME_WIDTH, e->name);
	col = indent = strlen(lead) + strlen("podpass ") + USAGE_NAME_WIDTH;
	for (; *p != '\0'; p += n + (p[n] == ' ')) {
		n = strcspn(p, " ");
		item = usage_item(p, n);
		if (col + 1 + strlen(item) > USAGE_WIDTH) {
			buf_printf(b, "\n%*s", (int)indent, "");
			col = indent;
		}
		buf_printf(b, " %s", item);
		col += 1 + strlen(item);
		free(item);
	}
	buf_addstr(b, "\n");
}

char *options_usage(void)
{
	struct buf b = { 0 };
	size_t i;

	for (i = 0; i < CMD_TABLE_SIZE; i++)
		usage_command(&b, i == 0 ? "usage: " : USAGE_INDENT, &cmd_table[i]);
	buf_addstr(&b, usage_tail);
	return buf_take(&b, NULL);
}

const struct option *options_long_options(void)
{
	return long_options;
}

void options_init(struct options *o)
{
	memset(o, 0, sizeof(*o));
	o->encrypted = o->dry_run = o->verbosity = -1;
	o->lock_password = o->json = o->import_keys = -1;
	o->min_length = -1;
}

void options_free(struct options *o)
{
	free(o->user);
	free(o->password_file);
	free(o->sshd_config);
	free(o->root);
	free(o->config_file);
	free(o->method);
	free(o->sshd_path);
	options_init(o);
}

int options_parse_mode(const char *s, enum auth_mode *out)
{
	if (strcmp(s, "either") == 0)
		*out = MODE_EITHER;
	else if (strcmp(s, "both") == 0)
		*out = MODE_BOTH;
	else
		return -1;
	return 0;
}

int options_parse_restart(const char *s, enum restart_mode *out)
{
	static const struct { const char *name; enum restart_mode mode; } names[] = {
		{ "auto", RESTART_AUTO }, { "reload", RESTART_RELOAD },
		{ "start", RESTART_START }, { "none", RESTART_NONE },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(s, names[i].name) == 0) {
			*out = names[i].mode;
			return 0;
		}
	}
	return -1;
}

int options_parse_bool(const char *s, int *out)
{
	if (strcasecmp(s, "yes") == 0 || strcasecmp(s, "true") == 0 || strcmp(s, "1") == 0)
		*out = 1;
	else if (strcasecmp(s, "no") == 0 || strcasecmp(s, "false") == 0 || strcmp(s, "0") == 0)
		*out = 0;
	else
		return -1;
	return 0;
}

int options_parse_min_length(const char *s, long *out)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1 || v > 4096)
		return -1;
	*out = v;
	return 0;
}

/* Replace a string field with a copy of value. */
static void set_str(char **field, const char *value)
{
	free(*field);
	*field = xstrdup(value);
}

/* Map the first argument to a command. */
static enum pp_command parse_command(const char *s)
{
	size_t i;

	for (i = 0; i < CMD_TABLE_SIZE; i++)
		if (strcmp(s, cmd_table[i].name) == 0)
			return cmd_table[i].command;
	return CMD_NONE;
}

/* Refuse an option that the command named on the command line does not
 * take (without a command, podpass only prints the usage). */
static int check_command_takes(enum pp_command command, int c, char **cause)
{
	const struct cmd_entry *e = cmd_find(command);
	size_t i;

	for (i = 0; e != NULL && long_options[i].name != NULL; i++) {
		if (long_options[i].val != c ||
		    options_command_takes(command, long_options[i].name))
			continue;
		if (c < OPT_PASSWORD_STDIN)
			set_cause(cause, "%s does not take -%c (see podpass --help)", e->name, c);
		else
			set_cause(cause, "%s does not take --%s (see podpass --help)", e->name,
			    long_options[i].name);
		return EX_USAGE;
	}
	return 0;
}

/* Set the password source once; a second, different source is an error. */
static int set_source(struct options *o, enum pw_source src, char **cause)
{
	if (o->source != PW_UNSET && o->source != src) {
		set_cause(cause, "--password-stdin, --password-file and --generate "
		    "exclude each other");
		return EX_USAGE;
	}
	o->source = src;
	return 0;
}

/* Wipe an argument in place: a password typed on the command line should at
 * least not stay readable in /proc/PID/cmdline for the whole run. */
static void wipe_arg(char *arg)
{
	explicit_bzero(arg, strlen(arg));
}

/* 1 when arg is an option that takes its value from the next argument. */
static int takes_next_value(const char *arg)
{
	size_t i;

	if (arg[0] != '-' || arg[1] == '\0')
		return 0;
	if (arg[1] != '-')	/* -u USER, -c FILE, also at the end of a cluster such as -qu */
		return strchr("uc", arg[strlen(arg) - 1]) != NULL &&
		    strspn(arg + 1, "qv") == strlen(arg) - 2;
	if (strchr(arg, '=') != NULL)
		return 0;
	for (i = 0; long_options[i].name != NULL; i++)
		if (long_options[i].has_arg == required_argument &&
		    strcmp(arg + 2, long_options[i].name) == 0)
			return 1;
	return 0;
}

/* Walk a short-option cluster (-qv, -uUSER, -pSECRET): the offending letter
 * when it holds one podpass does not know, else 0. Text after -u or -c is
 * their value. */
static char short_cluster_unknown(const char *arg)
{
	const char *p;

	for (p = arg + 1; *p != '\0'; p++) {
		if (*p == 'q' || *p == 'v')
			continue;
		if (*p == 'u' || *p == 'c')
			return 0;
		return *p;
	}
	return 0;
}

/* 1 when arg looks like an attempt to give the password on the command line. */
static int looks_like_password_option(const char *arg)
{
	if (arg[0] == '-' && arg[1] != '-')
		return short_cluster_unknown(arg) == 'p';	/* podpass has no -p */
	if (strncmp(arg, "--pass", 6) != 0 || strcmp(arg, "--password-stdin") == 0)
		return 0;
	return strcmp(arg, "--password-file") != 0 &&
	    strncmp(arg, "--password-file=", 16) != 0;
}

/* The message for a short option podpass does not know; the text glued to
 * it (-xSECRET) is wiped, never repeated. */
static int unknown_short_option(char *arg, char bad, char **cause)
{
	char *at = strchr(arg + 1, bad);

	set_cause(cause, "unknown option '-%c' (see podpass --help)", bad);
	if (at != NULL && at[1] != '\0')
		wipe_arg(at + 1);
	return EX_USAGE;
}

/* Refuse -pSECRET, --password SECRET, --password=SECRET and the like, and
 * short options podpass does not know, before getopt sees them, wiping them
 * (and a following value) from argv. */
static int refuse_password_args(int argc, char **argv, int first, char **cause)
{
	char bad;
	int i;

	for (i = first; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return 0;
		if (takes_next_value(argv[i])) {
			i++;
			continue;
		}
		if (!looks_like_password_option(argv[i])) {
			if (argv[i][0] == '-' && argv[i][1] != '-' && argv[i][1] != '\0' &&
			    (bad = short_cluster_unknown(argv[i])) != 0)
				return unknown_short_option(argv[i], bad, cause);
			continue;
		}
		if (strchr(argv[i], '=') == NULL && argv[i][1] == '-' && i + 1 < argc &&
		    argv[i + 1][0] != '-')
			wipe_arg(argv[i + 1]);
		wipe_arg(argv[i]);
		set_cause(cause, "podpass never takes a password on the command line "
		    "(every user can read it in /proc; it has been wiped from memory); use "
		    "--password-stdin, --password-file FILE, --generate or PODPASS_PASSWORD");
		return EX_USAGE;
	}
	return 0;
}

/* The message for an option that does not exist; a value after '=' is
 * neither repeated nor kept (it could be a password). */
static int unknown_option(char *arg, char **cause)
{
	char *eq = strchr(arg, '=');

	if (eq != NULL)
		wipe_arg(eq + 1);
	if (arg[0] == '-' && arg[1] != '-' && strlen(arg) > 2) {
		set_cause(cause, "unknown option in '%.2s...' (see podpass --help)", arg);
		wipe_arg(arg + 2);
	} else
		set_cause(cause, "unknown option '%.*s' (see podpass --help)",
		    (int)(eq ? eq - arg : (long)strlen(arg)), arg);
	return EX_USAGE;
}

/* Apply one parsed option with a value to o. */
static int apply_valued(struct options *o, int c, const char *arg, char **cause)
{
	switch (c) {
	case 'u': set_str(&o->user, arg); return 0;
	case 'c': set_str(&o->config_file, arg); return 0;
	case OPT_PASSWORD_FILE:
		set_str(&o->password_file, arg);
		return set_source(o, PW_FILE, cause);
	case OPT_SSHD_CONFIG: set_str(&o->sshd_config, arg); return 0;
	case OPT_ROOT: set_str(&o->root, arg); return 0;
	case OPT_SSHD: set_str(&o->sshd_path, arg); return 0;
	case OPT_METHOD: set_str(&o->method, arg); return 0;
	case OPT_MODE:
		if (options_parse_mode(arg, &o->mode) == 0)
			return 0;
		set_cause(cause, "--mode takes 'either' or 'both', not '%s'", arg);
		return EX_USAGE;
	case OPT_RESTART:
		if (options_parse_restart(arg, &o->restart) == 0)
			return 0;
		set_cause(cause, "--restart takes auto, reload, start or none, not '%s'", arg);
		return EX_USAGE;
	case OPT_MIN_LENGTH:
		if (options_parse_min_length(arg, &o->min_length) == 0)
			return 0;
		set_cause(cause, "--min-length takes a number from 1 to 4096, not '%s'", arg);
		return EX_USAGE;
	}
	return -1;
}

/* Apply one parsed option to o. Returns 0, or EX_USAGE with *cause. */
static int apply_option(struct options *o, int c, char *arg, char **cause)
{
	int rc = apply_valued(o, c, arg, cause);

	if (rc >= 0)
		return rc;
	switch (c) {
	case OPT_PASSWORD_STDIN: return set_source(o, PW_STDIN, cause);
	case OPT_GENERATE: return set_source(o, PW_GENERATE, cause);
	case OPT_ENCRYPTED: o->encrypted = 1; return 0;
	case OPT_DRY_RUN: o->dry_run = 1; return 0;
	case OPT_LOCK_PASSWORD: o->lock_password = 1; return 0;
	case OPT_JSON: o->json = 1; return 0;
	case OPT_NO_IMPORT_KEYS: o->import_keys = 0; return 0;
	case 'q': o->verbosity = 0; return 0;
	case 'v': o->verbosity = (o->verbosity < 1 ? 1 : o->verbosity) + 1; return 0;
	case OPT_HELP: o->command = CMD_HELP; return 0;
	case OPT_VERSION: o->command = CMD_VERSION; return 0;
	}
	set_cause(cause, "unknown option (see podpass --help)");
	return EX_USAGE;
}

/* Refuse positional arguments, wiping each: the likeliest one is a password. */
static int refuse_positional(int argc, char **argv, int first, char **cause)
{
	int i;

	if (first >= argc)
		return 0;
	for (i = first; i < argc; i++)
		wipe_arg(argv[i]);
	set_cause(cause, "unexpected argument on the command line (it has been wiped "
	    "from memory): podpass takes no arguments besides options, and never a "
	    "password; use --password-stdin, --password-file FILE, --generate or "
	    "PODPASS_PASSWORD");
	return EX_USAGE;
}

int options_parse_argv(struct options *o, int argc, char **argv, char **cause)
{
	enum pp_command named;
	int c, rc, first = 1;

	if (argc > 1 && argv[1][0] != '-') {
		o->command = parse_command(argv[1]);
		if (o->command == CMD_NONE) {
			wipe_arg(argv[1]);
			set_cause(cause, "unknown command (not repeated here, in case it was "
			    "a password): use enable, disable or status (see podpass --help)");
			return EX_USAGE;
		}
		first = 2;
	}
	named = o->command;
	if ((rc = refuse_password_args(argc, argv, first, cause)) != 0)
		return rc;
	optind = first;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:u:c:qv", long_options, NULL)) != -1) {
		if (c == ':') {
			set_cause(cause, "option '%s' needs a value", argv[optind - 1]);
			return EX_USAGE;
		}
		if (c == '?')
			return unknown_option(argv[optind - 1], cause);
		if ((rc = check_command_takes(named, c, cause)) != 0 ||
		    (rc = apply_option(o, c, optarg, cause)) != 0)
			return rc;
	}
	return refuse_positional(argc, argv, optind, cause);
}

/* What the inih handler needs: the options being filled and the first error. */
struct ini_ctx {
	struct options *o;
	const char *path;
	char *cause;
};

/* 1 when value is an absolute path. */
static int is_absolute(const char *value)
{
	return value[0] == '/';
}

/* Apply one key of section [podpass] (or its PODPASS_* variable); returns
 * 0 on success, -1 on a bad value, -2 for an unknown key. */
static int apply_file_key(struct options *o, const char *key, const char *value)
{
	const char *prefix;

	if ((strcmp(key, "sshd_config") == 0 || strcmp(key, "sshd") == 0) &&
	    !is_absolute(value))
		return -1;
	if (strcmp(key, "method") == 0 && hash_method_prefix(value, &prefix, NULL) != 0)
		return -1;
	if (strcmp(key, "user") == 0 && user_name_check(value, NULL) != 0)
		return -1;
	if (strcmp(key, "user") == 0)
		set_str(&o->user, value);
	else if (strcmp(key, "mode") == 0)
		return options_parse_mode(value, &o->mode);
	else if (strcmp(key, "restart") == 0)
		return options_parse_restart(value, &o->restart);
	else if (strcmp(key, "sshd_config") == 0)
		set_str(&o->sshd_config, value);
	else if (strcmp(key, "min_length") == 0)
		return options_parse_min_length(value, &o->min_length);
	else if (strcmp(key, "method") == 0)
		set_str(&o->method, value);
	else if (strcmp(key, "sshd") == 0)
		set_str(&o->sshd_path, value);
	else if (strcmp(key, "import_keys") == 0)
		return options_parse_bool(value, &o->import_keys);
	else
		return -2;
	return 0;
}

/* inih callback: returns nonzero to go on, 0 to report an error (inih
 * then gives the line number of the first error). */
static int ini_on_key(void *user, const char *section, const char *name,
    const char *value)
{
	struct ini_ctx *ctx = user;
	int r;

	if (ctx->cause != NULL)
		return 1;
	if (strcmp(section, "podpass") != 0) {
		ctx->cause = xasprintf("unknown section [%s] (only [podpass] is read)",
		    section);
		return 0;
	}
	r = apply_file_key(ctx->o, name, value);
	if (r == -2)
		ctx->cause = xasprintf("unknown key '%s'", name);
	else if (r != 0)
		ctx->cause = xasprintf("bad value '%s' for '%s'", value, name);
	return r == 0;
}

/* Open a config file only if root owns it, and the directories and links on
 * the way to it, and no one else can write any of them (trust.h). */
static int read_trusted_file(const char *path, int must_exist, char **text,
    char **cause)
{
	size_t len;
	int fd, rc;

	rc = trust_path(path, TRUST_ROOT_ONLY, &fd, cause);
	if (rc != 0 && access(path, F_OK) != 0) {	/* missing, wherever it would be */
		free(*cause);
		*cause = NULL;
		*text = NULL;
		if (!must_exist)
			return 0;	/* the default file may be missing */
		set_cause(cause, "%s: %s", path, strerror(ENOENT));
		return EX_NOINPUT;
	}
	if (rc == EX_NOPERM) {
		char *why = *cause;

		*cause = xasprintf("%s: refused: %s (it decides how root logs in: it must "
		    "be owned by root, in directories and links only root can change, "
		    "and not writable by group or others)", path, why);
		free(why);
		return EX_CONFIG;
	}
	if (rc != 0)
		return rc;
	rc = atomic_read_fd(fd, path, CONFIG_FILE_MAX, text, &len, NULL, cause);
	close(fd);
	if (rc != 0)
		return rc == EX_NOINPUT ? EX_NOINPUT : EX_CONFIG;
	if (memchr(*text, '\0', len) != NULL) {
		set_cause(cause, "%s: refused: it holds a NUL byte", path);
		free(*text);
		*text = NULL;
		return EX_CONFIG;
	}
	return 0;
}

/* A trusted config file's text into *file: section [podpass], one error at most. */
int options_parse_ini_text(const char *text, const char *path, struct options *file,
    char **cause)
{
	struct ini_ctx ctx = { file, path, NULL };
	int rc = 0, line;

	line = ini_parse_string(text, ini_on_key, &ctx);
	if (line != 0 || ctx.cause != NULL) {
		set_cause(cause, "%s:%d: %s", path, line, ctx.cause ? ctx.cause :
		    "not a valid line (expected '[podpass]' or 'key = value')");
		rc = EX_CONFIG;
	}
	free(ctx.cause);
	return rc;
}

int options_read_file(const struct options *cli, struct options *file, char **cause)
{
	const char *logical = cli->config_file ? cli->config_file : OPTIONS_DEFAULT_CONFIG;
	char *path = path_under_root(cli->root, logical), *text = NULL;
	int rc;

	rc = read_trusted_file(path, cli->config_file != NULL, &text, cause);
	if (rc == 0 && text != NULL)
		rc = options_parse_ini_text(text, path, file, cause);
	free(text);
	free(path);
	return rc;
}

/* PODPASS_PASSWORD_FILE and PODPASS_ENCRYPTED: --password-file and
 * --encrypted from the environment (no podpass.conf key: where the secret
 * comes from is a matter of one run). */
static int read_env_secret_source(struct options *env, char **cause)
{
	const char *v;

	if ((v = getenv("PODPASS_PASSWORD_FILE")) != NULL && *v != '\0') {
		set_str(&env->password_file, v);
		env->source = PW_FILE;
	}
	if ((v = getenv("PODPASS_ENCRYPTED")) != NULL && *v != '\0' &&
	    options_parse_bool(v, &env->encrypted) != 0) {
		set_cause(cause, "bad value in the environment variable PODPASS_ENCRYPTED "
		    "(yes or no)");
		return EX_USAGE;
	}
	return 0;
}

int options_read_env(struct options *env, char **cause)
{
	static const char *const keys[] = {
		"user", "mode", "restart", "sshd_config", "min_length", "method", "import_keys",
		"sshd"
	};
	char name[64];
	const char *v;
	size_t i, j;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		snprintf(name, sizeof(name), "PODPASS_%s", keys[i]);
		for (j = 8; name[j] != '\0'; j++)
			name[j] = (char)toupper((unsigned char)name[j]);
		if ((v = getenv(name)) == NULL || *v == '\0')
			continue;
		if (apply_file_key(env, keys[i], v) != 0) {
			set_cause(cause, "bad value in the environment variable %s", name);
			return EX_USAGE;
		}
	}
	return read_env_secret_source(env, cause);
}

/* Layer one string field. */
static void merge_str(char **dst, const char *src)
{
	if (src != NULL)
		set_str(dst, src);
}

void options_merge(struct options *dst, const struct options *src)
{
	if (src->command != CMD_NONE)
		dst->command = src->command;
	merge_str(&dst->user, src->user);
	if (src->source != PW_UNSET)
		dst->source = src->source;
	merge_str(&dst->password_file, src->password_file);
	merge_str(&dst->sshd_config, src->sshd_config);
	merge_str(&dst->root, src->root);
	merge_str(&dst->config_file, src->config_file);
	merge_str(&dst->method, src->method);
	merge_str(&dst->sshd_path, src->sshd_path);
	if (src->mode != MODE_UNSET)
		dst->mode = src->mode;
	if (src->restart != RESTART_UNSET)
		dst->restart = src->restart;
	if (src->encrypted != -1)
		dst->encrypted = src->encrypted;
	if (src->dry_run != -1)
		dst->dry_run = src->dry_run;
	if (src->verbosity != -1)
		dst->verbosity = src->verbosity;
	if (src->min_length != -1)
		dst->min_length = src->min_length;
	if (src->lock_password != -1)
		dst->lock_password = src->lock_password;
	if (src->json != -1)
		dst->json = src->json;
	if (src->import_keys != -1)
		dst->import_keys = src->import_keys;
}

void options_fill_defaults(struct options *o)
{
	if (o->user == NULL)
		o->user = xstrdup("root");
	if (o->sshd_config == NULL)
		o->sshd_config = xstrdup(OPTIONS_DEFAULT_SSHD_CONFIG);
	if (o->sshd_path == NULL)
		o->sshd_path = xstrdup(PODPASS_SSHD_PATH);
	if (o->root == NULL)
		o->root = xstrdup("/");
	if (o->mode == MODE_UNSET)
		o->mode = MODE_EITHER;
	if (o->restart == RESTART_UNSET)
		o->restart = RESTART_AUTO;
	if (o->encrypted == -1)
		o->encrypted = 0;
	if (o->dry_run == -1)
		o->dry_run = 0;
	if (o->verbosity == -1)
		o->verbosity = 1;
	if (o->min_length == -1)
		o->min_length = OPTIONS_DEFAULT_MIN_LENGTH;
	if (o->lock_password == -1)
		o->lock_password = 0;
	if (o->json == -1)
		o->json = 0;
	if (o->import_keys == -1)
		o->import_keys = 1;
}

/* Check the settings that every layer could have set. */
static int options_check(const struct options *o, char **cause)
{
	const char *prefix;
	int rc;

	if (user_name_check(o->user, cause) != 0)
		return EX_USAGE;
	if (o->sshd_config[0] != '/' || o->sshd_path[0] != '/' || o->root[0] != '/') {
		set_cause(cause, "--sshd-config, --sshd and --root take absolute paths");
		return EX_USAGE;
	}
	if ((rc = hash_method_prefix(o->method, &prefix, cause)) != 0)
		return rc;
	if (strcmp(o->root, "/") != 0 && o->command == CMD_ENABLE &&
	    o->restart != RESTART_NONE && o->dry_run != 1) {
		set_cause(cause, "--root DIR prepares another system's files: it goes with "
		    "--restart none (sshd of another root is not started from here)");
		return EX_USAGE;
	}
	return 0;
}

int options_load(struct options *o, int argc, char **argv, char **cause)
{
	struct options cli, file, env;
	int rc;

	options_init(&cli);
	options_init(&file);
	options_init(&env);
	if ((rc = options_parse_argv(&cli, argc, argv, cause)) != 0)
		goto out;
	if (cli.command == CMD_HELP || cli.command == CMD_VERSION || cli.command == CMD_NONE) {
		options_merge(o, &cli);
		goto out;
	}
	if ((rc = options_read_file(&cli, &file, cause)) != 0)
		goto out;
	if ((rc = options_read_env(&env, cause)) != 0)
		goto out;
	options_merge(o, &file);
	options_merge(o, &env);
	options_merge(o, &cli);
	o->mode_given = o->mode != MODE_UNSET;
	options_fill_defaults(o);
	rc = options_check(o, cause);
out:
	options_free(&cli);
	options_free(&file);
	options_free(&env);
	return rc;
}
