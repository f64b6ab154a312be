/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `hopquy verify` and `hopquy render`.  verify trusts nothing in the run
 * directory but the CA file it is given: the signature over report.json
 * first, then every evidence file against the manifest that signature
 * covers, then the attestation against the same signer.  Each problem is
 * one line naming its file; the exit status is 0 only if all hold.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "core/cli.h"
#include "evidence/render.h"
#include "evidence/sign.h"
#include "util/err.h"
#include "util/jv.h"
#include "util/log.h"
#include "util/util.h"

static const char usage_verify[] =
"usage: hopquy verify RUNDIR [--ca CAFILE] [--tsa-ca CAFILE] [-q]\n"
"\n"
"Checks report.json.p7s over report.json (signature and certificate chain\n"
"against CAFILE, default the system trust store), its RFC 3161 time-stamp\n"
"if any (against --tsa-ca, default CAFILE), the size and SHA-256 of every\n"
"evidence file in report.json, attestation.json if present, and\n"
"outputs.json.p7s over outputs.json, whose SHA-256 list covers\n"
"report.html, junit.xml and attestation.json: an edited file is named.\n"
"\n"
"  --ca CAFILE      PEM trust anchors for the lab's signing certificate\n"
"  --tsa-ca CAFILE  PEM trust anchors for the time-stamp authority\n"
"  -q, --quiet      print problems only\n"
"\n"
"exit: 0 everything holds, 1 a check failed (each named on stdout),\n"
"      64 usage, 65 RUNDIR unreadable, 70 internal\n";

static const char usage_render[] =
"usage: hopquy render RUNDIR [--sign KEY --cert CERT] [--tsa URL]\n"
"\n"
"Writes report.html and junit.xml again from RUNDIR/report.json; with\n"
"--sign and --cert, also signs report.json (report.json.p7s, its\n"
"authorisation.signature set to the signer first), writes\n"
"attestation.json, and signs outputs.json (the SHA-256 of report.json,\n"
"report.html, junit.xml and attestation.json) as outputs.json.p7s.\n"
"This is how a run whose signature failed is signed afterwards.\n"
"\n"
"  --sign KEY   the lab's PEM private key (mode 600)\n"
"  --cert CERT  its PEM certificate, then any intermediates\n"
"  --tsa URL    RFC 3161 time-stamp authority (http or https)\n"
"\n"
"exit: 0 written, 64 usage, 65 bad report.json, key or certificate,\n"
"      70 internal\n";

struct vstate {
	const char	*rundir;
	bool		 quiet;
	unsigned	 problems;
};

