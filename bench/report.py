"""Results: the console summary, ``results/<stem>.json`` and the readable ``results/<stem>.md``.

Everything is rendered from the scenarios' JSON form (``ScenarioResult.as_dict``), so
the summary of a day can be rebuilt from its JSON file, including scenarios kept from an
earlier run of the same day and scale (see ``merge``).
"""

import json
import math
from pathlib import Path
from typing import Any

Scenario = dict[str, Any]  # ScenarioResult.as_dict()


def _format(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 10 else f"{value:,.1f}"
    return str(value)


def _is_measurement(value: Any) -> bool:
    return isinstance(value, dict) and "latency" in value


def _latency_line(name: str, summary: dict[str, Any]) -> str:
    lat = summary.get("latency") or {}
    rate = summary.get("throughput_per_s")
    head = f"{name:<40}" + (f"{rate:>9,.1f}/s " if rate is not None else " " * 12)
    if not lat or not lat.get("count"):
        return head
    return head + (f" p50 {lat['p50_ms']:>8,.1f}  p95 {lat['p95_ms']:>8,.1f}  p99 {lat['p99_ms']:>8,.1f} ms"
                   f"  (n={lat['count']:,})")


def _measurements(scenario: Scenario) -> list[tuple[str, dict[str, Any]]]:
    """The (name, summary) pairs worth a line: service figures first, then baselines."""
    pairs = [(f"service: {k}", v) for k, v in scenario["figures"].items() if _is_measurement(v)]
    pairs += [(f"baseline: {k}", v) for k, v in scenario["baselines"].items() if _is_measurement(v)]
    return pairs


def _other_figures(scenario: Scenario) -> dict[str, Any]:
    """Figures without a latency distribution, and baselines of that kind (operation costs)."""
    found = {k: v for k, v in scenario["figures"].items() if not _is_measurement(v)}
    return found | {f"baseline {k}": v for k, v in scenario["baselines"].items() if not _is_measurement(v)}


def console(scenario: Scenario) -> str:
    lines = [f"== {scenario['title']}"]
    lines += ["  " + _latency_line(name, summary) for name, summary in _measurements(scenario)]
    lines += [f"  ratio {name:<58} {_format(value)}" for name, value in scenario["ratios"].items()]
    lines += [f"  {name}: {json.dumps(value, default=str)[:300]}" for name, value in _other_figures(scenario).items()
              if not name.startswith("quiet")]
    lines += [f"  target {_target(t)}" for t in scenario.get("targets", [])]
    failed = [c for c in scenario["checks"] if not c["ok"]]
    lines.append(f"  checks: {len(scenario['checks']) - len(failed)}/{len(scenario['checks'])} passed")
    lines += [f"    FAILED {c['name']}: expected {c['expected']!r}, observed {c['observed']!r}" for c in failed]
    lines += [f"  note: {note}" for note in scenario["notes"]]
    return "\n".join(lines)


def _target(target: dict[str, Any]) -> str:
    verdict = {True: "met", False: "missed", None: "no figure"}[target["met"]]
    observed = _format(target["observed"]) + target.get("unit", "")
    return f"{target['name']}: {observed} (target {target['target']}): {verdict}"


def _no_nan(value: Any) -> Any:
    """JSON has no NaN: a missing figure is written as null."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _no_nan(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_no_nan(v) for v in value]
    return value


def write_json(path: Path, document: dict[str, Any]) -> None:
    path.write_text(json.dumps(_no_nan(document), indent=2, ensure_ascii=False, default=str) + "\n")


def merge(path: Path, document: dict[str, Any]) -> dict[str, Any]:
    """``document`` plus the scenarios of an earlier run written to ``path`` (same day and scale) that this
    run did not repeat, so the full scale can be run one scenario at a time; each scenario names its run."""
    try:
        earlier: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError):
        return document
    new, before = document["scenarios"], earlier.get("scenarios", {})
    kept = {s.get("run_id") for k, s in before.items() if k not in new}
    if not kept:
        return document
    scenarios = {k: new.get(k, v) for k, v in before.items()} | new  # in the order the day's first run had them
    runs = [r for r in earlier.get("runs", []) if r["run_id"] in kept]
    return document | {"scenarios": scenarios, "runs": runs + document["runs"]}


def _table(pairs: list[tuple[str, dict[str, Any]]]) -> list[str]:
    rows = ["| measurement | per second | p50 ms | p95 ms | p99 ms | n |", "|---|---:|---:|---:|---:|---:|"]
    for name, summary in pairs:
        lat = summary.get("latency") or {}
        rate = summary.get("throughput_per_s")
        rows.append(f"| {name} | {'' if rate is None else f'{rate:,.1f}'} | {_format(lat.get('p50_ms'))} | "
                    f"{_format(lat.get('p95_ms'))} | {_format(lat.get('p99_ms'))} | {lat.get('count', '')} |")
    return rows


def _runs(document: dict[str, Any]) -> list[str]:
    lines = []
    for run in document["runs"]:
        lines.append(f"- run `{run['run_id']}` ({', '.join(run['scenarios'])}): started {run['started_at']}, "
                     f"{run['duration_s']:.0f} s, {run['client_processes']} client process(es) for the services, "
                     f"{run['baseline_client_processes']} for the bare HTTP baseline, load average at start "
                     f"{run['load_average']}, commit {run['git_commit']}")
    return lines


def _scenario(scenario: Scenario) -> list[str]:
    lines = [f"## {scenario['title']}", "", f"Run `{scenario.get('run_id')}`.", ""]
    lines += _table(_measurements(scenario)) + [""]
    lines += [f"- ratio **{name}**: {_format(value)}" for name, value in scenario["ratios"].items()]
    lines += [f"- {name}: `{json.dumps(value, default=str)}`" for name, value in _other_figures(scenario).items()]
    lines += [f"- note: {note}" for note in scenario["notes"]]
    if scenario.get("targets"):
        lines += ["", "Targets:", ""] + [f"- {_target(t)}" for t in scenario["targets"]]
    lines += ["", f"Checks ({sum(c['ok'] for c in scenario['checks'])}/{len(scenario['checks'])} passed):", ""]
    lines += [f"- {'ok' if c['ok'] else '**FAILED**'} {c['name']}: expected `{c['expected']}`, "
              f"observed `{c['observed']}`" for c in scenario["checks"]]
    if scenario.get("plot"):
        lines += ["", f"![latencies]({Path(scenario['plot']).name})"]
    return [*lines, ""]


def markdown(document: dict[str, Any]) -> str:
    machine = document["machine"]
    lines = [f"# Benchmark results {document['date']} ({document['scale']['name']} scale)", "",
             f"Machine: {machine['cores']} cores ({machine['cpu_model']}), {machine['memory_gib']} GiB, "
             f"Python {machine['python']}, Apache Kafka {machine.get('kafka') or 'version not recorded'}.", "",
             *_runs(document), "",
             f"Scale: `{json.dumps(document['scale'])}`", ""]
    for scenario in document["scenarios"].values():
        lines += _scenario(scenario)
    return "\n".join(lines)
