/* SPDX-License-Identifier: Apache-2.0 */
/* The device monitor: health probes and value reads (see monitor.h). */
#include <stdio.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "util/err.h"
#include "util/util.h"
#include "wire/monitor.h"
#include "wire/tlswire.h"

int
hq_mon_probe_init(struct hq_mon_probe *p, const char *id, const char *proto,
    const char *addr, unsigned port, bool tls, bool udp, const char *path,
    struct hq_err *err)
{
	int rc;

	memset(p, 0, sizeof(*p));
	p->port = port;
	p->tls = tls && strcmp(proto, "tls") != 0;
	p->udp = udp;
	p->model = hq_mut_model_for(proto);
	p->nonce = (uint64_t)hq_mono_ns();
	if ((p->id = strdup(id)) == NULL ||
	    (p->proto = strdup(proto)) == NULL ||
	    (p->addr = strdup(addr)) == NULL ||
	    (p->host = strdup(addr)) == NULL ||
	    (path != NULL && (p->path = strdup(path)) == NULL)) {
		hq_mon_probe_clear(p);
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	}
	if ((rc = hq_xchg_new(addr, port, p->tls, udp, &p->x, err)) != 0) {
		hq_mon_probe_clear(p);
		return rc;
	}
	/* plain HTTP: the health check keeps its connection alive; a
	 * problem seen on it is checked again on a fresh one */
	p->keep = !p->tls && !udp && (p->model == HQ_PM_HTTP ||
	    p->model == HQ_PM_ONVIF);
	hq_xchg_set_keep(p->x, p->keep);
	return 0;
}

void
hq_mon_probe_clear(struct hq_mon_probe *p)
{
	free(p->id);
	free(p->proto);
	free(p->addr);
	free(p->host);
	free(p->path);
	free(p->req);
	free(p->expect);
	hq_xchg_free(p->x);
	memset(p, 0, sizeof(*p));
}

int
hq_mon_probe_set_request(struct hq_mon_probe *p, const uint8_t *req,
    size_t len, const uint8_t *expect, size_t elen, struct hq_err *err)
{
	free(p->req);
	free(p->expect);
	p->req = p->expect = NULL;
	p->req_len = p->expect_len = 0;
	if (len == 0)
		return 0;
	if ((p->req = malloc(len)) == NULL ||
	    (elen > 0 && (p->expect = malloc(elen)) == NULL))
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	memcpy(p->req, req, len);
	p->req_len = len;
	if (elen > 0) {
		memcpy(p->expect, expect, elen);
		p->expect_len = elen;
	}
	/* a declared request is judged on a fresh connection each time */
	p->keep = false;
	hq_xchg_set_keep(p->x, false);
	return 0;
}

/* A UDP surface whose proto has a built-in probe (a discovery protocol:
 * a well-formed query is owed an answer). */
static bool
discovery(const struct hq_mon_probe *p)
{
	return p->model == HQ_PM_SSDP || p->model == HQ_PM_WSD;
}

bool
hq_mon_probe_judged(const struct hq_mon_probe *p)
{
	return !p->udp || p->req != NULL || discovery(p);
}

const char *
hq_health_name(enum hq_health h)
{
	static const char *const n[] = { "ok", "dead", "hung", "abnormal" };

	return (unsigned)h < 4 ? n[h] : "?";
}

/* "HTTP/1.x NNN" or "RTSP/1.0 NNN": the status, or -1. */
static int
status_of(const uint8_t *b, size_t len, const char *proto)
{
	size_t pl = strlen(proto), i;
	int st = 0;

	if (len < pl + 8 || memcmp(b, proto, pl) != 0)
		return -1;
	for (i = pl; i < len && b[i] != ' '; i++)
		if (i > pl + 4)
			return -1;
	if (i + 4 > len)
		return -1;
	for (i++; i < len && b[i] >= '0' && b[i] <= '9' && st < 1000; i++)
		st = st * 10 + (b[i] - '0');
	return st >= 100 && st < 1000 ? st : -1;
}

