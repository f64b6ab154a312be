/* SPDX-License-Identifier: Apache-2.0 */
/* Numeric socket addresses: parsing only, no I/O. */
#ifndef HQ_ADDR_H
#define HQ_ADDR_H

#include <sys/socket.h>

struct hq_err;

/* Parses a numeric IPv4/IPv6 address and port into ss; HQ_EINVAL names
 * the text that is not one. */
int	hq_addr_parse(const char *host, unsigned port,
	    struct sockaddr_storage *ss, socklen_t *slenp, struct hq_err *err);

#endif
