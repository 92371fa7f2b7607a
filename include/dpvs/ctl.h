/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control protocol between the dpvs daemon and its tools (dpip,
 * ipvsadm), spoken over a UNIX stream socket.
 *
 * Every message, request or reply, is one fixed header followed by `len`
 * bytes of payload. Integers in headers and payload structs are in host
 * byte order (both ends are on the same machine); addresses and ports are
 * in network byte order, as everywhere in dpvs.
 *
 * A request carries a type and a payload whose layout the type fixes. The
 * reply carries the same type and seq, a status (0 or a negative errno) and
 * either the reply payload (status 0) or a NUL-terminated human message
 * (status < 0). Messages are bounded by DPVS_CTL_MAX_PAYLOAD; the daemon
 * answers any malformed, truncated, oversized or unknown message with an
 * error and goes on.
 *
 * EOPNOTSUPP in a reply means "valid as LVS sees it, but this daemon
 * does not serve it" (an IPv4/IPv6 tunnel, a weight above 65535, ...):
 * tools print the daemon's message then, never a kernel-style text.
 *
 * Versioning: `version` is DPVS_CTL_VERSION. The daemon refuses other
 * versions with -EPROTO, so old tools fail loudly instead of misreading.
 */
#ifndef DPVS_CTL_H
#define DPVS_CTL_H

#include <stdint.h>
#include "dpvs/common.h"

#define DPVS_CTL_MAGIC 0x53565044u /* "DPVS" little-endian */
/* 5: ipv6-not-forwarded, STATS' dpvs_ipvs_limits; 6: DoS defences
 * (DEFENSE_*), drop-packet and tcp-rst-sent, CHECK_SHOW; 7: the worker
 * stats' Full-NAT client-address counters; 8: vlan-other, vlan-tx, the
 * link's vlan, connection sync (SYNC_*), sctp-not-init; 9: the SYN proxy (its service flag, synproxy-bad-cookie
 * and synproxy-absorbed, the worker stats' synp_* counters); 10: the worker
 * stats' synp_local */
#define DPVS_CTL_VERSION 10
#define DPVS_CTL_MAX_PAYLOAD (4u << 20) /* 4 MiB: a big conn listing page */
#define DPVS_CTL_DEFAULT_SOCK "/run/dpvs/dpvs.sock"
#define DPVS_CTL_SOCK_ENV "DPVS_SOCK"
#define DPVS_CTL_ERRMSG_MAX 512

struct dpvs_ctl_hdr {
	uint32_t magic;
	uint16_t version;
	uint16_t type;   /* enum dpvs_msg_type */
	uint32_t len;    /* payload bytes after this header */
	uint32_t seq;    /* echoed in the reply */
	int32_t status;  /* replies: 0 or -errno; requests: 0 */
	uint32_t flags;  /* per-type flags (DPVS_F_*) */
};

