/* Tests for login_check: fake "sshd -T -C user=..." dumps judged together
 * with configuration trees parsed from small texts (Includes through an
 * in-memory loader, so no files are needed). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "check_suites.h"
#include "login_check.h"
#include "sshd_config.h"
#include "util.h"

#define MAIN "/etc/ssh/sshd_config"
#define DROPIN "/etc/ssh/sshd_config.d/50-root.conf"

/* A dump as sshd -T prints it, with the settings login_check reads. */
#define DUMP(pw, prl, pk, am, extra) \
	"port 22\n" \
	"addressfamily any\n" \
	"passwordauthentication " pw "\n" \
	"permitrootlogin " prl "\n" \
	"pubkeyauthentication " pk "\n" \
	"authenticationmethods " am "\n" \
	extra \
	"usepam yes\n" \
	"x11forwarding no\n"

#define GOOD_DUMP DUMP("yes", "yes", "yes", "any", "")


static char *root_groups[] = { "root" };
static char *root_wheel_groups[] = { "root", "wheel" };
static char *alice_groups[] = { "alice", "staff" };

/* One check: the parsed tree, the subject and the last cause. */
struct lc {
	struct test_mem_fs fs;
	struct sshd_config cfg;
	struct login_subject s;
	char *cause;
};

/* Parse conf as the main file (over files) and set up root, uid 0, group
 * root, mode either, with dump. */
static void lc_init(struct lc *t, const char *conf, const struct test_mem_file *files,
    size_t nfiles, const char *dump)
{
	char *cause = NULL;
	int r;

	memset(t, 0, sizeof(*t));
	t->fs.files = files;
	t->fs.n = nfiles;
	r = sshd_config_parse(MAIN, conf, strlen(conf), test_mem_loader, &t->fs, &t->cfg, &cause);
	ck_assert_msg(r == 0, "parse failed (%d): %s", r, cause ? cause : "(no cause)");
	ck_assert_ptr_null(cause);
	t->s.user = "root";
	t->s.uid = 0;
	t->s.groups = root_groups;
	t->s.ngroups = 1;
	t->s.mode = MODE_EITHER;
	t->s.dump = dump;
	t->s.tree = &t->cfg;
}

static void lc_free(struct lc *t)
{
	sshd_config_free(&t->cfg);
	buf_free(&t->fs.asked);
	free(t->cause);
	t->cause = NULL;
}

/* Switch the subject to another user. */
static void lc_user(struct lc *t, const char *user, uid_t uid, char **groups,
    size_t ngroups)
{
	t->s.user = user;
	t->s.uid = uid;
	t->s.groups = groups;
	t->s.ngroups = ngroups;
}

/* login_check must let the login through and leave the cause unset. */
static void lc_ok_at(struct lc *t, int line)
{
	int r;

	free(t->cause);
	t->cause = NULL;
	r = login_check(&t->s, &t->cause);
	ck_assert_msg(r == 0, "line %d: refused (%d): %s", line, r,
	    t->cause ? t->cause : "(no cause)");
	ck_assert_msg(t->cause == NULL, "line %d: cause set on success: %s", line,
	    t->cause);
}

/* login_check must refuse with EX_CONFIG and a cause holding every
 * string of the NULL-terminated list. */
static void lc_refused_at(struct lc *t, int line, ...)
{
	const char *want;
	va_list ap;
	int r;

	free(t->cause);
	t->cause = NULL;
	r = login_check(&t->s, &t->cause);
	ck_assert_msg(r == EX_CONFIG, "line %d: expected EX_CONFIG, got %d (%s)", line, r,
	    t->cause ? t->cause : "(no cause)");
	ck_assert_msg(t->cause != NULL, "line %d: no cause", line);
	va_start(ap, line);
	while ((want = va_arg(ap, const char *)) != NULL)
		ck_assert_msg(strstr(t->cause, want) != NULL,
		    "line %d: cause '%s' lacks '%s'", line, t->cause, want);
	va_end(ap);
}

#define LC_OK(t) lc_ok_at((t), __LINE__)
#define LC_REFUSED(t, ...) lc_refused_at((t), __LINE__, __VA_ARGS__, (const char *)NULL)

/* The cause must not mention s. */
#define CAUSE_LACKS(t, s) ck_assert_msg(strstr((t)->cause, (s)) == NULL, \
	"cause '%s' mentions '%s'", (t)->cause, (s))

/* A config with podpass's managed blocks for root and alice at the end. */
static const char podpass_conf[] =
    "Include /etc/ssh/sshd_config.d/*.conf\n"
    "KbdInteractiveAuthentication no\n"
    "UsePAM yes\n"
    SSHD_BLOCK_BEGIN_PREFIX "root: 'podpass disable -u root' removes it\n"
    "Match User root\n"
    "    PasswordAuthentication yes\n"
    "    PubkeyAuthentication yes\n"
    "    AuthenticationMethods password publickey\n"
    "    PermitRootLogin yes\n"
    SSHD_BLOCK_END_PREFIX "root\n"
    SSHD_BLOCK_BEGIN_PREFIX "alice: 'podpass disable -u alice' removes it\n"
    "Match User alice\n"
    "    PasswordAuthentication yes\n"
    "    PubkeyAuthentication yes\n"
    "    AuthenticationMethods password publickey\n"
    SSHD_BLOCK_END_PREFIX "alice\n";

