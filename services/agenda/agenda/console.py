"""Organizer console of the programme: the conferences a person organizes, rooms, speakers and
the release of the next version with its changelog previewed.

Each screen calls the same use cases as ``api.py`` and asks the same scope
(``organizer:conference:<id>``, ``admin`` everywhere); changes are form posts echoing the
csrf cookie (``checked_post``). The sessions' grid and forms are in ``console_sessions``.
"""

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from agenda import (
    console_texts,  # noqa: F401 - registers the console's words
    exports,
    service,
)
from agenda.context import Ctx
from agenda.domain import RoomCreate, RoomEdit, SpeakerCreate, SpeakerEdit
from shared.audit import Act
from shared.auth import Principal
from shared.errors import DomainError
from shared.web import Pages, form_errors, page_language
from shared.web.console import Console, checked_post, console_principal, holds_or_refuse

HERE = Path(__file__).parent
console = Console(Pages(HERE / "templates", service="agenda", static_dir=HERE / "static"))
router = APIRouter(prefix="/console", include_in_schema=False)
Who = Annotated[Principal | RedirectResponse, Depends(console_principal)]
LANGS = ("ar", "fr", "en")
Form = dict[str, Any]


def scope_of(conference_id: str) -> str:
    return service.organizer_scope(conference_id)


def texts_of(form: Form, prefix: str) -> dict[str, str] | None:
    """``<prefix>_ar``, ``_fr``, ``_en`` fields as one multilingual text (None when all are empty)."""
    found = {lang: str(form.get(f"{prefix}_{lang}") or "").strip() for lang in LANGS}
    return {k: v for k, v in found.items() if v} or None


def values_of(form: Any) -> Form:
    """A posted form as plain values; repeated fields (checkboxes, multiple selects) as lists."""
    return {key: form.getlist(key) if len(form.getlist(key)) > 1 else form.get(key) for key in form}


@router.get("", response_class=HTMLResponse)
async def conferences(request: Request, ctx: Ctx, who: Who) -> Response:
    if isinstance(who, RedirectResponse):
        return who
    found = await service.organized_conferences(ctx=ctx, who=who)
    return console.render(request, who, "agenda_console_conferences.html", {"conferences": found})


async def _conference_screen(request: Request, ctx: Ctx, who: Principal, conference_id: str, template: str,
                             extra: dict[str, Any], *, status_code: int = 200) -> Response:
    try:
        holds_or_refuse(who, scope_of(conference_id))
        conference = await service.conference(ctx=ctx, conference_id=conference_id)
    except DomainError as exc:
        return console.refusal(request, who, exc)
    return console.render(request, who, template, {"conference": conference, **extra}, status_code=status_code)


@router.get("/conferences/{conference_id}/rooms", response_class=HTMLResponse)
async def rooms(conference_id: str, request: Request, ctx: Ctx, who: Who) -> Response:
    if isinstance(who, RedirectResponse):
        return who
    found = sorted(await service.list_rooms(ctx=ctx, conference_id=conference_id), key=lambda r: r.name)
    return await _conference_screen(request, ctx, who, conference_id, "agenda_console_rooms.html", {
        "rooms": found, "values": {}, "errors": {}, "saved": request.query_params.get("saved")})


@router.get("/conferences/{conference_id}/speakers", response_class=HTMLResponse)
async def speakers(conference_id: str, request: Request, ctx: Ctx, who: Who) -> Response:
    if isinstance(who, RedirectResponse):
        return who
    found = sorted(await service.list_speakers(ctx=ctx, conference_id=conference_id), key=lambda s: s.name)
    return await _conference_screen(request, ctx, who, conference_id, "agenda_console_speakers.html", {
        "speakers": found, "values": {}, "errors": {}, "saved": request.query_params.get("saved")})


