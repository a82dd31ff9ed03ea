"""Use cases for the decisions on applications and the stands: allocate, accept, reject, waitlist, withdraw.

Every change to a market's stands runs in one transaction queued on that market
(``queue_on``), with its messages in the outbox.
"""

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from marketplace.allocation import Candidate, Holder, Outcome, allocate
from marketplace.applications import OPEN, application_public, get_application, publish_fact, render_decision
from marketplace.context import Marketplace
from marketplace.domain import AllocationResult, ApplicationPublic, StandPublic, WithdrawalResult
from marketplace.events import ApplicationAccepted, ApplicationRejected, StandAssigned
from marketplace.records import Application, Assignment, Cooperative, Market
from marketplace.service import market_of, new_id
from shared.audit import Act
from shared.auth import Principal
from shared.documents import utcnow
from shared.errors import Conflict, DomainError, NotFound
from shared.i18n import LocalizedText
from shared.jobs import Progress, job_outcome, record_job_outcome

T = TypeVar("T")
# A concurrent accept in another process may take the stand this one picked: the
# insert then fails on the stand's key, and the whole decision is made again.
ASSIGN_ATTEMPTS = 5
Work = Callable[[AsyncClientSession], Awaitable[T]]


def _candidate(app: Application, coop: Cooperative) -> Candidate:
    last = coop.last_exhibited_on
    return Candidate(
        application_id=app.id, cooperative_id=coop.id, region=coop.region, sector=coop.sector,
        women_led=coop.women_led, youth_led=coop.youth_led,
        last_exhibited_on=datetime.fromisoformat(last).date() if last else None, submitted_at=app.submitted_at,
    )


async def _assign(ctx: Marketplace, session: AsyncClientSession, market: Market, app: Application,
                  coop: Cooperative, stand: int, decision: dict[str, Any], now: datetime) -> Application:
    zone = market.zone_of(stand)
    pass_id = new_id("pass")
    await ctx.store.insert_assignment(Assignment(
        id=f"{market.id}:{stand}", market_id=market.id, stand_number=stand, zone=zone, application_id=app.id,
        cooperative_id=coop.id, pass_id=pass_id, region=coop.region, sector=coop.sector,
        reserved_eligible=coop.reserved_eligible, decision=decision, assigned_at=now), session)
    fields = {"status": "accepted", "stand_number": stand, "pass_id": pass_id, "decision": decision,
              "decided_at": now}
    if not await ctx.store.update_application(app.id, fields, session, while_in=OPEN):
        raise Conflict("application_not_pending", state=app.status)
    accepted = app.model_copy(update=fields)
    await publish_fact(ctx, session, accepted, coop, ApplicationAccepted, now)
    await ctx.publish(session, subject=f"{market.id}:{stand}",
                      message=StandAssigned(market_id=market.id, stand_number=stand, zone=zone,
                                            cooperative_id=coop.id, application_id=app.id, pass_id=pass_id,
                                            reason_code=decision["code"], manual=decision["manual"], at=now))
    return accepted


async def _waitlist(ctx: Marketplace, session: AsyncClientSession, app: Application, decision: dict[str, Any],
                    now: datetime) -> Application:
    fields = {"status": "waitlisted", "decision": decision, "decided_at": now}
    await ctx.store.update_application(app.id, fields, session)
    return app.model_copy(update=fields)


async def _decide(ctx: Marketplace, session: AsyncClientSession, market: Market, apps: list[Application],
                  now: datetime) -> tuple[dict[str, Cooperative], list[Outcome]]:
    coops = await ctx.store.cooperatives_by_id([a.cooperative_id for a in apps], session)
    assignments = await ctx.store.active_assignments(market.id, session)
    taken = {a.stand_number: Holder(a.region, a.sector, a.reserved_eligible) for a in assignments}
    outcomes = allocate(stands=[s.number for s in market.stands], taken=taken,
                        candidates=[_candidate(a, coops[a.cooperative_id]) for a in apps], rules=market.rules,
                        applications_closed=now >= market.application_closes_at)
    return coops, outcomes


async def _allocate_in(ctx: Marketplace, session: AsyncClientSession, market: Market, apps: list[Application],
                       now: datetime, *, promotion: bool, progress: Progress | None = None,
                       ) -> tuple[list[Application], list[Application]]:
    """Apply the rules to ``apps``; a promotion only fills stands and leaves the waitlist as it is."""
    coops, outcomes = await _decide(ctx, session, market, apps, now)
    by_id = {a.id: a for a in apps}
    accepted, waitlisted = [], []
    for done, outcome in enumerate(outcomes, start=1):
        app = by_id[outcome.application_id]
        code = "alloc_promoted" if promotion and outcome.stand_number is not None else outcome.code
        decision = {"code": code, "params": outcome.params, "manual": False}
        if outcome.stand_number is not None:
            accepted.append(await _assign(ctx, session, market, app, coops[app.cooperative_id],
                                          outcome.stand_number, decision, now))
        elif not promotion:
            waitlisted.append(await _waitlist(ctx, session, app, decision, now))
        if progress is not None:
            await progress(done, len(outcomes))
    return accepted, waitlisted


