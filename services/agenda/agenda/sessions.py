"""Use cases of the draft programme's sessions: schedule, check, change, cancel, outcomes."""

import uuid

from pymongo.asynchronous.client_session import AsyncClientSession

from agenda import events, participation
from agenda.context import Agenda
from agenda.domain import (
    WARNINGS,
    OutcomesRecord,
    SessionCheck,
    SessionCreate,
    SessionPublic,
    SessionUpdate,
    as_utc,
    capacity_warning,
    check_times,
    clashes,
)
from agenda.service import get_conference
from agenda.store import AgendaStore
from agenda.stored import Session
from shared.audit import Act
from shared.documents import utcnow
from shared.envelope import message_envelope
from shared.errors import Conflict, NotFound


def _public(session: Session) -> SessionPublic:
    return SessionPublic.model_validate(session.model_dump())


async def schedule_problems(store: AgendaStore, candidate: Session, tx: AsyncClientSession | None
                            ) -> list[Conflict]:
    """Everything wrong with a session where it stands, in the order the API refuses them: its
    times, its room, its people, then its clashes; warnings (``WARNINGS``) last.
    Naive times are read in the conference's zone and stored in UTC."""
    conference = await get_conference(store, candidate.conference_id, tx=tx)
    candidate.starts_at = as_utc(candidate.starts_at, conference.zone)
    candidate.ends_at = as_utc(candidate.ends_at, conference.zone)
    found: list[Conflict] = []
    try:
        check_times(candidate.starts_at, candidate.ends_at, conference)
    except Conflict as exc:
        found.append(exc)
    room = await store.room(candidate.room_id, tx=tx)
    if room is None or room.conference_id != candidate.conference_id:
        found.append(Conflict("room_unknown", status=422, room_id=candidate.room_id))
        room = None
    people = {s.id: s for s in await store.speakers_by_ids(candidate.people, tx=tx)
              if s.conference_id == candidate.conference_id}
    found.extend(Conflict("speaker_unknown", status=422, speaker_id=p) for p in candidate.people if p not in people)
    others = await store.sessions_of(candidate.conference_id, tx=tx)
    found.extend(clashes(candidate.to_document(), [o.to_document() for o in others],
                         room_name=room.name if room else candidate.room_id, zone=conference.zone,
                         speaker_names={k: v.name for k, v in people.items()}))
    warning = capacity_warning(candidate.capacity, room.name, room.capacity) if room else None
    return [*found, warning] if warning else found


async def validated(store: AgendaStore, candidate: Session, tx: AsyncClientSession | None) -> None:
    """Refuse a session that does not fit the conference, its rooms or its speakers' days."""
    refusals = [p for p in await schedule_problems(store, candidate, tx) if p.code not in WARNINGS]
    if refusals:
        raise refusals[0]


async def check_session(*, ctx: Agenda, conference_id: str, data: SessionCheck) -> list[Conflict]:
    """What saving these fields would meet, without saving: the refusals and the warnings."""
    base: dict[str, object] = {"title": {"fr": "-"}, "kind": "workshop", "languages": ["fr"]}
    if data.session_id:
        current = await session_or_404(ctx.store, data.session_id, None)
        if current.conference_id != conference_id:
            raise NotFound("session_unknown", session_id=data.session_id)
        base = current.model_dump()
    at = utcnow()
    candidate = Session.model_validate({
        "created_at": at, **base, **data.model_dump(exclude={"session_id"}, exclude_unset=True), "updated_at": at,
        "id": data.session_id or "", "conference_id": conference_id})
    return await schedule_problems(ctx.store, candidate, None)


async def create_session(*, ctx: Agenda, conference_id: str, data: SessionCreate, act: Act | None = None
                         ) -> SessionPublic:
    store = ctx.store
    session_id = data.id or uuid.uuid4().hex[:12]

    async def work(tx: AsyncClientSession) -> Session:
        await store.touch_schedule(conference_id, tx=tx)
        at = utcnow()
        candidate = Session.model_validate({
            **data.model_dump(mode="json", exclude={"id", "starts_at", "ends_at"}), "id": session_id,
            "conference_id": conference_id, "starts_at": data.starts_at, "ends_at": data.ends_at,
            "created_at": at, "updated_at": at})
        await validated(store, candidate, tx)
        candidate.number = await store.next_session_number(tx=tx)
        await store.add_session(candidate, tx=tx)
        await _announce(ctx, tx, events.SessionScheduled, candidate)
        await store.record_act(act, action="session.create", object_type="session", object_id=session_id, tx=tx)
        return candidate

    return _public(await ctx.platform.transaction(work))


