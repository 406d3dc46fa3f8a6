"""A real single-node Kafka broker (KRaft) on 127.0.0.1 for pytest.

Use from a conftest.py:

    sys.path.insert(0, "<repo>/tests/kafka")
    from kafka_fixture import kafka_broker, kafka_topic  # noqa: F401

`kafka_broker` (session scope) fetches the jars if needed (tests/kafka/broker.sh
fetch, Maven), starts a broker in a temporary directory on a free loopback
port and always stops it at the end. It yields a KafkaBroker:

    broker.bootstrap              "127.0.0.1:PORT"
    broker.stop()                 SIGTERM, wait (30 s, then SIGKILL); the port closes
    broker.start()                start again with the same data (no reformat)
    broker.running                True while the broker process is alive
    broker.consume(topic, timeout=10, count=None) -> [Message]
    broker.produce(topic, values, key=None, headers=None, extra_args=())
    broker.create_topic(name, partitions=3)
    broker.log_tail(lines=50)     the end of the broker's log

Tests share the broker: use `kafka_topic` (a fresh topic name per test), and
leave the broker running (the `kafka_topic` fixture restarts it if a test
stopped it and did not start it again).

Every consumer here is kcat (librdkafka), with -J: one JSON object per message.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import socket
import subprocess
import time
import uuid
from typing import Iterable, List, NamedTuple, Optional, Sequence, Tuple

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
BROKER_SH = os.path.join(HERE, "broker.sh")


class KafkaError(RuntimeError):
    pass


class Message(NamedTuple):
    topic: str
    partition: int
    offset: int
    key: Optional[str]
    value: Optional[str]
    headers: List[Tuple[str, Optional[str]]]
    timestamp: Optional[int]  # ms since the epoch (kcat's "ts")

    def header(self, name: str) -> Optional[str]:
        """Value of the first header called `name`, else None."""
        for k, v in self.headers:
            if k == name:
                return v
        return None

    def json(self):
        """The value parsed as JSON."""
        return json.loads(self.value)


def _parse_headers(h) -> List[Tuple[str, Optional[str]]]:
    if not h:
        return []
    if isinstance(h, dict):  # the form kcat's help text documents
        return list(h.items())
    # kcat 1.7.1 prints a flat list: ["name1", "value1", "name2", "value2", ...]
    return [(h[i], h[i + 1]) for i in range(0, len(h) - 1, 2)]


def parse_kcat_json(text: str) -> List[Message]:
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        d = json.loads(line)
        out.append(Message(topic=d["topic"], partition=d["partition"], offset=d["offset"],
                           key=d.get("key"), value=d.get("payload"),
                           headers=_parse_headers(d.get("headers")), timestamp=d.get("ts")))
    out.sort(key=lambda m: (m.partition, m.offset))
    return out


def _port_free(port: int) -> bool:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    """True if something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def free_port_pair() -> int:
    """A port P with P and P+1 free on 127.0.0.1, below the ephemeral range
    (so that no client connection grabs it while the broker is stopped)."""
    lo = 20000
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            eph_lo = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        eph_lo = 32768
    hi = max(lo + 100, eph_lo - 2)
    for _ in range(200):
        p = random.randrange(lo, hi)
        if _port_free(p) and _port_free(p + 1):
            return p
    raise KafkaError("no free port pair on 127.0.0.1")


def _run(args: Sequence[str], timeout: float, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=timeout, **kw)


def fetch(timeout: float = 900) -> None:
    """Fetch the Kafka jars (no-op when already fetched)."""
    r = _run([BROKER_SH, "fetch"], timeout=timeout)
    if r.returncode != 0:
        raise KafkaError(f"broker.sh fetch failed:\n{r.stdout}\n{r.stderr}")


