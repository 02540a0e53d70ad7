/* Tests for shadow.c: passwd/group lookup, the shadow line editor, lastchg and the lock. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "check_suites.h"
#include "shadow.h"
#include "util.h"

#define FIXTURES TEST_DATA_DIR "/shadow"
#define NEWHASH "$6$saltsalt$Cb2cFdzqHzhfXGK9LDJBFSw0erBCBypAab../U6Ky4whArPjT0OCN.qCRgScdLxYLiQErHAwk5qRp6RD8VzsQ."

/* Run shadow_set_hash on in (a C string) and assert the result is exactly want. */
static void set_expect(const char *in, const char *user, long lastchg, const char *want)
{
	char *out = NULL, *cause = NULL;
	size_t outlen = 0;
	int rc = shadow_set_hash(in, strlen(in), user, NEWHASH, lastchg, &out, &outlen, &cause);

	ck_assert_msg(rc == 0, "shadow_set_hash(%s) = %d: %s", user, rc, cause ? cause : "");
	ck_assert_uint_eq(outlen, strlen(want));
	ck_assert_msg(memcmp(out, want, outlen) == 0, "got:\n%s\nwant:\n%s", out, want);
	ck_assert_int_eq(out[outlen], '\0');
	free(out);
}

/* Run shadow_set_hash on in and assert it fails with rc and a cause containing want. */
static void set_refuse(const char *in, const char *user, const char *hash, long lastchg,
    int want_rc, const char *want)
{
	char *out = (char *)"unset", *cause = NULL;
	size_t outlen = 99;
	int rc = shadow_set_hash(in, strlen(in), user, hash, lastchg, &out, &outlen, &cause);

	ck_assert_int_eq(rc, want_rc);
	ck_assert_ptr_null(out);
	ck_assert_ptr_nonnull(cause);
	ck_assert_msg(strstr(cause, want) != NULL, "cause '%s' lacks '%s'", cause, want);
	ck_assert_ptr_null(strstr(cause, "$6$"));
	free(cause);
}

START_TEST(test_set_hash_fixture)
{
	size_t len, outlen;
	char *text = test_read(FIXTURES "/shadow", &len), *out = NULL, *cause = NULL;
	const char *old = "root:*:19000:0:99999:7:::\n";
	const char *new = "root:" NEWHASH ":20000:0:99999:7:::\n";

	ck_assert_int_eq(shadow_set_hash(text, len, "root", NEWHASH, 20000, &out, &outlen, &cause), 0);
	ck_assert_uint_eq(outlen, len - strlen(old) + strlen(new));
	ck_assert_int_eq(memcmp(out, new, strlen(new)), 0);
	ck_assert_int_eq(memcmp(out + strlen(new), text + strlen(old), len - strlen(old)), 0);
	free(out);
	free(text);
}
END_TEST

START_TEST(test_set_hash_middle_line)
{
	set_expect("root:*:19000:0:99999:7:::\nubuntu:!:19000:0:99999:7:::\nbob:*:1::::::\n",
	    "ubuntu", 20001,
	    "root:*:19000:0:99999:7:::\nubuntu:" NEWHASH ":20001:0:99999:7:::\nbob:*:1::::::\n");
}
END_TEST

START_TEST(test_set_hash_keeps_other_bytes)
{
	/* Comments, blank lines, junk and other users' malformed lines stay as they are. */
	set_expect("# comment\n\nnot a shadow line\nx:y\r\nroot:!locked:1:2:3:4:5:6:reserved\ntail::::\n",
	    "root", 7,
	    "# comment\n\nnot a shadow line\nx:y\r\nroot:" NEWHASH ":7:2:3:4:5:6:reserved\ntail::::\n");
}
END_TEST

START_TEST(test_set_hash_crlf)
{
	set_expect("root:*:19000:0:99999:7:::\r\nubuntu:*:19000:0:99999:7:::\r\n", "ubuntu", 20000,
	    "root:*:19000:0:99999:7:::\r\nubuntu:" NEWHASH ":20000:0:99999:7:::\r\n");
	set_expect("root:*:19000:0:99999:7:::\r\nubuntu:*:19000:0:99999:7:::\r\n", "root", 20000,
	    "root:" NEWHASH ":20000:0:99999:7:::\r\nubuntu:*:19000:0:99999:7:::\r\n");
}
END_TEST

