/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Family "assessment": documentary (operator-assessed) cases, the
 * "conceptual" assessments of ETSI TS 103 701.  The network cannot show
 * them; an engineer answers each case's question from the manufacturer's
 * documents, in the assessment file given with `hopquy run --assess`
 * (loaded and hashed by the core into the run's facts, "assessment").
 * This family only carries that verdict into the report: it copies each
 * attached document into the evidence (so the manifest holds its SHA-256
 * and `hopquy verify` re-checks it) and never passes a case by itself:
 * without an assessment the case is INCONCLUSIVE, "awaiting assessment".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "family.h"
#include "util/jv.h"

#define DOC_MAX		(64u << 20)	/* as core/assess.h */

static const char *const param_keys[] = { "question", "documents",
	"source", NULL };

static int
assessment_check_params(const cJSON *params, struct hq_err *err)
{
	char *q = NULL, *src = NULL, **docs = NULL;
	size_t ndocs = 0;
	int rc;

	if ((rc = hq_jv_keys(params, "", param_keys, err)) != 0 ||
	    (rc = hq_jv_str(params, "", "question", true, 1000, &q,
	    err)) != 0 ||
	    (rc = hq_jv_str(params, "", "source", false, 512, &src,
	    err)) != 0 ||
	    (rc = hq_jv_strv(params, "", "documents", false, 16, &docs,
	    &ndocs, err)) != 0)
		goto out;
	if (strlen(q) < 10)
		rc = hq_err_set(err, HQ_EINVAL, "question: expected a question "
		    "an engineer can answer, got \"%s\"", q);
 out:
	free(q);
	free(src);
	hq_strv_free(docs, ndocs);
	return rc;
}

/* "qcvn135-2024/g2.1-x" -> "qcvn135-2024_g2.1-x": one directory level. */
static void
case_dir(const char *id, char *out, size_t outsz)
{
	size_t i;

	for (i = 0; id[i] != '\0' && i + 1 < outsz; i++)
		out[i] = id[i] == '/' ? '_' : id[i];
	out[i] = '\0';
}

/* Copies one document into the evidence; its bytes must still hash to
 * what the loader saw (a file changed since would not be what was
 * assessed). */
static int
attach(struct hq_ctx *ctx, const char *dir, const cJSON *doc,
    struct hq_result *res, cJSON *list, struct hq_err *err)
{
	const char *path = cJSON_GetStringValue(cJSON_GetObjectItem(doc,
	    "path"));
	const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(doc,
	    "name"));
	const char *want = cJSON_GetStringValue(cJSON_GetObjectItem(doc,
	    "sha256"));
	char rel[512], got[65];
	char *bytes = NULL;
	size_t len;
	cJSON *e;
	int rc;

	if (path == NULL || name == NULL || want == NULL)
		return hq_err_set(err, HQ_EINTERNAL, "assessment document "
		    "without path, name or hash");
	if ((rc = hq_file_slurp(path, DOC_MAX, &bytes, &len, err)) != 0)
		return rc;
	hq_sha256_hex(bytes, len, got);
	if (strcmp(got, want) != 0) {
		free(bytes);
		return hq_err_set(err, HQ_EINVAL, "%s changed since the "
		    "assessment was loaded (SHA-256 %s, was %s)", path, got,
		    want);
	}
	snprintf(rel, sizeof(rel), "assessment/%s/%s", dir, name);
	rc = hq_evidence_write(ctx->ev, rel, "document", bytes, len, err);
	free(bytes);
	if (rc != 0)
		return rc;
	hq_result_evidence(res, rel);
	hq_step(res, "attached %s (%zu bytes, sha256 %s)", rel, len, got);
	e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "evidence", rel);
	cJSON_AddStringToObject(e, "source", path);
	cJSON_AddStringToObject(e, "sha256", got);
	if (cJSON_GetObjectItem(doc, "title") != NULL)
		cJSON_AddStringToObject(e, "title", cJSON_GetStringValue(
		    cJSON_GetObjectItem(doc, "title")));
	cJSON_AddItemToArray(list, e);
	return 0;
}

static int
assessment_run(struct hq_ctx *ctx, const struct hq_case *tc,
    struct hq_result *res, struct hq_err *err)
{
	const char *q = cJSON_GetStringValue(cJSON_GetObjectItem(tc->params,
	    "question"));
	const cJSON *as = cJSON_GetObjectItem(ctx->facts, "assessment");
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItem(as, "cases"), tc->id), *doc;
	const char *v, *why, *who, *when;
	char dir[256];
	cJSON *list;
	int rc;

	hq_detail(res, "question", cJSON_CreateString(q != NULL ? q : ""));
	if (a == NULL) {
		hq_step(res, "no assessment of this case %s",
		    as != NULL ? "in the assessment file" : "(no --assess "
		    "file)");
		hq_verdict(res, HQ_INCONCLUSIVE, "awaiting assessment: %s",
		    q != NULL ? q : "");
		return 0;
	}
	v = cJSON_GetStringValue(cJSON_GetObjectItem(a, "verdict"));
	why = cJSON_GetStringValue(cJSON_GetObjectItem(a, "rationale"));
	who = cJSON_GetStringValue(cJSON_GetObjectItem(a, "assessor"));
	when = cJSON_GetStringValue(cJSON_GetObjectItem(a, "date"));
	if (v == NULL || why == NULL || who == NULL || when == NULL)
		return hq_err_set(err, HQ_EINTERNAL, "assessment of %s "
		    "incomplete", tc->id);
	hq_step(res, "assessment by %s on %s: %s", who, when, v);
	case_dir(tc->id, dir, sizeof(dir));
	list = cJSON_CreateArray();
	cJSON_ArrayForEach(doc, cJSON_GetObjectItem(a, "documents"))
		if ((rc = attach(ctx, dir, doc, res, list, err)) != 0) {
			cJSON_Delete(list);
			return rc;
		}
	hq_detail(res, "documents", list);
	hq_detail(res, "assessor", cJSON_CreateString(who));
	hq_detail(res, "assessed_on", cJSON_CreateString(when));
	hq_detail(res, "assessment_file", cJSON_Duplicate(
	    cJSON_GetObjectItem(as, "path"), 1));
	if (strcmp(v, "PASS") == 0) {
		/* the loader refuses a PASS without a document */
		if (cJSON_GetArraySize(list) == 0)
			return hq_err_set(err, HQ_EINTERNAL, "PASS without "
			    "a document");
		hq_verdict(res, HQ_PASS, "assessed by %s on %s: %s", who, when,
		    why);
	} else if (strcmp(v, "FAIL") == 0)
		hq_verdict(res, HQ_FAIL, "assessed by %s on %s: %s", who, when,
		    why);
	else
		hq_verdict(res, HQ_INCONCLUSIVE, "assessed by %s on %s: %s",
		    who, when, why);
	return 0;
}

const struct hq_family hq_family_assessment = {
	.name		= "assessment",
	.summary	= "documentary case: the engineer's verdict from "
			  "hopquy run --assess FILE",
	.flags		= 0,
	.check_params	= assessment_check_params,
	.run		= assessment_run,
};
