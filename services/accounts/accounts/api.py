"""JSON routes: the JWKS, token refresh, the caller's own account and sessions."""

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from accounts import service, signin
from accounts.context import Ctx
from accounts.cookies import REFRESH_COOKIE, AnyCaller, clear_session_cookies, safe_next, set_access_cookie
from accounts.domain import AccountPublic, SessionPublic, account_public, session_public
from shared.errors import DomainError, problems

Next = Annotated[str, Query(max_length=2000)]

public = APIRouter(tags=["public"])
me = APIRouter(tags=["my account"])


class Me(AccountPublic):
    scopes: list[str]


@public.get("/.well-known/jwks.json")
async def jwks(ctx: Ctx) -> dict[str, Any]:
    """Public keys verifying access tokens (EdDSA, Ed25519), by ``kid``: retired keys stay until their tokens expire."""
    return ctx.keyring.jwks()


@public.get("/auth/refresh", response_class=RedirectResponse, status_code=303)
async def refresh(request: Request, ctx: Ctx, next: Next = "/account") -> Response:
    """Reissue the access cookie from the session and go back to ``next``, or to the sign-in page."""
    settings = ctx.settings
    target = safe_next(settings, next)
    try:
        access = await signin.refresh_access(ctx=ctx, refresh_token=request.cookies.get(REFRESH_COOKIE, ""))
    except DomainError:
        response = RedirectResponse(f"{settings.base_url}/signin?" + urlencode({"next": target}), status_code=303)
        clear_session_cookies(response, settings)
        return response
    response = RedirectResponse(target, status_code=303)
    set_access_cookie(response, settings, access)
    return response


@me.get("/me", response_model=Me, responses=problems(401))
async def read_me(caller: AnyCaller, ctx: Ctx) -> Me:
    """The caller's account and the scopes it holds now."""
    scopes = await service.account_scopes(ctx=ctx, account=caller.account)
    return Me(**account_public(caller.account).model_dump(), scopes=scopes)


@me.get("/me/sessions", response_model=list[SessionPublic], responses=problems(401))
async def my_sessions(caller: AnyCaller, ctx: Ctx) -> list[SessionPublic]:
    """The caller's open sessions and the gate scanners they signed in."""
    return [session_public(s) for s in await signin.sessions_of(ctx=ctx, account_id=caller.account.id)]


@me.delete("/me/sessions/{session_id}", status_code=204, responses=problems(401, 404))
async def revoke_my_session(session_id: Annotated[str, Path(max_length=80)], caller: AnyCaller,
                            ctx: Ctx) -> Response:
    """End one of the caller's sessions (or a scanner they signed in): it gets no new access token."""
    await signin.revoke_session(ctx=ctx, account_id=caller.account.id, session_id=session_id)
    return Response(status_code=204)
