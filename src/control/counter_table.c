/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * counter_table: the counters that the Prometheus text and the telemetry
 * commands both list (counter_table.h). The order here is the order of
 * the metrics families and of the telemetry keys.
 */
#include <stddef.h>

#include "control/counter_table.h"
#include "dpvs/ctl.h"

#define LINK(key, field, metric, help)                                                             \
	{                                                                                          \
		key, metric, "counter", help, offsetof(struct dpvs_link, field), COUNTER_U64, NULL \
	}

const struct counter_def port_counters[] = {
    LINK("rx_packets", rx_packets, "dpvs_port_rx_packets_total",
	 "Frames received (each gets one fate)."),
    LINK("rx_bytes", rx_bytes, "dpvs_port_rx_bytes_total", "Bytes received."),
    LINK("tx_packets", tx_packets, "dpvs_port_tx_packets_total", "Frames sent."),
    LINK("tx_bytes", tx_bytes, "dpvs_port_tx_bytes_total", "Bytes sent."),
    LINK("forwarded", forwarded, "dpvs_port_forwarded_total",
	 "Received frames forwarded (a fate)."),
    LINK("arp_replied", arp_replied, "dpvs_port_arp_replied_total",
	 "Received ARP requests answered (a fate)."),
    LINK("icmp_echo_replied", icmp_echo_replied, "dpvs_port_icmp_echo_replied_total",
	 "Received ICMP echo requests answered (a fate)."),
    LINK("to_kernel", to_kernel, "dpvs_port_to_kernel_total",
	 "Received frames handed to the KNI (a fate)."),
    LINK("kni_rx", kni_rx, "dpvs_port_kni_rx_total",
	 "Frames the KNI interface took (copies included)."),
    LINK("kni_tx", kni_tx, "dpvs_port_kni_tx_total", "Frames the kernel sent out of the port."),
    LINK("hw_rx_packets", hw_ipackets, "dpvs_port_hw_rx_packets_total", "Frames the NIC received."),
    LINK("hw_tx_packets", hw_opackets, "dpvs_port_hw_tx_packets_total", "Frames the NIC sent."),
    LINK("hw_rx_errors", hw_ierrors, "dpvs_port_hw_rx_errors_total",
	 "Receive errors the NIC counted."),
    LINK("hw_tx_errors", hw_oerrors, "dpvs_port_hw_tx_errors_total",
	 "Transmit errors the NIC counted."),
    LINK("hw_rx_missed", hw_imissed, "dpvs_port_hw_rx_missed_total",
	 "Frames the NIC dropped: rx ring full."),
    LINK("hw_rx_nombuf", hw_rx_nombuf, "dpvs_port_hw_rx_nombuf_total",
	 "Receive failures for want of mbufs."),
};
const unsigned n_port_counters = sizeof(port_counters) / sizeof(port_counters[0]);

#define WORKER(key, field, kind, metric, type, help)                                               \
	{                                                                                          \
		key, metric, type, help, offsetof(struct dpvs_worker_stats, field), kind, NULL     \
	}

