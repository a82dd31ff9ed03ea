"""The open-loop benchmark's own logic: the schedule, latency from the due time, the follow-up of
projections, and a sender that keeps to its schedule while the server is slow."""

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import pytest

from bench.load import Call
from bench.openloop import Shot, run_open_loop, schedule, summarize
from bench.propagation import Follower
from bench.stats import percentile


def test_schedule_spaces_requests_evenly_over_the_duration() -> None:
    due = schedule(100, 2.0)
    assert len(due) == 200
    assert due[0] == 0.0 and due[-1] < 2.0
    assert all(later - earlier == pytest.approx(0.01) for earlier, later in zip(due, due[1:], strict=False))


def test_schedule_refuses_a_rate_or_duration_that_is_not_positive() -> None:
    for rate, seconds in ((0, 1.0), (10, 0.0), (-5, 1.0)):
        with pytest.raises(ValueError):
            schedule(rate, seconds)


def test_percentile_interpolates_between_ranks() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 99) == pytest.approx(99.01)
    assert percentile([7.0], 99) == 7.0


def test_latency_counts_from_the_due_time_even_when_the_request_left_late() -> None:
    # Due every 10 ms; the client got to the third one 0.5 s late and waited another 0.5 s for a
    # connection: its latency includes that second.
    shots = [Shot(0, 100.00, 100.00, 100.00, 100.05, 201, True), Shot(1, 100.01, 100.01, 100.01, 100.06, 201, True),
             Shot(2, 100.02, 100.52, 101.02, 101.07, 201, True),
             Shot(3, 100.03, 100.03, 100.03, 100.53, 0, False, error="timeout")]
    found = summarize(shots, rate=100)
    assert found["latency"]["count"] == 3
    assert found["latency"]["max_ms"] == pytest.approx(1050.0)
    assert found["latency"]["p50_ms"] == pytest.approx(50.0)
    assert found["send_lag"]["max_ms"] == pytest.approx(1000.0)
    assert found["loop_lag"]["max_ms"] == pytest.approx(500.0)
    assert found["errors"] == 1 and found["statuses"] == {"0": 1, "201": 3}
    # Achieved: 3 answers from the first due time (100.00) to the last answer (101.07).
    assert found["throughput_per_s"] == pytest.approx(round(3 / 1.07, 1))
    assert found["drain_after_last_due_s"] == pytest.approx(1.04)


def test_follower_estimates_the_middle_of_the_interval_and_stops_after_a_window_of_misses() -> None:
    held: dict[str, str] = {}
    asked: list[list[str]] = []

    async def lookup(registration_ids: list[str]) -> dict[str, str]:
        asked.append(registration_ids)
        return {rid: held[rid] for rid in registration_ids if rid in held}

    async def scenario() -> Follower:
        follower = Follower(lookup, interval=0.01, window=3, piece=4)
        answered = time.time()
        for i in range(10):
            follower.add(f"r{i}", "confirmed", answered)
        await follower.poll_once()  # nothing held: one query of four, whose misses stop the round
        assert asked == [["r0", "r1", "r2", "r3"]] and follower.reads == 1
        held.update({"r0": "confirmed", "r1": "waitlisted"})  # r1 held with another status: not yet
        await follower.poll_once()
        assert [e.registration_id for e in follower.done] == ["r0"] and follower.reads == 2
        held.update({f"r{i}": "confirmed" for i in range(1, 10)})
        await follower.poll_once()  # all held: the nine left in three queries
        assert asked[2:] == [["r1", "r2", "r3", "r4"], ["r5", "r6", "r7", "r8"], ["r9"]]
        return follower

    follower = asyncio.run(scenario())
    assert not follower.pending and len(follower.done) == 10
    for entry in follower.done:
        assert entry.found is not None and entry.last_missed <= entry.found
        assert entry.estimate == pytest.approx((entry.last_missed + entry.found) / 2 - entry.answered)
    assert follower.summary()["never_held"] == 0


@dataclass(frozen=True)
class _Posts:
    url: str

    def calls(self, job: int) -> list[Call]:
        return [Call("post", "POST", self.url, {"job": job}, expect=(201,))]

    def extract(self, call: Call, status: int, body: bytes) -> Any:
        return None


async def _slow_server(delay: float, connections: list[int] | None = None) -> asyncio.Server:
    """Answers every request 201 after ``delay`` seconds, each connection one request at a time;
    ``connections`` gets a 1 for each connection opened."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if connections is not None:
            connections.append(1)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                await reader.readexactly(length)
                await asyncio.sleep(delay)
                writer.write(b"HTTP/1.1 201 Created\r\ncontent-length: 2\r\ncontent-type: application/json\r\n\r\n{}")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    return await asyncio.start_server(serve, "127.0.0.1", 0)


def test_requests_leave_on_schedule_while_the_server_is_slow() -> None:
    async def scenario() -> list[Shot]:
        server = await _slow_server(delay=0.5)
        port = server.sockets[0].getsockname()[1]
        async with server:
            result = await run_open_loop(_Posts(f"http://127.0.0.1:{port}/"), rate=40, seconds=1.0, max_in_flight=100)
        return result.shots

    shots = asyncio.run(scenario())
    assert len(shots) == 40 and all(s.ok for s in shots)
    # Answered in order by one client, they would have left up to 19.5 s late; here each one left on time
    # (a quarter of a second of slack for a busy machine).
    assert max(s.sent - s.due for s in shots) < 0.25 and max(s.started - s.due for s in shots) < 0.25
    assert min(s.seconds for s in shots) >= 0.5
    assert max(s.answered for s in shots) - min(s.due for s in shots) < 2.5


def test_a_quick_server_is_sent_requests_over_few_warm_connections() -> None:
    """Connections are reused last returned, first taken: taken in turn, each of a thousand would sit
    idle as long as the service keeps an idle one open (5 s at 200/s), and some requests would leave
    on a connection the service is closing."""
    async def scenario() -> tuple[list[Shot], int]:
        opened: list[int] = []
        server = await _slow_server(delay=0.0, connections=opened)
        port = server.sockets[0].getsockname()[1]
        async with server:
            result = await run_open_loop(_Posts(f"http://127.0.0.1:{port}/"), rate=50, seconds=1.0, max_in_flight=100)
        return result.shots, len(opened)

    shots, opened = asyncio.run(scenario())
    assert len(shots) == 50 and all(s.ok for s in shots)
    # Each answer comes back long before the next request is due: one connection would do.
    assert opened <= 5, f"{opened} connections for 50 requests 20 ms apart"
