"""HTTP routes: organizers edit and release the programme; the public reads it; participants sign up and star."""


from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from pydantic import BaseModel

from agenda import exports, participation, personal, service, sessions
from agenda.context import Agenda, Ctx, agenda_context
from agenda.domain import (
    DEFAULT_TIMEZONE,
    Conference,
    OutcomesRecord,
    ReleasePublic,
    RoomCreate,
    RoomPublic,
    SessionCreate,
    SessionKind,
    SessionPublic,
    SessionUpdate,
    SignupPublic,
    SpeakerCreate,
    SpeakerPublic,
)
from shared.audit import Act
from shared.auth import Principal, require
from shared.documents import utcnow
from shared.errors import DomainError, problems
from shared.i18n import Language, request_language
from shared.limits import REF_MAX
from shared.pagination import Paged, page_of
from shared.signing import InvalidSignedToken
from shared.timezones import Day

router = APIRouter()
ICAL = "text/calendar; charset=utf-8"
CALENDAR: dict[int | str, dict[str, Any]] = {200: {"content": {"text/calendar": {}}}}
# What a route behind the manage token may answer besides its own refusals (see ``participant``).
TOKEN_PROBLEMS = (401, 503)
# A manage token is a few hundred characters; anything much longer is not one.
TOKEN_MAX = 2000


class ParticipantRef(BaseModel):
    registration_id: str
    conference_id: str


async def participant(
    ctx: Ctx, x_manage_token: Annotated[str | None, Header(max_length=TOKEN_MAX)] = None,
    token: Annotated[str | None, Query(description="for calendar apps that cannot send headers",
                                       max_length=TOKEN_MAX)] = None,
) -> ParticipantRef:
    """The registration a manage token was issued for, checked offline with registration's key and
    refused once registration's messages said the registration was erased."""
    raw = x_manage_token or token
    if not raw:
        raise DomainError("manage_token_missing", status=401)
    verifier = ctx.manage_verifier
    if verifier is None:
        raise DomainError("manage_tokens_unavailable", status=503)
    try:
        claims = verifier.verify(raw, kind="manage")
    except InvalidSignedToken:
        raise DomainError("manage_token_invalid", status=401) from None
    if not isinstance(claims.get("r"), str) or not isinstance(claims.get("c"), str):
        raise DomainError("manage_token_invalid", status=401)
    await personal.refuse_revoked(ctx=ctx, registration_id=claims["r"])
    return ParticipantRef(registration_id=claims["r"], conference_id=claims["c"])


Participant = Annotated[ParticipantRef, Depends(participant)]


async def session_conference(request: Request) -> dict[str, str] | None:
    """The conference a session belongs to, for its organizer scope."""
    doc = await sessions.session_owner(ctx=agenda_context(request), session_id=request.path_params["session_id"])
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


@router.post("/sessions/{session_id}/signup", response_model=SignupPublic, tags=["participants"],
             responses=problems(*TOKEN_PROBLEMS, 403, 404, 409))
async def sign_up(session_id: str, ctx: Ctx, who: Participant) -> SignupPublic:
    """Take a seat in a session, or a place on its waiting list."""
    return await participation.sign_up(ctx=ctx, registration_id=who.registration_id,
                                       conference_id=who.conference_id, session_id=session_id)


@router.delete("/sessions/{session_id}/signup", response_model=SignupPublic, tags=["participants"],
               responses=problems(*TOKEN_PROBLEMS, 404))
async def cancel_signup(session_id: str, ctx: Ctx, who: Participant) -> SignupPublic:
    """Give up a seat (the first person waiting gets it) or leave the waiting list."""
    return await participation.cancel_signup(ctx=ctx, registration_id=who.registration_id,
                                             session_id=session_id)


class AgendaCreated(BaseModel):
    agenda_id: str


async def _agenda(ctx: Agenda, request: Request, owner: str, registration_id: str | None) -> dict[str, Any]:
    lang = request_language(request)
    entries = await personal.personal_agenda(ctx=ctx, owner=owner, registration_id=registration_id)
    zone = ZoneInfo(DEFAULT_TIMEZONE)
    return {"lang": lang, "sessions": [exports.localize(e, lang, zone) for e in entries]}


