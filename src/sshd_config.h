/* sshd_config: parse a configuration tree (Include read through a loader
 * the caller passes in), find effective values, and put the managed block
 * in or out. Memory only: no file or process I/O here.
 *
 * Must never: change a byte of the file outside the managed block, leave
 * two managed blocks, or produce text that sshd would parse differently
 * from what the caller asked for. */
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

/* The managed block. */
#define SSHD_BLOCK_BEGIN "# BEGIN podpass managed block: 'podpass disable' removes it"
#define SSHD_BLOCK_END "# END podpass managed block"

struct sshd_block_settings {
	int permit_root_login;	/* write "PermitRootLogin yes" (only when the user is root) */
	int require_both;	/* --mode both: "AuthenticationMethods publickey,password" */
};

/* The block's text, begin and end marker lines included, each line ending
 * in "\n". Malloc'd. */
char *sshd_config_block_text(const struct sshd_block_settings *s);

/* Find the managed block in a file's text. Returns 1 and the byte range
 * [*start, *end) (from the start of the begin line to just after the end
 * line's line ending), 0 when there is none, or -1 with *cause "line N: ..."
 * when a begin marker has no end marker or an end marker has no begin. */
int sshd_config_find_block(const char *data, size_t len, size_t *start, size_t *end,
    char **cause);

/* New text of the main file: every managed block removed, then block put
 * at byte 0, before everything else. Applying the same block to its own
 * output gives the same bytes. Returns 0 and malloc'd *out (NUL-terminated,
 * *outlen bytes), or EX_CONFIG with *cause. */
int sshd_config_apply_block(const char *data, size_t len, const char *block,
    char **out, size_t *outlen, char **cause);

/* New text with every managed block removed: for a file that had a block put
 * in by sshd_config_apply_block, exactly the bytes it had before. *found is
 * set to the number of blocks removed. Returns 0 or EX_CONFIG with *cause. */
int sshd_config_remove_block(const char *data, size_t len, char **out, size_t *outlen,
    int *found, char **cause);

/* Values from "sshd -T" output (lines "keyword value", keyword lower-case).
 * sshd_dump_get: the value of the first line for keyword, malloc'd, or NULL.
 * sshd_dump_get_all: every value for keyword (sshd prints one line per
 * value for lists such as allowusers); free with strv_free from util.h. */
char *sshd_dump_get(const char *dump, const char *keyword);
char **sshd_dump_get_all(const char *dump, const char *keyword, size_t *n);

#endif
