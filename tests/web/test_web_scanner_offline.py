"""The badge scanner decides offline from its snapshot, opened cold with no network, and syncs what it decided."""

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

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
from playwright.async_api import BrowserContext, Playwright
from pymongo import AsyncMongoClient
from web_support import CHROMIUM, CHROMIUM_ARGS, launch, screenshot

from registration.app import create_app
from registration.settings import Settings
from support import Infra, Keys, settings_for, unique

pytestmark = pytest.mark.browser


async def _conference(http: httpx.AsyncClient, keys: Keys) -> str:
    today = datetime.now(ZoneInfo("Africa/Casablanca")).date().isoformat()
    created = await http.post("/admin/conferences", headers=keys.headers("admin"), json={
        "id": unique("conf"), "kind": "regional_consultation", "title": {"fr": "Consultation régionale Oriental"},
        "venue": "Salle des fêtes", "city": "Oujda", "region": "oriental", "starts_on": today, "ends_on": today,
        "capacity": 50})
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def _participant(http: httpx.AsyncClient, cid: str) -> tuple[str, str]:
    """A confirmed registration: its id and manage token."""
    registered = await http.post(f"/conferences/{cid}/registrations", json={
        "full_name": "Amina Berrada", "email": f"{unique('ab')}@example.ma", "phone": "0612345678",
        "organization_name": "Coopérative Safran", "organization_type": "cooperative", "region": "oriental",
        "consent": True})
    assert registered.status_code == 201, registered.text
    return registered.json()["registration"]["id"], registered.json()["manage_token"]


async def test_badges_are_decided_offline_on_the_device_and_synced_once_flagged_with_the_conflict_reported(
        infra: Infra, keys: Keys, playwright: Playwright, tmp_path: Path) -> None:
    current, previous = signing_keys(tmp_path)
    settings = settings_for(Settings, infra, keys, signing_key_file=str(current),
                            signing_previous_key_files=str(previous))
    async with served(create_app(settings)) as (base, http):
        cid, other = await _conference(http, keys), await _conference(http, keys)
        valid, twice, cancelled, rotated = [await _participant(http, cid) for _ in range(4)]
        foreign, _ = await _participant(http, other)
        cancel = await http.post(f"/registrations/{cancelled[0]}/cancel", params={"token": cancelled[1]})
        assert cancel.status_code == 200, cancel.text
        badge = {rid: signer(current).sign({"t": "badge", "r": rid, "c": cid})
                 for rid in (valid[0], twice[0], cancelled[0])}
        # Signed before the last rotation: the device holds every key still valid.
        badge[rotated[0]] = signer(previous).sign({"t": "badge", "r": rotated[0], "c": cid})
        url = f"{base}/scanner/{cid}?lang=fr"
        staff = keys.token(f"staff:conference:{cid}")
        browser = await launch(playwright)
        try:
            first = await browser.new_context(locale="fr-FR")
            second = await browser.new_context(locale="fr-FR")
            await prepared_device(first, url, staff)
            await prepared_device(second, url, staff)
            page = await cold_offline(first, url)
            assert await page.evaluate("navigator.onLine") is False
            assert await page.is_visible("#offline-note")

            await show_code(page, badge[valid[0]], tmp_path, "valid")
            assert await outcome(page) == {"outcome": "ok", "status": "checked_in",
                                           "text": "Entrée autorisée (décidé hors ligne)"}
            await screenshot(page, "scanner-offline-fr-admitted")
            await show_code(page, forged(badge[valid[0]]), tmp_path, "forged")
            assert (await outcome(page))["status"] == "invalid"
            await show_code(page, signer(current).sign({"t": "badge", "r": foreign, "c": other}), tmp_path, "other")
            assert await outcome(page) == {"outcome": "bad", "status": "invalid",
                                           "text": "Code non valide — Ce code appartient à un autre événement."}
            await show_code(page, badge[cancelled[0]], tmp_path, "cancelled")
            assert await outcome(page) == {"outcome": "bad", "status": "refused",
                                           "text": "Entrée refusée — Ce code a été révoqué."}
            await show_code(page, badge[valid[0]], tmp_path, "valid-again")
            assert (await outcome(page))["text"]== "Entrée refusée — Ce code a déjà été admis sur cet appareil."
            await show_code(page, stranger().sign({"t": "badge", "r": valid[0], "c": cid}), tmp_path, "unknown")
            assert (await outcome(page))["status"] == "undecided"
            await screenshot(page, "scanner-offline-fr-undecided")
            await show_code(page, badge[rotated[0]], tmp_path, "rotated")
            assert (await outcome(page))["status"] == "checked_in"
            await show_code(page, badge[twice[0]], tmp_path, "twice-first")
            assert (await outcome(page))["status"] == "checked_in"
            assert await page.get_attribute("#pending", "data-count") == "8"

            # The queue outlives the page: a reload, still offline, finds the eight decisions.
            await page.reload()
            await page.wait_for_selector("body[data-scanner-ready=true]")
            assert await page.get_attribute("#pending", "data-count") == "8"

            other_device = await cold_offline(second, url)
            await show_code(other_device, badge[twice[0]], tmp_path, "twice-second")
            assert (await outcome(other_device))["status"] == "checked_in"

            for context, open_page in ((first, page), (second, other_device)):
                await context.set_offline(False)
                await open_page.wait_for_selector("#pending[data-count='0']", timeout=30000)
        finally:
            await browser.close()

        async with AsyncMongoClient(settings.mongo_url) as client:
            scans = await client[settings.mongo_db]["scans"].find({"conference_id": cid}).to_list(None)
            admitted = {rid: await client[settings.mongo_db]["registrations"].find_one({"_id": rid})
                        for rid in (valid[0], rotated[0], twice[0])}
        assert len(scans) == 9 and all(s["decided_offline"] for s in scans)
        assert len({s["_id"] for s in scans}) == 9
        assert {s["snapshot_version"] for s in scans} != {None}
        assert all(doc is not None and doc["checked_in_offline"] for doc in admitted.values())
        cancelled_doc = await http.get(f"/admin/registrations/{cancelled[0]}", headers=keys.headers("admin"))
        assert cancelled_doc.json()["checked_in_at"] is None

        organizer = keys.headers(f"organizer:conference:{cid}")
        conflicts = (await http.get(f"/admin/conferences/{cid}/checkin-conflicts", headers=organizer)).json()
        assert conflicts["count"] == 1
        assert conflicts["conflicts"][0]["registration_id"] == twice[0]
        assert conflicts["conflicts"][0]["kind"] == "admitted_on_two_devices"
        stats = (await http.get(f"/admin/conferences/{cid}/stats", headers=organizer)).json()
        assert stats["offline_conflicts"] == 1 and stats["checked_in"] == 3


