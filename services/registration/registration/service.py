"""Use cases: conferences, registering, the participant's own registration, organizer decisions.

Every change that holds or frees a seat runs in one transaction with the conference's
counters and the outbox entries, under a per-conference lock in this process: the
lock avoids a storm of write conflicts on the hot counter document, the transaction
keeps the capacity exact across several processes.
"""

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from registration import store
from registration.domain import (
    SEAT_HOLDING,
    ConferenceCreate,
    ConferencePublic,
    ConferenceUpdate,
    ParticipantDetails,
    RegistrationCreate,
    has_seat,
    normalize_email,
    registration_window,
    seats_left,
    status_on_arrival,
)
from registration.events import (
    ConferenceCreated,
    ConferenceFact,
    ConferenceUpdated,
    ParticipantCancelled,
    ParticipantConfirmed,
    ParticipantFact,
    ParticipantPromoted,
    ParticipantRegistered,
    ParticipantWaitlisted,
)
from shared import audit
from shared.audit import Act
from shared.envelope import message_envelope
from shared.errors import Conflict, DomainError, Forbidden, NotFound
from shared.locks import KeyedLocks
from shared.platform import Platform
from shared.signing import InvalidSignedToken, Signer

if TYPE_CHECKING:
    from registration.notifications import Mailer

T = TypeVar("T")
Document = dict[str, Any]


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Registration:
    """What registration's routes and handlers reach beside the platform (``ServiceSpec.context``)."""

    platform: Platform
    signer: Signer
    mailer: "Mailer"
    conference_locks: KeyedLocks = field(default_factory=KeyedLocks)


def context_of(platform: Platform) -> Registration:
    context = platform.context
    if not isinstance(context, Registration):
        raise TypeError("the registration service's platform carries a Registration context")
    return context


def signer_of(platform: Platform) -> Signer:
    return context_of(platform).signer


async def serialized(platform: Platform, conference_id: str, work: Callable[[AsyncClientSession], Awaitable[T]]
                     ) -> T:
    async with context_of(platform).conference_locks(conference_id):
        return await platform.transaction(work)


F = TypeVar("F", bound=ParticipantFact)
# The message a registration's status on arrival is announced with, besides ``registered``.
ARRIVAL_FACTS: dict[str, type[ParticipantFact]] = {"confirmed": ParticipantConfirmed,
                                                   "waitlisted": ParticipantWaitlisted}


def participant_fact(fact: type[F], doc: Document, at: datetime, **extra: Any) -> F:
    """The fact about a stored registration, with the anonymous fields every reader gets."""
    return fact(registration_id=doc["_id"], conference_id=doc["conference_id"], status=doc["status"],
                category=doc["category"], region=doc["region"], gender=doc.get("gender"),
                age_band=doc.get("age_band"), language=doc["language"], at=at, version=doc["version"], **extra)


async def emit_participant(platform: Platform, session: AsyncClientSession, fact: ParticipantFact) -> None:
    envelope = message_envelope(fact, source=platform.settings.service_name, subject=fact.registration_id)
    await platform.outbox.add(session, fact.topic, envelope)


async def _emit_conference(platform: Platform, session: AsyncClientSession, fact: type[ConferenceFact],
                           doc: Document) -> None:
    data = fact(conference_id=doc["_id"], **{k: doc.get(k) for k in fact.model_fields if k != "conference_id"})
    envelope = message_envelope(data, source=platform.settings.service_name, subject=doc["_id"])
    await platform.outbox.add(session, data.topic, envelope)


# Conferences


def _conference_fields(data: ConferenceCreate | ConferenceUpdate, *, only_set: bool) -> Document:
    # Dates go to MongoDB as ISO strings (BSON has no date type; ISO strings sort right).
    dumped = data.model_dump(mode="json", exclude_unset=only_set, exclude={"id"})
    for name in ("registration_opens_at", "registration_closes_at"):
        if name in dumped:
            value = getattr(data, name)
            dumped[name] = value if value is None or value.tzinfo else value.replace(tzinfo=UTC)
    return dumped


def conference_public(doc: Document, now: datetime | None = None) -> ConferencePublic:
    fields = {k: doc.get(k) for k in ConferencePublic.model_fields if k in doc and k != "id"}
    return ConferencePublic(id=doc["_id"], seats_left=seats_left(doc),
                            registration_open=registration_window(doc, now or utcnow()) is None, **fields)


