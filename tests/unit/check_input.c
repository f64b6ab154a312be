/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mutate (the input family's generator): the same seed gives the same
 * cases, the systematic pass walks every field with every mutation, the
 * controls are well-formed, lengths announce what they should (or, when
 * mutated, what the mutation says), and no case passes its cap.  The
 * monitor: a UDP surface silent once, then answering, is a stall, not a
 * hang; one that stays silent is hung; one that answers is OK.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "util/err.h"
#include "wire/monitor.h"
#include "wire/mutate.h"
#include "wire/tlswire.h"

static const struct hq_mut_target tgt = { "198.18.0.2", "/live", NULL, 0 };

START_TEST(test_input_same_seed_same_cases)
{
	enum hq_proto_model m = (enum hq_proto_model)_i;
	struct hq_mut_case a, b;
	uint64_t i;
	size_t differ = 0;

	for (i = 0; i < 1500; i += 7) {
		ck_assert_int_eq(hq_mut_case_build(m, &tgt, 42, i, &a, NULL),
		    0);
		ck_assert_int_eq(hq_mut_case_build(m, &tgt, 42, i, &b, NULL),
		    0);
		ck_assert_uint_eq(a.len, b.len);
		ck_assert(memcmp(a.bytes, b.bytes, a.len) == 0);
		ck_assert_str_eq(a.field, b.field);
		ck_assert_str_eq(a.mutation, b.mutation);
		ck_assert_uint_le(a.len, HQ_MUT_CASE_MAX);
		hq_mut_case_clear(&b);
		ck_assert_int_eq(hq_mut_case_build(m, &tgt, 43, i, &b, NULL),
		    0);
		if (a.len != b.len || memcmp(a.bytes, b.bytes, a.len) != 0 ||
		    strcmp(a.field, b.field) != 0)
			differ++;
		hq_mut_case_clear(&a);
		hq_mut_case_clear(&b);
	}
	/* another seed: other cases, at least past the systematic pass */
	ck_assert_uint_gt(differ, 10);
}
END_TEST

START_TEST(test_input_systematic_pass)
{
	static const char *const muts[] = { "overlong-1k", "overlong-9k",
	    "overlong-64k", "empty", "missing", "repeated", "wrong-type",
	    "boundary-int", "format-string", "path-traversal", "nul-byte",
	    "non-utf8", "bad-encoding", "deep-nesting", "huge-number",
	    "duplicate-key", "length-over-body", "length-under-body",
	    "length-conflict", NULL };
	struct hq_mut_case c;
	size_t n = hq_mut_pairs(HQ_PM_HTTP), i, k;
	bool seen[32] = { false };

	ck_assert_uint_gt(n, 100);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(hq_mut_case_build(HQ_PM_HTTP, &tgt, 1, i, &c,
		    NULL), 0);
		for (k = 0; muts[k] != NULL; k++)
			if (strcmp(c.mutation, muts[k]) == 0)
				seen[k] = true;
		hq_mut_case_clear(&c);
	}
	for (k = 0; muts[k] != NULL; k++)
		ck_assert_msg(seen[k], "%s never drawn", muts[k]);
	/* the walk does not depend on the seed: case 0 is the method's */
	ck_assert_int_eq(hq_mut_case_build(HQ_PM_HTTP, &tgt, 99, 0, &c,
	    NULL), 0);
	ck_assert_str_eq(c.field, "get.method");
	ck_assert_str_eq(c.mutation, "overlong-1k");
	hq_mut_case_clear(&c);
}
END_TEST

/* The first case of model m whose field and mutation are these. */
static bool
find_case(enum hq_proto_model m, const char *field, const char *mut,
    struct hq_mut_case *c)
{
	size_t n = hq_mut_pairs(m), i;

	for (i = 0; i < n; i++) {
		ck_assert_int_eq(hq_mut_case_build(m, &tgt, 1, i, c, NULL), 0);
		if (strcmp(c->field, field) == 0 &&
		    strcmp(c->mutation, mut) == 0)
			return true;
		hq_mut_case_clear(c);
	}
	return false;
}

static size_t
clen_of(const struct hq_mut_case *c, size_t *bodyp)
{
	const char *h = memmem(c->bytes, c->len, "Content-Length: ", 16);
	const uint8_t *e = memmem(c->bytes, c->len, "\r\n\r\n", 4);

	ck_assert_ptr_nonnull(h);
	ck_assert_ptr_nonnull(e);
	*bodyp = c->len - (size_t)(e + 4 - c->bytes);
	return (size_t)strtoul(h + 16, NULL, 10);
}

