/* Tests for secret.c: reading one line from a pipe, a file or the
 * environment, generating, checking and wiping a password. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "check_suites.h"
#include "secret.h"
#include "util.h"

#define TEST_ENV "PODPASS_CHECK_SECRET"

static char *tmp;
static char *saved_password;

static void setup(void)
{
	const char *v = getenv(SECRET_ENV);

	tmp = test_tmpdir();
	saved_password = v != NULL ? xstrdup(v) : NULL;
	unsetenv(SECRET_ENV);
	unsetenv(TEST_ENV);
}

static void teardown(void)
{
	unsetenv(TEST_ENV);
	if (saved_password != NULL)
		setenv(SECRET_ENV, saved_password, 1);
	else
		unsetenv(SECRET_ENV);
	strfreezero(saved_password);
	saved_password = NULL;
	test_rmtree(tmp);
	free(tmp);
	tmp = NULL;
}

/* Feed len bytes of data through a pipe to secret_read_fd; *rest gets what
 * is left in the pipe afterwards (malloc'd) when not NULL. */
static int read_pipe(const char *data, size_t len, struct secret *s, char **cause,
    char **rest)
{
	int fds[2], rc;
	char buf[64];
	ssize_t n;

	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_eq(write(fds[1], data, len), (ssize_t)len);
	close(fds[1]);
	rc = secret_read_fd(fds[0], s, cause);
	if (rest != NULL) {
		n = read(fds[0], buf, sizeof(buf) - 1);
		ck_assert_int_ge(n, 0);
		buf[n] = '\0';
		*rest = xstrdup(buf);
	}
	close(fds[0]);
	return rc;
}

/* Write a password file (mode 0600) and read it with secret_read_file. */
static int read_file(const char *data, size_t len, struct secret *s, char **cause)
{
	char *p = xasprintf("%s/pw", tmp);
	int rc;

	test_write(p, data, len);
	ck_assert_int_eq(chmod(p, 0600), 0);
	rc = secret_read_file(p, geteuid(), s, cause);
	free(p);
	return rc;
}

/* Assert that s holds exactly want. */
static void assert_secret(const struct secret *s, const char *want)
{
	ck_assert_ptr_nonnull(s->buf);
	ck_assert_uint_eq(s->len, strlen(want));
	ck_assert_str_eq(s->buf, want);
}

/* Assert that rc is want, a cause was given and no buffer is left. */
static void assert_refused(int rc, int want, const struct secret *s, char **cause)
{
	ck_assert_int_eq(rc, want);
	ck_assert_ptr_nonnull(*cause);
	ck_assert_ptr_null(s->buf);
	free(*cause);
	*cause = NULL;
}

START_TEST(test_fd_line_endings)
{
	struct secret s = { NULL, 0, 0 };
	char *cause = NULL;

	ck_assert_int_eq(read_pipe("pw\n", 3, &s, &cause, NULL), 0);
	assert_secret(&s, "pw");
	secret_free(&s);
	ck_assert_int_eq(read_pipe("pw\r\n", 4, &s, &cause, NULL), 0);
	assert_secret(&s, "pw");
	secret_free(&s);
	ck_assert_int_eq(read_pipe("pw", 2, &s, &cause, NULL), 0);
	assert_secret(&s, "pw");
	secret_free(&s);
	/* Inner spaces and a leading space are part of the password. */
	ck_assert_int_eq(read_pipe(" p w \n", 6, &s, &cause, NULL), 0);
	assert_secret(&s, " p w ");
	secret_free(&s);
	ck_assert_ptr_null(cause);
}
END_TEST

START_TEST(test_fd_empty)
{
	struct secret s = { NULL, 0, 0 };
	char *cause = NULL;

	assert_refused(read_pipe("", 0, &s, &cause, NULL), EX_NOINPUT, &s, &cause);
	assert_refused(read_pipe("\n", 1, &s, &cause, NULL), EX_NOINPUT, &s, &cause);
	assert_refused(read_pipe("\r\n", 2, &s, &cause, NULL), EX_NOINPUT, &s, &cause);
}
END_TEST

