/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Logging to stderr and, during a run, to the run's run.log.  Only cli.c
 * writes stdout.  DUT bytes go through hq_log_bytes(), never as a format.
 */
#ifndef HQ_LOG_H
#define HQ_LOG_H

#include <stddef.h>

enum hq_log_level { HQ_LOG_ERROR, HQ_LOG_WARN, HQ_LOG_INFO, HQ_LOG_DEBUG };

void	hq_log_set_level(enum hq_log_level lvl);	/* stderr threshold */
/* Also writes every message (any level) to path until closed. */
int	hq_log_open_file(const char *path);
void	hq_log_close_file(void);
void	hq_logf(enum hq_log_level lvl, const char *fn, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* Logs what: then p[0..len) escaped (\xNN), cut at max bytes. */
void	hq_log_bytes(enum hq_log_level lvl, const char *what, const void *p,
	    size_t len, size_t max);
/* Escapes p[0..len) into out (NUL-terminated, cut to fit outsz). */
void	hq_escape(char *out, size_t outsz, const void *p, size_t len);

#define hq_error(...)	hq_logf(HQ_LOG_ERROR, __func__, __VA_ARGS__)
#define hq_warn(...)	hq_logf(HQ_LOG_WARN, __func__, __VA_ARGS__)
#define hq_info(...)	hq_logf(HQ_LOG_INFO, __func__, __VA_ARGS__)
#define hq_debug(...)	hq_logf(HQ_LOG_DEBUG, __func__, __VA_ARGS__)

#endif
