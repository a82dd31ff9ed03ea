"""Use cases for sales: declare (or correct) a market day's sales, and read aggregates."""

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel
from pymongo.asynchronous.client_session import AsyncClientSession

from marketplace import figures
from marketplace.domain import SalesDeclare, SalesPublic, market_day, now_utc
from marketplace.events import SalesDeclared
from marketplace.figures import SalesAggregates, aggregate
from marketplace.service import get_market, own_cooperative
from marketplace.store import Store
from shared.auth import Principal
from shared.errors import Conflict, DomainError, NotFound


def _public(doc: dict[str, Any]) -> SalesPublic:
    return SalesPublic.model_validate({**doc, "declaration_id": doc["_id"]})


class SalesReport(BaseModel):
    """The organizers' view: exact figures and every declaration."""

    aggregates: SalesAggregates
    declarations: list[SalesPublic]


def next_version(existing: dict[str, Any] | None) -> int:
    """The version of a declaration's next state, read and written in the transaction that stores it.

    Two concurrent corrections read the same state and write the same document, so one
    of them conflicts and runs again on the other's result: versions follow the order
    of commits, which ``declared_at`` (taken before the transaction, kept by retries)
    does not. Declarations stored before versions existed count their corrections.
    """
    if existing is None:
        return 1
    return int(existing.get("version", existing["corrections"] + 1)) + 1


async def _may_declare(store: Store, market_id: str, cooperative_id: str) -> None:
    """A cooperative declares sales where it holds a stand or has checked in (it may
    have withdrawn after exhibiting)."""
    if await store.find("stand_assignments", {"market_id": market_id, "cooperative_id": cooperative_id}, limit=1):
        return
    if await store.find("checkins", {"market_id": market_id, "cooperative_id": cooperative_id}, limit=1):
        return
    raise Conflict("no_stand_at_market")


async def declare_sales(*, store: Store, principal: Principal, market_id: str, day: date, data: SalesDeclare,
                        now: datetime | None = None) -> SalesPublic:
    """Declare a day's sales; declaring again replaces the day's figures (a correction)."""
    cooperative_id = own_cooperative(principal, data.cooperative_id, markets=[market_id])
    market = await get_market(store=store, market_id=market_id)
    now = now or now_utc()
    if day not in market.days:
        raise DomainError("not_an_opening_day", status=422, day=day)
    if day > market_day(now):
        raise DomainError("sales_day_in_future", status=422, day=day)
    await _may_declare(store, market_id, cooperative_id)
    coop = await store.get("cooperatives", cooperative_id)
    if coop is None:
        raise NotFound("cooperative_not_found")
    declaration_id = f"{market_id}:{cooperative_id}:{day.isoformat()}"
    figures = {"by_category": data.by_category, "items": [i.model_dump() for i in data.items]}

    async def work(session: AsyncClientSession) -> dict[str, Any]:
        existing = await store.get("sales", declaration_id, session)
        if existing is not None and all(existing[k] == v for k, v in figures.items()):
            return existing
        doc = {"_id": declaration_id, "market_id": market_id, "cooperative_id": cooperative_id,
               "day": day.isoformat(), "amount_mad": round(sum(data.by_category.values()), 2), **figures,
               "region": coop["region"], "sector": coop["sector"], "women_led": coop["women_led"],
               "youth_led": coop["youth_led"], "declared_at": now,
               "corrections": existing["corrections"] + 1 if existing else 0,
               "version": next_version(existing)}
        await store.replace_sales(doc, session)
        await store.publish(session, subject=declaration_id,
                            message=SalesDeclared(declaration_id=declaration_id, **{
                                k: doc[k] for k in ("market_id", "cooperative_id", "day", "amount_mad", "by_category",
                                                    "region", "sector", "women_led", "youth_led", "declared_at",
                                                    "version")}))
        return doc

    return _public(await store.transaction(work))


async def my_sales(*, store: Store, principal: Principal, market_id: str,
                   cooperative_id: str | None = None) -> list[SalesPublic]:
    cooperative_id = own_cooperative(principal, cooperative_id, markets=[market_id])
    docs = await store.find("sales", {"market_id": market_id, "cooperative_id": cooperative_id}, sort=[("day", 1)])
    return [_public(d) for d in docs]


async def public_aggregates(*, store: Store, market_id: str | None = None) -> SalesAggregates:
    """Anonymous figures: groups of fewer than three cooperatives are suppressed, and a market's
    figures are computed with all the others so that no two public answers differ by a small
    group (figures.py)."""
    if market_id:
        await get_market(store=store, market_id=market_id)
    return figures.public_aggregates(await store.find("sales", {}), market_id)


async def sales_report(*, store: Store, market_id: str) -> SalesReport:
    await get_market(store=store, market_id=market_id)
    rows = await store.find("sales", {"market_id": market_id}, sort=[("day", 1), ("cooperative_id", 1)])
    return SalesReport(aggregates=aggregate(rows, k=1),
                       declarations=[_public(d) for d in rows])
