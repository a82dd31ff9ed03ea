"""Sales aggregates, and the rule that keeps public figures anonymous.

Public figures never show one cooperative's sales:
- a group (a market, a day, a category, a region, a sector) whose figure comes from
  fewer than ``MIN_COOPERATIVES`` (3) cooperatives is suppressed (amount null);
- complementary suppression: when a total is published, the groups suppressed in a
  breakdown must together cover at least 3 cooperatives, else ``total - shown``
  would give them away; the smallest shown groups are suppressed too until they do;
- the women-led (youth-led) share is published only when both sides of the split
  have none or at least 3 cooperatives, for the same reason;
- if the whole scope has fewer than 3 cooperatives, nothing but the count is shown.
The public endpoints must also hold when combined (all markets minus the markets
one can read), so ``public_aggregates`` computes them together:
- a market hidden in the all-markets breakdown (too small, or hidden to protect a
  small one) publishes nothing but its count on its own endpoint either;
- a cell of an all-markets breakdown (a day, a category, a region, a sector) is
  suppressed when what the markets' own endpoints do not show of it comes from 1
  or 2 cooperatives, since the cell minus the markets' shown cells would be theirs;
  the same holds for the women-led and youth-led shares.
Organizers get the same figures unsuppressed (minimum 1).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

MIN_COOPERATIVES = 3


class Figure(BaseModel):
    key: str
    cooperatives: int
    amount_mad: float | None
    suppressed: bool = False


class Share(BaseModel):
    share: float | None
    suppressed: bool = False


class SalesAggregates(BaseModel):
    minimum_group_size: int
    cooperatives: int
    declarations: int
    total_mad: float | None
    suppressed: bool
    by_market: list[Figure]
    by_day: list[Figure]
    by_category: list[Figure]
    by_region: list[Figure]
    by_sector: list[Figure]
    women_led_share: Share
    youth_led_share: Share


@dataclass
class _Group:
    cooperatives: set[str] = field(default_factory=set)
    amount: float = 0.0


def _groups(rows: Iterable[tuple[str, str, float]]) -> dict[str, _Group]:
    out: dict[str, _Group] = {}
    for key, cooperative, amount in rows:
        group = out.setdefault(key, _Group())
        group.cooperatives.add(cooperative)
        group.amount += amount
    return out


def _breakdown(groups: dict[str, _Group], k: int, forced: Iterable[str] = ()) -> list[Figure]:
    hidden = {key for key, g in groups.items() if len(g.cooperatives) < k} | set(forced)

    def hidden_cooperatives() -> int:
        return len(set().union(*(groups[key].cooperatives for key in hidden))) if hidden else 0

    while hidden and hidden_cooperatives() < k:
        shown = sorted((key for key in groups if key not in hidden),
                       key=lambda key: (len(groups[key].cooperatives), groups[key].amount, key))
        if not shown:
            break
        hidden.add(shown[0])
    return [
        Figure(key=key, cooperatives=len(g.cooperatives), amount_mad=None if key in hidden else round(g.amount, 2),
               suppressed=key in hidden)
        for key, g in sorted(groups.items())
    ]


def _share(rows: list[dict[str, Any]], flag: str, total: float, k: int) -> Share:
    inside, outside = _sides(rows, flag)
    if any(0 < len(side) < k for side in (inside, outside)) or total <= 0:
        return Share(share=None, suppressed=total > 0)
    return Share(share=round(sum(r["amount_mad"] for r in rows if r[flag]) / total, 4))


def aggregate(rows: list[dict[str, Any]], *, k: int = MIN_COOPERATIVES) -> SalesAggregates:
    """Aggregate sales declarations (one row per market, cooperative and day)."""
    cooperatives = {r["cooperative_id"] for r in rows}
    total = sum(r["amount_mad"] for r in rows)
    if len(cooperatives) < k:
        return _count_only(rows, k)
    return SalesAggregates(
        minimum_group_size=k, cooperatives=len(cooperatives), declarations=len(rows), total_mad=round(total, 2),
        suppressed=False, by_market=_breakdown(_cells(rows, "market"), k), by_day=_breakdown(_cells(rows, "day"), k),
        by_category=_breakdown(_cells(rows, "category"), k), by_region=_breakdown(_cells(rows, "region"), k),
        by_sector=_breakdown(_cells(rows, "sector"), k),
        women_led_share=_share(rows, "women_led", total, k), youth_led_share=_share(rows, "youth_led", total, k),
    )


def _count_only(rows: list[dict[str, Any]], k: int) -> SalesAggregates:
    return SalesAggregates(
        minimum_group_size=k, cooperatives=len({r["cooperative_id"] for r in rows}), declarations=len(rows),
        total_mad=None, suppressed=bool(rows), by_market=[], by_day=[], by_category=[], by_region=[], by_sector=[],
        women_led_share=Share(share=None, suppressed=bool(rows)),
        youth_led_share=Share(share=None, suppressed=bool(rows)),
    )


def _contributions(rows: Iterable[dict[str, Any]], dimension: str) -> Iterable[tuple[str, str, float]]:
    """(cell, cooperative, amount) of each row in one breakdown; a category cell takes its part only."""
    for r in rows:
        if dimension == "category":
            yield from ((category, r["cooperative_id"], amount) for category, amount in r["by_category"].items())
        else:
            yield str(r["market_id" if dimension == "market" else dimension]), r["cooperative_id"], r["amount_mad"]


def _cells(rows: Iterable[dict[str, Any]], dimension: str) -> dict[str, _Group]:
    return _groups(_contributions(rows, dimension))


BREAKDOWNS = {"day": "by_day", "category": "by_category", "region": "by_region", "sector": "by_sector"}


def public_aggregates(rows: list[dict[str, Any]], market_id: str | None = None, *,
                      k: int = MIN_COOPERATIVES) -> SalesAggregates:
    """The public figures of all markets (``market_id`` None) or of one market, computed from
    every market's rows so that no public figure minus others gives a small group away."""
    by_market: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_market.setdefault(r["market_id"], []).append(r)
    overall = aggregate(rows, k=k)
    shown = {f.key for f in overall.by_market if not f.suppressed}
    markets = {m: aggregate(mine, k=k) if m in shown else _count_only(mine, k) for m, mine in by_market.items()}
    if market_id is not None:
        return markets.get(market_id) or _count_only([], k)
    if overall.total_mad is None:
        return overall
    changes: dict[str, Any] = {}
    for dimension, name in BREAKDOWNS.items():
        forced = _differenced_cells(by_market, markets, dimension, name, k)
        if forced:
            changes[name] = _breakdown(_cells(rows, dimension), k, forced)
    for flag, name in (("women_led", "women_led_share"), ("youth_led", "youth_led_share")):
        hidden = [r for r in rows if getattr(markets[r["market_id"]], name).share is None]
        if any(0 < len(side) < k for side in _sides(hidden, flag)):
            changes[name] = Share(share=None, suppressed=True)
    return overall.model_copy(update=changes)


def _differenced_cells(by_market: dict[str, list[dict[str, Any]]], markets: dict[str, SalesAggregates],
                       dimension: str, name: str, k: int) -> set[str]:
    """Cells of the all-markets breakdown whose part left unshown by the markets' own
    endpoints comes from 1 or 2 cooperatives."""
    unshown: dict[str, set[str]] = {}
    for market, mine in by_market.items():
        published = {f.key for f in getattr(markets[market], name) if not f.suppressed}
        for cell, cooperative, _ in _contributions(mine, dimension):
            if cell not in published:
                unshown.setdefault(cell, set()).add(cooperative)
    return {cell for cell, cooperatives in unshown.items() if len(cooperatives) < k}


def _sides(rows: list[dict[str, Any]], flag: str) -> tuple[set[str], set[str]]:
    return ({r["cooperative_id"] for r in rows if r[flag]}, {r["cooperative_id"] for r in rows if not r[flag]})
