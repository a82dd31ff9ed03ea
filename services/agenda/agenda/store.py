"""The only code that talks to MongoDB: one named method per query of the programme."""

from collections.abc import Collection
from datetime import datetime

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from agenda.domain import Conference
from agenda.stored import Participant, Release, Room, Session, Signup, Speaker
from shared import audit
from shared.audit import Act
from shared.errors import Conflict
from shared.mongo import Document, Indexes, find_in, update_in
from shared.platform import Platform

Tx = AsyncClientSession | None
ACTIVE = {"$in": ["confirmed", "waitlisted"]}


def indexes() -> Indexes:
    found = Indexes()
    found.add("rooms", IndexModel([("conference_id", ASCENDING)], name="by_conference"))
    found.add("speakers", IndexModel([("conference_id", ASCENDING)], name="by_conference"))
    found.add("sessions", IndexModel([("conference_id", ASCENDING), ("starts_at", ASCENDING)], name="by_time"))
    found.add("releases", IndexModel([("conference_id", ASCENDING), ("version", DESCENDING)],
                                     name="version_unique", unique=True))
    found.add("signups", IndexModel([("registration_id", ASCENDING), ("status", ASCENDING)], name="by_participant"),
              IndexModel([("session_id", ASCENDING), ("status", ASCENDING), ("seq", ASCENDING)], name="queue"))
    found.add("stars", IndexModel([("owner", ASCENDING)], name="by_owner"))
    return found


