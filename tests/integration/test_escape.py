"""A task never leaves its sandbox unseen (issue 11, item 1).

A sandboxed root process that writes its pid to another cgroup's
cgroup.procs used to leave every watch: no record, no protected-file
kill, no share in its sandbox's cleanup. Now every task carries the
sandbox it belongs to wherever it goes; opening a migration file outside
the sandbox for writing, clone3 into an outside cgroup, and any move of a
sandbox's task out of it get the task killed by the kernel before the
syscall returns, an escape record blamed on the sandbox it came from, and
the shipped sandbox-escape rule's kill of that sandbox. Moves outside
every sandbox and within a sandbox's own nested cgroups are untouched.

Safety: every cgroup written to lies below a root this test made (the
cgroup2 root's cgroup.procs is only ever the target of the escape
attempts the kernel must stop); a process that did get out is found and
killed by pid as a child of the test's own subreaper (vigil run) or is
the test's own child.
"""

import json
import os
import signal
import subprocess

import pytest

from conftest import (cgroup2_mount, cgroup_id, cgroup_rel, join_cgroup,
                      make_sandbox, pid_of, run_in_cgroup, run_in_cgroup_ok,
                      vigil_path)
from policy_support import PY, actions, alerts, cgroup_events, wait_until

BUILTIN = ["--rules", "builtin"]
SIGKILL = -signal.SIGKILL
FAKE = "FAKE-ESCAPE-CREDENTIAL"


def escapes(records, sid=None):
    return [r for r in records if r["type"] == "escape"
            and (sid is None or r["sandbox"]["id"] == sid)]


def of_sandbox(records, sid):
    return [r for r in records if (r.get("sandbox") or {}).get("id") == sid]


def assert_sandbox_killed(v, sid, sb, escape):
    """The shipped rule alerted on the escape record and killed the
    sandbox it came from, saying the kernel had killed first when it
    did."""
    a = v.wait_for(lambda r: r["type"] == "alert" and
                   r["sandbox"]["id"] == sid and
                   r["alert"]["rule"] == "sandbox-escape",
                   what=f"sandbox-escape alert on {sid}")
    assert a["alert"]["trigger"] == {"seq": escape["seq"], "type": "escape"}
    assert a["alert"]["severity"] == "critical", a
    k = v.wait_for(lambda r: r["type"] == "action" and
                   r["sandbox"]["id"] == sid and
                   r["action"]["action"] == "kill", what=f"kill of {sid}")
    y = k["action"]
    assert (y["reason"], y["rule"], y["outcome"]) == \
        ("rule", "sandbox-escape", "done"), y
    assert y["kernel_verdict"] == \
        ("sigkill" if escape["escape"]["kernel_killed"] else None), y
    wait_until(lambda: cgroup_events(sb)["populated"] == 0, 10,
               f"{sid} empty")


# ------------------------------------------------------- out to the root

# Runs argv as a child subreaper. Once it exits, the processes it left
# behind are this wrapper's children: the dead ones are reaped, the live
# ones (escaped from the sandbox's cleanup) named, then killed by pid and
# reaped. Writes {"status", "survivors"} to argv[1].
SUBREAPER = r"""
import ctypes, json, os, signal, subprocess, sys
PR_SET_CHILD_SUBREAPER = 36
ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
status = subprocess.call(sys.argv[2:])

def reap():
    while True:
        try:
            if os.waitpid(-1, os.WNOHANG)[0] == 0:
                return
        except ChildProcessError:
            return

def children():
    me, pids = os.getpid(), []
    for t in os.listdir("/proc/%d/task" % me):
        with open("/proc/%d/task/%s/children" % (me, t)) as f:
            pids += [int(p) for p in f.read().split()]
    return pids

reap()
survivors = []
for pid in children():
    with open("/proc/%d/comm" % pid) as f:
        survivors.append([pid, f.read().strip()])
    os.kill(pid, signal.SIGKILL)
for pid, _ in survivors:
    os.waitpid(pid, 0)
with open(sys.argv[1], "w") as f:
    json.dump({"status": status, "survivors": survivors}, f)
"""

