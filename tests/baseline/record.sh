#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Records the baseline corpus anew (as root): every session a `vigil run`
# of one script of sessions/ (benign: real toolchains, offline) or
# attacks/, in a workspace of its own, alternately under /tmp and under
# /home/vigil-corpus, kept gzipped in corpus/{learn,benign,attack}/.
# Sessions 1-4 of each toolchain are learnt from, 5-8 held out.
#
#   tests/baseline/record.sh [VIGIL]     (default: ./vigil)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
vigil=${1:-$here/../../vigil}
home=/home/vigil-corpus
corpus=$here/corpus

# The task is the workspace's, as an agent's would be: where the script
# came from is no part of what the session does.
record() {	# OUT SCRIPT WORKSPACE N
	local out=$1 script=$2 ws=$3 n=$4
	cp "$script" "$ws/.task.sh"
	"$vigil" run --no-rules --profile coding --output "$out.tmp" -- \
		bash "$ws/.task.sh" "$ws" "$n" >/dev/null 2>&1 || true
	gzip -9 -n -c "$out.tmp" > "$out.gz"
	rm -f "$out.tmp"
}

workspace() {	# N: odd under /tmp, even under the corpus' home
	if (($1 % 2)); then mktemp -d /tmp/ws.XXXXXX
	else mktemp -d "$home/ws.XXXXXX"; fi
}

# The corpus' home: fake secrets for the attacks to take.
mkdir -p "$home/.aws" "$home/.ssh"
echo '[default]
aws_access_key_id = AKIAFAKEFAKEFAKE' > "$home/.aws/credentials"
echo 'not a key' > "$home/.ssh/id_rsa"
touch "$home/.bashrc" "$home/.ssh/authorized_keys"

rm -rf "$corpus"
mkdir -p "$corpus/learn" "$corpus/benign" "$corpus/attack"
for tool in python node go cargo c git; do
	for n in 1 2 3 4 5 6 7 8; do
		dir=$corpus/learn
		((n <= 4)) || dir=$corpus/benign
		ws=$(workspace "$n")
		record "$dir/$tool-$n.jsonl" "$here/sessions/$tool.sh" "$ws" "$n"
		rm -rf "$ws"
	done
done
n=0
for script in "$here"/attacks/*.sh; do
	n=$((n + 1))
	ws=$(workspace "$n")
	record "$corpus/attack/$(basename "$script" .sh).jsonl" "$script" \
		"$ws" "$n"
	rm -rf "$ws"
done
# What the attacks left in the corpus' home goes.
rm -rf "$home"
