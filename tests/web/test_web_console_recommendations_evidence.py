"""Evidence uploaded from the recommendations console in Chromium: a file of the wrong kind, one over
the cap and a PDF cut short are refused next to the field in the page's language, a PDF is accepted,
listed with its name, size and date in that language, and downloaded as kept (without the metadata
that named its author); the public page offers it under a neutral name."""

import httpx
import pytest
from playwright.async_api import Browser, Page
from recommendations_console_support import AMINA, WALKS, check_screen
from web_support import serve, signed_in, text_of

from recommendations.app import create_app
from recommendations.settings import Settings
from shared.formats import size_text
from shared.i18n import translate
from support import Infra, Keys, settings_for
from tests.recommendations.recommendations_factories import PERSON, new_recommendation, pdf_with_metadata

pytestmark = pytest.mark.browser
CAP = 64 * 1024
PDF = pdf_with_metadata()
MONTH = {"ar": "أكتوبر", "fr": "octobre"}


async def send(page: Page, name: str, data: bytes, mime: str) -> None:
    await page.select_option("#f-status", "limited")
    await page.fill("#f-reason", "Arrêté publié au bulletin officiel")
    await page.set_input_files("#f-evidence-file", files=[{"name": name, "mimeType": mime, "buffer": data}])
    await page.fill("#f-evidence-description", "Arrêté signé")
    await page.fill("#f-evidence-date", "2026-10-01")
    await page.click("#status-send")


@pytest.mark.parametrize(("lang", "window"), WALKS)
async def test_an_upload_of_the_wrong_kind_too_big_or_cut_short_is_refused_and_a_pdf_is_kept_and_downloaded(
        infra: Infra, keys: Keys, browser: Browser, lang: str, window: str) -> None:
    settings = settings_for(Settings, infra, keys, evidence_max_bytes=CAP)
    async with serve(create_app(settings)) as base, httpx.AsyncClient(base_url=base) as http:
        created = await http.post("/recommendations", json=new_recommendation(), headers=keys.headers("admin"))
        rid = created.json()["id"]
        context = await signed_in(browser, base, keys.token("organizer:recommendations", sub=AMINA), lang=lang,
                                  window=window)
        page = await context.new_page()
        await page.goto(f"{base}/console/recommendations/{rid}?lang={lang}")
        await send(page, "rapport.pdf", b"MZ\x90\x00 not a pdf at all", "application/pdf")
        wrong_kind = await text_of(page, "#error-file")
        assert await page.get_attribute("#rec-status", "data-status") == "not_started"
        assert await page.input_value("#f-reason") == "Arrêté publié au bulletin officiel"  # kept
        await send(page, "scan.pdf", b"%PDF-" + b"0" * CAP, "application/pdf")
        too_big = await text_of(page, "#error-file")
        await send(page, "coupé.pdf", PDF[:len(PDF) // 2], "application/pdf")
        cut_short = await text_of(page, "#error-file")
        await check_screen(page, "evidence-refused", lang, window)
        assert await page.get_attribute("#rec-status", "data-status") == "not_started"
        await send(page, "arrêté 2026-17.pdf", PDF, "application/pdf")
        await page.wait_for_selector("#done")
        listed = await text_of(page, "#evidence li")
        await check_screen(page, "evidence", lang, window)
        async with page.expect_download() as waiting:
            await page.click("#evidence a.evidence-file")
        download = await waiting.value
        kept = (await download.path()).read_bytes()
        file_id = await page.get_attribute("#evidence a.evidence-file", "data-file")
        public = await context.new_page()
        await public.goto(f"{base}/progress/{rid}?lang={lang}")
        public_name = await public.get_attribute(f"a[data-file='{file_id}']", "href")
        await context.close()
        anyone = await http.get(f"/recommendations/{rid}/evidence/{file_id}")
    assert ("PDF" in wrong_kind and "JPEG" in wrong_kind) and ("0.1" in too_big or "0,1" in too_big)
    assert cut_short == translate("evidence_file_unreadable", lang, kind="PDF")
    assert "arrêté 2026-17.pdf" in listed and size_text(len(kept), lang) in listed and MONTH[lang] in listed
    assert kept.startswith(b"%PDF-") and PERSON.encode() not in kept
    assert download.suggested_filename == "arrêté 2026-17.pdf"
    assert public_name == f"/recommendations/{rid}/evidence/{file_id}"
    assert anyone.status_code == 200 and anyone.content == kept
    assert "arr" not in anyone.headers["content-disposition"]
