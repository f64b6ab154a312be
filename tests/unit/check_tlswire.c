/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tlswire: the suite table, the ClientHello builder, and the ServerHello /
 * HelloRetryRequest / alert parser against valid samples, every
 * truncation, over-limit lengths and garbage (ASan sees every over-read:
 * samples are copied to heap blocks of exactly their length).
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "util/err.h"
#include "wire/tlswire.h"

/* A TLS 1.2 ServerHello: AES128-GCM, renegotiation_info, EMS. */
static const uint8_t sh12[] = {
	0x16, 0x03, 0x03, 0x00, 0x3d,
	0x02, 0x00, 0x00, 0x39, 0x03, 0x03,
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
	17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
	0x00, 0xc0, 0x2f, 0x00,
	0x00, 0x11,
	0xff, 0x01, 0x00, 0x01, 0x00,
	0x00, 0x17, 0x00, 0x00,
	0x00, 0x0b, 0x00, 0x04, 0x03, 0x00, 0x01, 0x02,
};

/* A TLS 1.3 HelloRetryRequest: TLS_AES_256_GCM_SHA384, group x25519. */
static const uint8_t hrr13[] = {
	0x16, 0x03, 0x03, 0x00, 0x58,
	0x02, 0x00, 0x00, 0x54, 0x03, 0x03,
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c,
	0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
	0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
	0x20, 0x3c, 0x3d, 0x3e, 0x3f, 0x40, 0x41, 0x42, 0x43, 0x44, 0x45,
	0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f, 0x50,
	0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x5b,
	0x13, 0x02, 0x00,
	0x00, 0x0c,
	0x00, 0x2b, 0x00, 0x02, 0x03, 0x04,
	0x00, 0x33, 0x00, 0x02, 0x00, 0x1d,
};

/* A fatal handshake_failure alert. */
static const uint8_t alert40[] = { 0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28 };

/* The TLS 1.2 ServerHello split over three handshake records. */
static uint8_t split[sizeof(sh12) + 10];
static size_t nsplit;

static void
make_split(void)
{
	const uint8_t *hs = sh12 + 5;
	size_t hl = sizeof(sh12) - 5, cuts[3] = { 3, 20, 0 }, i, off = 0;

	cuts[2] = hl - cuts[0] - cuts[1];
	nsplit = 0;
	for (i = 0; i < 3; i++) {
		split[nsplit++] = 0x16;
		split[nsplit++] = 0x03;
		split[nsplit++] = 0x03;
		split[nsplit++] = (uint8_t)(cuts[i] >> 8);
		split[nsplit++] = (uint8_t)cuts[i];
		memcpy(split + nsplit, hs + off, cuts[i]);
		nsplit += cuts[i];
		off += cuts[i];
	}
}

/* Parses exactly len bytes from a heap copy. */
static int
parse_copy(const uint8_t *p, size_t len, struct hq_tls_reply *r,
    struct hq_err *err)
{
	uint8_t *copy = malloc(len > 0 ? len : 1);
	int rc;

	ck_assert_ptr_nonnull(copy);
	if (len > 0)
		memcpy(copy, p, len);
	rc = hq_tls_reply_parse(copy, len, r, err);
	free(copy);
	return rc;
}

START_TEST(test_tlswire_table)
{
	const struct hq_tls_suite *tab, *s;
	size_t n, i;
	uint32_t f;

	tab = hq_tls_suites(&n);
	ck_assert_uint_gt(n, 300);
	for (i = 1; i < n; i++)
		ck_assert_uint_lt(tab[i - 1].id, tab[i].id);
	ck_assert_ptr_null(hq_tls_suite_find(0x00ff));	/* SCSV */
	ck_assert_ptr_null(hq_tls_suite_find(0x5600));
	s = hq_tls_suite_find(0x000a);
	ck_assert_ptr_nonnull(s);
	ck_assert(s->flags & HQ_TLSS_3DES);
	ck_assert(s->flags & HQ_TLSS_STATIC_RSA);
	ck_assert((s->flags & HQ_TLSS_DES) == 0);
	ck_assert(hq_tls_suite_find(0x0005)->flags & HQ_TLSS_RC4);
	ck_assert(hq_tls_suite_find(0x0002)->flags & HQ_TLSS_NULL);
	ck_assert(hq_tls_suite_find(0x0018)->flags & HQ_TLSS_ANON);
	ck_assert(hq_tls_suite_find(0x0003)->flags & HQ_TLSS_EXPORT);
	ck_assert(hq_tls_suite_find(0x0009)->flags & HQ_TLSS_DES);
	ck_assert(hq_tls_suite_find(0x0004)->flags & HQ_TLSS_MD5);
	s = hq_tls_suite_find(0xc02f);
	ck_assert_int_eq(s->kx, HQ_TLS_KX_ECDHE);
	ck_assert((s->flags & (HQ_TLSS_CBC | HQ_TLSS_SHA1 |
	    HQ_TLSS_STATIC_RSA)) == 0);
	ck_assert_uint_eq(s->min_version, HQ_TLS12);
	ck_assert_int_eq(hq_tls_suite_find(0x1301)->kx, HQ_TLS_KX_ANY);
	ck_assert_ptr_eq(hq_tls_suite_by_name("DES-CBC3-SHA"),
	    hq_tls_suite_find(0x000a));
	ck_assert_ptr_eq(hq_tls_suite_by_name("TLS_RSA_WITH_RC4_128_SHA"),
	    hq_tls_suite_find(0x0005));
	ck_assert_int_eq(hq_tls_flag_parse("3des", &f), 0);
	ck_assert_uint_eq(f, HQ_TLSS_3DES);
	ck_assert_int_eq(hq_tls_flag_parse("bogus", &f), HQ_EINVAL);
}
END_TEST

