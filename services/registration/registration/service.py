"""Use cases: conferences, registering, the participant's own registration, organizer decisions.

Every change that holds or frees a seat runs in one transaction with the conference's
counters and the outbox entries, queued on the conference in this process
(``Platform.transaction(..., queue_on=conference_id)``): the queue avoids a storm of write
conflicts on the hot counter document, the transaction keeps the capacity exact across
several processes. New registrations wait for that turn together (``shared.groupcommit``):
whatever arrived during one transaction is decided and written in the next one.
"""

import secrets
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from registration.context import Ctx, RegistrationContext, context_of
from registration.domain import (
    ARRIVAL_STATUSES,
    SEAT_HOLDING,
    Arrival,
    ConferenceCreate,
    ConferencePublic,
    ConferenceUpdate,
    ParticipantDetails,
    RegistrationCreate,
    decide_arrivals,
    has_seat,
    normalize_email,
    registration_window,
    seats_left,
)
from registration.events import (
    ConferenceCreated,
    ConferenceFact,
    ConferenceUpdated,
    ParticipantCancelled,
    ParticipantFact,
    ParticipantPromoted,
    ParticipantRegistered,
)
from registration.models import Conference, QueuedMail, Registration
from shared.audit import Act
from shared.documents import utcnow
from shared.envelope import message_envelope
from shared.errors import Conflict, DomainError, Forbidden, NotFound
from shared.observability import current_correlation_id
from shared.signing import InvalidSignedToken
from shared.timezones import MOROCCO_TIMEZONE

__all__ = ["Ctx", "RegistrationContext", "context_of"]
Document = dict[str, Any]
F = TypeVar("F", bound=ParticipantFact)


def participant_fact(fact: type[F], reg: Registration, at: datetime, **extra: Any) -> F:
    """The fact about a stored registration, with the anonymous fields every reader gets."""
    return fact(registration_id=reg.id, conference_id=reg.conference_id, status=reg.status,
                category=reg.category, region=reg.region, gender=reg.gender, age_band=reg.age_band,
                language=reg.language, at=at, version=reg.version, **extra)


async def emit_participant(ctx: RegistrationContext, session: AsyncClientSession, fact: ParticipantFact) -> None:
    envelope = message_envelope(fact, source=ctx.platform.settings.service_name, subject=fact.registration_id)
    await ctx.platform.outbox.add(session, fact.topic, envelope)


async def _emit_conference(ctx: RegistrationContext, session: AsyncClientSession, fact: type[ConferenceFact],
                           conference: Conference) -> None:
    doc = conference.model_dump()
    data = fact(conference_id=conference.id, **{k: doc.get(k) for k in fact.model_fields if k != "conference_id"})
    envelope = message_envelope(data, source=ctx.platform.settings.service_name, subject=conference.id)
    await ctx.platform.outbox.add(session, data.topic, envelope)


# Conferences


def _conference_fields(data: ConferenceCreate | ConferenceUpdate, *, only_set: bool) -> Document:
    # Dates go to MongoDB as ISO strings (BSON has no date type; ISO strings sort right).
    dumped = data.model_dump(mode="json", exclude_unset=only_set, exclude={"id"})
    for name in ("registration_opens_at", "registration_closes_at"):
        if name in dumped:
            value = getattr(data, name)
            dumped[name] = value if value is None or value.tzinfo else value.replace(tzinfo=UTC)
    return dumped


def conference_public(conference: Conference, now: datetime | None = None) -> ConferencePublic:
    fields = {k: v for k, v in conference.model_dump().items()
              if k in ConferencePublic.model_fields and k != "id" and v is not None}
    return ConferencePublic(id=conference.id, seats_left=seats_left(conference.counters()),
                            registration_open=registration_window(conference.counters(), now or utcnow()) is None,
                            **fields)


