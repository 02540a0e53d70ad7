/* Tests for sshd_config: the parser (through an in-memory loader, so no
 * files are needed), the Match helpers, the managed block and sshd -T. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "check_suites.h"
#include "sshd_config.h"
#include "util.h"

#define MAIN "/etc/ssh/sshd_config"
#define FIXTURES TEST_DATA_DIR "/sshd_config"


/* Parse text as the main file over the given tree; must succeed. */
static void parse_ok(struct test_mem_fs *fs, const char *text, struct sshd_config *cfg)
{
	char *cause = NULL;
	int r = sshd_config_parse(MAIN, text, strlen(text), test_mem_loader, fs, cfg, &cause);

	ck_assert_msg(r == 0, "parse failed (%d): %s", r, cause ? cause : "(no cause)");
	ck_assert_ptr_null(cause);
}

/* Parse text as the main file; must fail with code, cause exactly want. */
static void parse_fails(struct test_mem_fs *fs, const char *text, int code, const char *want)
{
	struct sshd_config cfg;
	char *cause = NULL;
	int r = sshd_config_parse(MAIN, text, strlen(text), test_mem_loader, fs, &cfg, &cause);

	ck_assert_int_eq(r, code);
	ck_assert_ptr_nonnull(cause);
	ck_assert_str_eq(cause, want);
	ck_assert_uint_eq(cfg.n, 0);
	ck_assert_ptr_null(cfg.directives);
	free(cause);
}

/* Check one directive: where it came from, keyword, section, arguments. */
static void check_dir(const struct sshd_directive *d, const char *file, int line,
    const char *keyword, long match, const char *const *args, size_t nargs)
{
	size_t i;

	ck_assert_ptr_nonnull(d);
	ck_assert_str_eq(d->file, file);
	ck_assert_int_eq(d->line, line);
	ck_assert_str_eq(d->keyword, keyword);
	ck_assert_int_eq(d->match, match);
	ck_assert_uint_eq(d->nargs, nargs);
	for (i = 0; i < nargs; i++)
		ck_assert_str_eq(d->args[i], args[i]);
	ck_assert_ptr_null(d->args[nargs]);
}

/* Shorthand: the arguments are listed, then NULL. */
#define CHECK_DIR(d, file, line, kw, match, ...) do { \
	const char *const a_[] = { __VA_ARGS__ }; \
	check_dir((d), (file), (line), (kw), (match), a_, \
	    sizeof(a_) / sizeof(a_[0]) - 1); \
} while (0)

START_TEST(test_parse_keyword_forms)
{
	struct test_mem_fs fs = { 0 };
	struct sshd_config cfg;

	parse_ok(&fs, "PasswordAuthentication=no\n"
	    "PubkeyAuthentication = yes\n"
	    "  UsePAM\tyes\n"
	    "KbdInteractiveAuthentication =no\n"
	    "X11Forwarding= yes\n"
	    "PERMITrootLOGIN yes\n"
	    "\tBanner  \t /etc/issue.net  \t\n", &cfg);
	ck_assert_uint_eq(cfg.n, 7);
	CHECK_DIR(&cfg.directives[0], MAIN, 1, "passwordauthentication", -1, "no", NULL);
	CHECK_DIR(&cfg.directives[1], MAIN, 2, "pubkeyauthentication", -1, "yes", NULL);
	CHECK_DIR(&cfg.directives[2], MAIN, 3, "usepam", -1, "yes", NULL);
	CHECK_DIR(&cfg.directives[3], MAIN, 4, "kbdinteractiveauthentication", -1, "no", NULL);
	CHECK_DIR(&cfg.directives[4], MAIN, 5, "x11forwarding", -1, "yes", NULL);
	CHECK_DIR(&cfg.directives[5], MAIN, 6, "permitrootlogin", -1, "yes", NULL);
	CHECK_DIR(&cfg.directives[6], MAIN, 7, "banner", -1, "/etc/issue.net", NULL);
	ck_assert_uint_eq(cfg.nfiles, 1);
	ck_assert_str_eq(cfg.files[0], MAIN);
	ck_assert_ptr_eq(cfg.directives[0].file, cfg.files[0]);
	sshd_config_free(&cfg);
}
END_TEST

START_TEST(test_parse_only_one_equals)
{
	struct test_mem_fs fs = { 0 };
	struct sshd_config cfg;

	/* sshd skips a single '=': a second one is part of the argument */
	parse_ok(&fs, "Banner==x\nBanner = =y\nSetEnv A=b\n"
	    "=UseDNS no\n"
	    "\"\" PermitRootLogin yes\n"
	    "\"Permit\"RootLogin=no\n", &cfg);
	ck_assert_uint_eq(cfg.n, 6);
	CHECK_DIR(&cfg.directives[0], MAIN, 1, "banner", -1, "=x", NULL);
	CHECK_DIR(&cfg.directives[1], MAIN, 2, "banner", -1, "=y", NULL);
	CHECK_DIR(&cfg.directives[2], MAIN, 3, "setenv", -1, "A=b", NULL);
	/* an empty first token makes sshd take the next one as the keyword */
	CHECK_DIR(&cfg.directives[3], MAIN, 4, "usedns", -1, "no", NULL);
	CHECK_DIR(&cfg.directives[4], MAIN, 5, "permitrootlogin", -1, "yes", NULL);
	/* a quote ends the keyword, and then no '=' is skipped */
	CHECK_DIR(&cfg.directives[5], MAIN, 6, "permit", -1, "RootLogin=no", NULL);
	sshd_config_free(&cfg);
}
END_TEST

START_TEST(test_parse_quotes)
{
	struct test_mem_fs fs = { 0 };
	struct sshd_config cfg;

	parse_ok(&fs, "AuthorizedKeysFile \".ssh/my keys\" .ssh/other\n"
	    "Banner \"\"\n"
	    "ForceCommand 'echo hi' a\" b \"c\n"
	    "ChrootDirectory /srv/a\\ b\n"
	    "Subsystem sftp \"internal-sftp\" \\\"x\\\"\n", &cfg);
	ck_assert_uint_eq(cfg.n, 5);
	CHECK_DIR(&cfg.directives[0], MAIN, 1, "authorizedkeysfile", -1,
	    ".ssh/my keys", ".ssh/other", NULL);
	CHECK_DIR(&cfg.directives[1], MAIN, 2, "banner", -1, "", NULL);
	CHECK_DIR(&cfg.directives[2], MAIN, 3, "forcecommand", -1, "echo hi", "a b c", NULL);
	CHECK_DIR(&cfg.directives[3], MAIN, 4, "chrootdirectory", -1, "/srv/a b", NULL);
	CHECK_DIR(&cfg.directives[4], MAIN, 5, "subsystem", -1,
	    "sftp", "internal-sftp", "\"x\"", NULL);
	sshd_config_free(&cfg);
}
END_TEST

START_TEST(test_parse_unterminated_quote)
{
	struct test_mem_file tree[] = {
		{ "/etc/ssh/sshd_config.d/10-bad.conf", "# fine\n\nBanner 'oops\n" },
	};
	struct test_mem_fs fs = { tree, 1, { NULL, 0, 0 }, NULL };

	parse_fails(&fs, "Port 22\n\nBanner \"/etc/issue\n", EX_CONFIG,
	    MAIN ":3: unterminated quote");
	{
		static const char nul_text[] = "Port 22\nPermitRootLogin no\0 junk\n";
		struct sshd_config cfg;
		char *cause = NULL;

		ck_assert_int_eq(sshd_config_parse(MAIN, nul_text, sizeof(nul_text) - 1,
		    test_mem_loader, &fs, &cfg, &cause), EX_CONFIG);
		ck_assert_str_eq(cause, MAIN ":2: a NUL byte: not a text file");
		free(cause);
	}
	parse_fails(&fs, "\"PasswordAuthentication yes\n", EX_CONFIG,
	    MAIN ":1: unterminated quote");
	parse_fails(&fs, "Include sshd_config.d/*.conf\n", EX_CONFIG,
	    "/etc/ssh/sshd_config.d/10-bad.conf:3: unterminated quote");
	buf_free(&fs.asked);
}
END_TEST

