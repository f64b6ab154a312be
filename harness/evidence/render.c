/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report.html, junit.xml and the in-toto Statement, all from report.json
 * alone (so `hopquy render` can redo them).  The report is data, possibly
 * hand-edited: every field is looked up with its type checked, a missing
 * one renders as "not stated", and every string is escaped for HTML/XML
 * (invalid UTF-8 and control bytes become U+FFFD).  The HTML carries a
 * Content-Security-Policy that forbids any fetch or script.
 */
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "evidence/render.h"
#include "evidence/render_curve.h"
#include "evidence/sign.h"
#include "util/err.h"
#include "util/jv.h"
#include "util/log.h"
#include "util/util.h"

/* A growing text buffer with a cap; errors stick (checked at the end). */
struct sb {
	char	*p;
	size_t	 len, cap;
	bool	 failed;
};

static void
sb_put(struct sb *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (n > HQ_RENDER_OUT_MAX - b->len) {
		b->failed = true;
		return;
	}
	if (b->len + n + 1 > b->cap) {
		size_t ncap = b->cap == 0 ? 16384 : b->cap;
		char *np;

		while (ncap < b->len + n + 1)
			ncap *= 2;
		if ((np = realloc(b->p, ncap)) == NULL) {
			b->failed = true;
			return;
		}
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
sb_puts(struct sb *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

static void sb_printf(struct sb *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
sb_printf(struct sb *b, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	sb_put(b, buf, (size_t)n < sizeof(buf) ? (size_t)n :
	    sizeof(buf) - 1);
}

/* Text for HTML or XML content and attribute values. */
static void
sb_esc(struct sb *b, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t len, i, bad, start = 0;
	bool valid;

	if (s == NULL)
		return;
	len = strlen(s);
	valid = hq_utf8_valid(s, len, &bad);
	for (i = 0; i < len; i++) {
		const char *rep = NULL;

		switch (u[i]) {
		case '&':	rep = "&amp;"; break;
		case '<':	rep = "&lt;"; break;
		case '>':	rep = "&gt;"; break;
		case '"':	rep = "&quot;"; break;
		case '\'':	rep = "&#39;"; break;
		case '\t': case '\n': case '\r':
			break;
		default:
			/* XML 1.0 forbids C0 controls even as references. */
			if (u[i] < 0x20 || u[i] == 0x7f ||
			    (u[i] >= 0x80 && !valid))
				rep = "&#xFFFD;";
		}
		if (rep != NULL) {
			sb_put(b, s + start, i - start);
			sb_puts(b, rep);
			start = i + 1;
		}
	}
	sb_put(b, s + start, len - start);
}

static int
sb_finish(struct sb *b, const char *what, char **outp, size_t *lenp,
    struct hq_err *err)
{
	if (b->failed || b->p == NULL) {
		free(b->p);
		return hq_err_set(err, HQ_ENOMEM, "%s: no memory or larger "
		    "than %u bytes", what, HQ_RENDER_OUT_MAX);
	}
	*outp = b->p;
	*lenp = b->len;
	return 0;
}

/* Typed lookups; NULL / dflt when absent or of another type. */
static const cJSON *
jo(const cJSON *o, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(o, key);
}

static const char *
js(const cJSON *o, const char *key)
{
	return cJSON_GetStringValue(jo(o, key));
}

static const char *
jsd(const cJSON *o, const char *key, const char *dflt)
{
	const char *s = js(o, key);

	return s != NULL ? s : dflt;
}

static double
jnum(const cJSON *o, const char *key, double dflt)
{
	const cJSON *n = jo(o, key);

	return cJSON_IsNumber(n) ? n->valuedouble : dflt;
}

/* Parses our RFC 3339 UTC stamps ("2026-01-02T03:04:05.678Z"). */
static bool
parse_time_ms(const char *s, int64_t *msp)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";
	int v[6] = { 0 }, ms = 0, f, k = 0;
	struct tm tm;
	size_t i;
	time_t t;

	if (s == NULL || strlen(s) < sizeof(shape) - 1)
		return false;
	for (i = 0; i < sizeof(shape) - 1; i++) {
		if (shape[i] == 'd') {
			if (s[i] < '0' || s[i] > '9')
				return false;
		} else if (s[i] != shape[i])
			return false;
	}
	for (i = 0, f = 0; f < 6; f++) {
		int n = f == 0 ? 4 : 2;

		for (k = 0; k < n; k++, i++)
			v[f] = v[f] * 10 + (s[i] - '0');
		i++;		/* the separator */
	}
	i = sizeof(shape) - 1;
	if (s[i] == '.') {
		for (k = 0, i++; k < 3 && s[i] >= '0' && s[i] <= '9'; k++, i++)
			ms = ms * 10 + (s[i] - '0');
		for (; k < 3; k++)
			ms *= 10;
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = v[0] - 1900;
	tm.tm_mon = v[1] - 1;
	tm.tm_mday = v[2];
	tm.tm_hour = v[3];
	tm.tm_min = v[4];
	tm.tm_sec = v[5];
	if ((t = timegm(&tm)) == (time_t)-1)
		return false;
	*msp = (int64_t)t * 1000 + ms;
	return true;
}

/* Case verdicts, then what only a group or the whole report can be. */
enum { V_PASS, V_FAIL, V_INC, V_NA, V_NR, V_N, V_INCOMPLETE = V_N,
    V_NC, V_ALL };
static const char *const vname[V_ALL] = { "PASS", "FAIL", "INCONCLUSIVE",
    "NOT_APPLICABLE", "NOT_RUN", "INCOMPLETE", "NOT_COVERED" };
static const char *const vcolor[V_ALL] = { "#1a7f37", "#cf222e", "#bf8700",
    "#8c959f", "#57606a", "#9a6700", "#6e7781" };

static int
vindex(const char *v)
{
	int i;

	for (i = 0; v != NULL && i < V_N; i++)
		if (strcmp(v, vname[i]) == 0)
			return i;
	return V_INC;		/* unknown or missing: not a PASS */
}

/* A badge's class for any status of the report. */
static int
bindex(const char *v)
{
	int i;

	for (i = 0; v != NULL && i < V_ALL; i++)
		if (strcmp(v, vname[i]) == 0)
			return i;
	return V_INC;
}

static void
badge(struct sb *b, const char *v)
{
	int i = bindex(v);

	sb_printf(b, "<span class=\"v v%d\">", i);
	sb_esc(b, v != NULL ? v : "none");
	sb_puts(b, "</span>");
}

static const char css[] =
"*{box-sizing:border-box}"
"body{font:10.5pt/1.4 'DejaVu Sans',Arial,sans-serif;color:#1f2328;"
"margin:0 auto;max-width:1100px;padding:16px}"
"h1{font-size:17pt;margin:0 0 4px}h2{font-size:13pt;border-bottom:2px solid"
" #d0d7de;margin:22px 0 8px;padding-bottom:2px}"
"h3{font-size:11pt;margin:14px 0 6px}"
"table{border-collapse:collapse;width:100%;margin:4px 0 10px}"
"th,td{border:1px solid #d0d7de;padding:3px 6px;text-align:left;"
"vertical-align:top}th{background:#f6f8fa;font-weight:600}"
"table.kv th{width:24%}"
"td.num{text-align:right;font-variant-numeric:tabular-nums}"
"code,pre,.mono{font-family:'DejaVu Sans Mono',monospace;font-size:9pt}"
"pre{white-space:pre-wrap;word-break:break-all;background:#f6f8fa;"
"padding:4px;margin:0}"
".hash{word-break:break-all}"
".v{display:inline-block;padding:0 6px;border-radius:3px;color:#fff;"
"font-weight:700;font-size:9pt}"
".v0{background:#1a7f37}.v1{background:#cf222e}.v2{background:#bf8700}"
".v3{background:#8c959f}.v4{background:#57606a}.v5{background:#9a6700}"
".v6{background:#6e7781}"
".p1{border:2px solid #1f2328;padding:6px 10px;margin:10px 0}"
".p1 table{margin:0}"
".case{border:1px solid #d0d7de;border-radius:4px;padding:6px 10px;"
"margin:10px 0;break-inside:avoid-page}"
".muted{color:#57606a}.big{font-size:14pt}"
"svg{max-width:100%;height:auto}"
"header{border-bottom:3px solid #1f2328;padding-bottom:6px}"
"footer{margin-top:24px;border-top:1px solid #d0d7de;color:#57606a;"
"font-size:9pt}"
"@media print{body{max-width:none;padding:0;font-size:9.5pt}"
"h2{break-after:avoid-page}tr{break-inside:avoid}"
"*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}";

static void
kv(struct sb *b, const char *k, const char *v)
{
	sb_puts(b, "<tr><th>");
	sb_esc(b, k);
	sb_puts(b, "</th><td>");
	sb_esc(b, v != NULL ? v : "not stated");
	sb_puts(b, "</td></tr>");
}

static void
kv_mono(struct sb *b, const char *k, const char *v)
{
	sb_puts(b, "<tr><th>");
	sb_esc(b, k);
	sb_puts(b, "</th><td class=\"mono hash\">");
	sb_esc(b, v != NULL ? v : "not stated");
	sb_puts(b, "</td></tr>");
}

static void
html_lab(struct sb *b, const cJSON *r)
{
	const cJSON *lab = jo(r, "laboratory"), *cust = jo(r, "customer"),
	    *auth = jo(r, "authorisation"), *acc = jo(lab, "accreditation"),
	    *sig = jo(auth, "signature"), *tool = jo(r, "tool"),
	    *run = jo(r, "run");
	char buf[1024];

	sb_puts(b, "<h2 id=\"identification\">1. Report identification</h2>"
	    "<table class=\"kv\">");
	kv(b, "Report id", js(r, "report_id"));
	kv(b, "Laboratory", js(lab, "name"));
	kv(b, "Laboratory address", js(lab, "address"));
	if (acc != NULL) {
		snprintf(buf, sizeof(buf), "%s %s%s%s%s%s",
		    jsd(acc, "body", ""), jsd(acc, "number", ""),
		    js(acc, "standard") != NULL ? ", " : "",
		    jsd(acc, "standard", ""),
		    js(acc, "scope") != NULL ? "; scope: " : "",
		    jsd(acc, "scope", ""));
		kv(b, "Accreditation", buf);
	}
	if (js(lab, "contact") != NULL)
		kv(b, "Laboratory contact", js(lab, "contact"));
	kv(b, "Customer", js(cust, "name"));
	if (js(cust, "address") != NULL)
		kv(b, "Customer address", js(cust, "address"));
	if (js(cust, "reference") != NULL)
		kv(b, "Customer reference", js(cust, "reference"));
	kv(b, "Test started", js(run, "started"));
	kv(b, "Test ended", js(run, "ended"));
	snprintf(buf, sizeof(buf), "%s %s (build %s)", jsd(tool, "name",
	    "hopquy"), jsd(tool, "version", "?"), jsd(tool, "build_id", "?"));
	kv(b, "Tool", buf);
	snprintf(buf, sizeof(buf), "%s%s%s", jsd(auth, "name", "not stated"),
	    js(auth, "role") != NULL ? ", " : "", jsd(auth, "role", ""));
	kv(b, "Authorised by", buf);
	if (cJSON_IsObject(sig)) {
		kv(b, "Signature", "report.json.p7s (CMS, detached, DER)");
		kv(b, "Signer certificate", js(sig, "signer"));
		if (js(sig, "keyid") != NULL)
			kv_mono(b, "Signer key (SHA-256 of SPKI)",
			    js(sig, "keyid"));
	} else
		kv(b, "Signature", "unsigned");
	if (cJSON_IsFalse(jo(r, "complete")))
		kv(b, "Completeness", "the run was interrupted");
	sb_puts(b, "</table>");
}

static void
html_item(struct sb *b, const cJSON *r)
{
	const cJSON *d = jo(r, "dut"), *item = jo(r, "item"),
	    *p = jo(r, "profile"), *in, *run = jo(r, "run"),
	    *env = jo(run, "environment"), *amb = jo(r, "ambient");
	char buf[64];

	sb_puts(b, "<h2 id=\"item\">2. Item tested</h2><table class=\"kv\">");
	kv(b, "Manufacturer", js(d, "manufacturer"));
	kv(b, "Model", js(d, "model"));
	kv(b, "Serial number", js(d, "serial"));
	kv(b, "Firmware", js(d, "firmware"));
	kv(b, "Device class", js(d, "class"));
	if (js(d, "hs_code") != NULL)
		kv(b, "HS code", js(d, "hs_code"));
	kv(b, "Address on the bench", js(d, "address"));
	kv(b, "Condition", js(item, "condition"));
	if (js(item, "received") != NULL)
		kv(b, "Received", js(item, "received"));
	if (js(item, "sampling") != NULL)
		kv(b, "Sampling", js(item, "sampling"));
	sb_puts(b, "</table>");

	sb_puts(b, "<h2 id=\"method\">3. Test specification</h2>"
	    "<table class=\"kv\">");
	kv(b, "Regulation", js(p, "regulation"));
	kv(b, "Issuer", js(p, "issuer"));
	kv(b, "Profile", js(p, "id"));
	kv(b, "Profile title", js(p, "title"));
	kv(b, "Profile version", js(p, "version"));
	kv(b, "Profile status", js(p, "status"));
	sb_puts(b, "</table><table><tr><th>Input</th><th>File</th>"
	    "<th>SHA-256</th></tr>");
	cJSON_ArrayForEach(in, jo(r, "inputs")) {
		sb_puts(b, "<tr><td>");
		sb_esc(b, js(in, "role"));
		sb_puts(b, "</td><td class=\"mono\">");
		sb_esc(b, js(in, "path"));
		sb_puts(b, "</td><td class=\"mono hash\">");
		sb_esc(b, js(in, "sha256"));
		sb_puts(b, "</td></tr>");
	}
	sb_puts(b, "</table>");

	sb_puts(b, "<h2 id=\"environment\">4. Test environment</h2>"
	    "<table class=\"kv\">");
	kv(b, "Location", js(amb, "location"));
	if (cJSON_IsNumber(jo(amb, "temperature_c"))) {
		snprintf(buf, sizeof(buf), "%.1f \xc2\xb0""C",
		    jnum(amb, "temperature_c", 0));
		kv(b, "Temperature", buf);
	}
	if (cJSON_IsNumber(jo(amb, "humidity_pct"))) {
		snprintf(buf, sizeof(buf), "%.0f %% RH",
		    jnum(amb, "humidity_pct", 0));
		kv(b, "Relative humidity", buf);
	}
	if (js(amb, "notes") != NULL)
		kv(b, "Ambient notes", js(amb, "notes"));
	kv(b, "Test host", js(env, "host"));
	kv(b, "Kernel", js(env, "kernel"));
	kv(b, "Machine", js(env, "machine"));
	kv(b, "Bench mode", js(env, "bench_mode"));
	sb_puts(b, "</table>");
}

/*
 * A report without "coverage" (made before it existed): the groups its
 * results name, each with the cases of that group.  A new tree.
 */
static cJSON *
coverage_from_results(const cJSON *r)
{
	cJSON *cov = cJSON_CreateArray(), *g;
	const cJSON *res, *e;

	cJSON_ArrayForEach(res, jo(r, "results")) {
		const char *gid = jsd(res, "group", "(none)");

		g = NULL;
		cJSON_ArrayForEach(e, cov)
			if (strcmp(js(e, "id"), gid) == 0)
				g = (cJSON *)e;
		if (g == NULL) {
			g = cJSON_CreateObject();
			cJSON_AddStringToObject(g, "id", gid);
			cJSON_AddStringToObject(g, "title",
			    jsd(res, "group_title", ""));
			cJSON_AddStringToObject(g, "status", "");
			cJSON_AddArrayToObject(g, "cases");
			cJSON_AddItemToArray(cov, g);
		}
		cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(g,
		    "cases"), cJSON_CreateString(
		    jsd(res, "id", "?")));
	}
	return cov;
}

static void
html_summary(struct sb *b, const cJSON *r)
{
	const cJSON *s = jo(r, "summary"), *g, *res, *id, *groups;
	cJSON *own = NULL;
	size_t n[V_N];

	sb_puts(b, "<h2 id=\"summary\">5. Summary</h2><p class=\"big\">"
	    "Overall: ");
	badge(b, js(s, "verdict"));
	sb_puts(b, " &nbsp; ");
	sb_esc(b, jsd(s, "statement", ""));
	sb_printf(b, "</p><p>%.0f pass, %.0f fail, %.0f inconclusive, "
	    "%.0f not applicable, %.0f not run</p>", jnum(s, "pass", 0),
	    jnum(s, "fail", 0), jnum(s, "inconclusive", 0),
	    jnum(s, "not_applicable", 0), jnum(s, "not_run", 0));
	sb_puts(b, "<p><b>Decision rule applied:</b> ");
	sb_esc(b, jsd(s, "decision_rule", "not stated"));
	sb_puts(b, "</p>");
	/* Every requirement group of the profile, those without a case
	 * too: coverage is part of the result. */
	sb_puts(b, "<table><tr><th>Requirement group</th><th>Clause</th>"
	    "<th>Title</th><th>Mandatory</th><th>Cases</th><th>Pass</th>"
	    "<th>Fail</th><th>Inconcl.</th><th>N/A</th><th>Not run</th>"
	    "<th>Group status</th></tr>");
	if ((groups = jo(r, "coverage")) == NULL)
		groups = own = coverage_from_results(r);
	cJSON_ArrayForEach(g, groups) {
		memset(n, 0, sizeof(n));
		cJSON_ArrayForEach(id, jo(g, "cases"))
			cJSON_ArrayForEach(res, jo(r, "results"))
				if (cJSON_IsString(id) && js(res, "id") !=
				    NULL && strcmp(js(res, "id"),
				    id->valuestring) == 0)
					n[vindex(js(res, "verdict"))]++;
		sb_puts(b, "<tr><td class=\"mono\">");
		sb_esc(b, js(g, "id"));
		sb_puts(b, "</td><td>");
		sb_esc(b, jsd(g, "clause", ""));
		sb_puts(b, "</td><td>");
		sb_esc(b, jsd(g, "title", ""));
		sb_printf(b, "</td><td>%s</td>", cJSON_IsFalse(jo(g,
		    "mandatory")) ? "no" : "yes");
		sb_printf(b, "<td class=\"num\">%d</td><td class=\"num\">%zu"
		    "</td><td class=\"num\">%zu</td><td class=\"num\">%zu</td>"
		    "<td class=\"num\">%zu</td><td class=\"num\">%zu</td><td>",
		    cJSON_GetArraySize(jo(g, "cases")), n[V_PASS], n[V_FAIL],
		    n[V_INC], n[V_NA], n[V_NR]);
		badge(b, jsd(g, "status", "")[0] != '\0' ? js(g, "status") :
		    n[V_FAIL] > 0 ? "FAIL" : n[V_NR] > 0 ? "NOT_RUN" :
		    n[V_INC] > 0 ? "INCONCLUSIVE" : n[V_PASS] > 0 ? "PASS" :
		    "NOT_APPLICABLE");
		if (js(g, "note") != NULL) {
			sb_puts(b, " <span class=\"muted\">");
			sb_esc(b, js(g, "note"));
			sb_puts(b, "</span>");
		}
		sb_puts(b, "</td></tr>");
	}
	sb_puts(b, "</table>");
	cJSON_Delete(own);
}

/* Axis ticks every "nice" step over [0, span_s]. */
static void
svg_axis(struct sb *b, double x0, double w, double y, double span_s)
{
	static const double steps[] = { 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30,
	    60, 120, 300, 600, 1800, 3600, 7200 };
	double step = steps[sizeof(steps) / sizeof(steps[0]) - 1], t;
	size_t i;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (span_s / steps[i] <= 10) {
			step = steps[i];
			break;
		}
	sb_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
	    "stroke=\"#57606a\"/>", x0, y, x0 + w, y);
	for (t = 0; t <= span_s + 1e-9; t += step) {
		double x = x0 + w * t / span_s;

		sb_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
		    "y2=\"%.1f\" stroke=\"#57606a\"/><text x=\"%.1f\" "
		    "y=\"%.1f\" font-size=\"9\" text-anchor=\"middle\" "
		    "fill=\"#57606a\">%g s</text>", x, y, x, y + 4, x, y + 14,
		    t);
	}
}

static void
svg_label(struct sb *b, double x, double y, const char *s, size_t max)
{
	char buf[128];

	snprintf(buf, sizeof(buf), "%.*s%s", (int)max, s,
	    strlen(s) > max ? "..." : "");
	sb_printf(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" "
	    "text-anchor=\"end\">", x, y);
	sb_esc(b, buf);
	sb_puts(b, "</text>");
}

/* One bar per case that ran, from its start to its end. */
static void
html_run_timeline(struct sb *b, const cJSON *r)
{
	const cJSON *run = jo(r, "run"), *res;
	int64_t t0, t1, s, e;
	double span, x0 = 250, w = 620, y;
	int n = 0;

	if (!parse_time_ms(js(run, "started"), &t0) ||
	    !parse_time_ms(js(run, "ended"), &t1) || t1 <= t0)
		return;
	cJSON_ArrayForEach(res, jo(r, "results"))
		if (vindex(js(res, "verdict")) != V_NA)
			n++;
	if (n == 0)
		return;
	span = (double)(t1 - t0) / 1000.0;
	sb_printf(b, "<h3>Run timeline</h3><svg xmlns=\"http://www.w3.org/"
	    "2000/svg\" role=\"img\" aria-label=\"run timeline\" width=\"900\""
	    " height=\"%d\" viewBox=\"0 0 900 %d\">", 18 * n + 34,
	    18 * n + 34);
	y = 4;
	cJSON_ArrayForEach(res, jo(r, "results")) {
		int v = vindex(js(res, "verdict"));

		if (v == V_NA || !parse_time_ms(js(res, "started"), &s) ||
		    !parse_time_ms(js(res, "ended"), &e))
			continue;
		svg_label(b, x0 - 6, y + 11, jsd(res, "id", "?"), 40);
		sb_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
		    "height=\"13\" fill=\"%s\"><title>", x0 + w *
		    (double)(s - t0) / 1000.0 / span, y, fmax(1.5, w *
		    (double)(e - s) / 1000.0 / span), vcolor[v]);
		sb_esc(b, jsd(res, "id", "?"));
		sb_printf(b, ": %s, %.1f s</title></rect>", vname[v],
		    (double)(e - s) / 1000.0);
		y += 18;
	}
	svg_axis(b, x0, w, y + 2, span);
	sb_puts(b, "</svg>");
}

