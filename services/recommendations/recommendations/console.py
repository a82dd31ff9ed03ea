"""Organizer console screens of the recommendations register: the register with the inbox of
completions awaiting a second organizer, and one recommendation with its evidence (links and
uploaded files), its status change and the approval or sending back of a proposed completion.
Milestones are in ``console_milestones``, indicators in ``console_indicators``.

Screens call the same use cases as ``api`` and ask the same scopes (``organizer:recommendations``
changes, ``reviewer:recommendations`` or an organizer decides a completion); the two-person rule
is the use case's. See ``shared.web.console``.
"""

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from recommendations import evidence, service, views
from recommendations.api import file_response
from recommendations.catalogue import BODIES
from recommendations.context import Ctx, Recommendations
from recommendations.domain import STATUSES, Decision, StatusChange
from recommendations.pages import labels
from shared.audit import Act
from shared.auth import Principal
from shared.errors import DomainError, Forbidden
from shared.i18n import translate
from shared.web import Pages, form_errors, page_language, register_texts
from shared.web.console import Console, checked_post, console_principal

console = Console(Pages(Path(__file__).parent / "templates", service="recommendations"))
router = APIRouter(prefix="/console", include_in_schema=False)
Session = Annotated[Principal | RedirectResponse, Depends(console_principal)]
ORGANIZER, REVIEWER = "organizer:recommendations", "reviewer:recommendations"
DONE = ("status", "approve", "send-back", "milestone-added", "milestone-edited", "milestone-completed")


def may_read(who: Principal) -> None:
    if not (who.holds(ORGANIZER) or who.holds(REVIEWER)):
        raise Forbidden("forbidden")


def actor_of(request: Request, who: Principal) -> service.Actor:
    return service.Actor.of(who, Act.of(request, who))


@router.get("", response_class=HTMLResponse)
async def register(request: Request, ctx: Ctx, who: Session) -> Response:
    if isinstance(who, RedirectResponse):
        return who
    try:
        may_read(who)
    except DomainError as exc:
        return console.refusal(request, who, exc)
    items = await views.list_recommendations(ctx=ctx, filters=views.Filters(), as_of=None)
    inbox = [r for r in items if r.pending_completion is not None]
    overdue = [(r, m) for r in items for m in r.milestones if m.overdue]
    return console.render(request, who, "console_register.html", {"items": items, "inbox": inbox,
                                                                   "overdue": overdue})


@router.get("/recommendations/{recommendation_id}", response_class=HTMLResponse)
async def recommendation(recommendation_id: str, request: Request, ctx: Ctx, who: Session) -> Response:
    if isinstance(who, RedirectResponse):
        return who
    try:
        may_read(who)
        return await page(request, ctx, who, recommendation_id)
    except DomainError as exc:
        return console.refusal(request, who, exc)


async def page(request: Request, ctx: Recommendations, who: Principal, recommendation_id: str, *,
               errors: dict[str, str] | None = None, values: dict[str, Any] | None = None,
               status_code: int = 200) -> HTMLResponse:
    """The recommendation's screen, with a form's errors and typed values when it was refused."""
    rec = await views.get_recommendation(ctx=ctx, recommendation_id=recommendation_id, as_of=None)
    files = await evidence.evidence_files(ctx=ctx, recommendation_id=recommendation_id)
    done = request.query_params.get("done")
    return console.render(request, who, "console_recommendation.html", {
        "rec": rec, "files": files, "statuses": STATUSES, "errors": errors or {}, "values": values or {},
        "bodies": BODIES, "may_change": who.holds(ORGANIZER), "done": done if done in DONE else None,
        "max_bytes": ctx.evidence_max_bytes, **labels(page_language(request)),
    }, status_code=status_code)


def _form_values(form: Any) -> dict[str, str]:
    return {k: str(form.get(k) or "").strip() for k in
            ("status", "progress", "reason", "evidence_url", "evidence_description", "evidence_date")}


def _status_change(values: dict[str, str], with_file: bool) -> StatusChange:
    """A link is evidence of its own; with a file, the description and date are the file's."""
    body: dict[str, Any] = {"status": values["status"], "reason": values["reason"]}
    if values["progress"]:
        body["progress"] = values["progress"]
    if values["evidence_url"] or (values["evidence_description"] and not with_file):
        body["evidence"] = [{"url": values["evidence_url"] or None, "description": values["evidence_description"],
                             "date": values["evidence_date"]}]
    return StatusChange.model_validate(body)


async def _upload(form: Any, values: dict[str, str]) -> evidence.EvidenceUpload | None:
    sent = form.get("evidence_file")
    if not isinstance(sent, UploadFile) or not sent.filename:
        return None
    fields = evidence.EvidenceFileFields.model_validate(
        {"description": values["evidence_description"], "date": values["evidence_date"]})
    return evidence.EvidenceUpload(name=sent.filename, data=await sent.read(), fields=fields)


