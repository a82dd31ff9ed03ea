"""Console screens of bulk work on a group of registrations, run as background jobs: the badges
of the group as one PDF (A6 or A4 sheets), and a message to the group, each recipient in their
language, previewed and counted before it is sent."""

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from registration import bulk_messages, jobs
from registration.bulk_messages import Audience, AudienceCount, BulkMessage
from registration.console import STATUSES, Session, console
from registration.context import Ctx
from registration.domain import CATEGORIES
from registration.jobs import BadgeBatch
from shared.audit import Act
from shared.errors import DomainError
from shared.i18n import LANGUAGES, translate
from shared.web import form_errors, page_language, register_texts
from shared.web.console import checked_post, holds_or_refuse

router = APIRouter(prefix="/console", include_in_schema=False)
TEXT_FIELD_MAX = 6000


def _scope(conference_id: str) -> str:
    return f"organizer:conference:{conference_id}"


def _job_page(job_id: str, lang: str) -> RedirectResponse:
    return RedirectResponse(f"/console/jobs/{job_id}?lang={lang}", status_code=303)


def _chosen(value: str, allowed: tuple[str, ...]) -> str | None:
    return value if value in allowed else None


@router.post("/conferences/{conference_id}/badges", response_class=HTMLResponse)
async def badges(conference_id: str, request: Request, ctx: Ctx, who: Session) -> Response:
    if isinstance(who, RedirectResponse):
        return who
    lang = page_language(request)
    try:
        await checked_post(request, who, _scope(conference_id))
        form: Any = await request.form()
        batch = BadgeBatch(layout="a4" if form.get("layout") == "a4" else "a6",
                           category=_chosen(str(form.get("category") or ""), CATEGORIES),
                           q=str(form.get("q") or "")[:100] or None)
        job_id = await jobs.start_badges(ctx=ctx, conference_id=conference_id, batch=batch, by=who)
    except DomainError as exc:
        return console.refusal(request, who, exc)
    return _job_page(job_id, lang)


def _audience(values: dict[str, str]) -> Audience:
    return Audience(status=_chosen(values["status"], STATUSES),
                    category=_chosen(values["category"], CATEGORIES),
                    q=values["q"][:100] or None)


def _typed(form: Any) -> dict[str, str]:
    names = ("status", "category", "q", *(f"{part}_{lang}" for lang in LANGUAGES for part in ("subject", "body")))
    return {name: str(form.get(name) or "").strip()[:TEXT_FIELD_MAX] for name in names}


def _message(values: dict[str, str]) -> BulkMessage:
    texts = {lang: {"subject": values[f"subject_{lang}"], "body": values[f"body_{lang}"]}
             for lang in LANGUAGES if values[f"subject_{lang}"] or values[f"body_{lang}"]}
    return BulkMessage.model_validate({"audience": _audience(values).model_dump(), "texts": texts})


async def _screen(request: Request, who: Any, ctx: Ctx, conference_id: str, values: dict[str, str], *,
                  errors: dict[str, str] | None = None, preview: BulkMessage | None = None,
                  status_code: int = 200) -> Response:
    counted: AudienceCount = await bulk_messages.count_audience(ctx=ctx, conference_id=conference_id,
                                                                audience=_audience(values))
    return console.render(request, who, "console_message.html", {
        "conference_id": conference_id, "values": values, "errors": errors or {}, "counted": counted,
        "preview": preview, "message_langs": LANGUAGES, "statuses": STATUSES, "categories": CATEGORIES,
        "back": urlencode({k: values[k] for k in ("status", "category", "q") if values[k]}),
    }, status_code=status_code)