/*
 * A case's own timeline from details.timeline (see hopquy-report(5)):
 * network state changes, stimuli, alarm onsets and traffic per second,
 * all in t_ms since the run's start, with the case's steps as ticks.
 */
static void
html_case_timeline(struct sb *b, const cJSON *res)
{
	const cJSON *tl = jo(jo(res, "details"), "timeline"), *e, *tr, *bps;
	const char *rows[] = { "steps", "network", "stimuli", "alarms",
	    "traffic" };
	double lo = INFINITY, hi = -INFINITY, span, x0 = 90, w = 780, maxb = 0;
	double y, x;
	size_t i;
	int nrow = 5, k;

	if (!cJSON_IsObject(tl))
		return;
	tr = jo(tl, "traffic");
	bps = jo(tr, "bytes_per_s");
	/* The time range of everything shown. */
	cJSON_ArrayForEach(e, jo(res, "steps")) {
		lo = fmin(lo, jnum(e, "t_ms", lo));
		hi = fmax(hi, jnum(e, "t_ms", hi));
	}
	for (i = 1; i < 4; i++)
		cJSON_ArrayForEach(e, jo(tl, rows[i])) {
			lo = fmin(lo, jnum(e, "t_ms", lo));
			hi = fmax(hi, jnum(e, "t_ms", hi));
		}
	if (cJSON_IsArray(bps) && cJSON_IsNumber(jo(tr, "t_ms"))) {
		lo = fmin(lo, jnum(tr, "t_ms", 0));
		hi = fmax(hi, jnum(tr, "t_ms", 0) + 1000.0 *
		    cJSON_GetArraySize(bps));
		cJSON_ArrayForEach(e, bps)
			if (cJSON_IsNumber(e))
				maxb = fmax(maxb, e->valuedouble);
	}
	if (!isfinite(lo) || !isfinite(hi))
		return;
	if (hi - lo < 1000)
		hi = lo + 1000;
	span = (hi - lo) / 1000.0;
#define TX(t)	(x0 + w * ((t) - lo) / 1000.0 / span)
	sb_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" "
	    "aria-label=\"case timeline\" width=\"900\" height=\"%d\" "
	    "viewBox=\"0 0 900 %d\">", 22 * nrow + 30, 22 * nrow + 30);
	for (k = 0; k < nrow; k++)
		svg_label(b, x0 - 6, 22.0 * k + 14, rows[k], 12);
	cJSON_ArrayForEach(e, jo(res, "steps")) {
		x = TX(jnum(e, "t_ms", lo));
		sb_printf(b, "<line x1=\"%.1f\" y1=\"4\" x2=\"%.1f\" y2=\"18\" "
		    "stroke=\"#57606a\"><title>", x, x);
		sb_esc(b, js(e, "text"));
		sb_puts(b, "</title></line>");
	}
	/* Network: each state holds until the next change. */
	y = 22 + 4;
	cJSON_ArrayForEach(e, jo(tl, "network")) {
		const char *st = jsd(e, "state", "?");
		double xa = TX(jnum(e, "t_ms", lo)), xb = e->next != NULL ?
		    TX(jnum(e->next, "t_ms", hi)) : x0 + w;
		bool up = strcmp(st, "up") == 0 || strcmp(st, "restored") == 0;

		sb_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
		    "height=\"14\" fill=\"%s\"><title>", xa, y,
		    fmax(1, xb - xa), up ? "#1a7f37" : "#cf222e");
		sb_esc(b, st);
		sb_puts(b, "</title></rect>");
	}
	for (k = 2; k <= 3; k++) {
		y = 22.0 * k + 4;
		cJSON_ArrayForEach(e, jo(tl, rows[k])) {
			x = TX(jnum(e, "t_ms", lo));
			sb_printf(b, "<path d=\"M%.1f %.1fl-5 12h10z\" fill=\"%s\">"
			    "<title>", x, y, k == 2 ? "#0969da" : "#cf222e");
			sb_esc(b, jsd(e, "label", rows[k]));
			sb_printf(b, " at %.3f s</title></path>",
			    jnum(e, "t_ms", 0) / 1000.0);
		}
	}
	if (maxb > 0) {
		double t = jnum(tr, "t_ms", 0), bw = w / span;

		y = 22.0 * 4 + 18;
		cJSON_ArrayForEach(e, bps) {
			double h = cJSON_IsNumber(e) ? 16 * e->valuedouble /
			    maxb : 0;

			sb_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\""
			    " height=\"%.1f\" fill=\"#8250df\"><title>%.0f "
			    "bytes/s</title></rect>", TX(t), y - h,
			    fmax(0.5, bw - 0.5), h, cJSON_IsNumber(e) ?
			    e->valuedouble : 0);
			t += 1000;
		}
	}