def _room_fields(form: Form) -> Form:
    languages = form.get("interpretation_languages") or []
    return {"name": form.get("name") or "", "names": texts_of(form, "names"), "capacity": form.get("capacity"),
            "interpretation_languages": languages if isinstance(languages, list) else [languages]}


def _speaker_fields(form: Form) -> Form:
    return {"name": form.get("name") or "", "organization": form.get("organization") or None,
            "bio": texts_of(form, "bio"), "contact": form.get("contact") or None}


async def _saved_item(ctx: Ctx, conference_id: str, kind: str, item_id: str | None, form: Form, act: Act
                     ) -> BaseModel:
    """Create (``item_id`` None) or edit a room or a speaker through the API's use cases."""
    if kind == "rooms":
        fields = _room_fields(form)
        if item_id is None:
            return await service.create_room(ctx=ctx, conference_id=conference_id,
                                             data=RoomCreate.model_validate(fields), act=act)
        return await service.edit_room(ctx=ctx, conference_id=conference_id, room_id=item_id,
                                       data=RoomEdit.model_validate(fields), act=act)
    fields = _speaker_fields(form)
    if item_id is None:
        return await service.create_speaker(ctx=ctx, conference_id=conference_id,
                                            data=SpeakerCreate.model_validate(fields), act=act)
    return await service.edit_speaker(ctx=ctx, conference_id=conference_id, speaker_id=item_id,
                                      data=SpeakerEdit.model_validate(fields), act=act)


async def _save(request: Request, ctx: Ctx, who: Principal, conference_id: str, kind: str,
                item_id: str | None) -> Response:
    """A room's or speaker's form posted; a refusal shows the form again with its errors."""
    form: Form = {}
    try:
        await checked_post(request, who, scope_of(conference_id))
        form = values_of(await request.form())
        saved = await _saved_item(ctx, conference_id, kind, item_id, form, Act.of(request, who))
    except ValidationError as exc:
        return await _refused_form(request, ctx, who, conference_id, kind, item_id, form,
                                   form_errors(exc, page_language(request)))
    except DomainError as exc:
        return console.refusal(request, who, exc)
    return RedirectResponse(f"/console/conferences/{conference_id}/{kind}?saved={getattr(saved, 'id', '')}"
                            f"&lang={page_language(request)}", status_code=303)


async def _refused_form(request: Request, ctx: Ctx, who: Principal, conference_id: str, kind: str,
                        item_id: str | None, form: Form, errors: dict[str, str]) -> Response:
    extra: dict[str, Any] = {"values": form, "errors": errors, "saved": None}
    if item_id is not None:
        return await _conference_screen(request, ctx, who, conference_id, f"agenda_console_{kind[:-1]}.html",
                                        {**extra, "item_id": item_id}, status_code=422)
    listed = (await service.list_rooms(ctx=ctx, conference_id=conference_id) if kind == "rooms"
              else await service.list_speakers(ctx=ctx, conference_id=conference_id))
    return await _conference_screen(request, ctx, who, conference_id, f"agenda_console_{kind}.html",
                                    {**extra, kind: listed}, status_code=422)


@router.post("/conferences/{conference_id}/rooms", response_class=HTMLResponse)
async def create_room(conference_id: str, request: Request, ctx: Ctx, who: Who) -> Response:
    if isinstance(who, RedirectResponse):
        return who
    return await _save(request, ctx, who, conference_id, "rooms", None)


@router.post("/conferences/{conference_id}/speakers", response_class=HTMLResponse)
async def create_speaker(conference_id: str, request: Request, ctx: Ctx, who: Who) -> Response:
    if isinstance(who, RedirectResponse):
        return who
    return await _save(request, ctx, who, conference_id, "speakers", None)


@router.get("/conferences/{conference_id}/rooms/{room_id}", response_class=HTMLResponse)
async def room_form(conference_id: str, room_id: str, request: Request, ctx: Ctx, who: Who) -> Response:
    if isinstance(who, RedirectResponse):
        return who
    listed = await service.list_rooms(ctx=ctx, conference_id=conference_id)
    return await _edit_form(request, ctx, who, conference_id, "room", room_id, [r.model_dump() for r in listed])


