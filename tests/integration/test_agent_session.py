"""A benign coding-agent session raises nothing under the shipped rules
(issue #4).

Inside a sandbox watched by `vigil daemon --rules builtin`, one shell
script does what a coding agent does all day: clones a repository (a bare
repo the test makes, over file://), edits, commits, pushes a branch and
reads the history, builds a C project with make and cc and runs its
binary and tests, makes a venv and pip-installs a package from a PEP 503
index served over HTTP on 127.0.0.1, and runs the Python tests. vigil
must emit no alert and no action, and its records must show that each of
those steps really ran (so the test cannot pass on an empty stream).

A second session works in a workspace under /tmp with the toolchains
agents use most, all offline: make, go run/test/build, cargo
build/run/test, npm test/start, a venv with pip, pytest and git; what
they build runs from /tmp and must raise nothing either.

Everything stays on the machine: the index is a thread of this test on a
loopback port, the wheel it serves is written here by hand with zipfile
(no build backend, nothing fetched), and pip's configuration files and
the environment's PIP_* settings are kept out of the sandbox. The
workspace lies under /var/lib (running programs from /tmp is a rule of
its own); /usr/bin/python3 runs the venv, not sys.executable (a pyenv
Python under ~ opens hundreds of files there at start-up).
"""

import base64
import functools
import hashlib
import http.server
import itertools
import json
import os
import pwd
import shutil
import tempfile
import subprocess
import textwrap
import threading
import time
import zipfile

import pytest

from conftest import fmt_records, make_sandbox, run_in_cgroup
from policy_support import PY, actions, alerts, workspace  # noqa: F401

BUILTIN = ["--rules", "builtin"]
SESSION_TIMEOUT = 60    # a hang fails; the session takes ~3 s
PKG, PKG_VERSION = "vigiltoy", "1.0.0"
_n = itertools.count()

# ------------------------------------------------------------ the project

PROJECT = {
    "README.md": "calc: a tiny calculator and a text-statistics package\n",
    ".gitignore": "calc\ntest_calc\n.venv/\n__pycache__/\n",
    "Makefile": """\
        CC ?= cc
        CFLAGS ?= -O2 -Wall -Wextra -Werror

        all: calc

        calc: src/main.c src/calc.c src/calc.h
        \t$(CC) $(CFLAGS) -o $@ src/main.c src/calc.c

        test_calc: tests/test_calc.c src/calc.c src/calc.h
        \t$(CC) $(CFLAGS) -Isrc -o $@ tests/test_calc.c src/calc.c

        test: test_calc
        \t./test_calc

        clean:
        \trm -f calc test_calc

        .PHONY: all test clean
        """,
    "src/calc.h": """\
        #ifndef CALC_H
        #define CALC_H
        int add(int a, int b);
        int mul(int a, int b);
        #endif
        """,
    "src/calc.c": """\
        #include "calc.h"

        int add(int a, int b)
        {
        \treturn a + b;
        }

        int mul(int a, int b)
        {
        \treturn a * b;
        }
        """,
    "src/main.c": """\
        #include <stdio.h>
        #include <stdlib.h>
        #include "calc.h"

        int main(int argc, char **argv)
        {
        \tint a = argc > 1 ? atoi(argv[1]) : 2;
        \tint b = argc > 2 ? atoi(argv[2]) : 3;
        \tprintf("add=%d mul=%d\\n", add(a, b), mul(a, b));
        \treturn 0;
        }
        """,
    "tests/test_calc.c": """\
        #include <assert.h>
        #include <stdio.h>
        #include "calc.h"

        int main(void)
        {
        \tassert(add(2, 3) == 5);
        \tassert(mul(4, 5) == 20);
        \t/* NEW TESTS */
        \tputs("c tests ok");
        \treturn 0;
        }
        """,
    "textstats/__init__.py": """\
        \"\"\"Counting words and lines.\"\"\"


        def word_count(text):
            return len(text.split())


        def line_count(text):
            return len(text.splitlines())
        """,
    "tests/test_textstats.py": """\
        import os
        import subprocess
        import sys
        import tempfile
        import unittest

        import textstats
        import vigiltoy


        class TextStats(unittest.TestCase):
            def test_words(self):
                self.assertEqual(textstats.word_count("a b  c"), 3)

            def test_lines(self):
                self.assertEqual(textstats.line_count("a\\nb\\n"), 2)

            def test_file_roundtrip(self):
                with tempfile.TemporaryDirectory() as d:
                    p = os.path.join(d, "notes.txt")
                    with open(p, "w") as f:
                        f.write("one two\\nthree\\n")
                    with open(p) as f:
                        self.assertEqual(textstats.word_count(f.read()), 3)

            def test_installed_dependency(self):
                self.assertEqual(vigiltoy.slugify("Hello  Agent"),
                                 "hello-agent")

            def test_subprocess(self):
                r = subprocess.run([sys.executable, "-c", "print(6 * 7)"],
                                   capture_output=True, text=True)
                self.assertEqual(r.stdout.strip(), "42")


        if __name__ == "__main__":
            unittest.main()
        """,
}

