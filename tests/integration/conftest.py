"""Fixtures and helpers for vigil's end-to-end tests.

The tests drive the real binary (env VIGIL, default <repo>/vigil) against
real cgroups and real system calls, then assert on the fields of the JSON
records it writes (docs/record-format.md).

Safety on a shared machine: every cgroup a test touches lies below a root
the test created itself (<cgroup2 mount>/vigil-test-<pid>-<n>); teardown
kills and removes only those. Processes are ended only by the pid of a
Popen this suite started. Network traffic stays on loopback.
"""

import errno
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HELPERS_SRC = Path(__file__).resolve().parent / "helpers"

READY_LINE = "vigil: ready"
READY_TIMEOUT = float(os.environ.get("VIGIL_READY_TIMEOUT", "60"))
STOP_TIMEOUT = 30.0
TEST_TIMEOUT = 300
SANITIZER_MARKERS = ("AddressSanitizer", "LeakSanitizer", "runtime error")
SCHEMA = "vigil.event.v1"


def vigil_path():
    return os.environ.get("VIGIL") or str(REPO / "vigil")


# ---------------------------------------------------------------- session

@pytest.fixture(scope="session", autouse=True)
def _require_root():
    """The suite needs BPF, cgroup writes and trusted.* xattrs: root only.
    Not a skip: a CI run that silently tests nothing is worse than a red one."""
    if os.geteuid() != 0:
        pytest.fail("vigil integration tests must run as root "
                    f"(euid is {os.geteuid()})", pytrace=False)


@pytest.fixture(scope="session")
def vigil_bin(_require_root):
    path = vigil_path()
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        pytest.fail(f"vigil binary not found or not executable: {path} "
                    "(set VIGIL=/path/to/vigil or build it)", pytrace=False)
    return path


@pytest.fixture(scope="session")
def helpers(tmp_path_factory):
    """Compiles tests/integration/helpers/*.c once; returns {name: path}."""
    out = tmp_path_factory.mktemp("helpers")
    bins = {}
    for src in sorted(HELPERS_SRC.glob("*.c")):
        exe = out / src.stem
        cmd = [os.environ.get("CC", "cc"), "-O2", "-g", "-Wall", "-Wextra",
               "-Werror", "-D_GNU_SOURCE", "-o", str(exe), str(src)]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            pytest.fail(f"compiling {src.name} failed:\n{' '.join(cmd)}\n"
                        f"{r.stdout}{r.stderr}", pytrace=False)
        bins[src.stem] = os.path.realpath(exe)
    return bins


@pytest.fixture(autouse=True)
def _test_deadline():
    """No pytest-timeout on a fresh Debian: a hung test must not hang CI."""
    def on_alarm(signum, frame):
        pytest.fail(f"test exceeded {TEST_TIMEOUT}s", pytrace=True)
    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(TEST_TIMEOUT)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


# ---------------------------------------------------------------- cgroups

def _unescape_mount_field(s):
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), s)


def cgroup2_mount():
    """The cgroup2 mount point, read from /proc/self/mounts (hybrid hosts
    mount it at /sys/fs/cgroup/unified; never hard-code it)."""
    with open("/proc/self/mounts") as f:
        for line in f:
            fields = line.split()
            if len(fields) >= 3 and fields[2] == "cgroup2":
                return _unescape_mount_field(fields[1])
    pytest.fail("no cgroup2 filesystem in /proc/self/mounts", pytrace=False)


def cgroup_rel(path):
    """A cgroup dir's path relative to the cgroup2 mount, as records give it
    (e.g. "/vigil-test-1-0/sb")."""
    rel = os.path.relpath(path, cgroup2_mount())
    return "/" + rel


def cgroup_id(path):
    return os.stat(path).st_ino


def _populated(cgdir):
    try:
        with open(os.path.join(cgdir, "cgroup.events")) as f:
            for line in f:
                k, _, v = line.partition(" ")
                if k == "populated":
                    return v.strip() != "0"
    except FileNotFoundError:
        return False
    return False


