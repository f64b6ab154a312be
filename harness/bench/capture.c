/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Capture (see capture.h): a libpcap handle on the DUT-facing interface,
 * read by a thread of its own, written as hand-made pcapng blocks
 * (draft-ietf-opsawg-pcapng: SHB, IDB, EPB, ISB).  The only module that
 * opens pcap handles; it never changes the network.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <net/if.h>
#include <net/if_arp.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <pcap/pcap.h>

#include "bench/capture.h"
#include "bench/priv.h"
#include "util/err.h"
#include "util/log.h"
#include "util/util.h"

/* pcapng block types and options. */
#define BT_SHB		0x0A0D0D0Au
#define BT_IDB		0x00000001u
#define BT_ISB		0x00000005u
#define BT_EPB		0x00000006u
#define OPT_END		0
#define OPT_COMMENT	1
#define SHB_USERAPPL	4
#define IF_NAME		2
#define IF_DESCRIPTION	3
#define IF_TSRESOL	9
#define IF_FILTER	11
#define ISB_STARTTIME	2
#define ISB_ENDTIME	3
#define ISB_IFRECV	4
#define ISB_IFDROP	5
#define ISB_FILTERACCEPT 6
#define ISB_OSDROP	7
#define ISB_USRDELIV	8

#define LINKTYPE_WIRESHARK_UPPER_PDU	252
#define EXP_PDU_TAG_DISSECTOR_NAME	12
#define STEP_DISSECTOR	"data-text-lines"	/* 15 bytes + NUL: 16 */

/* Room kept under the cap for step comments and the closing ISB. */
#define CAP_RESERVE	(256u << 10)
#define PENDING_MAX	64

struct pending {
	int64_t	 wall_ns;
	char	*text;
};

#define RAW_BATCH	8	/* packets a recvmmsg */

struct hq_capture {
	struct hq_priv	*remote;	/* the worker's handle: requests */
	pcap_t		*p;		/* libpcap, or */
	int		 rawfd;		/* a packet socket without a ring */
	int		 holdfd;	/* the teardown holder's pipe */
	pid_t		 holder;
	void		*holder_stack;
	uint8_t		*rbuf;		/* RAW_BATCH x (snaplen + 4) */
	uint64_t	 k_recv, k_drop;	/* PACKET_STATISTICS, summed */
	uint64_t	 ifdrop0;
	FILE		*f;
	int		 fd;
	int		 wakefd;
	char		 path[4096];
	char		 ifname[64];
	char		*filter;
	unsigned	 snaplen;
	unsigned	 tsresol;	/* 9 (ns) or 6 (us) */
	int		 linktype;
	uint64_t	 max_bytes;
	pthread_t	 thread;
	bool		 running;

	pthread_mutex_t	 mu;		/* guards the fields below */
	pthread_cond_t	 cv;
	struct pending	 q[PENDING_MAX];
	size_t		 nq;
	uint64_t	 queued, written_comments;
	bool		 stop;
	bool		 cap_hit;

	/* Thread-owned while running. */
	uint8_t		*blk;		/* one block being built */
	size_t		 blksz;
	uint64_t	 bytes;		/* written to the file */
	uint64_t	 packets;
	uint64_t	 over_cap;
	uint64_t	 comments;
	int		 write_errno;
	bool		 dirty;
	int64_t		 last_flush_ns;
	int64_t		 start_ns, end_ns;	/* wall clock */
	struct pcap_stat st;
	bool		 have_stats;
};

static int64_t
wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Block building into cap->blk: the caller sized it. */
struct blk {
	uint8_t	*p;
	size_t	 len;
};

