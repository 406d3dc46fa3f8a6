"""Baselines in a live daemon (docs/baseline.md): a profile in learning
mode learns what its sandboxes do into its baseline file (one session a
sandbox, saved on demand and at exit, merged across a restart), then,
switched to detect by a SIGHUP, scores a benign repeat as nothing new and
a novel program or file as anomalies; and a changed baseline file is put
in force by a SIGHUP while sandboxes keep their risk, a broken one
refused with FILE:LINE:COL and the one in force kept."""

import os
import re
import signal
import subprocess

import pytest

from conftest import make_sandbox, run_in_cgroup_ok
from policy_support import ctl_ok, status_of, wait_until


def hangup_and_wait(v, what):
    """SIGHUP, then the daemon's word on the reload (done or refused)."""
    before = v.stderr().count(what)
    v.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: v.stderr().count(what) > before, 60,
               f"'{what}' in the daemon's stderr")


def of_sandbox(v, sandbox, type_):
    return [r for r in v.records()
            if r["type"] == type_ and r.get("sandbox", {}).get("id") == sandbox]


def execs_seen(v, sandbox, program):
    return [r for r in of_sandbox(v, sandbox, "exec")
            if r["exec"]["file"] == program]


LEARN_RULES = """
- profile: coding
  baseline: coding.baseline
  baseline_mode: {mode}
  half_life: 1000h
  anomaly: {{exec: 1, file: 1}}
- rule: workspace-read
  description: The test's workspace file was read.
  event: open
  when: open.path endswith "/ws/src.txt"
  score: 1
"""


def learn_session(v, root, name, workspace):
    sb = make_sandbox(root, name, profile="coding")
    run_in_cgroup_ok(sb, ["/bin/sh", "-c", f"cat {workspace}/src.txt"])
    v.wait_for(lambda r: r["type"] == "alert" and
               r["sandbox"]["id"] == name, what=f"{name}'s alert")
    return sb


def learning_status(vigil_bin, v, save=False):
    reply = ctl_ok(vigil_bin, v.control, "baseline",
                   "save" if save else "status", "--json")
    return {x["profile"]: x for x in reply["learning"]}


