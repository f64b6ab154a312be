/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Family `unauth`: no video, snapshot, configuration or user data without
 * authentication (QCVN 135:2024 groups 1 and 7; EN 303 645 5.1 and 5.8;
 * IEC 62443-4-2 CR 1.1, CR 2.1).  Every declared surface that carries
 * such content is asked without any credential:
 *   rtsp   DESCRIBE of the stream paths, then SETUP and PLAY of the first
 *          track when the description was served
 *   http   GET of the login path and the declared protected paths
 *   onvif  GetProfiles, then GetStreamUri of the first profile, without
 *          WS-Security (to the login path or /onvif/device_service)
 *   mqtt   CONNECT without user name or password, then SUBSCRIBE to "#"
 * A served answer is a FAIL naming the URL; a definite refusal (RTSP or
 * HTTP 401/403, an HTTP redirect, CONNACK 4/5, a refused subscription) is
 * the evidence for a PASS; anything else (404, 5xx, timeouts) is no
 * verdict.  Paths the DUT file marks public are never asked.  A surface
 * without a path to ask is "not checked"; a kind the profile lists as
 * required that could not be asked makes the case INCONCLUSIVE.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "family.h"
#include "util/jv.h"
#include "util/rd.h"
#include "wire/curlwhy.h"
#include "wire/net.h"
#include "wire/stream.h"

#define REPLY_MAX	(16u * 1024)
#define URLS_SHOWN	8

static const char *const unauth_keys[] = {
	"kinds", "required", "timeout_ms", "mqtt_wait_ms", NULL
};
static const char *const unauth_kinds[] = { "rtsp", "http", "mqtt", NULL };

struct up {
	char		**kinds, **required;
	size_t		 nkinds, nrequired;
	long long	 timeout_ms, mqtt_wait_ms;
};

static void
up_clear(struct up *p)
{
	hq_strv_free(p->kinds, p->nkinds);
	hq_strv_free(p->required, p->nrequired);
}

static int
strv_known(char **v, size_t n, const char *key, struct hq_err *err)
{
	size_t i, k;

	for (i = 0; i < n; i++) {
		for (k = 0; unauth_kinds[k] != NULL; k++)
			if (strcmp(unauth_kinds[k], v[i]) == 0)
				break;
		if (unauth_kinds[k] == NULL)
			return hq_err_set(err, HQ_EINVAL, "%s[%zu]: expected "
			    "rtsp, http or mqtt, got \"%.32s\"", key, i, v[i]);
	}
	return 0;
}

static int
up_read(const cJSON *j, struct up *p, struct hq_err *err)
{
	int rc;

	memset(p, 0, sizeof(*p));
	if ((rc = hq_jv_keys(j, "", unauth_keys, err)) != 0 ||
	    (rc = hq_jv_strv(j, "", "kinds", false, 8, &p->kinds, &p->nkinds,
	    err)) != 0 ||
	    (rc = hq_jv_strv(j, "", "required", false, 8, &p->required,
	    &p->nrequired, err)) != 0 ||
	    (rc = hq_jv_int(j, "", "timeout_ms", false, 100, 60000, 5000,
	    &p->timeout_ms, err)) != 0 ||
	    (rc = hq_jv_int(j, "", "mqtt_wait_ms", false, 0, 60000, 1000,
	    &p->mqtt_wait_ms, err)) != 0 ||
	    (rc = strv_known(p->kinds, p->nkinds, "kinds", err)) != 0 ||
	    (rc = strv_known(p->required, p->nrequired, "required",
	    err)) != 0)
		return rc;
	return 0;
}

static int
unauth_check_params(const cJSON *params, struct hq_err *err)
{
	struct up p;
	int rc = up_read(params, &p, err);

	up_clear(&p);
	return rc;
}

/* What one question got. */
enum ans { A_REFUSED, A_SERVED, A_NOVERDICT };

struct ux {
	struct hq_ctx		*ctx;
	struct hq_result	*res;
	struct up		 p;
	struct hq_transcript	*tr;
	size_t			 nserved, nrefused, nundecided;
	char			 served[HQ_ERR_MSG_MAX];
	char			 refused[HQ_ERR_MSG_MAX];
	char			 undecided[HQ_ERR_MSG_MAX];
	char			 notchecked[HQ_ERR_MSG_MAX];
	bool			 asked[3];	/* rtsp, http, mqtt */
};

