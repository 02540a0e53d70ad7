/* sshd_config: read a configuration tree the way sshd reads it, and put a
 * user's managed block in or take it out.
 *
 * Guards: the parser must see the same keywords, arguments, Match sections
 * and Include order as sshd (servconf.c, misc.c argv_split, match.c), so
 * that what podpass reports as "in effect" is what sshd will use. The block
 * editor must never touch a byte outside the user's block (0.1.0's global
 * block aside, which it converts), must never leave two blocks for a user,
 * must never write a user name sshd would read as a pattern, and must
 * refuse (not guess) when the markers are unbalanced.
 * No file or process I/O here: Include goes through the caller's loader. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include "log.h"
#include "sshd_config.h"
#include "util.h"

#define SSHD_DIR "/etc/ssh"		/* where sshd resolves relative Includes */
#define SSHD_MAX_DEPTH 16		/* sshd's SERVCONF_MAX_DEPTH */
#define SSHD_PATTERN_MAX 1024		/* sshd's limit on one subpattern */
#define KW_DELIMS " \t\r\n\"="		/* what ends a keyword (strdelim) */
#define LINE_WS " \t\r\n"		/* whitespace around a keyword */

/* A parse in progress: the result and the way to read Includes. */
struct parse_state {
	struct sshd_config *cfg;
	size_t cap;
	sshd_config_loader loader;
	void *ctx;
};

/* A line split into keyword and arguments. */
struct split_line {
	char *keyword;			/* NULL for a blank or comment line */
	char **args;
	size_t nargs;
};

/* parse_file and include_one call each other. */
static int parse_file(struct parse_state *, const char *, const char *, size_t,
    int, long, char **);

/* How many newlines the first len bytes of data hold. */
static int count_lines(const char *data, size_t len)
{
	const char *p = data, *end = data + len;
	int n = 0;

	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		n++;
		p++;
	}
	return n;
}

/* Free what a loader returned. */
void sshd_sources_free(struct sshd_source *files, size_t n)
{
	size_t i;

	if (files == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(files[i].path);
		free(files[i].data);
	}
	free(files);
}

/* Free the keyword and arguments of a split line. */
static void split_line_free(struct split_line *sl)
{
	free(sl->keyword);
	strv_free(sl->args, sl->nargs);
	memset(sl, 0, sizeof(*sl));
}

/* The token in b as a string of its own size, b emptied for the next one. (A
 * buf's storage is 256 bytes at least: kept per token, a 1M-line config would
 * take half a gigabyte.) */
static char *take_token(struct buf *b)
{
	char *s = xstrndup(b->data != NULL ? b->data : "", b->len);

	b->len = 0;
	return s;
}

/* Append one argument to a split line (args stays NULL-terminated). */
static void split_line_add(struct split_line *sl, struct buf *b)
{
	sl->args = xrealloc(sl->args, (sl->nargs + 2) * sizeof(*sl->args));
	sl->args[sl->nargs++] = take_token(b);
	sl->args[sl->nargs] = NULL;
}

/* Take one keyword token at *p as sshd's strdelim does: ends at whitespace
 * or '=' (one '=' is skipped, with whitespace around it, whichever comes
 * first); a double-quoted part is taken whole and ends the token, without
 * skipping '='. Returns -1 on an open quote. */
static int take_keyword(const char **p, struct buf *tok)
{
	const char *s = *p, *q;
	size_t span = strcspn(s, KW_DELIMS);

	buf_add(tok, s, span);
	s += span;
	if (*s == '"') {
		if ((q = strchr(s + 1, '"')) == NULL)
			return -1;
		buf_add(tok, s + 1, (size_t)(q - s - 1));
		*p = q + 1 + strspn(q + 1, LINE_WS);
		return 0;
	}
	s += strspn(s, LINE_WS);
	if (*s == '=')
		s += 1 + strspn(s + 1, LINE_WS);
	*p = s;
	return 0;
}

/* Copy one argument from *p as argv_split does: quotes (" or ') group and
 * are removed, a backslash escapes a quote, a backslash or (outside quotes)
 * a space. Returns -1 when a quote is not closed. */
