"""Use cases for applying to markets and reading applications; the decisions on them are in stands.py."""

from datetime import datetime
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from marketplace.context import Marketplace
from marketplace.domain import ApplicationCreate, ApplicationPublic, Decision, market_day
from marketplace.events import ApplicationFact, ApplicationSubmitted
from marketplace.records import Application, Cooperative
from marketplace.service import market_of, new_id, own_cooperative
from shared.auth import Principal
from shared.documents import utcnow
from shared.errors import Conflict, NotFound
from shared.i18n import translate
from shared.pagination import PageRequest
from shared.regions import region_name

OPEN = ("submitted", "waitlisted")


def render_decision(decision: dict[str, Any] | None, lang: str) -> Decision | None:
    if not decision:
        return None
    params = {k: ("" if v is None else v) for k, v in decision.get("params", {}).items()}
    if "region" in params:
        params["region"] = region_name(str(params["region"]), lang)
    return Decision(code=decision["code"], params=decision.get("params", {}), manual=decision.get("manual", False),
                    explanation=translate(decision["code"], lang, **params).strip())


def application_public(application: Application, lang: str) -> ApplicationPublic:
    data = application.model_dump()
    data["decision"] = render_decision(application.decision, lang)
    return ApplicationPublic.model_validate(data)


async def publish_fact(ctx: Marketplace, session: AsyncClientSession, app: Application, coop: Cooperative | None,
                       fact: type[ApplicationFact], at: datetime) -> None:
    """The application's new state, with the cooperative's allocation-relevant traits (no personal data)."""
    data = fact(
        application_id=app.id, submission_id=app.submission_id, market_id=app.market_id,
        cooperative_id=app.cooperative_id, status=app.status, region=coop.region if coop else "",
        sector=coop.sector if coop else "", women_led=coop.women_led if coop else False,
        youth_led=coop.youth_led if coop else False, stand_number=app.stand_number, at=at,
    )
    await ctx.publish(session, data, subject=app.id)


async def _check_open(ctx: Marketplace, market_ids: list[str], now: datetime) -> None:
    for market_id in market_ids:
        market = await market_of(ctx, market_id)
        # Applying closes at the window's end or after the market's last day, whichever comes first.
        if not market.application_opens_at <= now < market.application_closes_at \
                or market_day(now) > max(market.days):
            raise Conflict("applications_closed", market_id=market_id)


async def submit_application(*, ctx: Marketplace, principal: Principal, data: ApplicationCreate,
                             now: datetime | None = None, ids: list[str] | None = None) -> list[ApplicationPublic]:
    """One application to one or several markets (of a circuit): one record per market."""
    cooperative_id = own_cooperative(principal, data.cooperative_id, markets=data.market_ids)
    now = now or utcnow()
    coop = await ctx.store.cooperative(cooperative_id)
    if coop is None:
        raise NotFound("cooperative_not_found")
    await _check_open(ctx, data.market_ids, now)
    existing = await ctx.store.first_application_of(cooperative_id, data.market_ids)
    if existing is not None:
        raise Conflict("already_applied", market_id=existing.market_id)
    submission_id = new_id("sub")
    ids = ids or [new_id("app") for _ in data.market_ids]

    async def work(session: AsyncClientSession) -> list[Application]:
        made = [Application(id=ids[i], submission_id=submission_id, market_id=market_id,
                            cooperative_id=cooperative_id, status="submitted", note=data.note, submitted_at=now)
                for i, market_id in enumerate(data.market_ids)]
        for application in made:
            await ctx.store.insert_application(application, session)
            await publish_fact(ctx, session, application, coop, ApplicationSubmitted, now)
        return made

    try:
        made = await ctx.platform.transaction(work)
    except DuplicateKeyError as exc:
        raise Conflict("already_applied", market_id=data.market_ids[0]) from exc
    return [application_public(a, "fr") for a in made]


async def get_application(*, ctx: Marketplace, principal: Principal, application_id: str) -> Application:
    """The application, if the caller may see it: another cooperative's is "not found"."""
    found = await ctx.store.application(application_id)
    if found is None or not (principal.holds(f"organizer:market:{found.market_id}")
                             or principal.holds(f"exhibitor:cooperative:{found.cooperative_id}")):
        raise NotFound("application_not_found")
    return found


async def read_application(*, ctx: Marketplace, principal: Principal, application_id: str,
                           lang: str) -> ApplicationPublic:
    found = await get_application(ctx=ctx, principal=principal, application_id=application_id)
    return application_public(found, lang)


async def list_applications(*, ctx: Marketplace, principal: Principal, lang: str, market_id: str | None = None,
                            status: str | None = None, cooperative_id: str | None = None,
                            page: PageRequest | None = None) -> tuple[list[ApplicationPublic], int]:
    """One page of the applications (all without ``page``) and how many there are in all."""
    markets = principal.objects("organizer", "market")
    if not principal.is_admin and not markets:
        cooperative_id = own_cooperative(principal, cooperative_id)
    # An organizer sees the applications to its own markets, and those of a cooperative it also exhibits for.
    visible_to = None if principal.is_admin or not markets else (list(markets), list(principal.cooperatives))
    found, total = await ctx.store.applications_matching(
        market_id=market_id, status=status, cooperative_id=cooperative_id, visible_to=visible_to,
        skip=page.skip if page else 0, limit=page.page_size if page else 0)
    return [application_public(a, lang) for a in found], len(found) if total is None else total


async def application_owner(*, ctx: Marketplace, application_id: str) -> tuple[str, str] | None:
    """The market and the cooperative of an application (None for an unknown one)."""
    found = await ctx.store.application(application_id)
    return (found.market_id, found.cooperative_id) if found else None
