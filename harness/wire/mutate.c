/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Malformed input: protocol models and the seeded case generator (see
 * mutate.h).  A model is a list of templates; a template is a list of
 * parts (prefix, value, suffix, kind), rendered in order, with the parts
 * after the head making the body whose length a Content-Length, an MQTT
 * remaining length or a TLS record length announces.  A case mutates one
 * part of one template: its value (overlong, empty, wrong type, boundary
 * integer, format string, path traversal, NUL, non-UTF-8, bad encoding),
 * its presence (missing, repeated) or, by kind, a length against its body
 * or a JSON body's shape.  Nothing here does I/O; every buffer is capped.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "wire/mutate.h"
#include "wire/tlswire.h"

/* ---- rng ---- */

void
hq_rng_seed(struct hq_rng *r, uint64_t seed)
{
	r->s = seed;
}

uint64_t
hq_rng_next(struct hq_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint32_t
hq_rng_below(struct hq_rng *r, uint32_t n)
{
	return n == 0 ? 0 : (uint32_t)(hq_rng_next(r) % n);
}

/* ---- a capped byte buffer ---- */

struct mbuf {
	uint8_t	*p;
	size_t	 len;
	size_t	 cap;		/* the most it may hold */
	size_t	 alloc;		/* allocated; grows up to cap (0: fixed) */
	bool	 full;		/* something did not fit: cut, not grown */
};

/* A growing buffer of at most cap bytes (most cases are small, so no
 * large allocation per case); 0 or HQ_ENOMEM. */
static int
mb_init(struct mbuf *b, size_t cap)
{
	memset(b, 0, sizeof(*b));
	b->cap = cap;
	b->alloc = 4096 < cap ? 4096 : cap;
	return (b->p = malloc(b->alloc)) == NULL ? HQ_ENOMEM : 0;
}

static void
mb_put(struct mbuf *b, const void *p, size_t n)
{
	if (n > b->cap - b->len) {
		n = b->cap - b->len;
		b->full = true;
	}
	if (b->alloc != 0 && b->len + n > b->alloc) {
		size_t na = b->alloc;
		uint8_t *np;

		while (na < b->len + n)
			na *= 2;
		if (na > b->cap)
			na = b->cap;
		if ((np = realloc(b->p, na)) == NULL) {
			n = b->alloc - b->len;
			b->full = true;
		} else {
			b->p = np;
			b->alloc = na;
		}
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void
mb_str(struct mbuf *b, const char *s)
{
	mb_put(b, s, strlen(s));
}

static void
mb_u8(struct mbuf *b, unsigned v)
{
	uint8_t c = (uint8_t)v;

	mb_put(b, &c, 1);
}

static void
mb_u16(struct mbuf *b, unsigned v)
{
	mb_u8(b, v >> 8);
	mb_u8(b, v);
}

static void
mb_fill(struct mbuf *b, int c, size_t n)
{
	uint8_t chunk[512];
	size_t k;

	memset(chunk, c, sizeof(chunk));
	while (n > 0 && !b->full) {
		k = n < sizeof(chunk) ? n : sizeof(chunk);
		mb_put(b, chunk, k);
		n -= k;
	}
}

/* ---- models ---- */

enum kind {
	K_TOKEN,	/* method, version */
	K_PATH,		/* URI */
	K_TEXT,		/* a header value, a string */
	K_INT,		/* a decimal number */
	K_CLEN,		/* Content-Length: the body's length unless mutated */
	K_CHUNK,	/* chunk size (hex): the chunk's length */
	K_JSON,		/* a JSON object body: {"user":V,"password":"x"} */
	K_SOAP,		/* a SOAP 1.2 envelope, V the request element */
	K_BYTE,		/* one byte (binary protocols) */
	K_U16,		/* two bytes big-endian */
	K_VARLEN,	/* MQTT remaining length of the body */
	K_MQSTR,	/* MQTT UTF-8 string: u16 length + bytes */
	K_LEN16,	/* a u16 length of the body (TLS record) */
	K_LEN24,	/* a u24 length of the body (TLS handshake) */
	K_VEC8,		/* TLS vector, u8 length + bytes */
	K_VEC16,	/* TLS vector, u16 length + bytes */
	K_LEN32,	/* a u32 length of the body (raw framing) */
	K_RAW,		/* raw bytes */
	K_XMLDECL,	/* an XML declaration: the DOCTYPE of entity cases */
	K_XMLTEXT,	/* XML element content: depth, entities */
	K_UUID,		/* a urn:uuid: message id ("{uuid}": the case's) */
};

struct part {
	const char	*name;
	enum kind	 kind;
	const char	*pre;
	const char	*val;		/* default value; "{host}", "{path}" */
	size_t		 vlen;		/* 0: strlen(val) */
	const char	*post;
	bool		 body;		/* after the head */
};

#define TPL_PARTS_MAX	24

struct tpl {
	const char	*name;
	const uint8_t	*prefix;	/* sent first, never mutated */
	size_t		 prefix_len;
	struct part	 parts[TPL_PARTS_MAX];
};

enum op {
	OP_LONG1K, OP_LONG9K, OP_LONG64K, OP_EMPTY, OP_MISSING, OP_REPEATED,
	OP_WRONGTYPE, OP_BOUNDARY, OP_FORMAT, OP_TRAVERSAL, OP_NUL,
	OP_NONUTF8, OP_ENCODING,
	OP_GENERIC_COUNT,
	OP_DEEP = OP_GENERIC_COUNT, OP_HUGENUM, OP_DUPKEY,	/* K_JSON */
	OP_ENTITY,					/* K_SOAP */
	OP_LEN_OVER, OP_LEN_UNDER, OP_LEN_CONFLICT,	/* length kinds */
	OP_RANDOM,					/* K_RAW */
	OP_COUNT
};

static const char *const op_names[OP_COUNT] = {
	"overlong-1k", "overlong-9k", "overlong-64k", "empty", "missing",
	"repeated", "wrong-type", "boundary-int", "format-string",
	"path-traversal", "nul-byte", "non-utf8", "bad-encoding",
	"deep-nesting", "huge-number", "duplicate-key", "entity-expansion",
	"length-over-body", "length-under-body", "length-conflict", "random",
};

static bool
is_len_kind(enum kind k)
{
	return k == K_CLEN || k == K_CHUNK || k == K_VARLEN ||
	    k == K_LEN16 || k == K_LEN24 || k == K_LEN32;
}

static bool
op_applies(enum kind k, enum op op)
{
	if (op < OP_GENERIC_COUNT)
		return true;
	if (op == OP_DEEP)
		return k == K_JSON || k == K_SOAP || k == K_XMLTEXT;
	if (op == OP_HUGENUM || op == OP_DUPKEY)
		return k == K_JSON;
	if (op == OP_ENTITY)
		return k == K_SOAP || k == K_XMLTEXT;
	if (op >= OP_LEN_OVER && op <= OP_LEN_CONFLICT)
		return is_len_kind(k);
	return k == K_RAW;	/* OP_RANDOM */
}

#define HTTP_HEAD(m) \
	{ "method", K_TOKEN, "", m, 0, " ", false }, \
	{ "uri", K_PATH, "", "{path}", 0, " ", false }, \
	{ "version", K_TOKEN, "", "HTTP/1.1", 0, "\r\n", false }, \
	{ "host", K_TEXT, "Host: ", "{host}", 0, "\r\n", false }

#define HTTP_POST_HEAD \
	{ "method", K_TOKEN, "", "POST", 0, " ", false }, \
	{ "uri", K_PATH, "", "{lpath}", 0, " ", false }, \
	{ "version", K_TOKEN, "", "HTTP/1.1", 0, "\r\n", false }, \
	{ "host", K_TEXT, "Host: ", "{host}", 0, "\r\n", false }

static const struct tpl http_tpls[] = {
	{ "get", NULL, 0, {
		HTTP_HEAD("GET"),
		{ "user-agent", K_TEXT, "User-Agent: ", "hopquy-input/1", 0,
		    "\r\n", false },
		{ "accept", K_TEXT, "Accept: ", "*/*", 0, "\r\n", false },
		{ "authorization", K_TEXT, "Authorization: ",
		    "Basic aG9wcXV5LWlucHV0Ong=", 0, "\r\n", false },
		{ "cookie", K_TEXT, "Cookie: ", "session=0123456789abcdef", 0,
		    "\r\n", false },
		{ "range", K_TEXT, "Range: ", "bytes=0-1023", 0, "\r\n",
		    false },
		{ "connection", K_TEXT, "Connection: ", "close", 0, "\r\n",
		    false },
		{ "end-of-head", K_RAW, "", "\r\n", 0, "", false },
		{ NULL, 0, NULL, NULL, 0, NULL, false } } },
	{ "post-json", NULL, 0, {
		HTTP_POST_HEAD,
		{ "content-type", K_TEXT, "Content-Type: ", "application/json",
		    0, "\r\n", false },
		{ "content-length", K_CLEN, "Content-Length: ", "", 0, "\r\n",
		    false },
		{ "connection", K_TEXT, "Connection: ", "close", 0, "\r\n",
		    false },
		{ "end-of-head", K_RAW, "", "\r\n", 0, "", false },
		{ "json-body", K_JSON, "", "hopquy-input", 0, "", true },
		{ NULL, 0, NULL, NULL, 0, NULL, false } } },
	{ "post-chunked", NULL, 0, {
		HTTP_POST_HEAD,
		{ "content-type", K_TEXT, "Content-Type: ", "application/json",
		    0, "\r\n", false },
		{ "transfer-encoding", K_TEXT, "Transfer-Encoding: ",
		    "chunked", 0, "\r\n", false },
		{ "connection", K_TEXT, "Connection: ", "close", 0, "\r\n",
		    false },
		{ "end-of-head", K_RAW, "", "\r\n", 0, "", false },
		{ "chunk-size", K_CHUNK, "", "", 0, "\r\n", false },
		{ "chunk-data", K_JSON, "", "hopquy-input", 0, "", true },
		{ "last-chunk", K_RAW, "", "\r\n0\r\n\r\n", 0, "", false },
		{ NULL, 0, NULL, NULL, 0, NULL, false } } },
};

#define RTSP_HEAD(m) \
	{ "method", K_TOKEN, "", m, 0, " ", false }, \
	{ "uri", K_PATH, "rtsp://{host}", "{path}", 0, " ", false }, \
	{ "version", K_TOKEN, "", "RTSP/1.0", 0, "\r\n", false }, \
	{ "cseq", K_INT, "CSeq: ", "2", 0, "\r\n", false }

static const struct tpl rtsp_tpls[] = {
	{ "describe", NULL, 0, {
		RTSP_HEAD("DESCRIBE"),
		{ "accept", K_TEXT, "Accept: ", "application/sdp", 0, "\r\n",
		    false },
		{ "authorization", K_TEXT, "Authorization: ",
		    "Digest username=\"hopquy-input\", realm=\"x\", "
		    "nonce=\"0\", uri=\"/\", "
		    "response=\"00000000000000000000000000000000\"", 0,
		    "\r\n", false },
		{ "user-agent", K_TEXT, "User-Agent: ", "hopquy-input/1", 0,
		    "\r\n", false },
		{ "end-of-head", K_RAW, "", "\r\n", 0, "", false },
		{ NULL, 0, NULL, NULL, 0, NULL, false } } },
	{ "setup", NULL, 0, {
		RTSP_HEAD("SETUP"),
		{ "transport", K_TEXT, "Transport: ",
		    "RTP/AVP;unicast;client_port=8000-8001", 0, "\r\n",
		    false },
		{ "session", K_TEXT, "Session: ", "12345678", 0, "\r\n",
		    false },
		{ "end-of-head", K_RAW, "", "\r\n", 0, "", false },
		{ NULL, 0, NULL, NULL, 0, NULL, false } } },
	{ "announce", NULL, 0, {
		RTSP_HEAD("ANNOUNCE"),
		{ "content-type", K_TEXT, "Content-Type: ", "application/sdp",
		    0, "\r\n", false },
		{ "content-length", K_CLEN, "Content-Length: ", "", 0, "\r\n",
		    false },
		{ "end-of-head", K_RAW, "", "\r\n", 0, "", false },
		{ "sdp", K_TEXT, "v=0\r\no=- 0 0 IN IP4 0.0.0.0\r\ns=",
		    "hopquy-input", 0, "\r\nm=video 0 RTP/AVP 96\r\n", true },
		{ NULL, 0, NULL, NULL, 0, NULL, false } } },
};

/* A valid MQTT 3.1.1 CONNECT, sent before a mutated SUBSCRIBE/PUBLISH. */
static const uint8_t mqtt_connect[] = {
	0x10, 0x18, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02, 0x00, 0x3c,
	0x00, 0x0c, 'h', 'o', 'p', 'q', 'u', 'y', '-', 'i', 'n', 'p', 'u',
	't'
};

static const struct tpl mqtt_tpls[] = {
	{ "connect", NULL, 0, {
		{ "packet-type", K_BYTE, "", "\x10", 1, "", false },
		{ "remaining-length", K_VARLEN, "", "", 0, "", false },
		{ "protocol-name", K_MQSTR, "", "MQTT", 0, "", true },
		{ "protocol-level", K_BYTE, "", "\x04", 1, "", true },
		{ "connect-flags", K_BYTE, "", "\xc2", 1, "", true },
		{ "keep-alive", K_U16, "", "\x00\x3c", 2, "", true },
		{ "client-id", K_MQSTR, "", "hopquy-input", 0, "", true },
		{ "username", K_MQSTR, "", "hopquy-input", 0, "", true },
		{ "password", K_MQSTR, "", "x", 0, "", true },
		{ NULL, 0, NULL, NULL, 0, NULL, false } } },
	{ "subscribe", mqtt_connect, sizeof(mqtt_connect), {
		{ "packet-type", K_BYTE, "", "\x82", 1, "", false },
		{ "remaining-length", K_VARLEN, "", "", 0, "", false },
		{ "packet-id", K_U16, "", "\x00\x01", 2, "", true },
		{ "topic-filter", K_MQSTR, "", "hopquy/+/input/#", 0, "",
		    true },
		{ "requested-qos", K_BYTE, "", "\x01", 1, "", true },
		{ NULL, 0, NULL, NULL, 0, NULL, false } } },
	{ "publish", mqtt_connect, sizeof(mqtt_connect), {
		{ "packet-type", K_BYTE, "", "\x30", 1, "", false },
		{ "remaining-length", K_VARLEN, "", "", 0, "", false },
		{ "topic-name", K_MQSTR, "", "hopquy/input", 0, "", true },
		{ "payload", K_RAW, "", "hopquy-input", 0, "", true },
		{ NULL, 0, NULL, NULL, 0, NULL, false } } },
};

static const struct tpl telnet_tpls[] = {
	{ "negotiate", NULL, 0, {
		{ "do-echo", K_RAW, "", "\xff\xfd\x01", 3, "", false },
		{ "will-ttype", K_RAW, "", "\xff\xfb\x18", 3, "", false },
		{ "sb-open", K_RAW, "", "\xff\xfa\x18\x00", 4, "", false },
		{ "terminal-type", K_TEXT, "", "xterm", 0, "", false },
		{ "sb-end", K_RAW, "", "\xff\xf0", 2, "", false },
		{ "will-naws", K_RAW, "", "\xff\xfb\x1f", 3, "", false },
		{ "sb-naws", K_RAW, "\xff\xfa\x1f", "\x00\x50\x00\x18", 4,
		    "\xff\xf0", false },
		{ "login", K_TEXT, "", "hopquy-input", 0, "\r\n", false },
		{ NULL, 0, NULL, NULL, 0, NULL, false } } },
};

static const struct tpl raw_tpls[] = {
	{ "length-prefixed", NULL, 0, {
		{ "length", K_LEN32, "", "", 0, "", false },
		{ "payload", K_RAW, "", "hopquy-input", 0, "", true },
		{ NULL, 0, NULL, NULL, 0, NULL, false } } },
	{ "line", NULL, 0, {
		{ "line", K_TEXT, "", "hopquy-input", 0, "\r\n", false },
		{ NULL, 0, NULL, NULL, 0, NULL, false } } },
};

/* ONVIF: SOAP 1.2 over HTTP POST to the device service. */
static const struct tpl onvif_tpls[] = {
	{ "soap", NULL, 0, {
		{ "method", K_TOKEN, "", "POST", 0, " ", false },
		{ "uri", K_PATH, "", "/onvif/device_service", 0, " ", false },
		{ "version", K_TOKEN, "", "HTTP/1.1", 0, "\r\n", false },
		{ "host", K_TEXT, "Host: ", "{host}", 0, "\r\n", false },
		{ "content-type", K_TEXT, "Content-Type: ",
		    "application/soap+xml; charset=utf-8", 0, "\r\n", false },
		{ "content-length", K_CLEN, "Content-Length: ", "", 0, "\r\n",
		    false },
		{ "connection", K_TEXT, "Connection: ", "close", 0, "\r\n",
		    false },
		{ "end-of-head", K_RAW, "", "\r\n", 0, "", false },
		{ "envelope", K_SOAP, "", "GetDeviceInformation", 0, "", true },
		{ NULL, 0, NULL, NULL, 0, NULL, false } } },
};

/* SSDP (UPnP Device Architecture 1.1 1.3.2): a unicast M-SEARCH. */
static const struct tpl ssdp_tpls[] = {
	{ "m-search", NULL, 0, {
		{ "method", K_TOKEN, "", "M-SEARCH", 0, " ", false },
		{ "uri", K_PATH, "", "*", 0, " ", false },
		{ "version", K_TOKEN, "", "HTTP/1.1", 0, "\r\n", false },
		{ "host", K_TEXT, "HOST: ", "239.255.255.250:1900", 0, "\r\n",
		    false },
		{ "man", K_TEXT, "MAN: ", "\"ssdp:discover\"", 0, "\r\n",
		    false },
		{ "mx", K_INT, "MX: ", "1", 0, "\r\n", false },
		{ "st", K_TEXT, "ST: ", "ssdp:all", 0, "\r\n", false },
		{ "user-agent", K_TEXT, "USER-AGENT: ",
		    "Linux/6 UPnP/1.1 hopquy-input/1", 0, "\r\n", false },
		{ "end-of-head", K_RAW, "", "\r\n", 0, "", false },
		{ NULL, 0, NULL, NULL, 0, NULL, false } } },
};

#define WSD_NS \
	"<soap:Envelope " \
	"xmlns:soap=\"http://www.w3.org/2003/05/soap-envelope\" " \
	"xmlns:wsa=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\" " \
	"xmlns:wsd=\"http://schemas.xmlsoap.org/ws/2005/04/discovery\" " \
	"xmlns:wsdp=\"http://schemas.xmlsoap.org/ws/2006/02/devprof\">"

/* WS-Discovery (2005/04, as ONVIF Core 7.3 and Windows use it): a Probe
 * for devices, each case with a MessageID of its own. */
static const struct tpl wsd_tpls[] = {
	{ "probe", NULL, 0, {
		{ "xml-declaration", K_XMLDECL, "",
		    "<?xml version=\"1.0\" encoding=\"utf-8\"?>", 0, "",
		    false },
		{ "envelope", K_RAW, "", WSD_NS "<soap:Header>", 0, "", false },
		{ "to", K_TEXT, "<wsa:To>",
		    "urn:schemas-xmlsoap-org:ws:2005:04:discovery", 0,
		    "</wsa:To>", false },
		{ "action", K_TEXT, "<wsa:Action>",
		    "http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe", 0,
		    "</wsa:Action>", false },
		{ "message-id", K_UUID, "<wsa:MessageID>", "{uuid}", 0,
		    "</wsa:MessageID>", false },
		{ "body-open", K_RAW, "", "</soap:Header><soap:Body><wsd:Probe>",
		    0, "", false },
		{ "types", K_XMLTEXT, "<wsd:Types>", "wsdp:Device", 0,
		    "</wsd:Types>", false },
		{ "body-close", K_RAW, "",
		    "</wsd:Probe></soap:Body></soap:Envelope>", 0, "", false },
		{ NULL, 0, NULL, NULL, 0, NULL, false } } },
};

/* TLS ClientHello: the parts are cut from the harness's builder. */
static const struct tpl tls_tpls[] = {
	{ "client-hello", NULL, 0, {
		{ "content-type", K_BYTE, "", "\x16", 1, "", false },
		{ "record-version", K_U16, "", "\x03\x01", 2, "", false },
		{ "record-length", K_LEN16, "", "", 0, "", false },
		{ "handshake-type", K_BYTE, "", "\x01", 1, "", true },
		{ "handshake-length", K_LEN24, "", "", 0, "", true },
		/* the rest: filled from hq_tls_hello_build() at run time */
		{ "client-version", K_U16, "", "", 2, "", true },
		{ "random", K_RAW, "", "", 32, "", true },
		{ "session-id", K_VEC8, "", "", 0, "", true },
		{ "cipher-suites", K_VEC16, "", "", 0, "", true },
		{ "compression", K_VEC8, "", "", 0, "", true },
		{ "extensions", K_VEC16, "", "", 0, "", true },
		{ NULL, 0, NULL, NULL, 0, NULL, false } } },
};

struct model {
	const char		*name;
	const struct tpl	*tpls;
	size_t			 ntpls;
};

static const struct model models[HQ_PM_COUNT] = {
	{ "http", http_tpls, sizeof(http_tpls) / sizeof(http_tpls[0]) },
	{ "rtsp", rtsp_tpls, sizeof(rtsp_tpls) / sizeof(rtsp_tpls[0]) },
	{ "mqtt", mqtt_tpls, sizeof(mqtt_tpls) / sizeof(mqtt_tpls[0]) },
	{ "telnet", telnet_tpls,
	    sizeof(telnet_tpls) / sizeof(telnet_tpls[0]) },
	{ "tls", tls_tpls, sizeof(tls_tpls) / sizeof(tls_tpls[0]) },
	{ "raw", raw_tpls, sizeof(raw_tpls) / sizeof(raw_tpls[0]) },
	{ "onvif", onvif_tpls, sizeof(onvif_tpls) / sizeof(onvif_tpls[0]) },
	{ "ssdp", ssdp_tpls, sizeof(ssdp_tpls) / sizeof(ssdp_tpls[0]) },
	{ "ws-discovery", wsd_tpls, sizeof(wsd_tpls) / sizeof(wsd_tpls[0]) },
};

int
hq_mut_model_for(const char *proto)
{
	static const struct { const char *proto; int m; } map[] = {
		{ "http", HQ_PM_HTTP }, { "https", HQ_PM_HTTP },
		{ "onvif", HQ_PM_ONVIF }, { "upnp", HQ_PM_HTTP },
		{ "rtsp", HQ_PM_RTSP }, { "rtsps", HQ_PM_RTSP },
		{ "mqtt", HQ_PM_MQTT }, { "mqtts", HQ_PM_MQTT },
		{ "telnet", HQ_PM_TELNET }, { "tls", HQ_PM_TLS },
		{ "other", HQ_PM_RAW }, { "ssh", HQ_PM_RAW },
		{ "ftp", HQ_PM_RAW },
		{ "ssdp", HQ_PM_SSDP }, { "ws-discovery", HQ_PM_WSD },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i].proto, proto) == 0)
			return map[i].m;
	return -1;
}

const char *
hq_mut_model_name(enum hq_proto_model m)
{
	return m < HQ_PM_COUNT ? models[m].name : "?";
}

static size_t
tpl_nparts(const struct tpl *t)
{
	size_t n = 0;

	while (n < TPL_PARTS_MAX && t->parts[n].name != NULL)
		n++;
	return n;
}

size_t
hq_mut_pairs(enum hq_proto_model m)
{
	/* the tables are constant: counted once per thread, not per case */
	static _Thread_local size_t counted[HQ_PM_COUNT];
	size_t ti, pi, n = 0;
	int op;

	if (counted[m] != 0)
		return counted[m];

	for (ti = 0; ti < models[m].ntpls; ti++) {
		const struct tpl *t = &models[m].tpls[ti];

		for (pi = 0; pi < tpl_nparts(t); pi++)
			for (op = 0; op < OP_COUNT; op++)
				if (op_applies(t->parts[pi].kind, op))
					n++;
	}
	counted[m] = n;
	return n;
}

/* The k-th applicable (template, part, op) triple, k < pairs. */
static void
pair_at(enum hq_proto_model m, size_t k, size_t *tip, size_t *pip, int *opp)
{
	size_t ti, pi;
	int op;

	for (ti = 0; ti < models[m].ntpls; ti++) {
		const struct tpl *t = &models[m].tpls[ti];

		for (pi = 0; pi < tpl_nparts(t); pi++)
			for (op = 0; op < OP_COUNT; op++)
				if (op_applies(t->parts[pi].kind, op) &&
				    k-- == 0) {
					*tip = ti;
					*pip = pi;
					*opp = op;
					return;
				}
	}
	*tip = *pip = 0;
	*opp = OP_EMPTY;
}

/* ---- values ---- */

static const char *const boundaries[] = {
	"0", "-1", "-0", "65535", "65536", "2147483647", "2147483648",
	"-2147483649", "4294967295", "4294967296", "9223372036854775807",
	"18446744073709551615", "18446744073709551616",
	"999999999999999999999999999999", "1e309", "0x7fffffff", "+1",
};
static const char *const formats[] = {
	"%s%s%s%s%s%s%s%s%s%s", "%n%n%n%n%n%n", "%x%x%x%x%x%x%x%x",
	"%99999999s", "%.1024d%p%p%p", "%@%@%@", "${jndi:ldap://x}",
};
static const char *const traversals[] = {
	"/../../../../../../etc/passwd", "/..%2f..%2f..%2f..%2fetc%2fpasswd",
	"/..;/..;/..;/etc/passwd", "/....//....//....//etc/passwd",
	"/..\\..\\..\\..\\windows\\win.ini", "/%2e%2e/%2e%2e/%2e%2e/etc/shadow",
	"/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
};
static const char *const nonutf8[] = {
	"\xff\xfe\xfd", "\xc3\x28", "\xed\xa0\x80", "\xf8\x88\x80\x80\x80",
	"\x80\x80\x80", "\xfe\xff\x00A",
};
static const char *const encodings[] = {
	"%zz%", "%%%", "%u0041%u", "%c0%ae%c0%ae/", "\xc0\xaf\xc0\xae",
	"=?utf-8?b?!!!?=", "!!!not-base64===", "&#x0;&#99999999;",
};
static const char *const baduuids[] = {
	"urn:uuid:", "urn:uuid:not-a-uuid", "uuid:0",
	"urn:uuid:00000000-0000-0000-0000-00000000000g",
	"urn:uuid:{00000000-0000-0000-0000-000000000000}",
	"urn:uuid:0000000000000000000000000000000000000000000000000000000",
	"urn:uuid:--------------------------------------",
	"urn:uuid:00000000-0000-0000-0000-000000000000",
	"http://[::1]:0/%s%s%s", "urn:uuid:\xff\xfe-0000",
};
static const char *const wrongtypes[] = {
	"abc", "-1", "[]", "{}", "null", "true", "0x41", "1.5e3", "\"\"",
};

#define PICK(rng, a) ((a)[hq_rng_below((rng), sizeof(a) / sizeof((a)[0]))])

struct render {
	const struct hq_mut_target *t;
	struct hq_rng	*rng;
	size_t		 target_part;	/* the mutated part */
	int		 op;
};

/* "urn:uuid:" and an RFC 4122 version 4 UUID from r. */
static void
make_uuid(struct hq_rng *r, char *out, size_t outsz)
{
	uint64_t a = hq_rng_next(r), b = hq_rng_next(r);

	snprintf(out, outsz, "urn:uuid:%08x-%04x-4%03x-%04x-%012llx",
	    (unsigned)(a >> 32), (unsigned)(a >> 16) & 0xffff,
	    (unsigned)a & 0xfff, (unsigned)(0x8000 | ((b >> 48) & 0x3fff)),
	    (unsigned long long)(b & 0xffffffffffffULL));
}

/* The message id of the case being built (one build at a time per
 * thread: the generator is called from one thread). */
static _Thread_local char cur_uuid[64];

/* The default value of part p: template fields substituted. */
static void
default_value(const struct part *p, const struct hq_mut_target *t,
    struct mbuf *v)
{
	if (strcmp(p->val, "{uuid}") == 0)
		mb_str(v, cur_uuid);
	else if (strcmp(p->val, "{host}") == 0)
		mb_str(v, t->host != NULL ? t->host : "localhost");
	else if (strcmp(p->val, "{path}") == 0)
		mb_str(v, t->path != NULL ? t->path : "/");
	else if (strcmp(p->val, "{lpath}") == 0)	/* a form login's POST */
		mb_str(v, t->login_path != NULL ? t->login_path :
		    t->path != NULL ? t->path : "/");
	else
		mb_put(v, p->val, p->vlen != 0 ? p->vlen : strlen(p->val));
}

/* The mutated value of part p for a generic op into v. */
static void
mutated_value(const struct part *p, const struct hq_mut_target *t, int op,
    struct hq_rng *rng, struct mbuf *v)
{
	struct mbuf d;
	uint8_t dbuf[512];

	d.p = dbuf;
	d.len = 0;
	d.cap = sizeof(dbuf);
	d.alloc = 0;
	d.full = false;
	default_value(p, t, &d);
	switch (op) {
	case OP_LONG1K:
		mb_fill(v, 'A', 1100);
		break;
	case OP_LONG9K:
		mb_fill(v, 'A', 9000);
		break;
	case OP_LONG64K:
		mb_fill(v, 'A', HQ_MUT_OVERLONG_MAX);
		break;
	case OP_EMPTY:
		break;
	case OP_WRONGTYPE:
		if (p->kind == K_BYTE || p->kind == K_U16)
			mb_u8(v, (unsigned)hq_rng_next(rng));
		if (p->kind == K_U16)
			mb_u8(v, (unsigned)hq_rng_next(rng));
		else if (p->kind == K_UUID)
			mb_str(v, PICK(rng, baduuids));
		else if (p->kind != K_BYTE)
			mb_str(v, PICK(rng, wrongtypes));
		break;
	case OP_BOUNDARY:
		if (p->kind == K_BYTE) {
			static const uint8_t b[] = { 0x00, 0x7f, 0x80, 0xff };

			mb_u8(v, PICK(rng, b));
		} else if (p->kind == K_U16) {
			static const unsigned b[] = { 0, 0x7fff, 0x8000,
			    0xffff };

			mb_u16(v, PICK(rng, b));
		} else
			mb_str(v, PICK(rng, boundaries));
		break;
	case OP_FORMAT:
		mb_str(v, PICK(rng, formats));
		break;
	case OP_TRAVERSAL:
		mb_str(v, PICK(rng, traversals));
		break;
	case OP_NUL:
		mb_put(v, d.p, d.len / 2);
		mb_put(v, "\0", 1);
		mb_put(v, d.p + d.len / 2, d.len - d.len / 2);
		mb_put(v, "\0x", 2);
		break;
	case OP_NONUTF8:
		mb_put(v, d.p, d.len);
		mb_str(v, PICK(rng, nonutf8));
		break;
	case OP_ENCODING:
		mb_str(v, PICK(rng, encodings));
		break;
	default:
		mb_put(v, d.p, d.len);
		break;
	}
}

static void
put_varlen(struct mbuf *b, size_t n)
{
	do {
		unsigned c = n % 128;

		n /= 128;
		mb_u8(b, n > 0 ? (c | 0x80) : c);
	} while (n > 0);
}

/* Renders part p (value v) into out; body_len for the length kinds. */
static void
render_part(const struct part *p, const struct render *r, size_t pi,
    const struct mbuf *v, bool mutated, size_t body_len, struct mbuf *out)
{
	char num[32];
	int op = mutated && pi == r->target_part ? r->op : -1;

	mb_str(out, p->pre);
	if (strcmp(p->pre, "rtsp://{host}") == 0) {
		/* the RTSP URI's authority, then the path */
		out->len -= strlen(p->pre);
		mb_str(out, "rtsp://");
		mb_str(out, r->t->host != NULL ? r->t->host : "localhost");
	}
	switch (p->kind) {
	case K_CLEN:
	case K_CHUNK:
		if (op == OP_LEN_OVER)
			body_len += 1000;
		else if (op == OP_LEN_UNDER)
			body_len = body_len > 5 ? body_len - 5 : 0;
		if (op >= 0 && op < OP_GENERIC_COUNT) {
			mb_put(out, v->p, v->len);
		} else {
			snprintf(num, sizeof(num), p->kind == K_CLEN ? "%zu" :
			    "%zx", body_len);
			mb_str(out, num);
		}
		if (op == OP_LEN_CONFLICT) {
			mb_str(out, p->post);
			mb_str(out, p->pre);
			snprintf(num, sizeof(num), "%zu", body_len + 7);
			mb_str(out, num);
		}
		break;
	case K_VARLEN:
		if (op == OP_LEN_OVER)
			put_varlen(out, body_len + 1000);
		else if (op == OP_LEN_UNDER)
			put_varlen(out, body_len > 3 ? body_len - 3 : 0);
		else if (op == OP_LEN_CONFLICT || op == OP_ENCODING) {
			/* five bytes: no valid remaining length has them
			 * (MQTT 3.1.1 2.2.3: at most four) */
			static const uint8_t bad[] = { 0xff, 0xff, 0xff, 0xff,
			    0x7f };

			mb_put(out, bad, sizeof(bad));
		} else if (op == OP_BOUNDARY) {
			static const uint8_t max[] = { 0xff, 0xff, 0xff,
			    0x7f };

			mb_put(out, max, sizeof(max));
		} else if (op >= 0 && op != OP_MISSING && op != OP_REPEATED)
			mb_put(out, v->p, v->len);
		else
			put_varlen(out, body_len);
		break;
	case K_LEN16:
	case K_LEN24:
	case K_LEN32:
		if (op == OP_LEN_OVER)
			body_len += 1000;
		else if (op == OP_LEN_UNDER)
			body_len = body_len > 5 ? body_len - 5 : 0;
		else if (op == OP_LEN_CONFLICT || op == OP_BOUNDARY)
			body_len = 0xffffffffu;
		if (op >= 0 && op < OP_GENERIC_COUNT && op != OP_BOUNDARY &&
		    op != OP_MISSING && op != OP_REPEATED) {
			mb_put(out, v->p, v->len);
			break;
		}
		if (p->kind == K_LEN32) {
			mb_u16(out, (unsigned)(body_len >> 16));
			mb_u16(out, (unsigned)(body_len & 0xffff));
		} else if (p->kind == K_LEN24) {
			mb_u8(out, (unsigned)(body_len >> 16));
			mb_u16(out, (unsigned)(body_len & 0xffff));
		} else
			mb_u16(out, (unsigned)(body_len & 0xffff));
		break;
	case K_MQSTR:
		mb_u16(out, (op == OP_ENCODING ? (unsigned)v->len + 100 :
		    (unsigned)v->len) & 0xffff);
		mb_put(out, v->p, v->len);
		break;
	case K_VEC8:
		mb_u8(out, op == OP_ENCODING ? (unsigned)v->len + 7 :
		    (unsigned)v->len);
		mb_put(out, v->p, v->len);
		break;
	case K_VEC16:
		mb_u16(out, op == OP_ENCODING ? (unsigned)v->len + 7 :
		    (unsigned)v->len);
		mb_put(out, v->p, v->len);
		break;
	case K_SOAP:
		if (op == OP_ENTITY)	/* "billion laughs" */
			mb_str(out, "<?xml version=\"1.0\"?><!DOCTYPE e ["
			    "<!ENTITY a \"aaaaaaaaaa\">"
			    "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">"
			    "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">"
			    "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">"
			    "<!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">"
			    "<!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\">"
			    "<!ENTITY g \"&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;\">"
			    "<!ENTITY h \"&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;\">"
			    "<!ENTITY x SYSTEM \"file:///etc/passwd\">]>");
		mb_str(out, "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/"
		    "soap-envelope\" xmlns:d=\"http://www.onvif.org/ver10/"
		    "device/wsdl\"><s:Body>");
		if (op == OP_DEEP) {
			size_t d;

			for (d = 0; d < 5000 && !out->full; d++)
				mb_str(out, "<d:a>");
			for (d = 0; d < 5000 && !out->full; d++)
				mb_str(out, "</d:a>");
		} else if (op == OP_ENTITY)
			mb_str(out, "<d:GetDeviceInformation>&h;&x;"
			    "</d:GetDeviceInformation>");
		else if (op == OP_MISSING)
			;
		else {
			mb_str(out, "<d:");
			mb_put(out, v->p, v->len);
			mb_str(out, "/>");
		}
		mb_str(out, "</s:Body></s:Envelope>");
		break;
	case K_XMLDECL:
		mb_put(out, v->p, v->len);
		if (mutated && r->op == OP_ENTITY)	/* for K_XMLTEXT */
			mb_str(out, "<!DOCTYPE e ["
			    "<!ENTITY a \"aaaaaaaaaa\">"
			    "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">"
			    "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">"
			    "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">"
			    "<!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">"
			    "<!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\">"
			    "<!ENTITY g \"&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;\">"
			    "<!ENTITY h \"&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;\">"
			    "<!ENTITY x SYSTEM \"file:///etc/passwd\">]>");
		break;
	case K_XMLTEXT:
		if (op == OP_DEEP) {
			size_t d;

			for (d = 0; d < 5000 && !out->full; d++)
				mb_str(out, "<wsd:a>");
			for (d = 0; d < 5000 && !out->full; d++)
				mb_str(out, "</wsd:a>");
		} else if (op == OP_ENTITY)
			mb_str(out, "&h;&x;");
		else
			mb_put(out, v->p, v->len);
		break;
	case K_JSON:
		if (op == OP_DEEP) {
			mb_str(out, "{\"user\":");
			mb_fill(out, '[', 20000);
			mb_fill(out, ']', 20000);
			mb_str(out, ",\"password\":\"x\"}");
		} else if (op == OP_HUGENUM) {
			mb_str(out, "{\"user\":1e999999,\"password\":"
			    "123456789012345678901234567890123456789012345678"
			    "90,\"n\":-1e-999999}");
		} else if (op == OP_DUPKEY) {
			mb_str(out, "{\"user\":\"a\",\"user\":\"b\",\"user\":"
			    "{\"x\":1},\"password\":\"x\",\"password\":null}");
		} else if (op == OP_MISSING) {
			mb_str(out, "{\"password\":\"x\"}");
		} else if (op == OP_WRONGTYPE) {
			mb_str(out, "{\"user\":");
			mb_put(out, v->p, v->len);
			mb_str(out, ",\"password\":[]}");
		} else {
			mb_str(out, "{\"user\":\"");
			mb_put(out, v->p, v->len);
			mb_str(out, "\",\"password\":\"x\"}");
		}
		break;
	default:
		mb_put(out, v->p, v->len);
		break;
	}
	mb_str(out, p->post);
}

/*
 * The TLS template's values from our own ClientHello: the builder's
 * record, cut into its fields.  0 or HQ_EINTERNAL when the builder's
 * output does not have the shape we cut.
 */
struct tls_fields {
	uint8_t	 hello[HQ_TLS_HELLO_MAX];
	size_t	 off[6], len[6];	/* version random sid suites comp ext */
};

static int
tls_fields_get(const struct hq_mut_target *t, struct tls_fields *f,
    struct hq_err *err)
{
	static const uint16_t suites[] = { 0xc02b,
	    0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0x009c, 0x002f };
	struct hq_tls_hello_opts o = { 0 };
	size_t n, pos, i, l;
	int rc;

	/* TLS 1.2: every server answers it; a 1.3-only hello needs a key
	 * share the builder leaves empty */
	o.version = HQ_TLS12;
	o.suites = suites;
	o.nsuites = sizeof(suites) / sizeof(suites[0]);
	o.sni = t->host;
	if ((rc = hq_tls_hello_build(&o, f->hello, sizeof(f->hello), &n,
	    err)) != 0)
		return rc;
	pos = 9;			/* record 5 + handshake 4 */
	for (i = 0; i < 6; i++) {
		static const int lenbytes[6] = { 0, 0, 1, 2, 1, 2 };

		if (i == 0)
			l = 2;
		else if (i == 1)
			l = 32;
		else if (lenbytes[i] == 1 && pos < n) {
			l = f->hello[pos];
			pos += 1;
		} else if (pos + 1 < n) {
			l = (size_t)f->hello[pos] << 8 | f->hello[pos + 1];
			pos += 2;
		} else
			l = 0;
		if (pos + l > n)
			return hq_err_set(err, HQ_EINTERNAL, "ClientHello "
			    "builder output not as expected");
		f->off[i] = pos;
		f->len[i] = l;
		pos += l;
	}
	return 0;
}

static int
build(enum hq_proto_model m, const struct hq_mut_target *t, size_t ti,
    size_t target, int op, struct hq_rng *rng, bool mutated,
    struct hq_mut_case *c, struct hq_err *err)
{
	const struct tpl *tp = &models[m].tpls[ti];
	struct tls_fields *tf = NULL;
	struct mbuf out = { 0 }, body = { 0 }, v = { 0 };
	struct part tlsparts[TPL_PARTS_MAX];
	const struct part *parts = tp->parts;
	struct render r = { t, rng, target, op };
	size_t np = tpl_nparts(tp), pi, rep;
	size_t len24_at = SIZE_MAX, len24_n = 0;
	int rc = 0, pass, len24_op = -1;

	if (mb_init(&out, HQ_MUT_CASE_MAX) != 0 ||
	    mb_init(&body, HQ_MUT_CASE_MAX) != 0 ||
	    mb_init(&v, HQ_MUT_OVERLONG_MAX + 1024) != 0) {
		rc = hq_err_set(err, HQ_ENOMEM, "no memory");
		goto out;
	}
	if (m == HQ_PM_TLS) {
		static const int map[6] = { 5, 6, 7, 8, 9, 10 };
		size_t i;

		if ((tf = calloc(1, sizeof(*tf))) == NULL) {
			rc = hq_err_set(err, HQ_ENOMEM, "no memory");
			goto out;
		}
		if ((rc = tls_fields_get(t, tf, err)) != 0)
			goto out;
		memcpy(tlsparts, tp->parts, sizeof(tlsparts));
		for (i = 0; i < 6; i++) {
			tlsparts[map[i]].val = (const char *)tf->hello +
			    tf->off[i];
			tlsparts[map[i]].vlen = tf->len[i];
			if (tf->len[i] == 0)
				tlsparts[map[i]].val = "";
		}
		parts = tlsparts;
	}
	/* Body parts first (their length goes into the head), then the
	 * head; the TLS record nests: its body is everything after the
	 * record header, the handshake length covers what follows it. */
	for (pass = 0; pass < 2; pass++) {
		struct mbuf *dst = pass == 0 ? &body : &out;

		for (pi = 0; pi < np; pi++) {
			const struct part *p = &parts[pi];
			size_t n = 1, blen;

			if (p->body != (pass == 0))
				continue;
			if (mutated && pi == target && op == OP_MISSING)
				continue;
			if (mutated && pi == target && op == OP_REPEATED)
				n = m == HQ_PM_TELNET ? 2000 :
				    hq_rng_below(rng, 2) == 0 ? 2 : 64;
			v.len = 0;
			v.full = false;
			if (mutated && pi == target && op < OP_GENERIC_COUNT)
				mutated_value(p, t, op, rng, &v);
			else if (mutated && pi == target && op == OP_RANDOM) {
				size_t k, len = 1 + hq_rng_below(rng, 4096);

				for (k = 0; k < len; k++)
					mb_u8(&v, (unsigned)hq_rng_next(rng));
			} else
				default_value(p, t, &v);
			blen = body.len;
			if (p->kind == K_LEN24 && !(mutated && pi == target &&
			    op < OP_GENERIC_COUNT && op != OP_BOUNDARY &&
			    op != OP_MISSING && op != OP_REPEATED)) {
				/* the length of what follows: patched below */
				len24_at = dst->len;
				len24_n = n;
				len24_op = mutated && pi == target ? op : -1;
				if (len24_op == OP_MISSING)
					continue;
				for (rep = 0; rep < n; rep++)
					mb_put(dst, "\0\0\0", 3);
				continue;
			}
			for (rep = 0; rep < n; rep++)
				render_part(p, &r, pi, &v, mutated, blen, dst);
		}
		if (pass == 0 && len24_at != SIZE_MAX) {
			size_t after = len24_at + 3 * len24_n, l;

			l = body.len >= after ? body.len - after : 0;
			if (len24_op == OP_LEN_OVER)
				l += 1000;
			else if (len24_op == OP_LEN_UNDER)
				l = l > 5 ? l - 5 : 0;
			else if (len24_op == OP_LEN_CONFLICT ||
			    len24_op == OP_BOUNDARY)
				l = 0xffffff;
			for (rep = 0; rep < len24_n && len24_at + 3 * rep + 3 <=
			    body.len; rep++) {
				body.p[len24_at + 3 * rep] = (uint8_t)(l >> 16);
				body.p[len24_at + 3 * rep + 1] =
				    (uint8_t)(l >> 8);
				body.p[len24_at + 3 * rep + 2] = (uint8_t)l;
			}
		}
	}
	mb_put(&out, body.p, body.len);
	if (tp->prefix != NULL) {
		/* the prefix first: a valid packet the case follows */
		size_t keep = out.len;

		mb_put(&out, tp->prefix, tp->prefix_len);
		if (!out.full) {
			memmove(out.p + tp->prefix_len, out.p, keep);
			memcpy(out.p, tp->prefix, tp->prefix_len);
		}
	}
	c->model = m;
	snprintf(c->field, sizeof(c->field), "%s.%s", tp->name,
	    parts[target].name);
	snprintf(c->mutation, sizeof(c->mutation), "%s",
	    mutated ? op_names[op] : "none");
	c->bytes = out.p;
	c->len = out.len;
	out.p = NULL;
 out:
	free(out.p);
	free(body.p);
	free(v.p);
	free(tf);
	return rc;
}

int
hq_mut_case_build(enum hq_proto_model m, const struct hq_mut_target *t,
    uint64_t seed, uint64_t index, struct hq_mut_case *c,
    struct hq_err *err)
{
	struct hq_rng rng;
	size_t npairs = hq_mut_pairs(m), ti, pi;
	int op;

	memset(c, 0, sizeof(*c));
	c->index = index;
	/* One stream per (seed, model, index): a case rebuilds alone. */
	hq_rng_seed(&rng, seed ^ ((uint64_t)m << 56) ^
	    (index * 0xd1342543de82ef95ULL));
	(void)hq_rng_next(&rng);
	make_uuid(&rng, cur_uuid, sizeof(cur_uuid));
	if (index < npairs)
		pair_at(m, (size_t)index, &ti, &pi, &op);
	else
		pair_at(m, hq_rng_below(&rng, (uint32_t)npairs), &ti, &pi,
		    &op);
	return build(m, t, ti, pi, op, &rng, true, c, err);
}

int
hq_mut_control(enum hq_proto_model m, const struct hq_mut_target *t,
    struct hq_mut_case *c, struct hq_err *err)
{
	struct hq_rng rng;

	struct hq_rng ur;
	int rc;

	memset(c, 0, sizeof(*c));
	hq_rng_seed(&ur, t->nonce ^ 0x5bd1e9955bd1e995ULL);
	make_uuid(&ur, cur_uuid, sizeof(cur_uuid));
	hq_rng_seed(&rng, 0);
	rc = build(m, t, 0, 0, -1, &rng, false, c, err);
	return rc;
}

void
hq_mut_case_clear(struct hq_mut_case *c)
{
	free(c->bytes);
	c->bytes = NULL;
	c->len = 0;
}
