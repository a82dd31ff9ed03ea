"""Routes of the marketplace: parse, call one use case, shape the answer."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from marketplace import applications, checkin, offline, sales, service, stands
from marketplace.context import Ctx, Marketplace
from marketplace.domain import (
    AcceptRequest,
    AllocationResult,
    ApplicationCreate,
    ApplicationPublic,
    Attendance,
    BatchResult,
    CheckinPublic,
    CooperativeCreate,
    CooperativePublic,
    CooperativeUpdate,
    ExhibitorToken,
    InvitationCreate,
    InvitationPublic,
    MarketCreate,
    MarketPublic,
    PassPublic,
    ProductCreate,
    ProductPublic,
    RejectRequest,
    SalesDeclare,
    SalesPublic,
    ScanBatch,
    ScanRequest,
    StandPublic,
    WithdrawalResult,
)
from marketplace.figures import SalesAggregates
from shared.audit import Act
from shared.auth import Admin, Principal, require
from shared.errors import problems
from shared.i18n import request_language
from shared.limits import REF_MAX
from shared.pagination import Paged, page_headers, page_of
from shared.platform import request_context
from shared.qr import qr_png, qr_svg
from shared.scanwindow import CheckinConflicts, ScanSnapshot
from shared.timezones import Day

# A list filter: a code or an id, never longer.
Filter = Annotated[str | None, Query(max_length=REF_MAX)]
router = APIRouter()


async def application_owner(request: Request) -> dict[str, str] | None:
    """The market and the cooperative of an application, for their scopes."""
    doc = await applications.application_owner(ctx=request_context(request, Marketplace),
                                               application_id=request.path_params["application_id"])
    return {"market_id": doc[0], "cooperative_id": doc[1]} if doc else None


# The cooperatives registry is kept by every market organizer; a market's own work by its organizers;
# an exhibitor acts for its own cooperative (the use cases bind it); gate staff scan at their market only.
Registry = Annotated[Principal, require("organizer:market:*")]
CooperativeMember = Annotated[Principal, require("exhibitor:cooperative:{cooperative_id}", "organizer:market:*")]
MarketOrganizer = Annotated[Principal, require("organizer:market:{market_id}")]
MarketStaff = Annotated[Principal, require("staff:market:{market_id}", "organizer:market:{market_id}")]
Applicant = Annotated[Principal, require("exhibitor:cooperative:*", "organizer:market:*")]
MarketExhibitor = Annotated[Principal, require("exhibitor:cooperative:*", "organizer:market:{market_id}")]
ApplicationParty = Annotated[Principal, require("exhibitor:cooperative:{cooperative_id}",
                                                "organizer:market:{market_id}", resolve=application_owner)]
ApplicationOrganizer = Annotated[Principal, require("organizer:market:{market_id}", resolve=application_owner)]


@router.get("/.well-known/jwks.json", tags=["passes"])
async def jwks(ctx: Ctx) -> dict[str, Any]:
    """Public key that verifies exhibitor passes offline."""
    return checkin.pass_keys(ctx=ctx)


# ---- cooperatives -------------------------------------------------------------------

@router.post("/cooperatives", status_code=201, response_model=CooperativePublic, tags=["cooperatives"],
             responses=problems(409))
async def create_cooperative(body: CooperativeCreate, request: Request, ctx: Ctx,
                             who: Registry) -> CooperativePublic:
    """Register a cooperative (exhibitor profile)."""
    return await service.create_cooperative(ctx=ctx, data=body, act=Act.of(request, who))


@router.get("/cooperatives", response_model=list[CooperativePublic], tags=["cooperatives"])
async def list_cooperatives(ctx: Ctx, _: Registry, page: Paged, request: Request, response: Response,
                            region: Filter = None, sector: Filter = None, q: Filter = None) -> list[CooperativePublic]:
    """List cooperatives, by region or sector, or found by name or register number (``q``; paginated)."""
    found, total = await service.list_cooperatives(ctx=ctx, page=page, region=region, sector=sector, text=q)
    page_headers(total, page, request, response)
    return found


@router.get("/cooperatives/{cooperative_id}", response_model=CooperativePublic, tags=["cooperatives"],
            responses=problems(404))
async def read_cooperative(cooperative_id: str, ctx: Ctx, who: CooperativeMember) -> CooperativePublic:
    """A cooperative's profile: its own exhibitor or an organizer."""
    return await service.get_cooperative(ctx=ctx, principal=who, cooperative_id=cooperative_id)


