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
#include <unistd.h>

#include <sys/stat.h>

#include <openssl/crypto.h>

#include "model/dut.h"
#include "util/addr.h"
#include "util/err.h"
#include "util/jv.h"
#include "util/log.h"
#include "util/rd.h"
#include "util/util.h"

#define ID_MAX		64
#define LABELS_MAX	64
#define CLAIMS_MAX	256

const char *const hq_device_classes[] = {
	"ip-camera", "ai-camera", "smart-lock", "door-sensor", "hub",
	"cnc-controller", NULL
};
static const char *const formats[] = { "hopquy-dut/1", NULL };
static void	disclosure_clear(struct hq_disclosure *x);
static const char *const top_keys[] = {
	"$schema", "format", "identity", "bench", "surfaces", "credentials",
	"update", "data", "power", "alarm", "claims", "claims_file", "notes",
	"cloud_link", "personal_data", "disclosure", "ai", "monitor", NULL
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
	"id", "proto", "port", "transport", "tls", "purpose", "login",
	"public_paths", "protected_paths", "probe", NULL
};
static const char *const probe_keys[] = { "send_hex", "expect_hex", NULL };
static const char *const protos[] = {
	"http", "https", "rtsp", "rtsps", "ssh", "telnet", "mqtt", "mqtts",
	"onvif", "ftp", "tls", "upnp", "ssdp", "ws-discovery", "other", NULL
};
static const char *const transports[] = { "tcp", "udp", NULL };
static const char *const login_keys[] = {
	"kind", "path", "request", "success", "failure", "prompts",
	"connect_timeout_ms", "auth_timeout_ms", "timeout_ms", NULL
};
static const char *const prompt_keys[] = {
	"user", "password", "failure", "shell", NULL
};
static const char *const failure_keys[] = { "status", NULL };
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
static const char *const update_keys[] = {
	"submit", "outcome", "health", "genuine", "older", "tampered",
	"format", "channel", "pull", "trigger", NULL
};
static const char *const update_pull_keys[] = {
	"listen", "port", "tls_port", "cert", "key", "untrusted_cert",
	"untrusted_key", NULL
};
static const char *const update_trigger_keys[] = {
	"command", "request", "timeout_ms", NULL
};
static const char *const update_command_keys[] = {
	"command", "capture", "timeout_ms", "note", NULL
};
static const char *const update_submit_keys[] = {
	"request", "form_field", "content_type", "timeout_ms", NULL
};
static const char *const update_outcome_keys[] = {
	"accepted", "rejected", "version", "settle_ms", "status_stream", NULL
};
static const char *const update_stream_keys[] = {
	"surface", "path", "type_pointer", "type", "status_pointer",
	"success", "failure", "timeout_ms", NULL
};
static const char *const update_match_keys[] = {
	"status", "exit", "contains", NULL
};
static const char *const update_health_keys[] = {
	"request", "tcp", "recover_ms", NULL
};
static const char *const update_image_keys[] = { "file", "version", NULL };
static const char *const update_formats[] = {
	"opaque", "hqfw", "swu", "raucb", NULL
};
static const char *const alarm_keys[] = {
	"stimulus", "audio", "light", "events", "disarm", "kinds", "cloud",
	NULL
};
/* the aisafety family: frames in, decisions and the model's hash out */
static const char *const ai_keys[] = {
	"stimulus", "detection", "model", "scenes", "safe_state", "decision",
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
	hq_strv_free(s->public_paths, s->npublic);
	hq_strv_free(s->protected_paths, s->nprotected);
	free(s->probe_send);
	free(s->probe_expect);
}

/* surfaces[].probe: {"send_hex": HEX, "expect_hex": HEX}. */
static int
load_probe(const cJSON *j, const char *path, struct hq_surface *s,
    struct hq_err *err)
{
	char sub[HQ_JV_PATH_MAX], *send = NULL, *expect = NULL;
	int rc;

	hq_jv_path(sub, sizeof(sub), path, "probe");
	if ((rc = hq_jv_keys(j, sub, probe_keys, err)) != 0 ||
	    (rc = hq_jv_str(j, sub, "send_hex", true, 8192, &send,
	    err)) != 0 ||
	    (rc = hq_jv_str(j, sub, "expect_hex", false, 8192, &expect,
	    err)) != 0)
		goto out;
	if (hq_hex_decode(send, &s->probe_send, &s->probe_send_len) != 0 ||
	    s->probe_send_len == 0) {
		rc = hq_err_set(err, HQ_EINVAL, "%s.send_hex: expected hex "
		    "digits (at least one byte)", sub);
		goto out;
	}
	if (expect != NULL && hq_hex_decode(expect, &s->probe_expect,
	    &s->probe_expect_len) != 0) {
		rc = hq_err_set(err, HQ_EINVAL, "%s.expect_hex: expected hex "
		    "digits", sub);
		goto out;
	}
 out:
	free(send);
	free(expect);
	return rc;
}

/* A list of absolute HTTP or RTSP paths (public_paths, protected_paths). */
static int
load_paths(const cJSON *j, const char *path, const char *key, char ***vp,
    size_t *np, struct hq_err *err)
{
	size_t i;
	int rc;

	if ((rc = hq_jv_strv(j, path, key, false, 64, vp, np, err)) != 0)
		return rc;
	for (i = 0; i < *np; i++)
		if ((*vp)[i][0] != '/' || strlen((*vp)[i]) > 1024 ||
		    strpbrk((*vp)[i], " \r\n") != NULL)
			return hq_err_set(err, HQ_EINVAL, "%s.%s[%zu]: expected "
			    "a path starting with '/' without blanks", path,
			    key, i);
	return 0;
}

/* login.prompts (telnet): each a string or an array of strings. */
static int
load_prompts(const cJSON *pr, const char *path, struct hq_err *err)
{
	const cJSON *it, *e;
	int rc;

	if ((rc = hq_jv_keys(pr, path, prompt_keys, err)) != 0)
		return rc;
	cJSON_ArrayForEach(it, pr) {
		if (cJSON_IsString(it) && it->valuestring[0] != '\0' &&
		    strlen(it->valuestring) <= 64)
			continue;
		if (!cJSON_IsArray(it) || cJSON_GetArraySize(it) > 16)
			return hq_err_set(err, HQ_EINVAL, "%s.%s: expected a "
			    "prompt text or an array of at most 16", path,
			    it->string);
		cJSON_ArrayForEach(e, it)
			if (!cJSON_IsString(e) || e->valuestring[0] == '\0' ||
			    strlen(e->valuestring) > 64)
				return hq_err_set(err, HQ_EINVAL, "%s.%s: "
				    "expected texts of 1 to 64 characters",
				    path, it->string);
	}
	return 0;
}