async def _on_stands(ctx: Marketplace, market_id: str, work: Work[T]) -> T:
    """A change of the market's stands, queued on the market; a stand taken meanwhile by another
    process makes the decision again."""
    for _ in range(ASSIGN_ATTEMPTS - 1):
        try:
            return await ctx.platform.transaction(work, queue_on=market_id)
        except DuplicateKeyError:
            continue
    return await ctx.platform.transaction(work, queue_on=market_id)


async def allocate_market(*, ctx: Marketplace, market_id: str, lang: str = "fr", now: datetime | None = None,
                          act: Act | None = None, run_id: str | None = None,
                          progress: Progress | None = None) -> AllocationResult:
    """Run the market's rules over every submitted and waitlisted application.

    ``run_id`` (a background job's id) is recorded with the decisions: a run of that job taken again
    after a crash answers the decisions the first one made instead of deciding again."""
    market = await market_of(ctx, market_id)
    now = now or utcnow()

    async def work(session: AsyncClientSession) -> tuple[list[Application], list[Application]]:
        if run_id is not None and (made := await job_outcome(ctx.platform, run_id, session)) is not None:
            return await _decided(ctx, session, made, progress)
        apps = await ctx.store.applications_in(market_id, OPEN, session)
        await ctx.store.record_act(act, action="market.allocate", object_type="market", object_id=market_id,
                                   session=session, at=now)
        accepted, waitlisted = await _allocate_in(ctx, session, market, apps, now, promotion=False, progress=progress)
        if run_id is not None:
            await record_job_outcome(ctx.platform, run_id, {"accepted": [a.id for a in accepted],
                                                            "waitlisted": [a.id for a in waitlisted]}, session)
        return accepted, waitlisted

    accepted, waitlisted = await _on_stands(ctx, market_id, work)
    return AllocationResult(market_id=market_id, accepted=[application_public(a, lang) for a in accepted],
                            waitlisted=[application_public(a, lang) for a in waitlisted])


async def _decided(ctx: Marketplace, session: AsyncClientSession, made: dict[str, Any],
                   progress: Progress | None) -> tuple[list[Application], list[Application]]:
    """The applications an earlier run decided on, in its order, as they stand now."""
    ids = [*made["accepted"], *made["waitlisted"]]
    found = await ctx.store.applications_by_id(ids, session)
    if progress is not None:
        await progress(len(ids), len(ids))
    return [found[i] for i in made["accepted"] if i in found], [found[i] for i in made["waitlisted"] if i in found]


async def _pending(ctx: Marketplace, session: AsyncClientSession, application_id: str,
                   statuses: tuple[str, ...] = OPEN) -> Application:
    found = await ctx.store.application(application_id, session)
    if found is None:
        raise NotFound("application_not_found")
    if found.status not in statuses:
        raise Conflict("application_not_pending", state=found.status)
    return found


async def accept_application(*, ctx: Marketplace, application_id: str, by: str, lang: str,
                             stand_number: int | None = None, note: str | None = None, now: datetime | None = None,
                             act: Act | None = None) -> ApplicationPublic:
    """Accept with the stand the rules give, or with the stand an organizer chose (override)."""
    app = await ctx.store.application(application_id)
    if app is None:
        raise NotFound("application_not_found")
    market = await market_of(ctx, app.market_id)
    if stand_number is not None and stand_number not in {s.number for s in market.stands}:
        raise DomainError("stand_unknown", status=422, stand=stand_number)
    now = now or utcnow()

    async def work(session: AsyncClientSession) -> Application:
        fresh = await _pending(ctx, session, application_id)
        await ctx.store.record_act(act, action="application.accept", object_type="application",
                                   object_id=application_id, session=session, at=now)
        if stand_number is None:
            return await _accept_by_rules(ctx, session, market, fresh, now)
        if await ctx.store.assignment(market.id, stand_number, session):
            raise Conflict("stand_taken", stand=stand_number)
        coop = await ctx.store.cooperative(fresh.cooperative_id, session)
        if coop is None:
            raise NotFound("cooperative_not_found")
        decision = {"code": "alloc_manual", "params": {"stand": stand_number, "by": by, "note": note or ""},
                    "manual": True}
        return await _assign(ctx, session, market, fresh, coop, stand_number, decision, now)

    try:
        accepted = await _on_stands(ctx, market.id, work)
    except DuplicateKeyError as exc:
        raise Conflict("stand_taken", stand=stand_number or 0) from exc
    return application_public(accepted, lang)


