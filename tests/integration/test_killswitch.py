"""The kill-switch: rule matches and risk thresholds freeze or kill a
sandbox for real (cgroup v2 freezer, cgroup.kill), with evidence; the
operator thaws, kills or is refused through the control socket.

Each test writes its own rules into tmp_path; the daemon (or run) has its
own control socket and evidence directory there.
"""

import calendar
import json
import math
import os
import re
import signal
import stat
import time

from conftest import make_sandbox, run_in_cgroup
from policy_support import (  # noqa: F401 (fixtures)
    actions, alerts, assert_stalled, by_seq, cgroup_events, counter_argv,
    ctl, ctl_ok, is_action, is_alert, progress, start_run, status_of,
    wait_frozen, wait_progress, wait_until, write_rules)

FREEZE_RULES = """
- rule: touch-canary
  description: A process opened the canary file.
  event: open
  when: open.path == {canary}
  score: 7
  severity: high
  tags: [test, canary]
  action: {action}
"""


def canary(tmp_path, name="canary"):
    path = os.path.realpath(tmp_path) + f"/{name}"
    with open(path, "w") as f:
        f.write("not a secret\n")
    return path


def freeze_on_open(tmp_path, sandbox_root, start_vigil):
    """A daemon with a rule that freezes the sandbox on opening a canary
    file, and a counting process in sandbox 'sb' that opens it after its
    10th line. Returns (sb dir, daemon, child, counter, canary)."""
    can = canary(tmp_path)
    rules = write_rules(tmp_path / "rules.yaml",
                        FREEZE_RULES.format(canary=can, action="freeze"))
    sb = make_sandbox(sandbox_root, "sb")
    v = start_vigil(sandbox_root, extra_args=["--rules", rules])
    counter = tmp_path / "counter"
    child = run_in_cgroup(sb, counter_argv(counter, can))
    return sb, v, child, counter, can


def check_trigger(v, child, can, rule="touch-canary"):
    """The alert names the rule and the seq of the child's open of the
    canary; returns (alert, open record)."""
    a = v.wait_for(is_alert(rule), what=f"alert {rule}")
    trig = a["alert"]["trigger"]
    assert trig["type"] == "open", a
    o = by_seq(v.records(), trig["seq"])
    assert o["type"] == "open" and o["open"]["path"] == can, o
    assert o["proc"]["pid"] == child.pid, o
    assert a["proc"]["pid"] == child.pid, a
    assert a["sandbox"] == o["sandbox"], a
    assert a["seq"] > o["seq"], (a["seq"], o["seq"])
    return a, o


def test_rule_match_freezes(tmp_path, sandbox_root, start_vigil):
    sb, v, child, counter, can = freeze_on_open(tmp_path, sandbox_root,
                                                start_vigil)
    a, o = check_trigger(v, child, can)
    assert a["alert"]["description"] == "A process opened the canary file."
    assert a["alert"]["severity"] == "high"
    assert a["alert"]["tags"] == ["test", "canary"]
    assert a["alert"]["score"] == 7 and a["alert"]["risk"] == 7, a
    assert a["alert"]["profile"] == "default"
    assert a["alert"]["message"].startswith(f"touch-canary: open {can} by "), a

    act = v.wait_for(is_action("freeze"), what="freeze action")
    x = act["action"]
    assert act["seq"] > a["seq"]
    assert (x["reason"], x["rule"], x["outcome"], x["error"]) == \
        ("rule", "touch-canary", "done", None), x
    assert x["trigger_seq"] == o["seq"], x
    # A freeze's latency: the open to a frozen cgroup.
    assert x["threshold"] is None and 0 <= x["latency_ms"] < 30000, x
    assert x["risk"] == 7 and x["profile"] == "default", x
    assert act["sandbox"]["id"] == "sb" and act["proc"]["pid"] == child.pid

    procs = x["evidence"]["processes"]
    assert x["evidence"]["processes_truncated"] is False
    mine = [p for p in procs if p["pid"] == child.pid]
    assert len(procs) == 1 and len(mine) == 1, procs
    assert mine[0]["argv"] == child.args, mine[0]
    assert mine[0]["exe"] == os.path.realpath(child.args[0]), mine[0]
    assert mine[0]["uid"] == 0 and mine[0]["comm"] == "python3", mine[0]
    assert any(fd["target"] == str(counter) for fd in mine[0]["fds"]), mine[0]

    last = x["last_records"]
    assert 0 < len(last) <= 32, len(last)
    assert [r["seq"] for r in last] == sorted(r["seq"] for r in last)
    assert all(r["sandbox"]["id"] == "sb" for r in last), last
    assert o in last, "the trigger is not among the last records"
    assert last[-1]["seq"] < act["seq"]

    assert cgroup_events(sb) == {"populated": 1, "frozen": 1}
    assert child.poll() is None
    assert progress(counter) > 0
    assert_stalled(counter)

    # Frozen means frozen: no later record from the child.
    later = [r for r in v.records() if r["seq"] > act["seq"]
             and (r.get("proc") or {}).get("pid") == child.pid]
    assert later == [], later


