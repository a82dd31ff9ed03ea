"""Time zone names (IANA, as ``Africa/Casablanca``) checked where they enter the platform."""

from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator

from shared.i18n import register_messages


def _known_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("invalid_timezone") from None
    return value


TimeZoneName = Annotated[str, AfterValidator(_known_zone)]

register_messages(
    {
        "invalid_timezone": {
            "ar": "المنطقة الزمنية غير معروفة.",
            "fr": "Fuseau horaire inconnu.",
            "en": "Unknown time zone.",
        },
    }
)
