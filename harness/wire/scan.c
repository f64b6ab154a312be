/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Connect scanning and service identification.  Every socket is
 * non-blocking; at most `window` connects are in flight; each has its own
 * deadline; the whole scan stops at the caller's deadline or on SIGINT.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/err.h"
#include "util/log.h"
#include "util/rd.h"
#include "wire/net.h"
#include "wire/scan.h"
#include "wire/tlswire.h"

bool
hq_portset_has(const struct hq_portset *ps, unsigned port)
{
	return port > 0 && port < 65536 &&
	    (ps->bits[port / 8] & (1u << (port % 8))) != 0;
}

void
hq_portset_add(struct hq_portset *ps, unsigned port)
{
	if (port == 0 || port > 65535 || hq_portset_has(ps, port))
		return;
	ps->bits[port / 8] |= (uint8_t)(1u << (port % 8));
	ps->count++;
}

int
hq_portset_parse(const char *spec, struct hq_portset *ps, struct hq_err *err)
{
	const char *p = spec;

	memset(ps, 0, sizeof(*ps));
	if (spec == NULL || spec[0] == '\0')
		return hq_err_set(err, HQ_EINVAL, "empty port list");
	while (*p != '\0') {
		const char *end = p, *dash;
		uint64_t lo, hi;
		size_t n;

		while (*end != '\0' && *end != ',')
			end++;
		n = (size_t)(end - p);
		dash = memchr(p, '-', n);
		if (dash == NULL) {
			if (hq_parse_u64(p, n, 65535, &lo) != 0 || lo == 0)
				goto bad;
			hi = lo;
		} else if (hq_parse_u64(p, (size_t)(dash - p), 65535,
		    &lo) != 0 || hq_parse_u64(dash + 1,
		    (size_t)(end - dash - 1), 65535, &hi) != 0 || lo == 0 ||
		    hi < lo)
			goto bad;
		for (; lo <= hi; lo++)
			hq_portset_add(ps, (unsigned)lo);
		p = *end == ',' ? end + 1 : end;
		if (*end == ',' && *p == '\0')
			goto bad;
	}
	return 0;
 bad:
	return hq_err_set(err, HQ_EINVAL, "expected ports like "
	    "\"1-65535\" or \"22,80,8000-8100\" (1..65535), got \"%.64s\"",
	    spec);
}

struct slot {
	int		fd;
	unsigned	port;
	int64_t		due_ns;
};

