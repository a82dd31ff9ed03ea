"""The documents the marketplace stores, as ``store.py`` reads and writes them.

They name what is stored, with no limit checked again on reading: a document written
before a limit existed must still load. Opening days and the day of a check-in or a
declaration are kept as ISO strings ("2026-05-02"), so that range queries and the
comparison of ``last_exhibited_on`` work on the strings; instants are UTC datetimes.
"""

from datetime import date, datetime
from typing import Any

from marketplace.domain import Contact, ProductPublic, SelectionRules, Stand
from shared.documents import Stored
from shared.i18n import StoredText


class Cooperative(Stored):
    name: StoredText
    register_number: str
    region: str
    province: str
    sector: str
    members: int
    women_led: bool = False
    youth_led: bool = False
    contact: Contact | None = None
    products: list[ProductPublic] = []
    last_exhibited_on: str | None = None
    created_at: datetime
    # The file rows it was imported from, when it came by an import (a second import skips it).
    imported_from: str | None = None

    @property
    def reserved_eligible(self) -> bool:
        return self.women_led or self.youth_led


class Invitation(Stored):
    """A one-time link: ``_id`` is the digest of its token, never the token itself."""

    invitation_id: str
    cooperative_id: str
    created_by: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None


class Market(Stored):
    kind: str
    name: StoredText
    city: str
    region: str
    venue: str
    days: list[date]
    application_opens_at: datetime
    application_closes_at: datetime
    circuit: str | None = None
    stands: list[Stand]
    rules: SelectionRules = SelectionRules()
    stand_count: int
    created_at: datetime

    def to_document(self) -> dict[str, Any]:
        doc = super().to_document()
        doc["days"] = [day.isoformat() for day in self.days]
        return doc

    def zone_of(self, stand_number: int) -> str:
        return next(s.zone for s in self.stands if s.number == stand_number)


class Application(Stored):
    submission_id: str
    market_id: str
    cooperative_id: str
    status: str
    note: str | None = None
    submitted_at: datetime
    decided_at: datetime | None = None
    stand_number: int | None = None
    pass_id: str | None = None
    # {"code", "params", "manual"}: the reason of the decision, rendered in the reader's language.
    decision: dict[str, Any] | None = None
    rejection_reason: dict[str, Any] | None = None


class Assignment(Stored):
    """A stand held: ``_id = "<market_id>:<stand_number>"``, so a stand is never given twice."""

    market_id: str
    stand_number: int
    zone: str
    application_id: str
    cooperative_id: str
    pass_id: str
    region: str
    sector: str
    reserved_eligible: bool
    decision: dict[str, Any]
    assigned_at: datetime


class Checkin(Stored):
    """One per pass and opening day: ``_id = "<pass_id>:<day>"``."""

    pass_id: str
    market_id: str
    cooperative_id: str
    stand_number: int
    day: str
    checked_in_at: datetime
    device_id: str | None = None
    recorded_at: datetime


class OfflineScanRecord(Stored):
    """A scan synced from a device, keyed by (market, device, nonce), with the answer given."""

    token_hash: str
    market_id: str
    device_id: str
    scanned_at: datetime
    decided_offline: bool = False
    offline_verdict: str | None = None
    snapshot_version: str | None = None
    outcome: dict[str, Any]
    params: dict[str, Any] = {}


class SalesDeclaration(Stored):
    """A cooperative's sales of one market day: ``_id = "<market_id>:<cooperative_id>:<day>"``."""

    market_id: str
    cooperative_id: str
    day: str
    amount_mad: float
    by_category: dict[str, float]
    items: list[dict[str, Any]] = []
    region: str
    sector: str
    women_led: bool
    youth_led: bool
    declared_at: datetime
    corrections: int = 0
    # Absent from declarations stored before versions existed.
    version: int | None = None
