"""Egress control in the kernel (issue 14): the cgroup connect and sendmsg
hooks refuse, with EPERM and nothing on the wire, what a sandbox's
profile does not allow under `egress: deny`, and only judge it under
`egress: monitor`; each connect record carries the verdict.

Loopback only: the listeners run in the test process, outside any
sandbox, and count what reaches them; the callers run inside the sandbox
as small Python programs."""

import errno
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import make_sandbox, pick, run_in_cgroup_ok
from policy_support import write_rules

PY = sys.executable
DNS_SERVER = Path(__file__).parent / "dns_server.py"

RULES = """
- profile: closed
  description: one loopback port allowed, nothing else
  egress: deny
  allow:
    destinations: ["127.0.0.1:{port}", "[::1]:{port}"]

- profile: watched
  description: the same list, only judged
  egress: monitor
  allow:
    destinations: ["127.0.0.1:{port}", "[::1]:{port}"]
"""

# Prints the errno of each call (0 when it worked), one per line.
CALLER = r"""
import errno, socket, sys
how, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
fam = socket.AF_INET6 if ":" in host else socket.AF_INET
def err(f):
    try:
        f()
        return 0
    except OSError as e:
        return e.errno
if how == "tcp":
    s = socket.socket(fam, socket.SOCK_STREAM)
    print(s.connect_ex((host, port)))
elif how == "udp-connect":
    s = socket.socket(fam, socket.SOCK_DGRAM)
    print(s.connect_ex((host, port)))
elif how == "sendto":
    s = socket.socket(fam, socket.SOCK_DGRAM)
    print(err(lambda: s.sendto(b"x" * 10, (host, port))))
elif how == "sendmsg":
    s = socket.socket(fam, socket.SOCK_DGRAM)
    print(err(lambda: s.sendmsg([b"y" * 10], [], 0, (host, port))))
elif how == "fastopen":
    s = socket.socket(fam, socket.SOCK_STREAM)
    print(err(lambda: s.sendto(b"z" * 10, socket.MSG_FASTOPEN,
                               (host, port))))
"""


class Listener:
    """A loopback TCP listener and a UDP socket on one port each; counts
    what arrives without accepting anything from a refused caller."""

    def __init__(self, host):
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.tcp = socket.socket(fam, socket.SOCK_STREAM)
        self.tcp.bind((host, 0))
        self.tcp.listen(16)
        self.tcp.setblocking(False)
        self.port = self.tcp.getsockname()[1]
        self.udp = socket.socket(fam, socket.SOCK_DGRAM)
        self.udp.bind((host, self.port))
        self.udp.setblocking(False)

    def arrived(self):
        """Connections queued and datagrams received so far."""
        n = 0
        for s in (self.tcp, self.udp):
            while True:
                try:
                    got = s.accept() if s is self.tcp else s.recvfrom(99)
                except BlockingIOError:
                    break
                if s is self.tcp:
                    got[0].close()
                n += 1
        return n

    def close(self):
        self.tcp.close()
        self.udp.close()


@pytest.fixture
def allowed():
    """The one port the profiles allow, on 127.0.0.1 and ::1; the v4
    listener is bound to it so no other test can take it."""
    v4, v6 = Listener("127.0.0.1"), None
    for _ in range(20):
        try:
            v6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
            v6.bind(("::1", v4.port))
            v6.listen(4)
            break
        except OSError:
            v6.close()
            v4.close()
            v4, v6 = Listener("127.0.0.1"), None
    assert v6, "no port free on both 127.0.0.1 and ::1"
    yield v4
    v4.close()
    v6.close()


@pytest.fixture
def other():
    """A listener on a port no profile allows."""
    s = Listener("127.0.0.1")
    yield s
    s.close()


@pytest.fixture
def egress(sandbox_root, start_vigil, tmp_path, allowed):
    rules = write_rules(tmp_path / "egress.yaml",
                        RULES.format(port=allowed.port))
    v = start_vigil(sandbox_root, extra_args=["--rules", rules])
    return v