def test_thaw_resumes(vigil_bin, tmp_path, sandbox_root, start_vigil):
    sb, v, child, counter, can = freeze_on_open(tmp_path, sandbox_root,
                                                start_vigil)
    frozen = v.wait_for(is_action("freeze"), what="freeze action")
    wait_frozen(sb)
    assert_stalled(counter, 0.5)

    st = status_of(vigil_bin, v.control, "sb")
    assert st is not None, "sandbox missing from status"
    assert st["state"] == "frozen" and st["level"] == "freeze", st
    assert st["profile"] == "default" and st["cgroup"] == frozen["sandbox"][
        "cgroup"], st
    assert math.isclose(st["risk"], 7, rel_tol=0.01), st
    assert st["procs"] == 1 and st["alerts"] == 1 and st["taints"] == [], st

    r = ctl_ok(vigil_bin, v.control, "thaw", "sb")
    assert r == {"ok": True, "sandbox": "sb", "state": "running"}, r
    thaw = v.wait_for(is_action("thaw"), what="thaw action")
    x = thaw["action"]
    assert (x["reason"], x["rule"], x["outcome"], x["error"]) == \
        ("operator", None, "done", None), x
    assert x["trigger_seq"] is None and "evidence" not in x, x
    assert thaw["seq"] > frozen["seq"]
    assert cgroup_events(sb) == {"populated": 1, "frozen": 0}
    wait_progress(counter)
    assert child.poll() is None

    # A human decided: the risk starts over.
    st = status_of(vigil_bin, v.control, "sb")
    assert st["state"] == "running" and st["level"] == "none", st
    assert st["risk"] == 0 and st["alerts"] == 1, st

    # The table form names the same sandbox and state.
    r, _ = ctl(vigil_bin, v.control, "status")
    assert r.returncode == 0, r.stderr
    head, *rows = r.stdout.splitlines()
    assert head.split() == ["SANDBOX", "PROFILE", "RISK", "STATE", "PROCS"]
    assert [row.split() for row in rows] == [["sb", "default", "0",
                                              "running", "1"]], r.stdout


def test_operator_freeze_and_kill(vigil_bin, tmp_path, sandbox_root,
                                  start_vigil):
    """No rule involved: freeze and kill by hand, each an action record
    with reason operator; a killed sandbox cannot be acted on again."""
    can = canary(tmp_path)
    rules = write_rules(tmp_path / "rules.yaml",
                        FREEZE_RULES.format(canary=can, action="alert"))
    sb = make_sandbox(sandbox_root, "manual")
    v = start_vigil(sandbox_root, extra_args=["--rules", rules])
    counter = tmp_path / "counter"
    child = run_in_cgroup(sb, counter_argv(counter))
    wait_progress(counter)

    r = ctl_ok(vigil_bin, v.control, "freeze", "manual")
    assert r == {"ok": True, "sandbox": "manual", "state": "frozen"}, r
    assert cgroup_events(sb)["frozen"] == 1
    f = v.wait_for(is_action("freeze"), what="freeze action")["action"]
    assert (f["reason"], f["rule"], f["outcome"]) == \
        ("operator", None, "done"), f
    assert [p["pid"] for p in f["evidence"]["processes"]] == [child.pid]
    assert_stalled(counter, 0.5)

    r = ctl_ok(vigil_bin, v.control, "kill", "manual")
    assert r == {"ok": True, "sandbox": "manual", "state": "killed"}, r
    assert cgroup_events(sb)["populated"] == 0
    assert child.wait(timeout=30) == -signal.SIGKILL
    k = v.wait_for(is_action("kill"), what="kill action")["action"]
    assert (k["reason"], k["outcome"], k["error"]) == \
        ("operator", "done", None), k
    assert isinstance(k["latency_ms"], (int, float)) and k["latency_ms"] >= 0
    ex = v.wait_for(lambda r: r["type"] == "exit"
                    and r["proc"]["pid"] == child.pid, what="exit record")
    assert ex["exit"]["signal"] == signal.SIGKILL, ex

    r, reply = ctl(vigil_bin, v.control, "thaw", "manual")
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert reply == {"ok": False, "error": "sandbox 'manual' was killed"}
    assert "vigil: manual: sandbox 'manual' was killed" in r.stderr
    assert alerts(v.records()) == []


