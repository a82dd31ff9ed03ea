"""Organizer use cases: decisions on registrations, search, CSV export, statistics, erasure."""

import asyncio
import re
from collections import Counter
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from registration import store
from registration.domain import SEAT_HOLDING, has_seat
from registration.events import ParticipantApproved, ParticipantErased, ParticipantRejected
from registration.service import (
    badge_token,
    emit_participant,
    free_seat_and_promote,
    participant_fact,
    promote,
    serialized,
    utcnow,
)
from shared import audit
from shared.audit import Act
from shared.csvfile import csv_bytes, xlsx_bytes
from shared.errors import Conflict, NotFound
from shared.i18n import translate
from shared.pdf import Card, Line, cards_pdf
from shared.platform import Platform
from shared.qr import qr_png
from shared.textsearch import folded_pattern

Document = dict[str, Any]


async def _registration(platform: Platform, registration_id: str, session: AsyncClientSession | None = None
                        ) -> Document:
    doc = await store.get_registration(platform.db, registration_id, session)
    if doc is None:
        raise NotFound("registration_not_found")
    return doc


async def get_registration(*, platform: Platform, registration_id: str) -> Document:
    return await _registration(platform, registration_id)


async def approve_registration(*, platform: Platform, registration_id: str, act: Act | None = None) -> Document:
    return await _decide(platform, registration_id, approve=True, act=act)


async def reject_registration(*, platform: Platform, registration_id: str, act: Act | None = None) -> Document:
    return await _decide(platform, registration_id, approve=False, act=act)


async def _decide(platform: Platform, registration_id: str, *, approve: bool, act: Act | None) -> Document:
    first = await _registration(platform, registration_id)
    now = utcnow()

    async def work(session: AsyncClientSession) -> Document:
        doc = await _registration(platform, registration_id, session)
        if doc["status"] != "pending":
            raise Conflict("not_pending")
        if approve and doc.get("erased_at"):
            raise Conflict("registration_erased")
        status = "confirmed" if approve else "rejected"
        updated = await store.update_registration(
            platform.db, registration_id, {"status": status, "status_changed_at": now}, session)
        assert updated is not None
        fact = ParticipantApproved if approve else ParticipantRejected
        await emit_participant(platform, session, participant_fact(fact, updated, now))
        if not approve:
            await free_seat_and_promote(platform, session, doc["conference_id"], doc["category"], now)
        await audit.record(platform.db, act, action="registration.approve" if approve else "registration.reject",
                           object_type="registration", object_id=registration_id, session=session, at=now)
        return updated

    return await serialized(platform, first["conference_id"], work)


async def promote_registration(*, platform: Platform, registration_id: str, act: Act | None = None) -> Document:
    """Move one person off the waiting list, if a seat (and a place in their category's quota) is free."""
    first = await _registration(platform, registration_id)
    now = utcnow()

    async def work(session: AsyncClientSession) -> Document:
        doc = await _registration(platform, registration_id, session)
        if doc["status"] != "waitlisted":
            raise Conflict("not_waitlisted")
        if doc.get("erased_at"):
            raise Conflict("registration_erased")
        conference = await store.get_conference(platform.db, doc["conference_id"], session)
        assert conference is not None
        if not has_seat(conference, doc["category"]):
            raise Conflict("capacity_reached")
        await audit.record(platform.db, act, action="registration.promote", object_type="registration",
                           object_id=registration_id, session=session, at=now)
        return await promote(platform, session, conference, doc, now)

    return await serialized(platform, first["conference_id"], work)


PERSONAL_FIELDS = ("full_name", "email", "phone", "organization_name", "accessibility_needs")


async def erase_personal_data(*, platform: Platform, registration_id: str, act: Act | None = None) -> Document:
    """Law 09-08 erasure: personal fields go, the anonymous ones (status, category, region...) stay
    for the counts; the manage token is revoked with its nonce."""
    await _registration(platform, registration_id)
    now = utcnow()

    async def work(session: AsyncClientSession) -> Document:
        fields: Document = {name: None for name in PERSONAL_FIELDS}
        fields |= {"email_normalized": f"erased:{registration_id}", "manage_nonce": None, "erased_at": now}
        updated = await store.update_registration(platform.db, registration_id, fields, session)
        assert updated is not None
        await emit_participant(platform, session, participant_fact(ParticipantErased, updated, now, erased_at=now))
        await audit.record(platform.db, act, action="registration.erase", object_type="registration",
                           object_id=registration_id, session=session, at=now)
        return updated

    return await platform.transaction(work)


