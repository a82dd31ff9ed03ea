"""Use cases for cooperatives, invitations and markets (stands, check-in and sales
have their own modules)."""

import hashlib
import secrets
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from marketplace import mails
from marketplace.context import Marketplace
from marketplace.domain import (
    ORGANIZER_ONLY_FIELDS,
    CooperativeCreate,
    CooperativePublic,
    CooperativeUpdate,
    ExhibitorToken,
    InvitationCreate,
    InvitationPublic,
    InvitationState,
    MarketCreate,
    MarketPublic,
    ProductCreate,
    ProductPublic,
)
from marketplace.events import MarketCreated
from marketplace.records import Cooperative, Invitation, Market
from shared.audit import Act
from shared.auth import Principal, load_private_key, mint_token
from shared.documents import utcnow
from shared.errors import Conflict, DomainError, Forbidden, NotFound
from shared.i18n import DEFAULT_LANGUAGE
from shared.pagination import PageRequest


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


def own_cooperative(principal: Principal, cooperative_id: str | None, *, markets: Sequence[str] = ()) -> str:
    """The cooperative a caller acts for. An exhibitor is bound to its own; an organizer names one, and acts
    for it at the ``markets`` concerned only if it organizes each of them (with none, any market organizer
    keeps the cooperatives registry)."""
    if cooperative_id and principal.holds(f"exhibitor:cooperative:{cooperative_id}"):
        return cooperative_id
    organizer = (all(principal.holds(f"organizer:market:{m}") for m in markets) if markets
                 else principal.holds("organizer:market:*"))
    if organizer:
        if not cooperative_id:
            raise DomainError("cooperative_id_required", status=422)
        return cooperative_id
    own = principal.cooperatives
    if not own:
        raise Forbidden("exhibitor_without_cooperative")
    if cooperative_id:
        raise Forbidden("not_your_cooperative")
    if len(own) > 1:
        raise DomainError("cooperative_id_required", status=422)
    return own[0]


# ---- cooperatives -------------------------------------------------------------------

def _product_doc(product: ProductCreate, product_id: str | None = None) -> dict[str, Any]:
    return {"product_id": product_id or new_id("prd"), **product.model_dump(mode="json")}


def cooperative_public(cooperative: Cooperative) -> CooperativePublic:
    return CooperativePublic.model_validate(cooperative.model_dump())


def new_cooperative(data: CooperativeCreate, *, cooperative_id: str | None = None,
                    products_ids: Sequence[str | None] | None = None, imported_from: str | None = None) -> Cooperative:
    ids = products_ids or [None] * len(data.products)
    return Cooperative.model_validate({
        "_id": cooperative_id or new_id("coop"),
        **data.model_dump(mode="json", exclude={"products"}),
        "products": [_product_doc(p, pid) for p, pid in zip(data.products, ids, strict=True)],
        "created_at": utcnow(), "imported_from": imported_from,
    })


async def create_cooperative(*, ctx: Marketplace, data: CooperativeCreate, cooperative_id: str | None = None,
                             products_ids: list[str] | None = None, act: Act | None = None) -> CooperativePublic:
    cooperative = new_cooperative(data, cooperative_id=cooperative_id, products_ids=products_ids)
    try:
        await ctx.store.insert_cooperative(cooperative)
    except DuplicateKeyError as exc:
        raise Conflict("register_number_taken", register_number=data.register_number) from exc
    await ctx.store.record_act(act, action="cooperative.create", object_type="cooperative", object_id=cooperative.id)
    return cooperative_public(cooperative)


async def _cooperative(ctx: Marketplace, cooperative_id: str) -> Cooperative:
    found = await ctx.store.cooperative(cooperative_id)
    if found is None:
        raise NotFound("cooperative_not_found")
    return found


async def get_cooperative(*, ctx: Marketplace, principal: Principal, cooperative_id: str) -> CooperativePublic:
    own_cooperative(principal, cooperative_id)
    return cooperative_public(await _cooperative(ctx, cooperative_id))


