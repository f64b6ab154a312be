/* SPDX-License-Identifier: Apache-2.0 */
/* report.json assembly.  No secrets: the DUT's identity only, no creds. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <time.h>

#include <openssl/rand.h>

#include "core/profile.h"
#include "core/report.h"
#include "model/dut.h"
#include "util/err.h"
#include "util/util.h"

void
hq_report_new_id(char *out, size_t outsz)
{
	unsigned char rnd[4] = { 0 };
	time_t now = time(NULL);
	struct tm tm;
	char ts[32];

	/* The kernel's generator: OpenSSL's would be seeded here, on the
	 * run's path, for four bytes of a name. */
	if (getrandom(rnd, sizeof(rnd), GRND_NONBLOCK) != (ssize_t)sizeof(rnd)
	    && RAND_bytes(rnd, sizeof(rnd)) != 1) {
		int64_t ns = hq_mono_ns();

		memcpy(rnd, &ns, sizeof(rnd));
	}
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y%m%d-%H%M%S", &tm);
	snprintf(out, outsz, "HQ-%s-%02x%02x%02x%02x", ts, rnd[0], rnd[1],
	    rnd[2], rnd[3]);
}

static cJSON *
input_json(const char *role, const char *path, const char *sha)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "role", role);
	cJSON_AddStringToObject(o, "path", path);
	cJSON_AddStringToObject(o, "sha256", sha);
	return o;
}

static const char *
result_verdict(const cJSON *r)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r,
	    "verdict"));
}

/* The decision rule(s) the profile applies, stated for the report. */
static void
rule_text(const struct hq_profile *p, char *out, size_t outsz)
{
	static const char *const what[] = {
		[HQ_RULE_SIMPLE] = "simple acceptance (ILAC-G8, shared "
		    "risk): the measured value alone decides; a value within "
		    "the stated uncertainty of a limit is marked as such",
		[HQ_RULE_GUARDED_ACCEPTANCE] = "guarded acceptance (ILAC-G8): "
		    "a value conforms only when its whole uncertainty band "
		    "meets the limit; inside the band it does not conform "
		    "(guard band)",
		[HQ_RULE_GUARDED_REJECTION] = "guarded rejection (ILAC-G8): "
		    "a value fails only when its whole uncertainty band "
		    "misses the limit; inside the band it conforms "
		    "(guard band)",
		[HQ_RULE_INCONCLUSIVE] = "no decision inside the band: a "
		    "value within the stated uncertainty of a limit makes the "
		    "case INCONCLUSIVE",
	};
	size_t i, o;

	o = (size_t)snprintf(out, outsz, "ISO/IEC 17025 7.8.6 decision rule "
	    "\"%s\": %s", hq_rule_name(p->rule), what[p->rule]);
	for (i = 0; i < p->ncases && o < outsz; i++)
		if (p->cases[i].rule != p->rule)
			o += (size_t)snprintf(out + o, outsz - o, "; case %s: "
			    "\"%s\"", p->cases[i].id,
			    hq_rule_name(p->cases[i].rule));
}

/*
 * The summary, a conformity statement for the regulation, and the
 * coverage of the profile's requirement groups.  PASS only when every
 * mandatory case ran and passed (NOT_APPLICABLE with its reason allowed)
 * and every mandatory group has a case; cases left out (NOT_RUN) or
 * groups the profile has no case for make it INCOMPLETE; a FAIL is a FAIL
 * whatever else.
 */
