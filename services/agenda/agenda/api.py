"""HTTP routes: organizers edit and release the programme; the public reads it; participants sign up and star."""


from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from agenda import exports, participation, service, sessions
from agenda.context import Agenda, Ctx
from agenda.domain import (
    Conference,
    OutcomesRecord,
    ReleasePreview,
    ReleasePublic,
    RoomCreate,
    RoomEdit,
    RoomPublic,
    SessionCheck,
    SessionCheckResult,
    SessionCreate,
    SessionKind,
    SessionPublic,
    SessionUpdate,
    SignupPublic,
    SpeakerCreate,
    SpeakerEdit,
    SpeakerPublic,
    findings,
)
from shared.audit import Act
from shared.auth import Principal, current_principal, require
from shared.errors import problems
from shared.i18n import Language, request_language
from shared.limits import REF_MAX
from shared.pagination import Paged, page_of
from shared.platform import request_context
from shared.timezones import Day

router = APIRouter()
ICAL = "text/calendar; charset=utf-8"
CALENDAR: dict[int | str, dict[str, Any]] = {200: {"content": {"text/calendar": {}}}}
async def session_conference(request: Request) -> dict[str, str] | None:
    """The conference a session belongs to, for its organizer scope."""
    doc = await sessions.session_owner(ctx=request_context(request, Agenda),
                                       session_id=request.path_params["session_id"])
    return {"conference_id": doc} if doc else None


# The programme belongs to its conference: its organizers edit it, found through the session for /sessions/{id}.
ConferenceOrganizer = Annotated[Principal, require("organizer:conference:{conference_id}")]
SessionOrganizer = Annotated[Principal, require("organizer:conference:{conference_id}", resolve=session_conference)]


@router.get("/conferences/{conference_id}", response_model=Conference, tags=["public"], responses=problems(404))
async def get_conference(conference_id: str, ctx: Ctx) -> Conference:
    """What the agenda knows of a conference (from registration's messages)."""
    return await service.conference(ctx=ctx, conference_id=conference_id)


@router.post("/conferences/{conference_id}/rooms", status_code=201, response_model=RoomPublic, tags=["programme"],
             responses=problems(404, 409))
async def create_room(conference_id: str, body: RoomCreate, request: Request, ctx: Ctx,
                      who: ConferenceOrganizer) -> RoomPublic:
    """Add a room to a conference."""
    return await service.create_room(ctx=ctx, conference_id=conference_id, data=body,
                                     act=Act.of(request, who))


@router.get("/conferences/{conference_id}/rooms", response_model=list[RoomPublic], tags=["programme"])
async def list_rooms(conference_id: str, ctx: Ctx, _: ConferenceOrganizer) -> list[RoomPublic]:
    """The conference's rooms."""
    return await service.list_rooms(ctx=ctx, conference_id=conference_id)


@router.put("/conferences/{conference_id}/rooms/{room_id}", response_model=RoomPublic, tags=["programme"],
            responses=problems(404))
async def edit_room(conference_id: str, room_id: str, body: RoomEdit, request: Request, ctx: Ctx,
                    who: ConferenceOrganizer) -> RoomPublic:
    """Change a room's names, capacity and interpretation (released programmes show it from the next release)."""
    return await service.edit_room(ctx=ctx, conference_id=conference_id, room_id=room_id, data=body,
                                   act=Act.of(request, who))


@router.get("/organized-conferences", response_model=list[Conference], tags=["programme"], responses=problems(401))
async def organized_conferences(ctx: Ctx, who: Annotated[Principal, Depends(current_principal)], page: Paged,
                                request: Request, response: Response) -> list[Conference]:
    """The conferences whose programme the caller may edit."""
    return page_of(await service.organized_conferences(ctx=ctx, who=who), page, request, response)


@router.post("/conferences/{conference_id}/speakers", status_code=201, response_model=SpeakerPublic,
             tags=["programme"], responses=problems(404, 409))
async def create_speaker(conference_id: str, body: SpeakerCreate, request: Request, ctx: Ctx,
                         who: ConferenceOrganizer) -> SpeakerPublic:
    """Add a speaker or moderator to a conference."""
    return await service.create_speaker(ctx=ctx, conference_id=conference_id, data=body,
                                        act=Act.of(request, who))


