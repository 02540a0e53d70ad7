/* Tests for atomic.c: whole-file reads, symlink resolution under a root,
 * and atomic replacement (content, mode, owner, no temp file left). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "atomic.h"
#include "check_suites.h"
#include "util.h"

static char *tmp;

static void setup(void)
{
	tmp = test_tmpdir();
}

static void teardown(void)
{
	/* Undo chmods that would stop the cleanup. */
	char *p = xasprintf("%s/ro", tmp);

	chmod(p, 0755);
	free(p);
	test_rmtree(tmp);
	free(tmp);
	tmp = NULL;
}

/* A path inside the test's temp dir; malloc'd. */
static char *tpath(const char *name)
{
	return xasprintf("%s/%s", tmp, name);
}

/* Create the directories of a relative path under dir (like mkdir -p). */
static void mkdirs(const char *dir, const char *rel)
{
	char *p = xasprintf("%s/%s", dir, rel), *s;

	for (s = p + strlen(dir) + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		ck_assert_msg(mkdir(p, 0755) == 0 || errno == EEXIST, "mkdir %s", p);
		*s = '/';
	}
	ck_assert_msg(mkdir(p, 0755) == 0 || errno == EEXIST, "mkdir %s", p);
	free(p);
}

/* The names in dir, sorted and joined by spaces; malloc'd. */
static char *list_dir(const char *dir)
{
	struct dirent **names;
	struct buf b = { NULL, 0, 0 };
	int n, i;

	n = scandir(dir, &names, NULL, alphasort);
	ck_assert_msg(n >= 0, "scandir %s", dir);
	for (i = 0; i < n; i++) {
		if (strcmp(names[i]->d_name, ".") != 0 && strcmp(names[i]->d_name, "..") != 0) {
			if (b.len > 0)
				buf_addstr(&b, " ");
			buf_addstr(&b, names[i]->d_name);
		}
		free(names[i]);
	}
	free(names);
	return buf_take(&b, NULL);
}

/* Assert that path holds exactly len bytes of data. */
static void assert_file_is(const char *path, const char *data, size_t len)
{
	size_t got_len;
	char *got = test_read(path, &got_len);

	ck_assert_uint_eq(got_len, len);
	ck_assert_msg(len == 0 || memcmp(got, data, len) == 0, "%s: content differs", path);
	free(got);
}

/* Assert that a and b name the same file (following symlinks). */
static void assert_same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	ck_assert_msg(stat(a, &sa) == 0, "stat %s", a);
	ck_assert_msg(stat(b, &sb) == 0, "stat %s", b);
	ck_assert_msg(sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino,
	    "%s and %s are different files", a, b);
}

START_TEST(test_read_contents)
{
	char *p = tpath("f"), *data = NULL, *cause = NULL;
	size_t len = 99;
	struct stat st;

	test_write(p, "hello\nworld\n", 12);
	ck_assert_int_eq(atomic_read(p, ATOMIC_MAX_FILE, &data, &len, &st, &cause), 0);
	ck_assert_ptr_null(cause);
	ck_assert_uint_eq(len, 12);
	ck_assert_int_eq(memcmp(data, "hello\nworld\n", 12), 0);
	ck_assert_int_eq(data[len], '\0');
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_int_eq((int)st.st_size, 12);
	free(data);
	free(p);
}
END_TEST

START_TEST(test_read_empty)
{
	char *p = tpath("empty"), *data = NULL, *cause = NULL;
	size_t len = 99;

	test_write(p, "", 0);
	ck_assert_int_eq(atomic_read(p, ATOMIC_MAX_FILE, &data, &len, NULL, &cause), 0);
	ck_assert_ptr_null(cause);
	ck_assert_uint_eq(len, 0);
	ck_assert_ptr_nonnull(data);
	free(data);
	free(p);
}
END_TEST

/* atomic_read() of an empty file gives an empty, NUL-terminated string
 * (callers treat it as text: ini_parse_string, the sshd_config parser). */