static void
put(struct blk *b, const void *p, size_t n)
{
	if (n > 0)	/* memcpy(_, NULL, 0) is undefined */
		memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void
put32(struct blk *b, uint32_t v)
{
	put(b, &v, 4);
}

static void
put16(struct blk *b, uint16_t v)
{
	put(b, &v, 2);
}

static void
pad4(struct blk *b)
{
	while (b->len % 4 != 0)
		b->p[b->len++] = 0;
}

static void
put_opt(struct blk *b, uint16_t code, const void *p, size_t n)
{
	put16(b, code);
	put16(b, (uint16_t)n);
	put(b, p, n);
	pad4(b);
}

static void
put_opt64(struct blk *b, uint16_t code, uint64_t v)
{
	put_opt(b, code, &v, 8);
}

/* Starts a block of type: total length patched by blk_end. */
static void
blk_begin(struct blk *b, uint8_t *buf, uint32_t type)
{
	b->p = buf;
	b->len = 0;
	put32(b, type);
	put32(b, 0);
}

static void
blk_end(struct blk *b)
{
	uint32_t total = (uint32_t)b->len + 4;

	memcpy(b->p + 4, &total, 4);
	put32(b, total);
}

static void
cap_write(struct hq_capture *c, const struct blk *b)
{
	if (c->write_errno != 0)
		return;
	if (fwrite(b->p, 1, b->len, c->f) != b->len) {
		c->write_errno = errno != 0 ? errno : EIO;
		hq_error("%s: write: %s", c->path, strerror(c->write_errno));
		return;
	}
	c->bytes += b->len;
	c->dirty = true;
}

/* Timestamp in the interface's resolution, as the EPB's two words. */
static void
put_ts(struct blk *b, uint64_t units)
{
	put32(b, (uint32_t)(units >> 32));
	put32(b, (uint32_t)units);
}

static uint64_t
ts_units(const struct hq_capture *c, int64_t ns)
{
	return c->tsresol == 9 ? (uint64_t)ns : (uint64_t)(ns / 1000);
}

static void
write_shb_idbs(struct hq_capture *c)
{
	static const char appl[] = "hopquy " HQ_VERSION;
	struct blk b;
	uint8_t res;
	uint8_t fbuf[1 + HQ_CAPTURE_FILTER_MAX];
	size_t flen;

	blk_begin(&b, c->blk, BT_SHB);
	put32(&b, 0x1A2B3C4Du);
	put16(&b, 1);
	put16(&b, 0);
	put32(&b, 0xffffffffu);		/* section length: unknown */
	put32(&b, 0xffffffffu);
	put_opt(&b, SHB_USERAPPL, appl, strlen(appl));
	put_opt(&b, OPT_END, NULL, 0);
	blk_end(&b);
	cap_write(c, &b);

	blk_begin(&b, c->blk, BT_IDB);
	put16(&b, (uint16_t)c->linktype);
	put16(&b, 0);
	put32(&b, c->snaplen);
	put_opt(&b, IF_NAME, c->ifname, strlen(c->ifname));
	res = (uint8_t)c->tsresol;
	put_opt(&b, IF_TSRESOL, &res, 1);
	if (c->filter != NULL) {
		flen = strlen(c->filter);
		fbuf[0] = 0;		/* libpcap filter string */
		memcpy(fbuf + 1, c->filter, flen);
		put_opt(&b, IF_FILTER, fbuf, flen + 1);
	}
	put_opt(&b, OPT_END, NULL, 0);
	blk_end(&b);
	cap_write(c, &b);

	/* Interface 1: the run's steps. */
	blk_begin(&b, c->blk, BT_IDB);
	put16(&b, LINKTYPE_WIRESHARK_UPPER_PDU);
	put16(&b, 0);
	put32(&b, 0);
	put_opt(&b, IF_NAME, "hopquy-steps", 12);
	put_opt(&b, IF_DESCRIPTION, "hopquy test steps", 17);
	res = 9;
	put_opt(&b, IF_TSRESOL, &res, 1);
	put_opt(&b, OPT_END, NULL, 0);
	blk_end(&b);
	cap_write(c, &b);
}

static void
write_comment(struct hq_capture *c, int64_t ns, const char *text)
{
	static const char dis[16] = STEP_DISSECTOR;
	struct blk b;
	size_t tlen = strlen(text), plen;
	uint16_t be;

	if (c->comments >= HQ_CAPTURE_COMMENTS_MAX) {
		hq_warn("%s: more than %d step comments, dropped", c->path,
		    HQ_CAPTURE_COMMENTS_MAX);
		return;
	}
	plen = 4 + sizeof(dis) + 4 + tlen;	/* tags, then the text */
	blk_begin(&b, c->blk, BT_EPB);
	put32(&b, 1);
	put_ts(&b, (uint64_t)ns);
	put32(&b, (uint32_t)plen);
	put32(&b, (uint32_t)plen);
	/* Exported-PDU tags are big-endian. */
	be = htobe16(EXP_PDU_TAG_DISSECTOR_NAME);
	put(&b, &be, 2);
	be = htobe16(sizeof(dis));
	put(&b, &be, 2);
	put(&b, dis, sizeof(dis));
	put32(&b, 0);			/* end of tags */
	put(&b, text, tlen);
	pad4(&b);
	put_opt(&b, OPT_COMMENT, text, tlen);
	put_opt(&b, OPT_END, NULL, 0);
	blk_end(&b);
	cap_write(c, &b);
	c->comments++;
}

static void
on_packet(u_char *arg, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct hq_capture *c = (struct hq_capture *)arg;
	struct blk b;
	uint32_t caplen = h->caplen < c->snaplen ? h->caplen : c->snaplen;
	uint64_t t;
	size_t need = 28 + ((size_t)caplen + 3) / 4 * 4 + 4;

	if (c->bytes + need + CAP_RESERVE > c->max_bytes) {
		if (!c->cap_hit) {
			pthread_mutex_lock(&c->mu);
			c->cap_hit = true;
			pthread_mutex_unlock(&c->mu);
			hq_warn("%s: size cap of %llu bytes hit; later packets "
			    "are not written", c->path,
			    (unsigned long long)c->max_bytes);
		}
		c->over_cap++;
		return;
	}
	/* h->ts carries nanoseconds in tv_usec with nano precision. */
	t = (uint64_t)h->ts.tv_sec * (c->tsresol == 9 ? 1000000000u :
	    1000000u) + (uint64_t)h->ts.tv_usec;
	blk_begin(&b, c->blk, BT_EPB);
	put32(&b, 0);
	put_ts(&b, t);
	put32(&b, caplen);
	put32(&b, h->len);
	put(&b, bytes, caplen);
	pad4(&b);
	blk_end(&b);
	cap_write(c, &b);
	c->packets++;
}

/* The interface's own drop counters (what libpcap reports as ifdrop). */
static uint64_t
if_drops(const char *ifname)
{
	static const char *const names[] = { "rx_missed_errors",
	    "rx_fifo_errors" };
	char path[160], buf[32];
	uint64_t sum = 0;
	size_t i;
	ssize_t n;
	int fd;

	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/%s",
		    ifname, names[i]);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			continue;
		if ((n = read(fd, buf, sizeof(buf) - 1)) > 0) {
			buf[n] = '\0';
			sum += strtoull(buf, NULL, 10);
		}
		close(fd);
	}
	return sum;
}

/*
 * One packet from the raw socket: the VLAN tag the kernel took off put
 * back after the MAC addresses (as libpcap does), the original length from
 * the auxiliary data (a filter may have trimmed the copy).
 */
