"""In-kernel enforcement (issue #4): protected files by inode, denied
executables, and the per-sandbox egress budget.

Every trick a hostile agent could use to reach a protected file under
another name is tried from inside a real sandbox; each must end with the
opener killed by the kernel before it returns from the syscall (vtool
prints "ret=N" after the call, so empty output means it never returned),
the open record flagged kernel_killed, an alert and a kill action for the
whole sandbox. The secrets are fake files in the test's tmp_path.
"""

import os
import shutil
import signal
import subprocess
import time

import pytest

from conftest import make_sandbox, run_in_cgroup
from policy_support import (PY, Sink, alerts, actions, by_seq,
                            cgroup_events, is_action, sink, start_run,
                            wait_until, write_rules)  # noqa: F401 (fixtures)

RULES = """
- fileset: test-secrets
  description: the test's fake secrets
  paths: ["{d}/secret*"]
  exclude: ["*.pub"]

- fileset: test-denied
  description: a program no sandbox may run
  paths: ["{d}/denied-bin"]

- rule: test-secret-open
  description: a sandbox opened a test secret
  event: open
  when: open.fileset == test-secrets
  score: 100
  severity: critical
  action: kill
  enforce: kernel

- rule: test-denied-exec
  description: a sandbox ran the denied program
  event: exec
  when: exec.fileset == test-denied
  score: 100
  severity: critical
  action: kill
  enforce: kernel

- rule: test-budget-spent
  description: a sandbox spent its egress budget
  event: budget
  when: budget.limit > 0
  score: 100
  severity: critical
  action: kill

- profile: lenient
  description: the same rules, the secret rule tuned off
  rules:
    test-secret-open: {{enabled: false}}

- profile: budgeted
  description: only ::1 allowed; 10 MiB to anything else
  egress: monitor
  allow:
    destinations: ["::1"]
  egress_budget: 10MiB
  thresholds: {{alert: 500, freeze: 1000, kill: 2000}}
"""

BUDGET = 10 << 20


@pytest.fixture
def secrets(tmp_path):
    """A directory with a fake secret, its public half, and a copy of
    touch(1) as the denied program."""
    d = tmp_path / "secrets"
    d.mkdir()
    (d / "secret").write_text("FAKE SECRET FOR VIGIL TESTS\n")
    (d / "secret.pub").write_text("public half\n")
    shutil.copy("/usr/bin/touch", d / "denied-bin")
    return d


@pytest.fixture
def enforcing(sandbox_root, start_vigil, tmp_path, secrets):
    rules = write_rules(tmp_path / "enforce.yaml",
                        RULES.format(d=secrets))
    return start_vigil(sandbox_root, extra_args=["--rules", rules])


def run_sandboxed(sb, argv, timeout=30):
    p = run_in_cgroup(sb, argv, stdout=subprocess.PIPE,
                      stderr=subprocess.PIPE)
    out, err = p.communicate(timeout=timeout)
    return p.returncode, out.decode(), err.decode()


def assert_kernel_killed(v, sb, sid, status, out, rule, kind, fileset):
    """The opener died of SIGKILL before returning; the record says the
    kernel did it; the rule alerted and the sandbox was killed."""
    assert status == -signal.SIGKILL, (status, out)
    assert out == "", f"the task returned from the syscall: {out!r}"
    k = v.wait_for(lambda r: is_action("kill")(r)
                   and r["sandbox"]["id"] == sid, what="kill action")
    y = k["action"]
    assert (y["reason"], y["rule"], y["outcome"], y["kernel_verdict"]) == \
        ("rule", rule, "done", "sigkill"), y
    trig = by_seq(v.records(), y["trigger_seq"])
    assert trig["type"] == kind and trig["sandbox"]["id"] == sid, trig
    assert trig[kind]["kernel_killed"] is True, trig
    assert trig[kind]["filesets"] == [fileset], trig
    mine = [a["alert"]["rule"] for a in alerts(v.records())
            if a["sandbox"]["id"] == sid]
    assert mine == [rule], mine
    wait_until(lambda: cgroup_events(sb)["populated"] == 0, 10,
               "an empty sandbox")
    return trig