def test_learn_live_then_detect(vigil_bin, sandbox_root, start_vigil,
                                tmp_path):
    """Sessions in sandboxes of a learning profile make its baseline
    (rules still run, no anomaly is scored); a restart goes on from the
    file; switched to detect, a benign repeat is nothing new, a program
    never run and a file outside the workspace are anomalies."""
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "src.txt").write_text("code\n")
    outside = tmp_path / "outside.txt"
    outside.write_text("not the agent's\n")
    rules = tmp_path / "coding.yaml"
    rules.write_text(LEARN_RULES.format(mode="learn"))
    baseline = tmp_path / "coding.baseline"
    args = ("--rules", str(rules))

    v = start_vigil(sandbox_root, extra_args=args)
    first = learn_session(v, sandbox_root, "learn0", workspace)
    assert learning_status(vigil_bin, v)["coding"]["running"] == 1
    # A sandbox gone: its session is saved (the tick after).
    os.rmdir(first)
    wait_until(baseline.exists, 30, "the file saved at the sandbox's end")
    st = learning_status(vigil_bin, v)["coding"]
    assert st["running"] == 0 and st["saves"] == 1, st
    assert "profile coding\nsessions 1\n" in baseline.read_text()
    learn_session(v, sandbox_root, "learn1", workspace)
    assert learning_status(vigil_bin, v)["coding"]["running"] == 1
    records = v.stop()      # saved at exit
    assert not [r for r in records if r["type"] == "anomaly"], records
    text = baseline.read_text()
    assert "profile coding\nsessions 2\n" in text, text

    # A new daemon goes on from the file: three sessions in all.
    v = start_vigil(sandbox_root, extra_args=args)
    learn_session(v, sandbox_root, "learn2", workspace)
    st = learning_status(vigil_bin, v, save=True)["coding"]
    assert st["sessions"] == 3 and st["running"] == 1, st
    assert st["dropped"] == 0 and st["saves"] == 1, st
    assert st["file"] == str(baseline) and st["error"] is None, st
    text = baseline.read_text()
    assert st["patterns"] > 2, st
    assert "profile coding\nsessions 3\n" in text, text
    assert re.search(r"^exec /usr/bin/cat parent=/usr/bin/dash "
                     r"sessions=3$", text, re.M), text
    assert re.search(r"^read \S+/ws/src\.txt sessions=3$", text, re.M), text
    assert str(outside) not in text and "perl" not in text
    assert not baseline.with_name(baseline.name + ".new").exists()

    # Detect: the rules reloaded with the profile switched.
    rules.write_text(LEARN_RULES.format(mode="detect"))
    hangup_and_wait(v, "rules reloaded")
    assert learning_status(vigil_bin, v) == {}
    benign = make_sandbox(sandbox_root, "repeat", profile="coding")
    run_in_cgroup_ok(benign, ["/bin/sh", "-c", f"cat {workspace}/src.txt"])
    novel = make_sandbox(sandbox_root, "novel", profile="coding")
    run_in_cgroup_ok(novel, ["/bin/sh", "-c",
                             f"cat {outside}; /usr/bin/perl -e 1"])
    wait_until(lambda: [r for r in of_sandbox(v, "novel", "anomaly")
                        if r["anomaly"]["what"] == "exec"], 30,
               "the novel program's anomaly")
    anomalies = of_sandbox(v, "novel", "anomaly")
    items = {(a["anomaly"]["what"], a["anomaly"]["item"]) for a in anomalies}
    assert ("exec", "/usr/bin/perl parent=/usr/bin/dash") in items, items
    assert ("file", str(outside)) in items, items
    assert all(a["anomaly"]["sessions"] == 3 for a in anomalies), anomalies
    assert execs_seen(v, "repeat", "/usr/bin/cat")
    assert of_sandbox(v, "repeat", "anomaly") == []
    assert of_sandbox(v, "repeat", "alert"), "the rules stopped"


B1 = """vigil-baseline 1
profile coding
sessions 3
exec /usr/bin/cat parent=- sessions=3
exec /usr/bin/env parent=- sessions=3
"""

B2 = """vigil-baseline 1
profile coding
sessions 3
exec /usr/bin/cat parent=- sessions=3
exec /usr/bin/perl parent=- sessions=3
"""

BROKEN = B2 + "exec /usr/bin/id parent=- sessions=many\n"

DETECT_RULES = """
- profile: coding
  baseline: coding.baseline
  half_life: 1000h
  anomaly: {exec: 2, file: 0, connect: 0, listen: 0, syscall: 0, cred: 0,
            rate: 0}
- rule: marker-read
  description: The test's marker file was read.
  event: open
  when: open.path endswith "/marker"
  score: 7
"""


def exec_anomalies(v, sandbox):
    return [r["anomaly"]["item"] for r in of_sandbox(v, sandbox, "anomaly")
            if r["anomaly"]["what"] == "exec"]


def run_and_settle(v, sb, name, argv):
    """Runs argv in the sandbox and waits for its exit record: what it
    raised is in by then."""
    run_in_cgroup_ok(sb, argv)
    wait_until(lambda: execs_seen(v, name, argv[0]), 30,
               f"{argv[0]}'s exec record")


