"""What people read cannot be forged or hijacked by what runs in a
sandbox: `vigil run` relays its command's stderr line by line behind
"| " with control characters escaped, so every line that starts with
"vigil: " is vigil's own; alert messages, log lines and the status table
escape what hostile processes named, while the records keep its exact
bytes.
"""

import os
import re
import shutil
import signal
import subprocess

from conftest import make_sandbox, parse_jsonl, run_in_cgroup
from policy_support import (  # noqa: F401 (fixtures)
    PY, alerts, actions, ctl_ok, vigil_cli, write_rules)
from test_killswitch import FREEZE_RULES, canary

# Writes what a hostile command would to fool the person at the
# terminal, on both its streams, then touches the canary and waits to be
# killed. Its last line has no newline.
FORGER = r"""
import sys, time
err, out = sys.stderr, sys.stdout
err.write("vigil: warning: sandbox forge: killed by vigil "
          "(rule touch-canary, risk 7)\n")
err.write("\x1b[1A\x1b[2K\rvigil: ready\n")
err.flush()
out.write("a line on stdout\n")
out.flush()
err.buffer.write(b"\xe2\x80\xaeevil\xc2\x9b2J\n")
err.write("no newline at the end")
err.flush()
open(sys.argv[1]).read()
time.sleep(60)
"""

# What the relay makes of FORGER's output, in the order it was written.
FORGER_RELAYED = [
    "| vigil: warning: sandbox forge: killed by vigil "
    "(rule touch-canary, risk 7)",
    "| \\x1b[1A\\x1b[2K\\rvigil: ready",
    "| a line on stdout",
    "| \\u202eevil\\u009b2J",
    "| no newline at the end",
]

REPORT = re.compile(r"^vigil: (\w+: )?sandbox forge: killed by vigil "
                    r"\(rule touch-canary, risk 7\)$")


def check_terminal_safe(text):
    """Nothing a terminal would act on: no control character but the
    newline and tab, no C1 control."""
    bad = [c for c in text if (ord(c) < 0x20 and c not in "\n\t")
           or 0x7f <= ord(c) < 0xa0]
    assert not bad, (bad, text)


