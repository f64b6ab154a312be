/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Evidence store and transcripts.  Every file is under the run directory;
 * relative paths may not climb out of it.  Whole files are written
 * atomically; growing files are registered, then hashed when sealed.
 */
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "evidence/evidence.h"
#include "util/err.h"
#include "util/log.h"
#include "util/util.h"

#define EVIDENCE_MAX	4096
#define SECRETS_MAX	64

struct ev_item {
	char		*relpath;
	char		*kind;
	bool		 sealed;
	bool		 missing;
	uint64_t	 size;
	char		 sha256[65];
};

struct hq_evidence {
	char		*root;
	struct ev_item	*items;
	size_t		 nitems;
	pthread_mutex_t	 mu;
};

int
hq_evidence_new(const char *rundir, struct hq_evidence **evp,
    struct hq_err *err)
{
	struct hq_evidence *ev;

	*evp = NULL;
	if ((ev = calloc(1, sizeof(*ev))) == NULL ||
	    (ev->root = strdup(rundir)) == NULL ||
	    (ev->items = calloc(EVIDENCE_MAX, sizeof(*ev->items))) == NULL) {
		if (ev != NULL)
			free(ev->root);
		free(ev);
		return hq_err_set(err, HQ_ENOMEM, "evidence: no memory");
	}
	pthread_mutex_init(&ev->mu, NULL);
	*evp = ev;
	return 0;
}

void
hq_evidence_free(struct hq_evidence *ev)
{
	size_t i;

	if (ev == NULL)
		return;
	for (i = 0; i < ev->nitems; i++) {
		free(ev->items[i].relpath);
		free(ev->items[i].kind);
	}
	free(ev->items);
	free(ev->root);
	pthread_mutex_destroy(&ev->mu);
	free(ev);
}

const char *
hq_evidence_root(const struct hq_evidence *ev)
{
	return ev->root;
}

static bool
relpath_ok(const char *rel)
{
	const char *p = rel;

	if (rel[0] == '\0' || rel[0] == '/' || strlen(rel) > 512)
		return false;
	/* No ".." component. */
	while (p != NULL) {
		if (strncmp(p, "..", 2) == 0 && (p[2] == '/' || p[2] == '\0'))
			return false;
		if ((p = strchr(p, '/')) != NULL)
			p++;
	}
	return true;
}

static int
ev_add(struct hq_evidence *ev, const char *relpath, const char *kind,
    struct ev_item **itp, struct hq_err *err)
{
	struct ev_item *it;
	size_t i;

	for (i = 0; i < ev->nitems; i++)
		if (strcmp(ev->items[i].relpath, relpath) == 0) {
			*itp = &ev->items[i];
			(*itp)->sealed = false;
			return 0;
		}
	if (ev->nitems == EVIDENCE_MAX)
		return hq_err_set(err, HQ_EINTERNAL, "evidence: more than %d "
		    "files", EVIDENCE_MAX);
	it = &ev->items[ev->nitems];
	if ((it->relpath = strdup(relpath)) == NULL ||
	    (it->kind = strdup(kind)) == NULL) {
		free(it->relpath);
		it->relpath = NULL;
		return hq_err_set(err, HQ_ENOMEM, "evidence: no memory");
	}
	ev->nitems++;
	*itp = it;
	return 0;
}

static int
ev_abspath(struct hq_evidence *ev, const char *relpath, char *out,
    size_t outsz, struct hq_err *err)
{
	char dir[PATH_MAX];
	const char *slash;

	if (!relpath_ok(relpath))
		return hq_err_set(err, HQ_EINTERNAL, "evidence path '%.64s' "
		    "is not inside the run directory", relpath);
	snprintf(out, outsz, "%s/%s", ev->root, relpath);
	if ((slash = strrchr(out, '/')) != NULL) {
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - out), out);
		return hq_mkdirs(dir, 0750, err);
	}
	return 0;
}

int
hq_evidence_write(struct hq_evidence *ev, const char *relpath,
    const char *kind, const void *p, size_t len, struct hq_err *err)
{
	char abspath[PATH_MAX];
	struct ev_item *it;
	int rc;

	pthread_mutex_lock(&ev->mu);
	if ((rc = ev_abspath(ev, relpath, abspath, sizeof(abspath),
	    err)) != 0 ||
	    (rc = hq_file_write_atomic(abspath, p, len, 0640, err)) != 0 ||
	    (rc = ev_add(ev, relpath, kind, &it, err)) != 0)
		goto out;
	hq_sha256_hex(p, len, it->sha256);
	it->size = len;
	it->sealed = true;
	it->missing = false;
 out:
	pthread_mutex_unlock(&ev->mu);
	return rc;
}

int
hq_evidence_register(struct hq_evidence *ev, const char *relpath,
    const char *kind, char *abspath, size_t abspathsz, struct hq_err *err)
{
	struct ev_item *it;
	int rc;

	pthread_mutex_lock(&ev->mu);
	if ((rc = ev_abspath(ev, relpath, abspath, abspathsz, err)) == 0)
		rc = ev_add(ev, relpath, kind, &it, err);
	pthread_mutex_unlock(&ev->mu);
	return rc;
}

