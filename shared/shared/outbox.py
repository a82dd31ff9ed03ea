"""Transactional outbox: messages are stored with the change that causes them and
published by a relay once the transaction has committed.

Use cases call ``Outbox.add(session, topic, envelope)`` inside their transaction.
The relay publishes pending entries in the order they were written, with acks=all,
and marks them sent. With several replicas of a service, only the holder of a lease
relays, so one writer publishes in order. The holder renews its lease in the background
while a batch is under way, and sends nothing once less than half of it is left: a relay
whose database or event loop stalls stops publishing, and has its acknowledged entries
marked, before its lease runs out and another relay may take over. So two relays never
publish the same entry, unless the acknowledgements and the "sent" mark of what was
already sent take longer than half a lease; consumers would then drop the repeat by its
envelope id.

An entry Kafka can never take (a message over the producer's ``max_request_size`` or
the broker's size limit) is set aside as ``dead``, with its error, a log line and the
``tadamon_outbox_dead_lettered_total`` counter, so that it does not hold back everything written
after it. The entries that remain keep their order, per subject too: later messages of
the same subject are still published, after one another. An entry set aside stays in
the collection to be looked at; nothing republishes it by itself. Within a subject each
message is sent once the one before it is acknowledged; one that fails for a while (Kafka
away) holds back the later ones of its subject, which stay pending and unsent, so that a
subject's messages keep their order.

Once Kafka has acknowledged a batch's entries, the relay moves them to ``outbox_sent``,
where they are kept (``OUTBOX_SENT_RETENTION_DAYS``, a TTL index) as the record of what the
service published. Moving costs the database less than marking the entries sent in place:
an insert and a delete, against rewriting each entry and each of its index entries (on the
local server, in batches of 20: 0.37 ms against 0.57 ms per entry). Being two requests
rather than one, it pays only from a few entries on, so a batch of one or two is marked in
place (1.19 ms against 1.36 ms for one entry); such entries, and those older versions
marked, expire in the outbox. The copy is written first and the entry deleted after: a
relay cut between the two publishes the entry again, and the copy already there is kept.

The relay is woken as soon as an entry commits: by the committing use case when it runs
in the relay's own process, and otherwise (another replica, a consumer of another
process) by a change stream on the collection, which the lease holder keeps open. The
poll every ``outbox_poll_seconds`` stays as the net under both.
"""

import asyncio
import logging
import os
import socket
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import MessageSizeTooLargeError
from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError, OperationFailure, PyMongoError

from shared.envelope import Envelope
from shared.kafka import ProducerHolder
from shared.mongo import Document, Indexes, after_commit, delete_in, only_duplicates, update_in
from shared.observability import Metrics
from shared.settings import ServiceSettings
from shared.tasks import cancel_and_wait

log = logging.getLogger(__name__)

OUTBOX = "outbox"
SENT = "outbox_sent"
LEASES = "outbox_leases"
BATCH_SIZE = 500
# From this many entries acknowledged together, they are moved to outbox_sent rather than
# marked sent in place (see above).
MOVE_FROM = 3
# Pause after a failed publish: 0.5 s, 1 s, 2 s, 5 s, then every 10 s until Kafka
# answers again. Entries stay pending meanwhile; nothing is dropped.
FAILURE_BACKOFF_SECONDS = (0.5, 1.0, 2.0, 5.0, 10.0)
# On stop, how long the batch under way may take to be sent and marked (Kafka down: cut).
BATCH_FINISH_SECONDS = 10.0
# While a batch is under way the lease is renewed every sixth of it, and nothing is sent
# once less than half of it is left: that half is the time the acknowledgements of what
# was already sent (request_timeout_ms, 10 s) and the "sent" mark have before another
# relay may take over, and it also absorbs clock skew between hosts.
LEASE_RENEWALS = 6
LEASE_SAFETY = 0.5
# A change stream that broke (the database restarting) is opened again after this pause.
WATCH_RETRY_SECONDS = 2.0
# Answers of a server that has no change streams (not a replica set, command unknown).
NO_CHANGE_STREAMS = (40573, 115, 59)
# Only inserts wake the relay, and of each only the change's id (its resume token) is sent.
WATCH_PIPELINE: list[dict[str, Any]] = [{"$match": {"operationType": "insert"}}, {"$project": {"_id": 1}}]

