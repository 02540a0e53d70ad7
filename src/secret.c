/* The password: read from one source, kept in locked memory, wiped after use.
 *
 * Must never: take the password from argv, leave a copy in memory after
 * secret_free, pass it to a child's environment, or print it anywhere but
 * the one line --generate owes standard output. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <termios.h>
#include <unistd.h>

#include "log.h"
#include "secret.h"
#include "trust.h"
#include "util.h"

#define SECRET_CAP (SECRET_MAX + 2)

/* Give s a locked, zeroed buffer big enough for any accepted secret. */
static void secret_alloc(struct secret *s)
{
	s->cap = SECRET_CAP + 1;
	s->buf = xcalloc(1, s->cap);
	if (mlock(s->buf, s->cap) != 0)
		log_debug("mlock: %s (the secret may be swapped out)", strerror(errno));
	s->len = 0;
}

void secret_free(struct secret *s)
{
	if (s->buf == NULL)
		return;
	explicit_bzero(s->buf, s->cap);
	munlock(s->buf, s->cap);
	free(s->buf);
	s->buf = NULL;
	s->len = s->cap = 0;
}

/* Drop one trailing line ending; refuse NUL bytes and a second line. */
static int secret_finish_line(struct secret *s, const char *what, char **cause)
{
	if (s->len > 0 && s->buf[s->len - 1] == '\n')
		s->buf[--s->len] = '\0';
	if (s->len > 0 && s->buf[s->len - 1] == '\r')
		s->buf[--s->len] = '\0';
	if (s->len == 0) {
		set_cause(cause, "%s: the password is empty", what);
		return EX_NOINPUT;
	}
	if (s->len > SECRET_MAX) {
		set_cause(cause, "%s: longer than %d bytes", what, SECRET_MAX);
		return EX_DATAERR;
	}
	if (memchr(s->buf, '\0', s->len) != NULL) {
		set_cause(cause, "%s: the password holds a NUL byte", what);
		return EX_DATAERR;
	}
	if (memchr(s->buf, '\n', s->len) != NULL || memchr(s->buf, '\r', s->len) != NULL) {
		set_cause(cause, "%s: more than one line; give the password alone on one line",
		    what);
		return EX_DATAERR;
	}
	return 0;
}

/* The signal that came while the terminal was asked, or 0 (prompt_signal). */
static volatile sig_atomic_t prompt_signo;

/* Read from fd until end of file or the first newline, at most SECRET_MAX bytes;
 * a signal caught while asking on the terminal ends the read. */
static int secret_read_until_eol(int fd, struct secret *s, const char *what,
    int stop_at_newline, char **cause)
{
	ssize_t r;

	for (;;) {
		if (s->len >= SECRET_MAX + 2) {	/* room for a "\r\n" after the longest */
			set_cause(cause, "%s: longer than %d bytes", what, SECRET_MAX);
			return EX_DATAERR;
		}
		r = prompt_signo != 0 ? -1 : read(fd, s->buf + s->len, 1);
		if (prompt_signo != 0) {
			set_cause(cause, "%s: interrupted", what);
			return EX_TEMPFAIL;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			set_cause(cause, "%s: read: %s", what, strerror(errno));
			return EX_IOERR;
		}
		if (r == 0)
			break;
		s->len++;
		if (stop_at_newline && s->buf[s->len - 1] == '\n')
			break;
	}
	s->buf[s->len] = '\0';
	return 0;
}

int secret_read_fd(int fd, struct secret *s, char **cause)
{
	int rc;

	secret_alloc(s);
	/* From a terminal, the line the user typed; from a pipe or a file, all
	 * of it, so that a second line is refused rather than ignored. */
	rc = secret_read_until_eol(fd, s, "standard input", isatty(fd), cause);
	if (rc == 0)
		rc = secret_finish_line(s, "standard input", cause);
	if (rc != 0)
		secret_free(s);
	return rc;
}

