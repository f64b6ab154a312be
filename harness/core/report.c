/* SPDX-License-Identifier: Apache-2.0 */
/* report.json assembly.  No secrets: the DUT's identity only, no creds. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

	if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
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

cJSON *
hq_report_build(const struct hq_report_in *in)
{
	const struct hq_profile *p = in->profile;
	const cJSON *r;
	cJSON *o, *t, *inputs, *run, *sum, *env;
	size_t npass = 0, nfail = 0, ninc = 0, nna = 0;
	char ts[40], title[768], host[256] = "unknown";
	struct utsname un;

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddStringToObject(o, "format", HQ_REPORT_FORMAT);
	snprintf(title, sizeof(title), "Test report: %s (%s) - %s %s",
	    p->regulation, p->title, in->dut->manufacturer, in->dut->model);
	cJSON_AddStringToObject(o, "title", title);
	cJSON_AddStringToObject(o, "report_id", in->report_id);
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

		if (lp != NULL && ls != NULL)
			cJSON_AddItemToArray(inputs, input_json("lab", lp, ls));
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
	cJSON_ArrayForEach(r, in->results) {
		const char *v = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(r, "verdict"));

		if (v == NULL)
			continue;
		if (strcmp(v, "PASS") == 0)
			npass++;
		else if (strcmp(v, "FAIL") == 0)
			nfail++;
		else if (strcmp(v, "INCONCLUSIVE") == 0)
			ninc++;
		else
			nna++;
	}
	sum = cJSON_AddObjectToObject(o, "summary");
	cJSON_AddStringToObject(sum, "verdict", nfail > 0 ? "FAIL" :
	    ninc > 0 || !in->complete ? "INCONCLUSIVE" :
	    npass > 0 ? "PASS" : "INCONCLUSIVE");
	cJSON_AddNumberToObject(sum, "pass", (double)npass);
	cJSON_AddNumberToObject(sum, "fail", (double)nfail);
	cJSON_AddNumberToObject(sum, "inconclusive", (double)ninc);
	cJSON_AddNumberToObject(sum, "not_applicable", (double)nna);
	cJSON_AddStringToObject(sum, "decision_rule", "simple acceptance "
	    "(ISO/IEC Guide 98-4): a measured value conforms when it meets "
	    "the limit; values within the stated uncertainty of a limit are "
	    "marked as such");
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
hq_report_write(const char *rundir, const cJSON *report, struct hq_err *err)
{
	char path[PATH_MAX], *text;
	size_t len;
	int rc;

	if ((text = cJSON_Print(report)) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "report: no memory");
	len = strlen(text);
	snprintf(path, sizeof(path), "%s/report.json", rundir);
	{
		char *nt = realloc(text, len + 2);

		if (nt == NULL) {
			free(text);
			return hq_err_set(err, HQ_ENOMEM, "report: no memory");
		}
		text = nt;
		text[len++] = '\n';
		text[len] = '\0';
	}
	rc = hq_file_write_atomic(path, text, len, 0644, err);
	free(text);
	return rc;
}
