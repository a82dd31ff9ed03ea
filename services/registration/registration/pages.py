"""Web pages: register, my registration (view, edit, badge, cancel) and the staff scanner.

Server-rendered forms post to these routes, which call the same use cases as the
JSON API; validation errors come back inline, in the page's language. Only the
scanner needs JavaScript (camera, QR decoding, the offline queue).
"""

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from registration import service
from registration.context import Ctx
from registration.domain import CATEGORIES, ParticipantDetails, RegistrationCreate, registration_public
from shared.auth import session_refresh_url
from shared.documents import utcnow
from shared.errors import Conflict, DomainError
from shared.formats import day_range_text
from shared.i18n import translate
from shared.pdf import Line, card_pdf
from shared.qr import qr_png
from shared.regions import REGIONS, region_name
from shared.web import Pages, form_errors, gate_texts, page_language, register_texts

HERE = Path(__file__).parent
pages = Pages(HERE / "templates", service="registration", static_dir=HERE / "static")
router = APIRouter(include_in_schema=False)
Token = Annotated[str, Query(min_length=1, max_length=2000)]

AGE_BANDS = ("under_25", "25_34", "35_44", "45_54", "55_64", "65_plus")
FIELDS = ("full_name", "email", "phone", "organization_name", "organization_type", "region", "gender", "age_band",
          "language", "accessibility_needs")


def form_choices(lang: str) -> dict[str, list[tuple[str, str]]]:
    return {
        "organization_type": [(c, translate(f"ui_cat_{c}", lang)) for c in CATEGORIES],
        "region": [(r, region_name(r, lang)) for r in [*REGIONS, "abroad"]],
        "gender": [("", translate("ui_not_said", lang)), ("female", translate("ui_female", lang)),
                   ("male", translate("ui_male", lang))],
        "age_band": [("", translate("ui_not_said", lang)), *((a, translate(f"ui_age_{a}", lang)) for a in AGE_BANDS)],
        "language": [("ar", "العربية"), ("fr", "Français"), ("en", "English")],
    }


def _form_data(raw: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    """Form values as the API models expect them: empty optional fields are absent."""
    data: dict[str, Any] = {}
    for name in fields:
        value = raw.get(name)
        if isinstance(value, str):
            value = value.strip()
        if value not in (None, ""):
            data[name] = value
    return data


def _error_page(request: Request, exc: DomainError) -> HTMLResponse:
    lang = page_language(request)
    return pages.render(request, "registration_error.html",
                        {"message": translate(exc.code, lang, **exc.params)}, status_code=exc.status)


def _my_url(registration_id: str, token: str, **extra: str) -> str:
    return f"/my/{registration_id}?" + urlencode({"token": token, **extra})


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, ctx: Ctx) -> HTMLResponse:
    now = utcnow()
    conferences = [service.conference_public(doc, now) for doc in await service.list_conferences(ctx=ctx)]
    return pages.render(request, "registration_home.html", {"conferences": conferences})


async def _register_form(request: Request, ctx: Ctx, conference_id: str, values: dict[str, Any],
                         errors: dict[str, str], status_code: int = 200) -> HTMLResponse:
    try:
        conference = service.conference_public(
            await service.get_conference(ctx=ctx, conference_id=conference_id))
    except DomainError as exc:
        return _error_page(request, exc)
    lang = page_language(request)
    return pages.render(request, "registration_register.html", {
        "conference": conference, "values": values, "errors": errors, "choices": form_choices(lang)},
        status_code=status_code)


@router.get("/register/{conference_id}", response_class=HTMLResponse)
async def register_form(conference_id: str, request: Request, ctx: Ctx) -> HTMLResponse:
    lang = page_language(request)
    return await _register_form(request, ctx, conference_id, {"language": lang}, {})


