"""Console screens of the sessions: the grid of a conference's days, and the session form whose
"check" step shows what saving would meet (the same rules the API refuses with) before saving.
A session moved on the grid (dragged, or placed from its "move" control) is saved by ``/move``:
the edit form's use case with only its room and hours changed, its length kept.

The form works without a script; ``/static/agenda/console.js`` asks the JSON check route as
fields change, so the findings appear while typing.
"""

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, ValidationError

from agenda import service, sessions
from agenda.console import Who, console, scope_of, texts_of
from agenda.console_grid import day_grids
from agenda.context import Agenda, Ctx
from agenda.domain import Finding, SessionCheck, SessionCreate, SessionPublic, SessionUpdate, findings
from shared.audit import Act
from shared.auth import Principal
from shared.errors import Conflict, DomainError, NotFound
from shared.limits import REF_MAX, Ref
from shared.web import form_errors, page_language
from shared.web.console import checked_post, holds_or_refuse

router = APIRouter(prefix="/console", include_in_schema=False)
KINDS = ("plenary", "panel", "workshop", "round_table", "side_event")
Form = dict[str, Any]


@router.get("/conferences/{conference_id}", response_class=HTMLResponse)
async def grid(conference_id: str, request: Request, ctx: Ctx, who: Who) -> Response:
    """The conference's programme: its days as grids of rooms and half hours."""
    if isinstance(who, RedirectResponse):
        return who
    try:
        holds_or_refuse(who, scope_of(conference_id))
        conference = await service.conference(ctx=ctx, conference_id=conference_id)
    except DomainError as exc:
        return console.refusal(request, who, exc)
    rooms = sorted(await service.list_rooms(ctx=ctx, conference_id=conference_id), key=lambda r: r.name)
    found = await sessions.list_sessions(ctx=ctx, conference_id=conference_id)
    return console.render(request, who, "agenda_console_grid.html", {
        "conference": conference, "grids": day_grids(conference, rooms, found, page_language(request)),
        "rooms": rooms, "cancelled": [s for s in found if s.status == "cancelled"],
        "saved": request.query_params.get("saved")})


def _session_fields(form: Any) -> Form:
    """The session form as the API's body: local day and hours become naive times of the conference."""
    day, start, end = (str(form.get(k) or "") for k in ("day", "start", "end"))
    return {
        "title": texts_of(form, "title"), "abstract": texts_of(form, "abstract"), "kind": form.get("kind") or None,
        "track": form.get("track") or None, "room_id": form.get("room_id") or None,
        "starts_at": f"{day}T{start}:00" if day and start else None,
        "ends_at": f"{day}T{end}:00" if day and end else None,
        "languages": form.getlist("languages"), "speaker_ids": form.getlist("speaker_ids"),
        "moderator_ids": form.getlist("moderator_ids"), "capacity": form.get("capacity") or None,
    }


def _form_values(s: SessionPublic, zone: ZoneInfo) -> Form:
    """A session as its form's fields, in the conference's local day and hours."""
    start, end = s.starts_at.astimezone(zone), s.ends_at.astimezone(zone)
    values: Form = {f"title_{lang}": getattr(s.title, lang) for lang in ("ar", "fr", "en")}
    if s.abstract:
        values.update({f"abstract_{lang}": getattr(s.abstract, lang) for lang in ("ar", "fr", "en")})
    return {**values, "kind": s.kind, "track": s.track, "room_id": s.room_id, "day": start.date().isoformat(),
            "start": f"{start:%H:%M}", "end": f"{end:%H:%M}", "languages": s.languages,
            "speaker_ids": s.speaker_ids, "moderator_ids": s.moderator_ids, "capacity": s.capacity}


def _placed(values: Form, params: Any, length: timedelta) -> Form:
    """The form's values moved to the grid place in ``params`` (``room_id``, ``day``, ``start``: an empty half
    hour of the grid), keeping the session's length; a malformed place is ignored."""
    try:
        day = date.fromisoformat(str(params.get("day") or values["day"]))
        start = datetime.combine(day, time.fromisoformat(str(params.get("start") or values["start"])))
    except (KeyError, ValueError):
        return values
    room = str(params.get("room_id") or values.get("room_id") or "")[:REF_MAX]
    return {**values, "room_id": room, "day": day.isoformat(), "start": f"{start:%H:%M}",
            "end": f"{start + length:%H:%M}"}


def _place_asked(params: Any) -> bool:
    return any(params.get(k) for k in ("room_id", "day", "start"))


