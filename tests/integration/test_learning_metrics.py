"""What learning and grouped windows do that no record says, in the
Prometheus metrics of a real daemon, scraped over HTTP: a learning
profile's items, the new items it refuses once it holds 100,000, its
saves done and failed and the age of its last good save; a rule's
matches counted in the shared spill window once a sandbox has 1,024
groups live. Every family passes `promtool check metrics`; a learning
profile with no sandbox yet, and a grouped rule that never spilled, are
there from 0."""

import os
import re
import shutil
import signal
import subprocess

from conftest import make_sandbox, run_in_cgroup_ok
from policy_support import PY, ctl, wait_until
from prom_support import free_port, http_get

RULES = """
- profile: coding
  baseline: learn/coding.baseline
  baseline_mode: learn
- profile: idle
  baseline: idle.baseline
  baseline_mode: learn
- rule: opens-per-file
  description: One file opened very often (never, here).
  event: open
  when: open.path contains "/many/"
  window: {count: true, by: open.path, over: 10m, above: 1000000}
  score: 1
- rule: opens-per-comm
  description: A program opening very often (never spills here).
  event: open
  when: open.path contains "/many/"
  window: {count: true, by: proc.comm, over: 10m, above: 1000000}
  score: 1
"""

ITEMS_MAX = 100000
DIRS, PER_DIR = 104, 1000      # 104,000 files: past the cap

# Opens every file once, a directory at a time, pausing between so the
# collector keeps up (a record lost would be an item not offered).
OPENER = r"""
import os, sys, time
top = sys.argv[1]
for d in sorted(os.listdir(top)):
    for name in os.listdir(os.path.join(top, d)):
        open(os.path.join(top, d, name)).close()
    time.sleep(0.02)
"""


def make_files(top):
    for d in range(DIRS):
        sub = top / f"d{d:03}"
        sub.mkdir(parents=True)
        for n in range(PER_DIR):
            (sub / f"f{n:04}").touch()


def scrape(port):
    """{(name, labels): value} of one scrape, after promtool's lint."""
    status, text = http_get(f"http://127.0.0.1:{port}/metrics")
    assert status == 200, text
    lint = subprocess.run(["promtool", "check", "metrics"], input=text,
                          capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    out = {}
    for line in text.splitlines():
        m = re.match(r"^(\w+)(?:\{(.*)\})? (\S+)$", line)
        if m and m.group(1).startswith(("vigil_baseline",
                                        "vigil_window")):
            out[(m.group(1), m.group(2) or "")] = float(m.group(3))
    return out


def learnt(port, name, profile, extra=""):
    return scrape(port).get((name, f'profile="{profile}"{extra}'))


def running(vigil_bin, v):
    r, reply = ctl(vigil_bin, v.control, "baseline", "status", "--json")
    assert r.returncode == 0, r.stderr
    return {x["profile"]: x for x in reply["learning"]}["coding"]["running"]


def test_learning_and_spill_metrics(vigil_bin, sandbox_root, start_vigil,
                                    tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES)
    (tmp_path / "learn").mkdir()
    many = tmp_path / "many"
    make_files(many)
    port = free_port()
    v = start_vigil(sandbox_root, extra_args=(
        "--rules", str(rules), "--metrics", f"127.0.0.1:{port}"))

    first = scrape(port)
    for profile in ("coding", "idle"):
        p = f'profile="{profile}"'
        assert first[("vigil_baseline_items", p)] == 0, first
        assert first[("vigil_baseline_items_refused_total", p)] == 0
        assert first[("vigil_baseline_saves_total", p + ',result="ok"')] == 0
        assert first[("vigil_baseline_saves_total",
                      p + ',result="failed"')] == 0
    for rule in ("opens-per-file", "opens-per-comm"):
        assert first[("vigil_window_spilled_matches_total",
                      f'rule="{rule}"')] == 0, first

    sb = make_sandbox(sandbox_root, "agent", profile="coding")
    run_in_cgroup_ok(sb, [PY, "-c", OPENER, str(many)], timeout=240)
    wait_until(lambda: (learnt(port, "vigil_baseline_items_refused_total",
                               "coding") or 0) > 0, 120,
               "new items refused at the cap, counted")
    now = scrape(port)
    assert now[("vigil_baseline_items", 'profile="coding"')] == ITEMS_MAX
    # 104,000 paths, one group each: all but 1,024 spilled.
    assert now[("vigil_window_spilled_matches_total",
                'rule="opens-per-file"')] > 0, now
    assert now[("vigil_window_spilled_matches_total",
                'rule="opens-per-comm"')] == 0, now
    assert now[("vigil_baseline_items", 'profile="idle"')] == 0, now
    assert ("vigil_baseline_last_save_age_seconds",
            'profile="idle"') not in now, "no learner yet, no age"
    assert "holds 100000 items, its most" in v.stderr()

    # The sandbox's end is saved: a good save, its age since reset.
    before = learnt(port, "vigil_baseline_last_save_age_seconds", "coding")
    assert before is not None and before >= 0
    os.rmdir(sb)
    wait_until(lambda: learnt(port, "vigil_baseline_saves_total", "coding",
                              ',result="ok"') == 1, 60, "the save counted")
    assert (tmp_path / "learn" / "coding.baseline").exists()
    # Learning began before the first of 104,000 opens: the age since
    # the save is shorter than that since learning began.
    after = learnt(port, "vigil_baseline_last_save_age_seconds", "coding")
    assert after < before, (before, after)

    # A reload's new engine starts from none: the rule's count stays (a
    # reload saves what is unsaved first: nothing here).
    spilled = now[("vigil_window_spilled_matches_total",
                   'rule="opens-per-file"')]
    v.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: "rules reloaded" in v.stderr(), 60, "the reload")
    assert scrape(port)[("vigil_window_spilled_matches_total",
                         'rule="opens-per-file"')] == spilled

    # Its directory gone (a file in its place): saving fails, counted.
    sb = make_sandbox(sandbox_root, "agent2", profile="coding")
    run_in_cgroup_ok(sb, ["/usr/bin/id"])
    wait_until(lambda: running(vigil_bin, v) == 1, 30, "agent2 learning")
    shutil.rmtree(tmp_path / "learn")
    (tmp_path / "learn").write_text("not a directory\n")
    r, reply = ctl(vigil_bin, v.control, "baseline", "save", "--json")
    assert r.returncode != 0, r.stdout
    wait_until(lambda: learnt(port, "vigil_baseline_saves_total", "coding",
                              ',result="failed"') == 1, 30,
               "the failed save counted")
    assert learnt(port, "vigil_baseline_saves_total", "coding",
                  ',result="ok"') == 1
    os.rmdir(sb)