/* A whole HTTP answer with a Content-Length: nothing left to read. */
static bool
http_complete(const uint8_t *b, size_t len)
{
	const uint8_t *e = memmem(b, len, "\r\n\r\n", 4), *h;
	size_t hl, i;
	uint64_t cl = 0;

	if (e == NULL)
		return false;
	hl = (size_t)(e - b) + 4;
	for (h = b; h + 16 < e; h++)
		if ((h[0] == '\n') && strncasecmp((const char *)h + 1,
		    "content-length:", 15) == 0)
			break;
	if (h + 16 >= e)
		return false;
	for (i = 16; h + i < e && h[i] == ' '; i++)
		;
	for (; h + i < e && h[i] >= '0' && h[i] <= '9' && cl < (1u << 30);
	    i++)
		cl = cl * 10 + (uint64_t)(h[i] - '0');
	return len == hl + cl;
}

/* Plain HTTP: GET on a kept-alive connection; true when it answered
 * normally (anything else is checked again on a fresh connection). */
static bool
health_keep(struct hq_mon_probe *p, struct hq_deadline dl, uint8_t *buf,
    char *detail, size_t detailsz)
{
	char req[600];
	struct hq_xchg_out o;
	int n, st, rc;

	n = snprintf(req, sizeof(req), "GET %.400s HTTP/1.1\r\nHost: "
	    "%.64s\r\n\r\n", p->path != NULL ? p->path : "/", p->host);
	/* a whole answer ends the read (the status is all we judge) */
	hq_xchg_set_complete(p->x, http_complete);
	rc = n < 0 || (size_t)n >= sizeof(req) ? -1 : hq_xchg_do(p->x,
	    (const uint8_t *)req, (size_t)n, dl, 0, buf, HQ_MON_REPLY_MAX, &o,
	    NULL);
	hq_xchg_set_complete(p->x, NULL);
	if (rc != 0) {
		hq_xchg_drop(p->x);
		return false;
	}
	st = status_of(buf, o.reply_len, "HTTP/1.");
	if (!http_complete(buf, o.reply_len))
		hq_xchg_drop(p->x);
	if (st < 100 || st >= 500) {
		hq_xchg_drop(p->x);
		return false;
	}
	snprintf(detail, detailsz, "status %d in %lld ms (kept alive)", st,
	    (long long)o.elapsed_us / 1000);
	return true;
}

/*
 * A failed exchange: a connection refused (or unreachable) is a dead
 * surface; no answer in time, the connect's included, a hung one (a
 * timeout is no evidence that nothing listens: the hung class is looked
 * at again and needs the case to repeat it); anything else after the
 * connect, an abnormal answer.
 */
static enum hq_health
health_of_error(int rc, bool connected)
{
	if (rc == HQ_ETIMEDOUT)
		return HQ_HEALTH_HUNG;
	return !connected ? HQ_HEALTH_DEAD : HQ_HEALTH_ABNORMAL;
}

/* The declared probe (TCP or UDP): an answer starting with the declared
 * prefix is normal. */
static int
health_declared(struct hq_mon_probe *p, struct hq_deadline dl, uint8_t *buf,
    enum hq_health *hp, char *detail, size_t detailsz, struct hq_err *err)
{
	struct hq_xchg_out o;
	struct hq_err xerr = { 0 };
	int rc;

	rc = hq_xchg_do(p->x, p->req, p->req_len, dl, 0, buf,
	    HQ_MON_REPLY_MAX, &o, &xerr);
	if (rc == HQ_EINTR)
		return hq_err_set(err, rc, "interrupted");
	if (rc != 0) {
		*hp = health_of_error(rc, o.connected);
		snprintf(detail, detailsz, "%.200s", xerr.msg);
	} else if (o.refused) {
		*hp = HQ_HEALTH_DEAD;
		snprintf(detail, detailsz, "declared probe: port unreachable "
		    "(ICMP)");
	} else if (o.reply_len == 0) {
		*hp = HQ_HEALTH_HUNG;
		snprintf(detail, detailsz, "declared probe: no answer in "
		    "%lld ms", (long long)o.elapsed_us / 1000);
	} else if (o.reply_len < p->expect_len ||
	    memcmp(buf, p->expect, p->expect_len) != 0) {
		*hp = HQ_HEALTH_ABNORMAL;
		snprintf(detail, detailsz, "declared probe: %zu bytes, not "
		    "starting as declared (expect_hex)", o.reply_len);
	} else
		snprintf(detail, detailsz, "declared probe: %zu bytes%s in "
		    "%lld ms", o.reply_len, p->expect_len > 0 ?
		    ", the declared prefix" : "", (long long)o.elapsed_us /
		    1000);
	return 0;
}

