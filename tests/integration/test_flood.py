"""Under a flood the collector keeps its duties: the ring buffer never
empties, yet the control socket answers and the timers (drop records here)
keep coming, because the collector reads records in bounded batches and
serves the rest between them.
"""

import time

from conftest import make_sandbox, run_in_cgroup
from policy_support import ctl_ok, write_rules

QUIET_RULES = """
- rule: never
  description: Matches nothing; the daemon needs rules for its socket.
  event: open
  when: open.path == /nonexistent/vigil-test
"""

FLOOD_SECONDS = 5
TICK_MS = 250


def test_control_and_timers_during_a_flood(vigil_bin, helpers, tmp_path,
                                           sandbox_root, start_vigil):
    rules = write_rules(tmp_path / "rules.yaml", QUIET_RULES)
    sb = make_sandbox(sandbox_root, "flood")
    # A small ring buffer: full at once, and quick to drain at the stop.
    v = start_vigil(sandbox_root, flow_interval=TICK_MS,
                    extra_args=["--rules", rules, "--ringbuf-mb", "1"])
    target = tmp_path / "target"
    target.write_text("x")
    floods = [run_in_cgroup(sb, [helpers["vtool"], "flood", str(target),
                                 str(FLOOD_SECONDS)])
              for _ in range(2)]
    time.sleep(1)       # the ring buffer is full by now
    answered = 0
    while all(f.poll() is None for f in floods):
        # ctl_ok fails on the client's own 5 s timeout (CTL_TIMEOUT_MS).
        reply = ctl_ok(vigil_bin, v.control, "status", "--json")
        assert any(s["id"] == "flood" for s in reply["sandboxes"]), reply
        answered += 1
        time.sleep(0.5)
    for f in floods:
        assert f.wait(timeout=30) == 0
    records = v.stop()
    drops = [r for r in records if r["type"] == "drop"]
    flood_drops = [d for d in drops[:-1]]       # the last comes at the stop
    assert answered >= 3, answered
    # A tick every 250 ms over 4 s of a full ring: old code reported one
    # drop record, at the end.
    assert len(flood_drops) >= 4, (len(drops), drops[-3:])
