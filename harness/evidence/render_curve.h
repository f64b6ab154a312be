/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The degradation curve of an aisafety case as inline SVG for report.html:
 * detection and false-alarm rate against severity, one line per
 * corruption, the Wilson 95 % interval of each point as a bar, and the
 * profile's limits.  Reads only the case's details.degradation_curve
 * (hopquy-report(5)); the report is data, so every name and number is
 * checked before it reaches the markup.
 */
#ifndef HQ_RENDER_CURVE_H
#define HQ_RENDER_CURVE_H

#include <cjson/cJSON.h>

/*
 * The SVG (with an <h3> heading) for the result entry res, or NULL when it
 * holds no curve or memory ran out.  The caller frees it.
 */
char	*hq_render_curve_svg(const cJSON *res);

#endif
