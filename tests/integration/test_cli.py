"""The command line: `vigil run`, flags, help, version and errors."""

import os
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
    r = vigil(vigil_bin, *run_args(sandbox_root, "labelled"),
              "--label", "agent=x", "--label", "task=t-1=ok",
              "--profile", "strict", "--output", str(out), "--",
              TRUE, "run-marker")
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