START_TEST(test_all_good)
{
	struct lc t;

	lc_init(&t, podpass_conf, NULL, 0, GOOD_DUMP);
	LC_OK(&t);
	/* A NULL cause pointer is fine too. */
	ck_assert_int_eq(login_check(&t.s, NULL), 0);
	/* An ordinary user, any groups. */
	lc_user(&t, "alice", 1000, alice_groups, 2);
	LC_OK(&t);
	lc_free(&t);
}
END_TEST

START_TEST(test_all_good_crlf_dump)
{
	struct lc t;

	lc_init(&t, podpass_conf, NULL, 0,
	    "passwordauthentication yes\r\npermitrootlogin yes\r\n"
	    "pubkeyauthentication yes\r\nauthenticationmethods any\r\n");
	LC_OK(&t);
	lc_free(&t);
}
END_TEST

START_TEST(test_all_good_mode_both)
{
	struct lc t;

	lc_init(&t, "PasswordAuthentication yes\n", NULL, 0,
	    DUMP("yes", "yes", "yes", "publickey,password", ""));
	t.s.mode = MODE_BOTH;
	LC_OK(&t);
	lc_free(&t);
}
END_TEST

START_TEST(test_password_off_in_included_match)
{
	static const struct test_mem_file files[] = {
		{ "/etc/ssh/sshd_config.d/10-other.conf", "X11Forwarding no\n" },
		{ DROPIN, "# root is special here\n"
		    "Match User root\n"
		    "\tPasswordAuthentication no\n" },
	};
	struct lc t;

	lc_init(&t, "Include /etc/ssh/sshd_config.d/*.conf\nPasswordAuthentication yes\n",
	    files, 2, DUMP("no", "yes", "yes", "any", ""));
	LC_REFUSED(&t, "PasswordAuthentication is off", "'root'",
	    DROPIN ":3", "'PasswordAuthentication no'", "Match User root",
	    "(" DROPIN ":2)");
	CAUSE_LACKS(&t, MAIN ":");
	ck_assert_str_eq(t.cause, "PasswordAuthentication is off for 'root': "
	    DROPIN ":3: 'PasswordAuthentication no' inside 'Match User root' ("
	    DROPIN ":2)");
	lc_free(&t);
}
END_TEST

START_TEST(test_password_off_global)
{
	static const struct test_mem_file files[] = {
		{ "/etc/ssh/sshd_config.d/60-cloudimg.conf", "PasswordAuthentication no\n" },
	};
	struct lc t;

	/* The first global one counts: in the included file, line 1. */
	lc_init(&t, "Port 22\nInclude /etc/ssh/sshd_config.d/*.conf\n"
	    "PasswordAuthentication yes\n", files, 1, DUMP("no", "yes", "yes", "any", ""));
	LC_REFUSED(&t, "PasswordAuthentication is off",
	    "/etc/ssh/sshd_config.d/60-cloudimg.conf:1", "'PasswordAuthentication no'");
	CAUSE_LACKS(&t, "cannot point");
	lc_free(&t);

	lc_init(&t, "Port 22\nPasswordAuthentication no\n", NULL, 0,
	    DUMP("no", "yes", "yes", "any", ""));
	LC_REFUSED(&t, MAIN ":2: 'PasswordAuthentication no'");
	lc_free(&t);
}
END_TEST

START_TEST(test_password_off_other_users_match)
{
	struct lc t;

	/* Match User alice cannot be what turns it off for root. */
	lc_init(&t, "PasswordAuthentication yes\n"
	    "Match User alice\n"
	    "\tPasswordAuthentication no\n", NULL, 0, DUMP("no", "yes", "yes", "any", ""));
	LC_REFUSED(&t, "PasswordAuthentication is off for 'root'", "cannot point to it");
	CAUSE_LACKS(&t, "alice");
	CAUSE_LACKS(&t, MAIN ":");

	/* For alice it is. */
	lc_user(&t, "alice", 1000, alice_groups, 2);
	LC_REFUSED(&t, "for 'alice'", MAIN ":3", "Match User alice");
	lc_free(&t);
}
END_TEST

START_TEST(test_password_off_group_match)
{
	struct lc t;

	lc_init(&t, "Match Group wheel\n"
	    "\tPasswordAuthentication no\n", NULL, 0, DUMP("no", "yes", "yes", "any", ""));
	/* root only in group root: Match Group wheel is not it. */
	LC_REFUSED(&t, "PasswordAuthentication is off");
	CAUSE_LACKS(&t, "wheel");
	/* root in wheel: it is. */
	t.s.groups = root_wheel_groups;
	t.s.ngroups = 2;
	LC_REFUSED(&t, MAIN ":2", "Match Group wheel");
	lc_free(&t);
}
END_TEST

START_TEST(test_password_match_yes_not_blamed)
{
	struct lc t;

	/* A Match section that sets yes is not the culprit; the global no is. */
	lc_init(&t, "PasswordAuthentication no\n"
	    "Match Address 10.0.0.0/8\n"
	    "\tPasswordAuthentication yes\n", NULL, 0, DUMP("no", "yes", "yes", "any", ""));
	LC_REFUSED(&t, MAIN ":1: 'PasswordAuthentication no'");
	CAUSE_LACKS(&t, "Match");
	lc_free(&t);
}
END_TEST

