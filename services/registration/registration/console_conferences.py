"""Console screens of a conference's settings: create (administrators), edit (its organizers) and
preview its public page with the values typed, before saving.

The forms post to the same use cases as ``admin_api`` (``create_conference``,
``update_conference``, ``preview_conference``) with the same scopes.
"""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from registration import conferences, service
from registration.console import Session, console
from registration.context import Ctx
from registration.domain import CATEGORIES, ConferenceCreate, ConferencePublic, ConferenceUpdate
from registration.pages import form_choices, pages
from shared.audit import Act
from shared.auth import ADMIN, Principal
from shared.errors import DomainError
from shared.i18n import translate
from shared.regions import REGIONS, region_name
from shared.timezones import MOROCCO_TIMEZONE
from shared.web import form_errors, page_language, register_texts
from shared.web.console import checked_post, holds_or_refuse

router = APIRouter(prefix="/console", include_in_schema=False)
KINDS = ("national_conference", "regional_consultation", "advocacy_meeting")
EDITABLE = ("venue", "city", "capacity", "starts_on", "ends_on")
WINDOW = ("registration_opens_at", "registration_closes_at")
CREATED_ONLY = ("id", "kind", "region", "title_ar", "title_fr", "title_en")
LANGS = ("ar", "fr", "en")
FORM_FIELD_MAX = 300


def _scope(conference_id: str) -> str:
    return f"organizer:conference:{conference_id}"


def _names() -> tuple[str, ...]:
    return (*EDITABLE, *WINDOW, *CREATED_ONLY, "requires_approval", *(f"quota_{c}" for c in CATEGORIES))


def _typed(form: Any) -> dict[str, str]:
    # Every value is cut to a bound here; the models then check each one's own limits.
    return {name: str(form.get(name) or "").strip()[:FORM_FIELD_MAX] for name in _names()}


