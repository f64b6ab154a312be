/* SPDX-License-Identifier: Apache-2.0 */
/* The result model of one test instance, kept as a JSON tree. */
#include <math.h>
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
	enum hq_rule	 rule;
	char		 rationale[1024];
	hq_step_hook	 hook;
	void		*hook_arg;
	char		*case_id;
	char		 surface[128];	/* "" : the whole device */
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
	case HQ_NOT_RUN:	return "NOT_RUN";
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

static const char *const rule_names[] = {
	[HQ_RULE_SIMPLE] = "simple",
	[HQ_RULE_GUARDED_ACCEPTANCE] = "guarded-acceptance",
	[HQ_RULE_GUARDED_REJECTION] = "guarded-rejection",
	[HQ_RULE_INCONCLUSIVE] = "inconclusive",
};

int
hq_rule_parse(const char *name, enum hq_rule *rule)
{
	size_t i;

	for (i = 0; i < sizeof(rule_names) / sizeof(rule_names[0]); i++)
		if (name != NULL && strcmp(name, rule_names[i]) == 0) {
			*rule = (enum hq_rule)i;
			return 0;
		}
	return -1;
}

const char *
hq_rule_name(enum hq_rule rule)
{
	if ((unsigned)rule < sizeof(rule_names) / sizeof(rule_names[0]))
		return rule_names[rule];
	return "?";
}

/* 1 conforms, 0 does not, -1 unknown op. */
static int
cmp_ok(double v, const char *op, double limit)
{
	if (strcmp(op, "<=") == 0)	return v <= limit;
	if (strcmp(op, ">=") == 0)	return v >= limit;
	if (strcmp(op, "<") == 0)	return v < limit;
	if (strcmp(op, ">") == 0)	return v > limit;
	if (strcmp(op, "==") == 0)	return v == limit;
	return -1;
}

enum hq_conformity
hq_decide(double value, const char *op, double limit, double u,
    enum hq_rule rule, bool *in_band)
{
	int at, lo, hi;

	if (in_band != NULL)
		*in_band = false;
	if (op == NULL)
		return HQ_CONF_NONE;
	if (isnan(value) || isnan(limit) || (at = cmp_ok(value, op,
	    limit)) < 0)
		return HQ_CONF_UNDECIDED;
	if (!(u > 0))
		return at ? HQ_CONF_YES : HQ_CONF_NO;
	/* Both ends of the band: equal, the band is clear of the limit. */
	lo = cmp_ok(value - u, op, limit);
	hi = cmp_ok(value + u, op, limit);
	if (lo == hi && strcmp(op, "==") != 0)
		return at ? HQ_CONF_YES : HQ_CONF_NO;
	if (in_band != NULL)
		*in_band = true;
	switch (rule) {
	case HQ_RULE_GUARDED_ACCEPTANCE:	return HQ_CONF_NO;
	case HQ_RULE_GUARDED_REJECTION:		return HQ_CONF_YES;
	case HQ_RULE_INCONCLUSIVE:		return HQ_CONF_UNDECIDED;
	case HQ_RULE_SIMPLE:
	default:				break;
	}
	return at ? HQ_CONF_YES : HQ_CONF_NO;
}

void
hq_result_set_rule(struct hq_result *r, enum hq_rule rule)
{
	pthread_mutex_lock(&r->mu);
	r->rule = rule;
	pthread_mutex_unlock(&r->mu);
}

static bool
is_duration(const char *unit)
{
	return unit != NULL && (strcmp(unit, "ms") == 0 ||
	    strcmp(unit, "s") == 0 || strcmp(unit, "us") == 0 ||
	    strcmp(unit, "ns") == 0);
}

enum hq_conformity
hq_measure(struct hq_result *r, const char *name, double value,
    const char *unit, const char *op, double limit, double uncertainty)
{
	enum hq_conformity c;
	cJSON *m, *l;
	bool band;
	char text[160];

	/* An unset value (a sentinel such as -1, a NaN) is not a
	 * measurement: it never reaches the report, and nothing decides on
	 * it. */
	if (!isfinite(value) || (is_duration(unit) && value < 0)) {
		hq_finding(r, "%s: no value measured (unset), not reported",
		    name != NULL ? name : "measurement");
		return HQ_CONF_UNDECIDED;
	}
	pthread_mutex_lock(&r->mu);
	c = hq_decide(value, op, limit, uncertainty, r->rule, &band);
	if ((m = cJSON_CreateObject()) == NULL)
		goto out;
	cJSON_AddStringToObject(m, "name", name);
	cJSON_AddNumberToObject(m, "value", value);
	cJSON_AddStringToObject(m, "unit", unit);
	if (r->surface[0] != '\0')
		cJSON_AddStringToObject(m, "surface", r->surface);
	if (op != NULL) {
		l = cJSON_AddObjectToObject(m, "limit");
		cJSON_AddStringToObject(l, "op", op);
		cJSON_AddNumberToObject(l, "value", limit);
		/* Inside the band, the rule's consequence is stated: the
		 * table says what the verdict rests on. */
		if (!band)
			snprintf(text, sizeof(text), "%s", c == HQ_CONF_YES ?
			    "conforms" : c == HQ_CONF_NO ? "does not conform" :
			    "INCONCLUSIVE");
		else if (r->rule == HQ_RULE_INCONCLUSIVE)
			snprintf(text, sizeof(text), "INCONCLUSIVE: within "
			    "uncertainty of the limit (rule: inconclusive)");
		else if (r->rule == HQ_RULE_SIMPLE)
			snprintf(text, sizeof(text), "%s, within uncertainty "
			    "of the limit (rule: simple, the measured value "
			    "decides)", c == HQ_CONF_YES ? "conforms" :
			    "does not conform");
		else
			snprintf(text, sizeof(text), "guard band: %s, within "
			    "uncertainty of the limit (rule: %s)",
			    c == HQ_CONF_YES ? "conforms" : "does not conform",
			    hq_rule_name(r->rule));
		cJSON_AddStringToObject(m, "decision", text);
		cJSON_AddStringToObject(m, "decision_rule",
		    hq_rule_name(r->rule));
		cJSON_AddBoolToObject(m, "within_uncertainty", band);
	}
	if (uncertainty > 0)
		cJSON_AddNumberToObject(m, "uncertainty", uncertainty);
	cJSON_AddItemToArray(r->measurements, m);
 out:
	pthread_mutex_unlock(&r->mu);
	return c;
}

void
hq_result_set_surface(struct hq_result *r, const char *surface)
{
	pthread_mutex_lock(&r->mu);
	snprintf(r->surface, sizeof(r->surface), "%s", surface != NULL ?
	    surface : "");
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
