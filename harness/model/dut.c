/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DUT description loader.  Strict: unknown keys are rejected everywhere,
 * types and ranges checked, surfaces referenced by recipe steps must exist,
 * secrets resolved (inline, file or environment) and wiped on free.
 */
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "model/dut.h"
#include "util/err.h"
#include "util/jv.h"
#include "util/util.h"

#define ID_MAX		64
#define LABELS_MAX	64
#define STEPS_MAX	64
#define CLAIMS_MAX	256

const char *const hq_device_classes[] = {
	"ip-camera", "ai-camera", "smart-lock", "door-sensor", "hub",
	"cnc-controller", NULL
};
static const char *const formats[] = { "hopquy-dut/1", NULL };
static const char *const top_keys[] = {
	"$schema", "format", "identity", "bench", "surfaces", "credentials",
	"update", "data", "power", "alarm", "claims", "claims_file", "notes",
	"cloud_link", "personal_data", "monitor", NULL
};
static const char *const cloud_link_keys[] = {
	"name", "port", "intercept", NULL
};
static const char *const intercept_keys[] = {
	"control", "wrong_name", "expired", NULL
};
static const char *const certpair_keys[] = { "cert", "key", NULL };
static const char *const identity_keys[] = {
	"manufacturer", "model", "serial", "firmware", "class", "hs_code",
	"name", "hardware", NULL
};
static const char *const bench_keys[] = {
	"mode", "instance", "lan_if", "uplink_if", "address", "cloud", NULL
};
static const char *const bench_modes[] = { "namespaces", "host", NULL };
static const char *const surface_keys[] = {
	"id", "proto", "port", "transport", "tls", "purpose", "login", NULL
};
static const char *const protos[] = {
	"http", "https", "rtsp", "rtsps", "ssh", "telnet", "mqtt", "mqtts",
	"onvif", "ftp", "tls", "upnp", "other", NULL
};
static const char *const transports[] = { "tcp", "udp", NULL };
static const char *const login_keys[] = {
	"kind", "path", "request", "success", NULL
};
static const char *const login_kinds[] = {
	"http-basic", "http-digest", "form", "rtsp-basic", "rtsp-digest",
	"ssh-password", "telnet", "mqtt", "onvif", NULL
};
static const char *const request_keys[] = {
	"method", "path", "body", "headers", NULL
};
static const char *const success_keys[] = { "status", "json", NULL };
static const char *const methods[] = {
	"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", NULL
};
static const char *const cred_keys[] = { "operator", "labels", NULL };
static const char *const operator_keys[] = { "user", "password", NULL };
static const char *const label_keys[] = {
	"serial", "mac", "user", "password", NULL
};
static const char *const secret_keys[] = { "file", "env", NULL };
static const char *const step_keys[] = {
	"surface", "method", "path", "body", "headers", "auth", "expect",
	"capture", "contains", "absent", "note", NULL
};
static const char *const auths[] = {
	"operator", "none", "token", "basic", "digest", NULL
};
static const char *const update_keys[] = {
	"submit", "outcome", "health", "genuine", "older", "tampered",
	"format", "channel", NULL
};
static const char *const data_keys[] = {
	"kinds", "login", "create", "present", "delete", "absent",
	"delete_all", "factory_reset", NULL
};
static const char *const power_keys[] = {
	"driver", "argv", "cycle", "reboot", NULL
};
static const char *const power_drivers[] = {
	"command", "http", "manual", NULL
};
static const char *const alarm_keys[] = {
	"stimulus", "audio", "light", "events", "disarm", "kinds", "cloud",
	NULL
};
/* monitor: what the input family reads between cases (steps with one
 * capture each: {"name": "/json/pointer"}) */
static const char *const monitor_keys[] = { "uptime", "settings", NULL };
static const char *const claim_keys[] = { "support", "detail", NULL };
static const char *const supports[] = { "yes", "no", "n/a", NULL };

static void
surface_clear(struct hq_surface *s)
{
	free(s->id);
	free(s->proto);
	free(s->transport);
	free(s->login_kind);
	cJSON_Delete(s->login);
	free(s->purpose);
}

