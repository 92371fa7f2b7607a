/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the control protocol, daemon side, with the real
 * handlers registered (inet: ADDR/ROUTE/NEIGH; ipvs: SVC/DEST/ZERO/
 * TIMEOUT/CONN_LIST/FWMARK; the registry's BATCH). An input is what a
 * client writes on the socket, read as the server reads it: a header
 * (ctl_hdr_check: a bad magic, version or size ends the connection),
 * the registry's length check, the payload (exactly hdr.len bytes, in a
 * buffer of that size so a read past it is caught), the handler, the
 * framed reply. To get past the header more often, each message is
 * preceded by one byte of flags:
 *
 *   flags hdr[24] payload[...]
 *
 *   0x01 magic set right   0x02 version set right
 *   0x04 len cut to what the input has left (else a longer len ends the
 *        input as a client that stops mid-message)
 *   0x08 type folded into the known range
 *   0x10 the worker's clock advances a minute (conns expire)
 *
 * After every request it checks, and aborts when one fails: the reply
 * echoes type and seq, its status is 0 or a negative errno, an error
 * carries a message (NUL-terminated, not empty), a reply fits in
 * DPVS_CTL_MAX_PAYLOAD, and a list reply's count matches its length.
 * The balancer starts empty for every input (the layers are set up
 * again), so a crash replays from its input alone.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <rte_lcore.h>

#include "../unit/dp_test_env.h"
#include "ctl_codec.h"
#include "control/control.h"
#include "ctl/ctl_priv.h"
#include "dp/dp.h"
#include "inet/inet.h"
#include "ipvs/ipvs.h"
#include "netif/netif.h"

/* ---- fakes: two ports, never sent to ---- */

struct dp_port netif_ports[DP_MAX_PORTS] = {
	{ .idx = 0, .port_id = DP_PORT_NONE, .kni_port_id = DP_PORT_NONE, .mtu = 1500,
	  .mac = { { 0x02, 0, 0, 0, 0, 0x01 } }, .name = "dpdk0" },
	{ .idx = 1, .port_id = DP_PORT_NONE, .kni_port_id = DP_PORT_NONE, .mtu = 1500,
	  .mac = { { 0x02, 0, 0, 0, 0, 0x02 } }, .name = "dpdk1" },
};
unsigned netif_nports = 2;

#include "../unit/netif_fake.h"

static struct worker w;

static void die(const char *what, const struct dpvs_ctl_hdr *h)
{
	fprintf(stderr, "fuzz_ctl: %s (%s, flags 0x%x, %u bytes)\n", what, ctl_msg_name(h->type),
		h->flags, h->len);
	abort();
}

static void layers_up(void)
{
	char err[256];

	memset(&w, 0, sizeof(w));
	w.lcore_id = rte_lcore_id(); /* conn listings walk its table directly */
	w.now_sec = 1000;
	dp_worker_unregister_all();
	/* small limits: the fuzzer reaches them */
	if (dp_worker_register(&w) || ipvs_set_limits(64, 256, err, sizeof(err)) ||
	    inet_init(netif_nports, err, sizeof(err)) ||
	    ipvs_init(1, 256, err, sizeof(err))) {
		fprintf(stderr, "fuzz_ctl: set-up: %s\n", err);
		abort();
	}
	ctl_registry_reset();
	inet_ctl_register();
	ipvs_ctl_register();
}

static void layers_down(void)
{
	ipvs_fini();
	inet_fini();
}

/* The reply as the client would read it, checked. */
static void check_reply(const struct dpvs_ctl_hdr *h, struct ctl_reply *r)
{
	struct dpvs_ctl_hdr rh;
	size_t total;
	const uint8_t *out = ctl_reply_frame(r, h, &total);

	memcpy(&rh, out, sizeof(rh));
	if (total != sizeof(rh) + rh.len || rh.len > DPVS_CTL_MAX_PAYLOAD)
		die("reply length", h);
	if (rh.type != h->type || rh.seq != h->seq || rh.magic != DPVS_CTL_MAGIC ||
	    rh.version != DPVS_CTL_VERSION)
		die("reply header does not echo the request", h);
	if (rh.status > 0 || rh.status < -4095)
		die("reply status is not 0 or -errno", h);
	if (rh.status < 0) {
		const char *msg = (const char *)out + sizeof(rh);

		if (rh.len == 0 || msg[rh.len - 1] != '\0' || msg[0] == '\0')
			die("error without a message", h);
		return;
	}
	/* lists: count entries of entry_size after the header */
	size_t skip = 0;
	switch (h->type) {
	case DPVS_MSG_ADDR_SHOW:
	case DPVS_MSG_ROUTE_SHOW:
	case DPVS_MSG_NEIGH_SHOW:
	case DPVS_MSG_FWMARK_SHOW:
		break;
	case DPVS_MSG_CONN_LIST:
		skip = (h->flags & DPVS_MSG_F_CONN_PAGE) ? sizeof(struct dpvs_conn_page) : 0;
		break;
	default:
		return;
	}
	struct dpvs_list l;

	if (rh.len < skip + sizeof(l))
		die("list reply without its header", h);
	memcpy(&l, out + sizeof(rh) + skip, sizeof(l));
	if (skip + sizeof(l) + (uint64_t)l.count * l.entry_size != rh.len)
		die("list count does not match the reply length", h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ctl_reply r;
	size_t off = 0;

	dp_test_eal();
	layers_up();
	ctl_reply_init(&r);
	while (size - off >= 1 + sizeof(struct dpvs_ctl_hdr)) {
		uint8_t flags = data[off++];
		struct dpvs_ctl_hdr h;
		char why[DPVS_CTL_ERRMSG_MAX];
		uint8_t *payload = NULL;
		int rc;

		memcpy(&h, data + off, sizeof(h));
		off += sizeof(h);
		if (flags & 0x01)
			h.magic = DPVS_CTL_MAGIC;
		if (flags & 0x02)
			h.version = DPVS_CTL_VERSION;
		if (flags & 0x04)
			h.len = (uint32_t)(h.len % (size - off + 1));
		if (flags & 0x08)
			h.type = (uint16_t)(h.type % DPVS_MSG_MAX);
		if (flags & 0x10) {
			w.now_sec += 60;
			ipvs_worker_timer(&w);
		}
		ctl_reply_reset(&r);
		/* as on_header() in ctl_server.c */
		rc = ctl_hdr_check(&h, why, sizeof(why));
		if (rc == -EBADMSG || rc == -EPROTO || rc == -EMSGSIZE) {
			ctl_reply_error(&r, rc, "%s", why);
			check_reply(&h, &r);
			break; /* the server hangs up */
		}
		if (rc == 0)
			rc = ctl_request_check(&h, &r);
		else
			ctl_reply_error(&r, rc, "%s", why);
		if (h.len > size - off)
			break; /* the client stopped mid-message: closed, no reply */
		if (rc == 0) {
			if (h.len) {
				payload = malloc(h.len);
				if (!payload)
					abort();
				memcpy(payload, data + off, h.len);
			}
			ctl_request_dispatch(&h, payload, &r);
			free(payload);
		}
		off += h.len;
		check_reply(&h, &r);
	}
	ctl_reply_free(&r);
	layers_down();
	return 0;
}
