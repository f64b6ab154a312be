/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `hopquy bench`: build, inspect, cut, redirect and restore the bench,
 * and capture on it.  Returns the exit status (DESIGN.md): 0, 64 usage, 65 bad data,
 * 69 bench not up or busy, 70 internal.
 */
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "bench/bench.h"
#include "bench/capture.h"
#include "bench/netns.h"
#include "core/cli.h"
#include "model/dut.h"
#include "util/err.h"
#include "util/log.h"
#include "util/rd.h"
#include "util/util.h"

#define EXIT_OK		HQ_EXIT_PASS
#define EXIT_USAGE	HQ_EXIT_USAGE
#define EXIT_DATAERR	HQ_EXIT_DATAERR
#define EXIT_UNAVAIL	HQ_EXIT_UNAVAILABLE	/* not up, or busy */
#define EXIT_SOFTWARE	HQ_EXIT_SOFTWARE

#define HOLD_MAX_S	86400		/* a cut held from the command line */

static const char usage[] =
"usage: hopquy bench up      [--bench N]\n"
"       hopquy bench down    [--bench N]\n"
"       hopquy bench status  [--bench N] [-d DUTFILE] [--json]\n"
"       hopquy bench restore [--bench N]\n"
"       hopquy bench cut MODE [--bench N] [-d DUTFILE] [--hold SECONDS]\n"
"       hopquy bench redirect [--bench N] [-d DUTFILE] [--hold SECONDS]\n"
"       hopquy bench capture -w FILE [--bench N] [-d DUTFILE] [-i IFNAME]\n"
"                            [-s SNAPLEN] [-f FILTER] [--max-bytes N]\n"
"                            [--seconds S] [--steps]\n"
"  MODE: link-down, blackhole, loss, partition\n"
"  --bench N      bench instance, 0 to 255 (default: the DUT file's, or 0)\n"
"  -d DUTFILE     DUT description (bench section: mode, interfaces, cloud)\n"
"  --hold S       keep the cut or redirect S seconds (default: until\n"
"                 SIGINT/SIGTERM)\n"
"  --steps        capture: each stdin line is written as a step comment;\n"
"                 the capture ends at end of input\n"
"See hopquy-bench(1).\n";

static void
on_signal(int sig)
{
	(void)sig;
	hq_interrupted = 1;
}

static void
catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: waits wake up */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static int
exit_for(int code)
{
	switch (code) {
	case 0:			return EXIT_OK;
	case HQ_EUSAGE:		return EXIT_USAGE;
	case HQ_EINVAL:		return EXIT_DATAERR;
	case HQ_EUNREACH:
	case HQ_EBUSY:		return EXIT_UNAVAIL;
	default:		return EXIT_SOFTWARE;
	}
}

static int
fail(const struct hq_err *err, int code)
{
	fprintf(stderr, "hopquy bench: %s\n", err->code != 0 ? err->msg :
	    hq_err_name(code));
	return exit_for(code);
}

static int usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static int
usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "hopquy bench: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n%s", usage);
	return EXIT_USAGE;
}

static bool
parse_num(const char *s, uint64_t max, uint64_t *vp)
{
	return hq_parse_u64(s, strlen(s), max, vp) == 0;
}

struct bench_args {
	int		 instance;	/* -1: DUT file's or 0 */
	const char	*dutfile;
	bool		 json;
	uint64_t	 hold_s;
	const char	*wfile;
	const char	*ifname;
	unsigned	 snaplen;
	const char	*filter;
	uint64_t	 max_bytes;
	uint64_t	 seconds;
	bool		 steps;
	const char	*mode;
};

static unsigned
instance_of(const struct bench_args *a, const struct hq_dut *dut)
{
	if (a->instance >= 0)
		return (unsigned)a->instance;
	return dut != NULL ? dut->bench_instance : 0;
}

static int load_dut(const struct bench_args *a, struct hq_dut **dutp,
    struct hq_err *err);

