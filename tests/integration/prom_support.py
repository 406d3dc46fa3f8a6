"""A real Prometheus for the metrics tests (test_metrics.py), started on
loopback with a data directory and port of its own, and its HTTP API.

Debian's prometheus package may also run a system-wide server on :9090;
this one never touches it: its own free port, its own --storage.tsdb.path
under the test's tmp_path, its own config.
"""

import json
import math
import os
import re
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DASHBOARDS = REPO / "dashboards"
PROMETHEUS = os.environ.get("PROMETHEUS", "prometheus")


def free_port():
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url, timeout=10):
    """(status, body text) of a GET, errors included."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


class Prometheus:
    """prometheus scraping one vigil target every second, with vigil's
    alerting rules loaded."""

    def __init__(self, workdir, target, interval="1s"):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        workdir = Path(workdir)
        cfg = workdir / "prometheus.yml"
        cfg.write_text(
            f"global:\n  scrape_interval: {interval}\n"
            f"  evaluation_interval: {interval}\n"
            f"rule_files: [{json.dumps(str(DASHBOARDS / 'vigil-alerts.yml'))}]\n"
            "scrape_configs:\n  - job_name: vigil\n"
            f"    scrape_timeout: {interval}\n"
            f"    static_configs: [{{targets: [\"{target}\"]}}]\n")
        self.err_path = workdir / "prometheus.log"
        with open(self.err_path, "wb") as err:
            self.proc = subprocess.Popen(
                [PROMETHEUS, f"--config.file={cfg}",
                 f"--storage.tsdb.path={workdir / 'tsdb'}",
                 f"--web.listen-address=127.0.0.1:{self.port}",
                 "--storage.tsdb.retention.time=1d"],
                stdin=subprocess.DEVNULL, stdout=err, stderr=err)
        self.wait(lambda: self._ready(), "Prometheus ready", timeout=60)

    def log(self):
        return self.err_path.read_text(errors="replace")[-4000:]

    def _ready(self):
        if self.proc.poll() is not None:
            pytest.fail(f"prometheus exited {self.proc.returncode}\n"
                        f"{self.log()}", pytrace=False)
        try:
            return http_get(self.url + "/-/ready", timeout=2)[0] == 200
        except OSError:
            return False

    def wait(self, pred, what, timeout=60):
        deadline = time.monotonic() + timeout
        while not pred():
            if time.monotonic() > deadline:
                pytest.fail(f"waited {timeout}s for {what}\n{self.log()}",
                            pytrace=False)
            time.sleep(0.2)

    def api(self, path, **params):
        """The data of an API call; a failed one (a query that does not
        parse) fails the test, naming the query."""
        url = f"{self.url}/api/v1/{path}?{urllib.parse.urlencode(params)}"
        status, body = http_get(url)
        reply = json.loads(body)
        assert status == 200 and reply["status"] == "success", \
            f"{path} {params}: HTTP {status}: {body[:2000]}"
        return reply["data"]

    def query(self, expr, at=None):
        params = {"query": expr}
        if at is not None:
            params["time"] = f"{at:.3f}"
        return self.api("query", **params)["result"]

    def query_range(self, expr, start, end, step="1s"):
        return self.api("query_range", query=expr, start=f"{start:.3f}",
                        end=f"{end:.3f}", step=step)["result"]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()       # ours, by pid
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def finite_points(result):
    """The finite values of a query_range (matrix) or query (vector)
    result: a series of NaN only is a panel that shows nothing."""
    out = []
    for series in result:
        values = series.get("values") or [series["value"]]
        out += [float(v) for _, v in values if math.isfinite(float(v))]
    return out


def grafana_expr(expr, range_s):
    """A panel's expression as Grafana sends it: the dashboard's variables
    (job, host: all) and Grafana's interval variables replaced (scrapes
    every second: $__rate_interval is Grafana's 4 scrapes)."""
    subst = {"$__rate_interval": "4s", "$__interval": "1s",
             "$__range": f"{int(range_s)}s", "$job": "vigil",
             "$instance": ".*"}
    for k, v in subst.items():
        expr = expr.replace(k, v)
    left = re.findall(r"\$\w+", expr)
    assert not left, f"variables the test does not know: {left} in {expr}"
    return expr


COMPARISON = re.compile(r"==|!=|>=|<=|>|<")


def boolified(expr):
    """expr with `bool` after its last top-level comparison: every series
    the comparison looks at comes back (0 or 1) instead of only those that
    pass it, so an alert that does not fire still shows that the series it
    watches exist."""
    depth, quote, last = 0, None, None
    i = 0
    while i < len(expr):
        c = expr[i]
        if quote:
            quote = None if c == quote else quote
        elif c in "\"'`":
            quote = c
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif depth == 0:
            m = COMPARISON.match(expr, i)
            if m:
                last = m
                i = m.end()
                continue
        i += 1
    assert last, f"no top-level comparison in {expr}"
    return expr[:last.end()] + " bool" + expr[last.end():]


def dashboards():
    """{file name: dashboard} of dashboards/*.json."""
    return {p.name: json.loads(p.read_text())
            for p in sorted(DASHBOARDS.glob("*.json"))}


def panel_targets():
    """(dashboard file, panel title, target) for every query of every
    panel."""
    out = []
    for name, d in dashboards().items():
        for p in d["panels"]:
            for t in p.get("targets", []):
                out.append((name, p["title"], t))
    return out
