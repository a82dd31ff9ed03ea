"""Group commit: who is written together, who gets which answer, and that nobody waits for company."""

import asyncio
from collections.abc import Sequence

import pytest

from shared.groupcommit import GroupCommit


class Ledger:
    """A writer that records each batch it was given; items named "bad" fail a batch, "no" are refused."""

    def __init__(self, pause: float = 0.05) -> None:
        self.batches: list[list[str]] = []
        self.pause = pause

    async def write(self, items: Sequence[str]) -> list[str | BaseException]:
        self.batches.append(list(items))
        await asyncio.sleep(self.pause)
        if "bad" in items and len(items) > 1:
            raise RuntimeError("the batch as a whole failed")
        return [ValueError(item) if item in ("no", "bad") else item.upper() for item in items]


async def test_requests_arriving_while_a_batch_is_written_go_together_into_the_next_one() -> None:
    ledger, sizes = Ledger(), []
    commit: GroupCommit[str, str] = GroupCommit(observe=sizes.append)
    first = asyncio.create_task(commit.submit("k", "a", ledger.write))
    await asyncio.sleep(0.01)  # "a" is being written
    later = [asyncio.create_task(commit.submit("k", item, ledger.write)) for item in ("b", "c", "d")]
    assert await asyncio.gather(first, *later) == ["A", "B", "C", "D"]
    assert ledger.batches == [["a"], ["b", "c", "d"]]
    assert sizes == [1, 3]


async def test_a_lone_request_is_written_at_once() -> None:
    ledger = Ledger(pause=0)
    commit: GroupCommit[str, str] = GroupCommit()
    loop = asyncio.get_running_loop()
    began = loop.time()
    assert await commit.submit("k", "solo", ledger.write) == "SOLO"
    assert loop.time() - began < 0.05
    assert ledger.batches == [["solo"]]


async def test_keys_are_written_apart_and_batches_are_bounded() -> None:
    ledger = Ledger()
    commit: GroupCommit[str, str] = GroupCommit(max_size=2)
    answers = await asyncio.gather(*(commit.submit(key, f"{key}{n}", ledger.write)
                                     for n in range(3) for key in ("x", "y")))
    assert answers == ["X0", "Y0", "X1", "Y1", "X2", "Y2"]
    assert sorted(ledger.batches) == [["x0", "x1"], ["x2"], ["y0", "y1"], ["y2"]]


async def test_a_refusal_is_answered_to_its_own_caller_only() -> None:
    ledger = Ledger()
    commit: GroupCommit[str, str] = GroupCommit()
    answers = await asyncio.gather(*(commit.submit("k", item, ledger.write) for item in ("a", "no", "b")),
                                   return_exceptions=True)
    assert answers[0] == "A" and answers[2] == "B"
    assert isinstance(answers[1], ValueError)
    assert ledger.batches == [["a", "no", "b"]]


async def test_a_failed_batch_is_written_again_one_by_one() -> None:
    ledger = Ledger()
    commit: GroupCommit[str, str] = GroupCommit()
    answers = await asyncio.gather(*(commit.submit("k", item, ledger.write) for item in ("a", "bad", "b")),
                                   return_exceptions=True)
    assert answers[0] == "A" and answers[2] == "B"
    assert isinstance(answers[1], ValueError)
    assert ledger.batches == [["a", "bad", "b"], ["a"], ["bad"], ["b"]]


async def test_a_caller_that_left_before_its_turn_is_not_written() -> None:
    ledger = Ledger()
    commit: GroupCommit[str, str] = GroupCommit()
    first = asyncio.create_task(commit.submit("k", "a", ledger.write))
    await asyncio.sleep(0.01)
    gone = asyncio.create_task(commit.submit("k", "gone", ledger.write))
    stays = asyncio.create_task(commit.submit("k", "b", ledger.write))
    await asyncio.sleep(0)
    gone.cancel()
    assert await first == "A" and await stays == "B"
    with pytest.raises(asyncio.CancelledError):
        await gone
    assert ledger.batches == [["a"], ["b"]]


async def test_busy_while_a_batch_is_written_and_for_a_moment_after_so_background_work_waits() -> None:
    commit: GroupCommit[str, str] = GroupCommit()
    assert not commit.busy()
    writing = asyncio.create_task(commit.submit("k", "a", Ledger(pause=0.1).write))
    await asyncio.sleep(0.02)
    assert commit.busy()
    await writing
    # Between two batches of a rush the line is empty for a moment: still busy.
    assert commit.busy(within=0.5)
    assert not commit.busy(within=0.0)


async def test_crowded_once_a_batch_of_several_was_taken_not_by_requests_one_after_another() -> None:
    ledger = Ledger(pause=0.02)
    commit: GroupCommit[str, str] = GroupCommit()
    # A few requests a second: each written alone, busy but never crowded.
    for item in ("a", "b", "c", "d", "e"):
        assert await commit.submit("k", item, ledger.write) == item.upper()
        assert commit.busy() and not commit.crowded()
    # An opening: requests pile up behind the batch being written and go together into the next.
    first = asyncio.create_task(commit.submit("k", "f", ledger.write))
    await asyncio.sleep(0.005)
    await asyncio.gather(first, *(commit.submit("k", item, ledger.write) for item in ("g", "h", "i", "j")))
    assert ledger.batches[-2:] == [["f"], ["g", "h", "i", "j"]]
    assert commit.crowded(within=0.5)
    assert not commit.crowded(within=0.0)
