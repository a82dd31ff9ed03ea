"""HTTP routes of people: participants (behind registration's manage token) sign up and star;
visitors star into an agenda of their own."""

from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from pydantic import BaseModel

from agenda import exports, participation, personal
from agenda.api import CALENDAR, ICAL
from agenda.context import Agenda, Ctx
from agenda.domain import DEFAULT_TIMEZONE, SignupPublic
from shared.documents import utcnow
from shared.errors import DomainError, problems
from shared.i18n import request_language
from shared.signing import InvalidSignedToken

router = APIRouter()
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

