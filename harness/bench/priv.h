/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Privilege separation of a run, after OpenSSH's model.  The process
 * hopquy starts as (root) becomes the monitor: it alone opens the bench
 * (lock, journal, netlink), enters the lab namespace, opens the capture
 * handle and writes the journal.  A forked worker inherits the lab
 * namespace, drops to an unprivileged user (hq_priv_drop) and does
 * everything else: all talk to the device, all parsing, the drivers it
 * executes, the report.  The worker reaches the monitor over a
 * socketpair(AF_UNIX, SOCK_SEQPACKET) with the closed set of requests
 * below, one fixed-size message each; the monitor checks every request
 * (hq_priv_req_check) before acting on it, and answers it.
 *
 * The worker's bench and capture handles forward their calls here
 * (hq_bench_set_remote, hq_capture_remote), so the families do not know.
 * When the worker dies, or the monitor is signalled, the monitor restores
 * the journal itself: a dead worker never leaves the network changed.
 */
#ifndef HQ_PRIV_H
#define HQ_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct hq_err;
struct hq_bench;
struct hq_capture;
struct hq_capture_opts;

#define HQ_PRIV_MAGIC		0x48517076u	/* "HQpv" */
#define HQ_PRIV_DATA_MAX	8192
#define HQ_PRIV_REPLY_MS	60000	/* a worker waits this long */
#define HQ_PRIV_GRACE_MS	30000	/* a signalled worker's time to end */
#define HQ_PRIV_USER		"_hopquy"
#define HQ_PRIV_USER_FALLBACK	"nobody"

enum hq_priv_op {
	HQ_PRIV_START = 1,	/* start the capture (if the run has one) */
	HQ_PRIV_CUT,		/* arg: enum hq_cut_mode */
	HQ_PRIV_RESTORE,
	HQ_PRIV_REDIRECT,	/* reply: n NUL-separated addresses */
	HQ_PRIV_UNREDIRECT,
	HQ_PRIV_COMMENT,	/* data: text, NUL-terminated */
	HQ_PRIV_CAP_HIT,	/* reply: n = 0 or 1 */
	HQ_PRIV_CAP_STOP,	/* arg: 1 interrupted (the monitor writes
				 * the last step, "run: end" or "run:
				 * interrupted"); reply: stats JSON */
	HQ_PRIV_DONE,		/* data: the run's summary, len fixed */
	HQ_PRIV_SIGNAL,		/* arg: HUP, USR1 or USR2 to pid, a
				 * process of the DUT's namespace */
	HQ_PRIV_LISTEN,		/* arg: port; data: a redirected address,
				 * NUL-terminated; reply: n = 1 and the
				 * listening socket (SCM_RIGHTS) */
	HQ_PRIV_LISTEN_LAN,	/* the same on an address of a host bench's
				 * LAN interface */
	HQ_PRIV_OP_END
};

struct hq_priv_req {
	uint32_t	magic;
	uint32_t	op;
	uint32_t	instance;	/* the bench instance of this run */
	uint32_t	arg;
	uint32_t	pid;		/* SIGNAL's; 0 otherwise */
	uint32_t	len;		/* bytes of data used */
	char		data[HQ_PRIV_DATA_MAX];
};

struct hq_priv_rep {
	int32_t		rc;		/* 0 or a negative HQ_E* */
	uint32_t	n;
	char		msg[256];	/* the error's message */
	uint32_t	len;
	char		data[HQ_PRIV_DATA_MAX];
};

/*
 * Checks a request of got bytes as the monitor of bench instance receives
 * it: its size, magic, op, instance, arg and data (done_len: the size of
 * a DONE request's data).  0, or HQ_EINVAL saying what is wrong.
 */
int	hq_priv_req_check(const struct hq_priv_req *q, size_t got,
	    unsigned instance, size_t done_len, struct hq_err *err);

/* The unprivileged user: HQ_PRIV_USER, else HQ_PRIV_USER_FALLBACK. */
int	hq_priv_user(uid_t *uidp, gid_t *gidp, char *name, size_t namesz,
	    struct hq_err *err);
/*
 * In the worker: supplementary groups (audio, dialout, video when they
 * exist: the instruments' devices), gid, uid, every capability dropped
 * (bounding, ambient, permitted, effective), no new privileges, and a
 * seccomp filter refusing (EPERM) what a worker never needs: ptrace,
 * mount, namespaces, modules, kexec, bpf, reboot, swap, keyrings.
 */
int	hq_priv_drop(uid_t uid, gid_t gid, struct hq_err *err);

/* The worker's end: one request at a time (a mutex; families step from
 * more than one thread). */
struct hq_priv;
struct hq_priv *hq_priv_client(int fd, unsigned instance);
void	hq_priv_client_free(struct hq_priv *p);
/* Sends q (op, arg, data/len set by the caller), waits for the reply. */
int	hq_priv_call(struct hq_priv *p, struct hq_priv_req *q,
	    struct hq_priv_rep *rep, struct hq_err *err);
/* The same, taking the descriptor a reply carries (*fdp, else -1). */
int	hq_priv_call_fd(struct hq_priv *p, struct hq_priv_req *q,
	    struct hq_priv_rep *rep, int *fdp, struct hq_err *err);
/* The same, for a text (COMMENT) or no data. */
int	hq_priv_call_simple(struct hq_priv *p, enum hq_priv_op op,
	    uint32_t arg, const char *text, struct hq_priv_rep *rep,
	    struct hq_err *err);
/* SIGNAL: sig to pid, by the monitor. */
int	hq_priv_call_signal(struct hq_priv *p, int sig, long pid,
	    struct hq_err *err);
/* LISTEN: *fdp, a socket listening on addr:port, from the monitor. */
int	hq_priv_call_listen(struct hq_priv *p, const char *addr,
	    unsigned port, int *fdp, struct hq_err *err);
/* LISTEN_LAN: the same on an address of the host bench's LAN interface. */
int	hq_priv_call_listen_lan(struct hq_priv *p, const char *addr,
	    unsigned port, int *fdp, struct hq_err *err);

/* The monitor's state. */
struct hq_priv_monitor {
	int			 fd;
	pid_t			 worker;
	struct hq_bench		*bench;		/* owned; closed on the way */
	const struct hq_capture_opts *co;	/* NULL: no capture */
	struct hq_capture	*cap;
	const char		*rundir;	/* given to the worker at START */
	uid_t			 uid;		/* the worker's */
	gid_t			 gid;
	size_t			 done_len;
	void			*done_buf;	/* DONE's data lands here */
	bool			 done;
	bool			 started;
	bool			 cap_failed;
	int			 cap_rc;	/* the capture's start, */
	char			 cap_msg[256];	/* answered at START */
	void			*stats;		/* cJSON *, the capture's */
	int			 wstatus;	/* waitpid's */
};

/*
 * Serves m->fd until the worker closes it or dies; on a signal
 * (hq_interrupted), SIGTERM to the worker, SIGKILL after
 * HQ_PRIV_GRACE_MS.  Then: the capture stopped, the bench restored and
 * closed, the worker reaped.  0 when the worker sent DONE and exited 0;
 * HQ_EIO naming how it ended otherwise.
 */
int	hq_priv_serve(struct hq_priv_monitor *m, struct hq_err *err);

#endif
