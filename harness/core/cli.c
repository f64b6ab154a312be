/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Command line: subcommands with getopt_long and --help everywhere.  The
 * only module that writes stdout; messages and progress go to stderr.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cli.h"
#include "core/engine.h"
#include "core/assess.h"
#include "core/profile.h"
#include "family.h"
#include "model/dut.h"
#include "util/err.h"
#include "util/jv.h"
#include "util/log.h"
#include "util/rd.h"
#include "util/util.h"

static const char usage_top[] =
"usage: hopquy [-v] [--version] COMMAND [ARGS]\n"
"\n"
"Conformance test harness for IP cameras and smart-home security devices.\n"
"\n"
"commands:\n"
"  run      -p PROFILE -d DUT [-o RUNDIR]   run a profile against a DUT\n"
"  plan     -p PROFILE -d DUT               what would run, and why not\n"
"  profile  list | show ID | check FILE     regulation profiles\n"
"  dut      check FILE                      validate a DUT description\n"
"  bench    up | down | status | restore    the lab network bench\n"
"  verify   RUNDIR [--ca CAFILE]            signature and evidence hashes\n"
"  render   RUNDIR                          report.html and junit.xml\n"
"  analyze  PCAPNG --dut ADDR               cleartext credentials in a capture\n"
"  campaign FILE [-j N] | --resume DIR      many DUTs x profiles at once\n"
"  assess   template -p PROFILE -d DUT      an assessment file to fill in\n"
"\n"
"Run 'hopquy COMMAND --help' for a command's options; see hopquy(1).\n";

static const char usage_run[] =
"usage: hopquy run -p PROFILE -d DUT [-o RUNDIR] [--only ID,...]\n"
"                  [--set ID:PARAM=JSON]... [--sign KEY --cert CERT]\n"
"                  [--lab FILE] [--job FILE] [--tsa URL] [--bench N]\n"
"                  [--assess FILE]\n"
"                  [--no-capture] [--no-reach-check] [--progress]\n"
"                  [--snaplen N] [--capture-filter F]\n"
"                  [--capture-max-bytes N] [--group GROUP] [--no-privsep]\n"
"                  [--json] [-q] [-v]\n"
"\n"
"  -p, --profile PROFILE  profile id (e.g. qcvn135-2024) or file\n"
"  -d, --dut FILE         DUT description (hopquy-dut/1)\n"
"  -o, --output RUNDIR    run directory (default runs/REPORT-ID)\n"
"      --only IDS         run only these cases: case ids, group ids (g1)\n"
"                         or case-id prefixes; the rest is NOT_RUN\n"
"      --set ID:P=JSON    override a case parameter (a reported deviation)\n"
"      --sign KEY         sign report.json with this PEM key...\n"
"      --cert CERT        ...and this certificate\n"
"      --lab FILE         lab configuration (name, address, signatory)\n"
"      --job FILE         this job: customer, item receipt and condition,\n"
"                         ambient conditions, deviation approvals\n"
"      --tsa URL          RFC 3161 time-stamp authority\n"
"      --assess FILE      the engineer's verdicts on documentary cases\n"
"                         (hopquy assess template writes one to fill)\n"
"      --bench N          bench instance 0-255 (default: the DUT file's)\n"
"      --no-capture       do not capture traffic\n"
"      --no-reach-check   do not require a declared surface to answer\n"
"                         before the first case (recorded in the report)\n"
"      --snaplen N        capture snap length (default 262144)\n"
"      --capture-filter F pcap-filter(7) expression (default: all)\n"
"      --capture-max-bytes N  capture file cap (default 1 GiB)\n"
"      --group GROUP      the run directory 2750 and its files 0640 for\n"
"                         this lab group (default: 0700 and 0600)\n"
"      --no-privsep       one root process: no unprivileged worker (for\n"
"                         debugging; see SECURITY in hopquy(1))\n"
"      --json             print the summary as JSON\n"
"      --progress         progress lines on stderr even without a terminal\n"
"  -q, --quiet            no progress lines\n"
"  -v, --verbose          more log output (repeat for debug)\n"
"\n"
"exit: 0 PASS (every mandatory case ran and passed), 1 any FAIL,\n"
"      2 INCOMPLETE or INCONCLUSIVE and no FAIL, 64 usage, 65 bad\n"
"      profile/DUT, 69 DUT unreachable, 70 internal, 75 a signature was\n"
"      asked for and not obtained, 77 needs root (or CAP_NET_ADMIN)\n";

static const char usage_plan[] =
"usage: hopquy plan -p PROFILE -d DUT [--only ID,...] [--json]\n"
"\n"
"Prints every test case of the profile with whether it runs against this\n"
"DUT and why (device class, manufacturer's claims, --only).\n";

