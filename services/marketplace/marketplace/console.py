"""Organizer console screens of the marketplace: the markets in one's charge, and for one market
its applications to review, the allocation run with each decision's reason, the attendance per
day and the sales per category (also as CSV through the API).

Screens call the same use cases as ``api`` and ask the same scope (``organizer:market:<id>``,
``admin`` everywhere); see ``shared.web.console``.
"""

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from marketplace import applications, background, console_charts, exports, overview, stands
from marketplace.context import Ctx
from shared.audit import Act
from shared.auth import Principal
from shared.errors import DomainError, NotFound
from shared.i18n import LocalizedText
from shared.web import Pages, page_language, register_texts
from shared.web.console import Console, checked_post, console_principal, holds_or_refuse

console = Console(Pages(Path(__file__).parent / "templates", service="marketplace"))
router = APIRouter(prefix="/console", include_in_schema=False)
Session = Annotated[Principal | RedirectResponse, Depends(console_principal)]


def _scope(market_id: str) -> str:
    return f"organizer:market:{market_id}"


@router.get("", response_class=HTMLResponse)
async def markets(request: Request, ctx: Ctx, who: Session) -> Response:
    if isinstance(who, RedirectResponse):
        return who
    shown = await overview.sales_per_market(ctx=ctx, principal=who)
    return console.render(request, who, "console_markets.html", {
        "markets": [s.market for s in shown], "sales": shown, "registry": who.holds("organizer:market:*"),
        "sales_chart": console_charts.market_chart(shown, page_language(request))})


@router.get("/markets/{market_id}", response_class=HTMLResponse)
async def market(market_id: str, request: Request, ctx: Ctx, who: Session) -> Response:
    if isinstance(who, RedirectResponse):
        return who
    try:
        holds_or_refuse(who, _scope(market_id))
        return await _market_page(request, ctx, who, market_id)
    except DomainError as exc:
        return console.refusal(request, who, exc)


async def _market_page(request: Request, ctx: Ctx, who: Principal, market_id: str) -> HTMLResponse:
    lang = page_language(request)
    shown = await overview.market_overview(ctx=ctx, principal=who, market_id=market_id, lang=lang)
    return console.render(request, who, "console_market.html", {
        "market": shown.market, "applications": shown.applications, "names": shown.names,
        "attendance": shown.attendance, "report": shown.report,
        "attendance_chart": console_charts.attendance_chart(shown.attendance, lang),
        "sales_chart": console_charts.category_chart(shown.report.aggregates, lang),
        "done": request.query_params.get("done")})


@router.post("/markets/{market_id}/allocation", response_class=HTMLResponse)
async def allocate(market_id: str, request: Request, ctx: Ctx, who: Session) -> Response:
    """The allocation runs in the background: to its progress page, which lists each decision with its reason."""
    if isinstance(who, RedirectResponse):
        return who
    lang = page_language(request)
    try:
        await checked_post(request, who, _scope(market_id))
        job_id = await background.start_allocation(ctx=ctx, market_id=market_id, act=Act.of(request, who), lang=lang)
    except DomainError as exc:
        return console.refusal(request, who, exc)
    return RedirectResponse(f"/console/jobs/{job_id}?lang={lang}", status_code=303)


async def _decide(ctx: Ctx, request: Request, who: Principal, application_id: str, decision: str) -> None:
    act, lang = Act.of(request, who), page_language(request)
    if decision == "accept":
        await stands.accept_application(ctx=ctx, application_id=application_id, by=who.sub, lang=lang, act=act)
    elif decision == "waitlist":
        await stands.waitlist_application(ctx=ctx, application_id=application_id, by=who.sub, lang=lang, act=act)
    else:
        reason = str((await request.form()).get("reason") or "").strip()
        if not reason or len(reason) > 1000:
            raise DomainError("console_reason_required")
        written = LocalizedText.model_validate({lang: reason})
        await stands.reject_application(ctx=ctx, application_id=application_id, reason=written, by=who.sub,
                                        lang=lang, act=act)


@router.post("/applications/{application_id}/{decision}", response_class=HTMLResponse)
async def decide(application_id: str, decision: str, request: Request, ctx: Ctx, who: Session) -> Response:
    if isinstance(who, RedirectResponse):
        return who
    try:
        owner = await applications.application_owner(ctx=ctx, application_id=application_id)
        if owner is None or decision not in ("accept", "reject", "waitlist"):
            raise NotFound("not_found")
        await checked_post(request, who, _scope(owner[0]))
        await _decide(ctx, request, who, application_id, decision)
    except DomainError as exc:
        return console.refusal(request, who, exc)
    return RedirectResponse(f"/console/markets/{owner[0]}?lang={page_language(request)}&done={decision}",
                            status_code=303)


