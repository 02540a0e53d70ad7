/* podpass enable: plan, check, commit, reload, verify, and roll back on any
 * failure after the first write.
 *
 * Must never: write a file before every check has passed, leave one file
 * changed when another could not be, leave sshd stopped that was running,
 * report success before sshd answers with the new settings, or let the
 * password or its hash reach a message, a child or any file but
 * /etc/shadow. */
#include "config.h"

#include <errno.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "atomic.h"
#include "commands.h"
#include "hash.h"
#include "log.h"
#include "secret.h"
#include "shadow.h"
#include "sshd.h"
#include "sshd_config.h"
#include "util.h"

#define LOCK_TIMEOUT_MS 15000
#define SSHD_TIMEOUT_MS 10000
#define CHECK_ADDR "203.0.113.1"	/* a documentation address: "some client out there" */

/* One file the transaction may change. */
struct planned_file {
	char *path;		/* real path, symlinks resolved */
	const char *name;	/* as the user knows it */
	char *old, *new;
	size_t oldlen, newlen;
	struct stat st;
	int touched;		/* a write was attempted: restore on rollback */
};

/* Everything one run of enable knows. */
struct enable_run {
	const struct options *o;
	struct sshd_ctx ctx;
	char *workdir;		/* real path of a private temp dir */
	char *candidate;	/* candidate sshd_config, path inside root */
	char *hostkey;		/* throwaway host key, path inside root, or NULL */
	struct secret secret;
	char *hash;
	struct passwd_entry pw;
	char **groups;
	size_t ngroups;
	struct planned_file shadow, config;
	struct sshd_config parsed;	/* the candidate tree */
	char *dump;		/* sshd -T of the candidate */
	char *pidfile;
	struct sshd_listen listen;
	pid_t listener;
	int lock_fd;
	int rundir_created;
	int need_host_keys;
	int committed;		/* enable succeeded: what it made stays */
	char *cause;
};

/* Print the error held in run->cause (once) and pass rc on. */
static int fail(struct enable_run *run, int rc)
{
	if (rc != 0 && run->cause != NULL)
		log_error("%s", run->cause);
	free(run->cause);
	run->cause = NULL;
	return rc;
}

/* A path inside the target root turned into a real path. */
static char *real_path(const struct enable_run *run, const char *path)
{
	return path_under_root(run->o->root, path);
}

/* Get the secret from the first source given: option, environment, prompt. */
static int read_secret(struct enable_run *run)
{
	const struct options *o = run->o;
	int rc;

	switch (o->source) {
	case PW_STDIN:
		secret_scrub_env();
		return secret_read_fd(0, &run->secret, &run->cause);
	case PW_FILE:
		secret_scrub_env();
		return secret_read_file(o->password_file, &run->secret, &run->cause);
	case PW_GENERATE:
		secret_scrub_env();
		if (o->encrypted) {
			set_cause(&run->cause, "--generate and --encrypted exclude each other");
			return EX_USAGE;
		}
		return secret_generate(&run->secret, SECRET_GENERATED_LEN, &run->cause);
	case PW_UNSET:
		break;
	}
	if ((rc = secret_take_env(SECRET_ENV, &run->secret, &run->cause)) != 0 ||
	    run->secret.buf != NULL)
		return rc;
	if (isatty(0))
		return secret_prompt(&run->secret, &run->cause);
	set_cause(&run->cause, "no password given: use --password-stdin, --password-file "
	    "FILE, --generate or the environment variable %s (or run on a terminal to "
	    "be asked)", SECRET_ENV);
	return EX_USAGE;
}

/* Turn the secret into the hash that goes into /etc/shadow. */
static int make_hash(struct enable_run *run)
{
	int rc;

	if (run->o->encrypted) {
		if ((rc = hash_validate(run->secret.buf, &run->cause)) != 0)
			return rc;
		run->hash = xstrdup(run->secret.buf);
		return 0;
	}
	if ((rc = secret_check_password(&run->secret, run->o->min_length, &run->cause)) != 0)
		return rc;
	return hash_password(run->secret.buf, run->o->method, &run->hash, &run->cause);
}

