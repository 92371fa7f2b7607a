// SPDX-License-Identifier: GPL-2.0
/*
 * toa: the client's address for TCP servers behind a Full-NAT balancer.
 *
 * Full-NAT replaces the client's address by the balancer's local address
 * (LIP), so a server's accept() and getpeername() answer LIP:lport. The
 * balancer carries the client's address in a TCP option, the TOA (kind
 * 254, length 8: port, IPv4 address; include/dpvs/toa.h), on the SYN and
 * on the first data segments. With this module loaded, accept() and
 * getpeername() on IPv4 TCP sockets answer the address in the TOA
 * instead; connections without one are untouched. Applications need no
 * change (the same contract as DPVS's toa module).
 *
 * How, with kretprobes only (no kernel table is patched, nothing is
 * written to read-only memory):
 *   tcp_v4_conn_request (entry)   a listener's SYN: its TOA, if any, is
 *                                 kept by 4-tuple until the handshake ends
 *                                 (kmod/common/tuple_table.h)
 *   tcp_v4_syn_recv_sock (return) the child socket is made: the TOA of
 *                                 the completing segment, else the SYN's,
 *                                 is stored in the child's sk_user_data
 *   inet_getname (return)         getpeername()/accept() of a socket with
 *                                 a stored TOA: the address is replaced
 *
 * sk_user_data holds the address itself, not a pointer: nothing to
 * allocate or free per socket. The encoding keeps the low three bits zero
 * (the kernel's flag bits there) and a marker byte, and is only written
 * when sk_user_data is empty; a socket some other kernel user claims
 * later simply stops answering the TOA. Limits: IPv4 sockets (an IPv6
 * socket's v4-mapped peers are not rewritten); the socket can no longer
 * join a sockmap (it also wants sk_user_data).
 *
 * Counters: /proc/net/toa_stats.
 */
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/tcp.h>
#include <net/inet_sock.h>
#include <net/ip.h>
#include <net/netns/hash.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "dpvs/toa.h"
#include "toa_parse.h"
#include "tuple_table.h"

/* A SYN's TOA waits this long for its handshake: longer than the last
 * SYN-ACK retransmission at the default tcp_synack_retries (5: 63 s). */
#define TOA_SYN_TTL  (75 * HZ)
#define TOA_SYN_MAX  65536
#define TOA_SYN_BITS 12

/* sk_user_data: address (32) | port (16) | marker (8) | 0 (8). */
#define TOA_MARK 0xa7

enum {
	TOA_STAT_SYN_TOA,	 /* SYNs with a TOA */
	TOA_STAT_SYN_TABLE_FULL, /* ... that found no room to wait */
	TOA_STAT_MALFORMED,	 /* SYN or ACK options that run past the header */
	TOA_STAT_SOCK_TOA,	 /* child sockets given a TOA */
	TOA_STAT_SOCK_BUSY,	 /* ... whose sk_user_data was already in use */
	TOA_STAT_GETNAME,	 /* peer addresses answered from a TOA */
	TOA_STAT_MAX
};

static const char *const toa_stat_names[TOA_STAT_MAX] = {
    "syn_toa", "syn_table_full", "malformed", "sock_toa", "sock_busy", "getname_toa",
};

static atomic64_t toa_stats[TOA_STAT_MAX];
static struct tuple_table toa_syns;

static void toa_count(int stat)
{
	atomic64_inc(&toa_stats[stat]);
}

static void *toa_encode(__be32 addr, __be16 port)
{
	return (void *)((unsigned long)(__force u32)addr << 32 |
			(unsigned long)(__force u16)port << 16 | TOA_MARK << 8);
}

/* false for anything not written by toa_encode(): pointers of other
 * users have other low bytes, or kernel addresses' top bits */
static bool toa_decode(const void *ud, __be32 *addr, __be16 *port)
{
	unsigned long v = (unsigned long)ud;

	if ((v & 0xffff) != TOA_MARK << 8 || (v >> 48) == 0xffff)
		return false;
	*addr = (__force __be32)(u32)(v >> 32);
	*port = (__force __be16)(u16)(v >> 16);
	return true;
}

