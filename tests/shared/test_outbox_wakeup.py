"""When the outbox relay wakes up, against a real Kafka broker and MongoDB."""

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from sample_service import TOPIC, NoteWritten, SampleSettings, create_app

from shared.envelope import Envelope, message_envelope
from support import Infra, Keys, eventually, produce_raw, read_topic, requests_counted, running, settings_for, steady


def note(note_id: str) -> Envelope:
    return message_envelope(NoteWritten(note_id=note_id, copies=1), source="sample", subject=note_id)


async def write(platform: Any, note_id: str) -> None:
    async def work(session: AsyncClientSession) -> None:
        await platform.outbox.add(session, TOPIC, note(note_id))

    await platform.transaction(work)


async def sent(platform: Any, note_id: str) -> Any:
    found = await platform.outbox.written({"subject": note_id, "status": "sent"})
    return found[0] if found else None


async def test_entry_committed_by_another_process_is_published_without_waiting_for_the_poll(
        infra: Infra, keys: Keys) -> None:
    # Two replicas of one service: the first holds the relay's lease; the second commits an
    # entry, and its own wake-up reaches only its own relay, which has no lease.
    settings = settings_for(SampleSettings, infra, keys, with_consumer=False, outbox_poll_seconds=20.0)
    async with running(create_app(settings)) as holder:
        relaying = holder._transport.app.state.platform  # type: ignore[attr-defined]
        await eventually(lambda: _lease_held(relaying))
        async with running(create_app(settings)) as replica:
            await write(replica._transport.app.state.platform, "elsewhere")  # type: ignore[attr-defined]
            written = time.monotonic()
            await eventually(lambda: sent(relaying, "elsewhere"), timeout=15, interval=0.02)
            took = time.monotonic() - written
    assert took < 5.0, f"published {took:.1f} s after its commit: the relay waited for its poll"
    records = await read_topic(infra.kafka_bootstrap, settings.topic(TOPIC), expect=1)
    assert [Envelope.from_bytes(r.value).subject for r in records] == ["elsewhere"]


async def _lease_held(platform: Any) -> bool:
    lease = await platform.relay.leases.find_one({"_id": "relay"})
    return lease is not None and lease["owner"] == platform.relay.owner


async def test_relay_woken_soon_after_renewing_its_lease_publishes_without_writing_the_lease_again(
        infra: Infra, keys: Keys) -> None:
    settings = settings_for(SampleSettings, infra, keys, with_consumer=False)
    async with running(create_app(settings)) as client:
        platform = client._transport.app.state.platform  # type: ignore[attr-defined]
        await write(platform, "first")
        await eventually(lambda: sent(platform, "first"), interval=0.02)
        renewed = (await platform.relay.leases.find_one({"_id": "relay"}))["until"]
        await write(platform, "second")
        await eventually(lambda: sent(platform, "second"), interval=0.02)
        lease = await platform.relay.leases.find_one({"_id": "relay"})
    assert lease["owner"] == platform.relay.owner and lease["until"] == renewed


async def test_relay_started_again_after_a_stop_publishes_nothing_while_another_holds_the_lease(
        infra: Infra, keys: Keys) -> None:
    settings = settings_for(SampleSettings, infra, keys, with_consumer=False)
    async with running(create_app(settings)) as client:
        platform = client._transport.app.state.platform  # type: ignore[attr-defined]
        await write(platform, "before")
        await eventually(lambda: sent(platform, "before"), interval=0.02)
        # The stop hands the lease back; another replica takes it at once.
        await platform.relay.stop()
        until = datetime.now(UTC) + timedelta(seconds=60)
        await platform.relay.leases.insert_one({"_id": "relay", "owner": "another-replica", "until": until})
        platform.relay.start()
        await write(platform, "after")
        await asyncio.sleep(2.0)
        entry = await platform.outbox.collection.find_one({"subject": "after"})
        await platform.relay.leases.delete_one({"_id": "relay", "owner": "another-replica"})
    assert entry["status"] == "pending"


async def test_without_the_change_stream_own_commits_wake_the_relay_and_the_poll_finds_the_rest(
        infra: Infra, keys: Keys) -> None:
    # One process per service (the local stack): no stream is opened; its own commits still
    # publish at once, an entry another process wrote waits for the poll.
    settings = settings_for(SampleSettings, infra, keys, with_consumer=False, outbox_watch=False,
                            outbox_poll_seconds=1.0)
    async with running(create_app(settings)) as client:
        platform = client._transport.app.state.platform  # type: ignore[attr-defined]
        await eventually(lambda: _lease_held(platform))
        written = time.monotonic()
        await write(platform, "own")
        await eventually(lambda: sent(platform, "own"), interval=0.02)
        assert time.monotonic() - written < 0.9
        async with running(create_app(settings)) as replica:
            await write(replica._transport.app.state.platform, "other")  # type: ignore[attr-defined]
            await eventually(lambda: sent(platform, "other"), timeout=10, interval=0.05)
        assert platform.relay._watcher is None


async def test_only_a_commit_that_added_entries_wakes_the_relay(infra: Infra, keys: Keys) -> None:
    # A wake-up costs the relay a read of the outbox: transactions and consumed messages that
    # wrote no entry must not cause one. The poll is twenty seconds away.
    settings = settings_for(SampleSettings, infra, keys, outbox_watch=False, outbox_poll_seconds=20.0)
    async with running(create_app(settings)) as client:
        platform = client._transport.app.state.platform  # type: ignore[attr-defined]
        await eventually(lambda: _lease_held(platform))
        outbox = f"{settings.database_name}.outbox"

        async def reads() -> int:
            return await requests_counted(platform.client, outbox, "queries")

        before = await steady(reads)

        async def unrelated(session: AsyncClientSession) -> None:
            await platform.db.unrelated.insert_one({"at": datetime.now(UTC)}, session=session)

        for _ in range(10):
            await platform.transaction(unrelated)
        # A message consumed (its effect committed) that adds no entry.
        await produce_raw(infra.kafka_bootstrap, settings.topic(TOPIC), note("consumed").to_bytes())
        await eventually(lambda: platform.db.effects.find_one({"_id": "consumed"}))
        await asyncio.sleep(0.3)
        assert await reads() == before

        written = time.monotonic()
        await write(platform, "own")
        await eventually(lambda: sent(platform, "own"), interval=0.02)
        assert time.monotonic() - written < 5.0
        assert await reads() > before
