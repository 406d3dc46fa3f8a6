"""Smoke test of the test Kafka broker: produce with kcat, consume, stop,
restart on the same data, consume again."""

import subprocess
import time

from kafka_fixture import port_open


def kcat_produce(bootstrap, topic, lines, *extra):
    subprocess.run(["kcat", "-P", "-b", bootstrap, "-t", topic, "-k", "key", "-H", "h=v", *extra],
                   input="".join(f"{l}\n" for l in lines), text=True, check=True, timeout=60)


def check_three(msgs, topic):
    assert [m.value for m in msgs] == ["m1", "m2", "m3"], msgs
    for m in msgs:
        assert m.topic == topic
        assert m.key == "key"
        assert m.headers == [("h", "v")]
        assert m.header("h") == "v"
    # One key: one partition, consecutive offsets from 0.
    assert len({m.partition for m in msgs}) == 1
    assert [m.offset for m in msgs] == [0, 1, 2]


def test_produce_consume_stop_restart(kafka_broker, kafka_topic):
    b = kafka_broker
    kcat_produce(b.bootstrap, kafka_topic, ["m1", "m2", "m3"])
    check_three(b.consume(kafka_topic, timeout=30, count=3), kafka_topic)

    b.stop()
    assert not b.running
    assert not port_open(b.port), "client port still open after stop"
    assert not port_open(b.port + 1), "controller port still open after stop"

    b.start()
    assert b.running and port_open(b.port)
    check_three(b.consume(kafka_topic, timeout=30, count=3), kafka_topic)
    # Nothing more than the three (no duplicates after the restart).
    assert len(b.consume(kafka_topic, timeout=10)) == 3


def test_idempotent_zstd_producer(kafka_broker, kafka_topic):
    """vigil's producer settings: idempotence, acks=all, zstd (librdkafka 2.0.2)."""
    b = kafka_broker
    lines = [f'{{"seq":{i},"event":"exec","path":"/usr/bin/python3"}}' for i in range(100)]
    kcat_produce(b.bootstrap, kafka_topic, lines,
                 "-X", "enable.idempotence=true", "-X", "acks=all",
                 "-X", "compression.codec=zstd", "-X", "linger.ms=20")
    msgs = b.consume(kafka_topic, timeout=30, count=100)
    assert [m.json()["seq"] for m in msgs] == list(range(100))
    assert all(m.key == "key" and m.header("h") == "v" for m in msgs)


def test_create_topic(kafka_broker, kafka_topic):
    b = kafka_broker
    b.create_topic(kafka_topic, partitions=5)
    out = subprocess.run(["kcat", "-L", "-b", b.bootstrap, "-t", kafka_topic],
                         capture_output=True, text=True, check=True, timeout=30).stdout
    assert "with 5 partitions" in out, out
    b.produce(kafka_topic, ["a", "b"], key="k", headers={"x": "1"})
    msgs = b.consume(kafka_topic, timeout=30, count=2)
    assert [(m.key, m.value, m.header("x")) for m in msgs] == [("k", "a", "1"), ("k", "b", "1")]


def test_idempotent_producer_across_broker_restart(kafka_broker, kafka_topic):
    """A long-lived idempotent producer (like vigil's) keeps going while the
    broker is down and delivers everything once when it comes back."""
    b = kafka_broker
    # -E: kcat would otherwise exit on librdkafka's "all brokers down" error.
    p = subprocess.Popen(["kcat", "-P", "-E", "-b", b.bootstrap, "-t", kafka_topic, "-k", "key",
                          "-X", "enable.idempotence=true", "-X", "acks=all",
                          "-X", "compression.codec=zstd", "-X", "linger.ms=5"],
                         stdin=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        def send(lo, hi):
            # kcat -P does a blocking 128-byte fread() before it looks for
            # the next newline, so on a live pipe a line goes out only once
            # ~128 bytes follow it (or at EOF): 128-byte lines keep the
            # lag to a line or two.
            p.stdin.write("".join(f"{i:0127d}\n" for i in range(lo, hi)))
            p.stdin.flush()

        send(0, 50)
        # The producer has its producer id and is sending before the outage.
        assert len(b.consume(kafka_topic, timeout=30, count=40)) >= 40
        b.stop()
        send(50, 100)          # queued in the producer while the broker is down
        time.sleep(3)
        b.start()
        send(100, 150)
        p.stdin.close()
        assert p.wait(timeout=120) == 0, p.stderr.read()
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    msgs = b.consume(kafka_topic, timeout=30, count=150)
    assert [int(m.value) for m in msgs] == list(range(150))
