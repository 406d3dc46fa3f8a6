#!/usr/bin/env python3
"""Kill latency: from the offending syscall to an empty cgroup (root).

    bench/kill.py        (make bench runs it after the other benchmarks)

Starts `vigil daemon` on a sandbox root of its own (vigil-bench-PID under
the cgroup2 mount) with one rule: opening a trigger file kills the
sandbox. Then, BENCH_KILLS (120) times in a row: makes a sandbox, starts a
shell in it that opens the trigger file and would then sleep, waits until
the sandbox is empty and vigil has written its action record, and removes
the sandbox. After SIGTERM to vigil, the action records give each kill's
latency_ms: from the open's kernel timestamp to vigil seeing the cgroup
empty (policy/respond.c), evidence taken on the way included.

As a sanity check the script times the same kills itself: from the open
record's time to this script seeing "populated 0" in cgroup.events. It
also splits vigil's latency into steps: syscall to the alert record (ring
buffer and rules, from the records' times), then, from vigil's debug log
(-v), the freeze for evidence, taking the evidence, and cgroup.kill to
the cgroup seen empty.

Timings are reported, never asserted: the exit status is non-zero only when
something is broken (vigil does not start or stop cleanly, a sandbox is not
killed, or a kill has no action record). Everything created here (cgroups,
the daemon, the scratch dir) is removed on exit, on Ctrl-C and on SIGTERM.

Knobs (environment): VIGIL (./vigil), BENCH_KILLS (120), BENCH_KEEP=1
keeps the scratch dir.
"""
import os
import re
import signal
import sys

from benchlib import (Bench, Broken, busy_pct, busy_warning, logger, main,
                      rfc3339_ns, stat_line, target_p99)

KILLS = int(os.environ.get("BENCH_KILLS", "120"))
TARGET_P99_MS = 10.0
KILL_S = 5		# one kill, start of the shell to the action record

# The shell joins the sandbox, then opens the trigger (the redirection) and
# becomes sleep: the open is the offending syscall, made inside.
HELPER = 'echo $$ > "$0/cgroup.procs" || exit 125; exec sleep 1000 < "$1"'

log = logger("bench-kill")


class KillBench(Bench):
    def __init__(self):
        super().__init__("kill", log)
        self.trigger = os.path.join(self.scratch, "trigger")
        self.busy = 0		# % of the CPUs other work used before the run
        self.outside_ms = []	# open record's time to empty, seen here
        self.alert_ms = []	# open record's time to the alert record's

    # ---- set-up ---------------------------------------------------------

    def start(self):
        open(self.trigger, "w").close()
        self.start_daemon(f"""- rule: bench-kill
  description: the kill benchmark's trigger file was opened
  event: open
  when: 'open.path == "{self.trigger}"'
  severity: critical
  action: kill
""")

    # ---- one kill -------------------------------------------------------

    def kill_one(self, i):
        name = f"sb{i}"
        sb = self.make_sandbox(name)
        events_fd = os.open(os.path.join(sb, "cgroup.events"), os.O_RDONLY)
        try:
            helper = self.spawn(["sh", "-c", HELPER, sb, self.trigger])
            empty_ns = self.wait_empty(events_fd, helper, KILL_S)
        finally:
            os.close(events_fd)
        rc = self.reap(helper, KILL_S)
        if rc != -signal.SIGKILL:
            raise Broken(f"{name}: the helper exited {rc}, not killed")
        action = self.wait_action(name, KILL_S)
        trigger = self.records.by_seq.get(action["action"].get("trigger_seq"))
        alert = self.records.alerts.get(name)
        if trigger:
            t0 = rfc3339_ns(trigger["time"])
            self.outside_ms.append((empty_ns - t0) / 1e6)
            if alert:
                self.alert_ms.append((rfc3339_ns(alert["time"]) - t0) / 1e6)
        self.remove(sb)

    def run(self):
        self.busy = busy_pct()
        self.start()
        log(f"vigil ready; {KILLS} kills in {self.root}")
        for i in range(1, KILLS + 1):
            self.kill_one(i)
        self.stop_daemon()
        self.records.close()
        self.report()

    # ---- report ---------------------------------------------------------

    def debug_split(self):
        """Steps of each kill from vigil's debug log (policy/respond.c), in ms:
        freeze for evidence, evidence, cgroup.kill to seen empty."""
        steps = {"frozen": [], "evidence": [], "empty": []}
        with open(self.err) as f:
            for line in f:
                m = re.search(r"frozen in (\d+) us, evidence in (\d+) us", line)
                if m:
                    steps["frozen"].append(int(m[1]) / 1000)
                    steps["evidence"].append(int(m[2]) / 1000)
                m = re.search(r"empty (\d+) us after cgroup.kill", line)
                if m:
                    steps["empty"].append(int(m[1]) / 1000)
        return steps

    def report(self):
        acts = [r["action"] for r in self.records.actions.values()]
        done = [a["latency_ms"] for a in acts
                if a.get("action") == "kill" and a.get("outcome") == "done"
                and isinstance(a.get("latency_ms"), (int, float))]
        if len(done) != KILLS:
            raise Broken(f"{len(done)} kills done of {KILLS}: "
                         f"{[a.get('outcome') for a in acts if a.get('outcome') != 'done']}")

        line = stat_line

        print()
        print(f"== Kill latency: {KILLS} kills, one at a time, offending open "
              f"to empty cgroup ==")
        line("vigil's action records (latency_ms):", done)
        if self.outside_ms:
            line("seen from outside (open record to empty):", self.outside_ms)
        steps = self.debug_split()
        for label, v in (("syscall to alert record (ring buffer, rules)", self.alert_ms),
                         ("freeze for evidence", steps["frozen"]),
                         ("evidence from /proc", steps["evidence"]),
                         ("cgroup.kill to seen empty", steps["empty"])):
            if v:
                line("  " + label + ":", v)
        busy_warning(self.busy)
        target_p99("kill", done, TARGET_P99_MS, 2)


if __name__ == "__main__":
    sys.exit(main(KillBench, log))
