/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Login attempts per surface kind.  libcurl (multi interface, one easy
 * handle per slot, the multi's connection cache giving keep-alive) for
 * HTTP basic/digest, form logins, ONVIF WS-UsernameToken and RTSP; SSH
 * with libssh2 at the authentication layer (password, else keyboard-
 * interactive; no subsystem needed); telnet, MQTT CONNECT (plain or
 * TLS 1.0-1.3) and RTSP over TLS (libcurl has none) hand-written with
 * bounded parsing on non-blocking sockets, in worker threads.  Every attempt gets a category (login.h): only an
 * acceptance or a definite refusal is a verdict.  Passwords go to libcurl and to
 * the DUT only: never to logs, messages or kept request text.
 */
#include <ctype.h>
#include <pthread.h>
#include <poll.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <libssh2.h>
#include <openssl/evp.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include "util/err.h"
#include "util/log.h"
#include "util/rd.h"
#include "wire/curlwhy.h"
#include "wire/login.h"
#include "wire/net.h"

#define URL_MAX		1400
#define TEXT_MAX	4096		/* telnet screen kept for matching */
#define MQTT_FIELD_MAX	65535
#define HQ_LOGIN_THREADS_MAX	32	/* telnet, MQTT, SSH, RTSPS in flight */

enum kind {
	K_NONE, K_BASIC, K_DIGEST, K_FORM, K_RTSP_BASIC, K_RTSP_DIGEST,
	K_SSH, K_TELNET, K_MQTT, K_ONVIF
};

static const struct {
	const char	*name;
	enum kind	 k;
	const char	*pretty;
} kinds[] = {
	{ "http-basic", K_BASIC, "HTTP basic" },
	{ "http-digest", K_DIGEST, "HTTP digest" },
	{ "form", K_FORM, "form login" },
	{ "rtsp-basic", K_RTSP_BASIC, "RTSP basic" },
	{ "rtsp-digest", K_RTSP_DIGEST, "RTSP digest" },
	{ "ssh-password", K_SSH, "SSH password" },
	{ "telnet", K_TELNET, "telnet login" },
	{ "mqtt", K_MQTT, "MQTT CONNECT" },
	{ "onvif", K_ONVIF, "ONVIF WS-UsernameToken" },
};

static enum kind
kind_of(const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kinds[i].name, name) == 0)
			return kinds[i].k;
	return K_NONE;
}

bool
hq_login_kind_supported(const char *kind)
{
	return kind_of(kind) != K_NONE;
}

const char *
hq_login_kind_name(const char *kind)
{
	size_t i;

	for (i = 0; kind != NULL && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kinds[i].name, kind) == 0)
			return kinds[i].pretty;
	return "unknown login";
}

bool
hq_login_kind_has_session(const char *kind)
{
	return kind_of(kind) == K_FORM;
}

const char *
hq_login_cat_name(enum hq_login_cat c)
{
	switch (c) {
	case HQ_LCAT_ACCEPT:	return "accepted";
	case HQ_LCAT_REFUSE:	return "definite refusal";
	case HQ_LCAT_SERVER:	return "no verdict: server error";
	case HQ_LCAT_BUSY:	return "no verdict: busy or rate limited";
	case HQ_LCAT_STATUS:	return "no verdict: not an authentication "
				    "answer";
	case HQ_LCAT_TIMEOUT:	return "no verdict: timeout";
	case HQ_LCAT_RESET:	return "no verdict: closed or reset";
	case HQ_LCAT_CONNREFUSED: return "no verdict: connection refused";
	case HQ_LCAT_UNREACHABLE: return "no verdict: unreachable";
	case HQ_LCAT_PROTO:	return "no verdict: protocol error";
	case HQ_LCAT_LOCAL:	return "no verdict: local error";
	default:		return "not tried";
	}
}

bool
hq_login_cat_is_network_lock(enum hq_login_cat c)
{
	return c == HQ_LCAT_CONNREFUSED || c == HQ_LCAT_UNREACHABLE;
}

/* Sets the result, its category and what was seen. */
static void set_res(struct hq_login_try *t, enum hq_login_cat cat,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
set_res(struct hq_login_try *t, enum hq_login_cat cat, const char *fmt, ...)
{
	va_list ap;

	t->cat = cat;
	t->res = cat == HQ_LCAT_ACCEPT ? HQ_LOGIN_ACCEPTED :
	    cat == HQ_LCAT_REFUSE ? HQ_LOGIN_REFUSED : HQ_LOGIN_ERROR;
	va_start(ap, fmt);
	vsnprintf(t->why, sizeof(t->why), fmt, ap);
	va_end(ap);
}

/* The category of an HTTP or RTSP status that is neither success nor a
 * definite refusal of the kind. */
static enum hq_login_cat
cat_of_status(long code)
{
	if (code >= 500)
		return HQ_LCAT_SERVER;
	if (code == 429 || code == 408)
		return HQ_LCAT_BUSY;
	return HQ_LCAT_STATUS;
}

/* The category of a socket error from hq_net_* (the code it returned). */
static enum hq_login_cat
cat_of_rc(int rc)
{
	switch (rc) {
	case HQ_ETIMEDOUT:	return HQ_LCAT_TIMEOUT;
	case HQ_EUNREACH:	return HQ_LCAT_CONNREFUSED;
	case HQ_EPROTO:		return HQ_LCAT_PROTO;
	case HQ_ENOMEM:		return HQ_LCAT_LOCAL;
	default:		return HQ_LCAT_RESET;
	}
}

const char *
hq_login_res_name(enum hq_login_res r)
{
	switch (r) {
	case HQ_LOGIN_ACCEPTED:	return "accepted";
	case HQ_LOGIN_REFUSED:	return "refused";
	case HQ_LOGIN_ERROR:	return "error";
	default:		return "not tried";
	}
}

void
hq_login_try_clear(struct hq_login_try *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].head);
		free(v[i].body);
		hq_secret_free(v[i].token);
		hq_secret_free(v[i].cookies);
		v[i].head = v[i].body = v[i].token = v[i].cookies = NULL;
		v[i].body_len = 0;
	}
}

/* ---- small helpers ---- */

/* A growing buffer with its cap fixed at creation. */
struct buf {
	char	*p;
	size_t	 len, cap, max;
	bool	 over;
};

static void
buf_reset(struct buf *b)
{
	b->len = 0;
	b->over = false;
	if (b->p != NULL)
		b->p[0] = '\0';
}

static bool
buf_add(struct buf *b, const void *p, size_t n)
{
	if (b->len + n > b->max) {
		b->over = true;
		return false;
	}
	if (b->len + n + 1 > b->cap) {
		size_t nc = b->cap ? b->cap : 1024;
		char *np;

		while (nc < b->len + n + 1)
			nc *= 2;
		if ((np = realloc(b->p, nc)) == NULL) {
			b->over = true;
			return false;
		}
		b->p = np;
		b->cap = nc;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
	return true;
}

static void
host_for_url(const char *addr, char *out, size_t outsz)
{
	if (strchr(addr, ':') != NULL)
		snprintf(out, outsz, "[%s]", addr);	/* IPv6 literal */
	else
		snprintf(out, outsz, "%s", addr);
}

static const char *
login_str(const struct hq_surface *sf, const char *key)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(sf->login, key);

	return cJSON_IsString(j) ? j->valuestring : NULL;
}

/* Replaces {user} and {password} in tmpl; URL-encodes them if asked. */
static char *
subst(CURL *eh, const char *tmpl, const char *user, const char *pw,
    bool urlenc)
{
	struct buf b = { .max = 64 * 1024 };
	const char *p = tmpl;

	if (!buf_add(&b, "", 0) && b.p == NULL)
		return NULL;
	while (*p != '\0') {
		const char *v = NULL;
		size_t skip = 0;

		if (strncmp(p, "{user}", 6) == 0) {
			v = user;
			skip = 6;
		} else if (strncmp(p, "{password}", 10) == 0) {
			v = pw;
			skip = 10;
		}
		if (v != NULL) {
			char *e = urlenc ? curl_easy_escape(eh, v, 0) : NULL;

			if (urlenc && e == NULL)
				goto fail;
			if (!buf_add(&b, urlenc ? e : v, strlen(urlenc ? e : v))) {
				curl_free(e);
				goto fail;
			}
			if (e != NULL) {
				OPENSSL_cleanse(e, strlen(e));
				curl_free(e);
			}
			p += skip;
		} else {
			if (!buf_add(&b, p, 1))
				goto fail;
			p++;
		}
	}
	return b.p;
 fail:
	hq_secret_free(b.p);
	return NULL;
}

/* Substitutes in every string of a JSON tree (a duplicate). */
static bool
subst_json(CURL *eh, cJSON *j, const char *user, const char *pw)
{
	cJSON *c;

	if (cJSON_IsString(j) && j->valuestring != NULL &&
	    strchr(j->valuestring, '{') != NULL) {
		char *s = subst(eh, j->valuestring, user, pw, false);

		if (s == NULL)
			return false;
		/* Wipe the template copy, keep the substituted text. */
		free(j->valuestring);
		j->valuestring = s;
		return true;
	}
	cJSON_ArrayForEach(c, j)
		if (!subst_json(eh, c, user, pw))
			return false;
	return true;
}

/* Wipes every string of a JSON tree before it is freed. */
static void
json_wipe(cJSON *j)
{
	cJSON *c;

	if (j == NULL)
		return;
	if (cJSON_IsString(j) && j->valuestring != NULL)
		OPENSSL_cleanse(j->valuestring, strlen(j->valuestring));
	cJSON_ArrayForEach(c, j)
		json_wipe(c);
}

/* RFC 6901 JSON pointer, bounded; returns the item or NULL. */
static const cJSON *
json_pointer(const cJSON *root, const char *ptr)
{
	const cJSON *cur = root;
	char tok[256];

	if (ptr[0] == '\0')
		return root;
	while (cur != NULL && *ptr == '/') {
		size_t n = 0;

		ptr++;
		while (*ptr != '\0' && *ptr != '/' && n + 1 < sizeof(tok)) {
			if (ptr[0] == '~' && ptr[1] == '1') {
				tok[n++] = '/';
				ptr += 2;
			} else if (ptr[0] == '~' && ptr[1] == '0') {
				tok[n++] = '~';
				ptr += 2;
			} else
				tok[n++] = *ptr++;
		}
		tok[n] = '\0';
		if (cJSON_IsArray(cur)) {
			uint64_t ix;

			if (hq_parse_u64(tok, n, 100000, &ix) != 0)
				return NULL;
			cur = cJSON_GetArrayItem(cur, (int)ix);
		} else if (cJSON_IsObject(cur))
			cur = cJSON_GetObjectItemCaseSensitive(cur, tok);
		else
			return NULL;
	}
	return *ptr == '\0' ? cur : NULL;
}