START_TEST(test_parse_comments)
{
	struct test_mem_fs fs = { 0 };
	struct sshd_config cfg;

	parse_ok(&fs, "# PasswordAuthentication no\n"
	    "   #PasswordAuthentication no\n"
	    "\n  \t \n"
	    "#\n"
	    "Port 22 # the usual\n"
	    "Banner a#b\n"
	    "Banner \"#x\" y\n"
	    "Banner #\n", &cfg);
	ck_assert_uint_eq(cfg.n, 4);
	CHECK_DIR(&cfg.directives[0], MAIN, 6, "port", -1, "22", NULL);
	CHECK_DIR(&cfg.directives[1], MAIN, 7, "banner", -1, "a#b", NULL);
	CHECK_DIR(&cfg.directives[2], MAIN, 8, "banner", -1, "#x", "y", NULL);
	/* sshd itself refuses a keyword left without arguments */
	CHECK_DIR(&cfg.directives[3], MAIN, 9, "banner", -1, NULL);
	sshd_config_free(&cfg);
}
END_TEST

START_TEST(test_parse_line_endings)
{
	struct test_mem_fs fs = { 0 };
	struct sshd_config cfg;

	parse_ok(&fs, "Port 22\r\n# c\r\n\r\nPasswordAuthentication no\r\nBanner \"a b\"\r\n", &cfg);
	ck_assert_uint_eq(cfg.n, 3);
	CHECK_DIR(&cfg.directives[0], MAIN, 1, "port", -1, "22", NULL);
	CHECK_DIR(&cfg.directives[1], MAIN, 4, "passwordauthentication", -1, "no", NULL);
	CHECK_DIR(&cfg.directives[2], MAIN, 5, "banner", -1, "a b", NULL);
	sshd_config_free(&cfg);

	parse_ok(&fs, "Port 22\nPasswordAuthentication no", &cfg);
	ck_assert_uint_eq(cfg.n, 2);
	CHECK_DIR(&cfg.directives[1], MAIN, 2, "passwordauthentication", -1, "no", NULL);
	sshd_config_free(&cfg);

	parse_ok(&fs, "UsePAM yes\r", &cfg);
	ck_assert_uint_eq(cfg.n, 1);
	CHECK_DIR(&cfg.directives[0], MAIN, 1, "usepam", -1, "yes", NULL);
	sshd_config_free(&cfg);

	parse_ok(&fs, "", &cfg);
	ck_assert_uint_eq(cfg.n, 0);
	ck_assert_uint_eq(cfg.nfiles, 1);
	ck_assert_str_eq(cfg.files[0], MAIN);
	sshd_config_free(&cfg);
}
END_TEST

START_TEST(test_parse_match_sections)
{
	struct test_mem_fs fs = { 0 };
	struct sshd_config cfg;

	parse_ok(&fs, "Port 22\n"
	    "Match User alice\n"
	    "  PasswordAuthentication no\n"
	    "  X11Forwarding no\n"
	    "MATCH all\n"
	    "  Banner none\n", &cfg);
	ck_assert_uint_eq(cfg.n, 6);
	CHECK_DIR(&cfg.directives[0], MAIN, 1, "port", -1, "22", NULL);
	/* a Match line is in no section (it ends the one before) */
	CHECK_DIR(&cfg.directives[1], MAIN, 2, "match", -1, "User", "alice", NULL);
	CHECK_DIR(&cfg.directives[2], MAIN, 3, "passwordauthentication", 1, "no", NULL);
	CHECK_DIR(&cfg.directives[3], MAIN, 4, "x11forwarding", 1, "no", NULL);
	/* "Match all" opens a section too: it ends alice's, it is not global */
	CHECK_DIR(&cfg.directives[4], MAIN, 5, "match", -1, "all", NULL);
	CHECK_DIR(&cfg.directives[5], MAIN, 6, "banner", 4, "none", NULL);
	sshd_config_free(&cfg);
}
END_TEST

START_TEST(test_parse_match_ends_with_file)
{
	struct test_mem_file tree[] = {
		{ "/etc/ssh/sshd_config.d/10-m.conf",
		  "UsePAM yes\nMatch User bob\nPasswordAuthentication no\n" },
		{ "/etc/ssh/sshd_config.d/20-g.conf", "PermitRootLogin no\n" },
	};
	struct test_mem_fs fs = { tree, 2, { NULL, 0, 0 }, NULL };
	struct sshd_config cfg;

	parse_ok(&fs, "Include /etc/ssh/sshd_config.d/*.conf\nPort 22\n", &cfg);
	ck_assert_uint_eq(cfg.n, 6);
	CHECK_DIR(&cfg.directives[0], MAIN, 1, "include", -1,
	    "/etc/ssh/sshd_config.d/*.conf", NULL);
	CHECK_DIR(&cfg.directives[1], tree[0].path, 1, "usepam", -1, "yes", NULL);
	CHECK_DIR(&cfg.directives[2], tree[0].path, 2, "match", -1, "User", "bob", NULL);
	CHECK_DIR(&cfg.directives[3], tree[0].path, 3, "passwordauthentication", 2, "no", NULL);
	/* bob's section ended with 10-m.conf */
	CHECK_DIR(&cfg.directives[4], tree[1].path, 1, "permitrootlogin", -1, "no", NULL);
	CHECK_DIR(&cfg.directives[5], MAIN, 2, "port", -1, "22", NULL);
	sshd_config_free(&cfg);
	buf_free(&fs.asked);
}
END_TEST

START_TEST(test_parse_include_in_match)
{
	struct test_mem_file tree[] = {
		{ "/etc/ssh/in.conf",
		  "PasswordAuthentication no\nMatch User carol\nBanner /c\n" },
	};
	struct test_mem_fs fs = { tree, 1, { NULL, 0, 0 }, NULL };
	struct sshd_config cfg;

	parse_ok(&fs, "Port 22\nMatch User bob\nInclude in.conf\nX11Forwarding no\n", &cfg);
	ck_assert_uint_eq(cfg.n, 7);
	CHECK_DIR(&cfg.directives[1], MAIN, 2, "match", -1, "User", "bob", NULL);
	CHECK_DIR(&cfg.directives[2], MAIN, 3, "include", 1, "in.conf", NULL);
	/* before its own Match, the included file is in bob's section */
	CHECK_DIR(&cfg.directives[3], "/etc/ssh/in.conf", 1, "passwordauthentication", 1, "no", NULL);
	/* carol's section is nested in bob's: sshd applies it to carol only
	 * when bob's applies too, so the chain 5 -> 4 -> 1 -> -1 is kept */
	CHECK_DIR(&cfg.directives[4], "/etc/ssh/in.conf", 2, "match", 1, "User", "carol", NULL);
	CHECK_DIR(&cfg.directives[5], "/etc/ssh/in.conf", 3, "banner", 4, "/c", NULL);
	/* back in the main file: still bob's section */
	CHECK_DIR(&cfg.directives[6], MAIN, 4, "x11forwarding", 1, "no", NULL);
	ck_assert_str_eq(fs.asked.data, "/etc/ssh/in.conf\n");
	sshd_config_free(&cfg);
	buf_free(&fs.asked);
}
END_TEST

