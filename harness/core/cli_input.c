/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `hopquy input replay RUNDIR FINDING`: sends the bytes of one finding of
 * the input family (RUNDIR/input/<case>/finding-N.bin, described by
 * finding-N.json) to the surface it came from, with the monitor of that
 * run before and after.  Exit 1 when the device is left dead, hung,
 * abnormal, rebooted or with a changed setting again (reproduced), 0 when
 * it stays up, 69 when the device does not answer normally before.
 */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/cli.h"
#include "util/err.h"
#include "util/log.h"
#include "util/util.h"
#include "wire/exchange.h"
#include "wire/monitor.h"

int	hq_cli_input(int argc, char **argv);

#define REPLAY_JSON_MAX	(1u << 20)

static const char usage_input[] =
"usage: hopquy input replay RUNDIR FINDING [--settle-ms MS]\n"
"\n"
"Sends the bytes of finding FINDING (its number, or the path of its\n"
"finding-N.json under RUNDIR) of an input case to the surface it came\n"
"from, then checks every surface of that run and its watched values.\n"
"\n"
"exit: 1 reproduced (the device is dead, hung, abnormal, rebooted or has\n"
"a changed setting), 0 not reproduced, 69 the device did not answer\n"
"normally before the replay, 64 usage, 65 a bad finding file.\n";

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

/* The finding's JSON path into out; 0 or HQ_EINVAL. */
static int
find_json(const char *rundir, const char *finding, char *out, size_t outsz,
    struct hq_err *err)
{
	char pat[4096];
	glob_t g;
	size_t i;
	int rc;

	for (i = 0; finding[i] >= '0' && finding[i] <= '9'; i++)
		;
	if (i == 0 || finding[i] != '\0') {
		snprintf(out, outsz, "%s/%s", rundir, finding);
		return 0;
	}
	snprintf(pat, sizeof(pat), "%s/input/*/finding-%s.json", rundir,
	    finding);
	if (glob(pat, 0, NULL, &g) != 0)
		return hq_err_set(err, HQ_EINVAL, "%s: no finding %s of an "
		    "input case", rundir, finding);
	if (g.gl_pathc != 1)
		rc = hq_err_set(err, HQ_EINVAL, "%s: %zu input cases have a "
		    "finding %s; give the path of its finding-%s.json",
		    rundir, (size_t)g.gl_pathc, finding, finding);
	else {
		snprintf(out, outsz, "%s", g.gl_pathv[0]);
		rc = 0;
	}
	globfree(&g);
	return rc;
}

static int
replay(const char *rundir, const char *finding, long settle_ms,
    struct hq_err *err)
{
	char path[4096], bpath[4096], hex[65], detail[256];
	char *text = NULL, *bytes = NULL, *slash;
	size_t tlen, blen;
	cJSON *j = NULL;
	struct hq_mon mon;
	struct hq_xchg *x = NULL;
	struct hq_xchg_out o;
	enum hq_mon_class cl;
	const char *addr, *bname, *sha;
	double port, case_ms, health_ms;
	uint8_t *reply = NULL;
	int rc, status = HQ_EXIT_SOFTWARE;
	bool mon_ok = false;

	memset(&mon, 0, sizeof(mon));
	if ((rc = find_json(rundir, finding, path, sizeof(path), err)) != 0 ||
	    (rc = hq_file_slurp(path, REPLAY_JSON_MAX, &text, &tlen,
	    err)) != 0)
		goto out;
	if ((j = cJSON_ParseWithLength(text, tlen)) == NULL ||
	    (addr = jstr(j, "addr")) == NULL ||
	    (bname = jstr(j, "bytes")) == NULL ||
	    (sha = jstr(j, "sha256")) == NULL ||
	    (port = jnum(j, "port", -1)) < 1 || port > 65535 ||
	    strchr(bname, '/') != NULL) {
		rc = hq_err_set(err, HQ_EINVAL, "%s: not an input finding",
		    path);
		goto out;
	}
	snprintf(bpath, sizeof(bpath), "%s", path);
	if ((slash = strrchr(bpath, '/')) != NULL)
		slash[1] = '\0';
	else
		bpath[0] = '\0';
	strncat(bpath, bname, sizeof(bpath) - strlen(bpath) - 1);
	if ((rc = hq_file_slurp(bpath, 1u << 20, &bytes, &blen, err)) != 0)
		goto out;
	hq_sha256_hex(bytes, blen, hex);
	if (strcmp(hex, sha) != 0) {
		rc = hq_err_set(err, HQ_EINVAL, "%s: SHA-256 %s, the finding "
		    "says %s", bpath, hex, sha);
		goto out;
	}
	case_ms = jnum(j, "case_timeout_ms", 1000);
	health_ms = jnum(j, "health_timeout_ms", 3000);
	if ((rc = hq_mon_from_json(cJSON_GetObjectItemCaseSensitive(j,
	    "monitor"), &mon, err)) != 0)
		goto out;
	mon_ok = true;
	{
		const cJSON *na = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(j, "monitor"),
		    "watches_with_credentials");

