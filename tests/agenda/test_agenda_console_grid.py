"""The console's grid of a conference: a grid per day, a column per room, a row per half hour, local times."""

from datetime import UTC, date, datetime

from agenda.console_grid import day_grids
from agenda.domain import Conference, RoomPublic, SessionPublic

CONF = Conference(conference_id="c", starts_on=date(2027, 6, 16), ends_on=date(2027, 6, 17))


def room(rid: str) -> RoomPublic:
    return RoomPublic(id=rid, conference_id="c", name=rid.upper(), capacity=50, interpretation_languages=[])


def session(sid: str, room_id: str, start: datetime, end: datetime, status: str = "scheduled") -> SessionPublic:
    return SessionPublic.model_validate({
        "id": sid, "number": 1, "conference_id": "c", "status": status, "title": {"fr": sid}, "abstract": None,
        "kind": "panel", "track": None, "room_id": room_id, "starts_at": start, "ends_at": end,
        "languages": ["fr"], "speaker_ids": [], "moderator_ids": [], "capacity": None, "seats_taken": 0,
        "released": False})


def test_a_session_takes_its_room_column_and_half_hour_rows_in_the_conference_time() -> None:
    # 08:15-09:40 UTC is 09:15-10:40 in Casablanca (UTC+1): the rows of 09:00, 09:30, 10:00 and 10:30.
    found = [session("s", "b", datetime(2027, 6, 16, 8, 15, tzinfo=UTC), datetime(2027, 6, 16, 9, 40, tzinfo=UTC)),
             session("gone", "a", datetime(2027, 6, 16, 8, tzinfo=UTC), datetime(2027, 6, 16, 9, tzinfo=UTC),
                     status="cancelled")]
    first, second = day_grids(CONF, [room("a"), room("b")], found, "fr")
    assert (first.day, second.day) == (date(2027, 6, 16), date(2027, 6, 17))
    assert first.slots[:2] == ["09:00", "09:30"] and first.slots[-1] == "17:30" and len(first.slots) == 18
    [cell] = first.cells
    assert (cell.column, cell.row, cell.span) == (3, 2, 4)
    assert (cell.start, cell.end) == ("09:15", "10:40")
    # A move keeps its length: 85 minutes, whatever rows it is drawn on.
    assert cell.minutes == 85
    assert second.cells == []


def test_an_evening_session_extends_the_day_and_hours_follow_the_language() -> None:
    late = session("late", "a", datetime(2027, 6, 17, 18, tzinfo=UTC), datetime(2027, 6, 17, 20, tzinfo=UTC))
    day = day_grids(CONF, [room("a")], [late], "en")[1]
    assert day.slots[-1] == "8:30\u202fPM" and day.cells[0].start == "7:00\u202fPM"
