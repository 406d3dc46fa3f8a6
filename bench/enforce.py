#!/usr/bin/env python3
"""In-kernel enforcement (issue #4): how fast, and how exact (root).

    bench/enforce.py     (make bench runs it after bench/kill.py)

Compiles bench/enforce_helper.c into its scratch dir, then starts `vigil
daemon` on a sandbox root of its own (vigil-bench-PID under the cgroup2
mount) with a fake secret in a `fileset` that an `enforce: kernel` rule
kills on, and a `budgeted` profile: only ::1 allowed, `egress: monitor`
(the default, deny, would refuse the stream outright), `egress_budget:
10MiB`, and a `budget` rule with `action: kill`.

1. Protected open -> task death, BENCH_OPENS (200) times, one fresh
   sandbox each: the helper joins the sandbox, takes CLOCK_BOOTTIME right
   before open() of the secret (stored in a shared mapping: no syscall in
   between) and would print a marker if the open returned. It must never
   return. Reported: (a) the open record's kernel time (taken at the
   syscall's exit, where the SIGKILL is sent) to the helper's exit record
   (sched_process_exit); (b) the helper's timestamp before open() to the
   exit record, converted with the helper's own CLOCK_REALTIME -
   CLOCK_BOOTTIME offset, read as vigil reads it; (c) the kill action's
   latency_ms, the open to the whole sandbox seen empty by vigil.
2. Egress budget crossing -> first dropped packet, BENCH_BUDGETS (20)
   times, one fresh `budgeted` sandbox each, placed first (/bin/true run
   in it and its exec record seen, so the kernel has its profile): the
   helper streams 50 MiB to this script's listener on 127.0.0.1 (outside
   the allowlist). The kernel emits the budget record in the program run
   that drops the crossing packet, so crossing and first drop are one
   packet. Reported: bytes received vs the budget (the overshoot must be
   <= 0) and vs the record's `spent` (equal when every packet let through
   arrived once; lower when TCP resent packets lo reordered, as spent
   counts every copy that left), the budget record to the kill action
   record and to the sandbox seen empty (latency_ms), and when the
   sender's send()s stalled after the first drop.

Timings are reported, never asserted: the exit status is non-zero only when
something is broken (the helper does not build, vigil does not start or
stop cleanly, a protected open returned, the listener got more than the
budget, a sandbox was not killed or has no action record). Everything
created here (cgroups, the daemon, the listener, the scratch dir) is
removed on exit, on Ctrl-C and on SIGTERM. Network: loopback only.

Knobs (environment): VIGIL (./vigil), CC (cc), BENCH_OPENS (200),
BENCH_BUDGETS (20), BENCH_KEEP=1 keeps the scratch dir.
"""
import collections
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

from benchlib import (Bench, Broken, ROOT, busy_pct, busy_warning, logger,
                      main, rfc3339_ns, stat_line)

OPENS = int(os.environ.get("BENCH_OPENS", "200"))
BUDGETS = int(os.environ.get("BENCH_BUDGETS", "20"))
CC = os.environ.get("CC", "cc")
BUDGET = 10 << 20		# the profile's egress_budget
STREAM = 50 << 20		# what each budget sandbox tries to send
KILL_S = 5			# one protected open, start to action record
BUDGET_S = 15			# one budget sandbox, start to action record
IDLE_S = 0.1			# the listener has drained after this long idle
SO_MEMINFO = 55			# u32[9]; [8] is SK_MEMINFO_DROPS

PLACE = 'echo $$ > "$0/cgroup.procs" || exit 125; exec /bin/true'

RULES = """- fileset: bench-secrets
  description: the enforce benchmark's fake secret
  paths: ["{secret}"]

- rule: bench-secret-open
  description: a sandbox opened the enforce benchmark's fake secret
  event: open
  when: open.fileset == bench-secrets
  severity: critical
  action: kill
  enforce: kernel

- rule: bench-budget-spent
  description: a sandbox spent its egress budget
  event: budget
  when: budget.limit > 0
  severity: critical
  action: kill

- profile: budgeted
  description: only ::1 allowed; 10 MiB to anything else, let through
  egress: monitor
  allow:
    destinations: ["::1"]
  egress_budget: 10MiB
"""

