"""Use cases of people: registrations as registration describes them, stars, personal agendas."""

import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from pymongo.asynchronous.client_session import AsyncClientSession

from agenda.context import Agenda
from agenda.participation import cancel
from agenda.stored import Entry, Participant
from shared.documents import utcnow
from shared.errors import DomainError, NotFound


def older_than_known(known: Participant | None, version: int | None, at: datetime) -> bool:
    """Registration's version orders its facts as they committed; ``at`` only when one side has none."""
    if known is None:
        return False
    if version is not None and known.version is not None:
        return version < known.version
    return known.at is not None and known.at > at


async def follow_participant(*, ctx: Agenda, registration_id: str, conference_id: str, status: str,
                             at: datetime, version: int | None, session: AsyncClientSession) -> bool:
    """Follow a registration's status; False when the fact is older than the one already known."""
    if older_than_known(await ctx.store.participant(registration_id, tx=session), version, at):
        return False
    await ctx.store.follow_participant(registration_id, conference_id=conference_id, status=status, at=at,
                                       version=version, tx=session)
    return True


class StatusFact(Protocol):
    """A registration's status as registration's message states it."""

    @property
    def registration_id(self) -> str: ...
    @property
    def conference_id(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def version(self) -> int | None: ...


async def follow_participants(*, ctx: Agenda, facts: Sequence[StatusFact], session: AsyncClientSession) -> int:
    """Follow many registrations' statuses at once (in message order): one read, one bulk write.

    Per registration the newest fact wins as in ``follow_participant``, whether the older one is
    stored or earlier in ``facts``. Returns how many registrations changed."""
    ids = sorted({fact.registration_id for fact in facts})
    latest = await ctx.store.participants_by_ids(ids, tx=session)
    stored = set(latest)
    changed: dict[str, Participant] = {}
    for fact in facts:
        known = latest.get(fact.registration_id)
        if older_than_known(known, fact.version, fact.at):
            continue
        base = known or Participant(id=fact.registration_id)
        latest[fact.registration_id] = changed[fact.registration_id] = base.model_copy(update={
            "conference_id": fact.conference_id, "status": fact.status, "at": fact.at, "version": fact.version})
    await ctx.store.follow_participants(list(changed.values()), tx=session, stored=stored)
    return len(changed)


async def participant_left(*, ctx: Agenda, registration_id: str, conference_id: str, status: str,
                           at: datetime, version: int | None, session: AsyncClientSession) -> None:
    """A cancelled or rejected registration: its seats go to the waiting lists."""
    if await follow_participant(ctx=ctx, registration_id=registration_id, conference_id=conference_id,
                                status=status, at=at, version=version, session=session):
        await _release_signups(ctx, registration_id, "registration_cancelled", session)


async def forget_participant(*, ctx: Agenda, registration_id: str, conference_id: str, status: str,
                             at: datetime, version: int | None, session: AsyncClientSession) -> None:
    """An erased registration: its seats go to the waiting lists as on a cancellation, then its
    sign-ups and stars are deleted and its manage tokens refused from now on, whatever the
    order in which older facts about it arrive."""
    await follow_participant(ctx=ctx, registration_id=registration_id, conference_id=conference_id,
                             status=status, at=at, version=version, session=session)
    await ctx.store.mark_erased(registration_id, tx=session)
    await _release_signups(ctx, registration_id, "registration_erased", session)
    await ctx.store.forget_signups(registration_id, tx=session)
    await ctx.store.forget_owner(f"r:{registration_id}", tx=session)


async def _release_signups(ctx: Agenda, registration_id: str, reason: str, session: AsyncClientSession) -> None:
    for signup in await ctx.store.active_signups(registration_id, tx=session):
        await cancel(ctx, signup, reason, session)


async def refuse_revoked(*, ctx: Agenda, registration_id: str) -> None:
    """Registration's key still verifies an erased registration's manage token: refuse it here."""
    known = await ctx.store.participant(registration_id)
    if known is not None and known.erased:
        raise DomainError("manage_token_revoked", status=401)


async def registration_status(*, ctx: Agenda, registration_id: str) -> str | None:
    """The registration status as last heard from registration (None: not heard of yet)."""
    known = await ctx.store.participant(registration_id)
    return known.status if known else None


async def create_agenda(*, ctx: Agenda) -> str:
    """A personal agenda for a visitor without registration: its random id is its key."""
    agenda_id = secrets.token_urlsafe(18)
    await ctx.store.add_agenda(agenda_id, utcnow())
    return agenda_id


async def owner_of_agenda(*, ctx: Agenda, agenda_id: str) -> str:
    if not await ctx.store.agenda_exists(agenda_id):
        raise NotFound("agenda_unknown")
    return f"a:{agenda_id}"


async def star(*, ctx: Agenda, owner: str, session_id: str, starred: bool) -> None:
    if starred:
        if await ctx.store.session(session_id) is None:
            raise NotFound("session_unknown", session_id=session_id)
        await ctx.store.star(owner, session_id, utcnow())
    else:
        await ctx.store.unstar(owner, session_id)


async def personal_agenda(*, ctx: Agenda, owner: str, registration_id: str | None) -> list[Entry]:
    """Released sessions the owner starred or signed up for, each with its sign-up status."""
    store = ctx.store
    starred = set(await store.stars(owner))
    signups = {s.session_id: s.status for s in
               (await store.active_signups(registration_id) if registration_id else [])}
    wanted = starred | set(signups)
    conferences = {s.conference_id for s in await store.sessions_by_ids(sorted(wanted))}
    entries: list[Entry] = []
    for conference_id in sorted(conferences):
        release = await store.latest_release(conference_id)
        for entry in release.snapshot if release else []:
            if entry["id"] in wanted:
                entries.append({**entry, "conference_id": conference_id, "starred": entry["id"] in starred,
                                "signup": signups.get(entry["id"])})
    return sorted(entries, key=lambda e: e["starts_at"])