def _destroy_tree(root, timeout=15.0):
    """Kills and removes every cgroup below root (root included), deepest
    first. Only called on roots this suite created."""
    problems = []
    dirs = [d for d, _, _ in os.walk(root, topdown=False)]
    for d in dirs:
        assert d == root or d.startswith(root + os.sep), d
        kill = os.path.join(d, "cgroup.kill")
        if os.path.exists(kill):
            try:
                with open(kill, "w") as f:
                    f.write("1")
            except FileNotFoundError:
                continue    # removed meanwhile (e.g. by vigil run)
            except OSError as e:
                problems.append(f"{kill}: {e}")
        deadline = time.monotonic() + timeout
        while _populated(d) and time.monotonic() < deadline:
            time.sleep(0.02)
        if _populated(d):
            problems.append(f"{d}: still populated after {timeout}s")
        while True:
            try:
                os.rmdir(d)
                break
            except FileNotFoundError:
                break
            except OSError as e:
                if e.errno == errno.EBUSY and time.monotonic() < deadline:
                    time.sleep(0.02)
                    continue
                problems.append(f"rmdir {d}: {e}")
                break
    return problems


PIN_BASE = "/sys/fs/bpf/vigil"


def _pin_name(root):
    return os.path.basename(root).replace(".", "_")


def pin_dir(root):
    """The pin directory `vigil daemon` derives from one root directly
    under the cgroup2 mount (userspace/intake/pins.c); several roots join
    their names with '+'."""
    return os.path.join(PIN_BASE, _pin_name(root))


def remove_pins(root):
    """Removes what daemons watching root left pinned (a daemon keeps
    enforcing after it stops); unlinking a link's last pin detaches its
    program. Root names are this run's own, so no other run's pins are
    touched."""
    try:
        names = os.listdir(PIN_BASE)
    except FileNotFoundError:
        return []
    problems = []
    for name in names:
        if _pin_name(root) not in name.split("+"):
            continue
        try:
            shutil.rmtree(os.path.join(PIN_BASE, name))
        except OSError as e:
            problems.append(f"removing pins {name}: {e}")
    return problems


@pytest.fixture
def make_sandbox_root():
    """Factory: each call creates a fresh root directly under the cgroup2
    mount. Teardown kills and removes what lies below the roots it made."""
    mount = cgroup2_mount()
    created = []

    def make():
        for n in itertools.count():
            path = os.path.join(mount, f"vigil-test-{os.getpid()}-{n}")
            try:
                os.mkdir(path)
            except FileExistsError:
                continue    # another run's, or an earlier test's: not ours
            created.append(path)
            return path

    yield make
    problems = []
    for root in reversed(created):
        problems += _destroy_tree(root)
        problems += remove_pins(root)
    if problems:
        pytest.fail("cgroup cleanup failed:\n" + "\n".join(problems),
                    pytrace=False)


@pytest.fixture
def sandbox_root(make_sandbox_root):
    return make_sandbox_root()


def make_sandbox(root, name, labels=None, profile=None):
    """Creates sandbox cgroup root/name with trusted.vigil.* xattrs."""
    path = os.path.join(root, name)
    os.mkdir(path)
    for k, v in (labels or {}).items():
        os.setxattr(path, f"trusted.vigil.label.{k}", v.encode())
    if profile is not None:
        os.setxattr(path, "trusted.vigil.profile", profile.encode())
    return path


_children = []


def join_cgroup(cgdir):
    """Moves the calling process into cgdir (in a child, before exec)."""
    fd = os.open(os.path.join(cgdir, "cgroup.procs"), os.O_WRONLY)
    try:
        os.write(fd, str(os.getpid()).encode())
    finally:
        os.close(fd)


def run_in_cgroup(cgdir, argv, **popen_kw):
    """Starts argv with its pid already in cgdir/cgroup.procs: the child
    moves itself there before exec, so the program is inside the sandbox
    from its first instruction. Use absolute program paths: subprocess
    tries each PATH entry otherwise, which shows up as failed execs."""
    user_pre = popen_kw.pop("preexec_fn", None)

    def enter():
        join_cgroup(cgdir)
        if user_pre:
            user_pre()

    popen_kw.setdefault("stdin", subprocess.DEVNULL)
    p = subprocess.Popen(argv, preexec_fn=enter, **popen_kw)
    _children.append(p)
    return p


