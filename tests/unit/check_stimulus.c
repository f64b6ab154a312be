/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Stimulus drivers: recipe validation, the command driver with a tiny
 * shell script, the http and socket drivers against a tiny server on the
 * loopback (forked), stamps on the monotonic clock.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>

#include "model/dut.h"
#include "signal/stimulus.h"
#include "util/err.h"

static struct hq_dut dut = { .address = "127.0.0.1" };

static struct hq_stim *
stim_from(const char *json)
{
	cJSON *j = cJSON_Parse(json);
	struct hq_stim *st = NULL;
	struct hq_err err = { 0 };

	ck_assert_ptr_nonnull(j);
	ck_assert_msg(hq_stim_new(j, &dut, &st, &err) == 0, "%s", err.msg);
	cJSON_Delete(j);
	return st;
}

static const char *const bad_recipes[] = {
	"{}",
	"{\"driver\":\"carrier-pigeon\"}",
	"{\"driver\":\"command\"}",
	"{\"driver\":\"command\",\"argv\":[]}",
	"{\"driver\":\"http\",\"url\":\"ftp://x/\"}",
	"{\"driver\":\"socket\"}",
	"{\"driver\":\"socket\",\"surface\":\"nope\"}",
	"{\"driver\":\"manual\",\"kinds\":{\"person\":\"Person!\"}}",
	"{\"driver\":\"manual\",\"bogus\":1}",
};

START_TEST(test_stimulus_bad_recipes)
{
	cJSON *j = cJSON_Parse(bad_recipes[_i]);
	struct hq_err err = { 0 };

	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(hq_stim_new(j, &dut, NULL, &err), HQ_EINVAL);
	cJSON_Delete(j);
}
END_TEST

START_TEST(test_stimulus_command)
{
	struct hq_stim *st = stim_from("{\"driver\":\"command\",\"argv\":"
	    "[\"/bin/sh\",\"-c\",\"test \\\"$0\\\" = forced-entry && "
	    "echo presented $0\",\"{kind}\"],\"kinds\":{\"intruder\":"
	    "\"forced-entry\"}}");
	struct hq_stim_event ev;
	struct hq_err err = { 0 };
	int64_t before = hq_mono_ns();

	ck_assert_str_eq(hq_stim_driver(st), "command");
	ck_assert_msg(hq_stim_present(st, "intruder", hq_deadline_in(5000),
	    NULL, &ev, &err) == 0, "%s", err.msg);
	ck_assert(ev.t_ns >= before && ev.t_ns <= hq_mono_ns());
	ck_assert(ev.uncert_ns >= 0);
	ck_assert_ptr_nonnull(strstr(ev.reply, "presented forced-entry"));
	/* exit status 1: refused */
	ck_assert_int_eq(hq_stim_present(st, "person", hq_deadline_in(5000),
	    NULL, &ev, NULL), HQ_EPROTO);
	ck_assert_int_eq(hq_stim_present(st, "Bad Kind", hq_deadline_in(5000),
	    NULL, &ev, NULL), HQ_EINVAL);
	hq_stim_free(st);
}
END_TEST

/* "at <mono-ms>" on stdout gives the exact time. */
START_TEST(test_stimulus_command_at)
{
	struct hq_stim *st;
	struct hq_stim_event ev;
	char json[256];
	int64_t at = hq_mono_ns() / 1000000 + 100;

	snprintf(json, sizeof(json), "{\"driver\":\"command\",\"argv\":"
	    "[\"/bin/sh\",\"-c\",\"sleep 0.3; echo at %lld\"]}",
	    (long long)at);
	st = stim_from(json);
	ck_assert_int_eq(hq_stim_present(st, "person", hq_deadline_in(5000),
	    NULL, &ev, NULL), 0);
	ck_assert_int_eq(ev.t_ns, at * 1000000);
	ck_assert_int_eq(ev.uncert_ns, 1000000);
	hq_stim_free(st);
}
END_TEST

START_TEST(test_stimulus_command_timeout)
{
	struct hq_stim *st = stim_from("{\"driver\":\"command\",\"argv\":"
	    "[\"/bin/sleep\",\"10\"],\"timeout_ms\":300}");
	struct hq_stim_event ev;
	int64_t t = hq_mono_ns();

	ck_assert_int_eq(hq_stim_present(st, "person", hq_deadline_in(5000),
	    NULL, &ev, NULL), HQ_ETIMEDOUT);
	ck_assert(hq_mono_ns() - t < 2000000000LL);
	hq_stim_free(st);
}
END_TEST

/* A one-shot server on the loopback: answers one connection with reply. */
static pid_t
server(const char *reply, unsigned *portp)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0), c;
	char buf[2048];
	pid_t pid;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(fd, 1), 0);
	getsockname(fd, (struct sockaddr *)&sin, &sl);
	*portp = ntohs(sin.sin_port);
	if ((pid = fork()) == 0) {
		alarm(5);
		if ((c = accept(fd, NULL, NULL)) >= 0) {
			(void)!read(c, buf, sizeof(buf));
			(void)!write(c, reply, strlen(reply));
			shutdown(c, SHUT_WR);
			while (read(c, buf, sizeof(buf)) > 0)
				;
		}
		_exit(0);
	}
	close(fd);
	return pid;
}

