"""Multilingual text, Accept-Language negotiation and the catalogue of messages.

Arabic comes first in every source document, French is the working language of the
administration (and our default), English serves international partners.
"""

from datetime import date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from fastapi import Request
from pydantic import BaseModel, ConfigDict, model_validator

from shared import formats
from shared.limits import LongText, ShortText, Title

Language = Literal["ar", "fr", "en"]
LANGUAGES: tuple[Language, ...] = ("ar", "fr", "en")
DEFAULT_LANGUAGE: Language = "fr"
RTL_LANGUAGES = frozenset({"ar"})


class StoredText(BaseModel):
    """A text in up to three languages as it was stored; at least one is required.

    No length nor line rule is checked again when reading: what was stored before a
    limit existed must still list. What callers send is a ``LocalizedText`` or one of
    its bounded kinds below."""

    model_config = ConfigDict(extra="forbid")

    ar: str | None = None
    fr: str | None = None
    en: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_another_kind(cls, value: Any) -> Any:
        # A text of another kind may be offered where a title or a name is expected: its bounds apply then.
        if isinstance(value, StoredText) and not isinstance(value, cls):
            return value.model_dump()
        return value

    @model_validator(mode="after")
    def _at_least_one(self) -> "StoredText":
        for lang in LANGUAGES:
            value = getattr(self, lang)
            if value is not None and not value.strip():
                setattr(self, lang, None)
        if not any(getattr(self, lang) for lang in LANGUAGES):
            raise ValueError("at_least_one_language")
        return self

    def pick(self, lang: str) -> str:
        """The text in ``lang``, else French, Arabic, English in that order."""
        for candidate in (lang, DEFAULT_LANGUAGE, "ar", "en"):
            value = getattr(self, candidate, None)
            if value:
                return str(value)
        return ""


class LocalizedText(StoredText):
    """A free text in up to three languages, as a caller sends it; at least one is required."""

    ar: LongText | None = None
    fr: LongText | None = None
    en: LongText | None = None


class LocalizedTitle(LocalizedText):
    """A title in up to three languages: one line each (it goes into mail subjects)."""

    ar: Title | None = None
    fr: Title | None = None
    en: Title | None = None


class LocalizedName(LocalizedText):
    """A name in up to three languages (a cooperative, a product, an indicator): one line each."""

    ar: ShortText | None = None
    fr: ShortText | None = None
    en: ShortText | None = None


def negotiate_language(accept_language: str | None) -> Language:
    """Pick ar, fr or en from an Accept-Language header, honouring q-values."""
    if not accept_language:
        return DEFAULT_LANGUAGE
    choices: list[tuple[float, int, Language]] = []
    for position, part in enumerate(accept_language.split(",")):
        pieces = part.strip().split(";")
        tag = pieces[0].strip().lower()
        quality = 1.0
        for param in pieces[1:]:
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        base = tag.split("-")[0]
        if base in LANGUAGES and quality > 0:
            choices.append((-quality, position, base))
    if not choices:
        return DEFAULT_LANGUAGE
    return sorted(choices)[0][2]


def request_language(request: Request) -> Language:
    """The caller's language: ``?lang=`` first, then Accept-Language."""
    explicit = request.query_params.get("lang")
    if explicit in LANGUAGES:
        return explicit
    return negotiate_language(request.headers.get("accept-language"))


_CATALOGUE: dict[str, dict[str, str]] = {}


def register_messages(messages: dict[str, dict[str, str]]) -> None:
    """Add a service's messages: ``{code: {"ar": ..., "fr": ..., "en": ...}}``."""
    for code, texts in messages.items():
        missing = set(LANGUAGES) - set(texts)
        if missing:
            raise ValueError(f"message {code!r} lacks {sorted(missing)}")
        known = _CATALOGUE.get(code)
        if known is not None and known != texts:
            # The catalogue is shared by every service loaded in one process (tests,
            # tools): two meanings for one code would make one service's errors lie.
            raise ValueError(f"message {code!r} is already registered with other texts")
        _CATALOGUE[code] = texts


def localized_param(value: object, lang: str) -> object:
    """A message parameter as the language writes it: a day in words, a text in its language."""
    if isinstance(value, LocalizedText):
        return value.pick(lang)
    words = getattr(value, "words", None)
    if callable(words):
        return words(lang)
    if isinstance(value, datetime):
        return formats.moment_text(value, lang, value.tzinfo.key if isinstance(value.tzinfo, ZoneInfo) else None)
    if isinstance(value, date):
        return formats.day_text(value, lang)
    return value


def translate(code: str, lang: str, **params: object) -> str:
    texts = _CATALOGUE.get(code)
    if texts is None:
        return code
    template = texts.get(lang) or texts[DEFAULT_LANGUAGE]
    try:
        return template.format(**{name: localized_param(value, lang) for name, value in params.items()})
    except (KeyError, IndexError, ValueError):
        return template


def has_message(code: str) -> bool:
    return code in _CATALOGUE


