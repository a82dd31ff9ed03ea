"""Scenario 1, registration rush: many people register at once for a conference with half as many seats.

Measured: registrations/s and latency percentiles from N concurrent clients; exactness
checked afterwards through the organizer API and registration's database; how long
the rush takes to reach agenda's projection and recommendations' indicator.
Baselines: the same requests to a bare endpoint (HTTP limit), and raw MongoDB
transactions doing a registration's writes (database limit), same concurrency.
"""

import json
import math
import time
from dataclasses import dataclass
from typing import Any

from bench import baselines, observe, payloads
from bench.config import service_db, service_url
from bench.load import Call, LoadResult, run_load
from bench.scenarios import registration_checks as checks
from bench.scenarios.common import Context, ScenarioResult, Target, first_times, seconds_of
from bench.scenarios.registration_checks import Expected
from bench.stats import ratio

KEY = "registration_rush"
PROPAGATION_POLL_SECONDS = 1.0
PROPAGATION_TIMEOUT_SECONDS = 1800.0


@dataclass(frozen=True)
class Registrations:
    """Job i registers participant i of the run for one conference."""

    conference_id: str
    run_id: str
    tag: str = "p"

    def calls(self, job: int) -> list[Call]:
        url = f"{service_url('registration')}/conferences/{self.conference_id}/registrations"
        return [Call("register", "POST", url, payloads.participant(self.run_id, job, self.tag), expect=(201,))]

    def extract(self, call: Call, status: int, body: bytes) -> Any:
        if status != 201:
            return None
        found = json.loads(body)
        return {"id": found["registration"]["id"], "status": found["registration"]["status"],
                "token": found["manage_token"]}


async def create_conference(ctx: Context, label: str, capacity: int) -> str:
    conference_id = f"bench-{label}-{ctx.run_id}"
    await ctx.admin("POST", "registration", "/admin/conferences",
                    payloads.conference(conference_id, capacity, f"{label} {ctx.run_id}"))
    return conference_id


async def run(ctx: Context) -> ScenarioResult:
    scale = ctx.scale
    result = ScenarioResult(KEY, f"Registration rush: {scale.registrations:,} registrations, {scale.seats:,} seats, "
                                 f"{scale.registration_clients} concurrent clients")
    result.figures["quiet_before"] = (await ctx.settle()).as_dict()
    conference_id = await create_conference(ctx, "rush", scale.seats)
    workload = Registrations(conference_id, ctx.run_id)
    await measure_baselines(ctx, workload, result)
    before = await observe.indicator(ctx.http, observe.PARTICIPANTS_BY_REGION)
    print("    registering ...", flush=True)
    meter = ctx.meter()
    load = await run_load(workload, scale.registrations, scale.registration_clients, ctx.client_processes)
    result.figures["registrations"] = load.summary("register") | {"cpu": meter.stop()}
    result.figures["conference_id"] = conference_id
    result.distributions["registration (service)"] = seconds_of(load)
    answers = [s.data for s in load.samples if s.ok]
    compare(result, load.throughput("register"), len(answers))
    await verify(ctx, result, conference_id, answers)
    await follow_propagation(ctx, result, conference_id, answers, before, load)
    ctx.shared[KEY] = {"conference_id": conference_id, "answers": answers}
    return result


def compare(result: ScenarioResult, rate: float, registrations: int) -> None:
    """Throughput as a share of each baseline, and the database work per registration vs per bare transaction."""
    for name in ("http", "db_serialized", "db_same_concurrency", "db_batched"):
        result.ratios[f"throughput_vs_{name}_baseline"] = ratio(rate, result.baselines[name]["throughput_per_s"])
    result.targets.append(Target("throughput / batched database baseline",
                                 result.ratios["throughput_vs_db_batched_baseline"], 0.5, "", at_least=True))
    cpu = result.figures["registrations"]["cpu"]
    per_registration = baselines.cpu_ms_per(cpu, "mongo", registrations)
    per_transaction = baselines.cpu_ms_per(result.baselines["db_serialized"]["cpu"],
                                           "mongo", result.baselines["db_serialized"]["ok"])
    result.figures["cpu_ms_per_registration"] = {
        "mongo_whole_stack": per_registration, "mongo_per_baseline_transaction": per_transaction,
        "registration_service": baselines.cpu_ms_per(cpu, "registration", registrations),
        "bare_http_server_per_request": result.baselines["http"]["server_cpu_ms_per_request"]}
    result.ratios["mongo_cpu_per_registration_vs_baseline_transaction"] = ratio(per_registration or math.nan,
                                                                                 per_transaction or math.nan)


