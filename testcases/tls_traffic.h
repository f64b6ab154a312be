/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The tls family's "traffic" check (testcases/tls_traffic.c), called by
 * testcases/tls.c for cases whose params say "check": "traffic".  Part of
 * the tls family: no other module includes this header.
 */
#ifndef HQ_TLS_TRAFFIC_H
#define HQ_TLS_TRAFFIC_H

#include <stdbool.h>

#include "family.h"

/* True when params select this check. */
bool	hq_tls_traffic_selected(const cJSON *params);
int	hq_tls_traffic_check_params(const cJSON *params, struct hq_err *err);
int	hq_tls_traffic_run(struct hq_ctx *ctx, const struct hq_case *tc,
	    struct hq_result *res, struct hq_err *err);

#endif
