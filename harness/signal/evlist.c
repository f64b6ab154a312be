/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Event lists the lab reads (signal/evlist.h): the DUT's event log through
 * a recipe step, or a lab URL.  Bounded: the reply is capped by the HTTP
 * reader, pointers by their length, entries by the caller's max.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/dut.h"
#include "signal/evlist.h"
#include "signal/stimulus.h"
#include "util/err.h"
#include "util/jv.h"
#include "util/log.h"
#include "util/rd.h"

#define NS_PER_MS	1000000LL

static const char *const clocks[] = {
	"unix-ms", "mono-ms", "arrival", NULL
};

void
hq_evlist_clear(struct hq_evlist *q)
{
	free(q->url);
	free(q->list);
	free(q->time);
	free(q->ev_time);
	free(q->kind);
}

int
hq_evlist_read(const cJSON *o, const char *path, const struct hq_dut *dut,
    bool dut_step, struct hq_evlist *q, struct hq_err *err)
{
	static const char *const keys[] = {
		"request", "url", "list", "match", "time", "clock",
		"event_time", "event_clock", "kind", NULL
	};
	char *clk = NULL, *eclk = NULL;
	const cJSON *sf, *it;
	int rc;

	memset(q, 0, sizeof(*q));
	if ((rc = hq_jv_keys(o, path, keys, err)) != 0 ||
	    (rc = hq_jv_str(o, path, "list", false, 256, &q->list, err)) != 0 ||
	    (rc = hq_jv_get(o, path, "match", cJSON_Object, false, &q->match,
	    err)) != 0 ||
	    (rc = hq_jv_str(o, path, "time", false, 256, &q->time, err)) != 0 ||
	    (rc = hq_jv_enum(o, path, "clock", false, clocks, &clk,
	    err)) != 0 ||
	    (rc = hq_jv_str(o, path, "event_time", false, 256, &q->ev_time,
	    err)) != 0 ||
	    (rc = hq_jv_enum(o, path, "event_clock", false, clocks, &eclk,
	    err)) != 0 ||
	    (rc = hq_jv_str(o, path, "kind", false, 256, &q->kind, err)) != 0)
		goto out;
	q->clk = HQ_LIGHT_ARRIVAL;
	if (clk != NULL)
		(void)hq_light_clock_parse(clk, &q->clk);
	q->ev_clk = HQ_LIGHT_UNIX_MS;
	if (eclk != NULL)
		(void)hq_light_clock_parse(eclk, &q->ev_clk);
	if (q->time == NULL && q->clk != HQ_LIGHT_ARRIVAL) {
		rc = hq_err_set(err, HQ_EINVAL, "%s.clock: given without "
		    "\"time\"", path);
		goto out;
	}
	if (q->match != NULL)
		cJSON_ArrayForEach(it, q->match)
			if (it->string[0] != '/' || !(cJSON_IsString(it) ||
			    cJSON_IsNumber(it) || cJSON_IsBool(it))) {
				rc = hq_err_set(err, HQ_EINVAL, "%s.match: "
				    "expected {\"/pointer\": value}", path);
				goto out;
			}
	if (dut_step) {
		if ((rc = hq_jv_get(o, path, "request", cJSON_Object, true,
		    &q->request, err)) != 0)
			goto out;
		sf = cJSON_GetObjectItemCaseSensitive(q->request, "surface");
		if (!cJSON_IsString(sf) || hq_dut_surface(dut,
		    sf->valuestring) == NULL ||
		    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(
		    q->request, "method")) ||
		    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(
		    q->request, "path"))) {
			rc = hq_err_set(err, HQ_EINVAL, "%s.request: expected a "
			    "step on a declared surface with method and path",
			    path);
			goto out;
		}
	} else if ((rc = hq_jv_str(o, path, "url", true, 1024, &q->url,
	    err)) != 0)
		goto out;
 out:
	free(clk);
	free(eclk);
	return rc;
}

/* ---- JSON pointers (RFC 6901) into lists from the DUT or cloud ---- */