START_TEST(test_tlswire_hello_build)
{
	static const uint16_t suites[] = { 0xc02f, 0x000a, 0x0005 };
	static const uint16_t s13[] = { 0x1301, 0x1302 };
	struct hq_tls_hello_opts o = { 0 };
	uint8_t buf[HQ_TLS_HELLO_MAX];
	struct hq_err err = { 0 };
	size_t len;

	o.version = HQ_TLS12;
	o.suites = suites;
	o.nsuites = 3;
	o.sni = "dut.example";
	ck_assert_int_eq(hq_tls_hello_build(&o, buf, sizeof(buf), &len,
	    &err), 0);
	ck_assert_uint_eq(buf[0], 0x16);
	ck_assert_uint_eq((size_t)(buf[3] << 8 | buf[4]), len - 5);
	ck_assert_uint_eq(buf[5], 0x01);
	ck_assert_uint_eq(buf[9], 0x03);
	ck_assert_uint_eq(buf[10], 0x03);
	/* suites: 3 + the renegotiation SCSV, right after an empty sid */
	ck_assert_uint_eq(buf[43], 0);
	ck_assert_uint_eq(buf[44] << 8 | buf[45], 8);
	ck_assert_uint_eq(buf[52] << 8 | buf[53], 0x00ff);
	ck_assert_ptr_nonnull(memmem(buf, len, "dut.example", 11));
	ck_assert_ptr_null(memmem(buf, len, "\x00\x2b\x00", 3));
	/* An IP literal is never sent as SNI. */
	o.sni = "198.18.0.2";
	ck_assert_int_eq(hq_tls_hello_build(&o, buf, sizeof(buf), &len,
	    &err), 0);
	ck_assert_ptr_null(memmem(buf, len, "198.18", 6));
	/* TLS 1.3: supported_versions {1.3}, empty key_share. */
	o.version = HQ_TLS13;
	o.suites = s13;
	o.nsuites = 2;
	ck_assert_int_eq(hq_tls_hello_build(&o, buf, sizeof(buf), &len,
	    &err), 0);
	ck_assert_ptr_nonnull(memmem(buf, len,
	    "\x00\x2b\x00\x03\x02\x03\x04", 7));
	ck_assert_ptr_nonnull(memmem(buf, len, "\x00\x33\x00\x02\x00\x00",
	    6));
	/* SSLv3: SSLv3 record, no extensions. */
	o.version = HQ_SSL3;
	o.suites = suites;
	o.nsuites = 3;
	ck_assert_int_eq(hq_tls_hello_build(&o, buf, sizeof(buf), &len,
	    &err), 0);
	ck_assert_uint_eq(buf[2], 0x00);
	ck_assert_uint_eq(len, 5 + 4 + 2 + 32 + 1 + 2 + 8 + 2);
	/* Limits. */
	o.nsuites = 0;
	ck_assert_int_eq(hq_tls_hello_build(&o, buf, sizeof(buf), &len,
	    &err), HQ_EINVAL);
	o.nsuites = 3;
	ck_assert_int_eq(hq_tls_hello_build(&o, buf, 40, &len, NULL),
	    HQ_EINVAL);
	o.version = 0x0305;
	ck_assert_int_eq(hq_tls_hello_build(&o, buf, sizeof(buf), &len,
	    NULL), HQ_EINVAL);
}
END_TEST

