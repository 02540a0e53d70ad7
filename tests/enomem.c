/* A library that tests/e2e/out-of-memory.sh preloads into podpass: one memory
 * allocation fails during or after the commit, as it would when the pod runs
 * out of memory, so that the test sees what podpass leaves when fatal() ends it.
 *
 * The allocations (malloc, calloc, realloc; glibc's own strdup, asprintf, fopen
 * and the like call these too) are numbered from one of two events:
 *   - "commit": podpass's first rename(), the journal's, the commit's first write;
 *   - "whole": the unlink() of the journal, when the change is whole or undone.
 *
 *   ENOMEM_FROM=E    the event to number from (default: commit).
 *   ENOMEM_AT=N      allocation N from that event returns NULL (errno ENOMEM),
 *                    once; every other allocation works, so what fatal() runs
 *                    can allocate again. 0 or unset: none fails.
 *   ENOMEM_REPORT=F  file to append what happened to: "commit C" and "whole W" at
 *                    a normal exit (how many allocations came after each event),
 *                    "failed N" at the moment of the failure, and "mkdtemp PATH"
 *                    for each temporary directory podpass makes (its work
 *                    directory: the test checks that no exit leaves it).
 *
 * Only podpass itself counts and fails: its key file helper (forked, not exec'd)
 * allocates nothing, and a process that execs starts without the library
 * (podpass gives its children a fixed environment). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void *__libc_malloc(size_t size);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t size);

void *malloc(size_t size);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t size);
int rename(const char *from, const char *to);
int unlink(const char *path);
char *mkdtemp(char *template);

#define JOURNAL_NAME "/.podpass-journal"

/* Allocations since each event; 0 and not counting until it came. */
static int seen_commit, seen_whole;
static unsigned long since_commit, since_whole;
static int from_whole;
static unsigned long fail_at;
static const char *report;
static pid_t parent;

static void write_report(const char *text)
{
	int fd;

	if (report == NULL)
		return;
	fd = open(report, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (write(fd, text, strlen(text)) < 0) {
		/* nothing to do about it in an allocator */
	}
	close(fd);
}

__attribute__((constructor)) static void enomem_init(void)
{
	const char *at = getenv("ENOMEM_AT");
	const char *from = getenv("ENOMEM_FROM");

	fail_at = at != NULL ? strtoul(at, NULL, 10) : 0;
	from_whole = from != NULL && strcmp(from, "whole") == 0;
	report = getenv("ENOMEM_REPORT");
	parent = getpid();
}

__attribute__((destructor)) static void enomem_fini(void)
{
	char line[64];

	if (getpid() != parent)
		return;
	snprintf(line, sizeof(line), "commit %lu\nwhole %lu\n", since_commit, since_whole);
	write_report(line);
}

/* Count this allocation; whether it is the one to fail. */
static int fails_now(void)
{
	unsigned long n_commit = 0, n_whole = 0, n;
	char line[64];

	if (__atomic_load_n(&seen_commit, __ATOMIC_SEQ_CST))
		n_commit = __atomic_add_fetch(&since_commit, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&seen_whole, __ATOMIC_SEQ_CST))
		n_whole = __atomic_add_fetch(&since_whole, 1, __ATOMIC_SEQ_CST);
	n = from_whole ? n_whole : n_commit;	/* 0: its event has not come */
	if (fail_at == 0 || n != fail_at || getpid() != parent)
		return 0;
	snprintf(line, sizeof(line), "failed %lu\n", n);
	write_report(line);
	errno = ENOMEM;
	return 1;
}

void *malloc(size_t size)
{
	return fails_now() ? NULL : __libc_malloc(size);
}

void *calloc(size_t n, size_t size)
{
	return fails_now() ? NULL : __libc_calloc(n, size);
}

void *realloc(void *p, size_t size)
{
	return fails_now() ? NULL : __libc_realloc(p, size);
}

int rename(const char *from, const char *to)
{
	__atomic_store_n(&seen_commit, 1, __ATOMIC_SEQ_CST);
	return renameat(AT_FDCWD, from, AT_FDCWD, to);
}

int unlink(const char *path)
{
	size_t len = strlen(path), tail = strlen(JOURNAL_NAME);

	if (len >= tail && strcmp(path + len - tail, JOURNAL_NAME) == 0)
		__atomic_store_n(&seen_whole, 1, __ATOMIC_SEQ_CST);
	return unlinkat(AT_FDCWD, path, 0);
}

char *mkdtemp(char *template)
{
	char *(*next)(char *) = (char *(*)(char *))dlsym(RTLD_NEXT, "mkdtemp");
	char line[4200];
	char *made;

	if (next == NULL) {
		errno = ENOSYS;
		return NULL;
	}
	made = next(template);
	if (made != NULL && strlen(made) < sizeof(line) - 16) {
		snprintf(line, sizeof(line), "mkdtemp %s\n", made);
		write_report(line);
	}
	return made;
}
