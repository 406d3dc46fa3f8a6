"""file records: mkdir, unlink, rmdir, rename, link, symlink, chmod, chown
and truncate from a real sandbox, in their plain, *at, fd and ia32
spellings. The calls are made by helpers/fsop.c with exact arguments
(glibc turns some into their *at forms). base is what the kernel
resolved the name against (dirfd, cwd, the fd's file); path joins it to
the raw argument and folds . and .. as text."""

import os

import pytest

from conftest import make_sandbox, run_in_cgroup_ok


@pytest.fixture
def env(sandbox_root, start_vigil, helpers, tmp_path):
    sb = make_sandbox(sandbox_root, "sb-file")
    v = start_vigil(sandbox_root)
    d = os.path.realpath(tmp_path / "data")
    os.mkdir(d)
    os.mkdir(os.path.join(d, "sub"))
    with open(os.path.join(d, "file.txt"), "w") as fh:
        fh.write("vigil\n")
    return sb, v, helpers["fsop"], d


def fsop(env, args, cwd=None, ia32=False):
    """Runs one call in the sandbox; returns (pid, ret)."""
    sb, _, tool, _ = env
    argv = [tool] + (["--ia32"] if ia32 else []) + args
    pid, out = run_in_cgroup_ok(sb, argv, cwd=cwd)
    lines = [ln for ln in out.splitlines() if ln.startswith("ret=")]
    assert len(lines) == 1, out
    return pid, int(lines[0][4:])


def file_record(env, pid, op):
    v = env[1]
    return v.wait_for(lambda r: r["type"] == "file" and
                      r["proc"]["pid"] == pid and r["file"]["op"] == op,
                      what=f"file record {op} of pid {pid}")["file"]


def test_mkdir_absolute(env):
    d = env[3]
    path = os.path.join(d, "new")
    pid, ret = fsop(env, ["mkdir", path, "0750"])
    assert ret == 0
    f = file_record(env, pid, "mkdir")
    assert f["syscall"] == "mkdir"
    assert (f["path"], f["base"], f["arg"]) == (path, "", path)
    assert f["mode"] == 0o750
    assert f["ret"] == 0
    assert "path2" not in f


def test_mkdirat_dirfd_relative(env):
    d = env[3]
    pid, ret = fsop(env, ["mkdirat", "@" + d + "/sub", "made", "0700"])
    assert ret == 0 and os.path.isdir(os.path.join(d, "sub", "made"))
    f = file_record(env, pid, "mkdir")
    assert f["syscall"] == "mkdirat"
    assert f["base"] == os.path.join(d, "sub")
    assert f["arg"] == "made"
    assert f["path"] == os.path.join(d, "sub", "made")


def test_unlink_cwd_relative_dotdot(env):
    """A name relative to the cwd, with .. in it: the cwd comes from the
    kernel's objects, the .. is folded."""
    d = env[3]
    pid, ret = fsop(env, ["unlink", "sub/../file.txt"], cwd=d)
    assert ret == 0 and not os.path.exists(os.path.join(d, "file.txt"))
    f = file_record(env, pid, "unlink")
    assert f["syscall"] == "unlink"
    assert f["base"] == d
    assert f["arg"] == "sub/../file.txt"
    assert f["path"] == os.path.join(d, "file.txt")


def test_failed_unlink_has_its_errno(env):
    d = env[3]
    path = os.path.join(d, "missing")
    pid, ret = fsop(env, ["unlink", path])
    assert ret == -2
    f = file_record(env, pid, "unlink")
    assert (f["ret"], f["path"]) == (-2, path)


@pytest.mark.parametrize("call,args", [
    ("rmdir", ["rmdir", "{d}/sub"]),
    ("unlinkat", ["unlinkat", "@{d}", "sub", "0x200"]),   # AT_REMOVEDIR
])
def test_rmdir(env, call, args):
    d = env[3]
    pid, ret = fsop(env, [a.format(d=d) for a in args])
    assert ret == 0 and not os.path.exists(os.path.join(d, "sub"))
    f = file_record(env, pid, "rmdir")
    assert f["syscall"] == call
    assert f["path"] == os.path.join(d, "sub")


def test_rename_both_paths(env):
    d = env[3]
    pid, ret = fsop(env, ["renameat", "@" + d, "file.txt",
                          "@" + d + "/sub", "moved.txt"])
    assert ret == 0
    f = file_record(env, pid, "rename")
    assert f["syscall"] == "renameat"
    assert (f["path"], f["base"], f["arg"]) == (
        os.path.join(d, "file.txt"), d, "file.txt")
    assert (f["path2"], f["base2"], f["arg2"]) == (
        os.path.join(d, "sub", "moved.txt"), os.path.join(d, "sub"),
        "moved.txt")


def test_renameat2_flags(env):
    d = env[3]
    pid, ret = fsop(env, ["renameat2", "-", d + "/file.txt", "-",
                          d + "/sub", "2"])    # RENAME_EXCHANGE
    assert ret == 0
    f = file_record(env, pid, "rename")
    assert f["syscall"] == "renameat2"
    assert f["flags"] == 2
    assert f["path2"] == os.path.join(d, "sub")


def test_link(env):
    d = env[3]
    pid, ret = fsop(env, ["link", "file.txt", "sub/hard"], cwd=d)
    assert ret == 0
    f = file_record(env, pid, "link")
    assert f["path"] == os.path.join(d, "file.txt")
    assert f["path2"] == os.path.join(d, "sub", "hard")