START_TEST(test_password_off_default)
{
	struct lc t;

	/* Set nowhere in the tree. */
	lc_init(&t, "Port 22\n", NULL, 0, DUMP("no", "yes", "yes", "any", ""));
	LC_REFUSED(&t, "PasswordAuthentication is off", "built-in default");
	lc_free(&t);

	/* Missing from the dump: not taken as on. */
	lc_init(&t, "PasswordAuthentication yes\n", NULL, 0,
	    "permitrootlogin yes\npubkeyauthentication yes\nauthenticationmethods any\n");
	LC_REFUSED(&t, "PasswordAuthentication");
	lc_free(&t);

	/* Only exactly "yes" is on. */
	lc_init(&t, "Port 22\n", NULL, 0, DUMP("yesno", "yes", "yes", "any", ""));
	LC_REFUSED(&t, "PasswordAuthentication");
	lc_free(&t);
}
END_TEST

/* A setting from the running sshd's command line is named as such, with its
 * pid, never as sshd's built-in default; a Match section still comes first. */
START_TEST(test_blamed_on_command_line)
{
	static char *const opts[] = {
		"-o", "LogLevel=INFO", "-p", "2222", "-o", "passwordauthentication no",
		"-o", "AllowUsers=nobody",
	};
	struct lc t;

	lc_init(&t, "Port 22\n", NULL, 0, DUMP("no", "yes", "yes", "any", ""));
	t.s.cmdline = opts;
	t.s.ncmdline = 8;
	t.s.pid = 4242;
	LC_REFUSED(&t, "PasswordAuthentication is off",
	    "'-o passwordauthentication no' on the command line of the running sshd "
	    "(pid 4242)");
	CAUSE_LACKS(&t, "built-in default");
	lc_free(&t);

	/* An allowed value on the command line is not what blocks. */
	lc_init(&t, "PasswordAuthentication no\n", NULL, 0,
	    DUMP("no", "yes", "yes", "any", ""));
	t.s.cmdline = (char *const[]){ "-o", "PasswordAuthentication=yes" };
	t.s.ncmdline = 2;
	LC_REFUSED(&t, "sshd_config:1");
	lc_free(&t);

	/* An access list from the command line. */
	lc_init(&t, "PasswordAuthentication yes\n", NULL, 0, GOOD_DUMP "allowusers nobody\n");
	t.s.cmdline = opts;
	t.s.ncmdline = 8;
	t.s.pid = 4242;
	LC_REFUSED(&t, "'-o AllowUsers=nobody' on the command line of the running sshd "
	    "(pid 4242)", "does not let in 'root'");
	lc_free(&t);
}
END_TEST

START_TEST(test_permitrootlogin_prohibit_password)
{
	struct lc t;

	lc_init(&t, "PermitRootLogin prohibit-password\nPasswordAuthentication yes\n",
	    NULL, 0, DUMP("yes", "prohibit-password", "yes", "any", ""));
	LC_REFUSED(&t, "PermitRootLogin refuses a password login for 'root'",
	    MAIN ":1: 'PermitRootLogin prohibit-password'");
	/* Not root: PermitRootLogin does not matter. */
	lc_user(&t, "alice", 1000, alice_groups, 2);
	LC_OK(&t);
	/* uid 0 under another name is root to sshd. */
	lc_user(&t, "toor", 0, root_groups, 1);
	LC_REFUSED(&t, "PermitRootLogin", "'toor'");
	lc_free(&t);
}
END_TEST

START_TEST(test_permitrootlogin_values)
{
	static const char *const dumps[] = {
		DUMP("yes", "no", "yes", "any", ""),
		DUMP("yes", "without-password", "yes", "any", ""),
		DUMP("yes", "forced-commands-only", "yes", "any", ""),
		"passwordauthentication yes\npubkeyauthentication yes\n",
	};
	struct lc t;
	size_t i;

	for (i = 0; i < sizeof(dumps) / sizeof(dumps[0]); i++) {
		lc_init(&t, "Port 22\n", NULL, 0, dumps[i]);
		LC_REFUSED(&t, "PermitRootLogin", "built-in default");
		lc_free(&t);
	}
}
END_TEST

START_TEST(test_permitrootlogin_in_match)
{
	struct lc t;

	lc_init(&t, "PermitRootLogin yes\n"
	    "Match User ro*\n"
	    "\tPermitRootLogin no\n", NULL, 0, DUMP("yes", "no", "yes", "any", ""));
	LC_REFUSED(&t, MAIN ":3: 'PermitRootLogin no' inside 'Match User ro*' ("
	    MAIN ":2)");
	lc_free(&t);
}
END_TEST

START_TEST(test_methods_publickey)
{
	struct lc t;

	lc_init(&t, "AuthenticationMethods publickey\n", NULL, 0,
	    DUMP("yes", "yes", "yes", "publickey", ""));
	LC_REFUSED(&t, "AuthenticationMethods leaves no way in by password",
	    MAIN ":1: 'AuthenticationMethods publickey'");
	t.s.mode = MODE_BOTH;
	LC_REFUSED(&t, "AuthenticationMethods");
	lc_free(&t);
}
END_TEST

START_TEST(test_methods_publickey_password)
{
	struct lc t;

	lc_init(&t, "AuthenticationMethods publickey,password\n", NULL, 0,
	    DUMP("yes", "yes", "yes", "publickey,password", ""));
	/* Either: a password alone is not enough. */
	LC_REFUSED(&t, "AuthenticationMethods", MAIN ":1");
	/* Both: exactly what is wanted. */
	t.s.mode = MODE_BOTH;
	LC_OK(&t);
	lc_free(&t);
}
END_TEST

