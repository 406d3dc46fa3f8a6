#!/usr/bin/env python3
"""The collector's duties under a flood (root).

    bench/flood.py       (make bench runs it after the other benchmarks)

Starts `vigil daemon` on a sandbox root of its own with one rule that never
matches (the control socket needs rules) and a flow interval of
BENCH_FLOOD_TICK_MS (250). Then two `workload openburst` loops flood one
sandbox for BENCH_FLOOD_SECS (10): far more records than one collector
core takes, so the ring buffer stays full. Meanwhile the script times
`vigil status` against the daemon's control socket every 100 ms, and
afterwards reads the drop records' times: the collector reads the ring
buffer in bounded batches, so the socket and the timers get their turn.

Reported: the control socket's latency during the flood (p50, p99, max;
target p99 < 100 ms), the period of the drop records during the flood
(the tick, which should stay near its interval), and how many of the
flood's records were recorded and how many dropped.

Timings are reported, never asserted: the exit status is non-zero only when
something is broken (vigil does not start or stop cleanly, a status call
fails, the flood leaves no trace). Everything created here is removed on
exit.

Knobs (environment): VIGIL (./vigil), BENCH_FLOOD_SECS (10),
BENCH_FLOOD_TICK_MS (250), BENCH_KEEP=1 keeps the scratch dir.
"""
import json
import os
import subprocess
import sys
import time

from benchlib import (Bench, Broken, VIGIL, busy_pct, busy_warning, logger,
                      main, rfc3339_ns, stat_line, target_p99)

SECS = int(os.environ.get("BENCH_FLOOD_SECS", "10"))
TICK_MS = int(os.environ.get("BENCH_FLOOD_TICK_MS", "250"))
FLOODS = 2
TARGET_P99_MS = 100.0
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORKLOAD = os.path.join(ROOT, "build", "bench", "workload")

QUIET_RULES = """- rule: bench-never
  description: matches nothing; the daemon serves its socket with rules
  event: open
  when: 'open.path == "/nonexistent/vigil-bench"'
"""

log = logger("bench-flood")


def build_workload():
    """bench/run.sh builds it; alone, this script builds it the same way."""
    if os.access(WORKLOAD, os.X_OK):
        return
    os.makedirs(os.path.dirname(WORKLOAD), exist_ok=True)
    subprocess.run([os.environ.get("CC", "cc"), "-O2", "-std=gnu11",
                    "-D_GNU_SOURCE", "-Wall", "-Werror", "-pthread",
                    os.path.join(ROOT, "bench", "workload.c"),
                    "-o", WORKLOAD], check=True)


class FloodBench(Bench):
    def __init__(self):
        super().__init__("flood", log)
        self.control = os.path.join(self.scratch, "control.sock")
        self.status_ms = []
        self.busy = 0

    def status_once(self):
        t0 = time.monotonic()
        r = subprocess.run([VIGIL, "status", "--json", "--control",
                            self.control], capture_output=True, text=True,
                           stdin=subprocess.DEVNULL, timeout=30)
        if r.returncode != 0:
            raise Broken(f"vigil status failed during the flood: {r.stderr}")
        self.status_ms.append((time.monotonic() - t0) * 1000)

    def flood(self):
        sb = self.make_sandbox("flood")
        enter = 'echo $$ > "$0/cgroup.procs" || exit 125; exec "$@"'
        loops = [self.spawn(["sh", "-c", enter, sb, WORKLOAD, "openburst",
                             str(SECS)], env={**os.environ,
                                              "TMPDIR": self.scratch})
                 for _ in range(FLOODS)]
        start = time.time_ns()
        while any(p.poll() is None for p in loops):
            self.status_once()
            time.sleep(0.1)
        for p in loops:
            if self.reap(p, 30) != 0:
                raise Broken(f"a flood loop exited {p.returncode}")
        return start, time.time_ns()

    def run(self):
        build_workload()
        self.busy = busy_pct()
        self.start_daemon(QUIET_RULES, "--flow-interval", str(TICK_MS))
        log(f"vigil ready; {FLOODS} open loops for {SECS}s in {self.root}")
        window = self.flood()
        self.stop_daemon()
        self.report(*window)

    def tallies(self, start_ns, end_ns):
        """Drop record times inside the flood, and the flood's records
        recorded and dropped. The output is large: read as a stream, only
        drop records parsed."""
        ticks, recorded, dropped = [], 0, 0
        with open(self.records.path) as f:
            for line in f:
                if '"type":"open"' in line:
                    recorded += 1
                    continue
                if '"type":"drop"' not in line:
                    continue
                r = json.loads(line)
                dropped += r["drop"]["reasons"].get("ringbuf", 0)
                t = rfc3339_ns(r["time"])
                if start_ns <= t <= end_ns:
                    ticks.append(t)
        return sorted(ticks), recorded, dropped

    def report(self, start_ns, end_ns):
        ticks, recorded, dropped = self.tallies(start_ns, end_ns)
        if not recorded or len(self.status_ms) < 3:
            raise Broken(f"the flood left {recorded} records and "
                         f"{len(self.status_ms)} status calls")
        periods = [(b - a) / 1e6 for a, b in zip(ticks, ticks[1:])]
        print()
        print(f"== Under a flood: {FLOODS} open loops for {SECS}s in one "
              f"sandbox, flow interval {TICK_MS} ms ==")
        stat_line("vigil status round trip:", self.status_ms)
        if periods:
            stat_line("drop records' period (the tick):", periods)
        total = recorded + dropped
        print(f"flood records: {recorded} recorded, {dropped} dropped "
              f"({dropped * 100 / max(total, 1):.0f}% of {total})")
        busy_warning(self.busy)
        target_p99("control socket during a flood", self.status_ms,
                   TARGET_P99_MS, 1)


if __name__ == "__main__":
    sys.exit(main(FloodBench, log))
