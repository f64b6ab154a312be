/* SPDX-License-Identifier: Apache-2.0 */
/* One TCP connection to the DUT, plain or TLS, bounded by deadlines. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "util/err.h"
#include "wire/net.h"
#include "wire/stream.h"

/* Waits for what OpenSSL asked; 0 to retry, else an error code. */
static int
tls_wait(struct hq_stream *s, int r, struct hq_deadline dl,
    struct hq_err *err)
{
	int e = SSL_get_error(s->ssl, r);

	if (e == SSL_ERROR_WANT_READ)
		return hq_net_wait(s->fd, POLLIN, dl, err);
	if (e == SSL_ERROR_WANT_WRITE)
		return hq_net_wait(s->fd, POLLOUT, dl, err);
	if (e == SSL_ERROR_ZERO_RETURN)
		return hq_err_set(err, HQ_EIO, "TLS: closed by the device");
	if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)
		return hq_err_set(err, HQ_ETLS, "TLS: %s", r == 0 ||
		    errno == 0 ? "the device closed the connection" :
		    strerror(errno));
	return hq_err_tls(err, "TLS");
}

int
hq_stream_open(struct hq_stream *s, const char *addr, unsigned port,
    bool tls, struct hq_deadline dl, struct hq_err *err)
{
	struct hq_err ierr = { 0 };
	int rc, r;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	if ((rc = hq_net_connect(addr, port, dl, &s->fd, err)) != 0)
		return rc;
	if (!tls)
		return 0;
	ERR_clear_error();
	if ((s->ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
	    SSL_CTX_set_min_proto_version(s->ctx, TLS1_VERSION) != 1 ||
	    SSL_CTX_set_cipher_list(s->ctx, "ALL:@SECLEVEL=0") != 1 ||
	    (s->ssl = SSL_new(s->ctx)) == NULL ||
	    SSL_set_fd(s->ssl, s->fd) != 1) {
		rc = hq_err_tls(err, "TLS setup");
		goto fail;
	}
	SSL_set_verify(s->ssl, SSL_VERIFY_NONE, NULL);
	for (;;) {
		ERR_clear_error();
		if ((r = SSL_connect(s->ssl)) == 1)
			break;
		if ((rc = tls_wait(s, r, dl, &ierr)) != 0) {
			rc = hq_err_set(err, rc, "TLS handshake: %s",
			    ierr.msg);
			goto fail;
		}
	}
	snprintf(s->ver, sizeof(s->ver), "%s", SSL_get_version(s->ssl));
	return 0;
 fail:
	ERR_clear_error();
	hq_stream_close(s);
	return rc;
}

int
hq_stream_write_all(struct hq_stream *s, const void *p, size_t len,
    struct hq_deadline dl, struct hq_err *err)
{
	size_t off = 0;
	int r, rc;

	if (s->ssl == NULL)
		return hq_net_write_all(s->fd, p, len, dl, err);
	while (off < len) {
		ERR_clear_error();
		r = SSL_write(s->ssl, (const char *)p + off, (int)(len - off >
		    16384 ? 16384 : len - off));
		if (r > 0) {
			off += (size_t)r;
			continue;
		}
		if ((rc = tls_wait(s, r, dl, err)) != 0)
			return rc;
	}
	return 0;
}

int
hq_stream_read_some(struct hq_stream *s, void *buf, size_t cap,
    struct hq_deadline dl, size_t *lenp, struct hq_err *err)
{
	int r, rc;

	*lenp = 0;
	if (cap == 0)
		return 0;
	if (s->ssl == NULL)
		return hq_net_read_some(s->fd, buf, cap, dl, 0, lenp, err);
	for (;;) {
		ERR_clear_error();
		r = SSL_read(s->ssl, buf, (int)(cap > 65536 ? 65536 : cap));
		if (r > 0) {
			*lenp = (size_t)r;
			return 0;
		}
		if ((rc = tls_wait(s, r, dl, NULL)) != 0) {
			ERR_clear_error();
			if (rc == HQ_EINTR)
				return hq_err_set(err, rc, "interrupted");
			return 0;	/* closed or timeout: nothing more */
		}
	}
}

void
hq_stream_close(struct hq_stream *s)
{
	if (s->ssl != NULL)
		SSL_free(s->ssl);
	SSL_CTX_free(s->ctx);
	if (s->fd >= 0)
		close(s->fd);
	s->ssl = NULL;
	s->ctx = NULL;
	s->fd = -1;
}
