#!/usr/bin/env python3
"""Programs a profile does not list, judged in the kernel (issue 16):
what the judgement adds to an exec (root).

    bench/exeallow.py     (make bench runs it after bench/egress.py)

Starts `vigil daemon` on a sandbox root of its own with a rule
`exec.allowed == false` (action: ask, enforce: kernel) and three
profiles: `plain` lists no executables (the kernel does not judge its
programs), `judged` lists "/usr/*", and `judged64` 63 patterns that do
not match before "/usr/*" (the matcher's cost grows with the patterns it
tries). In a sandbox of each, side by side and alternated, a dash loop
fork+execs /usr/bin/true BENCH_EXECS (500) times, ROUNDS (3) times.
Reported per configuration: the wall ns per fork+exec, and exec_done's
(sched_process_exec) own ns per run from the kernel's BPF stats of this
daemon's programs, with the ratio to `plain`. Reported, never asserted.

Knobs (environment): VIGIL (./vigil), BENCH_EXECS (500).
"""
import json
import os
import subprocess
import time

from benchlib import Bench, Broken, logger, main

EXECS = int(os.environ.get("BENCH_EXECS", "500"))
ROUNDS = 3
log = logger("exeallow")

MISSES = ", ".join(f'"/opt/tool{i}/*"' for i in range(63))
RULES = f"""
- rule: unlisted
  description: a program the profile does not list
  event: exec
  when: exec.allowed == false
  action: ask
  enforce: kernel
- profile: plain
- profile: judged
  allow: {{executables: ["/usr/*"]}}
- profile: judged64
  allow: {{executables: [{MISSES}, "/usr/*"]}}
"""
PROFILES = ("plain", "judged", "judged64")
LOOP = 'i=0; while [ $i -lt {n} ]; do /usr/bin/true; i=$((i+1)); done'


def progs():
    out = subprocess.run(["bpftool", "prog", "show", "-j"], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out or "[]")


class ExeAllowBench(Bench):
    def __init__(self):
        super().__init__("exeallow", log)

    def exec_done(self):
        """(run_time_ns, run_cnt) of this daemon's exec_done: the one
        loaded since it started (bpftool here names no owner pids)."""
        found = [p for p in progs() if p.get("name") == "exec_done" and
                 p["id"] not in self.before]
        if len(found) != 1:
            raise Broken(f"{len(found)} exec_done programs loaded since "
                         "the daemon started, not 1")
        return found[0].get("run_time_ns", 0), found[0].get("run_cnt", 0)

    def loop(self, sb):
        """(wall ns per fork+exec, exec_done ns per run) of one loop."""
        def enter():
            with open(os.path.join(sb, "cgroup.procs"), "w") as f:
                f.write(str(os.getpid()))
        t0, c0 = self.exec_done()
        start = time.monotonic_ns()
        p = self.spawn(["/usr/bin/sh", "-c", LOOP.format(n=EXECS)],
                       preexec_fn=enter)
        if self.reap(p, 600):
            raise Broken(f"the exec loop in {sb} failed")
        wall = (time.monotonic_ns() - start) / EXECS
        t1, c1 = self.exec_done()
        if c1 - c0 < EXECS:
            raise Broken(f"exec_done ran {c1 - c0} times for {EXECS} execs")
        return wall, (t1 - t0) / (c1 - c0)

    def run(self):
        self.stats_on()
        self.before = {p["id"] for p in progs()}
        self.start_daemon(RULES, "--approvals-dir",
                          os.path.join(self.scratch, "approvals"))
        sbs = {p: self.make_sandbox(p, profile=p) for p in PROFILES}
        # Placed under their profiles before they are measured.
        for p, sb in sbs.items():
            self.loop(sb)
            self.wait_for(lambda p=p: self.records.of(p, "exec"), 30,
                          f"an exec record of {p}")
        got = {p: [] for p in PROFILES}
        for _ in range(ROUNDS):
            for p, sb in sbs.items():
                got[p].append(self.loop(sb))
        asked = [r for r in self.records.by_seq.values()
                 if r.get("type") == "approval"]
        if asked:
            raise Broken(f"a listed program was asked for: {asked[0]}")
        base = min(w for w, _ in got["plain"]), min(b for _, b in got["plain"])
        log(f"{EXECS} fork+execs of /usr/bin/true x {ROUNDS}, best round:")
        for p in PROFILES:
            wall, bpf = min(w for w, _ in got[p]), min(b for _, b in got[p])
            log(f"  {p:9s} fork+exec {wall / 1000:7.1f} us ({wall / base[0]:.3f}"
                f" x plain)   exec_done {bpf:7.0f} ns ({bpf / base[1]:.2f} x "
                f"plain, +{bpf - base[1]:.0f} ns)")
        self.stop_daemon()


if __name__ == "__main__":
    raise SystemExit(main(ExeAllowBench, log))
