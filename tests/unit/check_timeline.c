/* SPDX-License-Identifier: Apache-2.0 */
/* The pcapng reader behind netcut's cut proof and traffic timeline. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "signal/light.h"
#include "signal/timeline.h"
#include "util/err.h"

static size_t
put32(uint8_t *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = (v >> 24) & 0xff;
	return 4;
}

/* An EPB on interface 0 with an Ethernet/IPv4/TCP frame. */
static size_t
epb(uint8_t *b, uint64_t ts_ns, const uint8_t src[4], const uint8_t dst[4],
    uint8_t flags)
{
	uint8_t f[54] = { 0 };
	size_t o = 0;

	f[12] = 0x08;			/* IPv4 */
	f[14] = 0x45;
	f[17] = 40;
	f[23] = 6;			/* TCP */
	memcpy(f + 26, src, 4);
	memcpy(f + 30, dst, 4);
	f[14 + 20 + 13] = flags;
	o += put32(b + o, 6);
	o += put32(b + o, 28 + 56 + 4);
	o += put32(b + o, 0);
	o += put32(b + o, (uint32_t)(ts_ns >> 32));
	o += put32(b + o, (uint32_t)ts_ns);
	o += put32(b + o, 54);
	o += put32(b + o, 54);
	memcpy(b + o, f, 54);
	o += 56;
	o += put32(b + o, 28 + 56 + 4);
	return o;
}

START_TEST(test_timeline_pcapng)
{
	static const uint8_t dut[4] = { 198, 18, 0, 2 },
	    cloud[4] = { 198, 19, 0, 2 }, lab[4] = { 198, 18, 0, 1 };
	char path[] = "/tmp/hq-pcapng-XXXXXX", *cl[] = { "198.19.0.2" };
	uint8_t b[1024] = { 0 };
	size_t o = 0, n;
	struct hq_pkt *p = NULL;
	struct hq_traffic t;
	int64_t off = hq_light_real_minus_mono(), base = 5000000000LL;
	FILE *f;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	/* SHB */
	o += put32(b + o, 0x0a0d0d0a);
	o += put32(b + o, 28);
	o += put32(b + o, 0x1a2b3c4d);
	o += put32(b + o, 1);
	o += put32(b + o, 0xffffffff);
	o += put32(b + o, 0xffffffff);
	o += put32(b + o, 28);
	/* IDB: Ethernet, if_tsresol 9 */
	o += put32(b + o, 1);
	o += put32(b + o, 32);
	o += put32(b + o, 1);
	o += put32(b + o, 0);
	o += put32(b + o, 9 | 1 << 16);
	o += put32(b + o, 9);
	o += put32(b + o, 0);
	o += put32(b + o, 32);
	o += epb(b + o, (uint64_t)(base + off), dut, cloud, 0x02);
	o += epb(b + o, (uint64_t)(base + off + 1000000), cloud, dut, 0x12);
	o += epb(b + o, (uint64_t)(base + off + 2000000), dut, lab, 0x10);
	f = fdopen(fd, "w");
	ck_assert_int_eq(fwrite(b, 1, o - 20, f), o - 20);	/* cut short */
	fclose(f);
	ck_assert_int_eq(hq_pcapng_packets(path, "198.18.0.2", cl, 1, &p, &n,
	    NULL), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(p[0].dir, HQ_PKT_TO_CLOUD);
	ck_assert(p[0].syn);
	ck_assert_int_eq(p[1].dir, HQ_PKT_FROM_CLOUD);
	ck_assert(!p[1].syn);
	ck_assert(llabs(p[0].t_ns - base) < 1000000);
	hq_traffic_count(p, n, base - 1000, base + 500000, &t);
	ck_assert_uint_eq(t.to_cloud, 1);
	ck_assert_uint_eq(t.syn_to_cloud, 1);
	ck_assert_uint_eq(t.from_cloud, 0);
	free(p);
	unlink(path);
}
END_TEST

Suite *
suite_timeline(void)
{
	Suite *s = suite_create("timeline");
	TCase *tc = tcase_create("timeline");

	tcase_add_test(tc, test_timeline_pcapng);
	suite_add_tcase(s, tc);
	return s;
}
