"""Byte budgets in the kernel (issue 14): an allow.destinations entry may
carry a budget of its own ("pypi.test:443: 1MiB"), which the packets to
what it allows spend, per sandbox: for a name, the addresses its DNS
answers taught the kernel; for a network, the addresses in it. Past it
the kernel drops them at the root's egress and sends one budget record
naming the entry. And the seed's example: an agent POSTing 500 MB to an
endpoint nobody listed sends nothing under `egress: deny`, and no more
than the profile's egress_budget under `egress: monitor`.

Everything runs in a network namespace made here (dnsnet.DnsNet):
its resolver, and sinks on the namespace's loopback that count the bytes
that reach them."""

import errno
import os

import pytest

from conftest import make_sandbox, run_in_cgroup_ok
from policy_support import PY, write_rules
from dnsnet import RESOLVER, DnsNet

BUDGET = 1 << 20
SENT = 4 << 20          # what each caller tries to send: 4 budgets
POST = 500 << 20        # the seed's example

PYPI, FILES, CIDR, UNKNOWN = ("198.18.14.10", "198.18.14.12",
                              "198.18.14.13", "198.18.14.11")
ZONE = [f"pypi.test A {PYPI} 600", f"files.test A {FILES} 600"]

RULES = """
- profile: budgeted
  description: two names and a network, two of them with a budget
  egress: deny
  allow:
    destinations:
      - "{resolver}:53"
      - pypi.test:443: 1MiB
      - files.test:443
      - {cidr}/32:443: 1MiB

- profile: shut
  description: the resolver alone, the rest refused
  egress: deny
  allow:
    destinations: ["{resolver}:53"]

- profile: watched
  description: the resolver alone, the rest judged and budgeted
  egress: monitor
  egress_budget: 1MiB
  allow:
    destinations: ["{resolver}:53"]
"""

# Sends TOTAL bytes to TARGET:PORT (a name resolved through the
# namespace's resolver, or an address) as a stream, or as the body of an
# HTTP POST (how "post"); gives up once nothing moves for 3 s (what the
# kernel drops is never acknowledged). Prints "connect ERRNO" when the
# connect fails, else "sent N".
SENDER = r"""
import http.client, socket, sys
how, target, port, total = sys.argv[1], sys.argv[2], int(sys.argv[3]), \
    int(sys.argv[4])
addr = socket.getaddrinfo(target, port, socket.AF_INET)[0][4][0]
chunk = b"x" * 65536
sent = 0
def body():
    global sent
    while sent < total:
        sent += len(chunk)
        yield chunk
try:
    if how == "post":
        c = http.client.HTTPConnection(addr, port, timeout=3)
        c.connect()
    else:
        s = socket.create_connection((addr, port), timeout=3)
except OSError as e:
    print("connect", e.errno or 0, flush=True)
    sys.exit(0)
try:
    if how == "post":
        c.request("POST", "/upload", body=body(),
                  headers={"Content-Length": str(total)})
    else:
        for b in body():
            s.sendall(b)
except OSError:
    pass
print("sent", sent, flush=True)
"""


@pytest.fixture
def net():
    n = DnsNet(f"vigil-bu-{os.getpid()}", tcp_dns=False, zone=ZONE,
               listen=[], sinks=[PYPI, FILES, CIDR, UNKNOWN])
    yield n
    n.close()


@pytest.fixture
def vigil(sandbox_root, start_vigil, tmp_path):
    rules = write_rules(tmp_path / "budget.yaml",
                        RULES.format(resolver=RESOLVER, cidr=CIDR))
    return start_vigil(sandbox_root, extra_args=["--rules", rules])


def send_in(net, sb, how, target, total):
    """(word, number) of the sender's line: ("connect", errno) or
    ("sent", bytes)."""
    _, out = run_in_cgroup_ok(sb, ["ip", "netns", "exec", net.name, PY,
                                   "-c", SENDER, how, target, "443",
                                   str(total)], timeout=120)
    word, n = out.split()
    return word, int(n)


def budgets_of(v, sid):
    return [r["budget"] for r in v.records()
            if r["type"] == "budget" and r["sandbox"]["id"] == sid]


@pytest.mark.parametrize("target,host,entry", [
    ("pypi.test", PYPI, "pypi.test:443"),       # a name: its answers
    (CIDR, CIDR, f"{CIDR}/32:443"),             # a network: the lookup
])
def test_entry_budget_caps_what_it_allows(vigil, sandbox_root, net,
                                          target, host, entry):
    """An allowed entry with a 1 MiB budget lets through no more than its
    budget (the kernel counts every payload byte, so not even the one TCP
    window the issue grants) and raises one budget record naming the
    entry; files.test, allowed without a budget, takes 4 MiB in full from
    the same sandbox afterwards."""
    sid = f"budget-{host.rsplit('.', 1)[1]}"
    sb = make_sandbox(sandbox_root, sid, profile="budgeted")
    assert send_in(net, sb, "stream", target, SENT)[0] == "sent"
    got = net.received(host)
    assert BUDGET - (256 << 10) < got <= BUDGET, got
    b = vigil.wait_for(lambda r: r["type"] == "budget" and
                       r["sandbox"]["id"] == sid, what="budget record")
    x = b["budget"]
    assert (x["entry"], x["limit"], x["addr"], x["port"]) == \
        (entry, BUDGET, host, 443), x
    assert 0 < x["spent"] <= BUDGET, x
    # The entry stays spent: a new connection gets nothing through.
    assert send_in(net, sb, "stream", target, SENT)[0] == "connect"
    assert net.received(host) == got
    # Another entry, no budget: unaffected.
    assert send_in(net, sb, "stream", "files.test", SENT) == ("sent", SENT)
    vigil.wait_for(lambda r: r["type"] == "connect" and
                   r["sandbox"]["id"] == sid and
                   r["connect"]["addr"] == FILES, what="files.test connect")
    assert net.received(FILES) == SENT
    assert len(budgets_of(vigil, sid)) == 1


def test_seed_post_to_unknown_endpoint(vigil, sandbox_root, net):
    """The seed's example. Under egress: deny the POST's connect is
    refused: the endpoint sees no connection and no byte. Under egress:
    monitor it connects, and the egress_budget (1 MiB) caps what arrives
    of the 500 MB body; the budget record names no entry."""
    shut = make_sandbox(sandbox_root, "seed-deny", profile="shut")
    assert send_in(net, shut, "post", UNKNOWN, POST) == \
        ("connect", errno.EPERM)
    assert net.connections(UNKNOWN) == 0
    assert net.received(UNKNOWN) == 0

    sb = make_sandbox(sandbox_root, "seed-monitor", profile="watched")
    word, sent = send_in(net, sb, "post", UNKNOWN, POST)
    assert word == "sent" and sent < POST, (word, sent)
    got = net.received(UNKNOWN)
    assert BUDGET - (256 << 10) < got <= BUDGET, got
    b = vigil.wait_for(lambda r: r["type"] == "budget" and
                       r["sandbox"]["id"] == "seed-monitor",
                       what="budget record")["budget"]
    assert (b["limit"], b["addr"], "entry" in b) == (BUDGET, UNKNOWN, False)
