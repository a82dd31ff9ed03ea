"""Use cases of milestones: the actions a recommendation is broken into, each with an owner and a due date."""

import uuid
from datetime import date

from pymongo.asynchronous.client_session import AsyncClientSession

from recommendations import events
from recommendations.context import Recommendations
from recommendations.documents import Recommendation, StoredEvidence, StoredMilestone
from recommendations.domain import MilestoneCompletion, MilestoneCreate, MilestoneEdit, next_time
from recommendations.service import SOURCE, Actor, evidence_entries, load, record_change
from shared.envelope import message_envelope
from shared.errors import Conflict, NotFound


async def add_milestone(
    *, ctx: Recommendations, recommendation_id: str, data: MilestoneCreate, actor: Actor,
    milestone_id: str | None = None,
) -> Recommendation:
    new_id = milestone_id or f"m-{uuid.uuid4().hex[:8]}"

    async def work(session: AsyncClientSession) -> Recommendation:
        state = await load(ctx, recommendation_id, session)
        if state.status == "withdrawn":
            raise Conflict("recommendation_withdrawn")
        milestone = StoredMilestone(id=new_id, title=data.title.model_dump(), owner=data.owner,
                                    due_date=data.due_date.isoformat())
        milestones = [m.model_dump() for m in state.milestones] + [milestone.model_dump()]
        _, new_state = await record_change(
            ctx=ctx, session=session, state=state, recommendation_id=recommendation_id, kind="milestone_added",
            actor=actor, changes={"milestones": milestones}, reason=data.reason, milestone_id=new_id)
        return new_state

    return await ctx.platform.transaction(work)


async def complete_milestone(
    *, ctx: Recommendations, recommendation_id: str, milestone_id: str, data: MilestoneCompletion, actor: Actor
) -> Recommendation:

    async def work(session: AsyncClientSession) -> Recommendation:
        state = await load(ctx, recommendation_id, session)
        milestone = _open_milestone(state, milestone_id)
        at = next_time(state.updated_at)
        done = milestone.model_copy(update={"completed_at": at, "evidence": [
            StoredEvidence.model_validate(e) for e in evidence_entries(data.evidence)]})
        milestones = [(done if m.id == milestone_id else m).model_dump() for m in state.milestones]
        record, new_state = await record_change(
            ctx=ctx, session=session, state=state, recommendation_id=recommendation_id,
            kind="milestone_completed", actor=actor, changes={"milestones": milestones}, at=at, reason=data.reason,
            evidence=evidence_entries(data.evidence), milestone_id=milestone_id)
        payload = events.MilestoneCompleted(
            recommendation_id=recommendation_id, milestone_id=milestone_id, seq=record.seq,
            title=done.title, owner=done.owner, due_date=done.due_date, completed_at=record.at,
            late=record.at.date() > date.fromisoformat(done.due_date))
        await ctx.platform.outbox.add(session, payload.topic, message_envelope(
            payload, source=SOURCE, subject=recommendation_id))
        return new_state

    return await ctx.platform.transaction(work)


async def edit_milestone(
    *, ctx: Recommendations, recommendation_id: str, milestone_id: str, data: MilestoneEdit, actor: Actor
) -> Recommendation:
    """Change an open milestone's title, owner or due date, with a reason."""

    async def work(session: AsyncClientSession) -> Recommendation:
        state = await load(ctx, recommendation_id, session)
        milestone = _open_milestone(state, milestone_id)
        edited = StoredMilestone.model_validate({**milestone.model_dump(), "title": data.title.model_dump(),
                                                 "owner": data.owner, "due_date": data.due_date.isoformat()})
        if edited == milestone:
            raise Conflict("milestone_unchanged", milestone_id=milestone_id)
        milestones = [(edited if m.id == milestone_id else m).model_dump() for m in state.milestones]
        _, new_state = await record_change(
            ctx=ctx, session=session, state=state, recommendation_id=recommendation_id, kind="milestone_edited",
            actor=actor, changes={"milestones": milestones}, reason=data.reason, milestone_id=milestone_id)
        return new_state

    return await ctx.platform.transaction(work)


def _open_milestone(state: Recommendation, milestone_id: str) -> StoredMilestone:
    milestone = next((m for m in state.milestones if m.id == milestone_id), None)
    if milestone is None:
        raise NotFound("milestone_unknown", milestone_id=milestone_id)
    if milestone.completed_at is not None:
        raise Conflict("milestone_already_completed", milestone_id=milestone_id)
    return milestone
