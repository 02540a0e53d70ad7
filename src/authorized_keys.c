/* ~/.ssh/authorized_keys: the public keys a pod gets in its environment,
 * checked the way sshd(8) reads an authorized_keys line, and merged into
 * the file's text.
 *
 * Threat model. This file must never:
 *  - change, drop or reorder a byte of the existing text: new lines are only
 *    appended, after a final newline added when it is missing;
 *  - append anything but one complete line per key that passes every check
 *    below: no NUL, no line break, no other control character but tab, a
 *    known key type whose base64 data decodes strictly and holds exactly a
 *    key (or certificate) of that same type, nothing more and nothing less;
 *  - add a key that is already there (same type and data), whatever its
 *    options or comment;
 *  - quote a whole key, or raw control characters, in a message.
 * Memory only: no file or process I/O here. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "authorized_keys.h"
#include "util.h"

#define QUOTE_MAX 20			/* characters of a bad line a message may show */
#define ED25519_KEY_LEN 32
#define RSA_MIN_BITS 1024		/* sshd refuses shorter RSA keys */
#define RSA_MAX_BITS 16384		/* and longer ones (OpenSSL's limit) */
#define EC_POINT_UNCOMPRESSED 0x04
#define WHY_TRUNCATED "the key data is truncated or malformed"

/* The algorithm behind a key type: it decides the fields of the blob. */
enum key_kind {
	KIND_ED25519,
	KIND_SK_ED25519,
	KIND_RSA,
	KIND_DSA,
	KIND_ECDSA,
	KIND_SK_ECDSA
};

/* A key type podpass accepts, as named on the line and inside the blob. */
struct key_type {
	const char *name;
	enum key_kind kind;
	const char *curve;		/* ECDSA: the curve named in the blob */
	size_t coord;			/* ECDSA: bytes per point coordinate */
	int cert;			/* an OpenSSH certificate (PROTOCOL.certkeys) */
};

static const struct key_type key_types[] = {
	{ "ssh-ed25519", KIND_ED25519, NULL, 0, 0 },
	{ "ssh-rsa", KIND_RSA, NULL, 0, 0 },
	{ "ecdsa-sha2-nistp256", KIND_ECDSA, "nistp256", 32, 0 },
	{ "ecdsa-sha2-nistp384", KIND_ECDSA, "nistp384", 48, 0 },
	{ "ecdsa-sha2-nistp521", KIND_ECDSA, "nistp521", 66, 0 },
	{ "sk-ssh-ed25519@openssh.com", KIND_SK_ED25519, NULL, 0, 0 },
	{ "sk-ecdsa-sha2-nistp256@openssh.com", KIND_SK_ECDSA, "nistp256", 32, 0 },
	{ "ssh-dss", KIND_DSA, NULL, 0, 0 },
	{ "ssh-ed25519-cert-v01@openssh.com", KIND_ED25519, NULL, 0, 1 },
	{ "ssh-rsa-cert-v01@openssh.com", KIND_RSA, NULL, 0, 1 },
	{ "ecdsa-sha2-nistp256-cert-v01@openssh.com", KIND_ECDSA, "nistp256", 32, 1 },
	{ "ecdsa-sha2-nistp384-cert-v01@openssh.com", KIND_ECDSA, "nistp384", 48, 1 },
	{ "ecdsa-sha2-nistp521-cert-v01@openssh.com", KIND_ECDSA, "nistp521", 66, 1 },
	{ "sk-ssh-ed25519-cert-v01@openssh.com", KIND_SK_ED25519, NULL, 0, 1 },
	{ "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com", KIND_SK_ECDSA, "nistp256", 32, 1 },
	{ "ssh-dss-cert-v01@openssh.com", KIND_DSA, NULL, 0, 1 },
};

/* The TYPE and BASE64 fields of a valid key line, pointing into the line. */
struct key_span {
	const char *type;
	size_t type_len;
	const char *data;
	size_t data_len;
};

/* A growing list of key spans. */
struct span_list {
	struct key_span *v;
	size_t n;
	size_t cap;
};

/* A cursor over a decoded key blob. */
struct reader {
	const unsigned char *p;
	size_t len;
	size_t off;
};

/* 1 when c separates the fields of a key line (sshd splits at space and tab). */
static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* 1 for the whitespace trimmed from the end of a line or a value. */
static int is_trailing_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* First byte at or after p that is not a blank. */
static const char *skip_blanks(const char *p, const char *end)
{
	while (p < end && is_blank(*p))
		p++;
	return p;
}

