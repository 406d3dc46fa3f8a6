#!/usr/bin/env bash
# Installs the Debian packages that building, testing and benchmarking vigil
# need. Idempotent: does nothing when every package is already installed.
set -euo pipefail

packages=(
	# build
	clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev libyajl-dev
	libyaml-dev uthash-dev librdkafka-dev libpcre2-dev libsystemd-dev pkg-config make
	libmicrohttpd-dev libssl-dev
	# tests and benchmarks
	libcmocka-dev libclang-rt-14-dev bpftrace iproute2 attr kcat
	# make bench BENCH_PERF=1: where the collector's CPU goes
	linux-perf
	# what the shipped-rule tests' agent runs (tests/integration/test_shipped_rules.py)
	git curl wget openssh-client procps python3-venv python3-pip pre-commit
	# man pages, the Debian package and its tests (packaging/README.md)
	help2man go-md2man dpkg-dev systemd logrotate man-db
	# the metrics tests' Prometheus (and promtool), the dashboards' checks
	# and the README's dashboard picture (tests/integration/test_metrics.py)
	prometheus python3-yaml python3-matplotlib
	# the approval console's browser test: headless Chromium driven over
	# the DevTools protocol (tests/integration/test_console.py)
	chromium
	# the egress tests' DNS server in their network namespace
	# (tests/integration/test_egress.py)
	python3-dnslib
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
# The tests run on the machine's own python3; pytest comes from PyPI if absent.
python3 -m pytest --version >/dev/null 2>&1 || python3 -m pip install -q pytest
# tests/package reads the Kubernetes manifest with it (python3-yaml below
# where python3 is Debian's).
python3 -c 'import yaml' 2>/dev/null || python3 -m pip install -q pyyaml
# The console's browser test speaks the DevTools protocol over a websocket.
python3 -c 'import websocket' 2>/dev/null || python3 -m pip install -q websocket-client
# The Kafka broker of the tests runs on a JDK and comes through Maven; the
# machines ship both, a bare Debian gets them from its packages.
command -v java >/dev/null || missing+=(default-jdk-headless)
command -v mvn >/dev/null || missing+=(maven)
# npm comes with Node.js where Node.js is NodeSource's; Debian's own is apart.
command -v npm >/dev/null || missing+=(npm)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: need root to install: ${missing[*]}" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}" >&2
apt-get update -q >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
# Debian's prometheus package starts a system-wide server on :9090 where
# services run. The tests start their own, on loopback with a data
# directory of their own: the system one is not wanted.
if [[ " ${missing[*]} " == *" prometheus "* ]] && command -v systemctl >/dev/null &&
	[ -d /run/systemd/system ]; then
	systemctl disable --now prometheus >/dev/null 2>&1 || true
fi
