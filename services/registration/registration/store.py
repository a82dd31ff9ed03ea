"""The only code that talks to MongoDB: conferences, registrations, scans, the mail queue.

``RegistrationStore`` is built once in the service's context; each query is a named method
and returns the stored models of ``registration.models``.
"""

import random
import re
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from registration.models import CheckinConflict, Conference, QueuedMail, Registration, ScanRecord
from shared import audit
from shared.audit import Act
from shared.mongo import Document, Indexes
from shared.platform import Platform
from shared.textsearch import folded_pattern

Db = AsyncDatabase[Document]
Session = AsyncClientSession | None

CONFERENCES = "conferences"
REGISTRATIONS = "registrations"
SCANS = "scans"
CONFLICTS = "checkin_conflicts"
MAILS = "mails"
DUPLICATE_KEY = 11000
# Due mails a sender reads before taking one of them (see claim_due_mail).
CLAIM_CANDIDATES = 8


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
                         name="by_region"),
              IndexModel([("conference_id", ASCENDING), ("checked_in_at", ASCENDING)], name="by_checkin"))
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
        cursor = self.registrations.find(
            {"conference_id": conference_id, "email_normalized": {"$in": emails_normalized}},
            {"email_normalized": 1}, session=session)
        return {doc["email_normalized"] async for doc in cursor}

    async def registration(self, registration_id: str, session: Session = None) -> Registration | None:
        return Registration.from_document(await self.registrations.find_one({"_id": registration_id},
                                                                            session=session))

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

    async def scan(self, scan_id: str, session: Session) -> ScanRecord | None:
        return ScanRecord.from_document(await self.scans.find_one({"_id": scan_id}, session=session))

    async def add_scan(self, scan: ScanRecord, session: Session) -> None:
        await self.scans.insert_one(scan.to_document(), session=session)

    async def last_scans(self, conference_id: str, limit: int) -> list[ScanRecord]:
        docs = await self.scans.find({"conference_id": conference_id}).sort("at", DESCENDING).limit(limit
                                                                                                  ).to_list(limit)
        return [ScanRecord.model_validate(doc) for doc in docs]

    async def each_scan(self, conference_id: str) -> AsyncIterator[ScanRecord]:
        async for doc in self.scans.find({"conference_id": conference_id}).sort("at", ASCENDING):
            yield ScanRecord.model_validate(doc)

    # Conflicts of offline decisions: one document per (registration, kind), so each counts once.

    async def record_conflict(self, conflict_id: str, fields: Document, device_id: str, now: datetime,
                              session: Session) -> None:
        await self.conflicts.update_one(
            {"_id": conflict_id},
            {"$setOnInsert": {**fields, "first_seen_at": now}, "$addToSet": {"devices": device_id}},
            upsert=True, session=session)

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

    async def claim_due_mail(self, owner: str, now: datetime, lease: timedelta) -> QueuedMail | None:
        """Take one due mail: pending, or 'sending' by a sender whose lease ran out (it crashed).

        Read the oldest due ones through the ``due_mails`` index (one state at a time: an
        equality walks the index), then take one with a conditional update that only
        succeeds while it is still in the state and due time read: of several senders
        reaching for the same mail, one wins and the others try the next. Not findAndModify,
        which the local server runs by scanning every mail ever sent.
        """
        for state in ("pending", "sending"):
            candidates = await self.mails.find({"state": state, "due_at": {"$lte": now}}).sort(
                "due_at", ASCENDING).limit(CLAIM_CANDIDATES).to_list()
            random.shuffle(candidates)  # senders polling at once do not all reach for the oldest
            for mail in candidates:
                taken = await self.mails.update_one(
                    {"_id": mail["_id"], "state": state, "due_at": mail["due_at"]},
                    {"$set": {"state": "sending", "owner": owner, "due_at": now + lease}, "$inc": {"attempts": 1}})
                if taken.modified_count == 1:
                    return QueuedMail.model_validate(mail | {"state": "sending", "owner": owner,
                                                             "due_at": now + lease,
                                                             "attempts": mail.get("attempts", 0) + 1})
        return None

    async def finish_mail(self, mail_id: str, owner: str, state: str, now: datetime, error: str | None = None
                          ) -> None:
        fields: Document = {"state": state, "finished_at": now}
        if error is not None:
            fields["last_error"] = error[:500]
        await self.mails.update_one({"_id": mail_id, "owner": owner}, {"$set": fields})

    async def count_queued_mails(self) -> int:
        """Mails still to send: waiting (first try or a retry) or being sent (through ``due_mails``)."""
        return await self.mails.count_documents({"state": {"$in": ["pending", "sending"]}})

    async def retry_mail(self, mail_id: str, owner: str, due_at: datetime, error: str) -> None:
        await self.mails.update_one({"_id": mail_id, "owner": owner},
                                    {"$set": {"state": "pending", "due_at": due_at, "last_error": error[:500]}})

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
