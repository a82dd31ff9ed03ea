"""Use cases that run as background jobs (``shared.jobs``), started from the console: a
cooperatives import, a market's passes to print and a market's allocation run. The organizer
follows them on ``/console/jobs/{id}``; all are safe to run again from the start (an import skips
the register numbers already stored, a PDF is drawn again, an allocation taken again after a crash
reports the decisions its first run committed).
"""

from dataclasses import asdict
from typing import Any

from marketplace import exports, imports, stands
from marketplace.context import Marketplace
from marketplace.domain import AllocationResult
from marketplace.service import market_of
from shared.audit import Act
from shared.i18n import translate
from shared.jobs import Job, JobHandler, JobResult, Progress, start_job
from shared.web import register_texts

IMPORT = "marketplace_cooperatives_import"
PASSES = "marketplace_passes_pdf"
ALLOCATION = "marketplace_allocation"
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


async def start_allocation(*, ctx: Marketplace, market_id: str, act: Act, lang: str) -> str:
    """Start running the market's rules over its open applications; the decisions are told in ``lang``."""
    await market_of(ctx, market_id)
    return await start_job(ctx.platform, kind=ALLOCATION, owner=act.actor_sub, scope=f"organizer:market:{market_id}",
                           params={"market_id": market_id, "lang": lang, "act": asdict(act)},
                           back=f"/console/markets/{market_id}", back_text="console_back_to_market")


async def run_allocation(ctx: Marketplace, job: Job, progress: Progress) -> JobResult:
    market_id, lang = str(job.params["market_id"]), str(job.params["lang"])
    result = await stands.allocate_market(ctx=ctx, market_id=market_id, lang=lang, act=Act(**job.params["act"]),
                                          run_id=job.id, progress=progress)
    return JobResult(summary={"alloc_accepted": len(result.accepted), "alloc_waitlisted": len(result.waitlisted),
                              "rows": await _decision_rows(ctx, result, lang)})


async def _decision_rows(ctx: Marketplace, result: AllocationResult, lang: str) -> list[dict[str, Any]]:
    """Each decision as the market's page shows it: the cooperative, its status, its stand and why."""
    decided = [*result.accepted, *result.waitlisted]
    names = await ctx.store.cooperatives_by_id(sorted({a.cooperative_id for a in decided}))
    return [{"alloc_cooperative": names[a.cooperative_id].name.pick(lang) if a.cooperative_id in names
             else a.cooperative_id,
             "alloc_status": translate(f"ui_app_status_{a.status}", lang),
             "alloc_stand": str(a.stand_number) if a.stand_number is not None else "—",
             "alloc_reason": a.decision.explanation if a.decision else ""} for a in decided]


JOBS: dict[str, JobHandler] = {IMPORT: run_cooperatives_import, PASSES: run_passes_pdf, ALLOCATION: run_allocation}


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
    f"job_kind_{ALLOCATION}": _three("توزيع الأروقة", "Attribution des stands", "Stand allocation"),
    "job_summary_alloc_accepted": _three("طلبات مقبولة", "Candidatures acceptées", "Applications accepted"),
    "job_summary_alloc_waitlisted": _three("في قائمة الانتظار", "En liste d'attente", "On the waiting list"),
    "job_summary_alloc_cooperative": _three("التعاونية", "Coopérative", "Cooperative"),
    "job_summary_alloc_status": _three("الحالة", "Statut", "Status"),
    "job_summary_alloc_stand": _three("الرواق", "Stand", "Stand"),
    "job_summary_alloc_reason": _three("السبب", "Motif", "Reason"),
    "console_back_to_market": _three("العودة إلى السوق", "Retour au marché", "Back to the market"),
    "job_summary_row": _three("السطر", "Ligne", "Row"),
    "job_summary_column": _three("العمود", "Colonne", "Column"),
    "job_summary_problem": _three("المشكل", "Problème", "Problem"),
})