static cJSON *
summary_json(const struct hq_report_in *in, cJSON **covp)
{
	const struct hq_profile *p = in->profile;
	const cJSON *r;
	cJSON *sum, *cov, *g, *ids;
	size_t npass = 0, nfail = 0, ninc = 0, nna = 0, nnr = 0, nmnr = 0;
	size_t nunc = 0, gi, n[5];
	char stmt[512], rule[1536];
	const char *verdict;

	cJSON_ArrayForEach(r, in->results) {
		const char *v = result_verdict(r);

		if (v == NULL)
			continue;
		if (strcmp(v, "PASS") == 0)
			npass++;
		else if (strcmp(v, "FAIL") == 0)
			nfail++;
		else if (strcmp(v, "INCONCLUSIVE") == 0)
			ninc++;
		else if (strcmp(v, "NOT_RUN") == 0) {
			nnr++;
			if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r,
			    "mandatory")))
				nmnr++;
		} else
			nna++;
	}
	cov = cJSON_CreateArray();
	for (gi = 0; gi < p->ngroups; gi++) {
		const struct hq_group *gr = &p->groups[gi];
		const char *st;

		memset(n, 0, sizeof(n));
		ids = cJSON_CreateArray();
		cJSON_ArrayForEach(r, in->results) {
			const char *v = result_verdict(r);
			const char *rg = cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(r, "group"));

			if (v == NULL || rg == NULL || strcmp(rg, gr->id) != 0)
				continue;
			cJSON_AddItemToArray(ids, cJSON_CreateString(
			    cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(r, "id"))));
			n[strcmp(v, "PASS") == 0 ? 0 : strcmp(v, "FAIL") == 0 ?
			    1 : strcmp(v, "INCONCLUSIVE") == 0 ? 2 :
			    strcmp(v, "NOT_RUN") == 0 ? 3 : 4]++;
		}
		if (cJSON_GetArraySize(ids) == 0) {
			st = "NOT_COVERED";
			if (gr->mandatory)
				nunc++;
		} else
			st = n[1] > 0 ? "FAIL" : n[3] > 0 ? "NOT_RUN" :
			    n[2] > 0 ? "INCONCLUSIVE" : n[0] > 0 ? "PASS" :
			    "NOT_APPLICABLE";
		g = cJSON_CreateObject();
		cJSON_AddStringToObject(g, "id", gr->id);
		cJSON_AddStringToObject(g, "title", gr->title);
		if (gr->clause != NULL)
			cJSON_AddStringToObject(g, "clause", gr->clause);
		cJSON_AddBoolToObject(g, "mandatory", gr->mandatory);
		cJSON_AddStringToObject(g, "status", st);
		if (strcmp(st, "NOT_COVERED") == 0)
			cJSON_AddStringToObject(g, "note", "not covered by "
			    "this profile version");
		cJSON_AddItemToObject(g, "cases", ids);
		cJSON_AddItemToArray(cov, g);
	}
	*covp = cov;
	if (nfail > 0) {
		verdict = "FAIL";
		snprintf(stmt, sizeof(stmt), "FAIL: %zu case%s did not "
		    "conform to %s", nfail, nfail == 1 ? "" : "s",
		    p->regulation);
	} else if (nmnr > 0 || nunc > 0 || !in->complete) {
		verdict = "INCOMPLETE";
		snprintf(stmt, sizeof(stmt), "INCOMPLETE: %zu mandatory case%s "
		    "not run%s%zu mandatory requirement group%s not covered "
		    "by this profile version%s; no conformity with %s is "
		    "stated", nmnr, nmnr == 1 ? "" : "s", ", ", nunc,
		    nunc == 1 ? "" : "s", !in->complete ?
		    ", the run was interrupted" : "", p->regulation);
	} else if (ninc > 0 || npass == 0) {
		verdict = "INCONCLUSIVE";
		snprintf(stmt, sizeof(stmt), "INCONCLUSIVE: %zu case%s reached "
		    "no verdict; no conformity with %s is stated", ninc,
		    ninc == 1 ? "" : "s", p->regulation);
	} else {
		verdict = "PASS";
		snprintf(stmt, sizeof(stmt), "PASS: every mandatory test case "
		    "of %s %s that applies to this item ran and passed",
		    p->id, p->version);
	}
	sum = cJSON_CreateObject();
	cJSON_AddStringToObject(sum, "verdict", verdict);
	cJSON_AddStringToObject(sum, "statement", stmt);
	cJSON_AddNumberToObject(sum, "pass", (double)npass);
	cJSON_AddNumberToObject(sum, "fail", (double)nfail);
	cJSON_AddNumberToObject(sum, "inconclusive", (double)ninc);
	cJSON_AddNumberToObject(sum, "not_applicable", (double)nna);
	cJSON_AddNumberToObject(sum, "not_run", (double)nnr);
	cJSON_AddNumberToObject(sum, "mandatory_not_run", (double)nmnr);
	cJSON_AddNumberToObject(sum, "groups_not_covered", (double)nunc);
	rule_text(p, rule, sizeof(rule));
	cJSON_AddStringToObject(sum, "decision_rule", rule);
	cJSON_AddStringToObject(sum, "decision_rule_id",
	    hq_rule_name(p->rule));
	return sum;
}

