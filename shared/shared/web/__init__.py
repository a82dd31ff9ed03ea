"""What every service's web pages share: the base layout, the page language, UI texts, static files.

Pages are rendered on the server with Jinja2: they work on any phone browser, need no
build step, and show the same localized texts as the API (one catalogue,
``shared.i18n``). A service's pages module builds a ``Pages`` object with its own
template folder; its templates extend ``base.html`` from here.
"""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup
from pydantic import ValidationError

from shared import formats
from shared.errors import _field_error
from shared.i18n import LANGUAGES, RTL_LANGUAGES, Language, negotiate_language, register_messages, translate

WEB_DIR = Path(__file__).parent
STATIC_DIR = WEB_DIR / "static"
LANG_COOKIE = "lang"
LANGUAGE_NAMES = {"ar": "العربية", "fr": "Français", "en": "English"}


def page_language(request: Request) -> Language:
    """``?lang=`` (the switch), then the cookie it leaves, then Accept-Language."""
    explicit = request.query_params.get("lang")
    if explicit in LANGUAGES:
        return explicit
    remembered = request.cookies.get(LANG_COOKIE)
    if remembered in LANGUAGES:
        return remembered
    return negotiate_language(request.headers.get("accept-language"))


def register_texts(texts: Mapping[str, Mapping[str, str]]) -> None:
    """UI texts of the pages, in the same catalogue as the error messages."""
    register_messages({code: dict(value) for code, value in texts.items()})


def form_errors(exc: ValidationError, lang: str) -> dict[str, str]:
    """Field name -> localized message, the way the API's problems word them."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        described = _field_error(dict(error), lang)
        field = described["field"] or "__all__"
        errors.setdefault(field.split(".")[0], described["message"])
    return errors


def switch_url(request: Request, lang: str) -> str:
    url = request.url.include_query_params(lang=lang)
    return f"{url.path}?{url.query}"


def _lang(context: Context) -> str:
    return str(context.get("lang") or "fr")


# Dates and figures in the page's language. A date is one unbreakable, direction-isolated
# run: inside Arabic text its digits neither split across lines nor reorder the sentence.
@pass_context
def _day(context: Context, value: Any) -> Markup:
    if value in (None, ""):
        return Markup("")
    day = formats.as_day(value)
    return Markup('<time class="date" datetime="{}">{}</time>').format(day.isoformat(),
                                                                      formats.day_text(day, _lang(context)))


@pass_context
def _day_plain(context: Context, value: Any) -> str:
    """The same words without markup, for an ``<option>`` or an attribute."""
    return "" if value in (None, "") else formats.day_text(value, _lang(context))


@pass_context
def _day_range(context: Context, first: Any, last: Any) -> Markup:
    start, end = formats.as_day(first), formats.as_day(last)
    return Markup('<time class="date" datetime="{}/{}">{}</time>').format(
        start.isoformat(), end.isoformat(), formats.day_range_text(start, end, _lang(context)))


@pass_context
def _moment(context: Context, value: Any, zone: str | None = None) -> Markup:
    if value is None:
        return Markup("")
    return Markup('<time class="date" datetime="{}">{}</time>').format(
        value.isoformat(), formats.moment_text(value, _lang(context), zone))


@pass_context
def _number(context: Context, value: Any, digits: int = 2) -> str:
    return "" if value is None else formats.number_text(value, _lang(context), digits=digits)


@pass_context
def _amount(context: Context, value: Any) -> Markup:
    if value is None:
        return Markup("")
    return Markup('<bdi class="nowrap">{}</bdi>').format(formats.amount_text(value, _lang(context)))


@pass_context
def _listing(context: Context, items: Any) -> Markup:
    """Items joined as the page's language joins them, each isolated (a Latin name in Arabic text)."""
    isolated = [str(item) if isinstance(item, Markup) else str(Markup("<bdi>{}</bdi>").format(item)) for item in items]
    return Markup(formats.list_text(isolated, _lang(context)))


@pass_context
def _size(context: Context, value: Any) -> Markup:
    """A file size in the page's units, kept in one piece."""
    return Markup('<bdi class="nowrap">{}</bdi>').format(formats.size_text(int(value), _lang(context)))


FILTERS = {"day": _day, "day_plain": _day_plain, "day_range": _day_range, "moment": _moment, "number": _number,
           "amount": _amount, "listing": _listing, "size": _size}


