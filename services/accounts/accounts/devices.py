"""Gate scanners signed in by an organizer: a one-time device code (and its QR) on the organizer's
screen gives the volunteer's phone a session of its own, for one gate scope."""

import secrets
import uuid
from datetime import timedelta

from accounts import store
from accounts.domain import can_grant_staff
from accounts.service import account_scopes, digest, settings_of, utcnow
from shared.errors import DomainError, Forbidden
from shared.mongo import Document
from shared.platform import Platform


def _device_code() -> str:
    # 8 characters without look-alikes (0/O, 1/I): typed on a phone from another screen.
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    raw = "".join(secrets.choice(alphabet) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def normalize_device_code(code: str) -> str:
    raw = "".join(ch for ch in code.upper() if ch.isalnum())
    return f"{raw[:4]}-{raw[4:]}"


async def create_device_code(*, platform: Platform, account: Document, scope: str, label: str) -> tuple[str, Document]:
    """A one-time code signing a scanner in for ``scope`` (a gate scope the organizer may grant)."""
    scopes = await account_scopes(platform=platform, account=account)
    if not can_grant_staff(scopes, scope):
        raise Forbidden("scope_not_grantable")
    code, now = _device_code(), utcnow()
    doc: Document = {"_id": digest(code), "scope": scope, "label": label, "created_by": account["_id"],
                     "created_at": now, "claimed_at": None,
                     "expires_at": now + timedelta(seconds=settings_of(platform).device_code_seconds)}
    await store.insert_device_code(platform.db, doc)
    return code, doc


async def claim_device_code(*, platform: Platform, code: str, user_agent: str) -> tuple[Document, str]:
    """Sign a scanner in with a device code: a session of its own, for the gate scope alone."""
    now = utcnow()
    claimed = await store.claim_device_code(platform.db, digest(normalize_device_code(code)), now)
    if claimed is None:
        raise DomainError("device_code_invalid")
    refresh = secrets.token_urlsafe(32)
    doc: Document = {
        "_id": f"ses_{uuid.uuid4().hex}", "kind": "device", "account_id": None,
        "created_by": claimed["created_by"], "scopes": [claimed["scope"]], "device_id": f"dev_{uuid.uuid4().hex}",
        "device_name": claimed["label"], "refresh_hash": digest(refresh), "user_agent": user_agent[:200],
        "created_at": now, "last_used_at": now,
        "expires_at": now + timedelta(seconds=settings_of(platform).device_session_seconds), "revoked_at": None,
    }
    await store.insert_session(platform.db, doc)
    return doc, refresh