static int take_arg(const char **p, struct buf *arg)
{
	const char *s = *p;
	char quote = 0;

	for (; *s != '\0'; s++) {
		if (*s == '\\' && (s[1] == '\'' || s[1] == '"' || s[1] == '\\' ||
		    (quote == 0 && s[1] == ' ')))
			buf_add(arg, ++s, 1);
		else if (quote == 0 && (*s == ' ' || *s == '\t'))
			break;
		else if (quote == 0 && (*s == '"' || *s == '\''))
			quote = *s;
		else if (quote != 0 && *s == quote)
			quote = 0;
		else
			buf_add(arg, s, 1);
	}
	*p = s;
	return quote != 0 ? -1 : 0;
}

/* Split the arguments after the keyword; a '#' that starts an argument
 * ends the line. Returns -1 when a quote is not closed. */
static int split_args(const char *s, struct split_line *sl)
{
	struct buf arg = { NULL, 0, 0 };

	for (;;) {
		s += strspn(s, " \t");
		if (*s == '\0' || *s == '#') {
			buf_free(&arg);
			return 0;
		}
		buf_add(&arg, "", 0);
		if (take_arg(&s, &arg) != 0) {
			buf_free(&arg);
			return -1;
		}
		split_line_add(sl, &arg);
	}
}

/* Split one line (no newline, NUL-terminated, may be modified) into a
 * lower-cased keyword and its arguments. Returns 0 (sl->keyword NULL for a
 * blank or comment line) or -1 when a quote is not closed. */
static int split_line(char *line, struct split_line *sl)
{
	struct buf kw = { NULL, 0, 0 };
	const char *p;
	size_t len = strlen(line), i;

	memset(sl, 0, sizeof(*sl));
	while (len > 0 && strchr(LINE_WS "\f", line[len - 1]) != NULL)
		line[--len] = '\0';
	p = line + strspn(line, " \t\r");
	if (take_keyword(&p, &kw) != 0)
		goto fail;
	if (kw.len == 0 && take_keyword(&p, &kw) != 0)	/* sshd delimits twice */
		goto fail;
	if (kw.len == 0 || kw.data[0] == '#') {
		buf_free(&kw);
		return 0;
	}
	sl->keyword = take_token(&kw);
	buf_free(&kw);
	for (i = 0; sl->keyword[i] != '\0'; i++)
		if (sl->keyword[i] >= 'A' && sl->keyword[i] <= 'Z')
			sl->keyword[i] = (char)(sl->keyword[i] - 'A' + 'a');
	if (split_args(p, sl) != 0)
		goto fail;
	if (sl->args == NULL)
		sl->args = xcalloc(1, sizeof(*sl->args));
	return 0;
fail:
	buf_free(&kw);
	split_line_free(sl);
	return -1;
}

/* Append a directive (taking over sl's strings); returns its index. */
static size_t add_directive(struct parse_state *st, const char *file, int line,
    struct split_line *sl, long match)
{
	struct sshd_config *cfg = st->cfg;
	struct sshd_directive *d;

	if (cfg->n == st->cap) {
		st->cap = st->cap == 0 ? 32 : st->cap * 2;
		cfg->directives = xrealloc(cfg->directives,
		    st->cap * sizeof(*cfg->directives));
	}
	d = &cfg->directives[cfg->n];
	d->file = file;
	d->line = line;
	d->keyword = sl->keyword;
	d->args = sl->args;
	d->nargs = sl->nargs;
	d->match = match;
	memset(sl, 0, sizeof(*sl));
	return cfg->n++;
}

/* Record a file as read; returns the copy directives point to. */
static const char *add_file(struct sshd_config *cfg, const char *path)
{
	cfg->files = xrealloc(cfg->files, (cfg->nfiles + 1) * sizeof(*cfg->files));
	cfg->files[cfg->nfiles] = xstrdup(path);
	return cfg->files[cfg->nfiles++];
}

/* Read the files one Include argument names and parse each in place. */
static int include_one(struct parse_state *st, const char *file, int line,
    const char *arg, int depth, long section, char **cause)
{
	struct sshd_source *files = NULL;
	char *pattern, *lcause = NULL;
	size_t n = 0, i;
	int r;

	if (*arg == '/' || *arg == '~')
		pattern = xstrdup(arg);
	else
		pattern = xasprintf("%s/%s", SSHD_DIR, arg);
	r = st->loader(st->ctx, pattern, &files, &n, &lcause);
	if (r != 0) {
		set_cause(cause, "%s:%d: %s", file, line,
		    lcause != NULL ? lcause : "cannot read Include");
		free(lcause);
		free(pattern);
		return r;
	}
	log_debug("%s:%d: Include %s: %zu file(s)", file, line, pattern, n);
	free(lcause);
	free(pattern);
	if (n > 0 && depth + 1 > SSHD_MAX_DEPTH) {
		set_cause(cause, "%s:%d: Include nested too deeply", file, line);
		r = EX_CONFIG;
	}
	for (i = 0; r == 0 && i < n; i++)
		r = parse_file(st, files[i].path, files[i].data, files[i].len,
		    depth + 1, section, cause);
	sshd_sources_free(files, n);
	return r;
}

