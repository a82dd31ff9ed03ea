"""The organizer console of the registration service in Chromium: conferences, a search that
forgives accents and alef forms, a decision reaching the participant's mail, the check-in counts;
in Arabic and French, on a laptop-size and a phone-size window."""

import asyncio
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page
from web_support import CSRF, WINDOWS, screenshot, serve, signed_in, text_of

from registration.app import create_app
from registration.settings import Settings
from shared.i18n import translate
from support import Infra, Keys, mail_catcher, settings_for
from tests.registration.registration_factories import conference_body, participant_body

pytestmark = pytest.mark.browser
ARABIC = re.compile(r"[\u0600-\u06FF]")


async def register(http: httpx.AsyncClient, cid: str, **fields: Any) -> dict[str, Any]:
    created = await http.post(f"/conferences/{cid}/registrations", json=participant_body(**fields))
    assert created.status_code == 201, created.text
    return dict(created.json()["registration"])


@pytest.mark.parametrize(("lang", "window", "typed", "wanted"), [
    ("ar", "laptop", "امينة", "أمينة العلوي"), ("ar", "phone", "امينة", "أمينة العلوي"),
    ("fr", "laptop", "Etienne", "Étienne Lefèvre"), ("fr", "phone", "Etienne", "Étienne Lefèvre"),
])
async def test_organizer_finds_a_registration_without_accents_and_approves_it_reaching_the_mail(
        infra: Infra, keys: Keys, browser: Browser, lang: str, window: str, typed: str, wanted: str) -> None:
    async with mail_catcher() as mails:
        settings = settings_for(Settings, infra, keys, smtp_port=mails.port, mail_poll_seconds=0.1)
        async with serve(create_app(settings)) as base, httpx.AsyncClient(base_url=base) as http:
            created = await http.post("/admin/conferences", json=conference_body(requires_approval=True),
                                      headers=keys.headers("admin"))
            cid = created.json()["id"]
            other = await http.post("/admin/conferences", json=conference_body(), headers=keys.headers("admin"))
            wanted_reg = await register(http, cid, full_name=wanted, language=lang)
            await register(http, cid, full_name="Antoine Martin" if lang == "fr" else "فاطمة الزهراء")
            token = keys.token(f"organizer:conference:{cid}", name="Nadia Organisatrice")
            context = await signed_in(browser, base, token, lang=lang, window=window)
            page = await context.new_page()
            shot = f"console-registration-{lang}-{window}"

            await page.goto(f"{base}/console?lang={lang}")
            assert await page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
            assert await text_of(page, "#console-person") == "Nadia Organisatrice"
            assert await page.locator(f"#conference-{other.json()['id']}").count() == 0  # not in their charge
            await screenshot(page, f"{shot}-1-conferences")
            await page.click(f"#conference-{cid} h2 a")
            assert await text_of(page, "#count-pending") == "2"
            assert await text_of(page, "#arrived") == "0 / 2"

            await page.fill("#f-q", typed)
            await page.click("#f-submit")
            await page.wait_for_selector("#registrations")
            assert [n.strip() for n in await page.locator("#registrations td.name").all_inner_texts()] == [wanted]
            await screenshot(page, f"{shot}-2-search")

            await page.click(f"#reg-{wanted_reg['id']} a")
            await page.click("#approve")
            await page.wait_for_selector("#done")
            assert await page.get_attribute("#reg-status", "data-status") == "confirmed"
            if lang == "ar":
                assert ARABIC.search(await text_of(page, "#done"))
            await screenshot(page, f"{shot}-3-approved")
            for _ in range(200):  # the approval message reaches the mailer through Kafka
                if mails.to(wanted_reg["email"]):
                    break
                await asyncio.sleep(0.1)
            assert mails.to(wanted_reg["email"]), "the approval mail was not sent"
            await context.close()


