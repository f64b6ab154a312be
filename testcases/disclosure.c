/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Family "disclosure": what the manufacturer publishes, checked where the
 * network can show it (QCVN 135:2024 2.2, ETSI EN 303 645 5.2-1 and the
 * update information of 5.3-13/2.3).
 *   security-txt  the RFC 9116 file at the URL the DUT description
 *                 declares (disclosure.security_txt): served over HTTPS
 *                 (RFC 9116 2.3), at least one Contact: (2.5.3), exactly
 *                 one Expires: (2.5.5) that has not passed; an OpenPGP
 *                 cleartext signature (2.3) is noted, not required.
 *   update-info   the declared update-information page (update_info)
 *                 answers 200 over HTTPS with a body.
 * Fetched with libcurl: certificate verified (the DUT file's disclosure.ca
 * or the system's), no redirects, http/https only, a deadline and a body
 * cap.  Only a definite answer is evidence: 200 with the content judged,
 * 404/410 (not published), a certificate the client must refuse; a
 * connection error, a timeout or a 5xx is INCONCLUSIVE.  The server is
 * the manufacturer's, not the DUT: its bytes are hostile all the same.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "family.h"
#include "util/jv.h"

#define BODY_MAX_LIMIT	(1u << 20)
#define FIELD_MAX	2048		/* one line of security.txt */

static const char *const checks[] = { "security-txt", "update-info", NULL };
static const char *const param_keys[] = { "check", "connect_timeout_ms",
	"timeout_ms", "max_bytes", "min_bytes", "expect_firmware", NULL };

struct params {
	char		*check;
	long long	 connect_ms, timeout_ms, max_bytes, min_bytes;
	bool		 expect_firmware;
};

static int
get_params(const cJSON *p, struct params *o, struct hq_err *err)
{
	int rc;

	memset(o, 0, sizeof(*o));
	if ((rc = hq_jv_keys(p, "", param_keys, err)) != 0 ||
	    (rc = hq_jv_enum(p, "", "check", true, checks, &o->check,
	    err)) != 0 ||
	    (rc = hq_jv_int(p, "", "connect_timeout_ms", false, 100, 60000,
	    5000, &o->connect_ms, err)) != 0 ||
	    (rc = hq_jv_int(p, "", "timeout_ms", false, 100, 300000, 15000,
	    &o->timeout_ms, err)) != 0 ||
	    (rc = hq_jv_int(p, "", "max_bytes", false, 256, BODY_MAX_LIMIT,
	    65536, &o->max_bytes, err)) != 0 ||
	    (rc = hq_jv_int(p, "", "min_bytes", false, 1, BODY_MAX_LIMIT, 64,
	    &o->min_bytes, err)) != 0 ||
	    (rc = hq_jv_bool(p, "", "expect_firmware", false, false,
	    &o->expect_firmware, err)) != 0)
		return rc;
	return 0;
}

static int
disclosure_check_params(const cJSON *params, struct hq_err *err)
{
	struct params o;
	int rc = get_params(params, &o, err);

	free(o.check);
	return rc;
}

/* One fetch's outcome. */
struct fetch {
	char		*body;		/* NUL-terminated, capped */
	size_t		 len, cap;
	bool		 truncated;
	long		 status;
	CURLcode	 cc;
	char		 ctype[128];
	char		 location[256];
	char		 errbuf[CURL_ERROR_SIZE];
};

static size_t
on_write(char *p, size_t sz, size_t n, void *arg)
{
	struct fetch *f = arg;
	size_t len = sz * n, room = f->cap - f->len;

	/* Our cap, whatever the server announced (libcurl 7.88 applies
	 * CURLOPT_MAXFILESIZE_LARGE to announced sizes only). */
	if (len > room) {
		memcpy(f->body + f->len, p, room);
		f->len += room;
		f->body[f->len] = '\0';
		f->truncated = true;
		return 0;		/* aborts the transfer */
	}
	memcpy(f->body + f->len, p, len);
	f->len += len;
	f->body[f->len] = '\0';
	return len;
}

static int
fetch_url(struct hq_ctx *ctx, const char *url, const struct params *o,
    struct fetch *f, struct hq_transcript *t, struct hq_err *err)
{
	long ms = hq_deadline_poll_ms(ctx->deadline), tmo = (long)o->timeout_ms;
	const char *ct = NULL, *loc = NULL;
	CURL *c;

	memset(f, 0, sizeof(*f));
	if (ms == 0)
		return hq_err_set(err, HQ_ETIMEDOUT, "no time left for %s",
		    url);
	if (ms > 0 && ms < tmo)
		tmo = ms;
	f->cap = (size_t)o->max_bytes;
	if ((f->body = malloc(f->cap + 1)) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	f->body[0] = '\0';
	if ((c = curl_easy_init()) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "curl: no memory");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)o->connect_ms);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, tmo);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (ctx->dut->disclosure.ca != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, ctx->dut->disclosure.ca);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "hopquy/" HQ_VERSION);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, f->errbuf);
	hq_transcript_printf(t, "GET %s\n", url);
	f->cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &f->status);
	if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK &&
	    ct != NULL)
		snprintf(f->ctype, sizeof(f->ctype), "%s", ct);
	if (curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK &&
	    loc != NULL)
		snprintf(f->location, sizeof(f->location), "%s", loc);
	curl_easy_cleanup(c);
	if (f->truncated)
		f->cc = CURLE_OK;	/* our cap, not the server's error */
	if (f->cc != CURLE_OK)
		hq_transcript_printf(t, "error: %s: %s\n",
		    curl_easy_strerror(f->cc), f->errbuf);
	else {
		hq_transcript_printf(t, "status %ld, content-type \"%s\", %zu "
		    "bytes%s\n", f->status, f->ctype, f->len, f->truncated ?
		    " (cut at the cap)" : "");
		hq_transcript_bytes(t, "< ", f->body, f->len);
	}
	return 0;
}

