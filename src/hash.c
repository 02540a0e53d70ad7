/* Password hashing with libxcrypt, and validation of a ready hash.
 *
 * Threat model. This file must never:
 *  - return a hash that does not verify against the password it came from;
 *  - accept a string that would lock the user out or open the account when
 *    stored in /etc/shadow: empty, a lock marker ('*', '!...'), a bare salt
 *    (crypt would compute a different string, so no password ever matches),
 *    an unknown, disabled or legacy method;
 *  - accept a byte that could break the shadow line (':', newline, control);
 *  - leave the password or a hash in memory it frees, or put either into a
 *    message: causes name the problem, never the string.
 * Memory only: no file or process I/O. */
#include "config.h"

#include <crypt.h>
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include "hash.h"
#include "util.h"

#ifndef CRYPT_CHECKSALT_AVAILABLE
#error "libxcrypt with crypt_checksalt (4.3 or later) is required"
#endif

/* What validation hashes to check a given hash for completeness. */
#define HASH_PROBE "podpass-probe"

static const struct {
	const char *name;
	const char *prefix;
} hash_methods[] = {
	{ "yescrypt", "$y$" },
	{ "gost-yescrypt", "$gy$" },
	{ "gost_yescrypt", "$gy$" },
	{ "scrypt", "$7$" },
	{ "bcrypt", "$2b$" },
	{ "sha512", "$6$" },
	{ "sha512crypt", "$6$" },
	{ "sha256", "$5$" },
	{ "sha256crypt", "$5$" },
};

#define HASH_METHOD_NAMES "yescrypt, gost-yescrypt, scrypt, bcrypt, sha512, sha256"

/* Wipe and free a crypt_data (it is ~32 KiB, so on the heap). */
static void crypt_data_free(struct crypt_data *cd)
{
	freezero(cd, sizeof(*cd));
}

/* 1 when a and b hold the same bytes; the time does not depend on where they differ. */
static int ct_streq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i;
	unsigned char diff = 0;

	if (la != lb)
		return 0;
	for (i = 0; i < la; i++)
		diff |= (unsigned char)a[i] ^ (unsigned char)b[i];
	return diff == 0;
}

/* Map a method name to its crypt(5) prefix. */
int hash_method_prefix(const char *method, const char **prefix, char **cause)
{
	size_t i;

	*prefix = NULL;
	if (method == NULL || *method == '\0')
		return 0;
	for (i = 0; i < sizeof(hash_methods) / sizeof(hash_methods[0]); i++) {
		if (strcasecmp(method, hash_methods[i].name) == 0) {
			*prefix = hash_methods[i].prefix;
			return 0;
		}
	}
	set_cause(cause, "unknown hash method; accepted: " HASH_METHOD_NAMES);
	return EX_USAGE;
}

const char *hash_method_of(const char *hash)
{
	size_t i, n;

	if (hash == NULL)
		return NULL;
	/* bcrypt's older variants: the same method, verified by the same code */
	if (strncmp(hash, "$2a$", 4) == 0 || strncmp(hash, "$2y$", 4) == 0)
		return "bcrypt";
	for (i = 0; i < sizeof(hash_methods) / sizeof(hash_methods[0]); i++) {
		n = strlen(hash_methods[i].prefix);
		if (strncmp(hash, hash_methods[i].prefix, n) == 0)
			return hash_methods[i].name;
	}
	return NULL;
}

const char *hash_preferred_method(void)
{
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];

	if (crypt_gensalt_rn(NULL, 0, NULL, 0, setting, sizeof(setting)) == NULL)
		return NULL;
	return hash_method_of(setting);
}

/* A fresh random setting for prefix (NULL: preferred method), refused when legacy. */
static int new_setting(const char *prefix, const char *method, char **setting, char **cause)
{
	const char *name = prefix != NULL ? method : "the preferred method";
	char *s;

	errno = 0;
	s = crypt_gensalt_ra(prefix, 0, NULL, 0);
	if (s == NULL) {
		if (errno == EINVAL && prefix != NULL) {
			set_cause(cause, "hash method %s is not available in this libxcrypt", name);
			return EX_USAGE;
		}
		set_cause(cause, "crypt_gensalt failed for %s: %s", name, strerror(errno));
		return EX_SOFTWARE;
	}
	if (crypt_checksalt(s) != CRYPT_SALT_OK) {
		set_cause(cause, "hash method %s is legacy/weak in this libxcrypt; use yescrypt or sha512", name);
		free(s);
		return EX_USAGE;
	}
	*setting = s;
	return 0;
}

