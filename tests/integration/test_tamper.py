"""Root in a sandbox against vigil itself.

The egress hooks on the sandbox root are cgroup links, which
bpf(BPF_LINK_DETACH) removes from anywhere with CAP_SYS_ADMIN and the
link's id. The kernel kills a sandboxed caller of bpf() at its first call
(bpf-from-sandbox), so a lone process never detaches anything; processes
sharing a file table (one call each) can, and the daemon attaches what
they detached again within its relink period, with a lifecycle record
naming it.

A signal to a process outside the sandbox (SIGKILL to the daemon) is
queued before any program runs: an escape, punished like a move (the
sender killed before it returns, its sandbox by the rules)."""

import json
import os
import signal
import struct
import subprocess

import pytest

from conftest import cgroup_id, make_sandbox, pin_dir, run_in_cgroup
from policy_support import wait_until, write_rules
from prom_support import free_port, http_get


def root_links(root):
    """The ids and programs of the cgroup links attached to root."""
    out = subprocess.run(["bpftool", "-j", "link", "show"], check=True,
                         capture_output=True, text=True).stdout
    want = cgroup_id(root)
    return {lk["id"]: lk["prog_id"] for lk in json.loads(out)
            if lk.get("type") == "cgroup" and lk.get("cgroup_id") == want}