# Errors that no retry can cure: the entry is set aside instead of blocking the relay.
NEVER_PUBLISHABLE: tuple[type[BaseException], ...] = (MessageSizeTooLargeError,)

_last_sequence = 0


class LeaseLost(Exception):
    """The relay no longer holds its lease with time to spare: its batch stops."""


def next_sequence() -> int:
    """A per-process increasing number that also follows wall-clock time across processes."""
    global _last_sequence
    candidate = time.time_ns()
    _last_sequence = max(candidate, _last_sequence + 1)
    return _last_sequence


def outbox_indexes(indexes: Indexes, sent_retention_days: int) -> None:
    indexes.add(OUTBOX, IndexModel([("status", ASCENDING), ("seq", ASCENDING)], name="pending_in_order"))
    # No query reads entries by subject: an index on it cost every entry's insert and "sent" mark.
    indexes.retire(OUTBOX, "by_subject")
    for collection in (SENT, OUTBOX):
        # Sent entries expire where they are: moved to outbox_sent, or marked in the outbox (a
        # batch of one or two, or an older version's). Only sent entries have sent_at: a pending
        # entry never expires.
        indexes.add(collection, IndexModel([("sent_at", ASCENDING)], name="sent_expire",
                                           expireAfterSeconds=sent_retention_days * 86_400))


async def written(db: AsyncDatabase[Document], query: Document | None = None,
                  fields: Sequence[str] = ()) -> list[Document]:
    """A service's outbox entries matching ``query``, sent or not, in the order written (only
    ``fields`` of them, if named).

    The outbox is read first: an entry the relay moves meanwhile is copied to ``outbox_sent``
    before it leaves the outbox, so it is read once or twice, never missed. Read twice, the
    outbox's is kept: it is also the first record of an entry marked sent in place that a late
    relay then copied.
    """
    projection = dict.fromkeys([*fields, "seq"], 1) if fields else None
    found = {entry["_id"]: entry for entry in await db[OUTBOX].find(query or {}, projection).to_list(None)}
    for entry in await db[SENT].find(query or {}, projection).to_list(None):
        found.setdefault(entry["_id"], entry)
    return sorted(found.values(), key=lambda entry: entry["seq"])


