#!/usr/bin/env bash
# Kafka end to end: records/s from vigil's ring buffer to acknowledged by a
# real broker on this machine, with default settings, and vigil's memory
# meanwhile; beside kcat producing the same records to the same broker.
#
#   bench/kafka.sh        (as root; make bench runs it after run.sh)
#
# Runs, each against fresh topics (so their creation is part of the run):
#   kcat      the records of a short vigil capture, keyed and with headers
#             as vigil sends them, produced by kcat with vigil's producer
#             settings: what librdkafka and the broker take here;
#   paced     vigil with open loops paced to BENCH_KAFKA_RATE (250000)
#             records/s for BENCH_KAFKA_SECS (10) seconds;
#   flat out  vigil with BENCH_KAFKA_LOOPS (1) open loops flat out.
# vigil's JSON output goes to /dev/null so Kafka is the only sink that
# works; SIGTERM then flushes with a timeout long enough for every record
# to be acknowledged. Per run: records made, acknowledged, spooled on the
# way, kernel drops, the rate from the first record to the last
# acknowledgement, and vigil's peak memory: VmHWM, and the peaks of its
# anonymous and file-backed parts (the kernel ring buffer's pages, mapped
# once by userspace/intake/ringread.c: 16 MiB of the file-backed part).
#
# Targets (reported, not asserted): 200,000 records/s acknowledged, no
# record lost, VmHWM < 64 MiB, idle and under load. The exit status is
# non-zero only when something is broken: a tool fails, or a record made
# is neither acknowledged nor reported dropped.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
VIGIL=${VIGIL:-$ROOT/vigil}
WORKLOAD=$ROOT/build/bench/workload
SECS=${BENCH_KAFKA_SECS:-10}
RATE=${BENCH_KAFKA_RATE:-250000}
LOOPS=${BENCH_KAFKA_LOOPS:-1}
BROKER=$ROOT/tests/kafka/broker.sh
PORT=29092
# vigil's defaults (userspace/sinks/kafka/kafka_conf.c), for kcat.
KCAT_PROPS=(-X enable.idempotence=true -X acks=all -X compression.codec=zstd
	    -X linger.ms=20 -X batch.num.messages=10000)

