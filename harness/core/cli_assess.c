/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Operator assessments: the strict loader of an assessment file (used by
 * `hopquy run --assess FILE`) and `hopquy assess template`, which writes a
 * pre-filled file listing every documentary case of a profile with its
 * question, so the engineer fills it rather than writing it.  Nothing here
 * decides a verdict: the assessment family does, from what this loaded.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/assess.h"
#include "core/cli.h"
#include "core/engine.h"
#include "core/profile.h"
#include "family.h"
#include "model/dut.h"
#include "util/err.h"
#include "util/jv.h"
#include "util/util.h"

static const char *const top_keys[] = { "$schema", "format", "profile",
	"dut", "cases", "notes", NULL };
static const char *const dut_keys[] = { "manufacturer", "model", "serial",
	"firmware", NULL };
static const char *const case_keys[] = { "id", "title", "group",
	"question", "applies", "verdict", "rationale", "assessor", "date",
	"documents", NULL };
static const char *const doc_keys[] = { "path", "sha256", "title", NULL };
static const char *const verdicts[] = { "PASS", "FAIL", "INCONCLUSIVE",
	"PENDING", NULL };
static const char *const formats[] = { HQ_ASSESS_FORMAT, NULL };

static const char usage_assess[] =
"usage: hopquy assess template -p PROFILE -d DUT [-o FILE]\n"
"\n"
"Writes an assessment file (hopquy-assessment/1) listing every documentary\n"
"case of the profile with its question, verdict PENDING.  Fill in verdict\n"
"(PASS, FAIL or INCONCLUSIVE), rationale, assessor, date and documents,\n"
"then: hopquy run -p PROFILE -d DUT --assess FILE.\n"
"  -o, --output FILE  write there (refuses to overwrite); default stdout\n";

/* YYYY-MM-DD with a plausible month and day. */
static bool
valid_date(const char *s)
{
	int i;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return false;
	i = (s[5] - '0') * 10 + (s[6] - '0');
	if (i < 1 || i > 12)
		return false;
	i = (s[8] - '0') * 10 + (s[9] - '0');
	return i >= 1 && i <= 31;
}

static bool
valid_hex64(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return i == 64;
}

/* One document: resolved next to the assessment file, hashed. */
static int
load_doc(const cJSON *d, const char *path, const char *dir, cJSON *docs,
    struct hq_err *err)
{
	char *dpath = NULL, *sha = NULL, *title = NULL, full[PATH_MAX * 2];
	char got[65];
	const char *base;
	const cJSON *o;
	uint64_t size;
	cJSON *out;
	int rc;

	if ((rc = hq_jv_keys(d, path, doc_keys, err)) != 0 ||
	    (rc = hq_jv_str(d, path, "path", true, 1024, &dpath,
	    err)) != 0 ||
	    (rc = hq_jv_str(d, path, "sha256", false, 64, &sha, err)) != 0 ||
	    (rc = hq_jv_str(d, path, "title", false, 256, &title, err)) != 0)
		goto out;
	if (dpath[0] == '/')
		snprintf(full, sizeof(full), "%s", dpath);
	else
		snprintf(full, sizeof(full), "%s/%s", dir, dpath);
	base = strrchr(full, '/') != NULL ? strrchr(full, '/') + 1 : full;
	if (base[0] == '\0' || base[0] == '.') {
		rc = hq_err_set(err, HQ_EINVAL, "%s.path: \"%.200s\": expected "
		    "a file name", path, dpath);
		goto out;
	}
	if ((rc = hq_sha256_file(full, got, &size, err)) != 0) {
		hq_err_clear(err);
		rc = hq_err_set(err, HQ_EINVAL, "%s.path: %.160s: cannot read "
		    "it", path, dpath);
		goto out;
	}
	if (size > HQ_ASSESS_DOC_MAX) {
		rc = hq_err_set(err, HQ_EINVAL, "%s.path: %.160s: %llu bytes, "
		    "more than %u", path, dpath, (unsigned long long)size,
		    HQ_ASSESS_DOC_MAX);
		goto out;
	}
	if (sha != NULL && (!valid_hex64(sha) || strcmp(sha, got) != 0)) {
		rc = hq_err_set(err, HQ_EINVAL, "%s.sha256: %.60s has SHA-256 "
		    "%.16s..., not the %.16s... declared", path, dpath, got,
		    sha);
		goto out;
	}
	cJSON_ArrayForEach(o, docs)
		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(o,
		    "name")), base) == 0) {
			rc = hq_err_set(err, HQ_EINVAL, "%s.path: a second "
			    "document named %.200s in this case", path, base);
			goto out;
		}
	out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "path", full);
	cJSON_AddStringToObject(out, "name", base);
	cJSON_AddStringToObject(out, "sha256", got);
	cJSON_AddNumberToObject(out, "size", (double)size);
	if (title != NULL)
		cJSON_AddStringToObject(out, "title", title);
	cJSON_AddItemToArray(docs, out);
 out:
	free(dpath);
	free(sha);
	free(title);
	return rc;
}

