"""The routes behind the programme console: a check that finds every problem without saving, room and
speaker edits, the next release's preview, the conferences a person organizes."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from agenda_factories import DAY1, Agenda, agenda_service

from support import Infra, Keys

CONTACT = "+212 600 000 000"


@pytest.fixture
async def agenda(infra: Infra, keys: Keys, tmp_path: Path) -> AsyncIterator[Agenda]:
    async with agenda_service(infra, keys, tmp_path) as service:
        await service.speaker("sp-1", "Nadia Berrada")
        yield service


async def test_check_lists_every_clash_and_the_room_warning_in_the_language_and_saves_nothing(agenda: Agenda) -> None:
    assert (await agenda.session("first", room_id="room-a", speaker_ids=["sp-1"])).status_code == 201
    assert (await agenda.session("second", room_id="room-b")).status_code == 201
    answer = await agenda.client.post(
        f"/conferences/{agenda.conference_id}/sessions/check", headers={**agenda.org, "Accept-Language": "ar"},
        json={"room_id": "room-b", "starts_at": f"{DAY1}T10:30:00", "ends_at": f"{DAY1}T11:30:00",
              "speaker_ids": ["sp-1"], "capacity": 500})
    assert answer.status_code == 200, answer.text
    found = {(f["code"], f["hard"], f["other_session_id"]) for f in answer.json()["findings"]}
    assert found == {("room_double_booked", True, "second"), ("speaker_double_booked", True, "first"),
                     ("capacity_above_room", False, None)}
    assert all("جلسة" in f["detail"] or "القاعة" in f["detail"] for f in answer.json()["findings"])
    listed = await agenda.client.get(f"/conferences/{agenda.conference_id}/sessions", headers=agenda.org)
    assert [s["id"] for s in listed.json()] == ["first", "second"]


async def test_check_of_a_moved_session_ignores_itself_and_sees_the_conference_days(agenda: Agenda) -> None:
    assert (await agenda.session("mine", room_id="room-a")).status_code == 201
    same_place = await agenda.client.post(
        f"/conferences/{agenda.conference_id}/sessions/check", headers=agenda.org,
        json={"session_id": "mine", "room_id": "room-a", "starts_at": f"{DAY1}T10:30:00",
              "ends_at": f"{DAY1}T11:30:00"})
    assert same_place.json()["findings"] == []
    outside = await agenda.client.post(
        f"/conferences/{agenda.conference_id}/sessions/check", headers=agenda.org,
        json={"session_id": "mine", "room_id": "room-a", "starts_at": "2027-06-20T10:00:00",
              "ends_at": "2027-06-20T11:00:00"})
    assert [f["code"] for f in outside.json()["findings"]] == ["outside_conference_dates"]


async def test_a_room_above_capacity_is_only_a_warning_so_the_api_still_saves_it(agenda: Agenda) -> None:
    created = await agenda.session("big", room_id="room-b", capacity=500)
    assert created.status_code == 201, created.text


async def test_room_and_speaker_edits_and_the_contact_never_reach_the_released_programme(agenda: Agenda) -> None:
    cid = agenda.conference_id
    edited = await agenda.client.put(f"/conferences/{cid}/rooms/room-a", headers=agenda.org, json={
        "name": "Grand amphi", "names": {"ar": "المدرج الكبير"}, "capacity": 900})
    assert edited.status_code == 200 and edited.json()["names"]["ar"] == "المدرج الكبير"
    speaker = await agenda.client.put(f"/conferences/{cid}/speakers/sp-1", headers=agenda.org, json={
        "name": "Nadia Berrada", "organization": "ODCO", "contact": CONTACT})
    assert speaker.status_code == 200 and speaker.json()["contact"] == CONTACT
    assert (await agenda.session("talk", room_id="room-a", speaker_ids=["sp-1"])).status_code == 201
    await agenda.release()
    schedule = await agenda.client.get(f"/conferences/{cid}/schedule")
    assert schedule.json()["sessions"][0]["room"]["name"] == "Grand amphi"
    for public in (schedule, await agenda.client.get(f"/conferences/{cid}/schedule.ics"),
                   await agenda.client.get(f"/conferences/{cid}/schedule.xml"),
                   await agenda.client.get(f"/programme/{cid}")):
        assert CONTACT not in public.text
    other = await agenda.client.put(f"/conferences/{cid}-other/rooms/room-a", headers=agenda.org, json={
        "name": "x", "capacity": 1})
    assert other.status_code == 404


async def test_preview_shows_what_the_release_then_publishes(agenda: Agenda) -> None:
    cid = agenda.conference_id
    assert (await agenda.session("kept")).status_code == 201
    assert (await agenda.session("dropped", starts_at=f"{DAY1}T14:00:00", ends_at=f"{DAY1}T15:00:00")
            ).status_code == 201
    await agenda.release()
    moved = await agenda.client.patch("/sessions/kept", headers=agenda.org, json={"starts_at": f"{DAY1}T16:00:00",
                                                                                  "ends_at": f"{DAY1}T17:00:00"})
    assert moved.status_code == 200
    assert (await agenda.client.post("/sessions/dropped/cancel", headers=agenda.org)).status_code == 200
    preview = (await agenda.client.get(f"/conferences/{cid}/releases/next", headers=agenda.org)).json()
    released = await agenda.release()
    assert preview["version"] == released["version"] == 2
    assert preview["changes"] == released["changes"]
    assert {(c["change"], c["session_id"]) for c in preview["changes"]} == {("moved", "kept"),
                                                                          ("cancelled", "dropped")}
    again = await agenda.client.get(f"/conferences/{cid}/releases/next", headers=agenda.org)
    assert again.status_code == 409 and again.json()["code"] == "nothing_to_release"


async def test_organized_conferences_are_those_the_person_may_edit(agenda: Agenda, keys: Keys) -> None:
    mine = await agenda.client.get("/organized-conferences", headers=keys.headers(
        f"organizer:conference:{agenda.conference_id}"))
    assert [c["conference_id"] for c in mine.json()] == [agenda.conference_id]
    none = await agenda.client.get("/organized-conferences", headers=keys.headers("organizer:conference:else"))
    assert none.json() == []
    assert (await agenda.client.get("/organized-conferences")).status_code == 401
