/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cfg [check:NAME]: the health check of the real servers of
 * [service:NAME] (the daemon's side is src/control/health.c).
 *
 * The keys are typed by the schema (schema.c); what is checked here needs
 * the whole file or the check's type: the service exists, every real
 * server has a port to probe, the keys given belong to the type, a probe
 * ends before the next one starts. `dpvs -t` reports each of these with
 * the section and key, as the rest of the file.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cfg/cfg_internal.h"

#define check_err(errs, cfg, sec, key, ...) cfg_key_error(errs, (cfg)->path, sec, key, __VA_ARGS__)

void cfg_check_defaults(struct cfg_check *c, const char *name)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->type = CFG_CHECK_TCP;
	c->interval = 5;
	c->timeout = 3;
	c->rise = 2;
	c->fall = 3;
	c->on_fail = CFG_CHECK_QUIESCE;
	snprintf(c->http_path, sizeof(c->http_path), "/");
	c->http_status = 200;
	c->dns_type = CFG_DNS_A;
}

static const struct cfg_service *service_of(const struct dpvs_config *cfg, const char *name)
{
	for (unsigned i = 0; i < cfg->nservices; i++)
		if (strcmp(cfg->services[i].name, name) == 0)
			return &cfg->services[i];
	return NULL;
}

/* A DNS name as a query carries it: labels of 1..63, 253 in all. */
static bool dns_name_ok(const char *s)
{
	size_t label = 0, n = strlen(s);

	if (n == 0 || n > 253)
		return false;
	for (const char *p = s; *p; p++) {
		if (*p == '.') {
			if (label == 0)
				return false;
			label = 0;
		} else if (++label > 63 || *p <= ' ' || *p > '~') {
			return false;
		}
	}
	return true;
}

/* The keys that belong to one type only: given with another type they
 * would be ignored, which hides a typo in `type`. */
struct type_key {
	const char *name;
	int type;
	bool (*set)(const struct cfg_check *c);
};

static bool set_path(const struct cfg_check *c)
{
	return strcmp(c->http_path, "/") != 0;
}
static bool set_host(const struct cfg_check *c)
{
	return c->http_host[0];
}
static bool set_status(const struct cfg_check *c)
{
	return c->http_status != 200;
}
static bool set_usend(const struct cfg_check *c)
{
	return c->udp_send[0];
}
static bool set_uexp(const struct cfg_check *c)
{
	return c->udp_expect[0];
}
static bool set_dname(const struct cfg_check *c)
{
	return c->dns_name[0];
}
static bool set_dtype(const struct cfg_check *c)
{
	return c->dns_type != CFG_DNS_A;
}
static bool set_dexp(const struct cfg_check *c)
{
	return c->dns_expect[0];
}
static bool set_cmd(const struct cfg_check *c)
{
	return c->command[0];
}

static const struct type_key type_keys[] = {
    {"http_path", CFG_CHECK_HTTP, set_path},	 {"http_host", CFG_CHECK_HTTP, set_host},
    {"http_status", CFG_CHECK_HTTP, set_status}, {"udp_send", CFG_CHECK_UDP, set_usend},
    {"udp_expect", CFG_CHECK_UDP, set_uexp},	 {"dns_name", CFG_CHECK_DNS, set_dname},
    {"dns_type", CFG_CHECK_DNS, set_dtype},	 {"dns_expect", CFG_CHECK_DNS, set_dexp},
    {"command", CFG_CHECK_EXEC, set_cmd},
};

static void check_type_keys(struct dpvs_config *cfg, struct cfg_errors *errs, const char *sec,
			    const struct cfg_check *c)
{
	for (size_t i = 0; i < sizeof(type_keys) / sizeof(type_keys[0]); i++)
		if (type_keys[i].type != c->type && type_keys[i].set(c))
			check_err(errs, cfg, sec, type_keys[i].name, "is for type = %s, not %s",
				  cfg_check_type_name(type_keys[i].type),
				  cfg_check_type_name(c->type));
}