async def create_conference(*, ctx: RegistrationContext, data: ConferenceCreate, act: Act | None = None
                            ) -> Conference:
    conference_id = data.id or f"conf-{secrets.token_hex(5)}"
    fields = _conference_fields(data, only_set=False)

    async def work(session: AsyncClientSession) -> Conference:
        conference = Conference.model_validate({"_id": conference_id, **fields, "created_at": utcnow()})
        await ctx.store.add_conference(conference, session)
        await _emit_conference(ctx, session, ConferenceCreated, conference)
        await ctx.store.record_act(act, action="conference.create", object_type="conference",
                                   object_id=conference_id, session=session)
        return conference

    try:
        return await ctx.platform.transaction(work)
    except DuplicateKeyError:
        raise Conflict("conference_exists", id=conference_id) from None


async def update_conference(*, ctx: RegistrationContext, conference_id: str, data: ConferenceUpdate,
                            act: Act | None = None) -> Conference:
    fields = _conference_fields(data, only_set=True)

    async def work(session: AsyncClientSession) -> Conference:
        current = await ctx.store.conference(conference_id, session)
        if current is None:
            raise NotFound("conference_not_found")
        _check_room_for_taken(current, fields)
        # The same order as at creation, or every later read of the conference would fail.
        merged = current.model_dump() | fields
        opens, closes = merged.get("registration_opens_at"), merged.get("registration_closes_at")
        if merged["ends_on"] < merged["starts_on"] or (opens and closes and closes < opens):
            raise DomainError("dates_out_of_order", status=422)
        changed = await ctx.store.change_conference(conference_id, fields | {"updated_at": utcnow()}, session)
        assert changed is not None
        await _emit_conference(ctx, session, ConferenceUpdated, changed)
        await ctx.store.record_act(act, action="conference.update", object_type="conference",
                                   object_id=conference_id, session=session)
        return changed

    return await ctx.platform.transaction(work, queue_on=conference_id)


def _check_room_for_taken(current: Conference, fields: Document) -> None:
    if fields.get("capacity") is not None and fields["capacity"] < current.taken:
        raise Conflict("capacity_below_taken", taken=current.taken)
    for category, quota in (fields.get("quotas") or {}).items():
        taken = current.taken_by_category.get(category, 0)
        if quota < taken:
            raise Conflict("quota_below_taken", category=category, taken=taken)


async def get_conference(*, ctx: RegistrationContext, conference_id: str) -> Conference:
    conference = await ctx.store.conference(conference_id)
    if conference is None:
        raise NotFound("conference_not_found")
    return conference


async def list_conferences(*, ctx: RegistrationContext) -> list[Conference]:
    """Conferences, newest first."""
    return await ctx.store.conferences_newest_first()


async def conference_timezone(*, ctx: RegistrationContext, conference_id: str) -> str:
    """The conference's time zone (conferences stored before it was a field were held in Morocco)."""
    conference = await ctx.store.conference(conference_id)
    return (conference.timezone if conference else None) or MOROCCO_TIMEZONE


# Registering


async def register_participant(*, ctx: RegistrationContext, conference_id: str, data: RegistrationCreate
                               ) -> tuple[Registration, str]:
    """Register, taking a seat if one is left (else the waiting list); returns the manage token too.

    Written with the other requests for the conference that arrive while one of its
    transactions runs (``ctx.arrivals``): one transaction decides them all in arrival
    order, each answered with its own registration or refusal.
    """
    arrival = Arrival(data=data, email_normalized=normalize_email(data.email),
                      registration_id=f"r-{secrets.token_hex(8)}", nonce=secrets.token_urlsafe(12), at=utcnow(),
                      correlation_id=current_correlation_id())
    reg = await ctx.arrivals.submit(conference_id, arrival, partial(write_arrivals, ctx, conference_id))
    return reg, manage_token(ctx, reg)