int
hq_evidence_seal(struct hq_evidence *ev, struct hq_err *err)
{
	char abspath[PATH_MAX];
	size_t i;
	int rc = 0;

	pthread_mutex_lock(&ev->mu);
	for (i = 0; i < ev->nitems; i++) {
		struct ev_item *it = &ev->items[i];
		struct hq_err herr = { 0 };

		if (it->sealed)
			continue;
		snprintf(abspath, sizeof(abspath), "%s/%s", ev->root,
		    it->relpath);
		if (hq_sha256_file(abspath, it->sha256, &it->size,
		    &herr) != 0) {
			hq_warn("evidence %s: %s", it->relpath, herr.msg);
			it->missing = true;
			if (rc == 0)
				rc = hq_err_set(err, HQ_EIO, "evidence %s: %s",
				    it->relpath, herr.msg);
			continue;
		}
		it->sealed = true;
		it->missing = false;
	}
	pthread_mutex_unlock(&ev->mu);
	return rc;
}

cJSON *
hq_evidence_manifest(const struct hq_evidence *ev)
{
	cJSON *a = cJSON_CreateArray();
	size_t i;

	for (i = 0; a != NULL && i < ev->nitems; i++) {
		const struct ev_item *it = &ev->items[i];
		cJSON *o;

		if (!it->sealed)
			continue;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "path", it->relpath);
		cJSON_AddStringToObject(o, "kind", it->kind);
		cJSON_AddNumberToObject(o, "size", (double)it->size);
		cJSON_AddStringToObject(o, "sha256", it->sha256);
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

/* Transcripts. */

struct hq_transcript {
	char	*buf;
	size_t	 len;
	size_t	 max;
	bool	 cut;
	char	*secrets[SECRETS_MAX];
	size_t	 nsecrets;
};

struct hq_transcript *
hq_transcript_new(size_t max)
{
	struct hq_transcript *t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	if ((t->buf = malloc(max + 1)) == NULL) {
		free(t);
		return NULL;
	}
	t->max = max;
	t->buf[0] = '\0';
	return t;
}

void
hq_transcript_free(struct hq_transcript *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nsecrets; i++)
		hq_secret_free(t->secrets[i]);
	hq_secret_free(t->buf);
	free(t);
}

void
hq_transcript_redact(struct hq_transcript *t, const char *secret)
{
	size_t i;

	if (t == NULL || secret == NULL || secret[0] == '\0')
		return;
	for (i = 0; i < t->nsecrets; i++)
		if (strcmp(t->secrets[i], secret) == 0)
			return;
	if (t->nsecrets < SECRETS_MAX &&
	    (t->secrets[t->nsecrets] = strdup(secret)) != NULL)
		t->nsecrets++;
}

static void
tr_append(struct hq_transcript *t, const char *s, size_t n)
{
	if (t->cut)
		return;
	if (t->len + n > t->max) {
		t->cut = true;
		n = t->max - t->len;
	}
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	t->buf[t->len] = '\0';
}

void
hq_transcript_printf(struct hq_transcript *t, const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	int n;

	if (t == NULL)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	tr_append(t, line, (size_t)n < sizeof(line) ? (size_t)n :
	    sizeof(line) - 1);
}

void
hq_transcript_bytes(struct hq_transcript *t, const char *dir, const void *p,
    size_t len)
{
	char esc[4096];
	const char *s = p;
	size_t off = 0;

	if (t == NULL)
		return;
	/* Line by line, so that a reader sees the exchange as it was. */
	while (off < len && !t->cut) {
		const char *nl = memchr(s + off, '\n', len - off);
		size_t n = nl != NULL ? (size_t)(nl - (s + off)) : len - off;
		size_t shown = n > 1000 ? 1000 : n;

		if (shown > 0 && s[off + shown - 1] == '\r')
			shown--;
		hq_escape(esc, sizeof(esc), s + off, shown);
		hq_transcript_printf(t, "%s %s%s\n", dir, esc,
		    n > 1000 ? " [...]" : "");
		off += n + (nl != NULL ? 1 : 0);
	}
}

/* Replaces every occurrence of each secret with "***" in place. */
static void
tr_redact_all(struct hq_transcript *t)
{
	size_t i;

	for (i = 0; i < t->nsecrets; i++) {
		size_t sl = strlen(t->secrets[i]);
		char *p = t->buf;

		while ((p = memmem(p, t->len - (size_t)(p - t->buf),
		    t->secrets[i], sl)) != NULL) {
			if (sl < 3) {
				/* Never grows the text: mask in place. */
				memset(p, '*', sl);
				p += sl;
				continue;
			}
			memmove(p + 3, p + sl, t->len - (size_t)(p - t->buf) -
			    sl + 1);
			memcpy(p, "***", 3);
			t->len = t->len - sl + 3;
			p += 3;
		}
	}
}

int
hq_transcript_save(struct hq_transcript *t, struct hq_evidence *ev,
    const char *relpath, struct hq_err *err)
{
	if (t->cut)
		tr_append(t, "", 0);
	tr_redact_all(t);
	if (t->cut) {
		static const char note[] = "\n[transcript cut at its size "
		    "limit]\n";
		char *nb = realloc(t->buf, t->len + sizeof(note));

		if (nb != NULL) {
			t->buf = nb;
			memcpy(t->buf + t->len, note, sizeof(note));
			t->len += sizeof(note) - 1;
		}
	}
	return hq_evidence_write(ev, relpath, "transcript", t->buf, t->len,
	    err);
}