# The session, as one script: $1 workspace, $2 the origin's URL, $3 the
# index URL. Every step must succeed (set -e); "== step" lines show how far
# a failing run got.
SESSION = r"""
set -euo pipefail
ws=$1 origin=$2 index=$3
step() { echo "== $*"; }
cd "$ws"

step clone
git clone -q "$origin" proj
cd proj
git config user.name "Coding Agent"
git config user.email agent@example.com
git log --oneline
git status --short
git checkout -q -b agent/sub

step edit
cat >> src/calc.c <<'EOF'

int sub(int a, int b)
{
	return a - b;
}
EOF
sed -i 's/^int mul(int a, int b);$/&\nint sub(int a, int b);/' src/calc.h
sed -i 's|/\* NEW TESTS \*/|assert(sub(7, 2) == 5);|' tests/test_calc.c
/usr/bin/python3 - <<'EOF'
import pathlib
p = pathlib.Path("textstats/__init__.py")
p.write_text(p.read_text() + '''

def char_count(text):
    return len(text)
''')
t = pathlib.Path("tests/test_textstats.py")
t.write_text(t.read_text().replace(
    "    def test_lines(self):",
    "    def test_chars(self):\n"
    "        self.assertEqual(textstats.char_count(\"abc\"), 3)\n\n"
    "    def test_lines(self):"))
EOF
grep -n sub src/calc.h
git status --short
git diff --stat
git diff src/calc.h
git add -A
git commit -q -m "calc: add sub(); textstats: add char_count()"
git log --oneline -n 5
git show --stat HEAD
git diff HEAD~1 -- textstats
git status --short
test -z "$(git status --porcelain)"
git push -q origin agent/sub

step build
make
./calc 6 7 | tee calc.out
grep -qx 'add=13 mul=42' calc.out
rm calc.out
make test
cc -O2 -Wall -Isrc -c src/calc.c -o calc.o
rm -f calc.o

step venv
/usr/bin/python3 -m venv .venv
.venv/bin/python -m pip --version

step pip
.venv/bin/pip install --no-cache-dir --index-url "$index" vigiltoy
.venv/bin/pip list
.venv/bin/vigiltoy

step pytests
.venv/bin/python -m unittest discover -s tests -v

step status
git status --short
echo session-done
"""

# ------------------------------------------------------------ the wheel