async def create_conference(*, platform: Platform, data: ConferenceCreate, act: Act | None = None) -> Document:
    doc = {"_id": data.id or f"conf-{secrets.token_hex(5)}", **_conference_fields(data, only_set=False),
           "taken": 0, "taken_by_category": {}, "next_number": 0, "created_at": utcnow()}

    async def work(session: AsyncClientSession) -> Document:
        await store.insert_conference(platform.db, dict(doc), session)
        await _emit_conference(platform, session, ConferenceCreated, doc)
        await audit.record(platform.db, act, action="conference.create", object_type="conference",
                           object_id=doc["_id"], session=session)
        return doc

    try:
        return await platform.transaction(work)
    except DuplicateKeyError:
        raise Conflict("conference_exists", id=doc["_id"]) from None


async def update_conference(*, platform: Platform, conference_id: str, data: ConferenceUpdate,
                            act: Act | None = None) -> Document:
    fields = _conference_fields(data, only_set=True)

    async def work(session: AsyncClientSession) -> Document:
        current = await store.get_conference(platform.db, conference_id, session)
        if current is None:
            raise NotFound("conference_not_found")
        _check_room_for_taken(current, fields)
        # The same order as at creation, or every later read of the conference would fail.
        merged = {**current, **fields}
        opens, closes = merged.get("registration_opens_at"), merged.get("registration_closes_at")
        if merged["ends_on"] < merged["starts_on"] or (opens and closes and closes < opens):
            raise DomainError("dates_out_of_order", status=422)
        doc = await store.update_conference(platform.db, conference_id, fields | {"updated_at": utcnow()}, session)
        assert doc is not None
        await _emit_conference(platform, session, ConferenceUpdated, doc)
        await audit.record(platform.db, act, action="conference.update", object_type="conference",
                           object_id=conference_id, session=session)
        return doc

    return await serialized(platform, conference_id, work)


def _check_room_for_taken(current: Document, fields: Document) -> None:
    if fields.get("capacity") is not None and fields["capacity"] < current.get("taken", 0):
        raise Conflict("capacity_below_taken", taken=current.get("taken", 0))
    for category, quota in (fields.get("quotas") or {}).items():
        taken = current.get("taken_by_category", {}).get(category, 0)
        if quota < taken:
            raise Conflict("quota_below_taken", category=category, taken=taken)


async def get_conference(*, platform: Platform, conference_id: str) -> Document:
    doc = await store.get_conference(platform.db, conference_id)
    if doc is None:
        raise NotFound("conference_not_found")
    return doc


# Registering


async def register_participant(*, platform: Platform, conference_id: str, data: RegistrationCreate
                               ) -> tuple[Document, str]:
    """Register, taking a seat if one is left (else the waiting list); returns the manage token too."""
    now = utcnow()
    conference = await get_conference(platform=platform, conference_id=conference_id)
    refusal = registration_window(conference, now)
    if refusal:
        raise Conflict(refusal)
    email_normalized = normalize_email(data.email)
    # Cheap early answer for the common duplicate; the unique index is the real guard.
    if await store.find_by_email(platform.db, conference_id, email_normalized, None):
        raise Conflict("already_registered")
    registration_id, nonce = f"r-{secrets.token_hex(8)}", secrets.token_urlsafe(12)

    async def work(session: AsyncClientSession) -> Document:
        current = await store.get_conference(platform.db, conference_id, session)
        assert current is not None
        status = status_on_arrival(current, data.organization_type)
        seat = None if status == "waitlisted" else data.organization_type
        if not await store.take_number(platform.db, current, seat=seat, session=session):
            raise Conflict("conflict")
        doc = new_registration(registration_id, conference_id, data, status, current.get("next_number", 0) + 1,
                                email_normalized, nonce, now)
        await store.insert_registration(platform.db, doc, session)
        await emit_participant(platform, session, participant_fact(ParticipantRegistered, doc, now))
        arrival = ARRIVAL_FACTS.get(status)
        if arrival is not None:
            await emit_participant(platform, session, participant_fact(arrival, doc, now))
        return doc

    try:
        doc = await serialized(platform, conference_id, work)
    except DuplicateKeyError:
        raise Conflict("already_registered") from None
    return doc, manage_token(platform, doc)


def new_registration(registration_id: str, conference_id: str, data: RegistrationCreate, status: str,
                      number: int, email_normalized: str, nonce: str, now: datetime) -> Document:
    return {
        "_id": registration_id, "conference_id": conference_id, "number": number, "status": status,
        "full_name": data.full_name, "email": data.email, "email_normalized": email_normalized,
        "phone": data.phone, "organization_name": data.organization_name, "category": data.organization_type,
        "region": data.region, "gender": data.gender, "age_band": data.age_band, "language": data.language,
        "accessibility_needs": data.accessibility_needs, "consent_at": now, "registered_at": now,
        "status_changed_at": now, "checked_in_at": None, "manage_nonce": nonce, "version": 1,
    }


