"""Bulk work of the registration console run as background jobs (``shared.jobs``): badges of a
group as one PDF, and a message to a group. Each is started by a use case here (checked, audited)
and run by its handler, which may run again from the start: both are safe to repeat."""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pymongo.asynchronous.client_session import AsyncClientSession

from registration import admin, bulk_messages
from registration.bulk_messages import BulkMessage
from registration.context import RegistrationContext
from registration.domain import Category
from registration.service import get_conference
from shared.audit import Act
from shared.auth import Principal
from shared.i18n import Language
from shared.jobs import Job, JobHandler, JobResult, Progress, start_job

BADGES, MESSAGE = "registration.badges", "registration.message"


class BadgeBatch(BaseModel):
    """Which confirmed participants' badges, laid out how."""

    model_config = ConfigDict(extra="forbid")

    layout: Literal["a6", "a4"] = "a6"
    lang: Language | None = None
    category: Category | None = None
    q: str | None = Field(default=None, max_length=100)


def _scope(conference_id: str) -> str:
    return f"organizer:conference:{conference_id}"


async def start_badges(*, ctx: RegistrationContext, conference_id: str, batch: BadgeBatch, by: Principal) -> str:
    """Start drawing the badges of a group; the job's id (its page is ``/console/jobs/{id}``)."""
    await get_conference(ctx=ctx, conference_id=conference_id)
    return await start_job(ctx.platform, kind=BADGES, owner=by.sub, scope=_scope(conference_id),
                           params={"conference_id": conference_id, **batch.model_dump()})


async def start_message(*, ctx: RegistrationContext, conference_id: str, message: BulkMessage, by: Principal,
                        act: Act | None = None) -> str:
    """Start sending a message to a group (checked first: every recipient's language has its text)."""
    await bulk_messages.check_languages(ctx=ctx, conference_id=conference_id, message=message)

    async def work(session: AsyncClientSession) -> str:
        job_id = await start_job(ctx.platform, kind=MESSAGE, owner=by.sub, scope=_scope(conference_id),
                                 params={"conference_id": conference_id, "message": message.model_dump()},
                                 session=session)
        await ctx.store.record_act(act, action="registration.message", object_type="conference",
                                   object_id=conference_id, session=session)
        return job_id

    return await ctx.platform.transaction(work)


async def _badges(ctx: RegistrationContext, job: Job, progress: Progress) -> JobResult:
    params: dict[str, Any] = dict(job.params)
    conference_id = params.pop("conference_id")
    batch = BadgeBatch.model_validate(params)
    content = await admin.badges_pdf(ctx=ctx, conference_id=conference_id, lang=batch.lang, layout=batch.layout,
                                     category=batch.category, q=batch.q, progress=progress)
    return JobResult(filename=f"{conference_id}-badges-{batch.layout}.pdf", media_type="application/pdf",
                     content=content)


async def _message(ctx: RegistrationContext, job: Job, progress: Progress) -> JobResult:
    message = BulkMessage.model_validate(job.params["message"])
    queued = await bulk_messages.send_bulk_message(ctx=ctx, conference_id=job.params["conference_id"],
                                                   message=message, message_id=job.id, progress=progress)
    return JobResult(summary={"queued": queued})


HANDLERS: dict[str, JobHandler] = {BADGES: _badges, MESSAGE: _message}
