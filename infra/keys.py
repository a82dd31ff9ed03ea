"""Secrets of the local stack, kept in .local/keys (git-ignored): the Ed25519 key pairs, the demo
administrator's password, and bearer tokens signed with the local key for scripts."""

from __future__ import annotations

import secrets
import subprocess
from collections.abc import Sequence
from pathlib import Path

from infra import ROOT, processes

KEY_PAIRS = [
    ("jwt_private.pem", "jwt_public.pem"),
    ("registration_signing.pem", "registration_public.pem"),
    ("marketplace_signing.pem", "marketplace_public.pem"),
    ("marketplace_exhibitor_jwt.pem", "marketplace_exhibitor_jwt_public.pem"),
]


def keys_dir(root: Path = ROOT) -> Path:
    return root / ".local" / "keys"


def make_keys(root: Path = ROOT) -> None:
    """Ed25519 key pairs (PEM) in .local/keys, created once: JWTs, registration's and marketplace's signatures."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    folder = keys_dir(root)
    folder.mkdir(parents=True, exist_ok=True)
    for private_name, public_name in KEY_PAIRS:
        private, public = folder / private_name, folder / public_name
        if private.is_file():
            loaded = serialization.load_pem_private_key(private.read_bytes(), password=None)
            assert isinstance(loaded, Ed25519PrivateKey), f"{private} is not an Ed25519 key"
            key = loaded
        else:
            key = Ed25519PrivateKey.generate()
            pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
            private.touch(mode=0o600)
            private.write_bytes(pem)
            print(f"created {private}")
        if not public.is_file():
            public.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                             serialization.PublicFormat.SubjectPublicKeyInfo))


def demo_admin_password(root: Path = ROOT) -> str:
    """The demo administrator's password: drawn once, kept in .local/keys (git-ignored), so every
    `make run` prints the one that works."""
    path = keys_dir(root) / "demo_admin_password"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(12))
    return path.read_text().strip()


def organizer_token(root: Path = ROOT, scopes: Sequence[str] = ()) -> str:
    """A 12-hour token signed with the local key: scope ``admin`` unless ``scopes`` are given."""
    private = keys_dir(root) / "jwt_private.pem"
    if not private.is_file():
        make_keys(root)
    chosen = [arg for scope in (scopes or ["admin"]) for arg in ("--scope", scope)]
    result = subprocess.run(
        [processes.project_python(), "-m", "shared.auth", "mint", *chosen, "--sub", "organizer@local",
         "--private-key-file", str(private)],
        cwd=root, capture_output=True, text=True, check=True,
    )
    return result.stdout.strip()