async def _screen(request: Request, ctx: Agenda, who: Principal, conference_id: str, *, session_id: str | None,
                  values: Form, errors: dict[str, str] | None = None, found: list[Finding] | None = None,
                  refused: str | None = None, status_code: int = 200) -> Response:
    conference = await service.conference(ctx=ctx, conference_id=conference_id)
    rooms = sorted(await service.list_rooms(ctx=ctx, conference_id=conference_id), key=lambda r: r.name)
    people = sorted(await service.list_speakers(ctx=ctx, conference_id=conference_id), key=lambda s: s.name)
    return console.render(request, who, "agenda_console_session.html", {
        "conference": conference, "session_id": session_id, "values": values, "errors": errors or {},
        "findings": found, "refused": refused, "rooms": rooms, "speakers": people, "kinds": KINDS,
        "checked": found is not None}, status_code=status_code)


@router.get("/conferences/{conference_id}/sessions/new", response_class=HTMLResponse)
async def new_session(conference_id: str, request: Request, ctx: Ctx, who: Who) -> Response:
    if isinstance(who, RedirectResponse):
        return who
    try:
        holds_or_refuse(who, scope_of(conference_id))
        conference = await service.conference(ctx=ctx, conference_id=conference_id)
        values = _placed({"kind": "workshop", "languages": ["ar", "fr"], "day": conference.starts_on.isoformat(),
                          "start": "09:00"}, request.query_params, timedelta(hours=1))
        return await _screen(request, ctx, who, conference_id, session_id=None, values=values)
    except DomainError as exc:
        return console.refusal(request, who, exc)


async def _owned_session(ctx: Agenda, who: Principal, session_id: str) -> str:
    conference_id = await sessions.session_owner(ctx=ctx, session_id=session_id)
    if conference_id is None:
        raise NotFound("session_unknown", session_id=session_id)
    holds_or_refuse(who, scope_of(conference_id))
    return conference_id


@router.get("/sessions/{session_id}", response_class=HTMLResponse)
async def edit_session(session_id: str, request: Request, ctx: Ctx, who: Who) -> Response:
    if isinstance(who, RedirectResponse):
        return who
    try:
        conference_id = await _owned_session(ctx, who, session_id)
        current = await sessions.get_session(ctx=ctx, session_id=session_id)
        conference = await service.conference(ctx=ctx, conference_id=conference_id)
        values = _form_values(current, conference.zone)
        if not _place_asked(request.query_params):
            return await _screen(request, ctx, who, conference_id, session_id=session_id, values=values)
        # Asked to move to a place of the grid: the form opens there, already checked, waiting for "save".
        values = _placed(values, request.query_params, current.ends_at - current.starts_at)
        found = await _check(ctx, conference_id, session_id, _where(values), page_language(request))
        return await _screen(request, ctx, who, conference_id, session_id=session_id, values=values, found=found)
    except DomainError as exc:
        return console.refusal(request, who, exc)


def _where(values: Form) -> Form:
    day, start, end = values.get("day"), values.get("start"), values.get("end")
    return {"room_id": values.get("room_id"), "starts_at": f"{day}T{start}:00", "ends_at": f"{day}T{end}:00",
            "speaker_ids": values.get("speaker_ids") or [], "moderator_ids": values.get("moderator_ids") or [],
            "capacity": values.get("capacity")}


async def _check(ctx: Agenda, conference_id: str, session_id: str | None, fields: Form, lang: str
                 ) -> list[Finding] | None:
    """What the rules say of the form's place and people (None while the form cannot say where)."""
    wanted = {k: fields[k] for k in ("room_id", "starts_at", "ends_at", "speaker_ids", "moderator_ids", "capacity")}
    try:
        check = SessionCheck.model_validate({**wanted, "session_id": session_id})
    except ValidationError:
        return None
    return findings(await sessions.check_session(ctx=ctx, conference_id=conference_id, data=check), lang).findings


async def _save(ctx: Agenda, request: Request, who: Principal, conference_id: str, session_id: str | None,
                fields: Form) -> SessionPublic:
    act = Act.of(request, who)
    if session_id is None:
        return await sessions.create_session(ctx=ctx, conference_id=conference_id,
                                             data=SessionCreate.model_validate(fields), act=act)
    return await sessions.update_session(ctx=ctx, session_id=session_id, data=SessionUpdate.model_validate(fields),
                                         act=act)


