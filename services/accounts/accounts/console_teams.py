"""Console screens of teams (the scopes each grants, its members) and of invitations (send one in a
chosen language, see where each stands, resend or withdraw). Same rules as ``console.py``."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from accounts import admin, invitations, service
from accounts.console import PAGE_SIZE, ConsoleAdmin, Done, PageNumber, Who, after, console, listing, notice, posted
from accounts.context import Ctx
from accounts.domain import SCOPE_FORMS, InvitationCreate, MemberAdd, TeamCreate, scopes_in
from shared.errors import DomainError
from shared.i18n import LANGUAGES
from shared.pagination import PageRequest
from shared.web import LANGUAGE_NAMES, form_errors, page_language

router = APIRouter(prefix="/console", include_in_schema=False)
ACTS = {"resend": invitations.resend_invitation, "withdraw": invitations.withdraw_invitation}


def team_form(fields: dict[str, str]) -> TeamCreate:
    return TeamCreate.model_validate({"name": fields.get("name", ""), "scopes": scopes_in(fields.get("scopes", ""))})


@router.get("/teams", response_class=HTMLResponse)
async def teams(request: Request, ctx: Ctx, who: Who, done: Done = "", page: PageNumber = 1) -> Response:
    if not isinstance(who, ConsoleAdmin):
        return who
    return await _teams_page(request, ctx, who, done=done, page=page)


async def _teams_page(request: Request, ctx: Ctx, who: ConsoleAdmin, *, values: dict[str, str] | None = None,
                      errors: dict[str, str] | None = None, done: str = "", page: int = 1,
                      status_code: int = 200) -> Response:
    found, total = await service.list_teams(ctx=ctx, page=PageRequest(page=page, page_size=PAGE_SIZE))
    return console.render(request, who.principal, "console_teams.html", {
        "teams": found, "values": values or {}, "errors": errors or {}, "done": notice(done),
        "scope_patterns": SCOPE_FORMS, **listing(page, total)}, status_code=status_code)


@router.post("/teams", response_class=HTMLResponse)
async def create_team(request: Request, ctx: Ctx, who: Who) -> Response:
    if not isinstance(who, ConsoleAdmin):
        return who
    try:
        fields = await posted(request, who)
        team = await service.create_team(ctx=ctx, data=team_form(fields), act=who.act(request))
    except ValidationError as exc:
        return await _teams_page(request, ctx, who, values=fields, errors=form_errors(exc, page_language(request)),
                                 status_code=422)
    except DomainError as exc:
        return console.refusal(request, who.principal, exc)
    return after(f"/console/teams/{team.id}", "created", request)


@router.get("/teams/{team_id}", response_class=HTMLResponse)
async def team(team_id: str, request: Request, ctx: Ctx, who: Who, done: Done = "") -> Response:
    if not isinstance(who, ConsoleAdmin):
        return who
    return await _team_page(request, ctx, who, team_id[:80], done=done)


async def _team_page(request: Request, ctx: Ctx, who: ConsoleAdmin, team_id: str, *,
                     values: dict[str, str] | None = None, errors: dict[str, str] | None = None, done: str = "",
                     status_code: int = 200) -> Response:
    try:
        found = await admin.team_overview(ctx=ctx, team_id=team_id)
    except DomainError as exc:
        return console.refusal(request, who.principal, exc)
    shown = values or {"name": found.team.name, "scopes": "\n".join(found.team.scopes)}
    return console.render(request, who.principal, "console_team.html", {
        "found": found, "values": shown, "errors": errors or {}, "done": notice(done),
        "scope_patterns": SCOPE_FORMS}, status_code=status_code)


@router.post("/teams/{team_id}", response_class=HTMLResponse)
async def change_team(team_id: str, request: Request, ctx: Ctx, who: Who) -> Response:
    if not isinstance(who, ConsoleAdmin):
        return who
    team_id = team_id[:80]
    try:
        fields = await posted(request, who)
        await service.change_team(ctx=ctx, team_id=team_id, data=team_form(fields), act=who.act(request))
    except ValidationError as exc:
        return await _team_page(request, ctx, who, team_id, values=fields,
                                errors=form_errors(exc, page_language(request)), status_code=422)
    except DomainError as exc:
        return console.refusal(request, who.principal, exc)
    return after(f"/console/teams/{team_id}", "saved", request)


@router.post("/teams/{team_id}/members", response_class=HTMLResponse)
async def add_member(team_id: str, request: Request, ctx: Ctx, who: Who) -> Response:
    if not isinstance(who, ConsoleAdmin):
        return who
    team_id = team_id[:80]
    try:
        fields = await posted(request, who)
        body = MemberAdd(email=fields.get("email", "").strip()[:254])
        await service.add_team_member(ctx=ctx, team_id=team_id, email=body.email, act=who.act(request))
    except ValidationError as exc:
        errors = form_errors(exc, page_language(request))
        return await _team_page(request, ctx, who, team_id, errors={"email": errors.get("email", "")},
                                status_code=422)
    except DomainError as exc:
        return console.refusal(request, who.principal, exc)
    return after(f"/console/teams/{team_id}", "added", request)


@router.post("/teams/{team_id}/members/{account_id}/remove", response_class=HTMLResponse)
async def remove_member(team_id: str, account_id: str, request: Request, ctx: Ctx, who: Who) -> Response:
    if not isinstance(who, ConsoleAdmin):
        return who
    try:
        await posted(request, who)
        await service.remove_team_member(ctx=ctx, team_id=team_id[:80], account_id=account_id[:80],
                                         act=who.act(request))
    except DomainError as exc:
        return console.refusal(request, who.principal, exc)
    return after(f"/console/teams/{team_id[:80]}", "removed", request)


@router.get("/invitations", response_class=HTMLResponse)
async def invitations_page(request: Request, ctx: Ctx, who: Who, done: Done = "", page: PageNumber = 1) -> Response:
    if not isinstance(who, ConsoleAdmin):
        return who
    return await _invitations_page(request, ctx, who, done=done, page=page)


async def _invitations_page(request: Request, ctx: Ctx, who: ConsoleAdmin, *, values: dict[str, Any] | None = None,
                            errors: dict[str, str] | None = None, done: str = "", page: int = 1,
                            status_code: int = 200) -> Response:
    board = await admin.invitation_board(ctx=ctx, page=PageRequest(page=page, page_size=PAGE_SIZE))
    return console.render(request, who.principal, "console_invitations.html", {
        "board": board, "errors": errors or {}, "done": notice(done),
        "invite_languages": [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
        "values": values or {"language": page_language(request)}, **listing(page, board.total)},
        status_code=status_code)


@router.post("/invitations", response_class=HTMLResponse)
async def invite(request: Request, ctx: Ctx, who: Who) -> Response:
    if not isinstance(who, ConsoleAdmin):
        return who
    try:
        fields = await posted(request, who)
        body = InvitationCreate.model_validate({
            "email": fields.get("email", ""), "name": fields.get("name", ""), "language": fields.get("language", ""),
            "team_id": fields.get("team_id") or None})
        await invitations.invite(ctx=ctx, data=body, team_id=body.team_id, act=who.act(request))
    except ValidationError as exc:
        return await _invitations_page(request, ctx, who, values=fields,
                                       errors=form_errors(exc, page_language(request)), status_code=422)
    except DomainError as exc:
        return console.refusal(request, who.principal, exc)
    return after("/console/invitations", "sent", request)


@router.post("/invitations/{invitation_id}/{what}", response_class=HTMLResponse)
async def act_on_invitation(invitation_id: str, what: str, request: Request, ctx: Ctx, who: Who) -> Response:
    """Resend an invitation (a new link; the older one stops working) or withdraw it."""
    if not isinstance(who, ConsoleAdmin):
        return who
    try:
        await posted(request, who)
        use_case = ACTS.get(what)
        if use_case is None:
            raise DomainError("not_found", 404)
        await use_case(ctx=ctx, invitation_id=invitation_id[:80], act=who.act(request))
    except DomainError as exc:
        return console.refusal(request, who.principal, exc)
    return after("/console/invitations", what, request)