enum dpvs_msg_type {
	DPVS_MSG_NONE = 0,
	/* daemon */
	DPVS_MSG_PING = 1,          /* -> struct dpvs_info */
	DPVS_MSG_CONFIG_RELOAD = 2, /* -> text report (NUL-terminated) */
	DPVS_MSG_STATS = 3,         /* -> dpvs_list + dpvs_worker_stats[] */
	DPVS_MSG_BATCH = 5,         /* requests back to back -> dpvs_batch_reply + replies */
	/* links */
	DPVS_MSG_LINK_SHOW = 10,    /* -> dpvs_list + dpvs_link[] */
	DPVS_MSG_LINK_SET = 11,     /* struct dpvs_link_set */
	/* addresses */
	DPVS_MSG_ADDR_ADD = 20,     /* struct dpvs_addr */
	DPVS_MSG_ADDR_DEL = 21,     /* struct dpvs_addr */
	DPVS_MSG_ADDR_SHOW = 22,    /* -> dpvs_list + dpvs_addr[] */
	/* routes */
	DPVS_MSG_ROUTE_ADD = 30,    /* struct dpvs_route */
	DPVS_MSG_ROUTE_DEL = 31,    /* struct dpvs_route */
	DPVS_MSG_ROUTE_SHOW = 32,   /* -> dpvs_list + dpvs_route[] */
	/* neighbours */
	DPVS_MSG_NEIGH_ADD = 40,    /* struct dpvs_neigh */
	DPVS_MSG_NEIGH_DEL = 41,    /* struct dpvs_neigh */
	DPVS_MSG_NEIGH_SHOW = 42,   /* -> dpvs_list + dpvs_neigh[] */
	/* IPVS (ipvsadm) */
	DPVS_MSG_SVC_ADD = 60,      /* struct dpvs_svc */
	DPVS_MSG_SVC_EDIT = 61,     /* struct dpvs_svc */
	DPVS_MSG_SVC_DEL = 62,      /* struct dpvs_svc (key fields) */
	DPVS_MSG_SVC_FLUSH = 63,    /* no payload */
	DPVS_MSG_SVC_LIST = 64,     /* optional dpvs_svc key -> dpvs_list + entries */
	DPVS_MSG_DEST_ADD = 65,     /* struct dpvs_dest_req */
	DPVS_MSG_DEST_EDIT = 66,    /* struct dpvs_dest_req */
	DPVS_MSG_DEST_DEL = 67,     /* struct dpvs_dest_req */
	DPVS_MSG_ZERO = 68,         /* optional dpvs_svc key; none = all */
	DPVS_MSG_TIMEOUT_SET = 69,  /* struct dpvs_timeouts (0 = unchanged) */
	DPVS_MSG_TIMEOUT_GET = 70,  /* -> struct dpvs_timeouts */
	DPVS_MSG_CONN_LIST = 71,    /* struct dpvs_conn_query -> dpvs_list + dpvs_conn[],
	                               or by pages (DPVS_MSG_F_CONN_PAGE) */
	/* Full-NAT local addresses (ipvsadm --add-laddr/--del-laddr/--get-laddr) */
	DPVS_MSG_LADDR_ADD = 75,    /* struct dpvs_laddr_req */
	DPVS_MSG_LADDR_DEL = 76,    /* struct dpvs_laddr_req */
	DPVS_MSG_LADDR_GET = 77,    /* optional dpvs_svc key -> dpvs_list + dpvs_laddr_entry[] */
	/* fwmark classifier (dpip fwmark) */
	DPVS_MSG_FWMARK_ADD = 80,   /* struct dpvs_fwmark_rule */
	DPVS_MSG_FWMARK_DEL = 81,   /* struct dpvs_fwmark_rule (all fields but packets) */
	DPVS_MSG_FWMARK_SHOW = 82,  /* -> dpvs_list + dpvs_fwmark_rule[] */
	/* packet capture (dpip capture) */
	DPVS_MSG_CAPTURE_START = 90, /* struct dpvs_capture_start -> dpvs_capture_info */
	DPVS_MSG_CAPTURE_STOP = 91,  /* no payload -> dpvs_capture_info */
	DPVS_MSG_CAPTURE_SHOW = 92,  /* no payload -> dpvs_capture_info */
	/* health checks (dpip check show): optional check name (char[64])
	 * -> dpvs_list + dpvs_check_entry[] (include/dpvs/health.h) */
	DPVS_MSG_CHECK_SHOW = 95,
	/* DoS defences (dpip defense) */
	DPVS_MSG_DEFENSE_GET = 96,  /* no payload -> struct dpvs_defense_info */
	DPVS_MSG_DEFENSE_SET = 97,  /* struct dpvs_defense (the fields in mask) */
	/* connection sync (ipvsadm --start-daemon/--stop-daemon/-L --daemon, dpip sync) */
	DPVS_MSG_SYNC_START = 100,   /* struct dpvs_sync_daemon */
	DPVS_MSG_SYNC_STOP = 101,    /* struct dpvs_sync_daemon (state, syncid) */
	DPVS_MSG_SYNC_GET = 102,     /* no payload -> dpvs_list + dpvs_sync_daemon[] */
	DPVS_MSG_SYNC_STATS = 103,   /* no payload -> dpvs_list + dpvs_sync_counter[] */
	DPVS_MSG_MAX
};

/*
 * BATCH: several requests in one message, as ipvsadm -R sends its lines.
 * The payload is requests back to back, each a struct dpvs_ctl_hdr and
 * its payload exactly as on the socket. The daemon runs them in order, as
 * if they had come one by one, and publishes their changes together once
 * at the end (one new IPVS snapshot, not one per request). The reply is
 * a struct dpvs_batch_reply and then, for each request run, its reply
 * (header and payload, an error message when its status is < 0), in
 * order. `done` may be less than the requests sent when the reply filled
 * up: the client sends the rest again. A malformed batch (a header that
 * cannot be trusted, a length past the payload) runs nothing. A request
 * whose reply would be a listing gets E2BIG, and a BATCH in a BATCH
 * EINVAL: send those alone.
 */
struct dpvs_batch_reply {
	uint32_t done;
	uint32_t pad;
};

/* Replies that are arrays start with this, then `count` entries. */
struct dpvs_list {
	uint32_t count;
	uint32_t entry_size; /* sizeof the entry struct, checked by the tools */
};

struct dpvs_info {
	char version[32];
	uint32_t nports;
	uint32_t nworkers;
	uint64_t uptime_sec;
	uint32_t conn_tab_size; /* max connections per worker */
	uint32_t pid;
};

/* ---- links and counters ---- */

/*
 * Why a packet was dropped. The same list names the counters in
 * `dpip -s link show` and in the daemon's code: add a reason here only.
 */
