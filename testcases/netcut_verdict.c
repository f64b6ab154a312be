/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netcut's verdict and rationale (see netcut_verdict.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "family.h"
#include "netcut_verdict.h"

#define RAT_MAX	1024

static void
cat(char *b, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
cat(char *b, size_t cap, const char *fmt, ...)
{
	size_t len = strlen(b);
	va_list ap;

	if (len + 1 >= cap)
		return;
	va_start(ap, fmt);
	vsnprintf(b + len, cap - len, fmt, ap);
	va_end(ap);
}

/* "not checked: ..." for the sub-checks that did not run. */
static void
not_checked(const struct nc_summary *s, char *b, size_t cap)
{
	const char *sep = "; not checked: ";

	if (s->audible != NC_SUB_RAN) {
		cat(b, cap, "%saudible alarm (not required by the profile)",
		    sep);
		sep = ", ";
	}
	if (s->visual != NC_SUB_RAN) {
		cat(b, cap, "%svisual alarm (not required by the profile)",
		    sep);
		sep = ", ";
	}
	if (s->event == NC_SUB_NO_RECIPE) {
		cat(b, cap, "%slocal event log (no alarm.events recipe)", sep);
		sep = ", ";
	} else if (s->event == NC_SUB_NOT_REQUIRED) {
		cat(b, cap, "%slocal event log (not required by the profile)",
		    sep);
		sep = ", ";
	}
	if (s->backlog == NC_SUB_NO_RECIPE)
		cat(b, cap, "%sreconnection and backlog upload (no "
		    "alarm.cloud recipe)", sep);
	else if (s->backlog == NC_SUB_NOT_REQUIRED)
		cat(b, cap, "%sreconnection and backlog upload (not required "
		    "by the profile)", sep);
}

void
nc_verdict(struct hq_result *res, const struct nc_summary *s)
{
	char b[RAT_MAX] = "";

	if (s->findings > 0) {
		hq_verdict(res, HQ_FAIL, "%d finding%s in %lld trial%s (%lld "
		    "passed); see findings", s->findings, s->findings == 1 ?
		    "" : "s", s->trials, s->trials == 1 ? "" : "s", s->passed);
		return;
	}
	if ((s->event == NC_SUB_NO_RECIPE && s->event_required) ||
	    (s->backlog == NC_SUB_NO_RECIPE && s->backlog_required)) {
		hq_verdict(res, HQ_INCONCLUSIVE, "a required sub-check could "
		    "not run: %s%s%s", s->event == NC_SUB_NO_RECIPE &&
		    s->event_required ? "the local event log (the DUT "
		    "description has no alarm.events)" : "",
		    s->event == NC_SUB_NO_RECIPE && s->event_required &&
		    s->backlog == NC_SUB_NO_RECIPE && s->backlog_required ?
		    ", " : "", s->backlog == NC_SUB_NO_RECIPE &&
		    s->backlog_required ? "reconnection and backlog upload "
		    "(the DUT description has no alarm.cloud)" : "");
		return;
	}
	if (s->undecided > 0) {
		hq_verdict(res, HQ_INCONCLUSIVE, "within uncertainty: %s "
		    "(%d value%s inside the uncertainty band of a limit; "
		    "decision rule: inconclusive)", s->undecided_what,
		    s->undecided, s->undecided == 1 ? "" : "s");
		return;
	}
	if (s->trials <= 0) {
		hq_verdict(res, HQ_INCONCLUSIVE, "no trial was judged");
		return;
	}
	cat(b, sizeof(b), "%lld of %lld trial%s with the uplink cut (%s):",
	    s->passed, s->trials, s->trials == 1 ? "" : "s",
	    s->cut_mode != NULL ? s->cut_mode : "?");
	if (s->audible == NC_SUB_RAN)
		cat(b, sizeof(b), " audible alarm within %.0f ms, at or above "
		    "%.0f dB, for at least %.0f ms;", s->limit_ms, s->min_db,
		    s->min_dur_ms);
	if (s->visual == NC_SUB_RAN)
		cat(b, sizeof(b), " visual alarm (%s) within %.0f ms, for at "
		    "least %.0f ms;", s->light_kind != NULL ? s->light_kind :
		    "light", s->limit_ms, s->min_dur_ms);
	cat(b, sizeof(b), " no false alarm in %d negative control%s per "
	    "trial%s%s%s", s->negatives, s->negatives == 1 ? "" : "s",
	    s->negative_kinds != NULL ? " (" : "", s->negative_kinds != NULL ?
	    s->negative_kinds : "", s->negative_kinds != NULL ? ")" : "");
	if (s->event == NC_SUB_RAN)
		cat(b, sizeof(b), "; event in the local log");
	if (s->backlog == NC_SUB_RAN)
		cat(b, sizeof(b), "; reconnected and backlog uploaded");
	not_checked(s, b, sizeof(b));
	hq_verdict(res, HQ_PASS, "%s", b);
}

enum nc_lat
nc_latency(double *latp, double u)
{
	if (*latp >= 0)
		return NC_LAT_OK;
	if (*latp >= -u) {
		*latp = 0;
		return NC_LAT_AT_STIMULUS;
	}
	return NC_LAT_BEFORE;
}
