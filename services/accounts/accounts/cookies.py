"""The platform's cookies and who a request comes from.

``tadamon_access`` (the access token, HttpOnly, Path=/) is read by every service behind
the host; ``tadamon_refresh`` (HttpOnly, Path=/auth) only by this one; ``tadamon_csrf``
(readable by the page) is the double-submit token: an unsafe request authenticated by a
cookie must repeat it in ``X-CSRF-Token`` or in a ``csrf_token`` form field.
"""

import secrets
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, HTTPException, Request, Response

from accounts import signin
from accounts.context import Accounts, Ctx
from accounts.models import Account
from accounts.settings import Settings
from accounts.tokens import InvalidAccessToken

ACCESS_COOKIE = "tadamon_access"
REFRESH_COOKIE = "tadamon_refresh"
CSRF_COOKIE = "tadamon_csrf"
CHALLENGE_COOKIE = "tadamon_signin"
CSRF_HEADER = "x-csrf-token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def set_session_cookies(response: Response, settings: Settings, *, access: str, refresh: str) -> None:
    secure = settings.secure_cookies
    response.set_cookie(ACCESS_COOKIE, access, max_age=settings.access_token_seconds, path="/", httponly=True,
                        secure=secure, samesite="lax", domain=settings.cookie_domain or None)
    # The refresh cookie stays with this host: no other service has any use for it.
    response.set_cookie(REFRESH_COOKIE, refresh, max_age=settings.session_max_seconds, path="/auth",
                        httponly=True, secure=secure, samesite="lax")
    # A new CSRF token with each session: one planted before sign-in is worth nothing after it.
    set_csrf_cookie(response, settings, secrets.token_urlsafe(32))


def set_access_cookie(response: Response, settings: Settings, access: str) -> None:
    response.set_cookie(ACCESS_COOKIE, access, max_age=settings.access_token_seconds, path="/", httponly=True,
                        secure=settings.secure_cookies, samesite="lax", domain=settings.cookie_domain or None)


def set_csrf_cookie(response: Response, settings: Settings, token: str) -> None:
    response.set_cookie(CSRF_COOKIE, token, path="/", httponly=False, secure=settings.secure_cookies,
                        samesite="lax", domain=settings.cookie_domain or None)


def clear_session_cookies(response: Response, settings: Settings) -> None:
    shared = settings.cookie_domain or None
    for name, path, domain in ((ACCESS_COOKIE, "/", shared), (REFRESH_COOKIE, "/auth", None),
                               (CSRF_COOKIE, "/", shared), (CHALLENGE_COOKIE, "/signin", None)):
        response.delete_cookie(name, path=path, domain=domain, secure=settings.secure_cookies,
                               httponly=name != CSRF_COOKIE, samesite="lax")


def csrf_token(request: Request) -> str:
    """The page's CSRF token: the cookie's, or a new one the page response must set."""
    return request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)


def csrf_matches(request: Request, submitted: str | None) -> bool:
    expected = request.cookies.get(CSRF_COOKIE)
    return bool(expected and submitted and secrets.compare_digest(expected.encode(), submitted.encode()))


def safe_next(settings: Settings, target: str | None, default: str = "/account") -> str:
    """Where to send the browser after sign-in: a path here, or a URL on one of the platform's hosts."""
    if not target or len(target) > 2000 or "\\" in target:
        return default
    parts = urlsplit(target)
    if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
        return target
    own = urlsplit(settings.base_url).hostname
    if parts.scheme in ("http", "https") and parts.hostname in {own, *settings.allowed_redirect_hosts}:
        return target
    return default


@dataclass
class Caller:
    """Who is calling, with the scopes of their token and the session it came from."""

    account: Account
    scopes: list[str]
    session_id: str | None
    by_cookie: bool


async def _caller(request: Request, ctx: Accounts) -> Caller | None:
    header = request.headers.get("authorization", "")
    by_cookie = not header.lower().startswith("bearer ")
    token = request.cookies.get(ACCESS_COOKIE) if by_cookie else header[7:].strip()
    if not token:
        return None
    settings = ctx.settings
    try:
        claims = ctx.keyring.verify(token, issuer=settings.jwt_issuer, audience=settings.jwt_audience)
    except InvalidAccessToken:
        return None
    sid = claims.get("sid")
    # Here the check is live: a disabled account or a revoked session stops at once.
    account = await signin.live_account(ctx=ctx, account_id=str(claims["sub"]), session_id=str(sid) if sid else None)
    if account is None:
        return None
    return Caller(account, list(claims.get("scopes", [])), str(sid) if sid else None, by_cookie)


async def optional_caller(request: Request, ctx: Ctx) -> Caller | None:
    return await _caller(request, ctx)


async def current_caller(request: Request, ctx: Ctx) -> Caller:
    caller = await _caller(request, ctx)
    if caller is None:
        raise HTTPException(401, detail="not_authenticated", headers={"WWW-Authenticate": "Bearer"})
    if caller.by_cookie and request.method in UNSAFE and not csrf_matches(request, request.headers.get(CSRF_HEADER)):
        raise HTTPException(403, detail="csrf_failed")
    return caller


async def admin_caller(caller: Annotated[Caller, Depends(current_caller)]) -> Caller:
    # The account's mark, read live: a withdrawn administrator loses the admin API at once.
    if not caller.account.admin:
        raise HTTPException(403, detail="forbidden")
    return caller


AnyCaller = Annotated[Caller, Depends(current_caller)]
Admin = Annotated[Caller, Depends(admin_caller)]
MaybeCaller = Annotated[Caller | None, Depends(optional_caller)]