START_TEST(test_set_hash_no_final_newline)
{
	set_expect("a:*:1::::::\nroot:*:19000:0:99999:7:::", "root", 20000,
	    "a:*:1::::::\nroot:" NEWHASH ":20000:0:99999:7:::");
	set_expect("a:*:1::::::\r\nroot:*:19000:0:99999:7:::\r", "root", 20000,
	    "a:*:1::::::\r\nroot:" NEWHASH ":20000:0:99999:7:::\r");
	set_expect("root:*:19000:0:99999:7:::", "root", 1,
	    "root:" NEWHASH ":1:0:99999:7:::");
}
END_TEST

START_TEST(test_set_hash_replaces_markers)
{
	set_expect("root:!:19000:0:99999:7:::\n", "root", 20000, "root:" NEWHASH ":20000:0:99999:7:::\n");
	set_expect("root:*:19000:0:99999:7:::\n", "root", 20000, "root:" NEWHASH ":20000:0:99999:7:::\n");
	set_expect("root:!$6$x$y:19000:0:99999:7:::\n", "root", 20000, "root:" NEWHASH ":20000:0:99999:7:::\n");
	set_expect("root::0:0:99999:7:::\n", "root", 20000, "root:" NEWHASH ":20000:0:99999:7:::\n");
	set_expect("root:!:::::::\n", "root", 19675, "root:" NEWHASH ":19675::::::\n");
}
END_TEST

START_TEST(test_set_hash_prefix_collision)
{
	const char *in = "root:*:19000:0:99999:7:::\nro:*:19000:0:99999:7:::\nrooter:*:1::::::\n";

	set_expect(in, "ro", 20000,
	    "root:*:19000:0:99999:7:::\nro:" NEWHASH ":20000:0:99999:7:::\nrooter:*:1::::::\n");
	set_expect(in, "root", 20000,
	    "root:" NEWHASH ":20000:0:99999:7:::\nro:*:19000:0:99999:7:::\nrooter:*:1::::::\n");
	set_refuse(in, "roo", NEWHASH, 20000, EX_NOUSER, "roo");
	set_refuse(in, "r", NEWHASH, 20000, EX_NOUSER, "no user");
}
END_TEST

START_TEST(test_set_hash_missing_user)
{
	set_refuse("root:*:19000:0:99999:7:::\n", "ubuntu", NEWHASH, 20000, EX_NOUSER, "ubuntu");
	set_refuse("", "root", NEWHASH, 20000, EX_NOUSER, "root");
	set_refuse("+root:*:1::::::\n", "root", NEWHASH, 20000, EX_NOUSER, "root");
	set_refuse("+nis:*:1::::::\n", "+nis", NEWHASH, 20000, EX_NOUSER, "+nis");
}
END_TEST

START_TEST(test_set_hash_malformed)
{
	set_refuse("a:*:1::::::\nb:*:1::::::\nroot:*:19000:0\nc:*:1::::::\n", "root", NEWHASH, 20000,
	    EX_DATAERR, "line 3");
	set_refuse("root:*:19000:0:99999:7::::extra\n", "root", NEWHASH, 20000, EX_DATAERR, "line 1");
	set_refuse("a:*:1::::::\nroot\n", "root", NEWHASH, 20000, EX_DATAERR, "line 2");
}
END_TEST

START_TEST(test_set_hash_duplicate)
{
	set_refuse("root:*:1::::::\nbob:*:1::::::\nroot:!:2::::::\n", "root", NEWHASH, 20000,
	    EX_DATAERR, "lines 1 and 3");
}
END_TEST