def search_query(conference_id: str, *, status: str | None, category: str | None, region: str | None,
                 checked_in: bool | None, q: str | None) -> Document:
    query: Document = {"conference_id": conference_id}
    for name, value in (("status", status), ("category", category), ("region", region)):
        if value:
            query[name] = value
    if checked_in is not None:
        query["checked_in_at"] = {"$ne": None} if checked_in else None
    if q and q.strip():
        # Accents, alef forms and short vowels forgiven: "Etienne" finds "Étienne", "امينة" finds "أمينة".
        query["$or"] = [{"full_name": {"$regex": folded_pattern(q), "$options": "i"}},
                        {"email_normalized": {"$regex": re.escape(q.strip().casefold())}}]
    return query


async def search_registrations(*, platform: Platform, conference_id: str, page: int, page_size: int,
                               **filters: Any) -> tuple[list[Document], int]:
    query = search_query(conference_id, **filters)
    return await store.search_registrations(platform.db, query, skip=(page - 1) * page_size, limit=page_size)


CSV_COLUMNS = ("number", "status", "full_name", "email", "phone", "organization_name", "category", "region",
               "gender", "age_band", "language", "accessibility_needs", "registered_at", "checked_in_at")


async def export_csv(*, platform: Platform, conference_id: str) -> bytes:
    """UTF-8 with a BOM; names and other input that a spreadsheet would run as a formula are
    written as text (``shared.csvfile``)."""
    rows = [[doc.get(column) for column in CSV_COLUMNS]
            async for doc in store.each_registration(platform.db, conference_id)]
    return csv_bytes(CSV_COLUMNS, rows)


async def export_xlsx(*, platform: Platform, conference_id: str) -> bytes:
    rows = [[doc.get(column) for column in CSV_COLUMNS]
            async for doc in store.each_registration(platform.db, conference_id)]
    return xlsx_bytes(CSV_COLUMNS, rows, title="registrations")


def badge_card(platform: Platform, conference: Document, doc: Document, lang: str) -> Card:
    """One badge: name, organization, category, place and dates, the signed QR code."""
    title = conference.get("title") or {}
    heading = title.get(lang) or title.get("fr") or title.get("ar") or title.get("en") or conference["_id"]
    dates = f"{conference['starts_on']} – {conference['ends_on']}".replace("-", "/")
    lines = [Line(doc.get("full_name") or "", 18), Line(doc.get("organization_name") or "", 12),
             Line(translate(f"ui_cat_{doc['category']}", lang), 11),
             Line(f"{conference.get('venue', '')} · {conference.get('city', '')}", 10), Line(dates, 10)]
    return Card(heading=heading, lines=lines, qr_png=qr_png(badge_token(platform, doc)),
                footer=f"{translate('ui_badge_number', lang)} {doc['number']} · {doc['_id']}", rtl=lang == "ar")


async def badges_pdf(*, platform: Platform, conference_id: str, lang: str | None = None) -> bytes:
    """The badges of every confirmed participant, one A6 page each, in registration order; each in
    its participant's language unless ``lang`` asks one for all."""
    conference = await store.get_conference(platform.db, conference_id)
    if conference is None:
        raise NotFound("conference_not_found")
    cards = [badge_card(platform, conference, doc, lang or doc.get("language") or "fr")
             async for doc in store.each_registration(platform.db, conference_id)
             if doc["status"] == "confirmed" and not doc.get("erased_at")]
    # Drawing is CPU work (shaping, QR codes): off the event loop so the service keeps answering.
    return await asyncio.to_thread(cards_pdf, cards)


async def conference_stats(*, platform: Platform, conference_id: str) -> Document:
    counters: dict[str, Counter[str]] = {name: Counter() for name in
                                         ("by_status", "by_category", "by_region", "by_gender", "by_age_band")}
    hours: Counter[str] = Counter()
    projection = {"status": 1, "category": 1, "region": 1, "gender": 1, "age_band": 1, "checked_in_at": 1}
    total = 0
    async for doc in store.each_registration(platform.db, conference_id, projection):
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
        "offline_conflicts": await store.count_conflicts(platform.db, conference_id),
    }
