/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Stimulus drivers and the alarm recipe's HTTP requests (see
 * stimulus.h).  Every wait has a deadline and notices hq_interrupted;
 * replies and outputs are capped and reach transcripts escaped.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>

#include "evidence/evidence.h"
#include "model/dut.h"
#include "signal/stimulus.h"
#include "util/err.h"
#include "util/jv.h"
#include "util/log.h"
#include "util/rd.h"
#include "wire/net.h"
#include "wire/steps.h"

#define ARGV_MAX	32
#define NS_PER_MS	1000000LL

enum driver { DRV_SOCKET, DRV_COMMAND, DRV_HTTP, DRV_MANUAL };
static const char *const drivers[] = {
	"socket", "command", "http", "manual", NULL
};
static const char *const stim_keys[] = {
	"driver", "surface", "port", "argv", "url", "method", "body",
	"timeout_ms", "uncertainty_ms", "kinds", NULL
};
static const char *const http_methods[] = { "POST", "GET", "PUT", NULL };

struct hq_stim {
	enum driver	 drv;
	char		*address;
	unsigned	 port;
	char		**argv;
	size_t		 argc;
	char		*url;
	char		*method;
	char		*body;
	long long	 timeout_ms;
	long long	 uncert_ms;
	cJSON		*kinds;		/* owned, or NULL */
};

bool
hq_stim_kind_ok(const char *kind)
{
	size_t i;

	for (i = 0; kind[i] != '\0'; i++)
		if (!((kind[i] >= 'a' && kind[i] <= 'z') ||
		    (kind[i] >= '0' && kind[i] <= '9') || kind[i] == '-'))
			return false;
	return i > 0 && i < HQ_STIM_KIND_MAX;
}

void
hq_stim_free(struct hq_stim *st)
{
	if (st == NULL)
		return;
	free(st->address);
	hq_strv_free(st->argv, st->argc);
	free(st->url);
	free(st->method);
	free(st->body);
	cJSON_Delete(st->kinds);
	free(st);
}

const char *
hq_stim_driver(const struct hq_stim *st)
{
	return drivers[st->drv];
}

int
hq_stim_new(const cJSON *r, const struct hq_dut *dut, struct hq_stim **stimp,
    struct hq_err *err)
{
	static const char *P = "alarm.stimulus";
	struct hq_stim *st;
	char *drv = NULL, *surface = NULL;
	const cJSON *kinds, *k;
	long long port;
	size_t i;
	int rc;

