/* SPDX-License-Identifier: Apache-2.0 */
/* The DUT's power drivers (see power.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "util/err.h"
#include "wire/power.h"

struct pw {
	const struct hq_dut	*d;
	struct hq_steps		*st;
	struct hq_deadline	 dl;
	hq_power_event_fn	 ev;
	void			*arg;
	hq_power_signal_fn	 sig;	/* NULL: kill(2) */
};

static void
emit(struct pw *p, int64_t t, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
emit(struct pw *p, int64_t t, const char *what, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (p->ev != NULL)
		p->ev(p->arg, t, what, text);
}

static const cJSON *
key(const struct pw *p, const char *k)
{
	return cJSON_GetObjectItemCaseSensitive(p->d->power, k);
}

const char *
hq_power_driver(const struct hq_dut *d)
{
	const cJSON *v = d != NULL && d->power != NULL ?
	    cJSON_GetObjectItemCaseSensitive(d->power, "driver") : NULL;

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int
drive_command(struct pw *p, struct hq_err *err)
{
	const cJSON *a = key(p, "argv"), *it;
	char *argv[33];
	size_t n = 0;
	int64_t t;
	int st, nul;
	pid_t pid, w;

	cJSON_ArrayForEach(it, a)
		if (n < 32 && cJSON_IsString(it))
			argv[n++] = it->valuestring;
	argv[n] = NULL;
	if (n == 0)
		return hq_err_set(err, HQ_EINVAL, "power.argv: empty");
	emit(p, hq_mono_ns(), "power", "command driver: running %s",
	    argv[0]);
	if ((pid = fork()) < 0)
		return hq_err_sys(err, "fork");
	if (pid == 0) {
		if ((nul = open("/dev/null", O_RDWR)) >= 0) {
			dup2(nul, 0);
			dup2(nul, 1);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	for (;;) {
		if ((w = waitpid(pid, &st, WNOHANG)) == pid)
			break;
		if (w < 0 && errno != EINTR)
			return hq_err_sys(err, "waitpid");
		if (hq_deadline_passed(p->dl) || hq_interrupted) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return hq_err_set(err, hq_interrupted ? HQ_EINTR :
			    HQ_ETIMEDOUT, "power command %s did not end",
			    argv[0]);
		}
		usleep(20000);
	}
	t = hq_mono_ns();
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return hq_err_set(err, HQ_EIO, "power command %s: exit %d",
		    argv[0], WIFEXITED(st) ? WEXITSTATUS(st) : 128 +
		    WTERMSIG(st));
	emit(p, t, "power on", "command %s done (exit 0)", argv[0]);
	return 0;
}

static int
drive_http(struct pw *p, struct hq_err *err)
{
	const cJSON *off = key(p, "off"), *on = key(p, "on");
	const cJSON *ms = key(p, "off_ms");
	struct hq_step_out o;
	int rc;

	if (p->st == NULL)
		return hq_err_set(err, HQ_EINVAL, "power: the http driver "
		    "needs the step engine");
	if ((rc = hq_steps_run(p->st, off, "power.off", p->dl, &o,
	    err)) != 0)
		return rc < 0 ? rc : hq_err_set(err, HQ_EPROTO, "power.off: "
		    "%s", o.why);
	emit(p, o.t_ns + o.dur_ns, "power off", "power switch: %s %s (status "
	    "%ld)", o.method, o.path, o.status);
	if ((rc = hq_sleep_ms(cJSON_IsNumber(ms) ? (int64_t)ms->valuedouble :
	    2000)) != 0)
		return hq_err_set(err, rc, "interrupted");
	if ((rc = hq_steps_run(p->st, on, "power.on", p->dl, &o, err)) != 0)
		return rc < 0 ? rc : hq_err_set(err, HQ_EPROTO, "power.on: "
		    "%s", o.why);
	emit(p, o.t_ns + o.dur_ns, "power on", "power switch: %s %s (status "
	    "%ld)", o.method, o.path, o.status);
	return 0;
}

static int
drive_sim(struct pw *p, struct hq_err *err)
{
	const cJSON *pf = key(p, "pidfile"), *sg = key(p, "signal");
	char path[4096], *text = NULL;
	unsigned long long pid = 0;
	size_t len, i;
	int sig = SIGHUP, rc;

	if (!cJSON_IsString(pf))
		return hq_err_set(err, HQ_EINVAL, "power.pidfile: missing");
	hq_dut_path(p->d, pf->valuestring, path, sizeof(path));
	if ((rc = hq_file_slurp(path, 64, &text, &len, err)) != 0)
		return rc;
	for (i = 0; i < len && text[i] >= '0' && text[i] <= '9'; i++)
		pid = pid * 10 + (unsigned long long)(text[i] - '0');
	free(text);
	if (i == 0 || pid < 2 || pid > 4194304)
		return hq_err_set(err, HQ_EINVAL, "power.pidfile %s: no pid",
		    path);
	if (cJSON_IsString(sg))
		sig = strcmp(sg->valuestring, "USR1") == 0 ? SIGUSR1 :
		    strcmp(sg->valuestring, "USR2") == 0 ? SIGUSR2 : SIGHUP;
	if (p->sig != NULL) {
		if ((rc = p->sig(p->arg, (long)pid, sig, err)) != 0)
			return rc;
	} else if (kill((pid_t)pid, sig) != 0)
		return hq_err_sys(err, "kill");
	emit(p, hq_mono_ns(), "power", "simulator hook: signal %s to pid "
	    "%llu", strsignal(sig), pid);
	/* the hook is the whole cycle: returns count from here */
	emit(p, hq_mono_ns(), "power on", "the simulator reboots by itself");
	return 0;
}

static int
drive_manual(struct pw *p, struct hq_err *err)
{
	const cJSON *pr = key(p, "prompt"), *ds = key(p, "deadline_s");
	struct hq_deadline dl = hq_deadline_min(p->dl,
	    hq_deadline_in((cJSON_IsNumber(ds) ? (int64_t)ds->valuedouble :
	    300) * 1000));
	struct pollfd pfd = { .fd = 0, .events = POLLIN };
	char line[64];
	int r;

	fprintf(stderr, "hopquy: %s\nhopquy: press Enter once the DUT's power "
	    "is back on\n", cJSON_IsString(pr) ? pr->valuestring :
	    "switch the DUT's power off, wait 5 seconds, switch it on");
	emit(p, hq_mono_ns(), "power", "manual driver: operator prompted");
	for (;;) {
		r = poll(&pfd, 1, hq_deadline_poll_ms(dl) < 0 ? 1000 :
		    hq_deadline_poll_ms(dl));
		if (r > 0) {
			if (read(0, line, sizeof(line)) <= 0)
				return hq_err_set(err, HQ_EIO, "manual power "
				    "driver: no operator input (stdin closed)");
			break;
		}
		if (hq_interrupted)
			return hq_err_set(err, HQ_EINTR, "interrupted");
		if (hq_deadline_passed(dl))
			return hq_err_set(err, HQ_ETIMEDOUT, "manual power "
			    "driver: the operator did not confirm in time");
	}
	emit(p, hq_mono_ns(), "power on", "operator confirmed");
	return 0;
}

int
hq_power_cycle(const struct hq_dut *d, struct hq_steps *st,
    struct hq_deadline dl, hq_power_event_fn ev, hq_power_signal_fn sig,
    void *arg, struct hq_err *err)
{
	struct pw p = { d, st, dl, ev, arg, sig };
	const char *drv = hq_power_driver(d);

	if (drv == NULL)
		return hq_err_set(err, HQ_EINVAL, "no power driver declared");
	if (strcmp(drv, "command") == 0)
		return drive_command(&p, err);
	if (strcmp(drv, "http") == 0)
		return drive_http(&p, err);
	if (strcmp(drv, "sim") == 0)
		return drive_sim(&p, err);
	if (strcmp(drv, "manual") == 0)
		return drive_manual(&p, err);
	return hq_err_set(err, HQ_EINVAL, "power.driver \"%s\"", drv);
}
