/* SPDX-License-Identifier: Apache-2.0 */
/* Clocks, deadlines, capped reads, atomic writes, hashing. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "util/err.h"
#include "util/util.h"

volatile int hq_interrupted;

int64_t
hq_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t
hq_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct hq_deadline
hq_deadline_in(int64_t ms)
{
	struct hq_deadline dl = { INT64_MAX };

	if (ms >= 0)
		dl.at_ns = hq_mono_ns() + ms * 1000000;
	return dl;
}

struct hq_deadline
hq_deadline_min(struct hq_deadline a, struct hq_deadline b)
{
	return a.at_ns < b.at_ns ? a : b;
}

int
hq_deadline_poll_ms(struct hq_deadline dl)
{
	int64_t left;

	if (dl.at_ns == INT64_MAX)
		return -1;
	left = dl.at_ns - hq_mono_ns();
	if (left <= 0)
		return 0;
	left = (left + 999999) / 1000000;
	return left > INT_MAX ? INT_MAX : (int)left;
}

bool
hq_deadline_passed(struct hq_deadline dl)
{
	return dl.at_ns != INT64_MAX && hq_mono_ns() >= dl.at_ns;
}

int
hq_sleep_ms(int64_t ms)
{
	struct hq_deadline dl = hq_deadline_in(ms);
	int left;

	while ((left = hq_deadline_poll_ms(dl)) > 0) {
		if (hq_interrupted)
			return HQ_EINTR;
		poll(NULL, 0, left > 100 ? 100 : left);
	}
	return hq_interrupted ? HQ_EINTR : 0;
}

void
hq_time_rfc3339(int64_t wall_ms, char *buf, size_t bufsz)
{
	time_t s = (time_t)(wall_ms / 1000);
	struct tm tm;
	char tmp[32];

	gmtime_r(&s, &tm);
	strftime(tmp, sizeof(tmp), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, bufsz, "%s.%03dZ", tmp, (int)(wall_ms % 1000));
}

int
hq_file_slurp(const char *path, size_t max, char **textp, size_t *lenp,
    struct hq_err *err)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int fd, rc = 0;

	*textp = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return hq_err_set(err, HQ_EINVAL, "%s: cannot open: %s", path,
		    strerror(errno));
	for (;;) {
		ssize_t n;

		if (len + 1 >= cap) {
			size_t ncap = cap == 0 ? 8192 : cap * 2;
			char *nb;

			if (ncap > max + 2)
				ncap = max + 2;
			if (ncap <= len + 1) {
				rc = hq_err_set(err, HQ_EINVAL,
				    "%s: larger than %zu bytes", path, max);
				goto out;
			}
			if ((nb = realloc(buf, ncap)) == NULL) {
				rc = hq_err_set(err, HQ_ENOMEM, "%s: no memory",
				    path);
				goto out;
			}
			buf = nb;
			cap = ncap;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = hq_err_set(err, HQ_EINVAL, "%s: read: %s", path,
			    strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max) {
			rc = hq_err_set(err, HQ_EINVAL,
			    "%s: larger than %zu bytes", path, max);
			goto out;
		}
	}
	if (buf == NULL && (buf = malloc(1)) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "%s: no memory", path);
		goto out;
	}
	buf[len] = '\0';
	*textp = buf;
	*lenp = len;
	buf = NULL;
 out:
	free(buf);
	close(fd);
	return rc;
}

/*
 * Deferred durability.  A run writes a dozen small files (evidence, the
 * pcapng, results.jsonl, report.json, report.html, junit.xml), and one
 * fsync each (plus one for each rename's directory) cost a short run more
 * than its probes: 15-25 ms of device flushes on the lab's disk.  While a
 * run defers, each file is still written to a temporary name and renamed
 * into place, so any reader, and a killed hopquy, only ever sees a whole
 * file or none; what waits is durability against a power loss, which the
 * run buys once: hq_sync_flush fsyncs every file written since (their
 * data and sizes) and each of their directories (the renames), side by
 * side, and returns once all are done.  The
 * engine flushes the evidence before it writes report.json, and the report
 * files after: a report that survives a power loss names only evidence
 * that survived with it, and a run cut short before that has no report to
 * be trusted (a file the kernel had not yet written back may come back
 * empty or short after a crash, never as another file's bytes; report.json
 * lists every evidence file's SHA-256, so `hopquy verify` tells).  The
 * lock and the bench journal keep their own immediate fdatasync: they
 * protect the host, not the report.  Not syncfs: that would flush every
 * other writer on a shared disk too (hundreds of ms measured).
 */
