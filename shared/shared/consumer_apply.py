"""How a consumer applies the records of one partition: in batches, one message at a time when a batch fails.

The records a fetch brought for one partition are applied in order, a batch at a time:
the markers of the whole batch are read with one query, the handlers run one after the
other in one transaction (a batch handler once for each run of consecutive messages of its
reader, with their payloads in order), and the markers of what they applied are written with one
``insert_many`` in that same transaction. A batch holds at most ``consumer_batch_messages``
messages and stops taking more once ``consumer_batch_seconds`` of work went into it, so a
transaction stays short (fewer write conflicts, far from the server's transaction lifetime).

A batch that fails for any reason (a faulty message, a conflict that outlived its retries,
the database away, a marker written meanwhile by another member of the group) is rolled
back whole and its messages are applied again one at a time, each in its own transaction:
the faulty one gets its bounded retries and then the DLQ, a database outage is waited out,
and every other message is applied once.
"""

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiokafka import ConsumerRecord
from prometheus_client import CollectorRegistry, Counter, Histogram
from pydantic import ValidationError
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from shared.consumer import DATABASE_WAIT_SECONDS, Batch, Delivery, PoisonMessage, Reader, Subscription
from shared.envelope import Envelope
from shared.kafka import ProducerHolder, dead_letter
from shared.mongo import Document, database_unavailable, find_in, run_in_transaction
from shared.observability import Metrics, reset_correlation_id, set_correlation_id

log = logging.getLogger(__name__)

BATCH_SIZE_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200)


class _AlreadyProcessed(Exception):
    pass


@dataclass(frozen=True)
class Ready:
    """A record whose payload fits its reader: what a transaction applies."""

    record: ConsumerRecord[bytes, bytes]
    envelope: Envelope
    subscription: Subscription[Any]
    payload: Reader
    marker: str


@dataclass(frozen=True)
class BatchLimits:
    messages: int
    seconds: float


def _batches_counter(registry: CollectorRegistry) -> Counter:
    return Counter("tadamon_consumer_batches", "Transactions in which a consumer applied messages",
                   ["group"], registry=registry)


def _batch_size_histogram(registry: CollectorRegistry) -> Histogram:
    return Histogram("tadamon_consumer_batch_size", "Messages applied per consumer transaction",
                     ["group"], buckets=BATCH_SIZE_BUCKETS, registry=registry)


def _joins(run: list[Ready], item: Ready) -> bool:
    """Whether ``item`` goes to the same batch handler call as the run before it."""
    return item.subscription.batch_handler is not None and item.subscription is run[-1].subscription


def _handler_calls_counter(registry: CollectorRegistry) -> Counter:
    return Counter("tadamon_consumer_handler_calls", "Handler calls (a batch handler's call counts once)",
                   ["group"], registry=registry)


