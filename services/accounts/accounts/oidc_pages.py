"""Sign-in through the external OpenID Connect provider: out to it, and back with a code."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from accounts import oidc, signin
from accounts.context import Ctx
from accounts.cookies import safe_next
from accounts.pages import Next, message, render, signed_in
from shared.errors import DomainError

router = APIRouter(include_in_schema=False)
OIDC_COOKIE = "tadamon_oidc"
Param = Annotated[str, Query(max_length=4000)]


@router.get("/signin/oidc", response_class=HTMLResponse)
async def oidc_start(request: Request, ctx: Ctx, next: Next = "") -> Response:
    settings = ctx.settings
    try:
        url, pending = await oidc.start(ctx=ctx, next_url=safe_next(settings, next))
    except DomainError as exc:
        return render(request, "accounts_error.html", {"message": message(request, exc)}, status_code=exc.status)
    response = RedirectResponse(url, status_code=303)
    # SameSite=Lax: the provider sends the browser back with a top-level GET, which carries it.
    response.set_cookie(OIDC_COOKIE, pending.id, max_age=signin.CHALLENGE_SECONDS, path="/signin",
                        httponly=True, secure=settings.secure_cookies, samesite="lax")
    return response


@router.get("/signin/oidc/callback", response_class=HTMLResponse)
async def oidc_callback(request: Request, ctx: Ctx, code: Param = "", state: Param = "",
                        error: Param = "") -> Response:
    try:
        if error or not code:
            raise DomainError("provider_refused", 401)
        done, target = await oidc.finish(ctx=ctx, challenge_id=request.cookies.get(OIDC_COOKIE, ""),
                                         state=state, code=code, user_agent=request.headers.get("user-agent", ""))
    except DomainError as exc:
        refused = render(request, "accounts_error.html", {"message": message(request, exc)},
                         status_code=exc.status)
        refused.delete_cookie(OIDC_COOKIE, path="/signin")
        return refused
    response = signed_in(request, ctx, target, done)
    response.delete_cookie(OIDC_COOKIE, path="/signin")
    return response