START_TEST(test_read_empty_terminated)
{
	char *p = tpath("empty"), *data = NULL, *cause = NULL;
	size_t len = 99;

	test_write(p, "", 0);
	ck_assert_int_eq(atomic_read(p, ATOMIC_MAX_FILE, &data, &len, NULL, &cause), 0);
	ck_assert_uint_eq(len, 0);
	ck_assert_ptr_nonnull(data);
	ck_assert_int_eq(data[0], '\0');
	free(data);
	free(p);
}
END_TEST

START_TEST(test_read_large_binary)
{
	/* Bigger than the 64 KiB read chunk, with NUL and high bytes. */
	size_t n = 200000, i, len = 0;
	char *src = xmalloc(n), *p = tpath("big"), *data = NULL, *cause = NULL;

	for (i = 0; i < n; i++)
		src[i] = (char)(i * 7 % 256);
	test_write(p, src, n);
	ck_assert_int_eq(atomic_read(p, ATOMIC_MAX_FILE, &data, &len, NULL, &cause), 0);
	ck_assert_uint_eq(len, n);
	ck_assert_int_eq(memcmp(data, src, n), 0);
	ck_assert_int_eq(data[n], '\0');
	free(data);
	free(src);
	free(p);
}
END_TEST

START_TEST(test_read_missing)
{
	char *p = tpath("nope"), *data = NULL, *cause = NULL;
	size_t len;

	ck_assert_int_eq(atomic_read(p, ATOMIC_MAX_FILE, &data, &len, NULL, &cause),
	    EX_NOINPUT);
	ck_assert_ptr_nonnull(cause);
	ck_assert_ptr_nonnull(strstr(cause, p));
	ck_assert_ptr_null(data);
	free(cause);
	free(p);
}
END_TEST

START_TEST(test_read_directory)
{
	char *data = NULL, *cause = NULL;
	size_t len;

	ck_assert_int_eq(atomic_read(tmp, ATOMIC_MAX_FILE, &data, &len, NULL, &cause),
	    EX_DATAERR);
	ck_assert_ptr_nonnull(cause);
	ck_assert_ptr_nonnull(strstr(cause, "not a regular file"));
	ck_assert_ptr_null(data);
	free(cause);
}
END_TEST

START_TEST(test_read_max)
{
	char buf[101], *p = tpath("f"), *data = NULL, *cause = NULL;
	size_t len = 0;

	memset(buf, 'x', sizeof(buf));
	test_write(p, buf, 100);
	ck_assert_int_eq(atomic_read(p, 100, &data, &len, NULL, &cause), 0);
	ck_assert_uint_eq(len, 100);
	free(data);
	data = NULL;
	test_write(p, buf, 101);
	ck_assert_int_eq(atomic_read(p, 100, &data, &len, NULL, &cause), EX_DATAERR);
	ck_assert_ptr_nonnull(cause);
	ck_assert_ptr_nonnull(strstr(cause, "larger than 100"));
	ck_assert_ptr_null(data);
	free(cause);
	free(p);
}
END_TEST

START_TEST(test_read_nofollow)
{
	char *target = tpath("target"), *link = tpath("link"), *data = NULL, *cause = NULL;
	size_t len = 0;
	struct stat st;

	test_write(target, "abc", 3);
	ck_assert_int_eq(symlink("target", link), 0);
	/* atomic_read follows the link ... */
	ck_assert_int_eq(atomic_read(link, ATOMIC_MAX_FILE, &data, &len, NULL, &cause), 0);
	ck_assert_uint_eq(len, 3);
	ck_assert_str_eq(data, "abc");
	free(data);
	data = NULL;
	/* ... atomic_read_nofollow refuses it ... */
	ck_assert_int_eq(atomic_read_nofollow(link, ATOMIC_MAX_FILE, &data, &len, NULL,
	    &cause), EX_DATAERR);
	ck_assert_ptr_nonnull(cause);
	ck_assert_ptr_nonnull(strstr(cause, "symbolic link"));
	ck_assert_ptr_null(data);
	free(cause);
	cause = NULL;
	/* ... and reads the regular file itself, with its stat. */
	ck_assert_int_eq(atomic_read_nofollow(target, ATOMIC_MAX_FILE, &data, &len, &st,
	    &cause), 0);
	ck_assert_str_eq(data, "abc");
	ck_assert(S_ISREG(st.st_mode));
	free(data);
	free(target);
	free(link);
}
END_TEST

