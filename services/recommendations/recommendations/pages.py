"""Public web pages: the progress dashboard and one page per recommendation with its timeline.

Charts are plain HTML bars sized on the server (no script, readable by screen readers
as numbers, printable); the same views as the JSON API feed them, so ``?date=``
shows the dashboard as it stood on a past day.
"""

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from recommendations import views
from recommendations.catalogue import AXES, BODIES
from recommendations.context import Ctx
from recommendations.domain import parse_as_of
from shared.errors import DomainError
from shared.formats import amount_text, number_text, percent_text
from shared.i18n import translate
from shared.web import Pages, page_language, register_texts

HERE = Path(__file__).parent
pages = Pages(HERE / "templates", service="recommendations")
router = APIRouter(include_in_schema=False)
DateQuery = Annotated[str | None, Query(max_length=40)]
STATUSES = ("not_started", "limited", "substantial", "complete", "withdrawn")


UNITS = ("persons", "jobs", "participants", "regions", "cooperatives")


def quantity(value: float | None, unit: str, lang: str) -> Markup:
    """A figure with its unit in the page's language: ``50 000 emplois``, ``3,1 %``, ``1 234,50 MAD``."""
    if value is None:
        return Markup("—")
    if unit == "percent":
        text = percent_text(value, lang)
    elif unit == "MAD":
        text = amount_text(value, lang)
    elif unit in UNITS:
        text = translate(f"ui_unit_{unit}", lang, n=number_text(value, lang))
    else:  # a unit typed by an officer: shown as typed, isolated from the sentence's direction
        return Markup('<bdi class="nowrap">{}</bdi> <bdi>{}</bdi>').format(number_text(value, lang), unit)
    return Markup('<bdi class="nowrap">{}</bdi>').format(text)


def unit_word(unit: str, lang: str) -> str:
    """The unit alone, in the page's language (a chart's axis): ``emplois``, ``%``, ``MAD``; a typed one as typed."""
    if unit in UNITS:
        return translate(f"ui_unit_{unit}", lang, n="").strip()
    return "%" if unit == "percent" else unit


def labels(lang: str) -> dict[str, Any]:
    def name(table: dict[str, dict[str, str]], code: str) -> str:
        entry = table.get(code)
        return (entry.get(lang) or entry.get("fr") or code) if entry else code
    return {"axis": lambda c: name(AXES, c), "body": lambda c: name(BODIES, c),
            "quantity": lambda value, unit: quantity(value, unit, lang),
            "percent": lambda value: Markup('<bdi class="nowrap">{}</bdi>').format(percent_text(value, lang))}


def _error(request: Request, exc: DomainError) -> HTMLResponse:
    return pages.render(request, "recommendations_error.html",
                        {"message": translate(exc.code, page_language(request), **exc.params)},
                        status_code=exc.status)


@router.get("/progress", response_class=HTMLResponse)
async def dashboard(request: Request, ctx: Ctx, date: DateQuery = None,
                    status: Annotated[str | None, Query(max_length=30)] = None) -> HTMLResponse:
    """Status by recommendation, by body and theme, indicators against their targets, the register."""
    try:
        as_of = parse_as_of(date) if date else None
        board = await views.dashboard(ctx=ctx, edition=None, as_of=as_of)
        items = await views.list_recommendations(
            ctx=ctx, filters=views.Filters(status=status if status in STATUSES else None), as_of=as_of)
    except DomainError as exc:
        return _error(request, exc)
    lang = page_language(request)
    return pages.render(request, "recommendations_dashboard.html", {
        "board": board, "items": items, "statuses": STATUSES, "status": status or "", "date": date or "",
        "max_theme": max(board.by_theme.values() or [1]) or 1, "max_body": max(board.by_body.values() or [1]) or 1,
        **labels(lang)})


@router.get("/progress/{recommendation_id}", response_class=HTMLResponse)
async def recommendation(recommendation_id: str, request: Request, ctx: Ctx,
                         date: DateQuery = None) -> HTMLResponse:
    try:
        as_of = parse_as_of(date) if date else None
        detail = await views.get_recommendation(ctx=ctx, recommendation_id=recommendation_id,
                                                as_of=as_of)
    except DomainError as exc:
        return _error(request, exc)
    return pages.render(request, "recommendations_detail.html", {"r": detail, **labels(page_language(request))})


router.include_router(pages.static_router())


def _three(ar: str, fr: str, en: str) -> dict[str, str]:
    return {"ar": ar, "fr": fr, "en": en}