def test_kill_ends_vigil_run(tmp_path, sandbox_root, start_run):
    """A kill rule under `vigil run`: the command dies at once, the run
    exits 128+SIGKILL and says so, and the sandbox is gone."""
    can = canary(tmp_path)
    rules = write_rules(tmp_path / "rules.yaml",
                        FREEZE_RULES.format(canary=can, action="kill"))
    run = start_run(sandbox_root, "doomed", ["--rules", rules],
                    ["/bin/sh", "-c", f"cat {can} >/dev/null; sleep 60; :"])
    status, took = run.wait(timeout=120)
    err = run.stderr()
    assert status == 128 + signal.SIGKILL, (status, err)
    assert took < 45, f"the run took {took:.1f}s: the sleep was not killed"
    # The level word (error, warning) is the logger's to choose.
    assert re.search(r"^vigil: (\w+: )?sandbox doomed: killed by vigil "
                     r"\(rule touch-canary, risk 7\)$", err, re.M), err
    assert not os.path.exists(run.dir), "vigil run left its sandbox"

    records = run.final_records()
    opens = [r for r in records if r["type"] == "open"
             and r["open"]["path"] == can]
    assert len(opens) == 1, opens
    kills = actions(records, "kill")
    assert len(kills) == 1, kills
    k = kills[0]["action"]
    assert (k["reason"], k["rule"], k["outcome"], k["error"]) == \
        ("rule", "touch-canary", "done", None), k
    assert k["trigger_seq"] == opens[0]["seq"], k
    assert isinstance(k["latency_ms"], (int, float)), k
    assert 0 < k["latency_ms"] < 30000, k
    assert [a["alert"]["trigger"]["seq"] for a in alerts(records)] == \
        [opens[0]["seq"]]
    # The shell was alive to be killed (the evidence lists it, maybe with
    # a child on its way to exec sleep), and every exit says SIGKILL.
    sh = [r for r in records if r["type"] == "exec"
          and r["exec"]["argv"][:2] == ["/bin/sh", "-c"]]
    assert len(sh) == 1, sh
    procs = k["evidence"]["processes"]
    assert procs[0]["pid"] == sh[0]["proc"]["pid"], procs
    assert procs[0]["argv"] == sh[0]["exec"]["argv"], procs
    exits = {r["proc"]["pid"]: r["exit"] for r in records
             if r["type"] == "exit"}
    for p in procs:
        if p["comm"] == "cat":
            continue    # may have been on its way out already
        assert exits[p["pid"]]["signal"] == signal.SIGKILL, (p, exits)
    # The run's own control socket went with it.
    assert not os.path.exists(run.control)


THRESHOLD_RULES = """
- profile: default
  thresholds: {{alert: 10, freeze: 25, kill: 35}}
  half_life: 1h

- rule: low-a
  description: opened a
  event: open
  when: open.path == {a}
  score: 9
- rule: low-b
  description: opened b
  event: open
  when: open.path == {b}
  score: 9
- rule: low-c
  description: opened c
  event: open
  when: open.path == {c}
  score: 9
- rule: low-sigkill
  description: a process died of SIGKILL
  event: exit
  when: exit.signal == 9
  score: 9
  severity: low
"""


