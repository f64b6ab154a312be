/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Family `surface`: exposed services are minimal (EN 303 645 5.6-1, QCVN
 * 135:2024 group 6, IEC 62443-4-2 CR 7.7).  A full TCP connect scan of the
 * DUT; every open port is identified by banner and probes; FAIL for each
 * open port the DUT description does not declare and for any telnet or
 * other remote shell, declared or not.  Control: a declared port must be
 * seen open, else the scan proves nothing (INCONCLUSIVE).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "family.h"
#include "util/jv.h"
#include "wire/scan.h"

static const char *const surface_keys[] = {
	"ports", "window", "connect_timeout_ms", "retries",
	"banner_timeout_ms", "forbidden_services", "required", NULL
};
/* Sub-checks a profile may require (else "not checked" is enough). */
static const char *const requirables[] = { "identification", "udp", NULL };
static const char *const services[] = {
	"telnet", "ssh", "http", "tls", "rtsp", "mqtt", "ftp", "smtp",
	"shell", "unknown", NULL
};

struct surface_params {
	struct hq_portset	ports;
	long long		window;
	long long		timeout_ms;
	long long		retries;
	long long		banner_ms;
	char			**forbidden;
	size_t			nforbidden;
	char			**required;
	size_t			nrequired;
};

/* What the verdict rests on. */
struct surf_sum {
	size_t	nbad, ndecl_tcp, ndecl_open, nopen, nprobed, nfiltered;
	bool	cut;				/* the deadline cut the scan */
	char	notchecked[HQ_ERR_MSG_MAX];	/* "x (why); y (why)" */
	char	missing[256];			/* required, not checked */
};

static void
params_clear(struct surface_params *sp)
{
	hq_strv_free(sp->forbidden, sp->nforbidden);
	hq_strv_free(sp->required, sp->nrequired);
}

static int
params_read(const cJSON *params, struct surface_params *sp,
    struct hq_err *err)
{
	char *spec = NULL;
	size_t i, k;
	int rc;

	memset(sp, 0, sizeof(*sp));
	if ((rc = hq_jv_keys(params, "", surface_keys, err)) != 0 ||
	    (rc = hq_jv_str(params, "", "ports", false, 4096, &spec,
	    err)) != 0 ||
	    (rc = hq_jv_int(params, "", "window", false, 1, HQ_SCAN_WINDOW_MAX,
	    1024, &sp->window, err)) != 0 ||
	    (rc = hq_jv_int(params, "", "connect_timeout_ms", false, 50,
	    30000, 1000, &sp->timeout_ms, err)) != 0 ||
	    (rc = hq_jv_int(params, "", "retries", false, 0, 5, 1,
	    &sp->retries, err)) != 0 ||
	    (rc = hq_jv_int(params, "", "banner_timeout_ms", false, 100,
	    30000, 1500, &sp->banner_ms, err)) != 0 ||
	    (rc = hq_jv_strv(params, "", "forbidden_services", false, 16,
	    &sp->forbidden, &sp->nforbidden, err)) != 0 ||
	    (rc = hq_jv_strv(params, "", "required", false, 4,
	    &sp->required, &sp->nrequired, err)) != 0)
		goto out;
	for (i = 0; i < sp->nrequired; i++) {
		for (k = 0; requirables[k] != NULL; k++)
			if (strcmp(requirables[k], sp->required[i]) == 0)
				break;
		if (requirables[k] == NULL) {
			rc = hq_err_set(err, HQ_EINVAL, "required[%zu]: "
			    "expected identification or udp, got \"%.32s\"",
			    i, sp->required[i]);
			goto out;
		}
	}
	{
		struct hq_err perr = { 0 };

		if ((rc = hq_portset_parse(spec != NULL ? spec : "1-65535",
		    &sp->ports, &perr)) != 0) {
			rc = hq_err_set(err, rc, "ports: %s", perr.msg);
			goto out;
		}
	}
	for (i = 0; i < sp->nforbidden; i++) {
		bool known = false;

		for (k = 0; services[k] != NULL; k++)
			if (strcmp(services[k], sp->forbidden[i]) == 0)
				known = true;
		if (!known) {
			rc = hq_err_set(err, HQ_EINVAL, "forbidden_services[%zu]"
			    ": expected one of telnet, ssh, http, tls, rtsp, "
			    "mqtt, ftp, smtp, shell, unknown, got \"%.32s\"",
			    i, sp->forbidden[i]);
			goto out;
		}
	}
	if (sp->forbidden == NULL) {
		/* Default: no telnet and no other remote shell. */
		if ((sp->forbidden = calloc(2, sizeof(char *))) == NULL ||
		    (sp->forbidden[0] = strdup("telnet")) == NULL ||
		    (sp->forbidden[1] = strdup("shell")) == NULL) {
			rc = hq_err_set(err, HQ_ENOMEM, "no memory");
			sp->nforbidden = 2;
			goto out;
		}
		sp->nforbidden = 2;
	}
 out:
	free(spec);
	return rc;
}

