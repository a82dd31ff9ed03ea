"""Exhibitor passes and check-in: live scans, offline batches, attendance.

A pass is a compact JWS signed with the service's Ed25519 key (claims ``t=pass``,
``p`` pass id, ``m`` market, ``c`` cooperative, ``s`` stand): a scanner verifies it
offline with the public key from ``/.well-known/jwks.json``. Online, the service
also checks the pass is still the cooperative's current one (a withdrawal or a
stand change revokes it). One check-in per pass and opening day:
``checkins._id = "<pass_id>:<day>"``, so two first scans can never both count.
"""

import hashlib
from collections import defaultdict
from datetime import date, datetime
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from marketplace.domain import (
    MARKET_TZ,
    AbsentExhibitor,
    Attendance,
    BatchResult,
    CheckinPublic,
    DayAttendance,
    MarketPublic,
    OfflineScan,
    PassPublic,
    ScanBatch,
    ScanOutcome,
    market_day,
    now_utc,
)
from marketplace.events import ExhibitorCheckedIn
from marketplace.service import get_market
from marketplace.stands import get_application
from marketplace.store import Store
from shared.auth import Principal
from shared.errors import Conflict, DomainError
from shared.i18n import StoredText, translate
from shared.scanwindow import (
    CheckinConflicts,
    ScanSnapshot,
    checkin_conflicts,
    event_day,
    scan_snapshot,
    scan_time_refusal,
)
from shared.signing import InvalidSignedToken

# Two scanners racing on the same pass: the loser's insert fails on the check-in's
# key and it answers from what the winner recorded.
SCAN_ATTEMPTS = 3


def pass_token(store: Store, app: dict[str, Any]) -> str:
    return store.signer.sign({"t": "pass", "p": app["pass_id"], "m": app["market_id"], "c": app["cooperative_id"],
                              "s": app["stand_number"]})


async def get_pass(*, store: Store, principal: Principal, application_id: str) -> PassPublic:
    app = await get_application(store=store, principal=principal, application_id=application_id)
    if app["status"] != "accepted" or not app.get("pass_id"):
        raise Conflict("pass_not_available")
    return PassPublic(pass_id=app["pass_id"], market_id=app["market_id"], cooperative_id=app["cooperative_id"],
                      stand_number=app["stand_number"], token=pass_token(store, app),
                      png_url=f"/applications/{application_id}/pass.png",
                      svg_url=f"/applications/{application_id}/pass.svg")


def _claims(store: Store, market_id: str, token: str) -> dict[str, Any]:
    try:
        claims = store.signer.verifier().verify(token, kind="pass")
    except InvalidSignedToken as exc:
        raise DomainError("invalid_pass", status=422) from exc
    if claims.get("m") != market_id:
        raise Conflict("pass_other_market")
    return claims


def _public(doc: dict[str, Any], cooperative: dict[str, Any] | None) -> CheckinPublic:
    return CheckinPublic.model_validate({**doc, "day": doc["day"],
                                         "cooperative_name": (cooperative or {}).get("name")})


async def _record(store: Store, session: AsyncClientSession, market: MarketPublic, claims: dict[str, Any],
                  scanned_at: datetime, device_id: str | None) -> tuple[dict[str, Any], bool]:
    """The day's check-in for this pass, and whether this scan created it."""
    first, last = market.days[0], market.days[-1]
    refusal = scan_time_refusal(scanned_at, now=now_utc(), first_day=first, last_day=last, tz=MARKET_TZ)
    if refusal == "scan_in_future":
        raise Conflict("scan_in_future")
    if refusal is not None:
        raise Conflict("not_an_opening_day", day=market_day(scanned_at).isoformat())
    day = event_day(scanned_at, first_day=first, last_day=last, tz=MARKET_TZ)
    if day not in market.days:
        raise Conflict("not_an_opening_day", day=day)
    held = await store.find("stand_assignments", {"pass_id": claims["p"]}, limit=1, session=session)
    if not held or held[0]["stand_number"] != claims["s"] or held[0]["cooperative_id"] != claims["c"]:
        raise Conflict("pass_revoked")
    existing = await store.get("checkins", f"{claims['p']}:{day.isoformat()}", session)
    if existing is not None:
        return existing, False
    coop = await store.get("cooperatives", claims["c"], session) or {}
    doc = {"_id": f"{claims['p']}:{day.isoformat()}", "pass_id": claims["p"], "market_id": market.id,
           "cooperative_id": claims["c"], "stand_number": claims["s"], "day": day.isoformat(),
           "checked_in_at": scanned_at, "device_id": device_id, "recorded_at": now_utc()}
    await store.insert("checkins", doc, session)
    await store.note_exhibited(claims["c"], day.isoformat(), session)
    await store.publish(session, subject=claims["p"],
                        message=ExhibitorCheckedIn(market_id=market.id, cooperative_id=claims["c"], stand=claims["s"],
                                                day=day, region=coop.get("region", ""), sector=coop.get("sector", ""),
                                                women_led=coop.get("women_led", False),
                                                youth_led=coop.get("youth_led", False), checked_in_at=scanned_at))
    return doc, True