void
hq_dut_free(struct hq_dut *d)
{
	size_t i;

	if (d == NULL)
		return;
	disclosure_clear(&d->disclosure);
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
	cJSON_Delete(d->ai);
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

			struct stat st;

			hq_dut_path(d, f, fpath, sizeof(fpath));
			free(f);
			/* Like the signing key: a secret others can read is
			 * no secret; refuse rather than use it. */
			if (stat(fpath, &st) == 0 &&
			    (st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
				return hq_err_set(err, HQ_EINVAL, "%s.file: %s "
				    "is accessible to group or others (mode "
				    "%04o); chmod 600 it", sub, fpath,
				    (unsigned)(st.st_mode & 07777));
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
	    (rc = hq_jv_int(l, path, "connect_timeout_ms", false, 50, 60000,
	    0, &st, err)) != 0 ||
	    (rc = hq_jv_int(l, path, "auth_timeout_ms", false, 100, 120000,
	    0, &st, err)) != 0 ||
	    (rc = hq_jv_int(l, path, "timeout_ms", false, 100, 120000, 0,
	    &st, err)) != 0 ||
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
	{
		const cJSON *pr, *fl;

		if ((rc = hq_jv_get(l, path, "prompts", cJSON_Object, false,
		    &pr, err)) != 0 ||
		    (rc = hq_jv_get(l, path, "failure", cJSON_Object, false,
		    &fl, err)) != 0)
			goto out;
		hq_jv_path(sub, sizeof(sub), path, "prompts");
		if (pr != NULL && (rc = load_prompts(pr, sub, err)) != 0)
			goto out;
		hq_jv_path(sub, sizeof(sub), path, "failure");
		if (fl != NULL && ((rc = hq_jv_keys(fl, sub, failure_keys,
		    err)) != 0 || (rc = hq_jv_int(fl, sub, "status", true,
		    100, 599, 401, &st, err)) != 0))
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
	/* the discovery protocols are datagrams (SSDP, WS-Discovery 2.4) */
	if (s->transport == NULL && (s->transport = strdup(strcmp(s->proto,
	    "ssdp") == 0 || strcmp(s->proto, "ws-discovery") == 0 ? "udp" :
	    "tcp")) == NULL)
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
	if ((rc = load_paths(j, path, "public_paths", &s->public_paths,
	    &s->npublic, err)) != 0 ||
	    (rc = load_paths(j, path, "protected_paths", &s->protected_paths,
	    &s->nprotected, err)) != 0 ||
	    (rc = hq_jv_get(j, path, "probe", cJSON_Object, false, &login,
	    err)) != 0)
		return rc;
	if (login != NULL && (rc = load_probe(login, path, s, err)) != 0)
		return rc;
	return 0;
}

static int	steps_check(const struct hq_dut *, const cJSON *, const char *,
		    struct hq_step_names *, bool, struct hq_err *);

/*
 * The steps of the alarm, ai and update sections: the one step engine's
 * shape (hq_dut_steps_check), except that "expect" may be left out (the
 * engine then wants a 2xx, hopquy-dut(5)) and a list may be empty.  Each
 * list knows the builtins and its own captures.
 */
static int
load_steps(const struct hq_dut *d, const cJSON *arr, const char *path,
    struct hq_err *err)
{
	struct hq_step_names nm;

	hq_step_names_init(&nm);
	return steps_check(d, arr, path, &nm, true, err);
}

/* A declared command: argv strings, run on the lab host. */
static int
update_command(const cJSON *st, const char *path, const char *const *keys,
    struct hq_err *err)
{
	const cJSON *argv, *it;
	long long n;
	int rc;

	if ((rc = hq_jv_keys(st, path, keys, err)) != 0 ||
	    (rc = hq_jv_get(st, path, "command", cJSON_Array, true, &argv,
	    err)) != 0 ||
	    (rc = hq_jv_int(st, path, "timeout_ms", false, 100, 86400000,
	    10000, &n, err)) != 0)
		return rc;
	if (cJSON_GetArraySize(argv) < 1 || cJSON_GetArraySize(argv) > 64)
		return hq_err_set(err, HQ_EINVAL, "%s.command: expected 1 to "
		    "64 arguments", path);
	cJSON_ArrayForEach(it, argv)
		if (!cJSON_IsString(it))
			return hq_err_set(err, HQ_EINVAL, "%s.command: expected "
			    "strings", path);
	return 0;
}

/*
 * update.trigger: a command, or a request step of the engine (expect
 * required) whose templates may use {url}, the image's URL.
 */
static int
update_trigger(const struct hq_dut *d, const char *base, const cJSON *t,
    struct hq_err *err)
{
	const cJSON *rq = cJSON_GetObjectItemCaseSensitive(t, "request");
	struct hq_step_names nm;
	char p[HQ_JV_PATH_MAX], rp[HQ_JV_PATH_MAX];
	long long n;
	cJSON *wrap;
	int rc;

	hq_jv_path(p, sizeof(p), base, "trigger");
	hq_jv_path(rp, sizeof(rp), p, "request");
	if (rq == NULL)
		return update_command(t, p, update_trigger_keys, err);
	if ((rc = hq_jv_keys(t, p, update_trigger_keys, err)) != 0 ||
	    (rc = hq_jv_int(t, p, "timeout_ms", false, 100,
	    86400000, 300000, &n, err)) != 0)
		return rc;
	if (cJSON_GetObjectItemCaseSensitive(t, "command") != NULL)
		return hq_err_set(err, HQ_EINVAL, "%s: a command or a "
		    "request, not both", p);
	if (!cJSON_IsObject(rq))
		return hq_err_set(err, HQ_EINVAL, "%s: expected a step "
		    "object, got %s", rp, hq_jv_typename(rq));
	hq_step_names_init(&nm);
	snprintf(nm.v[nm.n++], sizeof(nm.v[0]), "url");
	if ((wrap = cJSON_CreateArray()) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	cJSON_AddItemReferenceToArray(wrap, (cJSON *)rq);
	rc = hq_dut_steps_check(d, wrap, rp, &nm, err);
	cJSON_Delete(wrap);
	return rc;
}

/* One step given as an object at path (validated like a recipe's). */
static int
update_step(const struct hq_dut *d, const cJSON *obj, const char *path,
    const char *key, bool required, struct hq_err *err)
{
	const cJSON *st;
	char sub[HQ_JV_PATH_MAX];
	cJSON *wrap;
	int rc;

	if ((rc = hq_jv_get(obj, path, key, cJSON_Object, required, &st,
	    err)) != 0 || st == NULL)
		return rc;
	hq_jv_path(sub, sizeof(sub), path, key);
	if (cJSON_GetObjectItemCaseSensitive(st, "command") != NULL)
		return update_command(st, sub, update_command_keys, err);
	if ((wrap = cJSON_CreateArray()) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	cJSON_AddItemReferenceToArray(wrap, (cJSON *)st);
	rc = load_steps(d, wrap, sub, err);
	cJSON_Delete(wrap);
	return rc;
}

static int
update_match(const cJSON *obj, const char *path, const char *key,
    struct hq_err *err)
{
	const cJSON *m, *st, *it;
	char sub[HQ_JV_PATH_MAX];
	int rc;

	if ((rc = hq_jv_get(obj, path, key, cJSON_Object, false, &m,
	    err)) != 0 || m == NULL)
		return rc;
	hq_jv_path(sub, sizeof(sub), path, key);
	if ((rc = hq_jv_keys(m, sub, update_match_keys, err)) != 0 ||
	    (rc = hq_jv_get(m, sub, "status", cJSON_Array, false, &st,
	    err)) != 0 ||
	    (rc = hq_jv_get(m, sub, "contains", cJSON_String, false, &it,
	    err)) != 0)
		return rc;
	cJSON_ArrayForEach(it, st)
		if (!cJSON_IsNumber(it) || it->valuedouble < 100 ||
		    it->valuedouble > 599)
			return hq_err_set(err, HQ_EINVAL, "%s.status: expected "
			    "HTTP statuses from 100 to 599", sub);
	return 0;
}

static int
update_image(const cJSON *u, const char *base, const char *key,
    bool required, struct hq_err *err)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(u, key);
	const cJSON *x;
	char sub[HQ_JV_PATH_MAX];
	int rc;

	if (it == NULL && !required)
		return 0;
	if (cJSON_IsString(it) && it->valuestring[0] != '\0')
		return 0;
	hq_jv_path(sub, sizeof(sub), base, key);
	if (!cJSON_IsObject(it))
		return hq_err_set(err, HQ_EINVAL, "%s: expected a path or "
		    "{\"file\", \"version\"}", sub);
	if ((rc = hq_jv_keys(it, sub, update_image_keys, err)) != 0 ||
	    (rc = hq_jv_get(it, sub, "file", cJSON_String, true, &x,
	    err)) != 0 ||
	    (rc = hq_jv_get(it, sub, "version", cJSON_String, false, &x,
	    err)) != 0)
		return rc;
	return 0;
}

/* update.tampered: the lab's own tampered images, name -> path. */
static int
update_tampered(const cJSON *u, const char *base, struct hq_err *err)
{
	const cJSON *t, *it;
	int rc, n = 0;

	if ((rc = hq_jv_get(u, base, "tampered", cJSON_Object, false, &t,
	    err)) != 0 || t == NULL)
		return rc;
	cJSON_ArrayForEach(it, t) {
		size_t i;

		if (!cJSON_IsString(it) || it->valuestring[0] == '\0')
			return hq_err_set(err, HQ_EINVAL, "%s.tampered.%.40s: "
			    "expected a path", base, it->string);
		for (i = 0; it->string[i] != '\0'; i++)
			if (!((it->string[i] >= 'a' && it->string[i] <= 'z') ||
			    (it->string[i] >= '0' && it->string[i] <= '9') ||
			    it->string[i] == '-') || i >= 40)
				return hq_err_set(err, HQ_EINVAL, "%s."
				    "tampered: names are [a-z0-9-], 1 to 40",
				    base);
		if (++n > 16)
			return hq_err_set(err, HQ_EINVAL, "%s.tampered: at "
			    "most 16 images", base);
	}
	return 0;
}

/* An update recipe (hopquy-dut(5)) at base ("update", or a model's
 * "ai.model.update"): its shape; the family checks the images
 * themselves. */
static int
update_validate(const struct hq_dut *d, const char *base, const cJSON *u,
    struct hq_err *err)
{
	const cJSON *sub, *out, *h, *v, *x;
	long long n;
	char *fmt = NULL, *tcp = NULL;
	char P_pull[HQ_JV_PATH_MAX], P_submit[HQ_JV_PATH_MAX];
	char P_out[HQ_JV_PATH_MAX], P_health[HQ_JV_PATH_MAX];
	char P_stream[HQ_JV_PATH_MAX];
	int rc;

	if (u == NULL)
		return 0;
	hq_jv_path(P_pull, sizeof(P_pull), base, "pull");
	hq_jv_path(P_submit, sizeof(P_submit), base, "submit");
	hq_jv_path(P_out, sizeof(P_out), base, "outcome");
	hq_jv_path(P_health, sizeof(P_health), base, "health");
	hq_jv_path(P_stream, sizeof(P_stream), P_out, "status_stream");
	if ((rc = hq_jv_get(u, base, "pull", cJSON_Object, false, &x,
	    err)) != 0)
		goto out;
	if (x != NULL) {
		const cJSON *t;

		if ((rc = hq_jv_keys(x, P_pull, update_pull_keys,
		    err)) != 0 ||
		    (rc = hq_jv_get(x, P_pull, "listen", cJSON_String,
		    true, &t, err)) != 0 ||
		    (rc = hq_jv_int(x, P_pull, "port", false, 1, 65535,
		    8000, &n, err)) != 0 ||
		    (rc = hq_jv_get(u, base, "trigger", cJSON_Object,
		    true, &t, err)) != 0 ||
		    (rc = update_trigger(d, base, t, err)) != 0)
			goto out;
	}
	if ((rc = hq_jv_get(u, base, "submit", cJSON_Object, x == NULL,
	    &sub, err)) != 0)
		goto out;
	if (sub != NULL && (
	    (rc = hq_jv_keys(sub, P_submit, update_submit_keys,
	    err)) != 0 ||
	    (rc = update_step(d, sub, P_submit, "request", true,
	    err)) != 0 ||
	    (rc = hq_jv_get(sub, P_submit, "form_field", cJSON_String,
	    false, &x, err)) != 0 ||
	    (rc = hq_jv_get(sub, P_submit, "content_type",
	    cJSON_String, false, &x, err)) != 0 ||
	    (rc = hq_jv_int(sub, P_submit, "timeout_ms", false, 1000,
	    86400000, 300000, &n, err)) != 0))
		goto out;
	if ((rc = hq_jv_get(u, base, "outcome", cJSON_Object, true, &out,
	    err)) != 0 ||
	    (rc = hq_jv_keys(out, P_out, update_outcome_keys,
	    err)) != 0 ||
	    (rc = update_match(out, P_out, "accepted", err)) != 0 ||
	    (rc = update_match(out, P_out, "rejected", err)) != 0 ||
	    (rc = update_step(d, out, P_out, "version", true,
	    err)) != 0 ||
	    (rc = hq_jv_int(out, P_out, "settle_ms", false, 0,
	    3600000, 0, &n, err)) != 0 ||
	    (rc = hq_jv_get(u, base, "health", cJSON_Object, true, &h,
	    err)) != 0 ||
	    (rc = hq_jv_keys(h, P_health, update_health_keys,
	    err)) != 0 ||
	    (rc = update_step(d, h, P_health, "request", false,
	    err)) != 0 ||
	    (rc = hq_jv_str(h, P_health, "tcp", false, ID_MAX, &tcp,
	    err)) != 0 ||
	    (rc = hq_jv_int(h, P_health, "recover_ms", false, 0,
	    3600000, 30000, &n, err)) != 0 ||
	    (rc = update_tampered(u, base, err)) != 0 ||
	    (rc = update_image(u, base, "genuine", true, err)) != 0 ||
	    (rc = update_image(u, base, "older", false, err)) != 0 ||
	    (rc = hq_jv_enum(u, base, "format", false, update_formats,
	    &fmt, err)) != 0)
		goto out;
	if ((rc = hq_jv_get(out, P_out, "status_stream",
	    cJSON_Object, false, &x, err)) != 0)
		goto out;
	if (x != NULL) {
		const char *p = P_stream;
		const cJSON *sf;

		if ((rc = hq_jv_keys(x, p, update_stream_keys, err)) != 0 ||
		    (rc = hq_jv_get(x, p, "surface", cJSON_String, true, &sf,
		    err)) != 0 ||
		    (rc = hq_jv_get(x, p, "success", cJSON_Array, false, &v,
		    err)) != 0 ||
		    (rc = hq_jv_get(x, p, "failure", cJSON_Array, false, &v,
		    err)) != 0 ||
		    (rc = hq_jv_int(x, p, "timeout_ms", false, 100, 3600000,
		    60000, &n, err)) != 0)
			goto out;
		if (!surface_known(d, sf->valuestring)) {
			rc = hq_err_set(err, HQ_EINVAL, "%s.surface: \"%.64s\" "
			    "is not a declared surface id", p,
			    sf->valuestring);
			goto out;
		}
	}
	v = cJSON_GetObjectItemCaseSensitive(out, "version");
	if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(v, "capture"), "version"))) {
		rc = hq_err_set(err, HQ_EINVAL, "%s.version.capture.version: "
		    "expected a JSON pointer to the running version", P_out);
		goto out;
	}
	if (tcp != NULL && !surface_known(d, tcp)) {
		rc = hq_err_set(err, HQ_EINVAL, "%s.tcp: \"%.64s\" is not a "
		    "declared surface id", P_health, tcp);
		goto out;
	}
	if (tcp == NULL && cJSON_GetObjectItemCaseSensitive(h, "request") ==
	    NULL)
		rc = hq_err_set(err, HQ_EINVAL, "%s: a request step or a tcp "
		    "surface is needed", P_health);
 out:
	free(fmt);
	free(tcp);
	return rc;
}

/* ai.model: the declared hash, how to read it back, and how a model is
 * submitted (an update recipe of its own, validated as "update" is). */
static int
ai_model_validate(const struct hq_dut *d, struct hq_err *err)
{
	static const char *const model_keys[] = {
		"sha256", "read", "update", NULL
	};
	const cJSON *m, *u;
	int rc;

	if ((rc = hq_jv_get(d->ai, "ai", "model", cJSON_Object, false, &m,
	    err)) != 0 || m == NULL ||
	    (rc = hq_jv_keys(m, "ai.model", model_keys, err)) != 0 ||
	    (rc = hq_jv_get(m, "ai.model", "update", cJSON_Object, false, &u,
	    err)) != 0 || u == NULL)
		return rc;
	if ((rc = hq_jv_keys(u, "ai.model.update", update_keys, err)) != 0)
		return rc;
	return update_validate(d, "ai.model.update", u, err);
}

/*
 * ai.decision: where the device's decision per trial is read (the
 * aisafety family, hopquy-dut(5)): "detection" (ai.detection, the
 * default), "events" (alarm.events, stamped), "alarm" (alarm.light) or
 * "mqtt" (a topic on the device's or the lab's broker).
 */
static int
ai_decision_validate(const struct hq_dut *d, struct hq_err *err)
{
	static const char *const keys[] = {
		"source", "window_ms", "events", "alarm", "mqtt", NULL
	};
	static const char *const sources[] = {
		"detection", "events", "alarm", "mqtt", NULL
	};
	static const char *const ev_keys[] = { "kinds", NULL };
	static const char *const al_keys[] = {
		"evidence", "min_level_db", NULL
	};
	static const char *const evidences[] = {
		"light", "audio", "any", NULL
	};
	static const char *const mq_keys[] = {
		"surface", "broker", "topic", "match", "time", "clock", "login",
		NULL
	};
	static const char *const logins[] = { "none", "operator", NULL };
	static const char *const mclocks[] = { "unix-ms", "mono-ms", NULL };
	const char *P = "ai.decision";
	const cJSON *dc, *sec, *x, *it;
	char *src = NULL, *s = NULL, **kinds = NULL;
	size_t nk = 0;
	long long n;
	double db;
	int rc;

	if ((rc = hq_jv_get(d->ai, "ai", "decision", cJSON_Object, false,
	    &dc, err)) != 0 || dc == NULL)
		return rc;
	if ((rc = hq_jv_keys(dc, P, keys, err)) != 0 ||
	    (rc = hq_jv_enum(dc, P, "source", true, sources, &src,
	    err)) != 0 ||
	    (rc = hq_jv_int(dc, P, "window_ms", false, 50, 600000, 3000, &n,
	    err)) != 0)
		goto out;
	if ((rc = hq_jv_get(dc, P, "events", cJSON_Object, false, &sec,
	    err)) != 0 ||
	    (sec != NULL && ((rc = hq_jv_keys(sec, "ai.decision.events",
	    ev_keys, err)) != 0 || (rc = hq_jv_strv(sec,
	    "ai.decision.events", "kinds", false, 32, &kinds, &nk,
	    err)) != 0)))
		goto out;
	if (strcmp(src, "events") == 0) {
		const cJSON *ev = cJSON_GetObjectItemCaseSensitive(d->alarm,
		    "events");

		x = cJSON_GetObjectItemCaseSensitive(ev, "clock");
		if (!cJSON_IsObject(ev) || !cJSON_IsObject(
		    cJSON_GetObjectItemCaseSensitive(ev, "request"))) {
			rc = hq_err_set(err, HQ_EINVAL, "%s.source \"events\": "
			    "the DUT file declares no event recipe "
			    "(alarm.events with a request)", P);
			goto out;
		}
		if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(ev,
		    "time")) || !cJSON_IsString(x) ||
		    strcmp(x->valuestring, "arrival") == 0) {
			rc = hq_err_set(err, HQ_EINVAL, "%s.source \"events\": "
			    "alarm.events needs \"time\" and a \"clock\" of "
			    "unix-ms or mono-ms (an event's own time places it "
			    "in a trial's window; the arrival clock cannot)", P);
			goto out;
		}
		if (nk > 0 && !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(
		    ev, "kind"))) {
			rc = hq_err_set(err, HQ_EINVAL, "ai.decision.events."
			    "kinds: alarm.events declares no \"kind\" to "
			    "compare them with");
			goto out;
		}
	}
	if ((rc = hq_jv_get(dc, P, "alarm", cJSON_Object, false, &sec,
	    err)) != 0 ||
	    (sec != NULL && ((rc = hq_jv_keys(sec, "ai.decision.alarm",
	    al_keys, err)) != 0 || (rc = hq_jv_enum(sec, "ai.decision.alarm",
	    "evidence", false, evidences, &s, err)) != 0)))
		goto out;
	if (sec != NULL && (rc = hq_jv_num(sec, "ai.decision.alarm",
	    "min_level_db", false, 0, 200, 60, &db, err)) != 0)
		goto out;
	if (strcmp(src, "alarm") == 0) {
		bool li = cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(
		    d->alarm, "light"));
		bool au = cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(
		    d->alarm, "audio"));

		if ((s == NULL || strcmp(s, "any") == 0) ? !li && !au :
		    strcmp(s, "light") == 0 ? !li : !au) {
			rc = hq_err_set(err, HQ_EINVAL, "%s.source \"alarm\": "
			    "the DUT file declares no alarm %s evidence (%s)",
			    P, s == NULL || strcmp(s, "any") == 0 ? "light or "
			    "audio" : s, s == NULL || strcmp(s, "any") == 0 ?
			    "alarm.light, alarm.audio" : strcmp(s, "light") ==
			    0 ? "alarm.light" : "alarm.audio");
			goto out;
		}
	}
	if ((rc = hq_jv_get(dc, P, "mqtt", cJSON_Object, false, &sec,
	    err)) != 0)
		goto out;
	if (sec == NULL && strcmp(src, "mqtt") == 0) {
		rc = hq_err_set(err, HQ_EINVAL, "ai.decision.mqtt: required "
		    "with source \"mqtt\" (topic, match, surface or broker)");
		goto out;
	}
	if (sec != NULL) {
		const char *M = "ai.decision.mqtt";
		const cJSON *sf, *bk, *m;

		free(s);
		s = NULL;
		if ((rc = hq_jv_keys(sec, M, mq_keys, err)) != 0 ||
		    (rc = hq_jv_str(sec, M, "topic", true, 256, &s,
		    err)) != 0 ||
		    (rc = hq_jv_get(sec, M, "match", cJSON_Object, true, &m,
		    err)) != 0 ||
		    (rc = hq_jv_get(sec, M, "surface", cJSON_String, false,
		    &sf, err)) != 0 ||
		    (rc = hq_jv_get(sec, M, "broker", cJSON_String, false,
		    &bk, err)) != 0 ||
		    (rc = hq_jv_get(sec, M, "time", cJSON_String, false, &x,
		    err)) != 0)
			goto out;
		free(s);
		s = NULL;
		if ((rc = hq_jv_enum(sec, M, "clock", x != NULL, mclocks, &s,
		    err)) != 0)
			goto out;
		free(s);
		s = NULL;
		if ((rc = hq_jv_enum(sec, M, "login", false, logins, &s,
		    err)) != 0)
			goto out;
		if (s != NULL && strcmp(s, "operator") == 0 &&
		    (d->op_user == NULL || d->op_password == NULL)) {
			rc = hq_err_set(err, HQ_EINVAL, "%s.login: \"operator\" "
			    "needs credentials.operator (user and password)",
			    M);
			goto out;
		}
		if ((sf == NULL) == (bk == NULL)) {
			rc = hq_err_set(err, HQ_EINVAL, "%s: a surface (the "
			    "device's broker) or a broker (\"HOST:PORT\", the "
			    "lab's), exactly one", M);
			goto out;
		}
		if (sf != NULL) {
			const struct hq_surface *su = hq_dut_surface(d,
			    sf->valuestring);

			if (su == NULL || strcmp(su->proto, "mqtt") != 0 ||
			    su->tls) {
				rc = hq_err_set(err, HQ_EINVAL, "%s.surface: "
				    "\"%s\" is not a declared plain mqtt "
				    "surface", M, sf->valuestring);
				goto out;
			}
		}
		if (bk != NULL) {
			const char *c = strrchr(bk->valuestring, ':');
			uint64_t port;

			if (c == NULL || c == bk->valuestring ||
			    hq_parse_u64(c + 1, strlen(c + 1), 65535,
			    &port) != 0 || port == 0) {
				rc = hq_err_set(err, HQ_EINVAL, "%s.broker: "
				    "expected \"HOST:PORT\"", M);
				goto out;
			}
		}
		if (cJSON_GetArraySize(m) == 0) {
			rc = hq_err_set(err, HQ_EINVAL, "%s.match: at least one "
			    "{\"/pointer\": value}", M);
			goto out;
		}
		cJSON_ArrayForEach(it, m)
			if (it->string[0] != '/' || !(cJSON_IsString(it) ||
			    cJSON_IsNumber(it) || cJSON_IsBool(it))) {
				rc = hq_err_set(err, HQ_EINVAL, "%s.match: "
				    "expected {\"/pointer\": string, number or "
				    "boolean}", M);
				goto out;
			}
	}
 out:
	free(src);
	free(s);
	hq_strv_free(kinds, nk);
	return rc;
}

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
		    cJSON_GetObjectItemCaseSensitive(it, "method") != NULL &&
		    cJSON_GetObjectItemCaseSensitive(it, "driver") == NULL) {
			/* a step; a stimulus driver ("http" has a method
			 * too) is checked by signal/stimulus.h */
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
	{
		struct sockaddr_storage ss;
		socklen_t sl;
		struct hq_err ae = { 0 };
		size_t i;

		/* A numeric address, strictly: 198.18.0.300 is a typo. */
		if (hq_addr_parse(d->address, 1, &ss, &sl, &ae) != 0)
			return hq_err_set(err, HQ_EINVAL, "bench.address: "
			    "\"%.64s\" is not a numeric IPv4 or IPv6 address",
			    d->address);
		for (i = 0; i < d->ncloud; i++)
			if (strspn(d->cloud[i], "0123456789.") ==
			    strlen(d->cloud[i]) && hq_addr_parse(d->cloud[i],
			    1, &ss, &sl, &ae) != 0)
				return hq_err_set(err, HQ_EINVAL,
				    "bench.cloud[%zu]: \"%.64s\" is not an "
				    "IPv4 address", i, d->cloud[i]);
	}
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

static const char *const disclosure_keys[] = { "security_txt",
	"update_info", "ca", NULL };

/* A URL as declared: http:// or https://, printable, no spaces. */
static int
disclosure_url(const cJSON *o, const char *key, char **outp,
    struct hq_err *err)
{
	char sub[HQ_JV_PATH_MAX];
	size_t i;
	int rc;

	if ((rc = hq_jv_str(o, "disclosure", key, false, 2048, outp,
	    err)) != 0 || *outp == NULL)
		return rc;
	hq_jv_path(sub, sizeof(sub), "disclosure", key);
	if (strncmp(*outp, "https://", 8) != 0 &&
	    strncmp(*outp, "http://", 7) != 0)
		return hq_err_set(err, HQ_EINVAL, "%s: expected an http:// or "
		    "https:// URL, got \"%.64s\"", sub, *outp);
	for (i = 0; (*outp)[i] != '\0'; i++)
		if ((unsigned char)(*outp)[i] <= ' ' ||
		    (unsigned char)(*outp)[i] >= 0x7f)
			return hq_err_set(err, HQ_EINVAL, "%s: a URL without "
			    "spaces or control characters, got a byte 0x%02x",
			    sub, (unsigned char)(*outp)[i]);
	return 0;
}

/* Section "disclosure" (optional): the manufacturer's published URLs. */
static int
load_disclosure(const cJSON *root, struct hq_dut *d, struct hq_err *err)
{
	const cJSON *o;
	char *ca = NULL, path[4096];
	int rc;

	if ((rc = hq_jv_get(root, "", "disclosure", cJSON_Object, false, &o,
	    err)) != 0 || o == NULL)
		return rc;
	if ((rc = hq_jv_keys(o, "disclosure", disclosure_keys, err)) != 0 ||
	    (rc = disclosure_url(o, "security_txt",
	    &d->disclosure.security_txt, err)) != 0 ||
	    (rc = disclosure_url(o, "update_info",
	    &d->disclosure.update_info, err)) != 0 ||
	    (rc = hq_jv_str(o, "disclosure", "ca", false, 1024, &ca,
	    err)) != 0)
		return rc;
	if (ca != NULL) {
		hq_dut_path(d, ca, path, sizeof(path));
		free(ca);
		if (access(path, R_OK) != 0)
			return hq_err_set(err, HQ_EINVAL, "disclosure.ca: "
			    "%.300s: cannot read it", path);
		if ((d->disclosure.ca = strdup(path)) == NULL)
			return hq_err_set(err, HQ_ENOMEM, "no memory");
	}
	return 0;
}

static void
disclosure_clear(struct hq_disclosure *x)
{
	free(x->security_txt);
	free(x->update_info);
	free(x->ca);
}
static int load_data(struct hq_dut *d, const cJSON *root,
    struct hq_err *err);
static int load_power(struct hq_dut *d, const cJSON *root,
    struct hq_err *err);

/* alarm.events.request: one step of the engine (the list is checked by
 * load_recipe). */
static int
alarm_events_check(const struct hq_dut *d, struct hq_err *err)
{
	const cJSON *ev = cJSON_GetObjectItemCaseSensitive(d->alarm, "events");
	const cJSON *rq = cJSON_GetObjectItemCaseSensitive(ev, "request");
	cJSON *wrap;
	int rc;

	if (rq == NULL)
		return 0;
	if ((wrap = cJSON_CreateArray()) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	cJSON_AddItemReferenceToArray(wrap, (cJSON *)rq);
	rc = load_steps(d, wrap, "alarm.events.request", err);
	cJSON_Delete(wrap);
	return rc;
}

static int
dut_from_json(const cJSON *root, struct hq_dut *d, struct hq_err *err)
{
	const cJSON *surfs, *s;
	char sub[HQ_JV_PATH_MAX], *fmt = NULL;
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
	    (rc = update_validate(d, "update", d->update, err)) != 0 ||
	    (rc = load_data(d, root, err)) != 0 ||
	    (rc = load_power(d, root, err)) != 0 ||
	    (rc = load_recipe(d, root, "alarm", alarm_keys, &d->alarm,
	    err)) != 0 ||
	    (rc = alarm_events_check(d, err)) != 0 ||
	    (rc = load_recipe(d, root, "ai", ai_keys, &d->ai, err)) != 0 ||
	    (rc = ai_model_validate(d, err)) != 0 ||
	    (rc = ai_decision_validate(d, err)) != 0 ||
	    (rc = load_recipe(d, root, "monitor", monitor_keys, &d->monitor,
	    err)) != 0)
		goto out;
	if ((rc = load_disclosure(root, d, err)) != 0)
		goto out;
	rc = load_claims(root, d, err);
 out:
	free(fmt);
	return rc;
}

/* The directory of a file source exists (the file may come later). */
static void
alarm_file_warn(const struct hq_dut *d, const char *field, const char *rel)
{
	char p[PATH_MAX], *slash;
	struct stat st;

	hq_dut_path(d, rel, p, sizeof(p));
	if ((slash = strrchr(p, '/')) != NULL && slash != p)
		*slash = '\0';
	else
		return;
	if (stat(p, &st) != 0 || !S_ISDIR(st.st_mode))
		hq_warn("%s: %s: %s: no such directory here", d->path, field,
		    p);
}

/*
 * The alarm instruments that can be checked on this host: an ALSA hw
 * device (/dev/snd/pcmC<card>D<dev>c), a serial light sensor (a
 * character device), the directory of a file source.  Warnings only: the
 * description may be checked on another host than the bench's.
 */
static void
alarm_sources_warn(const struct hq_dut *d)
{
	const cJSON *au, *li, *src;
	char dev[PATH_MAX];
	struct stat st;
	const char *s, *c;
	uint64_t card, pcm;

	au = cJSON_GetObjectItemCaseSensitive(d->alarm, "audio");
	src = cJSON_GetObjectItemCaseSensitive(au, "source");
	if (cJSON_IsString(src)) {
		s = src->valuestring;
		if (strncmp(s, "file:", 5) == 0)
			alarm_file_warn(d, "alarm.audio.source", s + 5);
		else if (strncmp(s, "alsa:", 5) == 0 &&
		    (strncmp(s + 5, "hw:", 3) == 0 ||
		    strncmp(s + 5, "plughw:", 7) == 0)) {
			s = strchr(s + 5, ':') + 1;
			c = strchr(s, ',');
			if (hq_parse_u64(s, c != NULL ? (size_t)(c - s) :
			    strlen(s), 255, &card) == 0 && (c == NULL ||
			    hq_parse_u64(c + 1, strlen(c + 1), 255,
			    &pcm) == 0)) {
				if (c == NULL)
					pcm = 0;
				snprintf(dev, sizeof(dev),
				    "/dev/snd/pcmC%lluD%lluc",
				    (unsigned long long)card,
				    (unsigned long long)pcm);
				if (stat(dev, &st) != 0)
					hq_warn("%s: alarm.audio.source %s: "
					    "no capture device %s on this "
					    "host", d->path, src->valuestring,
					    dev);
			}
		}
	}
	li = cJSON_GetObjectItemCaseSensitive(d->alarm, "light");
	src = cJSON_GetObjectItemCaseSensitive(li, "source");
	if (!cJSON_IsString(src))
		return;
	s = src->valuestring;
	if (strncmp(s, "file:", 5) == 0)
		alarm_file_warn(d, "alarm.light.source", s + 5);
	else if (strncmp(s, "serial:", 7) == 0) {
		c = strchr(s + 7, ':');
		snprintf(dev, sizeof(dev), "%.*s", c != NULL ?
		    (int)(c - s - 7) : (int)strlen(s + 7), s + 7);
		if (stat(dev, &st) != 0)
			hq_warn("%s: alarm.light.source: %s does not exist on "
			    "this host", d->path, dev);
		else if (!S_ISCHR(st.st_mode))
			hq_warn("%s: alarm.light.source: %s is not a "
			    "character device (a serial port)", d->path, dev);
	}
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
	if (dut->alarm != NULL)
		alarm_sources_warn(dut);
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

int
hq_dut_check_bench_address(const struct hq_dut *d, int instance,
    struct hq_err *err)
{
	char want[32];
	unsigned n = instance >= 0 ? (unsigned)instance : d->bench_instance;

	if (strcmp(d->bench_mode, "namespaces") != 0)
		return 0;
	snprintf(want, sizeof(want), "198.18.%u.2", n);
	if (strcmp(d->address, want) != 0)
		return hq_err_set(err, HQ_EINVAL, "%s: bench.address: %.64s is "
		    "not the DUT address of bench %u in namespaces mode (%s); "
		    "the run would test %s while the report names %.64s",
		    d->path, d->address, n, want, want, d->address);
	return 0;
}

/* The source string of alarm.<key>, or NULL. */
static const char *
alarm_source(const struct hq_dut *d, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(d->alarm, key), "source"));
}

