"""Long work started from the console (imports, badge PDFs, bulk mail, allocation), run in the
background with its progress stored, so that the page that started it can be left and come back to.

A service names its handlers in ``ServiceSpec.jobs`` (kind -> handler); a use case calls
``start_job`` (inside its transaction if it has one) and sends the organizer to
``/console/jobs/{id}``. One worker per process claims pending jobs with a lease renewed
while the handler runs: a job whose process died is taken again once its lease has run out,
so handlers must be safe to run again from the start. A handler that keeps killing its
process is given up after ``MAX_ATTEMPTS`` claims.
"""

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from fastapi import APIRouter
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import PyMongoError

from shared import jobs_store as store
from shared.documents import Stored, utcnow
from shared.errors import DomainError
from shared.i18n import register_messages
from shared.mongo import after_commit
from shared.tasks import cancel_and_wait

if TYPE_CHECKING:
    from shared.platform import Platform

log = logging.getLogger(__name__)

JobState = Literal["pending", "running", "done", "failed"]
FINISHED: tuple[JobState, ...] = ("done", "failed")
# A progress write at most every this many seconds: a handler may report each row.
PROGRESS_EVERY_SECONDS = 0.5
MAX_ATTEMPTS = 3


class Job(Stored):
    """One piece of long work: who asked for it, under which scope, and where it stands."""

    kind: str
    owner: str
    scope: str
    params: dict[str, Any] = {}
    state: JobState = "pending"
    done: int = 0
    total: int = 0
    created_at: datetime
    finished_at: datetime | None = None
    attempts: int = 0
    error: str | None = None
    error_params: dict[str, Any] = {}
    summary: dict[str, Any] | None = None
    filename: str | None = None
    media_type: str | None = None
    size: int = 0
    # The run (the claim, counted by ``attempts``) whose chunks make the file.
    file_run: int = 0
    # The console screen the job was started from (a path), and the text code of the link back to it.
    back: str | None = None
    back_text: str | None = None

    @property
    def finished(self) -> bool:
        return self.state in FINISHED

    @property
    def has_file(self) -> bool:
        return self.filename is not None


@dataclass
class JobResult:
    """What a handler leaves: a file to download, a small summary, and/or an error code.

    ``summary`` is small JSON (counts, ``rows``: a list of dicts shown as a table). An
    ``error`` (a ``DomainError`` code with its ``error_params``) ends the job ``failed``;
    raising a ``DomainError`` does the same."""

    filename: str | None = None
    media_type: str = "application/octet-stream"
    content: bytes | None = None
    summary: dict[str, Any] | None = None
    error: str | None = None
    error_params: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def failed(cls, exc: DomainError, summary: dict[str, Any] | None = None) -> "JobResult":
        return cls(error=exc.code, error_params=dict(exc.params), summary=summary)


class Progress:
    """``await progress(done, total)``: stored at most every half second; a figure held back by
    that pause is written when it ends, so the page never stays behind a handler that waits."""

    def __init__(self, write: Callable[[int, int], Awaitable[None]]) -> None:
        self._write = write
        self._last = 0.0
        self._later: asyncio.Task[None] | None = None
        self.done = 0
        self.total = 0

    async def __call__(self, done: int, total: int) -> None:
        self.done, self.total = max(0, done), max(0, total)
        wait = self._last + PROGRESS_EVERY_SECONDS - time.monotonic()
        if wait <= 0:
            await self._flush()
        elif self._later is None:
            self._later = asyncio.create_task(self._flush_after(wait), name="job-progress")

    async def _flush(self) -> None:
        self._last = time.monotonic()
        await self._write(self.done, self.total)

    async def _flush_after(self, wait: float) -> None:
        await asyncio.sleep(wait)
        self._later = None
        try:
            await self._flush()
        except Exception:  # noqa: BLE001 - a figure lost; the next one or the end writes again
            log.warning("job progress not stored", exc_info=True)

    async def close(self) -> None:
        await cancel_and_wait(self._later)


JobHandler = Callable[[Any, Job, Progress], Awaitable[JobResult]]


async def start_job(platform: "Platform", *, kind: str, owner: str, scope: str, params: dict[str, Any],
                    session: AsyncClientSession | None = None, back: str | None = None,
                    back_text: str | None = None) -> str:
    """Store a pending job and return its id; inside a transaction when ``session`` is given.

    ``back`` (a console path) and ``back_text`` (a text code) make the job page's link back."""
    job_id = uuid.uuid4().hex
    now = utcnow()
    job = Job(id=job_id, kind=kind, owner=owner, scope=scope, params=params, created_at=now, back=back,
              back_text=back_text)
    await store.insert_job(platform.db, job.to_document(), lease_until=now, session=session)
    # Committed at once without a session; with one, once its transaction commits (not before: the
    # worker would not see the job yet). Only then: a wake-up costs the worker a claim query.
    if session is None:
        platform.jobs_wake.set()
    else:
        after_commit(session, platform.jobs_wake.set)
    return job_id


async def job_outcome(platform: "Platform", job_id: str,
                      session: AsyncClientSession | None = None) -> dict[str, Any] | None:
    """What an earlier run of this job recorded with ``record_job_outcome``, if one committed."""
    return await store.find_outcome(platform.db, job_id, session)


async def record_job_outcome(platform: "Platform", job_id: str, outcome: dict[str, Any],
                             session: AsyncClientSession) -> None:
    """Record, in the transaction of the job's work, what it did (small JSON): a run taken again after
    a crash finds it with ``job_outcome`` and reports it instead of doing the work twice. Two runs
    committing at once collide on the job's id (``DuplicateKeyError``): one of them is undone."""
    await store.insert_outcome(platform.db, job_id, outcome, utcnow(), session)


