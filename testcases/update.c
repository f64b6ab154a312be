/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Family `update`: only genuine, signed, newer firmware is ever installed
 * (QCVN 135:2024 group 3; EN 303 645 5.3-7, 5.3-8 and 5.7; IEC 62443-4-2
 * CR 3.4).  The DUT file's update recipe says how an image is pushed, how
 * acceptance and refusal show, how the running version is read and how
 * to tell the device is alive.  Checks (param "check"):
 *
 *   tampered   every mutation hopquy makes from the genuine image (bit
 *              flips by region, truncations, zero length, junk, oversize,
 *              the format's own) is pushed; each must be refused by the
 *              answer, leave the version unchanged and the device alive.
 *              Then the genuine image must be installed (the control).
 *   genuine    the genuine image is installed and its version read back.
 *   rollback   once the genuine image runs, the older genuine image must
 *              be refused.
 *   channel    the push endpoint is HTTPS meeting the TLS policy (the
 *              TLS enumeration API of wire/tlsenum) and the same path is
 *              not served over cleartext HTTP.
 *   information documentary: the update information a manufacturer
 *              publishes needs an operator's assessment.
 *
 * Every attempt's image is evidence (SHA-256 in the manifest); an answer
 * that is not definite (5xx, reset, timeout) is never counted as refusal.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "family.h"
#include "signal/stimulus.h"
#include "util/jv.h"
#include "wire/fwimage.h"
#include "wire/fwpush.h"
#include "wire/fwserve.h"
#include "wire/net.h"
#include "wire/steps.h"
#include "wire/tlsenum.h"
#include "wire/wsstatus.h"

static const char *const update_keys[] = {
	"check", "mutations", "oversize_bytes", "retries", "min_version",
	"banned", "http_port", "handshake_timeout_ms", "probe_timeout_ms",
	"forbid_cleartext", "image", NULL
};
/* What is updated: the firmware (the DUT file's update recipe) or the
 * deployed AI model (ai.model.update, the same shape): a model file is an
 * update image too (VSTL draft: model integrity verification). */
static const char *const images[] = { "firmware", "model", NULL };
static const char *const checks[] = {
	"tampered", "genuine", "rollback", "channel", "information", NULL
};
static const char *const default_banned[] = {
	"NULL", "anon", "EXPORT", "RC4", "DES", "3DES", "MD5", NULL
};

struct upd_params {
	char		*check;
	char		**mutations;	/* NULL: all */
	size_t		 nmutations;
	long long	 oversize;
	long long	 retries;
	uint16_t	 min_version;
	uint32_t	 banned;
	long long	 http_port;
	long long	 hs_ms;
	long long	 probe_ms;
	bool		 forbid_cleartext;
	char		*image;		/* "firmware", "model" */
};

/* The DUT's update recipe, borrowed from the DUT's JSON. */
struct recipe {
	const char	*base;		/* "update" or "ai.model.update" */
	const cJSON	*pull;		/* pull mode, or NULL */
	const cJSON	*trigger;	/* pull: {command} */
	const cJSON	*submit;	/* push: a step */
	const char	*form_field;
	const char	*ctype;
	long		 timeout_ms;
	const cJSON	*acc_exit;	/* exit statuses, NULL: 0 */
	const cJSON	*rej_exit;	/* NULL: any but 0 */
	const cJSON	*acc_status;	/* statuses, NULL: 2xx */
	const char	*acc_contains;
	const cJSON	*rej_status;	/* or NULL: 4xx but 408, 429 */
	const char	*rej_contains;
	const cJSON	*stream;	/* outcome.status_stream, or NULL */
	const struct hq_surface *stream_sf;
	const cJSON	*version;	/* a step with capture.version */
	const char	*version_ptr;
	const cJSON	*health;	/* a step, or NULL */
	const struct hq_surface *health_tcp;
	long		 recover_ms;
	long		 settle_ms;
	char		 genuine[4096];
	char		 genuine_ver[HQ_FW_VERSION_MAX + 1];
	char		 older[4096];	/* "" when not declared */
	char		 older_ver[HQ_FW_VERSION_MAX + 1];
	enum hq_fw_format fmt;
	char		 cert[4096];	/* pull over TLS: the lab's */
	char		 key[4096];
	char		 bad_cert[4096];	/* the device must refuse */
	char		 bad_key[4096];
};

enum answer { ANS_NONE = 0, ANS_ACCEPTED, ANS_REFUSED };

struct attempt {
	char		 label[48];
	char		 rel[256];	/* the image (evidence) */
	char		 sha[65];
	uint64_t	 size;
	long		 status;
	enum answer	 ans;
	char		 said[160];	/* the answer, escaped */
	bool		 vb_ok, va_ok;
	char		 vb[HQ_FW_VERSION_MAX + 1];
	char		 va[HQ_FW_VERSION_MAX + 1];
	bool		 alive;
	double		 last_alive_s;	/* since the run began */
	double		 dead_at_s;	/* first unanswered check */
};

struct upd {
	struct hq_ctx		*ctx;
	struct hq_result	*res;
	const struct hq_case	*tc;
	struct upd_params	 p;
	struct recipe		 r;
	const cJSON		*u;		/* the recipe's JSON */
	struct hq_transcript	*tr;
	cJSON			*attempts;
	struct hq_fwserve	*srv;		/* pull mode */
	bool			 redirected;	/* bench redirect on */
	char			 dir[160];	/* evidence dir */
	unsigned		 n;
};

/* ---- parameters ---- */

static void
params_clear(struct upd_params *p)
{
	free(p->check);
	free(p->image);
	hq_strv_free(p->mutations, p->nmutations);
	memset(p, 0, sizeof(*p));
}

static int
params_read(const cJSON *params, struct upd_params *p, struct hq_err *err)
{
	char *minv = NULL, **banned = NULL;
	size_t nbanned = 0, i;
	int rc;

	memset(p, 0, sizeof(*p));
	if ((rc = hq_jv_keys(params, "", update_keys, err)) != 0 ||
	    (rc = hq_jv_enum(params, "", "check", true, checks, &p->check,
	    err)) != 0 ||
	    (rc = hq_jv_strv(params, "", "mutations", false, HQ_FW_MUT_MAX,
	    &p->mutations, &p->nmutations, err)) != 0 ||
	    (rc = hq_jv_int(params, "", "oversize_bytes", false, 0,
	    (long long)1 << 40, 16 << 20, &p->oversize, err)) != 0 ||
	    (rc = hq_jv_int(params, "", "retries", false, 0, 5, 1,
	    &p->retries, err)) != 0 ||
	    (rc = hq_jv_str(params, "", "min_version", false, 16, &minv,
	    err)) != 0 ||
	    (rc = hq_jv_strv(params, "", "banned", false, 16, &banned,
	    &nbanned, err)) != 0 ||
	    (rc = hq_jv_int(params, "", "http_port", false, 1, 65535, 80,
	    &p->http_port, err)) != 0 ||
	    (rc = hq_jv_int(params, "", "handshake_timeout_ms", false, 100,
	    60000, 5000, &p->hs_ms, err)) != 0 ||
	    (rc = hq_jv_int(params, "", "probe_timeout_ms", false, 100,
	    60000, 3000, &p->probe_ms, err)) != 0 ||
	    (rc = hq_jv_bool(params, "", "forbid_cleartext", false, true,
	    &p->forbid_cleartext, err)) != 0 ||
	    (rc = hq_jv_enum(params, "", "image", false, images, &p->image,
	    err)) != 0)
		goto out;
	p->min_version = HQ_TLS12;
	if (minv != NULL && hq_tls_version_parse(minv, &p->min_version) != 0) {
		rc = hq_err_set(err, HQ_EINVAL, "min_version: expected SSLv3, "
		    "TLSv1.0 .. TLSv1.3, got \"%.16s\"", minv);
		goto out;
	}
	if (banned == NULL)
		for (i = 0; default_banned[i] != NULL; i++) {
			uint32_t f = 0;

			hq_tls_flag_parse(default_banned[i], &f);
			p->banned |= f;
		}
	for (i = 0; i < nbanned; i++) {
		uint32_t f = 0;

		if (hq_tls_flag_parse(banned[i], &f) != 0) {
			rc = hq_err_set(err, HQ_EINVAL, "banned[%zu]: unknown "
			    "suite property \"%.32s\"", i, banned[i]);
			goto out;
		}
		p->banned |= f;
	}
 out:
	free(minv);
	hq_strv_free(banned, nbanned);
	return rc;
}

static int
update_check_params(const cJSON *params, struct hq_err *err)
{
	struct upd_params p;
	int rc;

	rc = params_read(params, &p, err);
	params_clear(&p);
	return rc;
}

/* ---- the recipe ---- */

static const char *
jstr(const cJSON *o, const char *key)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(it) ? it->valuestring : NULL;
}

static long
jlong(const cJSON *o, const char *key, long dflt)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(it) ? (long)it->valuedouble : dflt;
}

/* genuine / older: "PATH" or { "file": PATH, "version": V }. */
static int
image_ref(const struct hq_dut *dut, const char *base, const cJSON *it,
    const char *key, char *path, size_t pathsz, char *ver, size_t versz, struct hq_err *err)
{
	const char *f = NULL, *v = NULL;

	if (cJSON_IsString(it))
		f = it->valuestring;
	else if (cJSON_IsObject(it)) {
		f = jstr(it, "file");
		v = jstr(it, "version");
	}
	if (f == NULL)
		return hq_err_set(err, HQ_EINVAL, "%s.%s: expected a path "
		    "or {\"file\", \"version\"}", base, key);
	hq_dut_path(dut, f, path, pathsz);
	snprintf(ver, versz, "%s", v != NULL ? v : "");
	return 0;
}

static int
recipe_read(const struct hq_dut *dut, const cJSON *u, const char *base,
    struct recipe *r, struct hq_err *err)
{
	const cJSON *sub, *out, *acc, *rej, *h, *cap;
	const char *fmt;
	struct hq_fw_info info;
	int rc;

