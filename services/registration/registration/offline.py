"""Scans applied together: a synced offline batch, or one live scan, in ONE transaction.

Each scan is screened first (signature, conference, scan window). Then, in the transaction,
the scans already recorded (a batch sent again) are read with one query, the registrations
with another, every scan is decided in order in memory with the gate's rules, and what the
batch changes is written with one bulk operation per collection, its messages included.
A scan id (device:nonce) seen before, or earlier in the same batch, answers what it got
the first time and writes nothing.
"""

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from registration.context import RegistrationContext
from registration.domain import CHECKIN_REFUSALS
from registration.events import ParticipantCheckedIn
from registration.gate import GateContext, Operator, Scan, ScanResult, result_of
from registration.models import Conference, Registration, ScanRecord
from registration.service import participant_fact
from shared.audit import Act
from shared.auth import Principal
from shared.documents import utcnow
from shared.envelope import message_envelope
from shared.mongo import Document
from shared.scanwindow import scan_time_refusal
from shared.signing import InvalidSignedToken
from shared.timezones import MOROCCO_TIMEZONE


@dataclass
class Item:
    """One scan once screened: its ids, and its answer when known before any registration is read."""

    scan: Scan
    gate: GateContext
    scan_id: str | None
    record_id: str
    early: ScanResult | None
    registration_id: str | None
    now: datetime
    act: Act | None = None

    @property
    def answered_early(self) -> bool:
        return self.early is not None and self.scan_id is None

    @property
    def needs_registration(self) -> bool:
        refused_at_gate = self.scan.decided_offline and self.scan.offline_verdict != "admitted"
        return self.early is None and not refused_at_gate