def test_symlink_target_is_text(env):
    """A symlink's target is only text: no base, path as stored."""
    d = env[3]
    pid, ret = fsop(env, ["symlinkat", "../file.txt", "@" + d + "/sub",
                          "ln"])
    assert ret == 0
    f = file_record(env, pid, "symlink")
    assert f["syscall"] == "symlinkat"
    assert (f["path"], f["base"], f["arg"]) == ("../file.txt", "",
                                                "../file.txt")
    assert f["path2"] == os.path.join(d, "sub", "ln")


def test_chmod_setuid_bits(env):
    d = env[3]
    path = os.path.join(d, "file.txt")
    pid, ret = fsop(env, ["chmod", path, "06755"])
    assert ret == 0 and os.stat(path).st_mode & 0o7777 == 0o6755
    f = file_record(env, pid, "chmod")
    assert f["syscall"] == "chmod"
    assert f["mode"] == 0o6755
    assert f["path"] == path


def test_fchmod_resolves_the_fd(env):
    d = env[3]
    path = os.path.join(d, "file.txt")
    pid, ret = fsop(env, ["fchmod", "@" + path, "0600"])
    assert ret == 0
    f = file_record(env, pid, "chmod")
    assert f["syscall"] == "fchmod"
    assert (f["path"], f["base"], f["arg"]) == (path, path, "")
    assert f["mode"] == 0o600


def test_fchmodat(env):
    d = env[3]
    pid, ret = fsop(env, ["fchmodat", "@" + d, "file.txt", "0640"])
    assert ret == 0
    f = file_record(env, pid, "chmod")
    assert f["syscall"] == "fchmodat"
    assert f["path"] == os.path.join(d, "file.txt")


@pytest.mark.parametrize("call", ["chown", "lchown", "fchownat"])
def test_chown(env, call):
    d = env[3]
    path = os.path.join(d, "file.txt")
    args = ([call, path, "1234", "-1"] if call != "fchownat"
            else [call, "-", path, "1234", "-1", "0"])
    pid, ret = fsop(env, args)
    assert ret == 0 and os.stat(path).st_uid == 1234
    f = file_record(env, pid, "chown")
    assert f["syscall"] == call
    assert (f["uid"], f["gid"]) == (1234, -1)
    assert f["path"] == path


def test_fchown(env):
    d = env[3]
    path = os.path.join(d, "file.txt")
    pid, ret = fsop(env, ["fchown", "@" + path, "0", "0"])
    assert ret == 0
    f = file_record(env, pid, "chown")
    assert (f["syscall"], f["path"], f["uid"], f["gid"]) == (
        "fchown", path, 0, 0)


@pytest.mark.parametrize("call", ["truncate", "ftruncate"])
def test_truncate(env, call):
    d = env[3]
    path = os.path.join(d, "file.txt")
    pid, ret = fsop(env, [call, ("@" if call == "ftruncate" else "") + path,
                          "0"])
    # ftruncate on a read-only fd is refused: the attempt is recorded
    assert ret == (0 if call == "truncate" else -22)
    f = file_record(env, pid, "truncate")
    assert (f["syscall"], f["path"], f["length"], f["ret"]) == (
        call, path, 0, ret)


@pytest.mark.parametrize("op,args", [
    ("mkdir", ["mkdir", "{d}/ia32dir", "0700"]),
    ("rename", ["rename", "{d}/file.txt", "{d}/sub/ia32.txt"]),
    ("chmod", ["chmod", "{d}/file.txt", "04755"]),
    ("unlink", ["unlink", "{d}/file.txt"]),
])
def test_ia32_calls_are_seen(env, op, args):
    """int $0x80 from a 64-bit process: other numbers, same records."""
    d = env[3]
    pid, ret = fsop(env, [a.format(d=d) for a in args], ia32=True)
    assert ret == 0
    f = file_record(env, pid, op)
    assert f["syscall"] == op
    assert f["arg"] == args[1].format(d=d)
    assert f["path"] == args[1].format(d=d)
    if op == "chmod":
        assert f["mode"] == 0o4755


def test_symlinked_directory_in_the_name_is_not_followed(env):
    """The limit of a syscall tracepoint: a symlink inside the name is
    text. The base (a dirfd through a symlink) is resolved."""
    d = env[3]
    os.symlink(os.path.join(d, "sub"), os.path.join(d, "via"))
    pid, ret = fsop(env, ["mkdirat", "@" + d + "/via", "x", "0700"])
    assert ret == 0
    f = file_record(env, pid, "mkdir")
    assert f["path"] == os.path.join(d, "sub", "x")
    pid, ret = fsop(env, ["mkdir", d + "/via/y", "0700"])
    assert ret == 0
    assert file_record(env, pid, "mkdir")["path"] == d + "/via/y"


def test_outside_sandboxes_nothing(env, tmp_path):
    """A process outside every sandbox makes no file record."""
    import subprocess
    sb, v, tool, d = env
    out = subprocess.run([tool, "mkdir", d + "/outside", "0700"],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "ret=0"
    # a sandboxed call after it: once its record is in, the earlier one
    # would have been too
    pid, _ = fsop(env, ["mkdir", d + "/inside", "0700"])
    file_record(env, pid, "mkdir")
    assert not [r for r in v.records() if r["type"] == "file" and
                r["file"]["arg"] == d + "/outside"]
