"""Organizer use cases: decisions on registrations, search, CSV export, statistics, erasure."""

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from registration.context import RegistrationContext
from registration.domain import SEAT_HOLDING, has_seat
from registration.events import ParticipantApproved, ParticipantErased, ParticipantRejected
from registration.models import Conference, Registration
from registration.service import badge_token, emit_participant, free_seat_and_promote, participant_fact, promote
from registration.store import SearchFilters
from shared.audit import Act
from shared.csvfile import csv_bytes, xlsx_bytes
from shared.documents import utcnow
from shared.errors import Conflict, NotFound
from shared.i18n import translate
from shared.pdf import Card, Line, cards_pdf, sheets_pdf
from shared.qr import qr_png

Document = dict[str, Any]
# Told how far a bulk task is: done, out of total.
Progress = Callable[[int, int], Awaitable[None]]


async def _registration(ctx: RegistrationContext, registration_id: str,
                        session: AsyncClientSession | None = None) -> Registration:
    reg = await ctx.store.registration(registration_id, session)
    if reg is None:
        raise NotFound("registration_not_found")
    return reg


async def get_registration(*, ctx: RegistrationContext, registration_id: str) -> Registration:
    return await _registration(ctx, registration_id)


async def conference_of_registration(*, ctx: RegistrationContext, registration_id: str) -> str | None:
    """The conference a registration belongs to (for its organizers' scope), None if there is none."""
    return await ctx.store.conference_of_registration(registration_id)


async def approve_registration(*, ctx: RegistrationContext, registration_id: str, act: Act | None = None,
                               reason: str | None = None) -> Registration:
    return await _decide(ctx, registration_id, approve=True, act=act, reason=reason)


async def reject_registration(*, ctx: RegistrationContext, registration_id: str, act: Act | None = None,
                              reason: str | None = None) -> Registration:
    """Reject a pending registration; its seat goes to the waiting list. The reason (kept with the
    registration) is written into the participant's mail."""
    return await _decide(ctx, registration_id, approve=False, act=act, reason=reason)


async def _decide(ctx: RegistrationContext, registration_id: str, *, approve: bool, act: Act | None,
                  reason: str | None) -> Registration:
    first = await _registration(ctx, registration_id)
    now = utcnow()

    async def work(session: AsyncClientSession) -> Registration:
        reg = await _registration(ctx, registration_id, session)
        if reg.status != "pending":
            raise Conflict("not_pending")
        if approve and reg.erased_at:
            raise Conflict("registration_erased")
        status = "confirmed" if approve else "rejected"
        changed = await ctx.store.change_registration(
            registration_id, {"status": status, "status_changed_at": now, "decision_reason": reason}, session)
        assert changed is not None
        fact = ParticipantApproved if approve else ParticipantRejected
        await emit_participant(ctx, session, participant_fact(fact, changed, now))
        if not approve:
            await free_seat_and_promote(ctx, session, reg.conference_id, reg.category, now)
        await ctx.store.record_act(act, action="registration.approve" if approve else "registration.reject",
                                   object_type="registration", object_id=registration_id, session=session, at=now)
        return changed

    return await ctx.platform.transaction(work, queue_on=first.conference_id)


async def promote_registration(*, ctx: RegistrationContext, registration_id: str, act: Act | None = None
                               ) -> Registration:
    """Move one person off the waiting list, if a seat (and a place in their category's quota) is free."""
    first = await _registration(ctx, registration_id)
    now = utcnow()

    async def work(session: AsyncClientSession) -> Registration:
        reg = await _registration(ctx, registration_id, session)
        if reg.status != "waitlisted":
            raise Conflict("not_waitlisted")
        if reg.erased_at:
            raise Conflict("registration_erased")
        conference = await ctx.store.conference(reg.conference_id, session)
        assert conference is not None
        if not has_seat(conference.counters(), reg.category):
            raise Conflict("capacity_reached")
        await ctx.store.record_act(act, action="registration.promote", object_type="registration",
                                   object_id=registration_id, session=session, at=now)
        return await promote(ctx, session, conference, reg, now)

    return await ctx.platform.transaction(work, queue_on=first.conference_id)


PERSONAL_FIELDS = ("full_name", "email", "phone", "organization_name", "accessibility_needs", "decision_reason")


async def erase_personal_data(*, ctx: RegistrationContext, registration_id: str, act: Act | None = None
                              ) -> Registration:
    """Law 09-08 erasure: personal fields go, the anonymous ones (status, category, region...) stay
    for the counts; the manage token is revoked with its nonce."""
    await _registration(ctx, registration_id)
    now = utcnow()

    async def work(session: AsyncClientSession) -> Registration:
        fields: Document = {name: None for name in PERSONAL_FIELDS}
        fields |= {"email_normalized": f"erased:{registration_id}", "manage_nonce": None, "erased_at": now}
        changed = await ctx.store.change_registration(registration_id, fields, session)
        assert changed is not None
        await emit_participant(ctx, session, participant_fact(ParticipantErased, changed, now, erased_at=now))
        await ctx.store.record_act(act, action="registration.erase", object_type="registration",
                                   object_id=registration_id, session=session, at=now)
        return changed

    return await ctx.platform.transaction(work)


