"""The accounts console in Chromium, for administrators: people (search, one person's teams, scopes and
sessions, disable and enable), teams (create, edit the scopes, members), invitations (send in a chosen
language, resend, withdraw) and the audit log; in Arabic and French, on a laptop and a phone. Then an
invitation mailed, accepted in the browser, and the new member's scope working in the registration
console; a person who is no administrator refused in their language; and the list of people paged forward
and back in Arabic on a phone."""

import html
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from email.message import EmailMessage

import httpx
import pyotp
import pytest
from accounts import signin
from accounts.app import create_app
from accounts.console import PAGE_SIZE
from accounts.context import Accounts
from accounts.domain import AccountCreate
from accounts.models import Account
from accounts.service import create_account
from accounts.settings import Settings
from playwright.async_api import Browser, BrowserContext, Page
from web_support import WINDOWS, screenshot, serve, text_of

from registration.app import create_app as create_registration_app
from registration.settings import Settings as RegistrationSettings
from shared.formats import moment_text
from shared.i18n import translate
from support import Infra, Keys, MailCatcher, mail_catcher, settings_for, unique
from tests.registration.registration_factories import conference_body

pytestmark = pytest.mark.browser
PASSWORD = "couscous du vendredi à Fès"
OTHER = {"ar": "fr", "fr": "ar"}


@dataclass
class Running:
    base: str
    ctx: Accounts
    mails: MailCatcher


@asynccontextmanager
async def accounts_console(infra: Infra, keys: Keys) -> AsyncIterator[Running]:
    async with mail_catcher() as mails:
        settings = settings_for(Settings, infra, keys, smtp_port=mails.port, access_token_seconds=300)
        app = create_app(settings)
        async with serve(app) as base:
            settings.public_base_url = base  # the links in mails lead here
            ctx = app.state.platform.context
            assert isinstance(ctx, Accounts)
            yield Running(base, ctx, mails)


async def person(ctx: Accounts, name: str, *, admin: bool = False, lang: str = "fr") -> Account:
    return await create_account(ctx=ctx, password=PASSWORD, data=AccountCreate(
        email=f"{unique('p')}@example.ma", name=name, language=lang, admin=admin))  # type: ignore[arg-type]


async def signed_in(browser: Browser, base: str, account: Account, *, lang: str, window: str,
                    target: str = "/console") -> tuple[BrowserContext, Page]:
    """A browser signed in through the sign-in pages (an administrator enrols TOTP on the way)."""
    context = await browser.new_context(locale=lang, viewport=WINDOWS[window])  # type: ignore[arg-type]
    page = await context.new_page()
    await page.goto(f"{base}/signin?lang={lang}&next={target}")
    await page.fill("#f-email", account.email)
    await page.fill("#f-password", PASSWORD)
    await page.click("button[type=submit]")
    await enrol(page)
    await page.wait_for_url(re.compile(re.escape(target) + r"$"))
    return context, page


async def enrol(page: Page) -> None:
    await page.wait_for_url(re.compile(r"/signin/code"))
    await page.fill("#f-code", pyotp.TOTP(await text_of(page, "#totp-secret")).now())
    await page.click("button[type=submit]")


