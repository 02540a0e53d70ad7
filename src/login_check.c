/* Would sshd let a password login for the user through? Judged from sshd's
 * own effective settings (sshd -T -C user=...) and, to name what blocks, the
 * parsed configuration tree. Memory only.
 *
 * Must never: call a login possible that a setting in the dump refuses. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include "log.h"
#include "login_check.h"
#include "sshd_config.h"
#include "util.h"

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

static int methods_allow(const char *value, enum auth_mode mode);

/* 1 when an AuthenticationMethods directive would let the mode's login
 * through (such as podpass's own block): it is not what blocks. */
static int methods_directive_allows(const struct sshd_directive *d, enum auth_mode mode)
{
	struct buf b = { NULL, 0, 0 };
	size_t i;
	int ok;

	for (i = 0; i < d->nargs; i++)
		buf_printf(&b, "%s%s", i > 0 ? " " : "", d->args[i]);
	ok = d->nargs > 0 && methods_allow(b.data, mode);
	buf_free(&b);
	return ok;
}

/* "FILE:LINE" of the first Match-section directive for keyword that could
 * apply to the user and whose first argument is not allowed_value
 * (NULL: any directive for keyword but an AuthenticationMethods that lets
 * the login through); malloc'd, or NULL. */
static char *find_match_blocker(const struct login_subject *s, const char *keyword,
    const char *allowed_value)
{
	const struct sshd_config *c = s->tree;
	const struct sshd_directive *d, *m;
	size_t iter = 0;

	while ((d = sshd_config_next_in_match(c, keyword, &iter)) != NULL) {
		m = &c->directives[d->match];
		if (!sshd_config_match_may_apply(m, s->user, s->groups, s->ngroups))
			continue;
		if (allowed_value != NULL && d->nargs > 0 &&
		    strcasecmp(d->args[0], allowed_value) == 0)
			continue;
		if (allowed_value == NULL && strcmp(keyword, "authenticationmethods") == 0 &&
		    methods_directive_allows(d, s->mode))
			continue;
		return describe_in_match(d, m);
	}
	return NULL;
}

/* The running sshd's "-o Keyword=value" for keyword (lower-case) whose value
 * is not allowed_value (NULL: any), described with its pid; malloc'd, or NULL.
 * sshd takes its command line before the file's global lines. */
static char *find_cmdline_blocker(const struct login_subject *s, const char *keyword,
    const char *allowed_value)
{
	const char *kv, *v;
	size_t i, klen;

	for (i = 0; i + 1 < s->ncmdline; i += 2) {
		kv = s->cmdline[i + 1];
		if (strcmp(s->cmdline[i], "-o") != 0)
			continue;
		klen = strcspn(kv, "= \t");
		if (klen != strlen(keyword) || strncasecmp(kv, keyword, klen) != 0)
			continue;
		v = kv + klen + strspn(kv + klen, "= \t");
		if (allowed_value != NULL && strcasecmp(v, allowed_value) == 0)
			return NULL;
		return xasprintf("'-o %s' on the command line of the running sshd (pid %ld)",
		    kv, s->pid);
	}
	return NULL;
}

/* Set the cause for a setting that keeps the login blocked, naming where:
 * a Match section that applies (it overrides the rest), the running sshd's
 * command line, the file's global line, else sshd's built-in default. */
static int blocked(const struct login_subject *s, char **cause, const char *keyword,
    const char *allowed, const char *what)
{
	const struct sshd_directive *d;
	char *where = find_match_blocker(s, keyword, allowed);

	if (where == NULL)
		where = find_cmdline_blocker(s, keyword, allowed);
	d = sshd_config_first_global(s->tree, keyword);
	if (where == NULL && d != NULL && !(allowed != NULL && d->nargs > 0 &&
	    strcasecmp(d->args[0], allowed) == 0))
		where = xasprintf("%s:%d: '%s%s%s'", d->file, d->line, keyword_name(keyword),
		    d->nargs > 0 ? " " : "", d->nargs > 0 ? d->args[0] : "");
	set_cause(cause, "%s for '%s': %s", what, s->user, where ? where : d == NULL ?
	    "sshd's built-in default" : "set where podpass cannot point to it");
	free(where);
	return EX_CONFIG;
}

