"""Access tokens: signed with the active Ed25519 key, verified by any published key.

The JWKS lists the active key and the keys retired by a rotation, each by ``kid``, so
a token signed just before a rotation stays valid until it expires (minutes later).
"""

import time
import uuid
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from accounts.domain import roles_of
from shared.signing import Signer, key_id, public_jwk


class InvalidAccessToken(Exception):
    pass


class KeyRing:
    def __init__(self, active: Signer, retired: list[Signer]) -> None:
        self.active = active
        self.public_keys: dict[str, Ed25519PublicKey] = {s.kid: s.public_key for s in [active, *retired]}

    @classmethod
    def from_files(cls, active_file: str, retired_files: list[str]) -> "KeyRing":
        return cls(Signer.from_file_or_new(active_file), [Signer.from_file_or_new(f) for f in retired_files if f])

    def add_public_key(self, key: Ed25519PublicKey) -> None:
        self.public_keys[key_id(key)] = key

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        return {"keys": [public_jwk(key) for key in self.public_keys.values()]}

    def mint(self, *, issuer: str, audience: str, sub: str, scopes: list[str], ttl_seconds: int,
             name: str | None = None, sid: str | None = None) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": issuer, "aud": audience, "sub": sub, "iat": now, "exp": now + ttl_seconds,
            "jti": uuid.uuid4().hex, "scopes": scopes, "roles": roles_of(scopes),
        }
        if name:
            claims["name"] = name
        if sid:
            claims["sid"] = sid
        cooperatives = [s.split(":", 2)[2] for s in scopes if s.startswith("exhibitor:cooperative:")]
        if len(cooperatives) == 1:
            claims["cooperative_id"] = cooperatives[0]
        return jwt.encode(claims, self.active.private_key, algorithm="EdDSA", headers={"kid": self.active.kid})

    def verify(self, token: str, *, issuer: str, audience: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
            key = self.public_keys.get(str(header.get("kid", "")))
            if key is None:
                raise InvalidAccessToken("unknown_key")
            claims: dict[str, Any] = jwt.decode(token, key, algorithms=["EdDSA"], audience=audience, issuer=issuer,
                                                options={"require": ["exp", "sub", "iat"]})
        except jwt.PyJWTError as exc:
            raise InvalidAccessToken(str(exc)) from exc
        return claims
