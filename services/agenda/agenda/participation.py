"""Use cases of participants: sign-ups with waiting lists, the participant projection, stars."""

import asyncio
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from pymongo.asynchronous.client_session import AsyncClientSession

from agenda import events
from agenda.domain import (
    DEFAULT_TIMEZONE,
    ELIGIBLE_STATUSES,
    ScheduleConflict,
    SignupPublic,
    overlaps,
    time_label,
)
from agenda.store import Store
from shared.envelope import message_envelope
from shared.errors import Conflict, DomainError, Forbidden, NotFound
from shared.i18n import StoredText
from shared.locks import KeyedLocks
from shared.mongo import Document
from shared.platform import Platform
from shared.signing import Verifier


def now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Agenda:
    """What agenda's routes and handlers reach beside the platform (``ServiceSpec.context``).

    ``manage_verifier`` checks registration's manage tokens offline; None when no key of
    registration's was given (participant routes then answer 503).
    """

    platform: Platform
    manage_verifier: Verifier | None
    session_locks: KeyedLocks = field(default_factory=KeyedLocks)


def context_of(platform: Platform) -> Agenda:
    context = platform.context
    if not isinstance(context, Agenda):
        raise TypeError("the agenda service's platform carries an Agenda context")
    return context


def session_lock(platform: Platform, session_id: str) -> asyncio.Lock:
    """One lock per session and process: sign-ups for one session queue here instead of
    colliding in MongoDB and retrying in a storm. Across processes the transaction's
    conditional seat reservation remains the guarantee."""
    return context_of(platform).session_locks(session_id)


def older_than_known(known: Document | None, version: int | None, at: datetime) -> bool:
    """Registration's version orders its facts as they committed; ``at`` only when one side has none."""
    if known is None:
        return False
    if version is not None and known.get("version") is not None:
        return version < int(known["version"])
    return bool(known["at"] > at)


async def follow_participant(*, platform: Platform, registration_id: str, conference_id: str, status: str,
                             at: datetime, version: int | None, session: AsyncClientSession) -> bool:
    """Follow a registration's status; False when the fact is older than the one already known."""
    store = Store(platform.db)
    if older_than_known(await store.participant(registration_id, session=session), version, at):
        return False
    await store.set_participant(registration_id, {"conference_id": conference_id, "status": status, "at": at,
                                                  "version": version}, session=session)
    return True


async def participant_left(*, platform: Platform, registration_id: str, conference_id: str, status: str,
                           at: datetime, version: int | None, session: AsyncClientSession) -> None:
    """A cancelled or rejected registration: its seats go to the waiting lists."""
    if await follow_participant(platform=platform, registration_id=registration_id, conference_id=conference_id,
                                status=status, at=at, version=version, session=session):
        await _release_signups(platform, Store(platform.db), registration_id, "registration_cancelled", session)


async def forget_participant(*, platform: Platform, registration_id: str, conference_id: str, status: str,
                             at: datetime, version: int | None, session: AsyncClientSession) -> None:
    """An erased registration: its seats go to the waiting lists as on a cancellation, then its
    sign-ups and stars are deleted and its manage tokens refused from now on, whatever the
    order in which older facts about it arrive."""
    store = Store(platform.db)
    await follow_participant(platform=platform, registration_id=registration_id, conference_id=conference_id,
                             status=status, at=at, version=version, session=session)
    await store.set_participant(registration_id, {"erased": True}, session=session)
    await _release_signups(platform, store, registration_id, "registration_erased", session)
    await store.forget_signups(registration_id, session=session)
    await store.forget_owner(f"r:{registration_id}", session=session)


async def _release_signups(platform: Platform, store: Store, registration_id: str, reason: str,
                           session: AsyncClientSession) -> None:
    for signup in await store.active_signups(registration_id, session=session):
        await _cancel(platform, store, signup, reason, session)


async def refuse_revoked(*, platform: Platform, registration_id: str) -> None:
    """Registration's key still verifies an erased registration's manage token: refuse it here."""
    known = await Store(platform.db).participant(registration_id)
    if known is not None and known.get("erased"):
        raise DomainError("manage_token_revoked", status=401)


async def registration_status(*, platform: Platform, registration_id: str) -> str | None:
    """The registration status as last heard from registration (None: not heard of yet)."""
    known = await Store(platform.db).participant(registration_id)
    return str(known["status"]) if known else None