# Starts a sleeper in the sandbox, then (through PREFIX) a shell that
# writes its pid to the cgroup2 root's cgroup.procs, starts another
# sleeper where it then is, and reads the (fake) cloud credentials.
ESCAPE_TO_ROOT = """
sleep 1000 &
exec {prefix}/bin/sh -c 'echo $$ > "$0/cgroup.procs"; sleep 1000 &
cat "$HOME/.aws/credentials"; echo escaped' "$1"
"""


@pytest.fixture
def fake_home(tmp_path):
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws" / "credentials").write_text(
        f"[default]\naws_access_key_id = {FAKE}\n")
    return home


@pytest.mark.parametrize("prefix", ["", "unshare -C "],
                         ids=["echo-pid", "cgroup-namespace"])
def test_escape_to_the_root_kills_the_process_and_its_sandbox(
        prefix, tmp_path, sandbox_root, fake_home):
    """`echo $$ > <cgroup2 root>/cgroup.procs` as root under vigil run,
    directly or from a cgroup namespace of its own: the shell dies inside
    open(), so it never writes its pid or reads the credentials; the
    escape record kills the sandbox, and nothing survives the run."""
    sid = f"esc-{len(prefix)}"
    out, result = tmp_path / "run.jsonl", tmp_path / "result.json"
    script = ESCAPE_TO_ROOT.format(prefix=prefix).strip()
    argv = [PY, "-c", SUBREAPER, str(result), vigil_path(), "run",
            "--sandbox-root", sandbox_root, "--sandbox-id", sid,
            "--output", str(out), "--control", str(tmp_path / "run.sock"),
            "--evidence-dir", str(tmp_path / "evidence"), *BUILTIN, "--",
            "/bin/sh", "-c", script, "sh", cgroup2_mount()]
    with open(tmp_path / "cmd.out", "wb") as cmd_out:
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=cmd_out,
                           stderr=subprocess.PIPE, timeout=120,
                           env={**os.environ, "HOME": str(fake_home)})
    printed = (tmp_path / "cmd.out").read_text()
    res = json.loads(result.read_text())
    assert res["survivors"] == [], res
    assert FAKE not in printed and "escaped" not in printed, printed
    assert res["status"] == 128 + signal.SIGKILL, (res, p.stderr)
    assert b"killed by vigil (rule sandbox-escape" in p.stderr, p.stderr

    records = [json.loads(line) for line in out.read_text().splitlines()]
    (esc,) = escapes(records, sid)
    assert esc["escape"] == {
        "how": "open", "cgroup_id": cgroup_id(cgroup2_mount()),
        "into": None, "moved_pid": None, "moved_killed": False,
        "signal": None, "kernel_killed": True}, esc
    assert esc["sandbox"]["cgroup"] == cgroup_rel(
        os.path.join(sandbox_root, sid))
    (kill,) = actions(records, "kill")
    assert (kill["action"]["rule"], kill["action"]["outcome"],
            kill["action"]["kernel_verdict"]) == \
        ("sandbox-escape", "done", "sigkill"), kill
    # unshare(2) is a probe of its own.
    assert {a["alert"]["rule"] for a in alerts(records)} == \
        {"sandbox-escape"} | ({"host-probe-syscall"} if prefix else set())
    shell = pid_of(esc)
    opened = [r["open"]["path"] for r in records if r["type"] == "open"]
    assert not [o for o in opened if o.endswith("/.aws/credentials")]
    assert os.path.join(cgroup2_mount(), "cgroup.procs") in opened
    assert [r["exit"]["signal"] for r in records
            if r["type"] == "exit" and pid_of(r) == shell] == [9]


# ------------------------------------------ other sandboxes, other paths


@pytest.fixture
def guarded(sandbox_root, start_vigil):
    return start_vigil(sandbox_root, extra_args=BUILTIN)


