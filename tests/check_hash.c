/* Tests for hash.c: hashing with libxcrypt and validating a given hash. */
#include "config.h"

#include <crypt.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "check_suites.h"
#include "hash.h"

/* sha512crypt of "probe" with salt "saltsalt" (a known answer, made once with crypt(3)). */
#define SHA512_PROBE "$6$saltsalt$Cb2cFdzqHzhfXGK9LDJBFSw0erBCBypAab../U6Ky4whArPjT0OCN.qCRgScdLxYLiQErHAwk5qRp6RD8VzsQ."
/* bcrypt of "probe": canonical, and with a salt whose last character has stray low bits. */
#define BCRYPT_PROBE "$2b$05$abcdefghijklmnopqrstuuHVKHuiUz6KHE0ggCdY5ppWWI430N4.G"
#define BCRYPT_STRAY "$2b$05$abcdefghijklmnopqrstuvHVKHuiUz6KHE0ggCdY5ppWWI430N4.G"
#define DES_HASH "abJnggxhB/yWI"
#define MD5_HASH "$1$saltsalt$qjXMvbEw8oaL.CzflDugX."

/* The methods libxcrypt calls strong, with the prefix each must produce. */
static const struct {
	const char *name;
	const char *prefix;
} strong_methods[] = {
	{ "yescrypt", "$y$" },
	{ "gost-yescrypt", "$gy$" },
	{ "scrypt", "$7$" },
	{ "bcrypt", "$2b$" },
	{ "sha512", "$6$" },
};

/* Hash pw with method, asserting success; returns the malloc'd hash. */
static char *must_hash(const char *pw, const char *method)
{
	char *hash = NULL, *cause = NULL;
	int rc = hash_password(pw, method, &hash, &cause);

	ck_assert_msg(rc == 0, "hash_password(%s) = %d: %s", method ? method : "NULL", rc,
	    cause ? cause : "");
	ck_assert_ptr_nonnull(hash);
	ck_assert_ptr_null(cause);
	return hash;
}

/* Assert that hash_validate refuses h with a cause containing want, never quoting h. */
static void must_refuse(const char *h, const char *want)
{
	char *cause = NULL;

	ck_assert_msg(hash_validate(h, &cause) == EX_DATAERR, "accepted: %s", h ? h : "NULL");
	ck_assert_ptr_nonnull(cause);
	ck_assert_msg(strstr(cause, want) != NULL, "cause '%s' lacks '%s'", cause, want);
	if (h != NULL && strlen(h) > 3)
		ck_assert_msg(strstr(cause, h) == NULL, "cause quotes the hash");
	free(cause);
}

START_TEST(test_method_prefix)
{
	const char *prefix = "unset";
	char *cause = NULL;

	ck_assert_int_eq(hash_method_prefix(NULL, &prefix, &cause), 0);
	ck_assert_ptr_null(prefix);
	prefix = "unset";
	ck_assert_int_eq(hash_method_prefix("", &prefix, &cause), 0);
	ck_assert_ptr_null(prefix);
	ck_assert_int_eq(hash_method_prefix("yescrypt", &prefix, &cause), 0);
	ck_assert_str_eq(prefix, "$y$");
	ck_assert_int_eq(hash_method_prefix("YESCRYPT", &prefix, &cause), 0);
	ck_assert_str_eq(prefix, "$y$");
	ck_assert_int_eq(hash_method_prefix("gost-yescrypt", &prefix, &cause), 0);
	ck_assert_str_eq(prefix, "$gy$");
	ck_assert_int_eq(hash_method_prefix("scrypt", &prefix, &cause), 0);
	ck_assert_str_eq(prefix, "$7$");
	ck_assert_int_eq(hash_method_prefix("bcrypt", &prefix, &cause), 0);
	ck_assert_str_eq(prefix, "$2b$");
	ck_assert_int_eq(hash_method_prefix("SHA512", &prefix, &cause), 0);
	ck_assert_str_eq(prefix, "$6$");
	ck_assert_int_eq(hash_method_prefix("sha256", &prefix, &cause), 0);
	ck_assert_str_eq(prefix, "$5$");
	ck_assert_ptr_null(cause);
}
END_TEST

