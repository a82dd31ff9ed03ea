"""Batched consumption against a real Kafka broker and MongoDB.

The messages are written to the topic before the consumer starts (or while it waits),
on one key, so that one fetch of one partition brings them together.
"""

from typing import Any

from aiokafka import AIOKafkaProducer
from pymongo import AsyncMongoClient
from sample_service import TOPIC, NoteWritten, SampleSettings, create_app

from shared.envelope import Envelope, message_envelope
from shared.kafka import dlq_topic, ensure_topics
from support import Infra, Keys, eventually, read_topic, running, settings_for

KEY = b"one-partition"


def note(note_id: str, *, fail: bool = False) -> Envelope:
    return message_envelope(NoteWritten(note_id=note_id, copies=1, fail=fail), source="sample", subject=note_id)


async def produce_together(bootstrap: str, topic: str, envelopes: list[Envelope]) -> None:
    """Send ``envelopes`` in order on one key, in as few produce requests as they fit in."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=50, max_batch_size=1 << 20)
    await producer.start()
    try:
        sent = [await producer.send(topic, value=e.to_bytes(), key=KEY) for e in envelopes]
        for delivery in sent:
            await delivery
    finally:
        await producer.stop()


async def effects(mongo_url: str, db: str) -> dict[str, int]:
    """How many times each note's handler had its effect."""
    client: AsyncMongoClient[Any] = AsyncMongoClient(mongo_url)
    try:
        return {doc["_id"]: doc["applied"] async for doc in client[db].effects.find({})}
    finally:
        await client.close()


def sample(platform: Any, name: str, labels: dict[str, str]) -> float:
    return platform.metrics.registry.get_sample_value(name, labels) or 0.0


async def prepared(infra: Infra, keys: Keys, **overrides: Any) -> SampleSettings:
    settings = settings_for(SampleSettings, infra, keys, **overrides)
    await ensure_topics(settings, [settings.topic(TOPIC), dlq_topic(settings.topic(TOPIC))])
    return settings


async def test_messages_of_one_fetch_are_applied_in_far_fewer_transactions_than_messages(
        infra: Infra, keys: Keys) -> None:
    settings = await prepared(infra, keys)
    ids = [f"batch-{n}" for n in range(60)]
    await produce_together(infra.kafka_bootstrap, settings.topic(TOPIC), [note(i) for i in ids])
    async with running(create_app(settings)) as client:
        platform = client._transport.app.state.platform  # type: ignore[attr-defined]
        seen = await eventually(lambda: _all_there(infra, settings, ids))
        group = {"group": settings.group("sample-reader")}
        transactions = sample(platform, "tadamon_consumer_batches_total", group)
        in_batches = sample(platform, "tadamon_consumer_batch_size_sum", group)
        handled = sample(platform, "messages_consumed_total", {"topic": settings.topic(TOPIC), "outcome": "handled"})
    assert seen == dict.fromkeys(ids, 1)
    assert in_batches == handled == len(ids)
    assert 1 <= transactions <= len(ids) / 10, f"{transactions} transactions for {len(ids)} messages"


async def test_poison_message_inside_a_batch_goes_to_the_dlq_alone_and_the_others_are_applied_once(
        infra: Infra, keys: Keys) -> None:
    settings = await prepared(infra, keys, consumer_retry_seconds=[0.05, 0.05])
    topic = settings.topic(TOPIC)
    before, after = [f"before-{n}" for n in range(10)], [f"after-{n}" for n in range(10)]
    envelopes = [note(i) for i in before] + [note("doomed", fail=True)] + [note(i) for i in after]
    await produce_together(infra.kafka_bootstrap, topic, envelopes)
    async with running(create_app(settings)) as client:
        platform = client._transport.app.state.platform  # type: ignore[attr-defined]
        seen = await eventually(lambda: _all_there(infra, settings, before + after))
        outcomes = {o: sample(platform, "messages_consumed_total", {"topic": topic, "outcome": o})
                    for o in ("handled", "duplicate", "dead_lettered")}
    assert seen == dict.fromkeys(before + after, 1)
    assert outcomes == {"handled": 20, "duplicate": 0, "dead_lettered": 1}
    dead = await read_topic(infra.kafka_bootstrap, dlq_topic(topic), expect=2, timeout=3)
    assert [Envelope.from_bytes(r.value).data["note_id"] for r in dead] == ["doomed"]
    headers = dict(dead[0].headers)
    assert headers["dlq_error_type"] == b"RuntimeError" and headers["dlq_attempts"] == b"3"


async def test_redelivered_batch_applies_nothing_twice(infra: Infra, keys: Keys) -> None:
    settings = await prepared(infra, keys)
    topic = settings.topic(TOPIC)
    first = [note(f"first-{n}") for n in range(20)]
    fresh = [note(f"fresh-{n}") for n in range(10)]
    await produce_together(infra.kafka_bootstrap, topic, first)
    async with running(create_app(settings)) as client:
        platform = client._transport.app.state.platform  # type: ignore[attr-defined]
        await eventually(lambda: _all_there(infra, settings, [e.subject for e in first]))
        # The same messages again (as after a crash before the offset commit), mixed with new ones.
        await produce_together(infra.kafka_bootstrap, topic, [*first[:10], *fresh, *first[10:]])
        ids = [e.subject for e in first + fresh]
        seen = await eventually(lambda: _all_there(infra, settings, ids))

        async def duplicates_counted() -> float:
            counted = sample(platform, "messages_consumed_total", {"topic": topic, "outcome": "duplicate"})
            return counted if counted >= len(first) else 0.0

        duplicates = await eventually(duplicates_counted)
        handled = sample(platform, "messages_consumed_total", {"topic": topic, "outcome": "handled"})
    assert seen == dict.fromkeys(ids, 1)
    assert duplicates == 20 and handled == 30


async def _all_there(infra: Infra, settings: SampleSettings, ids: list[str]) -> dict[str, int] | None:
    seen = await effects(infra.mongo_url, settings.mongo_db)
    return seen if set(ids) <= set(seen) else None
