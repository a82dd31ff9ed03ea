"""The exhibitor-pass scanner: a pass QR gives green with the cooperative, a repeat says so, a forged pass is red;
scans made offline wait on the device with a pending count and sync through the batch endpoint."""

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Page, Playwright
from web_support import launch, screenshot, serve, text_of, y4m_of

from marketplace.app import create_app
from marketplace.domain import market_day
from marketplace.settings import Settings
from shared.qr import qr_png
from support import Infra, Keys, eventually, settings_for

pytestmark = pytest.mark.browser


async def _market_with_pass(http: httpx.AsyncClient, keys: Keys) -> tuple[str, bytes, str]:
    """A market open today, one accepted cooperative on stand 7; returns the market id, pass PNG and pass token."""
    org = keys.headers("admin")
    coop = await http.post("/cooperatives", headers=org, json={
        "name": {"ar": "تعاونية تافيوت", "fr": "Coopérative Tafyoute"},
        "register_number": f"AGA-{uuid.uuid4().int % 90000 + 10000}",
        "region": "souss-massa", "province": "Agadir Ida-Outanane", "sector": "argan_oils", "members": 24,
        "women_led": True, "youth_led": False, "contact": {"phone": "0612345678"},
        "products": [{"name": {"fr": "Huile d'argan"}, "category": "argan_oils", "unit_price_mad": 180}]})
    assert coop.status_code == 201, coop.text
    cid = coop.json()["id"]
    now = datetime.now(UTC)
    market = await http.post("/markets", headers=org, json={
        "kind": "mobile_market", "name": {"ar": "السوق المتنقل للمنتجات التعاونية", "fr": "Marché mobile de Rabat"},
        "city": "Rabat", "region": "rabat-sale-kenitra", "venue": "Bab El Had",
        "days": [market_day(now).isoformat()], "application_opens_at": (now - timedelta(days=1)).isoformat(),
        "application_closes_at": (now + timedelta(days=1)).isoformat(),
        "stands": [{"number": 7, "zone": "A", "size": "3x3"}]})
    assert market.status_code == 201, market.text
    mid = market.json()["id"]
    exhibitor = keys.headers(f"exhibitor:cooperative:{cid}", sub=f"cooperative:{cid}")
    applied = await http.post("/applications", json={"market_ids": [mid]}, headers=exhibitor)
    assert applied.status_code == 201, applied.text
    application_id = applied.json()[0]["id"]
    accepted = await http.post(f"/applications/{application_id}/accept", headers=org)
    assert accepted.status_code == 200, accepted.text
    png = await http.get(f"/applications/{application_id}/pass.png", headers=exhibitor)
    token = (await http.get(f"/applications/{application_id}/pass", headers=exhibitor)).json()["token"]
    assert png.status_code == 200, png.text
    return mid, png.content, token


async def _checked_in_today(http: httpx.AsyncClient, keys: Keys, market_id: str) -> int:
    reply = await http.get(f"/markets/{market_id}/attendance", headers=keys.headers("admin"))
    assert reply.status_code == 200, reply.text
    [day] = reply.json()["days"]
    count: int = day["checked_in"]
    return count


async def _sign_in_staff(page: Page, keys: Keys, market_id: str) -> str:
    token = keys.token(f"staff:market:{market_id}")
    await page.fill("#staff-token", token)
    await page.dispatch_event("#staff-token", "change")
    return token


