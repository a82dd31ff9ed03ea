"""The registration console's screens in Chromium, in Arabic and French, on a laptop and a phone
window: creating and editing a conference with its public page previewed unsaved, decisions with a
reason reaching the participant's mail, and the check-in day with a manual check-in."""

import asyncio
import re
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page
from web_support import WINDOWS, screenshot, serve, signed_in, text_of

from registration.app import create_app
from registration.settings import Settings
from support import Infra, Keys, mail_catcher, settings_for
from tests.registration.registration_factories import conference_body, decode_qr, local_today, participant_body

pytestmark = pytest.mark.browser
ARABIC = re.compile(r"[\u0600-\u06FF]")


async def looks_right(page: Page, screen: str, lang: str, window: str) -> None:
    """Right to left in Arabic, nothing wider than a phone's screen, and the screenshot kept."""
    assert await page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
    if window == "phone":
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= WINDOWS["phone"]["width"], f"{screen}: {width} px wide on a phone"
    await screenshot(page, f"console-registration-{screen}-{lang}-{window}")


async def register(http: httpx.AsyncClient, cid: str, **fields: Any) -> dict[str, Any]:
    created = await http.post(f"/conferences/{cid}/registrations", json=participant_body(**fields))
    assert created.status_code == 201, created.text
    return dict(created.json())


def body_of(mail: EmailMessage) -> str:
    part = mail.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


@pytest.mark.parametrize("lang", ["ar", "fr"])
async def test_an_administrator_creates_a_conference_previewing_its_public_page_then_an_organizer_edits_it(
        infra: Infra, keys: Keys, browser: Browser, lang: str) -> None:
    settings = settings_for(Settings, infra, keys)
    start = local_today() + timedelta(days=40)
    async with serve(create_app(settings)) as base, httpx.AsyncClient(base_url=base) as http:
        for window in WINDOWS:
            context = await signed_in(browser, base, keys.token("admin"), lang=lang, window=window)
            page = await context.new_page()
            await page.goto(f"{base}/console?lang={lang}")
            await page.click("#new-conference")
            venue = f"Palais des congrès {window}"
            for name, value in (("title_ar", "المناظرة الجهوية"), ("title_fr", "Assises régionales"),
                                ("venue", venue), ("city", "Agadir"), ("capacity", "300"),
                                ("starts_on", start.isoformat()), ("ends_on", (start + timedelta(days=1)).isoformat()),
                                ("registration_opens_at", f"{local_today().isoformat()}T09:00"),
                                ("registration_closes_at", f"{start.isoformat()}T18:00"), ("quota_media", "20")):
                await page.fill(f"#f-{name}", value)
            await page.select_option("#f-region", "souss-massa")
            await page.check("#f-requires_approval")
            listed = len((await http.get("/conferences")).json())
            await page.click("#preview")
            frame = page.frame_locator("#preview-frame")
            await frame.locator("#preview-note").wait_for()
            assert venue in await frame.locator("body").inner_text()
            assert len((await http.get("/conferences")).json()) == listed  # a preview saves nothing
            await looks_right(page, "conference-new", lang, window)
            await page.click("#edit-save")
            await page.wait_for_selector("#saved")
            cid = page.url.split("/console/conferences/")[1].split("?")[0]
            saved = (await http.get(f"/conferences/{cid}")).json()
            assert saved["venue"] == venue and saved["quotas"] == {"media": 20} and saved["requires_approval"]
            assert saved["registration_closes_at"].startswith(f"{start.isoformat()}T17:00")  # 18:00 in Morocco
            await context.close()

            organizer = await signed_in(browser, base, keys.token(f"organizer:conference:{cid}"), lang=lang,
                                        window=window)
            page = await organizer.new_page()
            await page.goto(f"{base}/console/conferences/{cid}/edit?lang={lang}")
            assert await page.input_value("#f-quota_media") == "20"
            await page.fill("#f-venue", "Université Ibn Zohr")
            await page.click("#preview")
            await page.frame_locator("#preview-frame").locator("#preview-note").wait_for()
            assert "Université Ibn Zohr" in await page.frame_locator("#preview-frame").locator("h1 + p").inner_text()
            assert (await http.get(f"/conferences/{cid}")).json()["venue"] == venue  # a preview saves nothing
            await looks_right(page, "conference-edit", lang, window)
            await page.click("#edit-save")
            await page.wait_for_selector("#saved")
            assert (await http.get(f"/conferences/{cid}")).json()["venue"] == "Université Ibn Zohr"
            await organizer.close()

        organizer_only = await signed_in(browser, base, keys.token("organizer:conference:x"), lang=lang,
                                         window="laptop")
        page = await organizer_only.new_page()
        refused = await page.goto(f"{base}/console/conferences/new?lang={lang}")
        assert refused is not None and refused.status == 403
        await organizer_only.close()


async def _mail_to(mails: Any, address: str, word: str) -> EmailMessage:
    for _ in range(300):  # the decision's message reaches the mailer through Kafka
        found = [m for m in mails.to(address) if word in body_of(m)]
        if found:
            return found[0]
        await asyncio.sleep(0.1)
    raise AssertionError(f"no mail with {word!r}")


