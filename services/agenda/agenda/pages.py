"""Web pages of the programme: the schedule by day with filters, session details, "my agenda".

Rendered on the server from the latest release; a small script stars sessions (into
a visitor agenda kept in the browser, or the participant's own agenda when a manage
token came with the link) and signs participants up where a session has seats.
"""

from collections import OrderedDict
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import TypeAdapter, ValidationError

from agenda import exports, personal, service
from agenda.context import Ctx
from agenda.domain import DEFAULT_TIMEZONE, SessionKind
from agenda.people_api import participant
from shared.errors import DomainError, NotFound
from shared.i18n import translate
from shared.timezones import Day
from shared.web import Pages, page_language, register_texts

HERE = Path(__file__).parent
pages = Pages(HERE / "templates", service="agenda", static_dir=HERE / "static")
router = APIRouter(include_in_schema=False)
KINDS = ("plenary", "panel", "workshop", "round_table", "side_event")
_DAY: TypeAdapter[date] = TypeAdapter(Day)
_KIND: TypeAdapter[SessionKind] = TypeAdapter(SessionKind)


def _error(request: Request, exc: DomainError) -> HTMLResponse:
    return pages.render(request, "agenda_error.html",
                        {"message": translate(exc.code, page_language(request), **exc.params)},
                        status_code=exc.status)


def _by_day(entries: list[dict[str, Any]]) -> "OrderedDict[str, list[dict[str, Any]]]":
    days: OrderedDict[str, list[dict[str, Any]]] = OrderedDict()
    for entry in entries:
        days.setdefault(entry["day"], []).append(entry)
    return days


@router.get("/programme/{conference_id}", response_class=HTMLResponse)
async def programme(conference_id: str, request: Request, ctx: Ctx,
                    day: str = "", track: str = "", room: str = "", language: str = "", kind: str = ""
                    ) -> HTMLResponse:
    """The latest released programme, grouped by day; empty filters mean "all"."""
    lang = page_language(request)
    try:
        conference = await service.conference(ctx=ctx, conference_id=conference_id)
        release = await service.latest_release(ctx=ctx, conference_id=conference_id)
    except DomainError as exc:
        return _error(request, exc)
    try:
        wanted_day = _DAY.validate_python(day) if day else None
        wanted_kind = _KIND.validate_python(kind) if kind else None
    except ValidationError:
        wanted_day, wanted_kind = None, None
    zone = conference.zone
    everything = [exports.localize(e, lang, zone) for e in release.snapshot]
    shown = [exports.localize(e, lang, zone) for e in release.snapshot
             if exports.matches(e, zone, day=wanted_day, track=track or None, room=room or None,
                                language=language or None, kind=wanted_kind)]
    options = {
        "day": sorted({e["day"] for e in everything}),
        "track": sorted({e["track"] for e in everything if e.get("track")}),
        "room": sorted({(e["room"]["id"], e["room"]["name"]) for e in everything}),
        "language": ["ar", "fr", "en"],
        "kind": [k for k in KINDS if any(e["kind"] == k for e in everything)],
    }
    return pages.render(request, "agenda_programme.html", {
        "conference": conference, "release": release, "days": _by_day(shown), "options": options,
        "changes": exports.describe_changes(release.changes, lang, zone),
        "filters": {"day": day, "track": track, "room": room, "language": language, "kind": kind},
        "script_texts": {k: translate(f"ui_agenda_{k}", lang) for k in ("star", "starred", "signed_up",
                                                                          "waitlisted", "failed")},
    })


@router.get("/programme/{conference_id}/sessions/{session_id}", response_class=HTMLResponse)
async def session_page(conference_id: str, session_id: str, request: Request, ctx: Ctx
                       ) -> HTMLResponse:
    lang = page_language(request)
    try:
        conference = await service.conference(ctx=ctx, conference_id=conference_id)
        release = await service.latest_release(ctx=ctx, conference_id=conference_id)
    except DomainError as exc:
        return _error(request, exc)
    found = [e for e in release.snapshot if e["id"] == session_id]
    if not found:
        return _error(request, NotFound("session_unknown", session_id=session_id))
    entry = exports.localize(found[0], lang, conference.zone)
    return pages.render(request, "agenda_session.html", {"conference": conference, "s": entry, "script_texts": {
        k: translate(f"ui_agenda_{k}", lang) for k in ("star", "starred", "signed_up", "waitlisted", "failed")}})


