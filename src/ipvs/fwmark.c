/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fwmark: the daemon's own packet marker for fwmark services (ipvsadm
 * -f MARK). With LVS, iptables marks packets in the mangle table; there is
 * no iptables in front of a DPDK port, so `dpip fwmark add` rules do it:
 * protocol (TCP, UDP or both), destination prefix and destination port
 * range -> mark. The first matching rule, in the order they were added,
 * gives the mark. A fwmark service then takes every flow with its mark,
 * whatever VIP and port it is for: several VIPs and ports balanced as
 * one service, with one persistence for all of them.
 *
 * The control thread owns the rule table (fixed slots: a slot's index is
 * the stable id the workers count hits under) and copies the rules, in
 * order, into every snapshot it publishes. The data path classifies a
 * packet only when it misses the conn table (the first packet of a
 * flow), before the service lookup, as LVS looks fwmark services up
 * first.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include "ipvs/ipvs_priv.h"

struct fwm_slot {
	bool used;
	struct dpvs_fwmark_rule rule; /* normalized; packets unused */
	uint64_t base;		      /* hits counted by earlier rules of this slot */
};

static struct fwm_slot slots[IPVS_FWMARK_MAX];
static uint16_t order[IPVS_FWMARK_MAX]; /* slot ids, oldest rule first */
static uint32_t nrules;

static inline uint32_t prefix_mask(uint8_t len)
{
	return len ? htonl(~0u << (32 - len)) : 0;
}

/* ---- data path ---- */

uint32_t ipvs_fwmark_classify(const struct ipvs_snap *s, struct ipvs_worker *iw, uint8_t proto,
			      uint32_t daddr, uint16_t dport)
{
	uint16_t port = rte_be_to_cpu_16(dport);

	for (uint32_t i = 0; i < s->nfwm_rules; i++) {
		const struct ipvs_fwm_rule *r = &s->fwm_rules[i];

		if ((r->proto && r->proto != proto) || (daddr & r->mask) != r->net ||
		    port < r->dport_min || port > r->dport_max)
			continue;
		iw->fwm_hits[r->id]++;
		return r->mark;
	}
	return 0;
}

/* ---- control thread ---- */

void ipvs_fwmark_init(void)
{
	memset(slots, 0, sizeof(slots));
	nrules = 0;
}

int ipvs_fwmark_snap(struct ipvs_snap *s)
{
	s->nfwm_rules = 0;
	s->fwm_rules = calloc(nrules ? nrules : 1, sizeof(*s->fwm_rules));
	if (!s->fwm_rules)
		return -ENOMEM;
	for (uint32_t i = 0; i < nrules; i++) {
		const struct dpvs_fwmark_rule *r = &slots[order[i]].rule;

		s->fwm_rules[i] = (struct ipvs_fwm_rule){
		    .net = r->daddr.in.s_addr,
		    .mask = prefix_mask(r->prefixlen),
		    .dport_min = r->dport_min,
		    .dport_max = r->dport_max,
		    .proto = r->protocol,
		    .id = order[i],
		    .mark = r->mark,
		};
	}
	s->nfwm_rules = nrules;
	return 0;
}

static uint64_t slot_hits(uint16_t id)
{
	uint64_t n = 0;

	for (unsigned k = 0; k < ipvs_worker_states(); k++)
		n += ipvs_worker_state(k)->fwm_hits[id];
	return n;
}

static void rule_str(const struct dpvs_fwmark_rule *r, char *buf, size_t len)
{
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &r->daddr.in, a, sizeof(a));
	snprintf(buf, len, "%s dst %s/%u dport %u-%u mark %u",
		 r->protocol == IPPROTO_TCP   ? "tcp"
		 : r->protocol == IPPROTO_UDP ? "udp"
					      : "any",
		 a, r->prefixlen, r->dport_min, r->dport_max, r->mark);
}

