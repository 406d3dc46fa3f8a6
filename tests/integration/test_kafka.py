"""vigil's Kafka sink against a real single-node KRaft broker on loopback:
exactly once and in order, broker outages, SIGTERM and SIGKILL with the
broker down, a corrupted spool, and bad configurations."""

import glob
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import check_sanitizers, make_sandbox, run_in_cgroup

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "kafka"))
from kafka_fixture import KafkaError, kafka_broker, kafka_topic  # noqa: E402,F401

# Opens and execs at a steady pace, inside a sandbox, for SECONDS.
WORKLOAD = """
end=$(( $(date +%s) + {seconds} ))
while [ $(date +%s) -lt $end ]; do cat /etc/hostname >/dev/null; sleep 0.02; done
"""


def kafka_args(broker, topic, spool, extra=()):
    return ["--kafka-brokers", broker.bootstrap,
            "--kafka-topic", f"events={topic}",
            "--spool-dir", str(spool), *extra]


def workload(sb, seconds):
    return run_in_cgroup(sb, ["/bin/sh", "-c", WORKLOAD.format(seconds=seconds)])


def values(msgs):
    return [m.value for m in msgs]


def assert_exactly_once_in_order(records, msgs):
    """Every record of the JSON output arrives once, and each sandbox's
    records arrive in their order (a key stays in one partition)."""
    want = {r["seq"]: r for r in records}
    got = [m.json() for m in msgs]
    seqs = [r["seq"] for r in got]
    assert len(seqs) == len(set(seqs)), "duplicates in Kafka"
    assert set(seqs) == set(want), \
        f"missing {sorted(set(want) - set(seqs))[:20]}, " \
        f"extra {sorted(set(seqs) - set(want))[:20]}"
    last = {}
    for m, r in zip(msgs, got):
        assert r == want[r["seq"]], "Kafka value differs from the JSON output"
        key = r["sandbox"]["id"] if r["sandbox"] else r["host"]
        assert m.key == key, (m.key, r)
        assert m.header("schema") == "vigil.event.v1"
        assert m.header("type") == r["type"]
        assert m.header("host") == r["host"]
        assert r["seq"] > last.get((m.key, m.partition), 0), "out of order"
        last[(m.key, m.partition)] = r["seq"]


def test_every_record_exactly_once_in_order(sandbox_root, start_vigil,
                                            kafka_broker, kafka_topic,
                                            tmp_path):
    sb = make_sandbox(sandbox_root, "sb-kafka")
    other = make_sandbox(sandbox_root, "sb-kafka-2")
    v = start_vigil(sandbox_root, flow_interval=200,
                    extra_args=kafka_args(kafka_broker, kafka_topic,
                                          tmp_path / "spool"))
    jobs = [workload(sb, 3), workload(other, 3)]
    assert all(j.wait(timeout=60) == 0 for j in jobs)
    records = v.stop()
    assert len(records) > 100
    msgs = kafka_broker.consume(kafka_topic, timeout=60, count=len(records))
    assert_exactly_once_in_order(records, msgs)
    assert {m.key for m in msgs} >= {"sb-kafka", "sb-kafka-2"}


def test_broker_down_30s_loses_nothing(sandbox_root, start_vigil, kafka_broker,
                                       kafka_topic, tmp_path):
    """The broker goes away for 30 s while a sandbox keeps producing records
    and comes back with its data: every record arrives, once, in order, and
    the drop records account for anything dropped (none here: the spool has
    room)."""
    sb = make_sandbox(sandbox_root, "sb-outage")
    spool = tmp_path / "spool"
    v = start_vigil(sandbox_root, flow_interval=200,
                    extra_args=kafka_args(kafka_broker, kafka_topic, spool))
    job = workload(sb, 40)
    time.sleep(3)
    kafka_broker.stop()
    time.sleep(30)
    assert glob.glob(str(spool / "*.seg")), "nothing was spooled"
    kafka_broker.start()
    assert job.wait(timeout=120) == 0
    # The running daemon drains its spool once the broker is back.
    so_far = len(v.records())
    assert len(kafka_broker.consume(kafka_topic, timeout=60,
                                    count=so_far)) >= so_far
    records = v.stop()
    dropped = sum(r["drop"]["reasons"]["sinks"] for r in records
                  if r["type"] == "drop")
    assert dropped == 0
    msgs = kafka_broker.consume(kafka_topic, timeout=60, count=len(records))
    assert_exactly_once_in_order(records, msgs)
    assert "spooling to disk" in v.stderr()


