#!/usr/bin/env python3
"""Floods cannot blind vigil (root).

    bench/flood.py       (make bench runs it after the other benchmarks)

Starts `vigil daemon` on a sandbox root of its own with the bench's rules
(fake credentials that alert, a fake key the kernel kills the opener of)
and a flow interval of BENCH_FLOOD_TICK_MS (250). Three parts:

1. The collector's duties: two `workload openmiss` loops (a new path each
   time: nothing for the kernel to count as repeats) flood one sandbox
   for BENCH_FLOOD_SECS (10), far more than one collector core takes, so
   the ring buffer stays full; `vigil status` is timed against the
   control socket every 100 ms, and the drop records' period is read
   afterwards.
2. Repeats: two `workload openburst` loops (one file) for 5 s: the share
   of their opens the kernel counted in repeat records, sent as open
   records, and lost.
3. Flood, then steal, BENCH_FLOOD_TRIALS (20) times, each in a sandbox of
   its own: two openmiss loops, and a second in `cat` of the fake
   credentials and of the fake key. Detected: the credentials' alert;
   killed: the kernel killed `cat` and vigil the sandbox (its kill
   latency is reported). Target: every trial both.

Timings are reported, never asserted: the exit status is non-zero only when
something is broken (vigil does not start or stop cleanly, a status call
fails, the flood leaves no trace). Everything created here is removed on
exit.

Knobs (environment): VIGIL (./vigil), BENCH_FLOOD_SECS (10),
BENCH_FLOOD_TICK_MS (250), BENCH_FLOOD_TRIALS (20), BENCH_KEEP=1 keeps the
scratch dir.
"""
import json
import os
import subprocess
import sys
import time

from benchlib import (Bench, Broken, VIGIL, busy_pct, busy_warning, logger,
                      main, rfc3339_ns, stat_line, target_p99)

SECS = int(os.environ.get("BENCH_FLOOD_SECS", "10"))
TRIALS = int(os.environ.get("BENCH_FLOOD_TRIALS", "20"))
REPEAT_SECS = 5
TICK_MS = int(os.environ.get("BENCH_FLOOD_TICK_MS", "250"))
FLOODS = 2
TARGET_P99_MS = 100.0
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORKLOAD = os.path.join(ROOT, "build", "bench", "workload")

RULES = """- fileset: bench-creds
  description: the bench's fake credentials
  paths: ["{d}/creds"]
- fileset: bench-key
  description: the bench's fake key
  paths: ["{d}/key"]
- rule: bench-creds-read
  description: a sandbox read the fake credentials
  event: open
  when: open.fileset == bench-creds
  score: 30
- rule: bench-key-read
  description: a sandbox opened the fake key
  event: open
  when: open.fileset == bench-key
  score: 100
  action: kill
  enforce: kernel
"""

log = logger("bench-flood")


def build_workload():
    """bench/run.sh builds it; alone, this script builds it the same way."""
    src = os.path.join(ROOT, "bench", "workload.c")
    if os.access(WORKLOAD, os.X_OK) and \
            os.path.getmtime(WORKLOAD) >= os.path.getmtime(src):
        return
    os.makedirs(os.path.dirname(WORKLOAD), exist_ok=True)
    subprocess.run([os.environ.get("CC", "cc"), "-O2", "-std=gnu11",
                    "-D_GNU_SOURCE", "-Wall", "-Werror", "-pthread",
                    src, "-o", WORKLOAD], check=True)


