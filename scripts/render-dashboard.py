#!/usr/bin/env python3
"""Renders a vigil Grafana dashboard to a PNG from a real Prometheus,
for the README (Grafana is not packaged where vigil is built): each
panel's own queries from the dashboard JSON, sent to Prometheus's HTTP
API over [START, END] as Grafana would send them (job and host: all),
drawn with matplotlib on the dashboard's grid.

Usage: scripts/render-dashboard.py PROM_URL START END OUT.png [DASHBOARD]
       (START, END: Unix seconds; DASHBOARD: dashboards/vigil-overview.json)
"""
import json
import math
import re
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROW_INCH, COL_INCH = 0.42, 0.78


def query_range(url, expr, start, end, step):
    q = urllib.parse.urlencode({"query": expr, "start": start, "end": end,
                                "step": step})
    with urllib.request.urlopen(f"{url}/api/v1/query_range?{q}") as r:
        return json.load(r)["data"]["result"]


def expand(expr, start, end, step):
    for k, v in {"$__rate_interval": f"{4 * step}s", "$__interval": f"{step}s",
                 "$__range": f"{int(end - start)}s", "$job": ".*",
                 "$instance": ".*"}.items():
        expr = expr.replace(k, v)
    return expr


def legend(fmt, metric):
    text = re.sub(r"\{\{\s*(\w+)\s*\}\}",
                  lambda m: metric.get(m.group(1), ""), fmt or "")
    return text or json.dumps(metric)


def series(url, panel, start, end, step):
    out = []
    for t in panel["targets"]:
        expr = expand(t["expr"], start, end, step)
        for s in query_range(url, expr, start, end, step):
            pts = [(float(x) - end, float(y)) for x, y in s["values"]
                   if math.isfinite(float(y))]
            if pts:
                out.append((legend(t.get("legendFormat"), s["metric"]), pts))
    return out


def draw(ax, panel, data):
    ax.set_title(panel["title"], fontsize=9, loc="left")
    ax.tick_params(labelsize=7)
    if panel["type"] == "stat":
        value = sum(pts[-1][1] for _, pts in data)
        ax.text(0.5, 0.45, f"{value:.4g}", ha="center", va="center",
                fontsize=22, color="#1f77b4", transform=ax.transAxes)
        ax.axis("off")
    elif panel["type"] == "bargauge":
        labels = [name for name, _ in data]
        ax.barh(labels[::-1], [pts[-1][1] for _, pts in data][::-1],
                color="#e8743b")
        ax.tick_params(labelsize=6)
    else:
        for name, pts in data:
            ax.plot([p[0] for p in pts], [p[1] for p in pts], label=name,
                    linewidth=1)
        ax.set_xlabel("seconds before the end", fontsize=7)
        if data:
            ax.legend(fontsize=6, loc="upper left")
        if panel.get("fieldConfig", {}).get("defaults", {}).get("unit") == "s":
            ax.set_ylabel("seconds", fontsize=7)


def main(argv):
    if len(argv) not in (5, 6):
        sys.exit(__doc__)
    url, start, end, out = argv[1], float(argv[2]), float(argv[3]), argv[4]
    board = Path(argv[5] if len(argv) == 6 else
                 Path(__file__).resolve().parents[1] / "dashboards" /
                 "vigil-overview.json")
    dash = json.loads(board.read_text())
    step = max(1, int((end - start) / 300))
    rows = max(p["gridPos"]["y"] + p["gridPos"]["h"] for p in dash["panels"])
    fig = plt.figure(figsize=(24 * COL_INCH, rows * ROW_INCH))
    grid = fig.add_gridspec(rows, 24, hspace=2.4, wspace=1.2)
    for p in dash["panels"]:
        g = p["gridPos"]
        ax = fig.add_subplot(grid[g["y"]:g["y"] + g["h"],
                                  g["x"]:g["x"] + g["w"]])
        draw(ax, p, series(url, p, start, end, step))
    fig.suptitle(f"{dash['title']} (drawn from Prometheus query results, "
                 "not by Grafana)", fontsize=12)
    fig.savefig(out, dpi=80, bbox_inches="tight")


if __name__ == "__main__":
    main(sys.argv)