def test_baseline_reload(vigil_bin, sandbox_root, start_vigil, tmp_path):
    """SIGHUP reads a changed baseline: a program that was new is known,
    one that was known is new; the sandbox keeps its risk. A broken file
    is refused (FILE:LINE:COL) and the baseline in force stays."""
    baseline = tmp_path / "coding.baseline"
    baseline.write_text(B1)
    rules = tmp_path / "coding.yaml"
    rules.write_text(DETECT_RULES)
    marker = tmp_path / "marker"
    marker.write_text("x\n")
    v = start_vigil(sandbox_root, extra_args=("--rules", str(rules)))
    sb = make_sandbox(sandbox_root, "agent", profile="coding")

    run_and_settle(v, sb, "agent", ["/usr/bin/env", "--version"])
    run_and_settle(v, sb, "agent", ["/usr/bin/id"])
    run_and_settle(v, sb, "agent", ["/usr/bin/cat", str(marker)])
    wait_until(lambda: of_sandbox(v, "agent", "alert"), 30, "the alert")
    assert exec_anomalies(v, "agent") == ["/usr/bin/id"]
    risk = status_of(vigil_bin, v.control, "agent")["risk"]
    assert risk == pytest.approx(9, abs=0.01)   # 7 + id's 2

    baseline.write_text(B2)
    hangup_and_wait(v, "rules reloaded")
    assert status_of(vigil_bin, v.control, "agent")["risk"] == \
        pytest.approx(risk, abs=0.01)
    run_and_settle(v, sb, "agent", ["/usr/bin/perl", "-e", "1"])
    run_and_settle(v, sb, "agent", ["/usr/bin/env", "--version"])
    wait_until(lambda: "/usr/bin/env" in exec_anomalies(v, "agent"), 30,
               "env's anomaly under the new baseline")
    assert exec_anomalies(v, "agent") == ["/usr/bin/id", "/usr/bin/env"]

    baseline.write_text(BROKEN)
    hangup_and_wait(v, "reload refused")
    assert f"{baseline}:6:27: " in v.stderr(), v.stderr()[-2000:]
    run_and_settle(v, sb, "agent", ["/usr/bin/perl", "-e", "1"])
    run_and_settle(v, sb, "agent", ["/usr/bin/uname"])
    wait_until(lambda: "/usr/bin/uname" in exec_anomalies(v, "agent"), 30,
               "uname's anomaly under the baseline in force")
    assert exec_anomalies(v, "agent") == [
        "/usr/bin/id", "/usr/bin/env", "/usr/bin/uname"]
    assert status_of(vigil_bin, v.control, "agent")["risk"] == \
        pytest.approx(risk + 4, abs=0.01)