static void
raw_packet(struct hq_capture *c, uint8_t *data, size_t got,
    struct msghdr *mh)
{
	struct tpacket_auxdata *aux = NULL;
	struct timespec *ts = NULL;
	struct pcap_pkthdr h;
	struct cmsghdr *cm;
	size_t caplen = got < c->snaplen ? got : c->snaplen;
	uint32_t len = (uint32_t)got;

	for (cm = CMSG_FIRSTHDR(mh); cm != NULL; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level == SOL_SOCKET &&
		    cm->cmsg_type == SCM_TIMESTAMPNS &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(*ts)))
			ts = (struct timespec *)(void *)CMSG_DATA(cm);
		else if (cm->cmsg_level == SOL_PACKET &&
		    cm->cmsg_type == PACKET_AUXDATA &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(*aux)))
			aux = (struct tpacket_auxdata *)(void *)CMSG_DATA(cm);
	}
	if (aux != NULL && aux->tp_len > len)
		len = aux->tp_len;
	if (aux != NULL && (aux->tp_status & TP_STATUS_VLAN_VALID) != 0 &&
	    caplen >= 12) {
		uint16_t tpid = (aux->tp_status & TP_STATUS_VLAN_TPID_VALID) ?
		    aux->tp_vlan_tpid : ETH_P_8021Q;
		uint8_t tag[4] = { (uint8_t)(tpid >> 8), (uint8_t)tpid,
		    (uint8_t)(aux->tp_vlan_tci >> 8),
		    (uint8_t)aux->tp_vlan_tci };

		/* The buffer has 4 spare bytes after the snap length. */
		memmove(data + 16, data + 12, caplen - 12);
		memcpy(data + 12, tag, 4);
		caplen += 4;
		len += 4;
		if (caplen > c->snaplen)
			caplen = c->snaplen;
	}
	memset(&h, 0, sizeof(h));
	if (ts != NULL) {
		h.ts.tv_sec = ts->tv_sec;
		h.ts.tv_usec = ts->tv_nsec;	/* nanoseconds: tsresol 9 */
	} else {
		int64_t w = wall_ns();

		h.ts.tv_sec = (time_t)(w / 1000000000);
		h.ts.tv_usec = (suseconds_t)(w % 1000000000);
	}
	h.caplen = (uint32_t)caplen;
	h.len = len;
	on_packet((u_char *)c, &h, data);
}

static int
raw_dispatch(struct hq_capture *c)
{
	struct mmsghdr mm[RAW_BATCH];
	struct iovec iov[RAW_BATCH];
	union {
		char buf[CMSG_SPACE(sizeof(struct timespec)) +
		    CMSG_SPACE(sizeof(struct tpacket_auxdata))];
		struct cmsghdr align;
	} ctl[RAW_BATCH];
	size_t stride = (size_t)c->snaplen + 4;
	int n, i, total = 0, round;

	for (round = 0; round < 64; round++) {
		memset(mm, 0, sizeof(mm));
		for (i = 0; i < RAW_BATCH; i++) {
			iov[i].iov_base = c->rbuf + (size_t)i * stride;
			iov[i].iov_len = c->snaplen;
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
			mm[i].msg_hdr.msg_control = ctl[i].buf;
			mm[i].msg_hdr.msg_controllen = sizeof(ctl[i].buf);
		}
		n = recvmmsg(c->rawfd, mm, RAW_BATCH, MSG_DONTWAIT | MSG_TRUNC,
		    NULL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				break;
			hq_error("%s: %s", c->ifname, strerror(errno));
			return -1;
		}
		for (i = 0; i < n; i++)
			raw_packet(c, c->rbuf + (size_t)i * stride,
			    mm[i].msg_len, &mm[i].msg_hdr);
		total += n;
		if (n < RAW_BATCH)
			break;
	}
	return total;
}

/* Counters as libpcap's pcap_stats gives them (the kernel's reset on
 * every read, so they are summed here). */
static int
cap_stats(struct hq_capture *c, struct pcap_stat *st)
{
	struct tpacket_stats ks;
	socklen_t sl = sizeof(ks);

	if (c->rawfd < 0)
		return pcap_stats(c->p, st);
	if (getsockopt(c->rawfd, SOL_PACKET, PACKET_STATISTICS, &ks, &sl) !=
	    0)
		return -1;
	c->k_recv += ks.tp_packets;	/* the kernel's include the drops */
	c->k_drop += ks.tp_drops;
	memset(st, 0, sizeof(*st));
	st->ps_recv = (u_int)c->k_recv;
	st->ps_drop = (u_int)c->k_drop;
	st->ps_ifdrop = (u_int)(if_drops(c->ifname) - c->ifdrop0);
	return 0;
}

static int
cap_fd(struct hq_capture *c)
{
	return c->rawfd >= 0 ? c->rawfd : pcap_get_selectable_fd(c->p);
}

/* Reads what the kernel has ready; bounded so comments are not starved. */
static int
cap_dispatch(struct hq_capture *c)
{
	int n, total = 0, i;

	if (c->rawfd >= 0)
		return raw_dispatch(c);
	for (i = 0; i < 64; i++) {
		if ((n = pcap_dispatch(c->p, 512, on_packet, (u_char *)c)) < 0) {
			hq_error("%s: %s", c->ifname, pcap_geterr(c->p));
			return -1;
		}
		if (n == 0)
			break;
		total += n;
	}
	return total;
}

/* Writes the queued comments; called with c->mu held. */
static void
cap_drain_comments(struct hq_capture *c)
{
	size_t i;

	for (i = 0; i < c->nq; i++) {
		write_comment(c, c->q[i].wall_ns, c->q[i].text);
		free(c->q[i].text);
		c->written_comments++;
	}
	c->nq = 0;
	if (c->dirty) {
		fflush(c->f);
		c->dirty = false;
		c->last_flush_ns = hq_mono_ns();
	}
	pthread_cond_broadcast(&c->cv);
}

