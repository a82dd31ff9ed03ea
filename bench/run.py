"""``python -m bench``: run the scenarios against the running stack and write the results.

Examples::

    make bench                                   # the full scale (see bench/README.md)
    make bench BENCH_ARGS=--quick                # a tenth of it
    make bench BENCH_ARGS='--scenarios messages --set message_probes=300'
    make bench BENCH_ARGS='--client-processes 2' # spread the HTTP clients over two processes

Results of the same day and scale are merged: a scenario run again replaces its earlier
figures, the others stay, so the full scale can be run one scenario at a time.
"""

import argparse
import asyncio
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench import observe, report
from bench.config import FULL, QUICK, RESULTS, new_run_id, scale_with
from bench.machine import machine_info
from bench.plots import plot_latencies
from bench.scenarios import checkin_burst, market_day, message_latency, registration_opening, registration_rush
from bench.scenarios.common import Context, ScenarioResult
from bench.tokens import Tokens
from infra.heap import freeze_survivors_of_full_collections

Scenario = Callable[[Context], Awaitable[ScenarioResult]]
# Name on the command line -> (key of its results, the scenario).
SCENARIOS: dict[str, tuple[str, Scenario]] = {
    "registration": (registration_rush.KEY, registration_rush.run),
    "checkin": (checkin_burst.KEY, checkin_burst.run),
    "messages": (message_latency.KEY, message_latency.run),
    "market": (market_day.KEY, market_day.run),
    "opening": (registration_opening.KEY, registration_opening.run),
}


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Benchmarks of the running local stack.")
    parser.add_argument("--quick", action="store_true", help="a tenth of the full scale, to try things out")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS),
                        help=f"comma-separated, in this order: {','.join(SCENARIOS)} (default: all)")
    parser.add_argument("--client-processes", type=int, default=1,
                        help="client processes sharing the HTTP load (default 1)")
    parser.add_argument("--baseline-client-processes", type=int, default=2,
                        help="client processes for the bare HTTP baseline (default 2: one saturates first)")
    parser.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                        help="override one scale field, e.g. --set registrations=2000 (repeatable)")
    parser.add_argument("--quiet-timeout", type=float, default=1800.0,
                        help="seconds to wait for the stack to settle between scenarios (default 1800)")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where results go (default bench/results)")
    args = parser.parse_args(argv)
    unknown = set(args.scenarios.split(",")) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    return args


def _failed(key: str, exc: BaseException) -> ScenarioResult:
    result = ScenarioResult(key, f"{key}: stopped by an error")
    result.notes.append("".join(traceback.format_exception_only(exc)).strip())
    result.check("scenario ran to the end", True, False)
    traceback.print_exc()
    return result


async def _run_scenarios(ctx: Context, keys: list[str], stem: str, folder: Path,
                         save: Callable[[list[ScenarioResult]], None]) -> list[ScenarioResult]:
    results: list[ScenarioResult] = []
    for key in keys:
        print(f"\n>> {key}", flush=True)
        began = time.monotonic()
        result_key, scenario = SCENARIOS[key]
        try:
            result = await scenario(ctx)
        except Exception as exc:  # noqa: BLE001 - report it and go on with the next scenario
            result = _failed(result_key, exc)
        result.figures["scenario_duration_s"] = round(time.monotonic() - began, 1)
        plot = plot_latencies(folder / f"{stem}-{key}.png", result.title, result.distributions)
        result.plot = plot.name if plot else None  # next to the JSON and the summary
        print(report.console(result.as_dict()), flush=True)
        results.append(result)
        save(results)  # a run stopped later keeps the scenarios it finished
    return results


def _document(args: argparse.Namespace, started: dict[str, Any], machine: dict[str, Any],
              results: list[ScenarioResult]) -> dict[str, Any]:
    """This run's results; ``runs`` lists the runs the scenarios come from (see ``report.merge``)."""
    run = {k: v for k, v in started.items() if k != "began"} | {
        "duration_s": round(time.time() - started["began"], 1),
        "client_processes": args.client_processes, "baseline_client_processes": args.baseline_client_processes,
        "scenarios": [r.key for r in results], "load_average": machine["load_average"],
        "git_commit": machine["git_commit"]}
    return {"date": run["started_at"][:10], "scale": run["scale"], "machine": machine, "runs": [run],
            "scenarios": {r.key: r.as_dict() | {"run_id": run["run_id"]} for r in results}}


async def main_async(args: argparse.Namespace) -> int:
    scale = scale_with(QUICK if args.quick else FULL, dict(item.split("=", 1) for item in args.set))
    run_id, started = new_run_id(), datetime.now(UTC)
    folder: Path = args.results
    folder.mkdir(parents=True, exist_ok=True)
    stem = started.strftime("%Y-%m-%d") + ("" if scale.name == "full" else f"-{scale.name}")
    run: dict[str, Any] = {"run_id": run_id, "started_at": started.isoformat(), "began": time.time(),
                           "scale": asdict(scale)}
    async with httpx.AsyncClient(timeout=60) as http:
        ready = await observe.ready(http)
        if not all(ready.values()):
            print(f"the stack is not ready ({ready}); start it with `make run`")
            return 2
        print(f"run {run_id}, {scale.name} scale, results in {folder}/{stem}.*", flush=True)
        ctx = Context(run_id=run_id, scale=scale, tokens=Tokens(run_id), http=http, mongo=observe.mongo(),
                      client_processes=args.client_processes,
                      baseline_client_processes=args.baseline_client_processes, quiet_timeout=args.quiet_timeout)
        machine = machine_info()

        def save(results: list[ScenarioResult]) -> None:
            document = report.merge(folder / f"{stem}.json", _document(args, run, machine, results))
            report.write_json(folder / f"{stem}.json", document)
            (folder / f"{stem}.md").write_text(report.markdown(document))

        try:
            results = await _run_scenarios(ctx, args.scenarios.split(","), stem, folder, save)
        finally:
            await ctx.mongo.close()
    print(f"\nwrote {folder}/{stem}.json, {stem}.md and the plots", flush=True)
    return 0 if all(r.passed for r in results) else 1


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    # The client keeps every answer's record: its full collections grow with them, and a pause
    # of the client counts in the latency of each request due meanwhile (measured from its due time).
    freeze_survivors_of_full_collections()
    try:
        import uvloop

        uvloop.install()  # the services run on uvloop (uvicorn picks it): the clients do too
    except ImportError:
        pass
    return asyncio.run(main_async(args))