START_TEST(test_input_lengths)
{
	struct hq_mut_case c;
	size_t body;

	ck_assert(find_case(HQ_PM_HTTP, "post-json.uri", "empty", &c));
	ck_assert_uint_eq(clen_of(&c, &body), body);
	hq_mut_case_clear(&c);
	ck_assert(find_case(HQ_PM_HTTP, "post-json.content-length",
	    "length-over-body", &c));
	ck_assert_uint_eq(clen_of(&c, &body), body + 1000);
	hq_mut_case_clear(&c);
	ck_assert(find_case(HQ_PM_HTTP, "post-json.json-body",
	    "deep-nesting", &c));
	ck_assert_uint_eq(clen_of(&c, &body), body);
	ck_assert_ptr_nonnull(memmem(c.bytes, c.len, "[[[[[[[[", 8));
	hq_mut_case_clear(&c);
	/* MQTT: a five-byte remaining length (3.1.1 allows four) */
	ck_assert(find_case(HQ_PM_MQTT, "connect.remaining-length",
	    "bad-encoding", &c));
	ck_assert_uint_ge(c.len, 6);
	ck_assert(memcmp(c.bytes, "\x10\xff\xff\xff\xff\x7f", 6) == 0);
	hq_mut_case_clear(&c);
	/* TLS: a record whose length is over its body */
	ck_assert(find_case(HQ_PM_TLS, "client-hello.record-length",
	    "length-over-body", &c));
	ck_assert_uint_eq((size_t)(c.bytes[3] << 8 | c.bytes[4]),
	    c.len - 5 + 1000);
	hq_mut_case_clear(&c);
	/* ONVIF: entity expansion inside a SOAP envelope, length right */
	ck_assert(find_case(HQ_PM_ONVIF, "soap.envelope", "entity-expansion",
	    &c));
	ck_assert_uint_eq(clen_of(&c, &body), body);
	ck_assert_ptr_nonnull(memmem(c.bytes, c.len, "<!ENTITY h", 10));
	ck_assert_ptr_nonnull(memmem(c.bytes, c.len, "s:Envelope", 10));
	hq_mut_case_clear(&c);
	/* telnet: a subnegotiation that never ends */
	ck_assert(find_case(HQ_PM_TELNET, "negotiate.sb-end", "missing", &c));
	ck_assert_ptr_null(memmem(c.bytes, c.len, "xterm\xff\xf0", 7));
	hq_mut_case_clear(&c);
}
END_TEST

START_TEST(test_input_controls)
{
	struct hq_mut_case c;
	struct hq_tls_reply r;

	ck_assert_int_eq(hq_mut_control(HQ_PM_HTTP, &tgt, &c, NULL), 0);
	ck_assert(c.len > 20 && memcmp(c.bytes, "GET /live HTTP/1.1\r\n"
	    "Host: 198.18.0.2\r\n", 38) == 0);
	ck_assert(memcmp(c.bytes + c.len - 4, "\r\n\r\n", 4) == 0);
	hq_mut_case_clear(&c);
	ck_assert_int_eq(hq_mut_control(HQ_PM_RTSP, &tgt, &c, NULL), 0);
	ck_assert(memcmp(c.bytes, "DESCRIBE rtsp://198.18.0.2/live "
	    "RTSP/1.0\r\nCSeq: 2\r\n", 50) == 0);
	hq_mut_case_clear(&c);
	ck_assert_int_eq(hq_mut_control(HQ_PM_MQTT, &tgt, &c, NULL), 0);
	ck_assert_uint_eq(c.bytes[0], 0x10);
	ck_assert_uint_eq(c.bytes[1], c.len - 2);
	hq_mut_case_clear(&c);
	ck_assert_int_eq(hq_mut_control(HQ_PM_TLS, &tgt, &c, NULL), 0);
	ck_assert_uint_eq(c.bytes[0], 0x16);
	ck_assert_uint_eq((size_t)(c.bytes[3] << 8 | c.bytes[4]), c.len - 5);
	ck_assert_uint_eq((size_t)(c.bytes[6] << 16 | c.bytes[7] << 8 |
	    c.bytes[8]), c.len - 9);
	/* not a ServerHello: the parser refuses it, nothing more */
	ck_assert_int_ne(hq_tls_reply_parse(c.bytes, c.len, &r, NULL), 0);
	hq_mut_case_clear(&c);
	ck_assert_int_eq(hq_mut_model_for("https"), HQ_PM_HTTP);
	ck_assert_int_eq(hq_mut_model_for("other"), HQ_PM_RAW);
	ck_assert_int_eq(hq_mut_model_for("onvif"), HQ_PM_ONVIF);
	ck_assert_int_eq(hq_mut_model_for("nonesuch"), -1);
}
END_TEST

