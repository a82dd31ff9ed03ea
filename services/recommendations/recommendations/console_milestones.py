"""Console forms of milestones: add one, edit an open one, mark one done, each with a reason.

A title is typed in the page's language; editing it keeps the other languages' titles.
The same use cases and scope as the API (``organizer:recommendations``).
"""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from recommendations import milestones, views
from recommendations.console import ORGANIZER, Session, actor_of, console, page
from recommendations.context import Ctx
from recommendations.domain import MilestoneCompletion, MilestoneCreate, MilestoneEdit
from shared.auth import Principal
from shared.errors import DomainError
from shared.web import form_errors, page_language, register_texts
from shared.web.console import checked_post

router = APIRouter(prefix="/console/recommendations/{recommendation_id}/milestones", include_in_schema=False)
FIELDS = ("title", "owner", "due_date", "reason")


def _done(recommendation_id: str, lang: str, what: str) -> RedirectResponse:
    return RedirectResponse(f"/console/recommendations/{recommendation_id}?lang={lang}&done=milestone-{what}",
                            status_code=303)


def _body(values: dict[str, str], lang: str, title: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"title": {**(title or {}), lang: values["title"] or None}, "owner": values["owner"],
            "due_date": values["due_date"], "reason": values["reason"]}


async def _values(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: str(form.get(k) or "").strip() for k in FIELDS}


@router.post("", response_class=HTMLResponse)
async def add_milestone(recommendation_id: str, request: Request, ctx: Ctx, who: Session) -> Response:
    if isinstance(who, RedirectResponse):
        return who
    lang = page_language(request)
    values: dict[str, str] = {}
    try:
        await checked_post(request, who, ORGANIZER)
        values = await _values(request)
        data = MilestoneCreate.model_validate(_body(values, lang))
        await milestones.add_milestone(ctx=ctx, recommendation_id=recommendation_id, data=data,
                                       actor=actor_of(request, who))
    except ValidationError as exc:
        errors = {("m_reason" if k == "reason" else k): v for k, v in form_errors(exc, lang).items()}
        shown = {**values, "m_reason": values.get("reason", "")}
        return await page(request, ctx, who, recommendation_id, errors=errors, values=shown, status_code=422)
    except DomainError as exc:
        return console.refusal(request, who, exc)
    return _done(recommendation_id, lang, "added")


@router.post("/{milestone_id}", response_class=HTMLResponse)
async def edit_milestone(recommendation_id: str, milestone_id: str, request: Request, ctx: Ctx,
                         who: Session) -> Response:
    if isinstance(who, RedirectResponse):
        return who
    lang = page_language(request)
    try:
        await checked_post(request, who, ORGANIZER)
        values = await _values(request)
        rec = await views.get_recommendation(ctx=ctx, recommendation_id=recommendation_id, as_of=None)
        current = next((m for m in rec.milestones if m.id == milestone_id), None)
        title = current.title.model_dump() if current else None
        data = MilestoneEdit.model_validate(_body(values, lang, title))
        await milestones.edit_milestone(ctx=ctx, recommendation_id=recommendation_id, milestone_id=milestone_id,
                                        data=data, actor=actor_of(request, who))
    except ValidationError as exc:
        return _invalid(request, who, exc)
    except DomainError as exc:
        return console.refusal(request, who, exc)
    return _done(recommendation_id, lang, "edited")


@router.post("/{milestone_id}/complete", response_class=HTMLResponse)
async def complete_milestone(recommendation_id: str, milestone_id: str, request: Request, ctx: Ctx,
                             who: Session) -> Response:
    if isinstance(who, RedirectResponse):
        return who
    try:
        await checked_post(request, who, ORGANIZER)
        reason = str((await request.form()).get("reason") or "")
        data = MilestoneCompletion.model_validate({"reason": reason})
        await milestones.complete_milestone(ctx=ctx, recommendation_id=recommendation_id,
                                            milestone_id=milestone_id, data=data, actor=actor_of(request, who))
    except ValidationError as exc:
        return _invalid(request, who, exc)
    except DomainError as exc:
        return console.refusal(request, who, exc)
    return _done(recommendation_id, page_language(request), "completed")


def _invalid(request: Request, who: Principal, exc: ValidationError) -> HTMLResponse:
    """A refused form of a milestone's line: its first error, worded as the API words it."""
    message = next(iter(form_errors(exc, page_language(request)).values()))
    return console.render(request, who, "console_error.html", {"message": message}, status_code=422)


def _three(ar: str, fr: str, en: str) -> dict[str, str]:
    return {"ar": ar, "fr": fr, "en": en}


register_texts({
    "console_milestone_add": _three("إضافة مرحلة", "Ajouter un jalon", "Add a milestone"),
    "console_milestone_edit": _three("تعديل", "Modifier", "Edit"),
    "console_milestone_complete": _three("تم الإنجاز", "Marquer réalisé", "Mark done"),
    "console_milestone_title": _three("عنوان المرحلة", "Intitulé du jalon", "Milestone title"),
    "console_milestone_owner": _three("الجهة المكلفة", "Organisme responsable", "Owner"),
    "console_milestones_none": _three("لا توجد مراحل بعد.", "Aucun jalon pour l'instant.", "No milestone yet."),
    "console_rec_done_milestone-added": _three("أضيفت المرحلة.", "Jalon ajouté.", "Milestone added."),
    "console_rec_done_milestone-edited": _three("عُدلت المرحلة.", "Jalon modifié.", "Milestone changed."),
    "console_rec_done_milestone-completed": _three("سُجل إنجاز المرحلة.", "Jalon marqué réalisé.",
                                                   "Milestone marked done."),
})
