#!/usr/bin/env bash
# The rogue-agent demo: runs a scripted agent under `vigil run`, then shows
# what vigil recorded. Needs root (vigil loads BPF programs).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
	echo "demo: run as root: vigil loads BPF programs" >&2
	exit 1
fi

work=$(mktemp -d /tmp/vigil-demo.XXXXXX)
listener=
cleanup() {
	[ -n "$listener" ] && kill "$listener" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

# A throwaway HOME with fake credentials for the agent to steal.
mkdir -p "$work/home/.ssh" "$work/home/.aws"
printf -- '-----BEGIN OPENSSH PRIVATE KEY-----\nFAKE-DEMO-KEY\n-----END OPENSSH PRIVATE KEY-----\n' \
	> "$work/home/.ssh/id_rsa"
printf '[default]\naws_access_key_id = AKIAFAKEDEMO\n' > "$work/home/.aws/credentials"

coproc LISTEN { /usr/bin/python3 scripts/demo/listener.py; }
listener=$LISTEN_PID
read -r port <&"${LISTEN[0]}"

echo "== vigil run: the agent runs in sandbox 'demo-agent', records go to $work/events.jsonl"
./vigil run --sandbox-id "demo-$$" --label agent=rogue-demo --label session=demo-1 \
	--profile default --flow-interval 200 --output "$work/events.jsonl" \
	-- env HOME="$work/home" bash scripts/demo/rogue-agent.sh "$port"
wait "$listener" 2>/dev/null || true
listener=

echo
echo "== what vigil saw ($(wc -l < "$work/events.jsonl") records; !! marks what a rule would flag)"
python3 scripts/demo/view.py "$work/events.jsonl"
echo
echo "== one record in full (the key read through the symlink):"
grep '"open"' "$work/events.jsonl" | grep 'id_rsa' | head -1 | python3 -m json.tool
