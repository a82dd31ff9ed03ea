"""Exhibitor space (a cooperative's applications, stands, passes and sales of the day) and the pass scanner.

The exhibitor arrives through its invitation link (``invitation_pages``), or signs in
with an access token the API gave; the token is kept in an HttpOnly, SameSite=Strict
cookie (scripts cannot read it, other sites cannot post with it) and checked on every
request like a bearer token. The scanner page itself is public: the staff token typed
on it goes with every scan it sends.
"""

from datetime import date
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from marketplace import checkin, overview, sales, service
from marketplace.context import Ctx, Marketplace
from marketplace.domain import MarketPublic, PassPublic, SalesDeclare, market_day
from shared.auth import (
    ACCESS_COOKIE,
    CSRF_COOKIE,
    Principal,
    TokenVerifier,
    check_csrf,
    session_principal,
    session_refresh_url,
)
from shared.documents import utcnow
from shared.errors import DomainError, Forbidden
from shared.formats import day_text, list_text
from shared.i18n import translate
from shared.pdf import Line, card_pdf
from shared.qr import qr_png
from shared.timezones import plausible_day
from shared.web import Pages, form_errors, gate_texts, page_language, register_texts

HERE = Path(__file__).parent
pages = Pages(HERE / "templates", service="marketplace")
router = APIRouter(include_in_schema=False)
COOKIE = "tadamon_exhibitor"
SECTORS = ("agrifood", "argan_oils", "cosmetics", "textiles_carpets", "crafts", "honey", "dates",
           "couscous_cereals", "other")


async def _exhibitor(request: Request) -> Principal | None:
    """The cooperative the page acts for: from the platform's browser session, else from the token this
    space was signed in with. The space acts as that cooperative's exhibitor only, whatever else the
    session may hold (an organizer uses the API)."""
    principal = await session_principal(request)
    token = request.cookies.get(COOKIE)
    if (principal is None or not principal.cooperatives) and token:
        verifier: TokenVerifier = request.app.state.token_verifier
        try:
            principal = await verifier.verify(token)
        except Exception:  # noqa: BLE001 - an expired or forged cookie just means "sign in again"
            return None
    if principal is None or not principal.cooperatives:
        return None
    cooperative_id = principal.cooperatives[0]
    return Principal(sub=principal.sub, name=principal.name, cooperative_id=cooperative_id,
                     scopes=[f"exhibitor:cooperative:{cooperative_id}"])


def _error(request: Request, exc: DomainError) -> HTMLResponse:
    return pages.render(request, "marketplace_error.html",
                        {"message": translate(exc.code, page_language(request), **exc.params)},
                        status_code=exc.status)


async def _space(request: Request, ctx: Marketplace, who: Principal, *, errors: dict[str, str] | None = None,
                 saved: bool = False, status_code: int = 200) -> HTMLResponse:
    lang = page_language(request)
    space = await overview.exhibitor_space(ctx=ctx, principal=who, lang=lang)
    return pages.render(request, "marketplace_space.html", {
        "cards": space.cards, "cooperative": space.cooperative, "errors": errors or {}, "saved": saved,
        # The day the sales form offers first: today in Morocco, where the markets are held.
        "sectors": [(s, translate(f"ui_sector_{s}", lang)) for s in SECTORS],
        "today": market_day(utcnow()).isoformat(),
        "csrf_token": request.cookies.get(CSRF_COOKIE, ""),
    }, status_code=status_code)


@router.get("/exhibitor", response_class=HTMLResponse)
async def space(request: Request, ctx: Ctx) -> HTMLResponse:
    who = await _exhibitor(request)
    if who is None:
        return pages.render(request, "marketplace_signin.html",
                            {"error": "", "account_url": session_refresh_url(request)})
    try:
        return await _space(request, ctx, who, saved=request.query_params.get("saved") == "1")
    except DomainError as exc:
        return _error(request, exc)


