"""The only code that talks to MongoDB."""

from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from shared.errors import Conflict
from shared.mongo import Document, Indexes

Session = AsyncClientSession | None


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


class Store:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.db = db

    async def insert(self, collection: str, doc: Document, *, session: Session = None) -> None:
        try:
            await self.db[collection].insert_one(doc, session=session)
        except DuplicateKeyError:
            raise Conflict("already_exists", id=str(doc["_id"])) from None

    async def get(self, collection: str, doc_id: str, *, session: Session = None) -> Document | None:
        return await self.db[collection].find_one({"_id": doc_id}, session=session)

    async def of_conference(self, collection: str, conference_id: str, *, session: Session = None) -> list[Document]:
        cursor = self.db[collection].find({"conference_id": conference_id}, session=session)
        return await cursor.to_list()

    async def by_ids(self, collection: str, ids: list[str], *, session: Session = None) -> list[Document]:
        return await self.db[collection].find({"_id": {"$in": ids}}, session=session).to_list()

    async def set_fields(self, collection: str, doc_id: str, fields: Document, *, session: Session = None) -> None:
        await self.db[collection].update_one({"_id": doc_id}, {"$set": fields}, session=session)

    async def upsert(self, collection: str, doc_id: str, fields: Document, *, session: Session = None) -> None:
        await self.db[collection].update_one({"_id": doc_id}, {"$set": fields}, upsert=True, session=session)

    async def next_number(self, name: str, *, session: Session = None) -> int:
        counter = await self.db.counters.find_one_and_update(
            {"_id": name}, {"$inc": {"value": 1}}, upsert=True, return_document=ReturnDocument.AFTER,
            session=session,
        )
        assert counter is not None  # upserted
        return int(counter["value"])

    async def touch(self, key: str, *, session: Session = None) -> None:
        """Write a per-key marker so concurrent transactions on the same key conflict and retry."""
        await self.db.counters.update_one({"_id": key}, {"$inc": {"writes": 1}}, upsert=True, session=session)

    async def latest_release(self, conference_id: str, *, session: Session = None) -> Document | None:
        cursor = self.db.releases.find({"conference_id": conference_id}, session=session)
        found = await cursor.sort("version", DESCENDING).limit(1).to_list()
        return found[0] if found else None

    async def releases(self, conference_id: str) -> list[Document]:
        cursor = self.db.releases.find({"conference_id": conference_id}, {"snapshot": 0})
        return await cursor.sort("version", DESCENDING).to_list()

    async def take_seat(self, session_id: str, capacity: int, *, session: Session = None) -> bool:
        """Reserve a seat only while one is free: the condition is the capacity guarantee.

        ``capacity`` was read in the same snapshot transaction, so an organizer's
        concurrent change of it makes one of the two transactions retry."""
        taken = await self.db.sessions.find_one_and_update(
            {"_id": session_id, "capacity": capacity, "seats_taken": {"$lt": capacity}},
            {"$inc": {"seats_taken": 1}}, session=session,
        )
        return taken is not None

    async def free_seat(self, session_id: str, *, session: Session = None) -> None:
        await self.db.sessions.update_one({"_id": session_id, "seats_taken": {"$gt": 0}},
                                          {"$inc": {"seats_taken": -1}}, session=session)

    async def active_signups(self, registration_id: str, *, session: Session = None) -> list[Document]:
        cursor = self.db.signups.find(
            {"registration_id": registration_id, "status": {"$in": ["confirmed", "waitlisted"]}}, session=session
        )
        return await cursor.to_list()

    async def session_signups(self, session_id: str, status: str | None = None, *,
                              session: Session = None) -> list[Document]:
        query: Document = {"session_id": session_id}
        query["status"] = status if status else {"$in": ["confirmed", "waitlisted"]}
        return await self.db.signups.find(query, session=session).sort("seq", ASCENDING).to_list()

    async def first_waiting(self, session_id: str, *, session: Session = None) -> Document | None:
        cursor = self.db.signups.find({"session_id": session_id, "status": "waitlisted"}, session=session)
        found = await cursor.sort("seq", ASCENDING).limit(1).to_list()
        return found[0] if found else None

    async def waiting_before(self, session_id: str, seq: int) -> int:
        return await self.db.signups.count_documents(
            {"session_id": session_id, "status": "waitlisted", "seq": {"$lt": seq}}
        )

    async def set_signup(self, signup_id: str, fields: Document, *, session: Session = None) -> None:
        await self.db.signups.update_one({"_id": signup_id}, {"$set": fields}, upsert=True, session=session)

    async def stars(self, owner: str) -> list[str]:
        return [doc["session_id"] for doc in await self.db.stars.find({"owner": owner}).to_list()]

    async def star(self, owner: str, session_id: str, at: datetime) -> None:
        await self.db.stars.update_one({"_id": f"{owner}:{session_id}"},
                                       {"$set": {"owner": owner, "session_id": session_id, "at": at}}, upsert=True)

    async def unstar(self, owner: str, session_id: str) -> None:
        await self.db.stars.delete_one({"_id": f"{owner}:{session_id}"})

    async def participant(self, registration_id: str, *, session: Session = None) -> Document | None:
        return await self.db.participants.find_one({"_id": registration_id}, session=session)

    async def set_participant(self, registration_id: str, fields: Document, *, session: Session = None) -> None:
        await self.db.participants.update_one({"_id": registration_id}, {"$set": fields}, upsert=True,
                                              session=session)

    async def forget_signups(self, registration_id: str, *, session: Session = None) -> None:
        await self.db.signups.delete_many({"registration_id": registration_id}, session=session)

    async def forget_owner(self, owner: str, *, session: Session = None) -> None:
        await self.db.stars.delete_many({"owner": owner}, session=session)

    async def sessions_by_ids(self, ids: list[str]) -> list[Document]:
        return await self.db.sessions.find({"_id": {"$in": ids}}).to_list()


def clean(doc: Document | None) -> dict[str, Any] | None:
    """A stored document with ``_id`` exposed as ``id``."""
    if doc is None:
        return None
    out = {k: v for k, v in doc.items() if k != "_id"}
    out["id"] = doc["_id"]
    return out