START_TEST(test_methods_two_lists)
{
	struct lc t;

	lc_init(&t, "AuthenticationMethods password publickey\n", NULL, 0,
	    DUMP("yes", "yes", "yes", "password publickey", ""));
	LC_OK(&t);
	lc_free(&t);

	lc_init(&t, "AuthenticationMethods publickey publickey,password\n", NULL, 0,
	    DUMP("yes", "yes", "yes", "publickey publickey,password", ""));
	t.s.mode = MODE_BOTH;
	LC_OK(&t);
	t.s.mode = MODE_EITHER;
	LC_REFUSED(&t, "AuthenticationMethods");
	lc_free(&t);

	/* A list must be "password" whole, not a prefix or part. */
	lc_init(&t, "Port 22\n", NULL, 0,
	    DUMP("yes", "yes", "yes", "passwords keyboard-interactive", ""));
	LC_REFUSED(&t, "AuthenticationMethods");
	lc_free(&t);
}
END_TEST

START_TEST(test_methods_any_or_missing)
{
	struct lc t;

	/* any (or nothing in the dump): a password alone will do ... */
	lc_init(&t, "Port 22\n", NULL, 0,
	    "passwordauthentication yes\npermitrootlogin yes\npubkeyauthentication yes\n");
	LC_OK(&t);
	/* ... but mode both wants publickey,password in effect. */
	t.s.mode = MODE_BOTH;
	LC_REFUSED(&t, "AuthenticationMethods");
	lc_free(&t);

	lc_init(&t, "AuthenticationMethods any\n", NULL, 0, GOOD_DUMP);
	t.s.mode = MODE_BOTH;
	LC_REFUSED(&t, "AuthenticationMethods", MAIN ":1: 'AuthenticationMethods any'");
	lc_free(&t);
}
END_TEST

START_TEST(test_methods_in_match)
{
	static const struct test_mem_file files[] = {
		{ DROPIN, "Match User root Address 192.0.2.0/24\n"
		    "    AuthenticationMethods publickey\n" },
	};
	struct lc t;

	lc_init(&t, "AuthenticationMethods any\nInclude sshd_config.d/*.conf\n", files, 1,
	    DUMP("yes", "yes", "yes", "publickey", ""));
	LC_REFUSED(&t, DROPIN ":2: 'AuthenticationMethods publickey' inside "
	    "'Match User root Address 192.0.2.0/24' (" DROPIN ":1)");
	lc_free(&t);
}
END_TEST

/* An earlier Match that refuses is named, never podpass's own blocks at the
 * end (whose values let the login through). */
START_TEST(test_blame_skips_podpass_blocks)
{
	static const struct test_mem_file files[] = {
		{ DROPIN, "Match User alice,root\n"
		    "    AuthenticationMethods publickey\n"
		    "    PasswordAuthentication no\n"
		    "    PermitRootLogin prohibit-password\n" },
	};
	struct lc t;

	lc_init(&t, podpass_conf, files, 1, DUMP("no", "prohibit-password", "yes",
	    "publickey", ""));
	LC_REFUSED(&t, DROPIN ":3: 'PasswordAuthentication no' inside 'Match User "
	    "alice,root' (" DROPIN ":1)");
	CAUSE_LACKS(&t, MAIN ":");
	lc_free(&t);
	lc_init(&t, podpass_conf, files, 1, DUMP("yes", "prohibit-password", "yes",
	    "publickey", ""));
	LC_REFUSED(&t, DROPIN ":4: 'PermitRootLogin prohibit-password'");
	CAUSE_LACKS(&t, MAIN ":");
	lc_free(&t);
	lc_init(&t, podpass_conf, files, 1, DUMP("yes", "yes", "yes", "publickey", ""));
	lc_user(&t, "alice", 1000, alice_groups, 2);
	LC_REFUSED(&t, DROPIN ":2: 'AuthenticationMethods publickey'");
	CAUSE_LACKS(&t, MAIN ":");
	lc_free(&t);
	/* Refused by something outside the files (sshd's -o): the blocks are not named. */
	lc_init(&t, podpass_conf, NULL, 0, DUMP("yes", "yes", "yes", "publickey", ""));
	LC_REFUSED(&t, "AuthenticationMethods leaves no way in by password");
	CAUSE_LACKS(&t, MAIN ":");
	lc_free(&t);
}
END_TEST

START_TEST(test_mode_both_pubkey_off)
{
	struct lc t;

	lc_init(&t, "PubkeyAuthentication no\nAuthenticationMethods publickey,password\n",
	    NULL, 0, DUMP("yes", "yes", "no", "publickey,password", ""));
	t.s.mode = MODE_BOTH;
	LC_REFUSED(&t, "PubkeyAuthentication is off", MAIN ":1: 'PubkeyAuthentication no'");
	lc_free(&t);

	/* Either: only a warning; a password alone does not need keys. */
	lc_init(&t, "PubkeyAuthentication no\n", NULL, 0, DUMP("yes", "yes", "no", "any", ""));
	LC_OK(&t);
	lc_free(&t);
}
END_TEST

START_TEST(test_denyusers_root)
{
	static const struct test_mem_file files[] = {
		{ DROPIN, "# who may not\nDenyUsers bob root\n" },
	};
	struct lc t;

	lc_init(&t, "Include /etc/ssh/sshd_config.d/*.conf\n", files, 1,
	    GOOD_DUMP "denyusers bob\ndenyusers root\n");
	LC_REFUSED(&t, DROPIN ":2", "DenyUsers", "shuts out 'root'");
	/* Another user on no list gets through. */
	lc_user(&t, "alice", 1000, alice_groups, 2);
	LC_OK(&t);
	/* bob is shut out too. */
	lc_user(&t, "bob", 1001, alice_groups, 2);
	LC_REFUSED(&t, DROPIN ":2", "shuts out 'bob'");
	lc_free(&t);
}
END_TEST

