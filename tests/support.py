"""Helpers for tests: settings per test, running an app in-process, Kafka probes."""

import asyncio
import json
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, TypeVar

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiosmtpd.controller import Controller
from fastapi import FastAPI
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection

from infra import probes
from shared.auth import generate_keypair, load_private_key, mint_token

S = TypeVar("S")
T = TypeVar("T")


@dataclass
class Infra:
    kafka_bootstrap: str
    mongo_url: str
    state_dir: Path
    root: Path

    def env(self, prefix: str, db: str) -> dict[str, str]:
        return {
            "KAFKA_BOOTSTRAP_SERVERS": self.kafka_bootstrap,
            "KAFKA_TOPIC_PREFIX": prefix,
            "MONGO_URL": self.mongo_url,
            "MONGO_DB": db,
        }


@dataclass
class Keys:
    private_file: Path
    public_file: Path

    @classmethod
    def generate(cls, folder: Path) -> "Keys":
        keys = cls(folder / "jwt_private.pem", folder / "jwt_public.pem")
        generate_keypair(keys.private_file, keys.public_file)
        return keys

    def token(self, *scopes: str, sub: str = "tester@example.ma", **claims: Any) -> str:
        """A token holding ``scopes``: ``admin`` acts everywhere, ``organizer:conference:<id>`` on one conference."""
        return mint_token(load_private_key(str(self.private_file)), sub=sub, scopes=list(scopes), **claims)

    def headers(self, *scopes: str, **claims: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(*scopes, **claims)}"}


ROOT = Path(__file__).resolve().parents[1]


def run_python(source: str) -> list[str]:
    """Run ``source`` in a Python process of its own (from the project's root); what it printed, by word."""
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(source)], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


# Source for ``run_python``: the local database's launcher run through, with a stand-in for its
# server that starts nothing.
LAUNCH_LOCAL_DATABASE = """
    import infra.secantus_server as launcher

    class StandIn:
        def __init__(self, **options):
            StandIn.options = options

        def start(self):
            pass

        def wait(self):
            pass

    launcher.SecantusDBServer = StandIn
    launcher.main(["--port", "1", "--storage-path", "unused"])
"""


def unique(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:10]}"


def settings_for(settings_cls: type[S], infra: Infra, keys: Keys, *, prefix: str | None = None,
                  **overrides: Any) -> S:
    """Settings for one test: its own database and its own topic prefix."""
    values: dict[str, Any] = {
        "kafka_bootstrap_servers": infra.kafka_bootstrap,
        "kafka_topic_prefix": prefix if prefix is not None else unique("t") + ".",
        "mongo_url": infra.mongo_url,
        "mongo_db": unique("db").replace("-", "_"),
        "jwt_public_key_file": str(keys.public_file),
        "kafka_session_timeout_ms": 6000,
        "kafka_heartbeat_interval_ms": 500,
        "outbox_poll_seconds": 0.1,
    }
    values.update(overrides)
    return settings_cls(**values)  # type: ignore[call-arg]


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Run the app's lifespan (Mongo, relay, consumers) and give an HTTP client to it."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver", timeout=30) as client:
            yield client


async def eventually(check: Callable[[], Awaitable[T]], *, timeout: float = 30.0, interval: float = 0.1) -> T:
    """Poll ``check`` until it returns a truthy value (messages take a moment to flow)."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s; last value: {last!r}")


async def at_once(value: T) -> T:
    """A value already known, as the check ``eventually`` awaits: ``eventually(lambda: at_once(n() > 3))``."""
    return value


async def requests_counted(client: Any, namespace: str, kind: str = "total") -> int:
    """How many requests of one ``kind`` the database server has counted on ``namespace``
    (``db.collection``), from its ``top`` command: ``total``, ``queries``, ``commands``..."""
    totals = (await client.admin.command("top"))["totals"]
    return int(totals.get(namespace, {}).get(kind, {}).get("count", 0))


async def steady(read: Callable[[], Awaitable[int]], *, quiet: float = 0.3) -> int:
    """What ``read`` gives once it gives the same twice, ``quiet`` seconds apart (start-up work done)."""

    async def check() -> tuple[int] | None:
        first = await read()
        await asyncio.sleep(quiet)
        return (first,) if await read() == first else None

    return (await eventually(check))[0]


async def read_topic(bootstrap: str, topic: str, *, expect: int, timeout: float = 30.0) -> list[Any]:
    """Read ``expect`` records from the beginning of ``topic`` (a fresh, group-less reader)."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                                enable_auto_commit=False, group_id=None)
    await consumer.start()
    records: list[Any] = []
    try:
        deadline = time.monotonic() + timeout
        while len(records) < expect and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=300)
            for items in batch.values():
                records.extend(items)
    finally:
        await consumer.stop()
    return records


def envelope_of(record: Any) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(record.value)
    return value


async def produce_raw(bootstrap: str, topic: str, value: bytes, key: bytes | None = None,
                      headers: list[tuple[str, bytes]] | None = None) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(topic, value=value, key=key, headers=headers or [])
    finally:
        await producer.stop()


@dataclass
class MailCatcher:
    """An in-process SMTP server keeping every mail it receives."""

    port: int
    mails: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.mails.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.mails if m["To"] == address]


@asynccontextmanager
async def mail_catcher() -> AsyncIterator[MailCatcher]:
    catcher = MailCatcher(port=probes.free_port())
    controller = Controller(catcher, hostname="127.0.0.1", port=catcher.port)
    await asyncio.to_thread(controller.start)
    try:
        yield catcher
    finally:
        await asyncio.to_thread(controller.stop)


Work = Callable[[AsyncClientSession], Awaitable[None]]


@dataclass
class ConflictingPair:
    """Two transactions, ``a`` and ``b``, that read then write the same document, so that one of
    them conflicts and runs again. Each attempt makes an id, calls ``then(session, id)`` after
    its write, and is remembered in ``made[name]`` (the last of each is the committed one)."""

    hot: AsyncCollection[Any]
    then: Callable[[AsyncClientSession, str, str], Awaitable[None]]
    made: dict[str, list[str]] = field(default_factory=lambda: {"a": [], "b": []})

    def __post_init__(self) -> None:
        self._both_read = asyncio.Barrier(2)

    async def start(self) -> None:
        await self.hot.insert_one({"_id": "hot", "n": 0})

    def work(self, name: str) -> Work:
        async def attempt(session: AsyncClientSession) -> None:
            made = uuid.uuid4().hex
            self.made[name].append(made)
            await self.hot.find_one({"_id": "hot"}, session=session)
            if self.attempts <= 2:  # the first two attempts both read before either writes
                await self._both_read.wait()
            await self.hot.update_one({"_id": "hot"}, {"$inc": {"n": 1}}, session=session)
            await self.then(session, name, made)

        return attempt

    @property
    def attempts(self) -> int:
        return len(self.made["a"]) + len(self.made["b"])

    def committed(self) -> list[str]:
        return sorted([self.made["a"][-1], self.made["b"][-1]])