/* Read a planned file's current contents (and stat). */
static int plan_read(struct enable_run *run, struct planned_file *f, const char *logical)
{
	char *full = real_path(run, logical);
	int rc;

	f->name = logical;
	f->path = atomic_resolve(run->o->root, full, &run->cause);
	free(full);
	if (f->path == NULL)
		return EX_IOERR;
	rc = atomic_read(f->path, ATOMIC_MAX_FILE, &f->old, &f->oldlen, &f->st, &run->cause);
	if (rc == EX_NOINPUT)
		return EX_NOINPUT;
	return rc;
}

/* Look the user up in passwd and group; refuse an unknown user. */
static int plan_user(struct enable_run *run)
{
	char *text = NULL, *path = real_path(run, "/etc/passwd");
	size_t len;
	int rc;

	rc = atomic_read(path, ATOMIC_MAX_FILE, &text, &len, NULL, &run->cause);
	free(path);
	if (rc != 0)
		return rc;
	rc = passwd_find(text, len, run->o->user, &run->pw, &run->cause);
	free(text);
	if (rc == EX_NOUSER)
		set_cause(&run->cause, "no such user '%s' in /etc/passwd", run->o->user);
	if (rc != 0)
		return rc;
	path = real_path(run, "/etc/group");
	if (atomic_read(path, ATOMIC_MAX_FILE, &text, &len, NULL, NULL) == 0) {
		run->groups = group_names_for_user(text, len, run->o->user, run->pw.gid,
		    &run->ngroups);
		free(text);
	}
	free(path);
	return 0;
}

/* Plan the new /etc/shadow text, under the lock shadow-utils takes. */
static int plan_shadow(struct enable_run *run, long today)
{
	struct shadow_entry e;
	char *lock = real_path(run, "/etc/.pwd.lock");
	int rc, line;

	rc = shadow_lock(lock, LOCK_TIMEOUT_MS, &run->lock_fd, &run->cause);
	free(lock);
	if (rc != 0)
		return rc;
	if ((rc = plan_read(run, &run->shadow, "/etc/shadow")) != 0)
		return rc;
	rc = shadow_find(run->shadow.old, run->shadow.oldlen, run->o->user, &e, &line,
	    &run->cause);
	if (rc == EX_NOUSER)
		set_cause(&run->cause, "/etc/shadow has no entry for '%s' (run pwconv?)",
		    run->o->user);
	if (rc != 0)
		return rc;
	if (e.expire >= 0 && e.expire <= today) {
		set_cause(&run->cause, "/etc/shadow line %d: the account '%s' has expired, "
		    "so no login would work (chage -E -1 %s)", line, run->o->user, run->o->user);
		rc = EX_CONFIG;
	}
	shadow_entry_free(&e);
	if (rc != 0)
		return rc;
	return shadow_set_hash(run->shadow.old, run->shadow.oldlen, run->o->user, run->hash,
	    today, &run->shadow.new, &run->shadow.newlen, &run->cause);
}

/* Plan the new main sshd_config: the managed block at the top. */
static int plan_config(struct enable_run *run)
{
	struct sshd_block_settings bs;
	char *block;
	int rc;

	rc = plan_read(run, &run->config, run->o->sshd_config);
	if (rc == EX_NOINPUT)
		set_cause(&run->cause, "%s: missing (is openssh-server installed?)",
		    run->o->sshd_config);
	if (rc != 0)
		return rc;
	bs.permit_root_login = run->pw.uid == 0;
	bs.require_both = run->o->mode == MODE_BOTH;
	block = sshd_config_block_text(&bs);
	rc = sshd_config_apply_block(run->config.old, run->config.oldlen, block,
	    &run->config.new, &run->config.newlen, &run->cause);
	free(block);
	if (rc != 0) {
		char *c = run->cause;

		run->cause = xasprintf("%s: %s", run->o->sshd_config, c);
		free(c);
	}
	return rc;
}

/* Make the private work directory (for the candidate config and a
 * throwaway host key) inside the target root, so chrooted children see it. */
