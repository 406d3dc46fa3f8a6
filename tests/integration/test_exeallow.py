"""Programs a profile does not list, judged in the kernel (issue 16).

A rule `exec.allowed == false` with enforce: kernel has the kernel match
each exec's resolved path against the profile's allow.executables, which
user space compiled for its matcher (bpf/exeallow.bpf.h). The matcher
must agree with fnmatch(3), flags 0, which is what exec.allowed calls:
each case below is a program in a sandbox that runs when libc's fnmatch
lists it, and is killed before it runs when it does not.
"""

import ctypes
import shutil
import signal

from conftest import make_sandbox, run_in_cgroup
from policy_support import write_rules

LIBC = ctypes.CDLL(None)

GLOBS = ["/usr/*", "{d}/a/t?ol", "{d}/b/[a-c]x[!0-9]", "{d}/c/*/bin/*-tool",
         r"{d}/d/lit\*star", "{d}/e/**", "{d}/f/[[:digit:]]*", "{d}/g/x[]]y",
         r"{d}/h/\[a-"]

# Programs under {d}: the matcher's verdicts are libc's (checked below).
PATHS = ["a/tool", "a/tl", "a/toool", "a/t-ol", "b/ax1", "b/bxz", "b/dxz",
         "c/p/q/bin/my-tool", "c/bin/my-tool", "c/x/bin/tool-x",
         "d/lit*star", "d/litXstar", "e/any/thing", "f/7abc", "f/abc",
         "g/x]y", "g/xay", "h/[a-", "h/a", "h/b"]

RULES = """
- rule: unlisted-kill
  description: a program the profile does not list
  event: exec
  when: exec.allowed == false
  action: kill
  enforce: kernel

- profile: default
  allow:
    executables: [{globs}]
"""


def fnmatch(pattern, path):
    return LIBC.fnmatch(pattern.encode(), path.encode(), 0) == 0


def test_kernel_matcher_agrees_with_fnmatch(start_vigil, sandbox_root,
                                            tmp_path):
    d = tmp_path / "progs"
    globs = [g.format(d=d) for g in GLOBS]
    quoted = ", ".join("'" + g.replace("'", "''") + "'" for g in globs)
    rules = write_rules(tmp_path / "r.yaml", RULES.format(globs=quoted))
    want = {}
    for rel in PATHS:
        path = d / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy("/usr/bin/true", path)
        want[rel] = any(fnmatch(g, str(path)) for g in globs)
    # Both verdicts occur, or the test would prove little.
    assert sorted(set(want.values())) == [False, True], want
    start_vigil(sandbox_root, extra_args=["--rules", rules])
    got = {}
    # A sandbox each: user space kills the whole sandbox of a kill.
    for i, rel in enumerate(PATHS):
        sb = make_sandbox(sandbox_root, f"matcher-{i}")
        status = run_in_cgroup(sb, [str(d / rel)]).wait(timeout=30)
        assert status in (0, -signal.SIGKILL), (rel, status)
        got[rel] = status == 0
    assert got == want
