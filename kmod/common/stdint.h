/* SPDX-License-Identifier: GPL-2.0 */
/*
 * include/dpvs/toa.h is shared with user space and includes <stdint.h>,
 * which a kernel build does not have (-nostdinc). The kernel's own types
 * carry the same names (uint8_t, uint16_t, uint32_t), so the modules find
 * this file first (Kbuild: -I kmod/common) and read the layout from the
 * one header instead of retyping it.
 */
#ifndef DPVS_KMOD_STDINT_H
#define DPVS_KMOD_STDINT_H
#include <linux/types.h>
#endif