async def _accept_by_rules(ctx: Marketplace, session: AsyncClientSession, market: Market, app: Application,
                           now: datetime) -> Application:
    coops, outcomes = await _decide(ctx, session, market, [app], now)
    outcome = outcomes[0]
    if outcome.stand_number is None:
        raise Conflict("stand_rules_refused", rule=outcome.code)
    decision = {"code": outcome.code, "params": outcome.params, "manual": False}
    return await _assign(ctx, session, market, app, coops[app.cooperative_id], outcome.stand_number, decision, now)


async def reject_application(*, ctx: Marketplace, application_id: str, reason: LocalizedText, by: str, lang: str,
                             now: datetime | None = None, act: Act | None = None) -> ApplicationPublic:
    now = now or utcnow()

    async def work(session: AsyncClientSession) -> Application:
        app = await _pending(ctx, session, application_id)
        fields = {"status": "rejected", "rejection_reason": reason.model_dump(), "decided_at": now,
                  "decision": {"code": "rejected", "params": {"by": by}, "manual": True}}
        await ctx.store.update_application(application_id, fields, session)
        rejected = app.model_copy(update=fields)
        coop = await ctx.store.cooperative(app.cooperative_id, session)
        await publish_fact(ctx, session, rejected, coop, ApplicationRejected, now)
        await ctx.store.record_act(act, action="application.reject", object_type="application",
                                   object_id=application_id, session=session, at=now)
        return rejected

    return application_public(await ctx.platform.transaction(work), lang)


async def waitlist_application(*, ctx: Marketplace, application_id: str, by: str, lang: str,
                               now: datetime | None = None, act: Act | None = None) -> ApplicationPublic:
    now = now or utcnow()

    async def work(session: AsyncClientSession) -> Application:
        app = await _pending(ctx, session, application_id, ("submitted",))
        decision = {"code": "alloc_manual_waitlist", "params": {"by": by}, "manual": True}
        await ctx.store.record_act(act, action="application.waitlist", object_type="application",
                                   object_id=application_id, session=session, at=now)
        return await _waitlist(ctx, session, app, decision, now)

    return application_public(await ctx.platform.transaction(work), lang)


async def withdraw_application(*, ctx: Marketplace, principal: Principal, application_id: str, lang: str = "fr",
                               now: datetime | None = None, act: Act | None = None) -> WithdrawalResult:
    """Withdraw; a stand it held goes to the best-ranked waitlisted applicant the rules admit."""
    app = await get_application(ctx=ctx, principal=principal, application_id=application_id)
    market = await market_of(ctx, app.market_id)
    now = now or utcnow()

    async def work(session: AsyncClientSession) -> tuple[Application, list[Application]]:
        fresh = await _pending(ctx, session, application_id, (*OPEN, "accepted"))
        fields = {"status": "withdrawn", "decided_at": now}
        await ctx.store.update_application(application_id, fields, session)
        await ctx.store.record_act(act, action="application.withdraw", object_type="application",
                                   object_id=application_id, session=session, at=now)
        if fresh.status != "accepted" or fresh.stand_number is None:
            return fresh.model_copy(update=fields), []
        held = await ctx.store.assignment(market.id, fresh.stand_number, session)
        if held is not None:
            await ctx.store.release_assignment(held, {"released_at": now, "released_because": "withdrawn"}, session)
        waiting = await ctx.store.applications_in(market.id, ("waitlisted",), session)
        promoted, _ = await _allocate_in(ctx, session, market, waiting, now, promotion=True)
        return fresh.model_copy(update=fields), promoted

    withdrawn, promoted = await _on_stands(ctx, market.id, work)
    return WithdrawalResult(application=application_public(withdrawn, lang),
                            promoted=[application_public(p, lang) for p in promoted])


async def stand_map(*, ctx: Marketplace, market_id: str, lang: str) -> list[StandPublic]:
    market = await market_of(ctx, market_id)
    held = {a.stand_number: a for a in await ctx.store.active_assignments(market_id)}
    out = []
    for stand in market.stands:
        holder = held.get(stand.number)
        out.append(StandPublic(**stand.model_dump(), cooperative_id=holder.cooperative_id if holder else None,
                               application_id=holder.application_id if holder else None,
                               decision=render_decision(holder.decision if holder else None, lang)))
    return out
