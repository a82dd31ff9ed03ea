"""Public, participant and check-in routes.

The participant reaches their registration with the manage token given at
registration (and in every mail link) as the ``token`` query parameter:
``/registrations/{id}?token=...``. A query parameter lets a plain link in a mail
open the registration or the badge image.
"""

from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field, field_validator

from registration import service
from registration.checkin import Scan, ScanResult, check_in, check_in_batch, offline_snapshot
from registration.checkin_day import MANUAL
from registration.context import Ctx
from registration.domain import (
    ConferencePublic,
    ParticipantDetails,
    RegistrationCreate,
    RegistrationCreated,
    RegistrationPublic,
    registration_public,
)
from shared.auth import Principal, require
from shared.documents import utcnow
from shared.errors import Conflict, NotFound, problems
from shared.i18n import request_language, translate
from shared.pagination import Paged, page_of
from shared.qr import qr_png, qr_svg
from shared.scanwindow import ScanSnapshot

Token = Annotated[str, Query(min_length=1, max_length=2000, description="the manage token")]

public = APIRouter(tags=["public"])
participant = APIRouter(prefix="/registrations", tags=["participant"])
checkin = APIRouter(prefix="/checkin", tags=["check-in"])
# Gate staff scan at their own conference only; its organizers may scan too.
ConferenceStaff = Annotated[Principal, require("staff:conference:{conference_id}",
                                              "organizer:conference:{conference_id}")]


@public.get("/.well-known/jwks.json")
async def jwks(ctx: Ctx) -> dict[str, Any]:
    """Public key that verifies badges and manage tokens offline (EdDSA, Ed25519)."""
    return service.public_keys(ctx=ctx)


@public.get("/conferences", response_model=list[ConferencePublic])
async def list_conferences(ctx: Ctx, page: Paged, request: Request,
                           response: Response) -> list[ConferencePublic]:
    """Conferences, newest first (paginated)."""
    now = utcnow()
    docs = page_of(await service.list_conferences(ctx=ctx), page, request, response)
    return [service.conference_public(doc, now) for doc in docs]


@public.get("/conferences/{conference_id}", response_model=ConferencePublic, responses=problems(404))
async def read_conference(conference_id: str, ctx: Ctx) -> ConferencePublic:
    """One conference, with the seats left."""
    return service.conference_public(await service.get_conference(ctx=ctx, conference_id=conference_id))


@public.post("/conferences/{conference_id}/registrations", status_code=201, response_model=RegistrationCreated,
             responses=problems(404, 409))
async def register(conference_id: str, body: RegistrationCreate, ctx: Ctx) -> RegistrationCreated:
    """Register for a conference (no account); keep the manage token of the answer."""
    doc, token = await service.register_participant(ctx=ctx, conference_id=conference_id, data=body)
    return RegistrationCreated(registration=registration_public(doc), manage_token=token)


@participant.get("/{registration_id}", response_model=RegistrationPublic, responses=problems(403))
async def read_own(registration_id: str, token: Token, ctx: Ctx) -> RegistrationPublic:
    """Your registration."""
    doc = await service.own_registration(ctx=ctx, registration_id=registration_id, token=token)
    return registration_public(doc)


@participant.patch("/{registration_id}", response_model=RegistrationPublic, responses=problems(403))
async def change_own(registration_id: str, token: Token, body: ParticipantDetails, ctx: Ctx
                     ) -> RegistrationPublic:
    """Change your details (not your e-mail nor your organization type)."""
    doc = await service.change_details(ctx=ctx, registration_id=registration_id, token=token, data=body)
    return registration_public(doc)


@participant.post("/{registration_id}/cancel", response_model=RegistrationPublic, responses=problems(403, 409))
async def cancel_own(registration_id: str, token: Token, ctx: Ctx) -> RegistrationPublic:
    """Cancel your registration; your seat goes to the waiting list."""
    doc = await service.cancel_registration(ctx=ctx, registration_id=registration_id, token=token)
    return registration_public(doc)