#define DPVS_DROP_REASONS(X)                                           \
	X(L2_SHORT, "l2-short")          /* frame shorter than Ethernet */ \
	X(L2_NOT_FOR_US, "l2-not-for-us") /* unicast to another MAC */     \
	X(L2_BAD_SRC, "l2-bad-src")      /* broadcast/multicast source */  \
	X(L2_UNKNOWN_PROTO, "l2-unknown-proto")                             \
	X(ARP_SHORT, "arp-short")                                           \
	X(ARP_BAD, "arp-bad")            /* not Ethernet/IPv4 ARP */        \
	X(ARP_NOT_FOR_US, "arp-not-for-us")                                 \
	X(IP_SHORT, "ip-short")          /* shorter than an IPv4 header */  \
	X(IP_BAD_VERSION, "ip-bad-version")                                 \
	X(IP_BAD_IHL, "ip-bad-ihl")                                         \
	X(IP_BAD_LEN, "ip-bad-len")      /* total length vs frame */        \
	X(IP_BAD_CSUM, "ip-bad-csum")                                       \
	X(IP_TTL, "ip-ttl-expired")                                         \
	X(IP_FRAG, "ip-fragment")        /* no reassembly: policy drop */   \
	X(IP_OPTIONS, "ip-options")                                         \
	X(IP_BAD_SRC, "ip-bad-src")      /* broadcast/multicast/own src */  \
	X(IP_NO_ROUTE, "ip-no-route")                                       \
	X(IP_NOT_LOCAL, "ip-not-local")  /* not ours, not IPVS: no forwarding */ \
	X(IP_TOO_BIG, "ip-too-big")      /* exceeds the MTU, DF set: ICMP sent */ \
	X(ICMP_BAD, "icmp-bad")                                             \
	X(NEIGH_QUEUE_FULL, "neigh-queue-full")                             \
	X(NEIGH_UNRESOLVED, "neigh-unresolved")                             \
	X(KNI_FULL, "kni-full")                                             \
	X(KNI_OFF, "kni-off")            /* local but no KNI on the port */ \
	X(TX_FULL, "tx-full")                                               \
	X(NO_MBUF, "no-mbuf")                                               \
	X(L4_SHORT, "l4-short")                                             \
	X(L4_BAD_CSUM, "l4-bad-csum")                                       \
	X(CONN_FULL, "conn-table-full")                                     \
	X(CONN_NO_DEST, "no-dest")       /* service has no usable dest */   \
	X(CONN_NOT_SYN, "tcp-not-syn")   /* new TCP flow without SYN */     \
	X(CONN_STRAY_REPLY, "stray-reply")                                  \
	X(LINK_DOWN, "link-down")        /* out of a port set down */     \
	X(LOCAL_NO_MBUF, "local-no-mbuf") /* no mbuf for a packet of our own */ \
	X(REDIRECT_FULL, "redirect-full") /* the owning worker's ring is full */ \
	X(NO_SRC_ADDR, "no-src-addr")    /* no address to be a tunnel's outer source */ \
	X(FNAT_NO_LADDR, "fnat-no-laddr") /* Full-NAT service without a local address */ \
	X(FNAT_NO_PORT, "fnat-no-port")  /* every local port of every LIP in use */ \
	X(IPV6_NOT_FORWARDED, "ipv6-not-forwarded") /* IPv6: services are configuration only */ \
	X(DEFENSE_DROP, "drop-packet")   /* [defense] drop_packet: a new flow dropped */ \
	X(TCP_RST_SENT, "tcp-rst-sent")  /* new TCP flow without SYN, answered with an RST */ \
	X(VLAN_OTHER, "vlan-other")      /* on a VLAN port: untagged or another VLAN */ \
	X(VLAN_TX, "vlan-tx")            /* leaving a VLAN port: no room for the tag */ \
	X(SCTP_NOT_INIT, "sctp-not-init") /* new SCTP association without INIT */ \
	X(SYNP_BAD_COOKIE, "synproxy-bad-cookie") /* an ACK whose cookie fails */ \
	X(SYNP_ABSORBED, "synproxy-absorbed") /* client segment before the real server answered */ \
	X(FNAT_LIP_ABSENT, "fnat-lip-absent") /* a synced Full-NAT conn whose LIP is not ours (yet) */

enum dpvs_drop_reason {
#define DPVS_DROP_ENUM(id, name) DPVS_DROP_##id,
	DPVS_DROP_REASONS(DPVS_DROP_ENUM)
#undef DPVS_DROP_ENUM
	DPVS_DROP_MAX
};

/*
 * Fates add up. Every frame a port receives ends, on that port's
 * counters, in exactly one of: forwarded, arp_replied, icmp_echo_replied,
 * to_kernel, or a drop whose reason is a receive-side one; so
 *   rx_packets == forwarded + arp_replied + icmp_echo_replied + to_kernel
 *                 + sum of drops[r] with dpvs_drop_is_rx_fate(r).
 * The other reasons count losses after a frame got its fate, on the port
 * it was leaving by (a full tx ring or TAP, a port set down), or packets
 * of the daemon's own (ARP probes, copies for the kernel) that never
 * were received.
 */
static inline int dpvs_drop_is_rx_fate(enum dpvs_drop_reason r)
{
	return r != DPVS_DROP_TX_FULL && r != DPVS_DROP_KNI_FULL && r != DPVS_DROP_LINK_DOWN &&
	       r != DPVS_DROP_LOCAL_NO_MBUF && r != DPVS_DROP_VLAN_TX;
}

