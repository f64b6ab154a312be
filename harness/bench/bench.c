/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The bench (see bench.h): builds the namespaces topology, cuts and
 * restores the DUT's uplink, journals each change before making it.  The
 * only module that changes the network; it talks rtnetlink through libnl
 * on non-blocking sockets, each request bounded by HQ_BENCH_NL_TIMEOUT_MS,
 * and never runs ip or tc.
 */
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/fib_rules.h>
#include <linux/if.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>

#include <netlink/addr.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/fifo.h>
#include <netlink/route/qdisc/netem.h>
#include <netlink/route/route.h>
#include <netlink/route/rule.h>
#include <netlink/route/tc.h>

#include "bench/bench.h"
#include "bench/journal.h"
#include "bench/netns.h"
#include "bench/priv.h"
#include "model/dut.h"
#include "util/addr.h"
#include "util/err.h"
#include "util/log.h"
#include "util/rd.h"
#include "util/util.h"

/* Interface names inside the namespaces bench. */
#define NS_LAB_LAN	"lan0"		/* lab side of the LAN (capture here) */
#define NS_LAB_UP	"up0"		/* lab side of the uplink */
#define NS_PEER		"eth0"		/* the DUT's and the cloud's end */
#define REDIRECT_IF	"lo"		/* the lab side's loopback: where a
					 * redirect puts the cloud addresses */

#define ADDR_MAX	64
#define ROUTES_KEPT_MAX	64	/* routes through the uplink journaled by a
				 * link-down cut */

struct hq_bench {
	unsigned		 instance;
	bool			 is_host;
	char			 ns_lab[HQ_NETNS_NAME_MAX];	/* "-": host */
	/* host: the journal's name of the namespace, "ino:DEV:INO[:NAME]" */
	char			 jns[HQ_JOURNAL_VAL_MAX];
	char			 lan_if[IF_NAMESIZE];
	char			 uplink_if[IF_NAMESIZE];
	char			 dut_addr[ADDR_MAX];
	char			 cloud[HQ_BENCH_CLOUD_MAX][ADDR_MAX];
	size_t			 ncloud;
	int			 lock_fd;
	struct hq_journal	*j;
	struct nl_sock		*sk;		/* rtnetlink in ns_lab */
	enum hq_cut_mode	 cut;
	char			 redir[HQ_BENCH_CLOUD_MAX][ADDR_MAX];
	size_t			 nredir;	/* > 0: a redirect is active */
	struct hq_priv		*remote;	/* the worker's: the monitor's
						 * channel (priv.h) */
	bool			 remote_asked;	/* a cut or redirect was
						 * asked of the monitor */
};

static const char *const cut_names[] = {
	[HQ_CUT_NONE]		= "none",
	[HQ_CUT_LINK_DOWN]	= "link-down",
	[HQ_CUT_BLACKHOLE]	= "blackhole",
	[HQ_CUT_LOSS]		= "loss",
	[HQ_CUT_PARTITION]	= "partition",
};

int
hq_cut_mode_parse(const char *s, enum hq_cut_mode *modep, struct hq_err *err)
{
	size_t i;

	for (i = HQ_CUT_LINK_DOWN; i < sizeof(cut_names) / sizeof(*cut_names);
	    i++)
		if (s != NULL && strcmp(s, cut_names[i]) == 0) {
			*modep = (enum hq_cut_mode)i;
			return 0;
		}
	return hq_err_set(err, HQ_EINVAL, "cut mode \"%.32s\": expected "
	    "link-down, blackhole, loss or partition", s == NULL ? "" : s);
}

const char *
hq_cut_mode_name(enum hq_cut_mode mode)
{
	if ((size_t)mode >= sizeof(cut_names) / sizeof(*cut_names))
		return "?";
	return cut_names[mode];
}

void
hq_bench_ns_name(const char *role, unsigned instance, char *buf,
    size_t bufsz)
{
	if (instance == 0)
		snprintf(buf, bufsz, "hq-%s", role);
	else
		snprintf(buf, bufsz, "hq-%s-%u", role, instance);
}

/*
 * Netlink plumbing: a socket opened inside a namespace stays bound to it,
 * so the calling thread visits the namespace only to open the socket.
 */

static int
nl_err(struct hq_err *err, int nlrc, const char *what)
{
	return hq_err_set(err, HQ_EIO, "%s: %s", what, nl_geterror(nlrc));
}

static int
nlx_open(const char *ns, struct nl_sock **skp, struct hq_err *err)
{
	struct nl_sock *sk = NULL;
	int self = -1, nlrc, rc = 0;
	bool moved = false;

	*skp = NULL;
	if (ns != NULL && strcmp(ns, "-") != 0) {
		if ((rc = hq_netns_open_self(&self, err)) != 0 ||
		    (rc = hq_netns_enter(ns, err)) != 0)
			goto out;
		moved = true;
	}
	if ((sk = nl_socket_alloc()) == NULL) {
		rc = hq_err_set(err, HQ_ENOMEM, "netlink socket");
		goto out;
	}
	if ((nlrc = nl_connect(sk, NETLINK_ROUTE)) < 0) {
		rc = nl_err(err, nlrc, "netlink connect");
		goto out;
	}
	if ((nlrc = nl_socket_set_nonblocking(sk)) < 0) {
		rc = nl_err(err, nlrc, "netlink non-blocking");
		goto out;
	}
	*skp = sk;
	sk = NULL;
 out:
	if (moved && hq_netns_enter_fd(self, err) != 0 && rc == 0)
		rc = HQ_EIO;
	if (self >= 0)
		close(self);
	nl_socket_free(sk);
	return rc;
}

struct nlx_reply {
	bool		  acked;
	struct nl_object *obj;		/* first object of the reply */
};

static int
nlx_ack_cb(struct nl_msg *msg, void *arg)
{
	(void)msg;
	((struct nlx_reply *)arg)->acked = true;
	return NL_STOP;
}

static void
nlx_obj_cb(struct nl_object *obj, void *arg)
{
	struct nlx_reply *r = arg;

	if (r->obj == NULL) {
		nl_object_get(obj);
		r->obj = obj;
	}
}

static int
nlx_valid_cb(struct nl_msg *msg, void *arg)
{
	nl_msg_parse(msg, nlx_obj_cb, arg);
	return NL_OK;
}

/*
 * Sends msg (freed here) and waits for the kernel's ack, or an error,
 * until the deadline.  Returns 0 or a negative libnl code (*objp: the
 * reply's first object, if asked for).  hq_interrupted does not stop it:
 * restores must finish.
 */
static int
nlx_request(struct nl_sock *sk, struct nl_msg *msg, struct nl_object **objp)
{
	struct hq_deadline dl = hq_deadline_in(HQ_BENCH_NL_TIMEOUT_MS);
	struct nlx_reply r = { false, NULL };
	struct nl_cb *cb = NULL;
	struct pollfd pfd;
	int nlrc;

	if (objp != NULL)
		*objp = NULL;
	if ((cb = nl_cb_alloc(NL_CB_DEFAULT)) == NULL) {
		nlmsg_free(msg);
		return -NLE_NOMEM;
	}
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, nlx_ack_cb, &r);
	if (objp != NULL)
		nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, nlx_valid_cb, &r);
	nlrc = nl_send_auto(sk, msg);
	nlmsg_free(msg);
	if (nlrc < 0)
		goto out;
	nlrc = 0;
	while (!r.acked) {
		pfd.fd = nl_socket_get_fd(sk);
		pfd.events = POLLIN;
		if (hq_deadline_passed(dl)) {
			nlrc = -NLE_BUSY;
			break;
		}
		if (poll(&pfd, 1, hq_deadline_poll_ms(dl)) < 0) {
			if (errno == EINTR)
				continue;
			nlrc = -NLE_FAILURE;
			break;
		}
		if ((pfd.revents & POLLIN) == 0)
			continue;
		if ((nlrc = nl_recvmsgs(sk, cb)) < 0)
			break;
	}
 out:
	nl_cb_put(cb);
	if (nlrc >= 0 && objp != NULL) {
		*objp = r.obj;
		r.obj = NULL;
	}
	if (r.obj != NULL)
		nl_object_put(r.obj);
	return nlrc < 0 ? nlrc : 0;
}

/* The link called name; NULL with *nlrcp when not found. */
static struct rtnl_link *
nlx_link_get(struct nl_sock *sk, const char *name, int *nlrcp)
{
	struct nl_object *obj = NULL;
	struct nl_msg *msg = NULL;
	int nlrc;

	if ((nlrc = rtnl_link_build_get_request(0, name, &msg)) < 0 ||
	    (nlrc = nlx_request(sk, msg, &obj)) < 0) {
		*nlrcp = nlrc;
		return NULL;
	}
	if (obj == NULL) {
		*nlrcp = -NLE_OBJ_NOTFOUND;
		return NULL;
	}
	*nlrcp = 0;
	return (struct rtnl_link *)obj;
}

static int
nlx_ifindex(struct nl_sock *sk, const char *name, int *ifindexp)
{
	struct rtnl_link *link;
	int nlrc;

	if ((link = nlx_link_get(sk, name, &nlrc)) == NULL)
		return nlrc;
	*ifindexp = rtnl_link_get_ifindex(link);
	rtnl_link_put(link);
	return 0;
}

/* Sets name up or down; *was_upp (may be NULL) gets its state before. */
static int
nlx_link_set_up(struct nl_sock *sk, const char *name, bool up,
    bool *was_upp)
{
	struct rtnl_link *orig, *change = NULL;
	struct nl_msg *msg = NULL;
	int nlrc;

	if ((orig = nlx_link_get(sk, name, &nlrc)) == NULL)
		return nlrc;
	if (was_upp != NULL)
		*was_upp = (rtnl_link_get_flags(orig) & IFF_UP) != 0;
	if ((change = rtnl_link_alloc()) == NULL) {
		nlrc = -NLE_NOMEM;
		goto out;
	}
	if (up)
		rtnl_link_set_flags(change, IFF_UP);
	else
		rtnl_link_unset_flags(change, IFF_UP);
	if ((nlrc = rtnl_link_build_change_request(orig, change, 0, &msg))
	    < 0)
		goto out;
	nlrc = nlx_request(sk, msg, NULL);
 out:
	rtnl_link_put(change);
	rtnl_link_put(orig);
	return nlrc;
}