/* The token at ptr in a JSON body, or NULL (not JSON, absent, empty). */
static char *
token_from_body(const char *body, size_t len, const char *ptr)
{
	cJSON *root;
	const cJSON *t;
	char *tok = NULL;

	if (body == NULL || len == 0 ||
	    (root = cJSON_ParseWithLength(body, len)) == NULL)
		return NULL;
	t = json_pointer(root, ptr);
	if (cJSON_IsString(t) && t->valuestring[0] != '\0' &&
	    strlen(t->valuestring) <= HQ_LOGIN_TOKEN_MAX)
		tok = strdup(t->valuestring);
	else if (cJSON_IsNumber(t) || cJSON_IsTrue(t)) {
		char num[64];

		snprintf(num, sizeof(num), "%.17g", t->valuedouble);
		tok = strdup(cJSON_IsTrue(t) ? "true" : num);
	}
	cJSON_Delete(root);
	return tok;
}

/* "a=b; c=d" from the Set-Cookie lines of a response head. */
static char *
cookies_from_head(const char *head)
{
	struct buf b = { .max = HQ_LOGIN_TOKEN_MAX };
	const char *p = head;

	while (p != NULL && *p != '\0') {
		const char *eol = strchr(p, '\n');
		size_t ll = eol != NULL ? (size_t)(eol - p) : strlen(p);

		if (ll > 11 && strncasecmp(p, "set-cookie:", 11) == 0) {
			const char *v = p + 11, *e;

			while (v < p + ll && (*v == ' ' || *v == '\t'))
				v++;
			for (e = v; e < p + ll && *e != ';' && *e != '\r'; e++)
				;
			if (e > v && memchr(v, '=', (size_t)(e - v)) != NULL &&
			    ((b.len > 0 && !buf_add(&b, "; ", 2)) ||
			    !buf_add(&b, v, (size_t)(e - v))))
				break;
		}
		p = eol != NULL ? eol + 1 : NULL;
	}
	return b.p;
}

/* ---- ONVIF WS-UsernameToken (ONVIF Core 5.12, WS-Security UsernameToken
 * Profile 1.0: PasswordDigest = Base64(SHA-1(nonce + created + password))).
 */
static char *
xml_escape(const char *s)
{
	struct buf b = { .max = 4096 };

	if (!buf_add(&b, "", 0))
		return NULL;
	for (; *s != '\0'; s++) {
		const char *r = NULL;

		switch (*s) {
		case '<': r = "&lt;"; break;
		case '>': r = "&gt;"; break;
		case '&': r = "&amp;"; break;
		case '"': r = "&quot;"; break;
		case '\'': r = "&apos;"; break;
		}
		if (!buf_add(&b, r != NULL ? r : s, r != NULL ? strlen(r) : 1)) {
			free(b.p);
			return NULL;
		}
	}
	return b.p;
}

static char *
onvif_body(const char *user, const char *pw)
{
	static const char fmt[] =
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	    "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\">"
	    "<s:Header><wsse:Security xmlns:wsse=\"http://docs.oasis-open.org"
	    "/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd\" "
	    "xmlns:wsu=\"http://docs.oasis-open.org/wss/2004/01/oasis-200401-"
	    "wss-wssecurity-utility-1.0.xsd\"><wsse:UsernameToken>"
	    "<wsse:Username>%s</wsse:Username><wsse:Password Type=\"http://"
	    "docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-"
	    "profile-1.0#PasswordDigest\">%s</wsse:Password><wsse:Nonce "
	    "EncodingType=\"http://docs.oasis-open.org/wss/2004/01/oasis-"
	    "200401-wss-soap-message-security-1.0#Base64Binary\">%s"
	    "</wsse:Nonce><wsu:Created>%s</wsu:Created></wsse:UsernameToken>"
	    "</wsse:Security></s:Header><s:Body><GetDeviceInformation xmlns="
	    "\"http://www.onvif.org/ver10/device/wsdl\"/></s:Body>"
	    "</s:Envelope>";
	unsigned char nonce[16], md[EVP_MAX_MD_SIZE];
	char created[32], nonce64[32], dig64[48], *u = NULL, *out = NULL;
	unsigned int mdlen = 0;
	EVP_MD_CTX *mc = NULL;
	time_t now = time(NULL);
	struct tm tm;
	size_t sz;

	if (RAND_bytes(nonce, sizeof(nonce)) != 1 ||
	    gmtime_r(&now, &tm) == NULL)
		return NULL;
	strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if ((mc = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(mc, EVP_sha1(), NULL) != 1 ||
	    EVP_DigestUpdate(mc, nonce, sizeof(nonce)) != 1 ||
	    EVP_DigestUpdate(mc, created, strlen(created)) != 1 ||
	    EVP_DigestUpdate(mc, pw, strlen(pw)) != 1 ||
	    EVP_DigestFinal_ex(mc, md, &mdlen) != 1)
		goto out;
	EVP_EncodeBlock((unsigned char *)nonce64, nonce, sizeof(nonce));
	EVP_EncodeBlock((unsigned char *)dig64, md, (int)mdlen);
	if ((u = xml_escape(user)) == NULL)
		goto out;
	sz = sizeof(fmt) + strlen(u) + sizeof(dig64) + sizeof(nonce64) +
	    sizeof(created);
	if ((out = malloc(sz)) != NULL)
		snprintf(out, sz, fmt, u, dig64, nonce64, created);
 out:
	EVP_MD_CTX_free(mc);
	free(u);
	return out;
}

/* ---- the libcurl engine ---- */

struct slot {
	CURL			*eh;
	struct curl_slist	*hdrs;
	char			*post;		/* request body (secret) */
	struct buf		 head, body;
	size_t			 ix;		/* attempt in flight */
	bool			 busy;
};

struct eng {
	const struct hq_login_cfg	*cfg;
	enum kind			 k;
	char				 url[URL_MAX];
	const char			*method;	/* form */
	const cJSON			*body_tmpl;	/* form */
	const cJSON			*hdr_tmpl;	/* form */
	long				 ok_status;	/* form */
	const char			*token_ptr;	/* form */
	long				 fail_status;	/* form, 0: any */
	bool				 form_urlenc;
};

static size_t
cb_body(char *p, size_t size, size_t nmemb, void *arg)
{
	struct slot *s = arg;
	size_t n = size * nmemb;

	/* The cap: libcurl's MAXFILESIZE only covers announced sizes. */
	if (!buf_add(&s->body, p, n))
		return 0;
	return n;
}

static size_t
cb_head(char *p, size_t size, size_t nmemb, void *arg)
{
	struct slot *s = arg;
	size_t n = size * nmemb;

	/* Keep only the last response (digest: after the challenge). */
	if ((n >= 5 && (memcmp(p, "HTTP/", 5) == 0 ||
	    memcmp(p, "RTSP/", 5) == 0))) {
		buf_reset(&s->head);
		buf_reset(&s->body);
	}
	/* Over the cap the rest is dropped; the transfer goes on. */
	(void)buf_add(&s->head, p, n);
	return n;
}

static int
eng_prepare(struct eng *e, struct hq_err *err)
{
	const struct hq_surface *sf = e->cfg->sf;
	const char *path = login_str(sf, "path"), *scheme;
	char host[80];

	host_for_url(e->cfg->addr, host, sizeof(host));
	switch (e->k) {
	case K_BASIC:
	case K_DIGEST:
	case K_ONVIF:
		scheme = sf->tls ? "https" : "http";
		if (path == NULL)
			path = e->k == K_ONVIF ? "/onvif/device_service" : "/";
		break;
	case K_FORM: {
		const cJSON *req = cJSON_GetObjectItemCaseSensitive(sf->login,
		    "request");
		const cJSON *succ = cJSON_GetObjectItemCaseSensitive(sf->login,
		    "success");
		const cJSON *m, *p, *st, *ptr, *h, *fail;

		scheme = sf->tls ? "https" : "http";
		m = cJSON_GetObjectItemCaseSensitive(req, "method");
		p = cJSON_GetObjectItemCaseSensitive(req, "path");
		st = cJSON_GetObjectItemCaseSensitive(succ, "status");
		ptr = cJSON_GetObjectItemCaseSensitive(succ, "json");
		if (!cJSON_IsString(m) || !cJSON_IsString(p) ||
		    !cJSON_IsNumber(st))
			return hq_err_set(err, HQ_EINVAL, "surface %s: form "
			    "login without request.method, request.path or "
			    "success.status", sf->id);
		e->method = m->valuestring;
		path = p->valuestring;
		e->ok_status = (long)st->valuedouble;
		e->token_ptr = cJSON_IsString(ptr) ? ptr->valuestring : NULL;
		fail = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(sf->login, "failure"),
		    "status");
		e->fail_status = cJSON_IsNumber(fail) ?
		    (long)fail->valuedouble : 0;
		e->body_tmpl = cJSON_GetObjectItemCaseSensitive(req, "body");
		e->hdr_tmpl = cJSON_GetObjectItemCaseSensitive(req, "headers");
		e->form_urlenc = cJSON_IsString(e->body_tmpl);
		cJSON_ArrayForEach(h, e->hdr_tmpl)
			if (h->string != NULL &&
			    strcasecmp(h->string, "content-type") == 0 &&
			    cJSON_IsString(h) &&
			    strstr(h->valuestring, "urlencoded") == NULL)
				e->form_urlenc = false;
		break;
	}
	case K_RTSP_BASIC:
	case K_RTSP_DIGEST:
		if (sf->tls)
			return hq_err_set(err, HQ_EINTERNAL, "surface %s: RTSP "
			    "over TLS is our own code's, not libcurl's",
			    sf->id);
		scheme = "rtsp";
		if (path == NULL)
			path = "/";
		break;
	default:
		return hq_err_set(err, HQ_EINTERNAL, "not a libcurl kind");
	}
	if ((size_t)snprintf(e->url, sizeof(e->url), "%s://%s:%u%s", scheme,
	    host, sf->port, path) >= sizeof(e->url))
		return hq_err_set(err, HQ_EINVAL, "surface %s: URL too long",
		    sf->id);
	return 0;
}