	if (stimp != NULL)
		*stimp = NULL;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	if (!cJSON_IsObject(r)) {
		rc = hq_err_set(err, HQ_EINVAL, "%s: expected an object, got "
		    "%s", P, hq_jv_typename(r));
		goto out;
	}
	if ((rc = hq_jv_keys(r, P, stim_keys, err)) != 0 ||
	    (rc = hq_jv_enum(r, P, "driver", true, drivers, &drv, err)) != 0 ||
	    (rc = hq_jv_int(r, P, "timeout_ms", false, 100, 600000, 10000,
	    &st->timeout_ms, err)) != 0 ||
	    (rc = hq_jv_int(r, P, "uncertainty_ms", false, 0, 10000, 300,
	    &st->uncert_ms, err)) != 0 ||
	    (rc = hq_jv_get(r, P, "kinds", cJSON_Object, false, &kinds,
	    err)) != 0)
		goto out;
	for (i = 0; drivers[i] != NULL; i++)
		if (strcmp(drivers[i], drv) == 0)
			st->drv = (enum driver)i;
	if (kinds != NULL) {
		cJSON_ArrayForEach(k, kinds)
			if (!hq_stim_kind_ok(k->string) || !cJSON_IsString(k) ||
			    !hq_stim_kind_ok(k->valuestring)) {
				rc = hq_err_set(err, HQ_EINVAL, "%s.kinds: "
				    "names and values must be 1-31 characters "
				    "of [a-z0-9-]", P);
				goto out;
			}
		if ((st->kinds = cJSON_Duplicate(kinds, 1)) == NULL) {
			rc = hq_err_set(err, HQ_ENOMEM, "no memory");
			goto out;
		}
	}
	switch (st->drv) {
	case DRV_SOCKET:
		if ((rc = hq_jv_str(r, P, "surface", false, 64, &surface,
		    err)) != 0 ||
		    (rc = hq_jv_int(r, P, "port", false, 1, 65535, 0, &port,
		    err)) != 0)
			goto out;
		if (surface != NULL) {
			const struct hq_surface *s = hq_dut_surface(dut,
			    surface);

			if (s == NULL) {
				rc = hq_err_set(err, HQ_EINVAL, "%s.surface: "
				    "\"%.64s\" is not a declared surface", P,
				    surface);
				goto out;
			}
			port = s->port;
		}
		if (port == 0) {
			rc = hq_err_set(err, HQ_EINVAL, "%s: the socket driver "
			    "needs \"surface\" or \"port\"", P);
			goto out;
		}
		st->port = (unsigned)port;
		if ((st->address = strdup(dut->address)) == NULL) {
			rc = hq_err_set(err, HQ_ENOMEM, "no memory");
			goto out;
		}
		break;
	case DRV_COMMAND:
		if ((rc = hq_jv_strv(r, P, "argv", true, ARGV_MAX, &st->argv,
		    &st->argc, err)) != 0)
			goto out;
		if (st->argc == 0) {
			rc = hq_err_set(err, HQ_EINVAL, "%s.argv: expected a "
			    "program and its arguments", P);
			goto out;
		}
		break;
	case DRV_HTTP:
		if ((rc = hq_jv_str(r, P, "url", true, 1024, &st->url,
		    err)) != 0 ||
		    (rc = hq_jv_enum(r, P, "method", false, http_methods,
		    &st->method, err)) != 0 ||
		    (rc = hq_jv_str(r, P, "body", false, 4096, &st->body,
		    err)) != 0)
			goto out;
		if (strncmp(st->url, "http://", 7) != 0 &&
		    strncmp(st->url, "https://", 8) != 0) {
			rc = hq_err_set(err, HQ_EINVAL, "%s.url: expected an "
			    "http:// or https:// URL", P);
			goto out;
		}
		break;
	case DRV_MANUAL:
		break;
	}
	if (stimp != NULL) {
		*stimp = st;
		st = NULL;
	}
	rc = 0;
 out:
	free(drv);
	free(surface);
	hq_stim_free(st);
	return rc;
}

/* What the driver sends for kind. */
static const char *
mapped(const struct hq_stim *st, const char *kind)
{
	const cJSON *k;

	if (st->kinds != NULL && (k = cJSON_GetObjectItemCaseSensitive(
	    st->kinds, kind)) != NULL)
		return k->valuestring;
	return kind;
}

/* s with every "{kind}" replaced by kind (a checked token); caller frees. */
static char *
subst(const char *s, const char *kind)
{
	size_t n = 0, kl = strlen(kind), i;
	const char *p;
	char *out, *o;

	for (p = s; (p = strstr(p, "{kind}")) != NULL; p += 6)
		n++;
	if ((out = malloc(strlen(s) + n * kl + 1)) == NULL)
		return NULL;
	for (o = out, i = 0; s[i] != '\0';) {
		if (strncmp(s + i, "{kind}", 6) == 0) {
			memcpy(o, kind, kl);
			o += kl;
			i += 6;
		} else
			*o++ = s[i++];
	}
	*o = '\0';
	return out;
}

static int
present_socket(struct hq_stim *st, const char *what, struct hq_deadline dl,
    struct hq_transcript *tr, struct hq_stim_event *ev, struct hq_err *err)
{
	char line[HQ_STIM_KIND_MAX + 2], buf[HQ_STIM_REPLY_MAX];
	size_t have = 0, got, i;
	const char *nl;
	uint64_t ms;
	int fd = -1, rc;