START_TEST(test_denyusers_host_limited)
{
	struct lc t;

	/* Shut out only from one host: some clients get in. */
	lc_init(&t, "DenyUsers root@10.0.0.1\n", NULL, 0,
	    GOOD_DUMP "denyusers root@10.0.0.1\n");
	LC_OK(&t);
	lc_free(&t);

	/* From every host: shut out. */
	lc_init(&t, "Port 22\nDenyUsers root@*\n", NULL, 0, GOOD_DUMP "denyusers root@*\n");
	LC_REFUSED(&t, MAIN ":2", "DenyUsers");
	lc_free(&t);
}
END_TEST

START_TEST(test_denyusers_wildcards)
{
	struct lc t;

	lc_init(&t, "DenyUsers r*\n", NULL, 0, GOOD_DUMP "denyusers r*\n");
	LC_REFUSED(&t, MAIN ":1", "DenyUsers shuts out 'root'");
	lc_free(&t);

	lc_init(&t, "DenyUsers ro?t\n", NULL, 0, GOOD_DUMP "denyusers ro?t\n");
	LC_REFUSED(&t, MAIN ":1", "DenyUsers");
	lc_free(&t);

	/* Patterns match the whole name, case-sensitively. */
	lc_init(&t, "DenyUsers roo rooty ROOT ?oo\n", NULL, 0,
	    GOOD_DUMP "denyusers roo\ndenyusers rooty\ndenyusers ROOT\ndenyusers ?oo\n");
	LC_OK(&t);
	lc_free(&t);
}
END_TEST

START_TEST(test_denyusers_names_the_right_line)
{
	struct lc t;

	lc_init(&t, "DenyUsers bob\nPort 22\nDenyUsers carol r*t\n", NULL, 0,
	    GOOD_DUMP "denyusers bob\ndenyusers carol\ndenyusers r*t\n");
	LC_REFUSED(&t, MAIN ":3:", "DenyUsers");
	CAUSE_LACKS(&t, MAIN ":1");
	lc_free(&t);
}
END_TEST

START_TEST(test_allowusers_other)
{
	struct lc t;

	lc_init(&t, "Port 22\nAllowUsers bob\n", NULL, 0, GOOD_DUMP "allowusers bob\n");
	LC_REFUSED(&t, MAIN ":2", "AllowUsers does not let in 'root'");
	lc_user(&t, "bob", 1001, alice_groups, 2);
	LC_OK(&t);
	lc_free(&t);
}
END_TEST

START_TEST(test_allowusers_lets_in)
{
	static const char *const patterns[] = { "root@*", "ro?t", "r*", "*", "root" };
	char dump[512], conf[128];
	struct lc t;
	size_t i;

	for (i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
		snprintf(conf, sizeof(conf), "AllowUsers bob %s\n", patterns[i]);
		snprintf(dump, sizeof(dump), "%sallowusers bob\nallowusers %s\n",
		    GOOD_DUMP, patterns[i]);
		lc_init(&t, conf, NULL, 0, dump);
		LC_OK(&t);
		lc_free(&t);
	}

	/* From one host only: a login is possible from there. */
	lc_init(&t, "AllowUsers root@10.0.0.1\n", NULL, 0,
	    GOOD_DUMP "allowusers root@10.0.0.1\n");
	LC_OK(&t);
	lc_free(&t);
}
END_TEST

START_TEST(test_allowusers_negated)
{
	struct lc t;

	lc_init(&t, "AllowUsers !root,*\n", NULL, 0, GOOD_DUMP "allowusers !root,*\n");
	LC_REFUSED(&t, MAIN ":1", "AllowUsers does not let in 'root'");
	lc_free(&t);
}
END_TEST

START_TEST(test_deny_before_allow)
{
	struct lc t;

	lc_init(&t, "AllowUsers root\nDenyUsers root\n", NULL, 0,
	    GOOD_DUMP "denyusers root\nallowusers root\n");
	LC_REFUSED(&t, MAIN ":2", "DenyUsers");
	CAUSE_LACKS(&t, "AllowUsers");
	lc_free(&t);
}
END_TEST

START_TEST(test_denygroups)
{
	struct lc t;

	lc_init(&t, "DenyGroups wheel\n", NULL, 0, GOOD_DUMP "denygroups wheel\n");
	/* root only in group root. */
	LC_OK(&t);
	/* root also in wheel. */
	t.s.groups = root_wheel_groups;
	t.s.ngroups = 2;
	LC_REFUSED(&t, MAIN ":1", "DenyGroups shuts out 'root'");
	lc_free(&t);

	lc_init(&t, "DenyGroups adm wh*\n", NULL, 0,
	    GOOD_DUMP "denygroups adm\ndenygroups wh*\n");
	t.s.groups = root_wheel_groups;
	t.s.ngroups = 2;
	LC_REFUSED(&t, MAIN ":1", "DenyGroups");
	lc_user(&t, "alice", 1000, alice_groups, 2);
	LC_OK(&t);
	lc_free(&t);
}
END_TEST

