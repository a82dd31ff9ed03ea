"""The only code that talks to MongoDB: conferences, registrations, scans, the mail queue."""

import random
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from shared.mongo import Document, Indexes

Db = AsyncDatabase[Document]
Session = AsyncClientSession | None

CONFERENCES = "conferences"
REGISTRATIONS = "registrations"
SCANS = "scans"
CONFLICTS = "checkin_conflicts"
MAILS = "mails"
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
    found.add(MAILS, IndexModel([("state", ASCENDING), ("due_at", ASCENDING)], name="due_mails"))
    return found


# Conferences


async def get_conference(db: Db, conference_id: str, session: Session = None) -> Document | None:
    return await db[CONFERENCES].find_one({"_id": conference_id}, session=session)


async def insert_conference(db: Db, doc: Document, session: Session) -> None:
    await db[CONFERENCES].insert_one(doc, session=session)


async def update_conference(db: Db, conference_id: str, fields: Document, session: Session) -> Document | None:
    return await db[CONFERENCES].find_one_and_update(
        {"_id": conference_id}, {"$set": fields}, return_document=ReturnDocument.AFTER, session=session
    )


async def list_conferences(db: Db) -> list[Document]:
    return await db[CONFERENCES].find({}).sort("starts_on", DESCENDING).to_list(500)


async def take_number(db: Db, conference: Document, *, seat: str | None, session: Session) -> bool:
    """Give the next registration number and, if ``seat`` (a category), take a seat in it.

    The filter repeats what the caller read, so a concurrent change since then makes
    this a no-op (False) rather than a lost update; inside the snapshot transaction it
    also raises a write conflict that retries the whole transaction.
    """
    inc: dict[str, int] = {"next_number": 1}
    if seat is not None:
        inc |= {"taken": 1, f"taken_by_category.{seat}": 1}
    result = await db[CONFERENCES].update_one(
        {"_id": conference["_id"], "next_number": conference.get("next_number", 0)}, {"$inc": inc},
        session=session,
    )
    return result.modified_count == 1


async def take_numbers(db: Db, conference: Document, seats: dict[str, int], session: Session) -> bool:
    """Numbers and seats for several registrations at once (an import); a no-op (False) if the
    conference changed since it was read, as in ``take_number``."""
    inc: dict[str, int] = {"next_number": sum(seats.values()), "taken": sum(seats.values())}
    inc |= {f"taken_by_category.{category}": count for category, count in seats.items()}
    result = await db[CONFERENCES].update_one(
        {"_id": conference["_id"], "next_number": conference.get("next_number", 0)}, {"$inc": inc},
        session=session,
    )
    return result.modified_count == 1


async def move_seat(db: Db, conference_id: str, category: str, delta: int, session: Session) -> None:
    await db[CONFERENCES].update_one(
        {"_id": conference_id}, {"$inc": {"taken": delta, f"taken_by_category.{category}": delta}},
        session=session,
    )


# Registrations


async def insert_registration(db: Db, doc: Document, session: Session) -> None:
    await db[REGISTRATIONS].insert_one(doc, session=session)


async def find_by_email(db: Db, conference_id: str, email_normalized: str, session: Session) -> Document | None:
    return await db[REGISTRATIONS].find_one(
        {"conference_id": conference_id, "email_normalized": email_normalized}, {"_id": 1}, session=session
    )


async def emails_taken(db: Db, conference_id: str, emails_normalized: list[str], session: Session) -> set[str]:
    cursor = db[REGISTRATIONS].find(
        {"conference_id": conference_id, "email_normalized": {"$in": emails_normalized}}, {"email_normalized": 1},
        session=session)
    return {doc["email_normalized"] async for doc in cursor}


async def get_registration(db: Db, registration_id: str, session: Session = None) -> Document | None:
    return await db[REGISTRATIONS].find_one({"_id": registration_id}, session=session)


async def update_registration(
    db: Db, registration_id: str, fields: Document, session: Session, *, unset: list[str] | None = None
) -> Document | None:
    # Every change numbers the registration's next state in the same transaction: two
    # concurrent changes conflict and one runs again, so versions follow the commits.
    change: dict[str, Any] = {"$set": fields, "$inc": {"version": 1}}
    if unset:
        change["$unset"] = {name: "" for name in unset}
    # An update then a read by id, not findAndModify: the local server runs findAndModify
    # by scanning the whole collection (about 0.7 s at 20,000 documents), update and
    # find by id through the index. In the caller's transaction the two are one step.
    result = await db[REGISTRATIONS].update_one({"_id": registration_id}, change, session=session)
    if result.matched_count == 0:
        return None
    return await db[REGISTRATIONS].find_one({"_id": registration_id}, session=session)


