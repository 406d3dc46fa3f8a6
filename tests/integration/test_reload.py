"""SIGHUP reloads the rules in a running daemon (issue 18): while records
flow, a sandbox keeps the risk, taints and windows it accumulated; a rule
the reload adds fires, one it removes stops firing; a file set it adds is
protected by the kernel at once; a set with a mistake is refused with a
FILE:LINE:COL error and the set in force stays; the reload is a lifecycle
record naming the new set's digest, and counted in the metrics.
"""

import hashlib
import signal
import subprocess
import sys
import textwrap

import pytest

from conftest import check_sanitizers, make_sandbox, run_in_cgroup
from policy_support import status_of, wait_until, write_rules
from prom_support import free_port, http_get

# Records as fast as one core makes them until the test kills it, so each
# reload lands among records.
LOAD = textwrap.dedent("""
    import os
    while True:
        os.close(os.open("/etc/hostname", os.O_RDONLY))
""")

# Risk that barely decays within a test (compared to 0.01), thresholds
# it never reaches.
PROFILE = """
- profile: default
  thresholds: {alert: 1000, freeze: 5000, kill: 10000}
  half_life: 1000h
"""

STAYS = """
- rule: touch-alpha
  description: The test's alpha file was opened.
  event: open
  when: open.path endswith "/reload-alpha"
  score: 10
  taint: alpha-seen
- rule: alpha-burst
  description: The alpha file was opened more than 4 times in an hour.
  event: open
  when: open.path endswith "/reload-alpha"
  window: {count: true, over: 1h, above: 4}
"""

BEFORE = PROFILE + STAYS + """
- rule: touch-beta
  description: The test's beta file was opened (removed by the reload).
  event: open
  when: open.path endswith "/reload-beta"
"""

AFTER = PROFILE + STAYS + """
- rule: touch-gamma
  description: The test's gamma file was opened (added by the reload).
  event: open
  when: open.path endswith "/reload-gamma"
- fileset: reload-secret
  description: A file the reload protects.
  paths: ["{secret}"]
- rule: reload-secret-open
  description: The kernel kills whoever opens the reload's secret.
  event: open
  when: open.fileset == reload-secret
  action: kill
  enforce: kernel
"""

BAD_LINE = 3    # of bad_rules(): the line of the misspelt key


def bad_rules(secret):
    """AFTER with a misspelt key at line BAD_LINE."""
    text = AFTER.replace("{secret}", str(secret)).lstrip("\n").splitlines()
    assert text[BAD_LINE - 1].startswith("  half_life"), text[:BAD_LINE]
    text[BAD_LINE - 1] = "  half_lief: 1000h"
    return "\n".join(text) + "\n"


def digest_of(paths):
    """The set's digest (cli/digest.h): sha256sum's listing, hashed."""
    listing = "".join(
        f"{hashlib.sha256(open(p, 'rb').read()).hexdigest()}  {p}\n"
        for p in paths)
    return hashlib.sha256(listing.encode()).hexdigest()


def alerts(v, rule, sandbox):
    return [r for r in v.records()
            if r["type"] == "alert" and r["alert"]["rule"] == rule
            and r["sandbox"]["id"] == sandbox]


def cat(sb, path):
    """cat PATH in the sandbox; its exit status."""
    p = run_in_cgroup(sb, ["/bin/cat", str(path)],
                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return p.wait(timeout=60)


def reloads_counted(mport, result):
    status, text = http_get(f"http://127.0.0.1:{mport}/metrics")
    assert status == 200, text
    line = f'vigil_reload_total{{result="{result}"}}'
    return [int(float(l.split()[-1])) for l in text.splitlines()
            if l.startswith(line)]


def lifecycle(v, event):
    return [r for r in v.records()
            if r["type"] == "lifecycle" and r["lifecycle"]["event"] == event]


def hangup_and_wait(v, what):
    """SIGHUP, then the daemon's word on the reload (done or refused)."""
    before = v.stderr().count(what)
    v.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: v.stderr().count(what) > before, 60,
               f"'{what}' in the daemon's stderr")