static void
warn_alsa(const char *src, cJSON *w)
{
	const char *dev = src + 5, *c;
	char path[160], msg[320];
	struct stat st;

	/* hw:N,D / plughw:N,D: card N; hw:CARD=name,...: card "name". */
	if (strncmp(dev, "hw:", 3) == 0)
		dev += 3;
	else if (strncmp(dev, "plughw:", 7) == 0)
		dev += 7;
	else
		return;		/* "default", a PCM of asoundrc: not cheap */
	if (strncmp(dev, "CARD=", 5) == 0) {
		dev += 5;
		size_t n;

		c = strchr(dev, ',');
		n = c != NULL ? (size_t)(c - dev) : strlen(dev);
		if (n == 0 || n > 64 || memchr(dev, '/', n) != NULL)
			return;
		snprintf(path, sizeof(path), "/proc/asound/%.*s", (int)n,
		    dev);
	} else {
		size_t n = strspn(dev, "0123456789");

		if (n == 0 || n > 3)
			return;
		snprintf(path, sizeof(path), "/proc/asound/card%.*s", (int)n,
		    dev);
	}
	if (stat(path, &st) != 0) {
		snprintf(msg, sizeof(msg), "alarm.audio.source: %.64s: no such "
		    "ALSA card on this host (%s missing)", src, path);
		cJSON_AddItemToArray(w, cJSON_CreateString(msg));
	}
}