	memset(r, 0, sizeof(*r));
	r->base = base;
	if (u == NULL)
		return hq_err_set(err, HQ_EINVAL, "the DUT description has no "
		    "update recipe");
	sub = cJSON_GetObjectItemCaseSensitive(u, "submit");
	r->pull = cJSON_GetObjectItemCaseSensitive(u, "pull");
	r->trigger = cJSON_GetObjectItemCaseSensitive(u, "trigger");
	r->submit = cJSON_GetObjectItemCaseSensitive(sub, "request");
	if (r->pull != NULL && (jstr(r->pull, "listen") == NULL ||
	    r->trigger == NULL))
		return hq_err_set(err, HQ_EINVAL, "%s.pull: a listen "
		    "address and a trigger are needed", r->base);
	if (r->pull == NULL && (r->submit == NULL ||
	    jstr(r->submit, "surface") == NULL ||
	    jstr(r->submit, "path") == NULL))
		return hq_err_set(err, HQ_EINVAL, "%s.submit.request: a "
		    "step with surface, method and path is needed", r->base);
	if (r->pull != NULL && jstr(r->pull, "cert") != NULL) {
		hq_dut_path(dut, jstr(r->pull, "cert"), r->cert,
		    sizeof(r->cert));
		hq_dut_path(dut, jstr(r->pull, "key") != NULL ?
		    jstr(r->pull, "key") : jstr(r->pull, "cert"), r->key,
		    sizeof(r->key));
	}
	if (r->pull != NULL && jstr(r->pull, "untrusted_cert") != NULL) {
		hq_dut_path(dut, jstr(r->pull, "untrusted_cert"), r->bad_cert,
		    sizeof(r->bad_cert));
		hq_dut_path(dut, jstr(r->pull, "untrusted_key") != NULL ?
		    jstr(r->pull, "untrusted_key") :
		    jstr(r->pull, "untrusted_cert"), r->bad_key,
		    sizeof(r->bad_key));
	}
	r->form_field = jstr(sub, "form_field");
	r->ctype = jstr(sub, "content_type");
	r->timeout_ms = jlong(sub, "timeout_ms", 300000);
	out = cJSON_GetObjectItemCaseSensitive(u, "outcome");
	acc = cJSON_GetObjectItemCaseSensitive(out, "accepted");
	rej = cJSON_GetObjectItemCaseSensitive(out, "rejected");
	r->acc_exit = cJSON_GetObjectItemCaseSensitive(acc, "exit");
	r->rej_exit = cJSON_GetObjectItemCaseSensitive(rej, "exit");
	r->acc_status = cJSON_GetObjectItemCaseSensitive(acc, "status");
	r->acc_contains = jstr(acc, "contains");
	r->rej_status = cJSON_GetObjectItemCaseSensitive(rej, "status");
	r->rej_contains = jstr(rej, "contains");
	r->settle_ms = jlong(out, "settle_ms", 0);
	if ((r->stream = cJSON_GetObjectItemCaseSensitive(out,
	    "status_stream")) != NULL && (r->stream_sf = hq_dut_surface(dut,
	    jstr(r->stream, "surface") != NULL ? jstr(r->stream, "surface") :
	    "")) == NULL)
		return hq_err_set(err, HQ_EINVAL, "%s.outcome."
		    "status_stream.surface: not a declared surface", r->base);
	r->version = cJSON_GetObjectItemCaseSensitive(out, "version");
	cap = cJSON_GetObjectItemCaseSensitive(r->version, "capture");
	if (r->version == NULL || (r->version_ptr = jstr(cap, "version")) ==
	    NULL)
		return hq_err_set(err, HQ_EINVAL, "%s.outcome.version: a "
		    "step with capture.version (a JSON pointer) is needed: "
		    "without reading the version no verdict is possible", r->base);
	h = cJSON_GetObjectItemCaseSensitive(u, "health");
	r->health = cJSON_GetObjectItemCaseSensitive(h, "request");
	if (jstr(h, "tcp") != NULL &&
	    (r->health_tcp = hq_dut_surface(dut, jstr(h, "tcp"))) == NULL)
		return hq_err_set(err, HQ_EINVAL, "%s.health.tcp: not a "
		    "declared surface", r->base);
	if (r->health == NULL && r->health_tcp == NULL)
		return hq_err_set(err, HQ_EINVAL, "%s.health: a request "
		    "step or a tcp surface is needed", r->base);
	r->recover_ms = jlong(h, "recover_ms", 30000);
	fmt = jstr(u, "format");
	if (fmt != NULL && hq_fw_format_parse(fmt, &r->fmt) != 0)
		return hq_err_set(err, HQ_EINVAL, "%s.format: \"%.32s\" "
		    "is not one hopquy knows (opaque, hqfw, swu, raucb)", r->base,
		    fmt);
	if ((rc = image_ref(dut, r->base, cJSON_GetObjectItemCaseSensitive(u,
	    "genuine"), "genuine", r->genuine, sizeof(r->genuine),
	    r->genuine_ver, sizeof(r->genuine_ver), err)) != 0)
		return rc;
	if ((rc = hq_fw_inspect(r->genuine, r->fmt, &info, err)) != 0)
		return rc;
	if (r->genuine_ver[0] == '\0')
		snprintf(r->genuine_ver, sizeof(r->genuine_ver), "%s",
		    info.version);
	if (r->genuine_ver[0] == '\0')
		return hq_err_set(err, HQ_EINVAL, "%s.genuine.version: "
		    "needed for an opaque image", r->base);
	if (cJSON_GetObjectItemCaseSensitive(u, "older") != NULL) {
		if ((rc = image_ref(dut, r->base, cJSON_GetObjectItemCaseSensitive(u,
		    "older"), "older", r->older, sizeof(r->older),
		    r->older_ver, sizeof(r->older_ver), err)) != 0 ||
		    (rc = hq_fw_inspect(r->older, r->fmt, &info, err)) != 0)
			return rc;
		if (r->older_ver[0] == '\0')
			snprintf(r->older_ver, sizeof(r->older_ver), "%s",
			    info.version);
	}
	return 0;
}

/* ---- observations ---- */

static double
run_s(const struct upd *U)
{
	return (double)(hq_mono_ns() - U->ctx->t0_ns) / 1e9;
}

/* RFC 6901 on a parsed tree; NULL when absent. */
static const cJSON *
jpointer(const cJSON *root, const char *ptr)
{
	const cJSON *cur = root;
	char tok[256];
	size_t n;

	if (*ptr == '\0')
		return root;
	if (*ptr != '/')
		return NULL;
	while (*ptr == '/' && cur != NULL) {
		ptr++;
		for (n = 0; *ptr != '\0' && *ptr != '/' && n < sizeof(tok) - 1;
		    ptr++) {
			if (*ptr == '~' && (ptr[1] == '0' || ptr[1] == '1')) {
				tok[n++] = ptr[1] == '0' ? '~' : '/';
				ptr++;
			} else
				tok[n++] = *ptr;
		}
		tok[n] = '\0';
		if (cJSON_IsArray(cur)) {
			char *end;
			long i = strtol(tok, &end, 10);

			cur = *end == '\0' && n > 0 ? cJSON_GetArrayItem(cur,
			    (int)i) : NULL;
		} else
			cur = cJSON_GetObjectItemCaseSensitive(cur, tok);
	}
	return cur;
}

#define CMD_ARGS_MAX	64
#define CMD_OUT_MAX	(64u * 1024)

/* arg with every "{url}" replaced (caller frees). */
static char *
subst_url(const char *arg, const char *url)
{
	const char *m = url != NULL ? strstr(arg, "{url}") : NULL;
	size_t n;
	char *out;

	if (m == NULL)
		return strdup(arg);
	n = strlen(arg) - 5 + strlen(url) + 1;
	if ((out = malloc(n)) == NULL)
		return NULL;
	snprintf(out, n, "%.*s%s%s", (int)(m - arg), arg, url, m + 5);
	return out;
}

struct cmd_out {
	int	 exit;		/* -1: killed (deadline) or signalled */
	char	*out;		/* stdout, NUL-terminated, capped */
	size_t	 len;
	char	*err;		/* stderr, the same */
	size_t	 elen;
};

static void
cmd_out_clear(struct cmd_out *c)
{
	free(c->out);
	free(c->err);
	memset(c, 0, sizeof(*c));
}

static void
drain(int fd, char **bufp, size_t *lenp, bool *open)
{
	char tmp[4096];
	ssize_t r = read(fd, tmp, sizeof(tmp));
	char *np;

	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (r <= 0) {
		*open = false;
		return;
	}
	if (*lenp + (size_t)r > CMD_OUT_MAX)
		return;		/* capped: read and dropped */
	if ((np = realloc(*bufp, *lenp + (size_t)r + 1)) == NULL)
		return;
	memcpy(np + *lenp, tmp, (size_t)r);
	*bufp = np;
	*lenp += (size_t)r;
	np[*lenp] = '\0';
}

/*
 * A declared command (argv as JSON strings, "{url}" substituted), run on
 * the lab host with its output captured and a deadline: killed when it
 * passes.  The device decides nothing here; the caller reads exit and
 * output.
 */