async def test_console_refuses_strangers_and_forged_forms_and_erases_only_when_confirmed(
        infra: Infra, keys: Keys, browser: Browser) -> None:
    settings = settings_for(Settings, infra, keys)
    async with serve(create_app(settings)) as base, httpx.AsyncClient(base_url=base) as http:
        cid = (await http.post("/admin/conferences", json=conference_body(requires_approval=True),
                               headers=keys.headers("admin"))).json()["id"]
        reg = await register(http, cid, full_name="Hélène Dupré")

        anonymous = await http.get("/console", follow_redirects=False)
        assert anonymous.status_code == 303
        assert anonymous.headers["location"].startswith(f"{settings.accounts_url}/auth/refresh?next=")

        stranger = await signed_in(browser, base, keys.token("organizer:conference:another"), lang="fr",
                                   window="laptop")
        page = await stranger.new_page()
        refused = await page.goto(f"{base}/console/registrations/{reg['id']}?lang=fr")
        assert refused is not None and refused.status == 403
        assert "Hélène" not in await page.content()
        imported = await page.request.post(f"{base}/console/conferences/{cid}/import?lang=fr", multipart={
            "csrf_token": CSRF, "file": {"name": "i.csv", "mimeType": "text/csv", "buffer": b"full_name\nX\n"}})
        assert imported.status == 403  # another conference's organizer starts no import here
        await stranger.close()

        organizer = await signed_in(browser, base, keys.token(f"organizer:conference:{cid}"), lang="fr",
                                    window="laptop")
        page = await organizer.new_page()
        await page.goto(f"{base}/console/registrations/{reg['id']}?lang=fr")
        await organizer.add_cookies([{"name": "tadamon_csrf", "value": "changed-since", "url": base,
                                      "sameSite": "Lax"}])
        await page.click("#approve")
        assert await text_of(page, "#console-error")
        await organizer.add_cookies([{"name": "tadamon_csrf", "value": CSRF, "url": base, "sameSite": "Lax"}])

        forced = await page.request.post(f"{base}/console/registrations/{reg['id']}/erase?lang=fr",
                                         form={"csrf_token": CSRF})
        assert forced.status == 400
        admin = keys.headers("admin")
        still = (await http.get(f"/admin/registrations/{reg['id']}", headers=admin)).json()
        assert still["status"] == "pending" and still["full_name"] == "Hélène Dupré"

        await page.goto(f"{base}/console/registrations/{reg['id']}?lang=fr")
        await page.check("#erase-confirm")
        await page.click("#erase")
        await page.wait_for_selector("#done")
        assert (await http.get(f"/admin/registrations/{reg['id']}", headers=admin)).json()["erased"] is True
        await organizer.close()


async def finished_job(page: Page) -> str:
    """Wait on a background job's page until the job ended (the page shows its summary or error); its state."""
    await page.wait_for_url(re.compile(r"/console/jobs/[0-9a-f]{32}"))
    await page.wait_for_selector("#job-error, #job-summary", timeout=60_000)
    return str(await page.get_attribute("#job", "data-state"))


async def job_rows(page: Page) -> list[list[str]]:
    """The cells of the finished job's table, row by row."""
    return [[c.strip() for c in await r.locator("td").all_inner_texts()]
            for r in await page.locator("#job-rows tbody tr").all()]


async def job_figures(page: Page) -> dict[str, str]:
    names = await page.locator("#job-summary dt").all_inner_texts()
    return dict(zip(names, await page.locator("#job-summary dd").all_inner_texts(), strict=True))


async def send_import(page: Page, base: str, cid: str, lang: str, file: Path) -> str:
    """From the conference's registrations to the import form, the file sent, its job followed to its end."""
    await page.goto(f"{base}/console/conferences/{cid}?lang={lang}")
    await page.click("#import-link")
    await page.set_input_files("#f-file", str(file))
    await page.click("#import-send")
    return await finished_job(page)


@pytest.mark.parametrize(("lang", "window"), [(lang, window) for lang in ("ar", "fr") for window in WINDOWS])
async def test_import_from_the_console_refuses_bad_rows_then_imports_the_good_file_once(
        infra: Infra, keys: Keys, browser: Browser, tmp_path: Path, lang: str, window: str) -> None:
    header = "full_name,email,phone,organization_name,organization_type,region,language,consent\n"
    good = ("أمينة العلوي,amina@example.ma,0612345678,تعاونية الأركان,cooperative,souss-massa,ar,نعم\n"
            "Étienne Lefèvre,etienne@example.ma,0612345679,AECID,international_partner,abroad,fr,oui\n")
    (tmp_path / "bad.csv").write_text(header + good + "X,not-an-email,0612345670,Org,cooperative,souss-massa,fr,non\n",
                                      encoding="utf-8")
    (tmp_path / "good.csv").write_text(header + good, encoding="utf-8")
    settings = settings_for(Settings, infra, keys)
    async with serve(create_app(settings)) as base, httpx.AsyncClient(base_url=base) as http:
        created = await http.post("/admin/conferences", json=conference_body(), headers=keys.headers("admin"))
        cid = created.json()["id"]
        context = await signed_in(browser, base, keys.token(f"organizer:conference:{cid}"), lang=lang, window=window)
        page = await context.new_page()
        listed = f"/admin/conferences/{cid}/registrations"

        assert await send_import(page, base, cid, lang, tmp_path / "bad.csv") == "failed"
        faults = {(row, field) for row, field, _ in await job_rows(page)}
        assert {("4", "email"), ("4", "consent"), ("4", "full_name")} <= faults
        if lang == "ar":
            assert ARABIC.search(await text_of(page, "#job-error"))
            assert all(ARABIC.search(problem) for _, _, problem in await job_rows(page))
        await screenshot(page, f"console-import-{lang}-{window}-refused")
        assert (await http.get(listed, headers=keys.headers("admin"))).json()["total"] == 0

        assert await send_import(page, base, cid, lang, tmp_path / "good.csv") == "done"
        imported = translate("job_summary_imported", lang)
        assert (await job_figures(page))[imported] in ("2", "٢")
        assert await text_of(page, "#job-progress") in ("2 sur 2", "2 من 2", "٢ من ٢")
        await screenshot(page, f"console-import-{lang}-{window}-done")

        assert await send_import(page, base, cid, lang, tmp_path / "good.csv") == "failed"
        assert {(row, field) for row, field, _ in await job_rows(page)} == {("2", "email"), ("3", "email")}
        await screenshot(page, f"console-import-{lang}-{window}-again")
        await page.click("#job-back")
        await page.wait_for_url(re.compile(f"/console/conferences/{cid}"))
        names = [r["full_name"] for r in (await http.get(listed, headers=keys.headers("admin"))).json()["items"]]
        assert names == ["أمينة العلوي", "Étienne Lefèvre"]
        await context.close()