def _record_hash(data):
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def write_wheel(dest_dir):
    """A pure-Python wheel for PKG with a console script, written by
    hand (METADATA, WHEEL, entry_points.txt, RECORD): nothing to build."""
    dist = f"{PKG}-{PKG_VERSION}.dist-info"
    files = {
        f"{PKG}/__init__.py": textwrap.dedent(f'''\
            """A tiny helper installed from the loopback index."""
            __version__ = "{PKG_VERSION}"


            def slugify(text):
                return "-".join(text.lower().split())


            def main():
                print(slugify("Hello Vigil Agent"))
                return 0
            '''),
        f"{dist}/METADATA": textwrap.dedent(f"""\
            Metadata-Version: 2.1
            Name: {PKG}
            Version: {PKG_VERSION}
            Summary: vigil test package
            Requires-Python: >=3.7
            """),
        f"{dist}/WHEEL": textwrap.dedent("""\
            Wheel-Version: 1.0
            Generator: vigil-tests
            Root-Is-Purelib: true
            Tag: py3-none-any
            """),
        f"{dist}/entry_points.txt":
            f"[console_scripts]\n{PKG} = {PKG}:main\n",
    }
    record = []
    for name, text in files.items():
        data = text.encode()
        record.append(f"{name},{_record_hash(data)},{len(data)}")
    record.append(f"{dist}/RECORD,,")
    files[f"{dist}/RECORD"] = "\n".join(record) + "\n"
    path = os.path.join(dest_dir, f"{PKG}-{PKG_VERSION}-py3-none-any.whl")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            z.writestr(name, text)
    return path


class _IndexHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        self.server.paths.append(self.path)
        super().do_GET()


class LoopbackIndex:
    """A PEP 503 simple index of one wheel, served from a thread of the
    test (outside the sandbox) on a free port of 127.0.0.1."""

    def __init__(self, root):
        root = os.fspath(root)
        os.makedirs(os.path.join(root, "packages"))
        wheel = write_wheel(os.path.join(root, "packages"))
        self.wheel = os.path.basename(wheel)
        with open(wheel, "rb") as f:
            sha = hashlib.sha256(f.read()).hexdigest()
        os.makedirs(os.path.join(root, "simple", PKG))
        with open(os.path.join(root, "simple", "index.html"), "w") as f:
            f.write(f'<!DOCTYPE html>\n<html><body>'
                    f'<a href="{PKG}/">{PKG}</a></body></html>\n')
        with open(os.path.join(root, "simple", PKG, "index.html"), "w") as f:
            f.write(f'<!DOCTYPE html>\n<html><body>'
                    f'<a href="../../packages/{self.wheel}#sha256={sha}">'
                    f'{self.wheel}</a></body></html>\n')
        handler = functools.partial(_IndexHandler, directory=root)
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                     handler)
        self.httpd.daemon_threads = True
        self.httpd.paths = []
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/simple/"
        self._thread = threading.Thread(target=self.httpd.serve_forever,
                                        kwargs={"poll_interval": 0.1},
                                        daemon=True)
        self._thread.start()

    @property
    def paths(self):
        return list(self.httpd.paths)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=10)


@pytest.fixture
def index(tmp_path):
    ix = LoopbackIndex(tmp_path / "index")
    yield ix
    ix.close()


# ------------------------------------------------------------ fixtures




def _git(*args, cwd):
    r = subprocess.run(["git", "-c", "init.defaultBranch=main",
                        "-c", "user.name=Upstream",
                        "-c", "user.email=upstream@example.com", *args],
                       cwd=cwd, capture_output=True, text=True,
                       stdin=subprocess.DEVNULL)
    assert r.returncode == 0, (args, r.stdout, r.stderr)


@pytest.fixture
def origin(tmp_path):
    """A bare repository holding PROJECT in two commits; its file:// URL."""
    seed = tmp_path / "seed"
    for name, text in PROJECT.items():
        p = seed / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text))
    _git("init", "-q", ".", cwd=seed)
    _git("add", "README.md", ".gitignore", "Makefile", "src", cwd=seed)
    _git("commit", "-q", "-m", "calc: add and mul", cwd=seed)
    _git("add", "-A", cwd=seed)
    _git("commit", "-q", "-m", "textstats and tests", cwd=seed)
    bare = tmp_path / "origin.git"
    _git("clone", "-q", "--bare", str(seed), str(bare), cwd=tmp_path)
    return "file://" + str(bare)