async def write_arrivals(ctx: RegistrationContext, conference_id: str, arrivals: Sequence[Arrival]
                         ) -> list[Registration | DomainError]:
    """Decide and store a batch of arrivals in one transaction: counters read and written once,
    registrations, their messages and their mails written together."""

    async def work(session: AsyncClientSession) -> list[Registration | DomainError]:
        conference = await ctx.store.conference(conference_id, session)
        if conference is None:
            return [NotFound("conference_not_found") for _ in arrivals]
        taken = await ctx.store.emails_taken(conference_id, [a.email_normalized for a in arrivals], session)
        outcomes = arrival_outcomes(conference, arrivals, decide_arrivals(conference.counters(), arrivals, taken))
        admitted = [(reg, a.correlation_id) for reg, a in zip(outcomes, arrivals, strict=True)
                    if isinstance(reg, Registration)]
        if admitted:
            seats = Counter(reg.category for reg, _ in admitted if reg.status in SEAT_HOLDING)
            if not await ctx.store.take_numbers(conference, seats, session, numbers=len(admitted)):
                raise Conflict("conflict")
            await ctx.store.add_registrations([reg for reg, _ in admitted], session)
            await announce_arrivals(ctx, session, [reg for reg, _ in admitted], [cid for _, cid in admitted])
        return outcomes

    try:
        return await ctx.platform.transaction(work, queue_on=conference_id)
    except DuplicateKeyError:
        # Only a lone arrival gets this answer: a batch is written again one by one.
        if len(arrivals) > 1:
            raise
        return [Conflict("already_registered")]


def arrival_outcomes(conference: Conference, arrivals: Sequence[Arrival], decisions: list[str]
                     ) -> list[Registration | DomainError]:
    """The registrations of the admitted arrivals, numbered in arrival order, and the others' refusals."""
    outcomes: list[Registration | DomainError] = []
    number = conference.next_number
    for arrival, decision in zip(arrivals, decisions, strict=True):
        if decision not in ARRIVAL_STATUSES:
            outcomes.append(Conflict(decision))
            continue
        number += 1
        outcomes.append(new_registration(arrival.registration_id, conference.id, arrival.data, decision, number,
                                         arrival.email_normalized, arrival.nonce, arrival.at))
    return outcomes


async def announce_arrivals(ctx: RegistrationContext, session: AsyncClientSession,
                            registrations: Sequence[Registration],
                            correlation_ids: Sequence[str | None] | None = None) -> None:
    """One ``registered`` message per new registration (with the status it got) and its mail, queued
    here rather than by reading the message back: the same transaction makes both, once.

    ``correlation_ids``: each registration's request's, when they came from several requests."""
    envelopes = [message_envelope(participant_fact(ParticipantRegistered, reg, reg.registered_at),
                                  source=ctx.platform.settings.service_name, subject=reg.id) for reg in registrations]
    if correlation_ids is not None:
        envelopes = [envelope.model_copy(update={"correlation_id": cid})
                     for envelope, cid in zip(envelopes, correlation_ids, strict=True)]
    await ctx.platform.outbox.add_many(session, ParticipantRegistered.topic, envelopes)
    # The mail is keyed by the message's id, as the mails the notification consumer queues.
    await ctx.store.add_mails([QueuedMail(id=envelope.id, registration_id=reg.id, kind=reg.status, state="pending",
                                          due_at=reg.registered_at, attempts=0, created_at=reg.registered_at)
                               for reg, envelope in zip(registrations, envelopes, strict=True)], session)
    ctx.mail_hints.add(session, [envelope.id for envelope in envelopes])


def new_registration(registration_id: str, conference_id: str, data: RegistrationCreate, status: str,
                     number: int, email_normalized: str, nonce: str, now: datetime) -> Registration:
    return Registration(
        id=registration_id, conference_id=conference_id, number=number, status=status,
        full_name=data.full_name, email=data.email, email_normalized=email_normalized,
        phone=data.phone, organization_name=data.organization_name, category=data.organization_type,
        region=data.region, gender=data.gender, age_band=data.age_band, language=data.language,
        accessibility_needs=data.accessibility_needs, consent_at=now, registered_at=now,
        status_changed_at=now, checked_in_at=None, manage_nonce=nonce, version=1,
    )


def manage_token(ctx: RegistrationContext, reg: Registration) -> str:
    return ctx.signer.sign({"t": "manage", "r": reg.id, "c": reg.conference_id, "n": reg.manage_nonce})


def public_keys(*, ctx: RegistrationContext) -> dict[str, Any]:
    """The public keys that verify badges and manage tokens offline (a JWKS)."""
    return ctx.signer.jwks()


def badge_token(ctx: RegistrationContext, reg: Registration) -> str:
    return ctx.signer.sign({"t": "badge", "r": reg.id, "c": reg.conference_id})


# The participant's own registration (manage token)


