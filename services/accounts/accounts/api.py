"""JSON routes: the JWKS, token refresh, the caller's own account and sessions, and (administrators
only) accounts and teams."""

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from accounts import invitations, service, store
from accounts.cookies import REFRESH_COOKIE, Admin, AnyCaller, clear_session_cookies, safe_next, set_access_cookie
from accounts.domain import (
    AccountChange,
    AccountCreate,
    AccountPublic,
    MemberAdd,
    SessionPublic,
    TeamCreate,
    TeamPublic,
)
from shared.errors import DomainError, problems
from shared.platform import Platform, get_platform

PlatformDep = Annotated[Platform, Depends(get_platform)]
Next = Annotated[str, Query(max_length=2000)]

public = APIRouter(tags=["public"])
me = APIRouter(tags=["my account"])
admin = APIRouter(tags=["administration"])


class Me(AccountPublic):
    scopes: list[str]


@public.get("/.well-known/jwks.json")
async def jwks(platform: PlatformDep) -> dict[str, Any]:
    """Public keys verifying access tokens (EdDSA, Ed25519), by ``kid``: retired keys stay until their tokens expire."""
    return service.keyring_of(platform).jwks()


@public.get("/auth/refresh", response_class=RedirectResponse, status_code=303)
async def refresh(request: Request, platform: PlatformDep, next: Next = "/account") -> Response:
    """Reissue the access cookie from the session and go back to ``next``, or to the sign-in page."""
    settings = service.settings_of(platform)
    target = safe_next(settings, next)
    try:
        access = await service.refresh_access(platform=platform, refresh_token=request.cookies.get(REFRESH_COOKIE, ""))
    except DomainError:
        response = RedirectResponse(f"{settings.base_url}/signin?" + urlencode({"next": target}), status_code=303)
        clear_session_cookies(response, settings)
        return response
    response = RedirectResponse(target, status_code=303)
    set_access_cookie(response, settings, access)
    return response


@me.get("/me", response_model=Me, responses=problems(401))
async def read_me(caller: AnyCaller, platform: PlatformDep) -> dict[str, Any]:
    """The caller's account and the scopes it holds now."""
    scopes = await service.account_scopes(platform=platform, account=caller.account)
    return {**service.account_public(caller.account), "scopes": scopes}


@me.get("/me/sessions", response_model=list[SessionPublic], responses=problems(401))
async def my_sessions(caller: AnyCaller, platform: PlatformDep) -> list[dict[str, Any]]:
    """The caller's open sessions and the gate scanners they signed in."""
    return [_session_public(doc) for doc in await service.sessions_of(platform=platform,
                                                                        account_id=caller.account["_id"])]


@me.delete("/me/sessions/{session_id}", status_code=204, responses=problems(401, 404))
async def revoke_my_session(session_id: str, caller: AnyCaller, platform: PlatformDep) -> Response:
    """End one of the caller's sessions (or a scanner they signed in): it gets no new access token."""
    await service.revoke_session(platform=platform, account_id=caller.account["_id"], session_id=session_id)
    return Response(status_code=204)


def _session_public(doc: dict[str, Any]) -> dict[str, Any]:
    return {"id": doc["_id"], "kind": doc["kind"], "created_at": doc["created_at"],
            "last_used_at": doc["last_used_at"], "expires_at": doc["expires_at"], "user_agent": doc["user_agent"],
            "scopes": doc.get("scopes") or []}


@admin.post("/accounts", status_code=201, response_model=AccountPublic, responses=problems(409))
async def create_account(body: AccountCreate, caller: Admin, platform: PlatformDep) -> dict[str, Any]:
    """Create an account (no password yet: its owner sets one from an invitation)."""
    return service.account_public(await service.create_account(platform=platform, data=body))


@admin.get("/accounts", response_model=list[AccountPublic])
async def list_accounts(caller: Admin, platform: PlatformDep) -> list[dict[str, Any]]:
    """Every account, by e-mail."""
    return [service.account_public(doc) for doc in await store.list_accounts(platform.db)]


@admin.patch("/accounts/{account_id}", response_model=AccountPublic, responses=problems(404, 409))
async def change_account(account_id: str, body: AccountChange, caller: Admin,
                         platform: PlatformDep) -> dict[str, Any]:
    """Disable an account (its sessions end, its access tokens are not renewed) or enable it again; or remove
    its second factor (a lost phone): a new one is enrolled at the next sign-in."""
    if account_id == caller.account["_id"] and body.disabled:
        raise DomainError("cannot_disable_self", 409)
    doc = await service.get_account(platform=platform, account_id=account_id)
    if body.reset_second_factor:
        doc = await service.reset_second_factor(platform=platform, account_id=account_id)
    if body.disabled is not None:
        doc = await service.set_account_disabled(platform=platform, account_id=account_id, disabled=body.disabled)
    return service.account_public(doc)


@admin.post("/teams", status_code=201, response_model=TeamPublic)
async def create_team(body: TeamCreate, caller: Admin, platform: PlatformDep) -> dict[str, Any]:
    """Create a team holding scoped roles (its members get these scopes in their tokens)."""
    return service.team_public(await service.create_team(platform=platform, data=body))


@admin.get("/teams", response_model=list[TeamPublic])
async def list_teams(caller: Admin, platform: PlatformDep) -> list[dict[str, Any]]:
    """Every team, by name."""
    return [service.team_public(doc) for doc in await store.list_teams(platform.db)]


@admin.post("/teams/{team_id}/members", response_model=TeamPublic, responses=problems(404))
async def add_member(team_id: str, body: MemberAdd, caller: Admin, platform: PlatformDep) -> dict[str, Any]:
    """Add an account to a team."""
    doc = await service.add_team_member(platform=platform, team_id=team_id, account_id=body.account_id)
    return service.team_public(doc)


@admin.delete("/teams/{team_id}/members/{account_id}", response_model=TeamPublic, responses=problems(404))
async def remove_member(team_id: str, account_id: str, caller: Admin, platform: PlatformDep) -> dict[str, Any]:
    """Remove an account from a team: its next access token no longer holds the team's scopes."""
    doc = await service.remove_team_member(platform=platform, team_id=team_id, account_id=account_id)
    return service.team_public(doc)




class InvitationCreate(AccountCreate):
    team_id: str | None = Field(default=None, max_length=80)


class InvitationSent(BaseModel):
    account: AccountPublic
    expires_at: datetime


@admin.post("/invitations", status_code=201, response_model=InvitationSent, responses=problems(404, 409, 503))
async def invite(body: InvitationCreate, caller: Admin, platform: PlatformDep) -> dict[str, Any]:
    """Invite a person by mail (in their language), optionally into a team; the link sets their password."""
    account, link = await invitations.invite(platform=platform, data=AccountCreate.model_validate(
        body.model_dump(exclude={"team_id"})), team_id=body.team_id)
    return {"account": service.account_public(account), "expires_at": link["expires_at"]}
