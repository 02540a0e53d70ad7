/* Password hashing with libxcrypt, and validation of a ready hash.
 * Memory only: no file or process I/O.
 *
 * Must never: return a hash that does not verify against its password,
 * accept a hash that could break /etc/shadow (':' or a newline), accept a
 * bare salt, a lock marker or an unknown method, or log any of them. */
#ifndef PODPASS_HASH_H
#define PODPASS_HASH_H

/* Methods by name, as --method and the config key 'method' take them
 * (case-insensitive): "yescrypt", "gost-yescrypt", "scrypt", "bcrypt",
 * "sha512" ("sha256" is known but refused: libxcrypt calls it legacy).
 * NULL or "" means libxcrypt's preferred method.
 * Returns 0 and sets *prefix (e.g. "$6$"; NULL for preferred), or
 * EX_USAGE with *cause naming the accepted methods. */
int hash_method_prefix(const char *method, const char **prefix, char **cause);

/* The method name of a crypt(5) string ("$y$..." -> "yescrypt", "$2a$..." ->
 * "bcrypt"), the first name hash_method_prefix takes for it; NULL when it is
 * none of them. Reads only the "$id$" at the start. */
const char *hash_method_of(const char *hash);

/* The name of libxcrypt's preferred method, the one a NULL method hashes with. */
const char *hash_preferred_method(void);

/* Hash password with method (see above) and a fresh random salt. The result
 * is verified by hashing again before it is returned.
 * Returns 0 and a malloc'd *hash, or an EX_* code with *cause. */
int hash_password(const char *password, const char *method, char **hash, char **cause);

/* hash_password in two halves, so that every error of its input comes before
 * the costly part (which may run on a thread while podpass goes on): the
 * first checks the method and the password's length and makes a fresh
 * setting (malloc'd *setting; 0, or EX_USAGE / EX_DATAERR / EX_SOFTWARE with
 * *cause); the second hashes with it, verified and validated as
 * hash_password's result is (0 and malloc'd *hash, or EX_SOFTWARE: libxcrypt
 * failed, which no input causes). */
int hash_new_setting(const char *password, const char *method, char **setting,
    char **cause);
int hash_with_setting(const char *password, const char *setting, char **hash,
    char **cause);

/* Check that hash is a complete crypt(5) string of a known, enabled,
 * non-legacy method: not empty, not '*' or '!...', not a bare salt, no ':',
 * no newline, no other control character.
 * Returns 0, or EX_DATAERR with *cause (which never quotes the hash). */
int hash_validate(const char *hash, char **cause);

/* 1 when password hashes to hash, else 0. Constant-time compare. */
int hash_verify(const char *password, const char *hash);

#endif