@router.get("/my-agenda", response_class=HTMLResponse)
async def my_agenda(request: Request, ctx: Ctx,
                    agenda: Annotated[str | None, Query(max_length=100)] = None,
                    token: Annotated[str | None, Query(max_length=2000)] = None) -> HTMLResponse:
    """Starred and signed-up sessions: a visitor's (``agenda``) or a participant's (``token``)."""
    lang = page_language(request)
    try:
        if token:
            who = await participant(ctx, None, token)
            owner, registration_id = f"r:{who.registration_id}", who.registration_id
        elif agenda:
            owner, registration_id = await personal.owner_of_agenda(ctx=ctx, agenda_id=agenda), None
        else:
            raise DomainError("agenda_unknown", status=404)
        entries = await personal.personal_agenda(ctx=ctx, owner=owner, registration_id=registration_id)
    except DomainError as exc:
        return _error(request, exc)
    zone = ZoneInfo(DEFAULT_TIMEZONE)
    sessions = [{**exports.localize(e, lang, zone), "conference_id": e["conference_id"]} for e in entries]
    calendar = f"/me/calendar.ics?token={token}" if token else f"/agendas/{agenda}/calendar.ics"
    return pages.render(request, "agenda_mine.html", {"days": _by_day(sessions), "calendar": calendar})


router.include_router(pages.static_router())


def _three(ar: str, fr: str, en: str) -> dict[str, str]:
    return {"ar": ar, "fr": fr, "en": en}


register_texts({
    "ui_programme": _three("البرنامج", "Programme", "Programme"),
    "ui_agenda_version": _three("الإصدار {n}", "Version {n}", "Version {n}"),
    "ui_agenda_all": _three("الكل", "Tous", "All"),
    "ui_agenda_day": _three("اليوم", "Jour", "Day"),
    "ui_agenda_track": _three("المحور", "Thématique", "Track"),
    "ui_agenda_room": _three("القاعة", "Salle", "Room"),
    "ui_agenda_language": _three("اللغة", "Langue", "Language"),
    "ui_agenda_kind": _three("النوع", "Format", "Kind"),
    "ui_agenda_filter": _three("تصفية", "Filtrer", "Filter"),
    "ui_agenda_no_sessions": _three("لا توجد جلسات مطابقة.", "Aucune séance ne correspond.",
                                    "No session matches."),
    "ui_agenda_ical": _three("إضافة البرنامج إلى التقويم (iCal)", "Ajouter le programme à l'agenda (iCal)",
                             "Add the programme to your calendar (iCal)"),
    "ui_agenda_mine": _three("برنامجي", "Mon programme", "My agenda"),
    "ui_agenda_mine_empty": _three("لم تختر أي جلسة بعد.", "Vous n'avez encore choisi aucune séance.",
                                   "You have not picked any session yet."),
    "ui_agenda_mine_ical": _three("برنامجي في التقويم (iCal)", "Mon programme dans l'agenda (iCal)",
                                  "My agenda in your calendar (iCal)"),
    "ui_agenda_star": _three("أضف إلى برنامجي", "Ajouter à mon programme", "Add to my agenda"),
    "ui_agenda_starred": _three("في برنامجي ★", "Dans mon programme ★", "In my agenda ★"),
    "ui_agenda_signup": _three("التسجيل في الجلسة", "S'inscrire à la séance", "Sign up for the session"),
    "ui_agenda_signup_required": _three("التسجيل مطلوب (المقاعد محدودة)", "Inscription requise (places limitées)",
                                        "Sign-up required (limited seats)"),
    "ui_agenda_signup_token": _three("يتم التسجيل عبر الرابط المرسل في بريد تأكيد التسجيل.",
                                     "L'inscription se fait depuis le lien reçu dans l'e-mail de confirmation.",
                                     "Sign up from the link in your confirmation e-mail."),
    "ui_agenda_signed_up": _three("أنت مسجل في هذه الجلسة", "Vous êtes inscrit·e à cette séance",
                                  "You are signed up for this session"),
    "ui_agenda_waitlisted": _three("أنت في لائحة انتظار هذه الجلسة", "Vous êtes sur la liste d'attente",
                                   "You are on the waiting list"),
    "ui_agenda_failed": _three("تعذر تنفيذ الطلب", "La demande n'a pas abouti", "The request failed"),
    "ui_agenda_speakers": _three("المتدخلون", "Intervenant·es", "Speakers"),
    "ui_agenda_moderators": _three("التسيير", "Modération", "Moderation"),
    "ui_agenda_details": _three("التفاصيل", "Détails", "Details"),
    **{f"ui_kind_{k}": _three(*v) for k, v in {
        "plenary": ("جلسة عامة", "Plénière", "Plenary"), "panel": ("مائدة نقاش", "Panel", "Panel"),
        "workshop": ("ورشة", "Atelier", "Workshop"), "round_table": ("مائدة مستديرة", "Table ronde", "Round table"),
        "side_event": ("نشاط مواز", "Événement parallèle", "Side event")}.items()},
})
