/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Capture of the DUT-facing interface into pcapng, on a thread of its own,
 * with the run's steps written into the file as comments.
 *
 * The file: a Section Header Block, Interface Description Block 0 (the
 * captured interface: name, filter, snap length, nanosecond timestamps),
 * IDB 1 ("hopquy-steps", LINKTYPE_WIRESHARK_UPPER_PDU), then one Enhanced
 * Packet Block per packet on interface 0.  Each step is one EPB on
 * interface 1, stamped with the time hq_capture_comment() was called,
 * whose opt_comment is the step text and whose payload is the same text
 * for Wireshark's data-text-lines dissector.  So stock tools show steps:
 *	tshark -r f.pcapng -Y frame.comment -T fields -e frame.comment
 * and the DUT's own packets are those of interface 0:
 *	tshark -r f.pcapng -Y 'frame.interface_id == 0'
 * At the end, an Interface Statistics Block for interface 0 holds the
 * kernel's counters (isb_ifrecv, isb_ifdrop, isb_osdrop, isb_usrdeliv).
 * The file is flushed every HQ_CAPTURE_FLUSH_MS, so an aborted run keeps
 * what was captured up to then.  Only this module opens pcap handles.
 */
#ifndef HQ_CAPTURE_H
#define HQ_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

struct hq_err;
struct hq_capture;

#define HQ_CAPTURE_SNAPLEN_DEFAULT	262144
#define HQ_CAPTURE_SNAPLEN_MIN		64
#define HQ_CAPTURE_MAX_BYTES_DEFAULT	(1ull << 30)	/* 1 GiB a file */
#define HQ_CAPTURE_BUFFER_DEFAULT	(8u << 20)	/* kernel ring: 4x tcpdump's; zeroed at start, ~1 ms a MiB here */
#define HQ_CAPTURE_TIMEOUT_MS		10	/* pcap block timeout */
#define HQ_CAPTURE_FLUSH_MS		100
#define HQ_CAPTURE_NAP_MS		2	/* between reads while traffic flows */
#define HQ_CAPTURE_COMMENT_MAX		1024	/* bytes of one step text */
#define HQ_CAPTURE_COMMENTS_MAX		65536	/* step comments a file */
#define HQ_CAPTURE_FILTER_MAX		1024

struct hq_capture_opts {
	const char	*ifname;	/* the DUT-facing interface */
	const char	*path;		/* the pcapng file, created (O_EXCL) */
	unsigned	 snaplen;	/* 0: HQ_CAPTURE_SNAPLEN_DEFAULT */
	const char	*filter;	/* pcap-filter(7) or NULL: everything */
	uint64_t	 max_bytes;	/* file cap; 0: default */
	unsigned	 buffer_bytes;	/* kernel buffer; 0: default */
	bool		 immediate;	/* per-packet wakeups (low volume) */
	bool		 group_read;	/* file mode 0640, not 0600: it holds
					 * whatever crossed the wire,
					 * passwords and tokens included */
};
#define HQ_CAPTURE_OPTS_INIT { .ifname = NULL }

/*
 * Opens ifname (in the calling thread's network namespace), writes the
 * file's header and starts the capture thread.  HQ_EINVAL for a bad filter
 * or snap length, HQ_EIO for pcap or file errors.  *capp is released by
 * hq_capture_stop().
 */
int	hq_capture_start(const struct hq_capture_opts *o,
	    struct hq_capture **capp, struct hq_err *err);
/*
 * Writes text (a step) into the file as described above.  Thread-safe;
 * returns once the comment is in the file, or after 1 s.  Text longer than
 * HQ_CAPTURE_COMMENT_MAX is cut; control bytes are escaped.  NULL cap is
 * fine (no capture).
 */
void	hq_capture_comment(struct hq_capture *cap, const char *text);
/* An hq_step_hook (result.h) that calls hq_capture_comment(arg, ...). */
void	hq_capture_step_hook(void *arg, const char *case_id,
	    const char *text);
/* True once the size cap has been hit (later packets are not written). */
bool	hq_capture_cap_hit(struct hq_capture *cap);
/*
 * Stops the thread after draining what the kernel holds, writes the
 * statistics block, fsyncs and closes the file, frees cap.  *statsp (may
 * be NULL): {"interface", "file", "snaplen", "filter", "packets",
 * "bytes", "kernel_drops", "interface_drops", "received",
 * "not_written_over_cap", "cap_hit", "comments", "start", "end"}; caller
 * frees.  The stats are set even when an error (e.g. a write error during
 * the capture) is returned.  NULL cap: 0, *statsp NULL.
 */
int	hq_capture_stop(struct hq_capture *cap, cJSON **statsp,
	    struct hq_err *err);

/*
 * In a privilege-separated run's worker (priv.h): a handle whose comment,
 * cap_hit and stop are requests to the monitor, which holds the real
 * capture.  NULL without memory.
 */
struct hq_priv;
struct hq_capture *hq_capture_remote(struct hq_priv *p);

#endif