static void
warn_serial(const char *src, cJSON *w)
{
	const char *dev = src + 7, *c = strchr(dev, ':');
	char path[256], msg[400];
	size_t n = c != NULL ? (size_t)(c - dev) : strlen(dev);
	struct stat st;

	if (n == 0 || n >= sizeof(path))
		return;
	snprintf(path, sizeof(path), "%.*s", (int)n, dev);
	if (stat(path, &st) != 0)
		snprintf(msg, sizeof(msg), "alarm.light.source: %.64s: %s does "
		    "not exist", src, path);
	else if (!S_ISCHR(st.st_mode))
		snprintf(msg, sizeof(msg), "alarm.light.source: %.64s: %s is "
		    "not a character device", src, path);
	else
		return;
	cJSON_AddItemToArray(w, cJSON_CreateString(msg));
}

cJSON *
hq_dut_instrument_warnings(const struct hq_dut *d)
{
	cJSON *w = cJSON_CreateArray();
	const char *s;

	if (w == NULL)
		return NULL;
	if ((s = alarm_source(d, "audio")) != NULL &&
	    strncmp(s, "alsa:", 5) == 0)
		warn_alsa(s, w);
	if ((s = alarm_source(d, "light")) != NULL &&
	    strncmp(s, "serial:", 7) == 0)
		warn_serial(s, w);
	return w;
}