async def update_session(*, ctx: Agenda, session_id: str, data: SessionUpdate, act: Act | None = None
                         ) -> SessionPublic:
    store = ctx.store
    changes = data.model_dump(mode="json", exclude_unset=True, exclude={"starts_at", "ends_at"})
    changes.update({k: getattr(data, k) for k in ("starts_at", "ends_at") if k in data.model_fields_set})

    async def work(tx: AsyncClientSession) -> Session:
        current = await session_or_404(store, session_id, tx)
        await store.touch_schedule(current.conference_id, tx=tx)
        if current.status == "cancelled":
            raise Conflict("session_cancelled")
        changed = Session.model_validate({**current.model_dump(), **changes, "updated_at": utcnow()})
        if "capacity" in changes and (changes["capacity"] or 0) < current.seats_taken:
            raise Conflict("capacity_below_signups", taken=current.seats_taken)
        await validated(store, changed, tx)
        await store.save_session(changed, tx=tx)
        await participation.follow_session_change(ctx=ctx, changed=changed, tx=tx)
        changed = await session_or_404(store, session_id, tx)
        await _announce(ctx, tx, events.SessionUpdated, changed)
        await store.record_act(act, action="session.update", object_type="session", object_id=session_id, tx=tx)
        return changed

    return _public(await ctx.platform.transaction(work, queue_on=session_id))


async def cancel_session(*, ctx: Agenda, session_id: str, act: Act | None = None) -> SessionPublic:
    store = ctx.store

    async def work(tx: AsyncClientSession) -> Session:
        current = await session_or_404(store, session_id, tx)
        if current.status == "cancelled":
            return current
        await store.touch_schedule(current.conference_id, tx=tx)
        cancelled = current.model_copy(update={"status": "cancelled", "seats_taken": 0, "updated_at": utcnow()})
        await store.mark_cancelled(session_id, cancelled.updated_at, tx=tx)
        await participation.release_session(ctx=ctx, session_id=session_id, tx=tx)
        await _announce(ctx, tx, events.SessionCancelled, cancelled)
        await store.record_act(act, action="session.cancel", object_type="session", object_id=session_id, tx=tx)
        return cancelled

    return _public(await ctx.platform.transaction(work, queue_on=session_id))


async def get_session(*, ctx: Agenda, session_id: str) -> SessionPublic:
    return _public(await session_or_404(ctx.store, session_id, None))


async def list_sessions(*, ctx: Agenda, conference_id: str) -> list[SessionPublic]:
    found = await ctx.store.sessions_of(conference_id)
    return [_public(s) for s in sorted(found, key=lambda s: s.starts_at)]


async def session_owner(*, ctx: Agenda, session_id: str) -> str | None:
    """The id of the conference a session belongs to (None for an unknown session)."""
    found = await ctx.store.session(session_id)
    return found.conference_id if found else None


async def session_or_404(store: AgendaStore, session_id: str, tx: AsyncClientSession | None) -> Session:
    found = await store.session(session_id, tx=tx)
    if found is None:
        raise NotFound("session_unknown", session_id=session_id)
    return found


async def _announce(ctx: Agenda, tx: AsyncClientSession, fact: type[events.SessionFact], session: Session) -> None:
    payload = fact.model_validate({**session.model_dump(), "session_id": session.id, "at": session.updated_at})
    envelope = message_envelope(payload, source=ctx.platform.settings.service_name, subject=session.id)
    await ctx.platform.outbox.add(tx, payload.topic, envelope)


async def record_outcomes(*, ctx: Agenda, session_id: str, data: OutcomesRecord, act: Act | None = None
                          ) -> SessionPublic:
    """Store a session's conclusions and adopted recommendations and hand them on."""
    store = ctx.store

    async def work(tx: AsyncClientSession) -> Session:
        current = await session_or_404(store, session_id, tx)
        if current.status == "cancelled":
            raise Conflict("session_cancelled")
        recorded_at = utcnow()
        current.outcomes = data.model_dump(mode="json")
        await store.set_outcomes(session_id, current.outcomes, recorded_at, tx=tx)
        payload = events.SessionOutcomesRecorded(
            session_id=session_id, conference_id=current.conference_id, session_title=current.title,
            conclusions=data.conclusions, recorded_at=recorded_at,
            recommendations=[events.OutcomeItem(key=r.key, text=r.text) for r in data.recommendations])
        await ctx.platform.outbox.add(tx, payload.topic, message_envelope(
            payload, source=ctx.platform.settings.service_name, subject=session_id))
        await store.record_act(act, action="session.record_outcomes", object_type="session",
                               object_id=session_id, tx=tx)
        return current

    return _public(await ctx.platform.transaction(work))
