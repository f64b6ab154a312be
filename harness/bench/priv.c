/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Privilege separation: the monitor's request loop and checks, the
 * worker's privilege drop and its end of the channel (priv.h).
 */
#include <errno.h>
#include <ftw.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <cjson/cJSON.h>

#include "bench/bench.h"
#include "bench/capture.h"
#include "bench/priv.h"
#include "util/err.h"
#include "util/log.h"
#include "util/util.h"

#define REQ_HEAD	offsetof(struct hq_priv_req, data)
#define REP_HEAD	offsetof(struct hq_priv_rep, data)

struct hq_priv {
	int		 fd;
	unsigned	 instance;
	pthread_mutex_t	 mu;
};

int
hq_priv_req_check(const struct hq_priv_req *q, size_t got, unsigned instance,
    size_t done_len, struct hq_err *err)
{
	if (got < REQ_HEAD || got > sizeof(*q))
		return hq_err_set(err, HQ_EINVAL, "request of %zu bytes",
		    got);
	if (q->magic != HQ_PRIV_MAGIC)
		return hq_err_set(err, HQ_EINVAL, "request without the "
		    "magic");
	if (q->op < HQ_PRIV_START || q->op >= HQ_PRIV_OP_END)
		return hq_err_set(err, HQ_EINVAL, "request op %u unknown",
		    q->op);
	if (q->instance != instance)
		return hq_err_set(err, HQ_EINVAL, "request for bench %u; "
		    "this run has bench %u", q->instance, instance);
	if (q->len > HQ_PRIV_DATA_MAX || got != REQ_HEAD + q->len)
		return hq_err_set(err, HQ_EINVAL, "request data of %u bytes "
		    "in a message of %zu", q->len, got);
	switch (q->op) {
	case HQ_PRIV_CUT:
		if (q->arg < HQ_CUT_LINK_DOWN || q->arg > HQ_CUT_PARTITION)
			return hq_err_set(err, HQ_EINVAL, "cut mode %u "
			    "unknown", q->arg);
		break;
	case HQ_PRIV_CAP_STOP:
		if (q->arg > 1)
			return hq_err_set(err, HQ_EINVAL, "capture stop arg "
			    "%u", q->arg);
		break;
	case HQ_PRIV_COMMENT:
		if (q->len == 0 || q->len > HQ_CAPTURE_COMMENT_MAX + 1 ||
		    memchr(q->data, '\0', q->len) != q->data + q->len - 1)
			return hq_err_set(err, HQ_EINVAL, "comment not one "
			    "string of at most %d bytes",
			    HQ_CAPTURE_COMMENT_MAX);
		break;
	case HQ_PRIV_SIGNAL:
		if (q->arg != SIGHUP && q->arg != SIGUSR1 &&
		    q->arg != SIGUSR2)
			return hq_err_set(err, HQ_EINVAL, "signal %u: only "
			    "HUP, USR1 and USR2", q->arg);
		if (q->pid < 2 || q->pid > 4194304)
			return hq_err_set(err, HQ_EINVAL, "signal to pid %u",
			    q->pid);
		break;
	case HQ_PRIV_LISTEN:
	case HQ_PRIV_LISTEN_LAN:
		if (q->arg == 0 || q->arg > 65535)
			return hq_err_set(err, HQ_EINVAL, "listen on port %u",
			    q->arg);
		if (q->len < 2 || q->len > 64 ||
		    memchr(q->data, '\0', q->len) != q->data + q->len - 1)
			return hq_err_set(err, HQ_EINVAL, "listen address not "
			    "one string of at most 63 bytes");
		break;
	case HQ_PRIV_DONE:
		if (q->len != done_len)
			return hq_err_set(err, HQ_EINVAL, "summary of %u "
			    "bytes, not %zu", q->len, done_len);
		break;
	default:
		break;
	}
	if (q->op != HQ_PRIV_COMMENT && q->op != HQ_PRIV_DONE &&
	    q->op != HQ_PRIV_LISTEN && q->op != HQ_PRIV_LISTEN_LAN &&
	    q->len != 0)
		return hq_err_set(err, HQ_EINVAL, "request op %u takes no "
		    "data", q->op);
	if (q->op != HQ_PRIV_SIGNAL && q->pid != 0)
		return hq_err_set(err, HQ_EINVAL, "request op %u takes no "
		    "pid", q->op);
	if (q->op != HQ_PRIV_CUT && q->op != HQ_PRIV_CAP_STOP &&
	    q->op != HQ_PRIV_SIGNAL && q->op != HQ_PRIV_LISTEN &&
	    q->op != HQ_PRIV_LISTEN_LAN && q->arg != 0)
		return hq_err_set(err, HQ_EINVAL, "request op %u takes no "
		    "argument", q->op);
	return 0;
}

