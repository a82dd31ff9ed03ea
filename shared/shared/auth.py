"""Bearer JWTs with roles, verified by every service.

Roles: ``organizer`` (manages everything), ``staff`` (scans badges and passes),
``exhibitor`` (bound to one cooperative by the ``cooperative_id`` claim).
Keys come from a PEM file for local runs, or from an identity provider's JWKS
(OIDC) in production. Minting is for local use: ``python -m shared.auth mint``.
"""

import argparse
import asyncio
import sys
import time
import uuid
from pathlib import Path
from typing import Annotated, Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from shared.settings import ServiceSettings

ROLES = ("organizer", "staff", "exhibitor")
ALGORITHMS = ["EdDSA", "ES256", "RS256"]
_bearer = HTTPBearer(auto_error=False)


class Principal(BaseModel):
    sub: str
    roles: list[str]
    cooperative_id: str | None = None
    name: str | None = None

    def has(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)


class TokenVerifier:
    def __init__(self, settings: ServiceSettings) -> None:
        self.issuer = settings.jwt_issuer
        self.audience = settings.jwt_audience
        self.keys = [serialization.load_pem_public_key(pem.encode()) for pem in settings.jwt_verification_keys()]
        self.jwks = jwt.PyJWKClient(settings.jwt_jwks_url, cache_keys=True) if settings.jwt_jwks_url else None

    async def verify(self, token: str) -> Principal:
        keys: list[Any] = list(self.keys)
        if self.jwks is not None:
            # PyJWKClient fetches synchronously (and caches): keep it off the event loop.
            signing_key = await asyncio.to_thread(self.jwks.get_signing_key_from_jwt, token)
            keys.append(signing_key.key)
        for key in keys:
            try:
                claims = jwt.decode(
                    token, key, algorithms=ALGORITHMS, audience=self.audience, issuer=self.issuer,
                    options={"require": ["exp", "sub"]},
                )
            except jwt.InvalidSignatureError:
                continue
            except jwt.PyJWTError:
                break
            return Principal(
                sub=claims["sub"], roles=list(claims.get("roles", [])),
                cooperative_id=claims.get("cooperative_id"), name=claims.get("name"),
            )
        raise HTTPException(status_code=401, detail="invalid_token", headers={"WWW-Authenticate": "Bearer"})


async def current_principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(status_code=401, detail="not_authenticated", headers={"WWW-Authenticate": "Bearer"})
    verifier: TokenVerifier = request.app.state.token_verifier
    try:
        return await verifier.verify(credentials.credentials)
    except HTTPException:
        raise
    except Exception as exc:  # a malformed token or an unreachable JWKS is the caller's 401
        raise HTTPException(
            status_code=401, detail="invalid_token", headers={"WWW-Authenticate": "Bearer"}
        ) from exc


def require_roles(*roles: str) -> Any:
    """A dependency admitting a principal holding one of ``roles``."""

    async def check(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if not principal.has(*roles):
            raise HTTPException(status_code=403, detail="forbidden")
        return principal

    return Depends(check)


Organizer = Annotated[Principal, require_roles("organizer")]
Staff = Annotated[Principal, require_roles("staff", "organizer")]
Exhibitor = Annotated[Principal, require_roles("exhibitor", "organizer")]


def mint_token(
    private_key: Ed25519PrivateKey, *, sub: str, roles: list[str], issuer: str = "tadamon",
    audience: str = "tadamon", ttl_seconds: int = 12 * 3600, cooperative_id: str | None = None,
    name: str | None = None,
) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": sub, "roles": roles, "iss": issuer, "aud": audience, "iat": now, "exp": now + ttl_seconds,
        "jti": uuid.uuid4().hex,
    }
    if cooperative_id:
        claims["cooperative_id"] = cooperative_id
    if name:
        claims["name"] = name
    return jwt.encode(claims, private_key, algorithm="EdDSA")


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
    mint = commands.add_parser("mint", help="print a signed bearer token")
    mint.add_argument("--role", action="append", choices=ROLES, required=True)
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
        load_private_key(args.private_key_file), sub=args.sub, roles=args.role, issuer=args.issuer,
        audience=args.audience, ttl_seconds=int(args.ttl_hours * 3600), cooperative_id=args.cooperative_id,
        name=args.name,
    )
    sys.stdout.write(token + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
