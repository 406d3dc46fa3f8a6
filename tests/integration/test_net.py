"""connect records and egress flow accounting. Loopback only.

The listeners run in the test process, outside any sandbox; the clients run
inside the sandbox as small Python programs (sys.executable, not a shim)."""

import os
import socket
import sys
import threading

import pytest

from conftest import make_sandbox, pick, run_in_cgroup_ok

PY = sys.executable

CONNECT = r"""
import socket, sys
fam = {"inet": socket.AF_INET, "inet6": socket.AF_INET6,
       "unix": socket.AF_UNIX}[sys.argv[1]]
typ = {"tcp": socket.SOCK_STREAM, "udp": socket.SOCK_DGRAM,
       "stream": socket.SOCK_STREAM}[sys.argv[2]]
s = socket.socket(fam, typ)
if fam == socket.AF_UNIX:
    addr = sys.argv[3].replace("@", "\0", 1) if sys.argv[3][0] == "@" else sys.argv[3]
else:
    addr = (sys.argv[3], int(sys.argv[4]))
print(s.connect_ex(addr))
"""


@pytest.fixture
def env(sandbox_root, start_vigil):
    sb = make_sandbox(sandbox_root, "sb-net")
    v = start_vigil(sandbox_root, flow_interval=200)
    return sb, v


def tcp_listener(host):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.bind((host, 0))
    s.listen(16)
    return s


def connect_in(sb, *args):
    pid, out = run_in_cgroup_ok(sb, [PY, "-c", CONNECT, *map(str, args)])
    return pid, int(out.strip())


def connect_record(v, pid):
    return v.wait_for(lambda r: r["type"] == "connect"
                      and r["proc"]["pid"] == pid,
                      what=f"connect record of pid {pid}")


@pytest.mark.parametrize("listen,target,family", [
    ("127.0.0.1", "127.0.0.1", "inet"),
    ("::1", "::1", "inet6"),
    ("127.0.0.1", "::ffff:127.0.0.1", "inet6"),      # v4-mapped
])
def test_connect_tcp(env, listen, target, family):
    sb, v = env
    with tcp_listener(listen) as ls:
        port = ls.getsockname()[1]
        pid, err = connect_in(sb, family, "tcp", target, port)
        assert err == 0
        r = connect_record(v, pid)
    exp = {"family": family, "addr": target, "port": port, "proto": "tcp",
           "ret": 0}
    assert pick(r["connect"], exp) == exp
    assert r["sandbox"]["id"] == "sb-net"
    assert r["proc"]["exe"] == os.path.realpath(PY)


def test_connect_udp(env):
    sb, v = env
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as us:
        us.bind(("127.0.0.1", 0))
        port = us.getsockname()[1]
        pid, err = connect_in(sb, "inet", "udp", "127.0.0.1", port)
        assert err == 0
    r = connect_record(v, pid)
    exp = {"family": "inet", "addr": "127.0.0.1", "port": port,
           "proto": "udp", "ret": 0}
    assert pick(r["connect"], exp) == exp


def test_connect_refused(env):
    sb, v = env
    # Bound but not listening: the port stays ours, a SYN gets an RST.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        pid, err = connect_in(sb, "inet", "tcp", "127.0.0.1", port)
    assert err == 111
    r = connect_record(v, pid)
    exp = {"family": "inet", "addr": "127.0.0.1", "port": port,
           "proto": "tcp", "ret": -111}
    assert pick(r["connect"], exp) == exp


