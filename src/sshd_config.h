/* sshd_config: parse a configuration tree (Include read through a loader
 * the caller passes in), find effective values, and put the managed block
 * in or out. Memory only: no file or process I/O here.
 *
 * Must never: change a byte of the file outside the user's managed block
 * (but for converting 0.1.0's global block), leave two blocks for a user,
 * or write a user name that sshd would read as a pattern. */
#ifndef PODPASS_SSHD_CONFIG_H
#define PODPASS_SSHD_CONFIG_H

#include <stddef.h>

/* One file, as a loader returns it. */
struct sshd_source {
	char *path;		/* the path as sshd would name it (e.g. /etc/ssh/sshd_config.d/50-x.conf) */
	char *data;
	size_t len;
};

/* Expand an Include pattern into the files it names, sorted as glob(3)
 * sorts them, each with its contents. The pattern is absolute: a relative
 * Include argument is resolved against /etc/ssh before the call. A pattern
 * that matches nothing gives *n = 0 and returns 0 (sshd accepts that).
 * Returns 0 or an EX_* code with *cause. The parser frees what it gets
 * with sshd_sources_free. */
typedef int (*sshd_config_loader)(void *ctx, const char *pattern,
    struct sshd_source **files, size_t *n, char **cause);
void sshd_sources_free(struct sshd_source *files, size_t n);

/* One "Keyword args" line. */
struct sshd_directive {
	const char *file;	/* owned by the sshd_config (cfg->files) */
	int line;		/* 1-based */
	char *keyword;		/* lower-cased */
	char **args;		/* arguments, quotes removed */
	size_t nargs;
	long match;		/* index in cfg->directives of the Match line whose
				   section holds this line, or -1 when global */
};

struct sshd_config {
	struct sshd_directive *directives;	/* in the order sshd reads them, Includes expanded in place */
	size_t n;
	char **files;		/* every file read, main file first */
	size_t nfiles;
};

/* Parse the file at path (contents data/len) and, through loader, every
 * file it includes, recursively (at most 16 deep, as sshd). Keywords may be
 * written "Keyword args", "Keyword=args" or "Keyword = args", in any case;
 * '#' starts a comment line; arguments may be double-quoted; CRLF line
 * endings and a missing final newline are accepted. A Match section lasts to
 * the next Match or the end of the file it is in; an Include inside a Match
 * section puts the included lines into that section.
 * Returns 0, or EX_CONFIG with *cause "FILE:LINE: message" (unterminated
 * quote, Include without argument, too deep), or the loader's code. */
int sshd_config_parse(const char *path, const char *data, size_t len,
    sshd_config_loader loader, void *ctx, struct sshd_config *cfg, char **cause);
void sshd_config_free(struct sshd_config *cfg);

/* The directive sshd takes for keyword (lower-case) outside any Match: the
 * first one read. NULL when the keyword is not set globally. */
const struct sshd_directive *sshd_config_first_global(const struct sshd_config *cfg,
    const char *keyword);

/* Iterate over the directives for keyword inside Match sections: start with
 * *iter = 0; returns NULL at the end. */
const struct sshd_directive *sshd_config_next_in_match(const struct sshd_config *cfg,
    const char *keyword, size_t *iter);

/* Whether a Match line (a directive with keyword "match") could apply to
 * user, a member of groups: 0 when its User or Group criteria surely exclude
 * the user, 1 otherwise (criteria it does not evaluate, such as Address or
 * Host, count as "could apply"). */
int sshd_config_match_may_apply(const struct sshd_directive *match,
    const char *user, char *const *groups, size_t ngroups);

/* Whether all of s matches one pattern (its first patlen bytes) of '*' and
 * '?' wildcards, nothing else: how sshd matches an AllowUsers/DenyUsers
 * entry. 1 or 0; linear time. */
int sshd_match_pattern(const char *s, const char *pat, size_t patlen);

/* OpenSSH's pattern-list match: a comma-separated list of patterns with
 * '*' and '?' wildcards, each optionally negated with '!'. Returns 1 when s
 * matches a positive pattern and no negated one, -1 when it matches a
 * negated one, 0 otherwise. */
int sshd_match_pattern_list(const char *s, const char *list);

