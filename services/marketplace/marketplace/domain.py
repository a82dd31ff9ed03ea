"""Models of cooperatives, markets, applications, passes, check-ins and sales; pure rules."""

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

import marketplace.messages  # noqa: F401 - registers the service's texts
from shared.errors import refuse_null
from shared.i18n import Language, LocalizedName, LocalizedText, LocalizedTitle, StoredText
from shared.limits import Ref, ShortText, single_line
from shared.regions import RegionCode
from shared.timezones import MOROCCO_TIMEZONE, Day, Moment

# Opening days are calendar days in Morocco: a scan at 23:30 UTC in summer is already
# the next day in Casablanca.
MARKET_TZ = ZoneInfo(MOROCCO_TIMEZONE)

Sector = Literal[
    "agrifood", "argan_oils", "cosmetics", "textiles_carpets", "crafts", "honey", "dates",
    "couscous_cereals", "other",
]
# Products are categorised with the same vocabulary as the sectors, so sales by
# category and by sector can be read side by side.
ProductCategory = Sector
MarketKind = Literal["mobile_market", "regional_fair", "national_fair"]
ApplicationStatus = Literal["submitted", "accepted", "waitlisted", "rejected", "withdrawn"]

# National register number of a cooperative, as written on its registration
# certificate at the cooperatives' register kept with the ODCo: the sequential
# number, 1 to 7 digits without a leading zero, optionally preceded by the
# 2-4 letter code of the local register (city) that recorded it and a dash:
# "104587", "AGA-21457" (Agadir), "OUJ-982". Spaces are dropped and letters
# upper-cased before checking ("aga - 21457" is stored as "AGA-21457"); the dash is
# required, so a mistyped "AGA21457" is refused instead of becoming a second
# cooperative beside "AGA-21457". The number is unique across the platform.
REGISTER_NUMBER = re.compile(r"^(?:[A-Z]{2,4}-)?[1-9][0-9]{0,6}$")
PHONE = re.compile(r"^(?:\+212|0)[5-8][0-9]{8}$")


def normalize_register_number(value: str) -> str:
    cleaned = re.sub(r"\s+", "", value).upper()
    if not REGISTER_NUMBER.match(cleaned):
        raise ValueError("invalid_register_number")
    return cleaned


def _phone(value: str) -> str:
    cleaned = re.sub(r"[\s.\-]", "", value)
    if not PHONE.match(cleaned):
        raise ValueError("invalid_phone")
    return cleaned


def _url(value: str) -> str:
    if not re.match(r"^https?://[^\s]+$", value):
        raise ValueError("invalid_url")
    return value


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("datetime_needs_timezone")
    return to_millis(value.astimezone(UTC))


RegisterNumber = Annotated[str, StringConstraints(max_length=60), AfterValidator(normalize_register_number)]
Phone = Annotated[str, StringConstraints(max_length=40), AfterValidator(_phone)]
Url = Annotated[str, Field(max_length=500), AfterValidator(_url)]
AwareDatetime = Annotated[Moment, AfterValidator(_aware)]
Name = Annotated[str, Field(min_length=2, max_length=120), AfterValidator(single_line)]
Money = Annotated[float, Field(ge=0, le=100_000_000, allow_inf_nan=False)]


def market_day(moment: datetime) -> date:
    """The opening day a moment falls on, in Morocco's time."""
    return moment.astimezone(MARKET_TZ).date()


