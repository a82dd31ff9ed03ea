"""Kafka stopped under a running registration service: still ready, registrations taken, published once back."""

import json
from collections import Counter
from pathlib import Path

from registration_factories import registration_service

from infra import kafka_broker, probes, processes
from support import Infra, Keys, eventually, read_topic


async def test_kafka_outage_leaves_registration_ready_and_registering_then_every_message_is_published_once(
        infra: Infra, keys: Keys, tmp_path: Path) -> None:
    port, controller = probes.free_port(), probes.free_port()
    libs = kafka_broker.ensure_kafka_libs(infra.root)
    kafka_dir = tmp_path / "kafka"
    kafka_broker.start_kafka(kafka_dir, port, controller, libs)
    own = Infra(kafka_bootstrap=f"127.0.0.1:{port}", mongo_url=infra.mongo_url, state_dir=tmp_path, root=infra.root)
    try:
        async with registration_service(own, keys, kafka_probe_seconds=0.5) as svc:
            conference = await svc.conference()
            processes.stop_pid(kafka_dir / "kafka.pid")

            async def kafka_seen_down() -> bool:
                return bool((await svc.client.get("/readyz")).json()["checks"]["kafka"] is False)

            await eventually(kafka_seen_down)
            ready = await svc.client.get("/readyz")
            assert ready.status_code == 200 and ready.json()["status"] == "ready"
            registered = [(await svc.register(conference["id"]))["registration"]["id"] for _ in range(3)]
            metrics = (await svc.client.get("/metrics")).text
            assert "tadamon_kafka_up 0.0" in metrics
            # Each registration waits in the outbox with its registered message (and the conference's
            # message too, if the relay had not sent it yet).
            pending = await svc.platform.outbox.pending_count()
            assert pending >= 3 and f"tadamon_outbox_pending {pending:.1f}" in metrics
            assert (await svc.client.get("/readyz")).status_code == 200

            kafka_broker.start_kafka(kafka_dir, port, controller, libs)

            async def drained() -> bool:
                return await svc.platform.outbox.pending_count() == 0

            await eventually(drained, timeout=90, interval=0.5)
            await eventually(lambda: _metric_is(svc, "tadamon_kafka_up 1.0"))
            topic = svc.settings.topic("registration.participants")
            records = await read_topic(own.kafka_bootstrap, topic, expect=3, timeout=60)
            published = Counter(json.loads(r.value)["subject"] for r in records)
            assert published == dict.fromkeys(registered, 1)
            assert len({json.loads(r.value)["id"] for r in records}) == 3
    finally:
        processes.stop_pid(kafka_dir / "kafka.pid")


async def _metric_is(svc, line: str) -> bool:  # type: ignore[no-untyped-def]
    return line in (await svc.client.get("/metrics")).text