/* End of the blank-delimited token that starts at p. */
static const char *token_end(const char *p, const char *end)
{
	while (p < end && !is_blank(*p))
		p++;
	return p;
}

/* The key type named by the len bytes at p, or NULL when podpass does not accept it. */
static const struct key_type *key_type_find(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(key_types) / sizeof(key_types[0]); i++) {
		if (strlen(key_types[i].name) == len && memcmp(key_types[i].name, p, len) == 0)
			return &key_types[i];
	}
	return NULL;
}

/* The value of one base64 digit, or -1 for any other byte (padding included). */
static int b64_digit(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decode strict base64 (groups of 4, '=' padding only at the very end, the
 * bits a padded group drops all zero) into a malloc'd *out. 0 or -1. */
static int b64_decode(const char *s, size_t len, unsigned char **out, size_t *outlen)
{
	unsigned char *o;
	size_t i, k, pad = 0, n = 0;
	uint32_t v;
	int d;

	if (len == 0 || len % 4 != 0)
		return -1;
	if (s[len - 1] == '=')
		pad = s[len - 2] == '=' ? 2 : 1;
	o = xmalloc(len / 4 * 3);
	for (i = 0; i < len; i += 4) {
		for (v = 0, k = i; k < i + 4; k++) {
			d = k < len - pad ? b64_digit(s[k]) : 0;
			if (d < 0)
				goto bad;
			v = v << 6 | (uint32_t)d;
		}
		if (i + 4 == len && (v & ((1u << (8 * pad)) - 1)) != 0)
			goto bad;
		o[n++] = (unsigned char)(v >> 16);
		o[n++] = (unsigned char)(v >> 8);
		o[n++] = (unsigned char)v;
	}
	*out = o;
	*outlen = n - pad;
	return 0;
bad:
	free(o);
	return -1;
}

/* Take one SSH string (uint32 length, then the bytes) from r; -1 when it does not fit. */
static int rd_string(struct reader *r, const unsigned char **p, size_t *len)
{
	const unsigned char *q = r->p + r->off;
	size_t n;

	if (r->len - r->off < 4)
		return -1;
	n = (size_t)q[0] << 24 | (size_t)q[1] << 16 | (size_t)q[2] << 8 | (size_t)q[3];
	r->off += 4;
	if (r->len - r->off < n)
		return -1;
	if (p != NULL)
		*p = r->p + r->off;
	if (len != NULL)
		*len = n;
	r->off += n;
	return 0;
}

/* Skip a fixed-size field (uint32, uint64) of n bytes; -1 when it is not there. */
static int rd_skip(struct reader *r, size_t n)
{
	if (r->len - r->off < n)
		return -1;
	r->off += n;
	return 0;
}

/* Take an mpint that must be positive; *bits gets its size. -1 when malformed. */
static int rd_mpint(struct reader *r, size_t *bits)
{
	const unsigned char *p;
	unsigned char top;
	size_t len;

	if (rd_string(r, &p, &len) != 0 || (len > 0 && (p[0] & 0x80) != 0))
		return -1;
	while (len > 0 && *p == 0) {
		p++;
		len--;
	}
	if (len == 0)
		return -1;
	*bits = (len - 1) * 8;
	for (top = p[0]; top != 0; top >>= 1)
		(*bits)++;
	return 0;
}

/* 1 when the len bytes at p are exactly the string s. */
static int bytes_are(const unsigned char *p, size_t len, const char *s)
{
	return strlen(s) == len && memcmp(p, s, len) == 0;
}

/* Check an RSA public key's e and n; NULL or the reason. */
static const char *check_rsa(struct reader *r)
{
	size_t bits;

	if (rd_mpint(r, &bits) != 0 || rd_mpint(r, &bits) != 0)
		return WHY_TRUNCATED;
	if (bits < RSA_MIN_BITS)
		return "the RSA key is shorter than 1024 bits (sshd refuses it)";
	if (bits > RSA_MAX_BITS)
		return "the RSA key is longer than 16384 bits (sshd refuses it)";
	return NULL;
}

/* Check an ECDSA public key's curve name and point; NULL or the reason. */
static const char *check_ecdsa(const struct key_type *kt, struct reader *r)
{
	const unsigned char *curve, *q;
	size_t clen, qlen;

	if (rd_string(r, &curve, &clen) != 0 || rd_string(r, &q, &qlen) != 0)
		return WHY_TRUNCATED;
	if (!bytes_are(curve, clen, kt->curve))
		return "the ECDSA curve does not match the key type";
	if (qlen != 1 + 2 * kt->coord || q[0] != EC_POINT_UNCOMPRESSED)
		return "the ECDSA public point is malformed";
	return NULL;
}

/* Check the public key fields of a blob (after the type, and a certificate's
 * nonce), including a security key's application; NULL or the reason. */
static const char *check_key_fields(const struct key_type *kt, struct reader *r)
{
	const char *why = NULL;
	size_t len, bits, i;

	switch (kt->kind) {
	case KIND_ED25519:
	case KIND_SK_ED25519:
		if (rd_string(r, NULL, &len) != 0)
			return WHY_TRUNCATED;
		if (len != ED25519_KEY_LEN)
			return "the ed25519 public key has the wrong length";
		break;
	case KIND_RSA:
		why = check_rsa(r);
		break;
	case KIND_DSA:
		for (i = 0; i < 4 && why == NULL; i++)
			why = rd_mpint(r, &bits) != 0 ? WHY_TRUNCATED : NULL;
		break;
	case KIND_ECDSA:
	case KIND_SK_ECDSA:
		why = check_ecdsa(kt, r);
		break;
	}
	if (why == NULL && (kt->kind == KIND_SK_ED25519 || kt->kind == KIND_SK_ECDSA) &&
	    rd_string(r, NULL, NULL) != 0)
		why = WHY_TRUNCATED;
	return why;
}

/* Check the fields that follow the key in a certificate: serial, type, key
 * id, principals, valid after, valid before, critical options, extensions,
 * reserved, signature key, signature. NULL or the reason. */
static const char *check_cert_fields(struct reader *r)
{
	static const size_t fixed[] = { 8, 4, 0, 0, 8, 8, 0, 0, 0, 0, 0 };	/* 0: a string */
	size_t i;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		if ((fixed[i] != 0 ? rd_skip(r, fixed[i]) : rd_string(r, NULL, NULL)) != 0)
			return WHY_TRUNCATED;
	}
	return NULL;
}

