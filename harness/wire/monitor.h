/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The device monitor of the `input` family and of `hopquy input replay`:
 * a health probe per surface (its protocol's well-formed request must get
 * a normal answer: an HTTP or RTSP status below 500, an MQTT CONNACK, an
 * SSH or FTP greeting, a TLS ServerHello, telnet bytes, or for other
 * surfaces an accepted connection) and a value read from the device over
 * HTTP (uptime, a setting) by JSON pointer.
 */
#ifndef HQ_MONITOR_H
#define HQ_MONITOR_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "util/util.h"
#include "wire/exchange.h"
#include "wire/mutate.h"

struct hq_err;

#define HQ_MON_REPLY_MAX	(64u * 1024)	/* bytes read per answer */
#define HQ_MON_VALUE_MAX	256		/* a read value, as text */

enum hq_health {
	HQ_HEALTH_OK = 0,
	HQ_HEALTH_DEAD,		/* connection refused or unreachable */
	HQ_HEALTH_HUNG,		/* connected, no answer before the deadline */
	HQ_HEALTH_ABNORMAL,	/* answered, but not the normal answer */
};

struct hq_mon_probe {
	char		*id;		/* surface id */
	char		*proto;		/* declared proto */
	char		*addr;
	unsigned	 port;
	bool		 tls;
	bool		 udp;
	int		 model;		/* enum hq_proto_model, or -1 */
	char		*host;		/* Host header / SNI */
	char		*path;		/* declared path or NULL */
	bool		 keep;		/* keep-alive health checks */
	uint8_t		*req;		/* declared probe request, or NULL */
	size_t		 req_len;
	uint8_t		*expect;	/* its answer's prefix, or NULL */
	size_t		 expect_len;
	uint64_t	 nonce;		/* WS-Discovery: a fresh MessageID each */
	struct hq_xchg	*x;
};

/* Fills p (strings copied; free with hq_mon_probe_clear). */
int	hq_mon_probe_init(struct hq_mon_probe *p, const char *id,
	    const char *proto, const char *addr, unsigned port, bool tls,
	    bool udp, const char *path, struct hq_err *err);
void	hq_mon_probe_clear(struct hq_mon_probe *p);
/*
 * The surface's declared probe (hopquy-dut(5) surfaces[].probe): the
 * request sent instead of the model's well-formed one, and the prefix a
 * normal answer starts with (elen 0: any answer).  Copied.  A UDP probe
 * without one is never judged (hq_mon_probe_judged), unless its proto has
 * a built-in discovery probe: ssdp (a unicast M-SEARCH, ssdp:all, answered
 * "HTTP/1.1 200") or ws-discovery (a Probe for wsdp:Device, answered by
 * ProbeMatches relating to its MessageID).
 */
int	hq_mon_probe_set_request(struct hq_mon_probe *p, const uint8_t *req,
	    size_t len, const uint8_t *expect, size_t elen,
	    struct hq_err *err);
bool	hq_mon_probe_judged(const struct hq_mon_probe *p);
const char *hq_health_name(enum hq_health h);
/*
 * One health check of p before dl: *hp and a one-line detail ("HTTP 200
 * in 3 ms").  HQ_EINTR only.  A UDP surface with a declared probe: an
 * answer (with the declared prefix) is normal, an ICMP unreachable dead,
 * silence hung; without one it is always OK (no answer is owed), but for
 * the built-in discovery probes, judged the same way.  buf is scratch of
 * HQ_MON_REPLY_MAX bytes.
 */
int	hq_mon_health(struct hq_mon_probe *p, struct hq_deadline dl,
	    uint8_t *buf, enum hq_health *hp, char *detail, size_t detailsz,
	    struct hq_err *err);
/*
 * GET path on the HTTP surface p and the JSON value at pointer (RFC 6901,
 * plain keys) of its 2xx body, as text into val.  HQ_EPROTO when there is
 * no such value, HQ_EUNREACH/HQ_ETIMEDOUT when no answer.
 */
int	hq_mon_read(struct hq_mon_probe *p, const char *path,
	    const char *pointer, struct hq_deadline dl, uint8_t *buf,
	    char *val, size_t valsz, struct hq_err *err);

