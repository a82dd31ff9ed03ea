"""Baselines measured in the same run as the scenarios, on the same machine and servers.

- HTTP: the scenario's own requests (same bodies, same client load) sent to a bare
  FastAPI endpoint served like the services (bench/bare_server.py): the HTTP limit.
- MongoDB: raw PyMongo AsyncMongoClient transactions doing the writes of one use case
  against the same server, in a throw-away database with the service's own indexes:
  the database limit. Transactions are retried on write conflicts with the services'
  policy (``shared.mongo.run_in_transaction``).
- Kafka: produce (the relay's producer settings) -> fetch round trip on the same
  broker, one message at a time: the transport part of a message's latency.
"""

import asyncio
import os
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from bench import payloads
from bench.bare_server import BareServer, Redirected
from bench.config import KAFKA_BOOTSTRAP, MONGO_URL
from bench.load import LoadResult, Workload, closed_loop, run_load
from bench.machine import CpuMeter, stack_processes
from bench.stats import Latency, latency
from registration.store import indexes as registration_indexes
from shared.kafka import client_options, ensure_topics, make_producer
from shared.mongo import Document, Indexes, run_in_transaction
from shared.outbox import outbox_indexes
from shared.settings import ServiceSettings

Transaction = Callable[[AsyncClientSession], Awaitable[Any]]
KAFKA_WARM_UP = 5


# ---- HTTP ---------------------------------------------------------------------------------


async def http_baseline(workload: Workload, jobs: int, concurrency: int, processes: int
                        ) -> tuple[LoadResult, dict[str, Any]]:
    """The same calls as ``workload`` against the bare endpoint: the load result and its summary, with the
    CPU each side used. The server's CPU per request says what the server stack alone could do per core
    when, as on a small machine, the Python client is the first to saturate."""
    with BareServer() as server:
        meter = CpuMeter({"bare_server": server.pid, "bench_client": os.getpid()}).start()
        result = await run_load(Redirected(workload, server.url), jobs, concurrency, processes)
        cpu = meter.stop()
    server_ms = cpu_ms_per(cpu, "bare_server", sum(1 for s in result.samples if s.ok))
    return result, result.summary() | {"cpu": cpu, "server_cpu_ms_per_request": server_ms,
                                       "server_requests_per_core_s": round(1000 / server_ms) if server_ms else None}


def cpu_ms_per(cpu: dict[str, Any], process: str, operations: int) -> float | None:
    """CPU milliseconds ``process`` used per operation during a measured phase."""
    used = cpu["processes"].get(process, {}).get("cpu_s")
    return round(used / operations * 1000, 2) if used is not None and operations else None


# ---- MongoDB -------------------------------------------------------------------------------


@dataclass
class DbResult:
    transactions: int
    ok: int
    wall_s: float
    latency: Latency
    concurrency: int
    serialized: bool
    failures: list[str]
    checks: dict[str, Any]
    cpu: dict[str, object]

    @property
    def throughput(self) -> float:
        return self.ok / self.wall_s if self.wall_s else 0.0

    def summary(self) -> dict[str, Any]:
        return {"transactions": self.transactions, "ok": self.ok, "throughput_per_s": round(self.throughput, 1),
                "latency": self.latency.as_dict(), "wall_s": round(self.wall_s, 2), "concurrency": self.concurrency,
                "serialized": self.serialized, "failures_sample": self.failures[:5], "checks": self.checks,
                "cpu": self.cpu}


async def _timed_transactions(client: AsyncMongoClient[Document], count: int, concurrency: int,
                              make_work: Callable[[int], Transaction], lock: asyncio.Lock | None
                              ) -> tuple[list[float], list[str], float]:
    """Run ``count`` transactions with ``concurrency`` callers; (latencies of the committed ones, failures, wall)."""
    seconds: list[float] = []
    failures: list[str] = []

    async def one(worker: int, index: int) -> None:
        began = time.perf_counter()
        try:
            if lock is None:
                await run_in_transaction(client, make_work(index))
            else:
                async with lock:
                    await run_in_transaction(client, make_work(index))
        except Exception as exc:  # noqa: BLE001 - a failed transaction is a figure, not a crash
            failures.append(repr(exc)[:200])
            return
        seconds.append(time.perf_counter() - began)

    began = time.perf_counter()
    await closed_loop(range(count), concurrency, one)
    return seconds, failures, time.perf_counter() - began


