/* Tests for authorized_keys.c: environment values, key line checks, merging. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "authorized_keys.h"
#include "check_suites.h"
#include "util.h"

#define FIXTURES TEST_DATA_DIR "/authorized_keys"

/* Real keys from ssh-keygen -t ed25519/rsa/ecdsa -N '' (OpenSSH 9.2), the
 * BASE64 field only. The sk-* keys were assembled from ED1 and EC256 with the
 * application "ssh:"; ssh-keygen -l accepts them. */
#define ED1 "AAAAC3NzaC1lZDI1NTE5AAAAILdvAfGmRa5BhJCMPhO9ITtxtwgeqS0G17KciN12ABZ5"
#define ED2 "AAAAC3NzaC1lZDI1NTE5AAAAIMfTZALvfFxmxjwZAAyzldEmN/IiPHeau1Yh4omHGwDb"
#define RSA "AAAAB3NzaC1yc2EAAAADAQABAAABAQCq0Uz1ZqU80QOxgiaGsOBYSb+Y60FRcfcZUOOrCrFN7mtP47nXyGwq" \
	"O+mTspB3bRXcCvWuVlKz6aZYX3vmebhA56FGJw4UHt09Lzo9IYKX5zTK2qSNKeBxXYapLlGSG8W6uCpA+NsHERx47rz" \
	"3n39uHbu90B+M9FwKWAbYsL1JyFq5x7IUSsrZWcY3Ie/WWYPY61Pa5CnXiBbwdH3h+Tu804IdB0lLhPh4ievayZEYem" \
	"vsuXRYASyEn5JyRFLA++cD6JqOPzi6S8D4vqnuPQFyui29pvCZ/a66ygV5ArE3vAt08j/XnvmeAL+PJlfIrFhfIAK0e1" \
	"GhIqq4T3DDDUFt"
#define RSA1024 "AAAAB3NzaC1yc2EAAAADAQABAAAAgQDE443f0qbSUV8w/cbWt5Qw8eIyLVrU6pCITrmjty7kofSdhOfKBU" \
	"zzLQbdKvWG/FANpgarverQkGntydu1oHY5YqlGkKRpg66w/nVgE1jOWAlMr5BM6dBMGRnEbMYYvUJaVUjyPYNi/t+Sb" \
	"4zgoO6+0wRPwo0ld9WVw1Bo6efLbQ=="
#define EC256 "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBGRSJIH37f4ZtFM9S5XnRwYSDosQyA" \
	"TAaeMx7unyHoOEVyRx9Ln2Yt0hkZWILWtmOsOOpkD2VlaHwKY4OXo2JNM="
#define EC384 "AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBK9pWPkk1UJbtie6CSiHw0yhuOgFou" \
	"2NmNPAnqv0WLHvsE5hGLmLhLSUgnpoJFiPxjES6WMbMvv0dozPSG3t1/JP2r7decHvjjhOIqU4LfRknGkDZqFwx6TG3" \
	"PeAxbPyOg=="
#define EC521 "AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFBADXlov666sMguemrrNQ2A4lXHIDJq" \
	"5AQ2oCSrpoaVX36i+PCfQuw+cLVes65/nZWQQkd5MnvZBAmGPR+Xi+HzI1aAAjECo0nDCOHrzWHWTpZIga71IQKvBwz" \
	"4CschyEJhEWaBqIvIdQx/jUDFSr7mCOhJnkRB3LrTFBnEsz/E9jP9HTTg=="
#define SK_ED "AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29tAAAAILdvAfGmRa5BhJCMPhO9ITtxtwgeqS0G17KciN" \
	"12ABZ5AAAABHNzaDo="
#define SK_EC "AAAAInNrLWVjZHNhLXNoYTItbmlzdHAyNTZAb3BlbnNzaC5jb20AAAAIbmlzdHAyNTYAAABBBGRSJIH37f" \
	"4ZtFM9S5XnRwYSDosQyATAaeMx7unyHoOEVyRx9Ln2Yt0hkZWILWtmOsOOpkD2VlaHwKY4OXo2JNMAAAAEc3NoOg=="
