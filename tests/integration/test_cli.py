"""The command line: `vigil run`, flags, help, version and errors."""

import os
import re
import subprocess

import pytest

from conftest import (REPO, check_sanitizers, cgroup2_mount, cgroup_rel,
                      parse_jsonl, read_jsonl)

TRUE = "/usr/bin/true"


def vigil(vigil_bin, *args, timeout=60, **kw):
    r = subprocess.run([vigil_bin, *args], capture_output=True, text=True,
                       stdin=subprocess.DEVNULL, timeout=timeout, **kw)
    check_sanitizers(r.stderr, f"vigil {' '.join(args)[:80]}")
    return r


def run_args(root, sid, *extra):
    return ["run", "--sandbox-root", root, "--sandbox-id", sid, *extra]


def test_run_exit_status(vigil_bin, sandbox_root):
    r = vigil(vigil_bin, *run_args(sandbox_root, "exit7"), "--output",
              os.devnull, "--", "/bin/sh", "-c", "exit 7")
    assert r.returncode == 7, r.stderr
    assert not os.path.exists(os.path.join(sandbox_root, "exit7"))


def test_run_killed_by_signal(vigil_bin, sandbox_root):
    r = vigil(vigil_bin, *run_args(sandbox_root, "killed"), "--output",
              os.devnull, "--", "/bin/sh", "-c", "kill -9 $$")
    assert r.returncode == 128 + 9, r.stderr
    assert not os.path.exists(os.path.join(sandbox_root, "killed"))


def test_run_records_labels_and_profile(vigil_bin, sandbox_root, tmp_path):
    out = tmp_path / "run.jsonl"
    # Without rules a profile is only a label: any name is taken.
    r = vigil(vigil_bin, *run_args(sandbox_root, "labelled"),
              "--label", "agent=x", "--label", "task=t-1=ok",
              "--profile", "strict", "--no-rules", "--output", str(out),
              "--", TRUE, "run-marker")
    assert r.returncode == 0, r.stderr
    sb = os.path.join(sandbox_root, "labelled")
    assert not os.path.exists(sb), "vigil run left its cgroup behind"

    records = read_jsonl(out)
    execs = [x for x in records if x["type"] == "exec"
             and x["exec"]["argv"] == [TRUE, "run-marker"]]
    assert len(execs) == 1, records
    e = execs[0]
    assert e["exec"]["file"] == TRUE and e["exec"]["ret"] == 0
    assert e["sandbox"]["id"] == "labelled"
    assert e["sandbox"]["cgroup"] == cgroup_rel(sb)
    assert e["proc"]["cgroup_id"] == e["sandbox"]["cgroup_id"]
    assert any(x["type"] == "exit" and x["proc"]["pid"] == e["proc"]["pid"]
               and (x["exit"]["code"], x["exit"]["signal"]) == (0, 0)
               for x in records), \
        records
    for x in records:
        if x["sandbox"] is not None:
            assert x["sandbox"]["id"] == "labelled", x
            assert x["sandbox"]["labels"] == {"agent": "x", "task": "t-1=ok"}, x
            assert x["sandbox"]["profile"] == "strict", x
    assert [x["seq"] for x in records] == list(range(1, len(records) + 1))


def test_run_default_root_and_id(vigil_bin, tmp_path):
    """No --sandbox-root/--sandbox-id: <cgroup2 mount>/vigil/run-<pid>.
    vigil creates and removes that cgroup itself; the test touches nothing
    there."""
    out = tmp_path / "run.jsonl"
    p = subprocess.Popen([vigil_bin, "run", "--output", str(out), "--",
                          TRUE, "default-root"], stderr=subprocess.PIPE,
                         stdin=subprocess.DEVNULL, text=True)
    _, err = p.communicate(timeout=60)
    check_sanitizers(err)
    assert p.returncode == 0, err
    sid = f"run-{p.pid}"
    cg = os.path.join(cgroup2_mount(), "vigil", sid)
    assert not os.path.exists(cg), f"{cg} left behind"
    e = [x for x in read_jsonl(out) if x["type"] == "exec"
         and x["exec"]["argv"] == [TRUE, "default-root"]]
    assert len(e) == 1
    assert e[0]["sandbox"]["id"] == sid
    assert e[0]["sandbox"]["cgroup"] == f"/vigil/{sid}"
    assert e[0]["sandbox"]["labels"] == {}
    assert e[0]["sandbox"]["profile"] is None


