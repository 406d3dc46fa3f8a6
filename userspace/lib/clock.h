/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* vigil's one clock. Record times are CLOCK_BOOTTIME, as the kernel's
 * bpf_ktime_get_boot_ns() stamps them, so user space compares its own
 * times with the kernel's directly; deadlines use CLOCK_MONOTONIC, which
 * stops while the machine is suspended. */
#ifndef VIGIL_CLOCK_H
#define VIGIL_CLOCK_H

#include <stdint.h>
#include <time.h>

/* clock id now, in ns. */
int64_t clock__ns(clockid_t id);
/* CLOCK_BOOTTIME now, in ns: the clock of every record's time. */
uint64_t clock__boot_ns(void);
/* CLOCK_MONOTONIC now: the clock of timeouts and deadlines. */
uint64_t clock__mono_ns(void);
int64_t clock__mono_ms(void);

#endif /* VIGIL_CLOCK_H */
