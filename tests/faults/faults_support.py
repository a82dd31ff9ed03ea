"""Helpers of the fault tests: a Kafka + MongoDB of their own that they may kill, service processes, probes.

The fault tests kill servers, so they never use the session ``infra`` servers that
other tests share: ``FaultStack`` runs its own Apache Kafka and SecantusDB on free
ports under a temporary folder (through ``infra``), and restarts them on the
same ports and data folders. Services run as real processes (``python -m <name>``),
configured by environment variables as ``make run`` does.
"""

import asyncio
import contextlib
import itertools
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from pymongo import AsyncMongoClient

from infra import kafka_broker, mongo_mail, probes, processes
from shared.envelope import Envelope
from shared.regions import REGIONS
from support import Keys

ROOT = Path(__file__).resolve().parents[2]
REGION_CODES = sorted(REGIONS)
_numbers = itertools.count(1)


# --- servers of our own ------------------------------------------------------------------


def kill_hard(pidfile: Path, timeout: float = 20.0) -> int:
    """SIGKILL the process recorded in ``pidfile`` (and its group); return its PID once it is gone."""
    pid = processes.running_pid(pidfile)
    assert pid is not None, f"nothing runs under {pidfile}"
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)  # started in its own session: the group is the process
    deadline = time.monotonic() + timeout
    while processes.running_pid(pidfile) is not None:  # reaps the child and removes the stale record
        assert time.monotonic() < deadline, f"PID {pid} survived SIGKILL for {timeout} s"
        time.sleep(0.05)
    return pid


def _wait_port_closed(port: int, timeout: float = 20.0) -> None:
    """A killed server's port may answer for a moment (a client's reconnect racing the kernel); wait it out."""
    deadline = time.monotonic() + timeout
    while probes.port_open(port) and time.monotonic() < deadline:
        time.sleep(0.2)


@dataclass
class FaultStack:
    """One Kafka broker and one SecantusDB, ours to stop, kill and restart (same ports, same data)."""

    state: Path
    kafka_port: int = field(default_factory=probes.free_port)
    controller_port: int = field(default_factory=probes.free_port)
    mongo_port: int = field(default_factory=probes.free_port)

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.kafka_port}"

    @property
    def mongo_url(self) -> str:
        return f"mongodb://127.0.0.1:{self.mongo_port}/?directConnection=true"

    @property
    def kafka_pidfile(self) -> Path:
        return self.state / "kafka" / "kafka.pid"

    @property
    def mongo_pidfile(self) -> Path:
        return self.state / "mongo" / "mongo.pid"

    def kafka_running(self) -> bool:
        return processes.running_pid(self.kafka_pidfile) is not None

    def mongo_running(self) -> bool:
        return processes.running_pid(self.mongo_pidfile) is not None

    def start_kafka(self) -> float:
        began = time.monotonic()
        _wait_port_closed(self.kafka_port)
        _wait_port_closed(self.controller_port)
        kafka_broker.start_kafka(self.state / "kafka", self.kafka_port, self.controller_port,
                          kafka_broker.ensure_kafka_libs(ROOT), timeout=180)
        return time.monotonic() - began

    def start_mongo(self) -> float:
        began = time.monotonic()
        _wait_port_closed(self.mongo_port)
        # Killed hard by a drill, the server must keep what it acknowledged, as a journaled MongoDB
        # does: each commit is on disk before its answer.
        mongo_mail.start_mongo(self.state / "mongo", self.mongo_port, timeout=120, sync_on_commit=True)
        return time.monotonic() - began

    def kill_kafka(self) -> int:
        return kill_hard(self.kafka_pidfile)

    def kill_mongo(self) -> int:
        return kill_hard(self.mongo_pidfile)

    def ensure_up(self) -> None:
        """Both servers run (a test that failed half-way may have left one stopped)."""
        if not self.mongo_running():
            self.start_mongo()
        if not self.kafka_running():
            self.start_kafka()

    def close(self) -> None:
        processes.stop_pid(self.kafka_pidfile, timeout=30)
        processes.stop_pid(self.mongo_pidfile)
        shutil.rmtree(self.state, ignore_errors=True)


# --- service processes --------------------------------------------------------------------


