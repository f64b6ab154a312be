/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The bench journal (write-ahead record of network changes) and the bench
 * lock, per instance under HQ_RUN_DIR.  Format in journal.h.  This module
 * only reads and writes files; it never touches the network.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench/journal.h"
#include "util/err.h"
#include "util/log.h"
#include "util/rd.h"
#include "util/util.h"

struct hq_journal {
	int		fd;
	unsigned	next_seq;
	char		path[128];
};

static const struct {
	enum hq_jop	 op;
	const char	*name;
} jops[] = {
	{ HQ_J_LINK_DOWN,	"link-down" },
	{ HQ_J_ROUTE,		"route" },
	{ HQ_J_RULE,		"rule" },
	{ HQ_J_QDISC,		"qdisc" },
	{ HQ_J_ADDR,		"addr" },
	{ HQ_J_ROUTE_GONE,	"route-gone" },
};

void
hq_journal_path(unsigned instance, char *buf, size_t bufsz)
{
	snprintf(buf, bufsz, "%s/bench-%u.journal", HQ_RUN_DIR, instance);
}

void
hq_journal_lock_path(unsigned instance, char *buf, size_t bufsz)
{
	snprintf(buf, bufsz, "%s/bench-%u.lock", HQ_RUN_DIR, instance);
}

static const char *
jop_name(enum hq_jop op)
{
	size_t i;

	for (i = 0; i < sizeof(jops) / sizeof(jops[0]); i++)
		if (jops[i].op == op)
			return jops[i].name;
	return NULL;
}