void
hq_dut_free(struct hq_dut *d)
{
	size_t i;

	if (d == NULL)
		return;
	free(d->path);
	free(d->dir);
	free(d->claims_path);
	free(d->manufacturer);
	free(d->model);
	free(d->serial);
	free(d->firmware);
	free(d->dclass);
	free(d->hs_code);
	free(d->name);
	free(d->bench_mode);
	free(d->lan_if);
	free(d->uplink_if);
	free(d->address);
	hq_strv_free(d->cloud, d->ncloud);
	free(d->cloud_name);
	free(d->icpt_control.cert);
	free(d->icpt_control.key);
	free(d->icpt_wrong_name.cert);
	free(d->icpt_wrong_name.key);
	free(d->icpt_expired.cert);
	free(d->icpt_expired.key);
	for (i = 0; i < d->nsurfaces; i++)
		surface_clear(&d->surfaces[i]);
	free(d->surfaces);
	free(d->op_user);
	hq_secret_free(d->op_password);
	for (i = 0; i < d->nlabels; i++) {
		free(d->labels[i].serial);
		free(d->labels[i].mac);
		free(d->labels[i].user);
		hq_secret_free(d->labels[i].password);
	}
	free(d->labels);
	for (i = 0; i < d->npersonal; i++)
		hq_secret_free(d->personal[i]);
	free(d->personal);
	cJSON_Delete(d->update);
	cJSON_Delete(d->data);
	cJSON_Delete(d->power);
	cJSON_Delete(d->alarm);
	cJSON_Delete(d->monitor);
	for (i = 0; i < d->nclaims; i++) {
		free(d->claims[i].key);
		free(d->claims[i].support);
		free(d->claims[i].detail);
	}
	free(d->claims);
	free(d);
}

void
hq_dut_path(const struct hq_dut *dut, const char *rel, char *out,
    size_t outsz)
{
	if (rel[0] == '/' || dut->dir == NULL)
		snprintf(out, outsz, "%s", rel);
	else
		snprintf(out, outsz, "%s/%s", dut->dir, rel);
}

static int load_secret_item(const struct hq_dut *d, const cJSON *item,
    const char *sub, bool required, char **outp, struct hq_err *err);

/* A secret: "inline", {"file": PATH} or {"env": NAME}. */
static int
load_secret(const struct hq_dut *d, const cJSON *obj, const char *path,
    const char *key, bool required, char **outp, struct hq_err *err)
{
	char sub[HQ_JV_PATH_MAX];

	hq_jv_path(sub, sizeof(sub), path, key);
	return load_secret_item(d, cJSON_GetObjectItemCaseSensitive(obj, key),
	    sub, required, outp, err);
}

/* The secret item (may be NULL: absent) at path sub. */
static int
load_secret_item(const struct hq_dut *d, const cJSON *item, const char *sub,
    bool required, char **outp, struct hq_err *err)
{
	char fpath[PATH_MAX], *text = NULL, *s;
	const char *v;
	size_t len;
	int rc;

	*outp = NULL;
	if (item == NULL || cJSON_IsNull(item)) {
		if (required)
			return hq_err_set(err, HQ_EINVAL, "%s: required key "
			    "missing (expected a string, {\"file\": PATH} or "
			    "{\"env\": NAME})", sub);
		return 0;
	}
	if (cJSON_IsString(item)) {
		v = item->valuestring;
		len = strlen(v);
	} else if (cJSON_IsObject(item)) {
		char *f = NULL, *e = NULL;

		if ((rc = hq_jv_keys(item, sub, secret_keys, err)) != 0 ||
		    (rc = hq_jv_str(item, sub, "file", false, PATH_MAX / 2, &f,
		    err)) != 0 ||
		    (rc = hq_jv_str(item, sub, "env", false, 128, &e,
		    err)) != 0) {
			free(f);
			free(e);
			return rc;
		}
		if ((f == NULL) == (e == NULL)) {
			free(f);
			free(e);
			return hq_err_set(err, HQ_EINVAL, "%s: expected exactly "
			    "one of \"file\" and \"env\"", sub);
		}
		if (e != NULL) {
			v = getenv(e);
			if (v == NULL || v[0] == '\0') {
				rc = hq_err_set(err, HQ_EINVAL, "%s.env: "
				    "environment variable %s is not set", sub,
				    e);
				free(e);
				return rc;
			}
			free(e);
			len = strlen(v);
		} else {
			struct hq_err ferr = { 0 };

			hq_dut_path(d, f, fpath, sizeof(fpath));
			free(f);
			if (hq_file_slurp(fpath, HQ_SECRET_FILE_MAX, &text,
			    &len, &ferr) != 0)
				return hq_err_set(err, HQ_EINVAL, "%s.file: %s",
				    sub, ferr.msg);
			/* One line: the trailing newline is not the secret. */
			while (len > 0 && (text[len - 1] == '\n' ||
			    text[len - 1] == '\r'))
				text[--len] = '\0';
			v = text;
		}
	} else
		return hq_err_set(err, HQ_EINVAL, "%s: expected a string, "
		    "{\"file\": PATH} or {\"env\": NAME}, got %s", sub,
		    hq_jv_typename(item));
	rc = 0;
	if (len == 0 || len > 1024 || memchr(v, '\0', len) != NULL)
		rc = hq_err_set(err, HQ_EINVAL, "%s: expected a secret of 1 "
		    "to 1024 bytes, got %zu", sub, len);
	else if ((s = hq_strndup(v, len)) == NULL)
		rc = hq_err_set(err, HQ_ENOMEM, "%s: no memory", sub);
	else
		*outp = s;
	if (text != NULL) {
		OPENSSL_cleanse(text, len);
		free(text);
	}
	return rc;
}

