"""Organizer routes: conferences, registrations, decisions, exports, statistics.

Creating a conference is for platform administrators; everything else needs the
conference's organizer scope (``organizer:conference:<id>``), found for a registration
through the conference it belongs to. Each change is written to the audit log.
"""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from registration import (
    admin,
    bulk_messages,
    checkin,
    checkin_day,
    conferences,
    imports,
    jobs,
    organizer_cancel,
    service,
)
from registration.bulk_messages import Audience, AudienceCount, BulkMessage
from registration.checkin import ScanResult
from registration.checkin_day import CheckinDay
from registration.context import Ctx, context_of
from registration.domain import (
    Category,
    ConferenceCreate,
    ConferencePublic,
    ConferenceUpdate,
    Decision,
    Region,
    RegistrationPage,
    RegistrationPublic,
    Status,
    registration_public,
)
from registration.jobs import BadgeBatch
from shared.audit import Act
from shared.auth import Admin, Principal, require
from shared.errors import Conflict, problem_response, problems
from shared.i18n import Language, request_language
from shared.limits import PAGE_MAX
from shared.platform import get_platform
from shared.scanwindow import CheckinConflicts

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
router = APIRouter(prefix="/admin", tags=["organizers"])


async def registration_conference(request: Request) -> dict[str, str] | None:
    """The conference a registration belongs to, for its organizer scope."""
    conference_id = await admin.conference_of_registration(
        ctx=context_of(get_platform(request)), registration_id=request.path_params["registration_id"])
    return {"conference_id": conference_id} if conference_id else None


ConferenceOrganizer = Annotated[Principal, require("organizer:conference:{conference_id}")]
RegistrationOrganizer = Annotated[Principal, require("organizer:conference:{conference_id}",
                                                     resolve=registration_conference)]


@router.post("/conferences", status_code=201, response_model=ConferencePublic, responses=problems(409))
async def create_conference(body: ConferenceCreate, request: Request, ctx: Ctx, who: Admin
                            ) -> ConferencePublic:
    """Create a conference."""
    doc = await service.create_conference(ctx=ctx, data=body, act=Act.of(request, who))
    return service.conference_public(doc)


@router.patch("/conferences/{conference_id}", response_model=ConferencePublic, responses=problems(404, 409))
async def update_conference(conference_id: str, body: ConferenceUpdate, request: Request, ctx: Ctx,
                            who: ConferenceOrganizer) -> ConferencePublic:
    """Edit a conference (capacity and quotas never below the seats taken)."""
    doc = await service.update_conference(ctx=ctx, conference_id=conference_id, data=body,
                                         act=Act.of(request, who))
    return service.conference_public(doc)


@router.post("/conferences/preview", response_model=ConferencePublic, responses=problems(403))
async def preview_new_conference(body: ConferenceCreate, ctx: Ctx, who: Admin) -> ConferencePublic:
    """The public view of a conference as this body would create it; nothing is saved."""
    return await conferences.preview_new_conference(ctx=ctx, data=body)


@router.post("/conferences/{conference_id}/preview", response_model=ConferencePublic, responses=problems(404))
async def preview_conference(conference_id: str, body: ConferenceUpdate, ctx: Ctx, who: ConferenceOrganizer
                             ) -> ConferencePublic:
    """The public view of the conference with these changes; nothing is saved."""
    return await conferences.preview_conference(ctx=ctx, conference_id=conference_id, data=body)


