"""The public progress dashboard and a recommendation's page, in Arabic and French."""

import re

import httpx
import pytest
from playwright.async_api import Browser
from web_support import screenshot, serve, text_of

from recommendations.app import create_app
from recommendations.demo import load_demo
from recommendations.settings import Settings
from support import Infra, Keys, settings_for

pytestmark = pytest.mark.browser
ARABIC = re.compile(r"[\u0600-\u06FF]")


async def test_dashboard_shows_status_theme_body_and_indicator_charts_and_links_to_a_recommendation_timeline(
        infra: Infra, keys: Keys, browser: Browser) -> None:
    settings = settings_for(Settings, infra, keys)
    app = create_app(settings)
    async with serve(app) as base, httpx.AsyncClient(base_url=base) as http:
        await load_demo(app.state.platform)
        changed = await http.post("/recommendations/ess5-r21/status", headers=keys.headers("admin"), json={
            "status": "limited", "progress": 20, "reason": "Consultations régionales lancées dans 3 régions"})
        assert changed.status_code == 200, changed.text
        board = (await http.get("/dashboard")).json()

        page = await browser.new_page(locale="ar")
        await page.goto(f"{base}/progress?lang=ar")
        assert await page.get_attribute("html", "dir") == "rtl"
        assert ARABIC.search(await text_of(page, "h1"))
        for status, count in board["by_status"].items():
            assert await page.get_attribute(f"#status-{status}", "data-value") == str(count)
        assert await page.get_attribute("#status-limited", "data-value") == "1"
        assert len(await page.query_selector_all("#by-theme .barrow")) == len(board["by_theme"])
        assert len(await page.query_selector_all("#by-body .barrow")) == len(board["by_body"])
        assert len(await page.query_selector_all("#indicators .indicator")) == len(board["indicators"])
        assert len(await page.query_selector_all("#register tbody tr")) == board["total"] == 28
        await screenshot(page, "dashboard-ar")

        await page.goto(f"{base}/progress?lang=fr&status=limited")
        assert [await r.get_attribute("data-recommendation")
                for r in await page.query_selector_all("#register tbody tr")] == ["ess5-r21"]
        await page.click("tr[data-recommendation=ess5-r21] a")
        await page.wait_for_selector("#timeline")
        assert await page.get_attribute("#rec-status", "data-status") == "limited"
        kinds = [await li.get_attribute("data-kind") for li in await page.query_selector_all("#timeline li")]
        assert kinds[0] == "created" and kinds[-1] == "status_changed"
        assert "Consultations régionales lancées" in await text_of(page, "#timeline")
        await screenshot(page, "recommendation-fr")

        # A bad date is a localized message, not a crash.
        bad = await page.goto(f"{base}/progress?lang=fr&date=hier")
        assert bad is not None and bad.status == 422
        assert await text_of(page, ".alert") != ""
        await page.close()