def session_env():
    """What the sandbox gets: no PIP_* or pyenv settings of this machine,
    no pip configuration files, no pager."""
    return {
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
                "/sbin:/bin",
        "HOME": pwd.getpwuid(os.getuid()).pw_dir,
        "USER": pwd.getpwuid(os.getuid()).pw_name,
        "LANG": "C.UTF-8",
        "TERM": "dumb",
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_NO_INPUT": "1",
        "PIP_DEFAULT_TIMEOUT": "30",
        "GIT_PAGER": "cat",
        "PAGER": "cat",
        "GIT_TERMINAL_PROMPT": "0",
    }


# ------------------------------------------------------------ the test


def _execs(records):
    return [r for r in records if r["type"] == "exec" and r["exec"]["ret"] == 0]


def _argv(r):
    return r["exec"].get("argv") or []


def test_agent_session_raises_nothing(sandbox_root, start_vigil, workspace,
                                      origin, index):
    sb = make_sandbox(sandbox_root, "agent", labels={"session": "issue-4"})
    v = start_vigil(sandbox_root, extra_args=BUILTIN)

    started = time.monotonic()
    p = run_in_cgroup(sb, ["/bin/bash", "-c", SESSION, "session", workspace,
                           origin, index.url],
                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                      env=session_env(), cwd=workspace)
    try:
        out, _ = p.communicate(timeout=SESSION_TIMEOUT)
    except subprocess.TimeoutExpired:
        p.kill()
        out, _ = p.communicate()
        pytest.fail(f"agent session still running after {SESSION_TIMEOUT}s;"
                    f" output:\n{out.decode(errors='replace')[-6000:]}",
                    pytrace=False)
    took = time.monotonic() - started
    out = out.decode(errors="replace")
    records = v.stop()
    bad = [r for r in records if r["type"] in ("alert", "action")]
    if p.returncode != 0:
        pytest.fail(f"agent session exited {p.returncode} after {took:.1f}s"
                    f"; output:\n{out[-6000:]}\n"
                    f"alerts/actions: {_describe(records, bad)}",
                    pytrace=False)
    assert out.rstrip().endswith("session-done"), out[-3000:]

    # Nothing scored: no alert, no action (list what fired, and on what).
    if bad:
        pytest.fail(f"benign session raised {len(alerts(records))} alerts "
                    f"and {len(actions(records))} actions:\n"
                    + _describe(records, bad), pytrace=False)
    # Nothing lost either: an alert in a dropped record would pass unseen.
    drops = [r for r in records if r["type"] == "drop"]
    assert drops == [], fmt_records(drops)

    # The session really happened, and vigil saw it.
    assert all(r["sandbox"]["id"] == "agent" for r in records
               if "sandbox" in r and r["type"] != "drop"), \
        {r["sandbox"]["id"] for r in records if "sandbox" in r}
    execs = _execs(records)
    by_name = {}
    for r in execs:
        by_name.setdefault(os.path.basename(r["exec"]["file"]), []).append(r)
    seen = sorted(by_name)

    git = by_name.get("git", [])
    git_cmds = {_argv(r)[1] for r in git if len(_argv(r)) > 1}
    want_git = {"clone", "checkout", "add", "commit", "log", "diff", "show",
                "status", "push"}
    assert want_git <= git_cmds, (sorted(git_cmds), seen)
    # file:// runs the real transports (git-upload-pack for the clone,
    # git-receive-pack for the push), as a remote would.
    git_progs = {os.path.basename(_argv(r)[0]) for r in git if _argv(r)}
    assert {"git-upload-pack", "git-receive-pack"} <= git_progs, \
        (sorted(git_progs), seen)

    assert "make" in by_name, seen
    assert any(_argv(r)[:1] == ["cc"] for r in execs), seen   # the driver
    assert "cc1" in by_name, seen
    assert any(n == "as" or n.endswith("-as") for n in seen), seen
    proj = os.path.join(workspace, "proj")
    files = {r["exec"]["file"] for r in execs}
    assert {os.path.join(proj, "calc"), os.path.join(proj, "test_calc")} \
        <= files, sorted(files)

    python = os.path.realpath(PY)
    py_argvs = [_argv(r) for r in execs if r["exec"]["file"] == python]
    has = lambda *words: any(  # noqa: E731
        all(w in a for w in words) for a in py_argvs)
    assert has("-m", "venv"), py_argvs
    assert has("install", "--index-url", index.url, PKG), py_argvs
    assert has("-m", "unittest", "discover"), py_argvs
    # the console script pip installed (the kernel runs its interpreter)
    assert any(len(a) > 1 and a[1].endswith(f".venv/bin/{PKG}")
               for a in py_argvs), py_argvs

    # pip fetched the package over HTTP from the loopback index, and vigil
    # saw the connection.
    assert f"/simple/{PKG}/" in index.paths, index.paths
    assert f"/packages/{index.wheel}" in index.paths, index.paths
    conns = [r for r in records if r["type"] == "connect"
             and r["connect"]["family"] in ("inet", "inet6")
             and r["connect"]["addr"] in ("127.0.0.1", "::ffff:127.0.0.1")
             and r["connect"]["port"] == index.port]
    assert conns, fmt_records([r for r in records if r["type"] == "connect"])
    assert all(r["proc"]["exe"] == python for r in conns), conns
    assert any(r["connect"]["ret"] in (0, -115) for r in conns), conns

    print(f"agent session: {took:.1f}s, {len(records)} records, "
          f"{len(execs)} execs, {len(conns)} connects to the index")