static pthread_mutex_t sync_mu = PTHREAD_MUTEX_INITIALIZER;
static bool sync_deferred;
static char **sync_paths;
static size_t sync_n, sync_cap;

static int
fsync_path(const char *path, bool dir)
{
	int fd, rc = 0;

	/* Never through a link nor blocking on a FIFO: a privilege-
	 * separated monitor syncs files its worker wrote (engine.c). */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK |
	    (dir ? O_DIRECTORY : 0))) < 0)
		return -1;
	if (fsync(fd) != 0)
		rc = -1;
	close(fd);
	return rc;
}

static void
dir_of(const char *path, char *dir, size_t size)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		snprintf(dir, size, ".");
	else
		snprintf(dir, size, "%.*s", (int)(slash - path + 1), path);
}

/* Queues path when deferring (true); false: the caller syncs now. */
static bool
sync_queue(const char *path)
{
	bool queued = false;
	char **np;
	size_t i;

	pthread_mutex_lock(&sync_mu);
	if (sync_deferred) {
		for (i = 0; i < sync_n; i++)
			if (strcmp(sync_paths[i], path) == 0)
				break;
		if (i < sync_n)
			queued = true;
		else if (sync_n < sync_cap || ((np = realloc(sync_paths,
		    (sync_cap * 2 + 16) * sizeof(*np))) != NULL &&
		    (sync_paths = np, sync_cap = sync_cap * 2 + 16, true))) {
			if ((sync_paths[sync_n] = strdup(path)) != NULL) {
				sync_n++;
				queued = true;
			}
		}
	}
	pthread_mutex_unlock(&sync_mu);
	return queued;
}

/* fsyncs of one flush, run side by side: the filesystem folds concurrent
 * fsyncs into one journal commit, where one after the other each waits
 * for a commit and a device flush of its own (~0.5 ms each here). */
struct sync_job {
	const char	*path;
	bool		 dir;
	int		 rc, errnum;
	pthread_t	 th;
	bool		 threaded;
};

static void *
sync_job_run(void *arg)
{
	struct sync_job *j = arg;

	j->rc = fsync_path(j->path, j->dir);
	j->errnum = j->rc != 0 ? errno : 0;
	return NULL;
}

#define SYNC_PARALLEL	24

static void
sync_jobs(struct sync_job *jobs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		jobs[i].threaded = i + 1 < n && i < SYNC_PARALLEL &&
		    pthread_create(&jobs[i].th, NULL, sync_job_run,
		    &jobs[i]) == 0;
	for (i = 0; i < n; i++)
		if (!jobs[i].threaded)
			sync_job_run(&jobs[i]);
	for (i = 0; i < n; i++)
		if (jobs[i].threaded)
			pthread_join(jobs[i].th, NULL);
}