START_TEST(test_input_rng)
{
	struct hq_rng a, b;
	int i;

	hq_rng_seed(&a, 7);
	hq_rng_seed(&b, 7);
	for (i = 0; i < 100; i++) {
		ck_assert_uint_eq(hq_rng_next(&a), hq_rng_next(&b));
		ck_assert_uint_lt(hq_rng_below(&a, 13), 13);
		(void)hq_rng_below(&b, 13);
	}
	/* splitmix64's published first output for seed 0 */
	hq_rng_seed(&a, 0);
	ck_assert_uint_eq(hq_rng_next(&a), 0xe220a8397b1dcdafULL);
}
END_TEST

/* Where s occurs in c's bytes, or NULL. */
static const uint8_t *
has(const struct hq_mut_case *c, const char *s)
{
	return memmem(c->bytes, c->len, s, strlen(s));
}

/* The discovery models: their controls are what a responder answers, a
 * fresh WS-Discovery MessageID per nonce, and the cases the brief of each
 * protocol names (overlong ST, bad MX, missing MAN, duplicate headers;
 * deep XML, entity expansion, bad MessageIDs) are in the systematic pass. */
START_TEST(test_input_discovery)
{
	struct hq_mut_target t1 = { "198.18.0.2", NULL, NULL, 1 };
	struct hq_mut_target t2 = { "198.18.0.2", NULL, NULL, 2 };
	struct hq_mut_case a, b, c;

	ck_assert_int_eq(hq_mut_model_for("ssdp"), HQ_PM_SSDP);
	ck_assert_int_eq(hq_mut_model_for("ws-discovery"), HQ_PM_WSD);
	ck_assert_int_eq(hq_mut_control(HQ_PM_SSDP, &t1, &a, NULL), 0);
	ck_assert(a.len > 30 && memcmp(a.bytes, "M-SEARCH * HTTP/1.1\r\n",
	    21) == 0);
	ck_assert_ptr_nonnull(has(&a, "MAN: \"ssdp:discover\"\r\n"));
	ck_assert_ptr_nonnull(memmem(a.bytes, a.len, "ST: ssdp:all\r\n",
	    14));
	ck_assert(memcmp(a.bytes + a.len - 4, "\r\n\r\n", 4) == 0);
	hq_mut_case_clear(&a);
	ck_assert_int_eq(hq_mut_control(HQ_PM_WSD, &t1, &a, NULL), 0);
	ck_assert_int_eq(hq_mut_control(HQ_PM_WSD, &t2, &b, NULL), 0);
	ck_assert_int_eq(hq_mut_control(HQ_PM_WSD, &t1, &c, NULL), 0);
	ck_assert_ptr_nonnull(has(&a, "<wsa:MessageID>urn:uuid:"));
	ck_assert_ptr_nonnull(has(&a, "<wsd:Types>wsdp:Device</wsd:Types>"));
	/* another nonce, another id; the same nonce, the same bytes */
	ck_assert(a.len == b.len && memcmp(a.bytes, b.bytes, a.len) != 0);
	ck_assert(a.len == c.len && memcmp(a.bytes, c.bytes, a.len) == 0);
	hq_mut_case_clear(&a);
	hq_mut_case_clear(&b);
	hq_mut_case_clear(&c);
	ck_assert(find_case(HQ_PM_SSDP, "m-search.st", "overlong-1k", &a));
	ck_assert_ptr_nonnull(has(&a, "ST: AAAA"));
	hq_mut_case_clear(&a);
	ck_assert(find_case(HQ_PM_SSDP, "m-search.mx", "boundary-int", &a));
	hq_mut_case_clear(&a);
	ck_assert(find_case(HQ_PM_SSDP, "m-search.man", "missing", &a));
	ck_assert_ptr_null(has(&a, "MAN:"));
	hq_mut_case_clear(&a);
	ck_assert(find_case(HQ_PM_SSDP, "m-search.st", "repeated", &a));
	hq_mut_case_clear(&a);
	ck_assert(find_case(HQ_PM_WSD, "probe.types", "entity-expansion",
	    &a));
	ck_assert_ptr_nonnull(has(&a, "<!DOCTYPE e ["));
	ck_assert_ptr_nonnull(has(&a, "<wsd:Types>&h;&x;</wsd:Types>"));
	/* the DOCTYPE follows the XML declaration, before the root */
	ck_assert(has(&a, "?><!DOCTYPE") != NULL);
	hq_mut_case_clear(&a);
	ck_assert(find_case(HQ_PM_WSD, "probe.types", "deep-nesting", &a));
	ck_assert_uint_gt(a.len, 5000 * 7);
	hq_mut_case_clear(&a);
	ck_assert(find_case(HQ_PM_WSD, "probe.message-id", "wrong-type", &a));
	{	/* not a urn:uuid: and 36 characters */
		const uint8_t *o = memmem(a.bytes, a.len, "<wsa:MessageID>",
		    15), *e = has(&a, "</wsa:MessageID>");

		ck_assert(o != NULL && e != NULL && e > o);
		ck_assert_uint_ne((size_t)(e - o) - 15, 45);
	}
	hq_mut_case_clear(&a);
	ck_assert(find_case(HQ_PM_WSD, "probe.types", "overlong-64k", &a));
	ck_assert_uint_gt(a.len, 64u * 1024);
	hq_mut_case_clear(&a);
	/* every case has a MessageID of its own: receivers drop repeats */
	ck_assert_int_eq(hq_mut_case_build(HQ_PM_WSD, &t1, 1, 200, &a, NULL),
	    0);
	ck_assert_int_eq(hq_mut_case_build(HQ_PM_WSD, &t1, 1, 201, &b, NULL),
	    0);
	{
		const uint8_t *x = has(&a, "urn:uuid:");
		const uint8_t *y = has(&b, "urn:uuid:");

		if (x != NULL && y != NULL &&
		    (size_t)(x - a.bytes) + 45 <= a.len &&
		    (size_t)(y - b.bytes) + 45 <= b.len)
			ck_assert(memcmp(x, y, 45) != 0);
	}
	hq_mut_case_clear(&a);
	hq_mut_case_clear(&b);
}
END_TEST