@router.patch("/cooperatives/{cooperative_id}", response_model=CooperativePublic, tags=["cooperatives"],
              responses=problems(404, 409))
async def update_cooperative(cooperative_id: str, body: CooperativeUpdate, request: Request, ctx: Ctx,
                             who: CooperativeMember) -> CooperativePublic:
    """Change a cooperative's profile (allocation-relevant fields: organizers only)."""
    return await service.update_cooperative(ctx=ctx, principal=who, cooperative_id=cooperative_id, data=body,
                                            act=Act.of(request, who))


@router.post("/cooperatives/{cooperative_id}/products", status_code=201, response_model=ProductPublic,
             tags=["cooperatives"], responses=problems(404))
async def add_product(cooperative_id: str, body: ProductCreate, ctx: Ctx,
                      who: CooperativeMember) -> ProductPublic:
    """Add a product to a cooperative's catalogue."""
    return await service.add_product(ctx=ctx, principal=who, cooperative_id=cooperative_id, data=body)


@router.delete("/cooperatives/{cooperative_id}/products/{product_id}", status_code=204, tags=["cooperatives"],
               responses=problems(404))
async def remove_product(cooperative_id: str, product_id: str, ctx: Ctx, who: CooperativeMember) -> Response:
    """Remove a product from a cooperative's catalogue."""
    await service.remove_product(ctx=ctx, principal=who, cooperative_id=cooperative_id, product_id=product_id)
    return Response(status_code=204)


@router.post("/cooperatives/{cooperative_id}/invitations", status_code=201, response_model=InvitationPublic,
             tags=["cooperatives"], responses=problems(404, 503))
async def invite(cooperative_id: str, request: Request, ctx: Ctx, who: Registry,
                 body: InvitationCreate | None = None) -> InvitationPublic:
    """Create a one-time link for the cooperative's exhibitor token and mail it to its contact address."""
    return await service.invite_cooperative(ctx=ctx, cooperative_id=cooperative_id, by=who.sub,
                                            data=body or InvitationCreate(), act=Act.of(request, who))


@router.post("/invitations/{token}/accept", response_model=ExhibitorToken, tags=["cooperatives"],
             responses=problems(404, 409, 410, 503))
async def accept_invitation(token: str, ctx: Ctx) -> ExhibitorToken:
    """Use an invitation once: returns the cooperative's exhibitor token."""
    return await service.accept_invitation(ctx=ctx, token=token)


# ---- markets ------------------------------------------------------------------------

@router.post("/markets", status_code=201, response_model=MarketPublic, tags=["markets"])
async def create_market(body: MarketCreate, request: Request, ctx: Ctx, who: Admin) -> MarketPublic:
    """Create a mobile market or a fair, with its stands and selection rules."""
    return await service.create_market(ctx=ctx, data=body, act=Act.of(request, who))


@router.get("/markets", response_model=list[MarketPublic], tags=["markets"])
async def list_markets(ctx: Ctx, page: Paged, request: Request, response: Response,
                       circuit: Filter = None, kind: Filter = None,
                       region: Filter = None) -> list[MarketPublic]:
    """Markets and fairs, by circuit, kind or region (paginated)."""
    return page_of(await service.list_markets(ctx=ctx, circuit=circuit, kind=kind, region=region), page,
                   request, response)


@router.get("/markets/{market_id}", response_model=MarketPublic, tags=["markets"], responses=problems(404))
async def read_market(market_id: str, ctx: Ctx) -> MarketPublic:
    """One market."""
    return await service.get_market(ctx=ctx, market_id=market_id)


@router.get("/markets/{market_id}/stands", response_model=list[StandPublic], tags=["stands"], responses=problems(404))
async def stand_map(market_id: str, request: Request, ctx: Ctx, _: MarketOrganizer) -> list[StandPublic]:
    """Every stand with its holder and the reason it was given."""
    return await stands.stand_map(ctx=ctx, market_id=market_id, lang=request_language(request))


@router.post("/markets/{market_id}/allocation", response_model=AllocationResult, tags=["stands"],
             responses=problems(404))
async def allocate(market_id: str, request: Request, ctx: Ctx, who: MarketOrganizer) -> AllocationResult:
    """Give stands to submitted and waitlisted applications following the market's rules."""
    return await stands.allocate_market(ctx=ctx, market_id=market_id, lang=request_language(request),
                                        act=Act.of(request, who))


# ---- applications -------------------------------------------------------------------

