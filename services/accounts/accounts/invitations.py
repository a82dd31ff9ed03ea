"""Invitations and password resets: a one-time link mailed in the person's language."""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from accounts import mails
from accounts.context import Accounts
from accounts.domain import AccountCreate, normalize_email
from accounts.models import Account, Link
from accounts.service import create_account, digest, get_account, notify, set_password
from accounts.signin import SignInStep, after_password
from shared.audit import Act
from shared.documents import utcnow
from shared.errors import Conflict, DomainError, NotFound
from shared.pagination import PageRequest

INVITATION_SECONDS = 7 * 24 * 3600
RESET_SECONDS = 3600
LinkKind = Literal["invitation", "reset"]
InvitationState = Literal["pending", "used", "expired", "withdrawn"]


async def _mail_link(ctx: Accounts, account: Account, kind: LinkKind, seconds: int, path: str, *,
                     team_id: str | None = None, invited_by: str | None = None) -> Link:
    settings, now = ctx.settings, utcnow()
    token = secrets.token_urlsafe(32)
    await ctx.store.retire_links(account.id, kind, now)
    link = Link(id=digest(token), kind=kind, account_id=account.id, created_at=now,
                expires_at=now + timedelta(seconds=seconds), team_id=team_id, language=account.language,
                invited_by=invited_by)
    await ctx.store.insert_link(link)
    lang = account.language
    url = f"{settings.base_url}{path}?token={token}&lang={lang}"
    await mails.send(settings, mails.compose(settings, kind=kind, to=account.email, lang=lang, params={
        "name": account.name, "link": url, "days": seconds // 86400, "minutes": seconds // 60}))
    return link


async def invite(*, ctx: Accounts, data: AccountCreate, team_id: str | None,
                 act: Act | None = None) -> tuple[Account, Link]:
    """Create the account (or find it, not yet activated), add it to the team, and mail the invitation."""
    if team_id is not None and await ctx.store.team(team_id) is None:
        raise NotFound("team_not_found")
    account = await ctx.store.account_by_email(normalize_email(data.email))
    if account is None:
        account = await create_account(ctx=ctx, data=data, act=act)
    elif account.password_hash:
        raise Conflict("account_exists")
    if team_id is not None:
        await ctx.store.add_member(team_id, account.id)
    link = await _mail_link(ctx, account, "invitation", INVITATION_SECONDS, "/invitation", team_id=team_id,
                            invited_by=act.actor_sub if act else None)
    await ctx.store.record_act(act, action="invitation.sent", object_type="account", object_id=account.id)
    return account, link


@dataclass(frozen=True)
class Invitation:
    """An invitation as administrators see it: whom, into which team, and where it stands."""

    id: str
    account: Account | None
    team_id: str | None
    language: str
    created_at: datetime
    expires_at: datetime
    state: InvitationState


def state_of(link: Link, now: datetime) -> InvitationState:
    if link.used_at is not None:
        return "used"
    if link.withdrawn_at is not None:
        return "withdrawn"
    return "pending" if link.expires_at > now else "expired"


def _invitation(link: Link, account: Account | None, now: datetime) -> Invitation:
    language = link.language or (account.language if account else "fr")
    return Invitation(id=link.id, account=account, team_id=link.team_id, language=language,
                      created_at=link.created_at, expires_at=link.expires_at, state=state_of(link, now))


async def list_invitations(*, ctx: Accounts, page: PageRequest) -> tuple[list[Invitation], int]:
    """One page of the invitations sent, newest first, each with its state; and how many there are in all."""
    links = await ctx.store.links_page("invitation", skip=page.skip, limit=page.page_size)
    people = {a.id: a for a in await ctx.store.accounts_with_ids(sorted({link.account_id for link in links}))}
    now = utcnow()
    found = [_invitation(link, people.get(link.account_id), now) for link in links]
    return found, await ctx.store.count_links("invitation")


async def resend_invitation(*, ctx: Accounts, invitation_id: str, act: Act | None = None) -> tuple[Account, Link]:
    """Mail a new link to a person who has not accepted yet; the older link stops working."""
    link = await ctx.store.link(invitation_id, "invitation")
    account = await ctx.store.account(link.account_id) if link is not None else None
    if link is None or account is None:
        raise NotFound("account_invitation_not_found")
    if account.password_hash or link.used_at is not None:
        raise Conflict("account_invitation_closed")
    new = await _mail_link(ctx, account, "invitation", INVITATION_SECONDS, "/invitation", team_id=link.team_id,
                           invited_by=act.actor_sub if act else link.invited_by)
    await ctx.store.record_act(act, action="invitation.resent", object_type="account", object_id=account.id)
    return account, new


async def withdraw_invitation(*, ctx: Accounts, invitation_id: str, act: Act | None = None) -> None:
    """Withdraw an invitation not used yet: its link stops working."""
    link = await ctx.store.withdraw_link(invitation_id, "invitation", utcnow())
    if link is None:
        found = await ctx.store.link(invitation_id, "invitation")
        if found is None:
            raise NotFound("account_invitation_not_found")
        raise Conflict("account_invitation_closed")
    await ctx.store.record_act(act, action="invitation.withdrawn", object_type="account", object_id=link.account_id)


async def request_password_reset(*, ctx: Accounts, email: str) -> None:
    """Mail a reset link if an active account has this address; say nothing either way."""
    account = await ctx.store.account_by_email(normalize_email(email))
    if account is None or account.disabled or not account.password_hash:
        return
    await _mail_link(ctx, account, "reset", RESET_SECONDS, "/reset/password")


async def link_account(*, ctx: Accounts, token: str, kind: LinkKind) -> Account:
    link = await ctx.store.live_link(digest(token), kind, utcnow()) if token else None
    account = link and await ctx.store.account(link.account_id)
    if not account or account.disabled:
        raise DomainError("link_invalid")
    return account


async def set_password_from_link(*, ctx: Accounts, token: str, kind: LinkKind, password: str,
                                 user_agent: str) -> SignInStep:
    """Accept an invitation or a reset: the password is set, older sessions end, the lock is lifted; then
    on to the second factor if the account needs one, else signed in."""
    await link_account(ctx=ctx, token=token, kind=kind)
    link = await ctx.store.use_link(digest(token), kind, utcnow())
    if link is None:
        raise DomainError("link_invalid")
    await set_password(ctx=ctx, account_id=link.account_id, password=password)
    await ctx.store.revoke_sessions_of(link.account_id, utcnow())
    await ctx.store.clear_failed_sign_ins(link.account_id)
    account = await get_account(ctx=ctx, account_id=link.account_id)
    if kind == "reset":
        await notify(ctx=ctx, account=account, kind="password_changed")
    return await after_password(ctx=ctx, account=account, user_agent=user_agent)
