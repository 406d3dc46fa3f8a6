"""`vigil profile check PROFILE DEST`: the entry that allows a destination
(or none), the egress mode, the budget, and the exit status scripts read:
0 allowed, 1 not, 2 usage or rules that do not load."""

import pytest

from policy_support import vigil_cli, write_rules

RULES = """
- profile: agent
  egress: deny
  allow:
    destinations: ["10.0.0.53:53", "10.0.0.0/8:443", "[fd00::/8]:80-89",
                   "pypi.org:443", "*.githubusercontent.com",
                   "*.example.com:443", "api.example.com:8080"]

- profile: budgeted
  allow:
    destinations:
      - 10.0.0.0/8:443: 1MiB
      - 10.1.0.0/16:443
      - pypi.org:443: 2GiB
      - files.pypi.org

- profile: loose
  egress: monitor
  egress_budget: 10MiB
  allow:
    destinations: ["127.0.0.0/8:80-8080"]
"""


@pytest.fixture
def rules(tmp_path):
    return write_rules(tmp_path / "profiles.yaml", RULES)


def check(vigil_bin, rules, profile, dest):
    """(exit status, {key: value}) of one check."""
    r = vigil_cli(vigil_bin, "profile", "check", "--rules", rules, profile,
                  dest)
    lines = dict(line.split(": ", 1) for line in r.stdout.splitlines())
    return r.returncode, lines


# (profile, destination, exit status, entry, verdict's first word)
CASES = [
    ("agent", "10.1.2.3:443", 0, "10.0.0.0/8:443", "allowed"),
    ("agent", "10.1.2.3:22", 1, "none", "refused"),
    ("agent", "10.1.2.3", 0, "10.0.0.0/8:443", "allowed"),   # some port
    ("agent", "11.1.2.3", 1, "none", "refused"),
    ("agent", "[fd00::7]:85", 0, "[fd00::/8]:80-89", "allowed"),
    ("agent", "[fd00::7]:90", 1, "none", "refused"),
    ("agent", "::ffff:10.0.0.53", 0, "10.0.0.53/32:53", "allowed"),
    ("agent", "pypi.org:443", 0, "pypi.org:443", "allowed"),
    ("agent", "PyPI.org:443", 0, "pypi.org:443", "allowed"),
    ("agent", "pypi.org:80", 1, "none", "refused"),
    ("agent", "files.pypi.org:443", 1, "none", "refused"),
    ("agent", "raw.githubusercontent.com:22", 0,
     "*.githubusercontent.com (any port)", "allowed"),
    ("agent", "githubusercontent.com", 1, "none", "refused"),
    # the most specific entry that allows the port names it
    ("agent", "api.example.com:8080", 0, "api.example.com:8080", "allowed"),
    ("agent", "api.example.com:443", 0, "*.example.com:443", "allowed"),
    ("agent", "api.example.com:22", 1, "none", "refused"),
    ("loose", "127.0.0.1:8080", 0, "127.0.0.0/8:80-8080", "allowed"),
    ("loose", "127.0.0.1:53", 1, "none", "monitored"),
    ("loose", "1.2.3.4:80", 1, "none", "monitored"),
]


@pytest.mark.parametrize("profile,dest,status,entry,verdict", CASES)
def test_profile_check(vigil_bin, rules, profile, dest, status, entry,
                       verdict):
    rc, out = check(vigil_bin, rules, profile, dest)
    assert rc == status, out
    assert out["entry"] == entry
    assert out["verdict"].split()[0] == verdict
    assert out["egress"] == ("deny" if profile == "agent" else "monitor")
    assert out["profile"].startswith(f"{profile} ({rules}:")


def test_profile_check_budget(vigil_bin, rules):
    """The budget applies to what monitor lets through, nothing else."""
    _, out = check(vigil_bin, rules, "loose", "1.2.3.4:80")
    assert out["budget"].startswith("egress_budget 10485760 bytes")
    _, out = check(vigil_bin, rules, "loose", "127.0.0.1:80")
    assert out["budget"].startswith("none")
    _, out = check(vigil_bin, rules, "agent", "1.2.3.4:80")
    assert out["budget"].startswith("none")


