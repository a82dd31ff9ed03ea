"""Use cases of the programme: conferences seen, rooms, speakers, releases and the changelog."""

import uuid

from pymongo.asynchronous.client_session import AsyncClientSession

from agenda import events
from agenda.context import Agenda
from agenda.domain import (
    Conference,
    ReleasePreview,
    ReleasePublic,
    RoomCreate,
    RoomEdit,
    RoomPublic,
    SpeakerCreate,
    SpeakerEdit,
    SpeakerPublic,
    diff_snapshots,
)
from agenda.store import AgendaStore
from agenda.stored import Entry, Release, Room, Session, Speaker
from shared.audit import Act
from shared.auth import Principal
from shared.documents import utcnow
from shared.envelope import message_envelope
from shared.errors import Conflict, NotFound


async def record_conference(*, ctx: Agenda, conference: Conference, session: AsyncClientSession) -> None:
    await ctx.store.save_conference(conference, tx=session)


async def ensure_conference(*, ctx: Agenda, conference: Conference) -> bool:
    """Create the projection only if registration has not published this conference yet."""
    if await ctx.store.conference(conference.conference_id):
        return False
    await ctx.store.save_conference(conference)
    return True


async def get_conference(store: AgendaStore, conference_id: str, *, tx: AsyncClientSession | None = None
                         ) -> Conference:
    found = await store.conference(conference_id, tx=tx)
    if found is None:
        raise NotFound("conference_unknown", conference_id=conference_id)
    return found


async def conference(*, ctx: Agenda, conference_id: str) -> Conference:
    return await get_conference(ctx.store, conference_id)


async def create_room(*, ctx: Agenda, conference_id: str, data: RoomCreate, act: Act | None = None) -> RoomPublic:
    await get_conference(ctx.store, conference_id)
    room = Room.model_validate({**data.model_dump(exclude={"id"}), "id": data.id or uuid.uuid4().hex[:12],
                                "conference_id": conference_id})
    await ctx.store.add_room(room)
    await ctx.store.record_act(act, action="room.create", object_type="room", object_id=room.id)
    return RoomPublic.model_validate(room.model_dump())


async def list_rooms(*, ctx: Agenda, conference_id: str) -> list[RoomPublic]:
    return [RoomPublic.model_validate(r.model_dump()) for r in await ctx.store.rooms_of(conference_id)]


async def edit_room(*, ctx: Agenda, conference_id: str, room_id: str, data: RoomEdit, act: Act | None = None
                    ) -> RoomPublic:
    room = await ctx.store.room(room_id)
    if room is None or room.conference_id != conference_id:
        raise NotFound("room_unknown", room_id=room_id)
    changed = Room.model_validate({**room.model_dump(), **data.model_dump(mode="json")})
    await ctx.store.save_room(changed)
    await ctx.store.record_act(act, action="room.edit", object_type="room", object_id=room_id)
    return RoomPublic.model_validate(changed.model_dump())


async def create_speaker(*, ctx: Agenda, conference_id: str, data: SpeakerCreate, act: Act | None = None
                         ) -> SpeakerPublic:
    await get_conference(ctx.store, conference_id)
    speaker = Speaker.model_validate({**data.model_dump(mode="json", exclude={"id"}),
                                      "id": data.id or uuid.uuid4().hex[:12], "conference_id": conference_id})
    await ctx.store.add_speaker(speaker)
    await ctx.store.record_act(act, action="speaker.create", object_type="speaker", object_id=speaker.id)
    return SpeakerPublic.model_validate(speaker.model_dump())


async def list_speakers(*, ctx: Agenda, conference_id: str) -> list[SpeakerPublic]:
    return [SpeakerPublic.model_validate(s.model_dump()) for s in await ctx.store.speakers_of(conference_id)]


async def edit_speaker(*, ctx: Agenda, conference_id: str, speaker_id: str, data: SpeakerEdit,
                       act: Act | None = None) -> SpeakerPublic:
    speaker = await ctx.store.speaker(speaker_id)
    if speaker is None or speaker.conference_id != conference_id:
        raise NotFound("speaker_unknown", speaker_id=speaker_id)
    changed = Speaker.model_validate({**speaker.model_dump(), **data.model_dump(mode="json")})
    await ctx.store.save_speaker(changed)
    await ctx.store.record_act(act, action="speaker.edit", object_type="speaker", object_id=speaker_id)
    return SpeakerPublic.model_validate(changed.model_dump())


