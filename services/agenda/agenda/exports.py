"""Readings of a released programme: localized JSON entries, iCalendar and frab XML."""

import uuid
from datetime import date, datetime, timedelta
from typing import Any
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from agenda.domain import Conference
from shared.formats import TimeSpan
from shared.i18n import StoredText
from shared.timezones import MOROCCO_TIMEZONE

Entry = dict[str, Any]
PRODID = "-//Tadamon//Agenda//FR"


def pick(text: dict[str, Any] | None, lang: str) -> str | None:
    if not text:
        return None
    return str(StoredText.model_validate(text).pick(lang))


def localize(entry: Entry, lang: str, zone: ZoneInfo) -> Entry:
    """An entry of the released snapshot with its texts in ``lang`` and local times added."""
    start, end = entry["starts_at"].astimezone(zone), entry["ends_at"].astimezone(zone)

    def person(p: Entry) -> Entry:
        return {"id": p["id"], "name": p["name"], "organization": p.get("organization"),
                "bio": pick(p.get("bio"), lang)}

    out = {k: v for k, v in entry.items() if k not in ("title", "abstract", "speakers", "moderators")}
    out.update(title=pick(entry["title"], lang), abstract=pick(entry.get("abstract"), lang),
               speakers=[person(p) for p in entry["speakers"]], moderators=[person(p) for p in entry["moderators"]],
               day=start.date().isoformat(), local_start=f"{start:%H:%M}", local_end=f"{end:%H:%M}",
               signup_required=entry.get("capacity") is not None)
    return out


def matches(entry: Entry, zone: ZoneInfo, *, day: date | None, track: str | None, room: str | None,
            language: str | None, kind: str | None) -> bool:
    return ((day is None or entry["starts_at"].astimezone(zone).date() == day)
            and (track is None or entry.get("track") == track)
            and (room is None or entry["room"]["id"] == room)
            and (language is None or language in entry["languages"])
            and (kind is None or entry["kind"] == kind))


def ical(entries: list[Entry], *, name: str, lang: str, stamp: datetime, sequence: int,
         conference: Conference | None = None) -> bytes:
    """An RFC 5545 calendar; times are UTC so no VTIMEZONE is needed."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", conference.timezone if conference else MOROCCO_TIMEZONE)
    for entry in entries:
        event = Event()
        event.add("uid", f"{entry['id']}@agenda.tadamon.ma")
        event.add("dtstamp", stamp)
        event.add("sequence", sequence)
        event.add("dtstart", entry["starts_at"])
        event.add("dtend", entry["ends_at"])
        event.add("summary", pick(entry["title"], lang) or "")
        people = ", ".join(p["name"] for p in [*entry["speakers"], *entry["moderators"]])
        description = "\n\n".join(x for x in (pick(entry.get("abstract"), lang), people) if x)
        if description:
            event.add("description", description)
        place = ", ".join(x for x in (entry["room"]["name"], conference.venue if conference else None) if x)
        event.add("location", place)
        event.add("categories", [c for c in (entry["kind"], entry.get("track")) if c])
        event.add("status", "CONFIRMED")
        calendar.add_component(event)
    return bytes(calendar.to_ical())


def _hhmm(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def frab(entries: list[Entry], *, conference: Conference, version: int, lang: str) -> bytes:
    """The frab/pentabarf schedule XML read by Giggity, ConfClerk and similar apps."""
    zone = conference.zone
    root = ET.Element("schedule")
    ET.SubElement(root, "version").text = str(version)
    head = ET.SubElement(root, "conference")
    ET.SubElement(head, "title").text = pick(conference.title.model_dump() if conference.title else None,
                                             lang) or conference.conference_id
    ET.SubElement(head, "acronym").text = conference.conference_id
    ET.SubElement(head, "start").text = conference.starts_on.isoformat()
    ET.SubElement(head, "end").text = conference.ends_on.isoformat()
    days = (conference.ends_on - conference.starts_on).days + 1
    ET.SubElement(head, "days").text = str(days)
    ET.SubElement(head, "timeslot_duration").text = "00:15"
    for index in range(days):
        current = conference.starts_on + timedelta(days=index)
        opening = datetime.combine(current, datetime.min.time(), zone)
        day = ET.SubElement(root, "day", index=str(index + 1), date=current.isoformat(),
                            start=opening.isoformat(), end=(opening + timedelta(days=1)).isoformat())
        todays = [e for e in entries if e["starts_at"].astimezone(zone).date() == current]
        for room_name in sorted({e["room"]["name"] for e in todays}):
            room = ET.SubElement(day, "room", name=room_name)
            for entry in [e for e in todays if e["room"]["name"] == room_name]:
                _frab_event(room, entry, conference, lang)
    ET.indent(root)
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))


def _frab_event(room: ET.Element, entry: Entry, conference: Conference, lang: str) -> None:
    start = entry["starts_at"].astimezone(conference.zone)
    guid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://agenda.tadamon.ma/sessions/{entry['id']}"))
    event = ET.SubElement(room, "event", id=str(entry["number"]), guid=guid)
    fields = {
        "date": start.isoformat(), "start": f"{start:%H:%M}", "duration": _hhmm(entry["ends_at"] - entry["starts_at"]),
        "room": entry["room"]["name"], "slug": f"{conference.conference_id}-{entry['number']}-{entry['id']}",
        "title": pick(entry["title"], lang) or "", "subtitle": "", "track": entry.get("track") or entry["kind"],
        "type": entry["kind"], "language": entry["languages"][0],
        "abstract": pick(entry.get("abstract"), lang) or "",
    }
    for tag, text in fields.items():
        ET.SubElement(event, tag).text = text
    persons = ET.SubElement(event, "persons")
    for person in [*entry["speakers"], *entry["moderators"]]:
        ET.SubElement(persons, "person").text = person["name"]


def describe_changes(changes: list[Entry], lang: str, zone: ZoneInfo) -> list[Entry]:
    """A release's changes in words of ``lang``: the title, and where the session was and went."""
    return [{"change": c["change"], "session_id": c["session_id"], "title": pick(c["title"], lang) or "",
             "before": _slot_words(c["before"], lang, zone), "after": _slot_words(c["after"], lang, zone)}
            for c in changes]


def _slot_words(slot: Entry | None, lang: str, zone: ZoneInfo) -> str | None:
    if not slot:
        return None
    if "title" in slot:
        return pick(slot["title"], lang)
    room = slot["room"]["name"]
    if "starts_at" not in slot:
        return str(room)
    return f"{TimeSpan(slot['starts_at'], slot['ends_at'], zone).words(lang)} · {room}"
