"""The exhibitor-pass scanner decides offline from its snapshot, opened cold with no network, and syncs."""

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from offline_support import (
    cold_offline,
    forged,
    outcome,
    prepared_device,
    served,
    show_code,
    signer,
    signing_keys,
    stranger,
)
from playwright.async_api import Playwright
from pymongo import AsyncMongoClient
from web_support import launch, screenshot

from marketplace.app import create_app
from marketplace.domain import market_day
from marketplace.settings import Settings
from support import Infra, Keys, settings_for

pytestmark = pytest.mark.browser


async def _market(http: httpx.AsyncClient, keys: Keys, stands: int) -> str:
    now = datetime.now(UTC)
    market = await http.post("/markets", headers=keys.headers("admin"), json={
        "kind": "mobile_market", "name": {"ar": "السوق المتنقل للمنتجات التعاونية", "fr": "Marché mobile d'Oujda"},
        "city": "Oujda", "region": "oriental", "venue": "Place du 16 août",
        "days": [market_day(now).isoformat()], "application_opens_at": (now - timedelta(days=1)).isoformat(),
        "application_closes_at": (now + timedelta(days=1)).isoformat(),
        "stands": [{"number": n, "zone": "A", "size": "3x3"} for n in range(1, stands + 1)]})
    assert market.status_code == 201, market.text
    return str(market.json()["id"])


async def _exhibitor(http: httpx.AsyncClient, keys: Keys, mid: str) -> tuple[str, str, dict[str, str]]:
    """An accepted cooperative: its application id, pass token and exhibitor headers."""
    coop = await http.post("/cooperatives", headers=keys.headers("admin"), json={
        "name": {"ar": "تعاونية الزيتون", "fr": "Coopérative Zitoune"},
        "register_number": f"OUJ-{uuid.uuid4().int % 90000 + 10000}", "region": "oriental", "province": "Oujda-Angad",
        "sector": "argan_oils", "members": 12, "women_led": True, "youth_led": False,
        "contact": {"phone": "0612345678"},
        "products": [{"name": {"fr": "Huile d'olive"}, "category": "argan_oils", "unit_price_mad": 90}]})
    assert coop.status_code == 201, coop.text
    cid = coop.json()["id"]
    exhibitor = keys.headers(f"exhibitor:cooperative:{cid}", sub=f"cooperative:{cid}")
    applied = await http.post("/applications", json={"market_ids": [mid]}, headers=exhibitor)
    assert applied.status_code == 201, applied.text
    application_id = applied.json()[0]["id"]
    accepted = await http.post(f"/applications/{application_id}/accept", headers=keys.headers("admin"))
    assert accepted.status_code == 200, accepted.text
    token = (await http.get(f"/applications/{application_id}/pass", headers=exhibitor)).json()["token"]
    return application_id, token, exhibitor


def _claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return claims


