"""exec, fork and exit records."""

import os
import signal
import subprocess

from conftest import (cgroup_id, cgroup_rel, make_sandbox, of_pid, pick,
                      pick_all, run_in_cgroup, run_in_cgroup_ok)

TRUE = "/usr/bin/true"
DASH = os.path.realpath("/bin/sh")     # /usr/bin/dash on Debian


def exec_of(pid, **fields):
    def pred(r):
        if r["type"] != "exec" or r["proc"]["pid"] != pid:
            return False
        return all(r["exec"].get(k) == v for k, v in fields.items())
    return pred


def assert_file_identity(e, path):
    st = os.stat(path)
    assert (e["dev"], e["ino"]) == (st.st_dev, st.st_ino), (e, path)


def test_exec_record_fields(sandbox_root, start_vigil):
    sb = make_sandbox(sandbox_root, "sb-exec")
    v = start_vigil(sandbox_root)
    argv = [TRUE, "alpha", "beta gamma", ""]
    pid, _ = run_in_cgroup_ok(sb, argv)

    r = v.wait_for(exec_of(pid), what=f"exec record of pid {pid}")
    e = r["exec"]
    assert e["file"] == TRUE
    assert e["arg"] == TRUE
    assert e["argv"] == argv
    assert e["argv_truncated"] is False
    assert e["ret"] == 0
    assert e["syscall"] == "execve"
    assert_file_identity(e, TRUE)

    p = r["proc"]
    assert p["pid"] == pid and p["tid"] == pid
    assert p["ppid"] == os.getpid()
    assert (p["uid"], p["gid"]) == (0, 0)
    assert p["comm"] == "true"
    assert p["exe"] == TRUE
    assert isinstance(p["exec_id"], str) and p["exec_id"]
    assert p["cgroup_id"] == cgroup_id(sb)

    exp = {"id": "sb-exec", "cgroup": cgroup_rel(sb),
           "cgroup_id": cgroup_id(sb), "labels": {}, "profile": None}
    assert pick(r["sandbox"], exp) == exp
    # The first process of the sandbox: its parent (pytest) is outside.
    assert r["ancestors"] == []


def test_exec_via_symlink_resolves_file(sandbox_root, start_vigil, tmp_path):
    sb = make_sandbox(sandbox_root, "sb")
    link = str(tmp_path / "my-true")
    os.symlink(TRUE, link)
    v = start_vigil(sandbox_root)
    pid, _ = run_in_cgroup_ok(sb, [link, "via-link"])
    pid2, _ = run_in_cgroup_ok(sb, ["/bin/true", "via-bin"])  # /bin -> usr/bin

    for p, arg, argv in ((pid, link, [link, "via-link"]),
                         (pid2, "/bin/true", ["/bin/true", "via-bin"])):
        r = v.wait_for(exec_of(p), what=f"exec of {arg}")
        e = r["exec"]
        assert e["file"] == TRUE, e
        assert e["arg"] == arg, e
        assert e["argv"] == argv, e
        assert e["ret"] == 0
        assert_file_identity(e, TRUE)
        assert r["proc"]["exe"] == TRUE


def test_exec_relative_path_resolves_file(sandbox_root, start_vigil):
    sb = make_sandbox(sandbox_root, "sb")
    v = start_vigil(sandbox_root)
    pid, _ = run_in_cgroup_ok(sb, ["./true", "relative"], cwd="/usr/bin")
    r = v.wait_for(exec_of(pid), what="exec of ./true")
    e = r["exec"]
    assert e["file"] == TRUE
    assert e["arg"] == "./true"
    assert e["argv"] == ["./true", "relative"]
    assert e["ret"] == 0
    assert r["proc"]["exe"] == TRUE


