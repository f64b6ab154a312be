/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The bench's pure parts: journal lines (round trip, strictness, every
 * truncation), cut mode names, namespace names.  What touches the network
 * is tested end to end (tests/e2e/t-bench-*.sh).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <check.h>

#include "bench/bench.h"
#include "bench/journal.h"
#include "util/err.h"

static struct hq_jentry
entry(enum hq_jop op)
{
	struct hq_jentry e;

	memset(&e, 0, sizeof(e));
	e.op = op;
	e.seq = 7;
	strcpy(e.ns, "hq-lab-31");
	if (op == HQ_J_ROUTE || op == HQ_J_RULE || op == HQ_J_ADDR ||
	    op == HQ_J_ROUTE_GONE)
		e.family = AF_INET;
	switch (op) {
	case HQ_J_LINK_DOWN:
		strcpy(e.ifname, "up0");
		e.was_up = true;
		break;
	case HQ_J_ROUTE:
		e.table = 18031;
		strcpy(e.type, "blackhole");
		strcpy(e.addr, "198.19.31.2/32");
		break;
	case HQ_J_RULE:
		e.prio = 18031;
		e.table = 18031;
		strcpy(e.addr, "198.18.31.2/32");
		strcpy(e.ifname, "lan0");
		break;
	case HQ_J_QDISC:
		strcpy(e.ifname, "up0");
		e.handle = 0x48510000u;
		strcpy(e.kind, "netem");
		break;
	case HQ_J_ADDR:
		strcpy(e.ifname, "lo");
		strcpy(e.addr, "198.19.31.2/32");
		break;
	case HQ_J_ROUTE_GONE:
		/* A host bench's namespace, by inode and name. */
		strcpy(e.ns, "ino:4:4026532281:hq-lab-31");
		strcpy(e.ifname, "up0");
		e.table = 254;
		strcpy(e.addr, "default");
		strcpy(e.via, "198.19.31.2");
		e.metric = 50;
		break;
	}
	return e;
}

START_TEST(test_bench_journal_roundtrip)
{
	struct hq_jentry e = entry((enum hq_jop)_i), back;
	char line[HQ_JOURNAL_LINE_MAX];

	ck_assert_int_eq(hq_journal_format_line(&e, line, sizeof(line),
	    NULL), 0);
	ck_assert_int_eq(hq_journal_parse_line(line, strlen(line), &back,
	    NULL), 0);
	ck_assert_int_eq(memcmp(&e, &back, sizeof(e)), 0);
}
END_TEST

START_TEST(test_bench_journal_strict)
{
	static const char *const bad[] = {
		"",
		"hq2 1 link-down ns=x if=up0 up=1",
		"hq1 x link-down ns=x if=up0 up=1",
		"hq1 1 link-up ns=x if=up0 up=1",
		"hq1 1 link-down ns=x if=up0",			/* missing */
		"hq1 1 link-down ns=x if=up0 up=1 up=1",	/* twice */
		"hq1 1 link-down ns=x if=up0 up=1 table=3",	/* extra */
		"hq1 1 link-down ns=x if=up0 up=2",
		"hq1 1 link-down ns=x  if=up0 up=1",		/* empty */
		"hq1 1 link-down ns= if=up0 up=1",
		"hq1 1 qdisc ns=x if=up0 handle=0x10 kind=netem",
		"hq1 1 qdisc ns=x if=up0 handle=99999999999 kind=netem",
		"hq1 1 route ns=x family=inet7 table=1 type=blackhole dst=d",
		"hq1 1 rule ns=x family=inet prio=1 table=1 from=a iif",
		"hq1 1 addr ns=x if=lo family=inet",		/* no local */
		"hq1 1 addr ns=x if=lo family=inet local=a local=a",
		"hq1 1 addr ns=x if=lo family=inet local=a dst=a",
		"hq1 1 addr ns=x family=inet local=198.19.0.2/32",
		"hq1 1 addr ns=x if=lo family=ipx local=a",
		"hq1 1 route-gone ns=x if=up0 family=inet table=254 "
		    "dst=default via=a",			/* no metric */
		"hq1 1 route-gone ns=x if=up0 family=inet table=254 "
		    "dst=default metric=1",			/* no via */
	};
	struct hq_jentry e;
	struct hq_err err = { 0, "" };

	ck_assert_int_eq(hq_journal_parse_line(bad[_i], strlen(bad[_i]), &e,
	    &err), HQ_EPROTO);
}
END_TEST

static const char link_line[] = "hq1 12 link-down ns=hq-lab if=up0 up=1";

START_TEST(test_bench_journal_truncated)	/* exactly _i bytes on heap */
{
	char *copy = malloc(_i > 0 ? _i : 1);
	struct hq_jentry e;

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, link_line, _i);
	ck_assert_int_eq(hq_journal_parse_line(copy, _i, &e, NULL),
	    HQ_EPROTO);
	free(copy);
}
END_TEST

/* The redirect's entry, as `hopquy bench restore` reads it back. */
static const char addr_line[] =
    "hq1 3 addr ns=hq-lab-70 if=lo family=inet local=198.19.70.2/32";

