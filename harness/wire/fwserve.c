/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The lab-side image server (fwserve.h).  The device is hostile: its
 * request head is capped and must arrive within HQ_FWSERVE_IO_MS, the
 * body goes out in 64 KiB writes each polled against the connection's
 * deadline, and a stop request (a pipe) ends the thread at the next poll.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "util/err.h"
#include "util/util.h"
#include "wire/fwserve.h"

struct hq_fwserve {
	int			 lfd;
	SSL_CTX			*tls;		/* NULL: plain */
	SSL			*ssl;		/* the connection's */
	int			 stop[2];
	pthread_t		 thr;
	bool			 thr_up;
	pthread_mutex_t		 mu;
	char			 file[4096];
	char			 path[512];
	struct hq_fwserve_stats	 st;
};

static int
wait_fd(int fd, short ev, int stopfd, struct hq_deadline dl)
{
	struct pollfd p[2] = { { fd, ev, 0 }, { stopfd, POLLIN, 0 } };
	int ms, r;

	for (;;) {
		if ((ms = hq_deadline_poll_ms(dl)) == 0)
			return -1;
		r = poll(p, 2, ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || (p[1].revents & POLLIN) != 0)
			return -1;
		return 0;
	}
}

/* One read or write on the connection, TLS or not; >0 bytes, 0 to wait
 * for *evp, -1 when the connection is over. */
static ssize_t
conn_io(struct hq_fwserve *s, int fd, bool wr, void *p, size_t len,
    short *evp)
{
	ssize_t r;
	int e;

	if (s->ssl == NULL) {
		r = wr ? send(fd, p, len, MSG_NOSIGNAL) : recv(fd, p, len, 0);
		if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
			*evp = wr ? POLLOUT : POLLIN;
			return 0;
		}
		return r <= 0 ? -1 : r;
	}
	ERR_clear_error();
	r = wr ? SSL_write(s->ssl, p, (int)len) : SSL_read(s->ssl, p,
	    (int)len);
	if (r > 0)
		return r;
	e = SSL_get_error(s->ssl, (int)r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		*evp = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
		return 0;
	}
	return -1;
}

static bool
send_all(struct hq_fwserve *s, int fd, const char *p, size_t len,
    struct hq_deadline dl)
{
	while (len > 0) {
		short ev = 0;
		ssize_t w = conn_io(s, fd, true, (void *)p, len, &ev);

		if (w == 0) {
			if (wait_fd(fd, ev, s->stop[0], dl) != 0)
				return false;
			continue;
		}
		if (w < 0)
			return false;
		p += w;
		len -= (size_t)w;
	}
	return true;
}

static void
send_str(struct hq_fwserve *s, int fd, const char *str, struct hq_deadline dl)
{
	send_all(s, fd, str, strlen(str), dl);
}