START_TEST(test_read_dangling)
{
	char *link = tpath("dangling"), *data = NULL, *cause = NULL;
	size_t len;

	ck_assert_int_eq(symlink("missing", link), 0);
	ck_assert_int_eq(atomic_read(link, ATOMIC_MAX_FILE, &data, &len, NULL, &cause),
	    EX_NOINPUT);
	ck_assert_ptr_null(data);
	free(cause);
	free(link);
}
END_TEST

/* test_unprivileged: atomic_read of the file path (which it can reach, mode 000):
 * 0 when refused with EX_NOINPUT and nothing read, else a code saying what. */
static int read_unreadable(void *path)
{
	struct stat st;
	char *data = NULL, *cause = NULL;
	size_t len;
	int rc, ok;

	if (stat(path, &st) != 0)
		return 10;	/* cannot reach it: the test would prove nothing */
	rc = atomic_read(path, ATOMIC_MAX_FILE, &data, &len, NULL, &cause);
	ok = data == NULL && cause != NULL;
	free(data);	/* freed, so that leak checkers see none in this child */
	free(cause);
	return rc != EX_NOINPUT ? 11 : ok ? 0 : 12;
}

/* A file its reader may not read (root reads it all the same, so as root the read
 * runs as uid 65534). */
START_TEST(test_read_unreadable)
{
	char *f = tpath("secret");

	ck_assert_int_eq(chmod(tmp, 0755), 0);
	test_write(f, "x", 1);
	ck_assert_int_eq(chmod(f, 0), 0);
	ck_assert_int_eq(test_unprivileged(read_unreadable, f), 0);
	free(f);
}
END_TEST

/* Replace path (which exists) with data, asserting success. */
static void replace_ok(const char *path, const char *data, size_t len)
{
	struct stat st;
	char *cause = NULL;

	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(atomic_replace(path, data, len, &st, &cause), 0);
	ck_assert_ptr_null(cause);
}

START_TEST(test_replace_keeps_mode)
{
	static const mode_t modes[] = { 0640, 0600, 0755, 0444 };
	char *p = tpath("conf"), *names;
	struct stat before, after;
	size_t i;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		test_write(p, "old\n", 4);
		ck_assert_int_eq(chmod(p, modes[i]), 0);
		ck_assert_int_eq(stat(p, &before), 0);
		replace_ok(p, "new content\n", 12);
		ck_assert_int_eq(stat(p, &after), 0);
		ck_assert_uint_eq(after.st_mode & 07777, modes[i]);
		ck_assert_uint_eq(after.st_uid, before.st_uid);
		ck_assert_uint_eq(after.st_gid, before.st_gid);
		/* A new inode: the file was renamed over, not rewritten in place. */
		ck_assert_uint_ne(after.st_ino, before.st_ino);
		assert_file_is(p, "new content\n", 12);
		chmod(p, 0644);
	}
	names = list_dir(tmp);
	ck_assert_str_eq(names, "conf");
	free(names);
	free(p);
}
END_TEST

START_TEST(test_replace_keeps_owner)
{
	char *p = tpath("conf");
	struct stat st;

	test_write(p, "old\n", 4);
	/* Root writes the temp file as root: the owner must be copied. */
	ck_assert_int_eq(chown(p, 65534, 65534), 0);
	replace_ok(p, "new\n", 4);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_uint_eq(st.st_uid, 65534);
	ck_assert_uint_eq(st.st_gid, 65534);
	assert_file_is(p, "new\n", 4);
	free(p);
}
END_TEST

START_TEST(test_replace_content_exact)
{
	char bin[300], *p = tpath("f"), *names;
	size_t i;

	for (i = 0; i < sizeof(bin); i++)
		bin[i] = (char)(255 - i % 256);
	bin[10] = '\0';
	test_write(p, "something longer than what replaces it\n", 39);
	replace_ok(p, "", 0);
	assert_file_is(p, "", 0);
	replace_ok(p, bin, sizeof(bin));
	assert_file_is(p, bin, sizeof(bin));
	replace_ok(p, "a", 1);
	assert_file_is(p, "a", 1);
	replace_ok(p, "crlf\r\nno final newline", 22);
	assert_file_is(p, "crlf\r\nno final newline", 22);
	names = list_dir(tmp);
	ck_assert_str_eq(names, "f");
	free(names);
	free(p);
}
END_TEST

