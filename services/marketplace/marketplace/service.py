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
from marketplace.domain import (
    ORGANIZER_ONLY_FIELDS,
    CooperativeCreate,
    CooperativePublic,
    CooperativeUpdate,
    ExhibitorToken,
    InvitationCreate,
    InvitationPublic,
    MarketCreate,
    MarketPublic,
    ProductCreate,
    ProductPublic,
    now_utc,
)
from marketplace.events import MarketCreated
from marketplace.store import Store, clean
from shared import audit
from shared.audit import Act
from shared.auth import Principal, load_private_key, mint_token
from shared.errors import Conflict, DomainError, Forbidden, NotFound
from shared.i18n import DEFAULT_LANGUAGE, StoredText
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


async def create_cooperative(*, store: Store, data: CooperativeCreate, cooperative_id: str | None = None,
                             products_ids: list[str] | None = None, act: Act | None = None) -> CooperativePublic:
    ids = products_ids or [None] * len(data.products)  # type: ignore[list-item]
    doc: dict[str, Any] = {
        "_id": cooperative_id or new_id("coop"),
        **data.model_dump(mode="json", exclude={"products"}),
        "products": [_product_doc(p, pid) for p, pid in zip(data.products, ids, strict=True)],
        "created_at": now_utc(),
    }
    try:
        await store.insert("cooperatives", doc)
    except DuplicateKeyError as exc:
        raise Conflict("register_number_taken", register_number=data.register_number) from exc
    await audit.record(store.db, act, action="cooperative.create", object_type="cooperative", object_id=doc["_id"])
    return CooperativePublic.model_validate(clean(doc))


async def get_cooperative(*, store: Store, principal: Principal, cooperative_id: str) -> CooperativePublic:
    own_cooperative(principal, cooperative_id)
    doc = await store.get("cooperatives", cooperative_id)
    if doc is None:
        raise NotFound("cooperative_not_found")
    return CooperativePublic.model_validate(clean(doc))


async def list_cooperatives(*, store: Store, page: PageRequest, region: str | None = None,
                            sector: str | None = None) -> tuple[list[CooperativePublic], int]:
    """One page of the cooperatives by register number, and how many match in all."""
    query = {k: v for k, v in {"region": region, "sector": sector}.items() if v}
    docs = await store.find("cooperatives", query, sort=[("register_number", 1)], skip=page.skip,
                            limit=page.page_size)
    return [CooperativePublic.model_validate(clean(d)) for d in docs], await store.count("cooperatives", query)


async def update_cooperative(*, store: Store, principal: Principal, cooperative_id: str,
                             data: CooperativeUpdate, act: Act | None = None) -> CooperativePublic:
    own_cooperative(principal, cooperative_id)
    changes = data.model_dump(mode="json", exclude_unset=True)
    if not principal.holds("organizer:market:*"):
        for field in ORGANIZER_ONLY_FIELDS:
            if field in changes:
                raise Forbidden("field_reserved_to_organizers", field=field)
    try:
        found = await store.set_fields("cooperatives", {"_id": cooperative_id}, changes) if changes else True
    except DuplicateKeyError as exc:
        raise Conflict("register_number_taken", register_number=changes.get("register_number")) from exc
    if not found:
        raise NotFound("cooperative_not_found")
    await audit.record(store.db, act, action="cooperative.update", object_type="cooperative", object_id=cooperative_id)
    return await get_cooperative(store=store, principal=principal, cooperative_id=cooperative_id)


async def add_product(*, store: Store, principal: Principal, cooperative_id: str,
                      data: ProductCreate) -> ProductPublic:
    own_cooperative(principal, cooperative_id)
    doc = _product_doc(data)
    if not await store.push_product(cooperative_id, doc):
        raise NotFound("cooperative_not_found")
    return ProductPublic.model_validate(doc)


async def remove_product(*, store: Store, principal: Principal, cooperative_id: str, product_id: str) -> None:
    own_cooperative(principal, cooperative_id)
    if not await store.pull_product(cooperative_id, product_id):
        raise NotFound("product_not_found")


# ---- invitations --------------------------------------------------------------------

def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def invite_cooperative(*, store: Store, cooperative_id: str, by: str, data: InvitationCreate,
                             act: Act | None = None) -> InvitationPublic:
    """A one-time link, mailed to the cooperative's contact address when it has one; only the
    link's hash is stored, so a database leak reveals no usable link."""
    settings = store.settings
    if not settings.jwt_private_key_file:
        raise DomainError("invitations_unavailable", status=503)
    cooperative = await store.get("cooperatives", cooperative_id)
    if cooperative is None:
        raise NotFound("cooperative_not_found")
    token = secrets.token_urlsafe(32)
    expires_at = now_utc() + timedelta(hours=data.ttl_hours or settings.invitation_ttl_hours)
    invitation = InvitationPublic(
        invitation_id=new_id("inv"), cooperative_id=cooperative_id, token=token, expires_at=expires_at,
        # A page a browser opens (GET); accepting is the form on it, never the opening itself.
        accept_url=f"{settings.base_url}/invitations/{token}",
    )
    await store.insert("invitations", {
        "_id": _hash(token), "invitation_id": invitation.invitation_id, "cooperative_id": cooperative_id,
        "created_by": by, "created_at": now_utc(), "expires_at": expires_at, "used_at": None,
    })
    invitation.mailed = await _mail_invitation(store=store, cooperative=cooperative, invitation=invitation,
                                               lang=data.language or DEFAULT_LANGUAGE)
    await audit.record(store.db, act, action="cooperative.invite", object_type="cooperative", object_id=cooperative_id)
    return invitation


