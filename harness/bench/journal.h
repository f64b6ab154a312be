/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The bench journal and lock, one of each per bench instance under
 * HQ_RUN_DIR.  Each change the bench makes to the network is appended to
 * the journal and fsync'd before it is made, so that whatever a crash
 * leaves can be undone from the journal alone.  The journal records the
 * change, not how to undo it; undoing is bench.c's job.
 *
 * Format: one text line per change, fields separated by one space:
 *	"hq1 SEQ OP key=value ..."
 * OP and keys (values never contain spaces):
 *	link-down  ns if up		uplink set down; up=1 if it was up
 *	route      ns family table type dst	a route added to table
 *	rule       ns family prio table from iif	a policy rule added
 *	qdisc      ns if handle kind	a root qdisc added (handle decimal)
 *	addr       ns if family local	a local address added (redirect)
 *	route-gone ns if family table dst via metric
 *				a route through if that the kernel drops
 *				with a link-down cut (undo: add it back);
 *				via "-" for none
 * ns is a name under /run/netns; or "ino:DEV:INO[:NAME]", the network
 * namespace hopquy ran in (a host-mode bench) by its nsfs device and
 * inode, with its /run/netns name if it had one; or "-" (journals of
 * older versions: the namespace hopquy ran in, unknown).
 * A last line without its newline was never completed (so its change was
 * never made) and is ignored.
 */
#ifndef HQ_JOURNAL_H
#define HQ_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hq_err;

#define HQ_RUN_DIR		"/run/hopquy"
#define HQ_JOURNAL_ENTRIES_MAX	256
#define HQ_JOURNAL_LINE_MAX	512
#define HQ_JOURNAL_FILE_MAX	(HQ_JOURNAL_ENTRIES_MAX * HQ_JOURNAL_LINE_MAX)
#define HQ_JOURNAL_VAL_MAX	64

enum hq_jop {
	HQ_J_LINK_DOWN = 1,
	HQ_J_ROUTE,
	HQ_J_RULE,
	HQ_J_QDISC,
	HQ_J_ADDR,
	HQ_J_ROUTE_GONE,
};

struct hq_jentry {
	enum hq_jop	 op;
	unsigned	 seq;
	char		 ns[HQ_JOURNAL_VAL_MAX];	/* "-": hopquy's own */
	char		 ifname[HQ_JOURNAL_VAL_MAX];	/* link, qdisc, addr,
							 * rule iif */
	int		 family;			/* AF_INET, AF_INET6 */
	unsigned	 table;
	unsigned	 prio;
	char		 type[16];			/* route: "blackhole" */
	char		 addr[HQ_JOURNAL_VAL_MAX];	/* route dst, rule from,
							 * addr local */
	uint32_t	 handle;			/* qdisc */
	char		 kind[16];			/* qdisc */
	bool		 was_up;			/* link-down */
	char		 via[HQ_JOURNAL_VAL_MAX];	/* route-gone: gateway
							 * or "-" */
	unsigned	 metric;			/* route-gone */
};

struct hq_journal;

/* Paths of instance's journal and lock into buf. */
void	hq_journal_path(unsigned instance, char *buf, size_t bufsz);
void	hq_journal_lock_path(unsigned instance, char *buf, size_t bufsz);

/* Opens (creating it empty) instance's journal; hq_journal_close frees. */
int	hq_journal_open(unsigned instance, struct hq_journal **jp,
	    struct hq_err *err);
void	hq_journal_close(struct hq_journal *j);
/* Appends e (seq assigned here) and fsyncs before returning. */
int	hq_journal_append(struct hq_journal *j, struct hq_jentry *e,
	    struct hq_err *err);
/* Every complete entry, oldest first; *entriesp freed by the caller. */
int	hq_journal_read(struct hq_journal *j, struct hq_jentry **entriesp,
	    size_t *np, struct hq_err *err);
/* Empties the journal (fsync'd): everything in it has been undone. */
int	hq_journal_clear(struct hq_journal *j, struct hq_err *err);
/*
 * Number of entries in instance's journal without opening it for
 * writing; 0 when there is no journal.
 */
int	hq_journal_pending(unsigned instance, size_t *np, struct hq_err *err);

/* Parses / formats one line (without the newline); for tests too. */
int	hq_journal_parse_line(const char *line, size_t len,
	    struct hq_jentry *e, struct hq_err *err);
int	hq_journal_format_line(const struct hq_jentry *e, char *buf,
	    size_t bufsz, struct hq_err *err);

/*
 * Takes instance's lock (flock on the lock file, which holds the owner's
 * pid).  HQ_EBUSY naming the pid when a live process holds it; a lock
 * file left by a process that is gone is reported with hq_warn and
 * taken over.  *fdp is released by hq_bench_unlock.
 */
int	hq_bench_lock(unsigned instance, int *fdp, struct hq_err *err);
void	hq_bench_unlock(int fd);

#endif
