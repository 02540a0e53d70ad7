/* libFuzzer target for sshd_config: the parser (with an in-memory Include
 * loader), the managed block editor and login_check on the parsed tree.
 *
 * The input is the main sshd_config. The loader serves a few fixed files
 * and, as /etc/ssh/self.conf, the input itself (the parser bounds the
 * depth). Besides "no crash, no leak", it aborts when a promise of
 * sshd_config.h breaks:
 *  - apply and remove refuse exactly when find_block reports unpaired
 *    markers, and find_block's range starts with the user's begin marker;
 *  - remove(apply(x)) == remove(x), and == x byte for byte when x had no
 *    block of the user's and no 0.1.0 block; apply(x) is then x with the
 *    block appended (on a line of its own);
 *  - apply is idempotent, applying the same user's other block replaces the
 *    first, and another user's block comes and goes leaving it alone;
 *  - when x parses and has no block, apply(x) parses as exactly the
 *    directives of x, same files, lines and Match sections, then one
 *    "Match User NAME" section in the main file with the block's settings;
 *  - sshd_match_pattern_list disagrees with fnmatch(3) on a plain pattern
 *    (the first two arguments of each directive, both ways round). */
#include "config.h"

#include <fnmatch.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "log.h"
#include "login_check.h"
#include "sshd_config.h"
#include "util.h"

#define MAIN_PATH "/etc/ssh/sshd_config"
#define SELF_PATH "/etc/ssh/self.conf"
#define IOERR_PATH "/etc/ssh/unreadable.conf"
#define PATTERN_MAX 256		/* longer patterns match nothing (keeps fnmatch fast) */

/* Abort with the failed property's name; libFuzzer saves the input. */
#define PROPERTY(cond) do { \
	if (!(cond)) \
		fatal("property failed at %s:%d: %s", __FILE__, __LINE__, #cond); \
} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One file the loader can serve; data NULL means the fuzz input. */
struct mem_file {
	const char *path;
	const char *data;
};

static const struct mem_file fixed_files[] = {
	{ "/etc/ssh/sshd_config.d/50-cloud-init.conf", "PasswordAuthentication no\n" },
	{ "/etc/ssh/sshd_config.d/60-match.conf",
	    "Match User root,admin Group !wheel\n\tPasswordAuthentication no\n"
	    "\tAuthenticationMethods publickey\nMatch all\nDenyUsers nobody\n" },
	{ "/etc/ssh/sshd_config.d/70-nested.conf",
	    "PermitRootLogin prohibit-password\nInclude extra.conf\n" },
	{ "/etc/ssh/extra.conf", "AllowUsers root ubuntu@*\r\nAllowGroups sudo\r\nUsePAM yes" },
	{ "/etc/ssh/broken.conf", "Banner \"unterminated\n" },
	{ SELF_PATH, NULL },
	{ IOERR_PATH, "" },
};

/* The fuzz input, for the loader. */
struct fuzz_ctx {
	const char *data;
	size_t len;
};

/* Order two sources by path, as glob(3) sorts them. */
static int source_cmp(const void *a, const void *b)
{
	return strcmp(((const struct sshd_source *)a)->path,
	    ((const struct sshd_source *)b)->path);
}

/* An sshd_config_loader over fixed_files: the pattern is globbed with
 * fnmatch(3); a match of IOERR_PATH fails the way an unreadable file does. */
static int mem_loader(void *ctx, const char *pattern, struct sshd_source **out,
    size_t *n, char **cause)
{
	const size_t nfiles = sizeof(fixed_files) / sizeof(fixed_files[0]);
	const struct fuzz_ctx *fc = ctx;
	struct sshd_source *v = xcalloc(nfiles, sizeof(*v));
	const struct mem_file *f;
	size_t i;

	*n = 0;
	for (i = 0; i < nfiles && strlen(pattern) <= PATTERN_MAX; i++) {
		f = &fixed_files[i];
		if (fnmatch(pattern, f->path, FNM_PATHNAME | FNM_PERIOD) != 0)
			continue;
		if (strcmp(f->path, IOERR_PATH) == 0) {
			sshd_sources_free(v, *n);
			*n = 0;
			set_cause(cause, "%s: Permission denied", f->path);
			return EX_IOERR;
		}
		v[*n].path = xstrdup(f->path);
		v[*n].len = f->data != NULL ? strlen(f->data) : fc->len;
		v[*n].data = xmalloc(v[*n].len + 1);
		memcpy(v[*n].data, f->data != NULL ? f->data : fc->data, v[*n].len);
		v[*n].data[v[*n].len] = '\0';
		(*n)++;
	}
	qsort(v, *n, sizeof(*v), source_cmp);
	*out = v;
	return 0;
}

