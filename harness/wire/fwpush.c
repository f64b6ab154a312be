/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Firmware push over HTTP(S), streamed from disk (fwpush.h).  The read
 * callback hands libcurl 64 KiB at a time and the seek callback lets it
 * rewind for an authentication round; the answer body is capped by the
 * write callback (libcurl only caps announced sizes).  Every transfer has
 * a connect timeout and a whole-transfer timeout within the deadline.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "util/err.h"
#include "wire/fwpush.h"

struct up {
	int		 fd;
	uint64_t	 sent;
	char		*body;
	size_t		 len;
	bool		 cut;
};

static size_t
on_read(char *p, size_t sz, size_t n, void *arg)
{
	struct up *u = arg;
	ssize_t r;

	if (hq_interrupted)
		return CURL_READFUNC_ABORT;
	do
		r = read(u->fd, p, sz * n);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return CURL_READFUNC_ABORT;
	u->sent += (uint64_t)r;
	return (size_t)r;
}

static int
on_seek(void *arg, curl_off_t off, int origin)
{
	struct up *u = arg;

	if (origin != SEEK_SET || lseek(u->fd, (off_t)off, SEEK_SET) < 0)
		return CURL_SEEKFUNC_CANTSEEK;
	u->sent = (uint64_t)off;
	return CURL_SEEKFUNC_OK;
}

static size_t
on_write(char *p, size_t sz, size_t n, void *arg)
{
	struct up *u = arg;
	size_t len = sz * n, take = len;
	char *np;

	if (u->len + take > HQ_FWPUSH_BODY_MAX) {
		take = HQ_FWPUSH_BODY_MAX - u->len;
		u->cut = true;
	}
	if (take > 0) {
		if ((np = realloc(u->body, u->len + take + 1)) == NULL)
			return 0;
		memcpy(np + u->len, p, take);
		u->body = np;
		u->len += take;
		u->body[u->len] = '\0';
	}
	return len;	/* the rest is read and dropped, not an error */
}

static int
on_progress(void *arg, curl_off_t a, curl_off_t b, curl_off_t c,
    curl_off_t d)
{
	(void)arg;
	(void)a;
	(void)b;
	(void)c;
	(void)d;
	return hq_interrupted ? 1 : 0;
}

void
hq_fwpush_res_clear(struct hq_fwpush_res *res)
{
	free(res->body);
	memset(res, 0, sizeof(*res));
}

int
hq_fwpush(const struct hq_fwpush_opts *o, const char *path,
    struct hq_deadline dl, struct hq_fwpush_res *res, struct hq_err *err)
{
	struct up u = { .fd = -1 };
	struct curl_slist *hl = NULL;
	curl_mime *mime = NULL;
	curl_mimepart *part;
	struct stat st;
	char line[256];
	long ms = hq_deadline_poll_ms(dl), tmo = o->timeout_ms;
	int64_t t0;
	CURLcode cc;
	CURL *c = NULL;
	int rc = 0;

	memset(res, 0, sizeof(*res));
	if (ms == 0)
		return hq_err_set(err, HQ_ETIMEDOUT, "push: no time left");
	if (ms > 0 && (tmo <= 0 || tmo > ms))
		tmo = ms;
	if ((u.fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return hq_err_sys(err, path);
	if (fstat(u.fd, &st) != 0) {
		rc = hq_err_sys(err, path);
		goto out;
	}
	if ((c = curl_easy_init()) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "curl: no memory");
		goto out;
	}
	curl_easy_setopt(c, CURLOPT_URL, o->url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)(o->connect_timeout_ms > 0 ? o->connect_timeout_ms : 5000));
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, tmo > 0 ? tmo : 600000L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &u);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	/* No "Expect: 100-continue": many embedded servers never answer it
	 * and libcurl would wait a second per attempt. */
	hl = curl_slist_append(hl, "Expect:");
	if (o->form_field != NULL) {
		if ((mime = curl_mime_init(c)) == NULL ||
		    (part = curl_mime_addpart(mime)) == NULL ||
		    curl_mime_name(part, o->form_field) != CURLE_OK ||
		    curl_mime_filedata(part, path) != CURLE_OK ||
		    curl_mime_type(part, "application/octet-stream") !=
		    CURLE_OK) {
			rc = hq_err_set(err, HQ_ENOMEM, "curl mime: no memory");
			goto out;
		}
		curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
		if (strcmp(o->method, "POST") != 0)
			curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, o->method);
	} else {
		snprintf(line, sizeof(line), "Content-Type: %s",
		    o->content_type != NULL ? o->content_type :
		    "application/octet-stream");
		hl = curl_slist_append(hl, line);
		curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(c, CURLOPT_READDATA, &u);
		curl_easy_setopt(c, CURLOPT_SEEKFUNCTION, on_seek);
		curl_easy_setopt(c, CURLOPT_SEEKDATA, &u);
		if (strcmp(o->method, "PUT") == 0) {
			curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
			curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE,
			    (curl_off_t)st.st_size);
		} else {
			curl_easy_setopt(c, CURLOPT_POST, 1L);
			curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
			    (curl_off_t)st.st_size);
			if (strcmp(o->method, "POST") != 0)
				curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST,
				    o->method);
		}
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	if (o->user != NULL && o->password != NULL) {
		curl_easy_setopt(c, CURLOPT_USERNAME, o->user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, o->password);
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, o->authmask);
	}
	if (o->user != NULL && (o->authmask & ~CURLAUTH_BASIC) != 0) {
		/* A challenge-response scheme: one bodiless request first, so
		 * the image goes out once, with credentials, instead of being
		 * cut by a 401 (a device may close on it mid-upload). */
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
		cc = curl_easy_perform(c);
		curl_easy_setopt(c, CURLOPT_NOBODY, 0L);
		if (o->form_field != NULL)
			curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
		else if (strcmp(o->method, "PUT") == 0)
			curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
		else
			curl_easy_setopt(c, CURLOPT_POST, 1L);
		if (strcmp(o->method, "POST") != 0)
			curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, o->method);
		else
			curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, NULL);
		free(u.body);
		u.body = NULL;
		u.len = 0;
		u.cut = false;
	}
	t0 = hq_mono_ns();
	cc = curl_easy_perform(c);
	res->ms = (hq_mono_ns() - t0) / 1000000;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &res->status);
	if (o->form_field != NULL) {
		curl_off_t up = 0;

		curl_easy_getinfo(c, CURLINFO_SIZE_UPLOAD_T, &up);
		res->sent = (uint64_t)up;
	} else
		res->sent = u.sent;
	if (cc != CURLE_OK) {
		if (hq_interrupted) {
			rc = hq_err_set(err, HQ_EINTR, "interrupted");
			goto out;
		}
		snprintf(res->transport, sizeof(res->transport), "%s",
		    curl_easy_strerror(cc));
	}
	res->body = u.body;
	res->body_len = u.len;
	res->body_cut = u.cut;
	u.body = NULL;
	if (res->body == NULL && (res->body = calloc(1, 1)) == NULL)
		rc = hq_err_set(err, HQ_ENOMEM, "no memory");
 out:
	free(u.body);
	curl_slist_free_all(hl);
	curl_mime_free(mime);
	curl_easy_cleanup(c);
	if (u.fd >= 0)
		close(u.fd);
	return rc;
}
