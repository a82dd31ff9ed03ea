"""Indicators: definitions, manual values, and the automatic ones fed by other services' messages.

Every value is appended to ``indicator_values`` (the history of values) and made
current in the same transaction; a past state is the latest value recorded by then.
"""

from datetime import UTC, date, datetime, time
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pymongo.asynchronous.client_session import AsyncClientSession

from recommendations import events
from recommendations.catalogue import AUTOMATIC_INDICATORS
from recommendations.context import Recommendations
from recommendations.documents import Indicator, IndicatorValue
from recommendations.domain import SLUG, Figure, Reason
from recommendations.service import SOURCE, Actor
from shared.audit import Act
from shared.documents import utcnow
from shared.envelope import message_envelope
from shared.errors import Conflict, DomainError, NotFound
from shared.i18n import LocalizedName, StoredText
from shared.limits import Ref, ShortText
from shared.timezones import MOROCCO_TIMEZONE, Day

# Where the register is kept: "today" for dating a value is Morocco's day.
MOROCCO = ZoneInfo(MOROCCO_TIMEZONE)

class IndicatorCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(max_length=64)
    recommendation_id: Ref | None = None
    name: LocalizedName
    unit: Annotated[ShortText, Field(min_length=1, max_length=40)]
    baseline: Figure | None = None
    baseline_date: Day | None = None
    target: Figure | None = None
    target_date: Day | None = None
    reason: Reason = "defined"

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG.match(value):
            raise ValueError("bad_identifier")
        return value


class IndicatorValueCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: Figure
    as_of: Day
    source: str = Field(min_length=3, max_length=500)
    reason: Reason


class IndicatorCurrent(BaseModel):
    value: float
    as_of: datetime
    recorded_at: datetime
    source: str
    breakdown: dict[str, float] | None = None


class IndicatorPublic(BaseModel):
    id: str
    recommendation_id: str | None
    name: StoredText
    unit: str
    mode: str
    baseline: float | None
    baseline_date: date | None
    target: float | None
    target_date: date | None
    current: IndicatorCurrent | None
    progress_to_target: float | None


class IndicatorValuePublic(BaseModel):
    seq: int
    value: float
    as_of: datetime
    recorded_at: datetime
    source: str
    breakdown: dict[str, float] | None = None
    reason: str | None = None
    by_role: str


class IndicatorDetail(IndicatorPublic):
    values: list[IndicatorValuePublic]


def progress_to_target(baseline: float | None, target: float | None, value: float | None) -> float | None:
    """Share of the way from baseline to target, in percent (may exceed 100 or be negative)."""
    if value is None or target is None or baseline is None or target == baseline:
        return None
    return round((value - baseline) / (target - baseline) * 100, 1)


def to_public(indicator: Indicator, current: IndicatorCurrent | None) -> IndicatorPublic:
    return IndicatorPublic(
        id=indicator.id, current=current,
        progress_to_target=progress_to_target(indicator.baseline, indicator.target,
                                              current.value if current else None),
        name=indicator.name, **indicator.model_dump(include={
            "recommendation_id", "unit", "mode", "baseline", "baseline_date", "target", "target_date"}))


def _current(value: IndicatorValue | None) -> IndicatorCurrent | None:
    return IndicatorCurrent.model_validate(value.current().model_dump()) if value else None


async def ensure_automatic_indicators(*, ctx: Recommendations) -> None:
    for definition in AUTOMATIC_INDICATORS:
        await ctx.store.ensure_indicator(Indicator.model_validate(
            {**definition, "mode": "automatic", "version": 0, "current": None, "baseline_date": None,
             "target_date": None, "created_at": utcnow()}))


async def define_indicator(*, ctx: Recommendations, data: IndicatorCreate, act: Act | None = None) -> IndicatorPublic:
    indicator = Indicator(
        id=data.id, recommendation_id=data.recommendation_id, name=data.name.model_dump(), unit=data.unit,
        mode="manual", baseline=data.baseline,
        baseline_date=data.baseline_date.isoformat() if data.baseline_date else None, target=data.target,
        target_date=data.target_date.isoformat() if data.target_date else None, created_at=utcnow(),
        reason=data.reason)

    async def work(session: AsyncClientSession) -> IndicatorPublic:
        if await ctx.store.indicator(data.id, session) is not None:
            raise Conflict("indicator_exists", indicator_id=data.id)
        if data.recommendation_id and await ctx.store.recommendation(data.recommendation_id, session) is None:
            raise NotFound("recommendation_unknown", recommendation_id=data.recommendation_id)
        await ctx.store.insert_indicator(indicator, session)
        await ctx.store.audit(act, action="indicator.define", object_type="indicator", object_id=data.id,
                              session=session)
        return to_public(indicator, None)

    return await ctx.platform.transaction(work)