/*
 * The built-in discovery probes.  SSDP: a unicast M-SEARCH for ssdp:all
 * (UPnP Device Architecture 1.1 1.3.2: a unicast search is answered to
 * its sender), normal when the answer is "HTTP/1.1 200".  WS-Discovery: a
 * Probe for wsdp:Device with a MessageID of its own (receivers drop ids
 * they have seen), normal when the answer is a ProbeMatches that names
 * that id (its RelatesTo).  An ICMP port unreachable is a dead surface,
 * silence a hung one.
 */
static int
health_discovery(struct hq_mon_probe *p, struct hq_deadline dl,
    uint8_t *buf, enum hq_health *hp, char *detail, size_t detailsz,
    struct hq_err *err)
{
	struct hq_mut_target t = { p->host, p->path, NULL, ++p->nonce };
	struct hq_mut_case c = { 0 };
	struct hq_xchg_out o;
	struct hq_err xerr = { 0 };
	const uint8_t *id = NULL, *e;
	size_t idlen = 0;
	int rc, st;

	if ((rc = hq_mut_control((enum hq_proto_model)p->model, &t, &c,
	    err)) != 0)
		return rc;
	if (p->model == HQ_PM_WSD &&
	    (id = memmem(c.bytes, c.len, "urn:uuid:", 9)) != NULL &&
	    (e = memchr(id, '<', c.len - (size_t)(id - c.bytes))) != NULL)
		idlen = (size_t)(e - id);
	rc = hq_xchg_do(p->x, c.bytes, c.len, dl, 0, buf, HQ_MON_REPLY_MAX,
	    &o, &xerr);
	if (rc == HQ_EINTR) {
		hq_mut_case_clear(&c);
		return hq_err_set(err, rc, "interrupted");
	}
	if (rc != 0) {
		*hp = health_of_error(rc, false);
		snprintf(detail, detailsz, "%.200s", xerr.msg);
	} else if (o.refused) {
		*hp = HQ_HEALTH_DEAD;
		snprintf(detail, detailsz, "%s: port unreachable (ICMP)",
		    p->model == HQ_PM_SSDP ? "M-SEARCH" : "Probe");
	} else if (o.reply_len == 0) {
		*hp = HQ_HEALTH_HUNG;
		snprintf(detail, detailsz, "%s: no answer in %lld ms",
		    p->model == HQ_PM_SSDP ? "M-SEARCH" : "Probe",
		    (long long)o.elapsed_us / 1000);
	} else if (p->model == HQ_PM_SSDP) {
		st = status_of(buf, o.reply_len, "HTTP/1.");
		if (st != 200) {
			*hp = HQ_HEALTH_ABNORMAL;
			snprintf(detail, detailsz, "M-SEARCH: %zu bytes, not "
			    "an HTTP/1.1 200 answer", o.reply_len);
		} else
			snprintf(detail, detailsz, "M-SEARCH: 200 in %lld ms",
			    (long long)o.elapsed_us / 1000);
	} else if (memmem(buf, o.reply_len, "ProbeMatches", 12) == NULL ||
	    idlen == 0 || memmem(buf, o.reply_len, id, idlen) == NULL) {
		*hp = HQ_HEALTH_ABNORMAL;
		snprintf(detail, detailsz, "Probe: %zu bytes, not a "
		    "ProbeMatches relating to the Probe's MessageID",
		    o.reply_len);
	} else
		snprintf(detail, detailsz, "Probe: ProbeMatches in %lld ms",
		    (long long)o.elapsed_us / 1000);
	hq_mut_case_clear(&c);
	return 0;
}

int
hq_mon_health(struct hq_mon_probe *p, struct hq_deadline dl, uint8_t *buf,
    enum hq_health *hp, char *detail, size_t detailsz, struct hq_err *err)
{
	struct hq_mut_target t = { p->host, p->path, NULL, 0 };
	struct hq_mut_case c = { 0 };
	struct hq_xchg_out o;
	struct hq_err xerr = { 0 };
	const uint8_t *msg = NULL;
	char opt[512];
	size_t mlen = 0;
	int rc, st;
	bool ssh = strcmp(p->proto, "ssh") == 0;
	bool ftp = strcmp(p->proto, "ftp") == 0;

