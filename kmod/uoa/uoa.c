// SPDX-License-Identifier: GPL-2.0
/*
 * uoa: the client's address for UDP servers behind a Full-NAT balancer.
 *
 * Full-NAT sends a client's datagrams to the real server from the
 * balancer's local address (LIP). On the first datagrams of a flow it
 * adds an IPv4 header option, the UOA (type 31, length 8: port, IPv4
 * address; include/dpvs/toa.h), naming the client. This module remembers,
 * per flow, the client the UOA named, and answers a socket's
 * getsockopt(IPPROTO_IP, UOA_SO_GET_LOOKUP) with it (uoa.h).
 *
 * Why a lookup and not a rewritten recvfrom() address: a UDP server
 * answers the address recvfrom() gave it. Rewritten to the client, the
 * answer would bypass the balancer, leave from the real server's own
 * address and be dropped by the client (or the network) as unknown.
 * (TCP is different: the connection's tuple, not getpeername(), decides
 * where segments go, so kmod/toa can rewrite.) DPVS's uoa module offers
 * the same kind of lookup.
 *
 * How: a netfilter hook at LOCAL_IN, in every network namespace, reads
 * the option of IPv4 UDP datagrams for this host (the kernel ignores
 * unknown options on received packets, so the datagram itself goes on
 * unchanged) and keeps LIP:lport -> server:port => client:port in an
 * expiring table (kmod/common/tuple_table.h), refreshed by each datagram
 * that carries the option.
 *
 * Counters: /proc/net/uoa_stats.
 */
#include <linux/ip.h>
#include <linux/module.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/udp.h>
#include <linux/uaccess.h>
#include <net/inet_sock.h>
#include <net/ip.h>
#include <net/netns/hash.h>
#include <net/sock.h>

#include "dpvs/toa.h"
#include "toa_parse.h"
#include "tuple_table.h"
#include "uoa.h"

/* A flow's client is known this long after its last UOA: the balancer's
 * UDP timeout is of this order, and datagrams without the option (after
 * the first UOA_PACKETS) do not refresh it. */
#define UOA_TTL	 (300 * HZ)
#define UOA_MAX	 262144
#define UOA_BITS 14

enum {
	UOA_STAT_SEEN,	     /* datagrams with a UOA */
	UOA_STAT_MALFORMED,  /* IPv4 options that run past the header */
	UOA_STAT_TABLE_FULL, /* a UOA not kept: no room (or memory) */
	UOA_STAT_FOUND,	     /* lookups answered */
	UOA_STAT_MISSED,     /* lookups for a flow without a UOA: ENOENT */
	UOA_STAT_DENIED,     /* lookups of another socket's flow: EPERM */
	UOA_STAT_MAX
};

static const char *const uoa_stat_names[UOA_STAT_MAX] = {
    "uoa_seen", "malformed", "table_full", "lookup_found", "lookup_missed", "lookup_denied",
};

static atomic64_t uoa_stats[UOA_STAT_MAX];
static struct tuple_table uoa_flows;

static void uoa_count(int stat)
{
	atomic64_inc(&uoa_stats[stat]);
}

/* ---- LOCAL_IN: remember the client of each flow that names one ---- */

static unsigned int uoa_local_in(void *priv, struct sk_buff *skb, const struct nf_hook_state *state)
{
	const struct iphdr *iph = ip_hdr(skb);
	const struct udphdr *uh;
	unsigned int ihl = iph->ihl * 4;
	struct tt_key k;
	uint16_t port;
	uint32_t addr;
	int r;

	/* no options, not UDP, or a fragment after the first: nothing to read */
	if (ihl <= sizeof(*iph) || iph->protocol != IPPROTO_UDP ||
	    (ntohs(iph->frag_off) & IP_OFFSET))
		return NF_ACCEPT;
	if (!pskb_may_pull(skb, ihl + sizeof(*uh)))
		return NF_ACCEPT;
	iph = ip_hdr(skb); /* the pull may have moved the data */
	r = toa_find_kind((const uint8_t *)(iph + 1), ihl - sizeof(*iph), UOA_TYPE, &port, &addr);
	if (r == TOA_MALFORMED)
		uoa_count(UOA_STAT_MALFORMED);
	if (r != TOA_FOUND)
		return NF_ACCEPT;
	uoa_count(UOA_STAT_SEEN);
	uh = (const struct udphdr *)((const u8 *)iph + ihl);
	tt_key_set(&k, state->net, iph->saddr, uh->source, iph->daddr, uh->dest);
	if (tt_put(&uoa_flows, &k, (__force __be32)addr, (__force __be16)port))
		uoa_count(UOA_STAT_TABLE_FULL);
	return NF_ACCEPT;
}

static const struct nf_hook_ops uoa_hook = {
    .hook = uoa_local_in,
    .pf = NFPROTO_IPV4,
    .hooknum = NF_INET_LOCAL_IN,
    /* before the filter table: a flow's first datagram is remembered even
     * if a later rule looks at it */
    .priority = NF_IP_PRI_FILTER - 1,
};

