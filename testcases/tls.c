/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Family `tls`: secure communication (QCVN 135:2024 groups 5 and 7, EN 303
 * 645 5.5 and 5.8, IEC 62443-4-2 CR 3.1, 4.1, 4.3).  One family, one check
 * per test case, chosen by the "check" param:
 *   protocols    every port that answers a ClientHello: which of SSLv3 ..
 *                TLS 1.3 it accepts (hand-built hellos, so SSLv3 and
 *                TLS 1.0/1.1 are tested whatever the local OpenSSL allows)
 *   suites       every accepted suite per version from the IANA table, the
 *                TLS 1.3 groups, server preference, DHE group size
 *   certificate  chain from a real handshake: key, signature, validity,
 *                name, self-signed, optionally a trust anchor
 *   cleartext    telnet, FTP, HTTP logins without a redirect to HTTPS,
 *                RTSP and MQTT that ask for credentials without TLS
 *   traffic      the DUT's own flows in the run's capture: encrypted,
 *                or cleartext carrying credentials or personal data
 *                (testcases/tls_traffic.c, its own params)
 *   interception the DUT's cloud link redirected to our own TLS endpoint
 *                presenting bad certificates (tls_intercept.c)
 * Ports: the "open_ports" fact of the surface case when it ran earlier in
 * the run, the DUT's declared TCP surfaces, and the "ports" param.
 * Control: a TLS port must complete a normal OpenSSL handshake before a
 * PASS can rest on it; a ServerHello that picks a banned suite or version
 * is itself proof of acceptance, so such FAIL findings stand regardless.
 * Enumeration results are shared between cases of one run ("tls_scan"
 * fact), so the protocols and suites cases probe each port once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <poll.h>
#include <pthread.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "family.h"
#include "tls_intercept.h"
#include "tls_traffic.h"
#include "util/jv.h"
#include "util/rd.h"
#include "wire/net.h"
#include "wire/scan.h"
#include "wire/tlsenum.h"
#include "wire/tlswire.h"

#define TLS_PORTS_MAX		64
#define TLS_HTTP_REPLY_MAX	16384
#define TLS_HTTP_LINE_MAX	2048

static const char *const checks[] = {
	"protocols", "suites", "certificate", "cleartext", "traffic",
	"interception", NULL
};
static const char *const common_keys[] = {
	"check", "ports", "use_open_ports", "probe_timeout_ms", "window",
	"retries", "chunks", "handshake_timeout_ms",
	/* protocols */
	"min_version", "require_tls13",
	/* suites */
	"banned", "banned_suites", "require_server_preference", "min_dh_bits",
	/* certificate */
	"min_rsa_bits", "min_ec_bits", "banned_signature_hashes",
	"allow_self_signed", "check_name", "ca_file", "min_days_left",
	/* cleartext */
	"forbid", "http_paths", "mqtt_ports", "required",
	/* interception (tls_intercept.c) */
	"connect_wait_ms", "data_wait_ms", "attempts",
	NULL
};
static const char *const forbid_names[] = {
	"telnet", "ftp", "http-login", "rtsp-credentials",
	"mqtt-credentials", "mqtt-anonymous", NULL
};

struct tls_params {
	char		*check;
	struct hq_portset extra;
	bool		 use_open;
	long long	 probe_ms, window, retries, chunks, hs_ms;
	uint16_t	 min_version;
	bool		 require13;
	uint32_t	 banned;
	char		**banned_suites;
	size_t		 nbanned_suites;
	bool		 require_pref;
	long long	 min_dh;
	long long	 min_rsa, min_ec, min_days;
	char		**bad_hashes;
	size_t		 nbad_hashes;
	bool		 allow_self;
	bool		 check_name;
	char		*ca_file;
	char		**forbid;
	size_t		 nforbid;
	char		**http_paths;
	size_t		 nhttp_paths;
	struct hq_portset mqtt_ports;
	char		**required;	/* cleartext: protos to examine */
	size_t		 nrequired;
};

/* What the cleartext check's verdict rests on. */
struct ct_sum {
	size_t	nbad, nexam, ntls, nssh, nredir;
	char	notchecked[HQ_ERR_MSG_MAX];
	char	missing[256];
};

static void
params_clear(struct tls_params *tp)
{
	free(tp->check);
	hq_strv_free(tp->banned_suites, tp->nbanned_suites);
	hq_strv_free(tp->bad_hashes, tp->nbad_hashes);
	free(tp->ca_file);
	hq_strv_free(tp->forbid, tp->nforbid);
	hq_strv_free(tp->http_paths, tp->nhttp_paths);
	hq_strv_free(tp->required, tp->nrequired);
	memset(tp, 0, sizeof(*tp));
}

static int
strv_default(char ***vp, size_t *np, const char *const *dflt)
{
	size_t n = 0, i;

	if (*vp != NULL)
		return 0;
	while (dflt[n] != NULL)
		n++;
	if ((*vp = calloc(n, sizeof(char *))) == NULL)
		return HQ_ENOMEM;
	for (i = 0; i < n; i++)
		if (((*vp)[i] = strdup(dflt[i])) == NULL) {
			*np = i;
			return HQ_ENOMEM;
		}
	*np = n;
	return 0;
}

