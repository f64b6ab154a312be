/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Parallel TLS enumeration (see tlsenum.h).  A scan is a set of tasks,
 * each a chain of probes that depend on each other (offer a set, remove
 * what the server chose, offer again); independent tasks run side by side
 * in at most `window` non-blocking connections polled together.  Each
 * probe has its own deadline; a probe that times out or cannot connect is
 * retried, then its task is marked undecided, never "refused".
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "util/err.h"
#include "util/log.h"
#include "wire/net.h"
#include "wire/scan.h"
#include "wire/tlsenum.h"

enum task_kind { T_SUITES, T_GROUPS, T_PREF };

enum outcome { O_REPLY, O_CLOSED, O_TIMEOUT, O_CONNFAIL, O_PROTO };

struct task {
	enum task_kind	 kind;
	uint16_t	 version;
	uint16_t	*cand;		/* offered: suites or groups */
	size_t		 ncand;
	uint16_t	*found;		/* accepted, in the order found */
	size_t		 nfound;
	bool		 finished;
	bool		 inflight;
	bool		 error;		/* undecided */
	bool		 refused_seen;	/* the first probe was refused */
	char		 why[128];
	unsigned	 tries;
	/*
	 * T_PREF: the pick for the offered order [0] and for its reverse [1],
	 * the reverse asked first (pref_step 0, then 1 for the offered order
	 * when still needed, 2 done).  max_beaten: the set's last suite was
	 * picked after another in a chain that offered both, so a server with
	 * an order of its own does not put it first.
	 */
	int		 pref_step;
	uint16_t	 pick[2];
	bool		 max_beaten;
	bool		 seeded;	/* T_SUITES: found[0] given, not picked */
	/*
	 * Held until gate's first probe is decided (gate_apply): a version's
	 * second and later chains wait for its first chain's first answer
	 * (a refusal of the version itself ends them unprobed); the groups
	 * task, whose first hello is the TLS 1.3 chain's first, byte for
	 * byte, takes that chain's first answer as its own.
	 */
	struct task	*gate;
	bool		 mirror;	/* take gate's first answer */
	bool		 first_done;	/* first probe decided: */
	enum outcome	 first_oc;	/*  its outcome, */
	struct hq_tls_reply first_r;	/*  answer */
	char		 first_msg[128];	/*  and message */
};

struct slot {
	int		 fd;
	struct task	*t;
	int		 phase;		/* 0 connect, 1 write, 2 read */
	uint8_t		 hello[HQ_TLS_HELLO_MAX];
	size_t		 hlen;
	size_t		 sent;
	uint8_t		*buf;
	size_t		 nbuf;
	struct hq_deadline dl;
};

void
hq_tls_scan_clear(struct hq_tls_scan *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < HQ_TLS_NVERSIONS; i++)
		free(s->v[i].suites);
	free(s->groups13);
	memset(s, 0, sizeof(*s));
}

static void
task_free(struct task *t)
{
	if (t == NULL)
		return;
	free(t->cand);
	free(t->found);
	free(t);
}

/* Offers for the task's next probe into buf; false when it is finished. */
static bool
task_next(const struct hq_tlsenum_opts *o, struct task *t, uint8_t *buf,
    size_t cap, size_t *lenp)
{
	struct hq_tls_hello_opts ho = { 0 };
	uint16_t suites13[8], rev[HQ_TLS_OFFER_MAX];
	struct hq_err err = { 0 };
	size_t i, n13 = 0;

	if (t->finished)
		return false;
	ho.version = t->version;
	ho.sni = o->sni;
	switch (t->kind) {
	case T_SUITES:
		if (t->ncand == 0) {
			t->finished = true;
			return false;
		}
		ho.suites = t->cand;
		ho.nsuites = t->ncand;
		break;
	case T_GROUPS: {
		size_t ns, k;
		const struct hq_tls_suite *tab = hq_tls_suites(&ns);

		if (t->ncand == 0) {
			t->finished = true;
			return false;
		}
		for (k = 0; k < ns && n13 < 8; k++)
			if (tab[k].min_version == HQ_TLS13)
				suites13[n13++] = tab[k].id;
		ho.suites = suites13;
		ho.nsuites = n13;
		ho.groups = t->cand;
		ho.ngroups = t->ncand;
		break;
	}
	case T_PREF:
		if (t->pref_step >= 2) {
			t->finished = true;
			return false;
		}
		if (t->pref_step == 1) {
			ho.suites = t->cand;
		} else {
			for (i = 0; i < t->ncand; i++)
				rev[i] = t->cand[t->ncand - 1 - i];
			ho.suites = rev;
		}
		ho.nsuites = t->ncand;
		break;
	}
	if (hq_tls_hello_build(&ho, buf, cap, lenp, &err) != 0) {
		t->finished = true;
		t->error = true;
		snprintf(t->why, sizeof(t->why), "%s", err.msg);
		return false;
	}
	return true;
}