async def _scratch_db(client: AsyncMongoClient[Document], name: str) -> AsyncDatabase[Document]:
    """A throw-away database with registration's indexes and the outbox's, as the service has them."""
    db = client[name]
    found = registration_indexes()
    outbox_indexes(found, ServiceSettings.model_fields["outbox_sent_retention_days"].default)
    await Indexes(dict(found.by_collection)).create(db)
    return db


def _outbox_entry(topic: str, subject: str, kind: str, data: dict[str, Any]) -> Document:
    """An outbox document shaped like the services' (envelope included), left pending: no relay reads it."""
    message_id, now = str(uuid.uuid4()), datetime.now(UTC)
    envelope = {"id": message_id, "type": kind, "source": "bench", "subject": subject, "time": now.isoformat(),
                "correlation_id": None, "data": data}
    return {"_id": message_id, "topic": topic, "subject": subject, "type": kind, "envelope": envelope,
            "status": "pending", "seq": time.time_ns(), "created_at": now, "attempts": 0}


def _registration_doc(run_id: str, index: int, conference_id: str, status: str, number: int) -> Document:
    body, now = payloads.participant(run_id, index, "db"), datetime.now(UTC)
    return {"_id": f"r-db-{index}", "conference_id": conference_id, "number": number, "status": status,
            "full_name": body["full_name"], "email": body["email"], "email_normalized": body["email"].casefold(),
            "phone": "+212" + body["phone"][1:], "organization_name": body["organization_name"],
            "category": body["organization_type"], "region": body["region"], "gender": body["gender"],
            "age_band": body["age_band"], "language": body["language"], "accessibility_needs": None,
            "consent_at": now, "registered_at": now, "status_changed_at": now, "checked_in_at": None,
            "manage_nonce": uuid.uuid4().hex}


def _participant_data(doc: Document) -> dict[str, Any]:
    return {k: doc[k] for k in ("conference_id", "status", "category", "region", "gender", "age_band", "language")} | {
        "registration_id": doc["_id"], "at": datetime.now(UTC).isoformat()}


def _queued_mail(message_id: str, registration_id: str, status: str) -> Document:
    """A mail waiting in registration's queue, as the registration's own transaction leaves it."""
    now = datetime.now(UTC)
    return {"_id": message_id, "registration_id": registration_id, "kind": status, "state": "pending",
            "due_at": now, "attempts": 0, "created_at": now}


def registration_transaction(db: AsyncDatabase[Document], run_id: str, conference_id: str
                             ) -> Callable[[int], Transaction]:
    """The writes of one registration: read the counters, take the next number (and a seat if one is
    left) with a conditional update, insert the registration, its outbox message (``registered``, with
    the resulting status) and its mail in the queue."""

    def make(index: int) -> Transaction:
        async def work(session: AsyncClientSession) -> None:
            conference = await db["conferences"].find_one({"_id": conference_id}, session=session)
            assert conference is not None
            seat = conference["taken"] < conference["capacity"]
            inc = {"next_number": 1} | ({"taken": 1, "taken_by_category.cooperative": 1} if seat else {})
            changed = await db["conferences"].update_one(
                {"_id": conference_id, "next_number": conference["next_number"]}, {"$inc": inc}, session=session)
            if changed.modified_count != 1:
                raise RuntimeError("counter moved under the transaction")
            status = "confirmed" if seat else "waitlisted"
            doc = _registration_doc(run_id, index, conference_id, status, conference["next_number"] + 1)
            await db["registrations"].insert_one(doc, session=session)
            entry = _outbox_entry("registration.participants", doc["_id"],
                                  "registration.participant-registered.v1", _participant_data(doc))
            await db["outbox"].insert_one(entry, session=session)
            await db["mails"].insert_one(_queued_mail(entry["_id"], doc["_id"], status), session=session)

        return work

    return make