static int
params_read(const cJSON *params, struct tls_params *tp, struct hq_err *err)
{
	static const char *const dflt_banned[] = {
		"NULL", "anon", "EXPORT", "RC4", "DES", "3DES", "MD5", NULL
	};
	static const char *const dflt_hashes[] = { "SHA1", "MD5", NULL };
	static const char *const dflt_forbid[] = {
		"telnet", "ftp", "http-login", "rtsp-credentials",
		"mqtt-credentials", "mqtt-anonymous", NULL
	};
	static const char *const dflt_paths[] = { "/", NULL };
	char *minv = NULL, *ports = NULL, *mqtt = NULL;
	char **banned = NULL;
	size_t nbanned = 0, i, k;
	int rc;

	memset(tp, 0, sizeof(*tp));
	if ((rc = hq_jv_keys(params, "", common_keys, err)) != 0 ||
	    (rc = hq_jv_enum(params, "", "check", true, checks, &tp->check,
	    err)) != 0 ||
	    (rc = hq_jv_str(params, "", "ports", false, 1024, &ports,
	    err)) != 0 ||
	    (rc = hq_jv_bool(params, "", "use_open_ports", false, true,
	    &tp->use_open, err)) != 0 ||
	    (rc = hq_jv_int(params, "", "probe_timeout_ms", false, 100,
	    60000, 3000, &tp->probe_ms, err)) != 0 ||
	    (rc = hq_jv_int(params, "", "window", false, 1,
	    HQ_TLSENUM_WINDOW_MAX, 8, &tp->window, err)) != 0 ||
	    (rc = hq_jv_int(params, "", "retries", false, 0, 5, 2,
	    &tp->retries, err)) != 0 ||
	    /* 2 chains: measured against nginx (two workers) and a
	     * single-threaded gnutls-serv, fewer chains cost fewer probes
	     * and as much parallelism as the server gives (bench/tls.sh). */
	    (rc = hq_jv_int(params, "", "chunks", false, 1, 32, 2,
	    &tp->chunks, err)) != 0 ||
	    (rc = hq_jv_int(params, "", "handshake_timeout_ms", false, 100,
	    60000, 5000, &tp->hs_ms, err)) != 0 ||
	    (rc = hq_jv_str(params, "", "min_version", false, 16, &minv,
	    err)) != 0 ||
	    (rc = hq_jv_bool(params, "", "require_tls13", false, false,
	    &tp->require13, err)) != 0 ||
	    (rc = hq_jv_strv(params, "", "banned", false, 16, &banned,
	    &nbanned, err)) != 0 ||
	    (rc = hq_jv_strv(params, "", "banned_suites", false, 512,
	    &tp->banned_suites, &tp->nbanned_suites, err)) != 0 ||
	    (rc = hq_jv_bool(params, "", "require_server_preference", false,
	    false, &tp->require_pref, err)) != 0 ||
	    (rc = hq_jv_int(params, "", "min_dh_bits", false, 0, 16384, 2048,
	    &tp->min_dh, err)) != 0 ||
	    (rc = hq_jv_int(params, "", "min_rsa_bits", false, 0, 16384,
	    2048, &tp->min_rsa, err)) != 0 ||
	    (rc = hq_jv_int(params, "", "min_ec_bits", false, 0, 571, 256,
	    &tp->min_ec, err)) != 0 ||
	    (rc = hq_jv_int(params, "", "min_days_left", false, 0, 3650, 0,
	    &tp->min_days, err)) != 0 ||
	    (rc = hq_jv_strv(params, "", "banned_signature_hashes", false, 8,
	    &tp->bad_hashes, &tp->nbad_hashes, err)) != 0 ||
	    (rc = hq_jv_bool(params, "", "allow_self_signed", false, true,
	    &tp->allow_self, err)) != 0 ||
	    (rc = hq_jv_bool(params, "", "check_name", false, true,
	    &tp->check_name, err)) != 0 ||
	    (rc = hq_jv_str(params, "", "ca_file", false, 1024, &tp->ca_file,
	    err)) != 0 ||
	    (rc = hq_jv_strv(params, "", "forbid", false, 8, &tp->forbid,
	    &tp->nforbid, err)) != 0 ||
	    (rc = hq_jv_strv(params, "", "http_paths", false, 16,
	    &tp->http_paths, &tp->nhttp_paths, err)) != 0 ||
	    (rc = hq_jv_str(params, "", "mqtt_ports", false, 256, &mqtt,
	    err)) != 0 ||
	    (rc = hq_jv_strv(params, "", "required", false, 16,
	    &tp->required, &tp->nrequired, err)) != 0)
		goto out;
	{
		struct hq_err perr = { 0 };

		if (ports != NULL && (rc = hq_portset_parse(ports, &tp->extra,
		    &perr)) != 0) {
			rc = hq_err_set(err, rc, "ports: %s", perr.msg);
			goto out;
		}
		if ((rc = hq_portset_parse(mqtt != NULL ? mqtt : "1883",
		    &tp->mqtt_ports, &perr)) != 0) {
			rc = hq_err_set(err, rc, "mqtt_ports: %s", perr.msg);
			goto out;
		}
	}
	tp->min_version = HQ_TLS12;
	if (minv != NULL &&
	    hq_tls_version_parse(minv, &tp->min_version) != 0) {
		rc = hq_err_set(err, HQ_EINVAL, "min_version: expected SSLv3, "
		    "TLSv1.0 .. TLSv1.3, got \"%.16s\"", minv);
		goto out;
	}
	if ((rc = strv_default(&banned, &nbanned, dflt_banned)) != 0 ||
	    (rc = strv_default(&tp->bad_hashes, &tp->nbad_hashes,
	    dflt_hashes)) != 0 ||
	    (rc = strv_default(&tp->forbid, &tp->nforbid, dflt_forbid)) != 0 ||
	    (rc = strv_default(&tp->http_paths, &tp->nhttp_paths,
	    dflt_paths)) != 0) {
		rc = hq_err_set(err, HQ_ENOMEM, "no memory");
		goto out;
	}
	for (i = 0; i < nbanned; i++) {
		uint32_t f;

		if (hq_tls_flag_parse(banned[i], &f) != 0) {
			rc = hq_err_set(err, HQ_EINVAL, "banned[%zu]: expected "
			    "NULL, anon, EXPORT, RC4, DES, 3DES, MD5, CBC, "
			    "SHA1, static-RSA, got \"%.32s\"", i, banned[i]);
			goto out;
		}
		tp->banned |= f;
	}
	for (i = 0; i < tp->nbanned_suites; i++)
		if (hq_tls_suite_by_name(tp->banned_suites[i]) == NULL) {
			rc = hq_err_set(err, HQ_EINVAL, "banned_suites[%zu]: "
			    "unknown suite \"%.64s\"", i, tp->banned_suites[i]);
			goto out;
		}
	for (i = 0; i < tp->nbad_hashes; i++)
		if (strcmp(tp->bad_hashes[i], "SHA1") != 0 &&
		    strcmp(tp->bad_hashes[i], "MD5") != 0 &&
		    strcmp(tp->bad_hashes[i], "SHA224") != 0) {
			rc = hq_err_set(err, HQ_EINVAL, "banned_signature_"
			    "hashes[%zu]: expected SHA1, MD5 or SHA224", i);
			goto out;
		}
	for (i = 0; i < tp->nforbid; i++) {
		bool known = false;

		for (k = 0; forbid_names[k] != NULL; k++)
			if (strcmp(forbid_names[k], tp->forbid[i]) == 0)
				known = true;
		if (!known) {
			rc = hq_err_set(err, HQ_EINVAL, "forbid[%zu]: expected "
			    "telnet, ftp, http-login, rtsp-credentials, "
			    "mqtt-credentials or mqtt-anonymous", i);
			goto out;
		}
	}
	for (i = 0; i < tp->nhttp_paths; i++)
		if (tp->http_paths[i][0] != '/' ||
		    strpbrk(tp->http_paths[i], " \r\n") != NULL) {
			rc = hq_err_set(err, HQ_EINVAL, "http_paths[%zu]: "
			    "expected an absolute path without spaces", i);
			goto out;
		}
 out:
	hq_strv_free(banned, nbanned);
	free(minv);
	free(ports);
	free(mqtt);
	return rc;
}

static int
tls_check_params(const cJSON *params, struct hq_err *err)
{
	struct tls_params tp;
	int rc;

	if (hq_tls_traffic_selected(params))
		return hq_tls_traffic_check_params(params, err);
	rc = params_read(params, &tp, err);
	if (rc == 0 && strcmp(tp.check, "interception") == 0)
		rc = hq_tls_intercept_check_params(params, err);
	params_clear(&tp);
	return rc;
}

