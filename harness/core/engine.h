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
	bool			 applicable;
	char			 reason[256];	/* why (not) applicable */
};

struct hq_plan {
	struct hq_plan_item	*items;
	size_t			 nitems;
};

/*
 * Plans profile x DUT: every case appears, with NOT_APPLICABLE and a reason
 * when the device class or a claim rules it out, or when --only leaves it
 * out (only: comma-separated ids or id prefixes; NULL: all).
 */
int	hq_plan_build(const struct hq_profile *p, const struct hq_dut *dut,
	    const char *only, struct hq_plan *planp, struct hq_err *err);
void	hq_plan_clear(struct hq_plan *plan);
cJSON	*hq_plan_to_json(const struct hq_plan *plan,
	    const struct hq_profile *p, const struct hq_dut *dut);

/* What `hopquy run` asks for. */
struct hq_run_opts {
	const char	*rundir;	/* NULL: runs/<report id> */
	const char	*only;
	const char	*sign_key;	/* PEM key, or NULL */
	const char	*sign_cert;
	const char	*lab_file;	/* lab configuration, or NULL */
	const char	*tsa_url;
	cJSON		*overrides;	/* {case id: {param: value}}, owned
					 * by the caller */
	bool		 progress;	/* one line per case on stderr */
	bool		 no_capture;
	unsigned	 snaplen;	/* 0: default */
	const char	*capture_filter; /* pcap-filter(7), NULL: all */
	unsigned long long capture_max_bytes; /* 0: default */
	int		 bench_instance; /* -1: from the DUT file */
};
#define HQ_RUN_OPTS_INIT { .bench_instance = -1 }

/* Summary of a finished run, for the exit status. */
struct hq_run_summary {
	size_t	npass, nfail, ninconclusive, nna;
	bool	interrupted;
	char	rundir[4096];
};

int	hq_engine_run(const struct hq_profile *p, const struct hq_dut *dut,
	    const struct hq_run_opts *o, struct hq_run_summary *sump,
	    struct hq_err *err);

#endif