START_TEST(test_set_hash_bad_input)
{
	const char *in = "root:*:19000:0:99999:7:::\n";

	set_refuse(in, "root", "$6$a:b$c", 20000, EX_DATAERR, "':'");
	set_refuse(in, "root", "$6$a\nroot::0::::::", 20000, EX_DATAERR, "line break");
	set_refuse(in, "root", "$6$a\rb", 20000, EX_DATAERR, "line break");
	set_refuse(in, "root", "", 20000, EX_DATAERR, "empty");
	set_refuse(in, "root", NEWHASH, 0, EX_DATAERR, "positive");
	set_refuse(in, "root", NEWHASH, -1, EX_DATAERR, "positive");
	set_refuse(in, "ro:ot", NEWHASH, 1, EX_DATAERR, "':'");
	set_refuse(in, "", NEWHASH, 1, EX_DATAERR, "empty");
}
END_TEST

START_TEST(test_set_hash_then_find)
{
	size_t len, outlen;
	char *text = test_read(FIXTURES "/shadow", &len), *out = NULL, *cause = NULL;
	struct shadow_entry e;
	int lineno = 0;

	ck_assert_int_eq(shadow_set_hash(text, len, "ro", "*", 20123, &out, &outlen, &cause), 0);
	ck_assert_int_eq(shadow_find(out, outlen, "ro", &e, &lineno, &cause), 0);
	ck_assert_str_eq(e.hash, "*");
	ck_assert_int_eq(e.lastchg, 20123);
	ck_assert_int_eq(e.max, 99999);
	ck_assert_int_eq(lineno, 3);
	shadow_entry_free(&e);
	ck_assert_ptr_null(e.hash);
	ck_assert_ptr_null(cause);
	free(out);
	free(text);
}
END_TEST

START_TEST(test_shadow_find)
{
	size_t len;
	char *text = test_read(FIXTURES "/shadow", &len), *cause = NULL;
	struct shadow_entry e;
	int lineno = 0;

	ck_assert_int_eq(shadow_find(text, len, "ubuntu", &e, &lineno, &cause), 0);
	ck_assert_str_eq(e.hash, NEWHASH);
	ck_assert_int_eq(e.lastchg, 19000);
	ck_assert_int_eq(e.min, 0);
	ck_assert_int_eq(e.max, 99999);
	ck_assert_int_eq(e.warn, 7);
	ck_assert_int_eq(e.inactive, -1);
	ck_assert_int_eq(e.expire, -1);
	ck_assert_int_eq(lineno, 4);
	shadow_entry_free(&e);

	ck_assert_int_eq(shadow_find(text, len, "partial", &e, NULL, &cause), 0);
	ck_assert_str_eq(e.hash, "!");
	ck_assert_int_eq(e.lastchg, -1);
	ck_assert_int_eq(e.warn, -1);
	shadow_entry_free(&e);

	ck_assert_int_eq(shadow_find(text, len, "nopass", &e, NULL, &cause), 0);
	ck_assert_str_eq(e.hash, "");
	shadow_entry_free(&e);
	ck_assert_ptr_null(cause);

	ck_assert_int_eq(shadow_find(text, len, "nobody", &e, NULL, &cause), EX_NOUSER);
	free(cause);
	cause = NULL;
	ck_assert_int_eq(shadow_find(text, len, "broken", &e, NULL, &cause), EX_DATAERR);
	ck_assert_ptr_nonnull(strstr(cause, "line 7"));
	free(cause);
	cause = NULL;
	ck_assert_int_eq(shadow_find(text, len, "badnum", &e, NULL, &cause), EX_DATAERR);
	ck_assert_ptr_nonnull(strstr(cause, "line 8"));
	ck_assert_ptr_null(e.hash);
	free(cause);
	free(text);
}
END_TEST

START_TEST(test_passwd_find)
{
	size_t len;
	char *text = test_read(FIXTURES "/passwd", &len), *cause = NULL;
	struct passwd_entry e;

	ck_assert_int_eq(passwd_find(text, len, "root", &e, &cause), 0);
	ck_assert_str_eq(e.name, "root");
	ck_assert_uint_eq(e.uid, 0);
	ck_assert_uint_eq(e.gid, 0);
	ck_assert_str_eq(e.home, "/root");
	ck_assert_str_eq(e.shell, "/bin/bash");
	passwd_entry_free(&e);
	ck_assert_ptr_null(e.name);

	ck_assert_int_eq(passwd_find(text, len, "ro", &e, &cause), 0);
	ck_assert_uint_eq(e.uid, 1001);
	ck_assert_str_eq(e.home, "/home/ro");
	passwd_entry_free(&e);

	/* Past malformed lines of other users; the first of two entries wins, as with getpwnam. */
	ck_assert_int_eq(passwd_find(text, len, "ubuntu", &e, &cause), 0);
	ck_assert_uint_eq(e.uid, 1000);
	ck_assert_uint_eq(e.gid, 1000);
	ck_assert_str_eq(e.shell, "/bin/bash");
	passwd_entry_free(&e);
	ck_assert_ptr_null(cause);
	free(text);
}
END_TEST