/* Index -> user-visible name; defined in tools/lib and in the daemon. */
extern const char *const dpvs_drop_names[DPVS_DROP_MAX];

#define DPVS_LINK_F_UP 0x1       /* administratively up (dpip link set NAME up) */
#define DPVS_LINK_F_PROMISC 0x2
#define DPVS_LINK_F_KNI 0x4
#define DPVS_LINK_F_LOWER_UP 0x8 /* the device reports carrier */

struct dpvs_link {
	char ifname[DPVS_IFNAMSIZ];
	char kni_name[DPVS_IFNAMSIZ]; /* empty when kni is off */
	char device[128];             /* PCI address or vdev spec */
	char driver[32];
	struct dpvs_mac mac;
	uint16_t port_id;
	uint32_t flags; /* DPVS_LINK_F_* */
	uint32_t mtu;
	uint32_t rx_queues, tx_queues;
	uint32_t link_speed; /* Mbit/s, 0 unknown */
	uint32_t vlan;       /* the port's 802.1Q VLAN ([port] vlan), 0 none */
	/* software counters, summed over workers */
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes;
	uint64_t kni_rx, kni_tx; /* the TAP took (copies included) / from the kernel */
	uint64_t arp_replied, icmp_echo_replied, forwarded;
	uint64_t to_kernel; /* received frames handed to the KNI (a fate) */
	uint64_t drops[DPVS_DROP_MAX];
	/* hardware (PMD) counters */
	uint64_t hw_ipackets, hw_opackets, hw_ierrors, hw_oerrors, hw_imissed, hw_rx_nombuf;
};

/* dpip link set NAME up|down. Down: the workers neither poll the port
 * nor send on it (frames routed out of it count link-down) from the moment
 * the reply comes; up: they take it back. The device itself is left as it
 * is, so a peer (memif, vhost) may come and go while the port is down. */
struct dpvs_link_set {
	char ifname[DPVS_IFNAMSIZ];
	uint32_t up; /* 1 up, 0 down */
};

struct dpvs_worker_stats {
	uint32_t lcore_id;
	uint32_t cpu;
	uint64_t loops, idle_loops, packets;
	uint64_t busy_cycles; /* TSC cycles spent on bursts with packets */
	uint64_t tsc_hz;
	/* last interval (about 1 s) measured by the control thread */
	double cycles_per_packet;
	double pps;
	uint32_t conns; /* live connections in this worker's shard */
	uint32_t conn_max;
	/* hugepage bytes reserved per connection slot: the pool element with
	 * its header plus its share of the hash buckets */
	uint32_t conn_bytes;
	/* the most nodes a new conn's bucket held (with it): what a worker
	 * walks for a lookup there; the keyed hash keeps it short */
	uint32_t chain_max;
	/* several workers: packets handed to their owner, taken from
	 * another worker, dropped because the owner's ring was full */
	uint64_t redirected_out, redirected_in, redirect_drops;
	/* Full-NAT's client address (TOA, UOA): packets that carried it,
	 * packets without room for it, SYN-ACK MSS options lowered for it */
	uint64_t toa_added, toa_no_room, uoa_added, uoa_no_room, mss_clamped;
	uint64_t pp_added, pp_no_room; /* PROXY headers, and those without headroom */
	/* the SYN proxy (dpip -s stats): SYN-ACKs with a cookie, ACKs whose
	 * cookie passed or failed, conns spliced to their real server,
	 * client data held until then and held data lost (no room, no
	 * mbuf, expired), real servers' refusals passed to the client as
	 * an RST, SYNs sent again, real servers' SYN-ACKs answered again */
	uint64_t synp_cookies_sent, synp_cookies_valid, synp_cookies_bad, synp_spliced;
	uint64_t synp_held, synp_held_lost, synp_rs_refused, synp_syn_resent,
		synp_synack_reacked;
	/* several workers: SYNs to a SYN-proxy service answered with their
	 * cookie by the worker they landed on, not handed to their owner */
	uint64_t synp_local;
};

/* STATS: after the workers' list (count x entry_size), the limits of
 * the IPVS tables: sized at start from [pool] svc_max/dest_max, or from
 * the hugepage memory left when those are 0 (the default). */
#define DPVS_LIMITS_F_SVC_MEM 0x1  /* svc_max came from memory */
#define DPVS_LIMITS_F_DEST_MEM 0x2 /* dest_max came from memory */
struct dpvs_ipvs_limits {
	uint32_t svc_max, dest_max; /* services; real servers of all services */
	uint32_t svcs, dests;       /* ids held now (removed ones with conns too) */
	uint32_t svc_bytes, dest_bytes; /* hugepage bytes an id holds, all workers */
	uint32_t from_memory;       /* DPVS_LIMITS_F_* */
	uint32_t pad;
};

/* ---- addresses, routes, neighbours (dpip) ---- */

