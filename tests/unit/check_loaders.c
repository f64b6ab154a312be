/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Profile and DUT description loaders: malformed inputs are refused with
 * exit status 65 and a message naming the file and the JSON path; truncated,
 * non-UTF-8, deeply nested and oversized inputs never crash or hang.
 * The CLI cases run the built binary ($HQ_BIN) as a user would.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>
#include <cjson/cJSON.h>

#include "core/profile.h"
#include "model/dut.h"
#include "util/err.h"

static const char base_profile[] =
"{ \"format\": \"hopquy-profile/1\", \"id\": \"test-profile\",\n"
"  \"title\": \"t\", \"regulation\": \"R 1\", \"issuer\": \"i\",\n"
"  \"version\": \"1.0\", \"status\": \"lab\",\n"
"  \"device_classes\": [\"ip-camera\"],\n"
"  \"groups\": [ { \"id\": \"g1\", \"title\": \"G one\" },\n"
"              { \"id\": \"g2\", \"title\": \"G two\" } ],\n"
"  \"testcases\": [ { \"id\": \"test/g1.1\", \"title\": \"scan\",\n"
"     \"description\": \"d\", \"group\": \"g1\", \"family\": \"surface\",\n"
"     \"mandatory\": true, \"timeout_s\": 60,\n"
"     \"params\": { \"ports\": \"1-1024\", \"window\": 64 } } ] }\n";

static const char base_dut[] =
"{ \"format\": \"hopquy-dut/1\",\n"
"  \"identity\": { \"manufacturer\": \"m\", \"model\": \"x\",\n"
"     \"serial\": \"S1\", \"firmware\": \"1.0\", \"class\": \"ip-camera\" },\n"
"  \"bench\": { \"mode\": \"namespaces\", \"address\": \"198.18.0.2\",\n"
"     \"cloud\": [\"198.19.0.2\"] },\n"
"  \"surfaces\": [\n"
"    { \"id\": \"web\", \"proto\": \"https\", \"port\": 443,\n"
"      \"login\": { \"kind\": \"http-digest\", \"path\": \"/api/whoami\" } },\n"
"    { \"id\": \"app\", \"proto\": \"https\", \"port\": 8443,\n"
"      \"login\": { \"kind\": \"form\", \"request\": { \"method\": \"POST\",\n"
"        \"path\": \"/api/login\", \"body\": { \"user\": \"{user}\" } },\n"
"        \"success\": { \"status\": 200, \"json\": \"/token\" } } } ],\n"
"  \"credentials\": { \"operator\": { \"user\": \"admin\",\n"
"      \"password\": \"Op3rator!pw\" },\n"
"    \"labels\": [ { \"serial\": \"S1\", \"user\": \"admin\",\n"
"                    \"password\": \"Xy7!kq9Lm2#z\" },\n"
"                  { \"serial\": \"S2\", \"user\": \"admin\",\n"
"                    \"password\": \"Pq4$wr8Tn1@c\" } ] },\n"
"  \"data\": { \"kinds\": { \"account\": {\n"
"    \"create\": [ { \"surface\": \"web\", \"method\": \"POST\",\n"
"      \"path\": \"/api/users\", \"expect\": 201,\n"
"      \"capture\": { \"uid\": \"/id\" } } ],\n"
"    \"present\": [ { \"surface\": \"web\", \"method\": \"GET\",\n"
"      \"path\": \"/api/users/{uid}\", \"expect\": 200 } ],\n"
"    \"absent\": [ { \"surface\": \"web\", \"method\": \"GET\",\n"
"      \"path\": \"/api/users/{uid}\", \"expect\": 404 } ] } },\n"
"    \"delete\": [ { \"surface\": \"app\", \"method\": \"DELETE\",\n"
"                    \"path\": \"/api/users/1\", \"expect\": 204 } ] },\n"
"  \"claims\": { \"qcvn135-2024/g2\": { \"support\": \"yes\" } } }\n";

enum mut_op { M_NONE, M_SET, M_DEL, M_DUP };

struct mutation {
	enum mut_op	 op;
	const char	*path;		/* "a.b.0.c" */
	const char	*value;		/* JSON, for M_SET */
};