@router.post("/register/{conference_id}", response_class=HTMLResponse)
async def register_submit(conference_id: str, request: Request, ctx: Ctx) -> Response:
    form = await request.form()
    lang = page_language(request)
    values = _form_data(form, FIELDS)
    values["consent"] = form.get("consent") == "yes"
    try:
        data = RegistrationCreate.model_validate(values)
    except ValidationError as exc:
        return await _register_form(request, ctx, conference_id, values, form_errors(exc, lang), 422)
    try:
        doc, token = await service.register_participant(ctx=ctx, conference_id=conference_id, data=data)
    except DomainError as exc:
        field = "email" if exc.code == "already_registered" else "__all__"
        return await _register_form(request, ctx, conference_id, values,
                                    {field: translate(exc.code, lang, **exc.params)}, exc.status)
    return RedirectResponse(_my_url(doc.id, token, new="1", lang=lang), status_code=303)


async def _my_page(request: Request, ctx: Ctx, registration_id: str, token: str,
                   errors: dict[str, str] | None = None, values: dict[str, Any] | None = None,
                   status_code: int = 200) -> HTMLResponse:
    try:
        doc = await service.own_registration(ctx=ctx, registration_id=registration_id, token=token)
        conference = service.conference_public(
            await service.get_conference(ctx=ctx, conference_id=doc.conference_id))
    except DomainError as exc:
        return _error_page(request, exc)
    lang = page_language(request)
    query = urlencode({"token": token})
    return pages.render(request, "registration_my.html", {
        "reg": registration_public(doc), "conference": conference, "token": token, "query": query,
        "new": request.query_params.get("new") == "1", "saved": request.query_params.get("saved") == "1",
        "errors": errors or {}, "values": values or registration_public(doc).model_dump(),
        "choices": form_choices(lang),
        "region_label": region_name(doc.region, lang),
    }, status_code=status_code)


@router.get("/my/{registration_id}", response_class=HTMLResponse)
async def my_registration(registration_id: str, token: Token, request: Request, ctx: Ctx
                          ) -> HTMLResponse:
    return await _my_page(request, ctx, registration_id, token)


@router.post("/my/{registration_id}/edit", response_class=HTMLResponse)
async def my_edit(registration_id: str, token: Token, request: Request, ctx: Ctx) -> Response:
    form = await request.form()
    lang = page_language(request)
    editable = ("full_name", "phone", "organization_name", "region", "gender", "age_band", "language",
                "accessibility_needs")
    values = _form_data(form, editable)
    try:
        data = ParticipantDetails.model_validate(values)
        await service.change_details(ctx=ctx, registration_id=registration_id, token=token, data=data)
    except ValidationError as exc:
        return await _my_page(request, ctx, registration_id, token, form_errors(exc, lang), values, 422)
    except DomainError as exc:
        return _error_page(request, exc)
    return RedirectResponse(_my_url(registration_id, token, saved="1", lang=lang), status_code=303)


@router.post("/my/{registration_id}/cancel", response_class=HTMLResponse)
async def my_cancel(registration_id: str, token: Token, request: Request, ctx: Ctx) -> Response:
    try:
        await service.cancel_registration(ctx=ctx, registration_id=registration_id, token=token)
    except DomainError as exc:
        return _error_page(request, exc)
    return RedirectResponse(_my_url(registration_id, token, lang=page_language(request)), status_code=303)