def manage_token(platform: Platform, doc: Document) -> str:
    return signer_of(platform).sign(
        {"t": "manage", "r": doc["_id"], "c": doc["conference_id"], "n": doc["manage_nonce"]})


def badge_token(platform: Platform, doc: Document) -> str:
    return signer_of(platform).sign({"t": "badge", "r": doc["_id"], "c": doc["conference_id"]})


# The participant's own registration (manage token)


async def own_registration(*, platform: Platform, registration_id: str, token: str) -> Document:
    """The registration a genuine, unrevoked manage token opens; else 403."""
    try:
        claims = signer_of(platform).verifier().verify(token, kind="manage")
    except InvalidSignedToken:
        raise Forbidden("invalid_manage_token") from None
    doc = await store.get_registration(platform.db, registration_id)
    # The nonce is stored with the registration so that erasure revokes every token given out.
    if doc is None or claims.get("r") != registration_id or not doc.get("manage_nonce") \
            or not secrets.compare_digest(str(claims.get("n", "")), doc["manage_nonce"]):
        raise Forbidden("invalid_manage_token")
    return doc


async def change_details(*, platform: Platform, registration_id: str, token: str, data: ParticipantDetails
                         ) -> Document:
    await own_registration(platform=platform, registration_id=registration_id, token=token)
    fields = data.model_dump(exclude_unset=True)
    if not fields:
        doc = await store.get_registration(platform.db, registration_id)
    else:
        async def work(session: AsyncClientSession) -> Document | None:
            return await store.update_registration(platform.db, registration_id,
                                                   fields | {"updated_at": utcnow()}, session)

        doc = await platform.transaction(work)
    assert doc is not None
    return doc


async def cancel_registration(*, platform: Platform, registration_id: str, token: str) -> Document:
    """Cancel; a seat it held goes to the oldest waitlisted participant who fits."""
    own = await own_registration(platform=platform, registration_id=registration_id, token=token)
    now = utcnow()

    async def work(session: AsyncClientSession) -> Document:
        doc = await store.get_registration(platform.db, registration_id, session)
        assert doc is not None
        if doc["status"] in ("cancelled", "rejected"):
            raise Conflict("already_cancelled")
        # The e-mail's key is released so that the same person may register again while seats or the
        # waiting list allow; it keeps the address inside it, so organizers still find it by e-mail.
        released = f"cancelled:{registration_id}:{doc['email_normalized']}"
        updated = await store.update_registration(
            platform.db, registration_id,
            {"status": "cancelled", "status_changed_at": now, "email_normalized": released}, session)
        assert updated is not None
        await emit_participant(platform, session, participant_fact(ParticipantCancelled, updated, now))
        if doc["status"] in SEAT_HOLDING:
            await free_seat_and_promote(platform, session, doc["conference_id"], doc["category"], now)
        return updated

    return await serialized(platform, own["conference_id"], work)


async def free_seat_and_promote(platform: Platform, session: AsyncClientSession, conference_id: str,
                                category: str, now: datetime) -> Document | None:
    """Release a seat of ``category``; give it to the oldest waitlisted of that category, else
    to the oldest waitlisted whose category still has room."""
    await store.move_seat(platform.db, conference_id, category, -1, session)
    conference = await store.get_conference(platform.db, conference_id, session)
    assert conference is not None
    candidates = await store.waitlisted(platform.db, conference_id, session, category=category)
    if not candidates or not has_seat(conference, category):
        candidates = await store.waitlisted(platform.db, conference_id, session, limit=50)
    chosen = next((c for c in candidates if has_seat(conference, c["category"])), None)
    if chosen is None:
        return None
    return await promote(platform, session, conference, chosen, now)


async def promote(platform: Platform, session: AsyncClientSession, conference: Document, doc: Document,
                  now: datetime) -> Document:
    status = "pending" if conference.get("requires_approval") else "confirmed"
    await store.move_seat(platform.db, conference["_id"], doc["category"], 1, session)
    updated = await store.update_registration(
        platform.db, doc["_id"], {"status": status, "status_changed_at": now, "promoted_at": now}, session)
    assert updated is not None
    await emit_participant(platform, session, participant_fact(ParticipantPromoted, updated, now))
    return updated
