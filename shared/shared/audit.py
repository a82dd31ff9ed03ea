"""The audit log: who did what to which object, when and from where, in the service that owns it.

Each organizer act (a decision, an erasure, an edit, a status change, an allocation run,
a release) appends one entry to the service's ``audit_log`` collection, inside the act's
own transaction when it has one, so an act and its entry commit or vanish together.
An entry names the object by type and id only: never the object's personal data, so
erasing a participant leaves the entry (who erased which registration) intact.
Administrators read the log through ``GET /admin/audit``.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel
from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from shared.auth import Admin, Principal
from shared.envelope import utcnow
from shared.mongo import Document, Indexes
from shared.observability import current_correlation_id
from shared.timezones import Moment

AUDIT_LOG = "audit_log"
USER_AGENT_MAX = 300


@dataclass(frozen=True)
class Act:
    """Who acts and from where: taken from the request, handed to the use case that records it."""

    actor_sub: str
    actor_name: str | None
    client_address: str | None
    user_agent: str | None
    correlation_id: str | None

    @classmethod
    def of(cls, request: Request, principal: Principal) -> "Act":
        agent = request.headers.get("user-agent")
        return cls(actor_sub=principal.sub, actor_name=principal.name,
                   client_address=request.client.host if request.client else None,
                   user_agent=agent[:USER_AGENT_MAX] if agent else None,
                   correlation_id=current_correlation_id())

    @classmethod
    def system(cls, name: str) -> "Act":
        return cls(actor_sub=f"system:{name}", actor_name=None, client_address=None, user_agent=None,
                   correlation_id=current_correlation_id())


class AuditEntry(BaseModel):
    id: str
    at: datetime
    actor_sub: str
    actor_name: str | None
    action: str
    object_type: str
    object_id: str
    client_address: str | None
    user_agent: str | None
    correlation_id: str | None


class AuditPage(BaseModel):
    items: list[AuditEntry]
    total: int
    page: int
    page_size: int


def audit_indexes(indexes: Indexes) -> None:
    indexes.add(AUDIT_LOG, IndexModel([("at", DESCENDING)]), IndexModel([("actor_sub", ASCENDING), ("at", DESCENDING)]),
                IndexModel([("object_type", ASCENDING), ("object_id", ASCENDING), ("at", DESCENDING)]))


async def record(db: AsyncDatabase[Document], act: Act | None, *, action: str, object_type: str, object_id: str,
                 session: AsyncClientSession | None = None, at: datetime | None = None) -> None:
    """Append one entry; ``act`` None (a loader, a test calling the use case directly) records nothing."""
    if act is None:
        return
    entry = {"_id": uuid.uuid4().hex, "at": at or utcnow(), "action": action, "object_type": object_type,
             "object_id": object_id, "actor_sub": act.actor_sub, "actor_name": act.actor_name,
             "client_address": act.client_address, "user_agent": act.user_agent,
             "correlation_id": act.correlation_id}
    await db[AUDIT_LOG].insert_one(entry, session=session)


async def search(db: AsyncDatabase[Document], *, actor: str | None, object_type: str | None,
                 object_id: str | None, since: datetime | None, until: datetime | None, page: int,
                 page_size: int) -> AuditPage:
    query: dict[str, Any] = {k: v for k, v in (("actor_sub", actor), ("object_type", object_type),
                                                ("object_id", object_id)) if v is not None}
    if since is not None or until is not None:
        query["at"] = {**({"$gte": since} if since else {}), **({"$lt": until} if until else {})}
    total = await db[AUDIT_LOG].count_documents(query)
    cursor = db[AUDIT_LOG].find(query).sort([("at", DESCENDING), ("_id", DESCENDING)])
    docs = await cursor.skip((page - 1) * page_size).limit(page_size).to_list()
    items = [AuditEntry(id=d.pop("_id"), **d) for d in docs]
    return AuditPage(items=items, total=total, page=page, page_size=page_size)


def audit_router() -> APIRouter:
    """``GET /admin/audit`` for a service: administrators only, newest first."""
    router = APIRouter(tags=["audit"])

    @router.get("/admin/audit", response_model=AuditPage)
    async def read_audit_log(
        request: Request, who: Admin, actor: Annotated[str | None, Query(max_length=200)] = None,
        object_type: Annotated[str | None, Query(max_length=50)] = None,
        object_id: Annotated[str | None, Query(max_length=200)] = None,
        since: Moment | None = None, until: Moment | None = None,
        page: Annotated[int, Query(ge=1, le=10_000)] = 1, page_size: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> AuditPage:
        """The audit log (who did what to which object, when, from where), filtered and paginated."""
        return await search(request.app.state.platform.db, actor=actor, object_type=object_type,
                            object_id=object_id, since=since, until=until, page=page, page_size=page_size)

    return router
