"""Use cases that run as background jobs (``shared.jobs``), started from the console: a
cooperatives import and a market's passes to print. The organizer follows them on
``/console/jobs/{id}``; both are safe to run again from the start (an import skips the
register numbers already stored, a PDF is drawn again).
"""

from dataclasses import asdict
from typing import Any

from marketplace import exports, imports
from marketplace.context import Marketplace
from marketplace.service import market_of
from shared.audit import Act
from shared.jobs import Job, JobHandler, JobResult, Progress, start_job
from shared.web import register_texts

IMPORT = "marketplace_cooperatives_import"
PASSES = "marketplace_passes_pdf"
REGISTRY = "organizer:market:*"


async def start_cooperatives_import(*, ctx: Marketplace, filename: str, content: bytes, act: Act,
                                    lang: str) -> str:
    """The file is kept with the job (it is at most one request body); the report speaks ``lang``."""
    return await start_job(ctx.platform, kind=IMPORT, owner=act.actor_sub, scope=REGISTRY,
                           params={"filename": filename[:200], "content": content, "lang": lang, "act": asdict(act)})


async def run_cooperatives_import(ctx: Marketplace, job: Job, progress: Progress) -> JobResult:
    params: dict[str, Any] = job.params
    lang = str(params["lang"])
    try:
        done = await imports.import_cooperatives(ctx=ctx, filename=str(params["filename"]),
                                                 content=bytes(params["content"]), act=Act(**params["act"]),
                                                 progress=progress)
    except imports.ImportRefused as exc:
        rows = [{"row": e["row"], "column": e["column"], "problem": e["message"]}
                for e in (error.described(lang) for error in exc.errors)]
        return JobResult.failed(exc, summary={"rows": rows})
    return JobResult(summary={"read": done.rows, "created": done.created, "already_present": done.already_present})


async def start_passes_pdf(*, ctx: Marketplace, market_id: str, act: Act, lang: str) -> str:
    await market_of(ctx, market_id)
    return await start_job(ctx.platform, kind=PASSES, owner=act.actor_sub, scope=f"organizer:market:{market_id}",
                           params={"market_id": market_id, "lang": lang})


async def run_passes_pdf(ctx: Marketplace, job: Job, progress: Progress) -> JobResult:
    market_id, lang = str(job.params["market_id"]), str(job.params["lang"])
    content = await exports.market_passes_pdf(ctx=ctx, market_id=market_id, lang=lang, progress=progress)
    return JobResult(filename=f"{market_id}-passes.pdf", media_type="application/pdf", content=content,
                     summary={"passes": progress.total})


JOBS: dict[str, JobHandler] = {IMPORT: run_cooperatives_import, PASSES: run_passes_pdf}


def _three(ar: str, fr: str, en: str) -> dict[str, str]:
    return {"ar": ar, "fr": fr, "en": en}


register_texts({
    f"job_kind_{IMPORT}": _three("استيراد التعاونيات", "Import de coopératives", "Cooperatives import"),
    f"job_kind_{PASSES}": _three("بطاقات العارضين للطباعة", "Badges exposants à imprimer",
                                 "Exhibitor passes to print"),
    "job_summary_read": _three("الأسطر المقروءة", "Lignes lues", "Rows read"),
    "job_summary_created": _three("تعاونيات جديدة", "Nouvelles coopératives", "New cooperatives"),
    "job_summary_already_present": _three("موجودة من قبل", "Déjà inscrites", "Already registered"),
    "job_summary_passes": _three("البطاقات", "Badges", "Passes"),
    "job_summary_row": _three("السطر", "Ligne", "Row"),
    "job_summary_column": _three("العمود", "Colonne", "Column"),
    "job_summary_problem": _three("المشكل", "Problème", "Problem"),
})