/* A host-mode bench: its interfaces, cuts, redirects and journal. */
static int
status_host(const struct bench_args *a, const struct hq_dut *dut)
{
	struct hq_err err = { 0, "" };
	cJSON *st = NULL, *it;
	char *s;
	bool up;
	int rc;

	if ((rc = hq_bench_status_host(instance_of(a, dut), dut, &st, &up,
	    &err)) != 0)
		return fail(&err, rc);
	if (a->json) {
		if ((s = cJSON_Print(st)) != NULL)
			printf("%s\n", s);
		free(s);
	} else {
		printf("bench %u (host mode): %s\n", instance_of(a, dut),
		    up ? "ready" : "not ready");
		printf("  namespace of the journal's changes: %s\n",
		    cJSON_GetObjectItem(st, "namespace")->valuestring);
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(st, "interfaces"))
			printf("  interface %-12s %s\n", it->string,
			    it->valuestring);
		printf("  cut: %s; redirects: %d\n",
		    cJSON_GetObjectItem(st, "cut")->valuestring,
		    cJSON_GetObjectItem(st, "redirects")->valueint);
		printf("  journal %s: %d unrestored changes\n",
		    cJSON_GetObjectItem(st, "journal")->valuestring,
		    cJSON_GetObjectItem(st, "journal_entries")->valueint);
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(st,
		    "journal_changes"))
			printf("    %s\n", it->valuestring);
		printf("  lock: %s\n", cJSON_IsTrue(cJSON_GetObjectItem(st,
		    "lock_held")) ? "held" : "free");
	}
	cJSON_Delete(st);
	return up ? EXIT_OK : EXIT_UNAVAIL;
}

static int
cmd_status(const struct bench_args *a)
{
	struct hq_err err = { 0, "" };
	struct hq_dut *dut = NULL;
	cJSON *st = NULL, *it;
	char *s;
	bool up;
	int rc;

	if ((rc = load_dut(a, &dut, &err)) != 0)
		return fail(&err, rc);
	if ((dut != NULL && dut->bench_mode != NULL &&
	    strcmp(dut->bench_mode, "host") == 0) || (dut == NULL &&
	    hq_bench_journal_is_host(instance_of(a, NULL)))) {
		rc = status_host(a, dut);
		hq_dut_free(dut);
		return rc;
	}
	if ((rc = hq_bench_status(instance_of(a, dut), &st, &up, &err))
	    != 0) {
		hq_dut_free(dut);
		return fail(&err, rc);
	}
	hq_dut_free(dut);
	if (a->json) {
		if ((s = cJSON_Print(st)) != NULL)
			printf("%s\n", s);
		free(s);
	} else {
		printf("bench %d: %s\n", (int)instance_of(a, NULL),
		    up ? "up" : "not up");
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(st, "namespaces"))
			printf("  netns %-14s %s\n", it->string,
			    it->valuestring);
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(st,
		    "lab_interfaces"))
			printf("  lab %-16s %s\n", it->string,
			    it->valuestring);
		printf("  journal %s: %d unrestored changes\n",
		    cJSON_GetObjectItem(st, "journal")->valuestring,
		    cJSON_GetObjectItem(st, "journal_entries")->valueint);
		s = cJSON_GetObjectItem(st, "lock_pid")->valuestring;
		if (s[0] == '\0')
			printf("  lock: free\n");
		else
			printf("  lock: pid %s%s\n", s,
			    cJSON_IsTrue(cJSON_GetObjectItem(st,
			    "lock_held")) ? "" : " (gone; cleared by the "
			    "next command)");
	}
	cJSON_Delete(st);
	return up ? EXIT_OK : EXIT_UNAVAIL;
}

static int
load_dut(const struct bench_args *a, struct hq_dut **dutp,
    struct hq_err *err)
{
	*dutp = NULL;
	if (a->dutfile == NULL)
		return 0;
	return hq_dut_load(a->dutfile, dutp, err);
}