static void
write_isb(struct hq_capture *c)
{
	struct blk b;

	blk_begin(&b, c->blk, BT_ISB);
	put32(&b, 0);
	put_ts(&b, ts_units(c, c->end_ns));
	/* isb_starttime/endtime are in the interface's resolution. */
	{
		uint64_t s = ts_units(c, c->start_ns), e = ts_units(c,
		    c->end_ns);
		uint32_t w[2];

		w[0] = (uint32_t)(s >> 32);
		w[1] = (uint32_t)s;
		put_opt(&b, ISB_STARTTIME, w, 8);
		w[0] = (uint32_t)(e >> 32);
		w[1] = (uint32_t)e;
		put_opt(&b, ISB_ENDTIME, w, 8);
	}
	if (c->have_stats) {
		put_opt64(&b, ISB_IFRECV, c->st.ps_recv);
		put_opt64(&b, ISB_IFDROP, c->st.ps_ifdrop);
		put_opt64(&b, ISB_FILTERACCEPT, c->st.ps_recv);
		put_opt64(&b, ISB_OSDROP, c->st.ps_drop);
	}
	put_opt64(&b, ISB_USRDELIV, c->packets);
	put_opt(&b, OPT_END, NULL, 0);
	blk_end(&b);
	cap_write(c, &b);
}

/*
 * True when every packet the kernel accepted for this socket has been
 * delivered to us (written or counted over the cap) or dropped: then no
 * ring block still holds one, and the capture may stop at once instead of
 * waiting for the block timeout to retire the last block.  libpcap adds
 * the kernel's counters up (reading them resets the kernel's), so the
 * figures stay good for the final statistics block.
 */
static bool
cap_all_delivered(struct hq_capture *c)
{
	struct pcap_stat st;

	if (cap_stats(c, &st) != 0)
		return false;
	return (uint64_t)st.ps_recv <= (uint64_t)st.ps_drop + c->packets +
	    c->over_cap;
}

#define HOLDER_STACK	(64u << 10)	/* cap_spawn_holder */

struct reap {
	pid_t	 pid;
	void	*stack;		/* the holder's, once it has exited */
};

static void *
cap_reap(void *arg)
{
	struct reap *r = arg;

	while (waitpid(r->pid, NULL, 0) < 0 && errno == EINTR)
		;
	munmap(r->stack, HOLDER_STACK);
	free(r);
	return NULL;
}

/*
 * The holder is a child that shares our memory (CLONE_VM: no copy of the
 * page tables, no exec, no dynamic loading: tens of microseconds where
 * an exec of /bin/cat cost about a millisecond of CPU beside the run) but
 * has its own copy of the descriptor table, in which it keeps only the
 * socket and the pipe's read end.  It must not touch libc's state (its
 * thread pointer is the cloning thread's): plain system calls only,
 * through syscall(2), which writes errno only on an error (then into the
 * cloning thread's, the monitor's or the engine's main thread, which
 * outlives the capture; read on a pipe with every signal blocked has
 * none, close_range fails only on a kernel before 5.9, where the
 * descriptors are closed one by one).  Every signal is blocked in it from
 * the start (the mask
 * at clone time), so a Ctrl-C to the process group runs no handler of
 * ours in it.  Its stack is freed by the thread that reaps it.
 */
struct holder_arg {
	int	 keep[2];	/* the socket and the pipe's read end */
};

__attribute__((no_sanitize("address", "undefined")))
static int
holder_main(void *arg)
{
	const struct holder_arg *h = arg;
	unsigned lo = (unsigned)(h->keep[0] < h->keep[1] ? h->keep[0] :
	    h->keep[1]);
	unsigned hi = (unsigned)(h->keep[0] < h->keep[1] ? h->keep[1] :
	    h->keep[0]);
	int rfd = h->keep[1];
	char b[64];

	/* Named for what it is (ps, and tests that tell the worker by its
	 * name, see a clone of the monitor otherwise). */
	syscall(SYS_prctl, PR_SET_NAME, (unsigned long)"hopquy-capture", 0ul,
	    0ul, 0ul);
	if ((lo == 0 || syscall(SYS_close_range, 0u, lo - 1, 0u) == 0) &&
	    (hi <= lo + 1 || syscall(SYS_close_range, lo + 1, hi - 1, 0u) ==
	    0) && syscall(SYS_close_range, hi + 1, ~0u, 0u) == 0)
		;
	else {
		/* A kernel before 5.9: one at a time, as far as ours go. */
		unsigned fd;

		for (fd = 0; fd < 4096; fd++)
			if (fd != lo && fd != hi)
				syscall(SYS_close, fd);
	}
	while (syscall(SYS_read, rfd, b, sizeof(b)) > 0)
		;
	syscall(SYS_exit, 0);
	return 0;
}

/* valgrind preloads its vgpreload_*.so into the program it runs. */
static bool
under_valgrind(void)
{
	const char *p = getenv("LD_PRELOAD");

	return p != NULL && strstr(p, "vgpreload") != NULL;
}