static int
load_entry(const cJSON *e, const char *path, const char *dir,
    const struct hq_profile *p, cJSON *cases, struct hq_err *err)
{
	char *id = NULL, *verdict = NULL, *rationale = NULL, *assessor = NULL;
	char *date = NULL, sub[HQ_JV_PATH_MAX], dsub[HQ_JV_PATH_MAX];
	const struct hq_case *tc;
	const cJSON *docs, *d;
	cJSON *out = NULL, *odocs;
	size_t i = 0;
	int rc;

	if ((rc = hq_jv_keys(e, path, case_keys, err)) != 0 ||
	    (rc = hq_jv_str(e, path, "id", true, 128, &id, err)) != 0 ||
	    (rc = hq_jv_enum(e, path, "verdict", true, verdicts, &verdict,
	    err)) != 0)
		goto out;
	if ((tc = hq_profile_case(p, id)) == NULL) {
		rc = hq_err_set(err, HQ_EINVAL, "%s.id: \"%.128s\" is not a "
		    "case of profile %s", path, id, p->id);
		goto out;
	}
	if (strcmp(tc->family, "assessment") != 0) {
		rc = hq_err_set(err, HQ_EINVAL, "%s.id: %s is a %s case: its "
		    "verdict comes from its run, not an assessment", path, id,
		    tc->family);
		goto out;
	}
	if (cJSON_GetObjectItemCaseSensitive(cases, id) != NULL) {
		rc = hq_err_set(err, HQ_EINVAL, "%s.id: %s is assessed twice",
		    path, id);
		goto out;
	}
	if (strcmp(verdict, "PENDING") == 0)
		goto out;		/* not assessed yet */
	if ((rc = hq_jv_str(e, path, "rationale", true, 4096, &rationale,
	    err)) != 0 ||
	    (rc = hq_jv_str(e, path, "assessor", true, 256, &assessor,
	    err)) != 0 ||
	    (rc = hq_jv_str(e, path, "date", true, 10, &date, err)) != 0 ||
	    (rc = hq_jv_get(e, path, "documents", cJSON_Array, true, &docs,
	    err)) != 0)
		goto out;
	if (!valid_date(date)) {
		rc = hq_err_set(err, HQ_EINVAL, "%s.date: expected YYYY-MM-DD, "
		    "got \"%.10s\"", path, date);
		goto out;
	}
	if (cJSON_GetArraySize(docs) > HQ_ASSESS_DOCS_MAX) {
		rc = hq_err_set(err, HQ_EINVAL, "%s.documents: more than %d",
		    path, HQ_ASSESS_DOCS_MAX);
		goto out;
	}
	/* A PASS rests on positive evidence: at least one document. */
	if (strcmp(verdict, "PASS") == 0 && cJSON_GetArraySize(docs) == 0) {
		rc = hq_err_set(err, HQ_EINVAL, "%s.documents: a PASS needs "
		    "at least one attached document", path);
		goto out;
	}
	out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "verdict", verdict);
	cJSON_AddStringToObject(out, "rationale", rationale);
	cJSON_AddStringToObject(out, "assessor", assessor);
	cJSON_AddStringToObject(out, "date", date);
	odocs = cJSON_AddArrayToObject(out, "documents");
	cJSON_ArrayForEach(d, docs) {
		hq_jv_path(dsub, sizeof(dsub), path, "documents");
		hq_jv_index(sub, sizeof(sub), dsub, i++);
		if ((rc = load_doc(d, sub, dir, odocs, err)) != 0)
			goto out;
	}
	cJSON_AddItemToObject(cases, id, out);
	out = NULL;
 out:
	cJSON_Delete(out);
	free(id);
	free(verdict);
	free(rationale);
	free(assessor);
	free(date);
	return rc;
}