static int
run_cmd(struct upd *U, const cJSON *argv, const char *url, long timeout_ms,
    struct cmd_out *co, struct hq_err *err)
{
	char *av[CMD_ARGS_MAX + 1];
	const cJSON *it;
	struct hq_deadline dl = hq_deadline_min(U->ctx->deadline,
	    hq_deadline_in(timeout_ms));
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 }, st = 0, rc = 0;
	bool oo = true, eo = true, killed = false;
	size_t n = 0, i;
	pid_t pid = -1;

	memset(co, 0, sizeof(*co));
	co->exit = -1;
	cJSON_ArrayForEach(it, argv) {
		if (!cJSON_IsString(it) || n >= CMD_ARGS_MAX) {
			rc = hq_err_set(err, HQ_EINVAL, "command: at most %d "
			    "string arguments", CMD_ARGS_MAX);
			goto out;
		}
		if ((av[n++] = subst_url(it->valuestring, url)) == NULL) {
			rc = hq_err_set(err, HQ_ENOMEM, "no memory");
			goto out;
		}
	}
	av[n] = NULL;
	if (n == 0) {
		rc = hq_err_set(err, HQ_EINVAL, "command: empty");
		goto out;
	}
	hq_transcript_printf(U->tr, "$");
	for (i = 0; i < n; i++)
		hq_transcript_printf(U->tr, " %s", av[i]);
	hq_transcript_printf(U->tr, "\n");
	if (pipe2(po, O_CLOEXEC) != 0 || pipe2(pe, O_CLOEXEC) != 0) {
		rc = hq_err_sys(err, "pipe");
		goto out;
	}
	if ((pid = fork()) < 0) {
		rc = hq_err_sys(err, "fork");
		goto out;
	}
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY);

		if (nul >= 0)
			dup2(nul, 0);
		dup2(po[1], 1);
		dup2(pe[1], 2);
		setpgid(0, 0);
		execvp(av[0], av);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	po[1] = pe[1] = -1;
	fcntl(po[0], F_SETFL, O_NONBLOCK);
	fcntl(pe[0], F_SETFL, O_NONBLOCK);
	while (oo || eo) {
		struct pollfd p[2] = { { oo ? po[0] : -1, POLLIN, 0 },
		    { eo ? pe[0] : -1, POLLIN, 0 } };
		int ms = hq_deadline_poll_ms(dl);

		if (ms == 0 || hq_interrupted) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			killed = true;
			break;
		}
		if (poll(p, 2, ms < 0 || ms > 500 ? 500 : ms) < 0 &&
		    errno != EINTR)
			break;
		if (oo && (p[0].revents & (POLLIN | POLLHUP)) != 0)
			drain(po[0], &co->out, &co->len, &oo);
		if (eo && (p[1].revents & (POLLIN | POLLHUP)) != 0)
			drain(pe[0], &co->err, &co->elen, &eo);
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!killed && WIFEXITED(st))
		co->exit = WEXITSTATUS(st);
	hq_transcript_printf(U->tr, "<- exit %d%s\n", co->exit,
	    killed ? " (killed at its deadline)" : "");
	if (co->out != NULL)
		hq_transcript_bytes(U->tr, "1> ", co->out, co->len < 4096 ?
		    co->len : 4096);
	if (co->err != NULL)
		hq_transcript_bytes(U->tr, "2> ", co->err, co->elen < 4096 ?
		    co->elen : 4096);
	hq_transcript_printf(U->tr, "\n");
	if (hq_interrupted)
		rc = hq_err_set(err, HQ_EINTR, "interrupted");
 out:
	for (i = 0; i < n; i++)
		free(av[i]);
	for (i = 0; i < 2; i++) {
		if (po[i] >= 0)
			close(po[i]);
		if (pe[i] >= 0)
			close(pe[i]);
	}
	return rc;
}

/* The running version by the recipe's step; 0 or HQ_EPROTO / transport. */
static int
read_version(struct upd *U, char *ver, size_t versz, struct hq_err *err)
{
	char *body = NULL;
	size_t len = 0;
	long status = 0;
	cJSON *doc = NULL;
	const cJSON *v;
	int rc;

	ver[0] = '\0';
	if (cJSON_GetObjectItemCaseSensitive(U->r.version, "command") !=
	    NULL) {
		struct cmd_out co;

		if ((rc = run_cmd(U, cJSON_GetObjectItemCaseSensitive(
		    U->r.version, "command"), NULL, jlong(U->r.version,
		    "timeout_ms", 15000), &co, err)) != 0) {
			cmd_out_clear(&co);
			return rc;
		}
		if (co.exit != 0) {
			rc = hq_err_set(err, HQ_EPROTO, "version read: exit "
			    "%d", co.exit);
			cmd_out_clear(&co);
			return rc;
		}
		body = co.out;
		len = co.len;
		co.out = NULL;
		cmd_out_clear(&co);
		status = 200;
		if (body == NULL) {
			rc = hq_err_set(err, HQ_EPROTO, "version read: no "
			    "output");
			goto out;
		}
	} else if ((rc = hq_alarm_http_step(U->ctx->dut, U->r.version,
	    hq_deadline_min(U->ctx->deadline, hq_deadline_in(15000)), U->tr,
	    &body, &len, &status, err)) != 0)
		goto out;
	if (status < 200 || status > 299) {
		rc = hq_err_set(err, HQ_EPROTO, "version read: status %ld",
		    status);
		goto out;
	}
	if ((doc = cJSON_ParseWithLength(body, len)) == NULL ||
	    (v = jpointer(doc, U->r.version_ptr)) == NULL) {
		rc = hq_err_set(err, HQ_EPROTO, "version read: no %s in the "
		    "answer", U->r.version_ptr);
		goto out;
	}
	if (cJSON_IsString(v))
		hq_escape(ver, versz, v->valuestring, strlen(v->valuestring));
	else if (cJSON_IsNumber(v))
		snprintf(ver, versz, "%g", v->valuedouble);
	else
		rc = hq_err_set(err, HQ_EPROTO, "version read: %s is %s",
		    U->r.version_ptr, hq_jv_typename(v));
 out:
	cJSON_Delete(doc);
	free(body);
	return rc;
}

/* One health probe: true when the device answered as the recipe says. */
static bool
health_once(struct upd *U)
{
	struct hq_err herr = { 0 };
	char *body = NULL;
	size_t len;
	long status = 0;
	int fd = -1;
	bool ok;

	if (U->r.health != NULL &&
	    cJSON_GetObjectItemCaseSensitive(U->r.health, "command") != NULL) {
		struct cmd_out co;

		ok = run_cmd(U, cJSON_GetObjectItemCaseSensitive(U->r.health,
		    "command"), NULL, jlong(U->r.health, "timeout_ms", 10000),
		    &co, &herr) == 0 && co.exit == 0;
		cmd_out_clear(&co);
		return ok;
	}
	if (U->r.health != NULL) {
		ok = hq_alarm_http_step(U->ctx->dut, U->r.health,
		    hq_deadline_min(U->ctx->deadline, hq_deadline_in(5000)),
		    U->tr, &body, &len, &status, &herr) == 0 &&
		    status >= 200 && status <= 299;
		free(body);
		return ok;
	}
	ok = hq_net_connect(U->ctx->dut->address, U->r.health_tcp->port,
	    hq_deadline_min(U->ctx->deadline, hq_deadline_in(5000)), &fd,
	    &herr) == 0;
	if (fd >= 0)
		close(fd);
	hq_transcript_printf(U->tr, "-- tcp %s:%u: %s\n",
	    U->ctx->dut->address, U->r.health_tcp->port, ok ? "connected" :
	    herr.msg);
	return ok;
}

/* Alive within the recovery wait?  a->alive, a->dead_at_s. */
static int
health(struct upd *U, struct attempt *a)
{
	struct hq_deadline dl = hq_deadline_min(U->ctx->deadline,
	    hq_deadline_in(U->r.recover_ms));
	bool first = true;

	for (;;) {
		if (health_once(U)) {
			a->alive = true;
			a->last_alive_s = run_s(U);
			return 0;
		}
		if (first)
			a->dead_at_s = run_s(U);
		first = false;
		if (hq_deadline_passed(dl))
			break;
		if (hq_sleep_ms(500) != 0)
			return HQ_EINTR;
	}
	a->alive = false;
	return 0;
}

static bool
status_in(const cJSON *list, long status, bool dflt)
{
	const cJSON *it;

	if (!cJSON_IsArray(list))
		return dflt;
	cJSON_ArrayForEach(it, list)
		if (cJSON_IsNumber(it) && (long)it->valuedouble == status)
			return true;
	return false;
}

/* The answer as the recipe reads it; a 5xx or no answer is no verdict. */
static enum answer
judge_answer(const struct recipe *r, const struct hq_fwpush_res *pr)
{
	long s = pr->status;
	const char *body = pr->body != NULL ? pr->body : "";

	if (s == 0)
		return ANS_NONE;
	if (status_in(r->acc_status, s, s >= 200 && s <= 299) &&
	    (r->acc_contains == NULL || strstr(body, r->acc_contains) != NULL))
		return ANS_ACCEPTED;
	/* 401 and 407 refuse us, not the image; 408 and 429 are "later". */
	if (status_in(r->rej_status, s, s >= 400 && s <= 499 && s != 401 &&
	    s != 407 && s != 408 && s != 429) && (r->rej_contains == NULL ||
	    strstr(body, r->rej_contains) != NULL))
		return ANS_REFUSED;
	return ANS_NONE;
}

static bool
has(const char *a, const char *b, const char *needle)
{
	return needle == NULL || (a != NULL && strstr(a, needle) != NULL) ||
	    (b != NULL && strstr(b, needle) != NULL);
}

/* A trigger command's result as the recipe reads it. */
static enum answer
judge_cmd(const struct recipe *r, const struct cmd_out *co)
{
	if (co->exit < 0)
		return ANS_NONE;
	if (status_in(r->acc_exit, co->exit, co->exit == 0) &&
	    has(co->out, co->err, r->acc_contains))
		return ANS_ACCEPTED;
	if (status_in(r->rej_exit, co->exit, co->exit != 0) &&
	    has(co->out, co->err, r->rej_contains))
		return ANS_REFUSED;
	return ANS_NONE;
}

static long
authmask(const char *auth)
{
	if (auth == NULL || strcmp(auth, "operator") == 0)
		return CURLAUTH_DIGEST | CURLAUTH_BASIC;
	if (strcmp(auth, "basic") == 0)
		return CURLAUTH_BASIC;
	if (strcmp(auth, "digest") == 0)
		return CURLAUTH_DIGEST;
	return 0;
}