log() { printf 'bench-kafka: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[ -x "$WORKLOAD" ] || die "no $WORKLOAD: run bench/run.sh (make bench) first"
command -v kcat >/dev/null || die "kcat not found (make deps)"
work=$(mktemp -d /tmp/vigil-bench-kafka.XXXXXX)
cg2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
root=$(mktemp -d "$cg2/vigil-bench-kafka.XXXXXX")
mkdir "$root/sb"
# Every record is scored by the built-in rules, as on a host, but a loop
# flat out must not add up to a freeze that would stop it (a frozen
# sandbox makes nothing to send): its profile never acts on risk.
printf -- '- profile: bench\n  thresholds: %s\n' \
	'{alert: 999998, freeze: 999999, kill: 1000000}' >"$work/bench-profile.yaml"
setfattr -n trusted.vigil.profile -v bench "$root/sb"
vigil_pid=
sampler=
loads=()
ROWS=()
BROKEN=()
NOTES=()

cleanup() {
	for p in "${loads[@]}" $vigil_pid $sampler; do kill "$p" 2>/dev/null || true; done
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

# load N RATE: N open loops in the sandbox for SECS (RATE per loop, 0 flat out).
load() {
	local i
	for ((i = 0; i < $1; i++)); do
		sh -c 'echo $$ > "$1/cgroup.procs"; exec "$2" openburst "$3" "$4"' _ \
			"$root/sb" "$WORKLOAD" "$SECS" "$2" >>"$work/load.out" &
		loads+=($!)
	done
	wait "${loads[@]}"
	loads=()
}

# --repeat-rate 0: the loops repeat one open, which the kernel would
# otherwise count in repeat records after 20,000 a second (bpf/repeat.bpf.h),
# and the runs would measure those few records, not the producer.
start_vigil() {
	"$VIGIL" daemon --sandbox-root "$root" --repeat-rate 0 "$@" 2>"$work/vigil.err" &
	vigil_pid=$!
	for _ in $(seq 150); do grep -q 'vigil: ready' "$work/vigil.err" && break; sleep 0.1; done
	grep -q 'vigil: ready' "$work/vigil.err" || die "vigil did not start: $(cat "$work/vigil.err")"
}

stop_vigil() {
	kill -TERM "$vigil_pid"
	wait "$vigil_pid" || die "vigil exited $?: $(tail -5 "$work/vigil.err")"
	vigil_pid=
	"$VIGIL" unpin --sandbox-root "$root" >/dev/null 2>&1 || true
}

# sample_memory PID: VmHWM, RssAnon and RssFile (kB) every 50 ms into
# $work/mem until PID is gone (vigil's drain after SIGTERM included).
sample_memory() {
	while kill -0 "$1" 2>/dev/null; do
		awk '$1 == "VmHWM:" { h = $2 } $1 == "RssAnon:" { a = $2 }
		     $1 == "RssFile:" { f = $2 } END { if (h) print h, a, f }' \
			"/proc/$1/status" 2>/dev/null || true
		sleep 0.05
	done >"$work/mem" &
	sampler=$!
}

status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.0f", n / (b - a) }'; }

# capture: a second of a flat-out loop's records, as vigil writes them:
# kcat's input.
capture() {
	start_vigil --output "$work/capture.jsonl" --no-rules
	SECS=1 load 1 0
	stop_vigil
	awk '/"type":"open"/ && n++ < 1000000' "$work/capture.jsonl" >"$work/open.jsonl"
	rm -f "$work/capture.jsonl"
	[ -s "$work/open.jsonl" ] || die "the capture holds no open record"
}

# kcat_run: the captured records keyed by their sandbox, with vigil's
# headers, from a file to a fresh topic; kcat waits for every
# acknowledgement before it exits.
kcat_run() {
	local n t0 t1 sb
	sb=$(basename "$root/sb")
	awk -v k="$sb" '{ print k "\t" $0 }' "$work/open.jsonl" >"$work/kcat.in"
	n=$(wc -l <"$work/kcat.in")
	t0=$(date +%s.%N)
	kcat -P -b "127.0.0.1:$PORT" -t vigil.bench.kcat -K $'\t' \
		-H schema=vigil.event.v1 -H type=open -H "host=$(hostname)" \
		"${KCAT_PROPS[@]}" <"$work/kcat.in" ||
		die "kcat failed"
	t1=$(date +%s.%N)
	KCAT_RATE=$(rate "$n" "$t0" "$t1")
	ROWS+=("$(printf '%-24s %9s %12s %8s %12s %10s %s' "kcat alone" "$n" "$n" "-" "-" "$KCAT_RATE" "-")")
}

# vigil_run NAME TOPIC RATE_PER_LOOP: vigil to Kafka while LOOPS loops run.
vigil_run() {
	local name=$1 topic=$2 per_loop=$3 t0 t1 idle hwm mem_anon mem_file stats kstats
	local records drops delivered spooled dropped r sent
	printf 'kafka:\n  flush_timeout_ms: 120000\n  topics: {events: %s}\n' "$topic" >"$work/vigil.yaml"
	start_vigil --output /dev/null --config "$work/vigil.yaml" \
		--rules builtin --rules "$work/bench-profile.yaml" \
		--kafka-brokers "127.0.0.1:$PORT" --spool-dir "$work/spool-$name"
	sleep 1
	idle=$(status_kb "$vigil_pid" VmRSS)
	IDLE_MAX=$((idle > IDLE_MAX ? idle : IDLE_MAX))
	sample_memory "$vigil_pid"
	t0=$(date +%s.%N)
	load "$LOOPS" "$per_loop"
	stop_vigil
	t1=$(date +%s.%N)
	wait "$sampler" 2>/dev/null || true
	sampler=
	read -r hwm mem_anon mem_file < <(awk '$1 > h { h = $1 } $2 > a { a = $2 }
		$3 > f { f = $3 } END { print h + 0, a + 0, f + 0 }' "$work/mem")
	stats=$(grep 'vigil: stats' "$work/vigil.err")
	kstats=$(grep 'vigil: kafka: delivered' "$work/vigil.err")
	records=$(sed -n 's/.*records=\([0-9]*\).*/\1/p' <<<"$stats")
	drops=$(sed -n 's/.* drops=\([0-9]*\).*/\1/p' <<<"$stats")
	delivered=$(sed -n 's/.*delivered=\([0-9]*\).*/\1/p' <<<"$kstats")
	spooled=$(sed -n 's/.*spooled=\([0-9]*\).*/\1/p' <<<"$kstats")
	dropped=$(sed -n 's/.* dropped=\([0-9]*\).*/\1/p' <<<"$kstats")
	r=$(rate "$delivered" "$t0" "$t1")
	ROWS+=("$(printf '%-24s %9s %12s %8s %12s %10s %s' "$name" "$records" "$delivered" "$spooled" "$drops" "$r" \
		"$(mib "$hwm") MiB (anon $(mib "$mem_anon"), file $(mib "$mem_file"))")")
	HWM_MAX=$((hwm > HWM_MAX ? hwm : HWM_MAX))
	# records counts every sequence number, those of the records the
	# kernel dropped (counted in drop records) too: the rest were sent.
	# Delivery is at least once: a spooled record sent again after its
	# first send timed out may be acknowledged twice.
	sent=$((records - drops))
	if [ "$delivered" -lt "$sent" ]; then
		BROKEN+=("$name: $((sent - delivered)) records sent but not acknowledged ($dropped dropped by the sink, reported)")
		[ "$((delivered + dropped))" -ge "$sent" ] ||
			BROKEN+=("$name: records lost without a report")
	elif [ "$delivered" -gt "$sent" ]; then
		NOTES+=("$name: $((delivered - sent)) acknowledgements of records sent twice (at least once, from the spool)")
	fi
	VIGIL_RATE[$name]=$r
}

declare -A VIGIL_RATE
IDLE_MAX=0
HWM_MAX=0

log "starting a broker on 127.0.0.1:$PORT"
"$BROKER" fetch
"$BROKER" start "$work/broker" "$PORT" >"$work/broker.out" 2>&1 ||
	{ cat "$work/broker.out" >&2; die "the broker did not start"; }
log "capturing records for kcat"
capture
log "kcat alone"
kcat_run
log "vigil paced at $RATE records/s"
vigil_run "vigil paced at $RATE/s" vigil.bench.paced $((RATE / LOOPS))
log "vigil flat out"
vigil_run "vigil, $LOOPS loop flat out" vigil.bench.flat 0

echo
echo "== Kafka end to end: ${SECS}s of open loops in a sandbox, broker on this machine, fresh topics =="
printf '%-24s %9s %12s %8s %12s %10s %s\n' "run" "records" "acknowledged" "spooled" "kernel drops" "records/s" "vigil peak memory (VmHWM)"
printf '%s\n' "${ROWS[@]}"
echo "(records: made, those the kernel dropped included; records/s: acknowledged, from the first record to the last acknowledgement; kcat: its whole run)"
echo "(file-backed memory holds the kernel ring buffer, 16 MiB by default, mapped once)"
echo
echo "== Targets (reported, not asserted) =="
for name in "vigil paced at $RATE/s" "vigil, $LOOPS loop flat out"; do
	verdict=$([ "${VIGIL_RATE[$name]}" -ge 200000 ] && echo met || echo "missed on this machine")
	echo ">= 200,000 records/s acknowledged, $name: ${VIGIL_RATE[$name]} (kcat alone: $KCAT_RATE) -> $verdict"
done
verdict=$([ "$HWM_MAX" -lt $((64 << 10)) ] && [ "$IDLE_MAX" -lt $((64 << 10)) ] && echo met || echo missed)
echo "RSS < 64 MiB: idle $(mib "$IDLE_MAX") MiB, peak $(mib "$HWM_MAX") MiB -> $verdict"
[ ${#NOTES[@]} -eq 0 ] || printf 'note: %s\n' "${NOTES[@]}"
if [ ${#BROKEN[@]} -gt 0 ]; then
	printf 'LOSS: %s\n' "${BROKEN[@]}"
	exit 1
fi
echo "no loss: every record sent was acknowledged"
