/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fnat: the local address (LIP) and local port a new Full-NAT conn leaves
 * from.
 *
 * Ports are split among the workers: worker i uses only the ports p with
 * p % nworkers == i (1024 and up), so the owner of a real server's reply
 * (RIP:rport -> LIP:lport) is its destination port modulo the workers,
 * computed by steering without any table (worker/steer.c), and two
 * workers never pick the same tuple. Within its share a worker walks the
 * ports from a cursor per (service, LIP) and takes the first whose tuple
 * (protocol, RIP:rport, LIP:lport) no live conn of its own holds: that
 * lookup is the one replies use, so a tuple is never given twice. The
 * LIPs of a service are tried in turn, starting one further each conn
 * (DPVS's round robin over its laddrs).
 *
 * Each LIP gets at most FNAT_TRIES looks per new conn: a range nearly
 * full of live conns (one RIP:rport, tens of thousands of conns from one
 * LIP) then drops the new conn as fnat-no-port and counts a conflict on
 * every LIP tried, as DPVS's laddr "conflicts" do; it never reuses a live
 * tuple. More LIPs (ipvsadm --add-laddr) are the cure, and the log line,
 * at most one a second per worker, says so.
 *
 * With floating LIPs ([ipvs] floating_laddr, two directors) a service may
 * hold a LIP the other director has now: a new conn skips it (the real
 * server's reply would go there), and with none of its LIPs ours the
 * packet is dropped as fnat-no-laddr. One flag test when they do not float.
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include "ipvs/ipvs_priv.h"
#include "log.h"

#define FNAT_PORT_MIN 1024u
#define FNAT_PORT_MAX 65535u
#define FNAT_TRIES    64u /* looks per LIP and new conn: bounded work per packet */

/* This worker's share of the ports: first, first + n, ... (count of them). */
static inline void port_share(unsigned index, unsigned n, uint32_t *first, uint32_t *count)
{
	uint32_t f = FNAT_PORT_MIN + (index + n - FNAT_PORT_MIN % n) % n;

	*first = f;
	*count = (FNAT_PORT_MAX - f) / n + 1;
}

static void log_no_port(struct ipvs_worker *iw, uint64_t now, const struct ipvs_snap_svc *svc,
			uint32_t daddr, uint16_t dport)
{
	char v[INET_ADDRSTRLEN], r[INET_ADDRSTRLEN];

	if (iw->fnat_log_sec == now + 1)
		return; /* once a second at most (the +1: second 0 logs too) */
	iw->fnat_log_sec = now + 1;
	inet_ntop(AF_INET, &svc->vaddr, v, sizeof(v));
	inet_ntop(AF_INET, &daddr, r, sizeof(r));
	DPVS_LOG(WARNING,
		 "full-nat: worker %u found no free local port towards %s:%u for service "
		 "%s:%u (%u local addresses, all in use or busy): new conn dropped "
		 "(fnat-no-port); add local addresses (ipvsadm --add-laddr)",
		 iw->index, r, ntohs(dport), v, ntohs(svc->vport), svc->nladdrs);
}

enum dpvs_drop_reason ipvs_fnat_bind(struct ipvs_worker *iw, uint64_t now,
				     const struct ipvs_snap_svc *svc, uint8_t proto, uint32_t daddr,
				     uint16_t dport, struct ipvs_fnat_local *fl)
{
	unsigned n = ipvs_worker_states();
	uint32_t first, count, start;
	struct ipvs_svc_wstate *sw = &iw->svc[svc->id];
	bool absent_ok = ipvs_snap_get()->laddr_float;
	bool any = false;

	if (unlikely(!svc->nladdrs || !iw->laddr))
		return DPVS_DROP_FNAT_NO_LADDR;
	port_share(iw->index, n ? n : 1, &first, &count);
	start = sw->laddr_next++;
	for (uint32_t k = 0; k < svc->nladdrs; k++) {
		uint32_t i = (start + k) % svc->nladdrs;
		uint32_t laddr = svc->laddrs[i];
		struct ipvs_laddr_wstate *l =
		    &iw->laddr[(size_t)svc->id * DPVS_LADDR_MAX + svc->laddr_slots[i]];

		if (unlikely(absent_ok) && !inet_addr_is_lip(laddr))
			continue; /* the other director's (for now) */
		any = true;
		for (uint32_t t = 0; t < FNAT_TRIES && t < count; t++) {
			uint32_t pos = l->cursor++ % count;
			uint16_t lport = htons((uint16_t)(first + pos * (n ? n : 1)));

			/* the reply's tuple: free when no conn of ours has it */
			if (ipvs_conn_lookup(iw, proto, daddr, laddr, dport, lport))
				continue;
			fl->laddr = laddr;
			fl->lport = lport;
			fl->slot = svc->laddr_slots[i];
			return DPVS_DROP_MAX;
		}
	}
	if (unlikely(!any))
		return DPVS_DROP_FNAT_NO_LADDR;
	for (uint32_t i = 0; i < svc->nladdrs; i++)
		iw->laddr[(size_t)svc->id * DPVS_LADDR_MAX + svc->laddr_slots[i]].conflicts++;
	log_no_port(iw, now, svc, daddr, dport);
	return DPVS_DROP_FNAT_NO_PORT;
}
