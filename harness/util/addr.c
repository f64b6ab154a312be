/* SPDX-License-Identifier: Apache-2.0 */
/* Numeric socket addresses: parsing only, no I/O. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "util/addr.h"
#include "util/err.h"

int
hq_addr_parse(const char *host, unsigned port, struct sockaddr_storage *ss,
    socklen_t *slenp, struct hq_err *err)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (port > 65535)
		return hq_err_set(err, HQ_EINVAL, "port %u out of range", port);
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*slenp = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*slenp = sizeof(*sin6);
		return 0;
	}
	return hq_err_set(err, HQ_EINVAL, "'%s' is not a numeric address",
	    host);
}
