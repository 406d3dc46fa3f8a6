#!/usr/bin/env bash
# A real single-node Apache Kafka broker (KRaft, combined broker+controller)
# on 127.0.0.1 for vigil's tests. Jars come from Maven Central via pom.xml.
#
#   broker.sh fetch                     fetch the jars (idempotent)
#   broker.sh start DIR PORT            format DIR (if new) and start; waits until
#                                       the broker answers metadata requests
#   broker.sh stop DIR                  SIGTERM the broker in DIR/broker.pid, wait
#                                       up to 30 s, then SIGKILL that pid
#   broker.sh restart DIR PORT          stop (if running) and start again on the
#                                       same DIR, keeping its data (no reformat)
#   broker.sh status DIR                exit 0 if the broker in DIR is running
#   broker.sh create-topic BOOTSTRAP TOPIC PARTITIONS
#                                       create a topic (no-op if it exists)
#
# The broker listens on 127.0.0.1:PORT (PLAINTEXT, clients) and
# 127.0.0.1:PORT+1 (CONTROLLER) and nowhere else. DIR holds server.properties,
# log4j2.properties, data/ (the KRaft log dir), broker.log and broker.pid.
#
# Environment:
#   KAFKA_VERSION        kafka_2.13 version to fetch (default: pom.xml's, 4.4.0)
#   KAFKA_LIBS_DIR       where the jars go (default: tests/kafka/target/libs)
#   KAFKA_MVN_ARGS       extra Maven arguments (e.g. -Dmaven.repo.local=DIR, -o)
#   KAFKA_START_TIMEOUT  seconds to wait for the broker (default: 90)
#   KAFKA_HEAP_OPTS      default: -Xms128m -Xmx512m
#   KAFKA_JVM_OPTS       extra JVM options (appended)
#   JAVA                 java binary (default: $JAVA_HOME/bin/java, else java); 17+
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LIBS="${KAFKA_LIBS_DIR:-$HERE/target/libs}"
STAMP="$LIBS/.fetched"
START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
STOP_TIMEOUT=30
if [[ -z "${JAVA:-}" ]]; then
    if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then JAVA="$JAVA_HOME/bin/java"; else JAVA=java; fi
fi

die() { echo "broker.sh: $*" >&2; exit 1; }
log() { echo "broker.sh: $*" >&2; }

# ---------------------------------------------------------------- fetch
fetch_key() {
    # Anything that changes what Maven would copy invalidates the stamp.
    { cat "$HERE/pom.xml"; echo "version=${KAFKA_VERSION:-}"; } | sha256sum | cut -d' ' -f1
}

cmd_fetch() {
    local key; key="$(fetch_key)"
    if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$key" ]]; then return 0; fi
    command -v mvn >/dev/null || die "mvn not found (apt-get install maven)"
    mkdir -p "$(dirname "$LIBS")"
    # Serialise concurrent fetches (parallel test sessions).
    exec 9>"$(dirname "$LIBS")/.fetch.lock"
    flock 9
    if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$key" ]]; then exec 9>&-; return 0; fi
    # Copy into a fresh directory and swap it in: a broker already running
    # from the old jars keeps its open files.
    local tmp="$LIBS.new.$$"
    rm -rf "$tmp"
    local args=(-q -B -f "$HERE/pom.xml" "-Dkafka.libs.dir=$tmp" package)
    [[ -n "${KAFKA_VERSION:-}" ]] && args+=("-Dkafka.version=$KAFKA_VERSION")
    # shellcheck disable=SC2206
    [[ -n "${KAFKA_MVN_ARGS:-}" ]] && args=(${KAFKA_MVN_ARGS} "${args[@]}")
    log "fetching Kafka jars with Maven into $LIBS"
    local mlog; mlog="$(dirname "$LIBS")/fetch.log"
    if ! mvn "${args[@]}" >"$mlog" 2>&1; then
        sed 's/\x1b\[[0-9;]*m//g' "$mlog" | tail -n 40 >&2
        rm -rf "$tmp"; die "maven fetch failed (log: $mlog)"
    fi
    compgen -G "$tmp/kafka_2.13-*.jar" >/dev/null || { rm -rf "$tmp"; die "no kafka_2.13 jar fetched"; }
    rm -rf "$LIBS"
    mv "$tmp" "$LIBS"
    echo "$key" >"$STAMP"
    exec 9>&-
}

need_libs() {
    compgen -G "$LIBS/kafka_2.13-*.jar" >/dev/null || die "no Kafka jars in $LIBS: run '$0 fetch' first"
}

