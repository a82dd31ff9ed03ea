"""What the programme console's browser tests share: an organizer's browser, a conference the agenda
knows, a draft programme, and screenshots that check the phone's width."""

from typing import Any

import httpx
from playwright.async_api import Page
from web_support import WINDOWS, screenshot

from agenda.settings import Settings
from support import Infra, eventually, produce_raw, unique
from tests.agenda.agenda_factories import DAY1, conference_message, session_body

CONTACT = "nadia.berrada@example.org"
# A new connection per request: the server drops an idle one while the browser works, and a request
# sent on it just then would fail for no fault of the service.
FRESH = httpx.Limits(max_keepalive_connections=0)


async def known_conference(infra: Infra, settings: Settings, http: httpx.AsyncClient) -> str:
    cid = unique("ess")
    envelope = conference_message(cid)
    await produce_raw(infra.kafka_bootstrap, settings.topic("registration.conferences"), envelope.to_bytes(),
                      key=envelope.subject.encode(), headers=envelope.headers())

    async def known() -> bool:
        return (await http.get(f"/conferences/{cid}")).status_code == 200
    await eventually(known)
    return cid


async def draft_programme(http: httpx.AsyncClient, cid: str, org: dict[str, str]) -> None:
    """Two rooms, two speakers, three sessions, released as version 1."""
    posts: list[tuple[str, dict[str, Any]]] = [
        ("rooms", {"id": "room-a", "name": "Amphi A", "capacity": 100}),
        ("rooms", {"id": "room-b", "name": "Salle B", "capacity": 40}),
        ("speakers", {"id": "sp-1", "name": "Nadia Berrada", "organization": "ODCO", "contact": CONTACT}),
        ("speakers", {"id": "sp-2", "name": "Youssef Amrani"}),
        ("sessions", session_body("s-open", room_id="room-a", speaker_ids=["sp-1"])),
        ("sessions", session_body("s-two", room_id="room-b", capacity=30)),
        ("sessions", session_body("s-gone", room_id="room-a", starts_at=f"{DAY1}T14:00:00",
                                  ends_at=f"{DAY1}T15:00:00")),
    ]
    for kind, body in posts:
        created = await http.post(f"/conferences/{cid}/{kind}", json=body, headers=org)
        assert created.status_code == 201, created.text
    assert (await http.post(f"/conferences/{cid}/releases", headers=org)).status_code == 201


async def fits(page: Page, window: str) -> None:
    """On the phone nothing makes the page wider than the screen (the grid scrolls in its own box)."""
    if window == "phone":
        assert await page.evaluate("document.documentElement.scrollWidth") <= WINDOWS["phone"]["width"]


async def shot(page: Page, screen: str, lang: str, window: str) -> None:
    await fits(page, window)
    await screenshot(page, f"console-agenda-{screen}-{lang}-{window}")
