"""Use cases for applications and stands: apply, allocate, accept, reject, waitlist, withdraw.

Every change to a market's stands runs under that market's lock and in one
transaction, with its messages in the outbox.
"""

from datetime import datetime
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from marketplace.allocation import Candidate, Holder, Outcome, allocate
from marketplace.domain import (
    AllocationResult,
    ApplicationCreate,
    ApplicationPublic,
    Decision,
    MarketPublic,
    StandPublic,
    WithdrawalResult,
    market_day,
    now_utc,
)
from marketplace.events import (
    ApplicationAccepted,
    ApplicationFact,
    ApplicationRejected,
    ApplicationSubmitted,
    StandAssigned,
)
from marketplace.service import get_market, new_id, own_cooperative
from marketplace.store import Store, clean
from shared import audit
from shared.audit import Act
from shared.auth import Principal
from shared.errors import Conflict, DomainError, NotFound
from shared.i18n import LocalizedText, translate
from shared.pagination import PageRequest
from shared.regions import region_name

OPEN = ("submitted", "waitlisted")
# A concurrent accept in another process may take the stand this one picked: the
# insert then fails on the stand's key, and the whole decision is made again.
ASSIGN_ATTEMPTS = 5


def render_decision(decision: dict[str, Any] | None, lang: str) -> Decision | None:
    if not decision:
        return None
    params = {k: ("" if v is None else v) for k, v in decision.get("params", {}).items()}
    if "region" in params:
        params["region"] = region_name(str(params["region"]), lang)
    return Decision(code=decision["code"], params=decision.get("params", {}), manual=decision.get("manual", False),
                    explanation=translate(decision["code"], lang, **params).strip())


def application_public(doc: dict[str, Any], lang: str) -> ApplicationPublic:
    data = clean(doc) or {}
    data["decision"] = render_decision(doc.get("decision"), lang)
    return ApplicationPublic.model_validate(data)


async def _message(store: Store, session: AsyncClientSession, app: dict[str, Any], coop: dict[str, Any],
                   fact: type[ApplicationFact], at: datetime) -> None:
    data = fact(
        application_id=app["_id"], submission_id=app["submission_id"], market_id=app["market_id"],
        cooperative_id=app["cooperative_id"], status=app["status"], region=coop["region"], sector=coop["sector"],
        women_led=coop["women_led"], youth_led=coop["youth_led"], stand_number=app.get("stand_number"), at=at,
    )
    await store.publish(session, data, subject=app["_id"])


# ---- applying -----------------------------------------------------------------------

async def submit_application(*, store: Store, principal: Principal, data: ApplicationCreate,
                             now: datetime | None = None, ids: list[str] | None = None) -> list[ApplicationPublic]:
    """One application to one or several markets (of a circuit): one record per market."""
    cooperative_id = own_cooperative(principal, data.cooperative_id, markets=data.market_ids)
    now = now or now_utc()
    coop = await store.get("cooperatives", cooperative_id)
    if coop is None:
        raise NotFound("cooperative_not_found")
    for market_id in data.market_ids:
        market = await get_market(store=store, market_id=market_id)
        # Applying closes at the window's end or after the market's last day, whichever comes first.
        if not market.application_opens_at <= now < market.application_closes_at \
                or market_day(now) > max(market.days):
            raise Conflict("applications_closed", market_id=market_id)
    existing = await store.find("applications", {"cooperative_id": cooperative_id,
                                                 "market_id": {"$in": data.market_ids}}, limit=1)
    if existing:
        raise Conflict("already_applied", market_id=existing[0]["market_id"])
    submission_id = new_id("sub")
    docs = [{"_id": (ids[i] if ids else new_id("app")), "submission_id": submission_id, "market_id": market_id,
             "cooperative_id": cooperative_id, "status": "submitted", "note": data.note, "submitted_at": now,
             "decided_at": None, "stand_number": None, "pass_id": None, "decision": None, "rejection_reason": None}
            for i, market_id in enumerate(data.market_ids)]

    async def work(session: AsyncClientSession) -> None:
        for doc in docs:
            await store.insert("applications", doc, session)
            await _message(store, session, doc, coop, ApplicationSubmitted, now)

    try:
        await store.transaction(work)
    except DuplicateKeyError as exc:
        raise Conflict("already_applied", market_id=data.market_ids[0]) from exc
    return [application_public(d, "fr") for d in docs]


