/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report.json: assembled from the run's results and evidence manifest,
 * written atomically.  Follows reports/report.schema.json and carries the
 * content ISO/IEC 17025:2017 7.8 asks of a test report.
 */
#ifndef HQ_REPORT_H
#define HQ_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

struct hq_err;
struct hq_dut;
struct hq_profile;

#define HQ_REPORT_FORMAT	"hopquy-report/1"

struct hq_report_in {
	const struct hq_profile	*profile;
	const struct hq_dut	*dut;
	const char		*report_id;
	int64_t			 started_ms;	/* unix ms */
	int64_t			 ended_ms;
	const cJSON		*results;	/* array of result entries */
	const cJSON		*manifest;	/* evidence manifest */
	const cJSON		*run_extra;	/* merged into "run" */
	const cJSON		*deviations;	/* array, may be NULL */
	const cJSON		*lab;		/* lab sections (lab.c), merged
						 * at the top; may be NULL */
	bool			 complete;
};

/* A new report tree (caller frees). */
cJSON	*hq_report_build(const struct hq_report_in *in);
/* Writes rundir/report.json atomically (pretty, trailing newline). */
int	hq_report_write(const char *rundir, const cJSON *report,
	    struct hq_err *err);
/* report.json's bytes (pretty, trailing newline; caller frees), and
 * their atomic write as rundir/report.json: hq_report_write in two. */
int	hq_report_text(const cJSON *report, char **textp, size_t *lenp,
	    struct hq_err *err);
int	hq_report_write_text(const char *rundir, const char *text,
	    size_t len, struct hq_err *err);
/* A fresh unique report id, "HQ-YYYYMMDD-HHMMSS-xxxxxxxx". */
void	hq_report_new_id(char *out, size_t outsz);

#endif