def call_in(sb, how, host, port):
    pid, out = run_in_cgroup_ok(sb, [PY, "-c", CALLER, how, host,
                                     str(port)])
    return pid, int(out.strip())


def connect_of(v, pid, via="syscall"):
    return v.wait_for(lambda r: r["type"] == "connect" and
                      r["proc"]["pid"] == pid and
                      r["connect"]["via"] == via,
                      what=f"{via} connect record of pid {pid}")["connect"]


def test_denied_connect_never_leaves(egress, sandbox_root, other):
    """A TCP connect outside the list fails with EPERM; the listener
    sees no connection; the record says deny."""
    sb = make_sandbox(sandbox_root, "closed-tcp", profile="closed")
    pid, err = call_in(sb, "tcp", "127.0.0.1", other.port)
    assert err == errno.EPERM
    assert other.arrived() == 0
    c = connect_of(egress, pid)
    exp = {"addr": "127.0.0.1", "port": other.port, "proto": "tcp",
           "ret": -errno.EPERM, "verdict": "deny"}
    assert pick(c, exp) == exp


def test_allowed_connect_goes_through(egress, sandbox_root, allowed):
    sb = make_sandbox(sandbox_root, "closed-ok", profile="closed")
    pid, err = call_in(sb, "tcp", "127.0.0.1", allowed.port)
    assert err == 0
    assert allowed.arrived() == 1
    c = connect_of(egress, pid)
    exp = {"port": allowed.port, "ret": 0, "verdict": "allow"}
    assert pick(c, exp) == exp


@pytest.mark.parametrize("how,host", [
    ("tcp", "::1"),                  # IPv6
    ("tcp", "::ffff:127.0.0.1"),     # v4-mapped, on an IPv6 socket
    ("udp-connect", "127.0.0.1"),
    ("fastopen", "127.0.0.1"),       # TCP fast open: sendto connects
    ("fastopen", "::1"),
])
def test_denied_connect_every_way(egress, sandbox_root, how, host):
    """Every way to connect is refused alike."""
    refused_in(sandbox_root, how, host)


def refused_in(sandbox_root, how, host):
    """Calls from a sandbox of the closed profile to host, on a port the
    profile does not allow, where a listener of host's family (both on
    v6) waits: EPERM, and nothing reaches it. (pid, port) out."""
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    lst = Listener("::" if fam == socket.AF_INET6 else "127.0.0.1")
    try:
        sb = make_sandbox(sandbox_root, f"closed-{how}", profile="closed")
        pid, err = call_in(sb, how, host, lst.port)
        assert err == errno.EPERM
        assert lst.arrived() == 0
    finally:
        lst.close()
    return pid, lst.port


@pytest.mark.parametrize("how,host", [
    ("sendto", "127.0.0.1"), ("sendmsg", "127.0.0.1"), ("sendto", "::1"),
    ("sendto", "::ffff:127.0.0.1"),
])
def test_denied_send_never_leaves(egress, sandbox_root, how, host):
    """An unconnected UDP send outside the list fails with EPERM, nothing
    arrives, and the refusal is a connect record of its own."""
    pid, port = refused_in(sandbox_root, how, host)
    c = connect_of(egress, pid, via="send")
    exp = {"port": port, "proto": "udp", "verdict": "deny",
           "ret": -errno.EPERM}
    assert pick(c, exp) == exp


def test_allowed_send_arrives(egress, sandbox_root, allowed):
    sb = make_sandbox(sandbox_root, "closed-send-ok", profile="closed")
    _, err = call_in(sb, "sendto", "127.0.0.1", allowed.port)
    assert err == 0
    assert allowed.arrived() == 1


