"""MongoDB dies (SIGKILL) under the four running services and is started again on the same port and data folder.

While it is down every service stays alive (/healthz 200) but not ready (/readyz 503,
the MongoDB check false), and its API refuses with a 503 ``temporarily_unavailable``
problem and Retry-After instead of hanging or answering 500. A message that reaches
Kafka meanwhile (sent straight to the topic, as by a producer whose own database is
up) waits in the consumers rather than going to the DLQ. Once the server is back the
same processes (same PIDs) become ready again by themselves, take a registration,
publish its messages and apply the waiting one. SecantusDB keeps what it acknowledged
across a SIGKILL (WiredTiger with its journal; INFRA.md), so everything written before
the kill is still there, unchanged.

The services get ``serverSelectionTimeoutMS=2000`` in their MongoDB URL (a standard
connection-string option): a request then waits 2 s for the server before it is
refused, instead of the driver's default 30 s.
"""

import asyncio
import time
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from faults_support import (
    FaultStack,
    Mongo,
    ServiceProcess,
    Services,
    conference_body,
    end_offsets,
    envelope_record,
    participant_body,
    produce,
    seconds_since,
)

from registration.events import PARTICIPANTS, ParticipantConfirmed
from shared.envelope import Envelope
from shared.outbox import written
from support import eventually, unique

BEFORE = 10
SELECTION_MS = 2000
# The consumer group of each service that consumes registration.participants.
CONSUMERS = {"registration": "registration-notifications", "agenda": "agenda", "recommendations": "recommendations"}


@pytest.mark.faults
async def test_mongo_killed_and_restarted_services_refuse_with_503_then_recover_without_restart(
    fault_stack: FaultStack, services: Services
) -> None:
    url = f"{fault_stack.mongo_url}&serverSelectionTimeoutMS={SELECTION_MS}"
    processes = {name: services.add(name, MONGO_URL=url)
                 for name in ("registration", "agenda", "recommendations", "marketplace")}
    print(f"\nservices ready in {await services.start(*processes.values())} s")
    pids = {name: p.pid for name, p in processes.items()}
    registration = processes["registration"]
    async with httpx.AsyncClient(timeout=60) as client:
        created = await client.post(f"{registration.url}/admin/conferences", json=conference_body(capacity=100),
                                    headers=services.keys.jwt.headers("admin"))
        assert created.status_code == 201, created.text
        conference_id = created.json()["id"]
        register = f"{registration.url}/conferences/{conference_id}/registrations"
        for _ in range(BEFORE):
            answer = await client.post(register, json=participant_body("mongo"))
            assert answer.status_code == 201, answer.text
        before = await _settled_state(fault_stack, services, processes, conference_id)

        killed = await asyncio.to_thread(fault_stack.kill_mongo)
        down_at = time.monotonic()
        waiting = _outage_message(conference_id)
        await produce(fault_stack.bootstrap, f"{services.prefix}{PARTICIPANTS}", [envelope_record(waiting)])
        refused_body = participant_body("refused")
        answers = await asyncio.gather(*(_probe(client, p, conference_id, refused_body) for p in processes.values()))
        restart_took = await asyncio.to_thread(fault_stack.start_mongo)
        down_for = seconds_since(down_at)
        print(f"tried: {BEFORE} registrations acknowledged, then SecantusDB SIGKILLed (PID {killed}) and started "
              f"again after {down_for} s (start took {restart_took:.1f} s); meanwhile 1 message sent to "
              f"{PARTICIPANTS} and every service probed: "
              + "; ".join(f"{name} {answer}" for name, answer in zip(processes, answers, strict=True)))
        for name, answer in zip(processes, answers, strict=True):
            assert answer["healthz"] == 200 and answer["readyz"] == 503 and answer["mongodb"] is False, name
            assert all(status == 503 for status in answer["api"].values()), (name, answer)

        back = time.monotonic()
        await eventually(lambda: _all_ready(client, processes.values()), timeout=60, interval=0.2)
        ready_in = seconds_since(back)
        assert {name: p.pid for name, p in processes.items()} == pids, "a service process was replaced"
        assert all(p.running() for p in processes.values())
        await _check_kept(fault_stack, services, registration, conference_id, before, refused_body["email"])
        after = await client.post(register, json=participant_body("after"))
        assert after.status_code == 201, after.text

    await _check_flow(fault_stack, services, processes, after.json()["registration"]["id"], waiting)
    print(f"verified: all 4 services ready again {ready_in} s after the restart with the same PIDs, a registration "
          f"then answered 201; the {BEFORE} registrations, the conference and the {len(before['outbox'])} outbox "
          f"messages written before the kill are all there unchanged (SecantusDB keeps acknowledged writes across "
          f"SIGKILL); the refused registration left nothing; the message sent during the outage was applied by "
          f"{len(CONSUMERS)} groups after it, the new registration's message published and consumed, 0 in "
          f"the DLQ; 0 lost")
    stops = services.stop_all()
    assert all(took < 20 for took in stops.values()), stops


