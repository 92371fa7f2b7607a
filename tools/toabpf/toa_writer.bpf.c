/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * A TOA writer for testing real servers without the balancer: on a
 * client's cgroup, every SYN that leaves a socket of the cgroup carries a
 * TOA (include/dpvs/toa.h) claiming the address in the claim map, as
 * Full-NAT's SYN would. `toa-peer claim` attaches it; the lab test uses it
 * to check the reader against a real kernel handshake.
 *
 * The kernel asks how many option bytes to reserve (HDR_OPT_LEN_CB) and
 * then lets the program write them (WRITE_HDR_OPT_CB), for each segment,
 * once a connecting socket has asked for these callbacks.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "dpvs/toa.h"
#include "toa_map.h"

#define TCPHDR_SYN 0x02
#define TCPHDR_ACK 0x10

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, uint32_t);
	__type(value, struct toa_claim);
} toa_claim SEC(".maps");

static __always_inline int pure_syn(const struct bpf_sock_ops *skops)
{
	return (skops->skb_tcp_flags & (TCPHDR_SYN | TCPHDR_ACK)) == TCPHDR_SYN;
}

SEC("sockops")
int toa_writer(struct bpf_sock_ops *skops)
{
	uint32_t zero = 0;
	struct toa_claim *c = bpf_map_lookup_elem(&toa_claim, &zero);
	struct toa_opt opt = {.kind = TOA_KIND, .len = TOA_LEN};

	if (!c || !c->set)
		return 1;
	switch (skops->op) {
	case BPF_SOCK_OPS_TCP_CONNECT_CB:
		bpf_sock_ops_cb_flags_set(skops, skops->bpf_sock_ops_cb_flags |
						     BPF_SOCK_OPS_WRITE_HDR_OPT_CB_FLAG);
		break;
	case BPF_SOCK_OPS_HDR_OPT_LEN_CB:
		if (pure_syn(skops))
			bpf_reserve_hdr_opt(skops, TOA_LEN, 0);
		break;
	case BPF_SOCK_OPS_WRITE_HDR_OPT_CB:
		if (pure_syn(skops)) {
			opt.port = c->port;
			opt.addr = c->addr;
			bpf_store_hdr_opt(skops, &opt, sizeof(opt), 0);
		}
		break;
	}
	return 1;
}
