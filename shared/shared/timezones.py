"""Time zone names (IANA, as ``Africa/Casablanca``) and moments, checked where they enter the platform."""

from datetime import UTC, date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, StringConstraints

from shared.i18n import register_messages


def _known_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("invalid_timezone") from None
    return value


TimeZoneName = Annotated[str, StringConstraints(max_length=64), AfterValidator(_known_zone)]

# Where the platform's conferences and markets are held unless one says otherwise (and what
# conferences stored before the time zone was a field were held in).
MOROCCO_TIMEZONE = "Africa/Casablanca"

register_messages(
    {
        "invalid_timezone": {
            "ar": "المنطقة الزمنية غير معروفة.",
            "fr": "Fuseau horaire inconnu.",
            "en": "Unknown time zone.",
        },
    }
)


# Moments the platform schedules lie well within these years; outside them a local-time
# conversion can leave the calendar (year 1 at UTC+1 is before year 1).
EARLIEST_YEAR, LATEST_YEAR = 1970, 2200
EARLIEST_MOMENT = datetime(EARLIEST_YEAR, 1, 1, tzinfo=UTC)
LATEST_MOMENT = datetime(LATEST_YEAR, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)


def plausible_moment(value: datetime) -> datetime:
    """``value`` if it lies in the years 1970 to 2200 once converted to UTC (naive means UTC), else
    ``ValueError("moment_out_of_range")``. The check is on UTC because that is what is stored and read
    back: 1970-01-01T00:00+01:00 is 1969 in UTC, and would fail every later read of it."""
    try:
        utc = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise ValueError("moment_out_of_range") from None
    if not EARLIEST_MOMENT <= utc <= LATEST_MOMENT:
        raise ValueError("moment_out_of_range")
    return value


def plausible_day(value: date) -> date:
    """``value`` if it lies in the years 1900 to 2200, else ``ValueError("day_out_of_range")``."""
    if not EARLIEST_DAY_YEAR <= value.year <= LATEST_YEAR:
        raise ValueError("day_out_of_range")
    return value


Moment = Annotated[datetime, AfterValidator(plausible_moment)]
"""A date and time a person may schedule: years 1970 to 2200 in UTC, anything else is refused."""

# Calendar days reach further back (a baseline of 1995, a cooperative's last market in 1980).
EARLIEST_DAY_YEAR = 1900


Day = Annotated[date, AfterValidator(plausible_day)]
"""A calendar day: years 1900 to 2200, so that a day after it or its local midnight always exists."""

register_messages(
    {
        "moment_out_of_range": {
            "ar": "التاريخ خارج المجال المقبول (من 1970 إلى 2200).",
            "fr": "Date hors de la plage acceptée (de 1970 à 2200).",
            "en": "Date outside the accepted range (1970 to 2200).",
        },
        "day_out_of_range": {
            "ar": "اليوم خارج المجال المقبول (من 1900 إلى 2200).",
            "fr": "Jour hors de la plage acceptée (de 1900 à 2200).",
            "en": "Day outside the accepted range (1900 to 2200).",
        },
    }
)