START_TEST(test_fd_nul)
{
	struct secret s = { NULL, 0, 0 };
	char *cause = NULL;

	assert_refused(read_pipe("p\0w\n", 4, &s, &cause, NULL), EX_DATAERR, &s, &cause);
	assert_refused(read_pipe("pw\0", 3, &s, &cause, NULL), EX_DATAERR, &s, &cause);
}
END_TEST

START_TEST(test_fd_max)
{
	struct secret s = { NULL, 0, 0 };
	char *data = xmalloc(SECRET_MAX + 2), *cause = NULL;

	memset(data, 'a', SECRET_MAX + 1);
	ck_assert_int_eq(read_pipe(data, SECRET_MAX, &s, &cause, NULL), 0);
	ck_assert_uint_eq(s.len, SECRET_MAX);
	ck_assert_uint_eq(strlen(s.buf), SECRET_MAX);
	secret_free(&s);
	data[SECRET_MAX] = '\n';
	ck_assert_int_eq(read_pipe(data, SECRET_MAX + 1, &s, &cause, NULL), 0);
	ck_assert_uint_eq(s.len, SECRET_MAX);
	secret_free(&s);
	data[SECRET_MAX] = 'a';
	assert_refused(read_pipe(data, SECRET_MAX + 1, &s, &cause, NULL), EX_DATAERR,
	    &s, &cause);
	free(data);
}
END_TEST

START_TEST(test_fd_first_line_only)
{
	/* From a pipe it reads to the end: a second line is refused, not
	 * ignored (a hash or password followed by more is a mistake). */
	struct secret s = { NULL, 0, 0 };
	char *cause = NULL, *rest = NULL;

	ck_assert_int_eq(read_pipe("a\nb", 3, &s, &cause, &rest), EX_DATAERR);
	ck_assert_ptr_nonnull(strstr(cause, "more than one line"));
	ck_assert_ptr_null(s.buf);
	free(cause);
	cause = NULL;
	free(rest);
	ck_assert_int_eq(read_pipe("first\r\nsecond\n", 14, &s, &cause, &rest), EX_DATAERR);
	free(cause);
	free(rest);
}
END_TEST

START_TEST(test_file_one_line)
{
	struct secret s = { NULL, 0, 0 };
	char *cause = NULL;

	ck_assert_int_eq(read_file("hunter2hunter2\n", 15, &s, &cause), 0);
	assert_secret(&s, "hunter2hunter2");
	secret_free(&s);
	ck_assert_int_eq(read_file("no newline", 10, &s, &cause), 0);
	assert_secret(&s, "no newline");
	secret_free(&s);
	ck_assert_int_eq(read_file("crlf\r\n", 6, &s, &cause), 0);
	assert_secret(&s, "crlf");
	secret_free(&s);
	ck_assert_ptr_null(cause);
}
END_TEST

START_TEST(test_file_refused)
{
	struct secret s = { NULL, 0, 0 };
	char *cause = NULL, *missing = xasprintf("%s/missing", tmp);

	assert_refused(read_file("one\ntwo\n", 8, &s, &cause), EX_DATAERR, &s, &cause);
	assert_refused(read_file("one\ntwo", 7, &s, &cause), EX_DATAERR, &s, &cause);
	assert_refused(read_file("one\n\n", 5, &s, &cause), EX_DATAERR, &s, &cause);
	assert_refused(read_file("one\rtwo", 7, &s, &cause), EX_DATAERR, &s, &cause);
	assert_refused(read_file("o\0ne\n", 5, &s, &cause), EX_DATAERR, &s, &cause);
	assert_refused(read_file("", 0, &s, &cause), EX_NOINPUT, &s, &cause);
	assert_refused(read_file("\n", 1, &s, &cause), EX_NOINPUT, &s, &cause);
	ck_assert_int_eq(secret_read_file(missing, geteuid(), &s, &cause), EX_NOINPUT);
	ck_assert_ptr_nonnull(cause);
	ck_assert_ptr_nonnull(strstr(cause, missing));
	free(cause);
	cause = NULL;
	ck_assert_int_eq(secret_read_file(tmp, geteuid(), &s, &cause), EX_NOINPUT);
	ck_assert_ptr_nonnull(cause);
	free(cause);
	free(missing);
}
END_TEST