START_TEST(test_parse_include_glob_sorted)
{
	struct test_mem_file tree[] = {
		{ "/etc/ssh/sshd_config.d/50-cloud-init.conf", "PasswordAuthentication no\n" },
		{ "/etc/ssh/sshd_config.d/99-last.conf", "Banner /z\n" },
		{ "/etc/ssh/sshd_config.d/10-first.conf", "Banner /a\n" },
		{ "/etc/ssh/sshd_config.d/README", "Banner /readme\n" },
		{ "/etc/ssh/sshd_config.d/.hidden.conf", "Banner /hidden\n" },
		{ "/etc/ssh/sshd_config.d/sub/x.conf", "Banner /sub\n" },
	};
	struct test_mem_fs fs = { tree, 6, { NULL, 0, 0 }, NULL };
	struct sshd_config cfg;

	parse_ok(&fs, "Include sshd_config.d/*.conf\n", &cfg);
	ck_assert_str_eq(fs.asked.data, "/etc/ssh/sshd_config.d/*.conf\n");
	ck_assert_uint_eq(cfg.n, 4);
	CHECK_DIR(&cfg.directives[1], tree[2].path, 1, "banner", -1, "/a", NULL);
	CHECK_DIR(&cfg.directives[2], tree[0].path, 1, "passwordauthentication", -1, "no", NULL);
	CHECK_DIR(&cfg.directives[3], tree[1].path, 1, "banner", -1, "/z", NULL);
	ck_assert_uint_eq(cfg.nfiles, 4);
	ck_assert_str_eq(cfg.files[0], MAIN);
	ck_assert_str_eq(cfg.files[1], tree[2].path);
	ck_assert_str_eq(cfg.files[2], tree[0].path);
	ck_assert_str_eq(cfg.files[3], tree[1].path);
	sshd_config_free(&cfg);
	buf_free(&fs.asked);
}
END_TEST

START_TEST(test_parse_include_args)
{
	struct test_mem_file tree[] = {
		{ "/etc/ssh/a.conf", "Banner /a\n" },
		{ "/etc/ssh/b.conf", "Banner /b\n" },
		{ "/opt/c.conf", "Banner /c\n" },
	};
	struct test_mem_fs fs = { tree, 3, { NULL, 0, 0 }, NULL };
	struct sshd_config cfg;

	/* several arguments, in order; relative ones under /etc/ssh; a
	 * pattern that matches nothing is fine; the same file twice is read
	 * twice, as sshd does */
	parse_ok(&fs, "include=b.conf /opt/c.conf \"nothing*.conf\" a.conf\n"
	    "Include /etc/ssh/a.conf\n", &cfg);
	ck_assert_str_eq(fs.asked.data, "/etc/ssh/b.conf\n/opt/c.conf\n"
	    "/etc/ssh/nothing*.conf\n/etc/ssh/a.conf\n/etc/ssh/a.conf\n");
	ck_assert_uint_eq(cfg.n, 6);
	CHECK_DIR(&cfg.directives[1], "/etc/ssh/b.conf", 1, "banner", -1, "/b", NULL);
	CHECK_DIR(&cfg.directives[2], "/opt/c.conf", 1, "banner", -1, "/c", NULL);
	CHECK_DIR(&cfg.directives[3], "/etc/ssh/a.conf", 1, "banner", -1, "/a", NULL);
	CHECK_DIR(&cfg.directives[5], "/etc/ssh/a.conf", 1, "banner", -1, "/a", NULL);
	ck_assert_uint_eq(cfg.nfiles, 5);
	ck_assert_str_eq(cfg.files[3], "/etc/ssh/a.conf");
	ck_assert_str_eq(cfg.files[4], "/etc/ssh/a.conf");
	ck_assert_ptr_ne(cfg.directives[3].file, cfg.directives[5].file);
	sshd_config_free(&cfg);
	/* like sshd, no /etc/ssh in front of '~' (and no tilde expansion) */
	buf_free(&fs.asked);
	parse_ok(&fs, "INCLUDE ~/x.conf\n", &cfg);
	ck_assert_str_eq(fs.asked.data, "~/x.conf\n");
	sshd_config_free(&cfg);
	buf_free(&fs.asked);
}
END_TEST

START_TEST(test_parse_include_errors)
{
	struct test_mem_file tree[] = {
		{ "/etc/ssh/x.conf", "\n\nInclude\n" },
	};
	struct test_mem_fs fs = { tree, 1, { NULL, 0, 0 }, "/etc/ssh/secret/*.conf" };

	parse_fails(&fs, "Port 22\nInclude\n", EX_CONFIG,
	    MAIN ":2: Include without a file name");
	parse_fails(&fs, "Include # nothing\n", EX_CONFIG,
	    MAIN ":1: Include without a file name");
	parse_fails(&fs, "Include a.conf \"\"\n", EX_CONFIG,
	    MAIN ":1: Include with an empty argument");
	parse_fails(&fs, "Include x.conf\n", EX_CONFIG,
	    "/etc/ssh/x.conf:3: Include without a file name");
	parse_fails(&fs, "Port 22\n\nInclude secret/*.conf\n", EX_IOERR,
	    MAIN ":3: /etc/ssh/secret/*.conf: permission denied");
	buf_free(&fs.asked);
}
END_TEST

START_TEST(test_parse_include_no_loader)
{
	struct sshd_config cfg;
	char *cause = NULL;
	const char *text = "Include x.conf\n";

	ck_assert_int_eq(sshd_config_parse(MAIN, text, strlen(text), NULL, NULL,
	    &cfg, &cause), EX_SOFTWARE);
	ck_assert_str_eq(cause, MAIN ":1: Include cannot be followed here");
	ck_assert_uint_eq(cfg.n, 0);
	free(cause);
}
END_TEST

/* Build a chain /etc/ssh/d1.conf -> d2.conf -> ... -> dN.conf; dN has a
 * Banner and an Include that matches nothing. */
static struct test_mem_file *make_chain(int n)
{
	struct test_mem_file *tree = xcalloc((size_t)n, sizeof(*tree));
	int i;

	for (i = 0; i < n; i++) {
		tree[i].path = xasprintf("/etc/ssh/d%d.conf", i + 1);
		tree[i].data = i + 1 < n ? xasprintf("Include d%d.conf\n", i + 2) :
		    xstrdup("Banner /deep\nInclude none-*.conf\n");
	}
	return tree;
}

static void free_chain(struct test_mem_file *tree, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		free((char *)tree[i].path);
		free((char *)tree[i].data);
	}
	free(tree);
}

START_TEST(test_parse_include_depth)
{
	struct test_mem_file *ok = make_chain(16), *deep = make_chain(17);
	struct test_mem_fs fs = { ok, 16, { NULL, 0, 0 }, NULL };
	struct test_mem_file loop[] = { { "/etc/ssh/self.conf", "Port 1\nInclude self.conf\n" } };
	struct sshd_config cfg;

	/* 16 levels below the main file: sshd accepts that, and an Include
	 * there that names no file is no deeper */
	parse_ok(&fs, "Include d1.conf\n", &cfg);
	ck_assert_uint_eq(cfg.nfiles, 17);
	ck_assert_uint_eq(cfg.n, 18);
	CHECK_DIR(&cfg.directives[16], "/etc/ssh/d16.conf", 1, "banner", -1, "/deep", NULL);
	sshd_config_free(&cfg);
	/* 17 is one too many; the error names the Include line */
	fs.files = deep;
	fs.n = 17;
	parse_fails(&fs, "Include d1.conf\n", EX_CONFIG,
	    "/etc/ssh/d16.conf:1: Include nested too deeply");
	/* a file that includes itself stops at the same limit */
	fs.files = loop;
	fs.n = 1;
	parse_fails(&fs, "Include self.conf\n", EX_CONFIG,
	    "/etc/ssh/self.conf:2: Include nested too deeply");
	free_chain(ok, 16);
	free_chain(deep, 17);
	buf_free(&fs.asked);
}
END_TEST

