/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The real server's TOA reader without a kernel module: a sock_ops program
 * on the server's cgroup records, for every passive TCP connection, the
 * client address that Full-NAT put into the SYN's TOA option
 * (include/dpvs/toa.h), in a socket-local storage map. User space asks
 * with the accepted socket's fd as the key (libtoapeer's toa_peer()).
 *
 * Why the saved SYN: BPF_SOCK_OPS_PARSE_HDR_OPT_CB does not run for a
 * listener's incoming SYN, and bpf_load_hdr_opt() cannot search kind 254
 * without a 2- or 4-byte magic (RFC 6994), which the TOA does not have. So
 * the program asks the kernel to keep each SYN's headers (TCP_SAVE_SYN on
 * the listener, at TCP_LISTEN_CB) and walks the options itself when the
 * connection is established. The saved SYN stays with the socket until
 * it closes (or the application reads TCP_SAVED_SYN): about 100 bytes.
 *
 * Listeners opened before the program was attached have no saved SYN:
 * their connections count no-saved-syn; restart such servers.
 * Needs Linux 5.17 or later (bpf_loop, see toa_parse.h).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "toa_map.h"
#include "toa_parse.h"

#define SOL_TCP	     6	/* <netinet/tcp.h> is not for -target bpf */
#define TCP_SAVE_SYN 27 /* <linux/tcp.h> */
#define TCP_HDR_LEN  20

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct toa_peer_val);
} toa_peers SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TOA_STAT_MAX);
	__type(key, uint32_t);
	__type(value, uint64_t);
} toa_stats SEC(".maps");

static __always_inline void count(uint32_t stat)
{
	uint64_t *c = bpf_map_lookup_elem(&toa_stats, &stat);

	if (c)
		__sync_fetch_and_add(c, 1);
}

static long walk_step(uint32_t idx, void *ctx)
{
	(void)idx;
	return toa_walk_step(ctx);
}

static __always_inline void read_saved_syn(struct bpf_sock_ops *skops)
{
	/* the SYN's TCP header lands in front of the walk's option buffer:
	 * 20 bytes, then up to 40 option bytes, the rest of opts zeroed */
	struct {
		uint8_t tcp[TCP_HDR_LEN];
		struct toa_walk w;
	} syn = {};
	struct toa_peer_val val = {};
	struct bpf_sock *sk;
	int len;

	len = bpf_getsockopt(skops, SOL_TCP, TCP_BPF_SYN, &syn, TCP_HDR_LEN + sizeof(syn.w.opts));
	if (len < TCP_HDR_LEN) {
		count(TOA_STAT_NO_SYN);
		return;
	}
	syn.w.len = (uint32_t)len - TCP_HDR_LEN;
	syn.w.kind = TOA_KIND;
	syn.w.result = TOA_ABSENT;
	/* one more step than options: the last one says "absent" */
	bpf_loop(TOA_OPT_SPACE + 1, walk_step, &syn.w, 0);
	if (syn.w.result != TOA_FOUND) {
		count(syn.w.result == TOA_MALFORMED ? TOA_STAT_MALFORMED : TOA_STAT_ABSENT);
		return;
	}
	val.port = syn.w.port;
	val.addr = syn.w.addr;
	sk = skops->sk;
	if (!sk || !bpf_sk_storage_get(&toa_peers, sk, &val, BPF_SK_STORAGE_GET_F_CREATE)) {
		count(TOA_STAT_NO_STORAGE);
		return;
	}
	count(TOA_STAT_FOUND);
}

SEC("sockops")
int toa_reader(struct bpf_sock_ops *skops)
{
	int one = 1;

	switch (skops->op) {
	case BPF_SOCK_OPS_TCP_LISTEN_CB:
		if (bpf_setsockopt(skops, SOL_TCP, TCP_SAVE_SYN, &one, sizeof(one)))
			count(TOA_STAT_LISTEN_FAILED);
		break;
	case BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB:
		read_saved_syn(skops);
		break;
	}
	return 1;
}