static pid_t
cap_spawn_holder(struct hq_capture *c, int fd, int rfd)
{
	sigset_t all, old;
	uint8_t *stk;
	struct holder_arg *h;
	pid_t pid;

	if (fd < 0 || rfd < 0)
		return -1;
	stk = mmap(NULL, HOLDER_STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE |
	    MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stk == MAP_FAILED)
		return -1;
	/* Its argument at the stack's top, the stack below it. */
	h = (struct holder_arg *)(void *)(stk + HOLDER_STACK -
	    sizeof(struct holder_arg));
	h->keep[0] = fd;
	h->keep[1] = rfd;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	if (under_valgrind()) {
		/* valgrind runs clone() only as a thread or a fork, and
		 * stops the program on any other: a plain fork there. */
		if ((pid = fork()) == 0)
			holder_main(h);
	} else
		pid = clone(holder_main, (void *)((uintptr_t)h &
		    ~(uintptr_t)15), CLONE_VM | SIGCHLD, h);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (pid < 0) {
		munmap(stk, HOLDER_STACK);
		return -1;
	}
	c->holder_stack = stk;
	return pid;
}


static void *
cap_thread(void *arg)
{
	struct hq_capture *c = arg;
	struct pollfd pfd[2];
	uint64_t v;
	int64_t stop_at = 0;
	bool stopping;
	int got;

	pfd[0].fd = cap_fd(c);
	pfd[0].events = POLLIN;
	pfd[1].fd = c->wakefd;
	pfd[1].events = POLLIN;
	for (;;) {
		/* Stopping: a short nap for the last block to retire. */
		if (poll(pfd, 2, stop_at != 0 ? 1 : HQ_CAPTURE_TIMEOUT_MS) < 0
		    && errno != EINTR)
			break;
		if ((pfd[1].revents & POLLIN) != 0 &&
		    read(c->wakefd, &v, sizeof(v)) < 0 && errno != EAGAIN)
			break;
		/* Packets first, so a step follows what came before it. */
		if ((got = cap_dispatch(c)) < 0)
			break;
		pthread_mutex_lock(&c->mu);
		stopping = c->stop;
		cap_drain_comments(c);
		pthread_mutex_unlock(&c->mu);
		if (c->dirty && hq_mono_ns() - c->last_flush_ns >
		    (int64_t)HQ_CAPTURE_FLUSH_MS * 1000000) {
			fflush(c->f);
			c->dirty = false;
			c->last_flush_ns = hq_mono_ns();
		}
		if (!stopping) {
			/* Traffic flows: a short nap off the socket's wait
			 * queue (on the wake-up fd alone: a step comment
			 * still ends it at once), then a batch.  A sleeper
			 * on the socket is woken for every packet, and that
			 * wake-up is paid by the sender (the run's own
			 * exchanges: a third of the input family's time at
			 * thousands of cases a second); the kernel stamps
			 * each packet (SO_TIMESTAMPNS) and its buffer holds
			 * seconds of it, so nothing is lost or retimed. */
			if (got > 0)	/* the wake-up is read above, next */
				(void)poll(&pfd[1], 1, HQ_CAPTURE_NAP_MS);
			continue;
		}
		/* Everything the kernel took is ours: done.  Otherwise the
		 * last ring block retires within the block timeout. */
		if (cap_all_delivered(c))
			break;
		if (stop_at == 0)
			stop_at = hq_mono_ns() +
			    (int64_t)HQ_CAPTURE_TIMEOUT_MS * 3 * 1000000;
		else if (hq_mono_ns() >= stop_at)
			break;
	}
	cap_dispatch(c);
	pthread_mutex_lock(&c->mu);
	cap_drain_comments(c);
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

static void
cap_free(struct hq_capture *c)
{
	size_t i;

	if (c == NULL)
		return;
	if (c->p != NULL)
		pcap_close(c->p);
	if (c->rawfd >= 0)
		close(c->rawfd);
	if (c->holdfd >= 0)
		close(c->holdfd);	/* the holder's end of file */
	if (c->holder > 0) {
		while (waitpid(c->holder, NULL, 0) < 0 && errno == EINTR)
			;
		munmap(c->holder_stack, HOLDER_STACK);
	}
	free(c->rbuf);
	if (c->f != NULL)
		fclose(c->f);
	else if (c->fd >= 0)
		close(c->fd);
	if (c->wakefd >= 0)
		close(c->wakefd);
	for (i = 0; i < c->nq; i++)
		free(c->q[i].text);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	free(c->filter);
	free(c->blk);
	free(c);
}

/*
 * The capture socket without libpcap's ring.  Setting up a packet ring
 * (PACKET_RX_RING) waits for an RCU grace period in the kernel
 * (packet_set_ring calls synchronize_net), 8-20 ms on this kind of host,
 * on every run's path; a plain packet socket read with recvmmsg does not,
 * and the capture thread drains it as fast (a copy per packet either
 * way).  Used for Ethernet interfaces with an ordinary filter; anything
 * else (another link type, a filter naming VLANs, whose offsets differ
 * once the kernel strips the tag) goes through libpcap as before.  The
 * order keeps every packet the filter rejects out: the socket is created
 * with no protocol (it receives nothing), the filter attached, then bound.
 * Non-zero: use libpcap (err set only for a filter that does not compile).
 */
static int
raw_open(struct hq_capture *c, unsigned buffer_bytes, struct hq_err *err)
{
	struct sockaddr_ll sll;
	struct packet_mreq mr;
	struct bpf_program prog;
	struct ifreq ifr;
	unsigned ifindex;
	int fd, one = 1, rcv;
	pcap_t *dead;

	if (c->filter != NULL && strstr(c->filter, "vlan") != NULL)
		return -1;
	if ((ifindex = if_nametoindex(c->ifname)) == 0 ||
	    (fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", c->ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) != 0 ||
	    ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER)
		goto fail;
	if (c->filter != NULL) {
		struct sock_fprog fp;
		int prc;

		if ((dead = pcap_open_dead(DLT_EN10MB, (int)c->snaplen)) ==
		    NULL)
			goto fail;
		if (pcap_compile(dead, &prog, c->filter, 1,
		    PCAP_NETMASK_UNKNOWN) != 0) {
			hq_err_set(err, HQ_EINVAL, "capture filter: %s",
			    pcap_geterr(dead));
			pcap_close(dead);
			goto fail;
		}
		pcap_close(dead);
		fp.len = (unsigned short)prog.bf_len;
		fp.filter = (struct sock_filter *)(void *)prog.bf_insns;
		prc = setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fp,
		    sizeof(fp));
		pcap_freecode(&prog);
		if (prc != 0)
			goto fail;
	}
	rcv = (int)(buffer_bytes != 0 ? buffer_bytes :
	    HQ_CAPTURE_BUFFER_DEFAULT);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)) !=
	    0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	if (setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) !=
	    0 || setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one,
	    sizeof(one)) != 0)
		goto fail;
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) != 0)
		goto fail;
	memset(&mr, 0, sizeof(mr));
	mr.mr_ifindex = (int)ifindex;
	mr.mr_type = PACKET_MR_PROMISC;
	if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr,
	    sizeof(mr)) != 0)
		goto fail;
	if ((c->rbuf = malloc((size_t)RAW_BATCH * ((size_t)c->snaplen + 4)))
	    == NULL)
		goto fail;
	c->rawfd = fd;
	c->linktype = DLT_EN10MB;
	c->tsresol = 9;
	c->ifdrop0 = if_drops(c->ifname);
	return 0;
 fail:
	close(fd);
	return -1;
}

