"""Hostile input at the agenda: oversized conclusions, titles on several lines, days and filters out of range."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from agenda_factories import DAY1, Agenda, agenda_service

from support import Infra, Keys


@pytest.fixture
async def agenda(infra: Infra, keys: Keys, tmp_path: Path) -> AsyncIterator[Agenda]:
    async with agenda_service(infra, keys, tmp_path) as service:
        yield service


async def test_conclusions_and_outcome_texts_longer_than_5000_characters_are_refused(agenda: Agenda) -> None:
    assert (await agenda.session("markets")).status_code == 201
    too_long = {"conclusions": {"ar": "خ" * 5001},
                "recommendations": [{"key": "r1", "text": {"fr": "x" * 5001}}]}
    refused = await agenda.client.post("/sessions/markets/outcomes", headers=agenda.org, json=too_long)
    assert refused.status_code == 422
    assert {(e["field"], e["code"]) for e in refused.json()["errors"]} == {
        ("conclusions.ar", "field_too_long"), ("recommendations.0.text.fr", "field_too_long")}
    stored = await agenda.client.get("/sessions/markets", headers=agenda.org)
    assert stored.status_code == 200 and not stored.json().get("outcomes")
    pending = await agenda.client._transport.app.state.platform.outbox.collection.count_documents(  # type: ignore[attr-defined]
        {"type": "agenda.session-outcomes-recorded.v1"})
    assert pending == 0


async def test_session_title_with_a_line_break_or_over_300_characters_is_refused(agenda: Agenda) -> None:
    for title, code in (({"fr": "Atelier\nmarchés"}, "field_not_single_line"), ({"en": "S" * 301}, "field_too_long")):
        refused = await agenda.session("s-bad", title=title)
        assert refused.status_code == 422 and refused.json()["errors"][0]["code"] == code
    assert (await agenda.session("s-ok")).status_code == 201
    changed = await agenda.client.patch("/sessions/s-ok", headers=agenda.org, json={"title": {"ar": "جلسة\nثانية"}})
    assert changed.status_code == 422 and changed.json()["errors"][0]["code"] == "field_not_single_line"


async def test_session_speakers_room_and_languages_are_bounded(agenda: Agenda) -> None:
    refused = await agenda.session("s-many", speaker_ids=[f"spk-{n}" for n in range(51)], room_id="r" * 101,
                                   languages=["ar", "fr", "en", "ar"])
    assert refused.status_code == 422
    assert {e["field"] for e in refused.json()["errors"]} == {"speaker_ids", "room_id", "languages"}


async def test_schedule_day_and_filters_out_of_range_are_problems_not_server_errors(agenda: Agenda) -> None:
    assert (await agenda.session("s-a")).status_code == 201
    await agenda.release()
    url = f"/conferences/{agenda.conference_id}/schedule"
    for params in ({"day": "9999-12-31"}, {"day": "0001-01-01"}, {"track": "t" * 101}, {"room": "r" * 101}):
        answer = await agenda.client.get(url, params=params, headers={"Accept-Language": "fr"})
        assert answer.status_code == 422, params
        assert answer.headers["content-type"] == "application/problem+json"
    assert (await agenda.client.get(url, params={"day": DAY1})).status_code == 200
