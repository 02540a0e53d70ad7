/* Which crypt(5) methods the target's password checker verifies.
 *
 * sshd compares a password with /etc/shadow through crypt(): its own when
 * UsePAM is off, pam_unix's when it is on; both are the target system's C
 * library's or its libcrypt.so.1, whatever podpass itself was linked with. A
 * hash that crypt() cannot compute never matches: the account is locked out
 * with "password login is on" reported. So podpass judges the target first:
 *  - sshd's ELF program headers: no interpreter is a static sshd (its crypt()
 *    is whatever libc it was linked with: unknown); musl's loader is musl's
 *    crypt() (DES, MD5, bcrypt, SHA-256, SHA-512: no yescrypt);
 *  - with glibc's loader, the libcrypt.so.1 it would load (the first in the
 *    usual library directories): libxcrypt (its XCRYPT_ symbol versions)
 *    verifies the methods whose "$id$" prefixes it holds; glibc's own libcrypt
 *    verifies SHA-256 and SHA-512.
 * What cannot be told verifies only what every crypt() does: sha512 (sha256
 * too, which podpass refuses as legacy).
 *
 * Must never: report a method verified that the target might not verify,
 * run, map or load any file it reads, or read a file that a user other than
 * root could change (trust_path). */
#include "config.h"

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include "crypt_target.h"
#include "hash.h"
#include "trust.h"
#include "util.h"

const char *const crypt_target_methods[] = {
	"yescrypt", "gost-yescrypt", "scrypt", "bcrypt", "sha512", "sha256", NULL
};

#define BIT_BCRYPT (1u << 3)
#define BIT_SHA512 (1u << 4)
#define BIT_SHA256 (1u << 5)
/* What every crypt() podpass may meet verifies: glibc's since 2.7, musl's, libxcrypt's. */
#define PORTABLE_METHODS (BIT_SHA512 | BIT_SHA256)
#define MUSL_METHODS (BIT_SHA512 | BIT_SHA256 | BIT_BCRYPT)

/* libcrypt.so.1 is a few hundred KiB: more is not a libcrypt podpass knows. */
#define LIBCRYPT_MAX (16u << 20)

/* This machine's byte order, as an ELF header names it. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HOST_ELFDATA ELFDATA2LSB
#else
#define HOST_ELFDATA ELFDATA2MSB
#endif

/* Read exactly len bytes at off; 0 on success. */
static int read_at(int fd, void *buf, size_t len, off_t off)
{
	ssize_t n = pread(fd, buf, len, off);

	return n >= 0 && (size_t)n == len ? 0 : -1;
}

/* From a 64-bit ELF file of this machine's byte order: its machine, and its
 * program interpreter (empty for none). 0, or -1 when it is not such a file. */
static int read_elf(int fd, unsigned *machine, char *interp, size_t size)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	unsigned i;

	interp[0] = '\0';
	if (read_at(fd, &eh, sizeof(eh), 0) != 0 || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof(ph) ||
	    eh.e_phnum > 128 || eh.e_ident[EI_DATA] != HOST_ELFDATA)
		return -1;
	*machine = eh.e_machine;
	for (i = 0; i < eh.e_phnum; i++) {
		if (read_at(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + (Elf64_Off)i * sizeof(ph))) != 0)
			return -1;
		if (ph.p_type != PT_INTERP)
			continue;
		if (ph.p_filesz == 0 || ph.p_filesz >= size ||
		    read_at(fd, interp, (size_t)ph.p_filesz, (off_t)ph.p_offset) != 0)
			return -1;
		interp[ph.p_filesz] = '\0';
		return 0;
	}
	return 0;
}

/* The multiarch directory name of a machine, or NULL. */
static const char *multiarch(unsigned machine)
{
	switch (machine) {
	case EM_X86_64: return "x86_64-linux-gnu";
	case EM_AARCH64: return "aarch64-linux-gnu";
	default: return NULL;
	}
}

