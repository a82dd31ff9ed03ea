"""Use cases of the programme: conferences seen, rooms, speakers, sessions, releases, outcomes."""

import uuid
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from agenda import events, participation
from agenda.domain import (
    Conference,
    OutcomesRecord,
    ReleasePublic,
    RoomCreate,
    RoomPublic,
    SessionCreate,
    SessionPublic,
    SessionUpdate,
    SpeakerCreate,
    SpeakerPublic,
    as_utc,
    check_times,
    diff_snapshots,
    find_conflict,
)
from agenda.store import Store, clean
from shared import audit
from shared.audit import Act
from shared.envelope import message_envelope
from shared.errors import Conflict, NotFound
from shared.mongo import Document
from shared.platform import Platform


def now() -> datetime:
    return datetime.now(UTC)


async def record_conference(*, platform: Platform, conference: Conference, session: AsyncClientSession) -> None:
    fields = conference.model_dump(mode="json", exclude={"conference_id"})
    await Store(platform.db).upsert("conferences", conference.conference_id, fields, session=session)


async def ensure_conference(*, platform: Platform, conference: Conference) -> bool:
    """Create the projection only if registration has not published this conference yet."""
    store = Store(platform.db)
    if await store.get("conferences", conference.conference_id):
        return False
    await store.upsert("conferences", conference.conference_id, conference.model_dump(mode="json", exclude={
        "conference_id"}))
    return True


async def get_conference(*, store: Store, conference_id: str, session: AsyncClientSession | None = None
                         ) -> Conference:
    doc = await store.get("conferences", conference_id, session=session)
    if doc is None:
        raise NotFound("conference_unknown", conference_id=conference_id)
    return Conference.model_validate({**doc, "conference_id": doc["_id"]})


async def create_room(*, platform: Platform, conference_id: str, data: RoomCreate, act: Act | None = None
                      ) -> RoomPublic:
    store = Store(platform.db)
    await get_conference(store=store, conference_id=conference_id)
    doc = {"_id": data.id or uuid.uuid4().hex[:12], "conference_id": conference_id,
           **data.model_dump(exclude={"id"})}
    await store.insert("rooms", doc)
    await audit.record(platform.db, act, action="room.create", object_type="room", object_id=doc["_id"])
    return RoomPublic.model_validate(clean(doc))


async def create_speaker(*, platform: Platform, conference_id: str, data: SpeakerCreate, act: Act | None = None
                         ) -> SpeakerPublic:
    store = Store(platform.db)
    await get_conference(store=store, conference_id=conference_id)
    doc = {"_id": data.id or uuid.uuid4().hex[:12], "conference_id": conference_id,
           **data.model_dump(mode="json", exclude={"id"})}
    await store.insert("speakers", doc)
    await audit.record(platform.db, act, action="speaker.create", object_type="speaker", object_id=doc["_id"])
    return SpeakerPublic.model_validate(clean(doc))


async def list_of(*, platform: Platform, collection: str, conference_id: str) -> list[dict[str, Any]]:
    docs = await Store(platform.db).of_conference(collection, conference_id)
    return [clean(doc) or {} for doc in docs]


async def _validated(store: Store, doc: Document, session: AsyncClientSession) -> None:
    """Refuse a session that does not fit the conference, its rooms or its speakers' days."""
    conference = await get_conference(store=store, conference_id=doc["conference_id"], session=session)
    doc["starts_at"] = as_utc(doc["starts_at"], conference.zone)
    doc["ends_at"] = as_utc(doc["ends_at"], conference.zone)
    check_times(doc["starts_at"], doc["ends_at"], conference)
    room = await store.get("rooms", doc["room_id"], session=session)
    if room is None or room["conference_id"] != doc["conference_id"]:
        raise Conflict("room_unknown", status=422, room_id=doc["room_id"])
    people = list(dict.fromkeys([*doc["speaker_ids"], *doc["moderator_ids"]]))
    found = {s["_id"]: s for s in await store.by_ids("speakers", people, session=session)
             if s["conference_id"] == doc["conference_id"]}
    for person in people:
        if person not in found:
            raise Conflict("speaker_unknown", status=422, speaker_id=person)
    others = await store.of_conference("sessions", doc["conference_id"], session=session)
    clash = find_conflict(doc, others, room_name=room["name"], zone=conference.zone,
                          speaker_names={k: v["name"] for k, v in found.items()})
    if clash is not None:
        raise clash