@router.get("/conferences/{conference_id}/speakers", response_model=list[SpeakerPublic], tags=["programme"])
async def list_speakers(conference_id: str, ctx: Ctx, _: ConferenceOrganizer, page: Paged,
                        request: Request, response: Response) -> list[SpeakerPublic]:
    """The conference's speakers and moderators (paginated)."""
    return page_of(await service.list_speakers(ctx=ctx, conference_id=conference_id),
                   page, request, response)


@router.put("/conferences/{conference_id}/speakers/{speaker_id}", response_model=SpeakerPublic, tags=["programme"],
            responses=problems(404))
async def edit_speaker(conference_id: str, speaker_id: str, body: SpeakerEdit, request: Request, ctx: Ctx,
                       who: ConferenceOrganizer) -> SpeakerPublic:
    """Change a speaker (released programmes show it from the next release; the contact never)."""
    return await service.edit_speaker(ctx=ctx, conference_id=conference_id, speaker_id=speaker_id, data=body,
                                      act=Act.of(request, who))


@router.post("/conferences/{conference_id}/sessions/check", response_model=SessionCheckResult, tags=["programme"],
             responses=problems(404))
async def check_session(conference_id: str, body: SessionCheck, request: Request, ctx: Ctx,
                        _: ConferenceOrganizer) -> SessionCheckResult:
    """What saving a session there would meet (clashes, dates, room), worded in the caller's language."""
    found = await sessions.check_session(ctx=ctx, conference_id=conference_id, data=body)
    return findings(found, request_language(request))


@router.post("/conferences/{conference_id}/sessions", status_code=201, response_model=SessionPublic,
             tags=["programme"], responses=problems(404, 409))
async def create_session(conference_id: str, body: SessionCreate, request: Request, ctx: Ctx,
                         who: ConferenceOrganizer) -> SessionPublic:
    """Schedule a session in the draft programme (refused if it clashes)."""
    return await sessions.create_session(ctx=ctx, conference_id=conference_id, data=body,
                                        act=Act.of(request, who))


@router.get("/conferences/{conference_id}/sessions", response_model=list[SessionPublic], tags=["programme"])
async def list_sessions(conference_id: str, ctx: Ctx, _: ConferenceOrganizer, page: Paged,
                        request: Request, response: Response) -> list[SessionPublic]:
    """The draft programme, cancelled sessions included (paginated)."""
    return page_of(await sessions.list_sessions(ctx=ctx, conference_id=conference_id), page, request,
                   response)


@router.get("/sessions/{session_id}", response_model=SessionPublic, tags=["programme"], responses=problems(404))
async def get_session(session_id: str, ctx: Ctx, _: SessionOrganizer) -> SessionPublic:
    """One session of the draft programme."""
    return await sessions.get_session(ctx=ctx, session_id=session_id)


@router.patch("/sessions/{session_id}", response_model=SessionPublic, tags=["programme"],
              responses=problems(404, 409))
async def update_session(session_id: str, body: SessionUpdate, request: Request, ctx: Ctx,
                         who: SessionOrganizer) -> SessionPublic:
    """Change a session (refused if it would clash)."""
    return await sessions.update_session(ctx=ctx, session_id=session_id, data=body,
                                        act=Act.of(request, who))


@router.post("/sessions/{session_id}/cancel", response_model=SessionPublic, tags=["programme"],
             responses=problems(404))
async def cancel_session(session_id: str, request: Request, ctx: Ctx, who: SessionOrganizer
                         ) -> SessionPublic:
    """Cancel a session; its sign-ups are cancelled."""
    return await sessions.cancel_session(ctx=ctx, session_id=session_id, act=Act.of(request, who))


@router.post("/sessions/{session_id}/outcomes", response_model=SessionPublic, tags=["programme"],
             responses=problems(404, 409))
async def record_outcomes(session_id: str, body: OutcomesRecord, request: Request, ctx: Ctx,
                          who: SessionOrganizer) -> SessionPublic:
    """Record a session's conclusions and adopted recommendations."""
    return await sessions.record_outcomes(ctx=ctx, session_id=session_id, data=body,
                                         act=Act.of(request, who))


