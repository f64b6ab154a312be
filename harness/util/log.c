/* SPDX-License-Identifier: Apache-2.0 */
/* Logging.  Thread-safe: one mutex around each line. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/log.h"

static enum hq_log_level log_level = HQ_LOG_WARN;
static FILE *log_file;
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static const char *const level_name[] = { "error", "warn", "info", "debug" };

void
hq_log_set_level(enum hq_log_level lvl)
{
	log_level = lvl;
}

int
hq_log_open_file(const char *path)
{
	FILE *f;

	if ((f = fopen(path, "ae")) == NULL)
		return -1;
	pthread_mutex_lock(&log_mu);
	if (log_file != NULL)
		fclose(log_file);
	log_file = f;
	pthread_mutex_unlock(&log_mu);
	return 0;
}

void
hq_log_close_file(void)
{
	pthread_mutex_lock(&log_mu);
	if (log_file != NULL)
		fclose(log_file);
	log_file = NULL;
	pthread_mutex_unlock(&log_mu);
}

void
hq_logf(enum hq_log_level lvl, const char *fn, const char *fmt, ...)
{
	char msg[1024], ts[40];
	struct timespec now;
	struct tm tm;
	va_list ap;

	if (lvl > log_level && log_file == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	pthread_mutex_lock(&log_mu);
	if (lvl <= log_level)
		fprintf(stderr, "hopquy: %s%s%s\n",
		    lvl <= HQ_LOG_WARN ? level_name[lvl] : "",
		    lvl <= HQ_LOG_WARN ? ": " : "", msg);
	if (log_file != NULL) {
		fprintf(log_file, "%s.%03ldZ %-5s %s: %s\n", ts,
		    now.tv_nsec / 1000000, level_name[lvl], fn, msg);
		fflush(log_file);
	}
	pthread_mutex_unlock(&log_mu);
}

void
hq_escape(char *out, size_t outsz, const void *p, size_t len)
{
	const unsigned char *s = p;
	size_t o = 0, i;

	if (outsz == 0)
		return;
	for (i = 0; i < len; i++) {
		unsigned char c = s[i];
		char tmp[5];
		size_t n;

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			tmp[0] = (char)c;
			n = 1;
		} else {
			snprintf(tmp, sizeof(tmp), "\\x%02x", c);
			n = 4;
		}
		if (o + n + 1 > outsz)
			break;
		memcpy(out + o, tmp, n);
		o += n;
	}
	out[o] = '\0';
}

void
hq_log_bytes(enum hq_log_level lvl, const char *what, const void *p,
    size_t len, size_t max)
{
	char buf[1024];

	hq_escape(buf, sizeof(buf), p, len < max ? len : max);
	hq_logf(lvl, "bytes", "%s (%zu bytes): %s%s", what, len, buf,
	    len > max ? "..." : "");
}
