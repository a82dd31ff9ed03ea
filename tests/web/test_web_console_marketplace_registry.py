"""The marketplace console's cooperatives registry in Chromium: a CSV import run in the background,
refused for its bad rows (each shown with its row and column), then the good rows imported once, a
search, an invitation sent from the screen and its state; in Arabic and French, on a laptop-size and
a phone-size window."""

import csv
import io
import random
import re

import httpx
import pytest
from playwright.async_api import Browser, Page
from web_support import WINDOWS, screenshot, serve, signed_in, text_of

from marketplace.app import create_app
from marketplace.settings import Settings
from shared.i18n import translate
from support import Infra, Keys, settings_for

pytestmark = pytest.mark.browser
ARABIC = re.compile(r"[\u0600-\u06FF]")
HEADER = ["name_ar", "name_fr", "register_number", "region", "province", "sector", "members", "women_led"]


def cooperatives_csv(bad: bool) -> bytes:
    base = random.randint(10_000, 90_000)
    table = [[f"تعاونية الزيتون {n}", f"Coopérative Olivier {n}", f"OLV-{base + n}", "fes-meknes", "Taounate",
              "agrifood", "15", "oui"] for n in range(3)]
    if bad:
        table[1][2] = "OLV{base}"
        table[2][6] = "zéro"
    buffer = io.StringIO()
    csv.writer(buffer).writerows([HEADER, *table])
    return buffer.getvalue().encode("utf-8-sig")


async def no_horizontal_overflow(page: Page) -> None:
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= await page.evaluate("window.innerWidth"), f"the page is {width}px wide"


async def upload(page: Page, content: bytes) -> None:
    """Send the file from the registry screen, then wait on the import's progress page for its end."""
    await page.set_input_files("#f-file", {"name": "cooperatives.csv", "mimeType": "text/csv", "buffer": content})
    await page.click("#import-send")
    await page.wait_for_url(re.compile(r"/console/jobs/[0-9a-f]{32}"))
    await page.wait_for_selector("#job-error, #job-summary dl", timeout=30_000)


async def figures(page: Page) -> dict[str, str]:
    """The summary's labelled figures of a finished job."""
    names = await page.locator("#job-summary dt").all_inner_texts()
    values = await page.locator("#job-summary dd").all_inner_texts()
    return dict(zip(names, values, strict=True))


@pytest.mark.parametrize(("lang", "window"), [(lang, window) for lang in ("ar", "fr") for window in WINDOWS])
async def test_organizer_imports_cooperatives_refused_then_once_and_invites_one(
        infra: Infra, keys: Keys, browser: Browser, lang: str, window: str) -> None:
    settings = settings_for(Settings, infra, keys, jwt_private_key_file=str(keys.private_file))
    async with serve(create_app(settings)) as base, httpx.AsyncClient(base_url=base):
        context = await signed_in(browser, base, keys.token("organizer:market:m-1"), lang=lang, window=window)
        page = await context.new_page()
        await page.goto(f"{base}/console?lang={lang}")
        await page.click("#to-cooperatives")
        assert await page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
        assert await page.locator("#no-cooperatives").count() == 1

        await upload(page, cooperatives_csv(bad=True))
        assert await page.get_attribute("#job", "data-state") == "failed"
        cells = [[c.strip() for c in await r.locator("td").all_inner_texts()]
                 for r in await page.locator("#job-rows tbody tr").all()]
        assert {(row, column) for row, column, _ in cells} == {("3", "register_number"), ("4", "members")}
        if lang == "ar":
            assert ARABIC.search(await text_of(page, "#job-error")) and all(ARABIC.search(c[2]) for c in cells)
        await no_horizontal_overflow(page)
        await screenshot(page, f"console-marketplace-import-refused-{lang}-{window}")
        await page.goto(f"{base}/console/cooperatives?lang={lang}")
        assert await page.locator("#no-cooperatives").count() == 1  # nothing half-imported

        good = cooperatives_csv(bad=False)
        await upload(page, good)
        created, present = (translate(f"job_summary_{k}", lang) for k in ("created", "already_present"))
        assert (await figures(page))[created] in ("3", "٣")
        await screenshot(page, f"console-marketplace-import-done-{lang}-{window}")
        await page.goto(f"{base}/console/cooperatives?lang={lang}")
        await upload(page, good)
        assert (await figures(page))[created] in ("0", "٠") and (await figures(page))[present] in ("3", "٣")
        await page.goto(f"{base}/console/cooperatives?lang={lang}")
        assert await page.locator("#cooperatives tbody tr").count() == 3
        await no_horizontal_overflow(page)
        await screenshot(page, f"console-marketplace-cooperatives-{lang}-{window}")

        await page.fill("#f-q", "olivier 1" if lang == "fr" else "الزيتون 1")
        await page.click("#search-send")
        await page.wait_for_selector("#cooperatives")
        assert await page.locator("#cooperatives tbody tr").count() == 1
        await page.click("#cooperatives tbody tr a")
        assert await page.locator("#no-invitations").count() == 1
        await page.click("#invite-send")
        await page.wait_for_selector("#invited")
        assert "/invitations/" in await text_of(page, "#invitation-link")  # no e-mail: the link to pass on
        assert [await r.get_attribute("data-state") for r in await page.locator("#invitations tbody tr").all()] \
            == ["pending"]
        await no_horizontal_overflow(page)
        await screenshot(page, f"console-marketplace-invitations-{lang}-{window}")
        await context.close()


async def test_the_registry_screens_refuse_an_exhibitor_and_a_forged_import(
        infra: Infra, keys: Keys, browser: Browser) -> None:
    settings = settings_for(Settings, infra, keys)
    async with serve(create_app(settings)) as base, httpx.AsyncClient(base_url=base) as http:
        context = await signed_in(browser, base, keys.token("exhibitor:cooperative:c-1"), lang="fr", window="laptop")
        page = await context.new_page()
        refused = await page.goto(f"{base}/console/cooperatives?lang=fr")
        assert refused is not None and refused.status == 403
        await context.close()
        http.cookies.set("tadamon_access", keys.token("organizer:market:m-1"))
        forged = await http.post("/console/cooperatives/import", files={"file": ("c.csv", cooperatives_csv(False))})
        assert forged.status_code == 403  # no csrf echo: another site's form
        listed = await http.get("/cooperatives", headers=keys.headers("admin"))
        assert listed.json() == []
