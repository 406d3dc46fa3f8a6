/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The kernel's run time and run count of a BPF program, which it keeps
 * only while the kernel.bpf_stats_enabled sysctl is 1 (it costs every
 * program run two clock reads, so it is off by default). */
#ifndef VIGIL_BPFSTATS_H
#define VIGIL_BPFSTATS_H

#include <stdbool.h>
#include <stdint.h>

bool bpfstats__enabled(void);
/* 0 or a negative errno. */
int bpfstats__read(int prog_fd, uint64_t *run_ns, uint64_t *runs);

#endif /* VIGIL_BPFSTATS_H */
