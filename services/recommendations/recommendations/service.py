"""Use cases of the register: one function per verb, each one transaction with its messages."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from recommendations import events
from recommendations.context import Recommendations
from recommendations.documents import (
    ActorRef,
    HistoryRecord,
    PendingProposal,
    Recommendation,
    StoredEvidence,
    fold,
)
from recommendations.domain import (
    Decision,
    Evidence,
    RecommendationCreate,
    StatusChange,
    next_time,
    resolve_progress,
)
from recommendations.evidence import EvidenceUpload, clean_upload, store_upload
from shared.audit import Act
from shared.auth import Principal
from shared.envelope import message_envelope
from shared.errors import Conflict, DomainError, Forbidden, NotFound

SOURCE = "recommendations"


@dataclass(frozen=True)
class Actor:
    """Who makes a change. ``sub`` stays in the private history; the public sees the role."""

    sub: str
    role: str
    # Where the change came from, for the audit log (None for loaders and the service's own changes).
    act: Act | None = field(default=None, compare=False)

    @classmethod
    def of(cls, principal: Principal, act: Act | None = None) -> "Actor":
        return cls(sub=principal.sub, role="organizer", act=act)

    @classmethod
    def system(cls, name: str) -> "Actor":
        return cls(sub=f"system:{name}", role="system")


async def record_change(
    *, ctx: Recommendations, session: AsyncClientSession, state: Recommendation | None, recommendation_id: str,
    kind: str, actor: Actor, changes: dict[str, Any], at: datetime | None = None, **details: Any,
) -> tuple[HistoryRecord, Recommendation]:
    """Append one history record and update the projection with the same fold a replay uses."""
    seq = (state.version if state else 0) + 1
    record = HistoryRecord(
        id=HistoryRecord.key(recommendation_id, seq), recommendation_id=recommendation_id, seq=seq,
        at=at or next_time(state.updated_at if state else None), kind=kind,
        actor=ActorRef(sub=actor.sub, role=actor.role), changes=changes, **details)
    new_state = fold(state, record)
    await ctx.store.append_change(record, new_state, session)
    await ctx.store.audit(actor.act, action=f"recommendation.{kind}", object_type="recommendation",
                          object_id=recommendation_id, session=session)
    return record, new_state


async def load(ctx: Recommendations, recommendation_id: str, session: AsyncClientSession) -> Recommendation:
    state = await ctx.store.recommendation(recommendation_id, session)
    if state is None:
        raise NotFound("recommendation_unknown", recommendation_id=recommendation_id)
    return state


def evidence_entries(items: list[Evidence]) -> list[dict[str, Any]]:
    return [StoredEvidence.model_validate(item.model_dump(mode="json")).model_dump() for item in items]


def initial_state(data: RecommendationCreate, *, source: str, needs_review: bool) -> dict[str, Any]:
    return {
        "edition": data.edition, "number": data.number, "conference_id": data.conference_id,
        "session": None, "needs_review": needs_review, "source": source,
        "text": data.text.model_dump(), "themes": list(dict.fromkeys(data.themes)),
        "sdgs": sorted(set(data.sdgs)), "lead_body": data.lead_body,
        "contributing_bodies": list(dict.fromkeys(data.contributing_bodies)),
        "target_date": data.target_date.isoformat() if data.target_date else None,
        "status": "not_started", "progress": 0, "evidence": [], "pending": None, "milestones": [],
    }


async def create_in_session(
    *, ctx: Recommendations, session: AsyncClientSession, recommendation_id: str, fields: dict[str, Any],
    actor: Actor, reason: str, at: datetime | None = None,
) -> Recommendation:
    if await ctx.store.recommendation(recommendation_id, session) is not None:
        raise Conflict("recommendation_exists", recommendation_id=recommendation_id)
    _, state = await record_change(ctx=ctx, session=session, state=None, recommendation_id=recommendation_id,
                                   kind="created", actor=actor, changes=fields, reason=reason, at=at)
    payload = events.RecommendationCreated(
        recommendation_id=recommendation_id, session_id=state.session.id if state.session else None,
        created_at=state.created_at, text=state.text.model_dump(),
        **state.model_dump(include={"edition", "number", "conference_id", "themes", "sdgs", "lead_body",
                                    "contributing_bodies", "target_date", "status", "progress"}))
    await ctx.platform.outbox.add(session, payload.topic, message_envelope(
        payload, source=SOURCE, subject=recommendation_id))
    return state


async def register_recommendation(*, ctx: Recommendations, data: RecommendationCreate, actor: Actor,
                                  adopted_at: datetime | None = None) -> Recommendation:
    """Enter a recommendation in the register; ``adopted_at`` dates one adopted before it was entered."""
    recommendation_id = data.id or f"rec-{uuid.uuid4().hex[:12]}"
    needs_review = data.edition is None or data.number is None
    fields = initial_state(data, source="manual", needs_review=needs_review)

    async def work(session: AsyncClientSession) -> Recommendation:
        return await create_in_session(ctx=ctx, session=session, recommendation_id=recommendation_id,
                                       fields=fields, actor=actor, reason=data.reason, at=adopted_at)

    return await ctx.platform.transaction(work)


async def change_status(
    *, ctx: Recommendations, recommendation_id: str, data: StatusChange, actor: Actor,
    upload: EvidenceUpload | None = None,
) -> Recommendation:
    """Any status but ``complete`` applies at once; ``complete`` is only proposed (two-person rule).

    An uploaded file, if any, is checked and rewritten without its metadata first, then kept in the
    same transaction and joins the change's evidence."""
    file = await clean_upload(upload, ctx.evidence_max_bytes) if upload is not None else None

    async def work(session: AsyncClientSession) -> Recommendation:
        state = await load(ctx, recommendation_id, session)
        if state.pending:
            raise Conflict("completion_pending")
        evidence = evidence_entries(data.evidence)
        if file is not None:
            evidence.append(await store_upload(ctx=ctx, session=session, recommendation_id=recommendation_id,
                                               upload=file, by=actor.sub, act=actor.act))
        if data.status == "complete":
            return await _propose_completion(ctx, session, state, data, actor, evidence)
        progress = resolve_progress(data.status, data.progress, state.progress)
        if data.status == state.status and progress == state.progress:
            raise Conflict("no_change")
        changes: dict[str, Any] = {"status": data.status, "progress": progress}
        if evidence:
            changes["evidence"] = state.evidence_list() + evidence
        record, new_state = await record_change(
            ctx=ctx, session=session, state=state, recommendation_id=recommendation_id, kind="status_changed",
            actor=actor, changes=changes, reason=data.reason, evidence=evidence, from_status=state.status,
            to_status=data.status, from_progress=state.progress, to_progress=progress)
        await _announce_status(ctx, session, record, approved=False)
        return new_state

    return await ctx.platform.transaction(work)