@router.post("/exhibitor/signin", response_class=HTMLResponse)
async def sign_in(request: Request) -> Response:
    form = await request.form()
    token = str(form.get("token") or "").strip()
    verifier: TokenVerifier = request.app.state.token_verifier
    try:
        principal = await verifier.verify(token)
        ok = bool(principal.cooperatives)
    except Exception:  # noqa: BLE001 - any unreadable token is refused the same way
        ok = False
    if not ok:
        return pages.render(request, "marketplace_signin.html",
                            {"error": translate("ui_exhibitor_bad_token", page_language(request)),
                             "account_url": session_refresh_url(request)}, status_code=401)
    return signed_in(request, token, max_age=30 * 24 * 3600)


def signed_in(request: Request, token: str, *, max_age: int) -> Response:
    """To the exhibitor space, the token kept where scripts cannot read it and other sites cannot send it."""
    response = RedirectResponse(f"/exhibitor?lang={page_language(request)}", status_code=303)
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", max_age=max_age,
                        secure=request.url.scheme == "https")
    return response


@router.post("/exhibitor/signout")
async def sign_out(request: Request) -> Response:
    response = RedirectResponse(f"/exhibitor?lang={page_language(request)}", status_code=303)
    response.delete_cookie(COOKIE)
    return response


@router.post("/exhibitor/sales/{market_id}", response_class=HTMLResponse)
async def declare(market_id: str, request: Request, ctx: Ctx) -> Response:
    """The day's sales by product category (a second declaration for the day corrects the first)."""
    who = await _exhibitor(request)
    if who is None:
        return RedirectResponse("/exhibitor", status_code=303)
    if request.cookies.get(ACCESS_COOKIE):
        # Signed in through the platform's session (SameSite=Lax): the form echoes the csrf cookie.
        try:
            await check_csrf(request)
        except HTTPException:
            return _error(request, Forbidden("csrf_failed"))
    form = await request.form()
    lang = page_language(request)
    amounts = {s: str(form.get(f"amount_{s}") or "").strip().replace(",", ".") for s in SECTORS}
    try:
        day = plausible_day(date.fromisoformat(str(form.get("day") or "")))
        data = SalesDeclare.model_validate({"by_category": {k: v for k, v in amounts.items() if v}})
        await sales.declare_sales(ctx=ctx, principal=who, market_id=market_id, day=day, data=data)
    except ValidationError as exc:
        errors = {f"{market_id}:{k}": v for k, v in form_errors(exc, lang).items()}
        return await _space(request, ctx, who, errors=errors, status_code=422)
    except ValueError:
        return await _space(request, ctx, who, errors={f"{market_id}:day": translate("field_bad_date", lang)},
                            status_code=422)
    except DomainError as exc:
        return await _space(request, ctx, who,
                            errors={f"{market_id}:by_category": translate(exc.code, lang, **exc.params)},
                            status_code=exc.status)
    return RedirectResponse(f"/exhibitor?saved=1&lang={lang}", status_code=303)


async def _pass(request: Request, ctx: Marketplace, application_id: str) -> tuple[PassPublic, MarketPublic] | None:
    who = await _exhibitor(request)
    if who is None:
        return None
    return await checkin.printable_pass(ctx=ctx, principal=who, application_id=application_id)


@router.get("/exhibitor/passes/{application_id}.png")
async def pass_png(application_id: str, request: Request, ctx: Ctx) -> Response:
    try:
        found = await _pass(request, ctx, application_id)
    except DomainError as exc:
        return _error(request, exc)
    if found is None:
        return Response(status_code=401)
    return Response(qr_png(found[0].token), media_type="image/png")