struct bad_case {
	struct mutation	 m[2];
	const char	*expect;	/* in stderr */
};

/* The item at a dotted path; with create, the last key may be new. */
static cJSON *
walk(cJSON *root, const char *path, char *last, size_t lastsz)
{
	char buf[256], *save = NULL, *tok, *next;
	cJSON *cur = root;

	snprintf(buf, sizeof(buf), "%s", path);
	tok = strtok_r(buf, ".", &save);
	while (tok != NULL) {
		next = strtok_r(NULL, ".", &save);
		if (next == NULL) {
			snprintf(last, lastsz, "%s", tok);
			return cur;
		}
		if (cJSON_IsArray(cur))
			cur = cJSON_GetArrayItem(cur, atoi(tok));
		else
			cur = cJSON_GetObjectItemCaseSensitive(cur, tok);
		ck_assert_msg(cur != NULL, "test path %s: no %s", path, tok);
		tok = next;
	}
	return NULL;
}

static void
mutate(cJSON *root, const struct mutation *m)
{
	char last[64];
	cJSON *parent, *v;

	if (m->op == M_NONE)
		return;
	parent = walk(root, m->path, last, sizeof(last));
	ck_assert_ptr_nonnull(parent);
	switch (m->op) {
	case M_SET:
		v = cJSON_Parse(m->value);
		ck_assert_msg(v != NULL, "bad test value %s", m->value);
		if (cJSON_IsArray(parent)) {
			int i = atoi(last);

			if (i < cJSON_GetArraySize(parent))
				cJSON_ReplaceItemInArray(parent, i, v);
			else
				cJSON_AddItemToArray(parent, v);
		} else if (cJSON_GetObjectItemCaseSensitive(parent, last))
			cJSON_ReplaceItemInObjectCaseSensitive(parent, last, v);
		else
			cJSON_AddItemToObject(parent, last, v);
		break;
	case M_DEL:
		if (cJSON_IsArray(parent))
			cJSON_DeleteItemFromArray(parent, atoi(last));
		else
			cJSON_DeleteItemFromObjectCaseSensitive(parent, last);
		break;
	case M_DUP:
		v = cJSON_GetObjectItemCaseSensitive(parent, last);
		ck_assert_ptr_nonnull(v);
		cJSON_AddItemToArray(v, cJSON_Duplicate(cJSON_GetArrayItem(v, 0),
		    1));
		break;
	default:
		break;
	}
}

