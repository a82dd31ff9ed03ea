"""Check-in at the venue: a badge's signed QR token, scanned online or collected offline.

A scan with a device id and a nonce is recorded with the answer it got, in the same
transaction as the check-in, so a scanner that syncs the same batch twice gets the
same answers and creates nothing new.

A scan the device decided offline (from its snapshot, see ``offline_snapshot``) carries
``decided_offline``, what the device did at the gate and the snapshot version it used. A
refusal at the gate never becomes a check-in. An admission is checked in as usual and
flagged; when the server sees it should not have opened the gate (the badge already
admitted by another device, or revoked after the snapshot) it records a conflict for the
organizers, one per registration and kind.
"""

import secrets
from datetime import date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from registration.context import RegistrationContext
from registration.domain import CHECKIN_REFUSALS
from registration.events import ParticipantCheckedIn
from registration.models import Conference, Registration, ScanRecord
from registration.service import emit_participant, participant_fact
from shared.audit import Act
from shared.auth import Principal
from shared.documents import utcnow
from shared.errors import NotFound
from shared.scanwindow import CheckinConflicts, ScanSnapshot, checkin_conflicts, scan_snapshot, scan_time_refusal
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
    decided_offline: bool = False
    offline_verdict: Literal["admitted", "refused"] | None = None
    snapshot_version: str | None = Field(default=None, min_length=1, max_length=40)


class Operator(BaseModel):
    """Who held the scanner (or checked someone in by hand): the signed-in person's id and name."""

    sub: str
    name: str | None = None

    @classmethod
    def of(cls, principal: Principal | None) -> "Operator | None":
        return None if principal is None else cls(sub=principal.sub, name=principal.name)


class GateContext(BaseModel):
    """Who scanned and how: passed down to the check-in and the conflict records."""

    device_id: str | None
    scanned_at: datetime
    offline: Scan | None = None
    operator: Operator | None = None

    @property
    def admitted_offline(self) -> bool:
        return self.offline is not None and self.offline.offline_verdict == "admitted"


def _result(outcome: Outcome, code: str, reg: Registration | None = None) -> ScanResult:
    if reg is None:
        return ScanResult(outcome=outcome, code=code)
    return ScanResult(outcome=outcome, code=code, registration_id=reg.id, number=reg.number,
                      category=reg.category, status=reg.status, checked_in_at=reg.checked_in_at)


async def check_in(*, ctx: RegistrationContext, conference_id: str, scan: Scan, device_id: str | None,
                   by: Principal | None = None, act: Act | None = None) -> ScanResult:
    """Check a badge in; answers what happened (never a second check-in record).

    ``by`` is who operates the scanner, kept with the scan and the check-in; ``act`` (a manual
    check-in) is written to the audit log with them."""
    now = utcnow()
    scanned_at = scan.scanned_at or now
    if scanned_at.tzinfo is None:
        scanned_at = scanned_at.replace(tzinfo=now.tzinfo)
    early, claims = await _screen(ctx, conference_id, scan.token, scanned_at, now)
    # Every scan with a device and a nonce is kept once, a refused one too: the organizers see
    # what each gate did, and a synced batch sent again answers the same.
    scan_id = f"{device_id}:{scan.nonce}" if device_id and scan.nonce else None
    if early is not None and scan_id is None:
        return early
    # Scans without a nonce are kept too (the check-in day's last scans), each under its own id.
    record_id = scan_id or f"{device_id or 'online'}:{secrets.token_hex(8)}"
    operator = Operator.of(by)

    async def work(session: AsyncClientSession) -> ScanResult:
        if scan_id is not None:
            seen = await ctx.store.scan(scan_id, session)
            if seen is not None:
                return ScanResult.model_validate(seen.result)
        gate = GateContext(device_id=device_id, scanned_at=scanned_at,
                           offline=scan if scan.decided_offline else None, operator=operator)
        if early is not None:
            result = early
        elif scan.decided_offline and scan.offline_verdict != "admitted":
            result = _result("refused", "badge_refused_at_gate")
        else:
            result = await _apply(ctx, session, str(claims.get("r")), conference_id, gate)
        await ctx.store.add_scan(ScanRecord(
            id=record_id, conference_id=conference_id, result=result.model_dump(), at=now,
            device_id=device_id, scanned_at=scanned_at, decided_offline=scan.decided_offline,
            offline_verdict=scan.offline_verdict, snapshot_version=scan.snapshot_version,
            operator_sub=operator.sub if operator else None, operator_name=operator.name if operator else None),
            session)
        if act is not None and result.registration_id is not None:
            await ctx.store.record_act(act, action=f"registration.checkin.{device_id or 'scan'}",
                                       object_type="registration", object_id=result.registration_id,
                                       session=session, at=now)
        return result

    try:
        return await ctx.platform.transaction(work)
    except DuplicateKeyError:
        # The same (device, nonce) arrived twice at once: the first one's answer stands.
        return await ctx.platform.transaction(work)


