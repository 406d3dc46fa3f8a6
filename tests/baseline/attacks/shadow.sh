#!/bin/bash
# The host's password hashes read by the agent's interpreter.
cd "$1"
python3 -c 'open("/etc/shadow").read()'
