/* SPDX-License-Identifier: Apache-2.0 */
/*
 * simhost: runs dutsim's cloud link and alarm modules alone, with the
 * same --opt KEY=VALUE and --fault NAME[=VALUE] arguments as dutsim, so
 * they can be exercised without the rest of the simulator.  Test tool only.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fixtures/dutsim/sim.h"

#define SIMHOST_ARGS_MAX	64

const struct sim_fault_def sim_faults_web[] = { { NULL, NULL } };

static const char *opt_key[SIMHOST_ARGS_MAX], *opt_val[SIMHOST_ARGS_MAX];
static size_t opt_klen[SIMHOST_ARGS_MAX];
static int nopt;
static const char *flt[SIMHOST_ARGS_MAX];
static int nflt;

static const char *
fault_find(const char *name)
{
	size_t n = strlen(name);
	int i;

	for (i = 0; i < nflt; i++)
		if (strncmp(flt[i], name, n) == 0 &&
		    (flt[i][n] == '\0' || flt[i][n] == '='))
			return flt[i] + n;
	return NULL;
}

bool
sim_fault(const char *name)
{
	return fault_find(name) != NULL;
}

static bool
dec(const char *s, long *vp)
{
	long v = 0;
	int neg = 0, n = 0;

	if (*s == '-') {
		neg = 1;
		s++;
	}
	for (; *s != '\0'; s++, n++) {
		if (*s < '0' || *s > '9' || n == 12)
			return false;
		v = v * 10 + (*s - '0');
	}
	*vp = neg ? -v : v;
	return n > 0;
}

long
sim_fault_arg(const char *name, long dflt)
{
	const char *v = fault_find(name);
	long x;

	if (v == NULL || *v != '=' || !dec(v + 1, &x))
		return dflt;
	return x;
}

const char *
sim_opt(const char *key, const char *dflt)
{
	int i;

	for (i = nopt - 1; i >= 0; i--)
		if (strlen(key) == opt_klen[i] &&
		    strncmp(opt_key[i], key, opt_klen[i]) == 0)
			return opt_val[i];
	return dflt;
}

long
sim_opt_long(const char *key, long dflt)
{
	const char *s = sim_opt(key, NULL);
	long v;

	return s != NULL && dec(s, &v) ? v : dflt;
}

void
sim_log(const char *mod, const char *fmt, ...)
{
	struct timespec ts;
	va_list ap;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	fprintf(stderr, "%lld.%03ld %s: ", (long long)ts.tv_sec,
	    ts.tv_nsec / 1000000, mod);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
main(int argc, char **argv)
{
	sigset_t set;
	const char *eq;
	int i, sig;

	for (i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--opt") == 0 && nopt < SIMHOST_ARGS_MAX &&
		    (eq = strchr(argv[i + 1], '=')) != NULL) {
			opt_key[nopt] = argv[i + 1];
			opt_klen[nopt] = (size_t)(eq - argv[i + 1]);
			opt_val[nopt++] = eq + 1;
		} else if (strcmp(argv[i], "--fault") == 0 &&
		    nflt < SIMHOST_ARGS_MAX)
			flt[nflt++] = argv[i + 1];
		else
			break;
	}
	if (i != argc) {
		fprintf(stderr, "usage: simhost [--opt K=V] [--fault F[=V]]"
		    "...\n");
		return 64;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (sim_cloud_start() != 0 || sim_alarm_start() != 0)
		return 69;
	sigwait(&set, &sig);
	sim_alarm_stop();
	sim_cloud_stop();
	return 0;
}
