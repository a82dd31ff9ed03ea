"""Consumer runner: handlers by reader model, idempotent effects, retries, DLQ.

A service registers each handler with ``spec.on(SomeReader)``: the reader model lists
the message types it reads and models only the fields the handler uses. For each
record: parse the envelope (a record that is not one goes to the DLQ at once), find
the subscription for its type (other types are skipped), validate the payload into
the reader model (a payload that does not fit goes to the DLQ at once), then call the
handler with it and a ``Delivery`` (the service's typed context, the transaction and
the envelope) in a MongoDB transaction that also records the message id, so a redelivery
finds the marker and has no second effect. Offsets are committed only after the
handler's transaction has committed. A handler that fails is retried on a bounded
schedule, then its message goes to the DLQ; a database that is unavailable is waited
for instead, since the message is not at fault.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar, Generic, TypeVar

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaError
from pydantic import BaseModel, ConfigDict, ValidationError
from pymongo import ASCENDING, AsyncMongoClient, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from shared.envelope import Envelope
from shared.kafka import ProducerHolder, client_options, dlq_topic
from shared.mongo import Document, Indexes, database_unavailable, run_in_transaction
from shared.observability import Metrics, reset_correlation_id, set_correlation_id
from shared.settings import ServiceSettings
from shared.tasks import cancel_and_wait

log = logging.getLogger(__name__)

PROCESSED = "processed_messages"
# A failing handler is tried again after 0.2 s, 1 s and 5 s (settings may change the
# schedule); after the fourth failure the message goes to the DLQ and the partition
# moves on.
RETRY_SCHEDULE_SECONDS = (0.2, 1.0, 5.0)
# MongoDB unreachable or a write lock that outlives the transaction's own retries is
# no fault of the message: it is tried again after this pause, without limit.
DATABASE_WAIT_SECONDS = 1.0


def processed_indexes(indexes: Indexes, retention_days: int) -> None:
    """Markers expire once the topics no longer hold their message (settings: longer than retention)."""
    indexes.add(PROCESSED, IndexModel([("at", ASCENDING)], name="marker_expire",
                                      expireAfterSeconds=retention_days * 86_400))


class PoisonMessage(Exception):
    """Raised by a handler for a message that can never succeed: straight to the DLQ."""


class _AlreadyProcessed(Exception):
    pass


class Reader(BaseModel):
    """A consumer's model of another service's messages: the fields it reads, nothing more.

    ``reads`` names the message types (the producer's ``message_type``) whose payload it
    models; unknown fields are ignored, so a producer may add fields within a version.
    The contract tests validate each reader against examples built with the producer's
    own classes.
    """

    model_config = ConfigDict(extra="ignore")

    reads: ClassVar[tuple[str, ...]]


C = TypeVar("C")
R = TypeVar("R", bound=Reader)


@dataclass(frozen=True)
class Delivery(Generic[C]):
    """What a handler gets beside the payload: the service's context and the message's transaction."""

    service: C
    session: AsyncClientSession
    envelope: Envelope


Handler = Callable[[R, Delivery[C]], Awaitable[None]]


@dataclass(frozen=True)
class Subscription(Generic[C]):
    reader: type[Reader]
    handler: Callable[[Any, Delivery[C]], Awaitable[None]]


class ConsumerSpec(Generic[C]):
    """What a service consumes: its group, topics and one handler per reader model.

    ``C`` is the typed context the service gives its handlers (``ServiceSpec.context``).
    """

    def __init__(self, *, group: str, topics: list[str]) -> None:
        self.group = group
        self.topics = topics
        self.subscriptions: dict[str, Subscription[C]] = {}

    def on(self, reader: type[R]) -> Callable[[Handler[R, C]], Handler[R, C]]:
        def register(handler: Handler[R, C]) -> Handler[R, C]:
            for message_type in reader.reads:
                if message_type in self.subscriptions:
                    raise ValueError(f"{message_type} already has a handler in {self.group}")
                self.subscriptions[message_type] = Subscription(reader, handler)
            return handler

        return register

    def readers(self) -> list[type[Reader]]:
        return list(dict.fromkeys(s.reader for s in self.subscriptions.values()))


class ConsumerRunner:
    def __init__(
        self, *, settings: ServiceSettings, spec: ConsumerSpec[Any], context: object,
        client: AsyncMongoClient[Document], db: AsyncDatabase[Document], producers: ProducerHolder, metrics: Metrics,
        retry_schedule: tuple[float, ...] = RETRY_SCHEDULE_SECONDS,
    ) -> None:
        self.settings = settings
        self.spec = spec
        self.context = context
        self.group = settings.group(spec.group)
        self.topics = [settings.topic(t) for t in spec.topics]
        self.client = client
        self.processed = db[PROCESSED]
        self.producers = producers
        self.metrics = metrics
        self.retry_schedule = retry_schedule
        self._task: asyncio.Task[None] | None = None
        self._consumer: AIOKafkaConsumer | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"consumer-{self.group}")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)

    async def _run(self) -> None:
        failures = 0
        while True:
            consumer = AIOKafkaConsumer(
                *self.topics,
                **client_options(self.settings),
                group_id=self.group,
                client_id=f"{self.group}-consumer",
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                session_timeout_ms=self.settings.kafka_session_timeout_ms,
                heartbeat_interval_ms=self.settings.kafka_heartbeat_interval_ms,
                max_poll_records=100,
            )
            try:
                await consumer.start()
                self._consumer = consumer
                failures = 0
                await self._consume(consumer)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - reconnect after any outage
                failures += 1
                pause = min(10.0, 0.5 * 2 ** min(failures, 5))
                log.warning("consumer %s: %s; restarting in %.1f s", self.group, exc, pause)
                await asyncio.sleep(pause)
            finally:
                self._consumer = None
                await consumer.stop()

    async def _consume(self, consumer: AIOKafkaConsumer) -> None:
        while True:
            batches = await consumer.getmany(timeout_ms=500)
            for partition, records in batches.items():
                for record in records:
                    await self.handle_record(record)
                # Committed only once every record of the batch has had its effect (or
                # gone to the DLQ): a crash before this line means redelivery, not loss.
                await consumer.commit({partition: records[-1].offset + 1})
            await self._measure_lag(consumer)

    async def _measure_lag(self, consumer: AIOKafkaConsumer) -> None:
        """Records between the group's position and the end of each assigned partition (as last fetched)."""
        for partition in consumer.assignment():
            end = consumer.highwater(partition)
            if end is None:
                continue
            try:
                position = await asyncio.wait_for(consumer.position(partition), 0.5)
            except (TimeoutError, KafkaError):
                continue
            self.metrics.consumer_lag.labels(self.group, partition.topic, str(partition.partition)).set(
                max(0, end - position))

    async def handle_record(self, record: ConsumerRecord[bytes, bytes]) -> None:
        try:
            envelope = Envelope.from_bytes(record.value or b"")
        except (ValidationError, ValueError) as exc:
            await self._dead_letter(record, exc, attempts=1)
            return
        subscription = self.spec.subscriptions.get(envelope.type)
        if subscription is None:
            self.metrics.messages_consumed.labels(record.topic, "ignored").inc()
            return
        token = set_correlation_id(envelope.correlation_id)
        try:
            await self._handle_with_retries(record, envelope, subscription)
        finally:
            reset_correlation_id(token)

    async def _handle_with_retries(
        self, record: ConsumerRecord[bytes, bytes], envelope: Envelope, subscription: Subscription[Any]
    ) -> None:
        failures = 0
        while True:
            try:
                await self._apply_once(envelope, subscription)
                self.metrics.messages_consumed.labels(record.topic, "handled").inc()
                return
            except _AlreadyProcessed:
                self.metrics.messages_consumed.labels(record.topic, "duplicate").inc()
                return
            except (ValidationError, PoisonMessage) as exc:
                await self._dead_letter(record, exc, attempts=failures + 1)
                return
            except Exception as exc:  # noqa: BLE001 - retried, then dead-lettered
                if database_unavailable(exc):
                    # Not the message's fault: dead-lettering would drop a valid message, so wait for
                    # the database however long it takes (the offset stays uncommitted meanwhile).
                    log.warning("database unavailable for %s: %r; trying again in %.1f s", envelope.type, exc,
                                DATABASE_WAIT_SECONDS)
                    await asyncio.sleep(DATABASE_WAIT_SECONDS)
                    continue
                failures += 1
                if failures > len(self.retry_schedule):
                    await self._dead_letter(record, exc, attempts=failures)
                    return
                log.warning("handler for %s failed (attempt %d): %r", envelope.type, failures, exc)
                await asyncio.sleep(self.retry_schedule[failures - 1])

    async def _apply_once(self, envelope: Envelope, subscription: Subscription[Any]) -> None:
        marker = f"{self.group}:{envelope.id}"
        # A payload that does not fit the reader never will: ValidationError sends it to the DLQ at once.
        payload = subscription.reader.model_validate(envelope.data)

        async def work(session: AsyncClientSession) -> None:
            if await self.processed.find_one({"_id": marker}, session=session):
                raise _AlreadyProcessed()
            await subscription.handler(payload, Delivery(service=self.context, session=session, envelope=envelope))
            await self.processed.insert_one(
                {"_id": marker, "type": envelope.type, "at": datetime.now(UTC)}, session=session
            )

        try:
            await run_in_transaction(self.client, work, on_retry=self.metrics.transaction_retries.inc)
        except DuplicateKeyError:
            # Another member of the group handled it concurrently (a rebalance); that is a
            # redelivery only if the marker is really there, otherwise a genuine error.
            if await self.processed.find_one({"_id": marker}):
                raise _AlreadyProcessed() from None
            raise

    async def _dead_letter(self, record: ConsumerRecord[bytes, bytes], exc: BaseException, attempts: int) -> None:
        producer = await self.producers.get()
        headers = list(record.headers or ()) + [
            ("dlq_error", repr(exc)[:1000].encode()),
            ("dlq_error_type", type(exc).__name__.encode()),
            ("dlq_original_topic", record.topic.encode()),
            ("dlq_original_partition", str(record.partition).encode()),
            ("dlq_original_offset", str(record.offset).encode()),
            ("dlq_attempts", str(attempts).encode()),
            ("dlq_group", self.group.encode()),
            ("dlq_failed_at", datetime.now(UTC).isoformat().encode()),
        ]
        await producer.send_and_wait(dlq_topic(record.topic), value=record.value, key=record.key, headers=headers)
        self.metrics.messages_consumed.labels(record.topic, "dead_lettered").inc()
        self.metrics.dlq_messages.labels(record.topic, self.group, type(exc).__name__).inc()
        log.error("message at %s[%d]@%d sent to the DLQ: %r", record.topic, record.partition, record.offset, exc)


__all__ = ["ConsumerRunner", "ConsumerSpec", "Delivery", "Handler", "PoisonMessage", "Reader", "TopicPartition"]
