"""Kafka dies (SIGKILL) in the middle of a registration rush and comes back later.

Registration, agenda and recommendations run as processes on our own Kafka and
MongoDB. Concurrent registrations go to registration over HTTP; after a quarter of
them are answered the broker is killed, and it is started again (same port, same
data) once three quarters are answered. While it is down every service sees it
(`checks.kafka` false) and stays ready (/readyz 200). Afterwards: every acknowledged registration
is stored, every message it caused reaches the topic and the consumers, and each
effect is there once: one marker per message in agenda and recommendations, one mail
per registration (queued with it), one agenda projection per participant, the participants-by-region
indicator counting each confirmed participant once.
"""

import asyncio
import time
from collections import Counter
from typing import Any

import httpx
import pytest
from faults_support import (
    Attempt,
    FaultStack,
    Mongo,
    Services,
    conference_body,
    participant_body,
    read_all,
    register_all,
    seconds_since,
)

from recommendations.catalogue import PARTICIPANTS_BY_REGION
from shared.outbox import written
from support import at_once, envelope_of, eventually

RUSH = 400
CAPACITY = 150
CONCURRENCY = 24


@pytest.mark.faults
async def test_kafka_killed_mid_rush_loses_nothing_and_every_effect_happens_once(
    fault_stack: FaultStack, services: Services
) -> None:
    registration = services.add("registration")
    agenda = services.add("agenda")
    recommendations = services.add("recommendations")
    print(f"\nservices ready in {await services.start(registration, agenda, recommendations)} s")
    organizer = services.keys.jwt.headers("admin")
    async with httpx.AsyncClient(base_url=registration.url, timeout=60) as client:
        created = await client.post("/admin/conferences", json=conference_body(capacity=CAPACITY), headers=organizer)
        assert created.status_code == 201, created.text
        conference_id = created.json()["id"]

    bodies = [participant_body("outage") for _ in range(RUSH)]
    progress: list[Attempt] = []
    chaos: dict[str, float] = {}
    readiness: dict[str, int] = {}

    def answered() -> int:
        return sum(1 for a in progress if a.answered_at is not None)

    async def break_kafka() -> None:
        await eventually(lambda: at_once(answered() >= RUSH // 4), timeout=120, interval=0.02)
        chaos["killed_at"] = time.monotonic()
        chaos["killed_after"] = answered()
        await asyncio.to_thread(fault_stack.kill_kafka)
        readiness.update(await _readiness_once_kafka_seen_down([registration, agenda, recommendations]))
        await eventually(lambda: at_once(answered() >= 3 * RUSH // 4), timeout=180, interval=0.05)
        chaos["restart_from"] = time.monotonic()
        chaos["restart_after"] = answered()
        chaos["restart_took"] = await asyncio.to_thread(fault_stack.start_kafka)
        chaos["back_at"] = time.monotonic()

    began = time.monotonic()
    attempts, _ = await asyncio.gather(
        register_all(registration.url, conference_id, bodies, concurrency=CONCURRENCY, progress=progress),
        break_kafka())
    rush_took = seconds_since(began)

    acknowledged = [a for a in attempts if a.acknowledged]
    during_outage = [a for a in acknowledged if chaos["killed_at"] <= (a.answered_at or 0) <= chaos["back_at"]]
    refused = Counter(a.status or a.error for a in attempts if not a.acknowledged)
    print(f"tried: {RUSH} registrations ({CONCURRENCY} in flight) in {rush_took} s; Kafka SIGKILLed after "
          f"{chaos['killed_after']} answers, restarted after {chaos['restart_after']} (restart took "
          f"{chaos['restart_took']:.1f} s, down {chaos['back_at'] - chaos['killed_at']:.1f} s); "
          f"{len(acknowledged)} acknowledged, {len(during_outage)} of them while Kafka was down; "
          f"not acknowledged: {dict(refused)}")
    # The outbox makes Kafka's absence invisible to participants: every request is taken,
    # and no service left its Service's endpoints for it.
    print(f"/readyz while Kafka was down: {readiness}")
    assert readiness == {"registration": 200, "agenda": 200, "recommendations": 200}
    assert len(acknowledged) == RUSH, refused
    assert len(during_outage) > RUSH // 4, "the rush should have gone on while Kafka was down"

    mongo = Mongo(fault_stack.mongo_url)
    try:
        await _check(mongo, fault_stack, services, registration, agenda, recommendations, conference_id,
                     acknowledged)
    finally:
        await mongo.close()
    stops = services.stop_all()
    print(f"graceful stops (s): { {k: round(v, 1) for k, v in stops.items()} }")
    assert all(took < 20 for took in stops.values()), stops


async def _check(mongo: Mongo, fault_stack: FaultStack, services: Services, registration: Any, agenda: Any,
                 recommendations: Any, conference_id: str, acknowledged: list[Attempt]) -> None:
    reg_db = mongo[services.db_name(registration)]
    agenda_db = mongo[services.db_name(agenda)]
    recs_db = mongo[services.db_name(recommendations)]
    prefix = services.prefix

    # 1. Every acknowledged registration is stored as answered; the seat counter agrees.
    stored = {d["_id"]: d for d in await reg_db.registrations.find({"conference_id": conference_id}).to_list()}
    answers = {a.body["registration"]["id"]: a for a in acknowledged if a.body}
    missing = [rid for rid in answers if rid not in stored]
    assert not missing, f"{len(missing)} acknowledged registrations lost"
    assert len(stored) == len(answers) == len(acknowledged)
    assert all(stored[rid]["email"] == a.email and stored[rid]["status"] == a.body["registration"]["status"]
               for rid, a in answers.items() if a.body)
    statuses = Counter(d["status"] for d in stored.values())
    assert statuses == {"confirmed": CAPACITY, "waitlisted": len(stored) - CAPACITY}
    conference = await reg_db.conferences.find_one({"_id": conference_id})
    assert conference["taken"] == CAPACITY and conference["next_number"] == len(stored)

    # 2. The relay publishes everything once Kafka is back; the topic holds every message.
    async def drained() -> bool:
        return await reg_db.outbox.count_documents({"status": "pending"}) == 0

    await eventually(drained, timeout=120, interval=0.5)
    entries = await written(reg_db, {"topic": f"{prefix}registration.participants"})
    expected_ids = {e["_id"] for e in entries}
    assert len(expected_ids) == len(stored)  # one registered message each, with its status
    assert Counter(e["envelope"]["subject"] for e in entries) == dict.fromkeys(stored, 1)
    assert {e["envelope"]["subject"]: e["envelope"]["data"]["status"] for e in entries} == {
        rid: d["status"] for rid, d in stored.items()}
    records = await read_all(fault_stack.bootstrap, f"{prefix}registration.participants")
    ids_in_topic = Counter(envelope_of(r)["id"] for r in records)
    assert set(ids_in_topic) == expected_ids, "messages missing from (or foreign to) the topic"
    repeats_in_log = sum(n - 1 for n in ids_in_topic.values())

    # 3. Every consumer gets every message and keeps one effect each (registration's own mail
    # consumer reads none of these: a registration's mail is queued with it).
    participant_messages = len(expected_ids)
    conference_messages = 1
    wanted_markers = {
        "agenda": (agenda_db, f"{prefix}agenda:", participant_messages + conference_messages),
        "recommendations": (recs_db, f"{prefix}recommendations:", participant_messages + conference_messages),
    }
    for db, marker_prefix, count in wanted_markers.values():
        async def all_handled(db: Any = db, marker_prefix: str = marker_prefix, count: int = count) -> bool:
            return await db.processed_messages.count_documents({"_id": {"$regex": f"^{marker_prefix}"}}) >= count
        await eventually(all_handled, timeout=150, interval=0.5)
    for name, (db, marker_prefix, count) in wanted_markers.items():
        markers = await db.processed_messages.find({"_id": {"$regex": f"^{marker_prefix}"}}).to_list()
        assert len(markers) == count, (name, len(markers), count)

    # registration: one queued mail per registration, keyed by its registered message.
    mails = await reg_db.mails.find({}).to_list()
    assert Counter(m["_id"] for m in mails) == dict.fromkeys(expected_ids, 1)

    # agenda: one projection per participant, with the status registration gave.
    projection = {d["_id"]: d for d in await agenda_db.participants.find({}).to_list()}
    assert {rid: d["status"] for rid, d in projection.items()} == {rid: d["status"] for rid, d in stored.items()}

    # recommendations: each confirmed participant counted once, in their region; one value per
    # transaction that moved the count (a batch of participants), each a step up.
    indicator = await recs_db.indicators.find_one({"_id": PARTICIPANTS_BY_REGION})
    by_region = Counter(d["region"] for d in stored.values() if d["status"] == "confirmed")
    assert indicator["current"]["value"] == CAPACITY
    assert indicator["current"]["breakdown"] == dict(by_region)
    values = await recs_db.indicator_values.find({"indicator_id": PARTICIPANTS_BY_REGION}).sort("seq", 1).to_list()
    steps = [v["value"] for v in values]
    assert 1 <= indicator["version"] == len(values) <= CAPACITY
    assert steps == sorted(set(steps)) and steps[-1] == CAPACITY
    assert await recs_db.feed_registrations.count_documents({}) == len(stored)

    dropped = {p.name: p.metric("messages_consumed_total", outcome="duplicate") for p in (agenda, recommendations)}
    print(f"verified: {len(stored)} registrations stored (0 lost), {len(expected_ids)} participant messages "
          f"published and consumed by agenda and recommendations (0 missing); the log holds {repeats_in_log} "
          f"repeated publications, redeliveries dropped by markers {dropped}; {len(mails)} mails queued once each "
          f"with their registrations, "
          f"{len(projection)} agenda projections, indicator {indicator['current']['value']} with "
          f"{indicator['version']} values")


async def _readiness_once_kafka_seen_down(processes: list[Any]) -> dict[str, int]:
    """Each service's /readyz status once its producer has noticed that Kafka is gone."""
    async with httpx.AsyncClient(timeout=10) as client:
        async def seen_down(process: Any) -> int:
            async def answer() -> int:
                ready = await client.get(process.url + "/readyz")
                return ready.status_code if ready.json()["checks"]["kafka"] is False else 0

            return await eventually(answer, timeout=60, interval=0.2)

        codes = await asyncio.gather(*(seen_down(p) for p in processes))
    return {p.name: code for p, code in zip(processes, codes, strict=True)}
