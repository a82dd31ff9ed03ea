"""Scenario 2, check-in burst: the doors open and staff scan every confirmed participant's badge.

Half the participants are scanned live (``POST /checkin/conferences/{id}/scans``, one
badge per request), the other half synced as offline batches
(``POST /checkin/conferences/{id}/scans/batch``), from N concurrent scanners with a
staff token. Then, unmeasured, every device syncs its first batch again and some
badges are scanned again: nothing may be checked in twice. Exactness is verified
through the organizer API and registration's database (one check-in message per
participant). Baselines: the live scans sent to a bare endpoint (HTTP limit), and raw
MongoDB transactions doing a scan's writes (database limit), same concurrency.
"""

import io
import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import zxingcpp
from PIL import Image

from bench import baselines
from bench.config import service_db, service_url
from bench.load import Call, LoadResult, run_load
from bench.scenarios import registration_rush
from bench.scenarios.common import Context, ScenarioResult, seconds_of
from bench.stats import latency, ratio
from bench.tokens import bearer
from shared.outbox import written

KEY = "checkin_burst"
BADGE_SAMPLE = 5  # badges fetched as PNG and decoded, to prove the QR content signed here is the real one
Batch = tuple[str, tuple[dict[str, str], ...]]  # an offline batch: (device id, scans)


@dataclass(frozen=True)
class SingleScans:
    """Job i scans badge i live, from gate ``i % scanners``."""

    conference_id: str
    staff: str
    badges: tuple[str, ...]
    nonce_prefix: str
    scanners: int

    def calls(self, job: int) -> list[Call]:
        body = {"token": self.badges[job], "device_id": f"gate-{job % self.scanners}",
                "nonce": f"{self.nonce_prefix}-{job}"}
        return [Call("scan", "POST", f"{service_url('registration')}/checkin/conferences/{self.conference_id}/scans",
                     body, bearer(self.staff), expect=(200,))]

    def extract(self, call: Call, status: int, body: bytes) -> Any:
        if status != 200:
            return None
        found = json.loads(body)
        return {"outcome": found["outcome"], "registration_id": found["registration_id"]}


@dataclass(frozen=True)
class BatchScans:
    """Job i syncs offline batch i: (device id, scans)."""

    conference_id: str
    staff: str
    batches: tuple[Batch, ...]

    def calls(self, job: int) -> list[Call]:
        device, scans = self.batches[job]
        url = f"{service_url('registration')}/checkin/conferences/{self.conference_id}/scans/batch"
        return [Call("batch", "POST", url, {"device_id": device, "scans": list(scans)}, bearer(self.staff),
                     expect=(200,))]

    def extract(self, call: Call, status: int, body: bytes) -> Any:
        if status != 200:
            return None
        return [(a["outcome"], a["registration_id"], a["checked_in_at"]) for a in json.loads(body)]


def offline_batches(badges: list[str], scanners: int, size: int, run_id: str) -> tuple[Batch, ...]:
    """Badges dealt round-robin to ``scanners`` devices, each device's scans cut into batches of ``size``."""
    scanned_at = (datetime.now(UTC) - timedelta(minutes=10)).isoformat()
    batches: list[Batch] = []
    for device in range(scanners):
        scans = [{"token": token, "nonce": f"{run_id}-o{index}", "scanned_at": scanned_at}
                 for index, token in enumerate(badges) if index % scanners == device]
        batches += [(f"tablet-{device}", tuple(scans[i:i + size])) for i in range(0, len(scans), size)]
    return tuple(batches)


async def participants(ctx: Context, result: ScenarioResult) -> tuple[str, list[dict[str, Any]]]:
    """The conference and confirmed registrations to scan: the rush's if it ran, else registered now."""
    wanted = ctx.scale.scans
    rush = ctx.shared.get(registration_rush.KEY)
    if rush is not None:
        confirmed = [a for a in rush["answers"] if a["status"] == "confirmed"]
        if len(confirmed) >= wanted:
            result.notes.append(f"scans the {wanted:,} confirmed participants of the registration rush")
            return rush["conference_id"], confirmed[:wanted]
    print(f"    setup: registering {wanted:,} participants ...", flush=True)
    conference_id = await registration_rush.create_conference(ctx, "doors", wanted)
    load = await run_load(registration_rush.Registrations(conference_id, ctx.run_id, "c"), wanted, 50)
    result.notes.append(f"registered {wanted:,} participants first (setup, not measured)")
    await ctx.settle()
    return conference_id, [s.data for s in load.samples if s.ok]