#undef TX
	svg_axis(b, x0, w, 22.0 * nrow + 2, span);
	sb_puts(b, "</svg><p class=\"muted\">Time axis from the first event "
	    "shown; network: green up, red cut; blue: stimuli; red: alarm "
	    "onsets; purple: traffic per second.</p>");
}

/* The surface a measurement was taken on; "device" for the whole DUT. */
static const char *
m_surface(const cJSON *m)
{
	return jsd(m, "surface", "device");
}

static void
html_measurements(struct sb *b, const cJSON *ms)
{
	const cJSON *m, *l, *k;
	bool first;

	if (cJSON_GetArraySize(ms) == 0)
		return;
	sb_puts(b, "<table><tr><th>Surface</th><th>Measurement</th><th>Value"
	    "</th><th>Unit</th><th>Limit</th><th>Uncertainty</th>"
	    "<th>Decision</th></tr>");
	/* Grouped per surface, in the order each surface first appears. */
	cJSON_ArrayForEach(k, ms) {
		first = true;
		cJSON_ArrayForEach(m, ms) {
			if (m == k)
				break;
			if (strcmp(m_surface(m), m_surface(k)) == 0)
				first = false;
		}
		if (!first)
			continue;
		cJSON_ArrayForEach(m, ms) {
			if (strcmp(m_surface(m), m_surface(k)) != 0)
				continue;
			l = jo(m, "limit");
			sb_puts(b, "<tr><td class=\"mono\">");
			sb_esc(b, m_surface(m));
			sb_puts(b, "</td><td>");
			sb_esc(b, js(m, "name"));
			sb_printf(b, "</td><td class=\"num\">%g</td><td>",
			    jnum(m, "value", NAN));
			sb_esc(b, js(m, "unit"));
			sb_puts(b, "</td><td>");
			if (l != NULL) {
				sb_esc(b, js(l, "op"));
				sb_printf(b, " %g", jnum(l, "value", NAN));
			} else
				sb_puts(b, "none");
			sb_puts(b, "</td><td>");
			if (cJSON_IsNumber(jo(m, "uncertainty")))
				sb_printf(b, "&#177; %g",
				    jnum(m, "uncertainty", 0));
			sb_puts(b, "</td><td>");
			sb_esc(b, jsd(m, "decision", ""));
			if (js(m, "decision_rule") != NULL) {
				sb_puts(b, " <span class=\"muted\">(rule: ");
				sb_esc(b, js(m, "decision_rule"));
				sb_puts(b, ")</span>");
			}
			sb_puts(b, "</td></tr>");
		}
	}
	sb_puts(b, "</table>");
}