# Each way to name the secret, as a vtool command; {d} is the secrets
# directory, {alias} a second name the test made for it.
TRICKS = {
    "plain": ["openat", "-", "{d}/secret", "O_RDONLY", "0"],
    "legacy-open": ["open", "{d}/secret", "O_RDONLY", "0"],
    "creat": ["creat", "{d}/secret", "600"],
    "openat2": ["openat2", "-", "{d}/secret", "O_RDONLY", "0",
                "RESOLVE_NO_MAGICLINKS"],
    "o-path": ["openat", "-", "{d}/secret", "O_PATH", "0"],
    "dirfd-relative": ["openat", "{d}", "secret", "O_RDONLY", "0"],
    "dotdot": ["openat", "-", "{d}/sub/../secret", "O_RDONLY", "0"],
    "proc-self-root": ["openat", "-", "/proc/self/root{d}/secret",
                       "O_RDONLY", "0"],
    "hard-link": ["openat", "-", "{alias}", "O_RDONLY", "0"],
    "symlink": ["openat", "-", "{alias}", "O_RDONLY", "0"],
    "bind-mount": ["openat", "-", "{alias}", "O_RDONLY", "0"],
}


@pytest.fixture
def alias(tmp_path, secrets, request):
    """The second name a trick needs, removed (unmounted) afterwards."""
    trick = request.param
    path = tmp_path / "innocent"
    os.mkdir(secrets / "sub")
    if trick == "hard-link":
        os.link(secrets / "secret", path)
    elif trick == "symlink":
        os.symlink(secrets / "secret", path)
    elif trick == "bind-mount":
        path.write_text("")
        subprocess.run(["mount", "--bind", str(secrets / "secret"),
                        str(path)], check=True)
    yield trick, path
    if trick == "bind-mount":
        subprocess.run(["umount", str(path)], check=True)


@pytest.mark.parametrize("alias", list(TRICKS), indirect=True)
def test_protected_file_kills_in_kernel(enforcing, sandbox_root, helpers,
                                        secrets, alias):
    trick, path = alias
    sid = f"t-{trick}"
    sb = make_sandbox(sandbox_root, sid)
    argv = [helpers["vtool"]] + [a.format(d=secrets, alias=path)
                                 for a in TRICKS[trick]]
    status, out, err = run_sandboxed(sb, argv)
    trig = assert_kernel_killed(enforcing, sb, sid, status, out,
                                "test-secret-open", "open", "test-secrets")
    # Whatever the spelling, the record names the file actually opened:
    # its inode, and its path (a hard link or a bind mount is a name of
    # its own for the same inode).
    st = os.stat(secrets / "secret")
    assert (trig["open"]["dev"], trig["open"]["ino"]) == \
        (st.st_dev, st.st_ino), trig
    want = path if trick in ("hard-link", "bind-mount") \
        else secrets / "secret"
    assert trig["open"]["path"] == str(want), trig


def test_unprotected_neighbours_are_left_alone(enforcing, sandbox_root,
                                               helpers, secrets, tmp_path):
    """The public half, a failed open of the secret, and the secret opened
    outside any sandbox: no kill, no alert."""
    sb = make_sandbox(sandbox_root, "neighbours")
    vt = helpers["vtool"]
    for argv, want in [
            ([vt, "openat", "-", f"{secrets}/secret.pub", "O_RDONLY", "0"],
             "ret="),
            ([vt, "openat", "-", f"{secrets}/secret", "O_DIRECTORY", "0"],
             "ret=-20"),
            ([vt, "openat", "-", f"{secrets}/nosuch", "O_RDONLY", "0"],
             "ret=-2")]:
        status, out, err = run_sandboxed(sb, argv)
        assert status == 0 and out.startswith(want), (argv, status, out, err)
    outside = subprocess.run([vt, "openat", "-", f"{secrets}/secret",
                              "O_RDONLY", "0"], capture_output=True,
                             text=True, timeout=30)
    assert outside.returncode == 0 and outside.stdout.startswith("ret=")
    enforcing.wait_for(lambda r: r["type"] == "open" and
                       r["open"]["path"] == f"{secrets}/secret.pub",
                       what="the public half's open")
    pub = [r for r in enforcing.records() if r["type"] == "open"
           and r["open"]["path"] == f"{secrets}/secret.pub"]
    assert pub[0]["open"]["filesets"] == [] and \
        pub[0]["open"]["kernel_killed"] is False, pub
    assert alerts(enforcing.records()) == []
    assert cgroup_events(sb)["populated"] == 0   # all exited on their own


