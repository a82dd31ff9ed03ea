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
from recommendations.context import Recommendations
from recommendations.documents import HistoryRecord, Recommendation, StoredEvidence, labels_of, rebuild
from recommendations.domain import (
    CLOSED,
    STATUSES,
    ActorPublic,
    EvidencePublic,
    MilestonePublic,
    PendingCompletionPublic,
    RecommendationDetail,
    RecommendationPublic,
    TimelineEntry,
    is_overdue,
)
from recommendations.indicators import IndicatorPublic, list_indicators
from shared.errors import NotFound
from shared.i18n import StoredText


@dataclass(frozen=True)
class Filters:
    status: str | None = None
    theme: str | None = None
    body: str | None = None
    edition: int | None = None

    def matches(self, state: Recommendation) -> bool:
        return ((not self.status or state.status == self.status)
                and (not self.theme or self.theme in state.themes)
                and (not self.body or self.body == state.lead_body or self.body in state.contributing_bodies)
                and (self.edition is None or state.edition == self.edition))


def reference_day(as_of: datetime | None) -> date:
    return (as_of or datetime.now(UTC)).astimezone(UTC).date()


def _sort_key(state: Recommendation) -> tuple[int, int, str]:
    return (state.edition or 10_000, state.number or 10_000, state.id)


def _evidence(items: list[StoredEvidence]) -> list[EvidencePublic]:
    return [EvidencePublic.model_validate(item.model_dump(exclude={"file"}) | {
        "file": item.file.model_dump(exclude={"name"}) if item.file else None}) for item in items]


def to_public(state: Recommendation, labels: dict[str, ActorPublic], on: date) -> RecommendationPublic:
    pending = state.pending
    return RecommendationPublic(
        pending_completion=PendingCompletionPublic(
            proposed_at=pending.at, proposed_by=labels[pending.by], reason=pending.reason,
            evidence=_evidence(pending.evidence)) if pending else None,
        milestones=[MilestonePublic(overdue=is_overdue(m.due_date, m.completed_at is not None, on),
                                    evidence=_evidence(m.evidence),
                                    **m.model_dump(include={"id", "title", "owner", "due_date", "completed_at"}))
                    for m in state.milestones],
        overdue=is_overdue(state.target_date, state.status in CLOSED, on), evidence=_evidence(state.evidence),
        **state.model_dump(exclude={"pending", "milestones", "evidence"}))


def timeline_entry(record: HistoryRecord, labels: dict[str, ActorPublic]) -> TimelineEntry:
    return TimelineEntry(actor=labels[record.actor.sub], evidence=_evidence(record.evidence), **record.model_dump(
        include={"seq", "at", "kind", "from_status", "to_status", "from_progress", "to_progress", "reason",
                 "milestone_id"}))


async def states(*, ctx: Recommendations, filters: Filters, as_of: datetime | None
                 ) -> list[tuple[Recommendation, dict[str, ActorPublic] | None]]:
    """The matching states with their actor labels (None: to fetch when needed), in register order."""
    if as_of is None:
        found = await ctx.store.in_register(status=filters.status, theme=filters.theme, body=filters.body,
                                            edition=filters.edition)
        return [(state, None) for state in found]
    records = await ctx.store.history_until(as_of)
    by_recommendation: dict[str, list[HistoryRecord]] = {}
    for record in records:
        by_recommendation.setdefault(record.recommendation_id, []).append(record)
    rebuilt = rebuild(records)
    chosen = sorted((s for s in rebuilt.values() if filters.matches(s)), key=_sort_key)
    return [(state, labels_of(by_recommendation[state.id])) for state in chosen]


async def list_recommendations(
    *, ctx: Recommendations, filters: Filters, as_of: datetime | None
) -> list[RecommendationPublic]:
    on = reference_day(as_of)
    result = []
    for state, labels in await states(ctx=ctx, filters=filters, as_of=as_of):
        if labels is None:
            labels = labels_of(await ctx.store.timeline(state.id)) if state.pending else {}
        result.append(to_public(state, labels, on))
    return result


async def get_recommendation(
    *, ctx: Recommendations, recommendation_id: str, as_of: datetime | None
) -> RecommendationDetail:
    records = await ctx.store.timeline(recommendation_id, as_of)
    if not records:
        raise NotFound("recommendation_unknown", recommendation_id=recommendation_id)
    labels = labels_of(records)
    if as_of is None:
        state = await ctx.store.recommendation(recommendation_id)
        assert state is not None
    else:
        state = rebuild(records)[recommendation_id]
    public = to_public(state, labels, reference_day(as_of))
    return RecommendationDetail(**public.model_dump(), timeline=[timeline_entry(r, labels) for r in records])


async def private_history(*, ctx: Recommendations, recommendation_id: str) -> list[dict[str, Any]]:
    """The full history with the organizers' identities (for organizers only)."""
    records = await ctx.store.timeline(recommendation_id)
    if not records:
        raise NotFound("recommendation_unknown", recommendation_id=recommendation_id)
    return [record.model_dump(mode="json", exclude={"id", "changes"}) for record in records]


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


async def dashboard(*, ctx: Recommendations, edition: int | None, as_of: datetime | None) -> Dashboard:
    items = await list_recommendations(ctx=ctx, filters=Filters(edition=edition), as_of=as_of)
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
        indicators=await list_indicators(ctx=ctx, as_of=as_of),
    )