/* A value we write must read back as one token. */
static bool
jval_ok(const char *s)
{
	size_t i, len = strlen(s);

	if (len == 0 || len >= HQ_JOURNAL_VAL_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (s[i] <= ' ' || s[i] > '~' || s[i] == '=')
			return false;
	return true;
}

static const char *
family_name(int family)
{
	return family == AF_INET6 ? "inet6" : "inet";
}

int
hq_journal_format_line(const struct hq_jentry *e, char *buf, size_t bufsz,
    struct hq_err *err)
{
	const char *name = jop_name(e->op);
	int n = -1;

	if (name == NULL || !jval_ok(e->ns))
		return hq_err_set(err, HQ_EINTERNAL, "journal: bad entry");
	switch (e->op) {
	case HQ_J_LINK_DOWN:
		if (!jval_ok(e->ifname))
			break;
		n = snprintf(buf, bufsz, "hq1 %u %s ns=%s if=%s up=%d",
		    e->seq, name, e->ns, e->ifname, e->was_up ? 1 : 0);
		break;
	case HQ_J_ROUTE:
		if (!jval_ok(e->type) || !jval_ok(e->addr))
			break;
		n = snprintf(buf, bufsz,
		    "hq1 %u %s ns=%s family=%s table=%u type=%s dst=%s",
		    e->seq, name, e->ns, family_name(e->family), e->table,
		    e->type, e->addr);
		break;
	case HQ_J_RULE:
		if (!jval_ok(e->addr) || !jval_ok(e->ifname))
			break;
		n = snprintf(buf, bufsz,
		    "hq1 %u %s ns=%s family=%s prio=%u table=%u from=%s iif=%s",
		    e->seq, name, e->ns, family_name(e->family), e->prio,
		    e->table, e->addr, e->ifname);
		break;
	case HQ_J_QDISC:
		if (!jval_ok(e->ifname) || !jval_ok(e->kind))
			break;
		n = snprintf(buf, bufsz, "hq1 %u %s ns=%s if=%s handle=%u "
		    "kind=%s", e->seq, name, e->ns, e->ifname,
		    (unsigned)e->handle, e->kind);
		break;
	case HQ_J_ADDR:
		if (!jval_ok(e->ifname) || !jval_ok(e->addr))
			break;
		n = snprintf(buf, bufsz, "hq1 %u %s ns=%s if=%s family=%s "
		    "local=%s", e->seq, name, e->ns, e->ifname,
		    family_name(e->family), e->addr);
		break;
	case HQ_J_ROUTE_GONE:
		if (!jval_ok(e->ifname) || !jval_ok(e->addr) ||
		    !jval_ok(e->via))
			break;
		n = snprintf(buf, bufsz, "hq1 %u %s ns=%s if=%s family=%s "
		    "table=%u dst=%s via=%s metric=%u", e->seq, name, e->ns,
		    e->ifname, family_name(e->family), e->table, e->addr,
		    e->via, e->metric);
		break;
	}
	if (n < 0 || (size_t)n >= bufsz || (size_t)n >= HQ_JOURNAL_LINE_MAX)
		return hq_err_set(err, HQ_EINTERNAL,
		    "journal: entry %s not representable", name);
	return 0;
}

/* Copies token [p, p+len) into a value field. */
static int
jcopy(char *dst, size_t dstsz, const char *p, size_t len)
{
	size_t i;

	if (len == 0 || len >= dstsz)
		return HQ_EPROTO;
	for (i = 0; i < len; i++)
		if (p[i] <= ' ' || p[i] > '~')
			return HQ_EPROTO;
	memcpy(dst, p, len);
	dst[len] = '\0';
	return 0;
}

static int
jnum(const char *p, size_t len, uint64_t max, unsigned *vp)
{
	uint64_t v;
	int rc;

	if ((rc = hq_parse_u64(p, len, max, &v)) != 0)
		return rc;
	if (v > max)		/* hq_parse_u64 lets one digit above max by */
		return HQ_EPROTO;
	*vp = (unsigned)v;
	return 0;
}

/* Bits of the keys an op must have. */
#define JK_NS		0x001u
#define JK_IF		0x002u
#define JK_UP		0x004u
#define JK_FAMILY	0x008u
#define JK_TABLE	0x010u
#define JK_TYPE		0x020u
#define JK_DST		0x040u
#define JK_PRIO		0x080u
#define JK_FROM		0x100u
#define JK_IIF		0x200u
#define JK_HANDLE	0x400u
#define JK_KIND		0x800u
#define JK_LOCAL	0x1000u
#define JK_VIA		0x2000u
#define JK_METRIC	0x4000u

static unsigned
jop_keys(enum hq_jop op)
{
	switch (op) {
	case HQ_J_LINK_DOWN:
		return JK_NS | JK_IF | JK_UP;
	case HQ_J_ROUTE:
		return JK_NS | JK_FAMILY | JK_TABLE | JK_TYPE | JK_DST;
	case HQ_J_RULE:
		return JK_NS | JK_FAMILY | JK_PRIO | JK_TABLE | JK_FROM |
		    JK_IIF;
	case HQ_J_QDISC:
		return JK_NS | JK_IF | JK_HANDLE | JK_KIND;
	case HQ_J_ADDR:
		return JK_NS | JK_IF | JK_FAMILY | JK_LOCAL;
	case HQ_J_ROUTE_GONE:
		return JK_NS | JK_IF | JK_FAMILY | JK_TABLE | JK_DST |
		    JK_VIA | JK_METRIC;
	}
	return 0;
}

static int
jkey(struct hq_jentry *e, const char *k, size_t klen, const char *v,
    size_t vlen, unsigned *seenp)
{
	unsigned bit, u;
	int rc = HQ_EPROTO;

#define KEY(s)	(klen == sizeof(s) - 1 && memcmp(k, s, klen) == 0)
	if (KEY("ns")) {
		bit = JK_NS;
		rc = jcopy(e->ns, sizeof(e->ns), v, vlen);
	} else if (KEY("if") || KEY("iif")) {
		bit = KEY("if") ? JK_IF : JK_IIF;
		rc = jcopy(e->ifname, sizeof(e->ifname), v, vlen);
	} else if (KEY("up")) {
		bit = JK_UP;
		if ((rc = jnum(v, vlen, 1, &u)) == 0)
			e->was_up = u == 1;
	} else if (KEY("family")) {
		bit = JK_FAMILY;
		if (vlen == 4 && memcmp(v, "inet", 4) == 0)
			e->family = AF_INET, rc = 0;
		else if (vlen == 5 && memcmp(v, "inet6", 5) == 0)
			e->family = AF_INET6, rc = 0;
	} else if (KEY("table")) {
		bit = JK_TABLE;
		rc = jnum(v, vlen, UINT32_MAX, &e->table);
	} else if (KEY("prio")) {
		bit = JK_PRIO;
		rc = jnum(v, vlen, UINT32_MAX, &e->prio);
	} else if (KEY("type")) {
		bit = JK_TYPE;
		rc = jcopy(e->type, sizeof(e->type), v, vlen);
	} else if (KEY("dst") || KEY("from") || KEY("local")) {
		bit = KEY("dst") ? JK_DST : KEY("from") ? JK_FROM : JK_LOCAL;
		rc = jcopy(e->addr, sizeof(e->addr), v, vlen);
	} else if (KEY("handle")) {
		bit = JK_HANDLE;
		if ((rc = jnum(v, vlen, UINT32_MAX, &u)) == 0)
			e->handle = u;
	} else if (KEY("via")) {
		bit = JK_VIA;
		rc = jcopy(e->via, sizeof(e->via), v, vlen);
	} else if (KEY("metric")) {
		bit = JK_METRIC;
		rc = jnum(v, vlen, UINT32_MAX, &e->metric);
	} else if (KEY("kind")) {
		bit = JK_KIND;
		rc = jcopy(e->kind, sizeof(e->kind), v, vlen);
	} else
		return HQ_EPROTO;
#undef KEY
	if (rc != 0 || (*seenp & bit) != 0)
		return HQ_EPROTO;
	*seenp |= bit;
	return 0;
}

int
hq_journal_parse_line(const char *line, size_t len, struct hq_jentry *e,
    struct hq_err *err)
{
	const char *p = line, *end = line + len, *tok, *eq;
	unsigned seen = 0, field = 0;
	size_t i, tlen;
	int rc;

	memset(e, 0, sizeof(*e));
	while (p < end) {
		tok = p;
		while (p < end && *p != ' ')
			p++;
		tlen = (size_t)(p - tok);
		if (p < end)
			p++;		/* the separator */
		if (tlen == 0)
			return hq_err_set(err, HQ_EPROTO,
			    "journal: empty field");
		switch (field++) {
		case 0:
			if (tlen != 3 || memcmp(tok, "hq1", 3) != 0)
				return hq_err_set(err, HQ_EPROTO,
				    "journal: unknown version");
			continue;
		case 1:
			if (jnum(tok, tlen, UINT32_MAX, &e->seq) != 0)
				return hq_err_set(err, HQ_EPROTO,
				    "journal: bad sequence number");
			continue;
		case 2:
			for (i = 0; i < sizeof(jops) / sizeof(jops[0]); i++)
				if (strlen(jops[i].name) == tlen &&
				    memcmp(jops[i].name, tok, tlen) == 0)
					e->op = jops[i].op;
			if (e->op == 0)
				return hq_err_set(err, HQ_EPROTO,
				    "journal: unknown change");
			continue;
		}
		if ((eq = memchr(tok, '=', tlen)) == NULL ||
		    (rc = jkey(e, tok, (size_t)(eq - tok), eq + 1,
		    tlen - (size_t)(eq - tok) - 1, &seen)) != 0)
			return hq_err_set(err, HQ_EPROTO,
			    "journal: bad field %u of %s", field,
			    jop_name(e->op));
	}
	if (e->op == 0 || seen != jop_keys(e->op))
		return hq_err_set(err, HQ_EPROTO, "journal: %s entry %s",
		    e->op == 0 ? "short" : jop_name(e->op),
		    "lacks fields or has extra ones");
	return 0;
}

int
hq_journal_open(unsigned instance, struct hq_journal **jp,
    struct hq_err *err)
{
	struct hq_journal *j;
	struct hq_jentry *es = NULL;
	size_t n = 0;
	int rc;

	*jp = NULL;
	if ((rc = hq_mkdirs(HQ_RUN_DIR, 0700, err)) != 0)
		return rc;
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "journal");
	hq_journal_path(instance, j->path, sizeof(j->path));
	if ((j->fd = open(j->path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC,
	    0600)) < 0) {
		rc = hq_err_sys(err, j->path);
		free(j);
		return rc;
	}
	/* Sequence numbers continue after what is there. */
	if ((rc = hq_journal_read(j, &es, &n, err)) != 0) {
		hq_journal_close(j);
		return rc;
	}
	j->next_seq = n > 0 ? es[n - 1].seq + 1 : 1;
	free(es);
	*jp = j;
	return 0;
}