@pytest.mark.parametrize(("lang", "window"), [("ar", "phone"), ("fr", "laptop")])
async def test_audit_log_screen_shows_who_decided_filtered_by_object_and_day_for_administrators_only(
        infra: Infra, keys: Keys, browser: Browser, lang: str, window: str) -> None:
    settings = settings_for(Settings, infra, keys)
    async with serve(create_app(settings)) as base, httpx.AsyncClient(base_url=base) as http:
        admin = keys.headers("admin")
        cid = (await http.post("/admin/conferences", json=conference_body(requires_approval=True),
                               headers=admin)).json()["id"]
        first, second = await register(http, cid), await register(http, cid)
        organizer = keys.headers(f"organizer:conference:{cid}", sub="nadia@example.ma")
        for reg in (first, second):
            assert (await http.post(f"/admin/registrations/{reg['id']}/approve", headers=organizer)).status_code == 200

        context = await signed_in(browser, base, keys.token("admin"), lang=lang, window=window)
        page = await context.new_page()
        await page.goto(f"{base}/console?lang={lang}")
        await page.click("#nav-audit")
        await page.fill("#f-object", first["id"])
        await page.fill("#f-since", datetime.now(UTC).date().isoformat())
        await page.click("#f-submit")
        rows = await page.eval_on_selector_all("#audit tr[data-action]",
                                               "rows => rows.map(r => [r.dataset.action, r.dataset.object])")
        assert rows == [["registration.approve", first["id"]]]
        assert "nadia@example.ma" in await text_of(page, "#audit")
        await screenshot(page, f"console-audit-{lang}-{window}")
        await page.fill("#f-since", "2001-01-01")
        await page.fill("#f-until", "2001-01-02")
        await page.click("#f-submit")
        await page.wait_for_selector("#audit-none")
        await context.close()

        organizer_session = await signed_in(browser, base, keys.token(f"organizer:conference:{cid}"), lang=lang,
                                            window=window)
        page = await organizer_session.new_page()
        refused = await page.goto(f"{base}/console/audit?lang={lang}")
        assert refused is not None and refused.status == 403
        await organizer_session.close()


@pytest.mark.parametrize(("lang", "window"), [("ar", "laptop"), ("fr", "phone")])
async def test_conference_edit_refuses_a_capacity_below_the_seats_taken_then_saves(
        infra: Infra, keys: Keys, browser: Browser, lang: str, window: str) -> None:
    settings = settings_for(Settings, infra, keys)
    async with serve(create_app(settings)) as base, httpx.AsyncClient(base_url=base) as http:
        created = await http.post("/admin/conferences", json=conference_body(capacity=10),
                                  headers=keys.headers("admin"))
        cid = created.json()["id"]
        await register(http, cid)
        await register(http, cid)
        context = await signed_in(browser, base, keys.token(f"organizer:conference:{cid}"), lang=lang, window=window)
        page = await context.new_page()
        await page.goto(f"{base}/console/conferences/{cid}?lang={lang}")
        await page.click("#edit-link")
        await page.fill("#f-capacity", "1")
        await page.click("#edit-save")
        assert await text_of(page, "#edit-refused")
        await screenshot(page, f"console-conference-edit-{lang}-{window}-refused")
        assert (await http.get(f"/conferences/{cid}")).json()["capacity"] == 10
        await page.fill("#f-capacity", "2000")
        await page.fill("#f-venue", "Université Mohammed VI Polytechnique")
        await page.check("#f-requires_approval")
        await page.click("#edit-save")
        await page.wait_for_selector("#saved")
        assert await text_of(page, "#capacity") == "2000"
        saved = (await http.get(f"/conferences/{cid}")).json()
        assert saved["capacity"] == 2000 and saved["requires_approval"] is True
        assert saved["venue"] == "Université Mohammed VI Polytechnique"
        await context.close()
