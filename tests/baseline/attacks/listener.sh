#!/bin/bash
# A listener (the listen rule's case): a web server on loopback for a
# second.
cd "$1"
timeout 1 python3 -m http.server --bind 127.0.0.1 8765 >/dev/null 2>&1 || true