static int
slot_init(struct eng *e, struct slot *s, struct hq_err *err)
{
	const struct hq_login_cfg *c = e->cfg;
	const char *protos;
	size_t bmax = c->body_max ? c->body_max : HQ_LOGIN_BODY_MAX;

	s->head.max = HQ_LOGIN_HEAD_MAX;
	s->body.max = bmax;
	if ((s->eh = curl_easy_init()) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "curl_easy_init");
	switch (e->k) {
	case K_RTSP_BASIC:
	case K_RTSP_DIGEST:	protos = "rtsp"; break;
	default:		protos = c->sf->tls ? "https" : "http"; break;
	}
	curl_easy_setopt(s->eh, CURLOPT_URL, e->url);
	curl_easy_setopt(s->eh, CURLOPT_PROTOCOLS_STR, protos);
	curl_easy_setopt(s->eh, CURLOPT_REDIR_PROTOCOLS_STR, protos);
	curl_easy_setopt(s->eh, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(s->eh, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(s->eh, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)c->connect_timeout_ms);
	curl_easy_setopt(s->eh, CURLOPT_WRITEFUNCTION, cb_body);
	curl_easy_setopt(s->eh, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(s->eh, CURLOPT_HEADERFUNCTION, cb_head);
	curl_easy_setopt(s->eh, CURLOPT_HEADERDATA, s);
	curl_easy_setopt(s->eh, CURLOPT_USERAGENT, "hopquy/" HQ_VERSION);
	/* Login tests do not judge certificates (the tls family does);
	 * DUTs ship self-signed ones. */
	curl_easy_setopt(s->eh, CURLOPT_SSL_VERIFYPEER, 0L);
	curl_easy_setopt(s->eh, CURLOPT_SSL_VERIFYHOST, 0L);
	if (c->fresh_conn) {
		curl_easy_setopt(s->eh, CURLOPT_FORBID_REUSE, 1L);
		curl_easy_setopt(s->eh, CURLOPT_FRESH_CONNECT, 1L);
	}
	switch (e->k) {
	case K_BASIC:
		curl_easy_setopt(s->eh, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		break;
	case K_DIGEST:
		curl_easy_setopt(s->eh, CURLOPT_HTTPAUTH,
		    (long)CURLAUTH_DIGEST);
		break;
	case K_RTSP_BASIC:
	case K_RTSP_DIGEST:
		curl_easy_setopt(s->eh, CURLOPT_HTTPAUTH, (long)(e->k ==
		    K_RTSP_BASIC ? CURLAUTH_BASIC : CURLAUTH_DIGEST));
		curl_easy_setopt(s->eh, CURLOPT_RTSP_REQUEST,
		    (long)CURL_RTSPREQ_DESCRIBE);
		curl_easy_setopt(s->eh, CURLOPT_RTSP_STREAM_URI, e->url);
		break;
	default:
		break;
	}
	return 0;
}

static void
slot_free(struct slot *s)
{
	curl_easy_cleanup(s->eh);
	curl_slist_free_all(s->hdrs);
	hq_secret_free(s->post);
	hq_secret_free(s->head.p);
	hq_secret_free(s->body.p);
}

/* Sets the per-attempt options of slot s for attempt t. */
static int
slot_arm(struct eng *e, struct slot *s, struct hq_login_try *t,
    struct hq_deadline dl, struct hq_err *err)
{
	int left = hq_deadline_poll_ms(dl);
	long tmo = e->cfg->timeout_ms;

	if (left >= 0 && left < tmo)
		tmo = left > 0 ? left : 1;
	curl_easy_setopt(s->eh, CURLOPT_TIMEOUT_MS, tmo);
	curl_slist_free_all(s->hdrs);
	s->hdrs = NULL;
	hq_secret_free(s->post);
	s->post = NULL;
	buf_reset(&s->head);
	buf_reset(&s->body);
	switch (e->k) {
	case K_FORM: {
		const cJSON *h;
		bool have_ct = false;

		if (e->body_tmpl != NULL && strcmp(e->method, "GET") != 0 &&
		    strcmp(e->method, "HEAD") != 0) {
			if (cJSON_IsString(e->body_tmpl))
				s->post = subst(s->eh, e->body_tmpl->valuestring,
				    t->user, t->password, e->form_urlenc);
			else {
				cJSON *dup = cJSON_Duplicate(e->body_tmpl, 1);

				if (dup != NULL && subst_json(s->eh, dup,
				    t->user, t->password))
					s->post = cJSON_PrintUnformatted(dup);
				json_wipe(dup);	/* it holds the password */
				cJSON_Delete(dup);
			}
			if (s->post == NULL)
				return hq_err_set(err, HQ_ENOMEM, "form body");
		}
		cJSON_ArrayForEach(h, e->hdr_tmpl) {
			char *v, line[1200];
			struct curl_slist *nl;

			if (!cJSON_IsString(h) || h->string == NULL)
				continue;
			if (strcasecmp(h->string, "content-type") == 0)
				have_ct = true;
			if ((v = subst(s->eh, h->valuestring, t->user,
			    t->password, false)) == NULL)
				return hq_err_set(err, HQ_ENOMEM, "header");
			snprintf(line, sizeof(line), "%s: %s", h->string, v);
			hq_secret_free(v);
			nl = curl_slist_append(s->hdrs, line);
			OPENSSL_cleanse(line, sizeof(line));
			if (nl == NULL)
				return hq_err_set(err, HQ_ENOMEM, "header");
			s->hdrs = nl;
		}
		if (!have_ct && s->post != NULL)
			s->hdrs = curl_slist_append(s->hdrs, e->form_urlenc ?
			    "Content-Type: application/x-www-form-urlencoded" :
			    "Content-Type: application/json");
		curl_easy_setopt(s->eh, CURLOPT_HTTPHEADER, s->hdrs);
		if (strcmp(e->method, "HEAD") == 0)
			curl_easy_setopt(s->eh, CURLOPT_NOBODY, 1L);
		else if (strcmp(e->method, "GET") == 0)
			curl_easy_setopt(s->eh, CURLOPT_HTTPGET, 1L);
		else {
			curl_easy_setopt(s->eh, CURLOPT_POSTFIELDS,
			    s->post != NULL ? s->post : "");
			if (strcmp(e->method, "POST") != 0)
				curl_easy_setopt(s->eh, CURLOPT_CUSTOMREQUEST,
				    e->method);
		}
		break;
	}
	case K_ONVIF:
		if ((s->post = onvif_body(t->user, t->password)) == NULL)
			return hq_err_set(err, HQ_ENOMEM, "ONVIF request");
		s->hdrs = curl_slist_append(NULL, "Content-Type: "
		    "application/soap+xml; charset=utf-8");
		curl_easy_setopt(s->eh, CURLOPT_HTTPHEADER, s->hdrs);
		curl_easy_setopt(s->eh, CURLOPT_POSTFIELDS, s->post);
		break;
	default:
		curl_easy_setopt(s->eh, CURLOPT_USERNAME, t->user);
		curl_easy_setopt(s->eh, CURLOPT_PASSWORD, t->password);
		break;
	}
	return 0;
}

/* The category of a transfer that got no status line. */
static enum hq_login_cat
cat_of_curl(CURL *eh, CURLcode cc)
{
	long oserr = 0;
	curl_off_t conn = 0;

	curl_easy_getinfo(eh, CURLINFO_OS_ERRNO, &oserr);
	curl_easy_getinfo(eh, CURLINFO_CONNECT_TIME_T, &conn);
	switch (cc) {
	case CURLE_COULDNT_CONNECT:
		return oserr == ECONNREFUSED ? HQ_LCAT_CONNREFUSED :
		    HQ_LCAT_UNREACHABLE;
	case CURLE_OPERATION_TIMEDOUT:
		return conn == 0 ? HQ_LCAT_UNREACHABLE : HQ_LCAT_TIMEOUT;
	case CURLE_GOT_NOTHING:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_PARTIAL_FILE:
		return HQ_LCAT_RESET;
	case CURLE_OUT_OF_MEMORY:
		return HQ_LCAT_LOCAL;
	default:
		return HQ_LCAT_PROTO;
	}
}

/* ONVIF Core 5.12.1: a SOAP fault with subcode ter:NotAuthorized is the
 * device's "wrong credentials" (some answer 400 or 500 with it). */
static bool
onvif_not_authorized(const struct slot *s)
{
	return s->body.p != NULL && s->body.len > 0 &&
	    memmem(s->body.p, s->body.len, "NotAuthorized", 13) != NULL;
}

static void
classify(struct eng *e, struct slot *s, struct hq_login_try *t, CURLcode cc)
{
	curl_off_t pre = 0, start = 0, total = 0;
	long code = 0;
	char cut[48] = "";

	curl_easy_getinfo(s->eh, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_getinfo(s->eh, CURLINFO_PRETRANSFER_TIME_T, &pre);
	curl_easy_getinfo(s->eh, CURLINFO_STARTTRANSFER_TIME_T, &start);
	curl_easy_getinfo(s->eh, CURLINFO_TOTAL_TIME_T, &total);
	t->us = start > 0 && start >= pre ? (int64_t)(start - pre) :
	    (int64_t)total;
	t->code = code;
	if (code <= 0 || (cc != CURLE_OK && cc != CURLE_WRITE_ERROR)) {
		/* No complete answer: a status line followed by a reset
		 * proves nothing either. */
		bool dev;
		const char *why = hq_curl_why(s->eh, cc, &dev);

		/* libcurl's limits on what the device sent are the
		 * device's doing: a protocol matter, not a local error. */
		set_res(t, dev ? HQ_LCAT_PROTO : cat_of_curl(s->eh, cc),
		    "%s%s", code > 0 ? "status line, then " : "", why);
		return;
	}
	if (s->body.over)
		snprintf(cut, sizeof(cut), ", body over %zu bytes (cut)",
		    s->body.max);
	if (e->k == K_FORM) {
		if (code == e->ok_status && e->token_ptr != NULL) {
			t->token = token_from_body(s->body.p, s->body.len,
			    e->token_ptr);
			if (t->token != NULL)
				set_res(t, HQ_LCAT_ACCEPT, "status %ld%s",
				    code, cut);
			else
				set_res(t, HQ_LCAT_REFUSE, "status %ld "
				    "without a value at %s%s", code,
				    e->token_ptr, cut);
		} else if (code == e->ok_status)
			set_res(t, HQ_LCAT_ACCEPT, "status %ld%s", code, cut);
		else if (e->fail_status != 0)
			set_res(t, code == e->fail_status ? HQ_LCAT_REFUSE :
			    cat_of_status(code), "status %ld%s", code, cut);
		else
			/* Without a declared failure status: any answer but
			 * success, a server error or "slow down". */
			set_res(t, code >= 500 || code == 429 ||
			    code == 408 ? cat_of_status(code) :
			    HQ_LCAT_REFUSE, "status %ld%s", code, cut);
		if (t->res == HQ_LOGIN_ACCEPTED && s->head.p != NULL)
			t->cookies = cookies_from_head(s->head.p);
	} else if (code >= 200 && code < 300)
		set_res(t, HQ_LCAT_ACCEPT, "status %ld%s", code, cut);
	else if (code == 401 || code == 403)
		set_res(t, HQ_LCAT_REFUSE, "status %ld%s", code, cut);
	else if (e->k == K_ONVIF && (code == 400 || code == 500) &&
	    onvif_not_authorized(s))
		set_res(t, HQ_LCAT_REFUSE, "status %ld, NotAuthorized fault%s",
		    code, cut);
	else
		set_res(t, cat_of_status(code), "status %ld%s", code, cut);
	if (e->cfg->keep_resp) {
		t->head = s->head.p != NULL ? strdup(s->head.p) : NULL;
		if (s->body.len > 0 && (t->body = malloc(s->body.len + 1)) !=
		    NULL) {
			memcpy(t->body, s->body.p, s->body.len + 1);
			t->body_len = s->body.len;
		}
	}
}

static int
run_curl(const struct hq_login_cfg *cfg, enum kind k, struct hq_login_try *v,
    size_t n, struct hq_deadline dl, struct hq_err *err)
{
	struct eng e = { .cfg = cfg, .k = k };
	struct slot *slots = NULL;
	CURLM *mh = NULL;
	size_t nslots, next = 0, done = 0, i;
	int rc, running = 0;

	if ((rc = eng_prepare(&e, err)) != 0)
		return rc;
	nslots = cfg->parallel < 1 ? 1 : cfg->parallel;
	if (nslots > HQ_LOGIN_PARALLEL_MAX)
		nslots = HQ_LOGIN_PARALLEL_MAX;
	if (nslots > n)
		nslots = n;
	if (n == 0)
		return 0;
	if ((slots = calloc(nslots, sizeof(*slots))) == NULL ||
	    (mh = curl_multi_init()) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "no memory");
		goto out;
	}
	curl_multi_setopt(mh, CURLMOPT_MAX_HOST_CONNECTIONS, (long)nslots);
	curl_multi_setopt(mh, CURLMOPT_MAXCONNECTS, (long)nslots);
	for (i = 0; i < nslots; i++)
		if ((rc = slot_init(&e, &slots[i], err)) != 0)
			goto out;
	while (done < n) {
		CURLMsg *msg;
		int left;

		for (i = 0; i < nslots && next < n; i++) {
			if (slots[i].busy)
				continue;
			if ((rc = slot_arm(&e, &slots[i], &v[next], dl,
			    err)) != 0)
				goto out;
			slots[i].ix = next++;
			slots[i].busy = true;
			curl_multi_add_handle(mh, slots[i].eh);
		}
		if (curl_multi_perform(mh, &running) != CURLM_OK) {
			rc = hq_err_set(err, HQ_EINTERNAL, "curl_multi_perform");
			goto out;
		}
		while ((msg = curl_multi_info_read(mh, &left)) != NULL) {
			struct slot *s = NULL;

			if (msg->msg != CURLMSG_DONE)
				continue;
			for (i = 0; i < nslots; i++)
				if (slots[i].eh == msg->easy_handle)
					s = &slots[i];
			if (s == NULL)
				continue;
			classify(&e, s, &v[s->ix], msg->data.result);
			curl_multi_remove_handle(mh, s->eh);
			s->busy = false;
			done++;
		}
		if (done >= n)
			break;
		if (hq_interrupted) {
			rc = hq_err_set(err, HQ_EINTR, "interrupted");
			goto out;
		}
		if (hq_deadline_passed(dl)) {
			rc = hq_err_set(err, HQ_ETIMEDOUT, "login attempts: "
			    "deadline passed after %zu of %zu", done, n);
			goto out;
		}
		if (running > 0 || next >= n) {
			int wait = hq_deadline_poll_ms(dl);

			if (wait < 0 || wait > 100)
				wait = 100;
			curl_multi_poll(mh, NULL, 0, wait, NULL);
		}
	}
 out:
	for (i = 0; slots != NULL && i < nslots; i++) {
		if (slots[i].busy)
			curl_multi_remove_handle(mh, slots[i].eh);
		slot_free(&slots[i]);
	}
	curl_multi_cleanup(mh);
	free(slots);
	return rc;
}

/* ---- telnet (RFC 854), hand-written: libcurl's telnet only pipes ---- */

#define T_IAC	255
#define T_DONT	254
#define T_DO	253
#define T_WONT	252
#define T_WILL	251
#define T_SB	250
#define T_SE	240

struct tn {
	int	fd;
	const cJSON *p_user, *p_pass, *p_fail, *p_shell;	/* prompts */
	int	state;		/* 0 data, 1 IAC, 2 option, 3 SB, 4 SB IAC */
	uint8_t	cmd;
	char	text[TEXT_MAX];
	size_t	len;
};

static void
tn_text(struct tn *tn, uint8_t c)
{
	if (c == '\0')
		return;
	if (tn->len + 1 >= sizeof(tn->text)) {
		/* Keep the newer half: prompts are at the end. */
		memmove(tn->text, tn->text + sizeof(tn->text) / 2,
		    tn->len - sizeof(tn->text) / 2);
		tn->len -= sizeof(tn->text) / 2;
	}
	tn->text[tn->len++] = (char)c;
	tn->text[tn->len] = '\0';
}

/* Feeds received bytes; collects replies to option negotiation. */
static void
tn_feed(struct tn *tn, const uint8_t *p, size_t n, uint8_t *rep,
    size_t *replen, size_t repcap)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint8_t c = p[i];

		switch (tn->state) {
		case 0:
			if (c == T_IAC)
				tn->state = 1;
			else
				tn_text(tn, c);
			break;
		case 1:
			if (c == T_IAC) {
				tn_text(tn, c);
				tn->state = 0;
			} else if (c >= T_WILL && c <= T_DONT) {
				tn->cmd = c;
				tn->state = 2;
			} else
				tn->state = c == T_SB ? 3 : 0;
			break;
		case 2:
			/* Accept the server's ECHO and SGA (character mode
			 * prompts); refuse everything else. */
			if (*replen + 3 <= repcap) {
				uint8_t r;

				if (tn->cmd == T_WILL)
					r = c == 1 || c == 3 ? T_DO : T_DONT;
				else if (tn->cmd == T_DO)
					r = T_WONT;
				else
					r = 0;
				if (r != 0) {
					rep[(*replen)++] = T_IAC;
					rep[(*replen)++] = r;
					rep[(*replen)++] = c;
				}
			}
			tn->state = 0;
			break;
		case 3:
			if (c == T_IAC)
				tn->state = 4;
			break;
		case 4:
			tn->state = c == T_SE ? 0 : 3;
			break;
		}
	}
}

static bool
text_has(const char *text, const char *needle)
{
	return strcasestr(text, needle) != NULL;
}

/* True when the screen, blanks trimmed, ends with needle (a prompt
 * waiting for input, not "Last login: ..." in a greeting). */
static bool
text_ends(const char *text, size_t len, const char *needle)
{
	size_t n = strlen(needle);

	while (len > 0 && isspace((unsigned char)text[len - 1]))
		len--;
	return n > 0 && len >= n && strncasecmp(text + len - n, needle, n) ==
	    0;
}

/* Any of the strings of a JSON array (or one string) in the screen;
 * ends: at its end only. */
static bool
text_any(const struct tn *tn, const cJSON *list, const char *const *dflt,
    bool ends)
{
	const cJSON *j;
	size_t i;

	if (cJSON_IsString(list))
		return ends ? text_ends(tn->text, tn->len, list->valuestring) :
		    text_has(tn->text, list->valuestring);
	if (cJSON_IsArray(list)) {
		cJSON_ArrayForEach(j, list)
			if (cJSON_IsString(j) && (ends ? text_ends(tn->text,
			    tn->len, j->valuestring) : text_has(tn->text,
			    j->valuestring)))
				return true;
		return false;
	}
	for (i = 0; dflt[i] != NULL; i++)
		if (ends ? text_ends(tn->text, tn->len, dflt[i]) :
		    text_has(tn->text, dflt[i]))
			return true;
	return false;
}

/* True when the screen's last non-blank line, leading blanks skipped,
 * starts with prefix (case-insensitive). */
static bool
last_line_starts(const char *text, size_t len, const char *prefix)
{
	size_t i, n = strlen(prefix);

	while (len > 0 && isspace((unsigned char)text[len - 1]))
		len--;
	i = len;
	while (i > 0 && text[i - 1] != '\n' && text[i - 1] != '\r')
		i--;
	while (i < len && (text[i] == ' ' || text[i] == '\t'))
		i++;
	return len - i >= n && strncasecmp(text + i, prefix, n) == 0;
}

/* Last non-blank character of the screen. */
static char
text_last(const char *text, size_t len)
{
	while (len > 0 && isspace((unsigned char)text[len - 1]))
		len--;
	return len > 0 ? text[len - 1] : '\0';
}

/* One burst read before dl (*gotp 0: none), its commands answered
 * before adl. */
static int
tn_pump(struct tn *tn, struct hq_deadline dl, struct hq_deadline adl,
    size_t *gotp, struct hq_err *err)
{
	uint8_t in[2048], rep[256];
	size_t replen = 0;
	int rc;

	/* Idle 0: back to the caller as soon as a burst arrived; waiting
	 * for 200 ms of silence after every prompt tripled the time of a
	 * login (tn_until reads on while its predicate says no). */
	if ((rc = hq_net_read_some(tn->fd, in, sizeof(in), dl, 0, gotp,
	    err)) != 0 || *gotp == 0)
		return rc;
	tn_feed(tn, in, *gotp, rep, &replen, sizeof(rep));
	if (replen > 0)
		return hq_net_write_all(tn->fd, rep, replen, adl, err);
	return 0;
}

/* Reads until pred says yes, the peer closes or the deadline passes. */
static int
tn_until(struct tn *tn, int (*pred)(const struct tn *), struct hq_deadline dl,
    int *verdictp, struct hq_err *err)
{
	size_t got;
	int rc, v;

	for (;;) {
		if ((v = pred(tn)) != 0) {
			*verdictp = v;
			return 0;
		}
		if (hq_deadline_passed(dl)) {
			*verdictp = 0;
			return 0;
		}
		if ((rc = tn_pump(tn, dl, dl, &got, err)) != 0)
			return rc;
		if (got == 0) {
			uint8_t probe;
			ssize_t r = recv(tn->fd, &probe, 1, MSG_PEEK |
			    MSG_DONTWAIT);

			if (r == 0 || (r < 0 && errno != EAGAIN &&
			    errno != EWOULDBLOCK && errno != EINTR)) {
				*verdictp = -2;		/* closed */
				return 0;
			}
			continue;
		}
	}
}

static const char *const dflt_user[] = {
	"login:", "username:", "user name:", "user:", NULL
};
static const char *const dflt_pass[] = { "password:", NULL };
/* Not "failed": Debian's login greets a success with "There were 3
 * failed login attempts since the last successful login". */
static const char *const dflt_fail[] = {
	"incorrect", "invalid", "denied", "bad password", NULL
};
static const char *const dflt_shell[] = { NULL };

static int
pred_login(const struct tn *tn)
{
	if (text_any(tn, tn->p_user, dflt_user, true))
		return 1;
	if (text_any(tn, tn->p_pass, dflt_pass, true))
		return 2;	/* no user prompt: password only */
	return 0;
}

static int
pred_password(const struct tn *tn)
{
	if (text_any(tn, tn->p_pass, dflt_pass, true))
		return 1;
	/* Some stacks refuse an unknown user before asking a password. */
	if (text_any(tn, tn->p_fail, dflt_fail, false))
		return 3;
	return 0;
}

/*
 * After the password: failure text is a refusal; a new login or password
 * prompt at the end of the screen is one once nothing follows it for
 * PROMPT_QUIET_MS (4: tn_outcome waits for that), because a screen read
 * so far can end in the middle of a success's text: "Last login:" cut
 * there by the device's or a loaded host's scheduling ends in "login:".
 * A declared shell prompt, or else a line ending in $ # > % (a shell), is
 * success.  "Last login: ..." and a message of the day are neither, so
 * reading goes on; a screen whose last line is "Last login:" is never
 * taken for a login prompt (with the default prompts).
 */
#define PROMPT_QUIET_MS	300

static int
pred_outcome(const struct tn *tn)
{
	char c;

	if (text_any(tn, tn->p_fail, dflt_fail, false))
		return 1;	/* refused */
	/* "Last login:" cut there is a success's greeting, however long
	 * the rest takes to come, not a login prompt. */
	if ((text_any(tn, tn->p_user, dflt_user, true) &&
	    (tn->p_user != NULL || !last_line_starts(tn->text, tn->len,
	    "last login"))) || text_any(tn, tn->p_pass, dflt_pass, true))
		return 4;	/* refused, if nothing follows */
	if (tn->p_shell != NULL)
		return text_any(tn, tn->p_shell, dflt_shell, true) ? 2 : 0;
	c = text_last(tn->text, tn->len);
	if (c == '$' || c == '#' || c == '>' || c == '%')
		return 2;	/* a shell prompt */
	return 0;
}

/* The outcome after the password (pred_outcome), a prompt at the end of
 * the screen confirmed by PROMPT_QUIET_MS without another byte. */
static int
tn_outcome(struct tn *tn, struct hq_deadline adl, int *vp,
    struct hq_err *err)
{
	size_t got;
	int rc;

	for (;;) {
		if ((rc = tn_until(tn, pred_outcome, adl, vp, err)) != 0 ||
		    *vp != 4)
			return rc;
		if ((rc = tn_pump(tn, hq_deadline_min(adl,
		    hq_deadline_in(PROMPT_QUIET_MS)), adl, &got, err)) != 0)
			return rc;
		if (got == 0) {
			/* Quiet (or the deadline: then it is the last
			 * word): the prompt is the device's answer. */
			*vp = 1;
			return 0;
		}
	}
}

static int
telnet_one(const struct hq_login_cfg *cfg, struct hq_login_try *t,
    struct hq_deadline dl, struct hq_err *err)
{
	struct hq_deadline adl = hq_deadline_min(dl,
	    hq_deadline_in(cfg->timeout_ms));
	const cJSON *pr = cJSON_GetObjectItemCaseSensitive(cfg->sf->login,
	    "prompts");
	struct hq_err ierr = { 0 };
	struct tn tn = { .fd = -1 };
	char line[300];
	int64_t t1;
	int v = 0, rc, eno = 0;

	tn.p_user = cJSON_GetObjectItemCaseSensitive(pr, "user");
	tn.p_pass = cJSON_GetObjectItemCaseSensitive(pr, "password");
	tn.p_fail = cJSON_GetObjectItemCaseSensitive(pr, "failure");
	tn.p_shell = cJSON_GetObjectItemCaseSensitive(pr, "shell");
	if ((rc = hq_net_connect_ex(cfg->addr, cfg->sf->port, hq_deadline_min(
	    adl, hq_deadline_in(cfg->connect_timeout_ms)), &tn.fd, &eno,
	    &ierr)) != 0) {
		if (rc == HQ_EINTR)
			return hq_err_set(err, rc, "interrupted");
		set_res(t, eno == ECONNREFUSED ? HQ_LCAT_CONNREFUSED :
		    HQ_LCAT_UNREACHABLE, "connect: %.120s", ierr.msg);
		return 0;
	}
	/* The prompt may come seconds after the greeting (a DNS lookup
	 * of the client, a slow /bin/login): wait for it, within adl. */
	if ((rc = tn_until(&tn, pred_login, adl, &v, &ierr)) != 0 || v <= 0) {
		set_res(t, rc != 0 ? cat_of_rc(rc) : v == -2 ? HQ_LCAT_RESET :
		    HQ_LCAT_TIMEOUT, "no login prompt%s%.100s", rc != 0 ?
		    ": " : "", rc != 0 ? ierr.msg : "");
		goto out;
	}
	if (v == 1) {
		tn.len = 0;
		tn.text[0] = '\0';
		snprintf(line, sizeof(line), "%s\r\n", t->user);
		if ((rc = hq_net_write_all(tn.fd, line, strlen(line), adl,
		    &ierr)) != 0 ||
		    (rc = tn_until(&tn, pred_password, adl, &v, &ierr)) != 0 ||
		    v <= 0) {
			set_res(t, rc != 0 ? cat_of_rc(rc) : v == -2 ?
			    HQ_LCAT_RESET : HQ_LCAT_TIMEOUT, "no password "
			    "prompt");
			goto out;
		}
		if (v == 3) {
			set_res(t, HQ_LCAT_REFUSE, "failure text after the "
			    "user name");
			goto keep;
		}
	}
	tn.len = 0;
	tn.text[0] = '\0';
	snprintf(line, sizeof(line), "%s\r\n", t->password);
	t1 = hq_mono_ns();
	rc = hq_net_write_all(tn.fd, line, strlen(line), adl, &ierr);
	OPENSSL_cleanse(line, sizeof(line));
	if (rc == 0)
		rc = tn_outcome(&tn, adl, &v, &ierr);
	if (rc != 0) {
		set_res(t, cat_of_rc(rc), "%.150s", ierr.msg);
		goto out;
	}
	t->us = (hq_mono_ns() - t1) / 1000;
	if (v == 2)
		set_res(t, HQ_LCAT_ACCEPT, "shell prompt");
	else if (v == 1)
		set_res(t, HQ_LCAT_REFUSE, "failure text or a new prompt");
	else if (v == -2)
		/* Closed without saying why: not a definite answer. */
		set_res(t, HQ_LCAT_RESET, "connection closed after the "
		    "password without failure text");
	else
		set_res(t, HQ_LCAT_TIMEOUT, "no outcome within %d ms",
		    cfg->timeout_ms);
 keep:
	if (cfg->keep_resp)
		t->body = strdup(tn.text);
	if (t->body != NULL)
		t->body_len = strlen(t->body);
 out:
	close(tn.fd);
	return 0;
}

/* ---- MQTT 3.1.1 CONNECT / CONNACK (OASIS MQTT 3.1.1, 3.1 and 3.2) ---- */

static bool
put_str(uint8_t *p, size_t cap, size_t *off, const char *s)
{
	size_t n = strlen(s);

	if (n > MQTT_FIELD_MAX || *off + 2 + n > cap)
		return false;
	p[(*off)++] = (uint8_t)(n >> 8);
	p[(*off)++] = (uint8_t)n;
	memcpy(p + *off, s, n);
	*off += n;
	return true;
}

/* A connection: plain TCP or TLS on a non-blocking fd. */
struct mio {
	int	 fd;
	SSL_CTX	*ctx;
	SSL	*ssl;
	char	 ver[16];	/* negotiated TLS version */
};

static void
mio_close(struct mio *m)
{
	if (m->ssl != NULL)
		SSL_free(m->ssl);
	SSL_CTX_free(m->ctx);
	if (m->fd >= 0)
		close(m->fd);
	m->ssl = NULL;
	m->ctx = NULL;
	m->fd = -1;
}

/* Waits for what OpenSSL asked (WANT_READ or WANT_WRITE); 1 to retry,
 * 0 on a hard failure (the caller reads the queue), negative on timeout
 * or interrupt. */
static int
mio_want(struct mio *m, int r, struct hq_deadline dl, struct hq_err *err)
{
	int e = SSL_get_error(m->ssl, r), rc;

	if (e == SSL_ERROR_WANT_READ)
		rc = hq_net_wait(m->fd, POLLIN, dl, err);
	else if (e == SSL_ERROR_WANT_WRITE)
		rc = hq_net_wait(m->fd, POLLOUT, dl, err);
	else
		return 0;
	return rc != 0 ? rc : 1;
}

/*
 * Connects, and for TLS handshakes with every version from TLS 1.0 up:
 * a device that only speaks TLS 1.1 is still tried on its password (the
 * tls family judges the versions, this only logs in).
 */
static int
mio_open(struct mio *m, const struct hq_login_cfg *cfg, bool tls,
    struct hq_deadline adl, struct hq_login_try *t, struct hq_err *err)
{
	int auth_ms = cfg->auth_timeout_ms > 0 ? cfg->auth_timeout_ms :
	    cfg->timeout_ms;
	struct hq_deadline hdl = hq_deadline_min(adl,
	    hq_deadline_in(auth_ms));
	struct hq_err ierr = { 0 };
	int rc, eno = 0, r;

	m->fd = -1;
	if ((rc = hq_net_connect_ex(cfg->addr, cfg->sf->port, hq_deadline_min(
	    adl, hq_deadline_in(cfg->connect_timeout_ms)), &m->fd, &eno,
	    &ierr)) != 0) {
		if (rc == HQ_EINTR)
			return hq_err_set(err, rc, "interrupted");
		set_res(t, eno == ECONNREFUSED ? HQ_LCAT_CONNREFUSED :
		    HQ_LCAT_UNREACHABLE, "connect: %.120s", ierr.msg);
		return 1;
	}
	if (!tls)
		return 0;
	ERR_clear_error();
	if ((m->ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
	    SSL_CTX_set_min_proto_version(m->ctx, TLS1_VERSION) != 1 ||
	    SSL_CTX_set_cipher_list(m->ctx, "ALL:@SECLEVEL=0") != 1 ||
	    (m->ssl = SSL_new(m->ctx)) == NULL ||
	    SSL_set_fd(m->ssl, m->fd) != 1) {
		set_res(t, HQ_LCAT_LOCAL, "TLS setup failed");
		ERR_clear_error();
		return 1;
	}
	/* Login tests do not judge certificates (the tls family does). */
	SSL_set_verify(m->ssl, SSL_VERIFY_NONE, NULL);
	for (;;) {
		ERR_clear_error();
		if ((r = SSL_connect(m->ssl)) == 1)
			break;
		if ((rc = mio_want(m, r, hdl, &ierr)) == 1)
			continue;
		if (rc == HQ_EINTR)
			return hq_err_set(err, rc, "interrupted");
		set_res(t, rc == HQ_ETIMEDOUT ? HQ_LCAT_TIMEOUT :
		    HQ_LCAT_PROTO, "TLS handshake: %s", rc != 0 ? ierr.msg :
		    "refused by the server");
		ERR_clear_error();
		return 1;
	}
	snprintf(m->ver, sizeof(m->ver), "%s", SSL_get_version(m->ssl));
	return 0;
}

static int
mio_write_all(struct mio *m, const void *p, size_t len, struct hq_deadline dl,
    struct hq_err *err)
{
	size_t off = 0;
	int r, rc;

	if (m->ssl == NULL)
		return hq_net_write_all(m->fd, p, len, dl, err);
	while (off < len) {
		ERR_clear_error();
		r = SSL_write(m->ssl, (const char *)p + off, (int)(len - off));
		if (r > 0) {
			off += (size_t)r;
			continue;
		}
		if ((rc = mio_want(m, r, dl, err)) == 1)
			continue;
		return rc != 0 ? rc : hq_err_set(err, HQ_EIO, "TLS write "
		    "failed");
	}
	return 0;
}

/* Reads up to cap bytes, returning as soon as want bytes arrived, the
 * peer closed or dl passed (not an error: *lenp says what came). */
static int
mio_read(struct mio *m, void *buf, size_t cap, size_t want,
    struct hq_deadline dl, size_t *lenp, struct hq_err *err)
{
	size_t len = 0;
	int r, rc;

	*lenp = 0;
	if (m->ssl == NULL)
		return hq_net_read_some(m->fd, buf, want < cap ? want : cap, dl,
		    100, lenp, err);
	while (len < want && len < cap) {
		ERR_clear_error();
		r = SSL_read(m->ssl, (char *)buf + len, (int)(cap - len));
		if (r > 0) {
			len += (size_t)r;
			continue;
		}
		if ((rc = mio_want(m, r, dl, NULL)) == 1)
			continue;
		if (rc == HQ_EINTR)
			return hq_err_set(err, rc, "interrupted");
		break;		/* closed, timeout: what we have */
	}
	ERR_clear_error();
	*lenp = len;
	return 0;
}

static int
mqtt_one(const struct hq_login_cfg *cfg, struct hq_login_try *t,
    struct hq_deadline dl, struct hq_err *err)
{
	struct hq_deadline adl = hq_deadline_min(dl,
	    hq_deadline_in(cfg->timeout_ms));
	struct hq_err ierr = { 0 };
	struct mio m = { .fd = -1 };
	uint8_t pkt[1024], var[1024], in[64], type, flags, ack, rcode;
	struct hq_rd rd;
	char cid[24], over[24] = "";
	size_t off = 0, vlen = 0, rem, got;
	int64_t t1;
	int rc;

	/* Variable header: protocol name, level 4, flags (user name,
	 * password, clean session), keep alive 60 s; payload. */
	memcpy(var, "\0\4MQTT\4\xc2\0\x3c", 10);
	vlen = 10;
	snprintf(cid, sizeof(cid), "hopquy-%08x", (unsigned)(hq_mono_ns() &
	    0xffffffff));
	if (!put_str(var, sizeof(var), &vlen, cid) ||
	    !put_str(var, sizeof(var), &vlen, t->user) ||
	    !put_str(var, sizeof(var), &vlen, t->password)) {
		OPENSSL_cleanse(var, sizeof(var));
		set_res(t, HQ_LCAT_LOCAL, "credential too long");
		return 0;
	}
	pkt[off++] = 0x10;
	rem = vlen;
	do {	/* remaining length, variable byte integer */
		uint8_t b = (uint8_t)(rem & 0x7f);

		rem >>= 7;
		pkt[off++] = rem > 0 ? (uint8_t)(b | 0x80) : b;
	} while (rem > 0);
	memcpy(pkt + off, var, vlen);
	off += vlen;
	OPENSSL_cleanse(var, sizeof(var));
	if ((rc = mio_open(&m, cfg, cfg->sf->tls, adl, t, err)) != 0) {
		OPENSSL_cleanse(pkt, sizeof(pkt));
		mio_close(&m);
		return rc < 0 ? rc : 0;
	}
	if (m.ver[0] != '\0')
		snprintf(over, sizeof(over), " over %s", m.ver);
	t1 = hq_mono_ns();
	rc = mio_write_all(&m, pkt, off, adl, &ierr);
	if (rc == 0)
		rc = mio_read(&m, in, sizeof(in), 4, adl, &got, &ierr);
	t->us = (hq_mono_ns() - t1) / 1000;
	if (rc != 0) {
		if (rc == HQ_EINTR) {
			rc = hq_err_set(err, rc, "interrupted");
			goto out;
		}
		set_res(t, cat_of_rc(rc), "%.150s", ierr.msg);
		rc = 0;
		goto out;
	}
	rd.p = in;
	rd.len = got;
	if (got == 0) {
		/* A broker that closes instead of answering said nothing
		 * definite (MQTT 3.1.1 3.2.2.3 asks for a CONNACK). */
		set_res(t, hq_deadline_passed(adl) ? HQ_LCAT_TIMEOUT :
		    HQ_LCAT_RESET, "no CONNACK%s", over);
		goto out;
	}
	if (hq_rd_u8(&rd, &type) != 0 || hq_rd_u8(&rd, &ack) != 0 ||
	    hq_rd_u8(&rd, &flags) != 0 || hq_rd_u8(&rd, &rcode) != 0 ||
	    type != 0x20 || ack != 2) {
		set_res(t, HQ_LCAT_PROTO, "not a CONNACK (%zu bytes, first "
		    "0x%02x)%s", got, in[0], over);
		goto out;
	}
	t->code = rcode;
	/* 0 accepted; 4 bad user name or password; 5 not authorised (and
	 * MQTT 5.0's 0x86, 0x87); 3 server unavailable; others: no verdict. */
	set_res(t, rcode == 0 ? HQ_LCAT_ACCEPT : rcode == 4 || rcode == 5 ||
	    rcode == 0x86 || rcode == 0x87 ? HQ_LCAT_REFUSE : rcode == 3 ?
	    HQ_LCAT_SERVER : HQ_LCAT_PROTO, "CONNACK return code %u%s", rcode,
	    over);
	(void)flags;
 out:
	OPENSSL_cleanse(pkt, sizeof(pkt));
	mio_close(&m);
	return rc;
}

/* ---- RTSP over TLS (rtsps; RFC 2326 DESCRIBE with RFC 2617/7616
 * Basic or Digest), hand-written: libcurl has no RTSP over TLS.  Bounded
 * heads and bodies; only 2xx and 401/403 after credentials are verdicts.
 * ---- */

/* One response: status, head (NUL-terminated, at most cap - 1), body
 * skipped by Content-Length.  Returns 0 with *status 0 when nothing
 * complete came (closed, timeout); an error only when interrupted. */
static int
rtsps_read(struct mio *m, char *head, size_t cap, struct hq_deadline dl,
    long *status, struct hq_err *err)
{
	size_t len = 0, got, hl, clen = 0;
	char *e, *cl, tmp[2048];
	int rc;

	*status = 0;
	head[0] = '\0';
	for (;;) {
		if (len + 1 >= cap)
			return 0;		/* head over the cap */
		if ((rc = mio_read(m, head + len, cap - 1 - len, 1, dl, &got,
		    err)) != 0)
			return rc;
		if (got == 0)
			return 0;
		len += got;
		head[len] = '\0';
		if ((e = strstr(head, "\r\n\r\n")) != NULL)
			break;
	}
	hl = (size_t)(e - head) + 4;
	if (strncmp(head, "RTSP/1.0 ", 9) != 0 || !isdigit((unsigned char)
	    head[9]) || !isdigit((unsigned char)head[10]) ||
	    !isdigit((unsigned char)head[11]))
		return 0;
	*status = (head[9] - '0') * 100 + (head[10] - '0') * 10 +
	    (head[11] - '0');
	if ((cl = strcasestr(head, "\r\nContent-Length:")) != NULL && cl < e)
		clen = strtoul(cl + 17, NULL, 10);
	if (clen > HQ_LOGIN_BODY_MAX)
		clen = HQ_LOGIN_BODY_MAX;
	/* the body's first bytes may have come with the head */
	got = len - hl;
	head[hl] = '\0';
	clen = clen > got ? clen - got : 0;
	while (clen > 0) {
		if ((rc = mio_read(m, tmp, clen < sizeof(tmp) ? clen :
		    sizeof(tmp), 1, dl, &got, err)) != 0)
			return rc;
		if (got == 0)
			break;
		clen -= got;
	}
	return 0;
}

/* The value of a Digest parameter (quoted or token) in chal; "" when
 * absent. */
static void
digest_param(const char *chal, const char *name, char *out, size_t outsz)
{
	size_t nl = strlen(name);
	const char *p = chal;

	out[0] = '\0';
	while ((p = strcasestr(p, name)) != NULL) {
		const char *q = p + nl, *v;
		size_t l;

		if ((p != chal && p[-1] != ' ' && p[-1] != ',' &&
		    p[-1] != '\t') || (*q != '=' && *q != ' ')) {
			p = q;
			continue;
		}
		while (*q == ' ')
			q++;
		if (*q++ != '=')
			return;
		while (*q == ' ')
			q++;
		if (*q == '"') {
			v = ++q;
			l = strcspn(v, "\"\r\n");
		} else {
			v = q;
			l = strcspn(v, ", \r\n");
		}
		snprintf(out, outsz, "%.*s", (int)l, v);
		return;
	}
}

/* hex(H(a:b:c...)) with md (MD5 or SHA-256); false on a local error. */
static bool
digest_hex(const EVP_MD *md, char *out, size_t outsz, const char *const *parts)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int dl = 0, i;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	bool ok = c != NULL && EVP_DigestInit_ex(c, md, NULL) == 1;

	for (i = 0; ok && parts[i] != NULL; i++)
		ok = (i == 0 || EVP_DigestUpdate(c, ":", 1) == 1) &&
		    EVP_DigestUpdate(c, parts[i], strlen(parts[i])) == 1;
	ok = ok && EVP_DigestFinal_ex(c, d, &dl) == 1 && dl * 2 < outsz;
	EVP_MD_CTX_free(c);
	for (i = 0; ok && i < dl; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
	OPENSSL_cleanse(d, sizeof(d));
	return ok;
}

int
hq_login_digest_answer(const char *chal, const char *method, const char *uri,
    const char *user, const char *pw, const char *cnonce, char *out,
    size_t outsz, char *why, size_t whysz)
{
	char realm[256], nonce[256], qop[64], opaque[256], alg[32];
	char ha1[2 * EVP_MAX_MD_SIZE + 1], ha2[sizeof(ha1)], resp[sizeof(ha1)];
	const EVP_MD *md;
	bool sess, auth;
	int n;

	digest_param(chal, "realm", realm, sizeof(realm));
	digest_param(chal, "nonce", nonce, sizeof(nonce));
	digest_param(chal, "qop", qop, sizeof(qop));
	digest_param(chal, "opaque", opaque, sizeof(opaque));
	digest_param(chal, "algorithm", alg, sizeof(alg));
	if (nonce[0] == '\0') {
		snprintf(why, whysz, "Digest challenge without a nonce");
		return -1;
	}
	sess = strcasestr(alg, "-sess") != NULL;
	if (alg[0] == '\0' || strncasecmp(alg, "MD5", 3) == 0)
		md = EVP_md5();
	else if (strncasecmp(alg, "SHA-256", 7) == 0)
		md = EVP_sha256();
	else {
		snprintf(why, whysz, "Digest algorithm %.24s not supported",
		    alg);
		return -1;
	}
	/* qop: "auth" if offered (auth-int has no body to protect here) */
	auth = qop[0] != '\0';
	if (auth && strcasestr(qop, "auth") == NULL) {
		snprintf(why, whysz, "Digest qop %.24s not supported", qop);
		return -1;
	}
	{
		const char *p1[] = { user, realm, pw, NULL };
		const char *p2[] = { method, uri, NULL };

		if (!digest_hex(md, ha1, sizeof(ha1), p1) ||
		    !digest_hex(md, ha2, sizeof(ha2), p2))
			goto local;
	}
	if (sess) {
		const char *ps[] = { ha1, nonce, cnonce, NULL };
		char h[sizeof(ha1)];

		if (!digest_hex(md, h, sizeof(h), ps))
			goto local;
		memcpy(ha1, h, sizeof(h));
	}
	{
		const char *pa[] = { ha1, nonce, "00000001", cnonce, "auth", ha2,
		    NULL };
		const char *pn[] = { ha1, nonce, ha2, NULL };

		if (!digest_hex(md, resp, sizeof(resp), auth ? pa : pn))
			goto local;
	}
	OPENSSL_cleanse(ha1, sizeof(ha1));
	n = snprintf(out, outsz, "Digest username=\"%s\", realm=\"%s\", "
	    "nonce=\"%s\", uri=\"%s\", response=\"%s\"%s%s%s%s%s%s%s%s",
	    user, realm, nonce, uri, resp, alg[0] != '\0' ? ", algorithm=" :
	    "", alg, opaque[0] != '\0' ? ", opaque=\"" : "", opaque,
	    opaque[0] != '\0' ? "\"" : "", auth ? ", qop=auth, nc=00000001, "
	    "cnonce=\"" : "", auth ? cnonce : "", auth ? "\"" : "");
	if (n < 0 || (size_t)n >= outsz) {
		snprintf(why, whysz, "Digest answer too long");
		return -1;
	}
	return 0;
 local:
	OPENSSL_cleanse(ha1, sizeof(ha1));
	snprintf(why, whysz, "digest computation failed");
	return -1;
}

/* The Digest challenge among the head's WWW-Authenticate lines (its
 * parameters, after "Digest "), copied into out; false when none. */
static bool
digest_challenge(const char *head, char *out, size_t outsz)
{
	const char *p = head;

	while ((p = strcasestr(p, "\r\nWWW-Authenticate:")) != NULL) {
		p += 19;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncasecmp(p, "Digest ", 7) == 0) {
			snprintf(out, outsz, "%.*s", (int)strcspn(p + 7,
			    "\r\n"), p + 7);
			return true;
		}
	}
	return false;
}

static int
rtsps_one(const struct hq_login_cfg *cfg, enum kind k,
    struct hq_login_try *t, struct hq_deadline dl, struct hq_err *err)
{
	struct hq_deadline adl = hq_deadline_min(dl,
	    hq_deadline_in(cfg->timeout_ms));
	const char *path = login_str(cfg->sf, "path");
	struct hq_err ierr = { 0 };
	struct mio m = { .fd = -1 };
	char host[80], uri[600], req[2048], authz[1400], why[80], over[24];
	char *head = NULL, cred[600], b64[820], chal[1024], cnonce[17];
	unsigned char rnd[8];
	long st = 0;
	int64_t t1;
	int rc, n, cseq = 1, i;

	host_for_url(cfg->addr, host, sizeof(host));
	snprintf(uri, sizeof(uri), "rtsps://%s:%u%s", host, cfg->sf->port,
	    path != NULL ? path : "/");
	if ((head = malloc(HQ_LOGIN_HEAD_MAX)) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	if ((rc = mio_open(&m, cfg, true, adl, t, err)) != 0) {
		rc = rc == 1 ? 0 : rc;	/* 1: the attempt's result is set */
		goto out;
	}
	snprintf(over, sizeof(over), " over %s", m.ver);
	authz[0] = '\0';
	if (k == K_RTSP_BASIC) {
		n = snprintf(cred, sizeof(cred), "%s:%s", t->user, t->password);
		if (n < 0 || (size_t)n >= sizeof(cred)) {
			set_res(t, HQ_LCAT_LOCAL, "credential too long");
			goto out;
		}
		EVP_EncodeBlock((unsigned char *)b64, (unsigned char *)cred,
		    n);
		snprintf(authz, sizeof(authz), "Authorization: Basic %s\r\n",
		    b64);
	}
	t1 = hq_mono_ns();
	for (i = 0; i < 2; i++) {
		n = snprintf(req, sizeof(req), "DESCRIBE %s RTSP/1.0\r\n"
		    "CSeq: %d\r\nAccept: application/sdp\r\nUser-Agent: "
		    "hopquy/" HQ_VERSION "\r\n%s\r\n", uri, cseq++, authz);
		if (n < 0 || (size_t)n >= sizeof(req)) {
			set_res(t, HQ_LCAT_LOCAL, "request too long");
			goto out;
		}
		if ((rc = mio_write_all(&m, req, (size_t)n, adl, &ierr)) != 0 ||
		    (rc = rtsps_read(&m, head, HQ_LOGIN_HEAD_MAX, adl, &st,
		    &ierr)) != 0) {
			if (rc == HQ_EINTR) {
				rc = hq_err_set(err, rc, "interrupted");
				goto out;
			}
			set_res(t, cat_of_rc(rc), "%.150s", ierr.msg);
			rc = 0;
			goto out;
		}
		if (st == 0) {
			set_res(t, hq_deadline_passed(adl) ? HQ_LCAT_TIMEOUT :
			    HQ_LCAT_RESET, "no complete RTSP answer%s", over);
			goto out;
		}
		if (k != K_RTSP_DIGEST || st != 401 || authz[0] != '\0')
			break;
		/* Digest: answer the challenge, once, on this connection */
		if (!digest_challenge(head, chal, sizeof(chal))) {
			set_res(t, HQ_LCAT_PROTO, "status 401 without a "
			    "Digest challenge%s: the password was not tried",
			    over);
			goto out;
		}
		if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
			set_res(t, HQ_LCAT_LOCAL, "no random cnonce");
			goto out;
		}
		for (n = 0; n < 8; n++)
			snprintf(cnonce + 2 * n, 3, "%02x", rnd[n]);
		memcpy(authz, "Authorization: ", 15);
		if (hq_login_digest_answer(chal, "DESCRIBE", uri, t->user,
		    t->password, cnonce, authz + 15, sizeof(authz) - 17, why,
		    sizeof(why)) != 0) {
			set_res(t, HQ_LCAT_PROTO, "%s%s: the password was not "
			    "tried", why, over);
			goto out;
		}
		strcat(authz, "\r\n");
		t1 = hq_mono_ns();
	}
	t->us = (hq_mono_ns() - t1) / 1000;
	t->code = st;
	if (st >= 200 && st < 300)
		set_res(t, HQ_LCAT_ACCEPT, "status %ld%s", st, over);
	else if (st == 401 || st == 403)
		set_res(t, HQ_LCAT_REFUSE, "status %ld%s", st, over);
	else
		set_res(t, cat_of_status(st), "status %ld%s", st, over);
	if (cfg->keep_resp)
		t->head = strdup(head);
 out:
	OPENSSL_cleanse(cred, sizeof(cred));
	OPENSSL_cleanse(b64, sizeof(b64));
	OPENSSL_cleanse(authz, sizeof(authz));
	OPENSSL_cleanse(req, sizeof(req));
	free(head);
	mio_close(&m);
	return rc;
}

/* ---- SSH (RFC 4252 password, RFC 4256 keyboard-interactive) with
 * libssh2 on our own non-blocking socket: authentication is judged at
 * the SSH authentication layer, whatever subsystems the server has. ---- */

static pthread_once_t ssh_once = PTHREAD_ONCE_INIT;
static int ssh_init_rc;

static void
ssh_init(void)
{
	ssh_init_rc = libssh2_init(0);
}

/* Waits for the directions libssh2 is blocked on; 0 to retry. */
static int
ssh_wait(LIBSSH2_SESSION *s, int fd, struct hq_deadline dl, struct hq_err *err)
{
	int dir = libssh2_session_block_directions(s);
	short ev = 0;

	if (dir & LIBSSH2_SESSION_BLOCK_INBOUND)
		ev |= POLLIN;
	if (dir & LIBSSH2_SESSION_BLOCK_OUTBOUND)
		ev |= POLLOUT;
	return hq_net_wait(fd, ev != 0 ? ev : POLLIN, dl, err);
}

struct ssh_kbd {
	const char	*user, *password;
	int		 nprompts;
};

static
LIBSSH2_USERAUTH_KBDINT_RESPONSE_FUNC(ssh_kbd_cb)
{
	struct ssh_kbd *k = *abstract;
	int i;

	(void)name;
	(void)name_len;
	(void)instruction;
	(void)instruction_len;
	for (i = 0; i < num_prompts; i++) {
		/* A hidden prompt gets the password, a shown one (a user
		 * name question) the user. */
		const char *a = prompts[i].echo ? k->user : k->password;

		responses[i].text = strdup(a);
		responses[i].length = responses[i].text != NULL ?
		    (unsigned)strlen(a) : 0;
		k->nprompts++;
	}
}

static int
ssh_one(const struct hq_login_cfg *cfg, struct hq_login_try *t,
    struct hq_deadline dl, struct hq_err *err)
{
	struct hq_deadline adl = hq_deadline_min(dl,
	    hq_deadline_in(cfg->timeout_ms));
	int auth_ms = cfg->auth_timeout_ms > 0 ? cfg->auth_timeout_ms :
	    cfg->timeout_ms;
	struct hq_deadline hdl;
	struct ssh_kbd kbd = { .user = t->user, .password = t->password };
	struct hq_err ierr = { 0 };
	LIBSSH2_SESSION *s = NULL;
	const char *methods = NULL;
	char *emsg = NULL, mlist[96] = "";
	int fd = -1, rc, eno = 0, r, ulen = (int)strlen(t->user);
	int64_t t1;

	pthread_once(&ssh_once, ssh_init);
	if (ssh_init_rc != 0) {
		set_res(t, HQ_LCAT_LOCAL, "libssh2_init failed");
		return 0;
	}
	if ((rc = hq_net_connect_ex(cfg->addr, cfg->sf->port, hq_deadline_min(
	    adl, hq_deadline_in(cfg->connect_timeout_ms)), &fd, &eno,
	    &ierr)) != 0) {
		if (rc == HQ_EINTR)
			return hq_err_set(err, rc, "interrupted");
		set_res(t, eno == ECONNREFUSED ? HQ_LCAT_CONNREFUSED :
		    HQ_LCAT_UNREACHABLE, "connect: %.120s", ierr.msg);
		return 0;
	}
	/* The handshake and the authentication have their own limit: a
	 * PAM failure delay (2-3 s) is not a slow connect. */
	hdl = hq_deadline_min(adl, hq_deadline_in(auth_ms));
	if ((s = libssh2_session_init_ex(NULL, NULL, NULL, &kbd)) == NULL) {
		set_res(t, HQ_LCAT_LOCAL, "libssh2 session");
		goto out;
	}
	libssh2_session_set_blocking(s, 0);
	while ((r = libssh2_session_handshake(s, fd)) ==
	    LIBSSH2_ERROR_EAGAIN)
		if ((rc = ssh_wait(s, fd, hdl, &ierr)) != 0)
			goto waitfail;
	if (r != 0) {
		libssh2_session_last_error(s, &emsg, NULL, 0);
		set_res(t, r == LIBSSH2_ERROR_SOCKET_RECV ||
		    r == LIBSSH2_ERROR_SOCKET_DISCONNECT ||
		    r == LIBSSH2_ERROR_SOCKET_SEND ? HQ_LCAT_RESET :
		    HQ_LCAT_PROTO, "SSH handshake: %.120s", emsg != NULL ?
		    emsg : "failed");
		goto out;
	}
	t1 = hq_mono_ns();
	while ((methods = libssh2_userauth_list(s, t->user,
	    (unsigned)ulen)) == NULL &&
	    libssh2_session_last_errno(s) == LIBSSH2_ERROR_EAGAIN)
		if ((rc = ssh_wait(s, fd, hdl, &ierr)) != 0)
			goto waitfail;
	if (methods == NULL) {
		if (libssh2_userauth_authenticated(s)) {
			/* RFC 4252 5.2: "none" succeeded, no password at
			 * all: every credential logs in. */
			t->us = (hq_mono_ns() - t1) / 1000;
			set_res(t, HQ_LCAT_ACCEPT, "authenticated with method "
			    "none (no password asked)");
			goto out;
		}
		libssh2_session_last_error(s, &emsg, NULL, 0);
		set_res(t, HQ_LCAT_RESET, "SSH userauth list: %.120s",
		    emsg != NULL ? emsg : "failed");
		goto out;
	}
	snprintf(mlist, sizeof(mlist), "%s", methods);
	if (strstr(mlist, "password") != NULL) {
		while ((r = libssh2_userauth_password_ex(s, t->user,
		    (unsigned)ulen, t->password, (unsigned)strlen(t->password),
		    NULL)) == LIBSSH2_ERROR_EAGAIN)
			if ((rc = ssh_wait(s, fd, hdl, &ierr)) != 0)
				goto waitfail;
	} else if (strstr(mlist, "keyboard-interactive") != NULL) {
		while ((r = libssh2_userauth_keyboard_interactive_ex(s,
		    t->user, (unsigned)ulen, ssh_kbd_cb)) ==
		    LIBSSH2_ERROR_EAGAIN)
			if ((rc = ssh_wait(s, fd, hdl, &ierr)) != 0)
				goto waitfail;
	} else {
		set_res(t, HQ_LCAT_STATUS, "no password method offered "
		    "(server offers: %.80s)", mlist);
		goto out;
	}
	t->us = (hq_mono_ns() - t1) / 1000;
	if (r == 0)
		set_res(t, HQ_LCAT_ACCEPT, "SSH userauth success (%s)",
		    strstr(mlist, "password") != NULL ? "password" :
		    "keyboard-interactive");
	else if (r == LIBSSH2_ERROR_PASSWORD_EXPIRED)
		/* The password is right; the server wants it changed. */
		set_res(t, HQ_LCAT_ACCEPT, "SSH userauth: password accepted "
		    "but expired");
	else if (r == LIBSSH2_ERROR_AUTHENTICATION_FAILED)
		set_res(t, HQ_LCAT_REFUSE, "SSH userauth failure (%s)",
		    strstr(mlist, "password") != NULL ? "password" :
		    "keyboard-interactive");
	else {
		libssh2_session_last_error(s, &emsg, NULL, 0);
		set_res(t, r == LIBSSH2_ERROR_SOCKET_RECV ||
		    r == LIBSSH2_ERROR_SOCKET_DISCONNECT ||
		    r == LIBSSH2_ERROR_SOCKET_SEND ? HQ_LCAT_RESET :
		    HQ_LCAT_PROTO, "SSH userauth: %.120s", emsg != NULL ?
		    emsg : "failed");
	}
	goto out;
 waitfail:
	if (rc == HQ_EINTR) {
		rc = hq_err_set(err, rc, "interrupted");
		goto done;
	}
	set_res(t, cat_of_rc(rc), "SSH: no answer within %d ms", auth_ms);
 out:
	rc = 0;
 done:
	if (s != NULL) {
		struct hq_deadline ddl = hq_deadline_min(dl,
		    hq_deadline_in(500));

		while (libssh2_session_disconnect(s, "bye") ==
		    LIBSSH2_ERROR_EAGAIN)
			if (ssh_wait(s, fd, ddl, NULL) != 0)
				break;
		/* With the socket shut, a blocking free cannot hang. */
		shutdown(fd, SHUT_RDWR);
		libssh2_session_set_blocking(s, 1);
		libssh2_session_free(s);
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

/* The hand-written kinds in parallel: worker threads take the next
 * attempt under a lock; each attempt is bounded by its own deadlines. */
struct pool {
	const struct hq_login_cfg	*cfg;
	enum kind			 k;
	struct hq_login_try		*v;
	size_t				 n, next, done;
	struct hq_deadline		 dl;
	pthread_mutex_t			 mu;
	int				 rc;
	struct hq_err			 err;
};

static void *
pool_worker(void *arg)
{
	struct pool *p = arg;

	for (;;) {
		struct hq_err e = { 0 };
		size_t i;
		int rc;

		pthread_mutex_lock(&p->mu);
		if (p->rc != 0 || p->next >= p->n || hq_interrupted ||
		    hq_deadline_passed(p->dl)) {
			pthread_mutex_unlock(&p->mu);
			return NULL;
		}
		i = p->next++;
		pthread_mutex_unlock(&p->mu);
		rc = p->k == K_TELNET ? telnet_one(p->cfg, &p->v[i], p->dl,
		    &e) : p->k == K_SSH ? ssh_one(p->cfg, &p->v[i], p->dl,
		    &e) : p->k == K_MQTT ? mqtt_one(p->cfg, &p->v[i], p->dl,
		    &e) : rtsps_one(p->cfg, p->k, &p->v[i], p->dl, &e);
		pthread_mutex_lock(&p->mu);
		if (rc != 0 && p->rc == 0) {
			p->rc = rc;
			p->err = e;
		}
		if (rc == 0)
			p->done++;
		pthread_mutex_unlock(&p->mu);
	}
}

int
hq_login_run(const struct hq_login_cfg *cfg, struct hq_login_try *v,
    size_t n, struct hq_deadline dl, struct hq_err *err)
{
	enum kind k = kind_of(cfg->sf->login_kind);
	struct pool p = { .cfg = cfg, .v = v, .n = n, .dl = dl };
	pthread_t th[HQ_LOGIN_THREADS_MAX];
	size_t nth, i, started = 0;

	if (k == K_NONE)
		return hq_err_set(err, HQ_EINVAL, "surface %s: no supported "
		    "login kind", cfg->sf->id);
	if (k != K_TELNET && k != K_MQTT && k != K_SSH &&
	    !((k == K_RTSP_BASIC || k == K_RTSP_DIGEST) && cfg->sf->tls))
		return run_curl(cfg, k, v, n, dl, err);
	if (n == 0)
		return 0;
	p.k = k;
	nth = cfg->parallel < 1 ? 1 : cfg->parallel;
	if (nth > HQ_LOGIN_THREADS_MAX)
		nth = HQ_LOGIN_THREADS_MAX;
	if (nth > n)
		nth = n;
	pthread_mutex_init(&p.mu, NULL);
	for (i = 0; i < nth; i++) {
		if (pthread_create(&th[i], NULL, pool_worker, &p) != 0)
			break;
		started++;
	}
	if (started == 0)
		(void)pool_worker(&p);
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	pthread_mutex_destroy(&p.mu);
	if (p.rc != 0)
		return hq_err_set(err, p.rc, "%s", p.err.msg);
	if (hq_interrupted)
		return hq_err_set(err, HQ_EINTR, "interrupted");
	if (p.done < n)
		return hq_err_set(err, HQ_ETIMEDOUT, "login attempts: "
		    "deadline passed after %zu of %zu", p.done, n);
	return 0;
}

int
hq_login_session_probe(const struct hq_login_cfg *cfg, const char *token,
    const char *cookies, long *codep, bool *acceptedp, struct hq_deadline dl,
    struct hq_err *err)
{
	const struct hq_surface *sf = cfg->sf;
	const char *path = login_str(sf, "path");
	struct slot s = { 0 };
	struct eng e = { .cfg = cfg, .k = K_BASIC };
	char host[80], line[HQ_LOGIN_TOKEN_MAX + 64];
	CURLcode cc;
	int rc, left = hq_deadline_poll_ms(dl);
	long tmo = cfg->timeout_ms;

	*codep = 0;
	*acceptedp = false;
	if (path == NULL)
		return hq_err_set(err, HQ_EINVAL, "surface %s: the form login "
		    "has no \"path\" to probe the session with", sf->id);
	host_for_url(cfg->addr, host, sizeof(host));
	snprintf(e.url, sizeof(e.url), "%s://%s:%u%s", sf->tls ? "https" :
	    "http", host, sf->port, path);
	if ((rc = slot_init(&e, &s, err)) != 0)
		goto out;
	curl_easy_setopt(s.eh, CURLOPT_HTTPAUTH, (long)CURLAUTH_NONE);
	if (left >= 0 && left < tmo)
		tmo = left > 0 ? left : 1;
	curl_easy_setopt(s.eh, CURLOPT_TIMEOUT_MS, tmo);
	curl_easy_setopt(s.eh, CURLOPT_FORBID_REUSE, 1L);
	if (token != NULL) {
		snprintf(line, sizeof(line), "Authorization: Bearer %s", token);
		s.hdrs = curl_slist_append(s.hdrs, line);
		OPENSSL_cleanse(line, sizeof(line));
	}
	if (cookies != NULL && cookies[0] != '\0')
		curl_easy_setopt(s.eh, CURLOPT_COOKIE, cookies);
	curl_easy_setopt(s.eh, CURLOPT_HTTPHEADER, s.hdrs);
	cc = curl_easy_perform(s.eh);
	curl_easy_getinfo(s.eh, CURLINFO_RESPONSE_CODE, codep);
	if (*codep == 0) {
		rc = hq_err_set(err, HQ_EUNREACH, "session probe %s: %s",
		    path, hq_curl_why(s.eh, cc, NULL));
		goto out;
	}
	*acceptedp = *codep >= 200 && *codep < 300;
 out:
	slot_free(&s);
	return rc;
}