@router.post("/applications", status_code=201, response_model=list[ApplicationPublic], tags=["applications"],
             responses=problems(404, 409))
async def apply(body: ApplicationCreate, ctx: Ctx, who: Applicant) -> list[ApplicationPublic]:
    """Apply to one or several markets at once."""
    return await applications.submit_application(ctx=ctx, principal=who, data=body)


@router.get("/applications", response_model=list[ApplicationPublic], tags=["applications"])
async def list_applications(request: Request, response: Response, ctx: Ctx, who: Applicant, page: Paged,
                            market_id: Filter = None, status: Filter = None,
                            cooperative_id: Filter = None) -> list[ApplicationPublic]:
    """Applications (an exhibitor sees its own only; paginated)."""
    found, total = await applications.list_applications(
        ctx=ctx, principal=who, lang=request_language(request), market_id=market_id, status=status,
        cooperative_id=cooperative_id, page=page)
    page_headers(total, page, request, response)
    return found


@router.get("/applications/{application_id}", response_model=ApplicationPublic, tags=["applications"],
            responses=problems(404))
async def read_application(application_id: str, request: Request, ctx: Ctx,
                           who: ApplicationParty) -> ApplicationPublic:
    """One application, with the explanation of its decision."""
    return await applications.read_application(ctx=ctx, principal=who, application_id=application_id,
                                               lang=request_language(request))


@router.post("/applications/{application_id}/accept", response_model=ApplicationPublic, tags=["applications"],
             responses=problems(404, 409))
async def accept(application_id: str, request: Request, ctx: Ctx, who: ApplicationOrganizer,
                 body: AcceptRequest | None = None) -> ApplicationPublic:
    """Accept: the rules pick the stand, or the stand given overrides them."""
    body = body or AcceptRequest()
    return await stands.accept_application(ctx=ctx, application_id=application_id, by=who.sub,
                                           lang=request_language(request), stand_number=body.stand_number,
                                           note=body.note, act=Act.of(request, who))


@router.post("/applications/{application_id}/reject", response_model=ApplicationPublic, tags=["applications"],
             responses=problems(404, 409))
async def reject(application_id: str, body: RejectRequest, request: Request, ctx: Ctx,
                 who: ApplicationOrganizer) -> ApplicationPublic:
    """Reject, with a reason."""
    return await stands.reject_application(ctx=ctx, application_id=application_id, reason=body.reason, by=who.sub,
                                           lang=request_language(request), act=Act.of(request, who))


@router.post("/applications/{application_id}/waitlist", response_model=ApplicationPublic, tags=["applications"],
             responses=problems(404, 409))
async def waitlist(application_id: str, request: Request, ctx: Ctx,
                   who: ApplicationOrganizer) -> ApplicationPublic:
    """Put a submitted application on the waitlist."""
    return await stands.waitlist_application(ctx=ctx, application_id=application_id, by=who.sub,
                                             lang=request_language(request), act=Act.of(request, who))


@router.post("/applications/{application_id}/withdraw", response_model=WithdrawalResult, tags=["applications"],
             responses=problems(404, 409))
async def withdraw(application_id: str, request: Request, ctx: Ctx,
                   who: ApplicationParty) -> WithdrawalResult:
    """Withdraw; a freed stand goes to the next waitlisted applicant."""
    return await stands.withdraw_application(ctx=ctx, principal=who, application_id=application_id,
                                             lang=request_language(request), act=Act.of(request, who))


# ---- passes and check-in ------------------------------------------------------------

@router.get("/applications/{application_id}/pass", response_model=PassPublic, tags=["passes"],
            responses=problems(404, 409))
async def read_pass(application_id: str, ctx: Ctx, who: ApplicationParty) -> PassPublic:
    """The exhibitor pass of an accepted application (signed token)."""
    return await checkin.get_pass(ctx=ctx, principal=who, application_id=application_id)


@router.get("/applications/{application_id}/pass.png", tags=["passes"],
            responses={200: {"content": {"image/png": {}}}, **problems(404, 409)})
async def pass_png(application_id: str, ctx: Ctx, who: ApplicationParty) -> Response:
    """The pass as a QR code (PNG)."""
    found = await checkin.get_pass(ctx=ctx, principal=who, application_id=application_id)
    return Response(qr_png(found.token), media_type="image/png")


@router.get("/applications/{application_id}/pass.svg", tags=["passes"],
            responses={200: {"content": {"image/svg+xml": {}}}, **problems(404, 409)})
