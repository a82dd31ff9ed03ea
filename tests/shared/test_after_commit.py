"""Callbacks after a commit: called for the attempt that committed, never for one rolled back."""

import asyncio
import uuid
from collections.abc import Awaitable, Callable

import pytest
from pymongo.asynchronous.client_session import AsyncClientSession

from shared.mongo import after_commit, make_client, run_in_transaction
from support import Infra, unique

Work = Callable[[AsyncClientSession], Awaitable[None]]


async def test_only_the_committed_attempt_of_a_retried_transaction_hands_on_what_it_built(infra: Infra) -> None:
    client = make_client(infra.mongo_url)
    try:
        seats = client[unique("after_commit").replace("-", "_")].seats
        await seats.insert_one({"_id": "seats", "taken": 0})
        built: dict[str, list[str]] = {"a": [], "b": []}
        handed: list[str] = []
        both_read = asyncio.Barrier(2)

        def take_seat(name: str) -> Work:
            async def work(session: AsyncClientSession) -> None:
                made = uuid.uuid4().hex
                built[name].append(made)
                await seats.find_one({"_id": "seats"}, session=session)
                if len(built["a"]) + len(built["b"]) <= 2:  # the first two attempts both read before either writes
                    await both_read.wait()
                await seats.update_one({"_id": "seats"}, {"$inc": {"taken": 1}}, session=session)
                after_commit(session, lambda: handed.append(made))
                assert made not in handed

            return work

        # Two transactions that read, then write, the same document: one of them conflicts and starts again.
        await asyncio.gather(run_in_transaction(client, take_seat("a")), run_in_transaction(client, take_seat("b")))
        assert (await seats.find_one({"_id": "seats"}))["taken"] == 2
        assert len(built["a"]) + len(built["b"]) >= 3
        assert sorted(handed) == sorted([built["a"][-1], built["b"][-1]])
    finally:
        await client.close()


async def test_a_transaction_that_fails_calls_none_of_its_callbacks(infra: Infra) -> None:
    client = make_client(infra.mongo_url)
    try:
        notes = client[unique("after_commit").replace("-", "_")].notes
        handed: list[str] = []

        async def refused(session: AsyncClientSession) -> None:
            await notes.insert_one({"_id": "note"}, session=session)
            after_commit(session, lambda: handed.append("note"))
            raise ValueError("refused")

        with pytest.raises(ValueError):
            await run_in_transaction(client, refused)
        assert handed == []
        assert await notes.find_one({"_id": "note"}) is None
    finally:
        await client.close()


async def test_a_callback_outside_a_transaction_is_refused(infra: Infra) -> None:
    client = make_client(infra.mongo_url)
    try:
        async with client.start_session() as session:
            with pytest.raises(RuntimeError):
                after_commit(session, lambda: None)
    finally:
        await client.close()