static bool
remove_id(uint16_t *v, size_t *np, uint16_t id)
{
	size_t i;

	for (i = 0; i < *np; i++)
		if (v[i] == id) {
			memmove(v + i, v + i + 1, (*np - i - 1) * sizeof(*v));
			(*np)--;
			return true;
		}
	return false;
}

/*
 * The server's pick for the reversed set (step 0) or the set in its order
 * (step 1).  The reverse alone decides when it is not the reverse's first
 * suite (the server's own order) or when that suite was picked after
 * another in a chain (then a server order would not put it first: the
 * client's order); else the set in its order is asked too.  pick[0] ==
 * pick[1] reads as the server's order.
 */
static void
pref_answer(struct task *t, uint16_t pick)
{
	if (t->pref_step == 1) {
		t->pick[0] = pick;
		t->pref_step = 2;
		return;
	}
	t->pick[1] = pick;
	t->pref_step = 1;
	if (pick != t->cand[t->ncand - 1]) {
		t->pick[0] = pick;		/* not the client's first */
		t->pref_step = 2;
	} else if (t->max_beaten) {
		t->pick[0] = t->cand[0];	/* != pick: the client's */
		t->pref_step = 2;
	}
}

static void
task_done(const struct hq_tlsenum_opts *o, struct hq_tls_scan *s,
    struct task *t, enum outcome oc, const struct hq_tls_reply *r,
    const char *msg)
{
	char nb[32];
	uint16_t pick;

	t->inflight = false;
	if (oc == O_TIMEOUT || oc == O_CONNFAIL) {
		if (++t->tries <= o->retries)
			return;			/* the same probe again */
	} else if (!t->first_done && (oc == O_CLOSED || oc == O_REPLY)) {
		t->first_done = true;
		t->first_oc = oc;
		if (r != NULL)
			t->first_r = *r;
		snprintf(t->first_msg, sizeof(t->first_msg), "%s", msg);
	}
	if (oc == O_TIMEOUT || oc == O_CONNFAIL) {
		t->finished = true;
		t->error = true;
		snprintf(t->why, sizeof(t->why), "%s", msg);
		s->nerrors++;
		if (s->first_error[0] == '\0')
			snprintf(s->first_error, sizeof(s->first_error),
			    "%s", msg);
		return;
	}
	t->tries = 0;
	if (oc == O_REPLY)
		s->nreplies++;
	if (oc == O_PROTO) {
		t->finished = true;
		t->error = true;
		snprintf(t->why, sizeof(t->why), "%s", msg);
		s->nerrors++;
		if (s->first_error[0] == '\0')
			snprintf(s->first_error, sizeof(s->first_error),
			    "%s", msg);
		return;
	}
	if (oc == O_CLOSED || r->kind == HQ_TLSR_ALERT ||
	    r->kind == HQ_TLSR_SSL2) {
		/* Refused: the chain ends. */
		if (t->nfound == 0 && t->why[0] == '\0') {
			if (oc == O_CLOSED)
				snprintf(t->why, sizeof(t->why), "%s", msg);
			else if (r->kind == HQ_TLSR_SSL2)
				snprintf(t->why, sizeof(t->why), "SSLv2 "
				    "server hello");
			else
				snprintf(t->why, sizeof(t->why), "alert %s",
				    hq_tls_alert_name(r->alert_desc, nb,
				    sizeof(nb)));
		}
		t->refused_seen = true;
		if (t->kind == T_PREF)
			t->pref_step = 2;	/* no answer: undecided */
		else
			t->finished = true;
		return;
	}
	/* A ServerHello or HelloRetryRequest. */
	if (r->version != t->version) {
		if (t->nfound == 0)
			snprintf(t->why, sizeof(t->why), "server answered "
			    "with %s", hq_tls_version_name(r->version) != NULL ?
			    hq_tls_version_name(r->version) : "another version");
		t->finished = true;
		if (t->kind == T_PREF)
			t->pref_step = 2;
		return;
	}
	switch (t->kind) {
	case T_SUITES:
	case T_PREF:
		pick = r->suite;
		if (t->kind == T_PREF) {
			pref_answer(t, pick);
			return;
		}
		if (!remove_id(t->cand, &t->ncand, pick)) {
			t->finished = true;
			t->error = true;
			snprintf(t->why, sizeof(t->why), "server chose suite "
			    "0x%04x, which was not offered", pick);
			s->nerrors++;
			return;
		}
		t->found[t->nfound++] = pick;
		break;
	case T_GROUPS:
		if (!r->has_group || !remove_id(t->cand, &t->ncand,
		    r->group)) {
			t->finished = true;
			if (r->has_group) {
				t->error = true;
				snprintf(t->why, sizeof(t->why), "server chose"
				    " group 0x%04x, which was not offered",
				    r->group);
			}
			return;
		}
		t->found[t->nfound++] = r->group;
		break;
	}
}

