"""A background job's progress page in Chromium: it follows the job by itself, with no reload by
hand, until the job has finished and its file can be downloaded; in Arabic and French."""

from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser
from web_support import screenshot, serve, signed_in, text_of

from shared.formats import number_text
from shared.i18n import translate
from shared.mongo import make_client
from support import Infra, Keys, settings_for
from tests.shared.jobs_service import JobsSettings, create_app, payload

pytestmark = pytest.mark.browser
AMINA = "amina.organizer@tadamon.ma"
SIZE = 5000


@pytest.mark.parametrize("lang", ["ar", "fr"])
async def test_the_progress_page_follows_the_job_until_its_file_can_be_downloaded(
        infra: Infra, keys: Keys, browser: Browser, lang: str, tmp_path: Path) -> None:
    settings = settings_for(JobsSettings, infra, keys, jobs_poll_seconds=0.1)
    async with serve(create_app(settings)) as base, httpx.AsyncClient(base_url=base) as http:
        started = await http.post("/jobs", json={"kind": "steps", "n": 4, "size": SIZE},
                                  headers=keys.headers(sub=AMINA))
        job_id = started.json()["id"]
        context = await signed_in(browser, base, keys.token(sub=AMINA), lang=lang, window="laptop")
        page = await context.new_page()
        await page.goto(f"{base}/console/jobs/{job_id}?lang={lang}")
        midway = translate("job_progress", lang, done=number_text(2, lang), total=number_text(4, lang))
        await page.wait_for_function("text => document.getElementById('job-progress').textContent.trim() === text",
                                     arg=midway, timeout=20_000)
        assert await text_of(page, "#job-state") == translate("job_state_running", lang)
        assert await page.eval_on_selector("#job-bar", "bar => [bar.value, bar.max]") == [2, 4]
        assert await page.query_selector("#job-download") is None
        await screenshot(page, f"console-job-{lang}-running")

        mongo = make_client(settings.mongo_url)
        try:
            await mongo[settings.database_name].gates.insert_one({"_id": job_id})
        finally:
            await mongo.close()
        await page.wait_for_selector("#job-download", timeout=20_000)
        assert await text_of(page, "#job-state") == translate("job_state_done", lang)
        assert await page.get_attribute("#job-bar", "value") == "4"
        assert await page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
        await screenshot(page, f"console-job-{lang}-finished")
        async with page.expect_download() as waiting:
            await page.click("#job-download")
        download = await waiting.value
        target = tmp_path / "report.txt"
        await download.save_as(target)
        assert download.suggested_filename == "import-report.txt"
        assert target.read_bytes() == payload(SIZE)
        await context.close()