START_TEST(test_file_max)
{
	struct secret s = { NULL, 0, 0 };
	char *data = xmalloc(SECRET_MAX + 2), *cause = NULL;

	memset(data, 'a', SECRET_MAX + 1);
	ck_assert_int_eq(read_file(data, SECRET_MAX, &s, &cause), 0);
	ck_assert_uint_eq(s.len, SECRET_MAX);
	secret_free(&s);
	assert_refused(read_file(data, SECRET_MAX + 1, &s, &cause), EX_DATAERR, &s, &cause);
	free(data);
}
END_TEST

/* The SECRET_MAX limit counts the password, not its line ending. */
START_TEST(test_file_max_with_newline)
{
	struct secret s = { NULL, 0, 0 };
	char *data = xmalloc(SECRET_MAX + 1), *cause = NULL;

	memset(data, 'a', SECRET_MAX);
	data[SECRET_MAX] = '\n';
	ck_assert_int_eq(read_file(data, SECRET_MAX + 1, &s, &cause), 0);
	ck_assert_uint_eq(s.len, SECRET_MAX);
	secret_free(&s);
	free(data);
}
END_TEST

START_TEST(test_env_taken)
{
	/* putenv with our own buffer, to see that the value is wiped in place. */
	static char var[] = TEST_ENV "=s3cret-value";
	size_t off = strlen(TEST_ENV "="), i;
	struct secret s = { NULL, 0, 0 };
	char *cause = NULL;

	ck_assert_int_eq(putenv(var), 0);
	ck_assert_int_eq(secret_take_env(TEST_ENV, &s, &cause), 0);
	assert_secret(&s, "s3cret-value");
	ck_assert_ptr_null(getenv(TEST_ENV));
	for (i = off; i < sizeof(var) - 1; i++)
		ck_assert_msg(var[i] == '\0', "byte %zu of the value not wiped", i - off);
	secret_free(&s);

	/* With setenv, and the real name. */
	ck_assert_int_eq(setenv(SECRET_ENV, "another one", 1), 0);
	ck_assert_int_eq(secret_take_env(SECRET_ENV, &s, &cause), 0);
	assert_secret(&s, "another one");
	ck_assert_ptr_null(getenv(SECRET_ENV));
	secret_free(&s);
	ck_assert_ptr_null(cause);
}
END_TEST

START_TEST(test_env_unset_or_empty)
{
	struct secret s = { (char *)"junk", 3, 3 };
	char *cause = NULL;

	ck_assert_int_eq(secret_take_env(TEST_ENV, &s, &cause), 0);
	ck_assert_ptr_null(s.buf);
	ck_assert_ptr_null(cause);
	ck_assert_int_eq(setenv(TEST_ENV, "", 1), 0);
	ck_assert_int_eq(secret_take_env(TEST_ENV, &s, &cause), EX_NOINPUT);
	ck_assert_ptr_null(s.buf);
	ck_assert_ptr_nonnull(cause);
	ck_assert_ptr_null(getenv(TEST_ENV));
	free(cause);
}
END_TEST

START_TEST(test_env_too_long)
{
	struct secret s = { NULL, 0, 0 };
	char *big = xmalloc(SECRET_MAX + 2), *cause = NULL;

	memset(big, 'x', SECRET_MAX + 1);
	big[SECRET_MAX + 1] = '\0';
	ck_assert_int_eq(setenv(SECRET_ENV, big, 1), 0);
	ck_assert_int_eq(secret_take_env(SECRET_ENV, &s, &cause), EX_DATAERR);
	ck_assert_ptr_nonnull(cause);
	ck_assert_ptr_null(s.buf);
	ck_assert_ptr_null(getenv(SECRET_ENV));
	free(cause);
	cause = NULL;
	big[SECRET_MAX] = '\0';
	ck_assert_int_eq(setenv(SECRET_ENV, big, 1), 0);
	ck_assert_int_eq(secret_take_env(SECRET_ENV, &s, &cause), 0);
	ck_assert_uint_eq(s.len, SECRET_MAX);
	secret_free(&s);
	free(big);
}
END_TEST

