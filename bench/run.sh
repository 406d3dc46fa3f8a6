#!/usr/bin/env bash
# vigil benchmarks (root). See bench/README.md for what each number means.
#
#   bench/run.sh                    everything (about 5 minutes)
#   BENCH_NO_VIGIL=1 bench/run.sh   only baseline, bpftrace and floor (to debug
#                                   the bench itself without a collector)
#
# Knobs (environment): VIGIL (collector binary, default ./vigil),
# BENCH_ROUNDS (7), BENCH_SECS (seconds per overhead run, 1),
# BENCH_TPUT_SECS (seconds per throughput run, 8), BENCH_PACED_RATE
# (events/s of the paced run, 200000), BENCH_KEEP=1 keeps the scratch dir.
# While iterating on one cost: BENCH_MODES (workloads, default "open
# connect forkexec scriptexec memfd"), BENCH_TPUT=0 skips the throughput runs,
# VIGIL_BEFORE=BINARY times that vigil too ("before" columns), in the same
# rounds, for a change's before and after side by side; BENCH_CLOCK=cpu
# times the loops' CPU time instead of their wall time (a busy machine).
#
# Ratios are measured side by side in one run: every round times each
# workload under every configuration back to back, in a balanced order that
# changes from round to round; the table shows medians. Timings are reported,
# never asserted: the exit status is non-zero only when something is broken
# (a tool fails to build, start, stop cleanly, or vigil loses events without
# reporting them).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH=$ROOT/bench
BUILD=$ROOT/build/bench
VIGIL=${VIGIL:-$ROOT/vigil}
VIGIL_BEFORE=${VIGIL_BEFORE:-}
ROUNDS=${BENCH_ROUNDS:-7}
SECS=${BENCH_SECS:-1}
TPUT_SECS=${BENCH_TPUT_SECS:-8}
PACED_RATE=${BENCH_PACED_RATE:-200000}
NO_VIGIL=${BENCH_NO_VIGIL:-0}
read -r -a MODES <<<"${BENCH_MODES:-open connect forkexec scriptexec memfd}"
# wall: the loop's elapsed time per op; cpu: its process's CPU time per
# op, which does not count waits for a CPU other jobs held (a shared
# machine), nor the CPU of the children forkexec and scriptexec start.
case ${BENCH_CLOCK:-wall} in
wall) CLOCK_FIELD=ns_per_op ;;
cpu) CLOCK_FIELD=cpu_ns_per_op ;;
*) echo "bench: BENCH_CLOCK must be wall or cpu" >&2; exit 2 ;;
esac
CLANG=${CLANG:-clang}
BPFTOOL=${BPFTOOL:-bpftool}
CC=${CC:-cc}
WARN=(-Wall -Wextra -Werror -Wshadow -Wformat=2 -Wmissing-prototypes -Wno-unused-parameter)

SCRATCH=""		# mktemp dir: monitor logs, outputs, results
SB_ROOT=""		# our sandbox root cgroup (created here, removed on exit)
SB=""			# its one sandbox
STARTED=()		# pids of the monitors we started and have not reaped
MON_PID=0		# the monitor monitor_start started (0: none)
STOP_RC=0		# exit status of the process stop reaped
PROBLEMS=()		# broken things found on the way; non-empty => exit 1
FOREIGN=0		# most BPF hooks of others seen during a baseline run
BPF_STATS_WAS=""	# kernel.bpf_stats_enabled before the BPF pass set it

log() { printf 'bench: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
problem() { log "PROBLEM: $*"; PROBLEMS+=("$*"); }
# die_log FILE MESSAGE: dies, showing the end of a tool's log first (the
# scratch dir holding it is removed on exit).
die_log() { tail -n 20 "$1" >&2 2>/dev/null || true; shift; die "$*"; }

# ---- processes ---------------------------------------------------------------

# alive PID: PID exists and is not a zombie.
alive() {
	local state
	state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$state" ] && [ "$state" != Z ]
}

forget() {
	local p keep=()
	for p in "${STARTED[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
	STARTED=("${keep[@]+"${keep[@]}"}")
}

# stop PID SIGNAL TIMEOUT_S: signals one of our children, waits for it and
# sets STOP_RC to its exit status (124 if it had to be killed after
# TIMEOUT_S). Never in $(...): only this shell can reap its children.
stop() {
	local pid=$1 sig=$2 i rc=0
	kill "-$sig" "$pid" 2>/dev/null || true
	for ((i = 0; i < $3 * 10; i++)); do
		alive "$pid" || break
		sleep 0.1
	done
	if alive "$pid"; then
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		rc=124
	else
		wait "$pid" 2>/dev/null || rc=$?
	fi
	forget "$pid"
	STOP_RC=$rc
}

# cpu_ticks PID: user + system clock ticks PID has used so far.
cpu_ticks() {
	awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0
}

# settle PID: waits (at most 30 s) until PID is idle, i.e. a monitor has
# caught up with the events of the last run, so its backlog is not billed
# to the next one.
settle() {
	local before after i
	for ((i = 0; i < 150; i++)); do
		before=$(cpu_ticks "$1")
		sleep 0.2
		after=$(cpu_ticks "$1")
		[ $((after - before)) -le 1 ] && return 0
	done
	log "warning: pid $1 still busy after 30 s"
}

# busy_pct: how busy the machine's CPUs are over one second, in %.
busy_pct() {
	local a b
	a=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6 }' /proc/stat)
	sleep 1
	b=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6 }' /proc/stat)
	awk -v a="$a" -v b="$b" 'BEGIN {
		split(a, x, " "); split(b, y, " ")
		busy = y[1] - x[1]; all = busy + y[2] - x[2]
		printf "%.0f", (all > 0 ? busy / all * 100 : 0)
	}'
}