def _describe(records, bad):
    """Each alert or action with the record that triggered it."""
    if not bad:
        return "none"
    by_seq = {r["seq"]: r for r in records}
    lines = []
    for r in bad:
        if r["type"] == "alert":
            a = r["alert"]
            trig = by_seq.get(a["trigger"]["seq"])
            lines.append(f"alert {a['rule']} (score {a['score']}, risk "
                         f"{a['risk']}): {a.get('message')}\n"
                         f"  trigger: {_short(trig)}")
        else:
            a = r["action"]
            trig = by_seq.get(a.get("trigger_seq"))
            lines.append(f"action {a['action']} ({a['reason']}, rule "
                         f"{a.get('rule')}, outcome {a.get('outcome')})\n"
                         f"  trigger: {_short(trig)}")
    return "\n".join(lines)


def _short(rec):
    if rec is None:
        return "<not in output>"
    rec = {k: v for k, v in rec.items() if k not in ("ancestors",)}
    return json.dumps(rec, ensure_ascii=False)[:1500]


# ------------------------------------------------- a workspace under /tmp

# The toolchains agents use most, each run offline in a workspace under
# /tmp: what they build there (go run's binary under /tmp/go-build*,
# cargo's target/, make's output) runs from /tmp, and must raise nothing.
TMP_SESSION = r"""
set -euo pipefail
ws=$1 index=$2 pytest_py=$3
step() { echo "== $*"; }
cd "$ws"

step git
git init -q -b main .
git config user.name "Coding Agent"
git config user.email agent@example.com

step make
mkdir c
printf '#include <stdio.h>\nint main(void) { puts("c ok"); return 0; }\n' \
    > c/hello.c
printf 'hello: hello.c\n\tcc -O2 -o hello hello.c\n' > c/Makefile
make -s -C c
./c/hello

step go
mkdir gohello && cd gohello
printf 'module example.com/gohello\n\ngo 1.22\n' > go.mod
printf 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("go ok") }\n' \
    > main.go
printf 'package main\n\nimport "testing"\n\nfunc TestNothing(t *testing.T) {}\n' \
    > main_test.go
go run .
go test ./...
go build -o gohello . && ./gohello
cd ..

step cargo
cargo new -q --offline --vcs none rhello
cd rhello
cargo build -q --offline
cargo run -q --offline
cargo test -q --offline
cd ..

step npm
mkdir js && cd js
npm init -y > /dev/null
echo 'console.log("node ok")' > index.js
echo 'require("assert").strictEqual(1 + 1, 2); console.log("js tests ok")' \
    > test.js
npm pkg set scripts.test="node test.js" scripts.start="node index.js"
npm test
npm start
cd ..

step pip
/usr/bin/python3 -m venv .venv
.venv/bin/pip install -q --no-cache-dir --index-url "$index" vigiltoy
.venv/bin/vigiltoy

step pytest
mkdir tests
printf 'def test_math():\n    assert 6 * 7 == 42\n' > tests/test_math.py
"$pytest_py" -m pytest -q -p no:cacheprovider tests

step commit
git add -A c gohello/*.go gohello/go.mod js/*.js js/package.json tests
git commit -q -m "toolchains"
git log --oneline
echo session-done
"""


