"""Syscalls that reach beyond a sandbox (bpf, mount, setns, unshare,
io_uring_setup, ...) are recorded at exit, failed attempts included, and
the shipped rules act on them."""

import errno
import os
import signal
import subprocess

import pytest

from conftest import make_sandbox, run_in_cgroup
PY = "/usr/bin/python3"
# bpf(BPF_MAP_CREATE, NULL, 0): EFAULT; io_uring_setup(1, NULL): EFAULT.
BPF = """
import ctypes
ctypes.CDLL(None).syscall(321, 0, 0, 0)
"""
URING = """
import ctypes
ctypes.CDLL(None).syscall(425, 1, 0)
"""
CALLS = BPF + URING


def syscalls(records):
    return [r for r in records if r["type"] == "syscall"]


def test_watched_syscalls_are_recorded_with_their_result(sandbox_root,
                                                         start_vigil):
    sb = make_sandbox(sandbox_root, "sb-sys")
    v = start_vigil(sandbox_root)
    assert run_in_cgroup(sb, ["/usr/bin/unshare", "-U", "/bin/true"]) \
        .wait(timeout=30) == 0
    assert run_in_cgroup(sb, [PY, "-c", CALLS]).wait(timeout=30) == 0
    v.wait_for(lambda r: r["type"] == "syscall" and
               r["syscall"]["name"] == "io_uring_setup", what="io_uring")
    got = {r["syscall"]["name"]: r for r in syscalls(v.stop())}
    assert set(got) == {"unshare", "bpf", "io_uring_setup"}, got.keys()
    assert got["unshare"]["syscall"]["ret"] == 0
    assert got["unshare"]["syscall"]["args"][0] == 0x10000000  # CLONE_NEWUSER
    assert got["unshare"]["proc"]["exe"] == "/usr/bin/unshare"
    assert got["bpf"]["syscall"]["ret"] < 0
    assert got["bpf"]["syscall"]["nr"] == 321
    assert got["io_uring_setup"]["syscall"]["ret"] == -errno.EFAULT
    assert got["io_uring_setup"]["syscall"]["args"][:2] == [1, 0]
    assert all(r["sandbox"]["id"] == "sb-sys" for r in got.values())


def test_processes_outside_sandboxes_are_not_recorded(sandbox_root,
                                                      start_vigil):
    v = start_vigil(sandbox_root)
    os.spawnv(os.P_WAIT, "/usr/bin/unshare", ["unshare", "-U", "/bin/true"])
    assert syscalls(v.stop()) == []


@pytest.mark.parametrize("name,code,rule", [
    ("bpf", BPF, "bpf-from-sandbox"),
    ("io_uring_setup", URING, "io-uring-evasion"),
])
def test_builtin_rules_kill_the_caller_in_the_kernel(sandbox_root,
                                                     start_vigil, name,
                                                     code, rule):
    """bpf() reaches vigil itself (its links and maps), io_uring_setup
    what no syscall hook sees: from a sandbox, even a failed call, the
    kernel kills the caller before it returns (it never prints), then
    vigil the sandbox."""
    sb = make_sandbox(sandbox_root, "sb-" + name)
    v = start_vigil(sandbox_root, extra_args=["--rules", "builtin"])
    job = run_in_cgroup(sb, [PY, "-c", code + "\nprint('returned')\n"],
                        stdout=subprocess.PIPE)
    out, _ = job.communicate(timeout=30)
    assert job.returncode == -signal.SIGKILL and out == b"", out
    k = v.wait_for(lambda r: r["type"] == "action" and
                   r["action"]["action"] == "kill", what="the kill")
    assert (k["action"]["rule"], k["action"]["kernel_verdict"]) == \
        (rule, "sigkill"), k
    sys = [r for r in syscalls(v.stop()) if r["syscall"]["name"] == name]
    assert len(sys) == 1 and sys[0]["syscall"]["kernel_killed"] is True
    assert sys[0]["syscall"]["ret"] < 0, sys      # failed: an attempt