static void
url_of(const struct hq_dut *dut, const char *proto, unsigned port,
    const char *path, char *url, size_t urlsz)
{
	bool v6 = strchr(dut->address, ':') != NULL;

	snprintf(url, urlsz, "%s://%s%s%s:%u%s", proto, v6 ? "[" : "",
	    dut->address, v6 ? "]" : "", port, path);
}

static int
push(struct upd *U, const char *abs, struct hq_fwpush_res *pr,
    struct hq_err *err)
{
	const struct hq_dut *dut = U->ctx->dut;
	const struct hq_surface *sf = hq_dut_surface(dut,
	    jstr(U->r.submit, "surface"));
	struct hq_fwpush_opts o = { 0 };
	char url[1400];
	long mask;

	if (sf == NULL)
		return hq_err_set(err, HQ_EINVAL, "%s.submit: surface "
		    "not declared", U->r.base);
	url_of(dut, sf->tls ? "https" : "http", sf->port,
	    jstr(U->r.submit, "path"), url, sizeof(url));
	o.url = url;
	o.method = jstr(U->r.submit, "method") != NULL ?
	    jstr(U->r.submit, "method") : "POST";
	o.form_field = U->r.form_field;
	o.content_type = U->r.ctype;
	if ((mask = authmask(jstr(U->r.submit, "auth"))) != 0) {
		o.user = dut->op_user;
		o.password = dut->op_password;
		o.authmask = mask;
	}
	o.connect_timeout_ms = 5000;
	o.timeout_ms = (int)U->r.timeout_ms;
	hq_transcript_printf(U->tr, "-> %s %s (%s)\n", o.method, url, abs);
	return hq_fwpush(&o, abs, U->ctx->deadline, pr, err);
}

static const char *const *
strlist(const cJSON *arr, const char **v, size_t max, const char *dflt)
{
	const cJSON *it;
	size_t n = 0;

	cJSON_ArrayForEach(it, arr)
		if (cJSON_IsString(it) && n + 1 < max)
			v[n++] = it->valuestring;
	if (n == 0)
		v[n++] = dflt;
	v[n] = NULL;
	return v;
}

static int
stream_open(struct upd *U, struct hq_wsstat **wp, struct hq_err *err)
{
	struct hq_wsstat_opts o = { 0 };

	o.addr = U->ctx->dut->address;
	o.port = U->r.stream_sf->port;
	o.tls = U->r.stream_sf->tls;
	o.path = jstr(U->r.stream, "path") != NULL ?
	    jstr(U->r.stream, "path") : "/";
	o.type_ptr = jstr(U->r.stream, "type_pointer");
	o.type_value = jstr(U->r.stream, "type");
	o.status_ptr = jstr(U->r.stream, "status_pointer") != NULL ?
	    jstr(U->r.stream, "status_pointer") : "/status";
	return hq_wsstat_open(&o, hq_deadline_min(U->ctx->deadline,
	    hq_deadline_in(10000)), wp, err);
}

/* Success or failure as the stream says, within its timeout. */
static enum answer
stream_verdict(struct upd *U, struct hq_wsstat *ws, char *final,
    size_t finalsz)
{
	const char *succ[9], *fail[9], *all[17];
	struct hq_err serr = { 0 };
	size_t i, n = 0;
	enum answer ans = ANS_NONE;

	strlist(cJSON_GetObjectItemCaseSensitive(U->r.stream, "success"),
	    succ, 9, "SUCCESS");
	strlist(cJSON_GetObjectItemCaseSensitive(U->r.stream, "failure"),
	    fail, 9, "FAILURE");
	for (i = 0; succ[i] != NULL; i++)
		all[n++] = succ[i];
	for (i = 0; fail[i] != NULL; i++)
		all[n++] = fail[i];
	all[n] = NULL;
	if (hq_wsstat_wait(ws, all, hq_deadline_min(U->ctx->deadline,
	    hq_deadline_in(jlong(U->r.stream, "timeout_ms", 60000))), final,
	    finalsz, &serr) == 0) {
		for (i = 0; succ[i] != NULL; i++)
			if (strcmp(final, succ[i]) == 0)
				ans = ANS_ACCEPTED;
		for (i = 0; fail[i] != NULL; i++)
			if (strcmp(final, fail[i]) == 0)
				ans = ANS_REFUSED;
	} else
		hq_transcript_printf(U->tr, "-- status stream: %s\n",
		    serr.msg);
	hq_transcript_printf(U->tr, "<- status stream:\n%s",
	    hq_wsstat_log(ws));
	return ans;
}

static void
pull_url(const struct upd *U, bool tls, const char *urlpath, char *url,
    size_t urlsz)
{
	snprintf(url, urlsz, "%s://%s:%ld%s", tls ? "https" : "http",
	    jstr(U->r.pull, "listen"), tls ? jlong(U->r.pull, "tls_port",
	    8443) : jlong(U->r.pull, "port", 8000), urlpath);
}

static void
trig_trace(void *arg, const char *line)
{
	hq_transcript_printf(arg, "%s\n", line);
}

/*
 * Tells the device to fetch url: update.trigger's command (its exit
 * status and output are the answer) or its request step ({url} set; the
 * HTTP answer judged as a push's).  *codep: the exit or HTTP status (-1
 * or 0: none).  Negative only for harness errors; no answer is ANS_NONE.
 */
static int
trigger(struct upd *U, const char *url, enum answer *ansp, long *codep,
    char *said, size_t saidsz, struct hq_err *err)
{
	const cJSON *rq = cJSON_GetObjectItemCaseSensitive(U->r.trigger,
	    "request");
	long tmo = jlong(U->r.trigger, "timeout_ms", 300000);
	struct hq_steps_cfg cfg = { 0 };
	struct hq_fwpush_res pr = { 0 };
	struct hq_steps *s = NULL;
	struct hq_step_out out;
	struct hq_err terr = { 0 };
	struct cmd_out co;
	char esc[128], where[64];
	int rc;

	*ansp = ANS_NONE;
	*codep = -1;
	said[0] = '\0';
	if (rq == NULL) {
		if (cJSON_GetObjectItemCaseSensitive(U->r.trigger,
		    "command") == NULL)
			return hq_err_set(err, HQ_EINVAL, "%s.trigger: a "
			    "command or a request is needed", U->r.base);
		if ((rc = run_cmd(U, cJSON_GetObjectItemCaseSensitive(
		    U->r.trigger, "command"), url, tmo, &co, err)) != 0) {
			cmd_out_clear(&co);
			return rc;
		}
		*codep = co.exit;
		*ansp = judge_cmd(&U->r, &co);
		snprintf(said, saidsz, "trigger exit %d", co.exit);
		cmd_out_clear(&co);
		return 0;
	}
	cfg.dut = U->ctx->dut;
	cfg.timeout_ms = (int)tmo;
	cfg.trace = trig_trace;
	cfg.trace_arg = U->tr;
	if ((rc = hq_steps_new(&cfg, &s, err)) != 0 ||
	    (rc = hq_steps_set(s, "url", url, false, err)) != 0)
		goto out;
	snprintf(where, sizeof(where), "%s.trigger.request", U->r.base);
	rc = hq_steps_run_one(s, rq, where,
	    hq_deadline_min(U->ctx->deadline, hq_deadline_in(tmo)), &out,
	    &pr.body, &pr.body_len, &terr);
	*codep = out.status;
	if (rc == HQ_EINTR || rc == HQ_ENOMEM) {
		rc = hq_err_set(err, rc, "%s", terr.msg);
		goto out;
	}
	if (rc == 0) {
		pr.status = out.status;
		*ansp = judge_answer(&U->r, &pr);
		hq_escape(esc, sizeof(esc), pr.body, pr.body_len < 100 ?
		    pr.body_len : 100);
		snprintf(said, saidsz, "trigger HTTP %ld: %s", out.status,
		    esc);
	} else if (rc == HQ_STEPS_UNMET)
		snprintf(said, saidsz, "trigger: %s (no verdict)", out.why);
	else
		snprintf(said, saidsz, "trigger: %s (no verdict)", terr.msg);
	rc = 0;
 out:
	hq_steps_free(s);
	free(pr.body);
	return rc;
}

/* Pull mode: the image served by hopquy, the device told to fetch it. */
static int
pull(struct upd *U, const char *abs, struct attempt *a, struct hq_err *err)
{
	struct hq_fwserve_stats st;
	char urlpath[160], url[512], said[200];
	int rc;

	snprintf(urlpath, sizeof(urlpath), "/hq/%u-%s.bin", U->n, a->label);
	pull_url(U, U->r.cert[0] != '\0', urlpath, url, sizeof(url));
	if ((rc = hq_fwserve_set(U->srv, abs, urlpath, err)) != 0)
		return rc;
	hq_transcript_printf(U->tr, "-- serving %s at %s\n", abs, url);
	rc = trigger(U, url, &a->ans, &a->status, said, sizeof(said), err);
	hq_fwserve_stats(U->srv, &st);
	(void)hq_fwserve_set(U->srv, NULL, NULL, NULL);
	if (rc != 0)
		return rc;
	snprintf(a->said, sizeof(a->said), "%s; fetched %u time%s (%u "
	    "whole, %llu bytes) by %s", said, st.requests,
	    st.requests == 1 ? "" : "s", st.complete,
	    (unsigned long long)st.bytes, st.peer[0] ? st.peer : "nobody");
	hq_transcript_printf(U->tr, "-- %s\n", a->said);
	return 0;
}

/*
 * One attempt: version before, push, answer, settle, health (with the
 * recovery wait), version after.  Negative only for harness errors.
 */
static int
attempt(struct upd *U, const char *label, const char *abs,
    struct attempt *a, struct hq_err *err)
{
	struct hq_fwpush_res pr = { 0 };
	struct hq_err verr = { 0 };
	cJSON *j;
	int rc, tries;

