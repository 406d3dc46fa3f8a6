"""vigil daemon as a service (issue 18): readiness through sd_notify once
the programs are attached, a reload (SIGHUP) told to systemd too,
SIGHUP reopening --output for rotation, and
logrotate rotating it under load with no record lost.

The daemon talks to the service manager through libsystemd's sd_notify,
which writes datagrams to $NOTIFY_SOCKET: the test binds that socket
itself, so systemd need not be PID 1.
"""

import os
import signal
import socket
import subprocess
import sys
import textwrap

import pytest

from conftest import (check_sanitizers, make_sandbox, parse_jsonl, pin_dir,
                      run_in_cgroup)
from policy_support import wait_until

NOTIFY_TIMEOUT = 60.0


def notify_socket(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(str(path))
    s.settimeout(NOTIFY_TIMEOUT)
    return s


def next_notice(sock, proc, stderr_path):
    try:
        return sock.recv(4096).decode()
    except socket.timeout:
        pytest.fail(f"no sd_notify message within {NOTIFY_TIMEOUT}s "
                    f"(daemon returncode {proc.poll()})\n"
                    f"{stderr_path.read_text()}", pytrace=False)


def test_ready_is_notified_once_attached_and_hangup_keeps_it(
        vigil_bin, sandbox_root, tmp_path):
    sock = notify_socket(tmp_path / "notify")
    err_path = tmp_path / "daemon.stderr"
    env = dict(os.environ, NOTIFY_SOCKET=str(tmp_path / "notify"))
    with open(err_path, "wb") as err:
        proc = subprocess.Popen(
            [vigil_bin, "daemon", "--sandbox-root", sandbox_root,
             "--no-rules", "--control", "", "--output",
             str(tmp_path / "out.jsonl")],
            env=env, stdin=subprocess.DEVNULL, stdout=err, stderr=err)
    try:
        ready = next_notice(sock, proc, err_path)
        assert "READY=1" in ready.split("\n"), ready
        # Ready means attached: this daemon's links are pinned by now.
        pins = os.listdir(pin_dir(sandbox_root))
        gens = [p for p in pins if p.startswith("links-")]
        assert len(gens) == 1 and os.listdir(
            os.path.join(pin_dir(sandbox_root), gens[0])), pins
        assert "vigil: ready" in err_path.read_text()

        # A reload does not stop it, and systemd hears of it.
        proc.send_signal(signal.SIGHUP)
        reloading = next_notice(sock, proc, err_path).split("\n")
        assert "RELOADING=1" in reloading, reloading
        assert any(n.startswith("MONOTONIC_USEC=") for n in reloading)
        ready = next_notice(sock, proc, err_path)
        assert "READY=1" in ready.split("\n"), ready
        proc.send_signal(signal.SIGTERM)
        stopping = next_notice(sock, proc, err_path)
        assert stopping == "STOPPING=1", stopping
        assert proc.wait(timeout=30) == 0, err_path.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        sock.close()
    check_sanitizers(err_path.read_text())


# Records as fast as one core makes them (one open record an iteration)
# until the test kills it, so every rotation lands among records.
LOAD = textwrap.dedent("""
    import os
    while True:
        os.close(os.open("/etc/hostname", os.O_RDONLY))
""")


def records_of(path):
    with open(path, "rb") as f:
        return parse_jsonl(f.read(), str(path))[0]


def logrotate_config(tmp_path, out, pid):
    """What packaging/vigil.logrotate does, with the test's file and the
    daemon's pid in place of the service (no systemd here)."""
    conf = tmp_path / "logrotate.conf"
    conf.write_text(textwrap.dedent(f"""\
        {out} {{
            rotate 1000
            nocompress
            missingok
            postrotate
                kill -HUP {pid}
            endscript
        }}
        """))
    return conf


def test_rotation_under_load_loses_no_record(start_vigil, sandbox_root,
                                             tmp_path):
    rotations = 12
    v = start_vigil(sandbox_root)
    out = v.out_path
    conf = logrotate_config(tmp_path, out, v.pid)
    sb = make_sandbox(sandbox_root, "busy")
    load = run_in_cgroup(sb, [sys.executable, "-c", LOAD])

    def some_records(turn):
        wait_until(lambda: out.exists() and out.stat().st_size > 0, 60,
                   f"records in {out} before turn {turn}")

    for i in range(rotations):
        # the file in use has records of this turn before it rotates
        some_records(i + 1)
        r = subprocess.run(["logrotate", "-f", "-s",
                            str(tmp_path / "logrotate.state"), str(conf)],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        assert os.path.exists(f"{out}.1"), os.listdir(tmp_path)
        assert v.alive(), v.stderr()
    some_records("the last")
    still_loading = load.poll() is None
    load.kill()
    load.wait()
    v.stop()

    files = [out] + [tmp_path / f"{out.name}.{n}"
                     for n in range(1, rotations + 1)]
    per_file = [[r["seq"] for r in records_of(f)] for f in files]
    seqs = sorted(s for f in per_file for s in f)
    print(f"{rotations} rotations, {len(seqs)} records in "
          f"{len(files)} files: {[len(f) for f in per_file]}")
    assert still_loading, "the load ended before the last rotation"
    assert all(per_file), "a rotation with no records in one file"
    assert seqs == list(range(1, len(seqs) + 1)), \
        "a seq is missing or written twice across the rotated files"
    # each file is one unbroken stretch of the sequence
    for f in per_file:
        assert f == list(range(f[0], f[0] + len(f))), f[:5]
    check_sanitizers(v.stderr())