static int
nlx_addr_parse(const char *s, int family, struct nl_addr **ap)
{
	int nlrc;

	*ap = NULL;
	if ((nlrc = nl_addr_parse(s, family, ap)) < 0)
		return nlrc;
	if (family != AF_UNSPEC && nl_addr_get_family(*ap) != family) {
		nl_addr_put(*ap);
		*ap = NULL;
		return -NLE_AF_NOSUPPORT;
	}
	return 0;
}

/* Adds (NLM_F_EXCL: an address already there is -NLE_EXIST) or deletes
 * address cidr on ifname. */
static int
nlx_addr(struct nl_sock *sk, bool add, const char *ifname, const char *cidr)
{
	struct rtnl_addr *a = NULL;
	struct nl_addr *local = NULL;
	struct nl_msg *msg = NULL;
	int ifindex = 0, nlrc;

	if ((nlrc = nlx_ifindex(sk, ifname, &ifindex)) < 0 ||
	    (nlrc = nlx_addr_parse(cidr, AF_UNSPEC, &local)) < 0)
		goto out;
	if ((a = rtnl_addr_alloc()) == NULL) {
		nlrc = -NLE_NOMEM;
		goto out;
	}
	rtnl_addr_set_ifindex(a, ifindex);
	if ((nlrc = rtnl_addr_set_local(a, local)) < 0)
		goto out;
	nlrc = add ? rtnl_addr_build_add_request(a, NLM_F_CREATE |
	    NLM_F_EXCL, &msg) : rtnl_addr_build_delete_request(a, 0, &msg);
	if (nlrc < 0)
		goto out;
	nlrc = nlx_request(sk, msg, NULL);
 out:
	rtnl_addr_put(a);
	nl_addr_put(local);
	return nlrc;
}

static int
nlx_addr_add(struct nl_sock *sk, const char *ifname, const char *cidr)
{
	return nlx_addr(sk, true, ifname, cidr);
}

/* A veth pair: name here, peer (in namespace peer_nsfd) called peer. */
static int
nlx_veth_add(struct nl_sock *sk, const char *name, const char *peer,
    int peer_nsfd)
{
	struct rtnl_link *link, *pl;
	struct nl_msg *msg = NULL;
	int nlrc;

	if ((link = rtnl_link_veth_alloc()) == NULL)
		return -NLE_NOMEM;
	rtnl_link_set_name(link, name);
	pl = rtnl_link_veth_get_peer(link);
	rtnl_link_set_name(pl, peer);
	rtnl_link_set_ns_fd(pl, peer_nsfd);
	rtnl_link_put(pl);
	if ((nlrc = rtnl_link_build_add_request(link,
	    NLM_F_CREATE | NLM_F_EXCL, &msg)) == 0)
		nlrc = nlx_request(sk, msg, NULL);
	rtnl_link_veth_release(link);
	return nlrc;
}

/*
 * A route in table: dst ("default" or CIDR) of type (RTN_UNICAST with
 * gateway gw, or RTN_BLACKHOLE); add or delete.
 */
static int
nlx_route(struct nl_sock *sk, bool add, int family, unsigned table,
    unsigned char type, const char *dst, const char *gw)
{
	struct rtnl_route *r = NULL;
	struct rtnl_nexthop *nh;
	struct nl_addr *d = NULL, *g = NULL;
	struct nl_msg *msg = NULL;
	int nlrc;

	if ((r = rtnl_route_alloc()) == NULL)
		return -NLE_NOMEM;
	rtnl_route_set_family(r, (uint8_t)family);
	rtnl_route_set_table(r, table);
	rtnl_route_set_type(r, type);
	rtnl_route_set_protocol(r, RTPROT_STATIC);
	rtnl_route_set_scope(r, RT_SCOPE_UNIVERSE);
	if (strcmp(dst, "default") == 0)
		nlrc = nlx_addr_parse(family == AF_INET6 ? "::/0" :
		    "0.0.0.0/0", family, &d);
	else
		nlrc = nlx_addr_parse(dst, family, &d);
	if (nlrc < 0 || (nlrc = rtnl_route_set_dst(r, d)) < 0)
		goto out;
	if (gw != NULL) {
		if ((nlrc = nlx_addr_parse(gw, family, &g)) < 0)
			goto out;
		if ((nh = rtnl_route_nh_alloc()) == NULL) {
			nlrc = -NLE_NOMEM;
			goto out;
		}
		rtnl_route_nh_set_gateway(nh, g);
		rtnl_route_add_nexthop(r, nh);
	}
	nlrc = add ? rtnl_route_build_add_request(r, NLM_F_CREATE |
	    NLM_F_EXCL, &msg) : rtnl_route_build_del_request(r, 0, &msg);
	if (nlrc < 0)
		goto out;
	nlrc = nlx_request(sk, msg, NULL);
 out:
	nl_addr_put(d);
	nl_addr_put(g);
	rtnl_route_put(r);
	return nlrc;
}

/* Routes the kernel drops when a link goes down: through ifindex, not
 * the kernel's own (they come back with the addresses), unicast, one
 * next hop, outside the local table. */
struct route_keep {
	struct hq_jentry	*e;
	size_t			 n, max;
	int			 ifindex;
	bool			 done, overflow;
};

static void
route_keep_cb(struct nl_object *obj, void *arg)
{
	struct route_keep *k = arg;
	struct rtnl_route *r = (struct rtnl_route *)obj;
	struct rtnl_nexthop *nh;
	struct nl_addr *dst, *gw;
	struct hq_jentry *e;

	if (rtnl_route_get_protocol(r) == RTPROT_KERNEL ||
	    rtnl_route_get_type(r) != RTN_UNICAST ||
	    rtnl_route_get_table(r) == RT_TABLE_LOCAL ||
	    rtnl_route_get_nnexthops(r) != 1 ||
	    (nh = rtnl_route_nexthop_n(r, 0)) == NULL ||
	    rtnl_route_nh_get_ifindex(nh) != k->ifindex)
		return;
	if (k->n == k->max) {
		k->overflow = true;
		return;
	}
	e = &k->e[k->n];
	memset(e, 0, sizeof(*e));
	e->op = HQ_J_ROUTE_GONE;
	e->family = rtnl_route_get_family(r);
	e->table = rtnl_route_get_table(r);
	e->metric = rtnl_route_get_priority(r);
	dst = rtnl_route_get_dst(r);
	if (dst == NULL || nl_addr_get_prefixlen(dst) == 0)
		snprintf(e->addr, sizeof(e->addr), "default");
	else
		nl_addr2str(dst, e->addr, sizeof(e->addr));
	if ((gw = rtnl_route_nh_get_gateway(nh)) != NULL)
		nl_addr2str(gw, e->via, sizeof(e->via));
	else
		snprintf(e->via, sizeof(e->via), "-");
	k->n++;
}

static int
route_keep_valid(struct nl_msg *msg, void *arg)
{
	nl_msg_parse(msg, route_keep_cb, arg);
	return NL_OK;
}

static int
route_keep_finish(struct nl_msg *msg, void *arg)
{
	(void)msg;
	((struct route_keep *)arg)->done = true;
	return NL_STOP;
}

/* The routes through ifindex (a dump, with the request's deadline). */
static int
nlx_routes_via(struct nl_sock *sk, int ifindex, struct hq_jentry *e,
    size_t max, size_t *np)
{
	struct hq_deadline dl = hq_deadline_in(HQ_BENCH_NL_TIMEOUT_MS);
	struct route_keep k = { e, 0, max, ifindex, false, false };
	struct nl_cb *cb;
	struct pollfd pfd;
	int nlrc;

	*np = 0;
	if ((cb = nl_cb_alloc(NL_CB_DEFAULT)) == NULL)
		return -NLE_NOMEM;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, route_keep_valid, &k);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, route_keep_finish, &k);
	if ((nlrc = nl_rtgen_request(sk, RTM_GETROUTE, AF_UNSPEC,
	    NLM_F_DUMP)) < 0)
		goto out;
	nlrc = 0;
	while (!k.done) {
		pfd.fd = nl_socket_get_fd(sk);
		pfd.events = POLLIN;
		if (hq_deadline_passed(dl)) {
			nlrc = -NLE_BUSY;
			break;
		}
		if (poll(&pfd, 1, hq_deadline_poll_ms(dl)) < 0) {
			if (errno == EINTR)
				continue;
			nlrc = -NLE_FAILURE;
			break;
		}
		if ((pfd.revents & POLLIN) != 0 &&
		    (nlrc = nl_recvmsgs(sk, cb)) < 0)
			break;
	}
 out:
	nl_cb_put(cb);
	if (nlrc >= 0 && k.overflow)
		nlrc = -NLE_RANGE;
	*np = k.n;
	return nlrc < 0 ? nlrc : 0;
}

/* Puts back a route a link-down took: dst via gw (or "-") dev ifname,
 * metric, in table.  A route already there is -NLE_EXIST. */