/* Parse text as the main file; 0 or the parser's code (cause checked). */
static int parse(struct fuzz_ctx *fc, const char *text, size_t len, struct sshd_config *cfg)
{
	char *cause = NULL;
	int r = sshd_config_parse(MAIN_PATH, text, len, mem_loader, fc, cfg, &cause);

	PROPERTY((r == 0) == (cause == NULL));
	PROPERTY(r == 0 || (cfg->n == 0 && cfg->directives == NULL && cfg->nfiles == 0));
	free(cause);
	return r;
}

/* The shape every parsed tree must have. */
static void check_tree(const struct sshd_config *cfg)
{
	const struct sshd_directive *d;
	size_t i, j;

	PROPERTY(cfg->nfiles >= 1 && strcmp(cfg->files[0], MAIN_PATH) == 0);
	for (i = 0; i < cfg->n; i++) {
		d = &cfg->directives[i];
		PROPERTY(d->keyword != NULL && d->keyword[0] != '\0' && d->line >= 1);
		for (j = 0; d->keyword[j] != '\0'; j++)
			PROPERTY(d->keyword[j] < 'A' || d->keyword[j] > 'Z');
		PROPERTY(d->args != NULL && d->args[d->nargs] == NULL);
		for (j = 0; j < d->nargs; j++)
			PROPERTY(d->args[j] != NULL);
		PROPERTY(d->match >= -1 && d->match < (long)i);
		if (d->match >= 0)
			PROPERTY(strcmp(cfg->directives[d->match].keyword, "match") == 0);
		for (j = 0; j < cfg->nfiles && d->file != cfg->files[j]; j++)
			;
		PROPERTY(j < cfg->nfiles);
	}
}

/* sshd_match_pattern_list on one plain pattern (no list, no '!') agrees
 * with fnmatch(3), whose '*' and '?' are sshd's (patterns with '[' or '\\',
 * which fnmatch reads otherwise, or with many '*', which make it slow, are
 * skipped). */
static void check_pattern(const char *s, const char *pat)
{
	size_t stars = 0;
	const char *p;
	int want;

	if (*pat == '\0' || strlen(pat) > PATTERN_MAX || strpbrk(pat, ",![\\") != NULL)
		return;
	for (p = pat; *p != '\0'; p++)
		stars += *p == '*';
	if (stars > 8)
		return;
	want = fnmatch(pat, s, FNM_NOESCAPE) == 0;
	PROPERTY(sshd_match_pattern_list(s, pat) == want);
}

/* The answers that only look at a parsed tree must not crash. */
static void query_tree(const struct sshd_config *cfg, const char *text, size_t len)
{
	static char *const groups[] = { (char *)"root", (char *)"sudo", (char *)"wheel" };
	struct login_subject s = { "root", 0, groups, 3, MODE_EITHER, NULL, cfg, NULL, 0, 0 };
	struct buf dump = { NULL, 0, 0 };
	char *cause = NULL;
	size_t i;
	int r;

	for (i = 0; i < cfg->n; i++) {
		if (strcmp(cfg->directives[i].keyword, "match") == 0)
			(void)sshd_config_match_may_apply(&cfg->directives[i], "ubuntu",
			    groups + 1, 2);
		if (cfg->directives[i].nargs >= 2) {
			check_pattern(cfg->directives[i].args[0], cfg->directives[i].args[1]);
			check_pattern(cfg->directives[i].args[1], cfg->directives[i].args[0]);
		}
	}
	/* the input stands in for the sshd -T output; pubkey on keeps the
	 * "key login is off" warning from flooding stderr */
	buf_addstr(&dump, "pubkeyauthentication yes\n");
	buf_add(&dump, text, len);
	s.dump = dump.data;
	for (i = 0; i < 4; i++) {
		s.user = i % 2 == 0 ? "root" : "ubuntu";
		s.uid = i % 2 == 0 ? 0 : 1000;
		s.mode = i < 2 ? MODE_EITHER : MODE_BOTH;
		r = login_check(&s, &cause);
		PROPERTY((r == 0 && cause == NULL) || (r == EX_CONFIG && cause != NULL));
		free(cause);
		cause = NULL;
	}
	buf_free(&dump);
}

