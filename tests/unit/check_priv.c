/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Privilege separation (bench/priv.h): the monitor's checks of a worker's
 * requests refuse every malformed or out-of-range one; the worker's drop
 * leaves no capability, no way back to root, and the seccomp filter.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>

#include "bench/bench.h"
#include "bench/capture.h"
#include "bench/priv.h"
#include "util/err.h"

#define HEAD	offsetof(struct hq_priv_req, data)
#define INST	83u
#define DONE_LEN 600u

static struct hq_priv_req q;

static void
req(uint32_t op, uint32_t arg, const char *text)
{
	memset(&q, 0, sizeof(q));
	q.magic = HQ_PRIV_MAGIC;
	q.op = op;
	q.instance = INST;
	q.arg = arg;
	if (text != NULL) {
		q.len = (uint32_t)strlen(text) + 1;
		memcpy(q.data, text, q.len);
	}
}

static int
check(size_t got, struct hq_err *err)
{
	return hq_priv_req_check(&q, got, INST, DONE_LEN, err);
}

START_TEST(test_priv_accepts)
{
	struct hq_err err = { 0 };
	uint32_t op;

	for (op = HQ_PRIV_START; op < HQ_PRIV_OP_END; op++) {
		req(op, 0, NULL);
		if (op == HQ_PRIV_CUT)
			q.arg = HQ_CUT_PARTITION;
		if (op == HQ_PRIV_COMMENT) {
			strcpy(q.data, "case x: step");
			q.len = (uint32_t)strlen(q.data) + 1;
		}
		if (op == HQ_PRIV_DONE)
			q.len = DONE_LEN;
		if (op == HQ_PRIV_SIGNAL) {
			q.arg = SIGHUP;
			q.pid = 4242;
		}
		if (op == HQ_PRIV_LISTEN || op == HQ_PRIV_LISTEN_LAN)
			req(op, 443, "198.18.9.9");
		ck_assert_msg(check(HEAD + q.len, &err) == 0, "op %u: %s", op,
		    err.msg);
	}
	req(HQ_PRIV_CUT, HQ_CUT_LINK_DOWN, NULL);
	ck_assert_int_eq(check(HEAD, &err), 0);
	req(HQ_PRIV_CAP_STOP, 1, NULL);
	ck_assert_int_eq(check(HEAD, &err), 0);
}
END_TEST

