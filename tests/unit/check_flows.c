/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The streaming pcapng reader and the flow analysis behind the tls
 * family's traffic check, on synthetic captures: each credential kind,
 * TLS left alone, lab traffic ignored, the flow bound, truncations,
 * garbage, huge lengths, and memory that does not grow with the file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <check.h>

#include "util/err.h"
#include "wire/flows.h"
#include "wire/pcapng.h"

#define DUT	"198.18.7.2"
#define LAB	"198.18.7.1"

static const uint8_t dut_a[4] = { 198, 18, 7, 2 };
static const uint8_t lab_a[4] = { 198, 18, 7, 1 };
static const uint8_t cloud_a[4] = { 198, 19, 7, 2 };

struct buf {
	uint8_t	*p;
	size_t	 len, cap;
};

static void
put(struct buf *b, const void *p, size_t n)
{
	if (n == 0)
		return;
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 256;
		/* Also used while the suite is built: no ck_assert. */
		if ((b->p = realloc(b->p, b->cap)) == NULL)
			abort();
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void
put32(struct buf *b, uint32_t v)
{
	uint8_t x[4] = { v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff,
	    (v >> 24) & 0xff };

	put(b, x, 4);
}

static void
shb(struct buf *b)
{
	put32(b, 0x0a0d0d0a);
	put32(b, 28);
	put32(b, 0x1a2b3c4d);
	put32(b, 1);
	put32(b, 0xffffffff);
	put32(b, 0xffffffff);
	put32(b, 28);
}

static void
idb(struct buf *b)
{
	put32(b, 1);
	put32(b, 32);
	put32(b, 1);			/* Ethernet */
	put32(b, 0);
	put32(b, 9 | 1 << 16);		/* if_tsresol: ns */
	put32(b, 9);
	put32(b, 0);
	put32(b, 32);
}

static void
epb(struct buf *b, uint32_t ifid, const uint8_t *f, size_t n)
{
	static const uint8_t zero[4];
	uint32_t pad = (uint32_t)((4 - n % 4) % 4);
	uint32_t tl = (uint32_t)(32 + n + pad);

	put32(b, 6);
	put32(b, tl);
	put32(b, ifid);
	put32(b, 0);
	put32(b, 1000);
	put32(b, (uint32_t)n);
	put32(b, (uint32_t)n);
	put(b, f, n);
	put(b, zero, pad);
	put32(b, tl);
}

/* Ethernet + IPv4 + TCP (flags, seq) or UDP with payload into f. */
static size_t
frame(uint8_t *f, const uint8_t src[4], const uint8_t dst[4], uint8_t proto,
    uint16_t sp, uint16_t dp, uint32_t seq, uint8_t flags, const void *pl,
    size_t n)
{
	size_t l4 = proto == 6 ? 20 : 8, tot = 20 + l4 + n;

	memset(f, 0, 14 + 20 + l4);
	f[12] = 0x08;
	f[14] = 0x45;
	f[16] = (uint8_t)(tot >> 8);
	f[17] = (uint8_t)tot;
	f[23] = proto;
	memcpy(f + 26, src, 4);
	memcpy(f + 30, dst, 4);
	f[34] = (uint8_t)(sp >> 8);
	f[35] = (uint8_t)sp;
	f[36] = (uint8_t)(dp >> 8);
	f[37] = (uint8_t)dp;
	if (proto == 6) {
		f[38] = (uint8_t)(seq >> 24);
		f[39] = (uint8_t)(seq >> 16);
		f[40] = (uint8_t)(seq >> 8);
		f[41] = (uint8_t)seq;
		f[46] = 0x50;
		f[47] = flags;
	} else {
		f[38] = (uint8_t)((8 + n) >> 8);
		f[39] = (uint8_t)(8 + n);
	}
	memcpy(f + 14 + 20 + l4, pl, n);
	return 14 + 20 + l4 + n;
}

/* Appends one packet as an EPB on interface 0. */
static void
pkt(struct buf *b, const uint8_t src[4], const uint8_t dst[4], uint8_t proto,
    uint16_t sp, uint16_t dp, uint32_t seq, uint8_t flags, const void *pl,
    size_t n)
{
	uint8_t *f = malloc(n + 64);

	if (f == NULL)
		abort();
	epb(b, 0, f, frame(f, src, dst, proto, sp, dp, seq, flags, pl, n));
	free(f);
}

/* A TCP flow from the DUT: SYN, then the payloads in order. */
static void
tcp_out(struct buf *b, uint16_t sp, uint16_t dp, const char *out,
    const char *in)
{
	pkt(b, dut_a, cloud_a, 6, sp, dp, 1000, 0x02, "", 0);
	pkt(b, cloud_a, dut_a, 6, dp, sp, 5000, 0x12, "", 0);
	if (out != NULL)
		pkt(b, dut_a, cloud_a, 6, sp, dp, 1001, 0x18, out,
		    strlen(out));
	if (in != NULL)
		pkt(b, cloud_a, dut_a, 6, dp, sp, 5001, 0x18, in, strlen(in));
}

static char *
save(const struct buf *b)
{
	char *path = strdup("/tmp/hq-flows-XXXXXX");
	int fd;

	ck_assert_ptr_nonnull(path);
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, b->p, b->len), (ssize_t)b->len);
	close(fd);
	return path;
}