/* Runs $HQ_BIN with args; returns the exit status, stderr in errbuf. */
static int
run_cli(const char *a1, const char *a2, const char *a3, char *errbuf,
    size_t errsz)
{
	const char *bin = getenv("HQ_BIN");
	int pfd[2], status;
	ssize_t n;
	size_t off = 0;
	pid_t pid;

	ck_assert_msg(bin != NULL, "HQ_BIN is not set (run via make unit)");
	ck_assert_int_eq(pipe(pfd), 0);
	if ((pid = fork()) == 0) {
		int nul = open("/dev/null", O_WRONLY);

		dup2(nul, 1);
		dup2(pfd[1], 2);
		close(pfd[0]);
		execl(bin, bin, a1, a2, a3, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	while (off + 1 < errsz &&
	    (n = read(pfd[0], errbuf + off, errsz - off - 1)) > 0)
		off += (size_t)n;
	errbuf[off] = '\0';
	close(pfd[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static void
write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	fclose(f);
}

static void
check_bad(const char *base, const char *kind, const struct bad_case *bc)
{
	char path[] = "/tmp/hq-unit-XXXXXX", errbuf[4096], *text;
	cJSON *root = cJSON_Parse(base);
	int fd, st;

	ck_assert_ptr_nonnull(root);
	mutate(root, &bc->m[0]);
	mutate(root, &bc->m[1]);
	text = cJSON_Print(root);
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	write_file(path, text, strlen(text));
	st = run_cli(kind, "check", path, errbuf, sizeof(errbuf));
	ck_assert_msg(st == 65, "%s: exit %d, want 65 (%s)", bc->expect, st,
	    errbuf);
	ck_assert_msg(strstr(errbuf, path) != NULL, "no file name in: %s",
	    errbuf);
	ck_assert_msg(strstr(errbuf, bc->expect) != NULL,
	    "want \"%s\" in: %s", bc->expect, errbuf);
	unlink(path);
	free(text);
	cJSON_Delete(root);
}

static const struct bad_case bad_profiles[] = {
	{ { { M_DEL, "id", NULL } }, "id: required key missing" },
	{ { { M_SET, "format", "\"hopquy-profile/9\"" } },
	    "format: expected one of hopquy-profile/1" },
	{ { { M_SET, "colour", "1" } }, "colour: unknown key" },
	{ { { M_SET, "testcases.0.params.window", "\"big\"" } },
	    "testcases[0].params.window: expected an integer" },
	{ { { M_SET, "testcases.0.params.window", "0" } },
	    "testcases[0].params.window: expected an integer from 1 to 4096" },
	{ { { M_SET, "testcases.0.family", "\"nosuch\"" } },
	    "testcases[0].family: unknown family \"nosuch\"" },
	{ { { M_SET, "testcases.0.group", "\"g99\"" } },
	    "testcases[0].group: \"g99\" is not one of the profile's groups" },
	{ { { M_SET, "testcases.0.mandatory", "\"yes\"" } },
	    "testcases[0].mandatory: expected a boolean, got a string" },
	{ { { M_SET, "testcases", "[]" } }, "testcases: expected 1 to" },
	{ { { M_SET, "device_classes", "[\"toaster\"]" } },
	    "device_classes[0]: unknown device class \"toaster\"" },
	{ { { M_SET, "testcases.0.params.ports", "\"0-10\"" } },
	    "testcases[0].params.ports: expected ports" },
	{ { { M_SET, "status", "\"maybe\"" } }, "status: expected one of" },
	{ { { M_SET, "groups.0.id", "\"G 1\"" } },
	    "groups[0].id: expected lower-case" },
	{ { { M_DUP, "testcases", NULL } },
	    "testcases[1].id: \"test/g1.1\" already used by testcases[0]" },
	{ { { M_SET, "testcases.0.timeout_s", "-5" } },
	    "testcases[0].timeout_s: expected an integer from 1 to 86400" },
	{ { { M_SET, "testcases.0.params.forbidden_services",
	    "[\"gopher\"]" } },
	    "testcases[0].params.forbidden_services[0]: expected one of" },
	{ { { M_SET, "title", "42" } }, "title: expected a string, got a "
	    "number" },
	{ { { M_SET, "testcases.0.params.extra", "1" } },
	    "testcases[0].params.extra: unknown key" },
	{ { { M_SET, "groups.1.title", "{}" } },
	    "groups[1].title: expected a string, got an object" },
	{ { { M_DEL, "testcases.0.params" } },
	    "testcases[0].params: required key missing" },
};

static const struct bad_case bad_duts[] = {
	{ { { M_DEL, "identity.serial" } },
	    "identity.serial: required key missing" },
	{ { { M_SET, "identity.class", "\"toaster\"" } },
	    "identity.class: expected one of" },
	{ { { M_SET, "surfaces.0.port", "70000" } },
	    "surfaces[0].port: expected an integer from 1 to 65535" },
	{ { { M_SET, "surfaces.0.proto", "\"gopher\"" } },
	    "surfaces[0].proto: expected one of" },
	{ { { M_SET, "surfaces.0.colour", "1" } },
	    "surfaces[0].colour: unknown key" },
	{ { { M_SET, "surfaces.0.probe", "{\"send_hex\": \"abc\"}" } },
	    "surfaces[0].probe.send_hex: expected hex digits" },
	{ { { M_SET, "surfaces.0.probe", "{\"send_hex\": \"ab\", "
	    "\"expect_hex\": \"zz\"}" } },
	    "surfaces[0].probe.expect_hex: expected hex digits" },
	{ { { M_SET, "surfaces.0.probe", "{\"expect_hex\": \"ab\"}" } },
	    "surfaces[0].probe.send_hex: required key missing" },
	{ { { M_SET, "bench.mode", "\"host\"" } },
	    "bench: mode \"host\" needs \"lan_if\" and \"uplink_if\"" },
	{ { { M_DEL, "bench.address" } },
	    "bench.address: required key missing" },
	{ { { M_SET, "credentials.operator.password",
	    "{\"env\": \"HQ_TEST_NO_SUCH_VARIABLE\"}" } },
	    "credentials.operator.password.env: environment variable "
	    "HQ_TEST_NO_SUCH_VARIABLE is not set" },
	{ { { M_SET, "credentials.operator.password",
	    "{\"file\": \"/nonexistent/hq-pw\"}" } },
	    "credentials.operator.password.file: /nonexistent/hq-pw: cannot "
	    "open" },
	{ { { M_SET, "credentials.labels.0.password", "42" } },
	    "credentials.labels[0].password: expected a string, {\"file\"" },
	{ { { M_SET, "surfaces.0.login.kind", "\"carrier-pigeon\"" } },
	    "surfaces[0].login.kind: expected one of" },
	{ { { M_SET, "surfaces.1.login", "{\"kind\": \"form\"}" } },
	    "surfaces[1].login: a form login needs" },
	{ { { M_SET, "data.delete.0.surface", "\"nosuch\"" } },
	    "data.delete[0].surface: \"nosuch\" is not a declared surface" },
	{ { { M_SET, "claims.x", "{\"support\": \"maybe\"}" } },
	    "claims.x.support: expected one of yes, no, n/a" },
	{ { { M_SET, "claims.x", "{\"support\": \"n/a\"}" } },
	    "claims.x.detail: required when support is \"n/a\"" },
	{ { { M_SET, "format", "\"hopquy-dut/2\"" } },
	    "format: expected one of hopquy-dut/1" },
	{ { { M_DUP, "surfaces", NULL } },
	    "surfaces[2].id: \"web\" already used by surfaces[0]" },
	{ { { M_DEL, "claims" }, { M_SET, "claims_file",
	    "\"/nonexistent/claims.json\"" } },
	    "claims_file: /nonexistent/claims.json: cannot open" },
	{ { { M_SET, "surfaces.0.login.path", "\"api\"" } },
	    "surfaces[0].login.path: expected a path starting with '/'" },
	{ { { M_SET, "data.delete.0.expect", "\"204\"" } },
	    "data.delete[0].expect: expected an HTTP status" },
	{ { { M_SET, "bench.instance", "256" } },
	    "bench.instance: expected an integer from 0 to 255, got 256" },
	{ { { M_SET, "cloud_link", "{\"name\": \"c\", \"colour\": 1}" } },
	    "cloud_link.colour: unknown key" },
	{ { { M_SET, "cloud_link", "{\"port\": 0}" } },
	    "cloud_link.port: expected an integer from 1 to 65535" },
	{ { { M_SET, "cloud_link", "{\"intercept\": {\"expired\": "
	    "{\"cert\": \"e.crt\"}}}" } },
	    "cloud_link.intercept.expired.key: required key missing" },
	{ { { M_SET, "cloud_link", "{\"intercept\": {\"selfsigned\": {}}}" } },
	    "cloud_link.intercept.selfsigned: unknown key" },
	{ { { M_SET, "personal_data", "[\"abc\"]" } },
	    "personal_data[0]: expected at least 4 bytes" },
	{ { { M_SET, "personal_data", "[]" } },
	    "personal_data: expected 1 to 64 strings, got 0" },
	{ { { M_SET, "personal_data", "\"alice@example.vn\"" } },
	    "personal_data: expected an array" },
	{ { { M_SET, "personal_data", "[42]" } },
	    "personal_data[0]: expected a string, {\"file\"" },
	{ { { M_SET, "personal_data", "[{\"env\": \"HQ_TEST_NO_SUCH\"}]" } },
	    "personal_data[0].env: environment variable HQ_TEST_NO_SUCH is "
	    "not set" },
	/* ai.decision: where the aisafety family reads each decision */
	{ { { M_SET, "ai", "{\"decision\": {\"source\": \"telepathy\"}}" } },
	    "ai.decision.source: expected one of" },
	{ { { M_SET, "ai", "{\"decision\": {\"source\": \"mqtt\"}}" } },
	    "ai.decision.mqtt: required with source \"mqtt\"" },
	{ { { M_SET, "ai", "{\"decision\": {\"source\": \"mqtt\", "
	    "\"mqtt\": {\"broker\": \"198.18.0.9:1883\", "
	    "\"match\": {\"/d\": true}}}}" } },
	    "ai.decision.mqtt.topic: required key missing" },
	{ { { M_SET, "ai", "{\"decision\": {\"source\": \"mqtt\", "
	    "\"mqtt\": {\"broker\": \"nohost\", \"topic\": \"t\", "
	    "\"match\": {\"/d\": true}}}}" } },
	    "ai.decision.mqtt.broker: expected \"HOST:PORT\"" },
	{ { { M_SET, "ai", "{\"decision\": {\"source\": \"mqtt\", "
	    "\"mqtt\": {\"surface\": \"web\", \"topic\": \"t\", "
	    "\"match\": {\"/d\": true}}}}" } },
	    "ai.decision.mqtt.surface: \"web\" is not a declared plain mqtt "
	    "surface" },
	{ { { M_SET, "ai", "{\"decision\": {\"source\": \"mqtt\", "
	    "\"mqtt\": {\"broker\": \"h:1\", \"topic\": \"t\", "
	    "\"match\": {\"d\": true}}}}" } },
	    "ai.decision.mqtt.match: expected {\"/pointer\"" },
	{ { { M_SET, "ai", "{\"decision\": {\"source\": \"mqtt\", "
	    "\"mqtt\": {\"broker\": \"h:1\", \"topic\": \"t\", "
	    "\"match\": {\"/d\": true}, \"time\": \"/t\"}}}" } },
	    "ai.decision.mqtt.clock: required key missing" },
	{ { { M_SET, "ai", "{\"decision\": {\"source\": \"mqtt\", "
	    "\"mqtt\": {\"broker\": \"h:1\", \"topic\": \"t\", "
	    "\"match\": {\"/d\": true}, \"login\": \"root\"}}}" } },
	    "ai.decision.mqtt.login: expected one of none, operator" },
	{ { { M_SET, "ai", "{\"decision\": {\"source\": \"events\", "
	    "\"window_ms\": 10}}" } },
	    "ai.decision.window_ms: expected an integer from 50 to 600000" },
	{ { { M_SET, "ai", "{\"decision\": {\"source\": \"events\"}}" } },
	    "ai.decision.source \"events\": the DUT file declares no event "
	    "recipe" },
	{ { { M_SET, "ai", "{\"decision\": {\"source\": \"alarm\", "
	    "\"alarm\": {\"evidence\": \"smell\"}}}" } },
	    "ai.decision.alarm.evidence: expected one of light, audio, any" },
	{ { { M_SET, "ai", "{\"decision\": {\"source\": \"alarm\"}}" } },
	    "ai.decision.source \"alarm\": the DUT file declares no alarm "
	    "light or audio evidence" },
};

START_TEST(test_loaders_base_ok)
{
	char path[] = "/tmp/hq-unit-XXXXXX", errbuf[2048];
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	close(fd);
	write_file(path, base_profile, strlen(base_profile));
	ck_assert_int_eq(run_cli("profile", "check", path, errbuf,
	    sizeof(errbuf)), 0);
	write_file(path, base_dut, strlen(base_dut));
	ck_assert_int_eq(run_cli("dut", "check", path, errbuf,
	    sizeof(errbuf)), 0);
	unlink(path);
}
END_TEST

START_TEST(test_loaders_bad_profile)
{
	check_bad(base_profile, "profile", &bad_profiles[_i]);
}
END_TEST

START_TEST(test_loaders_bad_dut)
{
	check_bad(base_dut, "dut", &bad_duts[_i]);
}
END_TEST

/* Every truncation of a valid file is refused cleanly (no crash). */
static void
truncations(const char *text, bool is_profile)
{
	char path[] = "/tmp/hq-unit-XXXXXX";
	size_t len = strlen(text), n;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	close(fd);
	for (n = 0; n < len - 1; n++) {
		struct hq_err err = { 0 };
		struct hq_profile *p = NULL;
		struct hq_dut *d = NULL;
		int rc;

		write_file(path, text, n);
		rc = is_profile ? hq_profile_load(path, &p, &err) :
		    hq_dut_load(path, &d, &err);
		/* Trailing whitespace aside, a cut file is invalid JSON. */
		if (n < len - 2)
			ck_assert_msg(rc == HQ_EINVAL, "cut at %zu: rc %d", n,
			    rc);
		if (rc != 0)
			ck_assert_msg(strstr(err.msg, path) != NULL,
			    "cut at %zu: %s", n, err.msg);
		hq_profile_free(p);
		hq_dut_free(d);
	}
	unlink(path);
}

START_TEST(test_loaders_truncated)
{
	truncations(base_profile, true);
	truncations(base_dut, false);
}
END_TEST

static int
load_text(const char *text, size_t len, bool is_profile, char *msg,
    size_t msgsz)
{
	char path[] = "/tmp/hq-unit-XXXXXX";
	struct hq_err err = { 0 };
	struct hq_profile *p = NULL;
	struct hq_dut *d = NULL;
	int fd = mkstemp(path), rc;

	ck_assert_int_ge(fd, 0);
	close(fd);
	write_file(path, text, len);
	rc = is_profile ? hq_profile_load(path, &p, &err) :
	    hq_dut_load(path, &d, &err);
	snprintf(msg, msgsz, "%s", err.msg);
	hq_profile_free(p);
	hq_dut_free(d);
	unlink(path);
	return rc;
}

START_TEST(test_loaders_not_utf8)
{
	char *t = strdup(base_profile), msg[512];
	char *at = strstr(t, "\"t\"");

	at[1] = (char)0xff;		/* title: "\xff" */
	ck_assert_int_eq(load_text(t, strlen(t), true, msg, sizeof(msg)),
	    HQ_EINVAL);
	ck_assert_msg(strstr(msg, "not valid UTF-8") != NULL, "%s", msg);
	/* An overlong encoding of '/' is not UTF-8 either. */
	at[1] = (char)0xc0;
	at[2] = (char)0xaf;
	ck_assert_int_eq(load_text(t, strlen(t), true, msg, sizeof(msg)),
	    HQ_EINVAL);
	free(t);
}
END_TEST

START_TEST(test_loaders_deep_nesting)
{
	size_t depth = 100000, i, len = 0;
	char *t = malloc(2 * depth + 64), msg[512];

	len += (size_t)sprintf(t, "{\"format\":");
	for (i = 0; i < depth; i++)
		t[len++] = '[';
	for (i = 0; i < depth; i++)
		t[len++] = ']';
	t[len++] = '}';
	ck_assert_int_eq(load_text(t, len, false, msg, sizeof(msg)),
	    HQ_EINVAL);
	ck_assert_msg(strstr(msg, "levels deep") != NULL, "%s", msg);
	free(t);
}
END_TEST

START_TEST(test_loaders_huge)
{
	size_t big = 6u << 20, i;
	char *t = malloc(big + 1), msg[512];

	/* A 6 MiB file: over the cap, refused before parsing. */
	memcpy(t, base_dut, strlen(base_dut));
	for (i = strlen(base_dut); i < big; i++)
		t[i] = ' ';
	ck_assert_int_eq(load_text(t, big, false, msg, sizeof(msg)),
	    HQ_EINVAL);
	ck_assert_msg(strstr(msg, "larger than") != NULL, "%s", msg);
	/* 3 MiB, under the cap, with an over-long string field. */
	big = 3u << 20;
	i = (size_t)sprintf(t, "{\"format\":\"hopquy-profile/1\",\"id\":\"");
	for (; i < big - 8; i++)
		t[i] = 'a';
	memcpy(t + i, "\"}", 3);
	ck_assert_int_eq(load_text(t, strlen(t), true, msg, sizeof(msg)),
	    HQ_EINVAL);
	ck_assert_msg(strstr(msg, "id: expected a string of 1 to") != NULL,
	    "%s", msg);
	free(t);
}
END_TEST

START_TEST(test_loaders_nul_and_empty)
{
	char msg[512];
	static const char nul[] = "{\"a\":\"x\0y\"}";

	ck_assert_int_eq(load_text("", 0, true, msg, sizeof(msg)), HQ_EINVAL);
	ck_assert_msg(strstr(msg, "empty") != NULL, "%s", msg);
	ck_assert_int_eq(load_text(nul, sizeof(nul) - 1, true, msg,
	    sizeof(msg)), HQ_EINVAL);
	ck_assert_msg(strstr(msg, "NUL") != NULL, "%s", msg);
	ck_assert_int_eq(load_text("[1,2]", 5, true, msg, sizeof(msg)),
	    HQ_EINVAL);
	ck_assert_msg(strstr(msg, "expected an object") != NULL, "%s", msg);
}
END_TEST

START_TEST(test_loaders_secrets)
{
	char path[] = "/tmp/hq-unit-XXXXXX", pw[] = "/tmp/hq-unit-pw-XXXXXX";
	struct hq_err err = { 0 };
	struct hq_dut *d = NULL;
	cJSON *root = cJSON_Parse(base_dut), *op;
	char *text, val[128];
	int fd;

	fd = mkstemp(pw);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "S3cret-from-file!\n", 18), 18);
	close(fd);
	op = cJSON_GetObjectItem(cJSON_GetObjectItem(root, "credentials"),
	    "operator");
	snprintf(val, sizeof(val), "{\"file\": \"%s\"}", pw);
	cJSON_ReplaceItemInObject(op, "password", cJSON_Parse(val));
	cJSON_ReplaceItemInObject(cJSON_GetArrayItem(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(root, "credentials"), "labels"), 0),
	    "password", cJSON_Parse("{\"env\": \"HQ_UNIT_LABEL_PW\"}"));
	setenv("HQ_UNIT_LABEL_PW", "Env-pw-123!", 1);
	cJSON_AddItemToObject(root, "personal_data", cJSON_Parse(
	    "[\"Nguyen Van A\", {\"env\": \"HQ_UNIT_LABEL_PW\"}]"));
	text = cJSON_Print(root);
	fd = mkstemp(path);
	close(fd);
	write_file(path, text, strlen(text));
	ck_assert_int_eq(hq_dut_load(path, &d, &err), 0);
	ck_assert_str_eq(d->op_password, "S3cret-from-file!");
	ck_assert_str_eq(d->labels[0].password, "Env-pw-123!");
	ck_assert_uint_eq(d->npersonal, 2);
	ck_assert_str_eq(d->personal[0], "Nguyen Van A");
	ck_assert_str_eq(d->personal[1], "Env-pw-123!");
	hq_dut_free(d);
	d = NULL;
	/* A secret file the group may read is refused, naming the key. */
	ck_assert_int_eq(chmod(pw, 0640), 0);
	ck_assert_int_ne(hq_dut_load(path, &d, &err), 0);
	ck_assert_ptr_null(d);
	ck_assert_ptr_nonnull(strstr(err.msg,
	    "credentials.operator.password.file"));
	ck_assert_ptr_nonnull(strstr(err.msg, "mode 0640"));
	unlink(path);
	unlink(pw);
	free(text);
	cJSON_Delete(root);
}
END_TEST

Suite *
suite_loaders(void)
{
	Suite *s = suite_create("loaders");
	TCase *tc = tcase_create("cli");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_loaders_base_ok);
	tcase_add_loop_test(tc, test_loaders_bad_profile, 0,
	    sizeof(bad_profiles) / sizeof(bad_profiles[0]));
	tcase_add_loop_test(tc, test_loaders_bad_dut, 0,
	    sizeof(bad_duts) / sizeof(bad_duts[0]));
	suite_add_tcase(s, tc);
	tc = tcase_create("robust");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_loaders_truncated);
	tcase_add_test(tc, test_loaders_not_utf8);
	tcase_add_test(tc, test_loaders_deep_nesting);
	tcase_add_test(tc, test_loaders_huge);
	tcase_add_test(tc, test_loaders_nul_and_empty);
	tcase_add_test(tc, test_loaders_secrets);
	suite_add_tcase(s, tc);
	return s;
}
