"""socket records: socket(), bind() and listen() from a real sandbox,
with the family, type and address the kernel holds for the socket."""

import socket

import pytest

from conftest import make_sandbox, run_in_cgroup_ok

PY = "/usr/bin/python3"


@pytest.fixture
def env(sandbox_root, start_vigil):
    sb = make_sandbox(sandbox_root, "sb-socket")
    v = start_vigil(sandbox_root)
    return sb, v


def run(env, code):
    pid, out = run_in_cgroup_ok(env[0], [PY, "-c", code])
    return pid, out


def sock_records(env, pid, n):
    v = env[1]
    v.wait_for(lambda r: r["type"] == "socket" and r["proc"]["pid"] == pid
               and r["socket"]["op"] == "listen"
               if n == "listen" else
               r["type"] == "socket" and r["proc"]["pid"] == pid,
               what=f"socket records of pid {pid}")
    return [r["socket"] for r in v.records()
            if r["type"] == "socket" and r["proc"]["pid"] == pid]


def test_tcp_listener(env):
    pid, out = run(env, "import socket\n"
                   "s = socket.socket()\n"
                   "s.bind(('127.0.0.1', 0))\n"
                   "s.listen(7)\n"
                   "print(s.getsockname()[1])\n")
    port = int(out.split()[-1])
    recs = sock_records(env, pid, "listen")
    ops = {r["op"]: r for r in recs}
    assert ops["socket"]["family"] == "inet"
    assert ops["socket"]["sock_type"] == "stream"
    assert ops["socket"]["ret"] >= 0
    # the port the kernel assigned, not the 0 asked for
    assert (ops["bind"]["addr"], ops["bind"]["port"]) == ("127.0.0.1", port)
    assert ops["bind"]["ret"] == 0
    assert (ops["listen"]["addr"], ops["listen"]["port"]) == (
        "127.0.0.1", port)
    assert ops["listen"]["backlog"] == 7


def test_failed_bind_keeps_the_address_asked(env):
    pid, out = run(env, "import socket\n"
                   "s = socket.socket(socket.AF_INET6)\n"
                   "try:\n"
                   "    s.bind(('2001:db8::1', 4444))\n"
                   "except OSError as e:\n"
                   "    print('errno', e.errno)\n")
    assert "errno 99" in out     # EADDRNOTAVAIL
    v = env[1]
    r = v.wait_for(lambda r: r["type"] == "socket" and
                   r["proc"]["pid"] == pid and r["socket"]["op"] == "bind",
                   what="failed bind")["socket"]
    assert (r["ret"], r["family"], r["addr"], r["port"]) == (
        -99, "inet6", "2001:db8::1", 4444)


def test_raw_and_packet_sockets(env):
    pid, out = run(env, "import socket\n"
                   "a = socket.socket(socket.AF_INET, socket.SOCK_RAW, 1)\n"
                   "b = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)\n"
                   "print('ok')\n")
    v = env[1]
    v.wait_for(lambda r: r["type"] == "socket" and r["proc"]["pid"] == pid
               and r["socket"]["family"] == "packet", what="packet socket")
    recs = [r["socket"] for r in v.records()
            if r["type"] == "socket" and r["proc"]["pid"] == pid]
    raw = [r for r in recs if r["family"] == "inet"]
    assert raw and raw[0]["sock_type"] == "raw" and raw[0]["proto"] == 1


def test_unix_bind_path(env, tmp_path):
    path = str(tmp_path / "app.sock")
    pid, _ = run(env, "import socket\n"
                 "s = socket.socket(socket.AF_UNIX)\n"
                 f"s.bind({path!r})\n")
    r = env[1].wait_for(lambda r: r["type"] == "socket" and
                        r["proc"]["pid"] == pid and
                        r["socket"]["op"] == "bind", what="unix bind")
    assert (r["socket"]["family"], r["socket"]["addr"]) == ("unix", path)


# A listener with one connection waiting, made here (outside the
# sandbox), then accepted inside it by the code or tool given its fd.
def pending_connection():
    lst = socket.socket()
    lst.bind(("127.0.0.1", 0))
    lst.listen(1)
    cli = socket.create_connection(lst.getsockname())
    return lst, cli


def accept_records(env, pid):
    v = env[1]
    v.wait_for(lambda r: r["type"] == "socket" and r["proc"]["pid"] == pid
               and r["socket"]["op"] == "accept",
               what=f"accept record of pid {pid}")
    return [r for r in v.records() if r["type"] == "socket"
            and r["proc"]["pid"] == pid and r["socket"]["op"] == "accept"]


def test_accept_names_the_peer(env):
    lst, cli = pending_connection()
    with lst, cli:
        fd = lst.fileno()
        pid, _ = run_in_cgroup_ok(env[0], [PY, "-c", (
            "import socket, sys\n"
            "s = socket.socket(fileno=%d)\n"
            "s.setblocking(False)\n"
            "c, _ = s.accept()\n"           # accept4 in CPython
            "try:\n"
            "    s.accept()\n"              # nobody left: EAGAIN
            "except BlockingIOError:\n"
            "    pass\n" % fd)], pass_fds=[fd])
        recs = accept_records(env, pid)
        a = recs[0]["socket"]
        assert (a["family"], a["sock_type"]) == ("inet", "stream")
        assert a["ret"] >= 0
        assert (a["addr"], a["port"]) == ("127.0.0.1", cli.getsockname()[1])
        assert recs[0]["proc"]["pid"] == pid
        # The EAGAIN of a non-blocking accept made no record.
        assert len(recs) == 1, recs


@pytest.mark.parametrize("ia32", [False, True])
def test_accept4_raw_call(env, helpers, ia32):
    lst, cli = pending_connection()
    with lst, cli:
        fd = lst.fileno()
        argv = [helpers["fsop"]] + (["--ia32"] if ia32 else []) + \
            ["accept4", str(fd), "0", "0", "0"]
        pid, out = run_in_cgroup_ok(env[0], argv, pass_fds=[fd])
        ret = int(out.split("ret=")[1])
        assert ret >= 0, out
        r = accept_records(env, pid)[0]
        assert r["socket"]["ret"] == ret
        assert r["socket"]["port"] == cli.getsockname()[1]
        assert r["proc"]["pid"] == pid


def test_failed_accept_names_the_listener(env):
    pid, _ = run(env, "import socket\n"
                 "s = socket.socket()\n"
                 "s.bind(('127.0.0.1', 0))\n"
                 "try:\n"
                 "    s.accept()\n"             # not listening: EINVAL
                 "except OSError:\n"
                 "    pass\n")
    a = accept_records(env, pid)[0]["socket"]
    assert a["ret"] == -22 and a["family"] == "inet", a
