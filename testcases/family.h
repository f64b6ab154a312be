/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The interface between the run engine and a scenario family.  A family
 * exports one const ops table and nothing else; it never includes another
 * family's header.  run() returns 0 once it has a verdict (FAIL included:
 * a finding is not an error); a negative HQ_E* means it could not judge
 * and the engine records INCONCLUSIVE with "error: <msg>".
 */
#ifndef HQ_FAMILY_H
#define HQ_FAMILY_H

#include <stdint.h>

#include <cjson/cJSON.h>

/* A family reaches the bench and the capture only through the handles in
 * its context (ctx->bench, ctx->cap); their APIs come with this header. */
#include "bench/bench.h"
#include "bench/capture.h"
#include "core/profile.h"
#include "core/result.h"
#include "evidence/evidence.h"
#include "model/dut.h"
#include "util/err.h"
#include "util/log.h"
#include "util/util.h"

#define HQ_FAM_NEEDS_BENCH	0x1u	/* changes the DUT's network */
#define HQ_FAM_NEEDS_CAPTURE	0x2u	/* reads the run's capture */

struct hq_bench;
struct hq_capture;

/* What the engine gives each run of a test instance. */
struct hq_ctx {
	const struct hq_dut	*dut;
	const struct hq_profile	*profile;
	const struct hq_case	*tc;
	struct hq_deadline	 deadline;	/* the case's whole budget */
	struct hq_evidence	*ev;
	const char		*rundir;
	struct hq_bench		*bench;		/* NULL unless set up */
	struct hq_capture	*cap;		/* NULL unless capturing */
	int64_t			 t0_ns;		/* run's monotonic origin */
	cJSON			*facts;		/* shared run facts (owned by
						 * the engine), e.g. "open_ports" */
	void			*fam_state;	/* the family's own, per run */
};

struct hq_family {
	const char	*name;			/* as in profiles */
	const char	*summary;		/* one line, for --help */
	unsigned int	 flags;
	/* Validates a case's params; messages name the key ("ports: ..."). */
	int	(*check_params)(const cJSON *params, struct hq_err *err);
	int	(*run)(struct hq_ctx *ctx, const struct hq_case *tc,
		    struct hq_result *res, struct hq_err *err);
	void	(*cleanup)(struct hq_ctx *ctx);	/* optional */
};

/* testcases/families.c: the registry, NULL-terminated. */
extern const struct hq_family *const hq_families[];
const struct hq_family *hq_family_find(const char *name);

#endif