static void
fetch_clear(struct fetch *f)
{
	free(f->body);
	f->body = NULL;
}

/* Did the client refuse the server's certificate (a definite finding)? */
static bool
cert_refused(CURLcode cc)
{
	return cc == CURLE_PEER_FAILED_VERIFICATION;
}

/*
 * RFC 3339 date-time (RFC 9116 2.5.5): YYYY-MM-DDTHH:MM:SS[.frac](Z|+hh:mm|
 * -hh:mm); the UTC time to *tp.  p[0..n) need not be NUL-terminated.
 */
static bool
parse_rfc3339(const char *p, size_t n, time_t *tp)
{
	static const char pat[] = "dddd-dd-ddTdd:dd:dd";
	struct tm tm;
	size_t i = 0;
	long off = 0;
	int v[6], k;

	if (n < 20)
		return false;
	for (i = 0; i < 19; i++)
		if (pat[i] == 'd' ? (p[i] < '0' || p[i] > '9') :
		    (pat[i] == 'T' ? (p[i] != 'T' && p[i] != 't') :
		    p[i] != pat[i]))
			return false;
#define D2(o) ((p[o] - '0') * 10 + (p[(o) + 1] - '0'))
	v[0] = D2(0) * 100 + D2(2);
	v[1] = D2(5);
	v[2] = D2(8);
	v[3] = D2(11);
	v[4] = D2(14);
	v[5] = D2(17);
	if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 ||
	    v[4] > 59 || v[5] > 60)
		return false;
	i = 19;
	if (p[i] == '.') {
		for (i++, k = 0; i < n && p[i] >= '0' && p[i] <= '9'; i++)
			k++;
		if (k == 0)
			return false;
	}
	if (i < n && (p[i] == 'Z' || p[i] == 'z'))
		i++;
	else if (i + 6 <= n && (p[i] == '+' || p[i] == '-') &&
	    p[i + 3] == ':' && p[i + 1] >= '0' && p[i + 1] <= '9' &&
	    p[i + 2] >= '0' && p[i + 2] <= '9' && p[i + 4] >= '0' &&
	    p[i + 4] <= '9' && p[i + 5] >= '0' && p[i + 5] <= '9') {
		off = (long)(D2(i + 1) * 3600 + D2(i + 4) * 60);
		if (p[i] == '-')
			off = -off;
		i += 6;
	} else
		return false;
#undef D2
	if (i != n)
		return false;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = v[0] - 1900;
	tm.tm_mon = v[1] - 1;
	tm.tm_mday = v[2];
	tm.tm_hour = v[3];
	tm.tm_min = v[4];
	tm.tm_sec = v[5] > 59 ? 59 : v[5];
	*tp = timegm(&tm) - off;
	return true;
}

/* What a security.txt holds, as far as the verdict goes. */
struct sectxt {
	size_t	ncontact, nexpires;
	bool	signed_pgp;
	bool	expires_ok;		/* the one Expires: parsed */
	time_t	expires;
	char	contact[256];		/* the first, for the report */
	char	bad[256];		/* the first malformed line */
};

/* Trims spaces and tabs at both ends of p[0..*n). */
static const char *
trim(const char *p, size_t *n)
{
	while (*n > 0 && (p[0] == ' ' || p[0] == '\t')) {
		p++;
		(*n)--;
	}
	while (*n > 0 && (p[*n - 1] == ' ' || p[*n - 1] == '\t' ||
	    p[*n - 1] == '\r'))
		(*n)--;
	return p;
}