/* A case's parameters as a table: name and value (JSON for the rest). */
static void
html_params(struct sb *b, const cJSON *params)
{
	const cJSON *p;

	if (cJSON_GetArraySize(params) == 0) {
		sb_puts(b, "<p class=\"muted\">No parameters.</p>");
		return;
	}
	sb_puts(b, "<table><tr><th>Parameter</th><th>Value</th></tr>");
	cJSON_ArrayForEach(p, params) {
		sb_puts(b, "<tr><td class=\"mono\">");
		sb_esc(b, p->string);
		sb_puts(b, "</td><td class=\"mono\">");
		if (cJSON_IsString(p))
			sb_esc(b, p->valuestring);
		else {
			char *t = cJSON_PrintUnformatted(p);

			sb_esc(b, t != NULL ? t : "?");
			free(t);
		}
		sb_puts(b, "</td></tr>");
	}
	sb_puts(b, "</table>");
}

/* Deviations from the method: what changed, why, and who approved it. */
static void
html_deviations(struct sb *b, const cJSON *devs, bool with_case)
{
	const cJSON *d;

	sb_puts(b, "<table><tr>");
	if (with_case)
		sb_puts(b, "<th>Case</th>");
	sb_puts(b, "<th>Parameter</th><th>Profile value</th><th>Run value"
	    "</th><th>Reason</th><th>Justification</th><th>Approved by</th>"
	    "</tr>");
	cJSON_ArrayForEach(d, devs) {
		sb_puts(b, "<tr>");
		if (with_case) {
			sb_puts(b, "<td class=\"mono\">");
			sb_esc(b, jsd(d, "case", ""));
			sb_puts(b, "</td>");
		}
		sb_puts(b, "<td class=\"mono\">");
		sb_esc(b, jsd(d, "param", ""));
		sb_puts(b, "</td><td class=\"mono\">");
		sb_esc(b, jsd(d, "profile_value", ""));
		sb_puts(b, "</td><td class=\"mono\">");
		sb_esc(b, jsd(d, "run_value", ""));
		sb_puts(b, "</td><td>");
		sb_esc(b, jsd(d, "reason", ""));
		sb_puts(b, "</td><td>");
		sb_esc(b, jsd(d, "justification", "not stated"));
		sb_puts(b, "</td><td>");
		sb_esc(b, jsd(d, "approved_by", "not approved"));
		sb_puts(b, "</td></tr>");
	}
	sb_puts(b, "</table>");
}

