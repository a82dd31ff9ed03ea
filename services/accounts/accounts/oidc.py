"""Sign-in through an external OpenID Connect provider (authorization code flow with PKCE).

The provider proves who the person is; the account, its teams and scopes stay here. A
provider identity maps to an existing account (created by an administrator or an
invitation): by the provider's ``sub`` once linked, else by its verified e-mail, which
links it. Nobody gets an account by merely existing at the provider. The provider is
responsible for the second factor of the people it signs in.
"""

import hashlib
import secrets
from datetime import timedelta
from typing import Any

import httpx
import jwt
from authlib.common.security import generate_token
from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from accounts.context import Accounts
from accounts.domain import normalize_email
from accounts.models import Account, Challenge
from accounts.settings import Settings
from accounts.signin import CHALLENGE_SECONDS, SignedIn, start_session
from shared.documents import utcnow
from shared.errors import DomainError

ALGORITHMS = ["RS256", "PS256", "ES256", "EdDSA"]


class OidcProvider:
    """The provider's metadata and keys, fetched once and again when an unknown key appears."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.metadata: dict[str, Any] | None = None
        self.keys: dict[str, Any] = {}

    async def _get(self, url: str) -> dict[str, Any]:
        try:
            async with httpx.AsyncClient(timeout=self.settings.oidc_timeout_seconds) as client:
                response = await client.get(url)
                response.raise_for_status()
                body: dict[str, Any] = response.json()
                return body
        except (httpx.HTTPError, ValueError) as exc:
            raise DomainError("provider_unavailable", 503) from exc

    async def discover(self) -> dict[str, Any]:
        if self.metadata is None:
            issuer = self.settings.oidc_issuer.rstrip("/")
            self.metadata = await self._get(f"{issuer}/.well-known/openid-configuration")
        return self.metadata

    async def key(self, kid: str) -> Any:
        if kid not in self.keys:
            jwks = await self._get((await self.discover())["jwks_uri"])
            self.keys = {k.key_id: k.key for k in jwt.PyJWKSet.from_dict(jwks).keys if k.key_id}
        if kid not in self.keys:
            raise DomainError("provider_refused", 401)
        return self.keys[kid]

    async def exchange(self, *, code: str, verifier: str, redirect_uri: str) -> dict[str, Any]:
        token_endpoint = (await self.discover())["token_endpoint"]
        data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
                "code_verifier": verifier}
        try:
            async with httpx.AsyncClient(timeout=self.settings.oidc_timeout_seconds) as client:
                response = await client.post(token_endpoint, data=data, auth=(self.settings.oidc_client_id,
                                                                              self.settings.oidc_client_secret))
        except httpx.HTTPError as exc:
            raise DomainError("provider_unavailable", 503) from exc
        if response.status_code != 200:
            raise DomainError("provider_refused", 401)
        body: dict[str, Any] = response.json()
        return body


def provider_of(ctx: Accounts) -> OidcProvider:
    if ctx.oidc is None:
        raise DomainError("provider_not_configured", 404)
    return ctx.oidc


def redirect_uri(settings: Settings) -> str:
    return f"{settings.base_url}/signin/oidc/callback"


async def start(*, ctx: Accounts, next_url: str) -> tuple[str, Challenge]:
    """The provider's authorization URL, and the pending sign-in kept for the way back."""
    settings, provider = ctx.settings, provider_of(ctx)
    metadata = await provider.discover()
    verifier = generate_token(64)
    pending = Challenge(id=secrets.token_urlsafe(32), kind="oidc", state=generate_token(32),
                        nonce=generate_token(32), verifier=verifier, next=next_url,
                        expires_at=utcnow() + timedelta(seconds=CHALLENGE_SECONDS))
    await ctx.store.insert_challenge(pending)
    url = add_params_to_uri(metadata["authorization_endpoint"], [
        ("response_type", "code"), ("client_id", settings.oidc_client_id), ("redirect_uri", redirect_uri(settings)),
        ("scope", settings.oidc_scopes), ("state", pending.state or ""), ("nonce", pending.nonce or ""),
        ("code_challenge", create_s256_code_challenge(verifier)), ("code_challenge_method", "S256")])
    return url, pending


async def finish(*, ctx: Accounts, challenge_id: str, state: str, code: str,
                 user_agent: str) -> tuple[SignedIn, str]:
    """Check the provider's answer, find the account it signs in and open its session; returns it with
    the ``next`` URL."""
    settings, provider = ctx.settings, provider_of(ctx)
    pending = await ctx.store.take_challenge(challenge_id) if challenge_id else None
    if (pending is None or pending.kind != "oidc" or pending.expires_at <= utcnow()
            or not secrets.compare_digest(pending.state or "", state)):
        raise DomainError("challenge_expired", 401)
    tokens = await provider.exchange(code=code, verifier=pending.verifier or "", redirect_uri=redirect_uri(settings))
    claims = await _id_claims(provider, str(tokens.get("id_token", "")), settings)
    if not secrets.compare_digest(str(claims.get("nonce", "")), pending.nonce or ""):
        raise DomainError("provider_refused", 401)
    account = await _account_of(ctx, claims)
    return await start_session(ctx=ctx, account=account, user_agent=user_agent), str(pending.next or "")


async def _id_claims(provider: OidcProvider, id_token: str, settings: Settings) -> dict[str, Any]:
    metadata = await provider.discover()
    try:
        header = jwt.get_unverified_header(id_token)
        key = await provider.key(str(header.get("kid", "")))
        claims: dict[str, Any] = jwt.decode(id_token, key, algorithms=ALGORITHMS, audience=settings.oidc_client_id,
                                            issuer=metadata["issuer"], options={"require": ["exp", "iat", "sub"]})
    except jwt.PyJWTError as exc:
        raise DomainError("provider_refused", 401) from exc
    return claims


async def _account_of(ctx: Accounts, claims: dict[str, Any]) -> Account:
    subject = hashlib.sha256(f"{ctx.settings.oidc_issuer}|{claims['sub']}".encode()).hexdigest()
    account = await ctx.store.account_by_oidc(subject)
    if account is None and claims.get("email_verified") is True and isinstance(claims.get("email"), str):
        account = await ctx.store.account_by_email(normalize_email(claims["email"]))
        if account is not None and account.oidc_subject is None:
            await ctx.store.link_oidc_subject(account.id, subject)
        elif account is not None:
            account = None  # already linked to another identity of the provider
    if account is None or account.disabled:
        raise DomainError("no_account_for_identity", 403)
    await ctx.store.clear_failed_sign_ins(account.id)
    return account