/* Checks a rule of a request and writes it normalized into *out. */
static int rule_check(const struct dpvs_fwmark_rule *in, struct dpvs_fwmark_rule *out, char *err,
		      size_t errlen)
{
	if (in->family != AF_INET) {
		snprintf(err, errlen, "fwmark rule: address family %u not supported (only IPv4)",
			 in->family);
		return -EAFNOSUPPORT;
	}
	if (in->protocol != 0 && in->protocol != IPPROTO_TCP && in->protocol != IPPROTO_UDP) {
		snprintf(err, errlen, "fwmark rule: protocol %u not supported (tcp, udp or any)",
			 in->protocol);
		return -EPROTONOSUPPORT;
	}
	if (in->prefixlen > 32) {
		snprintf(err, errlen, "fwmark rule: prefix length %u out of range (0..32)",
			 in->prefixlen);
		return -EINVAL;
	}
	if (in->daddr.in.s_addr & ~prefix_mask(in->prefixlen)) {
		snprintf(err, errlen, "fwmark rule: address has host bits set for /%u",
			 in->prefixlen);
		return -EINVAL;
	}
	if (in->dport_min > in->dport_max) {
		snprintf(err, errlen, "fwmark rule: port range %u-%u is empty", in->dport_min,
			 in->dport_max);
		return -EINVAL;
	}
	if (in->mark == 0) {
		snprintf(err, errlen, "fwmark rule: mark 0 is not a mark");
		return -EINVAL;
	}
	memset(out, 0, sizeof(*out));
	out->family = AF_INET;
	out->protocol = in->protocol;
	out->prefixlen = in->prefixlen;
	out->daddr.in.s_addr = in->daddr.in.s_addr;
	out->dport_min = in->dport_min;
	out->dport_max = in->dport_max;
	out->mark = in->mark;
	return 0;
}

/* Position in `order` of a rule equal to r, -1. */
static int rule_find(const struct dpvs_fwmark_rule *r)
{
	for (uint32_t i = 0; i < nrules; i++)
		if (memcmp(&slots[order[i]].rule, r, sizeof(*r)) == 0)
			return (int)i;
	return -1;
}

int ipvs_fwmark_add(const struct dpvs_fwmark_rule *in, char *err, size_t errlen)
{
	struct dpvs_fwmark_rule r;
	char what[128];
	int ret = rule_check(in, &r, err, errlen);

	if (ret < 0)
		return ret;
	rule_str(&r, what, sizeof(what));
	if (rule_find(&r) >= 0) {
		snprintf(err, errlen, "fwmark rule %s already exists", what);
		return -EEXIST;
	}
	for (uint16_t id = 0; id < IPVS_FWMARK_MAX; id++) {
		if (slots[id].used)
			continue;
		slots[id].used = true;
		slots[id].rule = r;
		slots[id].base = slot_hits(id);
		order[nrules++] = id;
		ret = ipvs_publish();
		if (ret < 0)
			snprintf(err, errlen, "fwmark rule %s: out of memory", what);
		return ret;
	}
	snprintf(err, errlen, "too many fwmark rules (at most %u)", IPVS_FWMARK_MAX);
	return -ENOSPC;
}

int ipvs_fwmark_del(const struct dpvs_fwmark_rule *in, char *err, size_t errlen)
{
	struct dpvs_fwmark_rule r;
	char what[128];
	int ret = rule_check(in, &r, err, errlen);
	int k;

	if (ret < 0)
		return ret;
	k = rule_find(&r);
	if (k < 0) {
		rule_str(&r, what, sizeof(what));
		snprintf(err, errlen, "no such fwmark rule %s", what);
		return -ENOENT;
	}
	slots[order[k]].used = false;
	memmove(&order[k], &order[k + 1], sizeof(order[0]) * (nrules - (uint32_t)k - 1));
	nrules--;
	/* the slot is reused only after this snapshot is gone: its hits
	 * then become the next rule's base */
	ret = ipvs_publish();
	if (ret < 0)
		snprintf(err, errlen, "out of memory");
	return ret;
}

uint32_t ipvs_fwmark_list(struct dpvs_fwmark_rule *out, uint32_t max)
{
	for (uint32_t i = 0; i < nrules && i < max; i++) {
		out[i] = slots[order[i]].rule;
		out[i].packets = slot_hits(order[i]) - slots[order[i]].base;
	}
	return nrules;
}
