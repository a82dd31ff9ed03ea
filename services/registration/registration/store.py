"""The only code that talks to MongoDB: conferences, registrations, scans, the mail queue.

``RegistrationStore`` is built once in the service's context; each query is a named method
and returns the stored models of ``registration.models``.
"""

import random
import re
from collections.abc import AsyncIterator, Collection, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from registration.models import CheckinConflict, Conference, QueuedMail, Registration, ScanRecord
from shared import audit
from shared.audit import Act
from shared.mongo import DUPLICATE_KEY, Document, Indexes, find_in, only_duplicates
from shared.platform import Platform
from shared.textsearch import folded_pattern

Db = AsyncDatabase[Document]
Session = AsyncClientSession | None

CONFERENCES = "conferences"
REGISTRATIONS = "registrations"
SCANS = "scans"
CONFLICTS = "checkin_conflicts"
MAILS = "mails"


def indexes() -> Indexes:
    found = Indexes()
    found.add(REGISTRATIONS,
              IndexModel([("conference_id", ASCENDING), ("email_normalized", ASCENDING)], unique=True,
                         name="one_registration_per_email"),
              IndexModel([("conference_id", ASCENDING), ("number", ASCENDING)], name="by_number"),
              IndexModel([("conference_id", ASCENDING), ("status", ASCENDING), ("category", ASCENDING),
                          ("number", ASCENDING)], name="waiting_list_order"),
              IndexModel([("conference_id", ASCENDING), ("category", ASCENDING), ("number", ASCENDING)],
                         name="by_category"),
              IndexModel([("conference_id", ASCENDING), ("region", ASCENDING), ("number", ASCENDING)],
                         name="by_region"))
    # The search's "checked in or not" filter is a range over nulls whose matches are sorted by
    # number anyway: through this index it was hardly faster than through ``by_number`` (306
    # against 356 ms at 12,000 registrations, local server), while every registration and every
    # check-in wrote it, the check-in changing its key.
    found.retire(REGISTRATIONS, "by_checkin")
    found.add(CONFERENCES, IndexModel([("starts_on", DESCENDING)], name="by_start"))
    found.add(CONFLICTS, IndexModel([("conference_id", ASCENDING), ("first_seen_at", ASCENDING)],
                                    name="conflicts_by_conference"))
    found.add(SCANS, IndexModel([("conference_id", ASCENDING), ("at", DESCENDING)], name="scans_by_time"))
    found.add(MAILS, IndexModel([("state", ASCENDING), ("due_at", ASCENDING)], name="due_mails"))
    return found


# Fields of a registration the statistics read: anonymous ones only.
ANONYMOUS = {"status": 1, "category": 1, "region": 1, "gender": 1, "age_band": 1, "checked_in_at": 1}