/* ssh-keygen -s ca -I podpass-test -n root on ED2's public key. */
#define ED2_CERT "AAAAIHNzaC1lZDI1NTE5LWNlcnQtdjAxQG9wZW5zc2guY29tAAAAIJcw9/tSLrqI+vvnC37eBS148mF" \
	"AAz9MiQqvRvHJ5phqAAAAIMfTZALvfFxmxjwZAAyzldEmN/IiPHeau1Yh4omHGwDbAAAAAAAAAAAAAAABAAAADHBvZ" \
	"HBhc3MtdGVzdAAAAAgAAAAEcm9vdAAAAAAAAAAA//////////8AAAAAAAAAggAAABVwZXJtaXQtWDExLWZvcndhcmRp" \
	"bmcAAAAAAAAAF3Blcm1pdC1hZ2VudC1mb3J3YXJkaW5nAAAAAAAAABZwZXJtaXQtcG9ydC1mb3J3YXJkaW5nAAAAAAA" \
	"AAApwZXJtaXQtcHR5AAAAAAAAAA5wZXJtaXQtdXNlci1yYwAAAAAAAAAAAAAAMwAAAAtzc2gtZWQyNTUxOQAAACC7yH" \
	"LWrafnLGMdnunoya5IBxP+pyRgR4Hw1EHqYhozXQAAAFMAAAALc3NoLWVkMjU1MTkAAABASB7Rim4MhllGEchilregx" \
	"ArRz70mjOo6uE4Blg9u+FqU1ccKV/w23j2GVH73Rrf/4JKZgTXzDB9SSxO1nXGuBg=="

/* Broken on purpose. */
#define ED1_TRUNCATED "AAAAC3NzaC1lZDI1NTE5AAAAILdvAfGmRa5BhJCMPhO9ITtxtwgeqS0G17KciN12"
#define ED1_EXTRA "AAAAC3NzaC1lZDI1NTE5AAAAILdvAfGmRa5BhJCMPhO9ITtxtwgeqS0G17KciN12ABZ5AAAAAA=="
/* An ed25519 key of 31 bytes instead of 32, correctly framed. */
#define ED_SHORT "AAAAC3NzaC1lZDI1NTE5AAAAH28B8aZFrkGEkIw+E70hO3G3CB6pLQbXspyI3XYAFnk="
/* A well-formed 768-bit RSA key, which sshd refuses as too short. */
#define RSA768 "AAAAB3NzaC1yc2EAAAADAQABAAAAYQDTf8h32h3HRpbMGHME4p0qHCME7oWfWTNsyE+3ilPAEfPOPDgU" \
	"NiCfwFQKcunD6KS8gMPQdfI3qJaE4FwK4OXylzP8PdBGYBO8Gw9McXW1vf4yqn0h0aNvxJTq+/m/yKU="
/* EC256 with the curve inside the blob renamed to nistp384. */
#define EC256_CURVE384 "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAzODQAAABBBGRSJIH37f4ZtFM9S5Xn" \
	"RwYSDosQyATAaeMx7unyHoOEVyRx9Ln2Yt0hkZWILWtmOsOOpkD2VlaHwKY4OXo2JNM="
/* EC256 with a compressed-point prefix (0x02) instead of 0x04. */
#define EC256_BADPOINT "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBAmRSJIH37f4ZtFM9S5Xn" \
	"RwYSDosQyATAaeMx7unyHoOEVyRx9Ln2Yt0hkZWILWtmOsOOpkD2VlaHwKY4OXo2JNM="

/* Parse value and assert it gives exactly the n lines in want. */
static void parse_expect(const char *value, const char *const *want, size_t n)
{
	char **keys = (char **)&keys, **bad = (char **)&bad;
	size_t got = 99, nbad = 99, i;

	authorized_keys_parse_env(value, "PUBLIC_KEY", &keys, &got, &bad, &nbad);
	ck_assert_msg(nbad == 0, "skipped: %s", nbad > 0 ? bad[0] : "");
	ck_assert_ptr_null(bad);
	ck_assert_uint_eq(got, n);
	if (n == 0)
		ck_assert_ptr_null(keys);
	for (i = 0; i < n; i++)
		ck_assert_str_eq(keys[i], want[i]);
	strv_free(keys, got);
}