static const char usage_profile[] =
"usage: hopquy profile list [--json]\n"
"       hopquy profile show ID|FILE [--json]\n"
"       hopquy profile check FILE...\n";

static const char usage_dut[] =
"usage: hopquy dut check FILE... [--json]\n";

static bool opt_json;

int
hq_cli_exit_for(int code)
{
	switch (code) {
	case 0:			return HQ_EXIT_PASS;
	case HQ_EINVAL:		return HQ_EXIT_DATAERR;
	case HQ_EUSAGE:		return HQ_EXIT_USAGE;
	case HQ_EUNREACH:
	case HQ_EBUSY:		return HQ_EXIT_UNAVAILABLE;
	default:		return HQ_EXIT_SOFTWARE;
	}
}

static int
fail(const struct hq_err *err, int code)
{
	fprintf(stderr, "hopquy: %s\n", err->code != 0 ? err->msg :
	    hq_err_name(code));
	return hq_cli_exit_for(code);
}

static void
on_signal(int sig)
{
	(void)sig;
	hq_interrupted = 1;
}

static void
print_json(cJSON *j)
{
	char *s = cJSON_Print(j);

	if (s != NULL)
		printf("%s\n", s);
	free(s);
}

/* Parses one --set ID:PARAM=JSON into overrides. */
static int
parse_set(cJSON *ov, const char *arg, struct hq_err *err)
{
	const char *colon = strrchr(arg, ':'), *eq;
	char id[256], param[128];
	cJSON *val, *obj;

	eq = colon != NULL ? strchr(colon, '=') : NULL;
	if (colon == NULL || eq == NULL || colon == arg || eq == colon + 1 ||
	    (size_t)(colon - arg) >= sizeof(id) ||
	    (size_t)(eq - colon - 1) >= sizeof(param))
		return hq_err_set(err, HQ_EUSAGE, "--set %s: expected "
		    "CASE-ID:PARAM=JSON-VALUE", arg);
	snprintf(id, sizeof(id), "%.*s", (int)(colon - arg), arg);
	snprintf(param, sizeof(param), "%.*s", (int)(eq - colon - 1),
	    colon + 1);
	if ((val = cJSON_Parse(eq + 1)) == NULL &&
	    (val = cJSON_CreateString(eq + 1)) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	if ((obj = cJSON_GetObjectItemCaseSensitive(ov, id)) == NULL)
		obj = cJSON_AddObjectToObject(ov, id);
	cJSON_DeleteItemFromObjectCaseSensitive(obj, param);
	cJSON_AddItemToObject(obj, param, val);
	return 0;
}

static int
load_pd(const char *pname, const char *dpath, struct hq_profile **pp,
    struct hq_dut **dp, struct hq_err *err)
{
	char path[PATH_MAX];
	int rc;

	if (pname == NULL || dpath == NULL)
		return hq_err_set(err, HQ_EUSAGE, "both -p PROFILE and -d DUT "
		    "are needed");
	if ((rc = hq_profile_find(pname, path, sizeof(path), err)) != 0 ||
	    (rc = hq_profile_load(path, pp, err)) != 0 ||
	    (rc = hq_dut_load(dpath, dp, err)) != 0)
		return rc;
	return 0;
}

/* Levenshtein distance, capped (names are short). */
static size_t
edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, prev, cur, tmp;
	size_t row[129];

	if (la > 128 || lb > 128)
		return SIZE_MAX;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			cur = prev + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < cur)
				cur = row[j] + 1;
			if (row[j - 1] + 1 < cur)
				cur = row[j - 1] + 1;
			tmp = row[j];
			row[j] = cur;
			prev = tmp;
		}
	}
	return row[lb];
}

/* The nearest of the case's parameters to name, within 3 edits. */
static const char *
nearest_param(const struct hq_case *tc, const char *name, char *list,
    size_t listsz)
{
	const cJSON *pp;
	const char *best = NULL;
	size_t o = 0, bd = SIZE_MAX, d;

	list[0] = '\0';
	cJSON_ArrayForEach(pp, tc->params) {
		if (o < listsz)
			o += (size_t)snprintf(list + o, listsz - o, "%s%s",
			    o > 0 ? ", " : "", pp->string);
		if ((d = edit_distance(name, pp->string)) < bd) {
			bd = d;
			best = pp->string;
		}
	}
	return bd <= 3 ? best : NULL;
}

/*
 * Every --set names a case of the profile and a parameter its family
 * knows, with a value the family accepts: else a usage error now, with
 * the case's parameters and the nearest name, not an INCONCLUSIVE case
 * later.  The family's check_params is the judge of which names exist
 * (a family has optional parameters a profile need not set).
 */