#define DPVS_ADDR_F_VIP 0x1 /* added for a service: ARP answered, no KNI */
/* a Full-NAT local address of some service (ipvsadm --add-laddr sets and
 * clears it, not dpip): replies to it are steered by their port */
#define DPVS_ADDR_F_LIP 0x2

struct dpvs_addr {
	char ifname[DPVS_IFNAMSIZ];
	uint8_t family; /* AF_INET (AF_INET6 later) */
	uint8_t prefixlen;
	uint16_t flags;
	union inet_addr addr;
};

#define DPVS_ROUTE_F_CONNECTED 0x1 /* derived from an address */

struct dpvs_route {
	char ifname[DPVS_IFNAMSIZ];
	uint8_t family;
	uint8_t prefixlen;
	uint16_t flags;
	union inet_addr dst;
	union inet_addr gateway; /* all zero: on-link */
	union inet_addr src;     /* preferred source, zero = from the port */
	uint32_t metric;
};

enum dpvs_neigh_state {
	DPVS_NEIGH_INCOMPLETE = 0,
	DPVS_NEIGH_REACHABLE = 1,
	DPVS_NEIGH_STALE = 2,
	DPVS_NEIGH_PERMANENT = 3, /* static */
};

struct dpvs_neigh {
	char ifname[DPVS_IFNAMSIZ];
	uint8_t family;
	uint8_t state; /* enum dpvs_neigh_state */
	uint16_t queued; /* packets waiting for resolution */
	union inet_addr addr;
	struct dpvs_mac mac;
	uint32_t age_sec; /* since last confirmed */
};

/* ---- IPVS ---- */

#define DPVS_SCHED_NAME_MAX 16
#define DPVS_PE_NAME_MAX 16

/* Forwarding methods, numbered as IP_VS_CONN_F_* in the kernel. */
enum dpvs_fwd {
	DPVS_FWD_MASQ = 0,   /* -m NAT */
	DPVS_FWD_LOCAL = 1,
	DPVS_FWD_TUNNEL = 2, /* -i */
	DPVS_FWD_DROUTE = 3, /* -g (ipvsadm's default) */
	DPVS_FWD_FULLNAT = 5,
};
/* the forwarding method's bits in struct dpvs_dest's conn_flags */
#define DPVS_FWD_MASK 0x7

/* Tunnel encapsulations of -i dests, numbered as the kernel's
 * IP_VS_CONN_F_TUNNEL_TYPE_* (ipvsadm --tun-type). */
enum dpvs_tun_type {
	DPVS_TUN_IPIP = 0, /* IPv4 in IPv4 (protocol 4) */
	DPVS_TUN_GUE = 1,  /* Generic UDP Encapsulation: UDP to tun_port, GUE header */
	DPVS_TUN_GRE = 2,  /* GRE (protocol 47), EtherType IPv4 */
};

/* Their flags, as the kernel's IP_VS_TUNNEL_ENCAP_FLAG_* (0 = no
 * checksum: --tun-nocsum, the default). */
#define DPVS_TUN_F_CSUM 0x1    /* --tun-csum: GUE's UDP / GRE's checksum */
#define DPVS_TUN_F_REMCSUM 0x2 /* --tun-remcsum (GUE only) */

/* Service flags, numbered as the kernel's IP_VS_SVC_F_*. */
#define DPVS_SVC_F_PERSISTENT 0x0001
#define DPVS_SVC_F_HASHED 0x0002
#define DPVS_SVC_F_ONEPACKET 0x0004
#define DPVS_SVC_F_SCHED1 0x0008 /* flag-1 = sh-fallback = mh-fallback */
#define DPVS_SVC_F_SCHED2 0x0010 /* flag-2 = sh-port = mh-port */
#define DPVS_SVC_F_SCHED3 0x0020
/* DPVS's --proxy-protocol v1|v2 (Full-NAT dests): the PROXY header of
 * haproxy's proxy-protocol.txt in front of what the client sends */
#define DPVS_SVC_F_PP_V1 0x0100
#define DPVS_SVC_F_PP_V2 0x0200
#define DPVS_SVC_F_PP (DPVS_SVC_F_PP_V1 | DPVS_SVC_F_PP_V2)
/* DPVS's SYN proxy (ipvsadm --synproxy enable|disable; its ipvsadm's -j):
 * the balancer answers the SYN with a cookie and opens the connection to
 * the real server only for a client that completed the handshake. TCP,
 * NAT real servers, no persistence (src/ipvs/synproxy.h). DPVS numbers it
 * 0x0008, which is the kernel's SCHED1 here. */
#define DPVS_SVC_F_SYNPROXY 0x0400

/* Counters as ipvsadm --stats/--rate show them. */
struct dpvs_stats {
	uint64_t conns, inpkts, outpkts, inbytes, outbytes;
	/* rates (per second), estimated over 2 s as in LVS */
	uint64_t cps, inpps, outpps, inbps, outbps;
};

/*
 * A virtual service. Keyed by (af, protocol, addr, port) or by fwmark
 * when fwmark != 0.
 */