void
hq_journal_close(struct hq_journal *j)
{
	if (j == NULL)
		return;
	if (j->fd >= 0)
		close(j->fd);
	free(j);
}

int
hq_journal_append(struct hq_journal *j, struct hq_jentry *e,
    struct hq_err *err)
{
	char line[HQ_JOURNAL_LINE_MAX + 1];
	struct stat st;
	size_t len, off = 0;
	int rc;

	if (fstat(j->fd, &st) != 0)
		return hq_err_sys(err, j->path);
	if (st.st_size + HQ_JOURNAL_LINE_MAX > HQ_JOURNAL_FILE_MAX)
		return hq_err_set(err, HQ_EINTERNAL, "%s: full", j->path);
	e->seq = j->next_seq;
	if ((rc = hq_journal_format_line(e, line, sizeof(line) - 1, err))
	    != 0)
		return rc;
	len = strlen(line);
	line[len++] = '\n';
	while (off < len) {
		ssize_t w = write(j->fd, line + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return hq_err_sys(err, j->path);
		off += (size_t)w;
	}
	/* The change may be made only once its record is durable. */
	if (fdatasync(j->fd) != 0)
		return hq_err_sys(err, j->path);
	j->next_seq++;
	return 0;
}

static int
journal_parse(const char *path, const char *text, size_t len,
    struct hq_jentry **entriesp, size_t *np, struct hq_err *err)
{
	struct hq_jentry *es;
	const char *p = text, *end = text + len, *nl;
	size_t n = 0, lineno = 0;
	int rc;

