"""Stopping background tasks: bounded, even when a task swallows its cancellation."""

import asyncio
import time

from shared.tasks import cancel_and_wait


async def test_a_cooperative_task_stops_at_the_first_cancellation() -> None:
    steps: list[str] = []

    async def relay() -> None:
        try:
            await asyncio.sleep(3600)
        finally:
            steps.append("cleaned up")

    task = asyncio.create_task(relay())
    await asyncio.sleep(0)
    assert await cancel_and_wait(task, grace=1.0) is True
    assert task.cancelled() and steps == ["cleaned up"]


async def test_a_task_that_swallows_one_cancellation_is_cancelled_again() -> None:
    cancellations = 0

    async def stubborn() -> None:
        nonlocal cancellations
        while True:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                cancellations += 1
                if cancellations == 2:
                    raise

    task = asyncio.create_task(stubborn())
    await asyncio.sleep(0)
    assert await cancel_and_wait(task, grace=0.2, attempts=3) is True
    assert cancellations == 2 and task.cancelled()


async def test_a_task_that_never_stops_does_not_hang_shutdown() -> None:
    deaf_for_now = True

    async def deaf() -> None:
        while True:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                if not deaf_for_now:
                    raise

    task = asyncio.create_task(deaf())
    await asyncio.sleep(0)
    began = time.monotonic()
    assert await cancel_and_wait(task, grace=0.1, attempts=3) is False
    assert time.monotonic() - began < 2.0
    assert not task.done()
    deaf_for_now = False  # leave nothing running behind this test
    assert await cancel_and_wait(task, grace=1.0) is True
