"""The audit trail (--audit FILE) of a real daemon: what a rule's freeze,
an operator's kill with --reason, and the daemon's start and stop leave
in it; that the operator's reply comes after the record is in the file;
that a restart continues the chain; and that `vigil audit verify` names
the first bad record for an edit, a deletion, a reordering and a
truncation of the real file."""

import hashlib
import json
import os
import shutil

from conftest import make_sandbox, run_in_cgroup
from policy_support import PY, ctl_ok, is_action, vigil_cli, write_rules

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
