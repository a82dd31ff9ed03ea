"""Exhibitor passes and check-in: live scans and attendance (offline scanners: offline.py).

A pass is a compact JWS signed with the service's Ed25519 key (claims ``t=pass``,
``p`` pass id, ``m`` market, ``c`` cooperative, ``s`` stand): a scanner verifies it
offline with the public key from ``/.well-known/jwks.json``. Online, the service
also checks the pass is still the cooperative's current one (a withdrawal or a
stand change revokes it). One check-in per pass and opening day:
``checkins._id = "<pass_id>:<day>"``, so two first scans can never both count.
"""

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from marketplace.applications import get_application
from marketplace.context import Marketplace
from marketplace.domain import (
    MARKET_TZ,
    AbsentExhibitor,
    Attendance,
    CheckinPublic,
    DayAttendance,
    MarketPublic,
    PassPublic,
    market_day,
)
from marketplace.events import ExhibitorCheckedIn
from marketplace.records import Checkin, Cooperative
from marketplace.service import market_of, market_public
from shared.auth import Principal
from shared.documents import utcnow
from shared.errors import Conflict, DomainError
from shared.scanwindow import (
    event_day,
    scan_time_refusal,
)
from shared.signing import InvalidSignedToken

# Two scanners racing on the same pass: the loser's insert fails on the check-in's
# key and it answers from what the winner recorded.
SCAN_ATTEMPTS = 3


def pass_token(ctx: Marketplace, *, pass_id: str, market_id: str, cooperative_id: str, stand_number: int) -> str:
    return ctx.signer.sign({"t": "pass", "p": pass_id, "m": market_id, "c": cooperative_id, "s": stand_number})


def pass_keys(*, ctx: Marketplace) -> dict[str, Any]:
    """The public keys that verify exhibitor passes offline (JWKS)."""
    return ctx.signer.jwks()


async def get_pass(*, ctx: Marketplace, principal: Principal, application_id: str) -> PassPublic:
    app = await get_application(ctx=ctx, principal=principal, application_id=application_id)
    if app.status != "accepted" or not app.pass_id or app.stand_number is None:
        raise Conflict("pass_not_available")
    return PassPublic(pass_id=app.pass_id, market_id=app.market_id, cooperative_id=app.cooperative_id,
                      stand_number=app.stand_number,
                      token=pass_token(ctx, pass_id=app.pass_id, market_id=app.market_id,
                                       cooperative_id=app.cooperative_id, stand_number=app.stand_number),
                      png_url=f"/applications/{application_id}/pass.png",
                      svg_url=f"/applications/{application_id}/pass.svg")


async def printable_pass(*, ctx: Marketplace, principal: Principal,
                         application_id: str) -> tuple[PassPublic, MarketPublic]:
    """A pass with the market it opens, to print."""
    found = await get_pass(ctx=ctx, principal=principal, application_id=application_id)
    return found, market_public(await market_of(ctx, found.market_id))


def pass_claims(ctx: Marketplace, market_id: str, token: str) -> dict[str, Any]:
    try:
        claims = ctx.signer.verifier().verify(token, kind="pass")
    except InvalidSignedToken as exc:
        raise DomainError("invalid_pass", status=422) from exc
    if claims.get("m") != market_id:
        raise Conflict("pass_other_market")
    return claims


def _public(checkin: Checkin, cooperative: Cooperative | None) -> CheckinPublic:
    return CheckinPublic.model_validate({**checkin.model_dump(),
                                         "cooperative_name": cooperative.name if cooperative else None})


def scan_day(market: MarketPublic, scanned_at: datetime) -> date:
    first, last = market.days[0], market.days[-1]
    refusal = scan_time_refusal(scanned_at, now=utcnow(), first_day=first, last_day=last, tz=MARKET_TZ)
    if refusal == "scan_in_future":
        raise Conflict("scan_in_future")
    if refusal is not None:
        raise Conflict("not_an_opening_day", day=market_day(scanned_at).isoformat())
    day = event_day(scanned_at, first_day=first, last_day=last, tz=MARKET_TZ)
    if day not in market.days:
        raise Conflict("not_an_opening_day", day=day)
    return day