def run_in_cgroup_ok(cgdir, argv, timeout=60, **kw):
    """run_in_cgroup, wait, assert exit 0; returns (pid, stdout text)."""
    p = run_in_cgroup(cgdir, argv, stdout=subprocess.PIPE,
                      stderr=subprocess.PIPE, **kw)
    out, err = p.communicate(timeout=timeout)
    assert p.returncode == 0, (argv[:8], p.returncode, out, err)
    return p.pid, out.decode(errors="replace")


@pytest.fixture(autouse=True)
def _reap_children():
    yield
    while _children:
        p = _children.pop()
        if p.poll() is None:
            p.kill()        # our own child, by pid
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass


# ---------------------------------------------------------------- records

def parse_jsonl(data, source, final=True, first_line=1):
    """Parses JSONL bytes. Every complete line must be valid UTF-8 JSON
    holding an object; with final=True the data must end with a newline.
    Returns (records, bytes consumed)."""
    end = data.rfind(b"\n") + 1
    if final and end != len(data):
        pytest.fail(f"{source}: output does not end with a newline; "
                    f"trailing bytes: {data[end:][:300]!r}", pytrace=False)
    records = []
    for i, line in enumerate(data[:end].split(b"\n")[:-1], first_line - 1):
        try:
            rec = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            pytest.fail(f"{source}: line {i + 1} is not valid UTF-8 JSON "
                        f"({e}): {line[:500]!r}", pytrace=False)
        if not isinstance(rec, dict):
            pytest.fail(f"{source}: line {i + 1} is not a JSON object: "
                        f"{line[:500]!r}", pytrace=False)
        records.append(rec)
    return records, end


def read_jsonl(path):
    with open(path, "rb") as f:
        return parse_jsonl(f.read(), str(path))[0]


def fmt_records(records, last=25):
    shown = records[-last:]
    head = f"{len(records)} records" + (f", last {len(shown)}:" if shown else "")
    return "\n".join([head] + [json.dumps(r, ensure_ascii=False)[:600]
                               for r in shown])


def check_sanitizers(stderr, what="vigil"):
    for marker in SANITIZER_MARKERS:
        assert marker not in stderr, f"{what} stderr reports {marker}:\n{stderr}"


def pick(obj, like):
    """obj restricted to the keys of like: compare with `pick(o, exp) == exp`.
    Records may gain fields in later versions, never lose or rename one."""
    return {k: obj.get(k, "<missing>") for k in like}


def pick_all(objs, likes):
    return [pick(o, like) for o, like in zip(objs, likes)] + \
        [o for o in objs[len(likes):]]


def pid_of(rec):
    return (rec.get("proc") or {}).get("pid")


def of_pid(pid, type_=None):
    """Predicate: a process record of pid (and type_)."""
    return lambda r: pid_of(r) == pid and (type_ is None or r["type"] == type_)