static void vok(struct vstate *vs, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void vbad(struct vstate *vs, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
vok(struct vstate *vs, const char *fmt, ...)
{
	va_list ap;

	if (vs->quiet)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static void
vbad(struct vstate *vs, const char *fmt, ...)
{
	va_list ap;

	vs->problems++;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* A manifest path must stay inside the run directory. */
static bool
safe_relpath(const char *p)
{
	const char *c;

	if (p == NULL || p[0] == '\0' || p[0] == '/' ||
	    strlen(p) >= PATH_MAX / 2)
		return false;
	for (c = p; *c != '\0'; c++)
		if ((unsigned char)*c < 0x20)
			return false;
	for (c = p; c != NULL; c = strchr(c, '/')) {
		if (*c == '/')
			c++;
		if (strncmp(c, "..", 2) == 0 && (c[2] == '/' || c[2] == '\0'))
			return false;
	}
	return true;
}

/* Checks one file against size and sha; the computed hash goes to got. */
static bool
check_file(struct vstate *vs, const char *rel, double size, const char *sha,
    char got[65])
{
	char path[PATH_MAX];
	struct hq_err err = { 0 };
	struct stat st;
	uint64_t n;

	got[0] = '\0';
	if (!safe_relpath(rel)) {
		vbad(vs, "%s: FAILED: path leaves the run directory",
		    rel != NULL ? rel : "(no path)");
		return false;
	}
	snprintf(path, sizeof(path), "%s/%s", vs->rundir, rel);
	if (lstat(path, &st) != 0) {
		vbad(vs, "%s: FAILED: %s", rel, errno == ENOENT ? "missing" :
		    strerror(errno));
		return false;
	}
	if (!S_ISREG(st.st_mode)) {
		vbad(vs, "%s: FAILED: not a regular file", rel);
		return false;
	}
	if (hq_sha256_file(path, got, &n, &err) != 0) {
		vbad(vs, "%s: FAILED: %s", rel, err.msg);
		return false;
	}
	if (sha == NULL || strcmp(got, sha) != 0) {
		vbad(vs, "%s: FAILED: SHA-256 mismatch (report %s, file %s)",
		    rel, sha != NULL ? sha : "none", got);
		return false;
	}
	if (size >= 0 && (double)n != size) {
		vbad(vs, "%s: FAILED: size mismatch (report %.0f, file %llu)",
		    rel, size, (unsigned long long)n);
		return false;
	}
	return true;
}

static void
verify_evidence(struct vstate *vs, const cJSON *report)
{
	const cJSON *ev = cJSON_GetObjectItemCaseSensitive(report, "evidence"),
	    *e;
	unsigned n = 0, good = 0;
	char got[65];

	if (!cJSON_IsArray(ev)) {
		vbad(vs, "report.json: FAILED: no evidence manifest");
		return;
	}
	cJSON_ArrayForEach(e, ev) {
		const cJSON *sz = cJSON_GetObjectItemCaseSensitive(e, "size");

		n++;
		if (check_file(vs, cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(e, "path")),
		    cJSON_IsNumber(sz) ? sz->valuedouble : -1,
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e,
		    "sha256")), got))
			good++;
	}
	vok(vs, "evidence: %u of %u files match the manifest", good, n);
}

/* Does the statement name path with sha256 among its subjects? */
static bool
subject_has(const cJSON *subj, const char *path, const char *sha)
{
	const cJSON *s;

	cJSON_ArrayForEach(s, subj) {
		const char *n = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(s, "name"));
		const char *d = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(s, "digest"), "sha256"));

		if (n != NULL && d != NULL && strcmp(n, path) == 0 &&
		    strcmp(d, sha) == 0)
			return true;
	}
	return false;
}

static void
verify_attestation(struct vstate *vs, const struct hq_sig_info *si,
    const char *report_sha, const cJSON *report)
{
	char path[PATH_MAX], *text = NULL, *type = NULL;
	unsigned char *body = NULL;
	size_t len, blen;
	struct hq_err err = { 0 };
	struct stat st;
	cJSON *stmt = NULL;
	const cJSON *subj, *e;
	const char *t;

	snprintf(path, sizeof(path), "%s/attestation.json", vs->rundir);
	if (lstat(path, &st) != 0 && errno == ENOENT) {
		vok(vs, "attestation.json: absent (not checked)");
		return;
	}
	if (si->pkey == NULL) {
		vbad(vs, "attestation.json: FAILED: no verified signer key to "
		    "check it with");
		return;
	}
	if (hq_file_slurp(path, HQ_DSSE_MAX, &text, &len, &err) != 0 ||
	    hq_dsse_verify(text, len, si->pkey, &type, &body, &blen,
	    &err) != 0) {
		vbad(vs, "attestation.json: FAILED: %s", err.msg);
		goto out;
	}
	if (strcmp(type, HQ_DSSE_TYPE_INTOTO) != 0 ||
	    (stmt = cJSON_ParseWithLength((char *)body, blen)) == NULL ||
	    (t = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(stmt,
	    "_type"))) == NULL || strcmp(t, HQ_INTOTO_STATEMENT) != 0) {
		vbad(vs, "attestation.json: FAILED: not an in-toto Statement "
		    "v1");
		goto out;
	}
	subj = cJSON_GetObjectItemCaseSensitive(stmt, "subject");
	if (!subject_has(subj, "report.json", report_sha)) {
		vbad(vs, "attestation.json: FAILED: its subject report.json "
		    "is not this report.json");
		goto out;
	}
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(report,
	    "evidence")) {
		const char *p = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(e, "path"));
		const char *d = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(e, "sha256"));

		if (p == NULL || d == NULL || !subject_has(subj, p, d)) {
			vbad(vs, "attestation.json: FAILED: subject %s missing "
			    "or different", p != NULL ? p : "(no path)");
			goto out;
		}
	}
	vok(vs, "attestation.json: OK (DSSE signature by the report's signer, "
	    "%d subjects)", cJSON_GetArraySize(subj));
 out:
	cJSON_Delete(stmt);
	free(body);
	free(type);
	free(text);
}