@router.get("/sessions/{session_id}/signups", response_model=list[SignupPublic], tags=["programme"])
async def list_signups(session_id: str, ctx: Ctx, _: SessionOrganizer, page: Paged, request: Request,
                       response: Response) -> list[SignupPublic]:
    """Confirmed and waiting sign-ups of a session, in order (paginated)."""
    return page_of(await participation.session_signups(ctx=ctx, session_id=session_id), page, request,
                   response)


@router.post("/conferences/{conference_id}/releases", status_code=201, response_model=ReleasePublic,
             tags=["programme"], responses=problems(404, 409))
async def release_schedule(conference_id: str, request: Request, ctx: Ctx, who: ConferenceOrganizer
                           ) -> ReleasePublic:
    """Publish the draft programme as the next numbered version."""
    return await service.release_schedule(ctx=ctx, conference_id=conference_id, by=who.sub,
                                          act=Act.of(request, who))


@router.get("/conferences/{conference_id}/releases/next", response_model=ReleasePreview, tags=["programme"],
            responses=problems(404, 409))
async def preview_release(conference_id: str, ctx: Ctx, _: ConferenceOrganizer) -> ReleasePreview:
    """The version and changes that releasing now would publish."""
    return await service.preview_release(ctx=ctx, conference_id=conference_id)


@router.get("/conferences/{conference_id}/changelog", response_model=list[ReleasePublic], tags=["public"],
            responses=problems(404))
async def changelog(conference_id: str, ctx: Ctx, page: Paged, request: Request,
                    response: Response) -> list[ReleasePublic]:
    """Every released version with what changed since the one before, newest first (paginated)."""
    return page_of(await service.changelog(ctx=ctx, conference_id=conference_id), page, request,
                   response)


@router.get("/conferences/{conference_id}/schedule", tags=["public"], responses=problems(404))
async def schedule(
    conference_id: str, request: Request, response: Response, ctx: Ctx,
    day: Day | None = None, track: Annotated[str | None, Query(max_length=REF_MAX)] = None,
    room: Annotated[str | None, Query(max_length=REF_MAX)] = None,
    language: Language | None = None, kind: SessionKind | None = None,
) -> dict[str, Any]:
    """The latest released programme, filtered; texts follow Accept-Language (or ?lang=)."""
    lang = request_language(request)
    conference = await service.conference(ctx=ctx, conference_id=conference_id)
    release = await service.latest_release(ctx=ctx, conference_id=conference_id)
    zone = conference.zone
    sessions = [exports.localize(e, lang, zone) for e in release.snapshot
                if exports.matches(e, zone, day=day, track=track, room=room, language=language, kind=kind)]
    response.headers["Content-Language"] = lang
    return {"conference_id": conference_id, "version": release.version, "released_at": release.released_at,
            "timezone": conference.timezone, "lang": lang, "sessions": sessions}


@router.get("/conferences/{conference_id}/schedule.ics", tags=["public"], response_class=Response,
            responses={**CALENDAR, **problems(404)})
async def schedule_ical(conference_id: str, request: Request, ctx: Ctx) -> Response:
    """The latest released programme as an iCalendar file."""
    lang = request_language(request)
    conference = await service.conference(ctx=ctx, conference_id=conference_id)
    release = await service.latest_release(ctx=ctx, conference_id=conference_id)
    name = exports.pick(conference.title.model_dump() if conference.title else None, lang) or conference_id
    body = exports.ical(release.snapshot, name=name, lang=lang, stamp=release.released_at,
                        sequence=release.version, conference=conference)
    return Response(body, media_type=ICAL, headers={"Content-Language": lang})


@router.get("/conferences/{conference_id}/schedule.xml", tags=["public"], response_class=Response,
            responses={200: {"content": {"application/xml": {}}}, **problems(404)})
async def schedule_frab(conference_id: str, request: Request, ctx: Ctx) -> Response:
    """The latest released programme as frab schedule XML (Giggity, ConfClerk)."""
    lang = request_language(request)
    conference = await service.conference(ctx=ctx, conference_id=conference_id)
    release = await service.latest_release(ctx=ctx, conference_id=conference_id)
    body = exports.frab(release.snapshot, conference=conference, version=release.version, lang=lang)
    return Response(body, media_type="application/xml", headers={"Content-Language": lang})
