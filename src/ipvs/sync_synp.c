/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sync_synp: a SYN-proxy conn's splice in a sync record and back, so a
 * backup that takes over a proxied conn translates its packets as the
 * master did (the proxy itself: synproxy.h, synproxy_conn.c).
 *
 * What a proxied conn keeps (c->synp, ipvs_priv.h) and how it travels:
 *
 *  - spliced (the real server answered): the offset between the two
 *    legs' sequence numbers goes as LVS's own IPVS_OPT_SEQ_DATA, in
 *    out_seq with IP_VS_CONN_F_OUT_SEQ, in LVS's sign: LVS adds
 *    out_seq.delta to the real server's seq (ip_vs_app.c vs_fix_seq) and
 *    takes it from the client's acks (vs_fix_ack_seq); the proxy
 *    subtracts rs_isn - cookie from the one and adds it to the other, so
 *    delta = cookie - rs_isn. previous_delta is the same number, so
 *    every segment takes it whatever init_seq says (LVS uses the previous
 *    offset for segments before init_seq: there are none here, the
 *    offset never changes), and init_seq is 0: the proxy keeps neither
 *    ISN once spliced. A Linux backup reading this would shift sequence
 *    numbers and acks right (not the window nor SACK blocks: LVS never
 *    rewrites those);
 *  - the window scales of both legs, which SEQ_DATA has no room for, and
 *    "spliced" ride in dpvs's option IPVS_SYNC_OPT_SYNP (with the
 *    parameter bit: a Linux backup skips it);
 *  - not yet spliced (the cookie answered, the real server not yet):
 *    no SEQ_DATA (the real server's ISN is unknown), the cookie in the
 *    option. The master sends such a conn only in CLOSE (a refusal or
 *    the client's RST before the splice): LVS syncs no SYN_RECV, so a
 *    conn that dies with the master within the real server's round trip
 *    is lost (its client times out, as it would without the proxy). A
 *    backup installs what it gets: an unspliced proxied conn with the
 *    master's cookie, which its own proxy splices when the real server's
 *    SYN-ACK (a retransmission: the master's ACK never came) reaches it,
 *    with the right offset, since the offset needs the cookie the client
 *    holds, not the key that made it. The client's segments are absorbed
 *    until then (the backup's key does not verify the master's cookie,
 *    so it cannot send the SYN again itself) and retransmitted after.
 *
 * Called by sync.c on the workers (master: a conn into a record;
 * backup: a record into a conn it just made or a copy it updates).
 */
#include <netinet/in.h>

#include "ipvs/ipvs_priv.h"
#include "ipvs/sync.h"

void ipvs_sync_synp_put(const struct ipvs_conn *c, struct ipvs_sync_rec *r)
{
	r->has_synp = 1;
	r->synp_ws = c->synp.ws;
	if (c->synp.spliced) {
		uint32_t d = 0u - c->synp.seq; /* LVS's sign (above) */

		r->synp_flags = IPVS_SYNC_SYNP_SPLICED;
		r->flags |= IPVS_SYNC_F_OUT_SEQ;
		r->has_seq = 1;
		r->out_seq = (struct ipvs_sync_seq){.init_seq = 0, .delta = d, .previous_delta = d};
	} else {
		r->synp_cookie = c->synp.seq;
	}
}

bool ipvs_sync_synp_fits(const struct ipvs_conn *c)
{
	/* the translation runs in xmit_nat and xmit_fnat only; line 1's
	 * cold union must not hold a template pointer or a PROXY header's
	 * state (a service is never two of them on the master: a conn of
	 * ours that is, is not the one the record speaks of) */
	if (c->c_fwd != DPVS_FWD_MASQ && c->c_fwd != DPVS_FWD_FULLNAT)
		return false;
	return conn_is_synproxy(c) || (!(c->c_flags & IPVS_CONN_F_PP) && !c->control);
}

void ipvs_sync_synp_apply(struct ipvs_conn *c, const struct ipvs_sync_rec *r)
{
	bool spliced = r->synp_flags & IPVS_SYNC_SYNP_SPLICED;

	/* a splice is never undone: an older record (another datagram,
	 * overtaken) leaves a spliced copy as it is */
	if (conn_is_synproxy(c) && c->synp.spliced && !spliced)
		return;
	c->c_xflags |= IPVS_CONN_X_SYNPROXY;
	c->synp.ws = r->synp_ws;
	c->synp.held = 0; /* a copy holds no data: its client's is absorbed */
	c->synp.spliced = spliced;
	c->synp.seq = spliced ? 0u - r->out_seq.delta : r->synp_cookie;
}
