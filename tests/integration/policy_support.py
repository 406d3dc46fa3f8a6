"""Helpers shared by the rule engine and kill-switch tests
(test_killswitch.py, test_rules.py, test_rules_cli.py).

Rule files are written into the test's tmp_path; every daemon or run has
its own control socket and evidence directory there (the Vigil wrapper
sets them; `vigil run` is given them here), never the system's.
"""

import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import textwrap
import threading
import time
from pathlib import Path

import pytest

from conftest import check_sanitizers, parse_jsonl, run_in_cgroup_ok

# The sandboxed Python. Not sys.executable: a Python installed under the
# home directory (pyenv) opens hundreds of files under ~ at start-up,
# which the shipped home-sweep rule rightly calls a sweep.
PY = "/usr/bin/python3"

# Appends a line to COUNTER every 20 ms, opening each file of TRIGGERS
# (if any) after the 10th line; runs until killed. Its progress is the
# counter file's size.
COUNTER = r"""
import sys, time
counter, triggers = sys.argv[1], sys.argv[2:]
n = 0
with open(counter, "a", buffering=1) as out:
    while True:
        n += 1
        out.write("%d\n" % n)
        if n == 10:
            for t in triggers:
                with open(t, "rb") as f:
                    f.read()
        time.sleep(0.02)
"""


def counter_argv(counter, *triggers):
    return [PY, "-c", COUNTER, str(counter), *map(str, triggers)]


def progress(counter):
    try:
        return os.path.getsize(counter)
    except FileNotFoundError:
        return 0


def write_rules(path, text):
    """Writes dedented YAML to path; returns the path as a string."""
    Path(path).write_text(textwrap.dedent(text).lstrip("\n"))
    return str(path)


def vigil_cli(vigil_bin, *args, timeout=60, **kw):
    """Runs `vigil ARGS...` to completion; no sanitizer report allowed."""
    kw.setdefault("stdin", subprocess.DEVNULL)
    r = subprocess.run([vigil_bin, *map(str, args)], capture_output=True,
                       text=True, timeout=timeout, **kw)
    check_sanitizers(r.stderr, f"vigil {' '.join(map(str, args))[:80]}")
    return r


def ctl(vigil_bin, control, cmd, *args):
    """`vigil CMD [ARGS] --control PATH`, its reply parsed when it is
    JSON. Returns (CompletedProcess, reply or None)."""
    r = vigil_cli(vigil_bin, cmd, *args, "--control", control, timeout=30)
    try:
        reply = json.loads(r.stdout)
    except ValueError:
        reply = None
    return r, reply


def ctl_ok(vigil_bin, control, cmd, *args):
    r, reply = ctl(vigil_bin, control, cmd, *args)
    assert r.returncode == 0, (cmd, args, r.returncode, r.stdout, r.stderr)
    assert reply is not None and reply.get("ok") is True, r.stdout
    return reply


def status_of(vigil_bin, control, sandbox_id):
    """This sandbox's entry in `vigil status --json`, or None."""
    reply = ctl_ok(vigil_bin, control, "status", "--json")
    found = [s for s in reply["sandboxes"] if s["id"] == sandbox_id]
    assert len(found) <= 1, reply
    return found[0] if found else None


def cgroup_events(cgdir):
    """cgroup.events as {key: int}: populated, frozen."""
    with open(os.path.join(cgdir, "cgroup.events")) as f:
        return {k: int(v) for k, v in (line.split() for line in f)}


