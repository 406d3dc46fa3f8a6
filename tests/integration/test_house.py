"""One record per sandbox, from the kernel's record to the action about it:
what the policy acts on is the registry's sandbox (labels and all, not a
copy that loses them), and each record costs one registry lookup, however
many alerts and actions follow it.
"""

import re

from conftest import make_sandbox, run_in_cgroup, run_in_cgroup_ok
from policy_support import (  # noqa: F401 (fixtures)
    counter_argv, is_action, is_alert, write_rules)
from test_killswitch import FREEZE_RULES, canary

ANY_EXEC = """
- rule: any-exec
  description: Every exec, so records cause several alerts.
  event: exec
  when: exec.ret == 0
  score: 0
"""

LABELS = {"team": "red", "session": "s-9f3"}

# Records that the collector makes of another record, not of the kernel's.
MADE = {"alert", "action", "drop"}


def kill_rules(tmp_path):
    can = canary(tmp_path)
    rules = FREEZE_RULES.format(canary=can, action="kill") + ANY_EXEC
    return can, write_rules(tmp_path / "rules.yaml", rules)


def test_action_names_the_sandbox_as_labelled(tmp_path, sandbox_root,
                                              start_vigil):
    can, rules = kill_rules(tmp_path)
    sb = make_sandbox(sandbox_root, "sb", labels=LABELS, profile="default")
    v = start_vigil(sandbox_root, extra_args=["--rules", rules])
    child = run_in_cgroup(sb, counter_argv(tmp_path / "counter", can))
    act = v.wait_for(is_action("kill"), what="kill action")
    alert = v.wait_for(is_alert("touch-canary"), what="alert")
    child.wait(timeout=15)
    for rec in (act, alert):
        assert rec["sandbox"]["id"] == "sb", rec
        assert rec["sandbox"]["labels"] == LABELS, rec["sandbox"]
        assert rec["sandbox"]["profile"] == "default", rec["sandbox"]
    assert act["action"]["outcome"] == "done", act["action"]
    assert alert["seq"] < act["seq"]
    # The evidence file is the action record, labels included.
    assert act["action"]["evidence_file"], act["action"]
    with open(act["action"]["evidence_file"]) as f:
        assert '"team":"red"' in f.read()


def test_one_sandbox_lookup_per_record(tmp_path, sandbox_root, start_vigil):
    _, rules = kill_rules(tmp_path)
    sb = make_sandbox(sandbox_root, "sb")
    v = start_vigil(sandbox_root, extra_args=["--rules", rules])
    for _ in range(20):
        run_in_cgroup_ok(sb, ["/bin/true"])
    v.wait_for(is_alert("any-exec"), what="an alert")
    records = v.stop()
    made = sum(r["type"] in MADE for r in records)
    alerts = sum(r["type"] == "alert" for r in records)
    assert alerts >= 20, alerts
    m = re.search(r"stats records=(\d+) .* sandbox_lookups=(\d+)",
                  v.stderr())
    assert m, v.stderr()
    assert int(m.group(1)) == len(records), (m.group(0), len(records))
    # One lookup per record the kernel (or the flows map) gave: none for
    # the alerts and actions that follow it.
    assert int(m.group(2)) == len(records) - made, \
        (m.group(0), len(records), made)
