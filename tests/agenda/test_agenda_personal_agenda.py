"""Personal agendas: participants by manage token, visitors by a random agenda id; iCalendar exports."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from agenda_factories import DAY1, DAY2, Agenda, agenda_service
from icalendar import Calendar

from registration.events import ParticipantErased
from support import Infra, Keys


@pytest.fixture
async def agenda(infra: Infra, keys: Keys, tmp_path: Path) -> AsyncIterator[Agenda]:
    async with agenda_service(infra, keys, tmp_path) as service:
        assert (await service.session("keynote", kind="plenary")).status_code == 201
        assert (await service.session("coops", capacity=20, starts_at=f"{DAY2}T10:00:00",
                                      ends_at=f"{DAY2}T12:00:00")).status_code == 201
        assert (await service.session("dropped", starts_at=f"{DAY2}T15:00:00",
                                      ends_at=f"{DAY2}T16:00:00")).status_code == 201
        await service.release()
        assert (await service.client.post("/sessions/dropped/cancel", headers=service.org)).status_code == 200
        yield service


async def test_participant_agenda_holds_starred_and_signed_up_sessions(agenda: Agenda) -> None:
    alice = await agenda.participant()
    headers = agenda.token(alice)
    assert (await agenda.client.put("/me/stars/keynote", headers=headers)).status_code == 204
    assert (await agenda.client.post("/sessions/coops/signup", headers=headers)).status_code == 200
    mine = (await agenda.client.get("/me/agenda", headers={**headers, "Accept-Language": "ar"})).json()
    assert mine["registration_status"] == "confirmed"
    assert [(s["id"], s["starred"], s["signup"]) for s in mine["sessions"]] == [
        ("keynote", True, None), ("coops", False, "confirmed")]
    assert mine["sessions"][0]["title"] == "جلسة keynote"
    assert (await agenda.client.delete("/me/stars/keynote", headers=headers)).status_code == 204
    mine = (await agenda.client.get("/me/agenda", headers=headers)).json()
    assert [s["id"] for s in mine["sessions"]] == ["coops"]


async def test_participant_calendar_parses_and_accepts_the_token_in_the_query(agenda: Agenda) -> None:
    alice = await agenda.participant()
    headers = agenda.token(alice)
    await agenda.client.put("/me/stars/keynote", headers=headers)
    await agenda.client.post("/sessions/coops/signup", headers=headers)
    response = await agenda.client.get(f"/me/calendar.ics?token={headers['X-Manage-Token']}&lang=en")
    assert response.status_code == 200
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert sorted(str(e["summary"]) for e in events) == ["Session coops", "Session keynote"]


async def test_visitor_stars_sessions_into_an_anonymous_agenda(agenda: Agenda) -> None:
    created = await agenda.client.post("/agendas")
    assert created.status_code == 201
    agenda_id = created.json()["agenda_id"]
    assert len(agenda_id) >= 24
    assert (await agenda.client.put(f"/agendas/{agenda_id}/stars/keynote")).status_code == 204
    assert (await agenda.client.put(f"/agendas/{agenda_id}/stars/coops")).status_code == 204
    assert (await agenda.client.delete(f"/agendas/{agenda_id}/stars/coops")).status_code == 204
    mine = (await agenda.client.get(f"/agendas/{agenda_id}")).json()
    assert [s["id"] for s in mine["sessions"]] == ["keynote"]
    calendar = Calendar.from_ical((await agenda.client.get(f"/agendas/{agenda_id}/calendar.ics")).content)
    assert [str(e["uid"]) for e in calendar.walk("VEVENT")] == ["keynote@agenda.tadamon.ma"]


async def test_unknown_agenda_or_session_is_a_404(agenda: Agenda) -> None:
    unknown = await agenda.client.put("/agendas/not-an-agenda/stars/keynote")
    agenda_id = (await agenda.client.post("/agendas")).json()["agenda_id"]
    no_session = await agenda.client.put(f"/agendas/{agenda_id}/stars/nothing")
    assert unknown.status_code == 404 and unknown.json()["code"] == "agenda_unknown"
    assert no_session.status_code == 404 and no_session.json()["code"] == "session_unknown"


async def test_agenda_follows_the_released_version_not_the_draft(agenda: Agenda) -> None:
    agenda_id = (await agenda.client.post("/agendas")).json()["agenda_id"]
    await agenda.client.put(f"/agendas/{agenda_id}/stars/keynote")
    await agenda.client.put(f"/agendas/{agenda_id}/stars/dropped")
    assert (await agenda.session("draft", starts_at=f"{DAY1}T16:00:00",
                                 ends_at=f"{DAY1}T17:00:00")).status_code == 201
    await agenda.client.put(f"/agendas/{agenda_id}/stars/draft")
    mine = (await agenda.client.get(f"/agendas/{agenda_id}")).json()
    assert [s["id"] for s in mine["sessions"]] == ["keynote", "dropped"]


async def test_erased_participant_loses_stars_and_sign_ups(agenda: Agenda) -> None:
    alice = await agenda.participant()
    headers = agenda.token(alice)
    await agenda.client.put("/me/stars/keynote", headers=headers)
    await agenda.client.post("/sessions/coops/signup", headers=headers)
    await agenda.participant(ParticipantErased, registration_id=alice)

    mine = await agenda.client.get("/me/agenda", headers=headers)
    assert mine.status_code == 401 and mine.json()["code"] == "manage_token_revoked"
    page = await agenda.client.get("/my-agenda", params={"token": headers["X-Manage-Token"]})
    assert "keynote" not in page.text.lower()
    assert (await agenda.client.get("/sessions/coops", headers=agenda.org)).json()["seats_taken"] == 0
