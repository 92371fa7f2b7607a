/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cfg schema: the one table that says which sections and keys the config
 * file has, what type each value is, its range, where it is stored and
 * whether changing it needs a restart (init-only) or a reload is enough.
 *
 * Loading (config.c) and the init-only diff (diff.c) both walk this table,
 * so adding a key is one line here plus its field in config.h and its
 * documentation in conf/dpvs.conf.sample.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cfg/cfg_internal.h"

#define FIELD(type, f) offsetof(type, f), sizeof(((type *)0)->f)
#define G(f) FIELD(struct dpvs_config, f)
#define P(f) FIELD(struct cfg_port, f)
#define C(f) FIELD(struct cfg_check, f)

#define STR(n, fld, chk, rel) { .name = n, .type = CFG_T_STR, .reloadable = rel, fld, .check = chk }
#define BOOL(n, fld, rel) { .name = n, .type = CFG_T_BOOL, .reloadable = rel, fld }
#define UINT(n, fld, lo, hi, rel) \
	{ .name = n, .type = CFG_T_UINT, .reloadable = rel, fld, .min = lo, .max = hi }

#define INIT false
#define RELOAD true

static const char *const log_level_names[] = { "err", "warning", "notice", "info", "debug",
					       NULL };

static const struct cfg_key global_keys[] = {
	{ .name = "log_level", .type = CFG_T_ENUM, .reloadable = RELOAD, G(log_level),
	  .names = log_level_names },
	STR("log_file", G(log_file), NULL, INIT),
	STR("ctl_socket", G(ctl_socket), cfg_check_socket_path, INIT),
	/* operators in this group may use ipvsadm/dpip without root */
	STR("ctl_group", G(ctl_group), cfg_check_group, INIT),
	STR("pid_file", G(pid_file), NULL, INIT),
	/* a worker with nothing to do sleeps this long after idle_polls
	 * empty polls; 0 keeps it spinning (lowest latency, 100% CPU) */
	UINT("idle_sleep_us", G(idle_sleep_us), 0, 1000000, INIT),
	UINT("idle_polls", G(idle_polls), 1, 1000000, INIT),
	/* the Prometheus endpoint, ADDR:PORT; empty = none */
	STR("metrics_listen", G(metrics_listen), cfg_check_listen, INIT),
};

static const struct cfg_key eal_keys[] = {
	STR("lcores", G(lcores), cfg_check_lcores, INIT),
	UINT("main_lcore", G(main_lcore), 0, RTE_MAX_LCORE - 1, INIT),
	UINT("memory", G(memory_mb), 16, 1048576, INIT),
	STR("file_prefix", G(file_prefix), cfg_check_file_prefix, INIT),
	BOOL("in_memory", G(in_memory), INIT),
	BOOL("pdump", G(pdump), INIT),
	BOOL("no_pci", G(no_pci), INIT),
	STR("extra_args", G(extra_args), NULL, INIT),
};

static const struct cfg_key pool_keys[] = {
	UINT("mbufs", G(mbufs), 255, 67108863, INIT),
	/* DPDK's per-lcore mempool cache is at most 512 */
	UINT("mbuf_cache", G(mbuf_cache), 0, 512, INIT),
	UINT("conn_max", G(conn_max), 1024, 16777216, INIT),
	/* the id tables of services and real servers; ipvs_set_limits()
	 * also bounds them by what a connection's ids can name */
	UINT("svc_max", G(svc_max), 0, 16777216, INIT), /* 0: from memory */
	UINT("dest_max", G(dest_max), 0, 16777216, INIT),
};

static const char *const rss_names[] = { "flows", "client", "server", NULL };

static const struct cfg_key port_keys[] = {
	STR("device", P(device), cfg_check_device, INIT),
	UINT("rx_queues", P(rx_queues), 1, CFG_MAX_WORKERS, INIT),
	UINT("rx_desc", P(rx_desc), 64, 16384, INIT),
	UINT("tx_desc", P(tx_desc), 64, 16384, INIT),
	UINT("mtu", P(mtu), 68, 9600, INIT),
	BOOL("promisc", P(promisc), INIT),
	BOOL("kni", P(kni), INIT),
	STR("kni_name", P(kni_name), cfg_check_ifname, INIT),
	/* client/server: the NIC hashes one address with the steering key,
	 * so packets arrive at the worker that owns them (worker/steer.h) */
	{ .name = "rss", .type = CFG_T_ENUM, .reloadable = INIT, P(rss), .names = rss_names },
	/* the port is on one 802.1Q VLAN: frames tagged on the wire */
	UINT("vlan", P(vlan), 0, 4094, INIT),
};

static const struct cfg_key worker_keys[] = {
	{ .name = "queues", .type = CFG_T_LINE, .reloadable = INIT },
};