@router.post("/recommendations/{recommendation_id}/status", response_class=HTMLResponse)
async def change_status(recommendation_id: str, request: Request, ctx: Ctx, who: Session) -> Response:
    if isinstance(who, RedirectResponse):
        return who
    values: dict[str, Any] = {}
    lang = page_language(request)
    try:
        await checked_post(request, who, ORGANIZER)
        form = await request.form()
        values = _form_values(form)
        upload = await _upload(form, values)
        data = _status_change(values, with_file=upload is not None)
        await service.change_status(ctx=ctx, recommendation_id=recommendation_id, data=data,
                                    actor=actor_of(request, who), upload=upload)
    except ValidationError as exc:
        errors = {k.removeprefix("evidence").removeprefix("_"): v for k, v in form_errors(exc, lang).items()}
        return await page(request, ctx, who, recommendation_id, errors=errors, values=values, status_code=422)
    except DomainError as exc:
        if not exc.code.startswith("evidence_file"):
            return console.refusal(request, who, exc)
        errors = {"file": translate(exc.code, lang, **exc.params)}
        return await page(request, ctx, who, recommendation_id, errors=errors, values=values,
                          status_code=exc.status)
    return RedirectResponse(f"/console/recommendations/{recommendation_id}?lang={lang}&done=status", status_code=303)


@router.get("/recommendations/{recommendation_id}/evidence/{file_id}")
async def download_evidence(recommendation_id: str, file_id: str, request: Request, ctx: Ctx,
                            who: Session) -> Response:
    if isinstance(who, RedirectResponse):
        return who
    try:
        may_read(who)
        return file_response(await evidence.evidence_download(ctx=ctx, recommendation_id=recommendation_id,
                                                              file_id=file_id, organizer=True))
    except DomainError as exc:
        return console.refusal(request, who, exc)


@router.post("/recommendations/{recommendation_id}/completion/{decision}", response_class=HTMLResponse)
async def decide_completion(recommendation_id: str, decision: str, request: Request, ctx: Ctx,
                            who: Session) -> Response:
    if isinstance(who, RedirectResponse):
        return who
    try:
        if decision not in ("approve", "send-back"):
            raise DomainError("not_found", status=404)
        await checked_post(request, who, REVIEWER)
        data = Decision.model_validate({"reason": str((await request.form()).get("reason") or "")})
        await service.decide_completion(ctx=ctx, recommendation_id=recommendation_id, data=data,
                                        actor=actor_of(request, who), approve=decision == "approve")
    except ValidationError:
        return console.refusal(request, who, DomainError("reason_required"))
    except DomainError as exc:
        return console.refusal(request, who, exc)
    return RedirectResponse(
        f"/console/recommendations/{recommendation_id}?lang={page_language(request)}&done={decision}", status_code=303)


def _three(ar: str, fr: str, en: str) -> dict[str, str]:
    return {"ar": ar, "fr": fr, "en": en}


register_texts({
    "console_register": _three("سجل التوصيات", "Registre des recommandations", "Register of recommendations"),
    "console_inbox": _three("إنجازات تنتظر موافقة منظم ثان", "Achèvements en attente d'un second organisateur",
                            "Completions awaiting a second organizer"),
    "console_inbox_empty": _three("لا شيء ينتظر موافقتكم.", "Rien n'attend votre approbation.",
                                  "Nothing awaits your approval."),
    "console_proposed_by": _three("اقترحه", "Proposé par", "Proposed by"),
    "console_progress": _three("نسبة التقدم (%)", "Avancement (%)", "Progress (%)"),
    "console_change_status": _three("تغيير الحالة", "Changer le statut", "Change the status"),
    "console_reason_text": _three("السبب", "Motif", "Reason"),
    "console_evidence_url": _three("رابط الدليل", "Lien de la preuve", "Evidence link"),
    "console_evidence_file": _three("أو ملف الدليل (PDF أو PNG أو JPEG، {size} على الأكثر)",
                                    "Ou le fichier de la preuve (PDF, PNG ou JPEG, {size} au plus)",
                                    "Or the evidence file (PDF, PNG or JPEG, at most {size})"),
    "console_evidence_description": _three("ما يثبته الدليل", "Ce que la preuve montre", "What the evidence shows"),
    "console_evidence_date": _three("تاريخ الدليل", "Date de la preuve", "Evidence date"),
    "console_evidence_accepted": _three("الأدلة المعتمدة", "Preuves retenues", "Accepted evidence"),
    "console_evidence_none": _three("لا يوجد دليل معتمد بعد.", "Aucune preuve retenue pour l'instant.",
                                    "No accepted evidence yet."),
    "console_uploaded_on": _three("رفع في", "Envoyé le", "Uploaded on"),
    "console_download": _three("تنزيل", "Télécharger", "Download"),
    "console_overdue_milestones": _three("مراحل متأخرة", "Jalons en retard", "Overdue milestones"),
    "console_indicators": _three("المؤشرات", "Indicateurs", "Indicators"),
    "console_approve_completion": _three("الموافقة على الإنجاز", "Approuver l'achèvement", "Approve the completion"),
    "console_send_back": _three("إرجاع", "Renvoyer", "Send back"),
    "console_rec_done_status": _three("سُجل التغيير.", "Changement enregistré.", "Change recorded."),
    "console_rec_done_approve": _three("تمت الموافقة على الإنجاز.", "Achèvement approuvé.", "Completion approved."),
    "console_rec_done_send-back": _three("أُرجع الإنجاز المقترح.", "Achèvement renvoyé.", "Completion sent back."),
})
