/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The lab-side image server for devices that pull their update (RAUC's
 * `rauc install URL`, a vendor app told where to fetch): plain HTTP/1.1
 * on a lab address, one file at one path at a time, streamed from disk
 * with Content-Length, GET and HEAD only, one connection at a time in a
 * thread of its own; every wait on the device is bounded.  It counts what
 * each fetch got, so a verdict can say whether the device read the image.
 */
#ifndef HQ_FWSERVE_H
#define HQ_FWSERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hq_err;
struct hq_fwserve;

#define HQ_FWSERVE_HEAD_MAX	8192	/* request head */
#define HQ_FWSERVE_IO_MS	30000	/* per connection: head, then body */

struct hq_fwserve_stats {
	unsigned	 connections;	/* accepted */
	unsigned	 handshakes;	/* TLS handshakes completed */
	unsigned	 requests;	/* for the served path */
	unsigned	 complete;	/* whole file sent */
	uint64_t	 bytes;		/* body bytes sent, all requests */
	char		 peer[64];	/* last client */
};

/*
 * Listens on addr:port (numeric) and serves until stopped; with cert and
 * key (PEM paths) over TLS (the device's handshake bounded too).
 */
int	hq_fwserve_start(const char *addr, unsigned port, const char *cert,
	    const char *key, struct hq_fwserve **sp, struct hq_err *err);
/* The same on lfd, a socket already listening on addr:port (bound by the
 * bench's monitor), which the server owns from then on, even on error. */
int	hq_fwserve_start_fd(const char *addr, unsigned port, int lfd,
	    const char *cert, const char *key, struct hq_fwserve **sp,
	    struct hq_err *err);
/* Serves file at urlpath ("/hq/03-x.bin") from now on (NULL: nothing);
 * the statistics start again. */
int	hq_fwserve_set(struct hq_fwserve *s, const char *file,
	    const char *urlpath, struct hq_err *err);
void	hq_fwserve_stats(struct hq_fwserve *s, struct hq_fwserve_stats *st);
void	hq_fwserve_stop(struct hq_fwserve *s);

#endif
