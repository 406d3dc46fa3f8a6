"""make install / make uninstall with PREFIX and DESTDIR, the systemd unit
they install (systemd-analyze verify), and the man pages: vigil(8) must
say what `vigil --help` says, vigil-rules(5) what docs/rules.md says."""

import gzip
import os
import re
import subprocess

from pkg_support import REPO, sh, version
from conftest import (_reap_children, _require_root, _test_deadline,  # noqa: F401
                      make_sandbox_root)

MAKE = ["make", "--no-print-directory", "-C", str(REPO)]


def tree(top):
    return sorted(os.path.relpath(os.path.join(d, f), top)
                  for d, _, files in os.walk(top) for f in files)


def installed_files():
    rules = sorted(p.name for p in (REPO / "rules").glob("*.yaml"))
    return sorted(["usr/sbin/vigil", "etc/vigil/vigil.yaml",
                   "etc/logrotate.d/vigil",
                   "usr/lib/systemd/system/vigil.service",
                   "usr/lib/tmpfiles.d/vigil.conf",
                   "usr/share/man/man8/vigil.8.gz",
                   "usr/share/man/man5/vigil-rules.5.gz"] +
                  [f"usr/share/doc/vigil/{d}" for d in
                   ("README.md", "rules.md", "record-format.md",
                    "deploy.md")] +
                  [f"usr/share/vigil/rules/{r}" for r in rules])


def test_destdir_install_and_uninstall(tmp_path):
    dest = tmp_path / "stage"
    sh(*MAKE, "install", f"DESTDIR={dest}", "PREFIX=/usr")
    assert tree(dest) == installed_files()
    assert os.stat(dest / "var/lib/vigil").st_mode & 0o777 == 0o700
    assert os.access(dest / "usr/sbin/vigil", os.X_OK)
    unit = (dest / "usr/lib/systemd/system/vigil.service").read_text()
    assert "ExecStart=/usr/sbin/vigil daemon --config /etc/vigil/vigil.yaml" \
        in unit, unit

    # the operator's configuration is never overwritten
    (dest / "etc/vigil/vigil.yaml").write_text("output: /dev/null\n")
    r = sh(*MAKE, "install", f"DESTDIR={dest}", "PREFIX=/usr")
    assert "kept" in r.stdout, r.stdout
    assert (dest / "etc/vigil/vigil.yaml").read_text() == "output: /dev/null\n"

    sh(*MAKE, "uninstall", f"DESTDIR={dest}", "PREFIX=/usr")
    assert tree(dest) == ["etc/vigil/vigil.yaml"]
    assert os.path.isdir(dest / "var/lib/vigil")


def test_prefix_install_runs_and_its_unit_verifies(tmp_path,
                                                   make_sandbox_root):
    """Installed under a prefix of its own (no DESTDIR): the binary, the
    rules, the configuration and the unit all work from where they are."""
    p = tmp_path / "prefix"
    paths = [f"PREFIX={p}/usr", f"SYSCONFDIR={p}/etc",
             f"LOCALSTATEDIR={p}/var"]
    sh(*MAKE, "install", *paths)
    vigil = p / "usr/sbin/vigil"
    assert sh(vigil, "--version").stdout == f"vigil {version()}\n"
    sh(vigil, "rules", "check", p / "usr/share/vigil/rules")
    unit = p / "usr/lib/systemd/system/vigil.service"
    assert f"ExecStart={vigil} daemon --config {p}/etc/vigil/vigil.yaml" \
        in unit.read_text()
    # man pages are checked below; here they are not on MANPATH
    r = sh("systemd-analyze", "verify", "--man=no", unit, ok=False)
    assert r.returncode == 0 and r.stdout + r.stderr == "", r

    # The installed default configuration, as the unit passes it.
    root = make_sandbox_root()
    d = subprocess.Popen(
        [vigil, "daemon", "--config", p / "etc/vigil/vigil.yaml",
         "--sandbox-root", root, "--output", tmp_path / "out.jsonl",
         "--control", tmp_path / "control.sock",
         "--evidence-dir", tmp_path / "evidence"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True)
    seen = [d.stderr.readline()]
    while seen[-1] not in ("vigil: ready\n", ""):
        seen.append(d.stderr.readline())
    d.terminate()
    seen.append(d.communicate(timeout=30)[1])
    assert "vigil: ready\n" in seen and d.returncode == 0, seen

    sh(*MAKE, "uninstall", *paths)
    assert tree(p) == ["etc/vigil/vigil.yaml"]


def man_text(page):
    """The page as man shows it, with no line breaks or hyphenation."""
    r = subprocess.run(["man", "--warnings", "-l", str(page)],
                       capture_output=True, text=True,
                       env=dict(os.environ, MANWIDTH="4000"))
    assert r.returncode == 0 and r.stderr == "", r.stderr
    return r.stdout


def words(text):
    # help2man bolds and italicises, man may join words with non-breaking
    # spaces and hyphens, "Options:" is the OPTIONS section: compare the
    # plain words only, in lower case.
    text = re.sub(r".\x08", "", text).replace("\u2010", "-")
    return re.findall(r"[a-z0-9_.=/@+-]+", text.lower())


def in_order(needle, haystack):
    it = iter(haystack)
    return all(w in it for w in needle)


def test_vigil_8_says_what_help_says():
    sh(*MAKE, "man")
    page = REPO / "build/man/vigil.8.gz"
    help_text = sh(REPO / "build/vigil", "--help").stdout
    man = man_text(page)
    # every word of --help, in its order ("Usage:" and "or:" become the
    # SYNOPSIS; "$" marks examples)
    help_words = [w for w in words(help_text) if w not in ("usage", "or")]
    assert in_order(help_words, words(man)), \
        "vigil(8) is older than vigil --help: make man"
    for section in ("SYNOPSIS", "DESCRIPTION", "OPTIONS", "SIGNALS", "FILES",
                    "ENVIRONMENT", "EXAMPLES", "SEE ALSO"):
        assert f"\n{section}\n" in man, section
    for flag in set(re.findall(r"--[a-z-]+", help_text)):
        assert flag in man, flag


def test_vigil_rules_5_says_what_docs_rules_md_says():
    sh(*MAKE, "man")
    man = man_text(REPO / "build/man/vigil-rules.5.gz")
    md = (REPO / "docs/rules.md").read_text()
    assert man.startswith("VIGIL-RULES(5)"), man[:200]
    assert "vigil-rules - the rule language of vigil" in man
    for heading in re.findall(r"^#+ (.+)$", md, re.M)[1:]:
        assert heading in man, heading
    # every code block's lines, verbatim
    for block in re.findall(r"```\w*\n(.*?)```", md, re.S):
        for line in block.splitlines():
            assert line.strip() in man, line


def test_packaged_man_pages_are_gzipped_roff():
    for page in ("vigil.8.gz", "vigil-rules.5.gz"):
        with gzip.open(REPO / "build/man" / page, "rt") as f:
            assert f.read().lstrip().startswith((".\\\"", ".TH", ".nh")), page
