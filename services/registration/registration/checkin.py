"""Check-in at the venue: a badge's signed QR token, scanned online or collected offline.

A scan with a device id and a nonce is recorded with the answer it got, in the same
transaction as the check-in, so a scanner that syncs the same batch twice gets the
same answers and creates nothing new.
"""

from datetime import date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from registration import store
from registration.domain import CHECKIN_REFUSALS
from registration.events import ParticipantCheckedIn
from registration.service import emit_participant, signer_of, utcnow
from shared.platform import Platform
from shared.scanwindow import scan_time_refusal
from shared.signing import InvalidSignedToken
from shared.timezones import Moment

# Conferences stored before the time zone was a field were all held in Morocco.
DEFAULT_TIMEZONE = "Africa/Casablanca"
Outcome = Literal["checked_in", "already_checked_in", "refused", "invalid"]


class ScanResult(BaseModel):
    outcome: Outcome
    code: str
    registration_id: str | None = None
    number: int | None = None
    category: str | None = None
    status: str | None = None
    checked_in_at: datetime | None = None


class Scan(BaseModel):
    token: str = Field(min_length=1, max_length=2000)
    nonce: str | None = Field(default=None, min_length=1, max_length=100)
    scanned_at: Moment | None = None


def _result(outcome: Outcome, code: str, doc: dict[str, Any] | None = None) -> ScanResult:
    if doc is None:
        return ScanResult(outcome=outcome, code=code)
    return ScanResult(outcome=outcome, code=code, registration_id=doc["_id"], number=doc["number"],
                      category=doc["category"], status=doc["status"], checked_in_at=doc.get("checked_in_at"))


async def check_in(*, platform: Platform, conference_id: str, scan: Scan, device_id: str | None) -> ScanResult:
    """Check a badge in; answers what happened (never a second check-in record)."""
    now = utcnow()
    scanned_at = scan.scanned_at or now
    if scanned_at.tzinfo is None:
        scanned_at = scanned_at.replace(tzinfo=now.tzinfo)
    try:
        claims = signer_of(platform).verifier().verify(scan.token, kind="badge")
    except InvalidSignedToken:
        return _result("invalid", "invalid_qr")
    if claims.get("c") != conference_id:
        return _result("invalid", "qr_other_conference")
    conference = await store.get_conference(platform.db, conference_id)
    if conference is None:
        return _result("invalid", "invalid_qr")
    refusal = _timing_refusal(conference, scanned_at, now)
    if refusal is not None:
        return _result("invalid" if refusal == "scan_in_future" else "refused", refusal)
    scan_id = f"{device_id}:{scan.nonce}" if device_id and scan.nonce else None

    async def work(session: AsyncClientSession) -> ScanResult:
        if scan_id is not None:
            seen = await store.get_scan(platform.db, scan_id, session)
            if seen is not None:
                return ScanResult.model_validate(seen["result"])
        result = await _apply(platform, session, str(claims.get("r")), conference_id, scanned_at, device_id)
        if scan_id is not None:
            await store.insert_scan(platform.db, {"_id": scan_id, "conference_id": conference_id,
                                                  "result": result.model_dump(), "at": now}, session)
        return result

    try:
        return await platform.transaction(work)
    except DuplicateKeyError:
        # The same (device, nonce) arrived twice at once: the first one's answer stands.
        return await platform.transaction(work)


def _timing_refusal(conference: dict[str, Any], scanned_at: datetime, now: datetime) -> str | None:
    reason = scan_time_refusal(
        scanned_at, now=now, first_day=date.fromisoformat(conference["starts_on"]),
        last_day=date.fromisoformat(conference["ends_on"]),
        tz=ZoneInfo(conference.get("timezone") or DEFAULT_TIMEZONE))
    return "scan_outside_conference_days" if reason == "scan_outside_event_days" else reason


async def _apply(platform: Platform, session: AsyncClientSession, registration_id: str, conference_id: str,
                 scanned_at: datetime, device_id: str | None) -> ScanResult:
    doc = await store.get_registration(platform.db, registration_id, session)
    if doc is None or doc["conference_id"] != conference_id:
        return _result("invalid", "invalid_qr")
    if doc.get("erased_at") is not None:
        # The personal data is gone under law 09-08: the badge no longer names anyone.
        return _result("refused", "checkin_refused_erased", doc)
    if doc["status"] != "confirmed":
        return _result("refused", CHECKIN_REFUSALS.get(doc["status"], "invalid_qr"), doc)
    if doc.get("checked_in_at") is not None:
        return _result("already_checked_in", "already_checked_in", doc)
    updated = await store.update_registration(
        platform.db, registration_id, {"checked_in_at": scanned_at, "checked_in_device": device_id}, session)
    assert updated is not None
    payload = ParticipantCheckedIn(
        registration_id=registration_id, conference_id=conference_id, status=updated["status"],
        category=updated["category"], region=updated["region"], gender=updated.get("gender"),
        age_band=updated.get("age_band"), language=updated["language"], at=utcnow(), checked_in_at=scanned_at,
        device_id=device_id,
    )
    await emit_participant(platform, session, "checked-in", updated, payload.at, payload)
    return _result("checked_in", "checked_in", updated)
