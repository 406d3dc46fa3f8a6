"""cred records: the ids a sandboxed task had and has around each
credential call, read from its struct cred (what the kernel applied), in
native and ia32 spellings. The calls are made by helpers/fsop.c, one raw
syscall each (glibc's wrappers signal every thread)."""

import pytest

from conftest import make_sandbox, run_in_cgroup_ok


@pytest.fixture
def env(sandbox_root, start_vigil, helpers):
    sb = make_sandbox(sandbox_root, "sb-cred")
    v = start_vigil(sandbox_root)
    return sb, v, helpers["fsop"]


def calls(env, seq, ia32=False):
    """Runs a sh script of fsop calls in one process tree; fsop is exec'd
    for each, so the ids carry from one to the next only within one
    fsop run: each entry is one call. Returns [(pid, ret)]."""
    sb, _, tool = env
    out = []
    for args in seq:
        pid, text = run_in_cgroup_ok(sb, [tool] + (["--ia32"] if ia32
                                                   else []) + args)
        out.append((pid, int(text.split("ret=")[1])))
    return out


def cred_record(env, pid, name):
    return env[1].wait_for(lambda r: r["type"] == "cred" and
                           r["proc"]["pid"] == pid and
                           r["cred"]["syscall"] == name,
                           what=f"cred record {name} of pid {pid}")["cred"]


def test_setresuid_drops_root(env):
    (pid, ret), = calls(env, [["setresuid", "1000", "1001", "-1"]])
    assert ret == 0
    c = cred_record(env, pid, "setresuid")
    assert c["ret"] == 0
    assert (c["old"]["uid"], c["old"]["euid"], c["old"]["suid"]) == (0, 0, 0)
    assert (c["new"]["uid"], c["new"]["euid"], c["new"]["suid"]) == (
        1000, 1001, 0)
    assert c["args"][:2] == [1000, 1001]
    # root's capabilities go with its euid
    assert c["old"]["cap_effective"] != 0
    assert c["new"]["cap_effective"] == 0


def test_setgid_and_setgroups(env):
    (pid, ret), (pid2, ret2) = calls(env, [["setgid", "1234"],
                                           ["setgroups", "0", "0"]])
    assert ret == ret2 == 0
    c = cred_record(env, pid, "setgid")
    assert (c["old"]["gid"], c["new"]["gid"], c["new"]["egid"]) == (
        0, 1234, 1234)
    g = cred_record(env, pid2, "setgroups")
    assert g["new"]["ngroups"] == 0


def test_ia32_setuid32(env):
    (pid, ret), = calls(env, [["setuid", "4321"]], ia32=True)
    assert ret == 0
    c = cred_record(env, pid, "setuid32")
    assert c["nr"] == 213
    assert (c["old"]["uid"], c["new"]["uid"], c["new"]["suid"]) == (
        0, 4321, 4321)


def test_failed_call_changes_nothing(env, helpers):
    """An unprivileged task asking for root: refused, the ids as they
    were, the attempt recorded with its errno."""
    sb, v, tool = env
    pid, text = run_in_cgroup_ok(
        sb, ["/bin/sh", "-c", f"exec setpriv --reuid=1000 --regid=1000 "
             f"--clear-groups {tool} setresuid 0 0 0"])
    assert "ret=-1" in text     # EPERM
    c = v.wait_for(lambda r: r["type"] == "cred" and
                   r["cred"]["syscall"] == "setresuid" and
                   r["cred"]["ret"] == -1, what="refused setresuid")["cred"]
    assert c["old"]["uid"] == c["new"]["uid"] == 1000