@router.get("/my/{registration_id}/badge.pdf")
async def my_badge_pdf(registration_id: str, token: Token, request: Request, ctx: Ctx) -> Response:
    """The printable badge: name, organization, conference, QR; laid out in the participant's language."""
    try:
        doc = await service.own_registration(ctx=ctx, registration_id=registration_id, token=token)
        if doc.status != "confirmed":
            raise Conflict("badge_not_available")
        conference = await service.get_conference(ctx=ctx, conference_id=doc.conference_id)
    except DomainError as exc:
        return _error_page(request, exc)
    reg = registration_public(doc)
    lang = request.query_params.get("lang") or reg.language or page_language(request)
    title = conference.title
    heading = title.get(lang) or title.get("fr") or title.get("ar") or title.get("en") or doc.conference_id
    dates = day_range_text(conference.starts_on, conference.ends_on, lang)
    body = card_pdf(
        heading=heading,
        lines=[Line(reg.full_name or "", 18), Line(reg.organization_name or "", 12),
               Line(translate(f"ui_cat_{reg.organization_type}", lang), 11),
               Line(f"{conference.venue} · {conference.city}", 10), Line(dates, 10)],
        qr_png=qr_png(service.badge_token(ctx, doc)),
        footer=f"{translate('ui_badge_number', lang)} {reg.number} · {reg.id}", rtl=lang == "ar")
    return Response(body, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="badge-{registration_id}.pdf"'})


@router.get("/scanner/{conference_id}", response_class=HTMLResponse)
async def scanner(conference_id: str, request: Request, ctx: Ctx) -> HTMLResponse:
    """The staff scanner; the staff token is typed once and kept on the device."""
    try:
        conference = service.conference_public(
            await service.get_conference(ctx=ctx, conference_id=conference_id))
    except DomainError as exc:
        return _error_page(request, exc)
    lang = page_language(request)
    texts = {k: translate(f"ui_scan_{k}", lang) for k in (
        "ok", "already", "refused", "invalid", "queued", "synced", "no_camera", "need_token", "sync_failed")}
    texts.update(gate_texts(lang))
    return pages.render(request, "registration_scanner.html", {
        "conference": conference, "texts": texts,
        "scan_url": f"/checkin/conferences/{conference_id}/scans",
        "batch_url": f"/checkin/conferences/{conference_id}/scans/batch",
        "snapshot_url": f"/checkin/conferences/{conference_id}/snapshot",
        "refresh_url": session_refresh_url(request)})


router.include_router(pages.static_router())

_CATEGORY_TEXTS = {
    "cooperative": ("تعاونية", "Coopérative", "Cooperative"),
    "association": ("جمعية", "Association", "Association"),
    "mutual": ("تعاضدية", "Mutuelle", "Mutual society"),
    "public_body": ("مؤسسة عمومية", "Organisme public", "Public body"),
    "elected_council": ("مجلس منتخب", "Conseil élu", "Elected council"),
    "professional_chamber": ("غرفة مهنية", "Chambre professionnelle", "Professional chamber"),
    "university_research": ("جامعة أو مركز بحث", "Université ou recherche", "University or research"),
    "private_company": ("مقاولة خاصة", "Entreprise privée", "Private company"),
    "international_partner": ("شريك دولي", "Partenaire international", "International partner"),
    "media": ("وسائل الإعلام", "Médias", "Media"),
    "other": ("أخرى", "Autre", "Other"),
}
_AGE_TEXTS = {
    "under_25": ("أقل من 25 سنة", "Moins de 25 ans", "Under 25"),
    "25_34": ("25 إلى 34 سنة", "25 à 34 ans", "25 to 34"),
    "35_44": ("35 إلى 44 سنة", "35 à 44 ans", "35 to 44"),
    "45_54": ("45 إلى 54 سنة", "45 à 54 ans", "45 to 54"),
    "55_64": ("55 إلى 64 سنة", "55 à 64 ans", "55 to 64"),
    "65_plus": ("65 سنة فأكثر", "65 ans et plus", "65 and over"),
}


def _three(ar: str, fr: str, en: str) -> dict[str, str]:
    return {"ar": ar, "fr": fr, "en": en}


register_texts({
    **{f"ui_cat_{k}": _three(*v) for k, v in _CATEGORY_TEXTS.items()},
    **{f"ui_age_{k}": _three(*v) for k, v in _AGE_TEXTS.items()},
    "ui_not_said": _three("لا أرغب في التصريح", "Je préfère ne pas le dire", "Prefer not to say"),
    "ui_female": _three("أنثى", "Femme", "Female"),
    "ui_male": _three("ذكر", "Homme", "Male"),
    "ui_conferences": _three("التظاهرات", "Les événements", "Events"),
    "ui_no_conferences": _three("لا توجد تظاهرات حاليا.", "Aucun événement pour le moment.", "No events yet."),
    "ui_register": _three("التسجيل", "S'inscrire", "Register"),
    "ui_register_for": _three("التسجيل في: {title}", "Inscription : {title}", "Register for: {title}"),
    "ui_seats_left": _three("المقاعد المتبقية: {n}", "Places restantes : {n}", "Seats left: {n}"),
    "ui_registration_closed": _three("التسجيل مغلق حاليا.", "Les inscriptions sont fermées.",
                                     "Registration is closed."),
    "ui_full_name": _three("الاسم الكامل", "Nom complet", "Full name"),
    "ui_email": _three("البريد الإلكتروني", "Adresse e-mail", "E-mail address"),
    "ui_phone": _three("رقم الهاتف", "Téléphone", "Phone number"),
    "ui_phone_hint": _three("مثال: 0612345678 أو ‎+212 612 345 678", "Ex. : 06 12 34 56 78 ou +212 6 12 34 56 78",
                            "E.g. 06 12 34 56 78 or +212 6 12 34 56 78"),
    "ui_organization_name": _three("اسم الهيئة", "Nom de l'organisation", "Organization name"),
    "ui_organization_type": _three("نوع الهيئة", "Type d'organisation", "Type of organization"),
    "ui_region": _three("الجهة", "Région", "Region"),
    "ui_gender": _three("الجنس", "Genre", "Gender"),
    "ui_age_band": _three("الفئة العمرية", "Tranche d'âge", "Age band"),
    "ui_language_pref": _three("لغة المراسلات", "Langue des messages", "Language for messages"),
    "ui_accessibility": _three("احتياجات خاصة (الولوجيات)", "Besoins d'accessibilité",
                               "Accessibility needs"),
    "ui_optional": _three("اختياري", "facultatif", "optional"),
    "ui_consent": _three(
        "أوافق على معالجة معطياتي الشخصية لأغراض هذه التظاهرة وفق القانون 09-08.",
        "J'accepte le traitement de mes données personnelles pour cet événement (loi 09-08).",
        "I agree to the processing of my personal data for this event (law 09-08)."),
    "ui_submit_registration": _three("تأكيد التسجيل", "Valider l'inscription", "Submit registration"),
    "ui_my_registration": _three("تسجيلي", "Mon inscription", "My registration"),
    "ui_registered_thanks": _three("تم تسجيلك. احتفظ بهذا الرابط للرجوع إلى تسجيلك.",
                                   "Votre inscription est enregistrée. Gardez ce lien pour y revenir.",
                                   "You are registered. Keep this link to come back to your registration."),
    "ui_saved": _three("تم حفظ التعديلات.", "Modifications enregistrées.", "Changes saved."),
    "ui_status": _three("الحالة", "Statut", "Status"),
    "ui_status_confirmed": _three("مؤكد", "Confirmée", "Confirmed"),
    "ui_status_waitlisted": _three("في لائحة الانتظار", "Sur liste d'attente", "Waitlisted"),
    "ui_status_pending": _three("في انتظار الموافقة", "En attente de validation", "Pending approval"),
    "ui_status_cancelled": _three("ملغى", "Annulée", "Cancelled"),
    "ui_status_rejected": _three("مرفوض", "Refusée", "Rejected"),
    "ui_status_help_confirmed": _three("مقعدك محجوز. قدم هذه الشارة عند المدخل.",
                                       "Votre place est réservée. Présentez ce badge à l'entrée.",
                                       "Your seat is reserved. Show this badge at the entrance."),
    "ui_status_help_waitlisted": _three("لا يوجد مقعد متاح الآن؛ سنخبرك عبر البريد عند تحرر مقعد.",
                                        "Aucune place libre pour l'instant ; un e-mail vous préviendra dès qu'une "
                                        "place se libère.",
                                        "No seat is free now; an e-mail will tell you when one frees up."),
    "ui_status_help_pending": _three("ينتظر تسجيلك موافقة المنظمين.", "Votre inscription attend la validation "
                                     "des organisateurs.", "Your registration awaits the organizers' approval."),
    "ui_status_help_cancelled": _three("تم إلغاء هذا التسجيل.", "Cette inscription est annulée.",
                                       "This registration is cancelled."),
    "ui_status_help_rejected": _three("لم تتم الموافقة على هذا التسجيل.", "Cette inscription n'a pas été retenue.",
                                      "This registration was not accepted."),
    "ui_badge": _three("الشارة", "Badge", "Badge"),
    "ui_badge_alt": _three("رمز QR لشارة الدخول", "QR code du badge d'entrée", "QR code of the entrance badge"),
    "ui_badge_png": _three("تحميل الشارة (صورة PNG)", "Télécharger le badge (image PNG)",
                           "Download the badge (PNG image)"),
    "ui_badge_pdf": _three("تحميل الشارة للطباعة (PDF)", "Badge à imprimer (PDF)", "Printable badge (PDF)"),
    "ui_badge_number": _three("رقم", "N°", "No."),
    "ui_edit_details": _three("تعديل معلوماتي", "Modifier mes informations", "Edit my details"),
    "ui_cancel_registration": _three("إلغاء التسجيل", "Annuler mon inscription", "Cancel my registration"),
    "ui_register_again": _three("التسجيل من جديد", "S'inscrire à nouveau", "Register again"),
    "ui_cancel_confirm": _three("هل تريد فعلا إلغاء تسجيلك؟", "Voulez-vous vraiment annuler votre inscription ?",
                                "Do you really want to cancel your registration?"),
    "ui_agenda_link": _three("البرنامج", "Programme", "Programme"),
    "ui_scanner": _three("ماسح الشارات", "Scanner des badges", "Badge scanner"),
    "ui_staff_token": _three("رمز دخول الطاقم", "Jeton d'accès de l'équipe", "Staff access token"),
    "ui_staff_token_hint": _three("يحفظ على هذا الجهاز فقط.", "Conservé sur cet appareil uniquement.",
                                  "Kept on this device only."),
    "ui_start_camera": _three("تشغيل الكاميرا", "Activer la caméra", "Start the camera"),
    "ui_scan_photo": _three("أو اختر صورة للرمز", "Ou choisissez une photo du code", "Or pick a photo of the code"),
    "ui_pending_scans": _three("عمليات مسح في انتظار المزامنة: {n}", "Scans en attente de synchronisation : {n}",
                               "Scans waiting to sync: {n}"),
    "ui_sync_now": _three("مزامنة الآن", "Synchroniser", "Sync now"),
    "ui_offline": _three("غير متصل: يتم حفظ عمليات المسح على الجهاز.", "Hors ligne : les scans sont gardés sur "
                         "l'appareil.", "Offline: scans are kept on the device."),
    "ui_scan_ok": _three("دخول مسموح", "Entrée autorisée", "Entry allowed"),
    "ui_scan_already": _three("سبق تسجيل الدخول", "Déjà enregistré", "Already checked in"),
    "ui_scan_refused": _three("دخول مرفوض", "Entrée refusée", "Entry refused"),
    "ui_scan_invalid": _three("رمز غير صالح", "Code non valide", "Invalid code"),
    "ui_scan_queued": _three("تم الحفظ على الجهاز، ستتم المزامنة عند عودة الشبكة",
                             "Gardé sur l'appareil, synchronisé au retour du réseau",
                             "Kept on the device, synced when the network returns"),
    "ui_scan_synced": _three("تمت مزامنة عمليات المسح", "Scans synchronisés", "Scans synced"),
    "ui_scan_no_camera": _three("الكاميرا غير متاحة؛ استعمل صورة.", "Caméra indisponible ; utilisez une photo.",
                                "Camera unavailable; use a photo."),
    "ui_scan_need_token": _three("أدخل رمز دخول الطاقم أولا.", "Saisissez d'abord le jeton de l'équipe.",
                                 "Enter the staff token first."),
    "ui_scan_sync_failed": _three("تعذرت المزامنة؛ ستتم إعادة المحاولة.", "Synchronisation impossible ; nouvel "
                                  "essai bientôt.", "Sync failed; will retry."),
})