static int
cmp_u16(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

void
hq_scan_result_clear(struct hq_scan_result *res)
{
	free(res->open);
	memset(res, 0, sizeof(*res));
}

/* Closes with RST, so open ports leave no TIME_WAIT behind.  Refused and
 * timed-out attempts have nothing to linger for. */
static void
close_rst(int fd)
{
	struct linger lg = { 1, 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

/* Starts a connect; returns 1 in flight, 0 finished (state set), <0 err. */
static int
scan_start(const struct sockaddr_storage *base, socklen_t slen, unsigned port,
    int ep, struct slot *s, enum hq_port_state *statep, int timeout_ms,
    struct hq_err *err)
{
	struct sockaddr_storage ss = *base;
	struct epoll_event ev = { .events = EPOLLOUT };
	int fd;

	if (ss.ss_family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
	else
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd < 0)
		return hq_err_sys(err, "socket");
	if (connect(fd, (struct sockaddr *)&ss, slen) == 0) {
		close_rst(fd);
		*statep = HQ_PORT_OPEN;
		return 0;
	}
	if (errno == ECONNREFUSED) {
		close(fd);
		*statep = HQ_PORT_CLOSED;
		return 0;
	}
	if (errno != EINPROGRESS) {
		int e = errno;

		close(fd);
		if (e == ENETUNREACH || e == EHOSTUNREACH)
			return hq_err_set(err, HQ_EUNREACH, "connect: %s",
			    strerror(e));
		errno = e;
		return hq_err_sys(err, "connect");
	}
	s->fd = fd;
	s->port = port;
	s->due_ns = hq_mono_ns() + (int64_t)timeout_ms * 1000000;
	ev.data.ptr = s;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
		close(fd);
		s->fd = -1;
		return hq_err_sys(err, "epoll_ctl");
	}
	return 1;
}

static int
scan_slice(const struct hq_scan_opts *o, const struct hq_portset *ps,
    struct hq_deadline dl, struct hq_scan_result *res, struct hq_err *err)
{
	struct sockaddr_storage base;
	struct epoll_event evs[256];
	struct slot *slots = NULL, **freel = NULL;
	uint8_t *tries = NULL;
	unsigned window = o->window, next = 1, pass;
	size_t nfree, inflight = 0, nopen = 0, cap = 64;
	int64_t t0 = hq_mono_ns();
	socklen_t slen;
	int ep = -1, rc = 0;
	size_t i;

	memset(res, 0, sizeof(*res));
	if (window == 0 || window > HQ_SCAN_WINDOW_MAX)
		window = HQ_SCAN_WINDOW_MAX;
	if ((rc = hq_addr_parse(o->addr, 0, &base, &slen, err)) != 0)
		return rc;
	if ((slots = calloc(window, sizeof(*slots))) == NULL ||
	    (freel = calloc(window, sizeof(*freel))) == NULL ||
	    (tries = calloc(65536, 1)) == NULL ||
	    (res->open = calloc(cap, sizeof(*res->open))) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "scan: no memory");
		goto out;
	}
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		rc = hq_err_sys(err, "epoll_create1");
		goto out;
	}
	for (i = 0; i < window; i++) {
		slots[i].fd = -1;
		freel[i] = &slots[window - 1 - i];
	}
	nfree = window;
	/* Pass 0 probes every port; later passes retry filtered ones. */
	for (pass = 0; pass <= o->retries; pass++) {
		next = 1;
		for (;;) {
			int n, wait_ms;
			int64_t now;

			while (nfree > 0 && next <= 65535) {
				enum hq_port_state st = HQ_PORT_CLOSED;
				unsigned port = next++;
				struct slot *s;

				if (!hq_portset_has(ps, port) ||
				    tries[port] != pass)
					continue;
				tries[port]++;
				if (pass == 0)
					res->nprobed++;
				s = freel[--nfree];
				rc = scan_start(&base, slen, port, ep, s, &st,
				    o->timeout_ms, err);
				if (rc < 0)
					goto out;
				if (rc == 1) {
					inflight++;
					continue;
				}
				freel[nfree++] = s;
				if (st == HQ_PORT_OPEN)
					goto opened_now;
				tries[port] = 0xff;	/* closed: final */
				res->nclosed++;
				continue;
 opened_now:
				tries[port] = 0xff;
				if (nopen == cap) {
					uint16_t *no = realloc(res->open,
					    cap * 2 * sizeof(*no));

					if (no == NULL) {
						rc = hq_err_set(err, HQ_ENOMEM,
						    "scan: no memory");
						goto out;
					}
					res->open = no;
					cap *= 2;
				}
				res->open[nopen++] = (uint16_t)port;
			}
			rc = 0;
			if (inflight == 0)
				break;
			if (hq_interrupted) {
				rc = hq_err_set(err, HQ_EINTR, "scan "
				    "interrupted");
				goto out;
			}
			if (hq_deadline_passed(dl)) {
				rc = hq_err_set(err, HQ_ETIMEDOUT, "scan did "
				    "not finish within the case's time limit "
				    "(%zu ports probed)", res->nprobed);
				goto out;
			}
			wait_ms = 50;
			n = epoll_wait(ep, evs, 256, wait_ms);
			if (n < 0 && errno != EINTR) {
				rc = hq_err_sys(err, "epoll_wait");
				goto out;
			}
			for (i = 0; n > 0 && i < (size_t)n; i++) {
				struct slot *s = evs[i].data.ptr;
				int soerr = 0;
				socklen_t el = sizeof(soerr);

				getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &soerr,
				    &el);
				if (soerr == 0 &&
				    (evs[i].events & (EPOLLERR | EPOLLHUP)) ==
				    0) {
					if (nopen == cap) {
						uint16_t *no = realloc(
						    res->open, cap * 2 *
						    sizeof(*no));

						if (no == NULL) {
							rc = hq_err_set(err,
							    HQ_ENOMEM, "scan: "
							    "no memory");
							goto out;
						}
						res->open = no;
						cap *= 2;
					}
					res->open[nopen++] = (uint16_t)s->port;
					tries[s->port] = 0xff;
				} else if (soerr == ECONNREFUSED ||
				    soerr == ECONNRESET) {
					res->nclosed++;
					tries[s->port] = 0xff;
				}
				/* Other errors (unreachable): retried as
				 * filtered in the next pass.  Closing the
				 * only reference also leaves the epoll set. */
				if (tries[s->port] == 0xff && soerr == 0)
					close_rst(s->fd);
				else
					close(s->fd);
				s->fd = -1;
				freel[nfree++] = s;
				inflight--;
			}
			now = hq_mono_ns();
			for (i = 0; i < window; i++) {
				struct slot *s = &slots[i];

				if (s->fd < 0 || s->due_ns > now)
					continue;
				epoll_ctl(ep, EPOLL_CTL_DEL, s->fd, NULL);
				close(s->fd);
				s->fd = -1;
				freel[nfree++] = s;
				inflight--;
			}
		}
	}
	for (i = 1; i < 65536; i++)
		if (hq_portset_has(ps, (unsigned)i) && tries[i] != 0xff)
			res->nfiltered++;
	qsort(res->open, nopen, sizeof(*res->open), cmp_u16);
	res->nopen = nopen;
	res->elapsed_ms = (hq_mono_ns() - t0) / 1000000;
 out:
	for (i = 0; slots != NULL && i < window; i++)
		if (slots[i].fd >= 0)
			close(slots[i].fd);
	if (ep >= 0)
		close(ep);
	free(slots);
	free(freel);
	free(tries);
	if (rc != 0) {
		res->nopen = nopen;
		res->elapsed_ms = (hq_mono_ns() - t0) / 1000000;
	}
	return rc;
}