def daemon_refused(vigil_bin, sandbox_root, rules, tmp_path):
    """A daemon on these rules that must not start: its run."""
    r = subprocess.run([vigil_bin, "daemon", "--sandbox-root", sandbox_root,
                        "--rules", str(rules), "--output",
                        str(tmp_path / "out.jsonl"), "--control",
                        str(tmp_path / "ctl.sock")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode != 0, r.stderr
    return r


def test_learning_mistakes(vigil_bin, sandbox_root, tmp_path):
    """baseline_mode takes learn or detect, learn needs a file; a file
    there to learn into must read, or the daemon does not start."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("- profile: a\n  baseline_mode: lurn\n  baseline: a.b\n"
                   "- profile: b\n  baseline_mode: learn\n")
    r = subprocess.run([vigil_bin, "rules", "check", str(bad)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1, r.stderr
    assert f"{bad}:2:18: baseline_mode must be learn or detect, not " \
        "'lurn'" in r.stderr, r.stderr
    assert f"{bad}:5:18: baseline_mode learn needs 'baseline: FILE'" \
        in r.stderr, r.stderr

    rules = tmp_path / "learn.yaml"
    rules.write_text(LEARN_RULES.format(mode="learn"))
    broken = tmp_path / "coding.baseline"
    broken.write_text("vigil-baseline 1\nprofile coding\nfrob\n")
    r = daemon_refused(vigil_bin, sandbox_root, rules, tmp_path)
    assert f"{broken}:3:1: unknown line kind 'frob'" in r.stderr, r.stderr
    assert broken.read_text().endswith("frob\n")    # never written over


def test_run_learns(vigil_bin, tmp_path):
    """vigil run learns too: each run a session, merged into the file;
    a replay of its records does not."""
    rules = tmp_path / "coding.yaml"
    rules.write_text(LEARN_RULES.format(mode="learn"))
    baseline = tmp_path / "coding.baseline"
    for n in range(2):
        r = subprocess.run([vigil_bin, "run", "--rules", str(rules),
                            "--profile", "coding", "--output",
                            str(tmp_path / f"run{n}.jsonl"), "--",
                            "/usr/bin/id"],
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        text = baseline.read_text()
        assert f"profile coding\nsessions {n + 1}\n" in text, text
    assert re.search(r"^exec /usr/bin/id parent=- sessions=2$", text,
                     re.M), text
    # A replay learns nothing: rules test leaves the file as it was.
    r = subprocess.run([vigil_bin, "rules", "test", "--rules", str(rules),
                        str(tmp_path / "run0.jsonl")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert baseline.read_text() == text


SHARED_RULES = """
- profile: coding
  baseline: coding.baseline
  baseline_mode: learn
- profile: review
  baseline_mode: {mode}
  baseline: {path}
"""


def test_learning_files_shared(vigil_bin, sandbox_root, start_vigil,
                               tmp_path):
    """Two learning profiles never share a file (each save would write
    over the other's): refused by name, by another spelling and through
    a symlink, with the second profile's FILE:LINE:COL, at start-up and
    by a SIGHUP (which keeps the rules in force). A profile that only
    detects against a learner's file is fine."""
    rules = tmp_path / "learn.yaml"
    (tmp_path / "alias").symlink_to(tmp_path)
    (tmp_path / "coding.baseline").write_text(
        "vigil-baseline 1\nprofile coding\nsessions 0\n")
    (tmp_path / "link.baseline").symlink_to(tmp_path / "coding.baseline")
    for path in ("coding.baseline", f"{tmp_path}//./coding.baseline",
                 "alias/coding.baseline", "link.baseline"):
        rules.write_text(SHARED_RULES.format(mode="learn", path=path))
        r = subprocess.run([vigil_bin, "rules", "check", str(rules)],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 1, (path, r.stderr)
        assert f"{rules}:7:13: profile 'review' learns into " in r.stderr
        assert f"the file profile 'coding' learns into ({rules}:3:13)" \
            in r.stderr, r.stderr
    # Not made yet: the same path spelled two ways is one file too.
    (tmp_path / "coding.baseline").unlink()
    rules.write_text(SHARED_RULES.format(mode="learn",
                                         path="alias/./coding.baseline"))
    r = daemon_refused(vigil_bin, sandbox_root, rules, tmp_path)
    assert f"{rules}:7:13: profile 'review' learns into " in r.stderr, \
        r.stderr

    rules.write_text(SHARED_RULES.format(mode="detect",
                                         path="coding.baseline"))
    r = subprocess.run([vigil_bin, "rules", "check", str(rules)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    rules.write_text(SHARED_RULES.format(mode="learn",
                                         path="review.baseline"))
    v = start_vigil(sandbox_root, extra_args=("--rules", str(rules)))
    rules.write_text(SHARED_RULES.format(mode="learn",
                                         path="alias/coding.baseline"))
    hangup_and_wait(v, "reload refused")
    assert f"{rules}:7:13: profile 'review' learns into {tmp_path}/" \
        "alias/coding.baseline" in v.stderr(), v.stderr()[-2000:]
    # The rules in force stay: review still learns into its own file.
    sb = make_sandbox(sandbox_root, "rev", profile="review")
    run_in_cgroup_ok(sb, ["/usr/bin/true"])
    wait_until(lambda: "review" in learning_status(vigil_bin, v), 30,
               "review's learning")
    st = learning_status(vigil_bin, v, save=True)["review"]
    assert st["file"] == str(tmp_path / "review.baseline"), st
    assert (tmp_path / "review.baseline").exists()