static bool
surface_known(const struct hq_dut *d, const char *id)
{
	return hq_dut_surface(d, id) != NULL;
}

static int
load_request(const cJSON *r, const char *path, struct hq_err *err)
{
	const cJSON *it;
	char *m = NULL, *p = NULL;
	int rc;

	if ((rc = hq_jv_keys(r, path, request_keys, err)) != 0 ||
	    (rc = hq_jv_enum(r, path, "method", true, methods, &m,
	    err)) != 0 ||
	    (rc = hq_jv_str(r, path, "path", true, 1024, &p, err)) != 0 ||
	    (rc = hq_jv_get(r, path, "headers", cJSON_Object, false, &it,
	    err)) != 0)
		goto out;
	if (p[0] != '/')
		rc = hq_err_set(err, HQ_EINVAL, "%s.path: expected a path "
		    "starting with '/', got \"%.64s\"", path, p);
 out:
	free(m);
	free(p);
	return rc;
}

static int
load_login(const cJSON *l, const char *path, struct hq_surface *s,
    struct hq_err *err)
{
	const cJSON *req, *succ;
	char sub[HQ_JV_PATH_MAX], *p = NULL, *ptr = NULL;
	long long st;
	int rc;

	if ((rc = hq_jv_keys(l, path, login_keys, err)) != 0 ||
	    (rc = hq_jv_enum(l, path, "kind", true, login_kinds,
	    &s->login_kind, err)) != 0 ||
	    (rc = hq_jv_str(l, path, "path", false, 1024, &p, err)) != 0 ||
	    (rc = hq_jv_get(l, path, "request", cJSON_Object, false, &req,
	    err)) != 0 ||
	    (rc = hq_jv_get(l, path, "success", cJSON_Object, false, &succ,
	    err)) != 0)
		goto out;
	if (p != NULL && p[0] != '/') {
		rc = hq_err_set(err, HQ_EINVAL, "%s.path: expected a path "
		    "starting with '/', got \"%.64s\"", path, p);
		goto out;
	}
	if (strcmp(s->login_kind, "form") == 0) {
		if (req == NULL || succ == NULL) {
			rc = hq_err_set(err, HQ_EINVAL, "%s: a form login "
			    "needs \"request\" and \"success\"", path);
			goto out;
		}
	}
	if (req != NULL) {
		hq_jv_path(sub, sizeof(sub), path, "request");
		if ((rc = load_request(req, sub, err)) != 0)
			goto out;
	}
	if (succ != NULL) {
		hq_jv_path(sub, sizeof(sub), path, "success");
		if ((rc = hq_jv_keys(succ, sub, success_keys, err)) != 0 ||
		    (rc = hq_jv_int(succ, sub, "status", true, 100, 599, 200,
		    &st, err)) != 0 ||
		    (rc = hq_jv_str(succ, sub, "json", false, 256, &ptr,
		    err)) != 0)
			goto out;
		if (ptr != NULL && ptr[0] != '/') {
			rc = hq_err_set(err, HQ_EINVAL, "%s.json: expected a "
			    "JSON pointer (\"/token\"), got \"%.64s\"", sub,
			    ptr);
			goto out;
		}
	}
	if ((s->login = cJSON_Duplicate(l, 1)) == NULL)
		rc = hq_err_set(err, HQ_ENOMEM, "%s: no memory", path);
 out:
	free(p);
	free(ptr);
	return rc;
}

static int
load_surface(const cJSON *j, const char *path, struct hq_surface *s,
    struct hq_err *err)
{
	const cJSON *login;
	char sub[HQ_JV_PATH_MAX];
	long long port;
	bool dtls;
	int rc;

	if ((rc = hq_jv_keys(j, path, surface_keys, err)) != 0 ||
	    (rc = hq_jv_str(j, path, "id", true, ID_MAX, &s->id, err)) != 0 ||
	    (rc = hq_jv_enum(j, path, "proto", true, protos, &s->proto,
	    err)) != 0 ||
	    (rc = hq_jv_int(j, path, "port", true, 1, 65535, 0, &port,
	    err)) != 0 ||
	    (rc = hq_jv_enum(j, path, "transport", false, transports,
	    &s->transport, err)) != 0 ||
	    (rc = hq_jv_str(j, path, "purpose", false, 256, &s->purpose,
	    err)) != 0)
		return rc;
	s->port = (unsigned)port;
	if (s->transport == NULL && (s->transport = strdup("tcp")) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "%s: no memory", path);
	dtls = strcmp(s->proto, "https") == 0 ||
	    strcmp(s->proto, "rtsps") == 0 || strcmp(s->proto, "mqtts") == 0 ||
	    strcmp(s->proto, "tls") == 0;
	if ((rc = hq_jv_bool(j, path, "tls", false, dtls, &s->tls, err)) != 0 ||
	    (rc = hq_jv_get(j, path, "login", cJSON_Object, false, &login,
	    err)) != 0)
		return rc;
	if (login != NULL) {
		hq_jv_path(sub, sizeof(sub), path, "login");
		if ((rc = load_login(login, sub, s, err)) != 0)
			return rc;
	}
	return 0;
}