static int
cmd_cut(const struct bench_args *a)
{
	struct hq_err err = { 0, "" };
	struct hq_dut *dut = NULL;
	struct hq_bench *b = NULL;
	struct hq_deadline dl;
	enum hq_cut_mode mode;
	int rc;

	if ((rc = hq_cut_mode_parse(a->mode, &mode, &err)) != 0) {
		fprintf(stderr, "hopquy bench: %s\n", err.msg);
		return EXIT_USAGE;
	}
	catch_signals();
	if ((rc = load_dut(a, &dut, &err)) != 0 ||
	    (rc = hq_bench_open(dut, a->instance, &b, &err)) != 0 ||
	    (rc = hq_bench_cut(b, mode, &err)) != 0)
		goto out;
	printf("bench %u: uplink cut (%s); restored after %llu s or on "
	    "SIGINT/SIGTERM\n", hq_bench_instance(b), hq_cut_mode_name(mode),
	    (unsigned long long)a->hold_s);
	fflush(stdout);
	dl = hq_deadline_in((int64_t)a->hold_s * 1000);
	while (!hq_interrupted && !hq_deadline_passed(dl))
		hq_sleep_ms(hq_deadline_poll_ms(dl) > 200 ? 200 :
		    hq_deadline_poll_ms(dl));
	if ((rc = hq_bench_restore(b, &err)) != 0)
		goto out;
	printf("bench %u: uplink restored\n", hq_bench_instance(b));
 out:
	hq_bench_close(b);
	hq_dut_free(dut);
	return rc != 0 ? fail(&err, rc) : EXIT_OK;
}

/* The DUT's cloud addresses made local to the lab side, held, removed. */
static int
cmd_redirect(const struct bench_args *a)
{
	struct hq_err err = { 0, "" };
	struct hq_dut *dut = NULL;
	struct hq_bench *b = NULL;
	struct hq_deadline dl;
	size_t i, n;
	int rc;

	catch_signals();
	if ((rc = load_dut(a, &dut, &err)) != 0 ||
	    (rc = hq_bench_open(dut, a->instance, &b, &err)) != 0 ||
	    (rc = hq_bench_redirect(b, &n, &err)) != 0)
		goto out;
	printf("bench %u: cloud redirected to the lab side (",
	    hq_bench_instance(b));
	for (i = 0; i < n; i++)
		printf("%s%s", i > 0 ? " " : "", hq_bench_redirect_addr(b, i));
	printf("); removed after %llu s or on SIGINT/SIGTERM\n",
	    (unsigned long long)a->hold_s);
	fflush(stdout);
	dl = hq_deadline_in((int64_t)a->hold_s * 1000);
	while (!hq_interrupted && !hq_deadline_passed(dl))
		hq_sleep_ms(hq_deadline_poll_ms(dl) > 200 ? 200 :
		    hq_deadline_poll_ms(dl));
	if ((rc = hq_bench_unredirect(b, &err)) != 0)
		goto out;
	printf("bench %u: redirect removed\n", hq_bench_instance(b));
 out:
	hq_bench_close(b);
	hq_dut_free(dut);
	return rc != 0 ? fail(&err, rc) : EXIT_OK;
}

/* Step lines from stdin; returns false at end of input. */
static bool
read_steps(struct hq_capture *cap, char *buf, size_t bufsz, size_t *lenp)
{
	ssize_t r;
	char *nl;

	if ((r = read(STDIN_FILENO, buf + *lenp, bufsz - 1 - *lenp)) <= 0)
		return r < 0;		/* EINTR: not the end */
	*lenp += (size_t)r;
	buf[*lenp] = '\0';
	while ((nl = strchr(buf, '\n')) != NULL) {
		*nl = '\0';
		if (buf[0] != '\0')
			hq_capture_comment(cap, buf);
		*lenp -= (size_t)(nl + 1 - buf);
		memmove(buf, nl + 1, *lenp + 1);
	}
	if (*lenp == bufsz - 1) {	/* an over-long line: as it is */
		hq_capture_comment(cap, buf);
		*lenp = 0;
	}
	return true;
}

