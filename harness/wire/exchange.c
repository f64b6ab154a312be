/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One request and its answer on a fresh connection (see exchange.h).
 * TLS sessions are resumed when the server allows it, so a campaign of
 * thousands of cases does not pay a full handshake each time.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "util/addr.h"
#include "util/err.h"
#include "wire/exchange.h"
#include "wire/net.h"

struct hq_xchg {
	char		*addr;
	unsigned	 port;
	bool		 tls;
	bool		 udp;
	SSL_CTX		*ctx;
	SSL_SESSION	*sess;
	int		 first_ms;	/* wait for a first answer byte */
	bool		 half_close;	/* shutdown(SHUT_WR) after sending */
	bool		 keep;		/* plain TCP: keep the connection */
	int		 kfd;		/* the kept connection, or -1 */
	bool		(*complete)(const uint8_t *, size_t);
};

void
hq_xchg_set_complete(struct hq_xchg *x, bool (*fn)(const uint8_t *,
    size_t))
{
	x->complete = fn;
}

void
hq_xchg_set_keep(struct hq_xchg *x, bool on)
{
	x->keep = on && !x->tls && !x->udp;
	if (!x->keep)
		hq_xchg_drop(x);
}

void
hq_xchg_drop(struct hq_xchg *x)
{
	if (x->kfd >= 0)
		close(x->kfd);
	x->kfd = -1;
}

void
hq_xchg_set_half_close(struct hq_xchg *x, bool on)
{
	x->half_close = on;
}

void
hq_xchg_set_first_wait(struct hq_xchg *x, int ms)
{
	x->first_ms = ms;
}

int
hq_xchg_new(const char *addr, unsigned port, bool tls, bool udp,
    struct hq_xchg **xp, struct hq_err *err)
{
	struct hq_xchg *x;

	*xp = NULL;
	if ((x = calloc(1, sizeof(*x))) == NULL ||
	    (x->addr = strdup(addr)) == NULL) {
		free(x);
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	}
	x->port = port;
	x->kfd = -1;
	x->tls = tls;
	x->udp = udp;
	if (tls) {
		ERR_clear_error();
		if ((x->ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
			hq_xchg_free(x);
			return hq_err_tls(err, "SSL_CTX_new");
		}
		/* The device's certificate is judged by the tls family;
		 * here it only carries malformed requests. */
		SSL_CTX_set_verify(x->ctx, SSL_VERIFY_NONE, NULL);
		SSL_CTX_set_session_cache_mode(x->ctx, SSL_SESS_CACHE_CLIENT);
	}
	*xp = x;
	return 0;
}

void
hq_xchg_free(struct hq_xchg *x)
{
	if (x == NULL)
		return;
	hq_xchg_drop(x);
	SSL_SESSION_free(x->sess);
	SSL_CTX_free(x->ctx);
	free(x->addr);
	free(x);
}

/* SSL_connect/_write/_read step: 1 done, 0 retry after waiting, <0 err. */
static int
ssl_wait(SSL *ssl, int r, int fd, struct hq_deadline dl, struct hq_err *err)
{
	int e = SSL_get_error(ssl, r), rc;

	if (e == SSL_ERROR_WANT_READ)
		rc = hq_net_wait(fd, POLLIN, dl, err);
	else if (e == SSL_ERROR_WANT_WRITE)
		rc = hq_net_wait(fd, POLLOUT, dl, err);
	else if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)
		/* no TLS alert: the transport ended under us */
		return hq_err_set(err, HQ_ETLS, "TLS handshake: %s", r == 0 ||
		    errno == 0 ? "the device closed the connection" :
		    strerror(errno));
	else
		return hq_err_tls(err, "TLS handshake");
	return rc;
}

static int
do_udp(struct hq_xchg *x, const uint8_t *p, size_t len,
    struct hq_deadline dl, int idle_ms, uint8_t *reply, size_t cap,
    struct hq_xchg_out *o, struct hq_err *err)
{
	struct sockaddr_storage ss;
	socklen_t slen;
	int fd, rc;
	ssize_t n;

	if ((rc = hq_addr_parse(x->addr, x->port, &ss, &slen, err)) != 0)
		return rc;
	if ((fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) < 0)
		return hq_err_sys(err, "socket");
	if (connect(fd, (struct sockaddr *)&ss, slen) != 0) {
		rc = hq_err_sys(err, "connect");
		goto out;
	}
	o->connected = true;
	if (len > 65507)
		len = 65507;	/* the largest UDP payload over IPv4 */
	if (send(fd, p, len, MSG_NOSIGNAL) >= 0)
		o->sent_all = true;
	(void)idle_ms;
	/* as over TCP: a case waits first_ms for its answer (silence is
	 * the monitor's to judge), a probe (first_ms 0) the whole dl */
	if (x->first_ms > 0)
		dl = hq_deadline_min(dl, hq_deadline_in(x->first_ms));
	if (hq_net_wait(fd, POLLIN, dl, NULL) == 0) {
		if ((n = recv(fd, reply, cap, 0)) > 0)
			o->reply_len = (size_t)n;
		else if (n < 0 && (errno == ECONNREFUSED ||
		    errno == EHOSTUNREACH || errno == ENETUNREACH))
			o->refused = true;
	}
	rc = 0;
 out:
	close(fd);
	return rc;
}

int
hq_xchg_do(struct hq_xchg *x, const uint8_t *p, size_t len,
    struct hq_deadline dl, int idle_ms, uint8_t *reply, size_t cap,
    struct hq_xchg_out *o, struct hq_err *err)
{
	int64_t t0 = hq_mono_ns();
	SSL *ssl = NULL;
	struct hq_deadline first;
	size_t off = 0, got = 0;
	int fd = -1, rc, r;
	bool polled;

