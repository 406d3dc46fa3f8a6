"""The Debian package (make deb): what it holds and needs, then installed
on this machine with dpkg: the installed vigil runs, its rules and unit
check, the shipped configuration is accepted, and a purge leaves
nothing: no file, no enabled unit, no pinned BPF state."""

import os
import re
import subprocess

import pytest

import pkg_support as ps
from pkg_support import (CONFIG, INSTALLED, PURGED, UNIT, built_deb, daemons,  # noqa: F401
                         installed_version, package, sh, systemd_runs,
                         version, write_config)
from conftest import (_reap_children, _require_root, _test_deadline,  # noqa: F401
                      make_sandbox_root, pin_dir, sandbox_root)


def field(deb, name):
    return sh("dpkg-deb", "-f", deb, name).stdout.strip()


def depends_names(deb):
    return {re.split(r"[ (]", d.strip())[0]
            for d in field(deb, "Depends").split(",")}


def needed_packages(binary):
    """The Debian package of each shared library binary links (NEEDED)."""
    needed = re.findall(r"NEEDED\s+(\S+)", sh("objdump", "-p", binary).stdout)
    cache = sh("ldconfig", "-p").stdout
    owners = {}
    for soname in needed:
        m = re.search(rf"^\s*{re.escape(soname)} \(libc6,x86-64\) => (\S+)",
                      cache, re.M)
        assert m, f"{soname} is not in the linker cache"
        path = os.path.realpath(m.group(1))
        r = sh("dpkg", "-S", path, ok=False)
        if r.returncode:    # usrmerge: dpkg knows /lib, the cache /usr/lib
            r = sh("dpkg", "-S", path.replace("/usr/lib/", "/lib/", 1))
        owners[soname] = r.stdout.split(":")[0]
    assert owners, "the binary links no shared library?"
    return owners


def test_the_package_holds_and_needs_what_vigil_does(tmp_path):
    deb = built_deb()
    assert field(deb, "Package") == "vigil"
    assert field(deb, "Version") == version()
    sh("dpkg-deb", "-x", deb, tmp_path)
    binary = tmp_path / "usr/sbin/vigil"
    # every library the binary loads comes from a package it depends on
    owners = needed_packages(binary)
    missing = {s: p for s, p in owners.items() if p not in depends_names(deb)}
    assert not missing, (missing, field(deb, "Depends"))
    for p in ("libbpf1", "librdkafka1", "libsystemd0", "libyajl2",
              "libyaml-0-2", "zlib1g"):
        assert p in depends_names(deb), field(deb, "Depends")

    shipped = {p.name for p in (tmp_path / "usr/share/vigil/rules").iterdir()}
    assert shipped == {p.name for p in (ps.REPO / "rules").glob("*.yaml")}
    for path in ("lib/systemd/system/vigil.service",
                 "usr/lib/tmpfiles.d/vigil.conf", "etc/logrotate.d/vigil",
                 "etc/vigil/vigil.yaml", "usr/share/man/man8/vigil.8.gz",
                 "usr/share/man/man5/vigil-rules.5.gz",
                 "usr/share/doc/vigil/copyright",
                 "usr/share/doc/vigil/deploy.md"):
        assert (tmp_path / path).is_file(), path
    control = tmp_path / "DEBIAN"
    sh("dpkg-deb", "-e", deb, control)
    assert (control / "conffiles").read_text().split() == \
        ["/etc/vigil/vigil.yaml", "/etc/logrotate.d/vigil"]
    for script in ("postinst", "prerm", "postrm"):
        assert os.access(control / script, os.X_OK), script
        sh("sh", "-n", control / script)


def run_installed(*args):
    return sh(INSTALLED, *args, ok=False)


def test_install_run_check_and_purge_leaves_nothing(
        package, daemons, make_sandbox_root, tmp_path):
    before = {p: os.path.lexists(p) for p in PURGED}
    out = package.install(built_deb())
    assert installed_version() == version()
    if not systemd_runs():
        # told, not silently skipped: nobody started the service
        assert "systemd is not running" in out, out
    print(f"systemd runs: {systemd_runs()}")

    r = run_installed("--version")
    assert r.returncode == 0 and r.stdout == f"vigil {version()}\n", r
    r = run_installed("rules", "check", "/usr/share/vigil/rules")
    assert r.returncode == 0, r.stderr
    r = sh("systemd-analyze", "verify", UNIT, ok=False)
    assert r.returncode == 0 and r.stdout + r.stderr == "", r
    r = sh("logrotate", "-d", "/etc/logrotate.d/vigil", ok=False)
    assert r.returncode == 0 and "error" not in r.stderr.lower(), r.stderr
    assert sh("man", "-w", "vigil-rules").stdout.strip().endswith(
        "man5/vigil-rules.5.gz")

    # The configuration as shipped is accepted by the daemon (flags
    # after --config put it on the test's root and files).
    root = make_sandbox_root()
    shipped = daemons(tmp_path, "shipped", extra=[
        "--sandbox-root", root, "--output", str(tmp_path / "shipped.jsonl"),
        "--control", str(tmp_path / "shipped.sock"),
        "--evidence-dir", str(tmp_path / "shipped-evidence")])
    shipped.stop()
    sh(INSTALLED, "unpin", "--sandbox-root", root)

    # As an operator runs it: the configuration names the roots; the
    # daemon stops and leaves its state pinned for the next one.
    root = make_sandbox_root()
    write_config(root, tmp_path)
    d = daemons(tmp_path, "service")
    d.stop()
    assert os.path.isdir(pin_dir(root))
    files = package.files()

    package.purge()
    assert installed_version() is None
    assert not os.path.exists(pin_dir(root)), "purge left pinned BPF state"
    left = [f for f in files if f.startswith(("/etc", "/usr/sbin",
                                              "/usr/share/vigil", "/lib"))
            and os.path.isfile(f)]
    assert not left, left
    left = [p for p in PURGED if os.path.lexists(p)]
    assert not left, (left, before)