def test_ancestors_chain_shell_to_child(sandbox_root, start_vigil):
    sb = make_sandbox(sandbox_root, "sb")
    v = start_vigil(sandbox_root)
    script = '/bin/sh -c "/usr/bin/true deep; exit 0"; exit 0'
    outer, _ = run_in_cgroup_ok(sb, ["/bin/sh", "-c", script])

    leaf = v.wait_for(lambda r: r["type"] == "exec"
                      and r["exec"]["argv"] == [TRUE, "deep"],
                      what="exec of 'true deep'")
    inner_pid = leaf["proc"]["ppid"]
    outer_exec = v.wait_for(exec_of(outer), what="outer sh exec")
    inner_exec = v.wait_for(exec_of(inner_pid), what="inner sh exec")

    assert outer_exec["exec"]["file"] == DASH
    assert outer_exec["exec"]["argv"] == ["/bin/sh", "-c", script]
    assert outer_exec["ancestors"] == []
    assert inner_exec["proc"]["ppid"] == outer
    assert inner_exec["exec"]["file"] == DASH
    assert inner_exec["exec"]["argv"] == ["/bin/sh", "-c",
                                          "/usr/bin/true deep; exit 0"]
    exp = [{"pid": outer, "exe": DASH,
            "exec_id": outer_exec["proc"]["exec_id"]}]
    assert pick_all(inner_exec["ancestors"], exp) == exp
    exp = [{"pid": inner_pid, "exe": DASH,
            "exec_id": inner_exec["proc"]["exec_id"]},
           {"pid": outer, "exe": DASH,
            "exec_id": outer_exec["proc"]["exec_id"]}]
    assert pick_all(leaf["ancestors"], exp) == exp
    ids = {outer_exec["proc"]["exec_id"], inner_exec["proc"]["exec_id"],
           leaf["proc"]["exec_id"]}
    assert len(ids) == 3


def test_exec_id_unique_across_execs_of_one_pid(sandbox_root, start_vigil):
    sb = make_sandbox(sandbox_root, "sb")
    v = start_vigil(sandbox_root)
    pid, _ = run_in_cgroup_ok(
        sb, ["/bin/sh", "-c", "exec /usr/bin/env /usr/bin/true same-pid"])
    v.wait_for(exec_of(pid, argv=[TRUE, "same-pid"]), what="final exec")
    exit_rec = v.wait_for(of_pid(pid, "exit"), what="exit record")

    execs = sorted((r for r in v.records() if exec_of(pid)(r)),
                   key=lambda r: r["seq"])
    assert [r["exec"]["file"] for r in execs] == [DASH, "/usr/bin/env", TRUE]
    assert [r["proc"]["exe"] for r in execs] == [DASH, "/usr/bin/env", TRUE]
    ids = [r["proc"]["exec_id"] for r in execs]
    assert len(set(ids)) == 3, ids
    # The exit belongs to the last image.
    assert exit_rec["proc"]["exec_id"] == ids[-1]


def test_failed_exec_enoent(sandbox_root, start_vigil, helpers):
    sb = make_sandbox(sandbox_root, "sb")
    v = start_vigil(sandbox_root)
    missing = "/nonexistent-vigil-dir/prog"
    pid, out = run_in_cgroup_ok(
        sb, [helpers["vtool"], "exec", missing, missing, "a", "b"])
    assert out.strip() == "ret=-2"

    r = v.wait_for(exec_of(pid, arg=missing), what="failed exec record")
    e = r["exec"]
    assert e["ret"] == -2
    assert e["file"] == ""
    assert e["syscall"] == "execve"
    assert e["argv"] == [missing, "a", "b"]     # as passed (bpf/records.h)
    # The process keeps its image.
    assert r["proc"]["exe"] == helpers["vtool"]


def test_execveat_memfd(sandbox_root, start_vigil, helpers):
    sb = make_sandbox(sandbox_root, "sb")
    v = start_vigil(sandbox_root)
    pid, out = run_in_cgroup_ok(
        sb, [helpers["vtool"], "memfd-exec", TRUE, "vigil-memfd",
             "memfd-true", "x", "y"])
    info = dict(kv.split("=") for kv in out.split())
    assert "ret" not in info, out       # execveat failed

    r = v.wait_for(exec_of(pid, syscall="execveat"), what="execveat record")
    e = r["exec"]
    assert e["ret"] == 0
    assert e["arg"] == ""
    assert e["argv"] == ["memfd-true", "x", "y"]
    assert (e["dev"], e["ino"]) == (int(info["dev"]), int(info["ino"]))
    assert "memfd:vigil-memfd" in e["file"], e


def _assert_truncated_prefix(e, real):
    assert e["argv_truncated"] is True
    got = e["argv"]
    assert 1 <= len(got) < len(real), len(got)
    # A prefix of whole arguments: a half argument would misreport it.
    assert got == real[:len(got)], \
        next((i, got[i][:80], real[i][:80]) for i in range(len(got))
             if got[i] != real[i])


