"""Automatic indicators, fed by the other services' messages inside the consumer's transaction.

Each feed keeps the latest fact per key (registration, cooperative, sales declaration)
in a ``feed_*`` collection, so redeliveries, corrections and late older facts change
the indicator exactly as they should.
"""

from collections.abc import Sequence
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from pydantic import Field
from pymongo.asynchronous.client_session import AsyncClientSession

from recommendations.catalogue import EXHIBITING_COOPERATIVES, MARKET_SALES, PARTICIPANTS_BY_REGION, REGIONS_REPRESENTED
from recommendations.context import Recommendations
from recommendations.documents import Indicator, ParticipantFact, SalesFact
from recommendations.indicators import push_value
from shared.consumer import Reader
from shared.regions import REGIONS

# A participant counts for territorial equity once confirmed; a later cancellation or rejection
# takes them out again (registration's statuses: pending, confirmed, waitlisted, cancelled, rejected).
COUNTED_STATUS = "confirmed"
# The sales indicator's history is public: a value is published only once the changes
# since the last published one come from at least this many cooperatives, or a step
# of the history would be one cooperative's day total (marketplace's threshold too).
MIN_COOPERATIVES_PER_STEP = 3


class ParticipantFacts(Reader):
    """The fields of ``registration.participant-<verb>.v1`` this service reads."""

    registration_id: str
    conference_id: str
    status: str
    region: str | None = None
    at: datetime
    # Absent from messages sent before registration numbered its states.
    version: int | None = None


class ExhibitorCheckedIn(Reader):
    """The fields of ``marketplace.exhibitor-checked-in.v1`` this service reads."""

    reads = ("marketplace.exhibitor-checked-in.v1",)

    market_id: str
    cooperative_id: str
    checked_in_at: datetime


class SalesDeclared(Reader):
    """The fields of ``marketplace.sales-declared.v1`` this service reads."""

    reads = ("marketplace.sales-declared.v1",)

    declaration_id: str
    market_id: str
    cooperative_id: str
    day: date
    amount_mad: Decimal = Field(ge=0)
    declared_at: datetime
    # Absent from messages sent before marketplace numbered its declarations.
    version: int | None = Field(default=None, ge=1)


async def apply_participant_changes(
    *, ctx: Recommendations, session: AsyncClientSession, changes: Sequence[ParticipantFacts]
) -> None:
    """Registrations' facts in message order: one read and one write of their latest facts, and the
    indicator moved once for all of them (one value in its history, one message)."""
    known = await ctx.store.participant_facts(sorted({data.registration_id for data in changes}), session)
    stored = set(known)
    kept: dict[str, ParticipantFact] = {}
    moves: dict[str, int] = {}
    moved_at: datetime | None = None
    for data in changes:
        previous = known.get(data.registration_id)
        if previous is not None and _older(data, previous):
            continue  # an older fact arriving late changes nothing
        fact = ParticipantFact(conference_id=data.conference_id, status=data.status, region=data.region or "unknown",
                               at=data.at, version=data.version, counted=data.status == COUNTED_STATUS)
        known[data.registration_id] = kept[data.registration_id] = fact
        if _move(moves, previous, fact):
            moved_at = max(moved_at, data.at) if moved_at else data.at
    await ctx.store.keep_participant_facts(kept, session, stored=stored)
    if moved_at is None or not any(moves.values()):
        return
    indicator = await _automatic(ctx, PARTICIPANTS_BY_REGION, session)
    breakdown = dict(indicator.current.breakdown or {}) if indicator.current else {}
    for region, change in moves.items():
        breakdown[region] = breakdown.get(region, 0) + change
    breakdown = {k: v for k, v in sorted(breakdown.items()) if v > 0}
    await push_value(ctx=ctx, session=session, indicator=indicator, value=sum(breakdown.values()), as_of=moved_at,
                     source="registration.participants", reason=None, by_role="system", breakdown=breakdown)
    await _update_regions_represented(ctx, session, breakdown, moved_at)