/* A too-long value wipes the variable it came from, and no other. */
START_TEST(test_env_too_long_other_name)
{
	struct secret s = { NULL, 0, 0 };
	char *big = xmalloc(SECRET_MAX + 2), *cause = NULL;

	memset(big, 'x', SECRET_MAX + 1);
	big[SECRET_MAX + 1] = '\0';
	ck_assert_int_eq(setenv(TEST_ENV, big, 1), 0);
	ck_assert_int_eq(setenv(SECRET_ENV, "unrelated", 1), 0);
	ck_assert_int_eq(secret_take_env(TEST_ENV, &s, &cause), EX_DATAERR);
	ck_assert_ptr_null(getenv(TEST_ENV));
	ck_assert_ptr_nonnull(getenv(SECRET_ENV));
	ck_assert_str_eq(getenv(SECRET_ENV), "unrelated");
	free(cause);
	free(big);
}
END_TEST

/* 1 when every byte of s is in [A-Za-z0-9]. */
static int all_alnum(const char *s)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

	return strspn(s, alphabet) == strlen(s);
}

START_TEST(test_generate)
{
	struct secret a = { NULL, 0, 0 }, b = { NULL, 0, 0 };
	char *cause = NULL;

	ck_assert_int_eq(secret_generate(&a, SECRET_GENERATED_LEN, &cause), 0);
	ck_assert_int_eq(secret_generate(&b, SECRET_GENERATED_LEN, &cause), 0);
	ck_assert_uint_eq(a.len, SECRET_GENERATED_LEN);
	ck_assert_uint_eq(strlen(a.buf), SECRET_GENERATED_LEN);
	ck_assert_uint_eq(b.len, SECRET_GENERATED_LEN);
	ck_assert(all_alnum(a.buf));
	ck_assert(all_alnum(b.buf));
	ck_assert_str_ne(a.buf, b.buf);
	/* A generated password passes the default checks. */
	ck_assert_int_eq(secret_check_password(&a, 8, &cause), 0);
	secret_free(&a);
	secret_free(&b);
	ck_assert_int_eq(secret_generate(&a, 1, &cause), 0);
	ck_assert_uint_eq(a.len, 1);
	ck_assert_uint_eq(strlen(a.buf), 1);
	secret_free(&a);
	ck_assert_ptr_null(cause);
}
END_TEST

START_TEST(test_generate_alphabet)
{
	/* Over 4096 characters every class of the alphabet shows up, and
	 * nothing else does. */
	struct secret s = { NULL, 0, 0 };
	char *cause = NULL;
	int upper = 0, lower = 0, digit = 0;
	size_t i;

	ck_assert_int_eq(secret_generate(&s, SECRET_MAX, &cause), 0);
	ck_assert_uint_eq(s.len, SECRET_MAX);
	ck_assert(all_alnum(s.buf));
	for (i = 0; i < s.len; i++) {
		upper += s.buf[i] >= 'A' && s.buf[i] <= 'Z';
		lower += s.buf[i] >= 'a' && s.buf[i] <= 'z';
		digit += s.buf[i] >= '0' && s.buf[i] <= '9';
	}
	ck_assert_int_gt(upper, 0);
	ck_assert_int_gt(lower, 0);
	ck_assert_int_gt(digit, 0);
	secret_free(&s);
	/* More than SECRET_MAX is clamped. */
	ck_assert_int_eq(secret_generate(&s, SECRET_MAX * 2, &cause), 0);
	ck_assert_uint_eq(s.len, SECRET_MAX);
	ck_assert_uint_eq(strlen(s.buf), SECRET_MAX);
	secret_free(&s);
}
END_TEST

/* A secret holding a copy of str (through the pipe reader, so it is a real
 * one). */
static void make_secret(struct secret *s, const char *str)
{
	char *cause = NULL;

	ck_assert_int_eq(read_pipe(str, strlen(str), s, &cause, NULL), 0);
}

