#!/usr/bin/env python3
"""Egress control (issue 14): what the cgroup hooks cost a sandbox's
connects and sends, and what reading a DNS answer costs (root).

    bench/egress.py     (make bench runs it after bench/enforce.py)

Compiles bench/egress_helper.c, which times N calls in a loop: a UDP
socket's connect() (the connect4 hook, no handshake to time) and an
unconnected sendto() (the sendmsg4 hook), to 127.0.0.1. Side by side in
one run:

1. no vigil: the helper before the daemon starts;
2. vigil, in a sandbox of a profile with `egress: deny`, to a port its
   allowlist has (allowed) and to one it lacks (refused, EPERM);
3. vigil without the hooks: (2) less the hooks' own time per call, which
   the kernel's BPF stats give (kernel.bpf_stats_enabled, run_time_ns /
   run_cnt of egress_connect4 and egress_sendmsg4; turned on for the
   run and restored after). The target: an allowed call within 5% of it.
4. DNS: queries for an allowed name to a resolver of this script's own
   on 127.0.0.2:53, answered with one A record: the query's time in
   net_egress (its DNS path, per query) beside the dns_ingress
   program's time per answer it read.
5. One egress program: net_egress's time per packet of the allowed
   sendto (the merged program, which parses each packet once) against
   the same with a second cgroup_skb/egress program beside it that
   parses the headers again (bench/egress_parse.bpf.c), as the separate
   DNS query program did before the merge: program time per packet and
   the sendto call's time, side by side.

Figures are reported, never asserted: the exit status is non-zero only
when something is broken. Everything made here is removed on exit.
Knobs: VIGIL (./vigil), CC (cc), CLANG (clang), BENCH_CALLS (200000).
"""
import json
import os
import socket
import struct
import subprocess
import threading

from benchlib import Bench, Broken, ROOT, logger, main

CALLS = int(os.environ.get("BENCH_CALLS", "200000"))
RESOLVER = "127.0.0.2"
log = logger("egress")

RULES = """
- profile: bench
  description: one UDP port, a resolver and one name
  egress: deny
  allow:
    destinations: ["127.0.0.1:{port}", "{resolver}:53", "bench.test:80"]
"""

PROGS = ("egress_connect4", "egress_sendmsg4", "dns_ingress", "net_egress",
         "bench_parse")
PARSE_PIN = f"/sys/fs/bpf/vigil-bench-parse-{os.getpid()}"


def prog_stats():
    """{name: (run_time_ns, run_cnt)} summed over programs of that name."""
    out = subprocess.run(["bpftool", "prog", "show", "-j"], check=True,
                         capture_output=True, text=True).stdout
    stats = {n: (0, 0) for n in PROGS}
    for p in json.loads(out):
        if p.get("name") in stats:
            t, c = stats[p["name"]]
            stats[p["name"]] = (t + p.get("run_time_ns", 0),
                                c + p.get("run_cnt", 0))
    return stats


def answer(query):
    """The canned answer to a query: its question, one A record (a
    pointer to the question's name), TTL 60."""
    qend = 12
    while query[qend]:
        qend += query[qend] + 1
    qend += 5
    hdr = query[:2] + b"\x81\x80" + b"\x00\x01\x00\x01\x00\x00\x00\x00"
    rr = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + \
        socket.inet_aton("127.0.0.3")
    return hdr + query[12:qend] + rr


