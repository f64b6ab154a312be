/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The netcut family's verdict and rationale from what its trials found
 * and which sub-checks actually ran (a helper of testcases/netcut.c; the
 * unit tests call it on a result model directly).
 *
 * A sub-check is "ran" (it was judged in every trial), "no recipe" (the
 * DUT description lacks what it needs: "not checked: ..." in the
 * rationale, INCONCLUSIVE when the profile marks it required) or "not
 * required" (the profile switched it off).  The rationale of a PASS names
 * only the sub-checks that ran.
 */
#ifndef HQ_NETCUT_VERDICT_H
#define HQ_NETCUT_VERDICT_H

#include <stdbool.h>

struct hq_result;

enum nc_sub {
	NC_SUB_RAN = 0,
	NC_SUB_NO_RECIPE,	/* the DUT description has no recipe */
	NC_SUB_NOT_REQUIRED,	/* the profile does not ask for it */
};

struct nc_summary {
	long long	 trials;	/* trials run and judged */
	long long	 passed;	/* trials without a finding */
	int		 findings;	/* FAIL findings, all trials */
	int		 undecided;	/* limits inside the uncertainty band
					 * under the "inconclusive" rule */
	char		 undecided_what[200];	/* the first such */
	const char	*cut_mode;	/* "link-down", ... */
	double		 limit_ms, min_db, min_dur_ms;
	enum nc_sub	 audible, visual;	/* RAN or NOT_REQUIRED */
	const char	*light_kind;	/* "steady", "flashing", "strobe" */
	int		 negatives;	/* negative controls per trial */
	const char	*negative_kinds;	/* "empty, foliage", or NULL */
	enum nc_sub	 event;		/* local event log */
	bool		 event_required;
	enum nc_sub	 backlog;	/* reconnection and backlog upload */
	bool		 backlog_required;
};

/* Sets res's verdict and rationale from s (FAIL over a required check
 * that could not run over a value within uncertainty over PASS). */
void	nc_verdict(struct hq_result *res, const struct nc_summary *s);

/*
 * A latency is an onset minus the stimulus instant, read on two clocks:
 * an onset before the stimulus but inside the combined timing uncertainty
 * u is an alarm at the stimulus (*latp set to 0, NC_LAT_AT_STIMULUS); an
 * earlier one is no measurement to stand on (NC_LAT_BEFORE: undecided,
 * never a pass); otherwise NC_LAT_OK and *latp unchanged.
 */
enum nc_lat { NC_LAT_OK, NC_LAT_AT_STIMULUS, NC_LAT_BEFORE };
enum nc_lat nc_latency(double *latp, double u);

#endif