static int
nlx_route_back(struct nl_sock *sk, const struct hq_jentry *e)
{
	struct rtnl_route *r = NULL;
	struct rtnl_nexthop *nh;
	struct nl_addr *d = NULL, *g = NULL;
	struct nl_msg *msg = NULL;
	int ifindex = 0, nlrc;

	if ((nlrc = nlx_ifindex(sk, e->ifname, &ifindex)) < 0)
		return nlrc;
	if ((r = rtnl_route_alloc()) == NULL)
		return -NLE_NOMEM;
	rtnl_route_set_family(r, (uint8_t)e->family);
	rtnl_route_set_table(r, e->table);
	rtnl_route_set_type(r, RTN_UNICAST);
	rtnl_route_set_protocol(r, RTPROT_STATIC);
	rtnl_route_set_priority(r, e->metric);
	rtnl_route_set_scope(r, strcmp(e->via, "-") == 0 ? RT_SCOPE_LINK :
	    RT_SCOPE_UNIVERSE);
	if (strcmp(e->addr, "default") == 0)
		nlrc = nlx_addr_parse(e->family == AF_INET6 ? "::/0" :
		    "0.0.0.0/0", e->family, &d);
	else
		nlrc = nlx_addr_parse(e->addr, e->family, &d);
	if (nlrc < 0 || (nlrc = rtnl_route_set_dst(r, d)) < 0)
		goto out;
	if ((nh = rtnl_route_nh_alloc()) == NULL) {
		nlrc = -NLE_NOMEM;
		goto out;
	}
	rtnl_route_nh_set_ifindex(nh, ifindex);
	if (strcmp(e->via, "-") != 0) {
		if ((nlrc = nlx_addr_parse(e->via, e->family, &g)) < 0) {
			rtnl_route_nh_free(nh);
			goto out;
		}
		rtnl_route_nh_set_gateway(nh, g);
	}
	rtnl_route_add_nexthop(r, nh);
	if ((nlrc = rtnl_route_build_add_request(r, NLM_F_CREATE |
	    NLM_F_EXCL, &msg)) < 0)
		goto out;
	nlrc = nlx_request(sk, msg, NULL);
 out:
	nl_addr_put(d);
	nl_addr_put(g);
	rtnl_route_put(r);
	return nlrc;
}

/* Rule "from <from> iif <iif> lookup <table>" at prio; add or delete. */
static int
nlx_rule(struct nl_sock *sk, bool add, int family, unsigned prio,
    unsigned table, const char *from, const char *iif)
{
	struct rtnl_rule *rule = NULL;
	struct nl_addr *src = NULL;
	struct nl_msg *msg = NULL;
	int nlrc;

	if ((rule = rtnl_rule_alloc()) == NULL)
		return -NLE_NOMEM;
	if ((nlrc = nlx_addr_parse(from, family, &src)) < 0)
		goto out;
	rtnl_rule_set_family(rule, family);
	rtnl_rule_set_prio(rule, prio);
	rtnl_rule_set_table(rule, table);
	rtnl_rule_set_action(rule, FR_ACT_TO_TBL);
	if ((nlrc = rtnl_rule_set_src(rule, src)) < 0 ||
	    (nlrc = rtnl_rule_set_iif(rule, iif)) < 0)
		goto out;
	nlrc = add ? rtnl_rule_build_add_request(rule, NLM_F_CREATE |
	    NLM_F_EXCL, &msg) : rtnl_rule_build_delete_request(rule, 0, &msg);
	if (nlrc < 0)
		goto out;
	nlrc = nlx_request(sk, msg, NULL);
 out:
	nl_addr_put(src);
	rtnl_rule_put(rule);
	return nlrc;
}

/*
 * Root qdisc of kind ("netem": 100 % loss; "pfifo": limit 0, which drops
 * every packet) with handle on ifname; add, or delete ours.
 */
static int
nlx_qdisc(struct nl_sock *sk, bool add, const char *ifname, uint32_t handle,
    const char *kind)
{
	struct rtnl_qdisc *q = NULL;
	struct nl_msg *msg = NULL;
	int ifindex = 0, nlrc;

	if ((nlrc = nlx_ifindex(sk, ifname, &ifindex)) < 0)
		return nlrc;
	if ((q = rtnl_qdisc_alloc()) == NULL)
		return -NLE_NOMEM;
	rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
	rtnl_tc_set_parent(TC_CAST(q), TC_H_ROOT);
	rtnl_tc_set_handle(TC_CAST(q), handle);
	if (add) {
		if ((nlrc = rtnl_tc_set_kind(TC_CAST(q), kind)) < 0)
			goto out;
		if (strcmp(kind, "netem") == 0) {
			rtnl_netem_set_limit(q, 1000);
			rtnl_netem_set_loss(q, -1);	/* UINT32_MAX: 100 % */
		} else if ((nlrc = rtnl_qdisc_fifo_set_limit(q, 0)) < 0)
			goto out;
		nlrc = rtnl_qdisc_build_add_request(q, NLM_F_CREATE |
		    NLM_F_REPLACE, &msg);
	} else
		nlrc = rtnl_qdisc_build_delete_request(q, &msg);
	if (nlrc < 0)
		goto out;
	nlrc = nlx_request(sk, msg, NULL);
 out:
	rtnl_qdisc_put(q);
	return nlrc;
}

/* Writes "1" to an IPv4 sysctl of namespace ns. */
static int
ns_sysctl_on(const char *ns, const char *path, struct hq_err *err)
{
	int self = -1, fd = -1, rc;

	if ((rc = hq_netns_open_self(&self, err)) != 0)
		return rc;
	if ((rc = hq_netns_enter(ns, err)) != 0) {
		close(self);
		return rc;
	}
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0 ||
	    write(fd, "1\n", 2) != 2)
		rc = hq_err_sys(err, path);
	if (fd >= 0)
		close(fd);
	if (hq_netns_enter_fd(self, err) != 0 && rc == 0)
		rc = HQ_EIO;
	close(self);
	return rc;
}

/* The namespaces bench. */

int
hq_bench_up(unsigned instance, struct hq_err *err)
{
	static const char *const roles[] = { "dut", "lab", "cloud" };
	char ns[3][HQ_NETNS_NAME_MAX], cidr[ADDR_MAX], gw[ADDR_MAX];
	struct nl_sock *sk[3] = { NULL, NULL, NULL };
	int nsfd[3] = { -1, -1, -1 }, lock = -1, nlrc = 0, rc;
	bool created = false;
	size_t i;

	if (instance > HQ_BENCH_INSTANCE_MAX)
		return hq_err_set(err, HQ_EINVAL, "bench %u: instances are "
		    "0 to %d", instance, HQ_BENCH_INSTANCE_MAX);
	if ((rc = hq_bench_lock(instance, &lock, err)) != 0)
		return rc;
	for (i = 0; i < 3; i++) {
		hq_bench_ns_name(roles[i], instance, ns[i], sizeof(ns[i]));
		if (hq_netns_exists(ns[i])) {
			rc = hq_err_set(err, HQ_EBUSY, "bench %u: netns %s "
			    "exists; `hopquy bench down --bench %u` first",
			    instance, ns[i], instance);
			goto out;
		}
	}
	created = true;
	for (i = 0; i < 3; i++)
		if ((rc = hq_netns_create(ns[i], err)) != 0 ||
		    (rc = hq_netns_open(ns[i], &nsfd[i], err)) != 0 ||
		    (rc = nlx_open(ns[i], &sk[i], err)) != 0)
			goto out;
	for (i = 0; i < 3; i++)
		if ((nlrc = nlx_link_set_up(sk[i], "lo", true, NULL)) < 0) {
			rc = nl_err(err, nlrc, "lo up");
			goto out;
		}
	/* sk[0] dut, sk[1] lab, sk[2] cloud. */
	if ((nlrc = nlx_veth_add(sk[1], NS_LAB_LAN, NS_PEER, nsfd[0])) < 0 ||
	    (nlrc = nlx_veth_add(sk[1], NS_LAB_UP, NS_PEER, nsfd[2])) < 0) {
		rc = nl_err(err, nlrc, "veth");
		goto out;
	}
#define ADDR(s, ifn, fmt, net, host) do {				\
	snprintf(cidr, sizeof(cidr), fmt, net, instance, host);		\
	if ((nlrc = nlx_addr_add(s, ifn, cidr)) < 0) {			\
		rc = nl_err(err, nlrc, cidr);				\
		goto out;						\
	}								\
} while (0)
	ADDR(sk[1], NS_LAB_LAN, "198.%d.%u.%d/24", 18, 1);
	ADDR(sk[0], NS_PEER, "198.%d.%u.%d/24", 18, 2);
	ADDR(sk[1], NS_LAB_UP, "198.%d.%u.%d/24", 19, 1);
	ADDR(sk[2], NS_PEER, "198.%d.%u.%d/24", 19, 2);
	/* Another uplink host, not a declared cloud destination. */
	ADDR(sk[2], NS_PEER, "198.%d.%u.%d/24", 19, 3);
#undef ADDR
	if ((nlrc = nlx_link_set_up(sk[1], NS_LAB_LAN, true, NULL)) < 0 ||
	    (nlrc = nlx_link_set_up(sk[1], NS_LAB_UP, true, NULL)) < 0 ||
	    (nlrc = nlx_link_set_up(sk[0], NS_PEER, true, NULL)) < 0 ||
	    (nlrc = nlx_link_set_up(sk[2], NS_PEER, true, NULL)) < 0) {
		rc = nl_err(err, nlrc, "link up");
		goto out;
	}
	/* The DUT's uplink goes through the lab; the cloud answers back. */
	snprintf(gw, sizeof(gw), "198.18.%u.1", instance);
	if ((nlrc = nlx_route(sk[0], true, AF_INET, RT_TABLE_MAIN,
	    RTN_UNICAST, "default", gw)) < 0) {
		rc = nl_err(err, nlrc, "dut default route");
		goto out;
	}
	snprintf(cidr, sizeof(cidr), "198.18.%u.0/24", instance);
	snprintf(gw, sizeof(gw), "198.19.%u.1", instance);
	if ((nlrc = nlx_route(sk[2], true, AF_INET, RT_TABLE_MAIN,
	    RTN_UNICAST, cidr, gw)) < 0) {
		rc = nl_err(err, nlrc, "cloud route");
		goto out;
	}
	if ((rc = ns_sysctl_on(ns[1], "/proc/sys/net/ipv4/ip_forward", err))
	    != 0)
		goto out;
	hq_info("bench %u up: %s %s %s", instance, ns[0], ns[1], ns[2]);
	created = false;
 out:
	for (i = 0; i < 3; i++) {
		nl_socket_free(sk[i]);
		if (nsfd[i] >= 0)
			close(nsfd[i]);
	}
	if (created)
		for (i = 0; i < 3; i++)
			hq_netns_delete(ns[i], NULL);
	hq_bench_unlock(lock);
	return rc;
}