def run_detach(sb, helpers, *args):
    job = run_in_cgroup(sb, [helpers["linkdetach"], *args],
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = job.communicate(timeout=30)
    return job.returncode, out.decode(), err.decode()


def relinks(v):
    return [r for r in v.records() if r["type"] == "lifecycle"
            and r["lifecycle"]["event"] == "relink"]


def relinked(v):
    """The programs every relink record so far named (the daemon may
    catch the attacker between two detaches)."""
    return [p for r in relinks(v) for p in r["lifecycle"]["programs"]]


def test_a_lone_process_cannot_detach_the_egress_hooks(sandbox_root,
                                                      start_vigil, helpers):
    v = start_vigil(sandbox_root, extra_args=["--rules", "builtin"])
    before = root_links(sandbox_root)
    assert len(before) >= 5, before     # connect4/6, sendmsg4/6, skb ...
    sb = make_sandbox(sandbox_root, "sb-alone")
    rc, out, err = run_detach(sb, helpers, "--alone",
                              *map(str, sorted(before)))
    assert rc == -signal.SIGKILL and "done" not in out, (rc, out, err)
    k = v.wait_for(lambda r: r["type"] == "action"
                   and r["action"]["action"] == "kill",
                   what="the sandbox's kill")
    assert k["action"]["rule"] == "bpf-from-sandbox", k
    assert root_links(sandbox_root) == before
    records = v.stop()
    calls = [r for r in records if r["type"] == "syscall"]
    assert len(calls) == 1 and calls[0]["syscall"]["kernel_killed"], calls
    assert not [r for r in records if r["type"] == "lifecycle"
                and r["lifecycle"]["event"] == "relink"]



def repairs(mport, what):
    status, text = http_get(f"http://127.0.0.1:{mport}/metrics")
    assert status == 200, text
    line = f'vigil_repairs_total{{what="{what}"}} '
    return [int(float(l.split()[-1])) for l in text.splitlines()
            if l.startswith(line)]


def test_detached_hooks_are_attached_again(sandbox_root, start_vigil,
                                           helpers):
    """Rules off, so that nothing kills the attacker: what two processes
    sharing a file table could do under the rules, one call each."""
    mport = free_port()
    v = start_vigil(sandbox_root,
                    extra_args=["--metrics", f"127.0.0.1:{mport}"])
    assert repairs(mport, "link") == [0]
    before = root_links(sandbox_root)
    sb = make_sandbox(sandbox_root, "sb-pair")
    rc, out, err = run_detach(sb, helpers, *map(str, sorted(before)))
    assert rc == 0 and out.endswith("done\n"), (rc, out, err)
    progs = wait_until(lambda: len(relinked(v)) >= len(before) and
                       relinked(v), 10, "relink records for every link")
    rel = "/" + sandbox_root.split("/")[-1]
    assert len(progs) == len(before) and \
        all(p.endswith("@" + rel) for p in progs), (progs, rel)
    after = root_links(sandbox_root)
    # The same programs, each through a new link (the old ids are gone).
    assert sorted(after.values()) == sorted(before.values()), (before,
                                                               after)
    assert not set(after) & set(before), (before, after)
    pins = subprocess.run(["find", pin_dir(sandbox_root), "-type", "f"],
                          capture_output=True, text=True).stdout
    assert pins.count("_0\n") >= len(before), pins
    assert "was detached by someone else: attached again" in v.stderr()
    assert repairs(mport, "link") == [len(before)]
    v.stop()


def escapes(records):
    return [r for r in records if r["type"] == "escape"]


def test_a_signal_outside_the_sandbox_kills_the_sender(sandbox_root,
                                                      start_vigil):
    v = start_vigil(sandbox_root, extra_args=["--rules", "builtin"])
    target = subprocess.Popen(["sleep", "60"])      # outside, ours
    try:
        sb = make_sandbox(sandbox_root, "sb-signal")
        job = run_in_cgroup(sb, ["sh", "-c",
                                 f"kill -TERM {target.pid}; echo returned"],
                            stdout=subprocess.PIPE)
        out, _ = job.communicate(timeout=30)
        assert job.returncode == -signal.SIGKILL and b"returned" not in out
        k = v.wait_for(lambda r: r["type"] == "action"
                       and r["action"]["action"] == "kill",
                       what="the sandbox's kill")
        assert k["action"]["rule"] == "sandbox-escape", k
        # Punished, not prevented: the signal was queued first.
        assert target.wait(timeout=10) == -signal.SIGTERM
    finally:
        if target.poll() is None:
            target.kill()
            target.wait()
    e = escapes(v.stop())
    assert len(e) == 1, e
    assert e[0]["escape"] == pytest.approx({
        "how": "signal", "cgroup_id": e[0]["escape"]["cgroup_id"],
        "into": None, "moved_pid": target.pid, "moved_killed": False,
        "signal": signal.SIGTERM, "kernel_killed": True}), e
    assert e[0]["sandbox"]["id"] == "sb-signal"


def test_signals_of_the_sandbox_itself_are_not_escapes(sandbox_root,
                                                       start_vigil):
    """Its own processes signalled, a parent outside told of an exit
    (SIGCHLD, the kernel's), a broken pipe: none is the task's own signal
    to the outside."""
    v = start_vigil(sandbox_root, extra_args=["--rules", "builtin"])
    sb = make_sandbox(sandbox_root, "sb-own")
    job = run_in_cgroup(sb, ["sh", "-c", "sleep 30 & kill -TERM $!; wait; "
                             "yes | head -c 1 > /dev/null; echo ok"],
                        stdout=subprocess.PIPE)
    out, _ = job.communicate(timeout=30)
    assert job.returncode == 0 and out == b"ok\n", (job.returncode, out)
    records = v.stop()
    assert escapes(records) == []
    assert not [r for r in records if r["type"] == "action"]


def test_removed_pins_are_pinned_again(sandbox_root, start_vigil):
    """Rules off, so that nothing stops the rm: while the daemon runs it
    holds every object and pins again, within a heartbeat, what someone
    removed, so that the next daemon still adopts it."""
    mport = free_port()
    v = start_vigil(sandbox_root,
                    extra_args=["--metrics", f"127.0.0.1:{mport}"])
    pins = pin_dir(sandbox_root)

    def listing():
        return subprocess.run(["find", pins], capture_output=True,
                              text=True).stdout.split()

    before = listing()
    assert len(before) > 20, before
    sb = make_sandbox(sandbox_root, "sb-rm")
    # rm may fail on a directory the daemon pinned again meanwhile.
    run_in_cgroup(sb, ["rm", "-rf", pins]).wait(timeout=30)
    wait_until(lambda: sorted(listing()) == sorted(before), 10,
               "every pin made again")
    assert "was removed by someone else: pinned again" in v.stderr()
    assert repairs(mport, "pin")[0] >= 1
    v.stop()


# ------------------------------------------------------ the daemon's maps

MAP_RULES = """
- fileset: test-secrets
  description: the test's fake secret
  paths: ["{d}/secret"]

- rule: test-secret-open
  description: a sandbox opened the test secret
  event: open
  when: open.fileset == test-secrets
  score: 100
  severity: critical
  action: kill
  enforce: kernel

- rule: test-bpf
  description: a sandbox called bpf() (bpf-from-sandbox)
  event: syscall
  when: syscall.name == bpf
  score: 100
  severity: critical
  action: kill
  enforce: kernel

- profile: attacker
  description: >
    bpf() unpunished, as two processes sharing a file table get one
    call each under the rules, however fast the sandbox is killed
  rules:
    test-bpf: {{enabled: false}}
"""

SYS_BPF = 321       # x86_64, the machines' (kernel-facts.md)
SYS_OPENAT = 257


def map_pin(root, name):
    return os.path.join(pin_dir(root), name)


def map_id(root, name):
    out = subprocess.run(["bpftool", "-j", "map", "show", "pinned",
                          map_pin(root, name)], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)["id"]


def hexbytes(raw):
    """bpftool's ["0x01", ...] as one hex string."""
    return "".join(b[2:].rjust(2, "0") for b in raw)


def map_dump(root, name):
    """{key: value} as hex strings; a program array's values are ids."""
    out = subprocess.run(["bpftool", "-j", "map", "dump", "pinned",
                          map_pin(root, name)], check=True,
                         capture_output=True, text=True).stdout
    return {hexbytes(e["key"]): hexbytes(e["value"])
            for e in json.loads(out) if "value" in e}


def u32_key(n):
    return struct.pack("<I", n).hex()


def rewrites(v):
    return [m for r in v.records() if r["type"] == "lifecycle"
            and r["lifecycle"]["event"] == "rewrite"
            for m in r["lifecycle"]["maps"]]


@pytest.fixture
def map_rules(tmp_path):
    d = tmp_path / "secrets"
    d.mkdir()
    (d / "secret").write_text("fake secret\n")
    rules = write_rules(tmp_path / "rules.yaml", MAP_RULES.format(d=d))
    return rules, str(d / "secret")


def attacker(root):
    """Sandbox sb-attack under the attacker profile, once the kernel
    holds its policy."""
    sb = make_sandbox(root, "sb-attack", profile="attacker")
    # Placed at its first record.
    run_in_cgroup(sb, ["/bin/true"]).wait(timeout=30)
    key = struct.pack("<Q", cgroup_id(sb)).hex()
    wait_until(lambda: key in map_dump(root, "policies"), 10,
               "the attacker's policy")
    return sb


def attack(sb, helpers, map_ref, *write):
    """Root in sandbox sb writes a map (two processes sharing a file
    table, one bpf() call each)."""
    job = run_in_cgroup(sb, [helpers["mapwrite"], str(map_ref), *write],
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = job.communicate(timeout=30)
    assert job.returncode == 0 and out.decode().endswith("done\n"), \
        (job.returncode, out, err)
    assert f"{write[0]} 0\n" in out.decode(), out     # it went through
    return out.decode()


def tamper_cases(secret):
    """(map, the write, what it did) for writes that reach beyond the
    attacker's own sandbox."""
    st = os.stat(secret)
    inode = struct.pack("<QII", st.st_ino, st.st_dev, 0).hex()
    return {
        # every sandbox may open the secret
        "protected": ("delete", inode),
        # no sandbox is killed for bpf() any more
        "syscall_bits": ("update", u32_key(SYS_BPF), "00" * 8),
        # no sandbox's openat is seen
        "exit_calls": ("delete", u32_key(SYS_OPENAT)),
        # sandboxes not placed yet: no kernel policy at all
        "policies": ("update", "00" * 8, None),
    }


@pytest.mark.parametrize("name", ["protected", "syscall_bits",
                                  "exit_calls", "policies"])
def test_a_map_written_from_a_sandbox_is_made_again(sandbox_root,
                                                    start_vigil, helpers,
                                                    map_rules, name):
    rules, secret = map_rules
    mport = free_port()
    v = start_vigil(sandbox_root, extra_args=[
        "--rules", rules, "--metrics", f"127.0.0.1:{mport}"])
    sb = attacker(sandbox_root)
    before = map_dump(sandbox_root, name)
    write = tamper_cases(secret)[name]
    if write[-1] is None:       # a value of zeros, the map's size
        write = (*write[:2], "00" * (len(before[write[1]]) // 2))
    assert write[1] in before, (write, before)
    attack(sb, helpers, map_id(sandbox_root, name), *write)
    wait_until(lambda: name in rewrites(v), 10, f"a rewrite of {name}")
    assert map_dump(sandbox_root, name) == before
    assert rewrites(v) == [name]        # nothing else seen as changed
    assert f"map {name} was written by someone else" in v.stderr()
    assert repairs(mport, "map")[0] >= 1
    v.stop()


def test_a_rewritten_kill_kills_again(sandbox_root, start_vigil, helpers,
                                      map_rules):
    """The bit that has the kernel kill a bpf() caller, cleared for the
    whole root: once restored, the next sandbox's lone call dies again."""
    rules, _ = map_rules
    v = start_vigil(sandbox_root, extra_args=["--rules", rules])
    attack(attacker(sandbox_root), helpers,
           map_id(sandbox_root, "syscall_bits"), "update",
           u32_key(SYS_BPF), "00" * 8)
    wait_until(lambda: "syscall_bits" in rewrites(v), 10,
               "a rewrite of syscall_bits")
    sb = make_sandbox(sandbox_root, "sb-next")
    rc, out, err = run_detach(sb, helpers, "--alone", "1")
    assert rc == -signal.SIGKILL and "done" not in out, (rc, out, err)
    v.stop()


def test_a_write_no_record_showed_is_found(sandbox_root, start_vigil,
                                           map_rules):
    """Written from outside any sandbox (no bpf() record to react to):
    the heartbeat's comparison finds it."""
    rules, _ = map_rules
    v = start_vigil(sandbox_root, extra_args=["--rules", rules])
    before = map_dump(sandbox_root, "policies")
    size = len(before["00" * 8]) // 2
    subprocess.run(["bpftool", "map", "update", "pinned",
                    map_pin(sandbox_root, "policies"), "key", "hex",
                    *["00"] * 8, "value", "hex", *["00"] * size],
                   check=True)
    wait_until(lambda: "policies" in rewrites(v), 10,
               "a rewrite of policies")
    assert map_dump(sandbox_root, "policies") == before
    assert rewrites(v) == ["policies"]
    v.stop()


def bss_map(root):
    """This daemon's .bss map (not pinned): one its programs use, found
    from a program on the sandbox root's pinned links."""
    def show(*what):
        return json.loads(subprocess.run(["bpftool", "-j", *what],
                                         check=True, capture_output=True,
                                         text=True).stdout)

    link = subprocess.run(["find", pin_dir(root), "-name", "net_egress_0"],
                          capture_output=True, text=True).stdout.split()
    prog = show("link", "show", "pinned", link[0])["prog_id"]
    for mid in show("prog", "show", "id", str(prog)).get("map_ids", []):
        m = show("map", "show", "id", str(mid))
        if m["name"].endswith(".bss"):
            return m
    pytest.fail(f"no .bss map among program {prog}'s")


def test_the_settings_written_are_set_again(sandbox_root, start_vigil,
                                            helpers, map_rules):
    """.bss holds settings every sandbox's judgement reads (exe_judged:
    whether any exec is judged against allow.executables; the fail-closed
    limit); one update sets them all."""
    rules, _ = map_rules
    v = start_vigil(sandbox_root, extra_args=["--rules", rules])
    sb = attacker(sandbox_root)
    bss = bss_map(sandbox_root)
    attack(sb, helpers, bss["id"], "update", "00" * 4,
           "ff" * bss["bytes_value"])
    wait_until(lambda: ".bss" in rewrites(v), 10, "a rewrite of .bss")
    assert rewrites(v) == [".bss"]
    out = subprocess.run(["bpftool", "-j", "map", "dump", "id",
                          str(bss["id"])], check=True, capture_output=True,
                         text=True).stdout
    value = bytes.fromhex(hexbytes(json.loads(out)[0]["value"]))
    # fail_closed_min_ns and exe_judged as the rules say, the epoch the
    # daemon's
    assert value[:9] == bytes(9) and value[9] != 0xff, value[:10]
    v.stop()
