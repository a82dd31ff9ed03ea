"""Scenario 5, registration opening: registrations arriving at fixed rates, as when registration opens.

Each rate is offered for ``open_loop_seconds`` to a conference of its own with half as many seats
as requests. Open loop (``bench.openloop``): every request leaves at its scheduled time whatever
the earlier ones got, and its latency counts from that time. Meanwhile every answered registration
is followed into agenda's projection and into recommendations' registration feed, which is written
in the same transaction as indicator 21 (``bench.propagation``). Checked afterwards like the rush:
nothing lost, nothing doubled. Baseline: the same schedule to the bare endpoint (the client and
HTTP floor at that rate).
"""

import asyncio
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from bench import observe
from bench.bare_server import BareServer, Redirected
from bench.config import service_db
from bench.openloop import OpenLoopResult, Shot, run_open_loop, schedule
from bench.propagation import Follower, Lookup
from bench.scenarios import registration_checks as checks
from bench.scenarios.common import Check, Context, ScenarioResult, Target
from bench.scenarios.registration_checks import Expected
from bench.scenarios.registration_rush import Registrations, create_conference
from bench.stats import ratio
from shared.mongo import Document

KEY = "registration_opening"
ANSWER_TARGET_RATE, ANSWER_P99_TARGET_MS = 100, 250.0
HELD_P99_TARGET_MS = 1000.0
FOLLOW_TIMEOUT_SECONDS = 900.0  # after the last answer, for the projections to hold every answered registration
EFFECTS = ("to_agenda_projection", "to_recommendations_indicator")


async def run(ctx: Context) -> ScenarioResult:
    scale = ctx.scale
    rates = ", ".join(f"{rate}/s" for rate in scale.open_loop_rates)
    result = ScenarioResult(KEY, f"Registration opening (open loop): {rates}, {scale.open_loop_seconds:g} s each, "
                                 f"half as many seats as requests")
    for rate in scale.open_loop_rates:
        await phase(ctx, result, rate)
    return result


async def phase(ctx: Context, result: ScenarioResult, rate: int) -> None:
    scale, name = ctx.scale, f"at_{rate}_per_s"
    result.figures[f"quiet_before_{name}"] = (await ctx.settle()).as_dict()
    seats = len(schedule(rate, scale.open_loop_seconds)) // 2
    conference_id = await create_conference(ctx, f"opening{rate}", seats)
    workload = Registrations(conference_id, ctx.run_id, f"o{rate}")
    print(f"    baseline: bare HTTP endpoint at {rate}/s ...", flush=True)
    with BareServer() as server:
        bare = await run_open_loop(Redirected(workload, server.url), rate, scale.open_loop_seconds,
                                   scale.open_loop_max_in_flight)
    result.baselines[f"http_{name}"] = bare.summary()
    result.distributions[f"bare HTTP endpoint at {rate}/s"] = [s.seconds for s in bare.shots if s.ok]
    before = await observe.indicator(ctx.http, observe.PARTICIPANTS_BY_REGION)
    print(f"    registering at {rate}/s for {scale.open_loop_seconds:g} s ...", flush=True)
    load, followers = await offer(ctx, result, workload, rate)
    summarize(result, rate, load, followers, bare)
    quiet = await ctx.settle()  # every message applied, answered or not, before the projections are counted
    result.figures[f"quiet_after_{name}"] = quiet.as_dict()
    await verify(ctx, result, rate, conference_id, load, followers, seats, before)