/* Assert that passwd_find(user) on the fixture fails with rc and a cause containing want. */
static void passwd_refuse(const char *user, int want_rc, const char *want)
{
	size_t len;
	char *text = test_read(FIXTURES "/passwd", &len), *cause = NULL;
	struct passwd_entry e;

	ck_assert_int_eq(passwd_find(text, len, user, &e, &cause), want_rc);
	ck_assert_ptr_null(e.name);
	ck_assert_ptr_nonnull(cause);
	ck_assert_msg(strstr(cause, want) != NULL, "cause '%s' lacks '%s'", cause, want);
	free(cause);
	free(text);
}

START_TEST(test_passwd_find_errors)
{
	passwd_refuse("nobody", EX_NOUSER, "nobody");
	passwd_refuse("roo", EX_NOUSER, "roo");
	passwd_refuse("+nisuser", EX_NOUSER, "+nisuser");
	passwd_refuse("broken", EX_DATAERR, "line 6");
	passwd_refuse("baduid", EX_DATAERR, "line 8");
	passwd_refuse("negative", EX_DATAERR, "line 9");
	passwd_refuse("biguid", EX_DATAERR, "line 10");
	passwd_refuse("bad name", EX_DATAERR, "whitespace");
}
END_TEST

START_TEST(test_passwd_find_crlf)
{
	const char *text = "daemon:x:1:1::/:/bin/false\r\nroot:x:0:0:root:/root:/bin/sh\r\n";
	struct passwd_entry e;
	char *cause = NULL;

	ck_assert_int_eq(passwd_find(text, strlen(text), "root", &e, &cause), 0);
	ck_assert_str_eq(e.shell, "/bin/sh");
	passwd_entry_free(&e);
	text = "root:x:0:0:root:/root:/bin/sh";
	ck_assert_int_eq(passwd_find(text, strlen(text), "root", &e, &cause), 0);
	ck_assert_str_eq(e.shell, "/bin/sh");
	passwd_entry_free(&e);
	ck_assert_ptr_null(cause);
}
END_TEST

/* Assert that the n names in v are exactly the want list, in order. */
static void names_expect(char **v, size_t n, const char **want, size_t nwant)
{
	size_t i;

	ck_assert_uint_eq(n, nwant);
	for (i = 0; i < nwant; i++)
		ck_assert_str_eq(v[i], want[i]);
	ck_assert_ptr_null(v[n]);
}

START_TEST(test_group_names)
{
	size_t len, n = 99;
	char *text = test_read(FIXTURES "/group", &len);
	const char *ubuntu[] = { "sudo", "adm", "ubuntu" };
	const char *alice[] = { "sudo", "docker" };
	const char *root[] = { "root" };
	char **v;

	v = group_names_for_user(text, len, "ubuntu", 1000, &n, NULL);
	names_expect(v, n, ubuntu, 3);
	strv_free(v, n);
	v = group_names_for_user(text, len, "alice", 5000, &n, NULL);
	names_expect(v, n, alice, 2);
	strv_free(v, n);
	v = group_names_for_user(text, len, "root", 0, &n, NULL);
	names_expect(v, n, root, 1);
	strv_free(v, n);
	v = group_names_for_user(text, len, "ubunt", 4242, &n, NULL);
	names_expect(v, n, NULL, 0);
	strv_free(v, n);
	free(text);
}
END_TEST