def _already(doc: dict[str, Any]) -> Conflict:
    local = doc["checked_in_at"].astimezone(MARKET_TZ)
    return Conflict("exhibitor_already_checked_in", day=doc["day"], time=local.strftime("%H:%M"),
                    checked_in_at=doc["checked_in_at"].isoformat(), device_id=doc.get("device_id"))


async def check_in(*, store: Store, market_id: str, token: str, device_id: str | None = None,
                   now: datetime | None = None) -> CheckinPublic:
    """A live scan: the first of the day checks in, a repeat is refused with the first time."""
    market = await get_market(store=store, market_id=market_id)
    claims = _claims(store, market_id, token)
    scanned_at = now or now_utc()
    for _ in range(SCAN_ATTEMPTS):
        try:
            doc, created = await store.transaction(
                lambda session: _record(store, session, market, claims, scanned_at, device_id))
        except DuplicateKeyError:
            continue
        if not created:
            raise _already(doc)
        return _public(doc, await store.get("cooperatives", doc["cooperative_id"]))
    raise Conflict("conflict")


# ---- offline batches ----------------------------------------------------------------

def _outcome(stored: dict[str, Any], lang: str) -> ScanOutcome:
    outcome = ScanOutcome.model_validate(stored["outcome"])
    outcome.message = translate(outcome.code, lang, **stored.get("params", {})) if outcome.code else None
    return outcome


async def _scan_once(store: Store, market: MarketPublic, device_id: str, scan: OfflineScan,
                     key: str, token_hash: str) -> dict[str, Any]:
    admitted_offline = scan.decided_offline and scan.offline_verdict == "admitted"

    async def work(session: AsyncClientSession) -> dict[str, Any]:
        stored: dict[str, Any] = {"_id": key, "token_hash": token_hash, "params": {}, "market_id": market.id,
                                  "device_id": device_id, "scanned_at": scan.scanned_at,
                                  "decided_offline": scan.decided_offline, "offline_verdict": scan.offline_verdict,
                                  "snapshot_version": scan.snapshot_version}
        claims: dict[str, Any] = {}
        try:
            claims = _claims(store, market.id, scan.token)
            if scan.decided_offline and not admitted_offline:
                # The gate turned the exhibitor away: kept as a scan, never a check-in.
                raise Conflict("pass_refused_at_gate")
            doc, created = await _record(store, session, market, claims, scan.scanned_at, device_id)
            stored["outcome"] = {
                "nonce": scan.nonce, "status": "checked_in" if created else "already_checked_in",
                "code": None if created else "exhibitor_already_checked_in", "pass_id": doc["pass_id"],
                "cooperative_id": doc["cooperative_id"], "day": doc["day"], "checked_in_at": doc["checked_in_at"],
                "first_device_id": None if created else doc.get("device_id")}
            if not created:
                stored["params"] = _already(doc).params
                if admitted_offline and doc.get("device_id") != device_id:
                    await _conflict(store, session, market, claims, "admitted_on_two_devices", scan, device_id,
                                    first_device=doc.get("device_id"))
        except DomainError as refusal:
            stored["outcome"] = {"nonce": scan.nonce, "status": "refused", "code": refusal.code}
            # Stored with the answer (BSON has no day type): a day is kept as its ISO date.
            stored["params"] = {k: v.isoformat() if isinstance(v, date) else v for k, v in refusal.params.items()
                                if isinstance(v, str | int | date)}
            if admitted_offline and refusal.code == "pass_revoked":
                await _conflict(store, session, market, claims, "revoked_after_snapshot", scan, device_id)
        await store.insert("offline_scans", stored, session)
        return stored

    return await store.transaction(work)


