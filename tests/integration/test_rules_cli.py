"""Rule files on the command line: mistakes refused at start-up with
their FILE:LINE:COL, `vigil rules check` and `vigil rules test`."""

import os
import re
import time

import pytest
import yaml

from conftest import REPO, parse_jsonl, read_jsonl
from policy_support import vigil_cli, write_rules

# Several mistakes in one file: each is reported, with its position.
BAD = """
- profile: tight
  thresholds: {alert: 50, freeze: 40, kill: 100}

- rule: r1
  description: d
  event: open
  severty: high
  when: open.path == /a

- rule: r2
  description: d
  event: open
  when: >
    open.path startswith /etc/
    and open.size > 3
  action: explode

- rule: r3
  description: d
  event: [open, teleport]
  when: open.path == /b
"""

# (text on the line, the token the position points at, message)
BAD_ERRORS = [
    ("thresholds:", "{", "thresholds must rise: alert (50) < freeze (40) "
     "< kill (100)"),
    ("severty:", "severty", "unknown key 'severty' in rule"),
    ("and open.size", "open.size", "unknown field or macro 'open.size'"),
    ("action: explode", "explode", "action must be alert, freeze, kill or "
     "ask, not 'explode'"),
    ("event: [open, teleport]", "teleport", "unknown event type 'teleport' "
     "(exec, fork, exit, open, connect, flow, syscall, budget, escape, "
     "drop, repeat, file, cred, socket, dns or anomaly)"),
]


def position(text, line_has, token):
    """1-based (line, column) of token on the first line holding line_has."""
    for n, line in enumerate(text.splitlines(), 1):
        if line_has in line:
            return n, line.index(token) + 1
    raise AssertionError(f"{line_has!r} not in the rule text")


def expected_errors(path, text=None):
    text = text if text is not None else open(path).read()
    return [f"{path}:{line}:{col}: {msg}" for line, col, msg in
            (position(text, has, tok) + (msg,)
             for has, tok, msg in BAD_ERRORS)]


def error_lines(stderr):
    """The FILE:LINE:COL lines of stderr, without the logger's prefix."""
    out = []
    for line in stderr.splitlines():
        for prefix in ("vigil: error: ", "vigil: "):
            if line.startswith(prefix):
                line = line[len(prefix):]
                break
        out.append(line)
    return out


@pytest.fixture
def bad_rules(tmp_path):
    return write_rules(tmp_path / "bad.yaml", BAD)


def check_rejected(r, path, took):
    assert r.returncode == 1, (r.returncode, r.stderr)
    assert took < 30, f"took {took:.1f}s to refuse the rules"
    lines = error_lines(r.stderr)
    for want in expected_errors(path):
        assert want in lines, f"missing {want!r} in:\n{r.stderr}"
    assert "rules rejected: 5 errors" in r.stderr, r.stderr
    assert "vigil: ready" not in r.stderr


def test_daemon_refuses_bad_rules(vigil_bin, sandbox_root, tmp_path,
                                  bad_rules):
    out = tmp_path / "out.jsonl"
    t0 = time.monotonic()
    r = vigil_cli(vigil_bin, "daemon", "--sandbox-root", sandbox_root,
                  "--output", out, "--control", tmp_path / "c.sock",
                  "--evidence-dir", tmp_path / "ev", "--rules", bad_rules)
    check_rejected(r, bad_rules, time.monotonic() - t0)
    assert not (tmp_path / "c.sock").exists()
    assert not out.exists() or out.read_bytes() == b""


def test_run_refuses_bad_rules(vigil_bin, sandbox_root, tmp_path, bad_rules):
    """Nothing runs: no sandbox, no command."""
    marker = tmp_path / "ran"
    t0 = time.monotonic()
    r = vigil_cli(vigil_bin, "run", "--sandbox-root", sandbox_root,
                  "--sandbox-id", "never", "--output", os.devnull,
                  "--control", tmp_path / "c.sock", "--evidence-dir",
                  tmp_path / "ev", "--rules", bad_rules, "--",
                  "/usr/bin/touch", marker)
    check_rejected(r, bad_rules, time.monotonic() - t0)
    assert not marker.exists(), "the command ran despite bad rules"
    assert not os.path.exists(os.path.join(sandbox_root, "never"))


GOOD = """
- list: secret_files
  items: [{secret}]

- macro: reads_secret
  condition: open.path in (secret_files)

- rule: secret-read
  description: The test's fake secret was read.
  event: open
  when: reads_secret
  score: 5
  taint: test-secret
  action: freeze
"""

GOOD_2 = """
- profile: strict
  thresholds: {alert: 5, freeze: 50, kill: 90}

- rule: tainted-exec
  description: A program ran after the secret was read.
  event: exec
  when: sandbox.taint == test-secret and exec.ret == 0
  score: 1
"""