register_texts({
    "ui_rec_dashboard": _three("تتبع تنفيذ التوصيات", "Suivi de la mise en œuvre des recommandations",
                               "Progress of the recommendations"),
    "ui_rec_total": _three("عدد التوصيات: {n}", "Recommandations : {n}", "Recommendations: {n}"),
    "ui_rec_average": _three("متوسط نسبة التقدم: {p}", "Avancement moyen : {p}", "Average progress: {p}"),
    "ui_unit_persons": _three("{n} شخص", "{n} personnes", "{n} persons"),
    "ui_unit_jobs": _three("{n} منصب شغل", "{n} emplois", "{n} jobs"),
    "ui_unit_participants": _three("{n} مشارك", "{n} participants", "{n} participants"),
    "ui_unit_regions": _three("{n} جهة", "{n} régions", "{n} regions"),
    "ui_unit_cooperatives": _three("{n} تعاونية", "{n} coopératives", "{n} cooperatives"),
    "ui_rec_as_of": _three("الوضعية بتاريخ", "Situation au", "As of"),
    "ui_rec_show": _three("عرض", "Afficher", "Show"),
    "ui_rec_by_status": _three("حسب الحالة", "Par statut", "By status"),
    "ui_rec_by_theme": _three("حسب محور الاستراتيجية", "Par axe de la stratégie", "By strategy axis"),
    "ui_rec_by_body": _three("حسب الجهة المعنية", "Par organisme impliqué", "By body involved"),
    "ui_rec_indicators": _three("المؤشرات مقارنة بالأهداف", "Indicateurs par rapport aux cibles",
                                "Indicators against targets"),
    "ui_rec_baseline": _three("القيمة المرجعية", "Référence", "Baseline"),
    "ui_rec_target": _three("الهدف", "Cible", "Target"),
    "ui_rec_current": _three("القيمة الحالية", "Valeur actuelle", "Current value"),
    "ui_rec_no_value": _three("لا توجد قيمة بعد", "Pas encore de valeur", "No value yet"),
    "ui_rec_register": _three("سجل التوصيات", "Registre des recommandations", "Register of recommendations"),
    "ui_rec_number": _three("رقم", "N°", "No."),
    "ui_rec_text": _three("التوصية", "Recommandation", "Recommendation"),
    "ui_rec_status": _three("الحالة", "Statut", "Status"),
    "ui_rec_progress": _three("التقدم", "Avancement", "Progress"),
    "ui_rec_overdue": _three("متأخرة", "En retard", "Overdue"),
    "ui_rec_overdue_count": _three("توصيات متأخرة: {n}", "Recommandations en retard : {n}",
                                   "Overdue recommendations: {n}"),
    "ui_rec_pending_count": _three("إتمامات في انتظار المصادقة: {n}", "Achèvements en attente de validation : {n}",
                                   "Completions awaiting approval: {n}"),
    "ui_rec_lead": _three("الجهة المسؤولة", "Organisme pilote", "Lead body"),
    "ui_rec_contributors": _three("الجهات المساهمة", "Organismes contributeurs", "Contributing bodies"),
    "ui_rec_target_date": _three("الأجل المستهدف", "Échéance", "Target date"),
    "ui_rec_themes": _three("المحاور", "Axes", "Axes"),
    "ui_rec_milestones": _three("المراحل", "Jalons", "Milestones"),
    "ui_rec_done": _three("أنجزت", "Réalisé", "Done"),
    "ui_rec_due": _three("الأجل", "Échéance", "Due"),
    "ui_rec_evidence": _three("الإثباتات", "Preuves", "Evidence"),
    "ui_rec_timeline": _three("التسلسل الزمني", "Historique", "Timeline"),
    "ui_rec_session": _three("الجلسة الأصلية", "Séance d'origine", "Originating session"),
    **{f"ui_rec_status_{k}": _three(*v) for k, v in {
        "not_started": ("لم تنطلق", "Non commencée", "Not started"),
        "limited": ("تقدم محدود", "Avancement limité", "Limited"),
        "substantial": ("تقدم كبير", "Avancement substantiel", "Substantial"),
        "complete": ("منجزة", "Achevée", "Complete"),
        "withdrawn": ("مسحوبة", "Retirée", "Withdrawn")}.items()},
    **{f"ui_rec_kind_{k}": _three(*v) for k, v in {
        "created": ("تسجيل التوصية", "Recommandation enregistrée", "Recommendation registered"),
        "status_changed": ("تغيير الحالة", "Changement de statut", "Status changed"),
        "completion_proposed": ("اقتراح الإتمام", "Achèvement proposé", "Completion proposed"),
        "completion_approved": ("المصادقة على الإتمام", "Achèvement validé", "Completion approved"),
        "completion_sent_back": ("إرجاع اقتراح الإتمام", "Achèvement renvoyé", "Completion sent back"),
        "milestone_added": ("إضافة مرحلة", "Jalon ajouté", "Milestone added"),
        "milestone_completed": ("إنجاز مرحلة", "Jalon réalisé", "Milestone completed"),
        "milestone_edited": ("تعديل مرحلة", "Jalon modifié", "Milestone changed"),
        "outcome_updated": ("تحيين من الجلسة", "Mise à jour depuis la séance", "Updated from the session"),
        "edition_set": ("تحديد الدورة", "Édition renseignée", "Edition set")}.items()},
})