def test_escape_into_another_sandbox_is_blamed_on_its_origin(
        sandbox_root, guarded):
    """A root shell of sandbox A writes its pid to sandbox B's
    cgroup.procs, then would read /etc/shadow: it dies inside open();
    A is blamed and killed, B (and its process) untouched."""
    a = make_sandbox(sandbox_root, "a")
    b = make_sandbox(sandbox_root, "b")
    victim = run_in_cgroup(b, ["/usr/bin/sleep", "600"])
    guarded.wait_for(lambda r: r["type"] == "exec" and
                     pid_of(r) == victim.pid, what="the victim's exec")
    p = run_in_cgroup(a, ["/bin/sh", "-c",
                          'echo $$ > "$0/cgroup.procs"; '
                          'cat /etc/shadow > /dev/null; echo survived', b],
                      stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, _ = p.communicate(timeout=30)
    assert p.returncode == SIGKILL and b"survived" not in out, out
    esc = guarded.wait_for(lambda r: r["type"] == "escape",
                           what="the escape record")
    assert esc["sandbox"]["id"] == "a" and pid_of(esc) == p.pid, esc
    assert esc["escape"] == {
        "how": "open", "cgroup_id": cgroup_id(b), "into": cgroup_rel(b),
        "moved_pid": None, "moved_killed": False, "signal": None, "kernel_killed": True}
    assert_sandbox_killed(guarded, "a", a, esc)
    assert victim.poll() is None, "the other sandbox's process died"
    records = guarded.records()
    assert not [r for r in of_sandbox(records, "b")
                if r["type"] in ("alert", "action")]
    assert not [r for r in records if r["type"] == "open"
                and r["open"]["path"] == "/etc/shadow"]
    assert cgroup_events(b)["populated"] == 1


@pytest.fixture
def outside(make_sandbox_root):
    """A cgroup this test made, outside every sandbox root the daemon
    watches."""
    return make_sandbox_root()


@pytest.mark.parametrize("target", ["outside", "other-sandbox"])
def test_clone3_into_a_cgroup_outside_the_sandbox_is_stopped(
        target, sandbox_root, outside, guarded, helpers):
    """clone3(CLONE_INTO_CGROUP) to a cgroup outside the caller's
    sandbox: the caller dies at the syscall's entry and no child is
    made."""
    sb = make_sandbox(sandbox_root, "cl")
    dst = outside if target == "outside" else \
        make_sandbox(sandbox_root, "other")
    p = run_in_cgroup(sb, [helpers["vtool"], "clone3-into", dst],
                      stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = p.communicate(timeout=30)
    assert p.returncode == SIGKILL, (p.returncode, out, err)
    assert out == b"", f"clone3 returned, or a child ran: {out!r}"
    esc = guarded.wait_for(lambda r: r["type"] == "escape",
                           what="the escape record")
    assert esc["sandbox"]["id"] == "cl" and pid_of(esc) == p.pid, esc
    assert esc["escape"] == {
        "how": "clone", "cgroup_id": cgroup_id(dst),
        "into": None if target == "outside" else cgroup_rel(dst),
        "moved_pid": None, "moved_killed": False, "signal": None, "kernel_killed": True}
    assert_sandbox_killed(guarded, "cl", sb, esc)
    assert not [r for r in guarded.records() if r["type"] == "fork"
                and pid_of(r) == p.pid]


# A process that holds a descriptor (argv[1]) of an outside cgroup's
# cgroup.procs, opened by another process, and writes its own pid there
# once a line arrives on standard input.
HOLDER = r"""
import os, sys
sys.stdin.buffer.readline()
os.write(int(sys.argv[1]), b"0")
print("moved", flush=True)
"""


def test_task_already_in_a_sandbox_is_killed_when_it_moves(
        sandbox_root, outside, start_vigil):
    """A task that entered its sandbox before vigil started, with a
    descriptor no open vigil saw, moves itself out: the move happens (no
    program can refuse a write), and the task dies before returning
    from it, still its sandbox's."""
    sb = make_sandbox(sandbox_root, "old")
    fd = os.open(os.path.join(outside, "cgroup.procs"), os.O_WRONLY)
    try:
        p = subprocess.Popen([PY, "-c", HOLDER, str(fd)], pass_fds=(fd,),
                             preexec_fn=lambda: join_cgroup(sb),
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
    finally:
        os.close(fd)
    try:
        v = start_vigil(sandbox_root, extra_args=BUILTIN)
        out, err = p.communicate(b"go\n", timeout=30)
    finally:
        if p.poll() is None:
            p.kill()        # our own child, by pid
            p.wait()
    assert p.returncode == SIGKILL and out == b"", (p.returncode, out, err)
    esc = v.wait_for(lambda r: r["type"] == "escape",
                     what="the escape record")
    assert esc["sandbox"]["id"] == "old" and pid_of(esc) == p.pid, esc
    assert esc["escape"] == {
        "how": "move", "cgroup_id": cgroup_id(outside), "into": None,
        "moved_pid": p.pid, "moved_killed": True, "signal": None, "kernel_killed": True}
    assert_sandbox_killed(v, "old", sb, esc)
    ex = v.wait_for(lambda r: r["type"] == "exit" and pid_of(r) == p.pid,
                    what="the mover's exit")
    assert ex["sandbox"]["id"] == "old" and ex["exit"]["signal"] == 9, ex
    assert ex["proc"]["cgroup_id"] == cgroup_id(outside), ex


def test_task_moved_out_by_another_is_killed(sandbox_root, outside,
                                             guarded):
    """Anyone moving a sandbox's task out of it (here the test itself, a
    process outside every sandbox) leaves the task to the kernel: it dies
    where it landed, its sandbox is blamed and killed; the mover, not a
    sandbox's, is left alone."""
    sb = make_sandbox(sandbox_root, "moved")
    p = run_in_cgroup(sb, ["/usr/bin/sleep", "600"])
    guarded.wait_for(lambda r: r["type"] == "exec" and pid_of(r) == p.pid,
                     what="the sleeper's exec")
    with open(os.path.join(outside, "cgroup.procs"), "w") as f:
        f.write(str(p.pid))
    assert p.wait(timeout=30) == SIGKILL
    esc = guarded.wait_for(lambda r: r["type"] == "escape",
                           what="the escape record")
    assert esc["sandbox"]["id"] == "moved" and pid_of(esc) == os.getpid()
    assert esc["escape"] == {
        "how": "move", "cgroup_id": cgroup_id(outside), "into": None,
        "moved_pid": p.pid, "moved_killed": True, "signal": None, "kernel_killed": False}
    assert_sandbox_killed(guarded, "moved", sb, esc)


# ------------------------------------------------------------- benign

NESTED = """
set -e
mkdir "$0/inner" "$0/other"
echo $$ > "$0/inner/cgroup.procs"
echo $$ > "$0/other/cgroup.procs"
"$1" clone3-into "$0/inner"
cat "$2/cgroup.procs" > /dev/null
echo nested-ok
"""

OUTSIDE_MOVES = """
set -e
mkdir "$0/a" "$0/b"
echo $$ > "$0/a/cgroup.procs"
echo $$ > "$0/b/cgroup.procs"
"$1" clone3-into "$0/a"
echo outside-ok
"""


def test_moves_within_a_sandbox_and_outside_sandboxes_are_untouched(
        sandbox_root, outside, guarded, helpers):
    """An agent's own nested cgroups are its sandbox's (moves and clone3
    there, reading the root's cgroup.procs); processes outside every
    sandbox move as they like, and a process entering a sandbox is the
    sandbox's from then on. No escape, no alert, no kill."""
    sb = make_sandbox(sandbox_root, "nest")
    pid, out = run_in_cgroup_ok(sb, ["/bin/sh", "-c", NESTED, sb,
                                     helpers["vtool"], cgroup2_mount()])
    assert "nested-ok" in out and f"child 0::{cgroup_rel(sb)}/inner" in out
    host = subprocess.run(["/bin/sh", "-c", OUTSIDE_MOVES, outside,
                           helpers["vtool"]], capture_output=True,
                          text=True, timeout=30)
    assert host.returncode == 0 and "outside-ok" in host.stdout, host
    ex = guarded.wait_for(lambda r: r["type"] == "exit" and
                          pid_of(r) == pid, what="the nested shell's exit")
    assert ex["sandbox"]["id"] == "nest" and ex["exit"]["code"] == 0, ex
    assert ex["proc"]["cgroup_id"] == cgroup_id(os.path.join(sb, "other"))
    records = guarded.stop()
    assert escapes(records) == []
    # vtool runs from the test's tmp directory, which is no drop.
    assert alerts(records) == []
    assert {a["action"]["action"] for a in actions(records)} <= {"alert"}
    forks = [r for r in records if r["type"] == "fork"]
    assert forks and {r["sandbox"]["id"] for r in forks} == {"nest"}