static bool
has(char **v, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

/* Ports. */

struct cand {
	unsigned	 port;
	const char	*service;	/* from the surface fact, or NULL */
	const struct hq_surface *sf;	/* declared, or NULL */
};

static size_t
candidates(const struct hq_ctx *ctx, const struct tls_params *tp,
    struct cand *out, size_t max, bool *from_scanp)
{
	const struct hq_dut *dut = ctx->dut;
	const cJSON *open = cJSON_GetObjectItemCaseSensitive(ctx->facts,
	    "open_ports"), *pj;
	struct hq_portset seen;
	size_t n = 0, i;
	unsigned p;

	memset(&seen, 0, sizeof(seen));
	*from_scanp = false;
	if (tp->use_open && cJSON_IsArray(open)) {
		*from_scanp = true;
		cJSON_ArrayForEach(pj, open) {
			const cJSON *port = cJSON_GetObjectItemCaseSensitive(
			    pj, "port");
			const cJSON *svc = cJSON_GetObjectItemCaseSensitive(
			    pj, "service");

			if (!cJSON_IsNumber(port) || port->valuedouble < 1 ||
			    port->valuedouble > 65535 || n == max)
				continue;
			p = (unsigned)port->valuedouble;
			if (hq_portset_has(&seen, p))
				continue;
			hq_portset_add(&seen, p);
			out[n].port = p;
			out[n].service = cJSON_IsString(svc) ?
			    svc->valuestring : NULL;
			out[n].sf = NULL;
			n++;
		}
	}
	for (i = 0; i < dut->nsurfaces && n < max; i++) {
		const struct hq_surface *s = &dut->surfaces[i];

		if (strcmp(s->transport, "tcp") != 0 ||
		    hq_portset_has(&seen, s->port))
			continue;
		hq_portset_add(&seen, s->port);
		out[n].port = s->port;
		out[n].service = NULL;
		out[n].sf = NULL;
		n++;
	}
	for (p = 1; p <= 65535 && n < max; p++)
		if (hq_portset_has(&tp->extra, p) && !hq_portset_has(&seen, p)) {
			hq_portset_add(&seen, p);
			out[n].port = p;
			out[n].service = NULL;
			out[n].sf = NULL;
			n++;
		}
	for (i = 0; i < n; i++) {
		size_t k;

		for (k = 0; k < dut->nsurfaces; k++)
			if (dut->surfaces[k].port == out[i].port &&
			    strcmp(dut->surfaces[k].transport, "tcp") == 0) {
				out[i].sf = &dut->surfaces[k];
				break;
			}
	}
	return n;
}

/* Enumeration, shared through the "tls_scan" fact. */

static void
enum_opts(const struct hq_ctx *ctx, const struct tls_params *tp,
    unsigned port, struct hq_tlsenum_opts *o)
{
	struct hq_tlsenum_opts d = HQ_TLSENUM_OPTS_INIT;

	*o = d;
	o->addr = ctx->dut->address;
	o->port = port;
	o->sni = ctx->dut->name;
	o->window = (unsigned)tp->window;
	o->timeout_ms = (int)tp->probe_ms;
	o->retries = (unsigned)tp->retries;
	o->chunks = (unsigned)tp->chunks;
}

static cJSON *
ids_json(const uint16_t *ids, size_t n, bool groups)
{
	cJSON *a = cJSON_CreateArray();
	char nb[32];
	size_t i;

	for (i = 0; a != NULL && i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(groups ?
		    hq_tls_group_name(ids[i], nb, sizeof(nb)) :
		    hq_tls_suite_name(ids[i], nb, sizeof(nb))));
	return a;
}

static const char *
vstate_name(enum hq_tls_vstate st)
{
	switch (st) {
	case HQ_TLSV_ACCEPTED:	return "accepted";
	case HQ_TLSV_REFUSED:	return "refused";
	case HQ_TLSV_ERROR:	return "undecided";
	default:		return "untested";
	}
}

static bool
dhe_accepted(const struct hq_tls_scan *sc)
{
	size_t i, k;

	for (i = 0; i < HQ_TLS_NVERSIONS; i++)
		for (k = 0; k < sc->v[i].nsuites; k++) {
			const struct hq_tls_suite *su =
			    hq_tls_suite_find(sc->v[i].suites[k]);

			if (su != NULL && (su->kx == HQ_TLS_KX_DHE ||
			    su->kx == HQ_TLS_KX_DHE_PSK))
				return true;
		}
	return false;
}

/*
 * The control handshake's job: its thread sets up OpenSSL's context while
 * the detection probe runs, then waits for the word (go: the port speaks
 * TLS; else it ends without connecting).
 */
struct control_job {
	struct hq_tls_hs_opts	 ho;
	struct hq_deadline	 dl;
	struct hq_tls_hs	 hs;
	struct hq_err		 err;
	int			 rc;
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	int			 word;	/* 0 wait, 1 go, -1 stop */
};

static void *
control_thread(void *arg)
{
	struct control_job *cj = arg;
	SSL_CTX *sctx = NULL;
	int word;

	cj->rc = hq_tlsenum_hs_ctx(&cj->ho, &sctx, &cj->err);
	pthread_mutex_lock(&cj->mu);
	while (cj->word == 0)
		pthread_cond_wait(&cj->cv, &cj->mu);
	word = cj->word;
	pthread_mutex_unlock(&cj->mu);
	if (cj->rc == 0 && word > 0)
		cj->rc = hq_tlsenum_handshake_ctx(sctx, &cj->ho, cj->dl,
		    &cj->hs, &cj->err);
	SSL_CTX_free(sctx);
	return NULL;
}

static void
control_word(struct control_job *cj, int word)
{
	pthread_mutex_lock(&cj->mu);
	cj->word = word;
	pthread_cond_signal(&cj->cv);
	pthread_mutex_unlock(&cj->mu);
}

/* Scans one port: detection, control handshake, enumeration; as JSON. */
static int
port_scan(struct hq_ctx *ctx, const struct tls_params *tp, unsigned port,
    struct hq_result *res, cJSON **outp, struct hq_err *err)
{
	struct hq_tlsenum_opts o;
	struct hq_tls_scan sc;
	struct hq_tls_hs hs;
	struct hq_tls_hs_opts ho = { 0 };
	struct control_job ctl;
	struct hq_tls_reply dr;
	struct hq_err herr = { 0 };
	cJSON *j = NULL, *vj, *sj, *pj;
	char why[192];
	bool is_tls, threaded = false;
	pthread_t th;
	size_t i;
	int rc;

	memset(&sc, 0, sizeof(sc));
	memset(&hs, 0, sizeof(hs));
	memset(&ctl, 0, sizeof(ctl));
	*outp = NULL;
	enum_opts(ctx, tp, port, &o);
	if ((j = cJSON_CreateObject()) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	cJSON_AddNumberToObject(j, "port", port);
	/* Control: a normal handshake with everything OpenSSL allows, on a
	 * thread of its own from the start (OpenSSL's set-up overlaps the
	 * detection; on a port that turns out not TLS it is discarded). */
	ctl.ho.addr = ctx->dut->address;
	ctl.ho.port = port;
	ctl.ho.sni = ctx->dut->name;
	ctl.ho.timeout_ms = (int)tp->hs_ms;
	ctl.dl = ctx->deadline;
	pthread_mutex_init(&ctl.mu, NULL);
	pthread_cond_init(&ctl.cv, NULL);
	if (pthread_create(&th, NULL, control_thread, &ctl) == 0)
		threaded = true;
	if ((rc = hq_tlsenum_detect(&o, ctx->deadline, &is_tls, why,
	    sizeof(why), &dr, &herr)) != 0) {
		if (rc == HQ_EINTR) {
			rc = hq_err_set(err, rc, "interrupted");
			goto out;
		}
		snprintf(why, sizeof(why), "%s", herr.msg);
		is_tls = false;
		hq_err_clear(&herr);
		rc = 0;
	}
	cJSON_AddBoolToObject(j, "tls", is_tls);
	cJSON_AddStringToObject(j, "detect", why);
	hq_step(res, "port %u: ClientHello probe: %s", port, why);
	if (!is_tls)
		goto done;
	if (threaded)
		control_word(&ctl, 1);
	else {
		ctl.word = 1;
		control_thread(&ctl);
	}
	/* The detection's ServerHello is an accepted pair already. */
	if (dr.kind == HQ_TLSR_HELLO && dr.version < HQ_TLS13) {
		o.seed_version = dr.version;
		o.seed_suite = dr.suite;
	}
	rc = hq_tlsenum_scan(&o, ctx->deadline, &sc, &herr);
	if (threaded) {
		pthread_join(th, NULL);
		threaded = false;
	}
	if (rc != 0) {
		rc = hq_err_set(err, rc, "%s", herr.msg);
		goto out;
	}
	hs = ctl.hs;
	memset(&ctl.hs, 0, sizeof(ctl.hs));
	if (ctl.rc == 0) {
		cJSON_AddBoolToObject(j, "control", true);
		cJSON_AddStringToObject(j, "control_version", hs.version);
		cJSON_AddStringToObject(j, "control_cipher", hs.cipher);
		hq_step(res, "port %u: control handshake completed: %s, %s",
		    port, hs.version, hs.cipher);
	} else {
		cJSON_AddBoolToObject(j, "control", false);
		cJSON_AddStringToObject(j, "control_error", ctl.err.msg);
		hq_step(res, "port %u: control handshake failed: %s", port,
		    ctl.err.msg);
	}
	ho = ctl.ho;
	hq_step(res, "port %u: enumeration: %zu probes in %lld ms (window "
	    "%u, %u chains per version), %zu undecided", port, sc.nprobes,
	    (long long)sc.elapsed_ms, o.window, o.chunks, sc.nerrors);
	cJSON_AddNumberToObject(j, "probes", (double)sc.nprobes);
	cJSON_AddNumberToObject(j, "elapsed_ms", (double)sc.elapsed_ms);
	vj = cJSON_AddObjectToObject(j, "versions");
	sj = cJSON_AddObjectToObject(j, "suites");
	pj = cJSON_AddObjectToObject(j, "server_preference");
	for (i = 0; i < HQ_TLS_NVERSIONS; i++) {
		const struct hq_tls_vresult *vr = &sc.v[i];
		const char *vn = hq_tls_version_name((uint16_t)(HQ_SSL3 + i));
		cJSON *e = cJSON_CreateObject();

		cJSON_AddStringToObject(e, "state", vstate_name(vr->state));
		if (vr->why[0] != '\0')
			cJSON_AddStringToObject(e, "why", vr->why);
		cJSON_AddBoolToObject(e, "complete", !vr->incomplete);
		cJSON_AddItemToObject(vj, vn, e);
		if (vr->nsuites > 0)
			cJSON_AddItemToObject(sj, vn, ids_json(vr->suites,
			    vr->nsuites, false));
		if (vr->pref != HQ_TLSP_UNKNOWN)
			cJSON_AddBoolToObject(pj, vn,
			    vr->pref == HQ_TLSP_SERVER);
	}
	cJSON_AddItemToObject(j, "groups_tls13", ids_json(sc.groups13,
	    sc.ngroups13, true));
	cJSON_AddBoolToObject(j, "groups_complete", sc.groups_done);
	/* DHE: the group size from a handshake limited to DHE suites, when
	 * the server accepts any. */
	hq_tls_hs_clear(&hs);
	ho.ciphers = "kEDH:@SECLEVEL=0";
	ho.max_version = TLS1_2_VERSION;
	if (dhe_accepted(&sc) &&
	    hq_tlsenum_handshake(&ho, ctx->deadline, &hs, &herr) == 0 &&
	    hs.tmp_bits > 0) {
		cJSON_AddNumberToObject(j, "dhe_bits", hs.tmp_bits);
		hq_step(res, "port %u: DHE handshake (%s): %s group of %d "
		    "bits", port, hs.cipher, hs.tmp_key, hs.tmp_bits);
	}
	hq_err_clear(&herr);
 done:
	*outp = j;
	j = NULL;
 out:
	if (threaded) {
		control_word(&ctl, -1);		/* not TLS, or an error */
		pthread_join(th, NULL);
	}
	pthread_cond_destroy(&ctl.cv);
	pthread_mutex_destroy(&ctl.mu);
	hq_tls_hs_clear(&ctl.hs);
	hq_tls_hs_clear(&hs);
	hq_tls_scan_clear(&sc);
	cJSON_Delete(j);
	return rc;
}

/* The scans of the TLS candidate ports: from the fact or fresh. */
static int
tls_ports(struct hq_ctx *ctx, const struct tls_params *tp,
    struct hq_result *res, cJSON **arrp, struct hq_err *err)
{
	struct cand c[TLS_PORTS_MAX];
	cJSON *cache, *arr = NULL;
	bool from_scan;
	size_t n, i;
	int rc = 0;

	*arrp = NULL;
	n = candidates(ctx, tp, c, TLS_PORTS_MAX, &from_scan);
	hq_step(res, "%zu candidate ports (%s, declared surfaces, params)", n,
	    from_scan ? "open ports from the surface scan" :
	    "no surface scan in this run");
	if ((cache = cJSON_GetObjectItemCaseSensitive(ctx->facts,
	    "tls_scan")) == NULL)
		cache = cJSON_AddObjectToObject(ctx->facts, "tls_scan");
	if (cache == NULL || (arr = cJSON_CreateArray()) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	for (i = 0; i < n; i++) {
		char key[8];
		cJSON *pj;

		/* Banner-first services identified by the surface scan are
		 * not TLS; skip them. */
		if (c[i].service != NULL && (strcmp(c[i].service, "ssh") ==
		    0 || strcmp(c[i].service, "telnet") == 0 ||
		    strcmp(c[i].service, "ftp") == 0 ||
		    strcmp(c[i].service, "smtp") == 0 ||
		    strcmp(c[i].service, "shell") == 0) &&
		    (c[i].sf == NULL || !c[i].sf->tls))
			continue;
		snprintf(key, sizeof(key), "%u", c[i].port);
		if ((pj = cJSON_GetObjectItemCaseSensitive(cache, key)) !=
		    NULL) {
			hq_step(res, "port %u: enumeration of this run reused",
			    c[i].port);
			cJSON_AddItemToArray(arr, cJSON_Duplicate(pj, 1));
			continue;
		}
		if ((rc = port_scan(ctx, tp, c[i].port, res, &pj, err)) != 0)
			goto out;
		if (c[i].sf != NULL)
			cJSON_AddStringToObject(pj, "declared_as",
			    c[i].sf->id);
		if (c[i].sf != NULL && c[i].sf->tls)
			cJSON_AddBoolToObject(pj, "declared_tls", true);
		cJSON_AddItemToObject(cache, key, cJSON_Duplicate(pj, 1));
		cJSON_AddItemToArray(arr, pj);
	}
	*arrp = arr;
	arr = NULL;
 out:
	cJSON_Delete(arr);
	return rc;
}

static int
save_json(struct hq_ctx *ctx, struct hq_result *res, const char *what,
    cJSON *doc, struct hq_err *err)
{
	char slug[128], rel[224], *text;
	int rc;

	hq_slug(ctx->tc->id, slug, sizeof(slug));
	snprintf(rel, sizeof(rel), "tls/%s-%s.json", slug, what);
	if ((text = cJSON_Print(doc)) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	rc = hq_evidence_write(ctx->ev, rel, "scan", text, strlen(text), err);
	free(text);
	if (rc == 0)
		hq_result_evidence(res, rel);
	return rc;
}

static bool
jbool(const cJSON *o, const char *k)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, k));
}

static const char *
jstr(const cJSON *o, const char *k)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(s) ? s->valuestring : "";
}