/* Parse value and assert that one line of it is skipped, with a message that
 * names source and line number and gives why; secret (a whole key) must not
 * appear in it. The other lines' keys are kept. */
static void parse_refuse(const char *value, const char *source, int lineno, const char *why,
    const char *secret)
{
	char **keys = (char **)&keys, **bad = NULL, *cause, *where;
	size_t n = 99, nbad = 99;

	authorized_keys_parse_env(value, source, &keys, &n, &bad, &nbad);
	ck_assert_uint_eq(nbad, 1);
	strv_free(keys, n);
	cause = bad[0];
	free(bad);
	where = xasprintf("%s line %d: ", source, lineno);
	ck_assert_msg(strncmp(cause, where, strlen(where)) == 0, "cause '%s' lacks '%s'", cause, where);
	ck_assert_msg(strstr(cause, why) != NULL, "cause '%s' lacks '%s'", cause, why);
	if (secret != NULL)
		ck_assert_msg(strstr(cause, secret) == NULL, "cause '%s' quotes the key", cause);
	free(where);
	free(cause);
}

/* Assert line is refused by authorized_keys_line_valid with a reason containing why. */
static void line_refuse(const char *line, const char *why)
{
	const char *reason = NULL;

	ck_assert_msg(authorized_keys_line_valid(line, &reason) == 0, "accepted: %.80s", line);
	ck_assert_ptr_nonnull(reason);
	ck_assert_msg(strstr(reason, why) != NULL, "reason '%s' lacks '%s'", reason, why);
}

/* Merge keys into text (len bytes) and assert the result is want (wantlen bytes) with added keys. */
static void merge_expect(const char *text, size_t len, char *const *keys, size_t n,
    const char *want, size_t wantlen, size_t want_added)
{
	char *out = NULL, *cause = NULL;
	size_t outlen = 99, added = 99;
	int rc = authorized_keys_merge(text, len, keys, n, &out, &outlen, &added, &cause);

	ck_assert_msg(rc == 0, "merge = %d: %s", rc, cause != NULL ? cause : "");
	ck_assert_uint_eq(added, want_added);
	ck_assert_uint_eq(outlen, wantlen);
	ck_assert_msg(memcmp(out, want, wantlen) == 0, "got:\n%s\nwant:\n%s", out, want);
	ck_assert_int_eq(out[outlen], '\0');
	ck_assert_ptr_ne(out, text);
	free(out);
}

START_TEST(test_parse_none)
{
	parse_expect(NULL, NULL, 0);
	parse_expect("", NULL, 0);
	parse_expect("null", NULL, 0);
	parse_expect(" null\r\n", NULL, 0);
	parse_expect("\n\r\n  \t\n", NULL, 0);
	parse_expect("# no key here\n", NULL, 0);
	/* Not "null" itself: refused as a key, never taken for "none". */
	parse_refuse("nullx", "PUBLIC_KEY", 1, "unknown key type", NULL);
	parse_refuse("null null", "PUBLIC_KEY", 1, "unknown key type", NULL);
}
END_TEST

START_TEST(test_parse_one)
{
	const char *want[] = { "ssh-ed25519 " ED1 " alice@laptop" };

	parse_expect("ssh-ed25519 " ED1 " alice@laptop", want, 1);
	parse_expect("ssh-ed25519 " ED1 " alice@laptop\n", want, 1);
	parse_expect("ssh-ed25519 " ED1 " alice@laptop \t\r\n\n", want, 1);
}
END_TEST

START_TEST(test_parse_several_lf)
{
	const char *want[] = {
		"ssh-ed25519 " ED1 " alice@laptop",
		"ssh-rsa " RSA " carol",
		"ecdsa-sha2-nistp256 " EC256,
	};

	parse_expect("ssh-ed25519 " ED1 " alice@laptop\n\nssh-rsa " RSA " carol  \n"
	    "# a comment between keys\necdsa-sha2-nistp256 " EC256 "\n", want, 3);
}
END_TEST