def to_millis(moment: datetime) -> datetime:
    """MongoDB keeps milliseconds: cut there so what we answer is what we stored."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


# ---- cooperatives -------------------------------------------------------------------

class Contact(BaseModel):
    model_config = ConfigDict(extra="forbid")

    representative: Name | None = None
    phone: Phone | None = None
    email: Annotated[str, Field(max_length=200, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] | None = None


class ProductCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: LocalizedName
    category: ProductCategory
    unit_price_mad: Annotated[float, Field(gt=0, le=1_000_000)]
    photo_url: Url | None = None


class ProductPublic(ProductCreate):
    product_id: str


class CooperativeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: LocalizedName
    register_number: RegisterNumber
    region: RegionCode
    province: Name
    sector: Sector
    members: Annotated[int, Field(ge=1, le=100_000)]
    women_led: bool = False
    youth_led: bool = False
    contact: Contact | None = None
    products: Annotated[list[ProductCreate], Field(max_length=100)] = []
    # Participation before the platform existed, so recency priority is fair from day one.
    last_exhibited_on: Day | None = None


# Fields that weigh in stand allocation or identify the cooperative: organizers only.
ORGANIZER_ONLY_FIELDS = ("register_number", "region", "sector", "women_led", "youth_led", "last_exhibited_on")


class CooperativeUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: LocalizedName | None = None
    province: Name | None = None
    members: Annotated[int, Field(ge=1, le=100_000)] | None = None
    contact: Contact | None = None
    register_number: RegisterNumber | None = None
    region: RegionCode | None = None
    sector: Sector | None = None
    women_led: bool | None = None
    youth_led: bool | None = None
    last_exhibited_on: Day | None = None

    # Left out keeps the value; null may only clear the contact or the last market date.
    _not_null = field_validator("name", "province", "members", "register_number", "region", "sector", "women_led",
                                "youth_led")(refuse_null)


class CooperativePublic(BaseModel):
    id: str
    name: StoredText
    register_number: str
    region: str
    province: str
    sector: str
    members: int
    women_led: bool
    youth_led: bool
    contact: Contact | None = None
    products: list[ProductPublic] = []
    last_exhibited_on: date | None = None
    created_at: datetime


class InvitationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ttl_hours: Annotated[float, Field(gt=0, le=24 * 30)] | None = None
    # The language of the mail and of the page its link opens.
    language: Language | None = None


class InvitationPublic(BaseModel):
    invitation_id: str
    cooperative_id: str
    token: str
    accept_url: str
    expires_at: datetime
    # False when the cooperative has no contact e-mail: the organizer passes the link on.
    mailed: bool = False


class InvitationState(BaseModel):
    """An invitation as its cooperative's organizers follow it; the link itself is never kept."""

    invitation_id: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    state: Literal["pending", "used", "expired"]


class ExhibitorToken(BaseModel):
    access_token: str
    token_type: str = "Bearer"
    cooperative_id: str
    expires_in: int


# ---- markets ------------------------------------------------------------------------

