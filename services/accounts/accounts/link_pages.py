"""Pages of the mailed links: accept an invitation, ask for and complete a password reset."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from accounts import invitations, service
from accounts.domain import PASSWORD_MIN
from accounts.pages import (
    PlatformDep,
    continue_sign_in,
    csrf_refused,
    message,
    new_password_error,
    posted_form,
    render,
)
from shared.errors import DomainError
from shared.platform import Platform
from shared.web import page_language

router = APIRouter(include_in_schema=False)
LINK_PAGES = {"invitation": "/invitation", "reset": "/reset/password"}
Token = Annotated[str, Query(max_length=200)]


async def _password_page(request: Request, platform: Platform, kind: str, token: str, error: str = "",
                         status_code: int = 200) -> Response:
    if not service.settings_of(platform).local_passwords:
        # The provider holds the passwords: an invited person signs in there.
        return RedirectResponse("/signin?next=/account", status_code=303)
    try:
        account = await invitations.link_account(platform=platform, token=token, kind=kind)
    except DomainError as exc:
        return render(request, "accounts_error.html", {"message": message(request, exc)}, status_code=exc.status)
    return render(request, "accounts_set_password.html", {
        "kind": kind, "action": LINK_PAGES[kind], "token": token, "name": account["name"], "error": error,
        "errors": {"new_password": error} if error else {}, "password_min": PASSWORD_MIN}, status_code=status_code)


async def _password_submit(request: Request, platform: Platform, kind: str) -> Response:
    fields, csrf_ok = await posted_form(request)
    if not csrf_ok:
        return csrf_refused(request)
    if not service.settings_of(platform).local_passwords:
        return RedirectResponse("/signin?next=/account", status_code=303)
    token = fields.get("token", "")[:200]
    error = new_password_error(fields, page_language(request))
    if error:
        return await _password_page(request, platform, kind, token, error, 422)
    try:
        account = await invitations.set_password_from_link(platform=platform, token=token, kind=kind,
                                                       password=fields["new_password"])
    except DomainError as exc:
        return render(request, "accounts_error.html", {"message": message(request, exc)}, status_code=exc.status)
    step = await service.after_password(platform=platform, account=account)
    return await continue_sign_in(request, platform, step, "/account")


@router.get("/invitation", response_class=HTMLResponse)
async def invitation_form(request: Request, platform: PlatformDep, token: Token = "") -> Response:
    return await _password_page(request, platform, "invitation", token)


@router.post("/invitation", response_class=HTMLResponse)
async def invitation_accept(request: Request, platform: PlatformDep) -> Response:
    return await _password_submit(request, platform, "invitation")


@router.get("/reset", response_class=HTMLResponse)
async def reset_form(request: Request) -> Response:
    return render(request, "accounts_reset.html", {"sent": False, "values": {}, "errors": {}})


@router.post("/reset", response_class=HTMLResponse)
async def reset_request(request: Request, platform: PlatformDep) -> Response:
    fields, csrf_ok = await posted_form(request)
    if not csrf_ok:
        return csrf_refused(request)
    try:
        if not service.settings_of(platform).local_passwords:
            raise DomainError("local_passwords_off", 403)
        await invitations.request_password_reset(platform=platform, email=fields.get("email", "")[:254])
    except DomainError:
        pass  # the same page either way: the answer must not tell whether the address has an account
    return render(request, "accounts_reset.html", {"sent": True, "values": {}, "errors": {}})


@router.get("/reset/password", response_class=HTMLResponse)
async def reset_password_form(request: Request, platform: PlatformDep, token: Token = "") -> Response:
    return await _password_page(request, platform, "reset", token)


@router.post("/reset/password", response_class=HTMLResponse)
async def reset_password(request: Request, platform: PlatformDep) -> Response:
    return await _password_submit(request, platform, "reset")
