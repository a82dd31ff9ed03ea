"""Use cases of sign-ups: seats, waiting lists, and what a session's changes do to them.

Changes to one session's seats queue in this process on the session's id
(``queue_on``) instead of colliding in MongoDB and retrying in a storm; across
processes the conditional seat reservation in the transaction is the guarantee.
"""

from zoneinfo import ZoneInfo

from pymongo.asynchronous.client_session import AsyncClientSession

from agenda import events
from agenda.context import Agenda
from agenda.domain import DEFAULT_TIMEZONE, ELIGIBLE_STATUSES, ScheduleConflict, SignupPublic, overlaps, time_label
from agenda.store import AgendaStore
from agenda.stored import Participant, Session, Signup
from shared.documents import utcnow
from shared.envelope import message_envelope
from shared.errors import Conflict, DomainError, Forbidden, NotFound


def _eligible(participant: Participant | None, conference_id: str) -> Participant:
    if participant is not None and participant.erased:
        raise DomainError("manage_token_revoked", status=401)
    if participant is None or participant.status not in ELIGIBLE_STATUSES:
        raise Forbidden("participant_not_eligible",
                        registration_status=participant.status if participant else "unknown")
    if participant.conference_id != conference_id:
        raise DomainError("manage_token_invalid", status=401)
    return participant


async def sign_up(*, ctx: Agenda, registration_id: str, conference_id: str, session_id: str) -> SignupPublic:
    store = ctx.store

    async def work(tx: AsyncClientSession) -> Signup:
        _eligible(await store.participant(registration_id, tx=tx), conference_id)
        wanted = await _session_for_signup(store, session_id, conference_id, tx)
        existing = await store.signup(session_id, registration_id, tx=tx)
        if existing is not None and existing.active:
            return existing
        await _refuse_overlap(store, registration_id, wanted, tx)
        assert wanted.capacity is not None  # checked by _session_for_signup
        seated = await store.take_seat(session_id, wanted.capacity, tx=tx)
        signup = Signup(id=f"{session_id}:{registration_id}", session_id=session_id,
                        registration_id=registration_id, conference_id=wanted.conference_id,
                        status="confirmed" if seated else "waitlisted", title=wanted.title,
                        starts_at=wanted.starts_at, ends_at=wanted.ends_at, updated_at=utcnow(),
                        seq=await store.next_queue_place(session_id, tx=tx))
        await store.save_signup(signup, tx=tx)
        await _announce(ctx, tx, signup, events.SignupConfirmed if seated else events.SignupWaitlisted)
        return signup

    return await _public(store, await ctx.platform.transaction(work, queue_on=session_id))


async def _session_for_signup(store: AgendaStore, session_id: str, conference_id: str,
                              tx: AsyncClientSession) -> Session:
    found = await store.session(session_id, tx=tx)
    if found is None:
        raise NotFound("session_unknown", session_id=session_id)
    if found.conference_id != conference_id:
        raise Forbidden("wrong_conference")
    if found.status == "cancelled":
        raise Conflict("session_cancelled")
    # A seat in a session that is over is worth nothing: signing up closes when it ends.
    if found.ends_at <= utcnow():
        raise Conflict("session_over")
    if not found.released:
        raise Conflict("session_not_released")
    if found.capacity is None:
        raise Conflict("signup_not_required")
    return found


async def _refuse_overlap(store: AgendaStore, registration_id: str, wanted: Session,
                          tx: AsyncClientSession) -> None:
    for other in await store.active_signups(registration_id, tx=tx):
        if other.session_id != wanted.id and overlaps(wanted.starts_at, wanted.ends_at,
                                                      other.starts_at, other.ends_at):
            conference = await store.conference(wanted.conference_id, tx=tx)
            zone = conference.zone if conference else ZoneInfo(DEFAULT_TIMEZONE)
            raise ScheduleConflict("signup_overlaps", other_session_id=other.session_id, other_title=other.title,
                                   other_time=time_label(other.starts_at, other.ends_at, zone))


async def cancel_signup(*, ctx: Agenda, registration_id: str, session_id: str) -> SignupPublic:
    store = ctx.store

    async def work(tx: AsyncClientSession) -> Signup:
        signup = await store.signup(session_id, registration_id, tx=tx)
        if signup is None or not signup.active:
            raise NotFound("signup_unknown")
        return await cancel(ctx, signup, "participant", tx)

    return await _public(store, await ctx.platform.transaction(work, queue_on=session_id))


async def cancel(ctx: Agenda, signup: Signup, reason: str, tx: AsyncClientSession) -> Signup:
    """End a sign-up; a freed seat goes to the first person waiting."""
    was = signup.status
    ended = signup.model_copy(update={"status": "cancelled", "reason": reason, "updated_at": utcnow()})
    await ctx.store.set_signup_status(ended.id, "cancelled", ended.updated_at, reason=reason, tx=tx)
    await _announce(ctx, tx, ended, events.SignupCancelled, reason=reason)
    if was == "confirmed":
        await ctx.store.free_seat(signup.session_id, tx=tx)
        current = await ctx.store.session(signup.session_id, tx=tx)
        if current is not None and current.status == "scheduled":
            await _promote(ctx, current, tx)
    return ended


async def _promote(ctx: Agenda, session: Session, tx: AsyncClientSession) -> None:
    """Give free seats to the waiting list, first come first served."""
    while session.capacity:
        waiting = await ctx.store.first_waiting(session.id, tx=tx)
        if waiting is None or not await ctx.store.take_seat(session.id, session.capacity, tx=tx):
            return
        await ctx.store.set_signup_status(waiting.id, "confirmed", utcnow(), tx=tx)
        await _announce(ctx, tx, waiting, events.SignupPromoted)


async def follow_session_change(*, ctx: Agenda, changed: Session, tx: AsyncClientSession) -> None:
    """Keep sign-ups' copies of the slot current and seat waiting people if capacity grew."""
    await ctx.store.copy_slot_to_signups(changed, tx=tx)
    await _promote(ctx, changed, tx)


async def release_session(*, ctx: Agenda, session_id: str, tx: AsyncClientSession) -> None:
    """A cancelled session: every sign-up to it ends."""
    for signup in await ctx.store.session_signups(session_id, tx=tx):
        await ctx.store.set_signup_status(signup.id, "cancelled", utcnow(), reason="session_cancelled", tx=tx)
        await _announce(ctx, tx, signup, events.SignupCancelled, reason="session_cancelled")


async def _announce(ctx: Agenda, tx: AsyncClientSession, signup: Signup, fact: type[events.SignupFact],
                    reason: str | None = None) -> None:
    payload = fact(session_id=signup.session_id, conference_id=signup.conference_id,
                   registration_id=signup.registration_id, status=fact.status_after, reason=reason, at=utcnow())
    await ctx.platform.outbox.add(tx, payload.topic, message_envelope(
        payload, source=ctx.platform.settings.service_name, subject=signup.id))


async def _public(store: AgendaStore, signup: Signup) -> SignupPublic:
    position = None
    if signup.status == "waitlisted":
        position = await store.waiting_before(signup.session_id, signup.seq) + 1
    return SignupPublic(session_id=signup.session_id, registration_id=signup.registration_id,
                        status=signup.status, position=position)


async def session_signups(*, ctx: Agenda, session_id: str) -> list[SignupPublic]:
    signups = await ctx.store.session_signups(session_id)
    waiting = [s.id for s in signups if s.status == "waitlisted"]
    return [SignupPublic(session_id=s.session_id, registration_id=s.registration_id, status=s.status,
                         position=waiting.index(s.id) + 1 if s.id in waiting else None) for s in signups]
