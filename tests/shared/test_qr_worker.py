"""QR codes drawn in a process of their own: the same pictures, another process, and a worker that
dies is replaced without a code lost."""

import asyncio
import os
import signal

from shared.qr import QrWorker, qr_png

TEXTS = [f"badge-token-{n}-" + "x" * 150 for n in range(5)]


def worker_pids(worker: QrWorker) -> set[int]:
    pool = worker._pool
    return set() if pool is None else {process.pid for process in (pool._processes or {}).values()}


async def test_the_worker_draws_the_same_pictures_in_another_process() -> None:
    worker = QrWorker()
    try:
        assert await worker.pngs([]) == [] and worker._pool is None  # nothing to draw starts nothing
        assert await worker.pngs(TEXTS) == [qr_png(text) for text in TEXTS]
        assert await worker.pngs(TEXTS, mask=2) == [qr_png(text, mask=2) for text in TEXTS]
        pids = worker_pids(worker)
        assert len(pids) == 1 and os.getpid() not in pids
    finally:
        await worker.close()
    assert worker._pool is None
    for pid in pids:
        # Stopped and reaped: no such process any more.
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            continue
        raise AssertionError(f"worker {pid} still running after close")


async def test_a_dead_worker_costs_no_code_and_the_next_call_starts_another() -> None:
    worker = QrWorker()
    try:
        await worker.pngs(TEXTS[:1])
        (first,) = worker_pids(worker)
        os.kill(first, signal.SIGKILL)
        await asyncio.sleep(0.5)
        # The pool is broken: these are drawn here, and are what they should be.
        assert await worker.pngs(TEXTS[:2], mask=2) == [qr_png(text, mask=2) for text in TEXTS[:2]]
        assert await worker.pngs(TEXTS[2:3]) == [qr_png(TEXTS[2])]
        (second,) = worker_pids(worker)
        assert second != first
    finally:
        await worker.close()


async def test_many_callers_at_once_each_get_their_own_pictures() -> None:
    worker = QrWorker()
    try:
        got = await asyncio.gather(*(worker.pngs([text]) for text in TEXTS))
        assert got == [[qr_png(text)] for text in TEXTS]
    finally:
        await worker.close()