def test_new_protected_file_is_picked_up(enforcing, sandbox_root, helpers,
                                         secrets):
    """A secret created after start-up is protected once its directory's
    change is seen: a rename into place, as editors and key tools do."""
    tmp = secrets / ".tmp-new"
    tmp.write_text("FAKE NEW SECRET\n")
    os.rename(tmp, secrets / "secret-new")
    time.sleep(0.2)
    sid = "late"
    sb = make_sandbox(sandbox_root, sid)
    status, out, _ = run_sandboxed(sb, [helpers["vtool"], "openat", "-",
                                        f"{secrets}/secret-new",
                                        "O_RDONLY", "0"])
    assert_kernel_killed(enforcing, sb, sid, status, out,
                         "test-secret-open", "open", "test-secrets")


def test_profile_without_the_rule_is_not_killed(enforcing, sandbox_root,
                                                helpers, secrets):
    """The kernel follows the sandbox's profile once vigil has placed it
    (on its first record; before that the default profile's stricter
    policy applies)."""
    sb = make_sandbox(sandbox_root, "lenient", profile="lenient")
    status, _, _ = run_sandboxed(sb, ["/bin/true"])
    assert status == 0
    enforcing.wait_for(lambda r: r["type"] == "exec" and
                       r["sandbox"]["id"] == "lenient", what="first exec")
    status, out, err = run_sandboxed(sb, [helpers["vtool"], "openat", "-",
                                          f"{secrets}/secret", "O_RDONLY",
                                          "0"])
    assert status == 0 and out.startswith("ret="), (status, out, err)
    o = enforcing.wait_for(lambda r: r["type"] == "open" and
                           r["sandbox"]["id"] == "lenient" and
                           r["open"]["path"] == f"{secrets}/secret",
                           what="the lenient open")
    assert o["open"]["filesets"] == ["test-secrets"]
    assert o["open"]["kernel_killed"] is False
    assert actions(enforcing.records()) == []


@pytest.mark.parametrize("how", ["path", "symlink", "execveat-dirfd"])
def test_denied_program_never_runs(enforcing, sandbox_root, helpers,
                                   secrets, tmp_path, how):
    """Exec of the denied file by any name: killed at exec, before the
    program's first instruction (it would have created the marker)."""
    marker = tmp_path / "marker"
    target = secrets / "denied-bin"
    if how == "symlink":
        target = tmp_path / "innocent-tool"
        os.symlink(secrets / "denied-bin", target)
    sid = f"x-{how}"
    sb = make_sandbox(sandbox_root, sid)
    if how == "execveat-dirfd":
        argv = [helpers["vtool"], "execveat", str(secrets), "denied-bin",
                "touch", str(marker)]
    else:
        argv = [helpers["vtool"], "exec", str(target), "touch", str(marker)]
    status, out, _ = run_sandboxed(sb, argv)
    trig = assert_kernel_killed(enforcing, sb, sid, status, out,
                                "test-denied-exec", "exec", "test-denied")
    assert trig["exec"]["file"] == str(secrets / "denied-bin"), trig
    assert not marker.exists(), "the denied program ran"


# Streams TOTAL bytes to PORT on HOST, then lingers (to be killed).
STREAM = r"""
import socket, sys, time
host, port, total = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = socket.create_connection((host, port))
chunk = b"x" * 65536
sent = 0
try:
    while sent < total:
        s.sendall(chunk)
        sent += len(chunk)
except OSError:
    pass
print(sent, flush=True)
time.sleep(float(sys.argv[4]))
"""