#define SCAN_THREADS_MAX	4

struct slice {
	struct hq_scan_opts	 o;
	struct hq_portset	 ps;
	struct hq_deadline	 dl;
	struct hq_scan_result	 res;
	struct hq_err		 err;
	int			 rc;
	pthread_t		 tid;
};

static void *
slice_main(void *arg)
{
	struct slice *sl = arg;

	sl->rc = scan_slice(&sl->o, &sl->ps, sl->dl, &sl->res, &sl->err);
	return NULL;
}

/*
 * The kernel's share of a connect scan (socket, connect, the RST) is most
 * of its cost, so the port set is split across up to one thread per core,
 * each with its own epoll set and its share of the window.
 */
int
hq_scan_tcp(const struct hq_scan_opts *o, const struct hq_portset *ps,
    struct hq_deadline dl, struct hq_scan_result *res, struct hq_err *err)
{
	struct slice *sl;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned n, k, window = o->window;
	int64_t t0 = hq_mono_ns();
	size_t total = 0, i, off = 0;
	int rc = 0;

	memset(res, 0, sizeof(*res));
	if (window == 0 || window > HQ_SCAN_WINDOW_MAX)
		window = HQ_SCAN_WINDOW_MAX;
	n = ncpu < 1 ? 1 : ncpu > SCAN_THREADS_MAX ? SCAN_THREADS_MAX :
	    (unsigned)ncpu;
	if (ps->count < 1024 || window < 2 * n)
		n = 1;
	if ((sl = calloc(n, sizeof(*sl))) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "scan: no memory");
	for (k = 0; k < n; k++) {
		sl[k].o = *o;
		sl[k].o.window = window / n;
		sl[k].dl = dl;
	}
	for (i = 1; i < 65536; i++)
		if (hq_portset_has(ps, (unsigned)i))
			hq_portset_add(&sl[i % n].ps, (unsigned)i);
	for (k = 1; k < n; k++)
		if (pthread_create(&sl[k].tid, NULL, slice_main, &sl[k]) != 0) {
			sl[k].rc = hq_err_set(&sl[k].err, HQ_EINTERNAL,
			    "scan: cannot start a thread");
			sl[k].tid = 0;
		}
	slice_main(&sl[0]);
	for (k = 1; k < n; k++)
		if (sl[k].tid != 0)
			pthread_join(sl[k].tid, NULL);
	for (k = 0; k < n; k++) {
		if (sl[k].rc != 0 && rc == 0)
			rc = hq_err_set(err, sl[k].rc, "%s", sl[k].err.msg);
		total += sl[k].res.nopen;
	}
	if ((res->open = calloc(total + 1, sizeof(*res->open))) == NULL &&
	    rc == 0)
		rc = hq_err_set(err, HQ_ENOMEM, "scan: no memory");
	for (k = 0; k < n; k++) {
		if (res->open != NULL && sl[k].res.nopen > 0)
			memcpy(res->open + off, sl[k].res.open,
			    sl[k].res.nopen * sizeof(*res->open));
		off += sl[k].res.nopen;
		res->nclosed += sl[k].res.nclosed;
		res->nfiltered += sl[k].res.nfiltered;
		res->nprobed += sl[k].res.nprobed;
		hq_scan_result_clear(&sl[k].res);
	}
	if (res->open != NULL) {
		res->nopen = total;
		qsort(res->open, total, sizeof(*res->open), cmp_u16);
	}
	res->elapsed_ms = (hq_mono_ns() - t0) / 1000000;
	free(sl);
	return rc;
}

