"""What every scenario shares: the run context, its result, checks, and small async helpers."""

import asyncio
import math
import os
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
from pymongo import AsyncMongoClient

from bench import observe
from bench.config import Scale, service_url
from bench.load import LoadResult
from bench.machine import CpuMeter, stack_processes
from bench.stats import rounded
from bench.tokens import Tokens, bearer
from shared.mongo import Document

T = TypeVar("T")


@dataclass
class Context:
    run_id: str
    scale: Scale
    tokens: Tokens
    http: httpx.AsyncClient  # setup and verification calls (not measured)
    mongo: AsyncMongoClient[Document]  # read-only checks of the services' databases
    client_processes: int  # client processes for the services' load
    baseline_client_processes: int  # and for the bare HTTP baseline, where one Python client saturates first
    quiet_timeout: float
    shared: dict[str, Any] = field(default_factory=dict)  # what one scenario leaves for the next

    async def admin(self, method: str, service: str, path: str, body: Any = None,
                    expect: Iterable[int] = (200, 201), token: str | None = None) -> Any:
        """An organizer call used for setup or verification; anything unexpected stops the scenario."""
        response = await self.http.request(method, f"{service_url(service)}{path}", json=body,
                                           headers=bearer(token or self.tokens.organizer))
        if response.status_code not in tuple(expect):
            raise RuntimeError(f"{method} {service}{path} answered {response.status_code}: {response.text[:500]}")
        return response.json() if response.content else None

    async def settle(self) -> observe.Quiet:
        """Wait for the stack to be quiet (outboxes, consumer lag, mails) before measuring."""
        quiet = await observe.wait_quiet(self.mongo, self.quiet_timeout)
        if not quiet.reached:
            print(f"    the stack is still busy after {quiet.waited_s:.0f} s: {quiet.backlog}", flush=True)
        return quiet

    def meter(self, **extra: int) -> CpuMeter:
        return CpuMeter({**stack_processes(), "bench_client": os.getpid(), **extra}).start()


@dataclass
class Check:
    name: str
    expected: Any
    observed: Any

    @property
    def ok(self) -> bool:
        if isinstance(self.expected, float) or isinstance(self.observed, float):
            return math.isclose(float(self.expected), float(self.observed), abs_tol=0.005)
        return bool(self.expected == self.observed)

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "expected": self.expected, "observed": self.observed, "ok": self.ok}


@dataclass
class Target:
    """A goal the figure is shown beside; missing it is reported, it does not fail the run (checks do)."""

    name: str
    observed: float | None
    limit: float
    unit: str
    at_least: bool = False  # the figure should be at least ``limit`` (else: below it)

    @property
    def met(self) -> bool | None:
        if self.observed is None or math.isnan(self.observed):
            return None
        return self.observed >= self.limit if self.at_least else self.observed < self.limit

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "observed": rounded(self.observed) if self.observed is not None else None,
                "unit": self.unit, "target": f"{'>=' if self.at_least else '<'} {self.limit:g}{self.unit}",
                "met": self.met}


@dataclass
class ScenarioResult:
    key: str
    title: str
    figures: dict[str, Any] = field(default_factory=dict)
    baselines: dict[str, Any] = field(default_factory=dict)
    ratios: dict[str, float] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    distributions: dict[str, list[float]] = field(default_factory=dict)  # seconds, for the plots only
    plot: str | None = None

    def check(self, name: str, expected: Any, observed: Any) -> None:
        self.checks.append(Check(name, expected, observed))

    @property
    def passed(self) -> bool:
        return all(c.ok for c in self.checks)

    def as_dict(self) -> dict[str, Any]:
        return {"title": self.title, "figures": self.figures, "baselines": self.baselines,
                "ratios": {k: rounded(v) for k, v in self.ratios.items()}, "passed": self.passed,
                "checks": [c.as_dict() for c in self.checks], "targets": [t.as_dict() for t in self.targets],
                "notes": self.notes, "plot": self.plot}


def seconds_of(result: LoadResult, label: str | None = None) -> list[float]:
    return [s.seconds for s in result.of(label) if s.ok]


async def gather_limited(items: Iterable[T], limit: int, work: Callable[[T], Awaitable[Any]]) -> list[Any]:
    """``work`` over ``items`` with at most ``limit`` running at once, results in order (setup helper)."""
    gate = asyncio.Semaphore(limit)

    async def one(item: T) -> Any:
        async with gate:
            return await work(item)

    return list(await asyncio.gather(*(one(item) for item in items)))


async def first_times(conditions: dict[str, Callable[[], Awaitable[bool]]], timeout: float, every: float
                      ) -> dict[str, float | None]:
    """Wall-clock time (``time.time()``) at which each condition first held, checking all of them every
    ``every`` seconds; None for a condition that never held within ``timeout``."""
    found: dict[str, float | None] = dict.fromkeys(conditions)
    began = time.perf_counter()
    while time.perf_counter() - began < timeout:
        for name, condition in conditions.items():
            if found[name] is None and await condition():
                found[name] = time.time()
        if all(at is not None for at in found.values()):
            break
        await asyncio.sleep(every)
    return found
