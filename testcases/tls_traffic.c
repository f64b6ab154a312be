/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tls check "traffic": passive analysis of the DUT's own traffic from the
 * run's capture (EN 303 645 5.5-1 and 5.8-2, QCVN 135:2024 groups 5 and 7,
 * IEC 62443-4-2 CR 4.1).  After an optional observation time, the capture
 * written so far is streamed (harness/flows.c, bounded memory); every flow
 * between the DUT and anything but the lab is classified: TLS, other
 * encrypted, cleartext, unknown.  FAIL for a cleartext flow that carries
 * credentials or a declared personal-data string or secret, naming the
 * flow and the packet (frame) number, never the value; FAIL (or, by
 * parameter, INCONCLUSIVE) for any other cleartext flow outside the
 * allowed list (DNS, DHCP, NTP, mDNS by default).  PASS needs positive
 * evidence: at least one encrypted outbound flow, every outbound flow
 * classified, the flow table not overrun and the capture complete.
 * It only reads the capture file; it sends nothing to the DUT.
 */
#include <ifaddrs.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls_traffic.h"
#include "util/jv.h"
#include "util/rd.h"
#include "wire/flows.h"

#define TRAFFIC_ALLOW_MAX	64
#define TRAFFIC_STEPS_MAX	64	/* flow lines in the steps */

static const char *const keys[] = {
	"check", "observe_s", "allow_cleartext", "cleartext", "max_flows",
	"prefix_bytes", "buffer_mb", NULL
};
static const char *const cleartext_choices[] = {
	"fail", "inconclusive", NULL
};

struct allow {
	uint8_t		 proto;
	unsigned	 port;
};

struct traffic_params {
	long long	 observe_s, max_flows, prefix, buffer_mb;
	bool		 cleartext_fails;
	struct allow	 allow[TRAFFIC_ALLOW_MAX];
	size_t		 nallow;
};

bool
hq_tls_traffic_selected(const cJSON *params)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(params, "check");

	return cJSON_IsString(c) && strcmp(c->valuestring, "traffic") == 0;
}

/* "53/udp", "8080/tcp". */
static int
allow_parse(const char *s, struct allow *a)
{
	const char *sl = strchr(s, '/');
	uint64_t v;

	if (sl == NULL || hq_parse_u64(s, (size_t)(sl - s), 65535, &v) != 0 ||
	    v == 0)
		return HQ_EINVAL;
	a->port = (unsigned)v;
	if (strcmp(sl + 1, "udp") == 0)
		a->proto = 17;
	else if (strcmp(sl + 1, "tcp") == 0)
		a->proto = 6;
	else
		return HQ_EINVAL;
	return 0;
}

static int
params_read(const cJSON *params, struct traffic_params *tp,
    struct hq_err *err)
{
	static const char *const dflt_allow[] = {
		"53/udp", "67/udp", "68/udp", "123/udp", "5353/udp", NULL
	};
	char **allow = NULL, *ct = NULL;
	size_t nallow = 0, i;
	int rc;

	memset(tp, 0, sizeof(*tp));
	if ((rc = hq_jv_keys(params, "", keys, err)) != 0 ||
	    (rc = hq_jv_int(params, "", "observe_s", false, 0, 3600, 10,
	    &tp->observe_s, err)) != 0 ||
	    (rc = hq_jv_strv(params, "", "allow_cleartext", false,
	    TRAFFIC_ALLOW_MAX, &allow, &nallow, err)) != 0 ||
	    (rc = hq_jv_enum(params, "", "cleartext", false,
	    cleartext_choices, &ct, err)) != 0 ||
	    (rc = hq_jv_int(params, "", "max_flows", false, 16, HQ_FLOWS_MAX,
	    HQ_FLOWS_DEFAULT, &tp->max_flows, err)) != 0 ||
	    (rc = hq_jv_int(params, "", "prefix_bytes", false,
	    HQ_FLOW_PREFIX_MIN, HQ_FLOW_PREFIX_MAX, HQ_FLOW_PREFIX_DEFAULT,
	    &tp->prefix, err)) != 0 ||
	    (rc = hq_jv_int(params, "", "buffer_mb", false, 1, 1024, 64,
	    &tp->buffer_mb, err)) != 0)
		goto out;
	tp->cleartext_fails = ct == NULL || strcmp(ct, "fail") == 0;
	if (allow == NULL) {
		for (i = 0; dflt_allow[i] != NULL; i++)
			(void)allow_parse(dflt_allow[i], &tp->allow[i]);
		tp->nallow = i;
	} else {
		for (i = 0; i < nallow; i++)
			if (allow_parse(allow[i], &tp->allow[i]) != 0) {
				rc = hq_err_set(err, HQ_EINVAL, "allow_"
				    "cleartext[%zu]: expected PORT/udp or "
				    "PORT/tcp, got \"%.32s\"", i, allow[i]);
				goto out;
			}
		tp->nallow = nallow;
	}
 out:
	hq_strv_free(allow, nallow);
	free(ct);
	return rc;
}

