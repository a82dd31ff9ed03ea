"""Web pages: sign in (password, then the TOTP code), my account, sign out; and what the other
page modules share (rendering with the CSRF token, posted forms, the end of a sign-in).

Every form carries the CSRF token of the ``tadamon_csrf`` cookie (double submit); a form
posted without it changes nothing. Forms work without JavaScript.
"""

import base64
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from accounts import service, signin
from accounts.admin import account_overview
from accounts.context import Accounts, Ctx
from accounts.cookies import (
    CHALLENGE_COOKIE,
    CSRF_COOKIE,
    REFRESH_COOKIE,
    MaybeCaller,
    clear_session_cookies,
    csrf_matches,
    csrf_token,
    safe_next,
    set_csrf_cookie,
    set_session_cookies,
)
from accounts.domain import ADMIN, PASSWORD_MAX, PASSWORD_MIN, staff_scopes_grantable
from accounts.models import Account
from accounts.ui_texts import register_ui_texts
from shared.errors import DomainError
from shared.i18n import translate
from shared.platform import request_context
from shared.qr import qr_png
from shared.web import Pages, page_language

HERE = Path(__file__).parent
pages = Pages(HERE / "templates", service="accounts")
router = APIRouter(include_in_schema=False)
Next = Annotated[str, Query(max_length=2000)]
register_ui_texts()


def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    """A page whose forms carry the CSRF token (the cookie is set if the browser has none yet)."""
    token = csrf_token(request)
    ctx = request_context(request, Accounts)
    options = signin_options(ctx)
    response = pages.render(request, name, {"csrf": token, "signin": options, **context}, status_code=status_code)
    if request.cookies.get(CSRF_COOKIE) != token:
        set_csrf_cookie(response, ctx.settings, token)
    return response


def message(request: Request, exc: DomainError) -> str:
    return translate(exc.code, page_language(request), **exc.params)


def qr_data_uri(text: str) -> str:
    return "data:image/png;base64," + base64.b64encode(qr_png(text)).decode()


async def posted_form(request: Request) -> tuple[dict[str, str], bool]:
    """The posted fields (strings only, bounded) and whether the CSRF token matched."""
    raw = await request.form()
    fields = {k: v[:PASSWORD_MAX * 4] for k, v in raw.items() if isinstance(v, str)}
    return fields, csrf_matches(request, fields.get("csrf_token"))


def csrf_refused(request: Request) -> HTMLResponse:
    return render(request, "accounts_error.html", {"message": translate("csrf_failed", page_language(request))},
                  status_code=403)


def signed_in(request: Request, ctx: Accounts, target: str, done: signin.SignedIn) -> Response:
    response = RedirectResponse(target, status_code=303)
    set_session_cookies(response, ctx.settings, access=done.access, refresh=done.refresh)
    response.delete_cookie(CHALLENGE_COOKIE, path="/signin")
    return response


@router.get("/", response_class=HTMLResponse)
async def home(request: Request) -> Response:
    return RedirectResponse("/account", status_code=303)


@router.get("/signin", response_class=HTMLResponse)
async def signin_form(request: Request, ctx: Ctx, caller: MaybeCaller, next: Next = "") -> Response:
    target = safe_next(ctx.settings, next)
    if caller is not None:
        return RedirectResponse(target, status_code=303)
    return render(request, "accounts_signin.html", {"next": target, "values": {}, "errors": {}})


def signin_options(ctx: Accounts) -> dict[str, bool]:
    """What the sign-in page offers: local passwords, the provider, or both."""
    settings = ctx.settings
    return {"local_passwords": settings.local_passwords, "provider": bool(settings.oidc_issuer)}


