"""The documents the accounts service stores, as ``store.py`` returns them."""

from datetime import datetime
from typing import Literal

from shared.documents import Stored


class Account(Stored):
    """A person. Secrets are never stored in clear: the password as an argon2id hash."""

    email: str
    email_normalized: str
    name: str
    language: str
    admin: bool = False
    disabled: bool = False
    password_hash: str | None = None
    totp_secret: str | None = None
    totp_enabled: bool = False
    totp_last_step: int | None = None
    failed_attempts: int = 0
    locked_until: datetime | None = None
    oidc_subject: str | None = None
    created_at: datetime
    last_sign_in_at: datetime | None = None


class Team(Stored):
    """A name and the scopes it grants to each of its members."""

    name: str
    scopes: list[str]
    members: list[str] = []
    created_at: datetime


class SignInSession(Stored):
    """A browser session of an account, or a gate scanner's (``device``) opened by an organizer."""

    kind: Literal["browser", "device"]
    account_id: str | None = None
    created_by: str | None = None
    scopes: list[str] | None = None
    device_id: str | None = None
    device_name: str | None = None
    refresh_hash: str
    user_agent: str = ""
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None


class Challenge(Stored):
    """A pending step of a sign-in: a TOTP code to give (``totp``), an app to enrol (``enroll``), or
    the way back from the OpenID Connect provider (``oidc``)."""

    kind: Literal["totp", "enroll", "oidc"]
    account_id: str | None = None
    attempts: int = 0
    secret: str | None = None
    state: str | None = None
    nonce: str | None = None
    verifier: str | None = None
    next: str | None = None
    expires_at: datetime


class DeviceCode(Stored):
    """A one-time code (kept by its digest) signing a gate scanner in for one gate scope."""

    scope: str
    label: str
    created_by: str
    created_at: datetime
    claimed_at: datetime | None = None
    expires_at: datetime


class Link(Stored):
    """A mailed one-time link (kept by the digest of its token): an invitation or a password reset."""

    kind: Literal["invitation", "reset"]
    account_id: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    # Replaced by a newer link of the same kind, or withdrawn by an administrator.
    withdrawn_at: datetime | None = None
    # Invitations: into which team, in which language, by whom (for the administrators' list).
    team_id: str | None = None
    language: str | None = None
    invited_by: str | None = None
