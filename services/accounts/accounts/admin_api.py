"""JSON routes for administrators: accounts, teams and invitations. The console screens
(``console.py``) call the same use cases."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from accounts import admin as admin_cases
from accounts import invitations, service, signin
from accounts.admin import AccountOverview
from accounts.context import Ctx
from accounts.cookies import Admin, Caller
from accounts.domain import (
    AccountChange,
    AccountCreate,
    AccountDetail,
    AccountPublic,
    InvitationCreate,
    InvitationPublic,
    MemberAdd,
    TeamCreate,
    TeamPublic,
    account_public,
    session_public,
    team_public,
)
from accounts.invitations import Invitation
from shared.audit import Act
from shared.auth import Principal
from shared.errors import problems
from shared.pagination import Paged, page_headers

admin = APIRouter(tags=["administration"])
Id = Annotated[str, Path(max_length=80)]
Search = Annotated[str, Query(max_length=100)]


def act_of(request: Request, caller: Caller) -> Act:
    """Who acts, for the audit log: the administrator's account and the request's address."""
    return Act.of(request, Principal(sub=caller.account.id, name=caller.account.name, scopes=caller.scopes))


def account_detail(found: AccountOverview) -> AccountDetail:
    return AccountDetail(account=account_public(found.account), teams=[team_public(t) for t in found.teams],
                         scopes=found.scopes, sessions=[session_public(s) for s in found.sessions])


def invitation_public(found: Invitation) -> InvitationPublic:
    return InvitationPublic(id=found.id, account_id=found.account.id if found.account else None,
                            email=found.account.email if found.account else None,
                            name=found.account.name if found.account else None, team_id=found.team_id,
                            language=found.language, created_at=found.created_at, expires_at=found.expires_at,
                            state=found.state)


@admin.post("/accounts", status_code=201, response_model=AccountPublic, responses=problems(409))
async def create_account(body: AccountCreate, request: Request, caller: Admin, ctx: Ctx) -> AccountPublic:
    """Create an account (no password yet: its owner sets one from an invitation)."""
    return account_public(await service.create_account(ctx=ctx, data=body, act=act_of(request, caller)))


@admin.get("/accounts", response_model=list[AccountPublic])
async def list_accounts(caller: Admin, ctx: Ctx, page: Paged, request: Request, response: Response,
                        q: Search = "") -> list[AccountPublic]:
    """The accounts by e-mail; ``q`` keeps those whose e-mail or name holds it (paginated)."""
    found, total = await service.list_accounts(ctx=ctx, page=page, search=q)
    page_headers(total, page, request, response)
    return [account_public(a) for a in found]


@admin.get("/accounts/{account_id}", response_model=AccountDetail, responses=problems(404))
async def read_account(account_id: Id, caller: Admin, ctx: Ctx) -> AccountDetail:
    """One account: its teams, the scopes they add up to, its open sessions and the scanners it signed in."""
    return account_detail(await admin_cases.account_overview(ctx=ctx, account_id=account_id))


@admin.patch("/accounts/{account_id}", response_model=AccountPublic, responses=problems(404, 409))
async def change_account(account_id: Id, body: AccountChange, request: Request, caller: Admin,
                         ctx: Ctx) -> AccountPublic:
    """Disable an account (its sessions end, its access tokens are not renewed) or enable it again; or remove
    its second factor (a lost phone): a new one is enrolled at the next sign-in."""
    account = await service.change_account(ctx=ctx, account_id=account_id, change=body, by=caller.account,
                                           act=act_of(request, caller))
    return account_public(account)


@admin.delete("/accounts/{account_id}/sessions/{session_id}", status_code=204, responses=problems(404))
async def revoke_session(account_id: Id, session_id: Id, request: Request, caller: Admin, ctx: Ctx) -> Response:
    """End a session of the account (or of a scanner it signed in): it gets no new access token."""
    await signin.revoke_session(ctx=ctx, account_id=account_id, session_id=session_id, act=act_of(request, caller))
    return Response(status_code=204)


@admin.post("/teams", status_code=201, response_model=TeamPublic)
async def create_team(body: TeamCreate, request: Request, caller: Admin, ctx: Ctx) -> TeamPublic:
    """Create a team holding scoped roles (its members get these scopes in their tokens)."""
    return team_public(await service.create_team(ctx=ctx, data=body, act=act_of(request, caller)))


@admin.get("/teams", response_model=list[TeamPublic])
async def list_teams(caller: Admin, ctx: Ctx, page: Paged, request: Request, response: Response) -> list[TeamPublic]:
    """The teams by name (paginated)."""
    found, total = await service.list_teams(ctx=ctx, page=page)
    page_headers(total, page, request, response)
    return [team_public(t) for t in found]


@admin.get("/teams/{team_id}", response_model=TeamPublic, responses=problems(404))
async def read_team(team_id: Id, caller: Admin, ctx: Ctx) -> TeamPublic:
    """One team: its name, scopes and members."""
    return team_public(await service.get_team(ctx=ctx, team_id=team_id))


@admin.put("/teams/{team_id}", response_model=TeamPublic, responses=problems(404))
async def change_team(team_id: Id, body: TeamCreate, request: Request, caller: Admin, ctx: Ctx) -> TeamPublic:
    """Rename a team or change the scopes it grants: its members' next access tokens carry the new ones."""
    return team_public(await service.change_team(ctx=ctx, team_id=team_id, data=body, act=act_of(request, caller)))