/* Follow an Include directive: every argument, in order. */
static int include_all(struct parse_state *st, size_t idx, int depth, char **cause)
{
	const struct sshd_directive *d = &st->cfg->directives[idx];
	const char *file = d->file;
	char **args = d->args;
	size_t i, nargs = d->nargs;
	int line = d->line, r;
	long section = d->match;

	if (nargs == 0) {
		set_cause(cause, "%s:%d: Include without a file name", file, line);
		return EX_CONFIG;
	}
	if (st->loader == NULL) {
		set_cause(cause, "%s:%d: Include cannot be followed here", file, line);
		return EX_SOFTWARE;
	}
	/* directives may move while including; args and file do not */
	for (i = 0; i < nargs; i++) {
		if (*args[i] == '\0') {
			set_cause(cause, "%s:%d: Include with an empty argument",
			    file, line);
			return EX_CONFIG;
		}
		if ((r = include_one(st, file, line, args[i], depth, section,
		    cause)) != 0)
			return r;
	}
	return 0;
}

/* The file being parsed: where it is in the tree and the section in force. */
struct file_state {
	const char *file;		/* the copy in cfg->files */
	int depth;			/* 0 for the main file */
	long outer;			/* the section it was included in, or -1 */
	long section;			/* the section in force, or -1 */
};

/* Parse one line of a file. A Match line opens a section; its own .match is
 * the section it is nested in (sshd applies it only when that one applies). */
static int parse_line(struct parse_state *st, struct file_state *fs, int lineno,
    char *line, char **cause)
{
	struct split_line sl;
	size_t idx;

	if (split_line(line, &sl) != 0) {
		set_cause(cause, "%s:%d: unterminated quote", fs->file, lineno);
		return EX_CONFIG;
	}
	if (sl.keyword == NULL)
		return 0;
	if (strcmp(sl.keyword, "match") == 0) {
		fs->section = (long)add_directive(st, fs->file, lineno, &sl, fs->outer);
		return 0;
	}
	idx = add_directive(st, fs->file, lineno, &sl, fs->section);
	if (strcmp(st->cfg->directives[idx].keyword, "include") == 0)
		return include_all(st, idx, fs->depth, cause);
	return 0;
}

/* Parse one file's text; its lines start in the section it was included in. */
static int parse_file(struct parse_state *st, const char *path, const char *data,
    size_t len, int depth, long outer, char **cause)
{
	struct file_state fs;
	const char *p = data, *end = data + len, *nl;
	int lineno = 0, r = 0;
	char *line;

	if ((nl = memchr(data, '\0', len)) != NULL) {
		set_cause(cause, "%s:%d: a NUL byte: not a text file", path,
		    count_lines(data, (size_t)(nl - data)) + 1);
		return EX_CONFIG;
	}
	fs.file = add_file(st->cfg, path);
	fs.depth = depth;
	fs.outer = fs.section = outer;
	while (r == 0 && p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		line = xstrndup(p, (size_t)(nl - p));
		r = parse_line(st, &fs, ++lineno, line, cause);
		free(line);
		p = nl < end ? nl + 1 : end;
	}
	return r;
}

/* Parse the main file and, through the loader, everything it includes. */
int sshd_config_parse(const char *path, const char *data, size_t len,
    sshd_config_loader loader, void *ctx, struct sshd_config *cfg, char **cause)
{
	struct parse_state st;
	int r;

	memset(cfg, 0, sizeof(*cfg));
	st.cfg = cfg;
	st.cap = 0;
	st.loader = loader;
	st.ctx = ctx;
	r = parse_file(&st, path, data, len, 0, -1, cause);
	if (r != 0)
		sshd_config_free(cfg);
	return r;
}

