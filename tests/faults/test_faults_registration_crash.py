"""The registration process is SIGKILLed in the middle of a rush and started again on the same port.

Clients behave like participants facing a crashed server: a request that got no
answer (refused while the process is down, or cut in flight by the kill) or a 503
is sent again until another answer comes. The killed process usually leaves a
transaction open on the conference's seat counter; MongoDB (and SecantusDB) keep
it, and its write lock, until it expires (transactionLifetimeLimitSeconds, 60 s),
so for up to a minute registrations to that conference are refused with 503
``temporarily_unavailable`` and Retry-After, and then go through. A request cut in flight is in doubt: its transaction
may or may not have committed, so its retry answers 201 (it had not) or 409
``already_registered`` (it had). Afterwards nothing acknowledged is lost and nothing
is half-written: the seat counters, the registration numbers and the outbox agree
exactly with the registrations stored, and the restarted process publishes every
message (taking over the killed process's outbox lease).
"""

import asyncio
import time
from collections import Counter

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

from shared.outbox import written
from support import envelope_of, eventually

RUSH = 400
CAPACITY = 150
CONCURRENCY = 24


@pytest.mark.faults
async def test_registration_killed_mid_rush_keeps_every_acknowledged_registration_whole(
    fault_stack: FaultStack, services: Services
) -> None:
    registration = services.add("registration")
    await services.start(registration)
    async with httpx.AsyncClient(base_url=registration.url, timeout=60) as client:
        created = await client.post("/admin/conferences", json=conference_body(capacity=CAPACITY),
                                    headers=services.keys.jwt.headers("admin"))
        assert created.status_code == 201, created.text
        conference_id = created.json()["id"]

    bodies = [participant_body("crash") for _ in range(RUSH)]
    progress: list[Attempt] = []
    chaos: dict[str, float] = {}

    async def crash_and_restart() -> None:
        async def a_third_answered() -> bool:
            return sum(1 for a in progress if a.answered_at is not None) >= RUSH // 3

        await eventually(a_third_answered, timeout=120, interval=0.02)
        chaos["killed_after"] = sum(1 for a in progress if a.answered_at is not None)
        killed_pid = registration.pid
        registration.kill()
        chaos["restart_took"] = await asyncio.to_thread(registration.start)
        assert registration.pid != killed_pid

    began = time.monotonic()
    attempts, _ = await asyncio.gather(
        register_all(registration.url, conference_id, bodies, concurrency=CONCURRENCY, progress=progress,
                     persist_for=150),
        crash_and_restart())
    rush_took = seconds_since(began)

    outcome = Counter(a.status for a in attempts)
    in_doubt = [a for a in attempts if a.cut]
    print(f"\ntried: {RUSH} registrations ({CONCURRENCY} in flight) in {rush_took} s; registration SIGKILLed after "
          f"{chaos['killed_after']} answers and restarted in {chaos['restart_took']:.1f} s; "
          f"{sum(a.refused for a in attempts)} tries refused while it was down, {len(in_doubt)} requests cut in "
          f"flight, {sum(a.unavailable for a in attempts)} answers 503 (all retried); final answers {dict(outcome)}")
    # Every participant ends with an answer: 201, or 409 for a cut request whose first try had committed.
    assert all(a.status == 201 or (a.status == 409 and a.cut) for a in attempts), \
        [(a.status, a.cut, a.body) for a in attempts if a.status != 201][:5]
    assert in_doubt, "the kill should have cut requests in flight"

    mongo = Mongo(fault_stack.mongo_url)
    db = mongo[services.db_name(registration)]
    try:
        stored = await db.registrations.find({"conference_id": conference_id}).to_list()
        by_email = {d["email"]: d for d in stored}
        acknowledged = {a.body["registration"]["id"]: a for a in attempts if a.acknowledged and a.body}
        lost = [rid for rid in acknowledged if rid not in {d["_id"] for d in stored}]
        assert not lost, f"{len(lost)} acknowledged registrations lost"
        # The in-doubt ones that answered 409 had committed before the kill: they are there, whole.
        committed_before_kill = [a for a in attempts if a.status == 409]
        assert all(a.email in by_email for a in committed_before_kill)
        assert len(stored) == len(by_email) == RUSH, "one registration per participant, none twice"

        # No half-written registration: counters, numbers and outbox match the registrations exactly.
        conference = await db.conferences.find_one({"_id": conference_id})
        holding = [d for d in stored if d["status"] in ("confirmed", "pending")]
        assert conference["taken"] == len(holding) == CAPACITY
        assert conference["taken_by_category"] == dict(Counter(d["category"] for d in holding))
        assert sorted(d["number"] for d in stored) == list(range(1, RUSH + 1))
        assert conference["next_number"] == RUSH
        assert Counter(d["status"] for d in stored) == {"confirmed": CAPACITY, "waitlisted": RUSH - CAPACITY}

        entries = await written(db, {"topic": f"{services.prefix}registration.participants"})
        per_registration: dict[str, list[tuple[str, str]]] = {}
        for entry in entries:
            per_registration.setdefault(entry["subject"], []).append(
                (entry["type"], entry["envelope"]["data"]["status"]))
        ids = {d["_id"]: d for d in stored}
        orphans = set(per_registration) - set(ids)
        assert not orphans, f"outbox messages of registrations that do not exist: {sorted(orphans)[:5]}"
        for rid, doc in ids.items():
            # One message per registration, carrying the status it was stored with.
            assert per_registration.get(rid, []) == [("registration.participant-registered.v1", doc["status"])], rid

        # The restarted process takes over the outbox and publishes everything.
        async def drained() -> bool:
            return await db.outbox.count_documents({"status": "pending"}) == 0

        await eventually(drained, timeout=90, interval=0.5)
        records = await read_all(fault_stack.bootstrap, f"{services.prefix}registration.participants")
        published = Counter(envelope_of(r)["id"] for r in records)
        assert set(published) == {e["_id"] for e in entries}
        print(f"verified: {len(acknowledged)} acknowledged + {len(committed_before_kill)} committed-before-kill "
              f"registrations stored (0 lost, 0 half-written); taken {conference['taken']} = seat holders; numbers "
              f"1..{RUSH} without gaps; {len(entries)} outbox messages, 1 per registration, 0 orphans; all on the "
              f"topic ({sum(published.values()) - len(published)} repeated publications)")
    finally:
        await mongo.close()
    took = registration.stop()
    assert took < 20, f"graceful stop took {took} s"