async def _screen(ctx: RegistrationContext, conference_id: str, token: str, scanned_at: datetime, now: datetime
                  ) -> tuple[ScanResult | None, dict[str, Any]]:
    """The answer for a code refused before its registration is read, or None and the code's claims."""
    try:
        claims = ctx.signer.verifier().verify(token, kind="badge")
    except InvalidSignedToken:
        return _result("invalid", "invalid_qr"), {}
    if claims.get("c") != conference_id:
        return _result("invalid", "qr_other_conference"), claims
    conference = await ctx.store.conference(conference_id)
    if conference is None:
        return _result("invalid", "invalid_qr"), claims
    refusal = _timing_refusal(conference, scanned_at, now)
    if refusal is not None:
        return _result("invalid" if refusal == "scan_in_future" else "refused", refusal), claims
    return None, claims


def _timing_refusal(conference: Conference, scanned_at: datetime, now: datetime) -> str | None:
    reason = scan_time_refusal(
        scanned_at, now=now, first_day=date.fromisoformat(conference.starts_on),
        last_day=date.fromisoformat(conference.ends_on), tz=ZoneInfo(conference.timezone or DEFAULT_TIMEZONE))
    return "scan_outside_conference_days" if reason == "scan_outside_event_days" else reason


async def _apply(ctx: RegistrationContext, session: AsyncClientSession, registration_id: str, conference_id: str,
                 gate: GateContext) -> ScanResult:
    reg = await ctx.store.registration(registration_id, session)
    if reg is None or reg.conference_id != conference_id:
        return _result("invalid", "invalid_qr")
    if reg.erased_at is not None or reg.status != "confirmed":
        if gate.admitted_offline:
            await _conflict(ctx, session, reg, "revoked_after_snapshot", gate)
        if reg.erased_at is not None:
            # The personal data is gone under law 09-08: the badge no longer names anyone.
            return _result("refused", "checkin_refused_erased", reg)
        return _result("refused", CHECKIN_REFUSALS.get(reg.status, "invalid_qr"), reg)
    if reg.checked_in_at is not None:
        if gate.admitted_offline and reg.checked_in_device != gate.device_id:
            await _conflict(ctx, session, reg, "admitted_on_two_devices", gate)
        return _result("already_checked_in", "already_checked_in", reg)
    scanned_at, device_id = gate.scanned_at, gate.device_id
    operator = gate.operator
    updated = await ctx.store.change_registration(
        registration_id, {"checked_in_at": scanned_at, "checked_in_device": device_id,
                          "checked_in_offline": gate.admitted_offline,
                          "checked_in_by": operator.sub if operator else None,
                          "checked_in_by_name": operator.name if operator else None}, session)
    assert updated is not None
    fact = participant_fact(ParticipantCheckedIn, updated, utcnow(), checked_in_at=scanned_at, device_id=device_id)
    await emit_participant(ctx, session, fact)
    return _result("checked_in", "checked_in", updated)


async def _conflict(ctx: RegistrationContext, session: AsyncClientSession, reg: Registration, kind: str,
                    gate: GateContext) -> None:
    snapshot = gate.offline.snapshot_version if gate.offline else None
    await ctx.store.record_conflict(f"{reg.conference_id}:{reg.id}:{kind}", {
        "conference_id": reg.conference_id, "registration_id": reg.id, "number": reg.number,
        "kind": kind, "first_device": reg.checked_in_device, "snapshot_version": snapshot,
        "scanned_at": gate.scanned_at}, gate.device_id or "", utcnow(), session)


async def offline_snapshot(*, ctx: RegistrationContext, conference_id: str) -> ScanSnapshot:
    """What a scanner needs to decide alone: the keys, the scan window, the revoked registrations."""
    conference = await ctx.store.conference(conference_id)
    if conference is None:
        raise NotFound("conference_not_found")
    days = (date.fromisoformat(conference.starts_on), date.fromisoformat(conference.ends_on))
    return scan_snapshot(event_id=conference_id, kind="badge", keys=ctx.signer.jwks()["keys"],
                         periods=[days], tz=ZoneInfo(conference.timezone or DEFAULT_TIMEZONE),
                         revoked=await ctx.store.revoked_registration_ids(conference_id), now=utcnow())


async def list_checkin_conflicts(*, ctx: RegistrationContext, conference_id: str) -> CheckinConflicts:
    """Conflicts of offline decisions, each registration and kind once."""
    conflicts = await ctx.store.conflicts_of(conference_id)
    return checkin_conflicts(conference_id, [c.to_document() for c in conflicts])