static int make_workdir(struct enable_run *run)
{
	static const char *const bases[] = { "/tmp", "/run", "/var/tmp" };
	size_t i, rootlen;
	char *t;

	for (i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
		t = path_under_root(run->o->root, bases[i]);
		run->workdir = xasprintf("%s/podpass.XXXXXX", t);
		free(t);
		if (mkdtemp(run->workdir) != NULL)
			break;
		free(run->workdir);
		run->workdir = NULL;
	}
	if (run->workdir == NULL) {
		set_cause(&run->cause, "cannot create a private temp directory in /tmp or "
		    "/run: %s", strerror(errno));
		return EX_CANTCREAT;
	}
	t = path_under_root(run->o->root, "/");
	rootlen = strcmp(run->o->root, "/") == 0 ? 0 : strlen(t) - 1;
	run->candidate = xasprintf("%s/sshd_config", run->workdir + rootlen);
	free(t);
	return 0;
}

/* Remove the work directory and what is in it. */
static void remove_workdir(struct enable_run *run)
{
	char *p;

	if (run->workdir == NULL)
		return;
	p = xasprintf("%s/sshd_config", run->workdir);
	unlink(p);
	free(p);
	p = xasprintf("%s/throwaway_host_key", run->workdir);
	unlink(p);
	free(p);
	p = xasprintf("%s/throwaway_host_key.pub", run->workdir);
	unlink(p);
	free(p);
	if (rmdir(run->workdir) != 0)
		log_warn("cannot remove %s: %s", run->workdir, strerror(errno));
}

/* Parse the candidate tree (the new main file plus what it includes). */
static int parse_candidate(struct enable_run *run)
{
	return sshd_config_parse(run->o->sshd_config, run->config.new, run->config.newlen,
	    sshd_files_loader, (void *)run->o->root, &run->parsed, &run->cause);
}

/* The host key paths sshd will load: HostKey lines, else its defaults. */
static size_t host_key_paths(const struct enable_run *run, char **paths, size_t max)
{
	static char *const defaults[] = { "/etc/ssh/ssh_host_rsa_key",
	    "/etc/ssh/ssh_host_ecdsa_key", "/etc/ssh/ssh_host_ed25519_key" };
	const struct sshd_config *c = &run->parsed;
	size_t i, n = 0;

	for (i = 0; i < c->n && n < max; i++)
		if (c->directives[i].match < 0 && c->directives[i].nargs > 0 &&
		    strcmp(c->directives[i].keyword, "hostkey") == 0)
			paths[n++] = c->directives[i].args[0];
	for (i = 0; n == 0 && i < 3; i++)
		paths[i] = defaults[i];
	return n == 0 ? 3 : n;
}

/* See what sshd needs to run; validate with a throwaway key when there is
 * no host key yet (or when none may be made: an image build). */
static int plan_runtime(struct enable_run *run)
{
	char *paths[32], *key;
	size_t n = host_key_paths(run, paths, 32), rootlen;
	int rc, may_create = run->o->restart != RESTART_NONE && !run->o->dry_run;

	if ((rc = sshd_make_rundir(&run->ctx, &run->rundir_created, &run->cause)) != 0)
		return rc;
	if (sshd_count_host_keys(&run->ctx, paths, n) > 0)
		return 0;
	run->need_host_keys = may_create;
	if ((rc = sshd_make_throwaway_key(run->workdir, &key, &run->cause)) != 0)
		return rc;
	rootlen = strcmp(run->o->root, "/") == 0 ? 0 : strlen(run->o->root);
	while (rootlen > 1 && run->o->root[rootlen - 1] == '/')
		rootlen--;
	run->hostkey = xstrdup(key + rootlen);
	free(key);
	log_verbose("no host key yet: validating with a throwaway key%s",
	    may_create ? "" : " (none is created in an image build)");
	return 0;
}

/* The connection sshd -T -C evaluates Match blocks for. */
static char *check_spec(const struct enable_run *run)
{
	const struct sshd_directive *d = sshd_config_first_global(&run->parsed, "port");
	const char *port = d != NULL && d->nargs > 0 ? d->args[0] : "22";

	return xasprintf("user=%s,host=client.invalid,addr=%s,laddr=127.0.0.1,lport=%s",
	    run->o->user, CHECK_ADDR, port);
}

/* The current config must already be valid: a broken one is reported, not
 * made worse. */
static int check_current(struct enable_run *run, const char *spec)
{
	char *dump = NULL, *c;
	int rc;

	rc = sshd_effective(&run->ctx, run->o->sshd_config, run->hostkey, spec, &dump,
	    &run->cause);
	free(dump);
	if (rc == EX_CONFIG) {
		c = run->cause;
		run->cause = xasprintf("the current sshd configuration is already invalid, "
		    "so nothing was changed; fix it first: %s", c);
		free(c);
	}
	return rc;
}