@router.get("/conferences/{conference_id}/speakers/{speaker_id}", response_class=HTMLResponse)
async def speaker_form(conference_id: str, speaker_id: str, request: Request, ctx: Ctx, who: Who) -> Response:
    if isinstance(who, RedirectResponse):
        return who
    listed = await service.list_speakers(ctx=ctx, conference_id=conference_id)
    return await _edit_form(request, ctx, who, conference_id, "speaker", speaker_id,
                            [s.model_dump() for s in listed])


async def _edit_form(request: Request, ctx: Ctx, who: Principal, conference_id: str, kind: str, item_id: str,
                     listed: list[dict[str, Any]]) -> Response:
    found = [item for item in listed if item["id"] == item_id]
    if not found:
        return console.refusal(request, who, DomainError("not_found", status=404))
    return await _conference_screen(request, ctx, who, conference_id, f"agenda_console_{kind}.html",
                                    {"values": _flat(found[0]), "errors": {}, "item_id": item_id})


def _flat(item: dict[str, Any]) -> Form:
    """A room or speaker as its form's fields (multilingual texts as ``<name>_<lang>``)."""
    values: Form = {}
    for key, value in item.items():
        if isinstance(value, dict):
            values.update({f"{key}_{lang}": value.get(lang) for lang in LANGS})
        else:
            values[key] = value
    return values


@router.post("/conferences/{conference_id}/rooms/{room_id}", response_class=HTMLResponse)
async def edit_room(conference_id: str, room_id: str, request: Request, ctx: Ctx, who: Who) -> Response:
    if isinstance(who, RedirectResponse):
        return who
    return await _save(request, ctx, who, conference_id, "rooms", room_id)


@router.post("/conferences/{conference_id}/speakers/{speaker_id}", response_class=HTMLResponse)
async def edit_speaker(conference_id: str, speaker_id: str, request: Request, ctx: Ctx, who: Who) -> Response:
    if isinstance(who, RedirectResponse):
        return who
    return await _save(request, ctx, who, conference_id, "speakers", speaker_id)


@router.get("/conferences/{conference_id}/release", response_class=HTMLResponse)
async def release_preview(conference_id: str, request: Request, ctx: Ctx, who: Who) -> Response:
    """The changes the next version would publish; releasing is one button away."""
    if isinstance(who, RedirectResponse):
        return who
    lang = page_language(request)
    extra: dict[str, Any] = {"preview": None, "nothing": None,
                             "released": request.query_params.get("released")}
    try:
        holds_or_refuse(who, scope_of(conference_id))
        conference = await service.conference(ctx=ctx, conference_id=conference_id)
        preview = await service.preview_release(ctx=ctx, conference_id=conference_id)
        extra["preview"] = preview
        extra["changes"] = exports.describe_changes(preview.changes, lang, conference.zone)
    except DomainError as exc:
        if exc.code != "nothing_to_release":
            return console.refusal(request, who, exc)
        extra["nothing"] = exc
    return await _conference_screen(request, ctx, who, conference_id, "agenda_console_release.html", extra)


@router.post("/conferences/{conference_id}/release", response_class=HTMLResponse)
async def release(conference_id: str, request: Request, ctx: Ctx, who: Who) -> Response:
    if isinstance(who, RedirectResponse):
        return who
    try:
        await checked_post(request, who, scope_of(conference_id))
        done = await service.release_schedule(ctx=ctx, conference_id=conference_id, by=who.sub,
                                              act=Act.of(request, who))
    except DomainError as exc:
        return console.refusal(request, who, exc)
    return RedirectResponse(f"/console/conferences/{conference_id}/release?released={done.version}"
                            f"&lang={page_language(request)}", status_code=303)
