"""Importing invitees or a delegation from a CSV or XLSX file: every row is checked first, and
either all of them are registered in one transaction or none is.

Invitees are registered as confirmed (an organizer invited them), each taking a seat of their
category; a file needing more seats than are left is refused whole. Columns are the form's
fields (``full_name, email, phone, organization_name, organization_type, region``, and the
optional ``gender, age_band, language, accessibility_needs``) plus ``consent``: the invitee
agreed to be registered (law 09-08), written yes / oui / نعم / true / 1.
"""

import csv
import io
import secrets
from collections import Counter
from dataclasses import dataclass
from typing import Any

from openpyxl import load_workbook
from pydantic import ValidationError
from pymongo.asynchronous.client_session import AsyncClientSession

from registration.context import RegistrationContext
from registration.domain import RegistrationCreate, normalize_email
from registration.models import Conference
from registration.service import announce_arrivals, get_conference, new_registration
from shared.audit import Act
from shared.documents import utcnow
from shared.errors import Conflict, DomainError, _field_error
from shared.i18n import translate
from shared.jobs import Progress, job_outcome, record_job_outcome

MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024
# Rows checked between two progress reports of a background import.
CHECK_PART = 100
CONSENT_WORDS = {"yes", "oui", "نعم", "true", "1", "x"}
IMPORTED = (*RegistrationCreate.model_fields,)


@dataclass(frozen=True)
class RowError:
    """One fault of one row: ``problem`` is a validation error as pydantic words it, or our own code."""

    row: int
    problem: dict[str, Any]

    def described(self, lang: str) -> dict[str, Any]:
        if "type" in self.problem:
            found = _field_error(self.problem, lang)
        else:
            found = {"field": self.problem["field"], "code": self.problem["code"],
                     "message": translate(self.problem["code"], lang, **self.problem.get("params", {}))}
        return {"row": self.row, "field": found["field"], "code": found["code"], "message": found["message"]}


def _own(row: int, column: str, code: str, **params: Any) -> RowError:
    return RowError(row, {"field": column, "code": code, "params": params})


class ImportRefused(DomainError):
    """The file is refused whole; ``errors`` says which rows and fields, none was imported."""

    status = 422

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("import_refused", count=len(errors))
        self.errors = errors


def read_rows(filename: str, content: bytes) -> list[dict[str, str]]:
    """The file's rows as column -> text, headers lower-cased; CSV (comma or semicolon) or XLSX."""
    if len(content) > MAX_BYTES:
        raise DomainError("import_too_large")
    try:
        if filename.lower().endswith(".xlsx"):
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).active
            table = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        else:
            text = content.decode("utf-8-sig")
            dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;")
            table = list(csv.reader(io.StringIO(text), dialect))
    except Exception as exc:  # a file we cannot read is the caller's fault, whatever the parser raised
        raise DomainError("import_unreadable") from exc
    if not table:
        raise DomainError("import_unreadable")
    header = [h.strip().lower() for h in table[0]]
    rows = [dict(zip(header, (c.strip() for c in row), strict=False))
            for row in table[1:] if any(c.strip() for c in row)]
    if len(rows) > MAX_ROWS:
        raise DomainError("import_too_many_rows", max=MAX_ROWS)
    return rows


def check_rows(rows: list[dict[str, str]], *, first: int = 2, seen: dict[str, int] | None = None
               ) -> tuple[list[RegistrationCreate], list[RowError]]:
    """Each row as the API's registration body; row numbers count the header as row 1.

    ``first`` numbers the first of ``rows`` and ``seen`` (e-mail -> row) carries the addresses of the
    rows before it, so that a long file may be checked part by part."""
    valid: list[RegistrationCreate] = []
    errors: list[RowError] = []
    seen = {} if seen is None else seen
    for number, raw in enumerate(rows, start=first):
        data: dict[str, Any] = {k: v for k, v in raw.items() if k in IMPORTED and k != "consent" and v}
        data["consent"] = raw.get("consent", "").casefold() in CONSENT_WORDS
        try:
            body = RegistrationCreate.model_validate(data)
        except ValidationError as exc:
            errors.extend(RowError(number, dict(problem)) for problem in exc.errors())
            continue
        email = normalize_email(body.email)
        if email in seen:
            errors.append(_own(number, "email", "import_duplicate_row", other=seen[email]))
            continue
        seen[email] = number
        valid.append(body)
    return valid, errors


async def _checked(rows: list[dict[str, str]], progress: Progress | None) -> list[RegistrationCreate]:
    """Every row checked, part by part with the rows checked so far reported; ``ImportRefused`` if any is bad."""
    bodies: list[RegistrationCreate] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for start in range(0, len(rows), CHECK_PART):
        valid, faults = check_rows(rows[start:start + CHECK_PART], first=start + 2, seen=seen)
        bodies += valid
        errors += faults
        if progress is not None:
            await progress(min(start + CHECK_PART, len(rows)), len(rows))
    if errors:
        raise ImportRefused(errors)
    if not bodies:
        raise DomainError("import_empty")
    return bodies


async def import_registrations(*, ctx: RegistrationContext, conference_id: str, rows: list[dict[str, str]],
                               act: Act | None = None, run_id: str | None = None,
                               progress: Progress | None = None) -> int:
    """Register every row, or none: the number registered, else ``ImportRefused`` with each row's fault.

    ``run_id`` (a background job's id) is recorded with the registrations: a run of that job taken
    again after a crash answers what the first one registered instead of registering anyone twice."""
    await get_conference(ctx=ctx, conference_id=conference_id)
    bodies = await _checked(rows, progress)
    now = utcnow()

    async def work(session: AsyncClientSession) -> int:
        if run_id is not None and (done := await job_outcome(ctx.platform, run_id, session)) is not None:
            return int(done["imported"])
        conference = await ctx.store.conference(conference_id, session)
        assert conference is not None
        taken = await ctx.store.emails_taken(conference_id, [normalize_email(b.email) for b in bodies], session)
        clashes = [_own(n, "email", "already_registered") for n, b in enumerate(bodies, start=2)
                   if normalize_email(b.email) in taken]
        if clashes:
            raise ImportRefused(clashes)
        seats: Counter[str] = Counter(str(b.organization_type) for b in bodies)
        if not _room_for(conference, seats):
            raise Conflict("import_no_room", needed=len(bodies))
        first = conference.next_number + 1
        if not await ctx.store.take_numbers(conference, seats, session):
            raise Conflict("conflict")
        registrations = [
            new_registration(f"r-{secrets.token_hex(8)}", conference_id, body, "confirmed", first + offset,
                             normalize_email(body.email), secrets.token_urlsafe(12), now)
            for offset, body in enumerate(bodies)]
        await ctx.store.add_registrations(registrations, session)
        await announce_arrivals(ctx, session, registrations)
        await ctx.store.record_act(act, action="registration.import", object_type="conference",
                                   object_id=conference_id, session=session, at=now)
        if run_id is not None:
            await record_job_outcome(ctx.platform, run_id, {"imported": len(bodies)}, session)
        return len(bodies)

    return await ctx.platform.transaction(work, queue_on=conference_id)


def _room_for(conference: Conference, seats: Counter[str]) -> bool:
    if conference.taken + sum(seats.values()) > conference.capacity:
        return False
    for category, count in seats.items():
        quota = conference.quotas.get(category)
        if quota is not None and conference.taken_by_category.get(category, 0) + count > quota:
            return False
    return True