def test_reload_keeps_state_and_applies_the_new_rules(
        start_vigil, sandbox_root, tmp_path):
    files = {n: tmp_path / f"reload-{n}" for n in ("alpha", "beta", "gamma")}
    for f in files.values():
        f.write_text(f"{f.name}\n")
    secret = tmp_path / "reload-secret-file"
    secret.write_text("not for sandboxes\n")
    rules = tmp_path / "rules.yaml"
    write_rules(rules, BEFORE)
    mport = free_port()
    v = start_vigil(sandbox_root, extra_args=[
        "--rules", str(rules), "--metrics", f"127.0.0.1:{mport}",
        "--audit", str(tmp_path / "audit.log")])
    sb = make_sandbox(sandbox_root, "agent")
    other = make_sandbox(sandbox_root, "other")
    load = run_in_cgroup(sb, [sys.executable, "-c", LOAD])

    # Before: three alpha opens (risk 30, a taint, a window at 3 of 4),
    # beta alerts, gamma does not, the secret is readable.
    for _ in range(3):
        assert cat(sb, files["alpha"]) == 0
    assert cat(sb, files["beta"]) == 0
    assert cat(sb, files["gamma"]) == 0
    assert cat(other, secret) == 0
    wait_until(lambda: len(alerts(v, "touch-alpha", "agent")) == 3 and
               alerts(v, "touch-beta", "agent"), 30, "the first alerts")
    before = status_of(v.argv[0], v.control, "agent")
    assert before["risk"] == pytest.approx(30, abs=0.01), before
    assert before["taints"] == ["alpha-seen"], before

    # The reload, among the load's records.
    write_rules(rules, AFTER.replace("{secret}", str(secret)))
    hangup_and_wait(v, "vigil: rules reloaded")
    rec = wait_until(lambda: lifecycle(v, "reload"), 30,
                     "the reload's lifecycle record")[0]
    assert rec["lifecycle"]["rules_sha256"] == digest_of([str(rules)]), rec
    assert [r["name"] for r in rec["lifecycle"]["rules"]] == [str(rules)]
    # counted once the reload is done, just after it says so
    wait_until(lambda: reloads_counted(mport, "ok") == [1], 30,
               'vigil_reload_total{result="ok"} 1')

    # The sandbox's risk and taint stay; its window goes on from 3.
    after = status_of(v.argv[0], v.control, "agent")
    assert after["risk"] == pytest.approx(30, abs=0.01), after
    assert after["taints"] == ["alpha-seen"], after
    assert cat(sb, files["alpha"]) == 0
    assert cat(sb, files["alpha"]) == 0     # the fifth: above 4
    assert cat(sb, files["beta"]) == 0
    assert cat(sb, files["gamma"]) == 0
    wait_until(lambda: alerts(v, "touch-gamma", "agent") and
               alerts(v, "alpha-burst", "agent"), 30,
               "the added rule's alert and the carried window's")
    assert len(alerts(v, "touch-beta", "agent")) == 1, "a removed rule fired"
    assert status_of(v.argv[0], v.control, "agent")["risk"] == \
        pytest.approx(50, abs=0.01)
    # The kernel protects the new file set: the opener dies in open().
    assert cat(other, secret) == -signal.SIGKILL

    # A mistake: refused, named FILE:LINE:COL, the set in force stays.
    rules.write_text(bad_rules(secret))
    hangup_and_wait(v, "reload refused")
    err = v.stderr()
    assert f"{rules}:{BAD_LINE}:3: " in err, err[-2000:]
    wait_until(lambda: reloads_counted(mport, "failed") == [1], 30,
               'vigil_reload_total{result="failed"} 1')
    assert reloads_counted(mport, "ok") == [1]
    assert len(lifecycle(v, "reload")) == 1
    gammas = len(alerts(v, "touch-gamma", "agent"))
    assert cat(sb, files["gamma"]) == 0
    assert cat(sb, files["beta"]) == 0
    wait_until(lambda: len(alerts(v, "touch-gamma", "agent")) > gammas, 30,
               "the rules in force still firing")
    assert len(alerts(v, "touch-beta", "agent")) == 1
    assert v.alive() and load.poll() is None, v.stderr()
    load.kill()
    load.wait()
    v.stop()
    check_sanitizers(v.stderr())
