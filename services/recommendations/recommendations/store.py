"""The only code that talks to MongoDB.

Collections: ``recommendations`` (the current state, a projection of the history),
``history`` (append-only change records, one sequence per recommendation),
``indicators`` and ``indicator_values`` (append-only), ``conferences`` (editions
learnt from registration), ``evidence_files`` and ``evidence_chunks`` (uploaded
proofs) and the ``feed_*`` collections that keep the latest fact per registration,
cooperative and sales declaration for the automatic indicators.
"""

from collections.abc import Collection
from datetime import datetime
from typing import Any, cast

from pymongo import ASCENDING, DESCENDING, IndexModel, ReplaceOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from recommendations.documents import (
    EvidenceFile,
    HistoryRecord,
    Indicator,
    IndicatorValue,
    ParticipantFact,
    Recommendation,
    SalesFact,
    SalesTotals,
)
from shared import audit
from shared.audit import Act
from shared.errors import Conflict
from shared.mongo import Document, Indexes, find_in
from shared.platform import Platform

Session = AsyncClientSession | None
# Below MongoDB's 16 MiB document limit with room to spare, as GridFS does.
CHUNK_BYTES = 255 * 1024
REGISTER_ORDER = [("edition", ASCENDING), ("number", ASCENDING), ("_id", ASCENDING)]


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
    idx.add("evidence_files", IndexModel([("recommendation_id", ASCENDING)], name="by_recommendation"))
    idx.add("evidence_chunks",
            IndexModel([("file_id", ASCENDING), ("n", ASCENDING)], unique=True, name="chunks_in_order"))
    return idx


class RecommendationsStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._db = db
        self._recommendations = db["recommendations"]
        self._history = db["history"]
        self._indicators = db["indicators"]
        self._values = db["indicator_values"]
        self._conferences = db["conferences"]
        self._files = db["evidence_files"]
        self._chunks = db["evidence_chunks"]
        self._registrations = db["feed_registrations"]
        self._cooperatives = db["feed_cooperatives"]
        self._sales = db["feed_sales"]
        self._totals = db["feed_totals"]

    async def prepare_indexes(self) -> None:
        """For tools that run without the service (the demo loader); the service creates them at start."""
        await indexes().create(self._db)

    async def audit(self, act: Act | None, *, action: str, object_type: str, object_id: str,
                    session: Session) -> None:
        """One entry of the audit log, in the act's transaction."""
        await audit.record(self._db, act, action=action, object_type=object_type, object_id=object_id,
                           session=session)

    # Recommendations and their history

    async def recommendation(self, recommendation_id: str, session: Session = None) -> Recommendation | None:
        return Recommendation.from_document(await self._recommendations.find_one({"_id": recommendation_id},
                                                                                 session=session))

    async def in_register(self, *, status: str | None = None, theme: str | None = None, body: str | None = None,
                          edition: int | None = None) -> list[Recommendation]:
        """The current register, filtered (a body is the lead or a contributor), in register order."""
        query: dict[str, Any] = {}
        if status:
            query["status"] = status
        if theme:
            query["themes"] = theme
        if body:
            query["$or"] = [{"lead_body": body}, {"contributing_bodies": body}]
        if edition is not None:
            query["edition"] = edition
        docs = await self._recommendations.find(query).sort(REGISTER_ORDER).to_list()
        return [Recommendation.model_validate(doc) for doc in docs]

    async def of_conference(self, conference_id: str, session: Session) -> list[Recommendation]:
        docs = await self._recommendations.find({"conference_id": conference_id}, session=session).to_list()
        return [Recommendation.model_validate(doc) for doc in docs]

    async def append_change(self, record: HistoryRecord, state: Recommendation, session: AsyncClientSession) -> None:
        """Append a history record and move the projection to ``state`` in the caller's transaction.

        The projection is replaced only if it is still at the previous version; a
        concurrent change makes this a conflict (the transaction is retried or refused).
        """
        await self._history.insert_one(record.to_document(), session=session)
        if record.seq == 1:
            await self._recommendations.insert_one(state.to_document(), session=session)
            return
        result = await self._recommendations.replace_one(
            {"_id": state.id, "version": record.seq - 1}, state.to_document(), session=session)
        if result.matched_count != 1:
            raise Conflict("conflict")

    async def timeline(self, recommendation_id: str, until: datetime | None = None) -> list[HistoryRecord]:
        query: dict[str, Any] = {"recommendation_id": recommendation_id}
        if until is not None:
            query["at"] = {"$lte": until}
        docs = await self._history.find(query).sort("seq", ASCENDING).to_list()
        return [HistoryRecord.model_validate(doc) for doc in docs]

    async def history_until(self, until: datetime) -> list[HistoryRecord]:
        docs = await self._history.find({"at": {"$lte": until}}).to_list()
        return [HistoryRecord.model_validate(doc) for doc in docs]

    # Conferences (edition numbers)

    async def save_conference(self, conference_id: str, edition: int | None, session: Session) -> None:
        await self._conferences.update_one({"_id": conference_id}, {"$set": {"edition": edition}}, upsert=True,
                                           session=session)

    async def conference_edition(self, conference_id: str, session: Session) -> int | None:
        doc = await self._conferences.find_one({"_id": conference_id}, session=session)
        return doc.get("edition") if doc else None

    # Indicators

    async def indicator(self, indicator_id: str, session: Session = None) -> Indicator | None:
        return Indicator.from_document(await self._indicators.find_one({"_id": indicator_id}, session=session))

    async def all_indicators(self) -> list[Indicator]:
        docs = await self._indicators.find({}).sort("_id", ASCENDING).to_list()
        return [Indicator.model_validate(doc) for doc in docs]

    async def insert_indicator(self, indicator: Indicator, session: Session = None) -> None:
        await self._indicators.insert_one(indicator.to_document(), session=session)

    async def ensure_indicator(self, indicator: Indicator) -> None:
        doc = indicator.to_document()
        await self._indicators.update_one({"_id": doc["_id"]}, {"$setOnInsert": doc}, upsert=True)

    async def append_indicator_value(self, indicator: Indicator, value: IndicatorValue,
                                     session: AsyncClientSession) -> None:
        """Append a value and make it current, only if the indicator is still at the version read."""
        await self._values.insert_one(value.to_document(), session=session)
        result = await self._indicators.update_one(
            {"_id": indicator.id, "version": value.seq - 1},
            {"$set": {"version": value.seq, "current": value.current().model_dump()}}, session=session)
        if result.matched_count != 1:
            raise Conflict("conflict")

    async def indicator_values(self, indicator_id: str, through_seq: int, limit: int) -> list[IndicatorValue]:
        """The ``limit`` values numbered up to ``through_seq``, oldest first.

        A range of the ``values_in_order`` index (numbers follow one another from 1): the
        older values, as many as the batches of messages that moved the indicator, are not read.
        """
        docs = await self._values.find({"indicator_id": indicator_id,
                                        "seq": {"$gt": through_seq - limit, "$lte": through_seq}}
                                       ).sort("seq", ASCENDING).to_list()
        return [IndicatorValue.model_validate(doc) for doc in docs]

    async def latest_value(self, indicator_id: str, until: datetime) -> IndicatorValue | None:
        return IndicatorValue.from_document(await self._values.find_one(
            {"indicator_id": indicator_id, "recorded_at": {"$lte": until}}, sort=[("seq", DESCENDING)]))

    # Uploaded evidence

    async def save_evidence_file(self, file: EvidenceFile, data: bytes, session: AsyncClientSession) -> None:
        await self._files.insert_one(file.to_document(), session=session)
        chunks = [{"_id": f"{file.id}:{n:05d}", "file_id": file.id, "n": n,
                   "data": data[start:start + CHUNK_BYTES]}
                  for n, start in enumerate(range(0, len(data), CHUNK_BYTES))]
        if chunks:
            await self._chunks.insert_many(chunks, session=session)

    async def evidence_file(self, file_id: str) -> EvidenceFile | None:
        return EvidenceFile.from_document(await self._files.find_one({"_id": file_id}))

    async def evidence_files_of(self, recommendation_id: str) -> list[EvidenceFile]:
        docs = await self._files.find({"recommendation_id": recommendation_id}).sort("uploaded_at", ASCENDING).to_list()
        return [EvidenceFile.model_validate(doc) for doc in docs]

    async def evidence_bytes(self, file: EvidenceFile) -> bytes:
        docs = await self._chunks.find({"file_id": file.id}).sort("n", ASCENDING).to_list()
        return b"".join(bytes(doc["data"]) for doc in docs)

    # Facts behind the automatic indicators: the latest one per key

    async def participant_fact(self, registration_id: str, session: AsyncClientSession) -> ParticipantFact | None:
        return cast(ParticipantFact | None, await self._registrations.find_one({"_id": registration_id},
                                                                              {"_id": 0}, session=session))

    async def keep_participant_fact(self, registration_id: str, fact: ParticipantFact,
                                    session: AsyncClientSession) -> None:
        await self._registrations.replace_one({"_id": registration_id}, {"_id": registration_id, **fact},
                                              upsert=True, session=session)

    async def participant_facts(self, registration_ids: list[str],
                                session: AsyncClientSession) -> dict[str, ParticipantFact]:
        docs = await find_in(self._registrations, "_id", registration_ids, session=session)
        return {doc.pop("_id"): cast(ParticipantFact, doc) for doc in docs}

    async def keep_participant_facts(self, facts: dict[str, ParticipantFact], session: AsyncClientSession, *,
                                     stored: Collection[str]) -> None:
        """The latest fact of each registration: those read in this transaction (``stored``) replaced in
        one write, the others inserted in one (an insert costs the server less than an upsert)."""
        new = [{"_id": key, **fact} for key, fact in facts.items() if key not in stored]
        if new:
            await self._registrations.insert_many(new, ordered=False, session=session)
        replaced = [ReplaceOne({"_id": key}, {"_id": key, **fact}) for key, fact in facts.items() if key in stored]
        if replaced:
            await self._registrations.bulk_write(replaced, ordered=False, session=session)

    async def cooperative_counted(self, cooperative_id: str, session: AsyncClientSession) -> bool:
        return await self._cooperatives.find_one({"_id": cooperative_id}, session=session) is not None

    async def count_cooperative(self, cooperative_id: str, market_id: str, at: datetime,
                                session: AsyncClientSession) -> None:
        await self._cooperatives.replace_one(
            {"_id": cooperative_id}, {"_id": cooperative_id, "first_market_id": market_id, "first_at": at},
            upsert=True, session=session)

    async def sales_fact(self, declaration_id: str, session: AsyncClientSession) -> SalesFact | None:
        return cast(SalesFact | None, await self._sales.find_one({"_id": declaration_id}, {"_id": 0},
                                                                 session=session))

    async def keep_sales_fact(self, declaration_id: str, fact: SalesFact, session: AsyncClientSession) -> None:
        await self._sales.replace_one({"_id": declaration_id}, {"_id": declaration_id, **fact}, upsert=True,
                                      session=session)

    async def sales_totals(self, indicator_id: str, session: AsyncClientSession) -> SalesTotals | None:
        return cast(SalesTotals | None, await self._totals.find_one({"_id": indicator_id}, {"_id": 0},
                                                                    session=session))

    async def keep_sales_totals(self, indicator_id: str, totals: SalesTotals, session: AsyncClientSession) -> None:
        await self._totals.replace_one({"_id": indicator_id}, {"_id": indicator_id, **totals}, upsert=True,
                                       session=session)


def open_store(platform: Platform) -> RecommendationsStore:
    return RecommendationsStore(platform.db)