static void
html_list(struct sb *b, const char *title, const cJSON *a, bool mono)
{
	const cJSON *e;

	if (cJSON_GetArraySize(a) == 0)
		return;
	sb_printf(b, "<p><b>%s</b></p><ul>", title);
	cJSON_ArrayForEach(e, a) {
		sb_puts(b, mono ? "<li class=\"mono\">" : "<li>");
		if (cJSON_IsString(e))
			sb_esc(b, e->valuestring);
		else {
			char *s = cJSON_PrintUnformatted(e);

			sb_esc(b, s);
			free(s);
		}
		sb_puts(b, "</li>");
	}
	sb_puts(b, "</ul>");
}

static void
html_cases(struct sb *b, const cJSON *r)
{
	const cJSON *res, *st, *e;
	char slug[256];
	int n = 0;

	sb_puts(b, "<h2 id=\"cases\">6. Test cases</h2>");
	html_run_timeline(b, r);
	cJSON_ArrayForEach(res, jo(r, "results")) {
		n++;
		hq_slug(jsd(res, "id", "case"), slug, sizeof(slug));
		sb_printf(b, "<div class=\"case\" id=\"case-%d\"><h3>6.%d ", n,
		    n);
		sb_esc(b, jsd(res, "id", "?"));
		sb_puts(b, " ");
		badge(b, js(res, "verdict"));
		sb_puts(b, "</h3><p>");
		sb_esc(b, js(res, "title"));
		sb_puts(b, "</p><table class=\"kv\">");
		kv(b, "Requirement group", js(res, "group"));
		if (js(res, "clause") != NULL)
			kv(b, "Clause", js(res, "clause"));
		if (cJSON_GetArraySize(jo(res, "refs")) > 0) {
			struct sb t = { 0 };

			cJSON_ArrayForEach(e, jo(res, "refs"))
				if (cJSON_IsString(e)) {
					if (t.len > 0)
						sb_puts(&t, "; ");
					sb_puts(&t, e->valuestring);
				}
			kv(b, "References", t.p != NULL ? t.p : "");
			free(t.p);
		}
		kv(b, "Mandatory", cJSON_IsTrue(jo(res, "mandatory")) ?
		    "yes" : "no");
		kv(b, "Scenario family", js(res, "family"));
		kv(b, "Method", js(res, "method"));
		kv(b, "Started", js(res, "started"));
		kv(b, "Ended", js(res, "ended"));
		kv(b, "Verdict", js(res, "verdict"));
		kv(b, "Rationale", js(res, "rationale"));
		sb_puts(b, "</table><p><b>Parameters</b></p>");
		html_params(b, jo(res, "params"));
		html_list(b, "Findings", jo(res, "findings"), false);
		html_measurements(b, jo(res, "measurements"));
		if (cJSON_GetArraySize(jo(res, "steps")) > 0) {
			sb_puts(b, "<table><tr><th>t (ms)</th><th>Time</th>"
			    "<th>Step</th></tr>");
			cJSON_ArrayForEach(st, jo(res, "steps")) {
				sb_printf(b, "<tr><td class=\"num\">%.0f</td>"
				    "<td class=\"mono\">", jnum(st, "t_ms", 0));
				sb_esc(b, js(st, "time"));
				sb_puts(b, "</td><td>");
				sb_esc(b, js(st, "text"));
				sb_puts(b, "</td></tr>");
			}
			sb_puts(b, "</table>");
		}
		html_case_timeline(b, res);
		{	/* aisafety: details.degradation_curve */
			char *svg = hq_render_curve_svg(res);

			if (svg != NULL)
				sb_puts(b, svg);
			free(svg);
		}
		html_list(b, "Evidence", jo(res, "evidence"), true);
		if (cJSON_GetArraySize(jo(res, "deviations")) > 0) {
			sb_puts(b, "<p><b>Deviations</b></p>");
			html_deviations(b, jo(res, "deviations"), false);
		}
		sb_puts(b, "</div>");
	}
}

static void
html_evidence(struct sb *b, const cJSON *r)
{
	const cJSON *e;

	sb_puts(b, "<h2 id=\"deviations\">7. Deviations</h2>");
	if (cJSON_GetArraySize(jo(r, "deviations")) == 0)
		sb_puts(b, "<p>None: every test case ran with the profile's "
		    "parameters.</p>");
	else
		html_deviations(b, jo(r, "deviations"), true);
	sb_puts(b, "<h2 id=\"evidence\">8. Evidence</h2><table><tr><th>File"
	    "</th><th>Kind</th><th>Bytes</th><th>SHA-256</th></tr>");
	cJSON_ArrayForEach(e, jo(r, "evidence")) {
		sb_puts(b, "<tr><td class=\"mono\">");
		sb_esc(b, js(e, "path"));
		sb_puts(b, "</td><td>");
		sb_esc(b, js(e, "kind"));
		sb_printf(b, "</td><td class=\"num\">%.0f</td><td class=\"mono "
		    "hash\">", jnum(e, "size", 0));
		sb_esc(b, js(e, "sha256"));
		sb_puts(b, "</td></tr>");
	}
	sb_puts(b, "</table>");
}

/* A CSS string's content: only characters that need no escaping. */
static void
css_str(struct sb *b, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == ':' ||
		    c == '.' || c == ' ' || c == '/' || c == '_' || c == '+')
			sb_printf(b, "%c", c);
		else
			sb_puts(b, "?");
	}
}

/* The issue date: when report.json was made (YYYY-MM-DD). */
static void
issue_date(const cJSON *r, char *out, size_t outsz)
{
	const char *t = js(r, "issued");

	if (t == NULL)
		t = js(jo(r, "run"), "ended");
	snprintf(out, outsz, "%.10s", t != NULL ? t : "not stated");
}

/*
 * Every printed page carries the report id, "page N of M" and the issue
 * date (ISO/IEC 17025 7.8.2.1: a unique identification on every page and
 * a clear end): CSS paged media margin boxes, as Chromium prints them.
 */
static void
page_css(struct sb *b, const cJSON *r)
{
	char date[16];

	issue_date(r, date, sizeof(date));
	sb_puts(b, "@page{size:A4;margin:18mm 14mm 18mm 14mm;"
	    "@top-left{content:\"Test report ");
	css_str(b, jsd(r, "report_id", "?"));
	sb_puts(b, "\";font:8pt 'DejaVu Sans',sans-serif;color:#57606a}"
	    "@top-right{content:\"Issued ");
	css_str(b, date);
	sb_puts(b, "\";font:8pt 'DejaVu Sans',sans-serif;color:#57606a}"
	    "@bottom-left{content:\"");
	css_str(b, jsd(r, "report_id", "?"));
	sb_puts(b, "\";font:8pt 'DejaVu Sans',sans-serif;color:#57606a}"
	    "@bottom-right{content:\"page \" counter(page) \" of \" "
	    "counter(pages);font:8pt 'DejaVu Sans',sans-serif;"
	    "color:#57606a}}");
}