static int __net_init uoa_net_init(struct net *net)
{
	return nf_register_net_hook(net, &uoa_hook);
}

static void __net_exit uoa_net_exit(struct net *net)
{
	nf_unregister_net_hook(net, &uoa_hook);
}

static struct pernet_operations uoa_net_ops = {
    .init = uoa_net_init,
    .exit = uoa_net_exit,
};

/* ---- getsockopt(IPPROTO_IP, UOA_SO_GET_LOOKUP) ---- */

/*
 * The flow's server end, checked against the socket: a socket learns only
 * about datagrams sent to it (its port; its address when it is bound to
 * one, where daddr 0 means that address). A wildcard socket must name the
 * datagram's destination (IP_PKTINFO). 0, -EPERM or -EINVAL.
 */
static int uoa_server_end(struct sock *sk, const struct uoa_lookup *q, __be32 *daddr)
{
	const struct inet_sock *inet = inet_sk(sk);

	if (sk->sk_protocol != IPPROTO_UDP || q->dport != inet->inet_sport)
		return -EPERM;
	if (inet->inet_rcv_saddr) {
		if (q->daddr && q->daddr != inet->inet_rcv_saddr)
			return -EPERM;
		*daddr = inet->inet_rcv_saddr;
		return 0;
	}
	if (!q->daddr)
		return -EINVAL;
	*daddr = q->daddr;
	return 0;
}

static int uoa_getsockopt(struct sock *sk, int optval, void __user *user, int *len)
{
	struct uoa_lookup q;
	struct tt_key k;
	__be32 daddr;
	int err;

	if (optval != UOA_SO_GET_LOOKUP || *len < (int)sizeof(q))
		return -EINVAL;
	if (copy_from_user(&q, user, sizeof(q)))
		return -EFAULT;
	err = uoa_server_end(sk, &q, &daddr);
	if (err) {
		if (err == -EPERM)
			uoa_count(UOA_STAT_DENIED);
		return err;
	}
	tt_key_set(&k, sock_net(sk), q.saddr, q.sport, daddr, q.dport);
	if (!tt_get(&uoa_flows, &k, false, &q.real_saddr, &q.real_sport)) {
		uoa_count(UOA_STAT_MISSED);
		return -ENOENT;
	}
	q.pad = 0;
	uoa_count(UOA_STAT_FOUND);
	if (copy_to_user(user, &q, sizeof(q)))
		return -EFAULT;
	*len = sizeof(q);
	return 0;
}

static struct nf_sockopt_ops uoa_sockopts = {
    .pf = PF_INET,
    .get_optmin = UOA_SO_BASE,
    .get_optmax = UOA_SO_GET_MAX,
    .get = uoa_getsockopt,
    .owner = THIS_MODULE,
};

/* ---- /proc/net/uoa_stats ---- */

static int uoa_stats_show(struct seq_file *m, void *v)
{
	int i;

	for (i = 0; i < UOA_STAT_MAX; i++)
		seq_printf(m, "%-14s %lld\n", uoa_stat_names[i], atomic64_read(&uoa_stats[i]));
	seq_printf(m, "%-14s %d\n", "flows", atomic_read(&uoa_flows.count));
	return 0;
}

static int __init uoa_init(void)
{
	int err = tt_init(&uoa_flows, UOA_BITS, UOA_MAX, UOA_TTL);

	if (err)
		return err;
	err = nf_register_sockopt(&uoa_sockopts);
	if (err) {
		pr_err("uoa: getsockopt %d-%d taken: %d\n", UOA_SO_BASE, UOA_SO_GET_MAX - 1, err);
		goto out_table;
	}
	err = register_pernet_subsys(&uoa_net_ops);
	if (err) {
		pr_err("uoa: cannot hook LOCAL_IN: %d\n", err);
		goto out_sockopt;
	}
	if (!proc_create_single("uoa_stats", 0444, init_net.proc_net, uoa_stats_show))
		pr_warn("uoa: no /proc/net/uoa_stats (the module works without it)\n");
	pr_info("uoa: getsockopt(IPPROTO_IP, %d) answers the client of IPv4 option %d\n",
		UOA_SO_GET_LOOKUP, UOA_TYPE);
	return 0;

out_sockopt:
	nf_unregister_sockopt(&uoa_sockopts);
out_table:
	tt_destroy(&uoa_flows);
	return err;
}

static void __exit uoa_exit(void)
{
	remove_proc_entry("uoa_stats", init_net.proc_net);
	unregister_pernet_subsys(&uoa_net_ops);
	nf_unregister_sockopt(&uoa_sockopts);
	tt_destroy(&uoa_flows);
}

module_init(uoa_init);
module_exit(uoa_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("UOA: the Full-NAT client address of UDP flows, by getsockopt()");