	*hp = HQ_HEALTH_OK;
	if (p->udp && p->req == NULL && discovery(p))
		return health_discovery(p, dl, buf, hp, detail, detailsz,
		    err);
	if (p->udp && p->req == NULL) {
		snprintf(detail, detailsz, "udp without a declared probe: "
		    "not judged");
		return 0;
	}
	if (p->keep && health_keep(p, dl, buf, detail, detailsz))
		return 0;
	if (p->req != NULL)
		return health_declared(p, dl, buf, hp, detail, detailsz, err);
	if (p->model == HQ_PM_RTSP) {
		/* OPTIONS: the server's own answer, whatever its media can
		 * do at the moment (DESCRIBE may get 503 under load) */
		int n = snprintf(opt, sizeof(opt), "OPTIONS rtsp://%.64s:%u"
		    "%.300s RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: hopquy\r\n"
		    "\r\n", p->host, p->port, p->path != NULL ? p->path :
		    "/");

		msg = (const uint8_t *)opt;
		mlen = n > 0 && (size_t)n < sizeof(opt) ? (size_t)n : 0;
	} else if (p->model >= 0 && p->model != HQ_PM_RAW) {
		if ((rc = hq_mut_control(p->model, &t, &c, err)) != 0)
			return rc;
		msg = c.bytes;
		mlen = c.len;
	}
	/* the first burst is enough to judge (a status line, a greeting) */
	/* other surfaces: an accepted connection is all we can ask (a
	 * server that speaks second owes us nothing) */
	rc = hq_xchg_do(p->x, msg, mlen, dl, 0, buf, p->model == HQ_PM_RAW &&
	    !ssh && !ftp ? 0 : HQ_MON_REPLY_MAX, &o, &xerr);
	hq_mut_case_clear(&c);
	if (rc == HQ_EINTR)
		return hq_err_set(err, rc, "interrupted");
	if (rc != 0) {
		*hp = health_of_error(rc, o.connected);
		snprintf(detail, detailsz, "%.200s", xerr.msg);
		return 0;
	}
	if (p->model == HQ_PM_HTTP || p->model == HQ_PM_ONVIF ||
	    p->model == HQ_PM_RTSP) {
		st = status_of(buf, o.reply_len, p->model == HQ_PM_RTSP ?
		    "RTSP/1." : "HTTP/1.");
		if (o.reply_len == 0) {
			*hp = HQ_HEALTH_HUNG;
			snprintf(detail, detailsz, "no answer in %lld ms",
			    (long long)o.elapsed_us / 1000);
		} else if (st < 0 || st >= 500) {
			*hp = HQ_HEALTH_ABNORMAL;
			snprintf(detail, detailsz, "answered %s",
			    st < 0 ? "without a status line" : "5xx");
			if (st >= 500)
				snprintf(detail, detailsz, "status %d", st);
		} else
			snprintf(detail, detailsz, "status %d in %lld ms", st,
			    (long long)o.elapsed_us / 1000);
		return 0;
	}
	if (p->model == HQ_PM_MQTT) {
		if (o.reply_len >= 4 && buf[0] == 0x20 && buf[1] == 0x02)
			snprintf(detail, detailsz, "CONNACK code %u",
			    (unsigned)buf[3]);
		else {
			*hp = o.reply_len == 0 ? HQ_HEALTH_HUNG :
			    HQ_HEALTH_ABNORMAL;
			snprintf(detail, detailsz, "no CONNACK (%zu bytes)",
			    o.reply_len);
		}
		return 0;
	}
	if (p->model == HQ_PM_TLS) {
		struct hq_tls_reply tr;

		if (hq_tls_reply_parse(buf, o.reply_len, &tr, NULL) == 0 &&
		    (tr.kind == HQ_TLSR_HELLO || tr.kind == HQ_TLSR_HRR))
			snprintf(detail, detailsz, "ServerHello");
		else {
			*hp = o.reply_len == 0 ? HQ_HEALTH_HUNG :
			    HQ_HEALTH_ABNORMAL;
			snprintf(detail, detailsz, "no ServerHello (%zu "
			    "bytes)", o.reply_len);
		}
		return 0;
	}
	if (ssh || ftp || p->model == HQ_PM_TELNET) {
		const char *want = ssh ? "SSH-" : ftp ? "220" : "";

		if (o.reply_len == 0) {
			*hp = HQ_HEALTH_HUNG;
			snprintf(detail, detailsz, "no greeting");
		} else if (o.reply_len < strlen(want) ||
		    memcmp(buf, want, strlen(want)) != 0) {
			*hp = HQ_HEALTH_ABNORMAL;
			snprintf(detail, detailsz, "greeting is not %s", want);
		} else
			snprintf(detail, detailsz, "greeting, %zu bytes",
			    o.reply_len);
		return 0;
	}
	snprintf(detail, detailsz, "connection accepted");
	return 0;
}

