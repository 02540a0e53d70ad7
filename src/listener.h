/* Which process is the sshd listener, from /proc: the pid in sshd's PidFile or
 * found by the listening sockets it holds, checked to be podpass's sshd (an
 * sshd listener, running as root, running ctx's binary), and the -f, -o and -p
 * options on its command line.
 *
 * Must never: take for podpass's sshd a process that is not an sshd listener,
 * does not run as root or runs another binary than ctx's (podpass signals
 * what these checks accept), or let a listener that reads another config pass
 * unnoticed. */
#ifndef PODPASS_LISTENER_H
#define PODPASS_LISTENER_H

#include <stddef.h>
#include <sys/types.h>

#include "sshd_ctx.h"

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

/* The pid written in pidfile (inside ctx's root), or 0. */
pid_t sshd_pidfile_pid(const struct sshd_ctx *ctx, const char *pidfile);

/* 1 when pid is an sshd listener: comm "sshd" and a parent that is not sshd. */
int sshd_is_listener(pid_t pid);

/* 1 when pid is the sshd podpass may signal: an sshd listener (sshd_is_listener)
 * that runs as root and runs podpass's sshd binary. */
int sshd_is_our_listener(const struct sshd_ctx *ctx, pid_t pid);

/* 1 when every socket inode in v (n of them) is one that pid holds open. */
int sshd_holds_all(pid_t pid, const unsigned long *v, size_t n);

/* 1 when pid holds a listening socket on port: the listener, not a session
 * whose listener went away. */
int sshd_holds_listen_socket(pid_t pid, int port);

/* 1 when pid has a handler for SIGHUP (the SIGHUP bit of SigCgt in
 * /proc/PID/status). A restarting sshd ignores SIGHUP from before its
 * re-execution until after it listens again: a SIGHUP sent then is lost. */
int sshd_catches_hup(pid_t pid);

#endif