async def _mail_invitation(*, store: Store, cooperative: dict[str, Any], invitation: InvitationPublic,
                           lang: str) -> bool:
    to = (cooperative.get("contact") or {}).get("email")
    if not to:
        return False
    message = mails.invitation_mail(store.settings, to=to, lang=lang, cooperative=StoredText(**cooperative["name"]),
                                    accept_url=invitation.accept_url, expires_at=invitation.expires_at)
    try:
        await mails.send(store.settings, message)
    except DomainError:
        # A link nobody received must not stay usable: the organizer simply invites again.
        await store.drop_invitation(_hash(invitation.token))
        raise
    return True


def _refusal(known: dict[str, Any] | None, now: datetime) -> DomainError | None:
    if known is None:
        return NotFound("invitation_invalid")
    if known["used_at"]:
        return Conflict("invitation_used")
    if known["expires_at"] <= now:
        return DomainError("invitation_expired", status=410)
    return None


async def look_up_invitation(*, store: Store, token: str) -> CooperativePublic:
    """The cooperative an invitation is for, if it can still be accepted; nothing is used up."""
    if not store.settings.jwt_private_key_file:
        raise DomainError("invitations_unavailable", status=503)
    known = await store.get("invitations", _hash(token))
    refusal = _refusal(known, now_utc())
    if refusal is not None:
        raise refusal
    assert known is not None
    cooperative = await store.get("cooperatives", known["cooperative_id"])
    if cooperative is None:
        raise NotFound("invitation_invalid")
    return CooperativePublic.model_validate(clean(cooperative))


async def accept_invitation(*, store: Store, token: str, now: datetime | None = None) -> ExhibitorToken:
    settings = store.settings
    if not settings.jwt_private_key_file:
        raise DomainError("invitations_unavailable", status=503)
    now = now or now_utc()
    invitation = await store.use_invitation(_hash(token), now)
    if invitation is None:
        refusal = _refusal(await store.get("invitations", _hash(token)), now)
        raise refusal or Conflict("invitation_used")
    ttl = int(settings.exhibitor_token_ttl_hours * 3600)
    cooperative_id = invitation["cooperative_id"]
    access = mint_token(
        load_private_key(settings.jwt_private_key_file), sub=f"cooperative:{cooperative_id}",
        scopes=[f"exhibitor:cooperative:{cooperative_id}"], roles=["exhibitor"], issuer=settings.jwt_issuer,
        audience=settings.jwt_audience, ttl_seconds=ttl, cooperative_id=cooperative_id,
    )
    return ExhibitorToken(access_token=access, cooperative_id=invitation["cooperative_id"], expires_in=ttl)


# ---- markets ------------------------------------------------------------------------

async def create_market(*, store: Store, data: MarketCreate, market_id: str | None = None,
                        act: Act | None = None) -> MarketPublic:
    doc: dict[str, Any] = {
        "_id": market_id or new_id("mkt"), **data.model_dump(mode="json"),
        "application_opens_at": data.application_opens_at, "application_closes_at": data.application_closes_at,
        "stand_count": len(data.stands), "created_at": now_utc(),
    }

    async def work(session: AsyncClientSession) -> None:
        await store.insert("markets", doc, session)
        await store.publish(session, subject=doc["_id"],
                            message=MarketCreated(market_id=doc["_id"], **data.model_dump(exclude={"stands", "rules"}),
                                               stand_count=len(data.stands)))
        await audit.record(store.db, act, action="market.create", object_type="market", object_id=doc["_id"],
                           session=session)

    await store.transaction(work)
    return MarketPublic.model_validate(clean(doc))


async def get_market(*, store: Store, market_id: str, session: AsyncClientSession | None = None) -> MarketPublic:
    doc = await store.get("markets", market_id, session)
    if doc is None:
        raise NotFound("market_not_found")
    return MarketPublic.model_validate(clean(doc))


async def list_markets(*, store: Store, circuit: str | None = None, kind: str | None = None,
                       region: str | None = None) -> list[MarketPublic]:
    query = {k: v for k, v in {"circuit": circuit, "kind": kind, "region": region}.items() if v}
    docs = await store.find("markets", query, sort=[("days", 1), ("_id", 1)])
    return [MarketPublic.model_validate(clean(d)) for d in docs]