int
hq_mon_read(struct hq_mon_probe *p, const char *path, const char *pointer,
    struct hq_deadline dl, uint8_t *buf, char *val, size_t valsz,
    struct hq_err *err)
{
	char req[1024];
	struct hq_xchg_out o;
	cJSON *root = NULL;
	const cJSON *it;
	const uint8_t *body;
	const char *k;
	size_t blen;
	int n, rc, st;

	val[0] = '\0';
	hq_xchg_drop(p->x);	/* a fresh connection, never a stale one */
	n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s\r\n"
	    "Accept: application/json\r\nConnection: close\r\n\r\n", path,
	    p->host);
	if (n < 0 || (size_t)n >= sizeof(req))
		return hq_err_set(err, HQ_EINVAL, "path too long");
	if ((rc = hq_xchg_do(p->x, (const uint8_t *)req, (size_t)n, dl, 300,
	    buf, HQ_MON_REPLY_MAX - 1, &o, err)) != 0)
		return rc;
	st = status_of(buf, o.reply_len, "HTTP/1.");
	if (st < 200 || st > 299)
		return hq_err_set(err, o.reply_len == 0 ? HQ_ETIMEDOUT :
		    HQ_EPROTO, "GET %s: %s", path, o.reply_len == 0 ?
		    "no answer" : "not a 2xx answer");
	buf[o.reply_len] = '\0';
	body = (const uint8_t *)strstr((const char *)buf, "\r\n\r\n");
	if (body == NULL)
		return hq_err_set(err, HQ_EPROTO, "GET %s: no body", path);
	body += 4;
	blen = o.reply_len - (size_t)(body - buf);
	if ((root = cJSON_ParseWithLength((const char *)body, blen)) == NULL)
		return hq_err_set(err, HQ_EPROTO, "GET %s: body is not JSON",
		    path);
	it = root;
	for (k = pointer; *k == '/' && it != NULL;) {
		char key[128];
		size_t l = strcspn(k + 1, "/");

		if (l >= sizeof(key))
			break;
		memcpy(key, k + 1, l);
		key[l] = '\0';
		it = cJSON_GetObjectItemCaseSensitive(it, key);
		k += 1 + l;
	}
	if (it == NULL || *k != '\0') {
		cJSON_Delete(root);
		return hq_err_set(err, HQ_EPROTO, "GET %s: no value at %s",
		    path, pointer);
	}
	if (cJSON_IsString(it))
		snprintf(val, valsz, "%s", it->valuestring);
	else if (cJSON_IsNumber(it))
		snprintf(val, valsz, "%.17g", it->valuedouble);
	else {
		char *s = cJSON_PrintUnformatted(it);

		snprintf(val, valsz, "%s", s != NULL ? s : "");
		free(s);
	}
	cJSON_Delete(root);
	return 0;
}

int
hq_mon_init(struct hq_mon *m, struct hq_err *err)
{
	memset(m, 0, sizeof(*m));
	if ((m->probes = calloc(HQ_MON_PROBES_MAX, sizeof(*m->probes))) ==
	    NULL || (m->watches = calloc(HQ_MON_WATCHES_MAX,
	    sizeof(*m->watches))) == NULL ||
	    (m->buf = malloc(HQ_MON_REPLY_MAX)) == NULL) {
		hq_mon_clear(m);
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	}
	return 0;
}

void
hq_mon_clear(struct hq_mon *m)
{
	size_t i;

	for (i = 0; i < m->nprobes; i++)
		hq_mon_probe_clear(&m->probes[i]);
	for (i = 0; i < m->nwatches; i++) {
		free(m->watches[i].name);
		free(m->watches[i].path);
		free(m->watches[i].pointer);
	}
	free(m->probes);
	free(m->watches);
	free(m->buf);
	memset(m, 0, sizeof(*m));
}

int
hq_mon_add_probe(struct hq_mon *m, const char *id, const char *proto,
    const char *addr, unsigned port, bool tls, bool udp, const char *path,
    size_t *idxp, struct hq_err *err)
{
	int rc;

	if (m->nprobes >= HQ_MON_PROBES_MAX)
		return hq_err_set(err, HQ_EINVAL, "more than %d surfaces",
		    HQ_MON_PROBES_MAX);
	if ((rc = hq_mon_probe_init(&m->probes[m->nprobes], id, proto, addr,
	    port, tls, udp, path, err)) != 0)
		return rc;
	if (idxp != NULL)
		*idxp = m->nprobes;
	m->nprobes++;
	return 0;
}

