"""Organizer console screens of the registration service: conferences, the registrations of one
(search, counts of the check-in day, CSV export) and one registration with its decisions.

Each screen reads and acts through the same use cases as ``admin_api`` and asks the same
scope (``organizer:conference:<id>``, ``admin`` everywhere); see ``shared.web.console``.
"""

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from registration import admin, imports, jobs, organizer_cancel, service
from registration.context import Ctx
from registration.domain import (
    CATEGORIES,
    REASON_MAX,
    SEAT_HOLDING,
    Decision,
    registration_public,
)
from shared.audit import Act
from shared.auth import Principal
from shared.documents import utcnow
from shared.errors import DomainError, NotFound
from shared.i18n import translate
from shared.web import Pages, page_language, register_texts
from shared.web.console import Console, checked_post, console_principal, holds_or_refuse

console = Console(Pages(Path(__file__).parent / "templates", service="registration"))
router = APIRouter(prefix="/console", include_in_schema=False)
Session = Annotated[Principal | RedirectResponse, Depends(console_principal)]
PAGE_SIZE = 50
STATUSES = ("pending", "confirmed", "waitlisted", "rejected", "cancelled")
DECISIONS = {"approve": admin.approve_registration, "reject": admin.reject_registration,
             "promote": admin.promote_registration, "erase": admin.erase_personal_data,
             "cancel": organizer_cancel.cancel_for_participant}


REASONED = {"approve": admin.approve_registration, "reject": admin.reject_registration}


def _reason(form: Any, *, required: bool) -> str | None:
    """The reason typed with a decision (required to reject): it goes into the participant's mail."""
    try:
        reason = Decision.model_validate({"reason": str(form.get("reason") or "")}).reason
    except ValidationError:
        raise DomainError("console_decision_reason_too_long", max=REASON_MAX) from None
    if required and reason is None:
        raise DomainError("console_decision_reason_required")
    return reason


def _scope(conference_id: str) -> str:
    return f"organizer:conference:{conference_id}"


@router.get("", response_class=HTMLResponse)
async def conferences(request: Request, ctx: Ctx, who: Session) -> Response:
    if isinstance(who, RedirectResponse):
        return who
    now = utcnow()
    shown = [service.conference_public(doc, now) for doc in await service.list_conferences(ctx=ctx)
             if who.holds(_scope(doc.id))]
    return console.render(request, who, "console_conferences.html", {"conferences": shown})


