"""Compact signed tokens for QR badges, exhibitor passes and manage links.

Scheme: JWS compact serialization (RFC 7515) signed with EdDSA over Ed25519
(RFC 8037), i.e. ``base64url(header).base64url(claims).base64url(signature)``.
A scanner holding only the public key (published as a JWKS) verifies a token
offline; no secret ever leaves the service that signs.

Keys rotate without voiding what was issued: every token names its key in the
``kid`` header, the service signs with its current key and verifies with the current
one and every previous one it is given (their public halves suffice), and the JWKS
lists them all. How to rotate: deploy/README.md, "Rotating the signing keys".
"""

import base64
import glob
import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


class InvalidSignedToken(Exception):
    pass


class MissingSigningKey(RuntimeError):
    """Raised at start in production when no signing key is configured: a key made in
    memory would void every badge and pass issued so far at the next restart."""


def key_files(spec: str) -> list[str]:
    """The files named by a comma-separated list of paths and glob patterns.

    A plain path must exist (a typo must not silently drop a key); a pattern may match
    nothing, so ``/etc/tadamon/signing/previous-*.pem`` can stay configured between
    rotations.
    """
    files: list[str] = []
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            continue
        if glob.has_magic(item):
            files.extend(sorted(glob.glob(item)))
        elif Path(item).is_file():
            files.append(item)
        else:
            raise FileNotFoundError(f"key file {item} does not exist")
    return files


def load_public_key(path: str) -> Ed25519PublicKey:
    """The Ed25519 public key of a PEM file holding either half of the pair."""
    data = Path(path).read_bytes()
    if b"PRIVATE KEY" in data:
        private = serialization.load_pem_private_key(data, password=None)
        if not isinstance(private, Ed25519PrivateKey):
            raise ValueError(f"{path} is not an Ed25519 key")
        return private.public_key()
    public = serialization.load_pem_public_key(data)
    if not isinstance(public, Ed25519PublicKey):
        raise ValueError(f"{path} is not an Ed25519 key")
    return public


def load_signer(*, key_file: str, previous_key_files: str = "", production: bool) -> "Signer":
    """The service's signer: its current key and the previous ones it still verifies."""
    previous = [load_public_key(path) for path in key_files(previous_key_files)]
    if not key_file:
        if production:
            raise MissingSigningKey("SIGNING_KEY_FILE is required in production: a key made in memory "
                                    "would void every badge and pass at the next restart")
        return Signer(Ed25519PrivateKey.generate(), previous)
    return Signer(_load_private_key(key_file), previous)


def _load_private_key(path: str) -> Ed25519PrivateKey:
    loaded = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(loaded, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return loaded


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
    def __init__(self, private_key: Ed25519PrivateKey, previous: Sequence[Ed25519PublicKey] = ()) -> None:
        self.private_key = private_key
        self.public_key = private_key.public_key()
        self.kid = key_id(self.public_key)
        # A key given twice (its private and public halves side by side) is listed once.
        seen = {public_raw(self.public_key)}
        self.previous: list[Ed25519PublicKey] = []
        for key in previous:
            if public_raw(key) not in seen:
                seen.add(public_raw(key))
                self.previous.append(key)
        self._verifier = Verifier([self.public_key, *self.previous])

    @classmethod
    def from_file_or_new(cls, path: str) -> "Signer":
        """A signer of one key, made in memory when ``path`` is empty (tests, tools)."""
        return cls(_load_private_key(path) if path else Ed25519PrivateKey.generate())

    def sign(self, claims: dict[str, Any]) -> str:
        # No "typ" header: it would only lengthen the QR code.
        return jwt.encode(claims, self.private_key, algorithm="EdDSA", headers={"kid": self.kid, "typ": None})

    def verifier(self) -> "Verifier":
        return self._verifier

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        """The current key first, then the previous ones: scanners verify offline with any of them."""
        return {"keys": [public_jwk(key) for key in (self.public_key, *self.previous)]}

    def public_pem(self) -> str:
        return self.public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()


class Verifier:
    def __init__(self, keys: list[Ed25519PublicKey]) -> None:
        self.keys = {key_id(k): k for k in keys}

    @classmethod
    def from_pem_files(cls, spec: str) -> "Verifier":
        """Keys from a comma-separated list of PEM paths and glob patterns (see ``key_files``)."""
        return cls([load_public_key(path) for path in key_files(spec)])

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
