/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `hopquy analyze PCAP`: the tls family's passive traffic analysis
 * (wire/flows) on a capture from anywhere, outside a run: the DUT's flows,
 * what each carries (TLS, other encryption, cleartext protocols), and the
 * cleartext credentials and given strings found in them.  Memory is bounded
 * by the analyser's limits, not by the capture's size.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/cli.h"
#include "util/err.h"
#include "wire/flows.h"

static const char usage_analyze[] =
"usage: hopquy analyze PCAPNG --dut ADDR [--lab ADDR]... [--interface N]\n"
"                      [--string KIND=TEXT]... [--max-flows N]\n"
"                      [--prefix BYTES] [--buffer-mb N] [--json]\n"
"\n"
"Reads a pcapng capture (Ethernet, IPv4) and reports the flows between\n"
"the DUT and anything but the lab: their class (TLS, other encrypted,\n"
"cleartext, unknown), and the cleartext credentials found in them (HTTP\n"
"Authorization, password-like fields, MQTT CONNECT with a password,\n"
"telnet logins, FTP/POP PASS, SMTP AUTH) or given strings.  Findings name\n"
"the flow, the kind and the frame, never the matched bytes.\n"
"\n"
"  --dut ADDR          the DUT's IPv4 address\n"
"  --lab ADDR          a lab address whose traffic is not the DUT's own\n"
"                      (repeatable)\n"
"  --interface N       the capture's interface id (default 0)\n"
"  --string KIND=TEXT  also report TEXT seen in cleartext, as KIND\n"
"                      (repeatable)\n"
"  --max-flows N       flows analysed (default 4096)\n"
"  --prefix BYTES      bytes kept per flow direction (default 4096)\n"
"  --buffer-mb N       flow buffers in all (default 64)\n"
"  --json              the analysis as JSON on stdout\n"
"\n"
"exit: 0 no finding, 1 findings, 64 usage, 65 not a readable pcapng\n"
"      file, 70 internal\n";

static int
num_arg(const char *opt, const char *s, unsigned long long lo,
    unsigned long long hi, unsigned long long *vp)
{
	char *end;

	errno = 0;
	*vp = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || *vp < lo || *vp > hi) {
		fprintf(stderr, "hopquy analyze: %s: expected %llu to %llu\n",
		    opt, lo, hi);
		return -1;
	}
	return 0;
}