def wait_until(pred, timeout=15.0, what="condition", interval=0.05):
    """Polls pred until it returns something true; returns that."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            pytest.fail(f"no {what} within {timeout}s", pytrace=False)
        time.sleep(interval)


def wait_frozen(cgdir, frozen=1, timeout=15.0):
    wait_until(lambda: cgroup_events(cgdir)["frozen"] == frozen, timeout,
               f"frozen {frozen} in {cgdir}/cgroup.events")


def alerts(records, rule=None):
    return [r for r in records if r["type"] == "alert"
            and (rule is None or r["alert"]["rule"] == rule)]


def actions(records, action=None):
    return [r for r in records if r["type"] == "action"
            and (action is None or r["action"]["action"] == action)]


def is_alert(rule):
    return lambda r: r["type"] == "alert" and r["alert"]["rule"] == rule


def is_action(action):
    return lambda r: r["type"] == "action" and r["action"]["action"] == action


def by_seq(records, seq):
    found = [r for r in records if r["seq"] == seq]
    assert len(found) == 1, (seq, len(found))
    return found[0]


def assert_stalled(counter, seconds=1.0):
    """The counter does not move for `seconds` (a frozen writer). Some
    time must pass to show that nothing happens in it."""
    before = progress(counter)
    time.sleep(seconds)
    assert progress(counter) == before, "a frozen process made progress"


def wait_progress(counter, timeout=15.0):
    """The counter grows by at least two lines from now on."""
    start = progress(counter)
    wait_until(lambda: progress(counter) >= start + 4, timeout,
               f"progress of {counter}")


class Served:
    """A socket served on a thread until close: _step (a subclass's) is
    called over and over, and may time out or fail."""

    def __init__(self, sock):
        self.sock = sock
        self.sock.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop.is_set():
            try:
                self._step()
            except (socket.timeout, OSError):
                continue

    def _step(self):
        raise NotImplementedError

    def _closing(self):
        """What a subclass lets go of before the socket closes."""

    def close(self):
        self._stop.set()
        self._thread.join(timeout=10)
        self._closing()
        self.sock.close()


class Acceptor(Served):
    """Serves a listening socket on a thread: every connection is read
    to its end (or held open, hold=True, until close)."""

    def __init__(self, sock, hold=False):
        self.hold = hold
        self.received = 0
        self.conns = []
        super().__init__(sock)

    def _step(self):
        c, _ = self.sock.accept()
        self.conns.append(c)
        if not self.hold:
            threading.Thread(target=self._drain, args=(c,),
                             daemon=True).start()

    def _drain(self, c):
        c.settimeout(0.5)
        while not self._stop.is_set():
            try:
                data = c.recv(1 << 20)
            except socket.timeout:
                continue
            except OSError:
                break
            if not data:
                break
            self.received += len(data)
        c.close()

    def _closing(self):
        for c in self.conns:
            try:
                c.close()
            except OSError:
                pass


class Datagrams(Served):
    """Receives datagrams on a thread (so no ICMP errors come back),
    counting them."""

    def __init__(self, sock):
        self.got = 0
        super().__init__(sock)

    def _step(self):
        self.sock.recvfrom(65536)
        self.got += 1


class Sink(Acceptor):
    """A loopback TCP listener (127.0.0.1 or ::1) read to the end of each
    connection, counting bytes."""

    def __init__(self, host="127.0.0.1"):
        sock = socket.socket(socket.AF_INET6 if ":" in host
                             else socket.AF_INET)
        sock.bind((host, 0))
        sock.listen(8)
        self.port = sock.getsockname()[1]
        super().__init__(sock)


@pytest.fixture
def workspace():
    """An agent's workspace under /var/lib (one under /tmp has a test of
    its own in test_agent_session.py), outside the home directory (many
    files opened there is a rule)."""
    for n in itertools.count():
        path = f"/var/lib/vigil-test-{os.getpid()}-{n}"
        try:
            os.mkdir(path, 0o700)
            break
        except FileExistsError:
            continue
    yield path
    shutil.rmtree(path)


# Connects to 127.0.0.1:PORT and, when it may, sends TEXT; prints the
# connect's errno (0 when it worked).
CONNECT = r"""
import socket, sys
s = socket.socket()
e = s.connect_ex(("127.0.0.1", int(sys.argv[1])))
if e == 0:
    s.sendall(sys.argv[2].encode())
s.close()
print(e)
"""


def connect_in(sb, port, text="hello from the sandbox\n"):
    """A connect from sandbox sb to 127.0.0.1:port; its errno."""
    pid, out = run_in_cgroup_ok(sb, [PY, "-c", CONNECT, str(port), text])
    return int(out.strip())


@pytest.fixture
def sink():
    s = Sink()
    yield s
    s.close()


class Run:
    """One `vigil run` in the background, with its own control socket and
    evidence directory under workdir."""

    def __init__(self, vigil_bin, root, sid, workdir, rules_args, cmd,
                 extra=()):
        workdir = Path(workdir)
        self.sid = sid
        self.dir = os.path.join(root, sid)
        self.control = str(workdir / f"run-{sid}.sock")
        self.evidence_dir = workdir / f"run-{sid}-evidence"
        self.out_path = workdir / f"run-{sid}.jsonl"
        self.err_path = workdir / f"run-{sid}.stderr"
        self.argv = [vigil_bin, "run", "--sandbox-root", root,
                     "--sandbox-id", sid, "--output", str(self.out_path),
                     "--control", self.control, "--evidence-dir",
                     str(self.evidence_dir), *rules_args, *extra, "--",
                     *cmd]
        self.started = time.monotonic()
        with open(self.err_path, "wb") as err:
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL,
                                         stderr=err)

    def stderr(self):
        return self.err_path.read_text(errors="replace")

    def records(self):
        """Records so far (a partial last line is left for later)."""
        try:
            data = self.out_path.read_bytes()
        except FileNotFoundError:
            return []
        return parse_jsonl(data, str(self.out_path), final=False)[0]

    def wait(self, timeout=60):
        """Waits for the run to end; returns (status, seconds taken)."""
        try:
            status = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=30)
            pytest.fail(f"vigil run still running after {timeout}s\n"
                        f"stderr:\n{self.stderr()}", pytrace=False)
        check_sanitizers(self.stderr(), "vigil run")
        return status, time.monotonic() - self.started

    def final_records(self):
        return parse_jsonl(self.out_path.read_bytes(), str(self.out_path))[0]

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()        # ours, by pid
        self.proc.wait()


@pytest.fixture
def start_run(vigil_bin, tmp_path):
    """Factory: start_run(root, sid, rules_args, cmd, extra=()) -> Run.
    A run still going at teardown is killed (our child, by pid); the
    sandbox root's teardown empties its cgroup."""
    runs = []

    def start(root, sid, rules_args, cmd, extra=()):
        r = Run(vigil_bin, root, sid, tmp_path, rules_args, cmd, extra)
        runs.append(r)
        return r

    yield start
    for r in runs:
        r.kill()
