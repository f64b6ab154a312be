/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Recipe steps: the loader refuses malformed steps naming the step and the
 * field (and `hopquy dut check` exits 65); the engine expands placeholders,
 * captures by JSON pointer, checks statuses and bodies, and treats a 5xx
 * or a dead port as no evidence.  The engine cases talk to a canned HTTP
 * server forked on 127.0.0.1.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>
#include <cjson/cJSON.h>

#include "model/dut.h"
#include "util/err.h"
#include "wire/steps.h"

/* A DUT with two HTTP surfaces; %u is the "web" port, %s the data. */
static const char dut_fmt[] =
"{ \"format\": \"hopquy-dut/1\",\n"
"  \"identity\": { \"manufacturer\": \"m\", \"model\": \"x\",\n"
"     \"serial\": \"S1\", \"firmware\": \"1.0\", \"class\": \"ip-camera\" },\n"
"  \"bench\": { \"mode\": \"namespaces\", \"address\": \"127.0.0.1\" },\n"
"  \"surfaces\": [\n"
"    { \"id\": \"web\", \"proto\": \"http\", \"port\": %u,\n"
"      \"login\": { \"kind\": \"http-basic\", \"path\": \"/api/whoami\" } },\n"
"    { \"id\": \"rtsp\", \"proto\": \"rtsp\", \"port\": 554 } ],\n"
"  \"credentials\": { \"operator\": { \"user\": \"admin\",\n"
"      \"password\": \"Op3rator!pw\" } },\n"
"  \"data\": %s }\n";

static const char good_data[] =
"{ \"kinds\": { \"recording\": {\n"
"    \"create\": [ { \"surface\": \"web\", \"method\": \"POST\",\n"
"      \"path\": \"/api/recordings\", \"body\": { \"name\": \"hq-{run}\" },\n"
"      \"expect\": 201, \"capture\": { \"rid\": \"/id\" } } ],\n"
"    \"present\": [ { \"surface\": \"web\", \"method\": \"GET\",\n"
"      \"path\": \"/api/recordings/{rid}\", \"expect\": 200,\n"
"      \"contains\": \"hq-{run}\" } ],\n"
"    \"absent\": [ { \"surface\": \"web\", \"method\": \"GET\",\n"
"      \"path\": \"/api/recordings/{rid}\", \"expect\": [404, 410] } ] } },\n"
"  \"login\": { \"user\": \"hq{run}\", \"password\": \"{secret}\" },\n"
"  \"delete\": [ { \"surface\": \"web\", \"method\": \"POST\",\n"
"      \"path\": \"/api/delete-my-data\", \"auth\": { \"user\": \"hq{run}\",\n"
"      \"password\": \"{secret}\" }, \"expect\": 200 },\n"
"    { \"surface\": \"web\", \"method\": \"DELETE\",\n"
"      \"path\": \"/api/users/hq{run}\", \"expect\": 200 } ] }";

static void
write_dut(char *path, const char *data, unsigned port)
{
	char *text;
	int fd, n;

	n = asprintf(&text, dut_fmt, port, data);
	ck_assert_int_gt(n, 0);
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, (size_t)n), n);
	close(fd);
	free(text);
}

/* data with one replacement of from by to (from must occur). */
static char *
mutated(const char *from, const char *to)
{
	const char *hit = strstr(good_data, from);
	char *out;

	ck_assert_msg(hit != NULL, "test: %s not in the sample", from);
	ck_assert_int_gt(asprintf(&out, "%.*s%s%s", (int)(hit - good_data),
	    good_data, to, hit + strlen(from)), 0);
	return out;
}

START_TEST(test_steps_good_loads)
{
	char path[] = "/tmp/hq-unit-steps-XXXXXX";
	struct hq_err err = { 0 };
	struct hq_dut *d = NULL;

	write_dut(path, good_data, 80);
	ck_assert_msg(hq_dut_load(path, &d, &err) == 0, "%s", err.msg);
	ck_assert_ptr_nonnull(d->data);
	hq_dut_free(d);
	unlink(path);
}
END_TEST

