"""Stopping the background tasks of a service (outbox relay, consumers) within a bounded time."""

import asyncio
import logging

log = logging.getLogger(__name__)

# How long a stopping task gets to unwind after each cancellation, and how many cancellations it gets.
STOP_GRACE_SECONDS = 5.0
STOP_ATTEMPTS = 3


async def cancel_and_wait(task: asyncio.Task[None] | None, *, grace: float = STOP_GRACE_SECONDS,
                          attempts: int = STOP_ATTEMPTS) -> bool:
    """Cancel ``task`` and wait for it to finish; True when it did.

    A task can swallow one cancellation (a library that catches ``CancelledError`` while
    closing a connection, for instance), so it is cancelled again after each ``grace``
    seconds, ``attempts`` times at most. Shutdown then goes on regardless, with a warning,
    rather than hanging: nothing is lost by it, since what the task had not committed is
    picked up again at the next start (outbox messages stay pending, offsets uncommitted).
    """
    if task is None or task.done():
        return True
    for _ in range(attempts):
        task.cancel()
        done, _pending = await asyncio.wait({task}, timeout=grace)
        if done:
            if not task.cancelled() and task.exception() is not None:
                log.warning("task %s ended with %r while stopping", task.get_name(), task.exception())
            return True
    log.warning("task %s did not stop after %d cancellations; shutdown goes on without it",
                task.get_name(), attempts)
    return False