/* RFC 9116 section 4 (ABNF): lines are comments, blank, or
 * "Name: value"; names are case-insensitive. */
static void
sectxt_parse(const char *body, size_t len, struct sectxt *s)
{
	const char *p = body, *end = body + len, *nl, *colon, *v;
	bool in_sig = false, in_hdr = false;
	size_t n, vn;

	memset(s, 0, sizeof(*s));
	if (len >= 34 && strncmp(body, "-----BEGIN PGP SIGNED MESSAGE-----",
	    34) == 0) {
		s->signed_pgp = true;
		in_hdr = true;		/* "Hash:" lines up to a blank one */
	}
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		v = trim(p, &n);
		p = nl != NULL ? nl + 1 : end;
		if (s->signed_pgp && n >= 5 && strncmp(v, "-----", 5) == 0) {
			if (n >= 29 && strncmp(v, "-----BEGIN PGP SIGNATURE-----",
			    29) == 0)
				in_sig = true;
			continue;
		}
		if (in_sig)
			continue;
		if (in_hdr) {
			if (n == 0)
				in_hdr = false;
			continue;
		}
		if (n == 0 || v[0] == '#')
			continue;
		/* dash-escaped lines of a signed message (RFC 4880 7.1) */
		if (s->signed_pgp && n >= 2 && v[0] == '-' && v[1] == ' ') {
			v += 2;
			n -= 2;
		}
		colon = memchr(v, ':', n);
		if (colon == NULL || colon == v || n > FIELD_MAX) {
			if (s->bad[0] == '\0')
				snprintf(s->bad, sizeof(s->bad), "%.*s",
				    (int)(n > 80 ? 80 : n), v);
			continue;
		}
		vn = n - (size_t)(colon + 1 - v);
		{
			const char *val = trim(colon + 1, &vn);
			size_t kn = (size_t)(colon - v);

			if (kn == 7 && strncasecmp(v, "contact", 7) == 0 &&
			    vn > 0) {
				if (s->ncontact++ == 0)
					snprintf(s->contact, sizeof(s->contact),
					    "%.*s", (int)(vn > 200 ? 200 : vn),
					    val);
			} else if (kn == 7 && strncasecmp(v, "expires",
			    7) == 0) {
				if (s->nexpires++ == 0)
					s->expires_ok = parse_rfc3339(val, vn,
					    &s->expires);
			}
		}
	}
}

static void
fmt_time(time_t t, char *out, size_t outsz)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, outsz, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The https:// form of an http:// URL. */
static void
https_of(const char *url, char *out, size_t outsz)
{
	snprintf(out, outsz, "https://%s", url + 7);
}

/*
 * The URL to judge: a declared https:// URL as is; a declared http:// one
 * is itself a finding unless its https:// form answers (RFC 9116 2.3:
 * "MUST be served over HTTPS").  Returns 0 with f filled from the HTTPS
 * fetch, or 1 when the case got its verdict here.
 */
static int
fetch_https(struct hq_ctx *ctx, const char *what, const char *url,
    const struct params *o, struct fetch *f, struct hq_result *res,
    struct hq_transcript *t, struct hq_err *err)
{
	char alt[2100];
	struct fetch plain;
	int rc;

	if (strncmp(url, "https://", 8) == 0) {
		hq_step(res, "GET %s", url);
		return fetch_url(ctx, url, o, f, t, err);
	}
	/* Declared over plain HTTP: what it serves, then its HTTPS form. */
	hq_step(res, "GET %s (declared over plain HTTP)", url);
	if ((rc = fetch_url(ctx, url, o, &plain, t, err)) != 0)
		return rc;
	https_of(url, alt, sizeof(alt));
	hq_step(res, "GET %s (the HTTPS form)", alt);
	if ((rc = fetch_url(ctx, alt, o, f, t, err)) != 0) {
		fetch_clear(&plain);
		return rc;
	}
	if (f->cc == CURLE_OK && f->status == 200) {
		hq_finding(res, "%s is declared as %s; its HTTPS form answers "
		    "and is judged", what, url);
		fetch_clear(&plain);
		return 0;
	}
	if (f->cc == CURLE_COULDNT_CONNECT || f->cc == CURLE_OK ||
	    cert_refused(f->cc) || f->cc == CURLE_SSL_CONNECT_ERROR) {
		/* A definite answer: nothing (valid) on HTTPS. */
		hq_verdict(res, HQ_FAIL, "%s is published over plain HTTP only "
		    "(%s: %s); RFC 9116 2.3 requires HTTPS", what, alt,
		    f->cc == CURLE_OK ? "no 200 answer" :
		    curl_easy_strerror(f->cc));
		fetch_clear(&plain);
		return 1;
	}
	hq_verdict(res, HQ_INCONCLUSIVE, "%s is declared over plain HTTP; "
	    "its HTTPS form gave no definite answer (%s)", what,
	    curl_easy_strerror(f->cc));
	fetch_clear(&plain);
	return 1;
}

