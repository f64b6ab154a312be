/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The recipe step engine (steps.h): libcurl easy handles, one request per
 * step, bounded by the step's timeout and the caller's deadline, no
 * redirects, http and https only, the answer's body capped.  It speaks
 * only to the DUT's declared surfaces and the declared cloud API; it
 * neither changes the network nor writes evidence.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "model/dut.h"
#include "util/err.h"
#include "util/log.h"
#include "util/util.h"
#include "wire/curlwhy.h"
#include "wire/steps.h"

#define VARS_MAX	(HQ_STEP_NAMES_MAX + 8)
#define TRACE_MAX	600

struct var {
	char	 name[HQ_STEP_NAME_MAX + 1];
	char	*value;
	bool	 secret;
};

struct hq_steps {
	struct hq_steps_cfg	 cfg;
	struct var		 v[VARS_MAX];
	size_t			 n;
	char			*cloud_url;	/* data.cloud_api */
	char			*cloud_user;
	char			*cloud_password;
	bool			 cloud_verify;
};

struct body {
	char	*p;
	size_t	 len;
	bool	 over;
};

static struct var *
var_find(const struct hq_steps *s, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strlen(s->v[i].name) == len &&
		    memcmp(s->v[i].name, name, len) == 0)
			return (struct var *)&s->v[i];
	return NULL;
}

