"""Learned baselines (docs/baseline.md): learning from the recorded
corpus (tests/baseline/corpus, made by tests/baseline/record.sh), the
file's checks, show/diff/merge, eval's targets with the rules off and
on, on today's record kinds alone, and a live daemon whose baseline
profile sandbox does something new."""

import gzip
import json
import os
import re
import subprocess

import pytest

from conftest import REPO, make_sandbox, run_in_cgroup_ok

CORPUS = REPO / "tests" / "baseline" / "corpus"
OLD_KINDS = {"exec", "open", "connect", "flow", "syscall", "exit"}


def vigil(vigil_bin, *args, ok=True):
    r = subprocess.run([vigil_bin, *map(str, args)], capture_output=True,
                       text=True, timeout=240)
    if ok:
        assert r.returncode == 0, (args, r.stdout, r.stderr)
    return r


@pytest.fixture
def learnt(vigil_bin, tmp_path):
    out = tmp_path / "coding.baseline"
    vigil(vigil_bin, "baseline", "learn", "--profile", "coding", "-o", out,
          *sorted((CORPUS / "learn").glob("*.jsonl.gz")))
    return out


def eval_lines(stdout):
    """{file: (kind, anomalies, alerts, action)} from eval's table."""
    rows = {}
    for line in stdout.splitlines():
        m = re.match(r"(benign|attack) +(\S+) +anomalies=(\d+) "
                     r"alerts=(\d+) action=(\w+)", line)
        if m:
            rows[m[2]] = (m[1], int(m[3]), int(m[4]), m[5])
    return rows


def sessions(kind):
    return sorted(p.name for p in (CORPUS / kind).glob("*.jsonl.gz"))


def test_learnt_file(learnt):
    """The baseline names its profile and sessions; workspaces under /tmp
    and under a home collapse into globs, secrets stay out, rates are
    robust statistics of every session."""
    text = learnt.read_text()
    assert "vigil-baseline 1\nprofile coding\nsessions 24\n" in text
    assert re.search(r"^write /tmp/\*/\*\* sessions=\d+$", text, re.M)
    assert re.search(r"^write ~/\*/\*\* sessions=\d+$", text, re.M)
    assert re.search(r"^exec /usr/bin/git parent=\S+ sessions=\d+$", text,
                     re.M)
    assert ".aws" not in text and "ws." not in text
    for rate in ("execs_per_min", "opens_per_min", "bytes_out_per_min"):
        assert re.search(rf"^rate {rate} median=\S+ mad=\S+ max=\S+ "
                         r"sessions=24$", text, re.M), rate


def test_eval_baseline_alone(vigil_bin, learnt):
    """Rules off: every attack raises an anomaly, the held-out benign
    sessions stay within the targets, and eval says so with exit 0."""
    r = vigil(vigil_bin, "baseline", "eval", "--baseline", learnt,
              "--benign", CORPUS / "benign", "--attack", CORPUS / "attack",
              "--no-rules")
    rows = eval_lines(r.stdout)
    assert sorted(f for f, v in rows.items() if v[0] == "attack") == \
        sessions("attack")
    assert len([v for v in rows.values() if v[0] == "benign"]) == 24
    for f, (kind, anomalies, alerts, action) in rows.items():
        if kind == "attack":
            assert anomalies >= 1 and alerts == 0, (f, r.stdout)
        else:
            assert action not in ("freeze", "kill"), (f, r.stdout)
    alerted = [f for f, v in rows.items()
               if v[0] == "benign" and v[3] != "none"]
    assert len(alerted) * 20 <= 24, alerted
    assert "targets met" in r.stdout


def test_eval_with_rules_detects_every_attack(vigil_bin, learnt):
    """Rules and baseline: every attack session is detected, and the
    shipped rules keep the held-out toolchain sessions (make, cargo, go,
    npm, pytest, git; workspaces under /tmp too) within the targets."""
    r = vigil(vigil_bin, "baseline", "eval", "--baseline", learnt,
              "--benign", CORPUS / "benign", "--attack", CORPUS / "attack",
              "--rules", "builtin")
    rows = eval_lines(r.stdout)
    attacks = {f: v for f, v in rows.items() if v[0] == "attack"}
    assert sorted(attacks) == sessions("attack")
    assert all(v[1] + v[2] > 0 for v in attacks.values()), r.stdout
    assert f"attack: {len(attacks)} sessions, {len(attacks)} detected" \
        in r.stdout
    assert all(v[3] in ("none", "alert") for f, v in rows.items()
               if v[0] == "benign"), r.stdout
    assert "targets met" in r.stdout