/* ---- recipe steps: the data and power sections ---- */

const char *const hq_step_builtins[] = { "run", "secret", "op_user", NULL };

static const char *const rstep_keys[] = {
	"surface", "method", "path", "body", "headers", "auth", "expect",
	"capture", "contains", "absent", "note", NULL
};
static const char *const rstep_auths[] = {
	"operator", "none", "token", "basic", "digest", NULL
};
static const char *const rstep_auth_keys[] = {
	"user", "password", "scheme", "bearer", NULL
};
static const char *const rstep_schemes[] = {
	"basic", "digest", "any", NULL
};
static const char *const data2_keys[] = {
	"kinds", "login", "delete", "delete_all", "factory_reset", "notified",
	"cloud_api", "note", NULL
};
static const char *const kind_keys[] = {
	"create", "present", "absent", "note", NULL
};
static const char *const dlogin_keys[] = {
	"user", "password", "surfaces", NULL
};
static const char *const cloud_api_keys[] = {
	"url", "user", "password", "verify", NULL
};
static const char *const power2_keys[] = {
	"driver", "argv", "off", "on", "off_ms", "pidfile", "signal",
	"prompt", "deadline_s", "setting", "cloud", "during", "backlog",
	"note", NULL
};
static const char *const power2_drivers[] = {
	"command", "http", "sim", "manual", NULL
};
static const char *const setting_keys[] = { "write", "read", NULL };
static const char *const power_signals[] = { "HUP", "USR1", "USR2", NULL };

static bool
kind_name_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '-' ||
		    (s[i] >= '0' && s[i] <= '9')))
			return false;
	return i >= 1 && i <= 32;
}