/* Recipe steps: HTTP requests on declared surfaces. */
static int
load_steps(const struct hq_dut *d, const cJSON *arr, const char *path,
    struct hq_err *err)
{
	const cJSON *st, *it;
	char sub[HQ_JV_PATH_MAX], *s = NULL, *m = NULL, *p = NULL, *a = NULL;
	size_t i = 0;
	int rc = 0;

	if (!cJSON_IsArray(arr))
		return hq_err_set(err, HQ_EINVAL, "%s: expected an array of "
		    "steps, got %s", path, hq_jv_typename(arr));
	if (cJSON_GetArraySize(arr) > STEPS_MAX)
		return hq_err_set(err, HQ_EINVAL, "%s: at most %d steps", path,
		    STEPS_MAX);
	cJSON_ArrayForEach(st, arr) {
		hq_jv_index(sub, sizeof(sub), path, i++);
		if ((rc = hq_jv_keys(st, sub, step_keys, err)) != 0 ||
		    (rc = hq_jv_str(st, sub, "surface", true, ID_MAX, &s,
		    err)) != 0 ||
		    (rc = hq_jv_enum(st, sub, "method", true, methods, &m,
		    err)) != 0 ||
		    (rc = hq_jv_str(st, sub, "path", true, 1024, &p,
		    err)) != 0 ||
		    (rc = hq_jv_enum(st, sub, "auth", false, auths, &a,
		    err)) != 0 ||
		    (rc = hq_jv_get(st, sub, "headers", cJSON_Object, false,
		    &it, err)) != 0 ||
		    (rc = hq_jv_get(st, sub, "capture", cJSON_Object, false,
		    &it, err)) != 0)
			goto out;
		if ((it = cJSON_GetObjectItemCaseSensitive(st, "expect")) !=
		    NULL && !(cJSON_IsNumber(it) && it->valuedouble >= 100 &&
		    it->valuedouble <= 599)) {
			rc = hq_err_set(err, HQ_EINVAL, "%s.expect: expected an "
			    "HTTP status from 100 to 599, got %s", sub,
			    hq_jv_typename(it));
			goto out;
		}
		if (!surface_known(d, s)) {
			rc = hq_err_set(err, HQ_EINVAL, "%s.surface: \"%.64s\" "
			    "is not a declared surface id", sub, s);
			goto out;
		}
		if (p[0] != '/') {
			rc = hq_err_set(err, HQ_EINVAL, "%s.path: expected a "
			    "path starting with '/', got \"%.64s\"", sub, p);
			goto out;
		}
		free(s);
		free(m);
		free(p);
		free(a);
		s = m = p = a = NULL;
	}
 out:
	free(s);
	free(m);
	free(p);
	free(a);
	return rc;
}

/* A recipe section: an object whose array members are step lists. */
static int
load_recipe(const struct hq_dut *d, const cJSON *root, const char *key,
    const char *const *keys, cJSON **outp, struct hq_err *err)
{
	const cJSON *sec, *it;
	char sub[HQ_JV_PATH_MAX];
	int rc;

	*outp = NULL;
	if ((rc = hq_jv_get(root, "", key, cJSON_Object, false, &sec,
	    err)) != 0 || sec == NULL)
		return rc;
	if ((rc = hq_jv_keys(sec, key, keys, err)) != 0)
		return rc;
	cJSON_ArrayForEach(it, sec) {
		hq_jv_path(sub, sizeof(sub), key, it->string);
		if (cJSON_IsArray(it) && strcmp(it->string, "kinds") != 0 &&
		    strcmp(it->string, "argv") != 0 &&
		    strcmp(it->string, "cycle") != 0 &&
		    strcmp(it->string, "reboot") != 0) {
			if ((rc = load_steps(d, it, sub, err)) != 0)
				return rc;
		} else if (cJSON_IsObject(it) &&
		    cJSON_GetObjectItemCaseSensitive(it, "method") != NULL) {
			const cJSON *one = it;
			cJSON *wrap = cJSON_CreateArray();

			if (wrap == NULL)
				return hq_err_set(err, HQ_ENOMEM, "no memory");
			cJSON_AddItemReferenceToArray(wrap, (cJSON *)one);
			rc = load_steps(d, wrap, sub, err);
			cJSON_Delete(wrap);
			if (rc != 0) {
				/* Re-say the path without the [0]. */
				return rc;
			}
		}
	}
	if ((*outp = cJSON_Duplicate(sec, 1)) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "%s: no memory", key);
	return 0;
}