START_TEST(test_group_names_edge)
{
	const char *text = "a:x:10:,,\nb:x:11:u\r\nc:x:12:v,u";
	const char *want[] = { "b", "c" };
	size_t n;
	char **v = group_names_for_user(text, strlen(text), "u", 999, &n, NULL);

	names_expect(v, n, want, 2);
	strv_free(v, n);
	v = group_names_for_user("", 0, "u", 0, &n, NULL);
	names_expect(v, n, NULL, 0);
	strv_free(v, n);
}
END_TEST

START_TEST(test_user_name_check)
{
	const char *good[] = { "root", "ubuntu", "user.name", "a-b", "_svc", "x$", "\xc3\xa9t\xc3\xa9" };
	const char *bad[] = { "", "-root", "ro ot", "ro\tot", "ro:ot", "ro\not", "\x01x", "x\x7f" };
	char *cause = NULL, longname[258];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(user_name_check(good[i], &cause) == 0, "refused %s", good[i]);
	ck_assert_ptr_null(cause);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(user_name_check(bad[i], &cause) == EX_DATAERR, "accepted bad name %zu", i);
		ck_assert_ptr_nonnull(cause);
		free(cause);
		cause = NULL;
	}
	ck_assert_int_eq(user_name_check(NULL, &cause), EX_DATAERR);
	free(cause);
	cause = NULL;
	memset(longname, 'a', 256);
	longname[256] = '\0';
	ck_assert_int_eq(user_name_check(longname, &cause), 0);
	longname[256] = 'a';
	longname[257] = '\0';
	ck_assert_int_eq(user_name_check(longname, &cause), EX_DATAERR);
	ck_assert_ptr_nonnull(strstr(cause, "256"));
	free(cause);
}
END_TEST

START_TEST(test_shadow_days)
{
	const char *bad[] = { "abc", "-5", "12x", "", " 1", "+5", "1 ", "99999999999999999999999" };
	char *cause = NULL;
	size_t i;

	ck_assert_int_eq(shadow_days(NULL, 1700000000L, &cause), 19675);
	ck_assert_int_eq(shadow_days(NULL, 0, &cause), 1);
	ck_assert_int_eq(shadow_days(NULL, -86400 * 3, &cause), 1);
	ck_assert_int_eq(shadow_days("0", 1700000000L, &cause), 1);
	ck_assert_int_eq(shadow_days("86400", 1700000000L, &cause), 1);
	ck_assert_int_eq(shadow_days("172800", 0, &cause), 2);
	ck_assert_int_eq(shadow_days("1700000000", 0, &cause), 19675);
	ck_assert_ptr_null(cause);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(shadow_days(bad[i], 1700000000L, &cause) == -1, "accepted '%s'", bad[i]);
		ck_assert_ptr_nonnull(strstr(cause, "SOURCE_DATE_EPOCH"));
		free(cause);
		cause = NULL;
	}
}
END_TEST

/* Wait until process pid sleeps (state S in /proc/PID/stat): in shadow_lock, only
 * its pause between tries does, so it has found the lock taken and is waiting. At
 * most 60 s; fails the test when pid ends first or then. */
static void wait_until_sleeping(pid_t pid)
{
	char *path = xasprintf("/proc/%ld/stat", (long)pid), *data, *end, state = '?';
	int i;

	for (i = 0; i < 60000 && state != 'S'; i++) {
		if (i > 0)
			usleep(1000);
		data = test_read(path, NULL);
		end = strrchr(data, ')');	/* the state follows the name in parentheses */
		state = end != NULL && end[1] == ' ' ? end[2] : '?';
		free(data);
		ck_assert_msg(state != 'Z', "pid %ld ended before it waited for the lock",
		    (long)pid);
	}
	ck_assert_msg(state == 'S', "pid %ld did not wait for the lock within 60 s", (long)pid);
	free(path);
}