int secret_read_file(const char *path, uid_t owner, struct secret *s, char **cause)
{
	struct stat st;
	int fd, rc;

	/* it decides a password root sets: root's (or the user's own) all the way,
	 * opened O_NONBLOCK (a FIFO or a device is refused, never waited on) */
	if ((rc = trust_path(path, owner, &fd, cause)) != 0) {
		char *why = *cause;

		if (rc == EX_NOPERM)
			*cause = xasprintf("password file refused: %s (it decides a password "
			    "root sets: it must be owned by root or the user, in directories "
			    "and links only root can change)", why);
		else
			*cause = xasprintf("password file %s", why);
		free(why);
		return rc == EX_NOPERM ? EX_NOPERM : EX_NOINPUT;
	}
	if (fstat(fd, &st) == 0 && (st.st_mode & 0044) != 0)
		log_warn("password file %s can be read by others; make it mode 0600", path);
	secret_alloc(s);
	rc = secret_read_until_eol(fd, s, path, 0, cause);
	close(fd);
	if (rc == 0)
		rc = secret_finish_line(s, path, cause);
	if (rc != 0)
		secret_free(s);
	return rc;
}

/* Wipe an environment variable ("NAME=value", name and value) in place,
 * then remove it: the bytes in the process's original environment block,
 * which /proc/PID/environ shows, are zeroed too. */
static void scrub_var(const char *name)
{
	size_t nl = strlen(name);
	char *v = getenv(name);

	unsetenv(name);		/* the C library keeps the string itself; wipe it after */
	if (v != NULL)
		explicit_bzero(v - nl - 1, nl + 1 + strlen(v));
}

void secret_scrub_env(void)
{
	scrub_var(SECRET_ENV);
}

int secret_take_env(const char *name, struct secret *s, char **cause)
{
	char *v = getenv(name);
	size_t n;

	s->buf = NULL;
	if (v == NULL)
		return 0;
	n = strlen(v);
	if (n > SECRET_MAX) {
		set_cause(cause, "%s: longer than %d bytes", name, SECRET_MAX);
		scrub_var(name);
		return EX_DATAERR;
	}
	secret_alloc(s);
	memcpy(s->buf, v, n);
	s->len = n;
	scrub_var(name);
	if (n == 0) {
		secret_free(s);
		set_cause(cause, "%s is set but empty", name);
		return EX_NOINPUT;
	}
	return 0;
}

/* The signals that would end or stop podpass while the terminal has echo off. */
static const int prompt_signals[] = {
	SIGALRM, SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGTSTP, SIGTTIN, SIGTTOU,
};
#define NPROMPT_SIGNALS (sizeof(prompt_signals) / sizeof(prompt_signals[0]))

/* Note the signal; the read it interrupts (no SA_RESTART) then gives up. */
static void prompt_signal(int signo)
{
	prompt_signo = signo;
}

/* Catch the prompt signals, keeping the old actions in old. */
static void catch_prompt_signals(struct sigaction *old)
{
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = prompt_signal;	/* no SA_RESTART: read returns EINTR */
	prompt_signo = 0;
	for (i = 0; i < NPROMPT_SIGNALS; i++)
		sigaction(prompt_signals[i], &sa, &old[i]);
}

/* Put the old actions back; the signal that came meanwhile, or 0. */
static int release_prompt_signals(const struct sigaction *old)
{
	int signo = prompt_signo;
	size_t i;

	for (i = 0; i < NPROMPT_SIGNALS; i++)
		sigaction(prompt_signals[i], &old[i], NULL);
	prompt_signo = 0;
	return signo;
}

/* 1 for a signal that stops the process rather than ending it. */
static int is_stop_signal(int signo)
{
	return signo == SIGTSTP || signo == SIGTTIN || signo == SIGTTOU;
}

/* Ask once on the terminal fd with echo off. The terminal is restored on every
 * way out that podpass can see, a signal included, as OpenSSH's readpassphrase
 * does: a stop signal then stops podpass, and the question is asked again when
 * it goes on; any other ends the prompt with EX_TEMPFAIL and *signo set, to be
 * sent again once every copy of the answers is wiped (secret_prompt). */