START_TEST(test_bench_journal_addr_truncated)
{
	char *copy = malloc(_i > 0 ? _i : 1);
	struct hq_jentry e;

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, addr_line, _i);
	/* Cut inside the last value still parses: "local=198.1" is a
	 * token; only the cuts that lose a whole field must fail. */
	if ((size_t)_i < sizeof(addr_line) - 1 - strlen("198.19.70.2/32"))
		ck_assert_int_eq(hq_journal_parse_line(copy, _i, &e, NULL),
		    HQ_EPROTO);
	free(copy);
}
END_TEST

START_TEST(test_bench_journal_addr)
{
	struct hq_jentry e = entry(HQ_J_ADDR), back;
	char line[HQ_JOURNAL_LINE_MAX];

	ck_assert_int_eq(hq_journal_format_line(&e, line, sizeof(line),
	    NULL), 0);
	ck_assert_str_eq(line,
	    "hq1 7 addr ns=hq-lab-31 if=lo family=inet local=198.19.31.2/32");
	ck_assert_int_eq(hq_journal_parse_line(addr_line,
	    sizeof(addr_line) - 1, &back, NULL), 0);
	ck_assert_int_eq(back.op, HQ_J_ADDR);
	ck_assert_uint_eq(back.seq, 3);
	ck_assert_str_eq(back.ns, "hq-lab-70");
	ck_assert_str_eq(back.ifname, "lo");
	ck_assert_int_eq(back.family, AF_INET);
	ck_assert_str_eq(back.addr, "198.19.70.2/32");
	e.family = AF_INET6;
	memset(e.ns, 0, sizeof(e.ns));
	memset(e.addr, 0, sizeof(e.addr));
	strcpy(e.ns, "-");
	strcpy(e.addr, "2001:db8::1/128");
	ck_assert_int_eq(hq_journal_format_line(&e, line, sizeof(line),
	    NULL), 0);
	ck_assert_str_eq(line,
	    "hq1 7 addr ns=- if=lo family=inet6 local=2001:db8::1/128");
	ck_assert_int_eq(hq_journal_parse_line(line, strlen(line), &back,
	    NULL), 0);
	ck_assert_int_eq(memcmp(&e, &back, sizeof(e)), 0);
	strcpy(e.addr, "198.19.0.2 /32");	/* would split */
	ck_assert_int_eq(hq_journal_format_line(&e, line, sizeof(line),
	    NULL), HQ_EINTERNAL);
}
END_TEST

START_TEST(test_bench_journal_unrepresentable)
{
	struct hq_jentry e = entry(HQ_J_LINK_DOWN);
	char line[HQ_JOURNAL_LINE_MAX];

	strcpy(e.ifname, "up 0");		/* would split */
	ck_assert_int_eq(hq_journal_format_line(&e, line, sizeof(line),
	    NULL), HQ_EINTERNAL);
	e = entry(HQ_J_LINK_DOWN);
	strcpy(e.ns, "a=b");
	ck_assert_int_eq(hq_journal_format_line(&e, line, sizeof(line),
	    NULL), HQ_EINTERNAL);
}
END_TEST

START_TEST(test_bench_cut_mode_names)
{
	static const char *const names[] = {
		"link-down", "blackhole", "loss", "partition",
	};
	enum hq_cut_mode m;
	struct hq_err err = { 0, "" };
	size_t i;

	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(hq_cut_mode_parse(names[i], &m, NULL), 0);
		ck_assert_str_eq(hq_cut_mode_name(m), names[i]);
	}
	ck_assert_int_eq(hq_cut_mode_parse("none", &m, NULL), HQ_EINVAL);
	ck_assert_int_eq(hq_cut_mode_parse("Loss", &m, NULL), HQ_EINVAL);
	ck_assert_int_eq(hq_cut_mode_parse(NULL, &m, &err), HQ_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "partition"));
}
END_TEST

START_TEST(test_bench_ns_names)
{
	char buf[64];

	hq_bench_ns_name("dut", 0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "hq-dut");
	hq_bench_ns_name("cloud", 31, buf, sizeof(buf));
	ck_assert_str_eq(buf, "hq-cloud-31");
}
END_TEST

Suite *suite_bench(void);

Suite *
suite_bench(void)
{
	Suite *s = suite_create("bench");
	TCase *tc;

	tc = tcase_create("journal_roundtrip");
	tcase_add_loop_test(tc, test_bench_journal_roundtrip, HQ_J_LINK_DOWN,
	    HQ_J_ROUTE_GONE + 1);
	suite_add_tcase(s, tc);
	tc = tcase_create("journal_strict");
	tcase_add_loop_test(tc, test_bench_journal_strict, 0, 21);
	suite_add_tcase(s, tc);
	tc = tcase_create("journal_truncated");
	tcase_add_loop_test(tc, test_bench_journal_truncated, 0,
	    sizeof(link_line) - 1);
	suite_add_tcase(s, tc);
	tc = tcase_create("journal_addr");
	tcase_add_test(tc, test_bench_journal_addr);
	tcase_add_loop_test(tc, test_bench_journal_addr_truncated, 0,
	    sizeof(addr_line) - 1);
	suite_add_tcase(s, tc);
	tc = tcase_create("journal_unrepresentable");
	tcase_add_test(tc, test_bench_journal_unrepresentable);
	suite_add_tcase(s, tc);
	tc = tcase_create("cut_mode_names");
	tcase_add_test(tc, test_bench_cut_mode_names);
	suite_add_tcase(s, tc);
	tc = tcase_create("ns_names");
	tcase_add_test(tc, test_bench_ns_names);
	suite_add_tcase(s, tc);
	return s;
}
