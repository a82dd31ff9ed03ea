"""Bulk work of the registration console run as background jobs (``shared.jobs``): badges of a
group as one PDF, a message to a group, and invitees imported from a file. Each is started by a use
case here (checked, audited) and run by its handler, which may run again from the start: all are
safe to repeat (an import taken again after a crash reports what it registered, registering nobody twice)."""

from dataclasses import asdict
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pymongo.asynchronous.client_session import AsyncClientSession

from registration import admin, bulk_messages, imports
from registration.bulk_messages import BulkMessage
from registration.context import RegistrationContext
from registration.domain import Category
from registration.service import get_conference
from shared.audit import Act
from shared.auth import Principal
from shared.errors import DomainError
from shared.i18n import Language
from shared.jobs import Job, JobHandler, JobResult, Progress, start_job

BADGES, MESSAGE, IMPORT = "registration.badges", "registration.message", "registration.import"


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


async def start_import(*, ctx: RegistrationContext, conference_id: str, filename: str, content: bytes, act: Act,
                       lang: str) -> str:
    """Start importing invitees from a file, kept with the job (at most ``imports.MAX_BYTES``); the
    report at the end speaks ``lang``."""
    await get_conference(ctx=ctx, conference_id=conference_id)
    if len(content) > imports.MAX_BYTES:
        raise DomainError("import_too_large")
    return await start_job(ctx.platform, kind=IMPORT, owner=act.actor_sub, scope=_scope(conference_id),
                           params={"conference_id": conference_id, "filename": filename[:200], "content": content,
                                   "lang": lang, "act": asdict(act)},
                           back=f"/console/conferences/{conference_id}", back_text="console_back_to_conference")


async def _import(ctx: RegistrationContext, job: Job, progress: Progress) -> JobResult:
    params: dict[str, Any] = job.params
    lang = str(params["lang"])
    rows = imports.read_rows(str(params["filename"]), bytes(params["content"]))
    await progress(0, len(rows))
    try:
        count = await imports.import_registrations(ctx=ctx, conference_id=str(params["conference_id"]), rows=rows,
                                                   act=Act(**params["act"]), run_id=job.id, progress=progress)
    except imports.ImportRefused as exc:
        faults = [{"import_row": e["row"], "import_field": e["field"], "import_problem": e["message"]}
                  for e in (error.described(lang) for error in exc.errors)]
        return JobResult.failed(exc, summary={"rows": faults})
    return JobResult(summary={"rows_read": len(rows), "imported": count})


HANDLERS: dict[str, JobHandler] = {BADGES: _badges, MESSAGE: _message, IMPORT: _import}