/*
 * outputs.json.p7s covers outputs.json, which lists report.json,
 * report.html, junit.xml and attestation.json with their SHA-256: an
 * edited rendering fails here, named.
 */
static void
verify_outputs(struct vstate *vs, const char *ca, const char *tsa_ca,
    const char *report_sha, const cJSON *report)
{
	char path[PATH_MAX], *text = NULL, *der = NULL, got[65];
	size_t len, derlen;
	struct hq_sig_info si = { 0 };
	struct hq_err err = { 0 };
	cJSON *ol = NULL;
	const cJSON *f, *rid;
	unsigned n = 0, good = 0;
	bool saw_report = false;

	snprintf(path, sizeof(path), "%s/outputs.json.p7s", vs->rundir);
	if (hq_file_slurp(path, HQ_SIGN_CMS_MAX, &der, &derlen, &err) != 0) {
		vbad(vs, "outputs.json.p7s: FAILED: missing (%s); report.html, "
		    "junit.xml and attestation.json are not covered by a "
		    "signature", err.msg);
		goto out;
	}
	hq_err_clear(&err);
	snprintf(path, sizeof(path), "%s/outputs.json", vs->rundir);
	if (hq_file_slurp(path, HQ_REPORT_FILE_MAX, &text, &len, &err) != 0) {
		vbad(vs, "outputs.json: FAILED: %s", err.msg);
		goto out;
	}
	if (hq_verify_cms(text, len, der, derlen, ca, tsa_ca, &si,
	    &err) != 0) {
		vbad(vs, "outputs.json: FAILED: %s", err.msg);
		goto out;
	}
	if ((ol = cJSON_ParseWithLength(text, len)) == NULL ||
	    !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(ol, "files"))) {
		vbad(vs, "outputs.json: FAILED: not a hopquy-outputs/1 list");
		goto out;
	}
	rid = cJSON_GetObjectItemCaseSensitive(report, "report_id");
	if (!cJSON_IsString(rid) || !cJSON_IsString(
	    cJSON_GetObjectItemCaseSensitive(ol, "report_id")) ||
	    strcmp(rid->valuestring, cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(ol, "report_id"))) != 0) {
		vbad(vs, "outputs.json: FAILED: lists another report's files");
		goto out;
	}
	cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(ol, "files")) {
		const cJSON *sz = cJSON_GetObjectItemCaseSensitive(f, "size");
		const char *fp = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(f, "path"));
		const char *fs = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(f, "sha256"));

		n++;
		if (fp != NULL && strcmp(fp, "report.json") == 0) {
			saw_report = true;
			if (fs == NULL || strcmp(fs, report_sha) != 0) {
				vbad(vs, "report.json: FAILED: not the "
				    "report.json outputs.json lists");
				continue;
			}
		}
		if (check_file(vs, fp, cJSON_IsNumber(sz) ? sz->valuedouble :
		    -1, fs, got))
			good++;
	}
	if (!saw_report)
		vbad(vs, "outputs.json: FAILED: does not list report.json");
	vok(vs, "outputs.json: signature OK; %u of %u rendered and signed "
	    "files match (report.html, junit.xml, attestation.json)", good,
	    n);
 out:
	cJSON_Delete(ol);
	hq_sig_info_clear(&si);
	free(der);
	free(text);
}