/* Write the candidate config into the work dir and let sshd judge it. */
static int check_candidate(struct enable_run *run, const char *spec)
{
	struct stat like = { 0 };
	char *real = xasprintf("%s/sshd_config", run->workdir), *c;
	int rc;

	like.st_uid = 0;
	like.st_gid = 0;
	like.st_mode = 0600;
	rc = atomic_replace(real, run->config.new, run->config.newlen, &like, &run->cause);
	free(real);
	if (rc != 0)
		return rc;
	rc = sshd_effective(&run->ctx, run->candidate, run->hostkey, spec, &run->dump,
	    &run->cause);
	if (rc == EX_CONFIG) {
		c = run->cause;
		run->cause = xasprintf("with the managed block added, %s", c);
		free(c);
	}
	return rc;
}

/* sshd_config's spelling of a lower-cased keyword podpass names in messages. */
static const char *keyword_name(const char *keyword)
{
	static const char *const names[] = {
		"PasswordAuthentication", "PermitRootLogin", "AuthenticationMethods",
		"PubkeyAuthentication", "AllowUsers", "DenyUsers", "AllowGroups",
		"DenyGroups",
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(names[i], keyword) == 0)
			return names[i];
	return keyword;
}

/* "FILE:LINE: 'Keyword value' inside 'Match criteria' (FILE:LINE)", malloc'd. */
static char *describe_in_match(const struct sshd_directive *d,
    const struct sshd_directive *m)
{
	struct buf b = { NULL, 0, 0 };
	size_t i;

	buf_printf(&b, "%s:%d: '%s", d->file, d->line, keyword_name(d->keyword));
	for (i = 0; i < d->nargs; i++)
		buf_printf(&b, " %s", d->args[i]);
	buf_addstr(&b, "' inside 'Match");
	for (i = 0; i < m->nargs; i++)
		buf_printf(&b, " %s", m->args[i]);
	buf_printf(&b, "' (%s:%d)", m->file, m->line);
	return buf_take(&b, NULL);
}

/* "FILE:LINE" of the first Match-section directive for keyword that could
 * apply to the user and whose first argument is not allowed_value
 * (NULL: any directive for keyword); malloc'd, or NULL. */
static char *find_match_blocker(const struct enable_run *run, const char *keyword,
    const char *allowed_value)
{
	const struct sshd_config *c = &run->parsed;
	const struct sshd_directive *d, *m;
	size_t iter = 0;

	while ((d = sshd_config_next_in_match(c, keyword, &iter)) != NULL) {
		m = &c->directives[d->match];
		if (!sshd_config_match_may_apply(m, run->o->user, run->groups, run->ngroups))
			continue;
		if (allowed_value != NULL && d->nargs > 0 &&
		    strcasecmp(d->args[0], allowed_value) == 0)
			continue;
		return describe_in_match(d, m);
	}
	return NULL;
}

/* Set the cause for a setting that keeps the login blocked, naming where. */
static int blocked(struct enable_run *run, const char *keyword, const char *allowed,
    const char *what)
{
	char *where = find_match_blocker(run, keyword, allowed);

	set_cause(&run->cause, "%s for '%s' even with podpass's block in place: %s; "
	    "nothing was changed (change or remove that line, then run podpass again)",
	    what, run->o->user, where ? where : "set in a Match section of the "
	    "configuration");
	free(where);
	return EX_CONFIG;
}

/* "FILE:LINE" of the first directive for keyword that lists arg. */
static char *find_list_directive(const struct enable_run *run, const char *keyword,
    const char *arg)
{
	const struct sshd_config *c = &run->parsed;
	size_t i, j;

	for (i = 0; i < c->n; i++) {
		if (strcmp(c->directives[i].keyword, keyword) != 0)
			continue;
		for (j = 0; j < c->directives[i].nargs; j++)
			if (arg == NULL || strcmp(c->directives[i].args[j], arg) == 0)
				return xasprintf("%s:%d", c->directives[i].file,
				    c->directives[i].line);
	}
	return NULL;
}

/* 1 when pattern (from AllowUsers/DenyUsers, maybe "user@host") names user
 * for every client host (host_any) or for some (not host_any). */