class AgendaStore:
    """Conferences (a projection), rooms, speakers, sessions, releases, sign-ups, stars, agendas."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.db = db

    @classmethod
    def of(cls, platform: Platform) -> "AgendaStore":
        return cls(platform.db)

    async def build_indexes(self, wanted: Indexes) -> None:
        """For tools that run without the app (the app's platform creates them at startup)."""
        await wanted.create(self.db)

    async def _insert(self, collection: str, doc: Document, tx: Tx) -> None:
        try:
            await self.db[collection].insert_one(doc, session=tx)
        except DuplicateKeyError:
            raise Conflict("already_exists", id=str(doc["_id"])) from None

    async def record_act(self, act: Act | None, *, action: str, object_type: str, object_id: str,
                         tx: Tx = None) -> None:
        await audit.record(self.db, act, action=action, object_type=object_type, object_id=object_id, session=tx)

    # Conferences, as registration's messages describe them.

    async def conference(self, conference_id: str, *, tx: Tx = None) -> Conference | None:
        doc = await self.db.conferences.find_one({"_id": conference_id}, session=tx)
        return None if doc is None else Conference.model_validate({**doc, "conference_id": doc["_id"]})

    async def save_conference(self, conference: Conference, *, tx: Tx = None) -> None:
        fields = conference.model_dump(mode="json", exclude={"conference_id"})
        await self.db.conferences.update_one({"_id": conference.conference_id}, {"$set": fields}, upsert=True,
                                             session=tx)

    async def conferences_by_ids(self, ids: list[str]) -> list[Conference]:
        docs = await self.db.conferences.find({"_id": {"$in": ids}}).sort("starts_on", ASCENDING).to_list()
        return [Conference.model_validate({**doc, "conference_id": doc["_id"]}) for doc in docs]

    async def all_conferences(self) -> list[Conference]:
        docs = await self.db.conferences.find({}).sort("starts_on", ASCENDING).to_list()
        return [Conference.model_validate({**doc, "conference_id": doc["_id"]}) for doc in docs]

    # Rooms and speakers.

    async def add_room(self, room: Room) -> None:
        await self._insert("rooms", room.to_document(), None)

    async def save_room(self, room: Room) -> None:
        await self.db.rooms.update_one({"_id": room.id}, {"$set": room.to_document()})

    async def room(self, room_id: str, *, tx: Tx = None) -> Room | None:
        return Room.from_document(await self.db.rooms.find_one({"_id": room_id}, session=tx))

    async def rooms_of(self, conference_id: str, *, tx: Tx = None) -> list[Room]:
        docs = await self.db.rooms.find({"conference_id": conference_id}, session=tx).to_list()
        return [Room.model_validate(doc) for doc in docs]

    async def add_speaker(self, speaker: Speaker) -> None:
        await self._insert("speakers", speaker.to_document(), None)

    async def save_speaker(self, speaker: Speaker) -> None:
        await self.db.speakers.update_one({"_id": speaker.id}, {"$set": speaker.to_document()})

    async def speaker(self, speaker_id: str) -> Speaker | None:
        return Speaker.from_document(await self.db.speakers.find_one({"_id": speaker_id}))

    async def speakers_of(self, conference_id: str, *, tx: Tx = None) -> list[Speaker]:
        docs = await self.db.speakers.find({"conference_id": conference_id}, session=tx).to_list()
        return [Speaker.model_validate(doc) for doc in docs]

    async def speakers_by_ids(self, ids: list[str], *, tx: Tx = None) -> list[Speaker]:
        docs = await find_in(self.db.speakers, "_id", ids, session=tx)
        return [Speaker.model_validate(doc) for doc in docs]

    # Sessions of the draft programme.

    async def add_session(self, session: Session, *, tx: Tx = None) -> None:
        await self._insert("sessions", session.to_document(), tx)

    async def save_session(self, session: Session, *, tx: Tx = None) -> None:
        fields = {k: v for k, v in session.to_document().items() if k != "_id"}
        await self.db.sessions.update_one({"_id": session.id}, {"$set": fields}, session=tx)

    async def session(self, session_id: str, *, tx: Tx = None) -> Session | None:
        return Session.from_document(await self.db.sessions.find_one({"_id": session_id}, session=tx))

    async def sessions_of(self, conference_id: str, *, tx: Tx = None) -> list[Session]:
        docs = await self.db.sessions.find({"conference_id": conference_id}, session=tx).to_list()
        return [Session.model_validate(doc) for doc in docs]

    async def sessions_by_ids(self, ids: list[str]) -> list[Session]:
        return [Session.model_validate(doc) for doc in await find_in(self.db.sessions, "_id", ids)]

    async def mark_cancelled(self, session_id: str, at: datetime, *, tx: Tx = None) -> None:
        await self.db.sessions.update_one({"_id": session_id}, {"$set": {
            "status": "cancelled", "seats_taken": 0, "updated_at": at}}, session=tx)

    async def set_outcomes(self, session_id: str, outcomes: Document, at: datetime, *, tx: Tx = None) -> None:
        await self.db.sessions.update_one({"_id": session_id}, {"$set": {
            "outcomes": outcomes, "outcomes_recorded_at": at}}, session=tx)

    async def mark_released(self, session_ids: list[str], *, tx: Tx = None) -> None:
        await update_in(self.db.sessions, session_ids, {}, {"$set": {"released": True}}, session=tx)

    async def take_seat(self, session_id: str, capacity: int, *, tx: Tx = None) -> bool:
        """Reserve a seat only while one is free: the condition is the capacity guarantee.

        ``capacity`` was read in the same snapshot transaction, so an organizer's
        concurrent change of it makes one of the two transactions retry."""
        taken = await self.db.sessions.find_one_and_update(
            {"_id": session_id, "capacity": capacity, "seats_taken": {"$lt": capacity}},
            {"$inc": {"seats_taken": 1}}, session=tx,
        )
        return taken is not None

    async def free_seat(self, session_id: str, *, tx: Tx = None) -> None:
        await self.db.sessions.update_one({"_id": session_id, "seats_taken": {"$gt": 0}},
                                          {"$inc": {"seats_taken": -1}}, session=tx)

    # Counters: numbers handed out in order, and the marker that serializes schedule edits.

    async def _next(self, name: str, tx: Tx) -> int:
        counter = await self.db.counters.find_one_and_update(
            {"_id": name}, {"$inc": {"value": 1}}, upsert=True, return_document=ReturnDocument.AFTER, session=tx)
        assert counter is not None  # upserted
        return int(counter["value"])

    async def next_session_number(self, *, tx: Tx = None) -> int:
        return await self._next("session_number", tx)

    async def next_queue_place(self, session_id: str, *, tx: Tx = None) -> int:
        return await self._next(f"queue:{session_id}", tx)

    async def touch_schedule(self, conference_id: str, *, tx: Tx = None) -> None:
        """Every schedule edit of a conference writes this marker, so two concurrent edits
        cannot both pass the conflict checks: one retries and sees the other."""
        await self.db.counters.update_one({"_id": f"schedule:{conference_id}"}, {"$inc": {"writes": 1}},
                                          upsert=True, session=tx)

    # Releases.

    async def add_release(self, release: Release, *, tx: Tx = None) -> None:
        await self._insert("releases", release.to_document(), tx)

    async def latest_release(self, conference_id: str, *, tx: Tx = None) -> Release | None:
        cursor = self.db.releases.find({"conference_id": conference_id}, session=tx)
        found = await cursor.sort("version", DESCENDING).limit(1).to_list()
        return Release.model_validate(found[0]) if found else None

    async def releases(self, conference_id: str) -> list[Release]:
        cursor = self.db.releases.find({"conference_id": conference_id}, {"snapshot": 0})
        return [Release.model_validate(doc) for doc in await cursor.sort("version", DESCENDING).to_list()]

    # Sign-ups and their waiting lists.

    async def signup(self, session_id: str, registration_id: str, *, tx: Tx = None) -> Signup | None:
        return Signup.from_document(await self.db.signups.find_one({"_id": f"{session_id}:{registration_id}"},
                                                                   session=tx))

    async def save_signup(self, signup: Signup, *, tx: Tx = None) -> None:
        await self.db.signups.update_one({"_id": signup.id}, {"$set": signup.to_document()}, upsert=True,
                                         session=tx)

    async def set_signup_status(self, signup_id: str, status: str, at: datetime, *, reason: str | None = None,
                                tx: Tx = None) -> None:
        fields: Document = {"status": status, "updated_at": at}
        if reason is not None:
            fields["reason"] = reason
        await self.db.signups.update_one({"_id": signup_id}, {"$set": fields}, session=tx)

    async def active_signups(self, registration_id: str, *, tx: Tx = None) -> list[Signup]:
        cursor = self.db.signups.find({"registration_id": registration_id, "status": ACTIVE}, session=tx)
        return [Signup.model_validate(doc) for doc in await cursor.to_list()]

    async def session_signups(self, session_id: str, *, tx: Tx = None) -> list[Signup]:
        """Confirmed and waiting sign-ups of a session, in the order they came."""
        cursor = self.db.signups.find({"session_id": session_id, "status": ACTIVE}, session=tx)
        return [Signup.model_validate(doc) for doc in await cursor.sort("seq", ASCENDING).to_list()]

    async def first_waiting(self, session_id: str, *, tx: Tx = None) -> Signup | None:
        cursor = self.db.signups.find({"session_id": session_id, "status": "waitlisted"}, session=tx)
        found = await cursor.sort("seq", ASCENDING).limit(1).to_list()
        return Signup.model_validate(found[0]) if found else None

    async def waiting_before(self, session_id: str, seq: int) -> int:
        return await self.db.signups.count_documents(
            {"session_id": session_id, "status": "waitlisted", "seq": {"$lt": seq}})

    async def copy_slot_to_signups(self, session: Session, *, tx: Tx = None) -> None:
        await self.db.signups.update_many({"session_id": session.id}, {"$set": {
            "title": session.title.model_dump(), "starts_at": session.starts_at, "ends_at": session.ends_at}},
            session=tx)

    async def forget_signups(self, registration_id: str, *, tx: Tx = None) -> None:
        await self.db.signups.delete_many({"registration_id": registration_id}, session=tx)

    # Participants as registration describes them.

    async def participant(self, registration_id: str, *, tx: Tx = None) -> Participant | None:
        return Participant.from_document(await self.db.participants.find_one({"_id": registration_id}, session=tx))

    async def follow_participant(self, registration_id: str, *, conference_id: str, status: str, at: datetime,
                                 version: int | None, tx: Tx = None) -> None:
        await self.db.participants.update_one({"_id": registration_id}, {"$set": {
            "conference_id": conference_id, "status": status, "at": at, "version": version}}, upsert=True,
            session=tx)

    async def participants_by_ids(self, registration_ids: list[str], *, tx: Tx = None) -> dict[str, Participant]:
        docs = await find_in(self.db.participants, "_id", registration_ids, session=tx)
        return {doc["_id"]: Participant.model_validate(doc) for doc in docs}

    async def follow_participants(self, participants: list[Participant], *, stored: Collection[str],
                                  tx: Tx = None) -> None:
        """Each registration's status as followed: those read in this transaction (``stored``) updated in
        one write (``erased`` is left as stored), the others inserted in one (cheaper than upserts)."""
        fresh = [p.to_document() for p in participants if p.id not in stored]
        if fresh:
            await self.db.participants.insert_many(fresh, ordered=False, session=tx)
        updates = [UpdateOne({"_id": p.id}, {"$set": {
            "conference_id": p.conference_id, "status": p.status, "at": p.at, "version": p.version}})
            for p in participants if p.id in stored]
        if updates:
            await self.db.participants.bulk_write(updates, ordered=False, session=tx)

    async def mark_erased(self, registration_id: str, *, tx: Tx = None) -> None:
        await self.db.participants.update_one({"_id": registration_id}, {"$set": {"erased": True}}, upsert=True,
                                              session=tx)

    # Personal agendas: visitors' agendas and everyone's stars.

    async def add_agenda(self, agenda_id: str, at: datetime) -> None:
        await self._insert("agendas", {"_id": agenda_id, "created_at": at}, None)

    async def agenda_exists(self, agenda_id: str) -> bool:
        return await self.db.agendas.find_one({"_id": agenda_id}) is not None

    async def stars(self, owner: str) -> list[str]:
        return [doc["session_id"] for doc in await self.db.stars.find({"owner": owner}).to_list()]

    async def star(self, owner: str, session_id: str, at: datetime) -> None:
        await self.db.stars.update_one({"_id": f"{owner}:{session_id}"},
                                       {"$set": {"owner": owner, "session_id": session_id, "at": at}}, upsert=True)

    async def unstar(self, owner: str, session_id: str) -> None:
        await self.db.stars.delete_one({"_id": f"{owner}:{session_id}"})

    async def forget_owner(self, owner: str, *, tx: Tx = None) -> None:
        await self.db.stars.delete_many({"owner": owner}, session=tx)
