"""The demo's stand-in for an attacker's server: a listener on ADDR (inside
the demo's own network namespace) that prints its port, then counts what it
receives until the sender closes or dies."""
import socket
import sys

srv = socket.socket()
srv.bind((sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1", 0))
srv.listen(1)
srv.settimeout(60)
print(srv.getsockname()[1], flush=True)
try:
    conn, _ = srv.accept()
except socket.timeout:
    sys.exit(0)     # the agent never got this far
conn.settimeout(10)
total = 0
try:
    while chunk := conn.recv(1 << 16):
        total += len(chunk)
except (ConnectionResetError, socket.timeout):
    pass
print(f"listener: received {total} bytes", file=sys.stderr)
