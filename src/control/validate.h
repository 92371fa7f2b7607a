/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * validate: the one check of a config file, shared by `dpvs -t`, the
 * start and every reload, so the three never disagree.
 *
 * It is the parser's check (cfg_load: syntax, keys, values, the rules
 * between sections) plus every check the apply step would make on the
 * file's items, asked of the layers that make them (ipvs_svc_check,
 * ipvs_dest_check, ipvs_check_limits, inet_*_check_value) rather than
 * copied: schedulers, forwarding methods the daemon supports, address
 * families, martian addresses, gateways on a network the file
 * connects, route sources and neighbours against the file's addresses,
 * the file's services and real servers within [pool] svc_max/dest_max.
 * Every problem is reported as "FILE: [section] key: reason". It
 * changes nothing outside *cfg and *errs.
 */
#ifndef DPVS_VALIDATE_H
#define DPVS_VALIDATE_H

struct dpvs_config;
struct cfg_errors;

/* 0 when the file at path is valid (*cfg filled), else -EINVAL with every
 * problem in *errs. */
int config_validate(const char *path, struct dpvs_config *cfg, struct cfg_errors *errs);

#endif /* DPVS_VALIDATE_H */
