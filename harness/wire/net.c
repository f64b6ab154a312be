/* SPDX-License-Identifier: Apache-2.0 */
/* Bounded, non-blocking socket helpers. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "util/err.h"
#include "wire/net.h"


int
hq_net_wait(int fd, short events, struct hq_deadline dl, struct hq_err *err)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int left, n;

	for (;;) {
		if (hq_interrupted)
			return hq_err_set(err, HQ_EINTR, "interrupted");
		left = hq_deadline_poll_ms(dl);
		if (left == 0)
			return hq_err_set(err, HQ_ETIMEDOUT, "timed out");
		/* Wake up now and then to notice an interrupt. */
		n = poll(&pfd, 1, left < 0 || left > 200 ? 200 : left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hq_err_sys(err, "poll");
		if (n > 0)
			return 0;
	}
}

int
hq_net_connect(const char *host, unsigned port, struct hq_deadline dl,
    int *fdp, struct hq_err *err)
{
	int e;

	return hq_net_connect_ex(host, port, dl, fdp, &e, err);
}

int
hq_net_connect_ex(const char *host, unsigned port, struct hq_deadline dl,
    int *fdp, int *errnop, struct hq_err *err)
{
	struct sockaddr_storage ss;
	socklen_t slen, elen;
	int fd, one = 1, soerr = 0, rc;

	*fdp = -1;
	*errnop = 0;
	if ((rc = hq_addr_parse(host, port, &ss, &slen, err)) != 0)
		return rc;
	/* No new connection once the deadline has passed: a connect to
	 * an open port can complete at once and would never look. */
	if (hq_deadline_passed(dl)) {
		*errnop = ETIMEDOUT;
		return hq_err_set(err, HQ_ETIMEDOUT, "connect %s:%u: the "
		    "deadline has passed", host, port);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd < 0)
		return hq_err_sys(err, "socket");
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&ss, slen) != 0) {
		if (errno != EINPROGRESS) {
			*errnop = errno;
			rc = hq_err_set(err, HQ_EUNREACH, "connect %s:%u: %s",
			    host, port, strerror(errno));
			goto fail;
		}
		if ((rc = hq_net_wait(fd, POLLOUT, dl, err)) != 0) {
			*errnop = ETIMEDOUT;
			goto fail;
		}
		elen = sizeof(soerr);
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &elen);
		if (soerr != 0) {
			*errnop = soerr;
			rc = hq_err_set(err, HQ_EUNREACH, "connect %s:%u: %s",
			    host, port, strerror(soerr));
			goto fail;
		}
	}
	*fdp = fd;
	return 0;
 fail:
	close(fd);
	return rc;
}

int
hq_net_write_all(int fd, const void *p, size_t len, struct hq_deadline dl,
    struct hq_err *err)
{
	size_t off = 0;
	int rc;

	while (off < len) {
		ssize_t n = send(fd, (const char *)p + off, len - off,
		    MSG_NOSIGNAL);

		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return hq_err_sys(err, "send");
		if ((rc = hq_net_wait(fd, POLLOUT, dl, err)) != 0)
			return rc;
	}
	return 0;
}

int
hq_net_read_some(int fd, void *buf, size_t cap, struct hq_deadline dl,
    int idle_ms, size_t *lenp, struct hq_err *err)
{
	size_t len = 0;
	int rc;

	*lenp = 0;
	while (len < cap) {
		struct hq_deadline w = dl;
		ssize_t n;

		if (len > 0 && idle_ms >= 0)
			w = hq_deadline_min(dl, hq_deadline_in(idle_ms));
		n = recv(fd, (char *)buf + len, cap - len, 0);
		if (n > 0) {
			len += (size_t)n;
			continue;
		}
		if (n == 0)
			break;
		if (errno != EAGAIN && errno != EINTR) {
			if (len > 0)
				break;
			return hq_err_sys(err, "recv");
		}
		if ((rc = hq_net_wait(fd, POLLIN, w, NULL)) != 0) {
			if (rc == HQ_EINTR)
				return hq_err_set(err, rc, "interrupted");
			break;		/* timeout: return what we have */
		}
	}
	*lenp = len;
	return 0;
}
