"""Automatic indicators, fed by the other services' messages inside the consumer's transaction.

Each feed keeps the latest fact per key (registration, cooperative, sales declaration)
in a ``feed_*`` collection, so redeliveries, corrections and late older facts change
the indicator exactly as they should.
"""

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

# A participant counts for territorial equity once confirmed or checked in; a later
# cancellation or rejection takes them out again.
COUNTED_STATUSES = frozenset({"confirmed", "checked_in", "checked-in"})
NOT_ATTENDING = frozenset({"cancelled", "rejected", "waitlisted", "pending"})
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


async def apply_participant_change(
    *, ctx: Recommendations, session: AsyncClientSession, data: ParticipantFacts, checked_in: bool
) -> None:
    previous = await ctx.store.participant_fact(data.registration_id, session)
    if previous is not None and _older(data, previous):
        return  # an older fact arriving late changes nothing
    attended = checked_in or bool(previous and previous.get("checked_in"))
    counted = data.status in COUNTED_STATUSES or (attended and data.status not in NOT_ATTENDING)
    region = data.region or "unknown"
    await ctx.store.keep_participant_fact(data.registration_id, ParticipantFact(
        conference_id=data.conference_id, status=data.status, region=region, at=data.at, version=data.version,
        checked_in=attended, counted=counted), session)
    was = (previous["counted"], previous["region"]) if previous else (False, region)
    if was == (counted, region):
        return
    indicator = await _automatic(ctx, PARTICIPANTS_BY_REGION, session)
    breakdown = dict(indicator.current.breakdown or {}) if indicator.current else {}
    if was[0]:
        breakdown[was[1]] = breakdown.get(was[1], 0) - 1
    if counted:
        breakdown[region] = breakdown.get(region, 0) + 1
    breakdown = {k: v for k, v in sorted(breakdown.items()) if v > 0}
    await push_value(ctx=ctx, session=session, indicator=indicator, value=sum(breakdown.values()), as_of=data.at,
                     source="registration.participants", reason=None, by_role="system", breakdown=breakdown)
    await _update_regions_represented(ctx, session, breakdown, data.at)


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