/* Service identification. */

static uint8_t probe_hello[512];
static size_t probe_hello_len;

static size_t
put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return 2;
}

const uint8_t *
hq_tls_probe_hello(size_t *lenp)
{
	/* Broadly acceptable suites, so that old and new servers answer. */
	static const uint16_t suites[] = {
		0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030,
		0xcca9, 0xcca8, 0xc009, 0xc013, 0xc00a, 0xc014, 0x009c,
		0x009d, 0x002f, 0x0035, 0x000a, 0x0005, 0x0004, 0x00ff
	};
	static const uint8_t exts[] = {
		0x00, 0x0a, 0x00, 0x08, 0x00, 0x06, 0x00, 0x1d, 0x00, 0x17,
		0x00, 0x18,				/* groups */
		0x00, 0x0b, 0x00, 0x02, 0x01, 0x00,	/* point formats */
		0x00, 0x0d, 0x00, 0x12, 0x00, 0x10, 0x04, 0x03, 0x08, 0x04,
		0x04, 0x01, 0x05, 0x03, 0x08, 0x05, 0x05, 0x01, 0x02, 0x01,
		0x02, 0x03,				/* sig algs */
		0x00, 0x2b, 0x00, 0x09, 0x08, 0x03, 0x04, 0x03, 0x03, 0x03,
		0x02, 0x03, 0x01,			/* versions */
		/* key_share: one x25519 share (any 32 bytes are a valid
		 * public value).  Offering TLS 1.3 without a share, GnuTLS
		 * servers close without a word instead of asking for one. */
		0x00, 0x33, 0x00, 0x26, 0x00, 0x24, 0x00, 0x1d, 0x00, 0x20,
		0x09, 0x09, 0x09, 0x09, 0x09, 0x09, 0x09, 0x09,
		0x09, 0x09, 0x09, 0x09, 0x09, 0x09, 0x09, 0x09,
		0x09, 0x09, 0x09, 0x09, 0x09, 0x09, 0x09, 0x09,
		0x09, 0x09, 0x09, 0x09, 0x09, 0x09, 0x09, 0x09,
	};
	uint8_t *p = probe_hello;
	size_t i, hs, body;

	if (probe_hello_len != 0)
		goto done;
	p[0] = 0x16;
	p[1] = 0x03;
	p[2] = 0x01;
	/* p[3..4] record length, p[5] type, p[6..8] handshake length */
	p[5] = 0x01;
	i = 9;
	i += put16(p + i, 0x0303);
	memset(p + i, 0x5a, 32);		/* fixed random: detection */
	i += 32;
	p[i++] = 0;				/* session id */
	i += put16(p + i, sizeof(suites));
	for (body = 0; body < sizeof(suites) / sizeof(suites[0]); body++)
		i += put16(p + i, suites[body]);
	p[i++] = 1;
	p[i++] = 0;				/* null compression */
	i += put16(p + i, sizeof(exts));
	memcpy(p + i, exts, sizeof(exts));
	i += sizeof(exts);
	hs = i - 9;
	p[6] = (uint8_t)(hs >> 16);
	p[7] = (uint8_t)(hs >> 8);
	p[8] = (uint8_t)hs;
	put16(p + 3, (unsigned)(i - 5));
	probe_hello_len = i;
 done:
	*lenp = probe_hello_len;
	return probe_hello;
}

static bool
has_text(const uint8_t *p, size_t len, const char *s)
{
	return memmem(p, len, s, strlen(s)) != NULL;
}