/*
 * The local account files first: the user is a system account, which
 * `make install`, the package and adduser put in /etc/passwd, and
 * reading the files is a few tens of microseconds where the name
 * service's first lookup of a name it does not find there loads its
 * other modules (libnss_systemd and its libraries: 0.3-0.5 ms on every
 * run without _hopquy).  The name service only when neither is there.
 */
static struct passwd *
pw_local(const char *n1, const char *n2)
{
	static struct passwd found;
	static char nm[64];
	struct passwd *pw, *got = NULL;
	int rank = 3;
	FILE *f;

	if ((f = fopen("/etc/passwd", "re")) == NULL)
		return NULL;
	while ((pw = fgetpwent(f)) != NULL) {
		int r = strcmp(pw->pw_name, n1) == 0 ? 1 :
		    strcmp(pw->pw_name, n2) == 0 ? 2 : 3;

		if (r < rank && strlen(pw->pw_name) < sizeof(nm)) {
			rank = r;
			found = *pw;
			snprintf(nm, sizeof(nm), "%s", pw->pw_name);
			found.pw_name = nm;
			found.pw_passwd = found.pw_gecos = found.pw_dir =
			    found.pw_shell = NULL;
			got = &found;
		}
	}
	fclose(f);
	return got;
}

/* The ids of the groups named, from one pass over /etc/group; the name
 * service for any not there (hq_priv_drop).  found[i]: names[i] has
 * one. */
static void
gr_local(const char *const *names, size_t n, gid_t *gids, bool *found)
{
	struct group *g;
	size_t i;
	FILE *f;

	memset(found, 0, n * sizeof(*found));
	if ((f = fopen("/etc/group", "re")) != NULL) {
		while ((g = fgetgrent(f)) != NULL)
			for (i = 0; i < n; i++)
				if (!found[i] && strcmp(g->gr_name,
				    names[i]) == 0) {
					gids[i] = g->gr_gid;
					found[i] = true;
				}
		fclose(f);
	}
	for (i = 0; i < n; i++)
		if (!found[i] && (g = getgrnam(names[i])) != NULL) {
			gids[i] = g->gr_gid;
			found[i] = true;
		}
}

int
hq_priv_user(uid_t *uidp, gid_t *gidp, char *name, size_t namesz,
    struct hq_err *err)
{
	struct passwd *pw;

	if ((pw = pw_local(HQ_PRIV_USER, HQ_PRIV_USER_FALLBACK)) == NULL &&
	    (pw = getpwnam(HQ_PRIV_USER)) == NULL &&
	    (pw = getpwnam(HQ_PRIV_USER_FALLBACK)) == NULL)
		return hq_err_set(err, HQ_EINVAL, "no user %s nor %s to run "
		    "the worker as (--no-privsep runs everything as root)",
		    HQ_PRIV_USER, HQ_PRIV_USER_FALLBACK);
	if (pw->pw_uid == 0)
		return hq_err_set(err, HQ_EINVAL, "user %s is root",
		    pw->pw_name);
	*uidp = pw->pw_uid;
	*gidp = pw->pw_gid;
	snprintf(name, namesz, "%s", pw->pw_name);
	return 0;
}

/* The worker's filter, compiled with libseccomp when hopquy was built
 * (tools/seccomp-bpf.c, from priv_deny.inc): allow, except EPERM for
 * what a worker never does. */
#include "bench/seccomp_bpf.h"