static int
load_identity(const cJSON *root, struct hq_dut *d, struct hq_err *err)
{
	const cJSON *id;
	char *hw = NULL;
	int rc;

	if ((rc = hq_jv_get(root, "", "identity", cJSON_Object, true, &id,
	    err)) != 0 ||
	    (rc = hq_jv_keys(id, "identity", identity_keys, err)) != 0 ||
	    (rc = hq_jv_str(id, "identity", "manufacturer", true, 256,
	    &d->manufacturer, err)) != 0 ||
	    (rc = hq_jv_str(id, "identity", "model", true, 256, &d->model,
	    err)) != 0 ||
	    (rc = hq_jv_str(id, "identity", "serial", true, 128, &d->serial,
	    err)) != 0 ||
	    (rc = hq_jv_str(id, "identity", "firmware", true, 64,
	    &d->firmware, err)) != 0 ||
	    (rc = hq_jv_enum(id, "identity", "class", true, hq_device_classes,
	    &d->dclass, err)) != 0 ||
	    (rc = hq_jv_str(id, "identity", "hs_code", false, 32, &d->hs_code,
	    err)) != 0 ||
	    (rc = hq_jv_str(id, "identity", "name", false, 253, &d->name,
	    err)) != 0 ||
	    (rc = hq_jv_str(id, "identity", "hardware", false, 64, &hw,
	    err)) != 0)
		return rc;
	free(hw);
	return 0;
}

static int
load_bench(const cJSON *root, struct hq_dut *d, struct hq_err *err)
{
	const cJSON *b;
	long long inst;
	int rc;

	if ((rc = hq_jv_get(root, "", "bench", cJSON_Object, true, &b,
	    err)) != 0 ||
	    (rc = hq_jv_keys(b, "bench", bench_keys, err)) != 0 ||
	    (rc = hq_jv_enum(b, "bench", "mode", true, bench_modes,
	    &d->bench_mode, err)) != 0 ||
	    (rc = hq_jv_int(b, "bench", "instance", false, 0, 255, 0, &inst,
	    err)) != 0 ||
	    (rc = hq_jv_str(b, "bench", "lan_if", false, 15, &d->lan_if,
	    err)) != 0 ||
	    (rc = hq_jv_str(b, "bench", "uplink_if", false, 15,
	    &d->uplink_if, err)) != 0 ||
	    (rc = hq_jv_str(b, "bench", "address", true, 64, &d->address,
	    err)) != 0 ||
	    (rc = hq_jv_strv(b, "bench", "cloud", false, 32, &d->cloud,
	    &d->ncloud, err)) != 0)
		return rc;
	d->bench_instance = (unsigned)inst;
	if (strcmp(d->bench_mode, "host") == 0 &&
	    (d->lan_if == NULL || d->uplink_if == NULL))
		return hq_err_set(err, HQ_EINVAL, "bench: mode \"host\" needs "
		    "\"lan_if\" and \"uplink_if\"");
	return 0;
}

