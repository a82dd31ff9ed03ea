"""In Chromium, in Arabic, French and English: an organizer signs in (enrolling TOTP), then signs a gate
volunteer's phone in with the device code's QR; the phone holds a gate-only session."""

import base64
import io
import re

import httpx
import jwt
import pyotp
import pytest
import zxingcpp
from accounts import service
from accounts.app import create_app
from accounts.domain import AccountCreate, TeamCreate
from accounts.settings import Settings
from PIL import Image
from playwright.async_api import Browser
from web_support import screenshot, serve, text_of

from shared.i18n import translate
from support import Infra, Keys, settings_for, unique

QR = zxingcpp.BarcodeFormat.QRCode  # the decoder may also report phantom symbols of other formats

pytestmark = pytest.mark.browser
PASSWORD = "thé à la menthe et amlou"
NAMES = {"ar": "خديجة بنعلي", "fr": "Khadija Benali", "en": "Khadija Benali"}


@pytest.mark.parametrize("lang", ["ar", "fr", "en"])
async def test_organizer_signs_in_with_totp_and_signs_a_gate_scanner_in_by_qr(
        infra: Infra, keys: Keys, browser: Browser, lang: str) -> None:
    settings = settings_for(Settings, infra, keys, smtp_port=1)
    app = create_app(settings)
    conference = unique("conf")
    async with serve(app) as base:
        settings.public_base_url = base
        ctx = app.state.platform.context
        organizer = await service.create_account(ctx=ctx, password=PASSWORD, data=AccountCreate(
            email=f"{conference}@example.ma", name=NAMES[lang], language=lang))  # type: ignore[arg-type]
        team = await service.create_team(ctx=ctx, data=TeamCreate(
            name="Comité", scopes=[f"organizer:conference:{conference}"]))
        await service.add_team_member(ctx=ctx, team_id=team.id, account_id=organizer.id)

        desk = await browser.new_context(locale=lang)
        page = await desk.new_page()
        await page.goto(f"{base}/signin?lang={lang}")
        assert await page.get_attribute("html", "lang") == lang
        assert await page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
        await page.fill("#f-email", organizer.email)
        await page.fill("#f-password", PASSWORD)
        await page.click("button[type=submit]")

        # Organizers of a conference see personal data: the first sign-in enrols an authenticator app.
        await page.wait_for_url(re.compile(r"/signin/code"))
        assert translate("ui_acc_enroll_intro", lang) in await text_of(page, "main")
        await screenshot(page, f"accounts-totp-enrol-{lang}")
        secret = await text_of(page, "#totp-secret")
        await page.fill("#f-code", pyotp.TOTP(secret).now())
        await page.click("button[type=submit]")
        await page.wait_for_url(re.compile(r"/account$"))
        assert await text_of(page, "#welcome") == translate("ui_acc_welcome", lang, name=NAMES[lang])
        assert f"organizer:conference:{conference}" in await text_of(page, "#scopes")
        access = next(c for c in await desk.cookies() if c["name"] == "tadamon_access")
        assert access["httpOnly"] and access["sameSite"] == "Lax" and access["path"] == "/"
        await screenshot(page, f"accounts-account-{lang}")

        # The organizer's screen shows a one-time code and its QR for the volunteer's phone.
        await page.click("#sign-in-scanner")
        await page.select_option("#f-scope", f"staff:conference:{conference}")
        await page.fill("#f-label", "Porte 2")
        await page.click("button[type=submit]")
        code = await text_of(page, "#device-code")
        src = str(await page.get_attribute("#device-qr", "src"))
        picture = Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1])))
        link = zxingcpp.read_barcodes(picture, formats=QR)[0].text
        assert link.startswith(f"{base}/device?") and f"code={code}" in link
        await screenshot(page, f"accounts-device-code-{lang}")

        phone = await browser.new_context(locale=lang)
        scanner = await phone.new_page()
        await scanner.goto(link)
        assert await scanner.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
        await scanner.click("button[type=submit]")
        await scanner.wait_for_url(re.compile(r"/device/ready$"))
        assert await text_of(scanner, "#device-ready") == translate("ui_acc_device_ready", lang)
        assert await scanner.get_attribute("#open-scanner", "href") == (
            f"http://127.0.0.1:8001/scanner/{conference}?lang={lang}")
        await screenshot(scanner, f"accounts-device-ready-{lang}")
        token = next(c for c in await phone.cookies() if c["name"] == "tadamon_access")
        assert token["httpOnly"]
        async with httpx.AsyncClient(base_url=base) as http:
            jwks = (await http.get("/.well-known/jwks.json")).json()
        key = jwt.PyJWK(next(k for k in jwks["keys"] if k["kid"] == jwt.get_unverified_header(token["value"])["kid"]))
        claims = jwt.decode(token["value"], key.key, algorithms=["EdDSA"], audience="tadamon", issuer="tadamon")
        assert claims["scopes"] == [f"staff:conference:{conference}"] and claims["sub"].startswith("dev_")

        # The code is spent: another phone typing it gets a refusal in its language, and no session.
        other = await browser.new_context(locale=lang)
        late = await other.new_page()
        await late.goto(link)
        await late.click("button[type=submit]")
        assert await text_of(late, "#form-errors") == translate("device_code_invalid", lang)
        assert not [c for c in await other.cookies() if c["name"] == "tadamon_access"]
        for context in (desk, phone, other):
            await context.close()