START_TEST(test_first_global_debian_cloud_init)
{
	struct test_mem_file tree[] = {
		{ "/etc/ssh/sshd_config.d/50-cloud-init.conf", NULL },
	};
	struct test_mem_fs fs = { tree, 1, { NULL, 0, 0 }, NULL };
	struct sshd_config cfg;
	const struct sshd_directive *d;
	char *main_text, *cloud;

	main_text = test_read(FIXTURES "/debian_sshd_config", NULL);
	cloud = test_read(FIXTURES "/50-cloud-init.conf", NULL);
	tree[0].data = cloud;
	parse_ok(&fs, main_text, &cfg);
	ck_assert_uint_eq(cfg.nfiles, 2);
	/* the drop-in is read first, so its "no" wins over sshd's default */
	d = sshd_config_first_global(&cfg, "passwordauthentication");
	CHECK_DIR(d, tree[0].path, 1, "passwordauthentication", -1, "no", NULL);
	d = sshd_config_first_global(&cfg, "kbdinteractiveauthentication");
	CHECK_DIR(d, MAIN, 28, "kbdinteractiveauthentication", -1, "no", NULL);
	d = sshd_config_first_global(&cfg, "subsystem");
	CHECK_DIR(d, MAIN, 39, "subsystem", -1, "sftp", "/usr/lib/openssh/sftp-server", NULL);
	d = sshd_config_first_global(&cfg, "acceptenv");
	CHECK_DIR(d, MAIN, 36, "acceptenv", -1, "LANG", "LC_*", NULL);
	ck_assert_ptr_null(sshd_config_first_global(&cfg, "permitrootlogin"));
	ck_assert_ptr_null(sshd_config_first_global(&cfg, "match"));
	sshd_config_free(&cfg);
	free(main_text);
	free(cloud);
	buf_free(&fs.asked);
}
END_TEST

START_TEST(test_first_global_skips_match)
{
	struct test_mem_file tree[] = {
		{ "/etc/ssh/m.conf", "Match User x\nPermitRootLogin no\n" },
		{ "/etc/ssh/g.conf", "PermitRootLogin prohibit-password\n" },
	};
	struct test_mem_fs fs = { tree, 2, { NULL, 0, 0 }, NULL };
	struct sshd_config cfg;
	const struct sshd_directive *d;

	parse_ok(&fs, "Include m.conf g.conf\nPermitRootLogin yes\n"
	    "Match Group g\nPasswordAuthentication no\n", &cfg);
	d = sshd_config_first_global(&cfg, "permitrootlogin");
	CHECK_DIR(d, "/etc/ssh/g.conf", 1, "permitrootlogin", -1, "prohibit-password", NULL);
	ck_assert_ptr_null(sshd_config_first_global(&cfg, "passwordauthentication"));
	sshd_config_free(&cfg);
	buf_free(&fs.asked);
}
END_TEST

START_TEST(test_next_in_match)
{
	struct test_mem_file tree[] = {
		{ "/etc/ssh/m.conf", "PasswordAuthentication yes\nMatch User y\nPasswordAuthentication no\n" },
	};
	struct test_mem_fs fs = { tree, 1, { NULL, 0, 0 }, NULL };
	struct sshd_config cfg;
	const struct sshd_directive *d;
	size_t iter = 0;

	parse_ok(&fs, "PasswordAuthentication no\n"
	    "Match User a\n"
	    "\tPasswordAuthentication yes\n"
	    "\tInclude m.conf\n"
	    "Match Address 10.0.0.0/8\n"
	    "\tpasswordauthentication=no\n", &cfg);
	d = sshd_config_next_in_match(&cfg, "passwordauthentication", &iter);
	CHECK_DIR(d, MAIN, 3, "passwordauthentication", 1, "yes", NULL);
	d = sshd_config_next_in_match(&cfg, "passwordauthentication", &iter);
	CHECK_DIR(d, "/etc/ssh/m.conf", 1, "passwordauthentication", 1, "yes", NULL);
	d = sshd_config_next_in_match(&cfg, "passwordauthentication", &iter);
	CHECK_DIR(d, "/etc/ssh/m.conf", 3, "passwordauthentication", 5, "no", NULL);
	d = sshd_config_next_in_match(&cfg, "passwordauthentication", &iter);
	CHECK_DIR(d, MAIN, 6, "passwordauthentication", 7, "no", NULL);
	CHECK_DIR(&cfg.directives[5], "/etc/ssh/m.conf", 2, "match", 1, "User", "y", NULL);
	CHECK_DIR(&cfg.directives[7], MAIN, 5, "match", -1, "Address", "10.0.0.0/8", NULL);
	ck_assert_str_eq(cfg.directives[d->match].args[1], "10.0.0.0/8");
	ck_assert_ptr_null(sshd_config_next_in_match(&cfg, "passwordauthentication", &iter));
	ck_assert_ptr_null(sshd_config_next_in_match(&cfg, "passwordauthentication", &iter));
	iter = 0;
	ck_assert_ptr_null(sshd_config_next_in_match(&cfg, "permitrootlogin", &iter));
	sshd_config_free(&cfg);
	buf_free(&fs.asked);
}
END_TEST

/* Parse one Match line and ask whether it may apply to user in groups. */
static int may_apply(const char *line, const char *user, char *const *groups,
    size_t ngroups)
{
	struct test_mem_fs fs = { 0 };
	struct sshd_config cfg;
	int r;

	parse_ok(&fs, line, &cfg);
	ck_assert_uint_eq(cfg.n, 1);
	ck_assert_str_eq(cfg.directives[0].keyword, "match");
	r = sshd_config_match_may_apply(&cfg.directives[0], user, groups, ngroups);
	sshd_config_free(&cfg);
	return r;
}

START_TEST(test_match_may_apply_user)
{
	ck_assert_int_eq(may_apply("Match User alice", "alice", NULL, 0), 1);
	ck_assert_int_eq(may_apply("Match User alice", "bob", NULL, 0), 0);
	ck_assert_int_eq(may_apply("Match User bob,alice", "alice", NULL, 0), 1);
	ck_assert_int_eq(may_apply("Match user al*", "alice", NULL, 0), 1);
	ck_assert_int_eq(may_apply("Match USER \"a?ice\"", "alice", NULL, 0), 1);
	/* user names are case-sensitive */
	ck_assert_int_eq(may_apply("Match User Alice", "alice", NULL, 0), 0);
	/* negation wins; a negation alone never matches (as in sshd) */
	ck_assert_int_eq(may_apply("Match User *,!root", "root", NULL, 0), 0);
	ck_assert_int_eq(may_apply("Match User *,!root", "alice", NULL, 0), 1);
	ck_assert_int_eq(may_apply("Match User !root", "alice", NULL, 0), 0);
	/* "User=pattern" in one argument (OpenSSH 9.9+) */
	ck_assert_int_eq(may_apply("Match User=bob", "alice", NULL, 0), 0);
	ck_assert_int_eq(may_apply("Match user=alice", "alice", NULL, 0), 1);
	/* every criterion must hold */
	ck_assert_int_eq(may_apply("Match Address 10.0.0.0/8 User bob", "alice", NULL, 0), 0);
	ck_assert_int_eq(may_apply("Match Address 10.0.0.0/8 User alice", "alice", NULL, 0), 1);
	/* unknown user: nothing is sure */
	ck_assert_int_eq(may_apply("Match User bob", NULL, NULL, 0), 1);
}
END_TEST

START_TEST(test_match_may_apply_group)
{
	char *groups[] = { "alice", "wheel", "docker" };

	ck_assert_int_eq(may_apply("Match Group wheel", "alice", groups, 3), 1);
	ck_assert_int_eq(may_apply("Match Group sftponly", "alice", groups, 3), 0);
	ck_assert_int_eq(may_apply("Match Group sftp*,dock?r", "alice", groups, 3), 1);
	/* one negated group excludes, whatever the others match */
	ck_assert_int_eq(may_apply("Match Group *,!docker", "alice", groups, 3), 0);
	ck_assert_int_eq(may_apply("Match Group *,!docker", "alice", groups, 2), 1);
	ck_assert_int_eq(may_apply("Match Group=wheel User alice", "alice", groups, 3), 1);
	ck_assert_int_eq(may_apply("Match Group wheel User bob", "alice", groups, 3), 0);
	/* groups known to be none; groups unknown */
	ck_assert_int_eq(may_apply("Match Group wheel", "alice", groups, 0), 0);
	ck_assert_int_eq(may_apply("Match Group wheel", "alice", NULL, 0), 1);
}
END_TEST