static int user_pattern_hits(const char *pattern, const char *user, int need_any_host)
{
	const char *at = strchr(pattern, '@');
	char *up = at ? xstrndup(pattern, (size_t)(at - pattern)) : xstrdup(pattern);
	int hit = sshd_match_pattern_list(user, up) == 1;

	free(up);
	if (hit && need_any_host && at != NULL && strcmp(at + 1, "*") != 0)
		hit = 0;
	return hit;
}

/* 1 when any of the user's groups matches pattern. */
static int group_pattern_hits(const struct enable_run *run, const char *pattern)
{
	size_t i;

	for (i = 0; i < run->ngroups; i++)
		if (sshd_match_pattern_list(run->groups[i], pattern) == 1)
			return 1;
	return 0;
}

/* Deny* lists: a hit blocks. Allow* lists: no hit blocks. */
static int check_access_list(struct enable_run *run, const char *keyword, int is_allow,
    int is_group)
{
	size_t n, i;
	char **v = sshd_dump_get_all(run->dump, keyword, &n), *where;
	int hit = 0, rc = 0;

	for (i = 0; i < n && !hit; i++)
		hit = is_group ? group_pattern_hits(run, v[i]) :
		    user_pattern_hits(v[i], run->o->user, !is_allow);
	if (n > 0 && hit != is_allow) {
		where = find_list_directive(run, keyword, is_allow ? NULL : v[i - 1]);
		set_cause(&run->cause, "%s: %s %s '%s', so sshd refuses every login of that "
		    "user; nothing was changed (add the user there, or remove the line)",
		    where ? where : keyword_name(keyword), keyword_name(keyword),
		    is_allow ? "does not let in" : "shuts out",
		    run->o->user);
		free(where);
		rc = EX_CONFIG;
	}
	strv_free(v, n);
	return rc;
}

/* 1 when an AuthenticationMethods value lets the mode's login through. */
static int methods_allow(const char *value, enum auth_mode mode)
{
	char *copy, *list, *save = NULL;
	int ok = 0;

	if (value == NULL || strcmp(value, "any") == 0)
		return mode == MODE_EITHER;
	copy = xstrdup(value);
	for (list = strtok_r(copy, " ", &save); list && !ok; list = strtok_r(NULL, " ", &save))
		ok = strcmp(list, mode == MODE_BOTH ? "publickey,password" : "password") == 0;
	free(copy);
	return ok;
}

/* Is the value of keyword in the dump equal to want? */
static int dump_is(const struct enable_run *run, const char *keyword, const char *want)
{
	char *v = sshd_dump_get(run->dump, keyword);
	int ok = v != NULL && strcmp(v, want) == 0;

	free(v);
	return ok;
}

/* The effective settings for the user must let a password login through. */
static int check_effective(struct enable_run *run)
{
	char *methods;
	int ok, rc;

	if (!dump_is(run, "passwordauthentication", "yes"))
		return blocked(run, "passwordauthentication", "yes", "password login stays off");
	if (run->pw.uid == 0 && !dump_is(run, "permitrootlogin", "yes"))
		return blocked(run, "permitrootlogin", "yes", "root login with a password stays off");
	methods = sshd_dump_get(run->dump, "authenticationmethods");
	ok = methods_allow(methods, run->o->mode);
	free(methods);
	if (!ok)
		return blocked(run, "authenticationmethods", NULL,
		    "AuthenticationMethods leaves no way in by password");
	if (!dump_is(run, "pubkeyauthentication", "yes")) {
		if (run->o->mode == MODE_BOTH)
			return blocked(run, "pubkeyauthentication", "yes", "key login stays off");
		log_warn("key login is off for '%s' in a Match section", run->o->user);
	}
	if ((rc = check_access_list(run, "denyusers", 0, 0)) != 0 ||
	    (rc = check_access_list(run, "allowusers", 1, 0)) != 0 ||
	    (rc = check_access_list(run, "denygroups", 0, 1)) != 0 ||
	    (rc = check_access_list(run, "allowgroups", 1, 1)) != 0)
		return rc;
	return 0;
}

/* Find the running listener and decide, before any write, whether the
 * restart mode can be honoured. */
