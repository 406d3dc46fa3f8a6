"""A small driver of headless Chromium over the DevTools protocol, for
the console's browser test: start the browser (its own profile in a
temporary directory, a port of its choosing), open a page, evaluate
script, click and type as a user does (input events at an element's
place, not a script's click()), and take screenshots."""

import base64
import itertools
import json
import os
import shutil
import signal
import subprocess
import time
import urllib.request

import websocket

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


class Browser:
    def __init__(self, profile_dir, width=1280, height=900):
        self.profile = str(profile_dir)
        # Root needs --no-sandbox; the browser only talks to loopback.
        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu",
             "--no-first-run", "--no-default-browser-check",
             "--remote-debugging-port=0", f"--user-data-dir={self.profile}",
             f"--window-size={width},{height}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True)
        self.port = self._port()
        self.ws = websocket.create_connection(self._page_ws(), timeout=30,
                                              suppress_origin=True)
        self._ids = itertools.count(1)
        self.call("Page.enable")
        self.call("Runtime.enable")

    def _port(self, timeout=30):
        path = os.path.join(self.profile, "DevToolsActivePort")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"chromium exited {self.proc.returncode}")
            try:
                with open(path) as f:
                    return int(f.readline())
            except (FileNotFoundError, ValueError):
                time.sleep(0.1)
        raise RuntimeError("chromium wrote no DevToolsActivePort")

    def _page_ws(self):
        url = f"http://127.0.0.1:{self.port}/json/list"
        for _ in range(100):
            pages = [t for t in json.load(urllib.request.urlopen(url))
                     if t["type"] == "page"]
            if pages:
                return pages[0]["webSocketDebuggerUrl"]
            time.sleep(0.1)
        raise RuntimeError("chromium has no page")

    def call(self, method, **params):
        """Sends a command; returns its result (events in between are
        let go)."""
        n = next(self._ids)
        self.ws.send(json.dumps({"id": n, "method": method,
                                 "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == n:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg["result"]

    def eval(self, expr):
        r = self.call("Runtime.evaluate", expression=expr,
                      returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError(f"{expr}: {r['exceptionDetails']}")
        return r["result"].get("value")

    def open(self, url):
        self.call("Page.navigate", url=url)
        self.wait(f"document.readyState === 'complete' && "
                  f"location.href === {json.dumps(url)}", what=url)

    def wait(self, expr, timeout=20.0, what=None):
        """Polls expr until it is truthy; returns its value."""
        deadline = time.monotonic() + timeout
        while True:
            v = self.eval(expr)
            if v:
                return v
            if time.monotonic() > deadline:
                raise AssertionError(f"no {what or expr} in the page "
                                     f"within {timeout}s")
            time.sleep(0.1)

    def click(self, selector):
        """A left click at the middle of the element, as a mouse makes."""
        box = self.eval(f"(() => {{ const e = document.querySelector("
                        f"{json.dumps(selector)}); e.scrollIntoView(); "
                        f"const r = e.getBoundingClientRect(); return "
                        f"[r.x + r.width / 2, r.y + r.height / 2]; }})()")
        x, y = box
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=x, y=y,
                      button="left", clickCount=1)

    def type(self, selector, text):
        """Focuses the element with a click and types text into it."""
        self.click(selector)
        self.call("Input.insertText", text=text)

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", format="png",
                         captureBeyondViewport=True)["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def close(self):
        try:
            self.ws.close()
        finally:
            if self.proc.poll() is None:
                os.killpg(self.proc.pid, signal.SIGTERM)
                try:
                    self.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                    self.proc.wait()