static int
seccomp_install(struct hq_err *err)
{
	struct sock_fprog prog = {
		.len = (unsigned short)(sizeof(hq_seccomp_filter) /
		    sizeof(*hq_seccomp_filter)),
		.filter = (struct sock_filter *)(void *)hq_seccomp_filter,
	};

	/* no_new_privs is set (hq_priv_drop). */
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) != 0)
		return hq_err_set(err, HQ_EIO, "seccomp filter: %s",
		    strerror(errno));
	return 0;
}

#define NEXTRA	3

int
hq_priv_drop(uid_t uid, gid_t gid, struct hq_err *err)
{
	/* Device access for the stimulus and power drivers. */
	static const char *const extra[NEXTRA] = { "audio", "dialout",
	    "video" };
	gid_t groups[NEXTRA + 1], gids[NEXTRA];
	bool found[NEXTRA];
	size_t i, ng = 0;
	int c;

	groups[ng++] = gid;
	gr_local(extra, NEXTRA, gids, found);
	for (i = 0; i < NEXTRA; i++)
		if (found[i])
			groups[ng++] = gids[i];
	/* The bounding set first: dropping it needs CAP_SETPCAP. */
	for (c = 0; c <= CAP_LAST_CAP; c++)
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) != 0 && errno != EINVAL)
			return hq_err_set(err, HQ_EIO, "capability %d: %s", c,
			    strerror(errno));
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 &&
	    errno != EINVAL)
		return hq_err_set(err, HQ_EIO, "ambient capabilities: %s",
		    strerror(errno));
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0 ||
	    setgroups(ng, groups) != 0 || setresgid(gid, gid, gid) != 0 ||
	    setresuid(uid, uid, uid) != 0)
		return hq_err_set(err, HQ_EIO, "dropping to uid %u: %s",
		    (unsigned)uid, strerror(errno));
	/* setresuid from 0 cleared the permitted and effective sets; make
	 * sure, and that root cannot be had back. */
	{
		struct __user_cap_header_struct h = {
			.version = _LINUX_CAPABILITY_VERSION_3 };
		struct __user_cap_data_struct d[2];

		memset(d, 0, sizeof(d));
		if (syscall(SYS_capset, &h, d) != 0)
			return hq_err_set(err, HQ_EIO, "capset: %s",
			    strerror(errno));
	}
	if (setuid(0) == 0 || geteuid() == 0 || getegid() == 0)
		return hq_err_set(err, HQ_EIO, "root could be regained");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return hq_err_set(err, HQ_EIO, "no_new_privs: %s",
		    strerror(errno));
	/* The worker's exits stay reapable, its memory unreadable by
	 * others of the same user. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	/* The worker dies with the monitor. */
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	return seccomp_install(err);
}

/* The worker's end. */

struct hq_priv *
hq_priv_client(int fd, unsigned instance)
{
	struct hq_priv *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->fd = fd;
	p->instance = instance;
	pthread_mutex_init(&p->mu, NULL);
	return p;
}

void
hq_priv_client_free(struct hq_priv *p)
{
	if (p == NULL)
		return;
	pthread_mutex_destroy(&p->mu);
	free(p);
}

/* One reply, and the descriptor it carries (else *fdp -1). */
static ssize_t
recv_rep(int fd, struct hq_priv_rep *rep, int *fdp)
{
	union {
		struct cmsghdr	h;
		char		buf[CMSG_SPACE(sizeof(int))];
	} c;
	struct iovec iov = { rep, sizeof(*rep) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
	    .msg_control = c.buf, .msg_controllen = sizeof(c.buf) };
	struct cmsghdr *cm;
	ssize_t n;

	*fdp = -1;
	if ((n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC)) < 0)
		return n;
	for (cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET &&
		    cm->cmsg_type == SCM_RIGHTS &&
		    cm->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(fdp, CMSG_DATA(cm), sizeof(int));
	return n;
}

int
hq_priv_call(struct hq_priv *p, struct hq_priv_req *q,
    struct hq_priv_rep *rep, struct hq_err *err)
{
	return hq_priv_call_fd(p, q, rep, NULL, err);
}