/* Undo of the journal (also without an open bench). */

struct nsk {
	char		 ns[HQ_JOURNAL_VAL_MAX];
	struct nl_sock	*sk;
};

/* "ino:DEV:INO[:NAME]" into id. */
static bool
jns_parse(const char *ns, struct hq_netns_id *id)
{
	uint64_t dev, ino;
	const char *p = ns + 4, *c1, *c2;

	if (strncmp(ns, "ino:", 4) != 0 || (c1 = strchr(p, ':')) == NULL)
		return false;
	c2 = strchr(c1 + 1, ':');
	if (hq_parse_u64(p, (size_t)(c1 - p), UINT64_MAX / 10, &dev) != 0 ||
	    hq_parse_u64(c1 + 1, c2 != NULL ? (size_t)(c2 - c1 - 1) :
	    strlen(c1 + 1), UINT64_MAX / 10, &ino) != 0)
		return false;
	id->dev = dev;
	id->ino = ino;
	return true;
}

/* An rtnetlink socket in the namespace file path ("": this one). */
static int
nlx_open_path(const char *path, struct nl_sock **skp, struct hq_err *err)
{
	int self = -1, fd = -1, rc;

	if (path[0] == '\0')
		return nlx_open("-", skp, err);
	if ((rc = hq_netns_open_self(&self, err)) != 0 ||
	    (rc = hq_netns_open_path(path, &fd, err)) != 0 ||
	    (rc = hq_netns_enter_fd(fd, err)) != 0)
		goto out;
	rc = nlx_open("-", skp, err);
	if (hq_netns_enter_fd(self, err) != 0 && rc == 0)
		rc = HQ_EIO;
 out:
	if (fd >= 0)
		close(fd);
	if (self >= 0)
		close(self);
	return rc;
}

/* A socket in ns from the cache (at most n slots); NULL if ns is gone. */
static struct nl_sock *
nsk_get(struct nsk *c, size_t n, const char *ns, struct hq_err *err,
    int *rcp)
{
	size_t i;

	*rcp = 0;
	for (i = 0; i < n && c[i].ns[0] != '\0'; i++)
		if (strcmp(c[i].ns, ns) == 0)
			return c[i].sk;
	if (i == n) {
		*rcp = hq_err_set(err, HQ_EINTERNAL, "journal: too many "
		    "namespaces");
		return NULL;
	}
	if (strncmp(ns, "ino:", 4) == 0) {
		struct hq_netns_id id;
		struct hq_err ferr = { 0, "" };
		char path[256];

		/* A host bench's namespace: entered wherever it is found;
		 * one that cannot be found may still exist elsewhere (a
		 * bind mount in another mount namespace): refuse. */
		if (!jns_parse(ns, &id)) {
			*rcp = hq_err_set(err, HQ_EPROTO, "journal: bad "
			    "namespace %.64s", ns);
			return NULL;
		}
		if (hq_netns_find(&id, path, sizeof(path), &ferr) != 0) {
			*rcp = hq_err_set(err, HQ_EUNREACH, "the journal's "
			    "changes were made in network namespace "
			    "net:[%llu]%s%s, which is not this one and is not "
			    "found from here (not under %s, not bind-mounted "
			    "here, no process in it); nothing was undone and "
			    "the journal stays: run `nsenter --net=FILE "
			    "hopquy bench restore` (FILE: that namespace's "
			    "file, or /proc/PID/ns/net of a process in it) "
			    "where it exists", id.ino, strchr(ns + 4, ':') !=
			    NULL && strchr(strchr(ns + 4, ':') + 1, ':') !=
			    NULL ? ", once " : "", strchr(ns + 4, ':') !=
			    NULL && strchr(strchr(ns + 4, ':') + 1, ':') !=
			    NULL ? strchr(strchr(ns + 4, ':') + 1, ':') + 1 :
			    "", HQ_NETNS_DIR);
			return NULL;
		}
		if (path[0] != '\0')
			hq_info("journal: entering network namespace %s "
			    "(net:[%llu]), where the changes were made", path,
			    id.ino);
		if ((*rcp = nlx_open_path(path, &c[i].sk, err)) != 0)
			return NULL;
		snprintf(c[i].ns, sizeof(c[i].ns), "%s", ns);
		return c[i].sk;
	}
	if (strcmp(ns, "-") != 0 && !hq_netns_exists(ns))
		return NULL;
	if ((*rcp = nlx_open(ns, &c[i].sk, err)) != 0)
		return NULL;
	snprintf(c[i].ns, sizeof(c[i].ns), "%s", ns);
	return c[i].sk;
}

/*
 * A link set up carries traffic once the kernel's linkwatch has seen its
 * carrier and activated its queueing (and its veth peer's): until then
 * what is sent is dropped.  Linkwatch may defer that by a second, more on
 * a loaded host, so "restored" waits, bounded, for the operational state
 * to leave "down".  No carrier by then (a real uplink unplugged) is said,
 * not an error: the link is up as it was.
 */
#define LINK_OPER_WAIT_MS	5000

static void
link_wait_oper(struct nl_sock *sk, const char *ifname)
{
	const struct timespec tick = { 0, 10 * 1000 * 1000 };
	struct rtnl_link *link;
	uint8_t st = IF_OPER_DOWN;
	int nlrc, i;

	for (i = 0; i < LINK_OPER_WAIT_MS / 10; i++) {
		if ((link = nlx_link_get(sk, ifname, &nlrc)) == NULL)
			return;
		st = rtnl_link_get_operstate(link);
		rtnl_link_put(link);
		if (st == IF_OPER_UP || st == IF_OPER_UNKNOWN)
			return;
		nanosleep(&tick, NULL);
	}
	hq_warn("%s is up but its operational state is not (state %u after "
	    "%d ms): no carrier yet", ifname, (unsigned)st,
	    LINK_OPER_WAIT_MS);
}

/* True for the errors that mean "that change is not there". */
static bool
nl_gone(int nlrc)
{
	return nlrc == -NLE_OBJ_NOTFOUND || nlrc == -NLE_NODEV ||
	    nlrc == -NLE_NOADDR;
}

/*
 * Undoes e in sk's namespace and checks the result.  A change that is not
 * there any more counts as undone only where the namespace is known (a
 * name, or a host bench's namespace found by its inode): in a journal
 * that says "-" (older versions) an interface missing here means this is
 * probably not the namespace the run used, and nothing is claimed.
 */
static int
undo_entry(struct nl_sock *sk, const struct hq_jentry *e, struct hq_err *err)
{
	bool known = strcmp(e->ns, "-") != 0;
	struct rtnl_link *link;
	int nlrc = 0;

	switch (e->op) {
	case HQ_J_LINK_DOWN:
		if (!e->was_up)
			break;
		if ((nlrc = nlx_link_set_up(sk, e->ifname, true, NULL)) < 0)
			break;
		/* Verified: the link must say it is up now. */
		if ((link = nlx_link_get(sk, e->ifname, &nlrc)) == NULL)
			break;
		if ((rtnl_link_get_flags(link) & IFF_UP) == 0)
			nlrc = -NLE_FAILURE;
		rtnl_link_put(link);
		if (nlrc < 0)
			return hq_err_set(err, HQ_EIO, "undo journal entry "
			    "%u: %s still down after setting it up", e->seq,
			    e->ifname);
		link_wait_oper(sk, e->ifname);
		break;
	case HQ_J_ROUTE_GONE:
		nlrc = nlx_route_back(sk, e);
		if (nlrc == -NLE_EXIST)
			nlrc = 0;	/* back already (put back by hand) */
		break;
	case HQ_J_ROUTE:
		nlrc = nlx_route(sk, false, e->family, e->table,
		    strcmp(e->type, "blackhole") == 0 ? RTN_BLACKHOLE :
		    RTN_UNICAST, e->addr, NULL);
		break;
	case HQ_J_RULE:
		nlrc = nlx_rule(sk, false, e->family, e->prio, e->table,
		    e->addr, e->ifname);
		break;
	case HQ_J_ADDR:
		nlrc = nlx_addr(sk, false, e->ifname, e->addr);
		break;
	case HQ_J_QDISC:
		nlrc = nlx_qdisc(sk, false, e->ifname, e->handle, e->kind);
		/* The root is not ours (any more): nothing to delete. */
		if (nlrc == -NLE_INVAL)
			nlrc = 0;
		break;
	}
	if (nlrc < 0 && nlrc == -NLE_NODEV && (!known ||
	    e->op == HQ_J_LINK_DOWN || e->op == HQ_J_ROUTE_GONE))
		return hq_err_set(err, HQ_EUNREACH, "undo journal entry %u: "
		    "interface %s is not in %s: not undone%s", e->seq,
		    e->ifname, known ? "its namespace" : "this namespace",
		    known ? "" : "; run `hopquy bench restore` in the network "
		    "namespace the run used (`ip netns exec NAME hopquy "
		    "bench restore`, or `nsenter --net=FILE ...`)");
	if (nlrc < 0 && (e->op == HQ_J_LINK_DOWN ||
	    e->op == HQ_J_ROUTE_GONE || !nl_gone(nlrc)))
		return hq_err_set(err, HQ_EIO, "undo journal entry %u: %s",
		    e->seq, nl_geterror(nlrc));
	return 0;
}