/* The case's params with overrides ov applied (only key, if not NULL). */
static cJSON *
merged_params(const struct hq_case *tc, const cJSON *ov, const char *key)
{
	cJSON *m = cJSON_Duplicate(tc->params, 1);
	const cJSON *kv;

	if (m == NULL)
		return NULL;
	cJSON_ArrayForEach(kv, ov) {
		if (key != NULL && strcmp(key, kv->string) != 0)
			continue;
		if (cJSON_GetObjectItemCaseSensitive(m, kv->string) != NULL)
			cJSON_ReplaceItemInObjectCaseSensitive(m, kv->string,
			    cJSON_Duplicate(kv, 1));
		else
			cJSON_AddItemToObject(m, kv->string,
			    cJSON_Duplicate(kv, 1));
	}
	return m;
}

static int
check_set(const struct hq_profile *p, const cJSON *ov, struct hq_err *err)
{
	const cJSON *c, *kv;
	struct hq_err ferr = { 0 }, kerr;
	char list[256];
	cJSON *m;
	int rc;

	cJSON_ArrayForEach(c, ov) {
		const struct hq_case *tc = hq_profile_case(p, c->string);

		if (tc == NULL)
			return hq_err_set(err, HQ_EUSAGE, "--set: profile %s "
			    "has no case \"%.100s\"", p->id, c->string);
		if (tc->fam->check_params == NULL)
			continue;
		if ((m = merged_params(tc, c, NULL)) == NULL)
			return hq_err_set(err, HQ_ENOMEM, "no memory");
		hq_err_clear(&ferr);
		rc = tc->fam->check_params(m, &ferr);
		cJSON_Delete(m);
		if (rc == 0)
			continue;
		/* Which override is a name the family does not know? */
		cJSON_ArrayForEach(kv, c) {
			const char *best;

			if (cJSON_GetObjectItemCaseSensitive(tc->params,
			    kv->string) != NULL ||
			    (m = merged_params(tc, c, kv->string)) == NULL)
				continue;
			memset(&kerr, 0, sizeof(kerr));
			rc = tc->fam->check_params(m, &kerr);
			cJSON_Delete(m);
			if (rc == 0 || strstr(kerr.msg, "unknown key") == NULL)
				continue;
			best = nearest_param(tc, kv->string, list,
			    sizeof(list));
			if (best != NULL)
				return hq_err_set(err, HQ_EUSAGE, "--set %s: "
				    "no parameter \"%.64s\"; did you mean "
				    "\"%s\"? (valid: %s)", tc->id, kv->string,
				    best, list);
			return hq_err_set(err, HQ_EUSAGE, "--set %s: no "
			    "parameter \"%.64s\" (the profile sets: %s; %s)",
			    tc->id, kv->string, list[0] != '\0' ? list :
			    "none", kerr.msg);
		}
		return hq_err_set(err, HQ_EUSAGE, "--set %s: %s", tc->id,
		    ferr.msg);
	}
	return 0;
}

/* CAP_NET_ADMIN in the effective set (root has it). */
static bool
have_net_admin(void)
{
	char line[256];
	FILE *f;
	bool ok = geteuid() == 0;
	unsigned long long caps;

	if ((f = fopen("/proc/self/status", "re")) == NULL)
		return ok;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "CapEff:", 7) == 0) {
			caps = strtoull(line + 7, NULL, 16);
			/* CAP_NET_ADMIN is capability 12 */
			ok = (caps & (1ULL << 12)) != 0;
		}
	fclose(f);
	return ok;
}

/*
 * Without root: only a host-mode DUT, and no selected case whose family
 * changes the bench (why says which).
 */
static bool
unprivileged_ok(const struct hq_profile *p, const struct hq_dut *d,
    const char *only, char *why, size_t whysz)
{
	struct hq_plan plan;
	struct hq_err err = { 0 };
	size_t i;
	bool ok = true;

	if (d->bench_mode == NULL || strcmp(d->bench_mode, "host") != 0) {
		snprintf(why, whysz, "the run enters the bench's namespaces, "
		    "cuts links and captures traffic");
		return false;
	}
	if (hq_plan_build(p, d, only, &plan, &err) != 0) {
		snprintf(why, whysz, "%s", err.msg);
		return false;
	}
	for (i = 0; ok && i < plan.nitems; i++) {
		const struct hq_plan_item *it = &plan.items[i];

		if (it->selected && it->applicable &&
		    (it->tc->fam->flags & HQ_FAM_NEEDS_BENCH) != 0) {
			snprintf(why, whysz, "case %s (%s) changes the DUT's "
			    "network; run as root, or leave it out with "
			    "--only", it->tc->id, it->tc->family);
			ok = false;
		}
	}
	hq_plan_clear(&plan);
	return ok;
}