def first_run_with_broker_down(sandbox_root, start_vigil, kafka_broker,
                               kafka_topic, spool, seconds=3):
    """A daemon whose broker is down from the start: its records can only
    go to the spool. Returns the running daemon and its records so far."""
    sb = make_sandbox(sandbox_root, "sb-spool")
    kafka_broker.stop()
    v = start_vigil(sandbox_root,
                    extra_args=kafka_args(kafka_broker, kafka_topic, spool))
    assert workload(sb, seconds).wait(timeout=60) == 0
    time.sleep(1)   # past the spool's sync period
    return v


def deliver_spool(start_vigil, sandbox_root, kafka_broker, kafka_topic, spool):
    """A second daemon with the broker back delivers the first one's spool."""
    kafka_broker.start()
    return start_vigil(sandbox_root,
                       extra_args=kafka_args(kafka_broker, kafka_topic, spool))


def test_sigterm_with_broker_down_spools_then_delivers(
        sandbox_root, start_vigil, kafka_broker, kafka_topic, tmp_path):
    spool = tmp_path / "spool"
    v = first_run_with_broker_down(sandbox_root, start_vigil, kafka_broker,
                                   kafka_topic, spool)
    t0 = time.monotonic()
    records = v.stop()
    assert time.monotonic() - t0 < 20, "SIGTERM took longer than the flush"
    assert glob.glob(str(spool / "*.seg"))
    v2 = deliver_spool(start_vigil, sandbox_root, kafka_broker, kafka_topic,
                       spool)
    msgs = kafka_broker.consume(kafka_topic, timeout=60, count=len(records))
    v2.stop()
    first = {json.dumps(r, sort_keys=True) for r in records}
    got = [json.dumps(m.json(), sort_keys=True) for m in msgs]
    assert first <= set(got), f"{len(first - set(got))} records of the " \
                              "first run never arrived"
    assert len(got) == len(set(got)), "duplicates"


def test_sigkill_with_broker_down_delivers_synced_spool(
        sandbox_root, start_vigil, kafka_broker, kafka_topic, tmp_path):
    """SIGKILL gives no chance to flush: what was synced to the spool (all
    of it, a second after the last record) arrives after a restart, and
    what arrives is a gap-free prefix of the first run's records."""
    spool = tmp_path / "spool"
    v = first_run_with_broker_down(sandbox_root, start_vigil, kafka_broker,
                                   kafka_topic, spool)
    records = v.records()
    v.proc.send_signal(signal.SIGKILL)
    v.proc.wait()
    v.returncode = -signal.SIGKILL
    v2 = deliver_spool(start_vigil, sandbox_root, kafka_broker, kafka_topic,
                       spool)
    msgs = kafka_broker.consume(kafka_topic, timeout=60, count=len(records))
    v2.stop()
    first = [json.dumps(r, sort_keys=True) for r in records]
    got = {json.dumps(m.json(), sort_keys=True) for m in msgs}
    delivered = [r in got for r in first]
    assert all(delivered), \
        f"{delivered.count(False)} of {len(first)} synced records lost"