int
hq_sync_flush(struct hq_err *err)
{
	struct sync_job *jobs;
	char **paths, **dirs;
	size_t n, nd = 0, i, j;
	int rc = 0;

	pthread_mutex_lock(&sync_mu);
	paths = sync_paths;
	n = sync_n;
	sync_paths = NULL;
	sync_n = sync_cap = 0;
	pthread_mutex_unlock(&sync_mu);
	if (n == 0)
		return 0;
	jobs = calloc(2 * n, sizeof(*jobs));
	dirs = calloc(n, sizeof(*dirs));
	if (jobs == NULL || dirs == NULL) {
		/* One at a time, then. */
		for (i = 0; i < n; i++) {
			char dir[PATH_MAX];

			if (fsync_path(paths[i], false) != 0 &&
			    errno != ENOENT && rc == 0)
				rc = hq_err_sys(err, paths[i]);
			dir_of(paths[i], dir, sizeof(dir));
			fsync_path(dir, true);
		}
		goto out;
	}
	/* The files' data and sizes, and each directory once (the
	 * renames), all side by side: the flush is complete, and what it
	 * guards may follow, once every one of them has returned. */
	for (i = 0; i < n; i++) {
		char dir[PATH_MAX];

		jobs[i].path = paths[i];
		jobs[i].dir = false;
		dir_of(paths[i], dir, sizeof(dir));
		for (j = 0; j < nd; j++)
			if (strcmp(dirs[j], dir) == 0)
				break;
		if (j == nd && (dirs[nd] = strdup(dir)) != NULL)
			nd++;
	}
	for (j = 0; j < nd; j++) {
		jobs[n + j].path = dirs[j];
		jobs[n + j].dir = true;
	}
	sync_jobs(jobs, n + nd);
	for (i = 0; i < n; i++)
		if (jobs[i].rc != 0 && jobs[i].errnum != ENOENT && rc == 0) {
			errno = jobs[i].errnum;
			rc = hq_err_sys(err, paths[i]);
		}
 out:
	for (i = 0; i < nd; i++)
		free(dirs[i]);
	free(dirs);
	free(jobs);
	for (i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	return rc;
}

static pthread_t bg_th;
static bool bg_on;
static int bg_rc;
static struct hq_err bg_err;

static void *
bg_flush(void *arg)
{
	(void)arg;
	bg_rc = hq_sync_flush(&bg_err);
	return NULL;
}

void
hq_sync_flush_start(void)
{
	if (bg_on)
		return;
	memset(&bg_err, 0, sizeof(bg_err));
	bg_rc = 0;
	bg_on = pthread_create(&bg_th, NULL, bg_flush, NULL) == 0;
	if (!bg_on)	/* then here, now */
		bg_rc = hq_sync_flush(&bg_err);
}

int
hq_sync_flush_wait(struct hq_err *err)
{
	int rc;

	if (bg_on) {
		pthread_join(bg_th, NULL);
		bg_on = false;
	}
	rc = bg_rc;
	if (rc != 0)
		hq_err_set(err, bg_err.code, "%s", bg_err.msg);
	bg_rc = 0;
	return rc;
}

void
hq_sync_defer(bool on)
{
	if (!on)
		hq_sync_flush(NULL);
	pthread_mutex_lock(&sync_mu);
	sync_deferred = on;
	pthread_mutex_unlock(&sync_mu);
}

int
hq_sync_later(const char *path, struct hq_err *err)
{
	char dir[PATH_MAX];

	if (sync_queue(path))
		return 0;
	if (fsync_path(path, false) != 0)
		return hq_err_sys(err, path);
	dir_of(path, dir, sizeof(dir));
	fsync_path(dir, true);
	return 0;
}

int
hq_file_write_atomic(const char *path, const void *p, size_t len,
    unsigned mode, struct hq_err *err)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	size_t off = 0;
	bool later;
	int fd, rc = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path,
	    (long)getpid()) >= sizeof(tmp))
		return hq_err_set(err, HQ_EINVAL, "%s: path too long", path);
	/* A fresh file of our own: never through a link or a file someone
	 * left at the temporary name (a run directory a less privileged
	 * process wrote); one left over is removed (unlink does not follow
	 * a link) and the create tried once more. */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    mode);
	if (fd < 0 && errno == EEXIST && unlink(tmp) == 0)
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, mode);
	if (fd < 0)
		return hq_err_sys(err, tmp);
	while (off < len) {
		ssize_t n = write(fd, (const char *)p + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = hq_err_sys(err, tmp);
			break;
		}
		off += (size_t)n;
	}
	/* Deferred: synced by hq_sync_flush, under its final name. */
	later = rc == 0 && sync_queue(path);
	if (rc == 0 && !later && fsync(fd) != 0)
		rc = hq_err_sys(err, tmp);
	if (close(fd) != 0 && rc == 0)
		rc = hq_err_sys(err, tmp);
	if (rc == 0 && rename(tmp, path) != 0)
		rc = hq_err_sys(err, path);
	if (rc != 0) {
		unlink(tmp);
		return rc;
	}
	if (later)
		return 0;
	/* The rename itself must survive a power loss. */
	dir_of(path, dir, sizeof(dir));
	fsync_path(dir, true);
	return 0;
}