# quiet_check WHEN: warns when something else keeps the CPUs busy (another
# job on a shared machine), since it makes every ratio noisier.
quiet_check() {
	local busy
	busy=$(busy_pct)
	if [ "$busy" -gt 10 ]; then
		log "warning: the CPUs were ${busy}% busy $1 with nothing of ours running"
		SUMMARY+=("WARNING: CPUs ${busy}% busy with other work $1: numbers are noisier than usual")
	fi
}

# ---- set-up and clean-up ----------------------------------------------------

cleanup() {
	local p d i
	for p in "${STARTED[@]+"${STARTED[@]}"}"; do
		stop "$p" TERM 10
	done
	bpf_stats_restore
	[ -n "$SB_ROOT" ] && unpin_vigil
	# Only the cgroups created above: kill what is left in them, then remove.
	for d in "$SB" "$SB_ROOT"; do
		[ -n "$d" ] && [ -d "$d" ] || continue
		echo 1 >"$d/cgroup.kill" 2>/dev/null || true
		for ((i = 0; i < 50; i++)); do
			grep -q '^populated 0' "$d/cgroup.events" 2>/dev/null && break
			sleep 0.1
		done
		rmdir "$d" 2>/dev/null || log "warning: could not remove $d"
	done
	if [ -n "$SCRATCH" ] && [ "${BENCH_KEEP:-0}" != 1 ]; then
		rm -rf "$SCRATCH"
	elif [ -n "$SCRATCH" ]; then
		log "kept $SCRATCH"
	fi
}

cgroup2_mount() {
	awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts
}

# scratch_parent: /dev/shm if it has room for the throughput outputs
# (4 GiB), else /tmp.
scratch_parent() {
	local free
	free=$(df -Pk /dev/shm 2>/dev/null | awk 'NR == 2 { print $4 }')
	if [ "${free:-0}" -gt $((4 << 20)) ]; then echo /dev/shm; else echo /tmp; fi
}

setup() {
	local cg2
	[ "$(id -u)" -eq 0 ] || die "must run as root"
	for t in "$CLANG" "$BPFTOOL" "$CC" bpftrace; do
		command -v "$t" >/dev/null || die "$t not found (make deps)"
	done
	if [ "$NO_VIGIL" != 1 ]; then
		[ -x "$VIGIL" ] || die "$VIGIL not found (make vigil)"
		[ -z "$VIGIL_BEFORE" ] || [ -x "$VIGIL_BEFORE" ] ||
			die "VIGIL_BEFORE=$VIGIL_BEFORE is not an executable"
	fi
	cg2=$(cgroup2_mount)
	[ -n "$cg2" ] || die "no cgroup2 mount in /proc/self/mounts"
	if [ ! -d /sys/kernel/tracing/events/syscalls ]; then
		mount -t tracefs tracefs /sys/kernel/tracing ||
			die "cannot mount tracefs (bpftrace needs it)"
	fi
	# Outputs go to tmpfs: disk writeback of gigabytes of JSON would add
	# noise to whichever run came next, and it measures the disk, not vigil.
	SCRATCH=$(mktemp -d "$(scratch_parent)/vigil-bench.XXXXXX")
	export TMPDIR=$SCRATCH	# where the workload keeps the file it opens
	SB_ROOT=$(mktemp -d "$cg2/vigil-bench.XXXXXX")
	SB=$SB_ROOT/sb1
	mkdir "$SB"
	# Every record is scored by the built-in rules, as on a host, but
	# the loops (a listener, repeated execs) must not add up to a freeze
	# that would stop them: the sandbox's profile never acts on risk.
	# It allows loopback, as the default profile does.
	printf -- '- profile: bench\n  thresholds: %s\n  allow: %s\n' \
		'{alert: 999998, freeze: 999999, kill: 1000000}' \
		'{destinations: ["127.0.0.0/8", "::1"]}' \
		>"$SCRATCH/bench-profile.yaml"
	setfattr -n trusted.vigil.profile -v bench "$SB"
	# shellcheck disable=SC2016 # $$ and $@ are for the inner shell
	IN_SB=(sh -c 'echo $$ >"$0" || exit 125; exec "$@"' "$SB/cgroup.procs")
}

# ---- build ------------------------------------------------------------------

