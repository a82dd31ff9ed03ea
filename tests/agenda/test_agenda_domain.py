"""Pure scheduling rules: overlaps, dates, conflicts, the changelog between two releases."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from agenda.domain import (
    WARNINGS,
    Conference,
    as_utc,
    capacity_warning,
    check_times,
    clashes,
    diff_snapshots,
    find_conflict,
    findings,
    overlaps,
)
from shared.errors import DomainError

ZONE = ZoneInfo("Africa/Casablanca")
CONF = Conference(conference_id="c", starts_on=date(2027, 6, 16), ends_on=date(2027, 6, 17))


def at(hour: int, day: int = 16) -> datetime:
    return datetime(2027, 6, day, hour, tzinfo=UTC)


def session(sid: str, start: int, end: int, room: str = "a", people: tuple[str, ...] = ()) -> dict[str, object]:
    return {"_id": sid, "status": "scheduled", "title": {"fr": f"S {sid}"}, "room_id": room,
            "starts_at": at(start), "ends_at": at(end), "speaker_ids": list(people), "moderator_ids": []}


def entry(sid: str, start: int, room: str = "a", title: str = "T") -> dict[str, object]:
    return {"id": sid, "title": {"fr": title}, "starts_at": at(start), "ends_at": at(start + 1),
            "room": {"id": room, "name": room.upper()}}


def test_touching_intervals_do_not_overlap() -> None:
    assert not overlaps(at(9), at(10), at(10), at(11))
    assert overlaps(at(9), at(11), at(10), at(12))


def test_naive_times_are_casablanca_wall_clock() -> None:
    assert as_utc(datetime(2027, 6, 16, 10), ZONE) == at(9)


def test_session_past_midnight_of_the_last_day_is_outside_the_dates() -> None:
    check_times(at(9, 17), at(22, 17), CONF)
    with pytest.raises(DomainError) as refused:
        check_times(at(22, 17), datetime(2027, 6, 17, 23, 30, tzinfo=UTC), CONF)  # 00:30 local on the 18th
    assert refused.value.code == "outside_conference_dates"


def test_room_clash_is_found_before_a_speaker_clash_and_cancelled_sessions_are_ignored() -> None:
    cancelled = {**session("old", 9, 10), "status": "cancelled"}
    clash = find_conflict(session("new", 9, 10, people=("p",)), [cancelled, session("x", 9, 10, "b", ("p",))],
                          room_name="A", speaker_names={"p": "Amina"}, zone=ZONE)
    assert clash is not None and clash.code == "speaker_double_booked" and clash.params["speaker"] == "Amina"
    assert str(clash.params["other_time"]) == "2027-06-16 10:00-11:00"
    assert clash.params["other_time"].words("fr") == "16 juin 2027, 10:00–11:00"
    assert clash.params["other_time"].words("ar") == "16 يونيو 2027، 10:00–11:00"


def test_changelog_lists_each_kind_of_change() -> None:
    before = [entry("moved", 9), entry("room", 10), entry("title", 11), entry("gone", 12)]
    after = [entry("moved", 14), entry("room", 10, "b"), entry("title", 11, title="New"), entry("new", 15)]
    kinds = {(c["change"], c["session_id"]) for c in diff_snapshots(before, after)}
    assert kinds == {("moved", "moved"), ("room_changed", "room"), ("retitled", "title"), ("cancelled", "gone"),
                     ("added", "new")}


def test_every_clash_is_listed_in_time_order_and_a_room_clash_hides_the_same_sessions_speaker_clash() -> None:
    candidate = session("new", 9, 12, room="a", people=("p",))
    others = [session("late", 11, 12, "b", ("p",)), session("early", 9, 10, "a", ("p",)), session("far", 14, 15)]
    found = clashes(candidate, others, room_name="A", speaker_names={"p": "Amina"}, zone=ZONE)
    assert [(c.code, c.params["other_session_id"]) for c in found] == [
        ("room_double_booked", "early"), ("speaker_double_booked", "late")]
    first = find_conflict(candidate, others, room_name="A", speaker_names={}, zone=ZONE)
    assert first is not None and first.code == "room_double_booked"


def test_seats_above_the_room_capacity_are_a_warning_not_a_refusal() -> None:
    assert capacity_warning(None, "A", 10) is None and capacity_warning(10, "A", 10) is None
    warning = capacity_warning(11, "A", 10)
    assert warning is not None and warning.code in WARNINGS
    assert findings([warning], "fr").findings[0].model_dump() == {
        "code": "capacity_above_room", "hard": False, "other_session_id": None,
        "detail": "Le nombre de places (11) dépasse la capacité de la salle « A » (10)."}