def _moment(text: str, zone: str) -> datetime | str:
    """A datetime-local value, read in the conference's time zone; left as typed when it is no date."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return text
    return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(zone))


def _body(values: dict[str, str], *, creating: bool, zone: str) -> dict[str, Any]:
    body: dict[str, Any] = {name: values[name] for name in EDITABLE if values[name]}
    body["requires_approval"] = values["requires_approval"] == "yes"
    body["quotas"] = {c: values[f"quota_{c}"] for c in CATEGORIES if values[f"quota_{c}"]}
    for name in WINDOW:
        body[name] = _moment(values[name], zone) if values[name] else None
    if creating:
        body |= {name: values[name] for name in ("id", "kind", "region") if values[name]}
        body["title"] = {lang: values[f"title_{lang}"] for lang in LANGS if values[f"title_{lang}"]}
    return body


def _values_of(conference: ConferencePublic) -> dict[str, str]:
    zone = ZoneInfo(conference.timezone or MOROCCO_TIMEZONE)
    values = {name: str(getattr(conference, name)) for name in EDITABLE}
    values["requires_approval"] = "yes" if conference.requires_approval else ""
    for name in WINDOW:
        moment = getattr(conference, name)
        values[name] = moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M") if moment else ""
    quotas = {str(category): seats for category, seats in conference.quotas.items()}
    values |= {f"quota_{c}": str(quotas[c]) if c in quotas else "" for c in CATEGORIES}
    return values


def _screen(request: Request, who: Principal, conference: ConferencePublic | None, values: dict[str, str],
            errors: dict[str, str], status_code: int = 200) -> HTMLResponse:
    lang = page_language(request)
    return console.render(request, who, "console_conference_edit.html", {
        "conference": conference, "values": values, "errors": errors, "categories": CATEGORIES,
        "kinds": KINDS, "regions": [(r, region_name(r, lang)) for r in REGIONS], "langs": LANGS,
    }, status_code=status_code)


def _refused(exc: ValidationError | DomainError, lang: str) -> dict[str, str]:
    if isinstance(exc, ValidationError):
        return form_errors(exc, lang)
    return {"__all__": translate(exc.code, lang, **exc.params)}


@router.get("/conferences/new", response_class=HTMLResponse)
async def create_form(request: Request, who: Session) -> Response:
    if isinstance(who, RedirectResponse):
        return who
    try:
        holds_or_refuse(who, ADMIN)
    except DomainError as exc:
        return console.refusal(request, who, exc)
    empty = dict.fromkeys(_names(), "") | {"kind": "national_conference"}
    return _screen(request, who, None, empty, {})


@router.post("/conferences/new", response_class=HTMLResponse)
async def create(request: Request, ctx: Ctx, who: Session) -> Response:
    if isinstance(who, RedirectResponse):
        return who
    lang = page_language(request)
    values = _typed(await request.form())
    try:
        await checked_post(request, who, ADMIN)
        data = ConferenceCreate.model_validate(_body(values, creating=True, zone=MOROCCO_TIMEZONE))
        created = await service.create_conference(ctx=ctx, data=data, act=Act.of(request, who))
    except (ValidationError, DomainError) as exc:
        if isinstance(exc, DomainError) and exc.status == 403:
            return console.refusal(request, who, exc)
        return _screen(request, who, None, values, _refused(exc, lang), status_code=422)
    return RedirectResponse(f"/console/conferences/{created.id}?lang={lang}&saved=1", status_code=303)


@router.post("/conferences/new/preview", response_class=HTMLResponse)
async def preview_new(request: Request, ctx: Ctx, who: Session) -> Response:
    if isinstance(who, RedirectResponse):
        return who
    values = _typed(await request.form())
    try:
        await checked_post(request, who, ADMIN)
        data = ConferenceCreate.model_validate(_body(values, creating=True, zone=MOROCCO_TIMEZONE))
        shown = await conferences.preview_new_conference(ctx=ctx, data=data)
    except (ValidationError, DomainError) as exc:
        return _preview_refused(request, exc)
    return _preview(request, shown)


@router.get("/conferences/{conference_id}/edit", response_class=HTMLResponse)
async def edit_form(conference_id: str, request: Request, ctx: Ctx, who: Session) -> Response:
    if isinstance(who, RedirectResponse):
        return who
    try:
        holds_or_refuse(who, _scope(conference_id))
        doc = await service.get_conference(ctx=ctx, conference_id=conference_id)
    except DomainError as exc:
        return console.refusal(request, who, exc)
    conference = service.conference_public(doc)
    return _screen(request, who, conference, _values_of(conference), {})


@router.post("/conferences/{conference_id}/edit", response_class=HTMLResponse)
async def edit(conference_id: str, request: Request, ctx: Ctx, who: Session) -> Response:
    if isinstance(who, RedirectResponse):
        return who
    lang = page_language(request)
    values = _typed(await request.form())
    try:
        await checked_post(request, who, _scope(conference_id))
        zone = await service.conference_timezone(ctx=ctx, conference_id=conference_id)
        data = ConferenceUpdate.model_validate(_body(values, creating=False, zone=zone))
        await service.update_conference(ctx=ctx, conference_id=conference_id, data=data, act=Act.of(request, who))
        return RedirectResponse(f"/console/conferences/{conference_id}?lang={lang}&saved=1", status_code=303)
    except (ValidationError, DomainError) as exc:
        if isinstance(exc, DomainError) and exc.status in (403, 404):
            return console.refusal(request, who, exc)
        errors = _refused(exc, lang)
    doc = await service.get_conference(ctx=ctx, conference_id=conference_id)
    return _screen(request, who, service.conference_public(doc), values, errors, status_code=422)


@router.post("/conferences/{conference_id}/preview", response_class=HTMLResponse)
async def preview(conference_id: str, request: Request, ctx: Ctx, who: Session) -> Response:
    if isinstance(who, RedirectResponse):
        return who
    values = _typed(await request.form())
    try:
        await checked_post(request, who, _scope(conference_id))
        zone = await service.conference_timezone(ctx=ctx, conference_id=conference_id)
        data = ConferenceUpdate.model_validate(_body(values, creating=False, zone=zone))
        shown = await conferences.preview_conference(ctx=ctx, conference_id=conference_id, data=data)
    except (ValidationError, DomainError) as exc:
        return _preview_refused(request, exc)
    return _preview(request, shown)


def _preview(request: Request, conference: ConferencePublic) -> HTMLResponse:
    """The public registration page as participants would see it; its form sends nothing."""
    lang = page_language(request)
    return pages.render(request, "registration_register.html", {
        "conference": conference, "values": {"language": lang}, "errors": {}, "choices": form_choices(lang),
        "preview": True})


def _preview_refused(request: Request, exc: ValidationError | DomainError) -> HTMLResponse:
    lang = page_language(request)
    errors = _refused(exc, lang)
    message = " · ".join(errors.values()) or translate("ui_fix_errors", lang)
    status = exc.status if isinstance(exc, DomainError) else 422
    return pages.render(request, "registration_error.html", {"message": message}, status_code=status)


def _three(ar: str, fr: str, en: str) -> dict[str, str]:
    return {"ar": ar, "fr": fr, "en": en}


register_texts({
    "console_new_conference": _three("مؤتمر جديد", "Nouvelle conférence", "New conference"),
    "console_conference_id": _three("المعرّف (اختياري: حروف لاتينية صغيرة وأرقام وشرطات)",
                                    "Identifiant (facultatif : minuscules, chiffres, tirets)",
                                    "Id (optional: lower-case letters, digits, hyphens)"),
    "console_kind": _three("النوع", "Type", "Kind"),
    "console_kind_national_conference": _three("مناظرة وطنية", "Assises nationales", "National conference"),
    "console_kind_regional_consultation": _three("لقاء تشاوري جهوي", "Consultation régionale",
                                                 "Regional consultation"),
    "console_kind_advocacy_meeting": _three("لقاء ترافعي", "Rencontre de plaidoyer", "Advocacy meeting"),
    "console_title_ar": _three("العنوان بالعربية", "Titre en arabe", "Title in Arabic"),
    "console_title_fr": _three("العنوان بالفرنسية", "Titre en français", "Title in French"),
    "console_title_en": _three("العنوان بالإنجليزية", "Titre en anglais", "Title in English"),
    "console_quotas": _three("حصص المقاعد حسب الفئة (فارغ: بدون حصة)", "Quotas de places par catégorie (vide : aucun)",
                             "Seat quotas by category (empty: none)"),
    "console_window": _three("فترة التسجيل (بتوقيت المؤتمر؛ فارغ: مفتوحة حتى نهايته)",
                             "Période d'inscription (heure de la conférence ; vide : ouverte jusqu'à la fin)",
                             "Registration window (conference time; empty: open until it ends)"),
    "console_registration_opens_at": _three("يفتح التسجيل", "Ouverture des inscriptions", "Registration opens"),
    "console_registration_closes_at": _three("يغلق التسجيل", "Clôture des inscriptions", "Registration closes"),
    "console_preview": _three("معاينة الصفحة العمومية دون حفظ", "Aperçu de la page publique, sans enregistrer",
                              "Preview the public page without saving"),
    "console_preview_frame": _three("معاينة الصفحة العمومية", "Aperçu de la page publique", "Public page preview"),
    "console_create": _three("إنشاء المؤتمر", "Créer la conférence", "Create the conference"),
    "ui_preview_note": _three("معاينة: لم يُحفظ شيء بعد، والاستمارة لا ترسل شيئًا.",
                              "Aperçu : rien n'est encore enregistré, le formulaire n'envoie rien.",
                              "Preview: nothing is saved yet, the form sends nothing."),
})