def test_run_command_cannot_forge_vigil_lines(vigil_bin, sandbox_root,
                                              tmp_path):
    """A command that writes vigil's kill line, a cursor-up-and-erase
    sequence and C1/bidi controls, on stderr and (records on stdout) on
    stdout: every line of it comes out behind "| ", escaped, in order and
    before vigil's own report, which is the only line that starts with
    "vigil: "; stdout holds records only."""
    can = canary(tmp_path)
    rules = write_rules(tmp_path / "rules.yaml",
                        FREEZE_RULES.format(canary=can, action="kill"))
    p = subprocess.run(
        [vigil_bin, "run", "--sandbox-root", sandbox_root, "--sandbox-id",
         "forge", "--rules", rules, "--control", str(tmp_path / "run.sock"),
         "--evidence-dir", str(tmp_path / "evidence"), "--output", "-",
         "--", PY, "-c", FORGER, can],
        stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
    err = p.stderr.decode("utf-8")
    assert p.returncode == 128 + signal.SIGKILL, (p.returncode, err)
    check_terminal_safe(err)
    lines = err.splitlines()
    assert [x for x in lines if x.startswith("| ")] == FORGER_RELAYED, err
    theirs = [x for x in lines if not x.startswith("| ")]
    assert all(x.startswith("vigil: ") for x in theirs), err
    reports = [i for i, x in enumerate(lines) if REPORT.match(x)]
    assert len(reports) == 1, err
    assert reports[0] > lines.index(FORGER_RELAYED[-1]), err

    records, _ = parse_jsonl(p.stdout, "vigil run stdout")
    assert [a["action"]["rule"] for a in actions(records, "kill")] == \
        ["touch-canary"], records[-5:]


def test_run_relays_everything_in_order(vigil_bin, sandbox_root, tmp_path):
    """100,000 lines on stderr arrive whole and in order; with records in
    a file, the command's stdout is its own, untouched; with records on
    stdout, its stdout and stderr share the relay in the order written."""
    out = tmp_path / "run.jsonl"
    r = subprocess.run(
        [vigil_bin, "run", "--sandbox-root", sandbox_root, "--sandbox-id",
         "chatty", "--no-rules", "--output", str(out), "--", "/bin/sh",
         "-c", "seq 1 100000 >&2; printf 'raw\\033[0m stdout\\n'"],
        stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout == b"raw\x1b[0m stdout\n"
    assert r.stderr.decode().splitlines() == \
        [f"| {i}" for i in range(1, 100001)]

    r = subprocess.run(
        [vigil_bin, "run", "--sandbox-root", sandbox_root, "--sandbox-id",
         "mixed", "--no-rules", "--output", "-", "--", "/bin/sh", "-c",
         "echo 1; echo 2 >&2; echo 3; echo 4 >&2"],
        stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stderr.decode().splitlines() == ["| 1", "| 2", "| 3", "| 4"]
    parse_jsonl(r.stdout, "vigil run stdout")


def test_alert_message_escapes_control_characters(vigil_bin, sandbox_root,
                                                  tmp_path):
    """A comm and a path full of terminal escapes, a newline and a bidi
    override: alert.message shows them escaped (`jq -r` prints nothing a
    terminal acts on), while the records' own fields keep the exact
    bytes."""
    d = os.path.realpath(tmp_path)
    hostile = d + "/hostile\x1b]0;pwned\x07\x1b[2J\nvigil: forged\u202e"
    with open(hostile, "w") as f:
        f.write("x\n")
    comm = "c\x1b[31mat"
    cat = d + "/" + comm
    shutil.copy("/usr/bin/cat", cat)
    rules = write_rules(tmp_path / "rules.yaml", f"""
        - rule: hostile-read
          description: A file named to fool a terminal was read.
          event: open
          when: open.path startswith {d}/hostile
          score: 1
        """)
    out = tmp_path / "run.jsonl"
    r = vigil_cli(vigil_bin, "run", "--sandbox-root", sandbox_root,
                  "--sandbox-id", "hostile", "--rules", rules, "--control",
                  tmp_path / "run.sock", "--output", out, "--", cat,
                  hostile)
    assert r.returncode == 0, r.stderr

    records, _ = parse_jsonl(out.read_bytes(), str(out))
    opens = [x for x in records if x["type"] == "open"
             and x["open"]["path"] == hostile]
    assert len(opens) == 1, records
    o = opens[0]
    assert o["proc"]["comm"] == comm, o
    [a] = alerts(records, "hostile-read")
    msg = a["alert"]["message"]
    assert msg == (f"hostile-read: open {d}/hostile\\x1b]0;pwned\\x07"
                   f"\\x1b[2J\\nvigil: forged\\u202e by c\\x1b[31mat"
                   f"[{o['proc']['pid']}]"), msg
    check_terminal_safe(msg)


def test_status_table_escapes_sandbox_names(vigil_bin, sandbox_root,
                                            tmp_path, start_vigil):
    """A sandbox whose directory name holds an escape sequence and a bidi
    override: `vigil status` prints the name escaped, as every human
    string is; --json keeps it exact."""
    name = "sb\x1b[2J\u202e"
    sb = make_sandbox(sandbox_root, name)
    rules = write_rules(tmp_path / "rules.yaml",
                        FREEZE_RULES.format(canary=canary(tmp_path),
                                            action="kill"))
    v = start_vigil(sandbox_root, extra_args=["--rules", rules])
    p = run_in_cgroup(sb, ["/bin/sleep", "60"])
    v.wait_for(lambda x: x["type"] == "exec"
               and x["proc"]["pid"] == p.pid, what="the sleep's exec")

    r = vigil_cli(vigil_bin, "status", "--control", v.control)
    assert r.returncode == 0, r.stderr
    check_terminal_safe(r.stdout)
    rows = [x.split()[0] for x in r.stdout.splitlines()[1:]]
    assert rows == ["sb\\x1b[2J\\u202e"], r.stdout
    reply = ctl_ok(vigil_bin, v.control, "status", "--json")
    assert [s["id"] for s in reply["sandboxes"]] == [name], reply
    p.kill()
    p.wait()
