#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Writes the seed corpus of fuzz_ipvs_path (test/fuzz/corpus/ipvs_path/).

An input is up to 8 records "flags tmpl off n trim data[n]" (see the top
of fuzz_ipvs_path.c): a template frame, data XORed into it at off, trim
bytes cut off its end, and flags (0x01 other port, 0x02 fix the IP length,
0x04 fix the IP checksum, 0x08 fix the L4 checksum, 0x10 advance the
clock, 0x20 NIC checked the IP checksum, 0x40 flush after it).

    test/fuzz/gen_ipvs_path_corpus.py [DIR]
"""
import os
import sys

FIX = 0x02 | 0x04 | 0x08
ETH, IP = 14, 20
TCP_CSUM = ETH + IP + 16
TCP_FLAGS = ETH + IP + 13
TCP_DOFF = ETH + IP + 12
IP_FRAG = ETH + 6


def rec(tmpl, flags=FIX, off=0, data=b"", trim=0):
    return bytes([flags, tmpl, off, len(data), trim]) + data


SEEDS = {
    # each template as it is: client packets, replies, ICMP errors, ...
    "tcp_client": rec(0),
    "udp_client": rec(1),
    "ptcp_client": rec(2),
    "pudp_client": rec(3),
    "tcp_reply": rec(4),
    "udp_reply": rec(5),
    "icmp_unreach_tcp": rec(8),
    "icmp_unreach_udp": rec(9),
    "icmp_frag_needed_client": rec(12),
    "new_syn": rec(13),
    "too_big_df": rec(14),
    "too_big_no_df": rec(15),
    "stray_reply": rec(16),
    "arp_vip": rec(17),
    "echo_vip": rec(18),
    "udp_dip": rec(19),
    # DR and TUN (issue 16)
    "dr_udp": rec(20),
    "tun_gue_csum_udp": rec(21),
    "tun_ipip_syn": rec(22),
    "tun_too_big_df": rec(23),
    "icmp_frag_needed_dr_reply": rec(24),
    "dr_then_tun_with_timers": rec(20) + rec(22, flags=FIX | 0x10) + rec(21, flags=FIX | 0x40),
    # SCTP (NAT with a port change, DR, an ICMP error) and --pe sip
    "sctp_nat_association": rec(25) + rec(27) + rec(26, flags=FIX | 0x40),
    "sctp_dr_init": rec(28),
    "sctp_icmp_unreach": rec(25) + rec(29),
    "sctp_not_init": rec(26),
    "sctp_bad_crc": rec(25, flags=0x06, off=ETH + IP + 8, data=b"\x01"),
    "sctp_short": rec(25, trim=30),
    "sip_invite": rec(30) + rec(30, flags=FIX | 0x01) + rec(30, flags=FIX | 0x10),
    "sip_callid_cut": rec(30, trim=40),
    # the malformed kinds the daemon must name
    "tcp_short": rec(0, trim=40),
    "udp_short": rec(1, trim=36),
    "tcp_doff_4": rec(13, flags=FIX, off=TCP_DOFF, data=bytes([0x50 ^ 0x40])),
    "tcp_doff_15": rec(13, flags=FIX, off=TCP_DOFF, data=bytes([0x50 ^ 0xf0])),
    "syn_bad_csum": rec(13, flags=0x06, off=TCP_CSUM, data=b"\x55"),
    "fragment": rec(1, off=IP_FRAG, data=b"\x60"),  # DF -> MF
    "rst_then_syn": rec(0, off=TCP_FLAGS, data=bytes([0x18 ^ 0x04])) + rec(13),
    # a whole exchange, with time passing in between
    "flow_and_timers": rec(0) + rec(4, flags=FIX | 0x10, trim=0) + rec(9) + rec(5, flags=FIX | 0x40),
    "wrong_port": rec(0, flags=FIX | 0x01) + rec(4, flags=FIX | 0x01),
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "corpus", "ipvs_path")
    os.makedirs(out, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print("%d seeds in %s" % (len(SEEDS), out))


if __name__ == "__main__":
    main()