/* Check a decoded blob against the type named on the line; NULL or the reason. */
static const char *check_blob(const struct key_type *kt, const unsigned char *blob, size_t len)
{
	struct reader r = { blob, len, 0 };
	const unsigned char *type;
	const char *why;
	size_t tlen;

	if (rd_string(&r, &type, &tlen) != 0)
		return WHY_TRUNCATED;
	if (!bytes_are(type, tlen, kt->name))
		return "the key type does not match the key data";
	if (kt->cert && rd_string(&r, NULL, NULL) != 0)
		return WHY_TRUNCATED;
	if ((why = check_key_fields(kt, &r)) != NULL)
		return why;
	if (kt->cert && (why = check_cert_fields(&r)) != NULL)
		return why;
	if (r.off != r.len)
		return "the key data has extra bytes at the end";
	return NULL;
}

/* Decode the BASE64 field and check what it holds; NULL or the reason. */
static const char *check_data(const struct key_type *kt, const char *data, size_t len)
{
	unsigned char *blob;
	const char *why;
	size_t blen;

	if (b64_decode(data, len, &blob, &blen) != 0)
		return "the key data is not valid base64";
	why = check_blob(kt, blob, blen);
	free(blob);
	return why;
}

/* Refuse an overlong line and any control character but tab (NUL included). */
static const char *check_chars(const char *p, size_t len)
{
	size_t i;

	if (len > AUTHORIZED_KEYS_LINE_MAX)
		return "the line is longer than 16384 bytes";
	for (i = 0; i < len; i++) {
		if (((unsigned char)p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7f)
			return "the line holds a control character";
	}
	return NULL;
}

/* End of an options field at p: comma-separated, blanks only inside double
 * quotes, \" an escaped quote. NULL when a quote is left open. */
static const char *skip_options(const char *p, const char *end)
{
	int quoted = 0;

	for (; p < end && (quoted || !is_blank(*p)); p++) {
		if (*p == '\\' && p + 1 < end && p[1] == '"')
			p++;
		else if (*p == '"')
			quoted = !quoted;
	}
	return quoted ? NULL : p;
}

/* Find the TYPE field at p, or after the options field when the first token
 * is not a key type, as sshd does. NULL or the reason. */
static const char *find_type(const char *p, const char *end, const char **type,
    const struct key_type **kt)
{
	const char *oe;

	if ((*kt = key_type_find(p, (size_t)(token_end(p, end) - p))) != NULL) {
		*type = p;
		return NULL;
	}
	if ((oe = skip_options(p, end)) == NULL)
		return "a double quote is left open in the key options";
	p = skip_blanks(oe, end);
	if ((*kt = key_type_find(p, (size_t)(token_end(p, end) - p))) != NULL) {
		*type = p;
		return NULL;
	}
	return "unknown key type";
}

/* Check one line (len bytes, no line ending) and find its TYPE and BASE64
 * fields; NULL or the reason it is not a valid key line. */
static const char *line_check(const char *line, size_t len, struct key_span *ks)
{
	const char *p, *end = line + len, *why;
	const struct key_type *kt;

	if ((why = check_chars(line, len)) != NULL)
		return why;
	p = skip_blanks(line, end);
	if (p == end)
		return "the line is empty";
	if (*p == '#')
		return "the line is a comment";
	if ((why = find_type(p, end, &ks->type, &kt)) != NULL)
		return why;
	ks->type_len = strlen(kt->name);
	p = skip_blanks(ks->type + ks->type_len, end);
	if (p == end)
		return "no key data after the key type";
	ks->data = p;
	ks->data_len = (size_t)(token_end(p, end) - p);
	return check_data(kt, ks->data, ks->data_len);
}

/* 1 when line is a valid public key line, else 0 with *why. */
int authorized_keys_line_valid(const char *line, const char **why)
{
	struct key_span ks;
	const char *reason;

	reason = line == NULL ? "no line" : line_check(line, strlen(line), &ks);
	if (why != NULL)
		*why = reason;
	return reason == NULL;
}

/* Length of the len bytes at p without trailing whitespace and CR. */
static size_t trim_end(const char *p, size_t len)
{
	while (len > 0 && is_trailing_space(p[len - 1]))
		len--;
	return len;
}

/* 1 when an environment value says "no keys": NULL, blank, or "null". */
static int value_is_none(const char *value)
{
	size_t len;

	if (value == NULL)
		return 1;
	while (is_trailing_space(*value))
		value++;
	len = trim_end(value, strlen(value));
	return len == 0 || (len == 4 && memcmp(value, "null", 4) == 0);
}

/* 1 when a line of an environment value holds no key: blank or a '#' comment. */
static int env_line_skipped(const char *p, size_t len)
{
	const char *q = skip_blanks(p, p + len);

	return q == p + len || *q == '#';
}

/* A copy of the start of a bad line that is safe to print: at most QUOTE_MAX
 * characters, anything but printable ASCII (and '"', '\\') as '?'. */
static char *quote_start(const char *p, size_t len)
{
	char *q = xstrndup(p, len < QUOTE_MAX ? len : QUOTE_MAX);
	unsigned char c;
	size_t i;

	for (i = 0; q[i] != '\0'; i++) {
		c = (unsigned char)q[i];
		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
			q[i] = '?';
	}
	return q;
}

/* Set the cause for a bad line of an environment value. */
static void env_line_cause(char **cause, const char *source_name, size_t lineno,
    const char *p, size_t len, const char *why)
{
	const char *start = skip_blanks(p, p + len);
	char *q = quote_start(start, (size_t)(p + len - start));

	set_cause(cause, "%s line %zu: %s (the line starts with \"%s\")",
	    source_name != NULL ? source_name : "the key list", lineno, why, q);
	free(q);
}

/* Where a second key starts inside the comment of the valid key line at p
 * (len bytes, fields ks): a known TYPE token followed by data valid for it;
 * NULL when there is none. */
static const char *second_key(const char *p, size_t len, const struct key_span *ks)
{
	const char *end = p + len, *t, *te, *d;
	const struct key_type *kt;

	for (t = skip_blanks(ks->data + ks->data_len, end); t < end; t = skip_blanks(te, end)) {
		te = token_end(t, end);
		if ((kt = key_type_find(t, (size_t)(te - t))) == NULL)
			continue;
		d = skip_blanks(te, end);
		if (d < end && check_data(kt, d, (size_t)(token_end(d, end) - d)) == NULL)
			return t;
	}
	return NULL;
}

/* Add the key line at p (len bytes) to keys, and the keys pasted after it on
 * the same line, each on its own. */
static void take_keys(const char *p, size_t len, const struct key_span *ks, char ***keys,
    size_t *n)
{
	const char *next;
	struct key_span more;

	while ((next = second_key(p, len, ks)) != NULL) {
		*keys = xrealloc(*keys, (*n + 1) * sizeof(**keys));
		(*keys)[(*n)++] = xstrndup(p, trim_end(p, (size_t)(next - p)));
		len -= (size_t)(next - p);
		p = next;
		if (line_check(p, len, &more) != NULL)
			return;	/* cannot be: second_key checked its type and data */
		ks = &more;
	}
	*keys = xrealloc(*keys, (*n + 1) * sizeof(**keys));
	(*keys)[(*n)++] = xstrndup(p, len);
}

/* Parse the keys given in one environment value; bad lines are skipped. */
void authorized_keys_parse_env(const char *value, const char *source_name,
    char ***keys, size_t *n, char ***skipped, size_t *nskipped)
{
	const char *p, *nl, *why;
	struct key_span ks;
	char *msg = NULL;
	size_t len, lineno = 0;

	*keys = NULL;
	*n = 0;
	*skipped = NULL;
	*nskipped = 0;
	if (value_is_none(value))
		return;
	for (p = value; p != NULL; p = nl != NULL ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		len = trim_end(p, nl != NULL ? (size_t)(nl - p) : strlen(p));
		lineno++;
		if (env_line_skipped(p, len))
			continue;
		if ((why = line_check(p, len, &ks)) == NULL) {
			take_keys(p, len, &ks, keys, n);
			continue;
		}
		env_line_cause(&msg, source_name, lineno, p, len, why);
		*skipped = xrealloc(*skipped, (*nskipped + 1) * sizeof(**skipped));
		(*skipped)[(*nskipped)++] = msg;
		msg = NULL;
	}
}

/* Add a key span to a list. */
static void span_add(struct span_list *l, const struct key_span *ks)
{
	if (l->n == l->cap) {
		l->cap = l->cap == 0 ? 16 : l->cap * 2;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = *ks;
}

/* 1 when a key with the same TYPE and BASE64 fields is in the list. */
static int span_find(const struct span_list *l, const struct key_span *ks)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (l->v[i].type_len == ks->type_len && l->v[i].data_len == ks->data_len &&
		    memcmp(l->v[i].type, ks->type, ks->type_len) == 0 &&
		    memcmp(l->v[i].data, ks->data, ks->data_len) == 0)
			return 1;
	}
	return 0;
}