@router.get("/conferences/{conference_id}/message", response_class=HTMLResponse)
async def message_form(conference_id: str, request: Request, ctx: Ctx, who: Session,
                       status: Annotated[str, Query(max_length=30)] = "",
                       category: Annotated[str, Query(max_length=30)] = "",
                       q: Annotated[str, Query(max_length=100)] = "") -> Response:
    if isinstance(who, RedirectResponse):
        return who
    values = _typed({"status": status, "category": category, "q": q})
    try:
        holds_or_refuse(who, _scope(conference_id))
        return await _screen(request, who, ctx, conference_id, values)
    except DomainError as exc:
        return console.refusal(request, who, exc)


@router.post("/conferences/{conference_id}/message", response_class=HTMLResponse)
async def message_post(conference_id: str, request: Request, ctx: Ctx, who: Session) -> Response:
    if isinstance(who, RedirectResponse):
        return who
    lang = page_language(request)
    form: Any = await request.form()
    values = _typed(form)
    try:
        await checked_post(request, who, _scope(conference_id))
        message = _message(values)
        if form.get("action") != "send":
            await bulk_messages.check_languages(ctx=ctx, conference_id=conference_id, message=message)
            return await _screen(request, who, ctx, conference_id, values, preview=message)
        job_id = await jobs.start_message(ctx=ctx, conference_id=conference_id, message=message, by=who,
                                          act=Act.of(request, who))
    except ValidationError as exc:
        return await _screen(request, who, ctx, conference_id, values, errors=form_errors(exc, lang),
                             status_code=422)
    except DomainError as exc:
        if exc.status in (403, 404):
            return console.refusal(request, who, exc)
        errors = {"__all__": translate(exc.code, lang, **exc.params)}
        return await _screen(request, who, ctx, conference_id, values, errors=errors, status_code=exc.status)
    return _job_page(job_id, lang)


def _three(ar: str, fr: str, en: str) -> dict[str, str]:
    return {"ar": ar, "fr": fr, "en": en}


register_texts({
    "console_bulk_badges": _three("شارات هذه القائمة (المؤكدون)", "Badges de cette liste (confirmés)",
                                  "Badges of this list (confirmed)"),
    "console_layout": _three("التنسيق", "Format", "Layout"),
    "console_layout_a6": _three("صفحة A6 لكل شارة", "Une page A6 par badge", "One A6 page per badge"),
    "console_layout_a4": _three("أربع شارات في ورقة A4 مع علامات القص", "Quatre badges par feuille A4, traits de coupe",
                                "Four badges per A4 sheet, with cut marks"),
    "console_start_badges": _three("إعداد ملف PDF", "Préparer le PDF", "Prepare the PDF"),
    "console_message": _three("رسالة إلى هذه القائمة", "Message à cette liste", "Message to this list"),
    "console_message_title": _three("رسالة إلى المشاركين", "Message aux participants", "Message to participants"),
    "console_message_help": _three(
        "يتوصل كل مستلم بالموضوع والنص المكتوبين بلغته. اكتبوا لكل لغة يقرؤها المستلمون.",
        "Chaque destinataire reçoit l'objet et le texte écrits dans sa langue : rédigez chaque langue de vos "
        "destinataires.", "Each recipient gets the subject and body written in their language: write each language "
        "your recipients read."),
    "console_message_count": _three("سيتوصل بها {count} مشارك", "{count} participant(s) la recevront",
                                    "{count} participant(s) will receive it"),
    "console_message_count_lang": _three("{language}: {count}", "{language} : {count}", "{language}: {count}"),
    "console_subject": _three("الموضوع", "Objet", "Subject"),
    "console_body": _three("النص", "Texte", "Body"),
    "console_message_preview": _three("معاينة وعد المستلمين", "Aperçu et décompte", "Preview and count"),
    "console_message_send": _three("إرسال إلى {count} مشارك", "Envoyer à {count} participant(s)",
                                   "Send to {count} participant(s)"),
    "console_language_ar": _three("العربية", "Arabe", "Arabic"),
    "console_language_fr": _three("الفرنسية", "Français", "French"),
    "console_language_en": _three("الإنجليزية", "Anglais", "English"),
})
