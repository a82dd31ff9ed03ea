"""The only code that talks to MongoDB.

Dates of opening days are stored as ISO strings ("2026-05-02"); instants as UTC
datetimes. A stand's active assignment has ``_id = "<market_id>:<stand_number>"``,
so two transactions can never both give the same stand: the second insert fails
on the primary key (or conflicts and retries, then sees the stand taken). Released
assignments move to ``stand_history``.
"""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession

from marketplace.settings import Settings
from shared.envelope import Message, message_envelope
from shared.mongo import Document, Indexes
from shared.platform import Platform
from shared.signing import Signer

T = TypeVar("T")
Session = AsyncClientSession | None


def indexes() -> Indexes:
    idx = Indexes()
    idx.add("cooperatives", IndexModel([("register_number", ASCENDING)], unique=True, name="register_number"),
            IndexModel([("region", ASCENDING), ("sector", ASCENDING)], name="region_sector"))
    idx.add("invitations", IndexModel([("cooperative_id", ASCENDING)], name="by_cooperative"))
    idx.add("markets", IndexModel([("circuit", ASCENDING)], name="by_circuit"),
            IndexModel([("days", ASCENDING)], name="by_day"))
    idx.add("applications",
            IndexModel([("market_id", ASCENDING), ("cooperative_id", ASCENDING)], unique=True, name="one_per_market"),
            IndexModel([("market_id", ASCENDING), ("status", ASCENDING)], name="by_market_status"),
            IndexModel([("cooperative_id", ASCENDING)], name="by_cooperative"))
    idx.add("stand_assignments",
            IndexModel([("market_id", ASCENDING), ("stand_number", ASCENDING)], unique=True, name="one_per_stand"),
            IndexModel([("market_id", ASCENDING), ("cooperative_id", ASCENDING)], unique=True,
                       name="one_stand_per_cooperative"),
            IndexModel([("pass_id", ASCENDING)], unique=True, name="by_pass"))
    idx.add("stand_history", IndexModel([("market_id", ASCENDING)], name="by_market"))
    idx.add("checkin_conflicts", IndexModel([("market_id", ASCENDING), ("first_seen_at", ASCENDING)],
                                            name="by_market"))
    idx.add("checkins", IndexModel([("market_id", ASCENDING), ("day", ASCENDING)], name="by_market_day"))
    idx.add("sales", IndexModel([("market_id", ASCENDING), ("day", ASCENDING)], name="by_market_day"),
            IndexModel([("cooperative_id", ASCENDING)], name="by_cooperative"))
    return idx


def store_of(platform: Platform) -> "Store":
    """The marketplace's context (``ServiceSpec.context``): its store, which also signs passes."""
    context = platform.context
    if not isinstance(context, Store):
        raise TypeError("the marketplace's platform carries its Store as context")
    return context