@router.post("/signin", response_class=HTMLResponse)
async def signin_submit(request: Request, ctx: Ctx) -> Response:
    fields, csrf_ok = await posted_form(request)
    if not csrf_ok:
        return csrf_refused(request)
    target = safe_next(ctx.settings, fields.get("next"))
    email = fields.get("email", "").strip()[:254]
    try:
        if not ctx.settings.local_passwords:
            raise DomainError("local_passwords_off", 403)
        step = await signin.sign_in_with_password(ctx=ctx, email=email, password=fields.get("password", ""),
                                                  user_agent=request.headers.get("user-agent", ""))
    except DomainError as exc:
        return render(request, "accounts_signin.html", {
            "next": target, "values": {"email": email}, "errors": {"__all__": message(request, exc)}},
            status_code=exc.status)
    return continue_sign_in(request, ctx, step, target)


def continue_sign_in(request: Request, ctx: Accounts, step: signin.SignInStep, target: str) -> Response:
    """After a correct password: on to the second factor, or signed in."""
    if step.signed_in is not None:
        return signed_in(request, ctx, target, step.signed_in)
    if step.challenge is not None:
        response = RedirectResponse("/signin/code?" + urlencode({"next": target}), status_code=303)
        response.set_cookie(CHALLENGE_COOKIE, step.challenge.id, max_age=signin.CHALLENGE_SECONDS,
                            path="/signin", httponly=True, secure=ctx.settings.secure_cookies,
                            samesite="lax")
        return response
    raise DomainError("challenge_expired", 401)


async def _code_page(request: Request, ctx: Accounts, target: str, error: str = "",
                     status_code: int = 200) -> Response:
    try:
        challenge, uri = await signin.code_step(ctx=ctx, challenge_id=request.cookies.get(CHALLENGE_COOKIE, ""))
    except DomainError as exc:
        return render(request, "accounts_signin.html", {
            "next": target, "values": {}, "errors": {"__all__": message(request, exc)}}, status_code=exc.status)
    context: dict[str, Any] = {"next": target, "error": error, "enroll": challenge.kind == "enroll"}
    if uri is not None:
        context.update(secret=challenge.secret, qr=qr_data_uri(uri))
    return render(request, "accounts_code.html", context, status_code=status_code)


@router.get("/signin/code", response_class=HTMLResponse)
async def code_form(request: Request, ctx: Ctx, next: Next = "") -> Response:
    return await _code_page(request, ctx, safe_next(ctx.settings, next))


@router.post("/signin/code", response_class=HTMLResponse)
async def code_submit(request: Request, ctx: Ctx) -> Response:
    fields, csrf_ok = await posted_form(request)
    if not csrf_ok:
        return csrf_refused(request)
    target = safe_next(ctx.settings, fields.get("next"))
    try:
        done = await signin.answer_challenge(ctx=ctx, challenge_id=request.cookies.get(CHALLENGE_COOKIE, ""),
                                             code=fields.get("code", "")[:16],
                                             user_agent=request.headers.get("user-agent", ""))
    except DomainError as exc:
        if exc.code == "wrong_code":
            return await _code_page(request, ctx, target, message(request, exc), exc.status)
        return render(request, "accounts_signin.html", {
            "next": target, "values": {}, "errors": {"__all__": message(request, exc)}}, status_code=exc.status)
    return signed_in(request, ctx, target, done)


@router.post("/auth/signout", response_class=HTMLResponse)
async def signout(request: Request, ctx: Ctx) -> Response:
    fields, csrf_ok = await posted_form(request)
    if not csrf_ok:
        return csrf_refused(request)
    await signin.sign_out(ctx=ctx, refresh_token=request.cookies.get(REFRESH_COOKIE, ""))
    response = RedirectResponse("/signin", status_code=303)
    clear_session_cookies(response, ctx.settings)
    return response


@router.get("/signout", response_class=HTMLResponse)
async def signout_page(request: Request) -> Response:
    """Where the consoles of every service link to: one button that signs out (a form, so a link alone
    cannot sign anyone out)."""
    return render(request, "accounts_signout.html", {})