/* The answer's status as a verdict when it is not a 200: 1 when decided. */
static int
judge_status(const char *what, const char *url, const struct fetch *f,
    struct hq_result *res)
{
	if (cert_refused(f->cc)) {
		hq_verdict(res, HQ_FAIL, "%s: %s: the server's certificate is "
		    "not valid for it (%s)", what, url, f->errbuf);
		return 1;
	}
	if (f->cc != CURLE_OK) {
		hq_verdict(res, HQ_INCONCLUSIVE, "%s: %s: no answer (%s: %s)",
		    what, url, curl_easy_strerror(f->cc), f->errbuf);
		return 1;
	}
	if (f->status == 404 || f->status == 410) {
		hq_verdict(res, HQ_FAIL, "%s: %s answers %ld: not published",
		    what, url, f->status);
		return 1;
	}
	if (f->status >= 300 && f->status < 400) {
		hq_verdict(res, HQ_INCONCLUSIVE, "%s: %s redirects (%ld) to "
		    "%s, not followed: declare the final URL", what, url,
		    f->status, f->location[0] != '\0' ? f->location : "?");
		return 1;
	}
	if (f->status != 200) {
		hq_verdict(res, HQ_INCONCLUSIVE, "%s: %s answers %ld: no "
		    "definite answer", what, url, f->status);
		return 1;
	}
	return 0;
}

static void
security_txt(struct hq_ctx *ctx, const char *url, const struct fetch *f,
    struct hq_result *res)
{
	struct sectxt s;
	char exp[40], now_s[40];
	time_t now = time(NULL);
	size_t bad;
	cJSON *d;

	if (judge_status("security.txt", url, f, res))
		return;
	if (f->truncated) {
		hq_verdict(res, HQ_INCONCLUSIVE, "security.txt: more than %zu "
		    "bytes (max_bytes): not judged", f->cap);
		return;
	}
	if (!hq_utf8_valid(f->body, f->len, &bad) ||
	    memchr(f->body, '\0', f->len) != NULL) {
		hq_verdict(res, HQ_FAIL, "security.txt: %s is not UTF-8 text "
		    "(RFC 9116 4)", url);
		return;
	}
	sectxt_parse(f->body, f->len, &s);
	d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "url", url);
	cJSON_AddStringToObject(d, "content_type", f->ctype);
	cJSON_AddNumberToObject(d, "contacts", (double)s.ncontact);
	cJSON_AddNumberToObject(d, "expires_fields", (double)s.nexpires);
	cJSON_AddBoolToObject(d, "pgp_signed", s.signed_pgp);
	if (s.ncontact > 0)
		cJSON_AddStringToObject(d, "contact", s.contact);
	if (s.expires_ok) {
		fmt_time(s.expires, exp, sizeof(exp));
		cJSON_AddStringToObject(d, "expires", exp);
	}
	hq_detail(res, "security_txt", d);
	(void)ctx;
	if (s.bad[0] != '\0')
		hq_finding(res, "a line that is no field: \"%s\"", s.bad);
	if (strncasecmp(f->ctype, "text/plain", 10) != 0)
		hq_finding(res, "content type \"%s\", RFC 9116 3 asks "
		    "text/plain", f->ctype);
	hq_step(res, "security.txt: %zu Contact, %zu Expires%s", s.ncontact,
	    s.nexpires, s.signed_pgp ? ", OpenPGP cleartext signature "
	    "(not verified)" : "");
	if (s.ncontact == 0) {
		hq_verdict(res, HQ_FAIL, "security.txt at %s has no Contact: "
		    "field (RFC 9116 2.5.3 requires one)", url);
		return;
	}
	if (s.nexpires == 0) {
		hq_verdict(res, HQ_FAIL, "security.txt at %s has no Expires: "
		    "field (RFC 9116 2.5.5 requires one)", url);
		return;
	}
	if (s.nexpires > 1) {
		hq_verdict(res, HQ_FAIL, "security.txt at %s has %zu Expires: "
		    "fields (RFC 9116 2.5.5: exactly one)", url, s.nexpires);
		return;
	}
	if (!s.expires_ok) {
		hq_verdict(res, HQ_FAIL, "security.txt at %s: Expires: is not "
		    "an RFC 3339 date-time", url);
		return;
	}
	fmt_time(now, now_s, sizeof(now_s));
	if (s.expires <= now) {
		hq_verdict(res, HQ_FAIL, "security.txt at %s expired %s (now "
		    "%s): RFC 9116 2.5.5 says not to use it", url, exp, now_s);
		return;
	}
	if (s.expires - now > 366L * 86400)
		hq_finding(res, "Expires %s is more than a year ahead (RFC "
		    "9116 2.5.5 recommends less)", exp);
	hq_verdict(res, HQ_PASS, "security.txt at %s over HTTPS (certificate "
	    "verified): Contact %s, Expires %s (in the future)%s", url,
	    s.contact, exp, s.signed_pgp ? ", OpenPGP signed (signature not "
	    "verified)" : "");
}