async def record_indicator_value(
    *, ctx: Recommendations, indicator_id: str, data: IndicatorValueCreate, actor: Actor
) -> IndicatorPublic:
    # A value is measured, so it cannot be dated after today where the register is kept; a later
    # date would also stand as "current" in every snapshot until then.
    if data.as_of > datetime.now(MOROCCO).date():
        raise DomainError("indicator_value_in_future", status=422, as_of=data.as_of.isoformat())

    async def work(session: AsyncClientSession) -> IndicatorPublic:
        indicator = await _indicator(ctx, indicator_id, session)
        if indicator.mode == "automatic":
            raise Conflict("indicator_automatic", indicator_id=indicator_id)
        as_of = datetime.combine(data.as_of, time.min, tzinfo=UTC)
        value = await push_value(ctx=ctx, session=session, indicator=indicator, value=data.value, as_of=as_of,
                                 source=data.source, reason=data.reason, by_role=actor.role)
        await ctx.store.audit(actor.act, action="indicator.record_value", object_type="indicator",
                              object_id=indicator_id, session=session)
        return to_public(indicator, _current(value))

    return await ctx.platform.transaction(work)


async def _indicator(ctx: Recommendations, indicator_id: str, session: AsyncClientSession) -> Indicator:
    indicator = await ctx.store.indicator(indicator_id, session)
    if indicator is None:
        raise NotFound("indicator_unknown", indicator_id=indicator_id)
    return indicator


async def push_value(
    *, ctx: Recommendations, session: AsyncClientSession, indicator: Indicator, value: float, as_of: datetime,
    source: str, reason: str | None, by_role: str, breakdown: dict[str, float] | None = None,
) -> IndicatorValue:
    previous = indicator.current
    recorded_at = max(utcnow(), previous.recorded_at) if previous else utcnow()
    seq = indicator.version + 1
    entry = IndicatorValue(id=IndicatorValue.key(indicator.id, seq), indicator_id=indicator.id, seq=seq,
                           value=value, as_of=as_of, recorded_at=recorded_at, source=source, breakdown=breakdown,
                           reason=reason, by_role=by_role)
    await ctx.store.append_indicator_value(indicator, entry, session)
    payload = events.IndicatorUpdated(
        indicator_id=indicator.id, recommendation_id=indicator.recommendation_id, seq=seq, value=value,
        unit=indicator.unit, as_of=as_of, source=source, baseline=indicator.baseline, target=indicator.target,
        breakdown=breakdown)
    await ctx.platform.outbox.add(session, payload.topic, message_envelope(
        payload, source=SOURCE, subject=indicator.id))
    return entry


# Reads


async def list_indicators(*, ctx: Recommendations, as_of: datetime | None) -> list[IndicatorPublic]:
    result = []
    for indicator in await ctx.store.all_indicators():
        if as_of is None:
            current = indicator.current
            result.append(to_public(indicator, IndicatorCurrent.model_validate(current.model_dump())
                                    if current else None))
        elif indicator.created_at <= as_of:
            result.append(to_public(indicator, _current(await ctx.store.latest_value(indicator.id, as_of))))
    return result


async def get_indicator(
    *, ctx: Recommendations, indicator_id: str, as_of: datetime | None, limit: int = 500
) -> IndicatorDetail:
    indicator = await ctx.store.indicator(indicator_id)
    if indicator is None or (as_of is not None and indicator.created_at > as_of):
        raise NotFound("indicator_unknown", indicator_id=indicator_id)
    if as_of is None:
        through = indicator.version
    else:
        last = await ctx.store.latest_value(indicator_id, as_of)
        through = last.seq if last else 0
    values = await ctx.store.indicator_values(indicator_id, through, limit) if through else []
    public = to_public(indicator, _current(values[-1] if values else None))
    return IndicatorDetail(**public.model_dump(),
                           values=[IndicatorValuePublic.model_validate(v.model_dump()) for v in values])
