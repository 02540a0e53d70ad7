/* The password: read from one source, kept in locked memory, wiped after use.
 *
 * Must never: take the password from argv, leave a copy in memory after
 * secret_free, pass it to a child's environment, or print it anywhere but
 * the one line --generate owes standard output. */
#ifndef PODPASS_SECRET_H
#define PODPASS_SECRET_H

#include <stddef.h>
#include <sys/types.h>

#define SECRET_MAX 4096		/* longest password or hash accepted, in bytes */
#define SECRET_GENERATED_LEN 24	/* characters in a --generate password */
#define SECRET_ENV "PODPASS_PASSWORD"

struct secret {
	char *buf;		/* NUL-terminated, in mlock'd memory when the kernel allows */
	size_t len;
	size_t cap;
};

/* One line from fd (standard input): from a terminal up to its newline,
 * otherwise to the end, where a second line is refused. The line ending
 * ("\n" or "\r\n") is dropped; a NUL byte, an empty line or more than
 * SECRET_MAX bytes is refused (EX_DATAERR or EX_NOINPUT). */
int secret_read_fd(int fd, struct secret *s, char **cause);
/* The whole file, which must hold exactly one line (EX_NOINPUT when missing
 * or empty). It must be a regular file owned by root or owner (the target
 * user), reached through directories and links only root (or owner) can
 * change (trust.h): else EX_NOPERM, naming the path. */
int secret_read_file(const char *path, uid_t owner, struct secret *s, char **cause);
/* Take the value of the environment variable name, then wipe it in place
 * and remove it from the environment. Returns 0 with s->buf NULL when the
 * variable is not set. */
int secret_take_env(const char *name, struct secret *s, char **cause);
/* Ask on the terminal with echo off, twice; EX_DATAERR when they differ. */
int secret_prompt(struct secret *s, char **cause);
/* A new random password of n characters from [A-Za-z0-9] (getrandom). */
int secret_generate(struct secret *s, size_t n, char **cause);
/* Wipe and release. */
void secret_free(struct secret *s);

/* Check a plaintext password: at least min_length characters (bytes),
 * no control characters. Returns 0 or EX_DATAERR with *cause. */
int secret_check_password(const struct secret *s, long min_length, char **cause);

/* Remove PODPASS_PASSWORD from the environment, wiping its value first. */
void secret_scrub_env(void);

#endif
