"""Two relays on one outbox, against the real Kafka broker and MongoDB: however long a
batch takes, each entry reaches Kafka once."""

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import NotLeaderForPartitionError
from pymongo.asynchronous.client_session import AsyncClientSession
from sample_service import TOPIC, SampleSettings

from shared.envelope import make_envelope
from shared.kafka import ProducerHolder, ensure_topics
from shared.mongo import Indexes, make_client, run_in_transaction
from shared.observability import Metrics
from shared.outbox import Outbox, OutboxRelay, outbox_indexes
from support import Infra, Keys, eventually, read_topic, settings_for

SUBJECTS = 10
PER_SUBJECT = 6
SEND_DELAY = 0.25


class SlowSends:
    """The real producer, with each send held back as on a loaded machine."""

    def __init__(self, producer: AIOKafkaProducer, delay: float) -> None:
        self.producer = producer
        self.delay = delay

    async def send(self, *args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(self.delay)
        return await self.producer.send(*args, **kwargs)


class SlowProducers(ProducerHolder):
    def __init__(self, settings: SampleSettings, delay: float) -> None:
        super().__init__(settings)
        self.delay = delay

    async def get(self) -> Any:
        return SlowSends(await super().get(), self.delay)


class OneLostDelivery:
    """The real producer, except that the first message of one subject is lost as when its
    partition stays without a leader past the request timeout; the later ones go through."""

    def __init__(self, producer: AIOKafkaProducer, subject: bytes) -> None:
        self.producer = producer
        self.subject = subject
        self.lost = False

    async def send(self, *args: Any, key: bytes, **kwargs: Any) -> Any:
        if key == self.subject and not self.lost:
            self.lost = True
            failed: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            failed.set_exception(NotLeaderForPartitionError())
            return failed
        return await self.producer.send(*args, key=key, **kwargs)


class LosingProducers(ProducerHolder):
    def __init__(self, settings: SampleSettings, subject: str) -> None:
        super().__init__(settings)
        self.wrapper: OneLostDelivery | None = None
        self.subject = subject.encode()

    async def get(self) -> Any:
        if self.wrapper is None:
            self.wrapper = OneLostDelivery(await super().get(), self.subject)
        return self.wrapper


class StalledRenewals(OutboxRelay):
    """A relay whose writes to the lease stop being answered once it has taken the lease."""

    taken = False

    async def _hold_lease(self) -> bool:
        if self.taken:
            await asyncio.Event().wait()
        self.taken = await super()._hold_lease()
        return self.taken


@asynccontextmanager
async def outbox_of(settings: SampleSettings) -> AsyncIterator[Outbox]:
    client = make_client(settings.mongo_url)
    try:
        db = client[settings.database_name]
        indexes = Indexes({})
        outbox_indexes(indexes, settings.outbox_sent_retention_days)
        await indexes.create(db)
        await ensure_topics(settings, [settings.topic(TOPIC)])
        outbox = Outbox(settings, db)

        async def write(session: AsyncClientSession) -> None:
            for n in range(PER_SUBJECT):
                for s in range(SUBJECTS):
                    envelope = make_envelope(type="sample.note-written.v1", source="sample", subject=f"note-{s}",
                                             data={"note_id": f"note-{s}", "copies": n + 1})
                    await outbox.add(session, TOPIC, envelope)

        await run_in_transaction(client, write)
        yield outbox
    finally:
        await client.close()


async def relay_everything(settings: SampleSettings, relays: list[OutboxRelay], outbox: Outbox) -> list[Any]:
    for relay in relays:
        if relay._task is None:
            relay.start()
    try:
        await eventually(lambda: _all_sent(outbox), timeout=90)
    finally:
        await asyncio.gather(*(relay.stop() for relay in relays))
        await asyncio.gather(*(relay.producers.stop() for relay in relays))
    # Every entry is recorded sent, once.
    assert await outbox.collection.count_documents({"status": {"$ne": "sent"}}) == 0
    assert len(await outbox.written({"status": "sent"})) == SUBJECTS * PER_SUBJECT
    # Ask for more than were written, so that any repeat is read too.
    return await read_topic(settings.kafka_bootstrap_servers, settings.topic(TOPIC),
                            expect=2 * SUBJECTS * PER_SUBJECT, timeout=8)


async def _all_sent(outbox: Outbox) -> bool:
    return await outbox.collection.count_documents({"status": {"$ne": "sent"}}) == 0


def assert_once_and_in_order(records: list[Any]) -> None:
    envelopes = [json.loads(r.value) for r in records]
    repeats = {id_: n for id_, n in Counter(e["id"] for e in envelopes).items() if n > 1}
    assert not repeats, f"{len(repeats)} entries published more than once"
    assert len(envelopes) == SUBJECTS * PER_SUBJECT
    for s in range(SUBJECTS):
        copies = [e["data"]["copies"] for e in envelopes if e["subject"] == f"note-{s}"]
        assert copies == list(range(1, PER_SUBJECT + 1)), (s, copies)


async def test_two_relays_never_publish_an_entry_twice_when_a_batch_outlasts_the_lease(
    infra: Infra, keys: Keys
) -> None:
    # Each subject's 6 sends, 0.25 s apiece, make a batch of 1.5 s or more, against a lease of 1 s.
    settings = settings_for(SampleSettings, infra, keys, outbox_lease_seconds=1.0)
    async with outbox_of(settings) as outbox:
        relays = [OutboxRelay(settings, outbox.collection.database, outbox, SlowProducers(settings, SEND_DELAY),
                              Metrics("sample")) for _ in range(2)]
        records = await relay_everything(settings, relays, outbox)
    assert_once_and_in_order(records)


async def test_a_relay_whose_lease_runs_out_stops_publishing_before_another_takes_over(
    infra: Infra, keys: Keys
) -> None:
    settings = settings_for(SampleSettings, infra, keys, outbox_lease_seconds=1.0)
    async with outbox_of(settings) as outbox:
        db = outbox.collection.database
        stalled = StalledRenewals(settings, db, outbox, SlowProducers(settings, SEND_DELAY), Metrics("sample"))
        stalled.start()
        # The stalled relay takes the lease and is well into its batch before the other starts.
        await eventually(lambda: _lease_owner(outbox, stalled.owner), timeout=30, interval=0.01)
        await asyncio.sleep(0.3)
        healthy = OutboxRelay(settings, db, outbox, SlowProducers(settings, SEND_DELAY), Metrics("sample"))
        records = await relay_everything(settings, [stalled, healthy], outbox)
        taken_over = healthy.metrics.registry.get_sample_value(
            "messages_published_total", {"topic": settings.topic(TOPIC)})
        assert taken_over, "the healthy relay never published: the lease was not lost"
    assert_once_and_in_order(records)


async def _lease_owner(outbox: Outbox, owner: str) -> bool:
    lease = await outbox.collection.database["outbox_leases"].find_one({"_id": "relay"})
    return lease is not None and lease["owner"] == owner


async def test_entries_sent_together_move_to_outbox_sent_and_a_late_relay_keeps_the_first_record(
        infra: Infra, keys: Keys) -> None:
    settings = settings_for(SampleSettings, infra, keys)
    async with outbox_of(settings) as outbox:
        entries = await outbox.collection.find({"status": "pending"}).to_list()
        await outbox.mark_sent(entries[:20])
        await outbox.mark_sent(entries[20:21])
        first = {e["_id"]: e["sent_at"] for e in await outbox.written({"status": "sent"})}
        moved = {e["_id"] async for e in outbox.sent.find({})}
        # A relay that stalled after sending them all acknowledges them late.
        await outbox.mark_sent(entries)
        records = {e["_id"]: e["sent_at"] for e in await outbox.written({"status": "sent"})}
        assert await outbox.collection.count_documents({"status": "pending"}) == 0
        # A lone entry is marked where it is.
        marked = await outbox.collection.find_one({"_id": entries[20]["_id"]})
    assert moved == {e["_id"] for e in entries[:20]} and marked["status"] == "sent"
    assert len(records) == len(entries) == SUBJECTS * PER_SUBJECT
    assert all(records[entry_id] == sent_at for entry_id, sent_at in first.items())


async def test_a_message_that_fails_for_a_while_is_not_overtaken_by_later_ones_of_its_subject(
    infra: Infra, keys: Keys
) -> None:
    settings = settings_for(SampleSettings, infra, keys)
    async with outbox_of(settings) as outbox:
        relay = OutboxRelay(settings, outbox.collection.database, outbox, LosingProducers(settings, "note-3"),
                            Metrics("sample"))
        records = await relay_everything(settings, [relay], outbox)
    assert_once_and_in_order(records)
