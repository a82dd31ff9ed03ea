"""HTTP routes: public reads (no personal data) and organizers' changes."""

from datetime import UTC, date, datetime
from enum import Enum
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Query, Request, Response, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from recommendations import evidence, milestones, opendata, service, views
from recommendations import indicators as ind
from recommendations.context import Ctx
from recommendations.domain import (
    EDITION_MAX,
    Decision,
    MilestoneCompletion,
    MilestoneCreate,
    MilestoneEdit,
    RecommendationCreate,
    RecommendationDetail,
    RecommendationPublic,
    Status,
    StatusChange,
    Theme,
    parse_as_of,
)
from shared.audit import Act
from shared.auth import Principal, require
from shared.errors import problems
from shared.limits import REF_MAX
from shared.pagination import Paged, page_of

router = APIRouter()


async def get_as_of(date: Annotated[str | None, Query(
        description="YYYY-MM-DD (end of that day, UTC) or ISO 8601 date-time, years 1970 to 2200 in UTC: "
                    "rebuilt from history", max_length=40)] = None,
) -> datetime | None:
    return parse_as_of(date)


async def get_filters(
    status: Status | None = None, theme: Theme | None = None,
    body: Annotated[str | None, Query(max_length=REF_MAX)] = None,
    edition: Annotated[int | None, Query(ge=1, le=EDITION_MAX)] = None,
) -> views.Filters:
    return views.Filters(status=status, theme=theme, body=body, edition=edition)


AsOf = Annotated[datetime | None, Depends(get_as_of)]
FiltersDep = Annotated[views.Filters, Depends(get_filters)]
TAG: list[str | Enum] = ["public"]
# The register's officers change it; a reviewer gives the second approval of a completion.
Organizer = Annotated[Principal, require("organizer:recommendations")]
Reviewer = Annotated[Principal, require("reviewer:recommendations", "organizer:recommendations")]


def _actor(request: Request, who: Principal) -> service.Actor:
    return service.Actor.of(who, Act.of(request, who))
ORG: list[str | Enum] = ["organizers"]


@router.get("/recommendations", response_model=list[RecommendationPublic], tags=TAG)
async def list_recommendations(ctx: Ctx, filters: FiltersDep, as_of: AsOf, page: Paged, request: Request,
                               response: Response) -> list[RecommendationPublic]:
    """The register, filtered by status, theme (axis), body (lead or contributing) and edition (paginated)."""
    return page_of(await views.list_recommendations(ctx=ctx, filters=filters, as_of=as_of), page, request,
                   response)


@router.get("/recommendations/{recommendation_id}", response_model=RecommendationDetail, tags=TAG,
            responses=problems(404))
async def get_recommendation(recommendation_id: str, ctx: Ctx, as_of: AsOf) -> RecommendationDetail:
    """One recommendation with its timeline of changes."""
    return await views.get_recommendation(ctx=ctx, recommendation_id=recommendation_id, as_of=as_of)


@router.get("/recommendations/{recommendation_id}/history", tags=ORG, responses=problems(404))
async def private_history(recommendation_id: str, ctx: Ctx, who: Reviewer, page: Paged, request: Request,
                          response: Response) -> list[dict[str, Any]]:
    """The full history with the organizers' identities (accountability; organizers only; paginated)."""
    records = await views.private_history(ctx=ctx, recommendation_id=recommendation_id)
    return page_of(records, page, request, response)


@router.post("/recommendations", response_model=RecommendationDetail, status_code=201, tags=ORG,
             responses=problems(409))
async def register_recommendation(
    body: RecommendationCreate, request: Request, ctx: Ctx, who: Organizer
) -> RecommendationDetail:
    """Register a recommendation (for instance one adopted outside the agenda)."""
    state = await service.register_recommendation(ctx=ctx, data=body, actor=_actor(request, who))
    return await views.get_recommendation(ctx=ctx, recommendation_id=state.id, as_of=None)


@router.post("/recommendations/{recommendation_id}/status", response_model=RecommendationDetail, tags=ORG,
             responses=problems(404, 409))
async def change_status(
    recommendation_id: str, body: StatusChange, request: Request, ctx: Ctx, who: Organizer
) -> RecommendationDetail:
    """Change status and progress with a reason; `complete` is only proposed until a second organizer approves."""
    await service.change_status(ctx=ctx, recommendation_id=recommendation_id, data=body,
                                actor=_actor(request, who))
    return await views.get_recommendation(ctx=ctx, recommendation_id=recommendation_id, as_of=None)


@router.post("/recommendations/{recommendation_id}/status/upload", response_model=RecommendationDetail, tags=ORG,
             responses=problems(404, 409, 413))