async def db_registration_baseline(client: AsyncMongoClient[Document], run_id: str, count: int, seats: int,
                                   concurrency: int, *, serialized: bool) -> DbResult:
    name = f"bench_db_{run_id.replace('-', '_')}_{'serial' if serialized else 'free'}"
    db = await _scratch_db(client, name)
    conference_id = "bench-db-conference"
    await db["conferences"].insert_one({"_id": conference_id, "capacity": seats, "taken": 0, "next_number": 0,
                                        "taken_by_category": {}})
    meter = CpuMeter(stack_processes()).start()
    try:
        seconds, failures, wall = await _timed_transactions(
            client, count, concurrency, registration_transaction(db, run_id, conference_id),
            asyncio.Lock() if serialized else None)
        cpu = meter.stop()
        checks = await _registration_counts(db, conference_id)
    finally:
        await client.drop_database(name)
    return DbResult(count, len(seconds), wall, latency(seconds), concurrency, serialized, failures, checks, cpu)


def batched_registrations(db: AsyncDatabase[Document], run_id: str, conference_id: str, count: int,
                          batch_size: int) -> Callable[[int], Transaction]:
    """The documents of up to ``batch_size`` registrations in one transaction: the counters moved once
    (numbers and seats taken together), the registrations, their outbox messages and their queued mails
    each written with ``insert_many``. What the database allows when nothing is done one registration at a time."""

    def make(batch: int) -> Transaction:
        first_index, size = batch * batch_size, min(batch_size, count - batch * batch_size)

        async def work(session: AsyncClientSession) -> None:
            conference = await db["conferences"].find_one({"_id": conference_id}, session=session)
            assert conference is not None
            number, seats = conference["next_number"], max(0, min(size, conference["capacity"] - conference["taken"]))
            changed = await db["conferences"].update_one(
                {"_id": conference_id, "next_number": number},
                {"$inc": {"next_number": size, "taken": seats, "taken_by_category.cooperative": seats}},
                session=session)
            if changed.modified_count != 1:
                raise RuntimeError("counter moved under the transaction")
            docs = [_registration_doc(run_id, first_index + i, conference_id,
                                      "confirmed" if i < seats else "waitlisted", number + i + 1) for i in range(size)]
            await db["registrations"].insert_many(docs, session=session)
            entries = [_outbox_entry("registration.participants", doc["_id"], "registration.participant-registered.v1",
                                     _participant_data(doc)) for doc in docs]
            await db["outbox"].insert_many(entries, session=session)
            await db["mails"].insert_many([_queued_mail(entry["_id"], doc["_id"], doc["status"])
                                           for entry, doc in zip(entries, docs, strict=True)], session=session)

        return work

    return make


