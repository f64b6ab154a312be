/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sockets toward the DUT: always O_NONBLOCK, every wait bounded by a
 * deadline (never SO_RCVTIMEO, which restarts with each byte).
 */
#ifndef HQ_NET_H
#define HQ_NET_H

#include <stddef.h>
#include <sys/socket.h>

#include "util/addr.h"
#include "util/util.h"

struct hq_err;

/* Polls fd for events until the deadline; HQ_ETIMEDOUT, HQ_EINTR. */
int	hq_net_wait(int fd, short events, struct hq_deadline dl,
	    struct hq_err *err);
/* A connected non-blocking TCP socket in *fdp; HQ_EUNREACH if refused. */
int	hq_net_connect(const char *host, unsigned port, struct hq_deadline dl,
	    int *fdp, struct hq_err *err);
/* The same; *errnop gets the connect's errno (ECONNREFUSED, ETIMEDOUT
 * when the deadline passed, 0 on success) so that callers can tell a
 * refused connection from an unreachable host. */
int	hq_net_connect_ex(const char *host, unsigned port,
	    struct hq_deadline dl, int *fdp, int *errnop, struct hq_err *err);
/* Writes all len bytes before the deadline. */
int	hq_net_write_all(int fd, const void *p, size_t len,
	    struct hq_deadline dl, struct hq_err *err);
/*
 * Reads what arrives, at most cap bytes, until the deadline, EOF or cap;
 * returns 0 with *lenp set (possibly 0 on timeout: not an error here).
 * Stops early once idle_ms passes without new bytes after the first byte.
 */
int	hq_net_read_some(int fd, void *buf, size_t cap, struct hq_deadline dl,
	    int idle_ms, size_t *lenp, struct hq_err *err);

#endif