/* A UDP responder on 127.0.0.1 that ignores its first `silent` probes
 * and answers "pong" to the others, until `stop`. */
struct udp_resp {
	int		 fd;
	unsigned	 port;
	int		 silent;
	volatile int	 stop;
	pthread_t	 th;
};

static void *
udp_resp_main(void *arg)
{
	struct udp_resp *u = arg;
	struct sockaddr_in from;
	socklen_t flen;
	char buf[512];
	struct pollfd pfd = { u->fd, POLLIN, 0 };

	while (!u->stop) {
		if (poll(&pfd, 1, 50) <= 0)
			continue;
		flen = sizeof(from);
		if (recvfrom(u->fd, buf, sizeof(buf), 0,
		    (struct sockaddr *)&from, &flen) < 0)
			continue;
		if (u->silent-- > 0)
			continue;
		(void)sendto(u->fd, "pong", 4, 0, (struct sockaddr *)&from,
		    flen);
	}
	return NULL;
}

static void
udp_resp_start(struct udp_resp *u, int silent)
{
	struct sockaddr_in sin = { 0 };
	socklen_t len = sizeof(sin);

	memset(u, 0, sizeof(*u));
	u->silent = silent;
	ck_assert_int_ge(u->fd = socket(AF_INET, SOCK_DGRAM, 0), 0);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(u->fd, (struct sockaddr *)&sin, sizeof(sin)),
	    0);
	ck_assert_int_eq(getsockname(u->fd, (struct sockaddr *)&sin, &len),
	    0);
	u->port = ntohs(sin.sin_port);
	ck_assert_int_eq(pthread_create(&u->th, NULL, udp_resp_main, u), 0);
}

static void
udp_resp_stop(struct udp_resp *u)
{
	u->stop = 1;
	pthread_join(u->th, NULL);
	close(u->fd);
}

/* _i: silent probes before the first answer (0, 1, or "always"). */
START_TEST(test_input_monitor_stall)
{
	static const int silent[] = { 0, 1, 1000 };
	static const enum hq_mon_class want[] = { HQ_MON_OK, HQ_MON_OK,
	    HQ_MON_HUNG };
	struct hq_err err = { 0 };
	struct udp_resp u;
	struct hq_mon m;
	enum hq_mon_class cl;
	char detail[256];
	size_t idx;

	udp_resp_start(&u, silent[_i]);
	ck_assert_int_eq(hq_mon_init(&m, &err), 0);
	ck_assert_int_eq(hq_mon_add_probe(&m, "ping", "other", "127.0.0.1",
	    u.port, false, true, NULL, &idx, &err), 0);
	ck_assert_int_eq(hq_mon_probe_set_request(&m.probes[idx],
	    (const uint8_t *)"ping", 4, (const uint8_t *)"pong", 4, &err), 0);
	ck_assert_int_eq(hq_mon_check(&m, 300, &cl, detail, sizeof(detail),
	    &err), 0);
	ck_assert_msg(cl == want[_i], "silent %d: class %s, want %s (%s)",
	    silent[_i], hq_mon_class_name(cl), hq_mon_class_name(want[_i]),
	    detail);
	hq_mon_clear(&m);
	udp_resp_stop(&u);
}
END_TEST

