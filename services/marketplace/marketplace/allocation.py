"""Stand allocation: a pure function from a market's rules and applicants to decisions.

The rules, in the order they apply:

1. Ranking. Applicants are ordered by the date they last exhibited (never first,
   then the oldest), then by application time: the market gives a turn to those who
   had none recently. With ``recency_priority`` off, application time alone.
2. Quotas. ``region_quotas`` / ``sector_quotas`` cap the stands a region or sector
   may hold (stands already assigned count). An applicant over a cap is waitlisted
   with that reason, whatever its rank; regions and sectors without a quota are
   not capped.
3. Reserved share. ``ceil(reserved_share * stands)`` stands are kept for
   cooperatives led by women or by young people (one pool for both): eligible
   applicants are placed first, in rank order, until the pool is used (stands they
   already hold count). Until applications close, stands of the pool left unused
   are held back and other applicants are waitlisted; once applications have
   closed, no eligible applicant can come any more, so the rest of the pool is
   released to the open ranking instead of leaving stands empty.
4. Open ranking. Everyone not yet placed, in rank order, gets the lowest-numbered
   free stand while open stands remain; the others are waitlisted ("no stand left").

Every decision carries a code and parameters explaining it.
"""

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from marketplace.domain import SelectionRules


@dataclass(frozen=True)
class Candidate:
    application_id: str
    cooperative_id: str
    region: str
    sector: str
    women_led: bool
    youth_led: bool
    last_exhibited_on: date | None
    submitted_at: datetime

    @property
    def reserved_eligible(self) -> bool:
        return self.women_led or self.youth_led


@dataclass(frozen=True)
class Holder:
    """A cooperative already holding a stand of the market."""

    region: str
    sector: str
    reserved_eligible: bool


@dataclass
class Outcome:
    application_id: str
    stand_number: int | None
    code: str
    params: dict[str, Any] = field(default_factory=dict)


def rank_key(candidate: Candidate, rules: SelectionRules) -> tuple[Any, ...]:
    if rules.recency_priority:
        return (candidate.last_exhibited_on or date.min, candidate.submitted_at, candidate.application_id)
    return (candidate.submitted_at, candidate.application_id)


def reserved_total(rules: SelectionRules, stand_count: int) -> int:
    # The epsilon keeps 0.3 * 10 at 3 instead of 4 through float rounding.
    return math.ceil(rules.reserved_share * stand_count - 1e-9)


class _Board:
    def __init__(self, stands: list[int], taken: dict[int, Holder], rules: SelectionRules) -> None:
        self.rules = rules
        self.free = sorted(s for s in stands if s not in taken)
        self.regions = Counter(h.region for h in taken.values())
        self.sectors = Counter(h.sector for h in taken.values())
        self.reserved = reserved_total(rules, len(stands))
        held = sum(1 for h in taken.values() if h.reserved_eligible)
        self.reserved_left = max(0, self.reserved - held)

    def quota_block(self, c: Candidate, rank: int) -> Outcome | None:
        quota = self.rules.region_quotas.get(c.region)  # type: ignore[call-overload]
        if quota is not None and self.regions[c.region] >= quota:
            return Outcome(c.application_id, None, "alloc_region_quota_full",
                           {"region": c.region, "quota": quota, "rank": rank})
        quota = self.rules.sector_quotas.get(c.sector)  # type: ignore[call-overload]
        if quota is not None and self.sectors[c.sector] >= quota:
            return Outcome(c.application_id, None, "alloc_sector_quota_full",
                           {"sector": c.sector, "quota": quota, "rank": rank})
        return None

    def place(self, c: Candidate, code: str, rank: int) -> Outcome:
        stand = self.free.pop(0)
        self.regions[c.region] += 1
        self.sectors[c.sector] += 1
        params: dict[str, Any] = {"stand": stand, "rank": rank, "reserved": self.reserved,
                                  "last_exhibited_on": c.last_exhibited_on.isoformat() if c.last_exhibited_on else None}
        return Outcome(c.application_id, stand, code, params)


def allocate(
    *, stands: list[int], taken: dict[int, Holder], candidates: list[Candidate], rules: SelectionRules,
    applications_closed: bool,
) -> list[Outcome]:
    """Decide for each candidate, in rank order: a stand, or the reason it waits."""
    ordered = sorted(candidates, key=lambda c: rank_key(c, rules))
    ranks = {c.application_id: i + 1 for i, c in enumerate(ordered)}
    board = _Board(stands, taken, rules)
    decided: dict[str, Outcome] = {}
    for c in ordered:
        rank = ranks[c.application_id]
        if c.reserved_eligible and board.reserved_left and board.free and not board.quota_block(c, rank):
            decided[c.application_id] = board.place(c, "alloc_reserved_share", rank)
            board.reserved_left -= 1
    if applications_closed:
        board.reserved_left = 0
    for c in ordered:
        if c.application_id in decided:
            continue
        rank = ranks[c.application_id]
        blocked = board.quota_block(c, rank)
        if blocked is not None:
            decided[c.application_id] = blocked
        elif len(board.free) > board.reserved_left:
            decided[c.application_id] = board.place(c, "alloc_ranked", rank)
        elif board.free:
            decided[c.application_id] = Outcome(c.application_id, None, "alloc_stands_reserved", {"rank": rank})
        else:
            decided[c.application_id] = Outcome(c.application_id, None, "alloc_no_stand_left", {"rank": rank})
    return [decided[c.application_id] for c in ordered]