struct dpvs_svc {
	uint16_t af;
	uint16_t protocol; /* IPPROTO_TCP / IPPROTO_UDP; 0 for fwmark */
	union inet_addr addr;
	uint16_t port; /* network order */
	uint16_t pad;
	uint32_t fwmark;
	char sched_name[DPVS_SCHED_NAME_MAX];
	char pe_name[DPVS_PE_NAME_MAX];
	uint32_t flags;   /* DPVS_SVC_F_* */
	uint32_t timeout; /* persistence timeout, seconds */
	uint32_t netmask; /* v4: mask in network order; v6: prefix length */
	uint32_t num_dests; /* replies */
	struct dpvs_stats stats; /* replies */
};

struct dpvs_dest {
	uint16_t af;
	uint16_t port; /* network order */
	union inet_addr addr;
	uint32_t conn_flags; /* forwarding method: enum dpvs_fwd */
	int32_t weight;
	uint32_t u_threshold, l_threshold;
	/* DPVS_FWD_TUNNEL only (zero otherwise): the encapsulation */
	uint8_t tun_type;  /* enum dpvs_tun_type */
	uint8_t tun_flags; /* DPVS_TUN_F_* */
	uint16_t tun_port; /* network order: GUE's UDP destination port */
	/* replies */
	uint32_t activeconns, inactconns, persistconns;
	struct dpvs_stats stats;
};

struct dpvs_dest_req {
	struct dpvs_svc svc; /* key fields only */
	struct dpvs_dest dest;
};

/* SVC_LIST reply entries: a service, then its dests. */
struct dpvs_svc_entry {
	struct dpvs_svc svc;
	uint32_t ndests;
	uint32_t pad;
	/* followed by ndests x struct dpvs_dest */
};

#define DPVS_MSG_F_SVC_KEY 0x1 /* SVC_LIST/ZERO: payload holds one key */
#define DPVS_MSG_F_SVC_PAGE 0x2 /* SVC_LIST: by pages (struct dpvs_svc_page_req) */

/*
 * SVC_LIST by pages, for listings of any size (100,000 real servers take
 * about 14 MB, over DPVS_CTL_MAX_PAYLOAD): with DPVS_MSG_F_SVC_PAGE the
 * payload is a struct dpvs_svc_page_req (its key counts only with
 * DPVS_MSG_F_SVC_KEY too), and the reply a struct dpvs_svc_page followed
 * by the dpvs_list and entries of an SVC_LIST reply. The first page asks
 * from 0, 0 with version 0; each next one from the reply's next_svc,
 * next_dest with the reply's version, while `more` says there is more.
 * A page may end inside a service's dests: the next page's first entry
 * then continues that service (the request's dest_from is not 0). When
 * services or dests changed between two pages the daemon answers EAGAIN:
 * start over. Without the flag, SVC_LIST answers everything in one reply
 * or EMSGSIZE, never a part.
 */
struct dpvs_svc_page_req {
	struct dpvs_svc key;
	uint32_t svc_from;  /* cursor: where the page starts */
	uint32_t dest_from;
	uint32_t version;   /* 0 on the first page, then the daemon's */
	uint32_t pad;
};

struct dpvs_svc_page {
	uint32_t next_svc;  /* cursor of the next page */
	uint32_t next_dest;
	uint32_t version;   /* of the services listed */
	uint32_t more;      /* 1: ask for the next page */
	/* followed by struct dpvs_list and its entries */
};

/*
 * DoS defences, as LVS's /proc/sys/net/ipv4/vs/ drop_entry, drop_packet
 * and secure_tcp (0 off, 1 and 2 automatic: in force while a worker's
 * table is above threshold percent full, 3 always), am_droprate (one new
 * flow in this many dropped by drop_packet at level 3), pressure
 * eviction (above evict_threshold percent a new flow reclaims a
 * TIME_WAIT, CLOSE or half-open conn; 0 = never) and what an unknown
 * non-SYN TCP segment to a service gets (src/ipvs/defense.h).
 * DEFENSE_SET changes the fields whose DPVS_DEF_F_* bit is in mask.
 */
enum dpvs_unknown_tcp {
	DPVS_UNKNOWN_TCP_DROP = 0, /* dropped, tcp-not-syn */
	DPVS_UNKNOWN_TCP_RST = 1,  /* an RST to the client, tcp-rst-sent */
};

#define DPVS_DEF_F_DROP_ENTRY 0x1
#define DPVS_DEF_F_DROP_PACKET 0x2
#define DPVS_DEF_F_SECURE_TCP 0x4
#define DPVS_DEF_F_THRESHOLD 0x8
#define DPVS_DEF_F_AM_DROPRATE 0x10
#define DPVS_DEF_F_EVICT_THRESHOLD 0x20
#define DPVS_DEF_F_UNKNOWN_TCP 0x40
#define DPVS_DEF_F_ALL 0x7f