@dataclass
class ServiceKeys:
    jwt: Keys
    registration_signing: Keys
    marketplace_signing: Keys
    marketplace_exhibitor: Keys

    @classmethod
    def generate(cls, folder: Path) -> "ServiceKeys":
        return cls(jwt=Keys.generate(folder / "jwt"), registration_signing=Keys.generate(folder / "registration"),
                   marketplace_signing=Keys.generate(folder / "marketplace"),
                   marketplace_exhibitor=Keys.generate(folder / "exhibitor"))


def service_env(name: str, fault_stack: FaultStack, keys: ServiceKeys, *, port: int, prefix: str, db: str,
                **extra: str) -> dict[str, str]:
    """The environment ``make run`` gives a service (infra.local_stack.service_env), on our own servers."""
    env = {
        "SERVICE_NAME": name, "HOST": "127.0.0.1", "PORT": str(port),
        "MONGO_URL": fault_stack.mongo_url, "MONGO_DB": db,
        "KAFKA_BOOTSTRAP_SERVERS": fault_stack.bootstrap, "KAFKA_TOPIC_PREFIX": prefix,
        "JWT_PUBLIC_KEY_FILE": str(keys.jwt.public_file),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        # Quicker than the production defaults, so a test sees effects within seconds.
        "OUTBOX_POLL_SECONDS": "0.1", "OUTBOX_LEASE_SECONDS": "2",
        "KAFKA_SESSION_TIMEOUT_MS": "6000", "KAFKA_HEARTBEAT_INTERVAL_MS": "500",
        "LOG_LEVEL": "WARNING",
    }
    if name == "registration":
        # Nobody listens there and the mailer looks for due mails once an hour: mails stay
        # queued (the consumer's effect we count) instead of costing CPU on badge images.
        env |= {"SIGNING_KEY_FILE": str(keys.registration_signing.private_file), "SMTP_HOST": "127.0.0.1",
                "SMTP_PORT": str(probes.free_port()), "MAIL_POLL_SECONDS": "3600"}
    if name == "marketplace":
        env |= {"SIGNING_KEY_FILE": str(keys.marketplace_signing.private_file),
                "JWT_PRIVATE_KEY_FILE": str(keys.marketplace_exhibitor.private_file)}
    if name == "agenda":
        env |= {"REGISTRATION_PUBLIC_KEY_FILE": str(keys.registration_signing.public_file)}
    return {**os.environ, **env, **extra}


def http_status(url: str, timeout: float = 3.0) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except (urllib.error.URLError, OSError):
        return None


