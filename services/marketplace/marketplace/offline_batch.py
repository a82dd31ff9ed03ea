"""A scanner's synced batch decided in memory and written in ONE transaction.

Each scan is screened first (signature, market, what the gate did, opening day). In the
transaction, the scans recorded before (a batch sent again), the passes' stands, the day's
check-ins and the cooperatives are read with one query each; every scan is then decided in
order with the rules of a live scan, and what the batch changes is written with one bulk
operation per collection, its messages included. A (device, nonce) seen before, or earlier
in the same batch, answers what it got the first time and writes nothing.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from marketplace.checkin import already_checked_in, checked_in_message, pass_claims, scan_day
from marketplace.context import Marketplace
from marketplace.domain import MarketPublic, OfflineScan, market_day
from marketplace.events import ExhibitorCheckedIn
from marketplace.records import Assignment, Checkin, Cooperative, OfflineScanRecord
from shared.documents import utcnow
from shared.errors import Conflict, DomainError
from shared.mongo import Document


@dataclass
class Item:
    """One scan once screened: its key, its claims and day, or the refusal known before any read."""

    scan: OfflineScan
    key: str
    token_hash: str
    claims: dict[str, Any]
    day: str | None
    refusal: DomainError | None

    @property
    def admitted_offline(self) -> bool:
        return self.scan.decided_offline and self.scan.offline_verdict == "admitted"


def screen(ctx: Marketplace, market: MarketPublic, device_id: str, scan: OfflineScan) -> Item:
    key = f"{market.id}:{device_id}:{scan.nonce}"
    token_hash = hashlib.sha256(scan.token.encode()).hexdigest()
    claims: dict[str, Any] = {}
    try:
        claims = pass_claims(ctx, market.id, scan.token)
        if scan.decided_offline and scan.offline_verdict != "admitted":
            # The gate turned the exhibitor away: kept as a scan, never a check-in.
            raise Conflict("pass_refused_at_gate")
        day = scan_day(market, scan.scanned_at).isoformat()
    except DomainError as refusal:
        return Item(scan, key, token_hash, claims, None, refusal)
    return Item(scan, key, token_hash, claims, day, None)


def refusal_params(refusal: DomainError) -> dict[str, Any]:
    # Stored with the answer (BSON has no day type): a day is kept as its ISO date.
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in refusal.params.items()
            if isinstance(v, str | int | date)}


@dataclass
class Read:
    """What one transaction reads for a batch, one query each."""

    scans: dict[str, OfflineScanRecord]
    held: dict[str, Assignment]
    checkins: dict[str, Checkin]
    coops: dict[str, Cooperative]


async def read(ctx: Marketplace, items: list[Item], session: AsyncClientSession) -> Read:
    passes = sorted({str(i.claims["p"]) for i in items if i.day is not None})
    coops = sorted({str(i.claims["c"]) for i in items if i.day is not None})
    days = sorted({f"{i.claims['p']}:{i.day}" for i in items if i.day is not None})
    return Read(scans=await ctx.store.offline_scans_by_id([i.key for i in items], session),
                held=await ctx.store.assignments_of_passes(passes, session) if passes else {},
                checkins=await ctx.store.checkins_by_id(days, session) if days else {},
                coops=await ctx.store.cooperatives_by_id(coops, session) if coops else {})


@dataclass
class Decisions:
    market: MarketPublic
    device_id: str
    seen: Read
    scans: list[OfflineScanRecord] = field(default_factory=list)
    checkins: list[Checkin] = field(default_factory=list)
    exhibited: dict[str, str] = field(default_factory=dict)
    messages: list[tuple[str, ExhibitorCheckedIn]] = field(default_factory=list)
    conflicts: dict[str, Document] = field(default_factory=dict)

    def decide(self, item: Item) -> OfflineScanRecord | None:
        """The scan's record (new, or the one kept before); None when its nonce names another scan."""
        stored = self.seen.scans.get(item.key)
        if stored is not None:
            return stored if stored.token_hash == item.token_hash else None
        outcome, params = self._outcome(item)
        scan = item.scan
        record = OfflineScanRecord(
            id=item.key, token_hash=item.token_hash, market_id=self.market.id, device_id=self.device_id,
            scanned_at=scan.scanned_at, decided_offline=scan.decided_offline, offline_verdict=scan.offline_verdict,
            snapshot_version=scan.snapshot_version, outcome=outcome, params=params)
        self.seen.scans[item.key] = record
        self.scans.append(record)
        return record

    def _outcome(self, item: Item) -> tuple[dict[str, Any], dict[str, Any]]:
        nonce = item.scan.nonce
        try:
            if item.refusal is not None:
                raise item.refusal
            checkin, created = self._checkin(item)
        except DomainError as refusal:
            if item.admitted_offline and refusal.code == "pass_revoked":
                self._conflict(item, "revoked_after_snapshot")
            return {"nonce": nonce, "status": "refused", "code": refusal.code}, refusal_params(refusal)
        outcome = {
            "nonce": nonce, "status": "checked_in" if created else "already_checked_in",
            "code": None if created else "exhibitor_already_checked_in", "pass_id": checkin.pass_id,
            "cooperative_id": checkin.cooperative_id, "day": checkin.day, "checked_in_at": checkin.checked_in_at,
            "first_device_id": None if created else checkin.device_id}
        if created:
            return outcome, {}
        if item.admitted_offline and checkin.device_id != self.device_id:
            self._conflict(item, "admitted_on_two_devices", first_device=checkin.device_id)
        return outcome, already_checked_in(checkin).params

    def _checkin(self, item: Item) -> tuple[Checkin, bool]:
        claims, day = item.claims, str(item.day)
        held = self.seen.held.get(claims["p"])
        if held is None or held.stand_number != claims["s"] or held.cooperative_id != claims["c"]:
            raise Conflict("pass_revoked")
        checkin_id = f"{claims['p']}:{day}"
        existing = self.seen.checkins.get(checkin_id)
        if existing is not None:
            return existing, False
        checkin = Checkin(id=checkin_id, pass_id=claims["p"], market_id=self.market.id,
                          cooperative_id=claims["c"], stand_number=claims["s"], day=day,
                          checked_in_at=item.scan.scanned_at, device_id=self.device_id, recorded_at=utcnow())
        self.seen.checkins[checkin_id] = checkin
        self.checkins.append(checkin)
        self.exhibited[claims["c"]] = max(day, self.exhibited.get(claims["c"], day))
        self.messages.append((claims["p"], checked_in_message(checkin, self.seen.coops.get(claims["c"]))))
        return checkin, True

    def _conflict(self, item: Item, kind: str, first_device: str | None = None) -> None:
        claims, scan = item.claims, item.scan
        day = market_day(scan.scanned_at).isoformat()
        self.conflicts.setdefault(f"{self.market.id}:{claims['p']}:{day}:{kind}", {
            "market_id": self.market.id, "pass_id": claims["p"], "cooperative_id": claims["c"],
            "stand_number": claims["s"], "day": day, "kind": kind, "first_device": first_device,
            "snapshot_version": scan.snapshot_version, "scanned_at": scan.scanned_at})


async def write(ctx: Marketplace, session: AsyncClientSession, state: Decisions, now: datetime) -> None:
    if state.conflicts:
        await ctx.store.record_conflicts(state.conflicts, state.device_id, now, session)
    if state.checkins:
        await ctx.store.insert_checkins(state.checkins, session)
        await ctx.store.note_exhibited_many(state.exhibited, session)
        await ctx.publish_many(session, list(state.messages))
    if state.scans:
        await ctx.store.insert_offline_scans(state.scans, session)