async def _agenda_ical(ctx: Agenda, request: Request, owner: str, registration_id: str | None) -> Response:
    lang = request_language(request)
    entries = await personal.personal_agenda(ctx=ctx, owner=owner, registration_id=registration_id)
    body = exports.ical(entries, name="Tadamon", lang=lang, stamp=utcnow(), sequence=0)
    return Response(body, media_type=ICAL, headers={"Content-Language": lang})


@router.put("/me/stars/{session_id}", status_code=204, tags=["participants"], responses=problems(*TOKEN_PROBLEMS, 404))
async def star_mine(session_id: str, ctx: Ctx, who: Participant) -> None:
    """Star a session into the participant's personal agenda."""
    await personal.star(ctx=ctx, owner=f"r:{who.registration_id}", session_id=session_id, starred=True)


@router.delete("/me/stars/{session_id}", status_code=204, tags=["participants"], responses=problems(*TOKEN_PROBLEMS))
async def unstar_mine(session_id: str, ctx: Ctx, who: Participant) -> None:
    """Remove a star."""
    await personal.star(ctx=ctx, owner=f"r:{who.registration_id}", session_id=session_id,
                             starred=False)


@router.get("/me/agenda", tags=["participants"], responses=problems(*TOKEN_PROBLEMS))
async def my_agenda(request: Request, ctx: Ctx, who: Participant) -> dict[str, Any]:
    """The participant's starred and signed-up sessions, from the released programme."""
    agenda = await _agenda(ctx, request, f"r:{who.registration_id}", who.registration_id)
    status = await personal.registration_status(ctx=ctx, registration_id=who.registration_id)
    return {"registration_id": who.registration_id, "registration_status": status, **agenda}


@router.get("/me/calendar.ics", tags=["participants"], response_class=Response,
            responses={**CALENDAR, **problems(*TOKEN_PROBLEMS)})
async def my_calendar(request: Request, ctx: Ctx, who: Participant) -> Response:
    """The participant's personal agenda as iCalendar (token in the header or ?token=)."""
    return await _agenda_ical(ctx, request, f"r:{who.registration_id}", who.registration_id)


@router.post("/agendas", status_code=201, response_model=AgendaCreated, tags=["visitors"])
async def create_agenda(ctx: Ctx) -> AgendaCreated:
    """Open a personal agenda for a visitor; keep its id, it is the only key to it."""
    return AgendaCreated(agenda_id=await personal.create_agenda(ctx=ctx))


@router.put("/agendas/{agenda_id}/stars/{session_id}", status_code=204, tags=["visitors"], responses=problems(404))
async def star_visitor(agenda_id: str, session_id: str, ctx: Ctx) -> None:
    """Star a session into a visitor's agenda."""
    owner = await personal.owner_of_agenda(ctx=ctx, agenda_id=agenda_id)
    await personal.star(ctx=ctx, owner=owner, session_id=session_id, starred=True)


@router.delete("/agendas/{agenda_id}/stars/{session_id}", status_code=204, tags=["visitors"],
               responses=problems(404))
async def unstar_visitor(agenda_id: str, session_id: str, ctx: Ctx) -> None:
    """Remove a star from a visitor's agenda."""
    owner = await personal.owner_of_agenda(ctx=ctx, agenda_id=agenda_id)
    await personal.star(ctx=ctx, owner=owner, session_id=session_id, starred=False)


@router.get("/agendas/{agenda_id}", tags=["visitors"], responses=problems(404))
async def visitor_agenda(agenda_id: str, request: Request, ctx: Ctx) -> dict[str, Any]:
    """A visitor's starred sessions, from the released programme."""
    owner = await personal.owner_of_agenda(ctx=ctx, agenda_id=agenda_id)
    return await _agenda(ctx, request, owner, None)


@router.get("/agendas/{agenda_id}/calendar.ics", tags=["visitors"], response_class=Response,
            responses={**CALENDAR, **problems(404)})
async def visitor_calendar(agenda_id: str, request: Request, ctx: Ctx) -> Response:
    """A visitor's agenda as iCalendar."""
    owner = await personal.owner_of_agenda(ctx=ctx, agenda_id=agenda_id)
    return await _agenda_ical(ctx, request, owner, None)