class Pages:
    """Templates of one service (its folder first, then the shared layout)."""

    def __init__(self, templates_dir: Path, *, service: str, static_dir: Path | None = None) -> None:
        env = Environment(
            loader=ChoiceLoader([FileSystemLoader(str(templates_dir)), FileSystemLoader(str(WEB_DIR / "templates"))]),
            autoescape=select_autoescape(["html", "xml"]),
        )
        env.filters.update(FILTERS)
        self.templates = Jinja2Templates(env=env)
        self.service = service
        self.static_dir = static_dir

    def render(self, request: Request, name: str, context: dict[str, Any] | None = None, *,
               status_code: int = 200) -> HTMLResponse:
        lang = page_language(request)

        def t(code: str, **params: object) -> str:
            return translate(code, lang, **params)

        def pick(text: Any) -> str:
            if text is None:
                return ""
            if isinstance(text, Mapping):
                for candidate in (lang, "fr", "ar", "en"):
                    if text.get(candidate):
                        return str(text[candidate])
                return ""
            if hasattr(text, "pick"):
                return str(text.pick(lang))
            return str(text)

        values = {
            "request": request, "lang": lang, "dir": "rtl" if lang in RTL_LANGUAGES else "ltr", "t": t,
            "pick": pick, "languages": [(code, LANGUAGE_NAMES[code], switch_url(request, code)) for code in LANGUAGES],
            "service": self.service, **(context or {}),
        }
        response = self.templates.TemplateResponse(request, name, values, status_code=status_code)
        response.headers["Content-Language"] = lang
        if request.query_params.get("lang") in LANGUAGES:
            response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax")
        return response

    def static_router(self) -> APIRouter:
        """``/favicon.ico``, ``/static/web/...`` (layout, font, QR decoder, icon) and ``/static/<service>/...``."""
        router = APIRouter(include_in_schema=False)
        roots = {"web": STATIC_DIR}
        if self.static_dir is not None:
            roots[self.service] = self.static_dir

        @router.get("/favicon.ico")
        async def favicon() -> Response:
            # Browsers ask for it at the root whatever the page says; one icon for every service.
            return FileResponse(STATIC_DIR / "favicon.ico", media_type="image/x-icon",
                                headers={"Cache-Control": "public, max-age=86400"})

        @router.get("/static/{root}/{path:path}")
        async def static_file(root: str, path: str) -> Response:
            base = roots.get(root)
            if base is None:
                return Response(status_code=404)
            target = (base / path).resolve()
            # Refuse anything that escapes the folder (``..``, symlinks out).
            if not target.is_file() or base.resolve() not in target.parents:
                return Response(status_code=404)
            headers = {"Cache-Control": "public, max-age=3600"}
            if path == "scanner-sw.js":
                # The worker lives with the other static files but serves the scanner pages.
                headers = {"Cache-Control": "no-cache", "Service-Worker-Allowed": "/scanner/"}
            return FileResponse(target, headers=headers)

        return router


register_texts({
    "ui_site_name": {"ar": "تضامن", "fr": "Tadamon", "en": "Tadamon"},
    "ui_tagline": {
        "ar": "منصة تظاهرات الاقتصاد الاجتماعي والتضامني",
        "fr": "La plateforme des événements de l'économie sociale et solidaire",
        "en": "The events platform of the social and solidarity economy",
    },
    "ui_language": {"ar": "اللغة", "fr": "Langue", "en": "Language"},
    "ui_skip": {"ar": "انتقل إلى المحتوى", "fr": "Aller au contenu", "en": "Skip to content"},
    "ui_back": {"ar": "رجوع", "fr": "Retour", "en": "Back"},
    "ui_save": {"ar": "حفظ", "fr": "Enregistrer", "en": "Save"},
    "ui_error_title": {"ar": "تعذر إتمام الطلب", "fr": "La demande n'a pas abouti", "en": "The request failed"},
    "ui_fix_errors": {
        "ar": "يرجى تصحيح الحقول المشار إليها.",
        "fr": "Veuillez corriger les champs signalés.",
        "en": "Please correct the fields marked below.",
    },
})




# What the scanner pages show when the device decides offline (shared/web/static/scanner.js).
GATE_TEXTS = ("offline_ok", "undecided", "revoked", "seen_here", "other_event", "outside_window", "no_snapshot",
              "snapshot_age")


def _three(ar: str, fr: str, en: str) -> dict[str, str]:
    return {"ar": ar, "fr": fr, "en": en}


def gate_texts(lang: str) -> dict[str, str]:
    """The offline words of a scanner page, keyed as scanner.js reads them."""
    return {key: translate(f"ui_gate_{key}", lang) for key in GATE_TEXTS}


register_texts({
    "ui_gate_offline_ok": _three("دخول مسموح (قرار الجهاز دون اتصال)", "Entrée autorisée (décidé hors ligne)",
                                 "Entry allowed (decided offline)"),
    "ui_gate_undecided": _three("لا يمكن الحسم: مفتاح غير معروف لدى هذا الجهاز. لا تسمح بالدخول.",
                                "Indécidable : clé inconnue de cet appareil. Ne pas laisser entrer.",
                                "Cannot decide: key unknown to this device. Do not let in."),
    "ui_gate_revoked": _three("هذا الرمز ملغى.", "Ce code a été révoqué.", "This code has been revoked."),
    "ui_gate_seen_here": _three("سبق قبول هذا الرمز على هذا الجهاز.", "Ce code a déjà été admis sur cet appareil.",
                                "This code was already admitted on this device."),
    "ui_gate_other_event": _three("هذا الرمز خاص بتظاهرة أخرى.", "Ce code appartient à un autre événement.",
                                  "This code belongs to another event."),
    "ui_gate_outside_window": _three("خارج أيام وساعات الدخول.", "Hors des jours et heures d'entrée.",
                                     "Outside the entry days and hours."),
    "ui_gate_no_snapshot": _three("لا توجد معطيات دون اتصال على هذا الجهاز؛ تم حفظ المسح.",
                                  "Aucune donnée hors ligne sur cet appareil ; scan gardé.",
                                  "No offline data on this device; scan kept."),
    "ui_gate_snapshot_age": _three("معطيات دون اتصال محدثة منذ {m} دقيقة", "Données hors ligne mises à jour il y a "
                                   "{m} min", "Offline data updated {m} min ago"),
})


__all__ = ["LANGUAGE_NAMES", "Pages", "STATIC_DIR", "WEB_DIR", "form_errors", "gate_texts", "page_language",
           "register_texts"]
