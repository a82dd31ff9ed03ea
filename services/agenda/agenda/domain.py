"""Models of the programme and the pure rules of scheduling and sign-up."""

import re
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from agenda import texts  # noqa: F401 - registers the refusal messages
from shared.errors import Conflict, refuse_null
from shared.formats import TimeSpan
from shared.i18n import Language, LocalizedName, LocalizedText, LocalizedTitle, StoredText, translate
from shared.limits import Ref, ShortText
from shared.timezones import MOROCCO_TIMEZONE, Moment, TimeZoneName

DEFAULT_TIMEZONE = MOROCCO_TIMEZONE
SessionKind = Literal["plenary", "panel", "workshop", "round_table", "side_event"]
ChangeKind = Literal["added", "moved", "cancelled", "room_changed", "retitled"]
SignupStatus = Literal["confirmed", "waitlisted", "cancelled"]
# Registration statuses that may sign up for sessions; "checked-in" appears in both
# spellings because the status mirrors the message verb.
ELIGIBLE_STATUSES = frozenset({"confirmed", "approved", "promoted", "checked_in", "checked-in"})
_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


def _key(value: str) -> str:
    if not _KEY.match(value):
        raise ValueError("invalid_key")
    return value


Key = Annotated[str, StringConstraints(max_length=63), AfterValidator(_key)]
# Speakers or moderators of one session; interpretation and session languages (ar, fr, en).
PEOPLE_MAX = 50
Languages = Annotated[list[Language], Field(max_length=3)]


class Conference(BaseModel):
    """What the agenda knows of a conference, from registration's messages."""

    conference_id: str
    title: StoredText | None = None
    starts_on: date
    ends_on: date
    timezone: TimeZoneName = DEFAULT_TIMEZONE
    city: str | None = None
    venue: str | None = None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class RoomEdit(BaseModel):
    """A room as organizers describe it; ``names`` are its name per language where it differs."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[ShortText, Field(min_length=1, max_length=120)]
    names: LocalizedName | None = None
    capacity: int = Field(ge=1, le=100_000)
    interpretation_languages: Languages = []


class RoomCreate(RoomEdit):
    id: Key | None = None


class RoomPublic(BaseModel):
    id: str
    conference_id: str
    name: str
    names: StoredText | None = None
    capacity: int
    interpretation_languages: list[Language]

    def label(self, lang: str) -> str:
        """The room's name in ``lang`` where one was given, else its name."""
        return (getattr(self.names, lang, None) if self.names else None) or self.name


class SpeakerEdit(BaseModel):
    """A speaker or moderator; ``contact`` (an e-mail or a phone) is for organizers only and never
    leaves in the released programme."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[ShortText, Field(min_length=1, max_length=160)]
    organization: ShortText | None = None
    bio: LocalizedText | None = None
    contact: ShortText | None = None


class SpeakerCreate(SpeakerEdit):
    id: Key | None = None


class SpeakerPublic(BaseModel):
    """A speaker as organizers read them (the released programme keeps name, organization and bio)."""

    id: str
    conference_id: str
    name: str
    organization: str | None
    bio: StoredText | None
    contact: str | None = None


class SessionFields(BaseModel):
    """Fields an organizer may set; naive times are read in the conference's time zone."""

    model_config = ConfigDict(extra="forbid")

    title: LocalizedTitle | None = None
    abstract: LocalizedText | None = None
    kind: SessionKind | None = None
    track: Key | None = None
    room_id: Ref | None = None
    starts_at: Moment | None = None
    ends_at: Moment | None = None
    languages: Annotated[Languages, Field(min_length=1)] | None = None
    speaker_ids: Annotated[list[Ref], Field(max_length=PEOPLE_MAX)] | None = None
    moderator_ids: Annotated[list[Ref], Field(max_length=PEOPLE_MAX)] | None = None
    capacity: int | None = Field(default=None, ge=1, le=100_000)