struct bad_recipe {
	const char	*from, *to;	/* edit of good_data */
	const char	*expect;	/* in the message */
};

static const struct bad_recipe bad[] = {
	/* 1: a step without an expected status */
	{ ", \"expect\": 200 } ] }", " } ] }",
	    "data.delete[1].expect: required" },
	/* 2: a status out of range */
	{ "\"expect\": 201,", "\"expect\": 99,",
	    "data.kinds.recording.create[0].expect: expected an HTTP status" },
	/* 3: statuses as strings */
	{ "[404, 410]", "[\"404\"]",
	    "data.kinds.recording.absent[0].expect: expected HTTP statuses" },
	/* 4: a capture that is not a JSON pointer */
	{ "\"rid\": \"/id\"", "\"rid\": \"id\"",
	    "data.kinds.recording.create[0].capture.rid: expected a JSON "
	    "pointer" },
	/* 5: a bad "~" escape in a pointer */
	{ "\"rid\": \"/id\"", "\"rid\": \"/a~2b\"",
	    "data.kinds.recording.create[0].capture.rid: expected a JSON "
	    "pointer" },
	/* 6: a placeholder nobody captured */
	{ "/api/recordings/{rid}\", \"expect\": 200",
	    "/api/recordings/{uid}\", \"expect\": 200",
	    "data.kinds.recording.present[0].path: unknown placeholder {uid}" },
	/* 7: an unclosed placeholder */
	{ "\"name\": \"hq-{run}\"", "\"name\": \"hq-{run\"",
	    "data.kinds.recording.create[0].body.name: unclosed" },
	/* 8: an undeclared surface */
	{ "\"surface\": \"web\", \"method\": \"DELETE\"",
	    "\"surface\": \"www\", \"method\": \"DELETE\"",
	    "data.delete[1].surface: \"www\" is not a declared surface" },
	/* 9: a surface that does not speak HTTP */
	{ "\"surface\": \"web\", \"method\": \"DELETE\"",
	    "\"surface\": \"rtsp\", \"method\": \"DELETE\"",
	    "data.delete[1].surface: surface \"rtsp\" is rtsp" },
	/* 10: an unknown method */
	{ "\"method\": \"DELETE\"", "\"method\": \"ERASE\"",
	    "data.delete[1].method: expected one of" },
	/* 11: a path without the leading slash */
	{ "\"path\": \"/api/delete-my-data\"", "\"path\": \"api/delete\"",
	    "data.delete[0].path: expected a path starting with '/'" },
	/* 12: an unknown auth mode */
	{ "\"auth\": { \"user\": \"hq{run}\",\n      \"password\": "
	    "\"{secret}\" }", "\"auth\": \"root\"",
	    "data.delete[0].auth: expected one of" },
	/* 13: a user without a password */
	{ "\"auth\": { \"user\": \"hq{run}\",\n      \"password\": "
	    "\"{secret}\" }", "\"auth\": { \"user\": \"x\" }",
	    "data.delete[0].auth: expected \"user\" and \"password\"" },
	/* 14: a bearer token never captured */
	{ "\"auth\": { \"user\": \"hq{run}\",\n      \"password\": "
	    "\"{secret}\" }", "\"auth\": \"token\"",
	    "data.delete[0].auth: \"token\" needs {token} captured" },
	/* 15: an unknown key in a step */
	{ "\"expect\": 201,", "\"expect\": 201, \"retries\": 3,",
	    "data.kinds.recording.create[0].retries: unknown key" },
	/* 16: a capture over a builtin */
	{ "\"rid\": \"/id\"", "\"secret\": \"/id\"",
	    "data.kinds.recording.create[0].capture.secret: {secret} is a "
	    "builtin" },
	/* 17: a header value on two lines */
	{ "\"path\": \"/api/recordings\",",
	    "\"path\": \"/api/recordings\", \"headers\": { \"X-A\": "
	    "\"a\\r\\nB: c\" },",
	    "data.kinds.recording.create[0].headers.X-A: expected a one-line" },
	/* 18: a cloud step without a cloud API */
	{ "\"surface\": \"web\", \"method\": \"DELETE\"",
	    "\"surface\": \"@cloud\", \"method\": \"DELETE\"",
	    "data.delete[1].surface: \"@cloud\" needs data.cloud_api" },
	/* 19: a kind without its absent recipe */
	{ ",\n    \"absent\": [ { \"surface\": \"web\", \"method\": \"GET\",\n"
	    "      \"path\": \"/api/recordings/{rid}\", \"expect\": [404, 410] "
	    "} ]", "",
	    "data.kinds.recording.absent: required key missing" },
	/* 20: a kind's capture used in another list it does not reach */
	{ "\"path\": \"/api/users/hq{run}\"", "\"path\": \"/api/users/{nope}\"",
	    "data.delete[1].path: unknown placeholder {nope}" },
	/* 21: an empty step list */
	{ "\"present\": [ { \"surface\": \"web\", \"method\": \"GET\",\n"
	    "      \"path\": \"/api/recordings/{rid}\", \"expect\": 200,\n"
	    "      \"contains\": \"hq-{run}\" } ]", "\"present\": []",
	    "data.kinds.recording.present: expected 1 to 64 steps, got 0" },
	/* 22: the created account's login on an unknown placeholder */
	{ "\"password\": \"{secret}\" },\n  \"delete\"",
	    "\"password\": \"{pw}\" },\n  \"delete\"",
	    "data.login.password: unknown placeholder {pw}" },
};