/* find_block for user (NULL: 0.1.0's), and apply/remove refusing exactly
 * when it does. */
static int check_find(const char *text, size_t len, const char *user)
{
	size_t start = 0, end = 0;
	char *cause = NULL, *want;
	int r = sshd_config_find_block(text, len, user, &start, &end, &cause);

	PROPERTY(r == -1 || r == 0 || r == 1);
	PROPERTY((r == -1) == (cause != NULL));
	if (r == 1) {
		want = user != NULL ? xasprintf(SSHD_BLOCK_BEGIN_FMT, user, user) :
		    xstrdup(SSHD_OLD_BLOCK_BEGIN);
		PROPERTY(start < end && end <= len);
		PROPERTY(start == 0 || text[start - 1] == '\n');
		PROPERTY(end == len || text[end - 1] == '\n');
		PROPERTY(len - start >= strlen(want) &&
		    memcmp(text + start, want, strlen(want)) == 0);
		free(want);
	}
	free(cause);
	return r;
}

/* remove_block for user; NULL when it refused (then *found is -1). */
static char *remove_blocks(const char *text, size_t len, const char *user, size_t *outlen,
    int *found)
{
	struct sshd_block_edit ed;
	char *out = NULL, *cause = NULL;
	int r = sshd_config_remove_block(text, len, user, &out, outlen, &ed, &cause);

	PROPERTY((r == 0 && cause == NULL && out != NULL && out[*outlen] == '\0' &&
	    ed.removed >= 0) || (r == EX_CONFIG && cause != NULL && out == NULL));
	free(cause);
	*found = r == 0 ? ed.removed : -1;
	return out;
}

/* apply_block; NULL when it refused. */
static char *apply(const char *text, size_t len, const struct sshd_block_settings *s,
    size_t *outlen)
{
	struct sshd_block_edit ed;
	char *out = NULL, *cause = NULL;
	int r = sshd_config_apply_block(text, len, s, &out, outlen, &ed, &cause);

	PROPERTY((r == 0 && cause == NULL && out != NULL && out[*outlen] == '\0') ||
	    (r == EX_CONFIG && cause != NULL && out == NULL));
	free(cause);
	return out;
}

/* 1 when two byte strings are equal. */
static int same(const char *a, size_t alen, const char *b, size_t blen)
{
	return alen == blen && memcmp(a, b, alen) == 0;
}

/* Whether out is text with block appended: on a line of its own, without
 * its final newline when text lacked one. */
static int appended(const char *out, size_t olen, const char *text, size_t len,
    const char *block)
{
	size_t blen = strlen(block);

	if (olen != len + blen || memcmp(out, text, len) != 0)
		return 0;
	if (len > 0 && text[len - 1] != '\n')
		return out[len] == '\n' && memcmp(out + len + 1, block, blen - 1) == 0;
	return memcmp(out + len, block, blen) == 0;
}

/* Directive a (from apply's output) is directive b (from the input). */
static void check_same_directive(const struct sshd_directive *a,
    const struct sshd_directive *b)
{
	size_t j;

	PROPERTY(strcmp(a->keyword, b->keyword) == 0);
	PROPERTY(strcmp(a->file, b->file) == 0);
	PROPERTY(a->line == b->line);
	PROPERTY(a->match == b->match);
	PROPERTY(a->nargs == b->nargs);
	for (j = 0; j < a->nargs; j++)
		PROPERTY(strcmp(a->args[j], b->args[j]) == 0);
}

/* x + block parses as exactly what x parses to, then one Match User section
 * for the user in the main file holding the block's settings. */