async def list_cooperatives(*, ctx: Marketplace, page: PageRequest, region: str | None = None,
                            sector: str | None = None, text: str | None = None) -> tuple[list[CooperativePublic], int]:
    """One page of the cooperatives by register number, and how many match in all; ``text`` finds
    a name in any of its languages (whatever its accents) or the start of a register number."""
    found = await ctx.store.cooperatives_page(region=region, sector=sector, text=text, skip=page.skip,
                                              limit=page.page_size)
    total = await ctx.store.count_cooperatives(region=region, sector=sector, text=text)
    return [cooperative_public(c) for c in found], total


async def update_cooperative(*, ctx: Marketplace, principal: Principal, cooperative_id: str,
                             data: CooperativeUpdate, act: Act | None = None) -> CooperativePublic:
    own_cooperative(principal, cooperative_id)
    changes = data.model_dump(mode="json", exclude_unset=True)
    if not principal.holds("organizer:market:*"):
        for field in ORGANIZER_ONLY_FIELDS:
            if field in changes:
                raise Forbidden("field_reserved_to_organizers", field=field)
    try:
        found = await ctx.store.update_cooperative(cooperative_id, changes) if changes else True
    except DuplicateKeyError as exc:
        raise Conflict("register_number_taken", register_number=changes.get("register_number")) from exc
    if not found:
        raise NotFound("cooperative_not_found")
    await ctx.store.record_act(act, action="cooperative.update", object_type="cooperative", object_id=cooperative_id)
    return await get_cooperative(ctx=ctx, principal=principal, cooperative_id=cooperative_id)


async def add_product(*, ctx: Marketplace, principal: Principal, cooperative_id: str,
                      data: ProductCreate) -> ProductPublic:
    own_cooperative(principal, cooperative_id)
    doc = _product_doc(data)
    if not await ctx.store.push_product(cooperative_id, doc):
        raise NotFound("cooperative_not_found")
    return ProductPublic.model_validate(doc)


async def remove_product(*, ctx: Marketplace, principal: Principal, cooperative_id: str, product_id: str) -> None:
    own_cooperative(principal, cooperative_id)
    if not await ctx.store.pull_product(cooperative_id, product_id):
        raise NotFound("product_not_found")


# ---- invitations --------------------------------------------------------------------

def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _invitations_on(ctx: Marketplace) -> None:
    if not ctx.settings.jwt_private_key_file:
        raise DomainError("invitations_unavailable", status=503)


async def invite_cooperative(*, ctx: Marketplace, cooperative_id: str, by: str, data: InvitationCreate,
                             act: Act | None = None) -> InvitationPublic:
    """A one-time link, mailed to the cooperative's contact address when it has one; only the
    link's hash is stored, so a database leak reveals no usable link."""
    _invitations_on(ctx)
    cooperative = await _cooperative(ctx, cooperative_id)
    token = secrets.token_urlsafe(32)
    expires_at = utcnow() + timedelta(hours=data.ttl_hours or ctx.settings.invitation_ttl_hours)
    invitation = InvitationPublic(
        invitation_id=new_id("inv"), cooperative_id=cooperative_id, token=token, expires_at=expires_at,
        # A page a browser opens (GET); accepting is the form on it, never the opening itself.
        accept_url=f"{ctx.settings.base_url}/invitations/{token}",
    )
    await ctx.store.insert_invitation(Invitation(
        id=_hash(token), invitation_id=invitation.invitation_id, cooperative_id=cooperative_id, created_by=by,
        created_at=utcnow(), expires_at=expires_at, used_at=None))
    invitation.mailed = await _mail_invitation(ctx=ctx, cooperative=cooperative, invitation=invitation,
                                               lang=data.language or DEFAULT_LANGUAGE)
    await ctx.store.record_act(act, action="cooperative.invite", object_type="cooperative", object_id=cooperative_id)
    return invitation


async def _mail_invitation(*, ctx: Marketplace, cooperative: Cooperative, invitation: InvitationPublic,
                           lang: str) -> bool:
    to = cooperative.contact.email if cooperative.contact else None
    if not to:
        return False
    message = mails.invitation_mail(ctx.settings, to=to, lang=lang, cooperative=cooperative.name,
                                    accept_url=invitation.accept_url, expires_at=invitation.expires_at)
    try:
        await mails.send(ctx.settings, message)
    except DomainError:
        # A link nobody received must not stay usable: the organizer simply invites again.
        await ctx.store.drop_invitation(_hash(invitation.token))
        raise
    return True


