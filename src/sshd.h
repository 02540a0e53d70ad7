/* Everything podpass does with sshd and ssh-keygen as processes: validate a
 * config, read effective settings, create what sshd needs to run, find the
 * running listener, reload or start it, and wait until it answers.
 *
 * Must never: give a child the password or any of podpass's environment,
 * signal a process that is not the sshd listener, or call sshd ready
 * before its listener answers with an SSH banner. */
#ifndef PODPASS_SSHD_H
#define PODPASS_SSHD_H

#include <stddef.h>
#include <sys/types.h>

#include "sshd_config.h"

struct sshd_ctx {
	const char *root;	/* "/" or a directory that children are chrooted into */
	const char *sshd_path;	/* the sshd binary, inside root */
	const char *config_path;	/* the main sshd_config, inside root */
};

#define SSHD_LISTEN_MAX 8

/* Where the listener is: from sshd -T output. */
struct sshd_listen {
	char addr[SSHD_LISTEN_MAX][64];	/* numeric addresses to connect to (wildcards become loopback) */
	size_t naddr;
	int port;		/* the first listen address's port */
};

/* The environment every child gets: a fixed PATH and nothing else. */
extern char *const sshd_child_env[];

/* Run argv (argv[0] absolute, inside root) with sshd_child_env, chrooted
 * into root when it is not "/". Captures standard output into *out and
 * standard error into *err (either may be NULL to discard). *status is the
 * exit status, or 128 + signal. Returns 0 when the child ran, else EX_OSERR. */
int sshd_run(const char *root, char *const argv[], char **out, char **err,
    int *status, char **cause);

/* A child started by sshd_effective_start: its pid and the read ends of the
 * pipes on its standard output and error. */
struct sshd_child {
	pid_t pid;
	int outfd, errfd;
};

/* 0 when the sshd binary is there and executable, else EX_UNAVAILABLE. */
int sshd_check_installed(const struct sshd_ctx *ctx, char **cause);

/* "sshd -T -f config [-h hostkey] [extra...] -C spec": validates config
 * (exactly as sshd -t does) and gives the effective settings for the
 * connection spec. hostkey is a path inside root, or NULL to use the
 * configured host keys; extra are more options (such as a running
 * listener's -o KEY=VALUE), nextra of them.
 * Returns 0 with malloc'd *dump, or EX_CONFIG with sshd's own message. */
int sshd_effective(const struct sshd_ctx *ctx, const char *config, const char *hostkey,
    char *const *extra, size_t nextra, const char *spec, char **dump, char **cause);

/* sshd_effective in two halves (sshd_run_start, sshd_run_finish): start the
 * run, then take its result as sshd_effective returns it. */
int sshd_effective_start(const struct sshd_ctx *ctx, const char *config,
    const char *hostkey, char *const *extra, size_t nextra, const char *spec,
    struct sshd_child *ch, char **cause);
int sshd_effective_finish(struct sshd_child *ch, char **dump, char **cause);

/* How many of the configured host keys (paths inside root) exist. */
size_t sshd_count_host_keys(const struct sshd_ctx *ctx, char *const *paths, size_t n);

/* Create the missing default host keys ("ssh-keygen -A", in root). */
int sshd_make_host_keys(const struct sshd_ctx *ctx, char **cause);

/* Create a throwaway ed25519 host key in the directory workdir (a real
 * path) for validating a config where no host keys may be made. */
int sshd_make_throwaway_key(const char *workdir, char **keypath, char **cause);

/* Make sure the privilege separation directory (/run/sshd in root) exists;
 * *created is set to 1 when it had to be made. */
int sshd_make_rundir(const struct sshd_ctx *ctx, int *created, char **cause);
/* Remove the privilege separation directory made by sshd_make_rundir. */
void sshd_remove_rundir(const struct sshd_ctx *ctx);

/* Parse "listenaddress"/"port" from sshd -T output. */
int sshd_listen_from_dump(const char *dump, struct sshd_listen *l, char **cause);

/* A running sshd listener. */
struct sshd_listener {
	pid_t pid;		/* 0 when none runs */
	char **extra;		/* "-o"/"-p" options from its command line, in pairs */
	size_t nextra;
};