static void check_applied_parse(struct fuzz_ctx *fc, const char *user,
    const char *applied, size_t alen, const char *text, size_t len)
{
	struct sshd_config a, s;
	const struct sshd_directive *m;
	size_t i;

	PROPERTY(parse(fc, text, len, &s) == 0);
	PROPERTY(parse(fc, applied, alen, &a) == 0);
	check_tree(&a);
	PROPERTY(a.n >= s.n + 4 && a.n <= s.n + 5 && a.nfiles == s.nfiles);
	for (i = 0; i < s.n; i++)
		check_same_directive(&a.directives[i], &s.directives[i]);
	m = &a.directives[s.n];
	PROPERTY(strcmp(m->keyword, "match") == 0 && m->match == -1 && m->nargs == 2 &&
	    strcmp(m->args[0], "User") == 0 && strcmp(m->args[1], user) == 0);
	for (i = s.n + 1; i < a.n; i++)
		PROPERTY(a.directives[i].match == (long)s.n &&
		    a.directives[i].file == a.files[0]);
	PROPERTY(strcmp(a.directives[s.n + 1].keyword, "passwordauthentication") == 0 &&
	    strcmp(a.directives[s.n + 1].args[0], "yes") == 0);
	sshd_config_free(&a);
	sshd_config_free(&s);
}

/* The block-editor properties for settings s (and other, the same user's
 * block in another form, and third, another user's). */
static void check_blocks(struct fuzz_ctx *fc, const char *text, size_t len,
    const struct sshd_block_settings *s, const struct sshd_block_settings *other,
    const struct sshd_block_settings *third, int parsed)
{
	size_t l1, l2, l3, l4, slen;
	char *once, *twice, *back, *stripped, *replaced, *direct, *block;
	int r = check_find(text, len, s->user), old = check_find(text, len, NULL);
	int found, found2;

	stripped = remove_blocks(text, len, s->user, &slen, &found);
	once = apply(text, len, s, &l1);
	PROPERTY((r == -1) == (stripped == NULL) && (r == -1) == (once == NULL));
	PROPERTY((r == -1) == (old == -1));
	if (once == NULL)
		return;
	PROPERTY((found > 0) == (r == 1));
	block = sshd_config_block_text(s);
	if (found == 0 && old == 0) {
		/* nothing of the user's and no 0.1.0 block: appended, taken off */
		PROPERTY(same(stripped, slen, text, len));
		PROPERTY(appended(once, l1, text, len, block));
		if (parsed)
			check_applied_parse(fc, s->user, once, l1, text, len);
	}
	PROPERTY(check_find(once, l1, s->user) == 1 && check_find(once, l1, NULL) == 0);
	/* remove(apply(x)) == remove(x) */
	back = remove_blocks(once, l1, s->user, &l3, &found2);
	PROPERTY(back != NULL && found2 == 1 && same(back, l3, stripped, slen));
	free(back);
	/* idempotent */
	twice = apply(once, l1, s, &l2);
	PROPERTY(twice != NULL && same(twice, l2, once, l1));
	free(twice);
	/* the same user's other block replaces this one */
	replaced = apply(once, l1, other, &l4);
	direct = apply(text, len, other, &l2);
	PROPERTY(replaced != NULL && direct != NULL && same(replaced, l4, direct, l2));
	free(direct);
	free(replaced);
	/* another user's block comes and goes without touching this one */
	if (check_find(once, l1, third->user) == 0) {
		twice = apply(once, l1, third, &l2);
		PROPERTY(twice != NULL && check_find(twice, l2, s->user) == 1);
		back = remove_blocks(twice, l2, third->user, &l3, &found2);
		PROPERTY(back != NULL && found2 == 1 && same(back, l3, once, l1));
		free(back);
		free(twice);
	}
	free(block);
	free(once);
	free(stripped);
}

/* Feed the input as the main sshd_config. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_ctx fc = { (const char *)data, size };
	int root = (int)(size & 1), both = (int)((size >> 1) & 1);
	struct sshd_block_settings s1 = { root ? "root" : "alice", root, both };
	struct sshd_block_settings s2 = { s1.user, root, !both };
	struct sshd_block_settings s3 = { root ? "alice" : "root", !root, both };
	struct sshd_config cfg;
	int parsed;

	log_set_level(LOG_LEVEL_ERROR);
	parsed = parse(&fc, fc.data, size, &cfg) == 0;
	if (parsed) {
		check_tree(&cfg);
		query_tree(&cfg, fc.data, size);
		sshd_config_free(&cfg);
	}
	check_blocks(&fc, fc.data, size, &s1, &s2, &s3, parsed);
	return 0;
}
