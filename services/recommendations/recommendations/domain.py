"""Recommendations, their history and the pure rules of progress.

The stored state of a recommendation is a projection of its history: every change
is an immutable record carrying the fields it sets (``set``), and ``apply`` folds a
record into the state. The service uses ``apply`` to update the projection in the
same transaction as the record it appends, and ``replay`` to rebuild any past state,
so the two can never disagree.
"""

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

import recommendations.texts  # noqa: F401  (registers the service's messages)
from recommendations.catalogue import AXES, BODIES
from shared.documents import utcnow
from shared.errors import DomainError
from shared.i18n import LocalizedText, LocalizedTitle, StoredText
from shared.limits import REF_MAX
from shared.timezones import Day, plausible_day, plausible_moment

Status = Literal["not_started", "limited", "substantial", "complete", "withdrawn"]
STATUSES: tuple[str, ...] = Status.__args__  # type: ignore[attr-defined]
Theme = Literal[
    "promote_products", "market_access", "organise_actors", "enabling_environment", "local_initiatives",
    "social_protection", "monitoring_partnership",
]
assert set(Theme.__args__) == set(AXES)  # type: ignore[attr-defined]

# The scale is verifiable: each status admits a band of progress, so "limited" at 90 %
# cannot be recorded. Withdrawn keeps whatever progress had been reached.
PROGRESS_RANGES: dict[str, tuple[int, int]] = {
    "not_started": (0, 0), "limited": (1, 49), "substantial": (50, 99), "complete": (100, 100),
    "withdrawn": (0, 100),
}
DEFAULT_PROGRESS = {"not_started": 0, "limited": 25, "substantial": 75, "complete": 100, "withdrawn": 0}
CLOSED = ("complete", "withdrawn")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{2,63}$")


def _reason(value: str) -> str:
    value = value.strip()
    if len(value) < 3:
        raise ValueError("reason_required")
    return value


def _body(value: str) -> str:
    if value not in BODIES:
        raise ValueError("unknown_body")
    return value


Reason = Annotated[str, Field(max_length=2000), AfterValidator(_reason)]
BodyCode = Annotated[str, StringConstraints(max_length=REF_MAX), AfterValidator(_body)]
EDITION_MAX = 100
# Indicator figures: finite (JSON has no infinity) and far beyond any count or amount measured.
Figure = Annotated[float, Field(ge=-1e15, le=1e15, allow_inf_nan=False)]


class Evidence(BaseModel):
    """A proof of progress: a document URL or a reference (decree, report number), what it shows, its date."""

    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(default=None, max_length=2000)
    reference: str | None = Field(default=None, max_length=300)
    description: str = Field(min_length=3, max_length=2000)
    date: Day

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://\S+$", value.strip()):
            raise ValueError("evidence_url_invalid")
        return value.strip() if value else None

    @model_validator(mode="after")
    def _has_source(self) -> "Evidence":
        if not (self.url or (self.reference and self.reference.strip())):
            raise ValueError("evidence_source_required")
        return self


class RecommendationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(default=None, max_length=64)
    edition: int | None = Field(default=None, ge=1, le=EDITION_MAX)
    number: int | None = Field(default=None, ge=1, le=1000)
    conference_id: str | None = Field(default=None, max_length=100)
    text: LocalizedText
    themes: list[Theme] = Field(default_factory=list, max_length=7)
    sdgs: list[Annotated[int, Field(ge=1, le=17)]] = Field(default_factory=list, max_length=17)
    lead_body: BodyCode | None = None
    contributing_bodies: list[BodyCode] = Field(default_factory=list, max_length=30)
    target_date: Day | None = None
    reason: Reason = "registered"

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str | None) -> str | None:
        if value is not None and not SLUG.match(value):
            raise ValueError("bad_identifier")
        return value


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Status
    progress: int | None = Field(default=None, ge=0, le=100)
    reason: Reason
    evidence: list[Evidence] = Field(default_factory=list, max_length=20)


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason


class MilestoneCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: LocalizedTitle
    owner: BodyCode
    due_date: Day
    reason: Reason


class MilestoneEdit(MilestoneCreate):
    """The editable fields of an open milestone, all given again, with the reason of the change."""