class Stand(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: Annotated[int, Field(ge=1, le=9999)]
    zone: Annotated[str, Field(min_length=1, max_length=40), AfterValidator(single_line)]
    size: Annotated[str, Field(max_length=9, pattern=r"^[0-9]{1,2}(\.[0-9])?x[0-9]{1,2}(\.[0-9])?$")] = "3x3"


class SelectionRules(BaseModel):
    """How stands are shared out; see allocation.py for how each rule applies."""

    model_config = ConfigDict(extra="forbid")

    region_quotas: dict[RegionCode, Annotated[int, Field(ge=0, le=9999)]] = {}
    sector_quotas: dict[Sector, Annotated[int, Field(ge=0, le=9999)]] = {}
    reserved_share: Annotated[float, Field(ge=0, le=1)] = 0.0
    recency_priority: bool = True


class MarketCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: MarketKind
    name: LocalizedTitle
    city: Name
    region: RegionCode
    venue: Annotated[ShortText, Field(min_length=2)]
    days: Annotated[list[Day], Field(min_length=1, max_length=60)]
    application_opens_at: AwareDatetime
    application_closes_at: AwareDatetime
    circuit: Annotated[str, Field(max_length=61, pattern=r"^[a-z0-9][a-z0-9-]{1,60}$")] | None = None
    stands: Annotated[list[Stand], Field(min_length=1, max_length=2000)]
    rules: SelectionRules = SelectionRules()

    @field_validator("days")
    @classmethod
    def _distinct_days(cls, days: list[date]) -> list[date]:
        if len(set(days)) != len(days):
            raise ValueError("duplicate_days")
        return sorted(days)

    @field_validator("stands")
    @classmethod
    def _distinct_stands(cls, stands: list[Stand]) -> list[Stand]:
        if len({s.number for s in stands}) != len(stands):
            raise ValueError("duplicate_stands")
        return sorted(stands, key=lambda s: s.number)

    @model_validator(mode="after")
    def _window(self) -> "MarketCreate":
        if self.application_opens_at >= self.application_closes_at:
            raise ValueError("window_order")
        return self


class MarketPublic(MarketCreate):
    # Read back as stored: a market stored before a limit existed still lists (the wider
    # type is the point, hence the ignore).
    name: StoredText  # type: ignore[assignment]
    venue: str
    application_opens_at: datetime
    application_closes_at: datetime
    id: str
    stand_count: int
    created_at: datetime


# ---- applications -------------------------------------------------------------------

class ApplicationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    market_ids: Annotated[list[Annotated[str, Field(min_length=1, max_length=80)]],
                          Field(min_length=1, max_length=20)]
    cooperative_id: Ref | None = None
    note: Annotated[str, Field(max_length=1000)] | None = None

    @field_validator("market_ids")
    @classmethod
    def _distinct_markets(cls, ids: list[str]) -> list[str]:
        if len(set(ids)) != len(ids):
            raise ValueError("duplicate_markets")
        return ids


class AcceptRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    stand_number: Annotated[int, Field(ge=1, le=9999)] | None = None
    note: Annotated[str, Field(max_length=300)] | None = None


class RejectRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: LocalizedText


class Decision(BaseModel):
    code: str
    params: dict[str, Any] = {}
    manual: bool = False
    explanation: str = ""


class ApplicationPublic(BaseModel):
    id: str
    submission_id: str
    market_id: str
    cooperative_id: str
    status: ApplicationStatus
    note: str | None = None
    submitted_at: datetime
    decided_at: datetime | None = None
    stand_number: int | None = None
    pass_id: str | None = None
    decision: Decision | None = None
    rejection_reason: StoredText | None = None


class AllocationResult(BaseModel):
    market_id: str
    accepted: list[ApplicationPublic]
    waitlisted: list[ApplicationPublic]


class WithdrawalResult(BaseModel):
    application: ApplicationPublic
    promoted: list[ApplicationPublic]


class StandPublic(Stand):
    cooperative_id: str | None = None
    application_id: str | None = None
    decision: Decision | None = None


# ---- passes and check-in ------------------------------------------------------------

class PassPublic(BaseModel):
    pass_id: str
    market_id: str
    cooperative_id: str
    stand_number: int
    token: str
    png_url: str
    svg_url: str


class ScanRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: Annotated[str, Field(min_length=1, max_length=2000)]
    device_id: Annotated[str, Field(min_length=1, max_length=80)] | None = None


class OfflineScan(BaseModel):
    model_config = ConfigDict(extra="forbid")

    nonce: Annotated[str, Field(min_length=1, max_length=80)]
    token: Annotated[str, Field(min_length=1, max_length=2000)]
    scanned_at: AwareDatetime
    # Set by a scanner that decided at the gate from its snapshot: what it did and with which snapshot.
    decided_offline: bool = False
    offline_verdict: Literal["admitted", "refused"] | None = None
    snapshot_version: Annotated[str | None, Field(min_length=1, max_length=40)] = None


class ScanBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    device_id: Annotated[str, Field(min_length=1, max_length=80)]
    scans: Annotated[list[OfflineScan], Field(min_length=1, max_length=1000)]


class CheckinPublic(BaseModel):
    pass_id: str
    market_id: str
    cooperative_id: str
    stand_number: int
    day: date
    checked_in_at: datetime
    device_id: str | None = None
    # For the person at the gate: the scanner shows whom it let in.
    cooperative_name: StoredText | None = None


class ScanOutcome(BaseModel):
    """One offline scan's fate: ``checked_in``, ``already_checked_in`` (a conflict:
    another scan got there first) or ``refused`` (``code`` says why)."""

    nonce: str
    status: Literal["checked_in", "already_checked_in", "refused"]
    code: str | None = None
    message: str | None = None
    pass_id: str | None = None
    cooperative_id: str | None = None
    day: date | None = None
    checked_in_at: datetime | None = None
    first_device_id: str | None = None
    cooperative_name: StoredText | None = None


class BatchResult(BaseModel):
    device_id: str
    checked_in: int
    conflicts: int
    refused: int
    results: list[ScanOutcome]


class AbsentExhibitor(BaseModel):
    cooperative_id: str
    name: StoredText
    stand_number: int


class DayAttendance(BaseModel):
    day: date
    expected: int
    checked_in: int
    upcoming: bool
    no_shows: list[AbsentExhibitor]


class Attendance(BaseModel):
    market_id: str
    days: list[DayAttendance]
    # Offline gate decisions the server disagrees with, each pass, day and kind once.
    offline_conflicts: int = 0


# ---- sales --------------------------------------------------------------------------

class SaleItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_id: Annotated[str, Field(max_length=80)] | None = None
    label: Annotated[str, Field(max_length=120)] | None = None
    quantity: Annotated[float, Field(gt=0, le=1_000_000, allow_inf_nan=False)]
    amount_mad: Money


class SalesDeclare(BaseModel):
    model_config = ConfigDict(extra="forbid")

    by_category: dict[ProductCategory, Money]
    items: Annotated[list[SaleItem], Field(max_length=500)] = []
    cooperative_id: Ref | None = None

    @field_validator("by_category")
    @classmethod
    def _some_category(cls, value: dict[str, float]) -> dict[str, float]:
        if not value:
            raise ValueError("sales_must_be_positive")
        return {k: round(v, 2) for k, v in value.items()}


class SalesPublic(BaseModel):
    declaration_id: str
    market_id: str
    cooperative_id: str
    day: date
    amount_mad: float
    by_category: dict[str, float]
    items: list[SaleItem] = []
    declared_at: datetime
    corrections: int = 0