START_TEST(test_match_may_apply_other)
{
	char *groups[] = { "users" };

	ck_assert_int_eq(may_apply("Match all", "alice", groups, 1), 1);
	ck_assert_int_eq(may_apply("Match Address 192.168.0.0/16", "alice", groups, 1), 1);
	ck_assert_int_eq(may_apply("Match Host *.example.com LocalPort 22", "alice", groups, 1), 1);
	ck_assert_int_eq(may_apply("Match LocalAddress 10.0.0.1 RDomain 1", "alice", groups, 1), 1);
	ck_assert_int_eq(may_apply("Match Address=10.* Host=x", "alice", groups, 1), 1);
	ck_assert_int_eq(may_apply("Match invalid-user", "alice", groups, 1), 1);
	/* a comment ends the criteria */
	ck_assert_int_eq(may_apply("Match User alice \"#\" x User bob", "alice", groups, 1), 1);
	ck_assert_int_eq(may_apply("Match Address 10.0.0.1 # User bob", "alice", groups, 1), 1);
	/* a criterion with no pattern is malformed: cannot exclude */
	ck_assert_int_eq(may_apply("Match User", "alice", groups, 1), 1);
}
END_TEST

START_TEST(test_match_may_apply_not_match)
{
	struct test_mem_fs fs = { 0 };
	struct sshd_config cfg;

	parse_ok(&fs, "User bob\n", &cfg);
	ck_assert_int_eq(sshd_config_match_may_apply(&cfg.directives[0], "alice", NULL, 0), 1);
	sshd_config_free(&cfg);
}
END_TEST

START_TEST(test_pattern_list)
{
	ck_assert_int_eq(sshd_match_pattern_list("alice", "alice"), 1);
	ck_assert_int_eq(sshd_match_pattern_list("alice", "bob"), 0);
	ck_assert_int_eq(sshd_match_pattern_list("alice", "bob,alice"), 1);
	ck_assert_int_eq(sshd_match_pattern_list("alice", "*"), 1);
	ck_assert_int_eq(sshd_match_pattern_list("", "*"), 1);
	ck_assert_int_eq(sshd_match_pattern_list("alice", "a*e"), 1);
	ck_assert_int_eq(sshd_match_pattern_list("alice", "a*c"), 0);
	ck_assert_int_eq(sshd_match_pattern_list("alice", "*li*"), 1);
	ck_assert_int_eq(sshd_match_pattern_list("alice", "?lice"), 1);
	ck_assert_int_eq(sshd_match_pattern_list("alice", "??lice"), 0);
	ck_assert_int_eq(sshd_match_pattern_list("aaab", "*a*b"), 1);
	ck_assert_int_eq(sshd_match_pattern_list("aaa", "a*a*a*a"), 0);
	ck_assert_int_eq(sshd_match_pattern_list("alice", "ALICE"), 0);
	ck_assert_int_eq(sshd_match_pattern_list("alice", "!alice"), -1);
	ck_assert_int_eq(sshd_match_pattern_list("alice", "*,!alice"), -1);
	ck_assert_int_eq(sshd_match_pattern_list("alice", "!alice,*"), -1);
	ck_assert_int_eq(sshd_match_pattern_list("alice", "!bob"), 0);
	ck_assert_int_eq(sshd_match_pattern_list("alice", "!bob,a*"), 1);
	ck_assert_int_eq(sshd_match_pattern_list("alice", ""), 0);
	ck_assert_int_eq(sshd_match_pattern_list("", ","), 1);
	ck_assert_int_eq(sshd_match_pattern_list("alice", "bob,"), 0);
	ck_assert_int_eq(sshd_match_pattern_list("alice", " alice"), 0);
}
END_TEST

/* A '*' in the pattern is a wildcard even where the name has a '*' too
 * (found by tests/fuzz/fuzz_sshd_config.c: "**" did not match "*"). */
START_TEST(test_pattern_list_star_in_name)
{
	ck_assert_int_eq(sshd_match_pattern_list("**", "*"), 1);
	ck_assert_int_eq(sshd_match_pattern_list("*a", "*"), 1);
	ck_assert_int_eq(sshd_match_pattern_list("*ab", "*b"), 1);
	ck_assert_int_eq(sshd_match_pattern_list("x*ab", "x*b"), 1);
	ck_assert_int_eq(sshd_match_pattern_list("a*b", "a*"), 1);
	ck_assert_int_eq(sshd_match_pattern_list("?*", "*?"), 1);
	ck_assert_int_eq(sshd_match_pattern_list("*a", "*b"), 0);
}
END_TEST

START_TEST(test_pattern_list_too_long)
{
	char *pat = xmalloc(1100);

	memset(pat, '*', 1099);
	pat[1099] = '\0';
	/* sshd gives up on a subpattern of 1023 bytes or more */
	ck_assert_int_eq(sshd_match_pattern_list("alice", pat), 0);
	pat[1022] = '\0';
	ck_assert_int_eq(sshd_match_pattern_list("alice", pat), 1);
	free(pat);
}
END_TEST

/* The 0.1.0 global block as 0.1.0 wrote it for root (--mode either). */
#define OLD_ROOT_BLOCK SSHD_OLD_BLOCK_BEGIN "\nPasswordAuthentication yes\n" \
	"PubkeyAuthentication yes\nAuthenticationMethods any\nPermitRootLogin yes\n" \
	SSHD_OLD_BLOCK_END "\n"

/* The begin and end lines of a user's block, newline included. */
#define BEGIN_OF(u) SSHD_BLOCK_BEGIN_PREFIX u ": 'podpass disable -u " u "' removes it\n"
#define END_OF(u) SSHD_BLOCK_END_PREFIX u "\n"

/* The block for the given settings. */
static char *block_for(const char *user, int root, int both)
{
	struct sshd_block_settings s = { user, root, both };

	return sshd_config_block_text(&s);
}

START_TEST(test_block_text)
{
	char *b;

	b = block_for("alice", 0, 0);
	ck_assert_str_eq(b, BEGIN_OF("alice") "Match User alice\n"
	    "    PasswordAuthentication yes\n    PubkeyAuthentication yes\n"
	    "    AuthenticationMethods password publickey\n" END_OF("alice"));
	free(b);
	b = block_for("root", 1, 1);
	ck_assert_str_eq(b, BEGIN_OF("root") "Match User root\n"
	    "    PasswordAuthentication yes\n    PubkeyAuthentication yes\n"
	    "    AuthenticationMethods publickey,password\n    PermitRootLogin yes\n"
	    END_OF("root"));
	free(b);
}
END_TEST

START_TEST(test_block_parses_as_intended)
{
	struct test_mem_fs fs = { 0 };
	struct sshd_config cfg;
	char *b = block_for("root", 1, 1);

	parse_ok(&fs, b, &cfg);
	ck_assert_uint_eq(cfg.n, 5);
	CHECK_DIR(&cfg.directives[0], MAIN, 2, "match", -1, "User", "root", NULL);
	CHECK_DIR(&cfg.directives[1], MAIN, 3, "passwordauthentication", 0, "yes", NULL);
	CHECK_DIR(&cfg.directives[2], MAIN, 4, "pubkeyauthentication", 0, "yes", NULL);
	CHECK_DIR(&cfg.directives[3], MAIN, 5, "authenticationmethods", 0,
	    "publickey,password", NULL);
	CHECK_DIR(&cfg.directives[4], MAIN, 6, "permitrootlogin", 0, "yes", NULL);
	ck_assert_int_eq(sshd_config_match_may_apply(&cfg.directives[0], "root", NULL, 0), 1);
	ck_assert_int_eq(sshd_config_match_may_apply(&cfg.directives[0], "rootx", NULL, 0), 0);
	sshd_config_free(&cfg);
	free(b);
}
END_TEST