class Outbox:
    def __init__(self, settings: ServiceSettings, db: AsyncDatabase[Document]) -> None:
        self.settings = settings
        self.collection = db[OUTBOX]
        self.sent = db[SENT]
        self._wake = asyncio.Event()

    async def add(self, session: AsyncClientSession, topic: str, envelope: Envelope) -> None:
        """An entry written in the transaction ``run_in_transaction`` runs on ``session`` (a use case's,
        a consumer's batch); the relay is woken once it commits."""
        await self.collection.insert_one(self._entry(topic, envelope), session=session)
        after_commit(session, self.notify)

    async def add_many(self, session: AsyncClientSession, topic: str, envelopes: Sequence[Envelope]) -> None:
        """Several entries in one round trip, published in the order given."""
        await self.collection.insert_many([self._entry(topic, envelope) for envelope in envelopes],
                                          session=session)
        after_commit(session, self.notify)

    def _entry(self, topic: str, envelope: Envelope) -> Document:
        return {
            "_id": envelope.id,
            "topic": self.settings.topic(topic),
            "subject": envelope.subject,
            "type": envelope.type,
            "envelope": envelope.model_dump(mode="json"),
            "status": "pending",
            "seq": next_sequence(),
            "created_at": datetime.now(UTC),
            "attempts": 0,
        }

    async def written(self, query: Document | None = None) -> list[Document]:
        """Every entry matching ``query``, sent or not, in the order written."""
        return await written(self.collection.database, query)

    async def mark_sent(self, entries: Sequence[Document]) -> None:
        """Record that Kafka acknowledged these entries, if they are still pending.

        One that is no longer pending (another relay sent it first, or this one was cut between
        the two writes of a move) keeps the record already made, with its own ``sent_at``.
        """
        now = datetime.now(UTC)
        if len(entries) < MOVE_FROM:
            await update_in(self.collection, [entry["_id"] for entry in entries], {"status": "pending"},
                            {"$set": {"status": "sent", "sent_at": now}})
            return
        try:
            await self.sent.insert_many([{**entry, "status": "sent", "sent_at": now} for entry in entries],
                                        ordered=False)
        except BulkWriteError as exc:
            if not only_duplicates(exc):
                raise
        await delete_in(self.collection, [entry["_id"] for entry in entries], {"status": "pending"})

    def notify(self) -> None:
        """Tell the relay new entries committed, so it does not wait for its next poll.

        Called once a transaction that added entries committed (``add`` arranges it), and by
        the change stream: each wake-up costs the relay a read of the outbox, so a transaction
        that wrote none does not call it."""
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
        # When this relay's lease runs out, in its own monotonic clock (0: not held).
        self._lease_deadline = 0.0
        self._watcher: asyncio.Task[None] | None = None
        self._can_watch = settings.outbox_watch

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
        self._watch(False)
        await cancel_and_wait(self._watcher)
        self._lease_deadline = 0.0
        try:
            await self.leases.delete_one({"_id": "relay", "owner": self.owner})
        except PyMongoError:
            pass

    async def _run(self) -> None:
        while True:
            try:
                held = self._lease_fresh() or await self._hold_lease()
                self._watch(held)
                if not held:
                    await self.outbox.wait(self.settings.outbox_lease_seconds / 3)
                    continue
                if self._stopping:
                    return
                self._between_batches.clear()
                keeper = asyncio.create_task(self._keep_lease(), name="outbox-lease")
                try:
                    published = await self.publish_pending()
                finally:
                    await cancel_and_wait(keeper)
                    self._between_batches.set()
                self._failures = 0
                if published < BATCH_SIZE:
                    await self.outbox.wait(self.settings.outbox_poll_seconds)
            except asyncio.CancelledError:
                raise
            except LeaseLost:
                log.warning("outbox relay: lease lost during a batch; the rest is left to its holder")
            except Exception as exc:  # noqa: BLE001 - the relay must outlive any outage
                pause = FAILURE_BACKOFF_SECONDS[min(self._failures, len(FAILURE_BACKOFF_SECONDS) - 1)]
                self._failures += 1
                log.warning("outbox relay: %s; next try in %.1f s", exc, pause)
                await asyncio.sleep(pause)

    async def _hold_lease(self) -> bool:
        """Take or renew the lease; only its previous owner, or anyone once it has run out."""
        # Read before the request, so the deadline here is never later than the one stored.
        asked = time.monotonic()
        now = datetime.now(UTC)
        until = now + timedelta(seconds=self.settings.outbox_lease_seconds)
        try:
            await self.leases.find_one_and_update(
                {"_id": "relay", "$or": [{"owner": self.owner}, {"until": {"$lt": now}}]},
                {"$set": {"owner": self.owner, "until": until}},
                upsert=True,
            )
        except DuplicateKeyError:
            self._lease_deadline = 0.0
            return False
        self._lease_deadline = asked + self.settings.outbox_lease_seconds
        return True

    def _lease_fresh(self) -> bool:
        """Renewed within the last sixth of the lease: a batch may start without asking again.

        Each wake-up would otherwise write the lease before reading the outbox, a database
        round trip more on every message's way; while batches follow one another the lease is
        still renewed every sixth of it, as the keeper does during a batch.
        """
        left = self._lease_deadline - time.monotonic()
        return left > self.settings.outbox_lease_seconds * (1 - 1 / LEASE_RENEWALS)

    def _watch(self, held: bool) -> None:
        """Keep the change stream open while this relay holds the lease, and only then."""
        if held and self._can_watch and (self._watcher is None or self._watcher.done()):
            self._watcher = asyncio.create_task(self._watch_inserts(), name="outbox-watch")
        elif not held and self._watcher is not None:
            self._watcher.cancel()

    async def _watch_inserts(self) -> None:
        """Wake the relay on every entry committed, in whatever process (a change stream on the outbox)."""
        while True:
            try:
                async with await self.outbox.collection.watch(WATCH_PIPELINE) as stream:
                    async for _ in stream:
                        self.outbox.notify()
            except OperationFailure as exc:
                if exc.code in NO_CHANGE_STREAMS:
                    # The poll alone finds the entries of other processes.
                    log.warning("outbox relay: no change stream on the outbox (%s); polling only", exc)
                    self._can_watch = False
                    return
                log.info("outbox relay: change stream refused (%s); opening it again", exc)
                await asyncio.sleep(WATCH_RETRY_SECONDS)
            except PyMongoError as exc:
                log.info("outbox relay: change stream interrupted (%s); opening it again", exc)
                await asyncio.sleep(WATCH_RETRY_SECONDS)

    async def _keep_lease(self) -> None:
        """Renew the lease while a batch is under way, so a slow batch does not outlive it."""
        while True:
            await asyncio.sleep(self.settings.outbox_lease_seconds / LEASE_RENEWALS)
            try:
                if not await self._hold_lease():
                    return
            except PyMongoError as exc:
                # The deadline stays where it was: the batch stops sending as it nears.
                log.warning("outbox relay: could not renew the lease: %s", exc)

    def _check_lease(self) -> None:
        margin = self.settings.outbox_lease_seconds * LEASE_SAFETY
        if time.monotonic() > self._lease_deadline - margin:
            raise LeaseLost()

    async def publish_pending(self) -> int:
        batch = await (
            self.outbox.collection.find({"status": "pending"}).sort("seq", ASCENDING).limit(BATCH_SIZE)
        ).to_list()
        if not batch:
            return 0
        producer = await self.producers.get()
        by_subject: dict[str, list[Document]] = {}
        for entry in batch:
            by_subject.setdefault(entry["subject"], []).append(entry)
        chains = await asyncio.gather(*(self._publish_subject(producer, entries) for entries in by_subject.values()))
        sent = [entry for chain in chains for entry in chain.sent]
        dead = [item for chain in chains for item in chain.dead]
        # What Kafka acknowledged is marked even if the lease was lost meanwhile: it is true,
        # and it spares the next holder a repeat of it.
        await self._mark_sent(sent)
        await self._set_aside(dead)
        self.metrics.outbox_batch.observe(len(batch))
        errors = [chain.error for chain in chains if chain.error is not None]
        if not errors:
            return len(batch)
        error = next((e for e in errors if not isinstance(e, LeaseLost)), errors[0])
        if not isinstance(error, LeaseLost):
            settled = {entry["_id"] for entry in sent} | {entry["_id"] for entry, _ in dead}
            unsent = [entry["_id"] for entry in batch if entry["_id"] not in settled]
            await update_in(self.outbox.collection, unsent, {},
                            {"$inc": {"attempts": 1}, "$set": {"last_error": repr(error)[:500]}})
        raise error

    async def _publish_subject(self, producer: AIOKafkaProducer, entries: list[Document]) -> "_Chain":
        """Publish one subject's entries, each once the one before it is acknowledged.

        Subjects go in parallel, but within one the next send waits: the producer may
        fail a batch of a partition (its leader gone past the request timeout) and still
        deliver a later one, so a message sent before the one ahead of it was known to be
        in Kafka could overtake it. After a failure the subject's later entries stay pending.
        """
        chain = _Chain()
        for entry in entries:
            envelope = Envelope.model_validate(entry["envelope"])
            try:
                self._check_lease()
                delivery = await producer.send(
                    entry["topic"], value=envelope.to_bytes(), key=envelope.subject.encode(),
                    headers=envelope.headers(),
                )
                await delivery
            except NEVER_PUBLISHABLE as exc:
                chain.dead.append((entry, exc))
                continue
            except Exception as exc:  # noqa: BLE001 - kept pending, retried after the backoff
                chain.error = exc
                return chain
            chain.sent.append(entry)
        return chain

    async def _mark_sent(self, sent: list[Document]) -> None:
        # One that a stalled relay's late acknowledgement finds already sent by the next
        # holder keeps that holder's copy.
        if sent:
            await self.outbox.mark_sent(sent)
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


@dataclass
class _Chain:
    """What became of one subject's entries in a batch."""

    sent: list[Document] = field(default_factory=list)
    dead: list[tuple[Document, BaseException]] = field(default_factory=list)
    error: Exception | None = None