START_TEST(test_parse_several_crlf)
{
	const char *want[] = {
		"ssh-ed25519 " ED1 " alice@laptop",
		"ssh-ed25519 " ED2,
		"ssh-rsa " RSA " carol",
	};

	parse_expect("ssh-ed25519 " ED1 " alice@laptop\r\nssh-ed25519 " ED2 "\r\n\r\n"
	    "ssh-rsa " RSA " carol\r\n", want, 3);
	/* No final line ending, mixed endings. */
	parse_expect("ssh-ed25519 " ED1 " alice@laptop\nssh-ed25519 " ED2 "\r\n"
	    "ssh-rsa " RSA " carol", want, 3);
}
END_TEST

START_TEST(test_parse_options_and_comment)
{
	const char *want[] = {
		"command=\"echo hi there\",no-pty,from=\"10.0.0.0/8\" ssh-ed25519 " ED1 " alice",
		"environment=\"A=b c\\\" d\" ssh-ed25519 " ED2 " bob at his desk, 2nd key",
		"restrict ssh-rsa " RSA,
	};

	parse_expect("command=\"echo hi there\",no-pty,from=\"10.0.0.0/8\" ssh-ed25519 " ED1 " alice\n"
	    "environment=\"A=b c\\\" d\" ssh-ed25519 " ED2 " bob at his desk, 2nd key\n"
	    "restrict ssh-rsa " RSA "\n", want, 3);
}
END_TEST

START_TEST(test_parse_every_type)
{
	const char *want[] = {
		"ssh-ed25519 " ED1,
		"ssh-rsa " RSA,
		"ssh-rsa " RSA1024 " the smallest sshd takes",
		"ecdsa-sha2-nistp256 " EC256,
		"ecdsa-sha2-nistp384 " EC384,
		"ecdsa-sha2-nistp521 " EC521,
		"sk-ssh-ed25519@openssh.com " SK_ED " yubi",
		"sk-ecdsa-sha2-nistp256@openssh.com " SK_EC " yubi",
		"ssh-ed25519-cert-v01@openssh.com " ED2_CERT " bob@desk",
	};
	struct buf b = { NULL, 0, 0 };
	size_t i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		buf_printf(&b, "%s\n", want[i]);
	parse_expect(b.data, want, sizeof(want) / sizeof(want[0]));
	buf_free(&b);
}
END_TEST

START_TEST(test_parse_bad_base64)
{
	/* A character outside the alphabet. */
	parse_refuse("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILdvAfGmRa5BhJCMPhO9I*txtwgeqS0G17KciN12ABZ5 x",
	    "SSH_PUBLIC_KEY", 1, "not valid base64", "AAAAC3NzaC1lZDI1NTE5AAAAILdvAfGmRa5BhJCMPhO9I*");
	/* A length that is not a multiple of 4. */
	parse_refuse("ssh-ed25519 " ED1 "\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILdvAfGmRa5BhJCMPhO9ITt"
	    "xtwgeqS0G17KciN12ABZ x", "SSH_PUBLIC_KEY", 2, "not valid base64", NULL);
	/* Padding in the middle. */
	parse_refuse("ssh-ed25519 AAAA=3NzaC1lZDI1NTE5AAAAILdvAfGmRa5BhJCMPhO9ITtxtwgeqS0G17KciN12ABZ5",
	    "SSH_PUBLIC_KEY", 1, "not valid base64", NULL);
	/* Bits that the padding drops are not zero (JNM= is the real ending). */
	line_refuse("ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBGRSJIH37f"
	    "4ZtFM9S5XnRwYSDosQyATAaeMx7unyHoOEVyRx9Ln2Yt0hkZWILWtmOsOOpkD2VlaHwKY4OXo2JNN=",
	    "not valid base64");
	line_refuse("ssh-ed25519 ====", "not valid base64");
}
END_TEST

START_TEST(test_parse_type_mismatch)
{
	parse_refuse("ssh-ed25519 " RSA " carol", "PUBLIC_KEY", 1, "does not match", RSA);
	line_refuse("ssh-rsa " ED1, "does not match");
	line_refuse("ecdsa-sha2-nistp384 " EC256, "does not match");
	/* The certificate type names a plain key's blob, and the other way round. */
	line_refuse("ssh-ed25519-cert-v01@openssh.com " ED2, "does not match");
	line_refuse("ssh-ed25519 " ED2_CERT, "does not match");
	line_refuse("sk-ssh-ed25519@openssh.com " ED1, "does not match");
	line_refuse("ecdsa-sha2-nistp256 " EC256_CURVE384, "curve does not match");
}
END_TEST

