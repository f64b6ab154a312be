/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The DUT's own flows from a capture (see flows.h).  Every header length
 * is checked through the bounded cursor; payload bytes are copied only
 * into capped per-direction buffers; nothing from the traffic reaches a
 * finding but the scheme or field name (checked to be short and plain).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "util/err.h"
#include "util/rd.h"
#include "wire/flows.h"
#include "wire/pcapng.h"

#define TAIL_MIN	128
#define K_AUTH		0x01u
#define K_FIELD		0x02u
#define K_MQTT		0x04u
#define K_TELNET	0x08u
#define K_PASS		0x10u
#define K_SMTP		0x20u

struct fdir {
	uint8_t		*buf;
	size_t		 len;
	uint64_t	 bytes;		/* bytes consumed in order */
	uint32_t	 next;		/* next TCP sequence number */
	bool		 seq_known;
	bool		 prompt;	/* telnet: a login prompt went this way */
};

struct flow {
	struct hq_flow_info info;
	uint32_t	 peer_a;	/* network order */
	struct fdir	 d[2];		/* 0: DUT -> peer, 1: peer -> DUT */
	unsigned	 tries;
	unsigned	 found;		/* K_* already reported */
	uint8_t		 sfound[HQ_FLOWS_NEEDLES_MAX / 8];
	bool		 done;		/* encrypted: content not examined */
};

struct hq_flows {
	uint32_t	 dut_a;
	uint32_t	 lab[HQ_FLOWS_LAB_MAX];
	size_t		 nlab;
	const char *const *strings;
	const char *const *kinds;
	size_t		*slen;
	size_t		 nstrings;
	size_t		 overlap;	/* bytes rescanned across appends */
	size_t		 max_flows, prefix, mem_max, mem;
	struct flow	*flows;
	size_t		 nflows;
	uint32_t	*table;		/* index + 1, 0: empty */
	size_t		 tmask;
	struct hq_flow_finding *findings;
	size_t		 nfindings;
	struct hq_flows_stats st;
};

/* Password-like field names (JSON keys, form and query parameters). */
static const char *const field_keys[] = {
	"password", "passwd", "pass", "pwd", "passphrase", "secret",
	"client_secret", "api_key", "apikey", "access_token",
	"refresh_token", "auth_token", NULL
};
/* A part of each key above, in order: field_anchors[field_anchor_of[k]]
 * occurs in field_keys[k] (check_flows tests it). */
static const char *const field_anchors[] = {
	"pass", "pwd", "secret", "api", "_token",
};
static const unsigned char field_anchor_of[] = {
	0, 0, 0, 1, 0, 2, 2, 3, 3, 4, 4, 4,
};

const char *
hq_flow_class_name(enum hq_flow_class c)
{
	switch (c) {
	case HQ_FLOW_TLS:	return "tls";
	case HQ_FLOW_ENCRYPTED:	return "encrypted";
	case HQ_FLOW_CLEARTEXT:	return "cleartext";
	case HQ_FLOW_UNKNOWN:	return "unknown";
	default:		return "empty";
	}
}

int
hq_flows_new(const struct hq_flows_opts *o, struct hq_flows **flp,
    struct hq_err *err)
{
	struct hq_flows *fl;
	size_t i, cap;

