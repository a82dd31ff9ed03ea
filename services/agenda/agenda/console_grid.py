"""The programme's grid as the console draws it: one grid per conference day, one column per
room, one row per half hour, in the conference's time zone."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_time

from agenda.domain import Conference, RoomPublic, SessionPublic
from shared.formats import locale_of

SLOT = timedelta(minutes=30)
# A day's grid shows at least these hours, so an empty day still offers its slots.
DAY_OPENS, DAY_CLOSES = time(9), time(18)


@dataclass
class Cell:
    session: SessionPublic
    row: int
    span: int
    column: int
    start: str
    end: str
    local_start: datetime
    # The session's length in minutes: a move keeps it.
    minutes: int


@dataclass
class DayGrid:
    day: date
    rooms: list[RoomPublic]
    slots: list[str] = field(default_factory=list)
    # Each slot's start as the session form writes it (``09:30``), for the empty places of the grid.
    starts: list[str] = field(default_factory=list)
    cells: list[Cell] = field(default_factory=list)


def _floor(moment: datetime) -> datetime:
    minutes = moment.hour * 60 + moment.minute
    return datetime.combine(moment.date(), time(), moment.tzinfo) + timedelta(minutes=minutes - minutes % 30)


def _ceil(moment: datetime) -> datetime:
    floored = _floor(moment)
    return floored if floored == moment else floored + SLOT


def hour_text(moment: datetime, lang: str) -> str:
    return format_time(moment, "short", locale=locale_of(lang))


def day_grids(conference: Conference, rooms: list[RoomPublic], sessions: list[SessionPublic], lang: str
              ) -> list[DayGrid]:
    zone = conference.zone
    columns = {room.id: index + 2 for index, room in enumerate(rooms)}
    grids = []
    for offset in range((conference.ends_on - conference.starts_on).days + 1):
        day = conference.starts_on + timedelta(days=offset)
        todays = [s for s in sessions if s.status == "scheduled" and s.room_id in columns
                  and s.starts_at.astimezone(zone).date() == day]
        grids.append(_grid(day, zone, rooms, columns, todays, lang))
    return grids


def _grid(day: date, zone: ZoneInfo, rooms: list[RoomPublic], columns: dict[str, int],
          sessions: list[SessionPublic], lang: str) -> DayGrid:
    first = datetime.combine(day, DAY_OPENS, zone)
    last = datetime.combine(day, DAY_CLOSES, zone)
    for s in sessions:
        first = min(first, _floor(s.starts_at.astimezone(zone)))
        last = max(last, _ceil(s.ends_at.astimezone(zone)))
    grid = DayGrid(day=day, rooms=rooms)
    moment = first
    while moment < last:
        grid.slots.append(hour_text(moment, lang))
        grid.starts.append(f"{moment:%H:%M}")
        moment += SLOT
    for s in sorted(sessions, key=lambda s: s.starts_at):
        start, end = s.starts_at.astimezone(zone), s.ends_at.astimezone(zone)
        row = int((_floor(start) - first) / SLOT) + 2
        span = max(1, int((_ceil(end) - _floor(start)) / SLOT))
        grid.cells.append(Cell(session=s, row=row, span=span, column=columns[s.room_id],
                               start=hour_text(start, lang), end=hour_text(end, lang), local_start=start,
                               minutes=int((end - start) / timedelta(minutes=1))))
    return grid
