"""Public reads: the register, one recommendation with its timeline, the dashboard.

With ``as_of`` every read is rebuilt from the history recorded up to that moment;
without it, the current projection is read (same fold, so the same answer).
"""

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from pydantic import BaseModel

from recommendations.catalogue import AXES
from recommendations.domain import (
    CLOSED,
    STATUSES,
    ActorPublic,
    MilestonePublic,
    PendingCompletionPublic,
    RecommendationDetail,
    RecommendationPublic,
    TimelineEntry,
    actor_labels,
    is_overdue,
    replay,
)
from recommendations.indicators import IndicatorPublic, list_indicators
from recommendations.store import Store
from shared.errors import NotFound
from shared.i18n import StoredText


@dataclass(frozen=True)
class Filters:
    status: str | None = None
    theme: str | None = None
    body: str | None = None
    edition: int | None = None

    def query(self) -> dict[str, Any]:
        query: dict[str, Any] = {}
        if self.status:
            query["status"] = self.status
        if self.theme:
            query["themes"] = self.theme
        if self.body:
            query["$or"] = [{"lead_body": self.body}, {"contributing_bodies": self.body}]
        if self.edition is not None:
            query["edition"] = self.edition
        return query

    def matches(self, state: dict[str, Any]) -> bool:
        return ((not self.status or state["status"] == self.status)
                and (not self.theme or self.theme in state["themes"])
                and (not self.body or self.body == state["lead_body"] or self.body in state["contributing_bodies"])
                and (self.edition is None or state["edition"] == self.edition))


def reference_day(as_of: datetime | None) -> date:
    return (as_of or datetime.now(UTC)).astimezone(UTC).date()


def _sort_key(state: dict[str, Any]) -> tuple[int, int, str]:
    return (state["edition"] or 10_000, state["number"] or 10_000, state["id"])


def to_public(state: dict[str, Any], labels: dict[str, ActorPublic], on: date) -> RecommendationPublic:
    pending = state.get("pending")
    return RecommendationPublic(
        pending_completion=PendingCompletionPublic(
            proposed_at=pending["at"], proposed_by=labels[pending["by"]], reason=pending["reason"],
            evidence=pending["evidence"]) if pending else None,
        milestones=[MilestonePublic(overdue=is_overdue(m["due_date"], m["completed_at"] is not None, on),
                                    **{k: v for k, v in m.items() if k != "overdue"})
                    for m in state["milestones"]],
        overdue=is_overdue(state["target_date"], state["status"] in CLOSED, on),
        **{k: v for k, v in state.items() if k in RecommendationPublic.model_fields and k not in (
            "pending_completion", "milestones", "overdue")})


def timeline_entry(record: dict[str, Any], labels: dict[str, ActorPublic]) -> TimelineEntry:
    return TimelineEntry(actor=labels[record["actor"]["sub"]], **{
        k: v for k, v in record.items() if k in TimelineEntry.model_fields and k != "actor"})


async def states(*, store: Store, filters: Filters, as_of: datetime | None) -> list[tuple[dict[str, Any], Any]]:
    """The matching states with their actor labels (None: to fetch when needed), in register order."""
    if as_of is None:
        return [(state, None) for state in await store.find(filters.query())]
    records = await store.history_until(as_of)
    by_recommendation: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        by_recommendation.setdefault(record["recommendation_id"], []).append(record)
    rebuilt = replay(records)
    chosen = sorted((s for s in rebuilt.values() if filters.matches(s)), key=_sort_key)
    return [(state, actor_labels(by_recommendation[state["id"]])) for state in chosen]


async def list_recommendations(
    *, store: Store, filters: Filters, as_of: datetime | None
) -> list[RecommendationPublic]:
    on = reference_day(as_of)
    result = []
    for state, labels in await states(store=store, filters=filters, as_of=as_of):
        if labels is None:
            labels = actor_labels(await store.timeline(state["id"])) if state.get("pending") else {}
        result.append(to_public(state, labels, on))
    return result


async def get_recommendation(
    *, store: Store, recommendation_id: str, as_of: datetime | None
) -> RecommendationDetail:
    records = await store.timeline(recommendation_id, as_of)
    if not records:
        raise NotFound("recommendation_unknown", recommendation_id=recommendation_id)
    labels = actor_labels(records)
    if as_of is None:
        state = await store.get(recommendation_id)
        assert state is not None
    else:
        state = replay(records)[recommendation_id]
    public = to_public(state, labels, reference_day(as_of))
    return RecommendationDetail(**public.model_dump(), timeline=[timeline_entry(r, labels) for r in records])


class OverdueMilestone(BaseModel):
    recommendation_id: str
    number: int | None
    milestone_id: str
    title: StoredText
    owner: str
    due_date: date


class Dashboard(BaseModel):
    as_of: datetime
    edition: int | None
    total: int
    average_progress: float
    by_status: dict[str, int]
    by_theme: dict[str, int]
    by_lead_body: dict[str, int]
    by_body: dict[str, int]
    pending_completions: int
    overdue_recommendations: list[str]
    overdue_milestones: list[OverdueMilestone]
    indicators: list[IndicatorPublic]


async def dashboard(*, store: Store, edition: int | None, as_of: datetime | None) -> Dashboard:
    items = await list_recommendations(store=store, filters=Filters(edition=edition), as_of=as_of)
    involved: Counter[str] = Counter()
    for item in items:
        involved.update({b for b in [item.lead_body, *item.contributing_bodies] if b})
    return Dashboard(
        as_of=as_of or datetime.now(UTC), edition=edition, total=len(items),
        average_progress=round(sum(i.progress for i in items) / len(items), 1) if items else 0.0,
        by_status={s: sum(1 for i in items if i.status == s) for s in STATUSES},
        by_theme={t: sum(1 for i in items if t in i.themes) for t in AXES},
        by_lead_body=dict(sorted(Counter(i.lead_body or "unassigned" for i in items).items())),
        by_body=dict(sorted(involved.items())),
        pending_completions=sum(1 for i in items if i.pending_completion),
        overdue_recommendations=[i.id for i in items if i.overdue],
        overdue_milestones=[
            OverdueMilestone(recommendation_id=i.id, number=i.number, milestone_id=m.id, title=m.title,
                             owner=m.owner, due_date=m.due_date)
            for i in items for m in i.milestones if m.overdue],
        indicators=await list_indicators(store=store, as_of=as_of),
    )