START_TEST(test_tlswire_hello_all_suites)
{
	const struct hq_tls_suite *tab;
	uint16_t ids[HQ_TLS_OFFER_MAX];
	struct hq_tls_hello_opts o = { 0 };
	uint8_t buf[HQ_TLS_HELLO_MAX];
	size_t n, i, len;

	tab = hq_tls_suites(&n);
	ck_assert_uint_le(n, HQ_TLS_OFFER_MAX);
	for (i = 0; i < n; i++)
		ids[i] = tab[i].id;
	o.version = HQ_TLS12;
	o.suites = ids;
	o.nsuites = n;
	ck_assert_int_eq(hq_tls_hello_build(&o, buf, sizeof(buf), &len,
	    NULL), 0);
	ck_assert_uint_gt(len, 2 * n);
}
END_TEST

START_TEST(test_tlswire_parse_valid)
{
	struct hq_tls_reply r;
	struct hq_err err = { 0 };

	ck_assert_int_eq(parse_copy(sh12, sizeof(sh12), &r, &err), 0);
	ck_assert_int_eq(r.kind, HQ_TLSR_HELLO);
	ck_assert_uint_eq(r.version, HQ_TLS12);
	ck_assert_uint_eq(r.suite, 0xc02f);
	ck_assert(r.secure_reneg);
	ck_assert(r.ems);
	ck_assert_uint_eq(r.used, sizeof(sh12));

	ck_assert_int_eq(parse_copy(hrr13, sizeof(hrr13), &r, &err), 0);
	ck_assert_int_eq(r.kind, HQ_TLSR_HRR);
	ck_assert_uint_eq(r.version, HQ_TLS13);
	ck_assert_uint_eq(r.suite, 0x1302);
	ck_assert(r.has_group);
	ck_assert_uint_eq(r.group, 0x001d);

	ck_assert_int_eq(parse_copy(alert40, sizeof(alert40), &r, &err), 0);
	ck_assert_int_eq(r.kind, HQ_TLSR_ALERT);
	ck_assert_uint_eq(r.alert_level, 2);
	ck_assert_uint_eq(r.alert_desc, 40);

	make_split();
	ck_assert_int_eq(parse_copy(split, nsplit, &r, &err), 0);
	ck_assert_int_eq(r.kind, HQ_TLSR_HELLO);
	ck_assert_uint_eq(r.suite, 0xc02f);
	ck_assert_uint_eq(r.used, nsplit);
}
END_TEST

/* Every proper prefix is a valid, undecided prefix: MORE, never an error,
 * never a read past the end. */
START_TEST(test_tlswire_parse_truncated)
{
	const uint8_t *samples[] = { sh12, hrr13, alert40, split };
	size_t lens[4] = { sizeof(sh12), sizeof(hrr13), sizeof(alert40), 0 };
	size_t k;

	make_split();
	lens[3] = nsplit;
	for (k = 0; k < 4; k++) {
		struct hq_tls_reply r;
		struct hq_err err = { 0 };

		if ((size_t)_i >= lens[k])
			continue;
		ck_assert_int_eq(parse_copy(samples[k], (size_t)_i, &r, &err),
		    0);
		ck_assert_int_eq(r.kind, HQ_TLSR_MORE);
	}
}
END_TEST

static void
expect_eproto(const uint8_t *p, size_t len, const char *needle)
{
	struct hq_tls_reply r;
	struct hq_err err = { 0 };

	ck_assert_int_eq(parse_copy(p, len, &r, &err), HQ_EPROTO);
	ck_assert_msg(strstr(err.msg, needle) != NULL, "\"%s\" lacks \"%s\"",
	    err.msg, needle);
}

START_TEST(test_tlswire_parse_oversized)
{
	uint8_t b[sizeof(hrr13) + 8];

	/* A record longer than RFC 5246 allows, judged from its header. */
	expect_eproto((const uint8_t *)"\x16\x03\x03\x48\x01", 5,
	    "TLS record of 18433 bytes");
	/* A ServerHello longer than our limit, from its 4-byte header. */
	expect_eproto((const uint8_t *)"\x16\x03\x03\x40\x00\x02\x01\x00\x00",
	    9, "ServerHello of 65536 bytes");
	/* Session id of 33 bytes. */
	memcpy(b, sh12, sizeof(sh12));
	b[43] = 33;
	expect_eproto(b, sizeof(sh12), "session id of 33");
	/* Extensions block longer than the message. */
	memcpy(b, sh12, sizeof(sh12));
	b[48] = 0x40;
	expect_eproto(b, sizeof(sh12), "extensions truncated");
	/* Trailing bytes after the extensions. */
	memcpy(b, sh12, sizeof(sh12));
	b[48] = 0x09;
	expect_eproto(b, sizeof(sh12), "bytes after the extensions");
	/* The same extension twice. */
	memcpy(b, sh12, sizeof(sh12));
	memcpy(b + 58, "\x00\x17\x00\x00\x00\x00\x00\x00", 8);
	expect_eproto(b, sizeof(sh12), "twice");
	/* HRR key_share with a key, which only a ServerHello carries. */
	memcpy(b, hrr13, sizeof(hrr13));
	b[sizeof(hrr13) - 3] = 0x04;
	expect_eproto(b, sizeof(hrr13), "truncated");
}
END_TEST