def test_rules_check_good(vigil_bin, tmp_path):
    one = write_rules(tmp_path / "a.yaml", GOOD.format(secret="/x/secret"))
    r = vigil_cli(vigil_bin, "rules", "check", one)
    assert (r.returncode, r.stdout, r.stderr) == \
        (0, "1 rules, 0 profiles, 1 taints: ok\n", ""), r

    # A directory is every *.yaml in it, as one set: a rule may use a
    # taint another file's rule sets.
    d = tmp_path / "rules.d"
    d.mkdir()
    write_rules(d / "10-secret.yaml", GOOD.format(secret="/x/secret"))
    write_rules(d / "20-strict.yaml", GOOD_2)
    (d / "README").write_text("not yaml: [")
    r = vigil_cli(vigil_bin, "rules", "check", d)
    assert (r.returncode, r.stdout, r.stderr) == \
        (0, "2 rules, 1 profiles, 1 taints: ok\n", ""), r

    # Alone, the second file names a taint no rule sets.
    r = vigil_cli(vigil_bin, "rules", "check", d / "20-strict.yaml")
    assert r.returncode == 1 and r.stdout == "", r
    assert "test-secret" in r.stderr and \
        f"{d / '20-strict.yaml'}:" in r.stderr, r.stderr


def test_rules_check_builtin(vigil_bin):
    """Without files: the shipped set, as rules/*.yaml have it."""
    items = [i for f in sorted((REPO / "rules").glob("*.yaml"))
             for i in yaml.safe_load(f.read_text()) or []]
    nrules = sum("rule" in i for i in items)
    nprof = sum("profile" in i for i in items)
    ntaints = len({i["taint"] for i in items if "taint" in i})
    r = vigil_cli(vigil_bin, "rules", "check")
    assert (r.returncode, r.stderr) == (0, ""), r
    assert r.stdout == f"{nrules} rules, {nprof} profiles, {ntaints} " \
        "taints: ok\n", r.stdout


def test_rules_check_bad(vigil_bin, tmp_path, bad_rules):
    good = write_rules(tmp_path / "good.yaml", GOOD.format(secret="/x/s"))
    t0 = time.monotonic()
    r = vigil_cli(vigil_bin, "rules", "check", good, bad_rules)
    check_rejected(r, bad_rules, time.monotonic() - t0)
    assert r.stdout == ""
    assert str(good) not in r.stderr, r.stderr


@pytest.mark.parametrize("text,want", [
    ("- rule: x\n  description: [d\n",
     "3:1: YAML: did not find expected ',' or ']'"),
    ("- rule: x\n  description: d\n  event: open\n  when: open.path == /a\n"
     "---\n- rule: y\n",
     "5:1: a rule file holds one YAML document; this one is a second"),
    ("- rule: x\n  description: d\n  event: open\n"
     "  when: open.path === /a\n",
     "4:21: unknown operator '=' (use == or !=)"),
    ("- rule: x\n  description: d\n  event: open\n  when: open.path == /a\n"
     "  window: {count: true, over: 10s, above: lots}\n",
     "5:43: above must be a whole number (100, 50MiB, ...), not 'lots'"),
    ("- rule: x\n  description: d\n  event: open\n"
     "  when: open.path == /a and exec.ret == 0\n",
     # At the field itself.
     "4:29: rule 'x' can never match: exec.ret is not a field of its "
     "events"),
    ("- rule: x\n  description: d\n  event: exec\n  when: a_macro\n"
     "- macro: a_macro\n  condition: b_macro\n"
     "- macro: b_macro\n  condition: a_macro\n",
     "8:14: in macro 'b_macro': macro 'a_macro' refers to itself"),
], ids=["yaml", "two-documents", "operator", "window", "never-matches",
        "macro-cycle"])
def test_rules_check_positions(vigil_bin, tmp_path, text, want):
    path = tmp_path / "one.yaml"
    path.write_text(text)
    r = vigil_cli(vigil_bin, "rules", "check", path)
    assert r.returncode == 1 and r.stdout == "", r
    lines = [ln for ln in error_lines(r.stderr)
             if ln.startswith(f"{path}:")]
    wants = want if isinstance(want, list) else [want]
    assert lines and lines[0] in [f"{path}:{w}" for w in wants], r.stderr


def test_rules_check_unreadable(vigil_bin, tmp_path):
    r = vigil_cli(vigil_bin, "rules", "check", tmp_path / "missing.yaml")
    assert r.returncode == 1 and r.stdout == "", r
    assert f"{tmp_path / 'missing.yaml'}: No such file or directory" in \
        r.stderr, r.stderr
    r = vigil_cli(vigil_bin, "rules")
    assert r.returncode == 2 and "Usage" in r.stderr, r


