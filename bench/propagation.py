"""When a projection first holds each registration: read it back by id, oldest answer first.

The reads load the database being measured, so they are few: a round walks the registrations
not seen yet in the order they were answered, ``piece`` of them to a query, and stops after a
query whose last ``window`` registrations were all missing (messages are applied roughly in
that order, so the newer ones are not there either). Each registration's time lies between
the last read that missed it (or its answer) and the read that found it: the middle is the
estimate, the half-width the resolution.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bench.stats import latency

# Registration ids -> the status the projection holds for each of them it holds.
Lookup = Callable[[list[str]], Awaitable[dict[str, str]]]


@dataclass
class Followed:
    registration_id: str
    status: str
    answered: float  # time.time()
    last_missed: float
    found: float | None = None

    @property
    def estimate(self) -> float | None:
        """Seconds from the answer to the middle of the interval the projection took it in."""
        if self.found is None:
            return None
        return max(0.0, (self.last_missed + self.found) / 2 - self.answered)

    @property
    def resolution(self) -> float | None:
        return None if self.found is None else (self.found - self.last_missed) / 2


class Follower:
    """Follows answered registrations into one projection; ``run`` polls until told to finish."""

    def __init__(self, lookup: Lookup, interval: float = 0.2, window: int = 10, piece: int = 50) -> None:
        self.lookup, self.interval, self.window, self.piece = lookup, interval, window, piece
        self.pending: dict[str, Followed] = {}  # in the order they were answered
        self.done: list[Followed] = []
        self.reads = 0

    def add(self, registration_id: str, status: str, answered: float) -> None:
        self.pending[registration_id] = Followed(registration_id, status, answered, answered)

    async def poll_once(self) -> None:
        waiting = list(self.pending.values())
        for start in range(0, len(waiting), self.piece):
            piece = waiting[start:start + self.piece]
            held = await self.lookup([entry.registration_id for entry in piece])
            self.reads += 1
            now = time.time()
            misses = 0
            for entry in piece:
                if held.get(entry.registration_id) == entry.status:
                    entry.found = now
                    self.done.append(self.pending.pop(entry.registration_id))
                    misses = 0
                else:
                    entry.last_missed = now
                    misses += 1
            if misses >= self.window:
                return

    async def run(self, finish: asyncio.Event, timeout: float) -> None:
        """Poll every ``interval`` until ``finish`` is set and nothing is pending, or ``timeout`` seconds
        after ``finish`` was set."""
        deadline: float | None = None
        while True:
            await self.poll_once()
            if finish.is_set():
                deadline = deadline or time.monotonic() + timeout
                if not self.pending or time.monotonic() >= deadline:
                    return
            await asyncio.sleep(self.interval)

    def summary(self) -> dict[str, Any]:
        return {"followed": len(self.done) + len(self.pending), "held": len(self.done),
                "never_held": len(self.pending),
                "latency": latency(e.estimate for e in self.done if e.estimate is not None).as_dict(),
                "resolution": latency(e.resolution for e in self.done if e.resolution is not None).as_dict(),
                "reads": self.reads, "poll_interval_s": self.interval, "miss_window": self.window}

    def seconds(self) -> list[float]:
        return [e.estimate for e in self.done if e.estimate is not None]