class Vigil:
    """One `vigil daemon` run writing to a file in workdir."""

    _n = itertools.count()

    def __init__(self, binary, roots, workdir, flow_interval=None,
                 extra_args=()):
        n = next(self._n)
        self.out_path = Path(workdir) / f"vigil-{n}.jsonl"
        self.err_path = Path(workdir) / f"vigil-{n}.stderr"
        self.argv = [binary, "daemon"]
        for r in roots:
            self.argv += ["--sandbox-root", r]
        self.argv += ["--output", str(self.out_path)]
        # Capture tests run without rules (what they do on purpose, raw
        # syscalls and odd execs, would score); a test that wants rules
        # passes --rules, which wins. Never the system's control socket,
        # evidence or approvals directory.
        self.control = str(Path(workdir) / f"vigil-{n}.sock")
        self.evidence_dir = Path(workdir) / f"evidence-{n}"
        self.argv += ["--no-rules", "--control", self.control,
                      "--evidence-dir", str(self.evidence_dir),
                      "--approvals-dir", str(Path(workdir) /
                                             f"approvals-{n}")]
        if flow_interval is not None:
            self.argv += ["--flow-interval", str(flow_interval)]
        self.argv += list(extra_args)
        self._read = 0          # bytes of the output file read so far
        self._buf = b""         # read but not yet a complete line
        self._records = []
        self.returncode = None
        with open(self.err_path, "wb") as err:
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL,
                                         stdout=err, stderr=err)
        self._wait_ready()

    @property
    def pid(self):
        return self.proc.pid

    def stderr(self):
        try:
            return self.err_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def _wait_ready(self):
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if READY_LINE in self.stderr().splitlines():
                return
            if self.proc.poll() is not None:
                pytest.fail(f"vigil daemon exited with {self.proc.returncode} "
                            f"before '{READY_LINE}'\nargv: {self.argv}\n"
                            f"stderr:\n{self.stderr()}", pytrace=False)
            time.sleep(0.05)
        self.proc.kill()
        self.proc.wait()
        pytest.fail(f"vigil daemon not ready after {READY_TIMEOUT}s\n"
                    f"argv: {self.argv}\nstderr:\n{self.stderr()}",
                    pytrace=False)

    def records(self):
        """All records so far. While the daemon runs, a trailing partial line
        is left for later; once stopped, the output must end with '\\n'."""
        try:
            with open(self.out_path, "rb") as f:
                f.seek(self._read)
                chunk = f.read()
        except FileNotFoundError:
            chunk = b""
        self._read += len(chunk)
        self._buf += chunk
        recs, end = parse_jsonl(self._buf, str(self.out_path),
                                final=self.returncode is not None,
                                first_line=len(self._records) + 1)
        self._records += recs
        self._buf = self._buf[end:]
        return list(self._records)

    def alive(self):
        return self.proc.poll() is None

    def wait_for(self, pred, timeout=15.0, what="matching record"):
        """Polls the output until a record satisfies pred; returns the first
        such record. Fails with the records seen on timeout or if the
        daemon dies."""
        deadline = time.monotonic() + timeout
        while True:
            recs = self.records()
            for r in recs:
                if pred(r):
                    return r
            if self.returncode is None and self.proc.poll() is not None:
                pytest.fail(f"vigil daemon died ({self.proc.returncode}) "
                            f"waiting for {what}\nstderr:\n{self.stderr()}\n"
                            f"{fmt_records(recs)}", pytrace=False)
            if time.monotonic() > deadline:
                pytest.fail(f"no {what} within {timeout}s\n{fmt_records(recs)}"
                            f"\nstderr:\n{self.stderr()[-3000:]}",
                            pytrace=False)
            time.sleep(0.05)

    def stop(self):
        """SIGTERM, expect a clean exit 0 with no sanitizer report; returns
        all records (the final flow/drop records included)."""
        if self.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.returncode = self.proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.returncode = self.proc.wait()
                pytest.fail(f"vigil daemon ignored SIGTERM for {STOP_TIMEOUT}s"
                            f"\nstderr:\n{self.stderr()}", pytrace=False)
            err = self.stderr()
            assert self.returncode == 0, \
                f"vigil daemon exited {self.returncode} on SIGTERM\nstderr:\n{err}"
            check_sanitizers(err, "vigil daemon")
        return self.records()

    def kill(self):
        """SIGKILL, by pid; returns the records it wrote."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.returncode = self.proc.wait()
        return self.records()


@pytest.fixture
def start_vigil(vigil_bin, tmp_path, make_sandbox_root):
    """Factory: start_vigil(roots, flow_interval=None) -> ready Vigil.
    Daemons still running at teardown are stopped (and must exit cleanly)
    before the roots and their pins are removed: a running daemon pins
    again what it finds removed."""
    daemons = []

    def start(roots, flow_interval=None, extra_args=()):
        if isinstance(roots, (str, os.PathLike)):
            roots = [roots]
        v = Vigil(vigil_bin, [str(r) for r in roots], tmp_path,
                  flow_interval=flow_interval, extra_args=extra_args)
        daemons.append(v)
        return v

    yield start
    failures = []
    for v in daemons:
        if v.returncode is None:
            try:
                v.stop()
            except BaseException as e:  # pytest.fail raises Failed
                failures.append(str(e))
                v.kill()
    if failures:
        pytest.fail("\n".join(failures), pytrace=False)
