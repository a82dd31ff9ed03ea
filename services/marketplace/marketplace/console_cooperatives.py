"""Organizer console screens of the cooperatives registry: list and search, import from a CSV or
XLSX file (a background job whose page reports a refused file row by row), one cooperative's
invitations and their state, and a new invitation mailed from the screen.

Same use cases and scope as the API's registry routes (``organizer:market:*``: any market
organizer keeps the registry; ``admin``).
"""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from marketplace import background, service
from marketplace.console import Session, console
from marketplace.context import Ctx
from marketplace.domain import InvitationCreate
from shared.audit import Act
from shared.errors import DomainError
from shared.i18n import LANGUAGES, translate
from shared.limits import MAX_BODY_BYTES, REF_MAX
from shared.pagination import PageRequest
from shared.web import page_language, register_texts
from shared.web.console import checked_post, holds_or_refuse

router = APIRouter(prefix="/console", include_in_schema=False)
REGISTRY = "organizer:market:*"
PAGE_SIZE = 50
Text = Annotated[str, Query(max_length=REF_MAX)]


async def _listing(ctx: Ctx, q: str, page: int) -> dict[str, Any]:
    found, total = await service.list_cooperatives(ctx=ctx, page=PageRequest(page=page, page_size=PAGE_SIZE),
                                                   text=q or None)
    return {"cooperatives": found, "total": total, "q": q, "page": page, "pages": max(1, -(-total // PAGE_SIZE))}


@router.get("/cooperatives", response_class=HTMLResponse)
async def cooperatives(request: Request, ctx: Ctx, who: Session, q: Text = "",
                       page: Annotated[int, Query(ge=1, le=10_000)] = 1) -> Response:
    if isinstance(who, RedirectResponse):
        return who
    try:
        holds_or_refuse(who, REGISTRY)
        listing = await _listing(ctx, q.strip(), page)
    except DomainError as exc:
        return console.refusal(request, who, exc)
    return console.render(request, who, "console_cooperatives.html", listing)


@router.post("/cooperatives/import", response_class=HTMLResponse)
async def import_file(request: Request, ctx: Ctx, who: Session) -> Response:
    """The import runs in the background: to its progress page, which shows the report at the end."""
    if isinstance(who, RedirectResponse):
        return who
    lang = page_language(request)
    try:
        await checked_post(request, who, REGISTRY)
        upload = (await request.form()).get("file")
        if not isinstance(upload, UploadFile):
            raise DomainError("table_unreadable", status=422)
        job_id = await background.start_cooperatives_import(
            ctx=ctx, filename=upload.filename or "", content=await upload.read(MAX_BODY_BYTES + 1),
            act=Act.of(request, who), lang=lang)
    except DomainError as exc:
        return console.refusal(request, who, exc)
    return RedirectResponse(f"/console/jobs/{job_id}?lang={lang}", status_code=303)


async def _cooperative_page(request: Request, ctx: Ctx, who: Any, cooperative_id: str,
                            extra: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
    found = await service.get_cooperative(ctx=ctx, principal=who, cooperative_id=cooperative_id)
    sent = await service.cooperative_invitations(ctx=ctx, cooperative_id=cooperative_id)
    return console.render(request, who, "console_cooperative.html",
                          {"cooperative": found, "invitations": sent, **(extra or {})},
                          status_code=status_code)


@router.get("/cooperatives/{cooperative_id}", response_class=HTMLResponse)
async def cooperative(cooperative_id: str, request: Request, ctx: Ctx, who: Session) -> Response:
    if isinstance(who, RedirectResponse):
        return who
    try:
        holds_or_refuse(who, REGISTRY)
        return await _cooperative_page(request, ctx, who, cooperative_id)
    except DomainError as exc:
        return console.refusal(request, who, exc)


@router.post("/cooperatives/{cooperative_id}/invitations", response_class=HTMLResponse)
async def invite(cooperative_id: str, request: Request, ctx: Ctx, who: Session) -> Response:
    if isinstance(who, RedirectResponse):
        return who
    try:
        await checked_post(request, who, REGISTRY)
        language = str((await request.form()).get("language") or page_language(request))
        data = InvitationCreate.model_validate({"language": language if language in LANGUAGES else None})
        sent = await service.invite_cooperative(ctx=ctx, cooperative_id=cooperative_id, by=who.sub, data=data,
                                                act=Act.of(request, who))
        return await _cooperative_page(request, ctx, who, cooperative_id, {"sent": sent})
    except DomainError as exc:
        if exc.status in (403, 404):
            return console.refusal(request, who, exc)
        return await _cooperative_page(request, ctx, who, cooperative_id,
                                       {"refused": translate(exc.code, page_language(request), **exc.params)},
                                       status_code=exc.status)


def _three(ar: str, fr: str, en: str) -> dict[str, str]:
    return {"ar": ar, "fr": fr, "en": en}


register_texts({
    "console_cooperatives": _three("سجل التعاونيات", "Registre des coopératives", "Cooperatives registry"),
    "console_coop_search": _three("بحث بالاسم أو برقم التسجيل", "Chercher par nom ou numéro d'immatriculation",
                                  "Search by name or register number"),
    "console_coop_search_send": _three("بحث", "Chercher", "Search"),
    "console_coop_count": _three("{count} تعاونية", "{count} coopérative(s)", "{count} cooperative(s)"),
    "console_coop_none": _three("لا توجد أي تعاونية مطابقة.", "Aucune coopérative ne correspond.",
                                "No cooperative matches."),
    "console_coop_register": _three("رقم التسجيل", "Immatriculation", "Register number"),
    "console_coop_region": _three("الجهة", "Région", "Region"),
    "console_coop_sector": _three("القطاع", "Secteur", "Sector"),
    "console_coop_import": _three("استيراد من ملف", "Importer depuis un fichier", "Import from a file"),
    "console_coop_import_help": _three(
        "ملف CSV أو XLSX بسطر عناوين: name_ar، name_fr، name_en، register_number، region، province، sector، "
        "members، women_led، youth_led، representative، phone، email، last_exhibited_on. يستورد كل شيء أو لا شيء؛ "
        "التعاونيات الموجودة (نفس رقم التسجيل) تبقى كما هي.",
        "Un CSV ou XLSX avec une ligne d'en-têtes : name_ar, name_fr, name_en, register_number, region, province, "
        "sector, members, women_led, youth_led, representative, phone, email, last_exhibited_on. Tout ou rien ; "
        "les coopératives déjà inscrites (même immatriculation) restent telles quelles.",
        "A CSV or XLSX file with a header row: name_ar, name_fr, name_en, register_number, region, province, "
        "sector, members, women_led, youth_led, representative, phone, email, last_exhibited_on. All or nothing; "
        "cooperatives already registered (same register number) are left as they are."),
    "console_coop_file": _three("الملف", "Fichier", "File"),
    "console_coop_import_send": _three("استيراد", "Importer", "Import"),
    "console_coop_invitations": _three("الدعوات", "Invitations", "Invitations"),
    "console_coop_no_invitation": _three("لم تُرسل أي دعوة بعد.", "Aucune invitation envoyée.",
                                         "No invitation sent yet."),
    "console_coop_invite": _three("إرسال دعوة إلى فضاء العارضين", "Envoyer une invitation à l'espace exposant",
                                  "Send an invitation to the exhibitor space"),
    "console_coop_language": _three("لغة الرسالة", "Langue du message", "Language of the mail"),
    "console_coop_sent_mailed": _three("أُرسلت الدعوة بالبريد الإلكتروني.", "Invitation envoyée par courriel.",
                                       "Invitation mailed."),
    "console_coop_sent_link": _three("لا يتوفر عنوان بريد: سلموا هذا الرابط إلى التعاونية (صالح لمرة واحدة):",
                                     "Pas d'adresse de courriel : transmettez ce lien à la coopérative "
                                     "(valable une fois) :",
                                     "No e-mail address: pass this link on to the cooperative (it works once):"),
    "console_coop_sent_at": _three("أُرسلت", "Envoyée le", "Sent"),
    "console_coop_expires": _three("تنتهي", "Expire le", "Expires"),
    "console_coop_state": _three("الحالة", "État", "State"),
    "console_coop_state_pending": _three("في الانتظار", "En attente", "Pending"),
    "console_coop_state_used": _three("مقبولة", "Acceptée", "Accepted"),
    "console_coop_state_expired": _three("منتهية", "Expirée", "Expired"),
    "console_coop_previous": _three("السابق", "Précédent", "Previous"),
    "console_coop_next": _three("التالي", "Suivant", "Next"),
})