# struct stamp in enforce_helper.c.
STAMP = struct.Struct("<8q")
Stamp = collections.namedtuple("Stamp", "offset_ns offset_gap_ns before_ns "
                               "returned ret sent last_send_ns send_errno")

BudgetRun = collections.namedtuple(
    "BudgetRun", "received spent drops to_action_ms to_empty_ms stall_ms "
    "undelivered blocked_ms")

log = logger("bench-enforce")


def lo_max_packet():
    """The most bytes one packet on lo can carry: its TSO (GSO) cap, from
    `ip -d -j link show lo`, else 64 KiB."""
    try:
        r = subprocess.run(["ip", "-d", "-j", "link", "show", "lo"],
                           capture_output=True, text=True, timeout=10)
        info = json.loads(r.stdout)[0]
        return max(info.get(k, 0) for k in
                   ("gso_max_size", "gso_ipv4_max_size", "tso_max_size"))
    except (OSError, ValueError, IndexError, KeyError,
            subprocess.TimeoutExpired):
        return 65536


class Listener:
    """The loopback sink: one connection at a time, on a thread, counting
    bytes; closed with a reset on request, so the killed sender's orphaned
    socket goes at once."""

    class Conn:
        def __init__(self):
            self.bytes = 0
            self.drops = 0	# packets the socket dropped on arrival
            self.last_rx = time.monotonic()
            self.close_req = threading.Event()
            self.closed = threading.Event()

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.sock.settimeout(0.05)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        buf = bytearray(1 << 20)
        while not self.stopping.is_set():
            try:
                c, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            conn = self.Conn()
            self.conns.append(conn)
            c.settimeout(0.02)
            while not (self.stopping.is_set() or conn.close_req.is_set()):
                try:
                    n = c.recv_into(buf)
                except socket.timeout:
                    continue
                except OSError:
                    break
                if n == 0:
                    break
                conn.bytes += n
                conn.last_rx = time.monotonic()
            try:
                conn.drops = struct.unpack(
                    "9I", c.getsockopt(socket.SOL_SOCKET, SO_MEMINFO, 36))[8]
            except OSError:
                pass
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                         struct.pack("ii", 1, 0))
            c.close()
            conn.closed.set()

    def drained(self, n_before, timeout):
        """The connection accepted after the first n_before, closed once
        nothing has arrived on it for IDLE_S."""
        deadline = time.monotonic() + timeout
        while len(self.conns) <= n_before:
            if time.monotonic() > deadline:
                raise Broken("the sender never connected to the listener")
            time.sleep(0.005)
        conn = self.conns[n_before]
        while time.monotonic() - conn.last_rx < IDLE_S:
            if time.monotonic() > deadline:
                break
            time.sleep(0.01)
        conn.close_req.set()
        conn.closed.wait(2)
        return conn

    def close(self):
        self.stopping.set()
        self.thread.join(5)
        self.sock.close()