async def test_passes_are_decided_offline_on_the_device_and_synced_once_flagged_with_the_conflict_reported(
        infra: Infra, keys: Keys, playwright: Playwright, tmp_path: Path) -> None:
    current, previous = signing_keys(tmp_path)
    settings = settings_for(Settings, infra, keys, jwt_private_key_file=str(keys.private_file),
                            signing_key_file=str(current), signing_previous_key_files=str(previous))
    async with served(create_app(settings)) as (base, http):
        mid = await _market(http, keys, stands=4)
        valid, twice, withdrawn, rotated = [await _exhibitor(http, keys, mid) for _ in range(4)]
        gone = await http.post(f"/applications/{withdrawn[0]}/withdraw", headers=withdrawn[2])
        assert gone.status_code == 200, gone.text
        # Signed before the last rotation: the device holds every key still valid.
        rotated_pass = signer(previous).sign(_claims(rotated[1]))
        other_market = signer(current).sign({**_claims(valid[1]), "m": "market-elsewhere"})
        url = f"{base}/scanner/markets/{mid}?lang=en"
        staff = keys.token(f"staff:market:{mid}")
        browser = await launch(playwright)
        try:
            first = await browser.new_context(locale="en-GB")
            second = await browser.new_context(locale="en-GB")
            await prepared_device(first, url, staff)
            await prepared_device(second, url, staff)
            page = await cold_offline(first, url)
            assert await page.evaluate("navigator.onLine") is False

            await show_code(page, valid[1], tmp_path, "valid")
            assert await outcome(page) == {"outcome": "ok", "status": "checked_in",
                                           "text": "Entry allowed (decided offline)"}
            await screenshot(page, "pass-scanner-offline-en-admitted")
            await show_code(page, forged(valid[1]), tmp_path, "forged")
            assert (await outcome(page))["status"] == "invalid"
            await show_code(page, other_market, tmp_path, "other")
            assert await outcome(page) == {"outcome": "bad", "status": "invalid",
                                           "text": "Invalid pass — This code belongs to another event."}
            await show_code(page, withdrawn[1], tmp_path, "withdrawn")
            assert await outcome(page) == {"outcome": "bad", "status": "refused",
                                           "text": "Entry refused — This code has been revoked."}
            await show_code(page, valid[1], tmp_path, "valid-again")
            assert (await outcome(page))["text"] == "Entry refused — This code was already admitted on this device."
            await show_code(page, stranger().sign(_claims(valid[1])), tmp_path, "unknown")
            assert (await outcome(page))["status"] == "undecided"
            await show_code(page, rotated_pass, tmp_path, "rotated")
            assert (await outcome(page))["status"] == "checked_in"
            await show_code(page, twice[1], tmp_path, "twice-first")
            assert (await outcome(page))["status"] == "checked_in"
            assert await page.get_attribute("#pending", "data-count") == "8"

            other_device = await cold_offline(second, url)
            await show_code(other_device, twice[1], tmp_path, "twice-second")
            assert (await outcome(other_device))["status"] == "checked_in"

            for context, open_page in ((first, page), (second, other_device)):
                await context.set_offline(False)
                await open_page.wait_for_selector("#pending[data-count='0']", timeout=30000)
        finally:
            await browser.close()

        async with AsyncMongoClient(settings.mongo_url) as client:
            scans = await client[settings.mongo_db]["offline_scans"].find({"market_id": mid}).to_list(None)
        assert len(scans) == 9 and all(s["decided_offline"] for s in scans)
        assert {s["snapshot_version"] for s in scans} != {None}
        admitted = [s for s in scans if s["outcome"]["status"] == "checked_in"]
        assert len(admitted) == 3

        organizer = keys.headers(f"organizer:market:{mid}")
        conflicts = (await http.get(f"/markets/{mid}/checkin-conflicts", headers=organizer)).json()
        assert conflicts["count"] == 1
        assert conflicts["conflicts"][0]["pass_id"] == _claims(twice[1])["p"]
        assert conflicts["conflicts"][0]["kind"] == "admitted_on_two_devices"
        attendance = (await http.get(f"/markets/{mid}/attendance", headers=organizer)).json()
        assert attendance["offline_conflicts"] == 1 and attendance["days"][0]["checked_in"] == 3


async def test_the_pass_snapshot_is_for_gate_staff_of_that_market_and_lists_withdrawn_passes(
        infra: Infra, keys: Keys) -> None:
    settings = settings_for(Settings, infra, keys, jwt_private_key_file=str(keys.private_file))
    async with served(create_app(settings)) as (_, http):
        mid, other = await _market(http, keys, stands=2), await _market(http, keys, stands=1)
        kept, withdrawn = await _exhibitor(http, keys, mid), await _exhibitor(http, keys, mid)
        await http.post(f"/applications/{withdrawn[0]}/withdraw", headers=withdrawn[2])
        refused = await http.get(f"/markets/{mid}/checkins/snapshot", headers=keys.headers(f"staff:market:{other}"))
        assert refused.status_code == 403
        snapshot = (await http.get(f"/markets/{mid}/checkins/snapshot",
                                   headers=keys.headers(f"staff:market:{mid}"))).json()
        assert snapshot["revoked"] == [_claims(withdrawn[1])["p"]]
        assert _claims(kept[1])["p"] not in snapshot["revoked"]
        assert len(snapshot["windows"]) == 1 and snapshot["keys"]
