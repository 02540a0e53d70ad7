/* Does sshd answer: connect to its listen addresses, send a version line and
 * wait for its first key exchange packet, or for the message it sends when it
 * drops a connection at once (MaxStartups, PerSourcePenalties).
 *
 * Must never: count a banner alone, silence, or a connection that ends before
 * key exchange as an answer. */
#ifndef PODPASS_PROBE_H
#define PODPASS_PROBE_H

#include "sshd_ctx.h"

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