int
hq_assess_load(const char *path, const struct hq_profile *p,
    const struct hq_dut *dut, cJSON **outp, struct hq_err *err)
{
	const cJSON *dj, *cases, *e;
	cJSON *root = NULL, *out = NULL, *oc;
	char *text = NULL, *fmt = NULL, *pid = NULL, *serial = NULL;
	char dir[PATH_MAX], sub[HQ_JV_PATH_MAX], sha[65];
	struct hq_err lerr = { 0 };
	const char *slash;
	size_t len, i = 0;
	int rc;

	*outp = NULL;
	if ((rc = hq_file_slurp(path, HQ_ASSESS_FILE_MAX, &text, &len,
	    err)) != 0 ||
	    (rc = hq_jv_parse(path, text, len, &root, err)) != 0)
		goto out;
	hq_sha256_hex(text, len, sha);
	slash = strrchr(path, '/');
	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if ((rc = hq_jv_keys(root, "", top_keys, &lerr)) != 0 ||
	    (rc = hq_jv_enum(root, "", "format", true, formats, &fmt,
	    &lerr)) != 0 ||
	    (rc = hq_jv_str(root, "", "profile", true, 128, &pid,
	    &lerr)) != 0 ||
	    (rc = hq_jv_get(root, "", "dut", cJSON_Object, true, &dj,
	    &lerr)) != 0 ||
	    (rc = hq_jv_keys(dj, "dut", dut_keys, &lerr)) != 0 ||
	    (rc = hq_jv_str(dj, "dut", "serial", true, 128, &serial,
	    &lerr)) != 0 ||
	    (rc = hq_jv_get(root, "", "cases", cJSON_Array, true, &cases,
	    &lerr)) != 0)
		goto bad;
	/* An assessment belongs to one profile and one unit. */
	if (strcmp(pid, p->id) != 0) {
		rc = hq_err_set(&lerr, HQ_EINVAL, "profile: \"%.128s\", the run's "
		    "profile is %s", pid, p->id);
		goto bad;
	}
	if (strcmp(serial, dut->serial) != 0) {
		rc = hq_err_set(&lerr, HQ_EINVAL, "dut.serial: \"%.128s\", the "
		    "DUT's serial is %s", serial, dut->serial);
		goto bad;
	}
	out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "path", path);
	cJSON_AddStringToObject(out, "sha256", sha);
	oc = cJSON_AddObjectToObject(out, "cases");
	cJSON_ArrayForEach(e, cases) {
		hq_jv_index(sub, sizeof(sub), "cases", i++);
		if ((rc = load_entry(e, sub, dir, p, oc, &lerr)) != 0)
			goto bad;
	}
	*outp = out;
	out = NULL;
	goto out;
 bad:
	rc = hq_err_set(err, rc, "%s: %s", path, lerr.msg);
 out:
	cJSON_Delete(out);
	cJSON_Delete(root);
	free(text);
	free(fmt);
	free(pid);
	free(serial);
	return rc;
}

/* The template: every documentary case, with its question and whether it
 * applies to this DUT (the plan's reason). */
