"""Conferences and registrations: models and the pure rules that decide a seat."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Annotated, Any, Literal
from zoneinfo import ZoneInfo

import phonenumbers
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

import registration.texts  # noqa: F401  (registers the service's messages)
from shared.errors import refuse_null
from shared.i18n import Language, LocalizedTitle, StoredText
from shared.limits import ShortText, plain_text
from shared.regions import RegionCode
from shared.timezones import MOROCCO_TIMEZONE, Day, Moment, TimeZoneName

if TYPE_CHECKING:
    from registration.models import Registration

ConferenceKind = Literal["national_conference", "regional_consultation", "advocacy_meeting"]
# The organization type is the participant's category: quotas are set per category.
Category = Literal[
    "cooperative", "association", "mutual", "public_body", "elected_council", "professional_chamber",
    "university_research", "private_company", "international_partner", "media", "other",
]
CATEGORIES: tuple[str, ...] = Category.__args__  # type: ignore[attr-defined]
Region = Literal[RegionCode, "abroad"]
Gender = Literal["female", "male"]
AgeBand = Literal["under_25", "25_34", "35_44", "45_54", "55_64", "65_plus"]
Status = Literal["pending", "confirmed", "waitlisted", "cancelled", "rejected"]
# Statuses that hold a seat: a pending registration keeps its seat while organizers decide,
# so approving it can never exceed the capacity.
SEAT_HOLDING = ("pending", "confirmed")

EDITION_MAX = 1000
SEATS_MAX = 1_000_000
Seats = Annotated[int, Field(ge=0, le=SEATS_MAX)]
PHONE_MAX = 40

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _one_line(value: str) -> str:
    """Names go on badges and into mails: runs of spaces and line breaks become one space; other
    control characters are refused."""
    return plain_text(" ".join(value.split()))


def _plain_or_none(value: str | None) -> str | None:
    return None if value is None else plain_text(value)


def normalize_email(email: str) -> str:
    return email.strip().casefold()


def normalize_phone(raw: str) -> str:
    """E.164 form of a Moroccan (06..., 05..., 07...) or international (+...) number."""
    try:
        number = phonenumbers.parse(raw.strip(), "MA")
    except phonenumbers.NumberParseException as exc:
        raise ValueError("field_bad_phone") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError("field_bad_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _check_email(value: str) -> str:
    value = value.strip()
    if not EMAIL.match(value) or len(value) > 254:
        raise ValueError("field_bad_email")
    return value


# Conferences


class ConferenceFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: ConferenceKind
    edition: int | None = Field(default=None, ge=1, le=EDITION_MAX)
    title: LocalizedTitle
    slogan: LocalizedTitle | None = None
    venue: Annotated[ShortText, Field(min_length=1)]
    city: Annotated[ShortText, Field(min_length=1, max_length=100)]
    region: RegionCode
    starts_on: Day
    ends_on: Day
    timezone: TimeZoneName = MOROCCO_TIMEZONE
    capacity: int = Field(ge=1, le=SEATS_MAX)
    quotas: dict[Category, Seats] = Field(default_factory=dict)
    registration_opens_at: Moment | None = None
    registration_closes_at: Moment | None = None
    requires_approval: bool = False

    @model_validator(mode="after")
    def _dates_in_order(self) -> "ConferenceFields":
        if self.ends_on < self.starts_on:
            raise ValueError("dates_out_of_order")
        opens, closes = self.registration_opens_at, self.registration_closes_at
        if opens and closes and closes < opens:
            raise ValueError("dates_out_of_order")
        if any(q < 0 for q in self.quotas.values()):
            raise ValueError("field_out_of_range")
        return self


class ConferenceCreate(ConferenceFields):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "id": "ess-national-7", "kind": "national_conference", "edition": 7,
        "title": {"ar": "الدورة السابعة للمناظرة الوطنية", "fr": "7e édition des Assises nationales de l'ESS",
                  "en": "7th National ESS Conference"},
        "venue": "Palais des congrès", "city": "Skhirat", "region": "rabat-sale-kenitra",
        "starts_on": "2029-06-20", "ends_on": "2029-06-21", "capacity": 1500,
        "quotas": {"cooperative": 600, "media": 50}, "requires_approval": False}]})

    id: str | None = Field(default=None, max_length=63)

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str | None) -> str | None:
        if value is not None and not SLUG.match(value):
            raise ValueError("field_bad_slug")
        return value


class ConferenceUpdate(BaseModel):
    """Fields to change; the ones left out keep their value."""

    model_config = ConfigDict(extra="forbid")

    kind: ConferenceKind | None = None
    edition: int | None = Field(default=None, ge=1, le=EDITION_MAX)
    title: LocalizedTitle | None = None
    slogan: LocalizedTitle | None = None
    venue: Annotated[ShortText, Field(min_length=1)] | None = None
    city: Annotated[ShortText, Field(min_length=1, max_length=100)] | None = None
    region: RegionCode | None = None
    starts_on: Day | None = None
    ends_on: Day | None = None
    timezone: TimeZoneName | None = None
    capacity: int | None = Field(default=None, ge=1, le=SEATS_MAX)
    quotas: dict[Category, Seats] | None = None
    registration_opens_at: Moment | None = None
    registration_closes_at: Moment | None = None
    requires_approval: bool | None = None

    # Left out keeps the value; null would erase what every conference has.
    _not_null = field_validator("kind", "title", "venue", "city", "region", "starts_on", "ends_on", "timezone",
                                "capacity", "quotas", "requires_approval")(refuse_null)


class ConferencePublic(ConferenceFields):
    # Read back as stored: a conference stored before a limit existed still lists (the
    # wider types are the point, hence the ignores).
    title: StoredText  # type: ignore[assignment]
    slogan: StoredText | None = None  # type: ignore[assignment]
    venue: str
    city: str
    registration_opens_at: datetime | None = None
    registration_closes_at: datetime | None = None
    id: str
    seats_left: int
    registration_open: bool


# Registrations


class ParticipantDetails(BaseModel):
    """What a participant may change after registering (category and e-mail stay fixed)."""

    model_config = ConfigDict(extra="forbid")

    full_name: str | None = Field(default=None, min_length=2, max_length=150)
    phone: str | None = Field(default=None, max_length=PHONE_MAX)
    organization_name: str | None = Field(default=None, min_length=1, max_length=200)
    region: Region | None = None
    gender: Gender | None = None
    age_band: AgeBand | None = None
    language: Language | None = None
    accessibility_needs: str | None = Field(default=None, max_length=1000)
    _needs_text = field_validator("accessibility_needs")(_plain_or_none)

    # Left out keeps the value; null may only clear what registering left optional.
    _not_null = field_validator("full_name", "phone", "organization_name", "region", "language")(refuse_null)

    @field_validator("full_name", "organization_name")
    @classmethod
    def _trim(cls, value: str | None) -> str | None:
        return None if value is None else _one_line(value)

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return None if value is None else normalize_phone(value)


class RegistrationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "full_name": "Amina Alaoui", "email": "amina@example.ma", "phone": "06 12 34 56 78",
        "organization_name": "Coopérative Tifawin", "organization_type": "cooperative", "region": "souss-massa",
        "gender": "female", "age_band": "35_44", "language": "ar", "accessibility_needs": None, "consent": True}]})

    full_name: str = Field(min_length=2, max_length=150)
    email: str = Field(max_length=254)
    phone: str = Field(max_length=PHONE_MAX)
    organization_name: str = Field(min_length=1, max_length=200)
    organization_type: Category
    region: Region
    gender: Gender | None = None
    age_band: AgeBand | None = None
    language: Language = "fr"
    accessibility_needs: str | None = Field(default=None, max_length=1000)
    _needs_text = field_validator("accessibility_needs")(_plain_or_none)
    consent: bool

    _email = field_validator("email")(_check_email)

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        return normalize_phone(value)

    @field_validator("full_name", "organization_name")
    @classmethod
    def _trim(cls, value: str) -> str:
        return _one_line(value)

    @field_validator("consent")
    @classmethod
    def _consent_given(cls, value: bool) -> bool:
        if value is not True:
            raise ValueError("consent_required")
        return value


class RegistrationPublic(BaseModel):
    """A registration as its participant (with the token) and organizers see it."""

    id: str
    conference_id: str
    number: int
    status: Status
    full_name: str | None
    email: str | None
    phone: str | None
    organization_name: str | None
    organization_type: Category
    region: Region
    gender: Gender | None
    age_band: AgeBand | None
    language: Language
    accessibility_needs: str | None
    consent_at: datetime | None
    registered_at: datetime
    checked_in_at: datetime | None
    erased: bool
    decision_reason: str | None = None


REASON_MAX = 1000


class Decision(BaseModel):
    """An organizer's decision on a pending registration: the reason goes into the participant's mail."""

    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, Field(min_length=1, max_length=REASON_MAX)] | None = None

    @field_validator("reason", mode="before")
    @classmethod
    def _trim_reason(cls, value: object) -> object:
        # Blank (a form's empty field) is no reason; spaces around one are dropped before its length counts.
        if isinstance(value, str):
            return value.strip() or None
        return value


class RegistrationCreated(BaseModel):
    registration: RegistrationPublic
    manage_token: str


class RegistrationPage(BaseModel):
    items: list[RegistrationPublic]
    total: int
    page: int
    page_size: int


def registration_public(reg: "Registration") -> RegistrationPublic:
    return RegistrationPublic.model_validate({
        **reg.model_dump(include=set(RegistrationPublic.model_fields)), "organization_type": reg.category,
        "erased": reg.erased_at is not None})


# Pure rules


def has_seat(conference: dict[str, Any], category: str) -> bool:
    """Is there a seat left overall and in ``category``'s quota (if it has one)?"""
    if conference.get("taken", 0) >= conference["capacity"]:
        return False
    quota = conference.get("quotas", {}).get(category)
    return quota is None or conference.get("taken_by_category", {}).get(category, 0) < quota