START_TEST(test_steps_bad_refused)
{
	char path[] = "/tmp/hq-unit-steps-XXXXXX", *data;
	struct hq_err err = { 0 };
	struct hq_dut *d = NULL;
	const struct bad_recipe *b = &bad[_i];

	data = mutated(b->from, b->to);
	write_dut(path, data, 80);
	ck_assert_int_eq(hq_dut_load(path, &d, &err), HQ_EINVAL);
	ck_assert_ptr_null(d);
	ck_assert_msg(strstr(err.msg, b->expect) != NULL,
	    "case %d: want \"%s\" in: %s", _i + 1, b->expect, err.msg);
	unlink(path);
	free(data);
}
END_TEST

/* The power section: drivers, their needs, its step lists. */
static const char good_power[] =
"{ \"driver\": \"sim\", \"pidfile\": \"/run/dutsim.pid\",\n"
"  \"cloud\": [ { \"surface\": \"web\", \"method\": \"GET\",\n"
"    \"path\": \"/api/cloud\", \"expect\": 200 } ],\n"
"  \"setting\": { \"write\": [ { \"surface\": \"web\",\n"
"    \"method\": \"POST\", \"path\": \"/api/settings\", \"expect\": 201,\n"
"    \"capture\": { \"sid\": \"/id\" } } ],\n"
"    \"read\": [ { \"surface\": \"web\", \"method\": \"GET\",\n"
"    \"path\": \"/api/settings/{sid}\", \"expect\": 200 } ] },\n"
"  \"during\": [ { \"surface\": \"web\", \"method\": \"POST\",\n"
"    \"path\": \"/api/x\", \"expect\": 201,\n"
"    \"capture\": { \"q\": \"/id\" } } ],\n"
"  \"backlog\": [ { \"surface\": \"web\", \"method\": \"GET\",\n"
"    \"path\": \"/api/x/{q}\", \"expect\": 200 } ] }";