struct dpvs_defense {
	uint32_t drop_entry, drop_packet, secure_tcp; /* 0..3 */
	uint32_t threshold;       /* percent of conn_max, 1..100 */
	uint32_t am_droprate;     /* 1.. */
	uint32_t evict_threshold; /* percent, 0 (never) ..100 */
	uint32_t unknown_tcp;     /* enum dpvs_unknown_tcp */
	uint32_t mask;            /* DEFENSE_SET: DPVS_DEF_F_* to change */
};

/* DEFENSE_GET: the settings, where each is in force, what each did
 * (summed over workers) */
struct dpvs_defense_info {
	struct dpvs_defense conf;
	uint32_t nworkers;
	/* workers on which each defence is in force now */
	uint32_t drop_entry_on, drop_packet_on, secure_tcp_on;
	uint64_t entries_dropped; /* conns dropped by drop_entry */
	uint64_t packets_dropped; /* new flows dropped by drop_packet */
	uint64_t evicted;         /* conns reclaimed by pressure eviction */
	uint64_t rst_sent;        /* RSTs sent for unknown non-SYN TCP */
	uint64_t chain_long;      /* new conns into a bucket of 8 nodes or more */
	uint32_t chain_max;       /* the longest such bucket, any worker */
	uint32_t pad;
};

struct dpvs_timeouts {
	uint32_t tcp_timeout;
	uint32_t tcp_fin_timeout;
	uint32_t udp_timeout;
};

/* The TCP states ipvsadm --set does not reach, as DPVS lets one tune
 * them: from the config file's [ipvs] section only (no message yet).
 * Seconds; 0 = leave as is. */
struct dpvs_tcp_state_timeouts {
	uint32_t syn_recv;
	uint32_t time_wait;
	uint32_t close;
	uint32_t close_wait;
	uint32_t last_ack;
};

/* CONN_LIST without DPVS_MSG_F_CONN_PAGE: every conn in one reply (at
 * most `max` of them when max is not 0), or EMSGSIZE when they do not
 * fit in one message; never a silent part. */
struct dpvs_conn_query {
	uint32_t max;    /* at most this many entries; 0: all */
	uint32_t flags;  /* reserved, 0 */
};

#define DPVS_MSG_F_CONN_PAGE 0x4 /* CONN_LIST: by pages (struct dpvs_conn_page_req) */

/*
 * CONN_LIST by pages, for tables of any size (one message holds about
 * 38,800 entries; 10M conns take about 1 GB): with DPVS_MSG_F_CONN_PAGE
 * the payload is a struct dpvs_conn_page_req and the reply a struct
 * dpvs_conn_page followed by the dpvs_list and entries of a CONN_LIST
 * reply. The cursor is a place in the workers' conn tables (a worker,
 * a bucket of its hash table, the conns of that bucket already listed):
 * the first page asks from 0, 0, 0, each next one from the reply's
 * next_* while `more` says there is more (a page may be empty). A page
 * holds whole buckets, unless one bucket alone is bigger than a page, so
 * a conn that lives through the whole listing is listed exactly once;
 * conns made or ended meanwhile may be listed or not (as the kernel's
 * /proc/net/ip_vs_conn). There is no version to check: conns change all
 * the time, a listing is never one instant.
 */
struct dpvs_conn_page_req {
	uint32_t max;    /* entries in this page at most; 0: as many as fit */
	uint32_t worker; /* cursor: where the page starts */
	uint32_t bucket;
	uint32_t skip;
};

struct dpvs_conn_page {
	uint32_t next_worker; /* cursor of the next page */
	uint32_t next_bucket;
	uint32_t next_skip;
	uint32_t more;        /* 1: ask for the next page */
	/* followed by struct dpvs_list and its entries */
};

struct dpvs_conn {
	uint16_t af;
	uint16_t protocol;
	union inet_addr caddr, vaddr, daddr, laddr;
	uint16_t cport, vport, dport, lport; /* network order */
	uint32_t fwmark;
	uint32_t flags;      /* DPVS_CONN_F_* */
	char state[16];      /* "ESTABLISHED", "UDP", ... as ipvsadm -c shows */
	uint32_t expires_sec; /* time left */
	uint32_t lcore_id;
};

#define DPVS_CONN_F_TEMPLATE 0x1000

/*
 * Full-NAT local addresses (LIPs) of a service, as DPVS's ipvsadm manages
 * them: a Full-NAT conn leaves towards its real server from one of them
 * (and a local port), so the real server answers the balancer whatever
 * its routes. A LIP must be one of the daemon's addresses (dpip addr add)
 * and is at most DPVS_LADDR_MAX per service.
 */
#define DPVS_LADDR_MAX 16

struct dpvs_laddr_req {
	struct dpvs_svc svc; /* key fields only */
	uint16_t af;
	uint16_t pad;
	union inet_addr addr;
	char ifname[DPVS_IFNAMSIZ]; /* -F: optional; when given, the port holding addr */
};

/* LADDR_GET entries: one per (service, LIP), services in their listing
 * order, each service's LIPs in the order they were added. A service
 * without LIPs has one entry with af 0 (DPVS lists it with TOTAL 0). */
