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
"\n"
"Run 'hopquy COMMAND --help' for a command's options; see hopquy(1).\n";

static const char usage_run[] =
"usage: hopquy run -p PROFILE -d DUT [-o RUNDIR] [--only ID,...]\n"
"                  [--set ID:PARAM=JSON]... [--sign KEY --cert CERT]\n"
"                  [--lab FILE] [--tsa URL] [--bench N] [--no-capture]\n"
"                  [--snaplen N] [--capture-filter F]\n"
"                  [--capture-max-bytes N] [--json] [-q] [-v]\n"
"\n"
"  -p, --profile PROFILE  profile id (e.g. qcvn135-2024) or file\n"
"  -d, --dut FILE         DUT description (hopquy-dut/1)\n"
"  -o, --output RUNDIR    run directory (default runs/REPORT-ID)\n"
"      --only IDS         run only these case ids or id prefixes\n"
"      --set ID:P=JSON    override a case parameter (a reported deviation)\n"
"      --sign KEY         sign report.json with this PEM key...\n"
"      --cert CERT        ...and this certificate\n"
"      --lab FILE         lab configuration (name, address, signatory)\n"
"      --tsa URL          RFC 3161 time-stamp authority\n"
"      --bench N          bench instance (default: the DUT file's)\n"
"      --no-capture       do not capture traffic\n"
"      --snaplen N        capture snap length (default 262144)\n"
"      --capture-filter F pcap-filter(7) expression (default: all)\n"
"      --capture-max-bytes N  capture file cap (default 1 GiB)\n"
"      --json             print the summary as JSON\n"
"  -q, --quiet            no progress lines\n"
"  -v, --verbose          more log output (repeat for debug)\n"
"\n"
"exit: 0 all applicable PASS, 1 any FAIL, 2 INCONCLUSIVE and no FAIL,\n"
"      64 usage, 65 bad profile/DUT, 69 DUT unreachable, 70 internal\n";

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

static int
check_set_cases(const struct hq_profile *p, const cJSON *ov,
    struct hq_err *err)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, ov)
		if (hq_profile_case(p, c->string) == NULL)
			return hq_err_set(err, HQ_EUSAGE, "--set: profile %s "
			    "has no case \"%.100s\"", p->id, c->string);
	return 0;
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
		{ "tsa", required_argument, NULL, 't' },
		{ "bench", required_argument, NULL, 'b' },
		{ "no-capture", no_argument, NULL, 'N' },
		{ "snaplen", required_argument, NULL, 'L' },
		{ "capture-filter", required_argument, NULL, 'F' },
		{ "capture-max-bytes", required_argument, NULL, 'M' },
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
	const char *pname = NULL, *dpath = NULL;
	bool quiet = false;
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
		case 't': o.tsa_url = optarg; break;
		case 'b':
			if (hq_parse_u64(optarg, strlen(optarg), 99, &v) != 0) {
				fprintf(stderr, "hopquy: --bench: expected 0 to "
				    "99\n");
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
	o.progress = !quiet && isatty(STDERR_FILENO);
	if ((rc = load_pd(pname, dpath, &p, &d, &err)) != 0 ||
	    (rc = check_set_cases(p, o.overrides, &err)) != 0) {
		status = fail(&err, rc);
		goto out;
	}
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
	if (opt_json) {
		cJSON *j = cJSON_CreateObject();

		cJSON_AddStringToObject(j, "rundir", sum.rundir);
		cJSON_AddNumberToObject(j, "pass", (double)sum.npass);
		cJSON_AddNumberToObject(j, "fail", (double)sum.nfail);
		cJSON_AddNumberToObject(j, "inconclusive",
		    (double)sum.ninconclusive);
		cJSON_AddNumberToObject(j, "not_applicable", (double)sum.nna);
		cJSON_AddBoolToObject(j, "complete", !sum.interrupted);
		print_json(j);
		cJSON_Delete(j);
	} else
		printf("%s: %zu PASS, %zu FAIL, %zu INCONCLUSIVE, %zu "
		    "NOT_APPLICABLE%s\nreport: %s/report.json\n",
		    sum.nfail > 0 ? "FAIL" : sum.ninconclusive > 0 ||
		    sum.interrupted ? "INCONCLUSIVE" : "PASS", sum.npass,
		    sum.nfail, sum.ninconclusive, sum.nna,
		    sum.interrupted ? " (interrupted: report incomplete)" : "",
		    sum.rundir);
	if (sum.nfail > 0)
		status = HQ_EXIT_FAIL;
	else if (sum.ninconclusive > 0 || sum.interrupted ||
	    sum.npass == 0)
		status = HQ_EXIT_INCONCLUSIVE;
	else
		status = HQ_EXIT_PASS;
 out:
	cJSON_Delete(o.overrides);
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
	for (i = 0; i < plan.nitems; i++) {
		const struct hq_plan_item *it = &plan.items[i];

		printf("%-4s %-40s %-10s %s\n", it->applicable ? "run" : "n/a",
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
	for (g = 0; g < p->ngroups; g++) {
		printf("\n[%s] %s\n", p->groups[g].id, p->groups[g].title);
		for (i = 0; i < p->ncases; i++) {
			const struct hq_case *c = &p->cases[i];
			char *ps;

			if (strcmp(c->group, p->groups[g].id) != 0)
				continue;
			ps = cJSON_PrintUnformatted(c->params);
			printf("  %-38s %-9s %s%s\n      params %s\n", c->id,
			    c->family, c->title, c->mandatory ? "" :
			    " (optional)", ps != NULL ? ps : "{}");
			free(ps);
		}
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

			if ((rc = hq_profile_load(argv[i], &p, &err)) != 0) {
				status = fail(&err, rc);
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

		if ((rc = hq_dut_load(argv[i], &d, &err)) != 0) {
			status = fail(&err, rc);
			continue;
		}
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
