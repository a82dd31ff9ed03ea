"""Closed-loop load: N concurrent clients, each taking the next job as soon as its last one ends.

A job is a short list of HTTP calls made one after the other (a registration is one
call; an exhibitor's market day is a scan then a sales declaration). With
``processes > 1`` the jobs are shared out round-robin over several client processes
(spawned, each with its own event loop and ``httpx.AsyncClient``), released together
once all have started, so one Python process is not the limit; each process reports
the CPU it used, which says whether the client was the bottleneck.
"""

import asyncio
import functools
import itertools
import multiprocessing
import resource
import ssl
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from bench.stats import Latency, latency

REQUEST_TIMEOUT_SECONDS = 120.0
# The services close a keep-alive connection idle for 5 s (uvicorn's default). A client that
# reuses one at that very moment sends into a closing socket and gets no answer (``ReadError``);
# the client lets its connection go a second earlier and opens a new one instead.
KEEPALIVE_EXPIRY_SECONDS = 4.0
CHILD_START_TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True)
class Call:
    label: str
    method: str
    url: str
    body: Any = None
    headers: Mapping[str, str] | None = None
    expect: tuple[int, ...] = (200, 201)


class Workload(Protocol):
    """What the clients do; implementations are small frozen dataclasses, so they pickle to client processes."""

    def calls(self, job: int) -> list[Call]: ...

    def extract(self, call: Call, status: int, body: bytes) -> Any: ...


@dataclass
class Sample:
    job: int
    label: str
    status: int  # 0 when the call failed below HTTP (connection, timeout)
    ok: bool
    started: float  # time.time(), comparable across client processes
    seconds: float
    data: Any = None
    error: str | None = None

    @property
    def ended(self) -> float:
        return self.started + self.seconds


@dataclass
class LoadResult:
    samples: list[Sample]
    concurrency: int
    processes: int
    client_cpu_s: float
    wall_s: float = field(init=False)

    def __post_init__(self) -> None:
        if self.samples:
            self.wall_s = max(s.ended for s in self.samples) - min(s.started for s in self.samples)
        else:
            self.wall_s = 0.0

    def of(self, label: str | None = None) -> list[Sample]:
        return [s for s in self.samples if label is None or s.label == label]

    def throughput(self, label: str | None = None) -> float:
        """Successful calls per second over the whole run's wall time."""
        ok = sum(1 for s in self.of(label) if s.ok)
        return ok / self.wall_s if self.wall_s else 0.0

    def latency(self, label: str | None = None) -> Latency:
        return latency(s.seconds for s in self.of(label) if s.ok)

    def statuses(self, label: str | None = None) -> dict[str, int]:
        return dict(sorted(Counter(str(s.status) for s in self.of(label)).items()))

    def errors(self, limit: int = 5) -> list[str]:
        return [f"{s.label} job {s.job}: HTTP {s.status} {s.error}" for s in self.samples if not s.ok][:limit]

    def client_core_share(self) -> float:
        """CPU the client processes used, in cores (1.0 = one core busy all the time)."""
        return self.client_cpu_s / self.wall_s if self.wall_s else 0.0

    def summary(self, label: str | None = None) -> dict[str, Any]:
        return {
            "calls": len(self.of(label)), "ok": sum(1 for s in self.of(label) if s.ok),
            "statuses": self.statuses(label), "throughput_per_s": round(self.throughput(label), 1),
            "latency": self.latency(label).as_dict(), "wall_s": round(self.wall_s, 2),
            "concurrency": self.concurrency, "client_processes": self.processes,
            "client_cpu_cores": round(self.client_core_share(), 3), "errors_sample": self.errors(),
        }


async def closed_loop(jobs: Sequence[int], concurrency: int, run_job: Callable[[int, int], Awaitable[None]]
                      ) -> None:
    """Run ``run_job(worker, job)`` over ``jobs`` with ``concurrency`` workers pulling the next job from a
    shared queue."""
    queue = iter(jobs)

    async def worker(number: int) -> None:
        for job in queue:  # a shared iterator: each job is taken by exactly one worker
            await run_job(number, job)

    await asyncio.gather(*(worker(n) for n in range(max(1, min(concurrency, len(jobs))))))