def seats_left(conference: dict[str, Any]) -> int:
    return max(0, int(conference["capacity"]) - int(conference.get("taken", 0)))


def conference_end(conference: dict[str, Any]) -> datetime:
    """The moment the conference is over: midnight after its last day, in its own time zone."""
    last_day = date.fromisoformat(str(conference["ends_on"]))
    zone = ZoneInfo(conference.get("timezone") or MOROCCO_TIMEZONE)
    return datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=zone)


def registration_window(conference: dict[str, Any], now: datetime) -> str | None:
    """The refusal code if registering is not possible at ``now``, else None.

    Registration closes at ``registration_closes_at`` or when the conference ends,
    whichever comes first: a seat at a conference that is over is worth nothing.
    """
    opens, closes = conference.get("registration_opens_at"), conference.get("registration_closes_at")
    if opens is not None and now < opens:
        return "registration_not_open"
    if (closes is not None and now > closes) or now >= conference_end(conference):
        return "registration_closed"
    return None


def status_on_arrival(conference: dict[str, Any], category: str) -> Status:
    if not has_seat(conference, category):
        return "waitlisted"
    return "pending" if conference.get("requires_approval") else "confirmed"


ARRIVAL_STATUSES = frozenset({"pending", "confirmed", "waitlisted"})


