"""Messages the agenda service publishes.

None carries personal data: participants appear only by their registration id, and
speakers (public figures of the programme) by their id.
"""

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from shared.i18n import StoredText

TOPICS: list[str] = ["agenda.sessions", "agenda.schedules", "agenda.signups"]

SESSIONS = "agenda.sessions"
SCHEDULES = "agenda.schedules"
SIGNUPS = "agenda.signups"


class SessionChanged(BaseModel):
    """``agenda.session-scheduled.v1`` (created), ``agenda.session-updated.v1`` (edited) or
    ``agenda.session-cancelled.v1``, on ``agenda.sessions``; subject = session id. Sent
    when an organizer edits the draft programme (the public sees it at the next
    release). Read by the recommendations service."""

    session_id: str
    conference_id: str
    number: int
    status: str
    title: StoredText
    kind: str
    track: str | None
    room_id: str
    starts_at: datetime
    ends_at: datetime
    languages: list[str]
    speaker_ids: list[str]
    moderator_ids: list[str]
    capacity: int | None
    at: datetime


class ScheduleReleased(BaseModel):
    """``agenda.schedule-released.v1`` on ``agenda.schedules``; subject = conference id.
    Sent when organizers publish a numbered version of the programme, with the changes
    since the previous version (``added``, ``moved``, ``cancelled``, ``room_changed``,
    ``retitled``). No consumer yet: apps and notifiers may follow it."""

    conference_id: str
    version: int
    released_at: datetime
    session_count: int
    changes: list[dict[str, Any]]


class SignupChanged(BaseModel):
    """``agenda.session-signup-confirmed.v1``, ``-waitlisted``, ``-promoted`` (from the
    waiting list to a seat) or ``-cancelled``, on ``agenda.signups``; subject =
    ``<session_id>:<registration_id>``. ``reason`` says why a sign-up was cancelled:
    ``participant`` (they withdrew), ``registration_cancelled`` (their conference
    registration was cancelled or rejected), ``registration_erased`` (its personal
    data was erased; the sign-up is then deleted), ``session_cancelled``. No
    consumer yet."""

    session_id: str
    conference_id: str
    registration_id: str
    status: str
    reason: str | None = None
    at: datetime


class OutcomeItem(BaseModel):
    key: str
    text: StoredText


class SessionOutcomesRecorded(BaseModel):
    """``agenda.session-outcomes-recorded.v1`` on ``agenda.sessions``; subject = session id.
    Sent each time organizers record a session's conclusions and adopted
    recommendations; ``key`` is stable within the session, so a repeated recording
    updates instead of duplicating. Read by the recommendations service, which traces
    every recommendation back to this session."""

    session_id: str
    conference_id: str
    session_title: StoredText
    conclusions: StoredText
    recommendations: list[OutcomeItem]
    recorded_at: datetime
