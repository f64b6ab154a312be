/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One request, one answer, on a fresh connection: the transport of the
 * `input` family's cases and health checks.  TCP (optionally inside TLS,
 * OpenSSL client, no verification: the peer's certificate is not what is
 * judged here) or a UDP datagram.  Every wait has a deadline; a peer that
 * resets or closes while we send is an outcome, not an error.
 */
#ifndef HQ_EXCHANGE_H
#define HQ_EXCHANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

struct hq_err;
struct hq_xchg;

/* What happened to one exchange. */
struct hq_xchg_out {
	bool	connected;	/* TCP connection made */
	bool	tls_done;	/* and the TLS handshake, on a TLS target */
	bool	sent_all;	/* every byte went out */
	bool	reset;		/* the peer reset or closed while we sent */
	bool	peer_closed;	/* EOF seen after the answer */
	bool	refused;	/* UDP: the host said no one listens (ICMP) */
	size_t	reply_len;	/* bytes of answer in the caller's buffer */
	int64_t	elapsed_us;
};

/* A target (addr:port, tls or udp); *xp freed with hq_xchg_free. */
int	hq_xchg_new(const char *addr, unsigned port, bool tls, bool udp,
	    struct hq_xchg **xp, struct hq_err *err);
void	hq_xchg_free(struct hq_xchg *x);
/* After sending, wait at most ms for the first answer byte (0: until the
 * deadline).  Cases use it: silence is judged by the monitor, not here. */
void	hq_xchg_set_first_wait(struct hq_xchg *x, int ms);
/* Plain TCP: half-close after sending, so a server waiting for the rest
 * of a body sees the end at once (cases; a health check must not: some
 * servers, telnetd, leave on the EOF before they greet). */
void	hq_xchg_set_half_close(struct hq_xchg *x, bool on);
/* Plain TCP: keep a connection the peer left open for the next exchange
 * (a keep-alive health check); hq_xchg_drop closes it. */
void	hq_xchg_set_keep(struct hq_xchg *x, bool on);
void	hq_xchg_drop(struct hq_xchg *x);
/* Plain TCP: fn(reply, len) true when the answer read so far is whole
 * (an HTTP answer with its Content-Length): reading stops there, with no
 * wait for more.  NULL (the default): read until close, idle or dl. */
void	hq_xchg_set_complete(struct hq_xchg *x, bool (*fn)(const uint8_t *,
	    size_t));
/*
 * Connects, sends p[0..len), reads the answer into reply (cap bytes)
 * until the peer closes, idle_ms pass after the first byte, or dl.
 * Returns 0 with *o filled; HQ_EUNREACH (refused), HQ_ETIMEDOUT (no
 * connection before dl), HQ_ETLS (handshake failed) when nothing was
 * sent; HQ_EINTR.
 */
int	hq_xchg_do(struct hq_xchg *x, const uint8_t *p, size_t len,
	    struct hq_deadline dl, int idle_ms, uint8_t *reply, size_t cap,
	    struct hq_xchg_out *o, struct hq_err *err);

#endif