build() {
	mkdir -p "$BUILD"
	log "building workload and floor in ${BUILD#"$ROOT"/}"
	"$CC" -O2 -std=gnu11 -D_GNU_SOURCE "${WARN[@]}" -pthread \
		"$BENCH/workload.c" -o "$BUILD/workload"
	"$CLANG" -g -O2 -target bpf -D__TARGET_ARCH_x86 -I"$ROOT/vmlinux" \
		-I"$ROOT/bpf" -Wall -Werror -c "$BENCH/floor.bpf.c" -o "$BUILD/floor.tmp.o"
	"$BPFTOOL" gen object "$BUILD/floor.bpf.o" "$BUILD/floor.tmp.o"
	rm -f "$BUILD/floor.tmp.o"
	"$BPFTOOL" gen skeleton "$BUILD/floor.bpf.o" >"$BUILD/floor.skel.h"
	"$CC" -O2 -g -std=gnu11 -D_GNU_SOURCE "${WARN[@]}" -I"$BUILD" \
		-I"$ROOT/bpf" -I"$ROOT/userspace/intake" "$BENCH/floor.c" \
		"$ROOT/userspace/intake/ringread.c" -lbpf -lelf -lz -o "$BUILD/floor"
}

# ---- monitors ---------------------------------------------------------------
# monitor_start NAME sets MON_PID to the started monitor once it is fully
# attached; monitor_stop NAME stops it and checks it ended cleanly. Neither
# runs in $(...), so the monitors stay children of this shell.

# wait_ready PID FILE TEXT: waits (at most 60 s) for TEXT to appear in FILE.
wait_ready() {
	local i
	for ((i = 0; i < 600; i++)); do
		grep -q "$3" "$2" 2>/dev/null && return 0
		alive "$1" || return 1
		sleep 0.1
	done
	return 1
}

# unpin_vigil: a stopped daemon leaves its programs pinned and enforcing
# (so a sandbox host is never disarmed); the bench's must not outlive it,
# or they would run in every later measurement.
unpin_vigil() {
	"${1:-$VIGIL}" unpin --sandbox-root "$SB_ROOT" >/dev/null 2>&1 || true
}

# --repeat-rate 0: the loops repeat one open, which the kernel would
# otherwise count instead of sending (bpf/repeat.bpf.h); the figures are
# those of every record sent (bench/flood.py shows the counting).
start_vigil() {
	local out=$1 err=$2 bin=${3:-$VIGIL}
	"$bin" daemon --sandbox-root "$SB_ROOT" --output "$out" \
		--rules builtin --rules "$SCRATCH/bench-profile.yaml" \
		--repeat-rate 0 2>"$err" &
	MON_PID=$!
	STARTED+=("$MON_PID")
	wait_ready "$MON_PID" "$err" 'vigil: ready' || die_log "$err" "vigil did not get ready"
}

# bpftrace prints nothing when its probes are in (BEGIN fires before they
# are attached, and -o output is buffered), so count its tracepoint
# attachments instead.
start_bpftrace() {
	local want pid i n
	want=$(grep -c '^tracepoint:' "$BENCH/trace.bt")
	bpftrace -o "$SCRATCH/bpftrace.out" "$BENCH/trace.bt" "$SB" \
		>"$SCRATCH/bpftrace.err" 2>&1 &
	pid=$!
	STARTED+=("$pid")
	for ((i = 0; i < 600; i++)); do
		alive "$pid" || die_log "$SCRATCH/bpftrace.err" "bpftrace exited"
		n=$("$BPFTOOL" perf show 2>/dev/null | grep -c "^pid $pid .*tracepoint") || true
		[ "$n" -ge "$want" ] && { MON_PID=$pid; return; }
		sleep 0.1
	done
	die "bpftrace did not attach its $want tracepoints within 60 s"
}

# start_floor [--record|--resolve]: the empty programs; with --record, the
# recorder's floor, with --resolve the resolver's (floor.bpf.c).
start_floor() {
	"$BUILD/floor" "$@" "$SB_ROOT" 2>"$SCRATCH/floor.err" &
	MON_PID=$!
	STARTED+=("$MON_PID")
	wait_ready "$MON_PID" "$SCRATCH/floor.err" 'floor: ready' ||
		die_log "$SCRATCH/floor.err" "floor did not get ready"
}

monitor_start() {
	MON_PID=0
	case $1 in
	baseline) ;;
	vigil) start_vigil "$SCRATCH/vigil.jsonl" "$SCRATCH/vigil.err" ;;
	before) start_vigil "$SCRATCH/vigil.jsonl" "$SCRATCH/vigil.err" "$VIGIL_BEFORE" ;;
	bpftrace) start_bpftrace ;;
	floor) start_floor ;;
	recorder) start_floor --record ;;
	resolver) start_floor --resolve ;;
	esac
}