	snprintf(a->label, sizeof(a->label), "%s", label);
	hq_transcript_printf(U->tr, "\n== attempt %u: %s (sha256 %s, %llu "
	    "bytes)\n", U->n, label, a->sha, (unsigned long long)a->size);
	a->vb_ok = read_version(U, a->vb, sizeof(a->vb), &verr) == 0;
	if (!a->vb_ok) {
		hq_transcript_printf(U->tr, "-- version before: %s\n",
		    verr.msg);
		if ((rc = health(U, a)) != 0)
			return hq_err_set(err, rc, "interrupted");
		/* Not this attempt's doing: no verdict on the device. */
		if (!a->alive)
			return hq_err_set(err, HQ_EUNREACH, "the device did "
			    "not answer before %s was sent (%s)", label,
			    verr.msg);
	}
	for (tries = 0; tries <= U->p.retries; tries++) {
		struct hq_wsstat *ws = NULL;
		struct hq_err serr = { 0 };
		char final[32] = "";

		hq_fwpush_res_clear(&pr);
		if (U->r.stream != NULL &&
		    (rc = stream_open(U, &ws, &serr)) != 0) {
			hq_transcript_printf(U->tr, "-- status stream: %s\n",
			    serr.msg);
			if (rc == HQ_EINTR)
				return hq_err_set(err, rc, "interrupted");
		}
		if (U->r.pull != NULL) {
			rc = pull(U, abs, a, err);
			hq_wsstat_close(ws);
			if (rc != 0)
				return rc;
			goto judged;
		}
		if ((rc = push(U, abs, &pr, err)) != 0) {
			hq_wsstat_close(ws);
			return rc;
		}
		a->status = pr.status;
		a->ans = judge_answer(&U->r, &pr);
		if (U->r.stream != NULL) {
			/* The stream decides; the upload's answer does not. */
			a->ans = ANS_NONE;
			if (ws != NULL)
				a->ans = stream_verdict(U, ws, final,
				    sizeof(final));
			hq_wsstat_close(ws);
		}
		if (U->r.stream != NULL)
			snprintf(a->said, sizeof(a->said), "status stream: %s",
			    final[0] != '\0' ? final : "no final status");
		else if (pr.status != 0)
			hq_escape(a->said, sizeof(a->said), pr.body,
			    pr.body_len < 120 ? pr.body_len : 120);
		else
			snprintf(a->said, sizeof(a->said), "no answer: %s",
			    pr.transport);
		hq_transcript_printf(U->tr, "<- %ld after %lld ms, %llu bytes "
		    "sent%s%s: ", pr.status, (long long)pr.ms,
		    (unsigned long long)pr.sent, pr.transport[0] ? ", " : "",
		    pr.transport);
		hq_transcript_bytes(U->tr, "", pr.body != NULL ? pr.body : "",
		    pr.body_len < 2048 ? pr.body_len : 2048);
		hq_transcript_printf(U->tr, "\n");
 judged:
		if (U->r.settle_ms > 0 && hq_sleep_ms(U->r.settle_ms) != 0)
			return hq_err_set(err, HQ_EINTR, "interrupted");
		if ((rc = health(U, a)) != 0)
			return hq_err_set(err, rc, "interrupted");
		/* Retry only a no-verdict answer on a live device. */
		if (a->ans != ANS_NONE || !a->alive)
			break;
	}
	if (a->alive) {
		hq_err_clear(&verr);
		a->va_ok = read_version(U, a->va, sizeof(a->va), &verr) == 0;
		if (!a->va_ok)
			hq_transcript_printf(U->tr, "-- version after: %s\n",
			    verr.msg);
	}
	hq_fwpush_res_clear(&pr);
	if (a->rel[0] != '\0')
		hq_result_evidence(U->res, a->rel);
	j = cJSON_CreateObject();
	cJSON_AddNumberToObject(j, "n", U->n);
	cJSON_AddStringToObject(j, "image", a->label);
	cJSON_AddStringToObject(j, "file", a->rel);
	cJSON_AddStringToObject(j, "sha256", a->sha);
	cJSON_AddNumberToObject(j, "size", (double)a->size);
	cJSON_AddNumberToObject(j, "status", (double)a->status);
	cJSON_AddStringToObject(j, "answer", a->ans == ANS_ACCEPTED ?
	    "accepted" : a->ans == ANS_REFUSED ? "refused" : "no verdict");
	cJSON_AddStringToObject(j, "said", a->said);
	cJSON_AddStringToObject(j, "version_before", a->vb_ok ? a->vb : "");
	cJSON_AddStringToObject(j, "version_after", a->va_ok ? a->va : "");
	cJSON_AddBoolToObject(j, "alive", a->alive);
	if (!a->alive)
		cJSON_AddNumberToObject(j, "dead_at_s", a->dead_at_s);
	cJSON_AddItemToArray(U->attempts, j);
	U->n++;
	return 0;
}

/* Registers evidence rel for an image and gives its absolute path. */
static int
image_path(struct upd *U, const char *name, char *rel, size_t relsz,
    char *abs, size_t abssz, struct hq_err *err)
{
	snprintf(rel, relsz, "%s/%02u-%s.bin", U->dir, U->n, name);
	return hq_evidence_register(U->ctx->ev, rel, "image", abs, abssz, err);
}

/* Pushes a copy of a genuine image (genuine or older). */
static int
attempt_file(struct upd *U, const char *label, const char *src,
    struct attempt *a, struct hq_err *err)
{
	char abs[4096];
	int rc;

	memset(a, 0, sizeof(*a));
	if ((rc = image_path(U, label, a->rel, sizeof(a->rel), abs,
	    sizeof(abs), err)) != 0 ||
	    (rc = hq_fw_copy(src, abs, a->sha, &a->size, err)) != 0)
		return rc;
	return attempt(U, label, abs, a, err);
}

static void
say_attempt(struct upd *U, const struct attempt *a)
{
	hq_step(U->res, "%s: %s (status %ld%s%s), version %s -> %s, %s",
	    a->label, a->ans == ANS_ACCEPTED ? "accepted" :
	    a->ans == ANS_REFUSED ? "refused" : "no verdict", a->status,
	    a->said[0] ? ": " : "", a->said, a->vb_ok ? a->vb : "?",
	    a->va_ok ? a->va : "?", a->alive ? "alive" : "NOT ANSWERING");
}

/* The genuine image installed: accepted and its version read back. */
static bool
installed(const struct upd *U, const struct attempt *a)
{
	return a->alive && a->ans == ANS_ACCEPTED && a->va_ok &&
	    strcmp(a->va, U->r.genuine_ver) == 0;
}

static void
note_install(struct upd *U, const struct attempt *a, const char *from)
{
	cJSON *f = cJSON_CreateObject();

	cJSON_AddStringToObject(f, "case", U->tc->id);
	cJSON_AddStringToObject(f, "sha256", a->sha);
	cJSON_AddStringToObject(f, "from", from);
	cJSON_AddStringToObject(f, "to", a->va);
	cJSON_DeleteItemFromObjectCaseSensitive(U->ctx->facts,
	    "update_installed");
	cJSON_AddItemToObject(U->ctx->facts, "update_installed", f);
}

static void
dead_verdict(struct upd *U, const struct attempt *a)
{
	hq_verdict(U->res, HQ_FAIL, "the device stopped answering after "
	    "%s: last answer at %.1f s, no answer from %.1f s on for the "
	    "%ld ms recovery wait", a->label, a->last_alive_s, a->dead_at_s,
	    U->r.recover_ms);
}

/* ---- checks ---- */

static bool
wanted(const struct upd_params *p, const char *name)
{
	size_t i;

	if (p->mutations == NULL)
		return true;
	for (i = 0; i < p->nmutations; i++)
		if (strcmp(p->mutations[i], name) == 0)
			return true;
	return false;
}

