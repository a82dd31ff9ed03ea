"""Builders for the accounts tests: a running service, accounts with passwords, a browser-like client."""

import itertools
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import httpx
import jwt
import pyotp
from accounts import service, signin
from accounts.app import create_app
from accounts.context import Accounts
from accounts.domain import AccountCreate, TeamCreate
from accounts.models import Account
from accounts.settings import Settings
from fastapi import FastAPI

from shared.platform import Platform
from support import Infra, Keys, running, settings_for

PASSWORD = "sel de Guérande et argan"
_counter = itertools.count(1)


@dataclass
class AccountsService:
    client: httpx.AsyncClient
    platform: Platform
    settings: Settings
    app: FastAPI

    @property
    def ctx(self) -> Accounts:
        context = self.platform.context
        assert isinstance(context, Accounts)
        return context

    async def account(self, *, scopes: list[str] | None = None, admin: bool = False, password: str = PASSWORD,
                      language: str = "fr") -> Account:
        n = next(_counter)
        account = await service.create_account(ctx=self.ctx, password=password, data=AccountCreate(
            email=f"person{n}@example.ma", name=f"Personne {n}", language=language, admin=admin))  # type: ignore[arg-type]
        if scopes:
            team = await service.create_team(ctx=self.ctx, data=TeamCreate(name=f"Équipe {n}", scopes=scopes))
            await service.add_team_member(ctx=self.ctx, team_id=team.id, account_id=account.id)
        return account

    async def unprotected(self, local_part: str, name: str) -> Account:
        """An account with no password yet, as an administrator creates one (quick: nothing to hash)."""
        return await service.create_account(ctx=self.ctx, data=AccountCreate(
            email=f"{local_part}@example.ma", name=name, language="fr"))  # type: ignore[arg-type]

    async def bearer(self, account: Account) -> dict[str, str]:
        """An access token of a fresh session of ``account``, as a bearer header (as scripts send it)."""
        session, _ = await signin.open_session(ctx=self.ctx, account=account, user_agent="tests")
        return {"Authorization": f"Bearer {await signin.access_token(ctx=self.ctx, session=session)}"}

    async def claims(self, token: str) -> dict[str, Any]:
        """Verify ``token`` the way the other services do: with the published JWKS, by ``kid``."""
        jwks = (await self.client.get("/.well-known/jwks.json")).json()
        kid = jwt.get_unverified_header(token)["kid"]
        key = jwt.PyJWK(next(k for k in jwks["keys"] if k["kid"] == kid))
        claims: dict[str, Any] = jwt.decode(token, key.key, algorithms=["EdDSA"], audience="tadamon",
                                            issuer="tadamon")
        return claims


def link_in(mail: EmailMessage) -> str:
    """The path and query of the link a mail carries (the test client talks to the app directly)."""
    body = mail.get_body(("plain",))
    assert body is not None
    found = re.search(r"http://127\.0\.0\.1:8005(/\S+)", body.get_content())
    assert found, "the mail has no link"
    return found.group(1)


@asynccontextmanager
async def accounts_service(infra: Infra, keys: Keys, **overrides: Any) -> AsyncIterator[AccountsService]:
    # No mail server unless the test brings one (port 1 refuses at once): nothing reaches a local sink.
    settings = settings_for(Settings, infra, keys, **{"smtp_port": 1, **overrides})
    app = create_app(settings)
    async with running(app) as client:
        yield AccountsService(client, app.state.platform, settings, app)


def browser(svc: AccountsService, base_url: str = "http://testserver") -> httpx.AsyncClient:
    """A second client on the same app with its own cookie jar, like another browser."""
    transport = httpx.ASGITransport(app=svc.app)
    return httpx.AsyncClient(transport=transport, base_url=base_url, timeout=30)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


async def open_signin(client: httpx.AsyncClient, next: str = "") -> str:
    page = await client.get("/signin", params={"next": next} if next else None)
    assert page.status_code == 200, page.text
    return csrf_of(page.text)


async def sign_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD, next: str = "") -> httpx.Response:
    token = await open_signin(client, next)
    form = {"email": email, "password": password, "csrf_token": token}
    if next:
        form["next"] = next
    return await client.post("/signin", data=form)


async def answer_code(client: httpx.AsyncClient, secret: str, *, code: str | None = None) -> httpx.Response:
    page = await client.get("/signin/code")
    assert page.status_code == 200, page.text
    return await client.post("/signin/code", data={"code": code or pyotp.TOTP(secret).now(),
                                                   "csrf_token": csrf_of(page.text)})


def set_cookie_headers(response: httpx.Response) -> dict[str, str]:
    """Set-Cookie headers by cookie name."""
    return {h.split("=", 1)[0]: h for h in response.headers.get_list("set-cookie")}