@router.get("/conferences/{conference_id}", response_class=HTMLResponse)
async def registrations(
    conference_id: str, request: Request, ctx: Ctx, who: Session,
    status: Annotated[str, Query(max_length=30)] = "", category: Annotated[str, Query(max_length=30)] = "",
    q: Annotated[str | None, Query(max_length=100)] = None, page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    if isinstance(who, RedirectResponse):
        return who
    try:
        holds_or_refuse(who, _scope(conference_id))
        doc = await service.get_conference(ctx=ctx, conference_id=conference_id)
    except DomainError as exc:
        return console.refusal(request, who, exc)
    # The form sends "" for "all"; a value that is no status or category filters nothing.
    status = status if status in STATUSES else ""
    category = category if category in CATEGORIES else ""
    items, total = await admin.search_registrations(
        ctx=ctx, conference_id=conference_id, page=page, page_size=PAGE_SIZE, status=status or None,
        category=category or None, region=None, checked_in=None, q=q)
    stats = await admin.conference_stats(ctx=ctx, conference_id=conference_id)
    expected = sum(stats["by_status"].get(s, 0) for s in SEAT_HOLDING)
    filters = {k: v for k, v in {"status": status, "category": category, "q": q}.items() if v}
    return console.render(request, who, "console_registrations.html", {
        "conference": service.conference_public(doc), "items": [registration_public(d) for d in items],
        "total": total, "page": page, "pages": max(1, -(-total // PAGE_SIZE)), "stats": stats,
        "expected": expected, "filters": filters, "statuses": STATUSES, "categories": CATEGORIES,
        "query": urlencode(filters), "saved": request.query_params.get("saved") == "1",
    })


async def _registration_conference(ctx: Ctx, registration_id: str) -> str:
    conference_id = await admin.conference_of_registration(ctx=ctx, registration_id=registration_id)
    if conference_id is None:
        raise NotFound("registration_not_found")
    return conference_id


@router.get("/registrations/{registration_id}", response_class=HTMLResponse)
async def registration(registration_id: str, request: Request, ctx: Ctx, who: Session) -> Response:
    if isinstance(who, RedirectResponse):
        return who
    try:
        holds_or_refuse(who, _scope(await _registration_conference(ctx, registration_id)))
        doc = await admin.get_registration(ctx=ctx, registration_id=registration_id)
    except DomainError as exc:
        return console.refusal(request, who, exc)
    done = request.query_params.get("done")
    return console.render(request, who, "console_registration.html", {
        "reg": registration_public(doc), "done": done if done in DECISIONS else None})


@router.post("/registrations/{registration_id}/{decision}", response_class=HTMLResponse)
async def decide(registration_id: str, decision: str, request: Request, ctx: Ctx, who: Session
                 ) -> Response:
    if isinstance(who, RedirectResponse):
        return who
    try:
        use_case = DECISIONS.get(decision)
        if use_case is None:
            raise NotFound("not_found")
        await checked_post(request, who, _scope(await _registration_conference(ctx, registration_id)))
        form: Any = await request.form()
        if decision == "erase" and form.get("confirm") != "yes":
            raise DomainError("console_erase_unconfirmed")
        if decision == "cancel" and form.get("confirm") != "yes":
            raise DomainError("console_cancel_unconfirmed")
        act = Act.of(request, who)
        if decision in REASONED:
            reason = _reason(form, required=decision == "reject")
            await REASONED[decision](ctx=ctx, registration_id=registration_id, act=act, reason=reason)
        else:
            await use_case(ctx=ctx, registration_id=registration_id, act=act)
    except DomainError as exc:
        return console.refusal(request, who, exc)
    return RedirectResponse(f"/console/registrations/{registration_id}?done={decision}", status_code=303)


@router.get("/conferences/{conference_id}/import", response_class=HTMLResponse)
async def import_form(conference_id: str, request: Request, ctx: Ctx, who: Session) -> Response:
    if isinstance(who, RedirectResponse):
        return who
    try:
        holds_or_refuse(who, _scope(conference_id))
        doc = await service.get_conference(ctx=ctx, conference_id=conference_id)
    except DomainError as exc:
        return console.refusal(request, who, exc)
    return console.render(request, who, "console_import.html", {"conference": service.conference_public(doc)})


@router.post("/conferences/{conference_id}/import", response_class=HTMLResponse)
async def import_file(conference_id: str, request: Request, ctx: Ctx, who: Session) -> Response:
    """The import runs in the background: to its progress page, which shows the outcome or each row's fault."""
    if isinstance(who, RedirectResponse):
        return who
    lang = page_language(request)
    try:
        await checked_post(request, who, _scope(conference_id))
        doc = await service.get_conference(ctx=ctx, conference_id=conference_id)
    except DomainError as exc:
        return console.refusal(request, who, exc)
    try:
        upload = (await request.form()).get("file")
        if not isinstance(upload, UploadFile):
            raise DomainError("import_unreadable")
        job_id = await jobs.start_import(ctx=ctx, conference_id=conference_id, filename=upload.filename or "",
                                         content=await upload.read(imports.MAX_BYTES + 1),
                                         act=Act.of(request, who), lang=lang)
    except DomainError as exc:
        return console.render(request, who, "console_import.html", {
            "conference": service.conference_public(doc), "refused": translate(exc.code, lang, **exc.params)},
            status_code=exc.status)
    return RedirectResponse(f"/console/jobs/{job_id}?lang={lang}", status_code=303)


def _three(ar: str, fr: str, en: str) -> dict[str, str]:
    return {"ar": ar, "fr": fr, "en": en}


register_texts({
    "console_conferences": _three("المؤتمرات", "Conférences", "Conferences"),
    "console_no_conferences": _three("لا يوجد مؤتمر تتولى تنظيمه.", "Aucune conférence ne vous est confiée.",
                                     "No conference is in your charge."),
    "console_registrations": _three("التسجيلات", "Inscriptions", "Registrations"),
    "console_search": _three("بحث بالاسم أو البريد الإلكتروني", "Rechercher par nom ou e-mail",
                             "Search by name or e-mail"),
    "console_filter": _three("تصفية", "Filtrer", "Filter"),
    "console_all": _three("الكل", "Toutes", "All"),
    "console_found": _three("{count} تسجيل", "{count} inscription(s)", "{count} registration(s)"),
    "console_none_found": _three("لا يوجد تسجيل مطابق.", "Aucune inscription ne correspond.",
                                 "No registration matches."),
    "console_export_csv": _three("تصدير CSV", "Exporter en CSV", "Export as CSV"),
    "console_edit": _three("تعديل المؤتمر", "Modifier la conférence", "Edit the conference"),
    "console_venue": _three("المكان", "Lieu", "Venue"),
    "console_city": _three("المدينة", "Ville", "City"),
    "console_capacity": _three("السعة", "Capacité", "Capacity"),
    "console_starts_on": _three("اليوم الأول", "Premier jour", "First day"),
    "console_ends_on": _three("اليوم الأخير", "Dernier jour", "Last day"),
    "console_requires_approval": _three("التسجيلات تحتاج موافقة المنظمين", "Les inscriptions demandent une approbation",
                                        "Registrations need the organizers' approval"),
    "console_saved": _three("تم حفظ التعديلات.", "Modifications enregistrées.", "Changes saved."),
    "console_export_xlsx": _three("تصدير Excel", "Exporter en Excel", "Export as Excel"),
    "console_badges_pdf": _three("طباعة الشارات (PDF)", "Imprimer les badges (PDF)", "Print the badges (PDF)"),
    "console_import": _three("استيراد المدعوين أو وفد", "Importer des invités ou une délégation",
                             "Import invitees or a delegation"),
    "console_import_help": _three(
        "ملف CSV (UTF-8) أو XLSX بسطر عناوين: full_name, email, phone, organization_name, organization_type, region،"
        " واختياريًا gender, age_band, language, accessibility_needs، ثم consent (نعم إذا وافق المدعو). "
        "يُفحص كل سطر: إما أن تُسجَّل كل الأسطر أو لا يُسجَّل أي منها.",
        "Un CSV (UTF-8) ou un XLSX avec une ligne d'en-têtes : full_name, email, phone, organization_name, "
        "organization_type, region, et au choix gender, age_band, language, accessibility_needs, puis consent "
        "(oui si l'invité a accepté). Chaque ligne est vérifiée : toutes sont inscrites, ou aucune.",
        "A CSV (UTF-8) or XLSX file with a header row: full_name, email, phone, organization_name, "
        "organization_type, region, optionally gender, age_band, language, accessibility_needs, then consent "
        "(yes if the invitee agreed). Every row is checked: all are registered, or none."),
    "console_file": _three("الملف", "Fichier", "File"),
    "console_import_send": _three("استيراد", "Importer", "Import"),
    "console_arrived": _three("الحاضرون / المنتظرون", "Arrivés / attendus", "Arrived / expected"),
    "console_by_category": _three("المقاعد حسب الفئة", "Places par catégorie", "Seats by category"),
    "console_by_hour": _three("الوصول حسب الساعة (UTC)", "Arrivées par heure (UTC)", "Arrivals by hour (UTC)"),
    "console_number": _three("رقم", "N°", "No."),
    "console_open": _three("فتح", "Ouvrir", "Open"),
    "console_page": _three("الصفحة {page} من {pages}", "Page {page} sur {pages}", "Page {page} of {pages}"),
    "console_next": _three("التالي", "Suivante", "Next"),
    "console_previous": _three("السابق", "Précédente", "Previous"),
    "console_registered_at": _three("تاريخ التسجيل", "Inscrit le", "Registered on"),
    "console_checked_in_at": _three("الحضور", "Arrivée", "Checked in"),
    "console_erased": _three("حُذفت البيانات الشخصية", "Données personnelles effacées", "Personal data erased"),
    "console_approve": _three("قبول", "Approuver", "Approve"),
    "console_reject": _three("رفض", "Refuser", "Reject"),
    "console_promote": _three("نقل من قائمة الانتظار", "Sortir de la liste d'attente", "Move off the waiting list"),
    "console_erase": _three("حذف البيانات الشخصية", "Effacer les données personnelles", "Erase personal data"),
    "console_erase_confirm": _three("أؤكد أن المشارك طلب حذف بياناته، وهذا لا يمكن التراجع عنه.",
                                    "Je confirme que le participant a demandé l'effacement, qui est définitif.",
                                    "I confirm the participant asked for erasure, which cannot be undone."),
    "console_erase_unconfirmed": _three("يجب تأكيد الحذف أولًا.", "Confirmez d'abord l'effacement.",
                                        "Confirm the erasure first."),
    "console_done_approve": _three("تم قبول التسجيل وإبلاغ المشارك.",
                                   "Inscription approuvée, le participant est prévenu.",
                                   "Registration approved; the participant is told."),
    "console_done_reject": _three("تم رفض التسجيل وإبلاغ المشارك.", "Inscription refusée, le participant est prévenu.",
                                  "Registration rejected; the participant is told."),
    "console_done_promote": _three("تم نقل المشارك من قائمة الانتظار.", "Participant sorti de la liste d'attente.",
                                   "Participant moved off the waiting list."),
    "console_done_erase": _three("حُذفت البيانات الشخصية.", "Données personnelles effacées.",
                                 "Personal data erased."),
    "console_decision_reason": _three("سبب القرار (يُرسل إلى المشارك)", "Motif de la décision (envoyé au participant)",
                             "Reason for the decision (sent to the participant)"),
    "console_decision_reason_optional": _three("سبب القبول (اختياري، يُرسل إلى المشارك)",
                                      "Motif de l'approbation (facultatif, envoyé au participant)",
                                      "Reason for approving (optional, sent to the participant)"),
    "console_decision_reason_required": _three("اكتبوا سبب الرفض: يُرسل إلى المشارك.",
                                      "Indiquez le motif du refus : il est envoyé au participant.",
                                      "Write the reason for rejecting: it is sent to the participant."),
    "console_decision_reason_too_long": _three("السبب أطول من {max} حرف.", "Le motif dépasse {max} caractères.",
                                      "The reason is longer than {max} characters."),
    "console_cancel": _three("إلغاء التسجيل", "Annuler l'inscription", "Cancel the registration"),
    "console_cancel_confirm": _three("أؤكد أن المشارك طلب الإلغاء؛ سيتوصل برسالة ويذهب مقعده إلى قائمة الانتظار.",
                                     "Je confirme que le participant demande l'annulation ; il en sera prévenu et "
                                     "sa place ira à la liste d'attente.",
                                     "I confirm the participant asks to cancel; they will be told and their seat "
                                     "goes to the waiting list."),
    "console_cancel_unconfirmed": _three("يجب تأكيد الإلغاء أولًا.", "Confirmez d'abord l'annulation.",
                                         "Confirm the cancellation first."),
    "console_done_cancel": _three("تم إلغاء التسجيل وإبلاغ المشارك.",
                                  "Inscription annulée, le participant est prévenu.",
                                  "Registration cancelled; the participant is told."),
    "console_public_page": _three("الصفحة العمومية", "Page publique", "Public page"),
})
