"""The only code that talks to MongoDB: one named method per query.

A stand's active assignment has ``_id = "<market_id>:<stand_number>"``, so two
transactions can never both give the same stand: the second insert fails on the
primary key (or conflicts and retries, then sees the stand taken). Released
assignments move to ``stand_history``.
"""

import re
from collections.abc import Mapping, Sequence
from datetime import datetime

from pymongo import ASCENDING, DESCENDING, IndexModel, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from marketplace.records import (
    Application,
    Assignment,
    Checkin,
    Cooperative,
    Invitation,
    Market,
    OfflineScanRecord,
    SalesDeclaration,
)
from shared import audit
from shared.audit import Act
from shared.mongo import DUPLICATE_KEY, Document, Indexes, find_in, only_duplicates
from shared.platform import Platform
from shared.textsearch import folded_pattern

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


def _present(**filters: str | None) -> Document:
    return {k: v for k, v in filters.items() if v}


class MarketplaceStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.db = db

    @classmethod
    def of(cls, platform: Platform) -> "MarketplaceStore":
        """The store on the platform's database."""
        return cls(platform.db)

    async def ensure_indexes(self) -> None:
        await indexes().create(self.db)

    async def record_act(self, act: Act | None, *, action: str, object_type: str, object_id: str,
                         session: Session = None, at: datetime | None = None) -> None:
        """The audit log entry of an organizer's act, in the act's transaction when it has one."""
        await audit.record(self.db, act, action=action, object_type=object_type, object_id=object_id,
                           session=session, at=at)

    # ---- cooperatives ------------------------------------------------------------
    async def insert_cooperative(self, cooperative: Cooperative, session: Session = None) -> None:
        await self.db.cooperatives.insert_one(cooperative.to_document(), session=session)

    async def cooperative(self, cooperative_id: str, session: Session = None) -> Cooperative | None:
        return Cooperative.from_document(await self.db.cooperatives.find_one({"_id": cooperative_id},
                                                                             session=session))

    async def cooperatives_by_id(self, ids: Sequence[str], session: Session = None) -> dict[str, Cooperative]:
        docs = await find_in(self.db.cooperatives, "_id", ids, session=session)
        return {d["_id"]: Cooperative.model_validate(d) for d in docs}

    @staticmethod
    def _cooperatives_query(text: str | None, region: str | None, sector: str | None) -> Document:
        query = _present(region=region, sector=sector)
        if text:
            pattern = {"$regex": folded_pattern(text), "$options": "i"}
            query["$or"] = [{f"name.{lang}": pattern} for lang in ("ar", "fr", "en")] + [
                {"register_number": {"$regex": "^" + re.escape(text.upper())}}]
        return query

    async def cooperatives_page(self, *, region: str | None, sector: str | None, skip: int, limit: int,
                                text: str | None = None) -> list[Cooperative]:
        """By register number; ``text`` finds a name (whatever its accents) or a register number's start."""
        cursor = self.db.cooperatives.find(self._cooperatives_query(text, region, sector))
        docs = await cursor.sort("register_number", ASCENDING).skip(skip).limit(limit).to_list()
        return [Cooperative.model_validate(d) for d in docs]

    async def count_cooperatives(self, *, region: str | None, sector: str | None, text: str | None = None) -> int:
        return await self.db.cooperatives.count_documents(self._cooperatives_query(text, region, sector))

    async def register_numbers_taken(self, numbers: Sequence[str], session: AsyncClientSession) -> set[str]:
        docs = await find_in(self.db.cooperatives, "register_number", numbers, projection={"register_number": 1},
                             session=session)
        return {d["register_number"] for d in docs}

    async def update_cooperative(self, cooperative_id: str, changes: Document) -> bool:
        result = await self.db.cooperatives.update_one({"_id": cooperative_id}, {"$set": changes})
        return result.matched_count == 1

    async def push_product(self, cooperative_id: str, product: Document) -> bool:
        result = await self.db.cooperatives.update_one({"_id": cooperative_id}, {"$push": {"products": product}})
        return result.matched_count == 1

    async def pull_product(self, cooperative_id: str, product_id: str) -> bool:
        result = await self.db.cooperatives.update_one(
            {"_id": cooperative_id, "products.product_id": product_id},
            {"$pull": {"products": {"product_id": product_id}}})
        return result.modified_count == 1

    # ---- invitations -------------------------------------------------------------
    async def insert_invitation(self, invitation: Invitation) -> None:
        await self.db.invitations.insert_one(invitation.to_document())

    async def invitation(self, token_hash: str) -> Invitation | None:
        return Invitation.from_document(await self.db.invitations.find_one({"_id": token_hash}))

    async def invitations_of(self, cooperative_id: str) -> list[Invitation]:
        """Newest first."""
        cursor = self.db.invitations.find({"cooperative_id": cooperative_id}).sort("created_at", DESCENDING)
        return [Invitation.model_validate(d) for d in await cursor.to_list()]

    async def drop_invitation(self, token_hash: str) -> None:
        await self.db.invitations.delete_one({"_id": token_hash})

    async def use_invitation(self, token_hash: str, now: datetime) -> Invitation | None:
        """Marks an unused, unexpired invitation used; one caller only ever wins."""
        return Invitation.from_document(await self.db.invitations.find_one_and_update(
            {"_id": token_hash, "used_at": None, "expires_at": {"$gt": now}}, {"$set": {"used_at": now}}))

    # ---- markets -----------------------------------------------------------------
    async def insert_market(self, market: Market, session: AsyncClientSession) -> None:
        await self.db.markets.insert_one(market.to_document(), session=session)

    async def market(self, market_id: str, session: Session = None) -> Market | None:
        return Market.from_document(await self.db.markets.find_one({"_id": market_id}, session=session))

    async def markets(self, *, circuit: str | None, kind: str | None, region: str | None) -> list[Market]:
        cursor = self.db.markets.find(_present(circuit=circuit, kind=kind, region=region))
        docs = await cursor.sort([("days", ASCENDING), ("_id", ASCENDING)]).to_list()
        return [Market.model_validate(d) for d in docs]

    # ---- applications ------------------------------------------------------------
    async def insert_application(self, application: Application, session: AsyncClientSession) -> None:
        await self.db.applications.insert_one(application.to_document(), session=session)

    async def application(self, application_id: str, session: Session = None) -> Application | None:
        return Application.from_document(await self.db.applications.find_one({"_id": application_id},
                                                                             session=session))

    async def first_application_of(self, cooperative_id: str, market_ids: Sequence[str]) -> Application | None:
        return Application.from_document(await self.db.applications.find_one(
            {"cooperative_id": cooperative_id, "market_id": {"$in": list(market_ids)}}))

    async def applications_by_id(self, ids: Sequence[str], session: Session = None) -> dict[str, Application]:
        docs = await find_in(self.db.applications, "_id", ids, session=session)
        return {d["_id"]: Application.model_validate(d) for d in docs}

    async def applications_in(self, market_id: str, statuses: Sequence[str],
                              session: Session = None) -> list[Application]:
        docs = await self.db.applications.find({"market_id": market_id, "status": {"$in": list(statuses)}},
                                               session=session).to_list()
        return [Application.model_validate(d) for d in docs]

    async def has_submitted(self, market_id: str) -> bool:
        return await self.db.applications.find_one({"market_id": market_id, "status": "submitted"}) is not None

    @staticmethod
    def _applications_query(market_id: str | None, status: str | None, cooperative_id: str | None,
                            visible_to: tuple[list[str], list[str]] | None) -> Document:
        query = _present(market_id=market_id, status=status, cooperative_id=cooperative_id)
        if visible_to is not None:
            markets, cooperatives = visible_to
            query["$or"] = [{"market_id": {"$in": markets}}, {"cooperative_id": {"$in": cooperatives}}]
        return query

    async def applications_matching(self, *, market_id: str | None, status: str | None,
                                    cooperative_id: str | None, visible_to: tuple[list[str], list[str]] | None,
                                    skip: int = 0, limit: int = 0) -> tuple[list[Application], int | None]:
        """Applications by submission time; ``visible_to`` (markets, cooperatives) keeps those of either.
        With a ``limit``, also how many match in all."""
        query = self._applications_query(market_id, status, cooperative_id, visible_to)
        cursor = self.db.applications.find(query).sort([("submitted_at", ASCENDING), ("_id", ASCENDING)])
        docs = await cursor.skip(skip).limit(limit).to_list()
        total = await self.db.applications.count_documents(query) if limit else None
        return [Application.model_validate(d) for d in docs], total

    async def update_application(self, application_id: str, fields: Document, session: AsyncClientSession, *,
                                 while_in: Sequence[str] | None = None) -> bool:
        """Set the fields of a decision; with ``while_in``, only if the status is still one of those."""
        query: Document = {"_id": application_id}
        if while_in is not None:
            query["status"] = {"$in": list(while_in)}
        result = await self.db.applications.update_one(query, {"$set": fields}, session=session)
        return result.matched_count == 1

    # ---- stands ------------------------------------------------------------------
    async def insert_assignment(self, assignment: Assignment, session: AsyncClientSession) -> None:
        await self.db.stand_assignments.insert_one(assignment.to_document(), session=session)

    async def assignment(self, market_id: str, stand_number: int, session: Session = None) -> Assignment | None:
        return Assignment.from_document(await self.db.stand_assignments.find_one(
            {"_id": f"{market_id}:{stand_number}"}, session=session))

    async def assignments_of_passes(self, pass_ids: Sequence[str], session: Session = None) -> dict[str, Assignment]:
        docs = await find_in(self.db.stand_assignments, "pass_id", pass_ids, session=session)
        return {d["pass_id"]: Assignment.model_validate(d) for d in docs}

    async def assignment_of_pass(self, pass_id: str, session: Session = None) -> Assignment | None:
        return Assignment.from_document(await self.db.stand_assignments.find_one({"pass_id": pass_id},
                                                                                 session=session))

    async def active_assignments(self, market_id: str, session: Session = None) -> list[Assignment]:
        docs = await self.db.stand_assignments.find({"market_id": market_id}, session=session).to_list()
        return [Assignment.model_validate(d) for d in docs]

    async def holds_stand(self, market_id: str, cooperative_id: str) -> bool:
        found = await self.db.stand_assignments.find_one({"market_id": market_id, "cooperative_id": cooperative_id})
        return found is not None

    async def release_assignment(self, assignment: Assignment, fields: Document,
                                 session: AsyncClientSession) -> None:
        await self.db.stand_assignments.delete_one({"_id": assignment.id}, session=session)
        history = {**assignment.to_document(), **fields, "_id": f"{assignment.id}:{assignment.pass_id}"}
        await self.db.stand_history.insert_one(history, session=session)

    async def revoked_pass_ids(self, market_id: str) -> list[str]:
        """Passes of the market released (withdrawn, stand changed) and not held again."""
        released = {doc["pass_id"] async for doc in self.db.stand_history.find({"market_id": market_id},
                                                                              {"pass_id": 1})}
        held = {a.pass_id for a in await self.active_assignments(market_id)}
        return sorted(released - held)

    # ---- check-ins ---------------------------------------------------------------
    async def checkin(self, checkin_id: str, session: Session = None) -> Checkin | None:
        return Checkin.from_document(await self.db.checkins.find_one({"_id": checkin_id}, session=session))

    async def checkins_by_id(self, checkin_ids: Sequence[str], session: Session = None) -> dict[str, Checkin]:
        docs = await find_in(self.db.checkins, "_id", checkin_ids, session=session)
        return {d["_id"]: Checkin.model_validate(d) for d in docs}

    async def insert_checkins(self, checkins: Sequence[Checkin], session: AsyncClientSession) -> None:
        await self.db.checkins.insert_many([c.to_document() for c in checkins], session=session)

    async def note_exhibited_many(self, days: Mapping[str, str], session: AsyncClientSession) -> None:
        """Each cooperative's latest day exhibited (as ``note_exhibited``), in one round trip."""
        await self.db.cooperatives.bulk_write([UpdateOne(
            {"_id": cid, "$or": [{"last_exhibited_on": None}, {"last_exhibited_on": {"$lt": day}}]},
            {"$set": {"last_exhibited_on": day}}) for cid, day in days.items()], ordered=False, session=session)

    async def checkins_at(self, market_id: str) -> list[Checkin]:
        docs = await self.db.checkins.find({"market_id": market_id}).to_list()
        return [Checkin.model_validate(d) for d in docs]

    async def has_checked_in(self, market_id: str, cooperative_id: str) -> bool:
        return await self.db.checkins.find_one({"market_id": market_id, "cooperative_id": cooperative_id}) is not None

    async def offline_scans_by_id(self, keys: Sequence[str], session: Session = None) -> dict[str, OfflineScanRecord]:
        docs = await find_in(self.db.offline_scans, "_id", keys, session=session)
        return {d["_id"]: OfflineScanRecord.model_validate(d) for d in docs}

    async def insert_offline_scans(self, records: Sequence[OfflineScanRecord], session: AsyncClientSession) -> None:
        try:
            await self.db.offline_scans.insert_many([r.to_document() for r in records], session=session)
        except BulkWriteError as exc:
            if only_duplicates(exc):
                raise DuplicateKeyError("offline scan recorded concurrently", DUPLICATE_KEY) from exc
            raise

    # ---- conflicts of offline gate decisions: one document per (pass, day, kind) -------
    async def record_conflicts(self, conflicts: Mapping[str, Document], device_id: str, now: datetime,
                               session: AsyncClientSession) -> None:
        await self.db.checkin_conflicts.bulk_write(
            [UpdateOne({"_id": cid}, {"$setOnInsert": {**fields, "first_seen_at": now},
                                      "$addToSet": {"devices": device_id}}, upsert=True)
             for cid, fields in conflicts.items()], ordered=False, session=session)

    async def checkin_conflicts(self, market_id: str) -> list[Document]:
        cursor = self.db.checkin_conflicts.find({"market_id": market_id}).sort("first_seen_at", ASCENDING)
        return await cursor.to_list(None)

    async def count_checkin_conflicts(self, market_id: str) -> int:
        return await self.db.checkin_conflicts.count_documents({"market_id": market_id})

    # ---- sales -------------------------------------------------------------------
    async def sales_declaration(self, declaration_id: str, session: Session = None) -> SalesDeclaration | None:
        return SalesDeclaration.from_document(await self.db.sales.find_one({"_id": declaration_id}, session=session))

    async def replace_sales(self, declaration: SalesDeclaration, session: AsyncClientSession) -> None:
        await self.db.sales.replace_one({"_id": declaration.id}, declaration.to_document(), upsert=True,
                                        session=session)

    async def sales_of(self, market_id: str, cooperative_id: str) -> list[SalesDeclaration]:
        cursor = self.db.sales.find({"market_id": market_id, "cooperative_id": cooperative_id}).sort("day", ASCENDING)
        return [SalesDeclaration.model_validate(d) for d in await cursor.to_list()]

    async def sales_at(self, market_id: str) -> list[SalesDeclaration]:
        cursor = self.db.sales.find({"market_id": market_id}).sort([("day", ASCENDING), ("cooperative_id", ASCENDING)])
        return [SalesDeclaration.model_validate(d) for d in await cursor.to_list()]

    async def all_sales(self) -> list[SalesDeclaration]:
        return [SalesDeclaration.model_validate(d) for d in await self.db.sales.find({}).to_list()]

