/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Operator assessments (reports/assess.schema.json): the verdicts an
 * engineer gives the documentary cases of a profile (family "assessment"),
 * with rationale, assessor, date and the documents the verdict rests on.
 * The loader is strict (unknown keys, unknown or non-documentary cases,
 * a PASS without a document, a document that cannot be read or whose hash
 * differs from the one declared: refused, HQ_EINVAL naming the path) and
 * hashes every document, so a run copies exactly what was assessed.
 */
#ifndef HQ_ASSESS_H
#define HQ_ASSESS_H

#include <cjson/cJSON.h>

struct hq_dut;
struct hq_err;
struct hq_profile;

#define HQ_ASSESS_FORMAT	"hopquy-assessment/1"
#define HQ_ASSESS_FILE_MAX	(1u << 20)	/* 1 MiB of JSON */
#define HQ_ASSESS_DOC_MAX	(64u << 20)	/* one attached document */
#define HQ_ASSESS_DOCS_MAX	32		/* documents per case */

/*
 * Loads path against the run's profile and DUT into *outp (caller frees):
 *   { "path", "sha256",
 *     "cases": { CASE-ID: { "verdict", "rationale", "assessor", "date",
 *                "documents": [ { "path" (absolute), "name", "sha256",
 *                                 "size", "title"? } ] } } }
 * Cases left "PENDING" (as the template writes them) are not in "cases".
 */
int	hq_assess_load(const char *path, const struct hq_profile *p,
	    const struct hq_dut *dut, cJSON **outp, struct hq_err *err);

#endif
