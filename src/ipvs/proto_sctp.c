/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * proto_sctp: LVS's SCTP association states (ip_vs_proto_sctp), the event
 * each packet's first chunk means, and SCTP's CRC32c.
 *
 * The states are the association as the real server sees it. LVS adds
 * to RFC 9260's diagram: INIT1 (the client's first INIT, with a short
 * timeout so a flood of INITs that no server answers goes soon), INIT
 * (an INIT repeated), the cookie steps of an association the client opens
 * (COOKIE_SENT, COOKIE_REPLIED) or the server opens (COOKIE_WAIT, COOKIE,
 * COOKIE_ECHOED), and REJECTED (an INIT answered by ABORT). As for TCP,
 * a conn whose replies do not pass us (DR, TUN) moves on the client's
 * packets alone (the IN_ONLY rows): there the client's COOKIE-ECHO alone
 * says the association is up.
 *
 * A packet is reduced to the event of its first chunk: INIT, INIT-ACK
 * and SHUTDOWN-COMPLETE travel alone (RFC 9260 6.10), and a control
 * chunk bundled first decides. One exception, as LVS: a COOKIE-ECHO or
 * COOKIE-ACK followed by an ABORT is the ABORT.
 *
 * ipvsadm -Lnc shows the names the kernel prints (ip_vs_proto_sctp.c:
 * "C-SENT", "S-ACK-SENT", ...: short enough for its 11-wide column).
 */
#include <netinet/in.h>
#include <rte_byteorder.h>
#include <rte_hash_crc.h>

#include "ipvs/proto_sctp.h"

/* chunk types (RFC 9260 3.2) */
enum {
	CHUNK_DATA = 0,
	CHUNK_INIT = 1,
	CHUNK_INIT_ACK = 2,
	CHUNK_ABORT = 6,
	CHUNK_SHUTDOWN = 7,
	CHUNK_SHUTDOWN_ACK = 8,
	CHUNK_ERROR = 9,
	CHUNK_COOKIE_ECHO = 10,
	CHUNK_COOKIE_ACK = 11,
	CHUNK_SHUTDOWN_COMPLETE = 14,
};

static uint8_t chunk_event(uint8_t type)
{
	switch (type) {
	case CHUNK_INIT:
		return IPVS_SCTP_EV_INIT;
	case CHUNK_INIT_ACK:
		return IPVS_SCTP_EV_INIT_ACK;
	case CHUNK_COOKIE_ECHO:
		return IPVS_SCTP_EV_COOKIE_ECHO;
	case CHUNK_COOKIE_ACK:
		return IPVS_SCTP_EV_COOKIE_ACK;
	case CHUNK_SHUTDOWN:
		return IPVS_SCTP_EV_SHUTDOWN;
	case CHUNK_SHUTDOWN_ACK:
		return IPVS_SCTP_EV_SHUTDOWN_ACK;
	case CHUNK_SHUTDOWN_COMPLETE:
		return IPVS_SCTP_EV_SHUTDOWN_COMPLETE;
	case CHUNK_ERROR:
		return IPVS_SCTP_EV_ERROR;
	case CHUNK_ABORT:
		return IPVS_SCTP_EV_ABORT;
	default:
		/* DATA, SACK, HEARTBEAT(-ACK), ECN, and types this table
		 * does not know: traffic of the association as it is */
		return IPVS_SCTP_EV_DATA;
	}
}

uint8_t ipvs_sctp_event(const uint8_t *sh, uint32_t len)
{
	const uint8_t *ch = sh + IPVS_SCTP_HDR_LEN;
	uint8_t type;

	if (len < IPVS_SCTP_HDR_LEN + 4)
		return IPVS_SCTP_EV_NONE;
	type = ch[0];
	if (type == CHUNK_COOKIE_ECHO || type == CHUNK_COOKIE_ACK) {
		/* an ABORT may only follow control chunks: when it does,
		 * the association is being torn down, whatever came first */
		uint32_t clen = ((uint32_t)ch[2] << 8) | ch[3];
		uint32_t next = IPVS_SCTP_HDR_LEN + ((clen + 3) & ~3u);

		if (clen >= 4 && next + 4 <= len && sh[next] == CHUNK_ABORT)
			type = CHUNK_ABORT;
	}
	return chunk_event(type);
}