/* ipvsadm --set accepts up to 31 days for each timeout */
static const struct cfg_key ipvs_keys[] = {
	UINT("tcp_timeout", G(timeouts.tcp_timeout), 1, 86400 * 31, RELOAD),
	UINT("tcp_fin_timeout", G(timeouts.tcp_fin_timeout), 1, 86400 * 31, RELOAD),
	UINT("udp_timeout", G(timeouts.udp_timeout), 1, 86400 * 31, RELOAD),
	UINT("tcp_syn_recv_timeout", G(tcp_states.syn_recv), 1, 86400 * 31, RELOAD),
	UINT("tcp_time_wait_timeout", G(tcp_states.time_wait), 1, 86400 * 31, RELOAD),
	UINT("tcp_close_timeout", G(tcp_states.close), 1, 86400 * 31, RELOAD),
	UINT("tcp_close_wait_timeout", G(tcp_states.close_wait), 1, 86400 * 31, RELOAD),
	UINT("tcp_last_ack_timeout", G(tcp_states.last_ack), 1, 86400 * 31, RELOAD),
	BOOL("expire_nodest_conn", G(expire_nodest_conn), RELOAD),
	/* Full-NAT: the client's address to the real servers (TOA, UOA) */
	BOOL("fnat_toa", G(fnat_toa), RELOAD),
	BOOL("fnat_uoa", G(fnat_uoa), RELOAD),
	BOOL("sloppy_tcp", G(sloppy_tcp), RELOAD),
	/* two directors: Full-NAT local addresses move with the VIP */
	BOOL("floating_laddr", G(floating_laddr), RELOAD),
};

static const char *const unknown_tcp_names[] = { "drop", "rst", NULL };

/* LVS's /proc/sys/net/ipv4/vs/ defences (src/ipvs/defense.h) */
static const struct cfg_key defense_keys[] = {
	UINT("drop_entry", G(defense.drop_entry), 0, 3, RELOAD),
	UINT("drop_packet", G(defense.drop_packet), 0, 3, RELOAD),
	UINT("secure_tcp", G(defense.secure_tcp), 0, 3, RELOAD),
	/* percent of conn_max: amemthresh's role */
	UINT("threshold", G(defense.threshold), 1, 100, RELOAD),
	UINT("am_droprate", G(defense.am_droprate), 1, 1000000, RELOAD),
	/* percent; 0 = never reclaim */
	UINT("evict_threshold", G(defense.evict_threshold), 0, 100, RELOAD),
	{ .name = "unknown_tcp", .type = CFG_T_ENUM, .reloadable = RELOAD, G(defense.unknown_tcp),
	  .names = unknown_tcp_names },
};

static const struct cfg_key service_keys[] = {
	{ .name = "service", .type = CFG_T_LINE, .reloadable = RELOAD },
	/* yes|no: the SYN proxy (config.c; ipvsadm's --synproxy) */
	{ .name = "synproxy", .type = CFG_T_LINE, .reloadable = RELOAD },
};

static const char *const check_type_names[] = { "tcp", "http", "udp", "dns", "exec", NULL };
static const char *const check_fail_names[] = { "quiesce", "remove", NULL };
static const char *const dns_type_names[] = { "a", "aaaa", "any", NULL };

const char *cfg_check_type_name(int type)
{
	return type >= 0 && type <= CFG_CHECK_EXEC ? check_type_names[type] : "?";
}

const char *cfg_check_fail_name(int on_fail)
{
	return on_fail >= 0 && on_fail <= CFG_CHECK_REMOVE ? check_fail_names[on_fail] : "?";
}

/* Probes run on the control thread: a second is the finest interval, a
 * probe never outlives the next one (health.c checks timeout <= interval) */
static const struct cfg_key check_keys[] = {
	{ .name = "type", .type = CFG_T_ENUM, .reloadable = RELOAD, C(type),
	  .names = check_type_names },
	UINT("interval", C(interval), 1, 3600, RELOAD),
	UINT("timeout", C(timeout), 1, 3600, RELOAD),
	UINT("rise", C(rise), 1, 100, RELOAD),
	UINT("fall", C(fall), 1, 100, RELOAD),
	{ .name = "on_fail", .type = CFG_T_ENUM, .reloadable = RELOAD, C(on_fail),
	  .names = check_fail_names },
	UINT("port", C(port), 0, 65535, RELOAD),
	STR("source", C(source), NULL, RELOAD),
	STR("http_path", C(http_path), NULL, RELOAD),
	STR("http_host", C(http_host), NULL, RELOAD),
	UINT("http_status", C(http_status), 100, 599, RELOAD),
	STR("udp_send", C(udp_send), NULL, RELOAD),
	STR("udp_expect", C(udp_expect), NULL, RELOAD),
	STR("dns_name", C(dns_name), NULL, RELOAD),
	{ .name = "dns_type", .type = CFG_T_ENUM, .reloadable = RELOAD, C(dns_type),
	  .names = dns_type_names },
	STR("dns_expect", C(dns_expect), NULL, RELOAD),
	STR("command", C(command), NULL, RELOAD),
};

#define KEYS(k) k, sizeof(k) / sizeof(k[0])

