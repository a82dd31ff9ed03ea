"""Indicators: definitions, manual values, and the automatic ones fed by other services' messages.

Every value is appended to ``indicator_values`` (the history of values) and made
current in the same transaction; a past state is the latest value recorded by then.
"""

from datetime import UTC, date, datetime, time
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pymongo.asynchronous.client_session import AsyncClientSession

from recommendations import events
from recommendations.catalogue import AUTOMATIC_INDICATORS
from recommendations.domain import SLUG, Figure, Reason, now_ms
from recommendations.service import SOURCE, Actor
from recommendations.store import Store
from shared import audit
from shared.audit import Act
from shared.envelope import message_envelope
from shared.errors import Conflict, DomainError, NotFound
from shared.i18n import LocalizedName, StoredText
from shared.limits import Ref, ShortText
from shared.outbox import Outbox
from shared.platform import Platform
from shared.timezones import Day

# Where the register is kept: "today" for dating a value is Morocco's day.
MOROCCO = ZoneInfo("Africa/Casablanca")

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


def to_public(doc: dict[str, Any], current: dict[str, Any] | None) -> IndicatorPublic:
    return IndicatorPublic(
        id=doc["_id"], current=IndicatorCurrent.model_validate(current) if current else None,
        progress_to_target=progress_to_target(doc.get("baseline"), doc.get("target"),
                                              current["value"] if current else None),
        **{k: doc.get(k) for k in ("recommendation_id", "name", "unit", "mode", "baseline", "baseline_date",
                                   "target", "target_date")})


async def ensure_automatic_indicators(store: Store) -> None:
    for definition in AUTOMATIC_INDICATORS:
        fields = {k: v for k, v in definition.items() if k != "id"}
        await store.ensure_indicator({"_id": definition["id"], **fields, "mode": "automatic", "version": 0,
                                      "current": None, "baseline_date": None, "target_date": None,
                                      "created_at": now_ms()})


async def define_indicator(*, platform: Platform, data: IndicatorCreate, act: Act | None = None) -> IndicatorPublic:
    store = Store(platform.db)
    doc = {"_id": data.id, "recommendation_id": data.recommendation_id, "name": data.name.model_dump(),
           "unit": data.unit, "mode": "manual", "baseline": data.baseline,
           "baseline_date": data.baseline_date.isoformat() if data.baseline_date else None,
           "target": data.target, "target_date": data.target_date.isoformat() if data.target_date else None,
           "source": None, "version": 0, "current": None, "created_at": now_ms(), "reason": data.reason}

    async def work(session: AsyncClientSession) -> IndicatorPublic:
        if await store.indicator(data.id, session) is not None:
            raise Conflict("indicator_exists", indicator_id=data.id)
        if data.recommendation_id and await store.get(data.recommendation_id, session) is None:
            raise NotFound("recommendation_unknown", recommendation_id=data.recommendation_id)
        await store.insert_indicator(doc, session)
        await audit.record(platform.db, act, action="indicator.define", object_type="indicator", object_id=data.id,
                           session=session)
        return to_public(doc, None)

    return await platform.transaction(work)


async def record_indicator_value(
    *, platform: Platform, indicator_id: str, data: IndicatorValueCreate, actor: Actor
) -> IndicatorPublic:
    store = Store(platform.db)
    # A value is measured, so it cannot be dated after today where the register is kept; a later
    # date would also stand as "current" in every snapshot until then.
    if data.as_of > datetime.now(MOROCCO).date():
        raise DomainError("indicator_value_in_future", status=422, as_of=data.as_of.isoformat())

    async def work(session: AsyncClientSession) -> IndicatorPublic:
        indicator = await _indicator(store, indicator_id, session)
        if indicator["mode"] == "automatic":
            raise Conflict("indicator_automatic", indicator_id=indicator_id)
        as_of = datetime.combine(data.as_of, time.min, tzinfo=UTC)
        current = await push_value(store=store, outbox=platform.outbox, session=session, indicator=indicator,
                                   value=data.value, as_of=as_of, source=data.source, reason=data.reason,
                                   by_role=actor.role)
        await audit.record(platform.db, actor.act, action="indicator.record_value", object_type="indicator",
                           object_id=indicator_id, session=session)
        return to_public(indicator, current)

    return await platform.transaction(work)


async def _indicator(store: Store, indicator_id: str, session: AsyncClientSession) -> dict[str, Any]:
    indicator = await store.indicator(indicator_id, session)
    if indicator is None:
        raise NotFound("indicator_unknown", indicator_id=indicator_id)
    return indicator


async def push_value(
    *, store: Store, outbox: Outbox, session: AsyncClientSession, indicator: dict[str, Any], value: float,
    as_of: datetime, source: str, reason: str | None, by_role: str, breakdown: dict[str, float] | None = None,
) -> dict[str, Any]:
    previous = indicator.get("current") or {}
    recorded_at = max(now_ms(), previous["recorded_at"]) if previous.get("recorded_at") else now_ms()
    entry = {"indicator_id": indicator["_id"], "seq": indicator["version"] + 1, "value": value, "as_of": as_of,
             "recorded_at": recorded_at, "source": source, "breakdown": breakdown, "reason": reason,
             "by_role": by_role}
    await store.set_indicator_value(indicator, entry, session)
    payload = events.IndicatorUpdated(
        indicator_id=indicator["_id"], recommendation_id=indicator.get("recommendation_id"), seq=entry["seq"],
        value=value, unit=indicator["unit"], as_of=as_of, source=source, baseline=indicator.get("baseline"),
        target=indicator.get("target"), breakdown=breakdown)
    await outbox.add(session, payload.topic, message_envelope(
        payload, source=SOURCE, subject=indicator["_id"]))
    return entry


# Reads


async def list_indicators(*, store: Store, as_of: datetime | None) -> list[IndicatorPublic]:
    result = []
    for doc in await store.all_indicators():
        if as_of is None:
            result.append(to_public(doc, doc.get("current")))
        elif doc["created_at"] <= as_of:
            result.append(to_public(doc, await store.latest_value(doc["_id"], as_of)))
    return result


async def get_indicator(
    *, store: Store, indicator_id: str, as_of: datetime | None, limit: int = 500
) -> IndicatorDetail:
    doc = await store.indicator(indicator_id)
    if doc is None or (as_of is not None and doc["created_at"] > as_of):
        raise NotFound("indicator_unknown", indicator_id=indicator_id)
    values = await store.indicator_values(indicator_id, as_of, limit)
    public = to_public(doc, values[-1] if values else None)
    return IndicatorDetail(**public.model_dump(), values=[IndicatorValuePublic.model_validate(v) for v in values])
