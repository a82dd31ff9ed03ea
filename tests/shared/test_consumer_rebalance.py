"""A consumer whose group rebalanced while it applied a fetch, against a real Kafka broker and MongoDB.

Its commit is refused: the partition went to another member meanwhile. That is no outage:
the consumer carries on, gets the records again once the partition is back, and its
markers drop what was applied.
"""

import asyncio
import logging
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from sample_service import TOPIC, NoteRead, NoteWritten, SampleSettings

from shared.consumer import ConsumerSpec, Delivery
from shared.consumer_runner import ConsumerRunner
from shared.envelope import message_envelope
from shared.kafka import ProducerHolder, ensure_topics
from shared.mongo import make_client
from shared.observability import Metrics
from support import Infra, Keys, at_once, eventually, settings_for

NOTES = [f"note-{n}" for n in range(5)]


async def test_a_commit_refused_after_a_rebalance_leaves_the_consumer_running_and_applies_each_message_once(
        infra: Infra, keys: Keys, caplog: pytest.LogCaptureFixture) -> None:
    settings = settings_for(SampleSettings, infra, keys)
    topic, group = settings.topic(TOPIC), settings.group("slow-reader")
    await ensure_topics(settings, [topic], partitions=1)
    producer = AIOKafkaProducer(bootstrap_servers=infra.kafka_bootstrap, acks="all", linger_ms=50)
    await producer.start()
    try:
        for note_id in NOTES:
            envelope = message_envelope(NoteWritten(note_id=note_id, copies=1), source="sample", subject=note_id)
            await producer.send_and_wait(topic, envelope.to_bytes(), key=b"one")
    finally:
        await producer.stop()

    client = make_client(settings.mongo_url)
    db = client[settings.database_name]
    spec: ConsumerSpec[Any] = ConsumerSpec(group="slow-reader", topics=[TOPIC])
    entered, released = asyncio.Event(), asyncio.Event()

    @spec.on(NoteRead)
    async def on_note(data: NoteRead, delivery: Delivery[Any]) -> None:
        if not entered.is_set():  # the first call waits while the group rebalances
            entered.set()
            await asyncio.wait_for(released.wait(), 60)
        await db.effects.update_one({"_id": data.note_id}, {"$inc": {"applied": 1}}, upsert=True,
                                    session=delivery.session)

    metrics = Metrics("sample")
    runner = ConsumerRunner(settings=settings, spec=spec, context=None, client=client, db=db,
                            producers=ProducerHolder(settings), metrics=metrics)

    def sample(name: str, labels: dict[str, str]) -> float:
        return metrics.registry.get_sample_value(name, labels) or 0.0

    # Another member of the group; sorted first by its id, it is given the topic's one partition.
    other = AIOKafkaConsumer(topic, bootstrap_servers=infra.kafka_bootstrap, group_id=group, client_id="a-other",
                             enable_auto_commit=False, auto_offset_reset="earliest", session_timeout_ms=6000,
                             heartbeat_interval_ms=500)
    caplog.set_level(logging.INFO, logger="shared.consumer_runner")
    runner.start()
    try:
        await asyncio.wait_for(entered.wait(), 60)
        await other.start()

        async def holds_the_partition() -> bool:
            await other.getmany(timeout_ms=200)
            return TopicPartition(topic, 0) in other.assignment()

        await eventually(holds_the_partition, timeout=60)
        released.set()
        refused = await eventually(lambda: at_once(sample("tadamon_consumer_commits_refused_total",
                                                            {"group": group})), timeout=30)
        await other.stop()  # the partition comes back to the runner, from the last committed offset

        async def dropped() -> float:
            return await at_once(sample("messages_consumed_total", {"topic": topic, "outcome": "duplicate"}))

        duplicates = await eventually(dropped, timeout=60)
        applied = {doc["_id"]: doc["applied"] async for doc in db.effects.find({})}
    finally:
        released.set()
        await other.stop()
        await runner.stop()
        await client.close()
    assert refused >= 1
    assert applied == dict.fromkeys(NOTES, 1)
    assert duplicates >= 1  # the records came again, and the markers dropped them
    messages = [record.getMessage() for record in caplog.records if record.name == "shared.consumer_runner"]
    assert not [m for m in messages if "restarting" in m], messages
    assert any("not committed after a rebalance" in m for m in messages), messages
