/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The status stream client (wsstatus.h) on libwebsockets: a context of
 * its own with one client connection, served by one thread until closed
 * (lws_cancel_service wakes it).  Fragments are joined up to
 * HQ_WSSTAT_MSG_MAX; a longer message is dropped and noted.  Statuses are
 * queued under a mutex; the caller waits on a condition variable on
 * CLOCK_MONOTONIC, so every wait keeps its deadline.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <libwebsockets.h>

#include "util/err.h"
#include "util/log.h"
#include "wire/wsstatus.h"

#define STATUS_MAX	256	/* statuses kept */

enum wstate { WS_CONNECTING = 0, WS_UP, WS_ERROR, WS_CLOSED };

struct hq_wsstat {
	struct hq_wsstat_opts	 o;
	char			 path[256], type_ptr[64], type_value[64];
	char			 status_ptr[64];
	struct lws_context	*ctx;
	pthread_t		 thr;
	bool			 thr_up;
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	volatile int		 stop;
	enum wstate		 state;
	char			 why[160];
	char			*frag;
	size_t			 flen;
	bool			 fover;
	char			 st[STATUS_MAX][32];
	size_t			 nst, used;
	char			*log;
	size_t			 loglen;
};

static const cJSON *
ptr_get(const cJSON *cur, const char *ptr)
{
	char tok[64];
	size_t n;

	if (*ptr != '/')
		return *ptr == '\0' ? cur : NULL;
	while (*ptr == '/' && cur != NULL) {
		for (ptr++, n = 0; *ptr != '\0' && *ptr != '/' &&
		    n < sizeof(tok) - 1; ptr++)
			tok[n++] = *ptr;
		tok[n] = '\0';
		cur = cJSON_GetObjectItemCaseSensitive(cur, tok);
	}
	return cur;
}

static void
log_add(struct hq_wsstat *w, const char *p, size_t len)
{
	char esc[1024];
	size_t n;

	hq_escape(esc, sizeof(esc), p, len);
	n = strlen(esc);
	if (w->loglen + n + 2 > HQ_WSSTAT_LOG_MAX)
		return;
	memcpy(w->log + w->loglen, esc, n);
	w->loglen += n;
	w->log[w->loglen++] = '\n';
	w->log[w->loglen] = '\0';
}

