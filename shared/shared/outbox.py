"""Transactional outbox: messages are stored with the change that causes them and
published by a relay once the transaction has committed.

Use cases call ``Outbox.add(session, topic, envelope)`` inside their transaction.
The relay publishes pending entries in the order they were written, with acks=all,
and marks them sent. With several replicas of a service, only the holder of a lease
relays, so one writer publishes in order; if it stalls past its lease another takes
over, and a message it had already sent may be sent again: consumers drop such a
repeat by its envelope id.

An entry Kafka can never take (a message over the producer's ``max_request_size`` or
the broker's size limit) is set aside as ``dead``, with its error, a log line and the
``tadamon_outbox_dead_lettered_total`` counter, so that it does not hold back everything written
after it. The entries that remain keep their order, per subject too: later messages of
the same subject are still published, after one another. An entry set aside stays in
the collection to be looked at; nothing republishes it by itself.
"""

import asyncio
import logging
import os
import socket
import time
import uuid
from datetime import UTC, datetime, timedelta

from aiokafka.errors import MessageSizeTooLargeError
from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError, PyMongoError

from shared.envelope import Envelope
from shared.kafka import ProducerHolder
from shared.mongo import Document, Indexes
from shared.observability import Metrics
from shared.settings import ServiceSettings
from shared.tasks import cancel_and_wait

log = logging.getLogger(__name__)

OUTBOX = "outbox"
LEASES = "outbox_leases"
BATCH_SIZE = 500
# Pause after a failed publish: 0.5 s, 1 s, 2 s, 5 s, then every 10 s until Kafka
# answers again. Entries stay pending meanwhile; nothing is dropped.
FAILURE_BACKOFF_SECONDS = (0.5, 1.0, 2.0, 5.0, 10.0)
# On stop, how long the batch under way may take to be sent and marked (Kafka down: cut).
BATCH_FINISH_SECONDS = 10.0

# Errors that no retry can cure: the entry is set aside instead of blocking the relay.
NEVER_PUBLISHABLE: tuple[type[BaseException], ...] = (MessageSizeTooLargeError,)

_last_sequence = 0


def next_sequence() -> int:
    """A per-process increasing number that also follows wall-clock time across processes."""
    global _last_sequence
    candidate = time.time_ns()
    _last_sequence = max(candidate, _last_sequence + 1)
    return _last_sequence


def outbox_indexes(indexes: Indexes, sent_retention_days: int) -> None:
    indexes.add(OUTBOX, IndexModel([("status", ASCENDING), ("seq", ASCENDING)], name="pending_in_order"))
    indexes.add(OUTBOX, IndexModel([("subject", ASCENDING), ("seq", ASCENDING)], name="by_subject"))
    # Only sent entries have sent_at: a pending entry never expires.
    indexes.add(OUTBOX, IndexModel([("sent_at", ASCENDING)], name="sent_expire",
                                   expireAfterSeconds=sent_retention_days * 86_400))


class Outbox:
    def __init__(self, settings: ServiceSettings, db: AsyncDatabase[Document]) -> None:
        self.settings = settings
        self.collection = db[OUTBOX]
        self._wake = asyncio.Event()

    async def add(self, session: AsyncClientSession, topic: str, envelope: Envelope) -> None:
        await self.collection.insert_one(
            {
                "_id": envelope.id,
                "topic": self.settings.topic(topic),
                "subject": envelope.subject,
                "type": envelope.type,
                "envelope": envelope.model_dump(mode="json"),
                "status": "pending",
                "seq": next_sequence(),
                "created_at": datetime.now(UTC),
                "attempts": 0,
            },
            session=session,
        )

    def notify(self) -> None:
        """Tell the relay new entries committed, so it does not wait for its next poll."""
        self._wake.set()

    async def wait(self, timeout: float) -> None:
        try:
            await asyncio.wait_for(self._wake.wait(), timeout)
        except TimeoutError:
            pass
        self._wake.clear()

    async def pending_count(self) -> int:
        return await self.collection.count_documents({"status": "pending"})

    async def oldest_pending(self) -> datetime | None:
        """When the oldest entry still waiting for Kafka was written (read through ``pending_in_order``)."""
        oldest = await self.collection.find_one({"status": "pending"}, {"created_at": 1}, sort=[("seq", ASCENDING)])
        return None if oldest is None else oldest["created_at"]

    async def sample(self, metrics: Metrics) -> None:
        """Set the outbox gauges: what an alert on a stuck relay or an absent Kafka reads."""
        metrics.outbox_pending.set(await self.pending_count())
        oldest = await self.oldest_pending()
        metrics.outbox_oldest_age.set(0.0 if oldest is None else (datetime.now(UTC) - oldest).total_seconds())


