"""The documents the agenda stores, as ``store.py`` returns them.

Texts keep the shape they were written in (``StoredText``); a release's snapshot and
changes stay plain entries, since the exports, the changelog and the messages read
them as they were frozen at release time.
"""

from datetime import datetime
from typing import Any, Literal

from shared.documents import Stored
from shared.i18n import StoredText

Entry = dict[str, Any]


class Room(Stored):
    conference_id: str
    name: str
    names: StoredText | None = None
    capacity: int
    interpretation_languages: list[str] = []


class Speaker(Stored):
    """A speaker or moderator: only the name, organization and bio ever reach the released programme."""

    conference_id: str
    name: str
    organization: str | None = None
    bio: StoredText | None = None
    contact: str | None = None


class Session(Stored):
    """A session of the draft programme; ``released`` once a release included it."""

    conference_id: str
    number: int = 0
    status: Literal["scheduled", "cancelled"] = "scheduled"
    title: StoredText
    abstract: StoredText | None = None
    kind: str
    track: str | None = None
    room_id: str
    starts_at: datetime
    ends_at: datetime
    languages: list[str]
    speaker_ids: list[str] = []
    moderator_ids: list[str] = []
    capacity: int | None = None
    seats_taken: int = 0
    released: bool = False
    created_at: datetime
    updated_at: datetime
    outcomes: dict[str, Any] | None = None
    outcomes_recorded_at: datetime | None = None

    @property
    def people(self) -> list[str]:
        """Speakers then moderators, each once."""
        return list(dict.fromkeys([*self.speaker_ids, *self.moderator_ids]))


class Release(Stored):
    """A numbered version of the programme; ``snapshot`` is empty where a listing left it out."""

    conference_id: str
    version: int
    released_at: datetime
    released_by: str
    session_count: int
    changes: list[Entry]
    snapshot: list[Entry] = []


class Signup(Stored):
    """A participant's seat or waiting place; its id is ``<session_id>:<registration_id>``.

    The session's title and times are copied so overlaps are checked without a join."""

    session_id: str
    registration_id: str
    conference_id: str
    status: Literal["confirmed", "waitlisted", "cancelled"]
    title: StoredText
    starts_at: datetime
    ends_at: datetime
    updated_at: datetime
    seq: int
    reason: str | None = None

    @property
    def active(self) -> bool:
        return self.status in ("confirmed", "waitlisted")


class Participant(Stored):
    """A registration as last heard from registration (its id is the registration id)."""

    conference_id: str | None = None
    status: str | None = None
    at: datetime | None = None
    version: int | None = None
    erased: bool = False