static bool
starts(const uint8_t *p, size_t len, const char *s)
{
	size_t n = strlen(s);

	return len >= n && memcmp(p, s, n) == 0;
}

const char *
hq_service_classify(const uint8_t *p, size_t len, const char *probe)
{
	if (len == 0)
		return NULL;
	/* TLS: a handshake or alert record, version 3.x (RFC 8446 5.1),
	 * that parses as a server's first answer (a ServerHello or an
	 * alert, or a valid prefix of one): record headers around noise
	 * are not TLS, and no cleartext check may count them encrypted. */
	if (len >= 5 && (p[0] == 0x16 || p[0] == 0x15) && p[1] == 0x03 &&
	    p[2] <= 0x04) {
		struct hq_tls_reply r;

		if (hq_tls_reply_parse(p, len, &r, NULL) == 0)
			return "tls";
		return probe == NULL || strcmp(probe, "banner") == 0 ?
		    "unknown" : NULL;
	}
	if (probe == NULL || strcmp(probe, "banner") == 0) {
		/* Telnet opens with IAC and a command (RFC 854): option
		 * negotiation (WILL, WONT, DO, DONT), a subnegotiation (SB,
		 * e.g. TERMINAL-TYPE SEND) or another command (240-249). */
		if (p[0] == 0xff && len >= 2 && p[1] >= 0xf0 && p[1] <= 0xfe)
			return "telnet";
		if (starts(p, len, "SSH-"))
			return "ssh";
		/* Some servers talk first; still HTTP or RTSP. */
		if (starts(p, len, "HTTP/"))
			return "http";
		if (starts(p, len, "RTSP/"))
			return "rtsp";
		if (starts(p, len, "220") && (has_text(p, len, "FTP") ||
		    has_text(p, len, "ftp")))
			return "ftp";
		if (starts(p, len, "220") && (has_text(p, len, "SMTP") ||
		    has_text(p, len, "ESMTP")))
			return "smtp";
		if (starts(p, len, "220"))
			return "ftp";
		if (has_text(p, len, "login:") || has_text(p, len, "Login:") ||
		    has_text(p, len, "Password:"))
			return "telnet";
		/* A shell prompt or a busybox/debug banner. */
		if (has_text(p, len, "# ") || has_text(p, len, "$ ") ||
		    has_text(p, len, "BusyBox") || has_text(p, len, "sh-") ||
		    has_text(p, len, "debug") || has_text(p, len, "Debug") ||
		    has_text(p, len, "shell"))
			return "shell";
		return "unknown";
	}
	if (strcmp(probe, "http") == 0 && starts(p, len, "HTTP/"))
		return "http";
	if (strcmp(probe, "rtsp") == 0 && starts(p, len, "RTSP/"))
		return "rtsp";
	if (strcmp(probe, "rtsp") == 0 && starts(p, len, "HTTP/"))
		return "http";
	/* MQTT CONNACK: type 2, remaining length 2 (MQTT 3.1.1 3.2). */
	if (strcmp(probe, "mqtt") == 0 && len >= 4 && p[0] == 0x20 &&
	    p[1] == 0x02)
		return "mqtt";
	return NULL;
}

/*
 * One connection: optionally send, then read what comes within timeout.
 * Unasked (send NULL), reading goes on while the bytes so far classify as
 * "unknown" and the timeout allows: a greeting may come first and the
 * login prompt a moment later.
 */
static int
exchange(const char *addr, unsigned port, const void *send, size_t slen,
    int timeout_ms, struct hq_deadline dl, uint8_t *buf, size_t cap,
    size_t *lenp, struct hq_err *err)
{
	struct hq_deadline t = hq_deadline_min(dl,
	    hq_deadline_in(timeout_ms));
	size_t got;
	int fd = -1, rc;

	*lenp = 0;
	if ((rc = hq_net_connect(addr, port, t, &fd, err)) != 0)
		return rc;
	if (send != NULL &&
	    (rc = hq_net_write_all(fd, send, slen, t, err)) != 0)
		goto out;
	for (;;) {
		const char *name;

		if ((rc = hq_net_read_some(fd, buf + *lenp, cap - *lenp, t,
		    150, &got, err)) != 0)
			break;
		*lenp += got;
		if (send != NULL || got == 0 || *lenp >= cap ||
		    hq_deadline_passed(t))
			break;
		name = hq_service_classify(buf, *lenp, "banner");
		if (name == NULL || strcmp(name, "unknown") != 0)
			break;
	}
 out:
	close(fd);
	return rc;
}