static int plan_restart(struct enable_run *run)
{
	unsigned long inode;
	int rc;

	run->pidfile = sshd_dump_get(run->dump, "pidfile");
	if (run->pidfile == NULL)
		run->pidfile = xstrdup("/run/sshd.pid");
	if ((rc = sshd_listen_from_dump(run->dump, &run->listen, &run->cause)) != 0)
		return rc;
	if (run->o->restart == RESTART_NONE)
		return 0;
	rc = sshd_find_listener(&run->ctx, run->pidfile, &run->listener, &run->cause);
	if (rc != 0)
		return rc;
	if (run->listener == 0 && sshd_listen_inodes(getpid(), run->listen.port, &inode, 1)) {
		set_cause(&run->cause, "another program listens on port %d, so sshd could "
		    "not start there; nothing was changed", run->listen.port);
		return EX_UNAVAILABLE;
	}
	if (run->o->restart == RESTART_RELOAD && run->listener == 0) {
		set_cause(&run->cause, "sshd is not running, and --restart reload only "
		    "reloads a running one; nothing was changed (use --restart auto)");
		return EX_UNAVAILABLE;
	}
	return 0;
}

/* Write one planned file (after keeping a backup for /etc/shadow). */
static int commit_file(struct enable_run *run, struct planned_file *f, const char *backup)
{
	char *b;
	int rc;

	if (f->oldlen == f->newlen && memcmp(f->old, f->new, f->oldlen) == 0) {
		log_verbose("%s: unchanged", f->name);
		return 0;
	}
	if (backup != NULL) {
		b = real_path(run, backup);
		rc = atomic_replace(b, f->old, f->oldlen, &f->st, &run->cause);
		free(b);
		if (rc != 0)
			return rc;
	}
	f->touched = 1;
	log_verbose("writing %s", f->name);
	return atomic_replace(f->path, f->new, f->newlen, &f->st, &run->cause);
}

/* Put one file back as it was; errors are reported, not returned. */
static void restore_file(struct enable_run *run, struct planned_file *f)
{
	char *cause = NULL;

	if (!f->touched)
		return;
	if (atomic_replace(f->path, f->old, f->oldlen, &f->st, &cause) != 0) {
		log_error("could not restore %s: %s", f->name, cause);
		free(cause);
		return;
	}
	f->touched = 0;
	log_info("restored %s", f->name);
}

/* Reload or start sshd as the restart mode asks. */
static int apply_restart(struct enable_run *run)
{
	int rc;

	if (run->o->restart == RESTART_START && run->listener != 0) {
		log_info("stopping sshd (pid %ld) to start it again; open sessions stay",
		    (long)run->listener);
		if ((rc = sshd_stop(run->listener, SSHD_TIMEOUT_MS, &run->cause)) != 0)
			return rc;
		run->listener = 0;
		return sshd_start(&run->ctx, run->pidfile, &run->listen, SSHD_TIMEOUT_MS,
		    &run->cause);
	}
	if (run->listener != 0) {
		log_info("reloading sshd (pid %ld); open sessions stay", (long)run->listener);
		return sshd_reload(run->listener, &run->listen, SSHD_TIMEOUT_MS, &run->cause);
	}
	log_info("starting sshd");
	return sshd_start(&run->ctx, run->pidfile, &run->listen, SSHD_TIMEOUT_MS, &run->cause);
}

/* Undo every write, then bring sshd back to the old settings. */
static void rollback(struct enable_run *run, int was_running)
{
	char *cause = NULL;
	pid_t pid = 0;

	log_error("rolling back: every file goes back as it was");
	restore_file(run, &run->config);
	restore_file(run, &run->shadow);
	if (run->o->restart == RESTART_NONE)
		return;
	if (sshd_find_listener(&run->ctx, run->pidfile, &pid, &cause) != 0)
		pid = 0;
	if (!was_running) {
		if (pid != 0 && sshd_stop(pid, SSHD_TIMEOUT_MS, &cause) == 0)
			log_info("the sshd podpass started is stopped again, as it was before");
	} else if (pid != 0) {
		if (sshd_reload(pid, &run->listen, SSHD_TIMEOUT_MS, &cause) == 0)
			log_info("sshd runs with the old settings again");
	} else if (sshd_start(&run->ctx, run->pidfile, &run->listen, SSHD_TIMEOUT_MS,
	    &cause) == 0)
		log_info("sshd was started again with the old settings");
	if (cause != NULL)
		log_error("%s", cause);
	free(cause);
}