@router.get("/exhibitor/passes/{application_id}.pdf")
async def pass_pdf(application_id: str, request: Request, ctx: Ctx) -> Response:
    """The printable pass: market, stand, day(s) and the QR, in the page's language."""
    lang = page_language(request)
    try:
        found = await _pass(request, ctx, application_id)
    except DomainError as exc:
        return _error(request, exc)
    if found is None:
        return Response(status_code=401)
    issued, market = found
    body = card_pdf(
        heading=market.name.pick(lang),
        lines=[Line(translate("ui_exhibitor_pass", lang), 16),
               Line(translate("ui_exhibitor_stand", lang, n=issued.stand_number), 14),
               Line(f"{market.venue} · {market.city}", 10),
               Line(list_text([day_text(d, lang) for d in market.days[:6]], lang), 9)],
        qr_png=qr_png(issued.token), footer=issued.pass_id, rtl=lang == "ar")
    return Response(body, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="pass-{application_id}.pdf"'})


@router.get("/scanner/markets/{market_id}", response_class=HTMLResponse)
async def pass_scanner(market_id: str, request: Request, ctx: Ctx) -> HTMLResponse:
    """The staff scanner of exhibitor passes; the staff token is typed once and kept on the device."""
    try:
        market = await service.get_market(ctx=ctx, market_id=market_id)
    except DomainError as exc:
        return _error(request, exc)
    lang = page_language(request)
    texts = {k: translate(f"ui_pass_scan_{k}", lang) for k in (
        "ok", "already", "refused", "invalid", "queued", "synced", "no_camera", "need_token", "sync_failed")}
    texts.update(gate_texts(lang))
    return pages.render(request, "marketplace_scanner.html", {
        "market": market, "texts": texts,
        "scan_url": f"/markets/{market_id}/checkins", "batch_url": f"/markets/{market_id}/checkins/batch",
        "snapshot_url": f"/markets/{market_id}/checkins/snapshot",
        "refresh_url": session_refresh_url(request)})


router.include_router(pages.static_router())


def _three(ar: str, fr: str, en: str) -> dict[str, str]:
    return {"ar": ar, "fr": fr, "en": en}


register_texts({
    "ui_exhibitor_space": _three("فضاء العارضين", "Espace exposant", "Exhibitor space"),
    "ui_exhibitor_signin": _three("الدخول", "Se connecter", "Sign in"),
    "ui_exhibitor_account_signin": _three("أو الدخول بحساب المنصة", "Ou se connecter avec son compte de la plateforme",
                                          "Or sign in with your platform account"),
    "ui_exhibitor_signout": _three("الخروج", "Se déconnecter", "Sign out"),
    "ui_exhibitor_token": _three("رمز الدخول", "Jeton d'accès", "Access token"),
    "ui_exhibitor_use_invitation": _three(
        "للدخول أول مرة، افتح رابط الدعوة الذي أرسله إليكم المنظمون.",
        "Pour entrer la première fois, ouvrez le lien d'invitation envoyé par les organisateurs.",
        "To enter the first time, open the invitation link the organizers sent you."),
    "ui_exhibitor_bad_token": _three("رمز الدخول غير صالح أو منتهي الصلاحية.", "Jeton d'accès non valide ou expiré.",
                                     "The access token is not valid or has expired."),
    "ui_exhibitor_no_applications": _three("لا توجد طلبات مشاركة بعد.", "Aucune candidature pour l'instant.",
                                           "No applications yet."),
    "ui_exhibitor_application": _three("طلب المشاركة", "Candidature", "Application"),
    "ui_exhibitor_pass": _three("بطاقة العارض", "Badge exposant", "Exhibitor pass"),
    "ui_exhibitor_pass_alt": _three("رمز QR لبطاقة العارض، يقدم عند المدخل", "QR code du badge exposant, à montrer "
                                    "à l'entrée", "QR code of the exhibitor pass, to show at the entrance"),
    "ui_exhibitor_pass_pdf": _three("البطاقة للطباعة (PDF)", "Badge à imprimer (PDF)", "Printable pass (PDF)"),
    "ui_exhibitor_stand": _three("الرواق رقم {n}", "Stand n° {n}", "Stand no. {n}"),
    "ui_exhibitor_sales": _three("مبيعات اليوم", "Ventes du jour", "Sales of the day"),
    "ui_exhibitor_sales_hint": _three("المبالغ بالدرهم حسب صنف المنتوج؛ تصريح ثان لنفس اليوم يصحح الأول.",
                                      "Montants en dirhams par catégorie de produits ; une nouvelle déclaration "
                                      "pour le même jour corrige la précédente.",
                                      "Amounts in dirhams per product category; declaring the same day again "
                                      "corrects it."),
    "ui_exhibitor_declare": _three("تصريح بالمبيعات", "Déclarer les ventes", "Declare sales"),
    "ui_exhibitor_declared": _three("المبيعات المصرح بها", "Ventes déclarées", "Declared sales"),
    "ui_exhibitor_saved": _three("تم تسجيل التصريح.", "Déclaration enregistrée.", "Declaration saved."),
    "ui_exhibitor_day": _three("اليوم", "Jour", "Day"),
    "ui_pass_scanner": _three("ماسح بطاقات العارضين", "Scanner des badges exposants", "Exhibitor pass scanner"),
    "ui_pass_scan_staff_token": _three("رمز دخول الطاقم", "Jeton d'accès de l'équipe", "Staff access token"),
    "ui_pass_scan_staff_token_hint": _three("يحفظ على هذا الجهاز فقط.", "Conservé sur cet appareil uniquement.",
                                            "Kept on this device only."),
    "ui_pass_scan_start_camera": _three("تشغيل الكاميرا", "Activer la caméra", "Start the camera"),
    "ui_pass_scan_photo": _three("أو اختر صورة للرمز", "Ou choisissez une photo du code",
                                 "Or pick a photo of the code"),
    "ui_pass_scan_pending": _three("عمليات مسح في انتظار المزامنة: {n}", "Scans en attente de synchronisation : {n}",
                                   "Scans waiting to sync: {n}"),
    "ui_pass_scan_sync_now": _three("مزامنة الآن", "Synchroniser", "Sync now"),
    "ui_pass_scan_offline": _three("غير متصل: يتم حفظ عمليات المسح على الجهاز.", "Hors ligne : les scans sont gardés "
                                   "sur l'appareil.", "Offline: scans are kept on the device."),
    "ui_pass_scan_ok": _three("دخول مسموح", "Entrée autorisée", "Entry allowed"),
    "ui_pass_scan_already": _three("سبق تسجيل الحضور", "Déjà enregistré", "Already checked in"),
    "ui_pass_scan_refused": _three("دخول مرفوض", "Entrée refusée", "Entry refused"),
    "ui_pass_scan_invalid": _three("بطاقة غير صالحة", "Badge non valide", "Invalid pass"),
    "ui_pass_scan_queued": _three("تم الحفظ على الجهاز، ستتم المزامنة عند عودة الشبكة",
                                  "Gardé sur l'appareil, synchronisé au retour du réseau",
                                  "Kept on the device, synced when the network returns"),
    "ui_pass_scan_synced": _three("تمت مزامنة عمليات المسح", "Scans synchronisés", "Scans synced"),
    "ui_pass_scan_no_camera": _three("الكاميرا غير متاحة؛ استعمل صورة.", "Caméra indisponible ; utilisez une photo.",
                                     "Camera unavailable; use a photo."),
    "ui_pass_scan_need_token": _three("أدخل رمز دخول الطاقم أولا.", "Saisissez d'abord le jeton de l'équipe.",
                                      "Enter the staff token first."),
    "ui_pass_scan_sync_failed": _three("تعذرت المزامنة؛ ستتم إعادة المحاولة.", "Synchronisation impossible ; nouvel "
                                       "essai bientôt.", "Sync failed; will retry."),
    **{f"ui_app_status_{k}": _three(*v) for k, v in {
        "submitted": ("مقدم", "Déposée", "Submitted"), "accepted": ("مقبول", "Acceptée", "Accepted"),
        "rejected": ("مرفوض", "Refusée", "Rejected"), "waitlisted": ("في لائحة الانتظار", "Liste d'attente",
                                                                    "Waitlisted"),
        "withdrawn": ("مسحوب", "Retirée", "Withdrawn")}.items()},
    **{f"ui_sector_{k}": _three(*v) for k, v in {
        "agrifood": ("منتجات غذائية", "Agroalimentaire", "Agrifood"),
        "argan_oils": ("زيت الأركان والزيوت", "Argan et huiles", "Argan and oils"),
        "cosmetics": ("مواد التجميل", "Cosmétiques", "Cosmetics"),
        "textiles_carpets": ("النسيج والزرابي", "Textiles et tapis", "Textiles and carpets"),
        "crafts": ("الصناعة التقليدية", "Artisanat", "Crafts"), "honey": ("العسل", "Miel", "Honey"),
        "dates": ("التمور", "Dattes", "Dates"), "couscous_cereals": ("الكسكس والحبوب", "Couscous et céréales",
                                                                   "Couscous and cereals"),
        "other": ("أخرى", "Autres", "Other")}.items()},
})
