"""Pages of the mailed links: accept an invitation, ask for and complete a password reset."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from accounts import invitations
from accounts.context import Accounts, Ctx
from accounts.domain import PASSWORD_MIN
from accounts.invitations import LinkKind
from accounts.pages import (
    continue_sign_in,
    csrf_refused,
    message,
    new_password_error,
    posted_form,
    render,
)
from shared.errors import DomainError
from shared.web import page_language

router = APIRouter(include_in_schema=False)
LINK_PAGES = {"invitation": "/invitation", "reset": "/reset/password"}
Token = Annotated[str, Query(max_length=200)]


async def _password_page(request: Request, ctx: Accounts, kind: LinkKind, token: str, error: str = "",
                         status_code: int = 200) -> Response:
    if not ctx.settings.local_passwords:
        # The provider holds the passwords: an invited person signs in there.
        return RedirectResponse("/signin?next=/account", status_code=303)
    try:
        account = await invitations.link_account(ctx=ctx, token=token, kind=kind)
    except DomainError as exc:
        return render(request, "accounts_error.html", {"message": message(request, exc)}, status_code=exc.status)
    return render(request, "accounts_set_password.html", {
        "kind": kind, "action": LINK_PAGES[kind], "token": token, "name": account.name, "error": error,
        "errors": {"new_password": error} if error else {}, "password_min": PASSWORD_MIN}, status_code=status_code)


async def _password_submit(request: Request, ctx: Accounts, kind: LinkKind) -> Response:
    fields, csrf_ok = await posted_form(request)
    if not csrf_ok:
        return csrf_refused(request)
    if not ctx.settings.local_passwords:
        return RedirectResponse("/signin?next=/account", status_code=303)
    token = fields.get("token", "")[:200]
    error = new_password_error(fields, page_language(request))
    if error:
        return await _password_page(request, ctx, kind, token, error, 422)
    try:
        step = await invitations.set_password_from_link(ctx=ctx, token=token, kind=kind,
                                                        password=fields["new_password"],
                                                        user_agent=request.headers.get("user-agent", ""))
    except DomainError as exc:
        return render(request, "accounts_error.html", {"message": message(request, exc)}, status_code=exc.status)
    return continue_sign_in(request, ctx, step, "/account")


@router.get("/invitation", response_class=HTMLResponse)
async def invitation_form(request: Request, ctx: Ctx, token: Token = "") -> Response:
    return await _password_page(request, ctx, "invitation", token)


@router.post("/invitation", response_class=HTMLResponse)
async def invitation_accept(request: Request, ctx: Ctx) -> Response:
    return await _password_submit(request, ctx, "invitation")


@router.get("/reset", response_class=HTMLResponse)
async def reset_form(request: Request) -> Response:
    return render(request, "accounts_reset.html", {"sent": False, "values": {}, "errors": {}})


@router.post("/reset", response_class=HTMLResponse)
async def reset_request(request: Request, ctx: Ctx) -> Response:
    fields, csrf_ok = await posted_form(request)
    if not csrf_ok:
        return csrf_refused(request)
    try:
        if not ctx.settings.local_passwords:
            raise DomainError("local_passwords_off", 403)
        await invitations.request_password_reset(ctx=ctx, email=fields.get("email", "")[:254])
    except DomainError:
        pass  # the same page either way: the answer must not tell whether the address has an account
    return render(request, "accounts_reset.html", {"sent": True, "values": {}, "errors": {}})


@router.get("/reset/password", response_class=HTMLResponse)
async def reset_password_form(request: Request, ctx: Ctx, token: Token = "") -> Response:
    return await _password_page(request, ctx, "reset", token)


@router.post("/reset/password", response_class=HTMLResponse)
async def reset_password(request: Request, ctx: Ctx) -> Response:
    return await _password_submit(request, ctx, "reset")