/*
 * TCP connects: a closed port refuses (dead); a listener whose accept
 * queue is full drops the SYN, so the connect times out, which is no
 * evidence that nothing listens: hung (twice silent), or a stall when the
 * queue drains before the second look.  _i: 0 closed, 1 full for good,
 * 2 full until 450 ms.
 */
struct tcp_full {
	int		 lfd, held;
	unsigned	 port;
	int		 drain_ms;	/* accept everything after it; -1 never */
	volatile int	 stop;
	pthread_t	 th;
};

static void *
tcp_full_main(void *arg)
{
	struct tcp_full *t = arg;
	struct pollfd pfd = { t->lfd, POLLIN, 0 };
	struct timespec ts;
	int64_t until;
	int fd;

	/* full until the deadline (the monitor's first look times out),
	 * then drained: its second look gets in */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	until = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 +
	    t->drain_ms;
	while (!t->stop) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		if ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 < until) {
			poll(NULL, 0, 10);
			continue;
		}
		if (poll(&pfd, 1, 50) <= 0)
			continue;
		if ((fd = accept(t->lfd, NULL, NULL)) >= 0)
			close(fd);
	}
	return NULL;
}

START_TEST(test_input_monitor_connect)
{
	static const enum hq_mon_class want[] = { HQ_MON_DEAD, HQ_MON_HUNG,
	    HQ_MON_OK };
	struct sockaddr_in sin = { 0 };
	socklen_t len = sizeof(sin);
	struct hq_err err = { 0 };
	struct tcp_full t = { .lfd = -1, .held = -1, .drain_ms = -1 };
	struct hq_mon m;
	enum hq_mon_class cl;
	char detail[256];
	size_t idx;
	int probe;

	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ge(t.lfd = socket(AF_INET, SOCK_STREAM, 0), 0);
	ck_assert_int_eq(bind(t.lfd, (struct sockaddr *)&sin, sizeof(sin)),
	    0);
	ck_assert_int_eq(getsockname(t.lfd, (struct sockaddr *)&sin, &len),
	    0);
	t.port = ntohs(sin.sin_port);
	if (_i == 0) {
		close(t.lfd);	/* the port, now closed */
		t.lfd = -1;
	} else {
		/* a backlog of 0 queues one connection; the next SYN is
		 * dropped while it waits unaccepted */
		ck_assert_int_eq(listen(t.lfd, 0), 0);
		ck_assert_int_ge(probe = socket(AF_INET, SOCK_STREAM, 0), 0);
		ck_assert_int_eq(connect(probe, (struct sockaddr *)&sin,
		    sizeof(sin)), 0);
		t.held = probe;	/* connected: already in the queue */
		if (_i == 2) {
			t.drain_ms = 450;
			ck_assert_int_eq(pthread_create(&t.th, NULL,
			    tcp_full_main, &t), 0);
		}
	}
	ck_assert_int_eq(hq_mon_init(&m, &err), 0);
	ck_assert_int_eq(hq_mon_add_probe(&m, "svc", "other", "127.0.0.1",
	    t.port, false, false, NULL, &idx, &err), 0);
	ck_assert_int_eq(hq_mon_check(&m, 300, &cl, detail, sizeof(detail),
	    &err), 0);
	ck_assert_msg(cl == want[_i], "case %d: class %s, want %s (%s)", _i,
	    hq_mon_class_name(cl), hq_mon_class_name(want[_i]), detail);
	hq_mon_clear(&m);
	if (_i == 2) {
		t.stop = 1;
		pthread_join(t.th, NULL);
	}
	if (t.held >= 0)
		close(t.held);
	if (t.lfd >= 0)
		close(t.lfd);
}
END_TEST

Suite *suite_input(void);

Suite *
suite_input(void)
{
	Suite *s = suite_create("input");
	TCase *tc;

	tc = tcase_create("generator");
	tcase_add_test(tc, test_input_rng);
	tcase_add_loop_test(tc, test_input_same_seed_same_cases, 0,
	    HQ_PM_COUNT);
	tcase_add_test(tc, test_input_systematic_pass);
	tcase_add_test(tc, test_input_lengths);
	tcase_add_test(tc, test_input_controls);
	tcase_add_test(tc, test_input_discovery);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	tc = tcase_create("monitor");
	tcase_add_loop_test(tc, test_input_monitor_stall, 0, 3);
	tcase_add_loop_test(tc, test_input_monitor_connect, 0, 3);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}
