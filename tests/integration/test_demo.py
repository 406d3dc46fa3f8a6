"""The README's first command: the rogue-agent demo (scripts/demo.sh) on
the built-in rules and defaults catches the agent and kills its sandbox.
Every rule added since must leave the agent's harmless steps (runuser's
PAM dance, its own build) below the freeze threshold: a freeze would
leave the demo waiting forever."""

import subprocess

from conftest import REPO


def test_demo_kills_the_rogue_agent(vigil_bin):
    p = subprocess.run([str(REPO / "scripts/demo.sh")], cwd=REPO,
                       env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
                            "VIGIL": str(vigil_bin)},
                       capture_output=True, text=True, timeout=300)
    out = p.stdout + p.stderr
    assert p.returncode == 0, out[-6000:]
    assert "exited with status 137" in p.stdout, out[-6000:]
    assert "ACTION  KILL (ssh-private-key-read): done" in p.stdout, out
    assert "KILLED IN THE KERNEL inside open()" in p.stdout, out
    assert "frozen" not in out, out[-6000:]