class OutboxRelay:
    def __init__(
        self, settings: ServiceSettings, db: AsyncDatabase[Document], outbox: Outbox,
        producers: ProducerHolder, metrics: Metrics,
    ) -> None:
        self.settings = settings
        self.outbox = outbox
        self.leases = db[LEASES]
        self.producers = producers
        self.metrics = metrics
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._failures = 0
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._between_batches = asyncio.Event()
        self._between_batches.set()

    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        # A batch cut between its sending and its "sent" mark would be sent again by the
        # next relay: consumers skip such repeats, but a clean stop should leave none. So
        # the batch under way finishes first (bounded), and no new one starts.
        self._stopping = True
        try:
            await asyncio.wait_for(self._between_batches.wait(), BATCH_FINISH_SECONDS)
        except TimeoutError:
            log.warning("outbox relay: the batch under way did not finish within %.0f s", BATCH_FINISH_SECONDS)
        await cancel_and_wait(self._task)
        try:
            await self.leases.delete_one({"_id": "relay", "owner": self.owner})
        except PyMongoError:
            pass

    async def _run(self) -> None:
        while True:
            try:
                if not await self._hold_lease():
                    await self.outbox.wait(self.settings.outbox_lease_seconds / 3)
                    continue
                if self._stopping:
                    return
                self._between_batches.clear()
                try:
                    published = await self.publish_pending()
                finally:
                    self._between_batches.set()
                self._failures = 0
                if published < BATCH_SIZE:
                    await self.outbox.wait(self.settings.outbox_poll_seconds)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the relay must outlive any outage
                pause = FAILURE_BACKOFF_SECONDS[min(self._failures, len(FAILURE_BACKOFF_SECONDS) - 1)]
                self._failures += 1
                log.warning("outbox relay: %s; next try in %.1f s", exc, pause)
                await asyncio.sleep(pause)

    async def _hold_lease(self) -> bool:
        now = datetime.now(UTC)
        until = now + timedelta(seconds=self.settings.outbox_lease_seconds)
        try:
            await self.leases.find_one_and_update(
                {"_id": "relay", "$or": [{"owner": self.owner}, {"until": {"$lt": now}}]},
                {"$set": {"owner": self.owner, "until": until}},
                upsert=True,
            )
            return True
        except DuplicateKeyError:
            return False

    async def publish_pending(self) -> int:
        batch = await (
            self.outbox.collection.find({"status": "pending"}).sort("seq", ASCENDING).limit(BATCH_SIZE)
        ).to_list()
        if not batch:
            return 0
        producer = await self.producers.get()
        queued: list[tuple[Document, asyncio.Future[object]]] = []
        dead: list[tuple[Document, BaseException]] = []
        refused: BaseException | None = None
        for entry in batch:
            envelope = Envelope.model_validate(entry["envelope"])
            try:
                delivery = await producer.send(
                    entry["topic"], value=envelope.to_bytes(), key=envelope.subject.encode(),
                    headers=envelope.headers(),
                )
            except NEVER_PUBLISHABLE as exc:
                dead.append((entry, exc))
                continue
            except Exception as exc:  # noqa: BLE001 - keep what was queued, retry the rest
                refused = exc
                break
            queued.append((entry, delivery))
        results = await asyncio.gather(*(delivery for _, delivery in queued), return_exceptions=True)
        outcomes = [(entry, result) for (entry, _), result in zip(queued, results, strict=True)]
        dead += [(entry, result) for entry, result in outcomes if isinstance(result, NEVER_PUBLISHABLE)]
        await self._mark_sent([entry for entry, result in outcomes if not isinstance(result, BaseException)])
        await self._set_aside(dead)
        self.metrics.outbox_batch.observe(len(batch))
        errors = [result for _, result in outcomes
                  if isinstance(result, BaseException) and not isinstance(result, NEVER_PUBLISHABLE)]
        error = errors[0] if errors else refused
        if error is not None:
            settled = {entry["_id"] for entry, result in outcomes if not isinstance(result, BaseException)}
            settled |= {entry["_id"] for entry, _ in dead}
            unsent = [entry["_id"] for entry in batch if entry["_id"] not in settled]
            await self.outbox.collection.update_many(
                {"_id": {"$in": unsent}}, {"$inc": {"attempts": 1}, "$set": {"last_error": repr(error)[:500]}}
            )
            raise error
        return len(batch)

    async def _mark_sent(self, sent: list[Document]) -> None:
        if not sent:
            return
        await self.outbox.collection.update_many(
            {"_id": {"$in": [entry["_id"] for entry in sent]}},
            {"$set": {"status": "sent", "sent_at": datetime.now(UTC)}},
        )
        for entry in sent:
            self.metrics.messages_published.labels(entry["topic"]).inc()

    async def _set_aside(self, dead: list[tuple[Document, BaseException]]) -> None:
        for entry, error in dead:
            await self.outbox.collection.update_one(
                {"_id": entry["_id"], "status": "pending"},
                {"$set": {"status": "dead", "dead_at": datetime.now(UTC), "last_error": repr(error)[:500]},
                 "$inc": {"attempts": 1}},
            )
            self.metrics.outbox_dead_lettered.labels(entry["topic"]).inc()
            log.error(
                "outbox relay: message %s (%s on %s) can never be published and is set aside: %r",
                entry["_id"], entry["type"], entry["topic"], error,
                extra={"fields": {"outbox_id": entry["_id"], "message_type": entry["type"],
                                  "topic": entry["topic"], "outbox_status": "dead"}},
            )