FILES = {
    "attendance.csv": (exports.attendance_csv, "text/csv; charset=utf-8"),
    "sales.csv": (exports.sales_csv, "text/csv; charset=utf-8"),
}


@router.get("/markets/{market_id}/{name}", response_class=Response)
async def market_file(market_id: str, name: str, request: Request, ctx: Ctx, who: Session) -> Response:
    """The attendance and the sales per category (CSV)."""
    if isinstance(who, RedirectResponse):
        return who
    try:
        holds_or_refuse(who, _scope(market_id))
        if name not in FILES:
            raise NotFound("not_found")
        make, media_type = FILES[name]
        content = await make(ctx=ctx, market_id=market_id, lang=page_language(request))
    except DomainError as exc:
        return console.refusal(request, who, exc)
    return Response(content, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{market_id}-{name}"'})


@router.post("/markets/{market_id}/passes", response_class=HTMLResponse)
async def print_passes(market_id: str, request: Request, ctx: Ctx, who: Session) -> Response:
    """The passes PDF is drawn in the background: to its progress page, with the file at the end."""
    if isinstance(who, RedirectResponse):
        return who
    lang = page_language(request)
    try:
        await checked_post(request, who, _scope(market_id))
        job_id = await background.start_passes_pdf(ctx=ctx, market_id=market_id, act=Act.of(request, who), lang=lang)
    except DomainError as exc:
        return console.refusal(request, who, exc)
    return RedirectResponse(f"/console/jobs/{job_id}?lang={lang}", status_code=303)


def _three(ar: str, fr: str, en: str) -> dict[str, str]:
    return {"ar": ar, "fr": fr, "en": en}


register_texts({
    "console_markets": _three("الأسواق والمعارض", "Marchés et foires", "Markets and fairs"),
    "console_no_markets": _three("لا يوجد سوق تتولى تنظيمه.", "Aucun marché ne vous est confié.",
                                 "No market is in your charge."),
    "console_applications": _three("طلبات المشاركة", "Candidatures", "Applications"),
    "console_app_status": _three("الحالة", "Statut", "Status"),
    "console_cooperative": _three("التعاونية", "Coopérative", "Cooperative"),
    "console_stand": _three("الرواق", "Stand", "Stand"),
    "console_reason": _three("السبب", "Motif", "Reason"),
    "console_accept": _three("قبول", "Accepter", "Accept"),
    "console_waitlist": _three("قائمة الانتظار", "Liste d'attente", "Waiting list"),
    "console_reject_app": _three("رفض", "Refuser", "Reject"),
    "console_reason_required": _three("اكتبوا سبب الرفض (1000 حرف على الأكثر).",
                                      "Écrivez le motif du refus (1000 caractères au plus).",
                                      "Write the reason for the rejection (1000 characters at most)."),
    "console_run_allocation": _three("توزيع الأروقة حسب قواعد السوق", "Attribuer les stands selon les règles",
                                     "Allocate the stands by the market's rules"),
    "console_attendance": _three("الحضور حسب اليوم", "Présence par jour", "Attendance per day"),
    "console_day": _three("اليوم", "Jour", "Day"),
    "console_expected": _three("المنتظرون", "Attendus", "Expected"),
    "console_checked_in": _three("الحاضرون", "Présents", "Checked in"),
    "console_sales": _three("المبيعات حسب الفئة", "Ventes par catégorie", "Sales per category"),
    "console_amount": _three("المبلغ (درهم)", "Montant (MAD)", "Amount (MAD)"),
    "console_total": _three("المجموع", "Total", "Total"),
    "console_sales_per_market": _three("المبيعات حسب السوق", "Ventes par marché", "Sales per market"),
    "console_market": _three("السوق", "Marché", "Market"),
    "console_files": _three("ملفات السوق", "Fichiers du marché", "Files of the market"),
    "console_passes_pdf": _three("بطاقات العارضين للطباعة (PDF)", "Badges exposants à imprimer (PDF)",
                                 "Exhibitor passes to print (PDF)"),
    "console_attendance_csv": _three("الحضور (CSV)", "Présence (CSV)", "Attendance (CSV)"),
    "console_sales_csv": _three("المبيعات حسب الفئة (CSV)", "Ventes par catégorie (CSV)", "Sales per category (CSV)"),
    "console_app_done_accept": _three("تم قبول الطلب.", "Candidature acceptée.", "Application accepted."),
    "console_app_done_waitlist": _three("وُضع الطلب في قائمة الانتظار.", "Candidature mise en attente.",
                                    "Application waitlisted."),
    "console_app_done_reject": _three("تم رفض الطلب.", "Candidature refusée.", "Application rejected."),
})
