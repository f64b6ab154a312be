/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The evidence store: files under the run directory, written atomically,
 * each recorded with its kind, size and SHA-256 in the manifest.  Files
 * written incrementally (captures, audio) are registered when opened and
 * hashed when sealed; what is already on disk survives an abort.
 */
#ifndef HQ_EVIDENCE_H
#define HQ_EVIDENCE_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

struct hq_err;
struct hq_evidence;

/* A store rooted at rundir (which must exist). */
int	hq_evidence_new(const char *rundir, struct hq_evidence **evp,
	    struct hq_err *err);
void	hq_evidence_free(struct hq_evidence *ev);
const char *hq_evidence_root(const struct hq_evidence *ev);
/*
 * Writes p[0..len) atomically as relpath (subdirectories created), records
 * it.  kind: "transcript", "capture", "audio", "light", "log", ...
 */
int	hq_evidence_write(struct hq_evidence *ev, const char *relpath,
	    const char *kind, const void *p, size_t len, struct hq_err *err);
/*
 * Registers a file that something else writes (relpath), to be hashed by
 * hq_evidence_seal().  The absolute path goes to abspath.
 */
int	hq_evidence_register(struct hq_evidence *ev, const char *relpath,
	    const char *kind, char *abspath, size_t abspathsz,
	    struct hq_err *err);
/* Hashes every registered file not hashed yet (missing ones noted). */
int	hq_evidence_seal(struct hq_evidence *ev, struct hq_err *err);
/* The manifest: [{path, kind, size, sha256}], a new tree the caller frees. */
cJSON	*hq_evidence_manifest(const struct hq_evidence *ev);

/*
 * A transcript: lines of what was sent and received, with secrets already
 * redacted by the caller (hq_transcript_redact marks strings never to
 * appear).  Bounded: past max bytes it records that it was cut.
 */
struct hq_transcript;
struct hq_transcript *hq_transcript_new(size_t max);
void	hq_transcript_free(struct hq_transcript *t);
/* Every later and earlier occurrence of secret is replaced by "***". */
void	hq_transcript_redact(struct hq_transcript *t, const char *secret);
void	hq_transcript_printf(struct hq_transcript *t, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Appends bytes escaped (DUT data), with a direction prefix. */
void	hq_transcript_bytes(struct hq_transcript *t, const char *dir,
	    const void *p, size_t len);
/* Redacts and stores it as evidence relpath. */
int	hq_transcript_save(struct hq_transcript *t, struct hq_evidence *ev,
	    const char *relpath, struct hq_err *err);

#endif