/* Undoes j newest first and empties it; *undonep: entries undone. */
static int
journal_undo(struct hq_journal *j, size_t *undonep, struct hq_err *err)
{
	struct nsk cache[8];
	struct hq_jentry *es = NULL;
	struct nl_sock *sk;
	size_t i, n = 0;
	int rc, rc1, first = 0;

	memset(cache, 0, sizeof(cache));
	if (undonep != NULL)
		*undonep = 0;
	if ((rc = hq_journal_read(j, &es, &n, err)) != 0)
		return rc;
	for (i = n; i-- > 0;) {
		if ((sk = nsk_get(cache, 8, es[i].ns, err, &rc1)) == NULL) {
			if (rc1 == 0) {
				hq_info("journal entry %u: netns %s is gone, "
				    "and its change with it", es[i].seq,
				    es[i].ns);
				continue;
			}
		} else
			rc1 = undo_entry(sk, &es[i], err);
		/* Carry on with older entries; the journal stays. */
		if (rc1 != 0) {
			if (first == 0)
				first = rc1;
			continue;
		}
		hq_debug("journal entry %u undone", es[i].seq);
	}
	if (first == 0 && (rc = hq_journal_clear(j, err)) == 0 &&
	    undonep != NULL)
		*undonep = n;
	for (i = 0; i < 8; i++)
		nl_socket_free(cache[i].sk);
	free(es);
	return first != 0 ? first : rc;
}

int
hq_bench_restore_instance(unsigned instance, size_t *undonep,
    struct hq_err *err)
{
	struct hq_journal *j = NULL;
	int lock = -1, rc;

	*undonep = 0;
	if (instance > HQ_BENCH_INSTANCE_MAX)
		return hq_err_set(err, HQ_EINVAL, "bench %u: instances are "
		    "0 to %d", instance, HQ_BENCH_INSTANCE_MAX);
	if ((rc = hq_bench_lock(instance, &lock, err)) != 0)
		return rc;
	if ((rc = hq_journal_open(instance, &j, err)) == 0)
		rc = journal_undo(j, undonep, err);
	hq_journal_close(j);
	hq_bench_unlock(lock);
	return rc;
}

int
hq_bench_down(unsigned instance, struct hq_err *err)
{
	static const char *const roles[] = { "dut", "lab", "cloud" };
	char ns[HQ_NETNS_NAME_MAX];
	struct hq_journal *j = NULL;
	size_t i, n;
	int lock = -1, rc, rc1;

	if ((rc = hq_bench_lock(instance, &lock, err)) != 0)
		return rc;
	/* Host-side entries (if any) must not outlive the bench. */
	if ((rc = hq_journal_open(instance, &j, err)) == 0 &&
	    (rc = journal_undo(j, &n, err)) == 0 && n > 0)
		hq_info("bench %u: %zu journaled changes undone", instance,
		    n);
	for (i = 0; i < 3; i++) {
		hq_bench_ns_name(roles[i], instance, ns, sizeof(ns));
		if ((rc1 = hq_netns_delete(ns, err)) != 0 && rc == 0)
			rc = rc1;
	}
	hq_journal_close(j);
	hq_bench_unlock(lock);
	return rc;
}

static void
status_iface(cJSON *o, struct nl_sock *sk, const char *key,
    const char *ifname)
{
	struct rtnl_link *link;
	int nlrc;

	if (sk == NULL || (link = nlx_link_get(sk, ifname, &nlrc)) == NULL) {
		cJSON_AddStringToObject(o, key, "missing");
		return;
	}
	cJSON_AddStringToObject(o, key,
	    (rtnl_link_get_flags(link) & IFF_UP) != 0 ? "up" : "down");
	rtnl_link_put(link);
}

static bool
lock_is_held(const char *path)
{
	int fd;
	bool held;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return false;
	held = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
	close(fd);		/* releases the probe's own lock, if taken */
	return held;
}

int
hq_bench_status(unsigned instance, cJSON **statusp, bool *upp,
    struct hq_err *err)
{
	static const char *const roles[] = { "dut", "lab", "cloud" };
	char ns[HQ_NETNS_NAME_MAX], path[128], buf[32];
	struct nl_sock *sk = NULL;
	cJSON *st = NULL, *nss, *ifs;
	size_t i, pending = 0;
	bool up = true;
	int rc, fd;

	*statusp = NULL;
	*upp = false;
	if ((st = cJSON_CreateObject()) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "status");
	cJSON_AddNumberToObject(st, "instance", instance);
	nss = cJSON_AddObjectToObject(st, "namespaces");
	for (i = 0; i < 3; i++) {
		hq_bench_ns_name(roles[i], instance, ns, sizeof(ns));
		if (!hq_netns_exists(ns))
			up = false;
		cJSON_AddStringToObject(nss, ns, hq_netns_exists(ns) ?
		    "present" : "missing");
	}
	hq_bench_ns_name("lab", instance, ns, sizeof(ns));
	if (hq_netns_exists(ns) && nlx_open(ns, &sk, NULL) != 0)
		sk = NULL;
	ifs = cJSON_AddObjectToObject(st, "lab_interfaces");
	status_iface(ifs, sk, NS_LAB_LAN, NS_LAB_LAN);
	status_iface(ifs, sk, NS_LAB_UP, NS_LAB_UP);
	if (sk == NULL || strcmp(cJSON_GetObjectItem(ifs,
	    NS_LAB_LAN)->valuestring, "up") != 0)
		up = false;
	nl_socket_free(sk);
	if ((rc = hq_journal_pending(instance, &pending, err)) != 0) {
		cJSON_Delete(st);
		return rc;
	}
	hq_journal_path(instance, path, sizeof(path));
	cJSON_AddStringToObject(st, "journal", path);
	cJSON_AddNumberToObject(st, "journal_entries", (double)pending);
	hq_journal_lock_path(instance, path, sizeof(path));
	buf[0] = '\0';
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
		ssize_t r = read(fd, buf, sizeof(buf) - 1);

		buf[r > 0 ? r : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		close(fd);
	}
	cJSON_AddStringToObject(st, "lock_pid", buf);
	/* Held means a live process has the flock, not just a pid in it. */
	cJSON_AddBoolToObject(st, "lock_held", buf[0] != '\0' &&
	    lock_is_held(path));
	cJSON_AddBoolToObject(st, "up", up);
	*statusp = st;
	*upp = up;
	return 0;
}

static int
journal_entries(unsigned instance, struct hq_jentry **esp, size_t *np,
    struct hq_err *err)
{
	struct hq_journal *j = NULL;
	int rc;

	*esp = NULL;
	*np = 0;
	if ((rc = hq_journal_open(instance, &j, err)) == 0)
		rc = hq_journal_read(j, esp, np, err);
	hq_journal_close(j);
	return rc;
}

bool
hq_bench_journal_is_host(unsigned instance)
{
	struct hq_jentry *es = NULL;
	size_t n = 0, i;
	bool host = false;

	if (journal_entries(instance, &es, &n, NULL) != 0)
		return false;
	for (i = 0; i < n; i++)
		if (strncmp(es[i].ns, "ino:", 4) == 0)
			host = true;
	free(es);
	return host;
}

int
hq_bench_status_host(unsigned instance, const struct hq_dut *dut,
    cJSON **statusp, bool *upp, struct hq_err *err)
{
	char path[256] = "", line[HQ_JOURNAL_LINE_MAX], jp[128];
	const char *lan = NULL, *up = NULL, *where = "this one";
	struct hq_jentry *es = NULL;
	struct hq_netns_id id;
	struct nl_sock *sk = NULL;
	cJSON *st, *ifs, *jl;
	size_t n = 0, i, nredir = 0;
	bool ok = true;
	int rc;

	*statusp = NULL;
	*upp = false;
	if ((rc = journal_entries(instance, &es, &n, err)) != 0)
		return rc;
	if ((st = cJSON_CreateObject()) == NULL) {
		free(es);
		return hq_err_set(err, HQ_ENOMEM, "status");
	}
	cJSON_AddNumberToObject(st, "instance", instance);
	cJSON_AddStringToObject(st, "mode", "host");
	if (dut != NULL) {
		lan = dut->lan_if;
		up = dut->uplink_if;
	}
	for (i = 0; i < n; i++) {
		if (es[i].op == HQ_J_LINK_DOWN || es[i].op == HQ_J_QDISC)
			up = up != NULL ? up : es[i].ifname;
		if (es[i].op == HQ_J_ADDR)
			nredir++;
		if (path[0] == '\0' && where[0] == 't' &&
		    jns_parse(es[i].ns, &id)) {
			if (hq_netns_find(&id, path, sizeof(path), NULL) != 0)
				where = "not found from here";
			else if (path[0] != '\0')
				where = path;
		}
	}
	cJSON_AddStringToObject(st, "namespace", where);
	if (strcmp(where, "not found from here") != 0 &&
	    nlx_open_path(path, &sk, NULL) != 0)
		sk = NULL;
	ifs = cJSON_AddObjectToObject(st, "interfaces");
	if (lan != NULL)
		status_iface(ifs, sk, lan, lan);
	if (up != NULL && (lan == NULL || strcmp(up, lan) != 0))
		status_iface(ifs, sk, up, up);
	if (lan == NULL || up == NULL || sk == NULL ||
	    strcmp(cJSON_GetObjectItem(ifs, lan)->valuestring, "up") != 0 ||
	    strcmp(cJSON_GetObjectItem(ifs, up)->valuestring, "missing") == 0)
		ok = false;
	nl_socket_free(sk);
	jl = cJSON_AddArrayToObject(st, "journal_changes");
	for (i = 0; i < n; i++)
		if (hq_journal_format_line(&es[i], line, sizeof(line),
		    NULL) == 0)
			cJSON_AddItemToArray(jl, cJSON_CreateString(line));
	cJSON_AddStringToObject(st, "cut", n == 0 ? "none" : nredir > 0 &&
	    nredir == n ? "none (redirect)" : "active or left by a crash");
	cJSON_AddNumberToObject(st, "redirects", (double)nredir);
	hq_journal_path(instance, jp, sizeof(jp));
	cJSON_AddStringToObject(st, "journal", jp);
	cJSON_AddNumberToObject(st, "journal_entries", (double)n);
	hq_journal_lock_path(instance, jp, sizeof(jp));
	cJSON_AddBoolToObject(st, "lock_held", lock_is_held(jp));
	cJSON_AddBoolToObject(st, "up", ok);
	free(es);
	*statusp = st;
	*upp = ok;
	return 0;
}