/* The TOA among skb's TCP options (the TCP header is in the linear part
 * when the stack hands the segment to these functions). */
static int toa_from_skb(const struct sk_buff *skb, __be32 *addr, __be16 *port)
{
	const struct tcphdr *th = tcp_hdr(skb);
	uint16_t p;
	uint32_t a;
	int r;

	if (th->doff * 4 < sizeof(*th))
		return TOA_MALFORMED;
	r = toa_find((const uint8_t *)(th + 1), th->doff * 4 - sizeof(*th), &p, &a);
	if (r == TOA_MALFORMED)
		toa_count(TOA_STAT_MALFORMED);
	if (r == TOA_FOUND) {
		*addr = (__force __be32)a;
		*port = (__force __be16)p;
	}
	return r;
}

/* the 4-tuple of skb as the server's sockets see it */
static void toa_key(struct tt_key *k, const struct sock *sk, const struct sk_buff *skb)
{
	tt_key_set(k, sock_net(sk), ip_hdr(skb)->saddr, tcp_hdr(skb)->source, ip_hdr(skb)->daddr,
		   tcp_hdr(skb)->dest);
}

/* ---- tcp_v4_conn_request(sk, skb): a SYN reached a listener ---- */

static int toa_conn_request(struct kprobe *kp, struct pt_regs *regs)
{
	struct sock *sk = (struct sock *)regs_get_kernel_argument(regs, 0);
	struct sk_buff *skb = (struct sk_buff *)regs_get_kernel_argument(regs, 1);
	struct tt_key k;
	__be32 addr;
	__be16 port;

	if (toa_from_skb(skb, &addr, &port) != TOA_FOUND)
		return 0;
	toa_count(TOA_STAT_SYN_TOA);
	toa_key(&k, sk, skb);
	if (tt_put(&toa_syns, &k, addr, port))
		toa_count(TOA_STAT_SYN_TABLE_FULL);
	return 0;
}

static struct kprobe toa_conn_request_kp = {
    .symbol_name = "tcp_v4_conn_request",
    .pre_handler = toa_conn_request,
};

/* ---- tcp_v4_syn_recv_sock(sk, skb, ...): the child socket ---- */

struct toa_recv_args {
	struct sock *listener;
	struct sk_buff *skb;
};

static int toa_syn_recv_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct toa_recv_args *a = (struct toa_recv_args *)ri->data;

	a->listener = (struct sock *)regs_get_kernel_argument(regs, 0);
	a->skb = (struct sk_buff *)regs_get_kernel_argument(regs, 1);
	return 0;
}

static int toa_syn_recv_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct toa_recv_args *a = (struct toa_recv_args *)ri->data;
	struct sock *child = (struct sock *)regs_return_value(regs);
	struct tt_key k;
	__be32 addr;
	__be16 port;
	bool from_syn;

	if (!child)
		return 0;
	/* the SYN's entry goes in any case: the handshake is over */
	toa_key(&k, a->listener, a->skb);
	from_syn = tt_get(&toa_syns, &k, true, &addr, &port);
	if (toa_from_skb(a->skb, &addr, &port) != TOA_FOUND && !from_syn)
		return 0;
	/* the child is not yet visible to anyone else */
	if (child->sk_user_data) {
		toa_count(TOA_STAT_SOCK_BUSY);
		return 0;
	}
	child->sk_user_data = toa_encode(addr, port);
	toa_count(TOA_STAT_SOCK_TOA);
	return 0;
}

static struct kretprobe toa_syn_recv_krp = {
    .kp.symbol_name = "tcp_v4_syn_recv_sock",
    .entry_handler = toa_syn_recv_entry,
    .handler = toa_syn_recv_ret,
    .data_size = sizeof(struct toa_recv_args),
};

/* ---- inet_getname(sock, uaddr, peer): getpeername(), accept() ---- */

struct toa_getname_args {
	struct socket *sock;
	struct sockaddr_in *uaddr;
	int peer;
};

