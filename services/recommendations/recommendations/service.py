"""Use cases of the register: one function per verb, each one transaction with its messages."""

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from recommendations import events
from recommendations.domain import (
    Decision,
    Evidence,
    MilestoneCompletion,
    MilestoneCreate,
    RecommendationCreate,
    StatusChange,
    apply,
    next_time,
    resolve_progress,
)
from recommendations.store import Store
from shared import audit
from shared.audit import Act
from shared.auth import Principal
from shared.envelope import message_envelope
from shared.errors import Conflict, DomainError, Forbidden, NotFound
from shared.outbox import Outbox
from shared.platform import Platform

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
    *, store: Store, session: AsyncClientSession, state: dict[str, Any] | None, recommendation_id: str,
    kind: str, actor: Actor, changes: dict[str, Any], at: datetime | None = None, **details: Any,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Append one history record and update the projection with the same fold a replay uses."""
    record = {
        "recommendation_id": recommendation_id, "seq": (state["version"] if state else 0) + 1,
        "at": at or next_time(state), "kind": kind, "actor": {"sub": actor.sub, "role": actor.role},
        "set": changes, **details,
    }
    new_state = apply(state, record)
    await store.append(record, new_state, session)
    await audit.record(store.db, actor.act, action=f"recommendation.{kind}", object_type="recommendation",
                       object_id=recommendation_id, session=session)
    return record, new_state


async def _load(store: Store, recommendation_id: str, session: AsyncClientSession) -> dict[str, Any]:
    state = await store.get(recommendation_id, session)
    if state is None:
        raise NotFound("recommendation_unknown", recommendation_id=recommendation_id)
    return state


def _evidence(items: list[Evidence]) -> list[dict[str, Any]]:
    return [item.model_dump(mode="json") for item in items]


def initial_state(data: RecommendationCreate, *, source: str, needs_review: bool,
                  session_ref: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "edition": data.edition, "number": data.number, "conference_id": data.conference_id,
        "session": session_ref, "needs_review": needs_review, "source": source,
        "text": data.text.model_dump(), "themes": list(dict.fromkeys(data.themes)),
        "sdgs": sorted(set(data.sdgs)), "lead_body": data.lead_body,
        "contributing_bodies": list(dict.fromkeys(data.contributing_bodies)),
        "target_date": data.target_date.isoformat() if data.target_date else None,
        "status": "not_started", "progress": 0, "evidence": [], "pending": None, "milestones": [],
    }


async def create_in_session(
    *, store: Store, outbox: Outbox, session: AsyncClientSession, recommendation_id: str,
    fields: dict[str, Any], actor: Actor, reason: str, at: datetime | None = None,
) -> dict[str, Any]:
    if await store.get(recommendation_id, session) is not None:
        raise Conflict("recommendation_exists", recommendation_id=recommendation_id)
    _, state = await record_change(store=store, session=session, state=None, recommendation_id=recommendation_id,
                                   kind="created", actor=actor, changes=fields, reason=reason, at=at)
    session_ref = state.get("session") or {}
    payload = events.RecommendationCreated(
        recommendation_id=recommendation_id, session_id=session_ref.get("id"), created_at=state["created_at"],
        **{k: state[k] for k in ("edition", "number", "conference_id", "text", "themes", "sdgs", "lead_body",
                                 "contributing_bodies", "target_date", "status", "progress")})
    await outbox.add(session, payload.topic, message_envelope(
        payload, source=SOURCE, subject=recommendation_id))
    return state


async def register_recommendation(*, platform: Platform, data: RecommendationCreate, actor: Actor,
                                  adopted_at: datetime | None = None) -> dict[str, Any]:
    """Enter a recommendation in the register; ``adopted_at`` dates one adopted before it was entered."""
    store = Store(platform.db)
    recommendation_id = data.id or f"rec-{uuid.uuid4().hex[:12]}"
    needs_review = data.edition is None or data.number is None
    fields = initial_state(data, source="manual", needs_review=needs_review)

    async def work(session: AsyncClientSession) -> dict[str, Any]:
        return await create_in_session(store=store, outbox=platform.outbox, session=session,
                                       recommendation_id=recommendation_id, fields=fields, actor=actor,
                                       reason=data.reason, at=adopted_at)

    return await platform.transaction(work)


async def change_status(
    *, platform: Platform, recommendation_id: str, data: StatusChange, actor: Actor
) -> dict[str, Any]:
    """Any status but ``complete`` applies at once; ``complete`` is only proposed (two-person rule)."""
    store = Store(platform.db)

    async def work(session: AsyncClientSession) -> dict[str, Any]:
        state = await _load(store, recommendation_id, session)
        if state.get("pending"):
            raise Conflict("completion_pending")
        if data.status == "complete":
            return await _propose_completion(store, session, state, data, actor)
        progress = resolve_progress(data.status, data.progress, state["progress"])
        if data.status == state["status"] and progress == state["progress"]:
            raise Conflict("no_change")
        changes: dict[str, Any] = {"status": data.status, "progress": progress}
        if data.evidence:
            changes["evidence"] = state["evidence"] + _evidence(data.evidence)
        record, new_state = await record_change(
            store=store, session=session, state=state, recommendation_id=recommendation_id, kind="status_changed",
            actor=actor, changes=changes, reason=data.reason, evidence=_evidence(data.evidence),
            from_status=state["status"], to_status=data.status, from_progress=state["progress"],
            to_progress=progress)
        await _announce_status(platform.outbox, session, record, approved=False)
        return new_state

    return await platform.transaction(work)


async def _propose_completion(
    store: Store, session: AsyncClientSession, state: dict[str, Any], data: StatusChange, actor: Actor
) -> dict[str, Any]:
    if not data.evidence:
        raise DomainError("evidence_required", status=422)
    resolve_progress("complete", data.progress, state["progress"])
    at = next_time(state)
    pending = {"by": actor.sub, "role": actor.role, "at": at, "reason": data.reason,
               "evidence": _evidence(data.evidence)}
    _, new_state = await record_change(
        store=store, session=session, state=state, recommendation_id=state["id"], kind="completion_proposed",
        actor=actor, changes={"pending": pending}, at=at, reason=data.reason, evidence=pending["evidence"],
        from_status=state["status"], to_status="complete", from_progress=state["progress"], to_progress=100)
    return new_state


async def decide_completion(
    *, platform: Platform, recommendation_id: str, data: Decision, actor: Actor, approve: bool
) -> dict[str, Any]:
    """A second organizer approves (the status becomes complete) or sends the proposal back."""
    store = Store(platform.db)

    async def work(session: AsyncClientSession) -> dict[str, Any]:
        state = await _load(store, recommendation_id, session)
        pending = state.get("pending")
        if not pending:
            raise Conflict("no_completion_pending")
        if pending["by"] == actor.sub:
            raise Forbidden("second_organizer_required")
        details = {"reason": data.reason, "evidence": pending["evidence"], "from_status": state["status"],
                   "to_status": "complete" if approve else state["status"], "from_progress": state["progress"],
                   "to_progress": 100 if approve else state["progress"]}
        changes: dict[str, Any] = {"pending": None}
        if approve:
            changes.update(status="complete", progress=100, evidence=state["evidence"] + pending["evidence"])
        record, new_state = await record_change(
            store=store, session=session, state=state, recommendation_id=recommendation_id,
            kind="completion_approved" if approve else "completion_sent_back", actor=actor, changes=changes,
            **details)
        if approve:
            await _announce_status(platform.outbox, session, record, approved=True)
        return new_state

    return await platform.transaction(work)


async def _announce_status(outbox: Outbox, session: AsyncClientSession, record: dict[str, Any],
                           approved: bool) -> None:
    payload = events.RecommendationStatusChanged(
        recommendation_id=record["recommendation_id"], seq=record["seq"], reason=record["reason"],
        evidence_count=len(record.get("evidence") or []), approved=approved, by_role=record["actor"]["role"],
        at=record["at"], **{k: record[k] for k in ("from_status", "to_status", "from_progress", "to_progress")})
    await outbox.add(session, payload.topic, message_envelope(
        payload, source=SOURCE, subject=record["recommendation_id"]))


async def add_milestone(
    *, platform: Platform, recommendation_id: str, data: MilestoneCreate, actor: Actor,
    milestone_id: str | None = None,
) -> dict[str, Any]:
    store = Store(platform.db)
    new_id = milestone_id or f"m-{uuid.uuid4().hex[:8]}"

    async def work(session: AsyncClientSession) -> dict[str, Any]:
        state = await _load(store, recommendation_id, session)
        if state["status"] == "withdrawn":
            raise Conflict("recommendation_withdrawn")
        milestone: dict[str, Any] = {"id": new_id, "title": data.title.model_dump(), "owner": data.owner,
                     "due_date": data.due_date.isoformat(), "completed_at": None, "evidence": []}
        _, new_state = await record_change(
            store=store, session=session, state=state, recommendation_id=recommendation_id, kind="milestone_added",
            actor=actor, changes={"milestones": [*state["milestones"], milestone]}, reason=data.reason,
            milestone_id=new_id)
        return new_state

    return await platform.transaction(work)


async def complete_milestone(
    *, platform: Platform, recommendation_id: str, milestone_id: str, data: MilestoneCompletion, actor: Actor
) -> dict[str, Any]:
    store = Store(platform.db)

    async def work(session: AsyncClientSession) -> dict[str, Any]:
        state = await _load(store, recommendation_id, session)
        milestone = next((m for m in state["milestones"] if m["id"] == milestone_id), None)
        if milestone is None:
            raise NotFound("milestone_unknown", milestone_id=milestone_id)
        if milestone["completed_at"] is not None:
            raise Conflict("milestone_already_completed", milestone_id=milestone_id)
        at = next_time(state)
        done = {**milestone, "completed_at": at, "evidence": _evidence(data.evidence)}
        milestones = [done if m["id"] == milestone_id else m for m in state["milestones"]]
        record, new_state = await record_change(
            store=store, session=session, state=state, recommendation_id=recommendation_id,
            kind="milestone_completed", actor=actor, changes={"milestones": milestones}, at=at, reason=data.reason,
            evidence=done["evidence"], milestone_id=milestone_id)
        payload = events.MilestoneCompleted(
            recommendation_id=recommendation_id, milestone_id=milestone_id, seq=record["seq"],
            title=done["title"], owner=done["owner"], due_date=done["due_date"], completed_at=record["at"],
            late=record["at"].date() > date.fromisoformat(done["due_date"]))
        await platform.outbox.add(session, payload.topic, message_envelope(
            payload, source=SOURCE, subject=recommendation_id))
        return new_state

    return await platform.transaction(work)