START_TEST(test_allowgroups)
{
	struct lc t;

	lc_init(&t, "Port 22\nAllowGroups staff\n", NULL, 0, GOOD_DUMP "allowgroups staff\n");
	t.s.groups = root_wheel_groups;
	t.s.ngroups = 2;
	LC_REFUSED(&t, MAIN ":2", "AllowGroups does not let in 'root'");
	/* alice is in staff. */
	lc_user(&t, "alice", 1000, alice_groups, 2);
	LC_OK(&t);
	/* In no group at all: not let in. */
	lc_user(&t, "nobody", 65534, NULL, 0);
	LC_REFUSED(&t, "AllowGroups");
	lc_free(&t);

	lc_init(&t, "AllowGroups adm whe?l\n", NULL, 0,
	    GOOD_DUMP "allowgroups adm\nallowgroups whe?l\n");
	t.s.groups = root_wheel_groups;
	t.s.ngroups = 2;
	LC_OK(&t);
	lc_free(&t);
}
END_TEST

START_TEST(test_user_lists_then_group_lists)
{
	struct lc t;

	/* Let in by AllowUsers, shut out by DenyGroups. */
	lc_init(&t, "AllowUsers root\nDenyGroups root\n", NULL, 0,
	    GOOD_DUMP "allowusers root\ndenygroups root\n");
	LC_REFUSED(&t, MAIN ":2", "DenyGroups");
	lc_free(&t);
}
END_TEST

START_TEST(test_first_failure_wins)
{
	struct lc t;

	/* Everything is off: PasswordAuthentication is what is named. */
	lc_init(&t, "PasswordAuthentication no\nPermitRootLogin no\nDenyUsers root\n", NULL, 0,
	    DUMP("no", "no", "no", "publickey", "denyusers root\n"));
	LC_REFUSED(&t, "PasswordAuthentication", MAIN ":1");
	CAUSE_LACKS(&t, "PermitRootLogin");
	/* Refused without a cause pointer too. */
	ck_assert_int_eq(login_check(&t.s, NULL), EX_CONFIG);
	lc_free(&t);
}
END_TEST

/* Allow/Deny entries are single wildcard patterns to sshd (match_user,
 * ga_match): "root,bob" or "!bob,*" is one literal name that matches nobody. */
START_TEST(test_allow_lists_are_not_pattern_lists)
{
	struct lc t;

	lc_init(&t, "AllowUsers root,bob\n", NULL, 0, GOOD_DUMP "allowusers root,bob\n");
	LC_REFUSED(&t, MAIN ":1", "AllowUsers");
	lc_free(&t);

	lc_init(&t, "AllowUsers !bob,*\n", NULL, 0, GOOD_DUMP "allowusers !bob,*\n");
	LC_REFUSED(&t, MAIN ":1", "AllowUsers");
	lc_free(&t);

	lc_init(&t, "AllowGroups root,wheel\n", NULL, 0, GOOD_DUMP "allowgroups root,wheel\n");
	LC_REFUSED(&t, MAIN ":1", "AllowGroups");
	lc_free(&t);
}
END_TEST

/* An Allow/Deny entry with a long run of '*' or many "*?" is matched in
 * linear time, as sshd does (found by tests/fuzz/fuzz_sshd_config.c). */
/* Entries full of wildcards are judged at once, as sshd judges them. */
START_TEST(test_allow_lists_many_wildcards)
{
	static char aaa_groups0[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
	static char *aaa_groups[] = { aaa_groups0 };
	char pattern[1024], conf[1100], dump[2048];
	struct lc t;
	size_t i;

	memset(pattern, '*', 1000);
	strcpy(pattern + 1000, "x");
	snprintf(conf, sizeof(conf), "AllowUsers %s\n", pattern);
	snprintf(dump, sizeof(dump), "%sallowusers %s\n", GOOD_DUMP, pattern);
	lc_init(&t, conf, NULL, 0, dump);
	LC_REFUSED(&t, MAIN ":1", "AllowUsers does not let in 'root'");
	lc_free(&t);

	/* "*a" twenty times, then "b", against a name of forty 'a's */
	for (i = 0; i < 20; i++)
		memcpy(pattern + 2 * i, "*a", 2);
	strcpy(pattern + 40, "b");
	snprintf(conf, sizeof(conf), "AllowGroups %s\n", pattern);
	snprintf(dump, sizeof(dump), "%sallowgroups %s\n", GOOD_DUMP, pattern);
	lc_init(&t, conf, NULL, 0, dump);
	lc_user(&t, aaa_groups0, 1000, aaa_groups, 1);
	LC_REFUSED(&t, MAIN ":1", "AllowGroups");
	lc_free(&t);
}
END_TEST

/* login_client_warnings must give exactly count warnings, the first holding
 * every string of the NULL-terminated list. */
static void lc_warns_at(struct lc *t, int line, size_t count, ...)
{
	const char *want;
	char **v = NULL;
	size_t n = 0, i;
	va_list ap;

	login_client_warnings(&t->s, &v, &n);
	for (i = 0; i < n; i++)
		ck_assert_ptr_nonnull(v[i]);
	ck_assert_msg(n == count, "line %d: %zu warnings, want %zu; first: %s", line, n,
	    count, n > 0 ? v[0] : "(none)");
	va_start(ap, count);
	while (n > 0 && (want = va_arg(ap, const char *)) != NULL)
		ck_assert_msg(strstr(v[0], want) != NULL, "line %d: warning '%s' lacks '%s'",
		    line, v[0], want);
	va_end(ap);
	strv_free(v, n);
}

#define LC_WARNS(t, count, ...) lc_warns_at((t), __LINE__, (count), __VA_ARGS__, \
	(const char *)NULL)