int
hq_capture_start(const struct hq_capture_opts *o, struct hq_capture **capp,
    struct hq_err *err)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	struct bpf_program prog;
	struct hq_capture *c;
	int prc, rc = 0;

	*capp = NULL;
	if (o->ifname == NULL || o->path == NULL)
		return hq_err_set(err, HQ_EINVAL, "capture: interface and "
		    "file are required");
	if (o->snaplen != 0 && (o->snaplen < HQ_CAPTURE_SNAPLEN_MIN ||
	    o->snaplen > HQ_CAPTURE_SNAPLEN_DEFAULT))
		return hq_err_set(err, HQ_EINVAL, "capture: snap length %u, "
		    "expected %d to %d", o->snaplen, HQ_CAPTURE_SNAPLEN_MIN,
		    HQ_CAPTURE_SNAPLEN_DEFAULT);
	if (o->filter != NULL && strlen(o->filter) > HQ_CAPTURE_FILTER_MAX)
		return hq_err_set(err, HQ_EINVAL, "capture: filter longer "
		    "than %d bytes", HQ_CAPTURE_FILTER_MAX);
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "capture");
	c->fd = -1;
	c->wakefd = -1;
	c->rawfd = -1;
	c->holdfd = -1;
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	snprintf(c->path, sizeof(c->path), "%s", o->path);
	snprintf(c->ifname, sizeof(c->ifname), "%s", o->ifname);
	c->snaplen = o->snaplen != 0 ? o->snaplen : HQ_CAPTURE_SNAPLEN_DEFAULT;
	c->max_bytes = o->max_bytes != 0 ? o->max_bytes :
	    HQ_CAPTURE_MAX_BYTES_DEFAULT;
	if (o->filter != NULL && o->filter[0] != '\0' &&
	    (c->filter = strdup(o->filter)) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "capture");
		goto out;
	}
	c->blksz = (size_t)c->snaplen + 4096 + HQ_CAPTURE_COMMENT_MAX * 3 +
	    HQ_CAPTURE_FILTER_MAX;
	if ((c->blk = malloc(c->blksz)) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "capture");
		goto out;
	}
	if (raw_open(c, o->buffer_bytes, err) == 0)
		goto opened;
	if (err != NULL && err->code != 0) {
		rc = err->code;
		goto out;
	}
	if ((c->p = pcap_create(o->ifname, ebuf)) == NULL) {
		rc = hq_err_set(err, HQ_EIO, "capture %s: %s", o->ifname,
		    ebuf);
		goto out;
	}
	pcap_set_snaplen(c->p, (int)c->snaplen);
	pcap_set_promisc(c->p, 1);
	pcap_set_timeout(c->p, HQ_CAPTURE_TIMEOUT_MS);
	pcap_set_buffer_size(c->p, o->buffer_bytes != 0 ?
	    (int)o->buffer_bytes : (int)HQ_CAPTURE_BUFFER_DEFAULT);
	if (o->immediate)
		pcap_set_immediate_mode(c->p, 1);
	c->tsresol = pcap_set_tstamp_precision(c->p,
	    PCAP_TSTAMP_PRECISION_NANO) == 0 ? 9 : 6;
	if ((prc = pcap_activate(c->p)) < 0) {
		rc = hq_err_set(err, prc == PCAP_ERROR_NO_SUCH_DEVICE ?
		    HQ_EUNREACH : HQ_EIO, "capture %s: %s", o->ifname,
		    pcap_geterr(c->p));
		goto out;
	}
	if (prc > 0)
		hq_warn("capture %s: %s", o->ifname, pcap_geterr(c->p));
	if (c->tsresol == 9 && pcap_get_tstamp_precision(c->p) !=
	    PCAP_TSTAMP_PRECISION_NANO)
		c->tsresol = 6;
	c->linktype = pcap_datalink(c->p);
	if (c->filter != NULL) {
		if (pcap_compile(c->p, &prog, c->filter, 1,
		    PCAP_NETMASK_UNKNOWN) != 0) {
			rc = hq_err_set(err, HQ_EINVAL, "capture filter: %s",
			    pcap_geterr(c->p));
			goto out;
		}
		prc = pcap_setfilter(c->p, &prog);
		pcap_freecode(&prog);
		if (prc != 0) {
			rc = hq_err_set(err, HQ_EIO, "capture filter: %s",
			    pcap_geterr(c->p));
			goto out;
		}
	}
	if (pcap_setnonblock(c->p, 1, ebuf) != 0 ||
	    pcap_get_selectable_fd(c->p) < 0) {
		rc = hq_err_set(err, HQ_EIO, "capture %s: not pollable",
		    o->ifname);
		goto out;
	}
 opened:
	if ((c->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
		rc = hq_err_sys(err, "eventfd");
		goto out;
	}
	/* Created private: the capture holds passwords and tokens. */
	if ((c->fd = open(c->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    o->group_read ? 0640 : 0600)) < 0) {
		rc = hq_err_sys(err, c->path);
		goto out;
	}
	if ((c->f = fdopen(c->fd, "wb")) == NULL) {
		rc = hq_err_sys(err, c->path);
		goto out;
	}
	setvbuf(c->f, NULL, _IOFBF, 1u << 20);
	c->start_ns = wall_ns();
	write_shb_idbs(c);
	fflush(c->f);
	if (c->write_errno != 0) {
		errno = c->write_errno;
		rc = hq_err_sys(err, c->path);
		goto out;
	}
	c->last_flush_ns = hq_mono_ns();
	{
		int hp[2];

		if (pipe2(hp, O_CLOEXEC) == 0) {
			c->holdfd = hp[1];
			if ((c->holder = cap_spawn_holder(c, cap_fd(c),
			    hp[0])) < 0)
				c->holder = 0;
			close(hp[0]);
		}
	}
	if ((prc = pthread_create(&c->thread, NULL, cap_thread, c)) != 0) {
		errno = prc;
		rc = hq_err_sys(err, "capture thread");
		goto out;
	}
	c->running = true;
	hq_info("capture %s -> %s (snaplen %u%s%s)", c->ifname, c->path,
	    c->snaplen, c->filter != NULL ? ", filter " : "",
	    c->filter != NULL ? c->filter : "");
	*capp = c;
	c = NULL;
 out:
	if (c != NULL && c->f != NULL)
		unlink(c->path);
	cap_free(c);
	return rc;
}

