"""Sign-in through an external OpenID Connect provider (a small provider served here over real HTTP)."""

import asyncio
import base64
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import uvicorn
from accounts.cookies import ACCESS_COOKIE
from accounts_factories import AccountsService, accounts_service
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from fastapi import FastAPI, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse

from infra import probes
from shared.signing import Signer
from support import Infra, Keys

CLIENT_ID, CLIENT_SECRET = "tadamon", "provider-secret"
BASIC = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()


@dataclass
class Provider:
    """A provider signing in whoever ``user`` says, as Keycloak would after its own login page."""

    url: str = ""
    user: dict[str, Any] = field(default_factory=dict)
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    signer: Signer = field(default_factory=lambda: Signer.from_file_or_new(""))

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/.well-known/openid-configuration")
        async def metadata() -> dict[str, Any]:
            return {"issuer": self.url, "authorization_endpoint": f"{self.url}/authorize",
                    "token_endpoint": f"{self.url}/token", "jwks_uri": f"{self.url}/jwks"}

        @app.get("/jwks")
        async def jwks() -> dict[str, Any]:
            return self.signer.jwks()

        @app.get("/authorize")
        async def authorize(request: Request) -> RedirectResponse:
            query = request.query_params
            assert query["client_id"] == CLIENT_ID and query["code_challenge_method"] == "S256"
            code = uuid.uuid4().hex
            self.codes[code] = {"nonce": query["nonce"], "challenge": query["code_challenge"],
                                "redirect_uri": query["redirect_uri"], "user": dict(self.user)}
            return RedirectResponse(f"{query['redirect_uri']}?code={code}&state={query['state']}", status_code=302)

        @app.post("/token")
        async def token(request: Request, code: str = Form(), code_verifier: str = Form(),
                        redirect_uri: str = Form()) -> JSONResponse:
            granted = self.codes.pop(code, None)
            if (granted is None or request.headers.get("authorization") != BASIC
                    or granted["redirect_uri"] != redirect_uri
                    or create_s256_code_challenge(code_verifier) != granted["challenge"]):
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            now = int(time.time())
            claims = {"iss": self.url, "aud": CLIENT_ID, "iat": now, "exp": now + 300, "nonce": granted["nonce"],
                      **granted["user"]}
            return JSONResponse({"id_token": self.signer.sign(claims), "access_token": "x", "token_type": "Bearer"})

        return app


@asynccontextmanager
async def provider_running() -> AsyncIterator[Provider]:
    provider = Provider()
    port = probes.free_port()
    provider.url = f"http://127.0.0.1:{port}"
    server = uvicorn.Server(uvicorn.Config(provider.app(), host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)
    try:
        yield provider
    finally:
        server.should_exit = True
        await task


@asynccontextmanager
async def with_provider(infra: Infra, keys: Keys, **overrides: Any) -> AsyncIterator[tuple[AccountsService, Provider]]:
    async with provider_running() as provider, accounts_service(
            infra, keys, oidc_issuer=provider.url, oidc_client_id=CLIENT_ID, oidc_client_secret=CLIENT_SECRET,
            **overrides) as svc:
        yield svc, provider


async def through_provider(svc: AccountsService, next: str = "/account") -> httpx.Response:
    """Out to the provider and back, as the browser follows the redirects."""
    out = await svc.client.get("/signin/oidc", params={"next": next})
    assert out.status_code == 303, out.text
    async with httpx.AsyncClient() as browser_to_provider:
        back = await browser_to_provider.get(out.headers["location"])
    assert back.status_code == 302
    callback = urlsplit(back.headers["location"])
    assert callback.path == "/signin/oidc/callback"
    return await svc.client.get(f"{callback.path}?{callback.query}")


async def test_a_verified_provider_identity_signs_in_to_its_account_with_the_accounts_scopes(
        infra: Infra, keys: Keys) -> None:
    async with with_provider(infra, keys) as (svc, provider):
        person = await svc.account(scopes=["reviewer:recommendations"])
        provider.user = {"sub": "kc-123", "email": person.email.upper(), "email_verified": True}
        answer = await through_provider(svc)
        assert answer.status_code == 303 and answer.headers["location"] == "/account", answer.text
        claims = await svc.claims(svc.client.cookies[ACCESS_COOKIE])
        assert claims["sub"] == person.id and claims["scopes"] == ["reviewer:recommendations"]
        # Linked by the provider's subject from now on, whatever e-mail the provider sends later.
        svc.client.cookies.clear()
        provider.user = {"sub": "kc-123", "email": "renamed@example.ma", "email_verified": True}
        again = await through_provider(svc)
        assert again.status_code == 303
        assert (await svc.claims(svc.client.cookies[ACCESS_COOKIE]))["sub"] == person.id


async def test_an_identity_without_an_account_or_with_an_unverified_email_gets_no_session(
        infra: Infra, keys: Keys) -> None:
    async with with_provider(infra, keys) as (svc, provider):
        person = await svc.account()
        for user in ({"sub": "kc-1", "email": "stranger@example.ma", "email_verified": True},
                     {"sub": "kc-2", "email": person.email, "email_verified": False}):
            provider.user = user
            refused = await through_provider(svc)
            assert refused.status_code == 403
            assert "Aucun compte Tadamon ne correspond" in refused.text
            assert ACCESS_COOKIE not in svc.client.cookies
        assert await svc.platform.db.sessions.count_documents({}) == 0


async def test_a_callback_whose_state_does_not_match_is_refused(infra: Infra, keys: Keys) -> None:
    async with with_provider(infra, keys) as (svc, provider):
        person = await svc.account()
        provider.user = {"sub": "kc-9", "email": person.email, "email_verified": True}
        out = await svc.client.get("/signin/oidc")
        async with httpx.AsyncClient() as browser_to_provider:
            back = await browser_to_provider.get(out.headers["location"])
        code = parse_qs(urlsplit(back.headers["location"]).query)["code"][0]
        forged = await svc.client.get("/signin/oidc/callback", params={"code": code, "state": "forged"})
        assert forged.status_code == 401 and ACCESS_COOKIE not in svc.client.cookies


async def test_with_local_passwords_off_the_provider_is_the_only_way_in(infra: Infra, keys: Keys) -> None:
    async with with_provider(infra, keys, local_passwords=False) as (svc, provider):
        person = await svc.account()
        page = await svc.client.get("/signin")
        assert 'id="with-provider"' in page.text and 'name="password"' not in page.text
        token = svc.client.cookies.get("tadamon_csrf")
        refused = await svc.client.post("/signin", data={"email": person.email, "password": "x" * 12,
                                                         "csrf_token": token})
        assert refused.status_code == 403 and ACCESS_COOKIE not in svc.client.cookies
        provider.user = {"sub": "kc-5", "email": person.email, "email_verified": True}
        assert (await through_provider(svc)).status_code == 303