async def create_session(*, platform: Platform, conference_id: str, data: SessionCreate, act: Act | None = None
                         ) -> SessionPublic:
    store = Store(platform.db)
    session_id = data.id or uuid.uuid4().hex[:12]

    async def work(session: AsyncClientSession) -> Document:
        # Every schedule edit of a conference writes this marker, so two concurrent
        # edits cannot both pass the conflict checks: one retries and sees the other.
        await store.touch(f"schedule:{conference_id}", session=session)
        doc: Document = {"_id": session_id, "conference_id": conference_id, "status": "scheduled",
                         **data.model_dump(mode="json", exclude={"id", "starts_at", "ends_at"}),
                         "starts_at": data.starts_at, "ends_at": data.ends_at,
                         "seats_taken": 0, "released": False, "created_at": now(), "updated_at": now()}
        await _validated(store, doc, session)
        doc["number"] = await store.next_number("session_number", session=session)
        await store.insert("sessions", doc, session=session)
        await _announce(platform, session, events.SessionScheduled, doc)
        await audit.record(platform.db, act, action="session.create", object_type="session", object_id=session_id,
                           session=session)
        return doc

    doc = await platform.transaction(work)
    return SessionPublic.model_validate(clean(doc))


async def update_session(*, platform: Platform, session_id: str, data: SessionUpdate, act: Act | None = None
                         ) -> SessionPublic:
    store = Store(platform.db)
    changes = data.model_dump(mode="json", exclude_unset=True, exclude={"starts_at", "ends_at"})
    changes.update({k: getattr(data, k) for k in ("starts_at", "ends_at") if k in data.model_fields_set})

    async def work(session: AsyncClientSession) -> Document:
        doc = await _session_or_404(store, session_id, session)
        await store.touch(f"schedule:{doc['conference_id']}", session=session)
        if doc["status"] == "cancelled":
            raise Conflict("session_cancelled")
        doc.update(changes, updated_at=now())
        if "capacity" in changes and (changes["capacity"] or 0) < doc["seats_taken"]:
            raise Conflict("capacity_below_signups", taken=doc["seats_taken"])
        await _validated(store, doc, session)
        await store.set_fields("sessions", session_id, {k: v for k, v in doc.items() if k != "_id"},
                               session=session)
        await participation.follow_session_change(platform=platform, store=store, doc=doc, session=session)
        doc = await _session_or_404(store, session_id, session)
        await _announce(platform, session, events.SessionUpdated, doc)
        await audit.record(platform.db, act, action="session.update", object_type="session", object_id=session_id,
                           session=session)
        return doc

    lock = participation.session_lock(platform, session_id)
    async with lock:
        doc = await platform.transaction(work)
    return SessionPublic.model_validate(clean(doc))


async def cancel_session(*, platform: Platform, session_id: str, act: Act | None = None) -> SessionPublic:
    store = Store(platform.db)

    async def work(session: AsyncClientSession) -> Document:
        doc = await _session_or_404(store, session_id, session)
        if doc["status"] == "cancelled":
            return doc
        await store.touch(f"schedule:{doc['conference_id']}", session=session)
        doc.update(status="cancelled", seats_taken=0, updated_at=now())
        await store.set_fields("sessions", session_id, {"status": "cancelled", "seats_taken": 0,
                                                        "updated_at": doc["updated_at"]}, session=session)
        await participation.release_session(platform=platform, store=store, doc=doc, session=session)
        await _announce(platform, session, events.SessionCancelled, doc)
        await audit.record(platform.db, act, action="session.cancel", object_type="session", object_id=session_id,
                           session=session)
        return doc

    async with participation.session_lock(platform, session_id):
        doc = await platform.transaction(work)
    return SessionPublic.model_validate(clean(doc))


async def get_session(*, platform: Platform, session_id: str) -> SessionPublic:
    return SessionPublic.model_validate(clean(await _session_or_404(Store(platform.db), session_id, None)))


async def list_sessions(*, platform: Platform, conference_id: str) -> list[SessionPublic]:
    docs = await Store(platform.db).of_conference("sessions", conference_id)
    return [SessionPublic.model_validate(clean(d)) for d in sorted(docs, key=lambda d: d["starts_at"])]


async def _session_or_404(store: Store, session_id: str, session: AsyncClientSession | None) -> Document:
    doc = await store.get("sessions", session_id, session=session)
    if doc is None:
        raise NotFound("session_unknown", session_id=session_id)
    return doc


async def _announce(platform: Platform, session: AsyncClientSession, fact: type[events.SessionFact],
                    doc: Document) -> None:
    payload = fact.model_validate({**doc, "session_id": doc["_id"], "at": doc["updated_at"]})
    envelope = message_envelope(payload, source=platform.settings.service_name, subject=doc["_id"])
    await platform.outbox.add(session, payload.topic, envelope)


