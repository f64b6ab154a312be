/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The job file (hopquy-job/1, reports/job.schema.json): what changes from
 * one job to the next, apart from the lab's fixed data (model/lab.h): the
 * customer, the item's receipt date and condition, the ambient conditions
 * during the test, and who approved each deviation from the method and
 * why (ISO/IEC 17025:2017 7.8.2.1, 7.8.3.1).  Holds no secrets.
 */
#ifndef HQ_JOB_H
#define HQ_JOB_H

#include <cjson/cJSON.h>

struct hq_err;
struct hq_job;

#define HQ_JOB_FORMAT		"hopquy-job/1"
#define HQ_JOB_FILE_MAX		(256 * 1024)
#define HQ_JOB_STR_MAX		1024
#define HQ_JOB_DEVIATIONS_MAX	256

/* Loads and validates path strictly; *jobp is the caller's. */
int	hq_job_load(const char *path, struct hq_job **jobp,
	    struct hq_err *err);
void	hq_job_free(struct hq_job *job);
/*
 * The report's job sections, a new tree the caller frees: "job" (with the
 * file's path and SHA-256), "customer", "item", "ambient", and
 * "deviation_approvals" (array of {case, param, justification,
 * approved_by}).
 */
cJSON	*hq_job_report_json(const struct hq_job *job);

#endif