int
hq_steps_set(struct hq_steps *s, const char *name, const char *value,
    bool secret, struct hq_err *err)
{
	struct var *v;
	size_t len = strlen(name), vl = strlen(value);
	char *copy;

	if (len == 0 || len > HQ_STEP_NAME_MAX)
		return hq_err_set(err, HQ_EINVAL, "placeholder name \"%.40s\"",
		    name);
	if (vl > HQ_STEP_VALUE_MAX)
		return hq_err_set(err, HQ_EPROTO, "{%s}: value of %zu bytes, "
		    "at most %d", name, vl, HQ_STEP_VALUE_MAX);
	if ((copy = strdup(value)) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	if ((v = var_find(s, name, len)) == NULL) {
		if (s->n >= VARS_MAX) {
			hq_secret_free(copy);
			return hq_err_set(err, HQ_EINVAL, "more than %d "
			    "placeholders", VARS_MAX);
		}
		v = &s->v[s->n++];
		memcpy(v->name, name, len + 1);
	} else
		hq_secret_free(v->value);
	v->value = copy;
	v->secret = v->secret || secret;
	return 0;
}

const char *
hq_steps_get(const struct hq_steps *s, const char *name)
{
	const struct var *v = var_find(s, name, strlen(name));

	return v != NULL ? v->value : NULL;
}

/* A password any sane policy accepts: 20 characters of four classes. */
static int
make_secret(char *out, size_t cap)
{
	static const char cls[4][27] = {
		"ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnopqrstuvwxyz",
		"23456789", "!#+-.=@_~*"
	};
	unsigned char r[20];
	size_t i;

	if (cap < sizeof(r) + 1 || RAND_bytes(r, sizeof(r)) != 1)
		return -1;
	for (i = 0; i < sizeof(r); i++) {
		const char *c = cls[i % 4];

		out[i] = c[r[i] % strlen(c)];
	}
	out[sizeof(r)] = '\0';
	OPENSSL_cleanse(r, sizeof(r));
	return 0;
}

static void
free_cloud(struct hq_steps *s)
{
	free(s->cloud_url);
	free(s->cloud_user);
	hq_secret_free(s->cloud_password);
}

static int
cloud_from_dut(struct hq_steps *s, struct hq_err *err)
{
	const cJSON *ca, *u, *p, *user, *v;
	size_t len;

	if (s->cfg.dut->data == NULL || (ca = cJSON_GetObjectItemCaseSensitive(
	    s->cfg.dut->data, "cloud_api")) == NULL)
		return 0;
	u = cJSON_GetObjectItemCaseSensitive(ca, "url");
	user = cJSON_GetObjectItemCaseSensitive(ca, "user");
	p = cJSON_GetObjectItemCaseSensitive(ca, "password");
	v = cJSON_GetObjectItemCaseSensitive(ca, "verify");
	if (!cJSON_IsString(u))
		return hq_err_set(err, HQ_EINVAL, "data.cloud_api.url");
	if ((s->cloud_url = strdup(u->valuestring)) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	len = strlen(s->cloud_url);
	while (len > 0 && s->cloud_url[len - 1] == '/')
		s->cloud_url[--len] = '\0';
	s->cloud_verify = !cJSON_IsFalse(v);
	if (cJSON_IsString(user) && (s->cloud_user =
	    strdup(user->valuestring)) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	/* A password from a file or the environment: resolve it as the
	 * loader did (inline strings only are kept in the section). */
	if (cJSON_IsString(p) && (s->cloud_password =
	    strdup(p->valuestring)) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	if (cJSON_IsObject(p)) {
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(p, "env");
		const char *val = cJSON_IsString(e) ? getenv(e->valuestring) :
		    NULL;

		if (val == NULL)
			return hq_err_set(err, HQ_EINVAL, "data.cloud_api."
			    "password: only inline or {\"env\"} here, and "
			    "the variable must be set");
		if ((s->cloud_password = strdup(val)) == NULL)
			return hq_err_set(err, HQ_ENOMEM, "no memory");
	}
	return 0;
}

int
hq_steps_new(const struct hq_steps_cfg *cfg, struct hq_steps **sp,
    struct hq_err *err)
{
	struct hq_steps *s;
	unsigned char r[4];
	char run[9], sec[32];
	int rc;

	*sp = NULL;
	if (cfg->dut == NULL)
		return hq_err_set(err, HQ_EINVAL, "steps: no DUT");
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	s->cfg = *cfg;
	if (s->cfg.timeout_ms <= 0)
		s->cfg.timeout_ms = 10000;
	if (RAND_bytes(r, sizeof(r)) != 1 || make_secret(sec,
	    sizeof(sec)) != 0) {
		hq_steps_free(s);
		return hq_err_tls(err, "RAND_bytes");
	}
	snprintf(run, sizeof(run), "%02x%02x%02x%02x", r[0], r[1], r[2],
	    r[3]);
	if ((rc = hq_steps_set(s, "run", run, false, err)) != 0 ||
	    (rc = hq_steps_set(s, "secret", sec, true, err)) != 0 ||
	    (rc = hq_steps_set(s, "op_user", cfg->dut->op_user != NULL ?
	    cfg->dut->op_user : "", false, err)) != 0 ||
	    (rc = cloud_from_dut(s, err)) != 0) {
		OPENSSL_cleanse(sec, sizeof(sec));
		hq_steps_free(s);
		return rc;
	}
	OPENSSL_cleanse(sec, sizeof(sec));
	*sp = s;
	return 0;
}

void
hq_steps_free(struct hq_steps *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++)
		hq_secret_free(s->v[i].value);
	free_cloud(s);
	free(s);
}

/* Appends n bytes to a growing string capped at cap. */
static int
sb_put(char **p, size_t *len, size_t *sz, const char *a, size_t n,
    size_t cap)
{
	char *np;
	size_t nsz;

	if (*len + n + 1 > cap)
		return -1;
	if (*len + n + 1 > *sz) {
		nsz = (*len + n + 1) * 2 < cap ? (*len + n + 1) * 2 : cap;
		if ((np = realloc(*p, nsz)) == NULL)
			return -1;
		*p = np;
		*sz = nsz;
	}
	memcpy(*p + *len, a, n);
	*len += n;
	(*p)[*len] = '\0';
	return 0;
}

/* tmpl expanded; url: values percent-encoded (RFC 3986 unreserved kept). */
static int
expand(const struct hq_steps *s, const char *tmpl, bool url, char **outp,
    struct hq_err *err)
{
	const char *p = tmpl, *e, *val;
	const struct var *v;
	char *out = NULL, enc[4];
	size_t len = 0, sz = 0, cap = 64 * 1024 + strlen(tmpl), k;
	int rc = 0;

	*outp = NULL;
	if (sb_put(&out, &len, &sz, "", 0, cap) != 0)
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	while (*p != '\0') {
		if (*p != '{') {
			e = strchr(p, '{');
			k = e != NULL ? (size_t)(e - p) : strlen(p);
			if (sb_put(&out, &len, &sz, p, k, cap) != 0)
				goto nomem;
			p += k;
			continue;
		}
		if (p[1] == '{') {
			if (sb_put(&out, &len, &sz, "{", 1, cap) != 0)
				goto nomem;
			p += 2;
			continue;
		}
		if ((e = strchr(p + 1, '}')) == NULL ||
		    (v = var_find(s, p + 1, (size_t)(e - p - 1))) == NULL) {
			rc = hq_err_set(err, HQ_EINVAL, "unknown placeholder "
			    "in \"%.64s\"", tmpl);
			goto fail;
		}
		for (val = v->value; *val != '\0'; val++) {
			unsigned char c = (unsigned char)*val;

			if (!url || (c >= 'a' && c <= 'z') ||
			    (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			    c == '-' || c == '.' || c == '_' || c == '~') {
				if (sb_put(&out, &len, &sz, val, 1, cap) != 0)
					goto nomem;
				continue;
			}
			snprintf(enc, sizeof(enc), "%%%02X", c);
			if (sb_put(&out, &len, &sz, enc, 3, cap) != 0)
				goto nomem;
		}
		p = e + 1;
	}
	*outp = out;
	return 0;
 nomem:
	rc = hq_err_set(err, HQ_ENOMEM, "expanding \"%.64s\": no memory or "
	    "over %zu bytes", tmpl, cap);
 fail:
	hq_secret_free(out);
	return rc;
}

int
hq_steps_expand(const struct hq_steps *s, const char *tmpl, char **outp,
    struct hq_err *err)
{
	return expand(s, tmpl, false, outp, err);
}

/* Every string of a body tree expanded in place. */
static int
expand_tree(const struct hq_steps *s, cJSON *j, struct hq_err *err)
{
	cJSON *it;
	char *x;
	int rc;

	if (cJSON_IsString(j)) {
		if ((rc = expand(s, j->valuestring, false, &x, err)) != 0)
			return rc;
		if (cJSON_SetValuestring(j, x) == NULL) {
			hq_secret_free(x);
			return hq_err_set(err, HQ_ENOMEM, "no memory");
		}
		hq_secret_free(x);
		return 0;
	}
	cJSON_ArrayForEach(it, j)
		if ((rc = expand_tree(s, it, err)) != 0)
			return rc;
	return 0;
}

/* line with every secret value replaced by "***", then to the trace. */
static void
trace(const struct hq_steps *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
trace(const struct hq_steps *s, const char *fmt, ...)
{
	char line[TRACE_MAX], *hit;
	const char *secs[VARS_MAX + 2];
	size_t i, n = 0, sl;
	va_list ap;

	if (s->cfg.trace == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	for (i = 0; i < s->n; i++)
		if (s->v[i].secret)
			secs[n++] = s->v[i].value;
	if (s->cfg.dut->op_password != NULL)
		secs[n++] = s->cfg.dut->op_password;
	if (s->cloud_password != NULL)
		secs[n++] = s->cloud_password;
	for (i = 0; i < n; i++) {
		if ((sl = strlen(secs[i])) < 3)
			continue;
		while ((hit = strstr(line, secs[i])) != NULL) {
			memmove(hit + 3, hit + sl, strlen(hit + sl) + 1);
			memcpy(hit, "***", 3);
		}
	}
	s->cfg.trace(s->cfg.trace_arg, line);
}

static size_t
on_body(char *p, size_t sz, size_t n, void *arg)
{
	struct body *b = arg;
	size_t len = sz * n;
	char *np;

	if (b->len + len > HQ_STEPS_BODY_MAX) {
		b->over = true;
		return 0;
	}
	if ((np = realloc(b->p, b->len + len + 1)) == NULL)
		return 0;
	b->p = np;
	memcpy(b->p + b->len, p, len);
	b->len += len;
	b->p[b->len] = '\0';
	return len;
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

const cJSON *
hq_json_pointer(const cJSON *root, const char *ptr)
{
	const cJSON *cur = root;
	char tok[256];
	size_t n, i, k;
	const char *p = ptr, *e;

	if (ptr[0] == '\0')
		return root;
	if (ptr[0] != '/')
		return NULL;
	while (cur != NULL && *p == '/') {
		p++;
		e = strchr(p, '/');
		n = e != NULL ? (size_t)(e - p) : strlen(p);
		for (i = 0, k = 0; i < n; i++) {
			if (k + 1 >= sizeof(tok))
				return NULL;
			if (p[i] == '~' && i + 1 < n && (p[i + 1] == '0' ||
			    p[i + 1] == '1')) {
				tok[k++] = p[i + 1] == '0' ? '~' : '/';
				i++;
			} else if (p[i] == '~')
				return NULL;
			else
				tok[k++] = p[i];
		}
		tok[k] = '\0';
		if (cJSON_IsArray(cur)) {
			unsigned long idx = 0;

			if (k == 0 || k > 6 || (k > 1 && tok[0] == '0'))
				return NULL;
			for (i = 0; i < k; i++) {
				if (tok[i] < '0' || tok[i] > '9')
					return NULL;
				idx = idx * 10 + (unsigned long)(tok[i] - '0');
			}
			cur = idx < (unsigned long)cJSON_GetArraySize(cur) ?
			    cJSON_GetArrayItem(cur, (int)idx) : NULL;
		} else if (cJSON_IsObject(cur))
			cur = cJSON_GetObjectItemCaseSensitive(cur, tok);
		else
			return NULL;
		p += n;
	}
	return cur;
}

static bool
status_expected(const cJSON *x, long st)
{
	const cJSON *v;

	if (cJSON_IsNumber(x))
		return (long)x->valuedouble == st;
	if (!cJSON_IsArray(x))
		return false;
	cJSON_ArrayForEach(v, x)
		if (cJSON_IsNumber(v) && (long)v->valuedouble == st)
			return true;
	return false;
}

static int
unmet(struct hq_step_out *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
unmet(struct hq_step_out *out, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out->why, sizeof(out->why), fmt, ap);
	va_end(ap);
	return HQ_STEPS_UNMET;
}

/* The captures of a step from its answer; UNMET when one is missing. */
static int
captures(struct hq_steps *s, const cJSON *cap, const char *p, size_t len,
    struct hq_step_out *out, struct hq_err *err)
{
	const cJSON *c, *v;
	cJSON *root;
	char num[64];
	int rc = 0;

	if (cap == NULL)
		return 0;
	if ((root = cJSON_ParseWithLength(p, len)) == NULL)
		return unmet(out, "answer is not JSON; nothing to capture");
	cJSON_ArrayForEach(c, cap) {
		if (!cJSON_IsString(c))
			continue;
		v = hq_json_pointer(root, c->valuestring);
		if (cJSON_IsString(v))
			rc = hq_steps_set(s, c->string, v->valuestring, false,
			    err);
		else if (cJSON_IsNumber(v) && v->valuedouble ==
		    (double)(long long)v->valuedouble) {
			snprintf(num, sizeof(num), "%lld",
			    (long long)v->valuedouble);
			rc = hq_steps_set(s, c->string, num, false, err);
		} else if (cJSON_IsBool(v))
			rc = hq_steps_set(s, c->string, cJSON_IsTrue(v) ?
			    "true" : "false", false, err);
		else
			rc = unmet(out, "capture {%s}: nothing usable at "
			    "%.64s", c->string, c->valuestring);
		if (rc != 0)
			break;
	}
	cJSON_Delete(root);
	return rc;
}

/* Authentication of a step: user/password/mask or a bearer header. */
struct auth {
	char	*user;
	char	*password;
	long	 mask;
	char	*bearer;
};

static void
auth_clear(struct auth *a)
{
	free(a->user);
	hq_secret_free(a->password);
	hq_secret_free(a->bearer);
	memset(a, 0, sizeof(*a));
}

static int
auth_from(struct hq_steps *s, const cJSON *a, bool cloud, struct auth *au,
    struct hq_err *err)
{
	const struct hq_dut *d = s->cfg.dut;
	const char *m = cJSON_IsString(a) ? a->valuestring : "operator";
	const cJSON *u, *p, *sc, *b;
	int rc;

	memset(au, 0, sizeof(*au));
	if (cJSON_IsObject(a)) {
		u = cJSON_GetObjectItemCaseSensitive(a, "user");
		p = cJSON_GetObjectItemCaseSensitive(a, "password");
		sc = cJSON_GetObjectItemCaseSensitive(a, "scheme");
		b = cJSON_GetObjectItemCaseSensitive(a, "bearer");
		if (cJSON_IsString(b))
			return expand(s, b->valuestring, false, &au->bearer,
			    err);
		if (!cJSON_IsString(u) || !cJSON_IsString(p))
			return hq_err_set(err, HQ_EINVAL, "step auth: user "
			    "and password");
		if ((rc = expand(s, u->valuestring, false, &au->user,
		    err)) != 0 ||
		    (rc = expand(s, p->valuestring, false, &au->password,
		    err)) != 0)
			return rc;
		au->mask = !cJSON_IsString(sc) ||
		    strcmp(sc->valuestring, "any") == 0 ?
		    (CURLAUTH_BASIC | CURLAUTH_DIGEST) :
		    strcmp(sc->valuestring, "basic") == 0 ? CURLAUTH_BASIC :
		    CURLAUTH_DIGEST;
		return 0;
	}
	if (strcmp(m, "none") == 0)
		return 0;
	if (strcmp(m, "token") == 0) {
		const char *t = hq_steps_get(s, "token");

		if (t == NULL)
			return hq_err_set(err, HQ_EINVAL, "step auth \"token\": "
			    "no {token} captured");
		if ((au->bearer = strdup(t)) == NULL)
			return hq_err_set(err, HQ_ENOMEM, "no memory");
		return 0;
	}
	if (cloud) {
		if (s->cloud_user == NULL)
			return 0;
		if ((au->user = strdup(s->cloud_user)) == NULL ||
		    (au->password = strdup(s->cloud_password)) == NULL)
			return hq_err_set(err, HQ_ENOMEM, "no memory");
		au->mask = CURLAUTH_BASIC | CURLAUTH_DIGEST;
		return 0;
	}
	if (d->op_user == NULL || d->op_password == NULL)
		return hq_err_set(err, HQ_EINVAL, "step auth \"%s\": no "
		    "operator credentials", m);
	if ((au->user = strdup(d->op_user)) == NULL ||
	    (au->password = strdup(d->op_password)) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	au->mask = strcmp(m, "basic") == 0 ? CURLAUTH_BASIC :
	    strcmp(m, "digest") == 0 ? CURLAUTH_DIGEST :
	    (CURLAUTH_BASIC | CURLAUTH_DIGEST);
	return 0;
}

/* The URL of a step: surface (or cloud) base and the expanded path. */
static int
step_url(struct hq_steps *s, const char *sfid, const char *path,
    char **urlp, bool *cloudp, bool *verifyp, struct hq_step_out *out,
    struct hq_err *err)
{
	const struct hq_dut *d = s->cfg.dut;
	const struct hq_surface *sf;
	char *xp = NULL, *url;
	size_t cap;
	bool v6 = strchr(d->address, ':') != NULL;
	int rc;

	*urlp = NULL;
	*cloudp = strcmp(sfid, HQ_STEP_CLOUD) == 0;
	*verifyp = false;
	if (*cloudp && s->cloud_url == NULL)
		return hq_err_set(err, HQ_EINVAL, "step on %s: no "
		    "data.cloud_api", HQ_STEP_CLOUD);
	sf = *cloudp ? NULL : hq_dut_surface(d, sfid);
	if (!*cloudp && (sf == NULL || (strcmp(sf->proto, "http") != 0 &&
	    strcmp(sf->proto, "https") != 0)))
		return hq_err_set(err, HQ_EINVAL, "step surface \"%.64s\": "
		    "not a declared HTTP(S) surface", sfid);
	if ((rc = expand(s, path, true, &xp, err)) != 0)
		return rc;
	hq_escape(out->path, sizeof(out->path), xp, strlen(xp));
	cap = strlen(xp) + (*cloudp ? strlen(s->cloud_url) : 0) +
	    strlen(d->address) + 32;
	if ((url = malloc(cap)) == NULL) {
		free(xp);
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	}
	if (*cloudp) {
		snprintf(url, cap, "%s%s", s->cloud_url, xp);
		*verifyp = s->cloud_verify;
	} else
		snprintf(url, cap, "%s://%s%s%s:%u%s", sf->proto,
		    v6 ? "[" : "", d->address, v6 ? "]" : "", sf->port, xp);
	free(xp);
	*urlp = url;
	return 0;
}

int
hq_steps_run_one(struct hq_steps *s, const cJSON *step, const char *what,
    struct hq_deadline dl, struct hq_step_out *out, char **bodyp,
    size_t *lenp, struct hq_err *err)
{
	const cJSON *sf = cJSON_GetObjectItemCaseSensitive(step, "surface");
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(step, "method");
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(step, "path");
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(step, "body");
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(step, "expect");
	const cJSON *hs = cJSON_GetObjectItemCaseSensitive(step, "headers");
	const cJSON *ct = cJSON_GetObjectItemCaseSensitive(step, "contains");
	const cJSON *ab = cJSON_GetObjectItemCaseSensitive(step, "absent");
	const cJSON *h;
	struct curl_slist *hl = NULL;
	struct auth au = { 0 };
	struct body rb = { 0 };
	char *url = NULL, *body = NULL, *hv = NULL, *needle = NULL, *line;
	char esc[200];
	cJSON *tree = NULL;
	bool cloud, verify, typed = false;
	long ms;
	CURLcode cc;
	CURL *c = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (bodyp != NULL) {
		*bodyp = NULL;
		*lenp = 0;
	}
	snprintf(out->where, sizeof(out->where), "%s", what);
	if (!cJSON_IsString(sf) || !cJSON_IsString(m) || !cJSON_IsString(p) ||
	    x == NULL)
		return hq_err_set(err, HQ_EINVAL, "%s: a step needs surface, "
		    "method, path and expect", what);
	snprintf(out->surface, sizeof(out->surface), "%s", sf->valuestring);
	snprintf(out->method, sizeof(out->method), "%s", m->valuestring);
	if ((rc = step_url(s, sf->valuestring, p->valuestring, &url, &cloud,
	    &verify, out, err)) != 0 ||
	    (rc = auth_from(s, cJSON_GetObjectItemCaseSensitive(step, "auth"),
	    cloud, &au, err)) != 0)
		goto out;
	if (cJSON_IsString(b)) {
		if ((rc = expand(s, b->valuestring, false, &body, err)) != 0)
			goto out;
	} else if (b != NULL) {
		if ((tree = cJSON_Duplicate(b, 1)) == NULL) {
			rc = hq_err_set(err, HQ_ENOMEM, "no memory");
			goto out;
		}
		if ((rc = expand_tree(s, tree, err)) != 0)
			goto out;
		if ((body = cJSON_PrintUnformatted(tree)) == NULL) {
			rc = hq_err_set(err, HQ_ENOMEM, "no memory");
			goto out;
		}
		typed = true;
	}
	if ((ms = hq_deadline_poll_ms(dl)) == 0) {
		rc = hq_err_set(err, HQ_ETIMEDOUT, "%s: no time left", what);
		goto out;
	}
	if (ms < 0 || ms > s->cfg.timeout_ms)
		ms = s->cfg.timeout_ms;
	if ((c = curl_easy_init()) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "curl: no memory");
		goto out;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, m->valuestring);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, ms);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, ms);
	/* the DUT's certificate is the tls family's business, not ours */
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, verify ? 1L : 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, verify ? 2L : 0L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &rb);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	if (strcmp(m->valuestring, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		if (typed)
			hl = curl_slist_append(hl,
			    "Content-Type: application/json");
	} else if (strcmp(m->valuestring, "POST") == 0 ||
	    strcmp(m->valuestring, "PUT") == 0)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
	cJSON_ArrayForEach(h, hs) {
		if (!cJSON_IsString(h))
			continue;
		if ((rc = expand(s, h->valuestring, false, &hv, err)) != 0)
			goto out;
		if (strpbrk(hv, "\r\n") != NULL || asprintf(&line, "%s: %s",
		    h->string, hv) < 0) {
			rc = hq_err_set(err, HQ_EINVAL, "%s.headers.%s: not one "
			    "line", what, h->string);
			goto out;
		}
		hl = curl_slist_append(hl, line);
		hq_secret_free(line);
		hq_secret_free(hv);
		hv = NULL;
	}
	if (au.bearer != NULL) {
		if (asprintf(&line, "Authorization: Bearer %s", au.bearer) < 0) {
			rc = hq_err_set(err, HQ_ENOMEM, "no memory");
			goto out;
		}
		hl = curl_slist_append(hl, line);
		hq_secret_free(line);
	}
	if (hl != NULL)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	if (au.user != NULL) {
		curl_easy_setopt(c, CURLOPT_USERNAME, au.user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, au.password);
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, au.mask);
	}
	trace(s, "%s -> %s %s %s", what, sf->valuestring, m->valuestring,
	    out->path);
	out->t_ns = hq_mono_ns();
	cc = curl_easy_perform(c);
	out->dur_ns = hq_mono_ns() - out->t_ns;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
	if (cc != CURLE_OK) {
		if (hq_interrupted)
			rc = hq_err_set(err, HQ_EINTR, "interrupted");
		else if (rb.over)
			rc = hq_err_set(err, HQ_EPROTO, "%s: answer body over "
			    "%u bytes", what, HQ_STEPS_BODY_MAX);
		else
			rc = hq_err_set(err, cc == CURLE_OPERATION_TIMEDOUT ?
			    HQ_ETIMEDOUT : HQ_EUNREACH, "%s: %s %s: %s", what,
			    m->valuestring, out->path,
			    hq_curl_why(c, cc, NULL));
		out->status = 0;
		snprintf(out->why, sizeof(out->why), "no answer: %s",
		    hq_curl_why(c, cc, NULL));
		trace(s, "%s <- no answer: %s", what, hq_curl_why(c, cc,
		    NULL));
		goto out;
	}
	hq_escape(esc, sizeof(esc), rb.p != NULL ? rb.p : "", rb.len);
	trace(s, "%s <- %ld, %zu bytes: %s", what, out->status, rb.len, esc);
	if (rb.p == NULL && (rb.p = calloc(1, 1)) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "no memory");
		goto out;
	}
	if (!status_expected(x, out->status)) {
		/* our credentials refused: says nothing about the data */
		if (out->status == 401 || out->status == 407) {
			rc = hq_err_set(err, HQ_EPROTO, "%s: %s %s answered "
			    "%ld: the step's credentials were refused, which "
			    "is no evidence", what, m->valuestring, out->path,
			    out->status);
			snprintf(out->why, sizeof(out->why), "credentials "
			    "refused (%ld)", out->status);
		} else if (out->status >= 500) {
			rc = hq_err_set(err, HQ_EPROTO, "%s: %s %s answered "
			    "%ld (a server error is no evidence)", what,
			    m->valuestring, out->path, out->status);
			snprintf(out->why, sizeof(out->why), "server error "
			    "%ld", out->status);
		} else if (cJSON_IsNumber(x))
			rc = unmet(out, "status %ld, expected %d", out->status,
			    (int)x->valuedouble);
		else
			rc = unmet(out, "status %ld, not one of the expected",
			    out->status);
		goto out;
	}
	if (cJSON_IsString(ct)) {
		if ((rc = expand(s, ct->valuestring, false, &needle,
		    err)) != 0)
			goto out;
		if (memmem(rb.p, rb.len, needle, strlen(needle)) == NULL) {
			rc = unmet(out, "answer lacks \"%.64s\"",
			    ct->valuestring);
			goto out;
		}
		hq_secret_free(needle);
		needle = NULL;
	}
	if (cJSON_IsString(ab)) {
		if ((rc = expand(s, ab->valuestring, false, &needle,
		    err)) != 0)
			goto out;
		if (memmem(rb.p, rb.len, needle, strlen(needle)) != NULL) {
			rc = unmet(out, "answer holds \"%.64s\"",
			    ab->valuestring);
			goto out;
		}
	}
	if ((rc = captures(s, cJSON_GetObjectItemCaseSensitive(step,
	    "capture"), rb.p, rb.len, out, err)) != 0)
		goto out;
	if (bodyp != NULL) {
		*bodyp = rb.p;
		*lenp = rb.len;
		rb.p = NULL;
	}
 out:
	if (c != NULL)
		curl_easy_cleanup(c);
	curl_slist_free_all(hl);
	auth_clear(&au);
	free(url);
	hq_secret_free(body);
	hq_secret_free(hv);
	hq_secret_free(needle);
	cJSON_Delete(tree);
	free(rb.p);
	return rc;
}

int
hq_steps_run(struct hq_steps *s, const cJSON *steps, const char *what,
    struct hq_deadline dl, struct hq_step_out *out, struct hq_err *err)
{
	const cJSON *st;
	char sub[128];
	size_t i = 0;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (!cJSON_IsArray(steps))
		return hq_err_set(err, HQ_EINVAL, "%s: not a step list", what);
	cJSON_ArrayForEach(st, steps) {
		snprintf(sub, sizeof(sub), "%s[%zu]", what, i);
		rc = hq_steps_run_one(s, st, sub, dl, out, NULL, NULL, err);
		out->index = i++;
		if (rc != 0)
			break;
	}
	return rc;
}
