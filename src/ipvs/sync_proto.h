/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sync_proto: LVS's connection sync protocol on the wire, version 1 (and
 * reading version 0), as net/netfilter/ipvs/ip_vs_sync.c speaks it, so a
 * Linux IPVS backup reads what we send and we read what it sends
 * (/work/shared/reference/ipvsadm/SYNC.md section 3 is the reference).
 *
 * Pure: no DPDK, no I/O. The encoder fills a message buffer record by
 * record; the decoder checks every field of a datagram and hands each
 * good record to a callback. A bad datagram is never trusted further than
 * the field that is wrong: the reason comes back as an enum whose names
 * are the counters' (dpip sync).
 */
#ifndef DPVS_IPVS_SYNC_PROTO_H
#define DPVS_IPVS_SYNC_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "dpvs/common.h"

#define IPVS_SYNC_GROUP 0xe0000051u /* 224.0.0.81, host order */
#define IPVS_SYNC_PORT 8848
#define IPVS_SYNC_TTL 1
#define IPVS_SYNC_MAXLEN_MAX 65507 /* 65535 - 20 - 8 */
#define IPVS_SYNC_HDR_LEN 8        /* struct ip_vs_sync_mesg */
#define IPVS_SYNC_HDR_V0_LEN 4     /* struct ip_vs_sync_mesg_v0 */
#define IPVS_SYNC_V4_LEN 36        /* struct ip_vs_sync_v4 */
#define IPVS_SYNC_V6_LEN 72        /* struct ip_vs_sync_v6 */
#define IPVS_SYNC_V0_LEN 24        /* struct ip_vs_sync_conn_v0 */
#define IPVS_SYNC_SEQ_LEN 24       /* two struct ip_vs_seq */
#define IPVS_SYNC_PE_NAME_MAX 16   /* IP_VS_PENAME_MAXLEN */
/* nr_conns is one byte: a message closes at 255 records whatever room
 * is left (LVS does not check; with a big sync-maxlen it would wrap) */
#define IPVS_SYNC_MAX_RECS 255

/* The kernel's IP_VS_CONN_F_* bits as they travel. */
#define IPVS_SYNC_F_FWD_MASK 0x0007
#define IPVS_SYNC_F_MASQ 0x0000
#define IPVS_SYNC_F_LOCALNODE 0x0001
#define IPVS_SYNC_F_TUNNEL 0x0002
#define IPVS_SYNC_F_DROUTE 0x0003
#define IPVS_SYNC_F_BYPASS 0x0004
#define IPVS_SYNC_F_SYNC 0x0020
#define IPVS_SYNC_F_HASHED 0x0040
#define IPVS_SYNC_F_NOOUTPUT 0x0080
#define IPVS_SYNC_F_INACTIVE 0x0100
#define IPVS_SYNC_F_OUT_SEQ 0x0200
#define IPVS_SYNC_F_IN_SEQ 0x0400
#define IPVS_SYNC_F_SEQ_MASK 0x0600
#define IPVS_SYNC_F_NO_CPORT 0x0800
#define IPVS_SYNC_F_TEMPLATE 0x1000
#define IPVS_SYNC_F_ONE_PACKET 0x2000
/* what a backup takes from a record (IP_VS_CONN_F_BACKUP_MASK) */
#define IPVS_SYNC_F_BACKUP_MASK                                                     \
	(IPVS_SYNC_F_FWD_MASK | IPVS_SYNC_F_NOOUTPUT | IPVS_SYNC_F_INACTIVE |     \
	 IPVS_SYNC_F_SEQ_MASK | IPVS_SYNC_F_NO_CPORT | IPVS_SYNC_F_TEMPLATE)