/* Hash password with setting into a malloc'd string; NULL (errno set) when crypt
 * fails or memory runs out. It runs on the hashing threads, which may still work
 * while podpass commits: a failure there must come back to be rolled back, not
 * end the process (so no x-allocator here). */
static char *hash_with(const char *password, const char *setting)
{
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	char *out = NULL;
	int saved;

	if (cd == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	if (crypt_rn(password, setting, cd, sizeof(*cd)) != NULL &&
	    (out = strdup(cd->output)) == NULL)
		errno = ENOMEM;
	saved = errno;
	crypt_data_free(cd);
	errno = saved;
	return out;
}

struct twin_job {
	const char *password, *setting;
	char *out;
	int err;
};

static void *twin_main(void *arg)
{
	struct twin_job *j = arg;

	errno = 0;
	j->out = hash_with(j->password, j->setting);
	j->err = errno;
	return NULL;
}

/* The hash of password with setting, computed twice, side by side on two
 * threads (one hash when no thread can be made is computed twice in a row):
 * *twin gets the second. Verifying a new hash h means hashing the password again
 * with h as the setting and getting h back. crypt takes from h only its setting
 * part, so when h begins with the setting it was made with, that second hash is
 * the twin computed here, without waiting for the first: with yescrypt, tens of
 * milliseconds off every enable. NULL when crypt fails (errno set). */
static char *hash_twice(const char *password, const char *setting, char **twin)
{
	struct twin_job j = { password, setting, NULL, 0 };
	pthread_t t;
	char *out;
	int threaded = pthread_create(&t, NULL, twin_main, &j) == 0, saved;

	out = hash_with(password, setting);
	saved = errno;
	if (threaded)
		pthread_join(t, NULL);
	else
		twin_main(&j);
	*twin = j.out;
	if (out == NULL || j.out == NULL) {
		strfreezero(out);
		errno = out == NULL ? saved : j.err;
		return NULL;
	}
	return out;
}

/* 1 when hash starts with setting, followed by what the method puts after it:
 * '$' and the hash, or for bcrypt the hash right away. */
static int begins_with_setting(const char *hash, const char *setting)
{
	size_t n = strlen(setting);

	if (strncmp(hash, setting, n) != 0 || hash[n] == '\0')
		return 0;
	return setting[1] == '2' || hash[n] == '$';
}

static int check_bytes(const char *hash, char **cause);
static int check_method(const char *hash, char **cause);

int hash_new_setting(const char *password, const char *method, char **setting, char **cause)
{
	const char *prefix;
	int rc;

	*setting = NULL;
	if ((rc = hash_method_prefix(method, &prefix, cause)) != 0)
		return rc;
	if (password == NULL) {
		set_cause(cause, "no password to hash");
		return EX_SOFTWARE;
	}
	if (strlen(password) >= CRYPT_MAX_PASSPHRASE_SIZE) {
		set_cause(cause, "the password is longer than %d bytes", CRYPT_MAX_PASSPHRASE_SIZE - 1);
		return EX_DATAERR;
	}
	return new_setting(prefix, method, setting, cause);
}

int hash_with_setting(const char *password, const char *setting, char **hash, char **cause)
{
	char *out = NULL, *twin = NULL;
	int rc = EX_SOFTWARE;

	*hash = NULL;
	errno = 0;
	if ((out = hash_twice(password, setting, &twin)) == NULL) {
		set_cause(cause, "crypt failed: %s", strerror(errno));
		goto out;
	}
	if (!begins_with_setting(out, setting) || !ct_streq(out, twin)) {
		set_cause(cause, "the new hash does not verify against the password");
		goto out;
	}
	/* Bytes and method only: that hashing the password again with out as the
	 * setting gave out back is already what check_complete's probe would show. */
	if (check_bytes(out, cause) != 0 || check_method(out, cause) != 0) {
		set_cause(cause, "libxcrypt produced a hash that does not validate");
		goto out;
	}
	*hash = out;
	out = NULL;
	rc = 0;
out:
	strfreezero(out);
	strfreezero(twin);
	return rc;
}

/* Hash password with method and a fresh salt; the result is verified and validated. */
int hash_password(const char *password, const char *method, char **hash, char **cause)
{
	char *setting;
	int rc;

	*hash = NULL;
	if ((rc = hash_new_setting(password, method, &setting, cause)) != 0)
		return rc;
	rc = hash_with_setting(password, setting, hash, cause);
	strfreezero(setting);
	return rc;
}

/* Refuse the strings that are not hashes at all, or whose bytes could break the line. */
static int check_bytes(const char *hash, char **cause)
{
	const unsigned char *p;

	if (hash == NULL || *hash == '\0') {
		set_cause(cause, "the hash is empty");
		return EX_DATAERR;
	}
	if (*hash == '*' || *hash == '!') {
		set_cause(cause, "the hash is a lock marker ('*' or '!'), not a password hash");
		return EX_DATAERR;
	}
	for (p = (const unsigned char *)hash; *p != '\0'; p++) {
		if (*p == ':') {
			set_cause(cause, "the hash contains ':'");
			return EX_DATAERR;
		}
		if (*p == '\n' || *p == '\r') {
			set_cause(cause, "the hash contains a line break");
			return EX_DATAERR;
		}
		if (*p <= ' ' || *p > '~') {
			set_cause(cause, "the hash contains a control character, whitespace or a non-ASCII byte");
			return EX_DATAERR;
		}
	}
	if (strlen(hash) >= CRYPT_OUTPUT_SIZE) {
		set_cause(cause, "the hash is too long to be a crypt(5) hash");
		return EX_DATAERR;
	}
	return 0;
}

/* 1 when libxcrypt knows the method named by the "$id$" that starts hash. */
static int method_known(const char *hash)
{
	char prefix[CRYPT_OUTPUT_SIZE], salt[CRYPT_GENSALT_OUTPUT_SIZE];
	const char *end;

	if (hash[0] != '$' || (end = strchr(hash + 1, '$')) == NULL)
		return 0;
	memcpy(prefix, hash, (size_t)(end - hash) + 1);
	prefix[end - hash + 1] = '\0';
	return crypt_gensalt_rn(prefix, 0, NULL, 0, salt, sizeof(salt)) != NULL;
}

/* Ask crypt_checksalt about the method and its parameters. */
static int check_method(const char *hash, char **cause)
{
	switch (crypt_checksalt(hash)) {
	case CRYPT_SALT_OK:
		return 0;
	case CRYPT_SALT_METHOD_LEGACY:
	case CRYPT_SALT_TOO_CHEAP:
		if (hash[0] != '$' && hash[0] != '_' && strlen(hash) != 13) {
			set_cause(cause, "not a crypt(5) hash (with --encrypted the secret must be "
			    "a hash such as $y$... or $6$...; leave --encrypted out for a password)");
			break;
		}
		set_cause(cause, "the hash method is legacy/weak (DES, MD5, sha256crypt and the "
		    "like are refused); use yescrypt or sha512");
		break;
	case CRYPT_SALT_METHOD_DISABLED:
		set_cause(cause, "the hash uses an unknown or disabled method");
		break;
	default:
		if (method_known(hash))
			set_cause(cause, "not a complete crypt(5) hash (its parameters are invalid)");
		else
			set_cause(cause, "the hash uses an unknown or disabled method");
		break;
	}
	return EX_DATAERR;
}

/* Length of the setting that starts a complete hash: everything up to the
 * last '$', and for bcrypt ("$2?$NN$") also the 22 salt characters after it. */
static size_t setting_len(const char *hash)
{
	size_t n = (size_t)(strrchr(hash, '$') - hash) + 1;

	if (hash[1] == '2')
		n += 22;
	return n;
}

/* Refuse a bare salt or a hash that crypt would not reproduce: hashing a
 * probe with hash as the setting must give a string of the same length and
 * the same setting, else no password could ever match it. */
static int check_complete(const char *hash, char **cause)
{
	char *probe = hash_with(HASH_PROBE, hash);
	size_t len = strlen(hash);
	int rc = EX_DATAERR;

	if (probe == NULL || strchr(hash, '$') == NULL || strlen(probe) != len) {
		set_cause(cause, "not a complete crypt(5) hash (a bare salt, or cut short or extended)");
		goto out;
	}
	if (setting_len(hash) > len || strrchr(probe, '$') - probe != strrchr(hash, '$') - hash ||
	    memcmp(probe, hash, setting_len(hash)) != 0) {
		set_cause(cause, "not a complete crypt(5) hash (its setting is not canonical)");
		goto out;
	}
	rc = 0;
out:
	strfreezero(probe);
	return rc;
}

/* Check that a ready hash is complete, well formed and of a strong method. */
int hash_validate(const char *hash, char **cause)
{
	int rc;

	if ((rc = check_bytes(hash, cause)) != 0)
		return rc;
	if ((rc = check_method(hash, cause)) != 0)
		return rc;
	return check_complete(hash, cause);
}

/* 1 when password hashes to hash (constant-time compare), else 0. */
int hash_verify(const char *password, const char *hash)
{
	char *computed;
	int ok;

	if (password == NULL || hash == NULL || *hash == '\0')
		return 0;
	if ((computed = hash_with(password, hash)) == NULL)
		return 0;
	ok = ct_streq(computed, hash);
	strfreezero(computed);
	return ok;
}
