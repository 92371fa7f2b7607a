/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * uoa.ko's interface for UDP servers behind a Full-NAT balancer: ask the
 * client address of a datagram's flow with getsockopt().
 *
 *     struct uoa_lookup q = { 0 };
 *     socklen_t len = sizeof(q);
 *     n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fromlen);
 *     q.saddr = from.sin_addr.s_addr;  q.sport = from.sin_port;  // the balancer's LIP
 *     q.daddr = local.sin_addr.s_addr; q.dport = local.sin_port; // this socket's address
 *     if (getsockopt(fd, IPPROTO_IP, UOA_SO_GET_LOOKUP, &q, &len) == 0)
 *             client = q.real_saddr, q.real_sport;
 *     // errno ENOENT: the flow carried no UOA (a direct client)
 *
 * `local` is where the datagram was sent: for a socket bound to one
 * address, daddr may be 0 (that address); a socket bound to 0.0.0.0
 * must name it (IP_PKTINFO gives it; EINVAL without). A socket learns
 * only about datagrams sent to it, its port and address (EPERM
 * otherwise). Replies still go to `from`: the balancer maps them back to
 * the client.
 */
#ifndef DPVS_UOA_H
#define DPVS_UOA_H

#include <linux/types.h>

#define UOA_SO_BASE	  2048
#define UOA_SO_GET_LOOKUP (UOA_SO_BASE + 1)
#define UOA_SO_GET_MAX	  (UOA_SO_BASE + 2)

struct uoa_lookup {
	/* in: the flow as the server sees it, network order */
	__be32 saddr; /* the datagram's source (the balancer's local address) */
	__be32 daddr; /* where it was sent (0: the socket's bound address) */
	__be16 sport;
	__be16 dport;
	/* out: the client the UOA option named */
	__be32 real_saddr;
	__be16 real_sport;
	__u16 pad;
};

#endif /* DPVS_UOA_H */