def tmp_session_env():
    e = session_env()
    e["PATH"] = "/root/.cargo/bin:/usr/local/go/bin:" + e["PATH"]
    e.update(GOFLAGS="-mod=mod", GOPROXY="off", GOTOOLCHAIN="local",
             CARGO_NET_OFFLINE="true", NPM_CONFIG_OFFLINE="true",
             NPM_CONFIG_UPDATE_NOTIFIER="false", NPM_CONFIG_FUND="false",
             NPM_CONFIG_AUDIT="false")
    return e


def pytest_python():
    """An interpreter with pytest installed (the system's has none)."""
    for py in ("/usr/bin/python3", "/root/.pyenv/shims/python3"):
        r = subprocess.run([py, "-c", "import sys, pytest;"
                            "print(sys.executable)"], capture_output=True,
                           text=True)
        if r.returncode == 0:
            return r.stdout.strip()
    pytest.fail("no python3 with pytest on this machine", pytrace=False)


@pytest.fixture
def tmp_workspace():
    path = tempfile.mkdtemp(prefix="vigil-agent-ws-", dir="/tmp")
    yield path
    shutil.rmtree(path)


def test_tmp_workspace_toolchains_raise_nothing(sandbox_root, start_vigil,
                                                tmp_workspace, index):
    sb = make_sandbox(sandbox_root, "agent-tmp")
    v = start_vigil(sandbox_root, extra_args=BUILTIN)
    p = run_in_cgroup(sb, ["/bin/bash", "-c", TMP_SESSION, "session",
                           tmp_workspace, index.url, pytest_python()],
                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                      env=tmp_session_env(), cwd=tmp_workspace)
    try:
        out, _ = p.communicate(timeout=5 * SESSION_TIMEOUT)
    except subprocess.TimeoutExpired:
        p.kill()
        out, _ = p.communicate()
    out = out.decode(errors="replace")
    records = v.stop()
    bad = [r for r in records if r["type"] in ("alert", "action")]
    assert p.returncode == 0 and out.rstrip().endswith("session-done"), \
        f"exit {p.returncode}:\n{out[-6000:]}\n{_describe(records, bad)}"
    if bad:
        pytest.fail(f"benign /tmp session raised:\n"
                    + _describe(records, bad), pytrace=False)
    assert [r for r in records if r["type"] == "drop"] == []

    # Each toolchain really ran its own output from /tmp.
    files = [r["exec"]["file"] for r in _execs(records)]
    ran = lambda pred: any(pred(f) for f in files)  # noqa: E731
    assert ran(lambda f: f == os.path.join(tmp_workspace, "c/hello")), files
    assert ran(lambda f: f.startswith("/tmp/go-build")), files
    assert ran(lambda f: f == os.path.join(tmp_workspace, "gohello/gohello"))
    assert ran(lambda f: f.startswith(
        os.path.join(tmp_workspace, "rhello/target/debug/"))), files
    names = {os.path.basename(f) for f in files}
    assert {"node", "git", "make", "cc1"} <= names, sorted(names)
    scripts = [r["exec"]["script"] for r in _execs(records)]
    assert os.path.join(tmp_workspace, ".venv/bin/vigiltoy") in scripts
