"""Enforcement outlives the daemon (issue 11, item 4).

`vigil daemon` pins its links and maps in bpffs: with the daemon killed
(SIGKILL) or stopped (SIGTERM), the kernel still kills a sandboxed opener
of a protected file. A restarted daemon adopts the pins, writes a gap
record naming the outage, emits what the pinned ring buffer kept and acts
on it; `vigil unpin` disarms; `vigil run` pins nothing. Every record
carries the run's `run_id`.
"""

import os
import re
import signal
import time

from conftest import make_sandbox, pin_dir, run_in_cgroup
from policy_support import (PY, actions, cgroup_events, is_action, start_run,  # noqa: F401
                            vigil_cli, wait_until, write_rules)
from test_enforce import RULES, run_sandboxed, secrets  # noqa: F401 (fixture)

RUN_ID = re.compile(r"[0-9a-f]{32}")


def start_enforcing(start_vigil, root, tmp_path, secrets):
    rules = write_rules(tmp_path / "outlive.yaml", RULES.format(d=secrets))
    return start_vigil(root, extra_args=["--rules", rules])


def open_secret(helpers, sb, secrets):
    """vtool opens the secret inside sb: (status, what it printed)."""
    status, out, _ = run_sandboxed(
        sb, [helpers["vtool"], "openat", "-", f"{secrets}/secret",
             "O_RDONLY", "0"])
    return status, out


def run_ids(records):
    ids = {r.get("run_id") for r in records}
    assert len(ids) == 1, f"one run_id per run, in every record: {ids}"
    (rid,) = ids
    assert RUN_ID.fullmatch(rid or ""), rid
    return rid


def test_sigkilled_daemon_still_enforces_and_the_next_one_adopts(
        start_vigil, sandbox_root, tmp_path, secrets, helpers):
    v1 = start_enforcing(start_vigil, sandbox_root, tmp_path, secrets)
    warm = make_sandbox(sandbox_root, "t-warm")
    status, _ = open_secret(helpers, warm, secrets)
    assert status == -signal.SIGKILL
    v1.wait_for(is_action("kill"), what="the daemon's kill action")
    first = v1.kill()
    assert v1.returncode == -signal.SIGKILL

    # No daemon: the kernel alone kills the opener before it returns.
    sb = make_sandbox(sandbox_root, "t-orphan")
    sleeper = run_in_cgroup(sb, ["sleep", "600"])
    status, out = open_secret(helpers, sb, secrets)
    assert status == -signal.SIGKILL, out
    assert out == "", f"the task returned from the syscall: {out!r}"
    assert sleeper.poll() is None   # nobody acted on the sandbox yet

    v2 = start_enforcing(start_vigil, sandbox_root, tmp_path, secrets)
    kill = v2.wait_for(lambda r: is_action("kill")(r)
                       and r["sandbox"]["id"] == "t-orphan",
                       what="the kill of the sandbox hit while no daemon ran")
    assert kill["action"]["kernel_verdict"] == "sigkill", kill
    sleeper.wait(timeout=30)
    wait_until(lambda: cgroup_events(sb)["populated"] == 0, 10,
               "an empty sandbox")

    second = v2.stop()
    gap = second[0]
    assert gap["type"] == "gap" and gap["seq"] == 1, gap
    g = gap["gap"]
    assert g["previous_run_id"] == run_ids(first), g
    assert g["previous_end"] == "died", g
    assert g["previous_seq"] <= first[-1]["seq"], g
    assert g["from"] <= g["to"] == gap["time"], g
    assert isinstance(g["lost"], int), g
    # What the pinned ring buffer kept: the open the kernel killed.
    kept = [r for r in second if r["type"] == "open"
            and r["sandbox"]["id"] == "t-orphan"
            and r["open"]["kernel_killed"]]
    assert kept and kept[0]["time"] < gap["time"], kept
    assert run_ids(second) != run_ids(first)


def test_stopped_daemon_still_enforces_until_unpinned(
        start_vigil, sandbox_root, tmp_path, secrets, helpers, vigil_bin):
    v = start_enforcing(start_vigil, sandbox_root, tmp_path, secrets)
    v.stop()
    assert os.path.isdir(pin_dir(sandbox_root))

    sb = make_sandbox(sandbox_root, "t-after-stop")
    status, out = open_secret(helpers, sb, secrets)
    assert status == -signal.SIGKILL and out == "", (status, out)

    r = vigil_cli(vigil_bin, "unpin", "--sandbox-root", sandbox_root)
    assert r.returncode == 0, r.stderr
    assert "removed the pinned programs and maps" in r.stderr, r.stderr
    assert not os.path.exists(pin_dir(sandbox_root))
    status, out = open_secret(helpers, sb, secrets)
    assert status == 0 and out.startswith("ret="), (status, out)

    again = vigil_cli(vigil_bin, "unpin", "--sandbox-root", sandbox_root)
    assert again.returncode == 0 and "nothing pinned" in again.stderr, \
        again.stderr


def test_unpin_refuses_while_the_daemon_runs(start_vigil, sandbox_root,
                                              vigil_bin):
    v = start_vigil(sandbox_root)
    r = vigil_cli(vigil_bin, "unpin", "--sandbox-root", sandbox_root)
    assert r.returncode == 1 and "stop it first" in r.stderr, r.stderr
    assert v.alive() and os.path.isdir(pin_dir(sandbox_root))


def test_vigil_run_pins_nothing(start_run, sandbox_root):
    run = start_run(sandbox_root, "run-unpinned", ["--no-rules"],
                    ["true"])
    status, _ = run.wait()
    assert status == 0, run.stderr()
    run_ids(run.final_records())
    assert not os.path.exists(pin_dir(sandbox_root))


FAIL_CLOSED = """
- profile: closed
  description: sandboxes that must not run unwatched
  fail_closed: 3s
"""

# A sandboxed process that makes a watched call (an open) every 50 ms.
TICKER = [PY, "-c", "import os, time\n"
          "while True:\n"
          "    os.close(os.open('/dev/null', os.O_RDONLY))\n"
          "    time.sleep(0.05)\n"]


def test_fail_closed_profile_stops_when_the_heartbeat_does(
        start_vigil, sandbox_root, tmp_path, secrets):
    """A profile with fail_closed: its sandboxes run while the daemon
    beats (longer than the limit), and the kernel kills their tasks at
    their next watched call once the heartbeat is older than it; a
    sandbox of a profile without it keeps running."""
    rules = write_rules(tmp_path / "closed.yaml",
                        RULES.format(d=secrets) + FAIL_CLOSED)
    v = start_vigil(sandbox_root, extra_args=["--rules", rules])
    closed = run_in_cgroup(make_sandbox(sandbox_root, "t-closed",
                                        profile="closed"), TICKER)
    kept = run_in_cgroup(make_sandbox(sandbox_root, "t-kept"), TICKER)
    time.sleep(4.5)     # past the limit: a live daemon's beat keeps it
    assert closed.poll() is None and kept.poll() is None
    v.kill()
    assert closed.wait(timeout=30) == -signal.SIGKILL
    time.sleep(1)
    assert kept.poll() is None, "a profile without fail_closed was killed"
    kept.kill()
    kept.wait()


def test_fail_closed_below_the_heartbeat_is_refused(vigil_bin, tmp_path):
    rules = write_rules(tmp_path / "short.yaml",
                        FAIL_CLOSED.replace("3s", "1s"))
    r = vigil_cli(vigil_bin, "rules", "check", rules)
    assert r.returncode != 0
    assert f"{rules}:3:16: fail_closed must be 3s or longer" in r.stderr, \
        r.stderr