def placed(v, sb, sid):
    """Runs a first command so vigil places the sandbox under its profile."""
    status, _, _ = run_sandboxed(sb, ["/bin/true"])
    assert status == 0
    v.wait_for(lambda r: r["type"] == "exec" and r["sandbox"]["id"] == sid,
               what=f"{sid}'s first exec")


def test_egress_budget_severs_and_kills(enforcing, sandbox_root, sink):
    """A sandbox streaming to a destination outside its allowlist gets
    its budget's worth through, not a byte more, and is killed."""
    sid = "exfil"
    sb = make_sandbox(sandbox_root, sid, profile="budgeted")
    placed(enforcing, sb, sid)
    child = run_in_cgroup(sb, [PY, "-c", STREAM, "127.0.0.1", str(sink.port),
                               str(50 << 20), "60"])
    k = enforcing.wait_for(lambda r: is_action("kill")(r) and
                           r["sandbox"]["id"] == sid, timeout=30,
                           what="kill action")
    assert child.wait(timeout=30) == -signal.SIGKILL
    assert cgroup_events(sb)["populated"] == 0
    y = k["action"]
    assert (y["reason"], y["rule"], y["outcome"], y["kernel_verdict"]) == \
        ("rule", "test-budget-spent", "done", "drop"), y
    b = by_seq(enforcing.records(), y["trigger_seq"])
    assert b["type"] == "budget" and b["sandbox"]["id"] == sid, b
    x = b["budget"]
    assert x["limit"] == BUDGET and 0 < x["spent"] <= BUDGET, x
    assert (x["addr"], x["port"], x["proto"]) == \
        ("127.0.0.1", sink.port, "tcp"), x
    time.sleep(0.5)                 # the listener drains its queue
    # Only what the kernel let out can arrive: at most the budget.
    assert BUDGET - (1 << 20) < sink.received <= BUDGET, sink.received


def test_egress_budget_spares_the_allowlist_and_small_senders(
        enforcing, sandbox_root, sink):
    """20 MiB to the allowed ::1 and 1 MiB to 127.0.0.1 stay within the
    budget: everything arrives, nothing is dropped or killed."""
    sid = "modest"
    sb = make_sandbox(sandbox_root, sid, profile="budgeted")
    placed(enforcing, sb, sid)
    s6 = Sink("::1")
    try:
        for host, port, total in [("::1", s6.port, 20 << 20),
                                  ("127.0.0.1", sink.port, 1 << 20)]:
            status, out, err = run_sandboxed(
                sb, [PY, "-c", STREAM, host, str(port), str(total), "0"],
                timeout=60)
            assert status == 0 and int(out) == total, (host, out, err)
        wait_until(lambda: s6.received == 20 << 20 and
                   sink.received == 1 << 20, 10, "all bytes delivered")
    finally:
        s6.close()
    recs = enforcing.records()
    assert [r for r in recs if r["type"] in ("budget", "alert", "action")] \
        == []


def test_vigil_run_places_its_sandbox_before_the_command(
        sandbox_root, start_run, tmp_path, helpers, secrets):
    """vigil run makes its own sandbox, so the command's very first open
    already meets its profile's kernel policy: the lenient profile's
    command reads the secret; the default profile's is killed."""
    rules = ["--rules", write_rules(tmp_path / "enforce.yaml",
                                    RULES.format(d=secrets))]
    cmd = [helpers["vtool"], "openat", "-", f"{secrets}/secret", "O_RDONLY",
           "0"]
    lenient = start_run(sandbox_root, "run-lenient", rules, cmd,
                        extra=["--profile", "lenient"])
    status, _ = lenient.wait()
    assert status == 0, lenient.stderr()
    strict = start_run(sandbox_root, "run-strict", rules, cmd)
    status, _ = strict.wait()
    assert status == 137, strict.stderr()
    assert "killed by vigil (rule test-secret-open," in strict.stderr()
    o = [r for r in strict.final_records() if r["type"] == "open"
         and r["open"]["path"] == f"{secrets}/secret"]
    assert len(o) == 1 and o[0]["open"]["kernel_killed"] is True, o