class EgressBench(Bench):
    def __init__(self):
        super().__init__("egress", log)
        self.socks = []
        self.parse_sb = None

    def udp(self, host, port=0):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((host, port))
        self.socks.append(s)
        return s

    def resolver(self):
        s = self.udp(RESOLVER, 53)

        def serve():
            while True:
                try:
                    q, peer = s.recvfrom(512)
                    s.sendto(answer(q), peer)
                except OSError:
                    return
        threading.Thread(target=serve, daemon=True).start()

    def helper(self, how, port, sb=None):
        def enter():
            with open(os.path.join(sb, "cgroup.procs"), "w") as f:
                f.write(str(os.getpid()))
        addr = RESOLVER if how == "dns" else "127.0.0.1"
        r = subprocess.run([self.bin, how, addr, str(port), str(CALLS)],
                           preexec_fn=enter if sb else None,
                           capture_output=True, text=True,
                           env={**os.environ, "BENCH_QNAME": "bench.test"})
        if r.returncode:
            raise Broken(f"egress_helper {how}: {r.stderr.strip()}")
        return float(r.stdout)

    def timed(self, how, port, sb, progs):
        """(ns per call, {prog: ns per run}) of one helper run."""
        before = prog_stats()
        ns = self.helper(how, port, sb)
        after = prog_stats()
        per = {}
        for prog in progs:
            runs = after[prog][1] - before[prog][1]
            if not runs:
                raise Broken(f"{prog} never ran for {how}")
            per[prog] = (after[prog][0] - before[prog][0]) / runs
        return ns, per

    def parse_attach(self, sb):
        """The second egress program on sandbox sb (PARSE_PIN)."""
        obj = os.path.join(self.scratch, "egress_parse.bpf.o")
        subprocess.run([os.environ.get("CLANG", "clang"), "-g", "-O2",
                        "-target", "bpf", "-D__TARGET_ARCH_x86",
                        "-I" + os.path.join(ROOT, "vmlinux"),
                        "-I" + os.path.join(ROOT, "bpf"), "-c",
                        os.path.join(ROOT, "bench", "egress_parse.bpf.c"),
                        "-o", obj], check=True)
        subprocess.run(["bpftool", "prog", "load", obj, PARSE_PIN, "type",
                        "cgroup/skb"], check=True)
        self.parse_sb = sb
        subprocess.run(["bpftool", "cgroup", "attach", sb, "egress",
                        "pinned", PARSE_PIN, "multi"], check=True)

    def parse_detach(self):
        if self.parse_sb:
            subprocess.run(["bpftool", "cgroup", "detach", self.parse_sb,
                            "egress", "pinned", PARSE_PIN])
            self.parse_sb = None
        if os.path.exists(PARSE_PIN):
            os.unlink(PARSE_PIN)

    def dns_and_merge(self, sb, aport):
        """Figures 4 and 5."""
        _, dns = self.timed("dns", 53, sb, ("net_egress", "dns_ingress"))
        log(f"  DNS query read at egress (net_egress, per query): "
            f"{dns['net_egress']:.0f} ns; answer read at ingress "
            f"(dns_ingress, per packet): {dns['dns_ingress']:.0f} ns")
        call, one = self.timed("sendto", aport, sb, ("net_egress",))
        self.parse_attach(sb)
        call2, two = self.timed("sendto", aport, sb,
                                ("net_egress", "bench_parse"))
        self.parse_detach()
        merged, before = one["net_egress"], sum(two.values())
        log(f"  egress per packet (allowed UDP sendto): one program "
            f"{merged:.0f} ns; with a second parse as before the merge "
            f"{before:.0f} ns (net_egress {two['net_egress']:.0f} + "
            f"parse {two['bench_parse']:.0f}): {merged / before:.3f}")
        log(f"  sendto per call: one program {call:.0f} ns, two "
            f"{call2:.0f} ns: {call / call2:.3f}")

    def run(self):
        self.bin = os.path.join(self.scratch, "egress_helper")
        subprocess.run([os.environ.get("CC", "cc"), "-O2", "-D_GNU_SOURCE",
                        "-o", self.bin,
                        os.path.join(ROOT, "bench", "egress_helper.c")],
                       check=True)
        allowed, denied = self.udp("127.0.0.1"), self.udp("127.0.0.1")
        aport, dport = allowed.getsockname()[1], denied.getsockname()[1]
        self.resolver()
        base = {how: self.helper(how, aport) for how in ("connect", "sendto")}
        self.stats_on()
        self.start_daemon(RULES.format(port=aport, resolver=RESOLVER))
        sb = self.make_sandbox("egress", profile="bench")
        log(f"{CALLS} calls each, ns per call (mean):")
        for how, prog in (("connect", "egress_connect4"),
                          ("sendto", "egress_sendmsg4")):
            ok, hook = self.timed(how, aport, sb, (prog,))
            no, no_hook = self.timed(how, dport, sb, (prog,))
            hook, no_hook = hook[prog], no_hook[prog]
            without = ok - hook
            log(f"  UDP {how:7s} no vigil {base[how]:7.0f}   vigil, "
                f"allowed {ok:7.0f} (hook {hook:4.0f})   refused {no:7.0f} "
                f"(hook {no_hook:4.0f})")
            log(f"  UDP {how:7s} allowed / vigil without the hooks "
                f"({without:.0f}): {ok / without:.3f} (target <= 1.05); "
                f"/ no vigil: {ok / base[how]:.3f}")
        self.dns_and_merge(sb, aport)
        self.stop_daemon()

    def cleanup(self):
        self.parse_detach()
        for s in self.socks:
            s.close()
        super().cleanup()


if __name__ == "__main__":
    raise SystemExit(main(EgressBench, log))