int
hq_tls_traffic_check_params(const cJSON *params, struct hq_err *err)
{
	struct traffic_params tp;

	return params_read(params, &tp, err);
}

/* Every IPv4 address of the lab side (this thread's namespace). */
static size_t
lab_addresses(char out[][INET_ADDRSTRLEN], size_t max)
{
	struct ifaddrs *ifa = NULL, *i;
	size_t n = 0;

	if (getifaddrs(&ifa) != 0)
		return 0;
	for (i = ifa; i != NULL && n < max; i = i->ifa_next)
		if (i->ifa_addr != NULL && i->ifa_addr->sa_family == AF_INET &&
		    inet_ntop(AF_INET, &((struct sockaddr_in *)
		    (void *)i->ifa_addr)->sin_addr, out[n],
		    INET_ADDRSTRLEN) != NULL)
			n++;
	freeifaddrs(ifa);
	return n;
}

static bool
allowed(const struct traffic_params *tp, const struct hq_flow_info *f)
{
	size_t i;

	for (i = 0; i < tp->nallow; i++)
		if (tp->allow[i].proto == f->proto &&
		    tp->allow[i].port == f->peer_port)
			return true;
	return false;
}

static const char *
transport(const struct hq_flow_info *f)
{
	return f->proto == 6 ? "tcp" : f->proto == 17 ? "udp" : "ip";
}

int
hq_tls_traffic_run(struct hq_ctx *ctx, const struct hq_case *tc,
    struct hq_result *res, struct hq_err *err)
{
	struct traffic_params tp;
	struct hq_flows_opts fo = HQ_FLOWS_OPTS_INIT;
	struct hq_flows *fl = NULL;
	struct hq_err rerr = { 0 };
	char labs[HQ_FLOWS_LAB_MAX][INET_ADDRSTRLEN];
	const char *labp[HQ_FLOWS_LAB_MAX];
	const char *strs[HQ_FLOWS_NEEDLES_MAX], *kinds[HQ_FLOWS_NEEDLES_MAX];
	char kindbuf[HQ_FLOWS_NEEDLES_MAX][48];
	const char *sec[HQ_FLOWS_NEEDLES_MAX];
	char path[1200], slug[128], rel[224], *text = NULL;
	const struct hq_flows_stats *st;
	size_t nlab, nstr = 0, nsec, i, n, nenc = 0, ntls = 0, nbad = 0,
	    nok = 0, nunk = 0, nempty = 0, nout = 0, ncred;
	uint64_t frames = 0;
	bool cut = false;
	const char *dut_addr;
	cJSON *doc = NULL;
	int rc, rrc;

