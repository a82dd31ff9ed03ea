"""The only code that talks to MongoDB.

Collections: ``recommendations`` (the current state, a projection of the history),
``history`` (append-only change records, one sequence per recommendation),
``indicators`` and ``indicator_values`` (append-only), ``conferences`` (editions
learnt from registration) and the ``feed_*`` collections that keep the latest fact
per registration, cooperative and sales declaration for the automatic indicators.
"""

from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from shared.errors import Conflict
from shared.mongo import Document, Indexes

Session = AsyncClientSession | None


def indexes() -> Indexes:
    idx = Indexes()
    idx.add("recommendations",
            IndexModel([("edition", ASCENDING), ("number", ASCENDING)], name="by_edition_number"),
            IndexModel([("status", ASCENDING)], name="by_status"),
            IndexModel([("themes", ASCENDING)], name="by_theme"),
            IndexModel([("lead_body", ASCENDING)], name="by_lead_body"),
            IndexModel([("contributing_bodies", ASCENDING)], name="by_contributing_body"),
            IndexModel([("session.id", ASCENDING)], name="by_session"),
            IndexModel([("conference_id", ASCENDING)], name="by_conference"))
    idx.add("history",
            IndexModel([("recommendation_id", ASCENDING), ("seq", ASCENDING)], unique=True, name="timeline"),
            IndexModel([("at", ASCENDING)], name="by_time"))
    idx.add("indicators", IndexModel([("recommendation_id", ASCENDING)], name="by_recommendation"))
    idx.add("indicator_values",
            IndexModel([("indicator_id", ASCENDING), ("seq", ASCENDING)], unique=True, name="values_in_order"),
            IndexModel([("recorded_at", ASCENDING)], name="by_time"))
    return idx


class Store:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.db = db
        self.recommendations = db["recommendations"]
        self.history = db["history"]
        self.indicators = db["indicators"]
        self.values = db["indicator_values"]
        self.conferences = db["conferences"]

    # Recommendations and their history

    async def get(self, recommendation_id: str, session: Session = None) -> Document | None:
        doc = await self.recommendations.find_one({"_id": recommendation_id}, session=session)
        return _state(doc)

    async def find(self, query: dict[str, Any]) -> list[Document]:
        docs = await self.recommendations.find(query).sort([("edition", ASCENDING), ("number", ASCENDING),
                                                            ("_id", ASCENDING)]).to_list()
        return [s for s in map(_state, docs) if s is not None]

    async def by_conference(self, conference_id: str, session: Session) -> list[Document]:
        docs = await self.recommendations.find({"conference_id": conference_id}, session=session).to_list()
        return [s for s in map(_state, docs) if s is not None]

    async def append(self, record: Document, state: Document, session: AsyncClientSession) -> None:
        """Append a history record and move the projection to ``state`` in the caller's transaction.

        The projection is replaced only if it is still at the previous version; a
        concurrent change makes this a conflict (the transaction is retried or refused).
        """
        await self.history.insert_one({"_id": f"{record['recommendation_id']}:{record['seq']:08d}", **record},
                                      session=session)
        doc = {"_id": state["id"], **{k: v for k, v in state.items() if k != "id"}}
        if record["seq"] == 1:
            await self.recommendations.insert_one(doc, session=session)
            return
        result = await self.recommendations.replace_one(
            {"_id": state["id"], "version": record["seq"] - 1}, doc, session=session)
        if result.matched_count != 1:
            raise Conflict("conflict")

    async def timeline(self, recommendation_id: str, until: datetime | None = None) -> list[Document]:
        query: dict[str, Any] = {"recommendation_id": recommendation_id}
        if until is not None:
            query["at"] = {"$lte": until}
        return await self.history.find(query, {"_id": 0}).sort("seq", ASCENDING).to_list()

    async def history_until(self, until: datetime) -> list[Document]:
        return await self.history.find({"at": {"$lte": until}}, {"_id": 0}).to_list()

    # Conferences (edition numbers)

    async def save_conference(self, conference_id: str, edition: int | None, session: Session) -> None:
        await self.conferences.update_one({"_id": conference_id}, {"$set": {"edition": edition}}, upsert=True,
                                          session=session)

    async def conference(self, conference_id: str, session: Session) -> Document | None:
        return await self.conferences.find_one({"_id": conference_id}, session=session)

    # Indicators

    async def indicator(self, indicator_id: str, session: Session = None) -> Document | None:
        return await self.indicators.find_one({"_id": indicator_id}, session=session)

    async def all_indicators(self) -> list[Document]:
        return await self.indicators.find({}).sort("_id", ASCENDING).to_list()

    async def insert_indicator(self, doc: Document, session: Session = None) -> None:
        await self.indicators.insert_one(doc, session=session)

    async def ensure_indicator(self, doc: Document) -> None:
        await self.indicators.update_one({"_id": doc["_id"]}, {"$setOnInsert": doc}, upsert=True)

    async def set_indicator_value(self, indicator: Document, value: Document, session: AsyncClientSession) -> None:
        """Append a value and make it current, only if the indicator is still at the version read."""
        await self.values.insert_one({"_id": f"{indicator['_id']}:{value['seq']:010d}", **value}, session=session)
        result = await self.indicators.update_one(
            {"_id": indicator["_id"], "version": value["seq"] - 1},
            {"$set": {"version": value["seq"], "current": {k: value[k] for k in (
                "value", "as_of", "recorded_at", "source", "breakdown")}}},
            session=session)
        if result.matched_count != 1:
            raise Conflict("conflict")

    async def indicator_values(self, indicator_id: str, until: datetime | None, limit: int) -> list[Document]:
        """The latest ``limit`` values (recorded by ``until``), oldest first."""
        query: dict[str, Any] = {"indicator_id": indicator_id}
        if until is not None:
            query["recorded_at"] = {"$lte": until}
        latest = await self.values.find(query, {"_id": 0}).sort("seq", DESCENDING).limit(limit).to_list()
        return latest[::-1]

    async def latest_value(self, indicator_id: str, until: datetime) -> Document | None:
        return await self.values.find_one({"indicator_id": indicator_id, "recorded_at": {"$lte": until}},
                                          {"_id": 0}, sort=[("seq", DESCENDING)])

    # Facts behind the automatic indicators: the latest one per key

    async def feed_get(self, feed: str, key: str, session: AsyncClientSession) -> Document | None:
        return await self.db[f"feed_{feed}"].find_one({"_id": key}, session=session)

    async def feed_put(self, feed: str, key: str, fact: Document, session: AsyncClientSession) -> None:
        await self.db[f"feed_{feed}"].replace_one({"_id": key}, {"_id": key, **fact}, upsert=True, session=session)


def _state(doc: Document | None) -> Document | None:
    if doc is None:
        return None
    state = {k: v for k, v in doc.items() if k != "_id"}
    state["id"] = doc["_id"]
    return state
