"""Check-in at the venue: a badge's signed QR token, scanned online or collected offline.

A scan with a device id and a nonce is recorded with the answer it got, in the same
transaction as the check-in, so a scanner that syncs the same batch twice gets the
same answers and creates nothing new.

A scan the device decided offline (from its snapshot, see ``offline_snapshot``) carries
``decided_offline``, what the device did at the gate and the snapshot version it used. A
refusal at the gate never becomes a check-in. An admission is checked in as usual and
flagged; when the server sees it should not have opened the gate (the badge already
admitted by another device, or revoked after the snapshot) it records a conflict for the
organizers, one per registration and kind.
"""

from datetime import date
from zoneinfo import ZoneInfo

from registration.context import RegistrationContext
from registration.gate import GateContext, Operator, Outcome, Scan, ScanResult
from registration.offline import apply_live_scan, apply_scans
from shared.audit import Act
from shared.auth import Principal
from shared.documents import utcnow
from shared.errors import NotFound
from shared.scanwindow import CheckinConflicts, ScanSnapshot, checkin_conflicts, scan_snapshot
from shared.timezones import MOROCCO_TIMEZONE

__all__ = ["GateContext", "Operator", "Outcome", "Scan", "ScanResult", "check_in", "check_in_batch",
           "list_checkin_conflicts", "offline_snapshot"]


async def check_in(*, ctx: RegistrationContext, conference_id: str, scan: Scan, device_id: str | None,
                   by: Principal | None = None, act: Act | None = None) -> ScanResult:
    """Check a badge in; answers what happened (never a second check-in record).

    ``by`` is who operates the scanner, kept with the scan and the check-in; ``act`` (a manual
    check-in) is written to the audit log with them."""
    return await apply_live_scan(ctx=ctx, conference_id=conference_id, scan=scan, device_id=device_id,
                                 by=by, act=act)


async def check_in_batch(*, ctx: RegistrationContext, conference_id: str, scans: list[Scan], device_id: str,
                         by: Principal | None = None) -> list[ScanResult]:
    """A scanner's synced batch, decided in order in one transaction; one answer per scan."""
    return await apply_scans(ctx=ctx, conference_id=conference_id, scans=scans, device_id=device_id, by=by)


async def offline_snapshot(*, ctx: RegistrationContext, conference_id: str) -> ScanSnapshot:
    """What a scanner needs to decide alone: the keys, the scan window, the revoked registrations."""
    conference = await ctx.store.conference(conference_id)
    if conference is None:
        raise NotFound("conference_not_found")
    days = (date.fromisoformat(conference.starts_on), date.fromisoformat(conference.ends_on))
    return scan_snapshot(event_id=conference_id, kind="badge", keys=ctx.signer.jwks()["keys"],
                         periods=[days], tz=ZoneInfo(conference.timezone or MOROCCO_TIMEZONE),
                         revoked=await ctx.store.revoked_registration_ids(conference_id), now=utcnow())


async def list_checkin_conflicts(*, ctx: RegistrationContext, conference_id: str) -> CheckinConflicts:
    """Conflicts of offline decisions, each registration and kind once."""
    conflicts = await ctx.store.conflicts_of(conference_id)
    return checkin_conflicts(conference_id, [c.to_document() for c in conflicts])