monitor_stop() {
	local name=$1 pid=$MON_PID
	[ "$pid" = 0 ] && return
	settle "$pid"
	case $name in
	vigil | before)
		stop "$pid" TERM 120
		unpin_vigil "$([ "$name" = before ] && echo "$VIGIL_BEFORE")"
		[ "$STOP_RC" = 0 ] ||
			die_log "$SCRATCH/vigil.err" "$name vigil exited with status $STOP_RC on SIGTERM"
		vigil_tally "$SCRATCH/vigil.jsonl" "$SCRATCH/vigil.err" >>"$SCRATCH/$name-sessions"
		rm -f "$SCRATCH/vigil.jsonl"
		[ "$(tail -n 1 "$SCRATCH/$name-sessions")" != "0 0" ] ||
			problem "vigil recorded nothing while the workloads ran in its sandbox"
		;;
	bpftrace)
		stop "$pid" INT 60
		[ "$STOP_RC" = 0 ] ||
			die_log "$SCRATCH/bpftrace.err" "bpftrace exited with status $STOP_RC"
		bpftrace_tally >>"$SCRATCH/bpftrace-sessions"
		rm -f "$SCRATCH/bpftrace.out"
		;;
	floor | recorder | resolver)
		stop "$pid" TERM 30
		[ "$STOP_RC" = 0 ] || die_log "$SCRATCH/floor.err" "$name exited with status $STOP_RC"
		[ "$name" = floor ] ||
			sed -n 's/^floor: records=//p' "$SCRATCH/floor.err" >>"$SCRATCH/$name-sessions"
		;;
	esac
}

# vigil_tally OUTPUT STDERR: prints "EVENTS DROPS" for one vigil run, from
# the "vigil: stats records=N drops=N ..." line it prints on exit (events=N
# is taken too) if there is one, else from its output (records that are
# not drop records; sum of drop.lost).
vigil_tally() {
	local stats events drops
	stats=$(grep -o 'vigil: stats .*' "$2" | tail -n 1) || true
	if [ -n "$stats" ]; then
		events=$(sed -n 's/.* \(events\|records\)=\([0-9]*\).*/\2/p' <<<"$stats")
		drops=$(sed -n 's/.* drops=\([0-9]*\).*/\1/p' <<<"$stats")
		echo "${events:-0} ${drops:-0}"
		return
	fi
	[ -f "$1" ] || { echo "0 0"; return; }
	awk '/"type": *"drop"/ {
		if (match($0, /"lost": *[0-9]+/)) {
			s = substr($0, RSTART, RLENGTH); sub(/.*: */, "", s); lost += s
		}
		next
	}
	{ events++ }
	END { printf "%d %d\n", events, lost }' "$1"
}

# bpftrace_tally: prints "EVENTS LOST" for the last bpftrace session:
# event lines it wrote and events its perf buffers lost.
bpftrace_tally() {
	local t
	t=$(awk '/^Lost [0-9]+ events/ { lost += $2; next }
		/^[0-9]+ [0-9]+ [0-9]+ / { events++ }
		END { printf "%d %d\n", events, lost }' \
		"$SCRATCH/bpftrace.out" "$SCRATCH/bpftrace.err" 2>/dev/null)
	[ "${t% *}" != 0 ] || problem "bpftrace traced nothing: is trace.bt's cgroup filter right?"
	echo "$t"
}

# ---- workloads ---------------------------------------------------------------

# "${IN_SB[@]}" CMD...: runs CMD as a member of the bench sandbox; the shell
# joins the cgroup first so CMD's exec and everything after happen inside.
# (Set in setup, once SB is known.)
IN_SB=()

# field LINE NAME: the value of NAME=... in a workload result line.
field() {
	sed -n "s/.* $2=\([0-9.]*\).*/\1/p" <<<"$1"
}

# measure CONFIG WHERE MODE: one timed run, appended to the results file.
measure() {
	local config=$1 where=$2 mode=$3 line
	if [ "$where" = inside ]; then
		line=$("${IN_SB[@]}" "$BUILD/workload" "$mode" "$SECS") ||
			die "workload $mode failed in the sandbox under $config"
	else
		line=$("$BUILD/workload" "$mode" "$SECS") ||
			die "workload $mode failed under $config"
	fi
	[ -n "$(field "$line" "$CLOCK_FIELD")" ] || die "no result from workload $mode: '$line'"
	echo "$config $where $mode $(field "$line" "$CLOCK_FIELD")" >>"$SCRATCH/results"
}

# session CONFIG MODE ROUND: attach the configuration's monitor, let it go
# idle, time MODE where the configuration says, detach. The monitor catches
# up after each run, so a run pays for its own events and no one else's.
session() {
	local config=$1 mode=$2 where
	[ "$config" = baseline ] && foreign_hooks
	monitor_start "$config"
	[ "$MON_PID" = 0 ] || settle "$MON_PID"
	for where in $(wheres "$config" "$3"); do
		measure "$config" "$where" "$mode"
		[ "$MON_PID" = 0 ] || settle "$MON_PID"
	done
	monitor_stop "$config"
}

# foreign_hooks: notes in FOREIGN how many programs someone else has on the
# syscall hooks now (when we have none): another collector or bpftrace left
# running would make the baseline no baseline.
foreign_hooks() {
	local n
	n=$({ "$BPFTOOL" link show; "$BPFTOOL" perf show; } 2>/dev/null |
		grep -cE "tp 'sys_e|tracepoint +sys_e|raw_tracepoint +sys_e") || true
	[ "${n:-0}" -le "$FOREIGN" ] || FOREIGN=$n
}

# wheres CONFIG ROUND: where the workload runs under CONFIG, in the order
# of this round (alternating, when there are two).
wheres() {
	case $1 in
	baseline) echo outside ;;
	vigil | before | floor) (($2 % 2)) && echo "inside outside" || echo "outside inside" ;;
	*) echo inside ;;
	esac
}

