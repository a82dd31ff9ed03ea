"""Open-loop load: requests sent at a fixed rate, each at its scheduled time whatever became of the
earlier ones.

A closed loop (``bench.load``) sends the next request only once the last one is answered, so a
slow service also slows the load it is measured under and its latency hides the requests that
were never sent (coordinated omission). Here a slow answer holds nothing back, and every latency
counts from the time the request was *due*: a request that waited for a free connection, or for a
busy client loop, pays that wait too. ``loop_lag`` says how late the client itself got to each
request (it kept to the schedule when that stays at a few ms); ``send_lag`` how late requests
left, which adds the wait for a free connection when all of them are taken.
"""

import asyncio
import resource
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from bench.load import Workload, client
from bench.stats import latency

START_LEAD_SECONDS = 0.2  # the first request is due this long after the start, once every task is set up


def schedule(rate: float, seconds: float) -> list[float]:
    """When each request is due, in seconds from the start: ``rate`` per second, evenly spaced,
    for ``seconds`` (the last one is due before ``seconds``)."""
    if rate <= 0 or seconds <= 0:
        raise ValueError(f"rate and duration must be positive, not {rate} and {seconds}")
    return [job / rate for job in range(round(rate * seconds))]


@dataclass(frozen=True)
class Shot:
    """One request of an open loop; times are ``time.time()`` values."""

    job: int
    due: float
    started: float  # when the client loop got to it: later than ``due`` only when the client is behind
    sent: float  # when it left, once a connection was free
    answered: float  # when the answer (or the failure) came
    status: int  # 0 when the call failed below HTTP (connection, timeout)
    ok: bool
    data: Any = None
    error: str | None = None

    @property
    def seconds(self) -> float:
        """Latency from the scheduled time, not from the time it left."""
        return self.answered - self.due


@dataclass
class OpenLoopResult:
    rate: float
    shots: list[Shot]
    max_in_flight: int
    client_cpu_s: float

    def summary(self) -> dict[str, Any]:
        return summarize(self.shots, self.rate) | {"max_in_flight": self.max_in_flight,
                                                   "client_cpu_s": round(self.client_cpu_s, 2)}


def summarize(shots: list[Shot], rate: float) -> dict[str, Any]:
    """Offered and achieved rates, latency from the due time of the answered requests, how late they
    left, and the errors. ``throughput_per_s`` is the achieved rate: answers as expected per second,
    from the first due time to the last answer."""
    if not shots:
        return {"calls": 0, "ok": 0, "offered_per_s": rate, "throughput_per_s": 0.0}
    ok = [s for s in shots if s.ok]
    first_due, last_due = min(s.due for s in shots), max(s.due for s in shots)
    last_answer = max(s.answered for s in shots)
    span = last_answer - first_due
    return {
        "calls": len(shots), "ok": len(ok), "offered_per_s": rate,
        "throughput_per_s": round(len(ok) / span, 1) if span > 0 else 0.0,
        "latency": latency(s.seconds for s in ok).as_dict(),
        "loop_lag": latency(s.started - s.due for s in shots).as_dict(),
        "send_lag": latency(s.sent - s.due for s in shots).as_dict(),
        "drain_after_last_due_s": round(last_answer - last_due, 2),
        "errors": len(shots) - len(ok),
        "statuses": dict(sorted(Counter(str(s.status) for s in shots).items())),
        "errors_sample": [f"job {s.job}: HTTP {s.status} {s.error}" for s in shots if not s.ok][:5],
    }


class _Clients:
    """``limit`` clients holding one keep-alive connection each (see ``bench.load.client``): a request
    due while all of them are busy waits for one, and that wait is part of its latency. They are made
    before the clock starts: the first one loads the TLS context (about half a second), each other
    one takes about a millisecond that would otherwise delay the requests due meanwhile."""

    def __init__(self, limit: int) -> None:
        self.all = [client() for _ in range(max(1, limit))]
        # Last returned, first taken: the connections in use stay few and warm. Taken in turn, each
        # of 1,000 connections sat idle 5 s between requests at 200/s, just when the service closes
        # an idle one: a few requests a run went out on a closing connection and got no answer.
        self.idle: asyncio.Queue[httpx.AsyncClient] = asyncio.LifoQueue()
        for made in self.all:
            self.idle.put_nowait(made)

    async def take(self) -> httpx.AsyncClient:
        return await self.idle.get()

    def give(self, used: httpx.AsyncClient) -> None:
        self.idle.put_nowait(used)

    async def close(self) -> None:
        await asyncio.gather(*(c.aclose() for c in self.all))


async def _fire(workload: Workload, clients: _Clients, job: int, due: float) -> Shot:
    (call,) = workload.calls(job)  # one call per job: a job's calls in a row would be a closed loop again
    started = time.time()
    used = await clients.take()
    sent = time.time()
    try:
        response = await used.request(call.method, call.url, json=call.body, headers=call.headers)
    except httpx.HTTPError as exc:
        return Shot(job, due, started, sent, time.time(), 0, False, error=repr(exc)[:200])
    finally:
        clients.give(used)
    answered, ok = time.time(), response.status_code in call.expect
    data = workload.extract(call, response.status_code, response.content)
    return Shot(job, due, started, sent, answered, response.status_code, ok, data,
                None if ok else response.text[:300])


async def run_open_loop(workload: Workload, rate: float, seconds: float, max_in_flight: int,
                        on_shot: Callable[[Shot], None] | None = None) -> OpenLoopResult:
    """Send job i of ``workload`` at ``schedule(rate, seconds)[i]``; wait for every answer.
    ``on_shot`` sees each request as soon as it is answered (to follow its effects meanwhile)."""
    clients, tasks = _Clients(max_in_flight), []
    began_cpu, start = _cpu_seconds(), time.time() + START_LEAD_SECONDS

    async def one(job: int, due: float) -> Shot:
        shot = await _fire(workload, clients, job, due)
        if on_shot is not None:
            on_shot(shot)
        return shot

    try:
        for job, offset in enumerate(schedule(rate, seconds)):
            wait = start + offset - time.time()
            if wait > 0:
                await asyncio.sleep(wait)
            tasks.append(asyncio.create_task(one(job, start + offset)))
        shots = list(await asyncio.gather(*tasks))
    finally:
        await clients.close()
    return OpenLoopResult(rate, shots, max_in_flight, _cpu_seconds() - began_cpu)


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
