/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A conversation with the DUT over one TCP connection, plain or TLS
 * (any version from TLS 1.0, certificates not judged: the tls family
 * does that), for protocols that ask several questions on the same
 * connection (RTSP DESCRIBE, SETUP, PLAY).  Every wait is bounded by the
 * caller's deadline.
 */
#ifndef HQ_STREAM_H
#define HQ_STREAM_H

#include <stdbool.h>
#include <stddef.h>

#include "util/util.h"

struct hq_err;

struct hq_stream {
	int		 fd;
	void		*ctx;		/* SSL_CTX, TLS only */
	void		*ssl;		/* SSL, TLS only */
	char		 ver[16];	/* the negotiated TLS version */
};

/* Connects (and handshakes when tls); on failure the stream is closed
 * and err says which step failed (HQ_EUNREACH refused, HQ_ETLS the
 * handshake, HQ_ETIMEDOUT, HQ_EINTR). */
int	hq_stream_open(struct hq_stream *s, const char *addr, unsigned port,
	    bool tls, struct hq_deadline dl, struct hq_err *err);
int	hq_stream_write_all(struct hq_stream *s, const void *p, size_t len,
	    struct hq_deadline dl, struct hq_err *err);
/* Reads at most cap bytes, returning once some came (*lenp > 0), or with
 * *lenp 0 when the peer closed or dl passed (not an error here). */
int	hq_stream_read_some(struct hq_stream *s, void *buf, size_t cap,
	    struct hq_deadline dl, size_t *lenp, struct hq_err *err);
void	hq_stream_close(struct hq_stream *s);

#endif