async def _submit(request: Request, ctx: Agenda, who: Principal, conference_id: str, session_id: str | None
                  ) -> Response:
    lang = page_language(request)
    form = await request.form()
    fields = _session_fields(form)
    values: Form = {k: form.get(k) for k in form} | {k: form.getlist(k) for k in
                                                    ("languages", "speaker_ids", "moderator_ids")}
    found = await _check(ctx, conference_id, session_id, fields, lang)
    if form.get("action") != "save":
        return await _screen(request, ctx, who, conference_id, session_id=session_id, values=values, found=found)
    try:
        saved = await _save(ctx, request, who, conference_id, session_id, fields)
    except ValidationError as exc:
        return await _screen(request, ctx, who, conference_id, session_id=session_id, values=values, found=found,
                             errors=form_errors(exc, lang), status_code=422)
    except Conflict as exc:
        refused = findings([exc], lang).findings[0].detail
        return await _screen(request, ctx, who, conference_id, session_id=session_id, values=values, found=found,
                             refused=refused, status_code=exc.status)
    return await _to_grid(ctx, conference_id, saved, lang)


async def _to_grid(ctx: Agenda, conference_id: str, saved: SessionPublic, lang: str) -> Response:
    """Back to the grid, at the saved session's day, the session outlined."""
    day = saved.starts_at.astimezone((await service.conference(ctx=ctx, conference_id=conference_id)).zone).date()
    return RedirectResponse(f"/console/conferences/{conference_id}?lang={lang}&saved={saved.id}#day-{day}",
                            status_code=303)


@router.post("/conferences/{conference_id}/sessions", response_class=HTMLResponse)
async def create_session(conference_id: str, request: Request, ctx: Ctx, who: Who) -> Response:
    if isinstance(who, RedirectResponse):
        return who
    try:
        await checked_post(request, who, scope_of(conference_id))
        return await _submit(request, ctx, who, conference_id, None)
    except DomainError as exc:
        return console.refusal(request, who, exc)


@router.post("/sessions/{session_id}", response_class=HTMLResponse)
async def change_session(session_id: str, request: Request, ctx: Ctx, who: Who) -> Response:
    if isinstance(who, RedirectResponse):
        return who
    try:
        conference_id = await _owned_session(ctx, who, session_id)
        await checked_post(request, who, scope_of(conference_id))
        if (await request.form()).get("action") == "cancel":
            await sessions.cancel_session(ctx=ctx, session_id=session_id, act=Act.of(request, who))
            return RedirectResponse(f"/console/conferences/{conference_id}?lang={page_language(request)}",
                                    status_code=303)
        return await _submit(request, ctx, who, conference_id, session_id)
    except DomainError as exc:
        return console.refusal(request, who, exc)


class Place(BaseModel):
    """A place of the grid a session is moved to: a room, a day and a start in the conference's zone."""

    model_config = ConfigDict(extra="ignore")

    room_id: Ref
    day: date
    start: time


async def _move(request: Request, ctx: Agenda, who: Principal, conference_id: str, session_id: str) -> Response:
    lang = page_language(request)
    current = await sessions.get_session(ctx=ctx, session_id=session_id)
    values = _form_values(current, (await service.conference(ctx=ctx, conference_id=conference_id)).zone)
    try:
        place = Place.model_validate(dict((await request.form()).items()))
    except ValidationError as exc:
        return await _screen(request, ctx, who, conference_id, session_id=session_id, values=values,
                             errors=form_errors(exc, lang), status_code=422)
    values = _placed(values, {"room_id": place.room_id, "day": place.day.isoformat(), "start": f"{place.start:%H:%M}"},
                     current.ends_at - current.starts_at)
    where = _where(values)
    errors, refused, status = None, None, 200
    try:
        saved = await sessions.update_session(ctx=ctx, session_id=session_id, act=Act.of(request, who),
                                              data=SessionUpdate.model_validate(
                                                  {k: where[k] for k in ("room_id", "starts_at", "ends_at")}))
        return await _to_grid(ctx, conference_id, saved, lang)
    except ValidationError as exc:
        errors, status = form_errors(exc, lang), 422
    except Conflict as exc:
        refused, status = findings([exc], lang).findings[0].detail, exc.status
    # Refused: the session's form opens at the asked place, with what the check finds there.
    return await _screen(request, ctx, who, conference_id, session_id=session_id, values=values, errors=errors,
                         refused=refused, found=await _check(ctx, conference_id, session_id, where, lang),
                         status_code=status)


@router.post("/sessions/{session_id}/move", response_class=HTMLResponse)
async def move_session(session_id: str, request: Request, ctx: Ctx, who: Who) -> Response:
    """A session moved to another place of the grid, the same length; a refusal opens its form there."""
    if isinstance(who, RedirectResponse):
        return who
    try:
        conference_id = await _owned_session(ctx, who, session_id)
        await checked_post(request, who, scope_of(conference_id))
        return await _move(request, ctx, who, conference_id, session_id)
    except DomainError as exc:
        return console.refusal(request, who, exc)