int
hq_mon_add_watch(struct hq_mon *m, const char *name, size_t probe,
    const char *path, const char *pointer, bool uptime, struct hq_err *err)
{
	struct hq_mon_watch *w;

	if (m->nwatches >= HQ_MON_WATCHES_MAX)
		return hq_err_set(err, HQ_EINVAL, "more than %d watched values",
		    HQ_MON_WATCHES_MAX);
	if (probe >= m->nprobes)
		return hq_err_set(err, HQ_EINVAL, "watch %s: no such probe",
		    name);
	w = &m->watches[m->nwatches];
	memset(w, 0, sizeof(*w));
	if ((w->name = strdup(name)) == NULL ||
	    (w->path = strdup(path)) == NULL ||
	    (w->pointer = strdup(pointer)) == NULL) {
		free(w->name);
		free(w->path);
		free(w->pointer);
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	}
	w->probe = probe;
	w->uptime = uptime;
	/* a boot counter goes up on a reboot; an uptime goes down */
	w->counts_boots = uptime && (strstr(name, "boot") != NULL ||
	    strstr(pointer, "boot") != NULL);
	m->nwatches++;
	return 0;
}

const char *
hq_mon_class_name(enum hq_mon_class c)
{
	static const char *const n[] = { "ok", "dead", "hung",
	    "answering abnormally", "rebooted", "with a changed setting" };

	return (unsigned)c < 6 ? n[c] : "?";
}

void
hq_mon_watch_set_step(struct hq_mon *m, const void *step)
{
	if (m->nwatches > 0)
		m->watches[m->nwatches - 1].step = step;
}

/* A watch's value: the caller's reader for one with a step, else a
 * plain GET. */
static int
watch_read(struct hq_mon *m, const struct hq_mon_watch *w, int timeout_ms,
    char *val, size_t valsz, struct hq_err *err)
{
	if (w->step != NULL) {
		if (m->reader == NULL)
			return hq_err_set(err, HQ_EINVAL, "%s: no reader for "
			    "an authenticated value", w->name);
		return m->reader(m->reader_arg, w, timeout_ms, val, valsz,
		    err);
	}
	return hq_mon_read(&m->probes[w->probe], w->path, w->pointer,
	    hq_deadline_in(timeout_ms), m->buf, val, valsz, err);
}

int
hq_mon_baseline(struct hq_mon *m, int timeout_ms, struct hq_err *err)
{
	size_t i;
	int rc;

	for (i = 0; i < m->nwatches; i++) {
		struct hq_mon_watch *w = &m->watches[i];

		if ((rc = watch_read(m, w, timeout_ms, w->base,
		    sizeof(w->base), err)) != 0)
			return rc;
	}
	return 0;
}

/* Compares decimal values; false if either is not a number. */
static bool
num_of(const char *s, double *vp)
{
	char *end;

	*vp = strtod(s, &end);
	return end != s && *end == '\0';
}

int
hq_mon_health_settled(struct hq_mon_probe *p, int timeout_ms, uint8_t *buf,
    enum hq_health *hp, char *detail, size_t detailsz, struct hq_err *err)
{
	enum hq_health h2;
	char d2[160];
	int rc;

	if ((rc = hq_mon_health(p, hq_deadline_in(timeout_ms), buf, hp,
	    detail, detailsz, err)) != 0 || *hp == HQ_HEALTH_OK ||
	    *hp == HQ_HEALTH_DEAD)
		return rc;
	/* A process going down (an abort, a core being written) still
	 * holds its socket: the kernel accepts and the connection dies
	 * unanswered.  A moment later the device is what it settled to:
	 * dead it is dead; hung it is only when it stays silent. */
	if ((rc = hq_sleep_ms(300)) != 0)
		return hq_err_set(err, rc, "interrupted");
	if ((rc = hq_mon_health(p, hq_deadline_in(timeout_ms), buf, &h2, d2,
	    sizeof(d2), err)) != 0)
		return rc;
	if (h2 == HQ_HEALTH_DEAD) {
		*hp = h2;
		snprintf(detail, detailsz, "%.150s", d2);
	} else if (*hp == HQ_HEALTH_HUNG && h2 == HQ_HEALTH_OK)
		/* One late answer, then a normal one: a stall (a loaded
		 * host, a busy device), not a hang; a timeout alone is not
		 * evidence. */
		*hp = h2;
	return 0;
}