static void
update_info(struct hq_ctx *ctx, const char *url, const struct params *o,
    const struct fetch *f, struct hq_result *res)
{
	if (judge_status("update information", url, f, res))
		return;
	if (f->len < (size_t)o->min_bytes) {
		hq_verdict(res, HQ_FAIL, "update information at %s: %zu bytes, "
		    "less than the %lld a page of information has (min_bytes)",
		    url, f->len, o->min_bytes);
		return;
	}
	if (o->expect_firmware && (f->truncated ||
	    strstr(f->body, ctx->dut->firmware) == NULL)) {
		if (f->truncated)
			hq_verdict(res, HQ_INCONCLUSIVE, "update information "
			    "at %s: cut at %zu bytes before firmware %s was "
			    "found", url, f->cap, ctx->dut->firmware);
		else
			hq_verdict(res, HQ_FAIL, "update information at %s "
			    "does not mention the firmware the DUT runs (%s)",
			    url, ctx->dut->firmware);
		return;
	}
	hq_verdict(res, HQ_PASS, "update information at %s answers 200 over "
	    "HTTPS (certificate verified), %zu bytes%s%s", url, f->len,
	    o->expect_firmware ? ", mentions firmware " : "",
	    o->expect_firmware ? ctx->dut->firmware : "");
}

static int
disclosure_run(struct hq_ctx *ctx, const struct hq_case *tc,
    struct hq_result *res, struct hq_err *err)
{
	struct hq_transcript *t = NULL;
	struct fetch f = { 0 };
	struct params o;
	const char *url, *what, *field;
	char rel[300];
	size_t i;
	int rc;

	if ((rc = get_params(tc->params, &o, err)) != 0)
		return rc;
	if (strcmp(o.check, "security-txt") == 0) {
		url = ctx->dut->disclosure.security_txt;
		what = "security.txt";
		field = "disclosure.security_txt";
	} else {
		url = ctx->dut->disclosure.update_info;
		what = "update information";
		field = "disclosure.update_info";
	}
	if (url == NULL) {
		hq_step(res, "no %s URL in the DUT description", what);
		hq_verdict(res, HQ_INCONCLUSIVE, "the DUT description declares "
		    "no %s URL (%s): nothing to check", what, field);
		goto out;
	}
	if ((t = hq_transcript_new(4 * (size_t)o.max_bytes + 4096)) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "no memory");
		goto out;
	}
	rc = fetch_https(ctx, what, url, &o, &f, res, t, err);
	if (rc < 0)
		goto out;
	if (rc == 0) {
		const char *judged = url;
		char alt[2100];

		if (strncmp(url, "http://", 7) == 0) {
			https_of(url, alt, sizeof(alt));
			judged = alt;
		}
		if (strcmp(o.check, "security-txt") == 0)
			security_txt(ctx, judged, &f, res);
		else
			update_info(ctx, judged, &o, &f, res);
	}
	rc = 0;
	snprintf(rel, sizeof(rel), "disclosure/%s.txt", tc->id);
	for (i = strlen("disclosure/"); rel[i] != '\0'; i++)
		if (rel[i] == '/')
			rel[i] = '_';
	if (hq_transcript_save(t, ctx->ev, rel, err) == 0)
		hq_result_evidence(res, rel);
	else
		hq_err_clear(err);
 out:
	fetch_clear(&f);
	hq_transcript_free(t);
	free(o.check);
	return rc;
}

const struct hq_family hq_family_disclosure = {
	.name		= "disclosure",
	.summary	= "published vulnerability contact (RFC 9116 "
			  "security.txt) and update information",
	.flags		= 0,
	.check_params	= disclosure_check_params,
	.run		= disclosure_run,
};
