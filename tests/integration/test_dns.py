"""DNS at the sandbox's cgroup (issue 14): the answers a sandbox gets
from a resolver its profile lists are recorded (dns records with
response: true: rcode, addresses, TTL, CNAMEs, whether they were
granted), under the task that asked; queries over TCP are filtered like
those over UDP.

In a network namespace of the test's own (dnsnet.py) with its own
resolver; the callers run in a sandbox inside it."""

import os

import pytest

from conftest import make_sandbox, pick
from dnsnet import RESOLVER, DnsNet, ask_in, resolve_in
from policy_support import write_rules

RULES = """
- profile: named
  description: a resolver and three names, nothing else
  egress: deny
  allow:
    destinations: ["{resolver}:53", "pypi.test:443", "*.cdn.test:443"]

- profile: watched
  description: the same list, only judged
  egress: monitor
  allow:
    destinations: ["{resolver}:53", "pypi.test:443", "*.cdn.test:443"]

- rule: dns-answer-pypi
  description: an answer that gives pypi.test's address
  event: dns
  when: dns.response and dns.answers in (198.18.14.10) and dns.granted
  score: 0

- rule: dns-nxdomain
  description: a name that does not exist
  event: dns
  when: dns.rcode == NXDOMAIN
  score: 0
"""


@pytest.fixture(params=["udp", "tcp"])
def net(request):
    n = DnsNet(f"vigil-dn-{os.getpid()}", tcp_dns=request.param == "tcp")
    n.proto = request.param
    yield n
    n.close()


@pytest.fixture
def vigil(sandbox_root, start_vigil, tmp_path):
    rules = write_rules(tmp_path / "dns.yaml", RULES.format(resolver=RESOLVER))
    return start_vigil(sandbox_root, extra_args=["--rules", rules])


def dns_rec(v, qname, response, pid=None):
    return v.wait_for(lambda r: r["type"] == "dns" and
                      r["dns"]["qname"] == qname and
                      r["dns"]["response"] == response and
                      (pid is None or r["proc"]["pid"] == pid),
                      what=f"dns {'answer' if response else 'query'} "
                           f"record of {qname}")


def test_answer_is_recorded(vigil, sandbox_root, net):
    """pypi.test's answer: its address, TTL, granted, under the task that
    asked; a rule on its addresses fires; the address then connects."""
    sb = make_sandbox(sandbox_root, "answers", profile="named")
    pid, out = ask_in(sb, net, net.proto, "pypi.test")
    assert out == "rcode 0 answers 1"
    r = dns_rec(vigil, "pypi.test", True)
    exp = {"qtype": "A", "rcode": "NOERROR", "answers": ["198.18.14.10"],
           "answers_truncated": False, "cnames": 0, "ttl": 600,
           "granted": True, "verdict": "none", "addr": RESOLVER, "port": 53,
           "proto": net.proto, "truncated": False}
    assert pick(r["dns"], exp) == exp
    assert r["proc"]["pid"] == pid
    assert dns_rec(vigil, "pypi.test", False)["dns"]["proto"] == net.proto
    alert = vigil.wait_for(lambda a: a["type"] == "alert" and
                           a["alert"]["rule"] == "dns-answer-pypi",
                           what="dns-answer-pypi alert")
    assert alert["sandbox"]["id"] == r["sandbox"]["id"]
    assert resolve_in(net, sb, "addr", "198.18.14.10") == \
        {"198.18.14.10": 0}