def _to_ms(moment: datetime) -> datetime:
    # As MongoDB keeps it, so an answer given now equals the one read back later.
    return moment.astimezone(UTC).replace(microsecond=moment.microsecond // 1000 * 1000)


def _screen(ctx: RegistrationContext, conference: Conference | None, conference_id: str, scan: Scan,
            scanned_at: datetime, now: datetime) -> tuple[ScanResult | None, str | None]:
    """The answer for a code refused before its registration is read (or None), and its registration id."""
    try:
        claims = ctx.signer.verifier().verify(scan.token, kind="badge")
    except InvalidSignedToken:
        return result_of("invalid", "invalid_qr"), None
    if claims.get("c") != conference_id:
        return result_of("invalid", "qr_other_conference"), None
    if conference is None:
        return result_of("invalid", "invalid_qr"), None
    reason = scan_time_refusal(
        scanned_at, now=now, first_day=date.fromisoformat(conference.starts_on),
        last_day=date.fromisoformat(conference.ends_on), tz=ZoneInfo(conference.timezone or MOROCCO_TIMEZONE))
    if reason is not None:
        code = "scan_outside_conference_days" if reason == "scan_outside_event_days" else reason
        return result_of("invalid" if code == "scan_in_future" else "refused", code), None
    return None, str(claims.get("r"))


def screen(ctx: RegistrationContext, conference: Conference | None, conference_id: str, scan: Scan,
           device_id: str | None, operator: Operator | None, now: datetime) -> Item:
    scanned_at = scan.scanned_at or now
    if scanned_at.tzinfo is None:
        scanned_at = scanned_at.replace(tzinfo=now.tzinfo)
    scanned_at = _to_ms(scanned_at)
    early, registration_id = _screen(ctx, conference, conference_id, scan, scanned_at, now)
    scan_id = f"{device_id}:{scan.nonce}" if device_id and scan.nonce else None
    # Scans without a nonce are kept too (the check-in day's last scans), each under its own id.
    record_id = scan_id or f"{device_id or 'online'}:{secrets.token_hex(8)}"
    gate = GateContext(device_id=device_id, scanned_at=scanned_at,
                       offline=scan if scan.decided_offline else None, operator=operator)
    return Item(scan, gate, scan_id, record_id, early, registration_id, now)


@dataclass
class Decisions:
    """One transaction's view of the batch: what was read, then what each scan decided."""

    conference_id: str
    regs: dict[str, Registration]
    seen: dict[str, ScanResult]
    now: datetime
    checked: dict[str, Document] = field(default_factory=dict)
    facts: list[ParticipantCheckedIn] = field(default_factory=list)
    records: list[ScanRecord] = field(default_factory=list)
    conflicts: dict[str, tuple[Document, set[str]]] = field(default_factory=dict)

    def decide(self, item: Item) -> ScanResult:
        if item.scan_id is not None and item.scan_id in self.seen:
            return self.seen[item.scan_id]
        if item.early is not None:
            if item.scan_id is None:
                return item.early  # nothing to keep: no device, or no nonce to answer a retry with
            result = item.early
        elif not item.needs_registration:
            result = result_of("refused", "badge_refused_at_gate")
        else:
            result = self._apply(str(item.registration_id), item.gate)
        self.records.append(_record(self.conference_id, item, result))
        if item.scan_id is not None:
            self.seen[item.scan_id] = result
        return result

    def _apply(self, registration_id: str, gate: GateContext) -> ScanResult:
        reg = self.regs.get(registration_id)
        if reg is None or reg.conference_id != self.conference_id:
            return result_of("invalid", "invalid_qr")
        if reg.erased_at is not None or reg.status != "confirmed":
            if gate.admitted_offline:
                self._conflict(reg, "revoked_after_snapshot", gate)
            if reg.erased_at is not None:
                # The personal data is gone under law 09-08: the badge no longer names anyone.
                return result_of("refused", "checkin_refused_erased", reg)
            return result_of("refused", CHECKIN_REFUSALS.get(reg.status, "invalid_qr"), reg)
        if reg.checked_in_at is not None:
            if gate.admitted_offline and reg.checked_in_device != gate.device_id:
                self._conflict(reg, "admitted_on_two_devices", gate)
            return result_of("already_checked_in", "already_checked_in", reg)
        operator = gate.operator
        fields = {"checked_in_at": gate.scanned_at, "checked_in_device": gate.device_id,
                  "checked_in_offline": gate.admitted_offline,
                  "checked_in_by": operator.sub if operator else None,
                  "checked_in_by_name": operator.name if operator else None}
        updated = reg.model_copy(update={**fields, "version": reg.version + 1})
        self.regs[registration_id] = updated
        self.checked[registration_id] = fields
        self.facts.append(participant_fact(ParticipantCheckedIn, updated, utcnow(),
                                           checked_in_at=gate.scanned_at, device_id=gate.device_id))
        return result_of("checked_in", "checked_in", updated)

    def _conflict(self, reg: Registration, kind: str, gate: GateContext) -> None:
        conflict_id = f"{reg.conference_id}:{reg.id}:{kind}"
        snapshot = gate.offline.snapshot_version if gate.offline else None
        fields, devices = self.conflicts.setdefault(conflict_id, ({
            "conference_id": reg.conference_id, "registration_id": reg.id, "number": reg.number,
            "kind": kind, "first_device": reg.checked_in_device, "snapshot_version": snapshot,
            "scanned_at": gate.scanned_at}, set()))
        devices.add(gate.device_id or "")


def _record(conference_id: str, item: Item, result: ScanResult) -> ScanRecord:
    scan, operator = item.scan, item.gate.operator
    return ScanRecord(
        id=item.record_id, conference_id=conference_id, result=result.model_dump(), at=item.now,
        device_id=item.gate.device_id, scanned_at=item.gate.scanned_at, decided_offline=scan.decided_offline,
        offline_verdict=scan.offline_verdict, snapshot_version=scan.snapshot_version,
        operator_sub=operator.sub if operator else None, operator_name=operator.name if operator else None)


async def _write(ctx: RegistrationContext, session: AsyncClientSession, state: Decisions) -> None:
    if state.conflicts:
        await ctx.store.record_conflicts(state.conflicts, state.now, session)
    if state.checked:
        await ctx.store.check_in_many(state.checked, session)
    if state.facts:
        source = ctx.platform.settings.service_name
        envelopes = [message_envelope(fact, source=source, subject=fact.registration_id) for fact in state.facts]
        await ctx.platform.outbox.add_many(session, state.facts[0].topic, envelopes)
    if state.records:
        await ctx.store.add_scans(state.records, session)


async def commit_scans(ctx: RegistrationContext, conference_id: str, items: Sequence[Item]) -> list[ScanResult]:
    """Screened scans of one conference decided in order and written in one transaction."""

    async def work(session: AsyncClientSession) -> list[ScanResult]:
        scan_ids = [item.scan_id for item in items if item.scan_id is not None]
        seen = await ctx.store.scan_results(scan_ids, session) if scan_ids else {}
        wanted = {str(item.registration_id) for item in items if item.needs_registration}
        regs = await ctx.store.registrations_by_id(sorted(wanted), session) if wanted else {}
        state = Decisions(conference_id, regs, {k: ScanResult.model_validate(v) for k, v in seen.items()}, utcnow())
        results = [state.decide(item) for item in items]
        await _write(ctx, session, state)
        for item, result in zip(items, results, strict=True):
            await _audit(ctx, session, item, result)
        return results

    try:
        return await ctx.platform.transaction(work)
    except DuplicateKeyError:
        # The same (device, nonce) arrived twice at once: the first one's answers stand.
        return await ctx.platform.transaction(work)


async def apply_scans(*, ctx: RegistrationContext, conference_id: str, scans: list[Scan], device_id: str | None,
                      by: Principal | None = None) -> list[ScanResult]:
    """A scanner's batch: every scan's answer, in order; what they change written in one transaction."""
    conference, now = await ctx.store.conference(conference_id), utcnow()
    items = [screen(ctx, conference, conference_id, scan, device_id, Operator.of(by), now) for scan in scans]
    return await _answer_all(ctx, conference_id, items)


async def _answer_all(ctx: RegistrationContext, conference_id: str, items: Sequence[Item]) -> list[ScanResult]:
    """A code refused before any read and without a nonce is answered at once, never kept."""
    pending = [item for item in items if not item.answered_early]
    written = iter(await commit_scans(ctx, conference_id, pending) if pending else [])
    return [item.early if item.answered_early and item.early else next(written) for item in items]


@dataclass
class LiveScan:
    scan: Scan
    device_id: str | None
    operator: Operator | None
    act: Act | None
    now: datetime


async def apply_live_scan(*, ctx: RegistrationContext, conference_id: str, scan: Scan, device_id: str | None,
                          by: Principal | None = None, act: Act | None = None) -> ScanResult:
    """One live scan, written with the other scans of the conference that arrive meanwhile.

    ``act`` (a manual check-in) is written to the audit log when the scan named a registration."""

    async def write(live: Sequence[LiveScan]) -> list[ScanResult]:
        # The conference read once for every scan waiting.
        conference = await ctx.store.conference(conference_id)
        items = []
        for one in live:
            item = screen(ctx, conference, conference_id, one.scan, one.device_id, one.operator, one.now)
            item.act = one.act
            items.append(item)
        return await _answer_all(ctx, conference_id, items)

    return await ctx.scans.submit(conference_id, LiveScan(scan, device_id, Operator.of(by), act, utcnow()), write)


async def _audit(ctx: RegistrationContext, session: AsyncClientSession, item: Item, result: ScanResult) -> None:
    if item.act is not None and result.registration_id is not None:
        device_id = item.gate.device_id
        await ctx.store.record_act(item.act, action=f"registration.checkin.{device_id or 'scan'}",
                                   object_type="registration", object_id=result.registration_id,
                                   session=session, at=item.now)