async def change_status_with_file(
    recommendation_id: str, request: Request, ctx: Ctx, who: Organizer,
    file: Annotated[UploadFile, File(description="The proof: PDF, PNG or JPEG, checked by its content, kept "
                                                 "without its metadata (EXIF, XMP, document information)")],
    status: Annotated[Status, Form()], reason: Annotated[str, Form(max_length=2000)],
    description: Annotated[str, Form(max_length=2000, description="What the file shows")],
    date: Annotated[date, Form(description="The date of the proof")],
    progress: Annotated[int | None, Form(ge=0, le=100)] = None,
) -> RecommendationDetail:
    """Change status as `/status` does, with an uploaded file as evidence (multipart form), kept without metadata."""
    try:
        data = StatusChange(status=status, progress=progress, reason=reason)
        fields = evidence.EvidenceFileFields(description=description, date=date)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False)) from exc
    upload = evidence.EvidenceUpload(name=file.filename or "", data=await file.read(), fields=fields)
    await service.change_status(ctx=ctx, recommendation_id=recommendation_id, data=data,
                                actor=_actor(request, who), upload=upload)
    return await views.get_recommendation(ctx=ctx, recommendation_id=recommendation_id, as_of=None)


def file_response(download: evidence.Download) -> Response:
    """A proof as an attachment, never shown inline (a PDF could carry script)."""
    fallback = download.name.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    return Response(download.data, media_type=download.content_type, headers={
        "Content-Disposition": f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(download.name)}",
        "X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox"})


@router.get("/recommendations/{recommendation_id}/evidence/{file_id}", tags=TAG, response_class=Response,
            responses={200: {"content": {"application/pdf": {}, "image/png": {}, "image/jpeg": {}}},
                       **problems(404)})
async def download_evidence(recommendation_id: str, file_id: str, ctx: Ctx) -> Response:
    """An uploaded proof of the recommendation's accepted evidence (a pending proposal's files are not public)."""
    return file_response(await evidence.evidence_download(ctx=ctx, recommendation_id=recommendation_id,
                                                          file_id=file_id, organizer=False))


@router.get("/recommendations/{recommendation_id}/evidence/{file_id}/original", tags=ORG, response_class=Response,
            responses={200: {"content": {"application/pdf": {}, "image/png": {}, "image/jpeg": {}}},
                       **problems(404)})
async def download_evidence_original(recommendation_id: str, file_id: str, ctx: Ctx, who: Reviewer) -> Response:
    """Any uploaded proof of the recommendation, under the name it was sent with (organizers)."""
    return file_response(await evidence.evidence_download(ctx=ctx, recommendation_id=recommendation_id,
                                                          file_id=file_id, organizer=True))


@router.post("/recommendations/{recommendation_id}/completion/approve", response_model=RecommendationDetail,
             tags=ORG, responses=problems(404, 409))
async def approve_completion(
    recommendation_id: str, body: Decision, request: Request, ctx: Ctx, who: Reviewer
) -> RecommendationDetail:
    """Approve a proposed completion (by an organizer other than the proposer)."""
    await service.decide_completion(ctx=ctx, recommendation_id=recommendation_id, data=body,
                                    actor=_actor(request, who), approve=True)
    return await views.get_recommendation(ctx=ctx, recommendation_id=recommendation_id, as_of=None)


@router.post("/recommendations/{recommendation_id}/completion/send-back", response_model=RecommendationDetail,
             tags=ORG, responses=problems(404, 409))
async def send_back_completion(
    recommendation_id: str, body: Decision, request: Request, ctx: Ctx, who: Reviewer
) -> RecommendationDetail:
    """Send a proposed completion back (by an organizer other than the proposer)."""
    await service.decide_completion(ctx=ctx, recommendation_id=recommendation_id, data=body,
                                    actor=_actor(request, who), approve=False)
    return await views.get_recommendation(ctx=ctx, recommendation_id=recommendation_id, as_of=None)


@router.post("/recommendations/{recommendation_id}/milestones", response_model=RecommendationDetail,
             status_code=201, tags=ORG, responses=problems(404, 409))
async def add_milestone(
    recommendation_id: str, body: MilestoneCreate, request: Request, ctx: Ctx,
    who: Organizer,
) -> RecommendationDetail:
    """Add an action/milestone with its owner and due date."""
    await milestones.add_milestone(ctx=ctx, recommendation_id=recommendation_id, data=body,
                                actor=_actor(request, who))
    return await views.get_recommendation(ctx=ctx, recommendation_id=recommendation_id, as_of=None)


@router.post("/recommendations/{recommendation_id}/milestones/{milestone_id}", response_model=RecommendationDetail,
             tags=ORG, responses=problems(404, 409))