static void
serve_conn(struct hq_fwserve *s, int fd, const char *peer)
{
	struct hq_deadline dl = hq_deadline_in(HQ_FWSERVE_IO_MS);
	char head[HQ_FWSERVE_HEAD_MAX + 1], file[4096], path[512], hdr[256];
	char *sp1, *sp2, *buf = NULL;
	size_t len = 0;
	uint64_t sent = 0;
	struct stat st;
	bool get, ours;
	int ffd = -1;

	/* the head, up to the blank line */
	if (s->tls != NULL) {
		int r, e;

		if ((s->ssl = SSL_new(s->tls)) == NULL ||
		    SSL_set_fd(s->ssl, fd) != 1)
			return;
		for (;;) {
			ERR_clear_error();
			if ((r = SSL_accept(s->ssl)) == 1)
				break;
			e = SSL_get_error(s->ssl, r);
			if ((e != SSL_ERROR_WANT_READ &&
			    e != SSL_ERROR_WANT_WRITE) || wait_fd(fd,
			    e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT,
			    s->stop[0], dl) != 0)
				return;	/* refused us, or left */
		}
		pthread_mutex_lock(&s->mu);
		s->st.handshakes++;
		pthread_mutex_unlock(&s->mu);
	}
	while (len < HQ_FWSERVE_HEAD_MAX) {
		short ev = 0;
		ssize_t r = conn_io(s, fd, false, head + len,
		    HQ_FWSERVE_HEAD_MAX - len, &ev);

		if (r == 0) {
			if (wait_fd(fd, ev, s->stop[0], dl) != 0)
				return;
			continue;
		}
		if (r < 0)
			return;
		len += (size_t)r;
		head[len] = '\0';
		if (strstr(head, "\r\n\r\n") != NULL ||
		    strstr(head, "\n\n") != NULL)
			break;
	}
	head[len] = '\0';
	if ((sp1 = memchr(head, ' ', len)) == NULL ||
	    (sp2 = memchr(sp1 + 1, ' ', len - (size_t)(sp1 + 1 - head))) ==
	    NULL) {
		send_str(s, fd, "HTTP/1.1 400 Bad Request\r\nContent-Length: "
		    "0\r\nConnection: close\r\n\r\n", dl);
		return;
	}
	*sp1 = '\0';
	*sp2 = '\0';
	get = strcmp(head, "GET") == 0;
	pthread_mutex_lock(&s->mu);
	snprintf(file, sizeof(file), "%s", s->file);
	snprintf(path, sizeof(path), "%s", s->path);
	ours = path[0] != '\0' && strcmp(sp1 + 1, path) == 0;
	if (ours) {
		s->st.requests++;
		snprintf(s->st.peer, sizeof(s->st.peer), "%s", peer);
	}
	pthread_mutex_unlock(&s->mu);
	if (!get && strcmp(head, "HEAD") != 0) {
		send_str(s, fd, "HTTP/1.1 405 Method Not Allowed\r\n"
		    "Content-Length: 0\r\nConnection: close\r\n\r\n", dl);
		return;
	}
	if (!ours || (ffd = open(file, O_RDONLY | O_CLOEXEC)) < 0 ||
	    fstat(ffd, &st) != 0) {
		send_str(s, fd, "HTTP/1.1 404 Not Found\r\nContent-Length: 0"
		    "\r\nConnection: close\r\n\r\n", dl);
		goto out;
	}
	snprintf(hdr, sizeof(hdr), "HTTP/1.1 200 OK\r\nContent-Type: "
	    "application/octet-stream\r\nContent-Length: %llu\r\n"
	    "Connection: close\r\n\r\n", (unsigned long long)st.st_size);
	send_all(s, fd, hdr, strlen(hdr), dl);
	if (!get || (buf = malloc(65536)) == NULL)
		goto out;
	dl = hq_deadline_in(HQ_FWSERVE_IO_MS);
	for (;;) {
		ssize_t r = read(ffd, buf, 65536), off = 0;

		if (r <= 0)
			break;
		while (off < r) {
			short ev = 0;
			ssize_t w = conn_io(s, fd, true, buf + off,
			    (size_t)(r - off), &ev);

			if (w == 0) {
				if (wait_fd(fd, ev, s->stop[0], dl) != 0)
					goto count;
				continue;
			}
			if (w < 0)
				goto count;
			off += w;
			sent += (uint64_t)w;
			/* a slow reader gets a fresh budget per progress */
			dl = hq_deadline_in(HQ_FWSERVE_IO_MS);
		}
	}
 count:
	pthread_mutex_lock(&s->mu);
	s->st.bytes += sent;
	if (sent == (uint64_t)st.st_size)
		s->st.complete++;
	pthread_mutex_unlock(&s->mu);
 out:
	free(buf);
	if (ffd >= 0)
		close(ffd);
}

static void *
loop(void *arg)
{
	struct hq_fwserve *s = arg;
	struct pollfd p[2];

	for (;;) {
		struct sockaddr_in sa;
		socklen_t sl = sizeof(sa);
		char peer[64];
		int fd;

		p[0].fd = s->lfd;
		p[0].events = POLLIN;
		p[1].fd = s->stop[0];
		p[1].events = POLLIN;
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if ((p[1].revents & POLLIN) != 0)
			break;
		if ((fd = accept4(s->lfd, (struct sockaddr *)&sa, &sl,
		    SOCK_NONBLOCK | SOCK_CLOEXEC)) < 0)
			continue;
		if (inet_ntop(AF_INET, &sa.sin_addr, peer, sizeof(peer)) ==
		    NULL)
			snprintf(peer, sizeof(peer), "?");
		pthread_mutex_lock(&s->mu);
		s->st.connections++;
		pthread_mutex_unlock(&s->mu);
		serve_conn(s, fd, peer);
		if (s->ssl != NULL) {
			(void)SSL_shutdown(s->ssl);
			SSL_free(s->ssl);
			s->ssl = NULL;
		}
		close(fd);
	}
	return NULL;
}