/* Common verdict tail of protocols and suites. */
static void
verdict(struct hq_result *res, size_t nfind, size_t ntls, size_t nctl_bad,
    size_t nundecided, const char *first, const char *what_ok)
{
	if (nfind > 0)
		hq_verdict(res, HQ_FAIL, "%zu finding%s (see findings)", nfind,
		    nfind == 1 ? "" : "s");
	else if (ntls == 0)
		hq_verdict(res, HQ_INCONCLUSIVE, "control failed: no port "
		    "answered a TLS ClientHello, so there is nothing to "
		    "judge (cleartext surfaces are a separate check)");
	else if (nctl_bad > 0)
		hq_verdict(res, HQ_INCONCLUSIVE, "control failed: %zu TLS "
		    "port%s did not complete a normal handshake (%s)",
		    nctl_bad, nctl_bad == 1 ? "" : "s", first);
	else if (nundecided > 0)
		hq_verdict(res, HQ_INCONCLUSIVE, "%zu probe chain%s could not "
		    "be decided (%s)", nundecided, nundecided == 1 ? "" : "s",
		    first);
	else
		hq_verdict(res, HQ_PASS, "%zu TLS port%s: %s", ntls,
		    ntls == 1 ? "" : "s", what_ok);
}

static int
run_protocols(struct hq_ctx *ctx, const struct tls_params *tp,
    struct hq_result *res, struct hq_err *err)
{
	cJSON *arr = NULL, *pj;
	size_t ntls = 0, nbad = 0, nctl = 0, nund = 0, i;
	char first[256] = "";
	int rc;

	if ((rc = tls_ports(ctx, tp, res, &arr, err)) != 0)
		return rc;
	cJSON_ArrayForEach(pj, arr) {
		const cJSON *vj = cJSON_GetObjectItemCaseSensitive(pj,
		    "versions");
		unsigned port = (unsigned)cJSON_GetObjectItemCaseSensitive(pj,
		    "port")->valuedouble;
		bool ok_any = false;

		if (!jbool(pj, "tls")) {
			if (jbool(pj, "declared_tls"))
				hq_step(res, "port %u is declared as TLS but "
				    "gave no TLS answer (%s)", port,
				    jstr(pj, "detect"));
			continue;
		}
		ntls++;
		if (!jbool(pj, "control")) {
			nctl++;
			if (first[0] == '\0')
				snprintf(first, sizeof(first), "port %u: %s; "
				    "%s", port, jstr(pj, "control_error"),
				    jstr(pj, "detect"));
		}
		for (i = 0; i < HQ_TLS_NVERSIONS; i++) {
			uint16_t v = (uint16_t)(HQ_SSL3 + i);
			const char *vn = hq_tls_version_name(v);
			const cJSON *e = cJSON_GetObjectItemCaseSensitive(vj,
			    vn);
			const char *st = jstr(e, "state");

			if (strcmp(st, "accepted") == 0 && v < tp->min_version) {
				nbad++;
				hq_finding(res, "port %u accepts %s (profile "
				    "minimum %s)", port, vn,
				    hq_tls_version_name(tp->min_version));
			}
			if (strcmp(st, "accepted") == 0 && v >= tp->min_version)
				ok_any = true;
			if (strcmp(st, "undecided") == 0 &&
			    v < tp->min_version) {
				nund++;
				hq_step(res, "port %u: %s undecided: %s", port,
				    vn, jstr(e, "why"));
				if (first[0] == '\0')
					snprintf(first, sizeof(first), "port "
					    "%u: %s: %s", port, vn,
					    jstr(e, "why"));
			}
		}
		if (tp->require13 && strcmp(jstr(cJSON_GetObjectItemCaseSensitive(
		    vj, "TLSv1.3"), "state"), "accepted") != 0) {
			nbad++;
			hq_finding(res, "port %u does not offer TLSv1.3, which "
			    "the profile requires", port);
		}
		if (!ok_any) {
			bool decided = jbool(pj, "control");

			for (i = tp->min_version - HQ_SSL3;
			    i < HQ_TLS_NVERSIONS; i++)
				if (strcmp(jstr(cJSON_GetObjectItemCaseSensitive(
				    vj, hq_tls_version_name((uint16_t)(HQ_SSL3 +
				    i))), "state"), "refused") != 0)
					decided = false;
			if (decided) {
				nbad++;
				hq_finding(res, "port %u accepts no protocol "
				    "version at or above %s", port,
				    hq_tls_version_name(tp->min_version));
			} else {
				nund++;
				if (first[0] == '\0')
					snprintf(first, sizeof(first), "port "
					    "%u: no version at or above %s "
					    "decided; %s", port,
					    hq_tls_version_name(
					    tp->min_version),
					    jstr(pj, "detect"));
			}
		}
	}
	if ((rc = save_json(ctx, res, "ports", arr, err)) != 0)
		goto out;
	hq_detail(res, "ports", arr);
	arr = NULL;
	{
		char ok[96];

		snprintf(ok, sizeof(ok), "no protocol version below %s "
		    "accepted", hq_tls_version_name(tp->min_version));
		verdict(res, nbad, ntls, nctl, nund, first, ok);
	}
 out:
	cJSON_Delete(arr);
	return rc;
}

static int
run_suites(struct hq_ctx *ctx, const struct tls_params *tp,
    struct hq_result *res, struct hq_err *err)
{
	cJSON *arr = NULL, *pj;
	size_t ntls = 0, nbad = 0, nctl = 0, nund = 0, i, nacc = 0;
	char first[256] = "";
	int rc;