@router.get("/conferences/{conference_id}/registrations", response_model=RegistrationPage, responses=problems(404))
async def list_registrations(
    conference_id: str, ctx: Ctx, who: ConferenceOrganizer,
    status: Status | None = None, category: Category | None = None, region: Region | None = None,
    checked_in: bool | None = None, q: Annotated[str | None, Query(max_length=100)] = None,
    page: Annotated[int, Query(ge=1, le=PAGE_MAX)] = 1, page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> RegistrationPage:
    """Search registrations (status, category, region, checked in, name or e-mail), in arrival order."""
    await service.get_conference(ctx=ctx, conference_id=conference_id)
    items, total = await admin.search_registrations(
        ctx=ctx, conference_id=conference_id, page=page, page_size=page_size, status=status,
        category=category, region=region, checked_in=checked_in, q=q)
    return RegistrationPage(items=[registration_public(d) for d in items], total=total, page=page,
                            page_size=page_size)


@router.get("/conferences/{conference_id}/registrations.csv", response_class=Response,
            responses={200: {"content": {"text/csv": {}}}, **problems(404)})
async def export_registrations(conference_id: str, ctx: Ctx, who: ConferenceOrganizer) -> Response:
    """All registrations as CSV (UTF-8 with BOM, opens in Excel with Arabic intact)."""
    await service.get_conference(ctx=ctx, conference_id=conference_id)
    content = await admin.export_csv(ctx=ctx, conference_id=conference_id)
    return Response(content, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{conference_id}-registrations.csv"'})


@router.get("/conferences/{conference_id}/registrations.xlsx", response_class=Response,
            responses={200: {"content": {XLSX: {}}}, **problems(404)})
async def export_registrations_xlsx(conference_id: str, ctx: Ctx, who: ConferenceOrganizer) -> Response:
    """All registrations as an Excel workbook (the CSV's columns)."""
    await service.get_conference(ctx=ctx, conference_id=conference_id)
    content = await admin.export_xlsx(ctx=ctx, conference_id=conference_id)
    return Response(content, media_type=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{conference_id}-registrations.xlsx"'})


@router.get("/conferences/{conference_id}/badges.pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}}, **problems(404)})
async def print_badges(conference_id: str, ctx: Ctx, who: ConferenceOrganizer,
                       lang: Language | None = None, layout: Literal["a6", "a4"] = "a6",
                       category: Category | None = None, q: Annotated[str | None, Query(max_length=100)] = None
                       ) -> Response:
    """The badges of the confirmed participants (all, a category's or a search's) in one PDF: an A6
    page each, or four to an A4 sheet with cut marks (``layout=a4``); Arabic shaped."""
    content = await admin.badges_pdf(ctx=ctx, conference_id=conference_id, lang=lang, layout=layout,
                                     category=category, q=q)
    return Response(content, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{conference_id}-badges.pdf"'})


@router.post("/conferences/{conference_id}/registrations/import", responses=problems(400, 404, 409, 422))
async def import_invitees(conference_id: str, file: UploadFile, request: Request, ctx: Ctx,
                          who: ConferenceOrganizer) -> JSONResponse:
    """Register invitees or a delegation from a CSV or XLSX file: every row, or none (422 lists each fault)."""
    content = await file.read(imports.MAX_BYTES + 1)
    try:
        rows = imports.read_rows(file.filename or "", content)
        count = await imports.import_registrations(ctx=ctx, conference_id=conference_id, rows=rows,
                                                   act=Act.of(request, who))
    except imports.ImportRefused as exc:
        lang = request_language(request)
        return problem_response(request, status=422, code=exc.code, params=exc.params,
                                extra={"rows": [e.described(lang) for e in exc.errors]})
    return JSONResponse({"imported": count})


@router.get("/conferences/{conference_id}/stats", responses=problems(404))
async def stats(conference_id: str, ctx: Ctx, who: ConferenceOrganizer) -> dict[str, Any]:
    """Counts by status; seated registrations by category, region, gender, age band; check-ins per hour."""
    await service.get_conference(ctx=ctx, conference_id=conference_id)
    return await admin.conference_stats(ctx=ctx, conference_id=conference_id)


@router.get("/conferences/{conference_id}/checkin-conflicts", response_model=CheckinConflicts,
            responses=problems(404))
async def checkin_conflicts(conference_id: str, ctx: Ctx, who: ConferenceOrganizer) -> CheckinConflicts:
    """Offline gate decisions the server disagrees with: a badge admitted twice, or after it was revoked."""
    await service.get_conference(ctx=ctx, conference_id=conference_id)
    return await checkin.list_checkin_conflicts(ctx=ctx, conference_id=conference_id)


@router.get("/conferences/{conference_id}/checkin-day", response_model=CheckinDay, responses=problems(404))
async def read_checkin_day(conference_id: str, ctx: Ctx, who: ConferenceOrganizer) -> CheckinDay:
    """Arrivals against confirmed registrations (by category, by local hour), last scans, scanner devices
    and who operates them."""
    return await checkin_day.checkin_day(ctx=ctx, conference_id=conference_id)


class ManualCheckin(BaseModel):
    registration_id: Annotated[str, Field(min_length=1, max_length=40)]


@router.post("/conferences/{conference_id}/manual-checkins", response_model=ScanResult,
             responses=problems(400, 404, 409))
async def manual_check_in(conference_id: str, body: ManualCheckin, request: Request, ctx: Ctx,
                          who: ConferenceOrganizer) -> ScanResult:
    """Check in a participant without a badge (recorded as ``manual`` with the organizer, audited);
    the same answers and window rules as a scan: 409 when refused."""
    result = await checkin_day.manual_check_in(ctx=ctx, conference_id=conference_id,
                                               registration_id=body.registration_id, by=who, act=Act.of(request, who))
    if result.outcome == "invalid":
        raise Conflict(result.code, status=400)
    if result.outcome == "refused":
        raise Conflict(result.code, registration_id=result.registration_id, status_now=result.status)
    return result


class JobStarted(BaseModel):
    job_id: str
    url: str = Field(description="the job's console page: progress, then the file or the summary")


@router.post("/conferences/{conference_id}/badge-jobs", status_code=202, response_model=JobStarted,
             responses=problems(404))
async def start_badge_job(conference_id: str, body: BadgeBatch, ctx: Ctx, who: ConferenceOrganizer) -> JobStarted:
    """Draw the badges of the confirmed participants (all, a category's, a search's) in the background:
    one A6 page each or four to an A4 sheet with cut marks."""
    job_id = await jobs.start_badges(ctx=ctx, conference_id=conference_id, batch=body, by=who)
    return JobStarted(job_id=job_id, url=f"/console/jobs/{job_id}")


@router.post("/conferences/{conference_id}/message-audience", response_model=AudienceCount,
             responses=problems(404))
async def message_audience(conference_id: str, body: Audience, ctx: Ctx, who: ConferenceOrganizer
                           ) -> AudienceCount:
    """How many participants a message to this group would reach, by the language each reads."""
    return await bulk_messages.count_audience(ctx=ctx, conference_id=conference_id, audience=body)


@router.post("/conferences/{conference_id}/message-jobs", status_code=202, response_model=JobStarted,
             responses=problems(404, 422))
async def start_message_job(conference_id: str, body: BulkMessage, request: Request, ctx: Ctx,
                            who: ConferenceOrganizer) -> JobStarted:
    """Send a message to a group, each recipient in their language (422 when one of their languages has
    no text), queued in the background through the mail queue; audited."""
    job_id = await jobs.start_message(ctx=ctx, conference_id=conference_id, message=body, by=who,
                                      act=Act.of(request, who))
    return JobStarted(job_id=job_id, url=f"/console/jobs/{job_id}")


@router.get("/registrations/{registration_id}", response_model=RegistrationPublic, responses=problems(404))
async def read_registration(registration_id: str, ctx: Ctx, who: RegistrationOrganizer
                            ) -> RegistrationPublic:
    """One registration."""
    return registration_public(await admin.get_registration(ctx=ctx, registration_id=registration_id))


@router.post("/registrations/{registration_id}/approve", response_model=RegistrationPublic,
             responses=problems(404, 409))
async def approve(registration_id: str, request: Request, ctx: Ctx, who: RegistrationOrganizer,
                  body: Decision | None = None) -> RegistrationPublic:
    """Approve a pending registration; an optional reason goes into the participant's mail."""
    doc = await admin.approve_registration(ctx=ctx, registration_id=registration_id,
                                          act=Act.of(request, who), reason=body.reason if body else None)
    return registration_public(doc)


@router.post("/registrations/{registration_id}/reject", response_model=RegistrationPublic,
             responses=problems(404, 409))
async def reject(registration_id: str, request: Request, ctx: Ctx, who: RegistrationOrganizer,
                 body: Decision | None = None) -> RegistrationPublic:
    """Reject a pending registration; its seat goes to the waiting list. The reason is kept and
    written into the participant's mail, in their language."""
    doc = await admin.reject_registration(ctx=ctx, registration_id=registration_id,
                                         act=Act.of(request, who), reason=body.reason if body else None)
    return registration_public(doc)


@router.post("/registrations/{registration_id}/promote", response_model=RegistrationPublic,
             responses=problems(404, 409))
async def promote(registration_id: str, request: Request, ctx: Ctx, who: RegistrationOrganizer
                  ) -> RegistrationPublic:
    """Move someone off the waiting list (needs a free seat)."""
    doc = await admin.promote_registration(ctx=ctx, registration_id=registration_id,
                                          act=Act.of(request, who))
    return registration_public(doc)


@router.post("/registrations/{registration_id}/cancel", response_model=RegistrationPublic,
             responses=problems(404, 409))
async def cancel(registration_id: str, request: Request, ctx: Ctx, who: RegistrationOrganizer) -> RegistrationPublic:
    """Cancel a registration on the participant's behalf: they get the cancellation mail, the seat goes to
    the waiting list."""
    doc = await organizer_cancel.cancel_for_participant(ctx=ctx, registration_id=registration_id,
                                                        act=Act.of(request, who))
    return registration_public(doc)


@router.post("/registrations/{registration_id}/erase", response_model=RegistrationPublic, responses=problems(404))
async def erase(registration_id: str, request: Request, ctx: Ctx, who: RegistrationOrganizer
                ) -> RegistrationPublic:
    """Erase a participant's personal data on request (law 09-08); anonymous counts stay."""
    doc = await admin.erase_personal_data(ctx=ctx, registration_id=registration_id,
                                         act=Act.of(request, who))
    return registration_public(doc)