#define S(x) IPVS_SCTP_##x
#define NO S(NONE)
#define I1 S(INIT1)
#define IN S(INIT)
#define CS S(COOKIE_SENT)
#define CR S(COOKIE_REPLIED)
#define CW S(COOKIE_WAIT)
#define CO S(COOKIE)
#define CE S(COOKIE_ECHOED)
#define ES S(ESTABLISHED)
#define SS S(SHUTDOWN_SENT)
#define SR S(SHUTDOWN_RECEIVED)
#define SA S(SHUTDOWN_ACK_SENT)
#define RJ S(REJECTED)
#define CL S(CLOSED)

/* The third "direction": the client's packets of a conn without replies. */
#define IN_ONLY 2
#define NSTATES (IPVS_SCTP_S_END - IPVS_SCTP_NONE)

/* next[state][dir or IN_ONLY][event], the events in the order
 *   DATA INIT INIT_ACK COOKIE_ECHO COOKIE_ACK SHUTDOWN SHUTDOWN_ACK
 *   SHUTDOWN_COMPLETE ERROR ABORT
 * Each row is LVS's column for that state (same transitions, same
 * reasons): read it as "in this state, this chunk from this side
 * means ...". */
static const uint8_t sctp_next[NSTATES][3][IPVS_SCTP_EV_MAX] = {
	/* nothing seen: a conn is made on the client's INIT only, so this
	 * state is passed through at once */
	[NO - NO] = {
		[IPVS_DIR_IN] = { ES, I1, CW, CR, ES, SR, CL, CL, CL, CL },
		[IPVS_DIR_OUT] = { ES, CW, CS, CE, ES, SS, SA, CL, CL, CL },
		[IN_ONLY] = { ES, I1, CE, ES, ES, SR, CL, CL, CL, CL },
	},
	/* the client's first INIT: the server's INIT-ACK moves on, a
	 * second INIT means the first was lost, an ABORT rejects */
	[I1 - NO] = {
		[IPVS_DIR_IN] = { I1, IN, CW, IN, I1, I1, IN, CL, I1, CL },
		[IPVS_DIR_OUT] = { I1, CW, CS, CE, ES, SS, SA, I1, CL, RJ },
		[IN_ONLY] = { I1, IN, CE, ES, I1, I1, IN, CL, I1, CL },
	},
	/* INIT repeated: waiting for the server's INIT-ACK, with the long
	 * timeout */
	[IN - NO] = {
		[IPVS_DIR_IN] = { IN, IN, CW, IN, IN, IN, IN, CL, IN, CL },
		[IPVS_DIR_OUT] = { IN, CW, CS, CE, ES, SS, SA, IN, CL, CL },
		[IN_ONLY] = { IN, IN, CE, ES, IN, IN, IN, CL, IN, CL },
	},
	/* the server sent its cookie: the client's COOKIE-ECHO next */
	[CS - NO] = {
		[IPVS_DIR_IN] = { CS, CS, CS, CR, CS, CS, CS, CS, CS, CL },
		[IPVS_DIR_OUT] = { CS, CW, CS, CE, ES, SS, SA, CS, CL, CL },
		[IN_ONLY] = { CS, IN, CE, ES, ES, CS, CS, CL, CS, CL },
	},
	/* the client echoed the cookie: the server's COOKIE-ACK
	 * establishes */
	[CR - NO] = {
		[IPVS_DIR_IN] = { CR, CR, CR, CR, CR, CR, CR, CR, CR, CL },
		[IPVS_DIR_OUT] = { CR, CW, CR, CE, ES, SS, SA, CR, CL, CL },
		[IN_ONLY] = { CR, IN, CE, ES, ES, CR, CR, CL, CR, CL },
	},
	/* the server opened (its INIT): the client's INIT-ACK next; seen
	 * from the client alone its DATA means it is up */
	[CW - NO] = {
		[IPVS_DIR_IN] = { CW, CW, CO, CW, CW, CW, CW, CW, CW, RJ },
		[IPVS_DIR_OUT] = { CW, CW, CW, CE, ES, SS, CW, CW, CW, CL },
		[IN_ONLY] = { ES, IN, CE, ES, CW, CW, CW, CW, CW, RJ },
	},
	/* the client answered the server's INIT: the server's COOKIE-ECHO
	 * next */
	[CO - NO] = {
		[IPVS_DIR_IN] = { CO, CO, CO, CO, CO, CO, CO, CO, CO, CL },
		[IPVS_DIR_OUT] = { CO, CW, CO, CE, ES, SS, CO, CO, CO, CL },
		[IN_ONLY] = { CO, CO, CO, CO, ES, CO, CO, CO, CO, CL },
	},
	/* the server echoed the client's cookie: the client's COOKIE-ACK
	 * establishes, its ERROR (a stale cookie) closes */
	[CE - NO] = {
		[IPVS_DIR_IN] = { CE, CE, CE, CE, ES, CE, CE, CE, CL, CL },
		[IPVS_DIR_OUT] = { CE, CW, CE, CE, ES, SS, CE, CE, CE, CL },
		[IN_ONLY] = { CE, CE, CE, CE, ES, CE, CE, CE, CE, CL },
	},
	/* up: a SHUTDOWN starts the close on the side that sent it; an
	 * ABORT ends it */
	[ES - NO] = {
		[IPVS_DIR_IN] = { ES, ES, ES, ES, ES, SR, ES, ES, ES, CL },
		[IPVS_DIR_OUT] = { ES, ES, ES, ES, ES, SS, ES, ES, ES, CL },
		[IN_ONLY] = { ES, ES, ES, ES, ES, SR, CL, ES, ES, CL },
	},
	/* the server shut down: its SHUTDOWN-ACK, or the client's, next */
	[SS - NO] = {
		[IPVS_DIR_IN] = { SS, SS, SS, SS, SS, SS, CL, SS, SS, CL },
		[IPVS_DIR_OUT] = { SS, CW, SS, SS, SS, SS, SA, SS, SS, CL },
		[IN_ONLY] = { SS, SS, SS, SS, SS, SS, CL, SS, SS, CL },
	},
	/* the client shut down: the server's SHUTDOWN-ACK next */
	[SR - NO] = {
		[IPVS_DIR_IN] = { SR, SR, SR, SR, SR, SR, SR, SR, SR, CL },
		[IPVS_DIR_OUT] = { SR, CW, SR, SR, SR, SR, SA, SR, SR, CL },
		[IN_ONLY] = { SR, SR, SR, SR, SR, SR, SR, CL, SR, CL },
	},
	/* SHUTDOWN-ACK sent: the client's SHUTDOWN-COMPLETE closes */
	[SA - NO] = {
		[IPVS_DIR_IN] = { SA, SA, SA, SA, SA, SA, CL, CL, SA, CL },
		[IPVS_DIR_OUT] = { SA, CW, SA, SA, SA, SA, SA, SA, SA, CL },
		[IN_ONLY] = { SA, SA, SA, SA, SA, SA, CL, CL, SA, CL },
	},
	/* the INIT was refused: a new INIT tries again */
	[RJ - NO] = {
		[IPVS_DIR_IN] = { RJ, IN, RJ, RJ, RJ, RJ, RJ, RJ, RJ, CL },
		[IPVS_DIR_OUT] = { RJ, CW, RJ, RJ, RJ, RJ, RJ, RJ, RJ, CL },
		[IN_ONLY] = { RJ, IN, RJ, RJ, RJ, RJ, RJ, RJ, RJ, CL },
	},
	/* over: only a new INIT (client port reuse) reopens, to the same
	 * real server */
	[CL - NO] = {
		[IPVS_DIR_IN] = { CL, IN, CL, CL, CL, CL, CL, CL, CL, CL },
		[IPVS_DIR_OUT] = { CL, CW, CL, CL, CL, CL, CL, CL, CL, CL },
		[IN_ONLY] = { CL, IN, CL, CL, CL, CL, CL, CL, CL, CL },
	},
};