	if ((rc = hq_net_connect(st->address, st->port, dl, &fd, err)) != 0)
		return rc;
	snprintf(line, sizeof(line), "%s\n", what);
	ev->sent_ns = hq_mono_ns();
	if ((rc = hq_net_write_all(fd, line, strlen(line), dl, err)) != 0)
		goto out;
	hq_transcript_printf(tr, "-> %s:%u %s", st->address, st->port, line);
	for (;;) {
		if ((rc = hq_net_read_some(fd, buf + have, sizeof(buf) - have -
		    1, dl, 0, &got, err)) != 0)
			goto out;
		if (got == 0) {
			rc = hq_err_set(err, hq_deadline_passed(dl) ?
			    HQ_ETIMEDOUT : HQ_EPROTO, "stimulus %s: no reply "
			    "line from %s:%u", what, st->address, st->port);
			goto out;
		}
		have += got;
		if ((nl = memchr(buf, '\n', have)) != NULL)
			break;
		if (have >= sizeof(buf) - 1) {
			rc = hq_err_set(err, HQ_EPROTO, "stimulus %s: reply "
			    "line too long", what);
			goto out;
		}
	}
	ev->done_ns = hq_mono_ns();
	i = (size_t)(nl - buf);
	if (i > 0 && buf[i - 1] == '\r')
		i--;
	hq_transcript_bytes(tr, "<-", buf, i);
	hq_escape(ev->reply, sizeof(ev->reply), buf, i);
	if (i < 3 || memcmp(buf, "ok", 2) != 0 || (i > 2 && buf[2] != ' ')) {
		rc = hq_err_set(err, HQ_EPROTO, "stimulus %s refused: \"%.80s\"",
		    what, ev->reply);
		goto out;
	}
	/* "ok <ms>[ ...]": the DUT's own stamp */
	{
		size_t j = 3, k = 3;

		while (k < i && buf[k] >= '0' && buf[k] <= '9')
			k++;
		if (hq_parse_u64(buf + j, k - j, (uint64_t)INT64_MAX / NS_PER_MS,
		    &ms) == 0) {
			ev->have_dut_ms = true;
			ev->dut_ms = (int64_t)ms;
		}
	}
	/* Presented between the write and the answer: the write's time
	 * stands, the answer bounds the error. */
	ev->t_ns = ev->sent_ns;
	ev->uncert_ns = ev->done_ns - ev->sent_ns;
	rc = 0;
 out:
	if (fd >= 0)
		close(fd);
	return rc;
}

static int
present_command(struct hq_stim *st, const char *what, struct hq_deadline dl,
    struct hq_transcript *tr, struct hq_stim_event *ev, struct hq_err *err)
{
	char *argv[ARGV_MAX + 1] = { 0 }, *out = NULL;
	struct hq_deadline cdl = hq_deadline_min(dl,
	    hq_deadline_in(st->timeout_ms));
	size_t olen = 0, i;
	int pfd[2] = { -1, -1 }, status = 0, rc;
	bool exited = false;
	pid_t pid = -1;

