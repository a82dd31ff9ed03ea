"""Use cases for sales: declare (or correct) a market day's sales, and read aggregates."""

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel
from pymongo.asynchronous.client_session import AsyncClientSession

from marketplace import figures
from marketplace.context import Marketplace
from marketplace.domain import SalesDeclare, SalesPublic, market_day
from marketplace.events import SalesDeclared
from marketplace.figures import SalesAggregates, aggregate
from marketplace.records import Cooperative, SalesDeclaration
from marketplace.service import market_of, own_cooperative
from shared.auth import Principal
from shared.documents import utcnow
from shared.errors import Conflict, DomainError, NotFound


def _public(declaration: SalesDeclaration) -> SalesPublic:
    return SalesPublic.model_validate({**declaration.model_dump(), "declaration_id": declaration.id})


def sales_rows(declarations: Sequence[SalesDeclaration]) -> list[dict[str, Any]]:
    """Declarations as the rows ``figures`` aggregates."""
    return [d.model_dump() for d in declarations]


class SalesReport(BaseModel):
    """The organizers' view: exact figures and every declaration."""

    aggregates: SalesAggregates
    declarations: list[SalesPublic]


def next_version(existing: SalesDeclaration | None) -> int:
    """The version of a declaration's next state, read and written in the transaction that stores it.

    Two concurrent corrections read the same state and write the same document, so one
    of them conflicts and runs again on the other's result: versions follow the order
    of commits, which ``declared_at`` (taken before the transaction, kept by retries)
    does not. Declarations stored before versions existed count their corrections.
    """
    if existing is None:
        return 1
    return (existing.version if existing.version is not None else existing.corrections + 1) + 1


async def _may_declare(ctx: Marketplace, market_id: str, cooperative_id: str) -> None:
    """A cooperative declares sales where it holds a stand or has checked in (it may
    have withdrawn after exhibiting)."""
    if await ctx.store.holds_stand(market_id, cooperative_id):
        return
    if await ctx.store.has_checked_in(market_id, cooperative_id):
        return
    raise Conflict("no_stand_at_market")


def _declaration(existing: SalesDeclaration | None, *, declaration_id: str, market_id: str, coop: Cooperative,
                 day: date, data: SalesDeclare, now: datetime) -> SalesDeclaration:
    return SalesDeclaration(
        id=declaration_id, market_id=market_id, cooperative_id=coop.id, day=day.isoformat(),
        amount_mad=round(sum(data.by_category.values()), 2), by_category=data.by_category,
        items=[i.model_dump() for i in data.items], region=coop.region, sector=coop.sector,
        women_led=coop.women_led, youth_led=coop.youth_led, declared_at=now,
        corrections=existing.corrections + 1 if existing else 0, version=next_version(existing))


async def declare_sales(*, ctx: Marketplace, principal: Principal, market_id: str, day: date, data: SalesDeclare,
                        now: datetime | None = None) -> SalesPublic:
    """Declare a day's sales; declaring again replaces the day's figures (a correction)."""
    cooperative_id = own_cooperative(principal, data.cooperative_id, markets=[market_id])
    market = await market_of(ctx, market_id)
    now = now or utcnow()
    if day not in market.days:
        raise DomainError("not_an_opening_day", status=422, day=day)
    if day > market_day(now):
        raise DomainError("sales_day_in_future", status=422, day=day)
    await _may_declare(ctx, market_id, cooperative_id)
    coop = await ctx.store.cooperative(cooperative_id)
    if coop is None:
        raise NotFound("cooperative_not_found")
    declaration_id = f"{market_id}:{cooperative_id}:{day.isoformat()}"
    items = [i.model_dump() for i in data.items]

    async def work(session: AsyncClientSession) -> SalesDeclaration:
        existing = await ctx.store.sales_declaration(declaration_id, session)
        if existing is not None and existing.by_category == data.by_category and existing.items == items:
            return existing
        declared = _declaration(existing, declaration_id=declaration_id, market_id=market_id, coop=coop, day=day,
                                data=data, now=now)
        await ctx.store.replace_sales(declared, session)
        await ctx.publish(session, subject=declaration_id, message=SalesDeclared(
            declaration_id=declaration_id, market_id=market_id, cooperative_id=coop.id, day=day,
            amount_mad=declared.amount_mad, by_category=declared.by_category, region=declared.region,
            sector=declared.sector, women_led=declared.women_led, youth_led=declared.youth_led,
            declared_at=declared.declared_at, version=declared.version))
        return declared

    return _public(await ctx.platform.transaction(work))


async def my_sales(*, ctx: Marketplace, principal: Principal, market_id: str,
                   cooperative_id: str | None = None) -> list[SalesPublic]:
    cooperative_id = own_cooperative(principal, cooperative_id, markets=[market_id])
    return [_public(d) for d in await ctx.store.sales_of(market_id, cooperative_id)]


async def public_aggregates(*, ctx: Marketplace, market_id: str | None = None) -> SalesAggregates:
    """Anonymous figures: groups of fewer than three cooperatives are suppressed, and a market's
    figures are computed with all the others so that no two public answers differ by a small
    group (figures.py)."""
    if market_id:
        await market_of(ctx, market_id)
    return figures.public_aggregates(sales_rows(await ctx.store.all_sales()), market_id)


async def sales_report(*, ctx: Marketplace, market_id: str) -> SalesReport:
    await market_of(ctx, market_id)
    declarations = await ctx.store.sales_at(market_id)
    return SalesReport(aggregates=aggregate(sales_rows(declarations), k=1),
                       declarations=[_public(d) for d in declarations])