/* A path of the DUT file, kept resolved against its directory. */
static int
load_path(const struct hq_dut *d, const cJSON *obj, const char *path,
    const char *key, char **outp, struct hq_err *err)
{
	char *rel = NULL, full[PATH_MAX];
	int rc;

	if ((rc = hq_jv_str(obj, path, key, true, PATH_MAX / 2, &rel,
	    err)) != 0)
		return rc;
	hq_dut_path(d, rel, full, sizeof(full));
	free(rel);
	if ((*outp = strdup(full)) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	return 0;
}

static int
load_certpair(const struct hq_dut *d, const cJSON *icpt, const char *key,
    struct hq_certpair *cp, struct hq_err *err)
{
	const cJSON *o;
	char sub[HQ_JV_PATH_MAX];
	int rc;

	hq_jv_path(sub, sizeof(sub), "cloud_link.intercept", key);
	if ((rc = hq_jv_get(icpt, "cloud_link.intercept", key, cJSON_Object,
	    false, &o, err)) != 0 || o == NULL)
		return rc;
	if ((rc = hq_jv_keys(o, sub, certpair_keys, err)) != 0 ||
	    (rc = load_path(d, o, sub, "cert", &cp->cert, err)) != 0 ||
	    (rc = load_path(d, o, sub, "key", &cp->key, err)) != 0)
		return rc;
	return 0;
}

/* The DUT's TLS link to its cloud, and what an interceptor may present
 * with a CA the DUT trusts (files the lab provides). */
static int
load_cloud_link(const cJSON *root, struct hq_dut *d, struct hq_err *err)
{
	const cJSON *cl, *icpt;
	long long port;
	int rc;

	d->cloud_port = 443;
	if ((rc = hq_jv_get(root, "", "cloud_link", cJSON_Object, false, &cl,
	    err)) != 0 || cl == NULL)
		return rc;
	if ((rc = hq_jv_keys(cl, "cloud_link", cloud_link_keys, err)) != 0 ||
	    (rc = hq_jv_str(cl, "cloud_link", "name", false, 253,
	    &d->cloud_name, err)) != 0 ||
	    (rc = hq_jv_int(cl, "cloud_link", "port", false, 1, 65535, 443,
	    &port, err)) != 0 ||
	    (rc = hq_jv_get(cl, "cloud_link", "intercept", cJSON_Object,
	    false, &icpt, err)) != 0)
		return rc;
	d->cloud_port = (unsigned)port;
	if (icpt == NULL)
		return 0;
	if ((rc = hq_jv_keys(icpt, "cloud_link.intercept", intercept_keys,
	    err)) != 0 ||
	    (rc = load_certpair(d, icpt, "control", &d->icpt_control,
	    err)) != 0 ||
	    (rc = load_certpair(d, icpt, "wrong_name", &d->icpt_wrong_name,
	    err)) != 0 ||
	    (rc = load_certpair(d, icpt, "expired", &d->icpt_expired,
	    err)) != 0)
		return rc;
	return 0;
}

static int
load_credentials(const cJSON *root, struct hq_dut *d, struct hq_err *err)
{
	const cJSON *c, *op, *labels, *l;
	char sub[HQ_JV_PATH_MAX];
	size_t n, i = 0;
	int rc;

	if ((rc = hq_jv_get(root, "", "credentials", cJSON_Object, false, &c,
	    err)) != 0 || c == NULL)
		return rc;
	if ((rc = hq_jv_keys(c, "credentials", cred_keys, err)) != 0 ||
	    (rc = hq_jv_get(c, "credentials", "operator", cJSON_Object, false,
	    &op, err)) != 0 ||
	    (rc = hq_jv_get(c, "credentials", "labels", cJSON_Array, false,
	    &labels, err)) != 0)
		return rc;
	if (op != NULL &&
	    ((rc = hq_jv_keys(op, "credentials.operator", operator_keys,
	    err)) != 0 ||
	    (rc = hq_jv_str(op, "credentials.operator", "user", true, 128,
	    &d->op_user, err)) != 0 ||
	    (rc = load_secret(d, op, "credentials.operator", "password", true,
	    &d->op_password, err)) != 0))
		return rc;
	if (labels == NULL)
		return 0;
	n = (size_t)cJSON_GetArraySize(labels);
	if (n > LABELS_MAX)
		return hq_err_set(err, HQ_EINVAL, "credentials.labels: at most "
		    "%d labels, got %zu", LABELS_MAX, n);
	if (n > 0 && (d->labels = calloc(n, sizeof(*d->labels))) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	cJSON_ArrayForEach(l, labels) {
		struct hq_label *lb = &d->labels[i];

		hq_jv_index(sub, sizeof(sub), "credentials.labels", i);
		d->nlabels = ++i;
		if ((rc = hq_jv_keys(l, sub, label_keys, err)) != 0 ||
		    (rc = hq_jv_str(l, sub, "serial", true, 128, &lb->serial,
		    err)) != 0 ||
		    (rc = hq_jv_str(l, sub, "mac", false, 32, &lb->mac,
		    err)) != 0 ||
		    (rc = hq_jv_str(l, sub, "user", true, 128, &lb->user,
		    err)) != 0 ||
		    (rc = load_secret(d, l, sub, "password", true,
		    &lb->password, err)) != 0)
			return rc;
	}
	return 0;
}

/*
 * personal_data: strings the DUT holds about its users (names, e-mail
 * addresses, Wi-Fi passphrases, ...) that must never cross the network in
 * cleartext; each a secret (inline, file or env), 4 to 1024 bytes.
 */
static int
load_personal(const cJSON *root, struct hq_dut *d, struct hq_err *err)
{
	const cJSON *a, *e;
	char sub[HQ_JV_PATH_MAX];
	size_t n, i = 0;
	int rc;

	if ((rc = hq_jv_get(root, "", "personal_data", cJSON_Array, false, &a,
	    err)) != 0 || a == NULL)
		return rc;
	n = (size_t)cJSON_GetArraySize(a);
	if (n == 0 || n > HQ_DUT_PERSONAL_MAX)
		return hq_err_set(err, HQ_EINVAL, "personal_data: expected 1 to "
		    "%d strings, got %zu", HQ_DUT_PERSONAL_MAX, n);
	if ((d->personal = calloc(n, sizeof(*d->personal))) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	cJSON_ArrayForEach(e, a) {
		hq_jv_index(sub, sizeof(sub), "personal_data", i);
		if ((rc = load_secret_item(d, e, sub, true, &d->personal[i],
		    err)) != 0)
			return rc;
		d->npersonal = ++i;
		if (strlen(d->personal[i - 1]) < 4)
			return hq_err_set(err, HQ_EINVAL, "%s: expected at "
			    "least 4 bytes (shorter strings match by chance)",
			    sub);
	}
	return 0;
}

static int
load_claims_obj(const cJSON *cl, const char *path, struct hq_dut *d,
    struct hq_err *err)
{
	const cJSON *c;
	char sub[HQ_JV_PATH_MAX];
	size_t n, i = 0;
	int rc;

	if (!cJSON_IsObject(cl))
		return hq_err_set(err, HQ_EINVAL, "%s: expected an object, got "
		    "%s", path, hq_jv_typename(cl));
	n = (size_t)cJSON_GetArraySize(cl);
	if (n > CLAIMS_MAX)
		return hq_err_set(err, HQ_EINVAL, "%s: at most %d claims", path,
		    CLAIMS_MAX);
	if (n > 0 && (d->claims = calloc(n, sizeof(*d->claims))) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	cJSON_ArrayForEach(c, cl) {
		struct hq_claim *k = &d->claims[i];

		hq_jv_path(sub, sizeof(sub), path, c->string);
		d->nclaims = ++i;
		if ((k->key = strdup(c->string)) == NULL)
			return hq_err_set(err, HQ_ENOMEM, "no memory");
		if ((rc = hq_jv_keys(c, sub, claim_keys, err)) != 0 ||
		    (rc = hq_jv_enum(c, sub, "support", true, supports,
		    &k->support, err)) != 0 ||
		    (rc = hq_jv_str(c, sub, "detail", false, 4096, &k->detail,
		    err)) != 0)
			return rc;
		if (strcmp(k->support, "yes") != 0 && k->detail == NULL)
			return hq_err_set(err, HQ_EINVAL, "%s.detail: required "
			    "when support is \"%s\" (the justification)", sub,
			    k->support);
	}
	return 0;
}

static int
load_claims(const cJSON *root, struct hq_dut *d, struct hq_err *err)
{
	const cJSON *cl;
	char *file = NULL, *text = NULL, fpath[PATH_MAX];
	struct hq_err ferr = { 0 };
	cJSON *froot = NULL;
	size_t len;
	int rc;

	if ((rc = hq_jv_get(root, "", "claims", cJSON_Object, false, &cl,
	    err)) != 0 ||
	    (rc = hq_jv_str(root, "", "claims_file", false, PATH_MAX / 2,
	    &file, err)) != 0)
		return rc;
	if (cl != NULL && file != NULL) {
		free(file);
		return hq_err_set(err, HQ_EINVAL, "claims_file: give either "
		    "\"claims\" or \"claims_file\", not both");
	}
	if (cl != NULL)
		return load_claims_obj(cl, "claims", d, err);
	if (file == NULL)
		return 0;
	/* A claims file that is named must exist: never an empty one. */
	hq_dut_path(d, file, fpath, sizeof(fpath));
	free(file);
	if ((rc = hq_file_slurp(fpath, HQ_DUT_FILE_MAX, &text, &len,
	    &ferr)) != 0 ||
	    (rc = hq_jv_parse(fpath, text, len, &froot, &ferr)) != 0) {
		rc = hq_err_set(err, HQ_EINVAL, "claims_file: %s", ferr.msg);
		goto out;
	}
	if ((d->claims_path = strdup(fpath)) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "no memory");
		goto out;
	}
	hq_sha256_hex(text, len, d->claims_sha256);
	if ((rc = load_claims_obj(froot, "", d, &ferr)) != 0)
		rc = hq_err_set(err, rc, "claims_file %s: %s", fpath, ferr.msg);
 out:
	cJSON_Delete(froot);
	free(text);
	return rc;
}

static int
dut_from_json(const cJSON *root, struct hq_dut *d, struct hq_err *err)
{
	const cJSON *surfs, *s;
	char sub[HQ_JV_PATH_MAX], *fmt = NULL, *drv = NULL;
	size_t n, i = 0, k;
	int rc;

	if ((rc = hq_jv_keys(root, "", top_keys, err)) != 0 ||
	    (rc = hq_jv_enum(root, "", "format", true, formats, &fmt,
	    err)) != 0)
		goto out;
	if ((rc = load_identity(root, d, err)) != 0 ||
	    (rc = load_bench(root, d, err)) != 0 ||
	    (rc = load_cloud_link(root, d, err)) != 0 ||
	    (rc = hq_jv_get(root, "", "surfaces", cJSON_Array, true, &surfs,
	    err)) != 0)
		goto out;
	n = (size_t)cJSON_GetArraySize(surfs);
	if (n > HQ_DUT_SURFACES_MAX) {
		rc = hq_err_set(err, HQ_EINVAL, "surfaces: at most %d, got %zu",
		    HQ_DUT_SURFACES_MAX, n);
		goto out;
	}
	if (n > 0 && (d->surfaces = calloc(n, sizeof(*d->surfaces))) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "no memory");
		goto out;
	}
	cJSON_ArrayForEach(s, surfs) {
		hq_jv_index(sub, sizeof(sub), "surfaces", i);
		d->nsurfaces = i + 1;
		if ((rc = load_surface(s, sub, &d->surfaces[i], err)) != 0)
			goto out;
		for (k = 0; k < i; k++)
			if (strcmp(d->surfaces[k].id, d->surfaces[i].id) == 0) {
				rc = hq_err_set(err, HQ_EINVAL, "%s.id: \"%s\" "
				    "already used by surfaces[%zu]", sub,
				    d->surfaces[i].id, k);
				goto out;
			}
		i++;
	}
	if ((rc = load_credentials(root, d, err)) != 0 ||
	    (rc = load_personal(root, d, err)) != 0 ||
	    (rc = load_recipe(d, root, "update", update_keys, &d->update,
	    err)) != 0 ||
	    (rc = load_recipe(d, root, "data", data_keys, &d->data,
	    err)) != 0 ||
	    (rc = load_recipe(d, root, "power", power_keys, &d->power,
	    err)) != 0 ||
	    (rc = load_recipe(d, root, "alarm", alarm_keys, &d->alarm,
	    err)) != 0 ||
	    (rc = load_recipe(d, root, "monitor", monitor_keys, &d->monitor,
	    err)) != 0)
		goto out;
	if (d->power != NULL &&
	    (rc = hq_jv_enum(d->power, "power", "driver", true,
	    power_drivers, &drv, err)) != 0)
		goto out;
	rc = load_claims(root, d, err);
 out:
	free(fmt);
	free(drv);
	return rc;
}

int
hq_dut_load(const char *path, struct hq_dut **dutp, struct hq_err *err)
{
	struct hq_dut *dut = NULL;
	struct hq_err lerr = { 0 };
	cJSON *root = NULL;
	char *text = NULL, *tmp = NULL;
	size_t len;
	int rc;

	*dutp = NULL;
	if ((rc = hq_file_slurp(path, HQ_DUT_FILE_MAX, &text, &len,
	    err)) != 0)
		goto out;
	if ((rc = hq_jv_parse(path, text, len, &root, err)) != 0)
		goto out;
	if ((dut = calloc(1, sizeof(*dut))) == NULL ||
	    (dut->path = strdup(path)) == NULL ||
	    (tmp = strdup(path)) == NULL ||
	    (dut->dir = strdup(dirname(tmp))) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "%s: no memory", path);
		goto out;
	}
	hq_sha256_hex(text, len, dut->sha256);
	if ((rc = dut_from_json(root, dut, &lerr)) != 0) {
		rc = hq_err_set(err, rc, "%s: %s", path, lerr.msg);
		goto out;
	}
	*dutp = dut;
	dut = NULL;
 out:
	hq_dut_free(dut);
	cJSON_Delete(root);
	free(text);
	free(tmp);
	return rc;
}

const struct hq_surface *
hq_dut_surface(const struct hq_dut *dut, const char *id)
{
	size_t i;

	for (i = 0; i < dut->nsurfaces; i++)
		if (dut->surfaces[i].id != NULL &&
		    strcmp(dut->surfaces[i].id, id) == 0)
			return &dut->surfaces[i];
	return NULL;
}

const struct hq_claim *
hq_dut_claim(const struct hq_dut *dut, const char *key)
{
	size_t i;

	for (i = 0; i < dut->nclaims; i++)
		if (strcmp(dut->claims[i].key, key) == 0)
			return &dut->claims[i];
	return NULL;
}

bool
hq_dut_port_declared(const struct hq_dut *dut, const char *transport,
    unsigned port)
{
	size_t i;

	for (i = 0; i < dut->nsurfaces; i++)
		if (dut->surfaces[i].port == port &&
		    strcmp(dut->surfaces[i].transport, transport) == 0)
			return true;
	return false;
}

cJSON *
hq_dut_identity_json(const struct hq_dut *d)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL)
		return NULL;
	cJSON_AddStringToObject(o, "manufacturer", d->manufacturer);
	cJSON_AddStringToObject(o, "model", d->model);
	cJSON_AddStringToObject(o, "serial", d->serial);
	cJSON_AddStringToObject(o, "firmware", d->firmware);
	cJSON_AddStringToObject(o, "class", d->dclass);
	if (d->hs_code != NULL)
		cJSON_AddStringToObject(o, "hs_code", d->hs_code);
	cJSON_AddStringToObject(o, "address", d->address);
	cJSON_AddStringToObject(o, "description_file", d->path);
	cJSON_AddStringToObject(o, "description_sha256", d->sha256);
	if (d->claims_path != NULL) {
		cJSON_AddStringToObject(o, "claims_file", d->claims_path);
		cJSON_AddStringToObject(o, "claims_sha256", d->claims_sha256);
	}
	return o;
}

size_t
hq_dut_secrets(const struct hq_dut *d, const char **out, size_t max)
{
	size_t n = 0, i;

	if (d->op_password != NULL && n < max)
		out[n++] = d->op_password;
	for (i = 0; i < d->nlabels && n < max; i++)
		out[n++] = d->labels[i].password;
	return n;
}
