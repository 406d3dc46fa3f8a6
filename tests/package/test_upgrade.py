"""Upgrades without a gap: version A of the package installed and its
daemon enforcing, version B (the same code, its version bumped) installed
over it, the daemon restarted as the postinst's `systemctl restart`
would (here by the test, which is its parent: see pkg_support), and the
new daemon adopts the pinned state. A protected file stays protected the
whole time: a prober opens it from fresh sandboxes without pause, and
the test opens it itself while no daemon runs at all.
"""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

from pkg_support import (INSTALLED, REPO, built_deb, daemons,  # noqa: F401
                         installed_version, package, sh, version,
                         write_config)
from conftest import (_reap_children, _require_root, _test_deadline,  # noqa: F401
                      helpers, make_sandbox, make_sandbox_root, pin_dir,
                      read_jsonl, sandbox_root)
from policy_support import wait_until, write_rules
from test_enforce import RULES, secrets  # noqa: F401 (fixture)
from test_outlive import open_secret

MAKE = ["make", "--no-print-directory", "-C", str(REPO)]

# Opens the secret from a new sandbox each turn until told to stop, one
# JSON line per try: a single-threaded process of its own, so that the
# test can run dpkg meanwhile.
PROBER = textwrap.dedent("""
    import json, os, subprocess, sys, time
    root, vtool, secret, stop, log = sys.argv[1:]
    n = 0
    with open(log, "a") as out:
        while not os.path.exists(stop):
            sb = os.path.join(root, f"probe-{n}")
            os.mkdir(sb)
            def enter():
                with open(os.path.join(sb, "cgroup.procs"), "w") as f:
                    f.write(str(os.getpid()))
            p = subprocess.run([vtool, "openat", "-", secret, "O_RDONLY", "0"],
                               preexec_fn=enter, capture_output=True,
                               text=True, stdin=subprocess.DEVNULL)
            out.write(json.dumps({"n": n, "status": p.returncode,
                                  "out": p.stdout,
                                  "t": time.monotonic()}) + "\\n")
            out.flush()
            n += 1
            time.sleep(0.02)
""")


def build_next(tmp_path):
    """Version B: this tree built again with a bumped version."""
    v = f"{version()}+upgrade1"
    out = tmp_path / "build-next"
    sh(*MAKE, f"OUTPUT={out}", f"VERSION={v}", "deb")
    arch = sh("dpkg", "--print-architecture").stdout.strip()
    return v, out / f"vigil_{v}_{arch}.deb"


def tries(log):
    try:
        with open(log) as f:
            return [json.loads(line) for line in f]
    except FileNotFoundError:
        return []


def test_upgrade_adopts_the_pins_and_never_stops_enforcing(
        package, daemons, sandbox_root, tmp_path, helpers, secrets):
    v_b, deb_b = build_next(tmp_path)
    package.install(built_deb())
    rules = write_rules(tmp_path / "protect.yaml", RULES.format(d=secrets))
    out = write_config(sandbox_root, tmp_path, rules)
    a = daemons(tmp_path, "a")

    stop, log = tmp_path / "stop-prober", tmp_path / "prober.jsonl"
    prober = subprocess.Popen(
        [sys.executable, "-c", PROBER, sandbox_root, helpers["vtool"],
         str(secrets / "secret"), str(stop), str(log)],
        stdin=subprocess.DEVNULL)
    try:
        wait_until(lambda: len(tries(log)) >= 3, 60, "tries under version A")
        package.install(deb_b)
        assert installed_version() == v_b
        assert sh(INSTALLED, "--version").stdout == f"vigil {v_b}\n"
        # systemctl restart: the old daemon stops (SIGTERM), the new one
        # starts; in between the kernel enforces alone.
        a.stop()
        stopped = time.monotonic()
        sb = make_sandbox(sandbox_root, "no-daemon")
        status, said = open_secret(helpers, sb, secrets)
        assert status == -signal.SIGKILL and said == "", (status, said)
        b = daemons(tmp_path, "b")
        ready = time.monotonic()
        n = len(tries(log))
        wait_until(lambda: len(tries(log)) >= n + 3, 60,
                   "tries under version B")
    finally:
        stop.touch()
        prober.wait(timeout=60)
    b.stop()

    attempts = tries(log)
    window = [t for t in attempts if stopped <= t["t"] <= ready]
    print(f"{len(attempts)} tries, {len(window)} while no daemon ran "
          f"({ready - stopped:.3f} s), plus the test's own")
    assert prober.returncode == 0
    returned = [t for t in attempts if t["status"] != -signal.SIGKILL
                or t["out"]]
    assert not returned, f"the secret was opened: {returned[:5]}"

    records = read_jsonl(out)
    runs = {}
    for r in records:
        runs.setdefault(r["run_id"], []).append(r)
    assert len(runs) == 2, list(runs)
    first, second = runs.values()
    gap = second[0]
    assert gap["type"] == "gap", gap
    g = gap["gap"]
    assert g["previous_run_id"] == first[0]["run_id"], g
    assert g["previous_end"] == "stopped", g
    assert g["previous_seq"] == first[-1]["seq"], (g, first[-1])
    # the new daemon acted on what the kernel did while none ran
    kill = [r for r in second if r["type"] == "action"
            and r["sandbox"]["id"] == "no-daemon"]
    assert kill and kill[0]["action"]["kernel_verdict"] == "sigkill", kill
    assert os.path.isdir(pin_dir(sandbox_root))

    package.purge()
    assert not os.path.exists(pin_dir(sandbox_root)), \
        "purge left the pinned state"