const struct cfg_section cfg_sections[] = {
	{ "global", CFG_SEC_GLOBAL, false, false, KEYS(global_keys) },
	{ "eal", CFG_SEC_EAL, false, false, KEYS(eal_keys) },
	{ "pool", CFG_SEC_POOL, false, false, KEYS(pool_keys) },
	{ "port", CFG_SEC_PORT, true, false, KEYS(port_keys) },
	{ "worker", CFG_SEC_WORKER, true, false, KEYS(worker_keys) },
	/* any key name: each value is one address / route / neighbour */
	{ "addresses", CFG_SEC_ADDRESSES, false, true, NULL, 0 },
	{ "routes", CFG_SEC_ROUTES, false, true, NULL, 0 },
	{ "neighbours", CFG_SEC_NEIGHBOURS, false, true, NULL, 0 },
	{ "ipvs", CFG_SEC_IPVS, false, false, KEYS(ipvs_keys) },
	{ "defense", CFG_SEC_DEFENSE, false, false, KEYS(defense_keys) },
	/* `service` is the service line, any other key one dest line */
	{ "service", CFG_SEC_SERVICE, true, true, KEYS(service_keys) },
	/* the health check of [service:NAME] of the same NAME */
	{ "check", CFG_SEC_CHECK, true, false, KEYS(check_keys) },
};
const unsigned cfg_nsections = sizeof(cfg_sections) / sizeof(cfg_sections[0]);

const struct cfg_section *cfg_section_find(const char *name)
{
	for (unsigned i = 0; i < cfg_nsections; i++)
		if (strcmp(cfg_sections[i].name, name) == 0)
			return &cfg_sections[i];
	return NULL;
}

const struct cfg_section *cfg_section_of(enum cfg_sec_kind kind)
{
	for (unsigned i = 0; i < cfg_nsections; i++)
		if (cfg_sections[i].kind == kind)
			return &cfg_sections[i];
	return NULL;
}

const struct cfg_key *cfg_key_find(const struct cfg_section *s, const char *name)
{
	for (unsigned i = 0; i < s->nkeys; i++)
		if (strcmp(s->keys[i].name, name) == 0)
			return &s->keys[i];
	return NULL;
}

static int enum_parse(const struct cfg_key *k, const char *v, int *out, char *why, size_t len)
{
	size_t n = 0;

	for (int i = 0; k->names[i]; i++) {
		if (strcmp(k->names[i], v) == 0) {
			*out = i;
			return 0;
		}
	}
	n = (size_t)snprintf(why, len, "'%s' is not one of", v);
	for (int i = 0; k->names[i] && n < len; i++)
		n += (size_t)snprintf(why + n, len - n, "%s %s", i ? "," : "", k->names[i]);
	return -EINVAL;
}

int cfg_key_set(const struct cfg_key *k, const char *v, void *base, char *why, size_t len)
{
	char *field = (char *)base + k->off;
	uint32_t u;
	bool b;
	int e;

	switch (k->type) {
	case CFG_T_STR:
		if (strlen(v) >= k->size) {
			/* don't quote it: it would not fit the message either */
			snprintf(why, len, "value is longer than %zu characters (%zu)", k->size - 1,
				 strlen(v));
			return -EINVAL;
		}
		if (k->check && k->check(v, why, len))
			return -EINVAL;
		memcpy(field, v, strlen(v) + 1);
		return 0;
	case CFG_T_BOOL:
		if (cfg_parse_bool(v, &b)) {
			snprintf(why, len,
				 "'%s' is not a boolean (yes/no, true/false, on/off, 1/0)", v);
			return -EINVAL;
		}
		*(bool *)field = b;
		return 0;
	case CFG_T_UINT:
		if (cfg_parse_uint(v, k->min, k->max, &u, why, len))
			return -EINVAL;
		if (k->size == sizeof(uint16_t))
			*(uint16_t *)field = (uint16_t)u;
		else
			*(uint32_t *)field = u;
		return 0;
	case CFG_T_ENUM:
		if (enum_parse(k, v, &e, why, len))
			return -EINVAL;
		*(int *)field = e;
		return 0;
	case CFG_T_LINE:
		break;
	}
	snprintf(why, len, "internal: key has no stored value");
	return -EINVAL;
}

bool cfg_key_equal(const struct cfg_key *k, const void *a, const void *b)
{
	const char *fa = (const char *)a + k->off;
	const char *fb = (const char *)b + k->off;

	if (k->type == CFG_T_STR)
		return strncmp(fa, fb, k->size) == 0;
	return memcmp(fa, fb, k->size) == 0;
}

const char *cfg_log_level_name(enum cfg_log_level l)
{
	if ((unsigned)l >= sizeof(log_level_names) / sizeof(log_level_names[0]) - 1)
		return "unknown";
	return log_level_names[l];
}

int cfg_log_level_parse(const char *s, enum cfg_log_level *l)
{
	for (int i = 0; log_level_names[i]; i++) {
		if (strcmp(log_level_names[i], s) == 0) {
			*l = (enum cfg_log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}