class FloodBench(Bench):
    def __init__(self):
        super().__init__("flood", log)
        self.control = os.path.join(self.scratch, "control.sock")
        self.loot = os.path.join(self.scratch, "loot")
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

    def in_sandbox(self, sb, argv, **kw):
        enter = 'echo $$ > "$0/cgroup.procs" || exit 125; exec "$@"'
        return self.spawn(["sh", "-c", enter, sb, *argv], **kw)

    def loops(self, sb, mode, secs):
        return [self.in_sandbox(sb, [WORKLOAD, mode, str(secs)],
                                env={**os.environ, "TMPDIR": self.scratch})
                for _ in range(FLOODS)]

    def flood(self):
        sb = self.make_sandbox("flood")
        loops = self.loops(sb, "openmiss", SECS)
        start = time.time_ns()
        while any(p.poll() is None for p in loops):
            self.status_once()
            time.sleep(0.1)
        for p in loops:
            if self.reap(p, 30) != 0:
                raise Broken(f"a flood loop exited {p.returncode}")
        return start, time.time_ns()

    def repeats(self):
        """Opens of one file: what the kernel counted, sent and lost."""
        loops = self.loops(self.make_sandbox("repeats"), "openburst",
                           REPEAT_SECS)
        for p in loops:
            if self.reap(p, REPEAT_SECS + 30) != 0:
                raise Broken(f"a repeat loop exited {p.returncode}")

    def grep(self, sid, types):
        """The sandbox's records of some types, from the output so far."""
        pattern = "|".join(f'"type":"{t}"' for t in types)
        out = subprocess.run(["grep", "-E", pattern, self.records.path],
                             capture_output=True, text=True).stdout
        # An action's last_records hold other types' text too.
        return [r for r in map(json.loads, out.splitlines())
                if r["type"] in types
                and (r.get("sandbox") or {}).get("id") == sid]

    def steal(self, trial):
        """One trial: (alerted, killed, kill latency in ms or None)."""
        sid = f"steal-{trial}"
        sb = self.make_sandbox(sid)
        loops = self.loops(sb, "openmiss", 3)
        time.sleep(1)
        for name in ("creds", "key"):
            self.reap(self.in_sandbox(sb, ["cat", f"{self.loot}/{name}"]), 30)
        deadline = time.monotonic() + 30
        kill = []
        while not kill and time.monotonic() < deadline:
            time.sleep(0.1)
            kill = [r for r in self.grep(sid, ["action"])
                    if r["action"]["action"] == "kill"]
        for p in loops:
            self.reap(p, 30)
        rules = {r["alert"]["rule"] for r in self.grep(sid, ["alert"])}
        # The output grows by the flood's records: start each trial anew.
        os.truncate(self.records.path, 0)
        self.remove(sb)
        done = kill and kill[0]["action"]["outcome"] == "done"
        return ("bench-creds-read" in rules, bool(done),
                kill[0]["action"]["latency_ms"] if done else None)

    def run(self):
        build_workload()
        self.busy = busy_pct()
        os.mkdir(self.loot)
        for name in ("creds", "key"):
            with open(os.path.join(self.loot, name), "w") as f:
                f.write("fake\n")
        args = (RULES.format(d=self.loot), "--flow-interval", str(TICK_MS))
        self.start_daemon(*args)
        log(f"vigil ready; {FLOODS} open loops for {SECS}s in {self.root}")
        window = self.flood()
        self.repeats()
        # The stop drains what the floods left: the tallies are whole.
        self.stop_daemon()
        tallies = self.tallies(*window)
        os.truncate(self.records.path, 0)
        self.start_daemon(*args)
        log(f"{TRIALS} flood-then-steal trials")
        trials = [self.steal(t) for t in range(TRIALS)]
        self.stop_daemon()
        self.report(tallies, trials)

    def tallies(self, start_ns, end_ns):
        """The drop record times inside the flood, and per sandbox the
        opens sent, counted as repeats and lost. The output is large:
        read as a stream, only the records counted parsed."""
        ticks = []
        opens, repeated, lost = {}, {}, {}
        with open(self.records.path) as f:
            for line in f:
                # A repeat record names the type it repeats: first.
                if '"type":"repeat"' in line:
                    r = json.loads(line)
                    sid = r["sandbox"]["id"]
                    repeated[sid] = repeated.get(sid, 0) + r["repeat"]["count"]
                    continue
                if '"type":"open"' in line:
                    sid = json.loads(line)["sandbox"]["id"]
                    opens[sid] = opens.get(sid, 0) + 1
                    continue
                if '"type":"drop"' not in line:
                    continue
                r = json.loads(line)
                if r["sandbox"]:
                    sid = r["sandbox"]["id"]
                    lost[sid] = lost.get(sid, 0) + r["drop"]["lost"]
                    continue
                t = rfc3339_ns(r["time"])
                if start_ns <= t <= end_ns:
                    ticks.append(t)
        return sorted(ticks), opens, repeated, lost

    def report(self, tallies, trials):
        ticks, opens, repeated, lost = tallies
        if not opens.get("flood") or len(self.status_ms) < 3:
            raise Broken(f"the flood left {opens.get('flood')} records and "
                         f"{len(self.status_ms)} status calls")
        periods = [(b - a) / 1e6 for a, b in zip(ticks, ticks[1:])]
        print()
        print(f"== Under a flood: {FLOODS} loops opening new paths for "
              f"{SECS}s in one sandbox, flow interval {TICK_MS} ms ==")
        stat_line("vigil status round trip:", self.status_ms)
        if periods:
            stat_line("drop records' period (the tick):", periods)
        for sid, what in (("flood", "new paths"), ("repeats", "one file")):
            n = [opens.get(sid, 0), repeated.get(sid, 0), lost.get(sid, 0)]
            total = max(sum(n), 1)
            print(f"opens of {what:<9}: {sum(n):>9} = sent {n[0]} "
                  f"({n[0] * 100 / total:.0f}%), counted as repeats {n[1]} "
                  f"({n[1] * 100 / total:.0f}%), lost {n[2]} "
                  f"({n[2] * 100 / total:.0f}%)")
        alerted = sum(t[0] for t in trials)
        killed = sum(t[1] for t in trials)
        print()
        print(f"== Flood, then steal: {len(trials)} trials, {FLOODS} loops "
              f"opening new paths in each sandbox ==")
        print(f"credentials read seen: {alerted}/{len(trials)}; key opener "
              f"killed and sandbox killed: {killed}/{len(trials)}")
        latencies = [t[2] for t in trials if t[2] is not None]
        if latencies:
            stat_line("kill latency under the flood:", latencies)
        busy_warning(self.busy)
        target_p99("control socket during a flood", self.status_ms,
                   TARGET_P99_MS, 1)
        print(f"flood-then-steal detection 100%: {alerted * 100 // len(trials)}"
              f"% seen, {killed * 100 // len(trials)}% killed -> "
              f"{'met' if alerted == killed == len(trials) else 'missed'}")


if __name__ == "__main__":
    sys.exit(main(FloodBench, log))