@pytest.mark.parametrize("dest,budget", [
    ("10.2.0.1:443", "1048576 bytes per sandbox, the entry's own "
                     "(10.0.0.0/8:443)"),
    ("10.1.0.1:443", "none (the entry has no budget of its own)"),
    ("pypi.org:443", "2147483648 bytes per sandbox, the entry's own "
                     "(pypi.org:443)"),
    ("files.pypi.org:443", "none (the entry has no budget of its own)"),
])
def test_profile_check_entry_budget(vigil_bin, rules, dest, budget):
    """An allowed destination spends the budget of the entry the kernel
    picks for it (the most specific), if that entry has one."""
    rc, out = check(vigil_bin, rules, "budgeted", dest)
    assert rc == 0, out
    assert out["budget"].startswith(budget)


@pytest.mark.parametrize("entry,message", [
    ("- pypi.org:443: lots", "budget must be a size in bytes above 0"),
    ("- pypi.org:443: 0", "budget must be a size in bytes above 0"),
    ("- {pypi.org: 1MiB, pypi.io: 1MiB}", "one 'DEST: SIZE' pair"),
    ("- bad_name!:443: 1MiB", "expected ADDR[/BITS]"),
])
def test_entry_budget_errors(vigil_bin, tmp_path, entry, message):
    """A bad budget names its FILE:LINE:COL."""
    path = write_rules(tmp_path / "bad.yaml",
                       "- profile: p\n  allow:\n    destinations:\n"
                       f"      {entry}\n")
    r = vigil_cli(vigil_bin, "profile", "check", "--rules", path, "p",
                  "pypi.org:443")
    assert r.returncode == 2
    assert f"{path}:4:" in r.stderr and message in r.stderr, r.stderr


def test_profile_check_resolvers(vigil_bin, rules):
    """A name is learnt from the listed resolvers' answers only."""
    _, out = check(vigil_bin, rules, "agent", "pypi.org:443")
    assert out["resolvers"] == "10.0.0.53/32"
    _, out = check(vigil_bin, rules, "loose", "pypi.org:443")
    assert out["resolvers"].startswith("none")
    _, out = check(vigil_bin, rules, "agent", "10.1.2.3:443")
    assert "resolvers" not in out


def test_profile_check_builtin_default(vigil_bin):
    """Without --rules, the shipped set; its default allows loopback."""
    r = vigil_cli(vigil_bin, "profile", "check", "default", "127.0.0.1:80")
    assert r.returncode == 0, r.stderr
    assert "verdict: allowed" in r.stdout


@pytest.mark.parametrize("args,message", [
    (["agent", "10.0.0.0/8"], "not an address or a DNS name"),
    (["agent", "*.example.com"], "not an address or a DNS name"),
    (["agent", "10.1.2.3:1-9"], "not an address or a DNS name"),
    (["agent", "bad_name!"], "not an address or a DNS name"),
    (["nobody", "10.1.2.3"], 'no profile "nobody"'),
    (["agent"], "Usage: vigil profile check"),
])
def test_profile_check_usage(vigil_bin, rules, args, message):
    r = vigil_cli(vigil_bin, "profile", "check", "--rules", rules, *args)
    assert r.returncode == 2
    assert message in r.stderr
    assert not r.stdout


def test_profile_check_bad_rules(vigil_bin, tmp_path):
    bad = write_rules(tmp_path / "bad.yaml", "- profile: x\n  egress: maybe\n")
    r = vigil_cli(vigil_bin, "profile", "check", "--rules", bad, "x",
                  "10.1.2.3")
    assert r.returncode == 2
    assert f"{bad}:2:" in r.stderr


def test_profile_help(vigil_bin):
    r = vigil_cli(vigil_bin, "profile", "check", "--help")
    assert r.returncode == 0
    assert "EXIT STATUS" in r.stdout
    assert "profile check" in vigil_cli(vigil_bin, "--help").stdout
