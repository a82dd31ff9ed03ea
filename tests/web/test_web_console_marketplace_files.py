"""A market in the marketplace console in Chromium: the allocation run with each decision's reason,
the attendance and the sales per category on screen (tables and charts) with amounts in the reader's
language, the figures taken away as CSV, the passes printed in one PDF by a background job, and the
sales per market; in Arabic and French, on a laptop-size and a phone-size window."""

import csv
import io
import re
from datetime import UTC, datetime

import httpx
import pytest
from playwright.async_api import Browser, Page
from test_web_console_marketplace import apply, cooperative
from test_web_console_marketplace_registry import no_horizontal_overflow
from test_web_console_registration import finished_job, job_rows
from web_support import WINDOWS, screenshot, serve, signed_in, text_of

from marketplace.app import create_app
from marketplace.domain import market_day
from marketplace.settings import Settings
from support import Infra, Keys, settings_for

pytestmark = pytest.mark.browser
PAGE = re.compile(rb"/Type\s*/Page\b(?!s)")


async def market(http: httpx.AsyncClient, keys: Keys) -> str:
    now = datetime.now(UTC)
    created = await http.post("/markets", headers=keys.headers("admin"), json={
        "kind": "mobile_market", "name": {"ar": "السوق المتنقل بأكادير", "fr": "Marché mobile d'Agadir"},
        "city": "Agadir", "region": "souss-massa", "venue": "Place Al Amal", "days": [market_day(now).isoformat()],
        "application_opens_at": now.replace(year=now.year - 1).isoformat(),
        "application_closes_at": now.replace(year=now.year + 1).isoformat(),
        "stands": [{"number": n, "zone": "A", "size": "3x3"} for n in (1, 2)]})
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def downloaded(page: Page, selector: str) -> bytes:
    async with page.expect_download() as started:
        await page.click(selector)
    download = await started.value
    path = await download.path()
    return path.read_bytes()


async def exhibit_and_sell(http: httpx.AsyncClient, keys: Keys, market_id: str, application_id: str) -> None:
    read = await http.get(f"/applications/{application_id}/pass", headers=keys.headers("admin"))
    scanned = await http.post(f"/markets/{market_id}/checkins", json={"token": read.json()["token"]},
                              headers=keys.headers(f"staff:market:{market_id}"))
    assert scanned.status_code == 201, scanned.text
    cid = read.json()["cooperative_id"]
    day = market_day(datetime.now(UTC)).isoformat()
    sold = await http.put(f"/markets/{market_id}/sales/{day}", json={"by_category": {"argan_oils": 12500.5}},
                          headers=keys.headers(f"exhibitor:cooperative:{cid}"))
    assert sold.status_code == 200, sold.text


@pytest.mark.parametrize(("lang", "window"), [(lang, window) for lang in ("ar", "fr") for window in WINDOWS])
async def test_organizer_allocates_reads_the_figures_and_takes_the_passes_and_csv_away(
        infra: Infra, keys: Keys, browser: Browser, lang: str, window: str) -> None:
    settings = settings_for(Settings, infra, keys, jwt_private_key_file=str(keys.private_file))
    async with serve(create_app(settings)) as base, httpx.AsyncClient(base_url=base) as http:
        mid = await market(http, keys)
        applied = [await apply(http, keys, await cooperative(http, keys, name), mid)
                   for name in ("تعاونية تافيوت", "Coopérative Amal", "Coopérative Tiwizi")]
        context = await signed_in(browser, base, keys.token(f"organizer:market:{mid}"), lang=lang, window=window)
        page = await context.new_page()
        await page.goto(f"{base}/console/markets/{mid}?lang={lang}")
        assert await page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
        await page.click("#run-allocation")
        assert await finished_job(page) == "done"
        reasons = [reason for *_, reason in await job_rows(page)]
        assert len(reasons) == 3 and all(r and (not re.search(r"[\u0600-\u06FF]", r)) == (lang != "ar")
                                         for r in reasons)
        await page.click("#job-back")
        await page.wait_for_selector("#applications")
        statuses = [await page.get_attribute(f"#app-{a}", "data-status") for a in applied]
        assert sorted(statuses) == ["accepted", "accepted", "waitlisted"]
        for a in applied:  # every decision says why, in the page's language
            reason = await text_of(page, f"#app-{a} .reason")
            assert reason and (not re.search(r"[\u0600-\u06FF]", reason)) == (lang != "ar")
        await no_horizontal_overflow(page)
        await screenshot(page, f"console-marketplace-allocation-{lang}-{window}")

        accepted = next(a for a, s in zip(applied, statuses, strict=True) if s == "accepted")
        await exhibit_and_sell(http, keys, mid, accepted)
        await page.goto(f"{base}/console/markets/{mid}?lang={lang}")
        assert await text_of(page, "#attendance tbody tr .in") in ("1", "١")
        total = await text_of(page, "#sales-total")
        assert "12" in total.replace("\u202f", "").replace("\xa0", "").replace(" ", "") or "١٢" in total
        assert ("د.م." in total or "MAD" in total) if lang == "ar" else "MAD" in total
        await no_horizontal_overflow(page)
        await screenshot(page, f"console-marketplace-figures-{lang}-{window}")

        charts = await page.eval_on_selector_all("#attendance-card rect.chart-bar, #sales-card rect.chart-bar",
                                                 "bars => bars.map(b => Number(b.getAttribute('data-value')))")
        assert sorted(charts) == [1, 2, 12500.5]  # expected and present today, the category's sales
        assert await page.locator("#sales-card svg title").count() >= 1
        attendance = list(csv.reader(io.StringIO((await downloaded(page, "#attendance-csv")).decode("utf-8-sig"))))
        assert attendance[0][0] == ("اليوم" if lang == "ar" else "jour") and attendance[1][1:3] == ["2", "1"]
        sales = list(csv.reader(io.StringIO((await downloaded(page, "#sales-csv")).decode("utf-8-sig"))))
        assert sales[1][2] == "12500.5"

        await page.click("#print-passes")  # drawn in the background, followed on its progress page
        await page.wait_for_url(re.compile(r"/console/jobs/[0-9a-f]{32}"))
        await page.wait_for_selector("#job-download", timeout=30_000)
        await no_horizontal_overflow(page)
        await screenshot(page, f"console-marketplace-passes-{lang}-{window}")
        pdf = await downloaded(page, "#job-download")
        assert pdf.startswith(b"%PDF") and len(PAGE.findall(pdf)) == 2

        await page.goto(f"{base}/console?lang={lang}")
        bars = await page.eval_on_selector_all("#sales-per-market rect.chart-bar",
                                               "bars => bars.map(b => Number(b.getAttribute('data-value')))")
        assert bars == [12500.5]
        await no_horizontal_overflow(page)
        await screenshot(page, f"console-marketplace-markets-{lang}-{window}")
        await context.close()
