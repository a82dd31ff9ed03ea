"""The session page: its heading and date, speakers joined per language, an unknown session in every language."""

from typing import Any

import httpx
import pytest
from playwright.async_api import Browser
from test_web_agenda import publish, session
from web_support import screenshot, serve, text_of

from agenda.app import create_app
from agenda.settings import Settings
from shared.envelope import make_envelope
from support import Infra, Keys, eventually, settings_for, unique

pytestmark = pytest.mark.browser


async def released_programme(infra: Infra, settings: Settings, http: httpx.AsyncClient, org: dict[str, str],
                             cid: str) -> None:
    await publish(infra, settings, "registration.conferences", make_envelope(
        type="registration.conference-created.v1", source="registration", subject=cid, data={
            "conference_id": cid, "kind": "national_conference", "edition": 6,
            "title": {"ar": "المناظرة الوطنية السادسة", "fr": "6e Assises nationales", "en": "6th conference"},
            "slogan": None, "city": "Ben Guerir", "region": "marrakech-safi", "venue": "UM6P",
            "starts_on": "2027-03-30", "ends_on": "2027-03-31", "timezone": "Africa/Casablanca",
            "capacity": 1500, "registration_opens_at": None, "registration_closes_at": None,
            "requires_approval": False}))

    async def known() -> bool:
        return (await http.get(f"/conferences/{cid}")).status_code == 200
    await eventually(known)
    calls: list[tuple[str, dict[str, Any]]] = [
        ("rooms", {"id": "room-a", "name": "Amphi A", "capacity": 100}),
        ("speakers", {"id": "sp-1", "name": "Nadia Berrada", "organization": "ODCO"}),
        ("speakers", {"id": "sp-2", "name": "Youssef Amrani"}),
        ("speakers", {"id": "sp-3", "name": "Laila Idrissi"}),
        ("sessions", session("s-one", "2027-03-31T10:00:00", "2027-03-31T11:30:00",
                             speaker_ids=["sp-1", "sp-2", "sp-3"])),
    ]
    for collection, body in calls:
        created = await http.post(f"/conferences/{cid}/{collection}", headers=org, json=body)
        assert created.status_code == 201, created.text
    assert (await http.post(f"/conferences/{cid}/releases", headers=org)).status_code == 201


async def test_session_page_has_a_heading_and_its_date_and_joins_speakers_as_the_language_does(
        infra: Infra, keys: Keys, browser: Browser) -> None:
    settings = settings_for(Settings, infra, keys)
    cid = unique("ess")
    async with serve(create_app(settings)) as base, httpx.AsyncClient(base_url=base) as http:
        await released_programme(infra, settings, http, keys.headers("admin"), cid)
        page = await browser.new_page(locale="ar", viewport={"width": 360, "height": 800})
        await page.goto(f"{base}/programme/{cid}/sessions/s-one?lang=ar")
        assert await text_of(page, "h1") == "جلسة s-one"
        assert await text_of(page, "#session-when time.date") == "31 مارس 2027"
        assert "10:00–11:30" in await text_of(page, "#session-when")
        speakers = await text_of(page, "#session-s-one p.speakers")
        assert "Nadia Berrada وYoussef Amrani وLaila Idrissi" in speakers and "،" not in speakers
        await screenshot(page, "session-ar")
        await page.goto(f"{base}/programme/{cid}/sessions/s-one?lang=fr")
        assert "Nadia Berrada, Youssef Amrani et Laila Idrissi" in await text_of(page, "#session-s-one")
        assert await text_of(page, "#session-when time.date") == "31 mars 2027"
        await page.goto(f"{base}/programme/{cid}?lang=fr")
        assert await text_of(page, "h2#day-2027-03-31") == "31 mars 2027"
        assert "Nadia Berrada, Youssef Amrani et Laila Idrissi" in await text_of(page, "#session-s-one")
        await page.close()


async def test_an_unknown_session_is_explained_in_each_language(infra: Infra, keys: Keys, browser: Browser) -> None:
    settings = settings_for(Settings, infra, keys)
    cid = unique("ess")
    async with serve(create_app(settings)) as base, httpx.AsyncClient(base_url=base) as http:
        await released_programme(infra, settings, http, keys.headers("admin"), cid)
        page = await browser.new_page()
        expected = {"ar": "الجلسة «nope» غير موجودة.", "fr": "La séance « nope » est introuvable.",
                    "en": "Session 'nope' does not exist."}
        for lang, message in expected.items():
            response = await page.goto(f"{base}/programme/{cid}/sessions/nope?lang={lang}")
            assert response is not None and response.status == 404
            assert await text_of(page, "[role=alert]") == message
        await screenshot(page, "session-unknown-en")
        await page.close()