async def release_schedule(*, platform: Platform, conference_id: str, by: str, act: Act | None = None
                           ) -> ReleasePublic:
    """Publish the current programme as the next numbered version, with its changelog."""
    store = Store(platform.db)

    async def work(session: AsyncClientSession) -> Document:
        await get_conference(store=store, conference_id=conference_id, session=session)
        await store.touch(f"schedule:{conference_id}", session=session)
        snapshot = await _snapshot(store, conference_id, session)
        previous = await store.latest_release(conference_id, session=session)
        if previous is not None and previous["snapshot"] == snapshot:
            raise Conflict("nothing_to_release", version=previous["version"])
        version = previous["version"] + 1 if previous else 1
        release = {"_id": f"{conference_id}:{version}", "conference_id": conference_id, "version": version,
                   "released_at": now(), "released_by": by, "session_count": len(snapshot),
                   "changes": diff_snapshots(previous["snapshot"] if previous else [], snapshot),
                   "snapshot": snapshot}
        await store.insert("releases", release, session=session)
        await store.db.sessions.update_many({"_id": {"$in": [s["id"] for s in snapshot]}},
                                            {"$set": {"released": True}}, session=session)
        payload = events.ScheduleReleased.model_validate(release)
        await platform.outbox.add(session, payload.topic, message_envelope(
            payload, source=platform.settings.service_name, subject=conference_id))
        await audit.record(platform.db, act, action="schedule.release", object_type="conference",
                           object_id=conference_id, session=session)
        return release

    return ReleasePublic.model_validate(await platform.transaction(work))


async def _snapshot(store: Store, conference_id: str, session: AsyncClientSession) -> list[Document]:
    sessions = [s for s in await store.of_conference("sessions", conference_id, session=session)
                if s["status"] == "scheduled"]
    rooms = {r["_id"]: r for r in await store.of_conference("rooms", conference_id, session=session)}
    people = {p["_id"]: p for p in await store.of_conference("speakers", conference_id, session=session)}

    def person(pid: str) -> Document:
        p = people[pid]
        return {"id": pid, "name": p["name"], "organization": p.get("organization"), "bio": p.get("bio")}

    return [
        {"id": s["_id"], "number": s["number"], "title": s["title"], "abstract": s.get("abstract"),
         "kind": s["kind"], "track": s.get("track"), "starts_at": s["starts_at"], "ends_at": s["ends_at"],
         "room": {"id": s["room_id"], "name": rooms[s["room_id"]]["name"]}, "languages": s["languages"],
         "speakers": [person(p) for p in s["speaker_ids"]], "moderators": [person(p) for p in s["moderator_ids"]],
         "capacity": s.get("capacity")}
        for s in sorted(sessions, key=lambda s: (s["starts_at"], s["number"]))
    ]


async def conference(*, platform: Platform, conference_id: str) -> Conference:
    return await get_conference(store=Store(platform.db), conference_id=conference_id)


async def latest_release(*, platform: Platform, conference_id: str) -> Document:
    release = await Store(platform.db).latest_release(conference_id)
    if release is None:
        raise NotFound("schedule_not_released")
    return release


async def changelog(*, platform: Platform, conference_id: str) -> list[ReleasePublic]:
    releases = await Store(platform.db).releases(conference_id)
    if not releases:
        raise NotFound("schedule_not_released")
    return [ReleasePublic.model_validate(r) for r in releases]


async def record_outcomes(*, platform: Platform, session_id: str, data: OutcomesRecord, act: Act | None = None
                          ) -> SessionPublic:
    """Store a session's conclusions and adopted recommendations and hand them on."""
    store = Store(platform.db)

    async def work(session: AsyncClientSession) -> Document:
        doc = await _session_or_404(store, session_id, session)
        if doc["status"] == "cancelled":
            raise Conflict("session_cancelled")
        recorded_at = now()
        doc["outcomes"] = data.model_dump(mode="json")
        await store.set_fields("sessions", session_id, {"outcomes": doc["outcomes"],
                                                        "outcomes_recorded_at": recorded_at}, session=session)
        payload = events.SessionOutcomesRecorded(
            session_id=session_id, conference_id=doc["conference_id"], session_title=doc["title"],
            conclusions=data.conclusions, recorded_at=recorded_at,
            recommendations=[events.OutcomeItem(key=r.key, text=r.text) for r in data.recommendations])
        await platform.outbox.add(session, payload.topic, message_envelope(
            payload, source=platform.settings.service_name, subject=session_id))
        await audit.record(platform.db, act, action="session.record_outcomes", object_type="session",
                           object_id=session_id, session=session)
        return doc

    return SessionPublic.model_validate(clean(await platform.transaction(work)))


async def session_owner(*, platform: Platform, session_id: str) -> str | None:
    """The id of the conference a session belongs to (None for an unknown session)."""
    doc = await Store(platform.db).get("sessions", session_id)
    return str(doc["conference_id"]) if doc else None
