"""Group commit: requests on the same hot document decided together, in one transaction.

Each transaction costs the database a fixed price (snapshot, round trips, commit) that
dwarfs the work of one more document in it. While a batch for a key is being written,
requests for that key wait in line; the next batch takes them all (up to ``max_size``)
as soon as the current one is done. A lone request is written at once: nothing sleeps
to wait for company, and a batch is never larger than what piled up during the one
before it.

The writer decides every member of a batch on its own and answers each with its own
outcome: a value, or an exception for that member alone (a refusal). Should the batch
itself fail for an unexpected reason, its members are written again one by one, so
that one member's fault is answered to that member only.
"""

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

log = logging.getLogger(__name__)
I = TypeVar("I")  # noqa: E741 - the item a caller brings
R = TypeVar("R")
Writer = Callable[[Sequence[I]], Awaitable[Sequence[R | BaseException]]]

# At most this many requests in one transaction: 50 writes per transaction already give
# most of the gain, and a batch must stay far below the server's transaction limits.
MAX_BATCH = 100
BUSY_AFTER_SECONDS = 0.5
# A batch at least this large: requests arrive faster than a transaction at a time would take them
# (a few a second make batches of one or two).
CROWDED_BATCH = 4


class GroupCommit(Generic[I, R]):
    """Per-key lines of waiting requests, each written by one background task per key at a time."""

    def __init__(self, *, max_size: int = MAX_BATCH, observe: Callable[[int], None] | None = None) -> None:
        self.max_size = max_size
        self.observe = observe
        self._waiting: dict[str, list[tuple[I, asyncio.Future[R]]]] = {}
        self._writers: dict[str, tuple[asyncio.Task[None], Writer[I, R]]] = {}
        self._last_written = -math.inf
        self._last_crowded = -math.inf

    def busy(self, within: float = BUSY_AFTER_SECONDS) -> bool:
        """A batch is being written, requests wait for one, or one ended ``within`` seconds ago:
        background work can wait its turn (between two batches of a rush the line is empty
        for a moment)."""
        return bool(self._writers) or time.monotonic() - self._last_written < within

    def crowded(self, within: float = BUSY_AFTER_SECONDS) -> bool:
        """A batch of at least ``CROWDED_BATCH`` was taken ``within`` seconds ago: an opening
        rather than a few requests a second."""
        return time.monotonic() - self._last_crowded < within

    async def submit(self, key: str, item: I, write: Writer[I, R]) -> R:
        """Write ``item`` with the others waiting for ``key``; its own outcome (or refusal).

        ``write`` writes a batch in one transaction and returns one outcome per item in
        order; every caller of one key passes the same writer.
        """
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(key, []).append((item, future))
        if key not in self._writers:
            self._writers[key] = (asyncio.create_task(self._drain(key), name=f"group-commit:{key}"), write)
        return await future

    async def _drain(self, key: str) -> None:
        batch: list[tuple[I, asyncio.Future[R]]] = []
        try:
            while self._waiting.get(key):
                line = self._waiting[key]
                batch, self._waiting[key] = line[:self.max_size], line[self.max_size:]
                # A caller that left (its request was cancelled) before its turn is not written.
                batch = [(item, future) for item, future in batch if not future.done()]
                if len(batch) >= CROWDED_BATCH:
                    self._last_crowded = time.monotonic()
                if batch:
                    await self._write(batch, self._writers[key][1])
        finally:
            # No await between the last look at the line and this: a request arriving now
            # finds no writer and starts one. Stopped half-way (the process stops), the
            # callers still waiting are not left hanging.
            for _, future in [*batch, *self._waiting.pop(key, [])]:
                if not future.done():
                    future.cancel()
            del self._writers[key]
            self._last_written = time.monotonic()

    async def _write(self, batch: list[tuple[I, asyncio.Future[R]]], write: Writer[I, R]) -> None:
        items = [item for item, _ in batch]
        if self.observe is not None:
            self.observe(len(items))
        outcomes: Sequence[R | BaseException]
        try:
            outcomes = await write(items)
        except Exception as exc:  # noqa: BLE001 - answered to the members, or retried one by one
            if len(items) == 1:
                outcomes = [exc]
            else:
                log.warning("a batch of %d failed (%r); writing its members one by one", len(items), exc)
                outcomes = [await self._write_alone(item, write) for item in items]
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            if future.done():
                continue
            if isinstance(outcome, BaseException):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)

    async def _write_alone(self, item: I, write: Writer[I, R]) -> R | BaseException:
        if self.observe is not None:
            self.observe(1)
        try:
            return (await write([item]))[0]
        except Exception as exc:  # noqa: BLE001 - this member's own answer
            return exc