	*entriesp = NULL;
	*np = 0;
	if ((es = calloc(HQ_JOURNAL_ENTRIES_MAX, sizeof(*es))) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "journal");
	while (p < end) {
		lineno++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL) {
			/* Torn by a crash before its fsync: never acted on. */
			hq_warn("%s: line %zu incomplete, ignored", path,
			    lineno);
			break;
		}
		if (n == HQ_JOURNAL_ENTRIES_MAX) {
			free(es);
			return hq_err_set(err, HQ_EPROTO,
			    "%s: more than %d entries", path,
			    HQ_JOURNAL_ENTRIES_MAX);
		}
		if ((size_t)(nl - p) > HQ_JOURNAL_LINE_MAX ||
		    (rc = hq_journal_parse_line(p, (size_t)(nl - p), &es[n],
		    err)) != 0) {
			free(es);
			return hq_err_set(err, HQ_EPROTO,
			    "%s: line %zu unreadable", path, lineno);
		}
		n++;
		p = nl + 1;
	}
	*entriesp = es;
	*np = n;
	return 0;
}

static int
journal_slurp_fd(int fd, const char *path, char **textp, size_t *lenp,
    struct hq_err *err)
{
	struct stat st;
	char *text;
	size_t off = 0;

	*textp = NULL;
	if (fstat(fd, &st) != 0)
		return hq_err_sys(err, path);
	if (st.st_size > HQ_JOURNAL_FILE_MAX)
		return hq_err_set(err, HQ_EPROTO, "%s: %lld bytes, limit %d",
		    path, (long long)st.st_size, HQ_JOURNAL_FILE_MAX);
	if ((text = malloc((size_t)st.st_size + 1)) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "journal");
	while (off < (size_t)st.st_size) {
		ssize_t r = pread(fd, text + off, (size_t)st.st_size - off,
		    (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(text);
			return hq_err_sys(err, path);
		}
		if (r == 0)
			break;
		off += (size_t)r;
	}
	text[off] = '\0';
	*textp = text;
	*lenp = off;
	return 0;
}

int
hq_journal_read(struct hq_journal *j, struct hq_jentry **entriesp,
    size_t *np, struct hq_err *err)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	*entriesp = NULL;
	*np = 0;
	if ((rc = journal_slurp_fd(j->fd, j->path, &text, &len, err)) != 0)
		return rc;
	rc = journal_parse(j->path, text, len, entriesp, np, err);
	free(text);
	return rc;
}

