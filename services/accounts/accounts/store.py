"""The only code that talks to MongoDB: accounts, teams, sessions, sign-in challenges, device codes."""

from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from shared.mongo import Document, Indexes

Db = AsyncDatabase[Document]
Session = AsyncClientSession | None

ACCOUNTS = "accounts"
TEAMS = "teams"
SESSIONS = "sessions"
CHALLENGES = "challenges"
DEVICE_CODES = "device_codes"
LINKS = "links"


def indexes() -> Indexes:
    found = Indexes()
    found.add(ACCOUNTS, IndexModel([("email_normalized", ASCENDING)], unique=True, name="one_account_per_email"),
              IndexModel([("oidc_subject", ASCENDING)], name="by_oidc_subject"))
    found.add(TEAMS, IndexModel([("members", ASCENDING)], name="by_member"))
    found.add(SESSIONS, IndexModel([("refresh_hash", ASCENDING)], unique=True, name="by_refresh"),
              IndexModel([("account_id", ASCENDING), ("created_at", DESCENDING)], name="by_account"),
              IndexModel([("created_by", ASCENDING), ("created_at", DESCENDING)], name="by_creator"))
    found.add(CHALLENGES, IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0, name="expiry"))
    found.add(DEVICE_CODES, IndexModel([("expires_at", ASCENDING)], name="by_expiry"))
    found.add(LINKS, IndexModel([("account_id", ASCENDING), ("kind", ASCENDING)], name="by_account"))
    return found


# Accounts


async def insert_account(db: Db, doc: Document, session: Session = None) -> None:
    await db[ACCOUNTS].insert_one(doc, session=session)


async def get_account(db: Db, account_id: str, session: Session = None) -> Document | None:
    return await db[ACCOUNTS].find_one({"_id": account_id}, session=session)


async def find_account_by_email(db: Db, email_normalized: str) -> Document | None:
    return await db[ACCOUNTS].find_one({"email_normalized": email_normalized})


async def find_account_by_oidc(db: Db, subject: str) -> Document | None:
    return await db[ACCOUNTS].find_one({"oidc_subject": subject})


async def list_accounts(db: Db, limit: int = 500) -> list[Document]:
    return await db[ACCOUNTS].find().sort("email_normalized", ASCENDING).limit(limit).to_list()


async def update_account(db: Db, account_id: str, fields: Document, session: Session = None) -> Document | None:
    return await db[ACCOUNTS].find_one_and_update({"_id": account_id}, {"$set": fields},
                                                  return_document=ReturnDocument.AFTER, session=session)


async def record_failed_sign_in(db: Db, account_id: str, *, limit: int, lock_until: datetime) -> Document | None:
    """One more failure, counted atomically (parallel guesses each count); the limit-th sets the lock."""
    doc = await db[ACCOUNTS].find_one_and_update(
        {"_id": account_id}, {"$inc": {"failed_attempts": 1}}, return_document=ReturnDocument.AFTER)
    if doc is not None and doc["failed_attempts"] >= limit:
        doc = await db[ACCOUNTS].find_one_and_update(
            {"_id": account_id}, {"$set": {"locked_until": lock_until, "failed_attempts": 0}},
            return_document=ReturnDocument.AFTER)
    return doc


async def clear_failed_sign_ins(db: Db, account_id: str) -> None:
    await db[ACCOUNTS].update_one({"_id": account_id}, {"$set": {"failed_attempts": 0, "locked_until": None}})


async def use_totp_step(db: Db, account_id: str, step: int) -> bool:
    """Mark a TOTP time step used; False when it (or a later one) was already used: a replayed code."""
    result = await db[ACCOUNTS].update_one(
        {"_id": account_id, "$or": [{"totp_last_step": {"$lt": step}}, {"totp_last_step": None}]},
        {"$set": {"totp_last_step": step}})
    return result.modified_count == 1


# Teams


async def insert_team(db: Db, doc: Document) -> None:
    await db[TEAMS].insert_one(doc)


async def get_team(db: Db, team_id: str) -> Document | None:
    return await db[TEAMS].find_one({"_id": team_id})


async def list_teams(db: Db, limit: int = 500) -> list[Document]:
    return await db[TEAMS].find().sort("name", ASCENDING).limit(limit).to_list()


async def teams_of(db: Db, account_id: str) -> list[Document]:
    return await db[TEAMS].find({"members": account_id}).to_list()


