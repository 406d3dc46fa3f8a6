#!/usr/bin/env bash
# Kafka end to end: records/s from vigil's ring buffer to acknowledged by a
# real broker on this machine, with default settings, and vigil's memory at
# that rate. Open loops in a sandbox produce the records; vigil's JSON output
# goes to /dev/null so Kafka is the only sink that works.
#
#   bench/kafka.sh        (as root; make bench runs it after run.sh)
#
# BENCH_KAFKA_SECS (10): seconds of load. Target: 200,000 records/s
# acknowledged, with no loss (every record delivered, none dropped).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
VIGIL=${VIGIL:-$ROOT/vigil}
WORKLOAD=$ROOT/build/bench/workload
SECS=${BENCH_KAFKA_SECS:-10}
BROKER=$ROOT/tests/kafka/broker.sh
PORT=29092

log() { printf 'bench-kafka: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[ -x "$WORKLOAD" ] || die "no $WORKLOAD: run bench/run.sh (make bench) first"
work=$(mktemp -d /tmp/vigil-bench-kafka.XXXXXX)
cg2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
root=$(mktemp -d "$cg2/vigil-bench-kafka.XXXXXX")
mkdir "$root/sb"
vigil_pid=
loads=()

cleanup() {
	for p in "${loads[@]}" $vigil_pid; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	# A stopped daemon leaves its programs pinned and enforcing: the
	# bench's must not outlive it.
	"$VIGIL" unpin --sandbox-root "$root" >/dev/null 2>&1 || true
	[ -e "$root/sb/cgroup.kill" ] && echo 1 >"$root/sb/cgroup.kill"
	sleep 0.2
	rmdir "$root/sb" "$root" 2>/dev/null || true
	"$BROKER" stop "$work/broker" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

log "starting a broker on 127.0.0.1:$PORT"
"$BROKER" fetch
"$BROKER" start "$work/broker" "$PORT" >"$work/broker.out" 2>&1 ||
	{ cat "$work/broker.out" >&2; die "the broker did not start"; }

# Defaults, but for a flush long enough to see every record acknowledged.
printf 'kafka:\n  flush_timeout_ms: 120000\n' >"$work/vigil.yaml"
"$VIGIL" daemon --sandbox-root "$root" --output /dev/null \
	--config "$work/vigil.yaml" \
	--kafka-brokers "127.0.0.1:$PORT" --spool-dir "$work/spool" \
	2>"$work/vigil.err" &
vigil_pid=$!
for _ in $(seq 100); do grep -q 'vigil: ready' "$work/vigil.err" && break; sleep 0.1; done
grep -q 'vigil: ready' "$work/vigil.err" || die "vigil did not start: $(cat "$work/vigil.err")"

# Loops flat out inside the sandbox (BENCH_KAFKA_LOOPS, default 1: on two
# cores the broker and vigil need the other).
t0=$(date +%s.%N)
for _ in $(seq "${BENCH_KAFKA_LOOPS:-1}"); do
	sh -c 'echo $$ > "$1/cgroup.procs"; exec "$2" openburst "$3"' _ \
		"$root/sb" "$WORKLOAD" "$SECS" >>"$work/load.out" &
	loads+=($!)
done
wait "${loads[@]}"
loads=()
rss_kb=$(awk '/^VmHWM/ { print $2 }' "/proc/$vigil_pid/status")
kill -TERM "$vigil_pid"
wait "$vigil_pid" || die "vigil exited $?: $(tail -5 "$work/vigil.err")"
vigil_pid=
t1=$(date +%s.%N)

stats=$(grep 'vigil: stats' "$work/vigil.err")
kstats=$(grep 'vigil: kafka: delivered' "$work/vigil.err")
records=$(sed -n 's/.*records=\([0-9]*\).*/\1/p' <<<"$stats")
drops=$(sed -n 's/.* drops=\([0-9]*\).*/\1/p' <<<"$stats")
delivered=$(sed -n 's/.*delivered=\([0-9]*\).*/\1/p' <<<"$kstats")
spooled=$(sed -n 's/.*spooled=\([0-9]*\).*/\1/p' <<<"$kstats")
rate=$(awk -v n="$delivered" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) }')

echo
echo "== Kafka end to end: ${BENCH_KAFKA_LOOPS:-1} open loop(s) in a sandbox for ${SECS}s, broker on this machine =="
echo "records made by vigil:      $records (kernel drops: $drops)"
echo "acknowledged by the broker: $delivered (spooled on the way: $spooled)"
echo "rate, first record to last acknowledgement: $rate records/s (target 200000)"
echo "vigil peak memory (VmHWM): $((rss_kb / 1024)) MiB"
if [ "$delivered" != "$records" ]; then
	echo "LOSS: $((records - delivered)) records not acknowledged"
	exit 1
fi
verdict=$([ "$rate" -ge 200000 ] && echo met || echo "missed on this machine")
echo "no loss; 200,000 records/s: $verdict"
