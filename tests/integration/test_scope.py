"""What is watched (sandboxes, and nothing else) and the common fields."""

import calendar
import os
import re
import socket
import subprocess
import sys
import time

from conftest import (SCHEMA, cgroup_id, cgroup_rel, make_sandbox, of_pid,
                      pick, run_in_cgroup, run_in_cgroup_ok)

TRUE = "/usr/bin/true"


def exec_with_argv(argv):
    return lambda r: r["type"] == "exec" and r["exec"]["argv"] == argv


OUTSIDE_LOOP = r"""
import os, subprocess, sys, time
end = time.monotonic() + float(sys.argv[1])
n = 0
while time.monotonic() < end:
    os.close(os.open(sys.argv[2], os.O_RDONLY))
    subprocess.run(["/usr/bin/true", "outside-marker"])
    n += 1
print(n)
"""


def test_outside_processes_produce_no_records(sandbox_root, start_vigil,
                                              tmp_path):
    sb = make_sandbox(sandbox_root, "inside")
    marker = str(tmp_path / "outside-marker")
    open(marker, "w").close()
    v = start_vigil(sandbox_root)

    outside = subprocess.Popen([sys.executable, "-c", OUTSIDE_LOOP, "2",
                                marker], stdout=subprocess.PIPE, text=True)
    inside = run_in_cgroup(sb, ["/bin/sh", "-c",
                                f"cat {marker} >/dev/null; "
                                "/usr/bin/true inside-marker; exit 0"])
    assert inside.wait(timeout=30) == 0
    out, _ = outside.communicate(timeout=60)
    assert outside.returncode == 0 and int(out) > 10, out
    v.wait_for(exec_with_argv([TRUE, "inside-marker"]),
               what="the sandbox's exec")

    records = v.stop()
    foreign = {outside.pid, os.getpid(), v.pid}
    for r in records:
        if r["sandbox"] is None:
            assert r["type"] == "drop", f"{r['type']} without sandbox: {r}"
            continue
        assert r["sandbox"]["id"] == "inside", r
        assert r["sandbox"]["cgroup_id"] == cgroup_id(sb), r
        if "proc" in r:
            assert r["proc"]["pid"] not in foreign, r
            assert r["proc"]["ppid"] != outside.pid, r
        if r["type"] == "exec":
            assert "outside-marker" not in r["exec"]["argv"], r
    # The sandbox's own open of the marker is recorded; nobody else's.
    opens = [r for r in records if r["type"] == "open"
             and r["open"]["path"] == marker]
    assert opens and all(r["proc"]["exe"] == "/usr/bin/cat" for r in opens), \
        opens


def test_sandbox_created_after_start(sandbox_root, start_vigil):
    v = start_vigil(sandbox_root)
    # Created, labelled and used at once, as `vigil run` does.
    sb = make_sandbox(sandbox_root, "late", labels={"stage": "late"},
                      profile="p-late")
    pid, _ = run_in_cgroup_ok(sb, [TRUE, "late-first"])
    r = v.wait_for(of_pid(pid, "exec"), what="first exec in the new sandbox")
    assert r["exec"]["argv"] == [TRUE, "late-first"]
    exp = {"id": "late", "cgroup": cgroup_rel(sb), "cgroup_id": cgroup_id(sb),
           "labels": {"stage": "late"}, "profile": "p-late"}
    assert pick(r["sandbox"], exp) == exp
    x = v.wait_for(of_pid(pid, "exit"), what="its exit")
    assert x["sandbox"]["id"] == "late"


def test_two_roots(make_sandbox_root, start_vigil):
    r1, r2 = make_sandbox_root(), make_sandbox_root()
    a = make_sandbox(r1, "alpha")
    b = make_sandbox(r2, "beta")
    same1 = make_sandbox(r1, "same")
    same2 = make_sandbox(r2, "same")
    v = start_vigil([r1, r2])
    cases = [(a, "alpha"), (b, "beta"), (same1, "same"), (same2, "same")]
    for i, (sb, name) in enumerate(cases):
        pid, _ = run_in_cgroup_ok(sb, [TRUE, f"root-case-{i}"])
        r = v.wait_for(of_pid(pid, "exec"), what=f"exec in {sb}")
        assert r["sandbox"]["id"] == name
        assert r["sandbox"]["cgroup"] == cgroup_rel(sb)
        assert r["sandbox"]["cgroup_id"] == cgroup_id(sb)
        assert r["proc"]["cgroup_id"] == cgroup_id(sb)


