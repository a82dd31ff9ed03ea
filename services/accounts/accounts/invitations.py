"""Invitations and password resets: a one-time link mailed in the person's language."""

import secrets
from datetime import timedelta

from accounts import mails, store
from accounts.domain import AccountCreate, normalize_email
from accounts.service import create_account, digest, get_account, notify, set_password, settings_of, utcnow
from shared.errors import Conflict, DomainError, NotFound
from shared.mongo import Document
from shared.platform import Platform

INVITATION_SECONDS = 7 * 24 * 3600
RESET_SECONDS = 3600


async def _mail_link(platform: Platform, account: Document, kind: str, seconds: int, path: str) -> Document:
    settings, now = settings_of(platform), utcnow()
    token = secrets.token_urlsafe(32)
    await store.retire_links(platform.db, account["_id"], kind, now)
    doc: Document = {"_id": digest(token), "kind": kind, "account_id": account["_id"], "created_at": now,
                     "expires_at": now + timedelta(seconds=seconds), "used_at": None}
    await store.insert_link(platform.db, doc)
    lang = account["language"]
    link = f"{settings.base_url}{path}?token={token}&lang={lang}"
    await mails.send(settings, mails.compose(settings, kind=kind, to=account["email"], lang=lang, params={
        "name": account["name"], "link": link, "days": seconds // 86400, "minutes": seconds // 60}))
    return doc


async def invite(*, platform: Platform, data: AccountCreate, team_id: str | None) -> tuple[Document, Document]:
    """Create the account (or find it, not yet activated), add it to the team, and mail the invitation."""
    if team_id is not None and await store.get_team(platform.db, team_id) is None:
        raise NotFound("team_not_found")
    account = await store.find_account_by_email(platform.db, normalize_email(data.email))
    if account is None:
        account = await create_account(platform=platform, data=data)
    elif account.get("password_hash"):
        raise Conflict("account_exists")
    if team_id is not None:
        await store.add_member(platform.db, team_id, account["_id"])
    link = await _mail_link(platform, account, "invitation", INVITATION_SECONDS, "/invitation")
    return account, link


async def request_password_reset(*, platform: Platform, email: str) -> None:
    """Mail a reset link if an active account has this address; say nothing either way."""
    account = await store.find_account_by_email(platform.db, normalize_email(email))
    if account is None or account["disabled"] or not account.get("password_hash"):
        return
    await _mail_link(platform, account, "reset", RESET_SECONDS, "/reset/password")


async def link_account(*, platform: Platform, token: str, kind: str) -> Document:
    link = await store.get_link(platform.db, digest(token), kind, utcnow()) if token else None
    account = link and await store.get_account(platform.db, link["account_id"])
    if not account or account["disabled"]:
        raise DomainError("link_invalid")
    return account


async def set_password_from_link(*, platform: Platform, token: str, kind: str, password: str) -> Document:
    """Accept an invitation or a reset: the password is set, older sessions end, the lock is lifted."""
    await link_account(platform=platform, token=token, kind=kind)
    link = await store.use_link(platform.db, digest(token), kind, utcnow())
    if link is None:
        raise DomainError("link_invalid")
    await set_password(platform=platform, account_id=link["account_id"], password=password)
    await store.revoke_sessions_of(platform.db, link["account_id"], utcnow())
    await store.clear_failed_sign_ins(platform.db, link["account_id"])
    account = await get_account(platform=platform, account_id=link["account_id"])
    if kind == "reset":
        await notify(platform=platform, account=account, kind="password_changed")
    return account
