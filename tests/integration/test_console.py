"""The web console (issue 16): a real headless Chromium, driven over the
DevTools protocol (cdp.py), loads the page of a real daemon, sees a
pending request appear when a sandboxed agent's connect is refused,
approves it with a reason typed and a button clicked, and the agent's
retry connects; a second request is denied there and the connect keeps
failing. Without the token nothing is shown or decided; a non-loopback
address is refused without TLS.

VIGIL_CONSOLE_SHOTS=DIR also writes the screenshots there (how
docs/img/console-*.png were made).
"""

import errno
import http.client
import json
import os
import shutil
import socket
import ssl
import subprocess
import urllib.error
import urllib.request

import pytest

from cdp import Browser
from conftest import make_sandbox, run_in_cgroup_ok
from policy_support import (connect_in, sink, wait_until,
                            write_rules)  # noqa: F401 (fixtures)

RULES = """
- rule: console-connect-ask
  description: a sandbox wants a destination its profile does not list
  event: connect
  when: connect.verdict == deny
  action: ask

- rule: console-tmp-exec
  description: a program ran from /tmp
  event: exec
  when: exec.file startswith /tmp/
  score: 10
  severity: high

- profile: default
  egress: deny
  approval_timeout: 1h
"""

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def console(start_vigil, sandbox_root, tmp_path):
    rules = write_rules(tmp_path / "console.yaml", RULES)
    port = free_port()
    token_file = tmp_path / "console.token"
    v = start_vigil(sandbox_root, extra_args=[
        "--rules", rules, "--approvals-dir", str(tmp_path / "approvals"),
        "--console", f"127.0.0.1:{port}",
        "--console-token", str(token_file)])
    v.url = f"http://127.0.0.1:{port}/"
    v.token = token_file.read_text().strip()
    return v


@pytest.fixture
def browser(tmp_path):
    b = Browser(tmp_path / "chromium")
    yield b
    b.close()


def shot(browser, tmp_path, name):
    path = tmp_path / f"console-{name}.png"
    browser.screenshot(path)
    assert path.stat().st_size > 10000
    if os.environ.get("VIGIL_CONSOLE_SHOTS"):
        shutil.copy(path, os.path.join(os.environ["VIGIL_CONSOLE_SHOTS"],
                                       path.name))


def request_box(browser, port):
    """The selector of the pending request for 127.0.0.1:port, once the
    page shows it."""
    rid = browser.wait(
        "(() => { const b = [...document.querySelectorAll('.req')].find("
        f"x => x.textContent.includes('127.0.0.1 port {port}')); "
        "return b && b.dataset.id; })()", what=f"a request for {port}")
    return f'.req[data-id="{rid}"]', rid


def decision(v, rid):
    return v.wait_for(lambda r: r["type"] == "approval" and
                      r["approval"]["id"] == rid and
                      r["approval"]["event"] == "decision",
                      what=f"the decision of {rid}")["approval"]


def test_browser_approves_and_denies(console, browser, sandbox_root, sink,
                                     tmp_path):
    sb = make_sandbox(sandbox_root, "agent-7")
    browser.open(console.url)
    browser.type("#token", console.token)
    browser.click("#connect")
    browser.wait("document.getElementById('conn').textContent === 'live'",
                 what="a live event stream")
    # The agent's first steps, one for the alerts table: a program run
    # from /tmp.
    shutil.copy("/usr/bin/true", "/tmp/vigil-console-true")
    try:
        run_in_cgroup_ok(sb, ["/tmp/vigil-console-true"])
    finally:
        os.unlink("/tmp/vigil-console-true")
    browser.wait("[...document.querySelectorAll('#sandboxes td')]"
                 ".some(td => td.textContent === 'agent-7')",
                 what="the sandbox in the table")
    browser.wait("document.getElementById('alerts').textContent"
                 ".includes('console-tmp-exec')", what="the alert")

    # The agent's connect is refused, and the request appears.
    assert connect_in(sb, sink.port) == errno.EPERM
    box, rid = request_box(browser, sink.port)
    assert sink.conns == [] and sink.received == 0
    shot(browser, tmp_path, "pending")
    # Approve without a reason: refused in the page, nothing decided.
    browser.click(f"{box} button.approve")
    browser.wait("document.getElementById('msg').textContent"
                 ".includes('reason')", what="the reason asked for")
    assert not [r for r in console.records() if r["type"] == "approval"
                and r["approval"]["event"] == "decision"]
    browser.type(f"{box} input.reason", "the agent's package index")
    browser.click(f"{box} button.approve")
    a = decision(console, rid)
    assert (a["decision"], a["by"], a["channel"], a["reason"]) == \
        ("approved", "operator", "console", "the agent's package index"), a
    browser.wait(f"!document.querySelector('{box}')",
                 what="the request gone from the page")
    assert connect_in(sb, sink.port, "approved in the browser\n") == 0
    wait_until(lambda: sink.received == len(b"approved in the browser\n"),
               what="the retry's bytes")

    # A second destination, denied in the browser: it stays refused.
    other = socket.socket()
    other.bind(("127.0.0.1", 0))
    other.listen(4)
    port2 = other.getsockname()[1]
    try:
        assert connect_in(sb, port2) == errno.EPERM
        box, rid = request_box(browser, port2)
        browser.type(f"{box} input.reason", "not on the list")
        shot(browser, tmp_path, "deny")
        browser.click(f"{box} button.deny")
        a = decision(console, rid)
        assert (a["decision"], a["channel"]) == ("denied", "console"), a
        assert connect_in(sb, port2) == errno.EPERM
        other.settimeout(0.1)
        with pytest.raises(socket.timeout):
            other.accept()
    finally:
        other.close()