def _move(moves: dict[str, int], previous: ParticipantFact | None, fact: ParticipantFact) -> bool:
    """Add a registration's move between regions and counted/not counted; False when it did not move."""
    was = (previous["counted"], previous["region"]) if previous else (False, fact["region"])
    if was == (fact["counted"], fact["region"]):
        return False
    if was[0]:
        moves[was[1]] = moves.get(was[1], 0) - 1
    if fact["counted"]:
        moves[fact["region"]] = moves.get(fact["region"], 0) + 1
    return True


def _older(data: ParticipantFacts, previous: ParticipantFact) -> bool:
    """Registration's version orders its facts as they committed (``at`` is read before the
    transaction); ``at`` decides only when one of the two has no version."""
    if data.version is not None and previous.get("version") is not None:
        return data.version < int(previous["version"] or 0)
    return bool(previous["at"] > data.at)


async def _update_regions_represented(
    ctx: Recommendations, session: AsyncClientSession, breakdown: dict[str, float], at: datetime
) -> None:
    represented = sum(1 for code in REGIONS if breakdown.get(code, 0) > 0)
    indicator = await ctx.store.indicator(REGIONS_REPRESENTED, session)
    if indicator is None or (indicator.current is not None and indicator.current.value == represented):
        return
    await push_value(ctx=ctx, session=session, indicator=indicator, value=represented, as_of=at,
                     source="registration.participants", reason=None, by_role="system")


async def apply_exhibitor_checkin(*, ctx: Recommendations, session: AsyncClientSession,
                                  data: ExhibitorCheckedIn) -> None:
    if await ctx.store.cooperative_counted(data.cooperative_id, session):
        return  # counted once, whatever the market or day
    await ctx.store.count_cooperative(data.cooperative_id, data.market_id, data.checked_in_at, session)
    indicator = await _automatic(ctx, EXHIBITING_COOPERATIVES, session)
    value = (indicator.current.value if indicator.current else 0) + 1
    await push_value(ctx=ctx, session=session, indicator=indicator, value=value, as_of=data.checked_in_at,
                     source="marketplace.checkins", reason=None, by_role="system")


def _supersedes(data: SalesDeclared, previous: SalesFact) -> bool:
    """Whether a declaration's message is newer than the state kept: by marketplace's version,
    which follows the order its transactions committed in; by time only for unnumbered ones."""
    if data.version is not None and previous.get("version") is not None:
        return data.version > int(previous["version"] or 0)
    return bool(data.declared_at >= previous["declared_at"])


async def apply_sales_declaration(*, ctx: Recommendations, session: AsyncClientSession,
                                  data: SalesDeclared) -> None:
    """Each declaration carries the day's total: keep the newest per declaration and sum them (in
    centimes). The sum is published when it holds changes of ``MIN_COOPERATIVES_PER_STEP``
    cooperatives since the last published value; until then the changes wait in ``pending``."""
    previous = await ctx.store.sales_fact(data.declaration_id, session)
    if previous is not None and not _supersedes(data, previous):
        return
    cents = int((data.amount_mad * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    delta = cents - (previous["cents"] if previous else 0)
    await ctx.store.keep_sales_fact(data.declaration_id, SalesFact(
        cents=cents, declared_at=data.declared_at, version=data.version, market_id=data.market_id,
        cooperative_id=data.cooperative_id, day=data.day.isoformat()), session)
    if delta == 0:
        return  # a change of nothing hides nobody else's change: it does not count for a step
    totals = await ctx.store.sales_totals(MARKET_SALES, session)
    total = (totals["cents"] if totals else 0) + delta
    pending = sorted(set(totals["pending"] if totals else []) | {data.cooperative_id})
    if len(pending) < MIN_COOPERATIVES_PER_STEP:
        await ctx.store.keep_sales_totals(MARKET_SALES, {"cents": total, "pending": pending}, session)
        return
    await ctx.store.keep_sales_totals(MARKET_SALES, {"cents": total, "pending": []}, session)
    indicator = await _automatic(ctx, MARKET_SALES, session)
    await push_value(ctx=ctx, session=session, indicator=indicator, value=total / 100, as_of=data.declared_at,
                     source="marketplace.sales", reason=None, by_role="system")


async def _automatic(ctx: Recommendations, indicator_id: str, session: AsyncClientSession) -> Indicator:
    indicator = await ctx.store.indicator(indicator_id, session)
    if indicator is None:
        raise RuntimeError("automatic indicators are not defined yet")
    return indicator