static const struct bad_recipe bad_power[] = {
	{ "\"driver\": \"sim\", ", "", "power.driver: required" },
	{ "\"driver\": \"sim\"", "\"driver\": \"ups\"",
	    "power.driver: expected one of" },
	{ "\"driver\": \"sim\"", "\"driver\": \"command\"",
	    "power.argv: the command driver needs an argv" },
	{ "\"driver\": \"sim\"", "\"driver\": \"command\", "
	    "\"argv\": [\"power.sh\"]",
	    "power.argv: the command driver needs an argv whose first word is "
	    "an absolute path" },
	{ "\"driver\": \"sim\"", "\"driver\": \"http\"",
	    "power: the http driver needs \"off\" and \"on\" steps" },
	{ "\"pidfile\": \"/run/dutsim.pid\"", "\"signal\": \"HUP\"",
	    "power.pidfile: required" },
	{ "\"pidfile\": \"/run/dutsim.pid\"", "\"pidfile\": \"/p\", "
	    "\"signal\": \"KILL\"", "power.signal: expected one of" },
	{ "\"path\": \"/api/cloud\", \"expect\": 200",
	    "\"path\": \"/api/cloud\"", "power.cloud[0].expect: required" },
	{ "\"path\": \"/api/settings/{sid}\"",
	    "\"path\": \"/api/settings/{q}\"",
	    "power.setting.read[0].path: unknown placeholder {q}" },
	{ "\"path\": \"/api/x/{q}\"", "\"path\": \"/api/x/{sid}\"",
	    "power.backlog[0].path: unknown placeholder {sid}" },
	{ "\"during\"", "\"reboot\"", "power.reboot: unknown key" },
};

static char *
with_power(const char *from, const char *to)
{
	const char *hit = from != NULL ? strstr(good_power, from) : NULL;
	char *out;

	ck_assert_msg(from == NULL || hit != NULL, "test: %s not in the "
	    "sample", from);
	if (from == NULL)
		ck_assert_int_gt(asprintf(&out, "%s, \"power\": %s", good_data,
		    good_power), 0);
	else
		ck_assert_int_gt(asprintf(&out, "%s, \"power\": %.*s%s%s",
		    good_data, (int)(hit - good_power), good_power, to,
		    hit + strlen(from)), 0);
	return out;
}

START_TEST(test_steps_power_good)
{
	char path[] = "/tmp/hq-unit-steps-XXXXXX", *data = with_power(NULL,
	    NULL);
	struct hq_err err = { 0 };
	struct hq_dut *d = NULL;

	write_dut(path, data, 80);
	ck_assert_msg(hq_dut_load(path, &d, &err) == 0, "%s", err.msg);
	ck_assert_ptr_nonnull(d->power);
	hq_dut_free(d);
	unlink(path);
	free(data);
}
END_TEST

START_TEST(test_steps_power_bad)
{
	char path[] = "/tmp/hq-unit-steps-XXXXXX", *data;
	struct hq_err err = { 0 };
	struct hq_dut *d = NULL;
	const struct bad_recipe *b = &bad_power[_i];

	data = with_power(b->from, b->to);
	write_dut(path, data, 80);
	ck_assert_int_eq(hq_dut_load(path, &d, &err), HQ_EINVAL);
	ck_assert_msg(strstr(err.msg, b->expect) != NULL,
	    "power case %d: want \"%s\" in: %s", _i + 1, b->expect, err.msg);
	unlink(path);
	free(data);
}
END_TEST