@participant.get("/{registration_id}/badge.{fmt}", response_class=Response, responses={
    200: {"content": {"image/png": {}, "image/svg+xml": {}}}, **problems(403, 404, 409)})
async def badge(registration_id: str, fmt: str, token: Token, ctx: Ctx) -> Response:
    """Your badge's QR code (png or svg), for confirmed registrations."""
    doc = await service.own_registration(ctx=ctx, registration_id=registration_id, token=token)
    if fmt not in ("png", "svg"):
        raise NotFound("not_found")
    if doc.status != "confirmed":
        raise Conflict("badge_not_available")
    content = service.badge_token(ctx, doc)
    if fmt == "png":
        return Response(qr_png(content), media_type="image/png")
    return Response(qr_svg(content), media_type="image/svg+xml")


class ScanAnswer(ScanResult):
    message: str
    nonce: str | None = None


def _scanner_device(value: str | None) -> str | None:
    # "manual" names the organizers' desk (a check-in by hand), never a scanner.
    if value == MANUAL:
        raise ValueError("field_device_reserved")
    return value


class SingleScan(Scan):
    device_id: str | None = Field(default=None, min_length=1, max_length=100)

    _device = field_validator("device_id")(_scanner_device)


class ScanBatch(BaseModel):
    device_id: str = Field(min_length=1, max_length=100)
    scans: list[Scan] = Field(min_length=1, max_length=1000)

    _device = field_validator("device_id")(_scanner_device)


async def _answer(request: Request, ctx: Ctx, conference_id: str, result: ScanResult,
                  nonce: str | None = None, zone: str | None = None) -> ScanAnswer:
    at: object = ""
    if result.outcome == "already_checked_in" and result.checked_in_at is not None:
        # The first scan's time as the gate's clock shows it: the conference's own time zone.
        zone = zone or await service.conference_timezone(ctx=ctx, conference_id=conference_id)
        at = result.checked_in_at.astimezone(ZoneInfo(zone))
    return ScanAnswer(**result.model_dump(), nonce=nonce,
                      message=translate(result.code, request_language(request), at=at))


@checkin.post("/conferences/{conference_id}/scans", response_model=ScanAnswer, responses=problems(400, 409))
async def scan(conference_id: str, body: SingleScan, request: Request, ctx: Ctx, who: ConferenceStaff
               ) -> ScanAnswer:
    """Scan a badge: 200 checked in (or already, with the time); 400 forged/foreign; 409 refused."""
    result = await check_in(ctx=ctx, conference_id=conference_id, scan=body, device_id=body.device_id, by=who)
    if result.outcome == "invalid":
        raise Conflict(result.code, status=400)
    if result.outcome == "refused":
        raise Conflict(result.code, registration_id=result.registration_id, status_now=result.status)
    return await _answer(request, ctx, conference_id, result, body.nonce)


@checkin.get("/conferences/{conference_id}/snapshot", response_model=ScanSnapshot, responses=problems(404))
async def snapshot(conference_id: str, ctx: Ctx, who: ConferenceStaff) -> ScanSnapshot:
    """What a scanner holds to decide offline: keys by kid, scan window, revoked registrations, version."""
    return await offline_snapshot(ctx=ctx, conference_id=conference_id)


@checkin.post("/conferences/{conference_id}/scans/batch", response_model=list[ScanAnswer])
async def scan_batch(conference_id: str, body: ScanBatch, request: Request, ctx: Ctx, who: ConferenceStaff
                     ) -> list[ScanAnswer]:
    """Sync scans queued or decided offline; idempotent per (device id, nonce), one answer per scan."""
    results = await check_in_batch(ctx=ctx, conference_id=conference_id, scans=body.scans,
                                   device_id=body.device_id, by=who)
    zone = None
    if any(result.outcome == "already_checked_in" for result in results):
        zone = await service.conference_timezone(ctx=ctx, conference_id=conference_id)
    return [await _answer(request, ctx, conference_id, result, item.nonce, zone)
            for item, result in zip(body.scans, results, strict=True)]
