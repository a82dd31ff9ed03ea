"""Exactness of a batch of registrations for one conference, shared by the rush and the open loop:
nothing lost, nothing doubled, seats and waiting list right in the answers, the organizer API,
registration's database, its outbox, agenda's projection and recommendations' indicator 21."""

from collections import Counter
from dataclasses import dataclass
from typing import Any

from bench import observe
from bench.config import service_db
from bench.scenarios.common import Context, ScenarioResult
from shared.outbox import written


@dataclass(frozen=True)
class Expected:
    """``registrations`` registered for a conference of ``seats`` seats."""

    registrations: int
    seats: int

    @property
    def confirmed(self) -> int:
        return min(self.seats, self.registrations)

    @property
    def waitlisted(self) -> int:
        return self.registrations - self.confirmed


def check_answers(result: ScenarioResult, answers: list[dict[str, Any]], expected: Expected) -> None:
    answered = Counter(a["status"] for a in answers)
    result.check("answers 201", expected.registrations, len(answers))
    result.check("distinct registration ids answered", expected.registrations, len({a["id"] for a in answers}))
    result.check("answers confirmed / waitlisted", [expected.confirmed, expected.waitlisted],
                 [answered["confirmed"], answered["waitlisted"]])


async def check_api(ctx: Context, result: ScenarioResult, conference_id: str, expected: Expected) -> None:
    stats = await ctx.admin("GET", "registration", f"/admin/conferences/{conference_id}/stats")
    result.check("API stats total", expected.registrations, stats["total"])
    result.check("API stats confirmed / waitlisted", [expected.confirmed, expected.waitlisted],
                 [stats["by_status"].get("confirmed", 0), stats["by_status"].get("waitlisted", 0)])
    public = await ctx.admin("GET", "registration", f"/conferences/{conference_id}")
    result.check("API seats left", expected.seats - expected.confirmed, public["seats_left"])


async def stored_registrations(ctx: Context, conference_id: str) -> list[dict[str, Any]]:
    db = ctx.mongo[service_db("registration")]
    found: list[dict[str, Any]] = await db["registrations"].find(
        {"conference_id": conference_id}, {"status": 1, "email_normalized": 1, "number": 1}).to_list(None)
    return found


async def check_database(ctx: Context, result: ScenarioResult, conference_id: str, answers: list[dict[str, Any]],
                         expected: Expected, docs: list[dict[str, Any]]) -> None:
    """``docs``: the conference's registrations as ``stored_registrations`` read them."""
    db = ctx.mongo[service_db("registration")]
    numbers = sorted(d["number"] for d in docs)
    result.check("DB registrations", expected.registrations, len(docs))
    result.check("DB distinct e-mails", expected.registrations, len({d["email_normalized"] for d in docs}))
    result.check("DB numbers are 1..N without gap or repeat", list(range(1, expected.registrations + 1)) == numbers,
                 True)
    stored = {d["_id"]: d["status"] for d in docs}
    result.check("DB status equals the answered status", 0,
                 sum(1 for a in answers if stored.get(a["id"]) != a["status"]))
    conference = await db["conferences"].find_one({"_id": conference_id}) or {}
    result.check("DB seats taken counter", expected.confirmed, conference.get("taken"))
    entries = [e for e in await written(db, {"envelope.data.conference_id": conference_id},
                                        ["type", "envelope.data.status"])
               if e["type"].startswith("registration.participant-")]
    kinds = Counter(e["type"].split(".")[1] for e in entries)
    result.check("DB outbox messages: one registered per registration, nothing else",
                 {"participant-registered": expected.registrations}, dict(kinds))
    statuses = Counter(e["envelope"]["data"]["status"] for e in entries)
    result.check("DB registered messages confirmed / waitlisted", [expected.confirmed, expected.waitlisted],
                 [statuses["confirmed"], statuses["waitlisted"]])


async def check_projections(ctx: Context, result: ScenarioResult, conference_id: str, before: dict[str, Any],
                            expected: Expected) -> None:
    """Agenda's projection and indicator 21 (with its breakdown per region) grown by exactly these."""
    agenda = ctx.mongo[service_db("agenda")]["participants"]
    projected = Counter(d["status"] for d in await agenda.find({"conference_id": conference_id},
                                                               {"status": 1}).to_list(None))
    result.check("agenda projection confirmed / waitlisted", [expected.confirmed, expected.waitlisted],
                 [projected["confirmed"], projected["waitlisted"]])
    after = await observe.indicator(ctx.http, observe.PARTICIPANTS_BY_REGION)
    result.check("recommendations indicator increase", float(expected.confirmed), after["value"] - before["value"])
    regions = await _confirmed_regions(ctx, conference_id)
    grown = {r: after["breakdown"].get(r, 0) - before["breakdown"].get(r, 0) for r in regions}
    result.check("recommendations breakdown increase per region", dict(sorted(regions.items())),
                 {r: int(v) for r, v in sorted(grown.items())})


async def _confirmed_regions(ctx: Context, conference_id: str) -> dict[str, int]:
    docs = await ctx.mongo[service_db("registration")]["registrations"].find(
        {"conference_id": conference_id, "status": "confirmed"}, {"region": 1}).to_list(None)
    return dict(Counter(d["region"] for d in docs))