int
hq_mkdirs(const char *path, unsigned mode, struct hq_err *err)
{
	char buf[PATH_MAX];
	size_t i, n = strlen(path);

	if (n == 0 || n >= sizeof(buf))
		return hq_err_set(err, HQ_EINVAL, "bad directory path");
	memcpy(buf, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, mode) != 0 && errno != EEXIST)
			return hq_err_sys(err, buf);
		buf[i] = path[i];
	}
	return 0;
}

static void
to_hex(const unsigned char *md, unsigned n, char *hex)
{
	static const char digits[] = "0123456789abcdef";
	unsigned i;

	for (i = 0; i < n; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[2 * n] = '\0';
}

void
hq_sha256_hex(const void *p, size_t len, char hex[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;

	EVP_Digest(p, len, md, &n, EVP_sha256(), NULL);
	to_hex(md, n, hex);
}

int
hq_sha256_file(const char *path, char hex[65], uint64_t *sizep,
    struct hq_err *err)
{
	unsigned char buf[65536], md[EVP_MAX_MD_SIZE];
	EVP_MD_CTX *ctx = NULL;
	uint64_t size = 0;
	unsigned n = 0;
	int fd, rc = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return hq_err_sys(err, path);
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		rc = hq_err_tls(err, "sha256");
		goto out;
	}
	for (;;) {
		ssize_t r = read(fd, buf, sizeof(buf));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = hq_err_sys(err, path);
			goto out;
		}
		if (r == 0)
			break;
		EVP_DigestUpdate(ctx, buf, (size_t)r);
		size += (uint64_t)r;
	}
	EVP_DigestFinal_ex(ctx, md, &n);
	to_hex(md, n, hex);
	if (sizep != NULL)
		*sizep = size;
 out:
	EVP_MD_CTX_free(ctx);
	close(fd);
	return rc;
}

char *
hq_strndup(const char *s, size_t n)
{
	char *d;

	if ((d = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

void
hq_secret_free(char *s)
{
	if (s == NULL)
		return;
	OPENSSL_cleanse(s, strlen(s));
	free(s);
}

void
hq_slug(const char *in, char *out, size_t outsz)
{
	size_t i;

	if (outsz == 0)
		return;
	for (i = 0; in[i] != '\0' && i + 1 < outsz; i++) {
		char c = in[i];

		out[i] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ? c : '_';
	}
	out[i] = '\0';
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
hq_hex_decode(const char *hex, uint8_t **outp, size_t *lenp)
{
	uint8_t *out;
	size_t n = 0, i;
	int hi = -1, v;

	*outp = NULL;
	*lenp = 0;
	if ((out = malloc(strlen(hex) / 2 + 1)) == NULL)
		return HQ_ENOMEM;
	for (i = 0; hex[i] != '\0'; i++) {
		if (hex[i] == ' ')
			continue;
		if ((v = hexval((unsigned char)hex[i])) < 0) {
			free(out);
			return HQ_EINVAL;
		}
		if (hi < 0)
			hi = v;
		else {
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	if (hi >= 0) {
		free(out);
		return HQ_EINVAL;
	}
	if (n == 0) {
		free(out);
		return 0;
	}
	*outp = out;
	*lenp = n;
	return 0;
}

char *
hq_hex_encode(const uint8_t *p, size_t len)
{
	static const char d[] = "0123456789abcdef";
	char *s = malloc(2 * len + 1);
	size_t i;

	if (s == NULL)
		return NULL;
	for (i = 0; i < len; i++) {
		s[2 * i] = d[p[i] >> 4];
		s[2 * i + 1] = d[p[i] & 15];
	}
	s[2 * len] = '\0';
	return s;
}
