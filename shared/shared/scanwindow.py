"""When a scan at the gate may count: inside the event's days, never ahead of our clock.

Both the conference badge check-in (registration) and the exhibitor pass check-in
(marketplace) apply this one rule, online and for offline batches alike:

- a scan may be dated from ``EARLY_ARRIVAL`` before the first day begins until
  ``LATE_DEPARTURE`` after the last day ends, both days read in the event's time zone.
  The margins let staff open the doors early and absorb a scanner whose clock or time
  zone is off by a few hours;
- a scan may be at most ``CLOCK_SKEW`` ahead of the server's clock: scanner clocks
  drift, but a scan dated tomorrow would record an attendance that has not happened.
"""

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel

EARLY_ARRIVAL = timedelta(hours=4)
LATE_DEPARTURE = timedelta(hours=4)
CLOCK_SKEW = timedelta(minutes=5)

ScanTimeRefusal = Literal["scan_in_future", "scan_outside_event_days"]


def scan_window(*, first_day: date, last_day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The moments from which and until which (excluded) scans of this event count."""
    opens = datetime.combine(first_day, time.min, tzinfo=tz) - EARLY_ARRIVAL
    closes = datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=tz) + LATE_DEPARTURE
    return opens, closes


def scan_time_refusal(scanned_at: datetime, *, now: datetime, first_day: date, last_day: date,
                      tz: ZoneInfo) -> ScanTimeRefusal | None:
    """Why a scan dated ``scanned_at`` (timezone-aware) cannot count, or None if it can."""
    if scanned_at > now + CLOCK_SKEW:
        return "scan_in_future"
    opens, closes = scan_window(first_day=first_day, last_day=last_day, tz=tz)
    if not opens <= scanned_at < closes:
        return "scan_outside_event_days"
    return None


def event_day(scanned_at: datetime, *, first_day: date, last_day: date, tz: ZoneInfo) -> date:
    """The day a scan inside the window counts for: its local day, an early arrival
    counting for the first day and a late scan for the last one."""
    return min(max(scanned_at.astimezone(tz).date(), first_day), last_day)


class ScanWindow(BaseModel):
    opens_at: datetime
    closes_at: datetime


class ScanSnapshot(BaseModel):
    """What a scanner holds to decide at the gate with no network (docs/WEB.md, "Scanner").

    ``version`` is the moment it was made in milliseconds since 1970, so the device and the
    server can tell which of two snapshots is newer and how old the device's one is. Only
    ids, never names: it is fetched by gate staff and kept on their phones.
    """

    version: str
    generated_at: datetime
    event_id: str
    kind: Literal["badge", "pass"]
    keys: list[dict[str, str]]
    windows: list[ScanWindow]
    revoked: list[str]


def scan_snapshot(*, event_id: str, kind: Literal["badge", "pass"], keys: list[dict[str, str]],
                  periods: Sequence[tuple[date, date]], tz: ZoneInfo, revoked: list[str], now: datetime
                  ) -> ScanSnapshot:
    """The snapshot of one event; ``periods`` are (first day, last day) pairs, each one window."""
    windows = [scan_window(first_day=first, last_day=last, tz=tz) for first, last in periods]
    return ScanSnapshot(version=str(int(now.timestamp() * 1000)), generated_at=now, event_id=event_id, kind=kind,
                        keys=keys, windows=[ScanWindow(opens_at=o, closes_at=c) for o, c in windows],
                        revoked=revoked)


class CheckinConflicts(BaseModel):
    """Offline gate decisions the server disagrees with, each subject, day and kind once."""

    event_id: str
    count: int
    conflicts: list[dict[str, Any]]


def checkin_conflicts(event_id: str, docs: Iterable[dict[str, Any]]) -> CheckinConflicts:
    items = [{"id": d["_id"], **{k: v for k, v in d.items() if k != "_id"}} for d in docs]
    return CheckinConflicts(event_id=event_id, count=len(items), conflicts=items)
