"""Pages of gate scanners: the organizer's screen makes a device code and its QR (``/device/new``); the
volunteer's phone enters it (``/device``) and shows what it is signed in for (``/device/ready``)."""

from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from accounts import devices, service
from accounts.context import Accounts, Ctx
from accounts.cookies import ACCESS_COOKIE, MaybeCaller
from accounts.domain import ADMIN, staff_scopes_grantable
from accounts.models import Account
from accounts.pages import csrf_refused, message, posted_form, qr_data_uri, render, signed_in, to_signin
from accounts.settings import Settings
from accounts.tokens import InvalidAccessToken
from shared.errors import DomainError
from shared.i18n import translate
from shared.web import page_language

router = APIRouter(include_in_schema=False)


@router.get("/device/new", response_class=HTMLResponse)
async def device_code_form(request: Request, ctx: Ctx, caller: MaybeCaller) -> Response:
    if caller is None:
        return to_signin("/device/new")
    return await _device_form(request, ctx, caller.account)


async def _device_form(request: Request, ctx: Accounts, account: Account, error: str = "",
                       status_code: int = 200) -> Response:
    scopes = await service.account_scopes(ctx=ctx, account=account)
    return render(request, "accounts_device_new.html", {
        "choices": staff_scopes_grantable(scopes), "free_scope": ADMIN in scopes, "error": error},
        status_code=status_code)


@router.post("/device/new", response_class=HTMLResponse)
async def device_code_create(request: Request, ctx: Ctx, caller: MaybeCaller) -> Response:
    fields, csrf_ok = await posted_form(request)
    if caller is None:
        return to_signin("/device/new")
    if not csrf_ok:
        return csrf_refused(request)
    label = fields.get("label", "").strip()[:80] or translate("ui_acc_scanner", page_language(request))
    try:
        code, doc = await devices.create_device_code(ctx=ctx, account=caller.account,
                                                     scope=fields.get("scope", "").strip()[:120], label=label)
    except DomainError as exc:
        return await _device_form(request, ctx, caller.account, message(request, exc), exc.status)
    link = f"{ctx.settings.base_url}/device?" + urlencode({"code": code, "lang": page_language(request)})
    return render(request, "accounts_device_code.html", {
        "code": code, "scope": doc.scope, "label": label, "link": link, "qr": qr_data_uri(link),
        "minutes": ctx.settings.device_code_seconds // 60})


@router.get("/device", response_class=HTMLResponse)
async def device_claim_form(request: Request, code: Annotated[str, Query(max_length=20)] = "") -> Response:
    return render(request, "accounts_device.html", {"code": code, "error": ""})


@router.post("/device", response_class=HTMLResponse)
async def device_claim(request: Request, ctx: Ctx) -> Response:
    fields, csrf_ok = await posted_form(request)
    if not csrf_ok:
        return csrf_refused(request)
    code = fields.get("code", "")[:20]
    try:
        done = await devices.sign_scanner_in(ctx=ctx, code=code, user_agent=request.headers.get("user-agent", ""))
    except DomainError as exc:
        return render(request, "accounts_device.html", {"code": code, "error": message(request, exc)},
                      status_code=exc.status)
    return signed_in(request, ctx, "/device/ready", done)


@router.get("/device/ready", response_class=HTMLResponse)
async def device_ready(request: Request, ctx: Ctx) -> Response:
    """What this scanner is signed in for, read from its own access token."""
    settings = ctx.settings
    try:
        claims = ctx.keyring.verify(request.cookies.get(ACCESS_COOKIE, ""),
                                                     issuer=settings.jwt_issuer, audience=settings.jwt_audience)
    except InvalidAccessToken:
        return RedirectResponse("/auth/refresh?next=/device/ready", status_code=303)
    scopes = [str(scope) for scope in claims.get("scopes", [])]
    return render(request, "accounts_device_ready.html", {"name": claims.get("name", ""), "scopes": scopes,
                                                          "links": scanner_links(settings, scopes)})


def scanner_links(settings: Settings, scopes: list[str]) -> list[str]:
    links = []
    for scope in scopes:
        _, kind, thing = scope.split(":", 2)
        if kind in settings.scanner_links:
            links.append(settings.scanner_links[kind].replace("{id}", quote(thing, safe="")))
    return links