async def record_checkin(ctx: Marketplace, session: AsyncClientSession, market: MarketPublic, claims: dict[str, Any],
                         scanned_at: datetime, device_id: str | None) -> tuple[Checkin, bool, Cooperative | None]:
    """The day's check-in for this pass, whether this scan created it, and its cooperative when it did."""
    day = scan_day(market, scanned_at).isoformat()
    held = await ctx.store.assignment_of_pass(claims["p"], session)
    if held is None or held.stand_number != claims["s"] or held.cooperative_id != claims["c"]:
        raise Conflict("pass_revoked")
    existing = await ctx.store.checkin(f"{claims['p']}:{day}", session)
    if existing is not None:
        return existing, False, None
    coop = await ctx.store.cooperative(claims["c"], session)
    checkin = Checkin(id=f"{claims['p']}:{day}", pass_id=claims["p"], market_id=market.id,
                      cooperative_id=claims["c"], stand_number=claims["s"], day=day, checked_in_at=scanned_at,
                      device_id=device_id, recorded_at=utcnow())
    await ctx.store.insert_checkins([checkin], session)
    await ctx.store.note_exhibited_many({claims["c"]: day}, session)
    await ctx.publish(session, subject=claims["p"], message=checked_in_message(checkin, coop))
    return checkin, True, coop


def checked_in_message(checkin: Checkin, coop: Cooperative | None) -> ExhibitorCheckedIn:
    return ExhibitorCheckedIn(
        market_id=checkin.market_id, cooperative_id=checkin.cooperative_id, stand=checkin.stand_number,
        day=date.fromisoformat(checkin.day), region=coop.region if coop else "", sector=coop.sector if coop else "",
        women_led=coop.women_led if coop else False, youth_led=coop.youth_led if coop else False,
        checked_in_at=checkin.checked_in_at)


def already_checked_in(checkin: Checkin) -> Conflict:
    local = checkin.checked_in_at.astimezone(MARKET_TZ)
    return Conflict("exhibitor_already_checked_in", day=checkin.day, time=local.strftime("%H:%M"),
                    checked_in_at=checkin.checked_in_at.isoformat(), device_id=checkin.device_id)


async def check_in(*, ctx: Marketplace, market_id: str, token: str, device_id: str | None = None,
                   now: datetime | None = None) -> CheckinPublic:
    """A live scan: the first of the day checks in, a repeat is refused with the first time."""
    market = market_public(await market_of(ctx, market_id))
    claims = pass_claims(ctx, market_id, token)
    scanned_at = now or utcnow()

    async def work(session: AsyncClientSession) -> tuple[Checkin, bool, Cooperative | None]:
        return await record_checkin(ctx, session, market, claims, scanned_at, device_id)

    for _ in range(SCAN_ATTEMPTS):
        try:
            checkin, created, coop = await ctx.platform.transaction(work)
        except DuplicateKeyError:
            continue
        if not created:
            raise already_checked_in(checkin)
        return _public(checkin, coop)
    raise Conflict("conflict")


async def attendance(*, ctx: Marketplace, market_id: str, now: datetime | None = None) -> Attendance:
    """Exhibitors checked in per opening day; no-shows for days that have begun."""
    market = await market_of(ctx, market_id)
    held = sorted(await ctx.store.active_assignments(market_id), key=lambda a: a.stand_number)
    coops = await ctx.store.cooperatives_by_id([a.cooperative_id for a in held])
    present: dict[str, set[str]] = defaultdict(set)
    for checkin in await ctx.store.checkins_at(market_id):
        present[checkin.day].add(checkin.cooperative_id)
    today = market_day(now or utcnow())
    days = []
    for day in market.days:
        here = present[day.isoformat()]
        upcoming = day > today
        absent = [] if upcoming else [
            AbsentExhibitor(cooperative_id=a.cooperative_id, stand_number=a.stand_number,
                            name=coops[a.cooperative_id].name)
            for a in held if a.cooperative_id not in here]
        days.append(DayAttendance(day=day, expected=len(held), checked_in=len(here), upcoming=upcoming,
                                  no_shows=absent))
    return Attendance(market_id=market_id, days=days,
                      offline_conflicts=await ctx.store.count_checkin_conflicts(market_id))