def test_low_scores_add_up(tmp_path, sandbox_root, start_vigil):
    """Four rules of 9 each, none an action alone: the risk crosses the
    alert threshold (10) at the second, freeze (25) at the third, and
    the fourth (the frozen process SIGKILLed by the test) crosses kill
    (35)."""
    a, b, c = (canary(tmp_path, n) for n in "abc")
    rules = write_rules(tmp_path / "rules.yaml",
                        THRESHOLD_RULES.format(a=a, b=b, c=c))
    sb = make_sandbox(sandbox_root, "adds-up")
    v = start_vigil(sandbox_root, extra_args=["--rules", rules])
    counter = tmp_path / "counter"
    child = run_in_cgroup(sb, counter_argv(counter, a, b, c))

    freeze = v.wait_for(is_action("freeze"), what="freeze action")
    wait_frozen(sb)
    assert child.poll() is None
    os.kill(child.pid, signal.SIGKILL)   # our child, frozen: still dies
    assert child.wait(timeout=30) == -signal.SIGKILL
    kill = v.wait_for(is_action("kill"), what="kill action")
    assert cgroup_events(sb)["populated"] == 0

    records = v.records()
    got = alerts(records)
    assert [x["alert"]["rule"] for x in got] == \
        ["low-a", "low-b", "low-c", "low-sigkill"], got
    for i, x in enumerate(got, 1):
        assert x["alert"]["score"] == 9, x
        assert math.isclose(x["alert"]["risk"], 9 * i, rel_tol=0.01), x
    sigkill = by_seq(records, got[3]["alert"]["trigger"]["seq"])
    assert sigkill["type"] == "exit" and sigkill["proc"]["pid"] == child.pid

    acts = actions(records)
    assert [x["action"]["action"] for x in acts] == \
        ["alert", "freeze", "kill"], acts
    assert acts[1] == freeze and acts[2] == kill
    for x, threshold, alert in zip(acts, (10, 25, 35), got[1:]):
        y = x["action"]
        assert (y["reason"], y["rule"], y["threshold"], y["outcome"]) == \
            ("threshold", None, threshold, "done"), y
        assert y["trigger_seq"] == alert["alert"]["trigger"]["seq"], y
        assert x["seq"] > alert["seq"]
        assert math.isclose(y["risk"], alert["alert"]["risk"]), (y, alert)
    assert "evidence" not in acts[0]["action"]
    assert acts[2]["action"]["latency_ms"] > 0


def test_evidence_file_is_the_action_record(vigil_bin, tmp_path,
                                            sandbox_root, start_vigil):
    sb, v, child, counter, can = freeze_on_open(tmp_path, sandbox_root,
                                                start_vigil)
    freeze = v.wait_for(is_action("freeze"), what="freeze action")
    files = sorted(os.listdir(v.evidence_dir))
    assert len(files) == 1 and files[0].endswith("-sb-freeze.json"), files
    path = os.path.join(v.evidence_dir, files[0])
    assert freeze["action"]["evidence_file"] == path
    with open(path) as f:
        text = f.read()
    assert text.endswith("}\n") and text.count("\n") == 1
    assert json.loads(text) == freeze
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(v.evidence_dir).st_mode) == 0o700

    ctl_ok(vigil_bin, v.control, "kill", "sb")
    kill = v.wait_for(is_action("kill"), what="kill action")
    files = sorted(os.listdir(v.evidence_dir))
    assert len(files) == 2 and files[1].endswith("-sb-kill.json"), files
    path = os.path.join(v.evidence_dir, files[1])
    assert kill["action"]["evidence_file"] == path
    with open(path) as f:
        assert json.loads(f.read()) == kill