static cJSON *
template_json(const struct hq_profile *p, const struct hq_dut *d,
    const struct hq_plan *plan)
{
	cJSON *o = cJSON_CreateObject(), *dj, *cases;
	size_t i;

	cJSON_AddStringToObject(o, "$schema", "assess.schema.json");
	cJSON_AddStringToObject(o, "format", HQ_ASSESS_FORMAT);
	cJSON_AddStringToObject(o, "profile", p->id);
	dj = cJSON_AddObjectToObject(o, "dut");
	cJSON_AddStringToObject(dj, "manufacturer", d->manufacturer);
	cJSON_AddStringToObject(dj, "model", d->model);
	cJSON_AddStringToObject(dj, "serial", d->serial);
	cJSON_AddStringToObject(dj, "firmware", d->firmware);
	cJSON_AddStringToObject(o, "notes", "For each case: verdict PASS, "
	    "FAIL or INCONCLUSIVE (PENDING: not assessed yet, the run reports "
	    "INCONCLUSIVE), rationale, assessor, date (YYYY-MM-DD) and the "
	    "documents the verdict rests on (paths relative to this file; a "
	    "PASS needs at least one).  The run copies each document into "
	    "its evidence with its SHA-256.");
	cases = cJSON_AddArrayToObject(o, "cases");
	for (i = 0; i < plan->nitems; i++) {
		const struct hq_plan_item *it = &plan->items[i];
		const struct hq_case *tc = it->tc;
		cJSON *c;

		if (strcmp(tc->family, "assessment") != 0)
			continue;
		c = cJSON_CreateObject();
		cJSON_AddStringToObject(c, "id", tc->id);
		cJSON_AddStringToObject(c, "title", tc->title);
		cJSON_AddStringToObject(c, "group", tc->group);
		cJSON_AddStringToObject(c, "question", cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(tc->params, "question")));
		cJSON_AddStringToObject(c, "applies", it->applicable ? "yes" :
		    it->reason);
		cJSON_AddStringToObject(c, "verdict", "PENDING");
		cJSON_AddStringToObject(c, "rationale", "");
		cJSON_AddStringToObject(c, "assessor", "");
		cJSON_AddStringToObject(c, "date", "");
		cJSON_AddArrayToObject(c, "documents");
		cJSON_AddItemToArray(cases, c);
	}
	return o;
}

static int
assess_template(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "profile", required_argument, NULL, 'p' },
		{ "dut", required_argument, NULL, 'd' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *pname = NULL, *dpath = NULL, *opath = NULL;
	struct hq_profile *p = NULL;
	struct hq_dut *d = NULL;
	struct hq_plan plan = { 0 };
	struct hq_err err = { 0 };
	char path[PATH_MAX], *text = NULL;
	cJSON *j = NULL;
	FILE *f;
	int c, rc, status = 0;

	while ((c = getopt_long(argc, argv, "p:d:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p': pname = optarg; break;
		case 'd': dpath = optarg; break;
		case 'o': opath = optarg; break;
		case 'h': fputs(usage_assess, stdout); return 0;
		default: fputs(usage_assess, stderr); return HQ_EXIT_USAGE;
		}
	}
	if (pname == NULL || dpath == NULL || optind != argc) {
		fputs(usage_assess, stderr);
		return HQ_EXIT_USAGE;
	}
	if ((rc = hq_profile_find(pname, path, sizeof(path), &err)) != 0 ||
	    (rc = hq_profile_load(path, &p, &err)) != 0 ||
	    (rc = hq_dut_load(dpath, &d, &err)) != 0 ||
	    (rc = hq_plan_build(p, d, NULL, &plan, &err)) != 0)
		goto fail;
	if ((j = template_json(p, d, &plan)) == NULL ||
	    (text = cJSON_Print(j)) == NULL) {
		rc = hq_err_set(&err, HQ_ENOMEM, "no memory");
		goto fail;
	}
	if (opath == NULL) {
		printf("%s\n", text);
		goto out;
	}
	/* "x": never overwrite an engineer's filled-in file. */
	if ((f = fopen(opath, "wx")) == NULL) {
		rc = hq_err_sys(&err, opath);
		goto fail;
	}
	if (fprintf(f, "%s\n", text) < 0 || fclose(f) != 0) {
		rc = hq_err_sys(&err, opath);
		goto fail;
	}
	fprintf(stderr, "hopquy: %s: %d documentary cases of %s to assess\n",
	    opath, cJSON_GetArraySize(cJSON_GetObjectItem(j, "cases")),
	    p->id);
	goto out;
 fail:
	fprintf(stderr, "hopquy: %s\n", err.code != 0 ? err.msg :
	    hq_err_name(rc));
	status = hq_cli_exit_for(rc);
 out:
	free(text);
	cJSON_Delete(j);
	hq_plan_clear(&plan);
	hq_profile_free(p);
	hq_dut_free(d);
	return status;
}

int
hq_cli_assess(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "template") == 0) {
		optind = 1;
		return assess_template(argc - 1, argv + 1);
	}
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)) {
		fputs(usage_assess, stdout);
		return 0;
	}
	fputs(usage_assess, stderr);
	return HQ_EXIT_USAGE;
}
