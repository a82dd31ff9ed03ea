"""A rush of registration's participant messages: the participants indicator moves once per batch.

The messages are built with registration's own classes and written before the service starts,
so that its consumer fetches many of them together.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

from aiokafka import AIOKafkaProducer
from recommendations_factories import participant

from recommendations.app import create_app
from recommendations.settings import Settings
from shared.envelope import Envelope
from shared.kafka import dlq_topic, ensure_topics
from support import Infra, Keys, eventually, read_topic, running, settings_for

PARTICIPANTS = "registration.participants"
INDICATORS = "recommendations.indicators"
BY_REGION = "ind-r21-participants-by-region"
REGIONS = ("souss-massa", "oriental", "fes-meknes", "dakhla-oued-ed-dahab")
REGISTRATIONS = 200


async def produce_all(bootstrap: str, topic: str, envelopes: list[Envelope]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=50, max_batch_size=1 << 20)
    await producer.start()
    try:
        sent = [await producer.send(topic, value=e.to_bytes(), key=e.subject.encode()) for e in envelopes]
        for delivery in sent:
            await delivery
    finally:
        await producer.stop()


def rush() -> tuple[list[Envelope], dict[str, int]]:
    """200 arrivals over four regions (every fifth waitlisted, then half of those promoted, every
    seventh confirmed one cancelled, some checked in) and the breakdown they end with."""
    at = datetime.now(UTC) - timedelta(minutes=5)
    messages: list[Envelope] = []
    later: list[Envelope] = []
    breakdown: dict[str, int] = {}
    for n in range(REGISTRATIONS):
        rid, region = f"reg-{n:03d}", REGIONS[n % len(REGIONS)]
        waitlisted = n % 5 == 0
        messages.append(participant("registered", rid, "waitlisted" if waitlisted else "confirmed", region, at))
        counted = not waitlisted
        if waitlisted and n % 10 == 0:
            later.append(participant("promoted", rid, "confirmed", region, at + timedelta(seconds=5), version=2))
            counted = True
        elif not waitlisted and n % 7 == 0:
            later.append(participant("cancelled", rid, "cancelled", region, at + timedelta(seconds=5), version=2))
            counted = False
        elif not waitlisted and n % 3 == 0:
            later.append(participant("checked-in", rid, "confirmed", region, at + timedelta(seconds=5), version=2))
        if counted:
            breakdown[region] = breakdown.get(region, 0) + 1
    return messages + later, breakdown


def sample(platform: Any, name: str, labels: dict[str, str]) -> float:
    return platform.metrics.registry.get_sample_value(name, labels) or 0.0


async def test_a_rush_moves_the_participants_indicator_once_per_batch_and_a_redelivery_changes_nothing(
        infra: Infra, keys: Keys) -> None:
    settings = settings_for(Settings, infra, keys)
    topic = settings.topic(PARTICIPANTS)
    await ensure_topics(settings, [topic, dlq_topic(topic)])
    messages, breakdown = rush()
    # A check-in changes no status: it is not read, so neither marked nor counted as a duplicate.
    check_ins = [m for m in messages if m.type == "registration.participant-checked-in.v1"]
    assert check_ins
    await produce_all(infra.kafka_bootstrap, topic, messages)
    app = create_app(settings)
    async with running(app) as client:
        platform = app.state.platform
        group = {"group": settings.group("recommendations")}

        async def at_the_end() -> Any:
            body = (await client.get(f"/indicators/{BY_REGION}")).json()
            current = body.get("current") or {}
            return body if current.get("breakdown") == breakdown else None

        detail = await eventually(at_the_end)
        transactions = sample(platform, "tadamon_consumer_batches_total", group)
        regions = (await client.get("/indicators/ind-r21-regions-represented")).json()
        await produce_all(infra.kafka_bootstrap, topic, messages)  # redelivered, as after a crash

        async def duplicates() -> float:
            counted = sample(platform, "messages_consumed_total", {"topic": topic, "outcome": "duplicate"})
            skipped = sample(platform, "messages_consumed_total", {"topic": topic, "outcome": "ignored"})
            return counted if counted >= len(messages) - len(check_ins) and skipped >= 2 * len(check_ins) else 0.0

        await eventually(duplicates)
        again = (await client.get(f"/indicators/{BY_REGION}")).json()
    published = await read_topic(infra.kafka_bootstrap, settings.topic(INDICATORS),
                                 expect=len(messages), timeout=5)
    values = detail["values"]
    assert detail["current"]["value"] == sum(breakdown.values())
    assert 1 <= transactions <= len(messages) / 10, f"{transactions} transactions for {len(messages)} messages"
    # one history value (and one message) per transaction that moved it, not one per registration
    assert 1 <= len(values) <= transactions
    assert [v["seq"] for v in values] == list(range(1, len(values) + 1))
    assert regions["current"]["value"] == len(REGIONS)
    assert len(published) == len(values) + len(regions["values"])
    assert again["values"] == values
    assert sample(platform, "messages_consumed_total", {"topic": topic, "outcome": "ignored"}) == 2 * len(check_ins)