/* RTSP first on ports where a camera's RTSP usually listens: an RTSP
 * server may answer an HTTP request with an HTTP status line. */
static bool
rtsp_typical(unsigned port)
{
	return port == 554 || port == 8554 || port == 10554;
}

int
hq_service_identify(const char *addr, unsigned port, int timeout_ms,
    struct hq_deadline dl, struct hq_service *svc, struct hq_err *err)
{
	return hq_service_identify_as(addr, port, NULL, timeout_ms, dl, svc,
	    err);
}

int
hq_service_identify_as(const char *addr, unsigned port, const char *declared,
    int timeout_ms, struct hq_deadline dl, struct hq_service *svc,
    struct hq_err *err)
{
	static const char http_req[] = "GET / HTTP/1.0\r\nUser-Agent: "
	    "hopquy\r\n\r\n";
	static const char rtsp_req[] = "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n"
	    "User-Agent: hopquy\r\n\r\n";
	/* MQTT 3.1.1 CONNECT, clean session, client id "hq". */
	static const uint8_t mqtt_req[] = {
		0x10, 0x0e, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02,
		0x00, 0x0a, 0x00, 0x02, 'h', 'q'
	};
	struct {
		const char	*name;
		const void	*data;
		size_t		 len;
	} probes[4];
	uint8_t buf[HQ_BANNER_MAX];
	const char *name;
	size_t len, i;
	int rc;

	memset(svc, 0, sizeof(*svc));
	probes[0].name = "tls";
	probes[0].data = hq_tls_probe_hello(&probes[0].len);
	probes[1].name = "http";
	probes[1].data = http_req;
	probes[1].len = sizeof(http_req) - 1;
	probes[2].name = "rtsp";
	probes[2].data = rtsp_req;
	probes[2].len = sizeof(rtsp_req) - 1;
	probes[3].name = "mqtt";
	probes[3].data = mqtt_req;
	probes[3].len = sizeof(mqtt_req);
	if ((declared != NULL && (strcmp(declared, "rtsp") == 0 ||
	    strcmp(declared, "rtsps") == 0)) || rtsp_typical(port)) {
		probes[1].name = "rtsp";
		probes[1].data = rtsp_req;
		probes[1].len = sizeof(rtsp_req) - 1;
		probes[2].name = "http";
		probes[2].data = http_req;
		probes[2].len = sizeof(http_req) - 1;
	}
	/* First what the server says unasked (ssh, telnet, ftp, shells). */
	if ((rc = exchange(addr, port, NULL, 0, timeout_ms, dl, buf,
	    sizeof(buf), &len, err)) != 0)
		return rc;
	if (len > 0) {
		name = hq_service_classify(buf, len, "banner");
		snprintf(svc->name, sizeof(svc->name), "%s", name);
		snprintf(svc->how, sizeof(svc->how), "banner");
		hq_escape(svc->banner, sizeof(svc->banner), buf, len);
		return 0;
	}
	for (i = 0; i < 4; i++) {
		struct hq_err perr = { 0 };

		if (hq_interrupted)
			return hq_err_set(err, HQ_EINTR, "interrupted");
		if (exchange(addr, port, probes[i].data, probes[i].len,
		    timeout_ms, dl, buf, sizeof(buf), &len, &perr) != 0)
			continue;
		if ((name = hq_service_classify(buf, len, probes[i].name)) !=
		    NULL) {
			snprintf(svc->name, sizeof(svc->name), "%s", name);
			snprintf(svc->how, sizeof(svc->how), "%s probe",
			    probes[i].name);
			hq_escape(svc->banner, sizeof(svc->banner), buf,
			    len > 120 ? 120 : len);
			return 0;
		}
		if (len > 0 && svc->banner[0] == '\0')
			hq_escape(svc->banner, sizeof(svc->banner), buf,
			    len > 120 ? 120 : len);
	}
	snprintf(svc->name, sizeof(svc->name), "unknown");
	snprintf(svc->how, sizeof(svc->how), "no probe matched");
	return 0;
}
