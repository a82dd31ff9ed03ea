"""The console pages of background jobs: a job's progress (refreshed by a small script of the
project), its state as JSON for that script, its file, and the caller's recent jobs.

A job is read by the person who started it, or by a holder of the scope it was started under
(an administrator included); anyone else gets 403, an unknown id 404.
"""

import re
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response, StreamingResponse

from shared import formats
from shared import jobs_store as store
from shared.auth import Principal, session_principal
from shared.errors import DomainError, Forbidden, NotFound
from shared.i18n import has_message, translate
from shared.jobs import Job, read_job, recent_jobs
from shared.web import STATIC_DIR, WEB_DIR, Pages, page_language, register_texts
from shared.web.console import Console, console_principal

JOB_ID = re.compile(r"^[0-9a-f]{32}$")
JobId = Annotated[str, Path(max_length=64)]
# At most this many rows of a summary are shown; the file holds them all.
SHOWN_ROWS = 200


def _console(request: Request) -> Console:
    return Console(Pages(WEB_DIR / "templates", service=request.app.state.settings.service_name))


async def readable_job(request: Request, principal: Principal, job_id: str) -> Job:
    job = await read_job(request.app.state.platform, job_id) if JOB_ID.match(job_id) else None
    if job is None:
        raise NotFound("job_not_found")
    if job.owner != principal.sub and not principal.holds(job.scope):
        raise Forbidden("forbidden")
    return job


def label(prefix: str, key: str, lang: str) -> str:
    """A registered text for ``key`` (``job_kind_<kind>``, ``job_summary_<key>``), else the key itself."""
    code = f"{prefix}{key}"
    return translate(code, lang) if has_message(code) else key


def job_view(job: Job, lang: str) -> dict[str, Any]:
    """What the page and the script show of a job, in ``lang``."""
    progress = translate("job_progress", lang, done=formats.number_text(job.done, lang),
                         total=formats.number_text(job.total, lang)) if job.total else ""
    error = translate(job.error, lang, **job.error_params) if job.error else None
    return {"state": job.state, "done": job.done, "total": job.total, "error": error, "error_code": job.error,
            "has_file": job.has_file,
            "state_text": translate(f"job_state_{job.state}", lang), "progress_text": progress,
            "finished": job.finished}


def summary_view(summary: dict[str, Any] | None, lang: str) -> dict[str, Any]:
    """The summary's plain figures as labelled lines, and its ``rows`` as a table."""
    if not summary:
        return {"figures": [], "columns": [], "rows": [], "more": 0}
    figures = [(label("job_summary_", key, lang), formats.number_text(value, lang)
                if isinstance(value, int | float) and not isinstance(value, bool) else str(value))
               for key, value in summary.items() if key != "rows" and not isinstance(value, dict | list)]
    rows = [row for row in summary.get("rows") or [] if isinstance(row, dict)]
    columns: list[str] = []
    for row in rows[:SHOWN_ROWS]:
        columns += [str(key) for key in row if str(key) not in columns]
    headers = [(key, label("job_summary_", key, lang)) for key in columns]
    return {"figures": figures, "columns": headers, "rows": rows[:SHOWN_ROWS], "more": max(0, len(rows) - SHOWN_ROWS)}