/* The managed blocks: one per user, a "Match User NAME" section between
 * marker lines that name the user, appended at the end of the main file:
 *
 *   # BEGIN podpass block for NAME: 'podpass disable -u NAME' removes it
 *   Match User NAME
 *       PasswordAuthentication yes
 *       PubkeyAuthentication yes
 *       AuthenticationMethods password publickey   (publickey,password: --mode both)
 *       PermitRootLogin yes                        (root only)
 *   # END podpass block for NAME
 *
 * 0.1.0 wrote one global block at the top of the file; it is recognised by
 * its markers and converted (taken out) by the next apply or remove. */
#define SSHD_BLOCK_BEGIN_PREFIX "# BEGIN podpass block for "
#define SSHD_BLOCK_BEGIN_FMT SSHD_BLOCK_BEGIN_PREFIX "%s: 'podpass disable -u %s' removes it"
#define SSHD_BLOCK_END_PREFIX "# END podpass block for "
#define SSHD_BLOCK_END_FMT SSHD_BLOCK_END_PREFIX "%s"
#define SSHD_OLD_BLOCK_BEGIN "# BEGIN podpass managed block: 'podpass disable' removes it"
#define SSHD_OLD_BLOCK_END "# END podpass managed block"

struct sshd_block_settings {
	const char *user;	/* whose block; must pass sshd_config_user_check */
	int permit_root_login;	/* write "PermitRootLogin yes" (only when the user is root) */
	int require_both;	/* --mode both: "AuthenticationMethods publickey,password" */
};

/* What an apply or remove did. */
struct sshd_block_edit {
	int removed;		/* blocks of the user taken out (apply: replaced) */
	int old_removed;	/* 0.1.0 global blocks taken out */
	int old_root;		/* one of them let root in (PermitRootLogin yes) */
	int old_both;		/* ... with AuthenticationMethods publickey,password */
	int root_kept;		/* root's own block was written in their place */
};

/* 0 when sshd reads user literally after "Match User": not empty, no
 * whitespace or control character, none of * ? ! , " ' \ = #. Else
 * EX_DATAERR with *cause. */
int sshd_config_user_check(const char *user, char **cause);

/* The user's block, begin and end marker lines included, each line ending
 * in "\n". s->user must pass sshd_config_user_check. Malloc'd. */
char *sshd_config_block_text(const struct sshd_block_settings *s);

/* Find the first block of user (NULL: 0.1.0's global block) in a file's
 * text. Returns 1 and the byte range [*start, *end) (from the start of the
 * begin line to just after the end line's line ending), 0 when there is
 * none, or -1 with *cause "line N: ..." when the markers do not pair up (a
 * begin without its end, an end without its begin, another user's end). */
int sshd_config_find_block(const char *data, size_t len, const char *user,
    size_t *start, size_t *end, char **cause);

/* New text of the main file with the block for s: the user's block replaced
 * where it is (any further one of that user removed), or appended at the
 * end; other users' blocks and every other byte untouched. 0.1.0's global
 * block is taken out first and, when it let root in and s->user is not
 * root, root's block is appended in its place (*ed says so). Applying the
 * same settings to the output gives the same bytes. Returns 0 and malloc'd
 * *out (NUL-terminated, *outlen bytes), EX_DATAERR for a user name
 * sshd_config_user_check refuses, or EX_CONFIG with *cause. */
int sshd_config_apply_block(const char *data, size_t len,
    const struct sshd_block_settings *s, char **out, size_t *outlen,
    struct sshd_block_edit *ed, char **cause);

/* New text without user's blocks: for a file that got the block from
 * sshd_config_apply_block, exactly the bytes it had before. 0.1.0's block
 * is converted as in sshd_config_apply_block (root's block kept unless user
 * is root). Returns 0, EX_DATAERR or EX_CONFIG with *cause. */
int sshd_config_remove_block(const char *data, size_t len, const char *user,
    char **out, size_t *outlen, struct sshd_block_edit *ed, char **cause);

/* log_info what converting 0.1.0's block did to the file at path, if anything. */
void sshd_config_log_conversion(const char *path, const struct sshd_block_edit *ed);

/* Values from "sshd -T" output (lines "keyword value", keyword lower-case).
 * sshd_dump_get: the value of the first line for keyword, malloc'd, or NULL.
 * sshd_dump_get_all: every value for keyword (sshd prints one line per
 * value for lists such as allowusers); free with strv_free from util.h. */
char *sshd_dump_get(const char *dump, const char *keyword);
char **sshd_dump_get_all(const char *dump, const char *keyword, size_t *n);

#endif
