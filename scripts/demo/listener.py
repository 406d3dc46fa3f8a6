"""The demo's stand-in for an attacker's server: a loopback listener that
prints its port, then counts what it receives until the sender closes."""
import socket
import sys

srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(1)
srv.settimeout(60)
print(srv.getsockname()[1], flush=True)
conn, _ = srv.accept()
total = 0
while chunk := conn.recv(1 << 16):
    total += len(chunk)
print(f"listener: received {total} bytes", file=sys.stderr)