static struct hq_flows *
analyse(const struct buf *b, const struct hq_flows_opts *o, int *rcp)
{
	struct hq_flows_opts d = HQ_FLOWS_OPTS_INIT;
	static const char *lab[] = { LAB };
	struct hq_flows *fl = NULL;
	struct hq_err err = { 0 };
	char *path = save(b);

	if (o == NULL) {
		d.dut = DUT;
		d.lab = lab;
		d.nlab = 1;
		o = &d;
	}
	ck_assert_int_eq(hq_flows_new(o, &fl, &err), 0);
	*rcp = hq_flows_read_pcapng(fl, path, 0, NULL, NULL, &err);
	unlink(path);
	free(path);
	return fl;
}

static const struct hq_flow_finding *
find_kind(const struct hq_flows *fl, const char *kind)
{
	size_t i;

	for (i = 0; i < hq_flows_nfindings(fl); i++)
		if (strstr(hq_flows_finding(fl, i)->kind, kind) != NULL)
			return hq_flows_finding(fl, i);
	return NULL;
}

static void
start(struct buf *b)
{
	memset(b, 0, sizeof(*b));
	shb(b);
	idb(b);
}

START_TEST(test_flows_tls_not_flagged)
{
	/* A ClientHello whose (plaintext) extensions happen to hold a
	 * password-like field: TLS flows are not searched. */
	static const char hello[] = "\x16\x03\x01\x00\x40\x01\x00\x00\x3c"
	    "\x03\x03password=hunter2&Authorization: Basic x";
	struct buf b;
	struct hq_flows *fl;
	int rc;

	start(&b);
	pkt(&b, dut_a, cloud_a, 6, 40000, 443, 1000, 0x02, "", 0);
	pkt(&b, dut_a, cloud_a, 6, 40000, 443, 1001, 0x18, hello,
	    sizeof(hello) - 1);
	pkt(&b, cloud_a, dut_a, 6, 443, 40000, 7, 0x18, "\x17\x03\x03\x00"
	    "\x10" "0123456789abcdef", 21);
	fl = analyse(&b, NULL, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_eq(hq_flows_count(fl), 1);
	ck_assert_int_eq(hq_flows_get(fl, 0)->cls, HQ_FLOW_TLS);
	ck_assert(hq_flows_get(fl, 0)->dut_initiated);
	ck_assert_uint_eq(hq_flows_nfindings(fl), 0);
	hq_flows_free(fl);
	free(b.p);
}
END_TEST

START_TEST(test_flows_http_authorization)
{
	struct buf b;
	struct hq_flows *fl;
	const struct hq_flow_finding *x;
	int rc;

	start(&b);
	tcp_out(&b, 40001, 80, "GET /v1/ping HTTP/1.1\r\nHost: c\r\n"
	    "Authorization: Basic YWRtaW46c2VjcmV0\r\n\r\n", "HTTP/1.1 200 "
	    "OK\r\nContent-Length: 0\r\n\r\n");
	fl = analyse(&b, NULL, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(hq_flows_get(fl, 0)->cls, HQ_FLOW_CLEARTEXT);
	ck_assert_str_eq(hq_flows_get(fl, 0)->app, "http");
	ck_assert_ptr_nonnull(x = find_kind(fl, "Authorization"));
	ck_assert_str_eq(x->detail, "Basic");
	ck_assert(x->outbound);
	ck_assert_uint_eq(x->frame, 3);	/* SYN, SYN-ACK, then this */
	hq_flows_free(fl);
	free(b.p);
}
END_TEST

START_TEST(test_flows_json_password_redacted)
{
	struct buf b;
	struct hq_flows *fl;
	const struct hq_flow_finding *x;
	char *text;
	cJSON *j;
	int rc;

	start(&b);
	tcp_out(&b, 40002, 80, "POST /v1/login HTTP/1.1\r\nContent-Type: "
	    "application/json\r\nContent-Length: 50\r\n\r\n{\"device\":"
	    "\"dutsim-0001\",\"password\":\"hq-cloud-secret-0001\"}", NULL);
	fl = analyse(&b, NULL, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_ptr_nonnull(x = find_kind(fl, "password-like"));
	ck_assert_str_eq(x->detail, "password");
	ck_assert_ptr_nonnull(j = hq_flows_json(fl));
	ck_assert_ptr_nonnull(text = cJSON_PrintUnformatted(j));
	ck_assert_ptr_null(strstr(text, "hq-cloud-secret"));
	free(text);
	cJSON_Delete(j);
	hq_flows_free(fl);
	free(b.p);
}
END_TEST

/* Every password-like key is found, whatever its case and wherever it
 * falls against the 16-byte steps of the search; and a key's near miss
 * (no anchor, no value) is not. */
START_TEST(test_flows_every_field_key)
{
	static const char *const keys[] = {
		"password", "passwd", "pass", "pwd", "passphrase", "secret",
		"client_secret", "api_key", "apikey", "access_token",
		"refresh_token", "auth_token",
	};
	struct buf b;
	struct hq_flows *fl;
	char body[256], up[32];
	size_t i, k, pad;
	int rc;

	start(&b);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		pad = i * 5 % 17;
		for (k = 0; keys[i][k] != '\0'; k++)
			up[k] = (char)(i % 2 == 0 ? keys[i][k] - (keys[i][k]
			    >= 'a' && keys[i][k] <= 'z' ? 32 : 0) :
			    keys[i][k]);
		up[k] = '\0';
		snprintf(body, sizeof(body), "POST /x HTTP/1.1\r\n\r\n"
		    "%.*s&%s=v4lue", (int)pad, "zzzzzzzzzzzzzzzzz", up);
		tcp_out(&b, (uint16_t)(41000 + i), 8080, body, NULL);
	}
	tcp_out(&b, 41100, 8080, "POST /x HTTP/1.1\r\n\r\npas=1&pw=2&"
	    "api=3&token=4&secre=5", NULL);
	fl = analyse(&b, NULL, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_eq(hq_flows_count(fl), sizeof(keys) / sizeof(keys[0])
	    + 1);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const struct hq_flow_info *f = hq_flows_get(fl, i);
		const struct hq_flow_finding *x = NULL;

		ck_assert_uint_eq(f->nfindings, 1);
		for (k = 0; k < hq_flows_nfindings(fl); k++)
			if (hq_flows_finding(fl, k)->flow == f->id)
				x = hq_flows_finding(fl, k);
		ck_assert_ptr_nonnull(x);
		ck_assert_str_eq(x->detail, keys[i]);
	}
	ck_assert_uint_eq(hq_flows_get(fl, i)->nfindings, 0);
	hq_flows_free(fl);
	free(b.p);
}
END_TEST

START_TEST(test_flows_form_and_query)
{
	struct buf b;
	struct hq_flows *fl;
	int rc;

	start(&b);
	tcp_out(&b, 40003, 8080, "POST /login HTTP/1.1\r\n\r\nuser=admin&"
	    "pwd=x1", NULL);
	tcp_out(&b, 40004, 8080, "GET /cgi?user=admin&passwd=abc HTTP/1.1"
	    "\r\n\r\n", NULL);
	/* Not credentials: a policy field, an empty one, null. */
	tcp_out(&b, 40005, 8080, "POST /x HTTP/1.1\r\n\r\n{\"password_policy"
	    "\":1,\"password\":\"\",\"pass\":null,\"bypass=1\":2}", NULL);
	fl = analyse(&b, NULL, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_eq(hq_flows_count(fl), 3);
	ck_assert_uint_eq(hq_flows_get(fl, 0)->nfindings, 1);
	ck_assert_uint_eq(hq_flows_get(fl, 1)->nfindings, 1);
	ck_assert_uint_eq(hq_flows_get(fl, 2)->nfindings, 0);
	hq_flows_free(fl);
	free(b.p);
}
END_TEST

START_TEST(test_flows_mqtt_connect)
{
	/* CONNECT, MQTT 3.1.1, flags user + password + clean session. */
	static const char with[] = "\x10\x1a\x00\x04MQTT\x04\xc2\x00\x3c"
	    "\x00\x02id\x00\x02us\x00\x06secret";
	static const char without[] = "\x10\x0e\x00\x04MQTT\x04\x02\x00\x3c"
	    "\x00\x02id";
	struct buf b;
	struct hq_flows *fl;
	int rc;

	start(&b);
	pkt(&b, dut_a, cloud_a, 6, 40010, 1883, 1000, 0x02, "", 0);
	pkt(&b, dut_a, cloud_a, 6, 40010, 1883, 1001, 0x18, with,
	    sizeof(with) - 1);
	pkt(&b, dut_a, cloud_a, 6, 40011, 1883, 1000, 0x02, "", 0);
	pkt(&b, dut_a, cloud_a, 6, 40011, 1883, 1001, 0x18, without,
	    sizeof(without) - 1);
	fl = analyse(&b, NULL, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(hq_flows_get(fl, 0)->app, "mqtt");
	ck_assert_ptr_nonnull(find_kind(fl, "MQTT CONNECT"));
	ck_assert_uint_eq(hq_flows_get(fl, 0)->nfindings, 1);
	ck_assert_uint_eq(hq_flows_get(fl, 1)->nfindings, 0);
	hq_flows_free(fl);
	free(b.p);
}
END_TEST

START_TEST(test_flows_telnet_login)
{
	struct buf b;
	struct hq_flows *fl;
	const struct hq_flow_finding *x;
	int rc;

	start(&b);
	pkt(&b, dut_a, cloud_a, 6, 40020, 23, 1000, 0x02, "", 0);
	pkt(&b, cloud_a, dut_a, 6, 23, 40020, 1, 0x18, "\xff\xfd\x18router "
	    "login: ", 17);
	pkt(&b, dut_a, cloud_a, 6, 40020, 23, 1001, 0x18, "\xff\xfc\x18", 3);
	pkt(&b, dut_a, cloud_a, 6, 40020, 23, 1004, 0x18, "root\r\n", 6);
	fl = analyse(&b, NULL, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(hq_flows_get(fl, 0)->app, "telnet");
	ck_assert_ptr_nonnull(x = find_kind(fl, "telnet login"));
	ck_assert_uint_eq(x->frame, 4);
	hq_flows_free(fl);
	free(b.p);
}
END_TEST

START_TEST(test_flows_personal_data_split)
{
	static const char *lab[] = { LAB };
	static const char *strs[] = { "nguyen.van.a@example.vn" };
	static const char *kinds[] = { "personal data (test)" };
	struct hq_flows_opts o = HQ_FLOWS_OPTS_INIT;
	struct buf b;
	struct hq_flows *fl;
	const struct hq_flow_finding *x;
	int rc;

	o.dut = DUT;
	o.lab = lab;
	o.nlab = 1;
	o.strings = strs;
	o.kinds = kinds;
	o.nstrings = 1;
	start(&b);
	/* The string spans two segments of a binary protocol; the first
	 * segment is retransmitted. */
	pkt(&b, dut_a, cloud_a, 6, 40030, 9000, 99, 0x02, "", 0);
	pkt(&b, dut_a, cloud_a, 6, 40030, 9000, 100, 0x18, "\x01\x02\x03"
	    "\x04\x05nguyen.van", 15);
	pkt(&b, dut_a, cloud_a, 6, 40030, 9000, 100, 0x18, "\x01\x02\x03"
	    "\x04\x05nguyen.van", 15);
	pkt(&b, dut_a, cloud_a, 6, 40030, 9000, 115, 0x18,
	    ".a@example.vn\x00", 14);
	fl = analyse(&b, &o, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(hq_flows_get(fl, 0)->cls, HQ_FLOW_UNKNOWN);
	ck_assert_ptr_nonnull(x = find_kind(fl, "personal data"));
	ck_assert_uint_eq(x->frame, 4);
	ck_assert(!hq_flows_get(fl, 0)->gap);
	hq_flows_free(fl);
	free(b.p);
}
END_TEST

START_TEST(test_flows_lab_and_udp)
{
	struct buf b;
	struct hq_flows *fl;
	int rc;

	start(&b);
	/* hopquy's own probes of the DUT: not the DUT's traffic. */
	pkt(&b, lab_a, dut_a, 6, 50000, 80, 1, 0x02, "", 0);
	pkt(&b, lab_a, dut_a, 6, 50000, 80, 2, 0x18, "GET / HTTP/1.1\r\n"
	    "Authorization: Basic x\r\n\r\n", 42);
	/* DNS (cleartext, allowed by the check), DTLS, QUIC. */
	pkt(&b, dut_a, cloud_a, 17, 40039, 53, 0, 0, "\x12\x34\x01\x00\x00"
	    "\x01\x00\x00\x00\x00\x00\x00", 12);
	pkt(&b, dut_a, cloud_a, 17, 40040, 4433, 0, 0, "\x16\xfe\xfd\x00\x00"
	    "\x00\x00\x00\x00\x00\x00\x00\x10", 13);
	pkt(&b, dut_a, cloud_a, 17, 40041, 443, 0, 0, "\xc3\x00\x00\x00\x01"
	    "\x08\x01\x02\x03", 9);
	fl = analyse(&b, NULL, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_eq(hq_flows_stats(fl)->lab, 2);
	ck_assert_uint_eq(hq_flows_count(fl), 3);
	ck_assert_str_eq(hq_flows_get(fl, 0)->app, "dns");
	ck_assert_int_eq(hq_flows_get(fl, 1)->cls, HQ_FLOW_ENCRYPTED);
	ck_assert_str_eq(hq_flows_get(fl, 1)->app, "dtls");
	ck_assert_str_eq(hq_flows_get(fl, 2)->app, "quic");
	ck_assert_uint_eq(hq_flows_nfindings(fl), 0);
	hq_flows_free(fl);
	free(b.p);
}
END_TEST

START_TEST(test_flows_bound)
{
	static const char *lab[] = { LAB };
	struct hq_flows_opts o = HQ_FLOWS_OPTS_INIT;
	struct buf b;
	struct hq_flows *fl;
	unsigned i;
	int rc;

	o.dut = DUT;
	o.lab = lab;
	o.nlab = 1;
	o.max_flows = 16;
	start(&b);
	for (i = 0; i < 100; i++)
		pkt(&b, dut_a, cloud_a, 6, (uint16_t)(30000 + i), 443, 1,
		    0x02, "", 0);
	fl = analyse(&b, &o, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_eq(hq_flows_count(fl), 16);
	ck_assert_uint_eq(hq_flows_stats(fl)->untracked, 84);
	ck_assert_uint_eq(hq_flows_stats(fl)->first_untracked_frame, 17);
	hq_flows_free(fl);
	free(b.p);
}
END_TEST

/* Every truncation of a small valid capture: no crash, the read ends
 * quietly (cut short) or, inside the section header, "not pcapng". */
static struct buf trunc_src;

static void
trunc_setup(void)
{
	start(&trunc_src);
	tcp_out(&trunc_src, 40050, 80, "POST /a HTTP/1.1\r\n\r\npassword=x",
	    "HTTP/1.1 200 OK\r\n\r\n");
}

static void
trunc_teardown(void)
{
	free(trunc_src.p);
	memset(&trunc_src, 0, sizeof(trunc_src));
}

START_TEST(test_flows_truncated)
{
	struct buf b = { 0 };
	struct hq_flows *fl;
	int rc;

	put(&b, trunc_src.p, (size_t)_i);
	fl = analyse(&b, NULL, &rc);
	if (_i < 12)
		ck_assert_int_eq(rc, HQ_EPROTO);
	else
		ck_assert_int_eq(rc, 0);
	hq_flows_free(fl);
	free(b.p);
}
END_TEST

START_TEST(test_flows_garbage)
{
	struct buf b;
	struct hq_flows *fl;
	uint8_t junk[4096];
	size_t i;
	int rc;

	/* Not pcapng at all. */
	memset(&b, 0, sizeof(b));
	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 131 + 7);
	put(&b, junk, sizeof(junk));
	fl = analyse(&b, NULL, &rc);
	ck_assert_int_eq(rc, HQ_EPROTO);
	hq_flows_free(fl);
	free(b.p);
	/* A good flow, then garbage: the flow is analysed, the read stops
	 * with an error. */
	start(&b);
	tcp_out(&b, 40060, 80, "GET /?password=x HTTP/1.1\r\n\r\n", NULL);
	put32(&b, 6);
	put32(&b, 13);			/* not a multiple of 4 */
	put(&b, junk, 64);
	fl = analyse(&b, NULL, &rc);
	ck_assert_int_eq(rc, HQ_EPROTO);
	ck_assert_uint_eq(hq_flows_nfindings(fl), 1);
	hq_flows_free(fl);
	free(b.p);
	/* Trailing length differs from the leading one. */
	start(&b);
	tcp_out(&b, 40061, 80, "GET / HTTP/1.1\r\n\r\n", NULL);
	b.p[b.len - 1] ^= 0x40;
	fl = analyse(&b, NULL, &rc);
	ck_assert_int_eq(rc, HQ_EPROTO);
	hq_flows_free(fl);
	free(b.p);
	/* Captured length past the block. */
	start(&b);
	{
		uint8_t f[128];
		size_t n = frame(f, dut_a, cloud_a, 6, 1, 2, 3, 0x02, "", 0);

		epb(&b, 0, f, n);
		b.p[b.len - 4 - 56 - 4 - 4 + 2] = 0x01;	/* caplen */
	}
	fl = analyse(&b, NULL, &rc);
	ck_assert_int_eq(rc, HQ_EPROTO);
	hq_flows_free(fl);
	free(b.p);
	/* Garbage frames inside good blocks: counted, never followed. */
	start(&b);
	for (i = 0; i < 200; i++)
		epb(&b, 0, junk + i, 14 + i % 60);
	fl = analyse(&b, NULL, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_eq(hq_flows_stats(fl)->frames, 200);
	hq_flows_free(fl);
	free(b.p);
}
END_TEST

START_TEST(test_flows_huge_lengths)
{
	struct buf b;
	struct hq_flows *fl;
	uint8_t *big;
	size_t n = HQ_PCAPNG_BLOCK_MAX + 4096;
	int rc;

	/* A block claiming 4 GiB at the end: cut short, not allocated. */
	start(&b);
	tcp_out(&b, 40070, 80, "GET /?pwd=1 HTTP/1.1\r\n\r\n", NULL);
	put32(&b, 6);
	put32(&b, 0xfffffff0u);
	put32(&b, 0);
	fl = analyse(&b, NULL, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_eq(hq_flows_nfindings(fl), 1);
	hq_flows_free(fl);
	free(b.p);
	/* A block over the cap inside the file: skipped, later packets
	 * read. */
	start(&b);
	ck_assert_ptr_nonnull(big = calloc(1, n));
	put32(&b, 0x0bad);		/* an unknown block type */
	put32(&b, (uint32_t)(n + 12));
	put(&b, big, n);
	put32(&b, (uint32_t)(n + 12));
	tcp_out(&b, 40071, 80, "GET /?pwd=1 HTTP/1.1\r\n\r\n", NULL);
	fl = analyse(&b, NULL, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_eq(hq_flows_nfindings(fl), 1);
	hq_flows_free(fl);
	free(big);
	free(b.p);
	/* IPv4 total length past the frame, TCP data offset past the
	 * packet: malformed, counted. */
	start(&b);
	{
		uint8_t f[128];
		size_t m = frame(f, dut_a, cloud_a, 6, 1, 2, 3, 0x18, "ab", 2);

		f[16] = 0xff;
		epb(&b, 0, f, m);
		m = frame(f, dut_a, cloud_a, 6, 1, 2, 3, 0x18, "ab", 2);
		f[46] = 0xf0;
		epb(&b, 0, f, m);
	}
	fl = analyse(&b, NULL, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_eq(hq_flows_stats(fl)->malformed, 1);
	ck_assert(hq_flows_count(fl) <= 1);
	hq_flows_free(fl);
	free(b.p);
}
END_TEST

static long
maxrss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/*
 * A capture of HQ_FLOWS_BIG_MB (default 192) MiB written on the fly: 512
 * flows, half TLS and half cleartext with 60 KiB segments, the password
 * near the end.  The reader's and analyser's memory must stay far below
 * the file's size.
 */
START_TEST(test_flows_big_file_bounded)
{
	static const char *lab[] = { LAB };
	struct hq_flows_opts o = HQ_FLOWS_OPTS_INIT;
	struct hq_flows *fl = NULL;
	struct hq_err err = { 0 };
	struct buf hdr;
	const char *env = getenv("HQ_FLOWS_BIG_MB");
	size_t mb = env != NULL ? (size_t)atol(env) : 192, seg = 60000, i;
	uint64_t total = 0, frames = 0;
	char path[] = "/tmp/hq-flows-big-XXXXXX";
	uint8_t *pl, *f;
	uint32_t seq[512] = { 0 };
	long before, after;
	FILE *fp;
	int fd, rc;

	if (mb == 0)
		return;
	ck_assert_ptr_nonnull(pl = malloc(seg));
	ck_assert_ptr_nonnull(f = malloc(seg + 128));
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_ptr_nonnull(fp = fdopen(fd, "wb"));
	start(&hdr);
	ck_assert_uint_eq(fwrite(hdr.p, 1, hdr.len, fp), hdr.len);
	/* The last segment, past the size, is cleartext with a password. */
	for (i = 0;; i++) {
		unsigned k = (unsigned)(i % 512);
		bool tls = k % 2 == 0, last = !tls &&
		    total >= (uint64_t)mb << 20;
		struct buf b = { 0 };
		size_t n;

		memset(pl, 'a' + (int)(i % 26), seg);
		if (tls) {
			pl[0] = 0x17;
			pl[1] = 3;
			pl[2] = 3;
			pl[3] = 0x3f;
			pl[4] = 0xff;
		} else if (last) {
			memcpy(pl + seg / 2, "&password=s", 11);
		}
		n = frame(f, dut_a, cloud_a, 6, (uint16_t)(20000 + k),
		    tls ? 443 : 80, seq[k], 0x18, pl, seg);
		seq[k] += (uint32_t)seg;
		epb(&b, 0, f, n);
		ck_assert_uint_eq(fwrite(b.p, 1, b.len, fp), b.len);
		total += b.len;
		free(b.p);
		if (last)
			break;
	}
	ck_assert_int_eq(fclose(fp), 0);
	free(pl);
	free(f);
	free(hdr.p);
	o.dut = DUT;
	o.lab = lab;
	o.nlab = 1;
	before = maxrss_kb();
	ck_assert_int_eq(hq_flows_new(&o, &fl, &err), 0);
	rc = hq_flows_read_pcapng(fl, path, 0, &frames, NULL, &err);
	after = maxrss_kb();
	unlink(path);
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_eq(hq_flows_count(fl), 512);
	ck_assert_uint_eq(hq_flows_stats(fl)->untracked, 0);
	ck_assert_uint_eq(hq_flows_nfindings(fl), 1);
	/* 256 cleartext flows x 4 KiB + the block buffer: a few MiB. */
	ck_assert_uint_le(hq_flows_stats(fl)->mem_peak, 2u << 20);
	ck_assert_int_lt(after - before, 24 * 1024);
	hq_flows_free(fl);
}
END_TEST

Suite *
suite_flows(void)
{
	Suite *s = suite_create("flows");
	TCase *tc = tcase_create("flows"), *tt = tcase_create("truncated"),
	    *big = tcase_create("big");

	tcase_add_test(tc, test_flows_tls_not_flagged);
	tcase_add_test(tc, test_flows_http_authorization);
	tcase_add_test(tc, test_flows_json_password_redacted);
	tcase_add_test(tc, test_flows_form_and_query);
	tcase_add_test(tc, test_flows_every_field_key);
	tcase_add_test(tc, test_flows_mqtt_connect);
	tcase_add_test(tc, test_flows_telnet_login);
	tcase_add_test(tc, test_flows_personal_data_split);
	tcase_add_test(tc, test_flows_lab_and_udp);
	tcase_add_test(tc, test_flows_bound);
	tcase_add_test(tc, test_flows_garbage);
	tcase_add_test(tc, test_flows_huge_lengths);
	suite_add_tcase(s, tc);
	trunc_setup();
	tcase_add_unchecked_fixture(tt, trunc_setup, trunc_teardown);
	tcase_add_loop_test(tt, test_flows_truncated, 0, (int)trunc_src.len);
	trunc_teardown();
	suite_add_tcase(s, tt);
	tcase_set_timeout(big, 300);
	tcase_add_test(big, test_flows_big_file_bounded);
	suite_add_tcase(s, big);
	return s;
}
