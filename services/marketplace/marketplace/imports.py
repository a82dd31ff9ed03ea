"""Importing cooperatives into the registry from a CSV or XLSX file.

Every row is checked first, as the API's ``CooperativeCreate`` body; one fault anywhere
refuses the whole file, each fault reported with its row and column in the reader's
language. Otherwise all new rows are stored in one transaction, or none. A row whose
register number the registry already holds is left as it is: importing the same file
again creates nothing twice.

Columns: ``name_ar, name_fr, name_en`` (one at least), ``register_number, region,
province, sector, members``, and the optional ``women_led, youth_led`` (yes / oui / نعم /
true / 1 / x; empty or no / non / لا / false / 0), ``representative, phone, email``,
``last_exhibited_on`` (YYYY-MM-DD).
"""

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from marketplace.context import Marketplace
from marketplace.domain import CooperativeCreate
from marketplace.service import new_cooperative
from shared.audit import Act
from shared.errors import DomainError, _field_error
from shared.i18n import translate
from shared.tablefile import FIRST_ROW, read_table

MAX_ROWS = 2000
YES = {"yes", "oui", "نعم", "true", "1", "x"}
NO = {"", "no", "non", "لا", "false", "0"}
CONTACT = ("representative", "phone", "email")
# Where a field of the body comes from in the file, for the report.
COLUMN_OF = {"name.ar": "name_ar", "name.fr": "name_fr", "name.en": "name_en", "name": "name_fr",
             **{f"contact.{c}": c for c in CONTACT}}
Progress = Callable[[int, int], Awaitable[None]]


@dataclass(frozen=True)
class RowError:
    """One fault of one row: a validation error as pydantic words it, or one of ours (``code``)."""

    row: int
    problem: dict[str, Any]

    def described(self, lang: str) -> dict[str, Any]:
        if "type" in self.problem:
            found = _field_error(self.problem, lang)
            column = COLUMN_OF.get(found["field"], found["field"])
            return {"row": self.row, "column": column, "code": found["code"], "message": found["message"]}
        code, params = self.problem["code"], self.problem.get("params", {})
        return {"row": self.row, "column": self.problem["column"], "code": code,
                "message": translate(code, lang, **params)}


class ImportRefused(DomainError):
    """The file is refused whole; ``errors`` says which rows and columns, nothing was imported."""

    status = 422

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("coop_import_refused", count=len(errors))
        self.errors = errors


class ImportResult(BaseModel):
    rows: int
    created: int
    already_present: int


def _flag(row: int, raw: dict[str, str], column: str, errors: list[RowError]) -> bool:
    word = raw.get(column, "").casefold()
    if word in YES:
        return True
    if word not in NO:
        errors.append(RowError(row, {"column": column, "code": "coop_import_bad_flag", "params": {"value": word}}))
    return False


def _body(row: int, raw: dict[str, str], errors: list[RowError]) -> dict[str, Any]:
    body: dict[str, Any] = {k: raw[k] for k in ("register_number", "region", "province", "sector", "members",
                                                "last_exhibited_on") if raw.get(k)}
    body["name"] = {lang: raw[f"name_{lang}"] for lang in ("ar", "fr", "en") if raw.get(f"name_{lang}")}
    body["women_led"] = _flag(row, raw, "women_led", errors)
    body["youth_led"] = _flag(row, raw, "youth_led", errors)
    contact = {c: raw[c] for c in CONTACT if raw.get(c)}
    if contact:
        body["contact"] = contact
    return body


def check_rows(rows: list[dict[str, str]]) -> tuple[list[CooperativeCreate], list[RowError]]:
    """Each row as the API's body, or its faults; a register number twice in the file is a fault."""
    valid: list[CooperativeCreate] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(rows, start=FIRST_ROW):
        own: list[RowError] = []
        body = _body(number, raw, own)
        try:
            data = CooperativeCreate.model_validate(body)
        except ValidationError as exc:
            errors.extend([*own, *(RowError(number, dict(problem)) for problem in exc.errors())])
            continue
        if data.register_number in seen:
            own.append(RowError(number, {"column": "register_number", "code": "coop_import_duplicate_row",
                                         "params": {"other": seen[data.register_number]}}))
        seen.setdefault(data.register_number, number)
        errors.extend(own)
        if not own:
            valid.append(data)
    return valid, errors


async def import_cooperatives(*, ctx: Marketplace, filename: str, content: bytes, act: Act | None = None,
                              progress: Progress | None = None) -> ImportResult:
    """Read and check the file, then store its new cooperatives in one transaction."""
    rows = read_table(filename, content, max_rows=MAX_ROWS)
    bodies, errors = check_rows(rows)
    if errors:
        raise ImportRefused(errors)
    digest = hashlib.sha256(content).hexdigest()

    async def work(session: AsyncClientSession) -> int:
        taken = await ctx.store.register_numbers_taken([b.register_number for b in bodies], session)
        new = [new_cooperative(b, imported_from=digest) for b in bodies if b.register_number not in taken]
        for done, cooperative in enumerate(new, start=1):
            await ctx.store.insert_cooperative(cooperative, session)
            if progress is not None:
                await progress(done, len(new))
        await ctx.store.record_act(act, action="cooperative.import", object_type="file", object_id=digest,
                                   session=session)
        return len(new)

    try:
        created = await ctx.platform.transaction(work, queue_on="cooperatives-import")
    except DuplicateKeyError:
        # Another process stored some of these numbers meanwhile: they are present now, skip them.
        created = await ctx.platform.transaction(work, queue_on="cooperatives-import")
    return ImportResult(rows=len(bodies), created=created, already_present=len(bodies) - created)

