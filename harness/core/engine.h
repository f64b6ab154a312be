/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The run engine: plans a profile against a DUT, runs each applicable test
 * instance through its family with a context and a deadline, streams each
 * result to results.jsonl and assembles report.json (atomically).
 */
#ifndef HQ_ENGINE_H
#define HQ_ENGINE_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

struct hq_err;
struct hq_dut;
struct hq_profile;

/* One planned test instance. */
struct hq_plan_item {
	const struct hq_case	*tc;		/* borrowed from the profile */
	bool			 applicable;	/* runs */
	bool			 selected;	/* false: NOT_RUN (--only) */
	char			 reason[256];	/* why (not) applicable */
};

struct hq_plan {
	struct hq_plan_item	*items;
	size_t			 nitems;
};

/*
 * Plans profile x DUT: every case appears, with NOT_APPLICABLE and a reason
 * when the device class or a claim rules it out, and NOT_RUN when --only
 * leaves it out (only: comma-separated case ids, group ids such as "g1",
 * or case-id prefixes ending at a separator, with or without the
 * profile's id; NULL: all).  A selection item that matches no case is
 * HQ_EUSAGE naming it (hq_plan_valid_ids lists what would match).
 */
int	hq_plan_build(const struct hq_profile *p, const struct hq_dut *dut,
	    const char *only, struct hq_plan *planp, struct hq_err *err);
void	hq_plan_clear(struct hq_plan *plan);
/* Checks an --only selection alone: 0, or HQ_EUSAGE naming the first item
 * that matches nothing. */
int	hq_plan_check_only(const struct hq_profile *p, const char *only,
	    struct hq_err *err);
/* The ids --only accepts, one per line ("group g1: title", case ids), for
 * a usage error's message; the caller frees. */
char	*hq_plan_valid_ids(const struct hq_profile *p);
cJSON	*hq_plan_to_json(const struct hq_plan *plan,
	    const struct hq_profile *p, const struct hq_dut *dut);

/* What `hopquy run` asks for. */
struct hq_run_opts {
	const char	*rundir;	/* NULL: runs/<report id> */
	const char	*only;
	const char	*sign_key;	/* PEM key, or NULL */
	const char	*sign_cert;
	const char	*lab_file;	/* lab configuration, or NULL */
	const char	*job_file;	/* this job's data (hopquy-job/1) */
	const char	*tsa_url;
	cJSON		*overrides;	/* {case id: {param: value}}, owned
					 * by the caller */
	bool		 progress;	/* one line per case on stderr, and
					 * the current step of long cases */
	bool		 progress_tty;	/* stderr is a terminal: redraw */
	int		 reach_ms;	/* DUT reachability deadline; 0:
					 * default, <0: no check */
	bool		 no_capture;
	unsigned	 snaplen;	/* 0: default */
	const char	*capture_filter; /* pcap-filter(7), NULL: all */
	unsigned long long capture_max_bytes; /* 0: default */
	int		 bench_instance; /* -1: from the DUT file */
	const cJSON	*assessment;	/* hq_assess_load's, or NULL */
	const char	*group;		/* lab group: run directory 02750,
					 * files 0640; NULL: 0700 and 0600 */
	bool		 privsep;	/* a monitor and an unprivileged
					 * worker (bench/priv.h) */
	bool		 no_bench;	/* an unprivileged host-mode run:
					 * no bench, no capture */
};
#define HQ_RUN_OPTS_INIT { .bench_instance = -1 }

/* Summary of a finished run, for the exit status. */
struct hq_run_summary {
	size_t	npass, nfail, ninconclusive, nna, nnotrun;
	bool	interrupted;
	char	verdict[16];		/* PASS FAIL INCONCLUSIVE INCOMPLETE */
	char	statement[512];		/* the overall result, one line */
	char	failing[1024];		/* ids of FAIL cases, ", " joined */
	char	report_id[64];
	bool	sign_failed;		/* a signature was asked for and not
					 * obtained: report.json is unsigned */
	bool	render_failed;		/* report.html or junit.xml missing */
	char	output_error[256];	/* why, for either */
	char	rundir[4096];
};

int	hq_engine_run(const struct hq_profile *p, const struct hq_dut *dut,
	    const struct hq_run_opts *o, struct hq_run_summary *sump,
	    struct hq_err *err);

#endif