# ---------------------------------------------------------------- helpers
check_port() {
    [[ "$1" =~ ^[0-9]+$ ]] && (( $1 > 0 && $1 < 65535 )) || die "bad port '$1'"
}

port_open() {  # port_open PORT -> 0 if something accepts on 127.0.0.1:PORT
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# pid of the broker of DIR if it is alive (and really is our java process).
running_pid() {
    local dir="$1" pid
    [[ -f "$dir/broker.pid" ]] || return 1
    pid="$(cat "$dir/broker.pid" 2>/dev/null)" || return 1
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    # Guard against pid reuse: the process must be a kafka.Kafka of this DIR.
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "kafka.Kafka $dir/server.properties" || return 1
    echo "$pid"
}

java_cp() { echo "$LIBS/*"; }

write_config() {
    local dir="$1" port="$2" cport=$(( $2 + 1 ))
    cat >"$dir/server.properties" <<EOF
# Written by tests/kafka/broker.sh: single-node KRaft broker on loopback.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir/data
num.partitions=3
default.replication.factor=1
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=3
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
min.insync.replicas=1
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.retention.hours=168
log.segment.bytes=67108864
EOF
    cat >"$dir/log4j2.properties" <<'EOF'
# Broker log: INFO and up, to stdout (redirected to DIR/broker.log).
status = warn
appender.out.type = Console
appender.out.name = OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = OUT
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
# The full config dumps (hundreds of lines per start) are left out.
logger.config.name = org.apache.kafka.common.config.AbstractConfig
logger.config.level = WARN
logger.clients.name = org.apache.kafka.clients
logger.clients.level = WARN
EOF
}

format_storage() {
    local dir="$1" id out cls
    # A Kafka Uuid: 16 random bytes, URL-safe base64 without padding, not
    # starting with '-' (what 'kafka-storage random-uuid' prints).
    while :; do
        id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
        [[ "$id" != -* && "$id" != "AAAAAAAAAAAAAAAAAAAAAA" && "$id" != "AAAAAAAAAAAAAAAAAAAAAQ" ]] && break
    done
    # kafka.tools.StorageTool (core, through 4.x); later versions may move it.
    for cls in kafka.tools.StorageTool org.apache.kafka.tools.StorageTool; do
        if out="$("$JAVA" -Xmx256m -cp "$(java_cp)" \
                -Dlog4j2.configurationFile="$dir/tools-log4j2.properties" \
                "$cls" format -t "$id" -c "$dir/server.properties" 2>&1)"; then
            echo "$out" >"$dir/format.log"
            return 0
        fi
        grep -qE "Could not find or load main class|ClassNotFoundException" <<<"$out" || break
    done
    echo "$out" >&2
    die "formatting $dir failed"
}

write_tools_log4j() {
    cat >"$1/tools-log4j2.properties" <<'EOF'
status = warn
appender.err.type = Console
appender.err.name = ERR
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.err.ref = ERR
EOF
}

launch() {
    local dir="$1" port="$2" pid t0 deadline
    local cport=$(( port + 1 ))
    if pid="$(running_pid "$dir")"; then die "a broker already runs from $dir (pid $pid)"; fi
    port_open "$port" && die "127.0.0.1:$port is already in use"
    port_open "$cport" && die "127.0.0.1:$cport (controller) is already in use"
    command -v kcat >/dev/null || die "kcat not found (apt-get install kcat)"
    "$JAVA" -version 2>&1 | grep -qE 'version "(1[7-9]|[2-9][0-9])' || die "$JAVA is not Java 17+"

    # shellcheck disable=SC2086
    local heap=(${KAFKA_HEAP_OPTS:--Xms128m -Xmx512m})
    # shellcheck disable=SC2086
    local extra=(${KAFKA_JVM_OPTS:-})
    echo "=== $(date -Is) start on 127.0.0.1:$port" >>"$dir/broker.log"
    t0=$EPOCHREALTIME
    nohup "$JAVA" "${heap[@]}" \
        -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
        -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
        -Dlog4j2.configurationFile="$dir/log4j2.properties" -Dkafka.logs.dir="$dir" \
        "${extra[@]}" \
        -cp "$(java_cp)" kafka.Kafka "$dir/server.properties" \
        >>"$dir/broker.log" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$dir/broker.pid"

    deadline=$(( $(date +%s) + START_TIMEOUT ))
    while :; do
        if ! kill -0 "$pid" 2>/dev/null; then
            log "broker (pid $pid) exited during startup; tail of $dir/broker.log:"
            tail -n 40 "$dir/broker.log" >&2
            rm -f "$dir/broker.pid"
            return 1
        fi
        # Ready when it answers a metadata request naming itself (broker 1).
        # (The cheap TCP check first: kcat -L waits its whole -m timeout
        # when nothing listens yet.)
        if port_open "$port" &&
           kcat -b "127.0.0.1:$port" -L -m 2 -q 2>/dev/null | grep -q "broker 1 at 127.0.0.1:$port"; then
            break
        fi
        if (( $(date +%s) >= deadline )); then
            log "broker not ready after ${START_TIMEOUT}s; tail of $dir/broker.log:"
            tail -n 40 "$dir/broker.log" >&2
            log "stopping it"
            cmd_stop "$dir" || true
            return 1
        fi
        sleep 0.2
    done
    log "broker pid $pid ready on 127.0.0.1:$port in $(awk "BEGIN{printf \"%.1f\", $EPOCHREALTIME - $t0}")s"
}

# ---------------------------------------------------------------- commands
cmd_start() {
    (( $# == 2 )) || die "usage: start DIR PORT"
    local dir="$1" port="$2" pid
    check_port "$port"
    need_libs
    mkdir -p "$dir"; dir="$(cd "$dir" && pwd)"
    if pid="$(running_pid "$dir")"; then die "a broker already runs from $dir (pid $pid)"; fi
    write_config "$dir" "$port"
    write_tools_log4j "$dir"
    if [[ ! -f "$dir/data/meta.properties" ]]; then
        format_storage "$dir"
    else
        log "$dir/data is already formatted: keeping its data"
    fi
    launch "$dir" "$port"
}

cmd_restart() {
    (( $# == 2 )) || die "usage: restart DIR PORT"
    local dir="$1" port="$2"
    check_port "$port"
    need_libs
    [[ -d "$dir" ]] || die "$dir does not exist"
    dir="$(cd "$dir" && pwd)"
    [[ -f "$dir/data/meta.properties" ]] || die "$dir was never formatted: use start"
    cmd_stop "$dir"
    write_config "$dir" "$port"   # same settings; PORT may differ
    write_tools_log4j "$dir"
    launch "$dir" "$port"
}

cmd_stop() {
    (( $# == 1 )) || die "usage: stop DIR"
    local dir="$1" pid i
    [[ -d "$dir" ]] || return 0
    dir="$(cd "$dir" && pwd)"
    if ! pid="$(running_pid "$dir")"; then rm -f "$dir/broker.pid"; return 0; fi
    kill -TERM "$pid" 2>/dev/null || true
    for (( i = 0; i < STOP_TIMEOUT * 10; i++ )); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "broker pid $pid still alive after ${STOP_TIMEOUT}s: SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        for (( i = 0; i < 50; i++ )); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    # A zombie (our child, when called from a shell that launched it) counts as gone.
    if kill -0 "$pid" 2>/dev/null && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null; then
        die "could not stop broker pid $pid"
    fi
    rm -f "$dir/broker.pid"
    echo "=== $(date -Is) stopped" >>"$dir/broker.log"
}

cmd_status() {
    (( $# == 1 )) || die "usage: status DIR"
    local dir; dir="$(cd "$1" 2>/dev/null && pwd)" || return 1
    running_pid "$dir" >/dev/null
}

cmd_create_topic() {
    (( $# == 3 )) || die "usage: create-topic BOOTSTRAP TOPIC PARTITIONS"
    need_libs
    local tmp; tmp="$(mktemp -d)"
    write_tools_log4j "$tmp"
    local rc=0
    "$JAVA" -Xmx256m -Dlog4j2.configurationFile="$tmp/tools-log4j2.properties" -cp "$(java_cp)" \
        org.apache.kafka.tools.TopicCommand --bootstrap-server "$1" --create --if-not-exists \
        --topic "$2" --partitions "$3" --replication-factor 1 || rc=$?
    rm -rf "$tmp"
    return $rc
}

sub="${1:-}"; shift || true
case "$sub" in
    fetch)        cmd_fetch "$@" ;;
    start)        cmd_start "$@" ;;
    stop)         cmd_stop "$@" ;;
    restart)      cmd_restart "$@" ;;
    status)       cmd_status "$@" ;;
    create-topic) cmd_create_topic "$@" ;;
    *) sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
