"""What the package tests share: the built .deb, dpkg on this machine,
and the installed daemon run as vigil.service runs it.

The machine is shared: a test installs the package only where it is not
installed and /etc/vigil does not exist (someone else's), purges it
whatever happens, and never lets a daemon watch any sandbox root but
the test's own (<cgroup2>/vigil-test-<pid>-<n>, from the integration
suite's fixtures). Where systemd runs, the unit is masked for the
test's duration (in /run), so the postinst cannot start the service on
the default root: the daemon is always the test's own child.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
REPO = TESTS.parent
sys.path.insert(0, str(TESTS / "integration"))

import conftest as it  # noqa: E402  cgroups, records, fixtures

CONFIG = "/etc/vigil/vigil.yaml"
INSTALLED = "/usr/sbin/vigil"
UNIT = "/lib/systemd/system/vigil.service"
# Everything a purge must leave absent.
PURGED = ["/etc/vigil", "/var/lib/vigil", "/var/log/vigil",
          "/etc/logrotate.d/vigil", UNIT, INSTALLED,
          "/usr/share/vigil", "/usr/share/doc/vigil",
          "/etc/systemd/system/multi-user.target.wants/vigil.service",
          "/var/lib/systemd/deb-systemd-helper-enabled/vigil.service.dsh-also",
          "/var/lib/systemd/deb-systemd-helper-masked/vigil.service"]


def version():
    return (REPO / "VERSION").read_text().strip()


def built_deb():
    path = os.environ.get("VIGIL_DEB")
    if not path or not os.path.isfile(path):
        pytest.fail(f"VIGIL_DEB={path!r} is not a built package "
                    "(make package-test builds it)", pytrace=False)
    return path


def sh(*argv, ok=True, **kw):
    r = subprocess.run([str(a) for a in argv], capture_output=True,
                       text=True, stdin=subprocess.DEVNULL, **kw)
    if ok:
        assert r.returncode == 0, (argv, r.returncode, r.stdout, r.stderr)
    return r


def installed_version():
    """The installed vigil package's version, or None."""
    r = sh("dpkg-query", "-W", "-f=${db:Status-Abbrev} ${Version}", "vigil",
           ok=False)
    if r.returncode != 0 or not r.stdout.startswith("ii"):
        return None
    return r.stdout.split()[1]


def systemd_runs():
    """What maintainer scripts test (deb-systemd-invoke does the same)."""
    return os.path.isdir("/run/systemd/system")


class Package:
    """dpkg on this machine for one test; purged at teardown."""

    def __init__(self):
        self.touched = False

    def install(self, deb):
        self.touched = True
        # --force-confold: an edited /etc/vigil/vigil.yaml (the test's
        # roots) stays across an upgrade, as it does for an operator.
        r = sh("dpkg", "--force-confold", "-i", deb)
        return r.stdout + r.stderr

    def files(self):
        return sh("dpkg", "-L", "vigil").stdout.split("\n")

    def purge(self):
        return sh("dpkg", "--purge", "vigil")


@pytest.fixture
def package():
    if installed_version() is not None:
        pytest.fail("a vigil package is installed on this machine already: "
                    "not touching someone else's", pytrace=False)
    if os.path.exists("/etc/vigil"):
        pytest.fail("/etc/vigil exists (someone else's configuration): "
                    "not installing over it", pytrace=False)
    masked = systemd_runs()
    if masked:
        sh("systemctl", "mask", "--runtime", "vigil.service")
    p = Package()
    yield p
    problems = []
    if installed_version() is not None:
        r = sh("dpkg", "--purge", "vigil", ok=False)
        if r.returncode != 0:
            problems.append(f"purge at teardown: {r.stderr}")
    if masked:
        sh("systemctl", "unmask", "--runtime", "vigil.service", ok=False)
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


def write_config(root, workdir, rules=None):
    """/etc/vigil/vigil.yaml as an operator edits it: the test's root,
    its files, never the system's socket or evidence directory."""
    lines = [f"sandbox_roots: [{root}]",
             f"output: {workdir}/events.jsonl",
             f"rules: [{rules or 'builtin'}]",
             f"evidence_dir: {workdir}/evidence",
             f"control_socket: {workdir}/control.sock"]
    Path(CONFIG).write_text("\n".join(lines) + "\n")
    return Path(workdir) / "events.jsonl"


class Daemon:
    """`vigil daemon --config /etc/vigil/vigil.yaml` from the installed
    binary: the unit's ExecStart, as the test's own child."""

    def __init__(self, workdir, name, extra=()):
        self.err_path = Path(workdir) / f"{name}.stderr"
        self.argv = [INSTALLED, "daemon", "--config", CONFIG, *extra]
        with open(self.err_path, "wb") as err:
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL,
                                         stdout=err, stderr=err)
        self._wait_ready()

    def stderr(self):
        return self.err_path.read_text(errors="replace")

    def _wait_ready(self):
        deadline = time.monotonic() + it.READY_TIMEOUT
        while it.READY_LINE not in self.stderr().splitlines():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.proc.kill()
                self.proc.wait()
                pytest.fail(f"{self.argv} not ready (exit "
                            f"{self.proc.returncode}):\n{self.stderr()}",
                            pytrace=False)
            time.sleep(0.05)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            status = self.proc.wait(timeout=it.STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            pytest.fail(f"the daemon ignored SIGTERM:\n{self.stderr()}",
                        pytrace=False)
        assert status == 0, self.stderr()


@pytest.fixture
def daemons():
    """Installed daemons still running at teardown are killed (by pid)."""
    started = []

    def start(*args, **kw):
        d = Daemon(*args, **kw)
        started.append(d)
        return d

    yield start
    for d in started:
        if d.proc.poll() is None:
            d.proc.kill()
            d.proc.wait()