static int
cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "profile", required_argument, NULL, 'p' },
		{ "dut", required_argument, NULL, 'd' },
		{ "output", required_argument, NULL, 'o' },
		{ "only", required_argument, NULL, 'O' },
		{ "set", required_argument, NULL, 'S' },
		{ "sign", required_argument, NULL, 'k' },
		{ "cert", required_argument, NULL, 'c' },
		{ "lab", required_argument, NULL, 'l' },
		{ "job", required_argument, NULL, 'J' },
		{ "tsa", required_argument, NULL, 't' },
		{ "bench", required_argument, NULL, 'b' },
		{ "assess", required_argument, NULL, 'A' },
		{ "progress", no_argument, NULL, 'P' },
		{ "no-reach-check", no_argument, NULL, 'R' },
		{ "no-capture", no_argument, NULL, 'N' },
		{ "snaplen", required_argument, NULL, 'L' },
		{ "capture-filter", required_argument, NULL, 'F' },
		{ "capture-max-bytes", required_argument, NULL, 'M' },
		{ "group", required_argument, NULL, 'G' },
		{ "no-privsep", no_argument, NULL, 'X' },
		{ "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct hq_run_opts o = HQ_RUN_OPTS_INIT;
	struct hq_run_summary sum;
	struct hq_profile *p = NULL;
	struct hq_dut *d = NULL;
	struct hq_err err = { 0 };
	struct sigaction sa;
	const char *pname = NULL, *dpath = NULL, *apath = NULL;
	cJSON *assessment = NULL;
	bool quiet = false, force_progress = false, no_privsep = false;
	int c, rc, status, verbose = 0;
	uint64_t v;

	o.overrides = cJSON_CreateObject();
	while ((c = getopt_long(argc, argv, "p:d:o:qvh", opts, NULL)) != -1) {
		switch (c) {
		case 'p': pname = optarg; break;
		case 'd': dpath = optarg; break;
		case 'o': o.rundir = optarg; break;
		case 'O': o.only = optarg; break;
		case 'S':
			if ((rc = parse_set(o.overrides, optarg, &err)) != 0) {
				status = fail(&err, rc);
				goto out;
			}
			break;
		case 'k': o.sign_key = optarg; break;
		case 'c': o.sign_cert = optarg; break;
		case 'l': o.lab_file = optarg; break;
		case 'J': o.job_file = optarg; break;
		case 'A': apath = optarg; break;
		case 'P': force_progress = true; break;
		case 'R': o.reach_ms = -1; break;
		case 't': o.tsa_url = optarg; break;
		case 'b':
			/* The bench's own range: the third octet. */
			if (hq_parse_u64(optarg, strlen(optarg), 255,
			    &v) != 0) {
				fprintf(stderr, "hopquy: --bench: expected 0 to "
				    "255\n");
				status = HQ_EXIT_USAGE;
				goto out;
			}
			o.bench_instance = (int)v;
			break;
		case 'N': o.no_capture = true; break;
		case 'L':
			if (hq_parse_u64(optarg, strlen(optarg), 262144,
			    &v) != 0 || v < 64) {
				fprintf(stderr, "hopquy: --snaplen: expected 64 "
				    "to 262144\n");
				status = HQ_EXIT_USAGE;
				goto out;
			}
			o.snaplen = (unsigned)v;
			break;
		case 'F': o.capture_filter = optarg; break;
		case 'G': o.group = optarg; break;
		case 'X': no_privsep = true; break;
		case 'M':
			if (hq_parse_u64(optarg, strlen(optarg), UINT64_MAX,
			    &v) != 0 || v < 4096) {
				fprintf(stderr, "hopquy: --capture-max-bytes: "
				    "expected a byte count >= 4096\n");
				status = HQ_EXIT_USAGE;
				goto out;
			}
			o.capture_max_bytes = v;
			break;
		case 'j': opt_json = true; break;
		case 'q': quiet = true; break;
		case 'v': verbose++; break;
		case 'h':
			fputs(usage_run, stdout);
			status = 0;
			goto out;
		default:
			fputs(usage_run, stderr);
			status = HQ_EXIT_USAGE;
			goto out;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "hopquy run: unexpected argument '%s'\n%s",
		    argv[optind], usage_run);
		status = HQ_EXIT_USAGE;
		goto out;
	}
	if ((o.sign_key == NULL) != (o.sign_cert == NULL)) {
		fprintf(stderr, "hopquy run: --sign and --cert go together\n");
		status = HQ_EXIT_USAGE;
		goto out;
	}
	if (verbose > 0)
		hq_log_set_level(verbose > 1 ? HQ_LOG_DEBUG : HQ_LOG_INFO);
	o.progress_tty = isatty(STDERR_FILENO);
	o.progress = force_progress || (!quiet && o.progress_tty);
	/* Mistakes surface before the bench comes up. */
	if ((rc = load_pd(pname, dpath, &p, &d, &err)) != 0 ||
	    (rc = check_set(p, o.overrides, &err)) != 0 ||
	    (rc = hq_profile_check_data(p, &err)) != 0 ||
	    (rc = hq_dut_check_bench_address(d, o.bench_instance,
	    &err)) != 0 ||
	    (apath != NULL && (rc = hq_assess_load(apath, p, d, &assessment,
	    &err)) != 0)) {
		status = fail(&err, rc);
		goto out;
	}
	o.assessment = assessment;
	if ((rc = hq_plan_check_only(p, o.only, &err)) != 0) {
		char *ids = hq_plan_valid_ids(p);

		status = fail(&err, rc);
		fprintf(stderr, "valid ids (groups, then their cases):\n%s",
		    ids != NULL ? ids : "");
		free(ids);
		goto out;
	}
	if (!have_net_admin()) {
		char why[256];

		/* A host-mode run whose cases change nothing on the bench
		 * (e.g. credentials only) runs as the calling user, with
		 * neither bench nor capture. */
		if (!unprivileged_ok(p, d, o.only, why, sizeof(why))) {
			fprintf(stderr, "hopquy: needs root (or "
			    "CAP_NET_ADMIN): %s\n", why);
			status = HQ_EXIT_NOPERM;
			goto out;
		}
		o.no_bench = true;
		o.no_capture = true;
		fprintf(stderr, "hopquy: not root: an unprivileged run as uid "
		    "%u, without the bench and without a capture (no case "
		    "selected changes the network)\n", (unsigned)getuid());
	}
	/* As root, the device-facing work runs in an unprivileged worker
	 * (bench/priv.h). */
	o.privsep = geteuid() == 0 && !no_privsep;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((rc = hq_engine_run(p, d, &o, &sum, &err)) != 0) {
		status = fail(&err, rc);
		goto out;
	}
	if (sum.nfail > 0)
		status = HQ_EXIT_FAIL;
	else if (strcmp(sum.verdict, "PASS") == 0)
		status = HQ_EXIT_PASS;
	else
		status = HQ_EXIT_INCONCLUSIVE;
	if (opt_json) {
		cJSON *j = cJSON_CreateObject();

		cJSON_AddStringToObject(j, "report_id", sum.report_id);
		cJSON_AddStringToObject(j, "overall", sum.verdict);
		cJSON_AddStringToObject(j, "statement", sum.statement);
		cJSON_AddStringToObject(j, "rundir", sum.rundir);
		cJSON_AddNumberToObject(j, "pass", (double)sum.npass);
		cJSON_AddNumberToObject(j, "fail", (double)sum.nfail);
		cJSON_AddNumberToObject(j, "inconclusive",
		    (double)sum.ninconclusive);
		cJSON_AddNumberToObject(j, "not_applicable", (double)sum.nna);
		cJSON_AddNumberToObject(j, "not_run", (double)sum.nnotrun);
		cJSON_AddBoolToObject(j, "complete", !sum.interrupted);
		{
			cJSON *fa = cJSON_AddArrayToObject(j, "failing");
			char *save = NULL, *tok;

			for (tok = strtok_r(sum.failing, ",", &save);
			    tok != NULL; tok = strtok_r(NULL, ",", &save))
				cJSON_AddItemToArray(fa, cJSON_CreateString(
				    tok[0] == ' ' ? tok + 1 : tok));
		}
		cJSON_AddBoolToObject(j, "signed", o.sign_key != NULL &&
		    !sum.sign_failed);
		if (sum.sign_failed || sum.render_failed)
			cJSON_AddStringToObject(j, "output_error",
			    sum.output_error);
		cJSON_AddNumberToObject(j, "exit", sum.sign_failed ?
		    HQ_EXIT_TEMPFAIL : status);
		print_json(j);
		cJSON_Delete(j);
	} else {
		printf("report %s: %zu PASS, %zu FAIL, %zu INCONCLUSIVE, %zu "
		    "NOT_APPLICABLE, %zu NOT_RUN%s\nreport: %s/report.json\n",
		    sum.report_id, sum.npass, sum.nfail, sum.ninconclusive,
		    sum.nna, sum.nnotrun, sum.interrupted ?
		    " (interrupted: report incomplete)" : "", sum.rundir);
		printf("%s\n", sum.statement);
		if (sum.failing[0] != '\0')
			printf("failing: %s\n", sum.failing);
	}
	if (sum.render_failed && !sum.sign_failed)
		fprintf(stderr, "hopquy: report.json is complete but %s; make "
		    "report.html and junit.xml with: hopquy render %s\n",
		    sum.output_error, sum.rundir);
	if (sum.sign_failed) {
		fprintf(stderr, "hopquy: the run is complete (%s) but the "
		    "signature asked for was not obtained: %s; report.json "
		    "is unsigned.  Sign it afterwards with: hopquy render %s "
		    "--sign KEY --cert CERT%s\n", sum.verdict,
		    sum.output_error, sum.rundir, o.tsa_url != NULL ?
		    " --tsa URL" : "");
		status = HQ_EXIT_TEMPFAIL;
	}
 out:
	cJSON_Delete(o.overrides);
	cJSON_Delete(assessment);
	hq_profile_free(p);
	hq_dut_free(d);
	return status;
}

