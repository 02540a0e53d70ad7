/* Small helpers shared by every module: allocation that cannot fail
 * silently, error causes, and wiping secrets. */
#ifndef PODPASS_UTIL_H
#define PODPASS_UTIL_H

#include <stdarg.h>
#include <stddef.h>

/* Allocation; on exhaustion these print a message and abort the process. */
void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* Set *cause (when cause is not NULL) to a newly allocated message. */
void set_cause(char **cause, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Wipe then free a heap copy of a secret; NULL is fine. */
void freezero(void *p, size_t len);
/* Wipe then free a NUL-terminated secret string; NULL is fine. */
void strfreezero(char *s);

/* Free an array of n malloc'd strings and the array; NULL is fine. */
void strv_free(char **v, size_t n);

/* A growable byte buffer for building file contents in memory. */
struct buf {
	char *data;
	size_t len;
	size_t cap;
};
void buf_add(struct buf *b, const void *data, size_t len);
void buf_addstr(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Give the contents away as a NUL-terminated string; b is empty afterwards. */
char *buf_take(struct buf *b, size_t *len);
void buf_free(struct buf *b);

/* Trim trailing newlines, carriage returns and spaces (a child's message ends in a newline). */
void rtrim(char *s);

/* Join root and an absolute path: ("/tmp/r", "/etc/x") -> "/tmp/r/etc/x"; root "/" or NULL -> copy. */
char *path_under_root(const char *root, const char *path);

#endif