	if ((rc = tls_ports(ctx, tp, res, &arr, err)) != 0)
		return rc;
	cJSON_ArrayForEach(pj, arr) {
		const cJSON *vj = cJSON_GetObjectItemCaseSensitive(pj,
		    "versions");
		const cJSON *sj = cJSON_GetObjectItemCaseSensitive(pj,
		    "suites");
		const cJSON *prj = cJSON_GetObjectItemCaseSensitive(pj,
		    "server_preference");
		const cJSON *dh = cJSON_GetObjectItemCaseSensitive(pj,
		    "dhe_bits");
		unsigned port = (unsigned)cJSON_GetObjectItemCaseSensitive(pj,
		    "port")->valuedouble;

		if (!jbool(pj, "tls"))
			continue;
		ntls++;
		if (!jbool(pj, "control")) {
			nctl++;
			if (first[0] == '\0')
				snprintf(first, sizeof(first), "port %u: %s; "
				    "%s", port, jstr(pj, "control_error"),
				    jstr(pj, "detect"));
		}
		for (i = 0; i < HQ_TLS_NVERSIONS; i++) {
			const char *vn = hq_tls_version_name(
			    (uint16_t)(HQ_SSL3 + i));
			const cJSON *e = cJSON_GetObjectItemCaseSensitive(vj,
			    vn), *s;
			const cJSON *pref = cJSON_GetObjectItemCaseSensitive(
			    prj, vn);

			if (e == NULL)
				continue;
			if (!jbool(e, "complete")) {
				nund++;
				hq_step(res, "port %u: %s suites incomplete: %s",
				    port, vn, jstr(e, "why"));
				if (first[0] == '\0')
					snprintf(first, sizeof(first), "port "
					    "%u: %s: %s", port, vn,
					    jstr(e, "why"));
			}
			cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(
			    sj, vn)) {
				const struct hq_tls_suite *su =
				    hq_tls_suite_by_name(s->valuestring);
				char fl[96];

				nacc++;
				if (su == NULL)
					continue;
				if ((su->flags & tp->banned) != 0) {
					nbad++;
					hq_finding(res, "port %u accepts %s "
					    "with %s (banned: %s)", port, vn,
					    su->iana, hq_tls_flags_str(
					    su->flags & tp->banned, fl,
					    sizeof(fl)));
				} else if (has(tp->banned_suites,
				    tp->nbanned_suites, su->iana) ||
				    (su->openssl[0] != '\0' &&
				    has(tp->banned_suites, tp->nbanned_suites,
				    su->openssl))) {
					nbad++;
					hq_finding(res, "port %u accepts %s "
					    "with %s (banned by name)", port,
					    vn, su->iana);
				}
			}
			if (tp->require_pref && cJSON_IsFalse(pref)) {
				nbad++;
				hq_finding(res, "port %u: %s follows the "
				    "client's suite order, the profile "
				    "requires the server's", port, vn);
			}
		}
		if (cJSON_IsNumber(dh) && tp->min_dh > 0 &&
		    dh->valuedouble < (double)tp->min_dh) {
			nbad++;
			hq_finding(res, "port %u: DHE with a %.0f-bit group "
			    "(profile minimum %lld)", port, dh->valuedouble,
			    tp->min_dh);
		}
	}
	hq_measure(res, "accepted_suites", (double)nacc, "suites", NULL, 0,
	    0);
	if ((rc = save_json(ctx, res, "suites", arr, err)) != 0)
		goto out;
	hq_detail(res, "ports", arr);
	arr = NULL;
	verdict(res, nbad, ntls, nctl, nund, first, "no banned cipher suite "
	    "accepted, key exchange within the profile");
 out:
	cJSON_Delete(arr);
	return rc;
}

/* Certificate. */

static void
x509_name(X509_NAME *n, char *buf, size_t bufsz)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p = NULL;
	long len;

	buf[0] = '\0';
	if (b == NULL)
		return;
	ERR_clear_error();
	if (X509_NAME_print_ex(b, n, 0, XN_FLAG_ONELINE) >= 0 &&
	    (len = BIO_get_mem_data(b, &p)) > 0)
		hq_escape(buf, bufsz, p, (size_t)len);
	BIO_free(b);
}

static int
cert_port(struct hq_ctx *ctx, const struct tls_params *tp, unsigned port,
    struct hq_result *res, cJSON *pj, size_t *nbadp, bool *controlp,
    char *first, size_t firstsz, struct hq_err *err)
{
	const struct hq_dut *dut = ctx->dut;
	struct hq_tls_hs_opts ho = { 0 };
	struct hq_tls_hs hs;
	struct hq_err herr = { 0 };
	BIO *pem = NULL;
	cJSON *cj;
	char subj[256], iss[256], slug[128], rel[224];
	int i, n, rc = 0;

	*controlp = false;
	ho.addr = dut->address;
	ho.port = port;
	ho.sni = dut->name;
	ho.timeout_ms = (int)tp->hs_ms;
	ho.ca_file = tp->ca_file;
	if (hq_tlsenum_handshake(&ho, ctx->deadline, &hs, &herr) != 0) {
		hq_step(res, "port %u: control handshake failed: %s", port,
		    herr.msg);
		if (first[0] == '\0')
			snprintf(first, firstsz, "port %u: %s", port,
			    herr.msg);
		return 0;
	}
	if (hs.chain == NULL || (n = sk_X509_num(hs.chain)) == 0) {
		hq_step(res, "port %u: no certificate sent (%s)", port,
		    hs.cipher);
		if (first[0] == '\0')
			snprintf(first, firstsz, "port %u: no certificate "
			    "sent", port);
		goto out;
	}
	*controlp = true;
	hq_step(res, "port %u: handshake %s %s, %d certificate%s", port,
	    hs.version, hs.cipher, n, n == 1 ? "" : "s");
	cj = cJSON_AddArrayToObject(pj, "chain");
	if ((pem = BIO_new(BIO_s_mem())) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "no memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		X509 *x = sk_X509_value(hs.chain, i);
		EVP_PKEY *pk = X509_get0_pubkey(x);
		const ASN1_TIME *nb = X509_get0_notBefore(x);
		const ASN1_TIME *na = X509_get0_notAfter(x);
		int md = NID_undef, pkn = NID_undef, bits = 0, dd = 0, ds = 0;
		bool self = X509_check_issued(x, x) == X509_V_OK;
		const char *kt, *mdn;
		cJSON *e = cJSON_CreateObject();

		ERR_clear_error();
		(void)PEM_write_bio_X509(pem, x);
		x509_name(X509_get_subject_name(x), subj, sizeof(subj));
		x509_name(X509_get_issuer_name(x), iss, sizeof(iss));
		if (pk != NULL)
			bits = EVP_PKEY_get_bits(pk);
		kt = pk != NULL ? EVP_PKEY_get0_type_name(pk) : NULL;
		if (kt == NULL)
			kt = "?";
		ERR_clear_error();
		(void)X509_get_signature_info(x, &md, &pkn, NULL, NULL);
		mdn = md != NID_undef ? OBJ_nid2sn(md) : "none";
		cJSON_AddStringToObject(e, "subject", subj);
		cJSON_AddStringToObject(e, "issuer", iss);
		cJSON_AddStringToObject(e, "key", kt);
		cJSON_AddNumberToObject(e, "key_bits", bits);
		cJSON_AddStringToObject(e, "signature_hash", mdn);
		cJSON_AddBoolToObject(e, "self_signed", self);
		cJSON_AddItemToArray(cj, e);
		hq_step(res, "port %u: cert %d: %s; issuer %s; %s %d bits; "
		    "signed with %s%s", port, i, subj, iss, kt, bits, mdn,
		    self ? "; self-signed" : "");
		/* The leaf's key and every signature but a root's (its
		 * signature is not checked by anyone). */
		if (i == 0) {
			if (strcmp(kt, "RSA") == 0 || strcmp(kt,
			    "RSA-PSS") == 0) {
				if (bits < tp->min_rsa) {
					(*nbadp)++;
					hq_finding(res, "port %u: RSA key of "
					    "%d bits (profile minimum %lld)",
					    port, bits, tp->min_rsa);
				}
			} else if (strcmp(kt, "EC") == 0) {
				if (bits < tp->min_ec) {
					(*nbadp)++;
					hq_finding(res, "port %u: EC key of "
					    "%d bits (profile minimum %lld)",
					    port, bits, tp->min_ec);
				}
			} else if (strcmp(kt, "DSA") == 0 ||
			    strcmp(kt, "DH") == 0) {
				(*nbadp)++;
				hq_finding(res, "port %u: %s key in the "
				    "certificate", port, kt);
			}
		}
		if ((i == 0 || !self) && (has(tp->bad_hashes,
		    tp->nbad_hashes, "SHA1") && md == NID_sha1)) {
			(*nbadp)++;
			hq_finding(res, "port %u: certificate %d (%s) has a "
			    "SHA-1 signature", port, i, subj);
		}
		if ((i == 0 || !self) && has(tp->bad_hashes, tp->nbad_hashes,
		    "MD5") && md == NID_md5) {
			(*nbadp)++;
			hq_finding(res, "port %u: certificate %d (%s) has an "
			    "MD5 signature", port, i, subj);
		}
		if ((i == 0 || !self) && has(tp->bad_hashes, tp->nbad_hashes,
		    "SHA224") && md == NID_sha224) {
			(*nbadp)++;
			hq_finding(res, "port %u: certificate %d (%s) has a "
			    "SHA-224 signature", port, i, subj);
		}
		ERR_clear_error();
		if (X509_cmp_time(nb, NULL) > 0) {
			(*nbadp)++;
			hq_finding(res, "port %u: certificate %d (%s) is not "
			    "valid yet", port, i, subj);
		}
		ERR_clear_error();
		if (na != NULL && ASN1_TIME_diff(&dd, &ds, NULL, na) == 1) {
			cJSON_AddNumberToObject(e, "days_left", dd);
			if (dd < 0 || (dd == 0 && ds < 0)) {
				(*nbadp)++;
				hq_finding(res, "port %u: certificate %d (%s) "
				    "expired %d days ago", port, i, subj,
				    -dd);
			} else if (dd < tp->min_days) {
				(*nbadp)++;
				hq_finding(res, "port %u: certificate %d (%s) "
				    "expires in %d days (profile minimum "
				    "%lld)", port, i, subj, dd, tp->min_days);
			}
		}
		if (i == 0 && self) {
			if (!tp->allow_self) {
				(*nbadp)++;
				hq_finding(res, "port %u: self-signed "
				    "certificate", port);
			} else {
				hq_step(res, "note: port %u: self-signed "
				    "certificate (the profile allows it)",
				    port);
			}
		}
		if (i == 0 && tp->check_name) {
			int m;

			ERR_clear_error();
			if (dut->name == NULL) {
				hq_step(res, "note: the DUT description gives "
				    "no TLS name (identity.name); the "
				    "certificate name is not checked");
			} else if ((m = X509_check_host(x, dut->name, 0, 0,
			    NULL)) != 1 && X509_check_ip_asc(x, dut->name,
			    0) != 1) {
				(*nbadp)++;
				hq_finding(res, "port %u: certificate names "
				    "(%s) do not match the DUT's name \"%s\"",
				    port, subj, dut->name);
			} else {
				hq_step(res, "port %u: certificate matches "
				    "\"%s\"", port, dut->name);
			}
		}
	}
	if (tp->ca_file != NULL && !hs.verified) {
		(*nbadp)++;
		hq_finding(res, "port %u: chain does not verify against %s: "
		    "%s", port, tp->ca_file,
		    X509_verify_cert_error_string(hs.verify));
	}
	{
		char *p = NULL;
		long len = BIO_get_mem_data(pem, &p);

		hq_slug(ctx->tc->id, slug, sizeof(slug));
		snprintf(rel, sizeof(rel), "tls/%s-%u-chain.pem", slug, port);
		if (len > 0 && (rc = hq_evidence_write(ctx->ev, rel,
		    "certificate", p, (size_t)len, err)) != 0)
			goto out;
		if (len > 0)
			hq_result_evidence(res, rel);
	}
 out:
	BIO_free(pem);
	hq_tls_hs_clear(&hs);
	return rc;
}

