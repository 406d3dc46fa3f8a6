"""What bench/kill.py and bench/enforce.py share (not a benchmark itself).

- Bench: a run's own sandbox root (vigil-bench-PID under the cgroup2
  mount), scratch dir, `vigil daemon` on that root with the run's rules,
  the processes the run started, and their removal (cleanup).
- Records: vigil's JSON Lines output, read as it grows.
- main(): root and binary checks, SIGINT/SIGTERM/SIGHUP unwinding through
  the clean-up, and the exit status (1 when something is Broken).
- Small helpers: record times, percentiles, report lines.

Processes are only ever signalled by the pid of a Popen started here, and
only cgroups below the run's own root are killed or removed.
"""
import calendar
import json
import os
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VIGIL = os.environ.get("VIGIL", os.path.join(ROOT, "vigil"))
READY_S = 60		# vigil attaching its programs
STOP_S = 30		# vigil draining on SIGTERM
BPF_STATS = "/proc/sys/kernel/bpf_stats_enabled"


class Broken(Exception):
    """Something that makes the numbers meaningless."""


def logger(name):
    """A log function writing "NAME: msg" to stderr."""
    def log(msg):
        print(f"{name}: {msg}", file=sys.stderr, flush=True)
    return log


def cgroup2_mount():
    with open("/proc/self/mounts") as f:
        for line in f:
            fields = line.split()
            if len(fields) > 2 and fields[2] == "cgroup2":
                return fields[1]
    raise Broken("no cgroup2 mount in /proc/self/mounts")


def rfc3339_ns(text):
    """vigil's record time ("2026-12-02T17:57:50.530221314Z") in ns since
    the epoch."""
    whole, _, frac = text.rstrip("Z").partition(".")
    secs = calendar.timegm(time.strptime(whole, "%Y-%m-%dT%H:%M:%S"))
    return secs * 10**9 + int((frac + "000000000")[:9])


def populated(events_fd):
    return b"populated 1" in os.pread(events_fd, 256, 0)


def busy_pct():
    """How busy the machine's CPUs are over one second, in %."""
    def sample():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:9]]
        idle = v[3] + v[4]
        return sum(v) - idle, idle

    b0, i0 = sample()
    time.sleep(1)
    b1, i1 = sample()
    total = (b1 - b0) + (i1 - i0)
    return 100 * (b1 - b0) / total if total else 0