def post(url, body, token=None):
    req = urllib.request.Request(url + "api/decide", method="POST",
                                 data=json.dumps(body).encode())
    if token:
        req.add_header("X-Vigil-Token", token)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, json.load(e)


def test_token_needed(console, tmp_path):
    assert oct(os.stat(tmp_path / "console.token").st_mode & 0o777) == \
        "0o600"
    page = urllib.request.urlopen(console.url, timeout=10).read().decode()
    assert "<script>" in page and "http" not in page.split("<script>")[0] \
        .replace('http-equiv', ''), "the page loads no external asset"
    for q in ("", "?token=", "?token=" + "0" * 64):
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(console.url + "events" + q, timeout=10)
        assert e.value.code == 403
    body = {"id": "0000abcd", "decision": "approve", "reason": "x"}
    assert post(console.url, body)[0] == 403
    assert post(console.url, body, "f" * 64)[0] == 403
    code, reply = post(console.url, body, console.token)
    assert code == 409 and "no pending request" in reply["error"], reply
    code, reply = post(console.url, {"id": "0000abcd",
                                     "decision": "approve"}, console.token)
    assert code == 409 and "reason" in reply["error"], reply


def test_non_loopback_needs_tls(vigil_bin, sandbox_root, tmp_path):
    for extra in ([], ["--console-remote"]):
        r = subprocess.run(
            [vigil_bin, "daemon", "--sandbox-root", sandbox_root,
             "--output", str(tmp_path / "o.jsonl"), "--control",
             str(tmp_path / "c.sock"), "--console", "0.0.0.0:1", *extra,
             "--console-token", str(tmp_path / "t")],
            capture_output=True, text=True, timeout=60)
        assert r.returncode != 0 and "console" in r.stderr, r.stderr
        assert not (tmp_path / "t").exists()


def self_signed(tmp_path):
    """A certificate for 127.0.0.1 and its key, made here with openssl."""
    cert, key = tmp_path / "console.crt", tmp_path / "console.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                    "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def test_console_over_tls(start_vigil, sandbox_root, tmp_path, sink):
    """Served over TLS: a client that trusts the test's certificate gets
    the page and approves with the token, and the agent's retry connects;
    a client that does not trust it, or speaks plain HTTP, gets nothing."""
    cert, key = self_signed(tmp_path)
    port = free_port()
    token_file = tmp_path / "console.token"
    v = start_vigil(sandbox_root, extra_args=[
        "--rules", write_rules(tmp_path / "console.yaml", RULES),
        "--approvals-dir", str(tmp_path / "approvals"),
        "--console", f"127.0.0.1:{port}", "--console-tls-cert", str(cert),
        "--console-tls-key", str(key), "--console-token", str(token_file)])
    url, token = f"https://127.0.0.1:{port}/", token_file.read_text().strip()
    trusted = ssl.create_default_context(cafile=str(cert))
    page = urllib.request.urlopen(url, timeout=10, context=trusted).read()
    assert b"<script>" in page
    with pytest.raises(urllib.error.URLError) as e:
        urllib.request.urlopen(url, timeout=10,
                               context=ssl.create_default_context())
    assert isinstance(e.value.reason, ssl.SSLCertVerificationError), e.value
    with pytest.raises((urllib.error.URLError, ConnectionError,
                        http.client.HTTPException)):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10)
    sb = make_sandbox(sandbox_root, "agent-tls")
    assert connect_in(sb, sink.port) == errno.EPERM
    rid = v.wait_for(lambda r: r["type"] == "approval" and
                     r["approval"]["event"] == "request",
                     what="the connect's request")["approval"]["id"]
    req = urllib.request.Request(url + "api/decide", method="POST", data=(
        json.dumps({"id": rid, "decision": "approve",
                    "reason": "over TLS"}).encode()))
    req.add_header("X-Vigil-Token", token)
    with urllib.request.urlopen(req, timeout=10, context=trusted) as r:
        assert r.status == 200, r.read()
    a = decision(v, rid)
    assert (a["decision"], a["channel"], a["reason"]) == \
        ("approved", "console", "over TLS"), a
    assert connect_in(sb, sink.port) == 0
