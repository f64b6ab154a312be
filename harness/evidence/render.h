/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What is derived from report.json: report.html (one self-contained file:
 * inline CSS and SVG, no scripts, nothing fetched), junit.xml for CI
 * systems, and the in-toto Statement (test-result predicate) that
 * attestation.json wraps in a DSSE envelope.  Everything from the report
 * is escaped on the way out: DUT bytes reach it.
 */
#ifndef HQ_RENDER_H
#define HQ_RENDER_H

#include <stddef.h>

#include <cjson/cJSON.h>

struct hq_err;
struct hq_signer;

#define HQ_REPORT_FILE_MAX	(64u << 20)	/* report.json */
#define HQ_RENDER_OUT_MAX	(256u << 20)	/* report.html, junit.xml */
#define HQ_INTOTO_STATEMENT	"https://in-toto.io/Statement/v1"
#define HQ_INTOTO_TEST_RESULT	"https://in-toto.io/attestation/test-result/v0.1"

/* report.html from a parsed report.json; *outp (caller frees) is text. */
int	hq_render_html(const cJSON *report, char **outp, size_t *lenp,
	    struct hq_err *err);
/* junit.xml (Jenkins junit-10 schema): one testcase per test instance;
 * FAIL a failure, INCONCLUSIVE an error, NOT_APPLICABLE and NOT_RUN
 * skipped with the status in its message. */
int	hq_render_junit(const cJSON *report, char **outp, size_t *lenp,
	    struct hq_err *err);
/*
 * The in-toto Statement v1 (test-result predicate) for a report whose
 * report.json has SHA-256 report_sha256 (hex): subjects report.json and
 * every evidence file of the manifest.  A new tree (caller frees), NULL
 * when out of memory.
 */
cJSON	*hq_render_statement(const cJSON *report, const char *report_sha256);

#define HQ_OUTPUTS_FORMAT	"hopquy-outputs/1"

/* report.html and junit.xml from rundir/report.json (atomic writes). */
int	hq_render_docs(const char *rundir, struct hq_err *err);
/*
 * The same in two steps, for a report not yet on disk: rendered from
 * report.json's bytes (text, len: exactly what will be written), then
 * written (atomically, HTML first) once report.json is.  A run renders
 * while its evidence is being synced, before the report may be written.
 */
struct hq_docs {
	char	*html, *junit;
	size_t	 html_len, junit_len;
};
int	hq_render_docs_mem(const char *text, size_t len, struct hq_docs *d,
	    struct hq_err *err);
int	hq_docs_write(const char *rundir, const struct hq_docs *d,
	    struct hq_err *err);
void	hq_docs_free(struct hq_docs *d);
/*
 * Signs what rundir holds: report.json.p7s over report.json (time-stamped
 * when tsa_url is not NULL), attestation.json, then outputs.json (the
 * SHA-256 and size of report.json, report.html, junit.xml and
 * attestation.json) with its own detached signature outputs.json.p7s, so
 * an edited rendering fails `hopquy verify`.  On failure nothing of these
 * is left behind: no file claims a signature that was not made.
 */
int	hq_render_sign(const char *rundir, const struct hq_signer *s,
	    const char *tsa_url, struct hq_err *err);
/*
 * Sets report.json's authorisation.signature (what the report says of its
 * own signature: the signer, or null) and rewrites the file atomically
 * when that changes it.
 */
int	hq_render_set_signature(const char *rundir, const struct hq_signer *s,
	    struct hq_err *err);
/*
 * `hopquy render`: with a signer, the report's signature statement, then
 * report.html and junit.xml, then the signatures; each file is written
 * atomically.  A failed signature leaves report.json saying "unsigned".
 */
int	hq_render_outputs(const char *rundir, const struct hq_signer *s,
	    const char *tsa_url, struct hq_err *err);

#endif
