"""Dates, numbers, amounts and lists written the way each page language writes them (Babel, CLDR data).

Used by every service's templates (through the filters of ``shared.web``) and by mails,
so that a date never reaches a reader as a raw ISO string. Moroccan locales: Arabic as
written in Morocco (Western digits, ``31 مارس 2027``), French as in Morocco.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_interval, format_skeleton, format_time
from babel.lists import format_list
from babel.numbers import format_currency, format_decimal, format_percent
from babel.units import format_unit

LOCALES = {"ar": "ar_MA", "fr": "fr_MA", "en": "en"}
Number = int | float | Decimal


def locale_of(lang: str) -> str:
    return LOCALES.get(lang, LOCALES["fr"])


def as_day(value: date | str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def day_text(value: date | str, lang: str) -> str:
    """A calendar day in words: ``31 mars 2027``, ``31 مارس 2027``, ``March 31, 2027``."""
    return format_date(as_day(value), "long", locale=locale_of(lang))


def short_day_text(value: date | str, lang: str) -> str:
    """A day without its year, for a chart's axis: ``31 mars``, ``31 مارس``, ``Mar 31``."""
    return format_skeleton("MMMd", as_day(value), locale=locale_of(lang))


def day_range_text(first: date | str, last: date | str, lang: str) -> str:
    """Two days as one span (``30–31 mars 2027``); a single day when both are the same."""
    start, end = as_day(first), as_day(last)
    if start == end:
        return day_text(start, lang)
    return format_interval(start, end, "yMMMd", locale=locale_of(lang))


def moment_text(value: datetime, lang: str, zone: str | None = None) -> str:
    """A moment in the given time zone (UTC if none), date and time."""
    tz = ZoneInfo(zone or "UTC")
    aware = value if value.tzinfo else value.replace(tzinfo=ZoneInfo("UTC"))
    local = aware.astimezone(tz)
    return _day_and_time(local.date(), format_time(local, "HH:mm", locale=locale_of(lang)), lang)


def _day_and_time(day: date, time: str, lang: str) -> str:
    """A day and a time joined as the language joins them (``31 mars 2027, 10:30``; ``31 مارس 2027، 10:30``)."""
    glue = str(Locale.parse(locale_of(lang)).datetime_formats["medium"])
    return glue.replace("{1}", format_date(day, "long", locale=locale_of(lang))).replace("{0}", time)


def number_text(value: Number, lang: str, *, digits: int = 2) -> str:
    """``50 000`` rather than ``50000.0``; at most ``digits`` decimals, none for a whole number."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    pattern = "#,##0" + ("." + "#" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=locale_of(lang))


def percent_text(value: Number, lang: str) -> str:
    """A value already in percent (``3.1`` for 3.1 %), with the language's sign and spacing."""
    share = Decimal(str(round(float(value), 1))) / 100
    return format_percent(share, locale=locale_of(lang), decimal_quantization=False)


def amount_text(value: Number, lang: str) -> str:
    """An amount in dirhams."""
    return format_currency(value, "MAD", locale=locale_of(lang))


def size_text(size: int, lang: str) -> str:
    """A file's size in the language's units: ``2,4 Mo``, ``2.4 MB``, kilobytes below one megabyte."""
    if size >= 1024 * 1024:
        return format_unit(round(size / 1024 / 1024, 1), "digital-megabyte", length="short", locale=locale_of(lang))
    return format_unit(max(1, round(size / 1024)), "digital-kilobyte", length="short", locale=locale_of(lang))


def list_text(items: list[str], lang: str, *, style: Literal["standard", "or"] = "standard") -> str:
    """Items joined as the language joins them (``a, b et c``; ``a وb وc``); ``style="or"`` for choices."""
    return format_list([str(item) for item in items], style=style, locale=locale_of(lang)) if items else ""


class TimeSpan:
    """A session's day and hours in its own time zone, for messages: written per language, ISO-like in JSON."""

    def __init__(self, start: datetime, end: datetime, zone: ZoneInfo) -> None:
        self.start, self.end = start.astimezone(zone), end.astimezone(zone)

    def words(self, lang: str) -> str:
        locale = locale_of(lang)
        hours = f"{format_time(self.start, 'HH:mm', locale=locale)}–{format_time(self.end, 'HH:mm', locale=locale)}"
        return _day_and_time(self.start.date(), hours, lang)

    def __str__(self) -> str:
        return f"{self.start:%Y-%m-%d %H:%M}-{self.end:%H:%M}"