/* `hopquy dut check` exits 65 naming the step and field. */
START_TEST(test_steps_cli_exit_65)
{
	char path[] = "/tmp/hq-unit-steps-XXXXXX", errbuf[2048], *data;
	const char *bin = getenv("HQ_BIN");
	int pfd[2], status;
	size_t off = 0;
	ssize_t n;
	pid_t pid;

	ck_assert_msg(bin != NULL, "HQ_BIN is not set (run via make unit)");
	data = mutated(bad[0].from, bad[0].to);
	write_dut(path, data, 80);
	ck_assert_int_eq(pipe(pfd), 0);
	if ((pid = fork()) == 0) {
		int nul = open("/dev/null", O_WRONLY);

		dup2(nul, 1);
		dup2(pfd[1], 2);
		close(pfd[0]);
		execl(bin, bin, "dut", "check", path, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	while (off + 1 < sizeof(errbuf) && (n = read(pfd[0], errbuf + off,
	    sizeof(errbuf) - off - 1)) > 0)
		off += (size_t)n;
	errbuf[off] = '\0';
	close(pfd[0]);
	waitpid(pid, &status, 0);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 65,
	    "exit %d: %s", WEXITSTATUS(status), errbuf);
	ck_assert_msg(strstr(errbuf, "data.delete[1].expect") != NULL, "%s",
	    errbuf);
	unlink(path);
	free(data);
}
END_TEST

START_TEST(test_steps_json_pointer)
{
	cJSON *j = cJSON_Parse("{\"a\":{\"b/c\":[10,{\"~k\":\"v\"}]},"
	    "\"\":1}");
	const cJSON *v;

	ck_assert_ptr_nonnull(j);
	ck_assert_ptr_eq(hq_json_pointer(j, ""), j);
	v = hq_json_pointer(j, "/a/b~1c/1/~0k");
	ck_assert(cJSON_IsString(v));
	ck_assert_str_eq(v->valuestring, "v");
	v = hq_json_pointer(j, "/a/b~1c/0");
	ck_assert(cJSON_IsNumber(v));
	ck_assert_ptr_null(hq_json_pointer(j, "/a/b~1c/2"));
	ck_assert_ptr_null(hq_json_pointer(j, "/a/b~1c/01"));
	ck_assert_ptr_null(hq_json_pointer(j, "/a/b~2c"));
	ck_assert_ptr_null(hq_json_pointer(j, "a"));
	ck_assert_ptr_nonnull(hq_json_pointer(j, "/"));
	cJSON_Delete(j);
}
END_TEST

/* The alarm section's steps: the engine's shape, "expect" optional. */
static const char good_alarm[] =
"{ \"events\": { \"request\": { \"surface\": \"web\", \"method\": \"GET\",\n"
"    \"path\": \"/api/events\", \"auth\": \"digest\" },\n"
"    \"match\": { \"/type\": \"alarm\" } },\n"
"  \"disarm\": [ { \"surface\": \"web\", \"method\": \"POST\",\n"
"    \"path\": \"/api/alarm/disarm\", \"body\": \"{{\\\"by\\\":\\\"{op_user}\\\"}\" },\n"
"    { \"surface\": \"web\", \"method\": \"GET\",\n"
"    \"path\": \"/api/alarm\", \"expect\": 200 } ] }";

static const struct bad_recipe bad_alarm[] = {
	{ "\"/api/alarm/disarm\"", "\"/api/alarm/{x}\"",
	    "alarm.disarm[0].path: unknown placeholder {x}" },
	{ "\"expect\": 200", "\"expect\": 99",
	    "alarm.disarm[1].expect: expected an HTTP status" },
	{ "\"expect\": 200", "\"expect\": [200, \"ok\"]",
	    "alarm.disarm[1].expect: expected HTTP statuses" },
	{ "\"path\": \"/api/alarm\"", "\"path\": \"/api/alarm\", "
	    "\"capture\": { \"id\": \"id\" }",
	    "alarm.disarm[1].capture.id: expected a JSON pointer" },
	{ "\"surface\": \"web\", \"method\": \"GET\",\n    \"path\": "
	    "\"/api/alarm\"", "\"surface\": \"rtsp\", \"method\": \"GET\",\n"
	    "    \"path\": \"/api/alarm\"", "alarm.disarm[1].surface: surface "
	    "\"rtsp\" is rtsp" },
	{ "\"auth\": \"digest\"", "\"auth\": \"magic\"",
	    "alarm.events.request[0].auth: expected one of" },
	{ "\"/api/events\"", "\"/api/events/{last}\"",
	    "alarm.events.request[0].path: unknown placeholder {last}" },
	{ "\"{{\\\"by\\\"", "\"{\\\"by\\\"",
	    "alarm.disarm[0].body: " },
};

static char *
with_alarm(const char *from, const char *to)
{
	const char *hit = from != NULL ? strstr(good_alarm, from) : NULL;
	char *out;

	ck_assert_msg(from == NULL || hit != NULL, "test: %s not in the "
	    "sample", from);
	if (from == NULL)
		ck_assert_int_gt(asprintf(&out, "%s, \"alarm\": %s", good_data,
		    good_alarm), 0);
	else
		ck_assert_int_gt(asprintf(&out, "%s, \"alarm\": %.*s%s%s",
		    good_data, (int)(hit - good_alarm), good_alarm, to,
		    hit + strlen(from)), 0);
	return out;
}

START_TEST(test_steps_alarm_good)
{
	char path[] = "/tmp/hq-unit-steps-XXXXXX", *data = with_alarm(NULL,
	    NULL);
	struct hq_err err = { 0 };
	struct hq_dut *d = NULL;

	write_dut(path, data, 80);
	ck_assert_msg(hq_dut_load(path, &d, &err) == 0, "%s", err.msg);
	ck_assert_ptr_nonnull(d->alarm);
	hq_dut_free(d);
	unlink(path);
	free(data);
}
END_TEST

START_TEST(test_steps_alarm_bad)
{
	char path[] = "/tmp/hq-unit-steps-XXXXXX", *data;
	struct hq_err err = { 0 };
	struct hq_dut *d = NULL;
	const struct bad_recipe *b = &bad_alarm[_i];

	data = with_alarm(b->from, b->to);
	write_dut(path, data, 80);
	ck_assert_int_eq(hq_dut_load(path, &d, &err), HQ_EINVAL);
	ck_assert_msg(strstr(err.msg, b->expect) != NULL,
	    "alarm case %d: want \"%s\" in: %s", _i + 1, b->expect, err.msg);
	unlink(path);
	free(data);
}
END_TEST

/* ---- the engine against a canned server ---- */

static pid_t srv_pid;
static unsigned srv_port;

/* Answers by path: /item (201 {"id":7}), /item/7 (200 with the name),
 * /gone (404), /boom (503), /echo (200, the request head and body). */
static void
serve(int ls)
{
	char req[8192], resp[9000];
	const char *st, *body;
	ssize_t n;
	size_t len;
	int c;

	for (;;) {
		if ((c = accept(ls, NULL, NULL)) < 0)
			_exit(0);
		len = 0;
		while (len < sizeof(req) - 1 && (n = read(c, req + len,
		    sizeof(req) - 1 - len)) > 0) {
			len += (size_t)n;
			req[len] = '\0';
			if (strstr(req, "\r\n\r\n") != NULL &&
			    (strstr(req, "Content-Length") == NULL ||
			    strlen(strstr(req, "\r\n\r\n") + 4) > 0))
				break;
		}
		req[len] = '\0';
		if (strncmp(strchr(req, ' ') + 1, "/item/7 ", 8) == 0) {
			st = "200 OK";
			body = "{\"name\":\"kept\"}";
		} else if (strncmp(strchr(req, ' ') + 1, "/item ", 6) == 0) {
			st = "201 Created";
			body = "{\"id\":7,\"token\":\"t0k\"}";
		} else if (strncmp(strchr(req, ' ') + 1, "/boom", 5) == 0) {
			st = "503 Unavailable";
			body = "{}";
		} else if (strncmp(strchr(req, ' ') + 1, "/auth", 5) == 0) {
			st = "401 Unauthorized";
			body = "{}";
		} else if (strncmp(strchr(req, ' ') + 1, "/echo", 5) == 0) {
			st = "200 OK";
			body = req;
		} else {
			st = "404 Not Found";
			body = "{}";
		}
		snprintf(resp, sizeof(resp), "HTTP/1.1 %s\r\nContent-Type: "
		    "application/json\r\nContent-Length: %zu\r\nConnection: "
		    "close\r\n\r\n%s", st, strlen(body), body);
		if (write(c, resp, strlen(resp)) < 0)
			_exit(1);
		close(c);
	}
}

static void
srv_start(void)
{
	struct sockaddr_in sa = { 0 };
	socklen_t sl = sizeof(sa);
	int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	ck_assert_int_ge(ls, 0);
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(ls, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(ls, 16), 0);
	getsockname(ls, (struct sockaddr *)&sa, &sl);
	srv_port = ntohs(sa.sin_port);
	if ((srv_pid = fork()) == 0)
		serve(ls);
	close(ls);
}

static void
srv_stop(void)
{
	kill(srv_pid, SIGKILL);
	waitpid(srv_pid, NULL, 0);
}

static struct hq_dut *
engine_dut(void)
{
	char path[] = "/tmp/hq-unit-steps-XXXXXX";
	struct hq_err err = { 0 };
	struct hq_dut *d = NULL;

	write_dut(path, good_data, srv_port);
	ck_assert_msg(hq_dut_load(path, &d, &err) == 0, "%s", err.msg);
	unlink(path);
	return d;
}

static char trace_buf[8192];

static void
on_trace(void *arg, const char *line)
{
	(void)arg;
	strncat(trace_buf, line, sizeof(trace_buf) - strlen(trace_buf) - 2);
	strcat(trace_buf, "\n");
}

static cJSON *
steps_of(const char *json)
{
	cJSON *j = cJSON_Parse(json);

	ck_assert_msg(j != NULL, "test JSON: %s", json);
	return j;
}

START_TEST(test_steps_engine)
{
	struct hq_steps_cfg cfg = { 0 };
	struct hq_step_out out;
	struct hq_err err = { 0 };
	struct hq_steps *s = NULL;
	struct hq_dut *d;
	cJSON *l;
	char *x = NULL;
	int rc;

	srv_start();
	d = engine_dut();
	cfg.dut = d;
	cfg.timeout_ms = 3000;
	cfg.trace = on_trace;
	trace_buf[0] = '\0';
	ck_assert_int_eq(hq_steps_new(&cfg, &s, &err), 0);
	ck_assert_uint_eq(strlen(hq_steps_get(s, "run")), 8);
	ck_assert_uint_eq(strlen(hq_steps_get(s, "secret")), 20);
	/* create, capture, reuse */
	l = steps_of("[{\"surface\":\"web\",\"method\":\"POST\",\"path\":"
	    "\"/item\",\"body\":{\"n\":\"{secret}\"},\"expect\":201,"
	    "\"capture\":{\"rid\":\"/id\",\"token\":\"/token\"}},"
	    "{\"surface\":\"web\",\"method\":\"GET\",\"path\":\"/item/{rid}\","
	    "\"auth\":\"token\",\"expect\":200,\"contains\":\"kept\"}]");
	rc = hq_steps_run(s, l, "t.create", hq_deadline_in(5000), &out, &err);
	ck_assert_msg(rc == 0, "rc %d %s %s", rc, out.why, err.msg);
	ck_assert_str_eq(hq_steps_get(s, "rid"), "7");
	ck_assert_str_eq(out.path, "/item/7");
	ck_assert_int_eq(out.status, 200);
	cJSON_Delete(l);
	/* an unmet status is a finding, not an error */
	l = steps_of("[{\"surface\":\"web\",\"method\":\"GET\",\"path\":"
	    "\"/item/{rid}\",\"expect\":404}]");
	rc = hq_steps_run(s, l, "t.absent", hq_deadline_in(5000), &out, &err);
	ck_assert_int_eq(rc, HQ_STEPS_UNMET);
	ck_assert_str_eq(out.why, "status 200, expected 404");
	ck_assert_str_eq(out.where, "t.absent[0]");
	cJSON_Delete(l);
	/* "absent" text present: unmet */
	l = steps_of("[{\"surface\":\"web\",\"method\":\"GET\",\"path\":"
	    "\"/item/7\",\"expect\":200,\"absent\":\"kept\"}]");
	ck_assert_int_eq(hq_steps_run(s, l, "t", hq_deadline_in(5000), &out,
	    &err), HQ_STEPS_UNMET);
	cJSON_Delete(l);
	/* a 5xx is never evidence */
	l = steps_of("[{\"surface\":\"web\",\"method\":\"GET\",\"path\":"
	    "\"/boom\",\"expect\":404}]");
	ck_assert_int_eq(hq_steps_run(s, l, "t", hq_deadline_in(5000), &out,
	    &err), HQ_EPROTO);
	ck_assert_ptr_nonnull(strstr(err.msg, "no evidence"));
	cJSON_Delete(l);
	/* our own credentials refused: no evidence either way */
	l = steps_of("[{\"surface\":\"web\",\"method\":\"GET\",\"path\":"
	    "\"/auth\",\"expect\":404}]");
	hq_err_clear(&err);
	ck_assert_int_eq(hq_steps_run(s, l, "t", hq_deadline_in(5000), &out,
	    &err), HQ_EPROTO);
	ck_assert_ptr_nonnull(strstr(err.msg, "credentials were refused"));
	cJSON_Delete(l);
	/* the secret never reaches the trace; the path is percent-encoded */
	ck_assert_int_eq(hq_steps_set(s, "odd", "a b/c", false, &err), 0);
	l = steps_of("[{\"surface\":\"web\",\"method\":\"POST\",\"path\":"
	    "\"/echo/{odd}\",\"body\":\"{secret}\",\"expect\":200,"
	    "\"contains\":\"{secret}\"}]");
	hq_err_clear(&err);
	ck_assert_int_eq(hq_steps_run(s, l, "t", hq_deadline_in(5000), &out,
	    &err), 0);
	ck_assert_str_eq(out.path, "/echo/a%20b%2Fc");
	ck_assert_ptr_null(strstr(trace_buf, hq_steps_get(s, "secret")));
	ck_assert_ptr_nonnull(strstr(trace_buf, "***"));
	cJSON_Delete(l);
	ck_assert_int_eq(hq_steps_expand(s, "x{{y}-{rid}", &x, &err), 0);
	ck_assert_str_eq(x, "x{y}-7");
	free(x);
	hq_steps_free(s);
	srv_stop();
	/* nobody listening: an error, not a finding */
	s = NULL;
	ck_assert_int_eq(hq_steps_new(&cfg, &s, &err), 0);
	l = steps_of("[{\"surface\":\"web\",\"method\":\"GET\",\"path\":"
	    "\"/gone\",\"expect\":404}]");
	hq_err_clear(&err);
	rc = hq_steps_run(s, l, "t", hq_deadline_in(3000), &out, &err);
	ck_assert_msg(rc == HQ_EUNREACH || rc == HQ_ETIMEDOUT, "rc %d", rc);
	ck_assert_int_eq(out.status, 0);
	cJSON_Delete(l);
	hq_steps_free(s);
	hq_dut_free(d);
}
END_TEST

Suite *suite_steps(void);

Suite *
suite_steps(void)
{
	Suite *s = suite_create("steps");
	TCase *tc = tcase_create("loader");

	tcase_add_test(tc, test_steps_good_loads);
	tcase_add_loop_test(tc, test_steps_bad_refused, 0,
	    (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, test_steps_cli_exit_65);
	tcase_add_test(tc, test_steps_power_good);
	tcase_add_loop_test(tc, test_steps_power_bad, 0,
	    (int)(sizeof(bad_power) / sizeof(bad_power[0])));
	tcase_add_test(tc, test_steps_json_pointer);
	tcase_add_test(tc, test_steps_alarm_good);
	tcase_add_loop_test(tc, test_steps_alarm_bad, 0,
	    (int)(sizeof(bad_alarm) / sizeof(bad_alarm[0])));
	suite_add_tcase(s, tc);
	tc = tcase_create("engine");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_steps_engine);
	suite_add_tcase(s, tc);
	return s;
}