/* Page 1: what the report is about and its result, before any detail. */
static void
html_first(struct sb *b, const cJSON *r)
{
	const cJSON *d = jo(r, "dut"), *p = jo(r, "profile"),
	    *s = jo(r, "summary"), *lab = jo(r, "laboratory");
	char buf[1024], date[16];

	issue_date(r, date, sizeof(date));
	sb_puts(b, "<section class=\"p1\" id=\"page1\"><table class=\"kv\">");
	kv(b, "Report id", js(r, "report_id"));
	kv(b, "Issue date", date);
	kv(b, "Laboratory", js(lab, "name"));
	snprintf(buf, sizeof(buf), "%s %s, serial %s, firmware %s (%s)",
	    jsd(d, "manufacturer", "?"), jsd(d, "model", "?"),
	    jsd(d, "serial", "?"), jsd(d, "firmware", "?"),
	    jsd(d, "class", "?"));
	kv(b, "Item tested", buf);
	snprintf(buf, sizeof(buf), "%s, profile %s version %s",
	    jsd(p, "regulation", "?"), jsd(p, "id", "?"),
	    jsd(p, "version", "?"));
	kv(b, "Test specification", buf);
	sb_puts(b, "<tr><th>Overall result</th><td>");
	badge(b, js(s, "verdict"));
	sb_puts(b, " ");
	sb_esc(b, jsd(s, "statement", ""));
	sb_puts(b, "</td></tr></table></section>");
}

int
hq_render_html(const cJSON *r, char **outp, size_t *lenp,
    struct hq_err *err)
{
	struct sb b = { 0 };

	*outp = NULL;
	sb_puts(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\">"
	    "<meta http-equiv=\"Content-Security-Policy\" content=\""
	    "default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"
	    "<meta name=\"viewport\" content=\"width=device-width\">"
	    "<title>");
	sb_esc(&b, jsd(r, "report_id", "report"));
	sb_puts(&b, "</title><style>");
	sb_puts(&b, css);
	page_css(&b, r);
	sb_puts(&b, "</style></head><body><header><h1>");
	sb_esc(&b, jsd(r, "title", "Test report"));
	sb_puts(&b, "</h1><div class=\"muted\">Report ");
	sb_esc(&b, jsd(r, "report_id", "?"));
	sb_puts(&b, " &middot; ");
	sb_esc(&b, jsd(jo(r, "laboratory"), "name", "laboratory not stated"));
	sb_puts(&b, "</div></header>");
	html_first(&b, r);
	html_lab(&b, r);
	html_item(&b, r);
	html_summary(&b, r);
	html_cases(&b, r);
	html_evidence(&b, r);
	sb_puts(&b, "<footer><p>");
	sb_esc(&b, js(r, "statement"));
	sb_puts(&b, " This document is a rendering of report.json; the signed "
	    "record is report.json with its detached signature "
	    "report.json.p7s, and outputs.json.p7s covers this file too "
	    "(check with <code>hopquy verify</code>).</p>"
	    "<p>End of report ");
	sb_esc(&b, jsd(r, "report_id", ""));
	sb_puts(&b, ".</p></footer></body></html>\n");
	return sb_finish(&b, "report.html", outp, lenp, err);
}

static void
xml_attr(struct sb *b, const char *name, const char *v)
{
	sb_printf(b, " %s=\"", name);
	sb_esc(b, v);
	sb_puts(b, "\"");
}

/* JUnit wants an xs:dateTime without zone in its strictest schema. */
static void
junit_stamp(const char *rfc3339, char *out, size_t outsz)
{
	snprintf(out, outsz, "%.19s", rfc3339 != NULL ? rfc3339 :
	    "1970-01-01T00:00:00");
}

int
hq_render_junit(const cJSON *r, char **outp, size_t *lenp,
    struct hq_err *err)
{
	const cJSON *res, *p = jo(r, "profile"), *st, *run = jo(r, "run"),
	    *d = jo(r, "dut");
	struct sb b = { 0 };
	size_t n[V_N] = { 0 }, total = 0;
	double secs = 0;
	char ts[32], cls[512];
	int64_t t0, t1;

	*outp = NULL;
	cJSON_ArrayForEach(res, jo(r, "results")) {
		n[vindex(js(res, "verdict"))]++;
		total++;
	}
	if (parse_time_ms(js(run, "started"), &t0) &&
	    parse_time_ms(js(run, "ended"), &t1) && t1 >= t0)
		secs = (double)(t1 - t0) / 1000.0;
	junit_stamp(js(run, "started"), ts, sizeof(ts));
	/* Jenkins' junit-10 schema: no "skipped" on testsuites. */
	sb_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites");
	xml_attr(&b, "name", jsd(r, "title", "hopquy"));
	sb_printf(&b, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
	    "time=\"%.3f\">\n", total, n[V_FAIL], n[V_INC], secs);
	sb_puts(&b, "  <testsuite");
	xml_attr(&b, "name", jsd(p, "id", "profile"));
	sb_printf(&b, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
	    "skipped=\"%zu\" time=\"%.3f\"", total, n[V_FAIL], n[V_INC],
	    n[V_NA] + n[V_NR], secs);
	xml_attr(&b, "timestamp", ts);
	xml_attr(&b, "hostname", jsd(jo(run, "environment"), "host",
	    "localhost"));
	sb_puts(&b, " id=\"0\"");
	xml_attr(&b, "package", jsd(p, "regulation", "hopquy"));
	sb_puts(&b, ">\n    <properties>\n");
#define PROP(k, v) do {							\
		sb_puts(&b, "      <property");				\
		xml_attr(&b, "name", k);				\
		xml_attr(&b, "value", v);				\
		sb_puts(&b, "/>\n");					\
	} while (0)
	PROP("report_id", jsd(r, "report_id", ""));
	PROP("verdict", jsd(jo(r, "summary"), "verdict", ""));
	PROP("statement", jsd(jo(r, "summary"), "statement", ""));
	PROP("profile_version", jsd(p, "version", ""));
	PROP("regulation", jsd(p, "regulation", ""));
	PROP("dut_manufacturer", jsd(d, "manufacturer", ""));
	PROP("dut_model", jsd(d, "model", ""));
	PROP("dut_serial", jsd(d, "serial", ""));
	PROP("dut_firmware", jsd(d, "firmware", ""));
	PROP("tool_version", jsd(jo(r, "tool"), "version", ""));
#undef PROP
	sb_puts(&b, "    </properties>\n");
	cJSON_ArrayForEach(res, jo(r, "results")) {
		int v = vindex(js(res, "verdict"));
		const char *why = jsd(res, "rationale", "");
		const cJSON *f;

		snprintf(cls, sizeof(cls), "%s.%s", jsd(p, "id", "profile"),
		    jsd(res, "group", "none"));
		sb_puts(&b, "    <testcase");
		xml_attr(&b, "name", jsd(res, "id", "?"));
		xml_attr(&b, "classname", cls);
		sb_printf(&b, " time=\"%.3f\">\n",
		    jnum(res, "duration_ms", 0) / 1000.0);
		if (v == V_FAIL || v == V_INC) {
			sb_printf(&b, "      <%s", v == V_FAIL ? "failure" :
			    "error");
			xml_attr(&b, "message", why);
			xml_attr(&b, "type", vname[v]);
			sb_puts(&b, ">");
			sb_esc(&b, why);
			cJSON_ArrayForEach(f, jo(res, "findings"))
				if (cJSON_IsString(f)) {
					sb_puts(&b, "\n");
					sb_esc(&b, f->valuestring);
				}
			sb_printf(&b, "</%s>\n", v == V_FAIL ? "failure" :
			    "error");
		} else if (v == V_NA || v == V_NR) {
			char msg[1100];

			/* The status first: a CI reader tells "not run"
			 * (--only) from "does not apply". */
			snprintf(msg, sizeof(msg), "%s: %s", vname[v], why);
			sb_puts(&b, "      <skipped");
			xml_attr(&b, "message", msg);
			sb_puts(&b, "/>\n");
		}
		sb_puts(&b, "      <system-out>");
		sb_esc(&b, jsd(res, "title", ""));
		sb_puts(&b, "\nverdict: ");
		sb_esc(&b, vname[v]);
		sb_puts(&b, ": ");
		sb_esc(&b, why);
		cJSON_ArrayForEach(st, jo(res, "steps")) {
			sb_printf(&b, "\n[%8.0f ms] ", jnum(st, "t_ms", 0));
			sb_esc(&b, js(st, "text"));
		}
		sb_puts(&b, "</system-out>\n    </testcase>\n");
	}
	sb_puts(&b, "  </testsuite>\n</testsuites>\n");
	return sb_finish(&b, "junit.xml", outp, lenp, err);
}