@dataclass(frozen=True)
class Arrival:
    """A registration request, decided with the others for the same conference that arrived meanwhile."""

    data: RegistrationCreate
    email_normalized: str
    registration_id: str
    nonce: str
    at: datetime
    # The request's, for its message: the batch is written outside the request's context.
    correlation_id: str | None = None


def decide_arrivals(conference: dict[str, Any], arrivals: Sequence[Arrival], emails_taken: set[str]) -> list[str]:
    """Each arrival's status (one of ``ARRIVAL_STATUSES``) or refusal code, in arrival order.

    Seats go first come, first served, exactly as if the arrivals came one by one: each
    decision counts the seats the earlier ones took, and an e-mail already registered
    (``emails_taken``) or used by an earlier arrival of the same batch is refused.
    """
    counters = {**conference, "taken": conference.get("taken", 0),
                "taken_by_category": dict(conference.get("taken_by_category") or {})}
    seen = set(emails_taken)
    decisions: list[str] = []
    for arrival in arrivals:
        refusal = registration_window(counters, arrival.at)
        if refusal is None and arrival.email_normalized in seen:
            refusal = "already_registered"
        if refusal is not None:
            decisions.append(refusal)
            continue
        seen.add(arrival.email_normalized)
        category = arrival.data.organization_type
        status = status_on_arrival(counters, category)
        if status in SEAT_HOLDING:
            counters["taken"] += 1
            counters["taken_by_category"][category] = counters["taken_by_category"].get(category, 0) + 1
        decisions.append(status)
    return decisions


CHECKIN_REFUSALS = {
    "cancelled": "checkin_refused_cancelled",
    "waitlisted": "checkin_refused_waitlisted",
    "pending": "checkin_refused_pending",
    "rejected": "checkin_refused_rejected",
}
