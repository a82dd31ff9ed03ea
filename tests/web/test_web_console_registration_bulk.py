"""Bulk work from the registration console in Chromium, in Arabic and French, on a laptop and a
phone window: a group's badges on A4 sheets with shaped Arabic names, and a message to a group,
previewed and counted, reaching each recipient in their language."""

import asyncio
import re
import subprocess
import unicodedata
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Page
from test_web_console_registration_screens import looks_right, register
from web_support import WINDOWS, serve, signed_in, text_of

from registration.app import create_app
from registration.settings import Settings
from support import Infra, Keys, mail_catcher, settings_for
from tests.registration.registration_factories import conference_body

pytestmark = pytest.mark.browser
TEXTS = {"ar": ("موعد الاستقبال", "يبدأ الاستقبال على الساعة الثامنة."),
         "fr": ("Heure d'accueil", "L'accueil commence à huit heures."),
         "en": ("Welcome time", "The welcome desk opens at eight.")}


async def finished_job(page: Page) -> str:
    """Wait on the job's page until it is done; its state."""
    for _ in range(120):
        state = await page.get_attribute("#job", "data-state")
        if state in ("done", "failed"):
            return str(state)
        await asyncio.sleep(0.5)
        await page.reload()
    raise AssertionError("the job did not finish")


@asynccontextmanager
async def serve_app(settings: Settings) -> AsyncIterator[tuple[str, httpx.AsyncClient]]:
    """The service and an HTTP client to it."""
    async with serve(create_app(settings)) as base, httpx.AsyncClient(base_url=base) as http:
        yield base, http


@pytest.mark.parametrize("lang", ["ar", "fr"])
async def test_badges_of_a_filtered_group_come_as_a4_sheets_from_a_background_job(
        infra: Infra, keys: Keys, browser: Browser, lang: str, tmp_path: Path) -> None:
    settings = settings_for(Settings, infra, keys, jobs_poll_seconds=0.1)
    async with serve_app(settings) as (base, http):
        cid = (await http.post("/admin/conferences", json=conference_body(),
                               headers=keys.headers("admin"))).json()["id"]
        names = ["أمينة العلوي", "Hélène Dupré", "يوسف بنعلي"]
        for name in names:
            await register(http, cid, full_name=name, organization_type="cooperative")
        await register(http, cid, full_name="Media Person", organization_type="media")
        for window in WINDOWS:
            context = await signed_in(browser, base, keys.token(f"organizer:conference:{cid}"), lang=lang,
                                      window=window)
            page = await context.new_page()
            await page.goto(f"{base}/console/conferences/{cid}?lang={lang}&category=cooperative")
            await looks_right(page, "registrations", lang, window)
            await page.select_option("#b-layout", "a4")
            await page.click("#badges-start")
            assert await finished_job(page) == "done"
            await looks_right(page, "badges-job", lang, window)
            async with page.expect_download() as download:
                await page.click("#job-download")
            path = tmp_path / f"{window}.pdf"
            await (await download.value).save_as(path)
            info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
            assert re.search(r"Pages:\s+1\b", info) and "841.89" in info  # three badges on one A4 sheet
            text = unicodedata.normalize("NFKC", subprocess.run(["pdftotext", str(path), "-"], capture_output=True,
                                                                text=True).stdout)
            assert all(name in text for name in names) and "Media Person" not in text
            await context.close()


@pytest.mark.parametrize("lang", ["ar", "fr"])
async def test_a_message_to_a_group_is_previewed_counted_and_reaches_each_recipient_in_their_language(
        infra: Infra, keys: Keys, browser: Browser, lang: str) -> None:
    async with mail_catcher() as mails:
        settings = settings_for(Settings, infra, keys, smtp_port=mails.port, mail_poll_seconds=0.1,
                                jobs_poll_seconds=0.1)
        async with serve_app(settings) as (base, http):
            for window in WINDOWS:
                cid = (await http.post("/admin/conferences", json=conference_body(),
                                       headers=keys.headers("admin"))).json()["id"]
                for reader in ("ar", "fr", "en"):
                    await register(http, cid, email=f"{reader}-{window}-{lang}@example.ma", language=reader,
                                   organization_type="cooperative")
                await register(http, cid, email=f"media-{window}-{lang}@example.ma", organization_type="media")
                context = await signed_in(browser, base, keys.token(f"organizer:conference:{cid}"), lang=lang,
                                          window=window)
                page = await context.new_page()
                await page.goto(f"{base}/console/conferences/{cid}?lang={lang}&category=cooperative")
                await page.click("#message-link")
                assert await page.get_attribute("#audience", "data-total") == "3"
                await page.fill("#m-subject_fr", TEXTS["fr"][0])
                await page.fill("#m-body_fr", TEXTS["fr"][1])
                await page.click("#message-preview")  # Arabic and English readers have no text yet
                assert await text_of(page, "#message-refused")
                assert await page.locator("#message-send").count() == 0
                for reader in ("ar", "en"):
                    await page.fill(f"#m-subject_{reader}", TEXTS[reader][0])
                    await page.fill(f"#m-body_{reader}", TEXTS[reader][1])
                await page.click("#message-preview")
                await page.wait_for_selector("#message-previews")
                assert await page.locator("#message-previews article").count() == 3
                await looks_right(page, "message", lang, window)
                await page.click("#message-send")
                assert await finished_job(page) == "done"
                await looks_right(page, "message-job", lang, window)
                for reader, (subject, body) in TEXTS.items():
                    address = f"{reader}-{window}-{lang}@example.ma"
                    for _ in range(300):
                        if any(m["Subject"] == subject for m in mails.to(address)):
                            break
                        await asyncio.sleep(0.1)
                    mail = next(m for m in mails.to(address) if m["Subject"] == subject)
                    part = mail.get_body(("plain",))
                    assert part is not None and body in part.get_content() and mail["Content-Language"] == reader
                assert not [m for m in mails.to(f"media-{window}-{lang}@example.ma")
                            if m["Subject"] in {s for s, _ in TEXTS.values()}]
                await context.close()
