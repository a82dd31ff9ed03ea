"""Use cases that gather what one screen shows: a market for its organizers, the exhibitor space."""

from dataclasses import dataclass, field
from typing import Any

from marketplace import checkin, sales
from marketplace.applications import list_applications
from marketplace.context import Marketplace
from marketplace.domain import ApplicationPublic, Attendance, CooperativePublic, MarketPublic
from marketplace.service import get_cooperative, list_markets, market_of, market_public
from shared.auth import Principal
from shared.i18n import StoredText


def _scope(market_id: str) -> str:
    return f"organizer:market:{market_id}"


@dataclass
class MarketOverview:
    market: MarketPublic
    applications: list[ApplicationPublic]
    names: dict[str, StoredText]
    attendance: Attendance
    report: sales.SalesReport


async def markets_in_charge(*, ctx: Marketplace, principal: Principal) -> list[MarketPublic]:
    """The markets the caller organizes (every market for an administrator)."""
    return [m for m in await list_markets(ctx=ctx) if principal.holds(_scope(m.id))]


@dataclass
class MarketSales:
    market: MarketPublic
    cooperatives: int
    total_mad: float


async def sales_per_market(*, ctx: Marketplace, principal: Principal) -> list[MarketSales]:
    """The exact sales total of each market the caller organizes (organizers' figures, not anonymised)."""
    out = []
    for market in await markets_in_charge(ctx=ctx, principal=principal):
        report = await sales.sales_report(ctx=ctx, market_id=market.id)
        out.append(MarketSales(market=market, cooperatives=report.aggregates.cooperatives,
                               total_mad=report.aggregates.total_mad or 0.0))
    return out


async def market_overview(*, ctx: Marketplace, principal: Principal, market_id: str, lang: str) -> MarketOverview:
    """A market's applications with their cooperatives' names, its attendance and its sales."""
    market = market_public(await market_of(ctx, market_id))
    applications, _ = await list_applications(ctx=ctx, principal=principal, lang=lang, market_id=market_id)
    cooperatives = await ctx.store.cooperatives_by_id(sorted({a.cooperative_id for a in applications}))
    return MarketOverview(
        market=market, applications=applications, names={cid: c.name for cid, c in cooperatives.items()},
        attendance=await checkin.attendance(ctx=ctx, market_id=market_id),
        report=await sales.sales_report(ctx=ctx, market_id=market_id))


@dataclass
class ExhibitorSpace:
    cooperative: CooperativePublic
    cards: list[dict[str, Any]] = field(default_factory=list)


async def exhibitor_space(*, ctx: Marketplace, principal: Principal, lang: str) -> ExhibitorSpace:
    """A cooperative's applications, each with its market and, once accepted, its declared sales."""
    applications, _ = await list_applications(ctx=ctx, principal=principal, lang=lang)
    space = ExhibitorSpace(cooperative=await get_cooperative(ctx=ctx, principal=principal,
                                                             cooperative_id=str(principal.cooperative_id)))
    for application in applications:
        market = market_public(await market_of(ctx, application.market_id))
        declared = await sales.my_sales(ctx=ctx, principal=principal, market_id=application.market_id) \
            if application.status == "accepted" else []
        space.cards.append({"a": application, "market": market, "sales": declared})
    return space
