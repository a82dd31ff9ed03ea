"""Register through the form (Arabic, French), inline localized errors, the badge page and its PDF."""

import re
import subprocess
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import zxingcpp
from PIL import Image
from playwright.async_api import Browser, Page
from web_support import SCREENSHOTS, screenshot, serve, text_of

from registration.app import create_app
from registration.settings import Settings
from support import Infra, Keys, settings_for, unique

QR = zxingcpp.BarcodeFormat.QRCode  # the decoder may also report phantom symbols of other formats

pytestmark = pytest.mark.browser
ARABIC = re.compile(r"[\u0600-\u06FF]")


def held_today() -> dict[str, str]:
    """Days that include now in Casablanca, so the badge can be scanned at once."""
    today = datetime.now(ZoneInfo("Africa/Casablanca")).date()
    return {"starts_on": today.isoformat(), "ends_on": (today + timedelta(days=1)).isoformat()}


def conference(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": unique("conf"), "kind": "national_conference", "edition": 6,
        "title": {"ar": "المناظرة الوطنية السادسة للاقتصاد الاجتماعي والتضامني",
                  "fr": "6e Assises nationales de l'ESS", "en": "6th national ESS conference"},
        "venue": "Palais des congrès", "city": "Skhirat", "region": "rabat-sale-kenitra",
        "starts_on": "2027-06-16", "ends_on": "2027-06-17", "capacity": 1,
    }
    body.update(overrides)
    return body


async def fill(page: Page, **values: str) -> None:
    for name, value in values.items():
        if name in ("organization_type", "region", "gender", "age_band", "language"):
            await page.select_option(f"#f-{name}", value)
        else:
            await page.fill(f"#f-{name}", value)


async def test_arabic_form_shows_arabic_errors_then_confirms_with_a_badge_qr_and_pdf(
        infra: Infra, keys: Keys, browser: Browser, tmp_path: Path) -> None:
    settings = settings_for(Settings, infra, keys)
    async with serve(create_app(settings)) as base:
        async with httpx.AsyncClient(base_url=base) as http:
            created = await http.post("/admin/conferences", json=conference(**held_today()),
                                      headers=keys.headers("admin"))
            assert created.status_code == 201, created.text
            cid = created.json()["id"]
        page = await browser.new_page(locale="ar")
        await page.goto(f"{base}/register/{cid}?lang=ar")
        assert await page.get_attribute("html", "dir") == "rtl"
        assert await page.get_attribute("html", "lang") == "ar"

        # Bad phone and e-mail, no consent: the page comes back with each error next to its field, in Arabic.
        await fill(page, full_name="أمينة العلوي", email="not-an-email", phone="12",
                   organization_name="تعاونية تيفاوين", organization_type="cooperative", region="souss-massa")
        await page.click("button[type=submit]")
        for field in ("email", "phone", "consent"):
            message = await text_of(page, f"#e-{field}")
            assert ARABIC.search(message), (field, message)
            assert await page.get_attribute(f"#f-{field}", "aria-invalid") == "true"
        assert await text_of(page, "#e-full_name") == ""
        assert await page.input_value("#f-full_name") == "أمينة العلوي"
        await screenshot(page, "register-ar-errors")

        await fill(page, email="amina@example.ma", phone="0612345678")
        await page.check("#f-consent")
        await page.click("button[type=submit]")
        await page.wait_for_selector("#reg-status")
        assert await page.get_attribute("#reg-status", "data-status") == "confirmed"
        assert await text_of(page, "#reg-status") == "مؤكد"
        await page.wait_for_function("document.getElementById('badge-qr').naturalWidth > 0")
        await screenshot(page, "my-registration-ar")

        # The QR shown on the page is the badge the scanner accepts.
        qr_png = await page.request.get(base + (await page.get_attribute("#badge-qr", "src") or ""))
        assert qr_png.ok
        (tmp_path / "qr.png").write_bytes(await qr_png.body())
        token = zxingcpp.read_barcodes(Image.open(tmp_path / "qr.png"), formats=QR)[0].text
        scan = await page.request.post(f"{base}/checkin/conferences/{cid}/scans", data={"token": token},
                                       headers=keys.headers(f"staff:conference:{cid}"))
        assert scan.ok and (await scan.json())["outcome"] == "checked_in"

        # The printable badge: a real PDF whose page, rendered, carries the same QR.
        pdf = await page.request.get(f"{base}{await page.get_attribute('#badge-pdf', 'href')}")
        assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
        (tmp_path / "badge.pdf").write_bytes(await pdf.body())
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        subprocess.run(["pdftoppm", "-png", "-r", "110", "-singlefile", str(tmp_path / "badge.pdf"),
                        str(SCREENSHOTS / "badge-pdf-ar")], check=True)
        decoded = zxingcpp.read_barcodes(Image.open(SCREENSHOTS / "badge-pdf-ar.png"), formats=QR)
        assert [d.text for d in decoded] == [token]
        await page.close()


async def test_french_form_shows_french_errors_then_waitlists_when_the_conference_is_full(
        infra: Infra, keys: Keys, browser: Browser) -> None:
    settings = settings_for(Settings, infra, keys)
    async with serve(create_app(settings)) as base:
        async with httpx.AsyncClient(base_url=base) as http:
            created = await http.post("/admin/conferences", json=conference(), headers=keys.headers("admin"))
            cid = created.json()["id"]
            first = await http.post(f"/conferences/{cid}/registrations", json={
                "full_name": "Premier Inscrit", "email": "premier@example.ma", "phone": "0612345678",
                "organization_name": "Association Amal", "organization_type": "association",
                "region": "oriental", "consent": True})
            assert first.status_code == 201
        page = await browser.new_page(locale="fr-FR")
        await page.goto(f"{base}/register/{cid}")
        assert await page.get_attribute("html", "lang") == "fr"
        assert await page.get_attribute("html", "dir") == "ltr"
        await page.click("button[type=submit]")
        assert await text_of(page, "#e-full_name") != ""
        consent_error = await text_of(page, "#e-consent")
        assert consent_error and not ARABIC.search(consent_error)
        await screenshot(page, "register-fr-errors")

        # An e-mail already used is refused next to the e-mail field.
        await fill(page, full_name="Said Benali", email="PREMIER@example.ma", phone="+212 661 00 00 00",
                   organization_name="Coopérative Nour", organization_type="cooperative", region="oriental",
                   language="fr")
        await page.check("#f-consent")
        await page.click("button[type=submit]")
        assert await text_of(page, "#e-email") != ""

        await page.fill("#f-email", "said@example.ma")
        await page.check("#f-consent")
        await page.click("button[type=submit]")
        await page.wait_for_selector("#reg-status")
        assert await page.get_attribute("#reg-status", "data-status") == "waitlisted"
        assert await text_of(page, "#reg-status") == "Sur liste d'attente"
        assert await page.query_selector("#badge-qr") is None
        await screenshot(page, "my-registration-fr-waitlisted")

        # The language switch keeps the page and turns it right-to-left.
        await page.click("nav.langs a[data-lang=ar]")
        assert await page.get_attribute("html", "dir") == "rtl"
        assert await text_of(page, "#reg-status") == "في لائحة الانتظار"
        await page.close()