/* The files blocks must go into and come out of byte for byte. */
static const struct {
	const char *text;
	size_t len;
} plain_files[] = {
#define F(s) { s, sizeof(s) - 1 }
	F(""),
	F("\n"),
	F("Port 22"),
	F("Port 22\n"),
	F("Port 22\r\nPasswordAuthentication no\r\n"),
	F("Port 22\r\nPasswordAuthentication no"),
	F("Port 22\r"),
	F("# comment first\n#PasswordAuthentication yes\nUsePAM yes\n"),
	F("Include /etc/ssh/sshd_config.d/*.conf\nKbdInteractiveAuthentication no\n"),
	F("Match User x\n\tPasswordAuthentication no\n"),
	F("Match Address 10.0.0.0/8\n\tPasswordAuthentication no"),
	F("\n\n  \t\n"),
	F("# END podpass block for alice but not the marker\n"),
	F("# END podpass block for a*\n# BEGIN podpass block for a b: 'podpass disable -u a b' removes it\n"),
	F(" " SSHD_OLD_BLOCK_BEGIN "\n"),
	F("#" SSHD_BLOCK_BEGIN_PREFIX "alice: 'podpass disable -u alice' removes it\n"),
	F(SSHD_BLOCK_BEGIN_PREFIX "alice: 'podpass disable -u bob' removes it\n"),
	F("Banner /x\0after a NUL\n"),
#undef F
};

/* Apply s to text and return the result (*outlen bytes); *ed what it did. */
static char *apply_ed(const char *text, size_t len, const struct sshd_block_settings *s,
    size_t *outlen, struct sshd_block_edit *ed)
{
	char *out = NULL, *cause = NULL;

	ck_assert_int_eq(sshd_config_apply_block(text, len, s, &out, outlen, ed, &cause), 0);
	ck_assert_ptr_null(cause);
	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(out[*outlen], '\0');
	return out;
}

/* Apply the block for user to text; returns the result (*outlen bytes). */
static char *apply_ok(const char *text, size_t len, const char *user, int both,
    size_t *outlen)
{
	struct sshd_block_settings s = { user, strcmp(user, "root") == 0, both };
	struct sshd_block_edit ed;

	return apply_ed(text, len, &s, outlen, &ed);
}

/* Remove user's blocks from text, checking how many; returns the result. */
static char *remove_ok(const char *text, size_t len, const char *user, int want_found,
    size_t *outlen)
{
	struct sshd_block_edit ed;
	char *out = NULL, *cause = NULL;

	ck_assert_int_eq(sshd_config_remove_block(text, len, user, &out, outlen, &ed,
	    &cause), 0);
	ck_assert_ptr_null(cause);
	ck_assert_int_eq(ed.removed, want_found);
	ck_assert_int_eq(out[*outlen], '\0');
	return out;
}

/* Removing user's blocks from text must give want (wlen bytes). */
static void check_removed(const char *text, size_t len, const char *user, int want_found,
    const char *want, size_t wlen)
{
	size_t olen;
	char *out = remove_ok(text, len, user, want_found, &olen);

	ck_assert_uint_eq(olen, wlen);
	ck_assert_int_eq(memcmp(out, want, wlen), 0);
	free(out);
}

/* out must be text followed by block: after a newline when text lacks one,
 * block's own final newline left out then. */
static void check_appended(const char *out, size_t olen, const char *text, size_t len,
    const char *block)
{
	size_t blen = strlen(block);
	int nl = len > 0 && text[len - 1] != '\n';

	ck_assert_uint_eq(olen, len + blen);
	ck_assert_int_eq(memcmp(out, text, len), 0);
	if (nl) {
		ck_assert_int_eq(out[len], '\n');
		ck_assert_int_eq(memcmp(out + len + 1, block, blen - 1), 0);
	} else
		ck_assert_int_eq(memcmp(out + len, block, blen), 0);
}

START_TEST(test_block_roundtrip)
{
	const char *text = plain_files[_i].text;
	size_t len = plain_files[_i].len, l1, l2;
	const char *user = _i % 2 ? "root" : "alice";
	char *block = block_for(user, _i % 2, _i % 3 == 0), *once, *twice;

	once = apply_ok(text, len, user, _i % 3 == 0, &l1);
	check_appended(once, l1, text, len, block);
	twice = apply_ok(once, l1, user, _i % 3 == 0, &l2);
	ck_assert_uint_eq(l2, l1);
	ck_assert_int_eq(memcmp(twice, once, l1), 0);
	check_removed(once, l1, user, 1, text, len);
	check_removed(text, len, user, 0, text, len);
	free(twice);
	free(once);
	free(block);
}
END_TEST

/* Two users in turn, with and without a final newline, and CRLF: each
 * removal in either order gives back the earlier bytes. */
START_TEST(test_block_two_users)
{
	static const char *const texts[] = { "Port 22\n", "Port 22", "Port 22\r\nUsePAM yes\r\n",
	    "Port 22\r\nUsePAM yes" };
	const char *text = texts[_i];
	size_t len = strlen(text), l1, l2, l3;
	char *root = block_for("root", 1, 0), *alice = block_for("alice", 0, 1);
	char *r, *ra, *back;

	r = apply_ok(text, len, "root", 0, &l1);
	ra = apply_ok(r, l1, "alice", 1, &l2);
	check_appended(ra, l2, r, l1, alice);
	ck_assert_ptr_nonnull(strstr(ra, root + strlen(BEGIN_OF("root"))));
	/* alice out: root's as it was */
	check_removed(ra, l2, "alice", 1, r, l1);
	/* root out first, then alice: the original */
	back = remove_ok(ra, l2, "root", 1, &l3);
	ck_assert_ptr_null(strstr(back, "PermitRootLogin"));
	ck_assert_ptr_nonnull(strstr(back, "Match User alice\n"));
	check_removed(back, l3, "alice", 1, text, len);
	free(back);
	/* bob has none: nothing changes */
	check_removed(ra, l2, "bob", 0, ra, l2);
	free(ra);
	free(r);
	free(root);
	free(alice);
}
END_TEST

START_TEST(test_block_replace)
{
	char *both = block_for("root", 1, 1), *either = block_for("root", 1, 0);
	char *r, *ra, *again, *back;
	size_t l1, l2, l3, l4;
	const char *text = "Port 22\nUsePAM yes";

	/* root's block, then alice's, then root's again in another mode: in place */
	r = apply_ok(text, strlen(text), "root", 1, &l1);
	ra = apply_ok(r, l1, "alice", 0, &l2);
	again = apply_ok(ra, l2, "root", 0, &l3);
	ck_assert_uint_eq(l3, l2 - strlen(both) + strlen(either));
	ck_assert_int_eq(memcmp(again, "Port 22\nUsePAM yes\n", 19), 0);
	ck_assert_int_eq(memcmp(again + 19, either, strlen(either)), 0);
	ck_assert_ptr_null(strstr(again, "publickey,password"));
	back = remove_ok(again, l3, "alice", 1, &l4);
	free(r);
	r = apply_ok(text, strlen(text), "root", 0, &l1);
	ck_assert_uint_eq(l4, l1);
	ck_assert_int_eq(memcmp(back, r, l1), 0);
	free(back);
	free(again);
	free(ra);
	free(r);
	free(both);
	free(either);
}
END_TEST