	memset(o, 0, sizeof(*o));
	if (x->udp) {
		rc = do_udp(x, p, len, dl, idle_ms, reply, cap, o, err);
		o->elapsed_us = (hq_mono_ns() - t0) / 1000;
		return rc;
	}
	if (x->keep && x->kfd >= 0) {
		fd = x->kfd;		/* the kept connection */
		x->kfd = -1;
	} else if ((rc = hq_net_connect(x->addr, x->port, dl, &fd,
	    err)) != 0)
		goto out;
	o->connected = true;
	if (x->tls) {
		ERR_clear_error();
		if ((ssl = SSL_new(x->ctx)) == NULL ||
		    SSL_set_fd(ssl, fd) != 1) {
			rc = hq_err_tls(err, "SSL_new");
			goto out;
		}
		if (x->sess != NULL)
			SSL_set_session(ssl, x->sess);
		for (;;) {
			ERR_clear_error();
			if ((r = SSL_connect(ssl)) == 1)
				break;
			if ((rc = ssl_wait(ssl, r, fd, dl, err)) != 0)
				goto out;
		}
		if (SSL_session_reused(ssl) == 0) {
			SSL_SESSION_free(x->sess);
			x->sess = SSL_get1_session(ssl);
		}
	}
	o->tls_done = x->tls;
	/* Send; a peer that gives up on our bytes is an answer too. */
	while (off < len) {
		ssize_t n;

		if (ssl != NULL) {
			ERR_clear_error();
			r = SSL_write(ssl, p + off, (int)(len - off > 16384 ?
			    16384 : len - off));
			if (r > 0) {
				off += (size_t)r;
				continue;
			}
			if ((rc = ssl_wait(ssl, r, fd, dl, NULL)) != 0) {
				if (rc == HQ_EINTR) {
					rc = hq_err_set(err, rc, "interrupted");
					goto out;
				}
				o->reset = true;
				break;
			}
			continue;
		}
		n = send(fd, p + off, len - off, MSG_NOSIGNAL);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			o->reset = true;
			break;
		}
		if ((rc = hq_net_wait(fd, POLLOUT, dl, NULL)) != 0) {
			if (rc == HQ_EINTR) {
				rc = hq_err_set(err, rc, "interrupted");
				goto out;
			}
			break;	/* the peer stopped reading: an outcome */
		}
	}
	o->sent_all = off == len;
	/* Plain TCP: half-close, so a server waiting for more of a body
	 * sees the end now rather than at its own timeout. */
	if (ssl == NULL && o->sent_all && x->half_close)
		shutdown(fd, SHUT_WR);
	rc = 0;
	first = hq_deadline_in(x->first_ms);
	/* Plain TCP: the answer is not there the moment the request left;
	 * wait for it before the first read rather than after a read that
	 * finds nothing (one system call less per exchange). */
	polled = ssl == NULL;
	while (got < cap) {
		struct hq_deadline w = dl;
		ssize_t n;

		if (got > 0 && idle_ms >= 0)
			w = hq_deadline_min(dl, hq_deadline_in(idle_ms));
		else if (got == 0 && x->first_ms > 0)
			w = hq_deadline_min(dl, first);
		if (ssl != NULL) {
			ERR_clear_error();
			r = SSL_read(ssl, reply + got, (int)(cap - got));
			if (r > 0) {
				got += (size_t)r;
				continue;
			}
			if (SSL_get_error(ssl, r) == SSL_ERROR_ZERO_RETURN) {
				o->peer_closed = true;
				break;
			}
			if ((r = ssl_wait(ssl, r, fd, w, NULL)) != 0) {
				if (r == HQ_EINTR) {
					rc = hq_err_set(err, r, "interrupted");
					goto out;
				}
				if (r == HQ_ETLS)
					o->peer_closed = true;
				break;
			}
			continue;
		}
		if (polled) {
			polled = false;
			if ((r = hq_net_wait(fd, POLLIN, got == 0 &&
			    x->first_ms > 0 ? hq_deadline_min(dl, first) : dl,
			    NULL)) != 0) {
				if (r == HQ_EINTR) {
					rc = hq_err_set(err, r, "interrupted");
					goto out;
				}
				break;
			}
		}
		n = recv(fd, reply + got, cap - got, 0);
		if (n > 0) {
			got += (size_t)n;
			/* a whole answer (the caller knows its framing):
			 * nothing more to wait for */
			if (x->complete != NULL && x->complete(reply, got))
				break;
			continue;
		}
		if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			o->peer_closed = true;
			if (n < 0 && got == 0)
				o->reset = true;
			break;
		}
		if ((r = hq_net_wait(fd, POLLIN, w, NULL)) != 0) {
			if (r == HQ_EINTR) {
				rc = hq_err_set(err, r, "interrupted");
				goto out;
			}
			break;
		}
	}
	o->reply_len = got;
	if (x->keep && !o->peer_closed && !o->reset && got > 0 &&
	    o->sent_all) {
		x->kfd = fd;		/* for the next exchange */
		fd = -1;
	}
 out:
	ERR_clear_error();
	if (ssl != NULL) {
		SSL_set_quiet_shutdown(ssl, 1);
		SSL_free(ssl);
	}
	if (fd >= 0)
		close(fd);
	o->elapsed_us = (hq_mono_ns() - t0) / 1000;
	return rc;
}
