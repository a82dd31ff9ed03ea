"""The check-in day screen of the console: live counts (refreshed by a small script), the hourly
arrivals chart, the last scans, scanner devices and their operators, and the manual check-in of a
participant without a badge (search, confirm, check in)."""

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from markupsafe import Markup

from registration import admin, checkin_day
from registration.checkin_day import CheckinDay
from registration.console import Session, console
from registration.context import Ctx
from registration.models import Registration
from shared.audit import Act
from shared.errors import DomainError, NotFound
from shared.formats import moment_text, number_text
from shared.i18n import translate
from shared.web import page_language, register_texts
from shared.web.charts import bar_chart
from shared.web.console import checked_post, holds_or_refuse

router = APIRouter(prefix="/console", include_in_schema=False)
FOUND_MAX = 10


def _scope(conference_id: str) -> str:
    return f"organizer:conference:{conference_id}"


def live_values(day: CheckinDay, lang: str) -> dict[str, str]:
    """The counts of the screen by element id, written the language's way (what the script refreshes)."""
    def n(value: int) -> str:
        return number_text(value, lang, digits=0)

    values = {"arrived": f"{n(day.arrived)} / {n(day.expected)}", "arrived-count": n(day.arrived)}
    for category in day.by_category:
        values[f"cat-{category.category}"] = f"{n(category.arrived)} / {n(category.expected)}"
    return values


def hours_chart(day: CheckinDay, lang: str) -> Markup:
    """Arrivals by hour of the conference's clock, as a bar chart (``shared.web.charts``)."""
    bars = [(f"{row.hour:%H}h", float(row.arrived)) for row in day.by_hour]
    return bar_chart(bars, title=translate("console_arrivals_by_hour", lang), lang=lang)


@router.get("/conferences/{conference_id}/checkin", response_class=HTMLResponse)
async def checkin_screen(
    conference_id: str, request: Request, ctx: Ctx, who: Session,
    q: Annotated[str, Query(max_length=100)] = "", confirm: Annotated[str, Query(max_length=40)] = "",
    done: Annotated[str, Query(max_length=60)] = "",
) -> Response:
    if isinstance(who, RedirectResponse):
        return who
    lang = page_language(request)
    try:
        holds_or_refuse(who, _scope(conference_id))
        day = await checkin_day.checkin_day(ctx=ctx, conference_id=conference_id)
        found: list[Registration] = []
        if q.strip():
            found, _ = await admin.search_registrations(ctx=ctx, conference_id=conference_id, page=1,
                                                       page_size=FOUND_MAX, status="confirmed", q=q)
        chosen = await _chosen(ctx, conference_id, confirm) if confirm else None
    except DomainError as exc:
        return console.refusal(request, who, exc)
    return console.render(request, who, "console_checkin.html", {
        "conference_id": conference_id, "day": day, "live": live_values(day, lang), "chart": hours_chart(day, lang),
        "found": found, "q": q, "chosen": chosen, "done": _done_message(request, done, lang),
        "moment": lambda value: moment_text(value, lang, day.timezone)})


async def _chosen(ctx: Ctx, conference_id: str, registration_id: str) -> Registration:
    reg = await admin.get_registration(ctx=ctx, registration_id=registration_id)
    if reg.conference_id != conference_id:
        raise NotFound("registration_not_found")
    return reg


def _done_message(request: Request, code: str, lang: str) -> str | None:
    if not code:
        return None
    at = request.query_params.get("at", "")[:60]
    return translate(code, lang, at=at)


@router.post("/conferences/{conference_id}/checkin/manual", response_class=HTMLResponse)
async def manual(conference_id: str, request: Request, ctx: Ctx, who: Session) -> Response:
    if isinstance(who, RedirectResponse):
        return who
    lang = page_language(request)
    try:
        await checked_post(request, who, _scope(conference_id))
        registration_id = str((await request.form()).get("registration_id") or "")[:40]
        result = await checkin_day.manual_check_in(ctx=ctx, conference_id=conference_id,
                                                   registration_id=registration_id, by=who, act=Act.of(request, who))
    except DomainError as exc:
        return console.refusal(request, who, exc)
    day = await checkin_day.checkin_day(ctx=ctx, conference_id=conference_id)
    at = moment_text(result.checked_in_at, lang, day.timezone) if result.checked_in_at else ""
    query = urlencode({"lang": lang, "done": result.code, "outcome": result.outcome, "at": at})
    return RedirectResponse(f"/console/conferences/{conference_id}/checkin?{query}", status_code=303)