configs() {
	if [ "$NO_VIGIL" = 1 ]; then
		echo baseline bpftrace floor recorder resolver
	else
		echo baseline vigil ${VIGIL_BEFORE:+before} bpftrace floor recorder resolver
	fi
}

# williams N ROW: the ROW-th order of 0..N-1 of a Williams design: over N
# rows each configuration runs once in every position and (N even) right
# after every other one, so neither slow drift nor what ran just before
# favours one of them.
williams() {
	local n=$1 r=$2 j k
	for ((j = 0; j < n; j++)); do
		if ((j % 2)); then k=$(((j + 1) / 2)); else k=$(((n - j / 2) % n)); fi
		printf '%d ' $(((r + k) % n))
	done
}

# Every round times every workload under every configuration, one workload
# at a time, so the runs compared are minutes apart at most, never rounds.
overhead() {
	local all r m i row=0
	read -r -a all <<<"$(configs)"
	for ((r = 0; r < ROUNDS; r++)); do
		log "overhead round $((r + 1))/$ROUNDS"
		for m in "${MODES[@]}"; do
			for i in $(williams ${#all[@]} $row); do
				session "${all[$i]}" "$m" "$r"
			done
			row=$((row + 1))
		done
	done
}

# ---- BPF programs' own cost --------------------------------------------------
# With kernel.bpf_stats_enabled=1 the kernel counts each program's runs
# and the time they take, but every run then pays for the counting (two
# clock reads), so the overhead table is measured with it off and this
# pass runs each workload once more with it on.

bpf_stats_on() {
	BPF_STATS_WAS=$(sysctl -n kernel.bpf_stats_enabled)
	sysctl -q -w kernel.bpf_stats_enabled=1
}

bpf_stats_restore() {
	[ -n "$BPF_STATS_WAS" ] || return 0
	sysctl -q -w kernel.bpf_stats_enabled="$BPF_STATS_WAS" ||
		log "warning: could not restore kernel.bpf_stats_enabled=$BPF_STATS_WAS"
	BPF_STATS_WAS=""
}

# bpf_measure CONFIG WHERE MODE: one run of MODE with the monitor's
# programs' counters read before and after; appends "CONFIG WHERE MODE
# ns_per_op ops" to bpf-runs and "CONFIG WHERE MODE program runs ns ops"
# per program that ran to bpf-progs.
bpf_measure() {
	local config=$1 where=$2 mode=$3 line ops
	"$BENCH/bpfstats.py" snap "$SCRATCH/ids" >"$SCRATCH/snap0"
	if [ "$where" = inside ]; then
		line=$("${IN_SB[@]}" "$BUILD/workload" "$mode" "$SECS")
	else
		line=$("$BUILD/workload" "$mode" "$SECS")
	fi || die "workload $mode failed in the BPF pass under $config"
	"$BENCH/bpfstats.py" snap "$SCRATCH/ids" >"$SCRATCH/snap1"
	ops=$(field "$line" ops)
	echo "$config $where $mode $(field "$line" ns_per_op) $ops" >>"$SCRATCH/bpf-runs"
	"$BENCH/bpfstats.py" diff "$SCRATCH/snap0" "$SCRATCH/snap1" |
		awk -v p="$config $where $mode" -v ops="$ops" '{ print p, $0, ops }' \
			>>"$SCRATCH/bpf-progs"
}

# bpf_session CONFIG MODE: the monitor's programs are those loaded while
# it started.
bpf_session() {
	local config=$1 mode=$2 where
	"$BENCH/bpfstats.py" ids >"$SCRATCH/ids"
	monitor_start "$config"
	settle "$MON_PID"
	for where in outside inside; do
		bpf_measure "$config" "$where" "$mode"
		settle "$MON_PID"
	done
	monitor_stop "$config"
}

bpf_pass() {
	local m c
	[ "$NO_VIGIL" = 1 ] && return
	log "BPF pass: each workload once more with kernel.bpf_stats_enabled=1"
	: >"$SCRATCH/bpf-runs"
	: >"$SCRATCH/bpf-progs"
	bpf_stats_on
	for m in "${MODES[@]}"; do
		for c in vigil ${VIGIL_BEFORE:+before} floor recorder resolver; do bpf_session "$c" "$m"; done
	done
	bpf_stats_restore
}

# Per workload and configuration: ns/op with the counters on, then per
# program its runs per op, ns per run and ns per op; "all" sums them.
print_bpf() {
	[ -s "$SCRATCH/bpf-runs" ] || return 0
	echo
	echo "== BPF programs, one ${SECS}s run per workload with kernel.bpf_stats_enabled=1 =="
	echo "(counting costs each program run two clock reads, so ns/op here is above the table's;"
	echo " a program's ns include the programs it tail-calls)"
	awk 'NR == FNR { op[$1 " " $2 " " $3] = $4; next }
	{
		k = $1 " " $2 " " $3
		if (!(k in seen)) { order[++n] = k; seen[k] = 1 }
		prog[k] = prog[k] sprintf("    %-20s %8.2f runs/op %8.0f ns/run %8.0f ns/op\n",
			$4, $5 / $7, $6 / $5, $6 / $7)
		sum[k] += $6 / $7
	}
	END {
		for (i = 1; i <= n; i++) {
			k = order[i]; split(k, f, " ")
			printf "%-9s %-8s %-6s %6.0f ns/op, in BPF programs %6.0f ns/op\n",
				f[3], f[1], (f[2] == "inside" ? "in sb" : "unwatched"), op[k], sum[k]
			printf "%s", prog[k]
		}
	}' "$SCRATCH/bpf-runs" "$SCRATCH/bpf-progs"
}

# ---- report -----------------------------------------------------------------

# median CONFIG WHERE MODE: median ns/op over the rounds.
median() {
	awk -v c="$1" -v w="$2" -v m="$3" '$1 == c && $2 == w && $3 == m { print $4 }' \
		"$SCRATCH/results" | sort -g |
		awk '{ v[NR] = $1 } END {
			if (NR == 0) { print "nan"; exit }
			if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2
		}'
}

# spread CONFIG WHERE MODE: median absolute deviation of the runs, in % of
# their median: how far apart runs of one configuration land on this box.
spread() {
	awk -v c="$1" -v w="$2" -v m="$3" '$1 == c && $2 == w && $3 == m { print $4 }' \
		"$SCRATCH/results" | awk '
		function med(a, n,   i, j, t) {
			for (i = 2; i <= n; i++)
				for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
			return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
		}
		{ v[NR] = $1 }
		END {
			if (NR == 0) { print "nan"; exit }
			m = med(v, NR)
			for (i = 1; i <= NR; i++) d[i] = (v[i] > m ? v[i] - m : m - v[i])
			printf "%.1f%%", med(d, NR) / m * 100
		}'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }

# The columns of the table: CONFIG:WHERE and a heading.
COLUMNS=(baseline:outside vigil:outside vigil:inside bpftrace:inside floor:outside floor:inside recorder:inside resolver:inside)
HEADINGS=("baseline" "vigil unwatched" "vigil in sandbox" "bpftrace in sb" "floor unwatched" "floor in sb" "recorder in sb" "resolver in sb")
if [ -n "$VIGIL_BEFORE" ]; then
	COLUMNS+=(before:outside before:inside)
	HEADINGS+=("before unwatched" "before in sb")
fi

cell() {
	local col=$1 mode=$2 base=$3 v
	v=$(median "${col%%:*}" "${col#*:}" "$mode")
	if [ "$v" = nan ]; then
		printf '%-20s' "-"
	elif [ "$col" = baseline:outside ]; then
		printf '%-20s' "$(printf '%.0f ns' "$v")"
	else
		printf '%-20s' "$(printf '%.0f ns %sx' "$v" "$(ratio "$v" "$base")")"
	fi
}

print_table() {
	local mode base i
	echo
	echo "== Overhead: ns/op ($CLOCK_FIELD), median of $ROUNDS runs of ${SECS}s each (ratio to baseline) =="
	printf '%-9s' workload
	for i in "${!HEADINGS[@]}"; do printf '%-20s' "${HEADINGS[$i]}"; done
	echo
	for mode in "${MODES[@]}"; do
		base=$(median baseline outside "$mode")
		printf '%-9s' "$mode"
		for i in "${!COLUMNS[@]}"; do cell "${COLUMNS[$i]}" "$mode" "$base"; done
		echo
	done
	printf 'noise: median absolute deviation of the baseline runs:'
	for mode in "${MODES[@]}"; do printf ' %s %s' "$mode" "$(spread baseline outside "$mode")"; done
	echo "; ratios closer to each other than about twice that are a tie"
	echo "(sb = the bench sandbox; unwatched = workload outside any sandbox;"
	echo " floor = empty BPF programs on vigil's hooks: the least any collector on them costs;"
	echo " recorder = the floor plus, per open in the sandbox, a clock read, the argument copied"
	echo " and a record of vigil's size read by vigil's ring reader: the least any recorder of opens costs;"
	echo " resolver = the recorder, its record holding the path opened as vigil's own walk resolves it)"
	if [ -s "$SCRATCH/bpftrace-sessions" ]; then
		echo "bpftrace over all sessions: $(awk '{ e += $1; l += $2 } END { printf "%d events, %d lost", e, l }' "$SCRATCH/bpftrace-sessions")"
	fi
	for c in recorder resolver; do
		[ -s "$SCRATCH/$c-sessions" ] || continue
		echo "$c over all sessions: $(awk '{ r += $1 } END { print r + 0 }' "$SCRATCH/$c-sessions") records"
		[ "$(awk '{ r += $1 } END { print r + 0 }' "$SCRATCH/$c-sessions")" != 0 ] ||
			problem "the $c's floor recorded nothing: is floor.bpf.c's cgroup test right?"
	done
	if [ -s "$SCRATCH/vigil-sessions" ]; then
		echo "vigil over all overhead sessions: $(awk '{ e += $1; d += $2 } END { printf "%d events, %d dropped", e, d }' "$SCRATCH/vigil-sessions")"
	fi
}

# pct A B: overhead of A over B in percent.
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.1f%%", (a / b - 1) * 100 }'; }
below() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }

# sandbox_limit MODE: issue 12's ceiling on the in-sandbox ratio to the
# baseline, none for the workloads it sets none for.
sandbox_limit() {
	case $1 in
	open) echo 1.30 ;;
	connect) echo 1.15 ;;
	esac
}