async def get_application(*, store: Store, principal: Principal, application_id: str) -> dict[str, Any]:
    """The application, if the caller may see it: another cooperative's is "not found"."""
    doc = await store.get("applications", application_id)
    if doc is None or not (principal.holds(f"organizer:market:{doc['market_id']}")
                           or principal.holds(f"exhibitor:cooperative:{doc['cooperative_id']}")):
        raise NotFound("application_not_found")
    return doc


async def list_applications(*, store: Store, principal: Principal, market_id: str | None = None,
                            status: str | None = None, cooperative_id: str | None = None,
                            page: PageRequest | None = None) -> tuple[list[dict[str, Any]], int]:
    """One page of the applications (all without ``page``) and how many there are in all."""
    markets = principal.objects("organizer", "market")
    if not principal.is_admin and not markets:
        cooperative_id = own_cooperative(principal, cooperative_id)
    query: dict[str, Any] = {k: v for k, v in {"market_id": market_id, "status": status,
                                               "cooperative_id": cooperative_id}.items() if v}
    if not principal.is_admin and markets:
        # An organizer sees the applications to its own markets, and those of a cooperative it also exhibits for.
        query["$or"] = [{"market_id": {"$in": markets}}, {"cooperative_id": {"$in": principal.cooperatives}}]
    docs = await store.find("applications", query, sort=[("submitted_at", 1), ("_id", 1)],
                            skip=page.skip if page else 0, limit=page.page_size if page else 0)
    return docs, (await store.count("applications", query) if page else len(docs))


# ---- allocating ---------------------------------------------------------------------

def _candidate(app: dict[str, Any], coop: dict[str, Any]) -> Candidate:
    last = coop.get("last_exhibited_on")
    return Candidate(
        application_id=app["_id"], cooperative_id=coop["_id"], region=coop["region"], sector=coop["sector"],
        women_led=coop["women_led"], youth_led=coop["youth_led"],
        last_exhibited_on=datetime.fromisoformat(last).date() if last else None, submitted_at=app["submitted_at"],
    )


async def _assign(store: Store, session: AsyncClientSession, market: MarketPublic, app: dict[str, Any],
                  coop: dict[str, Any], stand: int, decision: dict[str, Any], now: datetime) -> dict[str, Any]:
    zone = next(s.zone for s in market.stands if s.number == stand)
    pass_id = new_id("pass")
    await store.insert("stand_assignments", {
        "_id": f"{market.id}:{stand}", "market_id": market.id, "stand_number": stand, "zone": zone,
        "application_id": app["_id"], "cooperative_id": coop["_id"], "pass_id": pass_id, "region": coop["region"],
        "sector": coop["sector"], "reserved_eligible": coop["women_led"] or coop["youth_led"],
        "decision": decision, "assigned_at": now,
    }, session)
    fields = {"status": "accepted", "stand_number": stand, "pass_id": pass_id, "decision": decision,
              "decided_at": now}
    if not await store.set_fields("applications", {"_id": app["_id"], "status": {"$in": list(OPEN)}}, fields,
                                  session):
        raise Conflict("application_not_pending", state=app["status"])
    accepted = {**app, **fields}
    await _message(store, session, accepted, coop, ApplicationAccepted, now)
    await store.publish(session, subject=f"{market.id}:{stand}",
                        message=StandAssigned(market_id=market.id, stand_number=stand, zone=zone,
                                           cooperative_id=coop["_id"], application_id=app["_id"], pass_id=pass_id,
                                           reason_code=decision["code"], manual=decision["manual"], at=now))
    return accepted


async def _waitlist(store: Store, session: AsyncClientSession, app: dict[str, Any], decision: dict[str, Any],
                    now: datetime) -> dict[str, Any]:
    fields = {"status": "waitlisted", "decision": decision, "decided_at": now}
    await store.set_fields("applications", {"_id": app["_id"]}, fields, session)
    return {**app, **fields}


async def _decide(store: Store, session: AsyncClientSession, market: MarketPublic, apps: list[dict[str, Any]],
                  now: datetime) -> tuple[dict[str, dict[str, Any]], list[Outcome]]:
    coops = await store.cooperatives_by_id([a["cooperative_id"] for a in apps], session)
    assignments = await store.active_assignments(market.id, session)
    taken = {a["stand_number"]: Holder(a["region"], a["sector"], a["reserved_eligible"]) for a in assignments}
    outcomes = allocate(stands=[s.number for s in market.stands], taken=taken,
                        candidates=[_candidate(a, coops[a["cooperative_id"]]) for a in apps], rules=market.rules,
                        applications_closed=now >= market.application_closes_at)
    return coops, outcomes