int
hq_cli_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ca", required_argument, NULL, 'c' },
		{ "tsa-ca", required_argument, NULL, 't' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct vstate vs = { 0 };
	struct hq_sig_info si = { 0 };
	struct hq_err err = { 0 };
	const char *ca = NULL, *tsa_ca = NULL;
	char path[PATH_MAX], sha[65], *text = NULL, *der = NULL;
	size_t len = 0, derlen = 0;
	cJSON *report = NULL;
	struct stat st;
	int c, status;

	optind = 1;
	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': ca = optarg; break;
		case 't': tsa_ca = optarg; break;
		case 'q': vs.quiet = true; break;
		case 'h': fputs(usage_verify, stdout); return HQ_EXIT_PASS;
		default: fputs(usage_verify, stderr); return HQ_EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		fputs(usage_verify, stderr);
		return HQ_EXIT_USAGE;
	}
	vs.rundir = argv[optind];
	if (stat(vs.rundir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "hopquy verify: %s: not a directory\n",
		    vs.rundir);
		return HQ_EXIT_DATAERR;
	}
	if ((ca != NULL && access(ca, R_OK) != 0) ||
	    (tsa_ca != NULL && access(tsa_ca, R_OK) != 0)) {
		fprintf(stderr, "hopquy verify: %s: cannot read\n",
		    ca != NULL && access(ca, R_OK) != 0 ? ca : tsa_ca);
		return HQ_EXIT_DATAERR;
	}
	snprintf(path, sizeof(path), "%s/report.json", vs.rundir);
	if (hq_file_slurp(path, HQ_REPORT_FILE_MAX, &text, &len, &err) != 0) {
		vbad(&vs, "report.json: FAILED: %s", err.msg);
		goto done;
	}
	hq_sha256_hex(text, len, sha);
	hq_err_clear(&err);
	snprintf(path, sizeof(path), "%s/report.json.p7s", vs.rundir);
	if (hq_file_slurp(path, HQ_SIGN_CMS_MAX, &der, &derlen, &err) != 0)
		vbad(&vs, "report.json: FAILED: no signature (%s)", err.msg);
	else if (hq_verify_cms(text, len, der, derlen, ca, tsa_ca, &si,
	    &err) != 0)
		vbad(&vs, "report.json: FAILED: %s", err.msg);
	else {
		vok(&vs, "report.json: signature OK, chain OK");
		vok(&vs, "  signer:  %s", si.signer);
		vok(&vs, "  issuer:  %s", si.issuer);
		vok(&vs, "  signed:  %s", si.signing_time[0] != '\0' ?
		    si.signing_time : "(no signing time)");
		vok(&vs, "  sha256:  %s", sha);
		if (si.timestamped && si.ts_verified)
			vok(&vs, "report.json.p7s: time-stamp OK: %s by %s",
			    si.ts_time, si.ts_signer);
		else if (si.timestamped)
			vbad(&vs, "report.json.p7s: FAILED: time-stamp (%s) "
			    "does not verify: %s", si.ts_time,
			    si.ts_problem);
	}
	hq_err_clear(&err);
	if (hq_jv_parse("report.json", text, len, &report, &err) != 0 ||
	    !cJSON_IsObject(report)) {
		vbad(&vs, "report.json: FAILED: %s; evidence not checked",
		    err.code != 0 ? err.msg : "not a JSON object");
		goto done;
	}
	verify_evidence(&vs, report);
	verify_attestation(&vs, &si, sha, report);
	verify_outputs(&vs, ca, tsa_ca, sha, report);
 done:
	if (vs.problems == 0)
		printf("verify %s: OK\n", vs.rundir);
	else
		printf("verify %s: FAILED (%u problem%s)\n", vs.rundir,
		    vs.problems, vs.problems == 1 ? "" : "s");
	status = vs.problems == 0 ? HQ_EXIT_PASS : HQ_EXIT_FAIL;
	cJSON_Delete(report);
	hq_sig_info_clear(&si);
	free(der);
	free(text);
	return status;
}

int
hq_cli_render(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "sign", required_argument, NULL, 'k' },
		{ "cert", required_argument, NULL, 'c' },
		{ "tsa", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *key = NULL, *cert = NULL, *tsa = NULL;
	struct hq_signer *s = NULL;
	struct hq_err err = { 0 };
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'k': key = optarg; break;
		case 'c': cert = optarg; break;
		case 't': tsa = optarg; break;
		case 'h': fputs(usage_render, stdout); return HQ_EXIT_PASS;
		default: fputs(usage_render, stderr); return HQ_EXIT_USAGE;
		}
	}
	if (argc - optind != 1 || (key == NULL) != (cert == NULL) ||
	    (tsa != NULL && key == NULL)) {
		fputs(usage_render, stderr);
		return HQ_EXIT_USAGE;
	}
	if (key != NULL && (rc = hq_signer_load(key, cert, &s, &err)) != 0)
		goto out;
	if ((rc = hq_render_outputs(argv[optind], s, tsa, &err)) != 0)
		goto out;
	printf("%s/report.html\n%s/junit.xml\n", argv[optind], argv[optind]);
	if (s != NULL)
		printf("%s/report.json.p7s\n%s/attestation.json\n"
		    "%s/outputs.json.p7s\n", argv[optind], argv[optind],
		    argv[optind]);
 out:
	hq_signer_free(s);
	if (rc != 0) {
		fprintf(stderr, "hopquy render: %s\n", err.msg);
		return hq_cli_exit_for(rc);
	}
	return HQ_EXIT_PASS;
}