int
hq_priv_call_fd(struct hq_priv *p, struct hq_priv_req *q,
    struct hq_priv_rep *rep, int *fdp, struct hq_err *err)
{
	struct hq_deadline dl = hq_deadline_in(HQ_PRIV_REPLY_MS);
	struct pollfd pfd;
	ssize_t n;
	int rc = 0, fd = -1;

	q->magic = HQ_PRIV_MAGIC;
	q->instance = p->instance;
	memset(rep, 0, REP_HEAD);
	pthread_mutex_lock(&p->mu);
	do
		n = send(p->fd, q, REQ_HEAD + q->len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)(REQ_HEAD + q->len)) {
		rc = hq_err_set(err, HQ_EIO, "monitor: %s", n < 0 ?
		    strerror(errno) : "short send");
		goto out;
	}
	for (;;) {
		pfd.fd = p->fd;
		pfd.events = POLLIN;
		if (hq_deadline_passed(dl)) {
			rc = hq_err_set(err, HQ_ETIMEDOUT, "the monitor did "
			    "not answer within %d ms", HQ_PRIV_REPLY_MS);
			goto out;
		}
		if (poll(&pfd, 1, hq_deadline_poll_ms(dl)) <= 0)
			continue;
		n = recv_rep(p->fd, rep, &fd);
		if (n < 0 && errno == EINTR)
			continue;
		break;
	}
	if (n < (ssize_t)REP_HEAD || rep->len > HQ_PRIV_DATA_MAX ||
	    (size_t)n != REP_HEAD + rep->len) {
		rc = hq_err_set(err, HQ_EIO, "monitor: %s", n < 0 ?
		    strerror(errno) : n == 0 ? "gone" : "bad reply");
		goto out;
	}
	rep->msg[sizeof(rep->msg) - 1] = '\0';
	if (rep->rc != 0)
		rc = hq_err_set(err, rep->rc < 0 ? rep->rc : HQ_EIO, "%s",
		    rep->msg);
 out:
	pthread_mutex_unlock(&p->mu);
	/* A descriptor is taken only where one was asked for. */
	if (rc == 0 && fdp != NULL) {
		*fdp = fd;
		fd = -1;
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

int
hq_priv_call_simple(struct hq_priv *p, enum hq_priv_op op, uint32_t arg,
    const char *text, struct hq_priv_rep *rep, struct hq_err *err)
{
	struct hq_priv_req *q = malloc(sizeof(*q));
	size_t len;
	int rc;

	if (q == NULL)
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	q->op = op;
	q->arg = arg;
	q->pid = 0;
	q->len = 0;
	if (text != NULL) {
		len = strnlen(text, HQ_CAPTURE_COMMENT_MAX);
		memcpy(q->data, text, len);
		q->data[len] = '\0';
		q->len = (uint32_t)len + 1;
	}
	rc = hq_priv_call(p, q, rep, err);
	free(q);
	return rc;
}

int
hq_priv_call_signal(struct hq_priv *p, int sig, long pid,
    struct hq_err *err)
{
	struct hq_priv_req *q = malloc(sizeof(*q));
	struct hq_priv_rep *rep = malloc(sizeof(*rep));
	int rc;

	if (q == NULL || rep == NULL) {
		free(q);
		free(rep);
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	}
	q->op = HQ_PRIV_SIGNAL;
	q->arg = (uint32_t)sig;
	q->pid = pid > 0 && pid <= 4194304 ? (uint32_t)pid : 0;
	q->len = 0;
	rc = hq_priv_call(p, q, rep, err);
	free(q);
	free(rep);
	return rc;
}

static int
call_listen(struct hq_priv *p, enum hq_priv_op op, const char *addr,
    unsigned port, int *fdp, struct hq_err *err);

int
hq_priv_call_listen(struct hq_priv *p, const char *addr, unsigned port,
    int *fdp, struct hq_err *err)
{
	return call_listen(p, HQ_PRIV_LISTEN, addr, port, fdp, err);
}

int
hq_priv_call_listen_lan(struct hq_priv *p, const char *addr, unsigned port,
    int *fdp, struct hq_err *err)
{
	return call_listen(p, HQ_PRIV_LISTEN_LAN, addr, port, fdp, err);
}

static int
call_listen(struct hq_priv *p, enum hq_priv_op op, const char *addr,
    unsigned port, int *fdp, struct hq_err *err)
{
	struct hq_priv_req *q = malloc(sizeof(*q));
	struct hq_priv_rep *rep = malloc(sizeof(*rep));
	size_t len = strlen(addr);
	int rc;

	*fdp = -1;
	if (q == NULL || rep == NULL) {
		free(q);
		free(rep);
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	}
	if (len == 0 || len > 63) {
		free(q);
		free(rep);
		return hq_err_set(err, HQ_EINVAL, "listen: bad address");
	}
	q->op = op;
	q->arg = port;
	q->pid = 0;
	q->len = (uint32_t)len + 1;
	memcpy(q->data, addr, len + 1);
	if ((rc = hq_priv_call_fd(p, q, rep, fdp, err)) == 0 && *fdp < 0)
		rc = hq_err_set(err, HQ_EIO, "listen on %s:%u: the monitor "
		    "passed no socket", addr, port);
	free(q);
	free(rep);
	return rc;
}

/* The monitor. */

static uid_t chown_uid;

static int
chown_one(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return lchown(path, chown_uid, (gid_t)-1);
}

static int
chown_tree(const char *path, uid_t uid)
{
	chown_uid = uid;
	return nftw(path, chown_one, 16, FTW_PHYS);
}


static void
rep_err(struct hq_priv_rep *rep, int rc, const struct hq_err *e)
{
	rep->rc = rc;
	snprintf(rep->msg, sizeof(rep->msg), "%s", e->msg);
}

static void
cap_stop(struct hq_priv_monitor *m, const char *note)
{
	struct hq_err e = { 0 };
	cJSON *stats = NULL;

	if (m->cap == NULL)
		return;
	if (note != NULL)
		hq_capture_comment(m->cap, note);
	if (hq_capture_stop(m->cap, &stats, &e) != 0)
		hq_warn("capture: %s", e.msg);
	m->cap = NULL;
	if (m->stats == NULL)
		m->stats = stats;
	else
		cJSON_Delete(stats);
}

static void
serve_one(struct hq_priv_monitor *m, const struct hq_priv_req *q,
    struct hq_priv_rep *rep, int *passfd)
{
	struct hq_err e = { 0 };
	const char *a;
	size_t i, n = 0, o = 0;
	char *s;

	switch (q->op) {
	case HQ_PRIV_START:
		if (m->started) {
			rep->rc = HQ_EINVAL;
			snprintf(rep->msg, sizeof(rep->msg), "started twice");
			break;
		}
		m->started = true;
		/* The run directory becomes the worker's, now that it
		 * waits for this answer: nothing in it can move under
		 * root's feet before. */
		if (m->rundir != NULL && chown_tree(m->rundir, m->uid) != 0)
			hq_warn("%s: cannot give it to the worker: %s",
			    m->rundir, strerror(errno));
		if (m->co == NULL)
			break;
		/* Started while the worker dropped its privileges
		 * (cap_begin); its outcome is this answer. */
		if (m->cap_rc != 0) {
			m->cap_failed = true;
			rep->rc = m->cap_rc;
			snprintf(rep->msg, sizeof(rep->msg), "%s", m->cap_msg);
			break;
		}
		/* The worker reads the capture (flows, the manifest's
		 * hash); root keeps writing it through its descriptor. */
		if (chown(m->co->path, m->uid, (gid_t)-1) != 0)
			hq_warn("%s: %s", m->co->path, strerror(errno));
		rep->n = 1;
		break;
	case HQ_PRIV_CUT:
		if ((rep->rc = hq_bench_cut(m->bench, (enum hq_cut_mode)q->arg,
		    &e)) != 0)
			rep_err(rep, rep->rc, &e);
		break;
	case HQ_PRIV_RESTORE:
		if ((rep->rc = hq_bench_restore(m->bench, &e)) != 0)
			rep_err(rep, rep->rc, &e);
		break;
	case HQ_PRIV_REDIRECT:
		if ((rep->rc = hq_bench_redirect(m->bench, &n, &e)) != 0) {
			rep_err(rep, rep->rc, &e);
			break;
		}
		for (i = 0; (a = hq_bench_redirect_addr(m->bench, i)) != NULL;
		    i++) {
			size_t l = strlen(a) + 1;

			if (o + l > sizeof(rep->data))
				break;
			memcpy(rep->data + o, a, l);
			o += l;
		}
		rep->n = (uint32_t)i;
		rep->len = (uint32_t)o;
		break;
	case HQ_PRIV_UNREDIRECT:
		if ((rep->rc = hq_bench_unredirect(m->bench, &e)) != 0)
			rep_err(rep, rep->rc, &e);
		break;
	case HQ_PRIV_COMMENT:
		hq_capture_comment(m->cap, q->data);
		break;
	case HQ_PRIV_CAP_HIT:
		rep->n = hq_capture_cap_hit(m->cap) ? 1 : 0;
		break;
	case HQ_PRIV_CAP_STOP:
		/* The run's last step, written here rather than asked for
		 * on its own. */
		cap_stop(m, q->arg != 0 ? "run: interrupted" : "run: end");
		/* The capture's fsync, if deferred here (util.h), waits:
		 * the worker's flush of the evidence syncs the file before
		 * it writes the report; ours runs once the worker is done
		 * (DONE), during its exit, or at the run's end. */
		if (m->stats != NULL &&
		    (s = cJSON_PrintUnformatted(m->stats)) != NULL) {
			o = strlen(s);
			if (o < sizeof(rep->data)) {
				memcpy(rep->data, s, o);
				rep->len = (uint32_t)o;
			}
			free(s);
		}
		break;
	case HQ_PRIV_SIGNAL:
		if (hq_bench_lab_ns(m->bench)[0] == '\0') {
			rep->rc = HQ_EINVAL;
			snprintf(rep->msg, sizeof(rep->msg), "a host bench "
			    "has no DUT namespace: no signal is sent for an "
			    "unprivileged worker (--no-privsep)");
			break;
		}
		if ((rep->rc = hq_bench_signal_dut(m->bench, (long)q->pid,
		    (int)q->arg, &e)) != 0)
			rep_err(rep, rep->rc, &e);
		break;
	case HQ_PRIV_LISTEN:
	case HQ_PRIV_LISTEN_LAN:
		/* Only on an address the bench redirected, or (LAN) one of
		 * a host bench's LAN interface, both checked there: never a
		 * port of the host's other addresses. */
		if ((rep->rc = q->op == HQ_PRIV_LISTEN ?
		    hq_bench_listen(m->bench, q->data, q->arg, passfd, &e) :
		    hq_bench_listen_lan(m->bench, q->data, q->arg, passfd,
		    &e)) != 0)
			rep_err(rep, rep->rc, &e);
		else
			rep->n = 1;
		break;
	case HQ_PRIV_DONE:
		memcpy(m->done_buf, q->data, m->done_len);
		m->done = true;
		/* The monitor's deferred syncs (the capture), while the
		 * worker exits; the run's end waits for them. */
		hq_sync_flush_start();
		break;
	default:
		break;
	}
}

/*
 * The capture, started as soon as the worker is forked: its socket, file
 * and threads are set up while the worker drops its privileges and
 * installs its filter, instead of while it waits for START.  The file is
 * root's, in the run directory that is still root's; START gives both to
 * the worker.  Nothing goes to the device before the worker has START's
 * answer, so the capture misses nothing.
 */
static void
cap_begin(struct hq_priv_monitor *m)
{
	struct hq_err e = { 0 };

	if (m->co == NULL)
		return;
	if ((m->cap_rc = hq_capture_start(m->co, &m->cap, &e)) != 0) {
		snprintf(m->cap_msg, sizeof(m->cap_msg), "%s", e.msg);
		m->cap = NULL;
		return;
	}
	hq_capture_comment(m->cap, "run: start");
}

/* A reply, with fd (>= 0) passed along. */
static ssize_t
send_rep(int sock, const struct hq_priv_rep *rep, int fd)
{
	union {
		struct cmsghdr	h;
		char		buf[CMSG_SPACE(sizeof(int))];
	} c;
	struct iovec iov = { (void *)rep, REP_HEAD + rep->len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;

	if (fd >= 0) {
		memset(&c, 0, sizeof(c));
		mh.msg_control = c.buf;
		mh.msg_controllen = sizeof(c.buf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	return sendmsg(sock, &mh, MSG_NOSIGNAL);
}

/* The worker's end status, in words. */
static void
how_ended(int st, char *buf, size_t bufsz)
{
	if (WIFEXITED(st))
		snprintf(buf, bufsz, "exited with status %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, bufsz, "was killed by signal %d (%s)",
		    WTERMSIG(st), strsignal(WTERMSIG(st)));
	else
		snprintf(buf, bufsz, "ended (status %#x)", st);
}

int
hq_priv_serve(struct hq_priv_monitor *m, struct hq_err *err)
{
	struct hq_priv_req *q = malloc(sizeof(*q));
	struct hq_priv_rep *rep = malloc(sizeof(*rep));
	struct hq_deadline grace = { 0 };
	struct hq_err e = { 0 };
	bool signalled = false, killed = false;
	char how[96];
	ssize_t n;
	int rc = 0, passfd = -1;

	if (q == NULL || rep == NULL) {
		free(q);
		free(rep);
		kill(m->worker, SIGKILL);
		rc = hq_err_set(err, HQ_ENOMEM, "no memory");
		goto end;
	}
	cap_begin(m);
	for (;;) {
		struct pollfd pfd = { .fd = m->fd, .events = POLLIN };

		if (hq_interrupted && !signalled) {
			/* The worker ends its case and writes an incomplete
			 * report; the restore is ours anyway. */
			kill(m->worker, SIGTERM);
			signalled = true;
			grace = hq_deadline_in(HQ_PRIV_GRACE_MS);
		}
		if (signalled && !killed && hq_deadline_passed(grace)) {
			hq_warn("the worker did not end within %d ms of the "
			    "signal: killed", HQ_PRIV_GRACE_MS);
			kill(m->worker, SIGKILL);
			killed = true;
		}
		if (poll(&pfd, 1, 250) <= 0)
			continue;
		n = recv(m->fd, q, sizeof(*q), MSG_TRUNC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;		/* the worker is gone */
		memset(rep, 0, REP_HEAD);
		hq_err_clear(&e);
		if ((rep->rc = hq_priv_req_check(q, (size_t)n,
		    hq_bench_instance(m->bench), m->done_len, &e)) != 0) {
			hq_error("worker request refused: %s", e.msg);
			rep_err(rep, rep->rc, &e);
		} else
			serve_one(m, q, rep, &passfd);
		if (send_rep(m->fd, rep, passfd) < 0) {
			hq_warn("worker: %s", strerror(errno));
			if (passfd >= 0)
				close(passfd);
			break;
		}
		if (passfd >= 0)
			close(passfd);
		passfd = -1;
	}
	free(q);
	free(rep);
	/* Gone without its summary, or a channel gone bad: a worker still
	 * alive then is not to be waited for. */
	if (!m->done)
		kill(m->worker, SIGKILL);
 end:
	/* Whatever happened to the worker: the network as it was. */
	cap_stop(m, "run: interrupted (the worker ended)");
	if (m->bench != NULL && hq_bench_restore(m->bench, &e) != 0)
		hq_error("bench %u: restore failed, the journal stays: %s; "
		    "run `hopquy bench restore --bench %u`",
		    hq_bench_instance(m->bench), e.msg,
		    hq_bench_instance(m->bench));
	while (waitpid(m->worker, &m->wstatus, 0) < 0 && errno == EINTR)
		if (hq_deadline_passed(grace) && signalled && !killed) {
			kill(m->worker, SIGKILL);
			killed = true;
		}
	if (rc != 0)
		return rc;
	if (!m->done || !WIFEXITED(m->wstatus) ||
	    WEXITSTATUS(m->wstatus) != 0) {
		how_ended(m->wstatus, how, sizeof(how));
		return hq_err_set(err, HQ_EIO, "the worker process %s before "
		    "the run ended; the network was restored, and %s holds "
		    "the results streamed so far", how, m->done ? "the run "
		    "directory" : "results.jsonl");
	}
	return 0;
}
