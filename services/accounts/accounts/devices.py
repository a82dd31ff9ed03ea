"""Gate scanners signed in by an organizer: a one-time device code (and its QR) on the organizer's
screen gives the volunteer's phone a session of its own, for one gate scope."""

import secrets
import uuid
from datetime import timedelta

from accounts.context import Accounts
from accounts.domain import can_grant_staff
from accounts.models import Account, DeviceCode, SignInSession
from accounts.service import account_scopes, digest
from accounts.signin import SignedIn, access_token
from shared.documents import utcnow
from shared.errors import DomainError, Forbidden


def _device_code() -> str:
    # 8 characters without look-alikes (0/O, 1/I): typed on a phone from another screen.
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    raw = "".join(secrets.choice(alphabet) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def normalize_device_code(code: str) -> str:
    raw = "".join(ch for ch in code.upper() if ch.isalnum())
    return f"{raw[:4]}-{raw[4:]}"


async def create_device_code(*, ctx: Accounts, account: Account, scope: str, label: str) -> tuple[str, DeviceCode]:
    """A one-time code signing a scanner in for ``scope`` (a gate scope the organizer may grant)."""
    scopes = await account_scopes(ctx=ctx, account=account)
    if not can_grant_staff(scopes, scope):
        raise Forbidden("scope_not_grantable")
    code, now = _device_code(), utcnow()
    doc = DeviceCode(id=digest(code), scope=scope, label=label, created_by=account.id, created_at=now,
                     expires_at=now + timedelta(seconds=ctx.settings.device_code_seconds))
    await ctx.store.insert_device_code(doc)
    return code, doc


async def claim_device_code(*, ctx: Accounts, code: str, user_agent: str) -> tuple[SignInSession, str]:
    """Sign a scanner in with a device code: a session of its own, for the gate scope alone."""
    now = utcnow()
    claimed = await ctx.store.claim_device_code(digest(normalize_device_code(code)), now)
    if claimed is None:
        raise DomainError("device_code_invalid")
    refresh = secrets.token_urlsafe(32)
    session = SignInSession(
        id=f"ses_{uuid.uuid4().hex}", kind="device", created_by=claimed.created_by, scopes=[claimed.scope],
        device_id=f"dev_{uuid.uuid4().hex}", device_name=claimed.label, refresh_hash=digest(refresh),
        user_agent=user_agent[:200], created_at=now, last_used_at=now,
        expires_at=now + timedelta(seconds=ctx.settings.device_session_seconds))
    await ctx.store.insert_session(session)
    return session, refresh


async def sign_scanner_in(*, ctx: Accounts, code: str, user_agent: str) -> SignedIn:
    """The phone typing the code: its session, its first access token and its refresh token."""
    session, refresh = await claim_device_code(ctx=ctx, code=code, user_agent=user_agent)
    return SignedIn(session, await access_token(ctx=ctx, session=session), refresh)