static int
run_certificate(struct hq_ctx *ctx, const struct tls_params *tp,
    struct hq_result *res, struct hq_err *err)
{
	struct hq_tlsenum_opts o;
	struct cand c[TLS_PORTS_MAX];
	cJSON *arr = NULL;
	size_t n, i, ntls = 0, nbad = 0, nctl = 0;
	char first[256] = "";
	bool from_scan;
	int rc = 0;

	n = candidates(ctx, tp, c, TLS_PORTS_MAX, &from_scan);
	if ((arr = cJSON_CreateArray()) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	for (i = 0; i < n; i++) {
		struct hq_err derr = { 0 };
		char why[192];
		bool is_tls = false, control;
		cJSON *pj;

		enum_opts(ctx, tp, c[i].port, &o);
		if (hq_tlsenum_detect(&o, ctx->deadline, &is_tls, why,
		    sizeof(why), NULL, &derr) != 0 || !is_tls)
			continue;
		ntls++;
		pj = cJSON_CreateObject();
		cJSON_AddNumberToObject(pj, "port", c[i].port);
		cJSON_AddItemToArray(arr, pj);
		if ((rc = cert_port(ctx, tp, c[i].port, res, pj, &nbad,
		    &control, first, sizeof(first), err)) != 0)
			goto out;
		if (!control)
			nctl++;
	}
	if ((rc = save_json(ctx, res, "certificates", arr, err)) != 0)
		goto out;
	hq_detail(res, "ports", arr);
	arr = NULL;
	verdict(res, nbad, ntls, nctl, 0, first, "certificate keys, signatures, "
	    "validity and names within the profile");
 out:
	cJSON_Delete(arr);
	return rc;
}

/* Cleartext surfaces. */

struct http_reply {
	unsigned	 status;
	char		 location[256];
	char		 auth[64];	/* WWW-Authenticate scheme */
	bool		 password_field;
	size_t		 len;
};

/* One request, one bounded reply; parsed with hq_rd. */
static int
text_exchange(const char *addr, unsigned port, const char *req,
    int timeout_ms, struct hq_deadline dl, const char *proto,
    struct http_reply *hr, struct hq_transcript *tr, struct hq_err *err)
{
	struct hq_deadline t = hq_deadline_min(dl,
	    hq_deadline_in(timeout_ms));
	uint8_t *buf = NULL;
	struct hq_rd rd;
	const char *line;
	size_t len = 0, ll;
	bool first = true;
	int fd = -1, rc;

	memset(hr, 0, sizeof(*hr));
	if ((rc = hq_net_connect(addr, port, t, &fd, err)) != 0)
		return rc;
	if ((buf = malloc(TLS_HTTP_REPLY_MAX)) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "no memory");
		goto out;
	}
	hq_transcript_printf(tr, "-> %u/tcp:\n", port);
	hq_transcript_bytes(tr, "->", req, strlen(req));
	if ((rc = hq_net_write_all(fd, req, strlen(req), t, err)) != 0 ||
	    (rc = hq_net_read_some(fd, buf, TLS_HTTP_REPLY_MAX, t, 300, &len,
	    err)) != 0)
		goto out;
	hq_transcript_bytes(tr, "<-", buf, len > 1024 ? 1024 : len);
	hr->len = len;
	rd.p = buf;
	rd.len = len;
	while (hq_rd_line(&rd, TLS_HTTP_LINE_MAX, &line, &ll) == 0) {
		if (first) {
			uint64_t v;
			size_t pl = strlen(proto);

			first = false;
			if (ll < pl + 5 || memcmp(line, proto, pl) != 0 ||
			    line[pl + 3] != ' ')
				break;
			/* "HTTP/1.1 200 OK": three digits after the space */
			{
				const char *sp = memchr(line, ' ', ll);

				if (sp == NULL || (size_t)(line + ll - sp) < 4 ||
				    hq_parse_u64(sp + 1, 3, 999, &v) != 0)
					break;
			}
			hr->status = (unsigned)v;
			continue;
		}
		if (ll == 0)
			break;
		if (ll > 9 && strncasecmp(line, "Location:", 9) == 0) {
			size_t o = 9;

			while (o < ll && line[o] == ' ')
				o++;
			hq_escape(hr->location, sizeof(hr->location), line + o,
			    ll - o);
		} else if (ll > 17 && strncasecmp(line, "WWW-Authenticate:",
		    17) == 0) {
			size_t o = 17, e;

			while (o < ll && line[o] == ' ')
				o++;
			for (e = o; e < ll && line[e] != ' '; e++)
				;
			hq_escape(hr->auth, sizeof(hr->auth), line + o, e - o);
		}
	}
	hr->password_field = memmem(buf, len, "type=\"password\"", 15) !=
	    NULL || memmem(buf, len, "type='password'", 15) != NULL ||
	    memmem(buf, len, "type=password", 13) != NULL;
 out:
	free(buf);
	if (fd >= 0)
		close(fd);
	return rc;
}

/* MQTT 3.1.1 CONNECT without credentials: the CONNACK return code. */
static int
mqtt_try(const char *addr, unsigned port, int timeout_ms,
    struct hq_deadline dl, int *codep, struct hq_transcript *tr,
    struct hq_err *err)
{
	static const uint8_t req[] = {
		0x10, 0x12, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02,
		0x00, 0x0a, 0x00, 0x06, 'h', 'q', '-', 't', 'l', 's'
	};
	struct hq_deadline t = hq_deadline_min(dl,
	    hq_deadline_in(timeout_ms));
	uint8_t buf[16];
	struct hq_rd rd;
	uint8_t type, rl, flags, code;
	size_t len;
	int fd = -1, rc;