def test_huge_argv(sandbox_root, start_vigil):
    sb = make_sandbox(sandbox_root, "sb")
    v = start_vigil(sandbox_root)
    many = [TRUE] + [f"arg{i:05d}" for i in range(10000)]
    # 256 arguments of 4095 bytes + NUL: 1 MiB of argv.
    big = [TRUE] + [f"{i:04d}" + chr(97 + i % 26) * 4091 for i in range(256)]
    assert sum(len(a) + 1 for a in big[1:]) == 1 << 20

    pid_many, _ = run_in_cgroup_ok(sb, many)
    pid_big, _ = run_in_cgroup_ok(sb, big)
    for pid, real in ((pid_many, many), (pid_big, big)):
        r = v.wait_for(exec_of(pid), what=f"exec of {len(real)} args")
        e = r["exec"]
        assert e["ret"] == 0 and e["file"] == TRUE
        _assert_truncated_prefix(e, real)

    assert v.alive(), v.stderr()
    pid, _ = run_in_cgroup_ok(sb, [TRUE, "after-huge"])
    r = v.wait_for(exec_of(pid), what="exec after the huge ones")
    assert r["exec"]["argv"] == [TRUE, "after-huge"]
    assert r["exec"]["argv_truncated"] is False


def test_fork_record(sandbox_root, start_vigil):
    sb = make_sandbox(sandbox_root, "sb")
    v = start_vigil(sandbox_root)
    sh, _ = run_in_cgroup_ok(sb, ["/bin/sh", "-c",
                                  "/usr/bin/true forked; exit 0"])
    child = v.wait_for(lambda r: r["type"] == "exec"
                       and r["exec"]["argv"] == [TRUE, "forked"],
                       what="exec of the forked child")
    assert child["proc"]["ppid"] == sh
    f = v.wait_for(lambda r: r["type"] == "fork"
                   and r["fork"]["child_pid"] == child["proc"]["pid"],
                   what="fork record")
    assert f["proc"]["pid"] == sh
    assert f["proc"]["exe"] == DASH
    assert f["sandbox"]["id"] == "sb"


def test_exit_code(sandbox_root, start_vigil):
    sb = make_sandbox(sandbox_root, "sb")
    v = start_vigil(sandbox_root)
    p = run_in_cgroup(sb, ["/bin/sh", "-c", "exit 3"])
    assert p.wait(timeout=30) == 3
    r = v.wait_for(of_pid(p.pid, "exit"), what="exit record")
    assert pick(r["exit"], {"code": 3, "signal": 0}) == {"code": 3, "signal": 0}
    assert r["proc"]["exe"] == DASH


def test_exit_killed_by_signal(sandbox_root, start_vigil):
    sb = make_sandbox(sandbox_root, "sb")
    v = start_vigil(sandbox_root)
    p = run_in_cgroup(sb, ["/usr/bin/sleep", "1000"])
    v.wait_for(of_pid(p.pid, "exec"), what="exec of sleep")
    p.send_signal(signal.SIGKILL)           # our own child, by pid
    assert p.wait(timeout=30) == -signal.SIGKILL
    r = v.wait_for(of_pid(p.pid, "exit"), what="exit record")
    assert pick(r["exit"], {"code": 0, "signal": 9}) == {"code": 0, "signal": 9}
    assert r["proc"]["exe"] == "/usr/bin/sleep"


def test_exit_record_matches_exec(sandbox_root, start_vigil):
    """exec -> exit of one process carry the same exec_id and sandbox."""
    sb = make_sandbox(sandbox_root, "sb")
    v = start_vigil(sandbox_root)
    p = run_in_cgroup(sb, ["/bin/sh", "-c", "exit 0"],
                      stdout=subprocess.DEVNULL)
    assert p.wait(timeout=30) == 0
    ex = v.wait_for(of_pid(p.pid, "exec"), what="exec")
    xt = v.wait_for(of_pid(p.pid, "exit"), what="exit")
    assert xt["proc"]["exec_id"] == ex["proc"]["exec_id"]
    assert xt["sandbox"] == ex["sandbox"]