async def test_the_snapshot_is_for_gate_staff_of_that_conference_and_lists_revoked_badges(
        infra: Infra, keys: Keys, tmp_path: Path) -> None:
    settings = settings_for(Settings, infra, keys)
    async with served(create_app(settings)) as (_, http):
        cid, other = await _conference(http, keys), await _conference(http, keys)
        kept, cancelled = await _participant(http, cid), await _participant(http, cid)
        await http.post(f"/registrations/{cancelled[0]}/cancel", params={"token": cancelled[1]})
        refused = await http.get(f"/checkin/conferences/{cid}/snapshot",
                                 headers=keys.headers(f"staff:conference:{other}"))
        assert refused.status_code == 403
        snapshot = (await http.get(f"/checkin/conferences/{cid}/snapshot",
                                   headers=keys.headers(f"staff:conference:{cid}"))).json()
        assert snapshot["revoked"] == [cancelled[0]] and kept[0] not in snapshot["revoked"]
        assert snapshot["keys"] and all(set(k) >= {"kid", "x"} for k in snapshot["keys"])
        [window] = snapshot["windows"]
        assert window["opens_at"] < window["closes_at"] and snapshot["version"].isdigit()
        assert "email" not in str(snapshot) and "Amina" not in str(snapshot)


async def test_decisions_kept_offline_survive_a_browser_restart_and_sync_when_the_network_returns(
        infra: Infra, keys: Keys, playwright: Playwright, tmp_path: Path) -> None:
    current, _ = signing_keys(tmp_path)
    settings = settings_for(Settings, infra, keys, signing_key_file=str(current))
    async with served(create_app(settings)) as (base, http):
        cid = await _conference(http, keys)
        rid, _ = await _participant(http, cid)
        badge = signer(current).sign({"t": "badge", "r": rid, "c": cid})
        url = f"{base}/scanner/{cid}?lang=ar"
        profile = tmp_path / "phone"

        async def phone() -> BrowserContext:
            return await playwright.chromium.launch_persistent_context(
                str(profile), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, locale="ar")

        context = await phone()
        try:
            await prepared_device(context, url, keys.token(f"staff:conference:{cid}"))
            page = await cold_offline(context, url)
            await show_code(page, badge, tmp_path, "badge")
            assert (await outcome(page))["status"] == "checked_in"
            assert await page.get_attribute("#pending", "data-count") == "1"
        finally:
            await context.close()

        # The phone died and came back: the browser starts again with the network still cut.
        context = await phone()
        try:
            page = await cold_offline(context, url)
            assert await page.get_attribute("#pending", "data-count") == "1"
            await show_code(page, badge, tmp_path, "badge-again")
            assert (await outcome(page))["status"] == "refused"
            await context.set_offline(False)
            await page.wait_for_selector("#pending[data-count='0']", timeout=30000)
        finally:
            await context.close()
        registration = await http.get(f"/admin/registrations/{rid}", headers=keys.headers("admin"))
        assert registration.json()["checked_in_at"] is not None
