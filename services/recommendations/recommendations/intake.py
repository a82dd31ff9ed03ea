"""Recommendations that arrive from agenda (adopted in a session), editions from registration.

Both run inside the consumer's transaction (``session``), with the idempotency
marker of the message.
"""

import hashlib
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from pymongo.asynchronous.client_session import AsyncClientSession

from recommendations.context import Recommendations
from recommendations.service import Actor, create_in_session, record_change
from shared.consumer import Reader
from shared.i18n import LocalizedText


class OutcomeItem(BaseModel):
    key: str
    text: LocalizedText


class SessionOutcomes(Reader):
    """The fields of ``agenda.session-outcomes-recorded.v1`` this service reads."""

    reads = ("agenda.session-outcomes-recorded.v1",)

    session_id: str
    conference_id: str
    session_title: LocalizedText | None = None
    recommendations: list[OutcomeItem]
    recorded_at: datetime


class ConferenceFacts(Reader):
    """The fields of ``registration.conference-created/updated.v1`` this service reads."""

    reads = ("registration.conference-created.v1", "registration.conference-updated.v1")

    conference_id: str
    edition: int | None = None


def outcome_recommendation_id(session_id: str, key: str) -> str:
    """Deterministic, so a redelivered or re-recorded outcome updates instead of duplicating."""
    digest = hashlib.sha256(f"{session_id}\x1f{key}".encode()).hexdigest()[:16]
    return f"ag-{digest}"


async def record_session_outcomes(
    *, ctx: Recommendations, session: AsyncClientSession, data: SessionOutcomes
) -> list[str]:
    edition = await ctx.store.conference_edition(data.conference_id, session)
    session_ref = {"id": data.session_id, "title": data.session_title.model_dump() if data.session_title else None}
    actor = Actor.system("agenda")
    ids = []
    for item in data.recommendations:
        recommendation_id = outcome_recommendation_id(data.session_id, item.key)
        ids.append(recommendation_id)
        state = await ctx.store.recommendation(recommendation_id, session)
        if state is None:
            fields = _fields_from_outcome(data, item, edition, session_ref)
            await create_in_session(ctx=ctx, session=session, recommendation_id=recommendation_id, fields=fields,
                                    actor=actor, reason="Adopted in a conference session (agenda).")
            continue
        current = state.model_dump(include={"text", "session", "edition"})
        wanted: dict[str, Any] = {"text": item.text.model_dump(), "session": session_ref}
        if state.edition is None and edition is not None:
            wanted["edition"] = edition
        changes = {k: v for k, v in wanted.items() if current.get(k) != v}
        if changes:
            await record_change(ctx=ctx, session=session, state=state, recommendation_id=recommendation_id,
                                kind="outcome_updated", actor=actor, changes=changes,
                                reason="The session's outcomes were recorded again (agenda).")
    return ids


def _fields_from_outcome(
    data: SessionOutcomes, item: OutcomeItem, edition: int | None, session_ref: dict[str, Any]
) -> dict[str, Any]:
    # The conference-wide number is decided by the organizers when they consolidate the
    # final list, so it starts empty and the recommendation is flagged for review.
    return {
        "edition": edition, "number": None, "conference_id": data.conference_id, "session": session_ref,
        "needs_review": True, "source": "agenda", "text": item.text.model_dump(), "themes": [], "sdgs": [],
        "lead_body": None, "contributing_bodies": [], "target_date": None, "status": "not_started",
        "progress": 0, "evidence": [], "pending": None, "milestones": [],
    }


async def record_conference(*, ctx: Recommendations, session: AsyncClientSession, data: ConferenceFacts) -> None:
    """Remember the edition, and give it to the recommendations that came before it was known."""
    await ctx.store.save_conference(data.conference_id, data.edition, session)
    if data.edition is None:
        return
    for state in await ctx.store.of_conference(data.conference_id, session):
        if state.edition is None:
            await record_change(ctx=ctx, session=session, state=state, recommendation_id=state.id,
                                kind="edition_set", actor=Actor.system("registration"),
                                changes={"edition": data.edition},
                                reason="The conference's edition became known (registration).")
