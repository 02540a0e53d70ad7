/* Settings: built-in defaults < /etc/podpass.conf (inih) < PODPASS_*
 * environment < argv. The password itself is never a setting: only where
 * to read it from is. */
#ifndef PODPASS_OPTIONS_H
#define PODPASS_OPTIONS_H

enum pp_command { CMD_NONE = 0, CMD_ENABLE, CMD_DISABLE, CMD_STATUS, CMD_HELP, CMD_VERSION };
enum pw_source { PW_UNSET = 0, PW_STDIN, PW_FILE, PW_GENERATE };
enum restart_mode { RESTART_UNSET = 0, RESTART_AUTO, RESTART_RELOAD, RESTART_START, RESTART_NONE };
enum auth_mode { MODE_UNSET = 0, MODE_EITHER, MODE_BOTH };

#define OPTIONS_DEFAULT_CONFIG "/etc/podpass.conf"
#define OPTIONS_DEFAULT_SSHD_CONFIG "/etc/ssh/sshd_config"
#define OPTIONS_DEFAULT_MIN_LENGTH 8

/* Every field starts unset (NULL, 0 or -1) so that layers can be merged. */
struct options {
	enum pp_command command;
	char *user;
	enum pw_source source;
	char *password_file;
	int encrypted;		/* -1 unset */
	enum auth_mode mode;
	enum restart_mode restart;
	int dry_run;		/* -1 unset */
	char *sshd_config;	/* path as seen inside root */
	char *root;		/* NULL: "/" */
	char *config_file;	/* -c; NULL: the default path */
	int verbosity;		/* -1 unset; 0 quiet, 1 normal, 2+ verbose */
	long min_length;	/* -1 unset */
	char *method;		/* hash method name; NULL: libxcrypt's preferred */
	char *sshd_path;	/* sshd binary inside root */
	int lock_password;	/* disable --lock-password; -1 unset */
	int json;		/* status --json; -1 unset */
	int import_keys;	/* add PUBLIC_KEY/SSH_PUBLIC_KEY to authorized_keys; -1 unset */
	int mode_given;		/* --mode (or file, environment) was set, not defaulted */
};

void options_init(struct options *o);
void options_free(struct options *o);

/* Parse argv (command first). Positional arguments, anything that looks
 * like a password on the command line and an option the command does not
 * take are refused, and password-like arguments are wiped from argv.
 * Returns 0 or EX_USAGE with *cause. */
int options_parse_argv(struct options *o, int argc, char **argv, char **cause);

/* Read the config file (o->config_file or the default, under root) into
 * *file: section [podpass], keys user, mode, restart, sshd_config,
 * min_length, method, sshd, import_keys. A missing default file is fine; a file that is
 * a symlink, not owned by root, or group/world-writable is refused with
 * EX_CONFIG; unknown keys and bad values give EX_CONFIG "FILE:LINE: ...". */
int options_read_file(const struct options *cli, struct options *file, char **cause);

/* The text of a config file (NUL-terminated) into *file, as
 * options_read_file reads it once the file is trusted; path names the file
 * in messages. Memory only. Returns 0 or EX_CONFIG with *cause
 * "PATH:LINE: ...". */
int options_parse_ini_text(const char *text, const char *path, struct options *file,
    char **cause);

/* Read PODPASS_USER, PODPASS_MODE, PODPASS_RESTART, PODPASS_SSHD_CONFIG,
 * PODPASS_MIN_LENGTH, PODPASS_METHOD, PODPASS_IMPORT_KEYS, PODPASS_SSHD,
 * PODPASS_PASSWORD_FILE (as --password-file) and PODPASS_ENCRYPTED (yes/no,
 * as --encrypted) into *env. Empty values are ignored; EX_USAGE on a bad
 * value, naming the variable. */
int options_read_env(struct options *env, char **cause);

/* Layer src over dst: every field set in src replaces dst's. */
void options_merge(struct options *dst, const struct options *src);

/* Fill what is still unset with the built-in defaults. */
void options_fill_defaults(struct options *o);

/* Everything above in order: defaults < file < environment < argv.
 * Returns 0 or an EX_* code with *cause. */
int options_load(struct options *o, int argc, char **argv, char **cause);

/* Value parsers shared by argv, file and environment. Return 0 or -1. */
int options_parse_mode(const char *s, enum auth_mode *out);
int options_parse_restart(const char *s, enum restart_mode *out);
int options_parse_min_length(const char *s, long *out);
int options_parse_bool(const char *s, int *out);

/* 1 when command takes the long option name (without "--"), as the
 * command table says; --help and --version go with every command. */
int options_command_takes(enum pp_command command, const char *name);

/* getopt_long's table of every option podpass knows, ending in a NULL name. */
struct option;
const struct option *options_long_options(void);

/* The usage text for --help, the synopsis built from the command table;
 * the caller frees it. */
char *options_usage(void);

#endif
