"""A cooperative accepts its invitation and reaches its space with a browser alone."""

import re
import uuid

import httpx
import pytest
from playwright.async_api import Browser
from web_support import screenshot, serve, text_of

from marketplace.app import create_app
from marketplace.settings import Settings
from support import Infra, Keys, mail_catcher, settings_for

pytestmark = pytest.mark.browser


async def _invite(http: httpx.AsyncClient, keys: Keys) -> tuple[str, str]:
    org = keys.headers("admin")
    coop = await http.post("/cooperatives", headers=org, json={
        "name": {"ar": "تعاونية نساء أكادير", "fr": "Coopérative des femmes d'Agadir"},
        "register_number": f"AGA-{uuid.uuid4().int % 90000 + 10000}", "region": "souss-massa",
        "province": "Agadir Ida-Outanane", "sector": "argan_oils", "members": 31, "women_led": True,
        "youth_led": False})
    assert coop.status_code == 201, coop.text
    invited = await http.post(f"/cooperatives/{coop.json()['id']}/invitations", headers=org)
    assert invited.status_code == 201, invited.text
    return coop.json()["id"], invited.json()["accept_url"]


async def test_the_invitation_link_opens_a_page_whose_button_leads_into_the_exhibitor_space(
        infra: Infra, keys: Keys, browser: Browser) -> None:
    settings = settings_for(Settings, infra, keys, jwt_private_key_file=str(keys.private_file))
    async with serve(create_app(settings)) as base, httpx.AsyncClient(base_url=base) as http:
        coop_id, accept_url = await _invite(http, keys)
        link = base + accept_url.removeprefix(settings.base_url)
        context = await browser.new_context(locale="fr-FR")
        page = await context.new_page()
        # Opening the link (as a mail client's preview would) uses nothing up.
        opened = await page.goto(link)
        assert opened is not None and opened.status == 200
        await page.reload()
        assert await page.get_attribute("html", "lang") == "fr"
        assert await text_of(page, "#invitation-for") == "Coopérative des femmes d'Agadir"
        await screenshot(page, "invitation-fr")

        await page.click("#accept-invitation")
        await page.wait_for_url("**/exhibitor?lang=fr")
        assert await text_of(page, "h1") == "Espace exposant · Coopérative des femmes d'Agadir"
        cookie = next(c for c in await context.cookies() if c["name"] == "tadamon_exhibitor")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        assert "tadamon_exhibitor" not in await page.evaluate("document.cookie")
        # Requests from the space go with the cookie alone: still signed in, no token anywhere in the page.
        mine = await page.request.get(f"{base}/exhibitor?lang=fr")
        assert mine.ok and 'action="/exhibitor/signout' in await mine.text()
        await screenshot(page, "exhibitor-fr-after-invitation")

        # The link served once: opened again, it says so in the page's language.
        again = await page.goto(link)
        assert again is not None and again.status == 409
        assert await text_of(page, "#invitation-refused") == \
            "Ce lien d'invitation a déjà servi. Demandez-en un nouveau aux organisateurs."
        await context.close()


NAMES = {"ar": "تعاونية نساء أكادير", "fr": "Coopérative des femmes d'Agadir", "en": "Agadir Women's Cooperative"}
SUBJECTS = {"ar": "دعوة تعاونية نساء أكادير إلى فضاء العارضين على منصة تضامن",
            "fr": "Invitation de Coopérative des femmes d'Agadir à l'espace exposant de Tadamon",
            "en": "Invitation for Agadir Women's Cooperative to the Tadamon exhibitor space"}
SPACES = {"ar": "فضاء العارضين", "fr": "Espace exposant", "en": "Exhibitor space"}
# A browser set to another language: the page follows the mail's language, carried by its link.
OTHER_LOCALE = {"ar": "en-GB", "fr": "ar-MA", "en": "fr-FR"}


@pytest.mark.parametrize("lang", ["ar", "fr", "en"])
async def test_the_invitation_mailed_in_the_chosen_language_leads_into_the_space_in_that_language(
        infra: Infra, keys: Keys, browser: Browser, lang: str) -> None:
    email = f"coop-{uuid.uuid4().hex[:8]}@example.ma"
    async with mail_catcher() as mails:
        settings = settings_for(Settings, infra, keys, jwt_private_key_file=str(keys.private_file),
                                smtp_port=mails.port)
        async with serve(create_app(settings)) as base, httpx.AsyncClient(base_url=base) as http:
            org = keys.headers("admin")
            coop = await http.post("/cooperatives", headers=org, json={
                "name": NAMES, "register_number": f"AGA-{uuid.uuid4().int % 90000 + 10000}",
                "region": "souss-massa", "province": "Agadir Ida-Outanane", "sector": "argan_oils", "members": 31,
                "women_led": True, "youth_led": False, "contact": {"email": email}})
            assert coop.status_code == 201, coop.text
            invited = await http.post(f"/cooperatives/{coop.json()['id']}/invitations", headers=org,
                                      json={"language": lang})
            assert invited.status_code == 201 and invited.json()["mailed"] is True, invited.text

            [mail] = mails.to(email)
            # A long subject is folded onto the next line, whose leading space Python's parser keeps.
            assert mail["Subject"].strip() == SUBJECTS[lang] and mail["Content-Language"] == lang
            found = re.search(r"(\S+/invitations/\S+)", mail.get_content())
            assert found is not None
            assert found.group(1) == f"{invited.json()['accept_url']}?lang={lang}"
            page = await browser.new_page(locale=OTHER_LOCALE[lang])
            await page.goto(base + found.group(1).removeprefix(settings.base_url))
            assert await page.get_attribute("html", "lang") == lang
            assert await text_of(page, "#invitation-for") == NAMES[lang]
            await screenshot(page, f"invitation-mailed-{lang}")

            await page.click("#accept-invitation")
            await page.wait_for_url(f"**/exhibitor?lang={lang}")
            assert await page.get_attribute("html", "lang") == lang
            assert await text_of(page, "h1") == f"{SPACES[lang]} · {NAMES[lang]}"
            await page.close()


async def test_an_invitation_form_posted_from_another_site_is_refused_and_uses_nothing(
        infra: Infra, keys: Keys, browser: Browser) -> None:
    settings = settings_for(Settings, infra, keys, jwt_private_key_file=str(keys.private_file))
    async with serve(create_app(settings)) as base, httpx.AsyncClient(base_url=base) as http:
        _, accept_url = await _invite(http, keys)
        path = accept_url.removeprefix(settings.base_url)
        forged = await http.post(path, headers={"Origin": "https://elsewhere.example", "Accept-Language": "en"})
        assert forged.status_code == 403 and "tadamon_exhibitor" not in forged.headers.get("set-cookie", "")
        assert "accepted only from the platform&#39;s own pages" in forged.text
        # A link in the older form (the API's address) opens the same page, in Arabic for an Arabic browser.
        page = await browser.new_page(locale="ar")
        await page.goto(f"{base}{path}/accept")
        assert await page.get_attribute("html", "dir") == "rtl"
        assert await page.is_visible("#accept-invitation")
        await page.click("#accept-invitation")
        await page.wait_for_url("**/exhibitor?lang=ar")
        assert await page.query_selector("#token") is None
        await page.close()