	*codep = -1;
	if ((rc = hq_net_connect(addr, port, t, &fd, err)) != 0)
		return rc;
	if ((rc = hq_net_write_all(fd, req, sizeof(req), t, err)) != 0 ||
	    (rc = hq_net_read_some(fd, buf, 4, t, 300, &len, err)) != 0)
		goto out;
	hq_transcript_printf(tr, "mqtt %u/tcp: CONNECT (no credentials)\n",
	    port);
	hq_transcript_bytes(tr, "<-", buf, len);
	rd.p = buf;
	rd.len = len;
	if (hq_rd_u8(&rd, &type) == 0 && type == 0x20 &&
	    hq_rd_u8(&rd, &rl) == 0 && rl == 2 &&
	    hq_rd_u8(&rd, &flags) == 0 && hq_rd_u8(&rd, &code) == 0)
		*codep = code;
 out:
	close(fd);
	return rc;
}

/* A declared surface's HTTP login path ("path" or "request.path"), or
 * NULL; only absolute paths without spaces or line breaks. */
static const char *
login_path(const struct hq_surface *s)
{
	const cJSON *pp, *rq;

	if (s->login == NULL)
		return NULL;
	pp = cJSON_GetObjectItemCaseSensitive(s->login, "path");
	if (!cJSON_IsString(pp) && (rq = cJSON_GetObjectItemCaseSensitive(
	    s->login, "request")) != NULL)
		pp = cJSON_GetObjectItemCaseSensitive(rq, "path");
	if (!cJSON_IsString(pp) || pp->valuestring[0] != '/' ||
	    strpbrk(pp->valuestring, " \r\n") != NULL)
		return NULL;
	return pp->valuestring;
}

/* True when path came earlier in run_cleartext's list (index k). */
static bool
path_seen(const struct tls_params *tp, const struct hq_dut *dut, size_t k,
    const char *path)
{
	size_t i;
	const char *q;

	for (i = 0; i < k; i++) {
		q = i < tp->nhttp_paths ? tp->http_paths[i] :
		    login_path(&dut->surfaces[i - tp->nhttp_paths]);
		if (q != NULL && strcmp(q, path) == 0)
			return true;
	}
	return false;
}

/* A port the cleartext check could not examine: listed; missing too
 * when its declared protocol is one the profile requires. */
static void
ct_not_checked(struct ct_sum *sum, const struct tls_params *tp,
    const struct hq_surface *sf, unsigned port, const char *why)
{
	size_t o = strlen(sum->notchecked), m = strlen(sum->missing);

	if (o + 4 < sizeof(sum->notchecked))
		snprintf(sum->notchecked + o, sizeof(sum->notchecked) - o,
		    "%sport %u%s%s (%s)", o > 0 ? "; " : "", port,
		    sf != NULL ? ", declared as " : "", sf != NULL ? sf->id :
		    "", why);
	if (sf != NULL && has(tp->required, tp->nrequired, sf->proto) &&
	    m + 4 < sizeof(sum->missing))
		snprintf(sum->missing + m, sizeof(sum->missing) - m,
		    "%s%s (%s, port %u)", m > 0 ? ", " : "", sf->id, sf->proto,
		    port);
}

/*
 * The cleartext verdict from what ran: FAIL on findings; INCONCLUSIVE
 * when nothing answered, when a port the profile requires could not be
 * examined, or when nothing shows encryption; else PASS naming what was
 * counted as encrypted and what was not checked.
 */
static void
cleartext_verdict(struct hq_result *res, const struct ct_sum *s)
{
	if (s->nbad > 0)
		hq_verdict(res, HQ_FAIL, "%zu cleartext surface%s (see "
		    "findings)", s->nbad, s->nbad == 1 ? "" : "s");
	else if (s->nexam == 0)
		hq_verdict(res, HQ_INCONCLUSIVE, "control failed: no port "
		    "answered, so no surface could be examined%s%s",
		    s->notchecked[0] != '\0' ? "; not checked: " : "",
		    s->notchecked);
	else if (s->missing[0] != '\0')
		hq_verdict(res, HQ_INCONCLUSIVE, "required by the profile but "
		    "not checked: %s", s->missing);
	else if (s->ntls + s->nssh + s->nredir == 0)
		hq_verdict(res, HQ_INCONCLUSIVE, "no TLS port, no SSH and no "
		    "redirect to HTTPS seen: nothing shows that credentials "
		    "and personal data travel encrypted%s%s",
		    s->notchecked[0] != '\0' ? "; not checked: " : "",
		    s->notchecked);
	else
		hq_verdict(res, HQ_PASS, "%zu port%s examined: no cleartext "
		    "login surface; encrypted: %zu TLS, %zu SSH, %zu "
		    "redirecting to HTTPS%s%s", s->nexam, s->nexam == 1 ? "" :
		    "s", s->ntls, s->nssh, s->nredir, s->notchecked[0] !=
		    '\0' ? "; not checked: " : "", s->notchecked);
}

static int
run_cleartext(struct hq_ctx *ctx, const struct tls_params *tp,
    struct hq_result *res, struct hq_err *err)
{
	const struct hq_dut *dut = ctx->dut;
	struct hq_tlsenum_opts o;
	struct cand c[TLS_PORTS_MAX];
	struct hq_transcript *tr = NULL;
	cJSON *arr = NULL;
	struct ct_sum sum;
	size_t n, i, k;
	bool from_scan;
	char slug[128], rel[224];
	int rc = 0;