/* Record option types (IPVS_OPT_*) and the "skip me if unknown" bit. */
#define IPVS_SYNC_OPT_SEQ_DATA 1
#define IPVS_SYNC_OPT_PE_DATA 2
#define IPVS_SYNC_OPT_PE_NAME 3
#define IPVS_SYNC_OPT_F_PARAM 0x40
/* dpvs's own: a Full-NAT conn's local address and port (laddr be32,
 * lport be16). The parameter bit makes a Linux backup skip it. */
#define IPVS_SYNC_OPT_LOCAL (IPVS_SYNC_OPT_F_PARAM | 0x10)
#define IPVS_SYNC_LOCAL_LEN 6
/* dpvs's own: a conn of the SYN proxy (synproxy.h), what SEQ_DATA cannot
 * say: the two legs' window scales (the client's << 4 | the real
 * server's, 15 for none), a flags byte (IPVS_SYNC_SYNP_SPLICED) and,
 * before the splice, the cookie (be32; 0 once spliced, when the offset
 * travels as LVS's own out_seq in SEQ_DATA). Skipped by a Linux backup. */
#define IPVS_SYNC_OPT_SYNP (IPVS_SYNC_OPT_F_PARAM | 0x11)
#define IPVS_SYNC_SYNP_LEN 6
#define IPVS_SYNC_SYNP_SPLICED 0x01 /* the real server answered */

/* LVS's state numbers on the wire: TCP's as ipvs_tcp_state, UDP's one
 * state is 0 (IP_VS_UDP_S_NORMAL); TCP has 11 (IP_VS_TCP_S_LAST), UDP 1. */
#define IPVS_SYNC_TCP_STATES 11
#define IPVS_SYNC_UDP_STATES 1

struct ipvs_sync_seq {
	uint32_t init_seq, delta, previous_delta; /* host order */
};

/* One connection (or persistence template) record, decoded. Addresses
 * and ports in network order as everywhere in dpvs; the rest host order. */
struct ipvs_sync_rec {
	uint8_t af;       /* AF_INET or AF_INET6 */
	uint8_t protocol; /* IPPROTO_TCP/UDP/SCTP; 0 for fwmark templates */
	uint16_t state;   /* LVS's number (see above) */
	uint32_t flags;   /* IPVS_SYNC_F_* */
	uint16_t cport, vport, dport;
	uint8_t has_seq;  /* in_seq/out_seq present (flags & SEQ_MASK) */
	uint8_t version;  /* 0: came in a v0 message (no timeout, no fwmark) */
	uint32_t fwmark;
	uint32_t timeout; /* seconds; 0 in v0 records: the backup's own */
	union inet_addr caddr, vaddr, daddr;
	struct ipvs_sync_seq in_seq, out_seq;
	/* has_local: a Full-NAT conn (IPVS_SYNC_OPT_LOCAL), its LIP:lport */
	uint32_t laddr;
	uint16_t lport;
	uint8_t has_local;
	/* has_synp: a SYN-proxy conn (IPVS_SYNC_OPT_SYNP): its window
	 * scales, flags and, not yet spliced, its cookie (host order) */
	uint8_t has_synp;
	uint8_t synp_ws, synp_flags;
	uint16_t pad;
	uint32_t synp_cookie;
};

/* Why a datagram (or a record of it) was refused: the counters' names. */
#define IPVS_SYNC_ERRS(X)                                                            \
	X(SHORT, "msg-short")          /* shorter than a header */                  \
	X(BAD_SIZE, "msg-bad-size")    /* header size != datagram length */         \
	X(SYNCID, "msg-other-syncid")  /* not our syncid (ours is not 0) */         \
	X(REC_SHORT, "rec-short")      /* a record runs past the datagram */        \
	X(REC_VERSION, "rec-version")  /* record version is not 0 */                \
	X(REC_TYPE, "rec-type")        /* type neither IPv4 nor IPv6 */             \
	X(REC_LEN, "rec-len")          /* record length below its fixed part */     \
	X(REC_OPT, "rec-option")       /* an option cut short, repeated, unknown */ \
	X(REC_PROTO, "rec-protocol")   /* a protocol we do not balance */           \
	X(REC_STATE, "rec-state")      /* a state out of its protocol's range */    \
	X(REC_FLAGS, "rec-flags")      /* seq flags without seq data, or so */