static int
check_tampered(struct upd *U, struct hq_err *err)
{
	struct hq_fw_mut muts[HQ_FW_MUT_MAX];
	struct hq_fw_info info;
	struct attempt a;
	char abs[4096], accepted[1024] = "", v0[HQ_FW_VERSION_MAX + 1];
	char from[HQ_FW_VERSION_MAX + 1] = "", via[48] = "";
	size_t nm, i, nacc = 0, nnone = 0, nrun = 0;
	struct hq_err verr = { 0 };
	int rc, pass;

	if ((rc = hq_fw_inspect(U->r.genuine, U->r.fmt, &info, err)) != 0 ||
	    (rc = hq_fw_mutations(&info, (uint64_t)U->p.oversize, muts,
	    HQ_FW_MUT_MAX, &nm, err)) != 0)
		return rc;
	hq_step(U->res, "genuine image %s (%s, %llu bytes, version %s); "
	    "format %s%s", U->r.genuine, hq_fw_format_name(U->r.fmt),
	    (unsigned long long)info.size, U->r.genuine_ver,
	    hq_fw_format_name(U->r.fmt), U->r.fmt == HQ_FW_OPAQUE ?
	    ": generic mutations only, hopquy does not know this format's "
	    "signature" : "");
	if (read_version(U, v0, sizeof(v0), &verr) == 0 &&
	    strcmp(v0, U->r.genuine_ver) == 0)
		hq_step(U->res, "note: the device already runs %s, the "
		    "genuine image's version: an installed mutation shows "
		    "only in the answer, not in the version", v0);
	/* Every name the profile lists must be one hopquy can make. */
	for (i = 0; i < U->p.nmutations; i++) {
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(U->u,
		    "tampered");
		bool known = strncmp(U->p.mutations[i], "lab-", 4) == 0 &&
		    cJSON_GetObjectItemCaseSensitive(t, U->p.mutations[i] +
		    4) != NULL;
		size_t k;

		for (k = 0; k < nm; k++)
			if (strcmp(muts[k].name, U->p.mutations[i]) == 0)
				known = true;
		if (!known)
			return hq_err_set(err, HQ_EINVAL, "mutations: "
			    "\"%.40s\" is not a mutation of this %s image",
			    U->p.mutations[i], hq_fw_format_name(U->r.fmt));
	}
	/* Two passes: mutations that change only bytes past an archive's
	 * end go last, since a device may well install them. */
	for (pass = 0, i = 0; pass < 2; i++) {
		char rel[256];

		if (i >= nm) {
			pass++;
			i = (size_t)-1;
			continue;
		}
		if (!wanted(&U->p, muts[i].name) ||
		    muts[i].outside != (pass == 1))
			continue;
		memset(&a, 0, sizeof(a));
		if ((rc = image_path(U, muts[i].name, rel, sizeof(rel), abs,
		    sizeof(abs), err)) != 0 ||
		    (rc = hq_fw_mutate(U->r.genuine, &info, &muts[i], abs,
		    a.sha, &a.size, err)) != 0)
			return rc;
		snprintf(a.rel, sizeof(a.rel), "%s", rel);
		if ((rc = attempt(U, muts[i].name, abs, &a, err)) != 0)
			return rc;
		nrun++;
		say_attempt(U, &a);
		if (!a.alive) {
			hq_finding(U->res, "%s (%s): the device stopped "
			    "answering", muts[i].name, muts[i].what);
			dead_verdict(U, &a);
			return 0;
		}
		if (muts[i].outside && (a.ans == ANS_ACCEPTED ||
		    (a.vb_ok && a.va_ok && strcmp(a.vb, a.va) != 0))) {
			/* Bytes past the archive's trailer are no content
			 * the device installs: not a finding, not a PASS. */
			hq_step(U->res, "note: %s accepted: only bytes after "
			    "the archive's end changed, which the format "
			    "ignores; not counted", muts[i].name);
			nrun--;
			if (a.vb_ok && a.va_ok && strcmp(a.vb, a.va) != 0 &&
			    strcmp(a.va, U->r.genuine_ver) == 0 &&
			    from[0] == '\0') {
				/* the genuine content, installed */
				snprintf(from, sizeof(from), "%s", a.vb);
				snprintf(via, sizeof(via), "%s", muts[i].name);
			}
			continue;
		}
		if (a.ans == ANS_ACCEPTED || (a.vb_ok && a.va_ok &&
		    strcmp(a.vb, a.va) != 0)) {
			nacc++;
			hq_finding(U->res, "%s (%s) accepted: status %ld, "
			    "version %s -> %s", muts[i].name, muts[i].what,
			    a.status, a.vb_ok ? a.vb : "?",
			    a.va_ok ? a.va : "?");
			snprintf(accepted + strlen(accepted), sizeof(accepted) -
			    strlen(accepted), "%s%s", nacc > 1 ? ", " : "",
			    muts[i].name);
		} else if (a.ans != ANS_REFUSED || !a.vb_ok || !a.va_ok) {
			nnone++;
			hq_finding(U->res, "%s: no definite refusal (status "
			    "%ld, %s; version %s)", muts[i].name, a.status,
			    a.said, a.va_ok ? "read" : "not read");
		}
	}
	/* Tampered images the lab made with its own tools (the DUT file's
	 * update.tampered: name -> path), e.g. a bundle for other hardware
	 * signed with the genuine key. */
	{
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(U->u,
		    "tampered"), *it;

		cJSON_ArrayForEach(it, t) {
			char src[4096], name[48];

			if (!cJSON_IsString(it))
				continue;
			snprintf(name, sizeof(name), "lab-%s", it->string);
			if (!wanted(&U->p, name))
				continue;
			hq_dut_path(U->ctx->dut, it->valuestring, src,
			    sizeof(src));
			if ((rc = attempt_file(U, name, src, &a, err)) != 0)
				return rc;
			nrun++;
			say_attempt(U, &a);
			if (!a.alive) {
				hq_finding(U->res, "%s: the device stopped "
				    "answering", name);
				dead_verdict(U, &a);
				return 0;
			}
			if (a.ans == ANS_ACCEPTED || (a.vb_ok && a.va_ok &&
			    strcmp(a.vb, a.va) != 0)) {
				nacc++;
				hq_finding(U->res, "%s (the lab's %s) "
				    "accepted: status %ld, version %s -> %s",
				    name,
				    it->valuestring, a.status,
				    a.vb_ok ? a.vb : "?", a.va_ok ? a.va : "?");
				snprintf(accepted + strlen(accepted),
				    sizeof(accepted) - strlen(accepted), "%s%s",
				    nacc > 1 ? ", " : "", name);
			} else if (a.ans != ANS_REFUSED || !a.vb_ok ||
			    !a.va_ok) {
				nnone++;
				hq_finding(U->res, "%s: no definite refusal "
				    "(status %ld, %s)", name, a.status, a.said);
			}
		}
	}
	if (nrun == 0)
		return hq_err_set(err, HQ_EINVAL, "mutations: none of the "
		    "listed names is a mutation of this format");
	if (nacc > 0) {
		hq_verdict(U->res, HQ_FAIL, "%zu of %zu tampered images "
		    "accepted: %s", nacc, nrun, accepted);
		return 0;
	}
	/* The control: without it, "everything refused" means nothing. */
	if ((rc = attempt_file(U, "genuine", U->r.genuine, &a, err)) != 0)
		return rc;
	say_attempt(U, &a);
	if (!a.alive) {
		dead_verdict(U, &a);
		return 0;
	}
	if (!installed(U, &a)) {
		hq_verdict(U->res, HQ_INCONCLUSIVE, "control failed: the "
		    "genuine image %s was not installed (status %ld, version "
		    "%s): refusals of the %zu tampered images prove nothing",
		    U->r.genuine_ver, a.status, a.va_ok ? a.va : "not read",
		    nrun);
		return 0;
	}
	if (strcmp(a.vb, a.va) != 0) {
		snprintf(from, sizeof(from), "%s", a.vb);
		snprintf(via, sizeof(via), "genuine");
	}
	if (from[0] == '\0') {
		hq_verdict(U->res, HQ_INCONCLUSIVE, "control not observable: "
		    "the device already ran %s, the genuine image's version, "
		    "so neither an install of the genuine image nor of a "
		    "mutation shows in the version", a.va);
		return 0;
	}
	note_install(U, &a, from);
	if (strcmp(via, "genuine") != 0)
		hq_step(U->res, "the genuine content was installed by %s "
		    "(%s -> %s); the genuine image is accepted too", via, from,
		    a.va);
	if (nnone > 0) {
		hq_verdict(U->res, HQ_INCONCLUSIVE, "%zu of %zu tampered "
		    "images got no definite refusal (see findings); none was "
		    "accepted", nnone, nrun);
		return 0;
	}
	hq_verdict(U->res, HQ_PASS, "all %zu tampered images refused with "
	    "the version unchanged and the device alive; the genuine image "
	    "was then installed (%s -> %s)", nrun, from, a.va);
	return 0;
}

static int
check_genuine(struct upd *U, struct hq_err *err)
{
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(U->ctx->facts,
	    "update_installed");
	struct attempt a;
	char v0[HQ_FW_VERSION_MAX + 1], sha[65];
	uint64_t size;
	struct hq_err verr = { 0 };
	int rc;

	if ((rc = hq_sha256_file(U->r.genuine, sha, &size, err)) != 0)
		return rc;
	if (read_version(U, v0, sizeof(v0), &verr) == 0 &&
	    strcmp(v0, U->r.genuine_ver) == 0 && f != NULL &&
	    jstr(f, "sha256") != NULL && strcmp(jstr(f, "sha256"), sha) == 0 &&
	    strcmp(jstr(f, "from"), U->r.genuine_ver) != 0) {
		hq_step(U->res, "the device runs %s; %s installed this image "
		    "(sha256 %s) earlier in the run", v0, jstr(f, "case"), sha);
		hq_verdict(U->res, HQ_PASS, "the genuine image %s was "
		    "installed earlier in this run by %s (%s -> %s) and still "
		    "runs", U->r.genuine_ver, jstr(f, "case"), jstr(f, "from"),
		    jstr(f, "to"));
		return 0;
	}
	if ((rc = attempt_file(U, "genuine", U->r.genuine, &a, err)) != 0)
		return rc;
	say_attempt(U, &a);
	if (!a.alive) {
		dead_verdict(U, &a);
		return 0;
	}
	if (installed(U, &a) && a.vb_ok && strcmp(a.vb, a.va) != 0) {
		note_install(U, &a, a.vb);
		hq_verdict(U->res, HQ_PASS, "the genuine image was installed: "
		    "status %ld, version %s -> %s", a.status, a.vb, a.va);
	} else if (installed(U, &a))
		hq_verdict(U->res, HQ_INCONCLUSIVE, "the device already ran "
		    "%s: an install cannot be told from the version; load an "
		    "older version before the run", a.va);
	else if (a.ans == ANS_ACCEPTED && a.va_ok)
		hq_verdict(U->res, HQ_FAIL, "the device reported success "
		    "(status %ld) but the version stayed %s, not %s",
		    a.status, a.va, U->r.genuine_ver);
	else if (a.ans == ANS_REFUSED)
		hq_verdict(U->res, HQ_FAIL, "the genuine image %s was refused: "
		    "status %ld (%s)", U->r.genuine_ver, a.status, a.said);
	else
		hq_verdict(U->res, HQ_INCONCLUSIVE, "no definite answer to the "
		    "genuine image: status %ld (%s), version %s", a.status,
		    a.said, a.va_ok ? a.va : "not read");
	return 0;
}