static int
cmd_capture(const struct bench_args *a)
{
	struct hq_capture_opts o = HQ_CAPTURE_OPTS_INIT;
	struct hq_err err = { 0, "" };
	struct hq_dut *dut = NULL;
	struct hq_capture *cap = NULL;
	struct hq_deadline dl;
	struct pollfd pfd;
	char ns[HQ_NETNS_NAME_MAX], line[HQ_CAPTURE_COMMENT_MAX + 1];
	cJSON *stats = NULL;
	char *s;
	size_t len = 0;
	bool in_open = a->steps;
	int rc;

	catch_signals();
	if ((rc = load_dut(a, &dut, &err)) != 0)
		goto out;
	o.ifname = a->ifname;
	if (dut != NULL && dut->bench_mode != NULL &&
	    strcmp(dut->bench_mode, "host") == 0) {
		if (o.ifname == NULL)
			o.ifname = dut->lan_if;
	} else {
		/* Capture is passive: no lock, just the lab's namespace. */
		hq_bench_ns_name("lab", instance_of(a, dut), ns, sizeof(ns));
		if (!hq_netns_exists(ns)) {
			rc = hq_err_set(&err, HQ_EUNREACH, "bench %u is not "
			    "up", instance_of(a, dut));
			goto out;
		}
		if ((rc = hq_netns_enter(ns, &err)) != 0)
			goto out;
		if (o.ifname == NULL)
			o.ifname = "lan0";
	}
	o.path = a->wfile;
	o.snaplen = a->snaplen;
	o.filter = a->filter;
	o.max_bytes = a->max_bytes;
	if ((rc = hq_capture_start(&o, &cap, &err)) != 0)
		goto out;
	fprintf(stderr, "hopquy bench: capturing on %s into %s\n", o.ifname,
	    o.path);
	dl = hq_deadline_in(a->seconds > 0 ? (int64_t)a->seconds * 1000 :
	    -1);
	while (!hq_interrupted && !hq_deadline_passed(dl)) {
		int ms = hq_deadline_poll_ms(dl);

		pfd.fd = STDIN_FILENO;
		pfd.events = POLLIN;
		if (!in_open) {
			hq_sleep_ms(ms < 0 || ms > 200 ? 200 : ms);
			continue;
		}
		if (poll(&pfd, 1, ms < 0 || ms > 200 ? 200 : ms) > 0 &&
		    !read_steps(cap, line, sizeof(line), &len))
			break;		/* end of the steps: done */
	}
	rc = hq_capture_stop(cap, &stats, &err);
	cap = NULL;
	if (stats != NULL && (s = cJSON_PrintUnformatted(stats)) != NULL) {
		printf("%s\n", s);
		free(s);
	}
 out:
	hq_capture_stop(cap, NULL, NULL);
	cJSON_Delete(stats);
	hq_dut_free(dut);
	return rc != 0 ? fail(&err, rc) : EXIT_OK;
}