static cJSON *
descriptor(const char *name, const char *sha, const char *role)
{
	cJSON *o = cJSON_CreateObject(), *d;

	cJSON_AddStringToObject(o, "name", name != NULL ? name : "");
	d = cJSON_AddObjectToObject(o, "digest");
	cJSON_AddStringToObject(d, "sha256", sha != NULL ? sha : "");
	if (role != NULL) {
		d = cJSON_AddObjectToObject(o, "annotations");
		cJSON_AddStringToObject(d, "role", role);
	}
	return o;
}

cJSON *
hq_render_statement(const cJSON *r, const char *report_sha256)
{
	const cJSON *e, *p = jo(r, "profile"), *d = jo(r, "dut");
	cJSON *st, *subj, *pred, *cfg, *lists[V_N], *o;
	size_t n[V_N] = { 0 };
	int v;

	if ((st = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddStringToObject(st, "_type", HQ_INTOTO_STATEMENT);
	subj = cJSON_AddArrayToObject(st, "subject");
	cJSON_AddItemToArray(subj, descriptor("report.json", report_sha256,
	    NULL));
	cJSON_ArrayForEach(e, jo(r, "evidence"))
		cJSON_AddItemToArray(subj, descriptor(js(e, "path"),
		    js(e, "sha256"), NULL));
	cJSON_AddStringToObject(st, "predicateType", HQ_INTOTO_TEST_RESULT);
	pred = cJSON_AddObjectToObject(st, "predicate");
	cJSON_ArrayForEach(e, jo(r, "results"))
		n[vindex(js(e, "verdict"))]++;
	cJSON_AddStringToObject(pred, "result", n[V_FAIL] > 0 ? "FAILED" :
	    n[V_INC] > 0 || n[V_NR] > 0 || n[V_PASS] == 0 ||
	    !cJSON_IsTrue(jo(r, "complete")) || strcmp(jsd(jo(r, "summary"),
	    "verdict", ""), "PASS") != 0 ? "WARNED" : "PASSED");
	/* The inputs that decided what ran: profile, DUT description and
	 * claims, each by digest. */
	cfg = cJSON_AddArrayToObject(pred, "configuration");
	cJSON_ArrayForEach(e, jo(r, "inputs"))
		cJSON_AddItemToArray(cfg, descriptor(js(e, "path"),
		    js(e, "sha256"), js(e, "role")));
	lists[V_PASS] = cJSON_AddArrayToObject(pred, "passedTests");
	lists[V_INC] = cJSON_AddArrayToObject(pred, "warnedTests");
	lists[V_FAIL] = cJSON_AddArrayToObject(pred, "failedTests");
	/* Extension fields (ignored by consumers that do not know them). */
	lists[V_NA] = cJSON_AddArrayToObject(pred, "notApplicableTests");
	lists[V_NR] = cJSON_AddArrayToObject(pred, "notRunTests");
	cJSON_ArrayForEach(e, jo(r, "results")) {
		v = vindex(js(e, "verdict"));
		cJSON_AddItemToArray(lists[v], cJSON_CreateString(
		    jsd(e, "id", "?")));
	}
	cJSON_AddStringToObject(pred, "reportId", jsd(r, "report_id", ""));
	cJSON_AddStringToObject(pred, "verdict", jsd(jo(r, "summary"),
	    "verdict", "INCONCLUSIVE"));
	cJSON_AddBoolToObject(pred, "complete", cJSON_IsTrue(jo(r,
	    "complete")));
	o = cJSON_AddObjectToObject(pred, "profile");
	cJSON_AddStringToObject(o, "id", jsd(p, "id", ""));
	cJSON_AddStringToObject(o, "version", jsd(p, "version", ""));
	cJSON_AddStringToObject(o, "regulation", jsd(p, "regulation", ""));
	cJSON_AddStringToObject(o, "sha256", jsd(p, "sha256", ""));
	o = cJSON_AddObjectToObject(pred, "dut");
	cJSON_AddStringToObject(o, "manufacturer", jsd(d, "manufacturer",
	    ""));
	cJSON_AddStringToObject(o, "model", jsd(d, "model", ""));
	cJSON_AddStringToObject(o, "serial", jsd(d, "serial", ""));
	cJSON_AddStringToObject(o, "firmware", jsd(d, "firmware", ""));
	o = cJSON_AddObjectToObject(pred, "tool");
	cJSON_AddStringToObject(o, "name", jsd(jo(r, "tool"), "name",
	    "hopquy"));
	cJSON_AddStringToObject(o, "version", jsd(jo(r, "tool"), "version",
	    ""));
	cJSON_AddStringToObject(o, "buildId", jsd(jo(r, "tool"), "build_id",
	    ""));
	return st;
}

static int
write_file(const char *rundir, const char *name, const void *p, size_t len,
    struct hq_err *err)
{
	char path[PATH_MAX];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", rundir, name) >=
	    sizeof(path))
		return hq_err_set(err, HQ_EINVAL, "%s: path too long", rundir);
	return hq_file_write_atomic(path, p, len, 0644, err);
}

static int
slurp_report(const char *rundir, char **textp, size_t *lenp, cJSON **rp,
    struct hq_err *err)
{
	char path[PATH_MAX];
	struct stat st;
	int rc;

	*textp = NULL;
	*rp = NULL;
	if ((size_t)snprintf(path, sizeof(path), "%s/report.json", rundir) >=
	    sizeof(path))
		return hq_err_set(err, HQ_EINVAL, "%s: path too long", rundir);
	/* Read as the run's own regular file, never through a link. */
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return hq_err_set(err, HQ_EINVAL, "%s: not a regular file",
		    path);
	if ((rc = hq_file_slurp(path, HQ_REPORT_FILE_MAX, textp, lenp,
	    err)) != 0 || (rc = hq_jv_parse(path, *textp, *lenp, rp,
	    err)) != 0)
		return rc;
	if (!cJSON_IsObject(*rp))
		return hq_err_set(err, HQ_EINVAL, "%s: not a JSON object",
		    path);
	return 0;
}

int
hq_render_docs_mem(const char *text, size_t len, struct hq_docs *d,
    struct hq_err *err)
{
	cJSON *r = NULL;
	int rc;

	memset(d, 0, sizeof(*d));
	if ((rc = hq_jv_parse("report.json", text, len, &r, err)) != 0)
		return rc;
	if (!cJSON_IsObject(r))
		rc = hq_err_set(err, HQ_EINVAL, "report.json: not a JSON "
		    "object");
	else if ((rc = hq_render_html(r, &d->html, &d->html_len, err)) == 0)
		rc = hq_render_junit(r, &d->junit, &d->junit_len, err);
	cJSON_Delete(r);
	if (rc != 0)
		hq_docs_free(d);
	return rc;
}

int
hq_docs_write(const char *rundir, const struct hq_docs *d,
    struct hq_err *err)
{
	int rc;

	if ((rc = write_file(rundir, "report.html", d->html, d->html_len,
	    err)) != 0)
		return rc;
	return write_file(rundir, "junit.xml", d->junit, d->junit_len, err);
}

void
hq_docs_free(struct hq_docs *d)
{
	free(d->html);
	free(d->junit);
	memset(d, 0, sizeof(*d));
}

int
hq_render_docs(const char *rundir, struct hq_err *err)
{
	char *text = NULL, *out = NULL;
	size_t len, outlen;
	cJSON *r = NULL;
	int rc;

	if ((rc = slurp_report(rundir, &text, &len, &r, err)) != 0)
		goto out;
	if ((rc = hq_render_html(r, &out, &outlen, err)) != 0 ||
	    (rc = write_file(rundir, "report.html", out, outlen, err)) != 0)
		goto out;
	free(out);
	out = NULL;
	if ((rc = hq_render_junit(r, &out, &outlen, err)) != 0 ||
	    (rc = write_file(rundir, "junit.xml", out, outlen, err)) != 0)
		goto out;
 out:
	free(out);
	cJSON_Delete(r);
	free(text);
	return rc;
}

int
hq_render_set_signature(const char *rundir, const struct hq_signer *s,
    struct hq_err *err)
{
	char *text = NULL, *out = NULL, *nt;
	size_t len;
	cJSON *r = NULL, *auth, *sig, *old;
	int rc;

	if ((rc = slurp_report(rundir, &text, &len, &r, err)) != 0)
		goto out;
	if ((auth = cJSON_GetObjectItemCaseSensitive(r, "authorisation")) ==
	    NULL && (auth = cJSON_AddObjectToObject(r, "authorisation")) ==
	    NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "report: no memory");
		goto out;
	}
	if (s != NULL) {
		sig = cJSON_CreateObject();
		cJSON_AddStringToObject(sig, "file", "report.json.p7s");
		cJSON_AddStringToObject(sig, "format", "CMS SignedData, "
		    "detached, DER (RFC 5652)");
		cJSON_AddStringToObject(sig, "signer", hq_signer_subject(s));
		if (hq_signer_keyid(s) != NULL)
			cJSON_AddStringToObject(sig, "keyid",
			    hq_signer_keyid(s));
	} else
		sig = cJSON_CreateNull();
	old = cJSON_GetObjectItemCaseSensitive(auth, "signature");
	if (old != NULL && cJSON_Compare(old, sig, 1)) {
		cJSON_Delete(sig);
		goto out;		/* already says so */
	}
	if (old != NULL)
		cJSON_ReplaceItemInObjectCaseSensitive(auth, "signature", sig);
	else
		cJSON_AddItemToObject(auth, "signature", sig);
	if ((out = cJSON_Print(r)) == NULL ||
	    (nt = realloc(out, strlen(out) + 2)) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "report: no memory");
		goto out;
	}
	out = nt;
	strcat(out, "\n");
	rc = write_file(rundir, "report.json", out, strlen(out), err);
 out:
	free(out);
	cJSON_Delete(r);
	free(text);
	return rc;
}