class KafkaBroker:
    def __init__(self, workdir: str, port: Optional[int] = None):
        self.dir = os.path.abspath(workdir)
        self.port = port or free_port_pair()
        self._started_once = os.path.exists(os.path.join(self.dir, "data", "meta.properties"))
        self.last_start_seconds: Optional[float] = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def log_path(self) -> str:
        return os.path.join(self.dir, "broker.log")

    @property
    def pid(self) -> Optional[int]:
        try:
            with open(os.path.join(self.dir, "broker.pid")) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return None

    @property
    def running(self) -> bool:
        return _run([BROKER_SH, "status", self.dir], timeout=10).returncode == 0

    def start(self, timeout: float = 150) -> None:
        """First call: format and start. Later calls: start on the same data."""
        sub = "restart" if self._started_once else "start"
        for attempt in range(3):
            t0 = time.monotonic()
            r = _run([BROKER_SH, sub, self.dir, str(self.port)], timeout=timeout)
            if r.returncode == 0:
                self._started_once = True
                self.last_start_seconds = time.monotonic() - t0
                return
            # Lost a race for the port on the first start: take another one.
            if sub == "start" and "already in use" in r.stderr and attempt < 2:
                self.port = free_port_pair()
                continue
            break
        raise KafkaError(f"broker.sh {sub} failed (rc {r.returncode}):\n{r.stderr}")

    def stop(self, timeout: float = 60) -> None:
        r = _run([BROKER_SH, "stop", self.dir], timeout=timeout)
        if r.returncode != 0:
            raise KafkaError(f"broker.sh stop failed:\n{r.stderr}")

    def log_tail(self, lines: int = 50) -> str:
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    def create_topic(self, name: str, partitions: int = 3, timeout: float = 60) -> None:
        r = _run([BROKER_SH, "create-topic", self.bootstrap, name, str(partitions)], timeout=timeout)
        if r.returncode != 0:
            raise KafkaError(f"create-topic {name} failed:\n{r.stdout}\n{r.stderr}")

    def produce(self, topic: str, values: Iterable[str], key: Optional[str] = None,
                headers: Optional[dict] = None, extra_args: Sequence[str] = (),
                timeout: float = 60) -> None:
        """Produce one message per value with kcat -P (values without newlines)."""
        values = list(values)
        if any("\n" in v for v in values):
            raise ValueError("values may not contain newlines")
        cmd = ["kcat", "-P", "-b", self.bootstrap, "-t", topic]
        if key is not None:
            cmd += ["-k", key]
        for k, v in (headers or {}).items():
            cmd += ["-H", f"{k}={v}"]
        cmd += list(extra_args)
        r = _run(cmd, timeout=timeout, input="".join(v + "\n" for v in values))
        if r.returncode != 0:
            raise KafkaError(f"kcat -P failed (rc {r.returncode}):\n{r.stderr}")

    def consume(self, topic: str, timeout: float = 10, count: Optional[int] = None,
                extra_args: Sequence[str] = ()) -> List[Message]:
        """Every message now in `topic`, from the beginning of each partition.

        With `count`, retry until at least `count` messages are there (or the
        timeout passes, returning what there is). Without it, retry only while
        kcat fails (e.g. the topic does not exist yet), and raise KafkaError if
        it never succeeds within `timeout`.
        """
        deadline = time.monotonic() + timeout
        cmd = ["kcat", "-C", "-b", self.bootstrap, "-t", topic, "-o", "beginning", "-e",
               "-J", "-q",
               # Reach end-of-partition quickly (the default waits 500 ms per fetch).
               "-X", "fetch.wait.max.ms=50", *extra_args]
        msgs: List[Message] = []
        err = "no attempt"
        while True:
            left = deadline - time.monotonic()
            try:
                r = _run(cmd, timeout=max(left, 2))
                if r.returncode == 0:
                    msgs = parse_kcat_json(r.stdout)
                    if count is None or len(msgs) >= count:
                        return msgs
                    err = f"{len(msgs)} of {count} messages"
                else:
                    err = r.stderr.strip() or f"kcat rc {r.returncode}"
            except subprocess.TimeoutExpired:
                err = "kcat timed out"
            if time.monotonic() >= deadline:
                if count is not None:
                    return msgs
                raise KafkaError(f"consuming {topic} from {self.bootstrap}: {err}")
            time.sleep(0.3)

    def close(self) -> None:
        try:
            self.stop()
        except Exception:  # noqa: BLE001 - last resort: kill our pid only
            pid = self.pid
            if pid:
                try:
                    os.kill(pid, 9)
                except OSError:
                    pass


def _missing_tools() -> List[str]:
    return [t for t in ("java", "mvn", "kcat") if shutil.which(t) is None]


@pytest.fixture(scope="session")
def kafka_broker(tmp_path_factory):
    missing = _missing_tools()
    if missing:
        pytest.fail("kafka_broker needs " + ", ".join(missing) +
                    " (apt-get install openjdk-17-jre-headless maven kcat)", pytrace=False)
    fetch()
    broker = KafkaBroker(str(tmp_path_factory.mktemp("kafka")))
    try:
        broker.start()
    except Exception:
        broker.close()
        raise
    try:
        yield broker
    finally:
        broker.close()


@pytest.fixture
def kafka_topic(kafka_broker):
    """A topic name unique to this test; the broker is running before and after."""
    if not kafka_broker.running:
        kafka_broker.start()
    yield "t-" + uuid.uuid4().hex[:12]
    if not kafka_broker.running:
        kafka_broker.start()