# xr A B: A / B as a ratio "1.234x".
xr() { printf '%sx' "$(ratio "$1" "$2")"; }

print_targets() {
	local mode base out in bt fl fli rec res limit verdict lines=()
	[ "$NO_VIGIL" = 1 ] && return
	echo
	echo "== Targets (reported, not asserted) =="
	for mode in "${MODES[@]}"; do
		base=$(median baseline outside "$mode")
		out=$(median vigil outside "$mode")
		in=$(median vigil inside "$mode")
		bt=$(median bpftrace inside "$mode")
		fl=$(median floor outside "$mode")
		fli=$(median floor inside "$mode")
		rec=$(median recorder inside "$mode")
		res=$(median resolver inside "$mode")
		verdict=missed
		below "$out" "$(awk -v b="$base" 'BEGIN { print b * 1.02 }')" && verdict=met
		lines+=("unwatched overhead < 2%   $mode: $(pct "$out" "$base") -> $verdict (empty programs alone: $(pct "$fl" "$base"))")
		verdict=missed
		below "$out" "$(awk -v b="$fl" 'BEGIN { print b * 1.02 }')" && verdict=met
		lines+=("unwatched within 2% of the empty programs $mode: vigil $(xr "$out" "$base"), empty programs $(xr "$fl" "$base"), vigil/empty $(pct "$out" "$fl") -> $verdict")
		verdict=missed
		below "$in" "$bt" && verdict=met
		lines+=("in-sandbox < bpftrace     $mode: vigil $(pct "$in" "$base"), bpftrace $(pct "$bt" "$base") -> $verdict")
		limit=$(sandbox_limit "$mode")
		[ -n "$limit" ] || continue
		verdict=missed
		below "$in" "$(awk -v b="$base" -v l="$limit" 'BEGIN { print b * l }')" && verdict=met
		lines+=("in-sandbox <= ${limit}x       $mode: vigil $(xr "$in" "$base"), empty programs $(xr "$fli" "$base"), recorder's floor $(xr "$rec" "$base"), resolver's floor $(xr "$res" "$base"), bpftrace $(xr "$bt" "$base") -> $verdict")
	done
	printf '%s\n' "${lines[@]}"
	SUMMARY+=("${lines[@]}")
}

