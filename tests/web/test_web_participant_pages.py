"""What a participant meets: cancelling with a confirmation, registering again, dates and the icon."""

import httpx
import pytest
from playwright.async_api import Browser, Dialog
from test_web_registration import conference
from web_support import screenshot, serve, text_of

from registration.app import create_app
from registration.settings import Settings
from support import Infra, Keys, settings_for

pytestmark = pytest.mark.browser


def participant(email: str, **overrides: str) -> dict[str, object]:
    return {"full_name": "Hind Tazi", "email": email, "phone": "0612345678", "organization_name": "Coopérative Nour",
            "organization_type": "cooperative", "region": "oriental", "consent": True, **overrides}


async def test_cancelling_asks_first_and_a_cancelled_participant_can_register_again(
        infra: Infra, keys: Keys, browser: Browser) -> None:
    settings = settings_for(Settings, infra, keys)
    async with serve(create_app(settings)) as base:
        async with httpx.AsyncClient(base_url=base) as http:
            cid = (await http.post("/admin/conferences", json=conference(), headers=keys.headers("admin"))
                   ).json()["id"]
            created = (await http.post(f"/conferences/{cid}/registrations", json=participant("hind@example.ma"))
                       ).json()
        rid, token = created["registration"]["id"], created["manage_token"]
        page = await browser.new_page(locale="fr-FR")
        await page.goto(f"{base}/my/{rid}?token={token}&lang=fr")
        questions: list[str] = []

        async def answer(dialog: Dialog, accept: bool) -> None:
            questions.append(dialog.message)
            await (dialog.accept() if accept else dialog.dismiss())

        # Saying no keeps the registration.
        page.once("dialog", lambda d: answer(d, False))
        await page.click("#cancel-registration")
        await page.wait_for_timeout(300)
        assert questions == ["Voulez-vous vraiment annuler votre inscription ?"]
        await page.reload()
        assert await page.get_attribute("#reg-status", "data-status") == "confirmed"

        page.once("dialog", lambda d: answer(d, True))
        await page.click("#cancel-registration")
        await page.wait_for_selector("#reg-status[data-status=cancelled]")
        assert len(questions) == 2
        await screenshot(page, "my-registration-fr-cancelled")

        # The same e-mail registers again and gets the seat it gave back.
        await page.click("#register-again")
        for name, value in (("full_name", "Hind Tazi"), ("email", "hind@example.ma"), ("phone", "0612345678"),
                            ("organization_name", "Coopérative Nour")):
            await page.fill(f"#f-{name}", value)
        await page.select_option("#f-organization_type", "cooperative")
        await page.select_option("#f-region", "oriental")
        await page.check("#f-consent")
        await page.click("button[type=submit]")
        await page.wait_for_selector("#reg-status")
        assert await page.get_attribute("#reg-status", "data-status") == "confirmed"
        assert f"/my/{rid}" not in page.url
        await page.close()


async def test_a_finished_conference_offers_no_registration_and_dates_are_written_in_the_page_language(
        infra: Infra, keys: Keys, browser: Browser) -> None:
    settings = settings_for(Settings, infra, keys)
    async with serve(create_app(settings)) as base:
        async with httpx.AsyncClient(base_url=base) as http:
            past = conference(starts_on="2025-06-17", ends_on="2025-06-18")
            coming = conference(starts_on="2027-03-30", ends_on="2027-03-31")
            for body in (past, coming):
                assert (await http.post("/admin/conferences", json=body, headers=keys.headers("admin"))
                        ).status_code == 201
            favicon = await http.get("/favicon.ico")
            assert favicon.status_code == 200 and favicon.headers["content-type"] == "image/x-icon"
        page = await browser.new_page(locale="ar", viewport={"width": 360, "height": 800})
        await page.goto(f"{base}/?lang=ar")
        await page.wait_for_selector(f"a[href^='/register/{coming['id']}']")
        assert await page.query_selector(f"a[href^='/register/{past['id']}']") is None
        # The Arabic date: words and Western digits, one isolated run that never breaks across lines.
        date = page.locator("time[datetime='2027-03-30/2027-03-31']")
        assert (await date.text_content()) == "30–31 مارس 2027"
        box = await date.bounding_box()
        assert box is not None and box["height"] < 40
        assert await date.evaluate("e => getComputedStyle(e).whiteSpace") == "nowrap"
        assert await date.evaluate("e => getComputedStyle(e).unicodeBidi") == "isolate"
        assert "2027-03-30" not in await text_of(page, "main")
        await screenshot(page, "home-ar-dates")
        await page.goto(f"{base}/?lang=en")
        assert await text_of(page, "time[datetime='2025-06-17/2025-06-18']") == "Jun 17\u2009–\u200918, 2025"
        await page.close()