/* test_unprivileged: atomic_replace of path (which it can reach) in a directory it
 * may not write: 0 when refused with EX_CANTCREAT, else a code saying what. */
static int replace_cannot_create(void *path)
{
	struct stat st;
	char *cause = NULL;
	int rc, told;

	if (stat(path, &st) != 0)
		return 10;	/* cannot reach it: the test would prove nothing */
	rc = atomic_replace(path, "new\n", 4, &st, &cause);
	told = cause != NULL;
	free(cause);	/* freed, so that leak checkers see none in this child */
	return rc != EX_CANTCREAT ? 11 : told ? 0 : 12;
}

START_TEST(test_replace_cannot_create)
{
	char *dir = tpath("ro"), *p = tpath("ro/conf"), *names, *cause = NULL;
	struct stat st;

	ck_assert_int_eq(chmod(tmp, 0755), 0);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	test_write(p, "original\n", 9);
	ck_assert_int_eq(stat(p, &st), 0);
	/* A directory its writer may not write (root may write anywhere, so as root
	 * the replace runs as uid 65534). */
	ck_assert_int_eq(chmod(dir, 0555), 0);
	ck_assert_int_eq(test_unprivileged(replace_cannot_create, p), 0);
	ck_assert_int_eq(chmod(dir, 0755), 0);
	/* A directory that does not exist. */
	{
		char *gone = tpath("no/such/dir/conf");

		ck_assert_int_eq(atomic_replace(gone, "new\n", 4, &st, &cause), EX_CANTCREAT);
		ck_assert_ptr_nonnull(cause);
		free(cause);
		cause = NULL;
		ck_assert_int_eq(access(gone, F_OK), -1);
		free(gone);
	}
	assert_file_is(p, "original\n", 9);
	names = list_dir(dir);
	ck_assert_str_eq(names, "conf");
	free(names);
	free(dir);
	free(p);
}
END_TEST

START_TEST(test_replace_over_directory)
{
	/* The rename fails (EISDIR), as root too: the temp file must go. */
	char *dir = tpath("d"), *f = tpath("f"), *names, *cause = NULL;
	struct stat st, after;

	ck_assert_int_eq(mkdir(dir, 0755), 0);
	test_write(f, "x", 1);
	ck_assert_int_eq(stat(f, &st), 0);
	ck_assert_int_eq(atomic_replace(dir, "new\n", 4, &st, &cause), EX_CANTCREAT);
	ck_assert_ptr_nonnull(cause);
	free(cause);
	ck_assert_int_eq(lstat(dir, &after), 0);
	ck_assert(S_ISDIR(after.st_mode));
	names = list_dir(tmp);
	ck_assert_str_eq(names, "d f");
	free(names);
	free(dir);
	free(f);
}
END_TEST

START_TEST(test_resolve_plain)
{
	char *f = tpath("etc/ssh/sshd_config"), *missing = tpath("etc/ssh/none");
	char *r, *cause = NULL;

	mkdirs(tmp, "etc/ssh");
	test_write(f, "x", 1);
	r = atomic_resolve(tmp, f, &cause);
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(r, f);
	free(r);
	/* The final file need not exist. */
	r = atomic_resolve(tmp, missing, &cause);
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(r, missing);
	ck_assert_ptr_null(cause);
	free(r);
	free(f);
	free(missing);
}
END_TEST

/* Resolve path under tmp, assert the result is not a symlink and is the same
 * file as want. */
static void assert_resolves_to(const char *path, const char *want)
{
	char *r, *cause = NULL;
	struct stat st;

	r = atomic_resolve(tmp, path, &cause);
	ck_assert_msg(r != NULL, "resolve %s: %s", path, cause ? cause : "?");
	ck_assert_int_eq(lstat(r, &st), 0);
	ck_assert_msg(!S_ISLNK(st.st_mode), "%s is still a symlink", r);
	assert_same_file(r, want);
	free(r);
}

