"""Access tokens with scoped rights, verified by every service.

A token names its holder (``sub``, ``name``) and the rights it carries as ``scopes``:

- ``admin``: a platform administrator, every right everywhere;
- ``organizer:conference:<id>``, ``organizer:market:<id>``, ``organizer:recommendations``;
- ``reviewer:recommendations``: the second approval of a completion;
- ``staff:conference:<id>``, ``staff:market:<id>``: scanning badges or passes, nothing else;
- ``exhibitor:cooperative:<id>`` (the older ``cooperative_id`` claim counts as this scope).

The ``roles`` claim is read for display only: it grants nothing. A route declares the
scopes it accepts with ``require("organizer:conference:{conference_id}", ...)``; the
placeholders are filled from the path or by a resolver that finds the object's owner
(the conference of a registration, say). The accepted scopes appear in the OpenAPI
document as the operation's security requirement.

The token comes as ``Authorization: Bearer`` or, from a browser, in the HttpOnly
``tadamon_access`` cookie set by the accounts service. A change sent with the cookie
must also carry the ``tadamon_csrf`` cookie's value in the ``X-CSRF-Token`` header or a
``csrf_token`` form field (double submit). Keys: local PEM files (``make token``, tests)
and the accounts service's JWKS, by ``kid``. Minting is for local use:
``python -m shared.auth mint``.
"""

import argparse
import asyncio
import hmac
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ValidationError

from shared.i18n import register_messages
from shared.settings import ServiceSettings

ROLES = ("organizer", "reviewer", "staff", "exhibitor")
ADMIN = "admin"
ALGORITHMS = ["EdDSA", "ES256", "RS256"]
ACCESS_COOKIE = "tadamon_access"
CSRF_COOKIE = "tadamon_csrf"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Seconds a JWKS answer is kept, and the longest wait for it. An unknown kid refetches the set at
# most every 30 s (PyJWKClient's cooldown, so forged kids cannot flood the accounts service): a new
# key is published this long before tokens are signed with it, and the old one stays until its
# last tokens expire.
JWKS_CACHE_SECONDS = 300
JWKS_TIMEOUT_SECONDS = 5
_bearer = HTTPBearer(auto_error=False, description="An access token (JWT).")
_cookie = APIKeyCookie(name=ACCESS_COOKIE, auto_error=False, scheme_name="SessionCookie",
                       description="The browser session's access token (HttpOnly cookie); changes need X-CSRF-Token.")


class Principal(BaseModel):
    sub: str
    name: str | None = None
    roles: list[str] = []
    scopes: list[str] = []
    cooperative_id: str | None = None
    sid: str | None = None

    @property
    def is_admin(self) -> bool:
        return ADMIN in self.scopes

    def holds(self, scope: str) -> bool:
        """Whether the token carries ``scope``; ``role:kind:*`` asks for that right on any object."""
        if self.is_admin:
            return True
        if scope.endswith(":*"):
            return any(s.startswith(scope[:-1]) for s in self.scopes)
        return scope in self.scopes

    def objects(self, role: str, kind: str) -> list[str]:
        """The ids of the objects on which the token holds ``role`` (``kind``: conference, market, ...)."""
        prefix = f"{role}:{kind}:"
        return [s[len(prefix):] for s in self.scopes if s.startswith(prefix)]

    @property
    def cooperatives(self) -> list[str]:
        return self.objects("exhibitor", "cooperative")


class AuthUnavailable(Exception):
    """The JWKS could not be fetched: no token signed by the accounts service can be checked now."""


def _claims_principal(claims: dict[str, Any]) -> Principal:
    scopes = claims.get("scopes", [])
    if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
        raise jwt.InvalidTokenError("scopes must be a list of strings")
    cooperative_id = claims.get("cooperative_id")
    if isinstance(cooperative_id, str) and cooperative_id:
        scopes = [*scopes, f"exhibitor:cooperative:{cooperative_id}"]
    try:
        return Principal(sub=claims["sub"], name=claims.get("name"), roles=list(claims.get("roles") or []),
                         scopes=list(dict.fromkeys(scopes)), cooperative_id=cooperative_id, sid=claims.get("sid"))
    except (ValidationError, TypeError) as exc:
        raise jwt.InvalidTokenError("malformed claims") from exc