static void check_type(struct dpvs_config *cfg, struct cfg_errors *errs, const char *sec,
		       const struct cfg_check *c)
{
	struct in_addr a;
	char prog[256];

	switch (c->type) {
	case CFG_CHECK_HTTP:
		if (c->http_path[0] != '/' || strpbrk(c->http_path, " \t\r\n"))
			check_err(errs, cfg, sec, "http_path",
				  "'%s' is not a path (starts with '/', no blanks)", c->http_path);
		if (strpbrk(c->http_host, " \t\r\n"))
			check_err(errs, cfg, sec, "http_host", "'%s' has a blank", c->http_host);
		break;
	case CFG_CHECK_UDP:
		if (!c->udp_send[0])
			check_err(errs, cfg, sec, NULL,
				  "type = udp needs 'udp_send' (the datagram to send)");
		break;
	case CFG_CHECK_DNS:
		if (!c->dns_name[0])
			check_err(errs, cfg, sec, NULL,
				  "type = dns needs 'dns_name' (the name asked)");
		else if (!dns_name_ok(c->dns_name))
			check_err(errs, cfg, sec, "dns_name",
				  "'%s' is not a DNS name (labels of 1 to 63 characters)",
				  c->dns_name);
		if (c->dns_expect[0] && inet_pton(AF_INET, c->dns_expect, &a) != 1)
			check_err(errs, cfg, sec, "dns_expect", "'%s' is not an IPv4 address",
				  c->dns_expect);
		else if (c->dns_expect[0] && c->dns_type != CFG_DNS_A)
			check_err(errs, cfg, sec, "dns_expect",
				  "an expected address needs dns_type = a");
		break;
	case CFG_CHECK_EXEC:
		if (!c->command[0]) {
			check_err(errs, cfg, sec, NULL,
				  "type = exec needs 'command' (PROGRAM [ARGS...])");
			break;
		}
		if (sscanf(c->command, "%255s", prog) != 1 || prog[0] != '/')
			check_err(errs, cfg, sec, "command",
				  "'%s': the program must be an absolute path", c->command);
		else if (access(prog, X_OK) != 0)
			check_err(errs, cfg, sec, "command", "%s: not an executable file", prog);
		break;
	default:
		break;
	}
}

/* Every real server needs a port to probe (a port-0 or fwmark service's
 * servers may have none); exec gets one only as an argument. */
static void check_ports(struct dpvs_config *cfg, struct cfg_errors *errs, const char *sec,
			const struct cfg_check *c, const struct cfg_service *s)
{
	if (c->port || c->type == CFG_CHECK_EXEC)
		return;
	for (unsigned i = 0; i < s->ndests; i++) {
		if (!s->dests[i].port && !s->svc.port) {
			check_err(
			    errs, cfg, sec, NULL,
			    "real server '%s' of [service:%s] has no port to probe: set 'port'",
			    s->dest_key[i], s->name);
			return;
		}
	}
}

void cfg_check_checks(struct dpvs_config *cfg, struct cfg_errors *errs)
{
	char sec[80];
	struct in_addr a;

	for (unsigned i = 0; i < cfg->nchecks; i++) {
		const struct cfg_check *c = &cfg->checks[i];
		const struct cfg_service *s = service_of(cfg, c->name);

		snprintf(sec, sizeof(sec), "check:%s", c->name);
		if (!s)
			check_err(errs, cfg, sec, NULL,
				  "no [service:%s] to check (a check has its service's name)",
				  c->name);
		else
			check_ports(cfg, errs, sec, c, s);
		if (c->timeout > c->interval)
			check_err(errs, cfg, sec, "timeout",
				  "%u s is longer than the interval (%u s): a probe must end "
				  "before the next",
				  c->timeout, c->interval);
		if (c->source[0] && inet_pton(AF_INET, c->source, &a) != 1)
			check_err(errs, cfg, sec, "source", "'%s' is not an IPv4 address",
				  c->source);
		check_type_keys(cfg, errs, sec, c);
		check_type(cfg, errs, sec, c);
	}
}