def test_root_itself_and_siblings_not_watched(make_sandbox_root, start_vigil):
    """A process directly in the root is in no sandbox; a root that is not
    given on the command line is not watched."""
    watched, other = make_sandbox_root(), make_sandbox_root()
    sb = make_sandbox(watched, "sb")
    other_sb = make_sandbox(other, "sb")
    v = start_vigil(watched)
    in_root, _ = run_in_cgroup_ok(watched, [TRUE, "in-root"])
    in_other, _ = run_in_cgroup_ok(other_sb, [TRUE, "in-other"])
    pid, _ = run_in_cgroup_ok(sb, [TRUE, "in-sandbox"])
    v.wait_for(of_pid(pid, "exit"), what="the sandbox's exit")
    records = v.stop()
    pids = {r["proc"]["pid"] for r in records if "proc" in r}
    assert in_root not in pids and in_other not in pids
    assert {r["sandbox"]["id"] for r in records if r["sandbox"]} == {"sb"}


def test_nested_cgroup_attributed_to_sandbox(sandbox_root, start_vigil):
    sb = make_sandbox(sandbox_root, "outer", labels={"k": "v"})
    deep = os.path.join(sb, "inner", "deeper")
    os.makedirs(deep)
    v = start_vigil(sandbox_root)
    pid, _ = run_in_cgroup_ok(deep, ["/bin/sh", "-c",
                                     "/usr/bin/true nested; exit 0"])
    exp = {"id": "outer", "cgroup": cgroup_rel(sb), "cgroup_id": cgroup_id(sb),
           "labels": {"k": "v"}, "profile": None}
    for pred in (of_pid(pid, "exec"), exec_with_argv([TRUE, "nested"]),
                 of_pid(pid, "fork"), of_pid(pid, "exit")):
        r = v.wait_for(pred, what="record from the nested cgroup")
        assert pick(r["sandbox"], exp) == exp, r
        assert r["proc"]["cgroup_id"] == cgroup_id(deep), r


def test_labels_and_profile_on_every_record(sandbox_root, start_vigil):
    labels = {"agent": "claude-7", "team": "red", "empty": ""}
    sb = make_sandbox(sandbox_root, "labelled", labels=labels,
                      profile="strict")
    plain = make_sandbox(sandbox_root, "plain")
    v = start_vigil(sandbox_root)
    work = "cat /etc/hostname >/dev/null; /usr/bin/true labelled; exit 0"
    pid, _ = run_in_cgroup_ok(sb, ["/bin/sh", "-c", work])
    pid2, _ = run_in_cgroup_ok(plain, ["/bin/sh", "-c", work])
    v.wait_for(of_pid(pid, "exit"), what="exit of the labelled shell")
    v.wait_for(of_pid(pid2, "exit"), what="exit of the plain shell")
    records = v.stop()

    seen = {"labelled": set(), "plain": set()}
    for r in records:
        if r["sandbox"] is None:
            assert r["type"] == "drop", f"{r['type']} without sandbox: {r}"
            continue
        sid = r["sandbox"]["id"]
        seen[sid].add(r["type"])
        if sid == "labelled":
            assert r["sandbox"]["labels"] == labels, r
            assert r["sandbox"]["profile"] == "strict", r
        else:
            assert r["sandbox"]["labels"] == {}, r
            assert r["sandbox"]["profile"] is None, r
    for sid, types in seen.items():
        assert {"exec", "fork", "open", "exit"} <= types, (sid, types)


TIME_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})"
                     r"\.(\d{9})Z$")
PROC_KEYS = {"pid", "tid", "ppid", "uid", "gid", "comm", "exe", "exec_id",
             "cgroup_id"}
TYPE_KEYS = {
    "exec": {"file", "arg", "argv", "argv_truncated", "ret", "dev", "ino",
             "syscall"},
    "fork": {"child_pid"},
    "exit": {"code", "signal"},
    "open": {"path", "arg", "flags", "mode", "ret", "dev", "ino", "syscall"},
    "connect": {"family", "addr", "port", "proto", "ret"},
    "flow": {"family", "addr", "port", "proto", "bytes", "packets",
             "send_calls", "send_bytes", "interval_ms"},
    "drop": {"lost", "since_ms", "reasons"},
    "socket": {"op", "family", "sock_type", "proto", "ret"},
}


