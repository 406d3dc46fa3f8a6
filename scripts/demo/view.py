"""Summarises a vigil JSON Lines file for the demo: executions,
connections, host-reaching syscalls, egress flows and sensitive file opens
one line each, then
vigil's alerts and actions marked "!!". Everything else is only counted."""
import json
import sys

SENSITIVE = ("/.ssh/", "/.aws/", "/etc/passwd", "/etc/shadow")


def describe(r):
    t = r["type"]
    if t == "exec" and r["exec"]["ret"] == 0:
        e = r["exec"]
        argv = " ".join(e["argv"])
        return f"exec    {e['file']}  [{argv[:70]}{'...' if len(argv) > 70 else ''}]"
    if t == "open" and r["open"]["ret"] >= 0 and any(s in r["open"]["path"] for s in SENSITIVE):
        o = r["open"]
        via = f"  (opened as {o['arg']})" if o["arg"] != o["path"] else ""
        killed = "  KILLED IN THE KERNEL inside open()" \
            if o.get("kernel_killed") else ""
        return f"open    {o['path']}{via}{killed}"
    if t == "connect":
        c = r["connect"]
        return f"connect {c['proto']} {c['addr']}:{c['port']}  ret={c['ret']}"
    if t == "syscall":
        s = r["syscall"]
        return f"syscall {s['name']}() = {s['ret']}"
    if t == "flow":
        f = r["flow"]
        return (f"flow    {f['proto']} -> {f['addr']}:{f['port']}  "
                f"{f['bytes']} bytes in {f['packets']} packets")
    if t == "alert":
        a = r["alert"]
        return (f"ALERT   {a['rule']} ({a['severity']}, +{a['score']:g} -> "
                f"risk {a['risk']:g}) on record {a['trigger']['seq']}")
    if t == "action":
        a = r["action"]
        why = a["rule"] or f"risk {a['risk']:g} >= {a['threshold']:g}"
        took = f", {a['latency_ms']:.1f} ms after the syscall" if a["latency_ms"] else ""
        first = {"sigkill": " (the kernel had killed the opener)",
                 "drop": " (the kernel had dropped the packets)"}.get(
                     a.get("kernel_verdict"), "")
        return (f"ACTION  {a['action'].upper()} ({why}): "
                f"{a['outcome']}{took}{first}")
    if t == "exit" and r["exit"]["signal"] == 9:
        return f"exit    killed by SIGKILL"
    return None


def main(path):
    hidden = 0
    for line in open(path):
        r = json.loads(line)
        text = describe(r)
        if text is None:
            hidden += 1
            continue
        flagged = r["type"] in ("alert", "action")
        proc = r.get("proc") or {}
        who = f"{proc.get('comm', ''):>8}[{proc.get('pid', '')}]" if proc else " " * 14
        print(f"{'!!' if flagged else '  '} {r['seq']:5} {who} {text}")
    print(f"   ({hidden} more records: forks, exits, failed PATH lookups, library opens)")


if __name__ == "__main__":
    main(sys.argv[1])