async def _allocate_in(store: Store, session: AsyncClientSession, market: MarketPublic, apps: list[dict[str, Any]],
                       now: datetime, *, promotion: bool) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Apply the rules to ``apps``; a promotion only fills stands and leaves the waitlist as it is."""
    coops, outcomes = await _decide(store, session, market, apps, now)
    by_id = {a["_id"]: a for a in apps}
    accepted, waitlisted = [], []
    for outcome in outcomes:
        app = by_id[outcome.application_id]
        code = "alloc_promoted" if promotion and outcome.stand_number is not None else outcome.code
        decision = {"code": code, "params": outcome.params, "manual": False}
        if outcome.stand_number is not None:
            accepted.append(await _assign(store, session, market, app, coops[app["cooperative_id"]],
                                          outcome.stand_number, decision, now))
        elif not promotion:
            waitlisted.append(await _waitlist(store, session, app, decision, now))
    return accepted, waitlisted


async def _with_stand_retries(store: Store, market_id: str, work: Any) -> Any:
    async with store.market_lock(market_id):
        for _ in range(ASSIGN_ATTEMPTS - 1):
            try:
                return await store.transaction(work)
            except DuplicateKeyError:
                continue
        return await store.transaction(work)


async def allocate_market(*, store: Store, market_id: str, lang: str = "fr", now: datetime | None = None,
                          act: Act | None = None) -> AllocationResult:
    """Run the market's rules over every submitted and waitlisted application."""
    market = await get_market(store=store, market_id=market_id)
    now = now or now_utc()

    async def work(session: AsyncClientSession) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        apps = await store.find("applications", {"market_id": market_id, "status": {"$in": list(OPEN)}},
                                session=session)
        await audit.record(store.db, act, action="market.allocate", object_type="market", object_id=market_id,
                           session=session, at=now)
        return await _allocate_in(store, session, market, apps, now, promotion=False)

    accepted, waitlisted = await _with_stand_retries(store, market_id, work)
    return AllocationResult(market_id=market_id, accepted=[application_public(a, lang) for a in accepted],
                            waitlisted=[application_public(a, lang) for a in waitlisted])


async def accept_application(*, store: Store, application_id: str, by: str, stand_number: int | None = None,
                             note: str | None = None, now: datetime | None = None,
                             act: Act | None = None) -> dict[str, Any]:
    """Accept with the stand the rules give, or with the stand an organizer chose (override)."""
    app = await store.get("applications", application_id)
    if app is None:
        raise NotFound("application_not_found")
    market = await get_market(store=store, market_id=app["market_id"])
    if stand_number is not None and stand_number not in {s.number for s in market.stands}:
        raise DomainError("stand_unknown", status=422, stand=stand_number)
    now = now or now_utc()

    async def work(session: AsyncClientSession) -> dict[str, Any]:
        fresh = await store.get("applications", application_id, session)
        assert fresh is not None
        if fresh["status"] not in OPEN:
            raise Conflict("application_not_pending", state=fresh["status"])
        await audit.record(store.db, act, action="application.accept", object_type="application",
                           object_id=application_id, session=session, at=now)
        if stand_number is None:
            return await _accept_by_rules(store, session, market, fresh, now)
        if await store.get("stand_assignments", f"{market.id}:{stand_number}", session):
            raise Conflict("stand_taken", stand=stand_number)
        coop = await store.get("cooperatives", fresh["cooperative_id"], session)
        decision = {"code": "alloc_manual", "params": {"stand": stand_number, "by": by, "note": note or ""},
                    "manual": True}
        return await _assign(store, session, market, fresh, coop or {}, stand_number, decision, now)

    try:
        result: dict[str, Any] = await _with_stand_retries(store, market.id, work)
    except DuplicateKeyError as exc:
        raise Conflict("stand_taken", stand=stand_number or 0) from exc
    return result


async def _accept_by_rules(store: Store, session: AsyncClientSession, market: MarketPublic, app: dict[str, Any],
                           now: datetime) -> dict[str, Any]:
    coops, outcomes = await _decide(store, session, market, [app], now)
    outcome = outcomes[0]
    if outcome.stand_number is None:
        raise Conflict("stand_rules_refused", rule=outcome.code)
    decision = {"code": outcome.code, "params": outcome.params, "manual": False}
    return await _assign(store, session, market, app, coops[app["cooperative_id"]], outcome.stand_number,
                         decision, now)


