/* --dry-run's report: a unified diff of each planned file (a secret file's
 * password fields masked) and the effective settings that change.
 *
 * Must never: print a hash, or any part of a line of a secret file that has
 * no colon. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "sshd_config.h"
#include "util.h"

/* One line of a file being diffed. */
struct diff_line {
	const char *p;
	size_t len;
};

/* Split text into lines (without their "\n"); malloc'd array. */
static struct diff_line *split_lines(const char *text, size_t len, size_t *n)
{
	struct diff_line *v = NULL;
	size_t cap = 0, i = 0, start;

	*n = 0;
	while (i < len) {
		start = i;
		while (i < len && text[i] != '\n')
			i++;
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[*n].p = text + start;
		v[(*n)++].len = i - start;
		if (i < len)
			i++;
	}
	return v;
}

/* 1 when a password field (len bytes at p) holds only '!' and '*' (or nothing):
 * a lock or "no password" mark, no hash. */
static int is_mark_only(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != '!' && p[i] != '*')
			return 0;
	return 1;
}

/* Print one diff line. In a secret file the password field (the second colon
 * field) of every line is masked, context lines included, whatever its form
 * (a hash, a locked hash, a DES hash, anything unknown); only a field of '!'
 * and '*' marks alone, or an empty one, is shown. A line with no colon is
 * hidden whole. */
static void print_diff_line(char mark, const struct diff_line *l, int secret)
{
	const char *end = l->p + l->len, *c1, *c2;

	c1 = secret ? memchr(l->p, ':', l->len) : NULL;
	if (secret && c1 == NULL && l->len > 0) {
		printf("%c<line hidden>\n", mark);
		return;
	}
	c2 = c1 ? memchr(c1 + 1, ':', (size_t)(end - c1 - 1)) : NULL;
	if (c1 != NULL && c2 == NULL)
		c2 = end;
	if (c1 != NULL && !is_mark_only(c1 + 1, (size_t)(c2 - c1 - 1))) {
		printf("%c%.*s<hash hidden>%.*s\n", mark, (int)(c1 + 1 - l->p), l->p,
		    (int)(end - c2), c2);
		return;
	}
	printf("%c%.*s\n", mark, (int)l->len, l->p);
}

/* 1 when two lines are equal. */
static int line_eq(const struct diff_line *a, const struct diff_line *b)
{
	return a->len == b->len && memcmp(a->p, b->p, a->len) == 0;
}

/* Print a unified diff of one planned file: one hunk around the lines
 * between the common head and tail, three lines of context. */
static void print_file_diff(const struct planned_file *f)
{
	struct diff_line *a, *b;
	size_t na, nb, head = 0, tail = 0, from, to_a, to_b, i;

	a = split_lines(f->old, f->oldlen, &na);
	b = split_lines(f->new, f->newlen, &nb);
	while (head < na && head < nb && line_eq(&a[head], &b[head]))
		head++;
	while (tail < na - head && tail < nb - head &&
	    line_eq(&a[na - 1 - tail], &b[nb - 1 - tail]))
		tail++;
	from = head > 3 ? head - 3 : 0;
	to_a = na - tail + (tail > 3 ? 3 : tail);
	to_b = nb - tail + (tail > 3 ? 3 : tail);
	printf("--- %s\n+++ %s (after podpass)\n", f->name, f->name);
	printf("@@ -%zu,%zu +%zu,%zu @@\n", to_a > from ? from + 1 : from, to_a - from,
	    to_b > from ? from + 1 : from, to_b - from);
	for (i = from; i < head; i++)
		print_diff_line(' ', &a[i], f->secret);
	for (i = head; i < na - tail; i++)
		print_diff_line('-', &a[i], f->secret);
	for (i = head; i < nb - tail; i++)
		print_diff_line('+', &b[i], f->secret);
	for (i = na - tail; i < to_a; i++)
		print_diff_line(' ', &a[i], f->secret);
	free(a);
	free(b);
}

/* Each file's diff, or that it is unchanged. */
void diff_print(struct planned_file *const *files, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (planned_file_changes(files[i]))
			print_file_diff(files[i]);
		else
			printf("%s: unchanged\n", files[i]->name);
	}
}

/* The effective value of each named setting before and after, as sshd
 * reports them. */
void diff_print_settings(const char *old_dump, const char *dump, const char *const *names,
    size_t n)
{
	char *before, *after, *lower;
	size_t i, j;

	for (i = 0; i < n; i++) {
		lower = xstrdup(names[i]);
		for (j = 0; lower[j] != '\0'; j++)
			lower[j] = (char)tolower((unsigned char)lower[j]);
		before = old_dump ? sshd_dump_get(old_dump, lower) : NULL;
		after = dump ? sshd_dump_get(dump, lower) : NULL;
		if (before != NULL && after != NULL && strcmp(before, after) != 0)
			printf("setting %s: %s -> %s\n", names[i], before, after);
		free(before);
		free(after);
		free(lower);
	}
}