START_TEST(test_stimulus_http)
{
	struct hq_stim *st;
	struct hq_stim_event ev;
	struct hq_err err = { 0 };
	char json[256];
	unsigned port;
	pid_t pid = server("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
	    "Connection: close\r\n\r\nok", &port);

	snprintf(json, sizeof(json), "{\"driver\":\"http\",\"url\":"
	    "\"http://127.0.0.1:%u/scene?kind={kind}\"}", port);
	st = stim_from(json);
	ck_assert_msg(hq_stim_present(st, "person", hq_deadline_in(5000),
	    NULL, &ev, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(ev.reply, "ok");
	ck_assert(ev.t_ns >= ev.sent_ns);
	waitpid(pid, NULL, 0);
	pid = server("HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n"
	    "Connection: close\r\n\r\n", &port);
	hq_stim_free(st);
	snprintf(json, sizeof(json), "{\"driver\":\"http\",\"url\":"
	    "\"http://127.0.0.1:%u/scene\"}", port);
	st = stim_from(json);
	ck_assert_int_eq(hq_stim_present(st, "person", hq_deadline_in(5000),
	    NULL, &ev, NULL), HQ_EPROTO);
	waitpid(pid, NULL, 0);
	hq_stim_free(st);
}
END_TEST

START_TEST(test_stimulus_socket)
{
	struct hq_stim *st;
	struct hq_stim_event ev;
	struct hq_err err = { 0 };
	char json[128];
	unsigned port;
	pid_t pid = server("ok 123456\n", &port);

	snprintf(json, sizeof(json), "{\"driver\":\"socket\",\"port\":%u}",
	    port);
	st = stim_from(json);
	ck_assert_msg(hq_stim_present(st, "person", hq_deadline_in(5000),
	    NULL, &ev, &err) == 0, "%s", err.msg);
	ck_assert(ev.have_dut_ms);
	ck_assert_int_eq(ev.dut_ms, 123456);
	ck_assert_int_eq(ev.t_ns, ev.sent_ns);
	waitpid(pid, NULL, 0);
	pid = server("err unknown stimulus\n", &port);
	hq_stim_free(st);
	snprintf(json, sizeof(json), "{\"driver\":\"socket\",\"port\":%u}",
	    port);
	st = stim_from(json);
	ck_assert_int_eq(hq_stim_present(st, "person", hq_deadline_in(5000),
	    NULL, &ev, NULL), HQ_EPROTO);
	waitpid(pid, NULL, 0);
	hq_stim_free(st);
}
END_TEST

/*
 * The operator's Enter on a pseudo-terminal: a child in a session of its
 * own, with the pty as its controlling terminal, presents; this process
 * is the operator at the other end.
 */
static int
manual_child(const char *slave, long long wait_ms)
{
	struct hq_stim *st = stim_from("{\"driver\":\"manual\","
	    "\"uncertainty_ms\":250}");
	struct hq_stim_event ev;
	int sl, rc;

	if (setsid() < 0 || (sl = open(slave, O_RDWR)) < 0) {
		hq_stim_free(st);
		return 2;
	}
	ioctl(sl, TIOCSCTTY, 0);
	rc = hq_stim_present(st, "person", hq_deadline_in(wait_ms), NULL,
	    &ev, NULL);
	hq_stim_free(st);
	close(sl);
	if (rc == HQ_ETIMEDOUT)
		return 3;
	if (rc != 0 || ev.t_ns - ev.sent_ns < 90000000 ||
	    ev.uncert_ns != 250000000)
		return 1;
	return 0;
}

START_TEST(test_stimulus_manual)
{
	char prompt[512];
	size_t have = 0;
	ssize_t got;
	int m, status;
	pid_t pid;

	ck_assert_int_ge(m = posix_openpt(O_RDWR | O_NOCTTY), 0);
	ck_assert_int_eq(grantpt(m), 0);
	ck_assert_int_eq(unlockpt(m), 0);
	if ((pid = fork()) == 0)
		_exit(manual_child(ptsname(m), 5000));
	while (have < sizeof(prompt) - 1 && (got = read(m, prompt + have,
	    sizeof(prompt) - 1 - have)) > 0) {
		have += (size_t)got;
		prompt[have] = '\0';
		if (strstr(prompt, "NOW") != NULL)
			break;
	}
	ck_assert_ptr_nonnull(strstr(prompt, "\"person\""));
	usleep(100000);
	ck_assert_int_eq(write(m, "\n", 1), 1);
	waitpid(pid, &status, 0);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	/* Nobody answers: the deadline holds. */
	if ((pid = fork()) == 0)
		_exit(manual_child(ptsname(m), 200));
	waitpid(pid, &status, 0);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 3);
	close(m);
}
END_TEST

Suite *
suite_stimulus(void)
{
	Suite *s = suite_create("stimulus");
	TCase *tc = tcase_create("stimulus");

	tcase_set_timeout(tc, 20);
	tcase_add_loop_test(tc, test_stimulus_bad_recipes, 0,
	    sizeof(bad_recipes) / sizeof(bad_recipes[0]));
	tcase_add_test(tc, test_stimulus_command);
	tcase_add_test(tc, test_stimulus_command_at);
	tcase_add_test(tc, test_stimulus_command_timeout);
	tcase_add_test(tc, test_stimulus_http);
	tcase_add_test(tc, test_stimulus_socket);
	tcase_add_test(tc, test_stimulus_manual);
	suite_add_tcase(s, tc);
	return s;
}