def _forged(token: str) -> str:
    """The pass moved to another stand by hand: the signature no longer matches the claims."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["s"] == 7
    altered = base64.urlsafe_b64encode(json.dumps({**claims, "s": 8}).encode()).rstrip(b"=").decode()
    return ".".join([header, altered, signature])


async def test_pass_seen_by_the_camera_is_green_with_the_cooperative_then_repeat_and_forged_pass_say_why(
        infra: Infra, keys: Keys, playwright: Playwright, tmp_path: Path) -> None:
    settings = settings_for(Settings, infra, keys, jwt_private_key_file=str(keys.private_file))
    async with serve(create_app(settings)) as base, httpx.AsyncClient(base_url=base) as http:
        mid, png, token = await _market_with_pass(http, keys)
        video = y4m_of(png, tmp_path / "pass.y4m")
        browser = await launch(playwright, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                               f"--use-file-for-fake-video-capture={video}")
        try:
            context = await browser.new_context(locale="fr-FR")
            await context.grant_permissions(["camera"], origin=base)
            page = await context.new_page()
            await page.goto(f"{base}/scanner/markets/{mid}?lang=fr")
            staff = await _sign_in_staff(page, keys, mid)
            await page.click("#start-camera")
            await page.wait_for_selector("#scan-result[data-status=checked_in]", timeout=20000)
            shown = await text_of(page, "#scan-result")
            assert shown.startswith("Entrée autorisée") and "Coopérative Tafyoute" in shown and "Stand n° 7" in shown
            assert await page.get_attribute("#scan-result", "data-outcome") == "ok"
            await screenshot(page, "pass-scanner-fr-green")
            assert await _checked_in_today(http, keys, mid) == 1
            # Closing the page stops the camera, which would otherwise scan the pass again after 15 s.
            await page.close()

            page = await context.new_page()
            await page.goto(f"{base}/scanner/markets/{mid}?lang=fr")
            assert await page.input_value("#staff-token") == staff, "the staff token is kept on the device"
            pass_png = tmp_path / "pass.png"
            pass_png.write_bytes(png)
            await page.set_input_files("#photo", str(pass_png))
            await page.wait_for_selector("#scan-result[data-status=already_checked_in]")
            # As on the badge scanner, a repeat is shown in green with the time of the first scan.
            assert await page.get_attribute("#scan-result", "data-outcome") == "ok"
            shown = await text_of(page, "#scan-result")
            assert shown.startswith("Déjà enregistré") and "Exposant déjà enregistré le" in shown
            await screenshot(page, "pass-scanner-fr-already")
            assert await _checked_in_today(http, keys, mid) == 1

            forged = tmp_path / "forged.png"
            forged.write_bytes(qr_png(_forged(token)))
            await page.set_input_files("#photo", str(forged))
            await page.wait_for_selector("#scan-result[data-outcome=bad]")
            assert await page.get_attribute("#scan-result", "data-status") == "invalid"
            assert await text_of(page, "#scan-result") == "Badge non valide — Badge falsifié ou illisible."
            await screenshot(page, "pass-scanner-fr-red")
        finally:
            await browser.close()


async def test_pass_scanned_offline_waits_with_a_pending_count_and_syncs_through_the_batch_endpoint(
        infra: Infra, keys: Keys, playwright: Playwright, tmp_path: Path) -> None:
    settings = settings_for(Settings, infra, keys, jwt_private_key_file=str(keys.private_file))
    async with serve(create_app(settings)) as base, httpx.AsyncClient(base_url=base) as http:
        mid, png, _ = await _market_with_pass(http, keys)
        pass_png = tmp_path / "pass.png"
        pass_png.write_bytes(png)
        browser = await launch(playwright)
        try:
            context = await browser.new_context(locale="ar")
            page = await context.new_page()
            await page.goto(f"{base}/scanner/markets/{mid}?lang=ar")
            assert await page.get_attribute("html", "dir") == "rtl"
            await _sign_in_staff(page, keys, mid)
            await page.wait_for_function("() => document.getElementById('snapshot-age').dataset.version !== ''")

            await context.set_offline(True)
            await page.set_input_files("#photo", str(pass_png))
            await page.wait_for_selector("#pending[data-count='1']")
            # The device held its snapshot: it admitted the pass itself and keeps the decision.
            assert await page.get_attribute("#scan-result", "data-status") == "checked_in"
            assert "1" in await text_of(page, "#pending")
            assert await page.is_visible("#offline-note")
            await screenshot(page, "pass-scanner-ar-offline-pending")
            assert await _checked_in_today(http, keys, mid) == 0

            # Back online: the browser's "online" event sends the queue to the batch endpoint.
            await context.set_offline(False)
            await page.wait_for_selector("#pending[data-count='0']", timeout=20000)
            assert await page.get_attribute("#scan-result", "data-status") == "checked_in"
            assert await page.get_attribute("#scan-result", "data-synced") == "1"
            assert "تعاونية تافيوت" in await text_of(page, "#scan-result")
            assert not await page.is_visible("#offline-note")
            await screenshot(page, "pass-scanner-ar-synced")

            async def checked_in() -> bool:
                return await _checked_in_today(http, keys, mid) == 1
            assert await eventually(checked_in)
        finally:
            await browser.close()
