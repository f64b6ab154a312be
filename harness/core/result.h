/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The result model of one test instance: timestamped steps, measurements
 * (value, unit, limit, decision rule), evidence references, free-form
 * details, a verdict and its rationale.  Families fill it; the engine turns
 * it into results.jsonl lines and report.json entries.
 */
#ifndef HQ_RESULT_H
#define HQ_RESULT_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

enum hq_verdict {
	HQ_V_NONE = 0,		/* not yet decided */
	HQ_PASS,
	HQ_FAIL,
	HQ_INCONCLUSIVE,
	HQ_NOT_APPLICABLE,
	HQ_NOT_RUN,		/* left out of this run (--only, an
				 * interruption): never NOT_APPLICABLE */
};

struct hq_result;

/* Called for each step (the capture writes it as a packet comment). */
typedef void (*hq_step_hook)(void *arg, const char *case_id,
    const char *text);

/* A new, empty result for case_id; NULL when out of memory. */
struct hq_result *hq_result_new(const char *case_id, int64_t t0_mono_ns);
void	hq_result_free(struct hq_result *res);
void	hq_result_set_hook(struct hq_result *res, hq_step_hook fn, void *arg);

/* Records a step "now" (ms since the run's start and wall time). */
void	hq_step(struct hq_result *res, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/*
 * The decision rule (ISO/IEC 17025 7.8.6, ILAC-G8) for a value whose
 * uncertainty band contains the limit; outside the band every rule agrees.
 *   simple               the measured value alone decides (shared risk)
 *   guarded-acceptance   conforms only when the whole band conforms
 *   guarded-rejection    fails only when the whole band fails
 *   inconclusive         inside the band, no decision: INCONCLUSIVE
 */
enum hq_rule {
	HQ_RULE_SIMPLE = 0,
	HQ_RULE_GUARDED_ACCEPTANCE,
	HQ_RULE_GUARDED_REJECTION,
	HQ_RULE_INCONCLUSIVE,
};

enum hq_conformity {
	HQ_CONF_NONE = 0,	/* no limit: nothing to decide */
	HQ_CONF_YES,
	HQ_CONF_NO,
	HQ_CONF_UNDECIDED,	/* inside the band under "inconclusive" */
};

/* Parses a rule's name; -1 when unknown. */
int	hq_rule_parse(const char *name, enum hq_rule *rule);
const char *hq_rule_name(enum hq_rule rule);
/*
 * The one decision function: value against "op limit" with the expanded
 * uncertainty u under rule; *in_band (may be NULL) tells whether the band
 * contained the limit.  An unknown op or a NaN value is HQ_CONF_UNDECIDED.
 */
enum hq_conformity hq_decide(double value, const char *op, double limit,
	    double u, enum hq_rule rule, bool *in_band);
/* The rule hq_measure applies for this result (the engine sets the
 * profile's; HQ_RULE_SIMPLE until then). */
void	hq_result_set_rule(struct hq_result *res, enum hq_rule rule);
/*
 * Records a measurement and returns its decision, the same one the report's
 * table prints: a family bases its verdict on this return value, never on
 * a comparison of its own.  op is the limit's comparison ("<=", ">=", "<",
 * ">", "==", or NULL for no limit: HQ_CONF_NONE); uncertainty may be 0.
 * An unset value (NaN, infinite, or a negative duration: unit "ms", "s",
 * "us" or "ns") is never recorded: a finding says so and the return is
 * HQ_CONF_UNDECIDED, so no verdict can rest on it.
 */
enum hq_conformity hq_measure(struct hq_result *res, const char *name,
	    double value, const char *unit, const char *op, double limit,
	    double uncertainty);
/*
 * The DUT surface (a surfaces[].id) the following measurements are taken
 * on, for the report's per-surface table; NULL: the whole device.
 */
void	hq_result_set_surface(struct hq_result *res, const char *surface);
/* References an evidence file by its path relative to the run dir. */
void	hq_result_evidence(struct hq_result *res, const char *relpath);
/* Adds a detail (takes ownership of item) under key. */
void	hq_detail(struct hq_result *res, const char *key, cJSON *item);
/* Appends a finding line (a FAIL or INCONCLUSIVE reason part). */
void	hq_finding(struct hq_result *res, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/*
 * Sets the verdict and rationale.  The first decisive call wins for FAIL
 * over PASS: once FAIL is set, a later PASS is ignored.
 */
void	hq_verdict(struct hq_result *res, enum hq_verdict v,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
enum hq_verdict hq_result_verdict(const struct hq_result *res);
const char *hq_result_rationale(const struct hq_result *res);
/* The result as JSON (borrowed; owned by res). */
cJSON	*hq_result_json(struct hq_result *res);

const char *hq_verdict_name(enum hq_verdict v);

#endif
