"""Indicators in the recommendations console in Chromium: the list, then one manual indicator whose value
recorded from its form (a date after today refused next to the field) joins the chart, drawn with the
target, and the table, in the page's language."""

import uuid
from datetime import date, timedelta

import httpx
import pytest
from playwright.async_api import Browser
from recommendations_console_support import AMINA, WALKS, check_screen
from web_support import serve, signed_in, text_of

from recommendations.app import create_app
from recommendations.settings import Settings
from shared.formats import number_text
from support import Infra, Keys, settings_for

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("lang", "window"), WALKS)
async def test_a_value_recorded_in_the_console_is_charted_with_the_earlier_one_and_the_target(
        infra: Infra, keys: Keys, browser: Browser, lang: str, window: str) -> None:
    settings = settings_for(Settings, infra, keys)
    indicator_id = f"ind-web-{uuid.uuid4().hex[:8]}"
    async with serve(create_app(settings)) as base, httpx.AsyncClient(base_url=base) as http:
        admin = keys.headers("admin")
        defined = await http.post("/indicators", headers=admin, json={
            "id": indicator_id, "name": {"ar": "مناصب الشغل", "fr": "Emplois créés"}, "unit": "jobs",
            "baseline": 0, "target": 50000, "reason": "Suivi"})
        assert defined.status_code == 201, defined.text
        first = await http.post(f"/indicators/{indicator_id}/values", headers=admin, json={
            "value": 12000, "as_of": "2025-12-31", "source": "ODCO, bilan 2025", "reason": "Bilan annuel"})
        assert first.status_code == 201, first.text
        context = await signed_in(browser, base, keys.token("organizer:recommendations", sub=AMINA), lang=lang,
                                  window=window)
        page = await context.new_page()
        await page.goto(f"{base}/console?lang={lang}")
        await page.click("#to-indicators")
        await check_screen(page, "indicators", lang, window)
        await page.click(f"#indicator-{indicator_id} a")
        await page.fill("#v-value", "18500")
        await page.fill("#v-as-of", (date.today() + timedelta(days=3)).isoformat())
        await page.fill("#v-source", "ODCO, bilan semestriel")
        await page.fill("#v-reason", "Bilan du premier semestre")
        await page.click("#value-send")
        assert await text_of(page, "#error-as_of")  # a measure is not dated after today
        await page.fill("#v-as-of", "2026-06-30")
        await page.click("#value-send")
        await page.wait_for_selector("#done")
        await check_screen(page, "indicator", lang, window)
        points = [await p.get_attribute("data-value") for p in await page.query_selector_all("#indicator-chart circle")]
        target = await text_of(page, "#indicator-chart .chart-target")
        table = [await cell.inner_text() for cell in await page.query_selector_all("#indicator-values td.value")]
        await context.close()
        read = (await http.get(f"/indicators/{indicator_id}")).json()
    assert [v["value"] for v in read["values"]] == [12000, 18500]
    assert [number_text(18500, lang) in table[0], number_text(12000, lang) in table[1]] == [True, True]
    assert [float(p or "nan") for p in points] == [12000, 18500]
    assert number_text(50000, lang) in target