async def fits(page: Page) -> bool:
    return bool(await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


async def shot(page: Page, screen: str, lang: str, window: str) -> None:
    assert await page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
    if window == "phone":
        assert await fits(page), f"{screen} overflows the phone's width"
    await screenshot(page, f"console-accounts-{screen}-{lang}-{window}")


def invitation_link(mail: EmailMessage) -> str:
    body = mail.get_body(("plain",))
    assert body is not None
    found = re.search(r"(http://\S+/invitation\?\S+)", body.get_content())
    assert found, "the mail has no invitation link"
    return found.group(1)


@pytest.mark.parametrize(("lang", "window"), [("ar", "laptop"), ("ar", "phone"), ("fr", "laptop"), ("fr", "phone")])
async def test_administrator_walks_people_teams_invitations_and_audit(
        infra: Infra, keys: Keys, browser: Browser, lang: str, window: str) -> None:
    async with accounts_console(infra, keys) as run:
        admin = await person(run.ctx, "Nadia Admin", admin=True, lang=lang)
        salma = await person(run.ctx, "سلمى الإدريسي" if lang == "ar" else "Salma Idrissi")
        await signin.start_session(ctx=run.ctx, account=salma, user_agent="Firefox on a laptop")
        context, page = await signed_in(browser, run.base, admin, lang=lang, window=window)

        # People: the shared navigation names this console; the search finds Salma with her state and sign-in.
        await page.goto(f"{run.base}/console?lang={lang}")
        assert await page.get_attribute('.console-nav a[data-service="accounts"]', "aria-current") == "page"
        await page.fill("#f-q", salma.email.split("@")[0].upper())
        await page.click("#f-submit")
        await page.wait_for_url(re.compile(r"[?&]q="))
        row = f"#person-{salma.id}"
        assert await page.locator("#people tbody tr").count() == 1
        assert await page.get_attribute(f"{row} .state", "data-state") == "active"
        assert await page.get_attribute(f"{row} .totp", "data-totp") == "off"
        signed = (await run.ctx.store.account(salma.id)).last_sign_in_at  # type: ignore[union-attr]
        assert signed is not None and await text_of(page, f"{row} .last-sign-in") == moment_text(signed, lang)
        await shot(page, "people", lang, window)

        # One person: teams and scopes, the open session ended, the account disabled (audited) and enabled.
        await page.click(f"{row} td.name a")
        assert await page.locator("#person-sessions tr[data-session]").count() == 1
        await page.click("#person-sessions .revoke")
        await page.wait_for_selector("#done")
        assert await page.locator("#person-no-session").count() == 1
        await page.click("#disable")
        await page.wait_for_selector('#person-state[data-state="disabled"]')
        assert await text_of(page, "#done") == translate("acc_console_done_disable", lang)
        await shot(page, "person", lang, window)
        await page.click("#enable")
        await page.wait_for_selector('#person-state[data-state="active"]')

        # Teams: a scope outside the grammar is refused in the page's language; a good one makes the team.
        await page.click("#tab-teams")
        await page.fill("#f-name", "Souk Agadir")
        await page.fill("#f-scopes", "organizer:market:souk-agadir\nadmin")
        await page.click("#team-submit")
        await page.wait_for_selector("#f-scopes[aria-invalid=true]")
        assert await text_of(page, "#e-scopes") == translate("unknown_scope", lang)
        await page.fill("#f-scopes", "organizer:market:souk-agadir\nstaff:market:souk-agadir")
        await page.click("#team-submit")
        await page.wait_for_selector("#done")
        await page.fill("#f-scopes", "staff:market:souk-agadir")
        await page.click("#team-submit")
        await page.wait_for_selector('#done[data-done="saved"]')
        assert await text_of(page, "#team-scopes") == "staff:market:souk-agadir"
        await page.fill("#f-email", salma.email)
        await page.click("#member-submit")
        await page.wait_for_selector(f"#member-{salma.id}")
        await shot(page, "team", lang, window)
        await page.click(f"#member-{salma.id} .remove")
        await page.wait_for_selector("#members-none")
        await page.click("#tab-teams")
        await page.wait_for_selector("#teams")
        assert await page.locator("#teams tbody tr").count() == 1
        await shot(page, "teams", lang, window)

        # Invitations: sent in the other language, resent (the first link stops working), then withdrawn.
        email = f"{unique('invited')}@example.ma"
        await page.click("#tab-invitations")
        await page.fill("#f-email", email)
        await page.fill("#f-name", "Karim Benjelloun")
        await page.select_option("#f-language", OTHER[lang])
        await page.select_option("#f-team", label="Souk Agadir")
        await page.click("#invite-submit")
        await page.wait_for_selector('#done[data-done="sent"]')
        [first] = run.mails.to(email)
        assert first["Content-Language"] == OTHER[lang]
        assert first["Subject"] == translate("mail_invitation_subject", OTHER[lang])
        await page.click(f'tr.invitation[data-email="{email}"][data-state="pending"] .resend')
        await page.wait_for_selector('#done[data-done="resend"]')
        assert len(run.mails.to(email)) == 2
        async with httpx.AsyncClient() as http:
            old = await http.get(invitation_link(first))
            assert old.status_code == 400 and translate("link_invalid", OTHER[lang]) in html.unescape(old.text)
        states = await page.eval_on_selector_all(f'tr.invitation[data-email="{email}"]',
                                                 "rs => rs.map(r => r.dataset.state)")
        assert states == ["pending", "withdrawn"]
        await shot(page, "invitations", lang, window)
        await page.click(f'tr.invitation[data-email="{email}"][data-state="pending"] .withdraw')
        await page.wait_for_selector('#done[data-done="withdraw"]')
        async with httpx.AsyncClient() as http:
            assert (await http.get(invitation_link(run.mails.to(email)[1]))).status_code == 400

        # The audit log of this service: who disabled Salma.
        await page.click("#nav-audit")
        await page.fill("#f-object", salma.id)
        await page.click("#f-submit")
        await page.wait_for_url(re.compile(r"object_id="))
        actions = await page.eval_on_selector_all("#audit tr[data-action]", "rs => rs.map(r => r.dataset.action)")
        assert actions == ["account.enabled", "account.disabled", "session.revoked"]
        await shot(page, "audit", lang, window)
        await context.close()


@pytest.mark.parametrize("lang", ["ar", "fr"])
async def test_an_invited_organizer_accepts_in_the_browser_and_their_scope_works_in_the_registration_console(
        infra: Infra, keys: Keys, browser: Browser, lang: str) -> None:
    async with accounts_console(infra, keys) as run:
        settings = settings_for(RegistrationSettings, infra, keys, accounts_url=run.base,
                                jwt_jwks_url=f"{run.base}/.well-known/jwks.json")
        async with serve(create_registration_app(settings)) as registration, httpx.AsyncClient() as http:
            created = await http.post(f"{registration}/admin/conferences", json=conference_body(),
                                      headers=keys.headers("admin"))
            cid = created.json()["id"]
            admin = await person(run.ctx, "Nadia Admin", admin=True, lang=lang)
            desk, page = await signed_in(browser, run.base, admin, lang=lang, window="laptop",
                                         target="/console/teams")
            await page.fill("#f-name", "Comité des Assises")
            await page.fill("#f-scopes", f"organizer:conference:{cid}")
            await page.click("#team-submit")
            await page.wait_for_selector("#done")
            email = f"{unique('organizer')}@example.ma"
            await page.goto(f"{run.base}/console/invitations?lang={lang}")
            await page.fill("#f-email", email)
            await page.fill("#f-name", "Hassan Tazi")
            await page.select_option("#f-language", lang)
            await page.select_option("#f-team", label="Comité des Assises")
            await page.click("#invite-submit")
            await page.wait_for_selector('#done[data-done="sent"]')
            await desk.close()

            # The invited person opens the mail's link, chooses a password, enrols TOTP (an organizer sees
            # personal data) and lands on their account.
            [mail] = run.mails.to(email)
            invited = await browser.new_context(locale=lang, viewport=WINDOWS["phone"])  # type: ignore[arg-type]
            phone = await invited.new_page()
            await phone.goto(invitation_link(mail))
            assert await phone.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
            await phone.fill("#f-new_password", PASSWORD)
            await phone.fill("#f-new_password_again", PASSWORD)
            await phone.click("button[type=submit]")
            await enrol(phone)
            await phone.wait_for_url(re.compile(r"/account$"))
            assert f"organizer:conference:{cid}" in await text_of(phone, "#scopes")
            await screenshot(phone, f"console-accounts-accepted-{lang}-phone")

            # Their scope works in another service's console: the registration console lists the conference.
            await phone.goto(f"{registration}/console?lang={lang}")
            assert await phone.locator(f"#conference-{cid}").count() == 1
            assert await phone.locator('.console-nav a[data-service="accounts"]').count() == 0  # administrators'

            assert await text_of(phone, "#console-person") == "Hassan Tazi"
            assert await fits(phone)
            await screenshot(phone, f"console-accounts-registration-{lang}-phone")

            # They are no administrator: the accounts console refuses them, in their language.
            refused = await phone.goto(f"{run.base}/console?lang={lang}")
            assert refused is not None and refused.status == 403
            assert await text_of(phone, "#console-error") == translate("forbidden", lang)
            assert await phone.locator("#people").count() == 0 and await fits(phone)
            await screenshot(phone, f"console-accounts-refused-{lang}-phone")
            await invited.close()


async def test_the_console_sends_a_stranger_to_sign_in_and_refuses_a_form_without_its_csrf_token(
        infra: Infra, keys: Keys, browser: Browser) -> None:
    async with accounts_console(infra, keys) as run, httpx.AsyncClient(base_url=run.base) as http:
        away = await http.get("/console/teams?lang=fr")
        assert away.status_code == 303
        assert away.headers["location"] == "/auth/refresh?next=%2Fconsole%2Fteams%3Flang%3Dfr"
        admin = await person(run.ctx, "Nadia Admin", admin=True)
        target = await person(run.ctx, "Amal")
        context, page = await signed_in(browser, run.base, admin, lang="fr", window="laptop")
        forged = await page.request.post(f"{run.base}/console/people/{target.id}/disable?lang=fr",
                                         form={"csrf_token": "not-the-cookie"})
        assert forged.status == 403 and translate("csrf_failed", "fr") in await forged.text()
        assert (await run.ctx.store.account(target.id)).disabled is False  # type: ignore[union-attr]
        await context.close()


async def test_the_people_list_pages_forward_and_back_in_arabic_on_a_phone(
        infra: Infra, keys: Keys, browser: Browser) -> None:
    async with accounts_console(infra, keys) as run:
        admin = await person(run.ctx, "Nadia Admin", admin=True, lang="ar")
        for n in range(PAGE_SIZE):
            await create_account(ctx=run.ctx, data=AccountCreate(
                email=f"membre{n:03d}@example.ma", name=f"عضو {n}", language="ar"))  # type: ignore[arg-type]
        context, page = await signed_in(browser, run.base, admin, lang="ar", window="phone")
        await page.goto(f"{run.base}/console?lang=ar")
        assert await page.locator("#people tbody tr").count() == PAGE_SIZE
        assert await text_of(page, "#page-of") == translate("console_pager", "ar", page=1, pages=2)
        await page.click("#next-page")
        await page.wait_for_url(re.compile(r"[?&]page=2"))
        assert await page.locator("#people tbody tr").count() == 1  # the last address by e-mail: Nadia's
        assert await page.locator("#next-page").count() == 0
        await shot(page, "people-page-2", "ar", "phone")
        await page.click("#previous-page")
        await page.wait_for_url(re.compile(r"[?&]page=1"))
        assert await page.locator("#people tbody tr").count() == PAGE_SIZE
        await context.close()