def to_signin(path: str) -> Response:
    return RedirectResponse("/signin?" + urlencode({"next": path}), status_code=303)


@router.get("/account", response_class=HTMLResponse)
async def account_page(request: Request, ctx: Ctx, caller: MaybeCaller) -> Response:
    if caller is None:
        return to_signin("/account")
    return await _account_page(request, ctx, caller.account, caller.session_id)


async def _account_page(request: Request, ctx: Accounts, account: Account, session_id: str | None,
                        errors: dict[str, str] | None = None, notice: str = "", status_code: int = 200) -> Response:
    found = await account_overview(ctx=ctx, account_id=account.id)
    scopes = found.scopes
    return render(request, "accounts_account.html", {
        "account": found.account, "scopes": scopes, "sessions": found.sessions, "current_session": session_id,
        "can_sign_in_scanners": ADMIN in scopes or bool(staff_scopes_grantable(scopes)),
        "errors": errors or {}, "notice": notice, "values": {}, "password_min": PASSWORD_MIN,
    }, status_code=status_code)


def new_password_error(fields: dict[str, str], lang: str) -> str:
    new = fields.get("new_password", "")
    if not PASSWORD_MIN <= len(new) <= PASSWORD_MAX:
        return translate("field_too_short" if len(new) < PASSWORD_MIN else "field_too_long", lang,
                         min=PASSWORD_MIN, max=PASSWORD_MAX)
    if new != fields.get("new_password_again"):
        return translate("passwords_differ", lang)
    return ""


@router.post("/account/password", response_class=HTMLResponse)
async def change_password(request: Request, ctx: Ctx, caller: MaybeCaller) -> Response:
    fields, csrf_ok = await posted_form(request)
    if caller is None:
        return to_signin("/account")
    if not csrf_ok:
        return csrf_refused(request)
    lang, new = page_language(request), fields.get("new_password", "")
    error = new_password_error(fields, lang)
    if error:
        return await _account_page(request, ctx, caller.account, caller.session_id,
                                   {"new_password": error}, status_code=422)
    try:
        await service.change_password(ctx=ctx, account=caller.account,
                                      current=fields.get("current_password", ""), new=new,
                                      keep_session=caller.session_id)
    except DomainError as exc:
        return await _account_page(request, ctx, caller.account, caller.session_id,
                                   {"current_password": message(request, exc)}, status_code=exc.status)
    return await _account_page(request, ctx, caller.account, caller.session_id,
                               notice=translate("ui_acc_password_changed", lang))


@router.post("/account/totp", response_class=HTMLResponse)
async def enable_totp(request: Request, ctx: Ctx, caller: MaybeCaller) -> Response:
    """Enrol a TOTP app: the same step as at sign-in, which then opens a fresh session."""
    fields, csrf_ok = await posted_form(request)
    if caller is None:
        return to_signin("/account")
    if not csrf_ok:
        return csrf_refused(request)
    challenge = await signin.start_totp_enrolment(ctx=ctx, account=caller.account)
    response = RedirectResponse("/signin/code?" + urlencode({"next": "/account"}), status_code=303)
    response.set_cookie(CHALLENGE_COOKIE, challenge.id, max_age=signin.CHALLENGE_SECONDS, path="/signin",
                        httponly=True, secure=ctx.settings.secure_cookies, samesite="lax")
    return response


@router.post("/account/sessions/{session_id}/revoke", response_class=HTMLResponse)
async def revoke_session(session_id: str, request: Request, ctx: Ctx, caller: MaybeCaller) -> Response:
    fields, csrf_ok = await posted_form(request)
    if caller is None:
        return to_signin("/account")
    if not csrf_ok:
        return csrf_refused(request)
    try:
        await signin.revoke_session(ctx=ctx, account_id=caller.account.id, session_id=session_id)
    except DomainError:
        pass  # already ended: the page shows what is open now
    return RedirectResponse("/account", status_code=303)