def test_eval_misses_fail(vigil_bin, learnt, tmp_path):
    """A benign session given as an attack is not detected: exit 1."""
    attack = tmp_path / "attack"
    attack.mkdir()
    os.symlink(CORPUS / "benign" / "python-5.jsonl.gz",
               attack / "python-5.jsonl.gz")
    r = vigil(vigil_bin, "baseline", "eval", "--baseline", learnt,
              "--benign", CORPUS / "benign", "--attack", attack,
              "--no-rules", ok=False)
    assert r.returncode == 1, r.stdout
    assert re.search(r"attack +python-5.jsonl.gz .*MISSED", r.stdout)
    assert "targets MISSED" in r.stdout


def test_today_record_kinds_only(vigil_bin, tmp_path):
    """Learnt and scored on exec, open, connect, flow, syscall and exit
    records alone (no file, cred or socket records), the baseline meets
    the same targets."""
    for kind in ("learn", "benign", "attack"):
        (tmp_path / kind).mkdir()
        for src in (CORPUS / kind).glob("*.jsonl.gz"):
            with gzip.open(src, "rt") as i, \
                    open(tmp_path / kind / src.name[:-3], "w") as o:
                o.writelines(line for line in i
                             if json.loads(line)["type"] in OLD_KINDS)
    out = tmp_path / "old.baseline"
    vigil(vigil_bin, "baseline", "learn", "--profile", "coding", "-o", out,
          *sorted((tmp_path / "learn").glob("*.jsonl")))
    assert not re.search(r"^(mkdir|unlink|rename|listen|cred) ",
                         out.read_text(), re.M)
    r = vigil(vigil_bin, "baseline", "eval", "--baseline", out,
              "--benign", tmp_path / "benign", "--attack",
              tmp_path / "attack", "--no-rules")
    assert "targets met" in r.stdout


BAD = """\
vigil-baseline 1
profile coding
read /etc/passwd sessions=3
read etc/relative sessions=1
exec /usr/bin/git sessions=1
connect tcp 10.0.0.300/8:443 sessions=1
rate execs_per_min median=x mad=1 max=2 sessions=1
frobnicate /x sessions=1
read /etc/hosts color=red
"""


def test_bad_file_errors(vigil_bin, tmp_path):
    """Every mistake of a baseline file is FILE:LINE:COL: message, and
    any one refuses the file (show, eval, daemon alike)."""
    path = tmp_path / "bad.baseline"
    path.write_text(BAD)
    r = vigil(vigil_bin, "baseline", "show", path, ok=False)
    assert r.returncode == 1
    got = re.findall(rf"^vigil: error: {re.escape(str(path))}:(\d+):(\d+): ",
                     r.stderr, re.M)
    assert [(int(a), int(b)) for a, b in got] == [
        (4, 6), (5, 1), (6, 13), (7, 20), (8, 1), (9, 17)], r.stderr
    r = vigil(vigil_bin, "baseline", "eval", "--baseline", path,
              "--benign", CORPUS / "benign", "--attack", CORPUS / "attack",
              ok=False)
    assert r.returncode == 1 and f"{path}:4:6:" in r.stderr