async def own_registration(*, ctx: RegistrationContext, registration_id: str, token: str) -> Registration:
    """The registration a genuine, unrevoked manage token opens; else 403."""
    try:
        claims = ctx.signer.verifier().verify(token, kind="manage")
    except InvalidSignedToken:
        raise Forbidden("invalid_manage_token") from None
    reg = await ctx.store.registration(registration_id)
    # The nonce is stored with the registration so that erasure revokes every token given out.
    if reg is None or claims.get("r") != registration_id or not reg.manage_nonce \
            or not secrets.compare_digest(str(claims.get("n", "")), reg.manage_nonce):
        raise Forbidden("invalid_manage_token")
    return reg


async def change_details(*, ctx: RegistrationContext, registration_id: str, token: str, data: ParticipantDetails
                         ) -> Registration:
    own = await own_registration(ctx=ctx, registration_id=registration_id, token=token)
    fields = data.model_dump(exclude_unset=True)
    if not fields:
        return own

    async def work(session: AsyncClientSession) -> Registration | None:
        return await ctx.store.change_registration(registration_id, fields | {"updated_at": utcnow()}, session)

    changed = await ctx.platform.transaction(work)
    assert changed is not None
    return changed


async def cancel_registration(*, ctx: RegistrationContext, registration_id: str, token: str) -> Registration:
    """Cancel; a seat it held goes to the oldest waitlisted participant who fits."""
    own = await own_registration(ctx=ctx, registration_id=registration_id, token=token)
    return await cancel(ctx, own.id, own.conference_id)


async def cancel(ctx: RegistrationContext, registration_id: str, conference_id: str, act: Act | None = None
                 ) -> Registration:
    """The cancelling itself, by the participant or on their behalf (``act``: the organizer's, audited)."""
    now = utcnow()

    async def work(session: AsyncClientSession) -> Registration:
        reg = await ctx.store.registration(registration_id, session)
        assert reg is not None
        if reg.status in ("cancelled", "rejected"):
            raise Conflict("already_cancelled")
        # The e-mail's key is released so that the same person may register again while seats or the
        # waiting list allow; it keeps the address inside it, so organizers still find it by e-mail.
        released = f"cancelled:{registration_id}:{reg.email_normalized}"
        changed = await ctx.store.change_registration(
            registration_id, {"status": "cancelled", "status_changed_at": now, "email_normalized": released},
            session)
        assert changed is not None
        await emit_participant(ctx, session, participant_fact(ParticipantCancelled, changed, now))
        if reg.status in SEAT_HOLDING:
            await free_seat_and_promote(ctx, session, reg.conference_id, reg.category, now)
        await ctx.store.record_act(act, action="registration.cancel", object_type="registration",
                                   object_id=registration_id, session=session, at=now)
        return changed

    return await ctx.platform.transaction(work, queue_on=conference_id)


async def free_seat_and_promote(ctx: RegistrationContext, session: AsyncClientSession, conference_id: str,
                                category: str, now: datetime) -> Registration | None:
    """Release a seat of ``category``; give it to the oldest waitlisted of that category, else
    to the oldest waitlisted whose category still has room."""
    await ctx.store.move_seat(conference_id, category, -1, session)
    conference = await ctx.store.conference(conference_id, session)
    assert conference is not None
    candidates = await ctx.store.waitlisted(conference_id, session, category=category)
    if not candidates or not has_seat(conference.counters(), category):
        candidates = await ctx.store.waitlisted(conference_id, session, limit=50)
    chosen = next((c for c in candidates if has_seat(conference.counters(), c.category)), None)
    if chosen is None:
        return None
    return await promote(ctx, session, conference, chosen, now)


async def promote(ctx: RegistrationContext, session: AsyncClientSession, conference: Conference,
                  reg: Registration, now: datetime) -> Registration:
    status = "pending" if conference.requires_approval else "confirmed"
    await ctx.store.move_seat(conference.id, reg.category, 1, session)
    changed = await ctx.store.change_registration(
        reg.id, {"status": status, "status_changed_at": now, "promoted_at": now}, session)
    assert changed is not None
    await emit_participant(ctx, session, participant_fact(ParticipantPromoted, changed, now))
    return changed