@router.get("/conferences/{conference_id}/checkin.json")
async def live(conference_id: str, request: Request, ctx: Ctx, who: Session) -> Response:
    """The screen's counts, for its refresh script (same scope as the screen)."""
    if isinstance(who, RedirectResponse):
        return JSONResponse({"values": {}}, status_code=401)
    try:
        holds_or_refuse(who, _scope(conference_id))
        day = await checkin_day.checkin_day(ctx=ctx, conference_id=conference_id)
    except DomainError as exc:
        return JSONResponse({"code": exc.code}, status_code=exc.status)
    return JSONResponse({"values": live_values(day, page_language(request))},
                        headers={"Cache-Control": "no-store"})


def _three(ar: str, fr: str, en: str) -> dict[str, str]:
    return {"ar": ar, "fr": fr, "en": en}


register_texts({
    "console_checkin_day": _three("يوم الاستقبال", "Jour de l'accueil", "Check-in day"),
    "console_arrived_expected": _three("الحاضرون / المؤكَّدون", "Arrivés / confirmés", "Arrived / confirmed"),
    "console_arrivals_by_hour": _three("الوصول حسب الساعة (بتوقيت المؤتمر)",
                                       "Arrivées par heure (heure de la conférence)",
                                       "Arrivals by hour (conference time)"),
    "console_by_category_arrived": _three("الحضور حسب الفئة", "Arrivées par catégorie", "Arrivals by category"),
    "console_last_scans": _three("آخر عمليات المسح", "Derniers scans", "Last scans"),
    "console_devices": _three("أجهزة المسح ومن يشغلها", "Appareils de scan et leurs opérateurs",
                              "Scanner devices and who operates them"),
    "console_device": _three("الجهاز", "Appareil", "Device"),
    "console_operator": _three("المشغِّل", "Opérateur", "Operator"),
    "console_scans": _three("عمليات المسح", "Scans", "Scans"),
    "console_last_at": _three("آخر مسح", "Dernier scan", "Last scan"),
    "console_at": _three("الوقت", "Heure", "Time"),
    "console_outcome": _three("النتيجة", "Résultat", "Outcome"),
    "console_no_scans": _three("لا يوجد مسح بعد.", "Aucun scan pour l'instant.", "No scan yet."),
    "console_manual": _three("تسجيل حضور يدوي (مشارك بدون شارة)", "Enregistrement manuel (participant sans badge)",
                             "Manual check-in (participant without a badge)"),
    "console_manual_search": _three("ابحث عن المشارك بالاسم أو البريد", "Chercher le participant par nom ou e-mail",
                                    "Find the participant by name or e-mail"),
    "console_manual_choose": _three("اختيار", "Choisir", "Choose"),
    "console_manual_confirm": _three("تأكيد حضور {name} (رقم {number})", "Confirmer l'arrivée de {name} (n° {number})",
                                     "Confirm the arrival of {name} (no. {number})"),
    "console_manual_send": _three("تسجيل الحضور", "Enregistrer l'arrivée", "Check in"),
    "console_manual_none": _three("لا يوجد تسجيل مؤكد مطابق.", "Aucune inscription confirmée ne correspond.",
                                  "No confirmed registration matches."),
    "console_manual_device": _three("يدوي", "manuel", "manual"),
    "console_search_send": _three("بحث", "Chercher", "Search"),
    "console_outcome_checked_in": _three("دخل", "entré", "in"),
    "console_outcome_already_checked_in": _three("سبق دخوله", "déjà entré", "already in"),
    "console_outcome_refused": _three("مرفوض", "refusé", "refused"),
    "console_outcome_invalid": _three("غير صالح", "invalide", "invalid"),
})
