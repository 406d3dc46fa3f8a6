"""A network namespace of a test's own for the DNS egress tests: a
resolver (dns_server.py) and the addresses its names stand for, all on
the namespace's loopback, and callers that resolve and connect from a
sandbox inside it."""

import shutil
import subprocess
import sys
import threading
from pathlib import Path

from conftest import run_in_cgroup_ok

PY = sys.executable
DNS_SERVER = Path(__file__).parent / "dns_server.py"

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
] + [f"many.cdn.test A 198.18.15.{i} {300 + i}" for i in range(1, 11)]
LISTEN = ["198.18.14.10", "198.18.14.11", "198.18.14.12", "198.18.14.13",
          "[fd14::10]"]

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


def resolve_in(net, sb, how, target, port=443):
    """{address: errno} of the caller's connects."""
    _, out = run_in_cgroup_ok(sb, ["ip", "netns", "exec", net.name, PY,
                                   "-c", RESOLVE, how, target, str(port)])
    return {a: int(e) for a, e in (l.split() for l in out.splitlines())}


# Asks the resolver one question of its own over UDP or TCP (a stub of
# its own, with a timeout glibc lacks over TCP) and prints "rcode N
# answers M", "timeout" or "errno E". "pipelined": two copies of the
# query in one TCP segment.
ASK = r"""
import socket, struct, sys
proto, server, name, qtype = sys.argv[1:5]
pipelined = sys.argv[5:] == ["pipelined"]
q = struct.pack("!6H", 0x1414, 0x0100, 1, 0, 0, 0)
for label in name.split("."):
    q += bytes([len(label)]) + label.encode()
q += b"\0" + struct.pack("!HH", int(qtype), 1)
def recvn(s, n):
    b = b""
    while len(b) < n:
        got = s.recv(n - len(b))
        if not got:
            raise socket.timeout
        b += got
    return b
try:
    if proto == "udp":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(2)
        s.sendto(q, (server, 53))
        msg = s.recv(4096)
    else:
        s = socket.create_connection((server, 53), timeout=2)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.sendall((struct.pack("!H", len(q)) + q) * (2 if pipelined else 1))
        msg = recvn(s, struct.unpack("!H", recvn(s, 2))[0])
    print("rcode", msg[3] & 0xf, "answers", struct.unpack("!H", msg[6:8])[0])
except socket.timeout:
    print("timeout")
except OSError as e:
    print("errno", e.errno)
"""


def ask_in(sb, net, proto, name, qtype=1, *extra):
    """(pid, what ASK printed) of a question asked from sandbox sb."""
    pid, out = run_in_cgroup_ok(sb, ["ip", "netns", "exec", net.name, PY,
                                     "-c", ASK, proto, RESOLVER, name,
                                     str(qtype), *extra])
    return pid, out.strip()