void
hq_step_names_init(struct hq_step_names *nm)
{
	size_t i;

	memset(nm, 0, sizeof(*nm));
	for (i = 0; hq_step_builtins[i] != NULL; i++)
		snprintf(nm->v[nm->n++], sizeof(nm->v[0]), "%s",
		    hq_step_builtins[i]);
}

bool
hq_step_names_has(const struct hq_step_names *nm, const char *name,
    size_t len)
{
	size_t i;

	for (i = 0; i < nm->n; i++)
		if (strlen(nm->v[i]) == len && memcmp(nm->v[i], name, len) == 0)
			return true;
	return false;
}

static bool
step_name_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > HQ_STEP_NAME_MAX ||
	    !((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
		return false;
	for (i = 1; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_' ||
		    (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

int
hq_dut_template_check(const char *s, const char *path,
    const struct hq_step_names *nm, struct hq_err *err)
{
	const char *p = s, *e;

	while ((p = strchr(p, '{')) != NULL) {
		if (p[1] == '{') {		/* "{{": a literal brace */
			p += 2;
			continue;
		}
		if ((e = strchr(p + 1, '}')) == NULL)
			return hq_err_set(err, HQ_EINVAL, "%s: unclosed \"{\" "
			    "in \"%.64s\"", path, s);
		if (!step_name_ok(p + 1, (size_t)(e - p - 1)))
			return hq_err_set(err, HQ_EINVAL, "%s: \"{%.*s}\" is "
			    "not a placeholder name ([a-z_][a-z0-9_]*, up to "
			    "%d bytes)", path, (int)(e - p - 1 > 40 ? 40 :
			    e - p - 1), p + 1, HQ_STEP_NAME_MAX);
		if (!hq_step_names_has(nm, p + 1, (size_t)(e - p - 1)))
			return hq_err_set(err, HQ_EINVAL, "%s: unknown "
			    "placeholder {%.*s} (neither a builtin nor captured "
			    "by an earlier step)", path, (int)(e - p - 1), p + 1);
		p = e + 1;
	}
	return 0;
}

/* Every string inside a body (object, array or string) is a template. */
static int
body_check(const cJSON *b, const char *path, const struct hq_step_names *nm,
    int depth, struct hq_err *err)
{
	const cJSON *it;
	char sub[HQ_JV_PATH_MAX];
	size_t i = 0;
	int rc;

	if (depth > 8)
		return hq_err_set(err, HQ_EINVAL, "%s: nested too deep", path);
	if (cJSON_IsString(b))
		return hq_dut_template_check(b->valuestring, path, nm, err);
	if (cJSON_IsObject(b)) {
		cJSON_ArrayForEach(it, b) {
			hq_jv_path(sub, sizeof(sub), path, it->string);
			if ((rc = body_check(it, sub, nm, depth + 1,
			    err)) != 0)
				return rc;
		}
	} else if (cJSON_IsArray(b)) {
		cJSON_ArrayForEach(it, b) {
			hq_jv_index(sub, sizeof(sub), path, i++);
			if ((rc = body_check(it, sub, nm, depth + 1,
			    err)) != 0)
				return rc;
		}
	}
	return 0;
}

/* RFC 6901: "" or "/"-separated tokens, "~" only as "~0" or "~1". */
static bool
json_pointer_ok(const char *p)
{
	if (p[0] == '\0')
		return true;
	if (p[0] != '/')
		return false;
	for (; *p != '\0'; p++)
		if (*p == '~' && p[1] != '0' && p[1] != '1')
			return false;
	return true;
}

static bool
status_ok(const cJSON *v)
{
	return cJSON_IsNumber(v) && v->valuedouble >= 100 &&
	    v->valuedouble <= 599 && v->valuedouble == (double)v->valueint;
}

static int
step_expect_check(const cJSON *st, const char *sub, struct hq_err *err)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(st, "expect"), *v;
	char path[HQ_JV_PATH_MAX];
	int n;

	hq_jv_path(path, sizeof(path), sub, "expect");
	if (x == NULL || cJSON_IsNull(x))
		return hq_err_set(err, HQ_EINVAL, "%s: required (the HTTP "
		    "status, or statuses, that prove the step worked)", path);
	if (status_ok(x))
		return 0;
	if (!cJSON_IsArray(x))
		return hq_err_set(err, HQ_EINVAL, "%s: expected an HTTP status "
		    "from 100 to 599 or an array of them, got %s", path,
		    hq_jv_typename(x));
	n = cJSON_GetArraySize(x);
	if (n < 1 || n > 8)
		return hq_err_set(err, HQ_EINVAL, "%s: expected 1 to 8 "
		    "statuses, got %d", path, n);
	cJSON_ArrayForEach(v, x)
		if (!status_ok(v))
			return hq_err_set(err, HQ_EINVAL, "%s: expected HTTP "
			    "statuses from 100 to 599", path);
	return 0;
}

static int
step_auth_check(const struct hq_dut *d, const cJSON *st, const char *sub,
    bool cloud, const struct hq_step_names *nm, struct hq_err *err)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(st, "auth");
	char path[HQ_JV_PATH_MAX], sp[HQ_JV_PATH_MAX], *u = NULL, *pw = NULL,
	    *sc = NULL, *br = NULL, *s = NULL;
	int rc;

	hq_jv_path(path, sizeof(path), sub, "auth");
	if (a == NULL)
		return 0;
	if (cJSON_IsString(a)) {
		if ((rc = hq_jv_enum(st, sub, "auth", false, rstep_auths, &s,
		    err)) != 0)
			return rc;
		rc = 0;
		if (strcmp(s, "token") == 0 &&
		    !hq_step_names_has(nm, "token", 5))
			rc = hq_err_set(err, HQ_EINVAL, "%s: \"token\" needs "
			    "{token} captured by an earlier step", path);
		else if (!cloud && strcmp(s, "none") != 0 &&
		    strcmp(s, "token") != 0 && d->op_password == NULL)
			rc = hq_err_set(err, HQ_EINVAL, "%s: \"%s\" needs "
			    "credentials.operator", path, s);
		free(s);
		return rc;
	}
	if (!cJSON_IsObject(a))
		return hq_err_set(err, HQ_EINVAL, "%s: expected \"operator\", "
		    "\"none\", \"token\", \"basic\", \"digest\" or an object, "
		    "got %s", path, hq_jv_typename(a));
	if ((rc = hq_jv_keys(a, path, rstep_auth_keys, err)) != 0 ||
	    (rc = hq_jv_str(a, path, "user", false, 256, &u, err)) != 0 ||
	    (rc = hq_jv_str(a, path, "password", false, 1024, &pw,
	    err)) != 0 ||
	    (rc = hq_jv_enum(a, path, "scheme", false, rstep_schemes, &sc,
	    err)) != 0 ||
	    (rc = hq_jv_str(a, path, "bearer", false, 4096, &br, err)) != 0)
		goto out;
	if (br != NULL && (u != NULL || pw != NULL || sc != NULL)) {
		rc = hq_err_set(err, HQ_EINVAL, "%s: \"bearer\" goes alone",
		    path);
		goto out;
	}
	if (br == NULL && (u == NULL || pw == NULL)) {
		rc = hq_err_set(err, HQ_EINVAL, "%s: expected \"user\" and "
		    "\"password\", or \"bearer\"", path);
		goto out;
	}
	if (br != NULL) {
		hq_jv_path(sp, sizeof(sp), path, "bearer");
		rc = hq_dut_template_check(br, sp, nm, err);
	} else {
		hq_jv_path(sp, sizeof(sp), path, "user");
		if ((rc = hq_dut_template_check(u, sp, nm, err)) == 0) {
			hq_jv_path(sp, sizeof(sp), path, "password");
			rc = hq_dut_template_check(pw, sp, nm, err);
		}
	}
 out:
	free(u);
	if (pw != NULL)
		hq_secret_free(pw);
	free(sc);
	free(br);
	return rc;
}

static int
step_capture_check(const cJSON *st, const char *sub,
    struct hq_step_names *nm, struct hq_err *err)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(st, "capture"), *it;
	char path[HQ_JV_PATH_MAX], sp[HQ_JV_PATH_MAX];
	size_t i, len;

	hq_jv_path(path, sizeof(path), sub, "capture");
	if (c == NULL)
		return 0;
	if (!cJSON_IsObject(c))
		return hq_err_set(err, HQ_EINVAL, "%s: expected an object of "
		    "name: JSON pointer, got %s", path, hq_jv_typename(c));
	cJSON_ArrayForEach(it, c) {
		hq_jv_path(sp, sizeof(sp), path, it->string);
		len = strlen(it->string);
		if (!step_name_ok(it->string, len))
			return hq_err_set(err, HQ_EINVAL, "%s: not a "
			    "placeholder name ([a-z_][a-z0-9_]*, up to %d "
			    "bytes)", sp, HQ_STEP_NAME_MAX);
		for (i = 0; hq_step_builtins[i] != NULL; i++)
			if (strcmp(hq_step_builtins[i], it->string) == 0)
				return hq_err_set(err, HQ_EINVAL, "%s: {%s} is "
				    "a builtin and cannot be captured", sp,
				    it->string);
		if (!cJSON_IsString(it) || strlen(it->valuestring) > 256 ||
		    !json_pointer_ok(it->valuestring))
			return hq_err_set(err, HQ_EINVAL, "%s: expected a JSON "
			    "pointer (RFC 6901, \"/id\"), got %s%.64s%s", sp,
			    cJSON_IsString(it) ? "\"" : "",
			    cJSON_IsString(it) ? it->valuestring :
			    hq_jv_typename(it), cJSON_IsString(it) ? "\"" : "");
		if (hq_step_names_has(nm, it->string, len))
			continue;	/* captured again: the newer value wins */
		if (nm->n >= HQ_STEP_NAMES_MAX)
			return hq_err_set(err, HQ_EINVAL, "%s: more than %d "
			    "names", sp, HQ_STEP_NAMES_MAX);
		snprintf(nm->v[nm->n++], sizeof(nm->v[0]), "%s", it->string);
	}
	return 0;
}

static int
step_check(const struct hq_dut *d, const cJSON *st, const char *sub,
    struct hq_step_names *nm, bool legacy, struct hq_err *err)
{
	const struct hq_surface *sf = NULL;
	const cJSON *h, *it;
	char sp[HQ_JV_PATH_MAX], hp[HQ_JV_PATH_MAX], *s = NULL, *m = NULL,
	    *p = NULL, *c = NULL, *ab = NULL;
	bool cloud;
	int rc;

	if (!cJSON_IsObject(st))
		return hq_err_set(err, HQ_EINVAL, "%s: expected a step object, "
		    "got %s", sub, hq_jv_typename(st));
	if ((rc = hq_jv_keys(st, sub, rstep_keys, err)) != 0 ||
	    (rc = hq_jv_str(st, sub, "surface", true, ID_MAX, &s, err)) != 0 ||
	    (rc = hq_jv_enum(st, sub, "method", true, methods, &m,
	    err)) != 0 ||
	    (rc = hq_jv_str(st, sub, "path", true, 1024, &p, err)) != 0 ||
	    (rc = hq_jv_str(st, sub, "contains", false, 1024, &c,
	    err)) != 0 ||
	    (rc = hq_jv_str(st, sub, "absent", false, 1024, &ab, err)) != 0 ||
	    (rc = hq_jv_get(st, sub, "headers", cJSON_Object, false, &h,
	    err)) != 0 ||
	    (rc = hq_jv_get(st, sub, "note", cJSON_String, false, &it,
	    err)) != 0)
		goto out;
	hq_jv_path(sp, sizeof(sp), sub, "surface");
	cloud = strcmp(s, HQ_STEP_CLOUD) == 0;
	if (cloud && (d->data == NULL ||
	    cJSON_GetObjectItemCaseSensitive(d->data, "cloud_api") == NULL)) {
		rc = hq_err_set(err, HQ_EINVAL, "%s: \"%s\" needs "
		    "data.cloud_api", sp, HQ_STEP_CLOUD);
		goto out;
	}
	if (!cloud && (sf = hq_dut_surface(d, s)) == NULL) {
		rc = hq_err_set(err, HQ_EINVAL, "%s: \"%.64s\" is not a "
		    "declared surface id", sp, s);
		goto out;
	}
	if (sf != NULL && strcmp(sf->proto, "http") != 0 &&
	    strcmp(sf->proto, "https") != 0) {
		rc = hq_err_set(err, HQ_EINVAL, "%s: surface \"%s\" is %s; "
		    "steps speak HTTP(S)", sp, s, sf->proto);
		goto out;
	}
	hq_jv_path(sp, sizeof(sp), sub, "path");
	if (p[0] != '/') {
		rc = hq_err_set(err, HQ_EINVAL, "%s: expected a path starting "
		    "with '/', got \"%.64s\"", sp, p);
		goto out;
	}
	if ((rc = hq_dut_template_check(p, sp, nm, err)) != 0)
		goto out;
	if (h != NULL) {
		hq_jv_path(sp, sizeof(sp), sub, "headers");
		cJSON_ArrayForEach(it, h) {
			hq_jv_path(hp, sizeof(hp), sp, it->string);
			if (!cJSON_IsString(it) ||
			    strpbrk(it->valuestring, "\r\n") != NULL ||
			    strpbrk(it->string, ": \r\n") != NULL ||
			    it->string[0] == '\0') {
				rc = hq_err_set(err, HQ_EINVAL, "%s: expected "
				    "a one-line string under a header name",
				    hp);
				goto out;
			}
			if ((rc = hq_dut_template_check(it->valuestring, hp,
			    nm, err)) != 0)
				goto out;
		}
	}
	if ((it = cJSON_GetObjectItemCaseSensitive(st, "body")) != NULL) {
		hq_jv_path(sp, sizeof(sp), sub, "body");
		if (!cJSON_IsString(it) && !cJSON_IsObject(it) &&
		    !cJSON_IsArray(it)) {
			rc = hq_err_set(err, HQ_EINVAL, "%s: expected a string "
			    "or a JSON object or array, got %s", sp,
			    hq_jv_typename(it));
			goto out;
		}
		if ((rc = body_check(it, sp, nm, 0, err)) != 0)
			goto out;
	}
	hq_jv_path(sp, sizeof(sp), sub, "contains");
	if (c != NULL && (rc = hq_dut_template_check(c, sp, nm, err)) != 0)
		goto out;
	hq_jv_path(sp, sizeof(sp), sub, "absent");
	if (ab != NULL && (rc = hq_dut_template_check(ab, sp, nm, err)) != 0)
		goto out;
	if ((rc = step_auth_check(d, st, sub, cloud, nm, err)) != 0 ||
	    ((!legacy || cJSON_GetObjectItemCaseSensitive(st, "expect") !=
	    NULL) && (rc = step_expect_check(st, sub, err)) != 0))
		goto out;
	/* captures last: a step's own placeholders cannot use them */
	rc = step_capture_check(st, sub, nm, err);
 out:
	free(s);
	free(m);
	free(p);
	free(c);
	free(ab);
	return rc;
}

/* legacy: "expect" optional, an empty list allowed (load_steps). */
static int
steps_check(const struct hq_dut *d, const cJSON *arr, const char *path,
    struct hq_step_names *nm, bool legacy, struct hq_err *err)
{
	const cJSON *st;
	char sub[HQ_JV_PATH_MAX];
	size_t i = 0;
	int rc;

	if (!cJSON_IsArray(arr))
		return hq_err_set(err, HQ_EINVAL, "%s: expected an array of "
		    "steps, got %s", path, hq_jv_typename(arr));
	if (cJSON_GetArraySize(arr) < (legacy ? 0 : 1) ||
	    cJSON_GetArraySize(arr) > HQ_STEPS_MAX)
		return hq_err_set(err, HQ_EINVAL, "%s: expected 1 to %d steps, "
		    "got %d", path, HQ_STEPS_MAX, cJSON_GetArraySize(arr));
	cJSON_ArrayForEach(st, arr) {
		hq_jv_index(sub, sizeof(sub), path, i++);
		if ((rc = step_check(d, st, sub, nm, legacy, err)) != 0)
			return rc;
	}
	return 0;
}

int
hq_dut_steps_check(const struct hq_dut *d, const cJSON *arr,
    const char *path, struct hq_step_names *nm, struct hq_err *err)
{
	return steps_check(d, arr, path, nm, false, err);
}

/* An optional step list sec.key, checked with a copy of nm (or nm). */
static int
steps_opt(const struct hq_dut *d, const cJSON *sec, const char *path,
    const char *key, struct hq_step_names *nm, struct hq_err *err)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(sec, key);
	char sub[HQ_JV_PATH_MAX];

	if (a == NULL)
		return 0;
	hq_jv_path(sub, sizeof(sub), path, key);
	return hq_dut_steps_check(d, a, sub, nm, err);
}

