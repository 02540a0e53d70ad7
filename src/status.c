/* podpass status: the effective state of password and key login for one
 * user, as sshd itself reports it (sshd -T -C user=...), whether sshd runs,
 * whether podpass's block is in place, and how to connect.
 *
 * Must never: print a hash, or change anything. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "account.h"
#include "atomic.h"
#include "commands.h"
#include "connect_hint.h"
#include "crypt_target.h"
#include "hash.h"
#include "inspect.h"
#include "key_import.h"
#include "log.h"
#include "login_check.h"
#include "sshd_config.h"
#include "util.h"

/* What status reports. */
struct status {
	const char *user;
	int password_set;
	const char *hash_method;	/* of the user's usable hash, or NULL */
	struct crypt_target target;	/* what checks passwords */
	const char *new_method;	/* what enable would hash with now */
	char *password_auth, *pubkey_auth, *permit_root, *methods;
	int sshd_running;
	long sshd_pid;
	char **listen;
	size_t nlisten;
	int managed_block;
	char *connect;
	char *blocked;		/* why a password login would fail, or NULL */
	char **warnings;	/* malloc'd, as many as there are */
	size_t nwarnings;
};

/* A hash that lets a password in: not empty, not locked with '!' or '*'. */
static int hash_is_usable(const char *h)
{
	return h != NULL && *h != '\0' && *h != '!' && *h != '*';
}

/* Add w (malloc'd, taken over) to st's warnings. */
static void add_warning(struct status *st, char *w)
{
	st->warnings = xrealloc(st->warnings, (st->nwarnings + 1) * sizeof(char *));
	st->warnings[st->nwarnings++] = w;
}

/* RunPod's start script copies the environment to this file for SSH
 * sessions: a plaintext PODPASS_PASSWORD there is on disk. */
static void check_rp_environment(const struct inspect *in, struct status *st)
{
	char *path = path_under_root(in->o->root, "/etc/rp_environment"), *text = NULL;
	size_t len;

	if (atomic_read(path, ATOMIC_MAX_FILE, &text, &len, NULL, NULL) == 0 &&
	    strstr(text, "PODPASS_PASSWORD") != NULL) {
		add_warning(st, xstrdup("/etc/rp_environment holds "
		    "PODPASS_PASSWORD, so the plaintext password is on disk: unset it "
		    "before the start script runs, or pass a hash with --encrypted"));
	}
	freezero(text, text ? len : 0);
	free(path);
}

/* The mode to judge by: --mode when given, else the one the user's block
 * sets (so that status after "enable --mode both" judges key AND password). */
static enum auth_mode status_mode(const struct inspect *in)
{
	size_t start, end;

	if (in->o->mode_given)
		return in->o->mode;
	if (sshd_config_find_block(in->config.old, in->config.oldlen, in->o->user, &start, &end,
	    NULL) == 1 &&
	    memmem(in->config.old + start, end - start, "publickey,password", 18) != NULL)
		return MODE_BOTH;
	return MODE_EITHER;
}

/* The method of the user's hash, and whether the target's crypt() verifies it:
 * a hash it cannot compute refuses every password (enable writes none such;
 * another tool may have). */
static void judge_hash(const struct inspect *in, const struct account *a, struct status *st)
{
	char *why;

	crypt_target_probe(in->o->root, in->o->sshd_path, &st->target);
	if (crypt_target_choose(&st->target, NULL, &st->new_method, NULL) == 0 &&
	    st->new_method == NULL)
		st->new_method = hash_preferred_method();
	if (!st->password_set)
		return;
	st->hash_method = hash_method_of(a->entry.hash);
	if (st->blocked != NULL || st->target.kind == CRYPT_NO_SSHD ||
	    (st->hash_method != NULL && crypt_target_verifies(&st->target, st->hash_method)))
		return;
	why = crypt_target_describe(&st->target);
	st->blocked = xasprintf("the password hash of '%s' is %s, which the target cannot "
	    "check, so no password matches (%s): run podpass enable again", a->user,
	    st->hash_method != NULL ? st->hash_method : "of a method podpass does not know",
	    why);
	free(why);
}

/* Fill st from sshd's effective settings and the files. */
static int gather(struct inspect *in, struct account *a, struct status *st, char **cause)
{
	struct login_subject s;
	struct connect_hint hint;
	size_t start, end;
	int rc;

	if ((rc = account_lookup(in->o->root, a, cause)) != 0 ||
	    (rc = account_read_shadow(in->o->root, a, cause)) != 0 ||
	    (rc = inspect_read_config(in, cause)) != 0 ||
	    (rc = inspect_now(in, a->user, cause)) != 0)
		return rc;
	st->password_set = hash_is_usable(a->entry.hash);
	st->password_auth = sshd_dump_get(in->dump, "passwordauthentication");
	st->pubkey_auth = sshd_dump_get(in->dump, "pubkeyauthentication");
	st->permit_root = sshd_dump_get(in->dump, "permitrootlogin");
	st->methods = sshd_dump_get(in->dump, "authenticationmethods");
	st->listen = sshd_dump_get_all(in->dump, "listenaddress", &st->nlisten);
	st->sshd_running = in->listener != 0;
	st->sshd_pid = (long)in->listener;
	st->managed_block = sshd_config_find_block(in->config.old, in->config.oldlen, a->user,
	    &start, &end, NULL) == 1;
	connect_hint(a->user, in->listen.port, &hint);
	st->connect = hint.line;
	if (hint.warning != NULL)
		add_warning(st, hint.warning);
	s = (struct login_subject){ a->user, a->pw.uid, a->groups, a->ngroups,
	    status_mode(in), in->dump, &in->parsed, in->running.extra, in->running.nextra,
	    (long)in->listener };
	if (login_check(&s, &st->blocked) == 0 && !st->password_set)
		st->blocked = xasprintf("'%s' has no usable password", a->user);
	judge_hash(in, a, st);
	login_client_warnings(&s, &st->warnings, &st->nwarnings);
	check_rp_environment(in, st);
	return 0;
}

