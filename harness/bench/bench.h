/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The bench: the DUT's network as hopquy controls it.  A LAN between the
 * lab side (where hopquy runs and captures) and the DUT, and the DUT's
 * uplink routed through the lab side, which hopquy can cut and restore
 * while the LAN stays up.
 *
 * Two modes (DUT file, bench.mode):
 *  - "namespaces": built by hq_bench_up() from network namespaces hq-dut,
 *    hq-lab, hq-cloud (suffixed "-N" for instance N > 0), LAN
 *    198.18.N.0/24 (lab .1, DUT .2), uplink 198.19.N.0/24 (lab .1,
 *    cloud .2 and .3), the DUT's default route via the lab;
 *  - "host": a real lab host; lan_if and uplink_if name its interfaces,
 *    address is the DUT's.
 *
 * Every change a cut or a redirect makes is journaled (journal.h) and
 * fsync'd before it is made; restore undoes the journal newest first.  Only this module
 * changes the network (libnl, never by running ip or tc).
 *
 * The engine's order: hq_bench_open, hq_bench_enter_lab, hq_capture_start
 * on hq_bench_lan_ifname, ... hq_bench_cut / hq_bench_restore ...,
 * hq_capture_stop, hq_bench_close.
 */
#ifndef HQ_BENCH_H
#define HQ_BENCH_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

struct hq_err;
struct hq_dut;
struct hq_bench;

#define HQ_BENCH_INSTANCE_MAX	255	/* the third octet of its addresses */
#define HQ_BENCH_CLOUD_MAX	32	/* declared cloud destinations */
#define HQ_BENCH_NL_TIMEOUT_MS	5000	/* each netlink request */
#define HQ_BENCH_TABLE_BASE	18000	/* routing table and rule priority
					 * of instance N: BASE + N */
#define HQ_BENCH_QDISC_HANDLE	0x48510000u	/* "HQ": root qdisc 4851: */

enum hq_cut_mode {
	HQ_CUT_NONE = 0,
	HQ_CUT_LINK_DOWN,	/* "link-down": uplink interface down */
	HQ_CUT_BLACKHOLE,	/* "blackhole": the DUT's forwarded traffic
				 * goes to a blackhole route */
	HQ_CUT_LOSS,		/* "loss": 100 % loss qdisc on the uplink */
	HQ_CUT_PARTITION,	/* "partition": only the declared cloud
				 * destinations blackholed */
};

/* "link-down" ... to the enum; HQ_EINVAL naming the accepted values. */
int	hq_cut_mode_parse(const char *s, enum hq_cut_mode *modep,
	    struct hq_err *err);
const char *hq_cut_mode_name(enum hq_cut_mode mode);

/* Namespace names of instance into buf: role is "dut", "lab", "cloud". */
void	hq_bench_ns_name(const char *role, unsigned instance, char *buf,
	    size_t bufsz);

/*
 * Builds / tears down instance's namespaces bench.  up: HQ_EBUSY if any of
 * its namespaces exists.  down: restores the journal, deletes the
 * namespaces; 0 when nothing was there.
 */
int	hq_bench_up(unsigned instance, struct hq_err *err);
int	hq_bench_down(unsigned instance, struct hq_err *err);
/* What `hopquy bench status` prints, as JSON (caller frees); *upp. */
int	hq_bench_status(unsigned instance, cJSON **statusp, bool *upp,
	    struct hq_err *err);
/*
 * The same for a host-mode bench: dut's interfaces (or, without dut, those
 * the journal names), looked at in the namespace the journal's changes
 * were made in when it is found, else this one; the journal's entries
 * (current cuts and redirects) and the lock.  *upp: both interfaces
 * there and the LAN up.
 */
int	hq_bench_status_host(unsigned instance, const struct hq_dut *dut,
	    cJSON **statusp, bool *upp, struct hq_err *err);
/* True when instance's journal holds a host bench's entries. */
bool	hq_bench_journal_is_host(unsigned instance);

/*
 * Opens the bench described by dut (its bench section; dut may be NULL
 * for a namespaces bench with defaults) for a run.  instance < 0: the
 * DUT's bench.instance.  Takes the instance's lock (HQ_EBUSY if held);
 * HQ_EBUSY too if its journal has entries, naming `hopquy bench restore
 * --bench N`; HQ_EUNREACH if the bench is not up; HQ_EINVAL for a bad
 * bench section.  hq_bench_close() releases everything.
 */
int	hq_bench_open(const struct hq_dut *dut, int instance,
	    struct hq_bench **benchp, struct hq_err *err);
/*
 * Moves the calling thread into the lab side's namespace (namespaces
 * mode; nothing in host mode), so that sockets opened afterwards, and
 * threads started afterwards, reach the DUT over the LAN.
 */
