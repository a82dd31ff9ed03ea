"""Messages the registration service publishes.

None carries personal data (names, e-mails, phones): they outlive an erasure
request in Kafka's log. Readers fetch nothing back from this service; a mail
consumer that needs the address reads it from the service's own database.
"""

from datetime import date, datetime

from shared.envelope import Message
from shared.i18n import StoredText

TOPICS: list[str] = ["registration.conferences", "registration.participants"]

CONFERENCES = "registration.conferences"
PARTICIPANTS = "registration.participants"


class ConferenceFact(Message):
    """The fields every ``registration.conference-<verb>.v1`` message carries: the whole conference.

    Not sent as such (see the facts below). Subject: the conference id. Read by agenda
    (sessions belong to a conference) and recommendations (the edition that issued a
    recommendation).
    """

    topic = CONFERENCES

    conference_id: str
    kind: str
    edition: int | None
    title: StoredText
    slogan: StoredText | None
    city: str
    region: str
    venue: str
    starts_on: date
    ends_on: date
    timezone: str
    capacity: int
    registration_opens_at: datetime | None
    registration_closes_at: datetime | None
    requires_approval: bool


class ConferenceCreated(ConferenceFact):
    """``registration.conference-created.v1``: an organizer (or the demo loader) created a conference."""

    message_type = "registration.conference-created.v1"


class ConferenceUpdated(ConferenceFact):
    """``registration.conference-updated.v1``: an organizer edited a conference; the whole conference after it."""

    message_type = "registration.conference-updated.v1"


class ParticipantFact(Message):
    """The fields every ``registration.participant-<verb>.v1`` message carries.

    Not sent as such: each fact below is its own class with its own message type, so
    a reader acts on the type and never infers the fact from ``status``. ``status``
    is the registration's status after the fact (an erasure leaves it unchanged).
    ``version`` numbers the registration's states (1 on arrival, +1 with every change,
    assigned in the transaction that makes it): a reader keeps the fact with the
    highest version, since ``at`` is read before the transaction and two concurrent
    changes can commit in the other order. ``registered`` has version 1.
    Subject: the registration id. Read by registration itself (the notification
    mails), agenda (who may sign up for sessions) and recommendations (participation
    indicators). Region, category, gender and age band are coarse codes kept for
    the counts, not personal data.
    """

    topic = PARTICIPANTS

    registration_id: str
    conference_id: str
    status: str
    category: str
    region: str
    gender: str | None
    age_band: str | None
    language: str
    at: datetime
    version: int


class ParticipantRegistered(ParticipantFact):
    """``registration.participant-registered.v1``: every new registration, with the status it got.

    The only message of an arrival: ``status`` says whether it got a seat (``confirmed``,
    or ``pending`` where the conference needs approval) or a waiting-list place
    (``waitlisted``). Earlier versions also sent ``confirmed`` or ``waitlisted`` right
    after it, with the same version.
    """

    message_type = "registration.participant-registered.v1"


class ParticipantConfirmed(ParticipantFact):
    """``registration.participant-confirmed.v1``: a seat was given on arrival (earlier versions only).

    No longer sent: ``registered`` carries the status. Readers keep accepting it for the
    messages of earlier versions still in the topic.
    """

    message_type = "registration.participant-confirmed.v1"


class ParticipantWaitlisted(ParticipantFact):
    """``registration.participant-waitlisted.v1``: no seat was left on arrival (earlier versions only).

    No longer sent: ``registered`` carries the status. Readers keep accepting it for the
    messages of earlier versions still in the topic.
    """

    message_type = "registration.participant-waitlisted.v1"


class ParticipantPromoted(ParticipantFact):
    """``registration.participant-promoted.v1``: left the waiting list, automatically when a seat
    freed up or by an organizer (``status`` is ``pending`` where the conference needs approval)."""

    message_type = "registration.participant-promoted.v1"


class ParticipantApproved(ParticipantFact):
    """``registration.participant-approved.v1``: an organizer accepted a pending registration."""

    message_type = "registration.participant-approved.v1"


class ParticipantRejected(ParticipantFact):
    """``registration.participant-rejected.v1``: an organizer refused a pending registration."""

    message_type = "registration.participant-rejected.v1"


class ParticipantCancelled(ParticipantFact):
    """``registration.participant-cancelled.v1``: the participant cancelled with the manage token.

    The token stays valid (the person may still read what they had); their seat and
    session sign-ups go to others.
    """

    message_type = "registration.participant-cancelled.v1"


class ParticipantErased(ParticipantFact):
    """``registration.participant-erased.v1``: personal data erased under law 09-08.

    ``status`` is unchanged; every manage token given out for the registration is
    revoked from ``erased_at`` on. Readers drop whatever they hold for the person
    (sign-ups, stars) and refuse the registration's manage tokens.
    """

    message_type = "registration.participant-erased.v1"

    erased_at: datetime


class ParticipantCheckedIn(ParticipantFact):
    """``registration.participant-checked-in.v1``: the first scan of a badge at the venue.

    Repeated scans publish nothing. ``checked_in_at`` is the scan time (the
    scanner's clock for offline batches), ``device_id`` the scanner. Read by agenda
    and recommendations (attendance).
    """

    message_type = "registration.participant-checked-in.v1"

    checked_in_at: datetime
    device_id: str | None


PARTICIPANT_FACTS: tuple[type[ParticipantFact], ...] = (
    ParticipantRegistered, ParticipantConfirmed, ParticipantWaitlisted, ParticipantPromoted, ParticipantApproved,
    ParticipantRejected, ParticipantCancelled, ParticipantErased, ParticipantCheckedIn,
)

CONFERENCE_FACTS: tuple[type[ConferenceFact], ...] = (ConferenceCreated, ConferenceUpdated)
MESSAGES: tuple[type[Message], ...] = (*CONFERENCE_FACTS, *PARTICIPANT_FACTS)
