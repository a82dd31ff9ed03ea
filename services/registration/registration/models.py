"""The documents the registration service stores, as ``store.py`` returns them."""

from datetime import datetime
from typing import Any

from pydantic import Field

from shared.documents import Stored


class Conference(Stored):
    """A conference with its seat counters. Days are ISO strings (BSON has no date type)."""

    kind: str
    edition: int | None = None
    title: dict[str, str | None]
    slogan: dict[str, str | None] | None = None
    venue: str
    city: str
    region: str
    starts_on: str
    ends_on: str
    # Conferences stored before the time zone was a field have none (they were held in Morocco).
    timezone: str | None = None
    capacity: int
    quotas: dict[str, int] = Field(default_factory=dict)
    registration_opens_at: datetime | None = None
    registration_closes_at: datetime | None = None
    requires_approval: bool = False
    taken: int = 0
    taken_by_category: dict[str, int] = Field(default_factory=dict)
    next_number: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def counters(self) -> dict[str, Any]:
        """The fields the pure rules of ``domain`` read (capacity, quotas, seats taken, window)."""
        return self.model_dump(by_alias=True)


class Registration(Stored):
    """One person's registration; the personal fields are None once erased (law 09-08)."""

    conference_id: str
    number: int
    status: str
    full_name: str | None = None
    email: str | None = None
    email_normalized: str
    phone: str | None = None
    organization_name: str | None = None
    category: str
    region: str
    gender: str | None = None
    age_band: str | None = None
    language: str
    accessibility_needs: str | None = None
    consent_at: datetime | None = None
    registered_at: datetime
    status_changed_at: datetime | None = None
    promoted_at: datetime | None = None
    updated_at: datetime | None = None
    checked_in_at: datetime | None = None
    checked_in_device: str | None = None
    checked_in_offline: bool = False
    # Who operated the scanner, or checked the participant in by hand (device "manual").
    checked_in_by: str | None = None
    checked_in_by_name: str | None = None
    manage_nonce: str | None = None
    # Why the organizers approved or rejected it, as they wrote it; shown to the participant in their mail.
    decision_reason: str | None = None
    erased_at: datetime | None = None
    version: int = 1


class ScanRecord(Stored):
    """A scan with a device id and a nonce, kept with the answer it got (``_id`` device:nonce)."""

    conference_id: str
    result: dict[str, Any]
    at: datetime
    device_id: str | None = None
    scanned_at: datetime
    decided_offline: bool = False
    offline_verdict: str | None = None
    snapshot_version: str | None = None
    # Who operated the scanner (the signed-in principal), when known.
    operator_sub: str | None = None
    operator_name: str | None = None


class CheckinConflict(Stored):
    """An offline admission the server would not have made, one per registration and kind."""

    conference_id: str
    registration_id: str
    number: int | None = None
    kind: str
    first_device: str | None = None
    snapshot_version: str | None = None
    scanned_at: datetime
    first_seen_at: datetime
    devices: list[str] = Field(default_factory=list)


class QueuedMail(Stored):
    """A mail to a participant, keyed by the message that caused it."""

    registration_id: str
    kind: str
    state: str
    due_at: datetime
    attempts: int = 0
    created_at: datetime
    owner: str | None = None
    finished_at: datetime | None = None
    last_error: str | None = None
    # An organizers' message (kind "message"): its subject and body in the recipient's language.
    subject: str | None = None
    body: str | None = None