def test_operator_refused(vigil_bin, tmp_path, make_sandbox_root,
                          start_vigil):
    """Unknown ids and ids that try to leave the sandbox roots are
    refused, and nothing is frozen or killed: not the daemon's sandbox,
    not a cgroup under another root of the test's that the daemon does
    not watch."""
    watched, other = make_sandbox_root(), make_sandbox_root()
    mine = make_sandbox(watched, "mine")
    victim = make_sandbox(other, "victim")
    can = canary(tmp_path)
    rules = write_rules(tmp_path / "rules.yaml",
                        FREEZE_RULES.format(canary=can, action="alert"))
    v = start_vigil(watched, extra_args=["--rules", rules])
    c1, c2 = tmp_path / "c1", tmp_path / "c2"
    p1 = run_in_cgroup(mine, counter_argv(c1))
    p2 = run_in_cgroup(victim, counter_argv(c2))
    wait_progress(c1)
    wait_progress(c2)

    other_name = os.path.basename(other)
    refused = {
        "no-such-sandbox": "no sandbox 'no-such-sandbox' under the "
                           "sandbox roots",
        "../x": 'invalid sandbox id "../x"',
        "..": 'invalid sandbox id ".."',
        f"../{other_name}/victim": "invalid sandbox id",
        "mine/../../" + other_name: "invalid sandbox id",
        "mine/sub": "invalid sandbox id",
    }
    for cmd in ("kill", "freeze", "thaw"):
        for sid, why in refused.items():
            r, reply = ctl(vigil_bin, v.control, cmd, sid)
            assert r.returncode == 1, (cmd, sid, r.stdout, r.stderr)
            assert reply is not None and reply["ok"] is False, r.stdout
            assert why in reply["error"], (cmd, sid, reply)
            assert f"vigil: {sid}: " in r.stderr, r.stderr
    assert actions(v.records()) == []
    for cg, counter, p in ((mine, c1, p1), (victim, c2, p2)):
        assert cgroup_events(cg) == {"populated": 1, "frozen": 0}
        wait_progress(counter)
        assert p.poll() is None

    r, _ = ctl(vigil_bin, tmp_path / "nobody-here.sock", "status")
    assert r.returncode == 1 and "cannot reach the daemon" in r.stderr, r
    r, _ = ctl(vigil_bin, v.control, "kill")
    assert r.returncode == 2, (r.returncode, r.stderr)


TIMEOUT_RULES = """
- profile: default
  freeze_timeout: 1s

- rule: touch-canary
  description: A process opened the canary file.
  event: open
  when: open.path == {canary}
  score: 7
  action: freeze
"""


def test_freeze_timeout_kills(tmp_path, sandbox_root, start_vigil):
    """Nobody decides about a frozen sandbox within the profile's
    freeze_timeout: it is killed, reason freeze-timeout."""
    can = canary(tmp_path)
    rules = write_rules(tmp_path / "rules.yaml",
                        TIMEOUT_RULES.format(canary=can))
    sb = make_sandbox(sandbox_root, "undecided")
    v = start_vigil(sandbox_root, extra_args=["--rules", rules])
    counter = tmp_path / "counter"
    child = run_in_cgroup(sb, counter_argv(counter, can))
    f = v.wait_for(is_action("freeze"), what="freeze action")
    k = v.wait_for(is_action("kill"), timeout=30, what="kill action")
    assert child.wait(timeout=30) == -signal.SIGKILL
    assert cgroup_events(sb)["populated"] == 0
    y = k["action"]
    assert (y["reason"], y["rule"], y["outcome"], y["trigger_seq"]) == \
        ("freeze-timeout", None, "done", None), y
    waited = (iso_ns(k["time"]) - iso_ns(f["time"])) / 1e9
    assert 0.9 <= waited < 20, waited


def iso_ns(t):
    """Nanoseconds since the epoch of a record's time."""
    m = re.match(r"(\d+)-(\d+)-(\d+)T(\d+):(\d+):(\d+)\.(\d{9})Z$", t)
    assert m, t
    *ymdhms, ns = (int(x) for x in m.groups())
    return calendar.timegm(tuple(ymdhms)) * 10**9 + ns


def test_run_frozen_thawed_and_interrupted(vigil_bin, tmp_path, sandbox_root,
                                           start_run):
    """`vigil run` serves its own control socket: its frozen sandbox is
    thawed through it. Interrupted, the run passes the signal on to a
    running command, and kills a frozen one (it could not act on it)."""
    can = canary(tmp_path)
    rules = write_rules(tmp_path / "rules.yaml",
                        FREEZE_RULES.format(canary=can, action="freeze"))
    counter = tmp_path / "counter"
    run = start_run(sandbox_root, "held", ["--rules", rules],
                    counter_argv(counter, can))
    wait_until(lambda: os.path.exists(run.dir) and
               cgroup_events(run.dir)["frozen"] == 1, 30,
               "the run's sandbox frozen")
    assert run.proc.poll() is None
    st = status_of(vigil_bin, run.control, "held")
    assert st["state"] == "frozen" and st["procs"] == 1, st
    ctl_ok(vigil_bin, run.control, "thaw", "held")
    wait_progress(counter)

    run.proc.send_signal(signal.SIGTERM)
    status, _ = run.wait(timeout=60)
    assert status == 128 + signal.SIGTERM, (status, run.stderr())
    assert not os.path.exists(run.dir)

    # Again, frozen by the operator this time, then interrupted.
    counter2 = tmp_path / "counter2"
    run = start_run(sandbox_root, "held2", ["--rules", rules],
                    counter_argv(counter2))
    wait_until(lambda: run.proc.poll() is not None or
               os.path.exists(run.control), 30, "the run's control socket")
    wait_progress(counter2)
    ctl_ok(vigil_bin, run.control, "freeze", "held2")
    assert_stalled(counter2, 0.3)
    run.proc.send_signal(signal.SIGTERM)
    status, took = run.wait(timeout=60)
    assert status == 128 + signal.SIGKILL, (status, run.stderr())
    assert not os.path.exists(run.dir)
    kinds = [(x["action"]["action"], x["action"]["reason"])
             for x in actions(run.final_records())]
    # A frozen command cannot take the signal: the sandbox is killed,
    # and the kill is reported like any other.
    assert kinds == [("freeze", "operator"), ("kill", "operator")], kinds
    assert "killed by vigil (operator" in run.stderr()


