#!/bin/bash
# A shell whose stdio is a socket, started by the agent's interpreter
# (the execution rules' case); nothing listens on loopback 4445.
cd "$1"
python3 - <<'PY'
import os, socket, subprocess
s = socket.socket()
s.settimeout(1)
try:
    s.connect(("127.0.0.1", 4445))
except OSError:
    pass
subprocess.run(["/bin/sh", "-i", "-c", "id"], stdin=s.fileno(),
               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
PY
