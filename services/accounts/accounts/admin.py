"""Use cases of the administrators' screens that gather several things at once."""

from dataclasses import dataclass

from accounts.context import Accounts
from accounts.invitations import Invitation, list_invitations
from accounts.models import Account, SignInSession, Team
from accounts.service import account_scopes, get_account, get_team
from accounts.signin import sessions_of
from shared.pagination import PageRequest


@dataclass(frozen=True)
class AccountOverview:
    """One account with its teams, the scopes they add up to and its open sessions."""

    account: Account
    teams: list[Team]
    scopes: list[str]
    sessions: list[SignInSession]


async def account_overview(*, ctx: Accounts, account_id: str) -> AccountOverview:
    account = await get_account(ctx=ctx, account_id=account_id)
    teams = await ctx.store.teams_of(account_id)
    return AccountOverview(account=account, teams=teams, scopes=await account_scopes(ctx=ctx, account=account),
                           sessions=await sessions_of(ctx=ctx, account_id=account_id))


@dataclass(frozen=True)
class TeamOverview:
    team: Team
    members: list[Account]


async def team_overview(*, ctx: Accounts, team_id: str) -> TeamOverview:
    team = await get_team(ctx=ctx, team_id=team_id)
    return TeamOverview(team=team, members=await ctx.store.accounts_with_ids(team.members))


# Teams offered in the invitation form's list, by name (a list of more is no use to choose from).
TEAM_CHOICES_MAX = 500


@dataclass(frozen=True)
class InvitationBoard:
    """One page of the invitations sent (newest first, each with its state) and how many there are, the
    teams these invitations lead into (by id), and the teams one may invite into."""

    invitations: list[Invitation]
    total: int
    invited_into: dict[str, Team]
    teams: list[Team]


async def invitation_board(*, ctx: Accounts, page: PageRequest) -> InvitationBoard:
    found, total = await list_invitations(ctx=ctx, page=page)
    team_ids = sorted({i.team_id for i in found if i.team_id})
    invited_into = {t.id: t for t in await ctx.store.teams_with_ids(team_ids)}
    teams = await ctx.store.teams_page(skip=0, limit=TEAM_CHOICES_MAX)
    return InvitationBoard(invitations=found, total=total, invited_into=invited_into, teams=teams)
