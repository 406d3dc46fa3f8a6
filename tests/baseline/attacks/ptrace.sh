#!/bin/bash
# A tracer attached to a process (the evasion rules' case).
cd "$1"
strace -f -o /dev/null true
