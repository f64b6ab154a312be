/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The degradation curve (render_curve.h).  Self-contained: its own
 * memory stream, its own escaping (names are reduced to [a-z0-9-]), no
 * script, no external reference, so it fits report.html's CSP.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evidence/render_curve.h"

#define CURVE_SERIES_MAX	16
#define CURVE_SEV_MAX		5

static const char *const colours[] = {
	"#0969da", "#8250df", "#bf8700", "#1a7f37", "#cf222e", "#57606a",
	"#e16f24", "#116329",
};

static const cJSON *
jo(const cJSON *o, const char *k)
{
	return cJSON_GetObjectItemCaseSensitive(o, k);
}

/* A number in [0, 1], or NAN when absent or out of range. */
static double
unit(const cJSON *o, const char *k)
{
	const cJSON *v = jo(o, k);

	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) ||
	    v->valuedouble < 0 || v->valuedouble > 1)
		return NAN;
	return v->valuedouble;
}

/* name reduced to at most 24 of [a-z0-9-] */
static void
safe_name(const cJSON *v, char out[25])
{
	const char *s = cJSON_IsString(v) ? v->valuestring : "?";
	size_t i, n = 0;

	for (i = 0; s[i] != '\0' && n < 24; i++)
		if ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' &&
		    s[i] <= '9') || s[i] == '-')
			out[n++] = s[i];
	out[n] = '\0';
	if (n == 0)
		snprintf(out, 25, "?");
}

#define X0	60.0
#define W	420.0
#define Y0	30.0
#define H	200.0
#define SX(s)	(X0 + (s) * W / CURVE_SEV_MAX)
#define SY(r)	(Y0 + H - (r) * H)

static void
series(FILE *f, const cJSON *pts, const char *what, const char *colour,
    bool dashed, const char *name)
{
	const cJSON *pt, *r;
	double s, v, lo, hi;
	bool first = true;

	fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\""
	    "%s points=\"", colour, dashed ? " stroke-dasharray=\"5 3\"" : "");
	cJSON_ArrayForEach(pt, pts) {
		r = jo(pt, what);
		if (!cJSON_IsNumber(jo(pt, "severity")) ||
		    isnan(v = unit(r, "rate")))
			continue;
		s = jo(pt, "severity")->valuedouble;
		if (!(s >= 0 && s <= CURVE_SEV_MAX))
			continue;
		fprintf(f, "%s%.1f,%.1f", first ? "" : " ", SX(s), SY(v));
		first = false;
	}
	fprintf(f, "\"/>");
	cJSON_ArrayForEach(pt, pts) {
		r = jo(pt, what);
		if (!cJSON_IsNumber(jo(pt, "severity")) ||
		    isnan(v = unit(r, "rate")) || isnan(lo = unit(r, "lo")) ||
		    isnan(hi = unit(r, "hi")))
			continue;
		s = jo(pt, "severity")->valuedouble;
		if (!(s >= 0 && s <= CURVE_SEV_MAX))
			continue;
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
		    "y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1\"/>"
		    "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\">"
		    "<title>%s %s, severity %.0f: %.2f, 95%% [%.2f, %.2f]"
		    "</title></circle>", SX(s), SY(lo), SX(s), SY(hi), colour,
		    SX(s), SY(v), colour, name, what, s, v, lo, hi);
	}
}

char *
hq_render_curve_svg(const cJSON *res)
{
	const cJSON *c = jo(jo(res, "details"), "degradation_curve"), *one;
	double dmin, fmax_, y;
	char *buf = NULL, name[25];
	size_t len = 0;
	int i, k = 0;
	FILE *f;

	if (!cJSON_IsObject(c) || !cJSON_IsArray(jo(c, "series")) ||
	    cJSON_GetArraySize(jo(c, "series")) == 0)
		return NULL;
	if ((f = open_memstream(&buf, &len)) == NULL)
		return NULL;
	dmin = unit(c, "detection_min");
	fmax_ = unit(c, "false_alarm_max");
	fprintf(f, "<h3>Degradation curve</h3><svg xmlns=\"http://www.w3.org/"
	    "2000/svg\" role=\"img\" class=\"curve\" width=\"640\" "
	    "height=\"%d\" viewBox=\"0 0 640 %d\" font-family=\"sans-serif\" "
	    "font-size=\"10\"><title>Detection (solid) and false-alarm "
	    "(dashed) rate against severity, Wilson 95%% intervals</title>",
	    (int)(Y0 + H + 40), (int)(Y0 + H + 40));
	/* axes and grid */
	for (i = 0; i <= 4; i++) {
		y = SY(i / 4.0);
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
		    "y2=\"%.1f\" stroke=\"#d0d7de\"/><text x=\"%.1f\" "
		    "y=\"%.1f\" text-anchor=\"end\">%.2f</text>", X0, y,
		    X0 + W, y, X0 - 4, y + 3, i / 4.0);
	}
	for (i = 0; i <= CURVE_SEV_MAX; i++)
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\""
		    ">%s</text>", SX(i), Y0 + H + 14, i == 0 ? "clean" :
		    (const char *[]){ "", "1", "2", "3", "4", "5" }[i]);
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">"
	    "severity</text><text x=\"12\" y=\"%.1f\" transform=\"rotate("
	    "-90 12 %.1f)\" text-anchor=\"middle\">rate</text>", X0 + W / 2,
	    Y0 + H + 30, Y0 + H / 2, Y0 + H / 2);
	if (!isnan(dmin))
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
		    "y2=\"%.1f\" stroke=\"#1a7f37\" stroke-dasharray=\"2 2\"/>"
		    "<text x=\"%.1f\" y=\"%.1f\" fill=\"#1a7f37\">detection "
		    "&#8805; %.2f</text>", X0, SY(dmin), X0 + W, SY(dmin),
		    X0 + W + 4, SY(dmin) + 3, dmin);
	if (!isnan(fmax_))
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
		    "y2=\"%.1f\" stroke=\"#cf222e\" stroke-dasharray=\"2 2\"/>"
		    "<text x=\"%.1f\" y=\"%.1f\" fill=\"#cf222e\">false alarm "
		    "&#8804; %.2f</text>", X0, SY(fmax_), X0 + W, SY(fmax_),
		    X0 + W + 4, SY(fmax_) + 3, fmax_);
	cJSON_ArrayForEach(one, jo(c, "series")) {
		const char *col = colours[k % 8];

		if (k == CURVE_SERIES_MAX)
			break;
		safe_name(jo(one, "corruption"), name);
		series(f, jo(one, "points"), "detection", col, false, name);
		series(f, jo(one, "points"), "false_alarm", col, true, name);
		fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" "
		    "height=\"3\" fill=\"%s\"/><text x=\"%.1f\" y=\"%.1f\">"
		    "%s</text>", X0 + W + 4, Y0 + 40 + 14.0 * k, col,
		    X0 + W + 18, Y0 + 44 + 14.0 * k, name);
		k++;
	}
	fprintf(f, "</svg>");
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