@admin.post("/teams/{team_id}/members", response_model=TeamPublic, responses=problems(404))
async def add_member(team_id: Id, body: MemberAdd, request: Request, caller: Admin, ctx: Ctx) -> TeamPublic:
    """Add an account to a team, named by its id or by its e-mail address."""
    return team_public(await service.add_team_member(ctx=ctx, team_id=team_id, account_id=body.account_id,
                                                     email=body.email, act=act_of(request, caller)))


@admin.delete("/teams/{team_id}/members/{account_id}", response_model=TeamPublic, responses=problems(404))
async def remove_member(team_id: Id, account_id: Id, request: Request, caller: Admin, ctx: Ctx) -> TeamPublic:
    """Remove an account from a team: its next access token no longer holds the team's scopes."""
    return team_public(await service.remove_team_member(ctx=ctx, team_id=team_id, account_id=account_id,
                                                        act=act_of(request, caller)))


class InvitationSent(BaseModel):
    account: AccountPublic
    expires_at: datetime


@admin.post("/invitations", status_code=201, response_model=InvitationSent, responses=problems(404, 409, 503))
async def invite(body: InvitationCreate, request: Request, caller: Admin, ctx: Ctx) -> InvitationSent:
    """Invite a person by mail (in their language), optionally into a team; the link sets their password."""
    account, link = await invitations.invite(ctx=ctx, data=AccountCreate.model_validate(
        body.model_dump(exclude={"team_id"})), team_id=body.team_id, act=act_of(request, caller))
    return InvitationSent(account=account_public(account), expires_at=link.expires_at)


@admin.get("/invitations", response_model=list[InvitationPublic])
async def list_invitations(caller: Admin, ctx: Ctx, page: Paged, request: Request,
                           response: Response) -> list[InvitationPublic]:
    """The invitations sent, newest first: pending, used, expired or withdrawn (paginated)."""
    found, total = await invitations.list_invitations(ctx=ctx, page=page)
    page_headers(total, page, request, response)
    return [invitation_public(i) for i in found]


@admin.post("/invitations/{invitation_id}/resend", status_code=201, response_model=InvitationSent,
            responses=problems(404, 409, 503))
async def resend_invitation(invitation_id: Id, request: Request, caller: Admin, ctx: Ctx) -> InvitationSent:
    """Mail a new link to a person who has not accepted yet; the older link stops working."""
    account, link = await invitations.resend_invitation(ctx=ctx, invitation_id=invitation_id,
                                                        act=act_of(request, caller))
    return InvitationSent(account=account_public(account), expires_at=link.expires_at)


@admin.delete("/invitations/{invitation_id}", status_code=204, responses=problems(404, 409))
async def withdraw_invitation(invitation_id: Id, request: Request, caller: Admin, ctx: Ctx) -> Response:
    """Withdraw an invitation not used yet: its link stops working."""
    await invitations.withdraw_invitation(ctx=ctx, invitation_id=invitation_id, act=act_of(request, caller))
    return Response(status_code=204)