/* One whole message: queued when it carries a status. */
static void
on_message(struct hq_wsstat *w, const char *p, size_t len)
{
	cJSON *doc = cJSON_ParseWithLength(p, len);
	const cJSON *t, *s;

	pthread_mutex_lock(&w->mu);
	log_add(w, p, len);
	if (doc != NULL && (w->type_ptr[0] == '\0' ||
	    ((t = ptr_get(doc, w->type_ptr)) != NULL && cJSON_IsString(t) &&
	    strcmp(t->valuestring, w->type_value) == 0)) &&
	    (s = ptr_get(doc, w->status_ptr)) != NULL && cJSON_IsString(s) &&
	    w->nst < STATUS_MAX) {
		hq_escape(w->st[w->nst], sizeof(w->st[0]), s->valuestring,
		    strlen(s->valuestring));
		w->nst++;
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	cJSON_Delete(doc);
}

static void
set_state(struct hq_wsstat *w, enum wstate st, const char *why, size_t len)
{
	pthread_mutex_lock(&w->mu);
	w->state = st;
	if (why != NULL)
		hq_escape(w->why, sizeof(w->why), why, len);
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

static int
cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
    size_t len)
{
	struct hq_wsstat *w = lws_context_user(lws_get_context(wsi));
	char *np;

	(void)user;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		set_state(w, WS_UP, NULL, 0);
		break;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		set_state(w, WS_ERROR, in != NULL ? in : "connection error",
		    in != NULL ? strnlen(in, len > 0 ? len : 160) : 16);
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (lws_is_first_fragment(wsi)) {
			w->flen = 0;
			w->fover = false;
		}
		if (!w->fover && w->flen + len <= HQ_WSSTAT_MSG_MAX) {
			if ((np = realloc(w->frag, w->flen + len + 1)) !=
			    NULL) {
				memcpy(np + w->flen, in, len);
				w->frag = np;
				w->flen += len;
			}
		} else
			w->fover = true;
		if (lws_is_final_fragment(wsi)) {
			if (w->fover) {
				pthread_mutex_lock(&w->mu);
				log_add(w, "(message over the cap dropped)",
				    30);
				pthread_mutex_unlock(&w->mu);
			} else if (w->frag != NULL)
				on_message(w, w->frag, w->flen);
		}
		break;
	case LWS_CALLBACK_CLIENT_CLOSED:
	case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
		set_state(w, WS_CLOSED, "closed", 6);
		break;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols protocols[] = {
	{ "hq-status", cb, 0, 4096, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

static void *
service(void *arg)
{
	struct hq_wsstat *w = arg;

	while (!w->stop)
		lws_service(w->ctx, 0);
	return NULL;
}

static void
abs_time(struct hq_deadline dl, struct timespec *ts)
{
	if (dl.at_ns == INT64_MAX)
		dl.at_ns = hq_mono_ns() + (int64_t)3600 * 1000000000;
	ts->tv_sec = (time_t)(dl.at_ns / 1000000000);
	ts->tv_nsec = (long)(dl.at_ns % 1000000000);
}

int
hq_wsstat_open(const struct hq_wsstat_opts *o, struct hq_deadline dl,
    struct hq_wsstat **wp, struct hq_err *err)
{
	struct lws_context_creation_info info;
	struct lws_client_connect_info ci;
	struct hq_wsstat *w;
	pthread_condattr_t ca;
	struct timespec ts;
	int rc = 0;

	*wp = NULL;
	if ((w = calloc(1, sizeof(*w))) == NULL ||
	    (w->log = calloc(1, HQ_WSSTAT_LOG_MAX + 1)) == NULL) {
		free(w);
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	}
	w->o = *o;
	snprintf(w->path, sizeof(w->path), "%s", o->path != NULL ? o->path :
	    "/");
	snprintf(w->type_ptr, sizeof(w->type_ptr), "%s", o->type_ptr != NULL ?
	    o->type_ptr : "");
	snprintf(w->type_value, sizeof(w->type_value), "%s",
	    o->type_value != NULL ? o->type_value : "");
	snprintf(w->status_ptr, sizeof(w->status_ptr), "%s",
	    o->status_ptr != NULL ? o->status_ptr : "/status");
	pthread_mutex_init(&w->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cv, &ca);
	pthread_condattr_destroy(&ca);
	lws_set_log_level(0, NULL);
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.user = w;
	info.gid = -1;
	info.uid = -1;
	if (o->tls)
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	if ((w->ctx = lws_create_context(&info)) == NULL) {
		rc = hq_err_set(err, HQ_EINTERNAL, "libwebsockets: no "
		    "context");
		goto out;
	}
	memset(&ci, 0, sizeof(ci));
	ci.context = w->ctx;
	ci.address = o->addr;
	ci.port = (int)o->port;
	ci.path = w->path;
	ci.host = o->addr;
	ci.origin = o->addr;
	ci.local_protocol_name = "hq-status";
	if (o->tls)
		ci.ssl_connection = LCCSCF_USE_SSL | LCCSCF_ALLOW_SELFSIGNED |
		    LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK |
		    LCCSCF_ALLOW_INSECURE;
	if (lws_client_connect_via_info(&ci) == NULL) {
		rc = hq_err_set(err, HQ_EUNREACH, "ws://%s:%u%s: cannot "
		    "start the connection", o->addr, o->port, w->path);
		goto out;
	}
	if (pthread_create(&w->thr, NULL, service, w) != 0) {
		rc = hq_err_set(err, HQ_EINTERNAL, "no service thread");
		goto out;
	}
	w->thr_up = true;
	abs_time(dl, &ts);
	pthread_mutex_lock(&w->mu);
	while (w->state == WS_CONNECTING &&
	    pthread_cond_timedwait(&w->cv, &w->mu, &ts) != ETIMEDOUT)
		;
	if (w->state == WS_CONNECTING)
		rc = hq_err_set(err, HQ_ETIMEDOUT, "ws://%s:%u%s: no "
		    "WebSocket before the deadline", o->addr, o->port,
		    w->path);
	else if (w->state != WS_UP)
		rc = hq_err_set(err, HQ_EUNREACH, "ws://%s:%u%s: %s", o->addr,
		    o->port, w->path, w->why);
	pthread_mutex_unlock(&w->mu);
 out:
	if (rc != 0)
		hq_wsstat_close(w);
	else
		*wp = w;
	return rc;
}

int
hq_wsstat_wait(struct hq_wsstat *w, const char *const *finals,
    struct hq_deadline dl, char *out, size_t outsz, struct hq_err *err)
{
	struct timespec ts;
	size_t i;
	int rc = HQ_ETIMEDOUT;

	out[0] = '\0';
	abs_time(dl, &ts);
	pthread_mutex_lock(&w->mu);
	for (;;) {
		for (; w->used < w->nst; w->used++)
			for (i = 0; finals[i] != NULL; i++)
				if (strcmp(w->st[w->used], finals[i]) == 0) {
					snprintf(out, outsz, "%s",
					    w->st[w->used]);
					w->used++;
					rc = 0;
					goto done;
				}
		if (w->state != WS_UP) {
			rc = HQ_EUNREACH;
			break;
		}
		if (hq_interrupted) {
			rc = HQ_EINTR;
			break;
		}
		if (pthread_cond_timedwait(&w->cv, &w->mu, &ts) == ETIMEDOUT &&
		    w->used == w->nst)
			break;
	}
 done:
	pthread_mutex_unlock(&w->mu);
	if (rc == HQ_ETIMEDOUT)
		return hq_err_set(err, rc, "status stream: no final status");
	if (rc == HQ_EUNREACH)
		return hq_err_set(err, rc, "status stream closed (%s)",
		    w->why);
	if (rc == HQ_EINTR)
		return hq_err_set(err, rc, "interrupted");
	return 0;
}

const char *
hq_wsstat_log(struct hq_wsstat *w)
{
	return w->log;
}

void
hq_wsstat_close(struct hq_wsstat *w)
{
	if (w == NULL)
		return;
	w->stop = 1;
	if (w->ctx != NULL)
		lws_cancel_service(w->ctx);
	if (w->thr_up)
		pthread_join(w->thr, NULL);
	if (w->ctx != NULL)
		lws_context_destroy(w->ctx);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w->frag);
	free(w->log);
	free(w);
}
