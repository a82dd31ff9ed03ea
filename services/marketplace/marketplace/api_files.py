"""Routes of the registry's bulk work and of the files an organizer takes away: a cooperatives
import, the invitations' states, a market's passes to print, its attendance and sales as CSV."""

from fastapi import APIRouter, Request, UploadFile
from fastapi.responses import JSONResponse, Response

from marketplace import exports, imports, service
from marketplace.api import MarketOrganizer, Registry
from marketplace.context import Ctx
from marketplace.domain import InvitationState
from shared.audit import Act
from shared.errors import problem_response, problems
from shared.i18n import request_language
from shared.limits import MAX_BODY_BYTES
from shared.pagination import Paged, page_of

router = APIRouter()


@router.post("/cooperatives/import", response_model=imports.ImportResult, tags=["cooperatives"],
             responses=problems(422))
async def import_cooperatives(file: UploadFile, request: Request, ctx: Ctx, who: Registry) -> Response:
    """Register cooperatives from a CSV or XLSX file: every new row, or none (422 lists each fault by row)."""
    content = await file.read(MAX_BODY_BYTES + 1)
    try:
        result = await imports.import_cooperatives(ctx=ctx, filename=file.filename or "", content=content,
                                                   act=Act.of(request, who))
    except imports.ImportRefused as exc:
        lang = request_language(request)
        return problem_response(request, status=422, code=exc.code, params=exc.params,
                                extra={"rows": [e.described(lang) for e in exc.errors]})
    return JSONResponse(result.model_dump())


@router.get("/cooperatives/{cooperative_id}/invitations", response_model=list[InvitationState],
            tags=["cooperatives"], responses=problems(404))
async def invitations(cooperative_id: str, ctx: Ctx, _: Registry, page: Paged, request: Request,
                      response: Response) -> list[InvitationState]:
    """The invitations sent to a cooperative and their state (pending, used, expired)."""
    return page_of(await service.cooperative_invitations(ctx=ctx, cooperative_id=cooperative_id), page,
                   request, response)


def _file(content: bytes, media_type: str, name: str) -> Response:
    return Response(content, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/markets/{market_id}/passes.pdf", tags=["passes"],
            responses={200: {"content": {"application/pdf": {}}}, **problems(404, 409)})
async def passes_pdf(market_id: str, request: Request, ctx: Ctx, _: MarketOrganizer) -> Response:
    """Every current exhibitor pass of the market in one PDF, an A6 page each (Arabic shaped)."""
    content = await exports.market_passes_pdf(ctx=ctx, market_id=market_id, lang=request_language(request))
    return _file(content, "application/pdf", f"{market_id}-passes.pdf")


@router.get("/markets/{market_id}/attendance.csv", tags=["passes"],
            responses={200: {"content": {"text/csv": {}}}, **problems(404)})
async def attendance_csv(market_id: str, request: Request, ctx: Ctx, _: MarketOrganizer) -> Response:
    """Exhibitors expected, checked in and absent per opening day, as CSV."""
    content = await exports.attendance_csv(ctx=ctx, market_id=market_id, lang=request_language(request))
    return _file(content, "text/csv; charset=utf-8", f"{market_id}-attendance.csv")


@router.get("/markets/{market_id}/sales/report.csv", tags=["sales"],
            responses={200: {"content": {"text/csv": {}}}, **problems(404)})
async def sales_csv(market_id: str, request: Request, ctx: Ctx, _: MarketOrganizer) -> Response:
    """Exact sales per product category of the market, as CSV, for organizers."""
    content = await exports.sales_csv(ctx=ctx, market_id=market_id, lang=request_language(request))
    return _file(content, "text/csv; charset=utf-8", f"{market_id}-sales.csv")