/* Collect the valid key lines of an authorized_keys text (other lines are ignored). */
static void spans_from_text(const char *text, size_t len, struct span_list *l)
{
	const char *p = text, *end = text + len, *nl;
	struct key_span ks;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if (line_check(p, trim_end(p, (size_t)(nl - p)), &ks) == NULL)
			span_add(l, &ks);
		p = nl + 1;
	}
}

/* Refuse keys to add that are not valid key lines; 0 or EX_DATAERR. */
static int keys_check(char *const *keys, size_t n, char **cause)
{
	struct key_span ks;
	const char *why;
	size_t i;

	for (i = 0; i < n; i++) {
		why = keys[i] == NULL ? "no line" : line_check(keys[i], strlen(keys[i]), &ks);
		if (why != NULL) {
			set_cause(cause, "key %zu to add is not a valid public key line: %s", i + 1, why);
			return EX_DATAERR;
		}
	}
	return 0;
}

/* The existing text plus every key that is not already there. */
int authorized_keys_merge(const char *text, size_t len, char *const *keys,
    size_t n, char **out, size_t *outlen, size_t *added, char **cause)
{
	struct span_list have = { NULL, 0, 0 };
	struct buf b = { NULL, 0, 0 };
	struct key_span ks;
	size_t i, klen;
	int rc;

	*out = NULL;
	*outlen = 0;
	*added = 0;
	if ((rc = keys_check(keys, n, cause)) != 0)
		return rc;
	if (text == NULL) {
		text = "";
		len = 0;
	}
	spans_from_text(text, len, &have);
	buf_add(&b, text, len);
	for (i = 0; i < n; i++) {
		klen = strlen(keys[i]);
		line_check(keys[i], klen, &ks);
		if (span_find(&have, &ks))
			continue;
		if (b.len > 0 && b.data[b.len - 1] != '\n')
			buf_add(&b, "\n", 1);
		buf_add(&b, keys[i], klen);
		buf_add(&b, "\n", 1);
		span_add(&have, &ks);
		(*added)++;
	}
	free(have.v);
	*out = buf_take(&b, outlen);
	return 0;
}