/* "FILE:LINE" of the first directive for keyword that lists arg. */
static char *find_list_directive(const struct login_subject *s, const char *keyword,
    const char *arg)
{
	const struct sshd_config *c = s->tree;
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

/* 1 when a host part of "user@host" covers every client. */
static int host_is_any(const char *host)
{
	return strcmp(host, "*") == 0 || strstr(host, "0.0.0.0/0") != NULL;
}

/* 1 when pattern (from AllowUsers/DenyUsers, maybe "user@host") names user
 * for every client host (need_any_host) or for some (not need_any_host). */
static int user_pattern_hits(const char *pattern, const char *user, int need_any_host)
{
	const char *at = strchr(pattern, '@');
	size_t ul = at ? (size_t)(at - pattern) : strlen(pattern);
	int hit = sshd_match_pattern(user, pattern, ul);

	if (hit && need_any_host && at != NULL && !host_is_any(at + 1))
		hit = 0;
	return hit;
}

/* 1 when any of the user's groups matches pattern. */
static int group_pattern_hits(const struct login_subject *s, const char *pattern)
{
	size_t i;

	for (i = 0; i < s->ngroups; i++)
		if (sshd_match_pattern(s->groups[i], pattern, strlen(pattern)))
			return 1;
	return 0;
}

/* Deny* lists: a hit blocks. Allow* lists: no hit blocks. */
static int check_access_list(const struct login_subject *s, char **cause,
    const char *keyword, int is_allow,
    int is_group)
{
	size_t n, i;
	char **v = sshd_dump_get_all(s->dump, keyword, &n), *where;
	int hit = 0, rc = 0;

	for (i = 0; i < n && !hit; i++)
		hit = is_group ? group_pattern_hits(s, v[i]) :
		    user_pattern_hits(v[i], s->user, !is_allow);
	if (n > 0 && hit != is_allow) {
		where = find_list_directive(s, keyword, is_allow ? NULL : v[i - 1]);
		if (where == NULL)
			where = find_cmdline_blocker(s, keyword, NULL);
		set_cause(cause, "%s: %s %s '%s', so sshd refuses every login of that "
		    "user",
		    where ? where : keyword_name(keyword), keyword_name(keyword),
		    is_allow ? "does not let in" : "shuts out",
		    s->user);
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
		ok = mode == MODE_BOTH ? strcmp(list, "publickey,password") == 0 ||
		    strcmp(list, "password,publickey") == 0 : strcmp(list, "password") == 0;
	free(copy);
	return ok;
}

/* Is the value of keyword in the dump equal to want? */
static int dump_is(const struct login_subject *s, const char *keyword, const char *want)
{
	char *v = sshd_dump_get(s->dump, keyword);
	int ok = v != NULL && strcmp(v, want) == 0;

	free(v);
	return ok;
}

int login_check(const struct login_subject *s, char **cause)
{
	char *methods;
	int ok, rc;

	if (!dump_is(s, "passwordauthentication", "yes"))
		return blocked(s, cause, "passwordauthentication", "yes", "PasswordAuthentication is off");
	if (s->uid == 0 && !dump_is(s, "permitrootlogin", "yes"))
		return blocked(s, cause, "permitrootlogin", "yes", "PermitRootLogin refuses a password login");
	methods = sshd_dump_get(s->dump, "authenticationmethods");
	ok = methods_allow(methods, s->mode);
	free(methods);
	if (!ok)
		return blocked(s, cause, "authenticationmethods", NULL,
		    "AuthenticationMethods leaves no way in by password");
	if (!dump_is(s, "pubkeyauthentication", "yes")) {
		if (s->mode == MODE_BOTH)
			return blocked(s, cause, "pubkeyauthentication", "yes", "PubkeyAuthentication is off");
		log_warn("key login is off for '%s' in a Match section", s->user);
	}
	if ((rc = check_access_list(s, cause, "denyusers", 0, 0)) != 0 ||
	    (rc = check_access_list(s, cause, "allowusers", 1, 0)) != 0 ||
	    (rc = check_access_list(s, cause, "denygroups", 0, 1)) != 0 ||
	    (rc = check_access_list(s, cause, "allowgroups", 1, 1)) != 0)
		return rc;
	return 0;
}


/* The Match criteria that depend on the client, not on the user. */
static int is_client_criterion(const char *name, size_t len)
{
	static const char *const names[] = {
		"address", "host", "localaddress", "localport", "rdomain",
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == len && strncasecmp(names[i], name, len) == 0)
			return 1;
	return 0;
}

/* 1 when a Match line has a criterion that depends on the client (Address,
 * Host, LocalAddress, LocalPort, RDomain), as "Name pattern" or "Name=pattern". */
static int match_depends_on_client(const struct sshd_directive *m)
{
	const char *a, *eq;
	size_t i;

	for (i = 0; i < m->nargs; i++) {
		a = m->args[i];
		if (strcasecmp(a, "all") == 0 || strcasecmp(a, "invalid-user") == 0)
			continue;
		eq = strchr(a, '=');
		if (is_client_criterion(a, eq != NULL ? (size_t)(eq - a) : strlen(a)))
			return 1;
		if (eq == NULL)
			i++;	/* its pattern */
	}
	return 0;
}

/* 1 when an AuthenticationMethods directive (its lists in args) lets the mode's
 * login through: "any", or a list of only password (either), or of only
 * publickey and password (both). */
static int methods_admit(const struct sshd_directive *d, enum auth_mode mode)
{
	char *copy, *m, *save = NULL;
	size_t i;
	int ok;

	for (i = 0; i < d->nargs; i++) {
		if (strcmp(d->args[i], "any") == 0)
			return 1;
		copy = xstrdup(d->args[i]);
		ok = 1;
		for (m = strtok_r(copy, ",", &save); m != NULL && ok; m = strtok_r(NULL, ",", &save))
			ok = strcmp(m, "password") == 0 ||
			    (mode == MODE_BOTH && strcmp(m, "publickey") == 0);
		free(copy);
		if (ok)
			return 1;
	}
	return 0;
}

/* 1 when some pattern of an access list directive names the user (Allow/DenyUsers,
 * the host part of "user@host" aside) or one of the user's groups. */
static int access_list_hits(const struct login_subject *s, const struct sshd_directive *d,
    int is_group)
{
	size_t i;
	int hit = 0;

	for (i = 0; i < d->nargs && !hit; i++)
		hit = is_group ? group_pattern_hits(s, d->args[i]) :
		    user_pattern_hits(d->args[i], s->user, 0);
	return hit;
}

/* What a directive inside a Match section refuses the user, or NULL. */
static const char *refusal(const struct login_subject *s, const struct sshd_directive *d)
{
	const char *k = d->keyword, *v = d->nargs > 0 ? d->args[0] : "";

	if (strcmp(k, "passwordauthentication") == 0 && strcasecmp(v, "yes") != 0)
		return "password login is refused";
	if (strcmp(k, "permitrootlogin") == 0 && s->uid == 0 && strcasecmp(v, "yes") != 0)
		return "password login is refused";
	if (strcmp(k, "pubkeyauthentication") == 0 && s->mode == MODE_BOTH &&
	    strcasecmp(v, "yes") != 0)
		return "key and password login (--mode both) is refused";
	if (strcmp(k, "authenticationmethods") == 0 && !methods_admit(d, s->mode))
		return "no way in by password is left";
	if ((strcmp(k, "allowusers") == 0 && !access_list_hits(s, d, 0)) ||
	    (strcmp(k, "allowgroups") == 0 && !access_list_hits(s, d, 1)))
		return "every login is refused";
	if ((strcmp(k, "denyusers") == 0 && access_list_hits(s, d, 0)) ||
	    (strcmp(k, "denygroups") == 0 && access_list_hits(s, d, 1)))
		return "every login is refused";
	return NULL;
}

/* 1 when a Match section before directive i that surely applies to the user
 * whoever the client (User, Group, All criteria only) sets the same keyword:
 * sshd takes the first value, so directive i has no effect. */
static int set_before_for_user(const struct login_subject *s, size_t i)
{
	const struct sshd_config *c = s->tree;
	const struct sshd_directive *d = &c->directives[i], *m;
	size_t j;

	for (j = 0; j < i; j++) {
		if (c->directives[j].match < 0 || strcmp(c->directives[j].keyword, d->keyword) != 0)
			continue;
		m = &c->directives[c->directives[j].match];
		if (!match_depends_on_client(m) &&
		    sshd_config_match_may_apply(m, s->user, s->groups, s->ngroups))
			return 1;
	}
	return 0;
}

void login_client_warnings(const struct login_subject *s, char ***v, size_t *n)
{
	const struct sshd_config *c = s->tree;
	const struct sshd_directive *d, *m;
	const char *why;
	char *where;
	size_t i;

	for (i = 0; i < c->n; i++) {
		d = &c->directives[i];
		if (d->match < 0 || strcmp(d->keyword, "match") == 0)
			continue;
		m = &c->directives[d->match];
		if (!match_depends_on_client(m) ||
		    !sshd_config_match_may_apply(m, s->user, s->groups, s->ngroups) ||
		    (why = refusal(s, d)) == NULL || set_before_for_user(s, i))
			continue;
		where = describe_in_match(d, m);
		*v = xrealloc(*v, (*n + 1) * sizeof(**v));
		(*v)[(*n)++] = xasprintf("%s: %s for '%s' from clients that match it "
		    "(podpass judges for one client only)", where, why, s->user);
		free(where);
	}
}
