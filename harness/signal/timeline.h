/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The DUT's traffic from the run's pcapng, for timelines and for proving a
 * cut: a reader of the file capture.c writes (read as a file, while it is
 * still being written; no pcap handle is opened here).  Packets of
 * interface 0 (Ethernet) are summarised: time on CLOCK_MONOTONIC (the
 * file's stamps are CLOCK_REALTIME, mapped with the offset measured now),
 * direction with respect to the DUT and its declared cloud addresses,
 * size, TCP SYN.  A block cut short at the end of the file ends the read.
 */
#ifndef HQ_TIMELINE_H
#define HQ_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hq_err;

#define HQ_PCAPNG_PACKETS_MAX	4000000
#define HQ_PCAPNG_FILE_MAX	(2ull << 30)

enum hq_pkt_dir {
	HQ_PKT_OTHER = 0,
	HQ_PKT_TO_CLOUD,	/* from the DUT to a declared cloud address */
	HQ_PKT_FROM_CLOUD,	/* from a declared cloud address to the DUT */
	HQ_PKT_DUT,		/* other traffic of the DUT */
};

struct hq_pkt {
	int64_t		 t_ns;		/* CLOCK_MONOTONIC */
	uint32_t	 len;		/* original length */
	uint8_t		 dir;		/* enum hq_pkt_dir */
	bool		 syn;		/* TCP SYN without ACK */
};

/*
 * Reads the packets of path.  dut and cloud are IPv4 addresses in text
 * (invalid ones are ignored).  *pktsp: caller frees.
 */
int	hq_pcapng_packets(const char *path, const char *dut,
	    char *const *cloud, size_t ncloud, struct hq_pkt **pktsp,
	    size_t *np, struct hq_err *err);

/* Counts over [a, b): packets and bytes per direction, SYNs to the cloud. */
struct hq_traffic {
	size_t	 to_cloud, from_cloud, dut, syn_to_cloud;
	uint64_t bytes_to_cloud, bytes_from_cloud, bytes_dut;
};
void	hq_traffic_count(const struct hq_pkt *p, size_t n, int64_t a,
	    int64_t b, struct hq_traffic *t);

#endif
