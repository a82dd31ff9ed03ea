"""Callbacks after a commit: called for the attempt that committed, never for one rolled back."""

import asyncio

import pytest
from pymongo.asynchronous.client_session import AsyncClientSession

from shared.mongo import after_commit, make_client, run_in_transaction
from support import ConflictingPair, Infra, unique


async def test_only_the_committed_attempt_of_a_retried_transaction_hands_on_what_it_built(infra: Infra) -> None:
    client = make_client(infra.mongo_url)
    try:
        handed: list[str] = []

        async def then(session: AsyncClientSession, name: str, made: str) -> None:
            after_commit(session, lambda: handed.append(made))
            assert made not in handed

        pair = ConflictingPair(client[unique("after_commit").replace("-", "_")].seats, then)
        await pair.start()
        await asyncio.gather(run_in_transaction(client, pair.work("a")), run_in_transaction(client, pair.work("b")))
        assert (await pair.hot.find_one({"_id": "hot"}))["n"] == 2
        assert pair.attempts >= 3  # one of them was tried again
        assert sorted(handed) == pair.committed()
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
