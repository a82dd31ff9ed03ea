"""The staff scanner: a badge QR seen by the (fake) camera gives a green or red answer; offline scans wait and sync."""

from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.async_api import Playwright
from web_support import launch, screenshot, serve, text_of, y4m_of

from registration.app import create_app
from registration.settings import Settings
from shared.auth import load_private_key, mint_token
from shared.qr import qr_png
from support import Infra, Keys, eventually, settings_for, unique

pytestmark = pytest.mark.browser


async def _conference_with_participant(http: httpx.AsyncClient, keys: Keys) -> tuple[str, str, str]:
    """A conference held today, one confirmed participant; returns the conference id, registration id and
    badge PNG URL."""
    today = datetime.now(ZoneInfo("Africa/Casablanca")).date()
    created = await http.post("/admin/conferences", headers=keys.headers("admin"), json={
        "id": unique("conf"), "kind": "regional_consultation", "title": {"fr": "Consultation régionale Souss-Massa"},
        "venue": "Chambre de commerce", "city": "Agadir", "region": "souss-massa", "starts_on": today.isoformat(),
        "ends_on": today.isoformat(), "capacity": 50})
    assert created.status_code == 201, created.text
    cid = created.json()["id"]
    registered = await http.post(f"/conferences/{cid}/registrations", json={
        "full_name": "Fatima Zahra", "email": f"{unique('fz')}@example.ma", "phone": "0612345678",
        "organization_name": "Coopérative Argane", "organization_type": "cooperative", "region": "souss-massa",
        "consent": True})
    assert registered.status_code == 201, registered.text
    body: dict[str, Any] = registered.json()
    rid = body["registration"]["id"]
    return cid, rid, f"/registrations/{rid}/badge.png?token={body['manage_token']}"


async def test_scanner_reads_a_badge_from_the_camera_and_shows_green_then_red_for_a_forged_photo(
        infra: Infra, keys: Keys, playwright: Playwright, tmp_path: Path) -> None:
    settings = settings_for(Settings, infra, keys)
    async with serve(create_app(settings)) as base, httpx.AsyncClient(base_url=base) as http:
        cid, rid, badge_url = await _conference_with_participant(http, keys)
        video = y4m_of((await http.get(badge_url)).content, tmp_path / "badge.y4m")
        browser = await launch(playwright, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                               f"--use-file-for-fake-video-capture={video}")
        try:
            context = await browser.new_context(locale="fr-FR")
            await context.grant_permissions(["camera"], origin=base)
            page = await context.new_page()
            await page.goto(f"{base}/scanner/{cid}?lang=fr")
            await page.fill("#staff-token", keys.token(f"staff:conference:{cid}"))
            await page.dispatch_event("#staff-token", "change")
            await page.click("#start-camera")
            await page.wait_for_selector("#scan-result[data-outcome=ok]", timeout=20000)
            assert (await text_of(page, "#scan-result")).startswith("Entrée autorisée")
            await screenshot(page, "scanner-fr-green")
            registration = await http.get(f"/admin/registrations/{rid}", headers=keys.headers("admin"))
            assert registration.json()["checked_in_at"] is not None

            # A photo of a code that is no badge of ours: red, with the reason.
            forged = tmp_path / "forged.png"
            forged.write_bytes(qr_png("eyJhbGciOiJFZERTQSJ9.eyJ0IjoiYmFkZ2UifQ.forged"))
            await page.set_input_files("#photo", str(forged))
            await page.wait_for_selector("#scan-result[data-outcome=bad]")
            assert (await text_of(page, "#scan-result")).startswith("Code non valide")
            await screenshot(page, "scanner-fr-red")

            # The network goes: the badge this device admitted online is not admitted again here.
            await page.wait_for_function("() => document.getElementById('snapshot-age').dataset.version !== ''")
            await context.set_offline(True)
            photo = tmp_path / "badge.png"
            photo.write_bytes((await http.get(badge_url)).content)
            await page.set_input_files("#photo", str(photo))
            await page.wait_for_selector("#scan-result[data-status=refused]")
            assert await text_of(page, "#scan-result") == "Entrée refusée — Ce code a déjà été admis sur cet appareil."
        finally:
            await browser.close()