int
hq_cli_analyze(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "dut", required_argument, NULL, 'd' },
		{ "lab", required_argument, NULL, 'l' },
		{ "interface", required_argument, NULL, 'i' },
		{ "string", required_argument, NULL, 's' },
		{ "max-flows", required_argument, NULL, 'F' },
		{ "prefix", required_argument, NULL, 'P' },
		{ "buffer-mb", required_argument, NULL, 'B' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct hq_flows_opts fo = HQ_FLOWS_OPTS_INIT;
	const char *lab[HQ_FLOWS_LAB_MAX];
	const char *strs[HQ_FLOWS_NEEDLES_MAX], *kinds[HQ_FLOWS_NEEDLES_MAX];
	char *kbuf[HQ_FLOWS_NEEDLES_MAX];
	const struct hq_flows_stats *st;
	struct hq_flows *fl = NULL;
	struct hq_err err = { 0 };
	struct in_addr a;
	unsigned long long v, ifid = 0;
	uint64_t frames = 0;
	size_t nlab = 0, nstr = 0, i, n;
	bool json = false, cut = false;
	cJSON *doc;
	char *s, *eq;
	int c, rc, xrc = HQ_EXIT_USAGE;

	while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			fo.dut = optarg;
			break;
		case 'l':
			if (nlab == HQ_FLOWS_LAB_MAX ||
			    inet_pton(AF_INET, optarg, &a) != 1) {
				fprintf(stderr, "hopquy analyze: --lab: an "
				    "IPv4 address, at most %d\n",
				    HQ_FLOWS_LAB_MAX);
				goto out;
			}
			lab[nlab++] = optarg;
			break;
		case 'i':
			if (num_arg("--interface", optarg, 0, 65535, &ifid))
				goto out;
			break;
		case 's':
			if (nstr == HQ_FLOWS_NEEDLES_MAX ||
			    (eq = strchr(optarg, '=')) == NULL ||
			    eq == optarg || eq[1] == '\0') {
				fprintf(stderr, "hopquy analyze: --string: "
				    "KIND=TEXT, at most %d\n",
				    HQ_FLOWS_NEEDLES_MAX);
				goto out;
			}
			if ((s = strndup(optarg, (size_t)(eq - optarg))) ==
			    NULL) {
				xrc = HQ_EXIT_SOFTWARE;
				goto out;
			}
			kbuf[nstr] = s;
			kinds[nstr] = s;
			strs[nstr++] = eq + 1;
			break;
		case 'F':
			if (num_arg("--max-flows", optarg, 1, HQ_FLOWS_MAX, &v))
				goto out;
			fo.max_flows = (size_t)v;
			break;
		case 'P':
			if (num_arg("--prefix", optarg, HQ_FLOW_PREFIX_MIN,
			    HQ_FLOW_PREFIX_MAX, &v))
				goto out;
			fo.prefix = (size_t)v;
			break;
		case 'B':
			if (num_arg("--buffer-mb", optarg, 1, 1024, &v))
				goto out;
			fo.mem_max = (size_t)v << 20;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			fputs(usage_analyze, stdout);
			xrc = 0;
			goto out;
		default:
			fputs(usage_analyze, stderr);
			goto out;
		}
	}
	if (optind + 1 != argc || fo.dut == NULL) {
		fputs(usage_analyze, stderr);
		goto out;
	}
	if (inet_pton(AF_INET, fo.dut, &a) != 1) {
		fprintf(stderr, "hopquy analyze: --dut: an IPv4 address\n");
		goto out;
	}
	fo.lab = lab;
	fo.nlab = nlab;
	fo.strings = strs;
	fo.kinds = kinds;
	fo.nstrings = nstr;
	if ((rc = hq_flows_new(&fo, &fl, &err)) != 0) {
		fprintf(stderr, "hopquy analyze: %s\n", err.msg);
		xrc = hq_cli_exit_for(rc);
		goto out;
	}
	rc = hq_flows_read_pcapng(fl, argv[optind], (uint32_t)ifid, &frames,
	    &cut, &err);
	if (rc != 0 && !(rc == HQ_EPROTO && frames > 0)) {
		fprintf(stderr, "hopquy analyze: %s\n", err.msg);
		xrc = rc == HQ_ENOMEM ? HQ_EXIT_SOFTWARE : HQ_EXIT_DATAERR;
		goto out;
	}
	if (rc != 0)	/* a corrupt block: what came before it counts */
		fprintf(stderr, "hopquy analyze: %s (read up to there)\n",
		    err.msg);
	hq_flows_finish(fl);
	st = hq_flows_stats(fl);
	n = hq_flows_nfindings(fl);
	if (json) {
		if ((doc = hq_flows_json(fl)) == NULL) {
			xrc = HQ_EXIT_SOFTWARE;
			goto out;
		}
		cJSON_AddStringToObject(doc, "file", argv[optind]);
		cJSON_AddNumberToObject(doc, "packets_read", (double)frames);
		cJSON_AddBoolToObject(doc, "cut_short", cut || rc != 0);
		if ((s = cJSON_Print(doc)) != NULL) {
			puts(s);
			free(s);
		}
		cJSON_Delete(doc);
	} else {
		printf("%s: %llu packets, %llu of the DUT %s to or from "
		    "outside the lab, %zu flows, %zu findings%s\n",
		    argv[optind], (unsigned long long)frames,
		    (unsigned long long)st->outbound, fo.dut,
		    hq_flows_count(fl), n, cut ? " (last block cut short)" :
		    "");
		for (i = 0; i < n; i++) {
			const struct hq_flow_finding *x = hq_flows_finding(fl,
			    i);
			const struct hq_flow_info *f = hq_flows_get(fl,
			    x->flow - 1);

			printf("finding: frame %llu, flow %u %s %s %s (%s): "
			    "%s%s%s%s\n", (unsigned long long)x->frame,
			    x->flow, f->dut, x->outbound ? "->" : "<-",
			    f->peer, f->app[0] != '\0' ? f->app :
			    hq_flow_class_name(f->cls), x->kind,
			    x->detail[0] != '\0' ? " (" : "", x->detail,
			    x->detail[0] != '\0' ? ")" : "");
		}
		if (st->untracked > 0)
			printf("note: %llu packets of flows over the limit of "
			    "flows were not analysed (--max-flows)\n",
			    (unsigned long long)st->untracked);
		if (st->findings_dropped > 0)
			printf("note: %llu findings over the limit were not "
			    "listed\n",
			    (unsigned long long)st->findings_dropped);
	}
	xrc = n > 0 ? 1 : 0;
 out:
	for (i = 0; i < nstr; i++)
		free(kbuf[i]);
	hq_flows_free(fl);
	return xrc;
}