static void
unlink_in(const char *rundir, const char *name)
{
	char path[PATH_MAX];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", rundir, name) <
	    sizeof(path))
		unlink(path);
}

/* One entry of outputs.json: the file's size and SHA-256. */
static int
outputs_add(cJSON *files, const char *rundir, const char *name,
    struct hq_err *err)
{
	char path[PATH_MAX], sha[65];
	uint64_t n;
	cJSON *o;
	int rc;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", rundir, name) >=
	    sizeof(path))
		return hq_err_set(err, HQ_EINVAL, "%s: path too long", rundir);
	if ((rc = hq_sha256_file(path, sha, &n, err)) != 0)
		return rc;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "path", name);
	cJSON_AddNumberToObject(o, "size", (double)n);
	cJSON_AddStringToObject(o, "sha256", sha);
	cJSON_AddItemToArray(files, o);
	return 0;
}

int
hq_render_sign(const char *rundir, const struct hq_signer *s,
    const char *tsa_url, struct hq_err *err)
{
	static const char *const covered[] = { "report.json", "report.html",
	    "junit.xml", "attestation.json", NULL };
	char sha[65], *text = NULL, *out = NULL, *stmt = NULL, *env = NULL;
	unsigned char *der = NULL;
	size_t len, outlen, i;
	cJSON *r = NULL, *st = NULL, *ol = NULL, *files;
	int rc;

	if ((rc = slurp_report(rundir, &text, &len, &r, err)) != 0)
		goto out;
	/* The signature covers the exact bytes on disk. */
	if ((rc = hq_sign_cms(s, text, len, tsa_url, &der, &outlen,
	    err)) != 0 ||
	    (rc = write_file(rundir, "report.json.p7s", der, outlen,
	    err)) != 0)
		goto out;
	free(der);
	der = NULL;
	hq_sha256_hex(text, len, sha);
	if ((st = hq_render_statement(r, sha)) == NULL ||
	    (stmt = cJSON_PrintUnformatted(st)) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "attestation: no memory");
		goto out;
	}
	if ((rc = hq_dsse_sign(s, HQ_DSSE_TYPE_INTOTO, stmt, strlen(stmt),
	    &env, err)) != 0)
		goto out;
	if ((out = malloc(strlen(env) + 2)) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "attestation: no memory");
		goto out;
	}
	outlen = (size_t)snprintf(out, strlen(env) + 2, "%s\n", env);
	if ((rc = write_file(rundir, "attestation.json", out, outlen,
	    err)) != 0)
		goto out;
	free(out);
	out = NULL;
	/* What a reader opens (report.html) is covered as well as what the
	 * report is (report.json): an edited rendering fails verify. */
	ol = cJSON_CreateObject();
	cJSON_AddStringToObject(ol, "format", HQ_OUTPUTS_FORMAT);
	cJSON_AddStringToObject(ol, "report_id", jsd(r, "report_id", ""));
	files = cJSON_AddArrayToObject(ol, "files");
	for (i = 0; covered[i] != NULL; i++)
		if ((rc = outputs_add(files, rundir, covered[i], err)) != 0)
			goto out;
	if ((out = cJSON_Print(ol)) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "outputs: no memory");
		goto out;
	}
	outlen = strlen(out);
	if ((rc = write_file(rundir, "outputs.json", out, outlen,
	    err)) != 0 ||
	    (rc = hq_sign_cms(s, out, outlen, NULL, &der, &len, err)) != 0 ||
	    (rc = write_file(rundir, "outputs.json.p7s", der, len, err)) != 0)
		goto out;
 out:
	if (rc != 0) {
		unlink_in(rundir, "attestation.json");
		unlink_in(rundir, "report.json.p7s");
		unlink_in(rundir, "outputs.json");
		unlink_in(rundir, "outputs.json.p7s");
	}
	free(env);
	free(stmt);
	cJSON_Delete(st);
	cJSON_Delete(ol);
	free(der);
	free(out);
	cJSON_Delete(r);
	free(text);
	return rc;
}

int
hq_render_outputs(const char *rundir, const struct hq_signer *s,
    const char *tsa_url, struct hq_err *err)
{
	struct hq_err e2 = { 0 };
	int rc;

	if (s != NULL && (rc = hq_render_set_signature(rundir, s, err)) != 0)
		return rc;
	if ((rc = hq_render_docs(rundir, err)) != 0)
		return rc;
	if (s == NULL)
		return 0;
	if ((rc = hq_render_sign(rundir, s, tsa_url, err)) != 0) {
		/* Nothing signed: the report says so again. */
		if (hq_render_set_signature(rundir, NULL, &e2) == 0)
			hq_render_docs(rundir, &e2);
	}
	return rc;
}