async def test_scan_made_offline_is_kept_with_a_pending_count_and_synced_when_back_online(
        infra: Infra, keys: Keys, playwright: Playwright, tmp_path: Path) -> None:
    settings = settings_for(Settings, infra, keys)
    async with serve(create_app(settings)) as base, httpx.AsyncClient(base_url=base) as http:
        cid, rid, badge_url = await _conference_with_participant(http, keys)
        badge = tmp_path / "badge.png"
        badge.write_bytes((await http.get(badge_url)).content)
        browser = await launch(playwright)
        try:
            context = await browser.new_context(locale="ar")
            page = await context.new_page()
            await page.goto(f"{base}/scanner/{cid}?lang=ar")
            await page.fill("#staff-token", keys.token(f"staff:conference:{cid}"))
            await page.dispatch_event("#staff-token", "change")
            await page.wait_for_function("() => document.getElementById('snapshot-age').dataset.version !== ''")

            await context.set_offline(True)
            await page.set_input_files("#photo", str(badge))
            await page.wait_for_selector("#pending[data-count='1']")
            # The device held its snapshot: it admitted the badge itself and keeps the decision.
            assert await page.get_attribute("#scan-result", "data-status") == "checked_in"
            assert "1" in await text_of(page, "#pending")
            assert await page.is_visible("#offline-note")
            await screenshot(page, "scanner-ar-offline-pending")
            registration = await http.get(f"/admin/registrations/{rid}", headers=keys.headers("admin"))
            assert registration.json()["checked_in_at"] is None

            # Back online: the browser's "online" event sends the queue to the batch endpoint.
            await context.set_offline(False)
            await page.wait_for_selector("#pending[data-count='0']", timeout=20000)
            assert await page.get_attribute("#scan-result", "data-outcome") == "ok"
            await screenshot(page, "scanner-ar-synced")

            async def checked_in() -> bool:
                reply = await http.get(f"/admin/registrations/{rid}", headers=keys.headers("admin"))
                return reply.json()["checked_in_at"] is not None
            assert await eventually(checked_in)
        finally:
            await browser.close()


async def test_scanner_uses_the_browser_session_of_gate_staff_without_a_typed_token(
        infra: Infra, keys: Keys, playwright: Playwright, tmp_path: Path) -> None:
    settings = settings_for(Settings, infra, keys)
    async with serve(create_app(settings)) as base, httpx.AsyncClient(base_url=base) as http:
        cid, rid, badge_url = await _conference_with_participant(http, keys)
        other, _, _ = await _conference_with_participant(http, keys)
        badge = tmp_path / "badge.png"
        badge.write_bytes((await http.get(badge_url)).content)
        browser = await launch(playwright)
        try:
            context = await browser.new_context(locale="fr-FR")
            # What the accounts service sets at sign-in: the HttpOnly access cookie and the csrf cookie.
            await context.add_cookies([
                {"name": "tadamon_access", "value": keys.token(f"staff:conference:{other}"), "url": base,
                 "httpOnly": True, "sameSite": "Lax"},
                {"name": "tadamon_csrf", "value": "csrf-of-this-session", "url": base, "sameSite": "Lax"}])
            page = await context.new_page()
            await page.goto(f"{base}/scanner/{cid}?lang=fr")
            await page.set_input_files("#photo", str(badge))
            await page.wait_for_selector("#scan-result[data-outcome=bad]")
            registration = await http.get(f"/admin/registrations/{rid}", headers=keys.headers("admin"))
            assert registration.json()["checked_in_at"] is None

            await context.add_cookies([{"name": "tadamon_access", "value": keys.token(f"staff:conference:{cid}"),
                                        "url": base, "httpOnly": True, "sameSite": "Lax"}])
            await page.reload()
            await page.set_input_files("#photo", str(badge))
            await page.wait_for_selector("#scan-result[data-status=checked_in]")
            registration = await http.get(f"/admin/registrations/{rid}", headers=keys.headers("admin"))
            assert registration.json()["checked_in_at"] is not None
        finally:
            await browser.close()


async def test_an_expired_session_keeps_the_scan_and_sends_the_browser_to_renew_it(
        infra: Infra, keys: Keys, playwright: Playwright, tmp_path: Path) -> None:
    accounts = "http://accounts.test"
    settings = settings_for(Settings, infra, keys, accounts_url=accounts)
    async with serve(create_app(settings)) as base, httpx.AsyncClient(base_url=base) as http:
        cid, _, badge_url = await _conference_with_participant(http, keys)
        badge = tmp_path / "badge.png"
        badge.write_bytes((await http.get(badge_url)).content)
        browser = await launch(playwright)
        try:
            context = await browser.new_context(locale="fr-FR")
            await context.route(f"{accounts}/**", lambda route: route.fulfill(status=200, body="accounts"))
            expired = mint_token(load_private_key(str(keys.private_file)), sub="gate",
                                 scopes=[f"staff:conference:{cid}"], ttl_seconds=-60)
            await context.add_cookies([
                {"name": "tadamon_access", "value": expired, "url": base, "httpOnly": True, "sameSite": "Lax"},
                {"name": "tadamon_csrf", "value": "csrf-of-this-session", "url": base, "sameSite": "Lax"}])
            page = await context.new_page()
            await page.goto(f"{base}/scanner/{cid}?lang=fr")
            await page.set_input_files("#photo", str(badge))
            await page.wait_for_url(f"{accounts}/auth/refresh?next=*")
            assert parse_qs(urlsplit(page.url).query)["next"] == [f"{base}/scanner/{cid}?lang=fr"]
            await page.goto(f"{base}/scanner/{cid}?lang=fr")
            await page.wait_for_selector("body[data-scanner-ready=true]")
            assert await page.get_attribute("#pending", "data-count") == "1"
        finally:
            await browser.close()
