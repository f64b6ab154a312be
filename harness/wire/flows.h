/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Passive analysis of the DUT's own traffic: the IPv4 TCP/UDP (and other
 * IP protocol) flows between the DUT's address and anything that is not
 * the lab, read from Ethernet frames (a pcapng file through the streaming
 * reader, or frame by frame).  Each flow is classified from its first
 * payload bytes (TLS, other encrypted: SSH, DTLS, QUIC, WireGuard, ESP;
 * cleartext: HTTP, MQTT, telnet, FTP, DNS, ...; unknown), and the bytes
 * of every flow not known to be encrypted are scanned, in order, for
 * credentials (HTTP Authorization, password-like JSON/form/query fields,
 * MQTT CONNECT with a password, telnet logins, FTP/POP PASS, SMTP AUTH)
 * and for given strings (personal data, declared secrets).
 *
 * Bounded: at most max_flows flows (packets of further flows are counted,
 * not analysed), at most prefix bytes kept per direction of a flow not
 * known to be encrypted (first the stream's start, then a sliding window),
 * at most mem_max bytes of such buffers in all, at most
 * HQ_FLOWS_FINDINGS_MAX findings.  Memory does not grow with the capture.
 * Findings never hold the matched bytes: kind, flow, frame number.
 */
#ifndef HQ_FLOWS_H
#define HQ_FLOWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

struct hq_err;
struct hq_flows;

#define HQ_FLOWS_MAX		65536
#define HQ_FLOWS_DEFAULT	4096
#define HQ_FLOW_PREFIX_MIN	512
#define HQ_FLOW_PREFIX_MAX	65536
#define HQ_FLOW_PREFIX_DEFAULT	4096
#define HQ_FLOWS_MEM_DEFAULT	(64u << 20)
#define HQ_FLOWS_FINDINGS_MAX	1024
#define HQ_FLOWS_LAB_MAX	64
#define HQ_FLOWS_NEEDLES_MAX	256
#define HQ_FLOWS_CLASSIFY_TRIES	8	/* payload packets before "unknown" */

enum hq_flow_class {
	HQ_FLOW_EMPTY = 0,	/* no payload seen */
	HQ_FLOW_TLS,
	HQ_FLOW_ENCRYPTED,	/* other encrypted protocols */
	HQ_FLOW_CLEARTEXT,
	HQ_FLOW_UNKNOWN,	/* payload, but nothing recognised */
};

struct hq_flows_opts {
	const char		*dut;		/* the DUT's IPv4 address */
	const char *const	*lab;		/* the lab's addresses */
	size_t			 nlab;
	/* Strings whose presence in cleartext is a finding; never copied
	 * into findings.  kinds[i] names strings[i] ("personal data"). */
	const char *const	*strings;
	const char *const	*kinds;
	size_t			 nstrings;
	size_t			 max_flows;	/* 0: HQ_FLOWS_DEFAULT */
	size_t			 prefix;	/* 0: HQ_FLOW_PREFIX_DEFAULT */
	size_t			 mem_max;	/* 0: HQ_FLOWS_MEM_DEFAULT */
};
#define HQ_FLOWS_OPTS_INIT { .dut = NULL }

/* What the check reads of one flow (borrowed from the analyser). */
struct hq_flow_info {
	uint32_t	 id;		/* 1-based, in order of first packet */
	uint8_t		 proto;		/* IP protocol: 6 TCP, 17 UDP, ... */
	char		 dut[24], peer[24];	/* "a.b.c.d:port" */
	uint16_t	 dut_port, peer_port;
	bool		 dut_initiated;	/* SYN or first datagram from the DUT */
	enum hq_flow_class cls;
	const char	*app;		/* "tls", "http", "dns", ...; "" */
	uint64_t	 first_frame, last_frame, packets;
	uint64_t	 bytes_out, bytes_in;	/* payload, DUT -> peer / back */
	bool		 gap;		/* segments missing: content partial */
	bool		 unanalysed;	/* no buffer (mem_max): content unread */
	size_t		 nfindings;
};

struct hq_flow_finding {
	uint32_t	 flow;		/* hq_flow_info.id */
	const char	*kind;		/* static text, e.g. "HTTP Authorization
					 * header" */
	char		 detail[48];	/* e.g. the scheme "Basic", a field
					 * name, "personal_data[1]" */
	bool		 outbound;	/* sent by the DUT */
	uint64_t	 frame;
};

struct hq_flows_stats {
	uint64_t	 frames;	/* Ethernet frames given */
	uint64_t	 not_ip;	/* ARP, LLDP, ... */
	uint64_t	 ipv6, ipv6_global;	/* to or from 2000::/3 */
	uint64_t	 malformed;	/* headers cut short or inconsistent */
	uint64_t	 fragments;	/* non-first IPv4 fragments */
	uint64_t	 lab;		/* between the DUT and the lab */
	uint64_t	 other;		/* not the DUT's */
	uint64_t	 outbound;	/* the DUT's, lab excluded */
	uint64_t	 untracked;	/* packets of flows over max_flows */
	uint64_t	 first_untracked_frame;
	uint64_t	 findings_dropped;
	size_t		 mem_peak;	/* bytes of flow buffers at most */
};

/* opts->dut must be a valid IPv4 address (HQ_EINVAL). */
int	hq_flows_new(const struct hq_flows_opts *opts, struct hq_flows **flp,
	    struct hq_err *err);
void	hq_flows_free(struct hq_flows *fl);
/* One Ethernet frame (caplen bytes of origlen) with its frame number. */
void	hq_flows_frame(struct hq_flows *fl, uint64_t frame,
	    const uint8_t *p, size_t caplen);
/*
 * Streams path (pcapng) into fl: the Ethernet packets of interface ifid.
 * A corrupt block stops the read with HQ_EPROTO; what came before it is
 * analysed.  *framesp (may be NULL): packet blocks read.
 */
int	hq_flows_read_pcapng(struct hq_flows *fl, const char *path,
	    uint32_t ifid, uint64_t *framesp, bool *cut_shortp,
	    struct hq_err *err);
/* Finishes classification (flows with little payload); idempotent. */
void	hq_flows_finish(struct hq_flows *fl);

size_t	hq_flows_count(const struct hq_flows *fl);
const struct hq_flow_info *hq_flows_get(const struct hq_flows *fl, size_t i);
size_t	hq_flows_nfindings(const struct hq_flows *fl);
const struct hq_flow_finding *hq_flows_finding(const struct hq_flows *fl,
	    size_t i);
const struct hq_flows_stats *hq_flows_stats(const struct hq_flows *fl);
const char *hq_flow_class_name(enum hq_flow_class c);
/* {"stats", "flows": [...], "findings": [...]}; caller frees. */
cJSON	*hq_flows_json(const struct hq_flows *fl);

#endif
