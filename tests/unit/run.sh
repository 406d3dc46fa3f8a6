#!/bin/sh
# Runs every unit test binary in DIR and counts binaries, not test cases:
# a binary fails if it exits non-zero (cmocka returns the number of failed
# cases; a sanitizer abort or a timeout counts too). A failing binary's
# output is shown in full, a passing one's only as a PASS line.
#
# Usage: tests/unit/run.sh DIR    (UNIT_TIMEOUT: seconds per binary, 300)
set -u

dir=${1:?usage: $0 DIR}
timeout=${UNIT_TIMEOUT:-300}
passed=0
failed=0
log=$(mktemp) || exit 1
trap 'rm -f "$log"' EXIT

for test in "$dir"/*; do
	[ -f "$test" ] && [ -x "$test" ] || continue
	name=$(basename "$test")
	if timeout "$timeout" "$test" >"$log" 2>&1; then
		echo "PASS $name"
		passed=$((passed + 1))
	else
		rc=$?
		cat "$log"
		echo "FAIL $name (exit $rc)"
		failed=$((failed + 1))
	fi
done

echo "$passed passed, $failed failed"
if [ $((passed + failed)) -eq 0 ]; then
	echo "run.sh: no test binaries in $dir" >&2
	exit 1
fi
[ "$failed" -eq 0 ]
