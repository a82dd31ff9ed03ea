"""``python -m shared.dlq replay`` against the real broker: dead-lettered messages go back once fixed."""

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from sample_service import TOPIC, NoteWritten, SampleSettings, create_app

from shared.envelope import make_envelope
from support import Infra, Keys, envelope_of, eventually, produce_raw, read_topic, running, settings_for


def replay(infra: Infra, settings: SampleSettings, *args: str) -> str:
    env = {**os.environ, **infra.env(settings.kafka_topic_prefix, settings.database_name),
           "SERVICE_NAME": "sample"}
    done = subprocess.run([sys.executable, "-m", "shared.dlq", "replay", "--topic", TOPIC, *args], env=env,
                          capture_output=True, text=True, timeout=120, check=True)
    return done.stdout


async def test_dead_lettered_messages_are_replayed_by_time_and_error_type_after_a_fix(
        infra: Infra, keys: Keys) -> None:
    settings = settings_for(SampleSettings, infra, keys, consumer_retry_seconds=[0.05])
    topic = settings.topic(TOPIC)
    began = datetime.now(UTC)
    async with running(create_app(settings)) as client:
        db = client._transport.app.state.platform.db  # type: ignore[attr-defined]
        await db.switches.insert_one({"_id": "handler-broken"})
        notes = [make_envelope(type="sample.note-written.v1", source="sample", subject=f"note-{n}",
                               data=NoteWritten(note_id=f"note-{n}", copies=n)) for n in (1, 2)]
        for envelope in notes:
            await produce_raw(infra.kafka_bootstrap, topic, envelope.to_bytes(), envelope.subject.encode())
        await produce_raw(infra.kafka_bootstrap, topic, b"not an envelope", b"junk")
        dead = await read_topic(infra.kafka_bootstrap, topic + ".dlq", expect=3)
        assert sorted(dict(r.headers)["dlq_error_type"] for r in dead) == [
            b"LookupError", b"LookupError", b"ValidationError"]
        metrics = (await client.get("/metrics")).text
        group = settings.group("sample-reader")
        assert f'tadamon_consumer_dlq_messages_total{{error_type="LookupError",group="{group}",topic="{topic}"}} 2.0' \
            in metrics

        await db.switches.delete_one({"_id": "handler-broken"})  # the fix
        listed = await asyncio.to_thread(replay, infra, settings, "--error-type", "LookupError", "--dry-run")
        assert "would replay 2 of 3 dead-lettered messages" in listed
        assert all(e.id in listed for e in notes) and "not an envelope" not in listed
        late = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
        nothing = await asyncio.to_thread(replay, infra, settings, "--since", late)
        assert "replayed 0 of 3" in nothing
        await asyncio.sleep(1.0)
        assert await db.effects.count_documents({}) == 0, "a dry run or an empty selection moved something"

        moved = await asyncio.to_thread(replay, infra, settings, "--error-type", "LookupError",
                                        "--since", began.isoformat(), "--until", late)
        assert "replayed 2 of 3" in moved
        for n in (1, 2):
            seen = await eventually(lambda n=n: db.effects.find_one({"_id": f"note-{n}"}))
            assert seen["applied"] == 1 and seen["copies"] == n

        # A second replay finds the messages handled: no second effect.
        await asyncio.to_thread(replay, infra, settings, "--error-type", "LookupError")
        records = await read_topic(infra.kafka_bootstrap, topic, expect=7)
        replayed = [r for r in records if "dlq_replayed_from" in dict(r.headers)]
        assert len(replayed) == 4 and all(not k.startswith("dlq_error") for r in replayed for k, _ in r.headers)
        assert {envelope_of(r)["id"] for r in replayed} == {e.id for e in notes}
        handled = await db.processed_messages.count_documents({})

        async def all_handled() -> bool:
            return await db.processed_messages.count_documents({}) == 2

        await eventually(all_handled)
        await asyncio.sleep(1.0)
        assert [d["applied"] async for d in db.effects.find({})] == [1, 1], handled
