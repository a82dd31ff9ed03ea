"""Compact signed tokens for QR badges, exhibitor passes and manage links.

Scheme: JWS compact serialization (RFC 7515) signed with EdDSA over Ed25519
(RFC 8037), i.e. ``base64url(header).base64url(claims).base64url(signature)``.
A scanner holding only the public key (published as a JWKS) verifies a token
offline; no secret ever leaves the service that signs.
"""

import base64
import hashlib
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


class InvalidSignedToken(Exception):
    pass


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def public_raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(key: Ed25519PublicKey) -> str:
    return _b64(hashlib.sha256(public_raw(key)).digest()[:6])


def public_jwk(key: Ed25519PublicKey) -> dict[str, str]:
    return {"kty": "OKP", "crv": "Ed25519", "x": _b64(public_raw(key)), "kid": key_id(key),
            "alg": "EdDSA", "use": "sig"}


class Signer:
    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self.private_key = private_key
        self.public_key = private_key.public_key()
        self.kid = key_id(self.public_key)

    @classmethod
    def from_file_or_new(cls, path: str) -> "Signer":
        if path:
            loaded = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
            if not isinstance(loaded, Ed25519PrivateKey):
                raise ValueError(f"{path} is not an Ed25519 private key")
            return cls(loaded)
        return cls(Ed25519PrivateKey.generate())

    def sign(self, claims: dict[str, Any]) -> str:
        # No "typ" header: it would only lengthen the QR code.
        return jwt.encode(claims, self.private_key, algorithm="EdDSA", headers={"kid": self.kid, "typ": None})

    def verifier(self) -> "Verifier":
        return Verifier([self.public_key])

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        return {"keys": [public_jwk(self.public_key)]}

    def public_pem(self) -> str:
        return self.public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()


class Verifier:
    def __init__(self, keys: list[Ed25519PublicKey]) -> None:
        self.keys = {key_id(k): k for k in keys}

    @classmethod
    def from_pem_file(cls, path: str) -> "Verifier":
        loaded = serialization.load_pem_public_key(Path(path).read_bytes())
        if not isinstance(loaded, Ed25519PublicKey):
            raise ValueError(f"{path} is not an Ed25519 public key")
        return cls([loaded])

    def verify(self, token: str, *, kind: str) -> dict[str, Any]:
        """Claims of a genuine token of ``kind`` (claim ``t``), else InvalidSignedToken."""
        try:
            header = jwt.get_unverified_header(token)
            key = self.keys.get(header.get("kid", ""))
            if key is None:
                raise InvalidSignedToken("unknown_key")
            claims: dict[str, Any] = jwt.decode(token, key, algorithms=["EdDSA"], options={"require": ["t"]})
        except jwt.PyJWTError as exc:
            raise InvalidSignedToken(str(exc)) from exc
        if claims.get("t") != kind:
            raise InvalidSignedToken("wrong_kind")
        return claims