def test_monitor_lets_through_and_says_so(egress, sandbox_root, other):
    sb = make_sandbox(sandbox_root, "watched", profile="watched")
    pid, err = call_in(sb, "tcp", "127.0.0.1", other.port)
    assert err == 0
    assert other.arrived() == 1
    c = connect_of(egress, pid)
    assert (c["ret"], c["verdict"]) == (0, "monitor"), c
    _, err = call_in(sb, "sendto", "127.0.0.1", other.port)
    assert err == 0
    assert other.arrived() == 1


@pytest.mark.parametrize("helper", ["uring", "ia32"])
def test_untraced_connects_are_judged(egress, sandbox_root, helpers, other,
                                      allowed, helper):
    """A connect through io_uring or the ia32 socketcall multiplexer has
    no connect syscall for the tracepoints: the hook refuses it all the
    same and records it itself (via hook); an allowed one is recorded
    too."""
    sb = make_sandbox(sandbox_root, f"closed-{helper}", profile="closed")
    pid, out = run_in_cgroup_ok(sb, [helpers[helper], "connect",
                                     "127.0.0.1", str(other.port)])
    assert out.strip() == f"ret={-errno.EPERM}"
    assert other.arrived() == 0
    c = connect_of(egress, pid, via="hook")
    exp = {"addr": "127.0.0.1", "port": other.port, "proto": "tcp",
           "verdict": "deny", "ret": -errno.EPERM}
    assert pick(c, exp) == exp

    pid, out = run_in_cgroup_ok(sb, [helpers[helper], "connect",
                                     "127.0.0.1", str(allowed.port)])
    assert out.strip() == "ret=0"
    assert allowed.arrived() == 1
    c = connect_of(egress, pid, via="hook")
    assert (c["port"], c["verdict"], c["ret"]) == \
        (allowed.port, "allow", 0), c


# ------------------------------------------------------ names, from DNS

# Inside a network namespace made here: a resolver, and the addresses its
# names stand for, all on the namespace's loopback. The sandboxed callers
# run there too (`ip netns exec`, which also gives them the resolver in
# /etc/netns/NAME/resolv.conf), so nothing ever leaves it.
RESOLVER = "198.18.14.53"
ZONE = [
    "pypi.test A 198.18.14.10 600", "pypi.test AAAA fd14::10 600",
    "files.cdn.test CNAME edge.fastly.test 600",
    "edge.fastly.test A 198.18.14.12 600",
    "short.test A 198.18.14.13 1",      # below the kernel's 5 s floor
    "evil.test A 198.18.14.11 600",
]
LISTEN = ["198.18.14.10", "198.18.14.11", "198.18.14.12", "198.18.14.13",
          "[fd14::10]"]

NAMED_RULES = """
- profile: named
  description: a resolver and three names, nothing else
  egress: deny
  allow:
    destinations: ["{resolver}:53", "pypi.test:443", "*.cdn.test:443",
                   "short.test:443"]

- rule: dns-query-refused
  description: the kernel dropped a query for a name outside the allowlist
  event: dns
  when: dns.verdict == deny and dns.qtype in (A, AAAA)
  score: 0
"""

# Resolves NAME (getaddrinfo: the namespace's resolv.conf; name4: A
# only) and connects to each address on PORT; or connects to ADDR:PORT
# as given. Prints
# "ADDR ERRNO" for each; nothing for a name that does not resolve.
RESOLVE = r"""
import socket, sys
how, target, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
fam = {"name": 0, "name4": socket.AF_INET}.get(how)
if fam is not None:
    try:
        addrs = sorted({a[4][0] for a in socket.getaddrinfo(
            target, port, fam, socket.SOCK_STREAM)})
    except socket.gaierror:
        addrs = []
else:
    addrs = [target]
for a in addrs:
    s = socket.socket(socket.AF_INET6 if ":" in a else socket.AF_INET)
    print(a, s.connect_ex((a, port)), flush=True)
"""


