"""Sign-ups: manage tokens, capacity under concurrency, waiting lists, overlaps, registration's messages."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from agenda_factories import DAY1, Agenda, agenda_service, conference_message, participant_message
from pymongo import AsyncMongoClient

from agenda.app import create_app
from registration.events import (
    ConferenceUpdated,
    ParticipantCancelled,
    ParticipantCheckedIn,
    ParticipantErased,
    ParticipantPromoted,
    ParticipantWaitlisted,
)
from shared.signing import MissingSigningKey, Signer
from support import Infra, Keys, envelope_of, eventually, read_topic, running


@pytest.fixture
async def agenda(infra: Infra, keys: Keys, tmp_path: Path) -> AsyncIterator[Agenda]:
    async with agenda_service(infra, keys, tmp_path) as service:
        for session_id, fields in {
            "small": {"capacity": 1},
            "overlapping": {"capacity": 10, "room_id": "room-b", "starts_at": f"{DAY1}T10:30:00",
                            "ends_at": f"{DAY1}T11:30:00"},
            "later": {"capacity": 5, "starts_at": f"{DAY1}T14:00:00", "ends_at": f"{DAY1}T15:00:00"},
            "open": {"starts_at": f"{DAY1}T16:00:00", "ends_at": f"{DAY1}T17:00:00"},
        }.items():
            assert (await service.session(session_id, **fields)).status_code == 201
        await service.release()
        yield service


async def sign_up(agenda: Agenda, registration_id: str, session_id: str) -> dict[str, object]:
    response = await agenda.client.post(f"/sessions/{session_id}/signup", headers=agenda.token(registration_id))
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


async def test_capacity_is_never_exceeded_under_concurrent_sign_ups(agenda: Agenda) -> None:
    people = await agenda.participants(20)
    results = await asyncio.gather(*(sign_up(agenda, r, "later") for r in people))
    assert sum(1 for r in results if r["status"] == "confirmed") == 5
    assert sorted(r["position"] for r in results if r["status"] == "waitlisted") == list(range(1, 16))
    listed = (await agenda.client.get("/sessions/later/signups", headers=agenda.org)).json()
    assert [s["status"] for s in listed].count("confirmed") == 5
    session = (await agenda.client.get("/sessions/later", headers=agenda.org)).json()
    assert session["seats_taken"] == 5


async def test_signing_up_twice_keeps_one_seat(agenda: Agenda) -> None:
    [alice] = await agenda.participants(1)
    first = await sign_up(agenda, alice, "later")
    second = await sign_up(agenda, alice, "later")
    assert first["status"] == second["status"] == "confirmed"
    assert (await agenda.client.get("/sessions/later", headers=agenda.org)).json()["seats_taken"] == 1


async def test_waiting_list_advances_in_order_on_cancellation(agenda: Agenda) -> None:
    alice, bilal, chama = await agenda.participants(3)
    for person in (alice, bilal, chama):
        await sign_up(agenda, person, "small")
    left = await agenda.client.delete("/sessions/small/signup", headers=agenda.token(alice))
    assert left.status_code == 200 and left.json()["status"] == "cancelled"
    listed = {s["registration_id"]: s for s in
              (await agenda.client.get("/sessions/small/signups", headers=agenda.org)).json()}
    assert listed[bilal]["status"] == "confirmed"
    assert listed[chama]["status"] == "waitlisted" and listed[chama]["position"] == 1
    records = await read_topic(agenda.infra.kafka_bootstrap, agenda.settings.topic("agenda.signups"), expect=5)
    # One key per sign-up: each sign-up's messages are ordered, not the topic as a whole.
    seen = sorted((envelope_of(r)["data"]["registration_id"], envelope_of(r)["type"].split("-")[-1])
                  for r in records)
    assert seen == sorted([(alice, "confirmed.v1"), (bilal, "waitlisted.v1"), (chama, "waitlisted.v1"),
                           (alice, "cancelled.v1"), (bilal, "promoted.v1")])


async def test_overlapping_sign_up_is_refused_naming_the_other_session(agenda: Agenda) -> None:
    [alice] = await agenda.participants(1)
    await sign_up(agenda, alice, "small")
    response = await agenda.client.post("/sessions/overlapping/signup",
                                        headers={**agenda.token(alice), "Accept-Language": "en"})
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "signup_overlaps" and "Session small" in body["detail"]


async def test_cancelled_registration_frees_the_seat_for_the_waiting_list(agenda: Agenda) -> None:
    alice, bilal = await agenda.participants(2)
    await sign_up(agenda, alice, "small")
    assert (await sign_up(agenda, bilal, "small"))["status"] == "waitlisted"
    await agenda.participant(ParticipantCancelled, registration_id=alice)

    async def promoted() -> bool:
        listed = (await agenda.client.get("/sessions/small/signups", headers=agenda.org)).json()
        return [(s["registration_id"], s["status"]) for s in listed] == [(bilal, "confirmed")]

    await eventually(promoted)
    again = await agenda.client.post("/sessions/later/signup", headers=agenda.token(alice))
    assert again.status_code == 403 and again.json()["code"] == "participant_not_eligible"


async def test_erasure_frees_seats_forgets_the_person_and_revokes_the_manage_token(agenda: Agenda) -> None:
    alice, bilal = await agenda.participants(2)
    await sign_up(agenda, alice, "small")
    await sign_up(agenda, alice, "later")
    assert (await sign_up(agenda, bilal, "small"))["status"] == "waitlisted"
    assert (await agenda.client.put("/me/stars/open", headers=agenda.token(alice))).status_code == 204
    # Registration leaves the status as it was on erasure: only the message type says what happened.
    await agenda.participant(ParticipantErased, status="confirmed", registration_id=alice)

    listed = (await agenda.client.get("/sessions/small/signups", headers=agenda.org)).json()
    assert [(s["registration_id"], s["status"]) for s in listed] == [(bilal, "confirmed")]
    assert (await agenda.client.get("/sessions/later/signups", headers=agenda.org)).json() == []
    assert (await agenda.client.get("/sessions/later", headers=agenda.org)).json()["seats_taken"] == 0
    refused = await agenda.client.post("/sessions/open/signup", headers={**agenda.token(alice),
                                                                         "Accept-Language": "ar"})
    assert refused.status_code == 401 and refused.json()["code"] == "manage_token_revoked"
    assert "سُحب" in refused.json()["detail"]
    calendar = await agenda.client.get("/me/calendar.ics", params={"token": agenda.token(alice)["X-Manage-Token"]})
    assert calendar.status_code == 401
    db = AsyncMongoClient[dict[str, object]](agenda.infra.mongo_url)[agenda.settings.database_name]
    assert await db.signups.count_documents({"registration_id": alice}) == 0
    assert await db.stars.count_documents({"owner": f"r:{alice}"}) == 0


async def test_a_later_fact_does_not_undo_an_erasure(agenda: Agenda) -> None:
    [alice] = await agenda.participants(1)
    await agenda.participant(ParticipantErased, registration_id=alice)
    later = datetime.now(UTC) + timedelta(seconds=5)
    for version, (fact, status) in enumerate(((ParticipantWaitlisted, "waitlisted"),
                                              (ParticipantPromoted, "confirmed")), start=3):
        await agenda.publish("registration.participants", participant_message(
            alice, agenda.conference_id, fact, status, later + timedelta(seconds=version), version))
    db = AsyncMongoClient[dict[str, object]](agenda.infra.mongo_url)[agenda.settings.database_name]

    async def promoted() -> bool:
        known = await db.participants.find_one({"_id": alice})
        # Stored instants come back naive (UTC); the promotion is the only fact after ``later``.
        return known is not None and known["status"] == "confirmed" and known["at"] > later.replace(tzinfo=None)

    await eventually(promoted)
    refused = await agenda.client.post("/sessions/later/signup", headers=agenda.token(alice))
    assert refused.status_code == 401 and refused.json()["code"] == "manage_token_revoked"


async def test_the_fact_committed_last_wins_even_when_its_clock_read_earlier(agenda: Agenda) -> None:
    alice, bilal = await agenda.participants(2)
    await sign_up(agenda, alice, "small")
    assert (await sign_up(agenda, bilal, "small"))["status"] == "waitlisted"
    now = datetime.now(UTC)
    # Two registration instances: the cancellation read its clock first but committed after
    # another change of the same registration, so it carries the higher version.
    await agenda.publish("registration.participants", participant_message(
        alice, agenda.conference_id, ParticipantPromoted, "confirmed", now, version=2))
    await agenda.publish("registration.participants", participant_message(
        alice, agenda.conference_id, ParticipantCancelled, "cancelled", now - timedelta(seconds=1), version=3))

    async def promoted() -> bool:
        listed = (await agenda.client.get("/sessions/small/signups", headers=agenda.org)).json()
        return [(s["registration_id"], s["status"]) for s in listed] == [(bilal, "confirmed")]

    await eventually(promoted)
    mine = (await agenda.client.get("/me/agenda", headers=agenda.token(alice))).json()
    assert mine["registration_status"] == "cancelled"


async def test_participant_not_yet_confirmed_cannot_sign_up(agenda: Agenda) -> None:
    waiting = await agenda.participant(ParticipantWaitlisted)
    response = await agenda.client.post("/sessions/later/signup",
                                        headers={**agenda.token(waiting), "Accept-Language": "fr"})
    assert response.status_code == 403
    assert "waitlisted" in response.json()["detail"]


async def test_a_check_in_is_not_read_and_the_checked_in_participant_can_sign_up(agenda: Agenda) -> None:
    """Only a confirmed registration checks in, and its status stays: the agenda skips the
    message, and the next change (a higher version still) is followed as before."""
    person = await agenda.participant()
    agenda.versions[person] += 1
    check_in = participant_message(person, agenda.conference_id, ParticipantCheckedIn,
                                   version=agenda.versions[person])
    await agenda.publish("registration.participants", check_in)
    # The same registration's next fact is on the same partition, after the check-in.
    await agenda.participant(ParticipantCancelled, registration_id=person)
    metrics = (await agenda.client.get("/metrics")).text
    ignored = [line for line in metrics.splitlines() if line.startswith("messages_consumed_total{")
               and 'outcome="ignored"' in line and "registration.participants" in line]
    assert ignored and float(ignored[0].split()[-1]) == 1.0, ignored
    db = AsyncMongoClient[dict[str, object]](agenda.infra.mongo_url)[agenda.settings.database_name]
    group = agenda.settings.group("agenda")
    assert await db.processed_messages.count_documents({"_id": f"{group}:{check_in.id}"}) == 0
    # the two facts it read are marked, under the same kind of id
    assert await db.processed_messages.count_documents({"_id": {"$regex": f"^{group}:"}}) >= 2
    known = await db.participants.find_one({"_id": person})
    assert known is not None and (known["status"], known["version"]) == ("cancelled", 3)

    other = await agenda.participant()
    agenda.versions[other] += 1
    await agenda.publish("registration.participants", participant_message(
        other, agenda.conference_id, ParticipantCheckedIn, version=agenda.versions[other]))
    assert (await sign_up(agenda, other, "later"))["status"] == "confirmed"


async def test_missing_forged_or_foreign_tokens_are_refused(agenda: Agenda) -> None:
    [alice] = await agenda.participants(1)
    missing = await agenda.client.post("/sessions/later/signup")
    stranger = Signer.from_file_or_new("").sign({"t": "manage", "r": alice, "c": agenda.conference_id})
    forged = await agenda.client.post("/sessions/later/signup", headers={"X-Manage-Token": stranger})
    badge = agenda.signer.sign({"t": "badge", "r": alice, "c": agenda.conference_id})
    wrong_kind = await agenda.client.post("/sessions/later/signup", headers={"X-Manage-Token": badge})
    garbage = await agenda.client.post("/sessions/later/signup", headers={"X-Manage-Token": "not.a.token"})
    elsewhere = await agenda.client.post("/sessions/later/signup", headers=agenda.token(alice, "other-conference"))
    assert missing.status_code == 401 and missing.json()["code"] == "manage_token_missing"
    assert {r.status_code for r in (forged, wrong_kind, garbage, elsewhere)} == {401}
    assert forged.json()["code"] == "manage_token_invalid"


async def test_sign_up_is_refused_for_open_unreleased_or_cancelled_sessions(agenda: Agenda) -> None:
    [alice] = await agenda.participants(1)
    assert (await agenda.session("fresh", capacity=3, starts_at=f"{DAY1}T18:00:00",
                                 ends_at=f"{DAY1}T19:00:00")).status_code == 201
    assert (await agenda.client.post("/sessions/later/cancel", headers=agenda.org)).status_code == 200
    codes = {}
    for session_id in ("open", "fresh", "later", "missing"):
        response = await agenda.client.post(f"/sessions/{session_id}/signup", headers=agenda.token(alice))
        codes[session_id] = (response.status_code, response.json()["code"])
    assert codes == {"open": (409, "signup_not_required"), "fresh": (409, "session_not_released"),
                     "later": (409, "session_cancelled"), "missing": (404, "session_unknown")}


async def test_cancelling_a_session_cancels_its_sign_ups(agenda: Agenda) -> None:
    [alice] = await agenda.participants(1)
    await sign_up(agenda, alice, "later")
    assert (await agenda.client.post("/sessions/later/cancel", headers=agenda.org)).status_code == 200
    assert (await agenda.client.get("/sessions/later/signups", headers=agenda.org)).json() == []
    await sign_up(agenda, alice, "overlapping")


async def test_raising_capacity_seats_the_waiting_list(agenda: Agenda) -> None:
    alice, bilal, chama = await agenda.participants(3)
    for person in (alice, bilal, chama):
        await sign_up(agenda, person, "small")
    lower = await agenda.client.patch("/sessions/small", headers=agenda.org, json={"capacity": None})
    assert lower.status_code == 409 and lower.json()["code"] == "capacity_below_signups"
    raised = await agenda.client.patch("/sessions/small", headers=agenda.org, json={"capacity": 2})
    assert raised.status_code == 200 and raised.json()["seats_taken"] == 2
    listed = {s["registration_id"]: s["status"] for s in
              (await agenda.client.get("/sessions/small/signups", headers=agenda.org)).json()}
    assert listed == {alice: "confirmed", bilal: "confirmed", chama: "waitlisted"}


async def test_capacity_holds_across_two_processes_sharing_the_database(agenda: Agenda) -> None:
    people = await agenda.participants(12)
    async with running(create_app(agenda.settings)) as other:
        clients = [agenda.client, other]
        responses = await asyncio.gather(*(
            clients[i % 2].post("/sessions/later/signup", headers=agenda.token(r)) for i, r in enumerate(people)))
    statuses = [r.json()["status"] for r in responses]
    assert statuses.count("confirmed") == 5 and statuses.count("waitlisted") == 7
    assert (await agenda.client.get("/sessions/later", headers=agenda.org)).json()["seats_taken"] == 5


async def test_manage_tokens_signed_before_and_after_a_key_rotation_both_sign_up(
    infra: Infra, keys: Keys, tmp_path: Path
) -> None:
    previous = Signer.from_file_or_new("")
    async with agenda_service(infra, keys, tmp_path, previous=previous) as service:
        assert (await service.session("rotated", capacity=5)).status_code == 201
        await service.release()
        before, after = await service.participants(2)
        assert service.signer.kid != previous.kid
        old_token = previous.sign({"t": "manage", "r": before, "c": service.conference_id, "n": "n-old"})
        answers = [await service.client.post("/sessions/rotated/signup", headers={"X-Manage-Token": old_token}),
                   await service.client.post("/sessions/rotated/signup", headers=service.token(after))]
        assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]


def test_agenda_refuses_to_start_in_production_without_registration_public_key(infra: Infra, keys: Keys,
                                                                                 tmp_path: Path) -> None:
    from agenda.settings import Settings

    settings = Settings(environment="production", mongo_url=infra.mongo_url, jwt_public_key_file=str(keys.public_file))
    with pytest.raises(MissingSigningKey, match="REGISTRATION_PUBLIC_KEY_FILE"):
        create_app(settings)
    with pytest.raises(MissingSigningKey):
        create_app(settings.model_copy(update={"registration_public_key_file": f"{tmp_path}/none-*.pem"}))


async def test_signing_up_for_a_session_that_is_over_is_refused(infra: Infra, keys: Keys, tmp_path: Path) -> None:
    async with agenda_service(infra, keys, tmp_path) as service:
        # The conference turns out to have been held last year (registration moved its days).
        await service.publish("registration.conferences",
                              conference_message(service.conference_id, "2025-06-17", "2025-06-18",
                                                 fact=ConferenceUpdated))

        async def moved() -> bool:
            found = await service.client.get(f"/conferences/{service.conference_id}")
            return bool(found.json().get("starts_on") == "2025-06-17")
        await eventually(moved)
        created = await service.session("past", capacity=10, starts_at="2025-06-17T10:00:00",
                                        ends_at="2025-06-17T11:00:00")
        assert created.status_code == 201, created.text
        await service.release()
        [alice] = await service.participants(1)
        refused = await service.client.post("/sessions/past/signup",
                                            headers={**service.token(alice), "Accept-Language": "fr"})
        assert refused.status_code == 409
        assert refused.json()["code"] == "session_over"
        assert refused.json()["detail"] == "Cette séance est terminée : on ne peut plus s'y inscrire."
        assert (await service.client.get("/sessions/past", headers=service.org)).json()["seats_taken"] == 0