cJSON *
hq_report_build(const struct hq_report_in *in)
{
	const struct hq_profile *p = in->profile;
	cJSON *o, *t, *inputs, *run, *sum, *env, *cov;
	char ts[40], title[768], host[256] = "unknown";
	struct utsname un;

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddStringToObject(o, "format", HQ_REPORT_FORMAT);
	snprintf(title, sizeof(title), "Test report: %s (%s) - %s %s",
	    p->regulation, p->title, in->dut->manufacturer, in->dut->model);
	cJSON_AddStringToObject(o, "title", title);
	cJSON_AddStringToObject(o, "report_id", in->report_id);
	hq_time_rfc3339(in->ended_ms, ts, sizeof(ts));
	cJSON_AddStringToObject(o, "issued", ts);
	cJSON_AddBoolToObject(o, "complete", in->complete);
	t = cJSON_AddObjectToObject(o, "tool");
	cJSON_AddStringToObject(t, "name", "hopquy");
	cJSON_AddStringToObject(t, "version", HQ_VERSION);
	cJSON_AddStringToObject(t, "build_id", HQ_BUILD_ID);
	t = cJSON_AddObjectToObject(o, "profile");
	cJSON_AddStringToObject(t, "id", p->id);
	cJSON_AddStringToObject(t, "title", p->title);
	cJSON_AddStringToObject(t, "regulation", p->regulation);
	cJSON_AddStringToObject(t, "issuer", p->issuer);
	cJSON_AddStringToObject(t, "version", p->version);
	cJSON_AddStringToObject(t, "status", p->status);
	cJSON_AddStringToObject(t, "sha256", p->sha256);
	cJSON_AddItemToObject(o, "dut", hq_dut_identity_json(in->dut));
	inputs = cJSON_AddArrayToObject(o, "inputs");
	cJSON_AddItemToArray(inputs, input_json("profile", p->path,
	    p->sha256));
	cJSON_AddItemToArray(inputs, input_json("dut", in->dut->path,
	    in->dut->sha256));
	if (in->dut->claims_path != NULL)
		cJSON_AddItemToArray(inputs, input_json("claims",
		    in->dut->claims_path, in->dut->claims_sha256));
	if (in->lab != NULL) {
		const cJSON *lab = cJSON_GetObjectItemCaseSensitive(in->lab,
		    "laboratory");
		const char *lp = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(lab, "configuration_file"));
		const char *ls = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(lab,
		    "configuration_sha256"));

		const cJSON *job = cJSON_GetObjectItemCaseSensitive(in->lab,
		    "job");
		const char *jp = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(job, "file"));
		const char *jsha = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(job, "sha256"));

		if (lp != NULL && ls != NULL)
			cJSON_AddItemToArray(inputs, input_json("lab", lp, ls));
		if (jp != NULL && jsha != NULL)
			cJSON_AddItemToArray(inputs, input_json("job", jp,
			    jsha));
	}
	run = cJSON_AddObjectToObject(o, "run");
	hq_time_rfc3339(in->started_ms, ts, sizeof(ts));
	cJSON_AddStringToObject(run, "started", ts);
	hq_time_rfc3339(in->ended_ms, ts, sizeof(ts));
	cJSON_AddStringToObject(run, "ended", ts);
	env = cJSON_AddObjectToObject(run, "environment");
	gethostname(host, sizeof(host) - 1);
	cJSON_AddStringToObject(env, "host", host);
	if (uname(&un) == 0) {
		cJSON_AddStringToObject(env, "kernel", un.release);
		cJSON_AddStringToObject(env, "machine", un.machine);
	}
	cJSON_AddStringToObject(env, "bench_mode", in->dut->bench_mode);
	if (in->run_extra != NULL) {
		const cJSON *c;

		cJSON_ArrayForEach(c, in->run_extra)
			cJSON_AddItemToObject(run, c->string,
			    cJSON_Duplicate(c, 1));
	}
	cJSON_AddStringToObject(o, "statement", "The results relate only to "
	    "the item tested, as described and in the condition stated.");
	sum = summary_json(in, &cov);
	cJSON_AddItemToObject(o, "summary", sum);
	cJSON_AddItemToObject(o, "coverage", cov);
	cJSON_AddItemToObject(o, "results", cJSON_Duplicate(in->results, 1));
	cJSON_AddItemToObject(o, "deviations", in->deviations != NULL ?
	    cJSON_Duplicate(in->deviations, 1) : cJSON_CreateArray());
	cJSON_AddItemToObject(o, "evidence", in->manifest != NULL ?
	    cJSON_Duplicate(in->manifest, 1) : cJSON_CreateArray());
	if (in->lab != NULL) {
		const cJSON *c;

		/* laboratory, customer, item, ambient, authorisation */
		cJSON_ArrayForEach(c, in->lab)
			cJSON_AddItemToObject(o, c->string,
			    cJSON_Duplicate(c, 1));
	}
	return o;
}

int
hq_report_text(const cJSON *report, char **textp, size_t *lenp,
    struct hq_err *err)
{
	char *text, *nt;
	size_t len;

	*textp = NULL;
	if ((text = cJSON_Print(report)) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "report: no memory");
	len = strlen(text);
	if ((nt = realloc(text, len + 2)) == NULL) {
		free(text);
		return hq_err_set(err, HQ_ENOMEM, "report: no memory");
	}
	nt[len++] = '\n';
	nt[len] = '\0';
	*textp = nt;
	*lenp = len;
	return 0;
}

int
hq_report_write_text(const char *rundir, const char *text, size_t len,
    struct hq_err *err)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/report.json", rundir);
	return hq_file_write_atomic(path, text, len, 0644, err);
}

int
hq_report_write(const char *rundir, const cJSON *report, struct hq_err *err)
{
	char *text;
	size_t len;
	int rc;

	if ((rc = hq_report_text(report, &text, &len, err)) != 0)
		return rc;
	rc = hq_report_write_text(rundir, text, len, err);
	free(text);
	return rc;
}