async def cooperative_invitations(*, ctx: Marketplace, cooperative_id: str) -> list[InvitationState]:
    """The invitations sent to a cooperative, newest first, each pending, used or expired."""
    await _cooperative(ctx, cooperative_id)
    now = utcnow()
    return [InvitationState(invitation_id=i.invitation_id, created_at=i.created_at, expires_at=i.expires_at,
                            used_at=i.used_at,
                            state="used" if i.used_at else "expired" if i.expires_at <= now else "pending")
            for i in await ctx.store.invitations_of(cooperative_id)]


def _refusal(known: Invitation | None, now: datetime) -> DomainError | None:
    if known is None:
        return NotFound("invitation_invalid")
    if known.used_at:
        return Conflict("invitation_used")
    if known.expires_at <= now:
        return DomainError("invitation_expired", status=410)
    return None


async def look_up_invitation(*, ctx: Marketplace, token: str) -> CooperativePublic:
    """The cooperative an invitation is for, if it can still be accepted; nothing is used up."""
    _invitations_on(ctx)
    known = await ctx.store.invitation(_hash(token))
    refusal = _refusal(known, utcnow())
    if refusal is not None:
        raise refusal
    assert known is not None
    cooperative = await ctx.store.cooperative(known.cooperative_id)
    if cooperative is None:
        raise NotFound("invitation_invalid")
    return cooperative_public(cooperative)


async def accept_invitation(*, ctx: Marketplace, token: str, now: datetime | None = None) -> ExhibitorToken:
    _invitations_on(ctx)
    settings = ctx.settings
    now = now or utcnow()
    invitation = await ctx.store.use_invitation(_hash(token), now)
    if invitation is None:
        refusal = _refusal(await ctx.store.invitation(_hash(token)), now)
        raise refusal or Conflict("invitation_used")
    ttl = int(settings.exhibitor_token_ttl_hours * 3600)
    cooperative_id = invitation.cooperative_id
    access = mint_token(
        load_private_key(settings.jwt_private_key_file), sub=f"cooperative:{cooperative_id}",
        scopes=[f"exhibitor:cooperative:{cooperative_id}"], roles=["exhibitor"], issuer=settings.jwt_issuer,
        audience=settings.jwt_audience, ttl_seconds=ttl, cooperative_id=cooperative_id,
    )
    return ExhibitorToken(access_token=access, cooperative_id=cooperative_id, expires_in=ttl)


# ---- markets ------------------------------------------------------------------------

def market_public(market: Market) -> MarketPublic:
    return MarketPublic.model_validate(market.model_dump())


async def create_market(*, ctx: Marketplace, data: MarketCreate, market_id: str | None = None,
                        act: Act | None = None) -> MarketPublic:
    market_id = market_id or new_id("mkt")
    created_at = utcnow()

    async def work(session: AsyncClientSession) -> Market:
        market = Market.model_validate({
            "_id": market_id, **data.model_dump(), "stand_count": len(data.stands), "created_at": created_at})
        await ctx.store.insert_market(market, session)
        await ctx.publish(session, subject=market_id,
                          message=MarketCreated(market_id=market_id, **data.model_dump(exclude={"stands", "rules"}),
                                                stand_count=len(data.stands)))
        await ctx.store.record_act(act, action="market.create", object_type="market", object_id=market_id,
                                   session=session)
        return market

    return market_public(await ctx.platform.transaction(work))


async def market_of(ctx: Marketplace, market_id: str, session: AsyncClientSession | None = None) -> Market:
    found = await ctx.store.market(market_id, session)
    if found is None:
        raise NotFound("market_not_found")
    return found


async def get_market(*, ctx: Marketplace, market_id: str) -> MarketPublic:
    return market_public(await market_of(ctx, market_id))


async def list_markets(*, ctx: Marketplace, circuit: str | None = None, kind: str | None = None,
                       region: str | None = None) -> list[MarketPublic]:
    return [market_public(m) for m in await ctx.store.markets(circuit=circuit, kind=kind, region=region)]