class MilestoneCompletion(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason
    evidence: list[Evidence] = Field(default_factory=list, max_length=20)


class EvidenceFilePublic(BaseModel):
    """An uploaded proof as the public sees it: no file name (it may name a person), a download path."""

    id: str
    content_type: str
    size: int
    uploaded_at: datetime


class EvidencePublic(BaseModel):
    url: str | None = None
    reference: str | None = None
    description: str
    date: date
    file: EvidenceFilePublic | None = None


class ActorPublic(BaseModel):
    """Who acted, without personal data: a role and a label stable within one recommendation."""

    role: str
    label: str


class SessionRef(BaseModel):
    id: str
    title: StoredText | None = None


class MilestonePublic(BaseModel):
    id: str
    title: StoredText
    owner: str
    due_date: date
    completed_at: datetime | None = None
    evidence: list[EvidencePublic] = Field(default_factory=list)
    overdue: bool


class PendingCompletionPublic(BaseModel):
    proposed_at: datetime
    proposed_by: ActorPublic
    reason: str
    evidence: list[EvidencePublic]


class TimelineEntry(BaseModel):
    seq: int
    at: datetime
    kind: str
    actor: ActorPublic
    from_status: str | None = None
    to_status: str | None = None
    from_progress: int | None = None
    to_progress: int | None = None
    reason: str | None = None
    evidence: list[EvidencePublic] = Field(default_factory=list)
    milestone_id: str | None = None


class RecommendationPublic(BaseModel):
    id: str
    edition: int | None
    number: int | None
    conference_id: str | None
    session: SessionRef | None
    needs_review: bool
    source: str
    text: StoredText
    themes: list[str]
    sdgs: list[int]
    lead_body: str | None
    contributing_bodies: list[str]
    target_date: date | None
    status: Status
    progress: int
    overdue: bool
    evidence: list[EvidencePublic]
    pending_completion: PendingCompletionPublic | None
    milestones: list[MilestonePublic]
    version: int
    created_at: datetime
    updated_at: datetime


class RecommendationDetail(RecommendationPublic):
    timeline: list[TimelineEntry]


# Pure rules


def resolve_progress(status: str, requested: int | None, current: int) -> int:
    low, high = PROGRESS_RANGES[status]
    if requested is not None:
        if not low <= requested <= high:
            raise DomainError("progress_out_of_range", status=422, progress=requested, min=low, max=high,
                              state=status)
        return requested
    if status == "withdrawn" or low <= current <= high:
        return current
    return DEFAULT_PROGRESS[status]


def next_time(previous: datetime | None) -> datetime:
    """A record's time never goes back within one recommendation, even across hosts' clocks.

    At the millisecond MongoDB keeps (``utcnow``), so a projection equals its replay."""
    now = utcnow()
    return max(now, previous) if previous else now


def apply(state: dict[str, Any] | None, record: dict[str, Any]) -> dict[str, Any]:
    new = dict(state or {})
    new.update(record["set"])
    new["id"] = record["recommendation_id"]
    new["version"] = record["seq"]
    new["updated_at"] = record["at"]
    new.setdefault("created_at", record["at"])
    return new


def replay(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Fold history records (any recommendations, in per-recommendation seq order) into states."""
    states: dict[str, dict[str, Any]] = {}
    for record in sorted(records, key=lambda r: (r["recommendation_id"], r["seq"])):
        rid = record["recommendation_id"]
        states[rid] = apply(states.get(rid), record)
    return states


def actor_labels(records: list[dict[str, Any]]) -> dict[str, ActorPublic]:
    """Organizers become "organizer-A", "organizer-B"... in order of first action on a recommendation:
    the public sees that two different people took part in a completion, not who they are."""
    labels: dict[str, ActorPublic] = {}
    organizers = 0
    for record in sorted(records, key=lambda r: r["seq"]):
        actor = record["actor"]
        if actor["sub"] in labels:
            continue
        if actor["role"] == "system":
            labels[actor["sub"]] = ActorPublic(role="system", label=actor["sub"].removeprefix("system:"))
        else:
            labels[actor["sub"]] = ActorPublic(role=actor["role"], label=f"{actor['role']}-{_letters(organizers)}")
            organizers += 1
    return labels


def _letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def is_overdue(due: date | str | None, done: bool, on: date) -> bool:
    if due is None or done:
        return False
    return (date.fromisoformat(due) if isinstance(due, str) else due) < on


def parse_as_of(value: str | None) -> datetime | None:
    """``YYYY-MM-DD`` means the end of that day (UTC); a full ISO date-time is taken as is (naive: UTC).

    Both must lie in the years the platform accepts (``shared.timezones``), in UTC: the end of
    9999-12-31 does not exist, and the history is not rebuilt for years nobody could have written."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        if len(value) == 10:
            day = plausible_day(date.fromisoformat(value))
            return datetime.combine(day, time.min, tzinfo=UTC) + timedelta(days=1) - timedelta(milliseconds=1)
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise DomainError(_range_code(exc, "bad_snapshot_date"), status=422) from exc
    try:
        plausible_moment(moment)
    except ValueError as exc:
        raise DomainError(_range_code(exc, "bad_snapshot_date"), status=422) from exc
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _range_code(exc: ValueError, default: str) -> str:
    return str(exc) if str(exc) in ("day_out_of_range", "moment_out_of_range") else default