/* The running sshd listener for this config: the process named in pidfile
 * (inside root) or else found in /proc, that holds a listening socket on
 * port, runs as root (real and effective uid) and runs ctx->sshd_path (the
 * same device and inode). l->pid is 0 when none runs. EX_UNAVAILABLE with
 * *cause (naming its pid, user and process name) when any other process
 * holds a listening socket on port: podpass never signals it. EX_CONFIG with
 * *cause when the running sshd reads another config file than
 * ctx->config_path (its -f argument, or without one sshd's default,
 * /etc/ssh/sshd_config). */
int sshd_find_listener(const struct sshd_ctx *ctx, const char *pidfile, int port,
    struct sshd_listener *l, char **cause);
void sshd_listener_free(struct sshd_listener *l);

/* The inodes of the listening TCP sockets on port in pid's network
 * namespace (IPv4 and IPv6). Returns how many were found, at most max. */
size_t sshd_listen_inodes(pid_t pid, int port, unsigned long *inodes, size_t max);

/* Read one reply of the kernel's socket diagnostics (NETLINK_SOCK_DIAG, len
 * bytes of netlink messages in buf) to a dump of listening TCP sockets: add the
 * inodes of the ones on port to inodes (*n so far, at most max), and set
 * *interrupted when a message carries NLM_F_DUMP_INTR (the dump is not
 * consistent). Returns 0 when more is to come, 1 at the end of the dump
 * (NLMSG_DONE), -1 when the kernel reports an error (NLMSG_ERROR, or a
 * NLMSG_DONE that carries a negative error). sshd_listen_inodes's reader. */
int sshd_diag_parse(const void *buf, size_t len, int port, unsigned long *inodes,
    size_t *n, size_t max, int *interrupted);

/* The pid written in pidfile (inside ctx's root), or 0. */
pid_t sshd_pidfile_pid(const struct sshd_ctx *ctx, const char *pidfile);

/* Wait until pid, an sshd listener that may be restarting itself after a
 * SIGHUP, listens on port again. 0 then; -1 when it is gone, is no longer
 * podpass's sshd (root, ctx's binary: its pid taken by another process), or
 * the time is up. */
int sshd_wait_listener(const struct sshd_ctx *ctx, pid_t pid, int port, int timeout_ms);

/* Send SIGHUP to the listener and wait until it listens again on new
 * sockets and answers (sshd_probe): with a key exchange, or with a drop
 * message until a probe of the new listener connects and gets no key
 * exchange. After such a probe the next ones wait longer each time (10 ms,
 * doubling up to 250 ms). EX_UNAVAILABLE with *cause saying what came
 * instead when pid exits or timeout_ms passes. */
int sshd_reload(pid_t pid, const struct sshd_listen *l, int timeout_ms, char **cause);

/* Start sshd: systemd's unit when systemd runs, else the binary itself
 * (with -f when the config is not the default), then wait for the banner
 * and for a listener process recorded in pidfile. */
int sshd_start(const struct sshd_ctx *ctx, const char *pidfile, const struct sshd_listen *l,
    int timeout_ms, char **cause);

/* Stop the listener (SIGTERM) and wait until it is gone; open sessions,
 * which run in their own processes, stay. Pid 1 is never stopped. */
int sshd_stop(pid_t pid, int timeout_ms, char **cause);

/* How a listen address answered a probe connection, from least to most telling. */
enum sshd_probe_result {
	SSHD_PROBE_NO_CONNECT,	/* the connection was refused or timed out */
	SSHD_PROBE_STALLED,	/* connected, but no key exchange came in the time,
				 * and the connection was still open: slow, maybe
				 * busy, not known to be dead */
	SSHD_PROBE_DROPPED,	/* sshd's drop message ("Not allowed at this time",
				 * "Exceeded MaxStartups"): busy, or refusing the
				 * address for a while */
	SSHD_PROBE_NO_KEX,	/* connected, but the connection ended or said
				 * something else before a key exchange: a session
				 * process that died serves no login */
	SSHD_PROBE_KEX,		/* "SSH-2.0-" banner, then sshd's first key exchange
				 * packet: sshd serves logins */
};

/* Probe the listen addresses in turn, each within timeout_ms, until one
 * answers SSHD_PROBE_KEX; returns the most telling answer. *drop (when drop is
 * not NULL) is then the drop message an address sent, or NULL. */
enum sshd_probe_result sshd_probe(const struct sshd_listen *l, int timeout_ms,
    const char **drop);

#endif

/* An sshd_config_loader (sshd_config.h) that reads Include files from disk
 * under the root given as ctx (a const char *). */
int sshd_files_loader(void *ctx, const char *pattern, struct sshd_source **files,
    size_t *n, char **cause);