START_TEST(test_method_unknown)
{
	const char *bad[] = { "md5", "des", "yescrypt2", " sha512", "$6$" };
	const char *prefix;
	char *cause = NULL, *hash = (char *)"unset";
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(hash_method_prefix(bad[i], &prefix, &cause), EX_USAGE);
		ck_assert_ptr_nonnull(cause);
		ck_assert_ptr_nonnull(strstr(cause, "yescrypt"));
		ck_assert_ptr_nonnull(strstr(cause, "sha512"));
		free(cause);
		cause = NULL;
	}
	ck_assert_int_eq(hash_password("secret-pw", "md5", &hash, &cause), EX_USAGE);
	ck_assert_ptr_null(hash);
	ck_assert_ptr_nonnull(cause);
	free(cause);
}
END_TEST

START_TEST(test_hash_default)
{
	char *hash = must_hash("correct horse", NULL), *cause = NULL;

	ck_assert_msg(strncmp(hash, crypt_preferred_method(), strlen(crypt_preferred_method())) == 0,
	    "default hash does not use the preferred method");
	ck_assert_int_eq(hash_verify("correct horse", hash), 1);
	ck_assert_int_eq(hash_verify("correct horsE", hash), 0);
	ck_assert_int_eq(hash_verify("", hash), 0);
	ck_assert_int_eq(hash_validate(hash, &cause), 0);
	ck_assert_ptr_null(cause);
	free(hash);
}
END_TEST

START_TEST(test_hash_method)
{
	char *hash = must_hash("p@ss:w0rd\twith odd bytes", strong_methods[_i].name);
	char *cause = NULL;

	ck_assert_msg(strncmp(hash, strong_methods[_i].prefix, strlen(strong_methods[_i].prefix)) == 0,
	    "%s produced the wrong prefix", strong_methods[_i].name);
	ck_assert_int_eq(hash_verify("p@ss:w0rd\twith odd bytes", hash), 1);
	ck_assert_int_eq(hash_verify("p@ss:w0rd\twith odd byte", hash), 0);
	ck_assert_int_eq(hash_validate(hash, &cause), 0);
	ck_assert_ptr_null(cause);
	free(hash);
}
END_TEST

/* sha256crypt is not STRONG in libxcrypt: hash_password must agree with hash_validate. */
START_TEST(test_hash_sha256_consistent)
{
	char *hash = NULL, *cause = NULL;
	int rc = hash_password("secret-pw", "sha256", &hash, &cause);

	if (crypt_checksalt("$5$saltsalt") == CRYPT_SALT_OK) {
		ck_assert_int_eq(rc, 0);
		ck_assert_int_eq(hash_validate(hash, &cause), 0);
		ck_assert_int_eq(hash_verify("secret-pw", hash), 1);
	} else {
		ck_assert_int_eq(rc, EX_USAGE);
		ck_assert_ptr_null(hash);
		ck_assert_ptr_nonnull(strstr(cause, "legacy"));
	}
	free(hash);
	free(cause);
}
END_TEST

START_TEST(test_hash_salted)
{
	char *a = must_hash("same password", "sha512");
	char *b = must_hash("same password", "sha512");

	ck_assert_str_ne(a, b);
	ck_assert_int_eq(hash_verify("same password", a), 1);
	ck_assert_int_eq(hash_verify("same password", b), 1);
	free(a);
	free(b);
}
END_TEST

START_TEST(test_hash_bad_password)
{
	char *hash = NULL, *cause = NULL, *pw = malloc(CRYPT_MAX_PASSPHRASE_SIZE + 1);

	ck_assert_ptr_nonnull(pw);
	memset(pw, 'a', CRYPT_MAX_PASSPHRASE_SIZE);
	pw[CRYPT_MAX_PASSPHRASE_SIZE] = '\0';
	ck_assert_int_eq(hash_password(pw, "sha512", &hash, &cause), EX_DATAERR);
	ck_assert_ptr_null(hash);
	ck_assert_ptr_nonnull(cause);
	free(cause);
	cause = NULL;
	pw[CRYPT_MAX_PASSPHRASE_SIZE - 1] = '\0';
	ck_assert_int_eq(hash_password(pw, "sha512", &hash, &cause), 0);
	ck_assert_int_eq(hash_verify(pw, hash), 1);
	free(hash);
	free(pw);
}
END_TEST

/* The first half refuses every bad input (too long, unknown or legacy method)
 * and makes no setting; the second half's hash begins with that setting and
 * verifies. */