static int
load_cloud_api(struct hq_dut *d, const cJSON *ca, struct hq_err *err)
{
	char *url = NULL, *user = NULL, *pw = NULL;
	bool verify;
	int rc;

	if ((rc = hq_jv_keys(ca, "data.cloud_api", cloud_api_keys,
	    err)) != 0 ||
	    (rc = hq_jv_str(ca, "data.cloud_api", "url", true, 512, &url,
	    err)) != 0 ||
	    (rc = hq_jv_str(ca, "data.cloud_api", "user", false, 128, &user,
	    err)) != 0 ||
	    (rc = load_secret(d, ca, "data.cloud_api", "password", false,
	    &pw, err)) != 0 ||
	    (rc = hq_jv_bool(ca, "data.cloud_api", "verify", false, true,
	    &verify, err)) != 0)
		goto out;
	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://",
	    8) != 0)
		rc = hq_err_set(err, HQ_EINVAL, "data.cloud_api.url: expected "
		    "an http:// or https:// URL, got \"%.64s\"", url);
	else if ((user == NULL) != (pw == NULL))
		rc = hq_err_set(err, HQ_EINVAL, "data.cloud_api: \"user\" and "
		    "\"password\" go together");
 out:
	free(url);
	free(user);
	hq_secret_free(pw);
	return rc;
}