struct dpvs_laddr_entry {
	struct dpvs_svc svc;  /* key fields */
	uint32_t total;       /* the service's LIPs */
	uint16_t af;          /* 0: the service has none (this entry is its only one) */
	uint16_t pad;
	union inet_addr addr;
	uint64_t conflicts;   /* new conns that found no free local port (fnat-no-port) */
	uint64_t conns;       /* live conns from this LIP */
};

/*
 * A fwmark classifier rule: packets of `protocol` (0: TCP and UDP) to an
 * address in daddr/prefixlen and a destination port in
 * [dport_min, dport_max] get mark `mark`; the first matching rule wins,
 * in the order the rules were added. There is no iptables in front of a
 * DPDK port, so this is what marks packets for fwmark services (-f).
 */
struct dpvs_fwmark_rule {
	uint8_t family;    /* AF_INET */
	uint8_t protocol;  /* IPPROTO_TCP, IPPROTO_UDP, or 0 for both */
	uint8_t prefixlen; /* 0..32 */
	uint8_t pad;
	union inet_addr daddr;          /* network order, host bits zero */
	uint16_t dport_min, dport_max;  /* host order, inclusive */
	uint32_t mark;                  /* 1..UINT32_MAX */
	uint64_t packets;               /* replies: packets marked by this rule */
};

/*
 * Packet capture (dpip capture): copies of what ports receive and send,
 * filtered with tcpdump's language, written by the daemon into a pcap
 * file that tcpdump and wireshark read. One capture at a time; it ends
 * with CAPTURE_STOP, after `count` frames, or when the daemon stops.
 */
#define DPVS_CAPTURE_RX 0x1
#define DPVS_CAPTURE_TX 0x2
#define DPVS_CAPTURE_FILTER_MAX 1024
#define DPVS_CAPTURE_PATH_MAX 256
#define DPVS_CAPTURE_ANY "any" /* ifname: every port */

struct dpvs_capture_start {
	char ifname[DPVS_IFNAMSIZ];            /* a port, or "any" */
	uint32_t dirs;                         /* DPVS_CAPTURE_RX | DPVS_CAPTURE_TX */
	uint32_t snaplen;                      /* bytes kept per frame; 0 = default */
	uint64_t count;                        /* frames; 0 = until stopped */
	char filter[DPVS_CAPTURE_FILTER_MAX];  /* tcpdump expression; "" = all */
	char file[DPVS_CAPTURE_PATH_MAX];      /* absolute path the daemon writes */
};

enum dpvs_capture_state {
	DPVS_CAPTURE_NONE = 0,    /* none since the daemon started */
	DPVS_CAPTURE_RUNNING = 1,
	DPVS_CAPTURE_STOPPED = 2, /* the last one; why in stop_reason */
};

struct dpvs_capture_info {
	uint32_t state; /* enum dpvs_capture_state */
	uint32_t dirs;
	uint32_t snaplen;
	uint32_t pad;
	uint64_t count;
	char ifname[DPVS_IFNAMSIZ];
	char engine[16];          /* the filter ran as: ebpf-jit, ebpf, cbpf, none */
	char stop_reason[64];
	char filter[DPVS_CAPTURE_FILTER_MAX];
	char file[DPVS_CAPTURE_PATH_MAX];
	uint64_t seen;      /* frames of the captured ports and directions */
	uint64_t matched;   /* of those, the filter took */
	uint64_t captured;  /* copied into the workers' rings */
	uint64_t written;   /* written into the file */
	uint64_t ring_full; /* matched but a ring was full: copy lost (never the frame) */
	uint64_t refused;   /* CAPTURE_START requests refused since start */
};

/*
 * Connection sync daemons, as LVS's (ipvsadm --start-daemon): at most one
 * master (sends the conns this director makes) and one backup (installs
 * what a master sends), each with its own multicast settings. On START a
 * field left 0 takes LVS's default (mcast_ifn "" is refused: ipvsadm
 * fills in eth0); SYNC_GET answers them filled in, the master first.
 */
#define DPVS_SYNC_MASTER 1
#define DPVS_SYNC_BACKUP 2

struct dpvs_sync_daemon {
	uint32_t state;                 /* DPVS_SYNC_MASTER or DPVS_SYNC_BACKUP */
	char mcast_ifn[DPVS_IFNAMSIZ];  /* a port's KNI (or the port's name) */
	uint32_t syncid;                /* 0..255 */
	uint32_t sync_maxlen;           /* bytes of a message; 0: from the MTU */
	uint16_t mcast_af;              /* 0: default group 224.0.0.81 */
	uint16_t mcast_port;            /* host order; 0: 8848 */
	uint8_t mcast_ttl;              /* 0: 1 */
	uint8_t pad[3];
	union inet_addr mcast_group;
};

/* SYNC_STATS entries: one named counter each (dpip sync prints them). */
struct dpvs_sync_counter {
	char name[32];
	uint64_t value;
};

#endif /* DPVS_CTL_H */