static int
cmd_plan(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "profile", required_argument, NULL, 'p' },
		{ "dut", required_argument, NULL, 'd' },
		{ "only", required_argument, NULL, 'O' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct hq_profile *p = NULL;
	struct hq_dut *d = NULL;
	struct hq_plan plan = { 0 };
	struct hq_err err = { 0 };
	const char *pname = NULL, *dpath = NULL, *only = NULL;
	size_t i, nrun = 0;
	int c, rc, status = 0;

	while ((c = getopt_long(argc, argv, "p:d:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p': pname = optarg; break;
		case 'd': dpath = optarg; break;
		case 'O': only = optarg; break;
		case 'j': opt_json = true; break;
		case 'h': fputs(usage_plan, stdout); return 0;
		default: fputs(usage_plan, stderr); return HQ_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fputs(usage_plan, stderr);
		return HQ_EXIT_USAGE;
	}
	if ((rc = load_pd(pname, dpath, &p, &d, &err)) != 0 ||
	    (rc = hq_plan_build(p, d, only, &plan, &err)) != 0) {
		status = fail(&err, rc);
		if (rc == HQ_EUSAGE && p != NULL) {
			char *ids = hq_plan_valid_ids(p);

			fprintf(stderr, "valid ids (groups, then their "
			    "cases):\n%s", ids != NULL ? ids : "");
			free(ids);
		}
		goto out;
	}
	if (opt_json) {
		cJSON *j = hq_plan_to_json(&plan, p, d);

		print_json(j);
		cJSON_Delete(j);
		goto out;
	}
	printf("profile %s %s (%s)\nDUT %s %s, serial %s, %s\n\n", p->id,
	    p->version, p->regulation, d->manufacturer, d->model, d->serial,
	    d->dclass);
	if (strcmp(p->status, "draft") == 0)
		printf("DRAFT profile: results show readiness for a regulation "
		    "not yet in force, not conformity\n\n");
	for (i = 0; i < plan.nitems; i++) {
		const struct hq_plan_item *it = &plan.items[i];

		printf("%-7s %-40s %-10s %s\n", it->applicable ? "run" :
		    !it->selected ? "not run" : "n/a",
		    it->tc->id, it->tc->family, it->reason);
		nrun += it->applicable;
	}
	printf("\n%zu of %zu test cases run\n", nrun, plan.nitems);
 out:
	hq_plan_clear(&plan);
	hq_profile_free(p);
	hq_dut_free(d);
	return status;
}

static int
profile_list(void)
{
	const char *const *dirs = hq_profile_dirs();
	cJSON *arr = cJSON_CreateArray();
	size_t i;

	for (i = 0; dirs[i] != NULL; i++) {
		struct dirent *de;
		DIR *dir = opendir(dirs[i]);

		if (dir == NULL)
			continue;
		while ((de = readdir(dir)) != NULL) {
			char path[PATH_MAX];
			struct hq_profile *p = NULL;
			struct hq_err err = { 0 };
			size_t n = strlen(de->d_name);
			cJSON *o;

			if (n < 6 || strcmp(de->d_name + n - 5, ".json") != 0 ||
			    strstr(de->d_name, ".schema.") != NULL)
				continue;
			snprintf(path, sizeof(path), "%s/%s", dirs[i],
			    de->d_name);
			o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "path", path);
			if (hq_profile_load(path, &p, &err) != 0) {
				cJSON_AddStringToObject(o, "error", err.msg);
			} else {
				cJSON_AddStringToObject(o, "id", p->id);
				cJSON_AddStringToObject(o, "version",
				    p->version);
				cJSON_AddStringToObject(o, "status", p->status);
				cJSON_AddStringToObject(o, "title", p->title);
				cJSON_AddNumberToObject(o, "testcases",
				    (double)p->ncases);
			}
			hq_profile_free(p);
			cJSON_AddItemToArray(arr, o);
		}
		closedir(dir);
	}
	if (opt_json)
		print_json(arr);
	else {
		const cJSON *o;

		cJSON_ArrayForEach(o, arr) {
			const char *e = cJSON_GetStringValue(
			    cJSON_GetObjectItem(o, "error"));

			if (e != NULL)
				printf("%-20s (invalid: %s)\n",
				    cJSON_GetStringValue(cJSON_GetObjectItem(o,
				    "path")), e);
			else
				printf("%-20s %-8s %-10s %3d cases  %s\n",
				    cJSON_GetStringValue(cJSON_GetObjectItem(o,
				    "id")),
				    cJSON_GetStringValue(cJSON_GetObjectItem(o,
				    "version")),
				    cJSON_GetStringValue(cJSON_GetObjectItem(o,
				    "status")),
				    (int)cJSON_GetNumberValue(
				    cJSON_GetObjectItem(o, "testcases")),
				    cJSON_GetStringValue(cJSON_GetObjectItem(o,
				    "title")));
		}
	}
	cJSON_Delete(arr);
	return 0;
}

static int
profile_show(const char *name)
{
	struct hq_profile *p = NULL;
	struct hq_err err = { 0 };
	char path[PATH_MAX];
	size_t i, g;
	int rc;

	if ((rc = hq_profile_find(name, path, sizeof(path), &err)) != 0 ||
	    (rc = hq_profile_load(path, &p, &err)) != 0)
		return fail(&err, rc);
	if (opt_json) {
		cJSON *j = hq_profile_to_json(p);

		print_json(j);
		cJSON_Delete(j);
		hq_profile_free(p);
		return 0;
	}
	printf("%s %s (%s)\n%s\nissuer: %s\nstatus: %s%s%s\nfile: %s\n"
	    "sha256: %s\n", p->id, p->version, p->regulation, p->title,
	    p->issuer, p->status, p->effective_from ? ", effective from " : "",
	    p->effective_from ? p->effective_from : "", p->path, p->sha256);
	if (p->consult_from != NULL)
		printf("DRAFT: public consultation %s to %s; results show "
		    "readiness, not conformity\n", p->consult_from,
		    p->consult_to);
	/* The traceability matrix: requirement -> cases -> family ->
	 * parameters. */
	for (g = 0; g < p->ngroups; g++) {
		size_t n = 0;

		printf("\n[%s]%s%s %s%s\n", p->groups[g].id,
		    p->groups[g].clause != NULL ? " clause " : "",
		    p->groups[g].clause != NULL ? p->groups[g].clause : "",
		    p->groups[g].title, p->groups[g].mandatory ? "" :
		    " (optional)");
		for (i = 0; i < p->ncases; i++) {
			const struct hq_case *c = &p->cases[i];
			char *ps;

			if (strcmp(c->group, p->groups[g].id) != 0)
				continue;
			n++;
			ps = cJSON_PrintUnformatted(c->params);
			printf("  %-38s %-9s %s%s\n", c->id, c->family,
			    c->title, c->mandatory ? "" : " (optional)");
			if (c->use != NULL)
				printf("      uses %s\n", c->use);
			printf("      params %s\n", ps != NULL ? ps : "{}");
			free(ps);
		}
		if (n == 0)
			printf("  (no test case)\n");
	}
	hq_profile_free(p);
	return 0;
}

static int
cmd_profile(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c, i, status = 0;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': opt_json = true; break;
		case 'h': fputs(usage_profile, stdout); return 0;
		default: fputs(usage_profile, stderr); return HQ_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fputs(usage_profile, stderr);
		return HQ_EXIT_USAGE;
	}
	if (strcmp(argv[optind], "list") == 0 && optind + 1 == argc)
		return profile_list();
	if (strcmp(argv[optind], "show") == 0 && optind + 2 == argc)
		return profile_show(argv[optind + 1]);
	if (strcmp(argv[optind], "check") == 0 && optind + 2 <= argc) {
		for (i = optind + 1; i < argc; i++) {
			struct hq_profile *p = NULL;
			struct hq_err err = { 0 };
			int rc;

			if ((rc = hq_profile_load(argv[i], &p, &err)) != 0 ||
			    (rc = hq_profile_check_data(p, &err)) != 0) {
				status = fail(&err, rc);
				hq_profile_free(p);
				continue;
			}
			printf("%s: ok: %s %s, %zu test cases in %zu groups\n",
			    argv[i], p->id, p->version, p->ncases, p->ngroups);
			hq_profile_free(p);
		}
		return status;
	}
	fputs(usage_profile, stderr);
	return HQ_EXIT_USAGE;
}

