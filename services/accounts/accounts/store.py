"""The only code that talks to MongoDB: accounts, teams, sessions, sign-in challenges, device codes, links."""

import re
from datetime import datetime

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from accounts.models import Account, Challenge, DeviceCode, Link, SignInSession, Team
from shared import audit
from shared.audit import Act
from shared.mongo import Document, Indexes
from shared.platform import Platform

Db = AsyncDatabase[Document]

ACCOUNTS = "accounts"
TEAMS = "teams"
SESSIONS = "sessions"
CHALLENGES = "challenges"
DEVICE_CODES = "device_codes"
LINKS = "links"
BY_EMAIL = [("email_normalized", ASCENDING), ("_id", ASCENDING)]
BY_NAME = [("name", ASCENDING), ("_id", ASCENDING)]
NEWEST_FIRST = [("created_at", DESCENDING), ("_id", ASCENDING)]


def indexes() -> Indexes:
    found = Indexes()
    found.add(ACCOUNTS, IndexModel([("email_normalized", ASCENDING)], unique=True, name="one_account_per_email"),
              IndexModel([("oidc_subject", ASCENDING)], name="by_oidc_subject"),
              IndexModel(BY_EMAIL, name="listed_by_email"))
    found.add(TEAMS, IndexModel([("members", ASCENDING)], name="by_member"),
              IndexModel(BY_NAME, name="listed_by_name"))
    found.add(SESSIONS, IndexModel([("refresh_hash", ASCENDING)], unique=True, name="by_refresh"),
              IndexModel([("account_id", ASCENDING), ("created_at", DESCENDING)], name="by_account"),
              IndexModel([("created_by", ASCENDING), ("created_at", DESCENDING)], name="by_creator"))
    found.add(CHALLENGES, IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0, name="expiry"))
    found.add(DEVICE_CODES, IndexModel([("expires_at", ASCENDING)], name="by_expiry"))
    found.add(LINKS, IndexModel([("account_id", ASCENDING), ("kind", ASCENDING)], name="by_account"),
              IndexModel([("kind", ASCENDING), *NEWEST_FIRST], name="by_kind_newest_first"))
    found.retire(LINKS, "by_kind")  # replaced by by_kind_newest_first
    return found


def _accounts(docs: list[Document]) -> list[Account]:
    return [Account.model_validate(doc) for doc in docs]


def _account_search(search: str) -> Document:
    """Accounts whose e-mail or name holds ``search`` (any case); every account when it is empty."""
    if not search:
        return {}
    pattern = {"$regex": re.escape(search), "$options": "i"}
    return {"$or": [{"email_normalized": pattern}, {"name": pattern}]}


