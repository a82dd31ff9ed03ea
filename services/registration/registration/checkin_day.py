"""The check-in day as organizers follow it: arrivals against the expected, by category and by
hour, the last scans, the scanner devices and who operates them; and the manual check-in of a
participant without a badge, through the same check-in use case and window rules as a scan."""

from collections import Counter, defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

from registration.checkin import Scan, ScanResult, check_in
from registration.context import RegistrationContext
from registration.models import ScanRecord
from registration.service import badge_token, get_conference
from shared.audit import Act
from shared.auth import Principal
from shared.errors import NotFound
from shared.timezones import MOROCCO_TIMEZONE

# The device a manual check-in is recorded under (an organizer at a desk, no scanner).
MANUAL = "manual"
LAST_SCANS = 20


class CategoryCount(BaseModel):
    category: str
    arrived: int
    expected: int


class HourCount(BaseModel):
    hour: datetime = Field(description="the start of the hour, in the conference's time zone")
    arrived: int


class ScanLine(BaseModel):
    """One scan as the check-in day lists it: no participant's name, their number and category."""

    at: datetime
    device_id: str | None
    operator: str | None
    outcome: str
    code: str
    number: int | None
    category: str | None


class Device(BaseModel):
    device_id: str
    scans: int
    last_at: datetime
    operators: list[str]


class CheckinDay(BaseModel):
    conference_id: str
    timezone: str
    arrived: int
    expected: int = Field(description="confirmed registrations (the badges that open the gate)")
    by_category: list[CategoryCount]
    by_hour: list[HourCount]
    last_scans: list[ScanLine]
    devices: list[Device]


def _operator(scan: ScanRecord) -> str | None:
    return scan.operator_name or scan.operator_sub


def _line(scan: ScanRecord) -> ScanLine:
    result = ScanResult.model_validate(scan.result)
    return ScanLine(at=scan.at, device_id=scan.device_id, operator=_operator(scan), outcome=result.outcome,
                    code=result.code, number=result.number, category=result.category)


async def _devices(ctx: RegistrationContext, conference_id: str) -> list[Device]:
    scans: Counter[str] = Counter()
    last: dict[str, datetime] = {}
    operators: defaultdict[str, set[str]] = defaultdict(set)
    async for scan in ctx.store.each_scan(conference_id):
        device = scan.device_id or "-"
        scans[device] += 1
        last[device] = max(last.get(device, scan.at), scan.at)
        if _operator(scan):
            operators[device].add(str(_operator(scan)))
    return sorted((Device(device_id=d, scans=n, last_at=last[d], operators=sorted(operators[d]))
                   for d, n in scans.items()), key=lambda d: d.last_at, reverse=True)


async def checkin_day(*, ctx: RegistrationContext, conference_id: str) -> CheckinDay:
    """Arrivals against the confirmed registrations, by category and by local hour; scans and devices."""
    conference = await get_conference(ctx=ctx, conference_id=conference_id)
    zone = conference.timezone or MOROCCO_TIMEZONE
    expected: Counter[str] = Counter()
    arrived: Counter[str] = Counter()
    hours: Counter[datetime] = Counter()
    async for row in ctx.store.each_anonymous_row(conference_id):
        if row["status"] == "confirmed":
            expected[row["category"]] += 1
        if row.get("checked_in_at"):
            arrived[row["category"]] += 1
            local = row["checked_in_at"].astimezone(ZoneInfo(zone))
            hours[local.replace(minute=0, second=0, microsecond=0)] += 1
    categories = sorted(set(expected) | set(arrived))
    return CheckinDay(
        conference_id=conference_id, timezone=zone, arrived=sum(arrived.values()), expected=sum(expected.values()),
        by_category=[CategoryCount(category=c, arrived=arrived[c], expected=expected[c]) for c in categories],
        by_hour=[HourCount(hour=h, arrived=n) for h, n in sorted(hours.items())],
        last_scans=[_line(s) for s in await ctx.store.last_scans(conference_id, LAST_SCANS)],
        devices=await _devices(ctx, conference_id))


async def manual_check_in(*, ctx: RegistrationContext, conference_id: str, registration_id: str, by: Principal,
                          act: Act | None = None) -> ScanResult:
    """Check in a participant without their badge, as a scan of it at the organizer's desk would:
    the same window rules and answers, recorded as ``manual`` with the organizer, audited."""
    reg = await ctx.store.registration(registration_id)
    if reg is None or reg.conference_id != conference_id:
        raise NotFound("registration_not_found")
    scan = Scan(token=badge_token(ctx, reg))
    return await check_in(ctx=ctx, conference_id=conference_id, scan=scan, device_id=MANUAL, by=by, act=act)