def test_nested_cgroups_are_the_sandbox(vigil_bin, tmp_path, sandbox_root,
                                        start_vigil):
    """A process deep in a sandbox's cgroup tree trips the rule: the whole
    sandbox is frozen, the evidence lists processes of every level, and
    a kill empties every level."""
    can = canary(tmp_path)
    rules = write_rules(tmp_path / "rules.yaml",
                        FREEZE_RULES.format(canary=can, action="freeze"))
    sb = make_sandbox(sandbox_root, "tree")
    inner = os.path.join(sb, "a", "b")
    os.makedirs(inner)
    v = start_vigil(sandbox_root, extra_args=["--rules", rules])
    top_counter, deep_counter = tmp_path / "top", tmp_path / "deep"
    top = run_in_cgroup(sb, counter_argv(top_counter))
    wait_progress(top_counter)
    deep = run_in_cgroup(inner, counter_argv(deep_counter, can))

    f = v.wait_for(is_action("freeze"), what="freeze action")
    assert f["sandbox"]["id"] == "tree" and f["proc"]["pid"] == deep.pid
    for cg in (sb, os.path.join(sb, "a"), inner):
        assert cgroup_events(cg)["frozen"] == 1, cg
    before = progress(top_counter), progress(deep_counter)
    time.sleep(0.5)
    assert (progress(top_counter), progress(deep_counter)) == before
    pids = {p["pid"] for p in f["action"]["evidence"]["processes"]}
    assert pids == {top.pid, deep.pid}, f["action"]["evidence"]

    ctl_ok(vigil_bin, v.control, "kill", "tree")
    for p in (top, deep):
        assert p.wait(timeout=30) == -signal.SIGKILL
    for cg in (sb, os.path.join(sb, "a"), inner):
        assert cgroup_events(cg)["populated"] == 0, cg


def test_operator_acts_on_a_sandbox_without_records(
        vigil_bin, tmp_path, sandbox_root, start_vigil):
    """A sandbox whose only process started before vigil and has done
    nothing since: no record names it, yet it can be frozen and killed
    by its id."""
    can = canary(tmp_path)
    rules = write_rules(tmp_path / "rules.yaml",
                        FREEZE_RULES.format(canary=can, action="alert"))
    sb = make_sandbox(sandbox_root, "quiet")
    child = run_in_cgroup(sb, ["/bin/sleep", "120"])
    v = start_vigil(sandbox_root, extra_args=["--rules", rules])
    assert status_of(vigil_bin, v.control, "quiet") is None

    r = ctl_ok(vigil_bin, v.control, "freeze", "quiet")
    assert r["state"] == "frozen", r
    assert cgroup_events(sb)["frozen"] == 1
    f = v.wait_for(is_action("freeze"), what="freeze action")
    assert f["sandbox"]["id"] == "quiet" and "proc" not in f, f
    assert [p["pid"] for p in f["action"]["evidence"]["processes"]] == \
        [child.pid]
    st = status_of(vigil_bin, v.control, "quiet")
    assert (st["state"], st["procs"]) == ("frozen", 1), st

    ctl_ok(vigil_bin, v.control, "kill", "quiet")
    assert child.wait(timeout=30) == -signal.SIGKILL
    assert cgroup_events(sb)["populated"] == 0
    st = status_of(vigil_bin, v.control, "quiet")
    assert (st["state"], st["procs"]) == ("killed", 0), st