START_TEST(test_parse_unknown_type)
{
	char **bad = NULL, **keys = NULL;
	size_t n = 0, nbad = 0;

	parse_refuse("ssh-ed448 " ED1 " x", "PUBLIC_KEY", 1, "unknown key type", ED1);
	/* The message shows where the line starts, so the type can be seen. */
	authorized_keys_parse_env("ssh-foo " ED1, "PUBLIC_KEY", &keys, &n, &bad, &nbad);
	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(nbad, 1);
	ck_assert_ptr_nonnull(strstr(bad[0], "\"ssh-foo AAAAC3NzaC1l\""));
	strv_free(bad, nbad);
	/* Options, then no known type. */
	line_refuse("no-pty " ED1, "unknown key type");
	line_refuse("no-pty ssh-foo " ED1, "unknown key type");
	line_refuse("SSH-ED25519 " ED1, "unknown key type");
	line_refuse(ED1, "unknown key type");
	line_refuse("ssh-ed25519" ED1, "unknown key type");
	line_refuse("command=\"echo hi ssh-ed25519 " ED1, "left open");
}
END_TEST

START_TEST(test_parse_truncated)
{
	parse_refuse("ssh-ed25519 " ED1 "\nssh-rsa " RSA "\nssh-ed25519 " ED1_TRUNCATED " alice",
	    "PUBLIC_KEY", 3, "truncated", ED1_TRUNCATED);
	/* RSA data cut at a base64 group boundary still decodes, but n is short. */
	line_refuse("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCq0Uz1ZqU80QOxgiaGsOBYSb+Y60FRcfcZUOOrCrFN7mtP",
	    "truncated");
	/* A certificate without the end of its signature. */
	line_refuse("ssh-ed25519-cert-v01@openssh.com AAAAIHNzaC1lZDI1NTE5LWNlcnQtdjAxQG9wZW5zc2guY29tAAAAI"
	    "Jcw9/tSLrqI+vvnC37eBS148mFAAz9MiQqvRvHJ5phqAAAAIMfTZALvfFxmxjwZAAyzldEmN/IiPHeau1Yh4omHGw"
	    "DbAAAAAAAAAAAAAAABAAAADHBvZHBhc3MtdGVzdAAAAAgAAAAEcm9vdAAAAAAAAAAA//////////8AAAAAAAAAggAA",
	    "truncated");
	line_refuse("ssh-ed25519 AAAA", "truncated");
	line_refuse("ssh-ed25519 " ED1_EXTRA, "extra bytes");
	line_refuse("ssh-ed25519 " ED_SHORT, "wrong length");
	line_refuse("ecdsa-sha2-nistp256 " EC256_BADPOINT, "point is malformed");
	line_refuse("ssh-rsa " RSA768, "shorter than 1024 bits");
	line_refuse("ssh-ed25519", "no key data");
	line_refuse("no-pty ssh-ed25519   ", "no key data");
}
END_TEST

START_TEST(test_parse_control_char)
{
	char **bad = NULL, **keys = NULL;
	size_t n = 0, nbad = 0;

	parse_refuse("ssh-ed25519 " ED1 " alice\x01", "PUBLIC_KEY", 1, "control character", ED1);
	parse_refuse("ssh-ed25519 " ED1 "\rssh-ed25519 " ED2, "PUBLIC_KEY", 1, "control character", NULL);
	line_refuse("ssh-ed25519 " ED1 " a\x7f", "control character");
	line_refuse("ssh-ed25519 " ED1 " a\nssh-ed25519 " ED2, "control character");
	/* The quoted start of a bad line carries no raw control character. */
	authorized_keys_parse_env("\x1b[2Jssh-ed25519 " ED1, "PUBLIC_KEY", &keys, &n, &bad, &nbad);
	ck_assert_uint_eq(nbad, 1);
	ck_assert_ptr_null(strchr(bad[0], '\x1b'));
	ck_assert_ptr_nonnull(strstr(bad[0], "\"?[2Jssh-ed25519 AAAA\""));
	strv_free(bad, nbad);
	strv_free(keys, n);
	/* A tab is a field separator, not a control character. */
	ck_assert_int_eq(authorized_keys_line_valid("\tssh-ed25519\t" ED1 "\tcomment\twith tabs", NULL), 1);
}
END_TEST

