/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Login attempts per surface kind.  libcurl (multi interface, one easy
 * handle per slot, the multi's connection cache giving keep-alive) for
 * HTTP basic/digest, form logins, ONVIF WS-UsernameToken, RTSP and SSH
 * (SFTP over libssh2); telnet and MQTT CONNECT are hand-written with
 * bounded parsing on non-blocking sockets.  Passwords go to libcurl and to
 * the DUT only: never to logs, messages or kept request text.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "util/err.h"
#include "util/log.h"
#include "util/rd.h"
#include "wire/login.h"
#include "wire/net.h"

#define URL_MAX		1400
#define TEXT_MAX	4096		/* telnet screen kept for matching */
#define MQTT_FIELD_MAX	65535

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
		const cJSON *m, *p, *st, *ptr, *h;

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
			return hq_err_set(err, HQ_EINVAL, "surface %s: RTSP "
			    "over TLS is not supported by libcurl", sf->id);
		scheme = "rtsp";
		if (path == NULL)
			path = "/";
		break;
	case K_SSH:
		scheme = "sftp";
		path = "/";	/* listing the root proves the session */
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
	case K_SSH:		protos = "sftp"; break;
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
	case K_SSH:
		curl_easy_setopt(s->eh, CURLOPT_SSH_AUTH_TYPES,
		    (long)(CURLSSH_AUTH_PASSWORD | CURLSSH_AUTH_KEYBOARD));
		curl_easy_setopt(s->eh, CURLOPT_DIRLISTONLY, 1L);
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

static void
classify(struct eng *e, struct slot *s, struct hq_login_try *t, CURLcode cc)
{
	curl_off_t pre = 0, start = 0, total = 0;
	long code = 0;
	bool answered;

	curl_easy_getinfo(s->eh, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_getinfo(s->eh, CURLINFO_PRETRANSFER_TIME_T, &pre);
	curl_easy_getinfo(s->eh, CURLINFO_STARTTRANSFER_TIME_T, &start);
	curl_easy_getinfo(s->eh, CURLINFO_TOTAL_TIME_T, &total);
	t->us = start > 0 && start >= pre ? (int64_t)(start - pre) :
	    (int64_t)total;
	t->code = code;
	answered = code > 0 && (cc == CURLE_OK || cc == CURLE_WRITE_ERROR);
	if (e->k == K_SSH) {
		if (cc == CURLE_OK || cc == CURLE_REMOTE_FILE_NOT_FOUND ||
		    cc == CURLE_REMOTE_ACCESS_DENIED) {
			t->res = HQ_LOGIN_ACCEPTED;
			snprintf(t->why, sizeof(t->why), "session opened");
		} else if (cc == CURLE_LOGIN_DENIED) {
			t->res = HQ_LOGIN_REFUSED;
			snprintf(t->why, sizeof(t->why), "authentication "
			    "refused");
		} else {
			t->res = HQ_LOGIN_ERROR;
			snprintf(t->why, sizeof(t->why), "%s",
			    curl_easy_strerror(cc));
		}
		return;
	}
	if (!answered) {
		t->res = HQ_LOGIN_ERROR;
		snprintf(t->why, sizeof(t->why), "%s", curl_easy_strerror(cc));
		return;
	}
	if (s->body.over)
		snprintf(t->why, sizeof(t->why), "status %ld, body over %zu "
		    "bytes (cut)", code, s->body.max);
	else
		snprintf(t->why, sizeof(t->why), "status %ld", code);
	if (e->k == K_FORM) {
		if (code == e->ok_status && e->token_ptr != NULL) {
			t->token = token_from_body(s->body.p, s->body.len,
			    e->token_ptr);
			t->res = t->token != NULL ? HQ_LOGIN_ACCEPTED :
			    HQ_LOGIN_REFUSED;
			if (t->token == NULL)
				snprintf(t->why, sizeof(t->why), "status %ld "
				    "without a value at %s", code,
				    e->token_ptr);
		} else
			t->res = code == e->ok_status ? HQ_LOGIN_ACCEPTED :
			    HQ_LOGIN_REFUSED;
		if (t->res == HQ_LOGIN_ACCEPTED && s->head.p != NULL)
			t->cookies = cookies_from_head(s->head.p);
	} else
		t->res = code >= 200 && code < 300 ? HQ_LOGIN_ACCEPTED :
		    HQ_LOGIN_REFUSED;
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

/* Last non-blank character of the screen. */
static char
text_last(const char *text, size_t len)
{
	while (len > 0 && isspace((unsigned char)text[len - 1]))
		len--;
	return len > 0 ? text[len - 1] : '\0';
}

/* Reads until pred says yes, the peer closes or the deadline passes. */
static int
tn_until(struct tn *tn, int (*pred)(const struct tn *), struct hq_deadline dl,
    int *verdictp, struct hq_err *err)
{
	uint8_t in[2048], rep[256];
	size_t got, replen;
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
		/* Idle 0: back to pred as soon as a burst arrived; waiting
		 * for 200 ms of silence after every prompt tripled the time
		 * of a login (the loop reads on while pred says no). */
		if ((rc = hq_net_read_some(tn->fd, in, sizeof(in), dl, 0,
		    &got, err)) != 0)
			return rc;
		if (got == 0) {
			uint8_t probe;
			ssize_t r = recv(tn->fd, &probe, 1, MSG_PEEK |
			    MSG_DONTWAIT);

			if (r == 0) {	/* closed */
				*verdictp = -2;
				return 0;
			}
			continue;
		}
		replen = 0;
		tn_feed(tn, in, got, rep, &replen, sizeof(rep));
		if (replen > 0 && (rc = hq_net_write_all(tn->fd, rep, replen,
		    dl, err)) != 0)
			return rc;
	}
}

static int
pred_login(const struct tn *tn)
{
	if (text_has(tn->text, "login:") || text_has(tn->text, "username:") ||
	    text_has(tn->text, "user name:"))
		return 1;
	if (text_has(tn->text, "password:"))
		return 2;	/* no user prompt: password only */
	return 0;
}

static int
pred_password(const struct tn *tn)
{
	return text_has(tn->text, "password:") ? 1 : 0;
}

static int
pred_outcome(const struct tn *tn)
{
	char c;

	if (text_has(tn->text, "incorrect") || text_has(tn->text, "invalid") ||
	    text_has(tn->text, "denied") || text_has(tn->text, "fail") ||
	    text_has(tn->text, "login:") || text_has(tn->text, "password:"))
		return 1;	/* refused */
	c = text_last(tn->text, tn->len);
	if (c == '$' || c == '#' || c == '>' || c == '%')
		return 2;	/* a shell prompt */
	return 0;
}

static int
telnet_one(const struct hq_login_cfg *cfg, struct hq_login_try *t,
    struct hq_deadline dl, struct hq_err *err)
{
	struct hq_deadline adl = hq_deadline_min(dl,
	    hq_deadline_in(cfg->timeout_ms));
	struct hq_err ierr = { 0 };
	struct tn tn = { .fd = -1 };
	char line[300];
	int64_t t0 = hq_mono_ns(), t1;
	int v = 0, rc;

	if ((rc = hq_net_connect(cfg->addr, cfg->sf->port, hq_deadline_min(
	    adl, hq_deadline_in(cfg->connect_timeout_ms)), &tn.fd,
	    &ierr)) != 0) {
		if (rc == HQ_EINTR)
			return hq_err_set(err, rc, "interrupted");
		t->res = HQ_LOGIN_ERROR;
		snprintf(t->why, sizeof(t->why), "connect: %.120s", ierr.msg);
		return 0;
	}
	if ((rc = tn_until(&tn, pred_login, adl, &v, &ierr)) != 0 || v <= 0) {
		t->res = HQ_LOGIN_ERROR;
		snprintf(t->why, sizeof(t->why), "no login prompt%s%.100s",
		    rc != 0 ? ": " : "", rc != 0 ? ierr.msg : "");
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
			t->res = HQ_LOGIN_ERROR;
			snprintf(t->why, sizeof(t->why), "no password prompt");
			goto out;
		}
	}
	tn.len = 0;
	tn.text[0] = '\0';
	snprintf(line, sizeof(line), "%s\r\n", t->password);
	t1 = hq_mono_ns();
	rc = hq_net_write_all(tn.fd, line, strlen(line), adl, &ierr);
	OPENSSL_cleanse(line, sizeof(line));
	if (rc != 0 || (rc = tn_until(&tn, pred_outcome, adl, &v,
	    &ierr)) != 0) {
		t->res = HQ_LOGIN_ERROR;
		snprintf(t->why, sizeof(t->why), "%.150s", ierr.msg);
		goto out;
	}
	t->us = (hq_mono_ns() - t1) / 1000;
	if (v == 2) {
		t->res = HQ_LOGIN_ACCEPTED;
		snprintf(t->why, sizeof(t->why), "shell prompt");
	} else if (v == 1 || v == -2) {
		t->res = HQ_LOGIN_REFUSED;
		snprintf(t->why, sizeof(t->why), "%s", v == 1 ?
		    "refused (failure text or new prompt)" :
		    "connection closed after the password");
	} else {
		t->res = HQ_LOGIN_ERROR;
		snprintf(t->why, sizeof(t->why), "no outcome within %d ms",
		    cfg->timeout_ms);
	}
	if (cfg->keep_resp)
		t->body = strdup(tn.text);
	if (t->body != NULL)
		t->body_len = strlen(t->body);
 out:
	(void)t0;
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

static int
mqtt_one(const struct hq_login_cfg *cfg, struct hq_login_try *t,
    struct hq_deadline dl, struct hq_err *err)
{
	struct hq_deadline adl = hq_deadline_min(dl,
	    hq_deadline_in(cfg->timeout_ms));
	struct hq_err ierr = { 0 };
	uint8_t pkt[1024], var[1024], in[64], type, flags, ack, rcode;
	struct hq_rd rd;
	char cid[24];
	size_t off = 0, vlen = 0, rem, got;
	int64_t t1;
	int fd = -1, rc;

	if (cfg->sf->tls) {
		t->res = HQ_LOGIN_ERROR;
		snprintf(t->why, sizeof(t->why), "MQTT over TLS not "
		    "supported yet");
		return 0;
	}
	/* Variable header: protocol name, level 4, flags (user name,
	 * password, clean session), keep alive 60 s; payload. */
	memcpy(var, "\0\4MQTT\4\xc2\0\x3c", 10);
	vlen = 10;
	snprintf(cid, sizeof(cid), "hopquy-%08x", (unsigned)(hq_mono_ns() &
	    0xffffffff));
	if (!put_str(var, sizeof(var), &vlen, cid) ||
	    !put_str(var, sizeof(var), &vlen, t->user) ||
	    !put_str(var, sizeof(var), &vlen, t->password)) {
		t->res = HQ_LOGIN_ERROR;
		snprintf(t->why, sizeof(t->why), "credential too long");
		goto out;
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
	if ((rc = hq_net_connect(cfg->addr, cfg->sf->port, hq_deadline_min(
	    adl, hq_deadline_in(cfg->connect_timeout_ms)), &fd,
	    &ierr)) != 0) {
		if (rc == HQ_EINTR) {
			OPENSSL_cleanse(pkt, sizeof(pkt));
			return hq_err_set(err, rc, "interrupted");
		}
		t->res = HQ_LOGIN_ERROR;
		snprintf(t->why, sizeof(t->why), "connect: %.120s", ierr.msg);
		goto out;
	}
	t1 = hq_mono_ns();
	rc = hq_net_write_all(fd, pkt, off, adl, &ierr);
	if (rc == 0)
		rc = hq_net_read_some(fd, in, 4, adl, 100, &got, &ierr);
	t->us = (hq_mono_ns() - t1) / 1000;
	if (rc != 0) {
		t->res = HQ_LOGIN_ERROR;
		snprintf(t->why, sizeof(t->why), "%.150s", ierr.msg);
		goto out;
	}
	rd.p = in;
	rd.len = got;
	if (got == 0) {
		/* Some brokers close instead of answering a bad CONNECT. */
		t->res = HQ_LOGIN_REFUSED;
		snprintf(t->why, sizeof(t->why), "closed without CONNACK");
		goto out;
	}
	if (hq_rd_u8(&rd, &type) != 0 || hq_rd_u8(&rd, &ack) != 0 ||
	    hq_rd_u8(&rd, &flags) != 0 || hq_rd_u8(&rd, &rcode) != 0 ||
	    type != 0x20 || ack != 2) {
		t->res = HQ_LOGIN_ERROR;
		snprintf(t->why, sizeof(t->why), "not a CONNACK (%zu bytes, "
		    "first 0x%02x)", got, in[0]);
		goto out;
	}
	t->code = rcode;
	/* 0 accepted; 4 bad user name or password; 5 not authorised. */
	t->res = rcode == 0 ? HQ_LOGIN_ACCEPTED : rcode == 4 || rcode == 5 ?
	    HQ_LOGIN_REFUSED : HQ_LOGIN_ERROR;
	snprintf(t->why, sizeof(t->why), "CONNACK return code %u", rcode);
	(void)flags;
 out:
	OPENSSL_cleanse(pkt, sizeof(pkt));
	if (fd >= 0)
		close(fd);
	return 0;
}

int
hq_login_run(const struct hq_login_cfg *cfg, struct hq_login_try *v,
    size_t n, struct hq_deadline dl, struct hq_err *err)
{
	enum kind k = kind_of(cfg->sf->login_kind);
	size_t i;
	int rc;

	if (k == K_NONE)
		return hq_err_set(err, HQ_EINVAL, "surface %s: no supported "
		    "login kind", cfg->sf->id);
	if (k != K_TELNET && k != K_MQTT)
		return run_curl(cfg, k, v, n, dl, err);
	/* Hand-written kinds: one attempt after the other. */
	for (i = 0; i < n; i++) {
		if (hq_interrupted)
			return hq_err_set(err, HQ_EINTR, "interrupted");
		if (hq_deadline_passed(dl))
			return hq_err_set(err, HQ_ETIMEDOUT, "login attempts: "
			    "deadline passed after %zu of %zu", i, n);
		rc = k == K_TELNET ? telnet_one(cfg, &v[i], dl, err) :
		    mqtt_one(cfg, &v[i], dl, err);
		if (rc != 0)
			return rc;
	}
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
		    path, curl_easy_strerror(cc));
		goto out;
	}
	*acceptedp = *codep >= 200 && *codep < 300;
 out:
	slot_free(&s);
	return rc;
}