async def check_badge_format(ctx: Context, result: ScenarioResult, conference_id: str,
                             sample: list[dict[str, Any]]) -> None:
    """The badge PNGs the service serves decode to exactly the tokens signed here."""
    same = 0
    for registration in sample:
        response = await ctx.http.get(f"{service_url('registration')}/registrations/{registration['id']}/badge.png",
                                      params={"token": registration["token"]})
        decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(response.content)))
        same += bool(decoded) and decoded[0].text == ctx.tokens.badge(registration["id"], conference_id)
    result.check("badge PNG decodes to the token signed by the bench", len(sample), same)


async def run(ctx: Context) -> ScenarioResult:
    scale = ctx.scale
    result = ScenarioResult(KEY, f"Check-in burst: {scale.scans:,} badge scans from {scale.scanners} scanners "
                                 f"(half live, half offline batches of {scale.batch_size})")
    result.figures["quiet_before"] = (await ctx.settle()).as_dict()
    conference_id, people = await participants(ctx, result)
    await check_badge_format(ctx, result, conference_id, people[:BADGE_SAMPLE])
    badges = [ctx.tokens.badge(p["id"], conference_id) for p in people]
    half = len(badges) // 2
    staff = ctx.tokens.staff_at("conference", conference_id)
    live = SingleScans(conference_id, staff, tuple(badges[:half]), f"{ctx.run_id}-live", scale.scanners)
    offline = BatchScans(conference_id, staff,
                         offline_batches(badges[half:], scale.scanners, scale.batch_size, ctx.run_id))
    await measure_baselines(ctx, result, live)
    await measure_service(ctx, result, live, offline)
    await replay(ctx, result, live, offline)
    await verify(ctx, result, conference_id, len(badges))
    return result


async def measure_baselines(ctx: Context, result: ScenarioResult, live: SingleScans) -> None:
    scale = ctx.scale
    print("    baseline: bare HTTP endpoint ...", flush=True)
    http, result.baselines["http"] = await baselines.http_baseline(live, len(live.badges), scale.scanners,
                                                                   ctx.baseline_client_processes)
    result.distributions["bare HTTP endpoint"] = seconds_of(http)
    print("    baseline: MongoDB transactions ...", flush=True)
    db = await baselines.db_checkin_baseline(ctx.mongo, ctx.run_id, scale.scans, scale.scanners)
    result.baselines["db"] = db.summary()


async def measure_service(ctx: Context, result: ScenarioResult, live: SingleScans, offline: BatchScans) -> None:
    single = await measure_live(ctx, result, live)
    batched, scans_per_s = await measure_offline(ctx, result, offline)
    outcomes = Counter(s.data["outcome"] for s in single.samples if s.ok)
    outcomes.update(o for s in batched.samples if s.ok for o, _, _ in s.data)
    result.check("every first scan answered checked_in", len(live.badges) + sum(len(b[1]) for b in offline.batches),
                 outcomes["checked_in"])
    rate, db_rate = single.throughput("scan"), result.baselines["db"]["throughput_per_s"]
    result.ratios["live_scans_vs_http_baseline"] = ratio(rate, result.baselines["http"]["throughput_per_s"])
    result.ratios["live_scans_vs_db_baseline"] = ratio(rate, db_rate)
    result.ratios["batched_scans_vs_db_baseline"] = ratio(scans_per_s, db_rate)
    result.figures["cpu_ms_per_scan"] = {
        "live": _cpu_per_scan(result.figures["live_scans"]["cpu"], len(live.badges)),
        "offline": _cpu_per_scan(result.figures["offline_batch_requests"]["cpu"],
                                 result.figures["offline_scans"]["scans"]),
        "mongo_per_baseline_transaction": baselines.cpu_ms_per(result.baselines["db"]["cpu"], "mongo",
                                                               result.baselines["db"]["ok"])}
    ctx.shared[KEY] = {"first_answers": {s.job: s.data for s in batched.samples if s.ok}}


