/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Deadlines on CLOCK_MONOTONIC, wall-clock stamps, capped file reads and
 * atomic file writes (temp file, fsync, rename, fsync of the directory).
 */
#ifndef HQ_UTIL_H
#define HQ_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hq_err;

struct hq_deadline {
	int64_t	at_ns;		/* CLOCK_MONOTONIC; INT64_MAX: none */
};

int64_t	hq_mono_ns(void);
int64_t	hq_wall_ms(void);			/* unix ms */
/* A deadline ms milliseconds from now (ms < 0: none). */
struct hq_deadline hq_deadline_in(int64_t ms);
/* The earlier of the two. */
struct hq_deadline hq_deadline_min(struct hq_deadline a, struct hq_deadline b);
/* Milliseconds left, 0 when passed, -1 when none; for poll(). */
int	hq_deadline_poll_ms(struct hq_deadline dl);
bool	hq_deadline_passed(struct hq_deadline dl);
/* Sleeps ms or until the deadline / an interrupt; HQ_EINTR if interrupted. */
int	hq_sleep_ms(int64_t ms);
/* RFC 3339 UTC with milliseconds into buf (>= 32 bytes). */
void	hq_time_rfc3339(int64_t wall_ms, char *buf, size_t bufsz);

/* Set by the signal handler; long waits check it. */
extern volatile int hq_interrupted;

/*
 * Reads the whole file at path, at most max bytes (more: HQ_EINVAL naming
 * the file).  *textp is NUL-terminated, caller frees.
 */
int	hq_file_slurp(const char *path, size_t max, char **textp,
	    size_t *lenp, struct hq_err *err);
/*
 * Writes len bytes atomically to path with mode (temp, fsync, rename).
 * While syncs are deferred (hq_sync_defer), the fsyncs wait for
 * hq_sync_flush: the file is still whole or absent to every reader.
 */
int	hq_file_write_atomic(const char *path, const void *p, size_t len,
	    unsigned mode, struct hq_err *err);
/*
 * Deferred durability for one run directory: between hq_sync_defer(true)
 * and the next hq_sync_flush, files written with hq_file_write_atomic or
 * named with hq_sync_later are not fsynced one by one; hq_sync_flush
 * fsyncs them all, then their directories, once.  hq_sync_later is an
 * fsync when nothing is deferred.  hq_sync_defer(false) flushes first.
 */
void	hq_sync_defer(bool on);
int	hq_sync_later(const char *path, struct hq_err *err);
int	hq_sync_flush(struct hq_err *err);
/* hq_sync_flush on a thread, so the caller computes meanwhile; _wait
 * joins it and returns its result (0 when none was started). */
void	hq_sync_flush_start(void);
int	hq_sync_flush_wait(struct hq_err *err);
/* mkdir -p. */
int	hq_mkdirs(const char *path, unsigned mode, struct hq_err *err);
/* Lowercase hex SHA-256 of a file / of bytes into hex[65]; size too. */
int	hq_sha256_file(const char *path, char hex[65], uint64_t *sizep,
	    struct hq_err *err);
void	hq_sha256_hex(const void *p, size_t len, char hex[65]);
/* Duplicates or aborts the caller with HQ_ENOMEM via NULL. */
char	*hq_strndup(const char *s, size_t n);
/* A file-name-safe form of an id ("a/b.c" -> "a_b.c"). */
void	hq_slug(const char *in, char *out, size_t outsz);
/* Securely wipes and frees a secret string. */
void	hq_secret_free(char *s);
/* Hex digits (either case, even count, spaces ignored) to bytes: *outp
 * malloc'd (NULL when len 0), HQ_EINVAL on any other character. */
int	hq_hex_decode(const char *hex, uint8_t **outp, size_t *lenp);
/* Bytes to lowercase hex, malloc'd; NULL on no memory. */
char	*hq_hex_encode(const uint8_t *p, size_t len);

#endif