class ServiceProcess:
    """``python -m <name>`` on a fixed port; it can be SIGKILLed and started again on the same port."""

    def __init__(self, name: str, env: dict[str, str], log: Path) -> None:
        self.name = name
        self.env = env
        self.port = int(env["PORT"])
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self, *, ready: bool = True, timeout: float = 120.0) -> float:
        """Start; wait for /readyz (or only /healthz with ``ready=False``); return the seconds it took."""
        assert self.proc is None or self.proc.poll() is not None, f"{self.name} already runs"
        began = time.monotonic()
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            out.write(f"\n--- starting {self.name} on {self.port}\n".encode())
            out.flush()
            self.proc = subprocess.Popen([sys.executable, "-m", self.name], env=self.env, cwd=ROOT,
                                         stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         start_new_session=True)
        path = "/readyz" if ready else "/healthz"
        deadline = time.monotonic() + timeout
        while http_status(self.url + path) != 200:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.tail()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name} not answering 200 on {path} after {timeout} s:\n{self.tail()}")
            time.sleep(0.2)
        return time.monotonic() - began

    def pause(self) -> None:
        """SIGSTOP: the process keeps its sockets and state but runs no code until ``resume`` or a SIGKILL."""
        assert self.proc is not None and self.proc.poll() is None, f"{self.name} is not running"
        os.kill(self.proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        assert self.proc is not None and self.proc.poll() is None, f"{self.name} is not running"
        os.kill(self.proc.pid, signal.SIGCONT)

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as when a node dies."""
        assert self.proc is not None and self.proc.poll() is None, f"{self.name} is not running"
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(20)

    def stop(self, timeout: float = 30.0) -> float:
        """SIGTERM and wait; return the seconds the graceful shutdown took (SIGKILL after ``timeout``)."""
        if self.proc is None or self.proc.poll() is not None:
            return 0.0
        began = time.monotonic()
        self.proc.terminate()
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(20)
            return float("inf")
        return time.monotonic() - began

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def metric(self, name: str, **labels: str) -> float:
        """Sum of the Prometheus samples ``name`` whose labels include ``labels``."""
        with urllib.request.urlopen(self.url + "/metrics", timeout=10) as response:
            text = response.read().decode()
        return metric_sum(text, name, **labels)


_SAMPLE = re.compile(r'^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?P<labels>[^}]*)\})?\s+(?P<value>\S+)$')
_LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def metric_sum(text: str, name: str, **labels: str) -> float:
    total = 0.0
    for line in text.splitlines():
        match = _SAMPLE.match(line)
        if not match or match["name"] != name:
            continue
        found = dict(_LABEL.findall(match["labels"] or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            total += float(match["value"])
    return total


@dataclass
class Services:
    """Service processes of one test, stopped (gracefully, timed) at the end."""

    folder: Path
    fault_stack: FaultStack
    keys: ServiceKeys
    prefix: str
    started: list[ServiceProcess] = field(default_factory=list)

    def add(self, name: str, **extra: str) -> ServiceProcess:
        db = f"{self.prefix.rstrip('.').replace('-', '_')}_{name}"
        env = service_env(name, self.fault_stack, self.keys, port=probes.free_port(), prefix=self.prefix, db=db,
                          **extra)
        process = ServiceProcess(name, env, self.folder / f"{name}.log")
        self.started.append(process)
        return process

    def db_name(self, process: ServiceProcess) -> str:
        return process.env["MONGO_DB"]

    async def start(self, *processes: ServiceProcess) -> dict[str, float]:
        """Start processes side by side; the seconds each took to be ready."""
        took = await asyncio.gather(*(asyncio.to_thread(p.start) for p in processes))
        return {p.name: round(t, 1) for p, t in zip(processes, took, strict=True)}

    def stop_all(self) -> dict[str, float]:
        return {p.name: p.stop() for p in self.started}


# --- request bodies ------------------------------------------------------------------------


def conference_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "national_conference", "edition": 7,
        "title": {"ar": "المناظرة الوطنية", "fr": "Assises nationales de l'ESS", "en": "National ESS conference"},
        "venue": "Palais des congrès", "city": "Skhirat", "region": "rabat-sale-kenitra",
        "starts_on": "2029-06-20", "ends_on": "2029-06-21", "capacity": 100,
    }
    return body | overrides


def participant_body(tag: str, **overrides: Any) -> dict[str, Any]:
    n = next(_numbers)
    body: dict[str, Any] = {
        "full_name": f"Participant {n}", "email": f"{tag}-{n}@example.ma", "phone": "0612345678",
        "organization_name": "Coopérative Argane", "organization_type": "cooperative",
        "region": REGION_CODES[n % len(REGION_CODES)], "gender": "female", "age_band": "25_34", "language": "fr",
        "consent": True,
    }
    return body | overrides


# --- a rush of registrations ------------------------------------------------------------------


@dataclass
class Attempt:
    email: str
    status: int | None = None  # None: no answer (connection refused or cut)
    body: dict[str, Any] | None = None
    error: str | None = None
    answered_at: float | None = None  # time.monotonic() of the answer (or of the failure)
    cut: int = 0  # requests that reached the server and lost their answer (the server died meanwhile)
    refused: int = 0  # tries that found nobody listening
    unavailable: int = 0  # 503 answers (retried after their Retry-After)

    @property
    def acknowledged(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


async def register_all(base_url: str, conference_id: str, bodies: list[dict[str, Any]], *, concurrency: int,
                       progress: list[Attempt] | None = None, persist_for: float = 0.0) -> list[Attempt]:
    """POST every body with ``concurrency`` requests in flight.

    With ``persist_for`` > 0 a client behaves like a participant facing a crashed
    server: a request without an answer (refused, or cut while in flight) or answered
    503 (after its Retry-After) is sent again, for up to that many seconds, until
    another answer comes back.
    """
    attempts = [Attempt(email=b["email"]) for b in bodies]
    if progress is not None:
        progress.extend(attempts)
    queue = iter(zip(bodies, attempts, strict=True))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    url = f"{base_url}/conferences/{conference_id}/registrations"

    async def worker(client: httpx.AsyncClient) -> None:
        for body, attempt in queue:
            deadline = time.monotonic() + persist_for
            while True:
                pause = 0.1
                try:
                    response = await client.post(url, json=body)
                except httpx.ConnectError as exc:
                    attempt.refused += 1
                    attempt.error = repr(exc)
                except httpx.TransportError as exc:
                    attempt.cut += 1
                    attempt.error = repr(exc)
                else:
                    attempt.status = response.status_code
                    attempt.body = response.json() if "json" in response.headers.get("content-type", "") else None
                    if response.status_code != 503:
                        break
                    attempt.unavailable += 1
                    pause = min(float(response.headers.get("retry-after", 1)), 2.0)
                if time.monotonic() >= deadline:
                    break
                await asyncio.sleep(pause)
            attempt.answered_at = time.monotonic()

    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    return attempts


# --- Kafka probes ---------------------------------------------------------------------------


async def read_all(bootstrap: str, topic: str, *, quiet_seconds: float = 2.0, timeout: float = 60.0) -> list[Any]:
    """Every record of ``topic`` from the beginning, read until nothing new came for ``quiet_seconds``."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                                enable_auto_commit=False, group_id=None)
    await consumer.start()
    records: list[Any] = []
    try:
        deadline = time.monotonic() + timeout
        quiet_since = time.monotonic()
        while time.monotonic() < deadline and time.monotonic() - quiet_since < quiet_seconds:
            batch = await consumer.getmany(timeout_ms=300)
            for items in batch.values():
                records.extend(items)
                quiet_since = time.monotonic()
    finally:
        await consumer.stop()
    return records


Record = tuple[bytes | None, bytes | None, list[tuple[str, bytes]]]  # key, value, headers


def envelope_record(envelope: Envelope) -> Record:
    """The record the outbox relay would send for ``envelope``: keyed by subject, type and id as headers."""
    return envelope.subject.encode(), envelope.to_bytes(), envelope.headers()


async def produce(bootstrap: str, topic: str, records: list[Record], *, partition: int | None = None) -> list[int]:
    """Send ``records`` in order (in one batch where they fit, so a consumer fetches them together); their offsets."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=50, max_batch_size=1 << 20)
    await producer.start()
    try:
        sent = [await producer.send(topic, value=value, key=key, headers=headers, partition=partition)
                for key, value, headers in records]
        return [(await delivery).offset for delivery in sent]
    finally:
        await producer.stop()


async def end_offsets(bootstrap: str, topic: str) -> int:
    """How many records ``topic`` holds (sum of its partitions' end offsets)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        if not partitions:
            await consumer._client.force_metadata_update()  # noqa: SLF001 - no public refresh
            partitions = consumer.partitions_for_topic(topic) or set()
        ends = await consumer.end_offsets([TopicPartition(topic, p) for p in partitions])
        return sum(ends.values())
    finally:
        await consumer.stop()


async def committed_total(bootstrap: str, group: str, topic: str) -> int:
    """The offsets ``group`` committed on ``topic``, summed over its partitions (0 where none)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()  # noqa: SLF001
        partitions = consumer.partitions_for_topic(topic) or set()
        total = 0
        for p in partitions:
            total += await consumer.committed(TopicPartition(topic, p)) or 0
        return total
    finally:
        await consumer.stop()


# --- MongoDB probes -------------------------------------------------------------------------


class Mongo:
    """A client on our own server; a fresh one per use keeps it independent of server restarts."""

    def __init__(self, url: str) -> None:
        self.client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(url, tz_aware=True,
                                                                          serverSelectionTimeoutMS=20000)

    def __getitem__(self, db: str) -> Any:
        return self.client[db]

    async def close(self) -> None:
        await self.client.close()


def seconds_since(start: float) -> float:
    return round(time.monotonic() - start, 1)


def chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]