/* Each malformed request, and a word its refusal must hold. */
START_TEST(test_priv_refuses)
{
	struct hq_err err = { 0 };
	char big[HQ_CAPTURE_COMMENT_MAX + 8];
	size_t got;
	const char *want;

	got = HEAD;
	switch (_i) {
	case 0: req(HQ_PRIV_RESTORE, 0, NULL); got = HEAD - 1;
		want = "bytes"; break;
	case 1: req(HQ_PRIV_RESTORE, 0, NULL); got = sizeof(q) + 1;
		want = "bytes"; break;
	case 2: req(HQ_PRIV_RESTORE, 0, NULL); q.magic = 0;
		want = "magic"; break;
	case 3: req(0, 0, NULL); want = "unknown"; break;
	case 4: req(HQ_PRIV_OP_END, 0, NULL); want = "unknown"; break;
	case 5: req(0xffffffffu, 0, NULL); want = "unknown"; break;
	case 6: req(HQ_PRIV_CUT, HQ_CUT_LINK_DOWN, NULL); q.instance = 82;
		want = "bench 82"; break;
	case 7: req(HQ_PRIV_CUT, HQ_CUT_NONE, NULL); want = "cut mode";
		break;
	case 8: req(HQ_PRIV_CUT, HQ_CUT_PARTITION + 1, NULL);
		want = "cut mode"; break;
	case 9: req(HQ_PRIV_CUT, 0xffffffffu, NULL); want = "cut mode";
		break;
	case 10: req(HQ_PRIV_COMMENT, 0, "step"); q.len--;	/* no NUL */
		got = HEAD + q.len; want = "comment"; break;
	case 11: req(HQ_PRIV_COMMENT, 0, "st\0ep"); q.len = 6;
		got = HEAD + q.len; want = "comment"; break;
	case 12: req(HQ_PRIV_COMMENT, 0, NULL); want = "comment"; break;
	case 13:
		memset(big, 'a', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		req(HQ_PRIV_COMMENT, 0, big);
		got = HEAD + q.len; want = "comment"; break;
	case 14: req(HQ_PRIV_DONE, 0, NULL); q.len = DONE_LEN - 1;
		got = HEAD + q.len; want = "summary"; break;
	case 15: req(HQ_PRIV_RESTORE, 0, NULL); q.len = 4;
		got = HEAD + 4; want = "no data"; break;
	case 16: req(HQ_PRIV_REDIRECT, 1, NULL); want = "no argument";
		break;
	case 17: req(HQ_PRIV_CAP_STOP, 2, NULL); want = "arg"; break;
	case 18: req(HQ_PRIV_COMMENT, 0, "step");	/* len says more */
		got = HEAD + q.len + 3; want = "data"; break;
	case 19: req(HQ_PRIV_RESTORE, 0, NULL); q.len = HQ_PRIV_DATA_MAX + 1;
		got = sizeof(q); want = "data"; break;
	case 20: req(HQ_PRIV_SIGNAL, SIGKILL, NULL); q.pid = 4242;
		want = "signal"; break;
	case 21: req(HQ_PRIV_SIGNAL, SIGHUP, NULL); q.pid = 1;
		want = "pid"; break;
	case 22: req(HQ_PRIV_SIGNAL, SIGHUP, NULL); q.pid = 4194305;
		want = "pid"; break;
	case 23: req(HQ_PRIV_CUT, HQ_CUT_LOSS, NULL); q.pid = 4242;
		want = "no pid"; break;
	case 24: req(HQ_PRIV_LISTEN, 0, "198.18.9.9");
		got = HEAD + q.len; want = "port 0"; break;
	case 25: req(HQ_PRIV_LISTEN, 65536, "198.18.9.9");
		got = HEAD + q.len; want = "port 65536"; break;
	case 26: req(HQ_PRIV_LISTEN, 443, NULL); want = "address"; break;
	case 27: req(HQ_PRIV_LISTEN, 443, "198.18.9.9"); q.len--;
		got = HEAD + q.len; want = "address"; break;
	case 28:
		memset(big, '1', 80);
		big[80] = '\0';
		req(HQ_PRIV_LISTEN, 443, big);
		got = HEAD + q.len; want = "address"; break;
	case 29: req(HQ_PRIV_LISTEN_LAN, 0, "198.18.9.1");
		got = HEAD + q.len; want = "port 0"; break;
	case 30: req(HQ_PRIV_LISTEN_LAN, 80, NULL); want = "address"; break;
	case 31: req(HQ_PRIV_LISTEN_LAN, 80, "198.18.9.1"); q.pid = 4242;
		got = HEAD + q.len; want = "no pid"; break;
	default:
		ck_abort();
		return;
	}
	ck_assert_int_eq(check(got, &err), HQ_EINVAL);
	ck_assert_msg(strstr(err.msg, want) != NULL, "case %d: \"%s\" "
	    "lacks \"%s\"", _i, err.msg, want);
}
END_TEST

static unsigned long long
status_field(const char *name)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "re");
	unsigned long long v = ~0ull;
	size_t n = strlen(name);

	if (f == NULL)
		return v;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, name, n) == 0 && line[n] == ':')
			v = strtoull(line + n + 1, NULL, strcmp(name,
			    "CapEff") == 0 || strcmp(name, "CapBnd") == 0 ?
			    16 : 10);
	fclose(f);
	return v;
}

/* In a child: drop, then what the worker must not be able to do. */
START_TEST(test_priv_drop)
{
	struct hq_err err = { 0 };
	char name[64];
	uid_t uid;
	gid_t gid;
	pid_t pid;
	int st;

	if (geteuid() != 0)
		return;		/* needs root to drop from */
	ck_assert_int_eq(hq_priv_user(&uid, &gid, name, sizeof(name), &err),
	    0);
	ck_assert_uint_ne(uid, 0);
	if ((pid = fork()) == 0) {
		int bad = 0;

		if (hq_priv_drop(uid, gid, &err) != 0)
			_exit(10);
		if (getuid() != uid || geteuid() != uid || getegid() != gid)
			bad |= 1;
		if (status_field("CapEff") != 0 || status_field("CapBnd") != 0)
			bad |= 2;
		if (status_field("NoNewPrivs") != 1)
			bad |= 4;
		if (status_field("Seccomp") != 2)
			bad |= 8;
		if (setuid(0) == 0)
			bad |= 16;
		/* Denied by the filter with EPERM, not merely by the
		 * missing capability (unshare(0) needs none). */
		if (unshare(0) == 0 || errno != EPERM)
			bad |= 32;
		_exit(bad);
	}
	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "drop: status "
	    "%#x", st);
}
END_TEST

Suite *suite_priv(void);

Suite *
suite_priv(void)
{
	Suite *s = suite_create("priv");
	TCase *tc = tcase_create("requests");

	tcase_add_test(tc, test_priv_accepts);
	tcase_add_loop_test(tc, test_priv_refuses, 0, 32);
	suite_add_tcase(s, tc);
	tc = tcase_create("drop");
	tcase_add_test(tc, test_priv_drop);
	suite_add_tcase(s, tc);
	return s;
}