/* Free a parsed tree; cfg is left empty and may be freed again. */
void sshd_config_free(struct sshd_config *cfg)
{
	size_t i;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->n; i++) {
		free(cfg->directives[i].keyword);
		strv_free(cfg->directives[i].args, cfg->directives[i].nargs);
	}
	free(cfg->directives);
	strv_free(cfg->files, cfg->nfiles);
	memset(cfg, 0, sizeof(*cfg));
}

/* The first directive for keyword outside any Match section. */
const struct sshd_directive *sshd_config_first_global(const struct sshd_config *cfg,
    const char *keyword)
{
	size_t i;

	for (i = 0; i < cfg->n; i++)
		if (cfg->directives[i].match == -1 &&
		    strcasecmp(cfg->directives[i].keyword, keyword) == 0)
			return &cfg->directives[i];
	return NULL;
}

/* The next directive for keyword inside a Match section. */
const struct sshd_directive *sshd_config_next_in_match(const struct sshd_config *cfg,
    const char *keyword, size_t *iter)
{
	const struct sshd_directive *d;

	while (*iter < cfg->n) {
		d = &cfg->directives[(*iter)++];
		if (d->match >= 0 && strcasecmp(d->keyword, keyword) == 0)
			return d;
	}
	return NULL;
}

int sshd_match_pattern(const char *s, const char *pat, size_t patlen)
{
	const char *star = NULL, *retry = NULL, *pend = pat + patlen;

	while (*s != '\0') {
		if (pat < pend && *pat == '*') {	/* a wildcard, even against a '*' in s */
			star = ++pat;
			retry = s;
		} else if (pat < pend && (*pat == '?' || *pat == *s)) {
			s++;
			pat++;
		} else if (star != NULL) {
			pat = star;
			s = ++retry;
		} else
			return 0;
	}
	while (pat < pend && *pat == '*')
		pat++;
	return pat == pend;
}

