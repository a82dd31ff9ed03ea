"""Editing the programme: conflicts are refused with an explanation, conferences come from registration."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from agenda_factories import DAY1, Agenda, agenda_service, conference_message, session_body

from registration.events import ConferenceUpdated
from support import Infra, Keys, envelope_of, eventually, read_topic, unique


@pytest.fixture
async def agenda(infra: Infra, keys: Keys, tmp_path: Path) -> AsyncIterator[Agenda]:
    async with agenda_service(infra, keys, tmp_path) as service:
        yield service


async def test_conference_is_learned_from_registration_messages_with_its_dates(agenda: Agenda) -> None:
    body = (await agenda.client.get(f"/conferences/{agenda.conference_id}")).json()
    assert body["starts_on"] == "2027-06-16" and body["ends_on"] == "2027-06-17"
    assert body["timezone"] == "Africa/Casablanca" and body["title"]["ar"] == "المناظرة الوطنية السادسة"


async def test_conference_update_message_moves_the_dates(agenda: Agenda) -> None:
    await agenda.publish("registration.conferences", conference_message(
        agenda.conference_id, "2027-06-15", "2027-06-18", fact=ConferenceUpdated))

    async def moved() -> bool:
        body = (await agenda.client.get(f"/conferences/{agenda.conference_id}")).json()
        return bool(body["starts_on"] == "2027-06-15")

    await eventually(moved)
    assert (await agenda.session("early", starts_at="2027-06-15T09:00:00",
                                 ends_at="2027-06-15T10:00:00")).status_code == 201


async def test_session_for_unknown_conference_is_refused(agenda: Agenda) -> None:
    response = await agenda.client.post(f"/conferences/{unique('nowhere')}/sessions", headers=agenda.org,
                                        json={"title": {"fr": "x"}, "kind": "panel", "room_id": "room-a",
                                              "starts_at": f"{DAY1}T10:00:00", "ends_at": f"{DAY1}T11:00:00"})
    assert response.status_code == 404
    assert response.json()["code"] == "conference_unknown"


async def test_times_are_read_in_casablanca_time_and_stored_in_utc(agenda: Agenda) -> None:
    response = await agenda.session("s1")
    assert response.status_code == 201, response.text
    # Morocco keeps UTC+1 outside Ramadan, so 10:00 local is 09:00 UTC in June 2027.
    assert response.json()["starts_at"].startswith("2027-06-16T09:00:00")


async def test_room_used_twice_at_the_same_time_is_refused_naming_the_other_session(agenda: Agenda) -> None:
    assert (await agenda.session("first")).status_code == 201
    clash = await agenda.client.post(
        f"/conferences/{agenda.conference_id}/sessions", headers={**agenda.org, "Accept-Language": "fr"},
        json={"id": "second", "title": {"fr": "Autre"}, "kind": "panel", "room_id": "room-a",
              "starts_at": f"{DAY1}T10:30:00", "ends_at": f"{DAY1}T12:00:00"})
    assert clash.status_code == 409
    body = clash.json()
    assert body["code"] == "room_double_booked"
    assert "Séance first" in body["detail"] and "Amphi A" in body["detail"]
    assert body["params"]["other_session_id"] == "first"


async def test_conflict_explanation_follows_the_callers_language(agenda: Agenda) -> None:
    assert (await agenda.session("first")).status_code == 201
    clash = await agenda.client.post(
        f"/conferences/{agenda.conference_id}/sessions", headers={**agenda.org, "Accept-Language": "ar"},
        json={"title": {"fr": "Autre"}, "kind": "panel", "room_id": "room-a",
              "starts_at": f"{DAY1}T10:30:00", "ends_at": f"{DAY1}T12:00:00"})
    assert clash.status_code == 409 and "جلسة first" in clash.json()["detail"]


async def test_speaker_in_two_places_at_once_is_refused(agenda: Agenda) -> None:
    await agenda.speaker("amina", "Amina El Idrissi")
    assert (await agenda.session("plenary", speaker_ids=["amina"])).status_code == 201
    clash = await agenda.session("workshop", room_id="room-b", moderator_ids=["amina"],
                                 starts_at=f"{DAY1}T10:45:00", ends_at=f"{DAY1}T11:30:00")
    assert clash.status_code == 409
    body = clash.json()
    assert body["code"] == "speaker_double_booked"
    assert "Amina El Idrissi" in body["detail"] and "Séance plenary" in body["detail"]


async def test_back_to_back_sessions_in_one_room_are_accepted(agenda: Agenda) -> None:
    assert (await agenda.session("a")).status_code == 201
    assert (await agenda.session("b", starts_at=f"{DAY1}T11:00:00", ends_at=f"{DAY1}T12:00:00")).status_code == 201


async def test_session_outside_the_conference_dates_is_refused(agenda: Agenda) -> None:
    response = await agenda.session("late", starts_at="2027-06-18T10:00:00", ends_at="2027-06-18T11:00:00")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "outside_conference_dates" and "17 juin 2027" in body["detail"]
    assert body["params"]["ends_on"] == "2027-06-17"
    arabic = await agenda.client.post(f"/conferences/{agenda.conference_id}/sessions?lang=ar", headers=agenda.org,
                                      json=session_body("late", starts_at="2027-06-18T10:00:00",
                                                        ends_at="2027-06-18T11:00:00"))
    assert "17 يونيو 2027" in arabic.json()["detail"] and "2027-06-17" not in arabic.json()["detail"]


async def test_session_ending_before_it_starts_is_refused(agenda: Agenda) -> None:
    response = await agenda.session("odd", starts_at=f"{DAY1}T11:00:00", ends_at=f"{DAY1}T10:00:00")
    assert response.status_code == 422 and response.json()["code"] == "session_ends_before_start"


async def test_unknown_room_or_speaker_is_refused(agenda: Agenda) -> None:
    room = await agenda.session("x", room_id="nowhere")
    speaker = await agenda.session("y", speaker_ids=["ghost"])
    assert room.status_code == 422 and room.json()["code"] == "room_unknown"
    assert speaker.status_code == 422 and speaker.json()["code"] == "speaker_unknown"


async def test_moving_a_session_onto_another_is_refused_but_cancelled_sessions_free_the_room(
    agenda: Agenda,
) -> None:
    assert (await agenda.session("a")).status_code == 201
    assert (await agenda.session("b", starts_at=f"{DAY1}T14:00:00", ends_at=f"{DAY1}T15:00:00")).status_code == 201
    move = await agenda.client.patch("/sessions/b", headers=agenda.org, json={"starts_at": f"{DAY1}T10:30:00"})
    assert move.status_code == 409 and move.json()["code"] == "room_double_booked"
    assert (await agenda.client.post("/sessions/a/cancel", headers=agenda.org)).status_code == 200
    move = await agenda.client.patch("/sessions/b", headers=agenda.org,
                                     json={"starts_at": f"{DAY1}T10:00:00", "ends_at": f"{DAY1}T11:00:00"})
    assert move.status_code == 200, move.text


async def test_editing_the_programme_needs_an_organizer(agenda: Agenda) -> None:
    anonymous = await agenda.client.post(f"/conferences/{agenda.conference_id}/sessions", json={})
    staff = await agenda.client.post(f"/conferences/{agenda.conference_id}/sessions", json={},
                                     headers=agenda.keys.headers(f"staff:conference:{agenda.conference_id}"))
    assert anonymous.status_code == 401 and staff.status_code == 403


async def test_bad_session_input_gets_a_localized_problem(agenda: Agenda) -> None:
    response = await agenda.client.post(
        f"/conferences/{agenda.conference_id}/sessions", headers={**agenda.org, "Accept-Language": "en"},
        json={"title": {"fr": ""}, "kind": "concert", "room_id": "room-a", "starts_at": "tomorrow",
              "ends_at": f"{DAY1}T11:00:00", "track": "Bad Track!"})
    assert response.status_code == 422
    fields = {e["field"]: e["code"] for e in response.json()["errors"]}
    assert fields["kind"] == "field_not_allowed" and fields["starts_at"] == "field_bad_date"
    assert fields["track"] == "invalid_key" and fields["title"] == "at_least_one_language"


async def test_a_session_change_may_clear_the_capacity_but_not_empty_the_title(agenda: Agenda) -> None:
    assert (await agenda.session("a", capacity=20)).status_code == 201
    emptied = await agenda.client.patch("/sessions/a", headers=agenda.org, json={"title": None, "speaker_ids": None})
    assert emptied.status_code == 422
    assert {e["field"] for e in emptied.json()["errors"]} == {"title", "speaker_ids"}
    assert {e["code"] for e in emptied.json()["errors"]} == {"field_not_nullable"}
    cleared = await agenda.client.patch("/sessions/a", headers=agenda.org, json={"capacity": None})
    assert cleared.status_code == 200 and cleared.json()["capacity"] is None
    assert cleared.json()["title"]["fr"] == "Séance a"


async def test_a_session_in_year_one_is_refused_not_a_server_error(agenda: Agenda) -> None:
    """Year 1 at UTC is before the calendar begins in Casablanca's time: refused before any conversion."""
    response = await agenda.session("y1", starts_at="0001-01-01T00:20:53Z")
    assert response.status_code == 422
    assert {e["field"]: e["code"] for e in response.json()["errors"]} == {"starts_at": "moment_out_of_range"}
    assert (await agenda.session("y2")).status_code == 201
    moved = await agenda.client.patch("/sessions/y2", headers=agenda.org, json={"ends_at": "9999-12-31T23:59:59Z"})
    assert moved.status_code == 422
    assert {e["field"]: e["code"] for e in moved.json()["errors"]} == {"ends_at": "moment_out_of_range"}


async def test_conference_message_without_dates_goes_to_the_dead_letter_topic(agenda: Agenda) -> None:
    broken = conference_message(unique("broken"))
    broken.data.pop("starts_on")
    await agenda.publish("registration.conferences", broken)
    topic = agenda.settings.topic("registration.conferences") + ".dlq"
    records = await read_topic(agenda.infra.kafka_bootstrap, topic, expect=1)
    assert [envelope_of(r)["id"] for r in records] == [broken.id]
    assert (await agenda.client.get(f"/conferences/{broken.subject}")).status_code == 404