static int
cmd_dut(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c, i, status = 0;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': opt_json = true; break;
		case 'h': fputs(usage_dut, stdout); return 0;
		default: fputs(usage_dut, stderr); return HQ_EXIT_USAGE;
		}
	}
	if (optind + 2 > argc || strcmp(argv[optind], "check") != 0) {
		fputs(usage_dut, stderr);
		return HQ_EXIT_USAGE;
	}
	for (i = optind + 1; i < argc; i++) {
		struct hq_dut *d = NULL;
		struct hq_err err = { 0 };
		int rc;

		cJSON *w;
		const cJSON *wi;

		if ((rc = hq_dut_load(argv[i], &d, &err)) != 0 ||
		    (rc = hq_dut_check_bench_address(d, -1, &err)) != 0) {
			status = fail(&err, rc);
			hq_dut_free(d);
			continue;
		}
		/* Instruments that cannot work as declared: a warning with
		 * the field, not a refusal (the host may be another one). */
		w = hq_dut_instrument_warnings(d);
		cJSON_ArrayForEach(wi, w)
			fprintf(stderr, "hopquy: warning: %s: %s\n", argv[i],
			    wi->valuestring);
		cJSON_Delete(w);
		if (opt_json) {
			cJSON *j = hq_dut_identity_json(d);

			print_json(j);
			cJSON_Delete(j);
		} else
			printf("%s: ok: %s %s (%s), serial %s, %zu surfaces, "
			    "%zu labels, %zu claims\n", argv[i],
			    d->manufacturer, d->model, d->dclass, d->serial,
			    d->nsurfaces, d->nlabels, d->nclaims);
		hq_dut_free(d);
	}
	return status;
}