int	hq_bench_enter_lab(struct hq_bench *bench, struct hq_err *err);
/*
 * Cuts the DUT's uplink (one cut at a time: HQ_EBUSY if one is active).
 * The LAN between the lab side and the DUT stays up in every mode.
 * partition needs declared cloud destinations (HQ_EINVAL without).
 */
int	hq_bench_cut(struct hq_bench *bench, enum hq_cut_mode mode,
	    struct hq_err *err);
/*
 * Redirects the DUT's traffic to its declared cloud host addresses
 * (bench.cloud; prefixes are skipped with a warning) to the lab side: each
 * becomes a local address of the lab side's loopback, journaled like a
 * cut, so that sockets the lab side (the caller, after
 * hq_bench_enter_lab) binds to ADDR:PORT receive the DUT's connections,
 * and the DUT's established connections get a RST.  The lab side's own
 * traffic to those addresses stays local too while it lasts.  *np: how
 * many addresses (hq_bench_redirect_addr).  HQ_EBUSY during a cut or a
 * redirect, or when an address is already the lab side's; HQ_EINVAL
 * without a declared host address.  A cut is refused during a redirect.
 */
int	hq_bench_redirect(struct hq_bench *bench, size_t *np,
	    struct hq_err *err);
/* Ends the redirect (journal emptied); 0 when none is active. */
int	hq_bench_unredirect(struct hq_bench *bench, struct hq_err *err);
/* The i-th redirected address (bare, borrowed); NULL past the last. */
const char *hq_bench_redirect_addr(const struct hq_bench *bench, size_t i);
/*
 * *fdp: a TCP socket listening (backlog 8, SO_REUSEADDR, close-on-exec,
 * blocking) on ADDR:PORT, where ADDR is one of the redirected addresses:
 * the lab side's end of a redirect.  In a worker (privilege separation)
 * the monitor binds it and passes it over (the worker may not bind a port
 * below 1024 on the host).  HQ_EINVAL for an address not redirected or
 * port 0; the caller closes *fdp.
 */
int	hq_bench_listen(struct hq_bench *bench, const char *addr,
	    unsigned port, int *fdp, struct hq_err *err);
/*
 * The same on ADDR:PORT where ADDR is an IPv4 address of a host bench's
 * LAN interface (bench.lan_if): the lab's own servers for the DUT (the
 * update family's image server) on a port below 1024, which a worker may
 * not bind.  HQ_EINVAL on a namespaces bench (its lab namespace lets the
 * worker bind them itself) or for any other address.
 */
int	hq_bench_listen_lan(struct hq_bench *bench, const char *addr,
	    unsigned port, int *fdp, struct hq_err *err);
/* The active cut, HQ_CUT_NONE when none. */
enum hq_cut_mode hq_bench_cut_active(const struct hq_bench *bench);
/*
 * Undoes every journaled change, newest first, then empties the journal.
 * Idempotent: a change already gone is not an error.  Never stops early
 * because of hq_interrupted.
 */
int	hq_bench_restore(struct hq_bench *bench, struct hq_err *err);
/*
 * Restores (errors logged), unlocks and frees; NULL is fine.  Safe on the
 * engine's cleanup path after SIGINT/SIGTERM.
 */
void	hq_bench_close(struct hq_bench *bench);
/*
 * Sends sig (SIGHUP, SIGUSR1 or SIGUSR2) to pid, a process of the DUT
 * side: in namespaces mode it must live in the DUT's network namespace
 * (HQ_EINVAL otherwise); a privilege-separated run's monitor refuses
 * it in host mode.  A simulator's power hook.
 */
int	hq_bench_signal_dut(struct hq_bench *bench, long pid, int sig,
	    struct hq_err *err);
/*
 * In a privilege-separated run's worker (priv.h): bench, the worker's
 * copy of the monitor's, lets go of the lock, journal and netlink socket
 * and sends cut, redirect, unredirect and restore to the monitor over p;
 * hq_bench_close frees it after a restore request.
 */
struct hq_priv;
void	hq_bench_set_remote(struct hq_bench *bench, struct hq_priv *p);
/* `hopquy bench restore`: the journal alone, no DUT file. */
int	hq_bench_restore_instance(unsigned instance, size_t *undonep,
	    struct hq_err *err);

/* Borrowed names: the lab's DUT-facing and uplink interfaces. */
const char *hq_bench_lan_ifname(const struct hq_bench *bench);
const char *hq_bench_uplink_ifname(const struct hq_bench *bench);
/* The lab namespace ("" in host mode), the DUT's address, the instance. */
const char *hq_bench_lab_ns(const struct hq_bench *bench);
const char *hq_bench_dut_address(const struct hq_bench *bench);
unsigned hq_bench_instance(const struct hq_bench *bench);

#endif