def _cpu_per_scan(cpu: dict[str, Any], scans: int) -> dict[str, float | None]:
    return {process: baselines.cpu_ms_per(cpu, process, scans) for process in ("registration", "mongo")}


async def measure_live(ctx: Context, result: ScenarioResult, live: SingleScans) -> LoadResult:
    print("    live scans ...", flush=True)
    meter = ctx.meter()
    single = await run_load(live, len(live.badges), ctx.scale.scanners, ctx.client_processes)
    result.figures["live_scans"] = single.summary("scan") | {"cpu": meter.stop()}
    result.distributions["live scan (service)"] = seconds_of(single)
    return single


async def measure_offline(ctx: Context, result: ScenarioResult, offline: BatchScans) -> tuple[LoadResult, float]:
    """The batches' figures; throughput counted in scans, latency per batch and per scan (batch / its size)."""
    print("    offline batches ...", flush=True)
    meter = ctx.meter()
    batched = await run_load(offline, len(offline.batches), ctx.scale.scanners, ctx.client_processes)
    sizes = {s.job: len(offline.batches[s.job][1]) for s in batched.samples if s.ok}
    scans_per_s = sum(sizes.values()) / batched.wall_s if batched.wall_s else 0.0
    result.figures["offline_batch_requests"] = batched.summary("batch") | {"cpu": meter.stop()}
    result.figures["offline_scans"] = {  # latency per scan: its batch's latency over the batch's size
        "scans": sum(sizes.values()), "throughput_per_s": round(scans_per_s, 1),
        "latency": latency(s.seconds / sizes[s.job] for s in batched.samples if s.ok).as_dict()}
    result.distributions[f"offline batch of {ctx.scale.batch_size} (service)"] = seconds_of(batched)
    return batched, scans_per_s


async def replay(ctx: Context, result: ScenarioResult, live: SingleScans, offline: BatchScans) -> None:
    """Unmeasured: each device syncs its first batch again; some badges are scanned again with a new nonce."""
    first_of_device = {device: job for job, (device, _) in reversed(list(enumerate(offline.batches)))}
    jobs = sorted(first_of_device.values())
    again = await run_load(BatchScans(offline.conference_id, offline.staff,
                                      tuple(offline.batches[j] for j in jobs)), len(jobs), ctx.scale.scanners)
    before = ctx.shared[KEY]["first_answers"]
    same = sum(1 for s in again.samples if s.ok and s.data == before.get(jobs[s.job]))
    result.check("a re-synced batch gets the same answers", len(jobs), same)
    rescans = SingleScans(live.conference_id, live.staff, live.badges[:ctx.scale.scanners],
                          f"{ctx.run_id}-again", ctx.scale.scanners)
    repeated = await run_load(rescans, len(rescans.badges), ctx.scale.scanners)
    result.check("a badge scanned again answers already_checked_in", len(rescans.badges),
                 sum(1 for s in repeated.samples if s.ok and s.data["outcome"] == "already_checked_in"))


async def verify(ctx: Context, result: ScenarioResult, conference_id: str, expected: int) -> None:
    """Each participant checked in exactly once: organizer API, registrations, and check-in messages."""
    stats = await ctx.admin("GET", "registration", f"/admin/conferences/{conference_id}/stats")
    result.check("API stats checked_in", expected, stats["checked_in"])
    page = await ctx.admin("GET", "registration",
                           f"/admin/conferences/{conference_id}/registrations?checked_in=true&page_size=1")
    result.check("API search checked_in=true total", expected, page["total"])
    db = ctx.mongo[service_db("registration")]
    stored = await db["registrations"].count_documents({"conference_id": conference_id,
                                                        "checked_in_at": {"$ne": None}})
    result.check("DB registrations with a check-in time", expected, stored)
    messages = Counter(e["subject"] for e in await written(
        db, {"type": "registration.participant-checked-in.v1", "envelope.data.conference_id": conference_id},
        ["subject"]))
    result.check("DB participants with a checked-in message", expected, len(messages))
    result.check("DB participants with more than one checked-in message", 0,
                 sum(1 for n in messages.values() if n > 1))