static int toa_getname_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct toa_getname_args *a = (struct toa_getname_args *)ri->data;

	a->sock = (struct socket *)regs_get_kernel_argument(regs, 0);
	a->uaddr = (struct sockaddr_in *)regs_get_kernel_argument(regs, 1);
	a->peer = (int)regs_get_kernel_argument(regs, 2);
	return 0;
}

static int toa_getname_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct toa_getname_args *a = (struct toa_getname_args *)ri->data;
	struct sock *sk = a->sock ? a->sock->sk : NULL;
	__be32 addr;
	__be16 port;

	/* the local name (peer == 0) and failures stay as they are */
	if (!a->peer || (long)regs_return_value(regs) < 0 || !sk || sk->sk_family != AF_INET ||
	    sk->sk_protocol != IPPROTO_TCP || a->uaddr->sin_family != AF_INET)
		return 0;
	if (!toa_decode(READ_ONCE(sk->sk_user_data), &addr, &port))
		return 0;
	a->uaddr->sin_addr.s_addr = addr;
	a->uaddr->sin_port = port;
	toa_count(TOA_STAT_GETNAME);
	return 0;
}

static struct kretprobe toa_getname_krp = {
    .kp.symbol_name = "inet_getname",
    .entry_handler = toa_getname_entry,
    .handler = toa_getname_ret,
    .data_size = sizeof(struct toa_getname_args),
};

/* ---- /proc/net/toa_stats ---- */

static int toa_stats_show(struct seq_file *m, void *v)
{
	int i;

	for (i = 0; i < TOA_STAT_MAX; i++)
		seq_printf(m, "%-16s %lld\n", toa_stat_names[i], atomic64_read(&toa_stats[i]));
	seq_printf(m, "%-16s %d\n", "syn_waiting", atomic_read(&toa_syns.count));
	/* a kretprobe without a free instance misses a call: a TOA lost */
	seq_printf(m, "%-16s %d\n", "probe_missed",
		   toa_syn_recv_krp.nmissed + toa_getname_krp.nmissed);
	return 0;
}

static int __init toa_init(void)
{
	/* getname can sleep (lock_sock): room for many callers at once */
	int active = max_t(int, 64, 16 * num_possible_cpus());
	int err;

	/* the address and port live in sk_user_data itself: 64-bit kernels */
	BUILD_BUG_ON(sizeof(void *) < 8);
	err = tt_init(&toa_syns, TOA_SYN_BITS, TOA_SYN_MAX, TOA_SYN_TTL);
	if (err)
		return err;
	toa_syn_recv_krp.maxactive = active;
	toa_getname_krp.maxactive = active;
	/* readers first: a socket never has a TOA nobody answers */
	err = register_kretprobe(&toa_getname_krp);
	if (err) {
		pr_err("toa: cannot probe inet_getname: %d\n", err);
		goto out_table;
	}
	err = register_kretprobe(&toa_syn_recv_krp);
	if (err) {
		pr_err("toa: cannot probe tcp_v4_syn_recv_sock: %d\n", err);
		goto out_getname;
	}
	err = register_kprobe(&toa_conn_request_kp);
	if (err) {
		pr_err("toa: cannot probe tcp_v4_conn_request: %d\n", err);
		goto out_syn_recv;
	}
	if (!proc_create_single("toa_stats", 0444, init_net.proc_net, toa_stats_show))
		pr_warn("toa: no /proc/net/toa_stats (the module works without it)\n");
	pr_info("toa: getpeername() answers the client address of TCP option %d\n", TOA_KIND);
	return 0;

out_syn_recv:
	unregister_kretprobe(&toa_syn_recv_krp);
out_getname:
	unregister_kretprobe(&toa_getname_krp);
out_table:
	tt_destroy(&toa_syns);
	return err;
}

static void __exit toa_exit(void)
{
	remove_proc_entry("toa_stats", init_net.proc_net);
	unregister_kprobe(&toa_conn_request_kp);
	unregister_kretprobe(&toa_syn_recv_krp);
	/* sockets keep their encoded TOA; without the probe nothing reads it */
	unregister_kretprobe(&toa_getname_krp);
	tt_destroy(&toa_syns);
}

module_init(toa_init);
module_exit(toa_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("TOA: the Full-NAT client address for getpeername() and accept()");
