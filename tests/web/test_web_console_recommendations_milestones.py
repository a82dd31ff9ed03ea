"""Milestones in the recommendations console in Chromium: one added with a past due date is highlighted
as overdue with its date in the page's language, moved later it is no longer, then marked done."""

import httpx
import pytest
from playwright.async_api import Browser
from recommendations_console_support import AMINA, WALKS, check_screen
from web_support import serve, signed_in, text_of

from recommendations.app import create_app
from recommendations.settings import Settings
from support import Infra, Keys, settings_for
from tests.recommendations.recommendations_factories import new_recommendation

pytestmark = pytest.mark.browser
MONTHS = {"ar": ("يناير", "مارس"), "fr": ("janvier", "mars")}


@pytest.mark.parametrize(("lang", "window"), WALKS)
async def test_an_overdue_milestone_is_highlighted_until_moved_later_then_marked_done(
        infra: Infra, keys: Keys, browser: Browser, lang: str, window: str) -> None:
    settings = settings_for(Settings, infra, keys)
    async with serve(create_app(settings)) as base, httpx.AsyncClient(base_url=base) as http:
        created = await http.post("/recommendations", json=new_recommendation(), headers=keys.headers("admin"))
        rid = created.json()["id"]
        context = await signed_in(browser, base, keys.token("organizer:recommendations", sub=AMINA), lang=lang,
                                  window=window)
        page = await context.new_page()
        await page.goto(f"{base}/console/recommendations/{rid}?lang={lang}")
        await page.fill("#m-title", "Atelier régional de restitution")
        await page.select_option("#m-owner", "regions")
        await page.fill("#m-due", "2026-01-15")
        await page.click("#milestone-add")  # no reason: refused next to the field, what was typed is kept
        assert await text_of(page, "#error-m_reason")
        assert await page.input_value("#m-title") == "Atelier régional de restitution"
        await page.fill("#m-reason", "Prévu au plan d'action")
        await page.click("#milestone-add")
        await page.wait_for_selector("#done")
        item = page.locator("li.milestone").first
        mid = (await item.get_attribute("id") or "").removeprefix("milestone-")
        overdue_text = await item.inner_text()
        assert await item.get_attribute("data-overdue") == "true"
        background = await item.evaluate("e => getComputedStyle(e).backgroundColor")
        await page.goto(f"{base}/console?lang={lang}")
        assert await page.locator(f"#overdue-{mid}").count() == 1
        await check_screen(page, "register", lang, window)
        await page.goto(f"{base}/console/recommendations/{rid}?lang={lang}")
        await check_screen(page, "milestones", lang, window)
        await page.click(f"#milestone-{mid} summary")
        await page.fill(f"#m-due-{mid}", "2030-03-31")
        await page.fill(f"#m-reason-{mid}", "Report validé par le comité")
        await page.click(f"#m-save-{mid}")
        await page.wait_for_selector("#done")
        moved_text = await page.locator(f"#milestone-{mid}").inner_text()
        moved = await page.get_attribute(f"#milestone-{mid}", "data-overdue")
        await page.fill(f"#m-done-reason-{mid}", "Atelier tenu à Agadir")
        await page.click(f"#m-complete-{mid}")
        await page.wait_for_selector("#done")
        done = await page.get_attribute(f"#milestone-{mid}", "data-done")
        await context.close()
        read = (await http.get(f"/recommendations/{rid}")).json()
    assert MONTHS[lang][0] in overdue_text and "2026" in overdue_text
    assert background not in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)")
    assert moved == "false" and MONTHS[lang][1] in moved_text
    assert done == "true"
    milestone = read["milestones"][0]
    assert milestone["due_date"] == "2030-03-31" and milestone["completed_at"] is not None
    assert [e["kind"] for e in read["timeline"]][-3:] == ["milestone_added", "milestone_edited", "milestone_completed"]