def epoch_of(t):
    m = TIME_RE.match(t)
    assert m, f"time not RFC 3339 UTC with 9 fraction digits: {t!r}"
    y, mo, d, h, mi, s, ns = (int(x) for x in m.groups())
    return calendar.timegm((y, mo, d, h, mi, s)) + ns / 1e9


def test_common_fields(sandbox_root, start_vigil):
    sb = make_sandbox(sandbox_root, "common")
    t0 = time.time()
    v = start_vigil(sandbox_root, flow_interval=200)
    with socket.socket() as ls:
        ls.bind(("127.0.0.1", 0))
        ls.listen(4)
        port = ls.getsockname()[1]
        script = ("import socket,sys; s=socket.create_connection("
                  f"('127.0.0.1',{port})); s.sendall(b'x'*1000); s.close()")
        run_in_cgroup_ok(sb, ["/bin/sh", "-c",
                              f"cat /etc/hostname >/dev/null; "
                              f"{sys.executable} -c \"{script}\"; exit 0"])
        c, _ = ls.accept()
        c.close()
    records = v.stop()
    t1 = time.time()

    assert records, "no records at all"
    assert [r["seq"] for r in records] == list(range(1, len(records) + 1))
    host = socket.gethostname()
    sandbox = {"id": "common", "cgroup": cgroup_rel(sb),
               "cgroup_id": cgroup_id(sb), "labels": {}, "profile": None}
    types = set()
    for r in records:
        types.add(r["type"])
        assert r["schema"] == SCHEMA, r
        assert r["host"] == host, r
        assert r["type"] in TYPE_KEYS, r
        assert TYPE_KEYS[r["type"]] <= set(r[r["type"]]), r
        t = epoch_of(r["time"])
        assert t0 - 2 <= t <= t1 + 2, (r["time"], t0, t1)
        if r["type"] == "drop":
            assert r["sandbox"] is None
            continue
        assert r["sandbox"] is not None, f"{r['type']} without sandbox: {r}"
        assert pick(r["sandbox"], sandbox) == sandbox, r
        if r["type"] == "flow":
            continue
        assert set(r["proc"]) >= PROC_KEYS, r
        assert r["proc"]["cgroup_id"] == cgroup_id(sb), r
        assert isinstance(r["ancestors"], list), r
        for a in r["ancestors"]:
            assert set(a) >= {"pid", "exe", "exec_id"}, r
    assert {"exec", "fork", "open", "connect", "exit", "flow"} <= types, types


def test_processes_older_than_vigil_get_their_ancestors(sandbox_root,
                                                       start_vigil, tmp_path):
    """A sandbox whose processes started before the daemon: the first
    record of a child still names its parents inside the sandbox, loaded
    from /proc, and stops at the sandbox's first process."""
    sb = make_sandbox(sandbox_root, "older")
    go = str(tmp_path / "go")
    # Trailing commands keep dash from exec'ing in place, so the chain is
    # outer sh -> inner sh -> true, and both shells outlive the record.
    inner = (f"while [ ! -e {go} ]; do sleep 0.05; done; "
             "/usr/bin/true late-child; sleep 30")
    outer = run_in_cgroup(sb, ["/bin/sh", "-c", f"/bin/sh -c '{inner}'; :"])
    time.sleep(0.3)     # both shells are up before vigil starts
    v = start_vigil(sandbox_root)
    open(go, "w").close()
    r = v.wait_for(exec_with_argv([TRUE, "late-child"]),
                   what="the late child's exec")
    outer.kill()        # ours, by pid; the sandbox teardown ends the rest
    outer.wait(timeout=30)
    chain = r["ancestors"]
    assert len(chain) == 2, chain
    assert chain[1]["pid"] == outer.pid, chain
    assert [a["exe"] for a in chain] == [os.path.realpath("/bin/sh")] * 2, chain
    assert all(a["exec_id"].startswith(f"{a['pid']}-") and
               not a["exec_id"].endswith("-0") for a in chain), chain
