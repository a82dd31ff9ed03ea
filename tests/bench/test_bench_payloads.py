"""The benchmark's request bodies."""

from datetime import datetime
from zoneinfo import ZoneInfo

from bench import payloads

MOROCCO = ZoneInfo("Africa/Casablanca")


def test_the_conference_is_held_on_todays_date_in_morocco_not_on_the_machines() -> None:
    before = datetime.now(MOROCCO).date().isoformat()
    body = payloads.conference("bench-probe", 10, "probe")
    after = datetime.now(MOROCCO).date().isoformat()
    # Around midnight there the date may change meanwhile: either side is today.
    assert body["starts_on"] in {before, after}
    assert body["ends_on"] == body["starts_on"]