START_TEST(test_block_crlf_edited)
{
	char *text, *out;
	size_t len, olen, start = 99, end = 99;
	const char *head = "Port 22\r\n", *tail = "UsePAM yes\r\n";

	/* alice's block further up, turned into CRLF by some editor */
	text = xasprintf("%s" SSHD_BLOCK_BEGIN_PREFIX "alice: 'podpass disable -u alice' "
	    "removes it\r\nMatch User alice\r\n PasswordAuthentication yes\r\n"
	    SSHD_BLOCK_END_PREFIX "alice\r\n%s", head, tail);
	len = strlen(text);
	ck_assert_int_eq(sshd_config_find_block(text, len, "alice", &start, &end, NULL), 1);
	ck_assert_uint_eq(start, strlen(head));
	ck_assert_uint_eq(end, len - strlen(tail));
	ck_assert_int_eq(sshd_config_find_block(text, len, "root", &start, &end, NULL), 0);
	out = remove_ok(text, len, "alice", 1, &olen);
	ck_assert_str_eq(out, "Port 22\r\nUsePAM yes\r\n");
	free(out);
	free(text);
}
END_TEST

START_TEST(test_block_duplicates)
{
	char *out, *text, *alice = block_for("alice", 0, 0);
	size_t olen;

	/* two blocks for alice, the last one ending the file without a newline:
	 * the first is replaced, the second goes */
	text = xasprintf("A\n" BEGIN_OF("alice") "x\n" END_OF("alice") "B\n"
	    BEGIN_OF("alice") SSHD_BLOCK_END_PREFIX "alice");
	out = apply_ok(text, strlen(text), "alice", 0, &olen);
	ck_assert_str_eq(out + 2 + strlen(alice), "B");
	free(out);
	out = remove_ok(text, strlen(text), "alice", 2, &olen);
	ck_assert_str_eq(out, "A\nB");
	free(out);
	free(text);
	free(alice);
}
END_TEST

START_TEST(test_old_block_converted)
{
	static const char stock[] = "Include /etc/ssh/sshd_config.d/*.conf\nUsePAM yes\n";
	struct sshd_block_settings alice = { "alice", 0, 0 }, root = { "root", 1, 0 };
	struct sshd_block_edit ed;
	char *text = xasprintf(OLD_ROOT_BLOCK "%s", stock), *out, *want, *back, *rb, *ab;
	size_t olen, blen;

	/* enable -u alice: root's block in the old one's place, then alice's */
	rb = block_for("root", 1, 0);
	ab = block_for("alice", 0, 0);
	out = apply_ed(text, strlen(text), &alice, &olen, &ed);
	want = xasprintf("%s%s%s", stock, rb, ab);
	ck_assert_str_eq(out, want);
	ck_assert_int_eq(ed.old_removed, 1);
	ck_assert_int_eq(ed.root_kept, 1);
	ck_assert_int_eq(ed.removed, 0);
	free(out);
	free(want);
	/* enable for root: its own new block only */
	out = apply_ed(text, strlen(text), &root, &olen, &ed);
	want = xasprintf("%s%s", stock, rb);
	ck_assert_str_eq(out, want);
	ck_assert_int_eq(ed.root_kept, 0);
	free(out);
	free(want);
	/* disable -u alice keeps root's access; disable -u root does not */
	back = remove_ok(text, strlen(text), "alice", 0, &blen);
	want = xasprintf("%s%s", stock, rb);
	ck_assert_str_eq(back, want);
	free(back);
	free(want);
	back = remove_ok(text, strlen(text), "root", 0, &blen);
	ck_assert_str_eq(back, stock);
	free(back);
	free(text);
	/* an old block written for a user (no PermitRootLogin): just removed */
	text = xasprintf(SSHD_OLD_BLOCK_BEGIN "\nPasswordAuthentication yes\n"
	    "AuthenticationMethods publickey,password\n" SSHD_OLD_BLOCK_END "\n%s", stock);
	back = remove_ok(text, strlen(text), "alice", 0, &blen);
	ck_assert_str_eq(back, stock);
	free(back);
	free(text);
	/* for root with --mode both: root's block keeps the mode */
	text = xasprintf(SSHD_OLD_BLOCK_BEGIN "\nPasswordAuthentication yes\n"
	    "AuthenticationMethods publickey,password\nPermitRootLogin yes\n"
	    SSHD_OLD_BLOCK_END "\n%s", stock);
	back = remove_ok(text, strlen(text), "alice", 0, &blen);
	free(rb);
	rb = block_for("root", 1, 1);
	want = xasprintf("%s%s", stock, rb);
	ck_assert_str_eq(back, want);
	free(want);
	free(back);
	free(text);
	free(rb);
	free(ab);
}
END_TEST

START_TEST(test_find_block_none)
{
	size_t start = 7, end = 7;
	const char *text = "# " SSHD_OLD_BLOCK_BEGIN "\n" SSHD_OLD_BLOCK_BEGIN " x\n"
	    "\t" SSHD_OLD_BLOCK_END "\n" "x" BEGIN_OF("alice");

	ck_assert_int_eq(sshd_config_find_block("", 0, "root", &start, &end, NULL), 0);
	ck_assert_int_eq(sshd_config_find_block(text, strlen(text), NULL, &start, &end,
	    NULL), 0);
	ck_assert_int_eq(sshd_config_find_block(text, strlen(text), "alice", &start, &end,
	    NULL), 0);
	ck_assert_uint_eq(start, 7);
	ck_assert_uint_eq(end, 7);
}
END_TEST

/* Markers out of order: find, apply and remove all refuse with want. */
static void check_unbalanced(const char *text, const char *want)
{
	struct sshd_block_settings s = { "alice", 0, 0 };
	struct sshd_block_edit ed;
	char *cause = NULL, *out = NULL;
	size_t start, end, olen;

	ck_assert_int_eq(sshd_config_find_block(text, strlen(text), "alice", &start, &end,
	    &cause), -1);
	ck_assert_str_eq(cause, want);
	free(cause);
	cause = NULL;
	ck_assert_int_eq(sshd_config_apply_block(text, strlen(text), &s, &out, &olen, &ed,
	    &cause), EX_CONFIG);
	ck_assert_str_eq(cause, want);
	ck_assert_ptr_null(out);
	free(cause);
	cause = NULL;
	ck_assert_int_eq(sshd_config_remove_block(text, strlen(text), "alice", &out, &olen,
	    &ed, &cause), EX_CONFIG);
	ck_assert_str_eq(cause, want);
	ck_assert_ptr_null(out);
	free(cause);
}

START_TEST(test_find_block_errors)
{
	check_unbalanced("Port 22\n" SSHD_OLD_BLOCK_BEGIN "\nPasswordAuthentication yes\n",
	    "line 2: begin marker without end marker");
	check_unbalanced("Port 22\n\n" SSHD_OLD_BLOCK_END "\r\n",
	    "line 3: end marker without begin marker");
	check_unbalanced(BEGIN_OF("bob") END_OF("bob") END_OF("bob"),
	    "line 3: end marker without begin marker");
	check_unbalanced(BEGIN_OF("bob") "X\n" BEGIN_OF("alice") END_OF("alice"),
	    "line 3: begin marker inside the managed block begun at line 1");
	check_unbalanced(BEGIN_OF("bob") "X\n" END_OF("alice"),
	    "line 3: end marker of alice inside the block of bob begun at line 1");
	check_unbalanced(SSHD_OLD_BLOCK_BEGIN "\n" END_OF("alice"),
	    "line 2: end marker of alice inside the block of (0.1.0, every user) "
	    "begun at line 1");
}
END_TEST

START_TEST(test_user_names_refused)
{
	static const char *const bad[] = {
		"", "ali*", "a?", "!alice", "alice,bob", "al ice", "al\tice", "al\"ice",
		"al'ice", "al\\ice", "a=b", "a#b", "a\x7f", "a\nb",
	};
	struct sshd_block_settings s = { NULL, 0, 0 };
	struct sshd_block_edit ed;
	char *cause = NULL, *out = NULL;
	size_t i, olen;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		s.user = bad[i];
		ck_assert_int_eq(sshd_config_user_check(bad[i], &cause), EX_DATAERR);
		ck_assert_ptr_nonnull(cause);
		free(cause);
		cause = NULL;
		ck_assert_int_eq(sshd_config_apply_block("Port 22\n", 8, &s, &out, &olen,
		    &ed, &cause), EX_DATAERR);
		ck_assert_ptr_null(out);
		free(cause);
		cause = NULL;
		ck_assert_int_eq(sshd_config_remove_block("Port 22\n", 8, bad[i], &out,
		    &olen, &ed, &cause), EX_DATAERR);
		ck_assert_ptr_null(out);
		free(cause);
		cause = NULL;
	}
	ck_assert_int_eq(sshd_config_user_check("a*", &cause), EX_DATAERR);
	ck_assert_ptr_nonnull(strstr(cause, "'*'"));
	free(cause);
	ck_assert_int_eq(sshd_config_user_check("user.name-1_x@corp$", NULL), 0);
}
END_TEST

