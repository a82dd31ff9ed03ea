"""Use cases of signing in: the password, the second factor (TOTP), sessions and access tokens."""

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp

from accounts.context import Accounts
from accounts.domain import can_grant_staff, needs_second_factor, normalize_email
from accounts.models import Account, Challenge, SignInSession
from accounts.service import account_scopes, digest, notify, password_matches
from shared.audit import Act
from shared.documents import utcnow
from shared.errors import DomainError, NotFound

CHALLENGE_SECONDS = 300
CHALLENGE_ATTEMPTS = 5
TOTP_ISSUER = "Tadamon"


def _locked(account: Account, now: datetime) -> bool:
    return account.locked_until is not None and account.locked_until > now


async def _count_failure(ctx: Accounts, account_id: str, now: datetime) -> None:
    await ctx.store.record_failed_sign_in(account_id, limit=ctx.settings.max_failed_attempts,
                                          lock_until=now + timedelta(seconds=ctx.settings.lockout_seconds))


@dataclass(frozen=True)
class SignedIn:
    """A new session with its first access token and its refresh token (kept only in the browser's cookie)."""

    session: SignInSession
    access: str
    refresh: str


@dataclass(frozen=True)
class SignInStep:
    """What follows a correct password: signed in, or a second-factor challenge (``enroll`` first if needed)."""

    account: Account
    challenge: Challenge | None = None
    signed_in: SignedIn | None = None


async def sign_in_with_password(*, ctx: Accounts, email: str, password: str, user_agent: str) -> SignInStep:
    now = utcnow()
    account = await ctx.store.account_by_email(normalize_email(email))
    matches = await password_matches(account.password_hash if account else None, password)
    # One answer for an unknown address, a wrong password, a lock and a disabled account: no hint
    # tells which addresses have an account (ASVS 2.2.1, 3.x).
    if account is None or account.disabled or _locked(account, now):
        raise DomainError("sign_in_refused", 401)
    if not matches:
        await _count_failure(ctx, account.id, now)
        raise DomainError("sign_in_refused", 401)
    step = await after_password(ctx=ctx, account=account, user_agent=user_agent)
    # Failures are cleared only once the whole sign-in succeeded: a known password must not reset
    # the count of wrong TOTP codes.
    if step.challenge is None:
        await ctx.store.clear_failed_sign_ins(account.id)
    return step


async def after_password(*, ctx: Accounts, account: Account, user_agent: str) -> SignInStep:
    """What follows a password (typed, or set from a mail): the second factor when the account needs one,
    else a new session."""
    scopes = await account_scopes(ctx=ctx, account=account)
    if account.totp_enabled:
        return SignInStep(account, await _new_challenge(ctx, account, "totp"))
    if needs_second_factor(scopes):
        return SignInStep(account, await _new_challenge(ctx, account, "enroll"))
    return SignInStep(account, signed_in=await start_session(ctx=ctx, account=account, user_agent=user_agent))


async def _new_challenge(ctx: Accounts, account: Account, kind: str) -> Challenge:
    challenge = Challenge.model_validate({
        "_id": secrets.token_urlsafe(32), "account_id": account.id, "kind": kind,
        "secret": pyotp.random_base32() if kind == "enroll" else None,
        "expires_at": utcnow() + timedelta(seconds=CHALLENGE_SECONDS)})
    await ctx.store.insert_challenge(challenge)
    return challenge


async def start_totp_enrolment(*, ctx: Accounts, account: Account) -> Challenge:
    """Turn TOTP on from the account page: the code of the new app must be given once first."""
    return await _new_challenge(ctx, account, "enroll")


async def get_challenge(*, ctx: Accounts, challenge_id: str) -> Challenge:
    challenge = await ctx.store.challenge(challenge_id) if challenge_id else None
    if challenge is None or challenge.expires_at <= utcnow():
        raise DomainError("challenge_expired", 401)
    return challenge


def totp_uri(*, secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=TOTP_ISSUER)


async def code_step(*, ctx: Accounts, challenge_id: str) -> tuple[Challenge, str | None]:
    """The pending challenge and, for an enrolment, the link the new authenticator app scans."""
    challenge = await get_challenge(ctx=ctx, challenge_id=challenge_id)
    if challenge.kind != "enroll":
        return challenge, None
    account = await ctx.store.account(challenge.account_id or "")
    if account is None:
        raise DomainError("challenge_expired", 401)
    return challenge, totp_uri(secret=challenge.secret or "", email=account.email)


async def _totp_accepted(ctx: Accounts, account_id: str, secret: str, code: str) -> bool:
    """A code of the current 30 s step or of the one before or after (clock drift), never used before."""
    totp, now = pyotp.TOTP(secret), utcnow()
    code = code.strip().replace(" ", "")
    for offset in (0, -1, 1):
        moment = now + timedelta(seconds=30 * offset)
        if secrets.compare_digest(totp.at(moment), code):
            return await ctx.store.use_totp_step(account_id, totp.timecode(moment))
    return False


async def _challenged_account(ctx: Accounts, challenge: Challenge, now: datetime) -> Account:
    account = await ctx.store.account(challenge.account_id or "")
    if account is None or account.disabled:
        await ctx.store.take_challenge(challenge.id)
        raise DomainError("challenge_expired", 401)
    if _locked(account, now):
        await ctx.store.take_challenge(challenge.id)
        raise DomainError("sign_in_refused", 401)
    return account


