"""open records: every open syscall, flags, identity and path resolution.

Opens are made by helpers/vtool.c so the flags are exactly what the test
says (Python's os.open adds O_CLOEXEC; glibc's open() is openat)."""

import os

import pytest

import subprocess

from conftest import make_sandbox, run_in_cgroup, run_in_cgroup_ok

ACCESS_MODES = {"O_RDONLY", "O_WRONLY", "O_RDWR"}


@pytest.fixture
def files(tmp_path):
    """d/file.txt, d/sub/, d/link -> d/file.txt, d/hard (hard link)."""
    d = os.path.realpath(tmp_path / "data")
    os.mkdir(d)
    os.mkdir(os.path.join(d, "sub"))
    f = os.path.join(d, "file.txt")
    with open(f, "w") as fh:
        fh.write("vigil\n")
    os.symlink(f, os.path.join(d, "link"))
    os.link(f, os.path.join(d, "hard"))
    return d


@pytest.fixture(params=["loads", "helper"])
def path_reads(request, monkeypatch):
    """The walk's two ways of reading the kernel (bpf/path.bpf.h): plain
    loads where the kernel can cast (6.2+; this machine), a helper call
    per field on older kernels, asked for here by VIGIL_PATH_READS."""
    if request.param == "helper":
        monkeypatch.setenv("VIGIL_PATH_READS", "helper")
    return request.param


@pytest.fixture
def env(sandbox_root, start_vigil, helpers):
    sb = make_sandbox(sandbox_root, "sb-open")
    v = start_vigil(sandbox_root)
    return sb, v, helpers["vtool"]


def vtool_ret(sb, vtool, args, **kw):
    pid, out = run_in_cgroup_ok(sb, [vtool] + args, **kw)
    lines = [ln for ln in out.splitlines() if ln.startswith("ret=")]
    assert len(lines) == 1, out
    return pid, int(lines[0][4:])


def open_record(v, pid, arg):
    if isinstance(arg, bytes):
        arg = arg.decode("utf-8", "replace")
    return v.wait_for(lambda r: r["type"] == "open" and r["proc"]["pid"] == pid
                      and r["open"]["arg"] == arg,
                      what=f"open record of pid {pid} for {arg!r}")


def assert_flags(o, expected):
    flags = o["flags"]
    assert len(flags) == len(set(flags)), flags
    assert len(ACCESS_MODES & set(flags)) == 1, flags
    assert set(flags) == set(expected), flags


def assert_identity(o, path):
    st = os.stat(path)
    assert (o["dev"], o["ino"]) == (st.st_dev, st.st_ino), (o, path)


def test_legacy_open(env, files):
    sb, v, vtool = env
    path = os.path.join(files, "file.txt")
    pid, fd = vtool_ret(sb, vtool, ["open", path, "O_RDONLY", "0"])
    assert fd >= 0
    r = open_record(v, pid, path)
    o = r["open"]
    assert o["syscall"] == "open"
    assert_flags(o, ["O_RDONLY"])
    assert o["mode"] == 0
    assert o["ret"] == fd
    assert o["path"] == path
    assert_identity(o, path)
    assert r["sandbox"]["id"] == "sb-open"
    assert r["proc"]["exe"] == vtool


def test_openat_create(env, files):
    sb, v, vtool = env
    path = os.path.join(files, "created-openat.txt")
    pid, fd = vtool_ret(sb, vtool, ["openat", "-", path,
                                    "O_WRONLY|O_CREAT|O_TRUNC", "640"])
    assert fd >= 0
    o = open_record(v, pid, path)["open"]
    assert o["syscall"] == "openat"
    assert_flags(o, ["O_WRONLY", "O_CREAT", "O_TRUNC"])
    assert o["mode"] == 0o640
    assert o["ret"] == fd
    assert o["path"] == path
    assert_identity(o, path)


def test_openat_more_flags(env, files):
    sb, v, vtool = env
    path = os.path.join(files, "file.txt")
    pid, fd = vtool_ret(sb, vtool, ["openat", "-", path,
                                    "O_RDWR|O_APPEND|O_CLOEXEC|O_NOFOLLOW",
                                    "0"])
    o = open_record(v, pid, path)["open"]
    assert_flags(o, ["O_RDWR", "O_APPEND", "O_CLOEXEC", "O_NOFOLLOW"])
    assert o["ret"] == fd >= 0
    assert_identity(o, path)


def test_openat2(env, files):
    sb, v, vtool = env
    path = os.path.join(files, "created-openat2.txt")
    pid, fd = vtool_ret(sb, vtool, ["openat2", "-", path,
                                    "O_WRONLY|O_CREAT|O_EXCL", "600",
                                    "RESOLVE_NO_SYMLINKS"])
    assert fd >= 0
    o = open_record(v, pid, path)["open"]
    assert o["syscall"] == "openat2"
    assert_flags(o, ["O_WRONLY", "O_CREAT", "O_EXCL"])
    assert o["mode"] == 0o600
    assert o["ret"] == fd
    assert o["path"] == path
    assert_identity(o, path)


def test_creat(env, files):
    sb, v, vtool = env
    path = os.path.join(files, "created-creat.txt")
    pid, fd = vtool_ret(sb, vtool, ["creat", path, "644"])
    assert fd >= 0
    o = open_record(v, pid, path)["open"]
    assert o["syscall"] == "creat"
    assert_flags(o, ["O_WRONLY", "O_CREAT", "O_TRUNC"])
    assert o["mode"] == 0o644
    assert o["ret"] == fd
    assert o["path"] == path
    assert_identity(o, path)


