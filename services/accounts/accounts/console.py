"""Console screens of the accounts service, for administrators: people (``/console``, one person with
their teams, scopes and sessions). Teams and invitations are in ``console_teams.py``.

The screens read the browser session as this service's own pages do (the access cookie, checked live:
a disabled account or a revoked session stops at once) and ask what the administration API asks: an
account marked administrator. Changes are form posts echoing the ``tadamon_csrf`` cookie; each calls
the same use case as the API and lands in the audit log.
"""

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from accounts import admin, service, signin
from accounts.console_texts import DONE, register_console_texts
from accounts.context import Ctx
from accounts.cookies import Caller, MaybeCaller, csrf_matches
from accounts.domain import AccountChange
from shared.audit import Act
from shared.auth import CSRF_FIELD, Principal
from shared.errors import DomainError, Forbidden
from shared.pagination import MAX_PAGE, PageRequest
from shared.web import Pages
from shared.web.console import Console

console = Console(Pages(Path(__file__).parent / "templates", service="accounts"))
router = APIRouter(prefix="/console", include_in_schema=False)
FORM_MAX = 6000
Search = Annotated[str, Query(max_length=100)]
Done = Annotated[str, Query(max_length=30)]
PageNumber = Annotated[int, Query(ge=1, le=MAX_PAGE)]
PAGE_SIZE = 50
register_console_texts()


class ConsoleAdmin:
    """An administrator at the console: the live account and the principal the shared layout shows."""

    def __init__(self, caller: Caller) -> None:
        self.caller = caller
        self.principal = Principal(sub=caller.account.id, name=caller.account.name, scopes=caller.scopes,
                                   sid=caller.session_id)

    def act(self, request: Request) -> Act:
        return Act.of(request, self.principal)


async def console_admin(request: Request, caller: MaybeCaller) -> ConsoleAdmin | Response:
    """The administrator, or the way to sign in (and back), or the refusal page in the page's language."""
    if caller is None:
        back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse("/auth/refresh?" + urlencode({"next": back}), status_code=303)
    who = ConsoleAdmin(caller)
    if not caller.account.admin:
        return console.refusal(request, who.principal, Forbidden("forbidden"))
    return who


Who = Annotated[ConsoleAdmin | Response, Depends(console_admin)]


async def posted(request: Request, who: ConsoleAdmin) -> dict[str, str]:
    """The posted fields (strings only, bounded); refused unless the csrf token is echoed."""
    raw = await request.form()
    fields = {k: v[:FORM_MAX] for k, v in raw.items() if isinstance(v, str)}
    if not csrf_matches(request, fields.get(CSRF_FIELD)):
        raise Forbidden("csrf_failed")
    return fields


def notice(done: str) -> str:
    """The change a page reports as done (``?done=``), when it is one of ours."""
    return done if done in DONE else ""


def after(path: str, what: str, request: Request) -> Response:
    lang = request.query_params.get("lang", "")
    query = urlencode({"done": what, **({"lang": lang} if lang else {})})
    return RedirectResponse(f"{path}?{query}", status_code=303)


def listing(page: int, total: int, **filters: str) -> dict[str, Any]:
    """What the shared pager (``console_pager.html``) needs to lead through a list of ``total`` items."""
    return {"page": page, "pages": max(1, -(-total // PAGE_SIZE)), "total": total,
            "pager_query": urlencode({k: v for k, v in filters.items() if v})}


@router.get("", response_class=HTMLResponse)
async def people(request: Request, ctx: Ctx, who: Who, q: Search = "", page: PageNumber = 1) -> Response:
    if not isinstance(who, ConsoleAdmin):
        return who
    found, total = await service.list_accounts(ctx=ctx, page=PageRequest(page=page, page_size=PAGE_SIZE), search=q)
    return console.render(request, who.principal, "console_people.html", {
        "people": found, "q": q, **listing(page, total, q=q)})


@router.get("/people/{account_id}", response_class=HTMLResponse)
async def person(account_id: str, request: Request, ctx: Ctx, who: Who, done: Done = "") -> Response:
    if not isinstance(who, ConsoleAdmin):
        return who
    try:
        found = await admin.account_overview(ctx=ctx, account_id=account_id[:80])
    except DomainError as exc:
        return console.refusal(request, who.principal, exc)
    return console.render(request, who.principal, "console_person.html", {
        "found": found, "me": who.caller.account.id, "done": notice(done)})


@router.post("/people/{account_id}/{change}", response_class=HTMLResponse)
async def change_person(account_id: str, change: str, request: Request, ctx: Ctx, who: Who) -> Response:
    """Disable, enable, or remove the second factor of an account."""
    if not isinstance(who, ConsoleAdmin):
        return who
    changes = {"disable": AccountChange(disabled=True), "enable": AccountChange(disabled=False),
               "reset-totp": AccountChange(reset_second_factor=True)}
    try:
        await posted(request, who)
        if change not in changes:
            raise DomainError("not_found", 404)
        await service.change_account(ctx=ctx, account_id=account_id[:80], change=changes[change],
                                     by=who.caller.account, act=who.act(request))
    except DomainError as exc:
        return console.refusal(request, who.principal, exc)
    return after(f"/console/people/{account_id}", change, request)


@router.post("/people/{account_id}/sessions/{session_id}/revoke", response_class=HTMLResponse)
async def revoke_session(account_id: str, session_id: str, request: Request, ctx: Ctx, who: Who) -> Response:
    if not isinstance(who, ConsoleAdmin):
        return who
    try:
        await posted(request, who)
        await signin.revoke_session(ctx=ctx, account_id=account_id[:80], session_id=session_id[:80],
                                    act=who.act(request))
    except DomainError as exc:
        return console.refusal(request, who.principal, exc)
    return after(f"/console/people/{account_id}", "revoked", request)
