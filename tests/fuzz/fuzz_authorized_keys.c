/* libFuzzer target for authorized_keys: the input is "VALUE\0TEXT", the
 * environment value (PUBLIC_KEY) and the existing file's text; without a
 * NUL byte the input is both. Besides "no crash, no leak", it aborts when:
 *  - parse_env accepts a line authorized_keys_line_valid refuses, keeps a
 *    line break or trailing blank, or its message holds a byte that is not
 *    printable ASCII;
 *  - merge drops or changes a byte of the text (it must be a prefix of the
 *    output, only a missing final newline added), appends anything but the
 *    given keys one per line, adds a key twice, or adds anything when
 *    merged again with the same keys;
 *  - keys parsed from the text itself are not all found there (added 0). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "authorized_keys.h"
#include "log.h"
#include "util.h"

/* Abort with the failed property's name; libFuzzer saves the input. */
#define PROPERTY(cond) do { \
	if (!(cond)) \
		fatal("property failed at %s:%d: %s", __FILE__, __LINE__, #cond); \
} while (0)

#define ED1 "AAAAC3NzaC1lZDI1NTE5AAAAILdvAfGmRa5BhJCMPhO9ITtxtwgeqS0G17KciN12ABZ5"
#define ED2 "AAAAC3NzaC1lZDI1NTE5AAAAIMfTZALvfFxmxjwZAAyzldEmN/IiPHeau1Yh4omHGwDb"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Valid keys to merge besides the parsed ones (ED1 twice, options differ). */
static char *const fixed_keys[] = {
	(char *)"ssh-ed25519 " ED1 " alice",
	(char *)"no-pty ssh-ed25519 " ED1 " alice again",
	(char *)"ssh-ed25519 " ED2,
};

/* 1 when every byte of s is printable ASCII. */
static int printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

/* parse_env on value: the keys (maybe none); every skipped line gets a
 * printable message. It never refuses the whole value (*ok is always 1). */
static char **parse(const char *value, size_t *n, int *ok)
{
	char **keys = NULL, **skipped = NULL;
	const char *why;
	size_t i, len, nskipped = 0;

	authorized_keys_parse_env(value, "PUBLIC_KEY", &keys, n, &skipped, &nskipped);
	for (i = 0; i < *n; i++) {
		len = strlen(keys[i]);
		PROPERTY(len > 0 && strpbrk(keys[i], "\r\n") == NULL);
		PROPERTY(keys[i][len - 1] != ' ' && keys[i][len - 1] != '\t');
		why = "unset";
		PROPERTY(authorized_keys_line_valid(keys[i], &why) == 1);
	}
	for (i = 0; i < nskipped; i++)
		PROPERTY(skipped[i] != NULL && printable(skipped[i]));
	strv_free(skipped, nskipped);
	*ok = 1;
	return keys;
}

/* The bytes appended to text are the added keys, one per line, in order. */
static void check_appended(const char *text, size_t len, const char *out, size_t outlen,
    char *const *keys, size_t n, size_t added)
{
	const char *p = out + len, *end = out + outlen;
	size_t i, seen = 0, klen;

	PROPERTY(outlen >= len && (len == 0 || memcmp(out, text, len) == 0) &&
	    out[outlen] == '\0');
	if (added == 0) {
		PROPERTY(outlen == len);
		return;
	}
	if (len > 0 && text[len - 1] != '\n')
		PROPERTY(*p++ == '\n');
	for (i = 0; i < n && p < end; i++) {
		klen = strlen(keys[i]);
		if ((size_t)(end - p) > klen && memcmp(p, keys[i], klen) == 0 &&
		    p[klen] == '\n') {
			p += klen + 1;
			seen++;
		}
	}
	PROPERTY(p == end && seen == added);
}

/* merge, its output checked, then merged again: nothing more to add. */
static void merge(const char *text, size_t len, char *const *keys, size_t n)
{
	char *out, *again, *cause = NULL;
	size_t outlen, againlen, added, added2;
	int rc = authorized_keys_merge(text, len, keys, n, &out, &outlen, &added, &cause);

	PROPERTY(rc == 0 && cause == NULL && added <= n);
	check_appended(text, len, out, outlen, keys, n, added);
	rc = authorized_keys_merge(out, outlen, keys, n, &again, &againlen, &added2, &cause);
	PROPERTY(rc == 0 && added2 == 0 && againlen == outlen &&
	    memcmp(again, out, outlen) == 0);
	free(again);
	free(out);
}

/* 1 when key is a whole line of text (blanks and a '\r' around it aside):
 * two keys pasted on one line are taken apart, and only the first is then
 * in the text as sshd reads it. */
static int line_in_text(const char *text, size_t len, const char *key)
{
	const char *p = text, *end = text + len, *nl, *s, *e;
	size_t klen = strlen(key);

	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		for (s = p; s < nl && (*s == ' ' || *s == '\t'); s++)
			;
		for (e = nl; e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'); e--)
			;
		if ((size_t)(e - s) == klen && memcmp(s, key, klen) == 0)
			return 1;
		if (nl == end)
			break;
	}
	return 0;
}

/* Merge the parsed keys, alone, with fixed ones, into nothing; when the
 * keys come from the text itself, nothing is added. */
static void merge_parsed(const char *text, size_t len, char **keys, size_t n, int from_text)
{
	char **all = xcalloc(n + 3, sizeof(*all)), *out = NULL;
	size_t outlen, added = 1;

	if (n > 0)
		memcpy(all, keys, n * sizeof(*keys));
	memcpy(all + n, fixed_keys, sizeof(fixed_keys));
	merge(text, len, keys, n);
	merge(text, len, all, n + 3);
	merge(NULL, 0, all, n + 3);
	if (from_text) {	/* a key standing alone on a line of the text is in it */
		size_t i, m = 0;
		char **alone = xcalloc(n + 1, sizeof(*alone));

		for (i = 0; i < n; i++)
			if (line_in_text(text, len, keys[i]))
				alone[m++] = keys[i];
		PROPERTY(authorized_keys_merge(text, len, alone, m, &out, &outlen, &added,
		    NULL) == 0 && added == 0);
		free(out);
		free(alone);
	}
	free(all);
}

/* The value's first line, maybe not a key, as a key to add: refused, or
 * merged like any other. */
static void merge_line(const char *text, size_t len, const char *value)
{
	char *line = xstrndup(value, strcspn(value, "\n")), *out = NULL, *cause = NULL;
	size_t outlen = 0, added = 0;
	int rc = authorized_keys_merge(text, len, &line, 1, &out, &outlen, &added, &cause);

	if (rc != 0)
		PROPERTY(rc == EX_DATAERR && out == NULL && cause != NULL && printable(cause));
	else {
		check_appended(text, len, out, outlen, &line, 1, added);
		free(out);
	}
	free(cause);
	free(line);
}

/* Feed the input as "VALUE\0TEXT" (or both at once). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data, *nul = memchr(in, '\0', size), *text;
	char *value, **keys;
	size_t n, len;
	int ok;

	log_set_level(LOG_LEVEL_ERROR);
	value = xstrndup(in, nul != NULL ? (size_t)(nul - in) : size);
	text = nul != NULL ? nul + 1 : in;
	len = size - (size_t)(text - in);
	keys = parse(value, &n, &ok);
	if (ok)
		merge_parsed(text, len, keys, n, nul == NULL);
	merge_line(text, len, value);
	strv_free(keys, n);
	free(value);
	return 0;
}
