"""Scenario 3, message latency: from a registration's HTTP answer to its effect in the other services.

One registration at a time (the stack otherwise quiet): as soon as registration answers,
two pollers watch, through the public APIs,
- agenda's projection: ``GET /me/agenda`` with the participant's manage token answers
  ``registration_status: "confirmed"`` once agenda has handled the message;
- recommendations' indicator 21 (participants per region):
  ``GET /indicators/ind-r21-participants-by-region?limit=1`` has grown by one.
Each poller sends a request every ``poll_interval`` (20 ms at full scale). The effect
happened after the last poll that missed it was sent and before the first poll that
saw it came back: the latency is the middle of that window, the window's half-width
is the resolution (reported). Baseline: Kafka's produce -> fetch round trip on the
same broker.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bench import baselines, observe, payloads
from bench.config import service_db, service_url
from bench.scenarios import registration_rush
from bench.scenarios.common import Context, ScenarioResult
from bench.stats import latency, ratio

KEY = "message_latency"
GIVE_UP_SECONDS = 30.0


@dataclass(frozen=True)
class Observation:
    """When an effect was seen, in seconds after the HTTP answer (None: not within the time allowed)."""

    estimate: float | None
    window: float | None  # width of the interval the effect is known to lie in
    polls: int


async def watch(seen: Callable[[], Awaitable[bool]], origin: float, interval: float) -> Observation:
    """Poll ``seen()`` every ``interval`` seconds from ``origin`` (a perf_counter instant) until it holds."""
    lower, polls = origin, 0
    while time.perf_counter() - origin < GIVE_UP_SECONDS:
        sent = time.perf_counter()
        polls += 1
        if await seen():
            received = time.perf_counter()
            return Observation((lower + received) / 2 - origin, received - lower, polls)
        lower = sent
        await asyncio.sleep(max(0.0, origin + polls * interval - time.perf_counter()))
    return Observation(None, None, polls)


@dataclass
class Probe:
    answered_s: float
    agenda: Observation
    indicator: Observation


async def probe(ctx: Context, conference_id: str, index: int, indicator_target: float) -> Probe:
    url = f"{service_url('registration')}/conferences/{conference_id}/registrations"
    began = time.perf_counter()
    response = await ctx.http.post(url, json=payloads.participant(ctx.run_id, index, "m"))
    origin = time.perf_counter()
    if response.status_code != 201:
        raise RuntimeError(f"registration answered {response.status_code}: {response.text[:300]}")
    token = response.json()["manage_token"]

    async def agenda_knows() -> bool:
        found = await ctx.http.get(f"{service_url('agenda')}/me/agenda", headers={"X-Manage-Token": token})
        return bool(found.status_code == 200 and found.json().get("registration_status") == "confirmed")

    async def indicator_grew() -> bool:
        return await observe.indicator_value(ctx.http, observe.PARTICIPANTS_BY_REGION) >= indicator_target

    agenda, indicator = await asyncio.gather(watch(agenda_knows, origin, ctx.scale.poll_interval),
                                             watch(indicator_grew, origin, ctx.scale.poll_interval))
    return Probe(origin - began, agenda, indicator)


def _observed(observations: list[Observation]) -> dict[str, Any]:
    found = [o for o in observations if o.estimate is not None]
    windows = [o.window for o in found if o.window is not None]
    return {"latency": latency(o.estimate for o in found if o.estimate is not None).as_dict(),
            "not_seen_within_s": {"limit_s": GIVE_UP_SECONDS, "count": len(observations) - len(found)},
            "resolution_ms": round(500 * sum(windows) / len(windows), 1) if windows else None,
            "polls_per_probe": round(sum(o.polls for o in observations) / max(len(observations), 1), 1)}


async def run(ctx: Context) -> ScenarioResult:
    scale = ctx.scale
    result = ScenarioResult(KEY, f"Message latency: {scale.message_probes:,} registrations one at a time, "
                                 f"polled every {scale.poll_interval * 1000:.0f} ms")
    result.figures["quiet_before"] = (await ctx.settle()).as_dict()
    print("    baseline: Kafka round trip ...", flush=True)
    kafka = await baselines.kafka_round_trip(ctx.run_id, scale.kafka_probes)
    result.baselines["kafka_round_trip"] = {"messages": kafka["messages"], "latency": kafka["latency"]}
    result.distributions["Kafka produce -> fetch"] = kafka["seconds"]
    ctx.shared["kafka_round_trip"] = kafka
    conference_id = await registration_rush.create_conference(ctx, "messages", scale.message_probes)
    before = await observe.indicator_value(ctx.http, observe.PARTICIPANTS_BY_REGION)
    print("    probing ...", flush=True)
    probes = [await probe(ctx, conference_id, i, before + i + 1) for i in range(scale.message_probes)]
    result.figures["registration_answer"] = {"latency": latency(p.answered_s for p in probes).as_dict()}
    result.figures["to_agenda_projection"] = _observed([p.agenda for p in probes])
    result.figures["to_recommendations_indicator"] = _observed([p.indicator for p in probes])
    result.distributions["to agenda projection"] = [p.agenda.estimate for p in probes if p.agenda.estimate]
    result.distributions["to recommendations indicator"] = [p.indicator.estimate for p in probes
                                                            if p.indicator.estimate]
    kafka_p50 = kafka["latency"]["p50_ms"]
    for name in ("to_agenda_projection", "to_recommendations_indicator"):
        result.ratios[f"{name}_p50_vs_kafka_p50"] = ratio(result.figures[name]["latency"]["p50_ms"], kafka_p50)
        result.check(f"{name}: every registration seen", 0, result.figures[name]["not_seen_within_s"]["count"])
    await verify(ctx, result, conference_id, before)
    return result


async def verify(ctx: Context, result: ScenarioResult, conference_id: str, before: float) -> None:
    probes = ctx.scale.message_probes
    agenda = ctx.mongo[service_db("agenda")]["participants"]
    result.check("agenda projection: confirmed participants", probes,
                 await agenda.count_documents({"conference_id": conference_id, "status": "confirmed"}))
    after = await observe.indicator_value(ctx.http, observe.PARTICIPANTS_BY_REGION)
    result.check("recommendations indicator increase", float(probes), after - before)