	memset(&sum, 0, sizeof(sum));
	n = candidates(ctx, tp, c, TLS_PORTS_MAX, &from_scan);
	hq_step(res, "%zu ports to examine (%s)", n, from_scan ?
	    "open ports from the surface scan and declared surfaces" :
	    "declared surfaces; no surface scan in this run");
	if ((tr = hq_transcript_new(256 * 1024)) == NULL ||
	    (arr = cJSON_CreateArray()) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "no memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		unsigned port = c[i].port;
		const struct hq_surface *sf = c[i].sf;
		struct hq_service svc;
		struct hq_err ierr = { 0 };
		char why[192];
		bool is_tls = false;
		const char *name;
		cJSON *pj = cJSON_CreateObject();

		cJSON_AddNumberToObject(pj, "port", port);
		cJSON_AddItemToArray(arr, pj);
		enum_opts(ctx, tp, port, &o);
		if (hq_tlsenum_detect(&o, ctx->deadline, &is_tls, why,
		    sizeof(why), NULL, &ierr) == 0 && is_tls &&
		    strncmp(why, "malformed", 9) == 0) {
			/* TLS-like bytes that do not parse: no evidence of
			 * encryption (nor of cleartext). */
			cJSON_AddStringToObject(pj, "service", "tls-malformed");
			hq_step(res, "port %u: %s", port, why);
			ct_not_checked(&sum, tp, sf, port, "a malformed TLS "
			    "answer");
			sum.nexam++;
			continue;
		}
		if (is_tls && ierr.code == 0) {
			cJSON_AddStringToObject(pj, "service", "tls");
			hq_step(res, "port %u: TLS (%s)", port, why);
			sum.nexam++;
			sum.ntls++;
			continue;
		}
		hq_err_clear(&ierr);
		if (hq_service_identify_as(dut->address, port, sf != NULL ?
		    sf->proto : NULL, (int)tp->probe_ms, ctx->deadline, &svc,
		    &ierr) != 0) {
			if (ierr.code == HQ_EINTR) {
				rc = hq_err_set(err, HQ_EINTR, "interrupted");
				goto out;
			}
			hq_step(res, "port %u: no answer (%s)", port, ierr.msg);
			cJSON_AddStringToObject(pj, "service", "closed");
			ct_not_checked(&sum, tp, sf, port, "no answer");
			continue;
		}
		name = svc.name;
		/* A declared protocol the probes could not name (not for a
		 * surface declared TLS: its cleartext protocol is not
		 * what answers there); a port
		 * declared as telnet is telnet whatever they made of it
		 * (the surface family judges it the same way). */
		if ((strcmp(name, "unknown") == 0 && sf != NULL &&
		    !sf->tls) || (sf != NULL && strcmp(sf->proto,
		    "telnet") == 0))
			name = sf->proto;
		if (strcmp(name, "unknown") == 0 &&
		    hq_portset_has(&tp->mqtt_ports, port))
			name = "mqtt";
		cJSON_AddStringToObject(pj, "service", name);
		hq_step(res, "port %u: %s (%s)%s%s", port, name, svc.how,
		    sf != NULL ? ", declared as " : "", sf != NULL ? sf->id :
		    "");
		hq_transcript_printf(tr, "port %u/tcp: %s (%s)\n", port, name,
		    svc.how);
		if (strcmp(name, "unknown") == 0) {
			ct_not_checked(&sum, tp, sf, port, "no probe named the "
			    "service");
			continue;
		}
		sum.nexam++;
		if (strcmp(name, "ssh") == 0) {
			/* SSH is encrypted (RFC 4253): it counts like TLS. */
			sum.nssh++;
		} else if (strcmp(name, "telnet") == 0) {
			if (has(tp->forbid, tp->nforbid, "telnet")) {
				sum.nbad++;
				hq_finding(res, "port %u: telnet, a cleartext "
				    "remote login", port);
			}
		} else if (strcmp(name, "ftp") == 0) {
			if (has(tp->forbid, tp->nforbid, "ftp")) {
				sum.nbad++;
				hq_finding(res, "port %u: FTP, credentials in "
				    "cleartext", port);
			}
		} else if (strcmp(name, "http") == 0) {
			bool login = false, redirect = false;

			/* The profile's paths, then the login paths of this
			 * port's surface and of every declared HTTP(S)
			 * surface: a login the DUT serves over HTTPS must
			 * not answer on a cleartext port too. */
			for (k = 0; k < tp->nhttp_paths + dut->nsurfaces;
			    k++) {
				const char *path = k < tp->nhttp_paths ?
				    tp->http_paths[k] : NULL;
				struct http_reply hr;
				char req[512];

				if (path == NULL) {
					const struct hq_surface *s2 =
					    &dut->surfaces[k -
					    tp->nhttp_paths];

					if (s2 == sf || strcmp(s2->proto,
					    "http") == 0 || strcmp(s2->proto,
					    "https") == 0)
						path = login_path(s2);
					if (path != NULL && path_seen(tp, dut,
					    k, path))
						path = NULL;
				}
				if (path == NULL)
					continue;
				snprintf(req, sizeof(req), "GET %.300s HTTP/1.1"
				    "\r\nHost: %s\r\nUser-Agent: hopquy\r\n"
				    "Connection: close\r\n\r\n", path,
				    dut->name != NULL ? dut->name :
				    dut->address);
				hq_err_clear(&ierr);
				if (text_exchange(dut->address, port, req,
				    (int)tp->probe_ms, ctx->deadline, "HTTP/",
				    &hr, tr, &ierr) != 0) {
					hq_step(res, "port %u: GET %s: %s",
					    port, path, ierr.msg);
					continue;
				}
				hq_step(res, "port %u: GET %s -> %u%s%s%s%s",
				    port, path, hr.status,
				    hr.location[0] ? " Location: " : "",
				    hr.location, hr.auth[0] ?
				    " WWW-Authenticate: " : "", hr.auth);
				if (hr.status >= 300 && hr.status < 400 &&
				    strncasecmp(hr.location, "https://", 8) ==
				    0)
					redirect = true;
				else if (hr.status == 401 && hr.auth[0]) {
					login = true;
					hq_finding(res, "port %u: %s asks for "
					    "%s credentials over cleartext "
					    "HTTP", port, path, hr.auth);
				} else if (hr.status == 200 &&
				    hr.password_field) {
					login = true;
					hq_finding(res, "port %u: %s serves a "
					    "login form over cleartext HTTP "
					    "without redirecting to HTTPS",
					    port, path);
				}
			}
			if (!login && sf != NULL && sf->login_kind != NULL) {
				login = true;
				hq_finding(res, "port %u: declared surface %s "
				    "takes %s logins over cleartext HTTP",
				    port, sf->id, sf->login_kind);
			}
			if (login && has(tp->forbid, tp->nforbid,
			    "http-login"))
				sum.nbad++;
			else if (redirect)
				sum.nredir++;
			cJSON_AddBoolToObject(pj, "login", login);
			cJSON_AddBoolToObject(pj, "redirects_to_https",
			    redirect);
		} else if (strcmp(name, "rtsp") == 0) {
			struct http_reply hr;
			char req[512];
			const char *path = "/";
			bool creds = false;

			if (sf != NULL && sf->login != NULL) {
				const cJSON *pp =
				    cJSON_GetObjectItemCaseSensitive(sf->login,
				    "path");

				if (cJSON_IsString(pp) &&
				    pp->valuestring[0] == '/' &&
				    strpbrk(pp->valuestring, " \r\n") == NULL)
					path = pp->valuestring;
			}
			snprintf(req, sizeof(req), "DESCRIBE rtsp://%s:%u%.300s"
			    " RTSP/1.0\r\nCSeq: 2\r\nAccept: application/sdp"
			    "\r\nUser-Agent: hopquy\r\n\r\n", dut->address,
			    port, path);
			hq_err_clear(&ierr);
			if (text_exchange(dut->address, port, req,
			    (int)tp->probe_ms, ctx->deadline, "RTSP/", &hr,
			    tr, &ierr) == 0) {
				hq_step(res, "port %u: DESCRIBE %s -> %u%s%s",
				    port, path, hr.status, hr.auth[0] ?
				    " WWW-Authenticate: " : "", hr.auth);
				if (hr.status == 401)
					creds = true;
			}
			if (!creds && sf != NULL && sf->login_kind != NULL)
				creds = true;
			if (creds && has(tp->forbid, tp->nforbid,
			    "rtsp-credentials")) {
				sum.nbad++;
				hq_finding(res, "port %u: RTSP takes credentials "
				    "without TLS", port);
			}
			cJSON_AddBoolToObject(pj, "credentials", creds);
		} else if (strcmp(name, "mqtt") == 0) {
			int code = -1;

			hq_err_clear(&ierr);
			if (mqtt_try(dut->address, port, (int)tp->probe_ms,
			    ctx->deadline, &code, tr, &ierr) != 0)
				hq_step(res, "port %u: MQTT CONNECT: %s", port,
				    ierr.msg);
			hq_step(res, "port %u: MQTT CONNECT without "
			    "credentials -> CONNACK %d", port, code);
			cJSON_AddNumberToObject(pj, "connack", code);
			if ((code == 4 || code == 5 || (sf != NULL &&
			    sf->login_kind != NULL)) &&
			    has(tp->forbid, tp->nforbid, "mqtt-credentials")) {
				sum.nbad++;
				hq_finding(res, "port %u: MQTT without TLS "
				    "asks for credentials (CONNACK %d)", port,
				    code);
			} else if (code == 0 && has(tp->forbid, tp->nforbid,
			    "mqtt-anonymous")) {
				sum.nbad++;
				hq_finding(res, "port %u: MQTT without TLS "
				    "accepts anonymous clients", port);
			}
		} else if (sf != NULL && sf->tls) {
			sum.nbad++;
			hq_finding(res, "port %u: declared as %s (TLS) but "
			    "answers without TLS (%s)", port, sf->proto, name);
		}
	}
	hq_slug(ctx->tc->id, slug, sizeof(slug));
	snprintf(rel, sizeof(rel), "tls/%s-cleartext.txt", slug);
	if ((rc = hq_transcript_save(tr, ctx->ev, rel, err)) != 0)
		goto out;
	hq_result_evidence(res, rel);
	hq_detail(res, "ports", arr);
	arr = NULL;
	cleartext_verdict(res, &sum);
 out:
	cJSON_Delete(arr);
	hq_transcript_free(tr);
	return rc;
}

static int
tls_run(struct hq_ctx *ctx, const struct hq_case *tc, struct hq_result *res,
    struct hq_err *err)
{
	struct tls_params tp;
	int rc;

	if (hq_tls_traffic_selected(tc->params))
		return hq_tls_traffic_run(ctx, tc, res, err);
	if ((rc = params_read(tc->params, &tp, err)) != 0)
		goto out;
	if (strcmp(tp.check, "protocols") == 0)
		rc = run_protocols(ctx, &tp, res, err);
	else if (strcmp(tp.check, "suites") == 0)
		rc = run_suites(ctx, &tp, res, err);
	else if (strcmp(tp.check, "certificate") == 0)
		rc = run_certificate(ctx, &tp, res, err);
	else if (strcmp(tp.check, "cleartext") == 0)
		rc = run_cleartext(ctx, &tp, res, err);
	else if (strcmp(tp.check, "interception") == 0)
		rc = hq_tls_intercept_run(ctx, tc->params, tp.hs_ms, res, err);
	else	/* "traffic" went to tls_traffic.c above; params_read()
		 * refuses any other name */
		rc = hq_err_set(err, HQ_EINTERNAL, "check \"%s\": no handler",
		    tp.check);
 out:
	params_clear(&tp);
	return rc;
}

const struct hq_family hq_family_tls = {
	.name		= "tls",
	.summary	= "TLS versions, cipher suites, certificates and "
			  "cleartext surfaces",
	.flags		= HQ_FAM_NEEDS_BENCH,	/* interception redirects */
	.check_params	= tls_check_params,
	.run		= tls_run,
};
