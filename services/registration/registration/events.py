"""Messages the registration service publishes.

None carries personal data (names, e-mails, phones): they outlive an erasure
request in Kafka's log. Readers fetch nothing back from this service; a mail
consumer that needs the address reads it from the service's own database.
"""

from datetime import date, datetime

from pydantic import BaseModel

from shared.i18n import StoredText

TOPICS: list[str] = ["registration.conferences", "registration.participants"]

CONFERENCES = "registration.conferences"
PARTICIPANTS = "registration.participants"


class ConferenceChanged(BaseModel):
    """``registration.conference-created.v1`` / ``registration.conference-updated.v1``.

    Sent when an organizer (or the demo loader) creates or edits a conference; the
    update carries the whole conference after the change. Subject: the conference
    id. Read by agenda (sessions belong to a conference) and recommendations (the
    edition that issued a recommendation).
    """

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


class ParticipantChanged(BaseModel):
    """``registration.participant-<verb>.v1``: a registration changed status or was erased.

    Verbs: ``registered`` (every new registration, with the status it got),
    ``confirmed`` (a seat was given on arrival), ``waitlisted`` (no seat on
    arrival), ``promoted`` (left the waiting list: automatically when a seat frees
    up, or by an organizer), ``approved`` / ``rejected`` (an organizer decided on a
    pending one), ``cancelled`` (by the participant), ``erased`` (personal data
    erased under law 09-08; status unchanged). ``status`` is the status after the
    change. Subject: the registration id. Read by registration itself (the
    notification mails), agenda (who may sign up for sessions) and recommendations
    (participation indicators).
    """

    registration_id: str
    conference_id: str
    status: str
    category: str
    region: str
    gender: str | None
    age_band: str | None
    language: str
    at: datetime


class ParticipantCheckedIn(ParticipantChanged):
    """``registration.participant-checked-in.v1``: the first scan of a badge at the venue.

    Repeated scans publish nothing. ``checked_in_at`` is the scan time (the
    scanner's clock for offline batches), ``device_id`` the scanner. Subject: the
    registration id. Read by agenda and recommendations (attendance).
    """

    checked_in_at: datetime
    device_id: str | None


def participant_type(verb: str) -> str:
    return f"registration.participant-{verb}.v1"


def conference_type(verb: str) -> str:
    return f"registration.conference-{verb}.v1"
