/* Everything podpass does with sshd and ssh-keygen as programs: validate a
 * config and read its effective settings (sshd -T), create host keys and the
 * privilege separation directory, parse the listen addresses, and start,
 * reload or stop the listener and wait until it answers. Which process is the
 * listener: listener.h; which sockets listen: sockets.h; whether sshd
 * answers: probe.h; running a child: proc.h.
 *
 * Must never: signal a process that is not the sshd listener, or call sshd
 * ready before its listener answers with a key exchange. */
#ifndef PODPASS_SSHD_H
#define PODPASS_SSHD_H

#include <stddef.h>
#include <sys/types.h>

#include "proc.h"
#include "sshd_ctx.h"

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

/* sshd_effective in two halves (proc_run_start, proc_run_finish): start the
 * run, then take its result as sshd_effective returns it. */
int sshd_effective_start(const struct sshd_ctx *ctx, const char *config,
    const char *hostkey, char *const *extra, size_t nextra, const char *spec,
    struct proc_child *ch, char **cause);
int sshd_effective_finish(struct proc_child *ch, char **dump, char **cause);

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

/* Wait until pid, an sshd listener that may be restarting itself after a
 * SIGHUP, listens on port again. 0 then; -1 when it is gone, is no longer
 * podpass's sshd (root, ctx's binary: its pid taken by another process), or
 * the time is up. */
int sshd_wait_listener(const struct sshd_ctx *ctx, pid_t pid, int port, int timeout_ms);

/* Wait until the listener catches SIGHUP (a restarting sshd ignores it until
 * it listens again), send it SIGHUP and wait until it listens again on new
 * sockets and answers (sshd_probe): with a key exchange, or with a drop
 * message until a probe of the new listener connects and gets no key
 * exchange. After such a probe the next ones wait longer each time (10 ms,
 * doubling up to 250 ms). EX_UNAVAILABLE with *cause saying what came
 * instead when pid exits or timeout_ms passes, also before the signal when
 * pid never catches SIGHUP: then it is not signalled. The listener is
 * followed, not the pid: one that comes back under a new pid (written to
 * pidfile, inside ctx's root; NULL: found by the port's listening sockets)
 * and runs ctx's sshd is waited for instead, and *pid set to it. */
int sshd_reload(const struct sshd_ctx *ctx, const char *pidfile, pid_t *pid,
    const struct sshd_listen *l, int timeout_ms, char **cause);

/* Start sshd: systemd's unit when systemd runs, else the binary itself
 * (with -f when the config is not the default), then wait for the banner
 * and for a listener process recorded in pidfile. */
int sshd_start(const struct sshd_ctx *ctx, const char *pidfile, const struct sshd_listen *l,
    int timeout_ms, char **cause);

/* Stop the listener (SIGTERM) and wait until it is gone; open sessions,
 * which run in their own processes, stay. Pid 1 is never stopped. */
int sshd_stop(pid_t pid, int timeout_ms, char **cause);

#endif