const struct counter_def worker_counters[] = {
    WORKER("packets", packets, COUNTER_U64, "dpvs_worker_packets_total", "counter",
	   "Frames the worker received from its queues."),
    WORKER("busy_cycles", busy_cycles, COUNTER_U64, "dpvs_worker_busy_cycles_total", "counter",
	   "TSC cycles of loop iterations that moved packets."),
    WORKER("loops", loops, COUNTER_U64, "dpvs_worker_loops_total", "counter", "Loop iterations."),
    WORKER("idle_loops", idle_loops, COUNTER_U64, "dpvs_worker_idle_loops_total", "counter",
	   "Loop iterations without packets."),
    {"cycles_per_packet", "dpvs_worker_cycles_per_packet", "gauge",
     "Busy cycles per packet over the last second.",
     offsetof(struct dpvs_worker_stats, cycles_per_packet), COUNTER_F64, "%.1f"},
    WORKER("packets_per_second", pps, COUNTER_F64, "dpvs_worker_packets_per_second", "gauge",
	   "Packets per second over the last second."),
    WORKER("conns", conns, COUNTER_U32, "dpvs_worker_connections", "gauge",
	   "Live connections (and templates) in the worker's shard."),
    WORKER("conn_max", conn_max, COUNTER_U32, "dpvs_worker_connections_max", "gauge",
	   "Connections the worker's shard holds at most."),
    WORKER("redirected_out", redirected_out, COUNTER_U64, "dpvs_worker_redirected_out_total",
	   "counter", "Frames handed to the worker that owns their connection."),
    WORKER("redirected_in", redirected_in, COUNTER_U64, "dpvs_worker_redirected_in_total",
	   "counter", "Frames taken over from other workers."),
    WORKER("redirect_drops", redirect_drops, COUNTER_U64, "dpvs_worker_redirect_drops_total",
	   "counter", "Frames dropped because the owner's ring was full."),
    WORKER("synp_local", synp_local, COUNTER_U64, "dpvs_worker_synproxy_local_total", "counter",
	   "SYN-proxy SYNs answered by the worker they landed on, not redirected."),
    /* Full-NAT's client address (dpip stats: toa ... pp-noroom) */
    WORKER("toa_added", toa_added, COUNTER_U64, "dpvs_worker_fnat_toa_total", "counter",
	   "Full-NAT TCP segments that carried the client's address (TOA)."),
    WORKER("toa_no_room", toa_no_room, COUNTER_U64, "dpvs_worker_fnat_toa_no_room_total", "counter",
	   "Full-NAT TCP segments without room for TOA (options full, MTU)."),
    WORKER("uoa_added", uoa_added, COUNTER_U64, "dpvs_worker_fnat_uoa_total", "counter",
	   "Full-NAT UDP datagrams that carried the client's address (UOA)."),
    WORKER("uoa_no_room", uoa_no_room, COUNTER_U64, "dpvs_worker_fnat_uoa_no_room_total", "counter",
	   "Full-NAT UDP datagrams without room for UOA (IP options full, MTU)."),
    WORKER("mss_clamped", mss_clamped, COUNTER_U64, "dpvs_worker_fnat_mss_clamped_total", "counter",
	   "Real servers' SYN-ACKs whose MSS was lowered to leave room for the client's address."),
    WORKER("pp_added", pp_added, COUNTER_U64, "dpvs_worker_fnat_proxy_headers_total", "counter",
	   "PROXY protocol headers put in front of a client's data."),
    WORKER("pp_no_room", pp_no_room, COUNTER_U64, "dpvs_worker_fnat_proxy_no_room_total", "counter",
	   "PROXY protocol headers that found no headroom."),
};
const unsigned n_worker_counters = sizeof(worker_counters) / sizeof(worker_counters[0]);

#define STATS(field, suffix, type, svc_help, dest_help)                                            \
	{                                                                                          \
#field, suffix, type, svc_help, dest_help, offsetof(struct dpvs_stats, field)      \
	}

const struct stats_counter_def stats_counters[N_STATS_COUNTERS] = {
    STATS(conns, "connections_total", "counter", "Connections scheduled (ipvsadm --stats Conns).",
	  "Connections scheduled to the real server."),
    STATS(inpkts, "in_packets_total", "counter", "Packets from clients.",
	  "Packets from clients to the real server."),
    STATS(outpkts, "out_packets_total", "counter", "Packets to clients.",
	  "Packets from the real server to clients."),
    STATS(inbytes, "in_bytes_total", "counter", "Bytes from clients.",
	  "Bytes from clients to the real server."),
    STATS(outbytes, "out_bytes_total", "counter", "Bytes to clients.",
	  "Bytes from the real server to clients."),
    STATS(cps, "connections_per_second", "gauge",
	  "New connections per second (LVS 2 s estimator, ipvsadm --rate CPS).",
	  "New connections per second (LVS estimator)."),
    STATS(inpps, "in_packets_per_second", "gauge",
	  "Packets per second from clients (LVS estimator).",
	  "Packets per second from clients (LVS estimator)."),
    STATS(outpps, "out_packets_per_second", "gauge",
	  "Packets per second to clients (LVS estimator).",
	  "Packets per second to clients (LVS estimator)."),
    STATS(inbps, "in_bytes_per_second", "gauge", "Bytes per second from clients (LVS estimator).",
	  "Bytes per second from clients (LVS estimator)."),
    STATS(outbps, "out_bytes_per_second", "gauge", "Bytes per second to clients (LVS estimator).",
	  "Bytes per second to clients (LVS estimator)."),
};
