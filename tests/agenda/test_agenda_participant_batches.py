"""A rush of registration's participant messages: the agenda follows it in bulk, a batch at a time.

The messages are built with registration's own classes and written before the agenda starts
(or while it runs), so that its consumer fetches many of them together.
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from agenda_factories import participant_message
from aiokafka import AIOKafkaProducer
from pymongo import AsyncMongoClient

from agenda.app import create_app
from agenda.settings import Settings
from registration.events import ParticipantPromoted, ParticipantRegistered, ParticipantWaitlisted
from shared.envelope import Envelope
from shared.kafka import dlq_topic, ensure_topics
from shared.signing import Signer
from support import Infra, Keys, eventually, read_topic, running, settings_for

PARTICIPANTS = "registration.participants"
REGISTRATIONS = 200


async def produce_all(bootstrap: str, topic: str, envelopes: list[Envelope], key: bytes | None = None) -> None:
    """Send ``envelopes`` in order (on their subject, or all on ``key``) in as few requests as they fit in."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=50, max_batch_size=1 << 20)
    await producer.start()
    try:
        sent = [await producer.send(topic, value=e.to_bytes(), key=key or e.subject.encode()) for e in envelopes]
        for delivery in sent:
            await delivery
    finally:
        await producer.stop()


async def prepared(infra: Infra, keys: Keys, tmp: Path, **overrides: Any) -> Settings:
    key_file = tmp / "registration_public.pem"
    key_file.write_text(Signer.from_file_or_new("").public_pem())
    settings = settings_for(Settings, infra, keys, registration_public_key_file=str(key_file), **overrides)
    topic = settings.topic(PARTICIPANTS)
    await ensure_topics(settings, [topic, dlq_topic(topic)])
    return settings


def rush(conference_id: str) -> list[Envelope]:
    """200 arrivals, a quarter waitlisted then promoted, each promotion followed by a late older fact."""
    at = datetime.now(UTC) - timedelta(minutes=5)
    ids = [f"reg-{n:03d}" for n in range(REGISTRATIONS)]
    arrivals = [participant_message(r, conference_id, ParticipantRegistered,
                                    status="waitlisted" if n % 4 == 0 else "confirmed", at=at)
                for n, r in enumerate(ids)]
    later = at + timedelta(seconds=30)
    promotions = [participant_message(r, conference_id, ParticipantPromoted, at=later, version=2) for r in ids[::4]]
    # An earlier version of registration's second message, arriving after the promotion: older, ignored.
    stale = [participant_message(r, conference_id, ParticipantWaitlisted, status="waitlisted", at=at + timedelta(
        seconds=40)) for r in ids[::4]]
    return arrivals + promotions + stale


async def projection(infra: Infra, settings: Settings) -> dict[str, tuple[str, int]]:
    client: AsyncMongoClient[Any] = AsyncMongoClient(infra.mongo_url)
    try:
        return {doc["_id"]: (doc["status"], doc["version"])
                async for doc in client[settings.mongo_db].participants.find({})}
    finally:
        await client.close()


def sample(platform: Any, name: str, labels: dict[str, str]) -> float:
    return platform.metrics.registry.get_sample_value(name, labels) or 0.0


async def test_a_rush_of_registrations_is_followed_in_far_fewer_transactions_and_writes_than_messages(
        infra: Infra, keys: Keys, tmp_path: Path) -> None:
    settings = await prepared(infra, keys, tmp_path)
    messages = rush("ess-rush")
    await produce_all(infra.kafka_bootstrap, settings.topic(PARTICIPANTS), messages)
    expected = {f"reg-{n:03d}": ("confirmed", 2 if n % 4 == 0 else 1) for n in range(REGISTRATIONS)}

    async def complete() -> dict[str, tuple[str, int]] | None:
        seen = await projection(infra, settings)
        return seen if seen == expected else None

    app = create_app(settings)
    async with running(app):
        platform = app.state.platform
        group = {"group": settings.group("agenda")}
        topic = {"topic": settings.topic(PARTICIPANTS)}
        await eventually(complete)
        transactions = sample(platform, "tadamon_consumer_batches_total", group)
        calls = sample(platform, "tadamon_consumer_handler_calls_total", group)
        handled = sample(platform, "messages_consumed_total", {**topic, "outcome": "handled"})
    assert handled == len(messages)
    assert 1 <= transactions <= len(messages) / 10, f"{transactions} transactions for {len(messages)} messages"
    # each call reads the projection once and writes it once
    assert 1 <= calls <= len(messages) / 10, f"{calls} handler calls for {len(messages)} messages"


async def test_a_redelivered_rush_changes_nothing(infra: Infra, keys: Keys, tmp_path: Path) -> None:
    settings = await prepared(infra, keys, tmp_path)
    messages = rush("ess-again")
    await produce_all(infra.kafka_bootstrap, settings.topic(PARTICIPANTS), messages)
    app = create_app(settings)
    async with running(app):
        platform = app.state.platform
        group = {"group": settings.group("agenda")}
        topic = {"topic": settings.topic(PARTICIPANTS)}

        async def handled_all() -> float:
            handled = sample(platform, "messages_consumed_total", {**topic, "outcome": "handled"})
            return handled if handled == len(messages) else 0.0

        await eventually(handled_all)
        before = await projection(infra, settings)
        calls = sample(platform, "tadamon_consumer_handler_calls_total", group)
        # The same messages again, as after a crash before the offsets were committed.
        await produce_all(infra.kafka_bootstrap, settings.topic(PARTICIPANTS), messages)

        async def duplicates() -> float:
            counted = sample(platform, "messages_consumed_total", {**topic, "outcome": "duplicate"})
            return counted if counted >= len(messages) else 0.0

        duplicated = await eventually(duplicates)
        after = await projection(infra, settings)
        calls_after = sample(platform, "tadamon_consumer_handler_calls_total", group)
    assert duplicated == len(messages)
    assert after == before and len(after) == REGISTRATIONS
    assert calls_after == calls


async def test_a_poison_message_in_a_batch_goes_to_the_dlq_alone(infra: Infra, keys: Keys, tmp_path: Path) -> None:
    settings = await prepared(infra, keys, tmp_path, consumer_retry_seconds=[0.05, 0.05])
    topic = settings.topic(PARTICIPANTS)
    good = [participant_message(f"ok-{n}", "ess-poison", ParticipantRegistered) for n in range(30)]
    # A version MongoDB cannot store (past 64 bits): fits the reader, fails every write.
    poison = participant_message("doomed", "ess-poison", ParticipantRegistered, version=2 ** 70)
    await produce_all(infra.kafka_bootstrap, topic, [*good[:15], poison, *good[15:]], key=b"one-partition")
    app = create_app(settings)
    async with running(app):
        platform = app.state.platform

        async def all_good() -> dict[str, tuple[str, int]] | None:
            seen = await projection(infra, settings)
            return seen if len(seen) == len(good) else None

        seen = await eventually(all_good)
        outcomes = {o: sample(platform, "messages_consumed_total", {"topic": topic, "outcome": o})
                    for o in ("handled", "duplicate", "dead_lettered")}
    assert seen == {e.subject: ("confirmed", 1) for e in good}
    assert outcomes == {"handled": 30, "duplicate": 0, "dead_lettered": 1}
    dead = await read_topic(infra.kafka_bootstrap, dlq_topic(topic), expect=2, timeout=3)
    assert [Envelope.from_bytes(r.value).subject for r in dead] == ["doomed"]