static void
cap_wake(struct hq_capture *c)
{
	uint64_t one = 1;

	if (write(c->wakefd, &one, sizeof(one)) < 0)
		hq_debug("capture wake: %s", strerror(errno));
}

struct hq_capture *
hq_capture_remote(struct hq_priv *p)
{
	struct hq_capture *c = calloc(1, sizeof(*c));

	if (c != NULL)
		c->remote = p;
	return c;
}

void
hq_capture_comment(struct hq_capture *c, const char *text)
{
	struct timespec until;
	uint64_t mine;
	char *t;
	size_t len;

	if (c == NULL || text == NULL)
		return;
	if (c->remote != NULL) {
		struct hq_priv_rep *rep = malloc(sizeof(*rep));
		struct hq_err e = { 0 };

		if (rep != NULL && hq_priv_call_simple(c->remote,
		    HQ_PRIV_COMMENT, 0, text, rep, &e) != 0)
			hq_warn("capture: step comment dropped (%s)", e.msg);
		free(rep);
		return;
	}
	len = strlen(text);
	if (len > HQ_CAPTURE_COMMENT_MAX)
		len = HQ_CAPTURE_COMMENT_MAX;
	if ((t = malloc(HQ_CAPTURE_COMMENT_MAX + 1)) == NULL)
		return;
	/* Text may quote the DUT: escaped, one line, cut to fit. */
	hq_escape(t, HQ_CAPTURE_COMMENT_MAX + 1, text, len);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 1;
	pthread_mutex_lock(&c->mu);
	if (c->stop || c->nq == PENDING_MAX) {
		pthread_mutex_unlock(&c->mu);
		hq_warn("capture: step comment dropped (%s)", c->stop ?
		    "stopped" : "queue full");
		free(t);
		return;
	}
	c->q[c->nq].wall_ns = wall_ns();
	c->q[c->nq].text = t;
	c->nq++;
	mine = ++c->queued;
	cap_wake(c);
	while (c->written_comments < mine)
		if (pthread_cond_timedwait(&c->cv, &c->mu, &until) ==
		    ETIMEDOUT)
			break;
	pthread_mutex_unlock(&c->mu);
}

void
hq_capture_step_hook(void *arg, const char *case_id, const char *text)
{
	char buf[HQ_CAPTURE_COMMENT_MAX];

	snprintf(buf, sizeof(buf), "%s: %s", case_id != NULL ? case_id : "-",
	    text);
	hq_capture_comment(arg, buf);
}

bool
hq_capture_cap_hit(struct hq_capture *c)
{
	bool hit;

	if (c == NULL)
		return false;
	if (c->remote != NULL) {
		struct hq_priv_rep *rep = malloc(sizeof(*rep));
		struct hq_err e = { 0 };

		/* Unknown is not "complete": a failed question counts as
		 * a hit, so no PASS rests on it. */
		hit = rep == NULL || hq_priv_call_simple(c->remote,
		    HQ_PRIV_CAP_HIT, 0, NULL, rep, &e) != 0 || rep->n != 0;
		free(rep);
		return hit;
	}
	pthread_mutex_lock(&c->mu);
	hit = c->cap_hit;
	pthread_mutex_unlock(&c->mu);
	return hit;
}