def test_run_output_to_stdout(vigil_bin, sandbox_root):
    r = vigil(vigil_bin, *run_args(sandbox_root, "stdout"), "--output", "-",
              "--", TRUE, "stdout-marker")
    assert r.returncode == 0, r.stderr
    records, _ = parse_jsonl(r.stdout.encode(), "vigil run stdout")
    assert any(x["type"] == "exec"
               and x["exec"]["argv"] == [TRUE, "stdout-marker"]
               for x in records), records


def _no_run(args, tmp_path):
    """args with TRUE replaced by `touch MARKER`: shows whether CMD ran."""
    marker = tmp_path / "ran"
    argv = [a if a != TRUE else "/usr/bin/touch" for a in args]
    if "--" in argv:
        argv.append(str(marker))
    return argv, marker


@pytest.mark.parametrize("args", [
    ["--no-such-flag"],
    ["no-such-command"],
    ["daemon", "--no-such-flag"],
    ["daemon", "extra-operand"],
    ["run", "--no-such-flag", "--", TRUE],
], ids=lambda a: " ".join(a))
def test_unknown_flag_exit_2_with_usage(vigil_bin, args, tmp_path):
    argv, marker = _no_run(args, tmp_path)
    r = vigil(vigil_bin, *argv)
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert "usage" in r.stderr.lower(), r.stderr
    assert r.stdout == ""
    assert not marker.exists(), "the command ran despite bad flags"


@pytest.mark.parametrize("flag,args", [
    ("--flow-interval", ["daemon", "--flow-interval", "soon"]),
    ("--flow-interval", ["daemon", "--flow-interval", "0"]),
    ("--flow-interval", ["run", "--flow-interval", "-5", "--", TRUE]),
    ("--label", ["run", "--label", "no-equals-sign", "--", TRUE]),
    ("--sandbox-id", ["run", "--sandbox-id", "../escape", "--", TRUE]),
], ids=lambda a: " ".join(a) if isinstance(a, list) else a)
def test_bad_flag_value_exit_2(vigil_bin, flag, args, tmp_path):
    """A malformed flag value is bad usage too (exit 2, not 1), and the
    message names the flag."""
    argv, marker = _no_run(args, tmp_path)
    r = vigil(vigil_bin, *argv)
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert flag in r.stderr, r.stderr
    assert not marker.exists(), "the command ran despite bad flags"


@pytest.mark.parametrize("args", [["run"], ["run", "--"],
                                  ["run", "--label", "a=b", "--"]],
                         ids=lambda a: " ".join(a))
def test_run_missing_command(vigil_bin, args):
    r = vigil(vigil_bin, *args)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert "command" in r.stderr.lower(), r.stderr


def test_help(vigil_bin):
    r = vigil(vigil_bin, "--help")
    assert r.returncode == 0, r.stderr
    assert "daemon" in r.stdout and "run" in r.stdout, r.stdout


def test_version(vigil_bin):
    version = (REPO / "VERSION").read_text().strip()
    r = vigil(vigil_bin, "--version")
    assert r.returncode == 0, r.stderr
    assert version in r.stdout, (version, r.stdout)


@pytest.mark.parametrize("mode", ["daemon", "run"])
@pytest.mark.parametrize("kind", ["not-cgroup2", "missing"])
def test_sandbox_root_must_be_cgroup2(vigil_bin, tmp_path, mode, kind):
    root = tmp_path / "not-a-cgroup"
    if kind == "not-cgroup2":
        root.mkdir()
    marker = tmp_path / "ran"
    if mode == "daemon":
        args = ["daemon", "--sandbox-root", str(root), "--output",
                str(tmp_path / "out.jsonl")]
    else:
        args = ["run", "--sandbox-root", str(root), "--output", os.devnull,
                "--", "/usr/bin/touch", str(marker)]
    r = vigil(vigil_bin, *args)
    assert r.returncode not in (0, None), r
    assert str(root) in r.stderr, r.stderr
    assert "vigil: ready" not in r.stderr
    assert not marker.exists(), "the command ran without its sandbox"
    if kind == "not-cgroup2":
        assert os.listdir(root) == [], "vigil wrote into a non-cgroup dir"


def check_one_line_each(stderr):
    """Every message is one line starting "vigil: ", with nothing a
    terminal would act on: what the user passed is echoed escaped."""
    assert all(x.startswith("vigil: ") for x in stderr.splitlines()), stderr
    assert not [c for c in stderr if ord(c) < 0x20 and c != "\n"], stderr


