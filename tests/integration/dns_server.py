"""A small authoritative DNS server for the egress tests, run with
Debian's python3 (python3-dnslib) inside the test's network namespace.

    dns_server.py ADDR PORT [--tcp HOST:PORT]... [--sink HOST:PORT]...
                  RECORD...

RECORD is "NAME TYPE VALUE TTL" (TYPE A, AAAA or CNAME). Each --tcp
listener accepts connections and prints "C HOST PORT" for each; each
--sink listener does too, then reads each connection to its end and
prints "B HOST PORT N" after every read (N: the connection's bytes so
far), so a test counts what arrived even when the end never comes. A question is
answered with the CNAME chain from its name and the records of the
name it ends at; every question is printed ("Q NAME TYPE") on stdout as
it arrives, so a test can tell which queries reached the server. UDP and
TCP on ADDR:PORT; runs until killed."""

import socket
import sys
import threading

from dnslib import QTYPE, RR, RCODE
from dnslib.server import BaseResolver, DNSLogger, DNSServer


# One line at a time from every thread: print() writes a line's text and
# its newline apart, so two threads' lines could interleave.
SAY = threading.Lock()


def say(line):
    with SAY:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


class Zone(BaseResolver):
    def __init__(self, specs):
        self.rrs = {}
        for spec in specs:
            name, rtype, value, ttl = spec.split()
            rr = RR.fromZone(f"{name}. {ttl} IN {rtype} {value}")[0]
            self.rrs.setdefault(name.lower().rstrip("."), []).append(rr)

    def resolve(self, request, handler):
        q = request.q
        name = str(q.qname).lower().rstrip(".")
        say(f"Q {name} {QTYPE[q.qtype]}")
        reply = request.reply()
        for _ in range(8):              # a CNAME chain, at most 8 long
            rrs = self.rrs.get(name, [])
            cname = [r for r in rrs if r.rtype == QTYPE.CNAME]
            if cname:
                reply.add_answer(cname[0])
                name = str(cname[0].rdata.label).lower().rstrip(".")
                continue
            for r in rrs:
                if r.rtype == q.qtype:
                    reply.add_answer(r)
            break
        if not reply.rr and name not in self.rrs:
            reply.header.rcode = RCODE.NXDOMAIN
        return reply


def drain(c, host, port):
    n = 0
    while True:
        got = c.recv(1 << 20)
        if not got:
            break
        n += len(got)
        say(f"B {host} {port} {n}")
    c.close()


def accept(host, port, sink=False):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, port))
    s.listen(64)

    def serve():
        while True:
            c, _ = s.accept()
            say(f"C {host} {port}")
            if sink:
                threading.Thread(target=drain, args=(c, host, port),
                                 daemon=True).start()
            else:
                c.close()
    threading.Thread(target=serve, daemon=True).start()


def main():
    addr, port, args = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    specs = []
    while args:
        if args[0] in ("--tcp", "--sink"):
            host, _, p = args[1].rpartition(":")
            accept(host.strip("[]"), int(p), sink=args[0] == "--sink")
            args = args[2:]
        else:
            specs.append(args.pop(0))
    zone = Zone(specs)
    quiet = DNSLogger(log="-request,-reply,-truncated,-error,-recv,-send,"
                      "-data", prefix=False)
    servers = [DNSServer(zone, port=port, address=addr, tcp=tcp,
                         logger=quiet) for tcp in (False, True)]
    for s in servers:
        s.start_thread()
    print("ready", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