START_TEST(test_hash_halves)
{
	char *setting = NULL, *hash = NULL, *cause = NULL, *pw = malloc(CRYPT_MAX_PASSPHRASE_SIZE + 1);
	static const char *const refused[] = { "md5", "sha256", "des" };
	size_t i;

	ck_assert_ptr_nonnull(pw);
	memset(pw, 'a', CRYPT_MAX_PASSPHRASE_SIZE);
	pw[CRYPT_MAX_PASSPHRASE_SIZE] = '\0';
	ck_assert_int_eq(hash_new_setting(pw, "sha512", &setting, &cause), EX_DATAERR);
	ck_assert_ptr_null(setting);
	ck_assert_ptr_nonnull(strstr(cause, "longer than"));
	free(cause);
	cause = NULL;
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		ck_assert_int_eq(hash_new_setting("good password", refused[i], &setting, &cause),
		    EX_USAGE);
		ck_assert_ptr_null(setting);
		ck_assert_ptr_nonnull(cause);
		free(cause);
		cause = NULL;
	}
	pw[CRYPT_MAX_PASSPHRASE_SIZE - 1] = '\0';
	ck_assert_int_eq(hash_new_setting(pw, NULL, &setting, &cause), 0);
	ck_assert_ptr_nonnull(setting);
	ck_assert_int_eq(hash_with_setting(pw, setting, &hash, &cause), 0);
	ck_assert_ptr_null(cause);
	ck_assert_int_eq(strncmp(hash, setting, strlen(setting)), 0);
	ck_assert_int_eq(hash_verify(pw, hash), 1);
	ck_assert_int_eq(hash_verify("another password", hash), 0);
	free(hash);
	free(setting);
	free(pw);
}
END_TEST

START_TEST(test_verify_known_answer)
{
	ck_assert_int_eq(hash_verify("probe", SHA512_PROBE), 1);
	ck_assert_int_eq(hash_verify("Probe", SHA512_PROBE), 0);
	ck_assert_int_eq(hash_verify("probe", "$6$saltsalt"), 0);
	ck_assert_int_eq(hash_verify("probe", ""), 0);
	ck_assert_int_eq(hash_verify("probe", NULL), 0);
	ck_assert_int_eq(hash_verify(NULL, SHA512_PROBE), 0);
	ck_assert_int_eq(hash_verify("probe", "*"), 0);
	ck_assert_int_eq(hash_verify("probe", BCRYPT_PROBE), 1);
	/* crypt rewrites the stray salt bits, so this one can never match. */
	ck_assert_int_eq(hash_verify("probe", BCRYPT_STRAY), 0);
}
END_TEST

START_TEST(test_validate_accepts)
{
	char *cause = NULL;
	size_t i;

	ck_assert_int_eq(hash_validate(SHA512_PROBE, &cause), 0);
	ck_assert_int_eq(hash_validate(BCRYPT_PROBE, &cause), 0);
	ck_assert_int_eq(hash_validate("$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o.9agCG9G317fhZg9SqC.5i5rd.RhAtQ7", &cause), 0);
	for (i = 0; i < sizeof(strong_methods) / sizeof(strong_methods[0]); i++) {
		char *h = must_hash("x", strong_methods[i].name);

		ck_assert_msg(hash_validate(h, &cause) == 0, "%s refused: %s",
		    strong_methods[i].name, cause ? cause : "");
		free(h);
	}
	ck_assert_ptr_null(cause);
}
END_TEST

START_TEST(test_validate_refuses_markers)
{
	must_refuse(NULL, "empty");
	must_refuse("", "empty");
	must_refuse("*", "lock marker");
	must_refuse("!", "lock marker");
	must_refuse("!!", "lock marker");
	must_refuse("!" SHA512_PROBE, "lock marker");
	must_refuse("*LK*", "lock marker");
}
END_TEST

START_TEST(test_validate_refuses_bytes)
{
	must_refuse("$6$salt:salt$Cb2cFdzqHzhfXGK9LDJBFSw0erBCBypAab", "':'");
	must_refuse(SHA512_PROBE ":", "':'");
	must_refuse("$6$saltsalt$Cb2c\nFdzq", "line break");
	must_refuse(SHA512_PROBE "\n", "line break");
	must_refuse(SHA512_PROBE "\r", "line break");
	must_refuse("$6$saltsalt$Cb2c\tFdzq", "control character");
	must_refuse("$6$saltsalt$Cb2c Fdzq", "whitespace");
	must_refuse("$6$saltsalt$Cb2c\x7f", "control character");
	must_refuse("$6$saltsalt$Cb2c\xc3\xa9", "non-ASCII");
}
END_TEST

