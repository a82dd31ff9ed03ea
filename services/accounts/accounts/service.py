"""Use cases on accounts and teams: one keyword-only function per verb, the context first.

Secrets never stored in clear: passwords as argon2id hashes, refresh tokens and device
codes as SHA-256 digests (they are long random values, so a plain digest suffices).
"""

import asyncio
import hashlib
import secrets
import uuid

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pymongo.errors import DuplicateKeyError

from accounts import mails
from accounts.context import Accounts
from accounts.domain import AccountChange, AccountCreate, TeamCreate, normalize_email, scopes_of
from accounts.models import Account, Team
from shared.audit import Act
from shared.documents import utcnow
from shared.errors import Conflict, DomainError, NotFound
from shared.pagination import PageRequest

# argon2id with the library's defaults (64 MiB, 3 passes, 4 lanes), above OWASP's minimum.
_hasher = PasswordHasher()
# Checked when the e-mail is unknown, so that a wrong address takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


async def password_matches(stored: str | None, password: str) -> bool:
    try:
        return await asyncio.to_thread(_hasher.verify, stored or _DUMMY_HASH, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


# Accounts


async def create_account(*, ctx: Accounts, data: AccountCreate, password: str | None = None,
                         act: Act | None = None) -> Account:
    account = Account(
        id=f"acc_{uuid.uuid4().hex}", email=data.email, email_normalized=normalize_email(data.email),
        name=data.name, language=data.language, admin=data.admin,
        password_hash=await hash_password(password) if password else None, created_at=utcnow())
    if await ctx.store.account_by_email(account.email_normalized) is not None:
        raise Conflict("account_exists")
    try:
        await ctx.store.insert_account(account)
    except DuplicateKeyError as exc:  # the same address created at the same moment
        raise Conflict("account_exists") from exc
    await ctx.store.record_act(act, action="account.created", object_type="account", object_id=account.id)
    return account


async def create_account_once(*, ctx: Accounts, data: AccountCreate, password: str) -> bool:
    """Create the account unless its address has one already; True if it was created."""
    if await ctx.store.account_by_email(normalize_email(data.email)) is not None:
        return False
    await create_account(ctx=ctx, data=data, password=password)
    return True


async def get_account(*, ctx: Accounts, account_id: str) -> Account:
    account = await ctx.store.account(account_id)
    if account is None:
        raise NotFound("account_not_found")
    return account


async def list_accounts(*, ctx: Accounts, page: PageRequest, search: str = "") -> tuple[list[Account], int]:
    """One page of the accounts by e-mail (or of those whose e-mail or name holds ``search``), and how many
    there are in all."""
    text = search.strip()
    found = await ctx.store.accounts_page(search=text, skip=page.skip, limit=page.page_size)
    return found, await ctx.store.count_accounts(search=text)


async def account_scopes(*, ctx: Accounts, account: Account) -> list[str]:
    teams = await ctx.store.teams_of(account.id)
    return scopes_of(admin=account.admin, team_scopes=[team.scopes for team in teams])


async def teams_of(*, ctx: Accounts, account_id: str) -> list[Team]:
    return await ctx.store.teams_of(account_id)


async def change_account(*, ctx: Accounts, account_id: str, change: AccountChange, by: Account,
                         act: Act | None = None) -> Account:
    """An administrator disables (or enables) an account, or removes its second factor (a lost phone)."""
    if account_id == by.id and change.disabled:
        raise DomainError("cannot_disable_self", 409)
    account = await get_account(ctx=ctx, account_id=account_id)
    if change.reset_second_factor:
        account = await reset_second_factor(ctx=ctx, account_id=account_id, act=act)
    if change.disabled is not None and change.disabled != account.disabled:
        account = await set_account_disabled(ctx=ctx, account_id=account_id, disabled=change.disabled, act=act)
    return account


async def set_account_disabled(*, ctx: Accounts, account_id: str, disabled: bool, act: Act | None = None) -> Account:
    """Disable (or enable again) an account: its sessions end, so no token is reissued to it."""
    account = await ctx.store.set_disabled(account_id, disabled)
    if account is None:
        raise NotFound("account_not_found")
    if disabled:
        await ctx.store.revoke_sessions_of(account_id, utcnow())
    await ctx.store.record_act(act, action="account.disabled" if disabled else "account.enabled",
                               object_type="account", object_id=account_id)
    return account


async def reset_second_factor(*, ctx: Accounts, account_id: str, act: Act | None = None) -> Account:
    """Remove the TOTP secret (its phone is lost); the sessions it protected end with it."""
    account = await ctx.store.clear_second_factor(account_id)
    if account is None:
        raise NotFound("account_not_found")
    await ctx.store.revoke_sessions_of(account_id, utcnow())
    await ctx.store.record_act(act, action="account.second_factor_reset", object_type="account",
                               object_id=account_id)
    return account


async def change_password(*, ctx: Accounts, account: Account, current: str, new: str,
                          keep_session: str | None) -> None:
    if not await password_matches(account.password_hash, current):
        raise DomainError("wrong_password")
    await ctx.store.set_password_hash(account.id, await hash_password(new))
    # Whoever knew the old password loses the sessions it opened.
    await ctx.store.revoke_sessions_of(account.id, utcnow(), keep=keep_session)
    await notify(ctx=ctx, account=account, kind="password_changed")


async def notify(*, ctx: Accounts, account: Account, kind: str) -> None:
    """Tell the owner that their password or second factor changed (ASVS 2.2.3): if it was not them, they
    know at once. The change stands even if the mail cannot leave now."""
    settings = ctx.settings
    message = mails.compose(settings, kind=kind, to=account.email, lang=account.language, params={
        "name": account.name, "link": f"{settings.base_url}/reset?lang={account.language}"})
    try:
        await mails.send(settings, message)
    except DomainError:
        pass  # mails.send logged it


async def set_password(*, ctx: Accounts, account_id: str, password: str) -> None:
    await ctx.store.set_password_hash(account_id, await hash_password(password))


# Teams


async def create_team(*, ctx: Accounts, data: TeamCreate, act: Act | None = None) -> Team:
    team = Team(id=f"team_{uuid.uuid4().hex[:16]}", name=data.name, scopes=data.scopes, created_at=utcnow())
    await ctx.store.insert_team(team)
    await ctx.store.record_act(act, action="team.created", object_type="team", object_id=team.id)
    return team


async def list_teams(*, ctx: Accounts, page: PageRequest) -> tuple[list[Team], int]:
    """One page of the teams by name, and how many there are in all."""
    found = await ctx.store.teams_page(skip=page.skip, limit=page.page_size)
    return found, await ctx.store.count_teams()


async def get_team(*, ctx: Accounts, team_id: str) -> Team:
    team = await ctx.store.team(team_id)
    if team is None:
        raise NotFound("team_not_found")
    return team


async def change_team(*, ctx: Accounts, team_id: str, data: TeamCreate, act: Act | None = None) -> Team:
    """Rename a team or change the scopes it grants: its members' next access tokens carry the new ones."""
    team = await ctx.store.rename_team(team_id, name=data.name, scopes=data.scopes)
    if team is None:
        raise NotFound("team_not_found")
    await ctx.store.record_act(act, action="team.changed", object_type="team", object_id=team_id)
    return team


async def add_team_member(*, ctx: Accounts, team_id: str, account_id: str | None = None, email: str | None = None,
                          act: Act | None = None) -> Team:
    """Add an account, named by its id or by its e-mail address, to a team."""
    if email is not None:
        found = await ctx.store.account_by_email(normalize_email(email))
        if found is None:
            raise NotFound("account_not_found")
        account_id = found.id
    account = await get_account(ctx=ctx, account_id=account_id or "")
    team = await ctx.store.add_member(team_id, account.id)
    if team is None:
        raise NotFound("team_not_found")
    await ctx.store.record_act(act, action="team.member_added", object_type="team", object_id=team_id)
    return team


async def remove_team_member(*, ctx: Accounts, team_id: str, account_id: str, act: Act | None = None) -> Team:
    team = await ctx.store.remove_member(team_id, account_id)
    if team is None:
        raise NotFound("team_not_found")
    await ctx.store.record_act(act, action="team.member_removed", object_type="team", object_id=team_id)
    return team
