"""The programme pages: filters, starring into "my agenda", signing up with the manage token."""

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser
from web_support import screenshot, serve, text_of

from agenda.app import create_app
from agenda.settings import Settings
from registration.events import ParticipantConfirmed
from shared.envelope import make_envelope
from shared.signing import Signer
from support import Infra, Keys, eventually, produce_raw, settings_for, unique

pytestmark = pytest.mark.browser


async def publish(infra: Infra, settings: Settings, topic: str, envelope: Any) -> None:
    await produce_raw(infra.kafka_bootstrap, settings.topic(topic), envelope.to_bytes(),
                      key=envelope.subject.encode(), headers=envelope.headers())


def session(session_id: str, start: str, end: str, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": session_id, "title": {"ar": f"جلسة {session_id}", "fr": f"Séance {session_id}"},
        "abstract": {"fr": "Accès des coopératives aux marchés publics.",
                     "ar": "ولوج التعاونيات إلى الصفقات العمومية."},
        "kind": "workshop", "track": "market-access", "room_id": "room-a", "starts_at": start, "ends_at": end,
        "languages": ["ar", "fr"], "speaker_ids": [], "moderator_ids": [],
    }
    body.update(fields)
    return body


async def test_programme_filters_by_day_stars_a_session_into_my_agenda_and_signs_a_participant_up(
        infra: Infra, keys: Keys, browser: Browser, tmp_path: Path) -> None:
    registration_signer = Signer.from_file_or_new("")
    key_file = tmp_path / "registration_public.pem"
    key_file.write_text(registration_signer.public_pem())
    settings = settings_for(Settings, infra, keys, registration_public_key_file=str(key_file))
    cid, rid = unique("ess"), unique("reg")
    org = keys.headers("admin")
    async with serve(create_app(settings)) as base, httpx.AsyncClient(base_url=base) as http:
        await publish(infra, settings, "registration.conferences", make_envelope(
            type="registration.conference-created.v1", source="registration", subject=cid, data={
                "conference_id": cid, "kind": "national_conference", "edition": 6,
                "title": {"ar": "المناظرة الوطنية السادسة", "fr": "6e Assises nationales", "en": "6th conference"},
                "slogan": None, "city": "Ben Guerir", "region": "marrakech-safi", "venue": "UM6P",
                "starts_on": "2027-06-16", "ends_on": "2027-06-17", "timezone": "Africa/Casablanca",
                "capacity": 1500, "registration_opens_at": None, "registration_closes_at": None,
                "requires_approval": False}))

        async def known() -> bool:
            return (await http.get(f"/conferences/{cid}")).status_code == 200
        await eventually(known)
        room = await http.post(f"/conferences/{cid}/rooms", headers=org,
                               json={"id": "room-a", "name": "Amphi A", "capacity": 100})
        assert room.status_code == 201, room.text
        for body in (session("s-open", "2027-06-16T10:00:00", "2027-06-16T11:00:00", kind="plenary"),
                     session("s-seats", "2027-06-16T14:00:00", "2027-06-16T15:00:00", capacity=20),
                     session("s-day2", "2027-06-17T10:00:00", "2027-06-17T11:00:00")):
            created = await http.post(f"/conferences/{cid}/sessions", headers=org, json=body)
            assert created.status_code == 201, created.text
        assert (await http.post(f"/conferences/{cid}/releases", headers=org)).status_code == 201

        page = await browser.new_page(locale="ar")
        await page.goto(f"{base}/programme/{cid}?lang=ar")
        assert await page.get_attribute("html", "dir") == "rtl"
        assert await page.is_visible("#session-s-open") and await page.is_visible("#session-s-day2")
        await page.select_option("#filter-day", "2027-06-17")
        await page.click("form.filters button[type=submit]")
        await page.wait_for_url("**day=2027-06-17**")
        assert await page.query_selector("#session-s-open") is None
        assert await page.is_visible("#session-s-day2")
        await screenshot(page, "programme-ar-filtered")

        # Star: the button turns pressed and the session is in this visitor's agenda.
        await page.goto(f"{base}/programme/{cid}?lang=fr")
        await page.click("[data-star=s-open]")
        await page.wait_for_selector("[data-star=s-open][aria-pressed=true]")
        agenda_id = await page.evaluate("localStorage.getItem('tadamon.agendaId')")
        mine = await http.get(f"/agendas/{agenda_id}")
        assert [s["id"] for s in mine.json()["sessions"]] == ["s-open"]
        await page.reload()
        await page.wait_for_selector("[data-star=s-open][aria-pressed=true]")
        await screenshot(page, "programme-fr-starred")
        await page.click("#my-agenda-link")
        await page.wait_for_selector("article[data-session=s-open]")
        assert await page.query_selector("article[data-session=s-day2]") is None
        await screenshot(page, "my-agenda-fr")

        # A confirmed participant following their mail link can sign up for a session with seats.
        await publish(infra, settings, "registration.participants", make_envelope(
            type=ParticipantConfirmed.message_type, source="registration", subject=rid, data=ParticipantConfirmed(
                registration_id=rid, conference_id=cid, status="confirmed", category="cooperative",
                region="souss-massa", gender=None, age_band=None, language="fr", at=datetime.now(UTC), version=1)))
        token = registration_signer.sign({"t": "manage", "r": rid, "c": cid, "n": uuid.uuid4().hex[:8]})

        async def confirmed() -> bool:
            reply = await http.get("/me/agenda", headers={"X-Manage-Token": token})
            return reply.status_code == 200 and reply.json()["registration_status"] == "confirmed"
        await eventually(confirmed)
        await page.goto(f"{base}/programme/{cid}/sessions/s-seats?lang=fr&token={token}")
        await page.click("[data-signup=s-seats]")
        await page.wait_for_selector("[data-signup-state=s-seats][data-status=confirmed]")
        assert await text_of(page, "[data-signup-state=s-seats]") == "Vous êtes inscrit·e à cette séance"
        await screenshot(page, "session-fr-signed-up")
        await page.close()