/* After the reload: the files hold what was planned. */
static int verify(struct enable_run *run)
{
	struct planned_file *files[2] = { &run->shadow, &run->config };
	char *data = NULL;
	size_t len, i;
	int rc;

	for (i = 0; i < 2; i++) {
		rc = atomic_read(files[i]->path, ATOMIC_MAX_FILE, &data, &len, NULL, &run->cause);
		if (rc != 0)
			return rc;
		rc = len != files[i]->newlen || memcmp(data, files[i]->new, len) != 0;
		freezero(data, len);
		if (rc) {
			set_cause(&run->cause, "%s changed under podpass while it worked",
			    files[i]->name);
			return EX_TEMPFAIL;
		}
	}
	if (run->o->restart != RESTART_NONE && sshd_probe_banner(&run->listen, 2000) != 0) {
		set_cause(&run->cause, "sshd stopped answering on port %d", run->listen.port);
		return EX_UNAVAILABLE;
	}
	return 0;
}

/* This machine's first non-loopback IPv4 address, or NULL. */
static char *local_address(void)
{
	struct ifaddrs *ifs, *i;
	char host[NI_MAXHOST];
	char *found = NULL;

	if (getifaddrs(&ifs) != 0)
		return NULL;
	for (i = ifs; i != NULL && found == NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET ||
		    strncmp(i->ifa_name, "lo", 2) == 0)
			continue;
		if (getnameinfo(i->ifa_addr, sizeof(struct sockaddr_in), host, sizeof(host),
		    NULL, 0, NI_NUMERICHOST) == 0)
			found = xstrdup(host);
	}
	freeifaddrs(ifs);
	return found;
}

/* One line saying how to connect: the pod's public address where the cloud
 * tells it (RunPod, vast.ai), else this machine's address and sshd's port. */
static void print_connect(const struct enable_run *run)
{
	static const char *const pairs[][2] = {
		{ "RUNPOD_PUBLIC_IP", "RUNPOD_TCP_PORT_22" },
		{ "PUBLIC_IPADDR", "VAST_TCP_PORT_22" },
	};
	const char *ip, *port;
	char *local;
	size_t i;

	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		ip = getenv(pairs[i][0]);
		port = getenv(pairs[i][1]);
		if (ip != NULL && *ip != '\0' && port != NULL && *port != '\0') {
			log_info("connect: ssh %s@%s -p %s", run->o->user, ip, port);
			return;
		}
	}
	local = local_address();
	log_info("connect: ssh %s@%s -p %d", run->o->user, local ? local : "<this host>",
	    run->listen.port);
	free(local);
}

/* --dry-run: say what would change, change nothing. */
static void print_plan(const struct enable_run *run)
{
	const char *p, *nl;

	printf("would set a new password hash for '%s' in /etc/shadow (hash not shown)\n",
	    run->o->user);
	if (run->config.oldlen == run->config.newlen &&
	    memcmp(run->config.old, run->config.new, run->config.oldlen) == 0) {
		printf("%s: unchanged (the managed block is already in place)\n",
		    run->o->sshd_config);
	} else {
		printf("%s: the managed block at the top would read:\n", run->o->sshd_config);
		nl = strstr(run->config.new, SSHD_BLOCK_END);
		for (p = run->config.new; p != NULL && nl != NULL && p <= nl; ) {
			const char *e = strchr(p, '\n');

			printf("+%.*s\n", (int)(e ? e - p : (long)strlen(p)), p);
			p = e ? e + 1 : NULL;
		}
	}
	printf("sshd would be %s\n", run->o->restart == RESTART_NONE ? "left alone" :
	    run->listener != 0 ? "reloaded" : "started");
}

/* Release everything the run holds; wipe what is secret. */
static void run_free(struct enable_run *run)
{
	if (run->rundir_created && (run->o->restart == RESTART_NONE || run->o->dry_run ||
	    !run->committed))
		sshd_remove_rundir(&run->ctx);
	remove_workdir(run);
	if (run->lock_fd >= 0)
		shadow_unlock(run->lock_fd);
	secret_free(&run->secret);
	strfreezero(run->hash);
	freezero(run->shadow.old, run->shadow.oldlen);
	freezero(run->shadow.new, run->shadow.newlen);
	free(run->shadow.path);
	free(run->config.old);
	free(run->config.new);
	free(run->config.path);
	passwd_entry_free(&run->pw);
	strv_free(run->groups, run->ngroups);
	sshd_config_free(&run->parsed);
	free(run->dump);
	free(run->pidfile);
	free(run->workdir);
	free(run->candidate);
	free(run->hostkey);
	free(run->cause);
}