/* match.c's match_pattern_list, case-sensitive: 1, 0 or -1 (negated). */
int sshd_match_pattern_list(const char *s, const char *list)
{
	const char *p = list, *comma;
	size_t len;
	int negated, positive = 0;

	while (*p != '\0') {
		negated = *p == '!';
		if (negated)
			p++;
		comma = strchr(p, ',');
		len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		if (len >= SSHD_PATTERN_MAX - 1)
			return 0;	/* sshd gives up on a pattern this long */
		if (sshd_match_pattern(s, p, len)) {
			if (negated)
				return -1;
			positive = 1;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	return positive;
}

/* Group criterion: some group matches and none matches a negation. */
static int groups_match(char *const *groups, size_t ngroups, const char *list)
{
	size_t i;
	int found = 0;

	for (i = 0; i < ngroups; i++) {
		switch (sshd_match_pattern_list(groups[i], list)) {
		case -1:
			return 0;
		case 1:
			found = 1;
			break;
		default:
			break;
		}
	}
	return found;
}

/* The criteria sshd accepts as "name=pattern" in one argument. */
static const char *const match_eq_criteria[] = {
	"user=", "group=", "host=", "address=", "localaddress=",
	"localport=", "rdomain=", "version=", NULL
};

/* Split a "Name=pattern" argument: the name length, or 0 when it is not one. */
static size_t criterion_eq_len(const char *arg)
{
	size_t i, n;

	for (i = 0; match_eq_criteria[i] != NULL; i++) {
		n = strlen(match_eq_criteria[i]);
		if (strncasecmp(arg, match_eq_criteria[i], n) == 0)
			return n - 1;
	}
	return 0;
}

/* Whether one criterion surely excludes the user: 1 excludes, 0 not. */
static int criterion_excludes(const char *name, size_t namelen, const char *pat,
    const char *user, char *const *groups, size_t ngroups)
{
	if (namelen == 4 && strncasecmp(name, "user", 4) == 0)
		return user != NULL && sshd_match_pattern_list(user, pat) != 1;
	if (namelen == 5 && strncasecmp(name, "group", 5) == 0)
		return groups != NULL && !groups_match(groups, ngroups, pat);
	return 0;
}

/* Whether a Match line's User and Group criteria leave user a chance. */
int sshd_config_match_may_apply(const struct sshd_directive *match,
    const char *user, char *const *groups, size_t ngroups)
{
	const char *a, *pat;
	size_t i, namelen;

	if (strcmp(match->keyword, "match") != 0)
		return 1;
	for (i = 0; i < match->nargs; i++) {
		a = match->args[i];
		if (*a == '#' || strcasecmp(a, "all") == 0)
			return 1;
		if (strcasecmp(a, "invalid-user") == 0)
			continue;
		if ((namelen = criterion_eq_len(a)) != 0)
			pat = a + namelen + 1;
		else if (i + 1 < match->nargs) {
			namelen = strlen(a);
			pat = match->args[++i];
		} else
			return 1;	/* malformed: sshd refuses it anyway */
		if (criterion_excludes(a, namelen, pat, user, groups, ngroups))
			return 0;
	}
	return 1;
}

/* The characters that make a user name more than a literal name after
 * "Match User": sshd's pattern language ('*', '?', '!' and ','), its
 * argument splitting (quotes, a backslash, '=' for older versions' strdelim)
 * and '#' (a comment). Whitespace and control characters too. */
#define USER_NAME_SPECIAL "*?!,\"'\\=#"

/* Whether sshd reads user literally in "Match User user". */
int sshd_config_user_check(const char *user, char **cause)
{
	const unsigned char *p;
	char *what;

	if (user == NULL || *user == '\0') {
		set_cause(cause, "the user name is empty");
		return EX_DATAERR;
	}
	for (p = (const unsigned char *)user; *p != '\0'; p++)
		if (*p <= ' ' || *p == 0x7f || strchr(USER_NAME_SPECIAL, *p) != NULL)
			break;
	if (*p == '\0')
		return 0;
	if (cause == NULL)
		return EX_DATAERR;
	if (*p <= ' ' || *p == 0x7f)
		what = xstrdup("whitespace or a control character");
	else
		what = xasprintf(*p == '\'' ? "\"%c\"" : "'%c'", *p);
	set_cause(cause, "the user name '%s' holds %s, which sshd would not read as a "
	    "plain name in 'Match User' (a pattern, list, quoting or comment character), "
	    "so a block for it could apply to other users; nothing was changed", user, what);
	free(what);
	return EX_DATAERR;
}

/* The managed block for the given settings. */
char *sshd_config_block_text(const struct sshd_block_settings *s)
{
	struct buf b = { NULL, 0, 0 };

	buf_printf(&b, SSHD_BLOCK_BEGIN_FMT "\n", s->user, s->user);
	buf_printf(&b, "Match User %s\n", s->user);
	buf_addstr(&b, "    PasswordAuthentication yes\n");
	buf_addstr(&b, "    PubkeyAuthentication yes\n");
	if (s->require_both)
		buf_addstr(&b, "    AuthenticationMethods publickey,password\n");
	else
		buf_addstr(&b, "    AuthenticationMethods password publickey\n");
	if (s->permit_root_login)
		buf_addstr(&b, "    PermitRootLogin yes\n");
	buf_printf(&b, SSHD_BLOCK_END_FMT "\n", s->user);
	return buf_take(&b, NULL);
}

/* One managed block of a text. */
struct block {
	size_t start;		/* the begin line's first byte */
	size_t end;		/* just after the end line's line ending */
	char *user;		/* whose; NULL for 0.1.0's global block */
};

/* Every managed block of a text, in order. */
struct block_list {
	struct block *b;
	size_t n;
};

/* The length of the line [s, e) (no '\n') without a final '\r'. */
static size_t line_len(const char *s, const char *e)
{
	size_t len = (size_t)(e - s);

	return len > 0 && s[len - 1] == '\r' ? len - 1 : len;
}

/* Whether the line [s, e) is exactly marker. */
static int is_marker(const char *s, const char *e, const char *marker)
{
	size_t len = line_len(s, e);

	return len == strlen(marker) && memcmp(s, marker, len) == 0;
}

/* 1 when the line [s, e) is a begin marker, with *user the name it
 * carries (malloc'd; NULL for 0.1.0's marker), else 0. A name podpass
 * would not write makes the line a plain comment. */
static int begin_marker(const char *s, const char *e, char **user)
{
	size_t len = line_len(s, e), plen = strlen(SSHD_BLOCK_BEGIN_PREFIX);
	const char *name = s + plen, *colon;
	char *u, *want;
	int ok;

	*user = NULL;
	if (is_marker(s, e, SSHD_OLD_BLOCK_BEGIN))
		return 1;
	if (len <= plen || memcmp(s, SSHD_BLOCK_BEGIN_PREFIX, plen) != 0 ||
	    (colon = memchr(name, ':', len - plen)) == NULL || colon == name)
		return 0;
	u = xstrndup(name, (size_t)(colon - name));
	want = xasprintf(SSHD_BLOCK_BEGIN_FMT, u, u);
	ok = is_marker(s, e, want) && sshd_config_user_check(u, NULL) == 0;
	free(want);
	if (ok)
		*user = u;
	else
		free(u);
	return ok;
}

/* 1 when the line [s, e) is an end marker, with *user as for begin_marker. */
static int end_marker(const char *s, const char *e, char **user)
{
	size_t len = line_len(s, e), plen = strlen(SSHD_BLOCK_END_PREFIX);

	*user = NULL;
	if (is_marker(s, e, SSHD_OLD_BLOCK_END))
		return 1;
	if (len <= plen || memcmp(s, SSHD_BLOCK_END_PREFIX, plen) != 0 ||
	    memchr(s + plen, '\0', len - plen) != NULL)
		return 0;
	*user = xstrndup(s + plen, len - plen);
	if (sshd_config_user_check(*user, NULL) == 0)
		return 1;
	free(*user);
	*user = NULL;
	return 0;
}

/* Whether two block owners (NULL: 0.1.0's block) are the same. */
static int same_user(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* The name of a block owner for messages. */
static const char *owner_name(const char *user)
{
	return user != NULL ? user : "(0.1.0, every user)";
}

/* Free the blocks of a list. */
static void block_list_free(struct block_list *bl)
{
	size_t i;

	for (i = 0; i < bl->n; i++)
		free(bl->b[i].user);
	free(bl->b);
	memset(bl, 0, sizeof(*bl));
}

/* The block being scanned: where it began and whose it is. */
struct scan_state {
	int begin_line;		/* 0 outside a block */
	size_t begin_at;
	char *user;
};

/* Take one line [p, nl) into the scan; -1 with *cause on a marker out of place. */
static int scan_line(const char *data, const char *p, const char *nl, const char *end,
    int lineno, struct scan_state *ss, struct block_list *bl, char **cause)
{
	char *user;

	if (begin_marker(p, nl, &user)) {
		if (ss->begin_line != 0) {
			set_cause(cause, "line %d: begin marker inside the managed block "
			    "begun at line %d", lineno, ss->begin_line);
			free(user);
			return -1;
		}
		ss->begin_line = lineno;
		ss->begin_at = (size_t)(p - data);
		ss->user = user;
	} else if (end_marker(p, nl, &user)) {
		if (ss->begin_line == 0 || !same_user(user, ss->user)) {
			if (ss->begin_line == 0)
				set_cause(cause, "line %d: end marker without begin marker", lineno);
			else
				set_cause(cause, "line %d: end marker of %s inside the block of %s "
				    "begun at line %d", lineno, owner_name(user),
				    owner_name(ss->user), ss->begin_line);
			free(user);
			return -1;
		}
		free(user);
		bl->b = xrealloc(bl->b, (bl->n + 1) * sizeof(*bl->b));
		bl->b[bl->n].start = ss->begin_at;
		bl->b[bl->n].end = (size_t)((nl < end ? nl + 1 : end) - data);
		bl->b[bl->n++].user = ss->user;
		ss->user = NULL;
		ss->begin_line = 0;
	}
	return 0;
}

/* Find every managed block; -1 with *cause when the markers do not pair. */
static int scan_blocks(const char *data, size_t len, struct block_list *bl,
    char **cause)
{
	struct scan_state ss = { 0, 0, NULL };
	const char *p = data, *end = data + len, *nl;
	int lineno = 0;

	memset(bl, 0, sizeof(*bl));
	for (; p < end; p = nl < end ? nl + 1 : end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (scan_line(data, p, nl, end, ++lineno, &ss, bl, cause) != 0)
			goto fail;
	}
	if (ss.begin_line == 0)
		return 0;
	set_cause(cause, "line %d: begin marker without end marker", ss.begin_line);
fail:
	free(ss.user);
	block_list_free(bl);
	return -1;
}

/* The first block of user (NULL: 0.1.0's), after checking every marker pairs. */
int sshd_config_find_block(const char *data, size_t len, const char *user,
    size_t *start, size_t *end, char **cause)
{
	struct block_list bl;
	size_t i;
	int found = 0;

	if (scan_blocks(data, len, &bl, cause) != 0)
		return -1;
	for (i = 0; i < bl.n && !found; i++) {
		if (!same_user(bl.b[i].user, user))
			continue;
		*start = bl.b[i].start;
		*end = bl.b[i].end;
		found = 1;
	}
	block_list_free(&bl);
	return found;
}

/* Take block b out of the text in t. A block that ends the text without a
 * newline of its own takes the newline before it: the one append_block put
 * there. Returns where it was. */
static size_t cut_block(struct buf *t, const struct block *b)
{
	/* a later block cut before this one may have taken its final newline */
	size_t start = b->start, end = b->end < t->len ? b->end : t->len;

	if (end == t->len && t->data[t->len - 1] != '\n' && start > 0 &&
	    t->data[start - 1] == '\n')
		start--;
	memmove(t->data + start, t->data + end, t->len - end + 1);
	t->len -= end - start;
	return start;
}

/* Put block (ending in '\n') into t at byte at, a line start or the end.
 * At the end of a text that lacks a final newline, the block goes on a line
 * of its own and its own final newline is left out, so that cut_block
 * gives back the text byte for byte. */
static void put_block(struct buf *t, size_t at, const char *block)
{
	struct buf b = { NULL, 0, 0 };
	size_t blen = strlen(block);

	buf_add(&b, t->data, at);
	if (at == t->len && at > 0 && t->data[at - 1] != '\n') {
		buf_add(&b, "\n", 1);
		buf_add(&b, block, blen - 1);
	} else
		buf_add(&b, block, blen);
	buf_add(&b, t->data + at, t->len - at);
	buf_free(t);
	*t = b;
}

/* Whether the block [s, e) of text holds the line want (leading blanks,
 * case and a final '\r' aside). */
static int block_has_line(const char *text, size_t s, size_t e, const char *want)
{
	const char *p = text + s, *end = text + e, *nl;
	size_t wlen = strlen(want);

	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		p += strspn(p, " \t");
		if (p <= nl && line_len(p, nl) == wlen && strncasecmp(p, want, wlen) == 0)
			return 1;
		if (nl == end)
			break;
	}
	return 0;
}

/* Remove every block of user (NULL: 0.1.0's) from t, last first; returns
 * how many, with *at where the first one was. Noted in ed for 0.1.0's. */
static int cut_blocks_of(struct buf *t, const char *user, size_t *at,
    struct sshd_block_edit *ed, char **cause)
{
	struct block_list bl;
	size_t i;
	int n = 0;

	if (scan_blocks(t->data, t->len, &bl, cause) != 0)
		return -1;
	for (i = bl.n; i-- > 0;) {
		if (!same_user(bl.b[i].user, user))
			continue;
		if (user == NULL && block_has_line(t->data, bl.b[i].start, bl.b[i].end,
		    "PermitRootLogin yes")) {
			ed->old_root = 1;
			ed->old_both |= block_has_line(t->data, bl.b[i].start, bl.b[i].end,
			    "AuthenticationMethods publickey,password");
		}
		*at = cut_block(t, &bl.b[i]);
		n++;
	}
	block_list_free(&bl);
	return n;
}

/* Convert 0.1.0's global block: take it out and, when it was written for root
 * (it let root in), put root's own block at the end unless root has one or
 * keep_root is 0. */
static int convert_old(struct buf *t, int keep_root, struct sshd_block_edit *ed,
    char **cause)
{
	struct sshd_block_settings root = { "root", 1, 0 };
	size_t at, s, e;
	char *block;
	int n;

	if ((n = cut_blocks_of(t, NULL, &at, ed, cause)) <= 0)
		return n;
	ed->old_removed = n;
	if (!ed->old_root || !keep_root ||
	    sshd_config_find_block(t->data, t->len, "root", &s, &e, NULL) != 0)
		return 0;
	root.require_both = ed->old_both;
	block = sshd_config_block_text(&root);
	put_block(t, t->len, block);
	free(block);
	ed->root_kept = 1;
	return 0;
}

/* The text as a buf of its own (NUL-terminated). */
static void text_copy(struct buf *t, const char *data, size_t len)
{
	memset(t, 0, sizeof(*t));
	buf_add(t, data, len);
	buf_add(t, "", 0);
}

/* The text with 0.1.0's block converted and user's blocks cut out, *at
 * where the first of them was (the end when there was none). */
static int cut_user(const char *data, size_t len, const char *user, struct buf *t,
    size_t *at, struct sshd_block_edit *ed, char **cause)
{
	int rc;

	memset(ed, 0, sizeof(*ed));
	if ((rc = sshd_config_user_check(user, cause)) != 0)
		return rc;
	text_copy(t, data, len);
	if (convert_old(t, strcmp(user, "root") != 0, ed, cause) != 0 ||
	    (ed->removed = cut_blocks_of(t, user, at, ed, cause)) < 0) {
		buf_free(t);
		return EX_CONFIG;
	}
	if (ed->removed == 0)
		*at = t->len;
	return 0;
}

/* The main file with user's block put in, in the place of the old one or
 * at the end; 0.1.0's block converted. */
int sshd_config_apply_block(const char *data, size_t len,
    const struct sshd_block_settings *s, char **out, size_t *outlen,
    struct sshd_block_edit *ed, char **cause)
{
	struct buf t;
	size_t at;
	char *block;
	int rc;

	if ((rc = cut_user(data, len, s->user, &t, &at, ed, cause)) != 0)
		return rc;
	block = sshd_config_block_text(s);
	put_block(&t, at, block);
	free(block);
	*out = buf_take(&t, outlen);
	return 0;
}

/* The main file without user's block; 0.1.0's block converted. */
int sshd_config_remove_block(const char *data, size_t len, const char *user,
    char **out, size_t *outlen, struct sshd_block_edit *ed, char **cause)
{
	struct buf t;
	size_t at;
	int rc;

	if ((rc = cut_user(data, len, user, &t, &at, ed, cause)) != 0)
		return rc;
	*out = buf_take(&t, outlen);
	return 0;
}

/* Say what converting 0.1.0's block did, if anything. */
void sshd_config_log_conversion(const char *path, const struct sshd_block_edit *ed)
{
	if (ed->old_removed == 0)
		return;
	if (ed->root_kept)
		log_info("%s: podpass 0.1.0's global block (password login for every user) "
		    "is replaced by a block for root alone, as it was written for root; "
		    "other users need 'podpass enable -u NAME' again", path);
	else
		log_info("%s: podpass 0.1.0's global block (password login for every user) "
		    "is removed; users other than the one of this run need 'podpass "
		    "enable -u NAME' again", path);
}

/* The value on a dump line for keyword, or NULL; the line runs to eol. */
static const char *dump_line_value(const char *line, const char *eol,
    const char *keyword, size_t *vlen)
{
	size_t klen = strlen(keyword), len = (size_t)(eol - line);

	if (len < klen || strncasecmp(line, keyword, klen) != 0)
		return NULL;
	if (len > klen && line[klen] != ' ')
		return NULL;
	line += len > klen ? klen + 1 : klen;
	*vlen = (size_t)(eol - line);
	if (*vlen > 0 && line[*vlen - 1] == '\r')
		(*vlen)--;
	return line;
}

/* Every value for keyword in dump, up to max of them (0: no limit). */
static char **dump_values(const char *dump, const char *keyword, size_t max,
    size_t *n)
{
	const char *p = dump, *eol, *v;
	char **vals = NULL;
	size_t vlen;

	*n = 0;
	if (dump == NULL || *keyword == '\0')
		return NULL;
	for (; *p != '\0' && (max == 0 || *n < max); p = *eol ? eol + 1 : eol) {
		eol = p + strcspn(p, "\n");
		if ((v = dump_line_value(p, eol, keyword, &vlen)) == NULL)
			continue;
		vals = xrealloc(vals, (*n + 1) * sizeof(*vals));
		vals[(*n)++] = xstrndup(v, vlen);
	}
	return vals;
}

/* The first value for keyword in "sshd -T" output. */
char *sshd_dump_get(const char *dump, const char *keyword)
{
	char **vals, *v;
	size_t n;

	if ((vals = dump_values(dump, keyword, 1, &n)) == NULL)
		return NULL;
	v = vals[0];
	free(vals);
	return v;
}

/* Every value for keyword in "sshd -T" output; NULL and *n = 0 for none. */
char **sshd_dump_get_all(const char *dump, const char *keyword, size_t *n)
{
	return dump_values(dump, keyword, 0, n);
}