/* A monitor: the probes of every surface and the values it watches. */
enum hq_mon_class {
	HQ_MON_OK = 0,
	HQ_MON_DEAD,		/* a surface refuses connects */
	HQ_MON_HUNG,		/* connected, no answer */
	HQ_MON_ABNORMAL,	/* answered, not normally */
	HQ_MON_REBOOTED,	/* uptime went down or the boot count up */
	HQ_MON_SETTING,		/* a watched setting changed */
};

struct hq_mon_watch {
	char	*name;
	size_t	 probe;		/* index of the HTTP probe it reads */
	char	*path;
	char	*pointer;
	bool	 uptime;	/* a reboot detector, not a setting */
	bool	 counts_boots;	/* uptime watch that counts boots (goes up) */
	const void *step;	/* read by m->reader (borrowed), or NULL */
	char	 base[HQ_MON_VALUE_MAX];
};

struct hq_mon;
/* Reads w's value with the caller's means (an authenticated request of
 * the step engine); 0, HQ_EINTR, or another HQ_E* when unreadable. */
typedef int (*hq_mon_reader_fn)(void *arg, const struct hq_mon_watch *w,
    int timeout_ms, char *val, size_t valsz, struct hq_err *err);

struct hq_mon {
	struct hq_mon_probe	*probes;
	size_t			 nprobes;
	struct hq_mon_watch	*watches;
	size_t			 nwatches;
	uint8_t			*buf;		/* HQ_MON_REPLY_MAX scratch */
	hq_mon_reader_fn	 reader;	/* for watches with a step */
	void			*reader_arg;
};

#define HQ_MON_PROBES_MAX	64
#define HQ_MON_WATCHES_MAX	16

int	hq_mon_init(struct hq_mon *m, struct hq_err *err);
void	hq_mon_clear(struct hq_mon *m);
/* Adds a probe (see hq_mon_probe_init); *idxp its index. */
int	hq_mon_add_probe(struct hq_mon *m, const char *id, const char *proto,
	    const char *addr, unsigned port, bool tls, bool udp,
	    const char *path, size_t *idxp, struct hq_err *err);
/* Watches the value at pointer of GET path on probe (an HTTP one). */
int	hq_mon_add_watch(struct hq_mon *m, const char *name, size_t probe,
	    const char *path, const char *pointer, bool uptime,
	    struct hq_err *err);
/* The last watch added is read by m->reader with step (borrowed): a
 * request with the operator's credentials.  Such a watch is left out of
 * hq_mon_json (a reproducer carries no credentials) and counted there as
 * "watches_with_credentials". */
void	hq_mon_watch_set_step(struct hq_mon *m, const void *step);
const char *hq_mon_class_name(enum hq_mon_class c);
/* Reads every watched value as the reference. */
int	hq_mon_baseline(struct hq_mon *m, int timeout_ms, struct hq_err *err);
/*
 * One check: every probe's health, then the watched values against the
 * reference (uptime's reference follows it).  *cp the first problem,
 * detail names the surface or value; HQ_EINTR only.
 */
/* hq_mon_health with a second look 300 ms later when the first is hung or
 * abnormal: dead then is dead, hung then normal is a stall (normal). */
int	hq_mon_health_settled(struct hq_mon_probe *p, int timeout_ms,
	    uint8_t *buf, enum hq_health *hp, char *detail, size_t detailsz,
	    struct hq_err *err);
int	hq_mon_check(struct hq_mon *m, int timeout_ms, enum hq_mon_class *cp,
	    char *detail, size_t detailsz, struct hq_err *err);
/* Checks again and again for watch_ms (at least once, 200 ms apart) and
 * stops at the first problem. */
int	hq_mon_watch(struct hq_mon *m, int timeout_ms, long long watch_ms,
	    enum hq_mon_class *cp, char *detail, size_t detailsz,
	    struct hq_err *err);
/* The monitor as JSON (for reproducers) and back. */
cJSON	*hq_mon_json(const struct hq_mon *m);
int	hq_mon_from_json(const cJSON *j, struct hq_mon *m, struct hq_err *err);

#endif