		if (cJSON_IsNumber(na) && na->valuedouble > 0)
			printf("note: %.0f watched value%s behind the "
			    "operator's credentials not read (a reproducer "
			    "carries no credentials)\n", na->valuedouble,
			    na->valuedouble == 1 ? "" : "s");
	}
	if ((rc = hq_xchg_new(addr, (unsigned)port, cJSON_IsTrue(
	    cJSON_GetObjectItemCaseSensitive(j, "tls")), cJSON_IsTrue(
	    cJSON_GetObjectItemCaseSensitive(j, "udp")), &x, err)) != 0 ||
	    (reply = malloc(HQ_MON_REPLY_MAX)) == NULL) {
		if (rc == 0)
			rc = hq_err_set(err, HQ_ENOMEM, "no memory");
		goto out;
	}
	hq_xchg_set_half_close(x, true);
	/* Before: the device answers normally; its values now are the
	 * reference. */
	cl = HQ_MON_OK;
	if ((rc = hq_mon_baseline(&mon, (int)health_ms, err)) != 0) {
		if (rc == HQ_EINTR)
			goto out;
		snprintf(detail, sizeof(detail), "%.200s", err->msg);
		hq_err_clear(err);
		cl = HQ_MON_ABNORMAL;
	}
	if (cl == HQ_MON_OK && (rc = hq_mon_check(&mon, (int)health_ms, &cl,
	    detail, sizeof(detail), err)) != 0)
		goto out;
	if (cl != HQ_MON_OK) {
		printf("not replayed: before the replay the device is %s: "
		    "%s\n", hq_mon_class_name(cl), detail);
		status = HQ_EXIT_UNAVAILABLE;
		rc = 0;
		goto out;
	}
	printf("replaying finding %s: %zu bytes (%s, %s) to %s:%u%s\n",
	    finding, blen, jstr(j, "field") ? jstr(j, "field") : "?",
	    jstr(j, "mutation") ? jstr(j, "mutation") : "?", addr,
	    (unsigned)port, cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j,
	    "tls")) ? " over TLS" : "");
	if ((rc = hq_xchg_do(x, (const uint8_t *)bytes, blen,
	    hq_deadline_in((int64_t)case_ms), 100, reply, HQ_MON_REPLY_MAX,
	    &o, err)) != 0 && rc != HQ_EUNREACH && rc != HQ_ETIMEDOUT &&
	    rc != HQ_ETLS)
		goto out;
	hq_err_clear(err);
	if ((rc = hq_mon_watch(&mon, (int)health_ms, settle_ms, &cl, detail,
	    sizeof(detail), err)) != 0)
		goto out;
	if (cl != HQ_MON_OK) {
		printf("reproduced: the device is %s: %s (the run said: %s)\n",
		    hq_mon_class_name(cl), detail, jstr(j, "outcome") ?
		    jstr(j, "outcome") : "?");
		status = HQ_EXIT_FAIL;
	} else {
		printf("not reproduced: every surface answers normally and "
		    "the watched values are unchanged\n");
		status = HQ_EXIT_PASS;
	}
 out:
	if (rc != 0)
		status = hq_cli_exit_for(rc);
	free(reply);
	hq_xchg_free(x);
	if (mon_ok)
		hq_mon_clear(&mon);
	cJSON_Delete(j);
	free(text);
	free(bytes);
	return status;
}

int
hq_cli_input(int argc, char **argv)
{
	struct hq_err err = { 0 };
	long settle_ms = 3000;
	int status;

	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)) {
		fputs(usage_input, stdout);
		return 0;
	}
	if (argc == 6 && strcmp(argv[4], "--settle-ms") == 0) {
		char *end;

		settle_ms = strtol(argv[5], &end, 10);
		if (*end != '\0' || settle_ms < 0 || settle_ms > 600000) {
			fputs(usage_input, stderr);
			return HQ_EXIT_USAGE;
		}
		argc = 4;
	}
	if (argc != 4 || strcmp(argv[1], "replay") != 0) {
		fputs(usage_input, stderr);
		return HQ_EXIT_USAGE;
	}
	status = replay(argv[2], argv[3], settle_ms, &err);
	if (err.code != 0)
		fprintf(stderr, "hopquy: %s\n", err.msg);
	return status;
}