async def pass_svg(application_id: str, ctx: Ctx, who: ApplicationParty) -> Response:
    """The pass as a QR code (SVG)."""
    found = await checkin.get_pass(ctx=ctx, principal=who, application_id=application_id)
    return Response(qr_svg(found.token), media_type="image/svg+xml")


@router.post("/markets/{market_id}/checkins", status_code=201, response_model=CheckinPublic, tags=["passes"],
             responses=problems(404, 409))
async def scan(market_id: str, body: ScanRequest, ctx: Ctx, _: MarketStaff) -> CheckinPublic:
    """Check an exhibitor in for today by scanning its pass."""
    return await checkin.check_in(ctx=ctx, market_id=market_id, token=body.token, device_id=body.device_id)


@router.post("/markets/{market_id}/checkins/batch", response_model=BatchResult, tags=["passes"],
             responses=problems(404, 409))
async def scan_batch(market_id: str, body: ScanBatch, request: Request, ctx: Ctx, _: MarketStaff) -> BatchResult:
    """Sync scans queued or decided offline; idempotent per (device, nonce)."""
    return await offline.sync_offline_scans(ctx=ctx, market_id=market_id, batch=body,
                                            lang=request_language(request))


@router.get("/markets/{market_id}/checkins/snapshot", response_model=ScanSnapshot, tags=["passes"],
            responses=problems(404))
async def scan_snapshot(market_id: str, ctx: Ctx, _: MarketStaff) -> ScanSnapshot:
    """What a scanner holds to decide offline: keys by kid, opening days' windows, revoked passes, version."""
    return await offline.offline_snapshot(ctx=ctx, market_id=market_id)


@router.get("/markets/{market_id}/checkin-conflicts", response_model=CheckinConflicts, tags=["passes"],
            responses=problems(404))
async def checkin_conflicts(market_id: str, ctx: Ctx, _: MarketOrganizer) -> CheckinConflicts:
    """Offline gate decisions the server disagrees with: a pass admitted twice, or after it was withdrawn."""
    return await offline.list_checkin_conflicts(ctx=ctx, market_id=market_id)


@router.get("/markets/{market_id}/attendance", response_model=Attendance, tags=["passes"], responses=problems(404))
async def read_attendance(market_id: str, ctx: Ctx, _: MarketOrganizer) -> Attendance:
    """Check-ins per opening day and no-shows."""
    return await checkin.attendance(ctx=ctx, market_id=market_id)


# ---- sales --------------------------------------------------------------------------

@router.put("/markets/{market_id}/sales/{day}", response_model=SalesPublic, tags=["sales"],
            responses=problems(404, 409))
async def declare_sales(market_id: str, day: Day, body: SalesDeclare, ctx: Ctx,
                        who: MarketExhibitor) -> SalesPublic:
    """Declare (or correct) a market day's sales by product category."""
    return await sales.declare_sales(ctx=ctx, principal=who, market_id=market_id, day=day, data=body)


@router.get("/markets/{market_id}/sales", response_model=list[SalesPublic], tags=["sales"])
async def own_sales(market_id: str, ctx: Ctx, who: MarketExhibitor, page: Paged, request: Request,
                    response: Response, cooperative_id: Filter = None) -> list[SalesPublic]:
    """A cooperative's own declarations at a market (paginated)."""
    return page_of(await sales.my_sales(ctx=ctx, principal=who, market_id=market_id,
                                        cooperative_id=cooperative_id), page, request, response)


@router.get("/markets/{market_id}/sales/aggregates", response_model=SalesAggregates, tags=["sales"],
            responses=problems(404))
async def market_aggregates(market_id: str, ctx: Ctx) -> SalesAggregates:
    """Anonymous sales figures of a market (small groups suppressed)."""
    return await sales.public_aggregates(ctx=ctx, market_id=market_id)


@router.get("/markets/{market_id}/sales/report", response_model=sales.SalesReport, tags=["sales"],
            responses=problems(404))
async def market_report(market_id: str, ctx: Ctx, _: MarketOrganizer) -> sales.SalesReport:
    """Exact sales figures and declarations of a market, for organizers."""
    return await sales.sales_report(ctx=ctx, market_id=market_id)


@router.get("/sales/aggregates", response_model=SalesAggregates, tags=["sales"])
async def all_aggregates(ctx: Ctx) -> SalesAggregates:
    """Anonymous sales figures across all markets (small groups suppressed)."""
    return await sales.public_aggregates(ctx=ctx)
