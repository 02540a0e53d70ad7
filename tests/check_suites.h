/* The Check suites, one per module; check_main.c runs them all. */
#ifndef PODPASS_CHECK_SUITES_H
#define PODPASS_CHECK_SUITES_H

#include <check.h>

Suite *atomic_suite(void);
Suite *authorized_keys_suite(void);
Suite *hash_suite(void);
Suite *login_check_suite(void);
Suite *options_suite(void);
Suite *secret_suite(void);
Suite *shadow_suite(void);
Suite *sshd_config_suite(void);

/* Helpers shared by the suites (check_main.c). */
/* A new empty temporary directory; malloc'd path. */
char *test_tmpdir(void);
/* Remove a directory tree made by test_tmpdir. */
void test_rmtree(const char *dir);
/* Read a whole file; malloc'd, NUL-terminated, *len bytes. Fails the test when unreadable. */
char *test_read(const char *path, size_t *len);
/* Write a whole file (mode 0644). Fails the test on error. */
void test_write(const char *path, const char *data, size_t len);

#endif
