/* SPDX-License-Identifier: Apache-2.0 */
/* The result model of one test instance, kept as a JSON tree. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/result.h"
#include "util/util.h"

#define STEPS_MAX	10000
#define FINDINGS_MAX	1000

struct hq_result {
	cJSON		*root;
	cJSON		*steps;
	cJSON		*measurements;
	cJSON		*evidence;
	cJSON		*findings;
	cJSON		*details;
	int64_t		 t0_ns;
	enum hq_verdict	 verdict;
	char		 rationale[1024];
	hq_step_hook	 hook;
	void		*hook_arg;
	char		*case_id;
	pthread_mutex_t	 mu;
};

const char *
hq_verdict_name(enum hq_verdict v)
{
	switch (v) {
	case HQ_PASS:		return "PASS";
	case HQ_FAIL:		return "FAIL";
	case HQ_INCONCLUSIVE:	return "INCONCLUSIVE";
	case HQ_NOT_APPLICABLE:	return "NOT_APPLICABLE";
	default:		return "NONE";
	}
}

struct hq_result *
hq_result_new(const char *case_id, int64_t t0_mono_ns)
{
	struct hq_result *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->t0_ns = t0_mono_ns;
	pthread_mutex_init(&r->mu, NULL);
	if ((r->case_id = strdup(case_id)) == NULL ||
	    (r->root = cJSON_CreateObject()) == NULL ||
	    (r->steps = cJSON_AddArrayToObject(r->root, "steps")) == NULL ||
	    (r->measurements = cJSON_AddArrayToObject(r->root,
	    "measurements")) == NULL ||
	    (r->evidence = cJSON_AddArrayToObject(r->root, "evidence")) ==
	    NULL ||
	    (r->findings = cJSON_AddArrayToObject(r->root, "findings")) ==
	    NULL ||
	    (r->details = cJSON_AddObjectToObject(r->root, "details")) ==
	    NULL) {
		hq_result_free(r);
		return NULL;
	}
	return r;
}

void
hq_result_free(struct hq_result *r)
{
	if (r == NULL)
		return;
	cJSON_Delete(r->root);
	free(r->case_id);
	pthread_mutex_destroy(&r->mu);
	free(r);
}

void
hq_result_set_hook(struct hq_result *r, hq_step_hook fn, void *arg)
{
	r->hook = fn;
	r->hook_arg = arg;
}

void
hq_step(struct hq_result *r, const char *fmt, ...)
{
	char text[1024], ts[40];
	int64_t wall = hq_wall_ms();
	cJSON *s;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	hq_time_rfc3339(wall, ts, sizeof(ts));
	pthread_mutex_lock(&r->mu);
	if (cJSON_GetArraySize(r->steps) < STEPS_MAX &&
	    (s = cJSON_CreateObject()) != NULL) {
		cJSON_AddNumberToObject(s, "t_ms",
		    (double)((hq_mono_ns() - r->t0_ns) / 1000000));
		cJSON_AddStringToObject(s, "time", ts);
		cJSON_AddStringToObject(s, "text", text);
		cJSON_AddItemToArray(r->steps, s);
	}
	pthread_mutex_unlock(&r->mu);
	if (r->hook != NULL)
		r->hook(r->hook_arg, r->case_id, text);
}

void
hq_measure(struct hq_result *r, const char *name, double value,
    const char *unit, const char *op, double limit, double uncertainty)
{
	cJSON *m;

	pthread_mutex_lock(&r->mu);
	if ((m = cJSON_CreateObject()) != NULL) {
		cJSON_AddStringToObject(m, "name", name);
		cJSON_AddNumberToObject(m, "value", value);
		cJSON_AddStringToObject(m, "unit", unit);
		if (op != NULL) {
			cJSON *l = cJSON_AddObjectToObject(m, "limit");
			bool ok, near;

			cJSON_AddStringToObject(l, "op", op);
			cJSON_AddNumberToObject(l, "value", limit);
			ok = (strcmp(op, "<=") == 0 && value <= limit) ||
			    (strcmp(op, ">=") == 0 && value >= limit) ||
			    (strcmp(op, "<") == 0 && value < limit) ||
			    (strcmp(op, ">") == 0 && value > limit) ||
			    (strcmp(op, "==") == 0 && value == limit);
			/* ISO/IEC 17025 7.8.6: simple acceptance; a value
			 * within the uncertainty of the limit is said so. */
			near = uncertainty > 0 &&
			    value >= limit - uncertainty &&
			    value <= limit + uncertainty;
			cJSON_AddStringToObject(m, "decision",
			    near ? (ok ? "conforms (within uncertainty of the "
			    "limit)" : "does not conform (within uncertainty "
			    "of the limit)") : ok ? "conforms" :
			    "does not conform");
		}
		if (uncertainty > 0)
			cJSON_AddNumberToObject(m, "uncertainty", uncertainty);
		cJSON_AddItemToArray(r->measurements, m);
	}
	pthread_mutex_unlock(&r->mu);
}

void
hq_result_evidence(struct hq_result *r, const char *relpath)
{
	const cJSON *e;

	pthread_mutex_lock(&r->mu);
	cJSON_ArrayForEach(e, r->evidence)
		if (strcmp(e->valuestring, relpath) == 0)
			goto out;
	cJSON_AddItemToArray(r->evidence, cJSON_CreateString(relpath));
 out:
	pthread_mutex_unlock(&r->mu);
}

void
hq_detail(struct hq_result *r, const char *key, cJSON *item)
{
	if (item == NULL)
		return;
	pthread_mutex_lock(&r->mu);
	if (cJSON_GetObjectItemCaseSensitive(r->details, key) != NULL)
		cJSON_ReplaceItemInObjectCaseSensitive(r->details, key, item);
	else
		cJSON_AddItemToObject(r->details, key, item);
	pthread_mutex_unlock(&r->mu);
}

void
hq_finding(struct hq_result *r, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&r->mu);
	if (cJSON_GetArraySize(r->findings) < FINDINGS_MAX)
		cJSON_AddItemToArray(r->findings, cJSON_CreateString(text));
	pthread_mutex_unlock(&r->mu);
}

void
hq_verdict(struct hq_result *r, enum hq_verdict v, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&r->mu);
	/* A FAIL stands; nothing later turns it into a PASS. */
	if (r->verdict == HQ_FAIL && v != HQ_FAIL)
		goto out;
	r->verdict = v;
	va_start(ap, fmt);
	vsnprintf(r->rationale, sizeof(r->rationale), fmt, ap);
	va_end(ap);
 out:
	pthread_mutex_unlock(&r->mu);
}

enum hq_verdict
hq_result_verdict(const struct hq_result *r)
{
	return r->verdict;
}

const char *
hq_result_rationale(const struct hq_result *r)
{
	return r->rationale;
}

cJSON *
hq_result_json(struct hq_result *r)
{
	cJSON_DeleteItemFromObjectCaseSensitive(r->root, "verdict");
	cJSON_DeleteItemFromObjectCaseSensitive(r->root, "rationale");
	cJSON_AddStringToObject(r->root, "verdict",
	    hq_verdict_name(r->verdict));
	cJSON_AddStringToObject(r->root, "rationale", r->rationale);
	return r->root;
}
