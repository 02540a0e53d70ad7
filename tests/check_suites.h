/* The Check suites, one per module; check_main.c runs them all. */
#ifndef PODPASS_CHECK_SUITES_H
#define PODPASS_CHECK_SUITES_H

#include <check.h>
#include <unistd.h>

#include "sshd_config.h"
#include "util.h"

Suite *atomic_suite(void);
Suite *authorized_keys_suite(void);
Suite *change_suite(void);
Suite *crypt_target_suite(void);
Suite *hash_suite(void);
Suite *login_check_suite(void);
Suite *options_suite(void);
Suite *secret_suite(void);
Suite *shadow_suite(void);
Suite *sshd_config_suite(void);
Suite *sshd_probe_suite(void);
Suite *trust_suite(void);

/* Helpers shared by the suites (check_main.c). */
/* A new empty temporary directory; malloc'd path. */
char *test_tmpdir(void);
/* Remove a directory tree made by test_tmpdir. */
void test_rmtree(const char *dir);
/* Read a whole file; malloc'd, NUL-terminated, *len bytes. Fails the test when unreadable. */
char *test_read(const char *path, size_t *len);
/* Write a whole file (mode 0644). Fails the test on error. */
void test_write(const char *path, const char *data, size_t len);

/* Add a test only when can (what it needs is there): else it is left out, and
 * check_podpass names it and why on stdout and exits 77 (skipped) unless a test
 * failed. Never a weaker check in its place. */
#define tcase_add_test_if(tc, tf, can, why) \
	do { \
		if (can) \
			tcase_add_test((tc), (tf)); \
		else \
			test_left_out(#tf, (why)); \
	} while (0)
/* A test that can check its point only as root. */
#define tcase_add_root_test(tc, tf) tcase_add_test_if((tc), tf, geteuid() == 0, "not root")
/* Note a test left out (tcase_add_test_if) and why. */
void test_left_out(const char *name, const char *why);
/* Run fn(arg) in a child process, as uid and gid 65534 when this runs as root
 * (so that file modes bind it); fn's return value is the child's exit status,
 * returned here. The child must be able to reach the files it uses. */
int test_unprivileged(int (*fn)(void *), void *arg);

/* An in-memory file tree for sshd_config_parse's Include loader. */
struct test_mem_file {
	const char *path;
	const char *data;
};

struct test_mem_fs {
	const struct test_mem_file *files;
	size_t n;
	struct buf asked;	/* every pattern the loader was asked for, one per line */
	const char *fail;	/* a pattern to fail with EX_IOERR, or NULL */
};

/* An sshd_config_loader over a struct test_mem_fs: the pattern is globbed
 * over the table with fnmatch(3), the matches sorted by path. */
int test_mem_loader(void *ctx, const char *pattern, struct sshd_source **out,
    size_t *n, char **cause);

#endif