# ---- throughput -------------------------------------------------------------

# throughput NAME LOOPS RATE_PER_LOOP: LOOPS openburst loops in the sandbox
# for TPUT_SECS (RATE_PER_LOOP 0 = flat out) with vigil writing JSON to a
# file. Sets TP_OPS (opens issued), TP_EVENTS, TP_DROPS and TP_CPU (vigil's
# CPU, % of one core), and checks no open went missing without a drop record.
throughput() {
	local name=$1 loops=$2 rate=$3 out err pid pids=() i t0 t1 tally opens perf_pid=0
	out=$SCRATCH/$name.jsonl
	err=$SCRATCH/$name.err
	start_vigil "$out" "$err"
	pid=$MON_PID
	settle "$pid"
	t0=$(cpu_ticks "$pid")
	if [ "$name" = perf ]; then
		perf record -q -g -p "$pid" -o "$SCRATCH/perf.data" -- sleep "$TPUT_SECS" \
			>/dev/null 2>&1 &
		perf_pid=$!
	fi
	for ((i = 0; i < loops; i++)); do
		"${IN_SB[@]}" "$BUILD/workload" openburst "$TPUT_SECS" "$rate" \
			>"$SCRATCH/$name.loop$i" &
		pids+=($!)
	done
	TP_OPS=0
	for i in "${!pids[@]}"; do
		wait "${pids[$i]}" || die "$name: open loop $i failed"
		TP_OPS=$((TP_OPS + $(field "$(cat "$SCRATCH/$name.loop$i")" ops)))
	done
	[ "$perf_pid" = 0 ] || wait "$perf_pid" || log "warning: perf record failed"
	settle "$pid"
	t1=$(cpu_ticks "$pid")
	TP_HWM=$(awk '$1 == "VmHWM:" { printf "%.0f", $2 / 1024 }' "/proc/$pid/status")
	stop "$pid" TERM 120
	unpin_vigil
	[ "$STOP_RC" = 0 ] || die_log "$err" "vigil exited with status $STOP_RC on SIGTERM in $name"
	tally=$(vigil_tally "$out" "$err")
	TP_EVENTS=${tally% *}
	TP_DROPS=${tally#* }
	TP_CPU=$(awk -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" -v s="$TPUT_SECS" \
		'BEGIN { printf "%.0f", t / hz / s * 100 }')
	# vigil's CPU time per record: what one core of it takes per second.
	TP_PER_CORE=$(awk -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" -v n="$TP_EVENTS" \
		'BEGIN { printf "%.0f", (t > 0 ? n / (t / hz) : 0) }')
	TP_STAGES=$(grep -o 'stage ns/record .*' "$err" | tail -n 1) || TP_STAGES=""
	# Open records of the loops' file (the workload's mkstemp name); the
	# other records are the loops' own start-up.
	opens=$(grep -c 'vigil-bench-open\.' "$out" 2>/dev/null) || opens=0
	check_accounted "$name" "$TP_OPS" "$opens" "$TP_DROPS"
	rm -f "$out"
}

# check_accounted NAME OPS OPEN_RECORDS DROPS: every open the loops made must
# be in the output or counted as dropped.
check_accounted() {
	local missing=$(($2 - $3 - $4))
	if [ "$missing" -gt 0 ]; then
		problem "$1: $missing of $2 opens neither recorded nor reported dropped ($3 records, $4 drops)"
	fi
}

per_sec() { awk -v n="$1" -v s="$TPUT_SECS" 'BEGIN { printf "%.0f", n / s }'; }

tp_line() {
	printf '%-22s %7s opens/s issued, %7s events/s recorded, %s dropped, vigil CPU %s%% of one core (%s records per CPU-second), VmHWM %s MiB\n' \
		"$1:" "$(per_sec "$TP_OPS")" "$(per_sec "$TP_EVENTS")" "$TP_DROPS" "$TP_CPU" "$TP_PER_CORE" "$TP_HWM"
}

# The flat-out run again with the collector timing each stage of a
# record (VIGIL_STAGE_TIMES=1, collector/stages.h): ns per record of each;
# with BENCH_PERF=1, once more under perf record, for where the
# collector's CPU goes.
print_stages() {
	log "throughput: 1 loop flat out, stage times on"
	export VIGIL_STAGE_TIMES=1
	throughput stages 1 0
	unset VIGIL_STAGE_TIMES
	tp_line "stage times on"
	echo "collector ${TP_STAGES:-stage times missing: no stage line from vigil}"
	[ -n "$TP_STAGES" ] || problem "vigil printed no stage times with VIGIL_STAGE_TIMES=1"
	[ "${BENCH_PERF:-0}" = 1 ] || return 0
	log "throughput: 1 loop flat out, under perf record"
	throughput perf 1 0
	tp_line "under perf record"
	if [ -s "$SCRATCH/perf.data" ]; then
		echo "perf: the collector's hottest symbols"
		perf report -i "$SCRATCH/perf.data" --no-children --sort dso,sym \
			--stdio -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -n 25
	fi
}

# Flat out with one loop (vigil's reader has a core to itself) and with one
# per CPU (everything competes); the paced run then uses whichever loop
# count issued more opens, as the likelier to reach the rate.
print_throughput() {
	local loops counts best=0 best_loops=1 issued verdict per_core=0
	[ "$NO_VIGIL" = 1 ] || [ "${BENCH_TPUT:-1}" = 0 ] && return
	counts=1
	[ "$(nproc)" -gt 1 ] && counts="1 $(nproc)"
	echo
	echo "== Throughput: open loops in the sandbox, vigil writing JSON to a file, ${TPUT_SECS}s per run =="
	for loops in $counts; do
		log "throughput: $loops loop(s) flat out"
		throughput "flat$loops" "$loops" 0
		tp_line "flat out, $loops loop(s)"
		SUMMARY+=("flat out, $loops loop(s): $(per_sec "$TP_EVENTS") events/s recorded, $TP_DROPS dropped")
		[ "$loops" = 1 ] && per_core=$TP_PER_CORE
		issued=$(per_sec "$TP_OPS")
		if [ "$issued" -gt "$best" ]; then
			best=$issued best_loops=$loops
		fi
	done
	verdict=missed
	[ "$per_core" -ge 1000000 ] && verdict=met
	SUMMARY+=(">= 1,000,000 records/s on one collector core: $per_core per CPU-second (1 loop flat out) -> $verdict")
	print_stages
	log "throughput: $best_loops loop(s) paced at $PACED_RATE opens/s"
	throughput paced "$best_loops" $((PACED_RATE / best_loops))
	tp_line "paced at $PACED_RATE/s"
	issued=$(per_sec "$TP_OPS")
	if [ "$issued" -lt $((PACED_RATE * 95 / 100)) ]; then
		verdict="not measurable here: the loops reached only $issued/s with vigil attached"
	elif [ "$TP_DROPS" = 0 ]; then
		verdict=met
	else
		verdict=missed
	fi
	SUMMARY+=("zero drops at ${PACED_RATE}/s: $TP_DROPS dropped at $issued/s -> $verdict")
}

main() {
	SUMMARY=()
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	setup
	build
	quiet_check "before the run"
	log "sandbox root ${SB_ROOT}; about $(((ROUNDS * (18 * SECS + 10) + 60) / 60)) minutes"
	overhead
	bpf_pass
	print_table
	print_bpf
	print_targets
	print_throughput
	quiet_check "after the run"
	echo
	echo "== Summary =="
	[ "$NO_VIGIL" = 1 ] && echo "vigil skipped (BENCH_NO_VIGIL=1)"
	[ "$FOREIGN" = 0 ] ||
		echo "WARNING: another tool had BPF programs on the syscall hooks during baseline runs; the ratios understate every overhead"
	printf '%s\n' "${SUMMARY[@]+"${SUMMARY[@]}"}"
	if [ ${#PROBLEMS[@]} -gt 0 ]; then
		printf 'BROKEN: %s\n' "${PROBLEMS[@]}"
		exit 1
	fi
}

main "$@"