static bool
has(char **v, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

static void
list_add(char *out, size_t outsz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
list_add(char *out, size_t outsz, const char *fmt, ...)
{
	size_t o = strlen(out);
	va_list ap;

	if (o + 8 >= outsz)
		return;
	if (o > 0)
		o += (size_t)snprintf(out + o, outsz - o, "; ");
	va_start(ap, fmt);
	vsnprintf(out + o, outsz - o, fmt, ap);
	va_end(ap);
}

/* Records an answer: the lists the rationale is built from. */
static void
record(struct ux *u, enum ans a, const char *what, const char *seen)
{
	hq_transcript_printf(u->tr, "%s -> %s (%s)\n", what, a == A_SERVED ?
	    "SERVED without credentials" : a == A_REFUSED ?
	    "refused (definite)" : "no verdict", seen);
	switch (a) {
	case A_SERVED:
		if (u->nserved++ < URLS_SHOWN)
			list_add(u->served, sizeof(u->served), "%s (%s)", what,
			    seen);
		hq_finding(u->res, "%s served without any credential (%s)",
		    what, seen);
		break;
	case A_REFUSED:
		if (u->nrefused++ < URLS_SHOWN)
			list_add(u->refused, sizeof(u->refused), "%s (%s)",
			    what, seen);
		break;
	default:
		if (u->nundecided++ < URLS_SHOWN)
			list_add(u->undecided, sizeof(u->undecided), "%s (%s)",
			    what, seen);
		break;
	}
}

static bool
is_public(const struct hq_surface *sf, const char *path)
{
	size_t i;

	for (i = 0; i < sf->npublic; i++)
		if (strcmp(sf->public_paths[i], path) == 0)
			return true;
	return false;
}

/* The paths to ask on a surface: the login path, then the declared
 * protected paths, without the public ones and without repeats. */
static size_t
paths_of(const struct hq_surface *sf, const char **out, size_t max)
{
	const cJSON *lp = cJSON_GetObjectItemCaseSensitive(sf->login, "path");
	size_t n = 0, i, k;

	if (cJSON_IsString(lp) && lp->valuestring[0] == '/' &&
	    strpbrk(lp->valuestring, " \r\n") == NULL &&
	    !is_public(sf, lp->valuestring))
		out[n++] = lp->valuestring;
	for (i = 0; i < sf->nprotected && n < max; i++) {
		bool dup = false;

		for (k = 0; k < n; k++)
			if (strcmp(out[k], sf->protected_paths[i]) == 0)
				dup = true;
		if (!dup && !is_public(sf, sf->protected_paths[i]))
			out[n++] = sf->protected_paths[i];
	}
	return n;
}

/* ---- RTSP (RFC 2326) on a bounded socket ---- */

struct rtsp_reply {
	unsigned	 status;
	char		 session[128];
	char		 base[256];
	char		 control[256];	/* first a=control of the SDP */
	bool		 sdp;
};

/* The value of header name in head (without the status line), copied
 * up to ';' or end of line; empty when absent. */
static void
header_value(const char *head, const char *name, char *out, size_t outsz,
    bool cut_semicolon)
{
	const char *p = head;
	size_t nl = strlen(name);

	out[0] = '\0';
	while (p != NULL && *p != '\0') {
		const char *eol = strchr(p, '\n');
		size_t ll = eol != NULL ? (size_t)(eol - p) : strlen(p);

		if (ll > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			const char *v = p + nl + 1, *e;

			while (v < p + ll && (*v == ' ' || *v == '\t'))
				v++;
			for (e = v; e < p + ll && *e != '\r' &&
			    !(cut_semicolon && *e == ';'); e++)
				;
			snprintf(out, outsz, "%.*s", (int)(e - v), v);
			return;
		}
		p = eol != NULL ? eol + 1 : NULL;
	}
}

/* Sends req and reads one response (head and Content-Length body). */
static int
rtsp_ask(struct ux *u, struct hq_stream *st, const char *req,
    struct rtsp_reply *r,
    struct hq_err *err)
{
	struct hq_deadline dl = hq_deadline_min(u->ctx->deadline,
	    hq_deadline_in(u->p.timeout_ms));
	char buf[REPLY_MAX + 1], *hend, *sp;
	size_t len = 0, got;
	uint64_t clen = 0, code;
	char cl[32];
	int rc;

	memset(r, 0, sizeof(*r));
	hq_transcript_printf(u->tr, "-> %.*s\n", (int)strcspn(req, "\r"), req);
	if ((rc = hq_stream_write_all(st, req, strlen(req), dl, err)) != 0)
		return rc;
	for (;;) {
		if ((rc = hq_stream_read_some(st, buf + len, REPLY_MAX - len,
		    dl, &got, err)) != 0)
			return rc;
		len += got;
		buf[len] = '\0';
		if ((hend = strstr(buf, "\r\n\r\n")) != NULL) {
			header_value(buf, "Content-Length", cl, sizeof(cl),
			    false);
			if (cl[0] != '\0' && hq_parse_u64(cl, strlen(cl),
			    REPLY_MAX, &clen) != 0)
				clen = REPLY_MAX;
			if ((size_t)(hend + 4 - buf) + clen <= len ||
			    len >= REPLY_MAX)
				break;
		}
		if (got == 0 || len >= REPLY_MAX)
			break;
	}
	hq_transcript_bytes(u->tr, "<-", buf, len > 600 ? 600 : len);
	if (len < 12 || strncmp(buf, "RTSP/1.0 ", 9) != 0 ||
	    (sp = memchr(buf + 9, ' ', 4)) == NULL ||
	    hq_parse_u64(buf + 9, (size_t)(sp - buf - 9), 999, &code) != 0)
		return hq_err_set(err, HQ_EPROTO, "not an RTSP response");
	r->status = (unsigned)code;
	header_value(buf, "Session", r->session, sizeof(r->session), true);
	header_value(buf, "Content-Base", r->base, sizeof(r->base), false);
	if (hend != NULL) {
		const char *sdp = hend + 4, *c;

		r->sdp = strncmp(sdp, "v=0", 3) == 0;
		if ((c = strstr(sdp, "a=control:")) != NULL) {
			c += 10;
			snprintf(r->control, sizeof(r->control), "%.*s",
			    (int)strcspn(c, "\r\n"), c);
			if (strcmp(r->control, "*") == 0)
				r->control[0] = '\0';
		}
	}
	return 0;
}

static void
ask_rtsp(struct ux *u, const struct hq_surface *sf, const char *path)
{
	const char *addr = u->ctx->dut->address;
	struct hq_deadline dl = hq_deadline_min(u->ctx->deadline,
	    hq_deadline_in(u->p.timeout_ms));
	struct rtsp_reply r;
	struct hq_err ierr = { 0 };
	char url[600], track[900], req[1400], seen[160];
	struct hq_stream st;

	/* RTSP over TLS (rtsps) where the surface says so */
	snprintf(url, sizeof(url), "%s://%s:%u%s", sf->tls ? "rtsps" : "rtsp",
	    addr, sf->port, path);
	u->asked[0] = true;
	if (hq_stream_open(&st, addr, sf->port, sf->tls, dl, &ierr) != 0) {
		record(u, A_NOVERDICT, url, ierr.msg);
		return;
	}
	snprintf(req, sizeof(req), "DESCRIBE %s RTSP/1.0\r\nCSeq: 1\r\n"
	    "Accept: application/sdp\r\nUser-Agent: hopquy\r\n\r\n", url);
	if (rtsp_ask(u, &st, req, &r, &ierr) != 0) {
		record(u, A_NOVERDICT, url, ierr.msg);
		goto out;
	}
	if (r.status == 401 || r.status == 403) {
		snprintf(seen, sizeof(seen), "DESCRIBE %u", r.status);
		record(u, A_REFUSED, url, seen);
		goto out;
	}
	if (r.status != 200 || !r.sdp) {
		snprintf(seen, sizeof(seen), "DESCRIBE %u%s", r.status,
		    r.status == 200 ? " without a session description" : "");
		record(u, A_NOVERDICT, url, seen);
		goto out;
	}
	/* The description was served; try to get the stream itself. */
	if (r.control[0] == '\0' || strncmp(r.control, "rtsp://", 7) == 0 ||
	    strncmp(r.control, "rtsps://", 8) == 0)
		snprintf(track, sizeof(track), "%s", r.control[0] != '\0' ?
		    r.control : url);
	else
		snprintf(track, sizeof(track), "%s%s%s", r.base[0] != '\0' ?
		    r.base : url, (r.base[0] != '\0' ? r.base[strlen(r.base) -
		    1] : url[strlen(url) - 1]) == '/' ? "" : "/", r.control);
	snprintf(req, sizeof(req), "SETUP %s RTSP/1.0\r\nCSeq: 2\r\n"
	    "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n"
	    "User-Agent: hopquy\r\n\r\n", track);
	if (rtsp_ask(u, &st, req, &r, &ierr) != 0 || r.status != 200) {
		snprintf(seen, sizeof(seen), "DESCRIBE 200 with SDP; SETUP %u",
		    r.status);
		record(u, A_SERVED, url, seen);
		goto out;
	}
	snprintf(req, sizeof(req), "PLAY %s RTSP/1.0\r\nCSeq: 3\r\n"
	    "Session: %s\r\nRange: npt=0-\r\nUser-Agent: hopquy\r\n\r\n", url,
	    r.session);
	if (rtsp_ask(u, &st, req, &r, &ierr) != 0)
		r.status = 0;
	snprintf(seen, sizeof(seen), "DESCRIBE 200 with SDP, SETUP 200, "
	    "PLAY %u", r.status);
	record(u, A_SERVED, url, seen);
 out:
	hq_stream_close(&st);
}

/* ---- HTTP(S) through libcurl ---- */

static size_t
cb_discard(char *p, size_t size, size_t nmemb, void *arg)
{
	size_t *n = arg;

	(void)p;
	*n += size * nmemb;
	return *n > REPLY_MAX ? 0 : size * nmemb;
}

static void
ask_http(struct ux *u, const struct hq_surface *sf, const char *path)
{
	const char *addr = u->ctx->dut->address;
	int left = hq_deadline_poll_ms(u->ctx->deadline);
	long tmo = (long)u->p.timeout_ms, code = 0;
	char url[600], seen[160];
	size_t body = 0;
	CURLcode cc;
	const char *why;
	CURL *eh;

	snprintf(url, sizeof(url), "%s://%s%s%s:%u%s", sf->tls ? "https" :
	    "http", strchr(addr, ':') != NULL ? "[" : "", addr,
	    strchr(addr, ':') != NULL ? "]" : "", sf->port, path);
	u->asked[1] = true;
	if ((eh = curl_easy_init()) == NULL) {
		record(u, A_NOVERDICT, url, "no memory");
		return;
	}
	if (left >= 0 && left < tmo)
		tmo = left > 0 ? left : 1;
	curl_easy_setopt(eh, CURLOPT_URL, url);
	curl_easy_setopt(eh, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(eh, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(eh, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(eh, CURLOPT_CONNECTTIMEOUT_MS, tmo);
	curl_easy_setopt(eh, CURLOPT_TIMEOUT_MS, tmo);
	curl_easy_setopt(eh, CURLOPT_SSL_VERIFYPEER, 0L);
	curl_easy_setopt(eh, CURLOPT_SSL_VERIFYHOST, 0L);
	curl_easy_setopt(eh, CURLOPT_WRITEFUNCTION, cb_discard);
	curl_easy_setopt(eh, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(eh, CURLOPT_USERAGENT, "hopquy/" HQ_VERSION);
	hq_transcript_printf(u->tr, "-> GET %s (no credentials)\n", url);
	cc = curl_easy_perform(eh);
	curl_easy_getinfo(eh, CURLINFO_RESPONSE_CODE, &code);
	why = hq_curl_why(eh, cc, NULL);
	curl_easy_cleanup(eh);
	if (code <= 0 || (cc != CURLE_OK && cc != CURLE_WRITE_ERROR)) {
		record(u, A_NOVERDICT, url, why);
		return;
	}
	snprintf(seen, sizeof(seen), "GET %ld, %zu body bytes", code, body);
	if (code >= 200 && code < 300)
		record(u, A_SERVED, url, seen);
	else if (code == 401 || code == 403 || (code >= 300 && code < 400))
		record(u, A_REFUSED, url, seen);
	else
		record(u, A_NOVERDICT, url, seen);
}

/* ---- ONVIF (ONVIF Media Service 10): GetProfiles, then GetStreamUri,
 * without a WS-Security header ---- */

struct soap {
	char	*body;
	size_t	 len, cap;
};

static size_t
cb_soap(char *p, size_t size, size_t nmemb, void *arg)
{
	struct soap *b = arg;
	size_t n = size * nmemb;

	if (b->len + n + 1 > REPLY_MAX)
		return 0;
	if (b->body == NULL && (b->body = malloc(REPLY_MAX)) == NULL)
		return 0;
	memcpy(b->body + b->len, p, n);
	b->len += n;
	b->body[b->len] = '\0';
	return n;
}

/* POSTs a SOAP body; *codep the status (0: no answer), b the reply. */
static CURLcode
soap_post(struct ux *u, const char *url, const char *xml, long *codep,
    struct soap *b)
{
	int left = hq_deadline_poll_ms(u->ctx->deadline);
	long tmo = (long)u->p.timeout_ms;
	struct curl_slist *h = NULL;
	CURLcode cc;
	CURL *eh;

	*codep = 0;
	if ((eh = curl_easy_init()) == NULL)
		return CURLE_OUT_OF_MEMORY;
	if (left >= 0 && left < tmo)
		tmo = left > 0 ? left : 1;
	h = curl_slist_append(NULL, "Content-Type: application/soap+xml; "
	    "charset=utf-8");
	curl_easy_setopt(eh, CURLOPT_URL, url);
	curl_easy_setopt(eh, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(eh, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(eh, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(eh, CURLOPT_CONNECTTIMEOUT_MS, tmo);
	curl_easy_setopt(eh, CURLOPT_TIMEOUT_MS, tmo);
	curl_easy_setopt(eh, CURLOPT_SSL_VERIFYPEER, 0L);
	curl_easy_setopt(eh, CURLOPT_SSL_VERIFYHOST, 0L);
	curl_easy_setopt(eh, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(eh, CURLOPT_POSTFIELDS, xml);
	curl_easy_setopt(eh, CURLOPT_WRITEFUNCTION, cb_soap);
	curl_easy_setopt(eh, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(eh, CURLOPT_USERAGENT, "hopquy/" HQ_VERSION);
	cc = curl_easy_perform(eh);
	curl_easy_getinfo(eh, CURLINFO_RESPONSE_CODE, codep);
	curl_easy_cleanup(eh);
	curl_slist_free_all(h);
	if (b->body != NULL)
		hq_transcript_bytes(u->tr, "<-", b->body, b->len > 600 ? 600 :
		    b->len);
	return cc;
}

/* The text of the first element named tag (any prefix), escaped. */
static bool
xml_text(const char *xml, const char *tag, char *out, size_t outsz)
{
	const char *p = xml, *s, *e;
	size_t tl = strlen(tag);

	while (p != NULL && (p = strstr(p, tag)) != NULL) {
		if (p > xml && (p[-1] == ':' || p[-1] == '<') &&
		    (p[tl] == '>' || p[tl] == ' ')) {
			if ((s = strchr(p, '>')) == NULL ||
			    (e = strchr(s + 1, '<')) == NULL)
				return false;
			hq_escape(out, outsz, s + 1, (size_t)(e - s - 1));
			return true;
		}
		p += tl;
	}
	return false;
}

/* The token="..." attribute of the first Profiles element. */
static bool
profile_token(const char *xml, char *out, size_t outsz)
{
	const char *p = strstr(xml, "Profiles"), *t, *e;

	if (p == NULL || (t = strstr(p, "token=\"")) == NULL ||
	    (e = strchr(t + 7, '"')) == NULL || e - t - 7 > 64)
		return false;
	hq_escape(out, outsz, t + 7, (size_t)(e - t - 7));
	return strpbrk(out, "<>&\\") == NULL;
}

static void
ask_onvif(struct ux *u, const struct hq_surface *sf, const char *path)
{
	static const char env0[] = "<?xml version=\"1.0\" encoding=\"UTF-8"
	    "\"?><s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-"
	    "envelope\" xmlns:trt=\"http://www.onvif.org/ver10/media/wsdl\" "
	    "xmlns:tt=\"http://www.onvif.org/ver10/schema\"><s:Body>";
	static const char env1[] = "</s:Body></s:Envelope>";
	const char *addr = u->ctx->dut->address;
	struct soap b = { 0 };
	char url[600], xml[1400], seen[300], tok[80], uri[200];
	long code = 0;
	CURLcode cc;

	snprintf(url, sizeof(url), "%s://%s%s%s:%u%s", sf->tls ? "https" :
	    "http", strchr(addr, ':') != NULL ? "[" : "", addr,
	    strchr(addr, ':') != NULL ? "]" : "", sf->port, path);
	u->asked[1] = true;
	snprintf(xml, sizeof(xml), "%s<trt:GetProfiles/>%s", env0, env1);
	hq_transcript_printf(u->tr, "-> POST %s GetProfiles (no "
	    "WS-Security)\n", url);
	cc = soap_post(u, url, xml, &code, &b);
	if (code <= 0 || (cc != CURLE_OK && cc != CURLE_WRITE_ERROR)) {
		record(u, A_NOVERDICT, url, curl_easy_strerror(cc));
		goto out;
	}
	if (code == 401 || code == 403 || ((code == 400 || code == 500) &&
	    b.body != NULL && strstr(b.body, "NotAuthorized") != NULL)) {
		snprintf(seen, sizeof(seen), "GetProfiles %ld%s", code,
		    code >= 400 && code != 401 && code != 403 ?
		    ", NotAuthorized fault" : "");
		record(u, A_REFUSED, url, seen);
		goto out;
	}
	if (code != 200 || b.body == NULL || !profile_token(b.body, tok,
	    sizeof(tok))) {
		snprintf(seen, sizeof(seen), "GetProfiles %ld without "
		    "profiles", code);
		record(u, A_NOVERDICT, url, seen);
		goto out;
	}
	/* The configuration was served; the stream's address too? */
	free(b.body);
	memset(&b, 0, sizeof(b));
	snprintf(xml, sizeof(xml), "%s<trt:GetStreamUri><trt:StreamSetup>"
	    "<tt:Stream>RTP-Unicast</tt:Stream><tt:Transport><tt:Protocol>"
	    "RTSP</tt:Protocol></tt:Transport></trt:StreamSetup>"
	    "<trt:ProfileToken>%s</trt:ProfileToken></trt:GetStreamUri>%s",
	    env0, tok, env1);
	hq_transcript_printf(u->tr, "-> POST %s GetStreamUri (no "
	    "WS-Security)\n", url);
	cc = soap_post(u, url, xml, &code, &b);
	if (code == 200 && b.body != NULL && xml_text(b.body, "Uri", uri,
	    sizeof(uri)))
		snprintf(seen, sizeof(seen), "GetProfiles 200 (profile %s), "
		    "GetStreamUri 200: %s", tok, uri);
	else
		snprintf(seen, sizeof(seen), "GetProfiles 200 (profile %s), "
		    "GetStreamUri %ld", tok, code);
	record(u, A_SERVED, url, seen);
 out:
	free(b.body);
}

/* ---- MQTT 3.1.1: CONNECT without credentials, SUBSCRIBE "#" ---- */

static void
ask_mqtt(struct ux *u, const struct hq_surface *sf)
{
	static const uint8_t connect[] = {
		0x10, 0x12, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02,
		0x00, 0x3c, 0x00, 0x06, 'h', 'q', 'a', 'n', 'o', 'n'
	};
	/* SUBSCRIBE, packet id 1, topic filter "#", QoS 0 (3.8). */
	static const uint8_t subscribe[] = {
		0x82, 0x06, 0x00, 0x01, 0x00, 0x01, '#', 0x00
	};
	const char *addr = u->ctx->dut->address;
	struct hq_deadline dl = hq_deadline_min(u->ctx->deadline,
	    hq_deadline_in(u->p.timeout_ms));
	struct hq_err ierr = { 0 };
	uint8_t in[512];
	char url[128], seen[200], topic[120];
	size_t got;
	int fd = -1;

	snprintf(url, sizeof(url), "mqtt://%s:%u (anonymous CONNECT, "
	    "SUBSCRIBE #)", addr, sf->port);
	u->asked[2] = true;
	if (hq_net_connect(addr, sf->port, dl, &fd, &ierr) != 0) {
		record(u, A_NOVERDICT, url, ierr.msg);
		return;
	}
	if (hq_net_write_all(fd, connect, sizeof(connect), dl, &ierr) != 0 ||
	    hq_net_read_some(fd, in, 4, dl, 100, &got, &ierr) != 0) {
		record(u, A_NOVERDICT, url, ierr.msg);
		goto out;
	}
	hq_transcript_bytes(u->tr, "<-", in, got);
	if (got < 4 || in[0] != 0x20 || in[1] != 0x02) {
		record(u, A_NOVERDICT, url, got == 0 ? "closed without "
		    "CONNACK" : "not a CONNACK");
		goto out;
	}
	if (in[3] == 4 || in[3] == 5) {
		snprintf(seen, sizeof(seen), "CONNACK %u", in[3]);
		record(u, A_REFUSED, url, seen);
		goto out;
	}
	if (in[3] != 0) {
		snprintf(seen, sizeof(seen), "CONNACK %u", in[3]);
		record(u, A_NOVERDICT, url, seen);
		goto out;
	}
	if (hq_net_write_all(fd, subscribe, sizeof(subscribe), dl,
	    &ierr) != 0 ||
	    hq_net_read_some(fd, in, 5, dl, 100, &got, &ierr) != 0 ||
	    got < 5 || in[0] != 0x90) {
		/* Connected anonymously, no answer to the subscription: the
		 * broker took a client without credentials all the same. */
		record(u, A_SERVED, url, "CONNACK 0 (anonymous client "
		    "accepted); no SUBACK");
		goto out;
	}
	if (in[4] == 0x80) {
		record(u, A_REFUSED, url, "CONNACK 0, SUBACK 0x80 (# refused)");
		goto out;
	}
	/* A retained or live message shows what it serves: its topic. */
	topic[0] = '\0';
	if (u->p.mqtt_wait_ms > 0) {
		struct hq_deadline w = hq_deadline_min(u->ctx->deadline,
		    hq_deadline_in(u->p.mqtt_wait_ms));

		if (hq_net_read_some(fd, in, sizeof(in), w, 100, &got,
		    &ierr) == 0 && got >= 4 && (in[0] & 0xf0) == 0x30 &&
		    in[1] < 0x80) {
			size_t tl = (size_t)in[2] << 8 | in[3];

			if (tl > 0 && 4 + tl <= got)
				hq_escape(topic, sizeof(topic),
				    (const char *)in + 4, tl > 80 ? 80 : tl);
		}
	}
	snprintf(seen, sizeof(seen), "CONNACK 0, SUBACK %u%s%s", in[4],
	    topic[0] != '\0' ? ", then a message on " : "", topic);
	record(u, A_SERVED, url, seen);
 out:
	close(fd);
}

static bool
kind_on(const struct ux *u, const char *k)
{
	return u->p.nkinds == 0 || has(u->p.kinds, u->p.nkinds, k);
}

/*
 * The verdict from what was asked (the rationale names only that): FAIL
 * on anything served; NOT_APPLICABLE with no content surface; INCONCLUSIVE
 * for a required kind not asked or an answer without a verdict; PASS
 * otherwise, listing what refused and what was not checked.
 */
static void
verdict(struct ux *u, size_t nsurf)
{
	char missing[128] = "";
	size_t i;

	for (i = 0; i < u->p.nrequired; i++) {
		const char *k = u->p.required[i];
		int ix = strcmp(k, "rtsp") == 0 ? 0 : strcmp(k, "http") == 0 ?
		    1 : 2;

		if (!u->asked[ix])
			list_add(missing, sizeof(missing), "%s", k);
	}
	if (u->nserved > 0)
		hq_verdict(u->res, HQ_FAIL, "%zu surface%s served without "
		    "authentication: %s", u->nserved, u->nserved == 1 ? "" :
		    "s", u->served);
	else if (nsurf == 0)
		hq_verdict(u->res, HQ_NOT_APPLICABLE, "the DUT description "
		    "declares no RTSP, HTTP or MQTT surface");
	else if (missing[0] != '\0')
		hq_verdict(u->res, HQ_INCONCLUSIVE, "required by the profile "
		    "but not checked: %s%s%s", missing, u->notchecked[0] ?
		    "; not checked: " : "", u->notchecked);
	else if (u->nundecided > 0)
		hq_verdict(u->res, HQ_INCONCLUSIVE, "%zu request%s without a "
		    "definite answer: %s", u->nundecided, u->nundecided == 1 ?
		    "" : "s", u->undecided);
	else if (u->nrefused == 0)
		hq_verdict(u->res, HQ_INCONCLUSIVE, "nothing could be asked: "
		    "not checked: %s", u->notchecked);
	else
		hq_verdict(u->res, HQ_PASS, "refused without credentials: "
		    "%s%s%s", u->refused, u->notchecked[0] ?
		    "; not checked: " : "", u->notchecked);
}

static int
unauth_run(struct hq_ctx *ctx, const struct hq_case *tc,
    struct hq_result *res, struct hq_err *err)
{
	const struct hq_dut *dut = ctx->dut;
	struct ux u = { .ctx = ctx, .res = res };
	char slug[128], rel[192];
	size_t i, k, nsurf = 0;
	int rc;

	if ((rc = up_read(tc->params, &u.p, err)) != 0)
		goto out;
	if (dut->address == NULL) {
		hq_verdict(res, HQ_INCONCLUSIVE, "the DUT description gives "
		    "no address");
		goto out;
	}
	if ((u.tr = hq_transcript_new(256 * 1024)) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "no memory");
		goto out;
	}
	hq_transcript_printf(u.tr, "hopquy unauth on %s: every request "
	    "without credentials\n", dut->address);
	for (i = 0; i < dut->nsurfaces; i++) {
		const struct hq_surface *sf = &dut->surfaces[i];
		const char *paths[65];
		size_t np;
		bool rtsp = strcmp(sf->proto, "rtsp") == 0 ||
		    strcmp(sf->proto, "rtsps") == 0;
		bool http = strcmp(sf->proto, "http") == 0 ||
		    strcmp(sf->proto, "https") == 0 ||
		    strcmp(sf->proto, "onvif") == 0;
		bool mqtt = strcmp(sf->proto, "mqtt") == 0 && !sf->tls;
		bool onvif = strcmp(sf->proto, "onvif") == 0 ||
		    (sf->login_kind != NULL && strcmp(sf->login_kind,
		    "onvif") == 0);

		if (strcmp(sf->transport, "tcp") != 0 ||
		    (rtsp && !kind_on(&u, "rtsp")) ||
		    (http && !kind_on(&u, "http")) ||
		    (mqtt && !kind_on(&u, "mqtt")))
			continue;
		if (!rtsp && !http && !mqtt) {
			if (strcmp(sf->proto, "mqtts") == 0 ||
			    (strcmp(sf->proto, "mqtt") == 0 && sf->tls)) {
				nsurf++;
				list_add(u.notchecked, sizeof(u.notchecked),
				    "%s (MQTT over TLS: no recipe yet)", sf->id);
			}
			continue;
		}
		nsurf++;
		if (mqtt) {
			ask_mqtt(&u, sf);
			continue;
		}
		np = paths_of(sf, paths, 64);
		if (np == 0 && onvif && !is_public(sf, "/onvif/device_service"))
			paths[np++] = "/onvif/device_service";
		if (np == 0) {
			list_add(u.notchecked, sizeof(u.notchecked), "%s (no "
			    "login path or protected_paths declared)", sf->id);
			continue;
		}
		for (k = 0; k < np; k++) {
			if (hq_interrupted) {
				rc = hq_err_set(err, HQ_EINTR, "interrupted");
				goto out;
			}
			if (rtsp)
				ask_rtsp(&u, sf, paths[k]);
			else if (onvif)
				ask_onvif(&u, sf, paths[k]);
			else
				ask_http(&u, sf, paths[k]);
		}
	}
	hq_measure(res, "served_without_credentials", (double)u.nserved,
	    "requests", "==", 0, 0);
	hq_measure(res, "refused_without_credentials", (double)u.nrefused,
	    "requests", NULL, 0, 0);
	hq_step(res, "%zu served, %zu refused, %zu without a verdict",
	    u.nserved, u.nrefused, u.nundecided);
	hq_slug(tc->id, slug, sizeof(slug));
	snprintf(rel, sizeof(rel), "unauth/%s.txt", slug);
	if ((rc = hq_transcript_save(u.tr, ctx->ev, rel, err)) != 0)
		goto out;
	hq_result_evidence(res, rel);
	verdict(&u, nsurf);
 out:
	hq_transcript_free(u.tr);
	up_clear(&u.p);
	return rc;
}

const struct hq_family hq_family_unauth = {
	.name		= "unauth",
	.summary	= "no video, snapshot, configuration or user data "
			  "without authentication",
	.flags		= 0,
	.check_params	= unauth_check_params,
	.run		= unauth_run,
};