static int
check_rollback(struct upd *U, struct hq_err *err)
{
	struct attempt a;
	char v0[HQ_FW_VERSION_MAX + 1];
	struct hq_err verr = { 0 };
	int rc;

	if (U->r.older[0] == '\0' || U->r.older_ver[0] == '\0')
		return hq_err_set(err, HQ_EINVAL, "%s.older: an older "
		    "genuine image with its version is needed", U->r.base);
	if ((rc = read_version(U, v0, sizeof(v0), &verr)) != 0)
		return hq_err_set(err, rc, "%s", verr.msg);
	if (strcmp(v0, U->r.genuine_ver) != 0) {
		if ((rc = attempt_file(U, "genuine", U->r.genuine, &a,
		    err)) != 0)
			return rc;
		say_attempt(U, &a);
		if (!a.alive) {
			dead_verdict(U, &a);
			return 0;
		}
		if (!installed(U, &a)) {
			hq_verdict(U->res, HQ_INCONCLUSIVE, "control failed: "
			    "the genuine image %s was not installed (status "
			    "%ld, version %s), so a rollback cannot be "
			    "attempted from it", U->r.genuine_ver, a.status,
			    a.va_ok ? a.va : "not read");
			return 0;
		}
		note_install(U, &a, a.vb);
	} else
		hq_step(U->res, "the device runs %s, the genuine image's "
		    "version", v0);
	if ((rc = attempt_file(U, "older", U->r.older, &a, err)) != 0)
		return rc;
	say_attempt(U, &a);
	if (!a.alive) {
		dead_verdict(U, &a);
		return 0;
	}
	if (a.ans == ANS_ACCEPTED || (a.va_ok &&
	    strcmp(a.va, U->r.genuine_ver) != 0))
		hq_verdict(U->res, HQ_FAIL, "rollback accepted: the older "
		    "image %s over %s got status %ld, version now %s",
		    U->r.older_ver, U->r.genuine_ver, a.status,
		    a.va_ok ? a.va : "not read");
	else if (a.ans == ANS_REFUSED && a.va_ok)
		hq_verdict(U->res, HQ_PASS, "the older image %s was refused "
		    "over %s (status %ld) and %s still runs", U->r.older_ver,
		    U->r.genuine_ver, a.status, a.va);
	else
		hq_verdict(U->res, HQ_INCONCLUSIVE, "no definite answer to the "
		    "older image: status %ld (%s)", a.status, a.said);
	return 0;
}

/*
 * The image server on the recipe's listen address and port.  A port below
 * 1024 that this process may not bind (the unprivileged worker of a host
 * bench) is bound by the bench's monitor, on an address of the bench's
 * LAN interface only, and handed over.
 */
static int
srv_start(struct upd *U, unsigned port, const char *cert, const char *key,
    struct hq_fwserve **sp, struct hq_err *err)
{
	const char *addr = jstr(U->r.pull, "listen");
	struct hq_err lerr = { 0 };
	int fd = -1, rc;

	/* A namespaces bench's lab lets the worker bind them itself. */
	if (port == 0 || port >= 1024 || geteuid() == 0 || addr == NULL ||
	    U->ctx->bench == NULL || hq_bench_lab_ns(U->ctx->bench)[0] != '\0')
		return hq_fwserve_start(addr, port, cert, key, sp, err);
	if ((rc = hq_bench_listen_lan(U->ctx->bench, addr, port, &fd,
	    &lerr)) != 0)
		return hq_err_set(err, rc, "image server on %s:%u (a port "
		    "below 1024, as user %u): %s", addr, port,
		    (unsigned)geteuid(), lerr.msg);
	return hq_fwserve_start_fd(addr, port, fd, cert, key, sp, err);
}

/* One fetch offered on a server of its own: what the device took. */
static int
offer(struct upd *U, const char *what, bool tls, const char *cert,
    const char *key, const char *abs, struct hq_fwserve_stats *st,
    int *exitp, struct hq_err *err)
{
	struct hq_fwserve *srv = NULL;
	enum answer ans;
	char urlpath[160], url[512], said[200];
	long code;
	int rc;

	memset(st, 0, sizeof(*st));
	*exitp = -1;
	snprintf(urlpath, sizeof(urlpath), "/hq/%u-%s.bin", U->n++, what);
	pull_url(U, tls, urlpath, url, sizeof(url));
	if ((rc = srv_start(U, tls ?
	    (unsigned)jlong(U->r.pull, "tls_port", 8443) :
	    (unsigned)jlong(U->r.pull, "port", 8000), cert, key, &srv,
	    err)) != 0 ||
	    (rc = hq_fwserve_set(srv, abs, urlpath, err)) != 0)
		goto out;
	hq_transcript_printf(U->tr, "\n== %s: serving %s at %s\n", what,
	    abs, url);
	rc = trigger(U, url, &ans, &code, said, sizeof(said), err);
	*exitp = (int)code;
	hq_transcript_printf(U->tr, "-- %s\n", said);
	hq_fwserve_stats(srv, st);
	hq_transcript_printf(U->tr, "-- %u connections, %u TLS handshakes, "
	    "%u requests, %u whole, %llu bytes\n", st->connections,
	    st->handshakes, st->requests, st->complete,
	    (unsigned long long)st->bytes);
 out:
	hq_fwserve_stop(srv);
	return rc;
}

/*
 * Pull mode's channel: the device must refuse an image offered by a TLS
 * server whose certificate it should not trust, must not fetch over
 * cleartext when the profile forbids it, and must fetch over the trusted
 * TLS server (the control).
 */
static int
check_channel_pull(struct upd *U, struct hq_err *err)
{
	struct hq_fwserve_stats st;
	char rel[256], abs[4096], sha[65];
	uint64_t size;
	unsigned nbad = 0;
	int rc, ex;

	if (U->r.cert[0] == '\0') {
		hq_verdict(U->res, HQ_FAIL, "the update is offered over "
		    "cleartext only: the recipe's pull server has no TLS "
		    "certificate (pull.cert)");
		return 0;
	}
	snprintf(rel, sizeof(rel), "%s/%02u-genuine.bin", U->dir, U->n);
	if ((rc = hq_evidence_register(U->ctx->ev, rel, "image", abs,
	    sizeof(abs), err)) != 0 ||
	    (rc = hq_fw_copy(U->r.genuine, abs, sha, &size, err)) != 0)
		return rc;
	hq_result_evidence(U->res, rel);
	if (U->r.bad_cert[0] != '\0') {
		if ((rc = offer(U, "untrusted-tls", true, U->r.bad_cert,
		    U->r.bad_key, abs, &st, &ex, err)) != 0)
			return rc;
		if (st.requests > 0) {
			nbad++;
			hq_finding(U->res, "the device fetched the image from "
			    "a TLS server whose certificate it should not "
			    "trust (%s): %u request%s, %llu bytes",
			    U->r.bad_cert,
			    st.requests, st.requests == 1 ? "" : "s",
			    (unsigned long long)st.bytes);
		} else
			hq_step(U->res, "untrusted certificate: %u "
			    "connection%s, %u handshake%s completed, no "
			    "request: refused",
			    st.connections, st.connections == 1 ? "" : "s",
			    st.handshakes, st.handshakes == 1 ? "" : "s");
		if (st.connections == 0)
			hq_step(U->res, "note: the device never connected to "
			    "the untrusted server (trigger exit %d)", ex);
	} else
		hq_step(U->res, "no untrusted certificate declared "
		    "(pull.untrusted_cert): that check did not run");
	if (U->p.forbid_cleartext) {
		if ((rc = offer(U, "cleartext", false, NULL, NULL, abs, &st,
		    &ex, err)) != 0)
			return rc;
		if (st.requests > 0) {
			nbad++;
			hq_finding(U->res, "the device fetched the image over "
			    "cleartext HTTP: %u request%s, %llu bytes",
			    st.requests, st.requests == 1 ? "" : "s",
			    (unsigned long long)st.bytes);
		} else
			hq_step(U->res, "cleartext HTTP: %u connection%s, no "
			    "request: not fetched", st.connections,
			    st.connections == 1 ? "" : "s");
	}
	if ((rc = offer(U, "trusted-tls", true, U->r.cert, U->r.key, abs, &st,
	    &ex, err)) != 0)
		return rc;
	if (nbad > 0) {
		hq_verdict(U->res, HQ_FAIL, "the update channel is not secure "
		    "(see findings)");
		return 0;
	}
	if (st.complete == 0) {
		hq_verdict(U->res, HQ_INCONCLUSIVE, "control failed: the "
		    "device did not fetch the image from the trusted TLS "
		    "server either (%u connections, trigger exit %d), so its "
		    "refusals prove nothing", st.connections, ex);
		return 0;
	}
	hq_verdict(U->res, HQ_PASS, "the device fetched the image over "
	    "trusted TLS only: %s%s", U->r.bad_cert[0] != '\0' ?
	    "the untrusted certificate was refused" : "",
	    U->p.forbid_cleartext ? (U->r.bad_cert[0] != '\0' ?
	    ", cleartext HTTP was not used" : "cleartext HTTP was not "
	    "used") : "");
	return 0;
}