async def measure_baselines(ctx: Context, workload: Registrations, result: ScenarioResult) -> None:
    scale = ctx.scale
    print("    baseline: bare HTTP endpoint ...", flush=True)
    http, result.baselines["http"] = await baselines.http_baseline(
        workload, scale.registrations, scale.registration_clients, ctx.baseline_client_processes)
    result.distributions["bare HTTP endpoint"] = seconds_of(http)
    print("    baseline: MongoDB transactions, serialized like the service ...", flush=True)
    serial = await baselines.db_registration_baseline(
        ctx.mongo, ctx.run_id, scale.db_baseline_transactions, scale.db_baseline_transactions // 2,
        scale.registration_clients, serialized=True)
    result.baselines["db_serialized"] = serial.summary()
    print("    baseline: MongoDB transactions, all concurrent (write conflicts) ...", flush=True)
    free = await baselines.db_registration_baseline(
        ctx.mongo, ctx.run_id, scale.db_conflict_transactions, scale.db_conflict_transactions // 2,
        scale.registration_clients, serialized=False)
    result.baselines["db_same_concurrency"] = free.summary()
    print(f"    baseline: MongoDB, the same documents {scale.db_batch_size} registrations to a transaction ...",
          flush=True)
    result.baselines["db_batched"] = await baselines.db_batched_baseline(
        ctx.mongo, ctx.run_id, scale.db_baseline_transactions, scale.db_baseline_transactions // 2,
        scale.db_batch_size)
    result.baselines["db_operation_costs"] = await baselines.db_write_costs(ctx.mongo, ctx.run_id)
    note_retryable_writes(result, result.baselines["db_operation_costs"])


def note_retryable_writes(result: ScenarioResult, costs: dict[str, Any]) -> None:
    """Say what a retryable write would cost this server, against the same write as the services send it."""
    retryable = costs["auto_commit_write_retryable"]["mongo_cpu_ms"]
    plain = costs["auto_commit_write"]["mongo_cpu_ms"]
    if retryable > 5 * max(plain, 0.1):
        result.notes.append(f"MongoDB server CPU for one auto-commit write: {retryable} ms when retryable (the "
                            f"driver's default, off on the local stack) against {plain} ms as the services send it")


async def verify(ctx: Context, result: ScenarioResult, conference_id: str, answers: list[dict[str, Any]]) -> None:
    """Exactly ``seats`` confirmed, the rest waitlisted, nothing twice: from the answers, the API and the DB."""
    expected = Expected(ctx.scale.registrations, ctx.scale.seats)
    checks.check_answers(result, answers, expected)
    await checks.check_api(ctx, result, conference_id, expected)
    await checks.check_database(ctx, result, conference_id, answers, expected,
                                await checks.stored_registrations(ctx, conference_id))


async def follow_propagation(ctx: Context, result: ScenarioResult, conference_id: str,
                             answers: list[dict[str, Any]], before: dict[str, Any], load: LoadResult) -> None:
    """How long after the last answer agenda's projection and recommendations' indicator hold the whole rush."""
    scale = ctx.scale
    agenda = ctx.mongo[service_db("agenda")]["participants"]
    seats, expected_value = scale.seats, float(before["value"]) + scale.seats
    last_answer = max(s.ended for s in load.samples)

    async def agenda_complete() -> bool:
        confirmed = await agenda.count_documents({"conference_id": conference_id, "status": "confirmed"})
        return confirmed == seats and await agenda.count_documents(
            {"conference_id": conference_id}) == scale.registrations

    async def indicator_complete() -> bool:
        return await observe.indicator_value(ctx.http, observe.PARTICIPANTS_BY_REGION) >= expected_value

    print("    following the messages to agenda and recommendations ...", flush=True)
    reached = await first_times({"agenda_projection": agenda_complete, "recommendations_indicator": indicator_complete},
                                PROPAGATION_TIMEOUT_SECONDS, PROPAGATION_POLL_SECONDS)
    result.figures["propagation_after_last_answer_s"] = {
        name: None if at is None else round(at - last_answer, 1) for name, at in reached.items()
    } | {"poll_interval_s": PROPAGATION_POLL_SECONDS}
    await checks.check_projections(ctx, result, conference_id, before,
                                   Expected(scale.registrations, scale.seats))
    quiet = await ctx.settle()
    result.figures["stack_quiet_after_last_answer_s"] = round(time.time() - last_answer, 1) if quiet.reached else None
