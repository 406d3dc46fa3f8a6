"""Egress control in the kernel (issue 14): the cgroup connect and sendmsg
hooks refuse, with EPERM and nothing on the wire, what a sandbox's
profile does not allow under `egress: deny`, and only judge it under
`egress: monitor`; each connect record carries the verdict.

Loopback only: the listeners run in the test process, outside any
sandbox, and count what reaches them; the callers run inside the sandbox
as small Python programs."""

import errno
import os
import socket
import time

import pytest

from conftest import make_sandbox, pick, run_in_cgroup_ok
from dnsnet import PY, RESOLVER, DnsNet, resolve_in
from policy_support import write_rules

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
    # A name the profile does not allow teaches nothing: its query is
    # dropped (test_dns.py), and over TCP, where glibc has no timeout of
    # its own, the kernel's user timeout on the connection ends the wait.
    assert resolve_in(dnsnet, sb, dnsnet.resolve, "evil.test") == {}
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
                      r["dns"]["qname"] == qname and
                      not r["dns"]["response"],
                      what=f"dns query record of {qname}")


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
