"""What an exec record says about the new image beyond its file: the
script a "#!" interpreter runs (resolved, wherever it was named from),
the environment variables that change what a program loads or where it
connects, and the effective ids before and after (a setuid file); and
memfd_create as a file record."""

import os
import shutil
import stat
import subprocess

import pytest

from conftest import make_sandbox, run_in_cgroup_ok

DASH = os.path.realpath("/bin/sh")
TRUE = "/usr/bin/true"


def exec_of(v, pid, what="exec record", syscall="execve"):
    return v.wait_for(lambda r: r["type"] == "exec" and
                      r["proc"]["pid"] == pid and r["exec"]["ret"] == 0 and
                      r["exec"]["syscall"] == syscall,
                      what=f"{what} of pid {pid}")["exec"]


def write_script(path, body="exit 0\n"):
    with open(path, "w") as fh:
        fh.write("#!/bin/sh\n" + body)
    os.chmod(path, 0o755)


@pytest.fixture
def env(sandbox_root, start_vigil):
    sb = make_sandbox(sandbox_root, "sb-image")
    return sb, start_vigil(sandbox_root)


def test_script_named_beside_its_interpreter(env, tmp_path):
    sb, v = env
    script = str(tmp_path / "s.sh")
    write_script(script)
    pid, _ = run_in_cgroup_ok(sb, [script, "a"])
    e = exec_of(v, pid)
    assert e["file"] == DASH, e
    assert e["script"] == script, e
    assert e["arg"] == script
    assert e["argv"] == ["/bin/sh", script, "a"]


def test_script_through_symlink_and_relative_path(env, tmp_path):
    sb, v = env
    shm = "/dev/shm/vigil-test-%d.sh" % os.getpid()
    write_script(shm)
    try:
        link = tmp_path / "innocent"
        os.symlink(shm, link)
        pid, _ = run_in_cgroup_ok(sb, ["./innocent"], cwd=str(tmp_path))
        e = exec_of(v, pid)
    finally:
        os.unlink(shm)
    assert e["file"] == DASH and e["script"] == shm, e
    assert e["arg"] == "./innocent"


def test_nested_script_names_the_outer_one(env, tmp_path):
    sb, v = env
    inner = str(tmp_path / "inner")
    write_script(inner)
    outer = str(tmp_path / "outer")
    with open(outer, "w") as fh:
        fh.write("#!%s\n" % inner)
    os.chmod(outer, 0o755)
    pid, _ = run_in_cgroup_ok(sb, [outer])
    e = exec_of(v, pid)
    assert e["file"] == DASH and e["script"] == outer, e


def test_binary_has_no_script(env):
    sb, v = env
    pid, _ = run_in_cgroup_ok(sb, [TRUE])
    e = exec_of(v, pid)
    assert e["file"] == TRUE and e["script"] == "", e


def test_memfd_script(env, helpers, tmp_path):
    """A script copied into a memfd and run through execveat(fd):
    script is the memfd, file its interpreter; memfd_create is a file
    record with its name and flags."""
    sb, v = env
    src = str(tmp_path / "payload.sh")
    write_script(src)
    pid, _ = run_in_cgroup_ok(sb, [helpers["vtool"], "memfd-exec", src,
                                   "vigil-fileless", "payload"])
    e = exec_of(v, pid, syscall="execveat")
    assert e["file"] == DASH, e
    assert e["script"].startswith("/memfd:vigil-fileless"), e
    f = v.wait_for(lambda r: r["type"] == "file" and
                   r["proc"]["pid"] == pid and r["file"]["op"] == "memfd",
                   what="memfd file record")["file"]
    assert f["syscall"] == "memfd_create"
    assert (f["arg"], f["base"], f["flags"]) == ("vigil-fileless", "", 0)
    assert f["ret"] >= 0


@pytest.mark.parametrize("ia32", [False, True])
def test_memfd_create_flags(env, helpers, ia32):
    sb, v = env
    argv = [helpers["fsop"]] + (["--ia32"] if ia32 else []) + \
        ["memfd_create", "vigil-mfd", "3"]      # CLOEXEC | ALLOW_SEALING
    pid, out = run_in_cgroup_ok(sb, argv)
    f = v.wait_for(lambda r: r["type"] == "file" and
                   r["proc"]["pid"] == pid and r["file"]["op"] == "memfd",
                   what="memfd_create record")["file"]
    assert (f["arg"], f["flags"], f["syscall"]) == \
        ("vigil-mfd", 3, "memfd_create")
    assert f["ret"] == int(out.split("ret=")[1])


