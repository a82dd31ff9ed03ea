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

from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

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