async def offer(ctx: Context, result: ScenarioResult, workload: Registrations, rate: int
                ) -> tuple[OpenLoopResult, dict[str, Follower]]:
    """The open loop on the service, each answered registration followed into both projections meanwhile."""
    followers = {EFFECTS[0]: Follower(_status_of(ctx.mongo[service_db("agenda")]["participants"])),
                 EFFECTS[1]: Follower(_status_of(ctx.mongo[service_db("recommendations")]["feed_registrations"]))}

    def answered(shot: Shot) -> None:
        if shot.ok:
            for follower in followers.values():
                follower.add(shot.data["id"], shot.data["status"], shot.answered)

    finish = asyncio.Event()
    watching = [asyncio.create_task(f.run(finish, FOLLOW_TIMEOUT_SECONDS)) for f in followers.values()]
    meter = ctx.meter()
    try:
        load = await run_open_loop(workload, rate, ctx.scale.open_loop_seconds, ctx.scale.open_loop_max_in_flight,
                                   answered)
        result.figures[f"cpu_at_{rate}_per_s"] = meter.stop()
        finish.set()
        print("    following the registrations into agenda and recommendations ...", flush=True)
        await asyncio.gather(*watching)
    finally:
        for task in watching:
            task.cancel()
    return load, followers


def _status_of(collection: AsyncCollection[Document]) -> Lookup:
    async def lookup(registration_ids: list[str]) -> dict[str, str]:
        found = await collection.find({"_id": {"$in": registration_ids}}, {"status": 1}).to_list(None)
        return {doc["_id"]: str(doc.get("status")) for doc in found}

    return lookup


def summarize(result: ScenarioResult, rate: int, load: OpenLoopResult, followers: dict[str, Follower],
              bare: OpenLoopResult) -> None:
    name = f"at_{rate}_per_s"
    answers = load.summary()
    result.figures[f"answers_{name}"] = answers
    result.distributions[f"answer at {rate}/s"] = [s.seconds for s in load.shots if s.ok]
    result.ratios[f"achieved_vs_offered_rate_{name}"] = ratio(answers["throughput_per_s"], rate)
    result.ratios[f"throughput_vs_http_baseline_{name}"] = ratio(answers["throughput_per_s"],
                                                                 bare.summary()["throughput_per_s"])
    if rate == ANSWER_TARGET_RATE:
        result.targets.append(Target(f"answer p99 at {rate}/s", answers["latency"]["p99_ms"],
                                     ANSWER_P99_TARGET_MS, " ms"))
    for effect, follower in followers.items():
        held = follower.summary()
        result.figures[f"{effect}_{name}"] = held
        result.distributions[f"{effect.removeprefix('to_').replace('_', ' ')} at {rate}/s"] = follower.seconds()
        result.targets.append(Target(f"{effect.removeprefix('to_').replace('_', ' ')} p99 at {rate}/s",
                                     held["latency"]["p99_ms"], HELD_P99_TARGET_MS, " ms"))
    if answers["errors"]:
        result.notes.append(f"at {rate}/s, {answers['errors']} of {answers['calls']} requests got no 201 "
                            f"(statuses {answers['statuses']}): latency percentiles are of the answered ones")


async def verify(ctx: Context, result: ScenarioResult, rate: int, conference_id: str, load: OpenLoopResult,
                 followers: dict[str, Follower], seats: int, before: dict[str, Any]) -> None:
    """The rush's checks, for as many registrations as were stored: a request that got no answer may
    have registered someone, but never twice and never anyone it did not send."""
    answers = [s.data for s in load.shots if s.ok]
    failed = len(load.shots) - len(answers)
    docs = await checks.stored_registrations(ctx, conference_id)
    expected = Expected(len(docs), seats)
    found = ScenarioResult(KEY, "")
    found.check("distinct registration ids answered", len(answers), len({a["id"] for a in answers}))
    found.check("stored without an answer: no more than the requests that failed", True,
                0 <= len(docs) - len(answers) <= failed)
    for effect, follower in followers.items():
        found.check(f"answered registrations never held {effect.replace('_', ' ')}", 0, len(follower.pending))
    await checks.check_api(ctx, found, conference_id, expected)
    await checks.check_database(ctx, found, conference_id, answers, expected, docs)
    await checks.check_projections(ctx, found, conference_id, before, expected)
    result.checks += [Check(f"{rate}/s: {c.name}", c.expected, c.observed) for c in found.checks]