async def answer_challenge(*, ctx: Accounts, challenge_id: str, code: str, user_agent: str) -> SignedIn:
    """Check the TOTP code of a challenge (an enrolment turns TOTP on), and sign in."""
    now = utcnow()
    challenge = await get_challenge(ctx=ctx, challenge_id=challenge_id)
    account = await _challenged_account(ctx, challenge, now)
    secret = challenge.secret if challenge.kind == "enroll" else account.totp_secret
    if not await _totp_accepted(ctx, account.id, secret or "", code):
        await _count_failure(ctx, account.id, now)
        if challenge.attempts + 1 >= CHALLENGE_ATTEMPTS:
            await ctx.store.take_challenge(challenge_id)
            raise DomainError("challenge_expired", 401)
        await ctx.store.count_challenge_attempt(challenge_id, challenge.attempts + 1)
        raise DomainError("wrong_code")
    if await ctx.store.take_challenge(challenge_id) is None:
        raise DomainError("challenge_expired", 401)
    if challenge.kind == "enroll" and secret:
        await ctx.store.enable_second_factor(account.id, secret)
        await notify(ctx=ctx, account=account, kind="totp_enabled")
    await ctx.store.clear_failed_sign_ins(account.id)
    return await start_session(ctx=ctx, account=account, user_agent=user_agent)


# Sessions and tokens


async def open_session(*, ctx: Accounts, account: Account, user_agent: str) -> tuple[SignInSession, str]:
    """A browser session; returns it with its refresh token (kept only in the browser's cookie)."""
    now, refresh = utcnow(), secrets.token_urlsafe(32)
    session = SignInSession(
        id=f"ses_{uuid.uuid4().hex}", kind="browser", account_id=account.id, refresh_hash=digest(refresh),
        user_agent=user_agent[:200], created_at=now, last_used_at=now,
        expires_at=now + timedelta(seconds=ctx.settings.session_max_seconds))
    await ctx.store.insert_session(session)
    await ctx.store.mark_signed_in(account.id, now)
    return session, refresh


async def start_session(*, ctx: Accounts, account: Account, user_agent: str) -> SignedIn:
    """Signed in: a new browser session with its first access token and its refresh token."""
    session, refresh = await open_session(ctx=ctx, account=account, user_agent=user_agent)
    return SignedIn(session, await access_token(ctx=ctx, session=session), refresh)


def _live(ctx: Accounts, session: SignInSession | None) -> SignInSession | None:
    now = utcnow()
    if session is None or session.revoked_at is not None or session.expires_at <= now:
        return None
    idle = timedelta(seconds=ctx.settings.session_idle_seconds)
    if session.kind == "browser" and session.last_used_at + idle <= now:
        return None
    return session


async def _identity(ctx: Accounts, session: SignInSession) -> tuple[str, str, list[str]] | None:
    """(sub, name, scopes) of a live session, or None when its account (or its creator) lost the right."""
    if session.kind == "device":
        creator = await ctx.store.account(session.created_by or "")
        if creator is None or creator.disabled:
            return None
        creator_scopes = await account_scopes(ctx=ctx, account=creator)
        scopes = session.scopes or []
        if not all(can_grant_staff(creator_scopes, scope) for scope in scopes):
            return None
        return session.device_id or "", session.device_name or "", list(scopes)
    account = await ctx.store.account(session.account_id or "")
    if account is None or account.disabled:
        return None
    return account.id, account.name, await account_scopes(ctx=ctx, account=account)


async def access_token(*, ctx: Accounts, session: SignInSession) -> str:
    """A fresh access token for a live session, with the scopes its account holds now."""
    live = _live(ctx, session)
    identity = live and await _identity(ctx, live)
    if not identity:
        raise DomainError("session_expired", 401)
    sub, name, scopes = identity
    settings = ctx.settings
    await ctx.store.touch_session(session.id, utcnow())
    return ctx.keyring.mint(issuer=settings.jwt_issuer, audience=settings.jwt_audience, sub=sub, name=name,
                            sid=session.id, scopes=scopes, ttl_seconds=settings.access_token_seconds)


async def refresh_access(*, ctx: Accounts, refresh_token: str) -> str:
    session = await ctx.store.session_by_refresh(digest(refresh_token)) if refresh_token else None
    if session is None:
        raise DomainError("session_expired", 401)
    return await access_token(ctx=ctx, session=session)


async def sign_out(*, ctx: Accounts, refresh_token: str) -> None:
    session = await ctx.store.session_by_refresh(digest(refresh_token)) if refresh_token else None
    if session is not None:
        await ctx.store.revoke_session(session.id, utcnow())


async def live_session(*, ctx: Accounts, session_id: str) -> SignInSession | None:
    return _live(ctx, await ctx.store.session(session_id))


async def live_account(*, ctx: Accounts, account_id: str, session_id: str | None) -> Account | None:
    """The account a token names, checked live: None once it is disabled or its session ended."""
    account = await ctx.store.account(account_id)
    if account is None or account.disabled:
        return None
    if session_id and await live_session(ctx=ctx, session_id=session_id) is None:
        return None
    return account


async def sessions_of(*, ctx: Accounts, account_id: str) -> list[SignInSession]:
    """The account's own open sessions and the scanners it signed in."""
    return await ctx.store.open_sessions_of(account_id, utcnow())


async def revoke_session(*, ctx: Accounts, account_id: str, session_id: str, act: Act | None = None) -> None:
    """End a session of the account (or of a scanner it signed in): it gets no new access token."""
    if not await ctx.store.revoke_own_session(session_id, utcnow(), account_id=account_id):
        raise NotFound("session_not_found")
    await ctx.store.record_act(act, action="session.revoked", object_type="account", object_id=account_id)