START_TEST(test_tlswire_parse_garbage)
{
	static const struct {
		const char	*bytes;
		size_t		 len;
		const char	*needle;
	} cases[] = {
		{ "HTTP/1.1 400 Bad Request\r\n", 26, "not TLS: record type" },
		{ "SSH-2.0-dropbear\r\n", 18, "not TLS" },
		{ "\x17\x03\x03\x00\x10", 5, "record type 0x17" },
		{ "\x16\x02\x00\x00\x10", 5, "version major 2" },
		{ "\x16\x03\x03\x00\x00", 5, "empty TLS handshake record" },
		{ "\x15\x03\x03\x00\x03\x02\x28\x00", 8, "alert record of 3" },
		{ "\x15\x03\x03\x00\x02\x07\x28", 7, "alert level 7" },
		{ "\x16\x03\x03\x00\x04\x0b\x00\x00\x00", 9,
		    "message type 11" },
		{ "\x16\x03\x03\x00\x04\x02\x00\x00\x05", 9,
		    "ServerHello of 5 bytes" },
		{ "\x8f\xff\x01", 3, "first byte 0x8f" },
	};
	size_t k;

	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
		expect_eproto((const uint8_t *)cases[k].bytes, cases[k].len,
		    cases[k].needle);
}
END_TEST

/* Random bytes and bit-flipped samples: 0 or HQ_EPROTO, nothing else. */
START_TEST(test_tlswire_parse_fuzz)
{
	uint32_t x = 0x2545f491u + (uint32_t)_i;
	uint8_t buf[700];
	size_t it;

	for (it = 0; it < 4000; it++) {
		struct hq_tls_reply r;
		size_t len, j;

		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		if (it % 2 == 0) {
			len = x % sizeof(buf);
			for (j = 0; j < len; j++) {
				x ^= x << 13;
				x ^= x >> 17;
				x ^= x << 5;
				buf[j] = (uint8_t)x;
			}
			if (len > 0 && (x & 1))
				buf[0] = 0x16;
			if (len > 1 && (x & 2))
				buf[1] = 0x03;
		} else {
			const uint8_t *s = (x & 1) ? sh12 : hrr13;

			len = (x & 1) ? sizeof(sh12) : sizeof(hrr13);
			memcpy(buf, s, len);
			buf[(x >> 8) % len] ^= (uint8_t)(1u << ((x >> 4) & 7));
			if (x & 0x10000)
				buf[(x >> 20) % len] = (uint8_t)(x >> 24);
		}
		{
			int rc = parse_copy(buf, len, &r, NULL);

			ck_assert(rc == 0 || rc == HQ_EPROTO);
			if (rc == 0 && r.kind != HQ_TLSR_MORE)
				ck_assert_uint_le(r.used, len);
		}
	}
}
END_TEST

Suite	*suite_tlswire(void);

Suite *
suite_tlswire(void)
{
	Suite *s = suite_create("tlswire");
	TCase *tc;

	tc = tcase_create("table");
	tcase_add_test(tc, test_tlswire_table);
	suite_add_tcase(s, tc);
	tc = tcase_create("hello");
	tcase_add_test(tc, test_tlswire_hello_build);
	tcase_add_test(tc, test_tlswire_hello_all_suites);
	suite_add_tcase(s, tc);
	tc = tcase_create("parse");
	tcase_add_test(tc, test_tlswire_parse_valid);
	tcase_add_loop_test(tc, test_tlswire_parse_truncated, 0,
	    sizeof(split));
	tcase_add_test(tc, test_tlswire_parse_oversized);
	tcase_add_test(tc, test_tlswire_parse_garbage);
	tcase_add_loop_test(tc, test_tlswire_parse_fuzz, 0, 8);
	suite_add_tcase(s, tc);
	return s;
}