def test_corrupted_spool_is_reported_and_the_rest_delivered(
        sandbox_root, start_vigil, kafka_broker, kafka_topic, tmp_path):
    spool = tmp_path / "spool"
    v = first_run_with_broker_down(sandbox_root, start_vigil, kafka_broker,
                                   kafka_topic, spool)
    records = v.stop()
    segs = sorted(glob.glob(str(spool / "*.seg")))
    seg = max(segs, key=os.path.getsize)
    size = os.path.getsize(seg)
    assert size > 10000
    with open(seg, "r+b") as f:     # a flipped byte two thirds in
        f.seek(size * 2 // 3)
        b = f.read(1)
        f.seek(size * 2 // 3)
        f.write(bytes([b[0] ^ 0xFF]))
    v2 = deliver_spool(start_vigil, sandbox_root, kafka_broker, kafka_topic,
                       spool)
    msgs = kafka_broker.consume(kafka_topic, timeout=30,
                                count=len(records) // 2)
    v2.stop()
    assert "torn or corrupt" in v2.stderr()
    first = [json.dumps(r, sort_keys=True) for r in records]
    got = {json.dumps(m.json(), sort_keys=True) for m in msgs}
    delivered = [r in got for r in first]
    # Everything before the damaged frame arrives; the damage loses at
    # most the rest of that one segment.
    assert delivered.count(True) >= len(first) // 2
    assert delivered[:delivered.index(False)] == \
        [True] * delivered.index(False)


def run_vigil(vigil_bin, sandbox_root, *args, timeout=30):
    return subprocess.run([vigil_bin, "daemon", "--sandbox-root",
                           sandbox_root, "--output", "/dev/null", *args],
                          capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("brokers", ["localhost", "127.0.0.1:99999",
                                     "127.0.0.1:9092,", ":9092", "[::1]9092"])
def test_unparsable_broker_list(vigil_bin, sandbox_root, brokers):
    r = run_vigil(vigil_bin, sandbox_root, "--kafka-brokers", brokers)
    assert r.returncode == 2, r.stderr
    assert "--kafka-brokers" in r.stderr and "HOST:PORT" in r.stderr
    check_sanitizers(r.stderr)


def test_unknown_kafka_property(vigil_bin, sandbox_root, tmp_path):
    r = run_vigil(vigil_bin, sandbox_root, "--kafka-brokers",
                  "127.0.0.1:9092", "--kafka-property", "no.such.thing=1",
                  "--spool-dir", str(tmp_path / "spool"))
    assert r.returncode == 1, r.stderr
    assert "no.such.thing" in r.stderr
    check_sanitizers(r.stderr)


def test_unreachable_broker_is_a_warning(sandbox_root, start_vigil, tmp_path):
    """Nothing listens on the port: the daemon starts anyway, spools, and
    stops promptly on SIGTERM."""
    spool = tmp_path / "spool"
    sb = make_sandbox(sandbox_root, "sb-nobroker")
    v = start_vigil(sandbox_root,
                    extra_args=["--kafka-brokers", "127.0.0.1:9",
                                "--spool-dir", str(spool)])
    assert "no broker of 127.0.0.1:9 answers" in v.stderr()
    assert workload(sb, 1).wait(timeout=30) == 0
    t0 = time.monotonic()
    v.stop()
    assert time.monotonic() - t0 < 20
    assert glob.glob(str(spool / "*.seg"))


KILL_RULES = """
- rule: kafka-test-trigger
  description: the test's trigger file was opened
  event: open
  when: open.path == "{trigger}"
  score: 5
  severity: high
  tags: [test]
  action: kill
"""


def test_alerts_and_actions_reach_their_topics(sandbox_root, start_vigil,
                                               kafka_broker, kafka_topic,
                                               tmp_path):
    """A rule's alert and its kill go to the alerts and actions topics,
    each exactly once, keyed by sandbox, and match the JSON output."""
    trigger = tmp_path / "trigger"
    trigger.write_text("x")
    rules = tmp_path / "rules.yaml"
    rules.write_text(KILL_RULES.format(trigger=trigger))
    alerts, actions = f"{kafka_topic}-alerts", f"{kafka_topic}-actions"
    sb = make_sandbox(sandbox_root, "sb-kafka-kill")
    v = start_vigil(sandbox_root, extra_args=kafka_args(
        kafka_broker, kafka_topic, tmp_path / "spool",
        ["--rules", str(rules), "--kafka-topic", f"alerts={alerts}",
         "--kafka-topic", f"actions={actions}"]))
    job = run_in_cgroup(sb, ["/bin/sh", "-c", f"cat {trigger}; sleep 60"])
    assert job.wait(timeout=30) == -signal.SIGKILL
    records = v.stop()
    want = {t: [r for r in records if r["type"] == t]
            for t in ("alert", "action")}
    assert [r["alert"]["rule"] for r in want["alert"]] == ["kafka-test-trigger"]
    assert [(r["action"]["action"], r["action"]["outcome"])
            for r in want["action"]] == [("kill", "done")]
    for topic, kind in ((alerts, "alert"), (actions, "action")):
        msgs = kafka_broker.consume(topic, timeout=60, count=1)
        assert [m.json() for m in msgs] == want[kind]
        assert [m.key for m in msgs] == ["sb-kafka-kill"]
        assert msgs[0].header("type") == kind
    events = [m.json()["type"] for m in kafka_broker.consume(
        kafka_topic, timeout=60, count=len(records) - 2)]
    assert "alert" not in events and "action" not in events



# Opens and execs for SECONDS, then opens the trigger file (the kill rule
# fires) and waits to be killed.
WORKLOAD_THEN_TRIGGER = WORKLOAD + "cat {trigger} >/dev/null; sleep 120\n"


def topic_kind(record_type):
    """The sink's topic for a record type: events, alerts or actions."""
    return {"alert": "alerts", "action": "actions"}.get(record_type, "events")


def consume_topics(broker, topics, want, timeout):
    """Reads every topic ({kind: name}) again and again until each holds
    at least want[kind] messages or timeout passes; returns
    {kind: [Message]} as last read (a topic not created yet is empty)."""
    deadline = time.monotonic() + timeout
    while True:
        got = {}
        for kind, topic in topics.items():
            try:
                got[kind] = broker.consume(topic, timeout=5)
            except KafkaError:
                got[kind] = []
        if all(len(got[k]) >= want[k] for k in topics) or \
                time.monotonic() >= deadline:
            return got
        time.sleep(1)


def test_spool_drains_while_the_host_is_quiet(sandbox_root, start_vigil,
                                              kafka_broker, kafka_topic,
                                              tmp_path):
    """The broker is away for 20 s; two sandboxes produce records in the
    meantime and a rule kills one of them; the broker comes back and the
    sandboxes stay quiet (the default flow interval, a topic per record
    type). The running daemon delivers every record of the outage, the
    alert and the kill action among them, each exactly once on its own
    topic, with no newer record to push them out and no restart.

    The producer is idle when the broker goes away (its records so far
    delivered), so there is nothing to spool when the sink notices, and
    the first probe finds the spool empty: that probe once left the sink
    spooling until the next start."""
    trigger = tmp_path / "trigger"
    trigger.write_text("x")
    rules = tmp_path / "rules.yaml"
    rules.write_text(KILL_RULES.format(trigger=trigger))
    topics = {"events": kafka_topic, "alerts": f"{kafka_topic}-alerts",
              "actions": f"{kafka_topic}-actions"}
    spool = tmp_path / "spool"
    busy = make_sandbox(sandbox_root, "sb-quiet-busy")
    doomed = make_sandbox(sandbox_root, "sb-quiet-doomed")
    v = start_vigil(sandbox_root, extra_args=kafka_args(
        kafka_broker, kafka_topic, spool,
        ["--rules", str(rules), "-v",
         "--kafka-topic", f"alerts={topics['alerts']}",
         "--kafka-topic", f"actions={topics['actions']}"]))
    assert workload(busy, 1).wait(timeout=30) == 0
    before = len(v.records())
    assert len(kafka_broker.consume(kafka_topic, timeout=60,
                                    count=before)) >= before
    kafka_broker.stop()
    stopped = time.monotonic()
    time.sleep(3)       # the sink notices, and its first probe is due
    busy_job = workload(busy, 8)
    doomed_job = run_in_cgroup(doomed, ["/bin/sh", "-c",
                                        WORKLOAD_THEN_TRIGGER.format(
                                            seconds=4, trigger=trigger)])
    assert doomed_job.wait(timeout=60) == -signal.SIGKILL
    assert busy_job.wait(timeout=60) == 0
    time.sleep(max(0.0, 20 - (time.monotonic() - stopped)))
    records = v.records()
    assert [r["seq"] for r in records] == list(range(1, len(records) + 1))
    outage = [r["type"] for r in records[before:]]
    assert "alert" in outage and "action" in outage
    assert glob.glob(str(spool / "**" / "*.seg"), recursive=True), \
        "nothing was spooled"
    kafka_broker.start()

    # From here on the sandboxes are quiet: nothing new pushes the spool.
    want = {kind: [r for r in records if topic_kind(r["type"]) == kind]
            for kind in topics}
    got = consume_topics(kafka_broker, topics,
                         {k: len(w) for k, w in want.items()}, timeout=60)
    for kind, msgs in got.items():
        assert {topic_kind(m.json()["type"]) for m in msgs} <= {kind}, \
            f"a record on the {kind} topic that belongs elsewhere"
        seqs = [m.json()["seq"] for m in msgs]
        assert len(seqs) == len(set(seqs)), f"duplicates on {kind}"
        missing = sorted({r["seq"] for r in want[kind]} - set(seqs))
        assert not missing, \
            f"{len(missing)} of {len(want[kind])} {kind} records did not " \
            f"reach the broker within 60 s of its return (first " \
            f"{missing[:10]})\n{v.stderr()[-3000:]}"
    records = v.stop()
    for msgs in got.values():
        delivered = {m.json()["seq"] for m in msgs}
        assert_exactly_once_in_order(
            [r for r in records if r["seq"] in delivered], msgs)


def test_audit_links_reach_their_topic_through_an_outage(
        sandbox_root, start_vigil, kafka_broker, kafka_topic, tmp_path):
    """With --audit, every link of the audit file (start, the alert, the
    kill, stop) reaches the audit topic once, in order, byte for byte,
    even when the broker was down while they were made: they wait in the
    spool like alerts (never dropped) and the next daemon delivers them."""
    trigger = tmp_path / "trigger"
    trigger.write_text("x")
    rules = tmp_path / "rules.yaml"
    rules.write_text(KILL_RULES.format(trigger=trigger))
    audit, topic = tmp_path / "audit.log", f"{kafka_topic}-audit"
    spool = tmp_path / "spool"
    args = kafka_args(kafka_broker, kafka_topic, spool,
                      ["--rules", str(rules), "--audit", str(audit),
                       "--kafka-topic", f"audit={topic}"])
    sb = make_sandbox(sandbox_root, "sb-audit")
    kafka_broker.stop()
    v = start_vigil(sandbox_root, extra_args=args)
    job = run_in_cgroup(sb, ["/bin/sh", "-c", f"cat {trigger}; sleep 60"])
    assert job.wait(timeout=30) == -signal.SIGKILL
    v.stop()
    kafka_broker.start()
    v2 = start_vigil(sandbox_root, extra_args=args)
    v2.stop()
    lines = audit.read_text().splitlines()
    kinds = [json.loads(line)["record"]["type"] for line in lines]
    assert kinds == ["lifecycle", "alert", "action", "lifecycle",
                     "lifecycle", "lifecycle"], kinds
    msgs = kafka_broker.consume(topic, timeout=60, count=len(lines))
    # Partitions by key (host, sandbox): the order holds within each.
    msgs.sort(key=lambda m: m.json()["audit"])
    assert [m.value for m in msgs] == lines
    assert [m.header("type") for m in msgs] == ["audit"] * len(lines)
    assert [m.key for m in msgs][1:3] == ["sb-audit", "sb-audit"]
