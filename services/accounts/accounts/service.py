"""Use cases of the accounts service: one keyword-only function per verb.

Secrets never stored in clear: passwords as argon2id hashes, refresh tokens and device
codes as SHA-256 digests (they are long random values, so a plain digest suffices).
"""

import asyncio
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pymongo.errors import DuplicateKeyError

from accounts import mails, store
from accounts.domain import (
    AccountCreate,
    TeamCreate,
    can_grant_staff,
    needs_second_factor,
    normalize_email,
    scopes_of,
)
from accounts.settings import Settings
from accounts.tokens import KeyRing
from shared.errors import Conflict, DomainError, NotFound
from shared.mongo import Document
from shared.platform import Platform

# argon2id with the library's defaults (64 MiB, 3 passes, 4 lanes), above OWASP's minimum.
_hasher = PasswordHasher()
# Checked when the e-mail is unknown, so that a wrong address takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
CHALLENGE_SECONDS = 300
CHALLENGE_ATTEMPTS = 5
TOTP_ISSUER = "Tadamon"


def utcnow() -> datetime:
    return datetime.now(UTC)


def aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def settings_of(platform: Platform) -> Settings:
    return cast(Settings, platform.settings)


@dataclass(frozen=True)
class Accounts:
    """The accounts service's context (``ServiceSpec.context``): its signing keys and, when
    configured, the OpenID Connect provider."""

    keyring: KeyRing
    oidc: Any = None


def accounts_of(platform: Platform) -> Accounts:
    context = platform.context
    if not isinstance(context, Accounts):
        raise TypeError("the accounts platform carries its Accounts as context")
    return context


def keyring_of(platform: Platform) -> KeyRing:
    return accounts_of(platform).keyring


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