class DnsNet:
    """The namespace, its resolver and listeners (one process, ours, by
    pid), and what reached them."""

    def __init__(self, name, tcp_dns, zone=ZONE, listen=LISTEN, sinks=()):
        self.name = name
        # glibc asks A and AAAA on one TCP connection, which the server
        # answers one question of: over TCP, ask A alone.
        self.resolve = "name4" if tcp_dns else "name"
        self.etc = Path("/etc/netns") / name
        subprocess.run(["ip", "netns", "add", name], check=True)
        ipn = ["ip", "-n", name]
        subprocess.run(ipn + ["link", "set", "lo", "up"], check=True)
        hosts = list(listen) + list(sinks)
        for a in [RESOLVER] + [h for h in hosts if ":" not in h]:
            subprocess.run(ipn + ["addr", "add", a + "/32", "dev", "lo"],
                           check=True)
        subprocess.run(ipn + ["-6", "addr", "add", "fd14::10/128", "dev",
                              "lo", "nodad"], check=True)
        self.etc.mkdir(parents=True)
        # A query the kernel drops is given up after one second.
        (self.etc / "resolv.conf").write_text(
            f"nameserver {RESOLVER}\noptions timeout:1 attempts:1\n" +
            ("options use-vc\n" if tcp_dns else ""))
        argv = ["ip", "netns", "exec", name, "/usr/bin/python3",
                str(DNS_SERVER), RESOLVER, "53"]
        for h in listen:
            argv += ["--tcp", f"{h}:443"]
        for h in sinks:
            argv += ["--sink", f"{h}:443"]
        self.proc = subprocess.Popen(argv + list(zone), stdout=subprocess.PIPE,
                                     stdin=subprocess.DEVNULL, text=True)
        self.lines = []
        assert self.proc.stdout.readline().strip() == "ready"
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line.split())

    def queries(self):
        return [l[1:] for l in self.lines if l[0] == "Q"]

    def connections(self, host):
        return sum(1 for l in self.lines if l[0] == "C" and l[1] == host)

    def received(self, host):
        """Bytes a sink on host received, over all its connections (each
        "B" line has its connection's total so far: the last one of
        each counts)."""
        total, conn = 0, 0
        for l in self.lines:
            if l[0] == "C" and l[1] == host:
                total, conn = total + conn, 0
            elif l[0] == "B" and l[1] == host:
                conn = int(l[3])
        return total + conn

    def close(self):
        self.proc.kill()            # ours, by pid
        self.proc.wait()
        shutil.rmtree(self.etc, ignore_errors=True)
        subprocess.run(["ip", "netns", "del", self.name])


@pytest.fixture(params=["udp", "tcp"])
def dnsnet(request):
    n = DnsNet(f"vigil-eg-{os.getpid()}", tcp_dns=request.param == "tcp")
    yield n
    n.close()


@pytest.fixture
def udpnet():
    n = DnsNet(f"vigil-eq-{os.getpid()}", tcp_dns=False)
    yield n
    n.close()


@pytest.fixture
def named_vigil(sandbox_root, start_vigil, tmp_path):
    """The daemon and a sandbox of the named profile."""
    rules = write_rules(tmp_path / "named.yaml",
                        NAMED_RULES.format(resolver=RESOLVER))
    v = start_vigil(sandbox_root, extra_args=["--rules", rules])
    return v, make_sandbox(sandbox_root, "named", profile="named")


@pytest.fixture
def named(named_vigil, dnsnet):
    return named_vigil[1]


def resolve_in(net, sb, how, target, port=443):
    """{address: errno} of the caller's connects."""
    _, out = run_in_cgroup_ok(sb, ["ip", "netns", "exec", net.name, PY,
                                   "-c", RESOLVE, how, target, str(port)])
    return {a: int(e) for a, e in (l.split() for l in out.splitlines())}


