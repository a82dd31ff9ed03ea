"""Accounts, teams and the scopes they grant, as pure rules and pydantic models.

A scope names one right on one thing (see the token contract in docs/SECURITY.md):
``organizer:conference:<id>``, ``organizer:market:<id>``, ``organizer:recommendations``,
``reviewer:recommendations``, ``staff:conference:<id>``, ``staff:market:<id>``,
``exhibitor:cooperative:<id>``. ``admin`` (every right everywhere) is never granted by a
team: it is a mark on the account of a ministry platform administrator.
"""

import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from accounts.models import Account, SignInSession, Team
from shared.i18n import Language

ADMIN = "admin"
_ID = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,79}"
SCOPE_PATTERN = re.compile(
    rf"^(organizer:(conference|market):{_ID}|organizer:recommendations|reviewer:recommendations"
    rf"|staff:(conference|market):{_ID}|exhibitor:cooperative:{_ID})$"
)
# Passwords: at least 12 characters, long passphrases allowed, nothing else imposed (ASVS 2.1.1-2.1.9).
PASSWORD_MIN = 12
PASSWORD_MAX = 128

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Password = Annotated[str, Field(min_length=PASSWORD_MIN, max_length=PASSWORD_MAX)]
Scope = Annotated[str, StringConstraints(max_length=120)]


EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalize_email(email: str) -> str:
    return email.strip().casefold()


def check_email(value: str) -> str:
    value = value.strip()
    if not EMAIL.match(value) or len(value) > 254:
        raise ValueError("field_bad_email")
    return value


# What a team may grant, as the console shows it (the pattern above, in words).
SCOPE_FORMS = ("organizer:conference:<id>", "organizer:market:<id>", "organizer:recommendations",
               "reviewer:recommendations", "staff:conference:<id>", "staff:market:<id>", "exhibitor:cooperative:<id>")


def scopes_in(text: str) -> list[str]:
    """The scopes typed in a form: one per line (or separated by spaces or commas)."""
    return [part for part in re.split(r"[\s,]+", text) if part]


def valid_scope(scope: str) -> bool:
    return bool(SCOPE_PATTERN.match(scope))


def roles_of(scopes: list[str]) -> list[str]:
    """The roles a token keeps for older readers: the first word of each scope."""
    return sorted({scope.split(":", 1)[0] for scope in scopes})


def scopes_of(*, admin: bool, team_scopes: list[list[str]]) -> list[str]:
    found = {scope for scopes in team_scopes for scope in scopes}
    return sorted(found | {ADMIN}) if admin else sorted(found)


def needs_second_factor(scopes: list[str]) -> bool:
    """Organizers of a conference or a market, and administrators, see personal data: TOTP is required."""
    return any(s == ADMIN or s.startswith(("organizer:conference:", "organizer:market:")) for s in scopes)


def staff_scopes_grantable(scopes: list[str]) -> list[str]:
    """Gate scopes an organizer may hand to a scanner: those of the conferences and markets they organize."""
    granted = []
    for scope in scopes:
        for kind in ("conference", "market"):
            prefix = f"organizer:{kind}:"
            if scope.startswith(prefix):
                granted.append(f"staff:{kind}:{scope[len(prefix):]}")
    return sorted(granted)


def can_grant_staff(scopes: list[str], staff_scope: str) -> bool:
    if not staff_scope.startswith("staff:") or not valid_scope(staff_scope):
        return False
    return ADMIN in scopes or staff_scope in staff_scopes_grantable(scopes)


class AccountCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(max_length=254)
    name: Name
    language: Language = "fr"
    admin: bool = False

    _email = field_validator("email")(check_email)


class AccountPublic(BaseModel):
    id: str
    email: str
    name: str
    language: str
    admin: bool
    disabled: bool
    totp_enabled: bool
    created_at: datetime
    last_sign_in_at: datetime | None = None


class TeamCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    scopes: list[Scope] = Field(min_length=1, max_length=50)

    @field_validator("scopes")
    @classmethod
    def _known_scopes(cls, value: list[str]) -> list[str]:
        if not all(valid_scope(scope) for scope in value):
            raise ValueError("unknown_scope")
        return sorted(set(value))


class TeamPublic(BaseModel):
    id: str
    name: str
    scopes: list[str]
    members: list[str]
    created_at: datetime


class MemberAdd(BaseModel):
    """The account to add to a team: by its id, or by its e-mail address."""

    model_config = ConfigDict(extra="forbid")

    account_id: str | None = Field(default=None, min_length=1, max_length=80)
    email: str | None = Field(default=None, max_length=254)

    @field_validator("email")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        return None if value is None else check_email(value)

    @model_validator(mode="after")
    def _one_of_them(self) -> "MemberAdd":
        if (self.account_id is None) == (self.email is None):
            raise ValueError("member_id_or_email")
        return self


class InvitationCreate(AccountCreate):
    team_id: str | None = Field(default=None, max_length=80)


class AccountChange(BaseModel):
    """An administrator's change: disable (or enable) the account, or remove its second factor so that its
    owner, who lost the phone, enrols a new one at the next sign-in."""

    model_config = ConfigDict(extra="forbid")

    disabled: bool | None = None
    reset_second_factor: bool = False


class SessionPublic(BaseModel):
    id: str
    kind: Literal["browser", "device"]
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    user_agent: str
    scopes: list[str]


class AccountDetail(BaseModel):
    """One account as an administrator opens it: its teams, the scopes they add up to, its open sessions."""

    account: AccountPublic
    teams: list[TeamPublic]
    scopes: list[str]
    sessions: list[SessionPublic]


class InvitationPublic(BaseModel):
    id: str
    account_id: str | None
    email: str | None
    name: str | None
    team_id: str | None
    language: str
    created_at: datetime
    expires_at: datetime
    state: Literal["pending", "used", "expired", "withdrawn"]


def account_public(account: Account) -> AccountPublic:
    return AccountPublic.model_validate(account.model_dump())


def team_public(team: Team) -> TeamPublic:
    return TeamPublic.model_validate(team.model_dump())


def session_public(session: SignInSession) -> SessionPublic:
    return SessionPublic.model_validate({**session.model_dump(), "scopes": session.scopes or []})