	for (i = 0; i < st->argc; i++)
		if ((argv[i] = subst(st->argv[i], what)) == NULL) {
			rc = hq_err_set(err, HQ_ENOMEM, "no memory");
			goto out;
		}
	if ((out = malloc(HQ_STIM_OUTPUT_MAX + 1)) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "no memory");
		goto out;
	}
	if (pipe2(pfd, O_CLOEXEC) != 0) {
		rc = hq_err_sys(err, "pipe");
		goto out;
	}
	hq_transcript_printf(tr, "$ %s (kind %s)\n", argv[0], what);
	ev->sent_ns = hq_mono_ns();
	if ((pid = fork()) < 0) {
		rc = hq_err_sys(err, "fork");
		goto out;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);

		setpgid(0, 0);
		if (devnull >= 0)
			dup2(devnull, 0);
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	pfd[1] = -1;
	fcntl(pfd[0], F_SETFL, O_NONBLOCK);
	for (;;) {
		struct pollfd p = { pfd[0], POLLIN, 0 };
		int n = poll(&p, 1, 20);
		ssize_t got;

		if (n > 0) {
			char tmp[4096];

			got = read(pfd[0], tmp, sizeof(tmp));
			if (got > 0) {
				size_t take = (size_t)got;

				if (olen + take > HQ_STIM_OUTPUT_MAX)
					take = HQ_STIM_OUTPUT_MAX - olen;
				memcpy(out + olen, tmp, take);
				olen += take;
				continue;
			}
		}
		if (!exited && waitpid(pid, &status, WNOHANG) == pid) {
			exited = true;
			ev->done_ns = hq_mono_ns();
		}
		if (exited && (n == 0 || (n > 0 && (p.revents & POLLHUP))))
			break;
		if (hq_interrupted || hq_deadline_passed(cdl)) {
			if (!exited) {
				kill(-pid, SIGKILL);
				waitpid(pid, &status, 0);
			}
			pid = -1;
			rc = hq_interrupted ? hq_err_set(err, HQ_EINTR,
			    "interrupted") : hq_err_set(err, HQ_ETIMEDOUT,
			    "stimulus command %.64s: still running after %lld "
			    "ms", argv[0], st->timeout_ms);
			goto out;
		}
	}
	pid = -1;
	hq_transcript_bytes(tr, "<-", out, olen);
	hq_transcript_printf(tr, "\n");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		rc = hq_err_set(err, HQ_EPROTO, "stimulus command %.64s (kind "
		    "%s): exit status %d", argv[0], what,
		    WIFEXITED(status) ? WEXITSTATUS(status) : 128 +
		    WTERMSIG(status));
		goto out;
	}
	hq_escape(ev->reply, sizeof(ev->reply), out, olen);
	/* Exit: presented by then, at the latest; "at <mono-ms>" says when. */
	ev->t_ns = ev->done_ns;
	ev->uncert_ns = ev->done_ns - ev->sent_ns;
	{
		struct hq_rd rd = { (const uint8_t *)out, olen };
		const char *l;
		size_t ll;
		uint64_t v;

		while (hq_rd_line(&rd, 256, &l, &ll) == 0)
			if (ll > 3 && memcmp(l, "at ", 3) == 0 &&
			    hq_parse_u64(l + 3, ll - 3, (uint64_t)INT64_MAX /
			    NS_PER_MS, &v) == 0 &&
			    (int64_t)v * NS_PER_MS >= ev->sent_ns - NS_PER_MS &&
			    (int64_t)v * NS_PER_MS <= ev->done_ns) {
				ev->t_ns = (int64_t)v * NS_PER_MS;
				ev->uncert_ns = NS_PER_MS;
			}
	}
	rc = 0;
 out:
	if (pid > 0) {
		kill(-pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	if (pfd[0] >= 0)
		close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
	for (i = 0; i < st->argc; i++)
		free(argv[i]);
	free(out);
	return rc;
}

static int
present_manual(struct hq_stim *st, const char *what, struct hq_deadline dl,
    struct hq_transcript *tr, struct hq_stim_event *ev, struct hq_err *err)
{
	char prompt[256], buf[64];
	int fd, rc;

	if ((fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_NONBLOCK |
	    O_CLOEXEC)) < 0)
		return hq_err_set(err, HQ_EINVAL, "manual stimulus: no "
		    "terminal to prompt the operator on");
	/* Drop what was typed ahead. */
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	snprintf(prompt, sizeof(prompt), "\n*** hopquy: present the stimulus "
	    "\"%s\" NOW and press Enter at that moment ***\n", what);
	(void)!write(fd, prompt, strlen(prompt));
	ev->sent_ns = hq_mono_ns();
	hq_transcript_printf(tr, "operator prompted: %s", prompt + 1);
	for (;;) {
		ssize_t got;

		if ((rc = hq_net_wait(fd, POLLIN, dl, err)) != 0)
			goto out;
		got = read(fd, buf, sizeof(buf));
		if (got > 0 && memchr(buf, '\n', (size_t)got) != NULL)
			break;
	}
	ev->t_ns = ev->done_ns = hq_mono_ns();
	ev->uncert_ns = st->uncert_ms * NS_PER_MS;
	snprintf(ev->reply, sizeof(ev->reply), "operator confirmed");
	hq_transcript_printf(tr, "operator confirmed after %lld ms\n",
	    (long long)((ev->t_ns - ev->sent_ns) / NS_PER_MS));
	rc = 0;
 out:
	close(fd);
	return rc;
}

/* ---- HTTP ---- */

struct body {
	char	*p;
	size_t	 len;
	bool	 over;
};

static size_t
on_body(char *p, size_t sz, size_t n, void *arg)
{
	struct body *b = arg;
	size_t len = sz * n;
	char *np;

	if (b->len + len > HQ_HTTP_BODY_MAX) {
		b->over = true;
		return 0;
	}
	if ((np = realloc(b->p, b->len + len + 1)) == NULL)
		return 0;
	memcpy(np + b->len, p, len);
	b->p = np;
	b->len += len;
	b->p[b->len] = '\0';
	return len;
}

static int
on_progress(void *arg, curl_off_t a, curl_off_t b, curl_off_t c,
    curl_off_t d)
{
	(void)arg;
	(void)a;
	(void)b;
	(void)c;
	(void)d;
	return hq_interrupted ? 1 : 0;
}

