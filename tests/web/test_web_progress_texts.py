"""The progress pages in the reader's language: units, numbers and dates, and no sideways scrolling."""

import httpx
import pytest
from playwright.async_api import Browser
from web_support import screenshot, serve, text_of

from recommendations.app import create_app
from recommendations.demo import load_demo
from recommendations.settings import Settings
from shared.formats import number_text, percent_text
from support import Infra, Keys, settings_for

pytestmark = pytest.mark.browser


async def test_indicators_show_units_and_numbers_in_the_page_language(
        infra: Infra, keys: Keys, browser: Browser) -> None:
    settings = settings_for(Settings, infra, keys)
    app = create_app(settings)
    async with serve(app) as base, httpx.AsyncClient(base_url=base) as http:
        await load_demo(app.state.platform)
        recorded = await http.post("/indicators/ind-strategy-cooperative-employees/values",
                                   headers=keys.headers("admin"), json={
                                       "value": 112500, "as_of": "2024-12-31", "source": "ODCO, rapport annuel",
                                       "reason": "Publication ODCO"})
        assert recorded.status_code == 201, recorded.text
        page = await browser.new_page()
        employees, membership = "#indicator-ind-strategy-cooperative-employees", \
            "#indicator-ind-strategy-cooperative-membership"
        expected = {"fr": ("personnes", "Référence"), "ar": ("شخص", "القيمة المرجعية"), "en": ("persons", "Baseline")}
        for lang, (unit, baseline) in expected.items():
            await page.goto(f"{base}/progress?lang={lang}")
            text = await text_of(page, employees)
            assert f"{number_text(50000, lang)} {unit}" in text, (lang, text)
            assert f"{number_text(112500, lang)} {unit}" in await text_of(page, f"{employees} .current")
            assert "50000.0" not in text and "112500.0" not in text
            assert percent_text(3.1, lang) in await text_of(page, membership)
            if lang != "en":
                assert "persons" not in text and "percent" not in await text_of(page, membership), (lang, text)
            assert baseline in text
        assert number_text(50000, "fr") != "50000" and percent_text(3.1, "fr") == "3,1\xa0%"
        await screenshot(page, "dashboard-en-units")
        await page.close()


async def test_a_long_unbroken_text_wraps_instead_of_widening_the_recommendation_page(
        infra: Infra, keys: Keys, browser: Browser) -> None:
    settings = settings_for(Settings, infra, keys)
    app = create_app(settings)
    async with serve(app) as base, httpx.AsyncClient(base_url=base) as http:
        await load_demo(app.state.platform)
        reference = "https://www.finances.gov.ma/Publication/db/2026/" + "rapport-economie-sociale-" * 6 + ".pdf"
        changed = await http.post("/recommendations/ess5-r07/status", headers=keys.headers("admin"), json={
            "status": "limited", "progress": 15, "reason": reference.replace("/", "")})
        assert changed.status_code == 200, changed.text
        page = await browser.new_page(locale="ar", viewport={"width": 360, "height": 800})
        await page.goto(f"{base}/progress/ess5-r07?lang=ar")
        await page.wait_for_selector("#timeline")
        assert await page.evaluate("document.documentElement.scrollWidth") <= 360
        last = page.locator("#timeline li").last
        assert await last.locator("time.date").count() == 1
        assert await page.evaluate("document.documentElement.scrollWidth") <= 360
        await screenshot(page, "recommendation-ar-narrow")
        await page.goto(f"{base}/progress?lang=ar")
        assert await page.evaluate("document.documentElement.scrollWidth") <= 360
        await page.close()
