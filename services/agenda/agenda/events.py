"""Messages the agenda service publishes.

None carries personal data: participants appear only by their registration id, and
speakers (public figures of the programme) by their id.
"""

from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel

from shared.envelope import Message
from shared.i18n import StoredText

TOPICS: list[str] = ["agenda.sessions", "agenda.schedules", "agenda.signups"]

SESSIONS = "agenda.sessions"
SCHEDULES = "agenda.schedules"
SIGNUPS = "agenda.signups"


class SessionFact(Message):
    """The fields every ``agenda.session-<verb>.v1`` message about the programme carries: the whole session.

    Not sent as such (see the facts below). On ``agenda.sessions``; subject = session
    id. Sent when an organizer edits the draft programme (the public sees it at the
    next release). Read by the recommendations service."""

    topic = SESSIONS

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


class SessionScheduled(SessionFact):
    """``agenda.session-scheduled.v1``: an organizer added a session to the programme."""

    message_type = "agenda.session-scheduled.v1"


class SessionUpdated(SessionFact):
    """``agenda.session-updated.v1``: an organizer edited a session (time, room, title, people)."""

    message_type = "agenda.session-updated.v1"


class SessionCancelled(SessionFact):
    """``agenda.session-cancelled.v1``: an organizer cancelled a session; its sign-ups are cancelled too."""

    message_type = "agenda.session-cancelled.v1"


class ScheduleReleased(Message):
    """``agenda.schedule-released.v1`` on ``agenda.schedules``; subject = conference id.
    Sent when organizers publish a numbered version of the programme, with the changes
    since the previous version (``added``, ``moved``, ``cancelled``, ``room_changed``,
    ``retitled``). No consumer yet: apps and notifiers may follow it."""

    message_type = "agenda.schedule-released.v1"
    topic = SCHEDULES

    conference_id: str
    version: int
    released_at: datetime
    session_count: int
    changes: list[dict[str, Any]]


class SignupFact(Message):
    """The fields every ``agenda.session-signup-<verb>.v1`` message carries.

    Not sent as such (see the facts below). On ``agenda.signups``; subject =
    ``<session_id>:<registration_id>``. ``status`` is the sign-up's status after the
    fact (``status_after`` of the class). No consumer yet."""

    topic = SIGNUPS
    status_after: ClassVar[str]

    session_id: str
    conference_id: str
    registration_id: str
    status: str
    reason: str | None = None
    at: datetime


class SignupConfirmed(SignupFact):
    """``agenda.session-signup-confirmed.v1``: a participant signed up and got a seat."""

    message_type = "agenda.session-signup-confirmed.v1"
    status_after = "confirmed"


class SignupWaitlisted(SignupFact):
    """``agenda.session-signup-waitlisted.v1``: a participant signed up for a full session."""

    message_type = "agenda.session-signup-waitlisted.v1"
    status_after = "waitlisted"


class SignupPromoted(SignupFact):
    """``agenda.session-signup-promoted.v1``: a seat freed up and went to the first on the waiting list."""

    message_type = "agenda.session-signup-promoted.v1"
    status_after = "confirmed"


class SignupCancelled(SignupFact):
    """``agenda.session-signup-cancelled.v1``: a sign-up ended.

    ``reason`` says why: ``participant`` (they withdrew), ``registration_cancelled``
    (their conference registration was cancelled or rejected), ``registration_erased``
    (its personal data was erased; the sign-up is then deleted), ``session_cancelled``.
    """

    message_type = "agenda.session-signup-cancelled.v1"
    status_after = "cancelled"


class OutcomeItem(BaseModel):
    key: str
    text: StoredText


class SessionOutcomesRecorded(Message):
    """``agenda.session-outcomes-recorded.v1`` on ``agenda.sessions``; subject = session id.
    Sent each time organizers record a session's conclusions and adopted
    recommendations; ``key`` is stable within the session, so a repeated recording
    updates instead of duplicating. Read by the recommendations service, which traces
    every recommendation back to this session."""

    message_type = "agenda.session-outcomes-recorded.v1"
    topic = SESSIONS

    session_id: str
    conference_id: str
    session_title: StoredText
    conclusions: StoredText
    recommendations: list[OutcomeItem]
    recorded_at: datetime


MESSAGES: tuple[type[Message], ...] = (
    SessionScheduled, SessionUpdated, SessionCancelled, SessionOutcomesRecorded, ScheduleReleased,
    SignupConfirmed, SignupWaitlisted, SignupPromoted, SignupCancelled,
)