async def _password_matches(stored: str | None, password: str) -> bool:
    try:
        return await asyncio.to_thread(_hasher.verify, stored or _DUMMY_HASH, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


# Accounts


async def create_account(*, platform: Platform, data: AccountCreate, password: str | None = None) -> Document:
    now = utcnow()
    doc: Document = {
        "_id": f"acc_{uuid.uuid4().hex}", "email": data.email, "email_normalized": normalize_email(data.email),
        "name": data.name, "language": data.language, "admin": data.admin, "disabled": False,
        "password_hash": await hash_password(password) if password else None,
        "totp_secret": None, "totp_enabled": False, "totp_last_step": None,
        "failed_attempts": 0, "locked_until": None, "created_at": now,
    }
    if await store.find_account_by_email(platform.db, doc["email_normalized"]) is not None:
        raise Conflict("account_exists")
    try:
        await store.insert_account(platform.db, doc)
    except DuplicateKeyError as exc:  # the same address created at the same moment
        raise Conflict("account_exists") from exc
    return doc


async def get_account(*, platform: Platform, account_id: str) -> Document:
    doc = await store.get_account(platform.db, account_id)
    if doc is None:
        raise NotFound("account_not_found")
    return doc


def account_public(doc: Document) -> dict[str, Any]:
    return {"id": doc["_id"], "email": doc["email"], "name": doc["name"], "language": doc["language"],
            "admin": doc["admin"], "disabled": doc["disabled"], "totp_enabled": doc["totp_enabled"],
            "created_at": doc["created_at"]}


async def account_scopes(*, platform: Platform, account: Document) -> list[str]:
    teams = await store.teams_of(platform.db, account["_id"])
    return scopes_of(admin=bool(account.get("admin")), team_scopes=[t["scopes"] for t in teams])


async def set_account_disabled(*, platform: Platform, account_id: str, disabled: bool) -> Document:
    """Disable (or enable again) an account: its sessions end, so no token is reissued to it."""
    doc = await store.update_account(platform.db, account_id, {"disabled": disabled})
    if doc is None:
        raise NotFound("account_not_found")
    if disabled:
        await store.revoke_sessions_of(platform.db, account_id, utcnow())
    return doc


async def reset_second_factor(*, platform: Platform, account_id: str) -> Document:
    """Remove the TOTP secret (its phone is lost); the sessions it protected end with it."""
    doc = await store.update_account(platform.db, account_id, {"totp_secret": None, "totp_enabled": False,
                                                               "totp_last_step": None})
    if doc is None:
        raise NotFound("account_not_found")
    await store.revoke_sessions_of(platform.db, account_id, utcnow())
    return doc


async def change_password(*, platform: Platform, account: Document, current: str, new: str,
                          keep_session: str | None) -> None:
    if not await _password_matches(account.get("password_hash"), current):
        raise DomainError("wrong_password")
    await store.update_account(platform.db, account["_id"], {"password_hash": await hash_password(new)})
    # Whoever knew the old password loses the sessions it opened.
    await store.revoke_sessions_of(platform.db, account["_id"], utcnow(), keep=keep_session)
    await notify(platform=platform, account=account, kind="password_changed")


async def notify(*, platform: Platform, account: Document, kind: str) -> None:
    """Tell the owner that their password or second factor changed (ASVS 2.2.3): if it was not them, they
    know at once. The change stands even if the mail cannot leave now."""
    settings = settings_of(platform)
    message = mails.compose(settings, kind=kind, to=account["email"], lang=account["language"], params={
        "name": account["name"], "link": f"{settings.base_url}/reset?lang={account['language']}"})
    try:
        await mails.send(settings, message)
    except DomainError:
        pass  # mails.send logged it


async def set_password(*, platform: Platform, account_id: str, password: str) -> None:
    await store.update_account(platform.db, account_id, {"password_hash": await hash_password(password)})


# Sign-in


@dataclass
class SignInStep:
    """What follows a correct password: a session, or a second-factor challenge (``enroll`` first if needed)."""

    account: Document
    challenge: Document | None = None


async def sign_in_with_password(*, platform: Platform, email: str, password: str) -> SignInStep:
    settings, now = settings_of(platform), utcnow()
    account = await store.find_account_by_email(platform.db, normalize_email(email))
    matches = await _password_matches(account.get("password_hash") if account else None, password)
    # One answer for an unknown address, a wrong password, a lock and a disabled account: no hint
    # tells which addresses have an account (ASVS 2.2.1, 3.x).
    if account is None or account["disabled"]:
        raise DomainError("sign_in_refused", 401)
    locked_until = account.get("locked_until")
    if locked_until is not None and aware(locked_until) > now:
        raise DomainError("sign_in_refused", 401)
    if not matches:
        await store.record_failed_sign_in(platform.db, account["_id"], limit=settings.max_failed_attempts,
                                          lock_until=now + timedelta(seconds=settings.lockout_seconds))
        raise DomainError("sign_in_refused", 401)
    step = await after_password(platform=platform, account=account)
    # Failures are cleared only once the whole sign-in succeeded: a known password must not reset
    # the count of wrong TOTP codes.
    if step.challenge is None:
        await store.clear_failed_sign_ins(platform.db, account["_id"])
    return step


async def _new_challenge(platform: Platform, account: Document, kind: str) -> Document:
    doc: Document = {"_id": secrets.token_urlsafe(32), "account_id": account["_id"], "kind": kind, "attempts": 0,
                     "secret": pyotp.random_base32() if kind == "enroll" else None,
                     "expires_at": utcnow() + timedelta(seconds=CHALLENGE_SECONDS)}
    await store.insert_challenge(platform.db, doc)
    return doc


async def start_totp_enrolment(*, platform: Platform, account: Document) -> Document:
    """Turn TOTP on from the account page: the code of the new app must be given once first."""
    return await _new_challenge(platform, account, "enroll")


async def get_challenge(*, platform: Platform, challenge_id: str) -> Document:
    doc = await store.get_challenge(platform.db, challenge_id) if challenge_id else None
    if doc is None or aware(doc["expires_at"]) <= utcnow():
        raise DomainError("challenge_expired", 401)
    return doc


def totp_uri(*, secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=TOTP_ISSUER)


async def _totp_accepted(platform: Platform, account_id: str, secret: str, code: str) -> bool:
    """A code of the current 30 s step or of the one before or after (clock drift), never used before."""
    totp, now = pyotp.TOTP(secret), utcnow()
    code = code.strip().replace(" ", "")
    for offset in (0, -1, 1):
        moment = now + timedelta(seconds=30 * offset)
        if secrets.compare_digest(totp.at(moment), code):
            return await store.use_totp_step(platform.db, account_id, totp.timecode(moment))
    return False


async def answer_challenge(*, platform: Platform, challenge_id: str, code: str) -> Document:
    """Check the TOTP code of a challenge; an enrolment turns TOTP on. Returns the account."""
    settings, now = settings_of(platform), utcnow()
    challenge = await get_challenge(platform=platform, challenge_id=challenge_id)
    account = await store.get_account(platform.db, challenge["account_id"])
    if account is None or account["disabled"]:
        await store.take_challenge(platform.db, challenge_id)
        raise DomainError("challenge_expired", 401)
    locked_until = account.get("locked_until")
    if locked_until is not None and aware(locked_until) > now:
        await store.take_challenge(platform.db, challenge_id)
        raise DomainError("sign_in_refused", 401)
    secret = challenge["secret"] if challenge["kind"] == "enroll" else account["totp_secret"]
    if not await _totp_accepted(platform, account["_id"], secret, code):
        await store.record_failed_sign_in(platform.db, account["_id"], limit=settings.max_failed_attempts,
                                          lock_until=now + timedelta(seconds=settings.lockout_seconds))
        if challenge["attempts"] + 1 >= CHALLENGE_ATTEMPTS:
            await store.take_challenge(platform.db, challenge_id)
            raise DomainError("challenge_expired", 401)
        await store.update_challenge(platform.db, challenge_id, {"attempts": challenge["attempts"] + 1})
        raise DomainError("wrong_code")
    if await store.take_challenge(platform.db, challenge_id) is None:
        raise DomainError("challenge_expired", 401)
    if challenge["kind"] == "enroll":
        await store.update_account(platform.db, account["_id"], {"totp_secret": secret, "totp_enabled": True})
        await notify(platform=platform, account=account, kind="totp_enabled")
    await store.clear_failed_sign_ins(platform.db, account["_id"])
    return account


# Sessions and tokens


async def open_session(*, platform: Platform, account: Document, user_agent: str) -> tuple[Document, str]:
    """A browser session; returns it with its refresh token (kept only in the browser's cookie)."""
    settings, now = settings_of(platform), utcnow()
    refresh = secrets.token_urlsafe(32)
    doc: Document = {
        "_id": f"ses_{uuid.uuid4().hex}", "kind": "browser", "account_id": account["_id"], "created_by": None,
        "scopes": None, "refresh_hash": digest(refresh), "user_agent": user_agent[:200], "created_at": now,
        "last_used_at": now, "expires_at": now + timedelta(seconds=settings.session_max_seconds),
        "revoked_at": None,
    }
    await store.insert_session(platform.db, doc)
    return doc, refresh


async def _live_session(platform: Platform, session: Document | None) -> Document | None:
    settings, now = settings_of(platform), utcnow()
    if session is None or session["revoked_at"] is not None or aware(session["expires_at"]) <= now:
        return None
    if session["kind"] == "browser" and aware(session["last_used_at"]) + timedelta(
            seconds=settings.session_idle_seconds) <= now:
        return None
    return session


async def _session_identity(platform: Platform, session: Document) -> tuple[str, str, list[str]] | None:
    """(sub, name, scopes) of a live session, or None when its account (or its creator) lost the right."""
    if session["kind"] == "device":
        creator = await store.get_account(platform.db, session["created_by"])
        if creator is None or creator["disabled"]:
            return None
        creator_scopes = await account_scopes(platform=platform, account=creator)
        if not all(can_grant_staff(creator_scopes, scope) for scope in session["scopes"]):
            return None
        return session["device_id"], session["device_name"], list(session["scopes"])
    account = await store.get_account(platform.db, session["account_id"])
    if account is None or account["disabled"]:
        return None
    return account["_id"], account["name"], await account_scopes(platform=platform, account=account)


async def access_token(*, platform: Platform, session: Document) -> str:
    """A fresh access token for a live session, with the scopes its account holds now."""
    live = await _live_session(platform, session)
    identity = live and await _session_identity(platform, live)
    if not identity:
        raise DomainError("session_expired", 401)
    sub, name, scopes = identity
    settings = settings_of(platform)
    await store.touch_session(platform.db, session["_id"], utcnow())
    return keyring_of(platform).mint(issuer=settings.jwt_issuer, audience=settings.jwt_audience, sub=sub,
                                     name=name, sid=session["_id"], scopes=scopes,
                                     ttl_seconds=settings.access_token_seconds)


async def refresh_access(*, platform: Platform, refresh_token: str) -> str:
    session = await store.find_session_by_refresh(platform.db, digest(refresh_token)) if refresh_token else None
    if session is None:
        raise DomainError("session_expired", 401)
    return await access_token(platform=platform, session=session)


async def sign_out(*, platform: Platform, refresh_token: str) -> None:
    session = await store.find_session_by_refresh(platform.db, digest(refresh_token)) if refresh_token else None
    if session is not None:
        await store.revoke_session(platform.db, session["_id"], utcnow())


async def live_session(*, platform: Platform, session_id: str) -> Document | None:
    return await _live_session(platform, await store.get_session(platform.db, session_id))


async def sessions_of(*, platform: Platform, account_id: str) -> list[Document]:
    """The account's own sessions and the scanners it signed in."""
    now = utcnow()
    own = await store.active_sessions(platform.db, {"account_id": account_id}, now)
    devices = await store.active_sessions(platform.db, {"created_by": account_id}, now)
    return [*own, *devices]


async def revoke_session(*, platform: Platform, account_id: str, session_id: str) -> None:
    now = utcnow()
    if not (await store.revoke_session(platform.db, session_id, now, owner={"account_id": account_id})
            or await store.revoke_session(platform.db, session_id, now, owner={"created_by": account_id})):
        raise NotFound("session_not_found")


# Teams


async def create_team(*, platform: Platform, data: TeamCreate) -> Document:
    doc: Document = {"_id": f"team_{uuid.uuid4().hex[:16]}", "name": data.name, "scopes": data.scopes,
                     "members": [], "created_at": utcnow()}
    await store.insert_team(platform.db, doc)
    return doc


def team_public(doc: Document) -> dict[str, Any]:
    return {"id": doc["_id"], "name": doc["name"], "scopes": doc["scopes"], "members": doc["members"],
            "created_at": doc["created_at"]}


async def add_team_member(*, platform: Platform, team_id: str, account_id: str) -> Document:
    await get_account(platform=platform, account_id=account_id)
    doc = await store.add_member(platform.db, team_id, account_id)
    if doc is None:
        raise NotFound("team_not_found")
    return doc


async def remove_team_member(*, platform: Platform, team_id: str, account_id: str) -> Document:
    doc = await store.remove_member(platform.db, team_id, account_id)
    if doc is None:
        raise NotFound("team_not_found")
    return doc


async def after_password(*, platform: Platform, account: Document) -> SignInStep:
    """What follows a password set from a mail: the second factor when the account needs one."""
    scopes = await account_scopes(platform=platform, account=account)
    if account["totp_enabled"]:
        return SignInStep(account, await _new_challenge(platform, account, "totp"))
    if needs_second_factor(scopes):
        return SignInStep(account, await _new_challenge(platform, account, "enroll"))
    return SignInStep(account)