/* Print s as a JSON string. */
static void json_string(const char *s)
{
	putchar('"');
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", (unsigned char)*s);
		else
			putchar(*s);
	}
	putchar('"');
}

/* Print one "key": value pair; value NULL prints null. */
static void json_pair(const char *key, const char *value, int last)
{
	printf("  \"%s\": ", key);
	if (value == NULL)
		fputs("null", stdout);
	else
		json_string(value);
	fputs(last ? "\n" : ",\n", stdout);
}

/* Print a JSON array of strings. */
static void json_array(const char *key, char *const *v, size_t n)
{
	size_t i;

	printf("  \"%s\": [", key);
	for (i = 0; i < n; i++) {
		if (i > 0)
			fputs(", ", stdout);
		json_string(v[i]);
	}
	fputs("],\n", stdout);
}

/* "hash_methods_verified": the methods the target's crypt() verifies. */
static void json_methods(const struct crypt_target *t)
{
	const char *v[8];
	size_t i, n = 0;

	for (i = 0; crypt_target_methods[i] != NULL && n < 8; i++)
		if (crypt_target_verifies(t, crypt_target_methods[i]))
			v[n++] = crypt_target_methods[i];
	json_array("hash_methods_verified", (char *const *)v, n);
}

/* 1 for "yes". */
static int is_yes(const char *v)
{
	return v != NULL && strcmp(v, "yes") == 0;
}

/* status --json: one object. */
static void print_json(const struct status *st)
{
	puts("{");
	json_pair("user", st->user, 0);
	printf("  \"password_set\": %s,\n", st->password_set ? "true" : "false");
	json_pair("hash_method", st->hash_method, 0);
	json_pair("hash_checker", crypt_target_kind_name(st->target.kind), 0);
	json_pair("hash_checker_file", st->target.checker, 0);
	json_methods(&st->target);
	json_pair("new_hash_method", st->new_method, 0);
	printf("  \"password_authentication\": %s,\n", is_yes(st->password_auth) ? "true" : "false");
	printf("  \"pubkey_authentication\": %s,\n", is_yes(st->pubkey_auth) ? "true" : "false");
	json_pair("permit_root_login", st->permit_root, 0);
	json_pair("authentication_methods", st->methods, 0);
	printf("  \"sshd_running\": %s,\n", st->sshd_running ? "true" : "false");
	if (st->sshd_running)
		printf("  \"sshd_pid\": %ld,\n", st->sshd_pid);
	else
		puts("  \"sshd_pid\": null,");
	json_array("listen", st->listen, st->nlisten);
	printf("  \"managed_block\": %s,\n", st->managed_block ? "true" : "false");
	printf("  \"password_login\": %s,\n", st->blocked == NULL ? "true" : "false");
	json_pair("blocked_by", st->blocked, 0);
	json_array("warnings", st->warnings, st->nwarnings);
	json_pair("connect", st->connect, 1);
	puts("}");
}

/* status: a short summary for a person. */
static void print_human(const struct status *st)
{
	size_t i;

	printf("user:                    %s\n", st->user);
	printf("password set:            %s\n", st->password_set ? "yes" : "no");
	if (st->hash_method != NULL)
		printf("password hash:           %s (new ones: %s; checked by %s)\n",
		    st->hash_method, st->new_method ? st->new_method : "none",
		    st->target.checker ? st->target.checker : "?");
	printf("PasswordAuthentication:  %s\n", st->password_auth ? st->password_auth : "?");
	printf("PubkeyAuthentication:    %s\n", st->pubkey_auth ? st->pubkey_auth : "?");
	printf("PermitRootLogin:         %s\n", st->permit_root ? st->permit_root : "?");
	printf("AuthenticationMethods:   %s\n", st->methods ? st->methods : "?");
	if (st->sshd_running)
		printf("sshd:                    running (pid %ld), listening on", st->sshd_pid);
	else
		printf("sshd:                    not running; would listen on");
	for (i = 0; i < st->nlisten; i++)
		printf(" %s", st->listen[i]);
	printf("\nmanaged block:           %s\n", st->managed_block ? "present" : "absent");
	printf("password login:          %s\n", st->blocked ? st->blocked : "possible");
	printf("connect:                 %s\n", st->connect ? st->connect :
	    "no address reaches sshd from outside (see the warning)");
	for (i = 0; i < st->nwarnings; i++)
		printf("warning:                 %s\n", st->warnings[i]);
}

/* Release what st holds. */
static void status_free(struct status *st)
{
	crypt_target_free(&st->target);
	free(st->password_auth);
	free(st->pubkey_auth);
	free(st->permit_root);
	free(st->methods);
	strv_free(st->listen, st->nlisten);
	free(st->connect);
	free(st->blocked);
	strv_free(st->warnings, st->nwarnings);
}

int cmd_status(const struct options *o)
{
	struct status st;
	struct inspect in;
	struct account a;
	char *cause = NULL;
	int rc;

	memset(&st, 0, sizeof(st));
	st.user = o->user;
	inspect_init(&in, o);
	in.undo_user_file = key_import_undo_killed;
	account_init(&a, o->user);
	rc = gather(&in, &a, &st, &cause);
	account_free(&a);
	if (rc == 0 && o->json)
		print_json(&st);
	else if (rc == 0)
		print_human(&st);
	if (rc != 0 && cause != NULL)
		log_error("%s", cause);
	free(cause);
	inspect_free(&in, 1);
	status_free(&st);
	return rc;
}
