"""A minimal service with background jobs and the jobs console, to test ``shared.jobs`` end to end.

Its handlers: ``steps`` counts to ``params["n"]``, waiting at the middle until the test opens
the gate (a document in ``gates``), and leaves a file if ``params["size"]`` is not 0;
``refuse`` fails with a domain error; ``crash`` raises; ``big`` leaves a file of
``params["size"]`` bytes. Starting a job is an API route, as a console form calls a use case.
"""

import asyncio
import hashlib
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI
from pydantic import BaseModel, Field

from shared.auth import Principal, current_principal
from shared.errors import DomainError
from shared.i18n import register_messages
from shared.jobs import Job, JobResult, Progress, jobs_console_router, start_job
from shared.mongo import Indexes
from shared.platform import Platform, ServiceSpec, create_service_app, get_platform
from shared.settings import ServiceSettings
from shared.web import WEB_DIR, Pages, register_texts

SCOPE = "organizer:sample"


class JobsSettings(ServiceSettings):
    service_name: str = "sample"


class JobRequest(BaseModel):
    kind: Literal["steps", "refuse", "crash", "big"]
    n: int = Field(default=4, ge=1, le=100)
    size: int = Field(default=0, ge=0, le=20_000_000)


def payload(size: int) -> bytes:
    """Bytes that differ chunk to chunk, so a misplaced chunk shows."""
    blocks = [hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(size // 32 + 1)]
    return b"".join(blocks)[:size]


async def gate_open(platform: Platform, job_id: str) -> bool:
    return await platform.db.gates.find_one({"_id": job_id}) is not None


async def steps(platform: Platform, job: Job, progress: Progress) -> JobResult:
    n = int(job.params["n"])
    for i in range(n + 1):
        await progress(i, n)
        if i == n // 2:
            while not await gate_open(platform, job.id):
                await asyncio.sleep(0.05)
    rows = [{"line": i + 1, "problem": f"<b>row {i + 1}</b>"} for i in range(2)]
    size = int(job.params.get("size", 0))
    return JobResult(summary={"counted": n, "rows": rows}, filename="import-report.txt", media_type="text/plain",
                     content=payload(size) if size else None)


async def refuse(platform: Platform, job: Job, progress: Progress) -> JobResult:
    await progress(1, 3)
    raise DomainError("sample_too_many", limit=3)


async def crash(platform: Platform, job: Job, progress: Progress) -> JobResult:
    raise RuntimeError("an unexpected fault in a handler")


async def big(platform: Platform, job: Job, progress: Progress) -> JobResult:
    await progress(1, 1)
    return JobResult(filename="badges résumé.bin", media_type="application/octet-stream",
                     content=payload(int(job.params["size"])))


router = APIRouter()


@router.post("/jobs", status_code=201)
async def begin(body: JobRequest, platform: Annotated[Platform, Depends(get_platform)],
                who: Annotated[Principal, Depends(current_principal)]) -> dict[str, Any]:
    """Start a job of the sample."""
    job_id = await start_job(platform, kind=body.kind, owner=who.sub, scope=SCOPE,
                             params={"n": body.n, "size": body.size})
    return {"id": job_id}


def create_app(settings: JobsSettings) -> FastAPI:
    spec = ServiceSpec(
        title="sample jobs", description="background jobs test service",
        routers=[router, jobs_console_router(), Pages(WEB_DIR, service="sample").static_router()],
        indexes=Indexes(), topics=[], jobs={"steps": steps, "refuse": refuse, "crash": crash, "big": big},
    )
    return create_service_app(settings, spec)


register_messages({
    "sample_too_many": {"ar": "أكثر من {limit} سطور.", "fr": "Plus de {limit} lignes.",
                        "en": "More than {limit} rows."},
})
register_texts({
    "job_kind_steps": {"ar": "استيراد التسجيلات", "fr": "Import des inscriptions", "en": "Registrations import"},
    "job_summary_counted": {"ar": "الأسطر المعالجة", "fr": "Lignes traitées", "en": "Rows processed"},
})