async def _conflict(store: Store, session: AsyncClientSession, market: MarketPublic, claims: dict[str, Any],
                    kind: str, scan: OfflineScan, device_id: str, first_device: str | None = None) -> None:
    day = market_day(scan.scanned_at).isoformat()
    await store.record_conflict(f"{market.id}:{claims['p']}:{day}:{kind}", {
        "market_id": market.id, "pass_id": claims["p"], "cooperative_id": claims["c"], "stand_number": claims["s"],
        "day": day, "kind": kind, "first_device": first_device, "snapshot_version": scan.snapshot_version,
        "scanned_at": scan.scanned_at}, device_id, now_utc(), session)


async def offline_snapshot(*, store: Store, market_id: str) -> ScanSnapshot:
    """What a scanner needs to decide alone: the keys, each opening day's window, the revoked passes."""
    market = await get_market(store=store, market_id=market_id)
    return scan_snapshot(event_id=market_id, kind="pass", keys=store.signer.jwks()["keys"],
                         periods=[(day, day) for day in market.days], tz=MARKET_TZ,
                         revoked=await store.revoked_pass_ids(market_id), now=now_utc())


async def list_checkin_conflicts(*, store: Store, market_id: str) -> CheckinConflicts:
    """Conflicts of offline decisions, each pass, day and kind once."""
    await get_market(store=store, market_id=market_id)
    return checkin_conflicts(market_id, await store.checkin_conflicts(market_id))


async def _offline_scan(store: Store, market: MarketPublic, device_id: str, scan: OfflineScan,
                        lang: str) -> ScanOutcome:
    key = f"{market.id}:{device_id}:{scan.nonce}"
    token_hash = hashlib.sha256(scan.token.encode()).hexdigest()
    for _ in range(SCAN_ATTEMPTS):
        stored = await store.get("offline_scans", key)
        if stored is not None:
            if stored["token_hash"] != token_hash:
                return ScanOutcome(nonce=scan.nonce, status="refused", code="nonce_reused",
                                   message=translate("nonce_reused", lang))
            return _outcome(stored, lang)
        try:
            return _outcome(await _scan_once(store, market, device_id, scan, key, token_hash), lang)
        except DuplicateKeyError:
            continue
    raise Conflict("conflict")


async def sync_offline_scans(*, store: Store, market_id: str, batch: ScanBatch, lang: str) -> BatchResult:
    """Scans recorded without a network, each keyed by (device, nonce): sending the
    same batch again returns the same outcomes and records nothing twice."""
    market = await get_market(store=store, market_id=market_id)
    results = [await _offline_scan(store, market, batch.device_id, scan, lang) for scan in batch.scans]
    coops = await store.cooperatives_by_id(list({r.cooperative_id for r in results if r.cooperative_id}))
    for r in results:
        if r.cooperative_id in coops:
            r.cooperative_name = StoredText.model_validate(coops[r.cooperative_id]["name"])
    return BatchResult(
        device_id=batch.device_id, results=results,
        checked_in=sum(r.status == "checked_in" for r in results),
        conflicts=sum(r.status == "already_checked_in" for r in results),
        refused=sum(r.status == "refused" for r in results),
    )


async def attendance(*, store: Store, market_id: str, now: datetime | None = None) -> Attendance:
    """Exhibitors checked in per opening day; no-shows for days that have begun."""
    market = await get_market(store=store, market_id=market_id)
    held = await store.active_assignments(market_id)
    coops = await store.cooperatives_by_id([a["cooperative_id"] for a in held])
    present: dict[str, set[str]] = defaultdict(set)
    for doc in await store.find("checkins", {"market_id": market_id}):
        present[doc["day"]].add(doc["cooperative_id"])
    today = market_day(now or now_utc())
    days = []
    for day in market.days:
        here = present[day.isoformat()]
        upcoming = day > today
        absent = [] if upcoming else [
            AbsentExhibitor(cooperative_id=a["cooperative_id"], stand_number=a["stand_number"],
                            name=StoredText.model_validate(coops[a["cooperative_id"]]["name"]))
            for a in sorted(held, key=lambda a: a["stand_number"]) if a["cooperative_id"] not in here]
        days.append(DayAttendance(day=day, expected=len(held), checked_in=len(here), upcoming=upcoming,
                                  no_shows=absent))
    return Attendance(market_id=market_id, days=days,
                      offline_conflicts=len(await store.checkin_conflicts(market_id)))