START_TEST(test_block_golden_debian)
{
	struct test_mem_file tree[] = {
		{ "/etc/ssh/sshd_config.d/50-cloud-init.conf", "PasswordAuthentication no\n" },
	};
	struct test_mem_fs fs = { tree, 1, { NULL, 0, 0 }, NULL };
	struct sshd_config cfg;
	const struct sshd_directive *d;
	char *orig, *want, *got;
	size_t olen, wlen, glen, iter = 0;

	orig = test_read(FIXTURES "/debian_sshd_config", &olen);
	want = test_read(FIXTURES "/debian_sshd_config.enabled", &wlen);
	got = apply_ok(orig, olen, "root", 0, &glen);
	ck_assert_uint_eq(glen, wlen);
	ck_assert_int_eq(memcmp(got, want, wlen), 0);
	/* the drop-in's global value stays first; the block's is in a Match for root */
	parse_ok(&fs, got, &cfg);
	CHECK_DIR(sshd_config_first_global(&cfg, "passwordauthentication"),
	    "/etc/ssh/sshd_config.d/50-cloud-init.conf", 1, "passwordauthentication", -1,
	    "no", NULL);
	d = sshd_config_next_in_match(&cfg, "passwordauthentication", &iter);
	ck_assert_ptr_nonnull(d);
	ck_assert_str_eq(d->args[0], "yes");
	ck_assert_str_eq(cfg.directives[d->match].args[1], "root");
	ck_assert_ptr_null(sshd_config_first_global(&cfg, "permitrootlogin"));
	sshd_config_free(&cfg);
	check_removed(want, wlen, "root", 1, orig, olen);
	free(got);
	free(want);
	free(orig);
	buf_free(&fs.asked);
}
END_TEST

/* A slice of "sshd -T" output. */
static const char dump[] =
	"port 22\n"
	"addressfamily any\n"
	"listenaddress [::]:22\n"
	"listenaddress 0.0.0.0:22\n"
	"passwordauthentication no\n"
	"permitrootlogin without-password\n"
	"authenticationmethods any\n"
	"banner none\n"
	"allowusers alice\n"
	"allowusers bob@10.0.0.*\n"
	"subsystem sftp /usr/lib/openssh/sftp-server -l INFO\n"
	"passwordauthenticationx yes\n"
	"forcecommand\n"
	"usepam yes";

START_TEST(test_dump_get)
{
	char *v;

	v = sshd_dump_get(dump, "passwordauthentication");
	ck_assert_str_eq(v, "no");
	free(v);
	v = sshd_dump_get(dump, "subsystem");
	ck_assert_str_eq(v, "sftp /usr/lib/openssh/sftp-server -l INFO");
	free(v);
	v = sshd_dump_get(dump, "listenaddress");
	ck_assert_str_eq(v, "[::]:22");
	free(v);
	v = sshd_dump_get(dump, "usepam");
	ck_assert_str_eq(v, "yes");
	free(v);
	v = sshd_dump_get(dump, "forcecommand");
	ck_assert_str_eq(v, "");
	free(v);
	v = sshd_dump_get("port 2222\r\n", "port");
	ck_assert_str_eq(v, "2222");
	free(v);
	ck_assert_ptr_null(sshd_dump_get(dump, "pubkeyauthentication"));
	ck_assert_ptr_null(sshd_dump_get(dump, "password"));
	ck_assert_ptr_null(sshd_dump_get(dump, "any"));
	ck_assert_ptr_null(sshd_dump_get("", "port"));
}
END_TEST

START_TEST(test_dump_get_all)
{
	char **v;
	size_t n = 99;

	v = sshd_dump_get_all(dump, "allowusers", &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(v[0], "alice");
	ck_assert_str_eq(v[1], "bob@10.0.0.*");
	strv_free(v, n);
	v = sshd_dump_get_all(dump, "listenaddress", &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(v[1], "0.0.0.0:22");
	strv_free(v, n);
	v = sshd_dump_get_all(dump, "passwordauthentication", &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(v[0], "no");
	strv_free(v, n);
	n = 99;
	v = sshd_dump_get_all(dump, "denyusers", &n);
	ck_assert_ptr_null(v);
	ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(test_free_empty)
{
	struct sshd_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	sshd_config_free(&cfg);
	sshd_config_free(NULL);
	sshd_sources_free(NULL, 0);
	ck_assert_ptr_null(cfg.directives);
	ck_assert_uint_eq(cfg.n, 0);
}
END_TEST

Suite *sshd_config_suite(void)
{
	Suite *s = suite_create("sshd_config");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_add_test(tc, test_parse_keyword_forms);
	tcase_add_test(tc, test_parse_only_one_equals);
	tcase_add_test(tc, test_parse_quotes);
	tcase_add_test(tc, test_parse_unterminated_quote);
	tcase_add_test(tc, test_parse_comments);
	tcase_add_test(tc, test_parse_line_endings);
	tcase_add_test(tc, test_parse_match_sections);
	tcase_add_test(tc, test_free_empty);
	suite_add_tcase(s, tc);

	tc = tcase_create("include");
	tcase_add_test(tc, test_parse_match_ends_with_file);
	tcase_add_test(tc, test_parse_include_in_match);
	tcase_add_test(tc, test_parse_include_glob_sorted);
	tcase_add_test(tc, test_parse_include_args);
	tcase_add_test(tc, test_parse_include_errors);
	tcase_add_test(tc, test_parse_include_no_loader);
	tcase_add_test(tc, test_parse_include_depth);
	suite_add_tcase(s, tc);

	tc = tcase_create("lookup");
	tcase_add_test(tc, test_first_global_debian_cloud_init);
	tcase_add_test(tc, test_first_global_skips_match);
	tcase_add_test(tc, test_next_in_match);
	tcase_add_test(tc, test_match_may_apply_user);
	tcase_add_test(tc, test_match_may_apply_group);
	tcase_add_test(tc, test_match_may_apply_other);
	tcase_add_test(tc, test_match_may_apply_not_match);
	tcase_add_test(tc, test_pattern_list);
	tcase_add_test(tc, test_pattern_list_star_in_name);
	tcase_add_test(tc, test_pattern_list_too_long);
	suite_add_tcase(s, tc);

	tc = tcase_create("block");
	tcase_add_test(tc, test_block_text);
	tcase_add_test(tc, test_block_parses_as_intended);
	tcase_add_loop_test(tc, test_block_roundtrip, 0,
	    (int)(sizeof(plain_files) / sizeof(plain_files[0])));
	tcase_add_loop_test(tc, test_block_two_users, 0, 4);
	tcase_add_test(tc, test_block_replace);
	tcase_add_test(tc, test_block_crlf_edited);
	tcase_add_test(tc, test_block_duplicates);
	tcase_add_test(tc, test_old_block_converted);
	tcase_add_test(tc, test_find_block_none);
	tcase_add_test(tc, test_find_block_errors);
	tcase_add_test(tc, test_user_names_refused);
	tcase_add_test(tc, test_block_golden_debian);
	suite_add_tcase(s, tc);

	tc = tcase_create("dump");
	tcase_add_test(tc, test_dump_get);
	tcase_add_test(tc, test_dump_get_all);
	suite_add_tcase(s, tc);
	return s;
}