class AccountsStore:
    """Named reads and writes of the accounts database; built once in the service's context."""

    def __init__(self, db: Db) -> None:
        self.db = db

    @classmethod
    def of(cls, platform: Platform) -> "AccountsStore":
        """The store of the platform's database."""
        return cls(platform.db)

    async def prepare(self) -> None:
        """Create the indexes (the service does it at startup; a one-off script calls this)."""
        await indexes().create(self.db)

    # Accounts

    async def insert_account(self, account: Account) -> None:
        await self.db[ACCOUNTS].insert_one(account.to_document())

    async def account(self, account_id: str) -> Account | None:
        return Account.from_document(await self.db[ACCOUNTS].find_one({"_id": account_id}))

    async def account_by_email(self, email_normalized: str) -> Account | None:
        return Account.from_document(await self.db[ACCOUNTS].find_one({"email_normalized": email_normalized}))

    async def account_by_oidc(self, subject: str) -> Account | None:
        return Account.from_document(await self.db[ACCOUNTS].find_one({"oidc_subject": subject}))

    async def accounts_page(self, *, search: str = "", skip: int, limit: int) -> list[Account]:
        """One page of the accounts by e-mail (then id: a total order, so pages neither overlap nor skip);
        ``search`` keeps those whose e-mail or name holds it (any case)."""
        cursor = self.db[ACCOUNTS].find(_account_search(search)).sort(BY_EMAIL).skip(skip).limit(limit)
        return _accounts(await cursor.to_list())

    async def count_accounts(self, *, search: str = "") -> int:
        return await self.db[ACCOUNTS].count_documents(_account_search(search))

    async def accounts_with_ids(self, account_ids: list[str]) -> list[Account]:
        cursor = self.db[ACCOUNTS].find({"_id": {"$in": account_ids}}).sort("email_normalized", ASCENDING)
        return _accounts(await cursor.to_list())

    async def _set_account(self, account_id: str, fields: Document) -> Account | None:
        return Account.from_document(await self.db[ACCOUNTS].find_one_and_update(
            {"_id": account_id}, {"$set": fields}, return_document=ReturnDocument.AFTER))

    async def set_disabled(self, account_id: str, disabled: bool) -> Account | None:
        return await self._set_account(account_id, {"disabled": disabled})

    async def clear_second_factor(self, account_id: str) -> Account | None:
        return await self._set_account(account_id, {"totp_secret": None, "totp_enabled": False,
                                                    "totp_last_step": None})

    async def enable_second_factor(self, account_id: str, secret: str) -> Account | None:
        return await self._set_account(account_id, {"totp_secret": secret, "totp_enabled": True})

    async def set_password_hash(self, account_id: str, password_hash: str) -> Account | None:
        return await self._set_account(account_id, {"password_hash": password_hash})

    async def link_oidc_subject(self, account_id: str, subject: str) -> Account | None:
        return await self._set_account(account_id, {"oidc_subject": subject})

    async def mark_signed_in(self, account_id: str, now: datetime) -> None:
        await self.db[ACCOUNTS].update_one({"_id": account_id}, {"$set": {"last_sign_in_at": now}})

    async def record_failed_sign_in(self, account_id: str, *, limit: int, lock_until: datetime) -> None:
        """One more failure, counted atomically (parallel guesses each count); the limit-th sets the lock."""
        doc = await self.db[ACCOUNTS].find_one_and_update(
            {"_id": account_id}, {"$inc": {"failed_attempts": 1}}, return_document=ReturnDocument.AFTER)
        if doc is not None and doc["failed_attempts"] >= limit:
            await self.db[ACCOUNTS].update_one({"_id": account_id},
                                               {"$set": {"locked_until": lock_until, "failed_attempts": 0}})

    async def clear_failed_sign_ins(self, account_id: str) -> None:
        await self.db[ACCOUNTS].update_one({"_id": account_id},
                                           {"$set": {"failed_attempts": 0, "locked_until": None}})

    async def use_totp_step(self, account_id: str, step: int) -> bool:
        """Mark a TOTP time step used; False when it (or a later one) was already used: a replayed code."""
        result = await self.db[ACCOUNTS].update_one(
            {"_id": account_id, "$or": [{"totp_last_step": {"$lt": step}}, {"totp_last_step": None}]},
            {"$set": {"totp_last_step": step}})
        return result.modified_count == 1

    # Teams

    async def insert_team(self, team: Team) -> None:
        await self.db[TEAMS].insert_one(team.to_document())

    async def team(self, team_id: str) -> Team | None:
        return Team.from_document(await self.db[TEAMS].find_one({"_id": team_id}))

    async def teams_page(self, *, skip: int, limit: int) -> list[Team]:
        """One page of the teams by name (then id: two teams may share a name)."""
        docs = await self.db[TEAMS].find().sort(BY_NAME).skip(skip).limit(limit).to_list()
        return [Team.model_validate(doc) for doc in docs]

    async def count_teams(self) -> int:
        return await self.db[TEAMS].count_documents({})

    async def teams_with_ids(self, team_ids: list[str]) -> list[Team]:
        docs = await self.db[TEAMS].find({"_id": {"$in": team_ids}}).sort(BY_NAME).to_list()
        return [Team.model_validate(doc) for doc in docs]

    async def teams_of(self, account_id: str) -> list[Team]:
        docs = await self.db[TEAMS].find({"members": account_id}).sort("name", ASCENDING).to_list()
        return [Team.model_validate(doc) for doc in docs]

    async def rename_team(self, team_id: str, *, name: str, scopes: list[str]) -> Team | None:
        return Team.from_document(await self.db[TEAMS].find_one_and_update(
            {"_id": team_id}, {"$set": {"name": name, "scopes": scopes}}, return_document=ReturnDocument.AFTER))

    async def add_member(self, team_id: str, account_id: str) -> Team | None:
        return Team.from_document(await self.db[TEAMS].find_one_and_update(
            {"_id": team_id}, {"$addToSet": {"members": account_id}}, return_document=ReturnDocument.AFTER))

    async def remove_member(self, team_id: str, account_id: str) -> Team | None:
        return Team.from_document(await self.db[TEAMS].find_one_and_update(
            {"_id": team_id}, {"$pull": {"members": account_id}}, return_document=ReturnDocument.AFTER))

    # Sessions

    async def insert_session(self, session: SignInSession) -> None:
        await self.db[SESSIONS].insert_one(session.to_document())

    async def session(self, session_id: str) -> SignInSession | None:
        return SignInSession.from_document(await self.db[SESSIONS].find_one({"_id": session_id}))

    async def session_by_refresh(self, refresh_hash: str) -> SignInSession | None:
        return SignInSession.from_document(await self.db[SESSIONS].find_one({"refresh_hash": refresh_hash}))

    async def touch_session(self, session_id: str, now: datetime) -> None:
        await self.db[SESSIONS].update_one({"_id": session_id}, {"$set": {"last_used_at": now}})

    async def revoke_own_session(self, session_id: str, now: datetime, *, account_id: str) -> bool:
        """Revoke one session of the account, or of a scanner it signed in; False when there is none open."""
        found = False
        for owner in ({"account_id": account_id}, {"created_by": account_id}):
            result = await self.db[SESSIONS].update_one({"_id": session_id, "revoked_at": None, **owner},
                                                        {"$set": {"revoked_at": now}})
            found = found or result.modified_count == 1
        return found

    async def revoke_session(self, session_id: str, now: datetime) -> None:
        await self.db[SESSIONS].update_one({"_id": session_id, "revoked_at": None}, {"$set": {"revoked_at": now}})

    async def revoke_sessions_of(self, account_id: str, now: datetime, *, keep: str | None = None) -> None:
        query: Document = {"account_id": account_id, "revoked_at": None}
        if keep:
            query["_id"] = {"$ne": keep}
        await self.db[SESSIONS].update_many(query, {"$set": {"revoked_at": now}})

    async def open_sessions_of(self, account_id: str, now: datetime, limit: int = 100) -> list[SignInSession]:
        """The account's own open sessions and those of the scanners it signed in, newest first."""
        found: list[SignInSession] = []
        for owner in ({"account_id": account_id}, {"created_by": account_id}):
            cursor = self.db[SESSIONS].find({**owner, "revoked_at": None, "expires_at": {"$gt": now}})
            docs = await cursor.sort("created_at", DESCENDING).limit(limit).to_list()
            found.extend(SignInSession.model_validate(doc) for doc in docs)
        return found

    # Sign-in challenges (the step between the password and the second factor)

    async def insert_challenge(self, challenge: Challenge) -> None:
        await self.db[CHALLENGES].insert_one(challenge.to_document())

    async def challenge(self, challenge_id: str) -> Challenge | None:
        return Challenge.from_document(await self.db[CHALLENGES].find_one({"_id": challenge_id}))

    async def count_challenge_attempt(self, challenge_id: str, attempts: int) -> None:
        await self.db[CHALLENGES].update_one({"_id": challenge_id}, {"$set": {"attempts": attempts}})

    async def take_challenge(self, challenge_id: str) -> Challenge | None:
        return Challenge.from_document(await self.db[CHALLENGES].find_one_and_delete({"_id": challenge_id}))

    # Device codes (a gate scanner signed in by an organizer)

    async def insert_device_code(self, code: DeviceCode) -> None:
        await self.db[DEVICE_CODES].insert_one(code.to_document())

    async def claim_device_code(self, code_hash: str, now: datetime) -> DeviceCode | None:
        """Use a device code once: two phones typing the same code cannot both get in."""
        return DeviceCode.from_document(await self.db[DEVICE_CODES].find_one_and_update(
            {"_id": code_hash, "claimed_at": None, "expires_at": {"$gt": now}}, {"$set": {"claimed_at": now}},
            return_document=ReturnDocument.AFTER))

    # Mailed links: invitations and password resets (kept by the digest of their token)

    async def insert_link(self, link: Link) -> None:
        await self.db[LINKS].insert_one(link.to_document())

    @staticmethod
    def _live(token_hash: str, kind: str, now: datetime) -> Document:
        return {"_id": token_hash, "kind": kind, "used_at": None, "withdrawn_at": None, "expires_at": {"$gt": now}}

    async def live_link(self, token_hash: str, kind: str, now: datetime) -> Link | None:
        return Link.from_document(await self.db[LINKS].find_one(self._live(token_hash, kind, now)))

    async def use_link(self, token_hash: str, kind: str, now: datetime) -> Link | None:
        """Spend a link once: a second use of the same mail finds nothing."""
        return Link.from_document(await self.db[LINKS].find_one_and_update(
            self._live(token_hash, kind, now), {"$set": {"used_at": now}}, return_document=ReturnDocument.AFTER))

    async def retire_links(self, account_id: str, kind: str, now: datetime) -> None:
        """An older link of the same kind stops working when a new one is sent."""
        await self.db[LINKS].update_many({"account_id": account_id, "kind": kind, "used_at": None,
                                          "withdrawn_at": None, "expires_at": {"$gt": now}},
                                         {"$set": {"withdrawn_at": now}})

    async def link(self, link_id: str, kind: str) -> Link | None:
        return Link.from_document(await self.db[LINKS].find_one({"_id": link_id, "kind": kind}))

    async def withdraw_link(self, link_id: str, kind: str, now: datetime) -> Link | None:
        return Link.from_document(await self.db[LINKS].find_one_and_update(
            {"_id": link_id, "kind": kind, "used_at": None, "withdrawn_at": None}, {"$set": {"withdrawn_at": now}},
            return_document=ReturnDocument.AFTER))

    async def links_page(self, kind: str, *, skip: int, limit: int) -> list[Link]:
        """One page of the links of a kind, newest first (then by id: links sent in the same instant)."""
        docs = await self.db[LINKS].find({"kind": kind}).sort(NEWEST_FIRST).skip(skip).limit(limit).to_list()
        return [Link.model_validate(doc) for doc in docs]

    async def count_links(self, kind: str) -> int:
        return await self.db[LINKS].count_documents({"kind": kind})

    # The audit log of administrators' acts

    async def record_act(self, act: Act | None, *, action: str, object_type: str, object_id: str) -> None:
        await audit.record(self.db, act, action=action, object_type=object_type, object_id=object_id)