def console_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/console/jobs/progress.js")
    async def job_script() -> Response:
        return FileResponse(STATIC_DIR / "jobs.js", media_type="text/javascript",
                            headers={"Cache-Control": "public, max-age=3600"})

    @router.get("/console/jobs", response_class=HTMLResponse)
    async def my_jobs(request: Request) -> Response:
        who = await console_principal(request)
        if isinstance(who, RedirectResponse):
            return who
        lang = page_language(request)
        jobs = await recent_jobs(request.app.state.platform, who.sub)
        listed = [{"job": job, "kind": label("job_kind_", job.kind, lang), **job_view(job, lang)} for job in jobs]
        return _console(request).render(request, who, "console_jobs.html", {"jobs": listed})

    @router.get("/console/jobs/{job_id}.json")
    async def job_state(request: Request, job_id: JobId) -> JSONResponse:
        who = await session_principal(request)
        if who is None:
            raise DomainError("not_authenticated", 401)
        job = await readable_job(request, who, job_id)
        return JSONResponse(job_view(job, page_language(request)), headers={"Cache-Control": "no-store"})

    @router.get("/console/jobs/{job_id}", response_class=HTMLResponse)
    async def job_page(request: Request, job_id: JobId) -> Response:
        who = await console_principal(request)
        if isinstance(who, RedirectResponse):
            return who
        console, lang = _console(request), page_language(request)
        try:
            job = await readable_job(request, who, job_id)
        except DomainError as exc:
            return console.refusal(request, who, exc)
        return console.render(request, who, "console_job.html", {
            "job": job, "kind": label("job_kind_", job.kind, lang), "view": job_view(job, lang),
            "summary": summary_view(job.summary, lang)})

    @router.get("/console/jobs/{job_id}/file")
    async def job_file(request: Request, job_id: JobId) -> Response:
        who = await console_principal(request)
        if isinstance(who, RedirectResponse):
            return who
        try:
            job = await readable_job(request, who, job_id)
            if not job.has_file:
                raise NotFound("job_no_file")
        except DomainError as exc:
            return _console(request).refusal(request, who, exc)
        disposition = f"attachment; filename*=UTF-8''{quote(job.filename or 'download')}"
        return StreamingResponse(store.file_chunks(request.app.state.platform.db, job.id, job.file_run),
                                 media_type=job.media_type or "application/octet-stream",
                                 headers={"Content-Disposition": disposition, "Content-Length": str(job.size),
                                          "Cache-Control": "private, no-store"})

    return router


register_texts({
    "job_title": {"ar": "عملية في الخلفية", "fr": "Traitement en arrière-plan", "en": "Background work"},
    "jobs_title": {"ar": "عملياتي الأخيرة", "fr": "Mes traitements récents", "en": "My recent work"},
    "jobs_none": {"ar": "لا توجد عمليات بعد.", "fr": "Aucun traitement pour l'instant.", "en": "No work yet."},
    "job_progress": {"ar": "{done} من {total}", "fr": "{done} sur {total}", "en": "{done} of {total}"},
    "job_state_pending": {"ar": "في الانتظار", "fr": "En attente", "en": "Waiting"},
    "job_state_running": {"ar": "قيد التنفيذ", "fr": "En cours", "en": "Running"},
    "job_state_done": {"ar": "انتهت", "fr": "Terminé", "en": "Finished"},
    "job_state_failed": {"ar": "فشلت", "fr": "Échec", "en": "Failed"},
    "job_state": {"ar": "الحالة", "fr": "État", "en": "State"},
    "job_kind": {"ar": "العملية", "fr": "Traitement", "en": "Work"},
    "job_started": {"ar": "بدأت", "fr": "Lancé le", "en": "Started"},
    "job_download": {"ar": "تنزيل الملف", "fr": "Télécharger le fichier", "en": "Download the file"},
    "job_summary": {"ar": "الحصيلة", "fr": "Bilan", "en": "Summary"},
    "job_more_rows": {"ar": "و{count} سطر آخر في الملف.", "fr": "Et {count} autre(s) ligne(s) dans le fichier.",
                      "en": "And {count} more row(s) in the file."},
    "job_leave_hint": {"ar": "يمكنكم مغادرة هذه الصفحة والعودة إليها لاحقًا؛ العملية تستمر.",
                       "fr": "Vous pouvez quitter cette page et y revenir plus tard : le traitement continue.",
                       "en": "You can leave this page and come back later: the work goes on."},
    "job_not_found": {"ar": "هذه العملية غير موجودة أو انتهت صلاحيتها.",
                      "fr": "Ce traitement n'existe pas ou a expiré.",
                      "en": "This work does not exist or has expired."},
    "job_back": {"ar": "العودة إلى الصفحة السابقة", "fr": "Retour à l'écran de départ",
                 "en": "Back to where it started"},
    "job_no_file": {"ar": "لا يوجد ملف لهذه العملية.", "fr": "Ce traitement n'a pas de fichier.",
                    "en": "This work has no file."},
})