static int
check_channel(struct upd *U, struct hq_err *err)
{
	const struct hq_dut *dut = U->ctx->dut;
	const struct hq_surface *sf = hq_dut_surface(dut,
	    jstr(U->r.submit, "surface"));
	struct hq_tlsenum_opts o = HQ_TLSENUM_OPTS_INIT;
	struct hq_tls_scan s;
	struct hq_fwpush_opts po = { 0 };
	struct hq_fwpush_res pr = { 0 };
	char url[1400], rel[256], abs[4096], sha[65], name[96];
	uint64_t size;
	unsigned v, nbad = 0, nok = 0;
	size_t k;
	int rc;

	memset(&s, 0, sizeof(s));
	if (U->r.pull != NULL)
		return check_channel_pull(U, err);
	if (sf == NULL)
		return hq_err_set(err, HQ_EINVAL, "%s.submit: surface "
		    "not declared", U->r.base);
	if (!sf->tls) {
		hq_verdict(U->res, HQ_FAIL, "the update endpoint (surface %s, "
		    "%s port %u) is not TLS", sf->id, sf->proto, sf->port);
		return 0;
	}
	o.addr = dut->address;
	o.port = sf->port;
	o.sni = dut->name;
	o.timeout_ms = (int)U->p.probe_ms;
	o.groups = false;
	o.preference = false;
	hq_step(U->res, "TLS policy on the update endpoint %s:%u: versions "
	    "from %s, no banned suite", o.addr, o.port,
	    hq_tls_version_name(U->p.min_version));
	if ((rc = hq_tlsenum_scan(&o, U->ctx->deadline, &s, err)) != 0)
		goto out;
	for (v = 0; v < HQ_TLS_NVERSIONS; v++) {
		const struct hq_tls_vresult *r = &s.v[v];
		uint16_t ver = (uint16_t)(HQ_SSL3 + v);

		if (r->state == HQ_TLSV_ERROR || r->incomplete) {
			hq_finding(U->res, "%s: undecided (%s)",
			    hq_tls_version_name(ver), r->why);
			nbad |= 0x100;
			continue;
		}
		if (r->state != HQ_TLSV_ACCEPTED)
			continue;
		if (ver < U->p.min_version) {
			nbad++;
			hq_finding(U->res, "%s accepted, below %s",
			    hq_tls_version_name(ver),
			    hq_tls_version_name(U->p.min_version));
		} else
			nok++;
		for (k = 0; k < r->nsuites; k++) {
			const struct hq_tls_suite *ts =
			    hq_tls_suite_find(r->suites[k]);

			if (ts != NULL && (ts->flags & U->p.banned) != 0) {
				nbad++;
				hq_finding(U->res, "%s: banned suite %s",
				    hq_tls_version_name(ver),
				    hq_tls_suite_name(ts->id, name,
				    sizeof(name)));
			}
		}
	}
	{
		char acc[256] = "";

		for (v = 0; v < HQ_TLS_NVERSIONS; v++)
			if (s.v[v].state == HQ_TLSV_ACCEPTED)
				snprintf(acc + strlen(acc), sizeof(acc) -
				    strlen(acc), "%s%s (%zu suites)",
				    acc[0] != '\0' ? ", " : "",
				    hq_tls_version_name((uint16_t)(HQ_SSL3 +
				    v)), s.v[v].nsuites);
		hq_step(U->res, "accepted: %s", acc[0] != '\0' ? acc :
		    "no version");
	}
	if (nok == 0) {
		nbad++;
		hq_finding(U->res, "no TLS version at or above %s accepted",
		    hq_tls_version_name(U->p.min_version));
	}
	/* Cleartext: the same path on plain HTTP, an empty body, no
	 * credentials (they must never go out in clear). */
	snprintf(rel, sizeof(rel), "%s/%02u-empty-probe.bin", U->dir, U->n++);
	if ((rc = hq_evidence_register(U->ctx->ev, rel, "image", abs,
	    sizeof(abs), err)) != 0 ||
	    (rc = hq_file_write_atomic(abs, "", 0, 0644, err)) != 0 ||
	    (rc = hq_sha256_file(abs, sha, &size, err)) != 0)
		goto out;
	url_of(dut, "http", (unsigned)U->p.http_port,
	    jstr(U->r.submit, "path"), url, sizeof(url));
	po.url = url;
	po.method = jstr(U->r.submit, "method") != NULL ?
	    jstr(U->r.submit, "method") : "POST";
	po.connect_timeout_ms = (int)U->p.probe_ms;
	po.timeout_ms = 15000;
	hq_transcript_printf(U->tr, "-> %s %s (empty body, no credentials)\n",
	    po.method, url);
	if ((rc = hq_fwpush(&po, abs, U->ctx->deadline, &pr, err)) != 0)
		goto out;
	hq_transcript_printf(U->tr, "<- %ld %s: ", pr.status, pr.transport);
	hq_transcript_bytes(U->tr, "", pr.body, pr.body_len < 1024 ?
	    pr.body_len : 1024);
	hq_transcript_printf(U->tr, "\n");
	if (pr.status == 0)
		hq_step(U->res, "plain HTTP %s: no HTTP answer (%s)", url,
		    pr.transport);
	else if ((pr.status >= 300 && pr.status <= 399) ||
	    pr.status == 404 || pr.status == 426)
		hq_step(U->res, "plain HTTP %s: status %ld, the update is not "
		    "served in clear", url, pr.status);
	else {
		nbad++;
		hq_finding(U->res, "the update endpoint answers over plain "
		    "HTTP: %s %s got status %ld", po.method, url, pr.status);
	}
	if ((nbad & 0xff) > 0)
		hq_verdict(U->res, HQ_FAIL, "the update channel is not secure "
		    "(see findings)");
	else if (nbad != 0)
		hq_verdict(U->res, HQ_INCONCLUSIVE, "the TLS scan of the "
		    "update endpoint could not decide every version");
	else
		hq_verdict(U->res, HQ_PASS, "update endpoint %s:%u speaks only "
		    "TLS from %s without banned suites, and its path is not "
		    "served over plain HTTP on port %lld", o.addr, o.port,
		    hq_tls_version_name(U->p.min_version), U->p.http_port);
 out:
	hq_fwpush_res_clear(&pr);
	hq_tls_scan_clear(&s);
	return rc;
}

/*
 * A device that fetches from a fixed server of its own (a declared cloud
 * address): the bench's interception redirect makes that address the lab
 * side's, so hopquy's image server answers in its place.
 */
static int
pull_redirect(struct upd *U, struct hq_err *err)
{
	const char *listen = jstr(U->r.pull, "listen");
	struct hq_err rerr = { 0 };
	size_t i, n;
	bool cloud = false;
	int rc;

	for (i = 0; i < U->ctx->dut->ncloud; i++)
		if (strcmp(U->ctx->dut->cloud[i], listen) == 0)
			cloud = true;
	if (!cloud)
		return 0;
	if (U->ctx->bench == NULL)
		return hq_err_set(err, HQ_EINVAL, "%s.pull.listen %s is "
		    "the device's own server: intercepting it needs the "
		    "bench", U->r.base, listen);
	if ((rc = hq_bench_redirect(U->ctx->bench, &n, &rerr)) != 0)
		return hq_err_set(err, rc, "redirect: %s", rerr.msg);
	U->redirected = true;
	hq_step(U->res, "redirect: the device's update server %s now "
	    "reaches hopquy's image server on the lab side", listen);
	return 0;
}

static int
update_run(struct hq_ctx *ctx, const struct hq_case *tc,
    struct hq_result *res, struct hq_err *err)
{
	struct upd U;
	char slug[128], rel[256], *text = NULL;
	bool model;
	int rc;

	memset(&U, 0, sizeof(U));
	U.ctx = ctx;
	U.res = res;
	U.tc = tc;
	if ((rc = params_read(tc->params, &U.p, err)) != 0)
		goto out;
	if (strcmp(U.p.check, "information") == 0) {
		hq_verdict(res, HQ_INCONCLUSIVE, "documentary: whether update "
		    "information (versions, changes, support period) is "
		    "published needs an operator's assessment; hopquy has "
		    "no automated check for it");
		goto out;
	}
	model = U.p.image != NULL && strcmp(U.p.image, "model") == 0;
	U.u = model ? cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(ctx->dut->ai, "model"),
	    "update") : ctx->dut->update;
	if (U.u == NULL) {
		/* A missing declaration, not a harness fault. */
		hq_verdict(res, HQ_INCONCLUSIVE, "the DUT description has no "
		    "%s recipe: how an image is submitted and how the running "
		    "version is read must be declared (hopquy-dut(5), %s)",
		    model ? "model update (ai.model.update)" : "update",
		    model ? "ai.model.update" : "update");
		goto out;
	}
	if ((rc = recipe_read(ctx->dut, U.u, model ? "ai.model.update" :
	    "update", &U.r, err)) != 0)
		goto out;
	if (model)
		hq_step(res, "the image is the deployed AI model "
		    "(ai.model.update)");
	hq_slug(tc->id, slug, sizeof(slug));
	snprintf(U.dir, sizeof(U.dir), "update/%s", slug);
	if ((U.tr = hq_transcript_new(1024 * 1024)) == NULL ||
	    (U.attempts = cJSON_CreateArray()) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "no memory");
		goto out;
	}
	if (ctx->dut->op_password != NULL)
		hq_transcript_redact(U.tr, ctx->dut->op_password);
	if (U.r.pull != NULL && (rc = pull_redirect(&U, err)) != 0)
		goto out;
	if (U.r.pull != NULL && strcmp(U.p.check, "channel") != 0 &&
	    (rc = srv_start(&U,
	    U.r.cert[0] != '\0' ? (unsigned)jlong(U.r.pull, "tls_port", 8443) :
	    (unsigned)jlong(U.r.pull, "port", 8000), U.r.cert[0] != '\0' ?
	    U.r.cert : NULL, U.r.key, &U.srv, err)) != 0)
		goto out;
	if (strcmp(U.p.check, "tampered") == 0)
		rc = check_tampered(&U, err);
	else if (strcmp(U.p.check, "genuine") == 0)
		rc = check_genuine(&U, err);
	else if (strcmp(U.p.check, "rollback") == 0)
		rc = check_rollback(&U, err);
	else
		rc = check_channel(&U, err);
	/* Evidence even when the check stopped early. */
	snprintf(rel, sizeof(rel), "%s/transcript.txt", U.dir);
	if (hq_transcript_save(U.tr, ctx->ev, rel, NULL) == 0)
		hq_result_evidence(res, rel);
	if (cJSON_GetArraySize(U.attempts) > 0 &&
	    (text = cJSON_Print(U.attempts)) != NULL) {
		snprintf(rel, sizeof(rel), "%s/attempts.json", U.dir);
		if (hq_evidence_write(ctx->ev, rel, "attempts", text,
		    strlen(text), NULL) == 0)
			hq_result_evidence(res, rel);
		hq_detail(res, "attempts", cJSON_Duplicate(U.attempts, 1));
	}
 out:
	free(text);
	hq_fwserve_stop(U.srv);
	if (U.redirected) {
		struct hq_err uerr = { 0 };

		if (hq_bench_unredirect(ctx->bench, &uerr) != 0)
			hq_warn("redirect: %s", uerr.msg);
	}
	cJSON_Delete(U.attempts);
	hq_transcript_free(U.tr);
	params_clear(&U.p);
	return rc;
}

const struct hq_family hq_family_update = {
	.name		= "update",
	.summary	= "firmware update: tampered, truncated, unsigned and "
			  "older images refused, genuine installed, channel "
			  "secure",
	.flags		= 0,
	.check_params	= update_check_params,
	.run		= update_run,
};
