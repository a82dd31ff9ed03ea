"""The console screens of people, teams and invitations show one page at a time, with the shared links to
the previous and next pages (the search kept), in the administrator's language and direction."""

import html
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urljoin

import httpx
from accounts import service
from accounts.console import PAGE_SIZE
from accounts.domain import TeamCreate
from accounts.models import Link
from accounts_factories import accounts_service

from shared.i18n import translate
from support import Infra, Keys


def pager_link(page: httpx.Response, which: str) -> str | None:
    """The absolute address behind the pager's ``previous-page`` or ``next-page`` link, if the page has it."""
    found = re.search(rf'href="([^"]*)"[^>]*id="{which}"', page.text)
    return urljoin(str(page.url), html.unescape(found.group(1))) if found else None


async def test_the_people_console_leads_to_the_next_page_keeping_the_search_in_arabic(
        infra: Infra, keys: Keys) -> None:
    async with accounts_service(infra, keys) as svc:
        admin = await svc.bearer(await svc.account(admin=True, language="ar"))
        members = [await svc.unprotected(f"membre{n:03d}", f"عضو {n}") for n in reversed(range(PAGE_SIZE + 2))]
        await svc.unprotected("autre", "Quelqu'un d'autre")
        expected = [a.id for a in sorted(members, key=lambda a: a.email_normalized)]

        first = await svc.client.get("/console", headers=admin, params={"q": "membre", "lang": "ar"})
        assert first.status_code == 200, first.text
        assert '<html lang="ar" dir="rtl">' in first.text
        assert translate("acc_console_count", "ar", count=PAGE_SIZE + 2) in first.text
        assert translate("console_pager", "ar", page=1, pages=2) in first.text
        assert pager_link(first, "previous-page") is None
        following = pager_link(first, "next-page")
        assert following is not None and "q=membre" in following and "lang=ar" in following

        second = await svc.client.get(following, headers=admin)
        assert second.status_code == 200 and translate("console_pager_previous", "ar") in second.text
        assert pager_link(second, "next-page") is None
        back = pager_link(second, "previous-page")
        assert back is not None and "page=1" in back and "q=membre" in back
        shown = [re.findall(r'<tr id="person-(acc_[0-9a-f]+)"', p.text) for p in (first, second)]
        assert [len(rows) for rows in shown] == [PAGE_SIZE, 2]
        assert shown[0] + shown[1] == expected


async def test_the_teams_and_invitations_consoles_lead_to_their_next_page(infra: Infra, keys: Keys) -> None:
    async with accounts_service(infra, keys) as svc:
        admin = await svc.bearer(await svc.account(admin=True, language="en"))
        teams = [await service.create_team(ctx=svc.ctx, data=TeamCreate(
            name=f"Team {n:03d}", scopes=[f"staff:market:souk-{n}"])) for n in range(PAGE_SIZE + 1)]
        first = await svc.client.get("/console/teams", headers=admin, params={"lang": "en"})
        following = pager_link(first, "next-page")
        assert following is not None and "page=2" in following
        second = await svc.client.get(following, headers=admin)
        shown = [re.findall(r'<tr id="team-(team_[0-9a-f]+)"', p.text) for p in (first, second)]
        assert shown[0] + shown[1] == [t.id for t in teams]
        assert translate("acc_console_team_count", "en", count=PAGE_SIZE + 1) in second.text

        # One invitation a minute, the oldest into the last team: it is alone on the second page, named.
        now = datetime.now(UTC)
        for n in range(PAGE_SIZE + 1):
            invited = await svc.unprotected(f"invited{n:03d}", f"Invited {n}")
            await svc.ctx.store.insert_link(Link(
                id=f"link{n:03d}", kind="invitation", account_id=invited.id, created_at=now - timedelta(minutes=n),
                expires_at=now + timedelta(days=7), team_id=teams[-1].id, language="en"))
        first = await svc.client.get("/console/invitations", headers=admin, params={"lang": "en"})
        following = pager_link(first, "next-page")
        assert following is not None
        second = await svc.client.get(following, headers=admin)
        shown = [re.findall(r'<tr class="invitation" data-email="([^"]+)"', p.text) for p in (first, second)]
        assert shown[0] + shown[1] == [f"invited{n:03d}@example.ma" for n in range(PAGE_SIZE + 1)]
        assert f"<bdi>{teams[-1].name}</bdi>" in second.text
        assert f'<option value="{teams[-1].id}"' in second.text  # the form still offers every team
