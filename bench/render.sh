#!/usr/bin/env bash
# The renderer on one core over two JSON writers, side by side: vigil's own
# (userspace/lib/json.c) and yajl's generator (bench/json_yajl.c, the one
# before issue 12). Runs the two builds of build/bench/render_bench in
# alternation, BENCH_RENDER_PAIRS (3) times each, and prints their medians;
# first it checks that both wrote the same bytes for every record.
#
#   bench/render.sh        (make bench builds both and runs it)
#
# Timings are reported, never asserted: the exit status is non-zero only
# when a build is missing, a run fails, or the writers' outputs differ.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$ROOT/build/bench
PAIRS=${BENCH_RENDER_PAIRS:-3}
declare -A BIN=([vigil]=$BUILD/render_bench [yajl]=$BUILD/render_bench_yajl)

log() { printf 'bench-render: %s\n' "$*" >&2; }
for w in vigil yajl; do
	[ -x "${BIN[$w]}" ] || { log "error: no ${BIN[$w]} (make bench builds it)"; exit 1; }
done
work=$(mktemp -d /tmp/vigil-bench-render.XXXXXX)
trap 'rm -rf "$work"' EXIT

for w in vigil yajl; do
	BENCH_RENDER_DUMP=$work/$w.jsonl BENCH_RENDER_ROUNDS=1 BENCH_RENDER_SECS=0.1 \
		"${BIN[$w]}" "$w" >/dev/null
done
if ! cmp -s "$work/vigil.jsonl" "$work/yajl.jsonl"; then
	log "BROKEN: the two writers rendered different text:"
	diff "$work/vigil.jsonl" "$work/yajl.jsonl" | head -n 6 >&2
	exit 1
fi

# Pairs in alternating order, so neither writer always runs first.
for ((i = 0; i < PAIRS; i++)); do
	order="vigil yajl"
	((i % 2)) && order="yajl vigil"
	for w in $order; do
		"${BIN[$w]}" "$w" >>"$work/runs"
	done
done

field() { sed -n "s/.* $2=\([0-9.]*\).*/\1/p" <<<"$1"; }
median_of() {
	grep "writer=$1 " "$work/runs" | sed -n 's/.* ns_per_record=\([0-9.]*\).*/\1/p' |
		sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
vigil=$(median_of vigil)
yajl=$(median_of yajl)
bytes=$(field "$(head -n 1 "$work/runs")" bytes_per_record)
echo
echo "== Renderer: records/s through render__event on one core, two JSON writers, median of $PAIRS runs each =="
echo "(an agent session's mix: 84% opens, execs, forks, exits, connects, flows; $bytes bytes per record; identical text from both)"
awk -v v="$vigil" -v y="$yajl" 'BEGIN {
	printf "%-28s %8.0f ns/record %10.0f records/s\n", "vigil (userspace/lib/json.c)", v, 1e9 / v
	printf "%-28s %8.0f ns/record %10.0f records/s\n", "yajl (bench/json_yajl.c)", y, 1e9 / y
	printf "speed-up of the vigil writer over yajl: %.1fx\n", y / v
}'