	*flp = NULL;
	if ((fl = calloc(1, sizeof(*fl))) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	if (o->dut == NULL || inet_pton(AF_INET, o->dut, &fl->dut_a) != 1) {
		free(fl);
		return hq_err_set(err, HQ_EINVAL, "flows: the DUT address "
		    "\"%.64s\" is not IPv4", o->dut != NULL ? o->dut : "");
	}
	for (i = 0; i < o->nlab && fl->nlab < HQ_FLOWS_LAB_MAX; i++)
		if (inet_pton(AF_INET, o->lab[i], &fl->lab[fl->nlab]) == 1)
			fl->nlab++;
	fl->max_flows = o->max_flows == 0 ? HQ_FLOWS_DEFAULT : o->max_flows;
	if (fl->max_flows > HQ_FLOWS_MAX)
		fl->max_flows = HQ_FLOWS_MAX;
	fl->prefix = o->prefix == 0 ? HQ_FLOW_PREFIX_DEFAULT : o->prefix;
	if (fl->prefix < HQ_FLOW_PREFIX_MIN)
		fl->prefix = HQ_FLOW_PREFIX_MIN;
	if (fl->prefix > HQ_FLOW_PREFIX_MAX)
		fl->prefix = HQ_FLOW_PREFIX_MAX;
	fl->mem_max = o->mem_max == 0 ? HQ_FLOWS_MEM_DEFAULT : o->mem_max;
	fl->nstrings = o->nstrings > HQ_FLOWS_NEEDLES_MAX ?
	    HQ_FLOWS_NEEDLES_MAX : o->nstrings;
	fl->strings = o->strings;
	fl->kinds = o->kinds;
	fl->overlap = 64;
	for (cap = 1; cap < fl->max_flows * 2; cap *= 2)
		;
	fl->tmask = cap - 1;
	if ((fl->slen = calloc(fl->nstrings + 1, sizeof(*fl->slen))) == NULL ||
	    (fl->flows = calloc(fl->max_flows, sizeof(*fl->flows))) == NULL ||
	    (fl->table = calloc(cap, sizeof(*fl->table))) == NULL ||
	    (fl->findings = calloc(HQ_FLOWS_FINDINGS_MAX,
	    sizeof(*fl->findings))) == NULL) {
		hq_flows_free(fl);
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	}
	for (i = 0; i < fl->nstrings; i++) {
		fl->slen[i] = strlen(fl->strings[i]);
		if (fl->slen[i] + 64 > fl->overlap)
			fl->overlap = fl->slen[i] + 64;
	}
	/* The window kept when a buffer is full must cover the overlap. */
	if (fl->overlap > fl->prefix / 2)
		fl->overlap = fl->prefix / 2;
	*flp = fl;
	return 0;
}

static void
dir_free(struct hq_flows *fl, struct fdir *d)
{
	if (d->buf != NULL) {
		free(d->buf);
		fl->mem -= fl->prefix;
	}
	d->buf = NULL;
	d->len = 0;
}

void
hq_flows_free(struct hq_flows *fl)
{
	size_t i;

	if (fl == NULL)
		return;
	for (i = 0; fl->flows != NULL && i < fl->nflows; i++) {
		dir_free(fl, &fl->flows[i].d[0]);
		dir_free(fl, &fl->flows[i].d[1]);
	}
	free(fl->flows);
	free(fl->table);
	free(fl->findings);
	free(fl->slen);
	free(fl);
}

/* ---- findings ---- */

static void
finding(struct hq_flows *fl, struct flow *f, unsigned k, const char *kind,
    const char *detail, int dir, uint64_t frame)
{
	struct hq_flow_finding *x;

	if (k != 0) {
		if ((f->found & k) != 0)
			return;
		f->found |= k;
	}
	f->info.nfindings++;
	if (fl->nfindings == HQ_FLOWS_FINDINGS_MAX) {
		fl->st.findings_dropped++;
		return;
	}
	x = &fl->findings[fl->nfindings++];
	x->flow = f->info.id;
	x->kind = kind;
	snprintf(x->detail, sizeof(x->detail), "%s", detail);
	x->outbound = dir == 0;
	x->frame = frame;
}

/* ---- byte searches ---- */

static int
lc(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/*
 * First case-insensitive occurrence of lower-case n (len m) in h.  The
 * bulk of a capture is binary payload scanned for a dozen keys, so the
 * first byte is looked for 16 at a time (SSE2: OR 0x20 folds the case of
 * a letter and nothing else onto it), and only candidates are compared.
 */
static const uint8_t *
ci_find(const uint8_t *h, size_t hl, const char *n, size_t m)
{
	uint8_t c0 = (uint8_t)n[0], fold;
	size_t i = 0, k, last;

	if (m == 0 || hl < m)
		return NULL;
	last = hl - m;
	fold = c0 >= 'a' && c0 <= 'z' ? 0x20 : 0;
#ifdef __SSE2__
	{
		const __m128i vc = _mm_set1_epi8((char)c0);
		const __m128i vf = _mm_set1_epi8((char)fold);

		for (; i + 16 <= hl && i <= last; i += 16) {
			__m128i x = _mm_loadu_si128((const __m128i *)(const
			    void *)(h + i));
			unsigned mask = (unsigned)_mm_movemask_epi8(
			    _mm_cmpeq_epi8(_mm_or_si128(x, vf), vc));

			while (mask != 0) {
				size_t j = i + (size_t)__builtin_ctz(mask);

				mask &= mask - 1;
				if (j > last)
					return NULL;
				for (k = 1; k < m && lc(h[j + k]) == n[k]; k++)
					;
				if (k == m)
					return h + j;
			}
		}
	}
#endif
	for (; i <= last; i++) {
		if ((h[i] | fold) != c0)
			continue;
		for (k = 1; k < m && lc(h[i + k]) == n[k]; k++)
			;
		if (k == m)
			return h + i;
	}
	return NULL;
}

static bool
is_word(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_';
}

/* "key" "=" / ":" value, JSON or form; true if a value follows. */
static bool
field_at(const uint8_t *b, size_t len, size_t at, size_t klen)
{
	size_t i = at + klen;

	if (at > 0 && is_word(b[at - 1]))
		return false;
	if (i < len && (b[i] == '"' || b[i] == '\''))
		i++;
	while (i < len && (b[i] == ' ' || b[i] == '\t'))
		i++;
	if (i >= len || (b[i] != ':' && b[i] != '='))
		return false;
	i++;
	while (i < len && (b[i] == ' ' || b[i] == '\t'))
		i++;
	if (i < len && (b[i] == '"' || b[i] == '\''))
		i++;
	if (i >= len || b[i] == '"' || b[i] == '\'' || b[i] == '&' ||
	    b[i] == ',' || b[i] == '}' || b[i] == ';' || b[i] == ' ' ||
	    b[i] == '\r' || b[i] == '\n')
		return false;		/* empty */
	return !(i + 4 <= len && memcmp(b + i, "null", 4) == 0);
}

/* A command word at a line start ("PASS ", "AUTH "). */
static bool
line_cmd(const uint8_t *b, size_t len, size_t from, const char *cmd)
{
	size_t m = strlen(cmd), i = from;
	const uint8_t *nl;

	if (i > 0 && b[i - 1] != '\n') {	/* to the next line start */
		if ((nl = memchr(b + i, '\n', len - i)) == NULL)
			return false;
		i = (size_t)(nl - b) + 1;
	}
	while (i + m <= len) {
		if (ci_find(b + i, m, cmd, m) != NULL)
			return true;
		if ((nl = memchr(b + i, '\n', len - i)) == NULL)
			return false;
		i = (size_t)(nl - b) + 1;
	}
	return false;
}

/* Scans d->buf[from..len) of a flow not known to be encrypted. */
static void
scan(struct hq_flows *fl, struct flow *f, int dir, size_t from,
    uint64_t frame)
{
	struct fdir *d = &f->d[dir];
	const uint8_t *b = d->buf, *h;
	size_t len = d->len, i, k;

	/* HTTP Authorization / Proxy-Authorization (RFC 9110 11.6.2). */
	if ((f->found & K_AUTH) == 0) {
		size_t o = from;

		while ((h = ci_find(b + o, len - o, "authorization:",
		    14)) != NULL) {
			size_t at = (size_t)(h - b), s = at + 14, e;
			char scheme[17];

			o = at + 1;
			if (at > 0 && b[at - 1] != '\n' && b[at - 1] != '-')
				continue;
			while (s < len && b[s] == ' ')
				s++;
			for (e = s; e < len && e - s < 16 && (is_word(b[e]) ||
			    b[e] == '-'); e++)
				;
			memcpy(scheme, b + s, e - s);
			scheme[e - s] = '\0';
			finding(fl, f, K_AUTH, "HTTP Authorization header",
			    scheme[0] != '\0' ? scheme : "?", dir, frame);
			break;
		}
	}
	if ((f->found & K_FIELD) == 0) {
		/* Keys share anchors ("pass" is in four of them): a key whose
		 * anchor is absent cannot match, and is not searched. */
		bool anchor[sizeof(field_anchors) / sizeof(field_anchors[0])];

		for (k = 0; k < sizeof(anchor) / sizeof(anchor[0]); k++)
			anchor[k] = ci_find(b + from, len - from,
			    field_anchors[k], strlen(field_anchors[k])) != NULL;
		for (k = 0; field_keys[k] != NULL; k++) {
			size_t kl = strlen(field_keys[k]), o = from;

			if (!anchor[field_anchor_of[k]])
				continue;

			while (o < len && (h = ci_find(b + o, len - o,
			    field_keys[k], kl)) != NULL) {
				size_t at = (size_t)(h - b);

				o = at + 1;
				if (field_at(b, len, at, kl)) {
					finding(fl, f, K_FIELD, "password-like "
					    "field", field_keys[k], dir,
					    frame);
					break;
				}
			}
			if ((f->found & K_FIELD) != 0)
				break;
		}
	}
	/* FTP, POP3 (RFC 959, 1939); SMTP/IMAP/POP AUTH (RFC 4954). */
	if ((f->found & K_PASS) == 0 && line_cmd(b, len, from, "pass "))
		finding(fl, f, K_PASS, "PASS command", "", dir, frame);
	if ((f->found & K_SMTP) == 0 && line_cmd(b, len, from, "auth "))
		finding(fl, f, K_SMTP, "AUTH command", "", dir, frame);
	for (i = 0; i < fl->nstrings; i++) {
		if ((f->sfound[i / 8] & (1u << (i % 8))) != 0 ||
		    fl->slen[i] == 0 || len - from < fl->slen[i])
			continue;
		if (memmem(b + from, len - from, fl->strings[i],
		    fl->slen[i]) != NULL) {
			f->sfound[i / 8] |= (uint8_t)(1u << (i % 8));
			finding(fl, f, 0, fl->kinds != NULL ? fl->kinds[i] :
			    "declared string", "", dir, frame);
		}
	}
	if (strcmp(f->info.app, "telnet") == 0 && !d->prompt &&
	    (ci_find(b + from, len - from, "login:", 6) != NULL ||
	    ci_find(b + from, len - from, "assword:", 8) != NULL))
		d->prompt = true;
}

/* ---- classification ---- */

static bool
printable(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((p[i] < 0x20 || p[i] > 0x7e) && p[i] != '\r' &&
		    p[i] != '\n' && p[i] != '\t')
			return false;
	return true;
}

static bool
port_is(const struct flow *f, unsigned p)
{
	return f->info.peer_port == p || f->info.dut_port == p;
}

/* MQTT 3.1/3.1.1/5 CONNECT at a stream's start: *flagsp the flags. */
static bool
mqtt_connect(const uint8_t *p, size_t n, uint8_t *flagsp)
{
	struct hq_rd rd = { p, n };
	uint8_t t, c, lvl;
	uint16_t nl;
	const uint8_t *name;
	unsigned i;

	if (hq_rd_u8(&rd, &t) != 0 || t != 0x10)
		return false;
	for (i = 0; i < 4; i++)
		if (hq_rd_u8(&rd, &c) != 0 || (c & 0x80) == 0)
			break;
	if (i == 4 || hq_rd_u16be(&rd, &nl) != 0 ||
	    (nl != 4 && nl != 6) || hq_rd_bytes(&rd, nl, &name) != 0 ||
	    (memcmp(name, "MQTT", 4) != 0 &&
	    (nl != 6 || memcmp(name, "MQIsdp", 6) != 0)) ||
	    hq_rd_u8(&rd, &lvl) != 0 || hq_rd_u8(&rd, flagsp) != 0)
		return false;
	return true;
}

static void
set_class(struct flow *f, enum hq_flow_class c, const char *app)
{
	f->info.cls = c;
	f->info.app = app;
}

/* The first payload bytes of either side; false: not recognised. */
static bool
classify(struct flow *f, const uint8_t *p, size_t n)
{
	uint8_t fl8;

	if (f->info.proto == 50) {
		set_class(f, HQ_FLOW_ENCRYPTED, "esp");
		return true;
	}
	if (f->info.proto == 6) {
		/* RFC 8446 5.1: a record header, any of its content types,
		 * legacy versions 3.0 .. 3.4, a length within 2^14 + 2048. */
		if (n >= 5 && p[0] >= 20 && p[0] <= 23 && p[1] == 3 &&
		    p[2] <= 4 && (p[3] << 8 | p[4]) > 0 &&
		    (p[3] << 8 | p[4]) <= 18432) {
			set_class(f, HQ_FLOW_TLS, "tls");
			return true;
		}
		if (n >= 4 && memcmp(p, "SSH-", 4) == 0) {
			set_class(f, HQ_FLOW_ENCRYPTED, "ssh");
			return true;
		}
		if (mqtt_connect(p, n, &fl8) || port_is(f, 1883)) {
			set_class(f, HQ_FLOW_CLEARTEXT, "mqtt");
			return true;
		}
		if ((n >= 2 && p[0] == 0xff && p[1] >= 0xfb) ||
		    port_is(f, 23)) {
			set_class(f, HQ_FLOW_CLEARTEXT, "telnet");
			return true;
		}
		if (n >= 5 && (memcmp(p, "HTTP/", 5) == 0 ||
		    memcmp(p, "GET ", 4) == 0 || memcmp(p, "POST ", 5) == 0 ||
		    memcmp(p, "PUT ", 4) == 0 || memcmp(p, "HEAD ", 5) == 0 ||
		    (n >= 7 && memcmp(p, "DELETE ", 7) == 0) ||
		    (n >= 6 && memcmp(p, "PATCH ", 6) == 0) ||
		    (n >= 8 && memcmp(p, "OPTIONS ", 8) == 0) ||
		    (n >= 8 && memcmp(p, "CONNECT ", 8) == 0))) {
			set_class(f, HQ_FLOW_CLEARTEXT,
			    memmem(p, n, "RTSP/1.", 7) != NULL ? "rtsp" :
			    "http");
			return true;
		}
		if (port_is(f, 21)) {
			set_class(f, HQ_FLOW_CLEARTEXT, "ftp");
			return true;
		}
		if (n >= 8 && printable(p, n)) {
			set_class(f, HQ_FLOW_CLEARTEXT, "text");
			return true;
		}
		return false;
	}
	if (f->info.proto == 17) {
		if (port_is(f, 5353)) {
			set_class(f, HQ_FLOW_CLEARTEXT, "mdns");
			return true;
		}
		if (port_is(f, 53)) {
			set_class(f, HQ_FLOW_CLEARTEXT, "dns");
			return true;
		}
		if (port_is(f, 123)) {
			set_class(f, HQ_FLOW_CLEARTEXT, "ntp");
			return true;
		}
		if (port_is(f, 67) || port_is(f, 68)) {
			set_class(f, HQ_FLOW_CLEARTEXT, "dhcp");
			return true;
		}
		if (port_is(f, 1900)) {
			set_class(f, HQ_FLOW_CLEARTEXT, "ssdp");
			return true;
		}
		if (port_is(f, 514)) {
			set_class(f, HQ_FLOW_CLEARTEXT, "syslog");
			return true;
		}
		/* RFC 9147 4: DTLS record, versions 1.0, 1.2, 1.3. */
		if (n >= 13 && p[0] >= 20 && p[0] <= 26 && p[1] == 0xfe &&
		    (p[2] == 0xff || p[2] == 0xfd || p[2] == 0xfc)) {
			set_class(f, HQ_FLOW_ENCRYPTED, "dtls");
			return true;
		}
		/* RFC 9000 17.2: a long header with a known version. */
		if (n >= 7 && (p[0] & 0xc0) == 0xc0 &&
		    ((p[1] == 0 && p[2] == 0 && p[3] == 0 && p[4] == 1) ||
		    (p[1] == 0x6b && p[2] == 0x33 && p[3] == 0x43 &&
		    p[4] == 0xcf))) {
			set_class(f, HQ_FLOW_ENCRYPTED, "quic");
			return true;
		}
		/* WireGuard: message types 1-4, three reserved zero bytes. */
		if (n >= 32 && p[0] >= 1 && p[0] <= 4 && p[1] == 0 &&
		    p[2] == 0 && p[3] == 0) {
			set_class(f, HQ_FLOW_ENCRYPTED, "wireguard");
			return true;
		}
		if (n >= 8 && printable(p, n)) {
			set_class(f, HQ_FLOW_CLEARTEXT, "text");
			return true;
		}
	}
	return false;
}

/* ---- payload ---- */

static void
append(struct hq_flows *fl, struct flow *f, int dir, const uint8_t *p,
    size_t n, uint64_t frame)
{
	struct fdir *d = &f->d[dir];

	if (f->info.unanalysed)
		return;
	if (d->buf == NULL) {
		if (fl->mem + fl->prefix > fl->mem_max ||
		    (d->buf = malloc(fl->prefix)) == NULL) {
			f->info.unanalysed = true;
			return;
		}
		fl->mem += fl->prefix;
		if (fl->mem > fl->st.mem_peak)
			fl->st.mem_peak = fl->mem;
	}
	while (n > 0) {
		size_t take, old;

		if (d->len == fl->prefix) {
			/* A sliding window: keep the overlap. */
			memmove(d->buf, d->buf + d->len - fl->overlap,
			    fl->overlap);
			d->len = fl->overlap;
		}
		take = fl->prefix - d->len;
		if (take > n)
			take = n;
		old = d->len;
		memcpy(d->buf + d->len, p, take);
		d->len += take;
		scan(fl, f, dir, old > fl->overlap ? old - fl->overlap : 0,
		    frame);
		p += take;
		n -= take;
	}
}

static void
consume(struct hq_flows *fl, struct flow *f, int dir, const uint8_t *p,
    size_t n, uint64_t frame)
{
	struct fdir *d = &f->d[dir];
	uint8_t mf;
	bool start = d->bytes == 0;
	size_t i;

	d->bytes += n;
	if (f->done || n == 0)
		return;
	if ((f->info.cls == HQ_FLOW_EMPTY || f->info.cls == HQ_FLOW_UNKNOWN)
	    && f->tries < HQ_FLOWS_CLASSIFY_TRIES) {
		f->tries++;
		if (!classify(f, p, n))
			set_class(f, HQ_FLOW_UNKNOWN, "");
	}
	if (f->info.cls == HQ_FLOW_TLS || f->info.cls == HQ_FLOW_ENCRYPTED) {
		f->done = true;
		dir_free(fl, &f->d[0]);
		dir_free(fl, &f->d[1]);
		return;
	}
	/* MQTT 3.1.1 3.1.2.9: the password flag of a CONNECT. */
	if (start && mqtt_connect(p, n, &mf) && (mf & 0x40) != 0)
		finding(fl, f, K_MQTT, "MQTT CONNECT with a password", "", dir,
		    frame);
	/* Telnet: anything typed after the other side's login prompt. */
	if (strcmp(f->info.app, "telnet") == 0 && f->d[!dir].prompt)
		for (i = 0; i < n; i++) {
			if (p[i] == 0xff) {
				i += 2;
				continue;
			}
			if (p[i] > 0x20 && p[i] < 0x7f) {
				finding(fl, f, K_TELNET, "telnet login", "",
				    dir, frame);
				break;
			}
		}
	append(fl, f, dir, p, n, frame);
}

/* ---- frames ---- */

static struct flow *
lookup(struct hq_flows *fl, uint8_t proto, uint16_t dport, uint32_t peer,
    uint16_t pport, uint64_t frame, bool *newp)
{
	uint64_t h = ((uint64_t)proto << 48 | (uint64_t)dport << 32 | peer) *
	    0x9e3779b97f4a7c15ull ^ (uint64_t)pport * 0xc2b2ae3d27d4eb4full;
	size_t i = (size_t)(h ^ h >> 29) & fl->tmask;
	struct flow *f;
	struct in_addr a;

	*newp = false;
	for (;; i = (i + 1) & fl->tmask) {
		if (fl->table[i] == 0)
			break;
		f = &fl->flows[fl->table[i] - 1];
		if (f->info.proto == proto && f->info.dut_port == dport &&
		    f->peer_a == peer && f->info.peer_port == pport)
			return f;
	}
	if (fl->nflows == fl->max_flows) {
		if (fl->st.untracked++ == 0)
			fl->st.first_untracked_frame = frame;
		return NULL;
	}
	f = &fl->flows[fl->nflows++];
	fl->table[i] = (uint32_t)fl->nflows;
	memset(f, 0, sizeof(*f));
	f->info.id = (uint32_t)fl->nflows;
	f->info.proto = proto;
	f->info.dut_port = dport;
	f->info.peer_port = pport;
	f->info.app = "";
	f->info.first_frame = frame;
	f->peer_a = peer;
	a.s_addr = fl->dut_a;
	snprintf(f->info.dut, sizeof(f->info.dut), "%s:%u", inet_ntoa(a),
	    dport);
	a.s_addr = peer;
	snprintf(f->info.peer, sizeof(f->info.peer), "%s:%u", inet_ntoa(a),
	    pport);
	*newp = true;
	return f;
}

static void
tcp_payload(struct hq_flows *fl, struct flow *f, int dir, uint32_t seq,
    uint8_t flags, const uint8_t *p, size_t caplen, size_t reallen,
    uint64_t frame)
{
	struct fdir *d = &f->d[dir];
	int32_t delta;

	if ((flags & 0x02) != 0) {		/* SYN */
		d->next = seq + 1;
		d->seq_known = true;
		if (dir == 0 && (flags & 0x10) == 0)
			f->info.dut_initiated = true;
		return;
	}
	if (reallen == 0)
		return;
	if (!d->seq_known) {
		/* RFC 9293 3.8.4: a keep-alive probe carries one old byte;
		 * it does not start a stream we join late. */
		if (reallen == 1)
			return;
		d->next = seq;
		d->seq_known = true;
	}
	delta = (int32_t)(seq - d->next);
	if (delta < 0) {
		size_t skip = (size_t)-(int64_t)delta;

		if (skip >= reallen)
			return;		/* retransmission */
		reallen -= skip;
		if (skip >= caplen) {
			caplen = 0;
		} else {
			p += skip;
			caplen -= skip;
		}
		seq += (uint32_t)skip;
	} else if (delta > 0) {
		f->info.gap = true;	/* lost or not captured */
	}
	d->next = seq + (uint32_t)reallen;
	if (dir == 0)
		f->info.bytes_out += reallen;
	else
		f->info.bytes_in += reallen;
	consume(fl, f, dir, p, caplen, frame);
	if (caplen < reallen)
		f->info.gap = true;	/* cut by the snap length */
}

static bool
is_lab(const struct hq_flows *fl, uint32_t a)
{
	size_t i;

	for (i = 0; i < fl->nlab; i++)
		if (fl->lab[i] == a)
			return true;
	return false;
}

void
hq_flows_frame(struct hq_flows *fl, uint64_t frame, const uint8_t *p,
    size_t caplen)
{
	struct hq_rd rd = { p, caplen }, ip;
	uint16_t et, tot, frag;
	uint8_t vihl, proto;
	const uint8_t *src, *dst, *a6;
	uint32_t s, d, peer;
	size_t ihl, avail;
	struct flow *f;
	bool isnew;
	int dir, tags = 0;

	fl->st.frames++;
	if (hq_rd_skip(&rd, 12) != 0 || hq_rd_u16be(&rd, &et) != 0) {
		fl->st.malformed++;
		return;
	}
	while ((et == 0x8100 || et == 0x88a8) && tags++ < 2)
		if (hq_rd_skip(&rd, 2) != 0 || hq_rd_u16be(&rd, &et) != 0) {
			fl->st.malformed++;
			return;
		}
	if (et == 0x86dd) {
		fl->st.ipv6++;
		/* Global unicast (2000::/3) either way: traffic this
		 * analysis does not follow. */
		if (hq_rd_skip(&rd, 8) == 0 && hq_rd_bytes(&rd, 32, &a6) == 0 &&
		    ((a6[0] & 0xe0) == 0x20 || (a6[16] & 0xe0) == 0x20))
			fl->st.ipv6_global++;
		return;
	}
	if (et != 0x0800) {
		fl->st.not_ip++;
		return;
	}
	if (hq_rd_u8(&rd, &vihl) != 0 || (vihl >> 4) != 4 ||
	    (ihl = (size_t)(vihl & 0x0f) * 4) < 20 ||
	    hq_rd_skip(&rd, 1) != 0 || hq_rd_u16be(&rd, &tot) != 0 ||
	    hq_rd_skip(&rd, 2) != 0 || hq_rd_u16be(&rd, &frag) != 0 ||
	    hq_rd_skip(&rd, 1) != 0 || hq_rd_u8(&rd, &proto) != 0 ||
	    hq_rd_skip(&rd, 2) != 0 || hq_rd_bytes(&rd, 4, &src) != 0 ||
	    hq_rd_bytes(&rd, 4, &dst) != 0 || hq_rd_skip(&rd, ihl - 20) != 0 ||
	    tot < ihl) {
		fl->st.malformed++;
		return;
	}
	memcpy(&s, src, 4);
	memcpy(&d, dst, 4);
	if (s == fl->dut_a && d != fl->dut_a) {
		dir = 0;
		peer = d;
	} else if (d == fl->dut_a && s != fl->dut_a) {
		dir = 1;
		peer = s;
	} else {
		fl->st.other++;
		return;
	}
	if (is_lab(fl, peer)) {
		fl->st.lab++;
		return;
	}
	fl->st.outbound++;
	if ((frag & 0x1fff) != 0) {
		fl->st.fragments++;
		return;
	}
	/* The IP payload: what the header says, as far as captured. */
	avail = (size_t)tot - ihl;
	ip.p = rd.p;
	ip.len = rd.len < avail ? rd.len : avail;
	if (proto == 6) {
		uint16_t sp, dp;
		uint32_t seq;
		uint8_t off, flags;
		size_t doff;

		if (hq_rd_u16be(&ip, &sp) != 0 || hq_rd_u16be(&ip, &dp) != 0 ||
		    hq_rd_u32be(&ip, &seq) != 0 || hq_rd_skip(&ip, 4) != 0 ||
		    hq_rd_u8(&ip, &off) != 0 || hq_rd_u8(&ip, &flags) != 0 ||
		    (doff = (size_t)(off >> 4) * 4) < 20 || doff > avail ||
		    hq_rd_skip(&ip, doff - 14) != 0) {
			fl->st.malformed++;
			return;
		}
		if ((f = lookup(fl, 6, dir == 0 ? sp : dp, peer, dir == 0 ?
		    dp : sp, frame, &isnew)) == NULL)
			return;
		f->info.packets++;
		f->info.last_frame = frame;
		tcp_payload(fl, f, dir, seq, flags, ip.p, ip.len, avail - doff,
		    frame);
	} else if (proto == 17) {
		uint16_t sp, dp, ul;
		size_t real;

		if (hq_rd_u16be(&ip, &sp) != 0 || hq_rd_u16be(&ip, &dp) != 0 ||
		    hq_rd_u16be(&ip, &ul) != 0 || hq_rd_skip(&ip, 2) != 0 ||
		    ul < 8) {
			fl->st.malformed++;
			return;
		}
		if ((f = lookup(fl, 17, dir == 0 ? sp : dp, peer, dir == 0 ?
		    dp : sp, frame, &isnew)) == NULL)
			return;
		if (isnew && dir == 0)
			f->info.dut_initiated = true;
		f->info.packets++;
		f->info.last_frame = frame;
		real = (size_t)ul - 8 < avail - 8 ? (size_t)ul - 8 :
		    avail - 8;
		if (dir == 0)
			f->info.bytes_out += real;
		else
			f->info.bytes_in += real;
		consume(fl, f, dir, ip.p, ip.len < real ? ip.len : real,
		    frame);
		if (ip.len < real)
			f->info.gap = true;
	} else if (proto != 1) {	/* ICMP is not a flow */
		if ((f = lookup(fl, proto, 0, peer, 0, frame, &isnew)) == NULL)
			return;
		if (isnew && dir == 0)
			f->info.dut_initiated = true;
		f->info.packets++;
		f->info.last_frame = frame;
		if (dir == 0)
			f->info.bytes_out += avail;
		else
			f->info.bytes_in += avail;
		consume(fl, f, dir, ip.p, ip.len, frame);
	}
}

int
hq_flows_read_pcapng(struct hq_flows *fl, const char *path, uint32_t ifid,
    uint64_t *framesp, bool *cut_shortp, struct hq_err *err)
{
	struct hq_pcapng *r = NULL;
	struct hq_pcapng_pkt pk;
	bool end = false;
	int rc;

	if (framesp != NULL)
		*framesp = 0;
	if (cut_shortp != NULL)
		*cut_shortp = false;
	if ((rc = hq_pcapng_open(path, &r, err)) != 0)
		return rc;
	while ((rc = hq_pcapng_next(r, &pk, &end, err)) == 0 && !end)
		if (pk.ifid == ifid && pk.linktype == 1)
			hq_flows_frame(fl, pk.frame, pk.data, pk.caplen);
	if (framesp != NULL)
		*framesp = hq_pcapng_stats(r)->packets;
	if (cut_shortp != NULL)
		*cut_shortp = hq_pcapng_stats(r)->cut_short;
	hq_pcapng_close(r);
	hq_flows_finish(fl);
	return rc;
}

void
hq_flows_finish(struct hq_flows *fl)
{
	size_t i;

	for (i = 0; i < fl->nflows; i++) {
		struct flow *f = &fl->flows[i];

		if (f->info.cls == HQ_FLOW_EMPTY &&
		    f->info.bytes_out + f->info.bytes_in > 0)
			set_class(f, HQ_FLOW_UNKNOWN, "");
	}
}

size_t
hq_flows_count(const struct hq_flows *fl)
{
	return fl->nflows;
}

const struct hq_flow_info *
hq_flows_get(const struct hq_flows *fl, size_t i)
{
	return i < fl->nflows ? &fl->flows[i].info : NULL;
}

size_t
hq_flows_nfindings(const struct hq_flows *fl)
{
	return fl->nfindings;
}

const struct hq_flow_finding *
hq_flows_finding(const struct hq_flows *fl, size_t i)
{
	return i < fl->nfindings ? &fl->findings[i] : NULL;
}

const struct hq_flows_stats *
hq_flows_stats(const struct hq_flows *fl)
{
	return &fl->st;
}

cJSON *
hq_flows_json(const struct hq_flows *fl)
{
	cJSON *o = cJSON_CreateObject(), *s, *a, *e;
	const struct hq_flows_stats *st = &fl->st;
	size_t i;

	if (o == NULL)
		return NULL;
	s = cJSON_AddObjectToObject(o, "stats");
	cJSON_AddNumberToObject(s, "frames", (double)st->frames);
	cJSON_AddNumberToObject(s, "outbound_packets", (double)st->outbound);
	cJSON_AddNumberToObject(s, "lab_packets", (double)st->lab);
	cJSON_AddNumberToObject(s, "other_packets", (double)st->other);
	cJSON_AddNumberToObject(s, "not_ip", (double)st->not_ip);
	cJSON_AddNumberToObject(s, "ipv6", (double)st->ipv6);
	cJSON_AddNumberToObject(s, "ipv6_global", (double)st->ipv6_global);
	cJSON_AddNumberToObject(s, "malformed", (double)st->malformed);
	cJSON_AddNumberToObject(s, "fragments", (double)st->fragments);
	cJSON_AddNumberToObject(s, "untracked_packets", (double)st->untracked);
	cJSON_AddNumberToObject(s, "max_flows", (double)fl->max_flows);
	cJSON_AddNumberToObject(s, "prefix_bytes", (double)fl->prefix);
	cJSON_AddNumberToObject(s, "buffer_bytes_peak", (double)st->mem_peak);
	cJSON_AddNumberToObject(s, "findings_dropped",
	    (double)st->findings_dropped);
	a = cJSON_AddArrayToObject(o, "flows");
	for (i = 0; i < fl->nflows; i++) {
		const struct hq_flow_info *f = &fl->flows[i].info;

		e = cJSON_CreateObject();
		cJSON_AddNumberToObject(e, "id", f->id);
		cJSON_AddStringToObject(e, "transport", f->proto == 6 ? "tcp" :
		    f->proto == 17 ? "udp" : "ip");
		cJSON_AddNumberToObject(e, "ip_proto", f->proto);
		cJSON_AddStringToObject(e, "dut", f->dut);
		cJSON_AddStringToObject(e, "peer", f->peer);
		cJSON_AddBoolToObject(e, "dut_initiated", f->dut_initiated);
		cJSON_AddStringToObject(e, "class", hq_flow_class_name(f->cls));
		cJSON_AddStringToObject(e, "app", f->app);
		cJSON_AddNumberToObject(e, "first_frame", (double)f->first_frame);
		cJSON_AddNumberToObject(e, "last_frame", (double)f->last_frame);
		cJSON_AddNumberToObject(e, "packets", (double)f->packets);
		cJSON_AddNumberToObject(e, "bytes_out", (double)f->bytes_out);
		cJSON_AddNumberToObject(e, "bytes_in", (double)f->bytes_in);
		if (f->gap)
			cJSON_AddBoolToObject(e, "gap", true);
		if (f->unanalysed)
			cJSON_AddBoolToObject(e, "unanalysed", true);
		cJSON_AddNumberToObject(e, "findings", (double)f->nfindings);
		cJSON_AddItemToArray(a, e);
	}
	a = cJSON_AddArrayToObject(o, "findings");
	for (i = 0; i < fl->nfindings; i++) {
		const struct hq_flow_finding *x = &fl->findings[i];

		e = cJSON_CreateObject();
		cJSON_AddNumberToObject(e, "flow", x->flow);
		cJSON_AddStringToObject(e, "kind", x->kind);
		if (x->detail[0] != '\0')
			cJSON_AddStringToObject(e, "detail", x->detail);
		cJSON_AddStringToObject(e, "direction", x->outbound ?
		    "from the DUT" : "to the DUT");
		cJSON_AddNumberToObject(e, "frame", (double)x->frame);
		cJSON_AddItemToArray(a, e);
	}
	return o;
}