async def _propose_completion(
    ctx: Recommendations, session: AsyncClientSession, state: Recommendation, data: StatusChange, actor: Actor,
    evidence: list[dict[str, Any]],
) -> Recommendation:
    if not evidence:
        raise DomainError("evidence_required", status=422)
    resolve_progress("complete", data.progress, state.progress)
    at = next_time(state.updated_at)
    pending = PendingProposal.model_validate(
        {"by": actor.sub, "role": actor.role, "at": at, "reason": data.reason, "evidence": evidence})
    _, new_state = await record_change(
        ctx=ctx, session=session, state=state, recommendation_id=state.id, kind="completion_proposed",
        actor=actor, changes={"pending": pending.model_dump()}, at=at, reason=data.reason, evidence=evidence,
        from_status=state.status, to_status="complete", from_progress=state.progress, to_progress=100)
    return new_state


async def decide_completion(
    *, ctx: Recommendations, recommendation_id: str, data: Decision, actor: Actor, approve: bool
) -> Recommendation:
    """A second organizer approves (the status becomes complete) or sends the proposal back."""

    async def work(session: AsyncClientSession) -> Recommendation:
        state = await load(ctx, recommendation_id, session)
        pending = state.pending
        if pending is None:
            raise Conflict("no_completion_pending")
        if pending.by == actor.sub:
            raise Forbidden("second_organizer_required")
        proposed = [item.model_dump() for item in pending.evidence]
        details: dict[str, Any] = {"reason": data.reason, "evidence": proposed, "from_status": state.status,
                   "to_status": "complete" if approve else state.status, "from_progress": state.progress,
                   "to_progress": 100 if approve else state.progress}
        changes: dict[str, Any] = {"pending": None}
        if approve:
            changes.update(status="complete", progress=100, evidence=state.evidence_list() + proposed)
        record, new_state = await record_change(
            ctx=ctx, session=session, state=state, recommendation_id=recommendation_id,
            kind="completion_approved" if approve else "completion_sent_back", actor=actor, changes=changes,
            **details)
        if approve:
            await _announce_status(ctx, session, record, approved=True)
        return new_state

    return await ctx.platform.transaction(work)


async def _announce_status(ctx: Recommendations, session: AsyncClientSession, record: HistoryRecord,
                           approved: bool) -> None:
    payload = events.RecommendationStatusChanged(
        recommendation_id=record.recommendation_id, seq=record.seq, reason=record.reason,
        evidence_count=len(record.evidence), approved=approved, by_role=record.actor.role, at=record.at,
        from_status=record.from_status, to_status=record.to_status, from_progress=record.from_progress,
        to_progress=record.to_progress)
    await ctx.platform.outbox.add(session, payload.topic, message_envelope(
        payload, source=SOURCE, subject=record.recommendation_id))