START_TEST(test_validate_refuses_bare_salts)
{
	char *salt = crypt_gensalt_ra(NULL, 0, NULL, 0);
	char *salt6 = crypt_gensalt_ra("$6$", 0, NULL, 0);
	char *saltb = crypt_gensalt_ra("$2b$", 0, NULL, 0);

	ck_assert_ptr_nonnull(salt);
	ck_assert_ptr_nonnull(salt6);
	ck_assert_ptr_nonnull(saltb);
	must_refuse(salt, "not a complete crypt(5) hash");
	must_refuse(salt6, "not a complete crypt(5) hash");
	must_refuse(saltb, "not a complete crypt(5) hash");
	must_refuse("$6$saltsalt", "not a complete crypt(5) hash");
	must_refuse("$6$saltsalt$", "not a complete crypt(5) hash");
	must_refuse("$y$j9T$abc", "not a complete crypt(5) hash");
	free(salt);
	free(salt6);
	free(saltb);
}
END_TEST

START_TEST(test_validate_refuses_altered)
{
	char shorter[sizeof(SHA512_PROBE)];

	memcpy(shorter, SHA512_PROBE, sizeof(SHA512_PROBE));
	shorter[sizeof(SHA512_PROBE) - 2] = '\0';
	must_refuse(shorter, "not a complete crypt(5) hash");
	must_refuse(SHA512_PROBE "x", "not a complete crypt(5) hash");
	/* A salt longer than sha512crypt's 16 characters is cut by crypt: no password would match. */
	must_refuse("$6$saltsaltsaltsaltsalt$Cb2cFdzqHzhfXGK9LDJBFSw0erBCBypAab../U6Ky4whArPjT0OCN.qCRgScdLxYLiQErHAwk5qRp6RD89",
	    "setting is not canonical");
	must_refuse(BCRYPT_STRAY, "setting is not canonical");
}
END_TEST

START_TEST(test_validate_refuses_methods)
{
	char *cause = NULL;

	must_refuse(DES_HASH, "legacy/weak");
	must_refuse(MD5_HASH, "legacy/weak");
	must_refuse("_J9..CCCCCERsL.GbJ12", "legacy/weak");
	must_refuse("$9$x$y", "unknown or disabled method");
	must_refuse("$argh$x$y", "unknown or disabled method");
	/* A plain password given with --encrypted is told apart from a hash. */
	must_refuse("MyPlainPassword1", "leave --encrypted out");
	ck_assert_int_eq(hash_validate("garbage", &cause), EX_DATAERR);
	ck_assert_ptr_nonnull(cause);
	free(cause);
	cause = NULL;
	ck_assert_int_eq(hash_validate("$", &cause), EX_DATAERR);
	free(cause);
	cause = NULL;
	ck_assert_int_eq(hash_validate("$$$$", &cause), EX_DATAERR);
	free(cause);
}
END_TEST

Suite *hash_suite(void)
{
	Suite *s = suite_create("hash");
	TCase *tc = tcase_create("methods");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_method_prefix);
	tcase_add_test(tc, test_method_unknown);
	tcase_add_test(tc, test_hash_default);
	tcase_add_loop_test(tc, test_hash_method, 0,
	    (int)(sizeof(strong_methods) / sizeof(strong_methods[0])));
	tcase_add_test(tc, test_hash_sha256_consistent);
	tcase_add_test(tc, test_hash_salted);
	tcase_add_test(tc, test_hash_bad_password);
	tcase_add_test(tc, test_hash_halves);
	tcase_add_test(tc, test_verify_known_answer);
	suite_add_tcase(s, tc);

	tc = tcase_create("validate");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_validate_accepts);
	tcase_add_test(tc, test_validate_refuses_markers);
	tcase_add_test(tc, test_validate_refuses_bytes);
	tcase_add_test(tc, test_validate_refuses_bare_salts);
	tcase_add_test(tc, test_validate_refuses_altered);
	tcase_add_test(tc, test_validate_refuses_methods);
	suite_add_tcase(s, tc);
	return s;
}