START_TEST(test_check_password)
{
	struct secret s = { NULL, 0, 0 };
	char *cause = NULL;

	make_secret(&s, "1234567");
	ck_assert_int_eq(secret_check_password(&s, 8, &cause), EX_DATAERR);
	ck_assert_ptr_nonnull(cause);
	ck_assert_ptr_nonnull(strstr(cause, "8"));
	ck_assert_ptr_nonnull(strstr(cause, "short"));
	free(cause);
	cause = NULL;
	ck_assert_int_eq(secret_check_password(&s, 7, &cause), 0);
	ck_assert_int_eq(secret_check_password(&s, 12, &cause), EX_DATAERR);
	ck_assert_ptr_nonnull(strstr(cause, "12"));
	free(cause);
	cause = NULL;
	secret_free(&s);
	/* Length is in bytes: 4 two-byte characters make 8. */
	make_secret(&s, "\xc3\xa4\xc3\xb6\xc3\xbc\xc3\x9f");
	ck_assert_int_eq(secret_check_password(&s, 8, &cause), 0);
	secret_free(&s);
	ck_assert_ptr_null(cause);
}
END_TEST

START_TEST(test_check_password_control)
{
	static const char *const bad[] = {
		"abc\tdefgh", "abcdefgh\x1b", "\x7f" "abcdefgh", "abc\x01" "defgh",
	};
	struct secret s = { NULL, 0, 0 };
	char *cause = NULL;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		make_secret(&s, bad[i]);
		ck_assert_int_eq(secret_check_password(&s, 8, &cause), EX_DATAERR);
		ck_assert_ptr_nonnull(cause);
		ck_assert_ptr_nonnull(strstr(cause, "control"));
		free(cause);
		cause = NULL;
		secret_free(&s);
	}
	make_secret(&s, "with spaces ~!@#$%^&*()");
	ck_assert_int_eq(secret_check_password(&s, 8, &cause), 0);
	secret_free(&s);
}
END_TEST

START_TEST(test_free)
{
	struct secret s = { NULL, 0, 0 };

	make_secret(&s, "password");
	ck_assert_uint_ne(s.cap, 0);
	secret_free(&s);
	ck_assert_ptr_null(s.buf);
	ck_assert_uint_eq(s.len, 0);
	ck_assert_uint_eq(s.cap, 0);
	/* Twice, and on an empty one, is harmless. */
	secret_free(&s);
	ck_assert_ptr_null(s.buf);
}
END_TEST

START_TEST(test_scrub_env)
{
	static char var[] = SECRET_ENV "=plaintext!";
	size_t off = strlen(SECRET_ENV "="), i;

	ck_assert_int_eq(putenv(var), 0);
	ck_assert_ptr_nonnull(getenv(SECRET_ENV));
	secret_scrub_env();
	ck_assert_ptr_null(getenv(SECRET_ENV));
	for (i = off; i < sizeof(var) - 1; i++)
		ck_assert_msg(var[i] == '\0', "byte %zu of the value not wiped", i - off);
	/* Nothing to scrub is fine, and other variables are left alone. */
	ck_assert_int_eq(setenv(TEST_ENV, "keep", 1), 0);
	secret_scrub_env();
	ck_assert_ptr_null(getenv(SECRET_ENV));
	ck_assert_str_eq(getenv(TEST_ENV), "keep");
}
END_TEST

Suite *secret_suite(void)
{
	Suite *s = suite_create("secret");
	TCase *tc = tcase_create("read");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_fd_line_endings);
	tcase_add_test(tc, test_fd_empty);
	tcase_add_test(tc, test_fd_nul);
	tcase_add_test(tc, test_fd_max);
	tcase_add_test(tc, test_fd_first_line_only);
	tcase_add_test(tc, test_file_one_line);
	tcase_add_test(tc, test_file_refused);
	tcase_add_test(tc, test_file_max);
	tcase_add_test(tc, test_env_taken);
	tcase_add_test(tc, test_env_unset_or_empty);
	tcase_add_test(tc, test_env_too_long);
	tcase_add_test(tc, test_file_max_with_newline);
	tcase_add_test(tc, test_env_too_long_other_name);
	suite_add_tcase(s, tc);

	tc = tcase_create("use");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_generate);
	tcase_add_test(tc, test_generate_alphabet);
	tcase_add_test(tc, test_check_password);
	tcase_add_test(tc, test_check_password_control);
	tcase_add_test(tc, test_free);
	tcase_add_test(tc, test_scrub_env);
	suite_add_tcase(s, tc);
	return s;
}
