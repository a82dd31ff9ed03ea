"""Releases, the public changelog, the public readings (JSON, iCalendar, frab XML) and session outcomes."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import xmlschema
from agenda_factories import DAY1, DAY2, Agenda, agenda_service
from icalendar import Calendar
from lxml import etree

from support import Infra, Keys, envelope_of, read_topic

FRAB_XSD = Path("/work/shared/schemas/frab-schedule.xml.xsd")


@pytest.fixture
async def agenda(infra: Infra, keys: Keys, tmp_path: Path) -> AsyncIterator[Agenda]:
    async with agenda_service(infra, keys, tmp_path) as service:
        await service.speaker("amina", "Amina El Idrissi")
        await service.speaker("youssef", "Youssef Benali")
        for session_id, fields in {
            "opening": {"kind": "plenary", "track": "enabling-environment", "speaker_ids": ["amina"],
                        "starts_at": f"{DAY1}T09:00:00", "ends_at": f"{DAY1}T10:30:00", "languages": ["ar"]},
            "markets": {"kind": "workshop", "track": "market-access", "room_id": "room-b", "capacity": 30,
                        "moderator_ids": ["youssef"], "languages": ["fr", "en"]},
            "finance": {"kind": "panel", "track": "market-access", "starts_at": f"{DAY2}T10:00:00",
                        "ends_at": f"{DAY2}T11:30:00"},
        }.items():
            assert (await service.session(session_id, **fields)).status_code == 201
        yield service


async def test_public_sees_nothing_before_the_first_release(agenda: Agenda) -> None:
    response = await agenda.client.get(f"/conferences/{agenda.conference_id}/schedule")
    assert response.status_code == 404 and response.json()["code"] == "schedule_not_released"


async def test_first_release_is_version_one_with_every_session_added(agenda: Agenda) -> None:
    release = await agenda.release()
    assert release["version"] == 1 and release["session_count"] == 3
    assert sorted(c["session_id"] for c in release["changes"] if c["change"] == "added") == [
        "finance", "markets", "opening"]


async def test_public_sees_only_the_released_version(agenda: Agenda) -> None:
    await agenda.release()
    assert (await agenda.session("draft", starts_at=f"{DAY2}T15:00:00", ends_at=f"{DAY2}T16:00:00")).status_code == 201
    assert (await agenda.client.patch("/sessions/opening", headers=agenda.org,
                                      json={"title": {"fr": "Nouveau titre"}})).status_code == 200
    public = (await agenda.client.get(f"/conferences/{agenda.conference_id}/schedule")).json()
    assert public["version"] == 1
    assert "draft" not in {s["id"] for s in public["sessions"]}
    assert {s["id"]: s["title"] for s in public["sessions"]}["opening"] == "Séance opening"


async def test_second_release_records_moved_room_changed_retitled_cancelled_and_added(agenda: Agenda) -> None:
    await agenda.release()
    org = agenda.org
    assert (await agenda.client.patch("/sessions/opening", headers=org, json={
        "starts_at": f"{DAY1}T09:30:00", "ends_at": f"{DAY1}T11:00:00"})).status_code == 200
    assert (await agenda.client.patch("/sessions/finance", headers=org, json={
        "room_id": "room-b", "title": {"fr": "Financer les coopératives"}})).status_code == 200
    assert (await agenda.client.post("/sessions/markets/cancel", headers=org)).status_code == 200
    assert (await agenda.session("youth", starts_at=f"{DAY2}T14:00:00", ends_at=f"{DAY2}T15:00:00")).status_code == 201
    release = await agenda.release()
    assert release["version"] == 2
    changes = {(c["change"], c["session_id"]) for c in release["changes"]}
    assert changes == {("moved", "opening"), ("room_changed", "finance"), ("retitled", "finance"),
                       ("cancelled", "markets"), ("added", "youth")}
    public = (await agenda.client.get(f"/conferences/{agenda.conference_id}/schedule")).json()
    assert public["version"] == 2 and {s["id"] for s in public["sessions"]} == {"opening", "finance", "youth"}
    log = (await agenda.client.get(f"/conferences/{agenda.conference_id}/changelog")).json()
    assert [r["version"] for r in log] == [2, 1]
    moved = next(c for c in log[0]["changes"] if c["change"] == "moved")
    assert moved["before"]["starts_at"].startswith("2027-06-16T08:00:00")
    assert moved["after"]["starts_at"].startswith("2027-06-16T08:30:00")


async def test_release_without_any_change_is_refused(agenda: Agenda) -> None:
    await agenda.release()
    again = await agenda.client.post(f"/conferences/{agenda.conference_id}/releases", headers=agenda.org)
    assert again.status_code == 409 and again.json()["code"] == "nothing_to_release"


async def test_release_message_carries_the_changelog(agenda: Agenda) -> None:
    await agenda.release()
    records = await read_topic(agenda.infra.kafka_bootstrap, agenda.settings.topic("agenda.schedules"), expect=1)
    envelope = envelope_of(records[0])
    assert envelope["type"] == "agenda.schedule-released.v1" and envelope["subject"] == agenda.conference_id
    assert envelope["data"]["version"] == 1 and len(envelope["data"]["changes"]) == 3


@pytest.mark.parametrize(("query", "expected"), [
    ("day=2027-06-17", {"finance"}),
    ("track=market-access", {"markets", "finance"}),
    ("room=room-b", {"markets"}),
    ("language=en", {"markets"}),
    ("kind=plenary", {"opening"}),
    ("track=market-access&day=2027-06-16", {"markets"}),
])
async def test_public_schedule_filters(agenda: Agenda, query: str, expected: set[str]) -> None:
    await agenda.release()
    body = (await agenda.client.get(f"/conferences/{agenda.conference_id}/schedule?{query}")).json()
    assert {s["id"] for s in body["sessions"]} == expected


async def test_bad_filter_value_is_a_localized_422(agenda: Agenda) -> None:
    await agenda.release()
    response = await agenda.client.get(f"/conferences/{agenda.conference_id}/schedule?kind=concert&day=soon",
                                       headers={"Accept-Language": "ar"})
    assert response.status_code == 422 and response.json()["lang"] == "ar"


async def test_public_schedule_follows_accept_language(agenda: Agenda) -> None:
    await agenda.release()
    arabic = await agenda.client.get(f"/conferences/{agenda.conference_id}/schedule",
                                     headers={"Accept-Language": "ar, fr;q=0.5"})
    english = (await agenda.client.get(f"/conferences/{agenda.conference_id}/schedule?lang=en")).json()
    assert arabic.headers["content-language"] == "ar"
    opening = next(s for s in arabic.json()["sessions"] if s["id"] == "opening")
    assert opening["title"] == "جلسة opening" and opening["speakers"][0]["bio"] == "نبذة عن Amina El Idrissi"
    assert opening["local_start"] == "09:00" and opening["day"] == DAY1
    assert next(s for s in english["sessions"] if s["id"] == "opening")["title"] == "Session opening"


async def test_conference_icalendar_parses_with_utc_times(agenda: Agenda) -> None:
    await agenda.release()
    response = await agenda.client.get(f"/conferences/{agenda.conference_id}/schedule.ics?lang=fr")
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = {str(e["uid"]).split("@")[0]: e for e in calendar.walk("VEVENT")}
    assert set(events) == {"opening", "markets", "finance"}
    opening = events["opening"]
    assert opening.decoded("dtstart") == datetime(2027, 6, 16, 8, 0, tzinfo=UTC)
    assert str(opening["summary"]) == "Séance opening" and "Amphi A" in str(opening["location"])
    assert calendar["version"] == "2.0" and "prodid" in calendar


async def test_frab_xml_is_valid_against_the_schema_with_the_expected_elements(agenda: Agenda) -> None:
    await agenda.release()
    response = await agenda.client.get(f"/conferences/{agenda.conference_id}/schedule.xml")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/xml")
    xmlschema.XMLSchema(str(FRAB_XSD)).validate(response.content)
    root = etree.fromstring(response.content)
    assert root.findtext("conference/acronym") == agenda.conference_id
    assert [d.get("date") for d in root.findall("day")] == [DAY1, DAY2]
    opening = root.xpath("//event[slug[contains(., 'opening')]]")[0]
    assert opening.findtext("start") == "09:00" and opening.findtext("duration") == "01:30"
    assert opening.findtext("room") == "Amphi A" and opening.findtext("type") == "plenary"
    assert opening.findtext("persons/person") == "Amina El Idrissi"


async def test_recorded_outcomes_are_published_for_the_recommendations_service(agenda: Agenda) -> None:
    body = {"conclusions": {"ar": "خلاصات الورشة", "fr": "Conclusions de l'atelier"},
            "recommendations": [{"key": "r1", "text": {"fr": "Créer un registre national des organisations"}},
                                {"key": "r2", "text": {"ar": "تبسيط مساطر إحداث التعاونيات"}}]}
    response = await agenda.client.post("/sessions/markets/outcomes", headers=agenda.org, json=body)
    assert response.status_code == 200, response.text
    records = await read_topic(agenda.infra.kafka_bootstrap, agenda.settings.topic("agenda.sessions"), expect=4)
    outcome = next(envelope_of(r) for r in records
                   if envelope_of(r)["type"] == "agenda.session-outcomes-recorded.v1")
    assert outcome["subject"] == "markets"
    data = outcome["data"]
    assert set(data) == {"session_id", "conference_id", "session_title", "conclusions", "recommendations",
                         "recorded_at"}
    assert data["conference_id"] == agenda.conference_id and data["session_title"]["fr"] == "Séance markets"
    assert data["conclusions"] == {"ar": "خلاصات الورشة", "fr": "Conclusions de l'atelier", "en": None}
    assert [r["key"] for r in data["recommendations"]] == ["r1", "r2"]
    assert data["recommendations"][1]["text"]["ar"] == "تبسيط مساطر إحداث التعاونيات"


async def test_outcomes_with_repeated_keys_are_refused(agenda: Agenda) -> None:
    body = {"conclusions": {"fr": "x"}, "recommendations": [{"key": "r1", "text": {"fr": "a"}},
                                                            {"key": "r1", "text": {"fr": "b"}}]}
    response = await agenda.client.post("/sessions/markets/outcomes", headers=agenda.org, json=body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "duplicate_recommendation_key"
