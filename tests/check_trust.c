/* Unit tests for trust.c: which paths are root's to decide. The temporary
 * tree lives in /tmp (root's, sticky) and belongs to whoever runs the tests,
 * who is passed as the allowed owner; what only root can set up (links
 * owned by root, a file or directory given away) is checked by tests added
 * only when the tests run as root (tcase_add_root_test: left out and named
 * otherwise). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "check_suites.h"
#include "trust.h"
#include "util.h"

static char *tmp;

static void setup(void)
{
	/* the walk starts at /: a TMPDIR under someone else's tree would be refused */
	unsetenv("TMPDIR");
	tmp = test_tmpdir();
	ck_assert_int_eq(chmod(tmp, 0700), 0);
}

static void teardown(void)
{
	test_rmtree(tmp);
	free(tmp);
	tmp = NULL;
}

/* tmp/rel as a new file with text and mode; malloc'd path. */
static char *file_at(const char *rel, mode_t mode)
{
	char *p = xasprintf("%s/%s", tmp, rel);

	test_write(p, "secret\n", 7);
	ck_assert_int_eq(chmod(p, mode), 0);
	return p;
}

/* trust_path's result for path with the test runner as owner; *cause kept. */
static int check(const char *path, char **cause)
{
	free(*cause);
	*cause = NULL;
	return trust_path(path, geteuid(), NULL, cause);
}

/* Assert cause holds what. */
static void assert_cause(const char *cause, const char *what)
{
	ck_assert_ptr_nonnull(cause);
	ck_assert_msg(strstr(cause, what) != NULL, "'%s' not in '%s'", what, cause);
}

START_TEST(test_plain_file)
{
	char *p = file_at("pw", 0600), *cause = NULL, buf[16];
	int fd = -1;
	ssize_t n;

	ck_assert_int_eq(trust_path(p, geteuid(), &fd, &cause), 0);
	ck_assert_int_ge(fd, 0);
	n = read(fd, buf, sizeof(buf));
	ck_assert_int_eq(n, 7);
	ck_assert_int_eq(memcmp(buf, "secret\n", 7), 0);
	close(fd);
	free(p);
	free(cause);
}
END_TEST

START_TEST(test_writable_refused)
{
	char *p = file_at("pw", 0600), *d, *q, *cause = NULL;

	ck_assert_int_eq(chmod(p, 0620), 0);
	ck_assert_int_eq(check(p, &cause), EX_NOPERM);
	assert_cause(cause, "writable by group or others");
	d = xasprintf("%s/open", tmp);
	ck_assert_int_eq(mkdir(d, 0700), 0);
	ck_assert_int_eq(chmod(d, 0777), 0);	/* no sticky bit */
	q = xasprintf("%s/pw", d);
	test_write(q, "x\n", 2);
	ck_assert_int_eq(chmod(q, 0600), 0);
	ck_assert_int_eq(check(q, &cause), EX_NOPERM);
	assert_cause(cause, "a directory that group or others can write");
	free(p);
	free(q);
	free(d);
	free(cause);
}
END_TEST

START_TEST(test_not_regular)
{
	char *fifo = xasprintf("%s/fifo", tmp), *cause = NULL;

	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	ck_assert_int_eq(check(fifo, &cause), EX_NOINPUT);	/* refused, not waited on */
	assert_cause(cause, "not a regular file");
	ck_assert_int_eq(check(tmp, &cause), EX_NOINPUT);
	assert_cause(cause, "not a regular file");
	ck_assert_int_eq(check("/dev/null", &cause), EX_NOINPUT);
	free(fifo);
	free(cause);
}
END_TEST

START_TEST(test_missing_and_relative)
{
	char *p = xasprintf("%s/no/such/file", tmp), *cause = NULL;

	ck_assert_int_eq(check(p, &cause), EX_NOINPUT);
	assert_cause(cause, p);	/* the path as asked */
	ck_assert_int_eq(check("relative/pw", &cause), EX_USAGE);
	free(p);
	free(cause);
}
END_TEST

/* Give path (the link itself, when it is one) to uid 65534: checked must then be
 * refused, the cause holding what. */
static void assert_given_away_refused(const char *path, const char *checked,
    const char *what)
{
	char *cause = NULL;

	ck_assert_int_eq(lchown(path, 65534, 65534), 0);
	ck_assert_int_eq(check(checked, &cause), EX_NOPERM);
	assert_cause(cause, what);
	free(cause);
}

/* A sticky directory that all can write (as /tmp) passes only when root's. */
START_TEST(test_sticky_dir)
{
	char *d = xasprintf("%s/sticky", tmp), *q = xasprintf("%s/sticky/pw", tmp);
	char *cause = NULL;

	ck_assert_int_eq(mkdir(d, 0700), 0);
	ck_assert_int_eq(chmod(d, 01777), 0);
	test_write(q, "x\n", 2);
	ck_assert_int_eq(chmod(q, 0600), 0);
	ck_assert_int_eq(check(q, &cause), 0);
	ck_assert_ptr_null(cause);
	assert_given_away_refused(d, q, "a directory owned by another user");
	free(d);
	free(q);
	free(cause);
}
END_TEST

START_TEST(test_links)
{
	char *p = file_at("pw", 0600), *link = xasprintf("%s/link", tmp), *cause = NULL;
	char *dir = xasprintf("%s/sub", tmp), *rel = xasprintf("%s/sub/up", tmp);

	ck_assert_int_eq(symlink(p, link), 0);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	ck_assert_int_eq(symlink("../pw", rel), 0);	/* relative, through .. */
	ck_assert_int_eq(check(link, &cause), 0);	/* root's links: followed */
	ck_assert_int_eq(check(rel, &cause), 0);
	assert_given_away_refused(link, link, "a symbolic link owned by another user");
	free(p);
	free(link);
	free(dir);
	free(rel);
	free(cause);
}
END_TEST

START_TEST(test_other_owner)
{
	char *p = file_at("pw", 0600), *cause = NULL;

	ck_assert_int_eq(chown(p, 65534, 65534), 0);
	ck_assert_int_eq(check(p, &cause), EX_NOPERM);
	assert_cause(cause, "owned by another user");
	ck_assert_int_eq(trust_path(p, 65534, NULL, &cause), 0);	/* the allowed owner */
	free(p);
	free(cause);
}
END_TEST

START_TEST(test_link_loop)
{
	char *a = xasprintf("%s/a", tmp), *b = xasprintf("%s/b", tmp), *cause = NULL;

	ck_assert_int_eq(symlink(b, a), 0);
	ck_assert_int_eq(symlink(a, b), 0);
	ck_assert_int_eq(check(a, &cause), EX_NOPERM);
	assert_cause(cause, "too many levels of symbolic links");
	free(a);
	free(b);
	free(cause);
}
END_TEST

Suite *trust_suite(void)
{
	Suite *s = suite_create("trust");
	TCase *tc = tcase_create("walk");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_plain_file);
	tcase_add_test(tc, test_writable_refused);
	tcase_add_test(tc, test_not_regular);
	tcase_add_test(tc, test_missing_and_relative);
	/* only root can give a file away or own a link */
	tcase_add_root_test(tc, test_sticky_dir);
	tcase_add_root_test(tc, test_links);
	tcase_add_root_test(tc, test_other_owner);
	tcase_add_root_test(tc, test_link_loop);
	suite_add_tcase(s, tc);
	return s;
}