@pytest.mark.parametrize("flag,value,shown", [
    ("--sandbox-id", "x\nvigil: ready", "x\\nvigil: ready"),
    ("--label", "k\x1b[2J=v", "k\\x1b[2J=v"),
], ids=["newline", "escape"])
def test_bad_flag_value_echoed_escaped(vigil_bin, sandbox_root, tmp_path,
                                       flag, value, shown):
    """A bad value is echoed in the error with its control characters
    escaped: it cannot print a fake "vigil: ready" line of its own."""
    argv, marker = _no_run(run_args(sandbox_root, "ok") +
                           [flag, value, "--", TRUE], tmp_path)
    r = vigil(vigil_bin, *argv)
    assert r.returncode == 2, (r.returncode, r.stderr)
    check_one_line_each(r.stderr)
    assert f'{flag} "{shown}"' in r.stderr, r.stderr
    assert "vigil: ready" not in r.stderr.splitlines()
    assert not marker.exists()


def test_config_errors_capped(vigil_bin, tmp_path):
    """A config file with 40,000 mistakes prints the first 50 and how
    many more there were, not 40,000 lines."""
    conf = tmp_path / "huge.yaml"
    roots = ", ".join(f"/r{i}" for i in range(20000))
    conf.write_text(f"sandbox_roots: [{roots}]\n" +
                    "".join(f"unknown_{i}: 1\n" for i in range(20000)))
    errors = (20000 - 8) + 20000    # roots past the 8th, unknown names
    r = vigil(vigil_bin, "daemon", "--config", str(conf))
    assert r.returncode == 1, r.stderr[-2000:]
    lines = r.stderr.splitlines()
    assert len(lines) == 51, (len(lines), lines[:3], lines[-3:])
    assert all(x.startswith(f"vigil: error: {conf}:") for x in lines)
    assert lines[-1] == f"vigil: error: {conf}: {errors - 50} more " \
        "errors not shown", lines[-1]


PROFILES = """
- profile: alpha
  thresholds: {alert: 10, freeze: 50, kill: 90}
- profile: default
  thresholds: {alert: 20, freeze: 60, kill: 95}
- rule: never
  description: a rule for the profiles to tune
  event: open
  when: open.path == /nonexistent/never
  score: 1
"""


def test_run_unknown_profile_refused(vigil_bin, sandbox_root, tmp_path):
    """With rules on, a --profile they do not define is bad usage, named
    with the known profiles, found before the sandbox is made or a
    program loaded; a known one runs."""
    rules = tmp_path / "profiles.yaml"
    rules.write_text(PROFILES.lstrip())
    argv, marker = _no_run(run_args(sandbox_root, "typo") +
                           ["-v", "--rules", str(rules), "--profile",
                            "alpah", "--output", os.devnull, "--", TRUE],
                           tmp_path)
    r = vigil(vigil_bin, *argv)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert re.search(r'^vigil: error: --profile "alpah": .*known: alpha, '
                     r'default\)$', r.stderr, re.M), r.stderr
    assert "libbpf" not in r.stderr, "loaded before checking --profile"
    assert not marker.exists(), "the command ran with the wrong profile"
    assert not os.path.exists(os.path.join(sandbox_root, "typo"))

    r = vigil(vigil_bin, *run_args(sandbox_root, "known"), "--rules",
              str(rules), "--profile", "alpha", "--output", os.devnull,
              "--", TRUE)
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("mode", ["daemon", "run"])
@pytest.mark.parametrize("kind", ["parent-is-a-file", "not-a-socket",
                                  "too-long"])
def test_bad_control_path_before_loading(vigil_bin, sandbox_root, tmp_path,
                                         mode, kind):
    """A control socket that cannot be made is reported before any BPF
    program is loaded (libbpf says nothing, even with -v), and nothing
    runs."""
    afile = tmp_path / "a-file"
    afile.write_text("")
    path = {"parent-is-a-file": str(afile / "control.sock"),
            "not-a-socket": str(afile),
            "too-long": str(tmp_path / ("s" * 120))}[kind]
    marker = tmp_path / "ran"
    args = ["--sandbox-root", sandbox_root, "--output", os.devnull,
            "--control", path, "-v"]
    if mode == "daemon":
        args = ["daemon", *args]
    else:
        args = ["run", *args, "--", "/usr/bin/touch", str(marker)]
    r = vigil(vigil_bin, *args)
    assert r.returncode == 1, (r.returncode, r.stderr[-3000:])
    assert path in r.stderr, r.stderr[-3000:]
    assert "libbpf" not in r.stderr, "BPF loaded before the check"
    assert "vigil: ready" not in r.stderr
    assert not marker.exists()
    assert afile.read_text() == ""
