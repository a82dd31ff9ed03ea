"""The marketplace's organizer console in Chromium: a market's applications, the allocation run as a
background job whose page lists each decision with its reason, a rejection with a reason; in Arabic
and French, laptop and phone windows."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser
from test_web_console_registration import ARABIC, finished_job, job_rows
from web_support import WINDOWS, screenshot, serve, signed_in, text_of

from marketplace.app import create_app
from marketplace.domain import market_day
from marketplace.settings import Settings
from support import Infra, Keys, settings_for

pytestmark = pytest.mark.browser


async def cooperative(http: httpx.AsyncClient, keys: Keys, name: str) -> str:
    created = await http.post("/cooperatives", headers=keys.headers("admin"), json={
        "name": {"ar": name, "fr": name}, "register_number": f"AGA-{uuid.uuid4().int % 90000 + 10000}",
        "region": "souss-massa", "province": "Agadir Ida-Outanane", "sector": "argan_oils", "members": 24,
        "women_led": True, "youth_led": False, "contact": {"phone": "0612345678"}})
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def one_stand_market(http: httpx.AsyncClient, keys: Keys) -> dict[str, Any]:
    now = datetime.now(UTC)
    created = await http.post("/markets", headers=keys.headers("admin"), json={
        "kind": "mobile_market", "name": {"ar": "السوق المتنقل للمنتجات التعاونية", "fr": "Marché mobile de Rabat"},
        "city": "Rabat", "region": "rabat-sale-kenitra", "venue": "Bab El Had",
        "days": [market_day(now).isoformat()], "application_opens_at": (now - timedelta(days=1)).isoformat(),
        "application_closes_at": (now + timedelta(days=1)).isoformat(),
        "stands": [{"number": 7, "zone": "A", "size": "3x3"}]})
    assert created.status_code == 201, created.text
    return dict(created.json())


async def apply(http: httpx.AsyncClient, keys: Keys, cid: str, market_id: str) -> str:
    applied = await http.post("/applications", json={"market_ids": [market_id]},
                              headers=keys.headers(f"exhibitor:cooperative:{cid}"))
    assert applied.status_code == 201, applied.text
    return str(applied.json()[0]["id"])


@pytest.mark.parametrize(("lang", "window"), [(lang, window) for lang in ("ar", "fr") for window in WINDOWS])
async def test_organizer_runs_the_allocation_and_rejects_the_waitlisted_with_a_reason(
        infra: Infra, keys: Keys, browser: Browser, lang: str, window: str) -> None:
    settings = settings_for(Settings, infra, keys, jwt_private_key_file=str(keys.private_file))
    async with serve(create_app(settings)) as base, httpx.AsyncClient(base_url=base) as http:
        market = await one_stand_market(http, keys)
        first = await apply(http, keys, await cooperative(http, keys, "تعاونية تافيوت"), market["id"])
        second = await apply(http, keys, await cooperative(http, keys, "Coopérative Amal"), market["id"])
        context = await signed_in(browser, base, keys.token(f"organizer:market:{market['id']}"), lang=lang,
                                  window=window)
        page = await context.new_page()
        await page.goto(f"{base}/console?lang={lang}")
        await page.click(f"#market-{market['id']} h2 a")
        await page.click("#run-allocation")
        assert await finished_job(page) == "done"
        decisions = await job_rows(page)  # cooperative, status, stand, reason
        assert sorted(name for name, *_ in decisions) == ["Coopérative Amal", "تعاونية تافيوت"]
        assert [stand for _, _, stand, _ in decisions] == ["7", "—"]
        assert all(reason for *_, reason in decisions)
        if lang == "ar":
            assert all(ARABIC.search(reason) for *_, reason in decisions)
        await screenshot(page, f"console-market-{lang}-{window}-allocation-job")
        await page.click("#job-back")
        await page.wait_for_selector("#applications")
        statuses = {a: await page.get_attribute(f"#app-{a}", "data-status") for a in (first, second)}
        assert sorted(statuses.values()) == ["accepted", "waitlisted"]
        accepted = next(a for a, s in statuses.items() if s == "accepted")
        waiting = next(a for a, s in statuses.items() if s == "waitlisted")
        assert await text_of(page, f"#app-{accepted} .reason")  # the rule that gave the stand, in words
        await screenshot(page, f"console-market-{lang}-{window}-allocated")

        await page.fill(f"#app-{waiting} input[name=reason]", "Dossier incomplet" if lang == "fr" else "ملف ناقص")
        await page.click(f"#app-{waiting} button.reject")
        await page.wait_for_selector("#done")
        assert await page.get_attribute(f"#app-{waiting}", "data-status") == "rejected"
        await screenshot(page, f"console-market-{lang}-{window}-rejected")
        read = await http.get(f"/applications/{waiting}", headers=keys.headers("admin"))
        assert read.json()["rejection_reason"][lang] in ("Dossier incomplet", "ملف ناقص")
        await context.close()


async def test_market_console_refuses_another_markets_organizer(infra: Infra, keys: Keys, browser: Browser) -> None:
    settings = settings_for(Settings, infra, keys, jwt_private_key_file=str(keys.private_file))
    async with serve(create_app(settings)) as base, httpx.AsyncClient(base_url=base) as http:
        market = await one_stand_market(http, keys)
        application = await apply(http, keys, await cooperative(http, keys, "Coopérative Amal"), market["id"])
        context = await signed_in(browser, base, keys.token("organizer:market:another"), lang="fr", window="laptop")
        page = await context.new_page()
        refused = await page.goto(f"{base}/console/markets/{market['id']}?lang=fr")
        assert refused is not None and refused.status == 403
        forged = await page.request.post(f"{base}/console/applications/{application}/accept?lang=fr",
                                         form={"csrf_token": "csrf-of-this-session"})
        assert forged.status == 403
        allocation = await page.request.post(f"{base}/console/markets/{market['id']}/allocation?lang=fr",
                                             form={"csrf_token": "csrf-of-this-session"})
        assert allocation.status == 403  # another market's organizer starts no allocation here
        read = await http.get(f"/applications/{application}", headers=keys.headers("admin"))
        assert read.json()["status"] == "submitted"
        await context.close()