class Store:
    def __init__(self, platform: Platform, signer: Signer) -> None:
        self.platform = platform
        self.db = platform.db
        settings = platform.settings
        assert isinstance(settings, Settings)
        self.settings: Settings = settings
        self.signer = signer
        self._locks: dict[str, asyncio.Lock] = {}

    # ---- plumbing ----------------------------------------------------------------
    async def transaction(self, work: Callable[[AsyncClientSession], Awaitable[T]]) -> T:
        return await self.platform.transaction(work)

    def market_lock(self, market_id: str) -> asyncio.Lock:
        """Serializes stand changes of one market inside this process: concurrent
        transactions on the same stands would otherwise conflict and retry in a storm.
        Across processes the primary key on assignments still keeps a stand single."""
        return self._locks.setdefault(market_id, asyncio.Lock())

    async def publish(self, session: AsyncClientSession, message: Message, *, subject: str) -> None:
        envelope = message_envelope(message, source=self.settings.service_name, subject=subject)
        await self.platform.outbox.add(session, message.topic, envelope)

    # ---- generic -----------------------------------------------------------------
    async def insert(self, collection: str, doc: Document, session: Session = None) -> None:
        await self.db[collection].insert_one(doc, session=session)

    async def get(self, collection: str, doc_id: str, session: Session = None) -> Document | None:
        return await self.db[collection].find_one({"_id": doc_id}, session=session)

    async def count(self, collection: str, query: Document) -> int:
        return await self.db[collection].count_documents(query)

    async def find(self, collection: str, query: Document, *, sort: list[tuple[str, int]] | None = None,
                   limit: int = 0, skip: int = 0, session: Session = None) -> list[Document]:
        cursor = self.db[collection].find(query, session=session)
        if sort:
            cursor = cursor.sort(sort)
        if skip:
            cursor = cursor.skip(skip)
        if limit:
            cursor = cursor.limit(limit)
        return await cursor.to_list()

    async def set_fields(self, collection: str, query: Document, fields: Document,
                         session: Session = None) -> bool:
        result = await self.db[collection].update_one(query, {"$set": fields}, session=session)
        return result.matched_count == 1

    # ---- cooperatives ------------------------------------------------------------
    async def push_product(self, cooperative_id: str, product: Document, session: Session = None) -> bool:
        result = await self.db.cooperatives.update_one(
            {"_id": cooperative_id}, {"$push": {"products": product}}, session=session)
        return result.matched_count == 1

    async def pull_product(self, cooperative_id: str, product_id: str) -> bool:
        result = await self.db.cooperatives.update_one(
            {"_id": cooperative_id, "products.product_id": product_id},
            {"$pull": {"products": {"product_id": product_id}}})
        return result.modified_count == 1

    async def note_exhibited(self, cooperative_id: str, day: str, session: AsyncClientSession) -> None:
        await self.db.cooperatives.update_one(
            {"_id": cooperative_id, "$or": [{"last_exhibited_on": None}, {"last_exhibited_on": {"$lt": day}}]},
            {"$set": {"last_exhibited_on": day}}, session=session)

    async def cooperatives_by_id(self, ids: list[str], session: Session = None) -> dict[str, Document]:
        docs = await self.find("cooperatives", {"_id": {"$in": ids}}, session=session)
        return {d["_id"]: d for d in docs}

    # ---- invitations -------------------------------------------------------------
    async def drop_invitation(self, token_hash: str) -> None:
        await self.db.invitations.delete_one({"_id": token_hash})

    async def use_invitation(self, token_hash: str, now: datetime) -> Document | None:
        """Marks an unused, unexpired invitation used; one caller only ever wins."""
        return await self.db.invitations.find_one_and_update(
            {"_id": token_hash, "used_at": None, "expires_at": {"$gt": now}}, {"$set": {"used_at": now}})

    # ---- stands ------------------------------------------------------------------
    async def active_assignments(self, market_id: str, session: Session = None) -> list[Document]:
        return await self.find("stand_assignments", {"market_id": market_id}, session=session)

    async def release_assignment(self, assignment: Document, fields: Document,
                                 session: AsyncClientSession) -> None:
        await self.db.stand_assignments.delete_one({"_id": assignment["_id"]}, session=session)
        history = {**assignment, **fields, "_id": f"{assignment['_id']}:{assignment['pass_id']}"}
        await self.db.stand_history.insert_one(history, session=session)

    async def revoked_pass_ids(self, market_id: str) -> list[str]:
        """Passes of the market released (withdrawn, stand changed) and not held again."""
        released = {doc["pass_id"] async for doc in self.db.stand_history.find({"market_id": market_id},
                                                                              {"pass_id": 1})}
        held = {doc["pass_id"] for doc in await self.active_assignments(market_id)}
        return sorted(released - held)

    # ---- conflicts of offline gate decisions: one document per (pass, day, kind) -------
    async def record_conflict(self, conflict_id: str, fields: Document, device_id: str, now: datetime,
                              session: AsyncClientSession) -> None:
        await self.db.checkin_conflicts.update_one(
            {"_id": conflict_id},
            {"$setOnInsert": {**fields, "first_seen_at": now}, "$addToSet": {"devices": device_id}},
            upsert=True, session=session)

    async def checkin_conflicts(self, market_id: str) -> list[Document]:
        return await self.db.checkin_conflicts.find({"market_id": market_id}).sort("first_seen_at", ASCENDING
                                                                                     ).to_list(None)

    # ---- sales -------------------------------------------------------------------
    async def replace_sales(self, doc: Document, session: AsyncClientSession) -> None:
        await self.db.sales.replace_one({"_id": doc["_id"]}, doc, upsert=True, session=session)


def clean(doc: Document | None) -> dict[str, Any] | None:
    if doc is None:
        return None
    return {("id" if k == "_id" else k): v for k, v in doc.items()}