START_TEST(test_resolve_relative)
{
	char *link = tpath("etc/ssh/sshd_config"), *real = tpath("etc/ssh/sshd_config.real");
	char *link2 = tpath("etc/ssh/other"), *real2 = tpath("etc/sshd/real");

	mkdirs(tmp, "etc/ssh");
	mkdirs(tmp, "etc/sshd");
	test_write(real, "a", 1);
	test_write(real2, "b", 1);
	ck_assert_int_eq(symlink("sshd_config.real", link), 0);
	ck_assert_int_eq(symlink("../sshd/real", link2), 0);
	assert_resolves_to(link, real);
	assert_resolves_to(link2, real2);
	free(link);
	free(real);
	free(link2);
	free(real2);
}
END_TEST

START_TEST(test_resolve_absolute_under_root)
{
	char *link = tpath("etc/ssh/sshd_config"), *real = tpath("data/sshd_config");
	char *link2 = tpath("etc/hostlink"), *want2 = tpath("etc/hostname");
	char *r, *cause = NULL;

	mkdirs(tmp, "etc/ssh");
	mkdirs(tmp, "data");
	test_write(real, "a", 1);
	ck_assert_int_eq(symlink("/data/sshd_config", link), 0);
	assert_resolves_to(link, real);
	r = atomic_resolve(tmp, link, &cause);
	ck_assert_ptr_nonnull(r);
	ck_assert_msg(strncmp(r, tmp, strlen(tmp)) == 0, "%s is not under %s", r, tmp);
	free(r);
	/* /etc/hostname exists on the host, not in the root: the link means the
	 * root's file, which need not exist. */
	ck_assert_int_eq(symlink("/etc/hostname", link2), 0);
	r = atomic_resolve(tmp, link2, &cause);
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(r, want2);
	free(r);
	free(link);
	free(real);
	free(link2);
	free(want2);
}
END_TEST

START_TEST(test_resolve_chain)
{
	char *a = tpath("etc/a"), *b = tpath("etc/b"), *c = tpath("c"), *d = tpath("final");

	mkdirs(tmp, "etc");
	test_write(d, "end", 3);
	ck_assert_int_eq(symlink("b", a), 0);		/* relative */
	ck_assert_int_eq(symlink("/c", b), 0);		/* absolute, under root */
	ck_assert_int_eq(symlink("final", c), 0);	/* relative again */
	assert_resolves_to(a, d);
	free(a);
	free(b);
	free(c);
	free(d);
}
END_TEST

START_TEST(test_resolve_dangling)
{
	char *link = tpath("link"), *want = tpath("not-yet"), *r, *cause = NULL;

	ck_assert_int_eq(symlink("/not-yet", link), 0);
	r = atomic_resolve(tmp, link, &cause);
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(r, want);
	free(r);
	free(link);
	free(want);
}
END_TEST

START_TEST(test_resolve_loop)
{
	char *a = tpath("a"), *b = tpath("b"), *self = tpath("self"), *r, *cause = NULL;

	ck_assert_int_eq(symlink("b", a), 0);
	ck_assert_int_eq(symlink("/a", b), 0);
	ck_assert_int_eq(symlink("self", self), 0);
	r = atomic_resolve(tmp, a, &cause);
	ck_assert_ptr_null(r);
	ck_assert_ptr_nonnull(cause);
	ck_assert_ptr_nonnull(strstr(cause, "too many levels"));
	free(cause);
	cause = NULL;
	r = atomic_resolve(tmp, self, &cause);
	ck_assert_ptr_null(r);
	ck_assert_ptr_nonnull(cause);
	free(cause);
	free(a);
	free(b);
	free(self);
}
END_TEST