async def read_job(platform: "Platform", job_id: str) -> Job | None:
    return Job.from_document(await store.find_job(platform.db, job_id))


async def recent_jobs(platform: "Platform", owner: str, limit: int = 50) -> list[Job]:
    return [Job.model_validate(doc) for doc in await store.jobs_of(platform.db, owner, limit)]


def jobs_console_router() -> APIRouter:
    """``/console/jobs``: a job's progress page, its state as JSON, its file, and the caller's recent jobs."""
    from shared.web.jobs import console_router  # the pages import this module

    return console_router()


class JobWorker:
    """Claims pending jobs (or ones whose lease ran out) one at a time and runs their handler."""

    def __init__(self, platform: "Platform", handlers: dict[str, JobHandler]) -> None:
        self.platform = platform
        self.handlers = handlers
        self.lease = timedelta(seconds=platform.settings.jobs_lease_seconds)
        self.owner = f"{platform.relay.owner}:jobs"
        self._task: asyncio.Task[None] | None = None
        self._current: str | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="job-worker")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        if self._current is not None:
            # Stopping cleanly: the next process need not wait for the lease to run out.
            try:
                await store.release(self.platform.db, self._current, self.owner)
            except PyMongoError:
                log.warning("job %s: lease not handed back; it will be taken once it runs out", self._current)

    async def _run(self) -> None:
        db, wake = self.platform.db, self.platform.jobs_wake
        while True:
            try:
                doc = await store.claim(db, self.owner, utcnow(), self.lease)
                if doc is not None:
                    await self._take(Job.model_validate(doc))
                    continue
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - the worker outlives a database outage
                log.exception("job worker: claim failed; trying again")
            try:
                await asyncio.wait_for(wake.wait(), self.platform.settings.jobs_poll_seconds)
            except TimeoutError:
                pass
            wake.clear()

    async def _take(self, job: Job) -> None:
        handler = self.handlers.get(job.kind)
        if handler is None or job.attempts > MAX_ATTEMPTS:
            log.error("job %s (%s): %s", job.id, job.kind, "no handler" if handler is None else "too many attempts")
            await self._finish(job, JobResult(error="job_failed"), None)
            return
        # Left set if the worker is cancelled meanwhile: stop() then hands the lease back.
        self._current = job.id
        db = self.platform.db

        async def write(done: int, total: int) -> None:
            await store.set_progress(db, job.id, self.owner, done, total)

        progress = Progress(write)
        try:
            result = await self._run_handler(handler, job, progress)
        finally:
            await progress.close()
        if result is not None:
            await self._finish(job, result, progress)
        self._current = None

    async def _run_handler(self, handler: JobHandler, job: Job, progress: Progress) -> JobResult | None:
        work: asyncio.Future[JobResult] = asyncio.ensure_future(handler(self.platform.context, job, progress))
        lost = asyncio.Event()
        keeper = asyncio.create_task(self._keep_lease(job.id, work, lost), name=f"job-lease-{job.id}")
        try:
            return await work
        except asyncio.CancelledError:
            if lost.is_set():
                log.warning("job %s: lease lost; left to its new holder", job.id)
                return None
            raise
        except DomainError as exc:
            return JobResult.failed(exc)
        except Exception:  # noqa: BLE001 - one broken job must not stop the others
            log.exception("job %s (%s) failed", job.id, job.kind)
            return JobResult(error="job_failed")
        finally:
            await cancel_and_wait(keeper)

    async def _keep_lease(self, job_id: str, work: asyncio.Future[JobResult], lost: asyncio.Event) -> None:
        while True:
            await asyncio.sleep(self.lease.total_seconds() / 3)
            try:
                held = await store.renew(self.platform.db, job_id, self.owner, utcnow() + self.lease)
            except Exception:  # noqa: BLE001 - a hiccup; the next renewal may pass
                log.warning("job %s: lease renewal failed", job_id, exc_info=True)
                continue
            if not held:
                lost.set()
                work.cancel()
                return

    async def _finish(self, job: Job, result: JobResult, progress: Progress | None) -> None:
        db = self.platform.db
        now = utcnow()
        fields: dict[str, Any] = {
            # The last figures reported, even one the half-second pause held back.
            **({"done": progress.done, "total": progress.total} if progress and progress.total else {}),
            "state": "failed" if result.error else "done", "finished_at": now, "summary": result.summary,
            "error": result.error, "error_params": _storable(result.error_params),
            "filename": None, "media_type": None, "size": 0,
            # A finished job never runs again: what it was given (an uploaded file with contact
            # details, a message's text) is not kept for the days the job stays listed.
            "params": {},
        }
        if result.content is not None:
            await store.write_file(db, job.id, job.attempts, result.content, now)
            fields.update(filename=result.filename or "download", media_type=result.media_type,
                          size=len(result.content), file_run=job.attempts)
        if not await store.finish(db, job.id, self.owner, fields):
            log.warning("job %s: finished after its lease was taken over; result dropped", job.id)


def _storable(params: dict[str, Any]) -> dict[str, Any]:
    """Error parameters as MongoDB keeps them: plain values, dates; anything else as its text."""
    plain = (str, int, float, bool, datetime, type(None))
    return {str(k): v if isinstance(v, plain) else str(v) for k, v in params.items()}


register_messages({
    "job_failed": {"ar": "تعذر إتمام العملية بسبب خطأ غير متوقع.",
                   "fr": "Le traitement n'a pas pu aboutir à cause d'une erreur inattendue.",
                   "en": "The work could not be completed because of an unexpected error."},
})


__all__ = ["Job", "JobHandler", "JobResult", "JobWorker", "Progress", "job_outcome", "jobs_console_router",
           "read_job", "recent_jobs", "record_job_outcome", "start_job"]
