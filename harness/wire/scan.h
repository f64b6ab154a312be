/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TCP connect scanning and service identification: port-set parsing, a
 * non-blocking connect scan with a bounded in-flight window and a
 * per-connect timeout, and banner grabbing with protocol probes.
 */
#ifndef HQ_SCAN_H
#define HQ_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

struct hq_err;

#define HQ_SCAN_WINDOW_MAX	4096
#define HQ_BANNER_MAX		512

struct hq_portset {
	uint8_t	bits[65536 / 8];
	size_t	count;
};

/* "1-65535", "22,80,443,8000-8100": every port 1..65535 at most once. */
int	hq_portset_parse(const char *spec, struct hq_portset *ps,
	    struct hq_err *err);
bool	hq_portset_has(const struct hq_portset *ps, unsigned port);
void	hq_portset_add(struct hq_portset *ps, unsigned port);

enum hq_port_state { HQ_PORT_CLOSED, HQ_PORT_OPEN, HQ_PORT_FILTERED };

struct hq_scan_opts {
	const char	*addr;		/* numeric IPv4/IPv6 */
	unsigned	 window;	/* connects in flight, 1..4096 */
	int		 timeout_ms;	/* per connect attempt */
	unsigned	 retries;	/* extra tries for filtered ports */
};

struct hq_scan_result {
	uint16_t	*open;		/* sorted, caller frees */
	size_t		 nopen;
	size_t		 nclosed;
	size_t		 nfiltered;
	size_t		 nprobed;
	int64_t		 elapsed_ms;
};

int	hq_scan_tcp(const struct hq_scan_opts *o, const struct hq_portset *ps,
	    struct hq_deadline dl, struct hq_scan_result *res,
	    struct hq_err *err);
void	hq_scan_result_clear(struct hq_scan_result *res);

/* What answered on an open port. */
struct hq_service {
	char	name[16];		/* telnet ssh http tls rtsp mqtt ftp
					 * smtp shell unknown */
	char	banner[HQ_BANNER_MAX];	/* escaped first bytes */
	char	how[64];		/* which probe identified it */
};

/*
 * Grabs a banner and probes (TLS, HTTP, RTSP, MQTT) each within timeout.
 * The banner is read while it still classifies as "unknown" (a prompt
 * after a greeting).  The one classifier of the surface and tls families.
 */
int	hq_service_identify(const char *addr, unsigned port, int timeout_ms,
	    struct hq_deadline dl, struct hq_service *svc, struct hq_err *err);
/* The same, knowing the DUT file's proto for the port (or NULL): RTSP is
 * probed before HTTP on RTSP-declared and RTSP-typical ports. */
int	hq_service_identify_as(const char *addr, unsigned port,
	    const char *declared, int timeout_ms, struct hq_deadline dl,
	    struct hq_service *svc, struct hq_err *err);
/*
 * Classifies bytes a server sent first (probe NULL) or in answer to a probe
 * ("tls", "http", "rtsp", "mqtt"); returns a service name or NULL.
 */
const char *hq_service_classify(const uint8_t *p, size_t len,
	    const char *probe);
/* A minimal TLS ClientHello for detection (static bytes, len out). */
const uint8_t *hq_tls_probe_hello(size_t *lenp);

#endif