START_TEST(test_line_limits)
{
	struct buf b = { NULL, 0, 0 };
	const char *why = "unset";

	buf_addstr(&b, "ssh-ed25519 " ED1 " ");
	while (b.len < AUTHORIZED_KEYS_LINE_MAX)
		buf_addstr(&b, "x");
	ck_assert_int_eq(authorized_keys_line_valid(b.data, &why), 1);
	ck_assert_ptr_null(why);
	buf_addstr(&b, "x");
	line_refuse(b.data, "longer than 16384");
	buf_free(&b);
	line_refuse("", "empty");
	line_refuse(" \t ", "empty");
	line_refuse("# ssh-ed25519 " ED1, "comment");
	line_refuse(NULL, "no line");
	ck_assert_int_eq(authorized_keys_line_valid("  ssh-ed25519 " ED1 "  ", NULL), 1);
}
END_TEST

START_TEST(test_merge_fixture_adds)
{
	size_t len, wantlen;
	char *text = test_read(FIXTURES "/existing", &len), *want;
	char *keys[] = { (char *)"ssh-ed25519 " ED2 " bob@desk" };

	/* ED2 is only in a commented-out line, so it is added; the rest stays as it is. */
	want = xasprintf("%s%s\n", text, keys[0]);
	wantlen = strlen(want);
	merge_expect(text, len, keys, 1, want, wantlen, 1);
	free(want);
	free(text);
}
END_TEST

START_TEST(test_merge_fixture_already_there)
{
	size_t len;
	char *text = test_read(FIXTURES "/existing", &len);
	/* In the fixture: ED1 with options and another comment, RSA with another
	 * comment, EC256 with leading tab and trailing blanks. */
	char *keys[] = {
		(char *)"ssh-ed25519 " ED1 " alice@laptop",
		(char *)"ssh-rsa " RSA,
		(char *)"from=\"1.2.3.4\" ecdsa-sha2-nistp256 " EC256 " other",
	};

	merge_expect(text, len, keys, 3, text, len, 0);
	free(text);
}
END_TEST

START_TEST(test_merge_missing_newline)
{
	size_t len, wantlen;
	char *text = test_read(FIXTURES "/crlf-no-final-newline", &len), *want;
	char *keys[] = { (char *)"ssh-ed25519 " ED2, (char *)"ssh-ed25519 " ED1 " other comment" };

	ck_assert_int_ne(text[len - 1], '\n');
	want = xasprintf("%s\nssh-ed25519 " ED2 "\n", text);
	wantlen = strlen(want);
	merge_expect(text, len, keys, 2, want, wantlen, 1);
	/* Nothing to add: an exact copy, the missing newline not added. */
	merge_expect(text, len, keys + 1, 1, text, len, 0);
	free(want);
	free(text);
}
END_TEST

START_TEST(test_merge_dedups_new_keys)
{
	char *keys[] = {
		(char *)"ssh-ed25519 " ED1 " first",
		(char *)"no-pty ssh-ed25519 " ED1 " second",
		(char *)"ssh-rsa " RSA,
		(char *)"ssh-ed25519 " ED1,
		(char *)"ssh-rsa " RSA " again",
	};
	const char *want = "ssh-ed25519 " ED1 " first\nssh-rsa " RSA "\n";

	merge_expect(NULL, 0, keys, 5, want, strlen(want), 2);
	merge_expect("", 0, keys, 5, want, strlen(want), 2);
}
END_TEST