/* Opening a bench for a run. */

static int
bench_config(struct hq_bench *b, const struct hq_dut *dut, int instance,
    struct hq_err *err)
{
	struct nl_addr *a;
	size_t i;

	if (instance >= 0)
		b->instance = (unsigned)instance;
	else
		b->instance = dut != NULL ? dut->bench_instance : 0;
	if (b->instance > HQ_BENCH_INSTANCE_MAX)
		return hq_err_set(err, HQ_EINVAL, "bench %u: instances are "
		    "0 to %d", b->instance, HQ_BENCH_INSTANCE_MAX);
	b->is_host = dut != NULL && dut->bench_mode != NULL &&
	    strcmp(dut->bench_mode, "host") == 0;
	if (dut != NULL && dut->bench_mode != NULL && !b->is_host &&
	    strcmp(dut->bench_mode, "namespaces") != 0)
		return hq_err_set(err, HQ_EINVAL, "bench.mode \"%.32s\": "
		    "expected namespaces or host", dut->bench_mode);
	if (b->is_host) {
		if (dut->lan_if == NULL || dut->uplink_if == NULL ||
		    dut->address == NULL)
			return hq_err_set(err, HQ_EINVAL, "bench: host mode "
			    "needs lan_if, uplink_if and address");
		if (strlen(dut->lan_if) >= IF_NAMESIZE ||
		    strlen(dut->uplink_if) >= IF_NAMESIZE ||
		    strcmp(dut->lan_if, dut->uplink_if) == 0)
			return hq_err_set(err, HQ_EINVAL, "bench: lan_if and "
			    "uplink_if must be two interface names");
		snprintf(b->ns_lab, sizeof(b->ns_lab), "-");
		{
			struct hq_netns_id id;
			char name[HQ_NETNS_NAME_MAX];
			int rc;

			/* The journal names the namespace the run uses, so
			 * that a restore from elsewhere finds it. */
			if ((rc = hq_netns_self_id(&id, err)) != 0)
				return rc;
			hq_netns_name_of(&id, name, sizeof(name));
			snprintf(b->jns, sizeof(b->jns), "ino:%llu:%llu%s%s",
			    id.dev, id.ino, name[0] != '\0' ? ":" : "", name);
			if (strlen(b->jns) + 1 >= sizeof(b->jns))
				snprintf(b->jns, sizeof(b->jns),
				    "ino:%llu:%llu", id.dev, id.ino);
		}
		snprintf(b->lan_if, sizeof(b->lan_if), "%s", dut->lan_if);
		snprintf(b->uplink_if, sizeof(b->uplink_if), "%s",
		    dut->uplink_if);
		snprintf(b->dut_addr, sizeof(b->dut_addr), "%s",
		    dut->address);
	} else {
		hq_bench_ns_name("lab", b->instance, b->ns_lab,
		    sizeof(b->ns_lab));
		snprintf(b->lan_if, sizeof(b->lan_if), NS_LAB_LAN);
		snprintf(b->uplink_if, sizeof(b->uplink_if), NS_LAB_UP);
		snprintf(b->dut_addr, sizeof(b->dut_addr), "198.18.%u.2",
		    b->instance);
	}
	if (nlx_addr_parse(b->dut_addr, AF_UNSPEC, &a) < 0)
		return hq_err_set(err, HQ_EINVAL, "bench.address: not an IP "
		    "address");
	nl_addr_put(a);
	if (dut != NULL && dut->ncloud > HQ_BENCH_CLOUD_MAX)
		return hq_err_set(err, HQ_EINVAL, "bench.cloud: %zu "
		    "destinations, limit %d", dut->ncloud,
		    HQ_BENCH_CLOUD_MAX);
	for (i = 0; dut != NULL && i < dut->ncloud; i++) {
		if (dut->cloud[i] == NULL ||
		    strlen(dut->cloud[i]) >= ADDR_MAX ||
		    nlx_addr_parse(dut->cloud[i], AF_UNSPEC, &a) < 0)
			return hq_err_set(err, HQ_EINVAL, "bench.cloud[%zu]: "
			    "not an IP address or prefix", i);
		nl_addr_put(a);
		snprintf(b->cloud[i], ADDR_MAX, "%s", dut->cloud[i]);
	}
	b->ncloud = dut != NULL ? dut->ncloud : 0;
	if (b->ncloud == 0 && !b->is_host) {
		/* The simulated cloud's address is the declared one. */
		snprintf(b->cloud[0], ADDR_MAX, "198.19.%u.2", b->instance);
		b->ncloud = 1;
	}
	return 0;
}

int
hq_bench_open(const struct hq_dut *dut, int instance,
    struct hq_bench **benchp, struct hq_err *err)
{
	struct hq_bench *b;
	size_t pending = 0;
	int ifindex = 0, nlrc, rc;

	*benchp = NULL;
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return hq_err_set(err, HQ_ENOMEM, "bench");
	b->lock_fd = -1;
	if ((rc = bench_config(b, dut, instance, err)) != 0 ||
	    (rc = hq_bench_lock(b->instance, &b->lock_fd, err)) != 0)
		goto out;
	if ((rc = hq_journal_pending(b->instance, &pending, err)) != 0)
		goto out;
	if (pending > 0) {
		rc = hq_err_set(err, HQ_EBUSY, "bench %u has %zu unrestored "
		    "changes in its journal; run `hopquy bench restore "
		    "--bench %u`", b->instance, pending, b->instance);
		goto out;
	}
	if (!b->is_host && !hq_netns_exists(b->ns_lab)) {
		rc = hq_err_set(err, HQ_EUNREACH, "bench %u is not up; run "
		    "`hopquy bench up --bench %u`", b->instance, b->instance);
		goto out;
	}
	if ((rc = nlx_open(b->ns_lab, &b->sk, err)) != 0)
		goto out;
	if ((nlrc = nlx_ifindex(b->sk, b->lan_if, &ifindex)) < 0 ||
	    (nlrc = nlx_ifindex(b->sk, b->uplink_if, &ifindex)) < 0) {
		rc = hq_err_set(err, HQ_EUNREACH, "bench %u: interface %s or "
		    "%s: %s", b->instance, b->lan_if, b->uplink_if,
		    nl_geterror(nlrc));
		goto out;
	}
	if ((rc = hq_journal_open(b->instance, &b->j, err)) != 0)
		goto out;
	*benchp = b;
	b = NULL;
 out:
	if (b != NULL) {
		nl_socket_free(b->sk);
		hq_journal_close(b->j);
		hq_bench_unlock(b->lock_fd);
		free(b);
	}
	return rc;
}

int
hq_bench_enter_lab(struct hq_bench *b, struct hq_err *err)
{
	if (b->is_host)
		return 0;
	return hq_netns_enter(b->ns_lab, err);
}

/* Journals e (fsync'd), then the caller makes the change. */
static int
bench_journal(struct hq_bench *b, struct hq_jentry *e, struct hq_err *err)
{
	snprintf(e->ns, sizeof(e->ns), "%s", b->is_host ? b->jns :
	    b->ns_lab);
	return hq_journal_append(b->j, e, err);
}

static int
bench_family(const char *addr)
{
	return strchr(addr, ':') != NULL ? AF_INET6 : AF_INET;
}

/* A host prefix for a bare address. */
static void
host_prefix(const char *addr, char *buf, size_t bufsz)
{
	if (strchr(addr, '/') != NULL)
		snprintf(buf, bufsz, "%s", addr);
	else
		snprintf(buf, bufsz, "%s/%d", addr,
		    bench_family(addr) == AF_INET6 ? 128 : 32);
}

/*
 * blackhole and partition: the DUT's forwarded traffic (from its address,
 * in on the LAN) looks up a table of its own first, holding a blackhole
 * default (blackhole) or one blackhole per cloud destination (partition).
 * The lab's own traffic, the DUT's traffic to the lab and every other
 * device's are untouched; a lookup that finds nothing there falls through
 * to the main table.
 */
static int
bench_cut_rule(struct hq_bench *b, bool all, struct hq_err *err)
{
	struct hq_jentry e;
	unsigned table = HQ_BENCH_TABLE_BASE + b->instance;
	int family = bench_family(b->dut_addr), nlrc, rc;
	size_t i, n = all ? 1 : b->ncloud;

	if (!all && b->ncloud == 0)
		return hq_err_set(err, HQ_EINVAL, "partition: the DUT file "
		    "declares no cloud destinations (bench.cloud)");
	for (i = 0; i < n; i++) {
		memset(&e, 0, sizeof(e));
		e.op = HQ_J_ROUTE;
		e.family = all ? family : bench_family(b->cloud[i]);
		e.table = table;
		snprintf(e.type, sizeof(e.type), "blackhole");
		if (all)
			snprintf(e.addr, sizeof(e.addr), "default");
		else
			host_prefix(b->cloud[i], e.addr, sizeof(e.addr));
		if ((rc = bench_journal(b, &e, err)) != 0)
			return rc;
		if ((nlrc = nlx_route(b->sk, true, e.family, table,
		    RTN_BLACKHOLE, e.addr, NULL)) < 0)
			return nl_err(err, nlrc, "blackhole route");
	}
	memset(&e, 0, sizeof(e));
	e.op = HQ_J_RULE;
	e.family = family;
	e.prio = HQ_BENCH_TABLE_BASE + b->instance;
	e.table = table;
	host_prefix(b->dut_addr, e.addr, sizeof(e.addr));
	snprintf(e.ifname, sizeof(e.ifname), "%s", b->lan_if);
	if ((rc = bench_journal(b, &e, err)) != 0)
		return rc;
	if ((nlrc = nlx_rule(b->sk, true, family, e.prio, table, e.addr,
	    b->lan_if)) < 0)
		return nl_err(err, nlrc, "policy rule");
	/* Partition to a cloud reached over IPv6 needs that family too. */
	for (i = 0; !all && i < b->ncloud; i++)
		if (bench_family(b->cloud[i]) != family)
			hq_warn("partition: %s is not of the DUT address's "
			    "family; not cut", b->cloud[i]);
	return 0;
}