register_messages(
    {
        "validation_failed": {
            "ar": "بعض المعطيات المرسلة غير صالحة.",
            "fr": "Certaines données envoyées ne sont pas valides.",
            "en": "Some of the data sent is not valid.",
        },
        "malformed_json": {
            "ar": "نص الطلب ليس JSON صالحا.",
            "fr": "Le corps de la requête n'est pas un JSON valide.",
            "en": "The request body is not valid JSON.",
        },
        "not_authenticated": {
            "ar": "يلزم التعريف بالهوية: أرسل رمز الدخول.",
            "fr": "Authentification requise : envoyez un jeton d'accès.",
            "en": "Authentication required: send an access token.",
        },
        "invalid_token": {
            "ar": "رمز الدخول غير صالح أو منتهي الصلاحية.",
            "fr": "Le jeton d'accès est invalide ou expiré.",
            "en": "The access token is invalid or expired.",
        },
        "forbidden": {
            "ar": "ليست لديك الصلاحية للقيام بهذه العملية.",
            "fr": "Vous n'avez pas le droit d'effectuer cette opération.",
            "en": "You are not allowed to perform this operation.",
        },
        "not_found": {
            "ar": "المورد المطلوب غير موجود.",
            "fr": "La ressource demandée est introuvable.",
            "en": "The requested resource does not exist.",
        },
        "method_not_allowed": {
            "ar": "هذه الطريقة غير مسموح بها هنا.",
            "fr": "Cette méthode n'est pas autorisée ici.",
            "en": "This method is not allowed here.",
        },
        "internal_error": {
            "ar": "حدث خطأ داخلي. أعد المحاولة لاحقا.",
            "fr": "Une erreur interne est survenue. Réessayez plus tard.",
            "en": "An internal error occurred. Please try again later.",
        },
        "temporarily_unavailable": {
            "ar": "الخدمة غير متاحة مؤقتا. أعد المحاولة بعد لحظات.",
            "fr": "Le service est momentanément indisponible. Réessayez dans quelques instants.",
            "en": "The service is temporarily unavailable. Please try again in a few moments.",
        },
        "conflict": {
            "ar": "تعارض مع الحالة الحالية للمورد. أعد المحاولة.",
            "fr": "Conflit avec l'état actuel de la ressource. Réessayez.",
            "en": "Conflict with the current state of the resource. Please retry.",
        },
        "at_least_one_language": {
            "ar": "يلزم نص بلغة واحدة على الأقل (ar أو fr أو en).",
            "fr": "Un texte dans au moins une langue (ar, fr ou en) est requis.",
            "en": "A text in at least one language (ar, fr or en) is required.",
        },
        "field_required": {
            "ar": "هذا الحقل إلزامي.",
            "fr": "Ce champ est obligatoire.",
            "en": "This field is required.",
        },
        "field_not_nullable": {
            "ar": "لا يمكن إفراغ هذا الحقل (null): احذفه من الطلب للإبقاء على قيمته.",
            "fr": "Ce champ ne peut pas être vidé (null) : omettez-le pour garder sa valeur.",
            "en": "This field cannot be emptied (null): leave it out to keep its value.",
        },
        "field_not_single_line": {
            "ar": "يجب أن تكون القيمة سطرا واحدا، دون رجوع إلى السطر.",
            "fr": "La valeur doit tenir sur une seule ligne, sans retour à la ligne.",
            "en": "The value must be a single line, without line breaks.",
        },
        "field_control_characters": {
            "ar": "تحتوي القيمة على رموز تحكم غير مرئية؛ احذفها ثم أعد المحاولة.",
            "fr": "La valeur contient des caractères de contrôle invisibles ; retirez-les puis réessayez.",
            "en": "The value contains invisible control characters; remove them and try again.",
        },
        "request_too_large": {
            "ar": "نص الطلب أكبر من المسموح به (الحد الأقصى {max} بايت).",
            "fr": "Le corps de la requête est trop volumineux (maximum {max} octets).",
            "en": "The request body is too large (maximum {max} bytes).",
        },
        "field_invalid": {
            "ar": "قيمة غير صالحة.",
            "fr": "Valeur non valide.",
            "en": "Invalid value.",
        },
        "field_too_short": {
            "ar": "القيمة أقصر من المسموح به (الحد الأدنى {min}).",
            "fr": "La valeur est trop courte (minimum {min}).",
            "en": "The value is too short (minimum {min}).",
        },
        "field_too_long": {
            "ar": "القيمة أطول من المسموح به (الحد الأقصى {max}).",
            "fr": "La valeur est trop longue (maximum {max}).",
            "en": "The value is too long (maximum {max}).",
        },
        "field_not_a_number": {
            "ar": "يجب أن تكون القيمة عددا.",
            "fr": "La valeur doit être un nombre.",
            "en": "The value must be a number.",
        },
        "field_out_of_range": {
            "ar": "القيمة خارج المجال المسموح به.",
            "fr": "La valeur est hors de l'intervalle permis.",
            "en": "The value is out of the allowed range.",
        },
        "field_not_allowed": {
            "ar": "القيمة ليست ضمن الخيارات المسموح بها: {expected}.",
            "fr": "La valeur ne fait pas partie des choix permis : {expected}.",
            "en": "The value is not one of the allowed choices: {expected}.",
        },
        "field_unknown": {
            "ar": "حقل غير معروف.",
            "fr": "Champ inconnu.",
            "en": "Unknown field.",
        },
        "field_bad_date": {
            "ar": "تاريخ أو وقت غير صالح.",
            "fr": "Date ou heure non valide.",
            "en": "Invalid date or time.",
        },
        "field_bad_email": {
            "ar": "عنوان البريد الإلكتروني غير صالح.",
            "fr": "Adresse e-mail non valide.",
            "en": "Invalid e-mail address.",
        },
        "field_bad_type": {
            "ar": "نوع القيمة غير صحيح.",
            "fr": "Le type de la valeur est incorrect.",
            "en": "The value has the wrong type.",
        },
    }
)