int
hq_mon_check(struct hq_mon *m, int timeout_ms, enum hq_mon_class *cp,
    char *detail, size_t detailsz, struct hq_err *err)
{
	char d[160], val[HQ_MON_VALUE_MAX];
	enum hq_health h;
	struct hq_err rerr = { 0 };
	size_t i;
	int rc;

	*cp = HQ_MON_OK;
	detail[0] = '\0';
	for (i = 0; i < m->nprobes; i++) {
		struct hq_mon_probe *p = &m->probes[i];

		if ((rc = hq_mon_health_settled(p, timeout_ms, m->buf, &h, d,
		    sizeof(d), err)) != 0)
			return rc;
		if (h != HQ_HEALTH_OK) {
			*cp = h == HQ_HEALTH_DEAD ? HQ_MON_DEAD :
			    h == HQ_HEALTH_HUNG ? HQ_MON_HUNG :
			    HQ_MON_ABNORMAL;
			snprintf(detail, detailsz, "surface %s (%u/%s): %s",
			    p->id, p->port, p->udp ? "udp" : "tcp", d);
			return 0;
		}
	}
	for (i = 0; i < m->nwatches; i++) {
		struct hq_mon_watch *w = &m->watches[i];
		double a, b;

		hq_err_clear(&rerr);
		rc = watch_read(m, w, timeout_ms, val, sizeof(val), &rerr);
		if (rc == HQ_ETIMEDOUT) {
			/* No answer in time is no evidence of an abnormal
			 * one: a second look, as for the probes; still none,
			 * the device is hung (a class whose finding needs
			 * the case to repeat it). */
			if ((rc = hq_sleep_ms(300)) != 0)
				return hq_err_set(err, rc, "interrupted");
			hq_err_clear(&rerr);
			if ((rc = watch_read(m, w, timeout_ms, val,
			    sizeof(val), &rerr)) == HQ_ETIMEDOUT) {
				*cp = HQ_MON_HUNG;
				snprintf(detail, detailsz, "%s unanswered "
				    "twice: %.120s", w->name, rerr.msg);
				return 0;
			}
		}
		if (rc != 0) {
			if (rc == HQ_EINTR)
				return hq_err_set(err, rc, "interrupted");
			*cp = HQ_MON_ABNORMAL;
			snprintf(detail, detailsz, "%s unreadable: %.120s",
			    w->name, rerr.msg);
			return 0;
		}
		if (w->uptime) {
			if (num_of(val, &a) && num_of(w->base, &b) &&
			    (w->counts_boots ? a > b : a < b)) {
				*cp = HQ_MON_REBOOTED;
				snprintf(detail, detailsz, "%s went from %s to "
				    "%s", w->name, w->base, val);
			}
			snprintf(w->base, sizeof(w->base), "%s", val);
			if (*cp != HQ_MON_OK)
				return 0;
			continue;
		}
		if (strcmp(val, w->base) != 0) {
			*cp = HQ_MON_SETTING;
			snprintf(detail, detailsz, "setting %s (GET %s %s) was "
			    "\"%.60s\", now \"%.60s\"", w->name, w->path,
			    w->pointer, w->base, val);
			return 0;
		}
	}
	return 0;
}

int
hq_mon_watch(struct hq_mon *m, int timeout_ms, long long watch_ms,
    enum hq_mon_class *cp, char *detail, size_t detailsz,
    struct hq_err *err)
{
	struct hq_deadline dl = hq_deadline_in(watch_ms);
	int rc;

	for (;;) {
		if ((rc = hq_mon_check(m, timeout_ms, cp, detail, detailsz,
		    err)) != 0 || *cp != HQ_MON_OK)
			return rc;
		if (hq_deadline_passed(dl))
			return 0;
		if ((rc = hq_sleep_ms(200)) != 0)
			return hq_err_set(err, rc, "interrupted");
	}
}