class EnforceBench(Bench):
    def __init__(self):
        super().__init__("enforce", log)
        self.secret = os.path.join(self.scratch, "secret")
        self.stamp = os.path.join(self.scratch, "stamp")
        self.helper = os.path.join(self.scratch, "enforce_helper")
        self.stamp_fd = None
        self.listener = None
        self.busy = 0
        # protected opens
        self.returned = []	# (sandbox, status, output): opens that returned
        self.killed_flag = 0	# open records with kernel_killed
        self.sigkill_verdict = 0	# kill actions with kernel_verdict sigkill
        self.open_exit_us = []	# (a)
        self.user_exit_us = []	# (b)
        self.user_open_us = []	# (b) - (a): timestamp to the open record
        self.open_empty_ms = []	# (c)
        self.offsets = []	# the helpers' boot to realtime offsets
        self.offset_gaps = []	# and the boot clock's advance across each read
        # budgets
        self.lo_packet = 0	# the most one packet carries on lo
        self.runs = []		# one BudgetRun per sandbox
        self.drop_verdict = 0	# kill actions with kernel_verdict drop

    # ---- set-up and clean-up --------------------------------------------

    def build_helper(self):
        src = os.path.join(ROOT, "bench", "enforce_helper.c")
        cmd = [CC, "-O2", "-g", "-std=gnu11", "-Wall", "-Wextra", "-Werror",
               "-D_GNU_SOURCE", "-o", self.helper, src]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            raise Broken(f"building the helper failed:\n{' '.join(cmd)}\n"
                         f"{r.stdout}{r.stderr}")

    def start(self):
        self.build_helper()
        with open(self.secret, "w") as f:
            f.write("FAKE SECRET FOR THE VIGIL BENCHMARK\n")
        self.stamp_fd = os.open(self.stamp, os.O_RDWR | os.O_CREAT, 0o600)
        os.pwrite(self.stamp_fd, bytes(4096), 0)
        self.listener = Listener()
        self.start_daemon(RULES.format(secret=self.secret))

    def cleanup(self):
        if self.listener:
            self.listener.close()
            self.listener = None
        if self.stamp_fd is not None:
            os.close(self.stamp_fd)
            self.stamp_fd = None
        super().cleanup()

    def read_stamp(self):
        return Stamp(*STAMP.unpack(os.pread(self.stamp_fd, STAMP.size, 0)))

    def clear_stamp(self):
        os.pwrite(self.stamp_fd, bytes(STAMP.size), 0)

    def exit_record(self, name, pid, timeout):
        return self.wait_for(
            lambda: next((r for r in self.records.of(name, "exit")
                          if r["proc"]["pid"] == pid), None),
            timeout, f"exit record for {name}")

    def kill_of(self, name, rtype):
        """The sandbox's done kill action and its trigger, a record of
        type rtype."""
        action = self.wait_action(name, KILL_S)
        y = action["action"]
        if y.get("action") != "kill" or y.get("outcome") != "done":
            raise Broken(f"{name}: not killed: {y}")
        t = self.records.by_seq.get(y.get("trigger_seq"))
        if not t or t["type"] != rtype:
            raise Broken(f"{name}: the kill's trigger is not a {rtype} "
                         f"record: {t}")
        return action, t

    # ---- 1. protected open -> task death ----------------------------------

    def open_one(self, i):
        name = f"open{i}"
        sb = self.make_sandbox(name)
        self.clear_stamp()
        events_fd = os.open(os.path.join(sb, "cgroup.events"), os.O_RDONLY)
        try:
            p = self.spawn([self.helper, "open", sb, self.stamp, self.secret],
                           stdout=subprocess.PIPE)
            self.wait_empty(events_fd, p, KILL_S)
        finally:
            os.close(events_fd)
        rc = self.reap(p, KILL_S)
        out = p.stdout.read().decode(errors="replace").strip()
        p.stdout.close()
        st = self.read_stamp()
        if rc in (2, 125):
            raise Broken(f"{name}: the helper failed before the open "
                         f"(exit {rc})")
        if st.returned or out or rc != -signal.SIGKILL:
            self.returned.append((name, rc, out))
            log(f"PROTECTED OPEN RETURNED in {name}: exit {rc}, {out!r}")
        action, trig = self.kill_of(name, "open")
        y = action["action"]
        self.sigkill_verdict += y.get("kernel_verdict") == "sigkill"
        self.killed_flag += trig["open"].get("kernel_killed") is True
        ex = self.exit_record(name, p.pid, KILL_S)
        t_open = rfc3339_ns(trig["time"])
        t_exit = rfc3339_ns(ex["time"])
        before = st.before_ns + st.offset_ns	# as realtime, like the records
        self.open_exit_us.append((t_exit - t_open) / 1e3)
        self.user_exit_us.append((t_exit - before) / 1e3)
        self.user_open_us.append((t_open - before) / 1e3)
        self.open_empty_ms.append(y["latency_ms"])
        self.offsets.append(st.offset_ns)
        self.offset_gaps.append(st.offset_gap_ns)
        self.remove(sb)

    # ---- 2. egress budget crossing -> first dropped packet ---------------

    def place(self, name, sb):
        """Runs /bin/true in sb and waits for its exec record: vigil has
        then given the kernel the sandbox's own profile."""
        p = self.spawn(["sh", "-c", PLACE, sb])
        rc = self.reap(p, BUDGET_S)
        if rc != 0:
            raise Broken(f"{name}: placing /bin/true exited {rc}")
        self.wait_for(lambda: self.records.of(name, "exec"), BUDGET_S,
                      f"exec record for {name}")

    def budget_one(self, i):
        name = f"budget{i}"
        sb = self.make_sandbox(name, profile="budgeted")
        self.place(name, sb)
        self.clear_stamp()
        n_before = len(self.listener.conns)
        events_fd = os.open(os.path.join(sb, "cgroup.events"), os.O_RDONLY)
        try:
            p = self.spawn([self.helper, "stream", sb, self.stamp, "127.0.0.1",
                            str(self.listener.port), str(STREAM)])
            self.wait_empty(events_fd, p, BUDGET_S)
        finally:
            os.close(events_fd)
        rc = self.reap(p, KILL_S)
        if rc != -signal.SIGKILL:
            raise Broken(f"{name}: the sender exited {rc}, not killed")
        conn = self.listener.drained(n_before, BUDGET_S)
        received = conn.bytes
        action, b = self.kill_of(name, "budget")
        y = action["action"]
        self.drop_verdict += y.get("kernel_verdict") == "drop"
        st = self.read_stamp()
        ex = self.exit_record(name, p.pid, KILL_S)
        t_budget = rfc3339_ns(b["time"])
        t_exit = rfc3339_ns(ex["time"])
        last_send = st.last_send_ns + st.offset_ns
        spent = b["budget"]["spent"]
        self.runs.append(BudgetRun(
            received=received, spent=spent, drops=conn.drops,
            to_action_ms=(rfc3339_ns(action["time"]) - t_budget) / 1e6,
            to_empty_ms=y["latency_ms"],
            stall_ms=(last_send - t_budget) / 1e6,
            undelivered=st.sent - received,
            blocked_ms=(t_exit - last_send) / 1e6))
        self.offsets.append(st.offset_ns)
        self.offset_gaps.append(st.offset_gap_ns)
        self.remove(sb)

    def run(self):
        self.busy = busy_pct()
        self.lo_packet = lo_max_packet()
        self.start()
        log(f"vigil ready; {OPENS} protected opens, then {BUDGETS} budgets, "
            f"in {self.root}")
        for i in range(1, OPENS + 1):
            self.open_one(i)
        for i in range(1, BUDGETS + 1):
            self.budget_one(i)
        self.stop_daemon()
        self.records.close()
        self.report()

    # ---- report ---------------------------------------------------------

    def report(self):
        def line(label, v, unit="ms", prec=2):
            if v:
                stat_line(label, v, unit, width=52, prec=prec)

        print()
        print(f"== Protected open -> task death: {OPENS} opens of a "
              f"kernel-enforced fileset, one sandbox each ==")
        line("(a) open record to exit record (kernel clocks):",
             self.open_exit_us, "us", 1)
        line("(b) user timestamp before open() to exit record:",
             self.user_exit_us, "us", 1)
        line("  user timestamp to open record (syscall exit):",
             self.user_open_us, "us", 1)
        line("(c) open to sandbox seen empty (latency_ms):",
             self.open_empty_ms)
        if self.offsets:
            gap = max(self.offset_gaps)
            moved = max(self.offsets) - min(self.offsets)
            # Both clocks run at the NTP-adjusted rate: only a step of the
            # wall clock moves the offset. What is left is how long each
            # read (the helper's, vigil's) took between its two clocks.
            print(f"(b) uses each helper's CLOCK_REALTIME - CLOCK_BOOTTIME, "
                  f"read as vigil reads it: error about "
                  f"+-{(2 * gap + moved) / 1e3:.2f} us (a read spans <= "
                  f"{gap} ns; the offset moved {moved} ns over the run)")
        print(f"open records kernel_killed: {self.killed_flag}/{OPENS}; "
              f"kill actions with kernel_verdict sigkill: "
              f"{self.sigkill_verdict}/{OPENS}")

        runs = self.runs
        print()
        print(f"== Egress budget crossing -> first dropped packet: {BUDGETS} "
              f"sandboxes streaming {STREAM >> 20} MiB to 127.0.0.1, budget "
              f"{BUDGET} bytes ==")
        print("crossing and first drop are one packet: the kernel emits the "
              "budget record in the program run that drops it")
        if runs:
            rcv = [r.received for r in runs]
            print(f"listener received: min {min(rcv)}  max {max(rcv)} bytes; "
                  f"received - budget: max {max(rcv) - BUDGET} bytes")
            exact = [r for r in runs if r.received == r.spent]
            print(f"received == budget record's spent: {len(exact)}/"
                  f"{len(runs)} (let through = arrived; one packet on lo "
                  f"carries up to {self.lo_packet} bytes)")
            dup = [r for r in runs if r.received < r.spent and r.drops]
            if dup:
                print(f"  the other {len(dup)} (received - spent: "
                      f"{', '.join(str(r.received - r.spent) for r in dup)} "
                      f"bytes): TCP resent packets (reordered between CPUs on "
                      f"lo); the listener's socket discarded "
                      f"{sum(r.drops for r in dup)} copies, which spent "
                      f"counts as they left")
            print(f"budget - spent (room the dropped packet did not fit): "
                  f"max {max(BUDGET - r.spent for r in runs)} bytes")
            line("budget record to kill action record:",
                 [r.to_action_ms for r in runs])
            line("budget record to sandbox seen empty (latency_ms):",
                 [r.to_empty_ms for r in runs])
            line("first drop to the sender's last send() return:",
                 [r.stall_ms for r in runs])
            line("  then blocked in send() until killed:",
                 [r.blocked_ms for r in runs])
            line("  bytes send() took that never arrived (KiB):",
                 [r.undelivered / 1024 for r in runs], "KiB", 0)
            early = sum(r.stall_ms < 0 for r in runs)
            if early:
                print(f"  ({early} senders were already waiting for the "
                      f"listener's window at the first drop: negative)")
            print(f"kill actions with kernel_verdict drop: "
                  f"{self.drop_verdict}/{BUDGETS}")
        busy_warning(self.busy)

        print()
        print("== Verdicts ==")
        broken = []
        if self.returned:
            print(f"PROTECTED OPENS RETURNED: {len(self.returned)}/{OPENS}: "
                  f"{self.returned[:5]}")
            broken.append(f"{len(self.returned)} protected opens returned")
        else:
            print(f"never returned: {OPENS}/{OPENS}")
        if runs:
            over = max(r.received - BUDGET for r in runs)
            if over > 0:
                print(f"BUDGET OVERSHOOT: {over} bytes: the listener got more "
                      f"than the budget")
                broken.append(f"the listener got {over} bytes over the budget")
            else:
                print(f"budget overshoot: {over} bytes (max of received - "
                      f"budget over {len(runs)} sandboxes)")
            odd = [r.received - r.spent for r in runs
                   if r.received != r.spent
                   and not (r.drops and r.received < r.spent)]
            if odd:
                print(f"WARNING: received - spent != 0 with no socket drop "
                      f"to explain it in {len(odd)} runs: {odd[:5]} bytes")
        print(f"sandboxes killed: {OPENS + BUDGETS}/{OPENS + BUDGETS}")
        if broken:
            raise Broken("; ".join(broken))


if __name__ == "__main__":
    sys.exit(main(EnforceBench, log))
