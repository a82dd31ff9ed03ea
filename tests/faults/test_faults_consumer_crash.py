"""A consumer is SIGKILLed after handling messages and before committing their offsets.

The runner commits a partition's offset once every record of the batch it fetched
has had its effect, so a batch of one partition is a window in which effects are
in MongoDB and the group's committed offset has not moved yet. The records of a
fetch are applied in shared transactions; here of 10 messages each
(CONSUMER_BATCH_MESSAGES), so that a fetch of 100 records commits ten of them
before its offset: with one transaction for the whole fetch the window would be
the few milliseconds between that transaction and the offset. The test sends
registration's participant messages as one batch to one partition of the
recommendations service's topic, pauses the process (SIGSTOP) as soon as the first
effects are visible, checks that it stopped inside that window (effects past the
committed offset), and SIGKILLs it. The process started again gets the uncommitted
messages again: the ones already applied are skipped by their idempotency marker
(counted as ``duplicate`` in its metrics), the others are applied, and every effect
is there exactly once. The messages whose transaction was open at the kill are held
by that transaction's locks until the server expires it (60 s, as mongod's
transactionLifetimeLimitSeconds); the consumer waits for it instead of
dead-lettering it.
"""

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from faults_support import (
    REGION_CODES,
    FaultStack,
    Mongo,
    Services,
    committed_total,
    end_offsets,
    envelope_record,
    produce,
    seconds_since,
)

from recommendations.catalogue import PARTICIPANTS_BY_REGION
from registration.events import PARTICIPANTS, ParticipantConfirmed
from shared.envelope import Envelope
from support import eventually, unique

# The runner fetches at most 100 records at a time (max_poll_records): one batch, one commit at its end.
MESSAGES = 100
# Messages per consumer transaction: ten transactions commit their effects before the fetch's offset.
BATCH_MESSAGES = 10


def confirmed(n: int, conference_id: str) -> Envelope:
    registration_id = unique(f"r{n}")
    data = ParticipantConfirmed(registration_id=registration_id, conference_id=conference_id, status="confirmed",
                                category="participant", region=REGION_CODES[n % len(REGION_CODES)], gender="female",
                                age_band="25_34", language="fr", at=datetime.now(UTC), version=1)
    return Envelope(type=ParticipantConfirmed.message_type, source="registration", subject=registration_id,
                    data=data.model_dump(mode="json"))


@pytest.mark.faults
async def test_consumer_killed_before_committing_applies_the_redelivery_once(
    fault_stack: FaultStack, services: Services
) -> None:
    recommendations = services.add("recommendations", CONSUMER_BATCH_MESSAGES=str(BATCH_MESSAGES))
    await services.start(recommendations)
    topic = f"{services.prefix}{PARTICIPANTS}"
    group = f"{services.prefix}recommendations"
    messages = [confirmed(n, "conf-crash") for n in range(MESSAGES)]

    mongo = Mongo(fault_stack.mongo_url)
    db = mongo[services.db_name(recommendations)]
    try:
        async def markers() -> int:
            return int(await db.processed_messages.count_documents({"_id": {"$regex": f"^{group}:"}}))

        # All on partition 0, appended as one batch: the consumer fetches them together.
        offsets = await produce(fault_stack.bootstrap, topic, [envelope_record(m) for m in messages], partition=0)
        assert offsets == list(range(MESSAGES))
        await eventually(markers, timeout=60, interval=0.005)
        recommendations.pause()
        killed_pid = recommendations.pid
        committed_at_pause = await committed_total(fault_stack.bootstrap, group, topic)
        recommendations.kill()
        applied = await _settled(markers)
        print(f"\ntried: {MESSAGES} participant messages in one batch on one partition; recommendations "
              f"SIGSTOPped then SIGKILLed (PID {killed_pid}) with {applied} applied and the group's committed "
              f"offset at {committed_at_pause}")
        assert committed_at_pause < applied <= MESSAGES, "the kill should land between effects and their commit"
        assert await committed_total(fault_stack.bootstrap, group, topic) == committed_at_pause

        began = time.monotonic()
        await services.start(recommendations)
        assert recommendations.pid != killed_pid
        await eventually(lambda: _equals(markers(), MESSAGES), timeout=150, interval=0.5)
        redelivered_in = seconds_since(began)
        await eventually(lambda: _equals(committed_total(fault_stack.bootstrap, group, topic), MESSAGES),
                         timeout=30, interval=0.5)
        await _check_effects(db, group, messages)
    finally:
        await mongo.close()

    skipped = recommendations.metric("messages_consumed_total", topic=topic, outcome="duplicate")
    handled = recommendations.metric("messages_consumed_total", topic=topic, outcome="handled")
    dead = recommendations.metric("messages_consumed_total", topic=topic, outcome="dead_lettered")
    dlq = await end_offsets(fault_stack.bootstrap, topic + ".dlq")
    restarted_log = recommendations.log.read_text(errors="replace").rsplit("--- starting", 1)[-1]
    waits = restarted_log.count("database unavailable")
    print(f"verified: after the restart {MESSAGES - committed_at_pause} messages were delivered again and done in "
          f"{redelivered_in} s ({waits} waits for the write locks of the transaction the kill left open): "
          f"{skipped:.0f} skipped by their marker, {handled:.0f} applied, {dead:.0f} dead-lettered ({dlq} records "
          f"in the DLQ); {MESSAGES} markers, the indicator counts {MESSAGES} participants with {MESSAGES} values, "
          f"each participant once; 0 lost, 0 applied twice")
    assert skipped == applied - committed_at_pause
    assert handled == MESSAGES - applied
    assert dead == 0 and dlq == 0
    took = recommendations.stop()
    assert took < 20, f"graceful stop took {took} s"


async def _settled(count: Callable[[], Awaitable[int]]) -> int:
    """The count once it stopped moving: the server may still finish a commit the killed process had sent."""
    last = await count()
    while True:
        await asyncio.sleep(0.5)
        now = await count()
        if now == last:
            return now
        last = now


async def _check_effects(db: Any, group: str, messages: list[Envelope]) -> None:
    markers = await db.processed_messages.find({"_id": {"$regex": f"^{group}:"}}).to_list()
    assert sorted(m["_id"].removeprefix(f"{group}:") for m in markers) == sorted(m.id for m in messages)
    assert await db.feed_registrations.count_documents({}) == len(messages)
    indicator = await db.indicators.find_one({"_id": PARTICIPANTS_BY_REGION})
    assert indicator["current"]["value"] == len(messages)
    assert indicator["current"]["breakdown"] == dict(Counter(m.data["region"] for m in messages))
    # One value pushed per transaction that moved the count (a batch of participants), each a step
    # up: a second application would have counted someone twice or pushed a step of nothing.
    values = await db.indicator_values.find({"indicator_id": PARTICIPANTS_BY_REGION}).sort("seq", 1).to_list()
    steps = [v["value"] for v in values]
    assert 1 <= indicator["version"] == len(values) <= len(messages)
    assert steps == sorted(set(steps)) and steps[-1] == len(messages)


async def _equals(value: Awaitable[int], wanted: int) -> bool:
    return await value == wanted