/* Steps 1 and 2: plan every new file in memory and check everything. */
static int plan_and_check(struct enable_run *run)
{
	char *spec;
	int rc;

	if ((rc = sshd_check_installed(&run->ctx, &run->cause)) != 0 ||
	    (rc = read_secret(run)) != 0 || (rc = make_hash(run)) != 0 ||
	    (rc = plan_user(run)) != 0 || (rc = plan_config(run)) != 0 ||
	    (rc = parse_candidate(run)) != 0 || (rc = make_workdir(run)) != 0 ||
	    (rc = plan_runtime(run)) != 0)
		return rc;
	spec = check_spec(run);
	rc = check_current(run, spec);
	if (rc == 0)
		rc = check_candidate(run, spec);
	free(spec);
	if (rc == 0)
		rc = check_effective(run);
	if (rc == 0)
		rc = plan_restart(run);
	if (rc == 0) {
		char *c = NULL;
		long today = shadow_days(getenv("SOURCE_DATE_EPOCH"), (long)time(NULL), &c);

		if (today < 0) {
			run->cause = c;
			return EX_USAGE;
		}
		rc = plan_shadow(run, today);
	}
	return rc;
}

/* Steps 3 to 5: write, reload, verify; roll everything back on failure. */
static int commit_and_reload(struct enable_run *run)
{
	int rc, was_running = run->listener != 0;

	if (run->need_host_keys &&
	    (rc = sshd_make_host_keys(&run->ctx, &run->cause)) != 0)
		return rc;
	if ((rc = commit_file(run, &run->shadow, "/etc/shadow-")) != 0 ||
	    (rc = commit_file(run, &run->config, NULL)) != 0)
		goto failed;
	if (run->o->restart != RESTART_NONE && (rc = apply_restart(run)) != 0)
		goto failed;
	if ((rc = verify(run)) != 0)
		goto failed;
	return 0;
failed:
	fail(run, rc);
	rollback(run, was_running);
	return rc;
}

/* The generated password, alone on standard output's first line; written
 * directly so that no stdio buffer keeps a copy. */
static void print_generated(const struct secret *s)
{
	ssize_t w;

	fflush(stdout);
	w = write(STDOUT_FILENO, s->buf, s->len);
	if (w != (ssize_t)s->len || write(STDOUT_FILENO, "\n", 1) != 1)
		log_error("could not write the generated password to standard output: %s",
		    strerror(errno));
}

/* Block the signals that would stop podpass between its first write and
 * its last, so that a Ctrl-C cannot leave half a change. */
static void block_signals(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGQUIT);
	sigaddset(&set, SIGTSTP);
	sigprocmask(SIG_BLOCK, &set, old);
}

int cmd_enable(const struct options *o)
{
	struct enable_run run;
	sigset_t oldmask;
	int rc;

	memset(&run, 0, sizeof(run));
	run.o = o;
	run.lock_fd = -1;
	run.ctx.root = o->root;
	run.ctx.sshd_path = o->sshd_path;
	run.ctx.config_path = o->sshd_config;
	if ((rc = plan_and_check(&run)) != 0)
		goto out;
	if (o->dry_run) {
		print_plan(&run);
		goto out;
	}
	block_signals(&oldmask);
	rc = commit_and_reload(&run);
	if (rc == 0 && o->source == PW_GENERATE)
		print_generated(&run.secret);
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	if (rc != 0)
		goto out;
	run.committed = 1;
	if (o->restart == RESTART_NONE)
		log_info("password login for '%s' is set up; sshd was not reloaded "
		    "(--restart none): it takes the new settings when it next starts", o->user);
	else {
		log_info("password login for '%s' is on (key login too%s)", o->user,
		    o->mode == MODE_BOTH ? "; both are required together" : "");
		print_connect(&run);
	}
out:
	rc = fail(&run, rc);
	run_free(&run);
	return rc;
}
