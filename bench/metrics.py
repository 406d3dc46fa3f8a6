#!/usr/bin/env python3
"""The collector's records/s with the metrics endpoint off and on, side
by side (root).

    bench/metrics.py     (make bench runs it as its own step)

Each round starts `vigil daemon` on a sandbox root of its own, floods one
sandbox with a `workload openburst` loop for BENCH_METRICS_SECS (5): more
opens than one collector core takes, so the records it sends (counted
from its closing stats line; the output is /dev/null) are what the
collector managed. In the rounds with metrics, the daemon serves
--metrics on loopback and a scraper reads /metrics every 100 ms (ten
times as often as a busy Prometheus would). Rounds alternate, off, on,
off, on (BENCH_METRICS_ROUNDS pairs, 2), so drift on a shared host hits
both alike.

Reported: the collector's records/s of each mode (median of its rounds)
and their ratio, on/off; the target is no measurable difference (a ratio
near 1.00, within the rounds' own spread). Reported, never asserted.

Knobs (environment): VIGIL (./vigil), BENCH_METRICS_SECS (5),
BENCH_METRICS_ROUNDS (2), BENCH_KEEP=1 keeps the scratch dirs.
"""
import os
import socket
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

from benchlib import Bench, Broken, Records, busy_pct, busy_warning, logger, main
from flood import WORKLOAD, build_workload

SECS = int(os.environ.get("BENCH_METRICS_SECS", "5"))
ROUNDS = int(os.environ.get("BENCH_METRICS_ROUNDS", "2"))
SCRAPE_S = 0.1

log = logger("bench-metrics")

# The daemon's rules: one that never matches, so the records are all the
# collector does.
QUIET_RULES = """- rule: bench-never
  description: matches nothing; the daemon serves its socket with rules
  event: open
  when: 'open.path == "/nonexistent/vigil-bench"'
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Scraper(threading.Thread):
    """GET url every SCRAPE_S until stopped; counts good scrapes."""

    def __init__(self, url):
        super().__init__(daemon=True)
        self.url, self.ok, self.stop = url, 0, threading.Event()

    def run(self):
        while not self.stop.wait(SCRAPE_S):
            with urllib.request.urlopen(self.url, timeout=5) as r:
                r.read()
                self.ok += r.status == 200


class MetricsBench(Bench):
    def __init__(self):
        super().__init__("metrics", log)
        self.rates = {"off": [], "on": []}
        self.scrapes = 0

    def round(self, n, mode):
        # The records go nowhere: gigabytes of JSON written to a file
        # would throttle later rounds on the disk's writeback. The
        # daemon's closing stats line counts them.
        self.records = Records(os.devnull)
        port = free_port()
        extra = ["--metrics", f"127.0.0.1:{port}"] if mode == "on" else []
        # --repeat-rate 0: the loop's repeated opens are records, not
        # counts (bpf/repeat.bpf.h), so the collector is flooded.
        self.start_daemon(QUIET_RULES, "--repeat-rate", "0", *extra)
        scraper = None
        if mode == "on":
            scraper = Scraper(f"http://127.0.0.1:{port}/metrics")
            scraper.start()
        sb = self.make_sandbox("flood")
        enter = 'echo $$ > "$0/cgroup.procs" || exit 125; exec "$@"'
        p = self.spawn(["sh", "-c", enter, sb, WORKLOAD, "openburst",
                        str(SECS)], env={**os.environ, "TMPDIR": self.scratch})
        if self.reap(p, SECS + 60) != 0:
            raise Broken(f"the flood loop exited {p.returncode}")
        if scraper:
            scraper.stop.set()
            scraper.join(10)
            self.scrapes += scraper.ok
        self.stop_daemon()
        self.remove(sb)
        os.rmdir(self.root)
        self.made_root = False
        sent = self.records_sent()
        if not sent:
            raise Broken(f"round {n} ({mode}) recorded nothing")
        self.rates[mode].append(sent / SECS)

    def records_sent(self):
        """From 'vigil: stats records=N drops=N ...': the records sent,
        without the sequence numbers of those the kernel dropped."""
        with open(self.err) as f:
            m = re.findall(r"vigil: stats records=(\d+) drops=(\d+)", f.read())
        if not m:
            raise Broken("no stats line from vigil:\n" + self.tail_err())
        records, drops = map(int, m[-1])
        return records - drops

    def run(self):
        build_workload()
        busy = busy_pct()
        for i in range(ROUNDS):
            for mode in ("off", "on"):
                self.round(2 * i + (mode == "on"), mode)
        off = statistics.median(self.rates["off"])
        on = statistics.median(self.rates["on"])
        print()
        print(f"== Metrics on and off: collector records/s under an open "
              f"flood, {ROUNDS} rounds each, {SECS}s ==")
        for mode in ("off", "on"):
            rounds = " ".join(f"{r:,.0f}" for r in self.rates[mode])
            print(f"metrics {mode:<3}  median {statistics.median(self.rates[mode]):>12,.0f} "
                  f"records/s   (rounds: {rounds})")
        print(f"ratio on/off: {on / off:.3f}  ({self.scrapes} scrapes of "
              f"/metrics every {SCRAPE_S * 1000:.0f} ms in the 'on' rounds; "
              f"target: no measurable difference)")
        busy_warning(busy)


if __name__ == "__main__":
    sys.exit(main(MetricsBench, log))