def test_watched_environment(env):
    sb, v = env
    pad = {"PAD%03d" % i: "x" * 40 for i in range(150)}
    child_env = dict(pad, PATH="/usr/bin:/bin", HOME="/root",
                     LD_PRELOAD="/tmp/evil.so", GLIBC_TUNABLES="a=b",
                     https_proxy="http://127.0.0.1:1", NODE_OPTIONS="-r x",
                     PYTHONPATH="/w", LANG="C")
    pid, _ = run_in_cgroup_ok(sb, [TRUE], env=child_env)
    e = exec_of(v, pid)
    assert sorted(e["env"]) == sorted([
        "LD_PRELOAD=/tmp/evil.so", "GLIBC_TUNABLES=a=b",
        "https_proxy=http://127.0.0.1:1", "NODE_OPTIONS=-r x",
        "PYTHONPATH=/w"]), e["env"]
    assert e["env_truncated"] is False


def test_environment_is_bounded(env):
    sb, v = env
    child_env = {"LD_%03d" % i: "y" * 100 for i in range(60)}
    pid, _ = run_in_cgroup_ok(sb, [TRUE], env=child_env)
    e = exec_of(v, pid)
    assert e["env_truncated"] is True
    assert 30 <= len(e["env"]) < 60
    assert all(x in ("%s=%s" % kv for kv in child_env.items())
               for x in e["env"])
    # A value past a variable's share is kept cut short.
    pid, _ = run_in_cgroup_ok(sb, [TRUE], env={"LD_PRELOAD": "z" * 5000})
    e = exec_of(v, pid)
    assert e["env_truncated"] is True
    assert e["env"] == ["LD_PRELOAD=" + "z" * (1023 - len("LD_PRELOAD="))]


def i386_exit0(tmp_path):
    """A static i386 program that exits 0, made with binutils alone."""
    src, obj, exe = (str(tmp_path / n) for n in ("x.s", "x.o", "exit32"))
    with open(src, "w") as fh:
        fh.write(".globl _start\n_start:\n movl $1, %eax\n"
                 " xorl %ebx, %ebx\n int $0x80\n")
    subprocess.run(["as", "--32", "-o", obj, src], check=True)
    subprocess.run(["ld", "-m", "elf_i386", "-o", exe, obj], check=True)
    return exe


def test_ia32_environment(env, tmp_path):
    """An i386 image's envp[] has 4-byte pointers."""
    sb, v = env
    exe = i386_exit0(tmp_path)
    pid, _ = run_in_cgroup_ok(sb, [exe, "one", "two"],
                              env={"A": "1", "LD_AUDIT": "/x.so",
                                   "ALL_PROXY": "socks5://h"})
    e = exec_of(v, pid)
    assert e["file"] == exe and e["argv"] == [exe, "one", "two"]
    assert e["env"] == ["LD_AUDIT=/x.so", "ALL_PROXY=socks5://h"], e


def test_setuid_exec_changes_euid(env, tmp_path):
    sb, v = env
    exe = str(tmp_path / "suid-id")
    shutil.copy("/usr/bin/id", exe)
    os.chown(exe, 0, 0)
    os.chmod(exe, 0o4755 | stat.S_IXOTH)
    os.chmod(tmp_path, 0o755)
    pid, _ = run_in_cgroup_ok(sb, ["setpriv", "--reuid=65534",
                                   "--regid=65534", "--clear-groups", exe])
    e = v.wait_for(lambda r: r["type"] == "exec" and
                   r["proc"]["pid"] == pid and r["exec"]["file"] == exe,
                   what="exec of the setuid file")["exec"]
    assert (e["old_euid"], e["euid"]) == (65534, 0), e
    assert (e["old_egid"], e["egid"]) == (65534, 65534), e
    plain = exec_of(v, run_in_cgroup_ok(sb, [TRUE])[0])
    assert plain["old_euid"] == plain["euid"] == 0