uint8_t ipvs_sctp_next_state(uint8_t state, enum ipvs_dir dir, bool input_only, uint8_t event)
{
	if (event >= IPVS_SCTP_EV_MAX || state < IPVS_SCTP_NONE || state >= IPVS_SCTP_S_END)
		return state;
	return sctp_next[state - NO][input_only ? IN_ONLY : (int)dir][event];
}

static const char *const sctp_state_names[NSTATES] = {
	[NO - NO] = "NONE",        [I1 - NO] = "INIT1",       [IN - NO] = "INIT",
	[CS - NO] = "C-SENT",      [CR - NO] = "C-REPLIED",   [CW - NO] = "C-WAIT",
	[CO - NO] = "COOKIE",      [CE - NO] = "C-ECHOED",    [ES - NO] = "ESTABLISHED",
	[SS - NO] = "S-SENT",      [SR - NO] = "S-RECEIVED",  [SA - NO] = "S-ACK-SENT",
	[RJ - NO] = "REJECTED",    [CL - NO] = "CLOSED",
};

const char *ipvs_sctp_state_name(uint8_t state)
{
	if (state < IPVS_SCTP_NONE || state >= IPVS_SCTP_S_END)
		return "ERR!";
	return sctp_state_names[state - NO];
}

void ipvs_sctp_default_timeouts(uint32_t timeout[IPVS_STATE_MAX])
{
	/* LVS's: the handshake and shutdown steps wait for the longest
	 * retransmission timeout (RTO.max 60 s) and one second more */
	const uint32_t max_rto = 60 + 1;

	for (unsigned s = IPVS_SCTP_NONE; s < IPVS_SCTP_S_END; s++)
		timeout[s] = max_rto;
	timeout[NO] = 2;
	/* an unanswered INIT (or a refused one) goes soon: an INIT flood
	 * fills no table */
	timeout[I1] = 3 + 1;
	timeout[RJ] = 3 + 1;
	timeout[ES] = 15 * 60;
}

