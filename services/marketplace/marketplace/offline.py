"""Use cases of scanners that work without a network: their snapshot, their synced batches, and
the conflicts between what a gate decided offline and what the server knows."""

import hashlib
from datetime import date
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from marketplace.checkin import SCAN_ATTEMPTS, already_checked_in, pass_claims, record_checkin
from marketplace.context import Marketplace
from marketplace.domain import MARKET_TZ, BatchResult, MarketPublic, OfflineScan, ScanBatch, ScanOutcome, market_day
from marketplace.records import OfflineScanRecord
from marketplace.service import market_of, market_public
from shared.documents import utcnow
from shared.errors import Conflict, DomainError
from shared.i18n import translate
from shared.scanwindow import CheckinConflicts, ScanSnapshot, checkin_conflicts, scan_snapshot


def _outcome(stored: OfflineScanRecord, lang: str) -> ScanOutcome:
    outcome = ScanOutcome.model_validate(stored.outcome)
    outcome.message = translate(outcome.code, lang, **stored.params) if outcome.code else None
    return outcome


def _refusal_params(refusal: DomainError) -> dict[str, Any]:
    # Stored with the answer (BSON has no day type): a day is kept as its ISO date.
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in refusal.params.items()
            if isinstance(v, str | int | date)}


async def _decide_scan(ctx: Marketplace, session: AsyncClientSession, market: MarketPublic, device_id: str,
                       scan: OfflineScan) -> tuple[dict[str, Any], dict[str, Any]]:
    """The outcome of one synced scan and the parameters of its message."""
    admitted_offline = scan.decided_offline and scan.offline_verdict == "admitted"
    claims: dict[str, Any] = {}
    try:
        claims = pass_claims(ctx, market.id, scan.token)
        if scan.decided_offline and not admitted_offline:
            # The gate turned the exhibitor away: kept as a scan, never a check-in.
            raise Conflict("pass_refused_at_gate")
        checkin, created = await record_checkin(ctx, session, market, claims, scan.scanned_at, device_id)
    except DomainError as refusal:
        if admitted_offline and refusal.code == "pass_revoked":
            await _conflict(ctx, session, market, claims, "revoked_after_snapshot", scan, device_id)
        return {"nonce": scan.nonce, "status": "refused", "code": refusal.code}, _refusal_params(refusal)
    outcome = {
        "nonce": scan.nonce, "status": "checked_in" if created else "already_checked_in",
        "code": None if created else "exhibitor_already_checked_in", "pass_id": checkin.pass_id,
        "cooperative_id": checkin.cooperative_id, "day": checkin.day, "checked_in_at": checkin.checked_in_at,
        "first_device_id": None if created else checkin.device_id}
    if created:
        return outcome, {}
    if admitted_offline and checkin.device_id != device_id:
        await _conflict(ctx, session, market, claims, "admitted_on_two_devices", scan, device_id,
                        first_device=checkin.device_id)
    return outcome, already_checked_in(checkin).params


async def _scan_once(ctx: Marketplace, market: MarketPublic, device_id: str, scan: OfflineScan,
                     key: str, token_hash: str) -> OfflineScanRecord:
    async def work(session: AsyncClientSession) -> OfflineScanRecord:
        outcome, params = await _decide_scan(ctx, session, market, device_id, scan)
        record = OfflineScanRecord(
            id=key, token_hash=token_hash, market_id=market.id, device_id=device_id, scanned_at=scan.scanned_at,
            decided_offline=scan.decided_offline, offline_verdict=scan.offline_verdict,
            snapshot_version=scan.snapshot_version, outcome=outcome, params=params)
        await ctx.store.insert_offline_scan(record, session)
        return record

    return await ctx.platform.transaction(work)


async def _conflict(ctx: Marketplace, session: AsyncClientSession, market: MarketPublic, claims: dict[str, Any],
                    kind: str, scan: OfflineScan, device_id: str, first_device: str | None = None) -> None:
    day = market_day(scan.scanned_at).isoformat()
    await ctx.store.record_conflict(f"{market.id}:{claims['p']}:{day}:{kind}", {
        "market_id": market.id, "pass_id": claims["p"], "cooperative_id": claims["c"], "stand_number": claims["s"],
        "day": day, "kind": kind, "first_device": first_device, "snapshot_version": scan.snapshot_version,
        "scanned_at": scan.scanned_at}, device_id, utcnow(), session)


async def offline_snapshot(*, ctx: Marketplace, market_id: str) -> ScanSnapshot:
    """What a scanner needs to decide alone: the keys, each opening day's window, the revoked passes."""
    market = await market_of(ctx, market_id)
    return scan_snapshot(event_id=market_id, kind="pass", keys=ctx.signer.jwks()["keys"],
                         periods=[(day, day) for day in market.days], tz=MARKET_TZ,
                         revoked=await ctx.store.revoked_pass_ids(market_id), now=utcnow())


async def list_checkin_conflicts(*, ctx: Marketplace, market_id: str) -> CheckinConflicts:
    """Conflicts of offline decisions, each pass, day and kind once."""
    await market_of(ctx, market_id)
    return checkin_conflicts(market_id, await ctx.store.checkin_conflicts(market_id))


async def _offline_scan(ctx: Marketplace, market: MarketPublic, device_id: str, scan: OfflineScan,
                        lang: str) -> ScanOutcome:
    key = f"{market.id}:{device_id}:{scan.nonce}"
    token_hash = hashlib.sha256(scan.token.encode()).hexdigest()
    for _ in range(SCAN_ATTEMPTS):
        stored = await ctx.store.offline_scan(key)
        if stored is not None:
            if stored.token_hash != token_hash:
                return ScanOutcome(nonce=scan.nonce, status="refused", code="nonce_reused",
                                   message=translate("nonce_reused", lang))
            return _outcome(stored, lang)
        try:
            return _outcome(await _scan_once(ctx, market, device_id, scan, key, token_hash), lang)
        except DuplicateKeyError:
            continue
    raise Conflict("conflict")


async def sync_offline_scans(*, ctx: Marketplace, market_id: str, batch: ScanBatch, lang: str) -> BatchResult:
    """Scans recorded without a network, each keyed by (device, nonce): sending the
    same batch again returns the same outcomes and records nothing twice."""
    market = market_public(await market_of(ctx, market_id))
    results = [await _offline_scan(ctx, market, batch.device_id, scan, lang) for scan in batch.scans]
    coops = await ctx.store.cooperatives_by_id(list({r.cooperative_id for r in results if r.cooperative_id}))
    for r in results:
        if r.cooperative_id in coops:
            r.cooperative_name = coops[r.cooperative_id].name
    return BatchResult(
        device_id=batch.device_id, results=results,
        checked_in=sum(r.status == "checked_in" for r in results),
        conflicts=sum(r.status == "already_checked_in" for r in results),
        refused=sum(r.status == "refused" for r in results),
    )