static int
load_data_login(const struct hq_dut *d, const cJSON *l,
    const struct hq_step_names *nm, struct hq_err *err)
{
	const cJSON *sv, *it;
	char *u = NULL, *p = NULL, sub[HQ_JV_PATH_MAX];
	const struct hq_surface *sf;
	size_t i = 0;
	int rc;

	if ((rc = hq_jv_keys(l, "data.login", dlogin_keys, err)) != 0 ||
	    (rc = hq_jv_str(l, "data.login", "user", true, 256, &u,
	    err)) != 0 ||
	    (rc = hq_jv_str(l, "data.login", "password", true, 1024, &p,
	    err)) != 0 ||
	    (rc = hq_jv_get(l, "data.login", "surfaces", cJSON_Array, false,
	    &sv, err)) != 0)
		goto out;
	if ((rc = hq_dut_template_check(u, "data.login.user", nm,
	    err)) != 0 ||
	    (rc = hq_dut_template_check(p, "data.login.password", nm,
	    err)) != 0)
		goto out;
	cJSON_ArrayForEach(it, sv) {
		hq_jv_index(sub, sizeof(sub), "data.login.surfaces", i++);
		if (!cJSON_IsString(it) ||
		    (sf = hq_dut_surface(d, it->valuestring)) == NULL ||
		    sf->login_kind == NULL) {
			rc = hq_err_set(err, HQ_EINVAL, "%s: expected the id "
			    "of a declared surface with a login", sub);
			goto out;
		}
	}
 out:
	free(u);
	hq_secret_free(p);
	return rc;
}

/* data: per kind create/present/absent, then the deletion functions. */
static int
load_data(struct hq_dut *d, const cJSON *root, struct hq_err *err)
{
	const cJSON *sec, *kinds, *k, *it;
	struct hq_step_names all, nm, after;
	char sub[HQ_JV_PATH_MAX];
	size_t i;
	int n, rc;

	if ((rc = hq_jv_get(root, "", "data", cJSON_Object, false, &sec,
	    err)) != 0 || sec == NULL)
		return rc;
	if ((rc = hq_jv_keys(sec, "data", data2_keys, err)) != 0 ||
	    (rc = hq_jv_get(sec, "data", "kinds", cJSON_Object, false, &kinds,
	    err)) != 0 ||
	    (rc = hq_jv_get(sec, "data", "cloud_api", cJSON_Object, false,
	    &it, err)) != 0 ||
	    (rc = hq_jv_get(sec, "data", "note", cJSON_String, false, &it,
	    err)) != 0)
		return rc;
	/* steps on "@cloud" look up data.cloud_api through d->data */
	if ((d->data = cJSON_Duplicate(sec, 1)) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "data: no memory");
	if ((it = cJSON_GetObjectItemCaseSensitive(sec, "cloud_api")) !=
	    NULL && (rc = load_cloud_api(d, it, err)) != 0)
		return rc;
	/* kinds may be absent: a DUT file giving only the cloud API */
	n = kinds != NULL ? cJSON_GetArraySize(kinds) : 1;
	if (n < 1 || n > 16)
		return hq_err_set(err, HQ_EINVAL, "data.kinds: expected 1 to "
		    "16 kinds of data, got %d", n);
	hq_step_names_init(&all);
	cJSON_ArrayForEach(k, kinds) {
		hq_jv_path(sub, sizeof(sub), "data.kinds", k->string);
		if (!kind_name_ok(k->string))
			return hq_err_set(err, HQ_EINVAL, "%s: a kind is named "
			    "by 1 to 32 of [a-z0-9-]", sub);
		if ((rc = hq_jv_keys(k, sub, kind_keys, err)) != 0 ||
		    (rc = hq_jv_get(k, sub, "create", cJSON_Array, true, &it,
		    err)) != 0 ||
		    (rc = hq_jv_get(k, sub, "present", cJSON_Array, true, &it,
		    err)) != 0 ||
		    (rc = hq_jv_get(k, sub, "absent", cJSON_Array, true, &it,
		    err)) != 0)
			return rc;
		hq_step_names_init(&nm);
		if ((rc = steps_opt(d, k, sub, "create", &nm, err)) != 0)
			return rc;
		after = nm;
		if ((rc = steps_opt(d, k, sub, "present", &after, err)) != 0)
			return rc;
		after = nm;
		if ((rc = steps_opt(d, k, sub, "absent", &after, err)) != 0)
			return rc;
		for (i = 0; i < nm.n; i++) {
			if (hq_step_names_has(&all, nm.v[i], strlen(nm.v[i])))
				continue;
			if (all.n >= HQ_STEP_NAMES_MAX)
				return hq_err_set(err, HQ_EINVAL, "%s: more "
				    "than %d names in all kinds", sub,
				    HQ_STEP_NAMES_MAX);
			memcpy(all.v[all.n++], nm.v[i], sizeof(nm.v[0]));
		}
	}
	if ((it = cJSON_GetObjectItemCaseSensitive(sec, "login")) != NULL) {
		if (!cJSON_IsObject(it))
			return hq_err_set(err, HQ_EINVAL, "data.login: expected "
			    "an object, got %s", hq_jv_typename(it));
		if ((rc = load_data_login(d, it, &all, err)) != 0)
			return rc;
	}
	after = all;
	if ((rc = steps_opt(d, sec, "data", "delete", &after, err)) != 0 ||
	    (rc = steps_opt(d, sec, "data", "notified", &after, err)) != 0)
		return rc;
	after = all;
	if ((rc = steps_opt(d, sec, "data", "delete_all", &after, err)) != 0)
		return rc;
	after = all;
	return steps_opt(d, sec, "data", "factory_reset", &after, err);
}

/* power: how the lab cycles the DUT's power, and a setting that must
 * survive it. */
static int
load_power(struct hq_dut *d, const cJSON *root, struct hq_err *err)
{
	const cJSON *sec, *it;
	struct hq_step_names nm;
	char *drv = NULL, *s = NULL, **argv = NULL;
	size_t argc = 0;
	long long v;
	int rc;

	if ((rc = hq_jv_get(root, "", "power", cJSON_Object, false, &sec,
	    err)) != 0 || sec == NULL)
		return rc;
	if ((rc = hq_jv_keys(sec, "power", power2_keys, err)) != 0 ||
	    (rc = hq_jv_enum(sec, "power", "driver", true, power2_drivers,
	    &drv, err)) != 0 ||
	    (rc = hq_jv_strv(sec, "power", "argv", false, 32, &argv, &argc,
	    err)) != 0 ||
	    (rc = hq_jv_int(sec, "power", "off_ms", false, 0, 600000, 2000,
	    &v, err)) != 0 ||
	    (rc = hq_jv_int(sec, "power", "deadline_s", false, 1, 3600, 300,
	    &v, err)) != 0 ||
	    (rc = hq_jv_enum(sec, "power", "signal", false, power_signals, &s,
	    err)) != 0 ||
	    (rc = hq_jv_get(sec, "power", "note", cJSON_String, false, &it,
	    err)) != 0)
		goto out;
	free(s);
	s = NULL;
	if (strcmp(drv, "command") == 0 && (argc == 0 || argv[0][0] != '/')) {
		rc = hq_err_set(err, HQ_EINVAL, "power.argv: the command "
		    "driver needs an argv whose first word is an absolute "
		    "path");
		goto out;
	}
	hq_step_names_init(&nm);
	if (strcmp(drv, "http") == 0) {
		if (cJSON_GetObjectItemCaseSensitive(sec, "off") == NULL ||
		    cJSON_GetObjectItemCaseSensitive(sec, "on") == NULL) {
			rc = hq_err_set(err, HQ_EINVAL, "power: the http "
			    "driver needs \"off\" and \"on\" steps");
			goto out;
		}
		if ((rc = steps_opt(d, sec, "power", "off", &nm, err)) != 0 ||
		    (rc = steps_opt(d, sec, "power", "on", &nm, err)) != 0)
			goto out;
	}
	if (strcmp(drv, "sim") == 0 &&
	    (rc = hq_jv_str(sec, "power", "pidfile", true, PATH_MAX / 2, &s,
	    err)) != 0)
		goto out;
	if (strcmp(drv, "manual") == 0 &&
	    (rc = hq_jv_str(sec, "power", "prompt", false, 512, &s,
	    err)) != 0)
		goto out;
	if ((rc = hq_jv_get(sec, "power", "setting", cJSON_Object, false, &it,
	    err)) != 0)
		goto out;
	if (it != NULL) {
		if ((rc = hq_jv_keys(it, "power.setting", setting_keys,
		    err)) != 0)
			goto out;
		if (cJSON_GetObjectItemCaseSensitive(it, "write") == NULL ||
		    cJSON_GetObjectItemCaseSensitive(it, "read") == NULL) {
			rc = hq_err_set(err, HQ_EINVAL, "power.setting: needs "
			    "\"write\" and \"read\" steps");
			goto out;
		}
		if ((rc = steps_opt(d, it, "power.setting", "write", &nm,
		    err)) != 0 ||
		    (rc = steps_opt(d, it, "power.setting", "read", &nm,
		    err)) != 0)
			goto out;
	}
	hq_step_names_init(&nm);
	if ((rc = steps_opt(d, sec, "power", "cloud", &nm, err)) != 0)
		goto out;
	hq_step_names_init(&nm);
	if ((rc = steps_opt(d, sec, "power", "during", &nm, err)) != 0 ||
	    (rc = steps_opt(d, sec, "power", "backlog", &nm, err)) != 0)
		goto out;
	if ((d->power = cJSON_Duplicate(sec, 1)) == NULL)
		rc = hq_err_set(err, HQ_ENOMEM, "power: no memory");
 out:
	free(drv);
	free(s);
	hq_strv_free(argv, argc);
	return rc;
}
