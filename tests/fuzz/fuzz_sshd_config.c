/* libFuzzer target for sshd_config: the parser (with an in-memory Include
 * loader), the managed block editor and login_check on the parsed tree.
 *
 * The input is the main sshd_config. The loader serves a few fixed files
 * and, as /etc/ssh/self.conf, the input itself (the parser bounds the
 * depth). Besides "no crash, no leak", it aborts when a promise of
 * sshd_config.h breaks:
 *  - apply and remove refuse exactly when find_block reports unpaired
 *    markers, and find_block's range starts with a begin marker;
 *  - remove(apply(x)) == remove(x), and == x byte for byte when x had no
 *    block; apply(x) is the block followed by remove(x);
 *  - apply is idempotent, and applying another block replaces the first;
 *  - when x parses, apply(x) parses too: the block's directives first, in
 *    the main file before any Include or Match, then exactly the directives
 *    of remove(x), with the same files, lines (shifted by the block) and
 *    Match sections;
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
	struct login_subject s = { "root", 0, groups, 3, MODE_EITHER, NULL, cfg };
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

/* find_block, and apply/remove refusing exactly when it does. */
static int check_find(const char *text, size_t len)
{
	size_t start = 0, end = 0;
	char *cause = NULL;
	int r = sshd_config_find_block(text, len, &start, &end, &cause);

	PROPERTY(r == -1 || r == 0 || r == 1);
	PROPERTY((r == -1) == (cause != NULL));
	if (r == 1) {
		PROPERTY(start < end && end <= len);
		PROPERTY(start == 0 || text[start - 1] == '\n');
		PROPERTY(end == len || text[end - 1] == '\n');
		PROPERTY(len - start >= strlen(SSHD_BLOCK_BEGIN) &&
		    memcmp(text + start, SSHD_BLOCK_BEGIN, strlen(SSHD_BLOCK_BEGIN)) == 0);
	}
	free(cause);
	return r;
}

/* remove_block; NULL when it refused (then *found is -1). */
static char *remove_blocks(const char *text, size_t len, size_t *outlen, int *found)
{
	char *out = NULL, *cause = NULL;
	int r = sshd_config_remove_block(text, len, &out, outlen, found, &cause);

	PROPERTY((r == 0 && cause == NULL && out != NULL && out[*outlen] == '\0' &&
	    *found >= 0) || (r == EX_CONFIG && cause != NULL && out == NULL));
	free(cause);
	if (r != 0)
		*found = -1;
	return out;
}

/* apply_block; NULL when it refused. */
static char *apply(const char *text, size_t len, const char *block, size_t *outlen)
{
	char *out = NULL, *cause = NULL;
	int r = sshd_config_apply_block(text, len, block, &out, outlen, &cause);

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

/* Number of lines of a block (each ends in '\n'). */
static int count_lines(const char *s)
{
	int n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

/* Directive a (from apply's output) is directive b (from the stripped
 * input) moved down by the block: nb directives and blines main-file lines. */
static void check_same_directive(const struct sshd_directive *a,
    const struct sshd_directive *b, size_t nb, int blines)
{
	size_t j;

	PROPERTY(strcmp(a->keyword, b->keyword) == 0);
	PROPERTY(strcmp(a->file, b->file) == 0);
	PROPERTY(a->line == b->line + (strcmp(b->file, MAIN_PATH) == 0 ? blines : 0));
	PROPERTY(a->match == (b->match < 0 ? -1 : b->match + (long)nb));
	PROPERTY(a->nargs == b->nargs);
	for (j = 0; j < a->nargs; j++)
		PROPERTY(strcmp(a->args[j], b->args[j]) == 0);
}

/* apply(x) parses as the block's lines, then exactly what remove(x) parses to. */
static void check_applied_parse(struct fuzz_ctx *fc, const char *block,
    const char *applied, size_t alen, const char *stripped, size_t slen)
{
	struct sshd_config a, s, b;
	const struct sshd_directive *d;
	int blines = count_lines(block);
	size_t i;

	PROPERTY(parse(fc, block, strlen(block), &b) == 0);
	PROPERTY(parse(fc, stripped, slen, &s) == 0);
	PROPERTY(parse(fc, applied, alen, &a) == 0);
	check_tree(&a);
	PROPERTY(a.n == b.n + s.n && a.nfiles == s.nfiles);
	for (i = 0; i < b.n; i++) {
		PROPERTY(a.directives[i].match == -1 && a.directives[i].file == a.files[0]);
		PROPERTY(a.directives[i].line == b.directives[i].line);
	}
	for (i = 0; i < s.n; i++)
		check_same_directive(&a.directives[b.n + i], &s.directives[i], b.n, blines);
	d = sshd_config_first_global(&a, "passwordauthentication");
	PROPERTY(d != NULL && d->file == a.files[0] && d->line == 2 &&
	    d->nargs == 1 && strcmp(d->args[0], "yes") == 0);
	sshd_config_free(&a);
	sshd_config_free(&s);
	sshd_config_free(&b);
}

/* The block-editor properties for one block (and another to replace it). */
static void check_blocks(struct fuzz_ctx *fc, const char *text, size_t len,
    const char *block, const char *other, int parsed)
{
	size_t blen = strlen(block), l1, l2, l3, l4, slen;
	char *once, *twice, *back, *stripped, *replaced, *direct;
	int r = check_find(text, len), found, found2;

	stripped = remove_blocks(text, len, &slen, &found);
	once = apply(text, len, block, &l1);
	PROPERTY((r == -1) == (stripped == NULL) && (r == -1) == (once == NULL));
	if (once == NULL)
		return;
	PROPERTY((found > 0) == (r == 1));
	if (found == 0)
		PROPERTY(same(stripped, slen, text, len));
	PROPERTY(l1 == blen + slen && memcmp(once, block, blen) == 0 &&
	    memcmp(once + blen, stripped, slen) == 0);
	PROPERTY(check_find(once, l1) == 1);
	/* remove(apply(x)) gives back x without its old blocks */
	back = remove_blocks(once, l1, &l3, &found2);
	PROPERTY(back != NULL && found2 == 1 && same(back, l3, stripped, slen));
	/* idempotent */
	twice = apply(once, l1, block, &l2);
	PROPERTY(twice != NULL && same(twice, l2, once, l1));
	/* another block replaces this one */
	replaced = apply(once, l1, other, &l4);
	direct = apply(text, len, other, &l2);
	PROPERTY(replaced != NULL && direct != NULL && same(replaced, l4, direct, l2));
	if (parsed)
		check_applied_parse(fc, block, once, l1, stripped, slen);
	free(direct);
	free(replaced);
	free(twice);
	free(back);
	free(once);
	free(stripped);
}

/* Feed the input as the main sshd_config. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_ctx fc = { (const char *)data, size };
	struct sshd_block_settings s1 = { (int)(size & 1), (int)((size >> 1) & 1) };
	struct sshd_block_settings s2 = { !s1.permit_root_login, !s1.require_both };
	struct sshd_config cfg;
	char *b1, *b2;
	int parsed;

	log_set_level(LOG_LEVEL_ERROR);
	parsed = parse(&fc, fc.data, size, &cfg) == 0;
	if (parsed) {
		check_tree(&cfg);
		query_tree(&cfg, fc.data, size);
		sshd_config_free(&cfg);
	}
	b1 = sshd_config_block_text(&s1);
	b2 = sshd_config_block_text(&s2);
	check_blocks(&fc, fc.data, size, b1, b2, parsed);
	free(b1);
	free(b2);
	return 0;
}
