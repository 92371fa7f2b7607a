/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sync: the workers' side of connection sync (LVS's sync daemon); the
 * sockets and the messages are the control side's (control/sync_ctl.c).
 *
 * Master: a worker hands a conn to the sender when it is worth a backup
 * knowing (the rule below) as a struct ipvs_sync_rec in LVS's terms, with
 * the conn's persistence template after it, into its own SPSC ring; the
 * control thread takes them out and batches them into messages. A full
 * ring loses the record (counted, sync-ring-full), never waits.
 *
 * When a conn is handed over (LVS's rules of ip_vs_sync_conn_needed, with
 * one change): a TCP conn on each change into ESTABLISHED, FIN_WAIT,
 * CLOSE, CLOSE_WAIT or TIME_WAIT (LVS syncs the change into ESTABLISHED
 * after the 3rd packet, through its per-conn packet count; a conn here has
 * no room for one, so it goes at once); a UDP conn when its first packet
 * makes it; never a one-packet (-o) conn. And again, for a conn in one of
 * those states (UDP: any), each time the master's timer wheel comes round
 * to it still alive, about once per timeout while it carries traffic
 * (LVS resends every sync_period packets; a conn here has no packet
 * count): the backup's copy would otherwise expire a timeout after the
 * last state change. The backup keeps a synced conn IPVS_SYNC_SLACK
 * seconds past the record's timeout, so that refresh, sent the second the
 * master's own timer would have ended the conn, always lands before the
 * copy ends. A conn made or moved by a record carries IPVS_CONN_F_SYNCED
 * until a packet of its own comes: until then the refresh leaves it out,
 * so two directors that each run a master and a backup do not keep each
 * other's copies alive for ever. A Full-NAT conn goes as NAT's record
 * with its local address and port in an option of dpvs's own that a
 * Linux backup skips (IPVS_SYNC_OPT_LOCAL); a dpvs backup makes it a
 * Full-NAT conn of the same LIP:lport, which needs the same LIPs on the
 * service and the same number of workers (replies are steered by lport).
 * The LIP floats with the VIP ([ipvs] floating_laddr): on the backup the
 * service holds it while the address is the master's, and such a conn
 * passes no packet until it is ours (ipvs_core.c, fnat-lip-absent).
 * A conn of the SYN proxy goes with its splice (sync_synp.c: the offset
 * as LVS's SEQ_DATA, the window scales in IPVS_SYNC_OPT_SYNP), and again
 * the moment it is spliced: that change into ESTABLISHED happens inside
 * the proxy (ipvs_core.c hands it over as any other state change); a
 * backup makes it a proxied conn with the same splice, so the client's
 * and the real server's next segments are translated there as here.
 *
 * Backup: the control thread decodes a message, picks the worker that
 * owns each record's client (the steering), and hands the record to it
 * through a second SPSC ring per worker; the worker installs it in its
 * own table at the top of its loop (ipvs_worker_timer), never the control
 * thread. An installed conn is an ordinary one of its service and dest
 * (found by VIP:port or fwmark, and the real server's address and port),
 * with the state and timeout of the record, so when the VIP moves to this
 * director its packets go on to the same real server.
 */
#ifndef DPVS_IPVS_SYNC_H
#define DPVS_IPVS_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipvs/sync_proto.h"

struct ipvs_worker;
struct ipvs_conn;

/* Records a worker's ring holds, each way. */
#define IPVS_SYNC_RING_SIZE 4096
/* Seconds a backup keeps a synced conn past its record's timeout. */
#define IPVS_SYNC_SLACK 3
/* Records a worker installs per loop at most (bounded work). */
#define IPVS_SYNC_INSTALL_BURST 64

/* A worker's counters (the worker writes them, the control thread reads). */
struct ipvs_sync_wcounts {
	uint64_t queued;     /* master: records handed to the sender */
	uint64_t ring_full;  /* master: lost, the ring was full */
	uint64_t installed;  /* backup: new conns made */
	uint64_t updated;    /* backup: conns already there, state and timer moved */
	uint64_t templates;  /* backup: templates made or refreshed */
	uint64_t no_service; /* backup: no service of ours matches the record */
	uint64_t no_dest;    /* backup: the service has no such real server */
	uint64_t table_full; /* backup: the worker's conn table is full */
	/* backup: IPv6, SCTP, a Full-NAT record whose LIP this service lacks
	 * or whose local port another worker owns here (another number of
	 * workers) or is taken, or a record whose mode the dest does not have */
	uint64_t unsupported;
	/* backup: SYN-proxy conns made or moved with the proxy's splice (a
	 * record whose dest cannot splice counts as unsupported) */
	uint64_t synproxy;
};

/* ---- control thread ---- */
/* The rings of nworkers workers (with ipvs_init). 0 or -ENOMEM. */
int ipvs_sync_init(unsigned nworkers, char *err, size_t errlen);
void ipvs_sync_fini(void);
/* Workers hand conns over while on (the master daemon runs). Turning it
 * off leaves what is queued for ipvs_sync_take to drop. */
void ipvs_sync_set_master(bool on);
/* Up to max records worker `worker` handed over, oldest first. */
unsigned ipvs_sync_take(unsigned worker, struct ipvs_sync_rec *out, unsigned max);
/* A record for worker `worker` to install: 0, or -ENOBUFS (ring full). */
int ipvs_sync_give(unsigned worker, const struct ipvs_sync_rec *r);
/* Workers that have rings (the indexes sync_take and sync_give take). */
unsigned ipvs_sync_workers(void);
/* The workers' counters, summed. */
void ipvs_sync_counts(struct ipvs_sync_wcounts *out);

/* ---- worker ---- */
extern bool ipvs_sync_master_on;
/* c changed (or was made) the way a backup must hear of. */
void ipvs_sync_conn(struct ipvs_worker *iw, const struct ipvs_conn *c);
/* The wheel found c alive after a timeout: hand it over again if it is
 * in a state a backup keeps. */
void ipvs_sync_refresh(struct ipvs_worker *iw, const struct ipvs_conn *c);
/* Installs what the control thread handed over (bounded). */
void ipvs_sync_poll(struct ipvs_worker *iw, uint64_t now);

/* sync_synp.c: a SYN-proxy conn's splice. Master: c's into r. Backup:
 * whether c can carry one (a NAT or Full-NAT conn whose line 1 is free
 * for it), and r's into c. */
void ipvs_sync_synp_put(const struct ipvs_conn *c, struct ipvs_sync_rec *r);
bool ipvs_sync_synp_fits(const struct ipvs_conn *c);
void ipvs_sync_synp_apply(struct ipvs_conn *c, const struct ipvs_sync_rec *r);

/* Worker, on a TCP state change: hand the conn over if the new state is
 * one LVS syncs. */
static inline bool ipvs_sync_tcp_state_wanted(uint8_t state)
{
	/* ESTABLISHED 1, FIN_WAIT 4, TIME_WAIT 5, CLOSE 6, CLOSE_WAIT 7 */
	return (1u << state) & ((1u << 1) | (1u << 4) | (1u << 5) | (1u << 6) | (1u << 7));
}

#endif /* DPVS_IPVS_SYNC_H */