/* The whole file (at most LIBCRYPT_MAX bytes) into *buf; 0 or -1. */
static int read_all(int fd, char **buf, size_t *len)
{
	size_t cap = 256u << 10, n = 0;
	char *b = xmalloc(cap);
	ssize_t r;

	for (;;) {
		if (n == cap) {
			if (cap >= LIBCRYPT_MAX) {
				free(b);
				return -1;
			}
			cap *= 2;
			b = xrealloc(b, cap);
		}
		r = read(fd, b + n, cap - n);
		if (r < 0) {
			free(b);
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*buf = b;
	*len = n;
	return 0;
}

/* Judge the libcrypt in the file fd: libxcrypt and the prefixes it holds, or glibc's. */
static void judge_libcrypt(int fd, struct crypt_target *t)
{
	char *buf;
	const char *prefix;
	size_t len, i;

	t->kind = CRYPT_UNKNOWN;
	t->methods = PORTABLE_METHODS;
	if (read_all(fd, &buf, &len) != 0)
		return;
	if (memmem(buf, len, "XCRYPT_2.", 9) == NULL) {
		t->kind = CRYPT_GLIBC;
	} else {
		t->kind = CRYPT_LIBXCRYPT;
		t->methods = 0;
		/* each method libxcrypt was built with has its "$id$" in its table */
		for (i = 0; crypt_target_methods[i] != NULL; i++) {
			if (hash_method_prefix(crypt_target_methods[i], &prefix, NULL) != 0 ||
			    prefix == NULL)
				continue;
			/* with its NUL: the string itself, not the start of another */
			if (memmem(buf, len, prefix, strlen(prefix) + 1) != NULL)
				t->methods |= 1u << i;
		}
	}
	free(buf);
}

/* glibc's loader: find the libcrypt.so.1 it would load, and judge it. */
static void probe_libcrypt(const char *root, unsigned machine, struct crypt_target *t)
{
	const char *ma = multiarch(machine);
	char *dirs[6], *path;
	size_t n = 0, i;
	int fd = -1, rc = EX_NOINPUT;

	if (ma != NULL) {
		dirs[n++] = xasprintf("/lib/%s", ma);
		dirs[n++] = xasprintf("/usr/lib/%s", ma);
	}
	dirs[n++] = xstrdup("/lib64");
	dirs[n++] = xstrdup("/usr/lib64");
	dirs[n++] = xstrdup("/lib");
	dirs[n++] = xstrdup("/usr/lib");
	for (i = 0; i < n && rc == EX_NOINPUT; i++) {
		char *inside = xasprintf("%s/libcrypt.so.1", dirs[i]);

		path = path_under_root(root, inside);
		rc = trust_path(path, TRUST_ROOT_ONLY, &fd, NULL);
		free(path);
		if (rc != EX_NOINPUT) {
			free(t->checker);
			t->checker = inside;
		} else
			free(inside);
	}
	for (i = 0; i < n; i++)
		free(dirs[i]);
	if (rc == 0) {
		judge_libcrypt(fd, t);
		close(fd);
	}
}

void crypt_target_probe(const char *root, const char *sshd_path, struct crypt_target *t)
{
	char *path = path_under_root(root, sshd_path), interp[256];
	unsigned machine = 0;
	int fd, rc;

	memset(t, 0, sizeof(*t));
	t->kind = CRYPT_NO_SSHD;
	t->methods = PORTABLE_METHODS;
	rc = trust_path(path, TRUST_ROOT_ONLY, &fd, NULL);
	free(path);
	if (rc != 0)
		return;
	t->checker = xstrdup(sshd_path);
	rc = read_elf(fd, &machine, interp, sizeof(interp));
	close(fd);
	t->kind = CRYPT_UNKNOWN;
	if (rc != 0)
		return;
	if (interp[0] == '\0')
		t->kind = CRYPT_STATIC;
	else if (strstr(interp, "/ld-musl-") != NULL) {
		t->kind = CRYPT_MUSL;
		t->methods = MUSL_METHODS;
	} else
		probe_libcrypt(root, machine, t);
}

/* The bit of a method name (any name hash_method_prefix takes), or 0. */
static unsigned method_bit(const char *method)
{
	const char *prefix, *name;
	size_t i;

	if (method == NULL || hash_method_prefix(method, &prefix, NULL) != 0 || prefix == NULL ||
	    (name = hash_method_of(prefix)) == NULL)
		return 0;
	for (i = 0; crypt_target_methods[i] != NULL; i++)
		if (strcmp(crypt_target_methods[i], name) == 0)
			return 1u << i;
	return 0;
}

int crypt_target_verifies(const struct crypt_target *t, const char *method)
{
	unsigned bit = method_bit(method);

	return bit != 0 && (t->methods & bit) != 0;
}

/* The names of t's methods, comma separated (malloc'd). */
static char *method_list(const struct crypt_target *t)
{
	struct buf b = { 0 };
	size_t i;

	for (i = 0; crypt_target_methods[i] != NULL; i++) {
		if ((t->methods & (1u << i)) == 0)
			continue;
		if (b.len > 0)
			buf_addstr(&b, ", ");
		buf_addstr(&b, crypt_target_methods[i]);
	}
	if (b.len == 0)
		buf_addstr(&b, "none of podpass's methods");
	return buf_take(&b, NULL);
}

char *crypt_target_describe(const struct crypt_target *t)
{
	const char *f = t->checker != NULL ? t->checker : "sshd";
	char *list = method_list(t), *s;

	switch (t->kind) {
	case CRYPT_NO_SSHD:
		s = xasprintf("sshd could not be read, so it is judged by what every crypt() "
		    "verifies: %s", list);
		break;
	case CRYPT_STATIC:
		s = xasprintf("%s is linked statically, so the crypt() it checks passwords with "
		    "is its own and unknown; every crypt() verifies %s", f, list);
		break;
	case CRYPT_MUSL:
		s = xasprintf("%s runs on musl, whose crypt() verifies %s (no yescrypt)", f, list);
		break;
	case CRYPT_GLIBC:
		s = xasprintf("sshd checks passwords with %s, glibc's libcrypt, which verifies %s",
		    f, list);
		break;
	case CRYPT_LIBXCRYPT:
		s = xasprintf("sshd checks passwords with %s, libxcrypt, which verifies %s", f, list);
		break;
	default:
		s = xasprintf("podpass cannot tell which crypt() %s checks passwords with; every "
		    "crypt() verifies %s", f, list);
		break;
	}
	free(list);
	return s;
}

int crypt_target_choose(const struct crypt_target *t, const char *asked,
    const char **method, char **cause)
{
	const char *preferred = hash_preferred_method();
	char *why;

	*method = NULL;
	if (asked != NULL && *asked != '\0') {
		/* no opinion without sshd: its own check refuses the run */
		if (t->kind == CRYPT_NO_SSHD || crypt_target_verifies(t, asked)) {
			*method = asked;
			return 0;
		}
		why = crypt_target_describe(t);
		set_cause(cause, "hash method %s: the target could not check it, so no password "
		    "login would work (%s); choose one of those, or leave the method out",
		    asked, why);
		free(why);
		return EX_CONFIG;
	}
	if (t->kind == CRYPT_NO_SSHD || (preferred != NULL && crypt_target_verifies(t, preferred)))
		return 0;
	if (crypt_target_verifies(t, "sha512")) {
		*method = "sha512";
		return 0;
	}
	why = crypt_target_describe(t);
	set_cause(cause, "no hash method podpass makes can be checked by the target (%s)", why);
	free(why);
	return EX_CONFIG;
}

int crypt_target_check_hash(const struct crypt_target *t, const char *hash, char **cause)
{
	const char *method = hash_method_of(hash);
	char *why;

	if (t->kind == CRYPT_NO_SSHD || (method != NULL && crypt_target_verifies(t, method)))
		return 0;
	why = crypt_target_describe(t);
	set_cause(cause, "the given hash is %s, which the target could not check, so no "
	    "password login would work (%s); give a hash of one of those",
	    method != NULL ? method : "of an unknown method", why);
	free(why);
	return EX_CONFIG;
}

const char *crypt_target_kind_name(enum crypt_kind kind)
{
	switch (kind) {
	case CRYPT_NO_SSHD: return "no-sshd";
	case CRYPT_STATIC: return "static";
	case CRYPT_MUSL: return "musl";
	case CRYPT_GLIBC: return "glibc";
	case CRYPT_LIBXCRYPT: return "libxcrypt";
	default: return "unknown";
	}
}

void crypt_target_free(struct crypt_target *t)
{
	free(t->checker);
	t->checker = NULL;
}
