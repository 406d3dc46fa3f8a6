#!/usr/bin/env python3
"""Per-program run counts and run time, from `bpftool prog show --json`
while kernel.bpf_stats_enabled=1 (bench/run.sh turns it on for its BPF
pass and restores it). A program's run_time_ns includes the programs it
tail-calls, which have no counts of their own.

    bpfstats.py ids                    ids of every program loaded now
    bpfstats.py snap IDS_FILE          "id name run_cnt run_time_ns" of the
                                       programs loaded since IDS_FILE was
                                       written (the monitor's own)
    bpfstats.py diff BEFORE AFTER      "name runs ns" of each program that
                                       ran between two snaps
"""
import json
import os
import subprocess
import sys

BPFTOOL = os.environ.get("BPFTOOL", "bpftool")


def progs():
    out = subprocess.run([BPFTOOL, "prog", "show", "--json"], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out or "[]")


def read_ids(path):
    with open(path) as f:
        return {int(x) for x in f.read().split()}


def snap(ids_file):
    before = read_ids(ids_file)
    for p in progs():
        if p["id"] not in before:
            print(p["id"], p.get("name") or "-", p.get("run_cnt", 0),
                  p.get("run_time_ns", 0))


def read_snap(path):
    rows = {}
    with open(path) as f:
        for line in f:
            pid, name, cnt, ns = line.split()
            rows[pid] = (name, int(cnt), int(ns))
    return rows


def diff(before_file, after_file):
    before, after = read_snap(before_file), read_snap(after_file)
    for pid, (name, cnt, ns) in sorted(after.items(), key=lambda r: int(r[0])):
        _, cnt0, ns0 = before.get(pid, (name, 0, 0))
        if cnt > cnt0:
            print(name, cnt - cnt0, ns - ns0)


def main(argv):
    if argv[1:2] == ["ids"]:
        print(" ".join(str(p["id"]) for p in progs()))
    elif len(argv) == 3 and argv[1] == "snap":
        snap(argv[2])
    elif len(argv) == 4 and argv[1] == "diff":
        diff(argv[2], argv[3])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
