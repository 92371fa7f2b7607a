/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker loop's entry point and parameters, for main.c.
 */
#ifndef DPVS_WORKER_LOOP_H
#define DPVS_WORKER_LOOP_H

#include <stdint.h>

/* rte_eal_remote_launch entry; arg is the struct worker. */
int worker_main(void *arg);
/* Idle back-off: sleep sleep_us after polls empty loop iterations (0 = never). */
void worker_loop_params(uint32_t sleep_us, uint32_t polls);
/* The TSC at daemon start: worker->now_sec counts from it. */
void worker_set_start_tsc(uint64_t tsc);
uint64_t worker_start_tsc(void);

#endif /* DPVS_WORKER_LOOP_H */