async def reject_application(*, store: Store, application_id: str, reason: LocalizedText, by: str,
                             now: datetime | None = None, act: Act | None = None) -> dict[str, Any]:
    now = now or now_utc()

    async def work(session: AsyncClientSession) -> dict[str, Any]:
        app = await store.get("applications", application_id, session)
        if app is None:
            raise NotFound("application_not_found")
        if app["status"] not in OPEN:
            raise Conflict("application_not_pending", state=app["status"])
        fields = {"status": "rejected", "rejection_reason": reason.model_dump(), "decided_at": now,
                  "decision": {"code": "rejected", "params": {"by": by}, "manual": True}}
        await store.set_fields("applications", {"_id": application_id}, fields, session)
        rejected = {**app, **fields}
        coop = await store.get("cooperatives", app["cooperative_id"], session)
        await _message(store, session, rejected, coop or {}, ApplicationRejected, now)
        await audit.record(store.db, act, action="application.reject", object_type="application",
                           object_id=application_id, session=session, at=now)
        return rejected

    return await store.transaction(work)


async def waitlist_application(*, store: Store, application_id: str, by: str,
                               now: datetime | None = None, act: Act | None = None) -> dict[str, Any]:
    now = now or now_utc()

    async def work(session: AsyncClientSession) -> dict[str, Any]:
        app = await store.get("applications", application_id, session)
        if app is None:
            raise NotFound("application_not_found")
        if app["status"] != "submitted":
            raise Conflict("application_not_pending", state=app["status"])
        decision = {"code": "alloc_manual_waitlist", "params": {"by": by}, "manual": True}
        await audit.record(store.db, act, action="application.waitlist", object_type="application",
                           object_id=application_id, session=session, at=now)
        return await _waitlist(store, session, app, decision, now)

    return await store.transaction(work)


async def withdraw_application(*, store: Store, principal: Principal, application_id: str, lang: str = "fr",
                               now: datetime | None = None, act: Act | None = None) -> WithdrawalResult:
    """Withdraw; a stand it held goes to the best-ranked waitlisted applicant the rules admit."""
    app = await get_application(store=store, principal=principal, application_id=application_id)
    market = await get_market(store=store, market_id=app["market_id"])
    now = now or now_utc()

    async def work(session: AsyncClientSession) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        fresh = await store.get("applications", application_id, session)
        assert fresh is not None
        if fresh["status"] not in (*OPEN, "accepted"):
            raise Conflict("application_not_pending", state=fresh["status"])
        fields = {"status": "withdrawn", "decided_at": now}
        await store.set_fields("applications", {"_id": application_id}, fields, session)
        await audit.record(store.db, act, action="application.withdraw", object_type="application",
                           object_id=application_id, session=session, at=now)
        if fresh["status"] != "accepted":
            return {**fresh, **fields}, []
        held = await store.get("stand_assignments", f"{market.id}:{fresh['stand_number']}", session)
        if held is not None:
            await store.release_assignment(held, {"released_at": now, "released_because": "withdrawn"}, session)
        waiting = await store.find("applications", {"market_id": market.id, "status": "waitlisted"},
                                   session=session)
        promoted, _ = await _allocate_in(store, session, market, waiting, now, promotion=True)
        return {**fresh, **fields}, promoted

    withdrawn, promoted = await _with_stand_retries(store, market.id, work)
    return WithdrawalResult(application=application_public(withdrawn, lang),
                            promoted=[application_public(p, lang) for p in promoted])


async def stand_map(*, store: Store, market_id: str, lang: str) -> list[StandPublic]:
    market = await get_market(store=store, market_id=market_id)
    held = {a["stand_number"]: a for a in await store.active_assignments(market_id)}
    return [
        StandPublic(**stand.model_dump(), cooperative_id=held.get(stand.number, {}).get("cooperative_id"),
                    application_id=held.get(stand.number, {}).get("application_id"),
                    decision=render_decision(held.get(stand.number, {}).get("decision"), lang))
        for stand in market.stands
    ]


async def application_owner(*, store: Store, application_id: str) -> tuple[str, str] | None:
    """The market and the cooperative of an application (None for an unknown one)."""
    doc = await store.get("applications", application_id)
    return (str(doc["market_id"]), str(doc["cooperative_id"])) if doc else None