def _outage_message(conference_id: str) -> Envelope:
    registration_id = unique("r-outage")
    data = ParticipantConfirmed(registration_id=registration_id, conference_id=conference_id, status="confirmed",
                                category="participant", region="souss-massa", gender=None, age_band=None,
                                language="ar", at=datetime.now(UTC), version=1)
    return Envelope(type=ParticipantConfirmed.message_type, source="registration", subject=registration_id,
                    data=data.model_dump(mode="json"))


async def _settled_state(fault_stack: FaultStack, services: Services, processes: dict[str, ServiceProcess],
                         conference_id: str) -> dict[str, Any]:
    """What registration stored, once its outbox is published and the consumers have applied it all."""
    mongo = Mongo(fault_stack.mongo_url)
    db = mongo[services.db_name(processes["registration"])]
    try:
        async def published() -> bool:
            return await db.outbox.count_documents({"status": "pending"}) == 0

        await eventually(published, timeout=30, interval=0.2)
        outbox = await written(db)
        for name in ("agenda", "recommendations"):
            consumer_db = mongo[services.db_name(processes[name])]
            await eventually(lambda d=consumer_db, g=f"{services.prefix}{CONSUMERS[name]}":
                             _has_markers(d, g, [e["_id"] for e in outbox]), timeout=30, interval=0.2)
        return {
            "conference": await db.conferences.find_one({"_id": conference_id}),
            "registrations": await db.registrations.find({"conference_id": conference_id}).to_list(),
            "outbox": outbox,
        }
    finally:
        await mongo.close()


async def _probe(client: httpx.AsyncClient, process: ServiceProcess, conference_id: str,
                 body: dict[str, Any]) -> dict[str, Any]:
    """Liveness, readiness and the service's own API while MongoDB is down."""
    calls = {
        "registration": [("POST", f"/conferences/{conference_id}/registrations"),
                         ("GET", f"/conferences/{conference_id}")],
        "agenda": [("GET", f"/conferences/{conference_id}")],
        "recommendations": [("GET", "/recommendations")],
        "marketplace": [("GET", "/markets")],
    }[process.name]
    healthz = await client.get(process.url + "/healthz")
    readyz = await client.get(process.url + "/readyz")
    api: dict[str, int] = {}
    for method, path in calls:
        began = time.monotonic()
        answer = await client.request(method, process.url + path, json=body if method == "POST" else None)
        api[f"{method} {path}"] = answer.status_code
        if answer.status_code == 503:
            assert answer.headers["content-type"] == "application/problem+json", answer.headers
            assert answer.json()["code"] == "temporarily_unavailable" and answer.json()["status"] == 503
            assert int(answer.headers["retry-after"]) > 0
        assert time.monotonic() - began < SELECTION_MS / 1000 + 5, f"{method} {path} hung"
    return {"healthz": healthz.status_code, "readyz": readyz.status_code,
            "mongodb": readyz.json()["checks"]["mongodb"], "api": api}


async def _all_ready(client: httpx.AsyncClient, processes: Any) -> bool:
    answers = await asyncio.gather(*(client.get(p.url + "/readyz") for p in processes))
    return all(a.status_code == 200 for a in answers)


async def _has_markers(db: Any, group: str, message_ids: list[str]) -> bool:
    wanted = [f"{group}:{i}" for i in message_ids]
    return bool(await db.processed_messages.count_documents({"_id": {"$in": wanted}}) == len(wanted))


async def _check_kept(fault_stack: FaultStack, services: Services, registration: ServiceProcess,
                      conference_id: str, before: dict[str, Any], refused_email: str) -> None:
    """Everything acknowledged before the kill is there, unchanged; the refused registration left nothing."""
    mongo = Mongo(fault_stack.mongo_url)
    db = mongo[services.db_name(registration)]
    try:
        assert await db.conferences.find_one({"_id": conference_id}) == before["conference"]
        assert await db.registrations.find({"conference_id": conference_id}).to_list() == before["registrations"]
        assert await written(db) == before["outbox"]
        assert await db.registrations.count_documents({"email": refused_email}) == 0
    finally:
        await mongo.close()


async def _check_flow(fault_stack: FaultStack, services: Services, processes: dict[str, ServiceProcess],
                      new_id: str, waiting: Envelope) -> None:
    """The relay publishes the new registration's messages; the consumers apply them and the waiting one."""
    mongo = Mongo(fault_stack.mongo_url)
    dbs = {name: mongo[services.db_name(p)] for name, p in processes.items()}
    try:
        async def published() -> bool:
            return await dbs["registration"].outbox.count_documents({"status": "pending"}) == 0

        await eventually(published, timeout=30, interval=0.2)
        new_messages = [e["_id"] for e in await written(dbs["registration"], {"subject": new_id})]
        assert len(new_messages) == 1  # one participant-registered, carrying its status
        for name, group in CONSUMERS.items():
            wanted = [waiting.id] + (new_messages if name != "registration" else [])
            await eventually(lambda n=name, g=group, w=wanted: _has_markers(dbs[n], f"{services.prefix}{g}", w),
                             timeout=60, interval=0.5)
        for topic in ("registration.participants", "registration.conferences"):
            assert await end_offsets(fault_stack.bootstrap, f"{services.prefix}{topic}.dlq") == 0, topic
    finally:
        await mongo.close()
