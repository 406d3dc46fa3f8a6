"""Human-in-the-loop approvals (issue 16): rules with `action: ask`.

An exec of a program, or an open of a file, of a set a rule asks for is
stopped in the kernel (the task dies inside the syscall: the program
never runs, the file is never read) while the rest of the sandbox runs
on, and becomes a pending request; `vigil approve` grants the file to
the sandbox so that the agent's retry succeeds, `vigil deny` keeps it
refused. Any other asking record freezes the sandbox until decided.
Deadlines, restarts with requests pending and racing decisions are
tested against real daemons; every request and decision is an approval
record in the output and the audit trail.
"""

import errno
import os
import shutil
import signal
import subprocess
import threading

import pytest

from conftest import make_sandbox, run_in_cgroup
from policy_support import (cgroup_events, connect_in, ctl, ctl_ok, sink,
                            start_run, wait_frozen, wait_until,
                            write_rules)  # noqa: F401 (fixtures)

RULES = """
- fileset: ask-files
  description: files a human must allow
  paths: ["{d}/secret*"]

- fileset: ask-bins
  description: programs a human must allow
  paths: ["{d}/asked-bin"]

- rule: test-open-ask
  description: a sandbox wants a file a human must allow
  event: open
  when: open.fileset == ask-files
  action: ask
  enforce: kernel

- rule: test-exec-ask
  description: a sandbox wants to run a program a human must allow
  event: exec
  when: exec.fileset == ask-bins
  action: ask
  enforce: kernel

- rule: test-connect-ask
  description: a sandbox wants a destination its profile does not list
  event: connect
  when: connect.verdict == deny
  action: ask

- rule: test-user-ask
  description: a step only user space sees
  event: exec
  when: exec.name == asked-by-name
  action: ask

- rule: test-unlisted-ask
  description: a sandbox wants to run a program its profile does not list
  event: exec
  when: exec.allowed == false
  action: ask
  enforce: kernel

- profile: default
  approval_timeout: 1h
  egress: deny

- profile: picky
  approval_timeout: 1h
  allow:
    executables: ["/usr/*", "{d}/listed/*"]

- profile: quick
  approval_timeout: 1s

- profile: lenient
  approval_timeout: 1s
  approval_default: allow
"""


@pytest.fixture
def files(tmp_path):
    """A fake secret, a copy of touch(1) as the asked program, and one
    that only a user-space rule asks for."""
    d = tmp_path / "files"
    d.mkdir()
    (d / "secret").write_text("FAKE SECRET FOR VIGIL TESTS\n")
    shutil.copy("/usr/bin/touch", d / "asked-bin")
    shutil.copy("/usr/bin/touch", d / "asked-by-name")
    # For the picky profile: programs it lists, and some it does not.
    (d / "listed").mkdir()
    (d / "unlisted").mkdir()
    shutil.copy("/usr/bin/touch", d / "listed" / "tool")
    shutil.copy("/usr/bin/touch", d / "unlisted" / "tool")
    shutil.copy("/usr/bin/touch", d / "unlisted" / "other")
    return d


class Daemon:
    """A daemon with the test's rules, control socket, approvals
    directory and audit trail; restartable on the same state."""

    def __init__(self, start_vigil, root, tmp_path, files):
        self.start_vigil = start_vigil
        self.root = root
        self.rules = write_rules(tmp_path / "ask.yaml", RULES.format(d=files))
        self.state = tmp_path / "approvals"
        self.audit = tmp_path / "audit.jsonl"
        self.v = None
        self.start()

    def start(self):
        self.v = self.start_vigil(self.root, extra_args=[
            "--rules", self.rules, "--approvals-dir", str(self.state),
            "--audit", str(self.audit)])
        return self.v

    def cli(self, cmd, *args):
        return ctl(self.v.argv[0], self.v.control, cmd, *args)

    def ok(self, cmd, *args):
        return ctl_ok(self.v.argv[0], self.v.control, cmd, *args)

    def approval(self, sid, event, what=None):
        """The first approval record of sandbox sid with this event."""
        return self.v.wait_for(
            lambda r: r["type"] == "approval" and
            r["sandbox"] and r["sandbox"]["id"] == sid and
            r["approval"]["event"] == event and
            (what is None or what(r["approval"])),
            what=f"approval {event} of {sid}")

    def decisions(self, rid):
        return [r for r in self.v.records() if r["type"] == "approval" and
                r["approval"]["id"] == rid and
                r["approval"]["event"] == "decision"]