async def sign_up(*, platform: Platform, registration_id: str, conference_id: str, session_id: str) -> SignupPublic:
    store = Store(platform.db)

    async def work(session: AsyncClientSession) -> Document:
        participant = await store.participant(registration_id, session=session)
        if participant is not None and participant.get("erased"):
            raise DomainError("manage_token_revoked", status=401)
        if participant is None or participant["status"] not in ELIGIBLE_STATUSES:
            status = participant["status"] if participant else "unknown"
            raise Forbidden("participant_not_eligible", registration_status=status)
        if participant["conference_id"] != conference_id:
            raise DomainError("manage_token_invalid", status=401)
        doc = await _session_for_signup(store, session_id, participant["conference_id"], session)
        existing = await store.get("signups", f"{session_id}:{registration_id}", session=session)
        if existing is not None and existing["status"] in ("confirmed", "waitlisted"):
            return existing
        await _refuse_overlap(store, registration_id, doc, session)
        seated = await store.take_seat(session_id, doc["capacity"], session=session)
        signup = {"_id": f"{session_id}:{registration_id}", "session_id": session_id,
                  "registration_id": registration_id, "conference_id": doc["conference_id"],
                  "status": "confirmed" if seated else "waitlisted", "title": doc["title"],
                  "starts_at": doc["starts_at"], "ends_at": doc["ends_at"], "updated_at": now(),
                  "seq": await store.next_number(f"queue:{session_id}", session=session)}
        await store.set_signup(signup["_id"], signup, session=session)
        await _announce(platform, session, signup,
                        events.SignupConfirmed if seated else events.SignupWaitlisted)
        return signup

    async with session_lock(platform, session_id):
        signup = await platform.transaction(work)
    return await _public(store, signup)


async def _session_for_signup(store: Store, session_id: str, conference_id: str,
                              session: AsyncClientSession) -> Document:
    doc = await store.get("sessions", session_id, session=session)
    if doc is None:
        raise NotFound("session_unknown", session_id=session_id)
    if doc["conference_id"] != conference_id:
        raise Forbidden("wrong_conference")
    if doc["status"] == "cancelled":
        raise Conflict("session_cancelled")
    # A seat in a session that is over is worth nothing: signing up closes when it ends.
    if doc["ends_at"] <= now():
        raise Conflict("session_over")
    if not doc.get("released"):
        raise Conflict("session_not_released")
    if doc.get("capacity") is None:
        raise Conflict("signup_not_required")
    return doc


async def _refuse_overlap(store: Store, registration_id: str, doc: Document, session: AsyncClientSession) -> None:
    for other in await store.active_signups(registration_id, session=session):
        if other["session_id"] != doc["_id"] and overlaps(doc["starts_at"], doc["ends_at"],
                                                          other["starts_at"], other["ends_at"]):
            conference = await store.get("conferences", doc["conference_id"], session=session) or {}
            zone = _zone(conference)
            raise ScheduleConflict("signup_overlaps", other_session_id=other["session_id"],
                                   other_title=StoredText.model_validate(other["title"]),
                                   other_time=time_label(other["starts_at"], other["ends_at"], zone))


def _zone(conference: Document) -> ZoneInfo:
    return ZoneInfo(conference.get("timezone") or DEFAULT_TIMEZONE)


async def cancel_signup(*, platform: Platform, registration_id: str, session_id: str) -> SignupPublic:
    store = Store(platform.db)

    async def work(session: AsyncClientSession) -> Document:
        signup = await store.get("signups", f"{session_id}:{registration_id}", session=session)
        if signup is None or signup["status"] not in ("confirmed", "waitlisted"):
            raise NotFound("signup_unknown")
        return await _cancel(platform, store, signup, "participant", session)

    async with session_lock(platform, session_id):
        signup = await platform.transaction(work)
    return await _public(store, signup)


async def _cancel(platform: Platform, store: Store, signup: Document, reason: str,
                  session: AsyncClientSession) -> Document:
    was = signup["status"]
    signup.update(status="cancelled", reason=reason, updated_at=now())
    await store.set_signup(signup["_id"], {"status": "cancelled", "reason": reason,
                                           "updated_at": signup["updated_at"]}, session=session)
    await _announce(platform, session, signup, events.SignupCancelled, reason=reason)
    if was == "confirmed":
        await store.free_seat(signup["session_id"], session=session)
        doc = await store.get("sessions", signup["session_id"], session=session)
        if doc is not None and doc["status"] == "scheduled":
            await _promote(platform, store, doc, session)
    return signup