#define LC_NO_WARNING(t) lc_warns_at((t), __LINE__, 0, (const char *)NULL)

/* The e2e case: Match Address 127.0.0.0/8 turns the password off, named with the
 * setting's file and line and the Match line's. */
START_TEST(test_client_match_password_off)
{
	struct lc t;

	lc_init(&t, "PasswordAuthentication yes\n"
	    "Match Address 127.0.0.0/8\n"
	    "    PasswordAuthentication no\n", NULL, 0, GOOD_DUMP);
	LC_OK(&t);
	LC_WARNS(&t, 1, MAIN ":3: 'PasswordAuthentication no' inside 'Match Address "
	    "127.0.0.0/8' (" MAIN ":2): password login is refused for 'root' from "
	    "clients that match it");
	lc_user(&t, "alice", 1000, alice_groups, 2);
	LC_WARNS(&t, 1, "for 'alice'");
	lc_free(&t);
}
END_TEST

/* Every client criterion, in both spellings, alone or beside User and Group. */
START_TEST(test_client_match_criteria)
{
	static const char *const matches[] = {
		"Host *.example.com", "host=*.example.com", "LocalAddress 10.0.0.1",
		"LocalPort 2222", "localport=2222", "RDomain vrf1", "Address=10.0.0.0/8",
		"User root Address 10.0.0.0/8", "Group root,wheel LocalPort 22",
		"Address 10.0.0.0/8 User r*",
	};
	char conf[256];
	struct lc t;
	size_t i;

	for (i = 0; i < sizeof(matches) / sizeof(matches[0]); i++) {
		snprintf(conf, sizeof(conf), "Match %s\n\tPasswordAuthentication no\n",
		    matches[i]);
		lc_init(&t, conf, NULL, 0, GOOD_DUMP);
		LC_WARNS(&t, 1, MAIN ":2", matches[i]);
		lc_free(&t);
	}
}
END_TEST

/* Match sections with User, Group and All criteria only (podpass's own per-user
 * blocks among them), and client sections that leave the user out, warn of nothing. */
START_TEST(test_client_match_ignored)
{
	struct lc t;

	lc_init(&t, "Match User root\n\tPasswordAuthentication no\n"
	    "Match Group wheel\n\tPasswordAuthentication no\n"
	    "Match All\n\tPasswordAuthentication no\n"
	    "Match User alice Address 10.0.0.0/8\n\tPasswordAuthentication no\n"
	    "Match Group staff Host *.example.com\n\tDenyUsers *\n"
	    "Match Address 10.0.0.0/8\n\tPasswordAuthentication yes\n\tX11Forwarding no\n"
	    "\tPermitRootLogin yes\n\tAuthenticationMethods any\n",
	    NULL, 0, GOOD_DUMP);
	LC_NO_WARNING(&t);
	lc_free(&t);
}
END_TEST

/* AuthenticationMethods refuses when no list is satisfied by the password alone
 * (mode either) or by key and password (mode both). */
START_TEST(test_client_match_methods)
{
	static const struct {
		const char *value;
		int either, both;	/* a warning for the mode */
	} cases[] = {
		{ "publickey", 1, 0 }, { "publickey,password", 1, 0 },
		{ "password,publickey", 1, 0 }, { "any", 0, 0 }, { "password", 0, 0 },
		{ "publickey password", 0, 0 }, { "keyboard-interactive", 1, 1 },
		{ "publickey,keyboard-interactive password,keyboard-interactive", 1, 1 },
	};
	char conf[256];
	struct lc t;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(conf, sizeof(conf), "Match Address 10.0.0.0/8\n"
		    "\tAuthenticationMethods %s\n", cases[i].value);
		lc_init(&t, conf, NULL, 0, GOOD_DUMP);
		lc_warns_at(&t, __LINE__ + (int)i * 1000, (size_t)cases[i].either,
		    "no way in by password", (const char *)NULL);
		t.s.mode = MODE_BOTH;
		lc_warns_at(&t, __LINE__ + (int)i * 1000, (size_t)cases[i].both,
		    "no way in by password", (const char *)NULL);
		lc_free(&t);
	}
}
END_TEST

/* AllowUsers/AllowGroups that leave the user out (root, of group root only, is
 * not in wheel), DenyUsers/DenyGroups that name the user; PermitRootLogin other
 * than yes for root only; PubkeyAuthentication no for mode both only. */
START_TEST(test_client_match_access_lists)
{
	struct lc t;

	lc_init(&t, "Match Address 10.0.0.0/8\n\tAllowUsers alice bob@10.0.0.1\n", NULL, 0,
	    GOOD_DUMP);
	LC_WARNS(&t, 1, "'AllowUsers alice", "every login is refused for 'root'");
	lc_user(&t, "alice", 1000, alice_groups, 2);
	LC_NO_WARNING(&t);
	lc_free(&t);

	lc_init(&t, "Match Host *.example.com\n\tDenyUsers r?ot@192.0.2.1\n"
	    "Match Host *.example.com\n\tDenyGroups staff\n"
	    "Match Host *.example.com\n\tAllowGroups wheel\n", NULL, 0, GOOD_DUMP);
	LC_WARNS(&t, 2, MAIN ":2", "DenyUsers");
	lc_user(&t, "alice", 1000, alice_groups, 2);
	LC_WARNS(&t, 2, MAIN ":4", "DenyGroups staff");
	lc_user(&t, "root", 0, root_wheel_groups, 2);
	LC_WARNS(&t, 1, MAIN ":2");
	lc_free(&t);

	lc_init(&t, "Match LocalPort 22\n\tPubkeyAuthentication no\n"
	    "\tPermitRootLogin prohibit-password\n", NULL, 0, GOOD_DUMP);
	LC_WARNS(&t, 1, "'PermitRootLogin prohibit-password'", "for 'root'");
	t.s.mode = MODE_BOTH;
	LC_WARNS(&t, 2, "'PubkeyAuthentication no'");
	lc_user(&t, "alice", 1000, alice_groups, 2);
	LC_WARNS(&t, 1, "'PubkeyAuthentication no'", "for 'alice'");
	t.s.mode = MODE_EITHER;
	LC_NO_WARNING(&t);
	lc_free(&t);
}
END_TEST