def test_connect_unix_path(env, tmp_path):
    sb, v = env
    path = os.path.join(os.path.realpath(tmp_path), "vigil.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as ls:
        ls.bind(path)
        ls.listen(4)
        pid, err = connect_in(sb, "unix", "stream", path)
        assert err == 0
    r = connect_record(v, pid)
    c = r["connect"]
    assert (c["family"], c["addr"], c["proto"], c["ret"]) == \
        ("unix", path, "stream", 0), c


def test_connect_unix_abstract(env):
    sb, v = env
    name = f"vigil-test-{os.getpid()}-abstract"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as ls:
        ls.bind("\0" + name)
        ls.listen(4)
        pid, err = connect_in(sb, "unix", "stream", "@" + name)
        assert err == 0
    c = connect_record(v, pid)["connect"]
    assert (c["family"], c["addr"], c["proto"], c["ret"]) == \
        ("unix", "@" + name, "stream", 0), c


# ------------------------------------------------------------ egress flows

SEND = r"""
import os, socket, sys
proto, host, port, mode, n, path = sys.argv[1:7]
port, n = int(port), int(n)
fam = socket.AF_INET6 if ":" in host else socket.AF_INET
data = bytes((i * 7) % 251 for i in range(n))
sent = 0
if proto == "tcp":
    s = socket.create_connection((host, port))
    if mode == "send":
        s.sendall(data)
        sent = n
    elif mode == "sendmsg":
        while sent < n:
            sent += s.sendmsg([data[sent:sent + 65536]])
    elif mode == "write":
        while sent < n:
            sent += os.write(s.fileno(), data[sent:sent + 65536])
    elif mode == "sendfile":
        with open(path, "wb") as f:
            f.write(data)
        fd = os.open(path, os.O_RDONLY)
        while sent < n:
            sent += os.sendfile(s.fileno(), fd, sent, n - sent)
    s.shutdown(socket.SHUT_WR)
    s.close()
else:
    s = socket.socket(fam, socket.SOCK_DGRAM)
    for off in range(0, n, 1200):
        chunk = data[off:off + 1200]
        if mode == "sendto":
            sent += s.sendto(chunk, (host, port))
        elif mode == "sendmsg":
            sent += s.sendmsg([chunk], [], 0, (host, port))
print(sent)
"""


class Receiver(threading.Thread):
    """Counts the payload bytes a loopback listener reads."""

    def __init__(self, proto, host, expect):
        super().__init__(daemon=True)
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        if proto == "tcp":
            self.sock = tcp_listener(host)
        else:
            self.sock = socket.socket(fam, socket.SOCK_DGRAM)
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
            self.sock.bind((host, 0))
        self.proto, self.expect = proto, expect
        self.port = self.sock.getsockname()[1]
        self.got = 0
        self.error = None

    def run(self):
        try:
            self.sock.settimeout(30)
            if self.proto == "tcp":
                c, _ = self.sock.accept()
                with c:
                    c.settimeout(30)
                    while True:
                        b = c.recv(1 << 16)
                        if not b:
                            break
                        self.got += len(b)
            else:
                while self.got < self.expect:
                    self.got += len(self.sock.recv(1 << 16))
        except Exception as e:      # reported by the test
            self.error = e
        finally:
            self.sock.close()


FLOWS = [
    # proto, host, mode, bytes, counted by send_calls
    ("tcp", "127.0.0.1", "send", 1_000_003, True),
    ("tcp", "127.0.0.1", "sendmsg", 300_017, True),
    ("tcp", "127.0.0.1", "write", 300_007, False),
    ("tcp", "127.0.0.1", "sendfile", 500_009, False),
    ("udp", "127.0.0.1", "sendto", 60_123, True),
    ("udp", "127.0.0.1", "sendmsg", 30_001, True),
    ("udp", "127.0.0.1", "sendmmsg", 64 * 900, True),
    ("tcp", "::1", "send", 700_001, True),
    ("tcp", "::1", "sendfile", 200_003, False),
    ("udp", "::1", "sendto", 40_009, True),
]


@pytest.mark.parametrize("proto,host,mode,n,counted", FLOWS,
                         ids=[f"{f[0]}-{f[1]}-{f[2]}" for f in FLOWS])
def test_egress_bytes(env, helpers, tmp_path, proto, host, mode, n, counted):
    sb, v = env
    rx = Receiver(proto, host, n)
    rx.start()
    if mode == "sendmmsg":
        argv = [helpers["vtool"], "sendmmsg", host, str(rx.port), "64", "900"]
    else:
        argv = [PY, "-c", SEND, proto, host, str(rx.port), mode, str(n),
                str(tmp_path / "payload")]
    _, out = run_in_cgroup_ok(sb, argv)
    rx.join(60)
    assert not rx.is_alive() and rx.error is None, rx.error
    assert rx.got == n, f"receiver read {rx.got} of {n} bytes ({out})"

    records = v.stop()
    all_flows = [r for r in records if r["type"] == "flow"]
    flows = [r for r in all_flows
             if r["flow"]["addr"] == host and r["flow"]["port"] == rx.port]
    shown = "\n".join(str((r["sandbox"] and r["sandbox"]["id"], r["flow"]))
                      for r in all_flows)
    assert flows, f"no flow record for {host}:{rx.port}; flows:\n{shown}"
    family = "inet6" if ":" in host else "inet"
    total = lambda k: sum(r["flow"][k] for r in flows)  # noqa: E731
    # Collect every mismatch: one run shows all that is wrong.
    problems = []
    if total("bytes") != rx.got:
        problems.append(f"sum(bytes) {total('bytes')} != {rx.got} read")
    if total("packets") <= 0:
        problems.append("no packets")
    if counted:
        if total("send_calls") <= 0:
            problems.append("send_calls is 0")
        if total("send_bytes") != n:
            problems.append(f"sum(send_bytes) {total('send_bytes')} != {n}")
    else:
        # write(2) and sendfile(2) are not sendto/sendmsg/sendmmsg calls.
        if (total("send_calls"), total("send_bytes")) != (0, 0):
            problems.append("send_calls/send_bytes counted for "
                            f"{mode}: {total('send_calls')}/"
                            f"{total('send_bytes')}")
    for r in flows:
        f = r["flow"]
        if (r["sandbox"] or {}).get("id") != "sb-net":
            problems.append(f"flow sandbox is {r['sandbox']}, not sb-net")
        if (f["family"], f["proto"]) != (family, proto):
            problems.append(f"family/proto {f['family']}/{f['proto']}")
        if not (isinstance(f["interval_ms"], int) and f["interval_ms"] > 0):
            problems.append(f"interval_ms {f['interval_ms']!r}")
    assert not problems, "\n".join(problems) + f"\nflows:\n{shown}"