@pytest.mark.parametrize("lang", ["ar", "fr"])
async def test_organizer_rejects_with_a_reason_approves_reaching_each_participant_in_their_language_and_cancels(
        infra: Infra, keys: Keys, browser: Browser, lang: str) -> None:
    reason_word = {"ar": "سبب قرار المنظمين", "fr": "Motif de la décision"}[lang]
    async with mail_catcher() as mails:
        settings = settings_for(Settings, infra, keys, smtp_port=mails.port, mail_poll_seconds=0.1)
        async with serve(create_app(settings)) as base, httpx.AsyncClient(base_url=base) as http:
            cid = (await http.post("/admin/conferences", json=conference_body(requires_approval=True),
                                   headers=keys.headers("admin"))).json()["id"]
            token = keys.token(f"organizer:conference:{cid}")
            for window in WINDOWS:
                rejected = (await register(http, cid, language=lang))["registration"]
                approved = (await register(http, cid, language=lang))["registration"]
                context = await signed_in(browser, base, token, lang=lang, window=window)
                page = await context.new_page()
                await page.goto(f"{base}/console/registrations/{rejected['id']}?lang={lang}")
                await page.click("#reject")  # the reason is required: the browser keeps the form
                assert await page.get_attribute("#reg-status", "data-status") == "pending"
                reason = "لم تعد هناك مقاعد لفئتكم" if lang == "ar" else "Plus de place dans votre catégorie"
                await page.fill("#reject-reason", reason)
                await page.click("#reject")
                await page.wait_for_selector("#done")
                assert await text_of(page, "#decision-reason") == reason
                await looks_right(page, "registration-rejected", lang, window)
                mail = await _mail_to(mails, rejected["email"], reason_word)
                assert reason in body_of(mail) and mail["Content-Language"] == lang

                await page.goto(f"{base}/console/registrations/{approved['id']}?lang={lang}")
                await page.click("#approve")
                await page.wait_for_selector("#done")
                assert await page.get_attribute("#reg-status", "data-status") == "confirmed"
                await looks_right(page, "registration-approved", lang, window)
                mail = await _mail_to(mails, approved["email"], approved["full_name"])
                assert mail["Content-Language"] == lang and reason_word not in body_of(mail)
                if lang == "ar":
                    assert ARABIC.search(mail["Subject"])

                await page.check("#cancel-confirm")  # the participant asked by phone
                await page.click("#cancel")
                await page.wait_for_selector("#done")
                assert await page.get_attribute("#reg-status", "data-status") == "cancelled"
                await looks_right(page, "registration-cancelled", lang, window)
                await context.close()


@pytest.mark.parametrize("lang", ["ar", "fr"])
async def test_check_in_day_counts_arrivals_lists_scans_and_operators_and_checks_in_by_hand(
        infra: Infra, keys: Keys, browser: Browser, lang: str) -> None:
    settings = settings_for(Settings, infra, keys)
    async with serve(create_app(settings)) as base, httpx.AsyncClient(base_url=base) as http:
        created = await http.post("/admin/conferences", json=conference_body(), headers=keys.headers("admin"))
        cid = created.json()["id"]
        gate = keys.headers(f"staff:conference:{cid}", sub="karim@example.ma", name="Karim Gate")
        token = keys.token(f"organizer:conference:{cid}", sub="nadia@example.ma", name="Nadia Organisatrice")
        for window in WINDOWS:
            at_gate = await register(http, cid, organization_type="cooperative")
            badge = await http.get(f"/registrations/{at_gate['registration']['id']}/badge.png",
                                   params={"token": at_gate["manage_token"]})
            scanned = await http.post(f"/checkin/conferences/{cid}/scans", headers=gate,
                                      json={"token": decode_qr(badge.content), "device_id": f"gate-{window}"})
            assert scanned.json()["outcome"] == "checked_in"
            name = f"Salma Bennani {window}"
            by_hand = (await register(http, cid, full_name=name, organization_type="media"))["registration"]

            context = await signed_in(browser, base, token, lang=lang, window=window)
            page = await context.new_page()
            await page.goto(f"{base}/console/conferences/{cid}?lang={lang}")
            await page.click("#checkin-link")
            before = await text_of(page, "#arrived")
            await page.fill("#manual-q", name)
            await page.click("#manual-search")
            await page.click(f"#choose-{by_hand['id']}")
            await page.click("#manual-confirm")
            await page.wait_for_selector("#manual-done")
            assert await page.get_attribute("#manual-done", "data-outcome") == "checked_in"
            assert await text_of(page, "#arrived") != before
            manual_row = page.locator("#last-scans tbody tr").first
            assert await manual_row.get_attribute("data-device") == "manual"
            assert "Nadia Organisatrice" in await manual_row.inner_text()
            assert "Karim Gate" in await text_of(page, f"#devices tr[data-device='gate-{window}']")
            assert name not in await text_of(page, "#last-scans")  # scans name nobody
            await looks_right(page, "checkin", lang, window)

            # Counts follow new arrivals without reloading the page.
            shown = await text_of(page, "#arrived")
            late = await register(http, cid)
            badge = await http.get(f"/registrations/{late['registration']['id']}/badge.png",
                                   params={"token": late["manage_token"]})
            await http.post(f"/checkin/conferences/{cid}/scans", headers=gate, json={"token": decode_qr(badge.content)})
            await page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
            await page.wait_for_function(f"document.getElementById('arrived').textContent.trim() !== {shown!r}")
            await context.close()
