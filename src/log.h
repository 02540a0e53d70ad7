/* Leveled messages on standard error. Standard output is kept for the one
 * thing a script reads (a generated password, status output).
 * Never pass a password or a hash to any of these. */
#ifndef PODPASS_LOG_H
#define PODPASS_LOG_H

enum log_level {
	LOG_LEVEL_ERROR = 0,	/* -q: errors only */
	LOG_LEVEL_INFO = 1,	/* default: errors and progress */
	LOG_LEVEL_VERBOSE = 2,	/* -v */
	LOG_LEVEL_DEBUG = 3	/* -vv */
};

void log_set_level(int level);
int log_get_level(void);
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_verbose(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* For the impossible: print, run the hook (cleanup.c: roll back a change under
 * way, remove temporary files) once, and abort, or exit with the code the hook
 * returns when it is not -1 (a change already whole: 0). */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void log_set_fatal_hook(int (*hook)(void));

#endif