START_TEST(test_merge_empty)
{
	char *keys[] = { (char *)"ssh-ed25519 " ED1 " alice" };
	const char *one = "ssh-ed25519 " ED1 " alice\n";

	merge_expect(NULL, 0, NULL, 0, "", 0, 0);
	merge_expect("", 0, keys, 0, "", 0, 0);
	merge_expect(NULL, 0, keys, 1, one, strlen(one), 1);
	/* Only a blank line: kept, and the key follows it. */
	merge_expect("\n", 1, keys, 1, "\nssh-ed25519 " ED1 " alice\n", strlen(one) + 1, 1);
}
END_TEST

START_TEST(test_merge_compares_blob_exactly)
{
	/* Same type, different key; same key, different type name: both are added. */
	const char *text = "ssh-ed25519 " ED1 " alice\nssh-ed25519-cert-v01@openssh.com " ED2_CERT "\n";
	char *keys[] = { (char *)"ssh-ed25519 " ED2 " bob" };
	char *want = xasprintf("%s%s\n", text, keys[0]);

	merge_expect(text, strlen(text), keys, 1, want, strlen(want), 1);
	free(want);
}
END_TEST

START_TEST(test_merge_odd_existing_lines)
{
	/* A CRLF line counts; a line with a NUL byte or junk around the key does
	 * not; every byte, the NUL included, is kept. */
	const char text[] = "ssh-rsa " RSA " carol\r\nssh-ed25519 " ED1 " a\0b\nxssh-ed25519 " ED2 "\n";
	size_t len = sizeof(text) - 1;
	char *keys[] = { (char *)"ssh-rsa " RSA, (char *)"ssh-ed25519 " ED1, (char *)"ssh-ed25519 " ED2 };
	const char *tail = "ssh-ed25519 " ED1 "\nssh-ed25519 " ED2 "\n";
	char want[sizeof(text) + 256];

	ck_assert_uint_lt(len + strlen(tail), sizeof(want));
	memcpy(want, text, len);
	memcpy(want + len, tail, strlen(tail));
	merge_expect(text, len, keys, 3, want, len + strlen(tail), 2);
}
END_TEST

START_TEST(test_merge_refuses_bad_keys)
{
	char *keys[] = { (char *)"ssh-ed25519 " ED1, (char *)"ssh-ed25519 " ED2 "\nssh-rsa " RSA };
	char *bad[] = { (char *)"ssh-ed25519 " ED1_TRUNCATED };
	char *out = (char *)"unset", *cause = NULL;
	size_t outlen = 99, added = 99;

	ck_assert_int_eq(authorized_keys_merge("x\n", 2, keys, 2, &out, &outlen, &added, &cause),
	    EX_DATAERR);
	ck_assert_ptr_null(out);
	ck_assert_uint_eq(added, 0);
	ck_assert_ptr_nonnull(strstr(cause, "key 2 "));
	ck_assert_ptr_nonnull(strstr(cause, "control character"));
	free(cause);
	cause = NULL;
	ck_assert_int_eq(authorized_keys_merge(NULL, 0, bad, 1, &out, &outlen, &added, &cause),
	    EX_DATAERR);
	ck_assert_ptr_nonnull(strstr(cause, "truncated"));
	free(cause);
}
END_TEST

