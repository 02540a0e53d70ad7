/* Unit tests for crypt_target.c: the hash methods a target's sshd verifies,
 * judged from files laid out under a temporary root: an sshd (a made-up ELF
 * header: static, musl's loader or glibc's) and the libcrypt.so.1 its loader
 * would find (this machine's libxcrypt, or made-up ones). trust_path takes
 * only root's files, so every test runs only as root (left out and named
 * otherwise). */
#include "config.h"

#include <elf.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "check_suites.h"
#include "crypt_target.h"
#include "hash.h"
#include "util.h"

static char *tmp;

static void setup(void)
{
	unsetenv("TMPDIR");
	tmp = test_tmpdir();
	ck_assert_int_eq(chmod(tmp, 0755), 0);
}

static void teardown(void)
{
	test_rmtree(tmp);
	free(tmp);
	tmp = NULL;
}

/* mkdir -p of tmp/rel, mode 0755. */
static void make_dirs(const char *rel)
{
	char *p = xasprintf("%s/%s", tmp, rel), *s;

	for (s = p + strlen(tmp) + 1; (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	mkdir(p, 0755);
	free(p);
}

/* tmp/rel with len bytes of data, mode 0644 (directories made). */
static void put(const char *rel, const void *data, size_t len)
{
	char *p = xasprintf("%s/%s", tmp, rel), *dir = xstrdup(rel);

	*strrchr(dir, '/') = '\0';
	make_dirs(dir);
	test_write(p, data, len);
	free(dir);
	free(p);
}

/* tmp/usr/sbin/sshd: an x86-64 ELF header with interp as its program
 * interpreter (NULL: none, as a static binary has). */
static void put_sshd(const char *interp)
{
	struct {
		Elf64_Ehdr eh;
		Elf64_Phdr ph;
		char interp[64];
	} f;

	memset(&f, 0, sizeof(f));
	memcpy(f.eh.e_ident, ELFMAG, SELFMAG);
	f.eh.e_ident[EI_CLASS] = ELFCLASS64;
	f.eh.e_ident[EI_DATA] = ELFDATA2LSB;
	f.eh.e_ident[EI_VERSION] = EV_CURRENT;
	f.eh.e_type = ET_DYN;
	f.eh.e_machine = EM_X86_64;
	f.eh.e_phoff = sizeof(f.eh);
	f.eh.e_phentsize = sizeof(f.ph);
	f.eh.e_phnum = 1;
	f.ph.p_type = interp != NULL ? PT_INTERP : PT_LOAD;
	if (interp != NULL) {
		f.ph.p_offset = offsetof(typeof(f), interp);
		f.ph.p_filesz = strlen(interp) + 1;
		strcpy(f.interp, interp);
	}
	put("usr/sbin/sshd", &f, sizeof(f));
}

#define GLIBC_LOADER "/lib64/ld-linux-x86-64.so.2"
#define MUSL_LOADER "/lib/ld-musl-x86_64.so.1"

/* Probe tmp as the root with its /usr/sbin/sshd. */
static void probe(struct crypt_target *t)
{
	crypt_target_probe(tmp, "/usr/sbin/sshd", t);
}

/* The method crypt_target_choose picks with nothing asked ("preferred" for NULL). */
static const char *chosen(const struct crypt_target *t)
{
	const char *m = "unset";

	ck_assert_int_eq(crypt_target_choose(t, NULL, &m, NULL), 0);
	return m != NULL ? m : "preferred";
}

/* Asked for method, t refuses it with EX_CONFIG and a message saying why. */
static void assert_refused(const struct crypt_target *t, const char *method)
{
	const char *m = NULL;
	char *cause = NULL;

	ck_assert_int_eq(crypt_target_choose(t, method, &m, &cause), EX_CONFIG);
	ck_assert_ptr_nonnull(cause);
	ck_assert_msg(strstr(cause, "could not check") != NULL, "%s", cause);
	free(cause);
}

START_TEST(test_static_sshd)
{
	struct crypt_target t;
	char *cause = NULL;

	put_sshd(NULL);
	probe(&t);
	ck_assert_int_eq(t.kind, CRYPT_STATIC);
	ck_assert_str_eq(t.checker, "/usr/sbin/sshd");
	ck_assert(!crypt_target_verifies(&t, "yescrypt"));
	ck_assert(!crypt_target_verifies(&t, "bcrypt"));
	ck_assert(crypt_target_verifies(&t, "sha512crypt"));
	ck_assert_str_eq(chosen(&t), "sha512");
	assert_refused(&t, "yescrypt");
	ck_assert_int_eq(crypt_target_check_hash(&t, "$y$j9T$abc$def", &cause), EX_CONFIG);
	ck_assert(strstr(cause, "statically") != NULL);
	free(cause);
	ck_assert_int_eq(crypt_target_check_hash(&t, "$6$salt$hash", NULL), 0);
	crypt_target_free(&t);
}
END_TEST

START_TEST(test_musl_sshd)
{
	struct crypt_target t;
	const char *m = NULL;

	put_sshd(MUSL_LOADER);
	probe(&t);
	ck_assert_int_eq(t.kind, CRYPT_MUSL);
	ck_assert_str_eq(chosen(&t), "sha512");
	assert_refused(&t, "yescrypt");
	assert_refused(&t, "scrypt");
	ck_assert_int_eq(crypt_target_choose(&t, "bcrypt", &m, NULL), 0);
	ck_assert_str_eq(m, "bcrypt");
	ck_assert_int_eq(crypt_target_check_hash(&t, "$2a$10$abc", NULL), 0);
	crypt_target_free(&t);
}
END_TEST

START_TEST(test_libxcrypt)
{
	struct crypt_target t;
	size_t len;
	char *lib = test_read(access("/lib/x86_64-linux-gnu/libcrypt.so.1", R_OK) == 0 ?
	    "/lib/x86_64-linux-gnu/libcrypt.so.1" : "/lib/aarch64-linux-gnu/libcrypt.so.1", &len);

	put_sshd(GLIBC_LOADER);
	put("usr/lib/x86_64-linux-gnu/libcrypt.so.1", lib, len);
	probe(&t);
	ck_assert_int_eq(t.kind, CRYPT_LIBXCRYPT);
	ck_assert_str_eq(t.checker, "/usr/lib/x86_64-linux-gnu/libcrypt.so.1");
	ck_assert(crypt_target_verifies(&t, "yescrypt"));
	ck_assert(crypt_target_verifies(&t, "sha512"));
	ck_assert_str_eq(chosen(&t), "preferred");
	crypt_target_free(&t);
	free(lib);
}
END_TEST

/* A libxcrypt built without yescrypt: its table holds other prefixes only. */
START_TEST(test_libxcrypt_without_yescrypt)
{
	static const char lib[] = "\177ELF...XCRYPT_2.0\0crypt_r\0$6$\0$2b$\0$5$\0";
	struct crypt_target t;

	put_sshd(GLIBC_LOADER);
	put("lib/libcrypt.so.1", lib, sizeof(lib));
	probe(&t);
	ck_assert_int_eq(t.kind, CRYPT_LIBXCRYPT);
	ck_assert_str_eq(t.checker, "/lib/libcrypt.so.1");
	ck_assert(!crypt_target_verifies(&t, "yescrypt"));
	ck_assert(crypt_target_verifies(&t, "bcrypt"));
	ck_assert_str_eq(chosen(&t), "sha512");
	assert_refused(&t, "yescrypt");
	crypt_target_free(&t);
}
END_TEST

/* glibc's own libcrypt (before libxcrypt): no XCRYPT_ versions. */
START_TEST(test_glibc_libcrypt)
{
	static const char lib[] = "\177ELF...GLIBC_2.2.5\0crypt_r\0$y$\0$6$\0";
	struct crypt_target t;

	put_sshd(GLIBC_LOADER);
	put("lib64/libcrypt.so.1", lib, sizeof(lib));
	probe(&t);
	ck_assert_int_eq(t.kind, CRYPT_GLIBC);
	ck_assert(!crypt_target_verifies(&t, "yescrypt"));
	ck_assert_str_eq(chosen(&t), "sha512");
	crypt_target_free(&t);
}
END_TEST

/* The libcrypt found first is the one judged, as the loader would take it. */
START_TEST(test_first_libcrypt_wins)
{
	static const char glibc[] = "GLIBC_2.2.5\0$6$\0";
	static const char xcrypt[] = "XCRYPT_2.0\0$y$\0$6$\0";
	struct crypt_target t;

	put_sshd(GLIBC_LOADER);
	put("lib/x86_64-linux-gnu/libcrypt.so.1", glibc, sizeof(glibc));
	put("usr/lib/x86_64-linux-gnu/libcrypt.so.1", xcrypt, sizeof(xcrypt));
	probe(&t);
	ck_assert_int_eq(t.kind, CRYPT_GLIBC);
	ck_assert_str_eq(t.checker, "/lib/x86_64-linux-gnu/libcrypt.so.1");
	crypt_target_free(&t);
}
END_TEST

/* A libcrypt another user could rewrite is not believed: only what every crypt() verifies. */
START_TEST(test_untrusted_libcrypt)
{
	static const char xcrypt[] = "XCRYPT_2.0\0$y$\0$6$\0";
	struct crypt_target t;
	char *p;

	put_sshd(GLIBC_LOADER);
	put("lib/x86_64-linux-gnu/libcrypt.so.1", xcrypt, sizeof(xcrypt));
	p = xasprintf("%s/lib/x86_64-linux-gnu/libcrypt.so.1", tmp);
	ck_assert_int_eq(chmod(p, 0666), 0);
	probe(&t);
	ck_assert_int_eq(t.kind, CRYPT_UNKNOWN);
	ck_assert(!crypt_target_verifies(&t, "yescrypt"));
	ck_assert_str_eq(chosen(&t), "sha512");
	crypt_target_free(&t);
	free(p);
}
END_TEST

START_TEST(test_unknown_and_missing)
{
	struct crypt_target t;
	const char *m = NULL;

	/* no sshd: no opinion, sshd's own check refuses the run */
	probe(&t);
	ck_assert_int_eq(t.kind, CRYPT_NO_SSHD);
	ck_assert_int_eq(crypt_target_choose(&t, "yescrypt", &m, NULL), 0);
	crypt_target_free(&t);
	/* glibc's loader but no libcrypt anywhere */
	put_sshd(GLIBC_LOADER);
	probe(&t);
	ck_assert_int_eq(t.kind, CRYPT_UNKNOWN);
	ck_assert_str_eq(chosen(&t), "sha512");
	crypt_target_free(&t);
	/* not an ELF file */
	put("usr/sbin/sshd", "#!/bin/sh\n", 10);
	probe(&t);
	ck_assert_int_eq(t.kind, CRYPT_UNKNOWN);
	assert_refused(&t, "yescrypt");
	crypt_target_free(&t);
}
END_TEST

START_TEST(test_method_names)
{
	ck_assert_str_eq(hash_method_of("$y$j9T$salt$hash"), "yescrypt");
	ck_assert_str_eq(hash_method_of("$2y$10$salt"), "bcrypt");
	ck_assert_str_eq(hash_method_of("$6$salt$hash"), "sha512");
	ck_assert_ptr_null(hash_method_of("$1$salt$hash"));
	ck_assert_ptr_null(hash_method_of(NULL));
	ck_assert_str_eq(hash_preferred_method(), "yescrypt");
}
END_TEST

Suite *crypt_target_suite(void)
{
	Suite *s = suite_create("crypt_target");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_method_names);
	tcase_add_root_test(tc, test_static_sshd);
	tcase_add_root_test(tc, test_musl_sshd);
	tcase_add_root_test(tc, test_libxcrypt);
	tcase_add_root_test(tc, test_libxcrypt_without_yescrypt);
	tcase_add_root_test(tc, test_glibc_libcrypt);
	tcase_add_root_test(tc, test_first_libcrypt_wins);
	tcase_add_root_test(tc, test_untrusted_libcrypt);
	tcase_add_root_test(tc, test_unknown_and_missing);
	suite_add_tcase(s, tc);
	return s;
}