class SessionCreate(SessionFields):
    id: Key | None = None
    title: LocalizedTitle
    kind: SessionKind
    room_id: Ref
    starts_at: Moment
    ends_at: Moment
    languages: Annotated[Languages, Field(min_length=1)] = ["ar", "fr"]
    speaker_ids: Annotated[list[Ref], Field(max_length=PEOPLE_MAX)] = []
    moderator_ids: Annotated[list[Ref], Field(max_length=PEOPLE_MAX)] = []


class SessionUpdate(SessionFields):
    """Only the fields sent are changed; ``capacity: null`` turns sign-up off."""

    # Null may only clear what a session may lack (abstract, track, capacity).
    _not_null = field_validator("title", "kind", "room_id", "starts_at", "ends_at", "languages", "speaker_ids",
                                "moderator_ids")(refuse_null)


class Outcome(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: Key
    text: LocalizedText


class OutcomesRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    conclusions: LocalizedText
    recommendations: list[Outcome] = Field(default=[], max_length=200)

    @model_validator(mode="after")
    def _keys_unique(self) -> "OutcomesRecord":
        seen: set[str] = set()
        for item in self.recommendations:
            if item.key in seen:
                raise ValueError("duplicate_recommendation_key")
            seen.add(item.key)
        return self


class SessionPublic(BaseModel):
    """A session as organizers see it (the draft, not the released version)."""

    id: str
    number: int
    conference_id: str
    status: Literal["scheduled", "cancelled"]
    title: StoredText
    abstract: StoredText | None
    kind: SessionKind
    track: str | None
    room_id: str
    starts_at: datetime
    ends_at: datetime
    languages: list[Language]
    speaker_ids: list[str]
    moderator_ids: list[str]
    capacity: int | None
    seats_taken: int
    released: bool
    outcomes: OutcomesRecord | None = None


class SessionCheck(BaseModel):
    """Where a session (``session_id``, or a new one) would stand: what saving it would meet."""

    model_config = ConfigDict(extra="forbid")

    session_id: Ref | None = None
    room_id: Ref
    starts_at: Moment
    ends_at: Moment
    speaker_ids: Annotated[list[Ref], Field(max_length=PEOPLE_MAX)] = []
    moderator_ids: Annotated[list[Ref], Field(max_length=PEOPLE_MAX)] = []
    capacity: int | None = Field(default=None, ge=1, le=100_000)


class Finding(BaseModel):
    """One problem a check found, worded in the caller's language; ``hard`` ones refuse a save."""

    code: str
    detail: str
    hard: bool
    other_session_id: str | None = None


class SessionCheckResult(BaseModel):
    findings: list[Finding]


def findings(problems: list[Conflict], lang: str) -> SessionCheckResult:
    """Problems worded in ``lang``; a multilingual parameter (another session's title) is picked too."""
    def worded(problem: Conflict) -> str:
        params = {k: v.pick(lang) if isinstance(v, StoredText) else v for k, v in problem.params.items()}
        return translate(problem.code, lang, **params)

    return SessionCheckResult(findings=[
        Finding(code=p.code, detail=worded(p), hard=p.code not in WARNINGS,
                other_session_id=p.params.get("other_session_id")) for p in problems])


class ReleasePreview(BaseModel):
    """What releasing now would publish: the next version and its changes."""

    conference_id: str
    version: int
    session_count: int
    changes: list[dict[str, Any]]


class ScheduleConflict(Conflict):
    """A refusal naming another session; its multilingual params are picked per caller."""


class SignupPublic(BaseModel):
    session_id: str
    registration_id: str
    status: SignupStatus
    position: int | None = None


class ReleasePublic(BaseModel):
    conference_id: str
    version: int
    released_at: datetime
    session_count: int
    changes: list[dict[str, Any]]


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    return a_start < b_end and b_start < a_end


def as_utc(moment: datetime, zone: ZoneInfo) -> datetime:
    """An aware instant in UTC; a naive one is a wall-clock time at the conference."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)
    return aware.astimezone(ZoneInfo("UTC"))


def time_label(start: datetime, end: datetime, zone: ZoneInfo) -> TimeSpan:
    """The session's day and hours in the conference's local time, for messages: written in the caller's
    language, ``2027-06-16 10:00-11:30`` in the problem's params."""
    return TimeSpan(start, end, zone)


def check_times(start: datetime, end: datetime, conference: Conference) -> None:
    if end <= start:
        raise Conflict("session_ends_before_start", status=422)
    zone = conference.zone
    first, last = start.astimezone(zone).date(), (end - timedelta(microseconds=1)).astimezone(zone).date()
    if first < conference.starts_on or last > conference.ends_on:
        raise Conflict("outside_conference_dates", status=422, starts_on=conference.starts_on,
                       ends_on=conference.ends_on)


def find_conflict(
    candidate: dict[str, Any], others: list[dict[str, Any]], *, room_name: str,
    speaker_names: dict[str, str], zone: ZoneInfo,
) -> ScheduleConflict | None:
    """The first clash of ``candidate`` with another scheduled session, if any."""
    return next(iter(clashes(candidate, others, room_name=room_name, speaker_names=speaker_names, zone=zone)), None)


def clashes(
    candidate: dict[str, Any], others: list[dict[str, Any]], *, room_name: str,
    speaker_names: dict[str, str], zone: ZoneInfo,
) -> list[ScheduleConflict]:
    """Every clash of ``candidate`` with another scheduled session, in time order: the same room
    at the same time, or one of its people in two places."""
    people = set(candidate["speaker_ids"]) | set(candidate["moderator_ids"])
    found: list[ScheduleConflict] = []
    for other in sorted(others, key=lambda s: s["starts_at"]):
        if other["_id"] == candidate["_id"] or other["status"] != "scheduled":
            continue
        if not overlaps(candidate["starts_at"], candidate["ends_at"], other["starts_at"], other["ends_at"]):
            continue
        when = time_label(other["starts_at"], other["ends_at"], zone)
        title = StoredText.model_validate(other["title"])
        if other["room_id"] == candidate["room_id"]:
            found.append(ScheduleConflict("room_double_booked", room=room_name, other_title=title,
                                          other_session_id=other["_id"], other_time=when))
            continue
        shared = people & (set(other["speaker_ids"]) | set(other["moderator_ids"]))
        if shared:
            who = sorted(shared)[0]
            found.append(ScheduleConflict("speaker_double_booked", speaker=speaker_names.get(who, who),
                                          speaker_id=who, other_title=title, other_session_id=other["_id"],
                                          other_time=when))
    return found


# Worth a warning before saving, not a refusal: the organizer may know better (standing room, a bigger screen).
WARNINGS = frozenset({"capacity_above_room"})


def capacity_warning(capacity: int | None, room_name: str, room_capacity: int) -> Conflict | None:
    if capacity is None or capacity <= room_capacity:
        return None
    return Conflict("capacity_above_room", status=422, capacity=capacity, room=room_name,
                    room_capacity=room_capacity)


def diff_snapshots(previous: list[dict[str, Any]], current: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What changed between two released programmes, session by session."""
    before = {s["id"]: s for s in previous}
    after = {s["id"]: s for s in current}
    changes: list[dict[str, Any]] = []
    for sid, new in after.items():
        old = before.get(sid)
        if old is None:
            changes.append(_change("added", new, None, _slot(new)))
            continue
        if (old["starts_at"], old["ends_at"]) != (new["starts_at"], new["ends_at"]):
            changes.append(_change("moved", new, _slot(old), _slot(new)))
        if old["room"]["id"] != new["room"]["id"]:
            changes.append(_change("room_changed", new, {"room": old["room"]}, {"room": new["room"]}))
        if old["title"] != new["title"]:
            changes.append(_change("retitled", new, {"title": old["title"]}, {"title": new["title"]}))
    for sid, old in before.items():
        if sid not in after:
            changes.append(_change("cancelled", old, _slot(old), None))
    return changes


def _slot(entry: dict[str, Any]) -> dict[str, Any]:
    return {"starts_at": entry["starts_at"], "ends_at": entry["ends_at"], "room": entry["room"]}


def _change(kind: ChangeKind, entry: dict[str, Any], before: Any, after: Any) -> dict[str, Any]:
    return {"change": kind, "session_id": entry["id"], "title": entry["title"], "before": before, "after": after}