uint32_t ipvs_sctp_crc(const struct rte_mbuf *m, uint32_t off, uint32_t len)
{
	static const uint8_t zero[4];
	uint32_t crc = 0xffffffffu;
	uint32_t pos = 0; /* bytes of the SCTP packet done */

	/* the checksum field counts as zero: three runs, each of which may
	 * span segments */
	const struct {
		uint32_t from, to;
	} runs[2] = { { 0, IPVS_SCTP_CSUM_OFF }, { IPVS_SCTP_CSUM_OFF + 4, len } };

	for (unsigned r = 0; r < 2; r++) {
		if (r == 1) {
			crc = rte_hash_crc(zero, sizeof(zero), crc);
			pos = IPVS_SCTP_CSUM_OFF + 4;
		}
		const struct rte_mbuf *seg = m;
		uint32_t at = off + runs[r].from; /* offset in the whole packet */

		/* the segment holding byte `at` */
		while (seg && at >= seg->data_len) {
			at -= seg->data_len;
			seg = seg->next;
		}
		while (seg && pos < runs[r].to) {
			uint32_t n = RTE_MIN(seg->data_len - at, runs[r].to - pos);

			crc = rte_hash_crc(rte_pktmbuf_mtod_offset(seg, const uint8_t *, at), n, crc);
			pos += n;
			at = 0;
			seg = seg->next;
		}
	}
	return rte_cpu_to_le_32(~crc);
}

/* The checksum field as stored (it may sit across segments only in a
 * packet cut absurdly short: then it reads as zero, a wrong CRC). */
static uint32_t stored_crc(const struct rte_mbuf *m, uint32_t off)
{
	uint32_t v = 0;
	const void *p = rte_pktmbuf_read(m, off + IPVS_SCTP_CSUM_OFF, sizeof(v), &v);

	if (p)
		memcpy(&v, p, sizeof(v));
	return v;
}

bool ipvs_sctp_csum_ok(const struct rte_mbuf *m, uint32_t off, uint32_t len)
{
	if (len < IPVS_SCTP_HDR_LEN || rte_pktmbuf_pkt_len(m) < off + len)
		return false;
	return ipvs_sctp_crc(m, off, len) == stored_crc(m, off);
}

bool ipvs_sctp_nat_port(struct rte_mbuf *m, uint32_t off, uint32_t len, bool src,
			uint16_t port)
{
	uint8_t *sh = rte_pktmbuf_mtod_offset(m, uint8_t *, off);
	unaligned_uint16_t *portp = (unaligned_uint16_t *)(sh + (src ? 0 : 2));
	uint32_t crc;

	/* the addresses are not in the CRC: an unchanged port needs nothing */
	if (*portp == port)
		return true;
	if ((m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) != RTE_MBUF_F_RX_L4_CKSUM_GOOD &&
	    !ipvs_sctp_csum_ok(m, off, len))
		return false;
	*portp = port;
	crc = ipvs_sctp_crc(m, off, len);
	memcpy(sh + IPVS_SCTP_CSUM_OFF, &crc, sizeof(crc));
	return true;
}