def test_answer_v6_cname_and_cut(vigil, sandbox_root, net):
    """AAAA answers as v6 text; a CNAME chain counted, its end granted;
    an answer of ten addresses keeps eight and says it was cut, with the
    lowest TTL of those kept."""
    sb = make_sandbox(sandbox_root, "answers-more", profile="named")
    assert ask_in(sb, net, net.proto, "pypi.test", 28)[1] == \
        "rcode 0 answers 1"
    assert ask_in(sb, net, net.proto, "files.cdn.test")[1] == \
        "rcode 0 answers 2"
    assert ask_in(sb, net, net.proto, "many.cdn.test")[1] == \
        "rcode 0 answers 10"
    v6 = dns_rec(vigil, "pypi.test", True)["dns"]
    assert (v6["qtype"], v6["answers"], v6["granted"]) == \
        ("AAAA", ["fd14::10"], True)
    chain = dns_rec(vigil, "files.cdn.test", True)["dns"]
    exp = {"answers": ["198.18.14.12"], "cnames": 1, "granted": True}
    assert pick(chain, exp) == exp
    many = dns_rec(vigil, "many.cdn.test", True)["dns"]
    assert many["answers"] == [f"198.18.15.{i}" for i in range(1, 9)]
    assert (many["answers_truncated"], many["ttl"]) == (True, 301)


def test_answer_without_grant(vigil, sandbox_root, net):
    """An allowed name that does not exist: NXDOMAIN, nothing granted, a
    rule on the rcode fires. Under monitor, a name outside the list is
    answered and recorded, but its address is not granted."""
    sb = make_sandbox(sandbox_root, "answers-none", profile="named")
    assert ask_in(sb, net, net.proto, "gone.cdn.test")[1] == \
        "rcode 3 answers 0"
    r = dns_rec(vigil, "gone.cdn.test", True)["dns"]
    exp = {"rcode": "NXDOMAIN", "answers": [], "granted": False}
    assert pick(r, exp) == exp
    vigil.wait_for(lambda a: a["type"] == "alert" and
                   a["alert"]["rule"] == "dns-nxdomain",
                   what="dns-nxdomain alert")
    wb = make_sandbox(sandbox_root, "answers-watched", profile="watched")
    pid, out = ask_in(wb, net, net.proto, "evil.test")
    assert out == "rcode 0 answers 1"
    q = dns_rec(vigil, "evil.test", False, pid)["dns"]
    assert q["verdict"] == "monitor"
    r = dns_rec(vigil, "evil.test", True, pid)["dns"]
    exp = {"answers": ["198.18.14.11"], "granted": False}
    assert pick(r, exp) == exp


def test_query_outside_allowlist_never_leaves(vigil, sandbox_root, net):
    """Over UDP and over TCP alike, a query for a name the profile does
    not allow never reaches the resolver and is recorded as denied (over
    TCP the segment is dropped: the caller times out); an allowed name
    resolves."""
    sb = make_sandbox(sandbox_root, "asks", profile="named")
    pid, out = ask_in(sb, net, net.proto, "evil.test")
    assert out == ("errno 1" if net.proto == "udp" else "timeout")
    assert ask_in(sb, net, net.proto, "pypi.test")[1] == "rcode 0 answers 1"
    assert ["pypi.test", "A"] in net.queries()
    assert not [q for q in net.queries() if q[0] == "evil.test"]
    r = dns_rec(vigil, "evil.test", False, pid)["dns"]
    exp = {"verdict": "deny", "qtype": "A", "proto": net.proto,
           "truncated": False}
    assert pick(r, exp) == exp
    assert dns_rec(vigil, "pypi.test", False)["dns"]["verdict"] == "allow"


@pytest.mark.parametrize("net", ["tcp"], indirect=True)
def test_tcp_query_not_judged_is_dropped(vigil, sandbox_root, net):
    """Two queries in one TCP segment (for an allowed name even): the
    kernel judges one whole message a segment, so it drops the segment
    (fails closed) and records it as truncated."""
    sb = make_sandbox(sandbox_root, "asks-two", profile="named")
    pid, out = ask_in(sb, net, "tcp", "pypi.test", 1, "pipelined")
    assert out == "timeout"
    assert not net.queries()
    r = dns_rec(vigil, "pypi.test", False, pid)["dns"]
    assert (r["verdict"], r["truncated"]) == ("deny", True)
