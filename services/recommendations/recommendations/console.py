"""Organizer console screens of the recommendations register: the register with the inbox of
completions awaiting a second organizer, and one recommendation with its status change (reason,
progress, evidence link) and the approval or sending back of a proposed completion.

Screens call the same use cases as ``api`` and ask the same scopes (``organizer:recommendations``
changes, ``reviewer:recommendations`` or an organizer decides a completion); the two-person rule
is the use case's. See ``shared.web.console``.
"""

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from recommendations import service, views
from recommendations.context import Ctx, Recommendations
from recommendations.domain import STATUSES, Decision, StatusChange
from shared.audit import Act
from shared.auth import Principal
from shared.errors import DomainError, Forbidden
from shared.web import Pages, form_errors, page_language, register_texts
from shared.web.console import Console, checked_post, console_principal

console = Console(Pages(Path(__file__).parent / "templates", service="recommendations"))
router = APIRouter(prefix="/console", include_in_schema=False)
Session = Annotated[Principal | RedirectResponse, Depends(console_principal)]
ORGANIZER, REVIEWER = "organizer:recommendations", "reviewer:recommendations"


def _may_read(who: Principal) -> None:
    if not (who.holds(ORGANIZER) or who.holds(REVIEWER)):
        raise Forbidden("forbidden")


def _actor(request: Request, who: Principal) -> service.Actor:
    return service.Actor.of(who, Act.of(request, who))


@router.get("", response_class=HTMLResponse)
async def register(request: Request, ctx: Ctx, who: Session) -> Response:
    if isinstance(who, RedirectResponse):
        return who
    try:
        _may_read(who)
    except DomainError as exc:
        return console.refusal(request, who, exc)
    items = await views.list_recommendations(ctx=ctx, filters=views.Filters(), as_of=None)
    inbox = [r for r in items if r.pending_completion is not None]
    return console.render(request, who, "console_register.html", {"items": items, "inbox": inbox})


@router.get("/recommendations/{recommendation_id}", response_class=HTMLResponse)
async def recommendation(recommendation_id: str, request: Request, ctx: Ctx, who: Session) -> Response:
    if isinstance(who, RedirectResponse):
        return who
    try:
        _may_read(who)
        return await _page(request, ctx, who, recommendation_id)
    except DomainError as exc:
        return console.refusal(request, who, exc)


async def _page(request: Request, ctx: Recommendations, who: Principal, recommendation_id: str, *,
                errors: dict[str, str] | None = None, values: dict[str, Any] | None = None,
                status_code: int = 200) -> HTMLResponse:
    rec = await views.get_recommendation(ctx=ctx, recommendation_id=recommendation_id, as_of=None)
    done = request.query_params.get("done")
    return console.render(request, who, "console_recommendation.html", {
        "rec": rec, "statuses": STATUSES, "errors": errors or {}, "values": values or {},
        "may_change": who.holds(ORGANIZER), "done": done if done in ("status", "approve", "send-back") else None,
    }, status_code=status_code)


def _form_values(form: Any) -> dict[str, str]:
    return {k: str(form.get(k) or "").strip() for k in
            ("status", "progress", "reason", "evidence_url", "evidence_description", "evidence_date")}


def _status_change(values: dict[str, str]) -> StatusChange:
    body: dict[str, Any] = {"status": values["status"], "reason": values["reason"]}
    if values["progress"]:
        body["progress"] = values["progress"]
    if values["evidence_url"] or values["evidence_description"]:
        body["evidence"] = [{"url": values["evidence_url"] or None, "description": values["evidence_description"],
                             "date": values["evidence_date"]}]
    return StatusChange.model_validate(body)


@router.post("/recommendations/{recommendation_id}/status", response_class=HTMLResponse)
async def change_status(recommendation_id: str, request: Request, ctx: Ctx, who: Session) -> Response:
    if isinstance(who, RedirectResponse):
        return who
    values: dict[str, Any] = {}
    try:
        await checked_post(request, who, ORGANIZER)
        values = _form_values(await request.form())
        data = _status_change(values)
        await service.change_status(ctx=ctx, recommendation_id=recommendation_id, data=data,
                                    actor=_actor(request, who))
    except ValidationError as exc:
        errors = {k.removeprefix("evidence"): v for k, v in form_errors(exc, page_language(request)).items()}
        return await _page(request, ctx, who, recommendation_id, errors=errors, values=values, status_code=422)
    except DomainError as exc:
        return console.refusal(request, who, exc)
    return RedirectResponse(f"/console/recommendations/{recommendation_id}?lang={page_language(request)}&done=status",
                            status_code=303)


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
                                        actor=_actor(request, who), approve=decision == "approve")
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
    "console_evidence_description": _three("ما يثبته الدليل", "Ce que la preuve montre", "What the evidence shows"),
    "console_evidence_date": _three("تاريخ الدليل", "Date de la preuve", "Evidence date"),
    "console_approve_completion": _three("الموافقة على الإنجاز", "Approuver l'achèvement", "Approve the completion"),
    "console_send_back": _three("إرجاع", "Renvoyer", "Send back"),
    "console_rec_done_status": _three("سُجل التغيير.", "Changement enregistré.", "Change recorded."),
    "console_rec_done_approve": _three("تمت الموافقة على الإنجاز.", "Achèvement approuvé.", "Completion approved."),
    "console_rec_done_send-back": _three("أُرجع الإنجاز المقترح.", "Achèvement renvoyé.", "Completion sent back."),
})
