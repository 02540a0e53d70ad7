/* Leveled messages on standard error, each prefixed "podpass: ". */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "log.h"

static int current_level = LOG_LEVEL_INFO;
static int (*fatal_hook)(void);

void log_set_level(int level)
{
	if (level < LOG_LEVEL_ERROR)
		level = LOG_LEVEL_ERROR;
	if (level > LOG_LEVEL_DEBUG)
		level = LOG_LEVEL_DEBUG;
	current_level = level;
}

int log_get_level(void)
{
	return current_level;
}

static void log_emit(int level, const char *tag, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* Print one message at level with an optional tag before it. */
static void log_emit(int level, const char *tag, const char *fmt, va_list ap)
{
	if (level > current_level)
		return;
	fputs("podpass: ", stderr);
	if (tag != NULL)
		fputs(tag, stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	fflush(stderr);
}

#define LOG_FN(name, level, tag) \
	void name(const char *fmt, ...) \
	{ \
		va_list ap; \
		va_start(ap, fmt); \
		log_emit(level, tag, fmt, ap); \
		va_end(ap); \
	}

LOG_FN(log_error, LOG_LEVEL_ERROR, "error: ")
LOG_FN(log_warn, LOG_LEVEL_ERROR, "warning: ")
LOG_FN(log_info, LOG_LEVEL_INFO, NULL)
LOG_FN(log_verbose, LOG_LEVEL_VERBOSE, NULL)
LOG_FN(log_debug, LOG_LEVEL_DEBUG, "debug: ")

void log_set_fatal_hook(int (*hook)(void))
{
	fatal_hook = hook;
}

void fatal(const char *fmt, ...)
{
	int (*hook)(void) = fatal_hook;
	va_list ap;
	int code;

	va_start(ap, fmt);
	fputs("podpass: fatal: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	fatal_hook = NULL;	/* a fatal() inside the hook aborts at once */
	code = hook != NULL ? hook() : -1;
	if (code >= 0) {
		fflush(stdout);
		_exit(code);
	}
	abort();
}