def percentile(values, p):
    """Nearest rank: the smallest value with p% of them at or below it."""
    v = sorted(values)
    return v[max(0, -(-len(v) * p // 100) - 1)]


def busy_warning(busy):
    """The warning for a run that other work on the CPUs made noisier."""
    if busy > 10:
        print(f"WARNING: the CPUs were {busy:.0f}% busy with other work "
              f"before the run: numbers are noisier than usual")


def target_p99(what, v, target_ms, prec=2):
    """The closing lines: v's p99 against its target, reported, never
    asserted."""
    p99 = percentile(v, 99)
    print()
    print("== Targets (reported, not asserted) ==")
    print(f"{what} p99 < {target_ms:.0f} ms: {p99:.{prec}f} ms -> "
          f"{'met' if p99 < target_ms else 'missed'}")


def stat_line(label, v, unit="ms", width=44, prec=2):
    """One report line: median, p90, p99 and max of v."""
    w = prec + 4
    print(f"{label:<{width}} median {statistics.median(v):{w}.{prec}f}  "
          f"p90 {percentile(v, 90):{w}.{prec}f}  "
          f"p99 {percentile(v, 99):{w}.{prec}f}  "
          f"max {max(v):{w}.{prec}f}  {unit}  (n={len(v)})")


class Records:
    """vigil's JSON Lines output, read as it grows."""

    def __init__(self, path):
        self.path = path
        self.f = None
        self.partial = ""
        self.by_seq = {}	# seq -> record
        self.actions = {}	# sandbox id -> action record
        self.alerts = {}	# sandbox id -> its first alert record
        self.by_sandbox = {}	# sandbox id -> its records, in order

    def poll(self):
        if self.f is None:
            if not os.path.exists(self.path):
                return
            self.f = open(self.path)
        self.partial += self.f.read()
        *lines, self.partial = self.partial.split("\n")
        for line in lines:
            rec = json.loads(line)
            if "seq" in rec:
                self.by_seq[rec["seq"]] = rec
            sid = (rec.get("sandbox") or {}).get("id")
            if sid is not None:
                self.by_sandbox.setdefault(sid, []).append(rec)
            if rec.get("type") == "action":
                self.actions[rec["sandbox"]["id"]] = rec
            if rec.get("type") == "alert":
                self.alerts.setdefault(rec["sandbox"]["id"], rec)

    def of(self, sid, rtype):
        """The records of sandbox sid of type rtype, in order."""
        return [r for r in self.by_sandbox.get(sid, ()) if r["type"] == rtype]

    def close(self):
        if self.f:
            self.poll()
            self.f.close()


class Bench:
    """A run's cgroups, daemon, scratch dir and child processes."""

    def __init__(self, name, log):
        self.log = log
        self.root = os.path.join(cgroup2_mount(), f"vigil-bench-{os.getpid()}")
        self.scratch = tempfile.mkdtemp(prefix=f"vigil-bench-{name}.")
        self.made_root = False
        self.sandboxes = []	# cgroups made and not yet removed
        self.children = []	# Popens started and not yet reaped
        self.daemon = None
        self.records = Records(os.path.join(self.scratch, "records.jsonl"))
        self.err = os.path.join(self.scratch, "vigil.err")
        self.prev_stats = None  # kernel.bpf_stats_enabled before stats_on

    def stats_on(self):
        """Turns on the kernel's per-program run times until cleanup."""
        with open(BPF_STATS) as f:
            self.prev_stats = f.read().strip()
        with open(BPF_STATS, "w") as f:
            f.write("1")

    # ---- the daemon -----------------------------------------------------

    def start_daemon(self, rules_text, *extra):
        """Makes the root (the first time), writes the rules and starts
        `vigil daemon -v` (with extra arguments) on the root; returns once
        vigil says it is ready."""
        if not self.made_root:
            os.mkdir(self.root)
            self.made_root = True
        rules = os.path.join(self.scratch, "rules.yaml")
        with open(rules, "w") as f:
            f.write(rules_text)
        cmd = [VIGIL, "daemon", "-v", "--sandbox-root", self.root,
               "--rules", rules, "--output", self.records.path,
               "--evidence-dir", os.path.join(self.scratch, "evidence"),
               "--control", os.path.join(self.scratch, "control.sock"),
               *extra]
        with open(self.err, "w") as err:
            self.daemon = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                           stdout=subprocess.DEVNULL,
                                           stderr=err)
        deadline = time.monotonic() + READY_S
        while time.monotonic() < deadline:
            with open(self.err) as f:
                if "vigil: ready" in f.read():
                    return
            if self.daemon.poll() is not None:
                break
            time.sleep(0.1)
        raise Broken("vigil did not get ready:\n" + self.tail_err())

    def tail_err(self, n=20):
        try:
            with open(self.err) as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    def unpin(self):
        """A stopped daemon leaves its programs pinned and enforcing: the
        bench's must not outlive it."""
        subprocess.run([VIGIL, "unpin", "--sandbox-root", self.root],
                       stdin=subprocess.DEVNULL, capture_output=True)

    def stop_daemon(self):
        """SIGTERM; vigil must drain and exit 0; then its pins go."""
        d, self.daemon = self.daemon, None
        d.send_signal(signal.SIGTERM)
        try:
            rc = d.wait(STOP_S)
        except subprocess.TimeoutExpired:
            d.kill()
            d.wait()
            raise Broken(f"vigil still running {STOP_S}s after SIGTERM")
        finally:
            self.unpin()
        if rc != 0:
            raise Broken(f"vigil exited {rc} on SIGTERM:\n" + self.tail_err())

    # ---- sandboxes and processes ------------------------------------------

    def make_sandbox(self, name, profile=None):
        """root/name, with its profile attribute set before anything
        runs in it."""
        sb = os.path.join(self.root, name)
        os.mkdir(sb)
        self.sandboxes.append(sb)
        if profile is not None:
            os.setxattr(sb, "trusted.vigil.profile", profile.encode())
        return sb

    def spawn(self, argv, **kw):
        """Popen(argv), remembered until reaped, killed in the clean-up."""
        kw.setdefault("stdin", subprocess.DEVNULL)
        kw.setdefault("stdout", subprocess.DEVNULL)
        kw.setdefault("stderr", subprocess.DEVNULL)
        p = subprocess.Popen(argv, **kw)
        self.children.append(p)
        return p

    def reap(self, p, timeout):
        """p's exit status; p is forgotten once it has exited."""
        rc = p.wait(timeout)
        if p in self.children:
            self.children.remove(p)
        return rc

    def remove(self, sb, wait_s=2):
        """Kills what is left in sb, waits for it to empty, removes it."""
        try:
            with open(os.path.join(sb, "cgroup.kill"), "w") as f:
                f.write("1")
        except OSError:
            pass
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            try:
                os.rmdir(sb)
                break
            except FileNotFoundError:
                break
            except OSError:
                time.sleep(0.01)
        else:
            self.log(f"warning: could not remove {sb}")
        if sb in self.sandboxes:
            self.sandboxes.remove(sb)

    def wait_empty(self, events_fd, proc, timeout):
        """Waits until the process proc has been in the sandbox and the
        sandbox is empty again; returns the wall-clock ns it was seen
        empty."""
        p = select.poll()
        p.register(events_fd, select.POLLPRI)
        seen = False
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            full = populated(events_fd)
            now = time.time_ns()
            if full:
                seen = True
            elif seen or proc.poll() is not None:
                return now
            # The kernel rate-limits cgroup.events notifications to one per
            # HZ/100 jiffies (cgroup_file_notify: 12 ms at HZ=250) and
            # sends a late change on a timer, so the file is read again
            # every millisecond: what it says is always current.
            p.poll(1)
        raise Broken(f"sandbox not emptied within {timeout}s")

    def wait_for(self, get, timeout, what):
        """Polls the records until get() returns something; returns it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.records.poll()
            found = get()
            if found:
                return found
            time.sleep(0.002)
        raise Broken(f"no {what} within {timeout}s")

    def wait_action(self, name, timeout):
        return self.wait_for(lambda: self.records.actions.get(name), timeout,
                             f"action record for {name}")

    def cleanup(self):
        if self.prev_stats is not None:
            with open(BPF_STATS, "w") as f:
                f.write(self.prev_stats)
            self.prev_stats = None
        for p in self.children:
            if p.poll() is None:
                p.kill()
            p.wait()
        self.children = []
        if self.daemon:
            self.daemon.terminate()
            try:
                self.daemon.wait(10)
            except subprocess.TimeoutExpired:
                self.daemon.kill()
                self.daemon.wait()
            self.daemon = None
        if self.made_root:
            self.unpin()
        for sb in list(self.sandboxes):
            self.remove(sb)
        if self.made_root:
            try:
                os.rmdir(self.root)
            except OSError as e:
                self.log(f"warning: could not remove {self.root}: {e}")
        if os.environ.get("BENCH_KEEP") == "1":
            self.log(f"kept {self.scratch}")
        else:
            subprocess.run(["rm", "-rf", "--", self.scratch], check=False)


def main(make_bench, log):
    """Runs make_bench().run(), always followed by its cleanup(); returns
    the exit status: 1 when something is Broken, 130 on Ctrl-C."""
    if os.geteuid() != 0:
        log("error: must run as root")
        return 1
    if not os.access(VIGIL, os.X_OK):
        log(f"error: {VIGIL} not found (make vigil)")
        return 1
    # SIGTERM and SIGHUP unwind like Ctrl-C, through the clean-up below;
    # Ctrl-C too when started in the background (SIGINT ignored).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda s, _f: sys.exit(128 + s))
    bench = None
    try:
        bench = make_bench()
        bench.run()
    except Broken as e:
        log(f"BROKEN: {e}")
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        if bench:
            # A second Ctrl-C or SIGTERM must not cut the clean-up short.
            for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                signal.signal(sig, signal.SIG_IGN)
            bench.cleanup()
    return 0