START_TEST(test_parse_then_merge)
{
	char **keys = NULL, **bad = NULL, *cause = NULL, *out = NULL;
	size_t n = 0, nbad = 0, outlen = 0, added = 0;
	const char *value = "ssh-ed25519 " ED1 " alice\r\nno-pty ssh-ed25519 " ED1 " again\r\n";

	authorized_keys_parse_env(value, "SSH_PUBLIC_KEY", &keys, &n, &bad, &nbad);
	ck_assert_uint_eq(nbad, 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(authorized_keys_merge("# keys\n", 7, keys, n, &out, &outlen, &added, &cause), 0);
	ck_assert_uint_eq(added, 1);
	ck_assert_str_eq(out, "# keys\nssh-ed25519 " ED1 " alice\n");
	ck_assert_uint_eq(outlen, strlen(out));
	free(out);
	strv_free(keys, n);
}
END_TEST

/* Lines that are not keys (a pasted fingerprint, a key without its type) are
 * skipped, each with its own message; the keys around them are kept. */
START_TEST(test_parse_skips_bad_lines)
{
	const char *value = "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s alice@laptop\n"
	    "ssh-ed25519 " ED1 " alice\n" ED2 "\n\nssh-rsa " RSA " carol";
	char **keys = NULL, **bad = NULL;
	size_t n = 0, nbad = 0;

	authorized_keys_parse_env(value, "PUBLIC_KEY", &keys, &n, &bad, &nbad);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(keys[0], "ssh-ed25519 " ED1 " alice");
	ck_assert_str_eq(keys[1], "ssh-rsa " RSA " carol");
	ck_assert_uint_eq(nbad, 2);
	ck_assert_msg(strncmp(bad[0], "PUBLIC_KEY line 1: unknown key type", 35) == 0, "%s", bad[0]);
	ck_assert_ptr_nonnull(strstr(bad[0], "\"SHA256:uNiVztksCsDhc\""));
	ck_assert_msg(strncmp(bad[1], "PUBLIC_KEY line 3: unknown key type", 35) == 0, "%s", bad[1]);
	ck_assert_ptr_null(strstr(bad[1], ED2));
	strv_free(keys, n);
	strv_free(bad, nbad);
	/* Nothing but bad lines: no key, every line named. */
	authorized_keys_parse_env("garbage\nmore garbage", "SSH_PUBLIC_KEY", &keys, &n, &bad, &nbad);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(keys);
	ck_assert_uint_eq(nbad, 2);
	ck_assert_msg(strncmp(bad[1], "SSH_PUBLIC_KEY line 2: ", 23) == 0, "%s", bad[1]);
	strv_free(bad, nbad);
}
END_TEST

/* Keys pasted one after the other on one line are each taken, with their
 * comments; a comment that merely names a key type stays a comment. */
START_TEST(test_parse_two_keys_one_line)
{
	static const char *const two[] = {
		"ssh-ed25519 " ED1 " alice@laptop", "ssh-rsa " RSA " carol",
	};
	static const char *const three[] = {
		"no-pty ssh-ed25519 " ED1, "ssh-ed25519 " ED2 " b", "ssh-rsa " RSA,
	};
	static const char *const one[] = { "ssh-ed25519 " ED1 " my ssh-rsa key, not ssh-rsa xyz" };

	parse_expect("ssh-ed25519 " ED1 " alice@laptop ssh-rsa " RSA " carol", two, 2);
	parse_expect("no-pty ssh-ed25519 " ED1 "\tssh-ed25519 " ED2 " b  ssh-rsa " RSA "  ",
	    three, 3);
	parse_expect(one[0], one, 1);
}
END_TEST

Suite *authorized_keys_suite(void)
{
	Suite *s = suite_create("authorized_keys");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_parse_none);
	tcase_add_test(tc, test_parse_skips_bad_lines);
	tcase_add_test(tc, test_parse_two_keys_one_line);
	tcase_add_test(tc, test_parse_one);
	tcase_add_test(tc, test_parse_several_lf);
	tcase_add_test(tc, test_parse_several_crlf);
	tcase_add_test(tc, test_parse_options_and_comment);
	tcase_add_test(tc, test_parse_every_type);
	tcase_add_test(tc, test_parse_bad_base64);
	tcase_add_test(tc, test_parse_type_mismatch);
	tcase_add_test(tc, test_parse_unknown_type);
	tcase_add_test(tc, test_parse_truncated);
	tcase_add_test(tc, test_parse_control_char);
	tcase_add_test(tc, test_line_limits);
	suite_add_tcase(s, tc);

	tc = tcase_create("merge");
	tcase_add_test(tc, test_merge_fixture_adds);
	tcase_add_test(tc, test_merge_fixture_already_there);
	tcase_add_test(tc, test_merge_missing_newline);
	tcase_add_test(tc, test_merge_dedups_new_keys);
	tcase_add_test(tc, test_merge_empty);
	tcase_add_test(tc, test_merge_compares_blob_exactly);
	tcase_add_test(tc, test_merge_odd_existing_lines);
	tcase_add_test(tc, test_merge_refuses_bad_keys);
	tcase_add_test(tc, test_parse_then_merge);
	suite_add_tcase(s, tc);
	return s;
}