async def add_member(db: Db, team_id: str, account_id: str) -> Document | None:
    return await db[TEAMS].find_one_and_update({"_id": team_id}, {"$addToSet": {"members": account_id}},
                                               return_document=ReturnDocument.AFTER)


async def remove_member(db: Db, team_id: str, account_id: str) -> Document | None:
    return await db[TEAMS].find_one_and_update({"_id": team_id}, {"$pull": {"members": account_id}},
                                               return_document=ReturnDocument.AFTER)


# Sessions


async def insert_session(db: Db, doc: Document) -> None:
    await db[SESSIONS].insert_one(doc)


async def get_session(db: Db, session_id: str) -> Document | None:
    return await db[SESSIONS].find_one({"_id": session_id})


async def find_session_by_refresh(db: Db, refresh_hash: str) -> Document | None:
    return await db[SESSIONS].find_one({"refresh_hash": refresh_hash})


async def touch_session(db: Db, session_id: str, now: datetime) -> None:
    await db[SESSIONS].update_one({"_id": session_id}, {"$set": {"last_used_at": now}})


async def revoke_session(db: Db, session_id: str, now: datetime, *, owner: dict[str, Any] | None = None) -> bool:
    """Revoke one session; ``owner`` (``{"account_id": ...}`` or ``{"created_by": ...}``) limits whose."""
    query: Document = {"_id": session_id, "revoked_at": None, **(owner or {})}
    result = await db[SESSIONS].update_one(query, {"$set": {"revoked_at": now}})
    return result.modified_count == 1


async def revoke_sessions_of(db: Db, account_id: str, now: datetime, *, keep: str | None = None) -> None:
    query: Document = {"account_id": account_id, "revoked_at": None}
    if keep:
        query["_id"] = {"$ne": keep}
    await db[SESSIONS].update_many(query, {"$set": {"revoked_at": now}})


async def active_sessions(db: Db, query: Document, now: datetime, limit: int = 100) -> list[Document]:
    return await db[SESSIONS].find({**query, "revoked_at": None, "expires_at": {"$gt": now}}).sort(
        "created_at", DESCENDING).limit(limit).to_list()


# Sign-in challenges (the step between the password and the second factor)


async def insert_challenge(db: Db, doc: Document) -> None:
    await db[CHALLENGES].insert_one(doc)


async def get_challenge(db: Db, challenge_id: str) -> Document | None:
    return await db[CHALLENGES].find_one({"_id": challenge_id})


async def update_challenge(db: Db, challenge_id: str, fields: Document) -> None:
    await db[CHALLENGES].update_one({"_id": challenge_id}, {"$set": fields})


async def take_challenge(db: Db, challenge_id: str) -> Document | None:
    return await db[CHALLENGES].find_one_and_delete({"_id": challenge_id})


# Device codes (a gate scanner signed in by an organizer)


async def insert_device_code(db: Db, doc: Document) -> None:
    await db[DEVICE_CODES].insert_one(doc)


async def claim_device_code(db: Db, code_hash: str, now: datetime) -> Document | None:
    """Use a device code once: two phones typing the same code cannot both get in."""
    return await db[DEVICE_CODES].find_one_and_update(
        {"_id": code_hash, "claimed_at": None, "expires_at": {"$gt": now}}, {"$set": {"claimed_at": now}},
        return_document=ReturnDocument.AFTER)


# Mailed links: invitations and password resets (kept by the digest of their token)


async def insert_link(db: Db, doc: Document) -> None:
    await db[LINKS].insert_one(doc)


async def get_link(db: Db, token_hash: str, kind: str, now: datetime) -> Document | None:
    return await db[LINKS].find_one({"_id": token_hash, "kind": kind, "used_at": None, "expires_at": {"$gt": now}})


async def use_link(db: Db, token_hash: str, kind: str, now: datetime) -> Document | None:
    """Spend a link once: a second use of the same mail finds nothing."""
    return await db[LINKS].find_one_and_update(
        {"_id": token_hash, "kind": kind, "used_at": None, "expires_at": {"$gt": now}}, {"$set": {"used_at": now}},
        return_document=ReturnDocument.AFTER)


async def retire_links(db: Db, account_id: str, kind: str, now: datetime) -> None:
    """An older link of the same kind stops working when a new one is sent."""
    await db[LINKS].update_many({"account_id": account_id, "kind": kind, "used_at": None},
                                {"$set": {"used_at": now}})