cJSON *
hq_mon_json(const struct hq_mon *m)
{
	cJSON *j = cJSON_CreateObject(), *pa = cJSON_AddArrayToObject(j,
	    "probes"), *wa = cJSON_AddArrayToObject(j, "watches"), *o;
	size_t i, nauth = 0;

	if (j == NULL || pa == NULL || wa == NULL) {
		cJSON_Delete(j);
		return NULL;
	}
	for (i = 0; i < m->nprobes; i++) {
		const struct hq_mon_probe *p = &m->probes[i];

		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "id", p->id);
		cJSON_AddStringToObject(o, "proto", p->proto);
		cJSON_AddStringToObject(o, "addr", p->addr);
		cJSON_AddNumberToObject(o, "port", p->port);
		cJSON_AddBoolToObject(o, "tls", p->tls);
		cJSON_AddBoolToObject(o, "udp", p->udp);
		if (p->path != NULL)
			cJSON_AddStringToObject(o, "path", p->path);
		if (p->req != NULL) {
			char *h = hq_hex_encode(p->req, p->req_len);

			if (h != NULL)
				cJSON_AddStringToObject(o, "send_hex", h);
			free(h);
			h = hq_hex_encode(p->expect, p->expect_len);
			if (h != NULL)
				cJSON_AddStringToObject(o, "expect_hex", h);
			free(h);
		}
		cJSON_AddItemToArray(pa, o);
	}
	for (i = 0; i < m->nwatches; i++) {
		const struct hq_mon_watch *w = &m->watches[i];

		if (w->step != NULL) {
			nauth++;
			continue;
		}
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", w->name);
		cJSON_AddNumberToObject(o, "probe", (double)w->probe);
		cJSON_AddStringToObject(o, "path", w->path);
		cJSON_AddStringToObject(o, "pointer", w->pointer);
		cJSON_AddBoolToObject(o, "uptime", w->uptime);
		cJSON_AddItemToArray(wa, o);
	}
	if (nauth > 0)
		cJSON_AddNumberToObject(j, "watches_with_credentials",
		    (double)nauth);
	return j;
}

static const char *
jstr(const cJSON *o, const char *k)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(it) ? it->valuestring : NULL;
}

static double
jnum(const cJSON *o, const char *k, double dflt)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsNumber(it) ? it->valuedouble : dflt;
}

int
hq_mon_from_json(const cJSON *j, struct hq_mon *m, struct hq_err *err)
{
	const cJSON *it;
	size_t k;
	int rc;

	if ((rc = hq_mon_init(m, err)) != 0)
		return rc;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(j,
	    "probes")) {
		double port = jnum(it, "port", -1);

		if (jstr(it, "id") == NULL || jstr(it, "proto") == NULL ||
		    jstr(it, "addr") == NULL || port < 1 || port > 65535) {
			rc = hq_err_set(err, HQ_EINVAL, "monitor.probes: "
			    "id, proto, addr and port needed");
			goto fail;
		}
		if ((rc = hq_mon_add_probe(m, jstr(it, "id"), jstr(it,
		    "proto"), jstr(it, "addr"), (unsigned)port,
		    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "tls")),
		    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "udp")),
		    jstr(it, "path"), &k, err)) != 0)
			goto fail;
		if (jstr(it, "send_hex") != NULL) {
			uint8_t *rq = NULL, *ex = NULL;
			size_t rl = 0, el = 0;

			if (hq_hex_decode(jstr(it, "send_hex"), &rq, &rl) != 0 ||
			    (jstr(it, "expect_hex") != NULL &&
			    hq_hex_decode(jstr(it, "expect_hex"), &ex,
			    &el) != 0))
				rc = hq_err_set(err, HQ_EINVAL, "monitor.probes:"
				    " send_hex, expect_hex: hex digits");
			else
				rc = hq_mon_probe_set_request(&m->probes[k],
				    rq, rl, ex, el, err);
			free(rq);
			free(ex);
			if (rc != 0)
				goto fail;
		}
	}
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(j,
	    "watches")) {
		double probe = jnum(it, "probe", -1);

		if (jstr(it, "name") == NULL || jstr(it, "path") == NULL ||
		    jstr(it, "pointer") == NULL || probe < 0 ||
		    probe >= (double)m->nprobes) {
			rc = hq_err_set(err, HQ_EINVAL, "monitor.watches: "
			    "name, probe, path and pointer needed");
			goto fail;
		}
		if ((rc = hq_mon_add_watch(m, jstr(it, "name"),
		    (size_t)probe, jstr(it, "path"), jstr(it, "pointer"),
		    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it,
		    "uptime")), err)) != 0)
			goto fail;
	}
	return 0;
 fail:
	hq_mon_clear(m);
	return rc;
}