/* In a child process, try the lock for timeout_ms; returns shadow_lock's code. */
static int lock_in_child(const char *path, int timeout_ms)
{
	int status, fd;
	char *cause = NULL;
	pid_t pid = fork();

	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		int rc = shadow_lock(path, timeout_ms, &fd, &cause);

		if (rc == EX_TEMPFAIL && (cause == NULL ||
		    strstr(cause, "is locked by another program") == NULL))
			rc = 1;
		free(cause);
		shadow_unlock(fd);
		_exit(rc);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

START_TEST(test_lock)
{
	char *dir = test_tmpdir(), *path = xasprintf("%s/.pwd.lock", dir), *cause = NULL;
	struct stat st;
	int fd = -1;

	ck_assert_int_eq(shadow_lock(path, 1000, &fd, &cause), 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0600);
	ck_assert_int_eq(lock_in_child(path, 200), EX_TEMPFAIL);
	shadow_unlock(fd);
	ck_assert_int_eq(lock_in_child(path, 200), 0);
	ck_assert_ptr_null(cause);
	test_rmtree(dir);
	free(path);
	free(dir);
}
END_TEST

START_TEST(test_lock_waits_for_release)
{
	char *dir = test_tmpdir(), *path = xasprintf("%s/.pwd.lock", dir), *cause = NULL;
	int fd = -1, cfd = -1, status;
	pid_t pid;

	ck_assert_int_eq(shadow_lock(path, 0, &fd, &cause), 0);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		int rc = shadow_lock(path, 600000, &cfd, &cause);

		free(cause);
		shadow_unlock(cfd);
		free(path);	/* the child's copies, so that leak checkers see none */
		free(dir);
		_exit(rc);
	}
	/* Once the child waits between tries, the lock is released: it must become the
	 * child's (its 10 minutes are an upper bound, never reached). */
	wait_until_sleeping(pid);
	shadow_unlock(fd);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	test_rmtree(dir);
	free(path);
	free(dir);
}
END_TEST

START_TEST(test_lock_refuses_odd_paths)
{
	char *dir = test_tmpdir(), *link = xasprintf("%s/link", dir), *cause = NULL;
	char *missing = xasprintf("%s/no/such/dir/.pwd.lock", dir);
	int fd = 12345;

	ck_assert_int_eq(symlink("target", link), 0);
	ck_assert_int_eq(shadow_lock(link, 100, &fd, &cause), EX_CANTCREAT);
	ck_assert_int_eq(fd, -1);
	ck_assert_ptr_nonnull(cause);
	free(cause);
	cause = NULL;
	ck_assert_int_eq(shadow_lock(dir, 100, &fd, &cause), EX_CANTCREAT);
	free(cause);
	cause = NULL;
	ck_assert_int_eq(shadow_lock(missing, 100, &fd, &cause), EX_CANTCREAT);
	free(cause);
	test_rmtree(dir);
	free(link);
	free(missing);
	free(dir);
}
END_TEST

Suite *shadow_suite(void)
{
	Suite *s = suite_create("shadow");
	TCase *tc = tcase_create("set_hash");

	tcase_add_test(tc, test_set_hash_fixture);
	tcase_add_test(tc, test_set_hash_middle_line);
	tcase_add_test(tc, test_set_hash_keeps_other_bytes);
	tcase_add_test(tc, test_set_hash_crlf);
	tcase_add_test(tc, test_set_hash_no_final_newline);
	tcase_add_test(tc, test_set_hash_replaces_markers);
	tcase_add_test(tc, test_set_hash_prefix_collision);
	tcase_add_test(tc, test_set_hash_missing_user);
	tcase_add_test(tc, test_set_hash_malformed);
	tcase_add_test(tc, test_set_hash_duplicate);
	tcase_add_test(tc, test_set_hash_bad_input);
	tcase_add_test(tc, test_set_hash_then_find);
	tcase_add_test(tc, test_shadow_find);
	suite_add_tcase(s, tc);

	tc = tcase_create("lookup");
	tcase_add_test(tc, test_passwd_find);
	tcase_add_test(tc, test_passwd_find_errors);
	tcase_add_test(tc, test_passwd_find_crlf);
	tcase_add_test(tc, test_group_names);
	tcase_add_test(tc, test_group_names_edge);
	tcase_add_test(tc, test_user_name_check);
	tcase_add_test(tc, test_shadow_days);
	suite_add_tcase(s, tc);

	tc = tcase_create("lock");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_lock);
	tcase_add_test(tc, test_lock_waits_for_release);
	tcase_add_test(tc, test_lock_refuses_odd_paths);
	suite_add_tcase(s, tc);
	return s;
}