int
hq_cli_bench(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "bench",	required_argument,	NULL, 'b' },
		{ "dut",	required_argument,	NULL, 'd' },
		{ "json",	no_argument,		NULL, 'j' },
		{ "hold",	required_argument,	NULL, 'H' },
		{ "write",	required_argument,	NULL, 'w' },
		{ "interface",	required_argument,	NULL, 'i' },
		{ "snaplen",	required_argument,	NULL, 's' },
		{ "filter",	required_argument,	NULL, 'f' },
		{ "max-bytes",	required_argument,	NULL, 'M' },
		{ "seconds",	required_argument,	NULL, 'S' },
		{ "steps",	no_argument,		NULL, 'T' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 },
	};
	struct bench_args a;
	struct hq_err err = { 0, "" };
	const char *sub;
	uint64_t v;
	size_t n;
	int c, rc;

	memset(&a, 0, sizeof(a));
	a.instance = -1;
	a.hold_s = HOLD_MAX_S;
	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	sub = argv[1];
	argc--;
	argv++;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":b:d:w:i:s:f:h", lopts, NULL))
	    != -1) {
		switch (c) {
		case 'b':
			if (!parse_num(optarg, HQ_BENCH_INSTANCE_MAX, &v))
				return usage_error("--bench: expected 0 to "
				    "255, not \"%s\"", optarg);
			a.instance = (int)v;
			break;
		case 'd':
			a.dutfile = optarg;
			break;
		case 'j':
			a.json = true;
			break;
		case 'H':
			if (!parse_num(optarg, HOLD_MAX_S, &a.hold_s))
				return usage_error("--hold: expected seconds "
				    "up to 86400, not \"%s\"", optarg);
			break;
		case 'w':
			a.wfile = optarg;
			break;
		case 'i':
			a.ifname = optarg;
			break;
		case 's':
			if (!parse_num(optarg, HQ_CAPTURE_SNAPLEN_DEFAULT, &v) ||
			    v < HQ_CAPTURE_SNAPLEN_MIN)
				return usage_error("--snaplen: expected 64 to "
				    "262144, not \"%s\"", optarg);
			a.snaplen = (unsigned)v;
			break;
		case 'f':
			a.filter = optarg;
			break;
		case 'M':
			if (!parse_num(optarg, UINT64_MAX, &a.max_bytes) ||
			    a.max_bytes == 0)
				return usage_error("--max-bytes: expected a "
				    "positive number, not \"%s\"", optarg);
			break;
		case 'S':
			if (!parse_num(optarg, HOLD_MAX_S, &a.seconds))
				return usage_error("--seconds: expected up to "
				    "86400, not \"%s\"", optarg);
			break;
		case 'T':
			a.steps = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return EXIT_OK;
		case ':':
			return usage_error("%s needs an argument",
			    argv[optind - 1]);
		default:
			return usage_error("unknown option \"%s\"",
			    argv[optind - 1]);
		}
	}
	if (strcmp(sub, "cut") == 0) {
		if (optind != argc - 1)
			return usage_error("cut: expected one MODE");
		a.mode = argv[optind];
		return cmd_cut(&a);
	}
	if (optind != argc)
		return usage_error("unexpected argument \"%s\"", argv[optind]);
	if (strcmp(sub, "redirect") == 0)
		return cmd_redirect(&a);
	if (strcmp(sub, "capture") == 0) {
		if (a.wfile == NULL)
			return usage_error("capture: -w FILE is required");
		return cmd_capture(&a);
	}
	if (strcmp(sub, "status") == 0)
		return cmd_status(&a);
	if (a.dutfile != NULL)
		return usage_error("%s: -d applies to status, cut, redirect "
		    "and capture", sub);
	if (strcmp(sub, "up") == 0) {
		if ((rc = hq_bench_up(instance_of(&a, NULL), &err)) != 0)
			return fail(&err, rc);
		printf("bench %u: up\n", instance_of(&a, NULL));
		return EXIT_OK;
	}
	if (strcmp(sub, "down") == 0) {
		if ((rc = hq_bench_down(instance_of(&a, NULL), &err)) != 0)
			return fail(&err, rc);
		printf("bench %u: down\n", instance_of(&a, NULL));
		return EXIT_OK;
	}
	if (strcmp(sub, "status") == 0)
		return cmd_status(&a);
	if (strcmp(sub, "restore") == 0) {
		if ((rc = hq_bench_restore_instance(instance_of(&a, NULL), &n,
		    &err)) != 0)
			return fail(&err, rc);
		printf("bench %u: %zu journaled changes undone\n",
		    instance_of(&a, NULL), n);
		return EXIT_OK;
	}
	return usage_error("unknown subcommand \"%s\"", sub);
}