class RegistrationStore:
    @classmethod
    def of(cls, platform: Platform) -> "RegistrationStore":
        return cls(platform.db)

    def __init__(self, db: Db) -> None:
        self.db = db
        self.conferences = db[CONFERENCES]
        self.registrations = db[REGISTRATIONS]
        self.scans = db[SCANS]
        self.conflicts = db[CONFLICTS]
        self.mails = db[MAILS]

    async def ensure_indexes(self) -> None:
        await indexes().create(self.db)

    async def record_act(self, act: Act | None, *, action: str, object_type: str, object_id: str,
                         session: Session, at: datetime | None = None) -> None:
        """One entry of the audit log, in the same transaction as the change it records."""
        await audit.record(self.db, act, action=action, object_type=object_type, object_id=object_id,
                           session=session, at=at)

    # Conferences

    async def conference(self, conference_id: str, session: Session = None) -> Conference | None:
        return Conference.from_document(await self.conferences.find_one({"_id": conference_id}, session=session))

    async def conferences_by_id(self, conference_ids: Collection[str]) -> dict[str, Conference]:
        docs = await find_in(self.conferences, "_id", conference_ids)
        return {str(doc["_id"]): Conference.model_validate(doc) for doc in docs}

    async def add_conference(self, conference: Conference, session: Session) -> None:
        await self.conferences.insert_one(conference.to_document(), session=session)

    async def change_conference(self, conference_id: str, fields: Document, session: Session) -> Conference | None:
        return Conference.from_document(await self.conferences.find_one_and_update(
            {"_id": conference_id}, {"$set": fields}, return_document=ReturnDocument.AFTER, session=session))

    async def conferences_newest_first(self) -> list[Conference]:
        docs = await self.conferences.find({}).sort("starts_on", DESCENDING).to_list(500)
        return [Conference.model_validate(doc) for doc in docs]

    async def take_numbers(self, conference: Conference, seats: Mapping[str, int], session: Session, *,
                           numbers: int | None = None) -> bool:
        """The next ``numbers`` registration numbers (one per seat if not given) and ``seats`` seats per
        category, for registrations decided together.

        The filter repeats what the caller read, so a concurrent change since then makes
        this a no-op (False) rather than a lost update; inside the snapshot transaction it
        also raises a write conflict that retries the whole transaction.
        """
        held = sum(seats.values())
        inc: dict[str, int] = {"next_number": held if numbers is None else numbers, "taken": held}
        inc |= {f"taken_by_category.{category}": count for category, count in seats.items() if count}
        result = await self.conferences.update_one(
            {"_id": conference.id, "next_number": conference.next_number}, {"$inc": inc}, session=session)
        return result.modified_count == 1

    async def move_seat(self, conference_id: str, category: str, delta: int, session: Session) -> None:
        await self.conferences.update_one(
            {"_id": conference_id}, {"$inc": {"taken": delta, f"taken_by_category.{category}": delta}},
            session=session)

    # Registrations

    async def add_registrations(self, registrations: Sequence[Registration], session: Session) -> None:
        """Insert new registrations; an e-mail already registered raises ``DuplicateKeyError`` as one insert would."""
        try:
            await self.registrations.insert_many([reg.to_document() for reg in registrations], session=session)
        except BulkWriteError as exc:
            duplicate = next((e for e in exc.details.get("writeErrors", []) if e.get("code") == DUPLICATE_KEY), None)
            if duplicate is None:
                raise
            raise DuplicateKeyError(duplicate.get("errmsg", "duplicate key"), DUPLICATE_KEY, duplicate) from exc

    async def email_registered(self, conference_id: str, email_normalized: str, session: Session = None) -> bool:
        found = await self.registrations.find_one(
            {"conference_id": conference_id, "email_normalized": email_normalized}, {"_id": 1}, session=session)
        return found is not None

    async def emails_taken(self, conference_id: str, emails_normalized: list[str], session: Session) -> set[str]:
        docs = await find_in(self.registrations, "email_normalized", emails_normalized,
                             {"conference_id": conference_id}, {"email_normalized": 1}, session)
        return {doc["email_normalized"] for doc in docs}

    async def registration(self, registration_id: str, session: Session = None) -> Registration | None:
        return Registration.from_document(await self.registrations.find_one({"_id": registration_id},
                                                                            session=session))

    async def registrations_by_id(self, registration_ids: Sequence[str], session: Session) -> dict[str, Registration]:
        """Several registrations in one query (a scanner's batch), by id."""
        docs = await find_in(self.registrations, "_id", registration_ids, session=session)
        return {str(doc["_id"]): Registration.model_validate(doc) for doc in docs}

    async def check_in_many(self, fields_by_id: Mapping[str, Document], session: Session) -> None:
        """Check-ins decided together: each registration's fields, its version numbered as every change."""
        await self.registrations.bulk_write(
            [UpdateOne({"_id": rid}, {"$set": dict(fields), "$inc": {"version": 1}})
             for rid, fields in fields_by_id.items()], ordered=False, session=session)

    async def conference_of_registration(self, registration_id: str) -> str | None:
        found = await self.registrations.find_one({"_id": registration_id}, {"conference_id": 1})
        return None if found is None else str(found["conference_id"])

    async def change_registration(self, registration_id: str, fields: Document, session: Session, *,
                                  unset: list[str] | None = None) -> Registration | None:
        # Every change numbers the registration's next state in the same transaction: two
        # concurrent changes conflict and one runs again, so versions follow the commits.
        change: dict[str, Any] = {"$set": fields, "$inc": {"version": 1}}
        if unset:
            change["$unset"] = {name: "" for name in unset}
        # An update then a read by id, not findAndModify: the local server runs findAndModify
        # by scanning the whole collection (about 0.7 s at 20,000 documents), update and
        # find by id through the index. In the caller's transaction the two are one step.
        result = await self.registrations.update_one({"_id": registration_id}, change, session=session)
        if result.matched_count == 0:
            return None
        return await self.registration(registration_id, session)

    async def waitlisted(self, conference_id: str, session: Session, *, category: str | None = None,
                         limit: int = 1) -> list[Registration]:
        """The waiting list in arrival order (registration number), optionally of one category.

        An erased registration keeps its place in the counts but can no longer be reached nor
        use a seat (its tokens are revoked, its address gone): it is never promoted."""
        query: Document = {"conference_id": conference_id, "status": "waitlisted", "erased_at": None}
        if category is not None:
            query["category"] = category
        cursor = self.registrations.find(query, session=session).sort("number", ASCENDING).limit(limit)
        return [Registration.model_validate(doc) for doc in await cursor.to_list(limit)]

    async def search(self, conference_id: str, filters: "SearchFilters", *, skip: int, limit: int
                     ) -> tuple[list[Registration], int]:
        query = filters.query(conference_id)
        docs = await self.registrations.find(query).sort("number", ASCENDING).skip(skip).limit(limit).to_list(limit)
        return [Registration.model_validate(doc) for doc in docs], await self.registrations.count_documents(query)

    async def each_registration(self, conference_id: str) -> AsyncIterator[Registration]:
        cursor = self.registrations.find({"conference_id": conference_id}).sort("number", ASCENDING)
        async for doc in cursor:
            yield Registration.model_validate(doc)

    async def each_matching(self, conference_id: str, filters: "SearchFilters") -> AsyncIterator[Registration]:
        """The registrations a search finds, in arrival order, all of them (bulk badges and messages)."""
        cursor = self.registrations.find(filters.query(conference_id)).sort("number", ASCENDING)
        async for doc in cursor:
            yield Registration.model_validate(doc)

    async def count_matching(self, conference_id: str, filters: "SearchFilters") -> int:
        return await self.registrations.count_documents(filters.query(conference_id))

    async def each_anonymous_row(self, conference_id: str) -> AsyncIterator[Document]:
        """The anonymous fields of each registration (``ANONYMOUS``), for the statistics."""
        cursor = self.registrations.find({"conference_id": conference_id}, ANONYMOUS).sort("number", ASCENDING)
        async for doc in cursor:
            yield doc

    async def revoked_registration_ids(self, conference_id: str) -> list[str]:
        """Registrations of the conference whose badge must not open the gate: not confirmed, or erased."""
        query = {"conference_id": conference_id, "$or": [{"status": {"$ne": "confirmed"}},
                                                          {"erased_at": {"$ne": None}}]}
        return [doc["_id"] async for doc in self.registrations.find(query, {"_id": 1})]

    # Offline scans: one record per (device id, nonce) holds the answer given the first time.

    async def scan_results(self, scan_ids: Sequence[str], session: Session) -> dict[str, Document]:
        """The answers already given to these scans (a batch sent again), by scan id."""
        docs = await find_in(self.scans, "_id", scan_ids, projection={"result": 1}, session=session)
        return {str(doc["_id"]): doc["result"] for doc in docs}

    async def add_scans(self, scans: Sequence[ScanRecord], session: Session) -> None:
        try:
            await self.scans.insert_many([scan.to_document() for scan in scans], session=session)
        except BulkWriteError as exc:
            if only_duplicates(exc):
                raise DuplicateKeyError("scan recorded concurrently", DUPLICATE_KEY) from exc
            raise

    async def last_scans(self, conference_id: str, limit: int) -> list[ScanRecord]:
        docs = await self.scans.find({"conference_id": conference_id}).sort("at", DESCENDING).limit(limit
                                                                                                  ).to_list(limit)
        return [ScanRecord.model_validate(doc) for doc in docs]

    async def each_scan(self, conference_id: str) -> AsyncIterator[ScanRecord]:
        async for doc in self.scans.find({"conference_id": conference_id}).sort("at", ASCENDING):
            yield ScanRecord.model_validate(doc)

    # Conflicts of offline decisions: one document per (registration, kind), so each counts once.

    async def record_conflicts(self, conflicts: Mapping[str, tuple[Document, set[str]]], now: datetime,
                               session: Session) -> None:
        """Each conflict's first record kept, the devices that ran into it added."""
        await self.conflicts.bulk_write(
            [UpdateOne({"_id": cid}, {"$setOnInsert": {**fields, "first_seen_at": now},
                                      "$addToSet": {"devices": {"$each": sorted(devices)}}}, upsert=True)
             for cid, (fields, devices) in conflicts.items()], ordered=False, session=session)

    async def conflicts_of(self, conference_id: str) -> list[CheckinConflict]:
        docs = await self.conflicts.find({"conference_id": conference_id}).sort("first_seen_at", ASCENDING
                                                                                ).to_list(None)
        return [CheckinConflict.model_validate(doc) for doc in docs]

    async def count_conflicts(self, conference_id: str) -> int:
        return await self.conflicts.count_documents({"conference_id": conference_id})

    # Mail queue: one entry per participant message, keyed by the message id.

    async def enqueue_mail(self, mail: QueuedMail, session: Session) -> None:
        await self.mails.update_one({"_id": mail.id}, {"$setOnInsert": _queued(mail)}, upsert=True, session=session)

    async def add_mails(self, mails: Sequence[QueuedMail], session: Session) -> None:
        """New mails, queued in the transaction of the change that causes them (their ids are new)."""
        await self.mails.insert_many([_queued(mail) for mail in mails], session=session)

    async def claim_mails(self, mail_ids: Sequence[str], owner: str, now: datetime, lease: timedelta
                          ) -> list[QueuedMail]:
        """Take those of these mails that are due (pending, or 'sending' by a sender whose lease ran out).

        One conditional update through the ``_id`` index: of several senders reaching for the
        same mail, only one update matches it; what this one took is read back by its owner
        and its new due time, which only this claim wrote.
        """
        until = now + lease
        ids = list(mail_ids)
        await self.mails.update_many(
            {"_id": {"$in": ids}, "state": {"$in": ["pending", "sending"]}, "due_at": {"$lte": now}},
            {"$set": {"state": "sending", "owner": owner, "due_at": until}, "$inc": {"attempts": 1}})
        docs = await self.mails.find({"_id": {"$in": ids}, "owner": owner, "state": "sending", "due_at": until}
                                     ).to_list(None)
        return [QueuedMail.model_validate(doc) for doc in docs]

    async def claim_due_mails(self, owner: str, now: datetime, lease: timedelta, limit: int) -> list[QueuedMail]:
        """Take up to ``limit`` of the oldest due mails, found through the ``due_mails`` index.

        One state at a time (an equality walks the index); candidates are shuffled among
        twice as many, so that senders polling at once do not all reach for the same ones.
        Not findAndModify, which the local server runs by scanning every mail ever sent.
        """
        for state in ("pending", "sending"):
            found = await self.mails.find({"state": state, "due_at": {"$lte": now}}, {"_id": 1}).sort(
                "due_at", ASCENDING).limit(limit * 2).to_list()
            if found:
                ids = [doc["_id"] for doc in found]
                random.shuffle(ids)
                return await self.claim_mails(ids[:limit], owner, now, lease)
        return []

    async def settle_mails(self, owner: str, sent: Sequence[str], skipped: Sequence[str],
                           settled: Mapping[str, Document], now: datetime) -> None:
        """Write a batch's outcomes: sent, skipped, and each other mail's own fields (failed, or due again).

        Only while the mail is still this sender's: one whose lease ran out and that another
        sender took keeps that sender's state.
        """
        for state, ids in (("sent", sent), ("skipped", skipped)):
            if ids:
                await self.mails.update_many({"_id": {"$in": list(ids)}, "owner": owner},
                                             {"$set": {"state": state, "finished_at": now}})
        if settled:
            await self.mails.bulk_write([UpdateOne({"_id": mail_id, "owner": owner}, {"$set": dict(fields)})
                                         for mail_id, fields in settled.items()], ordered=False)

    async def count_queued_mails(self) -> int:
        """Mails still to send: waiting (first try or a retry) or being sent (through ``due_mails``)."""
        return await self.mails.count_documents({"state": {"$in": ["pending", "sending"]}})

    async def mail(self, mail_id: str) -> QueuedMail | None:
        return QueuedMail.from_document(await self.mails.find_one({"_id": mail_id}))


def _queued(mail: QueuedMail) -> Document:
    # Fields a sender sets later (owner, last_error...) are absent until then, not null.
    return {name: value for name, value in mail.to_document().items() if value is not None}


class SearchFilters:
    """What organizers search registrations by; None filters nothing."""

    def __init__(self, *, status: str | None = None, category: str | None = None, region: str | None = None,
                 checked_in: bool | None = None, q: str | None = None) -> None:
        self.status, self.category, self.region, self.checked_in, self.q = status, category, region, checked_in, q

    def query(self, conference_id: str) -> Document:
        query: Document = {"conference_id": conference_id}
        for name, value in (("status", self.status), ("category", self.category), ("region", self.region)):
            if value:
                query[name] = value
        if self.checked_in is not None:
            query["checked_in_at"] = {"$ne": None} if self.checked_in else None
        if self.q and self.q.strip():
            # Accents, alef forms and short vowels forgiven: "Etienne" finds "Étienne", "امينة" finds "أمينة".
            query["$or"] = [{"full_name": {"$regex": folded_pattern(self.q), "$options": "i"}},
                            {"email_normalized": {"$regex": re.escape(self.q.strip().casefold())}}]
        return query