int
hq_fwserve_start(const char *addr, unsigned port, const char *cert,
    const char *key, struct hq_fwserve **sp, struct hq_err *err)
{
	return hq_fwserve_start_fd(addr, port, -1, cert, key, sp, err);
}

int
hq_fwserve_start_fd(const char *addr, unsigned port, int lfd,
    const char *cert, const char *key, struct hq_fwserve **sp,
    struct hq_err *err)
{
	struct hq_fwserve *s;
	struct sockaddr_in sa;
	int one = 1, rc = 0;

	*sp = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		if (lfd >= 0)
			close(lfd);
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	}
	s->lfd = lfd;
	s->stop[0] = s->stop[1] = -1;
	pthread_mutex_init(&s->mu, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (port == 0 || port > 65535 ||
	    inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
		rc = hq_err_set(err, HQ_EINVAL, "image server: \"%.64s\" port "
		    "%u is not an IPv4 address and port", addr, port);
		goto out;
	}
	if (cert != NULL) {
		ERR_clear_error();
		if ((s->tls = SSL_CTX_new(TLS_server_method())) == NULL ||
		    SSL_CTX_set_min_proto_version(s->tls, TLS1_2_VERSION) !=
		    1 || SSL_CTX_use_certificate_chain_file(s->tls, cert) !=
		    1 || SSL_CTX_use_PrivateKey_file(s->tls, key != NULL ?
		    key : cert, SSL_FILETYPE_PEM) != 1) {
			rc = hq_err_tls(err, cert);
			goto out;
		}
	}
	if (s->lfd >= 0) {
		int fl = fcntl(s->lfd, F_GETFL);

		if (fl < 0 || fcntl(s->lfd, F_SETFL, fl | O_NONBLOCK) != 0 ||
		    pipe2(s->stop, O_CLOEXEC) != 0) {
			rc = hq_err_sys(err, "image server");
			goto out;
		}
	} else if ((s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) < 0 || setsockopt(s->lfd, SOL_SOCKET,
	    SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(s->lfd, 16) != 0 || pipe2(s->stop, O_CLOEXEC) != 0) {
		rc = hq_err_sys(err, "image server");
		goto out;
	}
	if (pthread_create(&s->thr, NULL, loop, s) != 0) {
		rc = hq_err_set(err, HQ_EINTERNAL, "image server: no thread");
		goto out;
	}
	s->thr_up = true;
 out:
	if (rc != 0)
		hq_fwserve_stop(s);
	else
		*sp = s;
	return rc;
}

int
hq_fwserve_set(struct hq_fwserve *s, const char *file, const char *urlpath,
    struct hq_err *err)
{
	if (file != NULL && (strlen(file) >= sizeof(s->file) ||
	    strlen(urlpath) >= sizeof(s->path) || urlpath[0] != '/'))
		return hq_err_set(err, HQ_EINVAL, "image server: path too "
		    "long");
	pthread_mutex_lock(&s->mu);
	snprintf(s->file, sizeof(s->file), "%s", file != NULL ? file : "");
	snprintf(s->path, sizeof(s->path), "%s", file != NULL ? urlpath : "");
	memset(&s->st, 0, sizeof(s->st));
	pthread_mutex_unlock(&s->mu);
	return 0;
}

void
hq_fwserve_stats(struct hq_fwserve *s, struct hq_fwserve_stats *st)
{
	pthread_mutex_lock(&s->mu);
	*st = s->st;
	pthread_mutex_unlock(&s->mu);
}

void
hq_fwserve_stop(struct hq_fwserve *s)
{
	if (s == NULL)
		return;
	if (s->thr_up) {
		if (write(s->stop[1], "x", 1) < 0)
			(void)0;
		pthread_join(s->thr, NULL);
	}
	if (s->lfd >= 0)
		close(s->lfd);
	if (s->stop[0] >= 0)
		close(s->stop[0]);
	if (s->stop[1] >= 0)
		close(s->stop[1]);
	SSL_CTX_free(s->tls);
	pthread_mutex_destroy(&s->mu);
	free(s);
}