static cJSON *
cap_stats_json(const struct hq_capture *c)
{
	char t[40];
	cJSON *j;

	if ((j = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddStringToObject(j, "interface", c->ifname);
	cJSON_AddStringToObject(j, "file", c->path);
	cJSON_AddNumberToObject(j, "snaplen", c->snaplen);
	if (c->filter != NULL)
		cJSON_AddStringToObject(j, "filter", c->filter);
	else
		cJSON_AddNullToObject(j, "filter");
	cJSON_AddNumberToObject(j, "packets", (double)c->packets);
	cJSON_AddNumberToObject(j, "bytes", (double)c->bytes);
	cJSON_AddNumberToObject(j, "kernel_drops", c->have_stats ?
	    (double)c->st.ps_drop : -1);
	cJSON_AddNumberToObject(j, "interface_drops", c->have_stats ?
	    (double)c->st.ps_ifdrop : -1);
	cJSON_AddNumberToObject(j, "received", c->have_stats ?
	    (double)c->st.ps_recv : -1);
	cJSON_AddNumberToObject(j, "not_written_over_cap",
	    (double)c->over_cap);
	cJSON_AddNumberToObject(j, "max_bytes", (double)c->max_bytes);
	cJSON_AddBoolToObject(j, "cap_hit", c->cap_hit);
	cJSON_AddNumberToObject(j, "comments", (double)c->comments);
	hq_time_rfc3339(c->start_ns / 1000000, t, sizeof(t));
	cJSON_AddStringToObject(j, "start", t);
	hq_time_rfc3339(c->end_ns / 1000000, t, sizeof(t));
	cJSON_AddStringToObject(j, "end", t);
	return j;
}

/*
 * Releasing a packet socket waits for an RCU grace period in the kernel
 * (packet_release: tens of milliseconds on a busy host), after the file is
 * already complete.  That wait is handed to a helper process that holds
 * the only other reference to the socket and nothing else: /bin/cat,
 * spawned by the capture thread when it starts (posix_spawn, vfork
 * semantics: no copy of our page tables, only that thread waits), its
 * stdin the read end of a pipe, the socket on descriptor 3, every other
 * descriptor closed (so no lock outlives the run).  Our own close is then
 * not the last one and is quick; closing the pipe's write end afterwards
 * lets cat see end of file and exit, and the kernel finishes the teardown
 * in the helper's exit, off the run's path.  The helper must hold the
 * socket until after our close, or our close would be the last one again:
 * hence the pipe rather than a helper that exits at once.  A detached
 * thread reaps it (a process that exits first leaves it to init).  When
 * the spawn fails, the close simply happens here.
 */
static void
cap_close_pcap(struct hq_capture *c)
{
	struct reap *r;
	pthread_attr_t a;
	pthread_t t;

	if (c->p != NULL)
		pcap_close(c->p);
	c->p = NULL;
	if (c->rawfd >= 0)
		close(c->rawfd);
	c->rawfd = -1;
	if (c->holdfd >= 0)
		close(c->holdfd);	/* the holder's end of file: it exits */
	c->holdfd = -1;
	if (c->holder <= 0)
		return;
	if (pthread_attr_init(&a) == 0) {
		pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
		if ((r = malloc(sizeof(*r))) != NULL) {
			r->pid = c->holder;
			r->stack = c->holder_stack;
		}
		if (r == NULL || pthread_create(&t, &a, cap_reap, r) != 0) {
			hq_debug("capture: helper %d not reaped",
			    (int)c->holder);
			free(r);
		}
		pthread_attr_destroy(&a);
	}
	c->holder = 0;
	c->holder_stack = NULL;
}

int
hq_capture_stop(struct hq_capture *c, cJSON **statsp, struct hq_err *err)
{
	int rc = 0;

	if (statsp != NULL)
		*statsp = NULL;
	if (c == NULL)
		return 0;
	if (c->remote != NULL) {
		struct hq_priv_rep *rep = malloc(sizeof(*rep));

		if (rep == NULL)
			rc = hq_err_set(err, HQ_ENOMEM, "no memory");
		else if ((rc = hq_priv_call_simple(c->remote,
		    HQ_PRIV_CAP_STOP, hq_interrupted ? 1 : 0, NULL, rep,
		    err)) == 0 && statsp != NULL && rep->len > 0)
			*statsp = cJSON_ParseWithLength(rep->data, rep->len);
		free(rep);
		free(c);
		return rc;
	}
	if (c->running) {
		pthread_mutex_lock(&c->mu);
		c->stop = true;
		cap_wake(c);
		pthread_mutex_unlock(&c->mu);
		pthread_join(c->thread, NULL);
		c->running = false;
	}
	c->end_ns = wall_ns();
	c->have_stats = cap_stats(c, &c->st) == 0;
	if (!c->have_stats)
		hq_warn("capture %s: no statistics: %s", c->ifname,
		    c->rawfd >= 0 ? strerror(errno) : pcap_geterr(c->p));
	write_isb(c);
	if (fflush(c->f) != 0 && c->write_errno == 0)
		c->write_errno = errno;
	/* Now, or with the run's other files (util.h: hq_sync_later). */
	if (hq_sync_later(c->path, NULL) != 0 && c->write_errno == 0)
		c->write_errno = errno != 0 ? errno : EIO;
	if (c->write_errno != 0) {
		errno = c->write_errno;
		rc = hq_err_sys(err, c->path);
	}
	if (statsp != NULL)
		*statsp = cap_stats_json(c);
	hq_info("capture %s: %llu packets, %llu dropped by the kernel%s",
	    c->ifname, (unsigned long long)c->packets,
	    (unsigned long long)(c->have_stats ? c->st.ps_drop : 0),
	    c->cap_hit ? ", size cap hit" : "");
	cap_close_pcap(c);
	cap_free(c);
	return rc;
}
