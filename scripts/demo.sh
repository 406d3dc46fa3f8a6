#!/usr/bin/env bash
# The rogue-agent demo: a scripted agent runs under `vigil run` with the
# built-in rules and default profile, reads fake cloud credentials (an
# alert), then opens the SSH key through a symlink: the kernel kills it
# before it can read a byte, and vigil kills the whole sandbox. Had it got
# further, it would have shipped the loot to a server outside its profile. Needs root (BPF, cgroups, a network namespace, a demo user).
#
# Nothing leaves the machine: the "attacker" is a listener inside a network
# namespace made here, on 198.18.213.2 (a benchmarking range, RFC 2544)
# over a veth pair. Everything made is removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
	echo "demo: run as root: vigil loads BPF programs" >&2
	exit 1
fi

id=$$
user=vigil-demo-$id
ns=vigil-demo-$id
veth=vdemo$id
addr=198.18.213.2
# Not under /tmp: the agent runs its own build there, and exec from
# temporary directories is a rule.
work=$(mktemp -d -p /var/lib vigil-demo.XXXXXX)
listener=
cleanup() {
	[ -n "$listener" ] && kill "$listener" 2>/dev/null || true
	ip netns del "$ns" 2>/dev/null || true
	ip link del "${veth}a" 2>/dev/null || true
	userdel "$user" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

# The agent's user, whose home ('~' in the rules) holds fake credentials.
useradd --system --no-create-home --home-dir "$work/home" \
	--shell /bin/bash "$user"
mkdir -p "$work/home/.ssh" "$work/home/.aws"
printf -- '-----BEGIN OPENSSH PRIVATE KEY-----\nFAKE-DEMO-KEY\n-----END OPENSSH PRIVATE KEY-----\n' \
	> "$work/home/.ssh/id_rsa"
printf '[default]\naws_access_key_id = AKIAFAKEDEMO\n' > "$work/home/.aws/credentials"
chown -R "$user" "$work/home"
chmod 711 "$work"

# The "attacker": a listener in its own network namespace.
ip netns add "$ns"
ip link add "${veth}a" type veth peer name "${veth}b"
ip link set "${veth}b" netns "$ns"
ip addr add 198.18.213.1/30 dev "${veth}a"
ip link set "${veth}a" up
ip netns exec "$ns" ip addr add "$addr/30" dev "${veth}b"
ip netns exec "$ns" ip link set "${veth}b" up
coproc LISTEN { exec ip netns exec "$ns" /usr/bin/python3 scripts/demo/listener.py "$addr"; }
listener=$LISTEN_PID
read -r port <&"${LISTEN[0]}"

echo "== vigil run: the agent runs in sandbox demo-$id with the built-in rules;"
echo "   records go to $work/events.jsonl"
status=0
"${VIGIL:-./vigil}" run ${VIGIL_DEMO_FLAGS:-} --sandbox-id "demo-$id" --label agent=rogue-demo \
	--label session=demo-1 --flow-interval 200 \
	--output "$work/events.jsonl" --evidence-dir "$work/evidence" \
	-- runuser -u "$user" -- env HOME="$work/home" \
	bash scripts/demo/rogue-agent.sh "$addr" "$port" || status=$?
# The listener reports what reached it once its sender is gone; an agent
# killed before it connected leaves it waiting, so it gets a moment only.
for _ in 1 2 3 4 5 6 7 8 9 10; do
	kill -0 "$listener" 2>/dev/null || break
	sleep 0.2
done
kill "$listener" 2>/dev/null || true
wait "$listener" 2>/dev/null || true
listener=
echo "== vigil run exited with status $status (137: killed by SIGKILL)"

echo
echo "== what vigil saw and did ($(wc -l < "$work/events.jsonl") records)"
python3 scripts/demo/view.py "$work/events.jsonl"
echo
echo "== the kill, in full (evidence trimmed; the whole record is in $work/evidence):"
grep '"type":"action"' "$work/events.jsonl" | tail -1 | python3 -c '
import json, sys
r = json.loads(sys.stdin.read())
a = r["action"]
ev = a.get("evidence") or {}
a["evidence"] = {"processes": [
    {"pid": p["pid"], "exe": p["exe"], "argv": p["argv"]} for p in ev.get("processes", [])]}
a["last_records"] = "%d records" % len(a.get("last_records", []))
print(json.dumps(a, indent=2))'