class TokenVerifier:
    def __init__(self, settings: ServiceSettings) -> None:
        self.issuer = settings.jwt_issuer
        self.audience = settings.jwt_audience
        self.keys = [serialization.load_pem_public_key(pem.encode()) for pem in settings.jwt_verification_keys()]
        # Only the key set is cached, for its lifespan: a key the accounts service withdraws (rotated out or
        # compromised) stops verifying within that time (PyJWKClient's per-kid cache would keep it forever).
        self.jwks = (jwt.PyJWKClient(settings.jwt_jwks_url, cache_keys=False, lifespan=JWKS_CACHE_SECONDS,
                                     timeout=JWKS_TIMEOUT_SECONDS) if settings.jwt_jwks_url else None)

    def _decode(self, token: str, key: Any) -> dict[str, Any]:
        claims: dict[str, Any] = jwt.decode(token, key, algorithms=ALGORITHMS, audience=self.audience,
                                            issuer=self.issuer, options={"require": ["exp", "sub"]})
        return claims

    async def verify(self, token: str) -> Principal:
        """The token's principal; ``jwt.PyJWTError`` when it is not valid, ``AuthUnavailable`` when the
        JWKS cannot be reached to check a token the local keys do not verify."""
        for key in self.keys:
            try:
                return _claims_principal(self._decode(token, key))
            except (jwt.InvalidSignatureError, jwt.InvalidAlgorithmError, jwt.InvalidKeyError):
                continue
        if self.jwks is None:
            raise jwt.InvalidSignatureError("no key verifies this token")
        kid = jwt.get_unverified_header(token).get("kid")
        if not isinstance(kid, str) or not kid:
            raise jwt.InvalidTokenError("a token from the accounts service names its key (kid)")
        try:
            # PyJWKClient fetches synchronously (and caches): keep it off the event loop.
            signing_key = await asyncio.to_thread(self.jwks.get_signing_key, kid)
        except jwt.PyJWKClientConnectionError as exc:
            raise AuthUnavailable(str(exc)) from exc
        except jwt.PyJWKClientError as exc:
            raise jwt.InvalidSignatureError("unknown kid") from exc
        return _claims_principal(self._decode(token, signing_key.key))


def _unauthenticated(code: str) -> HTTPException:
    return HTTPException(status_code=401, detail=code, headers={"WWW-Authenticate": "Bearer"})


async def check_csrf(request: Request) -> None:
    """Double submit: the csrf cookie (readable by the site's own pages only) echoed in a header or field."""
    expected = request.cookies.get(CSRF_COOKIE) or ""
    sent = request.headers.get(CSRF_HEADER) or ""
    content_type = request.headers.get("content-type", "")
    if not sent and content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        sent = str((await request.form()).get(CSRF_FIELD) or "")
    if not expected or not hmac.compare_digest(expected.encode(), sent.encode()):
        raise HTTPException(status_code=403, detail="csrf_failed")


async def principal_of(request: Request, token: str) -> Principal:
    """Verify ``token`` as an access token: 401 when it is not valid, 503 when keys cannot be fetched."""
    verifier: TokenVerifier = request.app.state.token_verifier
    try:
        return await verifier.verify(token)
    except AuthUnavailable as exc:
        raise HTTPException(status_code=503, detail="auth_unavailable", headers={"Retry-After": "5"}) from exc
    except Exception as exc:  # a malformed, forged or expired token is the caller's 401
        raise _unauthenticated("invalid_token") from exc


async def current_principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    cookie: Annotated[str | None, Depends(_cookie)],
) -> Principal:
    if credentials is not None and credentials.scheme.lower() == "bearer":
        principal = await principal_of(request, credentials.credentials)
    elif cookie:
        principal = await principal_of(request, cookie)
        if request.method not in SAFE_METHODS:
            await check_csrf(request)
    else:
        raise _unauthenticated("not_authenticated")
    request.state.principal = principal
    return principal


async def session_principal(request: Request) -> Principal | None:
    """The browser session's principal for a page (the ``tadamon_access`` cookie), or None."""
    token = request.cookies.get(ACCESS_COOKIE)
    if not token:
        return None
    try:
        return await principal_of(request, token)
    except HTTPException:
        return None


def session_refresh_url(request: Request) -> str:
    """Where a page sends the browser to renew (or open) its session: the accounts service comes back here."""
    accounts_url: str = request.app.state.settings.accounts_url
    return f"{accounts_url.rstrip('/')}/auth/refresh?" + urlencode({"next": str(request.url)})


Resolver = Callable[[Request], Awaitable[Mapping[str, str] | None]]