static const cJSON *
jptr(const cJSON *root, const char *p)
{
	char tok[128];
	const cJSON *cur = root;
	size_t n;
	uint64_t idx;

	if (p == NULL || p[0] == '\0')
		return root;
	if (p[0] != '/')
		return NULL;
	while (cur != NULL && *p == '/') {
		p++;
		for (n = 0; *p != '\0' && *p != '/' && n + 1 < sizeof(tok);
		    p++) {
			if (*p == '~' && p[1] == '0') {
				tok[n++] = '~';
				p++;
			} else if (*p == '~' && p[1] == '1') {
				tok[n++] = '/';
				p++;
			} else
				tok[n++] = *p;
		}
		tok[n] = '\0';
		if (cJSON_IsArray(cur))
			cur = hq_parse_u64(tok, n, 1000000, &idx) == 0 ?
			    cJSON_GetArrayItem(cur, (int)idx) : NULL;
		else if (cJSON_IsObject(cur))
			cur = cJSON_GetObjectItemCaseSensitive(cur, tok);
		else
			cur = NULL;
	}
	return cur;
}

bool
hq_evlist_match(const cJSON *it, const cJSON *match)
{
	const cJSON *m, *v;

	if (match == NULL)
		return true;
	cJSON_ArrayForEach(m, match) {
		v = jptr(it, m->string);
		if (v == NULL)
			return false;
		if (cJSON_IsString(m) && !(cJSON_IsString(v) &&
		    strcmp(v->valuestring, m->valuestring) == 0))
			return false;
		if (cJSON_IsNumber(m) && !(cJSON_IsNumber(v) &&
		    v->valuedouble == m->valuedouble))
			return false;
		if (cJSON_IsBool(m) && !(cJSON_IsBool(v) &&
		    cJSON_IsTrue(v) == cJSON_IsTrue(m)))
			return false;
	}
	return true;
}

bool
hq_evlist_to_mono(const cJSON *v, enum hq_light_clock clk, int64_t *tp)
{
	if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0 &&
	    v->valuedouble < 1e13))
		return false;
	*tp = (int64_t)v->valuedouble * NS_PER_MS;
	if (clk == HQ_LIGHT_UNIX_MS)
		*tp -= hq_light_real_minus_mono();
	return true;
}

/*
 * Reads a list; the matching entries go to out (at most max) with their
 * times on the monotonic clock (arrival clock: the time of the read).
 */
int
hq_evlist_fetch(const struct hq_dut *dut, const struct hq_evlist *q,
    struct hq_deadline dl, struct hq_transcript *tr,
    struct hq_evlist_entry *out, size_t max, size_t *np, struct hq_err *err)
{
	char *body = NULL;
	size_t len, n = 0;
	long status;
	cJSON *root = NULL;
	const cJSON *arr, *it, *v;
	int64_t now;
	int rc;

	*np = 0;
	rc = q->request != NULL ? hq_alarm_http_step(dut, q->request, dl, tr,
	    &body, &len, &status, err) : hq_alarm_http_get(q->url, dl, tr,
	    &body, &len, &status, err);
	if (rc != 0)
		return rc;
	now = hq_mono_ns();
	if (status != 200) {
		rc = hq_err_set(err, HQ_EPROTO, "%s: status %ld",
		    q->url != NULL ? q->url : "event log", status);
		goto out;
	}
	if ((root = cJSON_ParseWithLength(body, len)) == NULL ||
	    !cJSON_IsArray(arr = jptr(root, q->list))) {
		rc = hq_err_set(err, HQ_EPROTO, "%s: not a JSON list where the "
		    "recipe says", q->url != NULL ? q->url : "event log");
		goto out;
	}
	cJSON_ArrayForEach(it, arr) {
		struct hq_evlist_entry e = { .t_ns = now, .ev_ns = -1 };

		if (n == max)
			break;
		if (!hq_evlist_match(it, q->match))
			continue;
		if (q->time != NULL && !hq_evlist_to_mono(jptr(it, q->time),
		    q->clk, &e.t_ns))
			continue;
		if (q->ev_time != NULL)
			(void)hq_evlist_to_mono(jptr(it, q->ev_time),
			    q->ev_clk, &e.ev_ns);
		if (q->kind != NULL && cJSON_IsString(v = jptr(it, q->kind)))
			hq_escape(e.kind, sizeof(e.kind), v->valuestring,
			    strlen(v->valuestring));
		out[n++] = e;
	}
	*np = n;
	rc = 0;
 out:
	cJSON_Delete(root);
	free(body);
	return rc;
}