/* Lines an Include puts into a client section are named by their own file and
 * line; a client section inside an included file too. */
START_TEST(test_client_match_included)
{
	static const struct test_mem_file files[] = {
		{ DROPIN, "# keys only from the LAN\n\tPasswordAuthentication no\n" },
		{ "/etc/ssh/sshd_config.d/60-lan.conf",
		    "Match Address 192.168.0.0/16\n\tPermitRootLogin no\n" },
	};
	struct lc t;

	lc_init(&t, "Match Address 10.0.0.0/8\n"
	    "\tInclude /etc/ssh/sshd_config.d/50-*.conf\n"
	    "Match All\n"
	    "Include /etc/ssh/sshd_config.d/60-*.conf\n", files, 2, GOOD_DUMP);
	LC_WARNS(&t, 2, DROPIN ":2: 'PasswordAuthentication no' inside 'Match Address "
	    "10.0.0.0/8' (" MAIN ":1)");
	lc_free(&t);
}
END_TEST

/* A section for the user with User/Group/All criteria only that sets the same
 * keyword earlier wins (sshd takes the first value): no warning then; one set
 * after the client section does not help. */
START_TEST(test_client_match_overridden_before)
{
	struct lc t;

	lc_init(&t, "Match User root\n\tPasswordAuthentication yes\n"
	    "Match Address 10.0.0.0/8\n\tPasswordAuthentication no\n", NULL, 0, GOOD_DUMP);
	LC_NO_WARNING(&t);
	lc_user(&t, "alice", 1000, alice_groups, 2);
	LC_WARNS(&t, 1, MAIN ":4");
	lc_free(&t);

	lc_init(&t, "Match Address 10.0.0.0/8\n\tPasswordAuthentication no\n"
	    "Match User root\n\tPasswordAuthentication yes\n", NULL, 0, GOOD_DUMP);
	LC_WARNS(&t, 1, MAIN ":2");
	lc_free(&t);
}
END_TEST

Suite *login_check_suite(void)
{
	Suite *s = suite_create("login_check");
	TCase *tc;

	tc = tcase_create("settings");
	tcase_add_test(tc, test_all_good);
	tcase_add_test(tc, test_all_good_crlf_dump);
	tcase_add_test(tc, test_all_good_mode_both);
	tcase_add_test(tc, test_password_off_in_included_match);
	tcase_add_test(tc, test_password_off_global);
	tcase_add_test(tc, test_password_off_other_users_match);
	tcase_add_test(tc, test_password_off_group_match);
	tcase_add_test(tc, test_password_match_yes_not_blamed);
	tcase_add_test(tc, test_password_off_default);
	tcase_add_test(tc, test_blamed_on_command_line);
	tcase_add_test(tc, test_permitrootlogin_prohibit_password);
	tcase_add_test(tc, test_permitrootlogin_values);
	tcase_add_test(tc, test_permitrootlogin_in_match);
	tcase_add_test(tc, test_methods_publickey);
	tcase_add_test(tc, test_methods_publickey_password);
	tcase_add_test(tc, test_methods_two_lists);
	tcase_add_test(tc, test_methods_any_or_missing);
	tcase_add_test(tc, test_methods_in_match);
	tcase_add_test(tc, test_blame_skips_podpass_blocks);
	tcase_add_test(tc, test_mode_both_pubkey_off);
	tcase_add_test(tc, test_first_failure_wins);
	suite_add_tcase(s, tc);

	tc = tcase_create("access_lists");
	tcase_add_test(tc, test_denyusers_root);
	tcase_add_test(tc, test_denyusers_host_limited);
	tcase_add_test(tc, test_denyusers_wildcards);
	tcase_add_test(tc, test_denyusers_names_the_right_line);
	tcase_add_test(tc, test_allowusers_other);
	tcase_add_test(tc, test_allowusers_lets_in);
	tcase_add_test(tc, test_allowusers_negated);
	tcase_add_test(tc, test_deny_before_allow);
	tcase_add_test(tc, test_denygroups);
	tcase_add_test(tc, test_allowgroups);
	tcase_add_test(tc, test_user_lists_then_group_lists);
	tcase_add_test(tc, test_allow_lists_are_not_pattern_lists);
	tcase_add_test(tc, test_allow_lists_many_wildcards);
	suite_add_tcase(s, tc);

	tc = tcase_create("client_match_warnings");
	tcase_add_test(tc, test_client_match_password_off);
	tcase_add_test(tc, test_client_match_criteria);
	tcase_add_test(tc, test_client_match_ignored);
	tcase_add_test(tc, test_client_match_methods);
	tcase_add_test(tc, test_client_match_access_lists);
	tcase_add_test(tc, test_client_match_included);
	tcase_add_test(tc, test_client_match_overridden_before);
	suite_add_tcase(s, tc);
	return s;
}