int
hq_journal_clear(struct hq_journal *j, struct hq_err *err)
{
	struct stat st;

	/* Nothing appended by us and already empty: nothing to make
	 * durable (every earlier clear synced), and a run that changed
	 * nothing on the host pays no device flush for it. */
	if (j->next_seq == 1 && fstat(j->fd, &st) == 0 && st.st_size == 0)
		return 0;
	if (ftruncate(j->fd, 0) != 0 || fsync(j->fd) != 0)
		return hq_err_sys(err, j->path);
	j->next_seq = 1;
	return 0;
}

int
hq_journal_pending(unsigned instance, size_t *np, struct hq_err *err)
{
	struct hq_jentry *es = NULL;
	char path[128], *text = NULL;
	size_t len = 0;
	int fd, rc;

	*np = 0;
	hq_journal_path(instance, path, sizeof(path));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			return 0;
		return hq_err_sys(err, path);
	}
	if ((rc = journal_slurp_fd(fd, path, &text, &len, err)) == 0)
		rc = journal_parse(path, text, len, &es, np, err);
	close(fd);
	free(text);
	free(es);
	return rc;
}

/* The pid recorded in a lock file, 0 if none. */
static long
lock_read_pid(int fd)
{
	char buf[32];
	ssize_t r;
	uint64_t v;
	size_t len;

	if ((r = pread(fd, buf, sizeof(buf) - 1, 0)) <= 0)
		return 0;
	len = (size_t)r;
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		len--;
	if (hq_parse_u64(buf, len, 4194304, &v) != 0)
		return 0;
	return (long)v;
}

int
hq_bench_lock(unsigned instance, int *fdp, struct hq_err *err)
{
	char path[128], buf[32];
	long pid;
	int fd, rc, n;

	*fdp = -1;
	if ((rc = hq_mkdirs(HQ_RUN_DIR, 0700, err)) != 0)
		return rc;
	hq_journal_lock_path(instance, path, sizeof(path));
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
		return hq_err_sys(err, path);
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		rc = errno == EWOULDBLOCK ?
		    hq_err_set(err, HQ_EBUSY, "bench %u is in use by pid %ld "
		    "(%s)", instance, lock_read_pid(fd), path) :
		    hq_err_sys(err, path);
		close(fd);
		return rc;
	}
	/* DESIGN.md: a lock left by a killed process is cleared loudly. */
	pid = lock_read_pid(fd);
	if (pid != 0 && pid != (long)getpid()) {
		if (kill((pid_t)pid, 0) != 0 && errno == ESRCH)
			hq_warn("bench %u: clearing the lock left by pid %ld, "
			    "which is gone", instance, pid);
		else
			hq_warn("bench %u: clearing the lock left by pid %ld, "
			    "which no longer holds it", instance, pid);
	}
	/* The pid is for the next process's message about a lock left by a
	 * killed one: a killed process's write is in the page cache, so no
	 * fdatasync (after a power loss no lock is held, and the journal,
	 * which is synced, says what to restore). */
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)n, 0) != n) {
		rc = hq_err_sys(err, path);
		close(fd);
		return rc;
	}
	*fdp = fd;
	return 0;
}

void
hq_bench_unlock(int fd)
{
	if (fd < 0)
		return;
	/* Empty means "released cleanly"; the flock goes with the fd. */
	if (ftruncate(fd, 0) != 0)
		hq_warn("bench lock: %s", strerror(errno));
	close(fd);
}
