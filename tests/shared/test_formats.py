"""Dates, numbers, amounts and lists written per language, also inside messages."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from shared.formats import TimeSpan, amount_text, day_range_text, list_text, number_text, percent_text
from shared.i18n import register_messages, translate

register_messages({"test_formats_day": {"ar": "يوم {day}", "fr": "Le {day}", "en": "On {day}"}})


def test_numbers_amounts_and_lists_follow_the_language() -> None:
    assert [number_text(50000.0, lang) for lang in ("ar", "fr", "en")] == ["50.000", "50\u202f000", "50,000"]
    assert number_text(3.14159, "fr") == "3,14"
    assert amount_text(1550.5, "fr") == "1\u202f550,50\xa0MAD"
    assert percent_text(3.1, "en") == "3.1%"
    assert list_text(["a", "b", "c"], "fr") == "a, b et c"
    assert list_text(["a", "b"], "ar", style="or") == "a أو b"


def test_days_are_written_in_words_and_a_message_formats_its_day_parameter() -> None:
    assert day_range_text("2027-03-30", "2027-03-31", "ar") == "30–31 مارس 2027"
    assert day_range_text("2027-03-31", "2027-03-31", "fr") == "31 mars 2027"
    assert translate("test_formats_day", "fr", day=date(2027, 6, 16)) == "Le 16 juin 2027"
    assert translate("test_formats_day", "ar", day=date(2027, 6, 16)) == "يوم 16 يونيو 2027"
    span = TimeSpan(datetime(2027, 6, 16, 9, tzinfo=UTC), datetime(2027, 6, 16, 10, tzinfo=UTC),
                    ZoneInfo("Africa/Casablanca"))
    assert translate("test_formats_day", "en", day=span) == "On June 16, 2027, 10:00–11:00"
    assert str(span) == "2027-06-16 10:00-11:00"