async def waitlisted(db: Db, conference_id: str, session: Session, *, category: str | None = None,
                     limit: int = 1) -> list[Document]:
    """The waiting list in arrival order (registration number), optionally of one category.

    An erased registration keeps its place in the counts but can no longer be reached nor
    use a seat (its tokens are revoked, its address gone): it is never promoted."""
    query: Document = {"conference_id": conference_id, "status": "waitlisted", "erased_at": None}
    if category is not None:
        query["category"] = category
    cursor = db[REGISTRATIONS].find(query, session=session).sort("number", ASCENDING).limit(limit)
    return await cursor.to_list(limit)


async def search_registrations(db: Db, query: Document, *, skip: int, limit: int) -> tuple[list[Document], int]:
    items = await db[REGISTRATIONS].find(query).sort("number", ASCENDING).skip(skip).limit(limit).to_list(limit)
    return items, await db[REGISTRATIONS].count_documents(query)


async def each_registration(db: Db, conference_id: str, projection: Document | None = None
                            ) -> AsyncIterator[Document]:
    cursor = db[REGISTRATIONS].find({"conference_id": conference_id}, projection).sort("number", ASCENDING)
    async for doc in cursor:
        yield doc


# Offline scans: one record per (device id, nonce) holds the answer given the first time.


async def get_scan(db: Db, scan_id: str, session: Session) -> Document | None:
    return await db[SCANS].find_one({"_id": scan_id}, session=session)


async def insert_scan(db: Db, doc: Document, session: Session) -> None:
    await db[SCANS].insert_one(doc, session=session)


async def revoked_registration_ids(db: Db, conference_id: str) -> list[str]:
    """Registrations of the conference whose badge must not open the gate: not confirmed, or erased."""
    query = {"conference_id": conference_id, "$or": [{"status": {"$ne": "confirmed"}},
                                                      {"erased_at": {"$ne": None}}]}
    return [doc["_id"] async for doc in db[REGISTRATIONS].find(query, {"_id": 1})]


# Conflicts of offline decisions: one document per (registration, kind), so each counts once.


async def record_conflict(db: Db, conflict_id: str, fields: Document, device_id: str, now: datetime,
                          session: Session) -> None:
    await db[CONFLICTS].update_one(
        {"_id": conflict_id}, {"$setOnInsert": {**fields, "first_seen_at": now}, "$addToSet": {"devices": device_id}},
        upsert=True, session=session)


async def list_conflicts(db: Db, conference_id: str) -> list[Document]:
    return await db[CONFLICTS].find({"conference_id": conference_id}).sort("first_seen_at", ASCENDING).to_list(None)


async def count_conflicts(db: Db, conference_id: str) -> int:
    return await db[CONFLICTS].count_documents({"conference_id": conference_id})


# Mail queue: one entry per participant message, keyed by the message id.


async def enqueue_mail(db: Db, doc: Document, session: Session) -> None:
    await db[MAILS].update_one({"_id": doc["_id"]}, {"$setOnInsert": doc}, upsert=True, session=session)


async def claim_due_mail(db: Db, owner: str, now: datetime, lease: timedelta) -> Document | None:
    """Take one due mail: pending, or 'sending' by a sender whose lease ran out (it crashed).

    Read the oldest due ones through the ``due_mails`` index (one state at a time: an
    equality walks the index), then take one with a conditional update that only
    succeeds while it is still in the state and due time read: of several senders
    reaching for the same mail, one wins and the others try the next. Not findAndModify,
    which the local server runs by scanning every mail ever sent.
    """
    for state in ("pending", "sending"):
        candidates = await db[MAILS].find({"state": state, "due_at": {"$lte": now}}).sort(
            "due_at", ASCENDING).limit(CLAIM_CANDIDATES).to_list()
        random.shuffle(candidates)  # senders polling at once do not all reach for the oldest
        for mail in candidates:
            taken = await db[MAILS].update_one(
                {"_id": mail["_id"], "state": state, "due_at": mail["due_at"]},
                {"$set": {"state": "sending", "owner": owner, "due_at": now + lease}, "$inc": {"attempts": 1}},
            )
            if taken.modified_count == 1:
                return mail | {"state": "sending", "owner": owner, "due_at": now + lease,
                               "attempts": mail.get("attempts", 0) + 1}
    return None


async def finish_mail(db: Db, mail_id: str, owner: str, state: str, now: datetime, error: str | None = None
                      ) -> None:
    fields: Document = {"state": state, "finished_at": now}
    if error is not None:
        fields["last_error"] = error[:500]
    await db[MAILS].update_one({"_id": mail_id, "owner": owner}, {"$set": fields})


async def count_queued_mails(db: Db) -> int:
    """Mails still to send: waiting (first try or a retry) or being sent (through ``due_mails``)."""
    return await db[MAILS].count_documents({"state": {"$in": ["pending", "sending"]}})


async def retry_mail(db: Db, mail_id: str, owner: str, due_at: datetime, error: str) -> None:
    await db[MAILS].update_one({"_id": mail_id, "owner": owner},
                               {"$set": {"state": "pending", "due_at": due_at, "last_error": error[:500]}})


async def get_mail(db: Db, mail_id: str) -> Document | None:
    return await db[MAILS].find_one({"_id": mail_id})