async def search_registrations(*, ctx: RegistrationContext, conference_id: str, page: int, page_size: int,
                               status: str | None = None, category: str | None = None, region: str | None = None,
                               checked_in: bool | None = None, q: str | None = None
                               ) -> tuple[list[Registration], int]:
    filters = SearchFilters(status=status, category=category, region=region, checked_in=checked_in, q=q)
    return await ctx.store.search(conference_id, filters, skip=(page - 1) * page_size, limit=page_size)


CSV_COLUMNS = ("number", "status", "full_name", "email", "phone", "organization_name", "category", "region",
               "gender", "age_band", "language", "accessibility_needs", "registered_at", "checked_in_at")


def _row(reg: Registration) -> list[Any]:
    fields = reg.model_dump()
    return [fields.get(column) for column in CSV_COLUMNS]


async def export_csv(*, ctx: RegistrationContext, conference_id: str) -> bytes:
    """UTF-8 with a BOM; names and other input that a spreadsheet would run as a formula are
    written as text (``shared.csvfile``)."""
    rows = [_row(reg) async for reg in ctx.store.each_registration(conference_id)]
    return csv_bytes(CSV_COLUMNS, rows)


async def export_xlsx(*, ctx: RegistrationContext, conference_id: str) -> bytes:
    rows = [_row(reg) async for reg in ctx.store.each_registration(conference_id)]
    return xlsx_bytes(CSV_COLUMNS, rows, title="registrations")


def badge_card(ctx: RegistrationContext, conference: Conference, reg: Registration, lang: str) -> Card:
    """One badge: name, organization, category, place and dates, the signed QR code."""
    title = conference.title
    heading = title.get(lang) or title.get("fr") or title.get("ar") or title.get("en") or conference.id
    dates = f"{conference.starts_on} – {conference.ends_on}".replace("-", "/")
    lines = [Line(reg.full_name or "", 18), Line(reg.organization_name or "", 12),
             Line(translate(f"ui_cat_{reg.category}", lang), 11),
             Line(f"{conference.venue} · {conference.city}", 10), Line(dates, 10)]
    return Card(heading=heading, lines=lines, qr_png=qr_png(badge_token(ctx, reg)),
                footer=f"{translate('ui_badge_number', lang)} {reg.number} · {reg.id}", rtl=lang == "ar")


async def badges_pdf(*, ctx: RegistrationContext, conference_id: str, lang: str | None = None,
                     layout: str = "a6", category: str | None = None, q: str | None = None,
                     progress: Progress | None = None) -> bytes:
    """The badges of the confirmed participants (all, or those of a category or a search), in
    registration order: one A6 page each, or four to an A4 sheet with cut marks (``layout="a4"``).
    Each badge is in its participant's language unless ``lang`` asks one for all."""
    conference = await ctx.store.conference(conference_id)
    if conference is None:
        raise NotFound("conference_not_found")
    filters = SearchFilters(status="confirmed", category=category, q=q)
    total = await ctx.store.count_matching(conference_id, filters)
    cards = []
    async for reg in ctx.store.each_matching(conference_id, filters):
        if not reg.erased_at:
            cards.append(badge_card(ctx, conference, reg, lang or reg.language or "fr"))
            # A code is about 2 ms of the event loop: requests go between two (a cursor's read
            # brings a hundred registrations).
            await asyncio.sleep(0)
        if progress is not None and len(cards) % 50 == 0:
            await progress(len(cards), total)
    # Laying out is CPU work (shaping): off the event loop so the service keeps answering.
    return await asyncio.to_thread(sheets_pdf if layout == "a4" else cards_pdf, cards)


async def conference_stats(*, ctx: RegistrationContext, conference_id: str) -> Document:
    counters: dict[str, Counter[str]] = {name: Counter() for name in
                                         ("by_status", "by_category", "by_region", "by_gender", "by_age_band")}
    hours: Counter[str] = Counter()
    total = 0
    async for doc in ctx.store.each_anonymous_row(conference_id):
        total += 1
        counters["by_status"][doc["status"]] += 1
        if doc["status"] in SEAT_HOLDING:
            counters["by_category"][doc["category"]] += 1
            counters["by_region"][doc["region"]] += 1
            counters["by_gender"][doc.get("gender") or "unspecified"] += 1
            counters["by_age_band"][doc.get("age_band") or "unspecified"] += 1
        if doc.get("checked_in_at"):
            hours[doc["checked_in_at"].strftime("%Y-%m-%dT%H:00:00Z")] += 1
    return {
        "conference_id": conference_id, "total": total, **{k: dict(v) for k, v in counters.items()},
        "checked_in": sum(hours.values()), "checked_in_by_hour": dict(sorted(hours.items())),
        "offline_conflicts": await ctx.store.count_conflicts(conference_id),
    }