/* A version refused as such: its other chains need not ask. */
static bool
version_refused(const struct task *g)
{
	if (!g->first_done || g->first_oc != O_REPLY)
		return false;
	if (g->first_r.kind == HQ_TLSR_ALERT)
		return g->first_r.alert_desc == 70;	/* protocol_version */
	return (g->first_r.kind == HQ_TLSR_HELLO ||
	    g->first_r.kind == HQ_TLSR_HRR) && g->first_r.version != g->version;
}

/*
 * Releases t once its gate's first probe is decided (or its gate ended
 * without one: then t asks for itself).  False while t must wait.
 */
static bool
gate_apply(const struct hq_tlsenum_opts *o, struct hq_tls_scan *s,
    struct task *t)
{
	struct task *g = t->gate;

	if (g == NULL)
		return true;
	if (!g->first_done) {
		if (!g->finished)
			return false;
		t->gate = NULL;		/* no answer to go by */
		return true;
	}
	t->gate = NULL;
	if (t->mirror) {
		task_done(o, s, t, g->first_oc, &g->first_r, g->first_msg);
		if (g->first_oc == O_REPLY)
			s->nreplies--;	/* one answer, counted once */
		return true;
	}
	if (version_refused(g)) {
		t->finished = true;
		t->refused_seen = true;
		snprintf(t->why, sizeof(t->why), "%s", g->why);
	}
	return true;
}

static void
slot_close(struct slot *sl)
{
	if (sl->fd >= 0)
		close(sl->fd);
	sl->fd = -1;
	sl->t = NULL;
	sl->nbuf = 0;
}