	(void)tc;
	if ((rc = params_read(ctx->tc->params, &tp, err)) != 0)
		return rc;
	if (ctx->cap == NULL) {
		hq_step(res, "no capture is running in this run");
		hq_verdict(res, HQ_INCONCLUSIVE, "no capture of the DUT's "
		    "traffic in this run (bench without capture, or "
		    "--no-capture)");
		return 0;
	}
	dut_addr = ctx->bench != NULL ? hq_bench_dut_address(ctx->bench) :
	    ctx->dut->address;
	/* Give the DUT time to talk (cloud heartbeats, telemetry), within
	 * the case's budget. */
	if (tp.observe_s > 0) {
		int64_t ms = tp.observe_s * 1000;
		int left = hq_deadline_poll_ms(ctx->deadline);

		if (left >= 0 && ms > (int64_t)left - 5000)
			ms = left > 5000 ? left - 5000 : 0;
		hq_step(res, "observing the DUT's own traffic for %lld ms",
		    (long long)ms);
		if (hq_sleep_ms(ms) != 0)
			return hq_err_set(err, HQ_EINTR, "interrupted");
	}
	/* What the capture thread holds is flushed every
	 * HQ_CAPTURE_FLUSH_MS. */
	if (hq_sleep_ms(3 * HQ_CAPTURE_FLUSH_MS) != 0)
		return hq_err_set(err, HQ_EINTR, "interrupted");
	nlab = lab_addresses(labs, HQ_FLOWS_LAB_MAX);
	for (i = 0; i < nlab; i++)
		labp[i] = labs[i];
	for (i = 0; i < ctx->dut->npersonal && nstr < HQ_FLOWS_NEEDLES_MAX;
	    i++) {
		snprintf(kindbuf[nstr], sizeof(kindbuf[nstr]), "personal data "
		    "(personal_data[%zu] of the DUT file)", i);
		strs[nstr] = ctx->dut->personal[i];
		kinds[nstr] = kindbuf[nstr];
		nstr++;
	}
	nsec = hq_dut_secrets(ctx->dut, sec, HQ_FLOWS_NEEDLES_MAX);
	for (i = 0; i < nsec && nstr < HQ_FLOWS_NEEDLES_MAX; i++) {
		/* Short secrets would match by chance. */
		if (strlen(sec[i]) < 6)
			continue;
		snprintf(kindbuf[nstr], sizeof(kindbuf[nstr]), "a password "
		    "declared in the DUT file");
		strs[nstr] = sec[i];
		kinds[nstr] = kindbuf[nstr];
		nstr++;
	}
	fo.dut = dut_addr;
	fo.lab = labp;
	fo.nlab = nlab;
	fo.strings = strs;
	fo.kinds = kinds;
	fo.nstrings = nstr;
	fo.max_flows = (size_t)tp.max_flows;
	fo.prefix = (size_t)tp.prefix;
	fo.mem_max = (size_t)tp.buffer_mb << 20;
	if ((rc = hq_flows_new(&fo, &fl, err)) != 0)
		return rc;
	hq_step(res, "DUT %s; %zu lab address%s excluded; %zu personal-data "
	    "string%s and %zu declared password%s to look for", dut_addr,
	    nlab, nlab == 1 ? "" : "es", ctx->dut->npersonal,
	    ctx->dut->npersonal == 1 ? "" : "s", nstr - ctx->dut->npersonal,
	    nstr - ctx->dut->npersonal == 1 ? "" : "s");
	snprintf(path, sizeof(path), "%s/capture/run.pcapng", ctx->rundir);
	rrc = hq_flows_read_pcapng(fl, path, 0, &frames, &cut, &rerr);
	if (rrc != 0 && rrc != HQ_EPROTO) {
		rc = hq_err_set(err, rrc, "%s", rerr.msg);
		goto out;
	}
	st = hq_flows_stats(fl);
	hq_step(res, "capture read: %llu packets (%llu Ethernet frames of "
	    "the DUT-facing interface): %llu of the DUT to or from outside "
	    "the lab, %llu between the DUT and the lab, %llu others%s",
	    (unsigned long long)frames, (unsigned long long)st->frames,
	    (unsigned long long)st->outbound, (unsigned long long)st->lab,
	    (unsigned long long)(st->other + st->not_ip + st->ipv6),
	    cut ? "; the last block was still being written" : "");
	n = hq_flows_count(fl);
	for (i = 0; i < n; i++) {
		const struct hq_flow_info *f = hq_flows_get(fl, i);
		const char *what;

		switch (f->cls) {
		case HQ_FLOW_EMPTY:
			nempty++;
			what = "no payload";
			break;
		case HQ_FLOW_TLS:
			ntls++;
			nenc++;
			what = "TLS";
			break;
		case HQ_FLOW_ENCRYPTED:
			nenc++;
			what = "encrypted";
			break;
		case HQ_FLOW_CLEARTEXT:
			if (allowed(&tp, f)) {
				nok++;
				what = "cleartext, allowed";
			} else {
				nbad++;
				what = "CLEARTEXT";
			}
			break;
		default:
			nunk++;
			what = "not recognised";
			break;
		}
		if (f->cls != HQ_FLOW_EMPTY)
			nout++;
		if (f->unanalysed && f->cls == HQ_FLOW_CLEARTEXT)
			nunk++;		/* its content was not read */
		if (i < TRAFFIC_STEPS_MAX)
			hq_step(res, "flow %u: %s -> %s %s%s%s: %s, %llu "
			    "packets (frames %llu..%llu), %llu bytes out, %llu "
			    "in%s", f->id, f->dut, f->peer, transport(f),
			    f->app[0] != '\0' ? " " : "", f->app, what,
			    (unsigned long long)f->packets,
			    (unsigned long long)f->first_frame,
			    (unsigned long long)f->last_frame,
			    (unsigned long long)f->bytes_out,
			    (unsigned long long)f->bytes_in,
			    f->gap ? "; segments missing" : "");
		if (f->cls == HQ_FLOW_CLEARTEXT && !allowed(&tp, f))
			hq_finding(res, "flow %u (%s -> %s, %s %s): cleartext, "
			    "frames %llu..%llu", f->id, f->dut, f->peer,
			    transport(f), f->app, (unsigned long long)
			    f->first_frame, (unsigned long long)f->last_frame);
	}
	if (n > TRAFFIC_STEPS_MAX)
		hq_step(res, "%zu more flows in the flows evidence",
		    n - TRAFFIC_STEPS_MAX);
	ncred = hq_flows_nfindings(fl);
	for (i = 0; i < ncred; i++) {
		const struct hq_flow_finding *x = hq_flows_finding(fl, i);
		const struct hq_flow_info *f = hq_flows_get(fl, x->flow - 1);

		hq_finding(res, "flow %u (%s -> %s, %s %s): %s%s%s%s in "
		    "cleartext, %s, packet %llu", x->flow, f->dut, f->peer,
		    transport(f), f->app[0] != '\0' ? f->app : "unrecognised",
		    x->kind, x->detail[0] != '\0' ? " (" : "", x->detail,
		    x->detail[0] != '\0' ? ")" : "", x->outbound ?
		    "sent by the DUT" : "sent to the DUT",
		    (unsigned long long)x->frame);
	}
	hq_measure(res, "outbound_flows", (double)nout, "flows", NULL, 0, 0);
	hq_measure(res, "encrypted_flows", (double)nenc, "flows", NULL, 0, 0);
	hq_measure(res, "cleartext_flows", (double)(nbad + nok), "flows",
	    NULL, 0, 0);
	hq_measure(res, "flow_buffer_peak", (double)st->mem_peak, "bytes",
	    "<=", (double)fo.mem_max, 0);
	/* Evidence: the flows, their classes and the findings (kinds and
	 * frame numbers only). */
	if ((doc = hq_flows_json(fl)) == NULL ||
	    (text = cJSON_Print(doc)) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "no memory");
		goto out;
	}
	hq_slug(ctx->tc->id, slug, sizeof(slug));
	snprintf(rel, sizeof(rel), "tls/%s-flows.json", slug);
	if ((rc = hq_evidence_write(ctx->ev, rel, "flows", text, strlen(text),
	    err)) != 0)
		goto out;
	hq_result_evidence(res, rel);
	hq_result_evidence(res, "capture/run.pcapng");
	if (ncred > 0)
		hq_verdict(res, HQ_FAIL, "%zu credential or personal-data "
		    "finding%s in the DUT's cleartext traffic (see findings)",
		    ncred, ncred == 1 ? "" : "s");
	else if (nbad > 0 && tp.cleartext_fails)
		hq_verdict(res, HQ_FAIL, "%zu outbound cleartext flow%s outside "
		    "the allowed list (see findings)", nbad, nbad == 1 ? "" :
		    "s");
	else if (rrc != 0)
		hq_verdict(res, HQ_INCONCLUSIVE, "the capture could not be "
		    "read to its end: %s", rerr.msg);
	else if (st->untracked > 0)
		hq_verdict(res, HQ_INCONCLUSIVE, "flow table bound reached: "
		    "more than %lld flows; %llu packets from frame %llu on "
		    "not analysed", tp.max_flows,
		    (unsigned long long)st->untracked,
		    (unsigned long long)st->first_untracked_frame);
	else if (nunk > 0)
		hq_verdict(res, HQ_INCONCLUSIVE, "%zu outbound flow%s could not "
		    "be classified as encrypted or cleartext (see flows)",
		    nunk, nunk == 1 ? "" : "s");
	else if (nbad > 0)
		hq_verdict(res, HQ_INCONCLUSIVE, "%zu outbound cleartext flow%s "
		    "without credentials or personal data found", nbad,
		    nbad == 1 ? "" : "s");
	else if (st->ipv6_global > 0 || st->fragments > 0)
		hq_verdict(res, HQ_INCONCLUSIVE, "%llu IPv6 packets with "
		    "global addresses and %llu IPv4 fragments were not "
		    "analysed", (unsigned long long)st->ipv6_global,
		    (unsigned long long)st->fragments);
	else if (nenc == 0)
		hq_verdict(res, HQ_INCONCLUSIVE, "no encrypted outbound flow "
		    "seen (%zu flows with payload, %zu without): nothing "
		    "shows how the DUT talks to its services", nout, nempty);
	else if (hq_capture_cap_hit(ctx->cap))
		hq_verdict(res, HQ_INCONCLUSIVE, "the capture reached its size "
		    "cap; the evidence is incomplete");
	else
		hq_verdict(res, HQ_PASS, "%zu outbound flow%s, all encrypted "
		    "(%zu TLS, %zu other) or allowed cleartext (%zu); no "
		    "credential or personal data in cleartext", nout,
		    nout == 1 ? "" : "s", ntls, nenc - ntls, nok);
 out:
	free(text);
	cJSON_Delete(doc);
	hq_flows_free(fl);
	return rc;
}