static int prompt_once(int tty, const char *question, struct secret *s, int *signo,
    char **cause)
{
	struct sigaction old_actions[NPROMPT_SIGNALS];
	struct termios old, quiet;
	int rc;

	for (;;) {
		if (tcgetattr(tty, &old) != 0) {
			set_cause(cause, "terminal: %s", strerror(errno));
			return EX_IOERR;
		}
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		quiet.c_lflag |= ICANON;
		catch_prompt_signals(old_actions);
		secret_alloc(s);
		/* echo off first: whatever is typed once the question shows is not echoed */
		if (tcsetattr(tty, TCSAFLUSH, &quiet) != 0 ||
		    write(tty, question, strlen(question)) < 0) {
			set_cause(cause, "terminal: %s", strerror(errno));
			rc = EX_IOERR;
		} else
			rc = secret_read_until_eol(tty, s, "terminal", 1, cause);
		while (tcsetattr(tty, TCSAFLUSH, &old) != 0 && errno == EINTR)
			;
		if (write(tty, "\n", 1) < 0)
			log_debug("terminal write failed");
		*signo = release_prompt_signals(old_actions);
		if (*signo == 0)
			break;
		secret_free(s);
		free(*cause);
		*cause = NULL;
		if (!is_stop_signal(*signo)) {
			set_cause(cause, "the password prompt was interrupted; nothing was "
			    "changed");
			return EX_TEMPFAIL;
		}
		kill(getpid(), *signo);	/* stopped here until continued */
	}
	if (rc == 0)
		rc = secret_finish_line(s, "terminal", cause);
	if (rc != 0)
		secret_free(s);
	return rc;
}

/* Ask twice on the terminal and compare. A signal that ended the prompt is
 * sent again after both answers are wiped: podpass then ends as that signal
 * ends it (130 for Ctrl-C), with the terminal as it was and nothing changed. */
int secret_prompt(struct secret *s, char **cause)
{
	struct secret again = { NULL, 0, 0 };
	int tty, rc, signo = 0;

	tty = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (tty < 0) {
		set_cause(cause, "cannot open the terminal: %s", strerror(errno));
		return EX_NOINPUT;
	}
	rc = prompt_once(tty, "New password: ", s, &signo, cause);
	if (rc == 0)
		rc = prompt_once(tty, "Retype new password: ", &again, &signo, cause);
	if (rc == 0 && (again.len != s->len || memcmp(again.buf, s->buf, s->len) != 0)) {
		set_cause(cause, "the two passwords differ; nothing was changed");
		rc = EX_DATAERR;
	}
	secret_free(&again);
	if (rc != 0)
		secret_free(s);
	close(tty);
	if (signo != 0)
		raise(signo);	/* returns only where the signal is ignored or caught */
	return rc;
}

int secret_generate(struct secret *s, size_t n, char **cause)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char byte;
	size_t i = 0;

	secret_alloc(s);
	if (n > SECRET_MAX)
		n = SECRET_MAX;
	while (i < n) {
		if (getrandom(&byte, 1, 0) != 1) {
			if (errno == EINTR)
				continue;
			set_cause(cause, "getrandom: %s", strerror(errno));
			secret_free(s);
			return EX_OSERR;
		}
		if (byte >= 248)	/* 248 = 4 * 62: keep the choice uniform */
			continue;
		s->buf[i++] = alphabet[byte % 62];
	}
	explicit_bzero(&byte, sizeof(byte));
	s->len = n;
	s->buf[n] = '\0';
	return 0;
}

int secret_check_password(const struct secret *s, long min_length, char **cause)
{
	size_t i;

	if ((long)s->len < min_length) {
		set_cause(cause, "the password is too short: at least %ld characters are "
		    "needed (set min_length in podpass.conf to change this)", min_length);
		return EX_DATAERR;
	}
	for (i = 0; i < s->len; i++) {
		if ((unsigned char)s->buf[i] < 0x20 || s->buf[i] == 0x7f) {
			set_cause(cause, "the password holds a control character");
			return EX_DATAERR;
		}
	}
	return 0;
}
