/* Runs every Check suite; one suite per module. */
#include "config.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <grp.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "check_suites.h"

char *test_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *dir;

	if (base == NULL || *base == '\0')
		base = "/tmp";
	if (asprintf(&dir, "%s/podpass-check.XXXXXX", base) < 0)
		ck_abort_msg("out of memory");
	ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp %s failed", dir);
	return dir;
}

/* nftw callback: remove one entry. */
static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void test_rmtree(const char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

char *test_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	size_t cap = 0, n = 0, r;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	do {
		if (n + 4096 + 1 > cap) {
			cap = (n + 4096 + 1) * 2;
			data = realloc(data, cap);
			ck_assert_ptr_nonnull(data);
		}
		r = fread(data + n, 1, 4096, f);
		n += r;
	} while (r > 0);
	fclose(f);
	data[n] = '\0';
	if (len != NULL)
		*len = n;
	return data;
}

void test_write(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	ck_assert_msg(f != NULL, "cannot create %s", path);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

/* Sort sources by path, as glob(3) does in the C locale. */
static int source_cmp(const void *a, const void *b)
{
	return strcmp(((const struct sshd_source *)a)->path,
	    ((const struct sshd_source *)b)->path);
}

int test_mem_loader(void *ctx, const char *pattern, struct sshd_source **out,
    size_t *n, char **cause)
{
	struct test_mem_fs *fs = ctx;
	struct sshd_source *v;
	size_t i;

	buf_printf(&fs->asked, "%s\n", pattern);
	if (fs->fail != NULL && strcmp(pattern, fs->fail) == 0) {
		set_cause(cause, "%s: permission denied", pattern);
		return EX_IOERR;
	}
	v = xcalloc(fs->n + 1, sizeof(*v));
	*n = 0;
	for (i = 0; i < fs->n; i++) {
		if (fnmatch(pattern, fs->files[i].path, FNM_PATHNAME | FNM_PERIOD) != 0)
			continue;
		v[*n].path = xstrdup(fs->files[i].path);
		v[*n].data = xstrdup(fs->files[i].data);
		v[(*n)++].len = strlen(fs->files[i].data);
	}
	qsort(v, *n, sizeof(*v), source_cmp);
	*out = v;
	return 0;
}

/* The tests tcase_add_test_if left out, with why, one per line. */
static struct buf left_out;

void test_left_out(const char *name, const char *why)
{
	buf_printf(&left_out, "SKIP: %s left out: %s\n", name, why);
}

int test_unprivileged(int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (geteuid() == 0 && (setgroups(0, NULL) != 0 || setgid(65534) != 0 ||
		    setuid(65534) != 0))
			_exit(125);
		_exit(fn(arg));
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status), "the unprivileged child did not exit");
	ck_assert_msg(WEXITSTATUS(status) != 125, "cannot become uid 65534");
	return WEXITSTATUS(status);
}

int main(void)
{
	SRunner *sr = srunner_create(atomic_suite());
	int failed;

	srunner_add_suite(sr, authorized_keys_suite());
	srunner_add_suite(sr, change_suite());
	srunner_add_suite(sr, crypt_target_suite());
	srunner_add_suite(sr, hash_suite());
	srunner_add_suite(sr, login_check_suite());
	srunner_add_suite(sr, options_suite());
	srunner_add_suite(sr, secret_suite());
	srunner_add_suite(sr, shadow_suite());
	srunner_add_suite(sr, sshd_config_suite());
	srunner_add_suite(sr, sshd_probe_suite());
	srunner_add_suite(sr, trust_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (failed != 0)
		return EXIT_FAILURE;
	if (left_out.len > 0) {
		fputs(left_out.data, stdout);
		buf_free(&left_out);
		return 77;	/* skipped, for Automake: not everything was checked */
	}
	return EXIT_SUCCESS;
}