@pytest.mark.parametrize("syscall,args", [
    ("open", ["open", "{p}", "O_RDONLY", "0"]),
    ("openat", ["openat", "-", "{p}", "O_RDONLY", "0"]),
    ("openat2", ["openat2", "-", "{p}", "O_RDONLY", "0", "0"]),
    ("creat", ["creat", "{p}", "600"]),
])
def test_failed_open_enoent(env, files, syscall, args):
    sb, v, vtool = env
    path = os.path.join(files, "no-such-dir", "missing")
    pid, ret = vtool_ret(sb, vtool, [a.format(p=path) for a in args])
    assert ret == -2
    o = open_record(v, pid, path)["open"]
    assert o["syscall"] == syscall
    assert o["ret"] == -2
    assert o["path"] == ""
    assert o["arg"] == path


# (name, vtool args, cwd, arg as passed, file expected in open.path,
#  file whose dev/ino the record must carry)
TRICKS = [
    ("dirfd", ["openat", "{d}", "file.txt"], None,
     "file.txt", "file.txt", "file.txt"),
    ("dirfd-subdir-dotdot", ["openat", "{d}/sub", "../file.txt"], None,
     "../file.txt", "file.txt", "file.txt"),
    ("dotdot", ["openat", "-", "{d}/sub/../sub/./../file.txt"], None,
     "{d}/sub/../sub/./../file.txt", "file.txt", "file.txt"),
    ("symlink", ["openat", "-", "{d}/link"], None,
     "{d}/link", "file.txt", "file.txt"),
    ("hardlink", ["openat", "-", "{d}/hard"], None,
     "{d}/hard", "hard", "file.txt"),
    ("proc-self-root", ["openat", "-", "/proc/self/root{d}/file.txt"], None,
     "/proc/self/root{d}/file.txt", "file.txt", "file.txt"),
    ("proc-self-cwd", ["openat", "-", "/proc/self/cwd/file.txt"], "{d}",
     "/proc/self/cwd/file.txt", "file.txt", "file.txt"),
    ("cwd-relative", ["openat", "-", "file.txt"], "{d}",
     "file.txt", "file.txt", "file.txt"),
    ("legacy-open-relative", ["open", "sub/../link"], "{d}",
     "sub/../link", "file.txt", "file.txt"),
]


@pytest.mark.parametrize("args,cwd,arg,expect,ident",
                         [t[1:] for t in TRICKS], ids=[t[0] for t in TRICKS])
def test_path_resolution(path_reads, env, files, args, cwd, arg, expect,
                         ident):
    sb, v, vtool = env
    helper_reads = "walked with bpf_probe_read_kernel" in v.stderr()
    assert helper_reads == (path_reads == "helper"), v.stderr()
    fmt = lambda s: s.format(d=files)  # noqa: E731
    cmd = [fmt(a) for a in args] + ["O_RDONLY", "0"]
    pid, fd = vtool_ret(sb, vtool, cmd, cwd=fmt(cwd) if cwd else None)
    assert fd >= 0
    o = open_record(v, pid, fmt(arg))["open"]
    assert o["ret"] == fd
    assert o["path"] == os.path.join(files, expect), o
    assert o["arg"] == fmt(arg)
    assert_identity(o, os.path.join(files, ident))


def test_hostile_file_name(env, files):
    """Invalid UTF-8 and control characters in a path: the record is still
    one valid JSON line, with U+FFFD for the bad byte and escapes."""
    sb, v, vtool = env
    raw = os.fsencode(files) + b"/bad\xffname\nnl\ttab\x01ctl\x7f"
    with open(raw, "w"):
        pass
    pid, fd = vtool_ret(sb, vtool, [b"openat", b"-", raw, b"O_RDONLY", b"0"])
    assert fd >= 0
    text = raw.decode("utf-8", "replace")
    assert "\ufffd" in text and "\n" in text
    o = open_record(v, pid, raw)["open"]
    assert o["path"] == text
    assert o["arg"] == text
    assert_identity(o, raw)


def test_ia32_open_is_seen(env, files, helpers):
    """A 64-bit process making the ia32 open(2) through int $0x80 uses
    other syscall numbers; vigil's compat tables still see it."""
    sb, v, _ = env
    path = os.path.join(files, "file.txt")
    pid, fd = vtool_ret(sb, helpers["ia32"], ["open", path])
    assert fd >= 0
    o = open_record(v, pid, path)["open"]
    assert o["syscall"] == "open"
    assert o["path"] == path
    assert o["ret"] == fd
    assert_identity(o, path)


def test_ia32_failed_execve_is_seen(env, helpers):
    """A failed exec is reported from the syscall's own entry and exit, so
    this record exists only if the ia32 tables route execve (nr 11)."""
    sb, v, _ = env
    missing = "/nonexistent/vigil-ia32"
    proc = run_in_cgroup(sb, [helpers["ia32"], "execve", missing],
                         stdout=subprocess.PIPE, text=True)
    out, _ = proc.communicate(timeout=30)
    assert out.strip() == "ret=-2"
    r = v.wait_for(lambda r: r["type"] == "exec" and r["proc"]["pid"] == proc.pid
                   and r["exec"]["arg"] == missing,
                   what="exec record of the ia32 execve")
    assert r["exec"]["ret"] == -2
    assert r["exec"]["file"] == ""
    assert r["exec"]["syscall"] == "execve"
    assert r["exec"]["argv"] == [missing]