def test_show_diff_merge(vigil_bin, tmp_path, learnt):
    """show writes the file back as read; diff names the patterns one
    side lacks; merge holds both sides' patterns."""
    r = vigil(vigil_bin, "baseline", "show", learnt)
    assert r.stdout.splitlines()[1:] == learnt.read_text().splitlines()
    py = tmp_path / "py.baseline"
    vigil(vigil_bin, "baseline", "learn", "--profile", "coding", "-o", py,
          *sorted((CORPUS / "learn").glob("python-*.jsonl.gz")))
    go = tmp_path / "go.baseline"
    vigil(vigil_bin, "baseline", "learn", "--profile", "coding", "-o", go,
          *sorted((CORPUS / "learn").glob("go-*.jsonl.gz")))
    d = vigil(vigil_bin, "baseline", "diff", py, go, ok=False)
    assert d.returncode == 1
    assert re.search(r"^\+ exec /usr/local/go/bin/go ", d.stdout, re.M)
    assert re.search(r"^- exec \S+python3\.11 ", d.stdout, re.M)
    both = tmp_path / "both.baseline"
    vigil(vigil_bin, "baseline", "merge", "-o", both, py, go)
    assert "sessions 8\n" in both.read_text()
    for part in (py, go):    # rates: the wider spread of the two
        d = vigil(vigil_bin, "baseline", "diff", part, both, ok=False)
        assert not re.search(r"^- (?!rate )", d.stdout, re.M), d.stdout
    assert vigil(vigil_bin, "baseline", "diff", both, both).stdout == ""


ANOMALY_RULES = """\
- profile: coding
  baseline: coding.baseline
  anomaly: {exec: 25, file: 1}
- rule: unknown-interpreter
  description: The baseline never saw this program run.
  event: anomaly
  when: anomaly.what == exec and anomaly.item startswith "/usr/bin/perl"
  score: 5
  severity: high
"""


def test_daemon_anomaly(vigil_bin, sandbox_root, start_vigil, tmp_path,
                        learnt):
    """A live daemon: a sandbox of a profile with a baseline runs a
    program no session ran; the anomaly record names it, the nearest
    pattern and the profile's score for it, a rule tests its fields, and
    the score crosses the alert threshold."""
    os.rename(learnt, tmp_path / "coding.baseline")
    rules = tmp_path / "coding.yaml"
    rules.write_text(ANOMALY_RULES)
    sb = make_sandbox(sandbox_root, "agent", profile="coding")
    v = start_vigil(sandbox_root, extra_args=("--rules", "builtin",
                                              "--rules", rules))
    run_in_cgroup_ok(sb, ["/usr/bin/perl", "-e", "1"])
    v.wait_for(lambda r: r["type"] == "action", what="an action")
    records = v.stop()
    anomalies = [r for r in records if r["type"] == "anomaly"]
    # Its parent (the test) is outside the sandbox: the program alone.
    perl = [r for r in anomalies if r["anomaly"]["what"] == "exec"
            and r["anomaly"]["item"] == "/usr/bin/perl"]
    assert perl, anomalies
    a = perl[0]["anomaly"]
    assert a["op"] == "exec" and a["seen"] == 0 and a["sessions"] == 24
    assert a["rarity"] == 1 and a["score"] == 25 and a["profile"] == "coding"
    assert a["nearest"].startswith("/usr/bin/") and a["nearest"] != "-"
    trigger = [r for r in records if r["seq"] == a["trigger"]["seq"]]
    assert trigger and trigger[0]["type"] == a["trigger"]["type"] == "exec"
    alerts = [r for r in records if r["type"] == "alert"]
    assert [x["alert"]["rule"] for x in alerts
            if x["alert"]["trigger"]["type"] == "anomaly"] == \
        ["unknown-interpreter"], alerts
    actions = [r for r in records if r["type"] == "action"]
    assert actions[0]["action"]["action"] == "alert", actions
    assert actions[0]["action"]["reason"] == "threshold"


def test_run_baseline_option(vigil_bin, tmp_path, learnt):
    """vigil run --baseline FILE: a profile the rules do not define gets
    the default profile's place; something new is an anomaly."""
    out = tmp_path / "run.jsonl"
    r = subprocess.run([vigil_bin, "run", "--baseline", str(learnt),
                        "--output", str(out), "--", "/usr/bin/perl", "-e",
                        "1"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    records = [json.loads(x) for x in out.read_text().splitlines()]
    assert any(x["type"] == "anomaly" and x["anomaly"]["item"] ==
               "/usr/bin/perl" for x in records), r.stderr