def test_name_learns_its_addresses(named, dnsnet):
    """pypi.test resolves through the sandbox's resolver (UDP, or TCP
    with use-vc) and both its addresses connect; the address no allowed
    name resolved to stays denied, and so does the allowed address on a
    port the name does not have."""
    sb = named
    assert resolve_in(dnsnet, sb, "addr", "198.18.14.10") == \
        {"198.18.14.10": errno.EPERM}
    assert dnsnet.connections("198.18.14.10") == 0
    both = {"198.18.14.10": 0, "fd14::10": 0}
    got = resolve_in(dnsnet, sb, dnsnet.resolve, "pypi.test")
    assert got == (both if dnsnet.resolve == "name" else
                   {"198.18.14.10": 0})
    assert ["pypi.test", "A"] in dnsnet.queries()
    assert resolve_in(dnsnet, sb, "addr", "198.18.14.11") == \
        {"198.18.14.11": errno.EPERM}
    assert resolve_in(dnsnet, sb, "addr", "198.18.14.10", port=80) == \
        {"198.18.14.10": errno.EPERM}
    # A name the profile does not allow teaches nothing: over UDP its
    # query is dropped (below); over TCP its answer grants nothing.
    assert resolve_in(dnsnet, sb, dnsnet.resolve, "evil.test") == \
        ({} if dnsnet.resolve == "name" else {"198.18.14.11": errno.EPERM})
    assert dnsnet.connections("198.18.14.11") == 0


def test_cname_chain_is_followed(named, dnsnet):
    """files.cdn.test (under *.cdn.test) is a CNAME of a name outside
    the allowlist: the address the chain ends in connects."""
    assert resolve_in(dnsnet, named, dnsnet.resolve, "files.cdn.test") == \
        {"198.18.14.12": 0}
    assert dnsnet.connections("198.18.14.12") == 1


def test_ttl_expiry_denies_again(named, dnsnet):
    """short.test's 1 s TTL is held to the kernel's 5 s floor; past it,
    the address is refused again."""
    assert resolve_in(dnsnet, named, dnsnet.resolve, "short.test") == \
        {"198.18.14.13": 0}
    time.sleep(6)
    assert resolve_in(dnsnet, named, "addr", "198.18.14.13") == \
        {"198.18.14.13": errno.EPERM}
    assert dnsnet.connections("198.18.14.13") == 1


def dns_of(v, qname):
    return v.wait_for(lambda r: r["type"] == "dns" and
                      r["dns"]["qname"] == qname,
                      what=f"dns record of {qname}")


def test_query_outside_allowlist_never_leaves(named_vigil, udpnet):
    """Over UDP the kernel drops a query for a name the profile does not
    allow: the resolver never sees it, the caller's lookup fails, a dns
    record says deny and a rule on it fires; an allowed name's query
    reaches the resolver and is recorded as allowed."""
    v, sb = named_vigil
    assert resolve_in(udpnet, sb, "name", "evil.test") == {}
    assert resolve_in(udpnet, sb, "name4", "pypi.test") == \
        {"198.18.14.10": 0}
    assert ["pypi.test", "A"] in udpnet.queries()
    assert not [q for q in udpnet.queries() if q[0] == "evil.test"]
    denied = dns_of(v, "evil.test")
    assert denied["dns"]["verdict"] == "deny"
    assert denied["dns"]["qtype"] in ("A", "AAAA")
    assert (denied["dns"]["addr"], denied["dns"]["port"]) == (RESOLVER, 53)
    assert denied["sandbox"]["id"] == dns_of(v, "pypi.test")["sandbox"]["id"]
    assert dns_of(v, "pypi.test")["dns"]["verdict"] == "allow"
    alert = v.wait_for(lambda r: r["type"] == "alert" and
                       r["alert"]["rule"] == "dns-query-refused",
                       what="dns-query-refused alert")
    assert alert["sandbox"]["id"] == denied["sandbox"]["id"]
