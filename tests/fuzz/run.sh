#!/bin/sh
# Runs the libFuzzer binaries in DIR (fuzz_NAME), each over its committed
# corpus tests/fuzz/corpus/NAME.
#
#   tests/fuzz/run.sh fuzz DIR SECONDS   fuzz each for SECONDS; new inputs
#                                        go to DIR/corpus/NAME, crashes to
#                                        DIR/crash/NAME-*
#   tests/fuzz/run.sh regress DIR        run each once over the committed
#                                        corpus only (no mutation)
#
# Every fuzzer runs even after one fails; the exit status is 1 if any
# crashed, leaked or timed out. A crash's input is kept: add it to the
# corpus as a regression once the bug is fixed (or reported).
set -u

mode=${1:?usage: $0 fuzz|regress DIR [SECONDS]}
dir=${2:?usage: $0 fuzz|regress DIR [SECONDS]}
seconds=${3:-30}
corpus=$(dirname "$0")/corpus
failed=0
ran=0

for fuzzer in "$dir"/fuzz_*; do
	[ -f "$fuzzer" ] && [ -x "$fuzzer" ] || continue
	name=${fuzzer##*/fuzz_}
	seeds=$corpus/$name
	[ -d "$seeds" ] || { echo "run.sh: no corpus $seeds" >&2; exit 1; }
	ran=$((ran + 1))
	case $mode in
	fuzz)
		mkdir -p "$dir/corpus/$name" "$dir/crash"
		echo "== fuzz_$name: ${seconds}s"
		"$fuzzer" -max_len=8192 -max_total_time="$seconds" \
			-timeout=10 -print_final_stats=1 \
			-artifact_prefix="$dir/crash/$name-" \
			"$dir/corpus/$name" "$seeds"
		;;
	regress)
		# One run per input, so every failing input is named; a file
		# argument runs once and nothing is written.
		bad=0
		for input in "$seeds"/*; do
			[ -f "$input" ] || continue
			if ! "$fuzzer" -timeout=10 "$input" \
				>"$dir/regress-$name.log" 2>&1; then
				grep -E 'ERROR|runtime error|SUMMARY|^fuzz_' \
					"$dir/regress-$name.log"
				echo "FAIL $input"
				bad=1
			fi
		done
		[ "$bad" -eq 0 ]
		;;
	*)
		echo "run.sh: unknown mode $mode" >&2
		exit 2
		;;
	esac
	rc=$?
	if [ "$rc" -eq 0 ]; then
		echo "PASS fuzz_$name"
	else
		echo "FAIL fuzz_$name (exit $rc)"
		failed=1
	fi
done

if [ "$ran" -eq 0 ]; then
	echo "run.sh: no fuzzers in $dir" >&2
	exit 1
fi
exit "$failed"
