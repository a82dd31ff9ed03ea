"""Outbox, consumer runner and DLQ against a real Kafka broker and MongoDB."""

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from sample_service import TOPIC, SampleSettings, create_app

from infra import kafka_broker, probes, processes
from shared.envelope import make_envelope
from support import Infra, Keys, eventually, produce_raw, read_topic, running, settings_for, unique

HERE = Path(__file__).resolve().parent


async def effect(mongo_url: str, db: str, note_id: str) -> dict | None:
    client: AsyncMongoClient = AsyncMongoClient(mongo_url)
    try:
        return await client[db].effects.find_one({"_id": note_id})
    finally:
        await client.close()


async def test_message_published_through_outbox_is_handled_by_another_process(infra: Infra, keys: Keys) -> None:
    prefix = unique("xproc") + "."
    reader_db = unique("reader").replace("-", "_")
    port = probes.free_port()
    env = {**os.environ, **infra.env(prefix, reader_db), "PORT": str(port), "HOST": "127.0.0.1",
           "JWT_PUBLIC_KEY_FILE": str(keys.public_file), "KAFKA_SESSION_TIMEOUT_MS": "6000",
           "KAFKA_HEARTBEAT_INTERVAL_MS": "500"}
    log = (infra.state_dir / f"{prefix}reader.log").open("wb")
    reader = subprocess.Popen([sys.executable, str(HERE / "sample_service.py")], env=env,
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        probes.wait_http(f"http://127.0.0.1:{port}/readyz", 60)
        settings = settings_for(SampleSettings, infra, keys, prefix=prefix, with_consumer=False)
        async with running(create_app(settings)) as client:
            created = await client.post("/notes", json={"text": {"fr": "bonjour"}, "copies": 3},
                                        headers=keys.headers("admin") | {"X-Correlation-ID": "corr-42"})
            note_id = created.json()["id"]
            seen = await eventually(lambda: effect(infra.mongo_url, reader_db, note_id), timeout=60)
        assert seen["applied"] == 1 and seen["copies"] == 3
        assert seen["correlation_id"] == "corr-42"
    finally:
        reader.terminate()
        reader.wait(20)
        log.close()


async def test_writes_succeed_with_kafka_down_and_are_delivered_once_after_restart(
    infra: Infra, keys: Keys, tmp_path: Path
) -> None:
    port, controller = probes.free_port(), probes.free_port()
    libs = kafka_broker.ensure_kafka_libs(infra.root)
    kafka_dir = tmp_path / "kafka"
    kafka_broker.start_kafka(kafka_dir, port, controller, libs)
    own = Infra(kafka_bootstrap=f"127.0.0.1:{port}", mongo_url=infra.mongo_url, state_dir=tmp_path, root=infra.root)
    settings = settings_for(SampleSettings, own, keys)
    try:
        async with running(create_app(settings)) as client:
            processes.stop_pid(kafka_dir / "kafka.pid")
            ids = []
            for copies in range(1, 6):
                response = await client.post("/notes", json={"text": {"en": f"n{copies}"}, "copies": copies},
                                             headers=keys.headers("admin"))
                assert response.status_code == 201
                ids.append(response.json()["id"])
            platform = client._transport.app.state.platform  # type: ignore[attr-defined]
            assert await platform.outbox.pending_count() == 5
            kafka_broker.start_kafka(kafka_dir, port, controller, libs)
            for note_id in ids:
                seen = await eventually(lambda n=note_id: effect(infra.mongo_url, settings.mongo_db, n), timeout=90)
                assert seen["applied"] == 1
            assert await platform.outbox.pending_count() == 0
        records = await read_topic(own.kafka_bootstrap, settings.topic(TOPIC), expect=5)
        assert sorted(json.loads(r.value)["subject"] for r in records) == sorted(ids)
    finally:
        processes.stop_pid(kafka_dir / "kafka.pid")


async def test_redelivered_message_has_its_effect_once(infra: Infra, keys: Keys) -> None:
    settings = settings_for(SampleSettings, infra, keys)
    async with running(create_app(settings)):
        envelope = make_envelope(type="sample.note-written.v1", source="sample", subject="note-r",
                                 data={"note_id": "note-r", "copies": 4})
        for _ in range(3):
            await produce_raw(infra.kafka_bootstrap, settings.topic(TOPIC), envelope.to_bytes(), b"note-r")
        follow = make_envelope(type="sample.note-written.v1", source="sample", subject="note-s",
                               data={"note_id": "note-s", "copies": 1})
        await produce_raw(infra.kafka_bootstrap, settings.topic(TOPIC), follow.to_bytes(), b"note-r")
        await eventually(lambda: effect(infra.mongo_url, settings.mongo_db, "note-s"))
        seen = await effect(infra.mongo_url, settings.mongo_db, "note-r")
        assert seen is not None and seen["applied"] == 1 and seen["copies"] == 4


async def test_poison_messages_go_to_the_dlq_and_the_consumer_keeps_going(infra: Infra, keys: Keys) -> None:
    settings = settings_for(SampleSettings, infra, keys, consumer_retry_seconds=[0.05, 0.05])
    topic = settings.topic(TOPIC)
    async with running(create_app(settings)):
        await produce_raw(infra.kafka_bootstrap, topic, b"\x00 not json", b"k")
        bad_data = make_envelope(type="sample.note-written.v1", source="sample", subject="k",
                                 data={"copies": "many"})
        await produce_raw(infra.kafka_bootstrap, topic, bad_data.to_bytes(), b"k")
        always_fails = make_envelope(type="sample.note-written.v1", source="sample", subject="k",
                                     data={"note_id": "doomed", "copies": 1, "fail": True})
        await produce_raw(infra.kafka_bootstrap, topic, always_fails.to_bytes(), b"k")
        good = make_envelope(type="sample.note-written.v1", source="sample", subject="k",
                             data={"note_id": "fine", "copies": 2})
        await produce_raw(infra.kafka_bootstrap, topic, good.to_bytes(), b"k")
        seen = await eventually(lambda: effect(infra.mongo_url, settings.mongo_db, "fine"))
        assert seen["applied"] == 1
        assert await effect(infra.mongo_url, settings.mongo_db, "doomed") is None
    dead = await read_topic(infra.kafka_bootstrap, topic + ".dlq", expect=3)
    assert len(dead) == 3
    headers = [dict(r.headers) for r in dead]
    assert [h["dlq_error_type"] for h in headers] == [
        b"ValidationError", b"ValidationError", b"RuntimeError"]
    assert [h["dlq_attempts"] for h in headers] == [b"1", b"1", b"3"]
    assert all(h["dlq_original_topic"] == topic.encode() for h in headers)
    assert dead[0].value == b"\x00 not json"


async def test_writes_are_acknowledged_and_kept_pending_and_the_service_stays_ready_while_kafka_is_unreachable(
        infra: Infra, keys: Keys) -> None:
    settings = settings_for(SampleSettings, infra, keys, kafka_bootstrap_servers="127.0.0.1:1",
                            with_consumer=False, kafka_probe_seconds=0.5)
    async with running(create_app(settings)) as client:
        response = await client.post("/notes", json={"text": {"fr": "x"}, "copies": 1},
                                     headers=keys.headers("admin"))
        assert response.status_code == 201

        async def kafka_seen_down() -> dict | None:
            ready = await client.get("/readyz")
            return ready if ready.json()["checks"]["kafka"] is False else None

        ready = await eventually(kafka_seen_down)
        # MongoDB answers, so requests are served: Kafka's absence is the outbox's to absorb.
        assert ready.status_code == 200 and ready.json()["status"] == "ready"
        await asyncio.sleep(1.5)
        platform = client._transport.app.state.platform  # type: ignore[attr-defined]
        entry = await platform.outbox.collection.find_one({})
        assert entry["status"] == "pending"
        metrics = (await client.get("/metrics")).text
        assert "tadamon_kafka_up 0.0" in metrics and "tadamon_outbox_pending 1.0" in metrics
        age = next(float(line.split()[1]) for line in metrics.splitlines()
                   if line.startswith("tadamon_outbox_oldest_pending_age_seconds "))
        assert age >= 1.5


async def test_write_conflicts_are_retried_and_counted_and_consumer_lag_is_measured(
        infra: Infra, keys: Keys) -> None:
    settings = settings_for(SampleSettings, infra, keys)
    async with running(create_app(settings)) as client:
        platform = client._transport.app.state.platform  # type: ignore[attr-defined]
        await platform.db.counters.insert_one({"_id": "seats", "taken": 0})
        both_read = asyncio.Barrier(2)
        attempts: list[int] = []

        async def take_seat(session: Any) -> None:
            await platform.db.counters.find_one({"_id": "seats"}, session=session)
            attempts.append(1)
            if len(attempts) <= 2:  # the first two attempts both read before either writes
                await both_read.wait()
            await platform.db.counters.update_one({"_id": "seats"}, {"$inc": {"taken": 1}}, session=session)

        # Two transactions that read, then write, the same document: one of them conflicts and starts again.
        await asyncio.gather(platform.transaction(take_seat), platform.transaction(take_seat))
        assert (await platform.db.counters.find_one({"_id": "seats"}))["taken"] == 2
        note = make_envelope(type="sample.note-written.v1", source="sample", subject="lagging",
                             data={"note_id": "lagging", "copies": 1})
        await produce_raw(infra.kafka_bootstrap, settings.topic(TOPIC), note.to_bytes(), b"lagging")
        await eventually(lambda: effect(infra.mongo_url, settings.mongo_db, "lagging"))

        async def lag_measured() -> str:
            text = (await client.get("/metrics")).text
            return text if "tadamon_consumer_lag_messages{" in text else ""

        metrics = await eventually(lag_measured)
    retries = next(float(line.split()[1]) for line in metrics.splitlines()
                   if line.startswith("tadamon_transaction_retries_total "))
    assert retries >= len(attempts) - 2 >= 1
    lags = [line for line in metrics.splitlines() if line.startswith("tadamon_consumer_lag_messages{")]
    assert lags and all(line.endswith(" 0.0") for line in lags), lags


async def test_message_too_large_for_kafka_is_set_aside_and_later_messages_flow_in_order(
    infra: Infra, keys: Keys
) -> None:
    settings = settings_for(SampleSettings, infra, keys)
    async with running(create_app(settings)) as client:
        platform = client._transport.app.state.platform  # type: ignore[attr-defined]
        # Stopping the relay makes the oversized entry and those after it one batch.
        await platform.relay.stop()

        async def write(session: AsyncClientSession, note_id: str, copies: int, padding: str = "") -> None:
            envelope = make_envelope(type="sample.note-written.v1", source="sample", subject="note-big",
                                     data={"note_id": note_id, "copies": copies, "padding": padding})
            await platform.outbox.add(session, TOPIC, envelope)

        await platform.transaction(lambda s: write(s, "first", 1))
        await platform.transaction(lambda s: write(s, "huge", 1, "x" * 2_000_000))
        await platform.transaction(lambda s: write(s, "after", 2))
        await platform.transaction(lambda s: write(s, "last", 3))
        platform.relay.start()
        for note_id in ("first", "after", "last"):
            seen = await eventually(lambda n=note_id: effect(infra.mongo_url, settings.mongo_db, n), timeout=60)
            assert seen["applied"] == 1
        assert await effect(infra.mongo_url, settings.mongo_db, "huge") is None
        dead = await platform.outbox.collection.find_one({"envelope.data.note_id": "huge"})
        assert dead["status"] == "dead" and "MessageSizeTooLarge" in dead["last_error"]
        assert await platform.outbox.pending_count() == 0
        counted = platform.metrics.registry.get_sample_value(
            "tadamon_outbox_dead_lettered_total", {"topic": settings.topic(TOPIC)})
        assert counted == 1
    records = await read_topic(infra.kafka_bootstrap, settings.topic(TOPIC), expect=3)
    assert [json.loads(r.value)["data"]["note_id"] for r in records] == ["first", "after", "last"]