START_TEST(test_replace_through_link)
{
	char *link = tpath("etc/ssh/sshd_config"), *real = tpath("data/sshd_config");
	char *r, *cause = NULL, *names, *dir;
	struct stat st;

	mkdirs(tmp, "etc/ssh");
	mkdirs(tmp, "data");
	test_write(real, "old\n", 4);
	ck_assert_int_eq(chmod(real, 0640), 0);
	ck_assert_int_eq(symlink("/data/sshd_config", link), 0);
	r = atomic_resolve(tmp, link, &cause);
	ck_assert_ptr_nonnull(r);
	replace_ok(r, "Port 22\n", 8);
	ck_assert_int_eq(lstat(link, &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
	assert_file_is(real, "Port 22\n", 8);
	ck_assert_int_eq(stat(real, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0640);
	free(r);
	/* No temp file beside the target, and the link's directory unchanged. */
	dir = xasprintf("%s/data", tmp);
	names = list_dir(dir);
	ck_assert_str_eq(names, "sshd_config");
	free(names);
	free(dir);
	dir = xasprintf("%s/etc/ssh", tmp);
	names = list_dir(dir);
	ck_assert_str_eq(names, "sshd_config");
	free(names);
	free(dir);
	free(link);
	free(real);
}
END_TEST

/* A symlinked directory on the way to the file is resolved under root too:
 * R/etc/ssh -> /ABS gives R/ABS/sshd_config, never the host's /ABS. */
START_TEST(test_resolve_dir_link_stays_under_root)
{
	char *outside = tpath("outside"), *hostfile = tpath("outside/sshd_config");
	char *root = tpath("root"), *path, *r, *cause = NULL;
	struct stat sr, sh;

	mkdirs(tmp, "outside");
	mkdirs(tmp, "root/etc");
	test_write(hostfile, "host\n", 5);
	path = xasprintf("%s/etc/ssh", root);
	ck_assert_int_eq(symlink(outside, path), 0);	/* absolute target */
	free(path);
	path = xasprintf("%s/etc/ssh/sshd_config", root);
	r = atomic_resolve(root, path, &cause);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(stat(hostfile, &sh), 0);
	ck_assert_msg(stat(r, &sr) != 0 || sr.st_ino != sh.st_ino,
	    "%s resolves to a file outside the root", path);
	free(r);
	free(path);
	free(root);
	free(outside);
	free(hostfile);
}
END_TEST

/* ".." in a link target stops at root, as the kernel stops it at "/". */
START_TEST(test_resolve_dotdot_stays_under_root)
{
	char *hostfile = tpath("outside/x"), *root = tpath("root"), *path, *r, *cause = NULL;
	struct stat sr, sh;

	mkdirs(tmp, "outside");
	mkdirs(tmp, "root/etc/ssh");
	test_write(hostfile, "host\n", 5);
	path = xasprintf("%s/etc/ssh/sshd_config", root);
	ck_assert_int_eq(symlink("../../../outside/x", path), 0);
	r = atomic_resolve(root, path, &cause);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(stat(hostfile, &sh), 0);
	ck_assert_msg(stat(r, &sr) != 0 || sr.st_ino != sh.st_ino,
	    "%s resolves to a file outside the root", path);
	free(r);
	free(path);
	free(root);
	free(hostfile);
}
END_TEST

Suite *atomic_suite(void)
{
	Suite *s = suite_create("atomic");
	TCase *tc = tcase_create("read");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_read_contents);
	tcase_add_test(tc, test_read_empty);
	tcase_add_test(tc, test_read_large_binary);
	tcase_add_test(tc, test_read_missing);
	tcase_add_test(tc, test_read_directory);
	tcase_add_test(tc, test_read_max);
	tcase_add_test(tc, test_read_nofollow);
	tcase_add_test(tc, test_read_dangling);
	tcase_add_test(tc, test_read_unreadable);
	tcase_add_test(tc, test_read_empty_terminated);
	suite_add_tcase(s, tc);

	tc = tcase_create("replace");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_replace_keeps_mode);
	tcase_add_root_test(tc, test_replace_keeps_owner);
	tcase_add_test(tc, test_replace_content_exact);
	tcase_add_test(tc, test_replace_cannot_create);
	tcase_add_test(tc, test_replace_over_directory);
	tcase_add_test(tc, test_replace_through_link);
	suite_add_tcase(s, tc);

	tc = tcase_create("resolve");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_resolve_plain);
	tcase_add_test(tc, test_resolve_relative);
	tcase_add_test(tc, test_resolve_absolute_under_root);
	tcase_add_test(tc, test_resolve_chain);
	tcase_add_test(tc, test_resolve_dangling);
	tcase_add_test(tc, test_resolve_loop);
	tcase_add_test(tc, test_resolve_dir_link_stays_under_root);
	tcase_add_test(tc, test_resolve_dotdot_stays_under_root);
	suite_add_tcase(s, tc);
	return s;
}