class Applier:
    """Applies one group's records: batches first, one message at a time when a batch fails."""

    def __init__(
        self, *, group: str, subscriptions: dict[str, Subscription[Any]], context: object,
        client: AsyncMongoClient[Document], processed: AsyncCollection[Document], producers: ProducerHolder,
        metrics: Metrics, retry_schedule: tuple[float, ...], limits: BatchLimits,
    ) -> None:
        self.group = group
        self.subscriptions = subscriptions
        self.context = context
        self.client = client
        self.processed = processed
        self.producers = producers
        self.metrics = metrics
        self.retry_schedule = retry_schedule
        self.limits = limits
        self.batches = metrics.own("tadamon_consumer_batches", _batches_counter).labels(group)
        self.batch_size = metrics.own("tadamon_consumer_batch_size", _batch_size_histogram).labels(group)
        self.handler_calls = metrics.own("tadamon_consumer_handler_calls", _handler_calls_counter).labels(group)

    async def apply_records(self, records: list[ConsumerRecord[bytes, bytes]]) -> None:
        """Apply fetched records in order; returns once each had its effect or went to the DLQ."""
        ready = [item for record in records if (item := await self.prepare(record)) is not None]
        while ready:
            if len(ready) == 1:
                await self.apply_alone(ready[0])
                return
            taken = await self.apply_batch(ready[: self.limits.messages])
            ready = ready[taken:]

    async def prepare(self, record: ConsumerRecord[bytes, bytes]) -> Ready | None:
        """The record ready to apply; None once it went to the DLQ (not an envelope, payload unfit) or is ignored."""
        try:
            envelope = Envelope.from_bytes(record.value or b"")
        except (ValidationError, ValueError) as exc:
            await self.dead_letter(record, exc, attempts=1)
            return None
        subscription = self.subscriptions.get(envelope.type)
        if subscription is None:
            self.metrics.messages_consumed.labels(record.topic, "ignored").inc()
            return None
        try:
            # A payload that does not fit the reader never will: to the DLQ at once.
            payload = subscription.reader.model_validate(envelope.data)
        except ValidationError as exc:
            await self.dead_letter(record, exc, attempts=1)
            return None
        return Ready(record, envelope, subscription, payload, f"{self.group}:{envelope.id}")

    async def apply_batch(self, batch: list[Ready]) -> int:
        """Apply a leading part of ``batch`` in one transaction; returns how many messages it took."""
        try:
            applied, taken = await run_in_transaction(
                self.client, lambda session: self._apply_all(session, batch),
                on_retry=self.metrics.transaction_retries.inc)
        except Exception as exc:  # noqa: BLE001 - the batch is applied again one message at a time
            log.info("consumer %s: a batch of %d failed (%r); applying its messages one at a time",
                     self.group, len(batch), exc)
            for item in batch:
                await self.apply_alone(item)
            return len(batch)
        self._count_batch(batch[:taken], applied)
        return taken

    async def _apply_all(self, session: AsyncClientSession, batch: list[Ready]) -> tuple[set[str], int]:
        """The work of a batch transaction (it may run several times): the markers applied and messages taken."""
        began = time.monotonic()
        seen = {doc["_id"] for doc in await find_in(
            self.processed, "_id", [item.marker for item in batch], projection={"_id": 1}, session=session)}
        applied: list[Ready] = []
        run: list[Ready] = []
        taken = 0
        for item in batch:
            taken += 1
            # A marker already stored, or a message delivered twice within the batch: a redelivery.
            if item.marker not in seen:
                seen.add(item.marker)
                if run and not _joins(run, item):
                    await self._call_handler(run, session)
                    run = []
                run.append(item)
                applied.append(item)
            if time.monotonic() - began >= self.limits.seconds:
                break
        if run:
            await self._call_handler(run, session)
        if applied:
            at = datetime.now(UTC)
            await self.processed.insert_many(
                [{"_id": item.marker, "type": item.envelope.type, "at": at} for item in applied], session=session)
        return {item.marker for item in applied}, taken

    def _count_batch(self, taken: list[Ready], applied: set[str]) -> None:
        counted: set[str] = set()
        for item in taken:
            first = item.marker in applied and item.marker not in counted
            counted.add(item.marker)
            self.metrics.messages_consumed.labels(item.record.topic, "handled" if first else "duplicate").inc()
        if applied:
            self.batches.inc()
            self.batch_size.observe(len(applied))

    async def _call_handler(self, run: list[Ready], session: AsyncClientSession) -> None:
        """Call the handler of a run: its batch handler with every payload, else the handler of its one message."""
        subscription = run[0].subscription
        self.handler_calls.inc()
        token = set_correlation_id(run[-1].envelope.correlation_id)
        try:
            if subscription.batch_handler is not None:
                await subscription.batch_handler([item.payload for item in run], Batch(
                    service=self.context, session=session, envelopes=[item.envelope for item in run]))
            else:
                assert subscription.handler is not None and len(run) == 1
                await subscription.handler(run[0].payload, Delivery(
                    service=self.context, session=session, envelope=run[0].envelope))
        finally:
            reset_correlation_id(token)

    async def apply_alone(self, item: Ready) -> None:
        """One message in its own transaction: bounded retries then the DLQ; a database outage waited out."""
        failures = 0
        while True:
            try:
                await self._apply_once(item)
                self.metrics.messages_consumed.labels(item.record.topic, "handled").inc()
                self.batches.inc()
                self.batch_size.observe(1)
                return
            except _AlreadyProcessed:
                self.metrics.messages_consumed.labels(item.record.topic, "duplicate").inc()
                return
            except (ValidationError, PoisonMessage) as exc:
                await self.dead_letter(item.record, exc, attempts=failures + 1)
                return
            except Exception as exc:  # noqa: BLE001 - retried, then dead-lettered
                if database_unavailable(exc):
                    # Not the message's fault: dead-lettering would drop a valid message, so wait for
                    # the database however long it takes (the offset stays uncommitted meanwhile).
                    log.warning("database unavailable for %s: %r; trying again in %.1f s", item.envelope.type,
                                exc, DATABASE_WAIT_SECONDS)
                    await asyncio.sleep(DATABASE_WAIT_SECONDS)
                    continue
                failures += 1
                if failures > len(self.retry_schedule):
                    await self.dead_letter(item.record, exc, attempts=failures)
                    return
                log.warning("handler for %s failed (attempt %d): %r", item.envelope.type, failures, exc)
                await asyncio.sleep(self.retry_schedule[failures - 1])

    async def _apply_once(self, item: Ready) -> None:
        async def work(session: AsyncClientSession) -> None:
            if await self.processed.find_one({"_id": item.marker}, session=session):
                raise _AlreadyProcessed()
            await self._call_handler([item], session)
            await self.processed.insert_one(
                {"_id": item.marker, "type": item.envelope.type, "at": datetime.now(UTC)}, session=session)

        try:
            await run_in_transaction(self.client, work, on_retry=self.metrics.transaction_retries.inc)
        except DuplicateKeyError:
            # Another member of the group handled it concurrently (a rebalance); that is a
            # redelivery only if the marker is really there, otherwise a genuine error.
            if await self.processed.find_one({"_id": item.marker}):
                raise _AlreadyProcessed() from None
            raise

    async def dead_letter(self, record: ConsumerRecord[bytes, bytes], exc: BaseException, attempts: int) -> None:
        await dead_letter(await self.producers.get(), record, exc, attempts=attempts, group=self.group)
        self.metrics.messages_consumed.labels(record.topic, "dead_lettered").inc()
        self.metrics.dlq_messages.labels(record.topic, self.group, type(exc).__name__).inc()
        log.error("message at %s[%d]@%d sent to the DLQ: %r", record.topic, record.partition, record.offset, exc)