enum ipvs_sync_err {
	IPVS_SYNC_OK = 0,
#define IPVS_SYNC_ERR_ENUM(id, name) IPVS_SYNC_E_##id,
	IPVS_SYNC_ERRS(IPVS_SYNC_ERR_ENUM)
#undef IPVS_SYNC_ERR_ENUM
	IPVS_SYNC_E_MAX
};

const char *ipvs_sync_err_name(enum ipvs_sync_err e);

/* ---- encoding (the master) ---- */

struct ipvs_sync_msg {
	uint8_t *buf;   /* at least cap bytes */
	uint32_t cap;   /* sync-maxlen */
	uint32_t len;   /* bytes used, header included */
	uint32_t nr;    /* records */
};

/* The longest record we write: IPv6, the sequence, local-address and
 * SYN-proxy options. */
#define IPVS_SYNC_REC_MAX                                                                    \
	(IPVS_SYNC_V6_LEN + 2 + IPVS_SYNC_SEQ_LEN + 2 + IPVS_SYNC_LOCAL_LEN + 2 +            \
	 IPVS_SYNC_SYNP_LEN)
/* Bytes a message buffer must have for a sync-maxlen of cap: a record
 * that does not fit an empty message goes alone in a longer one, as
 * ip_vs_sync_buff_create() sizes it (a master may have a maxlen of 1). */
static inline uint32_t ipvs_sync_buf_size(uint32_t cap)
{
	return cap > IPVS_SYNC_HDR_LEN + IPVS_SYNC_REC_MAX ? cap
							    : IPVS_SYNC_HDR_LEN + IPVS_SYNC_REC_MAX;
}

/* Starts an empty message for syncid in buf (ipvs_sync_buf_size(cap)
 * bytes). */
void ipvs_sync_msg_init(struct ipvs_sync_msg *m, uint8_t *buf, uint32_t cap, uint8_t syncid);
/* The encoded length of r (without the padding before it). */
uint32_t ipvs_sync_rec_len(const struct ipvs_sync_rec *r);
/* Appends r: 0, or -ENOSPC when it does not fit (or the message holds
 * IPVS_SYNC_MAX_RECS): send this one and start another. An empty message
 * takes any record. */
int ipvs_sync_msg_add(struct ipvs_sync_msg *m, const struct ipvs_sync_rec *r);

/* ---- decoding (the backup) ---- */

/* Called for each record that passed the checks; its return is ignored
 * (the installer counts what it did with it). */
typedef void (*ipvs_sync_rec_fn)(const struct ipvs_sync_rec *r, void *arg);

struct ipvs_sync_dec {
	uint32_t recs;        /* records handed to fn */
	uint32_t rec_drops;   /* records skipped (their reason in errs) */
	uint32_t errs[IPVS_SYNC_E_MAX];
	uint32_t version;     /* the message's: 0 or 1 */
};

/*
 * Decodes one datagram as a backup with syncid `syncid` (0: take every
 * syncid). The message-level checks come first (length, size, syncid);
 * then each record: a record that cannot be walked (cut short, unknown
 * version or type, broken options) ends the message there, as LVS drops
 * the rest of the buffer; a record that can be walked but names a
 * protocol or state we do not know is skipped alone. Returns IPVS_SYNC_OK
 * when the message was read to its end (records may have been skipped:
 * d->rec_drops), else the reason the rest was dropped; d->errs counts
 * every reason met.
 */
enum ipvs_sync_err ipvs_sync_decode(const uint8_t *buf, size_t len, uint8_t syncid,
				    ipvs_sync_rec_fn fn, void *arg, struct ipvs_sync_dec *d);

#endif /* DPVS_IPVS_SYNC_PROTO_H */
