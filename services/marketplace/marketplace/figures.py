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
Organizers get the same figures unsuppressed (minimum 1).
"""

from collections.abc import Callable, Iterable
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


def _breakdown(groups: dict[str, _Group], k: int) -> list[Figure]:
    hidden = {key for key, g in groups.items() if len(g.cooperatives) < k}

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
    inside = {r["cooperative_id"] for r in rows if r[flag]}
    outside = {r["cooperative_id"] for r in rows if not r[flag]}
    if any(0 < len(side) < k for side in (inside, outside)) or total <= 0:
        return Share(share=None, suppressed=total > 0)
    return Share(share=round(sum(r["amount_mad"] for r in rows if r[flag]) / total, 4))


def aggregate(rows: list[dict[str, Any]], *, k: int = MIN_COOPERATIVES) -> SalesAggregates:
    """Aggregate sales declarations (one row per market, cooperative and day)."""
    cooperatives = {r["cooperative_id"] for r in rows}
    total = sum(r["amount_mad"] for r in rows)
    if len(cooperatives) < k:
        return SalesAggregates(
            minimum_group_size=k, cooperatives=len(cooperatives), declarations=len(rows), total_mad=None,
            suppressed=bool(rows), by_market=[], by_day=[], by_category=[], by_region=[], by_sector=[],
            women_led_share=Share(share=None, suppressed=bool(rows)),
            youth_led_share=Share(share=None, suppressed=bool(rows)),
        )

    def by(key: Callable[[dict[str, Any]], str]) -> list[Figure]:
        return _breakdown(_groups((key(r), r["cooperative_id"], r["amount_mad"]) for r in rows), k)

    categories = _groups(
        (category, r["cooperative_id"], amount) for r in rows for category, amount in r["by_category"].items()
    )
    return SalesAggregates(
        minimum_group_size=k, cooperatives=len(cooperatives), declarations=len(rows), total_mad=round(total, 2),
        suppressed=False, by_market=by(lambda r: r["market_id"]), by_day=by(lambda r: r["day"]),
        by_category=_breakdown(categories, k), by_region=by(lambda r: r["region"]),
        by_sector=by(lambda r: r["sector"]),
        women_led_share=_share(rows, "women_led", total, k), youth_led_share=_share(rows, "youth_led", total, k),
    )