async def db_batched_baseline(client: AsyncMongoClient[Document], run_id: str, count: int, seats: int,
                              batch_size: int) -> dict[str, Any]:
    """``count`` registrations' documents written ``batch_size`` to a transaction, one transaction at a time:
    ``throughput_per_s`` in registrations, ``latency`` per transaction (batch)."""
    name = f"bench_db_{run_id.replace('-', '_')}_batched"
    db = await _scratch_db(client, name)
    conference_id = "bench-db-conference"
    await db["conferences"].insert_one({"_id": conference_id, "capacity": seats, "taken": 0, "next_number": 0,
                                        "taken_by_category": {}})
    batches = -(-count // batch_size)
    meter = CpuMeter(stack_processes()).start()
    try:
        seconds, failures, wall = await _timed_transactions(
            client, batches, 1, batched_registrations(db, run_id, conference_id, count, batch_size), None)
        cpu = meter.stop()
        checks = await _registration_counts(db, conference_id)
    finally:
        await client.drop_database(name)
    written = sum(checks["by_status"].values())
    result = DbResult(batches, len(seconds), wall, latency(seconds), 1, True, failures, checks, cpu)
    return result.summary() | {"throughput_per_s": round(written / wall, 1) if wall else 0.0,
                               "registrations": written, "batch_size": batch_size,
                               "batches_per_s": round(result.throughput, 1)}


async def _registration_counts(db: AsyncDatabase[Document], conference_id: str) -> dict[str, Any]:
    conference = await db["conferences"].find_one({"_id": conference_id}) or {}
    by_status = {s: await db["registrations"].count_documents({"status": s}) for s in ("confirmed", "waitlisted")}
    return {"by_status": by_status, "seats_taken": conference.get("taken"),
            "outbox_entries": await db["outbox"].count_documents({}),
            "queued_mails": await db["mails"].count_documents({})}


def checkin_transaction(db: AsyncDatabase[Document]) -> Callable[[int], Transaction]:
    """The writes of one badge scan: read the registration, set its check-in time, record the scan
    (device and nonce) and the checked-in message."""

    def make(index: int) -> Transaction:
        async def work(session: AsyncClientSession) -> None:
            registration_id = f"r-db-{index}"
            if await db["scans"].find_one({"_id": f"gate:{index}"}, session=session) is not None:
                return
            doc = await db["registrations"].find_one({"_id": registration_id}, session=session)
            assert doc is not None and doc["checked_in_at"] is None
            now = datetime.now(UTC)
            await db["registrations"].update_one({"_id": registration_id},
                                                 {"$set": {"checked_in_at": now, "checked_in_device": "gate"}},
                                                 session=session)
            await db["scans"].insert_one({"_id": f"gate:{index}", "conference_id": doc["conference_id"],
                                          "result": {"outcome": "checked_in"}, "at": now}, session=session)
            entry = _outbox_entry("registration.participants", registration_id,
                                  "registration.participant-checked-in.v1", _participant_data(doc))
            await db["outbox"].insert_one(entry, session=session)

        return work

    return make


async def db_checkin_baseline(client: AsyncMongoClient[Document], run_id: str, count: int,
                              concurrency: int) -> DbResult:
    name = f"bench_db_{run_id.replace('-', '_')}_checkin"
    db = await _scratch_db(client, name)
    conference_id = "bench-db-conference"
    await db["registrations"].insert_many(
        [_registration_doc(run_id, i, conference_id, "confirmed", i + 1) for i in range(count)])
    meter = CpuMeter(stack_processes()).start()
    try:
        seconds, failures, wall = await _timed_transactions(client, count, concurrency, checkin_transaction(db),
                                                            None)
        cpu = meter.stop()
        checks = {"checked_in": await db["registrations"].count_documents({"checked_in_at": {"$ne": None}}),
                  "outbox_entries": await db["outbox"].count_documents({})}
    finally:
        await client.drop_database(name)
    return DbResult(count, len(seconds), wall, latency(seconds), concurrency, False, failures, checks, cpu)


async def db_write_costs(client: AsyncMongoClient[Document], run_id: str, count: int = 100) -> dict[str, Any]:
    """MongoDB server CPU per operation, one at a time: a read, an auto-commit write as the services send it
    (the outbox relay's lease and "sent" marks, the mailer's claims; not retryable on the local stack, see
    ``infra.mongo_mail.LOCAL_MONGO_OPTIONS``), the same write retryable (the driver's default), and a whole
    transaction with a read and two writes. The server keeps a record of every retryable write; the gap
    between the two writes is what that bookkeeping costs on this server."""
    db = client[f"bench_db_{run_id.replace('-', '_')}_writes"]
    retrying: AsyncMongoClient[Document] = AsyncMongoClient(MONGO_URL, tz_aware=True, retryWrites=True)
    await db["probe"].insert_one({"_id": "counter", "n": 0})
    mongo = {"mongo": stack_processes()["mongo"]}

    async def transaction(session: AsyncClientSession) -> None:
        await db["probe"].find_one({"_id": "counter"}, session=session)
        await db["probe"].update_one({"_id": "counter"}, {"$inc": {"n": 1}}, session=session)
        await db["probe"].insert_one({"_id": uuid.uuid4().hex}, session=session)

    operations: dict[str, Callable[[], Awaitable[Any]]] = {
        "read": lambda: db["probe"].find_one({"_id": "counter"}),
        "auto_commit_write": lambda: db["probe"].update_one({"_id": "counter"}, {"$inc": {"n": 1}}),
        "auto_commit_write_retryable": lambda: retrying[db.name]["probe"].update_one(
            {"_id": "counter"}, {"$inc": {"n": 1}}),
        "transaction_read_and_two_writes": lambda: run_in_transaction(client, transaction),
    }
    try:
        found = {name: await _cost(operation, count, mongo) for name, operation in operations.items()}
    finally:
        await client.drop_database(db.name)
        await retrying.close()
    return found | {"operations_each": count}


async def _cost(operation: Callable[[], Awaitable[Any]], count: int, mongo: dict[str, int]) -> dict[str, float]:
    meter, began = CpuMeter(mongo).start(), time.perf_counter()
    for _ in range(count):
        await operation()
    wall, cpu = time.perf_counter() - began, meter.stop()["processes"]["mongo"]["cpu_s"]  # type: ignore[index]
    return {"wall_ms": round(wall / count * 1000, 2), "mongo_cpu_ms": round(cpu / count * 1000, 2)}


# ---- Kafka ---------------------------------------------------------------------------------


async def kafka_round_trip(run_id: str, messages: int) -> dict[str, Any]:
    """Latency from producing a message (acks=all, as the outbox relay does) to fetching it (as the
    services' consumers do), one message at a time, on a throw-away topic of the same broker."""
    settings = ServiceSettings(service_name="bench", kafka_bootstrap_servers=KAFKA_BOOTSTRAP)
    topic = f"bench.round-trip.{run_id}"
    await ensure_topics(settings, [topic])
    producer = make_producer(settings)
    consumer = AIOKafkaConsumer(**client_options(settings), client_id="bench-round-trip", enable_auto_commit=False,
                                max_poll_records=100)
    await producer.start()
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(await producer.partitions_for(topic))]
        for tp in partitions:  # acknowledged writes: every partition of the new topic has its leader now
            await (await producer.send(topic, value=b"{}", key=b"leader", partition=tp.partition))
        consumer.assign(partitions)
        await consumer.seek_to_end(*partitions)
        for partition in partitions:  # resolve the end offsets now, before the first probe is produced
            await consumer.position(partition)
        for i in range(KAFKA_WARM_UP):  # the consumer's first fetches set up its connections: not measured
            await _one_round_trip(producer, consumer, topic, f"warm-up-{i}")
        seconds = [await _one_round_trip(producer, consumer, topic, f"probe-{i}") for i in range(messages)]
    finally:
        await consumer.stop()
        await producer.stop()
        await _delete_topic(settings, topic)
    return {"messages": messages, "latency": latency(seconds).as_dict(), "seconds": seconds}


async def _one_round_trip(producer: Any, consumer: AIOKafkaConsumer, topic: str, name: str) -> float:
    key = name.encode()
    began = time.perf_counter()
    await (await producer.send(topic, value=b"{}", key=key))
    while True:
        batches = await consumer.getmany(timeout_ms=500)
        if any(record.key == key for records in batches.values() for record in records):
            return time.perf_counter() - began


async def _delete_topic(settings: ServiceSettings, topic: str) -> None:
    admin = AIOKafkaAdminClient(**client_options(settings), client_id="bench-admin")
    await admin.start()
    try:
        await admin.delete_topics([topic])
    except Exception:  # noqa: BLE001 - a left-over probe topic is harmless
        pass
    finally:
        await admin.close()