static int
slot_start(const struct hq_tlsenum_opts *o, struct slot *sl,
    const struct sockaddr_storage *ss, socklen_t slen, struct task *t)
{
	int one = 1;

	sl->t = t;
	sl->phase = 0;
	sl->sent = 0;
	sl->nbuf = 0;
	sl->dl = hq_deadline_in(o->timeout_ms);
	t->inflight = true;
	if ((sl->fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	(void)setsockopt(sl->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(sl->fd, (const struct sockaddr *)ss, slen) == 0)
		sl->phase = 1;
	else if (errno != EINPROGRESS)
		return -errno;
	return 0;
}

/* Runs the tasks to the end (or the deadline). */
static int
run_tasks(const struct hq_tlsenum_opts *o, struct hq_deadline dl,
    struct task **tasks, size_t ntasks, struct hq_tls_scan *s,
    struct hq_err *err)
{
	struct sockaddr_storage ss;
	socklen_t slen;
	struct slot *slots = NULL;
	struct pollfd *pfd = NULL;
	size_t nslots = o->window, i, k, next = 0;
	int rc;

	if (nslots < 1)
		nslots = 1;
	if (nslots > HQ_TLSENUM_WINDOW_MAX)
		nslots = HQ_TLSENUM_WINDOW_MAX;
	if ((rc = hq_addr_parse(o->addr, o->port, &ss, &slen, err)) != 0)
		return rc;
	if ((slots = calloc(nslots, sizeof(*slots))) == NULL ||
	    (pfd = calloc(nslots, sizeof(*pfd))) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "no memory");
		goto out;
	}
	for (i = 0; i < nslots; i++)
		slots[i].fd = -1;
	for (;;) {
		size_t inflight = 0, np = 0;
		int ms;

		if (hq_interrupted) {
			rc = hq_err_set(err, HQ_EINTR, "interrupted");
			goto out;
		}
		/* Fill free slots, visiting tasks round-robin. */
		for (i = 0; i < nslots; i++) {
			struct slot *sl = &slots[i];
			size_t tried;

			if (sl->t != NULL)
				continue;
			for (tried = 0; tried < ntasks; tried++) {
				struct task *t = tasks[(next + tried) % ntasks];
				int e;

				if (t->finished || t->inflight ||
				    !gate_apply(o, s, t) || t->finished)
					continue;
				if (s->nprobes >= HQ_TLSENUM_PROBES_MAX ||
				    hq_deadline_passed(dl) ||
				    (s->nerrors >= 4 && s->nreplies == 0)) {
					/* The last: a server that answers no
					 * probe properly is not worth more. */
					t->finished = true;
					t->error = true;
					snprintf(t->why, sizeof(t->why), "%s",
					    hq_deadline_passed(dl) ? "scan "
					    "deadline passed" : s->nreplies == 0 ?
					    s->first_error : "probe limit");
					continue;
				}
				if (!task_next(o, t, sl->hello,
				    sizeof(sl->hello), &sl->hlen))
					continue;
				s->nprobes++;
				next = (next + tried + 1) % ntasks;
				if ((e = slot_start(o, sl, &ss, slen, t)) != 0) {
					char m[96];

					snprintf(m, sizeof(m), "connect: %s",
					    strerror(-e));
					slot_close(sl);
					task_done(o, s, t, O_CONNFAIL, NULL, m);
					continue;
				}
				if (sl->buf == NULL &&
				    (sl->buf = malloc(HQ_TLS_REPLY_MAX)) ==
				    NULL) {
					rc = hq_err_set(err, HQ_ENOMEM,
					    "no memory");
					goto out;
				}
				break;
			}
		}
		for (i = 0; i < nslots; i++) {
			pfd[i].fd = slots[i].t != NULL ? slots[i].fd : -1;
			pfd[i].events = slots[i].phase == 2 ? POLLIN : POLLOUT;
			pfd[i].revents = 0;
			if (slots[i].t != NULL)
				inflight++;
		}
		if (inflight == 0) {
			bool more = false;

			for (k = 0; k < ntasks; k++)
				if (!tasks[k]->finished)
					more = true;
			if (!more)
				break;
			continue;
		}
		ms = hq_deadline_poll_ms(dl);
		for (i = 0; i < nslots; i++) {
			int m2;

			if (slots[i].t == NULL)
				continue;
			m2 = hq_deadline_poll_ms(slots[i].dl);
			if (ms < 0 || (m2 >= 0 && m2 < ms))
				ms = m2;
		}
		if (poll(pfd, nslots, ms) < 0 && errno != EINTR) {
			rc = hq_err_sys(err, "poll");
			goto out;
		}
		for (i = 0; i < nslots; i++) {
			struct slot *sl = &slots[i];
			struct task *t = sl->t;
			struct hq_tls_reply r;
			struct hq_err perr = { 0 };
			char m[200];
			ssize_t n;

			if (t == NULL)
				continue;
			np++;
			if (pfd[i].revents == 0) {
				if (hq_deadline_passed(sl->dl)) {
					bool part = sl->nbuf > 0;

					if (part)
						snprintf(m, sizeof(m), "only "
						    "%zu bytes of a TLS reply "
						    "within %d ms", sl->nbuf,
						    o->timeout_ms);
					else
						snprintf(m, sizeof(m), "no "
						    "answer within %d ms (%s)",
						    o->timeout_ms,
						    sl->phase == 0 ? "connect" :
						    "after ClientHello");
					slot_close(sl);
					/* A server that answers too slowly has
					 * answered: no retry. */
					task_done(o, s, t, part ? O_PROTO :
					    O_TIMEOUT, NULL, m);
				}
				continue;
			}
			if (sl->phase == 0) {
				int e = 0;
				socklen_t el = sizeof(e);

				if (getsockopt(sl->fd, SOL_SOCKET, SO_ERROR,
				    &e, &el) != 0)
					e = errno;
				if (e != 0) {
					snprintf(m, sizeof(m), "connect: %s",
					    strerror(e));
					slot_close(sl);
					task_done(o, s, t, O_CONNFAIL, NULL, m);
					continue;
				}
				sl->phase = 1;
			}
			if (sl->phase == 1) {
				n = send(sl->fd, sl->hello + sl->sent,
				    sl->hlen - sl->sent, MSG_NOSIGNAL);
				if (n < 0 && (errno == EAGAIN ||
				    errno == EINTR))
					continue;
				if (n < 0) {
					snprintf(m, sizeof(m), "closed while "
					    "sending ClientHello (%s)",
					    strerror(errno));
					slot_close(sl);
					task_done(o, s, t, O_CLOSED, NULL, m);
					continue;
				}
				sl->sent += (size_t)n;
				if (sl->sent == sl->hlen)
					sl->phase = 2;
				continue;
			}
			n = recv(sl->fd, sl->buf + sl->nbuf,
			    HQ_TLS_REPLY_MAX - sl->nbuf, 0);
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (n <= 0) {
				int e = n < 0 ? errno : 0;

				/* Closed before a decided reply. */
				if (sl->nbuf == 0)
					snprintf(m, sizeof(m), "connection "
					    "%s without a TLS answer", e != 0 ?
					    "reset" : "closed");
				else
					snprintf(m, sizeof(m), "connection "
					    "closed after %zu bytes of an "
					    "incomplete reply", sl->nbuf);
				slot_close(sl);
				task_done(o, s, t, O_CLOSED, NULL, m);
				continue;
			}
			sl->nbuf += (size_t)n;
			if (hq_tls_reply_parse(sl->buf, sl->nbuf, &r,
			    &perr) != 0) {
				snprintf(m, sizeof(m), "%s", perr.msg);
				slot_close(sl);
				task_done(o, s, t, O_PROTO, NULL, m);
				continue;
			}
			if (r.kind == HQ_TLSR_MORE) {
				if (sl->nbuf < HQ_TLS_REPLY_MAX)
					continue;
				snprintf(m, sizeof(m), "no ServerHello within "
				    "%d bytes", HQ_TLS_REPLY_MAX);
				slot_close(sl);
				task_done(o, s, t, O_PROTO, NULL, m);
				continue;
			}
			slot_close(sl);
			task_done(o, s, t, O_REPLY, &r, "");
		}
		(void)np;
	}
	rc = 0;
 out:
	if (slots != NULL)
		for (i = 0; i < nslots; i++) {
			slot_close(&slots[i]);
			free(slots[i].buf);
		}
	free(slots);
	free(pfd);
	return rc;
}

static int
add_task(struct task ***vp, size_t *np, size_t *capp, struct task *t)
{
	if (*np == *capp) {
		size_t cap = *capp == 0 ? 16 : *capp * 2;
		struct task **v = realloc(*vp, cap * sizeof(*v));

		if (v == NULL)
			return HQ_ENOMEM;
		*vp = v;
		*capp = cap;
	}
	(*vp)[(*np)++] = t;
	return 0;
}

static struct task *
task_new(enum task_kind kind, uint16_t version, size_t cap)
{
	struct task *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->kind = kind;
	t->version = version;
	if ((t->cand = calloc(cap > 0 ? cap : 1, sizeof(uint16_t))) == NULL ||
	    (t->found = calloc(cap > 0 ? cap : 1, sizeof(uint16_t))) == NULL) {
		task_free(t);
		return NULL;
	}
	return t;
}

static int
cmp_u16(const void *a, const void *b)
{
	uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;

	return x < y ? -1 : x > y;
}

/* Whether a chain of version v picked id after another of its picks (both
 * offered then, the other chosen). */
static bool
beaten(struct task **tasks, size_t ntasks, uint16_t v, uint16_t id)
{
	size_t i, k;

	for (i = 0; i < ntasks; i++) {
		const struct task *t = tasks[i];

		if (t->kind != T_SUITES || t->version != v)
			continue;
		for (k = t->seeded ? 2 : 1; k < t->nfound; k++)
			if (t->found[k] == id)
				return true;
	}
	return false;
}

/* Whether a's and b's first hellos are the same bytes (the same answer). */
static bool
same_first_hello(const struct hq_tlsenum_opts *o, struct task *a,
    struct task *b)
{
	uint8_t *ha, *hb;
	size_t la = 0, lb = 0;
	bool same = false;

	if ((ha = malloc(HQ_TLS_HELLO_MAX)) != NULL &&
	    (hb = malloc(HQ_TLS_HELLO_MAX)) != NULL) {
		same = task_next(o, a, ha, HQ_TLS_HELLO_MAX, &la) &&
		    task_next(o, b, hb, HQ_TLS_HELLO_MAX, &lb) && la == lb &&
		    memcmp(ha, hb, la) == 0;
		free(hb);
	}
	free(ha);
	return same;
}

int
hq_tlsenum_scan(const struct hq_tlsenum_opts *o, struct hq_deadline dl,
    struct hq_tls_scan *s, struct hq_err *err)
{
	const struct hq_tls_suite *tab;
	struct task **tasks = NULL, **pref = NULL, *t13 = NULL;
	size_t ntab, ntasks = 0, cap = 0, npref = 0, pcap = 0, i, k;
	unsigned chunks = o->chunks < 1 ? 1 : o->chunks > 32 ? 32 : o->chunks;
	int64_t t0 = hq_mono_ns();
	int rc = 0;

	memset(s, 0, sizeof(*s));
	tab = hq_tls_suites(&ntab);
	for (i = 0; i < HQ_TLS_NVERSIONS; i++) {
		uint16_t v = (uint16_t)(HQ_SSL3 + i);
		size_t nc = v == HQ_TLS13 ? 1 : chunks, c, idx = 0;
		struct task *ct[32];
		bool seeded = false;

		if ((o->versions & (1u << i)) == 0)
			continue;
		for (c = 0; c < nc; c++) {
			if ((ct[c] = task_new(T_SUITES, v, ntab)) == NULL ||
			    add_task(&tasks, &ntasks, &cap, ct[c]) != 0) {
				task_free(ct[c]);
				rc = hq_err_set(err, HQ_ENOMEM, "no memory");
				goto out;
			}
		}
		/* Interleaved, so that accepted suites (often neighbours in
		 * the table) spread over the chains. */
		for (k = 0; k < ntab; k++) {
			bool v13 = tab[k].min_version == HQ_TLS13;

			if ((v == HQ_TLS13) != v13 || tab[k].min_version > v)
				continue;
			ct[idx % nc]->cand[ct[idx % nc]->ncand++] = tab[k].id;
			idx++;
		}
		/* A pair the caller already saw accepted (the detection's
		 * answer, TLS <= 1.2) is found: the version is known alive. */
		if (v != HQ_TLS13 && o->seed_version == v)
			for (c = 0; c < nc && !seeded; c++)
				if (remove_id(ct[c]->cand, &ct[c]->ncand,
				    o->seed_suite)) {
					ct[c]->found[ct[c]->nfound++] =
					    o->seed_suite;
					ct[c]->seeded = true;
					seeded = true;
				}
		for (c = 1; c < nc && !seeded; c++)
			ct[c]->gate = ct[0];
		if (v == HQ_TLS13)
			t13 = ct[0];
	}
	if (o->groups && (o->versions & (1u << 4)) != 0) {
		size_t ng;
		const struct hq_tls_group *g = hq_tls_groups(&ng);
		struct task *t = task_new(T_GROUPS, HQ_TLS13, ng);

		if (t == NULL || add_task(&tasks, &ntasks, &cap, t) != 0) {
			task_free(t);
			rc = hq_err_set(err, HQ_ENOMEM, "no memory");
			goto out;
		}
		for (k = 0; k < ng; k++)
			if (g[k].tls13)
				t->cand[t->ncand++] = g[k].id;
		if (t13 != NULL && same_first_hello(o, t13, t)) {
			t->gate = t13;
			t->mirror = true;
		}
	}
	if (ntasks > 0 &&
	    (rc = run_tasks(o, dl, tasks, ntasks, s, err)) != 0)
		goto out;
	/* Merge the chains per version. */
	for (i = 0; i < ntasks; i++) {
		struct task *t = tasks[i];
		struct hq_tls_vresult *vr = &s->v[t->version - HQ_SSL3];

		if (t->kind == T_GROUPS) {
			s->groups13 = t->found;
			s->ngroups13 = t->nfound;
			s->groups_done = !t->error;
			t->found = NULL;
			continue;
		}
		if (vr->suites == NULL &&
		    (vr->suites = calloc(ntab, sizeof(uint16_t))) == NULL) {
			rc = hq_err_set(err, HQ_ENOMEM, "no memory");
			goto out;
		}
		for (k = 0; k < t->nfound; k++)
			vr->suites[vr->nsuites++] = t->found[k];
		if (t->error) {
			vr->incomplete = true;
			snprintf(vr->why, sizeof(vr->why), "%s", t->why);
		} else if (vr->why[0] == '\0' && !vr->incomplete) {
			snprintf(vr->why, sizeof(vr->why), "%s", t->why);
		}
		vr->state = HQ_TLSV_REFUSED;	/* decided below */
	}
	for (i = 0; i < HQ_TLS_NVERSIONS; i++) {
		struct hq_tls_vresult *vr = &s->v[i];

		if (vr->state == HQ_TLSV_UNTESTED)
			continue;
		if (vr->nsuites > 0) {
			/* Any accepted suite decides the version; an error
			 * in another chain only makes the set incomplete. */
			vr->state = HQ_TLSV_ACCEPTED;
			if (!vr->incomplete)
				vr->why[0] = '\0';
			qsort(vr->suites, vr->nsuites, sizeof(uint16_t),
			    cmp_u16);
		} else if (vr->incomplete) {
			vr->state = HQ_TLSV_ERROR;
		}
		if (!o->preference || vr->nsuites < 2 ||
		    vr->state != HQ_TLSV_ACCEPTED)
			continue;
		{
			struct task *t = task_new(T_PREF,
			    (uint16_t)(HQ_SSL3 + i), vr->nsuites);

			if (t == NULL || add_task(&pref, &npref, &pcap,
			    t) != 0) {
				task_free(t);
				rc = hq_err_set(err, HQ_ENOMEM, "no memory");
				goto out;
			}
			memcpy(t->cand, vr->suites,
			    vr->nsuites * sizeof(uint16_t));
			t->ncand = vr->nsuites;
			t->max_beaten = beaten(tasks, ntasks, t->version,
			    vr->suites[vr->nsuites - 1]);
		}
	}
	if (npref > 0 && (rc = run_tasks(o, dl, pref, npref, s, err)) != 0)
		goto out;
	for (i = 0; i < npref; i++) {
		struct task *t = pref[i];
		struct hq_tls_vresult *vr = &s->v[t->version - HQ_SSL3];

		if (t->error || t->pick[0] == 0 || t->pick[1] == 0)
			vr->pref = HQ_TLSP_UNKNOWN;
		else if (t->pick[0] == t->pick[1])
			vr->pref = HQ_TLSP_SERVER;
		else
			vr->pref = HQ_TLSP_CLIENT;
	}
 out:
	for (i = 0; i < ntasks; i++)
		task_free(tasks[i]);
	for (i = 0; i < npref; i++)
		task_free(pref[i]);
	free(tasks);
	free(pref);
	s->elapsed_ms = (hq_mono_ns() - t0) / 1000000;
	return rc;
}

int
hq_tlsenum_probe(const char *addr, unsigned port, const uint8_t *hello,
    size_t len, int timeout_ms, struct hq_deadline dl, struct hq_tls_reply *r,
    uint8_t *firstp, struct hq_err *err)
{
	struct hq_deadline t = hq_deadline_min(dl, hq_deadline_in(timeout_ms));
	uint8_t *buf = NULL;
	size_t nbuf = 0;
	int fd = -1, rc;

	memset(r, 0, sizeof(*r));
	if ((rc = hq_net_connect(addr, port, t, &fd, err)) != 0)
		return rc;
	if ((buf = malloc(HQ_TLS_REPLY_MAX)) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "no memory");
		goto out;
	}
	if ((rc = hq_net_write_all(fd, hello, len, t, err)) != 0) {
		/* A server that closes on our hello has answered. */
		if (rc == HQ_EIO) {
			hq_err_clear(err);
			rc = 0;
		}
		goto out;
	}
	while (nbuf < HQ_TLS_REPLY_MAX) {
		ssize_t n;

		if ((rc = hq_net_wait(fd, POLLIN, t, err)) != 0) {
			if (rc == HQ_ETIMEDOUT && nbuf == 0) {
				hq_err_clear(err);
				rc = 0;		/* silent: kind MORE */
			} else if (rc == HQ_ETIMEDOUT) {
				hq_err_clear(err);
				rc = hq_err_set(err, HQ_EPROTO, "only %zu bytes "
				    "of a TLS reply within %d ms", nbuf,
				    timeout_ms);
			}
			goto out;
		}
		n = recv(fd, buf + nbuf, HQ_TLS_REPLY_MAX - nbuf, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			break;
		if (nbuf == 0 && firstp != NULL)
			*firstp = buf[0];
		nbuf += (size_t)n;
		if ((rc = hq_tls_reply_parse(buf, nbuf, r, err)) != 0)
			goto out;
		if (r->kind != HQ_TLSR_MORE)
			goto out;
	}
	if (nbuf == HQ_TLS_REPLY_MAX)
		rc = hq_err_set(err, HQ_EPROTO, "no ServerHello within %d "
		    "bytes", HQ_TLS_REPLY_MAX);
	else if (nbuf > 0)
		rc = hq_err_set(err, HQ_EPROTO, "connection closed after %zu "
		    "bytes of an incomplete TLS reply", nbuf);
	else
		r->kind = HQ_TLSR_MORE;		/* closed without a word */
 out:
	free(buf);
	if (fd >= 0)
		close(fd);
	return rc;
}

int
hq_tlsenum_detect(const struct hq_tlsenum_opts *o, struct hq_deadline dl,
    bool *is_tlsp, char *why, size_t whysz, struct hq_tls_reply *rp,
    struct hq_err *err)
{
	struct hq_tls_reply r;
	struct hq_err perr = { 0 };
	const uint8_t *hello;
	size_t len;
	char nb[32];
	uint8_t first = 0;
	int rc;

	*is_tlsp = false;
	hello = hq_tls_probe_hello(&len);
	rc = hq_tlsenum_probe(o->addr, o->port, hello, len, o->timeout_ms, dl,
	    &r, &first, &perr);
	if (rp != NULL)
		*rp = rc == 0 ? r : (struct hq_tls_reply){ 0 };
	if (rc == HQ_EPROTO && (first == 0x15 || first == 0x16)) {
		/* It starts like TLS: a TLS port that answers badly. */
		*is_tlsp = true;
		snprintf(why, whysz, "malformed TLS answer: %s", perr.msg);
		return 0;
	}
	if (rc == HQ_EPROTO) {
		snprintf(why, whysz, "not TLS: %s", perr.msg);
		return 0;
	}
	if (rc != 0)
		return hq_err_set(err, rc, "%s", perr.msg);
	switch (r.kind) {
	case HQ_TLSR_HELLO:
	case HQ_TLSR_HRR:
		*is_tlsp = true;
		snprintf(why, whysz, "ServerHello %s, %s",
		    hq_tls_version_name(r.version) != NULL ?
		    hq_tls_version_name(r.version) : "?",
		    hq_tls_suite_name(r.suite, nb, sizeof(nb)));
		break;
	case HQ_TLSR_ALERT:
		*is_tlsp = true;
		snprintf(why, whysz, "TLS alert %s",
		    hq_tls_alert_name(r.alert_desc, nb, sizeof(nb)));
		break;
	case HQ_TLSR_SSL2:
		*is_tlsp = true;
		snprintf(why, whysz, "SSLv2 server hello");
		break;
	default:
		snprintf(why, whysz, "no TLS answer to a ClientHello");
		break;
	}
	return 0;
}

/* The real handshake. */

void
hq_tls_hs_clear(struct hq_tls_hs *hs)
{
	if (hs == NULL)
		return;
	if (hs->chain != NULL)
		sk_X509_pop_free(hs->chain, X509_free);
	memset(hs, 0, sizeof(*hs));
}

static bool
ip_literal(const char *s)
{
	uint8_t a[16];

	return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

int
hq_tlsenum_hs_ctx(const struct hq_tls_hs_opts *o, SSL_CTX **ctxp,
    struct hq_err *err)
{
	SSL_CTX *ctx;
	int rc = 0;

	*ctxp = NULL;
	ERR_clear_error();
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		return hq_err_tls(err, "SSL_CTX_new");
	/* Level 0: we observe what the server offers, we don't judge here. */
	SSL_CTX_set_security_level(ctx, 0);
	SSL_CTX_set_options(ctx, SSL_OP_LEGACY_SERVER_CONNECT);
	ERR_clear_error();
	if ((o->min_version != 0 &&
	    SSL_CTX_set_min_proto_version(ctx, o->min_version) != 1) ||
	    (o->max_version != 0 &&
	    SSL_CTX_set_max_proto_version(ctx, o->max_version) != 1)) {
		rc = hq_err_tls(err, "protocol version range");
		goto out;
	}
	ERR_clear_error();
	if (SSL_CTX_set_cipher_list(ctx, o->ciphers != NULL ? o->ciphers :
	    "ALL:COMPLEMENTOFALL:@SECLEVEL=0") != 1) {
		rc = hq_err_tls(err, "cipher list");
		goto out;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	if (o->ca_file != NULL) {
		ERR_clear_error();
		if (SSL_CTX_load_verify_locations(ctx, o->ca_file, NULL) !=
		    1) {
			rc = hq_err_tls(err, o->ca_file);
			goto out;
		}
	}
 out:
	if (rc != 0)
		SSL_CTX_free(ctx);
	else
		*ctxp = ctx;
	ERR_clear_error();
	return rc;
}

int
hq_tlsenum_handshake(const struct hq_tls_hs_opts *o, struct hq_deadline dl,
    struct hq_tls_hs *hs, struct hq_err *err)
{
	SSL_CTX *ctx = NULL;
	int rc;

	memset(hs, 0, sizeof(*hs));
	if ((rc = hq_tlsenum_hs_ctx(o, &ctx, err)) != 0)
		return rc;
	rc = hq_tlsenum_handshake_ctx(ctx, o, dl, hs, err);
	SSL_CTX_free(ctx);
	return rc;
}

int
hq_tlsenum_handshake_ctx(SSL_CTX *ctx, const struct hq_tls_hs_opts *o,
    struct hq_deadline dl, struct hq_tls_hs *hs, struct hq_err *err)
{
	struct hq_deadline t = hq_deadline_min(dl,
	    hq_deadline_in(o->timeout_ms));
	SSL *ssl = NULL;
	STACK_OF(X509) *chain;
	EVP_PKEY *tmp = NULL;
	int fd = -1, rc = 0, r, i;

	memset(hs, 0, sizeof(*hs));
	if ((rc = hq_net_connect(o->addr, o->port, t, &fd, err)) != 0)
		goto out;
	ERR_clear_error();
	if ((ssl = SSL_new(ctx)) == NULL || SSL_set_fd(ssl, fd) != 1) {
		rc = hq_err_tls(err, "SSL_new");
		goto out;
	}
	if (o->sni != NULL && !ip_literal(o->sni)) {
		ERR_clear_error();
		(void)SSL_set_tlsext_host_name(ssl, o->sni);
		if (o->ca_file != NULL) {
			ERR_clear_error();
			(void)SSL_set1_host(ssl, o->sni);
		}
	}
	for (;;) {
		ERR_clear_error();
		if ((r = SSL_connect(ssl)) == 1)
			break;
		switch (SSL_get_error(ssl, r)) {
		case SSL_ERROR_WANT_READ:
			if ((rc = hq_net_wait(fd, POLLIN, t, err)) != 0)
				goto out;
			continue;
		case SSL_ERROR_WANT_WRITE:
			if ((rc = hq_net_wait(fd, POLLOUT, t, err)) != 0)
				goto out;
			continue;
		default:
			rc = hq_err_tls(err, "TLS handshake");
			goto out;
		}
	}
	snprintf(hs->version, sizeof(hs->version), "%s", SSL_get_version(ssl));
	snprintf(hs->cipher, sizeof(hs->cipher), "%s",
	    SSL_CIPHER_get_name(SSL_get_current_cipher(ssl)));
	if ((chain = SSL_get_peer_cert_chain(ssl)) != NULL) {
		if ((hs->chain = sk_X509_new_null()) == NULL) {
			rc = hq_err_set(err, HQ_ENOMEM, "no memory");
			goto out;
		}
		for (i = 0; i < sk_X509_num(chain); i++) {
			X509 *x = sk_X509_value(chain, i);

			if (X509_up_ref(x) != 1 ||
			    sk_X509_push(hs->chain, x) <= 0) {
				rc = hq_err_set(err, HQ_ENOMEM, "no memory");
				goto out;
			}
		}
	}
	hs->verify = SSL_get_verify_result(ssl);
	hs->verified = o->ca_file != NULL && hs->verify == X509_V_OK;
	if (SSL_get_peer_tmp_key(ssl, &tmp) == 1 && tmp != NULL) {
		const char *tn = EVP_PKEY_get0_type_name(tmp);

		snprintf(hs->tmp_key, sizeof(hs->tmp_key), "%s",
		    tn != NULL ? tn : "?");
		hs->tmp_bits = EVP_PKEY_get_bits(tmp);
	}
	ERR_clear_error();
	(void)SSL_shutdown(ssl);		/* one try; we don't wait */
 out:
	EVP_PKEY_free(tmp);
	SSL_free(ssl);
	if (fd >= 0)
		close(fd);
	ERR_clear_error();
	return rc;
}