async def _call(client: httpx.AsyncClient, workload: Workload, job: int, call: Call) -> Sample:
    started, began = time.time(), time.perf_counter()
    try:
        response = await client.request(call.method, call.url, json=call.body, headers=call.headers)
    except httpx.HTTPError as exc:
        return Sample(job, call.label, 0, False, started, time.perf_counter() - began, error=repr(exc)[:200])
    seconds = time.perf_counter() - began
    ok = response.status_code in call.expect
    data = workload.extract(call, response.status_code, response.content)
    return Sample(job, call.label, response.status_code, ok, started, seconds, data,
                  None if ok else response.text[:300])


@functools.cache
def _tls() -> ssl.SSLContext:
    # Every AsyncClient would otherwise load the CA bundle again (~20 ms of CPU each); the calls are plain HTTP.
    return ssl.create_default_context()


def client() -> httpx.AsyncClient:
    """One simulated client: its own ``httpx.AsyncClient`` holding one keep-alive connection.

    One shared client with a 200-connection pool costs ~4 ms of client CPU per request
    (httpcore walks its pool on every request) against ~0.9 ms with a client per
    caller (measured on the bare endpoint): a shared pool would make the client the
    bottleneck of every figure.
    """
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1, keepalive_expiry=KEEPALIVE_EXPIRY_SECONDS)
    return httpx.AsyncClient(limits=limits, timeout=REQUEST_TIMEOUT_SECONDS, verify=_tls())


async def _run_here(workload: Workload, jobs: Sequence[int], concurrency: int) -> tuple[list[Sample], float]:
    """The samples of ``jobs``, and the CPU this process used while running them (client set-up left out)."""
    samples: list[Sample] = []
    clients = [client() for _ in range(max(1, min(concurrency, len(jobs))))]

    async def run_job(worker: int, job: int) -> None:
        for call in workload.calls(job):
            samples.append(await _call(clients[worker], workload, job, call))

    began = _cpu_seconds()
    try:
        await closed_loop(jobs, concurrency, run_job)
        used = _cpu_seconds() - began
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))
    return samples, used


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _client_process(workload: Workload, jobs: list[int], concurrency: int, ready: Any, go: Any, out: Any) -> None:
    """Entry point of a spawned client process: say it is ready, wait for the common start, send its samples."""
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    ready.put(True)
    go.wait()
    out.put(asyncio.run(_run_here(workload, jobs, concurrency)))


async def _in_processes(workload: Workload, jobs: int, concurrency: int, processes: int) -> LoadResult:
    context = multiprocessing.get_context("spawn")
    ready, out, go = context.Queue(), context.Queue(), context.Event()
    shares = [list(itertools.islice(range(jobs), p, None, processes)) for p in range(processes)]
    sizes = [concurrency // processes + (1 if p < concurrency % processes else 0) for p in range(processes)]
    children = [context.Process(target=_client_process, args=(workload, share, size, ready, go, out), daemon=True)
                for share, size in zip(shares, sizes, strict=True)]
    for child in children:
        child.start()
    for _ in children:  # every process has imported everything before the clock starts
        await asyncio.to_thread(ready.get, True, CHILD_START_TIMEOUT_SECONDS)
    go.set()
    results = [await asyncio.to_thread(out.get) for _ in children]
    for child in children:
        child.join()
    samples = [s for found, _ in results for s in found]
    return LoadResult(samples, concurrency, processes, sum(cpu for _, cpu in results))


async def run_load(workload: Workload, jobs: int, concurrency: int, processes: int = 1) -> LoadResult:
    """Run ``jobs`` jobs with ``concurrency`` clients in total, spread over ``processes`` client processes."""
    if processes > 1:
        return await _in_processes(workload, jobs, concurrency, processes)
    samples, used = await _run_here(workload, range(jobs), concurrency)
    return LoadResult(samples, concurrency, 1, used)
