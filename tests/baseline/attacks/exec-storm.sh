#!/bin/bash
# A runaway loop of a known program, far above any session's minute.
cd "$1"
for i in $(seq 1 1500); do git --version > /dev/null; done
