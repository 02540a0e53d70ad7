/* Which crypt(5) methods the target's password checker verifies: the crypt()
 * that sshd (or the PAM module it runs) calls on the password a client sends,
 * which is the target system's C library or libcrypt, not podpass's own.
 * Read from the files only: sshd's ELF program headers, and the libcrypt its
 * dynamic loader would find.
 *
 * Must never: call a method verified that the target might not verify (an
 * unknown crypt() verifies only what every crypt() does), run or load any of
 * the files it reads, or read a file that a user other than root could
 * change. */
#ifndef PODPASS_CRYPT_TARGET_H
#define PODPASS_CRYPT_TARGET_H

enum crypt_kind {
	CRYPT_NO_SSHD,		/* sshd could not be read: no opinion (sshd's own check fails) */
	CRYPT_UNKNOWN,		/* not an ELF file podpass reads, or no libcrypt found */
	CRYPT_STATIC,		/* sshd is linked statically: its crypt() is unknown */
	CRYPT_MUSL,		/* musl's dynamic loader: musl's crypt() */
	CRYPT_GLIBC,		/* glibc's loader with glibc's own libcrypt (no libxcrypt) */
	CRYPT_LIBXCRYPT,	/* glibc's loader with libxcrypt: the methods it was built with */
};

struct crypt_target {
	enum crypt_kind kind;
	char *checker;		/* the file judged (path inside the root), or NULL */
	unsigned methods;	/* a bit per name of crypt_target_methods that it verifies */
};

/* The methods the bits of crypt_target.methods stand for, in order of preference,
 * NULL-terminated. */
extern const char *const crypt_target_methods[];

/* Judge the password checker of the sshd at sshd_path inside root (NULL: "/").
 * Never fails: what cannot be read is judged by what every crypt() verifies. */
void crypt_target_probe(const char *root, const char *sshd_path, struct crypt_target *t);

/* 1 when t verifies hashes of method (a name hash_method_prefix takes, or a
 * crypt(5) string's method as hash_method_of names it). */
int crypt_target_verifies(const struct crypt_target *t, const char *method);

/* The method for a new hash: asked (--method or the config's 'method') when
 * the target verifies it, refused with EX_CONFIG and *cause otherwise; with
 * nothing asked, podpass's preferred method when the target verifies it, else
 * sha512. *method is asked, a constant name, or NULL for the preferred one. */
int crypt_target_choose(const struct crypt_target *t, const char *asked,
    const char **method, char **cause);

/* A ready hash (--encrypted) of a method the target verifies: 0, or EX_CONFIG. */
int crypt_target_check_hash(const struct crypt_target *t, const char *hash, char **cause);

/* One phrase for messages: what checks passwords and what it verifies
 * (malloc'd), e.g. "/usr/sbin/sshd is linked statically: ...". */
char *crypt_target_describe(const struct crypt_target *t);

/* The kind as one word for status --json ("libxcrypt", "musl", ...). */
const char *crypt_target_kind_name(enum crypt_kind kind);

void crypt_target_free(struct crypt_target *t);

#endif