async def _promote(platform: Platform, store: Store, doc: Document, session: AsyncClientSession) -> None:
    """Give free seats to the waiting list, first come first served."""
    while doc.get("capacity"):
        waiting = await store.first_waiting(doc["_id"], session=session)
        if waiting is None or not await store.take_seat(doc["_id"], doc["capacity"], session=session):
            return
        await store.set_signup(waiting["_id"], {"status": "confirmed", "updated_at": now()}, session=session)
        await _announce(platform, session, waiting, events.SignupPromoted)


async def follow_session_change(*, platform: Platform, store: Store, doc: Document,
                                session: AsyncClientSession) -> None:
    """Keep sign-ups' copies of the slot current and seat waiting people if capacity grew."""
    await store.db.signups.update_many(
        {"session_id": doc["_id"]},
        {"$set": {"title": doc["title"], "starts_at": doc["starts_at"], "ends_at": doc["ends_at"]}},
        session=session)
    await _promote(platform, store, doc, session)


async def release_session(*, platform: Platform, store: Store, doc: Document, session: AsyncClientSession) -> None:
    for signup in await store.session_signups(doc["_id"], session=session):
        signup.update(status="cancelled", reason="session_cancelled", updated_at=now())
        await store.set_signup(signup["_id"], {"status": "cancelled", "reason": "session_cancelled",
                                               "updated_at": signup["updated_at"]}, session=session)
        await _announce(platform, session, signup, events.SignupCancelled, reason="session_cancelled")


async def _announce(platform: Platform, session: AsyncClientSession, signup: Document,
                    fact: type[events.SignupFact], reason: str | None = None) -> None:
    payload = fact(session_id=signup["session_id"], conference_id=signup["conference_id"],
                   registration_id=signup["registration_id"], status=fact.status_after, reason=reason, at=now())
    await platform.outbox.add(session, payload.topic, message_envelope(
        payload, source=platform.settings.service_name, subject=signup["_id"]))


async def _public(store: Store, signup: Document) -> SignupPublic:
    position = None
    if signup["status"] == "waitlisted":
        position = await store.waiting_before(signup["session_id"], signup["seq"]) + 1
    return SignupPublic(session_id=signup["session_id"], registration_id=signup["registration_id"],
                        status=signup["status"], position=position)


async def session_signups(*, platform: Platform, session_id: str) -> list[SignupPublic]:
    store = Store(platform.db)
    signups = await store.session_signups(session_id)
    waiting = [s for s in signups if s["status"] == "waitlisted"]
    return [SignupPublic(session_id=s["session_id"], registration_id=s["registration_id"], status=s["status"],
                         position=waiting.index(s) + 1 if s in waiting else None) for s in signups]


async def create_agenda(*, platform: Platform) -> str:
    """A personal agenda for a visitor without registration: its random id is its key."""
    agenda_id = secrets.token_urlsafe(18)
    await Store(platform.db).insert("agendas", {"_id": agenda_id, "created_at": now()})
    return agenda_id


async def owner_of_agenda(*, platform: Platform, agenda_id: str) -> str:
    if await Store(platform.db).get("agendas", agenda_id) is None:
        raise NotFound("agenda_unknown")
    return f"a:{agenda_id}"


async def star(*, platform: Platform, owner: str, session_id: str, starred: bool) -> None:
    store = Store(platform.db)
    if starred:
        if await store.get("sessions", session_id) is None:
            raise NotFound("session_unknown", session_id=session_id)
        await store.star(owner, session_id, now())
    else:
        await store.unstar(owner, session_id)


async def personal_agenda(*, platform: Platform, owner: str, registration_id: str | None) -> list[Document]:
    """Released sessions the owner starred or signed up for, each with its sign-up status."""
    store = Store(platform.db)
    starred = set(await store.stars(owner))
    signups = {s["session_id"]: s["status"] for s in
               (await store.active_signups(registration_id) if registration_id else [])}
    wanted = starred | set(signups)
    conferences = {s["conference_id"] for s in await store.sessions_by_ids(sorted(wanted))}
    entries: list[Document] = []
    for conference_id in sorted(conferences):
        release = await store.latest_release(conference_id)
        for entry in release["snapshot"] if release else []:
            if entry["id"] in wanted:
                entries.append({**entry, "conference_id": conference_id, "starred": entry["id"] in starred,
                                "signup": signups.get(entry["id"])})
    return sorted(entries, key=lambda e: e["starts_at"])
