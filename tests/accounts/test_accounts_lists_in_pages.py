"""The administration lists of accounts, teams and invitations come in pages read from MongoDB: a stable
order, every item on exactly one page, the total and the ``Link`` to the next page, the search kept
from page to page, and page parameters out of bounds refused in the caller's language."""

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from accounts import service
from accounts.domain import TeamCreate
from accounts.models import Account
from accounts_factories import AccountsService, accounts_service

from shared.i18n import translate
from shared.pagination import MAX_PAGE, MAX_PAGE_SIZE
from support import Infra, Keys, mail_catcher

# Out of order on purpose: neither creation order nor the case of the address is the list's order.
LOCAL_PARTS = ["Yasmine", "badr", "Zineb", "amine", "Othmane", "hind", "Karim", "souad"]
LISTS = ("/accounts", "/teams", "/invitations")


def next_link(answer: httpx.Response) -> str | None:
    found = re.search(r'<([^>]+)>;\s*rel="next"', answer.headers.get("link", ""))
    return found.group(1) if found else None


async def every_page(svc: AccountsService, path: str, headers: dict[str, str],
                     **params: Any) -> list[httpx.Response]:
    """The answers of a list from its first page, following ``rel="next"`` until there is none."""
    answers = [await svc.client.get(path, headers=headers, params=params)]
    for _ in range(50):
        assert answers[-1].status_code == 200, answers[-1].text
        following = next_link(answers[-1])
        if following is None:
            return answers
        answers.append(await svc.client.get(following, headers=headers))
    raise AssertionError("the pages never end")


def ids_of(answers: list[httpx.Response]) -> list[str]:
    return [item["id"] for answer in answers for item in answer.json()]


async def test_accounts_come_in_pages_each_account_once_in_e_mail_order(infra: Infra, keys: Keys) -> None:
    async with accounts_service(infra, keys) as svc:
        admin = await svc.bearer(await svc.account(admin=True))
        for n, local in enumerate(LOCAL_PARTS):
            await svc.unprotected(local, f"Coopérative {n}" if n % 2 else f"Personne {n}")
        stored = [Account.model_validate(d) async for d in svc.platform.db.accounts.find()]
        expected = [a.id for a in sorted(stored, key=lambda a: (a.email_normalized, a.id))]
        assert len(expected) == len(LOCAL_PARTS) + 1

        answers = await every_page(svc, "/accounts", admin, page_size=3)
        assert [len(a.json()) for a in answers] == [3, 3, 3]
        assert {a.headers["x-total-count"] for a in answers} == {str(len(expected))}
        assert ids_of(answers) == expected
        assert 'rel="prev"' in answers[1].headers["link"] and 'rel="prev"' not in answers[0].headers["link"]

        past = await svc.client.get("/accounts", headers=admin, params={"page_size": 3, "page": 4})
        assert past.status_code == 200 and past.json() == [] and 'rel="prev"' in past.headers["link"]
        assert len((await svc.client.get("/accounts", headers=admin)).json()) == len(expected)  # 100 by default


async def test_the_account_search_is_kept_from_page_to_page(infra: Infra, keys: Keys) -> None:
    async with accounts_service(infra, keys) as svc:
        admin = await svc.bearer(await svc.account(admin=True))
        for n, local in enumerate(LOCAL_PARTS):
            await svc.unprotected(local, f"Coopérative {n}" if n % 2 else f"Personne {n}")
        answers = await every_page(svc, "/accounts", admin, q="COOP", page_size=3)
        assert [len(a.json()) for a in answers] == [3, 1]
        assert {a.headers["x-total-count"] for a in answers} == {"4"}
        assert "q=COOP" in answers[0].headers["link"]
        found = [item for a in answers for item in a.json()]
        assert [a["name"] for a in found] == [a["name"] for a in sorted(found, key=lambda a: a["email"].lower())]
        assert all(a["name"].startswith("Coopérative") for a in found)


async def test_teams_come_in_pages_by_name_then_id(infra: Infra, keys: Keys) -> None:
    async with accounts_service(infra, keys) as svc:
        admin = await svc.bearer(await svc.account(admin=True))
        for name in ["Souk Agadir", "Assises", "Souk Agadir", "لجنة التنظيم", "Comité", "Souk Agadir", "Banque"]:
            await service.create_team(ctx=svc.ctx, data=TeamCreate(name=name, scopes=["staff:market:souk"]))
        teams = [(d["name"], d["_id"]) async for d in svc.platform.db.teams.find()]
        expected = [team_id for _, team_id in sorted(teams)]

        answers = await every_page(svc, "/teams", admin, page_size=2)
        assert [len(a.json()) for a in answers] == [2, 2, 2, 1]
        assert {a.headers["x-total-count"] for a in answers} == {"7"}
        assert ids_of(answers) == expected


async def test_invitations_come_in_pages_newest_first_then_by_id(infra: Infra, keys: Keys) -> None:
    async with mail_catcher() as mails, accounts_service(infra, keys, smtp_port=mails.port) as svc:
        admin = await svc.bearer(await svc.account(admin=True))
        for local in LOCAL_PARTS[:5]:
            sent = await svc.client.post("/invitations", headers=admin, json={
                "email": f"{local}@example.ma", "name": local, "language": "ar"})
            assert sent.status_code == 201, sent.text
        # Three sent in the same instant: the id decides between them, on every page alike.
        same = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=5)
        some = [d["_id"] async for d in svc.platform.db.links.find({"kind": "invitation"}).limit(3)]
        await svc.platform.db.links.update_many({"_id": {"$in": some}}, {"$set": {"created_at": same}})
        links = [(d["created_at"], d["_id"]) async for d in svc.platform.db.links.find({"kind": "invitation"})]
        expected = [link_id for _, link_id in sorted(links, key=lambda link: (-link[0].timestamp(), link[1]))]

        answers = await every_page(svc, "/invitations", admin, page_size=2)
        assert [len(a.json()) for a in answers] == [2, 2, 1]
        assert {a.headers["x-total-count"] for a in answers} == {"5"}
        assert ids_of(answers) == expected
        assert {i["state"] for a in answers for i in a.json()} == {"pending"}


async def test_page_parameters_out_of_bounds_are_refused_in_the_callers_language(infra: Infra, keys: Keys) -> None:
    bad = [({"page": 0}, "page"), ({"page": MAX_PAGE + 1}, "page"), ({"page": "deux"}, "page"),
           ({"page_size": 0}, "page_size"), ({"page_size": MAX_PAGE_SIZE + 1}, "page_size")]
    async with accounts_service(infra, keys) as svc:
        admin = await svc.bearer(await svc.account(admin=True))
        for path in LISTS:
            for n, (params, field) in enumerate(bad):
                lang = ("ar", "fr", "en")[n % 3]
                refused = await svc.client.get(path, headers={**admin, "Accept-Language": lang}, params=params)
                assert refused.status_code == 422, (path, params)
                assert refused.headers["content-type"].startswith("application/problem+json")
                problem = refused.json()
                assert problem["code"] == "validation_failed" and problem["title"] == translate(
                    "validation_failed", lang)
                assert [e["field"] for e in problem["errors"]] == [field]
        spec = svc.app.openapi()["paths"]
        for path in LISTS:
            query = {p["name"]: p["schema"] for p in spec[path]["get"]["parameters"] if p["in"] == "query"}
            assert query["page"]["maximum"] == MAX_PAGE and query["page_size"]["maximum"] == MAX_PAGE_SIZE