@pytest.fixture
def daemon(start_vigil, sandbox_root, tmp_path, files):
    return Daemon(start_vigil, sandbox_root, tmp_path, files)


def run_sandboxed(sb, argv, timeout=30):
    p = run_in_cgroup(sb, argv, stdout=subprocess.PIPE,
                      stderr=subprocess.PIPE)
    out, err = p.communicate(timeout=timeout)
    return p.returncode, out.decode(), err.decode()


@pytest.fixture
def sentinel():
    """The rest of a sandbox: a process that must outlive the asks."""
    procs = []

    def start(sb):
        p = run_in_cgroup(sb, ["sleep", "600"])
        procs.append(p)
        return p

    yield start
    for p in procs:
        if p.poll() is None:
            p.kill()
        p.wait()


def exec_asked(d, sb, files, marker):
    """Runs the asked program (it would create marker); its status."""
    status, out, err = run_sandboxed(sb, [str(files / "asked-bin"),
                                          str(marker)])
    return status


def test_exec_ask_holds_in_kernel_then_approval_lets_retry_run(
        daemon, sandbox_root, files, tmp_path, sentinel):
    sid = "ask-exec"
    sb = make_sandbox(sandbox_root, sid)
    rest = sentinel(sb)
    marker = tmp_path / "ran"
    # The program never runs: touch would have made the marker.
    assert exec_asked(daemon, sb, files, marker) == -signal.SIGKILL
    assert not marker.exists()
    req = daemon.approval(sid, "request")["approval"]
    assert (req["step"], req["held"], req["rule"], req["target"]) == \
        ("exec", "kernel", "test-exec-ask", str(files / "asked-bin")), req
    st = os.stat(files / "asked-bin")
    assert (req["dev"], req["ino"]) == (st.st_dev, st.st_ino), req
    # The rest of the sandbox lives on, unfrozen.
    assert rest.poll() is None
    assert cgroup_events(sb)["frozen"] == 0
    # A retry before the decision is refused again, and asks nothing new.
    assert exec_asked(daemon, sb, files, marker) == -signal.SIGKILL
    listed = daemon.ok("approvals", "--json")["approvals"]
    assert [a["id"] for a in listed] == [req["id"]], listed
    assert listed[0]["sandbox"] == sid and listed[0]["step"] == "exec"
    assert "asked-bin" in listed[0]["ancestry"], listed
    reply = daemon.ok("approve", req["id"], "--reason", "build step needs it")
    assert reply["decision"] == "approved", reply
    dec = daemon.decisions(req["id"])
    assert len(dec) == 1, dec
    a = dec[0]["approval"]
    assert (a["decision"], a["by"], a["scope"], a["channel"],
            a["reason"]) == ("approved", "operator", "sandbox", "cli",
                             "build step needs it"), a
    assert a["operator"]["uid"] == 0, a
    # The retry runs.
    assert exec_asked(daemon, sb, files, marker) == 0
    assert marker.exists()
    assert rest.poll() is None
    # Every request and decision is in the audit trail.
    daemon.v.stop()
    r = subprocess.run([daemon.v.argv[0], "audit", "verify",
                        str(daemon.audit)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    trail = daemon.audit.read_text()
    assert trail.count(f'"id":"{req["id"]}"') == 2, trail[-2000:]


def test_open_ask_file_never_read_then_denial_keeps_it_refused(
        daemon, sandbox_root, files, helpers, sentinel):
    sid = "ask-open"
    sb = make_sandbox(sandbox_root, sid)
    rest = sentinel(sb)
    argv = [helpers["vtool"], "openat", "-", str(files / "secret"),
            "O_RDONLY", "0"]
    status, out, err = run_sandboxed(sb, argv)
    # vtool prints ret=N after the call: it never returned.
    assert status == -signal.SIGKILL and out == "", (status, out, err)
    req = daemon.approval(sid, "request")["approval"]
    assert (req["step"], req["held"]) == ("open", "kernel"), req
    reply = daemon.ok("deny", req["id"], "--reason", "no secrets")
    assert reply["decision"] == "denied"
    status, out, err = run_sandboxed(sb, argv)
    assert status == -signal.SIGKILL and out == "", (status, out)
    assert rest.poll() is None
    # A denial may not be taken back: the request is decided.
    r, reply = daemon.cli("approve", req["id"], "--reason", "changed mind")
    assert r.returncode == 1 and "no pending request" in reply["error"]
    # The denial stands; a new retry asks again, as a new request.
    daemon.approval(sid, "request", lambda a: a["id"] != req["id"])


def test_open_ask_approved_retry_reads(daemon, sandbox_root, files, helpers):
    sid = "ask-open-ok"
    sb = make_sandbox(sandbox_root, sid)
    argv = [helpers["vtool"], "openat", "-", str(files / "secret"),
            "O_RDONLY", "0"]
    assert run_sandboxed(sb, argv)[0] == -signal.SIGKILL
    req = daemon.approval(sid, "request")["approval"]
    daemon.ok("approve", req["id"], "--reason", "fixture data",
              "--ttl", "1h")
    status, out, err = run_sandboxed(sb, argv)
    assert status == 0 and out.startswith("ret="), (status, out, err)
    assert not out.startswith("ret=-"), out
    a = daemon.decisions(req["id"])[0]["approval"]
    assert a["ttl_s"] == 3600, a
    # Another sandbox has no such grant.
    other = make_sandbox(sandbox_root, "ask-open-other")
    assert run_sandboxed(other, argv)[0] == -signal.SIGKILL


def test_decisions_need_a_reason(daemon):
    r, _ = daemon.cli("approve", "0000abcd")
    assert r.returncode == 2 and "--reason" in r.stderr, r.stderr


def test_timeout_denies_by_default(daemon, sandbox_root, files, tmp_path):
    sid = "ask-quick"
    sb = make_sandbox(sandbox_root, sid, profile="quick")
    marker = tmp_path / "ran"
    assert exec_asked(daemon, sb, files, marker) == -signal.SIGKILL
    req = daemon.approval(sid, "request")["approval"]
    dec = daemon.approval(sid, "decision")["approval"]
    assert (dec["id"], dec["decision"], dec["by"], dec["operator"]) == \
        (req["id"], "denied", "timeout", None), dec
    assert exec_asked(daemon, sb, files, marker) == -signal.SIGKILL
    assert not marker.exists()


def test_timeout_allows_when_the_profile_says_so(daemon, sandbox_root,
                                                 files, tmp_path):
    sid = "ask-lenient"
    sb = make_sandbox(sandbox_root, sid, profile="lenient")
    marker = tmp_path / "ran"
    assert exec_asked(daemon, sb, files, marker) == -signal.SIGKILL
    dec = daemon.approval(sid, "decision")["approval"]
    assert (dec["decision"], dec["by"]) == ("approved", "timeout"), dec
    assert exec_asked(daemon, sb, files, marker) == 0
    assert marker.exists()


def test_concurrent_decisions_exactly_one_wins(daemon, sandbox_root, files,
                                               tmp_path):
    sid = "ask-race"
    sb = make_sandbox(sandbox_root, sid)
    assert exec_asked(daemon, sb, files, tmp_path / "m") == -signal.SIGKILL
    rid = daemon.approval(sid, "request")["approval"]["id"]
    results = [None] * 12
    go = threading.Barrier(len(results))

    def decide(i):
        go.wait()
        verb = "approve" if i % 2 else "deny"
        results[i] = (verb, daemon.cli(verb, rid, "--reason", f"racer {i}"))

    threads = [threading.Thread(target=decide, args=(i,))
               for i in range(len(results))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    won = [(verb, r) for verb, (r, _) in results if r.returncode == 0]
    lost = [reply for _, (r, reply) in results if r.returncode != 0]
    assert len(won) == 1, results
    assert all("no pending request" in x["error"] for x in lost), lost
    dec = daemon.decisions(rid)
    assert len(dec) == 1, dec
    verb = won[0][0]
    assert dec[0]["approval"]["decision"] == \
        ("approved" if verb == "approve" else "denied"), dec
    want = 0 if verb == "approve" else -signal.SIGKILL
    assert exec_asked(daemon, sb, files, tmp_path / "m") == want


def test_restart_restores_pending_and_decides_lapsed(daemon, sandbox_root,
                                                     files, tmp_path):
    keep = make_sandbox(sandbox_root, "ask-keep")
    lapse = make_sandbox(sandbox_root, "ask-lapse", profile="quick")
    assert exec_asked(daemon, keep, files, tmp_path / "a") == -signal.SIGKILL
    kept = daemon.approval("ask-keep", "request")["approval"]
    # The quick profile's request: its deadline passes while the next
    # daemon is not yet there, or at its first tick: decided either way.
    daemon.v.kill()
    assert exec_asked(daemon, lapse, files, tmp_path / "b") == \
        -signal.SIGKILL
    daemon.start()
    restored = daemon.approval("ask-keep", "restored")["approval"]
    assert restored["id"] == kept["id"], restored
    listed = daemon.ok("approvals", "--json")["approvals"]
    assert kept["id"] in [a["id"] for a in listed], listed
    daemon.ok("approve", kept["id"], "--reason", "after restart")
    assert exec_asked(daemon, keep, files, tmp_path / "a") == 0
    # The kernel's record of the lapsed sandbox's attempt was kept in the
    # pinned ring buffer: the new daemon asks, and its timeout denies.
    dec = daemon.approval("ask-lapse", "decision")["approval"]
    assert (dec["decision"], dec["by"]) == ("denied", "timeout"), dec


def test_restart_with_a_lapsed_request_records_its_timeout(
        daemon, sandbox_root, files, tmp_path):
    sb = make_sandbox(sandbox_root, "ask-down", profile="quick")
    daemon.v.stop()
    # A request the last daemon saved whose deadline passed while no
    # daemon ran: the state file is the record of it.
    daemon.start()
    assert exec_asked(daemon, sb, files, tmp_path / "a") == -signal.SIGKILL
    req = daemon.approval("ask-down", "request")["approval"]
    daemon.v.kill()
    state = (daemon.state / "state.json").read_text()
    assert req["id"] in state
    daemon.start()
    daemon.approval("ask-down", "restored",
                    lambda a: a["id"] == req["id"])
    dec = daemon.approval("ask-down", "decision")["approval"]
    assert (dec["id"], dec["by"]) == (req["id"], "timeout"), dec
    assert req["id"] not in (daemon.state / "state.json").read_text()


def test_scope_profile_is_kept_in_the_overlay(daemon, sandbox_root, files,
                                              tmp_path):
    one = make_sandbox(sandbox_root, "ask-prof-1")
    assert exec_asked(daemon, one, files, tmp_path / "a") == -signal.SIGKILL
    rid = daemon.approval("ask-prof-1", "request")["approval"]["id"]
    daemon.ok("approve", rid, "--scope", "profile", "--reason", "ok for all")
    overlay = daemon.state / "profile-default.json"
    assert str(files / "asked-bin") in overlay.read_text()
    assert oct(os.stat(overlay).st_mode & 0o777) == "0o600"
    daemon.v.stop()
    daemon.start()
    # A new sandbox of the profile, under a new daemon: allowed.
    two = make_sandbox(sandbox_root, "ask-prof-2")
    assert exec_asked(daemon, two, files, tmp_path / "b") == 0
    # Another profile's sandbox is not, once the daemon has placed it
    # under its profile (until its first record, a sandbox has the
    # default profile's kernel policy: README, "In the kernel first").
    three = make_sandbox(sandbox_root, "ask-prof-3", profile="quick")
    run_sandboxed(three, ["true"])
    daemon.v.wait_for(lambda r: r["type"] == "exec" and
                      r["sandbox"]["id"] == "ask-prof-3",
                      what="a first record of ask-prof-3")
    assert exec_asked(daemon, three, files, tmp_path / "c") == \
        -signal.SIGKILL


def test_user_space_ask_freezes_then_thaws_or_kills(daemon, sandbox_root,
                                                    files, tmp_path,
                                                    sentinel):
    """The step already happened when user space saw it: the sandbox is
    frozen where it stands (its program may be frozen before it ends)."""
    ok = make_sandbox(sandbox_root, "ask-freeze-ok")
    sentinel(ok)
    step = run_in_cgroup(ok, [str(files / "asked-by-name"),
                              str(tmp_path / "x")])
    req = daemon.approval("ask-freeze-ok", "request")["approval"]
    assert (req["step"], req["held"]) == ("freeze", "freeze"), req
    wait_frozen(ok)
    daemon.ok("approve", req["id"], "--reason", "looked fine")
    wait_frozen(ok, 0)
    assert step.wait(timeout=30) == 0
    no = make_sandbox(sandbox_root, "ask-freeze-no")
    rest = sentinel(no)
    step = run_in_cgroup(no, [str(files / "asked-by-name"),
                              str(tmp_path / "y")])
    req = daemon.approval("ask-freeze-no", "request")["approval"]
    wait_frozen(no)
    daemon.ok("deny", req["id"], "--reason", "not that")
    wait_until(lambda: cgroup_events(no)["populated"] == 0, 10,
               "an empty sandbox")
    rest.wait(timeout=10)
    step.wait(timeout=10)
    kill = daemon.v.wait_for(
        lambda r: r["type"] == "action" and
        r["sandbox"]["id"] == "ask-freeze-no" and
        r["action"]["action"] == "kill", what="the denial's kill")
    assert kill["action"]["operator"]["reason"] == "not that", kill


def test_connect_ask_holds_until_approved(daemon, sandbox_root, sink,
                                          sentinel):
    """The profile lists no destination: the connect is refused in the
    kernel (EPERM, no packet), becomes a request, and once approved the
    agent's retry reaches the listener."""
    sb = make_sandbox(sandbox_root, "ask-net")
    rest = sentinel(sb)
    assert connect_in(sb, sink.port) == errno.EPERM
    req = daemon.approval("ask-net", "request")["approval"]
    assert (req["step"], req["held"], req["rule"], req["target"]) == \
        ("connect", "kernel", "test-connect-ask",
         f"127.0.0.1 port {sink.port}"), req
    # Nothing reached the listener, and the sandbox runs on.
    assert sink.conns == [] and sink.received == 0
    assert rest.poll() is None and cgroup_events(sb)["frozen"] == 0
    daemon.ok("approve", req["id"], "--ttl", "10m", "--reason",
              "the test's own listener")
    assert connect_in(sb, sink.port) == 0
    wait_until(lambda: sink.received == len(b"hello from the sandbox\n"),
               what="the retry's bytes at the listener")
    assert len(sink.conns) == 1


def test_connect_ask_denied_stays_refused(daemon, sandbox_root, sink):
    sb = make_sandbox(sandbox_root, "ask-net-no")
    assert connect_in(sb, sink.port) == errno.EPERM
    req = daemon.approval("ask-net-no", "request")["approval"]
    daemon.ok("deny", req["id"], "--reason", "unknown host")
    assert connect_in(sb, sink.port) == errno.EPERM
    assert sink.conns == [] and sink.received == 0
    r, reply = daemon.cli("approve", req["id"], "--scope", "profile",
                          "--reason", "x")
    assert r.returncode == 1, reply


# ------------------------------------------- programs a profile does not list

def picky_sandbox(daemon, root, sid):
    """A sandbox of the picky profile, placed under its kernel policy:
    until the daemon has met it, a sandbox has the default profile's
    (README, "In the kernel first")."""
    sb = make_sandbox(root, sid, profile="picky")
    assert run_sandboxed(sb, ["/usr/bin/true"])[0] == 0
    daemon.v.wait_for(lambda r: r["type"] == "exec" and
                      r["sandbox"]["id"] == sid,
                      what=f"a first record of {sid}")
    return sb


def run_tool(sb, program, marker, *pre):
    """Runs program (a copy of touch) to make marker; its status."""
    return run_sandboxed(sb, [*pre, str(program), str(marker)])[0]


def test_unlisted_exec_never_runs_until_approved(daemon, sandbox_root, files,
                                                 tmp_path, sentinel):
    sid = "unlisted"
    sb = picky_sandbox(daemon, sandbox_root, sid)
    rest = sentinel(sb)
    tool, marker = files / "unlisted" / "tool", tmp_path / "ran"
    assert run_tool(sb, tool, marker) == -signal.SIGKILL
    assert not marker.exists()
    killed = daemon.v.wait_for(
        lambda r: r["type"] == "exec" and r["sandbox"]["id"] == sid and
        r["exec"]["file"] == str(tool), what="the unlisted exec's record")
    assert killed["exec"]["kernel_killed"] is True, killed
    req = daemon.approval(sid, "request")["approval"]
    assert (req["step"], req["held"], req["rule"], req["target"]) == \
        ("exec", "kernel", "test-unlisted-ask", str(tool)), req
    st = os.stat(tool)
    assert (req["dev"], req["ino"]) == (st.st_dev, st.st_ino), req
    listed = daemon.ok("approvals", "--json")["approvals"]
    assert [(a["id"], a["target"]) for a in listed] == \
        [(req["id"], str(tool))], listed
    assert "unlisted/tool[" in listed[0]["ancestry"], listed
    assert rest.poll() is None and cgroup_events(sb)["frozen"] == 0
    daemon.ok("approve", req["id"], "--reason", "the build's own tool")
    assert run_tool(sb, tool, marker) == 0
    assert marker.exists()
    assert run_tool(sb, tool, tmp_path / "again") == 0
    # The approval is of the program as it ran: rewritten in place (the
    # same inode), it is another program, asked for again.
    ino = os.stat(tool).st_ino
    with open(tool, "r+b") as f:
        f.write(f.read())
    assert os.stat(tool).st_ino == ino
    assert run_tool(sb, tool, tmp_path / "rewritten") == -signal.SIGKILL
    assert not (tmp_path / "rewritten").exists()
    daemon.approval(sid, "request", lambda a: a["id"] != req["id"] and
                    a["target"] == str(tool))
    # The approval is this file's: another unlisted program still asks.
    assert run_tool(sb, files / "unlisted" / "other", tmp_path / "o") == \
        -signal.SIGKILL
    daemon.approval(sid, "request", lambda a: a["target"] ==
                    str(files / "unlisted" / "other"))
    # A file renamed onto the approved name is another file: asked again.
    os.rename(files / "unlisted" / "other", tool)
    assert run_tool(sb, tool, tmp_path / "renamed") == -signal.SIGKILL
    assert not (tmp_path / "renamed").exists()
    assert rest.poll() is None


def test_unlisted_exec_denied_stays_killed(daemon, sandbox_root, files,
                                           tmp_path):
    sid = "unlisted-no"
    sb = picky_sandbox(daemon, sandbox_root, sid)
    tool, marker = files / "unlisted" / "tool", tmp_path / "ran"
    assert run_tool(sb, tool, marker) == -signal.SIGKILL
    req = daemon.approval(sid, "request")["approval"]
    daemon.ok("deny", req["id"], "--reason", "not that")
    assert run_tool(sb, tool, marker) == -signal.SIGKILL
    assert not marker.exists()


def test_listed_programs_run_untouched(daemon, sandbox_root, files,
                                       tmp_path):
    """Listed programs run, and so does a binary the sandbox has just
    built under a listed directory: the kernel judges the path it execs,
    not inodes user space would have to learn of first."""
    sid = "listed"
    sb = picky_sandbox(daemon, sandbox_root, sid)
    assert run_tool(sb, files / "listed" / "tool", tmp_path / "a") == 0
    fresh = files / "listed" / "fresh"
    script = f"cp /usr/bin/touch {fresh} && exec {fresh} {tmp_path / 'b'}"
    assert run_sandboxed(sb, ["/usr/bin/sh", "-c", script])[0] == 0
    assert (tmp_path / "a").exists() and (tmp_path / "b").exists()
    # A listed interpreter runs whatever it is given to read.
    plain = files / "unlisted" / "plain.sh"
    plain.write_text(f"/usr/bin/touch {tmp_path / 'c'}\n")
    assert run_sandboxed(sb, ["/usr/bin/sh", str(plain)])[0] == 0
    assert (tmp_path / "c").exists()
    records = [r for r in daemon.v.records() if r["type"] == "approval"
               and r["sandbox"] and r["sandbox"]["id"] == sid]
    assert records == [], records


def test_unlisted_exec_other_spellings(daemon, sandbox_root, files,
                                       tmp_path):
    """What a root agent could try: a listed name that is a symlink to an
    unlisted file, a copy of a listed program at an unlisted path, a
    "#!" script outside the list run by a listed interpreter, a program
    run from a memfd. Each is killed before it runs."""
    sid = "unlisted-tricks"
    sb = picky_sandbox(daemon, sandbox_root, sid)
    link = files / "listed" / "innocent"
    link.symlink_to(files / "unlisted" / "tool")
    assert run_tool(sb, link, tmp_path / "a") == -signal.SIGKILL
    copy = files / "unlisted" / "touch"
    shutil.copy("/usr/bin/touch", copy)
    assert run_tool(sb, copy, tmp_path / "b") == -signal.SIGKILL
    script = files / "unlisted" / "run.sh"
    script.write_text(f"#!/usr/bin/sh\n/usr/bin/touch {tmp_path / 'c'}\n")
    script.chmod(0o755)
    assert run_sandboxed(sb, [str(script)])[0] == -signal.SIGKILL
    req = daemon.approval(sid, "request",
                          lambda a: a["target"] == str(script))["approval"]
    st = os.stat(script)
    assert (req["dev"], req["ino"]) == (st.st_dev, st.st_ino), req
    memfd = ("import os, sys; fd = os.memfd_create('tool'); "
             "os.write(fd, open('/usr/bin/touch', 'rb').read()); "
             "os.execve(fd, ['tool', sys.argv[1]], {})")
    assert run_sandboxed(sb, ["/usr/bin/python3", "-c", memfd,
                              str(tmp_path / "d")])[0] == -signal.SIGKILL
    for m in "abcd":
        assert not (tmp_path / m).exists(), m
    # An approved script runs, under its listed interpreter.
    daemon.ok("approve", req["id"], "--reason", "the project's script")
    assert run_sandboxed(sb, [str(script)])[0] == 0
    assert (tmp_path / "c").exists()


def test_unlisted_exec_profile_scope_survives_restart(daemon, sandbox_root,
                                                      files, tmp_path):
    one = picky_sandbox(daemon, sandbox_root, "unlisted-prof-1")
    tool = files / "unlisted" / "tool"
    assert run_tool(one, tool, tmp_path / "a") == -signal.SIGKILL
    rid = daemon.approval("unlisted-prof-1", "request")["approval"]["id"]
    daemon.ok("approve", rid, "--scope", "profile", "--reason", "team tool")
    assert str(tool) in (daemon.state / "profile-picky.json").read_text()
    daemon.v.stop()
    daemon.start()
    two = picky_sandbox(daemon, sandbox_root, "unlisted-prof-2")
    assert run_tool(two, tool, tmp_path / "b") == 0
    assert (tmp_path / "b").exists()


def test_run_keeps_requests_in_its_approvals_dir(vigil_bin, start_run,
                                                 sandbox_root, files,
                                                 tmp_path):
    """`vigil run --approvals-dir` keeps requests and grants as the daemon
    does: a run's request outlives it, the next run restores it and its
    profile-scope approval lets that run's program run; a directory in
    use by one run is refused to another."""
    rules = ["--rules", write_rules(tmp_path / "ask.yaml",
                                    RULES.format(d=files))]
    state = tmp_path / "run-approvals"
    extra = ["--profile", "picky", "--approvals-dir", str(state)]
    tool = files / "unlisted" / "tool"
    first = start_run(sandbox_root, "run-ask-1", rules,
                      [str(tool), str(tmp_path / "a")], extra)
    assert first.wait()[0] == 128 + signal.SIGKILL, first.stderr()
    assert not (tmp_path / "a").exists()
    req = [r["approval"] for r in first.final_records()
           if r["type"] == "approval"]
    assert [(a["event"], a["target"]) for a in req] == \
        [("request", str(tool))], req
    assert req[0]["id"] in (state / "state.json").read_text()
    go = tmp_path / "go"
    second = start_run(sandbox_root, "run-ask-2", rules, [
        "/usr/bin/sh", "-c", f"while [ ! -e {go} ]; do sleep 0.05; done; "
        f"exec {tool} {tmp_path / 'b'}"], extra)
    wait_until(lambda: any(r["type"] == "approval" and
                           r["approval"]["event"] == "restored" and
                           r["approval"]["id"] == req[0]["id"]
                           for r in second.records()),
               what="the first run's request restored")
    third = start_run(sandbox_root, "run-ask-3", rules, ["/usr/bin/true"],
                      extra)
    assert third.wait()[0] != 0
    assert "another vigil" in third.stderr(), third.stderr()
    ctl_ok(vigil_bin, second.control, "approve", req[0]["id"], "--scope",
           "profile", "--reason", "the team's tool")
    go.touch()
    assert second.wait()[0] == 0, second.stderr()
    assert (tmp_path / "b").exists()
    assert str(tool) in (state / "profile-picky.json").read_text()
