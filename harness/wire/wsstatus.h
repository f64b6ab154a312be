/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A device's status stream: a WebSocket the device's web server offers for
 * update progress (SWUpdate's mongoose server sends {"type":"status",
 * "status":"START"|"RUN"|"SUCCESS"|"FAILURE"|"DONE"} and "message" lines
 * there, while its HTTP upload answer says nothing about the verdict).
 * libwebsockets does the framing; one service thread per stream; each
 * message is capped, parsed as JSON and queued for the caller.
 */
#ifndef HQ_WSSTATUS_H
#define HQ_WSSTATUS_H

#include <stdbool.h>
#include <stddef.h>

#include "util/util.h"

struct hq_err;
struct hq_wsstat;

#define HQ_WSSTAT_MSG_MAX	(16u * 1024)	/* one message */
#define HQ_WSSTAT_LOG_MAX	(64u * 1024)	/* what is kept for evidence */

struct hq_wsstat_opts {
	const char	*addr;		/* numeric address */
	unsigned	 port;
	const char	*path;		/* "/ws" */
	bool		 tls;		/* wss: the certificate is not checked */
	const char	*type_ptr;	/* JSON pointer to the kind, "/type" */
	const char	*type_value;	/* the kind that carries the status */
	const char	*status_ptr;	/* JSON pointer, "/status" */
};

/* Connects; returns once the WebSocket is open (or the deadline passed). */
int	hq_wsstat_open(const struct hq_wsstat_opts *o, struct hq_deadline dl,
	    struct hq_wsstat **wp, struct hq_err *err);
/*
 * Waits for a status that is one of finals (NULL-terminated), arriving
 * after this call's first one was made since open or the last wait; the
 * status goes to out.  HQ_ETIMEDOUT when none came, HQ_EUNREACH when the
 * stream closed first.
 */
int	hq_wsstat_wait(struct hq_wsstat *w, const char *const *finals,
	    struct hq_deadline dl, char *out, size_t outsz,
	    struct hq_err *err);
/* Everything received so far (escaped text, capped); borrowed. */
const char *hq_wsstat_log(struct hq_wsstat *w);
void	hq_wsstat_close(struct hq_wsstat *w);

#endif