static int
http_do(const char *method, const char *url, const char *body,
    const cJSON *headers, const char *user, const char *password,
    long authmask, struct hq_deadline dl, struct hq_transcript *tr,
    char **bodyp, size_t *lenp, long *statusp, struct hq_err *err)
{
	struct curl_slist *hl = NULL;
	struct body b = { 0 };
	const cJSON *h;
	char line[512];
	long ms = hq_deadline_poll_ms(dl);
	CURLcode cc;
	CURL *c;
	int rc = 0;

	*bodyp = NULL;
	*lenp = 0;
	*statusp = 0;
	if (ms == 0)
		return hq_err_set(err, HQ_ETIMEDOUT, "%s %s: no time left",
		    method, url);
	if ((c = curl_easy_init()) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "curl: no memory");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, ms < 0 || ms > 5000 ?
	    5000L : ms);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, ms < 0 || ms > 30000 ?
	    30000L : ms);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		hl = curl_slist_append(hl, "Content-Type: application/json");
	} else if (strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
	cJSON_ArrayForEach(h, headers) {
		if (!cJSON_IsString(h))
			continue;
		snprintf(line, sizeof(line), "%s: %s", h->string,
		    h->valuestring);
		hl = curl_slist_append(hl, line);
	}
	if (hl != NULL)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	if (user != NULL && password != NULL) {
		curl_easy_setopt(c, CURLOPT_USERNAME, user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, password);
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, authmask);
	}
	hq_transcript_printf(tr, "-> %s %s\n", method, url);
	cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, statusp);
	if (cc != CURLE_OK) {
		if (hq_interrupted)
			rc = hq_err_set(err, HQ_EINTR, "interrupted");
		else if (b.over)
			rc = hq_err_set(err, HQ_EPROTO, "%s %s: response body "
			    "over %u bytes", method, url, HQ_HTTP_BODY_MAX);
		else
			rc = hq_err_set(err, cc == CURLE_OPERATION_TIMEDOUT ?
			    HQ_ETIMEDOUT : HQ_EUNREACH, "%s %s: %s", method,
			    url, curl_easy_strerror(cc));
		hq_transcript_printf(tr, "<- (failed: %s)\n",
		    curl_easy_strerror(cc));
		free(b.p);
		goto out;
	}
	hq_transcript_printf(tr, "<- %ld, %zu bytes: ", *statusp, b.len);
	hq_transcript_bytes(tr, "", b.p != NULL ? b.p : "", b.len < 2048 ?
	    b.len : 2048);
	hq_transcript_printf(tr, "\n");
	if (b.p == NULL && (b.p = calloc(1, 1)) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "no memory");
		goto out;
	}
	*bodyp = b.p;
	*lenp = b.len;
 out:
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	return rc;
}

int
hq_alarm_http_get(const char *url, struct hq_deadline dl,
    struct hq_transcript *tr, char **bodyp, size_t *lenp, long *statusp,
    struct hq_err *err)
{
	return http_do("GET", url, NULL, NULL, NULL, NULL, 0, dl, tr, bodyp,
	    lenp, statusp, err);
}

static void
step_trace(void *arg, const char *line)
{
	hq_transcript_printf(arg, "%s\n", line);
}

/*
 * The older step shape on the one engine: a step without "expect" wants
 * a 2xx; without "auth" and without operator credentials it goes
 * unauthenticated; a string body without a Content-Type header is sent
 * as JSON.  NULL when step needs none of that (the caller uses step).
 */
static int
legacy_step(const struct hq_dut *dut, const cJSON *step, cJSON **dupp,
    struct hq_err *err)
{
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(step, "body");
	const cJSON *hs = cJSON_GetObjectItemCaseSensitive(step, "headers");
	const cJSON *h;
	bool x, a, ct = false;
	cJSON *d, *arr, *hd;
	int st;

