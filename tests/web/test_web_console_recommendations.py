"""The recommendations console in Chromium: a status change with an evidence link, then the second
organizer's inbox approving the completion (never the proposer); Arabic and French, laptop and phone."""

import httpx
import pytest
from playwright.async_api import Browser
from recommendations_console_support import AMINA, WALKS, YOUSSEF, check_screen
from web_support import serve, signed_in, text_of

from recommendations.app import create_app
from recommendations.settings import Settings
from support import Infra, Keys, settings_for
from tests.recommendations.recommendations_factories import new_recommendation

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("lang", "window"), WALKS)
async def test_completion_proposed_with_evidence_is_approved_by_the_second_organizer_only(
        infra: Infra, keys: Keys, browser: Browser, lang: str, window: str) -> None:
    settings = settings_for(Settings, infra, keys)
    async with serve(create_app(settings)) as base, httpx.AsyncClient(base_url=base) as http:
        created = await http.post("/recommendations", json=new_recommendation(), headers=keys.headers("admin"))
        rid = created.json()["id"]
        amina = await signed_in(browser, base, keys.token("organizer:recommendations", sub=AMINA), lang=lang,
                                window=window)
        page = await amina.new_page()
        await page.goto(f"{base}/console/recommendations/{rid}?lang={lang}")
        await check_screen(page, "recommendation", lang, window)
        await page.select_option("#f-status", "complete")
        await page.fill("#f-reason", "ok")  # too short: refused next to the field, nothing changes
        await page.click("#status-send")
        assert await text_of(page, "#error-reason")
        assert await page.get_attribute("#rec-status", "data-status") == "not_started"
        assert await page.input_value("#f-status") == "complete"  # what was typed is kept
        await page.fill("#f-reason", "Plateforme en ligne ouverte")
        await page.fill("#f-evidence-url", "https://www.mtaess.gov.ma/decision-2026-17.pdf")
        await page.fill("#f-evidence-description", "Arrêté publié au BO")
        await page.fill("#f-evidence-date", "2026-10-01")
        await page.click("#status-send")
        await page.wait_for_selector("#pending")
        await check_screen(page, "proposed", lang, window)
        await page.fill("#approve-reason", "Je valide moi-même")
        await page.click("#approve-completion")
        assert await text_of(page, "#console-error")  # the proposer cannot approve
        await amina.close()

        youssef = await signed_in(browser, base, keys.token("reviewer:recommendations", sub=YOUSSEF), lang=lang,
                                  window=window)
        page = await youssef.new_page()
        await page.goto(f"{base}/console?lang={lang}")
        await check_screen(page, "inbox", lang, window)
        await page.click(f"#inbox-{rid} a")
        await page.fill("#approve-reason", "Preuve vérifiée")
        await page.click("#approve-completion")
        await page.wait_for_selector("#done")
        assert await page.get_attribute("#rec-status", "data-status") == "complete"
        await check_screen(page, "approved", lang, window)
        await youssef.close()
        read = (await http.get(f"/recommendations/{rid}")).json()
        assert read["status"] == "complete" and read["pending_completion"] is None