static int
bench_cut_loss(struct hq_bench *b, struct hq_err *err)
{
	struct hq_jentry e;
	int nlrc, rc;

	memset(&e, 0, sizeof(e));
	e.op = HQ_J_QDISC;
	e.handle = HQ_BENCH_QDISC_HANDLE;
	snprintf(e.ifname, sizeof(e.ifname), "%s", b->uplink_if);
	snprintf(e.kind, sizeof(e.kind), "netem");
	if ((rc = bench_journal(b, &e, err)) != 0)
		return rc;
	nlrc = nlx_qdisc(b->sk, true, b->uplink_if, e.handle, "netem");
	if (nlrc == -NLE_OBJ_NOTFOUND || nlrc == -NLE_OPNOTSUPP) {
		/*
		 * A kernel without sch_netem: a pfifo of limit 0 drops every
		 * packet just the same.  The journal entry (same handle) covers
		 * it; the undo deletes the root qdisc by handle.
		 */
		hq_info("loss: no netem in this kernel, using pfifo limit 0");
		nlrc = nlx_qdisc(b->sk, true, b->uplink_if, e.handle,
		    "pfifo");
	}
	if (nlrc < 0)
		return nl_err(err, nlrc, "loss qdisc");
	return 0;
}

static int
bench_cut_link(struct hq_bench *b, struct hq_err *err)
{
	struct hq_jentry e;
	struct rtnl_link *link;
	int nlrc, rc;

	struct hq_jentry routes[ROUTES_KEPT_MAX];
	size_t nr = 0, i;

	if ((link = nlx_link_get(b->sk, b->uplink_if, &nlrc)) == NULL)
		return nl_err(err, nlrc, b->uplink_if);
	memset(&e, 0, sizeof(e));
	e.op = HQ_J_LINK_DOWN;
	e.was_up = (rtnl_link_get_flags(link) & IFF_UP) != 0;
	/* The routes through the uplink go with it (a gateway's default
	 * route, say): journaled first, so that the undo (newest first)
	 * brings the link up before putting them back. */
	if (e.was_up && (nlrc = nlx_routes_via(b->sk,
	    rtnl_link_get_ifindex(link), routes, ROUTES_KEPT_MAX, &nr)) < 0) {
		rtnl_link_put(link);
		return nl_err(err, nlrc, "routes via the uplink");
	}
	rtnl_link_put(link);
	for (i = 0; i < nr; i++) {
		snprintf(routes[i].ifname, sizeof(routes[i].ifname), "%s",
		    b->uplink_if);
		if ((rc = bench_journal(b, &routes[i], err)) != 0)
			return rc;
	}
	snprintf(e.ifname, sizeof(e.ifname), "%s", b->uplink_if);
	if ((rc = bench_journal(b, &e, err)) != 0)
		return rc;
	if ((nlrc = nlx_link_set_up(b->sk, b->uplink_if, false, NULL)) < 0)
		return nl_err(err, nlrc, "link down");
	return 0;
}

/* The worker's bench: every change is the monitor's (priv.h); the local
 * copy follows what the monitor did, for hq_bench_cut_active and
 * hq_bench_redirect_addr. */
void
hq_bench_set_remote(struct hq_bench *b, struct hq_priv *p)
{
	/* Not hq_bench_unlock: the lock stays the monitor's. */
	nl_socket_free(b->sk);
	b->sk = NULL;
	hq_journal_close(b->j);
	b->j = NULL;
	if (b->lock_fd >= 0)
		close(b->lock_fd);
	b->lock_fd = -1;
	b->remote = p;
}

static int
remote_simple(struct hq_bench *b, enum hq_priv_op op, struct hq_err *err)
{
	struct hq_priv_rep *rep = malloc(sizeof(*rep));
	int rc;

	if (rep == NULL)
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	rc = hq_priv_call_simple(b->remote, op, 0, NULL, rep, err);
	free(rep);
	if (rc == 0 && op == HQ_PRIV_RESTORE) {
		b->cut = HQ_CUT_NONE;
		b->nredir = 0;
	}
	if (rc == 0 && op == HQ_PRIV_UNREDIRECT)
		b->nredir = 0;
	return rc;
}

static int
remote_cut(struct hq_bench *b, enum hq_cut_mode mode, struct hq_err *err)
{
	struct hq_priv_rep *rep = malloc(sizeof(*rep));
	int rc;

	if (rep == NULL)
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	b->remote_asked = true;
	if ((rc = hq_priv_call_simple(b->remote, HQ_PRIV_CUT,
	    (uint32_t)mode, NULL, rep, err)) == 0)
		b->cut = mode;
	free(rep);
	return rc;
}

static int
remote_redirect(struct hq_bench *b, size_t *np, struct hq_err *err)
{
	struct hq_priv_rep *rep = malloc(sizeof(*rep));
	size_t o = 0;
	int rc;

	if (rep == NULL)
		return hq_err_set(err, HQ_ENOMEM, "no memory");
	b->remote_asked = true;
	if ((rc = hq_priv_call_simple(b->remote, HQ_PRIV_REDIRECT, 0, NULL,
	    rep, err)) == 0) {
		b->nredir = 0;
		while (o < rep->len && b->nredir < rep->n &&
		    b->nredir < HQ_BENCH_CLOUD_MAX) {
			size_t l = strnlen(rep->data + o, rep->len - o);

			if (l == rep->len - o || l >= ADDR_MAX)
				break;
			memcpy(b->redir[b->nredir++], rep->data + o, l + 1);
			o += l + 1;
		}
		*np = b->nredir;
	}
	free(rep);
	return rc;
}

int
hq_bench_signal_dut(struct hq_bench *b, long pid, int sig,
    struct hq_err *err)
{
	char ns[HQ_NETNS_NAME_MAX], path[64], nspath[HQ_NETNS_NAME_MAX + 16];
	struct stat a, d;

	if (b->remote != NULL)
		return hq_priv_call_signal(b->remote, sig, pid, err);
	if (sig != SIGHUP && sig != SIGUSR1 && sig != SIGUSR2)
		return hq_err_set(err, HQ_EINVAL, "signal %d: only HUP, USR1 "
		    "and USR2", sig);
	if (pid < 2 || pid > 4194304)
		return hq_err_set(err, HQ_EINVAL, "pid %ld", pid);
	if (b->is_host) {
		/* No namespace to check against: the root process's own
		 * call only (the monitor refuses it, priv.c). */
		if (kill((pid_t)pid, sig) != 0)
			return hq_err_sys(err, "kill");
		return 0;
	}
	hq_bench_ns_name("dut", b->instance, ns, sizeof(ns));
	snprintf(nspath, sizeof(nspath), "/run/netns/%s", ns);
	snprintf(path, sizeof(path), "/proc/%ld/ns/net", pid);
	if (stat(path, &a) != 0)
		return hq_err_set(err, HQ_EINVAL, "pid %ld: %s", pid,
		    strerror(errno));
	if (stat(nspath, &d) != 0 || a.st_dev != d.st_dev ||
	    a.st_ino != d.st_ino)
		return hq_err_set(err, HQ_EINVAL, "pid %ld is not a process "
		    "of the DUT's namespace %s", pid, ns);
	if (kill((pid_t)pid, sig) != 0)
		return hq_err_sys(err, "kill");
	return 0;
}

int
hq_bench_cut(struct hq_bench *b, enum hq_cut_mode mode, struct hq_err *err)
{
	struct hq_err undo_err = { 0, "" };
	int rc;

	if (b->remote != NULL)
		return remote_cut(b, mode, err);
	if (b->cut != HQ_CUT_NONE)
		return hq_err_set(err, HQ_EBUSY, "bench %u: %s cut already "
		    "active", b->instance, hq_cut_mode_name(b->cut));
	if (b->nredir > 0)
		return hq_err_set(err, HQ_EBUSY, "bench %u: a redirect is "
		    "active", b->instance);
	switch (mode) {
	case HQ_CUT_LINK_DOWN:
		rc = bench_cut_link(b, err);
		break;
	case HQ_CUT_BLACKHOLE:
		rc = bench_cut_rule(b, true, err);
		break;
	case HQ_CUT_LOSS:
		rc = bench_cut_loss(b, err);
		break;
	case HQ_CUT_PARTITION:
		rc = bench_cut_rule(b, false, err);
		break;
	default:
		return hq_err_set(err, HQ_EINVAL, "cut mode %d", (int)mode);
	}
	if (rc != 0) {
		/* Half a cut is worse than none. */
		if (journal_undo(b->j, NULL, &undo_err) != 0)
			hq_error("bench %u: undo after a failed cut: %s",
			    b->instance, undo_err.msg);
		return rc;
	}
	b->cut = mode;
	hq_info("bench %u: uplink cut (%s)", b->instance,
	    hq_cut_mode_name(mode));
	return 0;
}

enum hq_cut_mode
hq_bench_cut_active(const struct hq_bench *b)
{
	return b->cut;
}

int
hq_bench_restore(struct hq_bench *b, struct hq_err *err)
{
	size_t n = 0;
	int rc;

	if (b->remote != NULL)
		return remote_simple(b, HQ_PRIV_RESTORE, err);
	if ((rc = journal_undo(b->j, &n, err)) != 0)
		return rc;
	if (n > 0)
		hq_info("bench %u: uplink restored (%zu changes undone)",
		    b->instance, n);
	b->cut = HQ_CUT_NONE;
	b->nredir = 0;
	return 0;
}