@pytest.fixture
def recording(vigil_bin, sandbox_root, tmp_path):
    """A session recorded without rules: a shell reads a fake secret
    twice (two processes) and lists a directory. Returns (path to the
    records, the secret's path, the records)."""
    secret = os.path.realpath(tmp_path) + "/fake-secret"
    with open(secret, "w") as f:
        f.write("AKIAFAKEFAKEFAKE\n")
    rec = tmp_path / "rec.jsonl"
    r = vigil_cli(vigil_bin, "run", "--sandbox-root", sandbox_root,
                  "--sandbox-id", "recorded", "--no-rules", "--output", rec,
                  "--", "/bin/sh", "-c",
                  f"cat {secret} >/dev/null; ls / >/dev/null; "
                  f"cat {secret} >/dev/null")
    assert r.returncode == 0, r.stderr
    records = read_jsonl(rec)
    assert not [x for x in records if x["type"] in ("alert", "action")]
    return rec, secret, records


def secret_opens(records, secret):
    opens = [x for x in records if x["type"] == "open"
             and x["open"]["path"] == secret]
    assert len(opens) == 2, opens
    return opens


def check_replay(stdout, records, secret):
    out, _ = parse_jsonl(stdout.encode(), "vigil rules test stdout")
    opens = secret_opens(records, secret)
    assert [x["type"] for x in out] == ["alert", "action", "alert"], out
    a1, act, a2 = out
    assert a1["alert"]["rule"] == "secret-read"
    assert a1["alert"]["trigger"] == {"seq": opens[0]["seq"], "type": "open"}
    assert a2["alert"]["trigger"] == {"seq": opens[1]["seq"], "type": "open"}
    assert (a1["alert"]["risk"], a2["alert"]["risk"]) == (5, 10), out
    for x, o in ((a1, opens[0]), (a2, opens[1])):
        assert x["sandbox"] == o["sandbox"], x
        assert x["proc"]["pid"] == o["proc"]["pid"], x
    y = act["action"]
    assert (y["action"], y["reason"], y["rule"], y["outcome"]) == \
        ("freeze", "rule", "secret-read", "dry-run"), y
    assert y["trigger_seq"] == opens[0]["seq"], y
    assert y["evidence_file"] is None and "evidence" not in y, y
    assert a1["seq"] < act["seq"], out


def test_rules_test_replays(vigil_bin, tmp_path, recording):
    rec, secret, records = recording
    rules = write_rules(tmp_path / "r.yaml", GOOD.format(secret=secret))
    r = vigil_cli(vigil_bin, "rules", "test", "--rules", rules, rec)
    assert r.returncode == 0, r.stderr
    check_replay(r.stdout, records, secret)
    assert "warning" not in r.stderr, r.stderr

    # From standard input, the same.
    with open(rec) as f:
        r = vigil_cli(vigil_bin, "rules", "test", "--rules", rules, "-",
                      stdin=f)
    assert r.returncode == 0, r.stderr
    check_replay(r.stdout, records, secret)


def test_rules_test_skips_malformed_lines(vigil_bin, tmp_path, recording):
    """Lines that are not records are reported as FILE:LINE and skipped;
    the records around them still replay."""
    rec, secret, records = recording
    lines = rec.read_bytes().splitlines(keepends=True)
    first = secret_opens(records, secret)[0]["seq"]
    junk = [b"garbage\n", b"[1, 2]\n", b'{"seq": 1, "type": "open"\n',
            b'{"schema": "vigil.event.v1", "seq": 3, "type": "open", '
            b'"sandbox": {"id": "x"}}\n', b"\n"]
    # The junk goes just before the first read of the secret.
    at = first - 1
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b"".join(lines[:at] + junk + lines[at:]))
    rules = write_rules(tmp_path / "r.yaml", GOOD.format(secret=secret))
    r = vigil_cli(vigil_bin, "rules", "test", "--rules", rules, bad)
    assert r.returncode == 0, r.stderr
    check_replay(r.stdout, records, secret)
    warned = sorted(int(m) for m in re.findall(
        rf"^vigil: warning: {re.escape(str(bad))}:(\d+): skipped: ",
        r.stderr, re.M))
    # The empty line is no record and no mistake either.
    assert warned == [at + 1, at + 2, at + 3, at + 4], r.stderr


@pytest.mark.parametrize("text", [b"", b"garbage\n{\"x\": 1}\n[1]\n"],
                         ids=["empty", "garbage"])
def test_rules_test_no_records_fails(vigil_bin, tmp_path, text):
    """A file in which no line is a record (the wrong file, or an empty
    one) is an error, said as such: no verdict can be drawn from it."""
    bad = tmp_path / "not-records.jsonl"
    bad.write_bytes(text)
    r = vigil_cli(vigil_bin, "rules", "test", bad)
    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
    assert r.stdout == ""
    assert f"vigil: error: {bad}: no line is a vigil record" in \
        r.stderr.splitlines(), r.stderr


def test_rules_test_bad_rules(vigil_bin, tmp_path, recording, bad_rules):
    rec, _, _ = recording
    r = vigil_cli(vigil_bin, "rules", "test", "--rules", bad_rules, rec)
    check_rejected(r, bad_rules, 0)
    assert r.stdout == ""
    r = vigil_cli(vigil_bin, "rules", "test", tmp_path / "missing.jsonl")
    assert r.returncode == 1 and r.stdout == "", r
    assert "missing.jsonl" in r.stderr, r.stderr