static int
not_built(const char *what)
{
	fprintf(stderr, "hopquy: '%s' is not part of this build\n", what);
	return HQ_EXIT_SOFTWARE;
}

int
hq_cli_main(int argc, char **argv)
{
	const char *cmd;
	int i = 1;

	while (i < argc && argv[i][0] == '-') {
		if (strcmp(argv[i], "--version") == 0) {
			printf("hopquy %s (build %s)\n", HQ_VERSION,
			    HQ_BUILD_ID);
			return 0;
		}
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			fputs(usage_top, stdout);
			return 0;
		}
		if (strcmp(argv[i], "-v") == 0)
			hq_log_set_level(HQ_LOG_INFO);
		else if (strcmp(argv[i], "-vv") == 0)
			hq_log_set_level(HQ_LOG_DEBUG);
		else {
			fprintf(stderr, "hopquy: unknown option '%s'\n%s",
			    argv[i], usage_top);
			return HQ_EXIT_USAGE;
		}
		i++;
	}
	if (i >= argc) {
		fputs(usage_top, stderr);
		return HQ_EXIT_USAGE;
	}
	cmd = argv[i];
	argc -= i;
	argv += i;
	optind = 1;
	if (strcmp(cmd, "run") == 0)
		return cmd_run(argc, argv);
	if (strcmp(cmd, "plan") == 0)
		return cmd_plan(argc, argv);
	if (strcmp(cmd, "profile") == 0)
		return cmd_profile(argc, argv);
	if (strcmp(cmd, "dut") == 0)
		return cmd_dut(argc, argv);
	if (strcmp(cmd, "bench") == 0)
		return hq_cli_bench != NULL ? hq_cli_bench(argc, argv) :
		    not_built("bench");
	if (strcmp(cmd, "verify") == 0)
		return hq_cli_verify != NULL ? hq_cli_verify(argc, argv) :
		    not_built("verify");
	if (strcmp(cmd, "render") == 0)
		return hq_cli_render != NULL ? hq_cli_render(argc, argv) :
		    not_built("render");
	if (strcmp(cmd, "analyze") == 0)
		return hq_cli_analyze != NULL ? hq_cli_analyze(argc, argv) :
		    not_built("analyze");
	if (strcmp(cmd, "campaign") == 0)
		return hq_cli_campaign != NULL ? hq_cli_campaign(argc, argv) :
		    not_built("campaign");
	if (strcmp(cmd, "assess") == 0)
		return hq_cli_assess != NULL ? hq_cli_assess(argc, argv) :
		    not_built("assess");
	if (strcmp(cmd, "input") == 0) {
		int hq_cli_input(int, char **);	/* core/cli_input.c */

		return hq_cli_input(argc, argv);
	}
	if (strcmp(cmd, "help") == 0) {
		fputs(usage_top, stdout);
		return 0;
	}
	fprintf(stderr, "hopquy: unknown command '%s'\n%s", cmd, usage_top);
	return HQ_EXIT_USAGE;
}