/*
 * *localp: addr is already an address of namespace ns (a bind to it
 * succeeds).  The calling thread visits ns for the probe only.
 */
static int
ns_addr_local(const char *ns, const char *addr, bool *localp,
    struct hq_err *err)
{
	struct sockaddr_storage ss;
	socklen_t slen;
	int self = -1, fd = -1, rc;
	bool moved = false;

	*localp = false;
	if ((rc = hq_addr_parse(addr, 0, &ss, &slen, err)) != 0)
		return rc;
	if (strcmp(ns, "-") != 0) {
		if ((rc = hq_netns_open_self(&self, err)) != 0 ||
		    (rc = hq_netns_enter(ns, err)) != 0)
			goto out;
		moved = true;
	}
	if ((fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0) {
		rc = hq_err_sys(err, "socket");
		goto out;
	}
	if (bind(fd, (struct sockaddr *)&ss, slen) == 0)
		*localp = true;
	else if (errno != EADDRNOTAVAIL)
		rc = hq_err_sys(err, addr);
 out:
	if (fd >= 0)
		close(fd);
	if (moved && hq_netns_enter_fd(self, err) != 0 && rc == 0)
		rc = HQ_EIO;
	if (self >= 0)
		close(self);
	return rc;
}

/* True when s names one host (a bare address or a full-length prefix). */
static bool
is_host_addr(const char *s)
{
	struct nl_addr *a;
	bool host;

	if (nlx_addr_parse(s, AF_UNSPEC, &a) < 0)
		return false;
	host = nl_addr_get_prefixlen(a) == nl_addr_get_len(a) * 8;
	nl_addr_put(a);
	return host;
}

/*
 * Each declared cloud host address becomes a local address of the lab
 * side (on its loopback): the lab kernel delivers the DUT's packets for
 * it to the lab's own sockets instead of forwarding them, and answers for
 * connections nobody there holds with a RST.  An address the lab side
 * already has is not ours to add (nor, on undo, to delete): refused.
 */
int
hq_bench_redirect(struct hq_bench *b, size_t *np, struct hq_err *err)
{
	struct hq_err undo_err = { 0, "" };
	struct hq_jentry e;
	char bare[ADDR_MAX];
	size_t i;
	bool local;
	int nlrc, rc = 0;

	*np = 0;
	if (b->remote != NULL)
		return remote_redirect(b, np, err);
	if (b->cut != HQ_CUT_NONE)
		return hq_err_set(err, HQ_EBUSY, "bench %u: %s cut active; "
		    "no redirect during a cut", b->instance,
		    hq_cut_mode_name(b->cut));
	if (b->nredir > 0)
		return hq_err_set(err, HQ_EBUSY, "bench %u: a redirect is "
		    "already active", b->instance);
	for (i = 0; i < b->ncloud; i++) {
		if (!is_host_addr(b->cloud[i])) {
			hq_warn("redirect: %s is a prefix, not one host; not "
			    "redirected", b->cloud[i]);
			continue;
		}
		snprintf(bare, sizeof(bare), "%s", b->cloud[i]);
		bare[strcspn(bare, "/")] = '\0';
		if ((rc = ns_addr_local(b->ns_lab, bare, &local, err)) != 0)
			goto fail;
		if (local) {
			rc = hq_err_set(err, HQ_EBUSY, "redirect: %s is "
			    "already an address of the lab side", bare);
			goto fail;
		}
		memset(&e, 0, sizeof(e));
		e.op = HQ_J_ADDR;
		e.family = bench_family(bare);
		snprintf(e.ifname, sizeof(e.ifname), REDIRECT_IF);
		host_prefix(bare, e.addr, sizeof(e.addr));
		if ((rc = bench_journal(b, &e, err)) != 0)
			goto fail;
		if ((nlrc = nlx_addr(b->sk, true, REDIRECT_IF, e.addr)) < 0) {
			rc = nl_err(err, nlrc, "redirect address");
			goto fail;
		}
		snprintf(b->redir[b->nredir++], ADDR_MAX, "%s", bare);
	}
	if (b->nredir == 0)
		return hq_err_set(err, HQ_EINVAL, "redirect: the DUT file "
		    "declares no cloud host address (bench.cloud)");
	*np = b->nredir;
	hq_info("bench %u: %zu cloud address%s redirected to the lab side",
	    b->instance, b->nredir, b->nredir == 1 ? "" : "es");
	return 0;
 fail:
	/* Half a redirect is worse than none. */
	if (journal_undo(b->j, NULL, &undo_err) != 0)
		hq_error("bench %u: undo after a failed redirect: %s",
		    b->instance, undo_err.msg);
	b->nredir = 0;
	return rc;
}

int
hq_bench_unredirect(struct hq_bench *b, struct hq_err *err)
{
	size_t n = 0;
	int rc;

	if (b->nredir == 0)
		return 0;
	if (b->remote != NULL)
		return remote_simple(b, HQ_PRIV_UNREDIRECT, err);
	/* No cut can be active (refused during a redirect): the journal
	 * holds the redirect's entries only. */
	if ((rc = journal_undo(b->j, &n, err)) != 0)
		return rc;
	hq_info("bench %u: redirect removed (%zu changes undone)",
	    b->instance, n);
	b->nredir = 0;
	return 0;
}

const char *
hq_bench_redirect_addr(const struct hq_bench *b, size_t i)
{
	return i < b->nredir ? b->redir[i] : NULL;
}

static int bind_listen(const char *, unsigned, int *, struct hq_err *);

int
hq_bench_listen(struct hq_bench *b, const char *addr, unsigned port,
    int *fdp, struct hq_err *err)
{
	size_t i;

	*fdp = -1;
	if (port == 0 || port > 65535)
		return hq_err_set(err, HQ_EINVAL, "listen: port %u", port);
	if (b->remote != NULL)
		return hq_priv_call_listen(b->remote, addr, port, fdp, err);
	for (i = 0; i < b->nredir && strcmp(b->redir[i], addr) != 0; i++)
		;
	if (i == b->nredir)
		return hq_err_set(err, HQ_EINVAL, "listen: %.64s is not a "
		    "redirected address of bench %u", addr, b->instance);
	return bind_listen(addr, port, fdp, err);
}

int
hq_bench_listen_lan(struct hq_bench *b, const char *addr, unsigned port,
    int *fdp, struct hq_err *err)
{
	struct ifaddrs *ifa = NULL, *x;
	struct in_addr want;
	bool found = false;

	*fdp = -1;
	if (port == 0 || port > 65535)
		return hq_err_set(err, HQ_EINVAL, "listen: port %u", port);
	if (b->remote != NULL)
		return hq_priv_call_listen_lan(b->remote, addr, port, fdp,
		    err);
	if (!b->is_host)
		return hq_err_set(err, HQ_EINVAL, "listen: bench %u is a "
		    "namespaces bench: its lab binds its own ports",
		    b->instance);
	if (inet_pton(AF_INET, addr, &want) != 1)
		return hq_err_set(err, HQ_EINVAL, "listen: \"%.64s\" is not "
		    "an IPv4 address", addr);
	if (getifaddrs(&ifa) != 0)
		return hq_err_sys(err, "getifaddrs");
	for (x = ifa; x != NULL && !found; x = x->ifa_next)
		found = x->ifa_addr != NULL &&
		    x->ifa_addr->sa_family == AF_INET &&
		    strcmp(x->ifa_name, b->lan_if) == 0 &&
		    ((struct sockaddr_in *)(void *)x->ifa_addr)->sin_addr.s_addr
		    == want.s_addr;
	freeifaddrs(ifa);
	if (!found)
		return hq_err_set(err, HQ_EINVAL, "listen: %.64s is not an "
		    "address of %s, the bench's LAN interface", addr,
		    b->lan_if);
	return bind_listen(addr, port, fdp, err);
}

/* *fdp: a blocking socket listening on addr:port. */
static int
bind_listen(const char *addr, unsigned port, int *fdp, struct hq_err *err)
{
	struct sockaddr_storage ss;
	socklen_t slen;
	int fd, one = 1, rc;

	if ((rc = hq_addr_parse(addr, port, &ss, &slen, err)) != 0)
		return rc;
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return hq_err_sys(err, "socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, slen) != 0 ||
	    listen(fd, 8) != 0) {
		rc = hq_err_set(err, HQ_EIO, "listen on %s:%u: %s", addr, port,
		    strerror(errno));
		close(fd);
		return rc;
	}
	*fdp = fd;
	return 0;
}

void
hq_bench_close(struct hq_bench *b)
{
	struct hq_err err = { 0, "" };

	if (b == NULL)
		return;
	if (b->remote != NULL) {
		/* The worker's copy: the monitor restores when the worker
		 * is gone, and unlocks; asked now too when the worker had
		 * it cut or redirect, so the network is back before the
		 * report is written (a round trip saved otherwise). */
		if (b->remote_asked && hq_bench_restore(b, &err) != 0)
			hq_error("bench %u: restore: %s", b->instance,
			    err.msg);
		free(b);
		return;
	}
	if (b->j != NULL && hq_bench_restore(b, &err) != 0)
		hq_error("bench %u: restore failed, the journal stays: %s; "
		    "run `hopquy bench restore --bench %u`", b->instance,
		    err.msg, b->instance);
	nl_socket_free(b->sk);
	hq_journal_close(b->j);
	hq_bench_unlock(b->lock_fd);
	free(b);
}

const char *
hq_bench_lan_ifname(const struct hq_bench *b)
{
	return b->lan_if;
}

const char *
hq_bench_uplink_ifname(const struct hq_bench *b)
{
	return b->uplink_if;
}

const char *
hq_bench_lab_ns(const struct hq_bench *b)
{
	return b->is_host ? "" : b->ns_lab;
}

const char *
hq_bench_dut_address(const struct hq_bench *b)
{
	return b->dut_addr;
}

unsigned
hq_bench_instance(const struct hq_bench *b)
{
	return b->instance;
}