def _fill(template: str, values: Mapping[str, str]) -> str:
    return template.format_map(values) if "{" in template else template


def require(*scopes: str, resolve: Resolver | None = None) -> Any:
    """A dependency admitting a principal that holds one of ``scopes`` (``admin`` always).

    Placeholders such as ``{conference_id}`` are filled from the path parameters and from
    ``resolve(request)``, which finds the object's owner; it answers None for an unknown
    object, which only an administrator may go on to (and then meet the route's 404).
    """

    async def check(request: Request, principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if principal.is_admin:
            return principal
        values: dict[str, str] = {k: str(v) for k, v in request.path_params.items()}
        if resolve is not None:
            found = await resolve(request)
            if found is None:
                raise HTTPException(status_code=403, detail="forbidden")
            values.update(found)
        if any(principal.holds(_fill(scope, values)) for scope in scopes):
            return principal
        raise HTTPException(status_code=403, detail="forbidden")

    return Security(check, scopes=list(scopes))


Admin = Annotated[Principal, require(ADMIN)]


def mint_token(
    private_key: Ed25519PrivateKey, *, sub: str, scopes: list[str] | None = None, roles: list[str] | None = None,
    issuer: str = "tadamon", audience: str = "tadamon", ttl_seconds: int = 12 * 3600,
    cooperative_id: str | None = None, name: str | None = None, kid: str | None = None,
) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": sub, "roles": roles or [], "scopes": scopes or [], "iss": issuer, "aud": audience, "iat": now,
        "exp": now + ttl_seconds, "jti": uuid.uuid4().hex,
    }
    if cooperative_id:
        claims["cooperative_id"] = cooperative_id
    if name:
        claims["name"] = name
    return jwt.encode(claims, private_key, algorithm="EdDSA", headers={"kid": kid} if kid else None)


def generate_keypair(private_path: Path, public_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    private_path.parent.mkdir(parents=True, exist_ok=True)
    private_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                          serialization.NoEncryption())
    )
    private_path.chmod(0o600)
    public_path.write_bytes(
        key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def load_private_key(path: str) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise SystemExit(f"{path} is not an Ed25519 private key")
    return key


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.auth", description="Local token tools.")
    commands = parser.add_subparsers(dest="command", required=True)
    mint = commands.add_parser("mint", help="print a signed access token (scope admin unless --scope is given)")
    mint.add_argument("--scope", action="append", default=[],
                      help="a right, repeatable: admin, organizer:conference:<id>, staff:market:<id>, ...")
    mint.add_argument("--role", action="append", choices=ROLES, default=[], help="display only, grants nothing")
    mint.add_argument("--sub", required=True)
    mint.add_argument("--private-key-file", default=".local/keys/jwt_private.pem")
    mint.add_argument("--cooperative-id")
    mint.add_argument("--name")
    mint.add_argument("--ttl-hours", type=float, default=12)
    mint.add_argument("--issuer", default="tadamon")
    mint.add_argument("--audience", default="tadamon")
    keygen = commands.add_parser("keygen", help="write an Ed25519 key pair (PEM)")
    keygen.add_argument("--private", required=True)
    keygen.add_argument("--public", required=True)
    args = parser.parse_args(argv)
    if args.command == "keygen":
        generate_keypair(Path(args.private), Path(args.public))
        return 0
    token = mint_token(
        load_private_key(args.private_key_file), sub=args.sub, scopes=args.scope or [ADMIN], roles=args.role,
        issuer=args.issuer, audience=args.audience, ttl_seconds=int(args.ttl_hours * 3600),
        cooperative_id=args.cooperative_id, name=args.name,
    )
    sys.stdout.write(token + "\n")
    return 0


register_messages({
    "csrf_failed": {
        "ar": "رمز الحماية من تزوير الطلبات مفقود أو غير مطابق. أعد تحميل الصفحة ثم حاول مجددا.",
        "fr": "Le jeton anti-falsification manque ou ne correspond pas. Rechargez la page et réessayez.",
        "en": "The anti-forgery token is missing or does not match. Reload the page and try again.",
    },
    "auth_unavailable": {
        "ar": "تعذر التحقق من رمز الدخول حاليا. أعد المحاولة بعد لحظات.",
        "fr": "Le jeton d'accès ne peut pas être vérifié pour le moment. Réessayez dans quelques instants.",
        "en": "The access token cannot be checked right now. Please try again in a few moments.",
    },
})


if __name__ == "__main__":
    raise SystemExit(main())
