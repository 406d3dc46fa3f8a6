"""The audit trail (--audit FILE) of a real daemon: what a rule's freeze,
an operator's kill with --reason, and the daemon's start and stop leave
in it; that the operator's reply comes after the record is in the file;
that a restart continues the chain; that rotation under load (logrotate,
SIGHUP) continues it in the next file with nothing lost; and that `vigil
audit verify` names the first bad record for an edit, a deletion, a
reordering and a truncation of the real file, and checks a rotated
trail's files as one chain."""

import hashlib
import json
import os
import shutil
import subprocess

from conftest import make_sandbox, run_in_cgroup
from policy_support import (PY, ctl_ok, is_action, vigil_cli, wait_until,
                            write_rules)

RULES = """
- rule: audit-canary
  description: A sandbox read the audit test's canary.
  event: open
  when: open.path == {canary}
  score: 5
  severity: high
  tags: [test]
  action: freeze
"""

READ_AND_WAIT = "import sys, time\nopen(sys.argv[1]).read()\ntime.sleep(600)\n"


def links(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def verify(vigil_bin, path):
    return vigil_cli(vigil_bin, "audit", "verify", path)


def start_daemon(start_vigil, root, rules, audit):
    return start_vigil(root, extra_args=["--rules", "builtin", "--rules",
                                         rules, "--audit", str(audit)])


def frozen_by_rule(start_vigil, root, tmp_path):
    """A daemon with --audit whose rule froze sandbox 'sb'; returns the
    daemon, the rule file and the trail."""
    canary = tmp_path / "canary"
    canary.write_text("x")
    rules = write_rules(tmp_path / "audit.yaml",
                        RULES.format(canary=canary))
    audit = tmp_path / "audit.log"
    v = start_daemon(start_vigil, root, rules, audit)
    sb = make_sandbox(root, "sb")
    run_in_cgroup(sb, [PY, "-c", READ_AND_WAIT, str(canary)])
    v.wait_for(is_action("freeze"), what="the rule's freeze")
    return v, rules, audit


def test_decisions_in_the_chain(vigil_bin, sandbox_root, start_vigil,
                                tmp_path):
    v, rules, audit = frozen_by_rule(start_vigil, sandbox_root, tmp_path)
    reason = 'ticket SOC-7: "odd" read\x1b[2J'
    ctl_ok(vigil_bin, v.control, "kill", "sb", "--reason", reason)
    # The reply came after the kill's record was written to the trail.
    kill = [x for x in links(audit) if x["record"]["type"] == "action" and
            x["record"]["action"]["action"] == "kill"]
    assert len(kill) == 1, links(audit)
    records = v.stop()

    chain = links(audit)
    kinds = [(x["record"]["type"],
              x["record"].get("action", {}).get("action") or
              x["record"].get("lifecycle", {}).get("event"))
             for x in chain]
    assert kinds == [("lifecycle", "start"), ("alert", None),
                     ("action", "freeze"), ("action", "kill"),
                     ("lifecycle", "stop")], kinds
    assert [x["audit"] for x in chain] == [1, 2, 3, 4, 5]
    # Each decision is the record the output has, byte for byte.
    out = {r["seq"]: r for r in records}
    for x in chain:
        assert out[x["record"]["seq"]] == x["record"]
    start = chain[0]["record"]["lifecycle"]
    mine = [r for r in start["rules"] if r["name"] == rules]
    assert mine == [{"name": rules, "sha256": hashlib.sha256(
        open(rules, "rb").read()).hexdigest()}]
    assert len(start["rules"]) > 1 and len(start["rules_sha256"]) == 64
    op = chain[3]["record"]["action"]
    assert op["reason"] == "operator" and op["outcome"] == "done", op
    assert op["operator"]["uid"] == 0 and op["operator"]["user"] == "root"
    assert op["operator"]["reason"] == reason
    assert chain[2]["record"]["action"]["operator"] is None
    assert chain[4]["record"]["lifecycle"]["signal"] == "TERM"

    r = verify(vigil_bin, audit)
    assert r.returncode == 0, r.stderr
    assert r.stdout == f"vigil: {audit}: 5 records, intact\n"

    # A second daemon continues the chain.
    start_daemon(start_vigil, sandbox_root, rules, audit).stop()
    assert [x["audit"] for x in links(audit)] == list(range(1, 8))
    assert verify(vigil_bin, audit).returncode == 0


def tampered(audit, tmp_path, name, lines):
    """A copy of the trail and its head, its lines replaced by lines."""
    path = tmp_path / name
    shutil.copy(str(audit) + ".head", str(path) + ".head")
    path.write_text("".join(lines))
    return path


def test_verify_names_the_first_bad_record(vigil_bin, sandbox_root,
                                           start_vigil, tmp_path):
    v, _, audit = frozen_by_rule(start_vigil, sandbox_root, tmp_path)
    v.stop()
    lines = audit.read_text().splitlines(keepends=True)
    assert len(lines) == 4, lines
    edited = list(lines)
    edited[1] = edited[1].replace('"severity":"high"', '"severity":"low"')
    assert edited[1] != lines[1]
    cases = {
        "edit": (edited, 2, "edited"),
        "delete": (lines[:1] + lines[2:], 2, "out of sequence"),
        "reorder": ([lines[0], lines[2], lines[1], lines[3]], 2,
                    "out of sequence"),
        "truncate": (lines[:3], 4, "truncated"),
        "torn": (lines[:3] + [lines[3][:40]], 4, "torn"),
    }
    for name, (content, bad, why) in cases.items():
        path = tampered(audit, tmp_path, name, content)
        r = verify(vigil_bin, path)
        assert r.returncode == 1, (name, r.stdout, r.stderr)
        assert f"{path}: record {bad} (line {bad}): " in r.stderr and \
            why in r.stderr, (name, r.stderr)
    os.unlink(str(audit) + ".head")
    r = verify(vigil_bin, audit)
    assert r.returncode == 1 and "a truncation cannot be told" in r.stderr


# An alert per open, as fast as one core opens: each rotation lands among
# links being written.
HOT_RULE = """
- rule: audit-hot
  description: The rotation test's load opened its file.
  event: open
  when: open.path == {hot}
"""

HOT_LOAD = ("import os, sys\n"
            "while True:\n"
            "    os.close(os.open(sys.argv[1], os.O_RDONLY))\n")


def rotate(tmp_path, audit, pid):
    """packaging/vigil.logrotate's audit stanza, with the test's file and
    the daemon's pid in place of the service."""
    conf = tmp_path / "logrotate.conf"
    conf.write_text(f"{audit} {{\n  rotate 1000\n  nocompress\n"
                    f"  postrotate\n    kill -HUP {pid}\n  endscript\n}}\n")
    r = subprocess.run(["logrotate", "-f", "-s",
                        str(tmp_path / "logrotate.state"), str(conf)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_rotation_under_load_keeps_one_chain(vigil_bin, sandbox_root,
                                             start_vigil, tmp_path):
    rotations = 5
    hot = tmp_path / "hot"
    hot.write_text("x")
    rules = write_rules(tmp_path / "hot.yaml", HOT_RULE.format(hot=hot))
    audit = tmp_path / "audit.log"
    v = start_vigil(sandbox_root, extra_args=["--rules", rules,
                                              "--audit", str(audit)])
    sb = make_sandbox(sandbox_root, "busy")
    load = run_in_cgroup(sb, [PY, "-c", HOT_LOAD, str(hot)])

    def some_links(turn):
        wait_until(lambda: audit.exists() and audit.stat().st_size > 0, 60,
                   f"links in {audit} before turn {turn}")

    for i in range(rotations):
        some_links(i + 1)
        rotate(tmp_path, audit, v.pid)
        assert v.alive(), v.stderr()
    some_links("the last")
    still_loading = load.poll() is None
    load.kill()
    load.wait()
    records = v.stop()
    assert still_loading, "the load ended before the last rotation"

    files = [tmp_path / f"audit.log.{n}" for n in range(rotations, 0, -1)]
    files.append(audit)
    chain = [links(f) for f in files]
    assert all(chain), [len(c) for c in chain]
    r = vigil_cli(vigil_bin, "audit", "verify", *files)
    total = sum(len(c) for c in chain)
    assert r.returncode == 0, r.stderr
    assert r.stdout.endswith(f": {total} records, intact\n"), r.stdout
    # Each file starts where the one before ended.
    for before, after in zip(chain, chain[1:]):
        assert after[0]["audit"] == before[-1]["audit"] + 1
        assert after[0]["prev"] == before[-1]["hash"]
    # Nothing lost: every decision in the output is in the trail, once.
    decided = [x["seq"] for x in records
               if x["type"] in ("alert", "action", "lifecycle")]
    trail = [x["record"]["seq"] for c in chain for x in c]
    print(f"{rotations} rotations, {total} links: {[len(c) for c in chain]}")
    assert trail == decided
    assert [x["record"]["lifecycle"]["event"] for c in chain for x in c
            if x["record"]["type"] == "lifecycle"] == \
        ["start"] + ["reload"] * rotations + ["stop"]
    # A file left out breaks the chain where the next one starts (the
    # record the chain expected there is named).
    r = vigil_cli(vigil_bin, "audit", "verify", *files[:2], *files[3:])
    assert r.returncode == 1
    assert f"{files[3]}: record {chain[1][-1]['audit'] + 1} (line 1): out " \
        "of sequence" in r.stderr, r.stderr
    # The oldest files deleted: the rest checks with --continued.
    r = vigil_cli(vigil_bin, "audit", "verify", "--continued", *files[2:])
    assert r.returncode == 0, r.stderr
    assert r.stdout.endswith(f": records {chain[2][0]['audit']}-"
                             f"{chain[-1][-1]['audit']}, intact\n"), r.stdout
