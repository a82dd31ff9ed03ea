"""Use cases of scanners that work without a network: their snapshot, their synced batches, and
the conflicts between what a gate decided offline and what the server knows."""

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from marketplace.checkin import SCAN_ATTEMPTS
from marketplace.context import Marketplace
from marketplace.domain import MARKET_TZ, BatchResult, MarketPublic, OfflineScan, ScanBatch, ScanOutcome
from marketplace.offline_batch import Decisions, Item, read, screen, write
from marketplace.records import OfflineScanRecord
from marketplace.service import market_of, market_public
from shared.documents import utcnow
from shared.errors import Conflict
from shared.i18n import translate
from shared.scanwindow import CheckinConflicts, ScanSnapshot, checkin_conflicts, scan_snapshot


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


def _answer(item: Item, record: OfflineScanRecord | None, lang: str) -> ScanOutcome:
    if record is None:
        return ScanOutcome(nonce=item.scan.nonce, status="refused", code="nonce_reused",
                           message=translate("nonce_reused", lang))
    outcome = ScanOutcome.model_validate(record.outcome)
    outcome.message = translate(outcome.code, lang, **record.params) if outcome.code else None
    return outcome


async def _apply(ctx: Marketplace, market: MarketPublic, device_id: str, scans: list[OfflineScan],
                 lang: str) -> list[ScanOutcome]:
    """Every scan decided in order, what they change written in one transaction."""
    items = [screen(ctx, market, device_id, scan) for scan in scans]

    async def work(session: AsyncClientSession) -> list[ScanOutcome]:
        state = Decisions(market, device_id, await read(ctx, items, session))
        records = [state.decide(item) for item in items]
        await write(ctx, session, state, utcnow())
        return [_answer(item, record, lang) for item, record in zip(items, records, strict=True)]

    for _ in range(SCAN_ATTEMPTS):
        try:
            return await ctx.platform.transaction(work)
        except DuplicateKeyError:
            continue  # the same scans arrived at once from a retry: the next read sees them
    raise Conflict("conflict")


async def sync_offline_scans(*, ctx: Marketplace, market_id: str, batch: ScanBatch, lang: str) -> BatchResult:
    """Scans recorded without a network, each keyed by (device, nonce): sending the
    same batch again returns the same outcomes and records nothing twice."""
    market = market_public(await market_of(ctx, market_id))
    results = await _apply(ctx, market, batch.device_id, batch.scans, lang)
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
