/* SPDX-License-Identifier: Apache-2.0 */
/* The degradation curve's SVG: drawn from details.degradation_curve,
 * absent without one, and hostile names or numbers never reach it. */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "evidence/render_curve.h"

Suite *suite_render_curve(void);

static const char good[] =
    "{\"details\":{\"degradation_curve\":{\"detection_min\":0.7,"
    "\"false_alarm_max\":0.3,\"series\":[{\"corruption\":\"lowlight\","
    "\"points\":[{\"severity\":0,\"detection\":{\"k\":12,\"n\":12,"
    "\"rate\":1,\"lo\":0.76,\"hi\":1},\"false_alarm\":{\"k\":0,\"n\":12,"
    "\"rate\":0,\"lo\":0,\"hi\":0.24}},{\"severity\":3,\"detection\":{"
    "\"k\":1,\"n\":12,\"rate\":0.08,\"lo\":0.01,\"hi\":0.35},"
    "\"false_alarm\":{\"k\":0,\"n\":12,\"rate\":0,\"lo\":0,\"hi\":0.24}}"
    "]}]}}}";

START_TEST(test_render_curve_svg)
{
	cJSON *j = cJSON_Parse(good);
	char *svg;

	ck_assert_ptr_nonnull(j);
	svg = hq_render_curve_svg(j);
	ck_assert_ptr_nonnull(svg);
	ck_assert_ptr_nonnull(strstr(svg, "<svg xmlns=\"http://www.w3.org/"
	    "2000/svg\""));
	ck_assert_ptr_nonnull(strstr(svg, "</svg>"));
	/* two polylines (detection, false alarm), limits, the legend;
	 * severity 3 at x = 60 + 3 * 420 / 5, rate 0.08 at 30 + 200 - 16 */
	ck_assert_ptr_nonnull(strstr(svg, "312.0,214.0"));
	ck_assert_ptr_nonnull(strstr(svg, "detection &#8805; 0.70"));
	ck_assert_ptr_nonnull(strstr(svg, "false alarm &#8804; 0.30"));
	ck_assert_ptr_nonnull(strstr(svg, ">lowlight</text>"));
	ck_assert_ptr_nonnull(strstr(svg, "95% [0.01, 0.35]"));
	free(svg);
	cJSON_Delete(j);
}
END_TEST

START_TEST(test_render_curve_absent_and_hostile)
{
	cJSON *j = cJSON_Parse("{\"details\":{}}");
	char *svg;

	ck_assert_ptr_null(hq_render_curve_svg(j));
	cJSON_Delete(j);
	j = cJSON_Parse("{\"details\":{\"degradation_curve\":{\"series\":"
	    "[{\"corruption\":\"<script>x</script>\",\"points\":[{"
	    "\"severity\":9,\"detection\":{\"rate\":0.5,\"lo\":0,\"hi\":1}},"
	    "{\"severity\":1,\"detection\":{\"rate\":7,\"lo\":0,\"hi\":1}}"
	    "]}]}}}");
	ck_assert_ptr_nonnull(j);
	svg = hq_render_curve_svg(j);
	ck_assert_ptr_nonnull(svg);
	ck_assert_ptr_null(strstr(svg, "<script"));
	ck_assert_ptr_nonnull(strstr(svg, ">scriptxscript</text>"));
	ck_assert_ptr_null(strstr(svg, "<circle"));	/* no valid point */
	free(svg);
	cJSON_Delete(j);
}
END_TEST

Suite *
suite_render_curve(void)
{
	Suite *s = suite_create("render_curve");
	TCase *tc = tcase_create("svg");

	tcase_add_test(tc, test_render_curve_svg);
	tcase_add_test(tc, test_render_curve_absent_and_hostile);
	suite_add_tcase(s, tc);
	return s;
}
