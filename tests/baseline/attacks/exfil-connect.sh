#!/bin/bash
# Workspace files sent to a destination the profile never reached (the
# egress rules' case); loopback only: nothing listens, the try is enough.
cd "$1"
echo 'secret = 42' > config.py
python3 - <<'PY'
import socket
s = socket.socket()
s.settimeout(1)
try:
    s.connect(("127.0.0.1", 4444))
    s.sendall(open("config.py", "rb").read())
except OSError:
    pass
PY
