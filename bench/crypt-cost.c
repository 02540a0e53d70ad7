/* What one crypt(3) call costs, for podpass's benchmarks: podpass hashes a
 * new password three times (hash, verify, validate) and even a ready hash
 * given with --encrypted once (its completeness probe), so this is the part
 * of a run that is hashing. Not part of the installed build.
 *
 *     crypt-cost hash PREFIX [COUNT]
 *                                 read a password on stdin, print its hash
 *                                 with a fresh salt of PREFIX ("$y$", "$6$")
 *                                 and cost COUNT (0 or none: the default)
 *     crypt-cost time N HASH...   hash a probe N times with each HASH as the
 *                                 setting; print "HASH_PREFIX MEDIAN_US
 *                                 MIN_US RSS_GROWTH_KIB"
 *
 * Build: cc -O2 crypt-cost.c -lcrypt */
#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

/* Peak resident set size of this process, KiB. */
static long peak_rss_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

/* The "$id$params$" part of a hash, for the report. */
static void print_prefix(const char *hash)
{
	const char *p = hash;
	int dollars = 0;

	for (; *p != '\0' && dollars < 3; p++) {
		putchar(*p);
		dollars += *p == '$';
	}
}

static int cmd_hash(const char *prefix, unsigned long count)
{
	char pw[1024], *setting, *h;
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	size_t n;

	if (cd == NULL || fgets(pw, sizeof(pw), stdin) == NULL)
		return 1;
	n = strcspn(pw, "\r\n");
	pw[n] = '\0';
	if ((setting = crypt_gensalt_ra(prefix, count, NULL, 0)) == NULL ||
	    (h = crypt_rn(pw, setting, cd, sizeof(*cd))) == NULL || h[0] == '*') {
		fputs("crypt-cost: hashing failed\n", stderr);
		return 1;
	}
	puts(h);
	free(setting);
	free(cd);
	return 0;
}

static int cmd_time(int n, char **hashes, int nhashes)
{
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	long long *us = calloc((size_t)n, sizeof(*us));
	struct timespec a, b;
	long before;
	int i, j;

	if (cd == NULL || us == NULL || n < 1)
		return 1;
	for (j = 0; j < nhashes; j++) {
		before = peak_rss_kib();
		for (i = 0; i < n; i++) {
			clock_gettime(CLOCK_MONOTONIC, &a);
			if (crypt_rn("podpass-probe", hashes[j], cd, sizeof(*cd)) == NULL)
				return 1;
			clock_gettime(CLOCK_MONOTONIC, &b);
			us[i] = (long long)(b.tv_sec - a.tv_sec) * 1000000LL +
			    (b.tv_nsec - a.tv_nsec) / 1000;
		}
		qsort(us, (size_t)n, sizeof(*us), cmp_ll);
		print_prefix(hashes[j]);
		printf(" %lld %lld %ld\n", us[n / 2], us[0], peak_rss_kib() - before);
	}
	free(us);
	free(cd);
	return 0;
}

int main(int argc, char **argv)
{
	if ((argc == 3 || argc == 4) && strcmp(argv[1], "hash") == 0)
		return cmd_hash(argv[2], argc == 4 ? strtoul(argv[3], NULL, 10) : 0);
	if (argc >= 4 && strcmp(argv[1], "time") == 0)
		return cmd_time(atoi(argv[2]), argv + 3, argc - 3);
	fputs("usage: crypt-cost hash PREFIX [COUNT] < password\n"
	    "       crypt-cost time N HASH...\n", stderr);
	return 2;
}
