"""The exhibitor space: sign in with the invitation's token, see the stand and pass QR, declare the day's sales."""

import io
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import zxingcpp
from PIL import Image
from playwright.async_api import Browser
from web_support import screenshot, serve, text_of

from marketplace.app import create_app
from marketplace.domain import market_day
from marketplace.settings import Settings
from shared.formats import amount_text
from support import Infra, Keys, settings_for

QR = zxingcpp.BarcodeFormat.QRCode  # the decoder may also report phantom symbols of other formats

pytestmark = pytest.mark.browser


async def _accepted_exhibitor(http: httpx.AsyncClient, keys: Keys) -> tuple[str, dict[str, Any], str]:
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
        # Yesterday and today in Morocco: the sales form offers today's first.
        "days": [market_day(now - timedelta(days=1)).isoformat(), market_day(now).isoformat()],
        "application_opens_at": (now - timedelta(days=1)).isoformat(),
        "application_closes_at": (now + timedelta(days=1)).isoformat(),
        "stands": [{"number": 7, "zone": "A", "size": "3x3"}]})
    assert market.status_code == 201, market.text
    exhibitor = keys.token(f"exhibitor:cooperative:{cid}", sub=f"cooperative:{cid}")
    applied = await http.post("/applications", json={"market_ids": [market.json()["id"]]},
                              headers={"Authorization": f"Bearer {exhibitor}"})
    assert applied.status_code == 201, applied.text
    application = applied.json()[0]
    accepted = await http.post(f"/applications/{application['id']}/accept", headers=org)
    assert accepted.status_code == 200, accepted.text
    return exhibitor, accepted.json(), cid


async def test_exhibitor_sees_its_stand_and_pass_qr_and_declares_the_day_sales(
        infra: Infra, keys: Keys, browser: Browser) -> None:
    settings = settings_for(Settings, infra, keys, jwt_private_key_file=str(keys.private_file))
    async with serve(create_app(settings)) as base, httpx.AsyncClient(base_url=base) as http:
        token, application, cid = await _accepted_exhibitor(http, keys)
        page = await browser.new_page(locale="ar")
        await page.goto(f"{base}/exhibitor?lang=ar")
        await page.fill("#token", "not-a-token")
        await page.click("button[type=submit]")
        assert await text_of(page, "#token-error") != ""

        await page.fill("#token", token)
        await page.click("button[type=submit]")
        card = f"#application-{application['id']}"
        await page.wait_for_selector(card)
        assert await page.get_attribute(card, "data-status") == "accepted"
        assert "7" in await text_of(page, f"{card} .stand")
        await page.wait_for_function("document.querySelector('.pass-qr').naturalWidth > 0")
        shown = await page.request.get(base + (await page.get_attribute(".pass-qr", "src") or ""))
        pass_token = (await http.get(f"/applications/{application['id']}/pass",
                                     headers={"Authorization": f"Bearer {token}"})).json()["token"]
        assert zxingcpp.read_barcodes(Image.open(io.BytesIO(await shown.body())), formats=QR)[0].text == pass_token
        pdf = await page.request.get(f"{base}/exhibitor/passes/{application['id']}.pdf?lang=ar")
        assert pdf.ok and (await pdf.body()).startswith(b"%PDF")
        await screenshot(page, "exhibitor-ar")

        # A negative amount is refused next to the form; a good declaration shows up in the table.
        await page.fill(f"{card} input[name=amount_argan_oils]", "-5")
        await page.click(f"{card} .sales-form button[type=submit]")
        assert await text_of(page, f"[data-error-for=sales-{application['market_id']}]") != ""
        await page.fill(f"{card} input[name=amount_argan_oils]", "1250,50")
        await page.fill(f"{card} input[name=amount_honey]", "300")
        await page.click(f"{card} .sales-form button[type=submit]")
        await page.wait_for_selector("#sales-saved")
        offered = await page.eval_on_selector(f"#day-{application['id']}", "e => e.value")
        assert offered == market_day(datetime.now(UTC)).isoformat()
        # The amount as Moroccan Arabic writes it: 1.550,50 and the dirham's sign.
        amount = await text_of(page, f"{card} .declared .amount")
        assert amount == amount_text(1550.5, "ar") and "1.550,50" in amount and "د.م." in amount
        declared = await http.get(f"/markets/{application['market_id']}/sales",
                                  headers={"Authorization": f"Bearer {token}"})
        assert declared.json()[0]["by_category"] == {"argan_oils": 1250.5, "honey": 300.0}
        await screenshot(page, "exhibitor-ar-sales")
        await page.close()


async def test_a_cooperative_signed_in_to_the_platform_uses_its_space_without_a_token(
        infra: Infra, keys: Keys, browser: Browser) -> None:
    settings = settings_for(Settings, infra, keys, jwt_private_key_file=str(keys.private_file))
    async with serve(create_app(settings)) as base, httpx.AsyncClient(base_url=base) as http:
        _, application, cid = await _accepted_exhibitor(http, keys)
        context = await browser.new_context(locale="fr-FR")
        signed_out = await context.new_page()
        await signed_out.goto(f"{base}/exhibitor?lang=fr")
        link = await signed_out.get_attribute("#account-signin", "href") or ""
        assert link.startswith(f"{settings.accounts_url}/auth/refresh?next=")
        # What the accounts service sets at sign-in: the HttpOnly access cookie and the csrf cookie.
        await context.add_cookies([
            {"name": "tadamon_access", "value": keys.token(f"exhibitor:cooperative:{cid}", sub="acc_coop"),
             "url": base, "httpOnly": True, "sameSite": "Lax"},
            {"name": "tadamon_csrf", "value": "csrf-of-this-session", "url": base, "sameSite": "Lax"}])
        page = await context.new_page()
        await page.goto(f"{base}/exhibitor?lang=fr")
        card = f"#application-{application['id']}"
        await page.wait_for_selector(card)
        await page.fill(f"{card} input[name=amount_argan_oils]", "400")
        await page.click(f"{card} .sales-form button[type=submit]")
        await page.wait_for_selector("#sales-saved")
        offered = await page.eval_on_selector(f"#day-{application['id']}", "e => e.value")
        assert offered == market_day(datetime.now(UTC)).isoformat()

        # A form whose csrf field does not match the session's cookie (as one posted from another site) changes nothing.
        await context.add_cookies([{"name": "tadamon_csrf", "value": "changed-since", "url": base, "sameSite": "Lax"}])
        await page.fill(f"{card} input[name=amount_argan_oils]", "999")
        await page.click(f"{card} .sales-form button[type=submit]")
        await page.wait_for_load_state()
        declared = await http.get(f"/markets/{application['market_id']}/sales",
                                  headers=keys.headers(f"exhibitor:cooperative:{cid}"))
        assert declared.json()[0]["by_category"] == {"argan_oils": 400.0}
        await context.close()
