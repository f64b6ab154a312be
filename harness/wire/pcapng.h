/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A streaming pcapng reader: one block in memory at a time, so a capture
 * of any size is read in bounded memory (HQ_PCAPNG_BLOCK_MAX plus the
 * interface table).  It reads the file capture.c writes (see capture.h),
 * also while it is still being written: the file's size at open is the
 * end, and a block cut short there ends the read quietly.  Both byte
 * orders, several sections, Enhanced, Simple and obsolete Packet Blocks;
 * other blocks are skipped.  Every length comes from the file and is
 * checked before use; a block whose lengths do not add up stops the read
 * with HQ_EPROTO and its offset.  It opens no pcap handle.
 */
#ifndef HQ_PCAPNG_H
#define HQ_PCAPNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hq_err;
struct hq_pcapng;

#define HQ_PCAPNG_BLOCK_MAX	(1u << 20)	/* larger blocks are skipped */
#define HQ_PCAPNG_IF_MAX	256		/* interfaces per section */

struct hq_pcapng_pkt {
	uint64_t	 frame;		/* 1-based over every packet block in
					 * file order: Wireshark's frame number */
	uint32_t	 ifid;
	uint16_t	 linktype;	/* 1: Ethernet */
	int64_t		 ts_ns;		/* CLOCK_REALTIME ns */
	uint32_t	 caplen, origlen;
	const uint8_t	*data;		/* caplen bytes, valid until the next
					 * call */
};

struct hq_pcapng_stats {
	uint64_t	 offset;	/* bytes consumed */
	uint64_t	 size;		/* the file's size at open */
	uint64_t	 blocks, packets;
	uint64_t	 oversized;	/* blocks skipped over HQ_PCAPNG_BLOCK_MAX */
	uint64_t	 bad_ifid;	/* packets of undescribed interfaces */
	bool		 cut_short;	/* the last block ran past the end */
};

/* HQ_EIO when path cannot be opened, HQ_EPROTO when it is not pcapng. */
int	hq_pcapng_open(const char *path, struct hq_pcapng **rp,
	    struct hq_err *err);
/*
 * The next packet into *pkt (its data borrowed until the next call), or
 * *endp true at the end of the file.  HQ_EPROTO (message with the offset)
 * for a corrupt block: the read stops there.  HQ_EIO for read errors.
 */
int	hq_pcapng_next(struct hq_pcapng *r, struct hq_pcapng_pkt *pkt,
	    bool *endp, struct hq_err *err);
const struct hq_pcapng_stats *hq_pcapng_stats(const struct hq_pcapng *r);
void	hq_pcapng_close(struct hq_pcapng *r);

#endif