static int
surface_check_params(const cJSON *params, struct hq_err *err)
{
	struct surface_params sp;
	int rc;

	rc = params_read(params, &sp, err);
	params_clear(&sp);
	return rc;
}

static bool
forbidden(const struct surface_params *sp, const char *svc)
{
	size_t i;

	for (i = 0; i < sp->nforbidden; i++)
		if (strcmp(sp->forbidden[i], svc) == 0)
			return true;
	return false;
}

static bool
is_required(const struct surface_params *sp, const char *what)
{
	size_t i;

	for (i = 0; i < sp->nrequired; i++)
		if (strcmp(sp->required[i], what) == 0)
			return true;
	return false;
}

/* A sub-check that could not run: listed, and missing if required. */
static void note_nc(struct surf_sum *sum, const struct surface_params *sp,
    const char *what, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
note_nc(struct surf_sum *sum, const struct surface_params *sp,
    const char *what, const char *fmt, ...)
{
	size_t o = strlen(sum->notchecked), m = strlen(sum->missing);
	va_list ap;

	if (o + 4 < sizeof(sum->notchecked)) {
		if (o > 0)
			o += (size_t)snprintf(sum->notchecked + o,
			    sizeof(sum->notchecked) - o, "; ");
		va_start(ap, fmt);
		vsnprintf(sum->notchecked + o, sizeof(sum->notchecked) - o,
		    fmt, ap);
		va_end(ap);
	}
	if (is_required(sp, what) && strstr(sum->missing, what) == NULL &&
	    m + 4 < sizeof(sum->missing))
		snprintf(sum->missing + m, sizeof(sum->missing) - m, "%s%s",
		    m > 0 ? ", " : "", what);
}

/*
 * The verdict from what ran.  Findings first (an undeclared port is a
 * FAIL even if the control would not hold); then the control; then a
 * required sub-check that could not run; then PASS naming what ran and
 * what was not checked.
 */
static void
surface_verdict(struct hq_result *res, const struct surf_sum *s)
{
	if (s->nbad > 0)
		hq_verdict(res, HQ_FAIL, "%zu finding%s: undeclared open ports "
		    "or forbidden services (see findings)", s->nbad,
		    s->nbad == 1 ? "" : "s");
	else if (s->cut)
		hq_verdict(res, HQ_INCONCLUSIVE, "the scan did not finish "
		    "within the case's time limit (%zu ports probed); none of "
		    "the %zu ports found open so far is undeclared", s->nprobed,
		    s->nopen);
	else if (s->ndecl_tcp == 0)
		hq_verdict(res, HQ_INCONCLUSIVE, "control failed: the DUT "
		    "description declares no TCP surface in the scanned "
		    "range, so an empty scan cannot be told from an "
		    "unreachable DUT");
	else if (s->ndecl_open == 0)
		hq_verdict(res, HQ_INCONCLUSIVE, "control failed: none of the "
		    "%zu declared TCP ports answered; the DUT may be off or "
		    "unreachable", s->ndecl_tcp);
	else if (s->missing[0] != '\0')
		hq_verdict(res, HQ_INCONCLUSIVE, "required by the profile but "
		    "not checked: %s (%s)", s->missing, s->notchecked);
	else
		hq_verdict(res, HQ_PASS, "%zu open TCP port%s, all declared; no "
		    "forbidden service (%zu ports scanned, %zu filtered)%s%s",
		    s->nopen,
		    s->nopen == 1 ? "" : "s", s->nprobed, s->nfiltered,
		    s->notchecked[0] != '\0' ? "; not checked: " : "",
		    s->notchecked);
}

static const struct hq_surface *
declared(const struct hq_dut *dut, unsigned port)
{
	size_t i;

	for (i = 0; i < dut->nsurfaces; i++)
		if (dut->surfaces[i].port == port &&
		    strcmp(dut->surfaces[i].transport, "tcp") == 0)
			return &dut->surfaces[i];
	return NULL;
}

static int
surface_run(struct hq_ctx *ctx, const struct hq_case *tc,
    struct hq_result *res, struct hq_err *err)
{
	const struct hq_dut *dut = ctx->dut;
	struct surface_params sp;
	struct hq_scan_opts so = { 0 };
	struct hq_scan_result sr = { 0 };
	struct hq_transcript *tr = NULL;
	cJSON *ports = NULL, *facts, *doc = NULL;
	char slug[128], rel[192], *text = NULL;
	struct surf_sum sum;
	size_t i, nlate = 0, nlate_undecl = 0;
	int rc;

	memset(&sum, 0, sizeof(sum));

	if ((rc = params_read(tc->params, &sp, err)) != 0)
		goto out;
	so.addr = dut->address;
	so.window = (unsigned)sp.window;
	so.timeout_ms = (int)sp.timeout_ms;
	so.retries = (unsigned)sp.retries;
	hq_step(res, "TCP connect scan of %s: %zu ports, window %u, "
	    "timeout %d ms, %u retries", so.addr, sp.ports.count, so.window,
	    so.timeout_ms, so.retries);
	rc = hq_scan_tcp(&so, &sp.ports, ctx->deadline, &sr, err);
	if (rc == HQ_ETIMEDOUT && sr.open != NULL && sr.nopen > 0 &&
	    hq_deadline_passed(ctx->deadline)) {
		/* The ports found open before the deadline are still
		 * evidence: judged, the rest listed as not scanned. */
		sum.cut = true;
		hq_step(res, "%s: the %zu ports found open so far are judged",
		    err->msg, sr.nopen);
		note_nc(&sum, &sp, "ports", "the ports the scan did not reach "
		    "(the case deadline passed after %zu probed)", sr.nprobed);
		err->code = 0;
		err->msg[0] = '\0';
		rc = 0;
	} else if (rc != 0)
		goto out;
	hq_step(res, "scan done in %lld ms: %zu open, %zu closed, %zu "
	    "filtered", (long long)sr.elapsed_ms, sr.nopen, sr.nclosed,
	    sr.nfiltered);
	hq_measure(res, "open_tcp_ports", (double)sr.nopen, "ports", NULL, 0,
	    0);
	hq_measure(res, "filtered_tcp_ports", (double)sr.nfiltered, "ports",
	    NULL, 0, 0);
	hq_measure(res, "scan_time", (double)sr.elapsed_ms, "ms", NULL, 0, 0);
	if ((tr = hq_transcript_new(256 * 1024)) == NULL ||
	    (ports = cJSON_CreateArray()) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "no memory");
		goto out;
	}
	for (i = 0; i < dut->nsurfaces; i++) {
		const struct hq_surface *d = &dut->surfaces[i];

		if (strcmp(d->transport, "tcp") != 0)
			note_nc(&sum, &sp, "udp", "%s (port %u/udp: the scan is "
			    "TCP only)", d->id, d->port);
		else if (!hq_portset_has(&sp.ports, d->port))
			note_nc(&sum, &sp, "ports", "%s (port %u/tcp outside "
			    "the scanned ports)", d->id, d->port);
		else
			sum.ndecl_tcp++;
	}
	for (i = 0; i < sr.nopen; i++) {
		unsigned port = sr.open[i];
		const struct hq_surface *s = declared(dut, port);
		struct hq_service svc;
		struct hq_err ierr = { 0 };
		cJSON *pj;

		if (hq_deadline_passed(ctx->deadline)) {
			/* No connection after the case's deadline: the port
			 * is listed as open, its service not identified. */
			if (nlate++ == 0)
				note_nc(&sum, &sp, "identification", "the "
				    "services on %zu open ports from %u/tcp on "
				    "(the case deadline passed)", sr.nopen - i,
				    port);
			snprintf(svc.name, sizeof(svc.name), "unknown");
			snprintf(svc.how, sizeof(svc.how), "identify: not "
			    "tried, the case deadline passed");
			svc.banner[0] = '\0';
		} else if (hq_service_identify_as(dut->address, port, s != NULL ?
		    s->proto : NULL, (int)sp.banner_ms, ctx->deadline, &svc,
		    &ierr) != 0) {
			if (ierr.code == HQ_EINTR) {
				rc = hq_err_set(err, HQ_EINTR, "interrupted");
				goto out;
			}
			snprintf(svc.name, sizeof(svc.name), "unknown");
			snprintf(svc.how, sizeof(svc.how), "identify: %.50s",
			    ierr.msg);
			svc.banner[0] = '\0';
			note_nc(&sum, &sp, "identification", "the service on "
			    "port %u/tcp (%.60s)", port, ierr.msg);
		}
		if (strcmp(svc.name, "unknown") == 0 &&
		    strncmp(svc.how, "identify:", 9) != 0)
			note_nc(&sum, &sp, "identification", "the service on "
			    "port %u/tcp (no probe named it)", port);
		/* After the deadline: one line for all, not one a port. */
		if (nlate == 0)
			hq_step(res, "port %u/tcp open: %s (%s)%s%s", port,
			    svc.name, svc.how, s != NULL ? ", declared as " :
			    ", not declared", s != NULL ? s->id : "");
		hq_transcript_printf(tr, "port %u/tcp: %s (%s)\n", port,
		    svc.name, svc.how);
		if (svc.banner[0] != '\0')
			hq_transcript_printf(tr, "  <- %s\n", svc.banner);
		pj = cJSON_CreateObject();
		cJSON_AddNumberToObject(pj, "port", port);
		cJSON_AddStringToObject(pj, "transport", "tcp");
		cJSON_AddStringToObject(pj, "service", svc.name);
		cJSON_AddStringToObject(pj, "identified_by", svc.how);
		cJSON_AddStringToObject(pj, "banner", svc.banner);
		if (s != NULL)
			cJSON_AddStringToObject(pj, "declared_as", s->id);
		cJSON_AddItemToArray(ports, pj);
		if (s != NULL)
			sum.ndecl_open++;
		if (s == NULL && nlate > 0) {
			sum.nbad++;
			nlate_undecl++;
		} else if (s == NULL) {
			sum.nbad++;
			hq_finding(res, "port %u/tcp is open but not declared "
			    "in the DUT description (answered: %s%s%.80s%s)",
			    port, svc.name, svc.banner[0] ? ", \"" : "",
			    svc.banner, svc.banner[0] ? "\"" : "");
		}
		if (forbidden(&sp, svc.name)) {
			sum.nbad++;
			hq_finding(res, "port %u/tcp runs %s%s, which the "
			    "profile forbids", port, svc.name,
			    strcmp(svc.name, "telnet") == 0 ?
			    " (a cleartext remote login)" :
			    strcmp(svc.name, "shell") == 0 ?
			    " (a debug shell)" : "");
		} else if (s != NULL && forbidden(&sp, s->proto)) {
			/* The DUT file says what the port is: forbidden,
			 * whatever the probes made of it. */
			sum.nbad++;
			hq_finding(res, "port %u/tcp is declared as %s (surface "
			    "%s), which the profile forbids (the probes saw: "
			    "%s)", port, s->proto, s->id, svc.name);
		}
		if (s != NULL && strcmp(svc.name, "unknown") != 0 &&
		    strcmp(svc.name, s->proto) != 0 &&
		    !(s->tls && strcmp(svc.name, "tls") == 0))
			hq_step(res, "note: port %u declared as %s, answered "
			    "as %s", port, s->proto, svc.name);
	}
	if (nlate > 0) {
		hq_step(res, "the case deadline passed: %zu open ports listed "
		    "without identification", nlate);
		if (nlate_undecl > 0)
			hq_finding(res, "%zu more ports are open but not "
			    "declared in the DUT description (not identified: "
			    "the case deadline passed)", nlate_undecl);
	}
	for (i = 0; i < dut->nsurfaces; i++) {
		const struct hq_surface *s = &dut->surfaces[i];
		bool open = false;
		size_t k;

		if (strcmp(s->transport, "tcp") != 0 ||
		    !hq_portset_has(&sp.ports, s->port))
			continue;
		for (k = 0; k < sr.nopen; k++)
			if (sr.open[k] == s->port)
				open = true;
		if (!open)
			hq_step(res, "note: declared surface %s (%u/tcp) did "
			    "not answer", s->id, s->port);
	}
	/* Share what was found with later families (e.g. tls). */
	facts = cJSON_GetObjectItemCaseSensitive(ctx->facts, "open_ports");
	if (facts != NULL)
		cJSON_DeleteItemFromObjectCaseSensitive(ctx->facts,
		    "open_ports");
	cJSON_AddItemToObject(ctx->facts, "open_ports",
	    cJSON_Duplicate(ports, 1));
	hq_slug(tc->id, slug, sizeof(slug));
	if ((doc = cJSON_CreateObject()) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "no memory");
		goto out;
	}
	cJSON_AddStringToObject(doc, "address", dut->address);
	cJSON_AddNumberToObject(doc, "ports_probed", (double)sr.nprobed);
	cJSON_AddNumberToObject(doc, "closed", (double)sr.nclosed);
	cJSON_AddNumberToObject(doc, "filtered", (double)sr.nfiltered);
	cJSON_AddNumberToObject(doc, "elapsed_ms", (double)sr.elapsed_ms);
	cJSON_AddItemToObject(doc, "open", ports);
	ports = NULL;
	if ((text = cJSON_Print(doc)) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "no memory");
		goto out;
	}
	snprintf(rel, sizeof(rel), "surface/%s-ports.json", slug);
	if ((rc = hq_evidence_write(ctx->ev, rel, "scan", text, strlen(text),
	    err)) != 0)
		goto out;
	hq_result_evidence(res, rel);
	snprintf(rel, sizeof(rel), "surface/%s-banners.txt", slug);
	if ((rc = hq_transcript_save(tr, ctx->ev, rel, err)) != 0)
		goto out;
	hq_result_evidence(res, rel);
	hq_detail(res, "open_ports", cJSON_Duplicate(
	    cJSON_GetObjectItemCaseSensitive(doc, "open"), 1));
	sum.nopen = sr.nopen;
	sum.nprobed = sr.nprobed;
	sum.nfiltered = sr.nfiltered;
	surface_verdict(res, &sum);
 out:
	free(text);
	cJSON_Delete(doc);
	cJSON_Delete(ports);
	hq_transcript_free(tr);
	hq_scan_result_clear(&sr);
	params_clear(&sp);
	return rc;
}

const struct hq_family hq_family_surface = {
	.name		= "surface",
	.summary	= "TCP connect scan: only declared ports open, no "
			  "telnet or debug shell",
	.flags		= 0,
	.check_params	= surface_check_params,
	.run		= surface_run,
};
