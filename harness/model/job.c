/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Job file loading.  Strict like the lab file: unknown keys, wrong types,
 * over-long strings and impossible ambient values are errors naming their
 * JSON path.  What is kept is a fresh tree of validated fields.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/job.h"
#include "util/err.h"
#include "util/jv.h"
#include "util/util.h"

struct hq_job {
	cJSON	*sections;
};

static int
copy_strs(const cJSON *obj, const char *path, const char *const *keys,
    size_t nreq, cJSON *out, struct hq_err *err)
{
	size_t i;
	char *s;
	int rc;

	for (i = 0; keys[i] != NULL; i++) {
		if ((rc = hq_jv_str(obj, path, keys[i], i < nreq,
		    HQ_JOB_STR_MAX, &s, err)) != 0)
			return rc;
		if (s != NULL) {
			cJSON_AddStringToObject(out, keys[i], s);
			free(s);
		}
	}
	return 0;
}

/* A section of string fields (the first nreq required). */
static int
section(const cJSON *root, const char *key, bool required,
    const char *const *keys, size_t nreq, cJSON *out, struct hq_err *err)
{
	const cJSON *o;
	cJSON *sec;
	int rc;

	if ((rc = hq_jv_get(root, "", key, cJSON_Object, required, &o,
	    err)) != 0 || o == NULL)
		return rc;
	if ((rc = hq_jv_keys(o, key, keys, err)) != 0)
		return rc;
	if ((sec = cJSON_AddObjectToObject(out, key)) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "job: no memory");
	return copy_strs(o, key, keys, nreq, sec, err);
}

static int
job_from_json(const cJSON *root, cJSON *out, struct hq_err *err)
{
	static const char *const top[] = { "$schema", "format", "job",
	    "customer", "item", "ambient", "deviations", NULL };
	static const char *const job[] = { "reference", "requested",
	    "notes", NULL };
	static const char *const cust[] = { "name", "address", "contact",
	    "reference", NULL };
	static const char *const item[] = { "received", "condition",
	    "sampling", NULL };
	static const char *const amb[] = { "location", "temperature_c",
	    "humidity_pct", "notes", NULL };
	static const char *const amb_s[] = { "location", "notes", NULL };
	static const char *const dev[] = { "case", "justification",
	    "approved_by", "param", NULL };
	static const char *const fmt[] = { HQ_JOB_FORMAT, NULL };
	const cJSON *o, *d;
	cJSON *sec, *arr;
	char path[64], *s = NULL;
	size_t i;
	double v;
	int rc;

	if ((rc = hq_jv_keys(root, "", top, err)) != 0 ||
	    (rc = hq_jv_enum(root, "", "format", true, fmt, &s, err)) != 0 ||
	    (rc = section(root, "job", false, job, 0, out, err)) != 0 ||
	    (rc = section(root, "customer", true, cust, 1, out, err)) != 0 ||
	    /* 17025 7.8.2.1 f, h: condition and date of receipt */
	    (rc = section(root, "item", true, item, 2, out, err)) != 0)
		goto out;
	if ((rc = hq_jv_get(root, "", "ambient", cJSON_Object, false, &o,
	    err)) != 0)
		goto out;
	if (o != NULL) {
		if ((rc = hq_jv_keys(o, "ambient", amb, err)) != 0)
			goto out;
		sec = cJSON_AddObjectToObject(out, "ambient");
		if ((rc = copy_strs(o, "ambient", amb_s, 0, sec, err)) != 0)
			goto out;
		if (cJSON_GetObjectItemCaseSensitive(o, "temperature_c") !=
		    NULL) {
			if ((rc = hq_jv_num(o, "ambient", "temperature_c",
			    true, -40.0, 85.0, 0, &v, err)) != 0)
				goto out;
			cJSON_AddNumberToObject(sec, "temperature_c", v);
		}
		if (cJSON_GetObjectItemCaseSensitive(o, "humidity_pct") !=
		    NULL) {
			if ((rc = hq_jv_num(o, "ambient", "humidity_pct", true,
			    0.0, 100.0, 0, &v, err)) != 0)
				goto out;
			cJSON_AddNumberToObject(sec, "humidity_pct", v);
		}
	}
	if ((rc = hq_jv_get(root, "", "deviations", cJSON_Array, false, &o,
	    err)) != 0)
		goto out;
	arr = cJSON_AddArrayToObject(out, "deviation_approvals");
	if (cJSON_GetArraySize(o) > HQ_JOB_DEVIATIONS_MAX) {
		rc = hq_err_set(err, HQ_EINVAL, "deviations: at most %d",
		    HQ_JOB_DEVIATIONS_MAX);
		goto out;
	}
	i = 0;
	cJSON_ArrayForEach(d, o) {
		snprintf(path, sizeof(path), "deviations[%zu]", i++);
		if (!cJSON_IsObject(d)) {
			rc = hq_err_set(err, HQ_EINVAL, "%s: expected an "
			    "object", path);
			goto out;
		}
		if ((rc = hq_jv_keys(d, path, dev, err)) != 0)
			goto out;
		sec = cJSON_CreateObject();
		cJSON_AddItemToArray(arr, sec);
		if ((rc = copy_strs(d, path, dev, 3, sec, err)) != 0)
			goto out;
	}
 out:
	free(s);
	return rc;
}

int
hq_job_load(const char *path, struct hq_job **jobp, struct hq_err *err)
{
	struct hq_job *job = NULL;
	struct hq_err lerr = { 0 };
	cJSON *root = NULL, *j;
	char *text = NULL, sha[65];
	size_t len;
	int rc;

	*jobp = NULL;
	if ((rc = hq_file_slurp(path, HQ_JOB_FILE_MAX, &text, &len,
	    err)) != 0 ||
	    (rc = hq_jv_parse(path, text, len, &root, err)) != 0)
		goto out;
	if ((job = calloc(1, sizeof(*job))) == NULL ||
	    (job->sections = cJSON_CreateObject()) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "job: no memory");
		goto out;
	}
	if ((rc = job_from_json(root, job->sections, &lerr)) != 0) {
		rc = hq_err_set(err, rc, "%s: %s", path, lerr.msg);
		goto out;
	}
	hq_sha256_hex(text, len, sha);
	if ((j = cJSON_GetObjectItemCaseSensitive(job->sections, "job")) ==
	    NULL)
		j = cJSON_AddObjectToObject(job->sections, "job");
	cJSON_AddStringToObject(j, "file", path);
	cJSON_AddStringToObject(j, "sha256", sha);
	*jobp = job;
	job = NULL;
 out:
	hq_job_free(job);
	cJSON_Delete(root);
	free(text);
	return rc;
}

void
hq_job_free(struct hq_job *job)
{
	if (job == NULL)
		return;
	cJSON_Delete(job->sections);
	free(job);
}

cJSON *
hq_job_report_json(const struct hq_job *job)
{
	return job != NULL ? cJSON_Duplicate(job->sections, 1) :
	    cJSON_CreateObject();
}