async def edit_milestone(
    recommendation_id: str, milestone_id: str, body: MilestoneEdit, request: Request, ctx: Ctx, who: Organizer,
) -> RecommendationDetail:
    """Change an open milestone's title, owner or due date, with a reason."""
    await milestones.edit_milestone(ctx=ctx, recommendation_id=recommendation_id, milestone_id=milestone_id,
                                    data=body, actor=_actor(request, who))
    return await views.get_recommendation(ctx=ctx, recommendation_id=recommendation_id, as_of=None)


@router.post("/recommendations/{recommendation_id}/milestones/{milestone_id}/complete",
             response_model=RecommendationDetail, tags=ORG, responses=problems(404, 409))
async def complete_milestone(
    recommendation_id: str, milestone_id: str, body: MilestoneCompletion, request: Request, ctx: Ctx,
    who: Organizer,
) -> RecommendationDetail:
    """Mark a milestone done, with a reason and optional evidence."""
    await milestones.complete_milestone(ctx=ctx, recommendation_id=recommendation_id,
                                     milestone_id=milestone_id, data=body, actor=_actor(request, who))
    return await views.get_recommendation(ctx=ctx, recommendation_id=recommendation_id, as_of=None)


@router.get("/indicators", response_model=list[ind.IndicatorPublic], tags=TAG)
async def list_indicators(ctx: Ctx, as_of: AsOf) -> list[ind.IndicatorPublic]:
    """Indicators with baseline, target and current value."""
    return await ind.list_indicators(ctx=ctx, as_of=as_of)


@router.get("/indicators/{indicator_id}", response_model=ind.IndicatorDetail, tags=TAG, responses=problems(404))
async def get_indicator(
    indicator_id: str, ctx: Ctx, as_of: AsOf, limit: Annotated[int, Query(ge=1, le=5000)] = 500
) -> ind.IndicatorDetail:
    """One indicator with the history of its values (the latest `limit`, oldest first)."""
    return await ind.get_indicator(ctx=ctx, indicator_id=indicator_id, as_of=as_of, limit=limit)


@router.post("/indicators", response_model=ind.IndicatorPublic, status_code=201, tags=ORG,
             responses=problems(404, 409))
async def define_indicator(body: ind.IndicatorCreate, request: Request, ctx: Ctx, who: Organizer
                           ) -> ind.IndicatorPublic:
    """Define a manual indicator."""
    return await ind.define_indicator(ctx=ctx, data=body, act=Act.of(request, who))


@router.post("/indicators/{indicator_id}/values", response_model=ind.IndicatorPublic, status_code=201, tags=ORG,
             responses=problems(404, 409))
async def record_indicator_value(
    indicator_id: str, body: ind.IndicatorValueCreate, request: Request, ctx: Ctx, who: Organizer
) -> ind.IndicatorPublic:
    """Record a new value of a manual indicator, with its date and source."""
    return await ind.record_indicator_value(ctx=ctx, indicator_id=indicator_id, data=body,
                                            actor=_actor(request, who))


@router.get("/dashboard", response_model=views.Dashboard, tags=TAG)
async def dashboard(ctx: Ctx, as_of: AsOf,
                    edition: Annotated[int | None, Query(ge=1, le=EDITION_MAX)] = None) -> views.Dashboard:
    """Counts by status, theme and body; overdue items; indicators against their targets."""
    return await views.dashboard(ctx=ctx, edition=edition, as_of=as_of)


@router.get("/open-data/recommendations.csv", tags=TAG, response_class=Response,
            responses={200: {"content": {"text/csv": {}}}})
async def open_data_csv(ctx: Ctx, filters: FiltersDep, as_of: AsOf) -> Response:
    """The register as CSV (UTF-8 with BOM), optionally as it stood at a past date."""
    items = await views.list_recommendations(ctx=ctx, filters=filters, as_of=as_of)
    snapshot_at = as_of or datetime.now(UTC)
    name = f"recommendations-{snapshot_at.date().isoformat()}.csv"
    return Response(opendata.to_csv(items, snapshot_at), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/open-data/recommendations.json", tags=TAG)
async def open_data_json(ctx: Ctx, filters: FiltersDep, as_of: AsOf) -> JSONResponse:
    """The register and indicators as JSON, optionally as they stood at a past date."""
    items = await views.list_recommendations(ctx=ctx, filters=filters, as_of=as_of)
    indicators = await ind.list_indicators(ctx=ctx, as_of=as_of)
    snapshot_at = as_of or datetime.now(UTC)
    return JSONResponse(opendata.to_json(items, indicators, snapshot_at, rebuilt=as_of is not None))


@router.get("/open-data/dictionary", tags=TAG)
async def open_data_dictionary() -> dict[str, Any]:
    """What each column and code of the open data means, in Arabic, French and English."""
    return opendata.dictionary()