async def _next_release(store: AgendaStore, conference_id: str, by: str, tx: AsyncClientSession | None
                        ) -> Release:
    """The release the programme would make now (refused when nothing changed since the last one)."""
    await get_conference(store, conference_id, tx=tx)
    snapshot = await _snapshot(store, conference_id, tx)
    previous = await store.latest_release(conference_id, tx=tx)
    if previous is not None and previous.snapshot == snapshot:
        raise Conflict("nothing_to_release", version=previous.version)
    version = previous.version + 1 if previous else 1
    return Release(id=f"{conference_id}:{version}", conference_id=conference_id, version=version,
                   released_at=utcnow(), released_by=by, session_count=len(snapshot),
                   changes=diff_snapshots(previous.snapshot if previous else [], snapshot), snapshot=snapshot)


async def preview_release(*, ctx: Agenda, conference_id: str) -> ReleasePreview:
    """The changes the next release would publish, computed as the release computes them."""
    release = await _next_release(ctx.store, conference_id, "", None)
    return ReleasePreview.model_validate(release.model_dump())


async def release_schedule(*, ctx: Agenda, conference_id: str, by: str, act: Act | None = None) -> ReleasePublic:
    """Publish the current programme as the next numbered version, with its changelog."""
    store = ctx.store

    async def work(tx: AsyncClientSession) -> Release:
        await store.touch_schedule(conference_id, tx=tx)
        release = await _next_release(store, conference_id, by, tx)
        await store.add_release(release, tx=tx)
        await store.mark_released([s["id"] for s in release.snapshot], tx=tx)
        payload = events.ScheduleReleased.model_validate(release.model_dump())
        await ctx.platform.outbox.add(tx, payload.topic, message_envelope(
            payload, source=ctx.platform.settings.service_name, subject=conference_id))
        await store.record_act(act, action="schedule.release", object_type="conference", object_id=conference_id,
                               tx=tx)
        return release

    return ReleasePublic.model_validate((await ctx.platform.transaction(work)).model_dump())


async def _snapshot(store: AgendaStore, conference_id: str, tx: AsyncClientSession | None) -> list[Entry]:
    """The scheduled sessions as a release freezes them: rooms and people by name, no contact data."""
    sessions = [s for s in await store.sessions_of(conference_id, tx=tx) if s.status == "scheduled"]
    rooms = {r.id: r for r in await store.rooms_of(conference_id, tx=tx)}
    people = {p.id: p for p in await store.speakers_of(conference_id, tx=tx)}

    def person(pid: str) -> Entry:
        p = people[pid]
        return {"id": pid, "name": p.name, "organization": p.organization,
                "bio": p.bio.model_dump() if p.bio else None}

    def entry(s: Session) -> Entry:
        return {"id": s.id, "number": s.number, "title": s.title.model_dump(),
                "abstract": s.abstract.model_dump() if s.abstract else None, "kind": s.kind, "track": s.track,
                "starts_at": s.starts_at, "ends_at": s.ends_at,
                "room": {"id": s.room_id, "name": rooms[s.room_id].name}, "languages": s.languages,
                "speakers": [person(p) for p in s.speaker_ids], "moderators": [person(p) for p in s.moderator_ids],
                "capacity": s.capacity}

    return [entry(s) for s in sorted(sessions, key=lambda s: (s.starts_at, s.number))]


async def latest_release(*, ctx: Agenda, conference_id: str) -> Release:
    release = await ctx.store.latest_release(conference_id)
    if release is None:
        raise NotFound("schedule_not_released")
    return release


async def changelog(*, ctx: Agenda, conference_id: str) -> list[ReleasePublic]:
    releases = await ctx.store.releases(conference_id)
    if not releases:
        raise NotFound("schedule_not_released")
    return [ReleasePublic.model_validate(r.model_dump()) for r in releases]


async def organized_conferences(*, ctx: Agenda, who: Principal) -> list[Conference]:
    """The conferences whose programme this person may edit (every one for an administrator)."""
    return [c for c in await ctx.store.all_conferences() if who.holds(organizer_scope(c.conference_id))]


def organizer_scope(conference_id: str) -> str:
    return f"organizer:conference:{conference_id}"