	*dupp = NULL;
	cJSON_ArrayForEach(h, hs)
		if (h->string != NULL && strcasecmp(h->string,
		    "Content-Type") == 0)
			ct = true;
	x = cJSON_GetObjectItemCaseSensitive(step, "expect") == NULL;
	a = cJSON_GetObjectItemCaseSensitive(step, "auth") == NULL &&
	    (dut->op_user == NULL || dut->op_password == NULL);
	ct = cJSON_IsString(b) && !ct;
	if (!x && !a && !ct)
		return 0;
	if ((d = cJSON_Duplicate(step, 1)) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	if (x) {
		if ((arr = cJSON_AddArrayToObject(d, "expect")) == NULL)
			goto nomem;
		for (st = 200; st <= 299; st++)
			if (!cJSON_AddItemToArray(arr, cJSON_CreateNumber(st)))
				goto nomem;
	}
	if (a && cJSON_AddStringToObject(d, "auth", "none") == NULL)
		goto nomem;
	if (ct) {
		if ((hd = cJSON_GetObjectItemCaseSensitive(d, "headers")) ==
		    NULL && (hd = cJSON_AddObjectToObject(d, "headers")) ==
		    NULL)
			goto nomem;
		if (cJSON_AddStringToObject(hd, "Content-Type",
		    "application/json") == NULL)
			goto nomem;
	}
	*dupp = d;
	return 0;
 nomem:
	cJSON_Delete(d);
	return hq_err_set(err, HQ_ENOMEM, "no memory");
}

int
hq_alarm_http_step(const struct hq_dut *dut, const cJSON *step,
    struct hq_deadline dl, struct hq_transcript *tr, char **bodyp,
    size_t *lenp, long *statusp, struct hq_err *err)
{
	struct hq_steps_cfg cfg = {
		.dut = dut, .timeout_ms = 30000,
		.trace = tr != NULL ? step_trace : NULL, .trace_arg = tr,
	};
	struct hq_steps *s = NULL;
	struct hq_step_out out;
	cJSON *dup = NULL;
	int rc;

	*bodyp = NULL;
	*lenp = 0;
	*statusp = 0;
	if (!cJSON_IsObject(step))
		return hq_err_set(err, HQ_EINVAL, "recipe step: not a step");
	if ((rc = legacy_step(dut, step, &dup, err)) != 0 ||
	    (rc = hq_steps_new(&cfg, &s, err)) != 0)
		goto out;
	rc = hq_steps_run_one(s, dup != NULL ? dup : step, "recipe step", dl,
	    &out, bodyp, lenp, err);
	*statusp = out.status;
	if (rc == HQ_STEPS_UNMET)
		rc = hq_err_set(err, HQ_EPROTO, "%s %s: %s", out.method,
		    out.path, out.why);
 out:
	hq_steps_free(s);
	cJSON_Delete(dup);
	return rc;
}

static int
present_http(struct hq_stim *st, const char *what, struct hq_deadline dl,
    struct hq_transcript *tr, struct hq_stim_event *ev, struct hq_err *err)
{
	char *url = subst(st->url, what), *body = st->body != NULL ?
	    subst(st->body, what) : NULL, *resp = NULL;
	size_t len;
	long status;
	int rc;

	if (url == NULL || (st->body != NULL && body == NULL)) {
		rc = hq_err_set(err, HQ_ENOMEM, "no memory");
		goto out;
	}
	ev->sent_ns = hq_mono_ns();
	if ((rc = http_do(st->method != NULL ? st->method : "POST", url, body,
	    NULL, NULL, NULL, 0, hq_deadline_min(dl,
	    hq_deadline_in(st->timeout_ms)), tr, &resp, &len, &status,
	    err)) != 0)
		goto out;
	ev->done_ns = hq_mono_ns();
	hq_escape(ev->reply, sizeof(ev->reply), resp, len);
	if (status < 200 || status > 299) {
		rc = hq_err_set(err, HQ_EPROTO, "stimulus box: %s answered "
		    "%ld", url, status);
		goto out;
	}
	ev->t_ns = ev->done_ns;
	ev->uncert_ns = ev->done_ns - ev->sent_ns;
 out:
	free(url);
	free(body);
	free(resp);
	return rc;
}

int
hq_stim_present(struct hq_stim *st, const char *kind, struct hq_deadline dl,
    struct hq_transcript *tr, struct hq_stim_event *ev, struct hq_err *err)
{
	const char *what;

	memset(ev, 0, sizeof(*ev));
	if (!hq_stim_kind_ok(kind))
		return hq_err_set(err, HQ_EINVAL, "stimulus kind \"%.40s\": "
		    "expected [a-z0-9-]", kind);
	snprintf(ev->kind, sizeof(ev->kind), "%s", kind);
	what = mapped(st, kind);
	switch (st->drv) {
	case DRV_SOCKET:
		return present_socket(st, what, dl, tr, ev, err);
	case DRV_COMMAND:
		return present_command(st, what, dl, tr, ev, err);
	case DRV_HTTP:
		return present_http(st, what, dl, tr, ev, err);
	case DRV_MANUAL:
		return present_manual(st, what, dl, tr, ev, err);
	}
	return hq_err_set(err, HQ_EINTERNAL, "stimulus driver");
}
